//! `iced_test` simulator flows: the window driven by its widgets (clicks, typing, pick lists)
//! on a real Secret Service, as `packaging/run-tests.sh` provides.

use iced::{Event, Point, mouse};
use iced_test::core::Settings;
use iced_test::selector::{self, Candidate, Target};
use iced_test::{Simulator, simulator};

use super::*;

/// The window is tall enough that every control of the editor is on screen.
const SIZE: (f32, f32) = (1200.0, 7000.0);

/// Height of one option of a pick list's menu (default text size and padding).
const OPTION_HEIGHT: f32 = 16.0 * 1.3 + 10.0;

struct Window {
    app: App,
    _dir: tempfile::TempDir,
}

impl Window {
    fn new((dir, app): (tempfile::TempDir, App)) -> Window {
        Window { app, _dir: dir }
    }

    fn ui(&self) -> Simulator<'_, Message> {
        Simulator::with_size(Settings::default(), SIZE, self.app.view())
    }

    fn feed(&mut self, messages: Vec<Message>) {
        for m in messages {
            drive(&mut self.app, m);
        }
    }

    fn sees(&self, text: &str) -> bool {
        self.ui().find(text).is_ok()
    }

    fn click_text(&mut self, text: &str) {
        let mut ui = self.ui();
        ui.click(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let m = ui.into_messages().collect();
        self.feed(m);
    }

    /// Clicks the `nth` (1-based) text equal to `text`.
    fn click_nth_text(&mut self, text: &str, nth: usize) {
        let mut seen = 0;
        let mut ui = self.ui();
        ui.click(move |c: Candidate<'_>| match c {
            Candidate::Text { content, .. } if content == text => {
                seen += 1;
                (seen == nth).then(|| Target::from(c))
            }
            _ => None,
        })
        .unwrap_or_else(|e| panic!("{text} #{nth}: {e}"));
        let m = ui.into_messages().collect();
        self.feed(m);
    }

    fn click_id(&mut self, id: &str) {
        let mut ui = self.ui();
        ui.click(selector::id(id.to_owned()))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let m = ui.into_messages().collect();
        self.feed(m);
    }

    fn type_into(&mut self, id: &str, text: &str) {
        let mut ui = self.ui();
        ui.click(selector::id(id.to_owned()))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        ui.typewrite(text);
        let m = ui.into_messages().collect();
        self.feed(m);
    }

    /// Opens the pick list in the container `id` and chooses its `index`th option.
    fn choose(&mut self, id: &str, index: usize) {
        let mut ui = self.ui();
        let b = ui
            .click(selector::id(id.to_owned()))
            .unwrap_or_else(|e| panic!("{id}: {e}"))
            .bounds();
        let at = Point::new(
            b.center_x(),
            b.y + b.height + OPTION_HEIGHT * (index as f32 + 0.5),
        );
        ui.point_at(at);
        ui.simulate(
            std::iter::once(Event::Mouse(mouse::Event::CursorMoved { position: at }))
                .chain(simulator::click()),
        );
        let m = ui.into_messages().collect();
        self.feed(m);
    }

    fn editor(&self) -> &Editor {
        editor(&self.app)
    }
}

