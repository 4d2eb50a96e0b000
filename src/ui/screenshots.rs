//! PNGs of each screen for the README, rendered headless by `iced_test` (no display needed):
//! `packaging/screenshots.sh` runs the ignored test below. Profiles are throw-away and their
//! secrets go to keyring-core's mock store.

use std::path::{Path, PathBuf};

use iced::Theme;
use iced_test::Simulator;
use iced_test::core::Settings;

use super::app::{App, Message};
use super::link::Event;
use super::screen::{accounts, audio, editor, welcome};
use crate::account::workspace::{DeliveryMethod, DeliveryTarget};
use crate::account::{AccountManager, ProfilePaths, Secret, SecretStore, SipAccount};
use crate::media::device::DeviceInfo;
use crate::phone::controller::Update;
use crate::phone::events::{CallFigures, CallHandle, CallState, PhoneEvent, RegistrationState, StreamReport};
use crate::phone::history::{CallRecord, Direction, Outcome};

fn app(dir: &Path, with_workspace: bool) -> App {
    let mock = keyring_core::mock::Store::new().unwrap();
    let m = AccountManager::open_with(ProfilePaths::portable(dir), |id| {
        Ok(SecretStore::with_store(mock, id))
    })
    .unwrap();
    if with_workspace {
        m.add_user("Ann Smith", Some("ann@example.com")).unwrap();
        m.add_user("Bob Jones", None).unwrap();
        m.add_phone_number("+14155550100", "Main line").unwrap();
        m.add_phone_number("+14155550123", "Support").unwrap();
        m.add_extension("101", "Reception").unwrap();
        m.add_extension("102", "Sales").unwrap();
        let target = DeliveryTarget::Email {
            address: "recordings@example.com".into(),
            server: "smtp.example.com".into(),
            port: None,
            security: crate::account::workspace::MailSecurity::Starttls,
            username: "pbx@example.com".into(),
        };
        m.add_delivery_method(
            DeliveryMethod {
                name: "Mail".into(),
                target,
            },
            None,
        )
        .unwrap();
        for (name, user) in [("Front desk", "Ann Smith"), ("Sales phone", "Bob Jones")] {
            let mut a = SipAccount {
                name: name.into(),
                ..SipAccount::default()
            };
            a.general.user = Some(user.into());
            a.credentials.domain = "sip.example.com".into();
            a.outbound.enabled = name == "Front desk";
            a.outbound.external_caller_id = a.outbound.enabled.then(|| "+14155550100".into());
            a.recording.on_demand = name == "Front desk";
            a.recording.feature_code = a.recording.on_demand.then(|| "*1".into());
            m.create(a, Some(Secret::new("Xq7-mP2.wK9~rT4!"))).unwrap();
        }
    }
    App::with_manager(m)
}

fn drive(app: &mut App, message: Message) {
    let mut next = app.step(message);
    while let Some(job) = next {
        let outcome = job.run(app.manager().unwrap());
        next = app.step(Message::Done(Box::new(outcome)));
    }
}

/// Writes `<dir>/<name>-<renderer>.png` (replacing an older one).
fn shoot(app: &App, dir: &Path, name: &str, size: (f32, f32)) {
    let mut ui = Simulator::with_size(Settings::default(), size, app.view());
    let snapshot = ui.snapshot(&Theme::Light).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if stem.starts_with(&format!("{name}-")) {
            std::fs::remove_file(path).unwrap();
        }
    }
    assert!(snapshot.matches_image(dir.join(format!("{name}.png"))).unwrap());
}

