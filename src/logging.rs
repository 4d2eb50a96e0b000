//! Logging with `tracing`: to stderr (level from `-v` flags) and to a daily-rotated file in the
//! profile's state folder (seven files kept). `HANDSET_LOG` (an `EnvFilter` directive such as
//! `handset=trace`) overrides both levels.
//!
//! Secrets never reach a log: they travel as [`Secret`](crate::account::Secret), whose `Debug`
//! is redacted, and log lines name accounts by their random id rather than by user data.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// Keeps the file writer flushing; drop it last.
#[derive(Debug)]
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

fn level(verbosity: u8) -> &'static str {
    match verbosity {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    }
}

fn filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_env("HANDSET_LOG").unwrap_or_else(|_| EnvFilter::new(default))
}

/// Installs the global subscriber. `log_dir` is created when missing; when it cannot be used,
/// logging goes to stderr only and a warning says why.
pub fn init(verbosity: u8, log_dir: Option<&Path>) -> LogGuard {
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(filter(level(verbosity)));
    let mut problem = None;
    let file = log_dir.and_then(|dir| {
        let appender = std::fs::create_dir_all(dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                RollingFileAppender::builder()
                    .rotation(Rotation::DAILY)
                    .filename_prefix("handset")
                    .filename_suffix("log")
                    .max_log_files(7)
                    .build(dir)
                    .map_err(|e| e.to_string())
            });
        match appender {
            Ok(a) => Some(tracing_appender::non_blocking(a)),
            Err(e) => {
                problem = Some(format!("cannot write logs to {}: {e}", dir.display()));
                None
            }
        }
    });
    let (file_layer, guard) = match file {
        Some((writer, guard)) => (
            Some(
                fmt::layer()
                    .with_writer(writer)
                    .with_ansi(false)
                    .with_filter(filter(level(verbosity.max(1)))),
            ),
            Some(guard),
        ),
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .with(recent::layer())
        .try_init();
    if let Some(p) = problem {
        tracing::warn!("{p}");
    }
    LogGuard { _file: guard }
}

/// The newest log lines (info and above, as the log file has them), in memory for the window's
/// log viewer and "Copy diagnostics".
pub mod recent {
    use std::collections::VecDeque;
    use std::io;
    use std::sync::{Mutex, PoisonError};

    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::{EnvFilter, Layer, fmt};

    /// Lines kept (the oldest go first).
    pub const KEEP: usize = 1000;

    static LINES: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

    /// The layer that keeps the lines (`HANDSET_LOG` chooses its level too).
    pub fn layer<S>() -> impl Layer<S> + Send + Sync
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        fmt::layer()
            .with_writer(Ring)
            .with_ansi(false)
            .with_target(false)
            .with_filter(EnvFilter::try_from_env("HANDSET_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
    }

    /// The kept lines, oldest first, with secrets masked ([`crate::redact::scrub`]).
    pub fn lines() -> Vec<String> {
        LINES
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|l| crate::redact::scrub(l))
            .collect()
    }

    #[derive(Clone, Copy)]
    struct Ring;

    /// One event's text; its lines are kept when it is dropped.
    struct Event(Vec<u8>);

    impl<'a> MakeWriter<'a> for Ring {
        type Writer = Event;
        fn make_writer(&'a self) -> Event {
            Event(Vec::new())
        }
    }

    impl io::Write for Event {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Drop for Event {
        fn drop(&mut self) {
            let text = String::from_utf8_lossy(&self.0);
            let mut lines = LINES.lock().unwrap_or_else(PoisonError::into_inner);
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                if lines.len() == KEEP {
                    lines.pop_front();
                }
                lines.push_back(line.to_owned());
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use tracing_subscriber::Registry;
        use tracing_subscriber::prelude::*;

        use super::*;

        #[test]
        fn the_newest_lines_are_kept_with_secrets_masked() {
            crate::redact::remember("ring-secret-77");
            let subscriber = Registry::default().with(layer());
            tracing::subscriber::with_default(subscriber, || {
                tracing::debug!("not kept: below info");
                for n in 0..KEEP + 3 {
                    tracing::info!(n, "ring line");
                }
                tracing::warn!("the password ring-secret-77 must not show");
            });
            let kept = lines();
            assert!(kept.len() <= KEEP);
            let last = kept.last().unwrap();
            assert!(last.contains("WARN") && last.contains("‹secret›"), "{last}");
            assert!(!kept.iter().any(|l| l.contains("not kept")));
            assert!(kept.iter().any(|l| l.contains(&format!("n={}", KEEP + 2))));
        }
    }
}

/// A `tracing` layer for tests that keeps every log line, and the check that finds in them what
/// must never be logged: a secret (password, `Authorization` value, SDES key) at any level,
/// and, at `info` and above, a phone number or an IP address (personal data stays in debug
/// logs).
#[cfg(test)]
pub(crate) mod watch {
    use std::fmt::Write as _;
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::{Event, Level, Subscriber};
    use tracing_subscriber::layer::{Context, Layer};

