//! Call history: one record per call (incoming or outgoing, answered, missed, declined or
//! failed; which DID or number was called; how long it lasted), kept newest first in
//! `history.json` in the profile's data directory, written atomically after every call.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::engine::{CallHandle, CallState};
use crate::text::Text;

/// Records kept; older ones are dropped.
pub const MAX_RECORDS: usize = 500;
/// The file's format version.
const VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Incoming,
    Outgoing,
}

/// How a call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Talked (for `duration_secs`).
    Answered,
    /// Incoming, never answered here (the caller gave up, or it went elsewhere).
    Missed,
    /// Incoming, declined here.
    Declined,
    /// Outgoing, not answered (busy, no answer, refused, unreachable).
    Failed,
    /// Incoming, not answered here: the caller was given the voicemail greeting and left a
    /// message (`voicemail`).
    Voicemail,
}

/// One call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    pub direction: Direction,
    pub outcome: Outcome,
    /// The account (its name) the call was on.
    pub account: String,
    /// The other party: the caller of an incoming call, the dialled target of an outgoing one.
    pub remote: String,
    /// For incoming calls, the DID or internal number that was called.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub called: String,
    /// Start, seconds since the Unix epoch.
    pub started: u64,
    /// Talk time (0 unless answered).
    pub duration_secs: u64,
    /// The SIP status that ended it (e.g. 486 busy), when it did not end with a BYE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// The message the caller left (WAV), for [`Outcome::Voicemail`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voicemail: Option<PathBuf>,
}

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    calls: Vec<CallRecord>,
}

/// A call in progress, until it ends.
#[derive(Clone, Debug)]
struct Open {
    record: CallRecord,
    answered_at: Option<SystemTime>,
    declined: bool,
}

/// The history and the calls in progress that will join it.
#[derive(Debug, Default)]
pub struct CallHistory {
    path: Option<PathBuf>,
    records: Vec<CallRecord>,
    open: HashMap<CallHandle, Open>,
}

/// The calls of a history file.
pub fn parse_file(bytes: &[u8]) -> Result<Vec<CallRecord>, serde_json::Error> {
    serde_json::from_slice::<File>(bytes).map(|f| f.calls)
}

