//! The `Replaces` header (RFC 3891) of attended transfer (RFC 5589 §7): the dialog a new call
//! takes the place of. The transferor puts it in the Refer-To URI (`?Replaces=…`, escaped), the
//! transferee copies it into its INVITE to the target, and the target matches it against its
//! confirmed calls: `to-tag` is the target's own tag of that dialog, `from-tag` the other
//! side's.

use super::calls::Calls;
use super::dialog::{Call, Phase};
use crate::engine::sip::api::CallHandle;

/// A parsed `Replaces` value.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Replaces {
    pub(super) call_id: String,
    pub(super) to_tag: String,
    pub(super) from_tag: String,
    pub(super) early_only: bool,
}

impl Replaces {
    pub(super) fn parse(value: &str) -> Option<Replaces> {
        let mut parts = value.split(';').map(str::trim);
        let call_id = parts.next().filter(|c| !c.is_empty())?.to_owned();
        let (mut to_tag, mut from_tag, mut early_only) = (None, None, false);
        for p in parts {
            match p.split_once('=') {
                Some((k, v)) if k.trim().eq_ignore_ascii_case("to-tag") => to_tag = Some(v.trim().to_owned()),
                Some((k, v)) if k.trim().eq_ignore_ascii_case("from-tag") => {
                    from_tag = Some(v.trim().to_owned())
                }
                None if p.eq_ignore_ascii_case("early-only") => early_only = true,
                _ => {}
            }
        }
        Some(Replaces {
            call_id,
            to_tag: to_tag?,
            from_tag: from_tag?,
            early_only,
        })
    }

    /// The `Replaces` that names `call` for its far end (who receives the INVITE with it).
    fn naming(call: &Call) -> Option<Replaces> {
        Some(Replaces {
            call_id: call.call_id.clone(),
            to_tag: call.remote_tag.clone()?,
            from_tag: call.local_tag.clone(),
            early_only: false,
        })
    }

    fn value(&self) -> String {
        format!(
            "{};to-tag={};from-tag={}",
            self.call_id, self.to_tag, self.from_tag
        )
    }
}

/// `target` (a SIP URI without headers) with `?Replaces=` naming `call` for its far end: the
/// Refer-To of an attended transfer.
pub(super) fn refer_to_replacing(target: &str, call: &Call) -> Option<String> {
    let replaces = Replaces::naming(call)?;
    Some(format!("{target}?Replaces={}", escape(&replaces.value())))
}

/// A dial target with embedded headers split: the URI, and the `Replaces` value among them
/// (other embedded headers are dropped: RFC 3261 §19.1.5 lets a UA ignore them, and only this
/// one is safe to take from a REFER).
pub(super) fn split_target(target: &str) -> (String, Option<String>) {
    let Some((uri, headers)) = target.split_once('?') else {
        return (target.to_owned(), None);
    };
    let replaces = headers.split('&').find_map(|h| {
        let (name, value) = h.split_once('=')?;
        name.eq_ignore_ascii_case("Replaces")
            .then(|| unescape(value))
            .flatten()
            .filter(|v| Replaces::parse(v).is_some())
    });
    (uri.to_owned(), replaces)
}

/// Percent-escaping of what may not stand in a URI header value (RFC 3261 §25.1 `hvalue`).
fn escape(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()[]/?:+$".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn unescape(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    (!s.chars().any(char::is_control)).then_some(s)
}

impl Calls {
    /// The call an INVITE's `Replaces` names: a confirmed call of ours whose own tag is the
    /// `to-tag` and whose far end's is the `from-tag` (early dialogs are not replaced).
    pub(super) fn replaced_by(&self, value: &str) -> Option<CallHandle> {
        let r = Replaces::parse(value)?;
        if r.early_only {
            return None;
        }
        self.calls
            .iter()
            .find(|(_, c)| {
                c.call_id == r.call_id
                    && c.local_tag == r.to_tag
                    && c.remote_tag.as_deref() == Some(r.from_tag.as_str())
                    && c.phase == Phase::Confirmed
            })
            .map(|(h, _)| *h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaces_value_parses_and_survives_the_refer_to_uri() {
        let r = Replaces::parse("98asjd8@test.com ; to-tag=12345;from-tag=54321;early-only").unwrap();
        assert_eq!(
            r,
            Replaces {
                call_id: "98asjd8@test.com".into(),
                to_tag: "12345".into(),
                from_tag: "54321".into(),
                early_only: true
            }
        );
        assert!(Replaces::parse("id;to-tag=1").is_none(), "both tags are required");
        let value = "425928@bobster.example.org;to-tag=7743;from-tag=6472";
        let uri = format!("sip:c@example.org?Replaces={}", escape(value));
        assert_eq!(
            uri,
            "sip:c@example.org?Replaces=425928%40bobster.example.org%3Bto-tag%3D7743%3Bfrom-tag%3D6472"
        );
        assert_eq!(
            split_target(&uri),
            ("sip:c@example.org".to_owned(), Some(value.to_owned()))
        );
        // Other embedded headers are not taken; a bad escape or a control character drops it.
        assert_eq!(
            split_target("sip:c@x?Subject=hi&Replaces=a%3Bto-tag%3Db%3Bfrom-tag%3Dc"),
            ("sip:c@x".to_owned(), Some("a;to-tag=b;from-tag=c".to_owned()))
        );
        assert_eq!(
            split_target("sip:c@x?Replaces=a%3Bto-tag%3Db%0D%0AX"),
            ("sip:c@x".into(), None)
        );
        assert_eq!(split_target("sip:c@x?Replaces=%zz"), ("sip:c@x".into(), None));
        assert_eq!(split_target("sip:c@x"), ("sip:c@x".into(), None));
    }
}
