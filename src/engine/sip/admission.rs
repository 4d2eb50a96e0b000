//! Overload protection: a phone takes on only as much as one person can use. Past that, new
//! calls get 486 Busy Here and a flood gets 503 Service Unavailable with `Retry-After`, answered
//! without keeping any state (RFC 3261 §21.5.4), so memory stays bounded whatever arrives.

use std::time::Instant;

/// Server transactions alive at once; beyond, a new request is refused statelessly.
pub(super) const MAX_SERVER_TXS: usize = 256;
/// Calls at once (any phase): more is 486.
pub(super) const MAX_CALLS: usize = 16;
/// Incoming calls ringing at once: more is 486.
pub(super) const MAX_RINGING: usize = 4;
/// Seconds a refused caller is asked to wait.
pub(super) const RETRY_AFTER: u32 = 5;
/// New incoming calls: a burst of this many…
const BURST: f64 = 10.0;
/// …then this many a second.
const PER_SECOND: f64 = 5.0;

/// A token bucket for new incoming calls.
#[derive(Debug)]
pub(super) struct Admission {
    tokens: f64,
    at: Option<Instant>,
}

impl Default for Admission {
    fn default() -> Self {
        Admission {
            tokens: BURST,
            at: None,
        }
    }
}

impl Admission {
    fn refill(&mut self, now: Instant) {
        if let Some(at) = self.at {
            let elapsed = now.saturating_duration_since(at).as_secs_f64();
            self.tokens = (self.tokens + elapsed * PER_SECOND).min(BURST);
        }
        self.at = Some(now);
    }

    /// Whether no new call arriving at `now` would be taken on.
    pub(super) fn exhausted(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens < 1.0
    }

    /// Whether a new call arriving at `now` is taken on.
    pub(super) fn admit(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_then_five_a_second() {
        let start = Instant::now();
        let mut a = Admission::default();
        let burst = (0..100).filter(|_| a.admit(start)).count();
        assert_eq!(burst, 10);
        let later: usize = (1..=100)
            .filter(|i| a.admit(start + Duration::from_millis(10 * i)))
            .count();
        assert_eq!(later, 5, "one second at 100 a second lets 5 through");
    }
}
