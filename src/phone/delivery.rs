//! Sends finished recordings to their account's delivery method (Call Recording → Delivery
//! Method), through the durable [`Outbox`]: a recording is queued when its call ends, uploaded
//! in the background, and tried again later when the upload fails.
//!
//! Email (through the method's outgoing mail server), FTP, SFTP and the cloud drives (Dropbox,
//! Google Drive, OneDrive: [`super::cloud_delivery`]) are delivered. SFTP servers' host keys are kept in `known_hosts`
//! beside the outbox folder (trusted on first use). A message the mail server refuses for
//! good (too large) leaves the outbox: as the seed says, such a recording cannot be
//! delivered by mail (it stays in the recordings folder).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tracing::{info, warn};

use super::cloud_delivery::{self, AccessTokens};
use super::outbox::{Job, Outbox};
use crate::account::SipAccount;
use crate::account::secrets::Secret;
use crate::account::workspace::{DeliveryMethod, DeliveryTarget, MailSecurity};
use crate::net::ftp::{FtpTarget, upload};
use crate::net::sftp::{self, SftpTarget};
use crate::net::smtp::{Mail, MailServer, Security, SendError, send};
use crate::net::tls::client_config;
use crate::text::Text;

/// How an upload ended.
#[derive(Debug)]
pub enum Finished {
    Delivered(Job),
    Failed(Job, Text),
    /// Refused for good by the receiving side: not tried again.
    Rejected(Job, Text),
    /// The recording is no longer there (deleted by the user): nothing to deliver.
    Gone(Job),
}

/// What [`Deliveries::settle`] says for the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered {
        recording: PathBuf,
        method: String,
    },
    /// Tried again after `retry_in`.
    Failed {
        recording: PathBuf,
        method: String,
        error: Text,
        retry_in: Duration,
    },
    /// Refused for good: not tried again (the recording stays where it is).
    Rejected {
        recording: PathBuf,
        method: String,
        error: Text,
    },
}

#[derive(Debug)]
pub struct Deliveries {
    /// `None`: no outbox folder, nothing is delivered.
    outbox: Option<Outbox>,
    /// The SFTP servers' host keys (beside the outbox folder).
    known_hosts: PathBuf,
    /// `None` until the window has said which methods there are (a job queued in an earlier
    /// run waits for that, rather than failing for a method not heard of yet).
    methods: Option<HashMap<String, (DeliveryTarget, Option<Secret>)>>,
    /// Each account's delivery method, when it has one.
    of_account: HashMap<String, String>,
    in_flight: HashSet<String>,
    /// The cloud drives' access tokens (in memory only).
    tokens: AccessTokens,
    done_tx: mpsc::UnboundedSender<Finished>,
    done_rx: mpsc::UnboundedReceiver<Finished>,
}

impl Deliveries {
    /// The deliveries queued in `dir` (and the queued files that cannot be read).
    pub fn open(dir: Option<&Path>) -> (Deliveries, Vec<Text>) {
        let (outbox, problems) = match dir {
            Some(d) => {
                let (o, p) = Outbox::open(d);
                (Some(o), p)
            }
            None => (None, Vec::new()),
        };
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let known_hosts = dir.map_or_else(PathBuf::new, |d| d.with_file_name("known_hosts"));
        let deliveries = Deliveries {
            outbox,
            known_hosts,
            methods: None,
            of_account: HashMap::new(),
            in_flight: HashSet::new(),
            tokens: AccessTokens::default(),
            done_tx,
            done_rx,
        };
        (deliveries, problems)
    }

    /// The account's delivery method (added or edited).
    pub fn set_account(&mut self, account: &SipAccount) {
        match &account.recording.delivery_method {
            Some(m) => self.of_account.insert(account.name.clone(), m.clone()),
            None => self.of_account.remove(&account.name),
        };
    }

    pub fn remove_account(&mut self, name: &str) {
        self.of_account.remove(name);
    }

    /// The workspace's delivery methods, with their passwords or tokens.
    pub fn set_methods(&mut self, methods: Vec<(DeliveryMethod, Option<Secret>)>) {
        self.methods = Some(
            methods
                .into_iter()
                .map(|(m, secret)| (m.name, (m.target, secret)))
                .collect(),
        );
    }

    /// A call of `account` left `recording`: queued when the account has a delivery method.
    pub fn recorded(&mut self, account: &str, recording: &Path) -> Result<Option<Job>, Text> {
        let (Some(outbox), Some(method)) = (&mut self.outbox, self.of_account.get(account)) else {
            return Ok(None);
        };
        outbox.add(recording, account, method).map(Some)
    }

