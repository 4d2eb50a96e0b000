//! Blind transfer (RFC 3515 REFER) against real peers, through the GUI's bridge: Handset calls
//! baresip A through Kamailio, then transfers A to a user nobody registered (Kamailio's 404
//! comes back in A's NOTIFY: the transfer fails and the call stays up), then to baresip B (B
//! rings with A's call and answers; Handset hears of the success and hangs up; A and B talk).

use std::time::Duration;

use handset::account::{AccountManager, ProfilePaths};
use handset::engine::{CallHandle, CallState, TransferProgress};
use handset::phone::controller::{Controller, Request, Update};
use handset::phone::history::CallHistory;
use handset::phone::softphone::PhoneEvent;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::controller::{call_state, dial, next, registered, runtime};
use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

const T: Duration = Duration::from_secs(10);

fn baresip(k: &Kamailio, user: &str, answer: &'static str) -> Baresip {
    Baresip::start(
        k,
        BaresipOptions {
            answer,
            ..BaresipOptions::pcmu(user, &format!("pw-{user}"))
        },
    )
}

/// Baresip A (answers by itself) and B (answers as told) and Handset's profile, on one Kamailio.
struct Scene {
    a: Baresip,
    b: Baresip,
    manager: AccountManager,
    history_dir: tempfile::TempDir,
    _alice: Profile,
    // Last: the peers above go first.
    _k: Kamailio,
}

impl Scene {
    /// Users of A, B and Handset's account; how B answers.
    fn start([a, b, alice]: [&str; 3], b_answers: &'static str) -> Scene {
        let k = Kamailio::start(KamailioOptions::default());
        let (a, b) = (baresip(&k, a, "auto"), baresip(&k, b, b_answers));
        let alice = Profile::new(&k, alice, &format!("pw-{alice}"), "udp");
        let manager = AccountManager::open(ProfilePaths::portable(alice.dir.path())).unwrap();
        Scene {
            a,
            b,
            manager,
            history_dir: tempfile::tempdir().unwrap(),
            _alice: alice,
            _k: k,
        }
    }

    /// A controller with the account registered, in a call A has answered.
    async fn call_a(&self) -> (Controller, UnboundedReceiver<Update>, CallHandle) {
        let history = CallHistory::load(self.history_dir.path()).unwrap();
        let (ctl, mut updates) = registered(&self.manager, history, None).await;
        let call = dial(&ctl, &mut updates, self.a.sip_uri()).await;
        self.a.wait_event("CALL_ESTABLISHED", T);
        (ctl, updates, call)
    }
}

/// The transfer's progress up to its outcome (`Succeeded` or `Failed`), and whether the call
/// ended on the way.
async fn transfer_outcome(
    updates: &mut UnboundedReceiver<Update>,
    call: CallHandle,
) -> (Vec<TransferProgress>, bool) {
    let mut progress = Vec::new();
    let mut ended = false;
    loop {
        let update = next(updates, "the transfer's progress", |u| match u {
            Update::Phone(PhoneEvent::Transfer { call: c, progress }) if *c == call => {
                Some(Some(progress.clone()))
            }
            Update::Phone(PhoneEvent::Call {
                call: c,
                state: CallState::Ended { .. },
            }) if *c == call => Some(None),
            _ => None,
        })
        .await;
        match update {
            None => ended = true,
            Some(p) => {
                let last = matches!(p, TransferProgress::Succeeded | TransferProgress::Failed { .. });
                progress.push(p);
                if last {
                    return (progress, ended);
                }
            }
        }
    }
}

fn assert_accepted_then_succeeded(progress: &[TransferProgress]) {
    assert_eq!(
        progress.first(),
        Some(&TransferProgress::Accepted),
        "{progress:?}"
    );
    assert_eq!(
        progress.last(),
        Some(&TransferProgress::Succeeded),
        "{progress:?}"
    );
}

