//! CSV round trip (property test): export → import into an empty profile with the same
//! workspace → export gives an identical file, and the accounts are equal but for their ids.

use handset::account::model::{Codec, Direction, MediaType, SipAccount, Transport, Unavailable};
use handset::account::workspace::{DeliveryMethod, DeliveryTarget};
use handset::account::{AccountManager, ProfilePaths, SecretStore};
use proptest::prelude::*;
use proptest::sample::subsequence;

const NUMBERS: &[&str] = &["+14155550100", "+14155550101", "+442071838750"];
const EXTENSIONS: &[&str] = &["101", "102", "2001"];
const USERS: &[&str] = &["Ann Smith", "=Bob", "Zoë, \"the\" admin"];

fn manager(dir: &std::path::Path) -> AccountManager {
    let mock = keyring_core::mock::Store::new().unwrap();
    let m = AccountManager::open_with(ProfilePaths::portable(dir), |id| {
        Ok(SecretStore::with_store(mock, id))
    })
    .unwrap();
    for u in USERS {
        m.add_user(u, None).unwrap();
    }
    for n in NUMBERS {
        m.add_phone_number(n, "").unwrap();
    }
    for e in EXTENSIONS {
        m.add_extension(e, "").unwrap();
    }
    m.add_delivery_method(
        DeliveryMethod {
            name: "Mail".into(),
            target: DeliveryTarget::email("rec@example.com"),
        },
        None,
    )
    .unwrap();
    m.set_encryption(true).unwrap();
    m
}

fn strings(pool: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    subsequence(pool, 0..=pool.len()).prop_map(|v| v.into_iter().map(str::to_owned).collect())
}

fn nonempty_ordered<T: Clone + std::fmt::Debug + 'static>(
    pool: &'static [T],
) -> impl Strategy<Value = Vec<T>> {
    subsequence(pool, 1..=pool.len()).prop_shuffle()
}

prop_compose! {
    fn account(index: usize)(
        name in "[A-Za-z0-9 =+@'\",;-]{0,16}",
        user in prop::sample::select(USERS),
        dids in strings(NUMBERS),
        exts in strings(EXTENSIONS),
        voicemail in prop::option::of(prop::sample::select(&["Standard Greeting"][..])),
        outbound in any::<bool>(),
        external in prop::sample::select(NUMBERS),
        internal_ids in strings(EXTENSIONS),
        internal_ann in prop::option::of(prop::sample::select(&["Welcome", "Please Hold"][..])),
        external_ann in prop::option::of(prop::sample::select(&["Call Recorded"][..])),
        record in any::<bool>(),
        directions in subsequence(Direction::ALL, 1..=4).prop_shuffle(),
        on_demand in any::<bool>(),
        code in prop::sample::select(&["*1", "*2", "#9"][..]),
        delivery in prop::option::of(Just("Mail")),
        ips in prop::option::of(subsequence(&["192.0.2.0/24", "2001:db8::/32", "198.51.100.7", "::1"][..], 1..=4)),
        audio in subsequence(&[Codec::Opus, Codec::G722, Codec::Pcmu, Codec::Pcma, Codec::G729, Codec::Gsm][..], 1..=6).prop_shuffle(),
        dtmf_at in prop::option::of(0usize..7),
        media in nonempty_ordered(MediaType::ALL),
        transports in nonempty_ordered(Transport::ALL),
        domain in prop::sample::select(&["sip.example.com", "192.0.2.1", "2001:db8::5"][..]),
        port in prop::option::of(1u16..),
        proxy in prop::option::of(prop::sample::select(&["proxy.example.com", "[2001:db8::1]:5070"][..])),
    ) -> SipAccount {
        let mut a = SipAccount { name: format!("{}{index}", name.trim()), ..SipAccount::default() };
        a.general.user = Some(user.to_owned());
        a.inbound.did_numbers = dids;
        a.inbound.internal_numbers = exts;
        if let Some(g) = voicemail {
            a.inbound.when_unavailable = Unavailable::RouteToVoicemail { greeting: Some(g.to_owned()) };
        }
        a.outbound.enabled = outbound;
        a.outbound.external_caller_id = outbound.then(|| external.to_owned());
        a.outbound.internal_caller_ids = internal_ids;
        a.outbound.internal_announcement = internal_ann.map(str::to_owned);
        a.outbound.external_announcement = external_ann.map(str::to_owned);
        a.recording.enabled = record;
        a.recording.directions = if record { directions } else { Vec::new() };
        a.recording.on_demand = on_demand;
        a.recording.feature_code = on_demand.then(|| code.to_owned());
        a.recording.delivery_method = delivery.map(str::to_owned);
        a.advanced.allowed_ips_enabled = ips.is_some();
        a.advanced.allowed_ips = ips.unwrap_or_default().iter().map(|s| s.parse().unwrap()).collect();
        let mut codecs = audio;
        if let Some(at) = dtmf_at.or(on_demand.then_some(0)) {
            codecs.insert(at.min(codecs.len()), Codec::TelephoneEvent);
        }
        a.advanced.codecs = codecs;
        a.advanced.media_types = media;
        a.advanced.transports = transports;
        a.credentials.username = format!("user{index}");
        a.credentials.domain = domain.to_owned();
        a.credentials.port = port;
        a.credentials.outbound_proxy = proxy.map(str::to_owned);
        a
    }
}

fn accounts() -> impl Strategy<Value = Vec<SipAccount>> {
    (0usize..5).prop_flat_map(|n| (0..n).map(account).collect::<Vec<_>>())
}

fn without_ids(mut accounts: Vec<SipAccount>) -> Vec<SipAccount> {
    for a in &mut accounts {
        a.id = Default::default();
    }
    accounts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn csv_export_import_export_is_identical(accounts in accounts()) {
        let a_dir = tempfile::tempdir().unwrap();
        let a = manager(a_dir.path());
        // Feature codes shared by several accounts are one feature: collisions can't occur here.
        for account in &accounts {
            a.create(account.clone(), None).unwrap();
        }
        let first = a.export_csv(false).unwrap();

        let b_dir = tempfile::tempdir().unwrap();
        let b = manager(b_dir.path());
        let report = b.import_csv(&first, false).unwrap();
        prop_assert_eq!(report.created.len(), accounts.len());
        let second = b.export_csv(false).unwrap();
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(without_ids(a.load().unwrap().accounts), without_ids(b.load().unwrap().accounts));
    }
}
