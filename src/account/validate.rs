//! Validation of a SIP account against its workspace: every problem at once, each naming
//! its field and saying how to fix it.

use std::fmt;
use std::net::IpAddr;

use super::model::{Codec, SipAccount, Unavailable};
use super::workspace::{Workspace, check_name};

/// A field of the account form. `column()` is its CSV column; `label()` its on-screen name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    User,
    DidNumbers,
    InternalNumbers,
    WhenUnavailable,
    VoicemailGreeting,
    OutboundEnabled,
    ExternalCallerId,
    InternalCallerIds,
    InternalAnnouncement,
    ExternalAnnouncement,
    RecordingEnabled,
    RecordingDirections,
    RecordOnDemand,
    FeatureCode,
    DeliveryMethod,
    AllowedIpsEnabled,
    AllowedIps,
    Codecs,
    MediaTypes,
    Transports,
    Username,
    Password,
    Domain,
    Port,
    OutboundProxy,
    TlsCa,
}

impl Field {
    /// Every field, in the form's order (also the CSV column order).
    pub const ALL: &'static [Field] = &[
        Field::Name,
        Field::User,
        Field::DidNumbers,
        Field::InternalNumbers,
        Field::WhenUnavailable,
        Field::VoicemailGreeting,
        Field::OutboundEnabled,
        Field::ExternalCallerId,
        Field::InternalCallerIds,
        Field::InternalAnnouncement,
        Field::ExternalAnnouncement,
        Field::RecordingEnabled,
        Field::RecordingDirections,
        Field::RecordOnDemand,
        Field::FeatureCode,
        Field::DeliveryMethod,
        Field::AllowedIpsEnabled,
        Field::AllowedIps,
        Field::Codecs,
        Field::MediaTypes,
        Field::Transports,
        Field::Username,
        Field::Password,
        Field::Domain,
        Field::Port,
        Field::OutboundProxy,
        Field::TlsCa,
    ];

    /// The CSV column name.
    pub fn column(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::User => "user",
            Field::DidNumbers => "did_numbers",
            Field::InternalNumbers => "internal_numbers",
            Field::WhenUnavailable => "when_unavailable",
            Field::VoicemailGreeting => "voicemail_greeting",
            Field::OutboundEnabled => "outbound_enabled",
            Field::ExternalCallerId => "external_caller_id",
            Field::InternalCallerIds => "internal_caller_ids",
            Field::InternalAnnouncement => "internal_announcement",
            Field::ExternalAnnouncement => "external_announcement",
            Field::RecordingEnabled => "recording_enabled",
            Field::RecordingDirections => "recording_directions",
            Field::RecordOnDemand => "record_on_demand",
            Field::FeatureCode => "feature_code",
            Field::DeliveryMethod => "delivery_method",
            Field::AllowedIpsEnabled => "allowed_ips_enabled",
            Field::AllowedIps => "allowed_ips",
            Field::Codecs => "codecs",
            Field::MediaTypes => "media_types",
            Field::Transports => "transports",
            Field::Username => "sip_username",
            Field::Password => "sip_password",
            Field::Domain => "sip_domain",
            Field::Port => "sip_port",
            Field::OutboundProxy => "outbound_proxy",
            Field::TlsCa => "tls_ca",
        }
    }

    /// The field's name as shown in the editor (section: label).
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "General: Name",
            Field::User => "General: User",
            Field::DidNumbers => "Inbound: DID Numbers",
            Field::InternalNumbers => "Inbound: Internal Numbers",
            Field::WhenUnavailable => "Inbound: When Unavailable",
            Field::VoicemailGreeting => "Inbound: Voicemail Audio",
            Field::OutboundEnabled => "Outbound: Enable Outbound Calling",
            Field::ExternalCallerId => "Outbound: External Caller ID",
            Field::InternalCallerIds => "Outbound: Internal Caller IDs",
            Field::InternalAnnouncement => "Outbound: Internal Announcement",
            Field::ExternalAnnouncement => "Outbound: External Announcement",
            Field::RecordingEnabled => "Call Recording: Enable",
            Field::RecordingDirections => "Call Recording: Directions",
            Field::RecordOnDemand => "Call Recording: Record on Demand",
            Field::FeatureCode => "Call Recording: Feature Code",
            Field::DeliveryMethod => "Call Recording: Delivery Method",
            Field::AllowedIpsEnabled => "Advanced: Enable Allowed IPs",
            Field::AllowedIps => "Advanced: Allowed IPs",
            Field::Codecs => "Advanced: Codecs",
            Field::MediaTypes => "Advanced: Media Types",
            Field::Transports => "Advanced: Transport Protocols",
            Field::Username => "Credentials: SIP Username",
            Field::Password => "Credentials: Password",
            Field::Domain => "Credentials: Domain",
            Field::Port => "Credentials: Port",
            Field::OutboundProxy => "Credentials: Outbound Proxy",
            Field::TlsCa => "Credentials: TLS CA File",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One validation problem: the field and a message that says how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    /// In English (the command line and the logs show this).
    pub message: String,
    /// The message's Fluent id (`problem-…` in `i18n/`) and its arguments, for the window's
    /// translation; empty when the message has none (it is shown as it is).
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    /// A problem without a translation of its own.
    pub fn new(field: Field, message: impl Into<String>) -> Problem {
        Problem {
            field,
            message: message.into(),
            key: "",
            args: Vec::new(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Checks `account` against `workspace` and the `others` accounts of the profile (the account
/// itself, matched by id, is skipped among them). Returns every problem found.
pub fn validate(account: &SipAccount, workspace: &Workspace, others: &[SipAccount]) -> Vec<Problem> {
    let mut p = Problems::default();
    let others: Vec<&SipAccount> = others.iter().filter(|o| o.id != account.id).collect();
    general(account, workspace, &others, &mut p);
    inbound(account, workspace, &mut p);
    outbound(account, workspace, &mut p);
    recording(account, workspace, &others, &mut p);
    advanced(account, workspace, &mut p);
    credentials(account, &others, &mut p);
    p.0
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    /// A problem with its English `message` and its translation's `key` and `args`.
    fn add(
        &mut self,
        field: Field,
        key: &'static str,
        args: &[(&'static str, &str)],
        message: impl Into<String>,
    ) {
        self.0.push(Problem {
            field,
            message: message.into(),
            key,
            args: args.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        });
    }
}

/// The translation of a [`check_name`] refusal of `name`.
pub(super) fn name_key(name: &str) -> &'static str {
    if name.trim().is_empty() {
        "problem-name-empty"
    } else if name.trim() != name {
        "problem-name-spaces"
    } else if name.chars().count() > 64 {
        "problem-name-long"
    } else {
        "problem-name-control"
    }
}

fn general(a: &SipAccount, ws: &Workspace, others: &[&SipAccount], p: &mut Problems) {
    if let Err(e) = check_name("the account name", &a.name) {
        p.add(Field::Name, name_key(&a.name), &[("name", &a.name)], e);
    } else if others.iter().any(|o| o.name.eq_ignore_ascii_case(&a.name)) {
        p.add(
            Field::Name,
            "problem-name-taken",
            &[("name", &a.name)],
            format!(
                "another account is already named `{}`: choose another name",
                a.name
            ),
        );
    }
    match &a.general.user {
        None => p.add(
            Field::User,
            "problem-user-missing",
            &[],
            "choose the user this account is assigned to",
        ),
        Some(u) if !ws.has_user(u) => p.add(
            Field::User,
            "problem-user-unknown",
            &[("user", u)],
            format!("`{u}` is not a workspace user: add it under Settings → Users first, or pick another"),
        ),
        Some(_) => {}
    }
}

fn inbound(a: &SipAccount, ws: &Workspace, p: &mut Problems) {
    for did in &a.inbound.did_numbers {
        if !ws.has_phone_number(did) {
            p.add(
                Field::DidNumbers,
                "problem-did-unknown",
                &[("number", did)],
                format!(
                    "`{did}` is not a workspace phone number: add it under Settings → Phone Numbers first"
                ),
            );
        }
    }
    for ext in &a.inbound.internal_numbers {
        if !ws.has_extension(ext) {
            p.add(
                Field::InternalNumbers,
                "problem-internal-number-unknown",
                &[("number", ext)],
                format!("`{ext}` is not a workspace internal number: add it under Settings → Internal Numbers first"),
            );
        }
    }
    if let Unavailable::RouteToVoicemail { greeting } = &a.inbound.when_unavailable {
        match greeting {
            None => p.add(
                Field::VoicemailGreeting,
                "problem-greeting-missing",
                &[],
                "Route To Voicemail needs the voicemail audio to play: choose a greeting",
            ),
            Some(g) if !ws.has_greeting(g) => p.add(
                Field::VoicemailGreeting,
                "problem-greeting-unknown",
                &[("name", g)],
                format!("`{g}` is not a voicemail greeting: upload it under Settings → Voicemail Greetings or pick another"),
            ),
            Some(_) => {}
        }
    }
}

fn outbound(a: &SipAccount, ws: &Workspace, p: &mut Problems) {
    let o = &a.outbound;
    match &o.external_caller_id {
        None if o.enabled => p.add(
            Field::ExternalCallerId,
            "problem-caller-id-missing",
            &[],
            "outbound calling is enabled: select the External Caller ID (a workspace phone number)",
        ),
        Some(id) if !ws.has_phone_number(id) => p.add(
            Field::ExternalCallerId,
            "problem-caller-id-unknown",
            &[("number", id)],
            format!("`{id}` is not a workspace phone number: add it under Settings → Phone Numbers or pick another"),
        ),
        _ => {}
    }
    for ext in &o.internal_caller_ids {
        if !ws.has_extension(ext) {
            p.add(
                Field::InternalCallerIds,
                "problem-internal-caller-id-unknown",
                &[("number", ext)],
                format!("`{ext}` is not a workspace internal number: pick an existing extension"),
            );
        }
    }
    for (field, ann) in [
        (Field::InternalAnnouncement, &o.internal_announcement),
        (Field::ExternalAnnouncement, &o.external_announcement),
    ] {
        if let Some(name) = ann
            && !ws.has_announcement(name)
        {
            p.add(
                field,
                "problem-announcement-unknown",
                &[("name", name)],
                format!("`{name}` is not an announcement: upload it under Settings → Announcements or pick another"),
            );
        }
    }
}

/// Whether a feature code is well formed: 1 to 16 of `0-9 * #`.
pub fn check_feature_code(code: &str) -> Result<(), String> {
    if code.is_empty()
        || code.len() > 16
        || !code.bytes().all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
    {
        Err(format!(
            "`{code}` is not a feature code: use 1 to 16 of the keys 0-9, * and #, e.g. *1"
        ))
    } else {
        Ok(())
    }
}

fn recording(a: &SipAccount, ws: &Workspace, others: &[&SipAccount], p: &mut Problems) {
    let r = &a.recording;
    if r.enabled && r.directions.is_empty() && !r.on_demand {
        p.add(
            Field::RecordingDirections,
            "problem-recording-nothing",
            &[],
            "recording is enabled but records nothing: tick at least one direction or turn on Record on Demand",
        );
    }
    match (&r.feature_code, r.on_demand) {
        (None, true) => p.add(
            Field::FeatureCode,
            "problem-feature-code-missing",
            &[],
            "Record on Demand needs a feature code to dial, e.g. *1",
        ),
        (Some(code), _) => {
            if let Err(e) = check_feature_code(code) {
                p.add(
                    Field::FeatureCode,
                    "problem-feature-code-invalid",
                    &[("code", code)],
                    e,
                );
            } else if let Some(other) = others.iter().find_map(|o| {
                let c = o.recording.feature_code.as_deref()?;
                let clash = c != code && (c.starts_with(code.as_str()) || code.starts_with(c));
                clash.then_some((o.name.as_str(), c))
            }) {
                p.add(
                    Field::FeatureCode,
                    "problem-feature-code-clash",
                    &[("code", code), ("other", other.1), ("account", other.0)],
                    format!(
                        "`{code}` collides with `{}` of account `{}`: one would be dialed instead of the other; choose a code that is not a prefix of another",
                        other.1, other.0
                    ),
                );
            }
        }
        (None, false) => {}
    }
    if r.on_demand && !a.advanced.codecs.contains(&Codec::TelephoneEvent) {
        p.add(
            Field::Codecs,
            "problem-on-demand-needs-digits",
            &[],
            "Record on Demand needs digit input: add telephone-event to the codecs",
        );
    }
    if let Some(d) = &r.delivery_method
        && !ws.has_delivery_method(d)
    {
        p.add(
            Field::DeliveryMethod,
            "problem-delivery-unknown",
            &[("name", d)],
            format!(
                "`{d}` is not a delivery method: add it under Settings → Delivery Methods or pick another"
            ),
        );
    }
}

fn advanced(a: &SipAccount, ws: &Workspace, p: &mut Problems) {
    let adv = &a.advanced;
    if adv.allowed_ips_enabled && adv.allowed_ips.is_empty() {
        p.add(
            Field::AllowedIps,
            "problem-allowed-ips-empty",
            &[],
            "Allowed IPs is enabled but the list is empty: add the addresses devices register from, or disable it",
        );
    }
    if !adv.codecs.iter().any(|c| c.is_audio()) {
        p.add(
            Field::Codecs,
            "problem-codec-missing",
            &[],
            "choose at least one audio codec, e.g. OPUS or PCMU",
        );
    }
    if has_duplicates(&adv.codecs) {
        p.add(
            Field::Codecs,
            "problem-codec-twice",
            &[],
            "a codec is listed twice: keep each once",
        );
    }
    if adv.media_types.is_empty() {
        p.add(
            Field::MediaTypes,
            "problem-media-type-missing",
            &[],
            "choose at least one media type, e.g. RTP",
        );
    }
    if has_duplicates(&adv.media_types) {
        p.add(
            Field::MediaTypes,
            "problem-media-type-twice",
            &[],
            "a media type is listed twice: keep each once",
        );
    }
    if adv.transports.is_empty() {
        p.add(
            Field::Transports,
            "problem-transport-missing",
            &[],
            "choose at least one transport protocol, e.g. UDP",
        );
    }
    if has_duplicates(&adv.transports) {
        p.add(
            Field::Transports,
            "problem-transport-twice",
            &[],
            "a transport is listed twice: keep each once",
        );
    }
    if !ws.encryption_enabled {
        let locked = "is encrypted, and encrypted media types and transports are disabled for this workspace: turn on encryption in Settings first";
        for m in adv.media_types.iter().filter(|m| m.is_encrypted()) {
            let item = m.to_string();
            p.add(
                Field::MediaTypes,
                "problem-encrypted-locked",
                &[("item", &item)],
                format!("{m} {locked}"),
            );
        }
        for t in adv.transports.iter().filter(|t| t.is_encrypted()) {
            let item = t.to_string();
            p.add(
                Field::Transports,
                "problem-encrypted-locked",
                &[("item", &item)],
                format!("{t} {locked}"),
            );
        }
    }
}

fn has_duplicates<T: PartialEq>(items: &[T]) -> bool {
    items.iter().enumerate().any(|(i, x)| items[..i].contains(x))
}

/// Characters allowed in a SIP user name without escaping (RFC 3261 `unreserved` and `user-unreserved`).
pub fn is_sip_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*'()&=+$,;?/".contains(c)
}

/// Checks a host: a DNS name, an IPv4 address, or an IPv6 address (bare or in brackets).
pub fn check_host(host: &str) -> Result<(), String> {
    let inner = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if inner.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let name = host.strip_suffix('.').unwrap_or(host);
    if !name.is_empty() && name.len() <= 253 && name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!(
            "`{host}` is not a host name or IP address, e.g. sip.example.com"
        ))
    }
}

/// Checks `host` or `host:port` (IPv6 in brackets when a port follows).
pub fn check_host_port(text: &str) -> Result<(), String> {
    let (host, port) = split_host_port(text);
    check_host(host)?;
    match port {
        Some(p) if p.parse::<u16>().map_or(true, |n| n == 0) => {
            Err(format!("`{text}` has a bad port: use 1 to 65535"))
        }
        _ => Ok(()),
    }
}

/// Splits `host[:port]`, keeping bracketed IPv6 and bare IPv6 intact.
pub fn split_host_port(text: &str) -> (&str, Option<&str>) {
    if let Some(rest) = text.strip_prefix('[')
        && let Some(end) = rest.find(']')
    {
        let host = &text[..end + 2];
        return (host, rest[end + 1..].strip_prefix(':'));
    }
    match text.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p)),
        _ => (text, None),
    }
}

