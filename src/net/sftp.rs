//! Uploads a file to an SFTP server (SSH File Transfer Protocol over SSH, with a password or a
//! private key file): how call recordings reach an SFTP delivery method.
//!
//! The server's host key is trusted on first use, as OpenSSH does: its SHA-256 fingerprint is
//! kept in a known-hosts file, and a server that later shows another key is refused (a changed
//! key may be a machine in the middle) with both fingerprints and the file to edit when the
//! change is expected. As with FTP, the file is written under a hidden temporary name and
//! renamed when complete, and missing folders of the target path are made.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use russh::client;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg};
use russh_sftp::client::SftpSession;
use russh_sftp::protocol::OpenFlags;
use tokio::io::AsyncWriteExt;

use super::reply::STEP;
use crate::fsio::write_atomic;
use crate::text::Text;

/// Where to put the file.
#[derive(Clone, Debug)]
pub struct SftpTarget {
    pub host: String,
    /// 22 when `None`.
    pub port: Option<u16>,
    /// The folder (made when missing); relative to the login folder unless it starts with `/`.
    pub path: String,
    pub username: String,
    /// The login password, or the key file's passphrase (empty: none) when `key_file` is set.
    pub password: String,
    /// A private key (OpenSSH or PEM format) to log in with instead of the password.
    pub key_file: Option<PathBuf>,
}

/// Checks the server's key against the one seen before (none: first use).
struct HostKey {
    expected: Option<String>,
    seen: Arc<Mutex<Option<String>>>,
}

impl client::Handler for HostKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
        let trusted = self.expected.as_ref().is_none_or(|e| *e == fingerprint);
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(fingerprint);
        }
        Ok(trusted)
    }
}

/// `work` within the step time; its error as text.
async fn step<T, E: std::fmt::Display>(work: impl Future<Output = Result<T, E>>) -> Result<T, String> {
    match tokio::time::timeout(STEP, work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", STEP.as_secs())),
    }
}

/// Stores `bytes` as `name` in the target's folder; `known_hosts` keeps the servers' keys.
pub async fn upload(target: &SftpTarget, known_hosts: &Path, name: &str, bytes: &[u8]) -> Result<(), Text> {
    let port = target.port.unwrap_or(22);
    let server = format!("{}:{port}", target.host);
    let fail = |reason: &dyn std::fmt::Display| {
        Text::new("sftp-failed")
            .arg("server", &server)
            .arg("reason", reason)
    };
    if name.contains(['/', '\0']) || target.path.contains('\0') {
        return Err(fail(&"the file name or folder is not usable"));
    }
    let key = match &target.key_file {
        Some(file) => {
            let passphrase = Some(target.password.as_str()).filter(|p| !p.is_empty());
            let key = russh::keys::load_secret_key(file, passphrase).map_err(|e| {
                Text::new("sftp-key-unreadable")
                    .arg("file", file.display())
                    .arg("reason", e)
            })?;
            Some(Arc::new(key))
        }
        None => None,
    };
    let known = KnownHosts::read(known_hosts).map_err(|e| fail(&e))?;
    let seen = Arc::new(Mutex::new(None));
    let handler = HostKey {
        expected: known.get(&server).map(str::to_owned),
        seen: seen.clone(),
    };
    let config = Arc::new(client::Config {
        inactivity_timeout: Some(STEP),
        ..client::Config::default()
    });
    let connected = step(client::connect(config, (target.host.as_str(), port), handler)).await;
    let shown = seen.lock().ok().and_then(|s| s.clone());
    let mut session = match (connected, known.get(&server), &shown) {
        (Ok(s), _, _) => s,
        (Err(_), Some(expected), Some(shown)) if expected != shown => {
            return Err(Text::new("sftp-host-key-changed")
                .arg("server", &server)
                .arg("expected", expected)
                .arg("shown", shown)
                .arg("file", known_hosts.display()));
        }
        (Err(e), _, _) => return Err(fail(&e)),
    };
    // First use: the key is kept before anything else is sent.
    if let (None, Some(shown)) = (known.get(&server), &shown) {
        KnownHosts::add(known_hosts, &server, shown).map_err(|e| fail(&e))?;
    }
    let user = target.username.as_str();
    let login = match key {
        Some(key) => {
            // RSA keys sign with the best hash the server takes (rsa-sha2-512/256, RFC 8332).
            let hash = step(session.best_supported_rsa_hash())
                .await
                .map_err(|e| fail(&e))?
                .flatten();
            let key = PrivateKeyWithHashAlg::new(key, hash);
            step(session.authenticate_publickey(user, key)).await
        }
        None => step(session.authenticate_password(user, target.password.as_str())).await,
    }
    .map_err(|e| fail(&e))?;
    if !login.success() {
        return Err(Text::new("sftp-login-refused").arg("server", &server));
    }
    let result = store(&session, &target.path, name, bytes).await;
    let _ = session.disconnect(russh::Disconnect::ByApplication, "", "").await;
    drop(session);
    result.map_err(|e| fail(&e))
}

async fn store(
    session: &client::Handle<HostKey>,
    path: &str,
    name: &str,
    bytes: &[u8],
) -> Result<(), String> {
    let channel = step(session.channel_open_session()).await?;
    step(channel.request_subsystem(true, "sftp")).await?;
    let sftp = step(SftpSession::new(channel.into_stream())).await?;
    // Into the folder, making what is missing.
    let mut folder = if path.starts_with('/') {
        "/".to_owned()
    } else {
        String::new()
    };
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        folder.push_str(part);
        if !step(sftp.try_exists(folder.as_str())).await? {
            step(sftp.create_dir(folder.as_str())).await?;
        }
        folder.push('/');
    }
    let temporary = format!("{folder}.{name}.part");
    let final_name = format!("{folder}{name}");
    let mut file = step(sftp.open_with_flags(
        temporary.as_str(),
        OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE,
    ))
    .await?;
    for chunk in bytes.chunks(32 * 1024) {
        step(file.write_all(chunk)).await?;
    }
    step(file.shutdown()).await?;
    // SFTP version 3 does not rename over an existing file.
    if step(sftp.try_exists(final_name.as_str())).await? {
        step(sftp.remove_file(final_name.as_str())).await?;
    }
    step(sftp.rename(temporary.as_str(), final_name.as_str())).await?;
    let _ = sftp.close().await;
    Ok(())
}

/// `host:port fingerprint` lines.
#[derive(Debug)]
struct KnownHosts {
    entries: Vec<(String, String)>,
}

impl KnownHosts {
    fn read(path: &Path) -> Result<KnownHosts, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let entries = text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(h, f)| (h.trim().to_owned(), f.trim().to_owned()))
            .collect();
        Ok(KnownHosts { entries })
    }

    fn get(&self, server: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(h, _)| h == server)
            .map(|(_, f)| f.as_str())
    }

    /// Keeps `fingerprint` for `server`: read, changed and written under one lock, so
    /// uploads to two new servers at once both stay known.
    fn add(path: &Path, server: &str, fingerprint: &str) -> Result<(), String> {
        static WRITING: Mutex<()> = Mutex::new(());
        let _writing = WRITING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut known = KnownHosts::read(path)?;
        known.entries.retain(|(h, _)| h != server);
        known.entries.push((server.to_owned(), fingerprint.to_owned()));
        let text: String = known.entries.iter().map(|(h, f)| format!("{h} {f}\n")).collect();
        write_atomic(path, text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}
