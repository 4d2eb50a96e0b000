//! RTCP (RFC 3550 §6) without I/O: compound sender/receiver reports with SDES CNAME, BYE,
//! parsing of what the far end sends, and round-trip time from LSR/DLSR (§6.4.1).

/// Packet types (RFC 3550 §12.1).
const SR: u8 = 200;
const RR: u8 = 201;
const SDES: u8 = 202;
const BYE: u8 = 203;
const CNAME: u8 = 1;

/// Seconds between 1900 (NTP epoch) and 1970 (Unix epoch).
pub const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The sender-info part of a sender report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SenderInfo {
    /// 64-bit NTP timestamp (32.32 fixed point seconds since 1900).
    pub ntp: u64,
    pub rtp_timestamp: u32,
    pub packets: u32,
    pub octets: u32,
}

/// One reception report block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportBlock {
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed).
    pub cumulative_lost: i32,
    pub highest_seq: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP time of the last SR received from this source, or 0.
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// One packet of a compound RTCP packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rtcp {
    SenderReport {
        ssrc: u32,
        info: SenderInfo,
        blocks: Vec<ReportBlock>,
    },
    ReceiverReport {
        ssrc: u32,
        blocks: Vec<ReportBlock>,
    },
    /// The CNAME of each chunk that has one.
    SourceDescription(Vec<(u32, String)>),
    Bye(Vec<u32>),
    /// Anything else (APP, feedback, XR): skipped.
    Other(u8),
}

/// Why an RTCP packet was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RtcpError {
    #[error("RTCP packet shorter than its header says")]
    Truncated,
    #[error("not RTCP version 2")]
    Version,
    #[error("a compound RTCP packet must start with SR or RR")]
    NotReportFirst,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn parse_blocks(body: &[u8], count: usize) -> Result<Vec<ReportBlock>, RtcpError> {
    if body.len() < count * 24 {
        return Err(RtcpError::Truncated);
    }
    Ok((0..count)
        .map(|i| {
            let b = &body[i * 24..];
            // Sign-extend the 24-bit cumulative loss.
            let lost = (be32(b, 4) << 8) as i32 >> 8;
            ReportBlock {
                ssrc: be32(b, 0),
                fraction_lost: b[4],
                cumulative_lost: lost,
                highest_seq: be32(b, 8),
                jitter: be32(b, 12),
                last_sr: be32(b, 16),
                delay_since_last_sr: be32(b, 20),
            }
        })
        .collect())
}

fn parse_sdes(body: &[u8], count: usize) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    for _ in 0..count {
        if at + 4 > body.len() {
            break;
        }
        let ssrc = be32(body, at);
        at += 4;
        while at < body.len() && body[at] != 0 {
            let kind = body[at];
            let Some(&len) = body.get(at + 1) else { return out };
            let end = at + 2 + usize::from(len);
            if end > body.len() {
                return out;
            }
            if kind == CNAME {
                out.push((ssrc, String::from_utf8_lossy(&body[at + 2..end]).into_owned()));
            }
            at = end;
        }
        // The chunk ends with a null item and padding to 32 bits.
        at = (at + 4) & !3;
    }
    out
}

/// Parses a compound RTCP packet (already decrypted when SRTCP is in use).
pub fn parse(buf: &[u8]) -> Result<Vec<Rtcp>, RtcpError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        if buf.len() - at < 4 {
            return Err(RtcpError::Truncated);
        }
        let h = &buf[at..];
        if h[0] >> 6 != 2 {
            return Err(RtcpError::Version);
        }
        let count = usize::from(h[0] & 0x1f);
        let kind = h[1];
        let len = (usize::from(u16::from_be_bytes([h[2], h[3]])) + 1) * 4;
        if len > h.len() {
            return Err(RtcpError::Truncated);
        }
        let mut body = &h[4..len];
        if h[0] & 0x20 != 0 {
            let pad = usize::from(*body.last().unwrap_or(&0));
            body = &body[..body.len().saturating_sub(pad)];
        }
        if out.is_empty() && kind != SR && kind != RR {
            return Err(RtcpError::NotReportFirst);
        }
        let packet = match kind {
            SR => {
                if body.len() < 24 {
                    return Err(RtcpError::Truncated);
                }
                let info = SenderInfo {
                    ntp: (u64::from(be32(body, 4)) << 32) | u64::from(be32(body, 8)),
                    rtp_timestamp: be32(body, 12),
                    packets: be32(body, 16),
                    octets: be32(body, 20),
                };
                Rtcp::SenderReport {
                    ssrc: be32(body, 0),
                    info,
                    blocks: parse_blocks(&body[24..], count)?,
                }
            }
            RR => {
                if body.len() < 4 {
                    return Err(RtcpError::Truncated);
                }
                Rtcp::ReceiverReport {
                    ssrc: be32(body, 0),
                    blocks: parse_blocks(&body[4..], count)?,
                }
            }
            SDES => Rtcp::SourceDescription(parse_sdes(body, count)),
            BYE => Rtcp::Bye(
                (0..count)
                    .take_while(|i| (i + 1) * 4 <= body.len())
                    .map(|i| be32(body, i * 4))
                    .collect(),
            ),
            other => Rtcp::Other(other),
        };
        out.push(packet);
        at += len;
    }
    Ok(out)
}