fn credentials(a: &SipAccount, others: &[&SipAccount], p: &mut Problems) {
    let c = &a.credentials;
    if c.username.is_empty() {
        p.add(
            Field::Username,
            "problem-username-missing",
            &[],
            "type a SIP username, or leave it out to have one generated",
        );
    } else if c.username.len() > 64 || !c.username.chars().all(is_sip_user_char) {
        p.add(
            Field::Username,
            "problem-username-invalid",
            &[("username", &c.username)],
            format!("`{}` is not a valid SIP username: use up to 64 letters, digits and - _ . ! ~ * ' ( ) & = + $ , ; ? /", c.username),
        );
    } else if others.iter().any(|o| {
        o.credentials.username.eq_ignore_ascii_case(&c.username)
            && o.credentials.domain.eq_ignore_ascii_case(&c.domain)
    }) {
        let address = format!("{}@{}", c.username, c.domain);
        p.add(
            Field::Username,
            "problem-username-taken",
            &[("address", &address)],
            format!(
                "`{}@{}` is already used by another account: choose another username",
                c.username, c.domain
            ),
        );
    }
    if c.domain.is_empty() {
        p.add(
            Field::Domain,
            "problem-domain-missing",
            &[],
            "type the SIP domain or registrar, e.g. sip.example.com",
        );
    } else if let Err(e) = check_host(&c.domain) {
        p.add(Field::Domain, "problem-host-invalid", &[("host", &c.domain)], e);
    }
    if c.port == Some(0) {
        p.add(
            Field::Port,
            "problem-port-zero",
            &[],
            "port 0 is not usable: use 1 to 65535, or leave it out for the default",
        );
    }
    if let Some(proxy) = &c.outbound_proxy
        && let Err(e) = check_host_port(proxy)
    {
        let (host, _) = split_host_port(proxy);
        let (key, arg) = if check_host(host).is_err() {
            ("problem-host-invalid", ("host", host))
        } else {
            ("problem-port-invalid", ("address", proxy.as_str()))
        };
        p.add(Field::OutboundProxy, key, &[arg], e);
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
