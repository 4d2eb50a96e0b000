//! Audio devices against a real PulseAudio (the one `packaging/run-tests.sh` starts, reached
//! through `PULSE_SERVER`): each test loads its own null sink, plays or records through its
//! monitor with `parec`/`paplay`, and checks the tone's pitch and level.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use handset::media::device::{AudioDevices, Capture, DeviceError, Playback, SILENT_DBFS};

use crate::audio::{analyse_recordings, any_loud_tone, level_after, wait_decoded_recording};
use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

/// A null sink of this test's own, unloaded on drop.
pub struct NullSink {
    pub name: String,
    module: String,
    loaded: std::sync::atomic::AtomicBool,
}

impl NullSink {
    pub fn new() -> NullSink {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "handset_dev_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let out = Command::new("pactl")
            .args([
                "load-module",
                "module-null-sink",
                &format!("sink_name={name}"),
                "rate=48000",
                "channels=2",
            ])
            .output()
            .expect("pactl runs (pulseaudio-utils)");
        assert!(
            out.status.success(),
            "no PulseAudio to load a null sink into (run under packaging/run-tests.sh, which sets PULSE_SERVER): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        NullSink {
            name,
            module: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            loaded: true.into(),
        }
    }

    pub fn monitor(&self) -> String {
        format!("{}.monitor", self.name)
    }

    fn unload(&self) {
        if !self.loaded.swap(false, Ordering::Relaxed) {
            return;
        }
        let _ = Command::new("pactl")
            .args(["unload-module", &self.module])
            .status();
    }
}

impl Drop for NullSink {
    fn drop(&mut self) {
        self.unload();
    }
}

/// `parec` recording a source as raw mono s16le at 48 kHz into a file; killed (by its own
/// handle) on drop.
pub struct Parec(Child, tempfile::NamedTempFile);

impl Parec {
    pub fn start(source: &str) -> Parec {
        let file = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new("parec")
            .args([
                "-d",
                source,
                "--raw",
                "--format=s16le",
                "--rate=48000",
                "--channels=1",
                "--latency-msec=20",
            ])
            .stdout(file.reopen().unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("parec runs (pulseaudio-utils)");
        // A PulseAudio stream stalls 1-2 s at start: wait until audio comes in.
        let until = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(file.path()).map_or(0, |m| m.len()) == 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        Parec(child, file)
    }

    /// What has been recorded so far (raw mono s16le at 48 kHz).
    pub fn so_far(&self) -> Vec<i16> {
        let bytes = std::fs::read(self.1.path()).unwrap_or_default();
        bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }

    pub fn finish(mut self) -> Vec<i16> {
        let _ = self.0.kill();
        let _ = self.0.wait();
        self.so_far()
    }
}

impl Drop for Parec {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tone(freq: f64, rate: u32, from: usize, n: usize, amplitude: f64) -> Vec<i16> {
    (from..from + n)
        .map(|i| ((i as f64 * freq * std::f64::consts::TAU / f64::from(rate)).sin() * amplitude) as i16)
        .collect()
}

/// (frequency from zero crossings, peak) of the middle half of the part louder than -40 dBFS.
/// Stretches of silence over 2 ms in it (the device ran dry) hold no crossings: their time is
/// left out, so a gap does not read as a lower pitch ([`silent_gaps`] says where they are).
fn tone_stats(samples: &[i16], rate: u32) -> (f64, i16) {
    let loud = |s: &&i16| s.unsigned_abs() > 330;
    let first = samples.iter().position(|s| loud(&s)).unwrap_or(0);
    let last = samples.iter().rposition(|s| loud(&s)).unwrap_or(0);
    assert!(
        last > first + rate as usize / 2,
        "less than 0.5 s of sound ({first}..{last} of {})",
        samples.len()
    );
    let quarter = (last - first) / 4;
    let middle = &samples[first + quarter..last - quarter];
    let crossings = middle.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    let quiet = silent_runs(middle, rate).map(|(_, len)| len).sum::<usize>();
    let seconds = (middle.len() - quiet) as f64 / f64::from(rate);
    let peak = middle.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
    (
        crossings as f64 / 2.0 / seconds,
        i16::try_from(peak).unwrap_or(i16::MAX),
    )
}

/// (start, length) in samples of each stretch of silence (below -40 dBFS) over 2 ms that sound
/// follows.
fn silent_runs(samples: &[i16], rate: u32) -> impl Iterator<Item = (usize, usize)> + '_ {
    let loud = |s: &i16| s.unsigned_abs() > 330;
    let min = rate as usize / 500;
    let mut quiet_from = None;
    samples.iter().enumerate().filter_map(move |(i, s)| {
        match (loud(s), quiet_from) {
            (false, None) => quiet_from = Some(i),
            (true, Some(from)) => {
                quiet_from = None;
                return (i - from > min).then_some((from, i - from));
            }
            _ => {}
        }
        None
    })
}

/// (start ms, length ms) of each stretch of silence over 2 ms inside the sound.
fn silent_gaps(samples: &[i16], rate: u32) -> Vec<(usize, usize)> {
    let first = samples.iter().position(|s| s.unsigned_abs() > 330).unwrap_or(0);
    let ms = |n: usize| n * 1000 / rate as usize;
    silent_runs(&samples[first..], rate)
        .map(|(from, len)| (ms(from), ms(len)))
        .collect()
}

/// `pacat` playing a tone of `seconds` into `sink` (kill it by its handle).
pub fn play_tone(sink: &str, freq: f64, seconds: usize, amplitude: f64) -> Child {
    let mut player = Command::new("pacat")
        .args([
            "-p",
            "-d",
            sink,
            "--raw",
            "--format=s16le",
            "--rate=48000",
            "--channels=1",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("pacat runs (pulseaudio-utils)");
    let bytes: Vec<u8> = tone(freq, 48000, 0, 48000 * seconds, amplitude)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    if let Some(mut stdin) = player.stdin.take() {
        std::thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut stdin, &bytes);
        });
    }
    player
}