fn header(out: &mut Vec<u8>, count: usize, kind: u8) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0x80 | count as u8, kind, 0, 0]);
    start
}

fn finish(out: &mut [u8], start: usize) {
    let words = ((out.len() - start) / 4 - 1) as u16;
    out[start + 2..start + 4].copy_from_slice(&words.to_be_bytes());
}

fn write_block(out: &mut Vec<u8>, b: &ReportBlock) {
    out.extend_from_slice(&b.ssrc.to_be_bytes());
    let lost = (b.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff) as u32) & 0x00ff_ffff;
    out.extend_from_slice(&((u32::from(b.fraction_lost) << 24) | lost).to_be_bytes());
    for v in [b.highest_seq, b.jitter, b.last_sr, b.delay_since_last_sr] {
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Writes a compound packet: an SR (when `info` is given) or RR with up to 31 blocks, then an
/// SDES with our CNAME, and a BYE when `bye` is set.
pub fn write_compound(
    ssrc: u32,
    info: Option<&SenderInfo>,
    blocks: &[ReportBlock],
    cname: &str,
    bye: bool,
    out: &mut Vec<u8>,
) {
    out.clear();
    let blocks = &blocks[..blocks.len().min(31)];
    let start = header(out, blocks.len(), if info.is_some() { SR } else { RR });
    out.extend_from_slice(&ssrc.to_be_bytes());
    if let Some(i) = info {
        out.extend_from_slice(&i.ntp.to_be_bytes());
        out.extend_from_slice(&i.rtp_timestamp.to_be_bytes());
        out.extend_from_slice(&i.packets.to_be_bytes());
        out.extend_from_slice(&i.octets.to_be_bytes());
    }
    for b in blocks {
        write_block(out, b);
    }
    finish(out, start);

    let start = header(out, 1, SDES);
    out.extend_from_slice(&ssrc.to_be_bytes());
    let cname = &cname.as_bytes()[..cname.len().min(255)];
    out.extend_from_slice(&[CNAME, cname.len() as u8]);
    out.extend_from_slice(cname);
    // A null item, then padding to the next 32-bit boundary.
    out.push(0);
    while !(out.len() - start).is_multiple_of(4) {
        out.push(0);
    }
    finish(out, start);

    if bye {
        let start = header(out, 1, BYE);
        out.extend_from_slice(&ssrc.to_be_bytes());
        finish(out, start);
    }
}

/// The middle 32 bits of an NTP timestamp (the LSR field).
pub fn ntp_middle(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// An NTP timestamp from a duration since the Unix epoch.
pub fn ntp_from_unix(since_epoch: std::time::Duration) -> u64 {
    let secs = since_epoch.as_secs() + NTP_UNIX_OFFSET;
    let frac = (u64::from(since_epoch.subsec_nanos()) << 32) / 1_000_000_000;
    (secs << 32) | frac
}

/// Round-trip time (§6.4.1): `arrival` is the middle 32 bits of the NTP time the report came
/// in; `None` when the far end has not yet seen an SR of ours.
pub fn round_trip(arrival: u32, block: &ReportBlock) -> Option<std::time::Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt = arrival
        .wrapping_sub(block.last_sr)
        .wrapping_sub(block.delay_since_last_sr);
    // Both ends round their clocks (often to the millisecond): on a fast path the result can
    // come out a little below zero, which is a zero round trip. Far below zero is a clock step
    // or a bogus report.
    if rtt > 0x8000_0000 {
        return ((rtt as i32) > -655).then_some(std::time::Duration::ZERO);
    }
    Some(std::time::Duration::from_micros(
        (u64::from(rtt) * 1_000_000) >> 16,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn block() -> ReportBlock {
        ReportBlock {
            ssrc: 0x1234_5678,
            fraction_lost: 64,
            cumulative_lost: -3,
            highest_seq: 70_000,
            jitter: 42,
            last_sr: 0xAABB_CCDD,
            delay_since_last_sr: 65536,
        }
    }

    #[test]
    fn sender_report_round_trips() {
        let info = SenderInfo {
            ntp: 0x0102_0304_0506_0708,
            rtp_timestamp: 9,
            packets: 10,
            octets: 1600,
        };
        let mut out = Vec::new();
        write_compound(7, Some(&info), &[block()], "handset@host", true, &mut out);
        assert_eq!(out.len() % 4, 0);
        let parsed = parse(&out).unwrap();
        assert_eq!(
            parsed,
            vec![
                Rtcp::SenderReport {
                    ssrc: 7,
                    info,
                    blocks: vec![block()]
                },
                Rtcp::SourceDescription(vec![(7, "handset@host".into())]),
                Rtcp::Bye(vec![7]),
            ]
        );
    }

    #[test]
    fn receiver_report_without_blocks() {
        let mut out = Vec::new();
        write_compound(5, None, &[], "x", false, &mut out);
        let parsed = parse(&out).unwrap();
        assert_eq!(
            parsed[0],
            Rtcp::ReceiverReport {
                ssrc: 5,
                blocks: vec![]
            }
        );
        assert!(crate::engine::rtp::packet::is_rtcp(&out));
    }

    #[test]
    fn parses_a_baresip_style_report() {
        // RR with one block, SDES CNAME "a@b" (RFC 3550 layout, written by hand).
        let mut p = vec![0x81, 201, 0, 7];
        p.extend_from_slice(&1u32.to_be_bytes());
        p.extend_from_slice(&2u32.to_be_bytes());
        p.extend_from_slice(&[0, 0xff, 0xff, 0xff]); // -1 lost
        p.extend_from_slice(&[0; 16]);
        p.extend_from_slice(&[0x81, 202, 0, 3]);
        p.extend_from_slice(&1u32.to_be_bytes());
        p.extend_from_slice(&[1, 3, b'a', b'@', b'b', 0, 0, 0]);
        let parsed = parse(&p).unwrap();
        let Rtcp::ReceiverReport { blocks, .. } = &parsed[0] else {
            panic!("{parsed:?}")
        };
        assert_eq!(blocks[0].cumulative_lost, -1);
        assert_eq!(parsed[1], Rtcp::SourceDescription(vec![(1, "a@b".into())]));
    }

    #[test]
    fn malformed_packets_are_errors_not_panics() {
        assert_eq!(parse(&[0x80, 200, 0, 6]), Err(RtcpError::Truncated));
        assert_eq!(parse(&[0x40, 200, 0, 0]), Err(RtcpError::Version));
        assert_eq!(parse(&[0x80, 202, 0, 0]), Err(RtcpError::NotReportFirst));
        assert_eq!(parse(&[0x81, 201, 0, 1, 0, 0, 0, 1]), Err(RtcpError::Truncated));
        for len in 0..64 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 0x80) as u8).collect();
            let _ = parse(&junk);
        }
    }

    #[test]
    fn round_trip_time_from_lsr_and_dlsr() {
        // Example of RFC 3550 §6.4.1 (Fig. 2): A = 0xb710:8000, LSR = 0xb705:2000, DLSR = 5.25 s.
        let b = ReportBlock {
            last_sr: 0xb705_2000,
            delay_since_last_sr: 0x0005_4000,
            ..block()
        };
        let rtt = round_trip(0xb710_8000, &b).unwrap();
        assert_eq!(rtt, Duration::from_micros(6_125_000));
        assert_eq!(round_trip(1, &ReportBlock { last_sr: 0, ..b }), None);
        assert_eq!(round_trip(0xb705_2000, &b), None, "far below zero");
        let rounded = ReportBlock {
            last_sr: 0x1000_0000,
            delay_since_last_sr: 70,
            ..b
        };
        assert_eq!(
            round_trip(0x1000_0000 + 66, &rounded),
            Some(Duration::ZERO),
            "rounded below zero"
        );
    }

    #[test]
    fn ntp_conversion() {
        let ntp = ntp_from_unix(Duration::from_millis(1500));
        assert_eq!(ntp >> 32, NTP_UNIX_OFFSET + 1);
        assert_eq!(ntp as u32, 0x8000_0000);
        assert_eq!(ntp_middle(ntp), (((NTP_UNIX_OFFSET + 1) as u32) << 16) | 0x8000);
    }
}
