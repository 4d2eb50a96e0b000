//! The receiving half of a stream: validates and orders the far end's packets (statistics,
//! SSRC changes, RFC 4733 digits, comfort noise), and at each 20 ms tick hands out the frame to
//! hear — decoded through the jitter buffer, concealed when a packet is lost.

use std::collections::VecDeque;

use tracing::debug;

use crate::engine::rtp::dtmf::{DtmfReceiver, TelephoneEvent};
use crate::engine::rtp::jitter::{Insert, JitterBuffer, JitterStats, Playout};
use crate::engine::rtp::packet::RtpPacket;
use crate::engine::rtp::rtcp::ReportBlock;
use crate::engine::rtp::stats::{ReceiverStats, SeqUpdate};
use crate::media::codec::AudioCodec;
use crate::media::plc::Concealer;

/// RFC 3389 comfort noise (static payload type).
const CN_PT: u8 = 13;
/// Upper bound of the jitter buffer's target, in 20 ms frames.
const MAX_DELAY_FRAMES: u32 = 15;

/// What became of a received packet.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Received {
    Audio,
    Digit(char),
    /// Not for us (unknown payload type, source on probation, late, duplicate).
    Ignored,
}

pub(crate) struct Receiver {
    payload_type: u8,
    dtmf_pt: Option<u8>,
    rate: u32,
    clock: u32,
    frame_len: usize,
    ssrc: Option<u32>,
    stats: ReceiverStats,
    jitter: JitterBuffer,
    plc: Concealer,
    dtmf: DtmfReceiver,
    /// Comfort noise level (−dBov) while the far end is silent.
    comfort: Option<u8>,
    pending: VecDeque<i16>,
    decoded: Vec<i16>,
    pub(super) packets: u32,
    pub(super) ssrc_changes: u32,
}

impl Receiver {
    pub(crate) fn new(payload_type: u8, dtmf_pt: Option<u8>, codec: &dyn AudioCodec) -> Receiver {
        let rate = codec.sample_rate();
        let clock = codec.rtp_clock();
        Receiver {
            payload_type,
            dtmf_pt,
            rate,
            clock,
            frame_len: rate as usize / 50,
            ssrc: None,
            stats: ReceiverStats::default(),
            jitter: JitterBuffer::new(clock / 50, MAX_DELAY_FRAMES),
            plc: Concealer::new(rate),
            dtmf: DtmfReceiver::default(),
            comfort: None,
            pending: VecDeque::new(),
            decoded: Vec::new(),
            packets: 0,
            ssrc_changes: 0,
        }
    }

    /// A packet that arrived at `arrival` (local clock in RTP timestamp units).
    pub(crate) fn on_packet(&mut self, p: &RtpPacket<'_>, arrival: u64) -> Received {
        let pt = p.header.payload_type;
        if pt != self.payload_type && Some(pt) != self.dtmf_pt && pt != CN_PT {
            return Received::Ignored;
        }
        if self.ssrc.is_some_and(|s| s != p.header.ssrc) {
            // A new source (the far end restarted its stream, or a transfer): start over.
            debug!(old = ?self.ssrc, new = p.header.ssrc, "the far end changed its SSRC");
            self.stats = ReceiverStats::default();
            self.jitter = JitterBuffer::new(self.clock / 50, MAX_DELAY_FRAMES);
            self.dtmf = DtmfReceiver::default();
            self.ssrc_changes += 1;
        }
        self.ssrc = Some(p.header.ssrc);
        // Events and audio share one sequence space.
        if matches!(self.stats.update_seq(p.header.sequence), SeqUpdate::Bad) {
            return Received::Ignored;
        }
        if Some(pt) == self.dtmf_pt {
            return match TelephoneEvent::parse(p.payload)
                .and_then(|e| self.dtmf.on_packet(p.header.timestamp, e))
            {
                Some(d) => Received::Digit(d),
                None => Received::Ignored,
            };
        }
        self.stats.update_jitter(p.header.timestamp, arrival as u32);
        self.packets += 1;
        if pt == CN_PT {
            self.comfort = Some(p.payload.first().copied().unwrap_or(127) & 0x7f);
            return Received::Audio;
        }
        match self.jitter.insert(p.header.timestamp, p.payload, arrival) {
            Insert::Buffered => Received::Audio,
            Insert::Late | Insert::Duplicate => Received::Ignored,
        }
    }

    /// The next 20 ms to hear at `now` (the clock of the arrivals), appended to `out`.
    pub(crate) fn next_frame(&mut self, codec: &mut dyn AudioCodec, now: u64, out: &mut Vec<i16>) {
        while self.pending.len() < self.frame_len {
            match self.jitter.pop(now) {
                Playout::Packet { payload, .. } => {
                    self.comfort = None;
                    codec.decode(&payload, &mut self.decoded);
                    if self.decoded.is_empty() {
                        // Undecodable: treat as lost.
                        self.conceal(codec, None);
                        continue;
                    }
                    if self.jitter.wants_shrink() && is_quiet(&self.decoded) {
                        // Shrinking the delay costs nothing audible here.
                        self.jitter.skipped();
                        continue;
                    }
                    let units = self.decoded.len() as u64 * u64::from(self.clock) / u64::from(self.rate);
                    if units as usize != self.frame_len * self.clock as usize / self.rate as usize {
                        self.jitter.played(units as u32);
                    }
                    self.plc.played(&mut self.decoded);
                    self.pending.extend(self.decoded.iter());
                }
                Playout::Missing { next } => self.conceal(codec, next.as_deref()),
                Playout::Waiting => {
                    let mut silence = Vec::with_capacity(self.frame_len);
                    match self.comfort {
                        Some(level) => self.plc.comfort_noise(level, self.frame_len, &mut silence),
                        None => silence.resize(self.frame_len, 0),
                    }
                    self.pending.extend(silence);
                }
            }
        }
        out.extend(self.pending.drain(..self.frame_len));
    }

