//! Crash safety: a child process saves in a loop and is killed with SIGKILL at random moments;
//! after every kill what is stored loads and equals a state that was fully written. Two
//! writers: the profile store (accounts and workspace) and the recording outbox.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use handset::account::SipAccount;
use handset::account::model::AccountId;
use handset::account::store::{Document, ProfilePaths, Store, StoreError};
use handset::account::workspace::{PhoneNumber, User};
use handset::phone::outbox::Outbox;

use crate::common::KillOnDrop;

const KILLS: usize = 1000;

/// The state written in generation `n` (sizes vary so writes differ in length).
fn state(n: u64, profile_id: &str) -> Document {
    let mut doc = Document {
        profile_id: profile_id.to_owned(),
        ..Document::default()
    };
    doc.workspace.users.push(User {
        name: format!("generation {n}"),
        email: None,
    });
    for i in 0..(n % 97) {
        doc.workspace.phone_numbers.push(PhoneNumber {
            number: format!("+1415555{:04}", i),
            label: format!("label {n}/{i} {}", "x".repeat((n % 13) as usize * 40)),
        });
    }
    for i in 0..(n % 7) {
        let mut account = SipAccount {
            id: AccountId(format!("account-{i}")),
            name: format!("Desk {n}/{i}"),
            ..SipAccount::default()
        };
        account.inbound.did_numbers = (0..n % 5).map(|d| format!("+1415555{d:04}")).collect();
        doc.accounts.push(account);
    }
    doc
}

fn generation(doc: &Document) -> u64 {
    doc.workspace
        .users
        .first()
        .and_then(|u| u.name.strip_prefix("generation "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The store's child: continues from the stored generation and saves forever, reporting each save.
#[test]
#[ignore = "runs as the child process of store_survives_sigkill_at_random_moments"]
fn crash_child_saver() {
    let dir = std::env::var("HANDSET_CRASH_DIR").expect("HANDSET_CRASH_DIR");
    let store = Store::open(ProfilePaths::portable(dir.as_ref())).unwrap();
    let mut n = generation(&store.load().unwrap());
    println!("start {n}");
    loop {
        n += 1;
        store
            .update(|doc| {
                *doc = state(n, &doc.profile_id);
                Ok::<_, StoreError>(())
            })
            .unwrap();
        println!("saved {n}");
    }
}

/// The outbox's child: queues recordings, fails and delivers them forever, announcing each
/// change before it starts ("begin …") and after it is stored ("end …").
#[test]
#[ignore = "runs as the child process of outbox_survives_sigkill_at_random_moments"]
fn crash_child_outbox() {
    let dir = std::env::var("HANDSET_CRASH_DIR").expect("HANDSET_CRASH_DIR");
    let round = std::env::var("HANDSET_CRASH_ROUND").expect("HANDSET_CRASH_ROUND");
    let (mut outbox, problems) = Outbox::open(Path::new(&dir));
    assert!(problems.is_empty());
    println!("start");
    for k in 0u64.. {
        let jobs = outbox.jobs().len();
        if jobs < 4 {
            let recording = format!("/rec/{round}-{k}.opus");
            println!("begin add {recording}");
            let job = outbox.add(Path::new(&recording), "Desk", "Archive").unwrap();
            println!("end add {}", job.id);
        } else {
            let id = outbox.jobs()[(k as usize) % jobs].id.clone();
            if k % 3 == 2 {
                println!("begin delivered {id}");
                outbox.delivered(&id).unwrap();
            } else {
                println!("begin failed {id}");
                outbox.failed(&id, "refused", SystemTime::now()).unwrap();
            }
            println!("end");
        }
    }
}

/// A xorshift generator seeded at random (each run kills at other moments).
fn random_source() -> impl FnMut() -> u64 {
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).unwrap();
    let mut rng = u64::from_le_bytes(seed) | 1;
    move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    }
}

/// Runs the ignored test `child` of this binary on `dir`, lets it work for `micros` after it
/// printed "start…", kills it with SIGKILL and returns every line it printed.
fn run_and_kill(child: &str, dir: &Path, round: usize, micros: u64) -> Vec<String> {
    let mut process = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", child, "--ignored", "--nocapture", "--test-threads=1"])
            .env("HANDSET_CRASH_DIR", dir)
            .env("HANDSET_CRASH_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = process.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    loop {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("child started");
        // libtest may print "test NAME ... " before the child's first line.
        if let Some((_, rest)) = line.split_once("start") {
            lines.push(format!("start{rest}"));
            break;
        }
    }
    std::thread::sleep(Duration::from_micros(micros));
    process.0.kill().unwrap(); // SIGKILL on Unix
    process.0.wait().unwrap();
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    lines
}

#[test]
fn store_survives_sigkill_at_random_moments() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ProfilePaths::portable(dir.path());
    let profile_id = Store::open(paths.clone()).unwrap().load().unwrap().profile_id;
    let mut next = random_source();
    let (mut after_report, mut in_flight) = (0, 0);
    for round in 0..KILLS {
        // Let it save for a random while (0-30 ms) before the kill.
        let lines = run_and_kill("crash::crash_child_saver", dir.path(), round, next() % 30_000);
        let start: u64 = lines[0]["start ".len()..].parse().unwrap();
        let last_reported = lines
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("saved ").and_then(|n| n.parse::<u64>().ok()))
            .unwrap_or(start);

        let loaded = Store::open(paths.clone())
            .and_then(|s| s.load())
            .unwrap_or_else(|e| panic!("round {round}: the store does not load after SIGKILL: {e}"));
        let n = generation(&loaded);
        assert!(
            n == last_reported || n == last_reported + 1,
            "round {round}: loaded generation {n}, last reported {last_reported}"
        );
        let expected = if n == 0 {
            Store::open(paths.clone()).unwrap().load().unwrap()
        } else {
            state(n, &profile_id)
        };
        assert_eq!(
            loaded, expected,
            "round {round}: the loaded state was never fully written"
        );
        if n == last_reported {
            after_report += 1
        } else {
            in_flight += 1
        }
    }
    println!(
        "store: {KILLS} kills: {after_report} between saves, {in_flight} after a save the child had not reported yet"
    );
}

