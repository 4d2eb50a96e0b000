//! Where call recordings go: one Ogg Opus file per call in the recordings folder, named by when
//! the call started (UTC), the account and the other party, e.g.
//! `20261126-184500_alice_+14155550100.opus`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The file for a call on `account` with `remote` (a number or SIP URI) starting `at`.
pub fn recording_path(dir: &Path, account: &str, remote: &str, at: SystemTime) -> PathBuf {
    let user = remote
        .trim_start_matches('<')
        .trim_start_matches("sips:")
        .trim_start_matches("sip:")
        .trim_start_matches("tel:");
    let user = user.split(['@', ';', '>']).next().unwrap_or_default();
    let name = format!("{}_{}_{}.opus", stamp(at), safe(account), safe(user));
    dir.join(name)
}

/// Keeps letters, digits and `+._-`; anything else (a path separator, a quote) becomes `_`.
fn safe(part: &str) -> String {
    let s: String = part
        .chars()
        .take(64)
        .map(|c| {
            if c.is_alphanumeric() || "+._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.trim_start_matches('.') {
        "" => "unknown".to_owned(),
        t => t.to_owned(),
    }
}

/// `YYYYMMDD-HHMMSS` in UTC.
fn stamp(at: SystemTime) -> String {
    crate::clock::Utc::at(at).stamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn names_by_time_account_and_party() {
        let at = UNIX_EPOCH + Duration::from_secs(1_795_718_700); // 2026-11-26 18:45:00 UTC
        let p = recording_path(
            Path::new("/r"),
            "alice",
            "<sip:+14155550100@pbx.test;user=phone>",
            at,
        );
        assert_eq!(p, Path::new("/r/20261126-184500_alice_+14155550100.opus"));
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29 00:00:00
        assert_eq!(stamp(leap), "20000229-000000");
        assert_eq!(stamp(UNIX_EPOCH), "19700101-000000");
    }

    #[test]
    fn hostile_names_stay_in_the_folder() {
        let p = recording_path(Path::new("/r"), "../../etc", "sip:../x/y@h", UNIX_EPOCH);
        assert_eq!(p.parent(), Some(Path::new("/r")));
        let name = p.file_name().unwrap().to_str().unwrap();
        assert!(!name.contains('/'), "{name}");
        let empty = recording_path(Path::new("/r"), "a", "", UNIX_EPOCH);
        assert!(
            empty.ends_with("19700101-000000_a_unknown.opus"),
            "{}",
            empty.display()
        );
    }
}
