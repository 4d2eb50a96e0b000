//! Voice processing of what the microphone sends: acoustic echo cancellation and noise
//! suppression, each switchable, through WebRTC's audio processing module (Debian
//! `libwebrtc-audio-processing1`, the one PulseAudio's echo-cancel module uses; a C interface in
//! `voice_apm.cpp`). The echo canceller runs with the extended filter and in delay-agnostic mode:
//! it estimates the echo's delay from the signals and follows it when it moves (PulseAudio's
//! buffers change it by tens of milliseconds during a call, which a fixed-delay canceller such as
//! SpeexDSP's does not survive). Noise suppression is WebRTC's at its high level, after a
//! high-pass filter. It runs at the codec's rate (8, 16 or 48 kHz) on the stream's 20 ms frames,
//! in 10 ms chunks: the frame played as far back as the buffers hold is the echo reference for
//! the frame just captured (`echo_reference.rs`).

#![allow(unsafe_code)] // FFI to the C interface in voice_apm.cpp; each call below states why it is sound.

use std::os::raw::{c_int, c_void};

unsafe extern "C" {
    fn handset_apm_new(rate: c_int, echo: c_int, noise: c_int) -> *mut c_void;
    fn handset_apm_process(st: *mut c_void, mic: *mut i16, far: *const i16) -> c_int;
    fn handset_apm_free(st: *mut c_void);
}

/// Which processing is on (both by default on a real microphone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoiceOptions {
    pub echo_cancellation: bool,
    pub noise_suppression: bool,
}

impl Default for VoiceOptions {
    fn default() -> VoiceOptions {
        VoiceOptions {
            echo_cancellation: true,
            noise_suppression: true,
        }
    }
}

/// The processing of one call's microphone.
#[derive(Debug)]
pub struct VoiceProcessor {
    frame: usize,
    /// Samples in the module's 10 ms chunk.
    chunk: usize,
    apm: *mut c_void,
}

// SAFETY: the state is heap memory owned by this value, used by one thread at a time (no Sync);
// the module keeps no thread-local state.
unsafe impl Send for VoiceProcessor {}

impl VoiceProcessor {
    /// Processing for `frame`-sample frames at `rate` Hz; `None` when nothing is switched on, the
    /// rate is not one the module runs at (8, 16, 32 or 48 kHz), the frame is not a whole number
    /// of 10 ms chunks, or the library cannot allocate.
    pub fn new(rate: u32, frame: usize, options: VoiceOptions) -> Option<VoiceProcessor> {
        if !options.echo_cancellation && !options.noise_suppression {
            return None;
        }
        let chunk = rate as usize / 100;
        if chunk == 0 || frame == 0 || !frame.is_multiple_of(chunk) {
            return None;
        }
        let rate = c_int::try_from(rate).ok()?;
        // SAFETY: takes plain integers and returns an owned state or null (unsupported rate,
        // no memory); Drop frees it.
        let apm = unsafe {
            handset_apm_new(
                rate,
                options.echo_cancellation.into(),
                options.noise_suppression.into(),
            )
        };
        (!apm.is_null()).then_some(VoiceProcessor { frame, chunk, apm })
    }

    /// Processes the captured `mic` frame in place; `played` is the frame the speaker got at the
    /// same time (the echo reference). Frames of another length are left alone, and so is a
    /// chunk the module refuses.
    pub fn process(&mut self, mic: &mut [i16], played: &[i16]) {
        if mic.len() != self.frame || played.len() != self.frame {
            return;
        }
        for (m, p) in mic
            .chunks_exact_mut(self.chunk)
            .zip(played.chunks_exact(self.chunk))
        {
            // SAFETY: apm is live; m and p each hold exactly one chunk (the size the state was
            // made for), m is written in place and does not alias p.
            unsafe { handset_apm_process(self.apm, m.as_mut_ptr(), p.as_ptr()) };
        }
    }
}

