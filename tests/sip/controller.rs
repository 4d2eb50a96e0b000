//! The GUI's bridge to the phone (`phone::controller`) driven in-process against Kamailio and
//! baresip: it registers, calls out, sends live figures and mutes, hangs up, declines while Do
//! Not Disturb is on, rings and answers an incoming call, and keeps each call in the history
//! file. The window's own state (`ui::app::App`) is then driven through the same bridge.

use std::time::Duration;

use futures_util::{Stream, StreamExt};
use handset::account::Secret;
use handset::account::workspace::{DeliveryMethod, DeliveryTarget};
use handset::account::{AccountManager, ProfilePaths};
use handset::engine::{CallHandle, CallState, RegistrationState};
use handset::media::device::DeviceChoice;
use handset::media::prompts::AudioRef;
use handset::phone::controller::{Controller, Request, Update};
use handset::phone::delivery::Delivery;
use handset::phone::history::{CallHistory, CallRecord, Direction, Outcome};
use handset::phone::softphone::{PhoneEvent, PhoneOptions};
use handset::ui::app::{App, Message};
use handset::ui::keys::PhoneKey;
use handset::ui::link::{self, Event};
use handset::ui::screen::call::Stage;
use handset::ui::screen::phone::{self, Registration};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::delivery::FtpServer;
use crate::devices::{NullSink, Parec, play_tone};
use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

const T: Duration = Duration::from_secs(10);

/// The first update `pick` maps to something, within `T` (panics with what came instead).
pub(crate) async fn next<R>(
    updates: &mut UnboundedReceiver<Update>,
    what: &str,
    mut pick: impl FnMut(&Update) -> Option<R>,
) -> R {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + T;
    loop {
        match tokio::time::timeout_at(deadline, updates.recv()).await {
            Ok(Some(u)) => {
                if let Some(r) = pick(&u) {
                    return r;
                }
                seen.push(format!("{u:?}"));
            }
            Ok(None) => panic!("the controller stopped while waiting for {what}; saw {seen:#?}"),
            Err(_) => panic!("no {what} within {T:?}; saw {seen:#?}"),
        }
    }
}

pub(crate) async fn call_state(
    updates: &mut UnboundedReceiver<Update>,
    call: CallHandle,
    what: &str,
    want: fn(&CallState) -> bool,
) {
    next(updates, what, |u| match u {
        Update::Phone(PhoneEvent::Call { call: c, state }) if *c == call && want(state) => Some(()),
        _ => None,
    })
    .await;
}

/// A tokio runtime for a phone under test.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A controller (on `devices`, or the default ones) with the profile's account `A` registered.
pub(crate) async fn registered(
    manager: &AccountManager,
    history: CallHistory,
    devices: Option<DeviceChoice>,
) -> (Controller, UnboundedReceiver<Update>) {
    let account = manager.account("A").unwrap();
    let password = manager
        .credentials("A")
        .unwrap()
        .password
        .expect("password in the keyring");
    let (ctl, mut updates) = Controller::spawn(PhoneOptions::default(), history, devices);
    assert!(ctl.send(Request::AddAccount {
        account: Box::new(account),
        password,
    }));
    next(&mut updates, "registration", |u| match u {
        Update::Phone(PhoneEvent::Registration {
            state: RegistrationState::Registered { .. },
            ..
        }) => Some(()),
        _ => None,
    })
    .await;
    (ctl, updates)
}

/// Calls `target` from account `A` and waits for the answer.
pub(crate) async fn dial(
    ctl: &Controller,
    updates: &mut UnboundedReceiver<Update>,
    target: String,
) -> CallHandle {
    ctl.send(Request::Dial {
        account: "A".into(),
        target,
    });
    let call = next(updates, "the dial result", |u| match u {
        Update::Dialled { result, .. } => Some(result.clone().expect("the call is placed")),
        _ => None,
    })
    .await;
    call_state(updates, call, "the answer", |s| {
        matches!(s, CallState::Answered { .. })
    })
    .await;
    call
}

async fn history(updates: &mut UnboundedReceiver<Update>) -> CallRecord {
    next(updates, "a history record", |u| match u {
        Update::History(r) => Some(r.clone()),
        _ => None,
    })
    .await
}

