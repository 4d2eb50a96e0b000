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
    /// How far `buf` has been searched for the end of a header block: a peer that sends a
    /// message a byte at a time costs one pass over it, not one per byte.
    scanned: usize,
    /// The length of the message at the front, once its header block is complete (its body
    /// may still be arriving).
    total: Option<usize>,
    /// Bytes searched so far (tests count the work instead of timing it).
    #[cfg(test)]
    searched: usize,
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

    /// Whether part of a message has arrived and waits for the rest.
    pub fn is_partial(&self) -> bool {
        !self.buf.is_empty()
    }

    /// The next complete message (a keep-alive is `\r\n\r\n` or `\r\n`), if any.
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, FramingError> {
        // Keep-alives: a ping is CRLFCRLF, a pong a single CRLF, both before a message starts.
        if self.buf.starts_with(b"\r\n\r\n") {
            self.buf.drain(..4);
            self.scanned = 0;
            return Ok(Some(b"\r\n\r\n".to_vec()));
        }
        if self.buf.starts_with(b"\r\n") && (self.buf.len() == 2 || self.buf[2] != b'\r') {
            self.buf.drain(..2);
            self.scanned = 0;
            return Ok(Some(b"\r\n".to_vec()));
        }
        if self.buf == b"\r" || self.buf == b"\r\n\r" {
            return Ok(None);
        }
        let total = match self.total {
            Some(total) => total,
            None => {
                let from = self.scanned.saturating_sub(3);
                #[cfg(test)]
                {
                    self.searched += self.buf.len() - from;
                }
                let Some(end) = find(&self.buf[from..], b"\r\n\r\n").map(|i| from + i) else {
                    if self.buf.len() > MAX_MESSAGE {
                        return Err(FramingError::TooLarge);
                    }
                    self.scanned = self.buf.len();
                    return Ok(None);
                };
                #[cfg(test)]
                {
                    self.searched += end;
                }
                let body_len = content_length(&self.buf[..end]).ok_or(FramingError::NoLength)?;
                // A Content-Length near usize::MAX must not wrap around (found by fuzzing).
                let total = match body_len.checked_add(end + 4) {
                    Some(t) if t <= MAX_MESSAGE => t,
                    _ => return Err(FramingError::TooLarge),
                };
                self.total = Some(total);
                total
            }
        };
        if self.buf.len() < total {
            return Ok(None);
        }
        let msg: Vec<u8> = self.buf.drain(..total).collect();
        self.scanned = 0;
        self.total = None;
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

    /// A peer sending a header block a byte at a time up to the limit (slow loris): each byte
    /// is searched once (the work is counted, not timed), and the stream is refused at 64 KiB.
    #[test]
    fn a_byte_at_a_time_is_searched_once_and_refused_at_the_limit() {
        let mut f = Framer::default();
        let head = b"OPTIONS sip:a@b SIP/2.0\r\nX: ";
        let mut result = Ok(None);
        for i in 0..=MAX_MESSAGE {
            f.push(&[if i < head.len() { head[i] } else { b'a' }]);
            result = f.next_message();
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(FramingError::TooLarge));
        let searched = f.searched;
        assert!(
            searched < 5 * MAX_MESSAGE,
            "searched {searched} bytes for a {MAX_MESSAGE}-byte stream"
        );
        // A long body a byte at a time: its header block is read once.
        let mut f = Framer::default();
        let body = vec![b'b'; 60_000];
        let head = format!(
            "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        f.push(head.as_bytes());
        for b in &body {
            assert_eq!(f.next_message().unwrap(), None);
            f.push(&[*b]);
        }
        assert_eq!(f.next_message().unwrap().unwrap().len(), head.len() + body.len());
        assert!(f.searched < 3 * MAX_MESSAGE, "searched {} bytes", f.searched);
        // A message split anywhere still frames, its end found across the pieces.
        let mut f = Framer::default();
        for b in MSG {
            f.push(&[*b]);
            if f.buf.len() < MSG.len() {
                assert_eq!(f.next_message().unwrap(), None);
            }
        }
        assert_eq!(f.next_message().unwrap().unwrap(), MSG);
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
        let mut f = Framer::default();
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 18446744073709551615\r\n\r\n");
        assert_eq!(f.next_message(), Err(FramingError::TooLarge));
    }
}
