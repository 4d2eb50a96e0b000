//! Receiver statistics (RFC 3550 Appendix A): extended sequence numbers across wrap-around,
//! source validation, expected/lost counts and the interarrival jitter estimate.

/// Packets in a row needed before a new source is trusted (A.1 `MIN_SEQUENTIAL`).
const MIN_SEQUENTIAL: u16 = 2;
const MAX_DROPOUT: u16 = 3000;
const MAX_MISORDER: u16 = 100;
const SEQ_MOD: u32 = 1 << 16;

/// What happened to a packet's sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqUpdate {
    /// Accepted, with its extended (32-bit, wrap-counting) sequence number.
    Valid(u32),
    /// The source is still on probation.
    Probation,
    /// A jump or a very late packet; it is held as a possible restart of the source.
    Bad,
}

/// Per-source receive state.
#[derive(Clone, Debug, Default)]
pub struct ReceiverStats {
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u16,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    started: bool,
    /// Jitter in timestamp units, ×16 (A.8 keeps the fraction this way).
    jitter_x16: u32,
    last_transit: Option<i64>,
}

impl ReceiverStats {
    fn init(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// A.1 `update_seq`.
    pub fn update_seq(&mut self, seq: u16) -> SeqUpdate {
        if !self.started {
            self.started = true;
            self.init(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init(seq);
                    self.received += 1;
                    return SeqUpdate::Valid(self.extended(seq));
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SeqUpdate::Probation;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles += SEQ_MOD;
            }
            self.max_seq = seq;
        } else if u32::from(udelta) <= SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets after a jump: the source restarted.
                self.init(seq);
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
                return SeqUpdate::Bad;
            }
        }
        // else: a duplicate or reordered packet; counted, max_seq unchanged.
        self.received += 1;
        SeqUpdate::Valid(self.extended(seq))
    }

    fn extended(&self, seq: u16) -> u32 {
        // A late packet from before a wrap belongs to the previous cycle.
        let cycles = if seq > self.max_seq && seq.wrapping_sub(self.max_seq) > 0x8000 {
            self.cycles.wrapping_sub(SEQ_MOD)
        } else {
            self.cycles
        };
        cycles.wrapping_add(u32::from(seq))
    }

    /// Highest extended sequence number received.
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// Packets expected so far (A.3).
    pub fn expected(&self) -> u32 {
        self.extended_max().wrapping_sub(self.base_seq).wrapping_add(1)
    }

    /// Cumulative packets lost (negative with duplicates), clamped to 24 bits as in reports.
    pub fn cumulative_lost(&self) -> i32 {
        let lost = i64::from(self.expected()) - i64::from(self.received);
        lost.clamp(-0x80_0000, 0x7f_ffff) as i32
    }

    /// The loss fraction since the last call, in 1/256 (the RR `fraction lost` field).
    pub fn fraction_lost(&mut self) -> u8 {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost = i64::from(expected_interval) - i64::from(received_interval);
        if expected_interval == 0 || lost <= 0 {
            0
        } else {
            ((lost << 8) / i64::from(expected_interval)).min(255) as u8
        }
    }

    /// A.8: updates the jitter with a packet's RTP timestamp and its arrival time, both in
    /// timestamp units.
    pub fn update_jitter(&mut self, rtp_timestamp: u32, arrival: u32) {
        let transit = i64::from(arrival.wrapping_sub(rtp_timestamp) as i32);
        if let Some(last) = self.last_transit {
            let d = (transit - last).unsigned_abs().min(u64::from(u32::MAX / 32)) as u32;
            // J += (|D| - J) / 16, kept ×16.
            self.jitter_x16 = self.jitter_x16 + d - ((self.jitter_x16 + 8) >> 4);
        }
        self.last_transit = Some(transit);
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter_x16 >> 4
    }

    pub fn received(&self) -> u32 {
        self.received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(stats: &mut ReceiverStats, seqs: impl IntoIterator<Item = u16>) -> Vec<SeqUpdate> {
        seqs.into_iter().map(|s| stats.update_seq(s)).collect()
    }

    #[test]
    fn probation_then_valid_and_wrap_around() {
        let mut s = ReceiverStats::default();
        let r = feed(&mut s, [65533, 65534, 65535, 0, 1]);
        assert_eq!(r[0], SeqUpdate::Probation);
        assert_eq!(r[1], SeqUpdate::Valid(65534));
        assert_eq!(r[3], SeqUpdate::Valid(65536), "wrapped");
        assert_eq!(r[4], SeqUpdate::Valid(65537));
        assert_eq!(s.expected(), 4);
        assert_eq!(s.cumulative_lost(), 0);
    }

    #[test]
    fn loss_and_fraction() {
        let mut s = ReceiverStats::default();
        feed(&mut s, [10, 11]);
        feed(&mut s, (12..110).filter(|n| n % 4 != 0));
        // 11..=109: 99 expected; the 25 multiples of 4 in 12..=108 were lost.
        assert_eq!(s.expected(), 99);
        assert_eq!(s.cumulative_lost(), 25);
        let f = s.fraction_lost();
        assert_eq!(f, (25 * 256 / 99) as u8);
        assert_eq!(s.fraction_lost(), 0, "nothing new since the last report");
    }

    #[test]
    fn late_and_duplicate_packets() {
        let mut s = ReceiverStats::default();
        feed(&mut s, [100, 101, 102, 104]);
        assert_eq!(s.update_seq(103), SeqUpdate::Valid(103), "reordered");
        assert_eq!(s.update_seq(103), SeqUpdate::Valid(103), "duplicate");
        assert_eq!(s.cumulative_lost(), -1, "a duplicate counts as negative loss");
    }

    #[test]
    fn a_restarted_source_is_followed_after_two_packets() {
        let mut s = ReceiverStats::default();
        feed(&mut s, [1, 2, 3]);
        assert_eq!(s.update_seq(40000), SeqUpdate::Bad);
        assert!(matches!(s.update_seq(40001), SeqUpdate::Valid(_)));
        assert!(matches!(s.update_seq(40002), SeqUpdate::Valid(40002)));
    }

    #[test]
    fn jitter_follows_rfc_3550() {
        let mut s = ReceiverStats::default();
        // 20 ms packets at 8 kHz (160 ticks) arriving alternately 0 and 80 ticks late.
        for i in 0..200u32 {
            let ts = i * 160;
            let arrival = ts + if i % 2 == 0 { 0 } else { 80 };
            s.update_jitter(ts, arrival);
        }
        // |D| is 80 every packet: the estimate converges to 80.
        assert!((78..=80).contains(&s.jitter()), "{}", s.jitter());
        let mut steady = ReceiverStats::default();
        for i in 0..50u32 {
            steady.update_jitter(i * 160, i * 160 + 1000);
        }
        assert_eq!(steady.jitter(), 0);
    }
}