impl Drop for VoiceProcessor {
    fn drop(&mut self) {
        // SAFETY: apm is the live state this value owns, freed once.
        unsafe { handset_apm_free(self.apm) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn energy(x: &[i16]) -> f64 {
        x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len().max(1) as f64
    }

    /// Speech-like far-end signal: a few tones under a syllable-rate envelope.
    fn far_end(n: usize, rate: f64) -> Vec<i16> {
        (0..n)
            .map(|i| {
                let t = i as f64 / rate;
                let env = (t * 4.0 * std::f64::consts::PI).sin().abs();
                let v = (t * 210.0 * std::f64::consts::TAU).sin() * 5000.0
                    + (t * 730.0 * std::f64::consts::TAU).sin() * 2500.0
                    + (t * 1650.0 * std::f64::consts::TAU).sin() * 1200.0;
                (v * env) as i16
            })
            .collect()
    }

    /// `mic` through a canceller (no noise suppression) with `far` as the reference.
    fn cancel(mic: &[i16], far: &[i16], rate: usize, frame: usize) -> Vec<i16> {
        let mut p = VoiceProcessor::new(
            rate as u32,
            frame,
            VoiceOptions {
                echo_cancellation: true,
                noise_suppression: false,
            },
        )
        .unwrap();
        let mut out = Vec::new();
        for (m, f) in mic.chunks(frame).zip(far.chunks(frame)) {
            let mut m = m.to_vec();
            p.process(&mut m, f);
            out.extend_from_slice(&m);
        }
        out
    }

    struct Noise(u32);
    impl Noise {
        fn next(&mut self, amplitude: f64) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            (f64::from(self.0) / f64::from(u32::MAX) * 2.0 - 1.0) * amplitude
        }
    }

    #[test]
    fn the_echo_of_the_far_end_is_cancelled() {
        let (rate, frame) = (16000usize, 320usize);
        let far = far_end(rate * 8, rate as f64);
        // The room: 12 ms delay, two reflections, −6 dB.
        let echo: Vec<i16> = (0..far.len())
            .map(|i| {
                let at = |d: usize| if i >= d { f64::from(far[i - d]) } else { 0.0 };
                (0.5 * at(192) + 0.2 * at(400) + 0.1 * at(750)) as i16
            })
            .collect();
        let mut noise = Noise(9);
        let mic: Vec<i16> = echo
            .iter()
            .map(|e| (f64::from(*e) + noise.next(30.0)) as i16)
            .collect();
        let out = cancel(&mic, &far, rate, frame);
        // After convergence (the last 3 s), the echo return loss enhancement.
        let tail = rate * 5;
        let erle = 10.0 * (energy(&mic[tail..]) / energy(&out[tail..]).max(1.0)).log10();
        assert!(erle > 15.0, "echo reduced by only {erle:.1} dB");
    }

    #[test]
    fn an_echo_whose_delay_steps_by_20_ms_is_followed() {
        // PulseAudio's buffers grow during a call: the echo that came 12 ms after its reference
        // comes 32 ms after it from the 4th second on. The canceller must cancel it again.
        let (rate, frame) = (8000usize, 160usize);
        let far = far_end(rate * 10, rate as f64);
        let mic: Vec<i16> = (0..far.len())
            .map(|i| {
                let d = if i < rate * 4 { 96 } else { 256 };
                let at = |d: usize| if i >= d { f64::from(far[i - d]) } else { 0.0 };
                (0.8 * at(d) + 0.2 * at(d + 200)) as i16
            })
            .collect();
        let out = cancel(&mic, &far, rate, frame);
        let erle = |from: usize, to: usize| {
            10.0 * (energy(&mic[from..to]) / energy(&out[from..to]).max(1.0)).log10()
        };
        let (before, after) = (erle(rate * 2, rate * 4), erle(rate * 6, rate * 10));
        assert!(
            before > 20.0,
            "echo reduced by only {before:.1} dB before the step"
        );
        assert!(after > 20.0, "echo reduced by only {after:.1} dB after the step");
    }

    #[test]
    fn noise_is_suppressed_and_a_tone_kept() {
        let (rate, frame) = (8000usize, 160usize);
        let mut noise = Noise(3);
        let n = rate * 6;
        let noisy: Vec<i16> = (0..n).map(|_| noise.next(600.0) as i16).collect();
        let mut p = VoiceProcessor::new(
            rate as u32,
            frame,
            VoiceOptions {
                echo_cancellation: false,
                noise_suppression: true,
            },
        )
        .unwrap();
        let silence = vec![0i16; frame];
        let mut out = Vec::new();
        for c in noisy.chunks(frame) {
            let mut m = c.to_vec();
            p.process(&mut m, &silence);
            out.extend_from_slice(&m);
        }
        let reduction = 10.0 * (energy(&noisy[rate * 3..]) / energy(&out[rate * 3..]).max(1.0)).log10();
        assert!(reduction > 10.0, "noise down by only {reduction:.1} dB");
        // A loud tone over the same noise comes through at about its level.
        let tone: Vec<i16> = (0..rate * 2)
            .map(|i| {
                ((i as f64 * 440.0 * std::f64::consts::TAU / rate as f64).sin() * 8000.0 + noise.next(600.0))
                    as i16
            })
            .collect();
        let mut kept = Vec::new();
        for c in tone.chunks(frame) {
            let mut m = c.to_vec();
            p.process(&mut m, &silence);
            kept.extend_from_slice(&m);
        }
        let ratio = energy(&kept[rate..]) / energy(&tone[rate..]);
        assert!(ratio > 0.5, "the tone lost too much: {ratio:.2}");
    }

    #[test]
    fn nothing_switched_on_means_no_processor_and_odd_frames_are_left_alone() {
        let off = VoiceOptions {
            echo_cancellation: false,
            noise_suppression: false,
        };
        assert!(VoiceProcessor::new(8000, 160, off).is_none());
        let mut p = VoiceProcessor::new(8000, 160, VoiceOptions::default()).unwrap();
        let mut odd = vec![123i16; 100];
        p.process(&mut odd, &[0; 100]);
        assert!(odd.iter().all(|s| *s == 123));
    }
}
