//! Packet loss concealment for codecs without their own (G.711, G.722, G.729, GSM), after
//! ITU-T G.711 Appendix I in outline: the last pitch period of the good signal is repeated,
//! full level for the first 10 ms of a loss, then fading by 20 % per 10 ms to silence at 60 ms;
//! the first good frame after a loss is cross-faded with the continuation. And comfort noise
//! (RFC 3389) at the level the far end signals.

/// Conceals lost frames of one received stream.
#[derive(Clone, Debug)]
pub struct Concealer {
    rate: usize,
    history: Vec<i16>,
    /// Samples concealed in the current loss (0: no loss in progress).
    lost: usize,
    period: usize,
    pos: usize,
    noise: u32,
}

impl Concealer {
    pub fn new(rate: u32) -> Concealer {
        Concealer {
            rate: rate as usize,
            history: Vec::new(),
            lost: 0,
            period: 0,
            pos: 0,
            noise: 0x1234_5678,
        }
    }

    fn history_len(&self) -> usize {
        self.rate * 30 / 1000
    }

    /// A good frame, as played: kept as history; after a loss its start is faded in from the
    /// concealed continuation.
    pub fn played(&mut self, frame: &mut [i16]) {
        if self.lost > 0 && self.period > 0 {
            let n = (self.rate / 250).min(frame.len()); // 4 ms
            let mut tail = Vec::with_capacity(n);
            self.synthesise(n, &mut tail);
            for (i, (s, c)) in frame.iter_mut().zip(tail).enumerate() {
                let w = (i + 1) as f32 / (n + 1) as f32;
                *s = (f32::from(*s) * w + f32::from(c) * (1.0 - w)) as i16;
            }
        }
        self.lost = 0;
        self.history.extend_from_slice(frame);
        let keep = self.history_len();
        if self.history.len() > keep {
            self.history.drain(..self.history.len() - keep);
        }
    }

    /// Appends `n` samples standing in for a lost frame.
    pub fn conceal(&mut self, n: usize, out: &mut Vec<i16>) {
        if self.lost == 0 {
            self.period = self.pitch_period();
            self.pos = 0;
        }
        let start = out.len();
        self.synthesise(n, out);
        // Keep the history going so that consecutive losses continue smoothly.
        let made: Vec<i16> = out[start..].to_vec();
        self.lost += n;
        self.history.extend_from_slice(&made);
        let keep = self.history_len();
        if self.history.len() > keep {
            self.history.drain(..self.history.len() - keep);
        }
    }

    fn synthesise(&mut self, n: usize, out: &mut Vec<i16>) {
        if self.period == 0 || self.history.len() < self.period {
            out.extend(std::iter::repeat_n(0, n));
            return;
        }
        let cycle_start = self.history.len() - self.period;
        let cycle: Vec<i16> = self.history[cycle_start..].to_vec();
        let ms10 = self.rate / 100;
        for i in 0..n {
            let elapsed = self.lost + i;
            let gain = if elapsed < ms10 {
                1.0
            } else {
                (1.0 - 0.2 * (elapsed - ms10) as f32 / ms10 as f32).max(0.0)
            };
            let s = cycle[self.pos % self.period];
            self.pos += 1;
            out.push((f32::from(s) * gain) as i16);
        }
    }

    /// The strongest autocorrelation lag between 2.5 and 15 ms (0 when the history is short or
    /// silent).
    fn pitch_period(&self) -> usize {
        let (lo, hi) = (self.rate / 400, self.rate * 15 / 1000);
        let h = &self.history;
        if h.len() < hi * 2 {
            return 0;
        }
        let window = &h[h.len() - hi..];
        let energy: f64 = window.iter().map(|s| f64::from(*s).powi(2)).sum();
        if energy < 1.0 {
            return 0;
        }
        let mut best = (f64::MIN, lo);
        for lag in lo..=hi {
            let earlier = &h[h.len() - hi - lag..h.len() - lag];
            let corr: f64 = window
                .iter()
                .zip(earlier)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            let e2: f64 = earlier.iter().map(|s| f64::from(*s).powi(2)).sum();
            let norm = corr / (energy * e2).sqrt().max(1.0);
            if norm > best.0 {
                best = (norm, lag);
            }
        }
        best.1
    }

    /// Appends `n` samples of comfort noise at `level` −dBov (RFC 3389).
    pub fn comfort_noise(&mut self, level: u8, n: usize, out: &mut Vec<i16>) {
        let rms = 32767.0 * 10f32.powf(-f32::from(level.min(127)) / 20.0);
        let amplitude = rms * 3f32.sqrt();
        for _ in 0..n {
            // xorshift32: cheap noise, good enough to be heard as background.
            self.noise ^= self.noise << 13;
            self.noise ^= self.noise >> 17;
            self.noise ^= self.noise << 5;
            let u = (self.noise as f32 / u32::MAX as f32) * 2.0 - 1.0;
            out.push((u * amplitude) as i16);
        }
        self.lost = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(from: usize, n: usize) -> Vec<i16> {
        (from..from + n)
            .map(|i| ((i as f64 * 200.0 * std::f64::consts::TAU / 8000.0).sin() * 10000.0) as i16)
            .collect()
    }

    #[test]
    fn a_lost_frame_continues_the_pitch_then_fades() {
        let mut c = Concealer::new(8000);
        for f in 0..5 {
            c.played(&mut tone(f * 160, 160));
        }
        assert_eq!(c.pitch_period(), 40, "200 Hz at 8 kHz");
        let mut out = Vec::new();
        c.conceal(160, &mut out);
        // The first 10 ms continue the tone closely.
        let expected = tone(800, 80);
        let err: f64 = out[..80]
            .iter()
            .zip(&expected)
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
            .sum::<f64>()
            / 80.0;
        assert!(err < 300.0, "mean error {err}");
        // Three more lost frames: silent by 60 ms.
        for _ in 0..3 {
            c.conceal(160, &mut out);
        }
        assert!(out[480..].iter().all(|s| *s == 0));
        let peak = out[80..160].iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(peak < 10000 && peak > 5000, "fading: {peak}");
    }

    #[test]
    fn silence_and_short_history_conceal_as_silence() {
        let mut c = Concealer::new(16000);
        let mut out = Vec::new();
        c.conceal(320, &mut out);
        assert!(out.iter().all(|s| *s == 0));
        c.played(&mut [0; 320]);
        c.played(&mut [0; 320]);
        c.conceal(320, &mut out);
        assert!(out.iter().all(|s| *s == 0));
    }

    #[test]
    fn comfort_noise_has_the_signalled_level() {
        let mut c = Concealer::new(8000);
        let mut out = Vec::new();
        c.comfort_noise(40, 8000, &mut out);
        let rms = (out.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / 8000.0).sqrt();
        // −40 dBov: 327.
        assert!((280.0..380.0).contains(&rms), "{rms}");
    }
}
