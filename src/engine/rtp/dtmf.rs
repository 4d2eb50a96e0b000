//! RFC 4733 telephone-events: the 4-byte event payload, and the digits it carries.

/// One telephone-event payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// 0–9, 10 = `*`, 11 = `#`, 12–15 = A–D, 16 = flash.
    pub event: u8,
    pub end: bool,
    /// Power level in -dBm0 (0–63).
    pub volume: u8,
    /// Duration so far, in timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    pub fn parse(payload: &[u8]) -> Option<TelephoneEvent> {
        if payload.len() < 4 {
            return None;
        }
        Some(TelephoneEvent {
            event: payload[0],
            end: payload[1] & 0x80 != 0,
            volume: payload[1] & 0x3f,
            duration: u16::from_be_bytes([payload[2], payload[3]]),
        })
    }

    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3f),
            d[0],
            d[1],
        ]
    }
}

/// The event code of a keypad character.
pub fn event_of(digit: char) -> Option<u8> {
    match digit.to_ascii_uppercase() {
        d @ '0'..='9' => Some(d as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        d @ 'A'..='D' => Some(d as u8 - b'A' + 12),
        _ => None,
    }
}

/// The keypad character of an event code.
pub fn digit_of(event: u8) -> Option<char> {
    match event {
        0..=9 => Some((b'0' + event) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + event - 12) as char),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip_and_digits() {
        let e = TelephoneEvent {
            event: 11,
            end: true,
            volume: 10,
            duration: 1600,
        };
        assert_eq!(e.to_bytes(), [11, 0x8a, 0x06, 0x40]);
        assert_eq!(TelephoneEvent::parse(&e.to_bytes()), Some(e));
        assert_eq!(TelephoneEvent::parse(&[1, 2, 3]), None);
        for d in "0123456789*#ABCD".chars() {
            assert_eq!(digit_of(event_of(d).unwrap()), Some(d));
        }
        assert_eq!(event_of('x'), None);
        assert_eq!(digit_of(16), None);
    }
}

/// How long each digit lasts and the pause after it (RFC 4733 leaves it to the sender).
pub const TONE_MS: u32 = 100;
pub const GAP_MS: u32 = 60;

/// Sends digits as RFC 4733 events, one 20 ms packet per frame: the first with the marker,
/// durations growing, the end packet sent three times, then a short gap.
#[derive(Clone, Debug, Default)]
pub struct DtmfSender {
    queue: std::collections::VecDeque<u8>,
    /// (event, frames sent so far) of the digit on the wire.
    current: Option<(u8, u32)>,
    gap_frames: u32,
}

impl DtmfSender {
    /// Queues digits; characters that are not keys are ignored.
    pub fn push(&mut self, digits: &str) {
        self.queue.extend(digits.chars().filter_map(event_of));
    }

    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.queue.is_empty() && self.gap_frames == 0
    }

    /// The packet for the next 20 ms frame (`clock_per_frame` timestamp units), or `None`
    /// when audio should be sent. `starts` is true on the first packet of a digit.
    pub fn next_frame(&mut self, clock_per_frame: u16) -> Option<(TelephoneEvent, bool)> {
        if self.gap_frames > 0 {
            self.gap_frames -= 1;
            return None;
        }
        if self.current.is_none() {
            let e = self.queue.pop_front()?;
            self.current = Some((e, 0));
        }
        let (event, sent) = self.current?;
        let tone_frames = TONE_MS / 20;
        let starts = sent == 0;
        let frames_done = (sent + 1).min(tone_frames);
        let duration = (frames_done as u16).saturating_mul(clock_per_frame);
        let end = sent + 1 >= tone_frames;
        // The end packet goes out three times (frames tone_frames-1 .. tone_frames+1).
        if sent + 1 >= tone_frames + 2 {
            self.current = None;
            self.gap_frames = GAP_MS / 20;
        } else {
            self.current = Some((event, sent + 1));
        }
        Some((
            TelephoneEvent {
                event,
                end,
                volume: 10,
                duration,
            },
            starts,
        ))
    }
}

/// Turns received events into digits: one digit per event (keyed by its RTP timestamp),
/// reported at its first end packet (or when a new event starts without one).
#[derive(Clone, Debug, Default)]
pub struct DtmfReceiver {
    current: Option<(u32, u8, bool)>,
}

impl DtmfReceiver {
    pub fn on_packet(&mut self, timestamp: u32, e: TelephoneEvent) -> Option<char> {
        match self.current {
            Some((ts, _, reported)) if ts == timestamp => {
                if e.end && !reported {
                    self.current = Some((ts, e.event, true));
                    return digit_of(e.event);
                }
                None
            }
            previous => {
                self.current = Some((timestamp, e.event, e.end));
                let missed = previous
                    .filter(|(_, _, reported)| !reported)
                    .and_then(|(_, ev, _)| digit_of(ev));
                if e.end { digit_of(e.event) } else { missed }
            }
        }
    }
}

#[cfg(test)]
mod sender_tests {
    use super::*;

    #[test]
    fn a_digit_is_five_frames_plus_two_end_repeats_then_a_gap() {
        let mut s = DtmfSender::default();
        s.push("5#");
        let frames: Vec<_> = (0..14).map(|_| s.next_frame(160)).collect();
        let first: Vec<_> = frames[..7].iter().map(|f| f.unwrap()).collect();
        assert!(first[0].1 && !first[1].1, "marker on the first packet only");
        let durations: Vec<u16> = first.iter().map(|(e, _)| e.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        let ends: Vec<bool> = first.iter().map(|(e, _)| e.end).collect();
        assert_eq!(ends, [false, false, false, false, true, true, true]);
        assert!(frames[7..10].iter().all(Option::is_none), "60 ms gap");
        assert_eq!(frames[10].unwrap().0.event, 11);
    }

    #[test]
    fn the_receiver_reports_each_digit_once() {
        let mut s = DtmfSender::default();
        let mut r = DtmfReceiver::default();
        s.push("0123456789*#");
        let mut ts = 0u32;
        let mut start_ts = 0u32;
        let mut got = String::new();
        for _ in 0..200 {
            if let Some((e, starts)) = s.next_frame(160) {
                if starts {
                    start_ts = ts;
                }
                if let Some(d) = r.on_packet(start_ts, e) {
                    got.push(d);
                }
            }
            ts += 160;
        }
        assert_eq!(got, "0123456789*#");
        assert!(s.is_idle());
    }
}