/// What the parent knows of the outbox: each job's recording and attempts.
type Jobs = BTreeMap<String, (PathBuf, u32)>;

fn outbox_jobs(dir: &Path, round: usize) -> Jobs {
    let (outbox, problems) = Outbox::open(dir);
    assert!(
        problems.is_empty(),
        "round {round}: damaged outbox files after SIGKILL: {problems:?}"
    );
    outbox
        .jobs()
        .iter()
        .map(|j| (j.id.clone(), (j.recording.clone(), j.attempts)))
        .collect()
}

#[test]
fn outbox_survives_sigkill_at_random_moments() {
    let dir = tempfile::tempdir().unwrap();
    let mut next = random_source();
    let mut known = Jobs::new();
    let (mut settled, mut in_flight, mut changes) = (0, 0, 0);
    for round in 0..KILLS {
        let lines = run_and_kill("crash::crash_child_outbox", dir.path(), round, next() % 30_000);
        // Replay the finished changes; keep the one begun and not reported done.
        let mut pending: Option<(&str, &str)> = None;
        for line in &lines[1..] {
            if let Some(rest) = line.strip_prefix("begin ") {
                pending = Some(rest.split_once(' ').unwrap());
            } else if let Some(rest) = line.strip_prefix("end") {
                let (op, arg) = pending.take().expect("end after begin");
                match op {
                    "add" => {
                        let id = rest.strip_prefix(" add ").expect("end add ID");
                        known.insert(id.to_owned(), (PathBuf::from(arg), 0));
                    }
                    "failed" => known.get_mut(arg).unwrap().1 += 1,
                    _ => {
                        known.remove(arg);
                    }
                }
                changes += 1;
            }
        }
        let loaded = outbox_jobs(dir.path(), round);
        let temporaries = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().contains(".tmp-")
            })
            .count();
        assert_eq!(temporaries, 0, "round {round}: temporaries left after opening");
        if loaded == known {
            settled += 1;
            continue;
        }
        // The change in flight at the kill was stored whole.
        let (op, arg) = pending.unwrap_or_else(|| {
            panic!("round {round}: the outbox differs and no change was in flight: {loaded:?} vs {known:?}")
        });
        let mut after = known.clone();
        match op {
            "add" => {
                let new: Vec<_> = loaded.keys().filter(|id| !known.contains_key(*id)).collect();
                assert_eq!(new.len(), 1, "round {round}: {loaded:?} vs {known:?}");
                after.insert(new[0].clone(), (PathBuf::from(arg), 0));
            }
            "failed" => after.get_mut(arg).unwrap().1 += 1,
            _ => {
                after.remove(arg);
            }
        }
        assert_eq!(
            loaded, after,
            "round {round}: the outbox holds a state that was never fully written ({op} {arg} in flight)"
        );
        known = after;
        in_flight += 1;
    }
    println!(
        "outbox: {KILLS} kills, {changes} reported changes: {settled} between changes, {in_flight} after a change the child had not reported yet"
    );
}
