//! Speech quality per codec, both ways, scored with PESQ (ITU-T P.862): Handset plays a speech
//! reference into a call that a baresip phone records, and a baresip phone plays it into a call
//! that Handset records; `tests/tools/pesq_score.py` aligns each recording with the reference
//! and scores it (MOS-LQO, narrowband for the 8 kHz codecs, wideband for G.722 and Opus).
//!
//! The scorer runs in the Python environment that `packaging/setup.sh test` creates; its
//! interpreter is `HANDSET_PESQ_PYTHON` (exported by `packaging/run-tests.sh`), by default
//! `${XDG_CACHE_HOME:-~/.cache}/handset/pesq-venv/bin/python`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::audio::decoded_recording;
use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};
use crate::pesq;

const T: Duration = Duration::from_secs(10);
/// Handset hangs up this long after the answer: the reference plus room for the path's delay.
const CALL_SECONDS: &str = "10";

/// One codec (and media type) to score both ways.
#[derive(Debug, Clone, Copy)]
struct Case {
    /// Label in the score table.
    name: &'static str,
    /// Handset's `--codecs` (telephone-event is added).
    handset_codec: &'static str,
    /// baresip's `audio_codecs`.
    baresip_codec: &'static str,
    /// PESQ wideband (16 kHz reference) or narrowband (8 kHz).
    wideband: bool,
    /// Lowest MOS-LQO accepted in either direction (see the table in [`plain_rtp_cases`]).
    threshold: f64,
    /// How the media is carried.
    media: Media,
}

/// RTP over UDP signalling, SRTP-SDES over TLS, or SRTP-DTLS over UDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    Rtp,
    Sdes,
    Dtls,
}

impl Case {
    fn reference(&self) -> &'static Path {
        Path::new(if self.wideband {
            pesq::REF_16K
        } else {
            pesq::REF_8K
        })
    }

    fn transport(&self) -> &'static str {
        if self.media == Media::Sdes { "tls" } else { "udp" }
    }
}

/// One scored recording.
#[derive(Debug)]
struct Score {
    case: Case,
    direction: &'static str,
    mos: Result<f64, String>,
}

/// MOS-LQO of `recording` against the case's reference, or the scorer's complaint.
fn score(python: &Path, case: &Case, recording: &Path) -> Result<f64, String> {
    let (mos, notes) = pesq::score(python, case.reference(), recording, case.wideband)?;
    eprintln!("{}: {notes}", case.name);
    Ok(mos)
}

/// The phones of one case, all registered at (or known to) Kamailio before the first call:
/// Kamailio reads its SQLite subscriber table without waiting for a lock, so adding a
/// subscriber while it authenticates another case's request would make that request fail.
struct Phones {
    case: Case,
    dir: tempfile::TempDir,
    /// Answers Handset's call and records what it hears (`sndfile`).
    listener: Baresip,
    caller: Profile,
    /// Calls Handset and plays the reference.
    player: Baresip,
    callee: Profile,
}

impl Phones {
    fn new(k: &Kamailio, case: Case) -> Phones {
        let dir = tempfile::tempdir().expect("temp dir");
        let name = case.name.to_lowercase();
        let record_dir = dir.path().join("baresip-heard");
        Phones {
            listener: baresip(k, &case, &format!("rx-{name}"), Some(record_dir), false),
            caller: handset(k, &case, &format!("alice-{name}")),
            player: baresip(k, &case, &format!("tx-{name}"), None, true),
            callee: handset(k, &case, &format!("carol-{name}")),
            case,
            dir,
        }
    }

    /// Both directions, one after the other; the two recordings, each with Handset's media
    /// report of the call (what it sent or received, lost, concealed and dropped as late).
    fn calls(&self) -> [Recording; 2] {
        let (heard_by_baresip, sent) = self.handset_to_baresip();
        let (heard_by_handset, received) = self.baresip_to_handset();
        [
            Recording {
                case: self.case,
                direction: "handset→baresip",
                wav: heard_by_baresip,
                media: sent,
            },
            Recording {
                case: self.case,
                direction: "baresip→handset",
                wav: heard_by_handset,
                media: received,
            },
        ]
    }