/// Kamailio, a baresip `bob` (PCMU, auto answer) and a Handset profile `alice` with account
/// `A`, for users `<prefix>bob`/`<prefix>alice`; and a runtime for the phone.
struct Setup {
    _k: Kamailio,
    bob: Baresip,
    alice: Profile,
    manager: AccountManager,
    rt: tokio::runtime::Runtime,
}

impl Setup {
    fn new(prefix: &str) -> Setup {
        let k = Kamailio::start(KamailioOptions::default());
        let bob_user = format!("{prefix}bob");
        let bob = Baresip::start(&k, BaresipOptions::pcmu(&bob_user, "pw-bob"));
        let alice = Profile::new(&k, &format!("{prefix}alice"), "pw-alice", "udp");
        let manager = AccountManager::open(ProfilePaths::portable(alice.dir.path())).unwrap();
        let rt = runtime();
        Setup {
            _k: k,
            bob,
            alice,
            manager,
            rt,
        }
    }
}

#[test]
fn the_controller_calls_reports_figures_declines_on_dnd_answers_and_keeps_history() {
    let Setup {
        _k,
        bob,
        alice,
        manager,
        rt,
    } = Setup::new("ctl");
    let history_dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let history_now = CallHistory::load(history_dir.path()).unwrap();
        let (ctl, mut updates) = registered(&manager, history_now, None).await;

        // Out: figures flow once a second while the call is up; mute shows in them.
        let call = dial(&ctl, &mut updates, bob.sip_uri()).await;
        let received = next(&mut updates, "figures with received audio", |u| match u {
            Update::Figures { call: c, figures } if *c == call && figures.report.received > 40 => {
                Some(figures.report.received)
            }
            _ => None,
        })
        .await;
        ctl.send(Request::Mute { call, muted: true });
        next(&mut updates, "muted figures", |u| match u {
            Update::Figures { call: c, figures } if *c == call && figures.muted => {
                assert!(figures.report.received > received, "audio keeps coming");
                Some(())
            }
            _ => None,
        })
        .await;
        ctl.send(Request::Hangup(call));
        let out = history(&mut updates).await;
        assert_eq!(
            (out.direction, out.outcome, out.account.as_str()),
            (Direction::Outgoing, Outcome::Answered, "A")
        );
        assert_eq!(out.remote, bob.sip_uri());
        assert!(out.duration_secs >= 1, "{out:?}");
        bob.wait_event("CALL_CLOSED", T);

        // In, with Do Not Disturb: declined at once.
        ctl.send(Request::DoNotDisturb(true));
        bob.clear_events();
        bob.dial(&alice.uri());
        let declined = history(&mut updates).await;
        assert_eq!(
            (declined.direction, declined.outcome),
            (Direction::Incoming, Outcome::Declined)
        );
        assert!(declined.remote.contains("ctlbob"), "{declined:?}");
        assert!(
            declined.called.contains("ctlalice"),
            "the called number is kept: {declined:?}"
        );
        bob.wait_event("CALL_CLOSED", T);

        // In, rung and answered.
        ctl.send(Request::DoNotDisturb(false));
        bob.clear_events();
        bob.dial(&alice.uri());
        let call = next(&mut updates, "the incoming call", |u| match u {
            Update::Phone(PhoneEvent::Incoming { call, .. }) => Some(*call),
            _ => None,
        })
        .await;
        bob.wait_event("CALL_RINGING", T);
        ctl.send(Request::Answer(call));
        call_state(&mut updates, call, "the answer", |s| {
            matches!(s, CallState::Answered { .. })
        })
        .await;
        next(&mut updates, "figures of the incoming call", |u| match u {
            Update::Figures { call: c, figures } if *c == call && figures.report.received > 0 => Some(()),
            _ => None,
        })
        .await;
        bob.hangup();
        let answered = history(&mut updates).await;
        assert_eq!(
            (answered.direction, answered.outcome),
            (Direction::Incoming, Outcome::Answered)
        );

        // Removed: unregistered (its binding gone); added again: registered again.
        ctl.send(Request::RemoveAccount("A".into()));
        next(&mut updates, "the unregistration", |u| match u {
            Update::Phone(PhoneEvent::Registration {
                account,
                state: RegistrationState::Unregistered,
            }) if account == "A" => Some(()),
            _ => None,
        })
        .await;
        ctl.send(Request::AddAccount {
            account: Box::new(manager.account("A").unwrap()),
            password: manager.credentials("A").unwrap().password.unwrap(),
        });
        next(&mut updates, "the registration again", |u| match u {
            Update::Phone(PhoneEvent::Registration {
                account,
                state: RegistrationState::Registered { .. },
            }) if account == "A" => Some(()),
            _ => None,
        })
        .await;

        ctl.send(Request::Shutdown);
        next(&mut updates, "the stop", |u| {
            matches!(u, Update::Stopped).then_some(())
        })
        .await;
    });
    let kept = CallHistory::load(history_dir.path()).unwrap();
    let outcomes: Vec<_> = kept.records().iter().map(|r| (r.direction, r.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            (Direction::Incoming, Outcome::Answered),
            (Direction::Incoming, Outcome::Declined),
            (Direction::Outgoing, Outcome::Answered),
        ]
    );
}

