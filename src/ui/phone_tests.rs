//! Phone half tests: the Phone, call and incoming screens driven through `App::step` with the
//! phone's `Update`s fed as messages (the requests they produce wait in `App::outbox`), and
//! `iced_test` simulator flows. The keyring is keyring-core's mock store.

use iced::keyboard::key::Named;
use iced_test::core::Settings;
use iced_test::{Simulator, selector};

use super::*;
use crate::account::SecretStore;
use crate::account::workspace::DeliveryTarget;
use crate::phone::controller::Update;
use crate::phone::delivery::Delivery;
use crate::phone::error::PhoneError;
use crate::phone::events::{
    CallFigures, CallHandle, CallState, PhoneEvent, RegistrationState, StreamReport, TransferProgress,
};
use crate::phone::history::{CallRecord, Direction, Outcome};
use crate::text::Text;
use crate::ui::screen::call::Stage;

const BOB: CallHandle = CallHandle(7);
const CAROL: CallHandle = CallHandle(8);

/// An app on a profile with the account `Desk` (outbound on) and `Lobby` (outbound off),
/// opened on the Phone screen.
fn app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let mock = keyring_core::mock::Store::new().unwrap();
    let m = AccountManager::open_with(ProfilePaths::portable(dir.path()), |id| {
        Ok(SecretStore::with_store(mock, id))
    })
    .unwrap();
    m.add_user("Ann Smith", None).unwrap();
    m.add_phone_number("+14155550100", "Main").unwrap();
    for (name, outbound) in [("Desk", true), ("Lobby", false)] {
        let mut a = SipAccount {
            name: name.into(),
            ..SipAccount::default()
        };
        a.general.user = Some("Ann Smith".into());
        a.credentials.domain = "sip.example.com".into();
        a.outbound.enabled = outbound;
        a.outbound.external_caller_id = outbound.then(|| "+14155550100".into());
        m.create(a, Some(Secret::new(format!("pw-{name}")))).unwrap();
    }
    let app = App::with_manager(m);
    assert!(
        matches!(app.screen, Screen::Phone),
        "opens on Phone with accounts"
    );
    (dir, app)
}

fn step(app: &mut App, message: Message) {
    assert!(app.step(message).is_none(), "no account-manager job");
}

fn update(app: &mut App, update: Update) {
    step(app, Message::Link(link::Event::Update(update)));
}

fn phone(app: &mut App, m: phone::Message) {
    step(app, Message::Phone(m));
}

fn sent(app: &mut App) -> Vec<String> {
    app.outbox.drain(..).map(|r| format!("{r:?}")).collect()
}

fn call_state(call: CallHandle, state: CallState) -> Update {
    Update::Phone(PhoneEvent::Call { call, state })
}

fn answered(call: CallHandle, sdp: &str) -> Update {
    call_state(
        call,
        CallState::Answered {
            sdp: sdp.as_bytes().to_vec(),
        },
    )
}

fn ended(call: CallHandle) -> Update {
    call_state(
        call,
        CallState::Ended {
            code: 200,
            reason: "BYE".into(),
            by_remote: true,
        },
    )
}

fn incoming(call: CallHandle, from: &str) -> Update {
    Update::Phone(PhoneEvent::Incoming {
        account: "Desk".into(),
        call,
        from: from.into(),
        called: "+14155550100".into(),
        replaces: None,
    })
}

fn dialled(call: CallHandle, target: &str) -> Update {
    Update::Dialled {
        account: "Desk".into(),
        target: target.into(),
        result: Ok(call),
    }
}

const SRTP_PCMA: &str = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n\
m=audio 4000 RTP/SAVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

#[test]
fn keypad_and_call_button_dial_from_the_chosen_account() {
    let (_d, mut app) = app();
    assert_eq!(app.dialer.account.as_deref(), Some("Desk"));
    phone(&mut app, phone::Message::Call);
    assert!(app.outbox.is_empty(), "no number, no call");
    for k in ['1', '0', '2', '9'] {
        phone(&mut app, phone::Message::Key(k));
    }
    phone(&mut app, phone::Message::Backspace);
    phone(&mut app, phone::Message::Call);
    assert_eq!(sent(&mut app), [r#"Dial { account: "Desk", target: "102" }"#]);
}

#[test]
fn outbound_off_disables_the_call_button_with_the_reason() {
    let (_d, mut app) = app();
    phone(&mut app, phone::Message::Account("Lobby".into()));
    phone(&mut app, phone::Message::Number("101".into()));
    let reason = app.dialer.cannot_call(&app.doc).expect("calling is off");
    assert!(
        reason.contains("Lobby") && reason.contains("Outbound"),
        "{reason}"
    );
    phone(&mut app, phone::Message::Call);
    assert!(app.outbox.is_empty());
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 800.0), app.view());
    assert!(ui.find(reason.as_str()).is_ok(), "the reason is shown");
}

