//! Manager tests against keyring-core's mock store (the integration tests use a real Secret Service).

use super::*;
use crate::account::model::{Codec, Transport};
use crate::account::workspace::{DeliveryMethod, DeliveryTarget, ItemKind};

fn manager() -> (tempfile::TempDir, AccountManager) {
    let dir = tempfile::tempdir().unwrap();
    let mock = keyring_core::mock::Store::new().unwrap();
    let m = AccountManager::open_with(ProfilePaths::portable(dir.path()), |id| {
        Ok(SecretStore::with_store(mock, id))
    })
    .unwrap();
    m.add_user("Ann Smith", Some("ann@example.com")).unwrap();
    m.add_phone_number("+14155550100", "Main").unwrap();
    m.add_extension("101", "Ann").unwrap();
    (dir, m)
}

fn draft(name: &str) -> SipAccount {
    let mut a = SipAccount {
        name: name.into(),
        ..SipAccount::default()
    };
    a.general.user = Some("Ann Smith".into());
    a.credentials.domain = "sip.example.com".into();
    a
}

fn password_of(m: &AccountManager, a: &SipAccount) -> Option<Secret> {
    m.secret_store()
        .get(&SecretKey::SipPassword(a.id.clone()))
        .unwrap()
}

#[test]
fn create_generates_username_and_password() {
    let (_d, m) = manager();
    let a = m.create(draft("Desk"), None).unwrap();
    assert_eq!(a.credentials.username, "ann.smith");
    assert_eq!(password_of(&m, &a).unwrap().expose().len(), 24);
    let b = m
        .create(draft("Desk 2"), Some(Secret::new("given-password")))
        .unwrap();
    assert_eq!(b.credentials.username, "ann.smith2");
    assert_eq!(password_of(&m, &b).unwrap().expose(), "given-password");
    let text = std::fs::read_to_string(m.paths().config_file()).unwrap();
    assert!(!text.contains("given-password"));
}

#[test]
fn invalid_create_writes_nothing() {
    let (_d, m) = manager();
    let mut a = draft("Desk");
    a.outbound.enabled = true;
    let err = m.create(a, Some(Secret::new("pw-not-kept"))).unwrap_err();
    assert!(
        matches!(err, Error::Invalid(ref p) if p[0].field == crate::account::Field::ExternalCallerId),
        "{err}"
    );
    assert!(m.load().unwrap().accounts.is_empty());
}

#[test]
fn edit_and_delete() {
    let (_d, m) = manager();
    let a = m.create(draft("Desk"), None).unwrap();
    let old = password_of(&m, &a).unwrap();
    let e = m
        .edit(
            "desk",
            |a| {
                a.outbound.enabled = true;
                a.outbound.external_caller_id = Some("+14155550100".into());
                Ok(())
            },
            None,
        )
        .unwrap();
    assert!(e.outbound.enabled);
    assert_eq!(password_of(&m, &a).unwrap(), old, "password kept");
    // A failing edit changes neither the file nor the keyring.
    let err = m.edit(
        "Desk",
        |a| {
            a.advanced.codecs = vec![Codec::TelephoneEvent];
            Ok(())
        },
        Some(Secret::new("new")),
    );
    assert!(err.is_err());
    assert_eq!(password_of(&m, &a).unwrap(), old);
    assert_eq!(
        m.account("Desk").unwrap().advanced.codecs,
        SipAccount::default().advanced.codecs
    );
    m.delete("DESK").unwrap();
    assert!(password_of(&m, &a).is_none());
    assert!(matches!(m.delete("Desk"), Err(Error::NotFound { .. })));
}

