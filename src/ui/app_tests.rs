//! App tests: `update()` with keyring-core's mock store, the helpers both kinds of test share,
//! and (in `app_flows.rs`) the simulator flows.

use super::*;
use crate::account::model::{Codec, Direction, MediaType, Transport, Unavailable};
use crate::account::workspace::{DeliveryMethod, DeliveryTarget};
use crate::account::{Secret, SecretStore, SipAccount};

/// Leaves the first-run wizard, as a user with a ready workspace would.
fn past_welcome(mut app: App) -> App {
    assert!(
        matches!(app.screen, Screen::Welcome(_)),
        "a profile without accounts starts with the wizard"
    );
    drive(&mut app, Message::Welcome(welcome::Message::Skip));
    app
}

fn workspace(m: &AccountManager) {
    m.add_user("Ann Smith", None).unwrap();
    m.add_phone_number("+14155550100", "Main").unwrap();
    m.add_extension("101", "Ann").unwrap();
    m.add_delivery_method(
        DeliveryMethod {
            name: "Mail".into(),
            target: DeliveryTarget::email("rec@example.com"),
        },
        None,
    )
    .unwrap();
}

/// An app on a fresh profile whose secrets go to keyring-core's mock store.
fn mock_app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let mock = keyring_core::mock::Store::new().unwrap();
    let m = AccountManager::open_with(ProfilePaths::portable(dir.path()), |id| {
        Ok(SecretStore::with_store(mock, id))
    })
    .unwrap();
    workspace(&m);
    (dir, past_welcome(App::with_manager(m)))
}

/// An app on a fresh profile with the platform keyring (the Secret Service under
/// `packaging/run-tests.sh`); the profile's own keyring namespace keeps real entries apart.
fn real_app() -> (tempfile::TempDir, App) {
    let (dir, app) = empty_real_app();
    workspace(app.manager().unwrap());
    let m = app.manager().unwrap().clone();
    (dir, past_welcome(App::with_manager(m)))
}

/// Like [`real_app`], with an empty workspace, showing the first-run wizard.
fn empty_real_app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let m = AccountManager::open(ProfilePaths::portable(dir.path()))
        .unwrap_or_else(|e| panic!("these tests need a Secret Service (run packaging/run-tests.sh): {e}"));
    (dir, App::with_manager(m))
}