impl CallHistory {
    /// The history kept in `dir/history.json` (empty when the file does not exist yet). A file
    /// that cannot be read is an error, so it is never overwritten by an empty history.
    pub fn load(dir: &Path) -> Result<CallHistory, Text> {
        let path = dir.join("history.json");
        let records = match std::fs::read(&path) {
            Ok(bytes) => parse_file(&bytes).map_err(|e| {
                Text::new("history-damaged")
                    .arg("path", path.display())
                    .arg("reason", e)
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(Text::new("history-unreadable")
                    .arg("path", path.display())
                    .arg("reason", e));
            }
        };
        Ok(CallHistory {
            path: Some(path),
            records,
            open: HashMap::new(),
        })
    }

    /// A history kept in memory only.
    pub fn in_memory() -> CallHistory {
        CallHistory::default()
    }

    /// Newest first.
    pub fn records(&self) -> &[CallRecord] {
        &self.records
    }

    /// An outgoing call was placed.
    pub fn dialled(&mut self, call: CallHandle, account: &str, target: &str) {
        self.open(call, Direction::Outgoing, account, target, "");
    }

    /// An incoming call arrived.
    pub fn incoming(&mut self, call: CallHandle, account: &str, from: &str, called: &str) {
        self.open(call, Direction::Incoming, account, from, called);
    }

    /// The user declined the incoming call.
    pub fn declined(&mut self, call: CallHandle) {
        if let Some(o) = self.open.get_mut(&call) {
            o.declined = true;
        }
    }

    /// The incoming call went to voicemail: the caller's message is recorded at `path`.
    pub fn voicemail(&mut self, call: CallHandle, path: &Path) {
        if let Some(o) = self.open.get_mut(&call) {
            o.record.voicemail = Some(path.to_owned());
        }
    }

    fn open(&mut self, call: CallHandle, direction: Direction, account: &str, remote: &str, called: &str) {
        let record = CallRecord {
            direction,
            outcome: Outcome::Missed,
            account: account.to_owned(),
            remote: remote.to_owned(),
            called: called.to_owned(),
            started: unix_secs(SystemTime::now()),
            duration_secs: 0,
            code: None,
            voicemail: None,
        };
        self.open.insert(
            call,
            Open {
                record,
                answered_at: None,
                declined: false,
            },
        );
    }

    /// Follows a call's state; when it ends, its record joins the history (and is saved).
    /// Returns the finished record.
    pub fn on_state(&mut self, call: CallHandle, state: &CallState) -> Result<Option<CallRecord>, Text> {
        self.on_state_at(call, state, SystemTime::now())
    }

    fn on_state_at(
        &mut self,
        call: CallHandle,
        state: &CallState,
        now: SystemTime,
    ) -> Result<Option<CallRecord>, Text> {
        let Some(open) = self.open.get_mut(&call) else {
            return Ok(None);
        };
        match state {
            CallState::Answered { .. } => {
                open.answered_at.get_or_insert(now);
                Ok(None)
            }
            CallState::Ended { code, .. } => {
                let Some(mut open) = self.open.remove(&call) else {
                    return Ok(None);
                };
                let r = &mut open.record;
                r.outcome = match (open.answered_at, r.direction) {
                    (Some(_), _) if r.voicemail.is_some() => Outcome::Voicemail,
                    (Some(_), _) => Outcome::Answered,
                    (None, Direction::Incoming) if open.declined => Outcome::Declined,
                    (None, Direction::Incoming) => Outcome::Missed,
                    (None, Direction::Outgoing) => Outcome::Failed,
                };
                r.duration_secs = open
                    .answered_at
                    .and_then(|a| now.duration_since(a).ok())
                    .unwrap_or(Duration::ZERO)
                    .as_secs();
                r.code = (*code != 200).then_some(*code);
                let record = open.record;
                self.records.insert(0, record.clone());
                self.records.truncate(MAX_RECORDS);
                self.save()?;
                Ok(Some(record))
            }
            _ => Ok(None),
        }
    }

    /// Forgets every record (and saves).
    pub fn clear(&mut self) -> Result<(), Text> {
        self.records.clear();
        self.save()
    }

    fn save(&self) -> Result<(), Text> {
        let Some(path) = &self.path else { return Ok(()) };
        let file = File {
            version: VERSION,
            calls: self.records.clone(),
        };
        let unsaved = |e: &dyn std::fmt::Display| {
            Text::new("history-unsaved")
                .arg("path", path.display())
                .arg("reason", e)
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| unsaved(&e))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| unsaved(&e))?;
        }
        crate::fsio::write_atomic(path, &bytes).map_err(|e| unsaved(&e))
    }
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(code: u16) -> CallState {
        CallState::Ended {
            code,
            reason: String::new(),
            by_remote: true,
        }
    }

    #[test]
    fn outcomes_durations_and_the_called_number_are_kept_newest_first_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = CallHistory::load(dir.path()).unwrap();
        let t0 = SystemTime::now();
        let answered = CallState::Answered { sdp: Vec::new() };

        h.dialled(CallHandle(1), "office", "2001");
        h.on_state_at(CallHandle(1), &answered, t0).unwrap();
        let talked = h
            .on_state_at(CallHandle(1), &ended(200), t0 + Duration::from_secs(95))
            .unwrap()
            .unwrap();
        assert_eq!(
            (talked.outcome, talked.duration_secs, talked.code),
            (Outcome::Answered, 95, None)
        );

        h.incoming(CallHandle(2), "office", "sip:bob@example.com", "+15551230000");
        h.on_state_at(CallHandle(2), &ended(487), t0).unwrap();
        h.incoming(CallHandle(3), "office", "sip:eve@example.com", "2001");
        h.declined(CallHandle(3));
        h.on_state_at(CallHandle(3), &ended(603), t0).unwrap();
        h.dialled(CallHandle(4), "office", "5550000");
        h.on_state_at(CallHandle(4), &ended(486), t0).unwrap();
        // Unknown calls and non-final states change nothing.
        assert_eq!(h.on_state_at(CallHandle(9), &ended(200), t0), Ok(None));

        let again = CallHistory::load(dir.path()).unwrap();
        let got: Vec<_> = again
            .records()
            .iter()
            .map(|r| {
                (
                    r.direction,
                    r.outcome,
                    r.remote.as_str(),
                    r.called.as_str(),
                    r.code,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Direction::Outgoing, Outcome::Failed, "5550000", "", Some(486)),
                (
                    Direction::Incoming,
                    Outcome::Declined,
                    "sip:eve@example.com",
                    "2001",
                    Some(603)
                ),
                (
                    Direction::Incoming,
                    Outcome::Missed,
                    "sip:bob@example.com",
                    "+15551230000",
                    Some(487)
                ),
                (Direction::Outgoing, Outcome::Answered, "2001", "", None),
            ]
        );
    }

    #[test]
    fn the_history_is_bounded_and_a_damaged_file_is_refused_not_replaced() {
        let mut h = CallHistory::in_memory();
        for i in 0..(MAX_RECORDS as u64 + 5) {
            h.dialled(CallHandle(i), "a", &i.to_string());
            h.on_state(CallHandle(i), &ended(486)).unwrap();
        }
        assert_eq!(h.records().len(), MAX_RECORDS);
        assert_eq!(h.records()[0].remote, (MAX_RECORDS + 4).to_string());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.json");
        std::fs::write(&path, b"{ not json").unwrap();
        let err = CallHistory::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("damaged") && err.contains("move it aside"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"{ not json");
    }

    #[test]
    fn an_unwritable_place_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        let mut h = CallHistory::load(&sub).unwrap();
        // The folder cannot be made: a file is in its place.
        std::fs::write(&sub, b"x").unwrap();
        h.dialled(CallHandle(1), "a", "1");
        let err = h.on_state(CallHandle(1), &ended(486)).unwrap_err().to_string();
        assert!(err.contains("cannot save the call history"), "{err}");
        assert_eq!(h.records().len(), 1, "the record is kept in memory");
    }
}
