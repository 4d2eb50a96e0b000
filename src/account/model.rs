//! The SIP account of a hosted PBX's "SIP Account contact method": five sections plus credentials.
//!
//! Workspace items (users, numbers, announcements, …) are referenced by their key (user name,
//! E.164 number, extension, announcement/greeting/delivery-method name), which keeps the TOML
//! file and the CSV export readable and portable between profiles.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::allowed_ip::IpNet;

/// A stable, random identifier of an account; names its keyring entries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub String);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One SIP account (the seed's "SIP Account contact method").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipAccount {
    pub id: AccountId,
    pub name: String,
    pub general: General,
    pub inbound: Inbound,
    pub outbound: Outbound,
    pub recording: Recording,
    pub advanced: Advanced,
    pub credentials: Credentials,
}

/// 1. General: the user the account is assigned to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct General {
    pub user: Option<String>,
}

/// 2. Inbound calls.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Inbound {
    /// DID numbers (workspace phone numbers, E.164) that forward calls to this account.
    pub did_numbers: Vec<String>,
    /// Internal numbers (workspace extensions) that forward internal calls to this account.
    pub internal_numbers: Vec<String>,
    pub when_unavailable: Unavailable,
}

/// What happens when the account is not available.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Unavailable {
    #[default]
    DoNothing,
    /// Route to voicemail, playing the named voicemail greeting.
    RouteToVoicemail { greeting: Option<String> },
}

/// 3. Outbound calls. Disabled by default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Outbound {
    pub enabled: bool,
    /// A workspace phone number (E.164) presented on external calls; required when enabled.
    pub external_caller_id: Option<String>,
    /// Workspace extensions presented on calls to other extensions; the first is used.
    pub internal_caller_ids: Vec<String>,
    /// Announcement played when an internal extension answers.
    pub internal_announcement: Option<String>,
    /// Announcement played when an external recipient answers.
    pub external_announcement: Option<String>,
}

/// 4. Call recording.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Recording {
    pub enabled: bool,
    pub directions: Vec<Direction>,
    pub on_demand: bool,
    /// Digits, `*` and `#` dialed mid-call to start recording; required with on demand.
    pub feature_code: Option<String>,
    /// Name of a workspace delivery method; recordings stay in the local folder when unset.
    pub delivery_method: Option<String>,
}

/// 5. Advanced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Advanced {
    pub allowed_ips_enabled: bool,
    pub allowed_ips: Vec<IpNet>,
    /// In preference order.
    pub codecs: Vec<Codec>,
    /// In preference order.
    pub media_types: Vec<MediaType>,
    /// In preference order.
    pub transports: Vec<Transport>,
}

impl Default for Advanced {
    fn default() -> Self {
        Advanced {
            allowed_ips_enabled: false,
            allowed_ips: Vec::new(),
            codecs: vec![
                Codec::Opus,
                Codec::G722,
                Codec::Pcmu,
                Codec::Pcma,
                Codec::TelephoneEvent,
            ],
            media_types: vec![MediaType::Rtp],
            transports: vec![Transport::Udp, Transport::Tcp],
        }
    }
}

/// Where and as whom the account registers. The password is kept in the OS keyring only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Credentials {
    /// SIP user name (also the digest authentication user).
    pub username: String,
    /// SIP domain / registrar host name or address.
    pub domain: String,
    /// Registrar port, when not the transport's default (or found through DNS SRV).
    pub port: Option<u16>,
    /// Outbound proxy as `host` or `host:port`.
    pub outbound_proxy: Option<String>,
    /// A PEM file with the CA (or the certificate) to trust for TLS/WSS, for private or
    /// self-signed servers; the platform's roots are always trusted too.
    pub tls_ca: Option<String>,
}

/// Defines a closed set of names shared by the CLI, CSV and TOML: `ALL` in the seed's order,
/// `as_str` for the canonical spelling, and case-insensitive parsing.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in the seed's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let s = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        format!("`{s}` is not a known {}; choose from {}", $what, names.join(", "))
                    })
            }
        }
    };
}

