//! An adaptive jitter buffer without I/O: packets go in with their arrival time, frames come out
//! at the playout clock. Time is counted in RTP timestamp units of the stream.
//!
//! - The target delay follows the measured delay variation: the 95th percentile of each
//!   packet's transit time above the fastest one over the last two seconds, plus one frame;
//!   it starts at two frames (40 ms) and is bounded.
//! - Reordered packets are put back in order; duplicates and packets that come after their
//!   playout time are dropped and counted.
//! - The play point follows the local clock: it stays `target` behind the fastest packets of
//!   the window (a packet is played `target` after the fastest path would have delivered it).
//! - A missing packet is reported with the packet after it (Opus in-band FEC can rebuild the
//!   lost frame from it). Only while the play point is closer than the target (or nothing at
//!   all is buffered) does playout wait a frame for it instead, which grows the delay by one frame (a delay spike, or a
//!   slower sender clock); otherwise the packet counts as lost and is concealed.
//! - When the play point stays more than a frame beyond the target for a while, one frame is
//!   dropped (a faster sender clock, or a spike that has passed).
//! - A jump in timestamps (a new talk spurt, a restarted source) restarts the buffer.

use std::collections::{BTreeMap, VecDeque};

/// Transit samples kept for the target (two seconds of 20 ms packets).
const WINDOW: usize = 100;
/// Ticks above target before the buffer wants to shrink (a quiet frame may then be skipped,
/// see [`JitterBuffer::wants_shrink`]).
const SHRINK_AFTER: u32 = 10;
/// Ticks above target before a frame is dropped whatever it holds.
const FORCE_SHRINK_AFTER: u32 = 100;

/// What the playout clock gets for the next frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Playout {
    /// Not started yet (or restarting): play silence.
    Waiting,
    /// The packet for this frame.
    Packet { timestamp: u32, payload: Vec<u8> },
    /// The packet for this frame is missing; `next` is the one after it when buffered.
    Missing { next: Option<Vec<u8>> },
}

/// What became of an inserted packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insert {
    Buffered,
    Late,
    Duplicate,
}

/// Counters for the quality read-out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitterStats {
    pub late: u32,
    pub duplicates: u32,
    /// Frames played without their packet.
    pub missing: u32,
    /// Frames dropped to shrink the delay.
    pub dropped: u32,
    /// Frames waited for (the delay grew by a frame).
    pub underruns: u32,
    pub restarts: u32,
}

/// The buffer for one received stream.
#[derive(Clone, Debug)]
pub struct JitterBuffer {
    frame: i64,
    min_target: i64,
    max_target: i64,
    target: i64,
    packets: BTreeMap<i64, Vec<u8>>,
    /// Last timestamp seen and its unwrapped value.
    unwrap: Option<(u32, i64)>,
    /// Unwrapped timestamp of the next frame to play.
    play: Option<i64>,
    /// End (timestamp + one frame) of the newest packet.
    newest_end: i64,
    transit: VecDeque<i64>,
    /// The smallest transit in the window.
    fastest: Option<i64>,
    /// Reused for the percentile (no allocation per packet).
    scratch: Vec<i64>,
    over: u32,
    stats: JitterStats,
}

impl JitterBuffer {
    /// A buffer for frames of `frame` timestamp units, with the target delay bounded by
    /// `max_frames` frames.
    pub fn new(frame: u32, max_frames: u32) -> JitterBuffer {
        let frame = i64::from(frame.max(1));
        JitterBuffer {
            frame,
            min_target: frame,
            max_target: frame * i64::from(max_frames.max(2)),
            target: 2 * frame,
            packets: BTreeMap::new(),
            unwrap: None,
            play: None,
            newest_end: 0,
            transit: VecDeque::with_capacity(WINDOW),
            fastest: None,
            scratch: Vec::with_capacity(WINDOW),
            over: 0,
            stats: JitterStats::default(),
        }
    }

