//! A flood of INVITEs from a second process (`tests/tools/sip_flood.py`, 1000 a second for
//! 10 s over UDP, through Kamailio: Handset's UDP socket is connected to its registrar, so
//! nothing else can reach it). Handset (`listen`, its calls ring) takes a few on (four ring,
//! the rest of the burst is busy: 486) and refuses the flood with 503 + Retry-After, which
//! Kamailio passes on as 500 (RFC 3261 §16.7); memory stays bounded, the OPTIONS sent during
//! the flood are answered promptly, and a real call afterwards rings once the flood's ringing
//! calls are cancelled.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

const T: Duration = Duration::from_secs(10);

/// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
pub fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_flood_of_1000_invites_a_second_is_refused_with_bounded_memory_and_the_phone_stays_usable() {
    let k = Kamailio::start(KamailioOptions::default());
    let alice = Profile::new(&k, "flooded", "pw-flooded", "udp");
    let mut run = alice.spawn(&["listen", "A"]);
    run.wait_line("registered", T);
    let pid = run.pid();
    let before = memory_kib(pid, "VmRSS");

    let flood = Command::new("/usr/bin/python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/sip_flood.py"))
        .args(["127.0.0.1", &k.udp_port().to_string(), "flooded", "1000", "10"])
        .output()
        .expect("python3");
    assert!(
        flood.status.success(),
        "{}",
        String::from_utf8_lossy(&flood.stderr)
    );
    let report: Value = serde_json::from_slice(&flood.stdout).expect("the flooder's JSON line");
    let peak = memory_kib(pid, "VmHWM");
    let after = memory_kib(pid, "VmRSS");
    println!("flood: {report}");
    println!("Handset's memory: {before} KiB before, peak {peak} KiB, {after} KiB after");

    let count = |code: &str| report["codes"][code].as_u64().unwrap_or(0);
    let sent = report["sent"].as_u64().unwrap_or(0);
    assert!(sent >= 9_000, "the flood was sent: {report}");
    // The INVITEs Handset saw were answered; UDP beyond what it can read is dropped by the
    // kernel (and retried by Kamailio), so not every one of them reached it in the time.
    let refused = count("500") + count("503");
    assert!(refused * 2 >= sent, "most of the flood is refused: {report}");
    assert!(
        count("486") >= 1,
        "calls past those one person can take are busy: {report}"
    );
    assert!(count("180") <= 30, "only a few calls ring: {report}");
    assert_eq!(count("200"), 0, "no call was answered: {report}");
    // The phone answered its OPTIONS during the flood.
    let options = report["options_answered"].as_u64().unwrap_or(0);
    assert!(options >= 1, "OPTIONS answered during the flood: {report}");
    let slowest = report["options_ms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .fold(0.0, f64::max);
    assert!(slowest < 500.0, "an OPTIONS waited {slowest} ms: {report}");
    let grown = peak.saturating_sub(before);
    assert!(grown < 32 * 1024, "memory grew by {grown} KiB during the flood");

    // A real call after the flood rings (the flood's ringing calls were cancelled).
    let bob = Baresip::start(&k, BaresipOptions::pcmu("floodbob", "pw-floodbob"));
    bob.dial(&alice.uri());
    let incoming = run.wait_line("floodbob", T);
    assert!(incoming.contains("incoming from"), "{incoming}");
    bob.wait_event("CALL_RINGING", T);
    bob.hangup();
    run.interrupt();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
}
