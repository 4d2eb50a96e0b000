//! Sounds the phone makes on a device of their own, away from any call: the ringtone on the
//! ring device while a call rings here, the settings' test tone, and the settings' microphone
//! meter. Each runs on its own thread (opening a PulseAudio stream blocks for a second or two)
//! and stops when its handle is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing::warn;

use super::device::{Capture, DeviceError, Playback};
use super::prompts::AudioRef;
use super::rtp_session::resample;

/// The rate sounds are made at.
const RATE: u32 = 16_000;
const FRAME: usize = RATE as usize / 50;

/// What to play.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sound {
    /// A double ring (440 + 480 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off), until stopped.
    Ring,
    /// 1.5 s of 440 Hz, once.
    TestTone,
    /// A prompt (an announcement or greeting preview), once.
    Prompt(AudioRef),
}

/// A tone made on the fly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Ring,
    TestTone,
}

impl Tone {
    /// Sample `n` (from the start) at [`RATE`]; `None` once a sound that ends has ended.
    pub fn sample(self, n: usize) -> Option<i16> {
        let t = n as f64 / f64::from(RATE);
        let (tones, on, amplitude): (&[f64], bool, f64) = match self {
            Tone::Ring => {
                let at = t % 3.0;
                let on = at < 0.4 || (0.6..1.0).contains(&at);
                (&[440.0, 480.0], on, 6000.0)
            }
            Tone::TestTone if t >= 1.5 => return None,
            Tone::TestTone => (&[440.0], true, 8000.0),
        };
        if !on {
            return Some(0);
        }
        // 10 ms fades keep the bursts free of clicks.
        let edge = match self {
            Tone::Ring => {
                let at = t % 3.0;
                let into = if at < 0.4 { at } else { at - 0.6 };
                into.min(0.4 - into)
            }
            Tone::TestTone => t.min(1.5 - t),
        };
        let fade = (edge / 0.01).clamp(0.0, 1.0);
        let s: f64 = tones.iter().map(|f| (t * f * std::f64::consts::TAU).sin()).sum();
        Some((s * amplitude * fade) as i16)
    }
}

/// A sound playing on a device; dropping it stops the sound.
#[derive(Debug)]
pub struct Player {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Player {
    /// Plays `sound` on the output `device` (`None`: the default). A device that cannot open
    /// is logged and nothing plays.
    pub fn start(device: Option<String>, sound: Sound) -> Player {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("handset-sound".into())
            .spawn(move || play(device.as_deref(), sound, &flag))
            .map_err(|e| warn!(error = %e, "cannot start the sound thread"))
            .ok();
        Player { stop, thread }
    }

    /// Whether the sound has ended by itself (or could not play).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The thread notices within a frame; it is not joined (opening may still block).
    }
}

fn play(device: Option<&str>, sound: Sound, stop: &AtomicBool) {
    let samples: Box<dyn Fn(usize) -> Option<i16>> = match &sound {
        Sound::Ring => Box::new(|n| Tone::Ring.sample(n)),
        Sound::TestTone => Box::new(|n| Tone::TestTone.sample(n)),
        Sound::Prompt(prompt) => match prompt.load() {
            Ok(pcm) => {
                let clip = resample(&pcm, RATE);
                Box::new(move |n| clip.get(n).copied())
            }
            Err(e) => {
                warn!(error = %e, "cannot play the prompt");
                return;
            }
        },
    };
    let mut out = match Playback::open(device, RATE) {
        Ok(p) => p,
        Err(e) => {
            warn!(error = %e, ?sound, "cannot play");
            return;
        }
    };
    let start = Instant::now();
    let mut frame = vec![0i16; FRAME];
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let mut ended = false;
        for (k, s) in frame.iter_mut().enumerate() {
            match samples(i * FRAME + k) {
                Some(v) => *s = v,
                None => {
                    *s = 0;
                    ended = true;
                }
            }
        }
        out.write_frame(&frame);
        if ended {
            // Let the device play out what is queued.
            std::thread::sleep(Duration::from_millis(200));
            break;
        }
        let next = start + Duration::from_millis(20 * (i as u64 + 1));
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}

/// The settings' microphone meter: the input's level every 100 ms until dropped.
#[derive(Debug)]
pub struct MicMeter {
    stop: Arc<AtomicBool>,
}

impl MicMeter {
    /// Opens the input `device` (`None`: the default) and calls `level` with its peak level in
    /// dBFS every 100 ms; `failed` once with the reason when the device cannot open.
    pub fn start(
        device: Option<String>,
        level: impl Fn(f32) + Send + 'static,
        failed: impl FnOnce(DeviceError) + Send + 'static,
    ) -> MicMeter {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("handset-mic-meter".into())
            .spawn(move || {
                let mut input = match Capture::open(device.as_deref(), RATE) {
                    Ok(c) => c,
                    Err(e) => return failed(e),
                };
                let mut frame = vec![0i16; FRAME];
                while !flag.load(Ordering::Relaxed) {
                    // Reading keeps the buffer from filling; the meter is the callback's.
                    while input.read_frame(&mut frame) {}
                    level(input.level());
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        if let Err(e) = spawned {
            warn!(error = %e, "cannot start the microphone meter");
        }
        MicMeter { stop }
    }
}

impl Drop for MicMeter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loud(sound: Tone, from_s: f64, to_s: f64) -> bool {
        let (a, b) = ((from_s * 16000.0) as usize, (to_s * 16000.0) as usize);
        (a..b).any(|n| sound.sample(n).unwrap_or(0).unsigned_abs() > 3000)
    }

    #[test]
    fn the_ring_has_its_cadence_and_repeats() {
        for cycle in [0.0, 3.0, 30.0] {
            assert!(loud(Tone::Ring, cycle + 0.05, cycle + 0.35), "first burst");
            assert!(!loud(Tone::Ring, cycle + 0.41, cycle + 0.59), "short pause");
            assert!(loud(Tone::Ring, cycle + 0.65, cycle + 0.95), "second burst");
            assert!(!loud(Tone::Ring, cycle + 1.01, cycle + 2.99), "long pause");
        }
        assert_eq!(Tone::Ring.sample(0), Some(0), "fades in from silence");
        assert!(Tone::Ring.sample(16000 * 3600).is_some(), "rings until stopped");
    }

    #[test]
    fn the_test_tone_ends() {
        assert!(loud(Tone::TestTone, 0.1, 1.4));
        assert!(Tone::TestTone.sample(23_999).is_some());
        assert_eq!(Tone::TestTone.sample(24_000), None);
    }
}
