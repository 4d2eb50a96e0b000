use super::*;
use crate::account::model::{AccountId, Direction, MediaType, Transport};
use crate::account::workspace::{
    AudioItem, DeliveryMethod, DeliveryTarget, InternalNumber, PhoneNumber, User,
};

fn workspace() -> Workspace {
    Workspace {
        users: vec![User {
            name: "Ann".into(),
            email: None,
        }],
        phone_numbers: vec![PhoneNumber {
            number: "+14155550100".into(),
            label: "Main".into(),
        }],
        internal_numbers: vec![InternalNumber {
            extension: "101".into(),
            label: "Ann".into(),
        }],
        announcements: vec![AudioItem {
            name: "Promo".into(),
            file: "promo.wav".into(),
            duration_ms: 1000,
        }],
        greetings: vec![AudioItem {
            name: "Closed".into(),
            file: "closed.wav".into(),
            duration_ms: 1000,
        }],
        delivery_methods: vec![DeliveryMethod {
            name: "Mail".into(),
            target: DeliveryTarget::email("rec@example.com"),
        }],
        encryption_enabled: false,
    }
}

fn valid() -> SipAccount {
    let mut a = SipAccount {
        id: AccountId("a1".into()),
        name: "Front desk".into(),
        ..SipAccount::default()
    };
    a.general.user = Some("Ann".into());
    a.credentials.username = "ann".into();
    a.credentials.domain = "sip.example.com".into();
    a
}

/// Validates and returns the fields with problems, asserting each message is non-trivial.
fn fields(a: &SipAccount, ws: &Workspace, others: &[SipAccount]) -> Vec<Field> {
    let problems = validate(a, ws, others);
    for p in &problems {
        assert!(p.message.len() > 20, "message too terse: {p}");
    }
    problems.iter().map(|p| p.field).collect()
}

fn only(a: &SipAccount, expected: Field) {
    assert_eq!(
        fields(a, &workspace(), &[]),
        [expected],
        "{:?}",
        validate(a, &workspace(), &[])
    );
}

#[test]
fn a_minimal_account_is_valid() {
    assert_eq!(validate(&valid(), &workspace(), &[]), []);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut a = valid();
    a.name.clear();
    a.general.user = None;
    a.outbound.enabled = true;
    a.advanced.transports.clear();
    a.credentials.domain.clear();
    let got = fields(&a, &workspace(), &[]);
    for f in [
        Field::Name,
        Field::User,
        Field::ExternalCallerId,
        Field::Transports,
        Field::Domain,
    ] {
        assert!(got.contains(&f), "{f:?} missing from {got:?}");
    }
}

#[test]
fn name_is_required_printable_and_unique() {
    let mut a = valid();
    a.name = "  ".into();
    only(&a, Field::Name);
    a.name = "x\ny".into();
    only(&a, Field::Name);
    let mut other = valid();
    other.id = AccountId("b".into());
    other.name = "FRONT DESK".into();
    other.credentials.username = "bob".into();
    assert_eq!(fields(&valid(), &workspace(), &[other.clone()]), [Field::Name]);
    // The account itself (same id) is not a duplicate.
    assert!(fields(&valid(), &workspace(), &[valid()]).is_empty());
}

#[test]
fn user_is_required_and_must_exist() {
    let mut a = valid();
    a.general.user = None;
    only(&a, Field::User);
    a.general.user = Some("Zed".into());
    only(&a, Field::User);
}

#[test]
fn dids_and_internal_numbers_must_be_in_the_workspace() {
    let mut a = valid();
    a.inbound.did_numbers = vec!["+14155550100".into(), "+14155550199".into()];
    only(&a, Field::DidNumbers);
    let mut a = valid();
    a.inbound.internal_numbers = vec!["102".into()];
    only(&a, Field::InternalNumbers);
}

