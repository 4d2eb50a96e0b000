//! The echo canceller's reference: the audio played, handed back as far behind as the audio
//! takes to pass through the output's and the input's buffers.
//!
//! The canceller models an echo that comes back within its tail after the reference. Played
//! audio waits in the output buffer before the device takes it, and the microphone's audio waits
//! in the input buffer before it is read; both amounts change during a call (a busy machine runs a
//! media tick late, the sound server resizes its buffers), and every move of the echo makes an
//! adaptive filter relearn. So the reference comes from the history of played audio,
//! as many samples back as the two buffers hold: the figure WebRTC's audio processing asks for as
//! `set_stream_delay_ms` (render buffer delay + capture buffer delay). What the sound server and
//! the room add on top, and moves the buffers do not show, are left to the canceller's own delay
//! estimate (`voice.rs`).
//!
//! The buffers are measured once a frame, and the measurement jumps by a device period at a time
//! while the true delay does not: the delay used follows the median of the last second's
//! measurements. It follows it freely during the first second (the canceller has not converged
//! yet); after that it stays put while the echo still falls well inside the canceller's tail:
//! until the median is [`EARLY_MS`] below it (the echo would come before its reference) or
//! [`LATE_MS`] above it. Each move makes the canceller reconverge.

use std::collections::VecDeque;

/// Longest buffer delay followed (the output queue is bounded at 150 ms, the input backlog at
/// 80 ms).
const HISTORY_MS: usize = 300;
/// Measurements the median is taken over (one second of 20 ms frames).
const WINDOW: usize = 50;
/// How far the median may fall below the delay in use before the delay follows…
const EARLY_MS: usize = 20;
/// …and how far it may rise above it.
const LATE_MS: usize = 60;
/// Kept off the measured delay: the reference must never come after its echo.
const MARGIN_MS: usize = 10;

/// The played audio of one call, at the codec rate.
#[derive(Debug)]
pub struct EchoReference {
    per_ms: usize,
    frame: usize,
    history: VecDeque<i16>,
    measured: VecDeque<usize>,
    sorted: Vec<usize>,
    delay: usize,
    moves: u32,
    out: Vec<i16>,
}

impl EchoReference {
    /// For `frame`-sample frames at `rate` Hz.
    pub fn new(rate: u32, frame: usize) -> EchoReference {
        let per_ms = (rate / 1000).max(1) as usize;
        EchoReference {
            per_ms,
            frame,
            history: VecDeque::with_capacity(HISTORY_MS * per_ms + frame),
            measured: VecDeque::with_capacity(WINDOW),
            sorted: Vec::with_capacity(WINDOW),
            delay: 0,
            moves: 0,
            out: vec![0; frame],
        }
    }

    /// A frame went to the output.
    pub fn played(&mut self, frame: &[i16]) {
        self.history.extend(frame);
        let keep = HISTORY_MS * self.per_ms + self.frame;
        if self.history.len() > keep {
            self.history.drain(..self.history.len() - keep);
        }
    }

    /// The output or the input jumped: `samples` more (or, negative, fewer) now lie between a
    /// sound played and its echo read. The output played a gap of silence, or the input skipped
    /// audio; a frame the output dropped is one the history never gets, which is a jump back of a
    /// frame. The delay and the measurements follow at once: these jumps are known exactly.
    pub fn jump(&mut self, samples: isize) {
        let max = HISTORY_MS * self.per_ms;
        let moved = |x: usize| x.saturating_add_signed(samples).min(max);
        self.delay = moved(self.delay);
        for m in &mut self.measured {
            *m = moved(*m);
        }
    }

    /// The reference for the frame just captured, given the audio now waiting in the output
    /// buffer and the input buffer together (`buffered`, in samples at the codec rate).
    pub fn reference(&mut self, buffered: usize) -> &[i16] {
        if self.measured.len() == WINDOW {
            self.measured.pop_front();
        }
        self.measured.push_back(buffered);
        self.sorted.clear();
        self.sorted.extend(&self.measured);
        self.sorted.sort_unstable();
        let median = self.sorted[self.sorted.len() / 2];
        let target = median
            .saturating_sub(MARGIN_MS * self.per_ms)
            .min(HISTORY_MS * self.per_ms);
        let settled = self.measured.len() == WINDOW;
        let early = self.delay > target + EARLY_MS * self.per_ms;
        let late = target > self.delay + LATE_MS * self.per_ms;
        if (!settled && target != self.delay) || early || late {
            self.delay = target;
            self.moves += u32::from(settled);
        }
        let end = self.history.len().saturating_sub(self.delay);
        let start = end.saturating_sub(self.frame);
        let missing = self.frame - (end - start);
        self.out[..missing].fill(0);
        for (o, s) in self.out[missing..].iter_mut().zip(self.history.range(start..end)) {
            *o = *s;
        }
        &self.out
    }

    /// The delay in use, in milliseconds.
    pub fn delay_ms(&self) -> usize {
        self.delay / self.per_ms
    }

