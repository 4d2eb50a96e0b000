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
        .try_init();
    if let Some(p) = problem {
        tracing::warn!("{p}");
    }
    LogGuard { _file: guard }
}