#[test]
fn blind_transfer_to_baresip_succeeds_and_to_an_unknown_user_fails_keeping_the_call() {
    let scene = Scene::start(["xfera", "xferb", "xferalice"], "manual");
    let (a, b) = (&scene.a, &scene.b);
    runtime().block_on(async {
        let (ctl, mut updates, call) = scene.call_a().await;

        // To a user nobody registered: A's call gets Kamailio's 404, and A says so in a NOTIFY.
        ctl.send(Request::Transfer {
            call,
            target: "nobody".into(),
        });
        let (progress, ended) = transfer_outcome(&mut updates, call).await;
        println!("transfer to nobody: {progress:?}");
        assert_eq!(
            progress.first(),
            Some(&TransferProgress::Accepted),
            "{progress:?}"
        );
        assert!(
            matches!(progress.last(), Some(TransferProgress::Failed { code: 404, .. })),
            "{progress:?}\n{}",
            a.log()
        );
        assert!(!ended, "the call stays up after a failed transfer");
        // Still talking: audio keeps coming from A.
        let mut received = Vec::new();
        while received.len() < 2 {
            let r = next(&mut updates, "figures of the call still up", |u| match u {
                Update::Figures { call: c, figures } if *c == call => Some(figures.report.received),
                Update::Phone(PhoneEvent::Call {
                    call: c,
                    state: CallState::Ended { .. },
                }) if *c == call => panic!("the call ended after the failed transfer"),
                _ => None,
            })
            .await;
            received.push(r);
        }
        assert!(received[1] > received[0], "{received:?}");

        // To B (typed as a bare user name, like the dialer): B rings with A's call.
        a.clear_events();
        ctl.send(Request::Transfer {
            call,
            target: "xferb".into(),
        });
        let incoming = b.wait_event("CALL_INCOMING", T);
        assert!(incoming.to_string().contains("xfera"), "{incoming}");
        b.accept();
        let (progress, ended) = transfer_outcome(&mut updates, call).await;
        println!("transfer to B: {progress:?}, call ended meanwhile: {ended}");
        assert_accepted_then_succeeded(&progress);
        if !ended {
            call_state(&mut updates, call, "the end of the transferred call", |s| {
                matches!(s, CallState::Ended { .. })
            })
            .await;
        }
        // A's call with Handset closes (a failed transfer call of A's may close before it).
        let closed = a.wait_event("CALL_CLOSED", T);
        if !closed.to_string().contains("xferalice") {
            let closed = a.wait_event("CALL_CLOSED", T);
            assert!(closed.to_string().contains("xferalice"), "{closed}");
        }
        b.wait_event("CALL_ESTABLISHED", T);
        a.wait_event("CALL_ESTABLISHED", T);

        ctl.send(Request::Shutdown);
        next(&mut updates, "the stop", |u| {
            matches!(u, Update::Stopped).then_some(())
        })
        .await;
    });
}