    /// How many times the delay moved after the first second (the canceller reconverged).
    pub fn moves(&self) -> u32 {
        self.moves
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames numbered by their samples: frame n holds n in every sample.
    fn numbered(n: usize) -> Vec<i16> {
        vec![i16::try_from(n).unwrap(); 160]
    }

    #[test]
    fn without_buffered_audio_the_reference_is_the_last_frame_played() {
        let mut r = EchoReference::new(8000, 160);
        for n in 1..=5 {
            r.played(&numbered(n));
        }
        assert_eq!(r.reference(0), &numbered(5)[..]);
        assert_eq!(r.delay_ms(), 0);
    }

    #[test]
    fn the_reference_lags_by_the_buffered_audio_less_the_margin() {
        let mut r = EchoReference::new(8000, 160);
        for n in 1..=20 {
            r.played(&numbered(n));
        }
        // 90 ms buffered: 80 ms back, four frames before the last one.
        assert_eq!(r.reference(90 * 8), &numbered(16)[..]);
        assert_eq!((r.delay_ms(), r.moves()), (80, 0));
    }

    /// Feeds `frames` frames with `buffered(i)` ms buffered; the delay after each.
    fn run(r: &mut EchoReference, frames: usize, buffered: impl Fn(usize) -> usize) -> Vec<usize> {
        (0..frames)
            .map(|i| {
                r.played(&numbered(i % 1000));
                r.reference(buffered(i) * 8);
                r.delay_ms()
            })
            .collect()
    }

    #[test]
    fn jitter_of_a_device_period_does_not_move_the_delay() {
        let mut r = EchoReference::new(8000, 160);
        // 60 ms ± one 10 ms device period.
        let delays = run(&mut r, 500, |i| [50, 60, 70, 60][i % 4]);
        assert!(delays[WINDOW..].iter().all(|d| *d == 50), "{delays:?}");
        assert_eq!(r.moves(), 0);
    }

    #[test]
    fn the_delay_stays_while_the_echo_is_well_inside_the_tail() {
        let mut r = EchoReference::new(8000, 160);
        // Locked at 40 (50 buffered), then the buffers grow by 50 ms and shrink by 15 ms.
        let delays = run(&mut r, 300, |i| match i {
            0..100 => 50,
            100..200 => 100,
            _ => 35,
        });
        assert!(delays[WINDOW..].iter().all(|d| *d == 40), "{delays:?}");
        assert_eq!(r.moves(), 0);
    }

    #[test]
    fn a_lasting_change_moves_the_delay_once_the_median_has_moved() {
        let mut r = EchoReference::new(8000, 160);
        // Later by 80 ms, then earlier by 30 ms.
        let delays = run(&mut r, 300, |i| match i {
            0..100 => 60,
            100..200 => 140,
            _ => 110,
        });
        // The median flips after half the window.
        let moved = |from: usize, to: usize| delays[from..].iter().position(|d| *d == to);
        let half = Some(WINDOW / 2 - 1)..=Some(WINDOW / 2);
        assert!(half.contains(&moved(100, 130)), "{delays:?}");
        assert!(half.contains(&moved(200, 100)), "{delays:?}");
        assert_eq!(r.moves(), 2);
    }

    #[test]
    fn known_jumps_move_the_delay_at_once() {
        let mut r = EchoReference::new(8000, 160);
        let delays = run(&mut r, 100, |_| 90);
        assert_eq!(delays[99], 80);
        // The input skipped 25 ms: the echo of what was played comes 25 ms sooner.
        r.jump(-25 * 8);
        assert_eq!(r.delay_ms(), 55);
        // The output played 12 ms of silence in a gap: 12 ms later.
        r.jump(12 * 8);
        assert_eq!(r.delay_ms(), 67);
        // The buffers now hold 13 ms less: the median agrees at once, nothing else moves.
        let delays = run(&mut r, 100, |_| 77);
        assert!(delays.iter().all(|d| *d == 67), "{delays:?}");
        assert_eq!(r.moves(), 0);
    }

    #[test]
    fn an_early_reference_is_padded_with_silence() {
        let mut r = EchoReference::new(8000, 160);
        r.played(&numbered(7));
        let reference = r.reference(100 * 8).to_vec();
        assert!(reference.iter().all(|s| *s == 0), "{reference:?}");
        // 35 ms back from two frames: 40 samples of the first frame, silence before them.
        let mut r = EchoReference::new(8000, 160);
        r.played(&numbered(1));
        r.played(&numbered(2));
        let reference = r.reference(45 * 8);
        assert!(reference[..120].iter().all(|s| *s == 0));
        assert!(reference[120..].iter().all(|s| *s == 1));
    }

    #[test]
    fn a_delay_beyond_the_history_is_capped() {
        let mut r = EchoReference::new(48000, 960);
        for n in 0..40 {
            r.played(&vec![i16::try_from(n).unwrap(); 960]);
        }
        r.reference(2000 * 48);
        assert_eq!(r.delay_ms(), HISTORY_MS);
        assert!(r.history.len() <= HISTORY_MS * 48 + 960);
    }
}