    /// Starts the uploads that are due and not already running.
    pub fn start_due(&mut self, now: SystemTime) {
        let (Some(outbox), Some(methods)) = (&self.outbox, &self.methods) else {
            return;
        };
        for job in outbox.due(now) {
            if !self.in_flight.insert(job.id.clone()) {
                continue;
            }
            let method = methods.get(&job.method).cloned();
            let done = self.done_tx.clone();
            let known_hosts = self.known_hosts.clone();
            let tokens = self.tokens.clone();
            tokio::spawn(async move {
                let finished = deliver(job, method, &known_hosts, &tokens).await;
                let _ = done.send(finished);
            });
        }
    }

    /// The next upload that ended (pending forever while none runs).
    pub async fn next_finished(&mut self) -> Finished {
        match self.done_rx.recv().await {
            Some(f) => f,
            // Unreachable: `self` keeps a sender.
            None => std::future::pending().await,
        }
    }

    /// Records how an upload ended in the outbox.
    pub fn settle(&mut self, finished: Finished, now: SystemTime) -> Result<Option<Delivery>, Text> {
        let Some(outbox) = &mut self.outbox else {
            return Ok(None);
        };
        let job = match &finished {
            Finished::Delivered(j)
            | Finished::Failed(j, _)
            | Finished::Rejected(j, _)
            | Finished::Gone(j) => j.clone(),
        };
        self.in_flight.remove(&job.id);
        match finished {
            Finished::Delivered(_) => {
                info!(recording = %job.recording.display(), method = %job.method, "recording delivered");
                outbox.delivered(&job.id)?;
                Ok(Some(Delivery::Delivered {
                    recording: job.recording,
                    method: job.method,
                }))
            }
            Finished::Gone(_) => {
                warn!(recording = %job.recording.display(), "the recording to deliver is gone");
                outbox.delivered(&job.id)?;
                Ok(None)
            }
            Finished::Rejected(_, error) => {
                warn!(recording = %job.recording.display(), method = %job.method, %error, "delivery refused for good");
                outbox.delivered(&job.id)?;
                Ok(Some(Delivery::Rejected {
                    recording: job.recording,
                    method: job.method,
                    error,
                }))
            }
            Finished::Failed(_, error) => {
                let retry_in = outbox.failed(&job.id, &error.english(), now)?;
                warn!(recording = %job.recording.display(), method = %job.method, %error, ?retry_in, "delivery failed");
                Ok(Some(Delivery::Failed {
                    recording: job.recording,
                    method: job.method,
                    error,
                    retry_in,
                }))
            }
        }
    }
}

async fn deliver(
    job: Job,
    method: Option<(DeliveryTarget, Option<Secret>)>,
    known_hosts: &Path,
    tokens: &AccessTokens,
) -> Finished {
    let path = job.recording.clone();
    let read = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
    let bytes = match read {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Finished::Gone(job),
        Err(e) => {
            let error = Text::new("delivery-unreadable")
                .arg("path", job.recording.display())
                .arg("reason", e);
            return Finished::Failed(job, error);
        }
    };
    let Some((target, secret)) = method else {
        let error = Text::new("delivery-method-missing").arg("method", &job.method);
        return Finished::Failed(job, error);
    };
    let name = job
        .recording
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let password = secret.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default();
    let result = match target {
        DeliveryTarget::Ftp {
            host,
            port,
            path,
            username,
            tls,
        } => {
            let tls = match tls.then(|| client_config(None)).transpose() {
                Ok(tls) => tls,
                Err(e) => return Finished::Failed(job, e.text()),
            };
            let target = FtpTarget {
                host,
                port,
                path,
                username,
                password,
                tls,
            };
            upload(&target, &name, &bytes).await.map_err(SendError::Failed)
        }
        DeliveryTarget::Sftp {
            host,
            port,
            path,
            username,
            key_file,
        } => {
            let target = SftpTarget {
                host,
                port,
                path,
                username,
                password,
                key_file,
            };
            sftp::upload(&target, known_hosts, &name, &bytes)
                .await
                .map_err(SendError::Failed)
        }
        DeliveryTarget::Email {
            address,
            server,
            port,
            security,
            username,
        } => {
            if server.is_empty() {
                let error = Text::new("delivery-email-no-server").arg("method", &job.method);
                return Finished::Failed(job, error);
            }
            let server = MailServer {
                host: server,
                port,
                security: match security {
                    MailSecurity::Starttls => Security::StartTls,
                    MailSecurity::Tls => Security::Tls,
                    MailSecurity::None => Security::None,
                },
                username,
                password,
            };
            email(&server, &address, &job, &name, &bytes).await
        }
        cloud @ (DeliveryTarget::Dropbox { .. }
        | DeliveryTarget::GoogleDrive { .. }
        | DeliveryTarget::OneDrive { .. }) => match client_config(None) {
            Err(e) => Err(SendError::Failed(e.text())),
            Ok(tls) => {
                cloud_delivery::deliver(&job.method, &cloud, secret.as_ref(), tokens, &tls, &name, &bytes)
                    .await
                    .map_err(SendError::Failed)
            }
        },
    };
    match result {
        Ok(()) => Finished::Delivered(job),
        Err(SendError::Failed(error)) => Finished::Failed(job, error),
        Err(SendError::Rejected(error)) => Finished::Rejected(job, error),
    }
}