#[test]
fn simulator_create_every_section_then_edit_and_delete() {
    let mut w = Window::new(real_app());
    w.click_text("Create SIP Account");
    assert!(w.sees("New SIP Account"));

    // Save is disabled and the core's errors stand next to their fields.
    w.click_id("save");
    assert!(matches!(w.app.screen, Screen::Editor(_)), "Save did nothing");
    let name_error = w.editor().errors(crate::account::Field::Name)[0].clone();
    assert!(w.sees(&name_error), "{name_error}");

    // 1. General
    w.type_into("name", "Front desk");
    w.choose("pick-user", 0);
    assert_eq!(w.editor().draft.general.user.as_deref(), Some("Ann Smith"));
    // 2. Inbound
    w.click_text("+14155550100 — Main");
    w.click_nth_text("101 — Ann", 1);
    w.click_id("unavailable-voicemail");
    let greeting_error = w.editor().errors(crate::account::Field::VoicemailGreeting)[0].clone();
    assert!(w.sees(&greeting_error));
    w.choose("pick-greeting", 0);
    // 3. Outbound
    w.click_id("outbound-enabled");
    assert!(w.sees(&w.editor().errors(crate::account::Field::ExternalCallerId)[0]));
    w.choose("pick-external-caller-id", 1);
    w.click_nth_text("101 — Ann", 2);
    w.choose("pick-internal-announcement", 1);
    w.choose("pick-external-announcement", 2);
    // 4. Call Recording
    w.click_text("Enable Call Recording");
    w.click_text("Outbound External");
    w.click_text("Record on Demand");
    assert!(!w.editor().errors(crate::account::Field::FeatureCode).is_empty());
    w.type_into("feature-code", "*7");
    w.choose("pick-delivery-method", 1);
    // 5. Advanced
    w.click_id("allowed-ips-enabled");
    w.type_into("allowed-ips", "10.0.0.0/8 300.1.1.1 2001:db8::/32 ");
    assert_eq!(w.editor().ips, ["10.0.0.0/8", "300.1.1.1", "2001:db8::/32"]);
    let bad = w.editor().errors(crate::account::Field::AllowedIps);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(w.sees(&bad[0]), "flagged inline");
    w.click_id("remove-ip-300.1.1.1");
    w.click_id("codec-G722-up");
    w.click_id("codec-PCMA-remove");
    w.click_id("add-codec-G729");
    w.click_text("SRTP-SDES (Secure Real-time Transport Protocol – Session Description Protocol Security Descriptions)");
    assert!(w.sees("Encrypted media types and transport protocols are disabled for this workspace. Turn on encryption on the Workspace page to select them."));
    w.click_text("TCP (Transmission Control Protocol)");
    // Credentials
    w.type_into("domain", "sip.example.com");
    w.type_into("password", "given-pass-1");
    w.type_into("port", "5080");
    assert!(w.editor().can_save(), "{:?}", w.editor().problems);
    w.click_id("save");

    assert!(matches!(w.app.screen, Screen::Accounts(_)), "{:?}", w.app.notice);
    assert!(w.sees("SIP account “Front desk” saved."));
    assert!(w.sees("Front desk"));
    assert!(w.sees("sip:ann.smith@sip.example.com:5080"));
    let m = w.app.manager().unwrap().clone();
    let a = m.account("Front desk").unwrap();
    assert_eq!(a.general.user.as_deref(), Some("Ann Smith"));
    assert_eq!(a.inbound.did_numbers, ["+14155550100"]);
    assert_eq!(a.inbound.internal_numbers, ["101"]);
    assert_eq!(
        a.inbound.when_unavailable,
        Unavailable::RouteToVoicemail {
            greeting: Some("Standard Greeting".into())
        }
    );
    assert!(a.outbound.enabled);
    assert_eq!(a.outbound.external_caller_id.as_deref(), Some("+14155550100"));
    assert_eq!(a.outbound.internal_caller_ids, ["101"]);
    assert_eq!(a.outbound.internal_announcement.as_deref(), Some("Welcome"));
    assert_eq!(a.outbound.external_announcement.as_deref(), Some("Call Recorded"));
    assert!(a.recording.enabled && a.recording.on_demand);
    assert_eq!(a.recording.directions, [Direction::OutboundExternal]);
    assert_eq!(a.recording.feature_code.as_deref(), Some("*7"));
    assert_eq!(a.recording.delivery_method.as_deref(), Some("Mail"));
    assert!(a.advanced.allowed_ips_enabled);
    let ips: Vec<String> = a.advanced.allowed_ips.iter().map(ToString::to_string).collect();
    assert_eq!(ips, ["10.0.0.0/8", "2001:db8::/32"]);
    assert_eq!(
        a.advanced.codecs,
        [
            Codec::G722,
            Codec::Opus,
            Codec::Pcmu,
            Codec::TelephoneEvent,
            Codec::G729
        ]
    );
    assert_eq!(
        a.advanced.media_types,
        [MediaType::Rtp],
        "encrypted choices stay off"
    );
    assert_eq!(a.advanced.transports, [Transport::Udp]);
    assert_eq!(
        m.credentials("Front desk").unwrap().password.unwrap().expose(),
        "given-pass-1"
    );

    // Edit: rename.
    w.click_id("edit-Front desk");
    assert!(w.sees("Edit SIP Account “Front desk”"));
    assert!(w.sees("ann.smith"), "the stored credentials are shown");
    w.type_into("name", " 2");
    w.click_id("save");
    assert!(w.sees("Front desk 2"));
    let renamed = m.account("Front desk 2").unwrap();
    assert_eq!(renamed.id, a.id);
    assert_eq!(
        m.credentials("Front desk 2").unwrap().password.unwrap().expose(),
        "given-pass-1",
        "kept"
    );

    // Delete, with the confirmation.
    w.click_id("delete-Front desk 2");
    assert!(w.sees("Delete the SIP account “Front desk 2”? Its password is removed from the keyring; this cannot be undone."));
    assert_eq!(m.load().unwrap().accounts.len(), 1);
    w.click_id("confirm-delete");
    assert!(m.load().unwrap().accounts.is_empty());
    assert!(w.sees("SIP account “Front desk 2” deleted."));
    assert!(w.sees("There are no SIP accounts yet: create one, or import a CSV file below."));
}

