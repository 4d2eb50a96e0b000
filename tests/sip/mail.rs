//! E-mail delivery of recordings through a real SMTP server (aiosmtpd, Debian
//! `python3-aiosmtpd`, run by `tests/tools/smtp_server.py`) on a loopback port: STARTTLS and
//! implicit TLS with a login, the attachment arrives byte for byte; a wrong password, a server
//! without STARTTLS and a message over the server's size limit are told apart (the last one is
//! final and leaves the outbox).

use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use handset::account::workspace::{DeliveryTarget, MailSecurity};
use handset::net::smtp::{Mail, MailServer, Security, SendError, send};
use handset::net::tls::client_config;
use handset::phone::delivery::Delivery;

use crate::delivery::through_outbox;
use crate::peers::{Listening, free_port_block, self_signed_certificate};

const USER: &str = "pbx@mail.test";
const PASSWORD: &str = "pw-mail";

/// An aiosmtpd server writing what it accepts to a temp folder; stopped on drop.
struct SmtpServer {
    server: Listening,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    /// `security`: starttls, tls or none; `cert`: the certificate and key for TLS.
    fn start(security: &str, size_limit: usize, cert: Option<&(PathBuf, PathBuf)>) -> SmtpServer {
        let maildir = tempfile::tempdir().unwrap();
        let port = free_port_block(1);
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/smtp_server.py");
        let mut cmd = Command::new("/usr/bin/python3");
        cmd.arg(script).arg(port.to_string()).arg(maildir.path()).args([
            USER,
            PASSWORD,
            security,
            &size_limit.to_string(),
        ]);
        if let Some((c, k)) = cert {
            cmd.arg(c).arg(k);
        }
        let server = Listening::start(
            cmd,
            port,
            "the SMTP server (aiosmtpd)",
            "python3 with aiosmtpd (Debian python3-aiosmtpd)",
        );
        SmtpServer { server, maildir }
    }

    fn server(&self, security: Security, password: &str) -> MailServer {
        MailServer {
            host: "127.0.0.1".into(),
            port: Some(self.server.port),
            security,
            username: USER.into(),
            password: password.into(),
        }
    }

    /// The accepted messages, in order.
    fn messages(&self) -> Vec<String> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.maildir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| String::from_utf8(std::fs::read(p).unwrap()).expect("ASCII mail"))
            .collect()
    }
}

fn recording(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 % 251) as u8).collect()
}

fn mail<'a>(file: &'a [u8]) -> Mail<'a> {
    Mail {
        from: USER,
        to: "archive@mail.test",
        subject: "Call recording 20261127-101500_Desk_100.opus",
        body: "Handset recorded a call.",
        file_name: "20261127-101500_Desk_100.opus",
        content_type: "audio/ogg",
        file,
    }
}

/// The attachment `name` of a message, decoded.
fn attachment(message: &str, name: &str) -> Vec<u8> {
    let part = message
        .split(&format!("filename=\"{name}\""))
        .nth(1)
        .expect("the attachment");
    let body = part.split("\r\n\r\n").nth(1).unwrap();
    let encoded: String = body.split("--").next().unwrap().split_whitespace().collect();
    STANDARD.decode(encoded).expect("base64")
}

#[test]
fn recordings_are_mailed_over_starttls_and_tls_with_a_login() {
    let dir = tempfile::tempdir().unwrap();
    let cert = self_signed_certificate(dir.path(), "mail");
    let tls = client_config(Some(&cert.0)).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let file = recording(300_000);

    for (kind, security) in [("starttls", Security::StartTls), ("tls", Security::Tls)] {
        let server = SmtpServer::start(kind, 10_000_000, Some(&cert));
        rt.block_on(send(
            &server.server(security, PASSWORD),
            tls.clone(),
            &mail(&file),
        ))
        .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        let messages = server.messages();
        assert_eq!(messages.len(), 1, "{kind}");
        let m = &messages[0];
        assert!(m.contains("To: <archive@mail.test>\r\n"), "{kind}: {m:.600}");
        assert!(m.contains("Subject: Call recording 20261127-101500_Desk_100.opus\r\n"));
        assert!(m.contains("Content-Type: audio/ogg; name=\"20261127-101500_Desk_100.opus\""));
        assert_eq!(
            attachment(m, "20261127-101500_Desk_100.opus"),
            file,
            "{kind}: the recording arrives byte for byte"
        );

        let refused = rt
            .block_on(send(&server.server(security, "wrong"), tls.clone(), &mail(b"x")))
            .unwrap_err();
        let SendError::Failed(text) = refused else {
            panic!("{kind}: a wrong password is worth trying again once fixed: {refused:?}")
        };
        assert_eq!(text.key, "smtp-login-refused", "{kind}: {text}");
        assert_eq!(server.messages().len(), 1);
    }
}

#[test]
fn a_server_without_starttls_is_not_used_and_a_message_too_large_is_refused_for_good() {
    let tls = client_config(None).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = SmtpServer::start("none", 100_000, None);

    // STARTTLS chosen, not offered: nothing is sent in clear.
    let e = rt
        .block_on(send(
            &server.server(Security::StartTls, PASSWORD),
            tls.clone(),
            &mail(b"x"),
        ))
        .unwrap_err();
    assert!(
        matches!(&e, SendError::Failed(t) if t.key == "smtp-no-starttls"),
        "{e:?}"
    );

    // Through the outbox, as the phone delivers: a small recording goes, a large one is
    // refused by the server's size limit and leaves the outbox (it stays on disk).
    let dir = tempfile::tempdir().unwrap();
    let (small, large) = (dir.path().join("small.opus"), dir.path().join("large.opus"));
    std::fs::write(&small, recording(20_000)).unwrap();
    std::fs::write(&large, recording(200_000)).unwrap();
    let outbox = dir.path().join("outbox");
    let target = DeliveryTarget::Email {
        address: "archive@mail.test".into(),
        server: "127.0.0.1".into(),
        port: Some(server.server.port),
        security: MailSecurity::None,
        username: USER.into(),
    };
    let sent = rt.block_on(through_outbox(&outbox, target.clone(), PASSWORD, &small));
    assert!(matches!(&sent, Some(Delivery::Delivered { .. })), "{sent:?}");
    let refused = rt.block_on(through_outbox(&outbox, target, PASSWORD, &large));
    let Some(Delivery::Rejected { error, .. }) = &refused else {
        panic!("a message over the size limit is refused for good: {refused:?}")
    };
    assert_eq!(error.key, "smtp-rejected");
    assert!(error.english().contains("552"), "{}", error.english());
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "only the small recording arrived");
    assert_eq!(attachment(&messages[0], "small.opus").len(), 20_000);
    assert!(messages[0].contains("From: Handset <pbx@mail.test>"));
    assert_eq!(
        std::fs::read_dir(&outbox).unwrap().count(),
        0,
        "the outbox is empty"
    );
    assert!(large.exists(), "the refused recording stays where it was");
}