/// Mails the recording to `to`; the sender is the mail login when it is an address, else the
/// recipient itself (servers accept mail from the account they authenticate).
async fn email(server: &MailServer, to: &str, job: &Job, name: &str, bytes: &[u8]) -> Result<(), SendError> {
    let tls = client_config(None).map_err(|e| SendError::Failed(e.text()))?;
    let from = if server.username.contains('@') {
        server.username.as_str()
    } else {
        to
    };
    let subject = Text::new("mail-recording-subject").arg("file", name).english();
    let body = Text::new("mail-recording-body")
        .arg("account", &job.account)
        .arg("file", name)
        .arg("kilobytes", bytes.len().div_ceil(1024))
        .english();
    let content_type = match job.recording.extension().and_then(|e| e.to_str()) {
        Some("opus" | "ogg") => "audio/ogg",
        Some("wav") => "audio/wav",
        _ => "application/octet-stream",
    };
    let mail = Mail {
        from,
        to,
        subject: &subject,
        body: &body,
        file_name: name,
        content_type,
        file: bytes,
    };
    send(server, tls, &mail).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk(method: &str) -> SipAccount {
        let mut a = SipAccount {
            name: "Desk".into(),
            ..SipAccount::default()
        };
        a.recording.delivery_method = Some(method.into());
        a
    }

    async fn finished(d: &mut Deliveries) -> Option<Finished> {
        tokio::time::timeout(Duration::from_secs(5), d.next_finished())
            .await
            .ok()
    }

    #[tokio::test]
    async fn queued_recordings_wait_for_the_methods_and_undeliverable_ones_stay_queued() {
        let dir = tempfile::tempdir().unwrap();
        let recording = dir.path().join("a.opus");
        std::fs::write(&recording, b"opus").unwrap();
        let (mut d, problems) = Deliveries::open(Some(&dir.path().join("outbox")));
        assert!(problems.is_empty());
        d.set_account(&desk("Mail"));
        assert!(d.recorded("Desk", &recording).unwrap().is_some());
        assert!(
            d.recorded("Lobby", &recording).unwrap().is_none(),
            "no method: not queued"
        );

        // The window has not said which methods there are yet: nothing starts.
        d.start_due(SystemTime::now());
        assert!(
            tokio::time::timeout(Duration::from_millis(300), d.next_finished())
                .await
                .is_err()
        );

        let mail = DeliveryMethod {
            name: "Mail".into(),
            target: DeliveryTarget::email("rec@example.com"),
        };
        d.set_methods(vec![(mail, None)]);
        d.start_due(SystemTime::now());
        d.start_due(SystemTime::now());
        let f = finished(&mut d).await.unwrap();
        let now = SystemTime::now();
        let Some(Delivery::Failed { error, retry_in, .. }) = d.settle(f, now).unwrap() else {
            panic!("failed")
        };
        assert_eq!(
            error.key, "delivery-email-no-server",
            "an Email method without its mail server"
        );
        assert_eq!(retry_in, Duration::from_secs(30));
        assert!(
            tokio::time::timeout(Duration::from_millis(300), d.next_finished())
                .await
                .is_err(),
            "started once, not once per call of start_due"
        );

        // Still queued after a restart; once the recording is deleted, it is dropped.
        let (mut again, _) = Deliveries::open(Some(&dir.path().join("outbox")));
        again.set_methods(Vec::new());
        std::fs::remove_file(&recording).unwrap();
        again.start_due(now + Duration::from_secs(31));
        let f = finished(&mut again).await.unwrap();
        assert!(matches!(f, Finished::Gone(_)), "{f:?}");
        assert_eq!(again.settle(f, now).unwrap(), None);
        assert_eq!(std::fs::read_dir(dir.path().join("outbox")).unwrap().count(), 0);
    }
}
