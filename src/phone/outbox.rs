//! The outbox of finished recordings waiting for their delivery method: one small JSON file
//! per recording in the outbox folder, written atomically, removed once delivered. A failed
//! delivery is tried again later (30 s, then 1, 5, 15 minutes, then hourly) and never given
//! up: nothing is lost when a server is down, a password is wrong or Handset is closed
//! meanwhile. The recording itself stays in the recordings folder either way.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::account::store::random_id;
use crate::text::Text;

/// A recording to deliver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub recording: PathBuf,
    pub account: String,
    /// The delivery method's name (its target and secret are looked up when delivering).
    pub method: String,
    #[serde(default)]
    pub attempts: u32,
    /// Unix seconds before which it is not tried again.
    #[serde(default)]
    pub next_try: u64,
    /// Why the last attempt failed (English, for the log and the history).
    #[serde(default)]
    pub last_error: Option<String>,
}

/// Waits after the 1st, 2nd, … failure; the last one repeats.
const BACKOFF_SECS: [u64; 5] = [30, 60, 300, 900, 3600];

#[derive(Debug)]
pub struct Outbox {
    dir: PathBuf,
    jobs: Vec<Job>,
}

/// A job file of the outbox.
pub fn parse_job(bytes: &[u8]) -> Result<Job, serde_json::Error> {
    serde_json::from_slice(bytes)
}

impl Outbox {
    /// The outbox kept in `dir` (made when missing). A file that cannot be read is left where
    /// it is and named among the problems; the others load. A write cut short by a crash left
    /// only a temporary file (the job file is replaced atomically); it is removed here.
    pub fn open(dir: &Path) -> (Outbox, Vec<Text>) {
        let mut jobs = Vec::new();
        let mut problems = Vec::new();
        crate::fsio::remove_abandoned_temporaries(dir);
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let parsed = std::fs::read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|b| parse_job(&b).map_err(|e| e.to_string()));
                match parsed {
                    Ok(job) => jobs.push(job),
                    Err(reason) => problems.push(
                        Text::new("outbox-damaged")
                            .arg("path", path.display())
                            .arg("reason", reason),
                    ),
                }
            }
        }
        jobs.sort_by(|a, b| (a.next_try, &a.id).cmp(&(b.next_try, &b.id)));
        (
            Outbox {
                dir: dir.to_owned(),
                jobs,
            },
            problems,
        )
    }

    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// Queues `recording` for `method`; it is due at once.
    pub fn add(&mut self, recording: &Path, account: &str, method: &str) -> Result<Job, Text> {
        let job = Job {
            id: random_id(),
            recording: recording.to_owned(),
            account: account.to_owned(),
            method: method.to_owned(),
            attempts: 0,
            next_try: 0,
            last_error: None,
        };
        self.write(&job)?;
        self.jobs.push(job.clone());
        Ok(job)
    }

    /// The jobs due at `now`, oldest first.
    pub fn due(&self, now: SystemTime) -> Vec<Job> {
        let now = unix(now);
        self.jobs.iter().filter(|j| j.next_try <= now).cloned().collect()
    }

    /// When the next job is due (`None`: the outbox is empty).
    pub fn next_due(&self) -> Option<SystemTime> {
        self.jobs
            .iter()
            .map(|j| UNIX_EPOCH + Duration::from_secs(j.next_try))
            .min()
    }

    /// `id` was delivered: it leaves the outbox.
    pub fn delivered(&mut self, id: &str) -> Result<(), Text> {
        let path = self.path(id);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(unsaved(&path, &e)),
        }
        self.jobs.retain(|j| j.id != id);
        Ok(())
    }

    /// `id` failed at `now` for `reason`: it is tried again later. Returns the wait.
    pub fn failed(&mut self, id: &str, reason: &str, now: SystemTime) -> Result<Duration, Text> {
        let Some(i) = self.jobs.iter().position(|j| j.id == id) else {
            return Ok(Duration::ZERO);
        };
        let mut job = self.jobs[i].clone();
        let wait = BACKOFF_SECS[(job.attempts as usize).min(BACKOFF_SECS.len() - 1)];
        job.attempts += 1;
        job.next_try = unix(now) + wait;
        job.last_error = Some(reason.to_owned());
        self.write(&job)?;
        self.jobs[i] = job;
        Ok(Duration::from_secs(wait))
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn write(&self, job: &Job) -> Result<(), Text> {
        let path = self.path(&job.id);
        std::fs::create_dir_all(&self.dir).map_err(|e| unsaved(&path, &e))?;
        let bytes = serde_json::to_vec_pretty(job).map_err(|e| unsaved(&path, &e))?;
        crate::fsio::write_atomic(&path, &bytes).map_err(|e| unsaved(&path, &e))
    }
}

fn unsaved(path: &Path, e: &dyn std::fmt::Display) -> Text {
    Text::new("outbox-unsaved")
        .arg("path", path.display())
        .arg("reason", e)
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
    }

    #[test]
    fn jobs_survive_a_restart_and_back_off_until_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, problems) = Outbox::open(dir.path());
        assert!(problems.is_empty() && outbox.jobs().is_empty());
        let a = outbox.add(Path::new("/rec/a.opus"), "Desk", "Archive").unwrap();
        let b = outbox.add(Path::new("/rec/b.opus"), "Desk", "Mail").unwrap();
        assert_eq!(outbox.due(at(0)).len(), 2, "new jobs are due at once");

        assert_eq!(
            outbox.failed(&a.id, "refused", at(0)).unwrap(),
            Duration::from_secs(30)
        );
        assert_eq!(outbox.due(at(29)), std::slice::from_ref(&b));
        assert_eq!(outbox.due(at(30)).len(), 2);
        assert_eq!(
            outbox.failed(&a.id, "refused", at(30)).unwrap(),
            Duration::from_secs(60)
        );
        for _ in 0..6 {
            outbox.failed(&a.id, "refused", at(100)).unwrap();
        }
        assert_eq!(
            outbox.failed(&a.id, "still refused", at(100)).unwrap(),
            Duration::from_secs(3600),
            "hourly, never given up"
        );

        // Closed and opened again: both jobs, with their attempts, are still there.
        let (mut again, problems) = Outbox::open(dir.path());
        assert!(problems.is_empty());
        let kept = again.jobs().iter().find(|j| j.id == a.id).unwrap();
        assert_eq!(
            (kept.attempts, kept.last_error.as_deref()),
            (9, Some("still refused"))
        );
        assert_eq!(again.next_due(), Some(UNIX_EPOCH), "b is due since it was queued");
        again.delivered(&b.id).unwrap();
        again.delivered(&a.id).unwrap();
        assert!(again.jobs().is_empty());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no file left behind"
        );
    }

    #[test]
    fn a_damaged_job_is_named_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, _) = Outbox::open(dir.path());
        outbox.add(Path::new("/rec/a.opus"), "Desk", "Archive").unwrap();
        let bad = dir.path().join("broken.json");
        std::fs::write(&bad, b"{ half").unwrap();
        let (again, problems) = Outbox::open(dir.path());
        assert_eq!(again.jobs().len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].to_string().contains("broken.json"), "{}", problems[0]);
        assert_eq!(std::fs::read(&bad).unwrap(), b"{ half", "kept for the user");
    }
}
