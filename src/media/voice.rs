//! Voice processing of what the microphone sends: acoustic echo cancellation and noise
//! suppression, each switchable, through Xiph's SpeexDSP (Debian `libspeexdsp1`, the library
//! baresip's and PJSIP's echo cancellers use): a multi-delay block frequency-domain adaptive
//! filter for the echo, and its preprocessor for noise (and residual echo) suppression. It runs
//! at the codec's rate on the stream's 20 ms frames: the frame just played is the echo reference
//! for the frame just captured.

#![allow(unsafe_code)] // FFI to libspeexdsp; each call below states why it is sound.

use std::os::raw::{c_int, c_void};

#[link(name = "speexdsp")]
unsafe extern "C" {
    fn speex_echo_state_init(frame_size: c_int, filter_length: c_int) -> *mut c_void;
    fn speex_echo_state_destroy(st: *mut c_void);
    fn speex_echo_cancellation(st: *mut c_void, rec: *const i16, play: *const i16, out: *mut i16);
    fn speex_echo_ctl(st: *mut c_void, request: c_int, ptr: *mut c_void) -> c_int;
    fn speex_preprocess_state_init(frame_size: c_int, sampling_rate: c_int) -> *mut c_void;
    fn speex_preprocess_state_destroy(st: *mut c_void);
    fn speex_preprocess_run(st: *mut c_void, x: *mut i16) -> c_int;
    fn speex_preprocess_ctl(st: *mut c_void, request: c_int, ptr: *mut c_void) -> c_int;
}

const SPEEX_ECHO_SET_SAMPLING_RATE: c_int = 24;
const SPEEX_PREPROCESS_SET_DENOISE: c_int = 0;
const SPEEX_PREPROCESS_SET_NOISE_SUPPRESS: c_int = 18;
const SPEEX_PREPROCESS_SET_ECHO_STATE: c_int = 24;
/// Attenuation of noise, in dB.
const NOISE_SUPPRESS_DB: c_int = -25;
/// Echo tail the canceller models (room and device path).
const ECHO_TAIL_MS: usize = 200;

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
    echo: *mut c_void,
    pre: *mut c_void,
    out: Vec<i16>,
}

// SAFETY: both states are plain heap memory owned by this value; SpeexDSP keeps no global or
// thread-local state, so the value may move between threads (it is never shared: no Sync).
unsafe impl Send for VoiceProcessor {}

impl VoiceProcessor {
    /// Processing for `frame`-sample frames at `rate` Hz; `None` when nothing is switched on or
    /// the library cannot allocate.
    pub fn new(rate: u32, frame: usize, options: VoiceOptions) -> Option<VoiceProcessor> {
        if !options.echo_cancellation && !options.noise_suppression {
            return None;
        }
        let n = c_int::try_from(frame).ok()?;
        let mut rate = c_int::try_from(rate).ok()?;
        let mut p = VoiceProcessor {
            frame,
            echo: std::ptr::null_mut(),
            pre: std::ptr::null_mut(),
            out: vec![0; frame],
        };
        // SAFETY: init takes sizes by value and returns an owned state or null.
        p.pre = unsafe { speex_preprocess_state_init(n, rate) };
        if p.pre.is_null() {
            return None;
        }
        let mut denoise: c_int = options.noise_suppression.into();
        let mut level = NOISE_SUPPRESS_DB;
        // SAFETY: pre is a live preprocess state; each ctl reads one c_int through the pointer,
        // which points at a live local.
        unsafe {
            speex_preprocess_ctl(p.pre, SPEEX_PREPROCESS_SET_DENOISE, (&raw mut denoise).cast());
            speex_preprocess_ctl(
                p.pre,
                SPEEX_PREPROCESS_SET_NOISE_SUPPRESS,
                (&raw mut level).cast(),
            );
        }
        if options.echo_cancellation {
            let tail = c_int::try_from(rate as usize * ECHO_TAIL_MS / 1000).ok()?;
            // SAFETY: as above; the echo state is owned by `p` from here (Drop frees it).
            p.echo = unsafe { speex_echo_state_init(n, tail) };
            if p.echo.is_null() {
                return None;
            }
            // SAFETY: echo is live; SET_SAMPLING_RATE reads a c_int; SET_ECHO_STATE stores the
            // echo pointer in the preprocessor, which Drop destroys before the echo state.
            unsafe {
                speex_echo_ctl(p.echo, SPEEX_ECHO_SET_SAMPLING_RATE, (&raw mut rate).cast());
                speex_preprocess_ctl(p.pre, SPEEX_PREPROCESS_SET_ECHO_STATE, p.echo);
            }
        }
        Some(p)
    }

    /// Processes the captured `mic` frame in place; `played` is the frame the speaker got at the
    /// same time (the echo reference). Frames of another length are left alone.
    pub fn process(&mut self, mic: &mut [i16], played: &[i16]) {
        if mic.len() != self.frame || played.len() != self.frame {
            return;
        }
        if !self.echo.is_null() {
            // SAFETY: echo is live; rec, play and out each hold `frame` samples, the size the
            // state was made for, and out does not alias the inputs.
            unsafe {
                speex_echo_cancellation(self.echo, mic.as_ptr(), played.as_ptr(), self.out.as_mut_ptr())
            };
            mic.copy_from_slice(&self.out);
        }
        // SAFETY: pre is live and mic holds `frame` samples, processed in place.
        unsafe { speex_preprocess_run(self.pre, mic.as_mut_ptr()) };
    }
}

impl Drop for VoiceProcessor {
    fn drop(&mut self) {
        // SAFETY: each pointer is null or a state this value owns, destroyed once; the
        // preprocessor (which refers to the echo state) goes first.
        unsafe {
            if !self.pre.is_null() {
                speex_preprocess_state_destroy(self.pre);
            }
            if !self.echo.is_null() {
                speex_echo_state_destroy(self.echo);
            }
        }
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
        // After convergence (the last 3 s), the echo return loss enhancement.
        let tail = rate * 5;
        let erle = 10.0 * (energy(&mic[tail..]) / energy(&out[tail..]).max(1.0)).log10();
        assert!(erle > 15.0, "echo reduced by only {erle:.1} dB");
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
