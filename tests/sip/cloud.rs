//! Delivery of recordings to the cloud drives (Dropbox, Google Drive, OneDrive) and their
//! OAuth sign-in. No real service can run here: `tests/tools/cloud_server.py` is a local
//! server that speaks the documented subset of each API Handset uses (OAuth 2.0 with PKCE,
//! Dropbox v2 upload sessions, Drive v3 resumable uploads, Graph upload sessions), checks what
//! the services check (client ID, loopback redirect, S256 verifier, Bearer tokens, content
//! ranges and chunk multiples, no Authorization header on Graph upload URLs) and answers as
//! they do (401, 308, 202, 409 insufficient_space, 403 storageQuotaExceeded, 507). The
//! browser is curl following the authorization redirect back to Handset's loopback listener.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use handset::account::secrets::SecretKey;
use handset::account::store::ProfilePaths;
use handset::account::workspace::{DeliveryMethod, DeliveryTarget};
use handset::account::{AccountManager, SipAccount};
use handset::net::cloud::{self, CHUNK};
use handset::net::tls::client_config;
use handset::phone::cloud_delivery::{self, CloudCredentials};
use handset::phone::delivery::{Deliveries, Delivery};
use serde_json::Value;

use crate::handset::{Profile, run_with_input};
use crate::peers::{Listening, free_port_block};

const CLIENT_ID: &str = "handset-test-app";
const GOOGLE_SECRET: &str = "google-installed-app-secret";
/// The browser: follows the authorization page's redirect to Handset's listener.
const BROWSER: &str = "curl -sS -f -L -o /dev/null";

struct CloudServer(Listening);

impl CloudServer {
    fn start() -> CloudServer {
        let port = free_port_block(1);
        let mut command = Command::new("/usr/bin/python3");
        command
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tools/cloud_server.py"
            ))
            .arg(port.to_string())
            .args([CLIENT_ID, GOOGLE_SECRET]);
        CloudServer(Listening::start(command, port, "the cloud API server", "python3"))
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.0.port)
    }

    fn control(&self, method: &str, what: &str) -> Value {
        let out = Command::new("curl")
            .args([
                "-sS",
                "-f",
                "-X",
                method,
                &format!("{}/control/{what}", self.base()),
            ])
            .output()
            .expect("curl (packaging/setup.sh test)");
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// The three kinds, as `workspace delivery add --kind` names them and as targets.
fn kinds() -> [(&'static str, &'static str, DeliveryTarget); 3] {
    let folder = "Calls/2026".to_owned();
    let client_id = CLIENT_ID.to_owned();
    [
        (
            "dropbox",
            "dropbox",
            DeliveryTarget::Dropbox {
                folder: folder.clone(),
                client_id: client_id.clone(),
            },
        ),
        (
            "google-drive",
            "google",
            DeliveryTarget::GoogleDrive {
                folder: folder.clone(),
                client_id: client_id.clone(),
            },
        ),
        (
            "one-drive",
            "onedrive",
            DeliveryTarget::OneDrive { folder, client_id },
        ),
    ]
}

#[test]
fn signing_in_keeps_the_refresh_token_in_the_keyring_only() {
    let server = CloudServer::start();
    let p = Profile {
        dir: tempfile::tempdir().unwrap(),
        user: "cloud".into(),
    };
    let sign_in = |name: &str, browser: &str, wait: &str, secret: &str| {
        let mut c = p.command(&["workspace", "delivery", "sign-in", name, "--wait", wait]);
        if !secret.is_empty() {
            c.arg("--client-secret-stdin");
        }
        c.env("HANDSET_CLOUD_ENDPOINTS", server.base())
            .env("BROWSER", browser);
        run_with_input(&mut c, secret)
    };
    for (kind, _, _) in kinds() {
        p.run(&[
            "workspace",
            "delivery",
            "add",
            kind,
            "--kind",
            kind,
            "--folder",
            "Calls",
            "--client-id",
            CLIENT_ID,
        ]);
        let secret = if kind == "google-drive" { GOOGLE_SECRET } else { "" };
        let out = sign_in(kind, BROWSER, "30", secret);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(out.status.success(), "{kind}: {stdout}{stderr}");
        assert!(stdout.contains("is signed in"), "{stdout}");
        assert!(
            stderr.contains("/authorize?"),
            "the address is shown too: {stderr}"
        );
    }
    let tokens: Vec<String> = serde_json::from_value(server.control("GET", "tokens")).unwrap();
    assert_eq!(tokens.len(), 3, "{tokens:?}");

    // Nowhere in the profile's files…
    let mut stack = vec![p.dir.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                for t in &tokens {
                    assert!(
                        !bytes.contains(t.as_str()),
                        "a refresh token in {}",
                        path.display()
                    );
                }
                assert!(
                    !bytes.contains(GOOGLE_SECRET),
                    "the client secret in {}",
                    path.display()
                );
            }
        }
    }
    // …and each in the keyring, under its method.
    let m = AccountManager::open(ProfilePaths::portable(p.dir.path())).unwrap();
    for ((kind, _, _), token) in kinds().into_iter().zip(&tokens) {
        let kept = m
            .secret_store()
            .get(&SecretKey::Delivery(kind.into()))
            .unwrap()
            .expect("in the keyring");
        let c = CloudCredentials::from_secret(&kept).unwrap();
        assert_eq!(&c.refresh_token, token, "{kind}");
        assert_eq!(c.client_secret.is_some(), kind == "google-drive");
    }

    // A browser that never comes back (the service refuses the page): a clear timeout, and the
    // token kept before stays.
    let out = sign_in("dropbox", "false", "2", "");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no answer from the browser"), "{stderr}");
    let kept = m
        .secret_store()
        .get(&SecretKey::Delivery("dropbox".into()))
        .unwrap()
        .unwrap();
    assert_eq!(
        CloudCredentials::from_secret(&kept).unwrap().refresh_token,
        tokens[0]
    );
}

