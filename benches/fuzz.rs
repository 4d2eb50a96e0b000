//! The fuzz targets' long run: `cargo bench --bench fuzz` (bench profile).
//!
//! `HANDSET_FUZZ_INPUTS` mutated inputs per target (default 1 000 000 under `cargo bench`; run
//! without `--bench`, as `cargo test --all-targets` does, 200 to show that it runs), `HANDSET_FUZZ_SEED`
//! (default 1), `HANDSET_FUZZ_TARGETS` a comma-separated subset. Prints a line of figures per
//! target; an input that panics is written to `target/fuzz-findings/<target>-<n>.bin` and the
//! run exits with status 1.

use std::io::Write;
use std::path::Path;

use handset::fuzz::{fuzz, targets};

fn main() {
    let inputs: u64 = std::env::var("HANDSET_FUZZ_INPUTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if std::env::args().any(|a| a == "--bench") {
            1_000_000
        } else {
            200
        });
    let seed: u64 = std::env::var("HANDSET_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let only = std::env::var("HANDSET_FUZZ_TARGETS").unwrap_or_default();
    let findings_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-findings");
    println!(
        "{:<20} {:>10} {:>9} {:>10} {:>9} {:>7} {:>7}",
        "target", "inputs", "seconds", "inputs/s", "outcomes", "corpus", "panics"
    );
    let mut failed = false;
    for mut target in targets::all() {
        if !only.is_empty() && !only.split(',').any(|n| n == target.name()) {
            continue;
        }
        let report = fuzz(target.as_mut(), inputs, seed);
        println!(
            "{:<20} {:>10} {:>9.1} {:>10.0} {:>9} {:>7} {:>7}",
            report.target,
            report.inputs,
            report.elapsed.as_secs_f64(),
            report.per_second(),
            report.outcomes,
            report.corpus,
            report.panics
        );
        let _ = std::io::stdout().flush();
        for (n, f) in report.findings.iter().enumerate() {
            failed = true;
            let _ = std::fs::create_dir_all(&findings_dir);
            let path = findings_dir.join(format!("{}-{n}.bin", report.target));
            let _ = std::fs::write(&path, &f.input);
            println!("  panic: {}\n  input: {}", f.message, path.display());
        }
    }
    if failed {
        std::process::exit(1);
    }
}