#[test]
fn route_to_voicemail_needs_a_greeting() {
    let mut a = valid();
    a.inbound.when_unavailable = Unavailable::RouteToVoicemail { greeting: None };
    only(&a, Field::VoicemailGreeting);
    a.inbound.when_unavailable = Unavailable::RouteToVoicemail {
        greeting: Some("Nope".into()),
    };
    only(&a, Field::VoicemailGreeting);
    for ok in ["Closed", "Standard Greeting"] {
        a.inbound.when_unavailable = Unavailable::RouteToVoicemail {
            greeting: Some(ok.into()),
        };
        assert!(fields(&a, &workspace(), &[]).is_empty(), "{ok}");
    }
}

#[test]
fn outbound_needs_an_external_caller_id_from_the_phone_numbers() {
    let mut a = valid();
    a.outbound.enabled = true;
    only(&a, Field::ExternalCallerId);
    a.outbound.external_caller_id = Some("+14155550111".into());
    only(&a, Field::ExternalCallerId);
    a.outbound.external_caller_id = Some("+14155550100".into());
    assert!(fields(&a, &workspace(), &[]).is_empty());
    // Off: the caller ID is optional.
    a.outbound.enabled = false;
    a.outbound.external_caller_id = None;
    assert!(fields(&a, &workspace(), &[]).is_empty());
}

#[test]
fn internal_caller_ids_and_announcements_must_exist() {
    let mut a = valid();
    a.outbound.internal_caller_ids = vec!["999".into()];
    only(&a, Field::InternalCallerIds);
    let mut a = valid();
    a.outbound.internal_announcement = Some("Missing".into());
    only(&a, Field::InternalAnnouncement);
    let mut a = valid();
    a.outbound.external_announcement = Some("Missing".into());
    only(&a, Field::ExternalAnnouncement);
    a.outbound.external_announcement = Some("Welcome".into()); // built-in
    a.outbound.internal_announcement = Some("Promo".into()); // custom
    assert!(fields(&a, &workspace(), &[]).is_empty());
}

#[test]
fn recording_must_record_something() {
    let mut a = valid();
    a.recording.enabled = true;
    only(&a, Field::RecordingDirections);
    a.recording.directions = vec![Direction::InboundExternal];
    assert!(fields(&a, &workspace(), &[]).is_empty());
}

#[test]
fn record_on_demand_needs_a_feature_code_and_telephone_event() {
    let mut a = valid();
    a.recording.enabled = true;
    a.recording.on_demand = true;
    only(&a, Field::FeatureCode);
    a.recording.feature_code = Some("*1".into());
    assert!(fields(&a, &workspace(), &[]).is_empty());
    a.advanced.codecs.retain(|c| *c != Codec::TelephoneEvent);
    only(&a, Field::Codecs);
}

#[test]
fn feature_codes_are_digits_star_hash() {
    for ok in ["*1", "#9", "0", "*#*#123456789012"] {
        assert!(check_feature_code(ok).is_ok(), "{ok}");
    }
    for bad in ["", "*a", "1 2", "+1", "12345678901234567"] {
        assert!(check_feature_code(bad).is_err(), "{bad}");
    }
    let mut a = valid();
    a.recording.feature_code = Some("*x".into());
    only(&a, Field::FeatureCode);
}

#[test]
fn feature_codes_must_not_collide() {
    let mut other = valid();
    other.id = AccountId("b".into());
    other.name = "Other".into();
    other.credentials.username = "other".into();
    other.recording.feature_code = Some("*1".into());
    let mut a = valid();
    a.recording.feature_code = Some("*12".into());
    assert_eq!(fields(&a, &workspace(), &[other.clone()]), [Field::FeatureCode]);
    a.recording.feature_code = Some("*".into());
    assert_eq!(fields(&a, &workspace(), &[other.clone()]), [Field::FeatureCode]);
    // The same code is the same feature; a different, prefix-free one is fine.
    a.recording.feature_code = Some("*1".into());
    assert!(fields(&a, &workspace(), &[other.clone()]).is_empty());
    a.recording.feature_code = Some("*2".into());
    assert!(fields(&a, &workspace(), &[other]).is_empty());
}

#[test]
fn delivery_method_must_exist() {
    let mut a = valid();
    a.recording.delivery_method = Some("Dropbox".into());
    only(&a, Field::DeliveryMethod);
    a.recording.delivery_method = Some("Mail".into());
    assert!(fields(&a, &workspace(), &[]).is_empty());
}