#[test]
fn recordings_reach_each_drive_in_chunks_and_stay_queued_while_it_is_full_or_signed_out() {
    let server = CloudServer::start();
    cloud::redirect_endpoints(Some(server.base()));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tls = client_config(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Three chunks, the last one short.
    let big: Vec<u8> = (0..2 * CHUNK + 70_001).map(|i| (i * 31 % 251) as u8).collect();
    for (kind, service, target) in kinds() {
        let client_secret = (service == "google").then(|| GOOGLE_SECRET.to_owned());
        let browser = |url: &str| {
            let mut child = Command::new("sh")
                .args(["-c", &format!("{BROWSER} \"$1\""), "sh", url])
                .spawn()
                .map_err(|e| e.to_string())?;
            std::thread::spawn(move || child.wait());
            Ok(())
        };
        let credentials = rt
            .block_on(cloud_delivery::sign_in(
                kind,
                &target,
                client_secret,
                &tls,
                browser,
                Duration::from_secs(30),
            ))
            .unwrap();
        let folder = dir.path().join(kind);
        std::fs::create_dir_all(folder.join("recordings")).unwrap();
        let record = |name: &str, bytes: &[u8]| {
            let path = folder.join("recordings").join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        let mut d = deliveries(&folder.join("outbox"), target, credentials);
        let refreshes = || server.control("GET", "refreshes")[service].as_u64().unwrap();
        let now = SystemTime::now();

        let outcome = rt.block_on(deliver(&mut d, &record("big.opus", &big), now));
        assert!(
            matches!(outcome, Delivery::Delivered { .. }),
            "{kind}: {outcome:?}"
        );
        let outcome = rt.block_on(deliver(&mut d, &record("small.opus", b"small"), now));
        assert!(
            matches!(outcome, Delivery::Delivered { .. }),
            "{kind}: {outcome:?}"
        );
        assert_eq!(refreshes(), 1, "{kind}: the access token is kept in memory");
        let files = server.control("GET", "files");
        let stored = |path: &str| {
            files
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["service"] == service && f["path"] == path)
                .cloned()
                .unwrap_or_else(|| panic!("{kind}: no {path} in {files}"))
        };
        assert_eq!(stored("/Calls/2026/big.opus")["size"], big.len(), "{kind}");
        assert_eq!(stored("/Calls/2026/big.opus")["sha256"], sha256(&big), "{kind}");
        assert_eq!(stored("/Calls/2026/small.opus")["size"], 5, "{kind}");

        // The access token dies: 401, one refresh, delivered.
        server.control("POST", "expire");
        let outcome = rt.block_on(deliver(&mut d, &record("after-401.opus", b"x"), now));
        assert!(
            matches!(outcome, Delivery::Delivered { .. }),
            "{kind}: {outcome:?}"
        );
        assert_eq!(refreshes(), 2, "{kind}");

        // The drive is full: queued with that reason, delivered once there is room.
        server.control("POST", &format!("full?service={service}&on=1"));
        let waiting = record("while-full.opus", b"while full");
        let outcome = rt.block_on(deliver(&mut d, &waiting, now));
        let Delivery::Failed { error, retry_in, .. } = outcome else {
            panic!("{kind}: {outcome:?}")
        };
        assert_eq!(error.key, "cloud-full", "{kind}: {error}");
        assert!(error.english().contains("is full"), "{error}");
        server.control("POST", &format!("full?service={service}&on=0"));
        let outcome = rt.block_on(retry(&mut d, now + retry_in + Duration::from_secs(1)));
        assert!(
            matches!(outcome, Delivery::Delivered { .. }),
            "{kind}: {outcome:?}"
        );
        assert_eq!(
            stored_size(&server, service, "/Calls/2026/while-full.opus"),
            Some(10)
        );

        // The sign-in is revoked: queued, saying to sign in again.
        server.control("POST", "revoke");
        let outcome = rt.block_on(deliver(&mut d, &record("revoked.opus", b"r"), now));
        let Delivery::Failed { error, .. } = outcome else {
            panic!("{kind}: {outcome:?}")
        };
        assert_eq!(error.key, "cloud-sign-in-again", "{kind}: {error}");
        assert_eq!(stored_size(&server, service, "/Calls/2026/revoked.opus"), None);
    }
    cloud::redirect_endpoints(None);
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn stored_size(server: &CloudServer, service: &str, path: &str) -> Option<u64> {
    let files = server.control("GET", "files");
    files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["service"] == service && f["path"] == path)
        .map(|f| f["size"].as_u64().unwrap())
}

/// The phone's deliveries for account `Desk`, whose method `M` has `target`, signed in.
fn deliveries(outbox: &Path, target: DeliveryTarget, credentials: CloudCredentials) -> Deliveries {
    let mut account = SipAccount {
        name: "Desk".into(),
        ..SipAccount::default()
    };
    account.recording.delivery_method = Some("M".into());
    let (mut d, problems) = Deliveries::open(Some(outbox));
    assert!(problems.is_empty(), "{problems:?}");
    d.set_account(&account);
    d.set_methods(vec![(
        DeliveryMethod {
            name: "M".into(),
            target,
        },
        Some(credentials.to_secret()),
    )]);
    d
}

/// Queues `recording` and runs the deliveries due at `now` until one ends.
async fn deliver(d: &mut Deliveries, recording: &Path, now: SystemTime) -> Delivery {
    d.recorded("Desk", recording).unwrap().expect("queued");
    retry(d, now).await
}

async fn retry(d: &mut Deliveries, now: SystemTime) -> Delivery {
    d.start_due(now);
    let finished = tokio::time::timeout(Duration::from_secs(60), d.next_finished())
        .await
        .expect("the delivery ends");
    d.settle(finished, now).unwrap().expect("an outcome")
}
