//! Sends a call recording by e-mail through an outgoing mail server: SMTP submission
//! (RFC 5321, RFC 6409) with STARTTLS (RFC 3207) or implicit TLS (RFC 8314), AUTH PLAIN or
//! LOGIN (RFC 4954), the recording as a base64 MIME attachment (RFC 2045, RFC 2046).
//!
//! With STARTTLS chosen, a server that does not offer it is not used (no silent fall-back to
//! clear text). A refusal of the message itself (5xx after the data, or 552 "too large" at any
//! step) is final: the seed says such a recording cannot be delivered by mail; everything else
//! (network, 4xx, a refused login or address) can be tried again once fixed.

use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::reply::{Dialogue, Step, within};
use super::tls::{Io, handshake};
use crate::clock::Utc;
use crate::text::Text;

/// How the connection to the mail server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (submission port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (port 25): the password and the recording cross the network in clear.
    None,
}

/// The outgoing mail server and its login (no login when `username` is empty).
#[derive(Clone, Debug)]
pub struct MailServer {
    pub host: String,
    /// By [`Security`] when `None`: 587, 465 or 25.
    pub port: Option<u16>,
    pub security: Security,
    pub username: String,
    pub password: String,
}

impl MailServer {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        })
    }
}

/// A message with one attachment.
#[derive(Clone, Copy, Debug)]
pub struct Mail<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub file: &'a [u8],
}

/// Why a message was not sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// Worth trying again later (network, a busy server, a login or address to fix).
    Failed(Text),
    /// The server refused this message for good.
    Rejected(Text),
}

/// Sends `mail` through `server`, trusting the certificates `tls` trusts.
pub async fn send(server: &MailServer, tls: Arc<ClientConfig>, mail: &Mail<'_>) -> Result<(), SendError> {
    let at = format!("{}:{}", server.host, server.port());
    let failed = |reason: &dyn std::fmt::Display| {
        SendError::Failed(Text::new("smtp-failed").arg("server", &at).arg("reason", reason))
    };
    for address in [mail.from, mail.to] {
        if !plausible_address(address) {
            return Err(SendError::Failed(
                Text::new("smtp-bad-address").arg("address", address),
            ));
        }
    }
    let stream = within(TcpStream::connect((server.host.as_str(), server.port())))
        .await
        .map_err(|e| failed(&e))?;
    let local = stream.local_addr().map_err(|e| failed(&e))?;
    let handshake = |io: Box<dyn Io>| handshake(tls.clone(), &server.host, io);
    let mut io: Box<dyn Io> = Box::new(stream);
    if server.security == Security::Tls {
        io = handshake(io).await.map_err(|e| failed(&e))?;
    }
    let mut smtp = Dialogue::new(io);
    smtp.expect(&[220]).await.map_err(|e| failed(&e))?;
    // EHLO with our address literal (RFC 5321 §4.1.3).
    let ehlo = match local.ip() {
        std::net::IpAddr::V4(ip) => format!("EHLO [{ip}]"),
        std::net::IpAddr::V6(ip) => format!("EHLO [IPv6:{ip}]"),
    };
    let mut extensions = smtp.command(&ehlo, &[250]).await.map_err(|e| failed(&e))?.lines;
    if server.security == Security::StartTls {
        if !offers(&extensions, "STARTTLS") {
            return Err(SendError::Failed(
                Text::new("smtp-no-starttls").arg("server", &at),
            ));
        }
        smtp.command("STARTTLS", &[220]).await.map_err(|e| failed(&e))?;
        let io = handshake(smtp.into_inner()).await.map_err(|e| failed(&e))?;
        smtp = Dialogue::new(io);
        extensions = smtp.command(&ehlo, &[250]).await.map_err(|e| failed(&e))?.lines;
    }
    if !server.username.is_empty() {
        login(&mut smtp, &extensions, server).await.map_err(|e| match e {
            Step::Refused(535, _) => SendError::Failed(Text::new("smtp-login-refused").arg("server", &at)),
            other => failed(&other),
        })?;
    }
    let message = message(mail, SystemTime::now());
    let size = if offers(&extensions, "SIZE") {
        format!(" SIZE={}", message.len())
    } else {
        String::new()
    };
    let refused = |step: Step, data_sent: bool| match step {
        Step::Refused(code, reply) if code == 552 || (data_sent && (500..600).contains(&code)) => {
            SendError::Rejected(Text::new("smtp-rejected").arg("server", &at).arg("reply", reply))
        }
        other => failed(&other),
    };
    smtp.command(&format!("MAIL FROM:<{}>{size}", mail.from), &[250])
        .await
        .map_err(|e| refused(e, false))?;
    smtp.command(&format!("RCPT TO:<{}>", mail.to), &[250, 251])
        .await
        .map_err(|e| refused(e, false))?;
    smtp.command("DATA", &[354])
        .await
        .map_err(|e| refused(e, false))?;
    // In pieces, each within a step: an hour's recording on a slow uplink takes minutes.
    for piece in message.chunks(64 * 1024) {
        smtp.send(piece).await.map_err(|e| failed(&e))?;
    }
    smtp.send(b".\r\n").await.map_err(|e| failed(&e))?;
    smtp.expect(&[250]).await.map_err(|e| refused(e, true))?;
    let _ = smtp.command("QUIT", &[221]).await;
    Ok(())
}