    fn unwrap(&mut self, ts: u32) -> i64 {
        let ext = match self.unwrap {
            Some((last, ext)) => ext + i64::from(ts.wrapping_sub(last) as i32),
            None => i64::from(ts),
        };
        self.unwrap = Some((ts, ext));
        ext
    }

    fn restart(&mut self) {
        self.packets.clear();
        self.play = None;
        self.transit.clear();
        self.fastest = None;
        self.over = 0;
        self.stats.restarts += 1;
    }

    /// Adds a packet that arrived at `arrival` (local clock, timestamp units).
    pub fn insert(&mut self, timestamp: u32, payload: &[u8], arrival: u64) -> Insert {
        let ts = self.unwrap(timestamp);
        // Far outside the playout window: a new talk spurt or a restarted source.
        let horizon = self.max_target * 4;
        if let Some(play) = self.play
            && (ts > play + horizon || ts < play - horizon)
        {
            self.restart();
        }
        if self.play.is_some_and(|p| ts < p) {
            self.stats.late += 1;
            return Insert::Late;
        }
        if self.packets.contains_key(&ts) {
            self.stats.duplicates += 1;
            return Insert::Duplicate;
        }
        self.packets.insert(ts, payload.to_vec());
        self.newest_end = if self.packets.len() == 1 && self.play.is_none() {
            ts + self.frame
        } else {
            self.newest_end.max(ts + self.frame)
        };
        if self.transit.len() == WINDOW {
            self.transit.pop_front();
        }
        self.transit.push_back(arrival as i64 - ts);
        self.fastest = self.transit.iter().copied().min();
        self.update_target();
        Insert::Buffered
    }

    fn update_target(&mut self) {
        if self.transit.len() < 10 {
            return;
        }
        let fastest = self.fastest.unwrap_or(0);
        self.scratch.clear();
        self.scratch.extend(self.transit.iter());
        let n = self.scratch.len();
        let (_, p95, _) = self.scratch.select_nth_unstable((n * 95 / 100).min(n - 1));
        self.target = (*p95 - fastest + self.frame).clamp(self.min_target, self.max_target);
    }

    /// The next frame for the playout clock at `now` (local clock, timestamp units, the clock
    /// of [`JitterBuffer::insert`]'s arrivals).
    ///
    /// The play point is kept `target` behind the fastest packets: a packet is played when
    /// the fastest path would have brought it `target` ago. A missing packet is waited for
    /// (the delay grows by a frame) only while the play point is closer than that; otherwise
    /// it counts as lost.
    pub fn pop(&mut self, now: u64) -> Playout {
        let now = now as i64;
        let Some(fastest) = self.fastest else {
            return Playout::Waiting;
        };
        let Some(mut play) = self.play else {
            let Some(&first) = self.packets.keys().next() else {
                return Playout::Waiting;
            };
            if now - fastest - first < self.target {
                return Playout::Waiting;
            }
            self.play = Some(first);
            return self.pop(now as u64);
        };
        // How long the fastest path would have had the packet of the play point.
        let lag = now - fastest - play;
        // Shrink: more than a frame above target (the play point moves in frame steps, so up
        // to a frame above is just the phase of the clock) for a while, or far above at once.
        if lag > self.target + self.frame {
            self.over += 1;
            if self.over >= FORCE_SHRINK_AFTER || lag > self.target + self.max_target {
                self.over = 0;
                self.packets.remove(&play);
                play += self.frame;
                self.stats.dropped += 1;
            }
        } else {
            self.over = 0;
        }
        // Packets before the playout point can only be leftovers of a shorter frame.
        while let Some((&ts, _)) = self.packets.first_key_value() {
            if ts >= play {
                break;
            }
            self.packets.pop_first();
        }
        if let Some(payload) = self.packets.remove(&play) {
            self.play = Some(play + self.frame);
            return Playout::Packet {
                timestamp: play as u32,
                payload,
            };
        }
        self.stats.missing += 1;
        if lag < self.target || self.packets.is_empty() {
            // Closer than the target, or nothing at all buffered (a stall, an outage): the
            // packet may still come; wait a frame for it rather than skip ahead, which raises
            // the delay.
            self.play = Some(play);
            self.stats.underruns += 1;
            return Playout::Missing { next: None };
        }
        self.play = Some(play + self.frame);
        Playout::Missing {
            next: self.packets.get(&(play + self.frame)).cloned(),
        }
    }