/// baresip A, in a call with Handset, transfers it (REFER) to baresip B: `handset listen`
/// declines by default (B never rings, the call stays up); with `--accept-transfer` it calls B
/// from its account, B answers, and Handset hangs up A's call once B has answered.
#[test]
fn a_transfer_asked_by_baresip_is_declined_by_default_and_made_with_accept_transfer() {
    let k = Kamailio::start(KamailioOptions::default());
    let a = baresip(&k, "xfera", "manual");
    let b = baresip(&k, "xferb", "auto");
    let alice = Profile::new(&k, "xferalice", "pw-alice", "udp");

    let mut run = alice.spawn(&["listen", "A", "--auto-answer", "--max-calls", "1"]);
    run.wait_line("registered", T);
    a.dial(&alice.uri());
    a.wait_event("CALL_ESTABLISHED", T);
    a.command("transfer", &b.sip_uri());
    let asked = run.wait_line("asks to transfer the call to", T);
    assert!(asked.contains("xferb") && asked.ends_with("declined"), "{asked}");
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        !b.events()
            .iter()
            .any(|e| e.to_string().contains("CALL_INCOMING") || e.to_string().contains("CALL_ESTABLISHED")),
        "B must not be called: {:?}",
        b.events()
    );
    a.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");

    a.clear_events();
    let mut run = alice.spawn(&[
        "listen",
        "A",
        "--auto-answer",
        "--accept-transfer",
        "--max-calls",
        "2",
    ]);
    run.wait_line("registered", T);
    a.dial(&alice.uri());
    a.wait_event("CALL_ESTABLISHED", T);
    a.command("transfer", &b.sip_uri());
    run.wait_line("accepted", T);
    // B answers at once (auto answer): its call is with Handset's account.
    let established = b.wait_event("CALL_ESTABLISHED", T);
    assert!(established.to_string().contains("xferalice"), "{established}");
    // Handset hangs up A's call once B has answered (and A hears of the success).
    let closed = a.wait_event("CALL_CLOSED", T);
    assert!(closed.to_string().contains("xferalice"), "{closed}");
    run.wait_line("call-1: answered", T);
    b.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("calling sip:xferb@"), "{out}");
}

/// The window's path: the far end's request reaches the UI as an update, the user's Accept
/// goes back as a request, the call to the target is reported as dialled, and the transferred
/// call ends once the target has answered.
#[test]
fn a_transfer_asked_by_baresip_and_accepted_in_the_window_replaces_the_call() {
    let scene = Scene::start(["xferc", "xferd", "xferbob"], "auto");
    let (a, b) = (&scene.a, &scene.b);
    runtime().block_on(async {
        let (ctl, mut updates, call) = scene.call_a().await;
        a.command("transfer", &b.sip_uri());
        let target = next(&mut updates, "the transfer request", |u| match u {
            Update::Phone(PhoneEvent::TransferRequested { call: c, target, .. }) if *c == call => {
                Some(target.clone())
            }
            _ => None,
        })
        .await;
        assert_eq!(target, b.sip_uri());
        ctl.send(Request::AnswerTransfer { call, accept: true });
        let placed = next(&mut updates, "the call to the target", |u| match u {
            Update::Dialled { result, target, .. } if *target == b.sip_uri() => Some(result.clone()),
            _ => None,
        })
        .await
        .expect("the target is called");
        let established = b.wait_event("CALL_ESTABLISHED", T);
        assert!(established.to_string().contains("xferbob"), "{established}");
        call_state(&mut updates, placed, "the target's answer", |s| {
            matches!(s, CallState::Answered { .. })
        })
        .await;
        call_state(&mut updates, call, "the end of the transferred call", |s| {
            matches!(s, CallState::Ended { .. })
        })
        .await;
        let closed = a.wait_event("CALL_CLOSED", T);
        assert!(closed.to_string().contains("xferbob"), "{closed}");

        ctl.send(Request::Shutdown);
        next(&mut updates, "the stop", |u| {
            matches!(u, Update::Stopped).then_some(())
        })
        .await;
    });
}