#[test]
fn workspace_items_in_use_cannot_be_removed() {
    let (_d, m) = manager();
    m.create(draft("Desk"), None).unwrap();
    let err = m.remove_item(ItemKind::User, "Ann Smith").unwrap_err();
    assert!(
        matches!(&err, Error::InUse { accounts, .. } if accounts == &["Desk"]),
        "{err}"
    );
    m.remove_item(ItemKind::PhoneNumber, "+14155550100").unwrap();
    assert!(matches!(
        m.remove_item(ItemKind::PhoneNumber, "+14155550100"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        m.remove_item(ItemKind::Announcement, "Welcome"),
        Err(Error::Rejected(_))
    ));
    assert!(m.add_user("ann smith", None).is_err(), "names are unique");
    assert!(m.add_phone_number("0415", "").is_err());
}

#[test]
fn encryption_switch_guards_accounts() {
    let (_d, m) = manager();
    let mut a = draft("Desk");
    a.advanced.transports = vec![Transport::Tls];
    assert!(m.create(a.clone(), None).is_err());
    m.set_encryption(true).unwrap();
    m.create(a, None).unwrap();
    let err = m.set_encryption(false).unwrap_err();
    assert!(err.to_string().contains("Desk"), "{err}");
}

#[test]
fn delivery_secrets_live_in_the_keyring() {
    let (_d, m) = manager();
    let method = DeliveryMethod {
        name: "Archive".into(),
        target: DeliveryTarget::Sftp {
            host: "files.example.com".into(),
            port: Some(22),
            path: "/rec".into(),
            username: "rec".into(),
            key_file: None,
        },
    };
    m.add_delivery_method(method, Some(Secret::new("sftp-pass")))
        .unwrap();
    let key = SecretKey::Delivery("Archive".into());
    assert_eq!(m.secret_store().get(&key).unwrap().unwrap().expose(), "sftp-pass");
    let text = std::fs::read_to_string(m.paths().config_file()).unwrap();
    assert!(!text.contains("sftp-pass"));
    m.remove_item(ItemKind::DeliveryMethod, "Archive").unwrap();
    assert!(m.secret_store().get(&key).unwrap().is_none());
}

#[test]
fn import_is_all_or_nothing_with_row_errors() {
    let (_d, m) = manager();
    let csv = "name,user,sip_domain,outbound_enabled,external_caller_id\r\n\
               Good,Ann Smith,sip.example.com,yes,+14155550100\r\n\
               Bad,Nobody,sip.example.com,yes,\r\n";
    let Err(Error::Csv(problems)) = m.import_csv(csv, false) else {
        panic!("expected CSV problems")
    };
    let cols: Vec<(u64, &str)> = problems
        .iter()
        .map(|p| (p.line, p.column.as_deref().unwrap()))
        .collect();
    assert_eq!(cols, [(3, "user"), (3, "external_caller_id")]);
    assert!(m.load().unwrap().accounts.is_empty());

    let csv = "name,user,sip_domain,sip_password\r\nGood,Ann Smith,sip.example.com,imported-pw\r\n";
    let report = m.import_csv(csv, false).unwrap();
    assert_eq!(report.created, ["Good"]);
    let a = m.account("Good").unwrap();
    assert_eq!(password_of(&m, &a).unwrap().expose(), "imported-pw");
    // Existing names need --update.
    assert!(m.import_csv(csv, false).is_err());
    let csv = "name,outbound_enabled,external_caller_id\r\ngood,yes,+14155550100\r\n";
    let report = m.import_csv(csv, true).unwrap();
    assert_eq!(report.updated, ["Good"]);
    let b = m.account("Good").unwrap();
    assert!(b.outbound.enabled);
    assert_eq!(b.credentials, a.credentials, "absent columns keep their values");
    assert_eq!(password_of(&m, &b).unwrap().expose(), "imported-pw");
}

#[test]
fn fill_username_previews_what_create_generates() {
    let (_d, m) = manager();
    let doc = m.load().unwrap();
    let mut preview = draft("Desk");
    fill_username(&mut preview, &doc);
    let created = m.create(draft("Desk"), None).unwrap();
    assert_eq!(preview.credentials.username, created.credentials.username);
    let mut given = draft("Other");
    given.credentials.username = "front".into();
    fill_username(&mut given, &m.load().unwrap());
    assert_eq!(given.credentials.username, "front");
}
