//! Scrubbing secrets out of text that leaves the program for people to read: crash reports and
//! SIP traces.
//!
//! Secrets travel as [`Secret`](crate::account::Secret) (redacted `Debug`), so no log line or
//! error message should hold one. This is the second line: every password and token read from
//! or written to the keyring is remembered here (in memory, wiped on exit by the OS, never
//! written anywhere), and [`scrub`] replaces each occurrence in a text, along with what has the
//! shape of a secret whatever its value: digest `response=` values, `Bearer` tokens and SDES
//! `inline:` keys. Secrets shorter than [`MIN_LEN`] characters are not remembered: replacing
//! them would mangle ordinary words.

use std::sync::{Mutex, PoisonError};

use zeroize::Zeroizing;

/// What a secret is replaced with.
pub const MASK: &str = "‹secret›";
/// Shorter secrets are not scrubbed by value.
pub const MIN_LEN: usize = 4;
/// How many secrets are remembered (the oldest are forgotten first).
const CAPACITY: usize = 256;

static KNOWN: Mutex<Vec<Zeroizing<String>>> = Mutex::new(Vec::new());

/// Remembers `secret` so that [`scrub`] removes it from texts.
pub fn remember(secret: &str) {
    if secret.chars().count() < MIN_LEN {
        return;
    }
    let mut known = KNOWN.lock().unwrap_or_else(PoisonError::into_inner);
    if known.iter().any(|k| k.as_str() == secret) {
        return;
    }
    if known.len() == CAPACITY {
        known.remove(0);
    }
    known.push(Zeroizing::new(secret.to_owned()));
    // Longest first: a secret that contains another is replaced whole.
    known.sort_by_key(|k| std::cmp::Reverse(k.len()));
}

/// `text` without the remembered secrets and without anything shaped like a credential.
///
/// Safe to call from a panic hook: a poisoned lock is still read.
pub fn scrub(text: &str) -> String {
    let mut out = text.to_owned();
    {
        let known = KNOWN.lock().unwrap_or_else(PoisonError::into_inner);
        for secret in known.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
    }
    for (marker, ends) in [
        ("response=\"", &['"'][..]),
        ("Bearer ", &[' ', '\r', '\n', '"', ',', '\''][..]),
        ("inline:", &[' ', '\r', '\n', '|', '"', ';', '\''][..]),
    ] {
        out = mask_after(&out, marker, ends);
    }
    out
}

/// Replaces what follows each `marker` up to the first of `ends` (or the end) with [`MASK`].
fn mask_after(text: &str, marker: &str, ends: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(marker) {
        let start = i + marker.len();
        out.push_str(&rest[..start]);
        let value = &rest[start..];
        let end = value.find(ends).unwrap_or(value.len());
        if end > 0 {
            out.push_str(MASK);
        }
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_secrets_and_credential_shapes_are_masked() {
        remember("hunter2-long-password");
        remember("abc"); // too short to scrub by value
        let text = "failed with hunter2-long-password; \
            Authorization: Digest username=\"a\", response=\"0123abcd\", nc=1\r\n\
            a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20\r\n\
            Authorization: Bearer ya29.token-value\r\nabc";
        let out = scrub(text);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(!out.contains("0123abcd"), "{out}");
        assert!(!out.contains("WVNfX19z"), "{out}");
        assert!(!out.contains("ya29"), "{out}");
        assert!(out.contains("response=\"‹secret›\""), "{out}");
        assert!(out.contains("inline:‹secret›|2^20"), "{out}");
        assert!(out.ends_with("abc"), "short secrets are left: {out}");
    }

    #[test]
    fn text_without_secrets_is_unchanged() {
        let text = "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nresponse=\"\"\r\ninline:";
        assert_eq!(scrub(text), text);
    }
}