/// Feeds the bridge's events to the window and sends its requests to the phone until `done`.
async fn pump(
    app: &mut App,
    events: &mut (impl Stream<Item = Event> + Unpin),
    ctl: &Controller,
    what: &str,
    done: impl Fn(&App) -> bool,
) {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        for request in app.outbox.drain(..) {
            ctl.send(request);
        }
        if done(app) {
            return;
        }
        match tokio::time::timeout_at(deadline, events.next()).await {
            Ok(Some(event)) => assert!(app.step(Message::Link(event)).is_none()),
            Ok(None) => panic!("the bridge ended while waiting for {what}"),
            Err(_) => panic!("no {what} within {T:?}: {:?} {:?}", app.dialer, app.calls),
        }
    }
}

#[test]
fn the_window_registers_calls_and_declines_through_its_bridge() {
    let Setup {
        _k,
        bob,
        alice,
        manager,
        rt,
    } = Setup::new("win");
    let mut app = App::with_manager(manager.clone());
    rt.block_on(async {
        let mut events = Box::pin(link::events(manager.paths().data_dir.clone()));
        let Some(ready @ Event::Ready { .. }) = events.next().await else {
            panic!("the controller comes first")
        };
        let Event::Ready { controller: ctl, .. } = &ready else {
            unreachable!()
        };
        let ctl = ctl.clone();
        app.step(Message::Link(ready));
        // What the window's keyring task does: each account with its password.
        let accounts = link::with_passwords(&manager, &["A".into()])
            .into_iter()
            .map(|(a, p)| (Box::new(a), p))
            .collect();
        app.step(Message::Registering(accounts));
        pump(&mut app, &mut events, &ctl, "registration", |app| {
            app.dialer.registration.get("A") == Some(&Registration::Registered)
        })
        .await;

        // Out: typed, called, answered by bob; codec and figures shown; Esc hangs up.
        app.step(Message::Phone(phone::Message::Number(bob.sip_uri())));
        app.step(Message::Key(PhoneKey::Enter));
        pump(&mut app, &mut events, &ctl, "the answer and figures", |app| {
            app.calls
                .shown()
                .is_some_and(|l| l.stage == Stage::Talking && l.figures.is_some())
        })
        .await;
        let figures = app.calls.shown().unwrap().figures.clone().unwrap();
        assert_eq!((figures.codec.as_str(), figures.encryption), ("PCMU", None));
        app.step(Message::Key(PhoneKey::Escape));
        pump(&mut app, &mut events, &ctl, "the call in the history", |app| {
            !app.dialer.history.is_empty()
        })
        .await;
        let out = &app.dialer.history[0];
        assert_eq!(
            (out.direction, out.outcome),
            (Direction::Outgoing, Outcome::Answered)
        );
        bob.wait_event("CALL_CLOSED", T);

        // In: the modal rings with the called number; Esc declines.
        bob.clear_events();
        bob.dial(&alice.uri());
        pump(&mut app, &mut events, &ctl, "the incoming call", |app| {
            app.calls.ringing().is_some()
        })
        .await;
        assert!(app.calls.ringing().unwrap().called.contains("winalice"));
        app.step(Message::Key(PhoneKey::Escape));
        pump(&mut app, &mut events, &ctl, "the declined call", |app| {
            app.dialer.history.len() == 2
        })
        .await;
        assert_eq!(app.dialer.history[0].outcome, Outcome::Declined);
        assert!(app.calls.lines.is_empty());
        bob.wait_event("CALL_CLOSED", T);
        ctl.send(Request::Shutdown);
    });
}

