//! Delivery of recordings to a real FTP and FTPS server (pyftpdlib, Debian `python3-pyftpdlib`
//! and `python3-openssl`, FTPS run by `tests/tools/ftps_server.py`) and a real SSH/SFTP server
//! (asyncssh, Debian `python3-asyncssh`, run by `tests/tools/sftp_server.py`) on loopback
//! ports: the upload lands whole in a folder that did not exist, a wrong password and a server
//! that is gone are said plainly, FTPS does not fall back to clear text, SFTP logs in with a
//! key file, and an SFTP server whose host key changed is refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use std::time::{Duration, SystemTime};

use handset::account::workspace::{DeliveryMethod, DeliveryTarget};
use handset::account::{Secret, SipAccount};
use handset::net::ftp::{FtpTarget, upload};
use handset::net::sftp::{self, SftpTarget};
use handset::net::tls::client_config;
use handset::phone::delivery::{Deliveries, Delivery};

use crate::peers::{Listening, free_port_block, self_signed_certificate};

/// A pyftpdlib server with one user (write access) serving a temp folder; stopped on drop.
pub struct FtpServer {
    server: Listening,
    root: tempfile::TempDir,
}

impl FtpServer {
    /// Plain FTP.
    pub fn start(user: &str, password: &str) -> FtpServer {
        FtpServer::run(|port, root| {
            // Debian's interpreter: the module is a Debian package.
            let mut command = Command::new("/usr/bin/python3");
            command
                .args(["-m", "pyftpdlib", "-i", "127.0.0.1", "-w", "-p"])
                .arg(port.to_string())
                .arg("-d")
                .arg(root)
                .args(["-u", user, "-P", password]);
            command
        })
    }

    /// FTPS that requires explicit TLS on the control and data connections, with `cert`.
    fn start_tls(user: &str, password: &str, cert: &(PathBuf, PathBuf)) -> FtpServer {
        FtpServer::run(|port, root| {
            let mut command = Command::new("/usr/bin/python3");
            command
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/ftps_server.py"))
                .arg(port.to_string())
                .arg(root)
                .args([user, password])
                .args([&cert.0, &cert.1]);
            command
        })
    }

    fn run(command: impl FnOnce(u16, &Path) -> Command) -> FtpServer {
        let root = tempfile::tempdir().unwrap();
        let port = free_port_block(1);
        let server = Listening::start(
            command(port, root.path()),
            port,
            "pyftpdlib",
            "Debian python3-pyftpdlib, python3-openssl",
        );
        FtpServer { server, root }
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }

