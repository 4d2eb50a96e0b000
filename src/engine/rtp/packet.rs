//! RTP packets (RFC 3550 §5.1): parsing that refuses malformed input instead of panicking,
//! writing, and RTP/RTCP demultiplexing on one port (RFC 5761 §4).

/// Why bytes are not an RTP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    #[error("shorter than an RTP header")]
    TooShort,
    #[error("RTP version is not 2")]
    BadVersion,
    #[error("CSRC list, extension or padding run past the end")]
    BadLength,
}

/// The fixed header fields we use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpHeader {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

/// A parsed packet borrowing its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub header: RtpHeader,
    pub payload: &'a [u8],
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Parses an RTP packet: CSRCs and header extensions are skipped, padding removed.
pub fn parse(buf: &[u8]) -> Result<RtpPacket<'_>, RtpError> {
    if buf.len() < 12 {
        return Err(RtpError::TooShort);
    }
    if buf[0] >> 6 != 2 {
        return Err(RtpError::BadVersion);
    }
    let padding = buf[0] & 0x20 != 0;
    let extension = buf[0] & 0x10 != 0;
    let csrc_count = usize::from(buf[0] & 0x0f);
    let mut start = 12 + 4 * csrc_count;
    if extension {
        if buf.len() < start + 4 {
            return Err(RtpError::BadLength);
        }
        start += 4 + 4 * usize::from(u16_at(buf, start + 2));
    }
    let mut end = buf.len();
    if padding {
        let pad = usize::from(*buf.last().ok_or(RtpError::BadLength)?);
        if pad == 0 || pad > end {
            return Err(RtpError::BadLength);
        }
        end -= pad;
    }
    if start > end {
        return Err(RtpError::BadLength);
    }
    Ok(RtpPacket {
        header: RtpHeader {
            marker: buf[1] & 0x80 != 0,
            payload_type: buf[1] & 0x7f,
            sequence: u16_at(buf, 2),
            timestamp: u32_at(buf, 4),
            ssrc: u32_at(buf, 8),
        },
        payload: &buf[start..end],
    })
}

/// Writes a packet (no CSRCs, no extension, no padding).
pub fn write(header: &RtpHeader, payload: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(12 + payload.len());
    out.push(0x80);
    out.push((u8::from(header.marker) << 7) | (header.payload_type & 0x7f));
    out.extend_from_slice(&header.sequence.to_be_bytes());
    out.extend_from_slice(&header.timestamp.to_be_bytes());
    out.extend_from_slice(&header.ssrc.to_be_bytes());
    out.extend_from_slice(payload);
}

/// RFC 5761 §4: with rtcp-mux, RTCP has packet types 192–223 in the second byte.
pub fn is_rtcp(buf: &[u8]) -> bool {
    buf.len() >= 2 && (192..=223).contains(&buf[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip() {
        let h = RtpHeader {
            marker: true,
            payload_type: 111,
            sequence: 65535,
            timestamp: 0xdead_beef,
            ssrc: 0x1234_5678,
        };
        let mut out = Vec::new();
        write(&h, b"payload", &mut out);
        let p = parse(&out).unwrap();
        assert_eq!(p.header, h);
        assert_eq!(p.payload, b"payload");
        assert!(!is_rtcp(&out));
    }

    #[test]
    fn csrcs_extension_and_padding_are_handled() {
        let mut b = vec![0xb1, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]; // V=2 P=1 X=1 CC=1
        b.extend_from_slice(&[0, 0, 0, 9]); // CSRC
        b.extend_from_slice(&[0xbe, 0xde, 0, 1, 1, 2, 3, 4]); // extension of one word
        b.extend_from_slice(b"ab");
        b.extend_from_slice(&[0, 0, 3]); // padding of 3
        let p = parse(&b).unwrap();
        assert_eq!(p.payload, b"ab");
        assert_eq!(parse(&b[..11]), Err(RtpError::TooShort));
        let mut bad = b.clone();
        *bad.last_mut().unwrap() = 200;
        assert_eq!(parse(&bad), Err(RtpError::BadLength));
        assert_eq!(parse(&[0x40; 12]), Err(RtpError::BadVersion));
        assert!(is_rtcp(&[0x80, 200, 0, 6]));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }
    }
}