#[test]
fn simulator_copy_credentials() {
    let mut w = Window::new(real_app());
    let m = w.app.manager().unwrap().clone();
    m.create(draft("Desk"), Some(Secret::new("copy-me-9"))).unwrap();
    drive(&mut w.app, Message::Done(Box::new(Job::Reload.run(&m))));
    w.click_id("edit-Desk");
    assert!(!w.sees("copy-me-9"), "hidden until revealed");
    w.click_text("Show");
    assert!(w.sees("copy-me-9"));

    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    w.click_id("copy-password");
    if has_display {
        assert!(
            w.sees("Password copied to the clipboard"),
            "{:?}",
            w.editor().credentials.notice
        );
        let mut clipboard = arboard::Clipboard::new().unwrap();
        assert_eq!(clipboard.get_text().unwrap(), "copy-me-9");
        w.click_id("copy-all");
        let all = clipboard.get_text().unwrap();
        assert!(
            all.starts_with("SIP URI: sip:ann.smith@sip.example.com\n"),
            "{all}"
        );
        assert!(all.contains("Password: copy-me-9\n"), "{all}");
        w.click_id("copy-username");
        assert_eq!(clipboard.get_text().unwrap(), "ann.smith");
    } else {
        assert!(w.sees("There is no clipboard here (there is no display): nothing was copied."));
    }
}

#[test]
fn simulator_export_and_import_csv() {
    let mut w = Window::new(real_app());
    let m = w.app.manager().unwrap().clone();
    m.create(draft("Desk"), None).unwrap();
    drive(&mut w.app, Message::Done(Box::new(Job::Reload.run(&m))));
    let out = w._dir.path().join("accounts.csv");
    w.type_into("export-path", &out.display().to_string());
    w.click_text("Download CSV");
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("name,user,"), "{text}");
    assert!(lines.next().unwrap().starts_with("Desk,Ann Smith,"), "{text}");
    let password = m.credentials("Desk").unwrap().password.unwrap();
    assert!(!text.contains(password.expose()), "no passwords unless asked for");
    assert!(w.sees(&format!("1 account written to {}.", out.display())));

    // The file back in, with one changed and one bad row: every problem is listed, nothing imported.
    let bad = w._dir.path().join("bad.csv");
    std::fs::write(&bad, "name,user,sip_domain,codecs\nNew,Ann Smith,sip.example.com,OPUS\nWorse,Ann Smith,sip.example.com,G711\nOther,Nobody,sip.example.com,OPUS\n").unwrap();
    w.type_into("import-path", &bad.display().to_string());
    w.click_text("Import CSV");
    let Screen::Accounts(screen) = &w.app.screen else {
        panic!()
    };
    let problems = screen.import_problems.clone();
    assert!(
        problems.iter().any(|p| p.line == 3) && problems.iter().all(|p| p.line == 3 || p.line == 4),
        "{problems:?}"
    );
    // A validation problem keeps its translation (shown in the window's language).
    let unknown = problems
        .iter()
        .find(|p| p.line == 4)
        .expect("the unknown user is reported");
    assert_eq!(unknown.key, "problem-user-unknown");
    assert_eq!(i18n::translated(unknown.key, &unknown.args, "?"), unknown.message);
    assert!(w.sees(&fl!("csv-import-failed", count = problems.len())));
    let first = &problems[0];
    let cell = fl!(
        "csv-problem-cell",
        line = first.line,
        column = first.column.clone().unwrap_or_default()
    );
    assert!(w.sees(&format!("{cell}: {}", first.message)), "shown per row");
    assert_eq!(m.load().unwrap().accounts.len(), 1);
}