#[test]
fn allowed_ips_enabled_needs_a_list() {
    let mut a = valid();
    a.advanced.allowed_ips_enabled = true;
    only(&a, Field::AllowedIps);
    a.advanced.allowed_ips = vec!["192.0.2.0/24".parse().unwrap()];
    assert!(fields(&a, &workspace(), &[]).is_empty());
}

#[test]
fn at_least_one_audio_codec_and_no_duplicates() {
    let mut a = valid();
    a.advanced.codecs = vec![Codec::TelephoneEvent];
    only(&a, Field::Codecs);
    a.advanced.codecs = vec![];
    only(&a, Field::Codecs);
    a.advanced.codecs = vec![Codec::Pcmu, Codec::Pcmu];
    only(&a, Field::Codecs);
}

#[test]
fn at_least_one_media_type_and_transport() {
    let mut a = valid();
    a.advanced.media_types.clear();
    only(&a, Field::MediaTypes);
    let mut a = valid();
    a.advanced.transports.clear();
    only(&a, Field::Transports);
    let mut a = valid();
    a.advanced.transports = vec![Transport::Udp, Transport::Udp];
    only(&a, Field::Transports);
}

#[test]
fn encrypted_choices_need_the_workspace_switch() {
    let mut a = valid();
    a.advanced.media_types = vec![MediaType::SrtpSdes, MediaType::SrtpDtls];
    a.advanced.transports = vec![Transport::Tls, Transport::Wss];
    let got = fields(&a, &workspace(), &[]);
    assert_eq!(
        got,
        [
            Field::MediaTypes,
            Field::MediaTypes,
            Field::Transports,
            Field::Transports
        ]
    );
    let mut ws = workspace();
    ws.encryption_enabled = true;
    assert!(fields(&a, &ws, &[]).is_empty());
}

#[test]
fn credentials_are_checked() {
    let mut a = valid();
    a.credentials.username.clear();
    only(&a, Field::Username);
    a.credentials.username = "ann smith".into();
    only(&a, Field::Username);
    a.credentials.username = "ann@x".into();
    only(&a, Field::Username);
    let mut a = valid();
    a.credentials.domain = "bad host".into();
    only(&a, Field::Domain);
    a.credentials.domain.clear();
    only(&a, Field::Domain);
    let mut a = valid();
    a.credentials.port = Some(0);
    only(&a, Field::Port);
    let mut a = valid();
    a.credentials.outbound_proxy = Some("proxy.example.com:70000".into());
    only(&a, Field::OutboundProxy);
    for ok in [
        "proxy.example.com",
        "proxy.example.com:5070",
        "192.0.2.1:5060",
        "[2001:db8::1]:5060",
        "2001:db8::1",
    ] {
        a.credentials.outbound_proxy = Some(ok.into());
        assert!(fields(&a, &workspace(), &[]).is_empty(), "{ok}");
    }
}

#[test]
fn username_is_unique_per_domain() {
    let mut other = valid();
    other.id = AccountId("b".into());
    other.name = "Other".into();
    assert_eq!(
        fields(&valid(), &workspace(), &[other.clone()]),
        [Field::Username]
    );
    other.credentials.domain = "other.example.com".into();
    assert!(fields(&valid(), &workspace(), &[other]).is_empty());
}

#[test]
fn hosts() {
    for ok in [
        "sip.example.com",
        "localhost",
        "192.0.2.1",
        "::1",
        "[::1]",
        "a-b.example.",
    ] {
        assert!(check_host(ok).is_ok(), "{ok}");
    }
    for bad in ["", "-a.com", "a..b", "a_b.com", "[::1", "sip example"] {
        assert!(check_host(bad).is_err(), "{bad}");
    }
    assert_eq!(split_host_port("[::1]:5060"), ("[::1]", Some("5060")));
    assert_eq!(split_host_port("::1"), ("::1", None));
    assert_eq!(split_host_port("h:1"), ("h", Some("1")));
}
