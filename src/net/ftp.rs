//! Uploads a file to an FTP server (RFC 959; passive data connections by EPSV, RFC 2428, or
//! PASV): how call recordings reach an FTP delivery method.
//!
//! The file is stored under a hidden temporary name and renamed once complete, so the server
//! never shows half a recording under its real name. Missing folders of the target path are
//! made. The data connection goes to the control connection's address whatever PASV names (a
//! server behind NAT often names its private address). Plain FTP: the password crosses the
//! network in clear text, which the delivery-method editor says.
//!
//! FTPS with explicit TLS (RFC 4217): `AUTH TLS` before the login, then `PBSZ 0` and `PROT P`
//! so the data connection is encrypted too (its handshake resumes the control connection's TLS
//! session, which servers such as vsftpd require). With TLS chosen, a server that refuses
//! `AUTH TLS` is not used (no fall-back to clear text).

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::ClientConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::reply::{Dialogue, Step, within};
use super::tls::{Io, handshake};

use crate::text::Text;

/// Where to put the file.
#[derive(Clone, Debug)]
pub struct FtpTarget {
    pub host: String,
    /// 21 when `None`.
    pub port: Option<u16>,
    /// The folder (made when missing); empty: the login folder.
    pub path: String,
    /// `anonymous` when empty.
    pub username: String,
    pub password: String,
    /// Explicit TLS (FTPS) trusting what this configuration trusts; `None`: plain FTP.
    pub tls: Option<Arc<ClientConfig>>,
}

/// Stores `bytes` as `name` in the target's folder.
pub async fn upload(target: &FtpTarget, name: &str, bytes: &[u8]) -> Result<(), Text> {
    let port = target.port.unwrap_or(21);
    let server = format!("{}:{port}", target.host);
    let fail = |reason: &dyn std::fmt::Display| {
        Text::new("ftp-failed")
            .arg("server", &server)
            .arg("reason", reason)
    };
    if name.contains(['/', '\r', '\n']) || target.path.contains(['\r', '\n']) {
        return Err(fail(&"the file name or folder is not usable"));
    }
    let stream = within(TcpStream::connect((target.host.as_str(), port)))
        .await
        .map_err(|e| fail(&e))?;
    let peer = stream.peer_addr().map_err(|e| fail(&e))?;
    let mut ftp = Control::new(Box::new(stream), target);
    ftp.expect(&[220]).await.map_err(|e| fail(&e))?;
    if target.tls.is_some() {
        ftp = ftp.secure().await.map_err(|e| fail(&e))?;
    }
    ftp.login(&target.username, &target.password)
        .await
        .map_err(|e| match e {
            Step::Refused(..) => Text::new("ftp-login-refused").arg("server", &server),
            other => fail(&other),
        })?;
    if target.tls.is_some() {
        ftp.protect_data().await.map_err(|e| fail(&e))?;
    }
    let result = ftp.store(peer, &target.path, name, bytes).await;
    let _ = ftp.command("QUIT", &[221]).await;
    result.map_err(|e| fail(&e))
}

struct Control {
    dialogue: Dialogue<Box<dyn Io>>,
    host: String,
    tls: Option<Arc<ClientConfig>>,
}

impl Control {
    fn new(stream: Box<dyn Io>, target: &FtpTarget) -> Control {
        Control {
            dialogue: Dialogue::new(stream),
            host: target.host.clone(),
            tls: target.tls.clone(),
        }
    }

    /// `AUTH TLS` and the handshake on the control connection.
    async fn secure(mut self) -> Result<Control, Step> {
        let Some(tls) = self.tls.clone() else {
            return Ok(self);
        };
        self.command("AUTH TLS", &[234]).await?;
        let secured = handshake(tls, &self.host, self.dialogue.into_inner())
            .await
            .map_err(Step::Tls)?;
        self.dialogue = Dialogue::new(secured);
        Ok(self)
    }

    /// Data connections protected too (RFC 4217 §9).
    async fn protect_data(&mut self) -> Result<(), Step> {
        self.command("PBSZ 0", &[200]).await?;
        self.command("PROT P", &[200]).await.map(drop)
    }

