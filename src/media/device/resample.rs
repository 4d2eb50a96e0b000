//! Resampling one 20 ms frame at a time between a device rate and a codec rate (rubato's FFT
//! resampler; a copy when the rates match).

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use super::DeviceError;

/// Mono f32 resampling with either the input or the output side fixed to one frame.
pub(super) struct FrameResampler {
    fft: Option<Fft<f32>>,
    frame: usize,
    out: Vec<f32>,
}

impl std::fmt::Debug for FrameResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameResampler")
            .field("resamples", &self.fft.is_some())
            .field("frame", &self.frame)
            .finish()
    }
}

impl FrameResampler {
    /// From `from` Hz to `to` Hz giving exactly `frame` samples each time (capture).
    pub(super) fn fixed_output(from: u32, to: u32, frame: usize) -> Result<FrameResampler, DeviceError> {
        FrameResampler::new(from, to, frame, FixedSync::Output)
    }

    /// From `from` Hz to `to` Hz taking exactly `frame` samples each time (playback).
    pub(super) fn fixed_input(from: u32, to: u32, frame: usize) -> Result<FrameResampler, DeviceError> {
        FrameResampler::new(from, to, frame, FixedSync::Input)
    }

    fn new(from: u32, to: u32, frame: usize, fixed: FixedSync) -> Result<FrameResampler, DeviceError> {
        let fft = if from == to {
            None
        } else {
            let fft = Fft::<f32>::new(from as usize, to as usize, frame, 1, fixed).map_err(|e| {
                DeviceError::Resampler {
                    from,
                    to,
                    reason: e.to_string(),
                }
            })?;
            Some(fft)
        };
        Ok(FrameResampler {
            fft,
            frame,
            out: vec![0.0; frame * 8],
        })
    }

    /// How many input samples the next [`process`](Self::process) takes.
    pub(super) fn input_len(&self) -> usize {
        self.fft.as_ref().map_or(self.frame, |f| f.input_frames_next())
    }

    /// Resamples exactly [`input_len`](Self::input_len) samples.
    pub(super) fn process(&mut self, input: &[f32]) -> &[f32] {
        let Some(fft) = &mut self.fft else {
            self.out.clear();
            self.out.extend_from_slice(input);
            return &self.out;
        };
        let needed = fft.output_frames_max();
        if self.out.len() < needed {
            self.out.resize(needed, 0.0);
        }
        let capacity = self.out.len();
        let written = match (
            InterleavedSlice::new(input, 1, input.len()),
            InterleavedSlice::new_mut(&mut self.out[..], 1, capacity),
        ) {
            (Ok(i), Ok(mut o)) => fft.process_into_buffer(&i, &mut o, None).map_or(0, |(_, w)| w),
            _ => 0,
        };
        &self.out[..written]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (i as f32 * 1000.0 * std::f32::consts::TAU / rate as f32).sin() * 0.5)
            .collect()
    }

    #[test]
    fn capture_side_gives_whole_frames_and_keeps_the_tone() {
        for (device, codec) in [(48000, 8000), (44100, 16000), (48000, 48000), (44100, 8000)] {
            let frame = (codec / 50) as usize;
            let mut r = FrameResampler::fixed_output(device, codec, frame).unwrap();
            let input = tone(device, device as usize);
            let (mut at, mut out) = (0, Vec::new());
            while at + r.input_len() <= input.len() {
                let n = r.input_len();
                let o = r.process(&input[at..at + n]);
                assert_eq!(o.len(), frame, "{device} -> {codec}");
                out.extend_from_slice(o);
                at += n;
            }
            assert!(out.len() >= frame * 48, "{device} -> {codec}: {}", out.len());
            // 1 kHz: two zero crossings per ms, after the resampler's delay.
            let tail = &out[out.len() / 2..];
            let crossings = tail.windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count();
            let ms = tail.len() as f32 * 1000.0 / codec as f32;
            assert!(
                (crossings as f32 / ms - 2.0).abs() < 0.05,
                "{device} -> {codec}: {crossings} in {ms} ms"
            );
            let peak = tail.iter().fold(0f32, |m, x| m.max(x.abs()));
            assert!((peak - 0.5).abs() < 0.03, "{peak}");
        }
    }

    #[test]
    fn playback_side_takes_whole_frames() {
        let mut r = FrameResampler::fixed_input(8000, 48000, 160).unwrap();
        let input = tone(8000, 8000);
        let total: usize = input.chunks(160).map(|c| r.process(c).len()).sum();
        assert!((47000..=48000).contains(&total), "{total}");
    }
}
