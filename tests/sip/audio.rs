//! Audio helpers the call tests share: tone files to play, the pitch and level of what a phone
//! recorded, and figures read from a phone's printed report.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A `freq` Hz tone at 12000 peak, 16-bit, written as WAV at `rate` with `channels`.
pub fn tone_wav(path: &Path, freq: f64, seconds: f64, rate: u32, channels: u16) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(f64::from(rate) * seconds) as usize {
        let s = (i as f64 * freq * std::f64::consts::TAU / f64::from(rate)).sin() * 12000.0;
        for _ in 0..channels {
            w.write_sample(s as i16).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// (dominant frequency from zero crossings, RMS) of a WAV's first channel, over its loud part;
/// (0, 0) when less than half a second of it is loud.
pub fn analyse(path: &Path) -> (f64, f64) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples: Vec<f64> = r
        .samples::<i16>()
        .step_by(usize::from(spec.channels))
        .map(|s| f64::from(s.unwrap()))
        .collect();
    let first = samples.iter().position(|s| s.abs() > 500.0);
    let last = samples.iter().rposition(|s| s.abs() > 500.0);
    let (Some(first), Some(last)) = (first, last) else {
        return (0.0, 0.0);
    };
    if last - first < spec.sample_rate as usize / 2 {
        return (0.0, 0.0);
    }
    let loud = &samples[first..=last];
    let rms = (loud.iter().map(|s| s * s).sum::<f64>() / loud.len() as f64).sqrt();
    let crossings = loud.windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count();
    let secs = loud.len() as f64 / f64::from(spec.sample_rate);
    (crossings as f64 / 2.0 / secs, rms)
}

/// The number after `key` in `text` (e.g. "round trip 3 ms" → 3, "lost 12," → 12).
pub fn figure(text: &str, key: &str) -> Option<f64> {
    let rest = &text[text.find(key)? + key.len()..];
    let num: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    num.parse().ok()
}

/// baresip's `sndfile` module writes `dump-<time>-dec.wav` (heard) and `-enc.wav` (sent).
pub fn decoded_recording(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
}

/// Waits up to `timeout` for baresip's heard recording in `dir`.
pub fn wait_decoded_recording(dir: &Path, timeout: Duration) -> PathBuf {
    let deadline = Instant::now() + timeout;
    loop {
        match decoded_recording(dir) {
            Some(p) => return p,
            None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            None => panic!("baresip recorded nothing in {}", dir.display()),
        }
    }
}

/// (frequency, RMS) as [`analyse`] gives them, and the path, of each WAV file in `dir` (what
/// baresip's `sndfile` wrote there).
pub fn analyse_recordings(dir: &Path) -> Vec<((f64, f64), PathBuf)> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .map(|p| (analyse(&p), p))
        .collect()
}

/// Whether one of `recordings` holds a loud (RMS > 3000) tone of `lo` to `hi` Hz.
pub fn any_loud_tone(recordings: &[((f64, f64), PathBuf)], lo: f64, hi: f64) -> bool {
    recordings
        .iter()
        .any(|((f, rms), _)| (lo..=hi).contains(f) && *rms > 3000.0)
}

/// RMS in dBFS of a WAV's first channel from `skip` seconds on (−100 when silent or short).
pub fn level_after(path: &Path, skip: f64) -> f64 {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples: Vec<f64> = r
        .samples::<i16>()
        .step_by(usize::from(spec.channels))
        .skip((skip * f64::from(spec.sample_rate)) as usize)
        .map(|s| f64::from(s.unwrap()))
        .collect();
    if samples.is_empty() {
        return -100.0;
    }
    let ms = samples.iter().map(|s| s * s).sum::<f64>() / samples.len() as f64;
    (10.0 * (ms / (32768.0 * 32768.0)).log10()).max(-100.0)
}
