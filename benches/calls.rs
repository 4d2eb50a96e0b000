//! Speech quality under packet loss and jitter: a bench binary (`cargo bench --bench calls`,
//! or `packaging/run-bench.sh`) that sends the PESQ speech reference from a baresip phone
//! through Kamailio and the impairing RTP relay of `tests/sip/rtp_relay.rs` to (a) Handset and
//! (b) a baresip phone, both recording what they hear, with the same loss pattern (same seed),
//! and prints the PESQ MOS-LQO of each, the loss each receiver saw, and Handset's score as a
//! share of baresip's: once with 5 % random loss and 0–30 ms random extra delay in both
//! directions, once unimpaired as the baseline.
//!
//! Needs what the SIP tests need (`packaging/setup.sh test`: Kamailio, baresip, the PESQ
//! environment) and a Secret Service for Handset's passwords (`packaging/run-bench.sh` starts a
//! private one). `HANDSET_BENCH_RUNS=N` repeats every impaired call with seeds 1..=N and
//! averages (default 1). Run without `--bench` (as `cargo test --all-targets` does) it only
//! checks the relay's control protocol and exits.
//!
//! It then measures the CPU time of one active Opus call over 30 s: a baresip phone calls (a)
//! Handset (`listen --auto-answer`, sending a speech-like file) and (b) a baresip phone (sending
//! the same file), one after the other, and prints the user+system CPU seconds each callee
//! process used during the same 30 s of the established call, and the ratio.

#![allow(dead_code)]

#[path = "../tests/sip/audio.rs"]
mod audio;
#[path = "../tests/sip/handset.rs"]
mod handset;
#[path = "../tests/sip/peers.rs"]
mod peers;
#[path = "../tests/sip/pesq.rs"]
mod pesq;
#[path = "../tests/sip/rtp_relay.rs"]
mod rtp_relay;

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use handset::Profile;
use peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};
use rtp_relay::{DirectionStats, Impairment, RelayOptions, RtpRelay};

const T: Duration = Duration::from_secs(10);
/// The reference lasts 9.4 s; the player hangs up when it ends.
const CALL: Duration = Duration::from_secs(30);

/// One codec.
#[derive(Debug, Clone, Copy)]
struct Codec {
    name: &'static str,
    handset: &'static str,
    baresip: &'static str,
    wideband: bool,
}

const CODECS: [Codec; 2] = [
    Codec {
        name: "Opus (WB)",
        handset: "opus",
        baresip: "opus/48000/2",
        wideband: true,
    },
    Codec {
        name: "PCMU (NB)",
        handset: "pcmu",
        baresip: "PCMU",
        wideband: false,
    },
];

impl Codec {
    fn reference(&self) -> &'static Path {
        Path::new(if self.wideband {
            pesq::REF_16K
        } else {
            pesq::REF_8K
        })
    }
}

/// What one receiver made of one call.
#[derive(Debug, Clone, Default)]
struct Heard {
    mos: f64,
    /// Packets the receiver counted as received and as lost.
    received: f64,
    lost: f64,
    /// What the relay did on the way to the receiver.
    relay: DirectionStats,
    /// The receiver's own report (Handset's media line, baresip's RTCP summary).
    report: String,
}