    async fn expect(&mut self, codes: &[u16]) -> Result<String, Step> {
        Ok(self.dialogue.expect(codes).await?.last().to_owned())
    }

    async fn command(&mut self, line: &str, codes: &[u16]) -> Result<String, Step> {
        Ok(self.dialogue.command(line, codes).await?.last().to_owned())
    }

    async fn login(&mut self, user: &str, password: &str) -> Result<(), Step> {
        let user = if user.is_empty() { "anonymous" } else { user };
        if user.contains(['\r', '\n']) || password.contains(['\r', '\n']) {
            return Err(Step::Refused(
                0,
                "a line break in the username or password".into(),
            ));
        }
        let reply = self
            .dialogue
            .command(&format!("USER {user}"), &[230, 331])
            .await?;
        if reply.code == 230 {
            return Ok(());
        }
        self.command(&format!("PASS {password}"), &[230, 202])
            .await
            .map(drop)
    }

    /// Goes into `path` from the login folder, making the folders that are missing.
    async fn enter(&mut self, path: &str) -> Result<(), Step> {
        if path.starts_with('/') {
            self.command("CWD /", &[250]).await?;
        }
        for folder in path.split('/').filter(|s| !s.is_empty()) {
            if self.command(&format!("CWD {folder}"), &[250]).await.is_err() {
                self.command(&format!("MKD {folder}"), &[257]).await?;
                self.command(&format!("CWD {folder}"), &[250]).await?;
            }
        }
        Ok(())
    }

    /// The data connection's address: the control peer's address with the port the server
    /// names (EPSV, else PASV).
    async fn passive(&mut self, peer: SocketAddr) -> Result<SocketAddr, Step> {
        if let Ok(text) = self.command("EPSV", &[229]).await {
            // "229 Entering Extended Passive Mode (|||6446|)"
            let port = text
                .split('|')
                .filter_map(|p| p.parse::<u16>().ok())
                .next_back()
                .ok_or_else(|| Step::Refused(227, text.clone()))?;
            return Ok(SocketAddr::new(peer.ip(), port));
        }
        let text = self.command("PASV", &[227]).await?;
        // "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)"
        let inner = text
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(inside, _)| inside)
            .unwrap_or_default();
        let numbers: Vec<u16> = inner.split(',').filter_map(|n| n.trim().parse().ok()).collect();
        match numbers[..] {
            [_, _, _, _, hi, lo] if hi < 256 && lo < 256 => Ok(SocketAddr::new(peer.ip(), hi * 256 + lo)),
            _ => Err(Step::Refused(227, text)),
        }
    }

    async fn store(&mut self, peer: SocketAddr, path: &str, name: &str, bytes: &[u8]) -> Result<(), Step> {
        self.command("TYPE I", &[200]).await?;
        self.enter(path).await?;
        let temporary = format!(".{name}.part");
        let data_at = self.passive(peer).await?;
        let data = within(TcpStream::connect(data_at)).await?;
        self.command(&format!("STOR {temporary}"), &[125, 150]).await?;
        let mut data: Box<dyn Io> = match self.tls.clone() {
            Some(tls) => handshake(tls, &self.host, Box::new(data))
                .await
                .map_err(Step::Tls)?,
            None => Box::new(data),
        };
        for chunk in bytes.chunks(64 * 1024) {
            within(data.write_all(chunk)).await?;
        }
        within(data.shutdown()).await?;
        // Read what the server still sends (TLS 1.3 session tickets, its close_notify) until it
        // closes: a socket closed with unread data is reset, and a reset can make the server
        // drop the end of the upload.
        let _ = within(tokio::io::copy(&mut data, &mut tokio::io::sink())).await;
        drop(data);
        self.expect(&[226, 250]).await?;
        self.command(&format!("RNFR {temporary}"), &[350]).await?;
        self.command(&format!("RNTO {name}"), &[250]).await?;
        Ok(())
    }
}