/// AUTH PLAIN when offered, else LOGIN.
async fn login<S: AsyncRead + AsyncWrite + Unpin>(
    smtp: &mut Dialogue<S>,
    extensions: &[String],
    server: &MailServer,
) -> Result<(), Step> {
    let mechanisms: Vec<String> = extensions
        .iter()
        .filter_map(|l| l.get(4..))
        .filter_map(|l| l.strip_prefix("AUTH ").or_else(|| l.strip_prefix("AUTH=")))
        .flat_map(|m| m.split_whitespace().map(str::to_ascii_uppercase))
        .collect();
    let (user, password) = (server.username.as_str(), server.password.as_str());
    if mechanisms.iter().any(|m| m == "PLAIN") {
        let token = STANDARD.encode(format!("\0{user}\0{password}"));
        smtp.command(&format!("AUTH PLAIN {token}"), &[235]).await?;
    } else if mechanisms.iter().any(|m| m == "LOGIN") {
        smtp.command("AUTH LOGIN", &[334]).await?;
        smtp.command(&STANDARD.encode(user), &[334]).await?;
        smtp.command(&STANDARD.encode(password), &[235]).await?;
    } else {
        return Err(Step::Refused(
            0,
            "the server offers no login this client knows (PLAIN, LOGIN)".into(),
        ));
    }
    Ok(())
}

/// The EHLO reply names `extension` (its lines are "250-NAME params" / "250 NAME params").
fn offers(extensions: &[String], extension: &str) -> bool {
    extensions.iter().skip(1).any(|l| {
        l.get(4..)
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|name| name.eq_ignore_ascii_case(extension))
    })
}

/// `local@domain` without spaces, brackets or line breaks (the form's own check is stricter).
fn plausible_address(address: &str) -> bool {
    address
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !address.contains(|c: char| c.is_whitespace() || c.is_control() || "<>".contains(c))
}

/// The whole message, lines dot-stuffed (RFC 5321 §4.5.2), ready for DATA (without the end
/// marker).
fn message(mail: &Mail<'_>, now: SystemTime) -> Vec<u8> {
    let boundary = format!("handset-{:016x}", rand_u64());
    let domain = mail.from.rsplit_once('@').map_or("handset.invalid", |(_, d)| d);
    let mut m = String::new();
    let mut header = |name: &str, value: &str| m.push_str(&format!("{name}: {value}\r\n"));
    header("From", &format!("Handset <{}>", mail.from));
    header("To", &format!("<{}>", mail.to));
    header("Subject", &encoded_word(mail.subject));
    header("Date", &Utc::at(now).rfc5322());
    header(
        "Message-ID",
        &format!("<{:016x}.{:016x}@{domain}>", rand_u64(), rand_u64()),
    );
    header("MIME-Version", "1.0");
    header(
        "Content-Type",
        &format!("multipart/mixed; boundary=\"{boundary}\""),
    );
    m.push_str("\r\n");
    m.push_str(&format!("--{boundary}\r\n"));
    m.push_str("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    push_base64(&mut m, mail.body.as_bytes());
    m.push_str(&format!("--{boundary}\r\n"));
    let name = file_name_parameter(mail.file_name);
    m.push_str(&format!(
        "Content-Type: {}; name{name}\r\nContent-Disposition: attachment; filename{name}\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
        mail.content_type
    ));
    push_base64(&mut m, mail.file);
    m.push_str(&format!("--{boundary}--\r\n"));
    // Every line is ASCII; dot-stuffing for any that starts with a dot.
    m.replace("\r\n.", "\r\n..").into_bytes()
}

/// Base64 in lines of 76 characters (RFC 2045 §6.8).
fn push_base64(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.chunks(57) {
        out.push_str(&STANDARD.encode(chunk));
        out.push_str("\r\n");
    }
}

/// `="name"` for a plain ASCII name, else RFC 2231's `*=UTF-8''percent-encoded`.
fn file_name_parameter(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ')
    {
        return format!("=\"{name}\"");
    }
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("*=UTF-8''{encoded}")
}

/// A header value as is when plain ASCII, else an RFC 2047 encoded word.
fn encoded_word(value: &str) -> String {
    let value: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if value.is_ascii() {
        value
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(value))
    }
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_mime_with_its_parts_in_base64() {
        let file: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mail = Mail {
            from: "pbx@example.com",
            to: "rec@example.com",
            subject: "Aufnahme: Büro",
            body: "Line one\n.hidden dot line",
            file_name: "20261127-071437_desk_100.opus",
            content_type: "audio/ogg",
            file: &file,
        };
        let m = String::from_utf8(message(&mail, std::time::UNIX_EPOCH)).unwrap();
        assert!(m.is_ascii());
        assert!(m.contains("Subject: =?UTF-8?B?"), "{m}");
        assert!(m.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
        assert!(m.contains("filename=\"20261127-071437_desk_100.opus\""));
        assert!(m.lines().all(|l| l.len() <= 78), "lines fit RFC 5322");
        // The attachment decodes to the file.
        let part = m
            .split("Content-Transfer-Encoding: base64\r\n\r\n")
            .nth(2)
            .unwrap();
        let encoded: String = part
            .split("--handset-")
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        assert_eq!(STANDARD.decode(encoded).unwrap(), file);
        assert_eq!(file_name_parameter("Büro 1.opus"), "*=UTF-8''B%C3%BCro%201.opus");
    }

    #[test]
    fn extensions_and_addresses() {
        let ehlo = [
            "250-mail.example".to_owned(),
            "250-SIZE 1000".into(),
            "250 STARTTLS".into(),
        ];
        assert!(offers(&ehlo, "starttls") && offers(&ehlo, "SIZE"));
        assert!(
            !offers(&ehlo, "mail.example"),
            "the greeting line is not an extension"
        );
        assert!(plausible_address("a@b.c"));
        for bad in ["", "a", "@b", "a@", "a b@c", "a@b>\r\nRCPT TO:<x@y"] {
            assert!(!plausible_address(bad), "{bad}");
        }
    }
}