impl Heard {
    fn loss_percent(&self) -> f64 {
        let all = self.received + self.lost;
        if all > 0.0 { self.lost / all * 100.0 } else { 0.0 }
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        smoke();
        return;
    }
    let runs: u64 = std::env::var("HANDSET_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1);
    let python = pesq::python();
    let started = Instant::now();
    let relay = RtpRelay::start(RelayOptions::default());
    let k = Kamailio::start(KamailioOptions {
        rtpproxy: Some(relay.control_addr()),
        ..KamailioOptions::default()
    });
    let impaired = Impairment::new(0.05, Duration::from_millis(30));
    let conditions: [(&str, Impairment, u64); 2] = [
        ("5 % loss, 30 ms jitter", impaired, runs),
        ("none (baseline)", Impairment::NONE, 1),
    ];
    println!(
        "Speech quality through Kamailio + the impairing relay (both directions), PESQ MOS-LQO; \
         {runs} run(s) per impaired case"
    );
    let mut lines = Vec::new();
    for codec in CODECS {
        let bench = Bench::new(&k, codec);
        for (label, impairment, n) in conditions {
            let (mut handset, mut baresip) = (Vec::new(), Vec::new());
            for seed in 1..=n {
                relay.set_options(RelayOptions::both_ways(impairment, seed));
                for (who, heard) in [
                    ("Handset", bench.to_handset(&relay, &python, seed)),
                    ("baresip", bench.to_baresip(&k, &relay, &python, seed)),
                ] {
                    eprintln!(
                        "{} / {label} / seed {seed} / {who}: MOS {:.2}; relay {:?}; {}",
                        codec.name, heard.mos, heard.relay, heard.report
                    );
                    if who == "Handset" {
                        handset.push(heard);
                    } else {
                        baresip.push(heard);
                    }
                }
            }
            let (h, b) = (mean(&handset), mean(&baresip));
            for (who, x) in [("Handset", &h), ("baresip", &b)] {
                eprintln!(
                    "{} / {label} / {who}: MOS {:.2}, lost {:.1} % ({:.1} of {:.0}), relay dropped {} of {}",
                    codec.name,
                    x.mos,
                    x.loss_percent(),
                    x.lost,
                    x.received + x.lost,
                    x.relay.rtp_dropped,
                    x.relay.rtp_in
                );
            }
            lines.push(format!(
                "| {} | {label} | {:.2} | {:.2} | {:.2} | {:.1} % | {:.1} % |",
                codec.name,
                h.mos,
                b.mos,
                h.mos / b.mos,
                h.loss_percent(),
                b.loss_percent()
            ));
        }
    }
    println!(
        "\n| Codec | Impairment | Handset | baresip | Handset / baresip | loss seen by Handset | by baresip |\n\
         |---|---|---|---|---|---|---|"
    );
    // Handset counts over the whole call; baresip's figure is its last RTCP report's.
    for l in lines {
        println!("{l}");
    }
    cpu_per_call(&k);
    println!("\n({:.0?})", started.elapsed());
}

/// User + system CPU time of a process so far (`/proc/PID/stat`, fields 14 and 15).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces: count fields after its closing parenthesis.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<i64> = after.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    // After the name: state (not a number, skipped), then ppid …; utime and stime are the 11th
    // and 12th numbers, in clock ticks (100 per second on Linux).
    let ticks = fields.get(10).copied().unwrap_or(0) + fields.get(11).copied().unwrap_or(0);
    Duration::from_millis(ticks.max(0) as u64 * 10)
}