/// Attended transfer (RFC 5589 §7, REFER with `Replaces`, RFC 3891) between three Handsets:
/// A (the window's controller) talks to B (`listen --accept-transfer`), calls C (`listen`) to
/// consult, then puts B through to C. B gets a REFER whose Refer-To carries `Replaces` naming
/// the consultation call and calls C with it; C answers that call at once in place of the
/// consultation call, which it ends; B's NOTIFY says 200 and A's call with B ends. B and C then
/// talk. (baresip 1.0 cannot be the transferee: it puts the Refer-To URI's `?Replaces=…` into
/// its To header instead of sending a `Replaces` header, so its call is a new one to C.)
#[test]
fn attended_transfer_puts_the_far_end_through_to_the_consulted_party_in_place_of_the_consultation() {
    let k = Kamailio::start(KamailioOptions::default());
    let listen = |user: &str, extra: &[&str]| {
        let p = Profile::new(&k, user, &format!("pw-{user}"), "udp");
        let speech = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/audio/speech.wav");
        let mut args = vec![
            "listen",
            "A",
            "--auto-answer",
            "--max-calls",
            "2",
            "--play",
            speech,
        ];
        args.extend_from_slice(extra);
        let mut run = p.spawn(&args);
        run.wait_line("registered", T);
        (p, run)
    };
    let (bob, mut b_run) = listen("attb", &["--accept-transfer"]);
    let (carol, mut c_run) = listen("attc", &[]);
    let alice = Profile::new(&k, "atta", "pw-atta", "udp");
    let manager = AccountManager::open(ProfilePaths::portable(alice.dir.path())).unwrap();
    let history_dir = tempfile::tempdir().unwrap();
    let replaced = runtime().block_on(async {
        let history = CallHistory::load(history_dir.path()).unwrap();
        let (ctl, mut updates) = registered(&manager, history, None).await;
        let to_b = dial(&ctl, &mut updates, bob.uri()).await;
        let to_c = dial(&ctl, &mut updates, carol.uri()).await;

        // A transfer needs another answered call to put the far end through to.
        ctl.send(Request::AttendedTransfer {
            call: to_b,
            consultation: to_b,
        });
        let (progress, _) = transfer_outcome(&mut updates, to_b).await;
        assert!(
            matches!(progress.as_slice(), [TransferProgress::Failed { code: 0, .. }]),
            "{progress:?}"
        );

        ctl.send(Request::AttendedTransfer {
            call: to_b,
            consultation: to_c,
        });
        // The transfer's progress, and the end of both of A's calls, in whatever order they
        // come: the consultation call ended by C (replaced), B's by B or by A once it hears of
        // the success.
        let (mut progress, mut ended) = (Vec::new(), Vec::new());
        while ended.len() < 2
            || !matches!(
                progress.last(),
                Some(TransferProgress::Succeeded | TransferProgress::Failed { .. })
            )
        {
            let update = next(
                &mut updates,
                "the transfer and the end of both calls",
                |u| match u {
                    Update::Phone(PhoneEvent::Transfer { call, progress }) if *call == to_b => {
                        Some(Ok(progress.clone()))
                    }
                    Update::Phone(PhoneEvent::Call {
                        call,
                        state: CallState::Ended { by_remote, .. },
                    }) if [to_b, to_c].contains(call) => Some(Err((*call, *by_remote))),
                    _ => None,
                },
            )
            .await;
            match update {
                Ok(p) => progress.push(p),
                Err(end) => ended.push(end),
            }
        }
        println!("attended transfer: {progress:?}; ended {ended:?}");
        assert_accepted_then_succeeded(&progress);
        assert!(
            ended.contains(&(to_c, true)),
            "C ends the consultation call it replaced: {ended:?}"
        );
        c_run.wait_line("in place of", T)
    });
    println!("C: {replaced}");
    // B's call to C is up; they talk until B stops (and hangs up).
    let placed = b_run.wait_line(": calling sip:attc@", T);
    println!("B: {placed}");
    std::thread::sleep(Duration::from_secs(2));
    b_run.interrupt();
    let (code, out) = c_run.finish(T);
    assert_eq!(code, 0, "{out}");
    let new_call = replaced.split(':').next().unwrap_or_default().trim().to_owned();
    let report = out
        .lines()
        .find(|l| l.starts_with(&format!("{new_call}: media:")))
        .unwrap_or_else(|| panic!("no media report of {new_call}:\n{out}"));
    println!("C: {report}");
    let received: u64 = report
        .split("received ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(received > 50, "C heard B: {report}\n{out}");
    let (_, b_out) = b_run.finish(T);
    assert!(!b_out.contains("declined"), "{b_out}");
}