/// Decodes an Ogg Opus file with opus-tools' `opusdec` (an independent reader of our pages)
/// to 8 kHz WAV: (samples, the WAV's path).
fn opusdec(path: &std::path::Path, dir: &std::path::Path) -> (usize, std::path::PathBuf) {
    let wav = dir.join("decoded.wav");
    let out = std::process::Command::new("opusdec")
        .args(["--quiet", "--rate", "8000"])
        .arg(path)
        .arg(&wav)
        .output()
        .expect("opusdec (opus-tools) runs");
    assert!(
        out.status.success(),
        "opusdec: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let samples = hound::WavReader::open(&wav).unwrap().len() as usize;
    (samples, wav)
}

#[test]
fn the_controller_records_a_call_on_demand_and_by_feature_code_with_a_pause_as_ogg_opus() {
    let Setup {
        _k,
        bob,
        alice: _alice,
        manager,
        rt,
    } = Setup::new("rec");
    let mut account = manager.account("A").unwrap();
    account.recording.on_demand = true;
    account.recording.feature_code = Some("*77".into());
    let password = manager.credentials("A").unwrap().password.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let recordings = dir.path().join("recordings");
    let options = PhoneOptions {
        recordings: Some(recordings.clone()),
        ..PhoneOptions::default()
    };
    let report = rt.block_on(async {
        let (ctl, mut updates) = Controller::spawn(options, CallHistory::in_memory(), None);
        ctl.send(Request::AddAccount {
            account: Box::new(account),
            password,
        });
        ctl.send(Request::Dial {
            account: "A".into(),
            target: bob.sip_uri(),
        });
        let call = next(&mut updates, "the dial result", |u| match u {
            Update::Dialled { result: Ok(call), .. } => Some(*call),
            _ => None,
        })
        .await;
        next(&mut updates, "figures with audio", |u| match u {
            Update::Figures { call: c, figures } if *c == call && figures.report.received > 10 => Some(()),
            _ => None,
        })
        .await;
        // 2 s recorded, 1.5 s paused (left out), 1 s recorded again into the same file, that
        // last time started by dialing the feature code.
        for (on, secs) in [(true, 2.0), (false, 1.5), (true, 1.0)] {
            if secs == 1.0 {
                ctl.send(Request::Dtmf {
                    call,
                    digits: "*77".into(),
                });
            } else {
                ctl.send(Request::Record { call, on });
            }
            next(&mut updates, "figures saying so", |u| match u {
                Update::Figures { call: c, figures } if *c == call && figures.recording == on => Some(()),
                Update::CallFailed { error, .. } => panic!("refused: {error}"),
                _ => None,
            })
            .await;
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        }
        ctl.send(Request::Hangup(call));
        let report = next(&mut updates, "the media report", |u| match u {
            Update::Phone(PhoneEvent::Media { call: c, report, .. }) if *c == call => Some(report.clone()),
            _ => None,
        })
        .await;
        ctl.send(Request::Shutdown);
        report
    });
    assert_eq!(report.recording_error, None);
    let path = report.recorded.expect("the call was recorded");
    assert_eq!(path.parent(), Some(recordings.as_path()));
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with(&format!("_A_{}.opus", "recbob")), "{name}");
    assert!(!recordings.join(format!("{name}.part")).exists());
    let (samples, wav) = opusdec(&path, dir.path());
    let secs = samples as f64 / 8000.0;
    // 3 s recorded (4.5 s had the pause been kept); the switches act within a frame.
    assert!(
        (2.7..=3.6).contains(&secs),
        "{secs:.2} s recorded: the pause is left out"
    );
    let (pitch, rms) = crate::audio::analyse(&wav);
    assert!(
        (pitch - 440.0).abs() < 15.0,
        "bob's 440 Hz tone is in it: {pitch:.0} Hz"
    );
    assert!(rms > 1000.0, "audible: RMS {rms:.0}");
}