#[test]
#[ignore = "writes PNGs for the README: run by packaging/screenshots.sh"]
fn write_screenshots() {
    let out = std::env::var_os("HANDSET_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"));
    std::fs::create_dir_all(&out).unwrap();
    // `HANDSET_LANG=de packaging/screenshots.sh DIR`: the screens in another language.
    crate::ui::i18n::init();

    let first = tempfile::tempdir().unwrap();
    let fresh = app(first.path(), false);
    shoot(&fresh, &out, "welcome", (1000.0, 620.0));

    let dir = tempfile::tempdir().unwrap();
    let mut app = app(dir.path(), true);
    drive(&mut app, Message::Welcome(welcome::Message::Skip));
    shoot(&app, &out, "accounts", (1000.0, 620.0));

    drive(
        &mut app,
        Message::Accounts(accounts::Message::Edit("Front desk".into())),
    );
    drive(
        &mut app,
        Message::Editor(editor::Message::Typed(
            editor::Input::AllowedIp,
            "192.0.2.0/24 2001:db8::1 300.1.1.1 ".into(),
        )),
    );
    drive(
        &mut app,
        Message::Editor(editor::Message::Toggled(editor::Switch::AllowedIps, true)),
    );
    shoot(&app, &out, "editor", (1000.0, 3300.0));

    drive(&mut app, Message::ShowWorkspace);
    shoot(&app, &out, "workspace", (1000.0, 1130.0));

    drive(&mut app, Message::ShowAudio);
    let device = |name: &str, description: &str| DeviceInfo {
        name: name.into(),
        description: description.into(),
        is_default: false,
    };
    phone_update(
        &mut app,
        Update::DeviceList(Ok((
            vec![device("usb-mic", "USB Headset Microphone")],
            vec![
                device("speakers", "Built-in Speakers"),
                device("usb-headset", "USB Headset"),
            ],
        ))),
    );
    drive(&mut app, Message::Audio(audio::Message::MicTest(true)));
    phone_update(&mut app, Update::MicLevel(-14.0));
    shoot(&app, &out, "audio", (1000.0, 620.0));

    // Diagnostics: the SIP messages of a registration, recorded, with the digest masked.
    let flow = crate::engine::Flow {
        transport: crate::engine::Transport::Tls,
        remote: "192.0.2.10:5061".parse().unwrap(),
    };
    crate::net::trace::set_recording(true);
    crate::net::trace::message(
        false,
        true,
        flow,
        b"REGISTER sip:sip.example.com SIP/2.0\r\nVia: SIP/2.0/TLS 198.51.100.7:50312;branch=z9hG4bK6f1c\r\n\
From: <sip:frontdesk@sip.example.com>;tag=a1\r\nTo: <sip:frontdesk@sip.example.com>\r\n\
Authorization: Digest username=\"frontdesk\", realm=\"sip.example.com\", nonce=\"5f2a\", \
uri=\"sip:sip.example.com\", response=\"6629fae49393a05397450978507c4ef1\", qop=auth, nc=00000001\r\n\
Expires: 600\r\nContent-Length: 0\r\n\r\n",
    );
    crate::net::trace::message(
        false,
        false,
        flow,
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 198.51.100.7:50312;branch=z9hG4bK6f1c\r\n\
Contact: <sip:frontdesk@198.51.100.7:50312;transport=tls>;expires=600\r\nContent-Length: 0\r\n\r\n",
    );
    drive(&mut app, Message::ShowDiagnostics);
    drive(
        &mut app,
        Message::Diagnostics(crate::ui::screen::diagnostics::Message::Show(
            crate::ui::screen::diagnostics::Pane::Sip,
        )),
    );
    shoot(&app, &out, "diagnostics", (1100.0, 620.0));
    crate::net::trace::set_recording(false);

    // The Phone screen: registration, history.
    drive(&mut app, Message::ShowPhone);
    phone_update(
        &mut app,
        Update::Phone(PhoneEvent::Registration {
            account: "Front desk".into(),
            state: RegistrationState::Registered { expires: 600 },
        }),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for (i, (direction, outcome, remote, called, secs)) in [
        (
            Direction::Incoming,
            Outcome::Missed,
            "+14155550123",
            "+14155550100",
            0,
        ),
        (Direction::Outgoing, Outcome::Answered, "101", "", 312),
        (
            Direction::Incoming,
            Outcome::Answered,
            "sip:bob@example.org",
            "101",
            75,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        phone_update(
            &mut app,
            Update::History(CallRecord {
                direction,
                outcome,
                account: "Front desk".into(),
                remote: remote.into(),
                called: called.into(),
                started: now - 3600 * (i as u64 + 1),
                duration_secs: secs,
                code: None,
                voicemail: None,
            }),
        );
    }
    shoot(&app, &out, "phone", (1000.0, 780.0));

    // A call: recording, with its figures.
    let call = CallHandle(1);
    phone_update(
        &mut app,
        Update::Dialled {
            account: "Front desk".into(),
            target: "+14155550123".into(),
            result: Ok(call),
        },
    );
    phone_update(
        &mut app,
        Update::Phone(PhoneEvent::Call {
            call,
            state: CallState::Answered { sdp: Vec::new() },
        }),
    );
    phone_update(
        &mut app,
        Update::Figures {
            call,
            figures: CallFigures {
                report: StreamReport {
                    received: 2980,
                    lost: 12,
                    jitter_ms: 4,
                    rtt: Some(std::time::Duration::from_millis(38)),
                    ..StreamReport::default()
                },
                input_dbfs: -18.0,
                output_dbfs: -24.0,
                muted: false,
                recording: true,
                codec: "opus".into(),
                encryption: Some("SRTP"),
            },
        },
    );
    shoot(&app, &out, "call", (1000.0, 780.0));

    // A second call rings while the first goes on.
    phone_update(
        &mut app,
        Update::Phone(PhoneEvent::Incoming {
            account: "Front desk".into(),
            call: CallHandle(2),
            from: "sip:carol@example.org".into(),
            called: "+14155550100".into(),
            replaces: None,
        }),
    );
    shoot(&app, &out, "incoming", (1000.0, 780.0));
}

/// Feeds the window an update of the phone, as its bridge would.
fn phone_update(app: &mut App, update: Update) {
    drive(app, Message::Link(Event::Update(update)));
}
