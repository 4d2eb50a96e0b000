//! A peak meter for UI level displays, written by a device callback and read from anywhere
//! without a lock.

use std::sync::atomic::{AtomicU32, Ordering};

/// The level reported for silence (and for a muted input), in dBFS.
pub const SILENT_DBFS: f32 = -100.0;

/// The peak of the last ~50 ms, in dBFS, as f32 bits.
#[derive(Debug)]
pub(super) struct Level(AtomicU32);

impl Level {
    pub(super) fn new() -> Level {
        Level(AtomicU32::new(SILENT_DBFS.to_bits()))
    }

    pub(super) fn get(&self) -> f32 {
        f32::from_bits(self.0.load(Ordering::Relaxed))
    }

    fn set(&self, dbfs: f32) {
        self.0.store(dbfs.to_bits(), Ordering::Relaxed);
    }
}

/// Collects the peak over a window of samples and publishes it at the window's end.
#[derive(Debug)]
pub(super) struct PeakWindow {
    peak: f32,
    seen: usize,
    window: usize,
}

impl PeakWindow {
    /// A window of ~50 ms at `rate`.
    pub(super) fn new(rate: u32) -> PeakWindow {
        PeakWindow {
            peak: 0.0,
            seen: 0,
            window: (rate / 20).max(1) as usize,
        }
    }

    /// Adds one sample in [-1, 1].
    pub(super) fn add(&mut self, sample: f32, level: &Level) {
        self.peak = self.peak.max(sample.abs());
        self.seen += 1;
        if self.seen >= self.window {
            level.set(dbfs(self.peak));
            self.peak = 0.0;
            self.seen = 0;
        }
    }
}

/// A peak in [0, 1] in dBFS, floored at [`SILENT_DBFS`].
fn dbfs(peak: f32) -> f32 {
    if peak <= 0.0 {
        return SILENT_DBFS;
    }
    (20.0 * peak.log10()).clamp(SILENT_DBFS, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_half_scale_peak_is_minus_six_dbfs_after_a_window() {
        let level = Level::new();
        let mut w = PeakWindow::new(8000);
        for i in 0..399 {
            w.add(if i == 10 { -0.5 } else { 0.1 }, &level);
        }
        assert_eq!(level.get(), SILENT_DBFS, "not published before the window ends");
        w.add(0.0, &level);
        assert!((level.get() + 6.02).abs() < 0.01, "{}", level.get());
        for _ in 0..400 {
            w.add(0.0, &level);
        }
        assert_eq!(level.get(), SILENT_DBFS);
    }
}