/// The strength of `hz` in 48 kHz `pcm` (Goertzel).
fn tone_power(pcm: &[i16], hz: f64) -> f64 {
    let w = hz * std::f64::consts::TAU / 48000.0;
    let (mut s1, mut s2) = (0f64, 0f64);
    for &x in pcm {
        let s = f64::from(x) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2).sqrt() / pcm.len().max(1) as f64
}

/// Waits up to `timeout` for a loud stretch (0.2 s above 1000) in what `rec` has recorded
/// after sample `from`; returns it.
fn wait_loud(rec: &Parec, from: usize, timeout: Duration, what: &str) -> Vec<i16> {
    let until = std::time::Instant::now() + timeout;
    loop {
        let pcm = rec.so_far();
        let tail = pcm.get(from..).unwrap_or_default();
        if let Some(at) = tail.iter().position(|s| s.unsigned_abs() > 1000)
            && tail.len() > at + 9600
        {
            return tail[at..at + 9600].to_vec();
        }
        assert!(std::time::Instant::now() < until, "no {what} within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_controller_rings_on_the_ring_device_plays_test_tones_and_meters_the_microphone() {
    let Setup {
        _k,
        bob,
        alice,
        manager,
        rt,
    } = Setup::new("snd");
    let (ring, speaker, mic) = (NullSink::new(), NullSink::new(), NullSink::new());
    let devices = DeviceChoice {
        input: Some(mic.monitor()),
        output: Some(speaker.name.clone()),
        ring: Some(ring.name.clone()),
        ..DeviceChoice::default()
    };
    let ringing = Parec::start(&ring.monitor());
    let speaking = Parec::start(&speaker.monitor());
    rt.block_on(async {
        let (ctl, mut updates) = registered(&manager, CallHistory::in_memory(), Some(devices)).await;

        // Rings on the ring device (not the speaker) until answered.
        bob.dial(&alice.uri());
        let call = next(&mut updates, "the incoming call", |u| match u {
            Update::Phone(PhoneEvent::Incoming { call, .. }) => Some(*call),
            _ => None,
        })
        .await;
        let ring_start = ringing.so_far().len();
        let burst = tokio::task::block_in_place(|| {
            wait_loud(&ringing, ring_start, Duration::from_secs(8), "ringtone")
        });
        let (a, b, off) = (
            tone_power(&burst, 440.0),
            tone_power(&burst, 480.0),
            tone_power(&burst, 1000.0),
        );
        assert!(
            a > 10.0 * off && b > 10.0 * off,
            "440 Hz {a:.0}, 480 Hz {b:.0}, 1000 Hz {off:.0}"
        );
        ctl.send(Request::Answer(call));
        call_state(&mut updates, call, "the answer", |s| {
            matches!(s, CallState::Answered { .. })
        })
        .await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let answered_at = ringing.so_far().len();
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let after = ringing.so_far();
        let peak = after[answered_at..]
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap_or(0);
        assert!(peak < 100, "the ringtone stopped with the answer: peak {peak}");
        assert!(
            after.len() - answered_at > 48000 * 3,
            "the ring device was still recorded"
        );
        bob.hangup();
        call_state(&mut updates, call, "the end", |s| {
            matches!(s, CallState::Ended { .. })
        })
        .await;

        // The test tone goes to the speaker (once the call's audio there has drained).
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let speaker_start = speaking.so_far().len();
        ctl.send(Request::TestSound { ring: false });
        let tone = tokio::task::block_in_place(|| {
            wait_loud(&speaking, speaker_start, Duration::from_secs(8), "test tone")
        });
        assert!(
            tone_power(&tone, 440.0) > 10.0 * tone_power(&tone, 1000.0),
            "440 Hz"
        );

        // An announcement's preview plays on the speaker until stopped.
        tokio::time::sleep(Duration::from_millis(1800)).await;
        let preview_start = speaking.so_far().len();
        ctl.send(Request::Preview(AudioRef::Builtin(
            "announcements/welcome.wav".into(),
        )));
        tokio::task::block_in_place(|| {
            wait_loud(&speaking, preview_start, Duration::from_secs(8), "the preview")
        });
        ctl.send(Request::StopSound);
        next(&mut updates, "the end of the preview", |u| {
            matches!(u, Update::SoundFinished).then_some(())
        })
        .await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        let stopped_at = speaking.so_far().len();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let after = speaking.so_far();
        let peak = after[stopped_at..]
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap_or(0);
        assert!(peak < 100, "the preview stopped: peak {peak}");

        // The microphone meter follows what the microphone hears.
        let player = play_tone(&mic.name, 1000.0, 8, 16384.0);
        ctl.send(Request::MicTest(true));
        let loud = next(&mut updates, "a loud microphone level", |u| match u {
            Update::MicLevel(db) if *db > -12.0 => Some(*db),
            Update::DeviceFailed(e) => panic!("{e}"),
            _ => None,
        })
        .await;
        assert!(loud < 0.5, "{loud} dBFS");
        ctl.send(Request::MicTest(false));
        tokio::time::sleep(Duration::from_millis(300)).await;
        while updates.try_recv().is_ok() {}
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut more = Vec::new();
        while let Ok(u) = updates.try_recv() {
            if matches!(u, Update::MicLevel(_)) {
                more.push(u);
            }
        }
        assert!(more.is_empty(), "the meter stopped: {more:?}");
        let mut player = player;
        let _ = player.kill();
        let _ = player.wait();
        ctl.send(Request::Shutdown);
    });
}

/// Account A recording its outbound external calls (bob is not an extension), and its password.
fn recording_calls_out(manager: &AccountManager) -> (handset::account::SipAccount, Secret) {
    let mut account = manager.account("A").unwrap();
    account.recording.enabled = true;
    account.recording.directions = vec![handset::account::model::Direction::OutboundExternal];
    (account, manager.credentials("A").unwrap().password.unwrap())
}

/// A call of a recorded direction is recorded from the answer, and the recording then goes to
/// the account's delivery method (a real FTP server) through the outbox.
#[test]
fn calls_of_a_recorded_direction_are_recorded_from_the_answer_and_delivered() {
    let Setup {
        _k,
        bob,
        alice: _alice,
        manager,
        rt,
    } = Setup::new("dir");
    let (mut account, password) = recording_calls_out(&manager);
    account.recording.delivery_method = Some("Archive".into());
    let ftp = FtpServer::start("recorder", "pw-ftp");
    let archive = DeliveryMethod {
        name: "Archive".into(),
        target: DeliveryTarget::Ftp {
            host: "127.0.0.1".into(),
            port: Some(ftp.port()),
            path: "calls".into(),
            username: "recorder".into(),
            tls: false,
        },
    };
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let options = PhoneOptions {
        recordings: Some(dir.path().to_owned()),
        outbox: Some(outbox.clone()),
        ..PhoneOptions::default()
    };
    let (report, delivered) = rt.block_on(async {
        let (ctl, mut updates) = Controller::spawn(options, CallHistory::in_memory(), None);
        ctl.send(Request::DeliveryMethods(vec![(
            archive,
            Some(Secret::new("pw-ftp")),
        )]));
        ctl.send(Request::AddAccount {
            account: Box::new(account),
            password,
        });
        ctl.send(Request::Dial {
            account: "A".into(),
            target: bob.sip_uri(),
        });
        let call = next(&mut updates, "the dial result", |u| match u {
            Update::Dialled { result: Ok(call), .. } => Some(*call),
            _ => None,
        })
        .await;
        next(&mut updates, "figures saying it records", |u| match u {
            Update::Figures { call: c, figures } if *c == call && figures.recording => Some(()),
            _ => None,
        })
        .await;
        // Without Record on Demand the user cannot stop it.
        ctl.send(Request::Record { call, on: false });
        let refused = next(&mut updates, "the refusal", |u| match u {
            Update::CallFailed { call: c, error } if *c == call => Some(error.to_string()),
            _ => None,
        })
        .await;
        assert!(refused.contains("records these calls"), "{refused}");
        tokio::time::sleep(Duration::from_secs(2)).await;
        ctl.send(Request::Hangup(call));
        let report = next(&mut updates, "the media report", |u| match u {
            Update::Phone(PhoneEvent::Media { call: c, report, .. }) if *c == call => Some(report.clone()),
            _ => None,
        })
        .await;
        let delivered = next(&mut updates, "the delivery", |u| match u {
            Update::Delivery(d) => Some(d.clone()),
            Update::DeliveryError(e) => panic!("{e}"),
            _ => None,
        })
        .await;
        ctl.send(Request::Shutdown);
        (report, delivered)
    });
    let path = report.recorded.expect("recorded without being asked");
    assert_eq!(
        delivered,
        Delivery::Delivered {
            recording: path.clone(),
            method: "Archive".into()
        }
    );
    let uploaded = ftp.root().join("calls").join(path.file_name().unwrap());
    assert_eq!(
        std::fs::read(&uploaded).unwrap(),
        std::fs::read(&path).unwrap(),
        "the server has the whole recording"
    );
    assert_eq!(
        std::fs::read_dir(&outbox).unwrap().count(),
        0,
        "delivered: it left the outbox"
    );
    let (samples, wav) = opusdec(&path, dir.path());
    let secs = samples as f64 / 8000.0;
    assert!(secs > 2.0, "from the answer to the hang-up: {secs:.2} s");
    let (pitch, _) = crate::audio::analyse(&wav);
    assert!((pitch - 440.0).abs() < 15.0, "bob's tone: {pitch:.0} Hz");
}

/// The phone's events are awaited next to timers and requests (`select!`), which drop
/// `next_event` whenever they win. A call that ends while a 1 ms timer keeps winning still
/// reports its media and its end, and its recording is written.
#[test]
fn the_end_of_a_call_is_not_lost_when_the_event_wait_is_dropped() {
    let Setup {
        _k,
        bob,
        alice: _alice,
        manager,
        rt,
    } = Setup::new("drop");
    let (account, password) = recording_calls_out(&manager);
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let mut phone = handset::phone::softphone::Phone::new(PhoneOptions {
            recordings: Some(dir.path().to_owned()),
            ..PhoneOptions::default()
        });
        phone.add_account(&account, password, None).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let (mut call, mut hung_up, mut media, mut ended) = (None, false, None, false);
        let mut answered_at = None;
        let mut drops = 0u32;
        while !(media.is_some() && ended) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "call {call:?}, hung up {hung_up}, media {media:?}, ended {ended}, {drops} drops"
            );
            let event = tokio::select! {
                e = phone.next_event() => e.expect("the phone runs"),
                () = tokio::time::sleep(Duration::from_millis(1)) => {
                    drops += 1;
                    let talked = answered_at.is_some_and(|t: tokio::time::Instant| t.elapsed() > Duration::from_secs(2));
                    if let (Some(c), false, true) = (call, hung_up, talked) {
                        phone.hangup(c);
                        hung_up = true;
                    }
                    continue;
                }
            };
            match event {
                PhoneEvent::Registration {
                    state: RegistrationState::Registered { .. },
                    ..
                } if call.is_none() => call = Some(phone.dial("A", &bob.sip_uri()).await.unwrap()),
                PhoneEvent::Call {
                    state: CallState::Answered { .. },
                    ..
                } => answered_at = Some(tokio::time::Instant::now()),
                PhoneEvent::Media { report, .. } => media = Some(report),
                PhoneEvent::Call {
                    state: CallState::Ended { .. },
                    ..
                } => {
                    assert!(media.is_some(), "the media report comes before the end");
                    ended = true;
                }
                _ => {}
            }
        }
        let report = media.unwrap();
        assert!(report.received > 50, "{report:?}");
        let recorded = report.recorded.expect("the recording");
        assert!(std::fs::metadata(&recorded).unwrap().len() > 1000);
        phone.shutdown(Duration::from_secs(2)).await;
    });
}