/// Applies a message and runs the jobs it starts here and now, as `update` would on a thread.
fn drive(app: &mut App, message: Message) {
    let mut next = app.step(message);
    while let Some(job) = next {
        let outcome = job.run(app.manager().unwrap());
        next = app.step(Message::Done(Box::new(outcome)));
    }
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

fn editor(app: &App) -> &Editor {
    match &app.screen {
        Screen::Editor(e) => e,
        other => panic!("not in the editor: {other:?}"),
    }
}

#[test]
fn create_opens_the_editor_and_save_returns_to_the_list() {
    let (_d, mut app) = mock_app();
    assert!(matches!(app.screen, Screen::Accounts(_)));
    drive(&mut app, Message::Accounts(accounts::Message::Create));
    let mut account = draft("Desk");
    account.outbound.enabled = true;
    for m in [
        editor::Message::Typed(editor::Input::Name, "Desk".into()),
        editor::Message::Typed(editor::Input::Domain, "sip.example.com".into()),
        editor::Message::Picked(
            editor::Dropdown::User,
            editor::Pick {
                key: Some("Ann Smith".into()),
                label: String::new(),
            },
        ),
        editor::Message::Save,
    ] {
        drive(&mut app, Message::Editor(m));
    }
    assert!(matches!(app.screen, Screen::Accounts(_)), "{:?}", app.notice);
    assert_eq!(app.notice, Some(Ok("SIP account “Desk” saved.".into())));
    assert_eq!(app.doc.accounts.len(), 1);
    assert_eq!(app.doc.accounts[0].credentials.username, "ann.smith");
}

#[test]
fn edit_loads_credentials_and_delete_asks_first() {
    let (_d, mut app) = mock_app();
    let m = app.manager().unwrap().clone();
    m.create(draft("Desk"), Some(Secret::new("pw-1"))).unwrap();
    drive(&mut app, Message::Done(Box::new(Job::Reload.run(&m))));
    drive(
        &mut app,
        Message::Accounts(accounts::Message::Edit("Desk".into())),
    );
    let view = editor(&app).credentials.view.clone().unwrap().unwrap();
    assert_eq!(view.password.unwrap().expose(), "pw-1");
    drive(&mut app, Message::Editor(editor::Message::Cancel));
    drive(
        &mut app,
        Message::Accounts(accounts::Message::Delete("Desk".into())),
    );
    assert_eq!(
        app.doc.accounts.len(),
        1,
        "nothing deleted before the confirmation"
    );
    drive(&mut app, Message::Accounts(accounts::Message::ConfirmDelete));
    assert!(app.doc.accounts.is_empty());
    assert_eq!(app.notice, Some(Ok("SIP account “Desk” deleted.".into())));
}

#[test]
fn import_lists_every_bad_row_and_imports_nothing() {
    let (dir, mut app) = mock_app();
    let path = dir.path().join("in.csv");
    std::fs::write(
        &path,
        "name,user,sip_domain,codecs\nA,Ann Smith,sip.example.com,OPUS\nB,Nobody,sip.example.com,G711\n",
    )
    .unwrap();
    drive(
        &mut app,
        Message::Accounts(accounts::Message::ImportPath(path.display().to_string())),
    );
    drive(&mut app, Message::Accounts(accounts::Message::Import));
    let Screen::Accounts(screen) = &app.screen else {
        panic!()
    };
    let lines: Vec<u64> = screen.import_problems.iter().map(|p| p.line).collect();
    assert!(
        !lines.is_empty() && lines.iter().all(|&l| l == 3),
        "{:?}",
        screen.import_problems
    );
    assert!(app.doc.accounts.is_empty());
}

#[test]
fn a_profile_that_cannot_open_is_explained() {
    let (mut app, _) = App::boot(ProfilePaths::portable(std::path::Path::new("/nonexistent")));
    drive(&mut app, Message::Opened(Err("no keyring".into())));
    assert!(matches!(app.screen, Screen::Loading));
    assert_eq!(
        app.notice,
        Some(Err("The profile could not be opened: no keyring".into()))
    );
}

#[path = "app_flows.rs"]
mod flows;

/// The header's "Start at login" switch writes the profile's autostart entry and removes it.
#[test]
fn the_login_start_switch_writes_and_removes_the_autostart_entry() {
    use iced_test::core::Settings;
    use iced_test::{Simulator, selector};
    let (_d, mut app) = mock_app();
    let home = tempfile::tempdir().unwrap();
    // The entry goes to a temporary folder, never the user's autostart folder.
    let (mut entry, on) = app.autostart.clone().expect("XDG autostart on Linux");
    assert!(!on);
    entry.file = home
        .path()
        .join("autostart")
        .join(entry.file.file_name().unwrap());
    app.autostart = Some((entry.clone(), false));
    let click = |app: &mut App| {
        let mut ui = Simulator::with_size(Settings::default(), (1200.0, 900.0), app.view());
        ui.click(selector::id("autostart")).unwrap();
        let messages: Vec<Message> = ui.into_messages().collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        for m in messages {
            drive(app, m);
        }
    };
    click(&mut app);
    assert!(entry.is_on());
    assert!(matches!(app.autostart, Some((_, true))));
    let text = std::fs::read_to_string(&entry.file).unwrap();
    assert!(text.contains(" --minimized --profile "), "{text}");
    click(&mut app);
    assert!(!entry.is_on());
    assert!(matches!(app.autostart, Some((_, false))));
}

/// Settings → Diagnostics shows the newest log lines and the recorded SIP messages with secrets
/// masked, filters them, and copies a report without username or password.
#[test]
fn diagnostics_show_logs_and_sip_messages_masked_and_copy_a_report() {
    use iced_test::core::Settings;
    use iced_test::{Simulator, selector};
    use tracing_subscriber::prelude::*;

    use crate::engine::{Flow, Transport};
    use crate::ui::screen::diagnostics::{Message as D, Pane};

    let (_d, mut app) = mock_app();
    let creds = app.manager().unwrap().credentials("Desk").ok();
    let password = creds.and_then(|c| c.password).map(|p| p.expose().to_owned());
    crate::redact::remember("diag-secret-4242");
    let subscriber = tracing_subscriber::Registry::default().with(crate::logging::recent::layer());
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("diagnostics test line: registered");
        tracing::warn!("diagnostics test line: with diag-secret-4242 in it");
    });
    let flow = Flow {
        transport: Transport::Tls,
        remote: "127.0.0.8:5061".parse().unwrap(),
    };

    let mut ui = Simulator::with_size(Settings::default(), (1400.0, 900.0), app.view());
    ui.click(selector::id("nav-diagnostics")).unwrap();
    for m in ui.into_messages().collect::<Vec<_>>() {
        step_no_job(&mut app, m);
    }
    let Screen::Diagnostics(screen) = &app.screen else {
        panic!("the Diagnostics screen")
    };
    assert_eq!(screen.pane, Pane::Log);
    assert!(
        screen
            .lines
            .iter()
            .any(|l| l.contains("diagnostics test line: registered"))
    );
    assert!(
        screen
            .lines
            .iter()
            .any(|l| l.contains("diagnostics test line: with ‹secret› in it"))
    );
    assert!(!screen.lines.iter().any(|l| l.contains("diag-secret-4242")));

    step_no_job(&mut app, Message::Diagnostics(D::Filter("WITH ‹SECRET›".into())));
    let Screen::Diagnostics(screen) = &app.screen else {
        unreachable!()
    };
    assert!(!screen.shown().is_empty());
    assert!(
        screen.shown().iter().all(|l| l.contains("with ‹secret›")),
        "{:?}",
        screen.shown()
    );

    // SIP messages: kept only while recording.
    step_no_job(&mut app, Message::Diagnostics(D::Show(Pane::Sip)));
    step_no_job(&mut app, Message::Diagnostics(D::Filter(String::new())));
    step_no_job(&mut app, Message::Diagnostics(D::Record(true)));
    crate::net::trace::message(
        false,
        true,
        flow,
        b"REGISTER sip:sip.example.com SIP/2.0\r\nAuthorization: Digest username=\"u\", response=\"00112233445566778899aabbccddeeff\"\r\n\r\n",
    );
    step_no_job(&mut app, Message::Diagnostics(D::Refresh));
    let Screen::Diagnostics(screen) = &app.screen else {
        unreachable!()
    };
    assert!(
        screen
            .lines
            .iter()
            .any(|l| l.contains("sent to TLS:127.0.0.8:5061")),
        "{:?}",
        screen.lines
    );
    assert!(screen.lines.iter().any(|l| l.contains("response=\"‹secret›\"")));
    assert!(!screen.lines.iter().any(|l| l.contains("00112233445566778899")));
    let ui = Simulator::with_size(Settings::default(), (1400.0, 900.0), app.view());
    drop(ui);
    step_no_job(&mut app, Message::Diagnostics(D::Record(false)));

    let job = app.step(Message::Diagnostics(D::Copy));
    let Some(Job::CopyReport(report)) = job else {
        panic!("a copy of the report: {job:?}")
    };
    assert!(report.starts_with("Handset "), "{report}");
    assert!(report.contains("accounts: "), "{report}");
    assert!(report.contains("diagnostics test line: registered"), "{report}");
    assert!(!report.contains("diag-secret-4242"));
    if let Some(p) = password {
        assert!(!report.contains(&p));
    }
}

/// Applies a message that starts no account-manager job.
fn step_no_job(app: &mut App, message: Message) {
    assert!(app.step(message).is_none());
}
