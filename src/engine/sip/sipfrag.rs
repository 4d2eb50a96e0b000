//! The parts of a REFER's implicit subscription (RFC 3515) that NOTIFYs carry: the status line
//! of the `message/sipfrag` body (RFC 3420) and the `Subscription-State` (RFC 6665 §8.2.3).
//! Bodies come from the far end: anything unreadable is "no status", never a panic.

/// Longest status line we read (a status line is short; the rest of a sipfrag is ignored).
const MAX_LINE: usize = 512;

/// The status code and reason phrase of a sipfrag body's first line (`SIP/2.0 180 Ringing`);
/// `None` when the body does not start with a status line with a code 100–699.
pub fn status(body: &[u8]) -> Option<(u16, String)> {
    let head = &body[..body.len().min(MAX_LINE)];
    let line = head.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim();
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    if !version.eq_ignore_ascii_case("SIP/2.0") {
        return None;
    }
    let code_text = parts.next()?;
    if code_text.len() != 3 {
        return None;
    }
    let code: u16 = code_text.parse().ok()?;
    if !(100..=699).contains(&code) {
        return None;
    }
    let reason = parts
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect::<String>()
        .trim()
        .to_owned();
    Some((code, reason))
}

/// Whether a `Subscription-State` value ends the subscription (`terminated;reason=…`).
pub fn is_terminated(subscription_state: &str) -> bool {
    subscription_state
        .split(';')
        .next()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("terminated"))
}

/// Whether an `Event` value names the REFER event package (`refer`, `refer;id=93809824`).
pub fn is_refer_event(event: &str) -> bool {
    event
        .split(';')
        .next()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("refer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_read() {
        assert_eq!(status(b"SIP/2.0 100 Trying\r\n"), Some((100, "Trying".into())));
        assert_eq!(status(b"SIP/2.0 180 Ringing"), Some((180, "Ringing".into())));
        assert_eq!(
            status(b"SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n"),
            Some((486, "Busy Here".into()))
        );
        assert_eq!(status(b"sip/2.0 200 OK\n"), Some((200, "OK".into())));
        assert_eq!(status(b"SIP/2.0 503\r\n"), Some((503, String::new())));
    }

    #[test]
    fn malformed_bodies_are_no_status() {
        for body in [
            &b""[..],
            b"\r\n",
            b"garbage",
            b"SIP/2.0",
            b"SIP/2.0 ",
            b"SIP/2.0 abc Nope",
            b"SIP/2.0 99 Low",
            b"SIP/2.0 700 High",
            b"SIP/2.0 2000 Long",
            b"SIP/3.0 200 OK",
            b"INVITE sip:a@b SIP/2.0\r\n",
            b"SIP/2.0 \xff\xfe0 OK",
            b"\xff\xff\xff",
        ] {
            assert_eq!(status(body), None, "{body:?}");
        }
        let mut long = b"SIP/2.0 200 ".to_vec();
        long.extend(std::iter::repeat_n(b'x', 10_000));
        assert_eq!(status(&long).map(|(c, r)| (c, r.len())), Some((200, 100)));
    }

    #[test]
    fn subscription_states_and_events() {
        assert!(is_terminated("terminated;reason=noresource"));
        assert!(is_terminated(" Terminated "));
        assert!(!is_terminated("active;expires=60"));
        assert!(!is_terminated(""));
        assert!(is_refer_event("refer"));
        assert!(is_refer_event("refer;id=2"));
        assert!(!is_refer_event("presence"));
        assert!(!is_refer_event("refer-x"));
    }
}
