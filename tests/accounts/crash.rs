//! Crash safety: a child process saves the profile in a loop and is killed with SIGKILL at
//! random moments; after every kill the store loads and equals a state that was fully written.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use handset::account::store::{Document, ProfilePaths, Store, StoreError};
use handset::account::workspace::{PhoneNumber, User};

const KILLS: usize = 220;

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

/// The child: continues from the stored generation and saves forever, reporting each save.
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

/// Ends the child even when an assertion fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn store_survives_sigkill_at_random_moments() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ProfilePaths::portable(dir.path());
    let profile_id = Store::open(paths.clone()).unwrap().load().unwrap().profile_id;
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).unwrap();
    let mut rng = u64::from_le_bytes(seed) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut after_report, mut in_flight) = (0, 0);
    for round in 0..KILLS {
        let mut child = KillOnDrop(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "crash::crash_child_saver",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("HANDSET_CRASH_DIR", dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let stdout = child.0.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // Wait until the child runs, then let it save for a random while (0-30 ms) and kill it.
        let start: u64 = loop {
            let line = rx.recv_timeout(Duration::from_secs(30)).expect("child started");
            // libtest may print "test NAME ... " before the child's first line.
            if let Some((_, n)) = line.rsplit_once("start ") {
                break n.parse().unwrap();
            }
        };
        std::thread::sleep(Duration::from_micros(next() % 30_000));
        child.0.kill().unwrap(); // SIGKILL on Unix
        child.0.wait().unwrap();
        reader.join().unwrap();
        let last_reported = rx
            .try_iter()
            .filter_map(|l| l.strip_prefix("saved ").and_then(|n| n.parse::<u64>().ok()))
            .last()
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
        "{KILLS} kills: {after_report} between saves, {in_flight} after a save the child had not reported yet"
    );
}
