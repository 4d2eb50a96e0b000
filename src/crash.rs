//! What happens when Handset hits an internal error (a panic): the person sees a short notice
//! and where the report is; the report (message, place, thread, backtrace) is written to the
//! profile's `state/crashes` folder for a bug report. Both pass through
//! [`redact::scrub`](crate::redact::scrub) first, so neither holds a password, token or key even
//! when the failing code formatted one into its message. The ten newest reports are kept.

use std::panic::PanicHookInfo;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::redact::scrub;

/// Reports kept in the folder.
const KEEP: usize = 10;

/// Installs the panic hook (replacing any earlier one). Reports go to `dir` when given, else
/// the notice alone goes to stderr.
pub fn install(dir: Option<PathBuf>) {
    std::panic::set_hook(Box::new(move |info| {
        let report = scrub(&report(info));
        let summary = scrub(&summary(info));
        let saved = dir.as_deref().map(|d| save(d, &report));
        let place = match saved {
            Some(Ok(path)) => format!(
                "The report is in {} (it holds no password or key); please attach it when you report the problem.",
                path.display()
            ),
            Some(Err(e)) => format!("The report could not be saved ({e}):\n{report}"),
            None => format!("Report:\n{report}"),
        };
        eprintln!("Handset stopped on an internal error: {summary}\n{place}");
    }));
}

/// The panic's message (`panic!`'s text; a panic with another payload has none).
pub fn panic_message(info: &PanicHookInfo<'_>) -> String {
    info.payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// The panic's message and place, one line.
fn summary(info: &PanicHookInfo<'_>) -> String {
    let message = panic_message(info);
    match info.location() {
        Some(l) => format!("{message} (at {}:{})", l.file(), l.line()),
        None => message,
    }
}

/// The whole report.
fn report(info: &PanicHookInfo<'_>) -> String {
    let thread = std::thread::current();
    format!(
        "Handset {} crash report\nos: {} {}\nthread: {}\npanic: {}\n\nbacktrace:\n{}\n",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        thread.name().unwrap_or("(unnamed)"),
        summary(info),
        std::backtrace::Backtrace::force_capture()
    )
}

/// Writes `report` as `crash-<unix seconds>-<pid>.txt` in `dir` and drops the oldest reports
/// beyond [`KEEP`].
fn save(dir: &Path, report: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let path = dir.join(format!("crash-{secs:011}-{}.txt", std::process::id()));
    crate::fsio::write_atomic(&path, report.as_bytes())?;
    let mut reports: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("crash-") && n.ends_with(".txt"))
        })
        .collect();
    reports.sort();
    let excess = reports.len().saturating_sub(KEEP);
    for old in &reports[..excess] {
        let _ = std::fs::remove_file(old);
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_reports_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..12 {
            std::fs::write(dir.path().join(format!("crash-{n:011}-1.txt")), "old").unwrap();
        }
        std::fs::write(dir.path().join("other.txt"), "kept").unwrap();
        let path = save(dir.path(), "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left.len(), KEEP + 1, "{left:?}");
        assert!(left.contains(&"other.txt".to_owned()));
        assert!(!left.contains(&"crash-00000000000-1.txt".to_owned()));
        assert!(left.contains(&path.file_name().unwrap().to_string_lossy().into_owned()));
    }
}