    /// Whether the delay has stayed above target for a while: the caller may skip the frame
    /// just popped if it is quiet (then call [`JitterBuffer::skipped`] and pop again), which
    /// shrinks the delay without cutting speech. Without a quiet frame the buffer drops one
    /// itself after two seconds.
    pub fn wants_shrink(&self) -> bool {
        self.over >= SHRINK_AFTER
    }

    /// The caller skipped the frame just popped to shrink the delay.
    pub fn skipped(&mut self) {
        self.over = 0;
        self.stats.dropped += 1;
    }

    /// Tells the buffer that the packet just played lasted `units` (when it was not one frame).
    pub fn played(&mut self, units: u32) {
        if let Some(p) = &mut self.play {
            *p += i64::from(units) - self.frame;
        }
    }

    /// Audio buffered ahead of the playout point, in timestamp units.
    pub fn level(&self) -> u32 {
        self.play.map_or(0, |p| (self.newest_end - p).max(0) as u32)
    }

    /// The current target delay, in timestamp units.
    pub fn target(&self) -> u32 {
        self.target as u32
    }

    pub fn stats(&self) -> JitterStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: u32 = 160;

    /// A deterministic generator for the simulations.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
    }

    /// Sends `n` 20 ms packets through a channel with random delay up to `jitter` units, the
    /// sender's clock running `drift_ppm` fast (negative: slow), dropping the packets for which
    /// `lose` says so; plays out every 160 units. Returns (played payload numbers in order,
    /// levels at each tick, buffer).
    fn simulate(
        n: u32,
        jitter: u64,
        drift_ppm: i64,
        lose: impl Fn(u32) -> bool,
    ) -> (Vec<Option<u32>>, Vec<u32>, JitterBuffer) {
        simulate_with(n, |_| jitter, drift_ppm, lose)
    }

    /// [`simulate`] with the jitter depending on the packet number.
    fn simulate_with(
        n: u32,
        jitter: impl Fn(u32) -> u64,
        drift_ppm: i64,
        lose: impl Fn(u32) -> bool,
    ) -> (Vec<Option<u32>>, Vec<u32>, JitterBuffer) {
        let mut rng = Lcg(7);
        let mut jb = JitterBuffer::new(F, 20);
        let mut arrivals: Vec<(u64, u32)> = (0..n)
            .filter(|i| !lose(*i))
            .map(|i| {
                let send = u64::from(i) * u64::from(F);
                let send = (send as i64 - send as i64 * drift_ppm / 1_000_000) as u64;
                (send + 1000 + rng.below(jitter(i) + 1), i)
            })
            .collect();
        arrivals.sort();
        let (mut played, mut levels) = (Vec::new(), Vec::new());
        let mut next = 0;
        let end = arrivals.last().map_or(0, |a| a.0) + 20 * u64::from(F);
        let mut now = 0;
        while now < end {
            while next < arrivals.len() && arrivals[next].0 <= now {
                let i = arrivals[next].1;
                jb.insert(
                    i.wrapping_mul(F).wrapping_add(0xffff_0000),
                    &i.to_be_bytes(),
                    arrivals[next].0,
                );
                next += 1;
            }
            loop {
                match jb.pop(now) {
                    Playout::Packet { payload, .. } => {
                        let i = u32::from_be_bytes(payload.try_into().unwrap());
                        // Every 25th frame is a pause the player may skip to shrink the delay.
                        if jb.wants_shrink() && i % QUIET_EVERY == 0 {
                            jb.skipped();
                            continue;
                        }
                        played.push(Some(i));
                    }
                    Playout::Missing { .. } => played.push(None),
                    Playout::Waiting => {}
                }
                break;
            }
            levels.push(jb.level());
            now += u64::from(F);
        }
        (played, levels, jb)
    }

    /// In the simulations every 25th frame is quiet (a pause in speech).
    const QUIET_EVERY: u32 = 25;

    /// The packets in `0..n` that arrived (`lost` says which did not) but were not played.
    fn unplayed(played: &[Option<u32>], n: u32, lost: impl Fn(u32) -> bool) -> Vec<u32> {
        (0..n)
            .filter(|i| !lost(*i) && !played.contains(&Some(*i)))
            .collect()
    }

    fn in_order(played: &[Option<u32>]) -> bool {
        let got: Vec<u32> = played.iter().flatten().copied().collect();
        got.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn a_steady_stream_comes_down_to_the_minimum_delay_skipping_only_a_pause() {
        let (played, levels, jb) = simulate(500, 0, 0, |_| false);
        assert!(in_order(&played), "across the timestamp wrap too");
        // Down from the starting 40 ms to the minimum by skipping one pause, nothing else.
        let skipped = unplayed(&played, 500, |_| false);
        assert!(
            skipped.len() == 1 && skipped[0] % QUIET_EVERY == 0,
            "skipped {skipped:?}"
        );
        assert_eq!(jb.stats().dropped, 1);
        assert_eq!(jb.stats().late, 0);
        assert!(
            levels[100..450].iter().all(|l| *l <= 2 * F),
            "{:?}",
            &levels[100..120]
        );
        assert_eq!(jb.target(), F);
    }

    #[test]
    fn jitter_raises_the_target_and_few_packets_come_late() {
        // Up to 60 ms of random delay (±30 ms around the mean).
        let (played, _, jb) = simulate(1500, 480, 0, |_| false);
        assert!(in_order(&played));
        let late = jb.stats().late;
        assert!(late < 1500 / 25, "late {late}");
        assert!(
            jb.target() >= 400 && jb.target() <= 640 + F,
            "target {}",
            jb.target()
        );
    }

    #[test]
    fn the_target_comes_back_down_when_jitter_ends() {
        let (played, levels, jb) = simulate_with(1000, |i| if i < 300 { 800 } else { 0 }, 0, |_| false);
        assert!(in_order(&played));
        let mean = |l: &[u32]| l.iter().sum::<u32>() / l.len() as u32;
        let during = mean(&levels[200..300]);
        assert!(during >= 3 * F, "the delay grew with the jitter: {during}");
        assert!(jb.stats().late < 10, "{:?}", jb.stats());
        assert_eq!(jb.target(), F, "the window forgot the jitter");
        let after = mean(&levels[900..1000]);
        assert!(after <= 2 * F, "and shrank again: {after}");
        assert!(jb.stats().dropped > 0);
    }

    #[test]
    fn reordered_duplicate_and_late_packets() {
        let mut jb = JitterBuffer::new(F, 20);
        for (i, ts) in [0u32, 2, 1, 1, 3].iter().enumerate() {
            let r = jb.insert(ts * F, &[*ts as u8], i as u64 * 160);
            assert_eq!(r == Insert::Duplicate, i == 3);
        }
        let mut out = Vec::new();
        for k in 0..4u64 {
            if let Playout::Packet { payload, .. } = jb.pop(640 + k * 160) {
                out.push(payload[0]);
            }
        }
        assert_eq!(out, [0, 1, 2, 3]);
        assert_eq!(jb.insert(F, &[1], 900), Insert::Late);
        assert_eq!(jb.stats().late, 1);
    }

    #[test]
    fn a_lost_packet_comes_with_the_next_one_for_fec() {
        let mut jb = JitterBuffer::new(F, 20);
        for i in [0u32, 1, 3, 4] {
            jb.insert(i * F, &[i as u8], u64::from(i * F));
        }
        let mut seen = Vec::new();
        for k in 0..5u64 {
            seen.push(jb.pop(u64::from(4 * F) + k * u64::from(F)));
        }
        assert_eq!(seen[2], Playout::Missing { next: Some(vec![3]) });
        assert!(matches!(&seen[3], Playout::Packet { payload, .. } if payload == &[3]));
    }

    #[test]
    fn loss_is_concealed_without_losing_sync() {
        let (played, _, _) = simulate(1000, 80, 0, |i| i % 10 == 5);
        assert!(in_order(&played));
        let skipped = unplayed(&played, 1000, |i| i % 10 == 5);
        assert!(
            skipped.iter().all(|i| i % QUIET_EVERY == 0) && skipped.len() <= 2,
            "all the packets that arrived were played but a pause or two: {skipped:?}"
        );
        let missing = played.iter().filter(|p| p.is_none()).count();
        assert!((100..=130).contains(&missing), "missing {missing}");
    }

    /// The benchmark's channel (5 % random loss, 0–30 ms random delay): every packet that
    /// arrives in time is played, concealment stays near the real loss, few packets are thrown
    /// away, and the delay stays near the jitter.
    #[test]
    fn loss_with_jitter_conceals_the_lost_and_plays_the_rest() {
        let n = 3000;
        let mut rng = Lcg(11);
        let lost: Vec<bool> = (0..n).map(|_| rng.below(100) < 5).collect();
        let (played, levels, jb) = simulate(n, 240, 0, |i| lost[i as usize]);
        assert!(in_order(&played));
        let really_lost = lost.iter().filter(|l| **l).count();
        let s = jb.stats();
        let discarded = s.late + s.dropped;
        let concealed = played.iter().filter(|p| p.is_none()).count();
        let mean_level =
            levels[500..].iter().map(|l| u64::from(*l)).sum::<u64>() / (levels.len() - 500) as u64;
        eprintln!(
            "lost {really_lost}, concealed {concealed}, discarded {discarded} ({s:?}), mean level {} ms",
            mean_level / 8
        );
        assert!(
            discarded <= n / 100,
            "{discarded} arrived packets thrown away: {s:?}"
        );
        assert!(
            concealed <= really_lost + n as usize / 100,
            "{concealed} concealed for {really_lost} lost"
        );
        assert!(mean_level <= 480 + u64::from(F), "mean level {mean_level}");
    }

    #[test]
    fn clock_drift_either_way_keeps_the_delay_bounded() {
        for drift in [10_000i64, -10_000] {
            // 1 % over 60 s: 600 ms of drift.
            let (played, levels, jb) = simulate(3000, 40, drift, |_| false);
            assert!(in_order(&played));
            let worst = levels[200..].iter().max().copied().unwrap_or(0);
            assert!(worst <= 5 * F, "drift {drift}: level up to {worst}");
            let s = jb.stats();
            if drift > 0 {
                assert!(s.dropped >= 20, "{s:?}");
            } else {
                assert!(s.underruns >= 20, "{s:?}");
            }
        }
    }

    #[test]
    fn a_timestamp_jump_restarts_playout() {
        let mut jb = JitterBuffer::new(F, 20);
        for i in 0..10u32 {
            jb.insert(i * F, &[1], u64::from(i * F));
            let _ = jb.pop(u64::from(i * F));
        }
        let base = 5_000_000u32;
        let mut got = 0;
        for i in 0..10u32 {
            jb.insert(base + i * F, &[2], u64::from(10 * F + i * F));
            if let Playout::Packet { payload, .. } = jb.pop(u64::from(10 * F + i * F)) {
                assert_eq!(payload, [2]);
                got += 1;
            }
        }
        assert!(got >= 8, "played {got}");
        assert_eq!(jb.stats().restarts, 1);
    }
}