/// A later launch with a link puts its number in the dialer and shows it, from the settings
/// screens; an account being edited stays open (its changes are not lost).
#[test]
fn a_later_launch_puts_its_number_in_the_dialer() {
    use crate::ui::instance::Request;
    let (_d, mut app) = app();
    step(&mut app, Message::ShowAccounts);
    assert!(matches!(app.screen, Screen::Accounts(_)));
    step(
        &mut app,
        Message::Launched(Request::Dial("tel:+1 (415) 555-0199".into())),
    );
    assert_eq!(app.dialer.number, "+14155550199");
    assert!(matches!(app.screen, Screen::Phone));
    step(&mut app, Message::Launched(Request::Show));
    assert_eq!(app.dialer.number, "+14155550199", "kept");
    step(&mut app, Message::Launched(Request::Dial("not a number".into())));
    assert_eq!(app.dialer.number, "+14155550199", "kept");
    step(&mut app, Message::ShowAccounts);
    step(&mut app, Message::Accounts(accounts::Message::Create));
    assert!(matches!(app.screen, Screen::Editor(_)));
    step(
        &mut app,
        Message::Launched(Request::Dial("sip:bob@example.org".into())),
    );
    assert_eq!(app.dialer.number, "sip:bob@example.org");
    assert!(matches!(app.screen, Screen::Editor(_)), "the editor stays");
}

#[test]
fn pasted_numbers_and_uris_are_cleaned() {
    assert_eq!(
        phone::dialable(" tel:+1 (415) 555-0100 ").as_deref(),
        Some("+14155550100")
    );
    assert_eq!(
        phone::dialable("sip:bob@example.org").as_deref(),
        Some("sip:bob@example.org")
    );
    assert_eq!(phone::dialable("*97#").as_deref(), Some("*97#"));
    assert_eq!(
        phone::dialable("\"Bob\" <sip:bob@example.org>;tag=9fx").as_deref(),
        Some("sip:bob@example.org"),
        "a From header's URI"
    );
    assert_eq!(
        phone::party("\"Bob\" <sip:bob@example.org>;tag=9fx"),
        "\"Bob\" <sip:bob@example.org>",
        "shown without the tag"
    );
    assert_eq!(phone::party("sip:bob@example.org"), "sip:bob@example.org");
    assert_eq!(phone::dialable("hello"), None);
    assert_eq!(phone::dialable("1+2"), None);
    let (_d, mut app) = app();
    phone(&mut app, phone::Message::Paste("tel:+49 30 901820".into()));
    assert_eq!(app.dialer.number, "+4930901820");
    phone(&mut app, phone::Message::Paste("not a number".into()));
    assert_eq!(app.dialer.number, "+4930901820", "kept");
    assert!(app.dialer.error.is_some());
}

#[test]
fn registration_state_and_failure_reasons_are_shown() {
    let (_d, mut app) = app();
    let shown = |app: &App, s: &str| {
        Simulator::with_size(Settings::default(), (1000.0, 800.0), app.view())
            .find(s)
            .is_ok()
    };
    assert!(shown(&app, "Registering…"));
    update(
        &mut app,
        Update::Phone(PhoneEvent::Registration {
            account: "Desk".into(),
            state: RegistrationState::Registered { expires: 600 },
        }),
    );
    assert!(shown(&app, "Registered"));
    update(
        &mut app,
        Update::Phone(PhoneEvent::Registration {
            account: "Desk".into(),
            state: RegistrationState::Failed {
                code: 403,
                reason: Text::new("reg-wrong-credentials"),
                retry_in: None,
            },
        }),
    );
    assert!(shown(
        &app,
        "Registration failed: the server refused the username or password: check them (403)"
    ));
    update(
        &mut app,
        Update::AccountFailed {
            account: "Lobby".into(),
            error: PhoneError::Network(
                Text::new("net-dns-failed")
                    .arg("host", "sip.example.com")
                    .arg("reason", "no answer"),
            ),
        },
    );
    phone(&mut app, phone::Message::Account("Lobby".into()));
    assert!(shown(
        &app,
        "Registration failed: cannot find the SIP server sip.example.com: no answer. \
         Check the domain (or set an outbound proxy) and the network"
    ));
}

