//! Every fuzz target, briefly (the long runs are `cargo bench --bench fuzz`), and every input
//! that once made one panic (`tests/fuzz/<target>/`).

use std::path::Path;

use super::{Target, fuzz, run_one, targets};

/// Mutated inputs per target in a test run (debug build: a few seconds each).
const BRIEF: u64 = 3_000;

fn target(name: &str) -> Box<dyn Target> {
    targets::all()
        .into_iter()
        .find(|t| t.name() == name)
        .unwrap_or_else(|| panic!("no fuzz target {name}"))
}

/// The saved inputs of `name`, then a brief run; fails on any panic, with the input.
fn check(name: &str) {
    let mut t = target(name);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(name);
    let mut replayed = 0;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let input = std::fs::read(entry.path()).expect("regression input");
            if let Err(message) = run_one(t.as_mut(), &input) {
                panic!("{name}: {} panics again: {message}", entry.path().display());
            }
            replayed += 1;
        }
    }
    let report = fuzz(t.as_mut(), BRIEF, 0x5eed ^ name.len() as u64);
    println!(
        "{name}: {replayed} regressions, {} inputs, {} outcomes, {} panics",
        report.inputs, report.outcomes, report.panics
    );
    assert!(
        report.outcomes > 1,
        "{name}: every input had the same outcome: the target reads nothing"
    );
    if let Some(f) = report.findings.first() {
        panic!(
            "{name}: {} of {} inputs panicked; first: {}\ninput: {:?}",
            report.panics,
            report.inputs,
            f.message,
            String::from_utf8_lossy(&f.input)
        );
    }
}

#[test]
fn fuzz_sip_parser() {
    check("sip-parser");
}

#[test]
fn fuzz_sip_engine() {
    check("sip-engine");
}

#[test]
fn fuzz_sip_stream_framing() {
    check("sip-stream-framing");
}

#[test]
fn fuzz_sdp() {
    check("sdp");
}

#[test]
fn fuzz_rtp_receive() {
    check("rtp-receive");
}

#[test]
fn fuzz_rtcp() {
    check("rtcp");
}

#[test]
fn fuzz_stun() {
    check("stun");
}

#[test]
fn fuzz_dtls() {
    check("dtls");
}

#[test]
fn fuzz_csv_import() {
    check("csv-import");
}

#[test]
fn fuzz_profile_files() {
    check("profile-files");
}

#[test]
fn every_target_has_a_test() {
    let names: Vec<&str> = targets::all().iter().map(|t| t.name()).collect();
    let source = include_str!("tests.rs");
    for name in names {
        assert!(
            source.contains(&format!("check(\"{name}\")")),
            "{name} has no test"
        );
    }
}

/// The fuzzer finds a planted fault: a target that panics on one byte pattern.
#[test]
fn a_planted_panic_is_found_and_reported_with_its_input() {
    struct Planted;
    impl Target for Planted {
        fn name(&self) -> &'static str {
            "planted"
        }
        fn seeds(&mut self) -> Vec<Vec<u8>> {
            vec![b"SIP/2.0 200 OK".to_vec()]
        }
        fn dictionary(&self) -> &'static [&'static str] {
            &["4294967296"]
        }
        fn run(&mut self, input: &[u8]) -> u64 {
            let text = String::from_utf8_lossy(input);
            let code: u32 = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
            assert!(text.len() < 12 || !text.contains("4294967296"), "overflow");
            u64::from(code % 7)
        }
    }
    let report = fuzz(&mut Planted, 20_000, 3);
    let finding = report.findings.first().expect("the planted fault is found");
    assert!(finding.message.contains("overflow"), "{}", finding.message);
    assert!(String::from_utf8_lossy(&finding.input).contains("4294967296"));
    assert!(
        run_one(&mut Planted, &finding.input).is_err(),
        "the kept input panics again"
    );
}
