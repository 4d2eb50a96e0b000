//! The stream's RTCP: when to report (RFC 3550 §6.2: 5 s minimum, randomised 0.5–1.5×, the
//! first after half of that), what to put in our SR/RR, and what the far end's reports tell us
//! (round-trip time; loss and jitter of our stream as they see it).

use std::time::{Duration, Instant, SystemTime};

use crate::engine::rtp::rtcp::{self, ReportBlock, Rtcp, SenderInfo};

use super::receive::Receiver;

const INTERVAL: Duration = Duration::from_secs(5);

/// What the far end reported about our stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RemoteView {
    pub fraction_lost: u8,
    pub cumulative_lost: i32,
    /// Their interarrival jitter of our stream, in our timestamp units.
    pub jitter: u32,
}

pub(super) struct Reports {
    ssrc: u32,
    cname: String,
    next: Instant,
    /// Middle 32 bits of the far end's last SR and when it arrived.
    their_sr: Option<(u32, Instant)>,
    pub(super) rtt: Option<Duration>,
    pub(super) remote: Option<RemoteView>,
    pub(super) sent_reports: u32,
    pub(super) received_reports: u32,
    pub(super) bye: bool,
    seed: u32,
}

/// Seconds since the Unix epoch, as NTP.
fn ntp_now() -> u64 {
    rtcp::ntp_from_unix(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default(),
    )
}

impl Reports {
    pub(super) fn new(ssrc: u32, cname: String, now: Instant) -> Reports {
        let mut r = Reports {
            ssrc,
            cname,
            next: now,
            their_sr: None,
            rtt: None,
            remote: None,
            sent_reports: 0,
            received_reports: 0,
            bye: false,
            seed: ssrc | 1,
        };
        r.next = now + r.randomised(INTERVAL / 2);
        r
    }

    fn randomised(&mut self, base: Duration) -> Duration {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 17;
        self.seed ^= self.seed << 5;
        // 0.5 to 1.5 times the interval.
        base.mul_f64(0.5 + f64::from(self.seed % 1000) / 1000.0)
    }

    pub(super) fn due(&self, now: Instant) -> bool {
        now >= self.next
    }

    /// Our compound report: an SR when we have sent media, with a block about the far end's
    /// stream when we have received any; `bye` appends a BYE.
    pub(super) fn build(
        &mut self,
        now: Instant,
        sent: Option<SenderInfo>,
        receiver: &mut Receiver,
        bye: bool,
        out: &mut Vec<u8>,
    ) {
        let (lsr, dlsr) = match self.their_sr {
            Some((lsr, at)) => {
                let since = now.saturating_duration_since(at);
                (lsr, (since.as_micros() as u64 * 65536 / 1_000_000) as u32)
            }
            None => (0, 0),
        };
        let blocks: Vec<ReportBlock> = receiver.report_block(lsr, dlsr).into_iter().collect();
        let info = sent.map(|s| SenderInfo { ntp: ntp_now(), ..s });
        rtcp::write_compound(self.ssrc, info.as_ref(), &blocks, &self.cname, bye, out);
        self.sent_reports += 1;
        self.next = now + self.randomised(INTERVAL);
    }

    /// A compound packet from the far end (decrypted).
    pub(super) fn on_rtcp(&mut self, buf: &[u8], now: Instant, their_ssrc: Option<u32>) {
        let Ok(packets) = rtcp::parse(buf) else {
            return;
        };
        self.received_reports += 1;
        let arrival = rtcp::ntp_middle(ntp_now());
        for p in packets {
            let blocks = match p {
                Rtcp::SenderReport { ssrc, info, blocks } => {
                    if their_ssrc.is_none_or(|s| s == ssrc) {
                        self.their_sr = Some((rtcp::ntp_middle(info.ntp), now));
                    }
                    blocks
                }
                Rtcp::ReceiverReport { blocks, .. } => blocks,
                Rtcp::Bye(ssrcs) => {
                    self.bye |= their_ssrc.is_some_and(|s| ssrcs.contains(&s));
                    continue;
                }
                _ => continue,
            };
            for b in blocks.iter().filter(|b| b.ssrc == self.ssrc) {
                if let Some(rtt) = rtcp::round_trip(arrival, b) {
                    self.rtt = Some(rtt);
                }
                self.remote = Some(RemoteView {
                    fraction_lost: b.fraction_lost,
                    cumulative_lost: b.cumulative_lost,
                    jitter: b.jitter,
                });
            }
        }
    }
}