named_enum!(
    /// Codecs an account may offer and accept.
    Codec, "codec" {
        Opus => "OPUS",
        G722 => "G722",
        Pcmu => "PCMU",
        Pcma => "PCMA",
        G729 => "G729",
        Gsm => "GSM",
        TelephoneEvent => "telephone-event",
    }
);

impl Codec {
    /// Whether the codec carries audio (telephone-event carries only DTMF digits).
    pub fn is_audio(self) -> bool {
        self != Codec::TelephoneEvent
    }
}

named_enum!(
    /// Media transport protocols.
    MediaType, "media type" {
        Rtp => "RTP",
        SrtpSdes => "SRTP-SDES",
        SrtpDtls => "SRTP-DTLS",
    }
);

impl MediaType {
    /// Encrypted media types need the workspace encryption switch.
    pub fn is_encrypted(self) -> bool {
        self != MediaType::Rtp
    }
}

named_enum!(
    /// SIP signalling transports.
    Transport, "transport" {
        Udp => "UDP",
        Tcp => "TCP",
        Tls => "TLS",
        Wss => "WSS",
    }
);

impl Transport {
    /// Encrypted transports need the workspace encryption switch.
    pub fn is_encrypted(self) -> bool {
        matches!(self, Transport::Tls | Transport::Wss)
    }
}

named_enum!(
    /// Call directions that can be recorded.
    Direction, "recording direction" {
        InboundInternal => "inbound-internal",
        InboundExternal => "inbound-external",
        OutboundInternal => "outbound-internal",
        OutboundExternal => "outbound-external",
    }
);

/// Parses a comma- or space-separated list of named values, keeping the first of duplicates.
pub fn parse_list<T: FromStr<Err = String> + PartialEq>(text: &str) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for item in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        let value = item.parse::<T>()?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

/// Joins named values with single spaces (the CSV multi-value form).
pub fn join_list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_seed() {
        let a = SipAccount::default();
        assert!(!a.outbound.enabled, "outbound calling is off by default");
        assert!(!a.advanced.allowed_ips_enabled, "allowed IPs are off by default");
        assert!(a.advanced.media_types.iter().all(|m| !m.is_encrypted()));
        assert!(a.advanced.transports.iter().all(|t| !t.is_encrypted()));
        assert_eq!(a.inbound.when_unavailable, Unavailable::DoNothing);
    }

    #[test]
    fn names_parse_case_insensitively_and_lists_dedupe() {
        assert_eq!("opus".parse::<Codec>(), Ok(Codec::Opus));
        assert_eq!("Telephone-Event".parse::<Codec>(), Ok(Codec::TelephoneEvent));
        assert_eq!("srtp-dtls".parse::<MediaType>(), Ok(MediaType::SrtpDtls));
        let list: Vec<Transport> = parse_list("tls, udp,UDP wss").unwrap();
        assert_eq!(list, [Transport::Tls, Transport::Udp, Transport::Wss]);
        let err = "G711".parse::<Codec>().unwrap_err();
        assert!(err.contains("G711") && err.contains("PCMU"), "{err}");
    }

    #[test]
    fn toml_round_trip_keeps_every_field() {
        let mut a = SipAccount {
            id: AccountId("abc".into()),
            name: "Front desk".into(),
            ..SipAccount::default()
        };
        a.inbound.when_unavailable = Unavailable::RouteToVoicemail {
            greeting: Some("Closed".into()),
        };
        a.recording.directions = vec![Direction::OutboundExternal];
        a.advanced.allowed_ips = vec!["10.0.0.0/8".parse().unwrap()];
        let text = toml::to_string(&a).unwrap();
        let back: SipAccount = toml::from_str(&text).unwrap();
        assert_eq!(a, back);
    }
}