#[test]
fn simulator_first_run_wizard_adds_a_user_then_the_first_account() {
    let mut w = Window::new(empty_real_app());
    assert!(w.sees("Welcome to Handset"));
    w.click_id("welcome-add-account");
    assert!(
        matches!(w.app.screen, Screen::Welcome(_)),
        "no account without a user"
    );
    w.click_id("welcome-add-user");
    let Screen::Welcome(screen) = &w.app.screen else {
        panic!()
    };
    let refused = screen.error.clone().expect("an empty name is refused");
    assert!(w.sees(&refused), "{refused}");
    w.type_into("welcome-user-name", "Ann Smith");
    w.click_id("welcome-add-user");
    assert!(w.sees("Users: Ann Smith"));
    assert!(w.app.doc.workspace.has_user("Ann Smith"));
    w.click_id("welcome-add-account");
    assert!(w.sees("New SIP Account"));
    w.type_into("name", "Desk");
    w.choose("pick-user", 0);
    w.type_into("domain", "sip.example.com");
    w.click_id("save");
    assert!(w.sees("SIP account “Desk” saved."));
    assert!(w.sees("sip:ann.smith@sip.example.com"));
}

#[test]
fn simulator_wizard_imports_a_csv_file() {
    let mut w = Window::new(empty_real_app());
    w.app.manager().unwrap().add_user("Ann Smith", None).unwrap();
    let path = w._dir.path().join("first.csv");
    std::fs::write(&path, "name,user,sip_domain\nDesk,Ann Smith,sip.example.com\n").unwrap();
    w.type_into("welcome-import-path", &path.display().to_string());
    w.click_id("welcome-import");
    assert!(matches!(w.app.screen, Screen::Accounts(_)), "{:?}", w.app.notice);
    assert!(w.sees("Import done: 1 created, 0 updated."));
    assert!(w.sees("Desk"));
}

#[test]
fn simulator_workspace_catalogues() {
    let mut w = Window::new(real_app());
    w.click_text("Workspace");
    assert!(w.sees("Phone Numbers"));
    w.type_into("phone-number", "+4930901820");
    w.type_into("phone-number-label", "Berlin");
    w.click_id("add-phone-number");
    assert!(w.sees("+4930901820") && w.sees("Berlin"));
    assert!(w.app.doc.workspace.has_phone_number("+4930901820"));
    w.type_into("phone-number", "12345");
    w.click_id("add-phone-number");
    let Screen::Workspace(screen) = &w.app.screen else {
        panic!()
    };
    let refused = screen.error.clone().expect("not E.164");
    assert!(refused.contains("12345") && w.sees(&refused), "{refused}");
    w.click_id("remove-+4930901820");
    assert!(!w.app.doc.workspace.has_phone_number("+4930901820"));
    assert!(!w.sees("Berlin"));
    w.click_id("encryption");
    assert!(
        w.app
            .manager()
            .unwrap()
            .load()
            .unwrap()
            .workspace
            .encryption_enabled
    );
    // The editor now offers the encrypted choices.
    w.click_text("Accounts");
    w.click_text("Create SIP Account");
    w.click_text("TLS (Transport Layer Security)");
    assert!(w.editor().draft.advanced.transports.contains(&Transport::Tls));
}

