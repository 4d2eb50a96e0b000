//! Fuzzing on stable Rust: every parser and state machine that reads bytes from the network
//! or from files a user can hand to Handset, driven by a mutation fuzzer.
//!
//! Each [`Target`] wraps the code paths Handset runs on such input (the SIP parser and the
//! whole engine, SDP negotiation, the RTP receive path with every decoder, RTCP, STUN through
//! the ICE agent, DTLS records through the handshake endpoint, TCP framing, CSV import, the
//! profile and data files). [`fuzz`] mutates each target's seed corpus (bit flips, byte runs,
//! the target's protocol tokens, numbers at their limits, splices of two inputs) and keeps an
//! input in the corpus when its outcome is one the target has not shown before (a cheap
//! feedback that needs no compiler instrumentation). A panic is a finding: the input is kept
//! and reported; once fixed it goes to `tests/fuzz/<target>/` and runs in every test run.
//!
//! `cargo bench --bench fuzz` runs a million inputs per target and prints the figures; the
//! library tests run every target briefly and replay the saved regressions.

mod mutate;
pub mod targets;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

pub use mutate::Mutator;

/// Longest input a target is given unless it asks for more (libFuzzer's default): longer
/// inputs mostly make each run slower, not new code run.
pub const MAX_INPUT: usize = 4096;
/// Most inputs kept in a target's corpus.
const MAX_CORPUS: usize = 4096;

/// Code that reads untrusted bytes.
pub trait Target {
    /// Short name (`sip-engine`, `csv`, …), also the folder of its regressions.
    fn name(&self) -> &'static str;
    /// Valid inputs to start from.
    fn seeds(&mut self) -> Vec<Vec<u8>>;
    /// Longest input to give it.
    fn max_len(&self) -> usize {
        MAX_INPUT
    }
    /// Words of the input's language, inserted by the mutator.
    fn dictionary(&self) -> &'static [&'static str] {
        &[]
    }
    /// Runs the input; returns a summary of what became of it (which error, which messages
    /// went out): a new summary puts the input in the corpus.
    fn run(&mut self, input: &[u8]) -> u64;
    /// Starts afresh after a panic left the target in an unknown state.
    fn reset(&mut self) {}
}

/// A panic the fuzzer found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub message: String,
    pub input: Vec<u8>,
}

/// The figures of one target's run.
#[derive(Debug)]
pub struct Report {
    pub target: &'static str,
    pub inputs: u64,
    pub elapsed: Duration,
    /// Distinct outcomes seen.
    pub outcomes: usize,
    pub corpus: usize,
    pub panics: u64,
    /// The first findings (at most 8), each with its input.
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn per_second(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

thread_local! {
    /// Set while this thread runs a target: its panics are caught and reported, not printed.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
    static FUZZING: RefCell<bool> = const { RefCell::new(false) };
}

/// Installs (once) a panic hook that keeps the message of a fuzzing thread's panic and hands
/// every other panic to the hook that was there before.
fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if FUZZING.with(|f| *f.borrow()) {
                let at = info.location().map(|l| format!(" at {l}")).unwrap_or_default();
                let text = crate::crash::panic_message(info);
                CAUGHT.with(|c| *c.borrow_mut() = Some(format!("{text}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs one input; the panic message if it panicked.
pub fn run_one(target: &mut dyn Target, input: &[u8]) -> Result<u64, String> {
    install_hook();
    FUZZING.with(|f| *f.borrow_mut() = true);
    let outcome = catch_unwind(AssertUnwindSafe(|| target.run(input)));
    FUZZING.with(|f| *f.borrow_mut() = false);
    outcome.map_err(|_| {
        target.reset();
        CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| "panic".to_owned())
    })
}

/// What a run has found so far.
struct Progress {
    corpus: Vec<Vec<u8>>,
    outcomes: HashSet<u64>,
    panics: u64,
    findings: Vec<Finding>,
}

impl Progress {
    /// Counts the result; a new outcome puts the input in the corpus (in place of a random
    /// one once it is full).
    fn record(&mut self, input: &[u8], result: Result<u64, String>, mutator: &mut Mutator) {
        match result {
            Ok(outcome) if self.outcomes.insert(outcome) => {
                if self.corpus.len() < MAX_CORPUS {
                    self.corpus.push(input.to_vec());
                } else {
                    let i = mutator.below(self.corpus.len());
                    self.corpus[i] = input.to_vec();
                }
            }
            Ok(_) => {}
            Err(message) => {
                self.panics += 1;
                if self.findings.len() < 8 {
                    self.findings.push(Finding {
                        message,
                        input: input.to_vec(),
                    });
                }
            }
        }
    }
}

/// Runs the target's seeds, then `inputs` mutated inputs, from `seed`.
pub fn fuzz(target: &mut dyn Target, inputs: u64, seed: u64) -> Report {
    let started = Instant::now();
    let mut mutator = Mutator::new(seed, target.dictionary(), target.max_len());
    let seeds = target.seeds();
    let mut progress = Progress {
        corpus: Vec::new(),
        outcomes: HashSet::new(),
        panics: 0,
        findings: Vec::new(),
    };
    for s in &seeds {
        let result = run_one(target, s);
        progress.record(s, result, &mut mutator);
    }
    // Every seed stays, whatever its outcome.
    for s in seeds.iter() {
        if !progress.corpus.contains(s) {
            progress.corpus.push(s.clone());
        }
    }
    if progress.corpus.is_empty() {
        progress.corpus.push(Vec::new());
    }
    let mut input = Vec::with_capacity(target.max_len());
    for _ in 0..inputs {
        mutator.next_input(&progress.corpus, &mut input);
        let result = run_one(target, &input);
        progress.record(&input, result, &mut mutator);
    }
    Report {
        target: target.name(),
        inputs: inputs + seeds.len() as u64,
        elapsed: started.elapsed(),
        outcomes: progress.outcomes.len(),
        corpus: progress.corpus.len(),
        panics: progress.panics,
        findings: progress.findings,
    }
}
