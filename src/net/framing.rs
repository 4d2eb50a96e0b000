//! SIP over streams (RFC 3261 §18.3): messages are delimited by Content-Length; CRLF
//! keep-alives (RFC 5626 §3.5.1) pass through as their own messages.

use crate::engine::sip::msg::MAX_MESSAGE;

/// A stream that cannot be framed any more (the connection must be closed).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    #[error("a message on the stream is larger than 64 KiB")]
    TooLarge,
    #[error("a message on the stream has no valid Content-Length")]
    NoLength,
}

/// Accumulates stream bytes and yields whole messages.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The Content-Length of a header block (`Content-Length` or compact `l`).
fn content_length(head: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(head).ok()?;
    for line in text.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l") {
                return value.trim().parse().ok();
            }
        }
    }
    None
}

impl Framer {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete message (a keep-alive is `\r\n\r\n` or `\r\n`), if any.
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, FramingError> {
        // Keep-alives: a ping is CRLFCRLF, a pong a single CRLF, both before a message starts.
        if self.buf.starts_with(b"\r\n\r\n") {
            self.buf.drain(..4);
            return Ok(Some(b"\r\n\r\n".to_vec()));
        }
        if self.buf.starts_with(b"\r\n") && (self.buf.len() == 2 || self.buf[2] != b'\r') {
            self.buf.drain(..2);
            return Ok(Some(b"\r\n".to_vec()));
        }
        if self.buf == b"\r" || self.buf == b"\r\n\r" {
            return Ok(None);
        }
        let Some(end) = find(&self.buf, b"\r\n\r\n") else {
            if self.buf.len() > MAX_MESSAGE {
                return Err(FramingError::TooLarge);
            }
            return Ok(None);
        };
        let head_len = end + 4;
        let body_len = content_length(&self.buf[..end]).ok_or(FramingError::NoLength)?;
        if head_len + body_len > MAX_MESSAGE {
            return Err(FramingError::TooLarge);
        }
        if self.buf.len() < head_len + body_len {
            return Ok(None);
        }
        let msg: Vec<u8> = self.buf.drain(..head_len + body_len).collect();
        Ok(Some(msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 4\r\n\r\nbody";

    #[test]
    fn frames_split_and_joined_messages() {
        let mut f = Framer::default();
        let mut stream = MSG.to_vec();
        stream.extend_from_slice(b"\r\n\r\n");
        stream.extend_from_slice(MSG);
        for chunk in stream.chunks(7) {
            f.push(chunk);
        }
        assert_eq!(f.next_message().unwrap().unwrap(), MSG);
        assert_eq!(f.next_message().unwrap().unwrap(), b"\r\n\r\n");
        assert_eq!(f.next_message().unwrap().unwrap(), MSG);
        assert_eq!(f.next_message().unwrap(), None);
    }

    #[test]
    fn compact_length_and_pong() {
        let mut f = Framer::default();
        f.push(b"\r\nSIP/2.0 200 OK\r\nl: 0\r\n\r\n");
        assert_eq!(f.next_message().unwrap().unwrap(), b"\r\n");
        assert!(f.next_message().unwrap().unwrap().starts_with(b"SIP/2.0 200"));
    }

    #[test]
    fn refuses_missing_length_and_huge_messages() {
        let mut f = Framer::default();
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n");
        assert_eq!(f.next_message(), Err(FramingError::NoLength));
        let mut f = Framer::default();
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 70000\r\n\r\n");
        assert_eq!(f.next_message(), Err(FramingError::TooLarge));
        let mut f = Framer::default();
        f.push(&vec![b'a'; MAX_MESSAGE + 1]);
        assert_eq!(f.next_message(), Err(FramingError::TooLarge));
    }
}