    fn target(&self, path: &str, user: &str, password: &str) -> FtpTarget {
        FtpTarget {
            host: "127.0.0.1".into(),
            port: Some(self.port()),
            path: path.into(),
            username: user.into(),
            password: password.into(),
            tls: None,
        }
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

#[test]
fn a_recording_is_uploaded_whole_into_a_new_folder_and_refusals_are_said() {
    let server = FtpServer::start("recorder", "pw-ftp");
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Large enough for several data segments, with every byte value.
    let recording: Vec<u8> = (0..700_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let name = "20261127-101500_Desk_+14155550100.opus";

    rt.block_on(upload(
        &server.target("calls/2026", "recorder", "pw-ftp"),
        name,
        &recording,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let folder = server.root().join("calls/2026");
    assert_eq!(files(&folder), [folder.join(name)], "no temporary file is left");
    assert_eq!(std::fs::read(folder.join(name)).unwrap(), recording);

    // Into the same, now existing folder, from an absolute path.
    rt.block_on(upload(
        &server.target("/calls/2026", "recorder", "pw-ftp"),
        "second.opus",
        b"x",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(std::fs::read(folder.join("second.opus")).unwrap(), b"x");

    let refused = rt
        .block_on(upload(
            &server.target("", "recorder", "wrong"),
            "third.opus",
            b"x",
        ))
        .unwrap_err()
        .to_string();
    assert!(refused.contains("refused the username or password"), "{refused}");
    assert!(!server.root().join("third.opus").exists());

    let port = server.port();
    drop(server);
    let target = FtpTarget {
        host: "127.0.0.1".into(),
        port: Some(port),
        path: String::new(),
        username: "recorder".into(),
        password: "pw-ftp".into(),
        tls: None,
    };
    let gone = rt
        .block_on(upload(&target, "fourth.opus", b"x"))
        .unwrap_err()
        .to_string();
    assert!(
        gone.starts_with(&format!("cannot deliver to the FTP server 127.0.0.1:{port}")),
        "{gone}"
    );
}

/// An asyncssh SSH/SFTP server, one user with a password, chrooted to a temp folder; stopped
/// on drop.
struct SftpServer(Listening);

impl SftpServer {
    /// Serves `root` on `port` with the host key in `host_key` (made when missing); each of
    /// `client_keys` (`ALGORITHM:PATH:PASSPHRASE`, made when missing) may log in too.
    fn start(port: u16, root: &Path, host_key: &Path, client_keys: &[String]) -> SftpServer {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/sftp_server.py");
        let mut command = Command::new("/usr/bin/python3");
        command
            .arg(script)
            .arg(port.to_string())
            .arg(root)
            .args(["recorder", "pw-sftp"])
            .arg(host_key)
            .args(client_keys);
        SftpServer(Listening::start(
            command,
            port,
            "the SFTP server (asyncssh)",
            "python3 with asyncssh (Debian python3-asyncssh)",
        ))
    }

    fn target(&self, path: &str, password: &str) -> SftpTarget {
        SftpTarget {
            host: "127.0.0.1".into(),
            port: Some(self.0.port),
            path: path.into(),
            username: "recorder".into(),
            password: password.into(),
            key_file: None,
        }
    }
}

#[test]
fn recordings_go_over_sftp_and_a_changed_host_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (root, keys) = (dir.path().join("root"), dir.path().join("keys"));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&keys).unwrap();
    let known_hosts = dir.path().join("known_hosts");
    let port = free_port_block(1);
    let server = SftpServer::start(port, &root, &keys.join("first"), &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let recording: Vec<u8> = (0..700_000u32).map(|i| (i * 11 % 251) as u8).collect();
    let name = "20261127-101500_Desk_+14155550100.opus";

    // First use: the host key is kept; the file lands whole in folders made for it.
    rt.block_on(sftp::upload(
        &server.target("calls/2026", "pw-sftp"),
        &known_hosts,
        name,
        &recording,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let folder = root.join("calls/2026");
    assert_eq!(files(&folder), [folder.join(name)], "no temporary file is left");
    assert_eq!(std::fs::read(folder.join(name)).unwrap(), recording);
    let kept = std::fs::read_to_string(&known_hosts).unwrap();
    assert!(kept.starts_with(&format!("127.0.0.1:{port} SHA256:")), "{kept}");

    // Again, over the same name, from an absolute path (the server's root).
    rt.block_on(sftp::upload(
        &server.target("/calls/2026", "pw-sftp"),
        &known_hosts,
        name,
        b"again",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(std::fs::read(folder.join(name)).unwrap(), b"again");

    let refused = rt
        .block_on(sftp::upload(
            &server.target("", "wrong"),
            &known_hosts,
            "x.opus",
            b"x",
        ))
        .unwrap_err();
    assert_eq!(refused.key, "sftp-login-refused", "{refused}");

    // Through the outbox, as the phone delivers; the known hosts live beside the outbox.
    let file = dir.path().join("queued.opus");
    std::fs::write(&file, b"queued recording").unwrap();
    let target = DeliveryTarget::Sftp {
        host: "127.0.0.1".into(),
        port: Some(port),
        path: "inbox".into(),
        username: "recorder".into(),
        key_file: None,
    };
    let outcome = rt.block_on(through_outbox(
        &dir.path().join("outbox"),
        target,
        "pw-sftp",
        &file,
    ));
    assert!(matches!(outcome, Some(Delivery::Delivered { .. })), "{outcome:?}");
    assert_eq!(
        std::fs::read(root.join("inbox/queued.opus")).unwrap(),
        b"queued recording"
    );
    assert_eq!(
        std::fs::read_to_string(&known_hosts).unwrap(),
        kept,
        "the same server, the same key"
    );

    // The server comes back with another key: refused, nothing sent, the kept key unchanged.
    drop(server);
    let _server = SftpServer::start(port, &root, &keys.join("second"), &[]);
    let changed = rt
        .block_on(sftp::upload(
            &_server.target("", "pw-sftp"),
            &known_hosts,
            "y.opus",
            b"y",
        ))
        .unwrap_err();
    assert_eq!(changed.key, "sftp-host-key-changed", "{changed}");
    assert!(changed.english().contains(&known_hosts.display().to_string()));
    assert!(!root.join("y.opus").exists());
    assert_eq!(std::fs::read_to_string(&known_hosts).unwrap(), kept);
}

#[test]
fn recordings_go_over_ftps_and_never_fall_back_to_clear_text() {
    let dir = tempfile::tempdir().unwrap();
    let cert = self_signed_certificate(dir.path(), "ftps");
    let server = FtpServer::start_tls("recorder", "pw-ftps", &cert);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let with_tls = |target: FtpTarget, tls| FtpTarget {
        tls: Some(tls),
        ..target
    };
    let pinned = client_config(Some(&cert.0)).unwrap();
    let recording: Vec<u8> = (0..300_000u32).map(|i| (i * 13 % 251) as u8).collect();
    let name = "20261203-090000_Desk_+14155550100.opus";

    rt.block_on(upload(
        &with_tls(server.target("calls/tls", "recorder", "pw-ftps"), pinned.clone()),
        name,
        &recording,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let folder = server.root().join("calls/tls");
    assert_eq!(files(&folder), [folder.join(name)], "no temporary file is left");
    let stored = std::fs::read(folder.join(name)).unwrap();
    assert!(
        stored == recording,
        "{} bytes stored of {}",
        stored.len(),
        recording.len()
    );

    let refused = rt
        .block_on(upload(
            &with_tls(server.target("", "recorder", "wrong"), pinned.clone()),
            "x.opus",
            b"x",
        ))
        .unwrap_err();
    assert_eq!(refused.key, "ftp-login-refused", "{refused}");

    // A certificate this computer does not trust: said so, nothing sent.
    let untrusted = rt
        .block_on(upload(
            &with_tls(
                server.target("", "recorder", "pw-ftps"),
                client_config(None).unwrap(),
            ),
            "y.opus",
            b"y",
        ))
        .unwrap_err()
        .english();
    assert!(untrusted.contains("not trusted"), "{untrusted}");
    assert!(!server.root().join("y.opus").exists());

    // FTPS chosen and a server without AUTH TLS: not used in clear text.
    let plain = FtpServer::start("recorder", "pw-ftp");
    let no_tls = rt
        .block_on(upload(
            &with_tls(plain.target("", "recorder", "pw-ftp"), pinned),
            "z.opus",
            b"z",
        ))
        .unwrap_err()
        .english();
    assert!(no_tls.contains("AUTH"), "{no_tls}");
    assert!(files(plain.root()).is_empty(), "{:?}", files(plain.root()));
}

#[test]
fn sftp_logs_in_with_a_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let (root, keys) = (dir.path().join("root"), dir.path().join("keys"));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&keys).unwrap();
    let known_hosts = dir.path().join("known_hosts");
    let (ed25519, rsa) = (keys.join("id_ed25519"), keys.join("id_rsa"));
    let port = free_port_block(1);
    let server = SftpServer::start(
        port,
        &root,
        &keys.join("host"),
        &[
            format!("ssh-ed25519:{}:a long passphrase", ed25519.display()),
            format!("ssh-rsa:{}:", rsa.display()),
        ],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let keyed = |key: &Path, passphrase: &str| SftpTarget {
        key_file: Some(key.to_path_buf()),
        ..server.target("keyed", passphrase)
    };

    // An encrypted ed25519 key with its passphrase.
    rt.block_on(sftp::upload(
        &keyed(&ed25519, "a long passphrase"),
        &known_hosts,
        "ed25519.opus",
        b"by ed25519",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        std::fs::read(root.join("keyed/ed25519.opus")).unwrap(),
        b"by ed25519"
    );

    // The wrong passphrase: the key cannot be used, said before connecting.
    let wrong = rt
        .block_on(sftp::upload(
            &keyed(&ed25519, "wrong"),
            &known_hosts,
            "w.opus",
            b"w",
        ))
        .unwrap_err();
    assert_eq!(wrong.key, "sftp-key-unreadable", "{wrong}");
    assert!(wrong.english().contains(&ed25519.display().to_string()));

    // A key the server does not know (its own host key): the login is refused.
    let unknown = rt
        .block_on(sftp::upload(
            &keyed(&keys.join("host"), ""),
            &known_hosts,
            "u.opus",
            b"u",
        ))
        .unwrap_err();
    assert_eq!(unknown.key, "sftp-login-refused", "{unknown}");
    assert!(!root.join("keyed/w.opus").exists() && !root.join("keyed/u.opus").exists());

    // An RSA key without a passphrase, through the outbox as the phone delivers (rsa-sha2
    // signatures, RFC 8332).
    let file = dir.path().join("queued.opus");
    std::fs::write(&file, b"queued by rsa").unwrap();
    let target = DeliveryTarget::Sftp {
        host: "127.0.0.1".into(),
        port: Some(port),
        path: "keyed".into(),
        username: "recorder".into(),
        key_file: Some(rsa),
    };
    let outcome = rt.block_on(through_outbox(&dir.path().join("outbox"), target, "", &file));
    assert!(matches!(outcome, Some(Delivery::Delivered { .. })), "{outcome:?}");
    assert_eq!(
        std::fs::read(root.join("keyed/queued.opus")).unwrap(),
        b"queued by rsa"
    );
}

/// Delivers `recording` as the phone does: queued in `outbox` for an account whose delivery
/// method has `target` (and `secret` in the keyring), sent, and settled.
pub async fn through_outbox(
    outbox: &Path,
    target: DeliveryTarget,
    secret: &str,
    recording: &Path,
) -> Option<Delivery> {
    let mut account = SipAccount {
        name: "Desk".into(),
        ..SipAccount::default()
    };
    account.recording.delivery_method = Some("Method".into());
    let method = DeliveryMethod {
        name: "Method".into(),
        target,
    };
    let (mut d, problems) = Deliveries::open(Some(outbox));
    assert!(problems.is_empty(), "{problems:?}");
    d.set_account(&account);
    d.set_methods(vec![(method, Some(Secret::new(secret)))]);
    d.recorded("Desk", recording).unwrap().expect("queued");
    d.start_due(SystemTime::now());
    let finished = tokio::time::timeout(Duration::from_secs(30), d.next_finished())
        .await
        .expect("the delivery ends");
    d.settle(finished, SystemTime::now()).unwrap()
}