    fn conceal(&mut self, codec: &mut dyn AudioCodec, next: Option<&[u8]>) {
        let mut frame = Vec::with_capacity(self.frame_len);
        if let Some(level) = self.comfort {
            self.plc.comfort_noise(level, self.frame_len, &mut frame);
        } else if codec.conceal(next, &mut self.decoded) && !self.decoded.is_empty() {
            frame.extend_from_slice(&self.decoded);
            self.plc.played(&mut frame);
        } else {
            self.plc.conceal(self.frame_len, &mut frame);
        }
        self.pending.extend(frame);
    }

    /// A reception report block about the far end's stream, when it has sent anything.
    pub(super) fn report_block(&mut self, last_sr: u32, delay_since: u32) -> Option<ReportBlock> {
        let ssrc = self.ssrc?;
        if self.stats.received() == 0 {
            return None;
        }
        Some(ReportBlock {
            ssrc,
            fraction_lost: self.stats.fraction_lost(),
            cumulative_lost: self.stats.cumulative_lost(),
            highest_seq: self.stats.extended_max(),
            jitter: self.stats.jitter(),
            last_sr,
            delay_since_last_sr: delay_since,
        })
    }

    pub(super) fn ssrc(&self) -> Option<u32> {
        self.ssrc
    }

    pub(super) fn lost(&self) -> i32 {
        self.stats.cumulative_lost()
    }

    /// Interarrival jitter in milliseconds.
    pub(super) fn jitter_ms(&self) -> u32 {
        (u64::from(self.stats.jitter()) * 1000 / u64::from(self.clock.max(1))) as u32
    }

    /// The jitter buffer's current delay in milliseconds.
    pub(super) fn delay_ms(&self) -> u32 {
        (u64::from(self.jitter.level()) * 1000 / u64::from(self.clock.max(1))) as u32
    }

    pub(super) fn buffer_stats(&self) -> JitterStats {
        self.jitter.stats()
    }
}

/// RMS below this (about −45 dBFS) is a pause: a frame that can be skipped unheard.
const QUIET_RMS: f64 = 180.0;

fn is_quiet(frame: &[i16]) -> bool {
    let energy: f64 = frame.iter().map(|s| f64::from(*s).powi(2)).sum();
    energy < QUIET_RMS * QUIET_RMS * frame.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rtp::packet::RtpHeader;

    /// A clean PCMU stream of 1 s of tone then 1 s of silence, repeated: the buffer starts at
    /// 40 ms and wants 20 ms; it gets there by skipping a frame of silence, never one of tone.
    #[test]
    fn the_delay_shrinks_by_skipping_a_pause_not_speech() {
        let mut codec = crate::media::codec::make("PCMU").unwrap();
        let mut rx = Receiver::new(0, None, codec.as_ref());
        let mut bytes = Vec::new();
        let mut heard = Vec::new();
        for i in 0..300u32 {
            let loud = (i / 50) % 2 == 0;
            let pcm: Vec<i16> = (0..160)
                .map(|n| match loud {
                    true => ((f64::from(i * 160 + n) * 0.3).sin() * 8000.0) as i16,
                    false => 0,
                })
                .collect();
            let mut payload = Vec::new();
            codec.encode(&pcm, &mut payload);
            let header = RtpHeader {
                marker: false,
                payload_type: 0,
                sequence: i as u16,
                timestamp: i * 160,
                ssrc: 7,
            };
            bytes.clear();
            crate::engine::rtp::packet::write(&header, &payload, &mut bytes);
            let p = crate::engine::rtp::packet::parse(&bytes).unwrap();
            let arrival = u64::from(i) * 160 + 1000;
            rx.on_packet(&p, arrival);
            let mut frame = Vec::new();
            rx.next_frame(codec.as_mut(), arrival + 10, &mut frame);
            heard.push(frame);
        }
        let stats = rx.buffer_stats();
        assert_eq!(stats.dropped, 1, "{stats:?}");
        assert_eq!(stats.missing, 0, "{stats:?}");
        // Every tone frame was heard: 150 loud frames, in 3 unbroken runs of 50.
        let loud: Vec<bool> = heard.iter().map(|f| !is_quiet(f)).collect();
        assert_eq!(loud.iter().filter(|l| **l).count(), 150);
        let runs = loud.windows(2).filter(|w| w[0] && !w[1]).count();
        assert_eq!(runs, 3);
    }
}