    /// Every line logged while the layer was installed: level, target and fields.
    #[derive(Clone, Default)]
    pub(crate) struct Lines(Arc<Mutex<Vec<(Level, String)>>>);

    impl Lines {
        /// The lines that hold one of `secrets`, an `Authorization` value, or (above debug)
        /// personal data, each with what it leaked.
        pub(crate) fn leaks(&self, secrets: &[&str]) -> Vec<String> {
            let lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
            let mut found = Vec::new();
            for (level, text) in lines.iter() {
                let mut leak = |what: &str| found.push(format!("{what} in: {level} {text}"));
                if let Some(s) = secrets.iter().find(|s| !s.is_empty() && text.contains(*s)) {
                    leak(&format!("secret `{s}`"));
                }
                if text.contains("Digest username") || text.contains("response=\"") {
                    leak("an Authorization value");
                }
                if *level <= Level::INFO {
                    if has_ip(text) {
                        leak("an IP address above debug");
                    }
                    if has_phone_number(text) {
                        leak("a phone number above debug");
                    }
                }
            }
            found
        }

        pub(crate) fn count(&self) -> usize {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
        }
    }

    /// The layer; install it with `tracing::subscriber::with_default`.
    pub(crate) struct Recorder(pub(crate) Lines);

    struct Line(String);

    impl Visit for Line {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    impl<S: Subscriber> Layer<S> for Recorder {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            let mut line = Line(String::new());
            event.record(&mut line);
            self.0
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((*event.metadata().level(), line.0));
        }
    }

    /// A dotted IPv4 address, or an IPv6 one with a digit in it (so that `a::b` of a Rust path
    /// is not taken for one).
    pub(crate) fn has_ip(text: &str) -> bool {
        let ipv4 = text
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .any(|w| w.parse::<std::net::Ipv4Addr>().is_ok());
        let ipv6 = text
            .split(|c: char| !(c.is_ascii_hexdigit() || c == ':'))
            .any(|w| {
                w.matches(':').count() >= 2
                    && w.chars().any(|c| c.is_ascii_digit())
                    && w.parse::<std::net::Ipv6Addr>().is_ok()
            });
        ipv4 || ipv6
    }

    /// A phone number: `+` and at least 7 digits, or a free-standing run of 10 or more digits
    /// (not part of a name such as `call-4294967296`).
    pub(crate) fn has_phone_number(text: &str) -> bool {
        let bytes = text.as_bytes();
        let digits_at = |i: usize| bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        (0..bytes.len()).any(|i| {
            let free =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'-' | b'_'));
            (bytes[i] == b'+' && i + 1 < bytes.len() && digits_at(i + 1) >= 7)
                || (free && bytes[i].is_ascii_digit() && digits_at(i) >= 10)
        })
    }

    /// The check fails on each kind of leak (and passes debug lines with addresses).
    #[test]
    fn planted_leaks_are_found() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let lines = Lines::default();
        let subscriber = tracing_subscriber::registry().with(Recorder(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(password = "hunter2", "saving");
            tracing::debug!(header = "Digest username=\"a\", response=\"00ff\"", "sent");
            tracing::info!(from = %std::net::Ipv4Addr::LOCALHOST, "a call");
            tracing::warn!("call from +14155550100");
            tracing::debug!(
                remote = "127.0.0.1:5060",
                caller = "+14155550100",
                "fine at debug"
            );
        });
        let leaks = lines.leaks(&["hunter2"]);
        assert_eq!(leaks.len(), 4, "{leaks:#?}");
        assert!(leaks[0].starts_with("secret `hunter2`"));
        assert!(leaks[1].starts_with("an Authorization value"));
        assert!(leaks[2].starts_with("an IP address above debug"));
        assert!(leaks[3].starts_with("a phone number above debug"));
    }

    #[test]
    fn the_patterns_find_what_they_should_and_nothing_else() {
        assert!(has_ip("connected to UDP:127.0.0.1:5060"));
        assert!(has_ip("from [2001:db8::1]:5060"));
        assert!(!has_ip("call-1 ended with 200 after 3.5 s"));
        assert!(!has_ip("version 1.2.3"));
        assert!(!has_ip("in handset::engine::sip"));
        assert!(has_ip("to ::1"));
        assert!(has_phone_number("caller +14155550100"));
        assert!(has_phone_number("dialled 4155550100"));
        assert!(!has_phone_number("call-4294967296 ended"));
        assert!(!has_phone_number("code 404, 12 frames"));
    }
}