#[test]
fn history_lists_calls_and_a_click_calls_back() {
    let (_d, mut app) = app();
    let record = |direction, outcome, remote: &str, called: &str, secs| CallRecord {
        direction,
        outcome,
        account: "Desk".into(),
        remote: remote.into(),
        called: called.into(),
        started: 0,
        duration_secs: secs,
        code: None,
        voicemail: None,
    };
    update(
        &mut app,
        Update::History(record(Direction::Outgoing, Outcome::Answered, "201", "", 75)),
    );
    update(
        &mut app,
        Update::History(record(
            Direction::Incoming,
            Outcome::Missed,
            "sip:carol@example.org",
            "+14155550100",
            0,
        )),
    );
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 800.0), app.view());
    for s in [
        "Missed",
        "sip:carol@example.org",
        "+14155550100 on Desk",
        "Outgoing",
        "Desk · 1:15",
    ] {
        assert!(ui.find(s).is_ok(), "{s}");
    }
    drop(ui);
    phone(&mut app, phone::Message::CallBack(1));
    assert_eq!(sent(&mut app), [r#"Dial { account: "Desk", target: "201" }"#]);
}

/// A missed incoming call (or one that went to voicemail) raises a notification whose Call
/// back puts the caller in the dialer; answered and outgoing calls, and calls missed under Do
/// not disturb, raise none.
#[test]
fn missed_calls_raise_a_notification_with_call_back() {
    let (_d, mut app) = app();
    let record = |direction, outcome| CallRecord {
        direction,
        outcome,
        account: "Desk".into(),
        remote: "sip:carol@example.org".into(),
        called: "+14155550100".into(),
        started: 0,
        duration_secs: 0,
        code: None,
        voicemail: None,
    };
    update(
        &mut app,
        Update::History(record(Direction::Incoming, Outcome::Answered)),
    );
    update(
        &mut app,
        Update::History(record(Direction::Outgoing, Outcome::Missed)),
    );
    assert!(app.effects.is_empty(), "{:?}", app.effects);
    update(
        &mut app,
        Update::History(record(Direction::Incoming, Outcome::Missed)),
    );
    update(
        &mut app,
        Update::History(record(Direction::Incoming, Outcome::Voicemail)),
    );
    let [
        phone_glue::Effect::Missed(missed, caller),
        phone_glue::Effect::Missed(voicemail, _),
    ] = &app.effects[..]
    else {
        panic!("two notifications: {:?}", app.effects)
    };
    assert_eq!(missed, "sip:carol@example.org\nTo +14155550100 on Desk");
    assert_eq!(
        voicemail,
        "sip:carol@example.org\nTo +14155550100 on Desk\nA voicemail message was left."
    );
    let caller = caller.clone();
    // Call back, as the notification's action delivers it.
    step(
        &mut app,
        Message::Launched(crate::ui::instance::Request::Dial(caller)),
    );
    assert_eq!(app.dialer.number, "sip:carol@example.org");
    app.effects.clear();
    phone(&mut app, phone::Message::DoNotDisturb(true));
    update(
        &mut app,
        Update::History(record(Direction::Incoming, Outcome::Missed)),
    );
    assert!(app.effects.is_empty(), "quiet under Do not disturb");
}

#[test]
fn dnd_is_sent_and_hides_incoming_calls() {
    let (_d, mut app) = app();
    phone(&mut app, phone::Message::DoNotDisturb(true));
    assert_eq!(sent(&mut app), ["DoNotDisturb(true)"]);
    update(&mut app, incoming(BOB, "sip:bob@example.org"));
    assert!(app.calls.ringing().is_none(), "the phone declines it");
    assert!(app.effects.is_empty(), "no notification");
}

#[test]
fn a_placed_call_shows_the_call_screen_with_media_and_quality() {
    let (_d, mut app) = app();
    update(&mut app, dialled(BOB, "201"));
    assert_eq!(app.calls.shown().map(|l| l.stage), Some(Stage::Dialling));
    update(&mut app, call_state(BOB, CallState::Ringing { early_sdp: None }));
    assert_eq!(app.calls.shown().map(|l| l.stage), Some(Stage::Ringing));
    update(&mut app, answered(BOB, SRTP_PCMA));
    assert_eq!(app.calls.shown().map(|l| l.stage), Some(Stage::Talking));
    update(
        &mut app,
        Update::Figures {
            call: BOB,
            figures: CallFigures {
                report: StreamReport {
                    received: 95,
                    lost: 5,
                    jitter_ms: 12,
                    rtt: Some(Duration::from_millis(40)),
                    ..StreamReport::default()
                },
                input_dbfs: -20.0,
                output_dbfs: -90.0,
                muted: false,
                recording: false,
                codec: "PCMA".into(),
                encryption: Some("SRTP"),
            },
        },
    );
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    for s in [
        "201",
        "Connected",
        "Codec PCMA, encrypted (SRTP)",
        "Loss 5.0 % · Jitter 12 ms · RTT 40 ms",
    ] {
        assert!(ui.find(s).is_ok(), "{s}");
    }
    assert_eq!(call::level(-90.0), 0.0);
    assert!((call::level(-20.0) - 2.0 / 3.0).abs() < 1e-6);
}

#[test]
fn call_controls_send_their_requests_and_the_end_returns_to_the_dialer() {
    let (_d, mut app) = app();
    update(&mut app, dialled(BOB, "201"));
    update(&mut app, answered(BOB, SRTP_PCMA));
    for m in [
        call::Message::Mute(BOB, true),
        call::Message::Hold(BOB),
        call::Message::Resume(BOB),
        call::Message::Dtmf(BOB, '5'),
    ] {
        step(&mut app, Message::Call(m));
    }
    step(&mut app, Message::Key(PhoneKey::Digit('#')));
    assert_eq!(
        sent(&mut app),
        [
            "Mute { call: CallHandle(7), muted: true }",
            "Hold(CallHandle(7))",
            "Resume(CallHandle(7))",
            r#"Dtmf { call: CallHandle(7), digits: "5" }"#,
            r##"Dtmf { call: CallHandle(7), digits: "#" }"##,
        ]
    );
    assert_eq!(app.calls.shown().unwrap().digits, "5#");
    step(&mut app, Message::ShowAccounts);
    step(&mut app, Message::Key(PhoneKey::Escape));
    step(&mut app, Message::Key(PhoneKey::Digit('1')));
    assert!(
        app.outbox.is_empty(),
        "keys on another screen leave the call alone"
    );
    step(&mut app, Message::ShowPhone);
    assert!(
        app.dialer.number.is_empty(),
        "digits in a call are tones, not dialled"
    );
    step(&mut app, Message::Key(PhoneKey::Escape));
    assert_eq!(sent(&mut app), ["Hangup(CallHandle(7))"]);
    assert!(app.calls.shown().is_none());
    update(&mut app, ended(BOB));
    assert!(app.calls.lines.is_empty());
}

#[test]
fn incoming_call_is_answered_with_enter_and_a_waiting_call_holds_the_first() {
    let (_d, mut app) = app();
    update(&mut app, incoming(BOB, "sip:bob@example.org"));
    assert_eq!(app.calls.ringing().map(|l| l.call), Some(BOB));
    let [phone_glue::Effect::Notify(BOB, body)] = &app.effects[..] else {
        panic!("a desktop notification: {:?}", app.effects)
    };
    assert_eq!(body, "sip:bob@example.org\nTo +14155550100 on Desk");
    app.effects.clear();
    step(&mut app, Message::Key(PhoneKey::Enter));
    assert_eq!(sent(&mut app), ["Answer(CallHandle(7))"]);
    update(&mut app, answered(BOB, SRTP_PCMA));
    assert_eq!(app.calls.shown().map(|l| l.call), Some(BOB));

    // Call waiting: Carol rings while Bob talks; answering her puts Bob on hold.
    update(&mut app, incoming(CAROL, "sip:carol@example.org"));
    assert_eq!(
        app.calls.shown().map(|l| l.call),
        Some(BOB),
        "Bob stays on screen"
    );
    step(&mut app, Message::Call(call::Message::Answer(CAROL)));
    assert_eq!(sent(&mut app), ["Hold(CallHandle(7))", "Answer(CallHandle(8))"]);
    update(&mut app, answered(CAROL, SRTP_PCMA));
    assert!(app.calls.line(BOB).unwrap().held);
    // Back to Bob: Carol is held, Bob resumed.
    step(&mut app, Message::Call(call::Message::Switch(BOB)));
    assert_eq!(sent(&mut app), ["Hold(CallHandle(8))", "Resume(CallHandle(7))"]);
    assert_eq!(app.calls.shown().map(|l| l.call), Some(BOB));
    // Carol hangs up; Bob stays.
    update(&mut app, ended(CAROL));
    assert_eq!(app.calls.shown().map(|l| l.call), Some(BOB));
}

#[test]
fn enter_in_the_number_field_answers_a_ringing_call_instead_of_dialling() {
    let (_d, mut app) = app();
    phone(&mut app, phone::Message::Number("555".into()));
    update(&mut app, incoming(BOB, "sip:bob@example.org"));
    phone(&mut app, phone::Message::Call);
    assert_eq!(sent(&mut app), ["Answer(CallHandle(7))"]);
}

#[test]
fn the_phone_starts_registering_every_account_with_its_password_and_gets_the_delivery_methods() {
    let (_d, mut app) = app();
    let archive = DeliveryMethod {
        name: "Archive".into(),
        target: DeliveryTarget::Ftp {
            host: "files.example.com".into(),
            port: None,
            path: "calls".into(),
            username: "rec".into(),
            tls: false,
        },
    };
    app.manager()
        .unwrap()
        .add_delivery_method(archive.clone(), Some(Secret::new("ftp-pw")))
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (controller, _updates) = runtime.block_on(async {
        Controller::spawn(
            Default::default(),
            crate::phone::history::CallHistory::in_memory(),
            None,
        )
    });
    step(
        &mut app,
        Message::Link(link::Event::Ready {
            controller,
            history: Vec::new(),
            error: None,
        }),
    );
    assert!(matches!(app.outbox.first(), Some(Request::Devices(Some(_)))));
    let [
        phone_glue::Effect::Register(names),
        phone_glue::Effect::DeliveryMethods,
    ] = &app.effects[..]
    else {
        panic!("{:?}", app.effects)
    };
    let names = names.clone();
    // The delivery methods go to the phone with their secrets from the keyring.
    let methods = link::delivery_methods(app.manager().unwrap());
    step(&mut app, Message::DeliveryMethods(methods));
    let Some(Request::DeliveryMethods(given)) = app.outbox.pop() else {
        panic!("{:?}", app.outbox)
    };
    assert_eq!(given.len(), 1);
    assert_eq!(given[0].0, archive);
    assert_eq!(given[0].1.as_ref().map(Secret::expose), Some("ftp-pw"));
    assert_eq!(names, ["Desk", "Lobby"]);
    let accounts = link::with_passwords(app.manager().unwrap(), &names)
        .into_iter()
        .map(|(a, p)| (Box::new(a), p))
        .collect();
    step(&mut app, Message::Registering(accounts));
    let added: Vec<(String, String)> = app
        .outbox
        .iter()
        .filter_map(|r| match r {
            Request::AddAccount { account, password } => {
                Some((account.name.clone(), password.expose().to_owned()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        added,
        [
            ("Desk".into(), "pw-Desk".into()),
            ("Lobby".into(), "pw-Lobby".into())
        ]
    );
}

#[test]
fn deliveries_of_recordings_are_reported_on_the_phone_screen() {
    let (_d, mut app) = app();
    let recording = std::path::PathBuf::from("/rec/a.opus");
    update(
        &mut app,
        Update::Delivery(Delivery::Failed {
            recording: recording.clone(),
            method: "Archive".into(),
            error: Text::new("ftp-login-refused").arg("server", "files.example.com:21"),
            retry_in: Duration::from_secs(30),
        }),
    );
    assert_eq!(
        app.dialer.error.as_deref(),
        Some(
            "The call recording could not be sent to Archive: the FTP server files.example.com:21 refused the \
             username or password: check them in the delivery method. Trying again in 30 s; it stays in the \
             recordings folder."
        )
    );
    update(
        &mut app,
        Update::Delivery(Delivery::Rejected {
            recording: recording.clone(),
            method: "Mail".into(),
            error: Text::new("smtp-rejected")
                .arg("server", "mail.example.com:587")
                .arg("reply", "552 5.3.4 Message too big"),
        }),
    );
    assert_eq!(
        app.dialer.error.as_deref(),
        Some(
            "The call recording was refused by Mail and will not be sent again: the mail server \
             mail.example.com:587 refused the message (552 5.3.4 Message too big). It stays in the recordings \
             folder."
        )
    );
    update(
        &mut app,
        Update::Delivery(Delivery::Delivered {
            recording,
            method: "Archive".into(),
        }),
    );
    assert_eq!(
        app.dialer.info.as_deref(),
        Some("The call recording was sent to Archive.")
    );
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 800.0), app.view());
    assert!(
        ui.find("The call recording was sent to Archive.").is_ok(),
        "on screen"
    );
}

#[test]
fn edited_accounts_register_again_and_deleted_ones_unregister() {
    let (_d, mut app) = app();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (controller, _updates) =
        runtime.block_on(async { Controller::spawn(Default::default(), Default::default(), None) });
    step(
        &mut app,
        Message::Link(link::Event::Ready {
            controller,
            history: Vec::new(),
            error: None,
        }),
    );
    app.effects.clear();
    app.outbox.clear();
    // An edit saved through the app's job (the window's path): Lobby registers again.
    let mut lobby = app
        .doc
        .accounts
        .iter()
        .find(|a| a.name == "Lobby")
        .unwrap()
        .clone();
    lobby.outbound.enabled = true;
    lobby.outbound.external_caller_id = Some("+14155550100".into());
    let job = Job::Update {
        name: "Lobby".into(),
        account: Box::new(lobby),
        password: None,
    };
    let outcome = job.run(app.manager().unwrap());
    assert!(app.step(Message::Done(Box::new(outcome))).is_none());
    assert!(
        matches!(&app.effects[..], [phone_glue::Effect::Register(names)] if names == &["Lobby"]),
        "{:?}",
        app.effects
    );
    app.effects.clear();
    // Saved without a change (a new password only): registers again all the same.
    let same = app
        .doc
        .accounts
        .iter()
        .find(|a| a.name == "Desk")
        .unwrap()
        .clone();
    let job = Job::Update {
        name: "Desk".into(),
        account: Box::new(same),
        password: Some(Secret::new("new-pw")),
    };
    let outcome = job.run(app.manager().unwrap());
    assert!(app.step(Message::Done(Box::new(outcome))).is_none());
    assert!(
        matches!(&app.effects[..], [phone_glue::Effect::Register(names)] if names == &["Desk"]),
        "{:?}",
        app.effects
    );
    // Deleted: unregistered and gone from the states.
    let outcome = Job::Delete { name: "Lobby".into() }.run(app.manager().unwrap());
    assert!(app.step(Message::Done(Box::new(outcome))).is_none());
    assert_eq!(sent(&mut app), [r#"RemoveAccount("Lobby")"#]);
    assert!(!app.dialer.registration.contains_key("Lobby"));
}

#[test]
fn closing_the_window_stops_the_phone_first() {
    let (_d, mut app) = app();
    step(&mut app, Message::CloseRequested);
    assert!(
        matches!(app.effects[..], [phone_glue::Effect::Quit]),
        "no phone yet: {:?}",
        app.effects
    );
    app.effects.clear();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (controller, _updates) =
        runtime.block_on(async { Controller::spawn(Default::default(), Default::default(), None) });
    step(
        &mut app,
        Message::Link(link::Event::Ready {
            controller,
            history: Vec::new(),
            error: None,
        }),
    );
    app.effects.clear();
    app.outbox.clear();
    step(&mut app, Message::CloseRequested);
    assert_eq!(sent(&mut app), ["Shutdown"]);
    assert!(
        matches!(app.effects[..], [phone_glue::Effect::QuitAfter(_)]),
        "{:?}",
        app.effects
    );
    app.effects.clear();
    update(&mut app, Update::Stopped);
    assert!(
        matches!(app.effects[..], [phone_glue::Effect::Quit]),
        "{:?}",
        app.effects
    );
}

// ---- simulator flow ----

fn click(app: &mut App, id: &str) {
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    ui.click(selector::id(id.to_owned()))
        .unwrap_or_else(|e| panic!("{id}: {e}"));
    let messages: Vec<Message> = ui.into_messages().collect();
    for m in messages {
        step(app, m);
    }
}

/// Presses `key` in the window; when no widget takes it, it reaches the phone's keyboard.
fn press(app: &mut App, key: Named) {
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    let status = ui.tap_key(key);
    let mut messages: Vec<Message> = ui.into_messages().collect();
    if status == iced::event::Status::Ignored {
        let event = iced::keyboard::Event::KeyPressed {
            key: iced::keyboard::Key::Named(key),
            modified_key: iced::keyboard::Key::Named(key),
            physical_key: iced::keyboard::key::Physical::Unidentified(
                iced::keyboard::key::NativeCode::Unidentified,
            ),
            location: iced::keyboard::Location::Standard,
            modifiers: iced::keyboard::Modifiers::empty(),
            text: None,
            repeat: false,
        };
        messages.extend(keys::phone_key(event).map(Message::Key));
    }
    for m in messages {
        step(app, m);
    }
}

#[test]
fn simulator_keypad_call_then_incoming_modal_declined_with_escape() {
    let (_d, mut app) = app();
    for k in ["key-1", "key-0", "key-1"] {
        click(&mut app, k);
    }
    assert_eq!(app.dialer.number, "101");
    click(&mut app, "call");
    assert_eq!(sent(&mut app), [r#"Dial { account: "Desk", target: "101" }"#]);

    update(&mut app, incoming(BOB, "sip:bob@example.org"));
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    for s in ["Incoming call", "sip:bob@example.org", "To +14155550100 on Desk"] {
        assert!(ui.find(s).is_ok(), "{s}");
    }
    drop(ui);
    press(&mut app, Named::Escape);
    assert_eq!(sent(&mut app), ["Decline(CallHandle(7))"]);
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    assert!(ui.find("Incoming call").is_err(), "the modal is gone");
}

#[test]
fn simulator_incoming_call_answered_by_click_shows_the_call_screen() {
    let (_d, mut app) = app();
    update(&mut app, incoming(BOB, "sip:bob@example.org"));
    click(&mut app, "answer");
    assert_eq!(sent(&mut app), ["Answer(CallHandle(7))"]);
    update(&mut app, answered(BOB, SRTP_PCMA));
    click(&mut app, "dtmf-3");
    click(&mut app, "mute");
    click(&mut app, "hangup");
    assert_eq!(
        sent(&mut app),
        [
            r#"Dtmf { call: CallHandle(7), digits: "3" }"#,
            "Mute { call: CallHandle(7), muted: true }",
            "Hangup(CallHandle(7))",
        ]
    );
}

fn figures(recording: bool) -> CallFigures {
    CallFigures {
        report: StreamReport::default(),
        input_dbfs: -90.0,
        output_dbfs: -90.0,
        muted: false,
        recording,
        codec: "opus".into(),
        encryption: None,
    }
}

#[test]
fn simulator_record_toggle_shows_the_indicator_and_follows_the_phone() {
    let (_d, mut app) = app();
    update(&mut app, dialled(BOB, "201"));
    update(&mut app, answered(BOB, SRTP_PCMA));
    // Desk does not allow recording on demand: the button is off, with the reason.
    click(&mut app, "record");
    assert!(sent(&mut app).is_empty(), "disabled");
    let desk = app.doc.accounts.iter_mut().find(|a| a.name == "Desk").unwrap();
    desk.recording.on_demand = true;
    click(&mut app, "record");
    assert_eq!(sent(&mut app), ["Record { call: CallHandle(7), on: true }"]);
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    for s in ["● Recording", "Stop recording"] {
        assert!(ui.find(s).is_ok(), "{s}");
    }
    drop(ui);
    // The phone refuses (the account does not allow it): the reason shows, the indicator goes.
    let reason = "recording on demand is off for `Desk`: turn on Record on Demand under Call Recording";
    update(
        &mut app,
        Update::CallFailed {
            call: BOB,
            error: PhoneError::Refused(Text::new("phone-on-demand-off").arg("account", "Desk")),
        },
    );
    update(
        &mut app,
        Update::Figures {
            call: BOB,
            figures: figures(false),
        },
    );
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    assert!(ui.find(reason).is_ok());
    assert!(
        ui.find("● Recording").is_err(),
        "no indicator while the phone does not record"
    );
    assert!(
        ui.find("Codec opus, not encrypted").is_ok(),
        "codec from the phone's figures"
    );
    drop(ui);
    // Recording that runs is stopped with the same button; the file is announced after the call.
    update(
        &mut app,
        Update::Figures {
            call: BOB,
            figures: figures(true),
        },
    );
    click(&mut app, "record");
    assert_eq!(sent(&mut app), ["Record { call: CallHandle(7), on: false }"]);
    update(&mut app, ended(BOB));
    let report = StreamReport {
        recorded: Some("/rec/20261126-184500_Desk_201.opus".into()),
        ..StreamReport::default()
    };
    update(
        &mut app,
        Update::Phone(PhoneEvent::Media {
            call: BOB,
            account: "Desk".into(),
            report,
        }),
    );
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    assert!(
        ui.find("Call recording saved: /rec/20261126-184500_Desk_201.opus")
            .is_ok(),
        "{:?}",
        app.dialer.info
    );
}

#[test]
fn simulator_blind_transfer_sends_the_typed_target() {
    let (_d, mut app) = app();
    update(&mut app, dialled(BOB, "201"));
    update(&mut app, answered(BOB, SRTP_PCMA));
    click(&mut app, "transfer");
    for typing in [true, false] {
        let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
        ui.click(selector::id("transfer-target")).unwrap();
        if typing {
            ui.typewrite("202");
        } else {
            ui.tap_key(Named::Enter);
        }
        let messages: Vec<Message> = ui.into_messages().collect();
        for m in messages {
            step(&mut app, m);
        }
    }
    assert_eq!(
        sent(&mut app),
        [r#"Transfer { call: CallHandle(7), target: "202" }"#]
    );
    let line = app.calls.shown().unwrap();
    assert_eq!(line.transfer, None, "the field closes");
    assert_eq!(line.note.as_deref(), Some("Transferring to 202…"));
    // The phone's progress is shown on the call; a failure leaves the call on screen.
    let progress = |p: TransferProgress| {
        Update::Phone(PhoneEvent::Transfer {
            call: BOB,
            progress: p,
        })
    };
    update(&mut app, progress(TransferProgress::Accepted));
    assert!(
        app.calls
            .shown()
            .unwrap()
            .note
            .as_deref()
            .unwrap()
            .starts_with("The transfer was accepted")
    );
    update(
        &mut app,
        progress(TransferProgress::Failed {
            code: 404,
            reason: Text::new("sip-reason").arg("phrase", "Not Found"),
        }),
    );
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    assert!(
        ui.find("The transfer failed (404 Not Found); the call goes on.")
            .is_ok()
    );
    drop(ui);
    // Cancel closes the field without a request.
    click(&mut app, "transfer");
    click(&mut app, "transfer-cancel");
    assert!(sent(&mut app).is_empty());
    assert_eq!(app.calls.shown().unwrap().transfer, None);
}

#[test]
fn simulator_the_far_ends_transfer_request_is_asked_and_answered() {
    let (_d, mut app) = app();
    update(&mut app, dialled(BOB, "201"));
    update(&mut app, answered(BOB, SRTP_PCMA));
    let asked = || {
        Update::Phone(PhoneEvent::TransferRequested {
            call: BOB,
            target: "sip:202@pbx.example.com".into(),
            referred_by: Some("sip:201@pbx.example.com".into()),
        })
    };
    update(&mut app, asked());
    {
        let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
        assert!(
            ui.find("The other side asks to transfer this call to sip:202@pbx.example.com.")
                .is_ok()
        );
    }
    click(&mut app, "transfer-decline");
    assert_eq!(
        sent(&mut app),
        ["AnswerTransfer { call: CallHandle(7), accept: false }"]
    );
    assert_eq!(app.calls.shown().unwrap().transfer_request, None, "asked once");
    // Asked again, accepted: the phone calls the target; this call ends when it answers.
    update(&mut app, asked());
    click(&mut app, "transfer-accept");
    assert_eq!(
        sent(&mut app),
        ["AnswerTransfer { call: CallHandle(7), accept: true }"]
    );
    assert_eq!(
        app.calls.shown().unwrap().note.as_deref(),
        Some("Calling sip:202@pbx.example.com; this call ends when they answer.")
    );
}

#[test]
fn the_window_size_and_place_are_kept_when_it_closes() {
    let (dir, mut app) = app();
    use iced::window::Event as W;
    step(
        &mut app,
        Message::Window(W::Resized(iced::Size::new(880.0, 700.0))),
    );
    step(&mut app, Message::Window(W::Moved(iced::Point::new(120.0, 64.0))));
    step(&mut app, Message::CloseRequested);
    let paths = ProfilePaths::portable(dir.path());
    let stored = Prefs::load(&paths).window;
    assert_eq!(
        stored,
        Some(WindowPrefs {
            width: 880.0,
            height: 700.0,
            x: Some(120.0),
            y: Some(64.0)
        })
    );
}

#[test]
fn audio_settings_choose_devices_for_the_phone_and_persist() {
    let (dir, mut app) = app();
    step(&mut app, Message::ShowAudio);
    assert_eq!(sent(&mut app), ["ListDevices"]);
    let speakers = crate::media::device::DeviceInfo {
        name: "spk".into(),
        description: "Speakers".into(),
        is_default: true,
    };
    update(&mut app, Update::DeviceList(Ok((Vec::new(), vec![speakers]))));
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    for s in [
        "Microphone",
        "Speaker",
        "Ringtone on",
        "Echo cancellation",
        "Noise suppression",
    ] {
        assert!(ui.find(s).is_ok(), "{s}");
    }
    drop(ui);
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    ui.click(selector::id("echo-cancellation")).unwrap();
    let messages: Vec<Message> = ui.into_messages().collect();
    for m in messages {
        // The preferences are saved by a job, run here as the window's thread would.
        if let Some(job) = app.step(m) {
            let outcome = job.run(app.manager().unwrap());
            step(&mut app, Message::Done(Box::new(outcome)));
        }
    }
    let devices = sent(&mut app);
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert!(devices[0].contains("echo_cancellation: false"), "{devices:?}");
    let paths = ProfilePaths::portable(dir.path());
    assert!(!Prefs::load(&paths).audio.echo_cancellation, "persisted");
    click(&mut app, "test-ring");
    assert_eq!(sent(&mut app), ["TestSound { ring: true }"]);
    click(&mut app, "mic-test");
    assert_eq!(sent(&mut app), ["MicTest(true)"]);
    update(&mut app, Update::MicLevel(-18.0));
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    assert!(ui.find("-18 dBFS").is_ok());
    drop(ui);
    // Leaving the screen stops the meter.
    step(&mut app, Message::ShowPhone);
    assert_eq!(sent(&mut app), ["MicTest(false)"]);
}

#[test]
fn a_call_that_stops_ringing_withdraws_its_notification() {
    let (_d, mut app) = app();
    update(&mut app, incoming(BOB, "sip:bob@example.org"));
    update(&mut app, incoming(CAROL, "sip:carol@example.org"));
    assert!(matches!(
        &app.effects[..],
        [
            phone_glue::Effect::Notify(BOB, _),
            phone_glue::Effect::Notify(CAROL, _)
        ]
    ));
    app.effects.clear();
    // Answered in the window: gone once the phone has answered.
    step(&mut app, Message::Call(call::Message::Answer(BOB)));
    update(&mut app, answered(BOB, SRTP_PCMA));
    assert!(
        matches!(&app.effects[..], [phone_glue::Effect::Withdraw(BOB)]),
        "{:?}",
        app.effects
    );
    app.effects.clear();
    // Given up by the caller.
    update(&mut app, ended(CAROL));
    assert!(
        matches!(&app.effects[..], [phone_glue::Effect::Withdraw(CAROL)]),
        "{:?}",
        app.effects
    );
}

#[test]
fn announcements_and_greetings_preview_on_the_speaker() {
    let (_d, mut app) = app();
    step(&mut app, Message::ShowWorkspace);
    click(&mut app, "play-Welcome");
    assert_eq!(
        sent(&mut app),
        [r#"Preview(Builtin("announcements/welcome.wav"))"#]
    );
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 2400.0), app.view());
    assert!(ui.find("Stop").is_ok(), "the playing one offers Stop");
    drop(ui);
    // The phone says it ended: Play again.
    update(&mut app, Update::SoundFinished);
    let Screen::Workspace(w) = &app.screen else {
        panic!()
    };
    assert_eq!(w.playing, None);
    click(&mut app, "play-Standard Greeting");
    click(&mut app, "play-Standard Greeting");
    assert_eq!(
        sent(&mut app),
        [r#"Preview(Builtin("greetings/standard.wav"))"#, "StopSound"]
    );
}

#[test]
fn a_call_gone_to_voicemail_leaves_the_window_and_its_message_plays_from_the_history() {
    let (_d, mut app) = app();
    update(&mut app, incoming(BOB, "sip:bob@example.org"));
    assert!(app.calls.ringing().is_some());
    app.effects.clear();
    update(&mut app, Update::Voicemail(BOB));
    assert!(app.calls.lines.is_empty(), "not the user's to answer any more");
    assert!(
        matches!(&app.effects[..], [phone_glue::Effect::Withdraw(BOB)]),
        "{:?}",
        app.effects
    );
    let message = CallRecord {
        direction: Direction::Incoming,
        outcome: Outcome::Voicemail,
        account: "Desk".into(),
        remote: "sip:bob@example.org".into(),
        called: "+14155550100".into(),
        started: 0,
        duration_secs: 9,
        code: None,
        voicemail: Some("/vm/20261126-184500_Desk_bob.wav".into()),
    };
    update(&mut app, Update::History(message));
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    assert!(ui.find("Voicemail").is_ok());
    drop(ui);
    click(&mut app, "voicemail-0");
    assert_eq!(
        sent(&mut app),
        [r#"Preview(File("/vm/20261126-184500_Desk_bob.wav"))"#]
    );
}

#[test]
fn simulator_a_held_call_is_put_through_to_the_consultation_call() {
    let (_d, mut app) = app();
    update(&mut app, dialled(BOB, "201"));
    update(&mut app, answered(BOB, SRTP_PCMA));
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    assert!(
        ui.find(selector::id("put-through-7".to_owned())).is_err(),
        "one call: nothing to put through"
    );
    drop(ui);
    // The consultation call: Bob goes on hold, Carol answers.
    update(&mut app, dialled(CAROL, "202"));
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    assert!(
        ui.find(selector::id("put-through-7".to_owned())).is_err(),
        "not before the consultation call is answered"
    );
    drop(ui);
    update(&mut app, answered(CAROL, SRTP_PCMA));
    sent(&mut app);
    click(&mut app, "put-through-7");
    assert_eq!(
        sent(&mut app),
        ["AttendedTransfer { call: CallHandle(7), consultation: CallHandle(8) }"]
    );
    let bob = app.calls.lines.iter().find(|l| l.call == BOB).unwrap();
    assert_eq!(bob.note.as_deref(), Some("Transferring to 202…"));
    let mut ui = Simulator::with_size(Settings::default(), (1000.0, 900.0), app.view());
    assert!(
        ui.find("Transferring to 202…").is_ok(),
        "shown beside the held call"
    );
}