#[test]
fn simulator_workspace_uploads_an_announcement() {
    let mut w = Window::new(real_app());
    w.click_text("Workspace");
    let wav = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/announcements/welcome.wav");
    w.type_into("announcement-name", "Lobby");
    w.type_into("announcement-file", &wav.display().to_string());
    w.click_id("upload-announcement");
    let lobby = w
        .app
        .doc
        .workspace
        .announcements
        .first()
        .expect("uploaded")
        .clone();
    assert_eq!(lobby.name, "Lobby");
    assert!(lobby.duration_ms > 1000, "{lobby:?}");
    assert!(w.sees("Lobby"));
    let stored = w.app.manager().unwrap().paths().audio_dir().join(&lobby.file);
    assert!(stored.is_file(), "{}", stored.display());
    // Its preview plays the stored file.
    w.app.outbox.clear();
    w.click_id("play-Lobby");
    assert!(
        matches!(&w.app.outbox[..], [Request::Preview(AudioRef::File(p))] if *p == stored),
        "{:?}",
        w.app.outbox
    );
    assert!(AudioRef::File(stored.clone()).load().unwrap().samples.len() > 8000);

    w.type_into("greeting-name", "Closed");
    w.type_into("greeting-file", "/nonexistent/closed.wav");
    w.click_id("upload-greeting");
    let Screen::Workspace(screen) = &w.app.screen else {
        panic!()
    };
    let refused = screen.error.clone().expect("a missing file is refused");
    assert!(w.sees(&refused), "{refused}");
    assert!(w.app.doc.workspace.greetings.is_empty());
}

#[test]
fn simulator_editor_uploads_an_announcement_and_picks_it() {
    let mut w = Window::new(real_app());
    w.click_text("Create SIP Account");
    let wav = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/announcements/welcome.wav");
    w.type_into("upload-name", "Lobby");
    w.type_into("upload-path", &wav.display().to_string());
    w.click_id("upload-announcement");
    assert!(w.sees("Announcement “Lobby” uploaded: choose it above."));
    // None, the three built-in announcements, then Lobby.
    w.choose("pick-internal-announcement", 4);
    assert_eq!(
        w.editor().draft.outbound.internal_announcement.as_deref(),
        Some("Lobby")
    );

    w.type_into("upload-name", "Later");
    w.type_into("upload-path", "/nonexistent/later.wav");
    w.click_id("upload-announcement");
    let Some(Err(refused)) = w.editor().upload_result.clone() else {
        panic!("{:?}", w.editor().upload_result)
    };
    assert!(w.sees(&refused), "{refused}");
    assert_eq!(w.app.doc.workspace.announcements.len(), 1);
}

#[test]
fn simulator_theme_choice_persists() {
    let mut w = Window::new(real_app());
    assert_eq!(w.app.theme, ThemeChoice::System);
    w.choose("theme", 2);
    assert_eq!(w.app.theme, ThemeChoice::Dark);
    let m = w.app.manager().unwrap().clone();
    assert_eq!(Prefs::load(m.paths()).theme, ThemeChoice::Dark);
    let again = App::with_manager(m);
    assert_eq!(again.theme(), Some(Theme::Dark), "the next start keeps it");
}

