//! Where call recordings go: one Ogg Opus file per call in the recordings folder, named by when
//! the call started (UTC), the account and the other party, e.g.
//! `20261126-184500_alice_+14155550100.opus`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

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
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
