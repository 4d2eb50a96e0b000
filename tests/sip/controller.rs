//! The GUI's bridge to the phone (`phone::controller`) driven in-process against Kamailio and
//! baresip: it registers, calls out, sends live figures and mutes, hangs up, declines while Do
//! Not Disturb is on, rings and answers an incoming call, and keeps each call in the history
//! file. The window's own state (`ui::app::App`) is then driven through the same bridge.

use std::time::Duration;

use futures_util::{Stream, StreamExt};
use handset::account::{AccountManager, ProfilePaths};
use handset::engine::{CallHandle, CallState, RegistrationState};
use handset::phone::controller::{Controller, Request, Update};
use handset::phone::history::{CallHistory, CallRecord, Direction, Outcome};
use handset::phone::softphone::{PhoneEvent, PhoneOptions};
use handset::ui::app::{App, Message};
use handset::ui::keys::PhoneKey;
use handset::ui::link::{self, Event};
use handset::ui::screen::call::Stage;
use handset::ui::screen::phone::{self, Registration};
use tokio::sync::mpsc::UnboundedReceiver;

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

/// A controller with the profile's account `A` registered.
pub(crate) async fn registered(
    manager: &AccountManager,
    history: CallHistory,
) -> (Controller, UnboundedReceiver<Update>) {
    let account = manager.account("A").unwrap();
    let password = manager
        .credentials("A")
        .unwrap()
        .password
        .expect("password in the keyring");
    let (ctl, mut updates) = Controller::spawn(PhoneOptions::default(), history, None);
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
        k.add_subscriber(&bob_user, "pw-bob");
        let bob = Baresip::start(
            &k,
            BaresipOptions {
                codecs: Some("PCMU".into()),
                ..BaresipOptions::new(&bob_user, "pw-bob")
            },
        );
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
        let (ctl, mut updates) = registered(&manager, history_now).await;

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
        assert_eq!(app.calls.shown().unwrap().codec.as_deref(), Some("PCMU"));
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