    /// Handset calls the listener and plays the reference; the WAV of what baresip decoded.
    fn handset_to_baresip(&self) -> (PathBuf, String) {
        let (case, bob) = (&self.case, &self.listener);
        let reference = case.reference().to_str().expect("UTF-8 path");
        let run = self.caller.spawn(&[
            "call",
            "A",
            &bob.sip_uri(),
            "--play",
            reference,
            "--duration",
            CALL_SECONDS,
        ]);
        bob.wait_event("CALL_ESTABLISHED", T);
        let (code, out) = run.finish(Duration::from_secs(30));
        assert_eq!(code, 0, "{}: Handset's call failed:\n{out}", case.name);
        let media = media_report(&out);
        bob.wait_event("CALL_CLOSED", T);
        // baresip closes its recordings when the call's audio stream goes away.
        let record_dir = self.dir.path().join("baresip-heard");
        let deadline = Instant::now() + T;
        loop {
            if let Some(wav) = decoded_recording(&record_dir) {
                return (wav, media);
            }
            assert!(
                Instant::now() < deadline,
                "{}: baresip left no recording of the call in {}:\n{}",
                case.name,
                record_dir.display(),
                bob.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The player calls Handset and plays the reference (it hangs up when the file ends);
    /// the WAV Handset recorded.
    fn baresip_to_handset(&self) -> (PathBuf, String) {
        let (case, bob) = (&self.case, &self.player);
        let heard = self.dir.path().join("handset-heard.wav");
        let run = self
            .callee
            .listen_once(&["--record", heard.to_str().expect("UTF-8 path")]);
        bob.dial(&self.callee.uri());
        bob.wait_event("CALL_ESTABLISHED", T);
        bob.wait_event("CALL_CLOSED", Duration::from_secs(30));
        let (code, out) = run.finish(T);
        assert_eq!(code, 0, "{}: Handset's listen failed:\n{out}", case.name);
        assert!(heard.exists(), "{}: Handset recorded nothing:\n{out}", case.name);
        (heard, media_report(&out))
    }
}

/// Handset's media report line of its call ("call-N: media: sent …, received …, concealed …").
fn media_report(out: &str) -> String {
    out.lines()
        .find(|l| l.contains(": media: "))
        .unwrap_or("no media report")
        .to_owned()
}

/// One call's recording, to be scored once every call has ended.
struct Recording {
    case: Case,
    direction: &'static str,
    wav: PathBuf,
    media: String,
}

/// A registered baresip for the case: records what it hears into `record_dir`, or plays the
/// reference as its microphone.
fn baresip(k: &Kamailio, case: &Case, user: &str, record_dir: Option<PathBuf>, play: bool) -> Baresip {
    Baresip::start(
        k,
        BaresipOptions {
            codecs: Some(case.baresip_codec.into()),
            source: play.then(|| case.reference().to_path_buf()),
            record_dir,
            transport: case.transport(),
            mediaenc: match case.media {
                Media::Rtp => None,
                Media::Sdes => Some("srtp-mand".to_owned()),
                Media::Dtls => Some("dtls_srtp".to_owned()),
            },
            ..BaresipOptions::new(user, &format!("pw-{user}"))
        },
    )
}

/// A Handset profile that offers and accepts only the case's codec (and media type).
fn handset(k: &Kamailio, case: &Case, user: &str) -> Profile {
    let p = Profile::new(k, user, &format!("pw-{user}"), case.transport());
    p.edit(&["--codecs", &format!("{},telephone-event", case.handset_codec)]);
    match case.media {
        Media::Rtp => {}
        Media::Sdes => p.edit(&["--media-types", "srtp-sdes"]),
        Media::Dtls => p.edit(&["--media-types", "srtp-dtls"]),
    }
    p
}

/// Sets up every case's phones, runs the cases' calls in parallel threads (each call is real
/// time, ~10 s) on one Kamailio, then scores the recordings (after the calls: the scorer's
/// CPU load is the test's own and must not starve calls still running on these 2 cores);
/// prints a table line per score, then checks them all.
fn score_cases(cases: &[Case]) {
    let python = pesq::python();
    let k = Kamailio::start(KamailioOptions::default());
    let phones: Vec<Phones> = cases.iter().map(|case| Phones::new(&k, *case)).collect();
    let started = Instant::now();
    let recordings: Vec<Recording> = std::thread::scope(|s| {
        let workers: Vec<_> = phones.iter().map(|p| s.spawn(move || p.calls())).collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let calls_took = started.elapsed();
    let scores: Vec<Score> = std::thread::scope(|s| {
        let workers: Vec<_> = recordings
            .iter()
            .map(|r| {
                let python = &python;
                s.spawn(move || {
                    eprintln!("{} {}: Handset's {}", r.case.name, r.direction, r.media);
                    Score {
                        case: r.case,
                        direction: r.direction,
                        mos: score(python, &r.case, &r.wav),
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut table = format!(
        "PESQ MOS-LQO of {} recordings (calls {:.0?}, all {:.0?})\n{:<10} {:<16} {:>6} {:>9}\n",
        scores.len(),
        calls_took,
        started.elapsed(),
        "codec",
        "direction",
        "MOS",
        "threshold"
    );
    for s in &scores {
        let mos = s
            .mos
            .as_ref()
            .map_or_else(|_| "error".to_owned(), |m| format!("{m:.2}"));
        table += &format!(
            "{:<10} {:<16} {mos:>6} {:>9.1}\n",
            s.case.name, s.direction, s.case.threshold
        );
    }
    // Straight to stderr in one write, past the test harness's capture: the scores belong in
    // every test log, passed or failed.
    let _ = std::io::stderr().write_all(table.as_bytes());
    let failures: Vec<String> = scores
        .iter()
        .filter_map(|s| match &s.mos {
            Ok(m) if *m >= s.case.threshold => None,
            Ok(m) => Some(format!(
                "{} {}: MOS-LQO {m:.2} is below {:.1}",
                s.case.name, s.direction, s.case.threshold
            )),
            Err(e) => Some(format!("{} {}: {e}", s.case.name, s.direction)),
        })
        .collect();
    assert!(
        failures.is_empty(),
        "speech quality too low:\n{}",
        failures.join("\n")
    );
}

/// The codecs Handset and baresip share, over RTP/UDP. Thresholds are the lowest MOS-LQO
/// measured on loopback (2-core Debian 12, both directions, same scores run after run; README
/// "Call quality") less about 0.45, so that a jitter buffer, which on loopback neither loses nor
/// reorders, still passes, while real damage fails: on the G.711 recording, silencing one
/// 20 ms frame in 25 scores 2.8 and a 1 % clock-rate error 3.4.
///
/// | codec | measured (Handset→baresip / baresip→Handset) | threshold |
/// |---|---|---|
/// | PCMU (NB) | 4.11 / 4.11 | 3.6 |
/// | PCMA (NB) | 4.10 / 4.10 | 3.6 |
/// | GSM (NB)  | 2.54 / 2.56 | 2.1 |
/// | G.722 (WB) | 3.27 / 3.23 | 2.8 |
/// | Opus 32 kbit/s (WB) | 3.99 / 3.73 | 3.3 |
///
/// GSM and G.722 score below their usual published figures with this synthetic voice, but
/// encoding the reference offline (sox's GSM 06.10, ffmpeg's G.722) gives the same 2.56 and
/// 3.23: the codecs set these scores, not the calls.
fn plain_rtp_cases() -> Vec<Case> {
    let case = |name, handset_codec, baresip_codec, wideband, threshold| Case {
        name,
        handset_codec,
        baresip_codec,
        wideband,
        threshold,
        media: Media::Rtp,
    };
    vec![
        case("PCMU", "pcmu", "PCMU", false, 3.6),
        case("PCMA", "pcma", "PCMA", false, 3.6),
        case("GSM", "gsm", "GSM", false, 2.1),
        case("G722", "g722", "G722", true, 2.8),
        case("opus", "opus", "opus/48000/2", true, 3.3),
    ]
}

#[test]
fn speech_quality_per_codec_both_ways_scored_by_pesq() {
    score_cases(&plain_rtp_cases());
}

#[test]
fn speech_quality_over_srtp_sdes_and_dtls_scored_by_pesq() {
    let case = |name, media| Case {
        name,
        handset_codec: "opus",
        baresip_codec: "opus/48000/2",
        wideband: true,
        // Measured 3.99 / 3.73, as over plain RTP: encryption must not change a sample.
        threshold: 3.3,
        media,
    };
    score_cases(&[case("opus-SDES", Media::Sdes), case("opus-DTLS", Media::Dtls)]);
}