/// Choosing a language relabels the window at once and is kept for the next start. The
/// language is the process's, and the other tests read English: the flow runs alone in a
/// child process of this test binary.
#[test]
fn simulator_language_choice_relabels_the_window_and_persists() {
    const CHILD: &str = "HANDSET_LANGUAGE_FLOW";
    let name = "ui::app::tests::flows::simulator_language_choice_relabels_the_window_and_persists";
    if std::env::var_os(CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--test-threads=1"])
            .env(CHILD, "1")
            .env_remove("HANDSET_LANG")
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && said.contains("1 passed"),
            "{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let mut w = Window::new(real_app());
    assert!(w.sees("Accounts") && !w.sees("Konten"));
    w.choose("language", 1);
    assert!(w.sees("Konten") && w.sees("Arbeitsbereich"), "relabelled at once");
    let m = w.app.manager().unwrap().clone();
    assert_eq!(Prefs::load(m.paths()).language.as_deref(), Some("de"));
    i18n::set_language("en");
    let again = Window {
        app: App::with_manager(m),
        _dir: tempfile::tempdir().unwrap(),
    };
    assert!(again.sees("Konten"), "the next start speaks German");
}

/// The delivery method `name` is listed as `shown` and its `secret` is in the keyring.
fn listed_with_secret(w: &Window, shown: &str, name: &str, secret: &str) {
    assert!(w.sees(shown), "{:?}", w.app.doc.workspace.delivery_methods);
    let stored = w
        .app
        .manager()
        .unwrap()
        .secret_store()
        .get(&crate::account::secrets::SecretKey::Delivery(name.into()))
        .unwrap();
    assert_eq!(stored.unwrap().expose(), secret, "in the keyring");
}

#[test]
fn simulator_workspace_adds_a_delivery_method() {
    let mut w = Window::new(real_app());
    w.click_text("Workspace");
    w.type_into("delivery-name", "Archive");
    w.choose("delivery-kind", 3);
    w.type_into("delivery-target", "files.example.com");
    w.type_into("delivery-username", "rec");
    w.type_into("delivery-secret", "ftp-secret");
    w.click_id("add-delivery");
    listed_with_secret(&w, "sftp://rec@files.example.com/", "Archive", "ftp-secret");
    let m = w.app.manager().unwrap().clone();
    let config = std::fs::read_to_string(m.paths().config_file()).unwrap();
    assert!(!config.contains("ftp-secret"), "never in the config");

    // Email through an outgoing mail server over TLS; its password to the keyring too.
    w.type_into("delivery-name", "Outgoing");
    w.type_into("delivery-target", "rec@example.com");
    w.type_into("delivery-server", "smtp.example.com");
    w.choose("delivery-security", 1);
    w.type_into("delivery-username", "pbx@example.com");
    w.type_into("delivery-secret", "mail-secret");
    w.click_id("add-delivery");
    listed_with_secret(
        &w,
        "email to rec@example.com via smtp.example.com (TLS)",
        "Outgoing",
        "mail-secret",
    );

    w.type_into("delivery-name", "Other");
    w.type_into("delivery-target", "not-an-address");
    w.click_id("add-delivery");
    let Screen::Workspace(screen) = &w.app.screen else {
        panic!()
    };
    let refused = screen.error.clone().expect("a bad address is refused");
    assert!(
        refused.contains("not-an-address") && w.sees(&refused),
        "{refused}"
    );
}

#[test]
fn simulator_workspace_adds_a_cloud_drive_and_offers_its_sign_in() {
    let mut w = Window::new(real_app());
    w.click_text("Workspace");
    w.type_into("delivery-name", "Box");
    w.choose("delivery-kind", 1);
    w.type_into("delivery-target", "Calls");
    w.type_into("delivery-client-id", "app-key");
    assert!(
        w.ui().find(selector::id("delivery-secret".to_owned())).is_err(),
        "Dropbox asks for no password or token: the sign-in gets one"
    );
    w.click_id("add-delivery");
    assert!(w.sees("Dropbox folder Calls"));
    let m = w.app.manager().unwrap().clone();
    assert_eq!(
        m.secret_store()
            .get(&crate::account::secrets::SecretKey::Delivery("Box".into()))
            .unwrap(),
        None,
        "nothing in the keyring before the sign-in"
    );
    // Sign in: the job that opens the browser and waits for it (run by the CLI tests against
    // the service's stand-in, `tests/sip/cloud.rs`).
    let mut ui = w.ui();
    ui.click(selector::id("sign-in-Box".to_owned()))
        .unwrap_or_else(|e| panic!("sign-in-Box: {e}"));
    let messages: Vec<Message> = ui.into_messages().collect();
    let [message] = messages.as_slice() else {
        panic!("{messages:?}")
    };
    let job = w.app.step(message.clone());
    assert!(
        matches!(&job, Some(Job::Workspace(crate::ui::jobs::Change::SignIn { name })) if name == "Box"),
        "{job:?}"
    );
    // Methods that are not cloud drives have no sign-in.
    w.type_into("delivery-name", "Archive");
    w.choose("delivery-kind", 3);
    w.type_into("delivery-target", "files.example.com");
    w.click_id("add-delivery");
    assert!(w.ui().find(selector::id("sign-in-Archive".to_owned())).is_err());
}
