//! The command/reply dialogue of FTP (RFC 959 §4.2) and SMTP (RFC 5321 §4.2): a command line
//! goes out, a reply of one or more lines comes back, each step within [`STEP`].

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// Longest a server may take for one step (connect, a reply, a write's progress).
pub const STEP: std::time::Duration = std::time::Duration::from_secs(20);

/// Longest reply line taken in, and most lines in one reply (a hostile server cannot make the
/// client buffer without end).
const MAX_LINE: u64 = 4096;
const MAX_LINES: usize = 200;

/// A step that went wrong.
#[derive(Debug)]
pub enum Step {
    Io(std::io::Error),
    TimedOut,
    /// The server's reply to a command that it refused (its code and last line).
    Refused(u16, String),
    /// The TLS handshake failed (why, in the user's terms).
    Tls(String),
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Io(e) => write!(f, "{e}"),
            Step::TimedOut => write!(f, "no answer within {} s", STEP.as_secs()),
            Step::Refused(_, reply) => write!(f, "the server answered `{reply}`"),
            Step::Tls(reason) => f.write_str(reason),
        }
    }
}

/// `work` within [`STEP`].
pub async fn within<T>(work: impl Future<Output = std::io::Result<T>>) -> Result<T, Step> {
    match tokio::time::timeout(STEP, work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Step::Io(e)),
        Err(_) => Err(Step::TimedOut),
    }
}

/// A reply: its code and its lines (trimmed, codes included).
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn last(&self) -> &str {
        self.lines.last().map_or("", String::as_str)
    }
}

/// The control connection.
#[derive(Debug)]
pub struct Dialogue<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Dialogue<S> {
    pub fn new(stream: S) -> Dialogue<S> {
        Dialogue {
            io: BufReader::new(stream),
        }
    }

    /// The connection, to go on under TLS (nothing may be left unread).
    pub fn into_inner(self) -> S {
        self.io.into_inner()
    }

    /// One reply: "ddd text", or "ddd-text" lines up to "ddd text" (FTP lets the lines in
    /// between have no code).
    pub async fn reply(&mut self) -> Result<Reply, Step> {
        let mut lines = Vec::new();
        loop {
            let mut raw = Vec::new();
            let n = within((&mut self.io).take(MAX_LINE).read_until(b'\n', &mut raw)).await?;
            if n == 0 {
                return Err(Step::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            let line = String::from_utf8_lossy(&raw).trim_end().to_owned();
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let last = line.as_bytes().get(3) != Some(&b'-');
            let first: Option<&String> = lines.first();
            match (first, code) {
                (None, None) => return Err(Step::Refused(0, line)),
                (None, Some(code)) if last => {
                    return Ok(Reply {
                        code,
                        lines: vec![line],
                    });
                }
                (Some(start), Some(code)) if last && start.get(..3) == line.get(..3) => {
                    lines.push(line);
                    return Ok(Reply { code, lines });
                }
                _ if lines.len() >= MAX_LINES => return Err(Step::Refused(0, "a reply without end".into())),
                _ => lines.push(line),
            }
        }
    }

    /// A reply with one of `codes`, else [`Step::Refused`].
    pub async fn expect(&mut self, codes: &[u16]) -> Result<Reply, Step> {
        let reply = self.reply().await?;
        if codes.contains(&reply.code) {
            Ok(reply)
        } else {
            Err(Step::Refused(reply.code, reply.last().to_owned()))
        }
    }

    /// Sends `bytes` as they are.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), Step> {
        within(self.io.get_mut().write_all(bytes)).await?;
        within(self.io.get_mut().flush()).await
    }

    /// Sends a command line and expects a reply with one of `codes`.
    pub async fn command(&mut self, line: &str, codes: &[u16]) -> Result<Reply, Step> {
        if line.contains(['\r', '\n']) {
            return Err(Step::Refused(0, "a line break inside a command".into()));
        }
        self.send(format!("{line}\r\n").as_bytes()).await?;
        self.expect(codes).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn replies(script: &'static [u8]) -> Vec<Result<(u16, usize), String>> {
        let (client, mut server) = tokio::io::duplex(8192);
        server.write_all(script).await.unwrap();
        drop(server);
        let mut d = Dialogue::new(client);
        let mut out = Vec::new();
        loop {
            match d.reply().await {
                Ok(r) => out.push(Ok((r.code, r.lines.len()))),
                Err(Step::Io(_)) => break,
                Err(e) => out.push(Err(e.to_string())),
            }
        }
        out
    }

    #[tokio::test]
    async fn single_and_multi_line_replies_of_ftp_and_smtp() {
        let got = replies(
            b"220 ready\r\n250-mail.example\r\n250-SIZE 100\r\n250 STARTTLS\r\n\
              230-Welcome\r\n  free text\r\n230 done\r\nnonsense\r\n",
        )
        .await;
        assert_eq!(
            got,
            vec![
                Ok((220, 1)),
                Ok((250, 3)),
                Ok((230, 3)),
                Err("the server answered `nonsense`".into())
            ]
        );
    }
}
