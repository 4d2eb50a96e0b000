//! Route To Voicemail: an incoming call that is not answered here in time (or arrives while Do
//! Not Disturb is on) is answered with the account's voicemail greeting, and what the caller
//! says is kept as a message (mono WAV) in the voicemail folder, up to [`MAX_MESSAGE`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::recordings::recording_path;
use crate::engine::CallHandle;

/// The longest message kept: the call is ended then.
pub const MAX_MESSAGE: Duration = Duration::from_secs(120);

struct Ringing {
    since: Instant,
    account: String,
    from: String,
}

/// Calls that may go to voicemail, and the messages being left.
pub(super) struct Voicemail {
    /// Where messages are kept; `None`: no voicemail (the calls ring on, or are declined).
    dir: Option<PathBuf>,
    ring_timeout: Duration,
    ringing: HashMap<CallHandle, Ringing>,
    /// Messages being left, and when each is cut off.
    leaving: HashMap<CallHandle, Instant>,
}

impl std::fmt::Debug for Voicemail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voicemail")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Voicemail {
    pub(super) fn new(dir: Option<PathBuf>, ring_timeout: Duration) -> Voicemail {
        Voicemail {
            dir,
            ring_timeout,
            ringing: HashMap::new(),
            leaving: HashMap::new(),
        }
    }

    /// An incoming call started ringing here (`now`).
    pub(super) fn rings(&mut self, call: CallHandle, account: &str, from: &str, now: Instant) {
        self.ringing.insert(
            call,
            Ringing {
                since: now,
                account: account.to_owned(),
                from: from.to_owned(),
            },
        );
    }

    /// The call was answered, declined or ended: it no longer goes to voicemail.
    pub(super) fn settled(&mut self, call: CallHandle) {
        self.ringing.remove(&call);
    }

    /// The call ended (its message, if any, is complete).
    pub(super) fn ended(&mut self, call: CallHandle) {
        self.ringing.remove(&call);
        self.leaving.remove(&call);
    }

    /// Whether `call` is a caller leaving a message (its recording is the message).
    pub(super) fn is_message(&self, call: CallHandle) -> bool {
        self.leaving.contains_key(&call)
    }

    /// Calls that have rung for the ring timeout without an answer by `now`.
    pub(super) fn unanswered(&self, now: Instant) -> Vec<CallHandle> {
        self.ringing
            .iter()
            .filter(|(_, r)| now.duration_since(r.since) >= self.ring_timeout)
            .map(|(c, _)| *c)
            .collect()
    }

    /// Messages longer than [`MAX_MESSAGE`] by `now`.
    pub(super) fn overlong(&self, now: Instant) -> Vec<CallHandle> {
        self.leaving
            .iter()
            .filter(|(_, until)| now >= **until)
            .map(|(c, _)| *c)
            .collect()
    }

    /// The call goes to voicemail now: the file its message is kept in, or `None` when there
    /// is no voicemail folder (or the call is unknown).
    pub(super) fn take(&mut self, call: CallHandle, now: Instant) -> Option<PathBuf> {
        let r = self.ringing.remove(&call)?;
        let dir = self.dir.as_deref()?;
        let path = recording_path(dir, &r.account, &r.from, SystemTime::now()).with_extension("wav");
        self.leaving.insert(call, now + MAX_MESSAGE);
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unanswered_calls_go_after_the_timeout_and_messages_are_cut_off() {
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        let mut v = Voicemail::new(Some("/vm".into()), Duration::from_secs(20));
        let (a, b) = (CallHandle(1), CallHandle(2));
        v.rings(a, "Desk", "sip:+14155550123@pbx", t0);
        v.rings(b, "Desk", "sip:bob@pbx", t0);
        assert!(v.unanswered(at(19)).is_empty());
        v.settled(b);
        assert_eq!(v.unanswered(at(20)), [a]);
        let path = v.take(a, at(20)).unwrap();
        let name = path.to_string_lossy().into_owned();
        assert!(
            path.starts_with("/vm") && name.ends_with("_Desk_+14155550123.wav"),
            "{name}"
        );
        assert!(v.unanswered(at(21)).is_empty() && v.take(a, at(21)).is_none());
        assert!(v.overlong(at(139)).is_empty());
        assert_eq!(v.overlong(at(140)), [a]);
        v.ended(a);
        assert!(v.overlong(at(200)).is_empty());
        let mut none = Voicemail::new(None, Duration::from_secs(20));
        none.rings(a, "Desk", "x", t0);
        assert_eq!(none.take(a, at(30)), None, "no folder: no voicemail");
        assert!(none.unanswered(at(31)).is_empty(), "and it is not offered again");
    }
}
