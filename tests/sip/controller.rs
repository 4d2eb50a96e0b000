//! The GUI's bridge to the phone (`phone::controller`) driven in-process against Kamailio and
//! baresip: it registers, calls out, sends live figures and mutes, hangs up, declines while Do
//! Not Disturb is on, rings and answers an incoming call, and keeps each call in the history
//! file.

use std::time::Duration;

use handset::account::{AccountManager, ProfilePaths};
use handset::engine::{CallHandle, CallState, RegistrationState};
use handset::phone::controller::{Controller, Request, Update};
use handset::phone::history::{CallHistory, CallRecord, Direction, Outcome};
use handset::phone::softphone::{PhoneEvent, PhoneOptions};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

const T: Duration = Duration::from_secs(10);

/// The first update `pick` maps to something, within `T` (panics with what came instead).
async fn next<R>(
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

async fn call_state(
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

async fn history(updates: &mut UnboundedReceiver<Update>) -> CallRecord {
    next(updates, "a history record", |u| match u {
        Update::History(r) => Some(r.clone()),
        _ => None,
    })
    .await
}

#[test]
fn the_controller_calls_reports_figures_declines_on_dnd_answers_and_keeps_history() {
    let k = Kamailio::start(KamailioOptions::default());
    k.add_subscriber("ctlbob", "pw-bob");
    let bob = Baresip::start(
        &k,
        BaresipOptions {
            codecs: Some("PCMU".into()),
            ..BaresipOptions::new("ctlbob", "pw-bob")
        },
    );
    let alice = Profile::new(&k, "ctlalice", "pw-alice", "udp");
    let manager = AccountManager::open(ProfilePaths::portable(alice.dir.path())).unwrap();
    let account = manager.account("A").unwrap();
    let password = manager
        .credentials("A")
        .unwrap()
        .password
        .expect("password in the keyring");
    let history_dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let history_now = CallHistory::load(history_dir.path()).unwrap();
        let (ctl, mut updates) = Controller::spawn(PhoneOptions::default(), history_now, None);
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

        // Out: figures flow once a second while the call is up; mute shows in them.
        ctl.send(Request::Dial {
            account: "A".into(),
            target: bob.sip_uri(),
        });
        let call = next(&mut updates, "the dial result", |u| match u {
            Update::Dialled { result, .. } => Some(result.clone().expect("the call is placed")),
            _ => None,
        })
        .await;
        call_state(&mut updates, call, "the answer", |s| {
            matches!(s, CallState::Answered { .. })
        })
        .await;
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