/// Calls `each` every 20 ms for `frames` frames, on time (no drift).
fn every_20ms(frames: usize, mut each: impl FnMut(usize)) {
    let start = Instant::now();
    for i in 0..frames {
        each(i);
        let next = start + Duration::from_millis(20 * (i as u64 + 1));
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}

#[test]
fn playback_puts_a_1khz_tone_on_the_device_at_its_level() {
    let sink = NullSink::new();
    let mut playback = Playback::open(Some(&sink.name), 8000).unwrap();
    assert_eq!(playback.device_name(), sink.name);
    let rec = Parec::start(&sink.monitor());
    let mut levels = Vec::new();
    every_20ms(100, |i| {
        playback.write_frame(&tone(1000.0, 8000, i * 160, 160, 16384.0));
        if i > 50 && i % 10 == 0 {
            levels.push(playback.level());
        }
    });
    let underruns = playback.underruns();
    std::thread::sleep(Duration::from_millis(400));
    let after = playback.level();
    let recorded = rec.finish();
    let (freq, peak) = tone_stats(&recorded, 48000);
    // Gaps of silence in the recording: Playback's own (its ring ran dry because frames came
    // late) must not happen; the sound server's (its threads served the sink late on a busy
    // machine) are kept small. Neither counts in the pitch.
    let gaps = silent_gaps(&recorded, 48000);
    let lost: usize = gaps.iter().map(|(_, len)| len).sum();
    eprintln!("gaps in the played tone (start ms, length ms): {gaps:?}");
    assert_eq!(underruns, 0, "Playback ran dry: gaps {gaps:?}");
    assert!(lost <= 60, "{lost} ms of the 2 s tone missing: {gaps:?}");
    assert!((freq - 1000.0).abs() < 10.0, "pitch {freq} Hz");
    assert!((15000..=17800).contains(&peak), "peak {peak} (sent 16384)");
    // Half scale is -6 dBFS.
    assert!(
        levels.iter().all(|l| (l + 6.0).abs() < 1.0),
        "levels while playing {levels:?}"
    );
    assert_eq!(after, SILENT_DBFS, "the meter falls when the frames stop");
    assert_eq!((playback.fallbacks(), playback.dropped()), (0, 0));
}

#[test]
fn capture_reads_a_tone_played_into_a_sink_and_mute_sends_silence() {
    let sink = NullSink::new();
    let mut capture = Capture::open(Some(&sink.monitor()), 16000).unwrap();
    assert_eq!(capture.device_name(), sink.monitor());
    let (mut heard, mut muted_frames, mut missing) = (Vec::new(), Vec::new(), 0);
    let mut frame = [0i16; 320];
    // Before anything plays: frames of silence.
    every_20ms(25, |_| {
        if capture.read_frame(&mut frame) {
            assert!(
                frame.iter().all(|s| s.unsigned_abs() < 10),
                "silence before the tone"
            );
        }
    });
    assert_eq!(capture.level(), SILENT_DBFS);
    let mut player = play_tone(&sink.name, 1000.0, 3, 8192.0);
    let mut levels = Vec::new();
    every_20ms(125, |i| {
        if i == 100 {
            capture.set_muted(true);
        }
        if !capture.read_frame(&mut frame) {
            missing += 1;
            return;
        }
        if i < 100 {
            heard.extend_from_slice(&frame);
            if i > 50 && i % 10 == 0 {
                levels.push(capture.level());
            }
        } else if i > 103 {
            muted_frames.extend_from_slice(&frame);
        }
    });
    let muted_level = capture.level();
    let _ = player.kill();
    let _ = player.wait();
    let (freq, peak) = tone_stats(&heard, 16000);
    assert!((freq - 1000.0).abs() < 10.0, "pitch {freq} Hz");
    assert!((7400..=9000).contains(&peak), "peak {peak} (played 8192)");
    assert!(
        levels.iter().all(|l| (l + 12.0).abs() < 1.0),
        "quarter scale is -12 dBFS: {levels:?}"
    );
    assert!(missing < 10, "{missing} frames were not ready in 2.5 s");
    assert!(muted_frames.len() >= 320 * 15 && muted_frames.iter().all(|s| *s == 0));
    assert_eq!(muted_level, SILENT_DBFS);
}

#[test]
fn lists_devices_and_refuses_an_unknown_one_naming_the_others() {
    let sink = NullSink::new();
    let (inputs, outputs) = AudioDevices::list().unwrap();
    assert!(outputs.iter().any(|d| d.name == sink.name), "{outputs:?}");
    assert!(inputs.iter().any(|d| d.name == sink.monitor()), "{inputs:?}");
    assert_eq!(outputs.iter().filter(|d| d.is_default).count(), 1, "{outputs:?}");
    let err = Playback::open(Some("no-such-speaker"), 8000).unwrap_err();
    assert!(matches!(err, DeviceError::UnknownDevice { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("no-such-speaker") && text.contains(&sink.name),
        "{text}"
    );
}

#[test]
fn a_lost_output_moves_to_the_default_device_and_keeps_taking_frames() {
    let sink = NullSink::new();
    let mut playback = Playback::open(Some(&sink.name), 8000).unwrap();
    let mut moved_at = None;
    every_20ms(400, |i| {
        if i == 25 {
            sink.unload();
        }
        playback.write_frame(&tone(1000.0, 8000, i * 160, 160, 8000.0));
        if moved_at.is_none() && playback.fallbacks() > 0 {
            moved_at = Some(i);
        }
    });
    assert_eq!(playback.fallbacks(), 1, "moved once (at frame {moved_at:?})");
    let default = Command::new("pactl").arg("get-default-sink").output().unwrap();
    assert_eq!(
        playback.device_name(),
        String::from_utf8_lossy(&default.stdout).trim()
    );
    // Frames after the move are played (the meter sees them).
    assert!(playback.level() > -20.0, "level {}", playback.level());
}

/// `handset call` without --play: the tone played into a sink is captured from its monitor and
/// baresip records it; baresip's tone is played on another sink, whose monitor `parec` records.
#[test]
fn a_call_without_play_talks_through_the_devices_to_baresip() {
    let (mic, speaker) = (NullSink::new(), NullSink::new());
    let k = Kamailio::start(KamailioOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let tone600 = dir.path().join("tone-600.wav");
    let mut w = hound::WavWriter::create(
        &tone600,
        hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        },
    )
    .unwrap();
    for s in tone(600.0, 8000, 0, 8000 * 10, 12000.0) {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    let record_dir = dir.path().join("baresip-rec");
    let bob = Baresip::start(
        &k,
        BaresipOptions {
            source: Some(tone600),
            record_dir: Some(record_dir.clone()),
            ..BaresipOptions::pcmu("devbob", "pw-devbob")
        },
    );
    let alice = Profile::new(&k, "devalice", "pw-alice", "udp");
    let mut player = play_tone(&mic.name, 1000.0, 12, 12000.0);
    let rec = Parec::start(&speaker.monitor());
    let run = alice.spawn(&[
        "call",
        "A",
        &bob.sip_uri(),
        "--input-device",
        &mic.monitor(),
        "--output-device",
        &speaker.name,
        // A steady tone is what noise suppression removes: this test is about the devices.
        "--no-noise-suppression",
        "--no-echo-cancellation",
        "--duration",
        "6",
    ]);
    bob.wait_event("CALL_ESTABLISHED", Duration::from_secs(10));
    let (code, out) = run.finish(Duration::from_secs(20));
    let _ = player.kill();
    let _ = player.wait();
    let played = rec.finish();
    assert_eq!(code, 0, "{out}");
    bob.wait_event("CALL_CLOSED", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(500));
    let heard = analyse_recordings(&record_dir);
    assert!(
        any_loud_tone(&heard, 980.0, 1020.0),
        "baresip did not hear the 1 kHz tone from the input device: {heard:?}\n{out}"
    );
    let (freq, peak) = tone_stats(&played, 48000);
    assert!(
        (freq - 600.0).abs() < 10.0 && peak > 6000,
        "the output device played {freq} Hz at peak {peak}\n{out}"
    );
}

/// Acoustic echo with perfect coupling: Handset's microphone is its speaker's monitor, so all
/// that baresip says comes straight back. With echo cancellation on, baresip hears its own
/// speech far quieter than with it off (noise suppression off in both; measured after 4 s). On
/// PulseAudio's null sink the echo's delay moves by tens of milliseconds during such a call, which
/// the canceller must follow.
#[test]
fn echo_cancellation_keeps_the_far_end_from_hearing_itself() {
    let k = &Kamailio::start(KamailioOptions::default());
    // One call after the other, so that the two calls do not hear each other.
    let [off, on] = [false, true].map(|aec| echo_heard_by_baresip(k, aec));
    eprintln!("echo heard by baresip: {off:.1} dBFS without echo cancellation, {on:.1} dBFS with it");
    assert!(
        off > -40.0,
        "without cancellation the echo must be loud ({off:.1} dBFS)"
    );
    assert!(
        off - on >= 12.0,
        "echo cancellation took only {:.1} dB off the echo ({off:.1} → {on:.1} dBFS)",
        off - on
    );
}

/// Level (dBFS) of what baresip heard back of its own speech, after the first 4 s.
fn echo_heard_by_baresip(k: &Kamailio, echo_cancellation: bool) -> f64 {
    let speaker = NullSink::new();
    let user = format!("echo{}", u8::from(echo_cancellation));
    let dir = tempfile::tempdir().unwrap();
    let record_dir = dir.path().join("baresip-heard");
    let bob = Baresip::start(
        k,
        BaresipOptions {
            source: Some(
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/audio/pesq-ref-8k.wav"
                )
                .into(),
            ),
            record_dir: Some(record_dir.clone()),
            ..BaresipOptions::pcmu(&user, "pw-echo")
        },
    );
    let alice = Profile::new(k, &format!("{user}alice"), "pw-alice", "udp");
    let (uri, mic) = (bob.sip_uri(), speaker.monitor());
    let mut args = vec![
        "call",
        "A",
        &uri,
        "--input-device",
        &mic,
        "--output-device",
        &speaker.name,
        "--no-noise-suppression",
        "--duration",
        "9",
    ];
    if !echo_cancellation {
        args.push("--no-echo-cancellation");
    }
    let (code, out) = alice.spawn(&args).finish(Duration::from_secs(25));
    assert_eq!(code, 0, "{out}");
    bob.wait_event("CALL_CLOSED", Duration::from_secs(10));
    let heard = wait_decoded_recording(&record_dir, Duration::from_secs(10));
    level_after(&heard, 4.0)
}
