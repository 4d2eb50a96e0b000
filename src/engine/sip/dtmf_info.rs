//! Digits in SIP INFO bodies, the fallback when telephone-event is not negotiated:
//! `application/dtmf-relay` (`Signal=5` / `Duration=250`, the de-facto format of Cisco, Asterisk,
//! baresip and most PBXs) and `application/dtmf` (the bare digit or event code).

use crate::engine::rtp::dtmf::{digit_of, event_of};

pub const DTMF_RELAY: &str = "application/dtmf-relay";

/// The body of an INFO carrying `digit` for `duration_ms`.
pub fn relay_body(digit: char, duration_ms: u32) -> Option<Vec<u8>> {
    event_of(digit)?;
    Some(
        format!(
            "Signal={}\r\nDuration={duration_ms}\r\n",
            digit.to_ascii_uppercase()
        )
        .into_bytes(),
    )
}

/// The digit an INFO carries; `None` for other content types or a body without one.
pub fn digit(content_type: &str, body: &[u8]) -> Option<char> {
    let kind = content_type.split(';').next()?.trim().to_ascii_lowercase();
    let text = std::str::from_utf8(body).ok()?;
    let value = match kind.as_str() {
        DTMF_RELAY => text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            k.trim().eq_ignore_ascii_case("signal").then(|| v.trim())
        })?,
        "application/dtmf" => text.trim(),
        _ => return None,
    };
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if event_of(c).is_some() => Some(c.to_ascii_uppercase()),
        // Event codes: "10" is *, "11" is #.
        _ => value.parse::<u8>().ok().and_then(digit_of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_bodies_both_ways() {
        for d in "0123456789*#ABCD".chars() {
            let body = relay_body(d, 250).unwrap();
            assert_eq!(digit(DTMF_RELAY, &body), Some(d));
        }
        assert_eq!(relay_body('x', 250), None);
    }

    #[test]
    fn other_spellings_and_junk() {
        assert_eq!(
            digit(
                "Application/DTMF-Relay; charset=utf-8",
                b"Signal= 7\nDuration= 160\n"
            ),
            Some('7')
        );
        assert_eq!(digit("application/dtmf", b"11"), Some('#'));
        assert_eq!(digit("application/dtmf", b"a"), Some('A'));
        assert_eq!(digit(DTMF_RELAY, b"Duration=100\r\n"), None);
        assert_eq!(digit(DTMF_RELAY, b"Signal=99\r\n"), None);
        assert_eq!(digit("text/plain", b"Signal=1"), None);
        assert_eq!(digit(DTMF_RELAY, &[0xff, 0xfe]), None);
    }
}