/// CPU seconds of one 30 s Opus call: Handset's callee process vs baresip's.
fn cpu_per_call(k: &Kamailio) {
    const SECONDS: u64 = 30;
    let dir = tempfile::tempdir().expect("temp dir");
    // 40 s of a speech-like signal at 48 kHz: tones under a syllable-rate envelope.
    let source = dir.path().join("talk.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&source, spec).expect("wav");
    for i in 0..48000 * 40 {
        let t = f64::from(i) / 48000.0;
        let env = (t * 4.0 * std::f64::consts::PI).sin().abs();
        let v = ((t * 210.0 * std::f64::consts::TAU).sin() * 6000.0
            + (t * 1400.0 * std::f64::consts::TAU).sin() * 2000.0)
            * env;
        w.write_sample(v as i16).expect("wav");
    }
    w.finalize().expect("wav");
    let phone = |user: &str, source: Option<&Path>| {
        k.add_subscriber(user, "pw-cpu");
        Baresip::start(
            k,
            BaresipOptions {
                codecs: Some("opus/48000/2".into()),
                source: source.map(Path::to_path_buf),
                ..BaresipOptions::new(user, "pw-cpu")
            },
        )
    };
    let measure = |pid: u32| {
        std::thread::sleep(Duration::from_secs(1));
        let before = cpu_time(pid);
        std::thread::sleep(Duration::from_secs(SECONDS));
        cpu_time(pid).saturating_sub(before)
    };

    // (a) Handset answers.
    let caller = phone("cpu-caller-a", Some(&source));
    let alice = Profile::new(k, "cpu-handset", "pw-cpu", "udp");
    alice.edit(&["--codecs", "opus"]);
    let hangup = (SECONDS + 5).to_string();
    let play = source.to_string_lossy().into_owned();
    let mut run = alice.spawn(&[
        "listen",
        "A",
        "--auto-answer",
        "--max-calls",
        "1",
        "--hangup-after",
        &hangup,
        "--play",
        &play,
    ]);
    run.wait_line("registered", Duration::from_secs(10));
    caller.dial(&alice.uri());
    caller.wait_event("CALL_ESTABLISHED", Duration::from_secs(10));
    let handset_cpu = measure(run.pid());
    caller.hangup();
    let (_, out) = run.finish(Duration::from_secs(20));
    let media = out
        .lines()
        .find(|l| l.contains(": media: "))
        .unwrap_or("no media line")
        .to_owned();

    // (b) baresip answers.
    let caller = phone("cpu-caller-b", Some(&source));
    let callee = phone("cpu-baresip", Some(&source));
    callee.clear_events();
    caller.dial(&callee.sip_uri());
    callee.wait_event("CALL_ESTABLISHED", Duration::from_secs(10));
    let baresip_cpu = callee.pid().map(measure).unwrap_or_default();
    caller.hangup();

    println!("\nCPU time of the callee process during {SECONDS} s of an established Opus call (loopback):");
    println!("| Callee | CPU seconds | share of one core |\n|---|---|---|");
    for (who, cpu) in [("Handset", handset_cpu), ("baresip", baresip_cpu)] {
        println!(
            "| {who} | {:.2} | {:.2} % |",
            cpu.as_secs_f64(),
            cpu.as_secs_f64() / SECONDS as f64 * 100.0
        );
    }
    println!(
        "Handset / baresip: {:.2}  (Handset: {media})",
        handset_cpu.as_secs_f64() / baresip_cpu.as_secs_f64().max(0.001)
    );
}

fn mean(xs: &[Heard]) -> Heard {
    let n = xs.len() as f64;
    let mut m = Heard::default();
    for x in xs {
        m.mos += x.mos / n;
        m.received += x.received / n;
        m.lost += x.lost / n;
        m.relay.rtp_in += x.relay.rtp_in;
        m.relay.rtp_dropped += x.relay.rtp_dropped;
    }
    m
}

/// The phones of one codec: the player (baresip, the reference as its microphone) and Handset.
struct Bench {
    codec: Codec,
    player: Baresip,
    handset: Profile,
    dir: tempfile::TempDir,
}

impl Bench {
    fn new(k: &Kamailio, codec: Codec) -> Bench {
        let tag = codec.handset;
        let user = format!("player-{tag}");
        k.add_subscriber(&user, "pw-player");
        let player = Baresip::start(
            k,
            BaresipOptions {
                codecs: Some(codec.baresip.into()),
                source: Some(codec.reference().to_path_buf()),
                ..BaresipOptions::new(&user, "pw-player")
            },
        );
        let handset = Profile::new(k, &format!("handset-{tag}"), "pw-handset", "udp");
        handset.edit(&["--codecs", &format!("{},telephone-event", codec.handset)]);
        Bench {
            codec,
            player,
            handset,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The player calls Handset, which records; the score and the loss Handset printed.
    fn to_handset(&self, relay: &RtpRelay, python: &Path, seed: u64) -> Heard {
        let heard = self
            .dir
            .path()
            .join(format!("handset-{seed}-{}.wav", relay.sessions_created()));
        let before = relay.stats().to_callee;
        let mut run = self.handset.spawn(&[
            "listen",
            "A",
            "--auto-answer",
            "--max-calls",
            "1",
            "--record",
            heard.to_str().expect("UTF-8 path"),
        ]);
        run.wait_line("registered", T);
        self.player.clear_events();
        self.player.dial(&self.handset.uri());
        self.player.wait_event("CALL_ESTABLISHED", T);
        self.player.wait_event("CALL_CLOSED", CALL);
        let (code, out) = run.finish(T);
        assert_eq!(code, 0, "Handset's listen failed:\n{out}");
        let line = out
            .lines()
            .find(|l| l.contains(": media: "))
            .unwrap_or_else(|| panic!("no media line from Handset:\n{out}"));
        Heard {
            mos: scored(python, self.codec, &heard),
            received: figure(line, "received").unwrap_or_else(|| panic!("{line}")),
            lost: figure(line, "lost").unwrap_or_else(|| panic!("{line}")),
            relay: delta(relay.stats().to_callee, before),
            report: line.to_owned(),
        }
    }

    /// The player calls a fresh baresip phone that records; the score and its RTCP summary's
    /// receive loss.
    fn to_baresip(&self, k: &Kamailio, relay: &RtpRelay, python: &Path, seed: u64) -> Heard {
        let n = relay.sessions_created();
        let user = format!("rec-{}-{seed}-{n}", self.codec.handset);
        k.add_subscriber(&user, "pw-rec");
        let record_dir = self.dir.path().join(&user);
        let recorder = Baresip::start(
            k,
            BaresipOptions {
                codecs: Some(self.codec.baresip.into()),
                record_dir: Some(record_dir.clone()),
                ..BaresipOptions::new(&user, "pw-rec")
            },
        );
        let before = relay.stats().to_callee;
        self.player.clear_events();
        self.player.dial(&recorder.sip_uri());
        self.player.wait_event("CALL_ESTABLISHED", T);
        self.player.wait_event("CALL_CLOSED", CALL);
        recorder.wait_event("CALL_CLOSED", T);
        let wav = wait_for(|| decoded_recording(&record_dir), "baresip's recording");
        let summary = wait_for(
            || {
                recorder
                    .log()
                    .lines()
                    .find(|l| l.contains("EX=BareSip;"))
                    .map(str::to_owned)
            },
            "baresip's RTCP summary",
        );
        Heard {
            mos: scored(python, self.codec, &wav),
            received: figure(&summary, "PR=").unwrap_or_else(|| panic!("{summary}")),
            lost: figure(&summary, "PL=").unwrap_or_else(|| panic!("{summary}")),
            relay: delta(relay.stats().to_callee, before),
            report: summary,
        }
    }
}

fn scored(python: &Path, codec: Codec, recording: &Path) -> f64 {
    match pesq::score(python, codec.reference(), recording, codec.wideband) {
        Ok((mos, _)) => mos,
        Err(e) => panic!("{}: {e}", recording.display()),
    }
}

fn delta(after: DirectionStats, before: DirectionStats) -> DirectionStats {
    DirectionStats {
        rtp_in: after.rtp_in - before.rtp_in,
        rtp_forwarded: after.rtp_forwarded - before.rtp_forwarded,
        rtp_dropped: after.rtp_dropped - before.rtp_dropped,
        other_forwarded: after.other_forwarded - before.other_forwarded,
        undeliverable: after.undeliverable - before.undeliverable,
    }
}

fn wait_for<R>(mut f: impl FnMut() -> Option<R>, what: &str) -> R {
    let deadline = Instant::now() + T;
    loop {
        if let Some(r) = f() {
            return r;
        }
        assert!(Instant::now() < deadline, "no {what} within {T:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// baresip's `sndfile` writes `dump-<time>-dec.wav` (what it heard).
fn decoded_recording(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
}

/// The number after `key` in `text` ("lost 12," → 12).
fn figure(text: &str, key: &str) -> Option<f64> {
    let rest = &text[text.find(key)? + key.len()..];
    let num: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    num.parse().ok()
}

/// Under `cargo test`: the relay answers the rtpproxy version queries as Kamailio expects.
fn smoke() {
    let relay = RtpRelay::start(RelayOptions::default());
    let socket = UdpSocket::bind("127.0.0.1:0").expect("socket");
    socket.set_read_timeout(Some(T)).expect("timeout");
    let ask = |command: &str| {
        socket
            .send_to(format!("4711_1 {command}").as_bytes(), relay.control_addr())
            .expect("send");
        let mut buf = [0u8; 256];
        let n = socket.recv(&mut buf).expect("relay reply");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    assert_eq!(ask("V"), "4711_1 20040107\n");
    assert_eq!(ask("VF 20050322"), "4711_1 1\n");
    assert_eq!(ask("L call-x 127.0.0.1 4000 a;1 b;1"), "4711_1 E8\n");
    println!(
        "calls: the speech-quality benchmark runs with `cargo bench --bench calls` \
         (packaging/run-bench.sh); relay control protocol ok"
    );
}
