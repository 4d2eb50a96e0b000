//! The SIP messages of the last while, for the window's trace viewer, and `--sip-trace`. Kept in memory only, and
//! only while the user records (off by default: messages hold numbers and addresses): at most
//! [`KEEP`] messages of at most [`MAX_TEXT`] bytes each. Read back scrubbed of secrets
//! ([`crate::redact::scrub`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use crate::engine::Flow;

/// Messages kept (the oldest go first).
pub const KEEP: usize = 200;
/// Longer messages are cut here.
pub const MAX_TEXT: usize = 8 * 1024;

static RECORDING: AtomicBool = AtomicBool::new(false);
static MESSAGES: Mutex<VecDeque<Message>> = Mutex::new(VecDeque::new());

/// One message sent or received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub at: SystemTime,
    /// Sent by Handset (else received).
    pub sent: bool,
    /// The transport and the far address.
    pub flow: String,
    pub text: String,
}

/// Starts or stops recording; stopping forgets what was recorded.
pub fn set_recording(on: bool) {
    RECORDING.store(on, Ordering::SeqCst);
    if !on {
        MESSAGES.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

pub fn is_recording() -> bool {
    RECORDING.load(Ordering::SeqCst)
}

/// A message sent (`sent`) or received on `flow`: printed to stderr when `print`
/// (`--sip-trace`), kept while recording. Keep-alives (bare CRLFs) are neither.
pub fn message(print: bool, sent: bool, flow: Flow, bytes: &[u8]) {
    if bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
        return;
    }
    if print {
        let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
        eprintln!(
            "--- {} {flow} ({} bytes)\n{}",
            if sent { "sent to" } else { "received from" },
            bytes.len(),
            crate::redact::scrub(text.trim_end())
        );
    }
    record(sent, flow, bytes);
}

/// Keeps a message while recording.
fn record(sent: bool, flow: Flow, bytes: &[u8]) {
    if !is_recording() {
        return;
    }
    let cut = &bytes[..bytes.len().min(MAX_TEXT)];
    let message = Message {
        at: SystemTime::now(),
        sent,
        flow: flow.to_string(),
        text: String::from_utf8_lossy(cut).replace("\r\n", "\n"),
    };
    let mut messages = MESSAGES.lock().unwrap_or_else(PoisonError::into_inner);
    if messages.len() == KEEP {
        messages.pop_front();
    }
    messages.push_back(message);
}

/// The recorded messages, oldest first, with secrets masked.
pub fn recent() -> Vec<Message> {
    let messages = MESSAGES.lock().unwrap_or_else(PoisonError::into_inner);
    messages
        .iter()
        .map(|m| Message {
            text: crate::redact::scrub(&m.text),
            ..m.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Transport;

    #[test]
    fn recording_keeps_the_newest_messages_scrubbed_and_stopping_forgets_them() {
        // Other tests' phones may record meanwhile: only this flow's messages are looked at.
        let flow = Flow {
            transport: Transport::Tls,
            remote: "127.0.0.9:5999".parse().unwrap(),
        };
        let ours = || -> Vec<Message> {
            recent()
                .into_iter()
                .filter(|m| m.flow == "TLS:127.0.0.9:5999")
                .collect()
        };
        message(false, true, flow, b"REGISTER sip:x SIP/2.0\r\n\r\n");
        assert!(ours().is_empty(), "nothing is kept unless recording");
        set_recording(true);
        for n in 0..KEEP + 5 {
            message(false, true, flow, format!("OPTIONS {n}\r\n\r\n").as_bytes());
        }
        message(false, true, flow, b"\r\n\r\n");
        message(
            false,
            false,
            flow,
            b"INVITE sip:a SIP/2.0\r\nAuthorization: Digest response=\"0123456789abcdef\"\r\n\r\n",
        );
        let kept = ours();
        assert!(kept.len() <= KEEP);
        assert!(
            !kept.iter().any(|m| m.text == "OPTIONS 5\n\n"),
            "the oldest went first"
        );
        assert!(kept.iter().any(|m| m.text == format!("OPTIONS {}\n\n", KEEP + 4)));
        assert!(!kept.iter().any(|m| m.text.trim().is_empty()), "no keep-alives");
        let last = kept.last().unwrap();
        assert!(!last.sent);
        assert!(last.text.contains("response=\"‹secret›\""), "{}", last.text);
        message(false, true, flow, &vec![b'x'; MAX_TEXT * 2]);
        assert_eq!(ours().last().unwrap().text.len(), MAX_TEXT);
        set_recording(false);
        assert!(ours().is_empty());
    }
}
