//! Engine behaviour on the simulated network: registration, calls, every timer path.

use std::time::Duration;

use super::msg;
use super::sim::{Conditions, RegistrarConfig, Sim, raw_options, sdp};
use crate::engine::{CallHandle, CallState, Command, Event, Flow, Input, RegistrationState, Transport};

fn registered(sim: &Sim, ua: usize) -> bool {
    sim.events_of(ua).iter().any(|e| {
        matches!(
            e,
            Event::Registration {
                state: RegistrationState::Registered { .. },
                ..
            }
        )
    })
}

fn reg_states(sim: &Sim, ua: usize) -> Vec<RegistrationState> {
    sim.events_of(ua)
        .into_iter()
        .filter_map(|e| match e {
            Event::Registration { state, .. } => Some(state.clone()),
            _ => None,
        })
        .collect()
}

fn call_states(sim: &Sim, ua: usize) -> Vec<CallState> {
    sim.events_of(ua)
        .into_iter()
        .filter_map(|e| match e {
            Event::Call { state, .. } => Some(state.clone()),
            _ => None,
        })
        .collect()
}

fn incoming(sim: &Sim, ua: usize) -> Option<CallHandle> {
    sim.events_of(ua).into_iter().find_map(|e| match e {
        Event::Incoming { call, .. } => Some(*call),
        _ => None,
    })
}

fn setup_register(seed: u64, conditions: Conditions, reg: RegistrarConfig, transport: Transport) -> Sim {
    let mut sim = Sim::new(seed, conditions);
    let ua = sim.add_ua(5070);
    let registrar = sim.add_registrar(reg);
    let config = sim.account(ua, "alice", "secret", registrar, transport);
    sim.input(
        ua,
        Input::command(Command::Register {
            key: "a".into(),
            config,
        }),
    );
    sim
}

#[test]
fn registers_with_digest_over_udp() {
    let mut sim = setup_register(
        1,
        Conditions::default(),
        RegistrarConfig::new("alice", "secret"),
        Transport::Udp,
    );
    sim.run_for(Duration::from_secs(2));
    assert!(registered(&sim, 0), "{:?}", reg_states(&sim, 0));
    let reg = sim.registrar.as_ref().unwrap();
    assert_eq!(reg.registers.len(), 2, "challenge then authorised");
    assert!(
        reg.registers[1]
            .1
            .contains("Authorization: Digest username=\"alice\"")
    );
    assert!(reg.registers[0].1.contains("+sip.instance=\"<urn:uuid:"));
}

#[test]
fn registers_through_heavy_loss_and_reordering() {
    for seed in 1..20 {
        let conditions = Conditions {
            latency: Duration::from_millis(30),
            jitter: Duration::from_millis(200),
            loss: 0.3,
        };
        let mut sim = setup_register(
            seed,
            conditions,
            RegistrarConfig::new("alice", "secret"),
            Transport::Udp,
        );
        sim.run_for(Duration::from_secs(40));
        assert!(registered(&sim, 0), "seed {seed}: {:?}", reg_states(&sim, 0));
    }
}

#[test]
fn streams_get_outbound_contacts_and_no_retransmissions() {
    let mut reg = RegistrarConfig::new("alice", "secret");
    reg.silent = true;
    let mut sim = setup_register(2, Conditions::default(), reg, Transport::Tcp);
    sim.run_for(Duration::from_secs(31));
    assert_eq!(sim.count_sent("REGISTER"), 1, "no retransmission over TCP");
    assert!(sim.sent[0].2.contains(";ob>") && sim.sent[0].2.contains(";reg-id=1"));
    assert!(sim.sent[0].2.contains("SIP/2.0/TCP"));
}

#[test]
fn wrong_password_fails_without_retry() {
    let mut sim = setup_register(
        3,
        Conditions::default(),
        RegistrarConfig::new("alice", "other"),
        Transport::Udp,
    );
    sim.run_for(Duration::from_secs(120));
    let states = reg_states(&sim, 0);
    let last = states.last().unwrap();
    assert!(
        matches!(last, RegistrationState::Failed { code: 403, retry_in: None, reason } if reason.to_string().contains("password")),
        "{states:?}"
    );
    assert_eq!(
        sim.registrar.as_ref().unwrap().registers.len(),
        2,
        "no retry with the same bad password"
    );
}

#[test]
fn min_expires_and_retry_after_are_honoured() {
    let mut reg = RegistrarConfig::new("alice", "secret");
    reg.script = [423, 503].into();
    reg.min_expires = 900;
    let mut sim = setup_register(4, Conditions::default(), reg, Transport::Udp);
    let start = sim.now;
    sim.run_for(Duration::from_secs(20));
    let r = sim.registrar.as_ref().unwrap();
    assert!(r.registers[1].1.contains("Expires: 900"), "raised to Min-Expires");
    let gap = r.registers[2].0 - r.registers[1].0;
    assert!(
        gap >= Duration::from_secs(7) && gap < Duration::from_secs(8),
        "Retry-After 7: {gap:?}"
    );
    assert!(registered(&sim, 0));
    assert!(r.registers[2].0 - start >= Duration::from_secs(7));
}

#[test]
fn refreshes_before_expiry_and_handles_stale_nonces() {
    let mut reg = RegistrarConfig::new("alice", "secret");
    reg.stale_after_first = true;
    let mut sim = setup_register(5, Conditions::default(), reg, Transport::Udp);
    sim.run_for(Duration::from_secs(1000));
    let r = sim.registrar.as_ref().unwrap();
    // 600 s granted: refreshed at 450 s and 900 s; the stale nonce costs one more round.
    let times: Vec<u64> = r
        .registers
        .iter()
        .map(|(t, _)| (*t - r.registers[0].0).as_secs())
        .collect();
    assert!(times.iter().any(|t| (449..=451).contains(t)), "{times:?}");
    assert!(times.iter().any(|t| (899..=902).contains(t)), "{times:?}");
    assert!(
        !reg_states(&sim, 0)
            .iter()
            .any(|s| matches!(s, RegistrationState::Failed { .. }))
    );
}

#[test]
fn silent_registrar_times_out_with_timer_f_and_backs_off() {
    let mut reg = RegistrarConfig::new("alice", "secret");
    reg.silent = true;
    let mut sim = setup_register(6, Conditions::default(), reg, Transport::Udp);
    let start = sim.now;
    sim.run_for(Duration::from_millis(32_500));
    let states = reg_states(&sim, 0);
    assert!(
        matches!(states.last(), Some(RegistrationState::Failed { code: 408, retry_in: Some(d), .. }) if *d == Duration::from_secs(1)),
        "{states:?}"
    );
    assert_eq!(
        sim.count_sent("REGISTER"),
        11,
        "1 + 10 retransmissions within 32 s"
    );
    let _ = start;
    // The server comes back: registration resumes on the next retry.
    sim.registrar.as_mut().unwrap().config.silent = false;
    sim.run_for(Duration::from_secs(40));
    assert!(registered(&sim, 0));
}

/// Issue 14: a registrar away for ten minutes is found again within 5 s of its return (the
/// back-off after unanswered REGISTERs stays at the transaction's own 4 s pace), while one
/// that answers with refusals is asked only every 30 s.
#[test]
fn a_registrar_back_after_a_long_outage_is_found_within_5_s() {
    let mut reg = RegistrarConfig::new("alice", "secret");
    reg.silent = true;
    let mut sim = setup_register(16, Conditions::default(), reg, Transport::Udp);
    sim.run_for(Duration::from_secs(600));
    let sent = sim.count_sent("REGISTER");
    assert!(
        (600 / 5..=600 / 3 + 11).contains(&sent),
        "one REGISTER every 3-5 s while away (a transaction's own pace): {sent}"
    );
    sim.registrar.as_mut().unwrap().config.silent = false;
    sim.run_for(Duration::from_secs(5));
    assert!(registered(&sim, 0), "{:?}", reg_states(&sim, 0).last());

    let mut reg = RegistrarConfig::new("alice", "secret");
    reg.script = std::iter::repeat_n(500, 100).collect();
    let mut sim = setup_register(17, Conditions::default(), reg, Transport::Udp);
    sim.run_for(Duration::from_secs(300));
    let refused = sim.count_sent("REGISTER");
    assert!(
        refused <= 5 + 300 / 30 + 1,
        "refusals back off to 30 s: {refused} REGISTERs in 300 s"
    );
}

#[test]
fn transport_error_re_registers() {
    let mut sim = setup_register(
        7,
        Conditions::default(),
        RegistrarConfig::new("alice", "secret"),
        Transport::Tcp,
    );
    sim.run_for(Duration::from_secs(1));
    assert!(registered(&sim, 0));
    let registrar = sim.registrar.as_ref().unwrap().addr;
    let before = sim.registrar.as_ref().unwrap().registers.len();
    sim.input(
        0,
        Input::TransportError {
            flow: Flow {
                transport: Transport::Tcp,
                remote: registrar,
            },
        },
    );
    sim.run_for(Duration::from_secs(3));
    assert!(
        sim.registrar.as_ref().unwrap().registers.len() > before,
        "re-registered after the loss"
    );
    assert!(matches!(
        reg_states(&sim, 0).last(),
        Some(RegistrationState::Registered { .. })
    ));
}

#[test]
fn an_account_change_removes_the_old_binding() {
    let mut sim = setup_register(
        9,
        Conditions::default(),
        RegistrarConfig::new("alice", "secret"),
        Transport::Udp,
    );
    sim.run_for(Duration::from_secs(1));
    let registrar = sim.registrar.as_ref().unwrap().addr;
    let mut config = sim.account(0, "alice", "secret", registrar, Transport::Udp);
    config.local = "127.0.0.1:5099".parse().unwrap();
    sim.input(
        0,
        Input::command(Command::Register {
            key: "a".into(),
            config,
        }),
    );
    sim.run_for(Duration::from_secs(2));
    let bindings: Vec<&String> = sim.registrar.as_ref().unwrap().bindings.keys().collect();
    assert_eq!(
        bindings,
        ["sip:alice@127.0.0.1:5099;transport=udp"],
        "only the new contact is bound"
    );
}

#[test]
fn unregister_sends_expires_zero() {
    let mut sim = setup_register(
        8,
        Conditions::default(),
        RegistrarConfig::new("alice", "secret"),
        Transport::Udp,
    );
    sim.run_for(Duration::from_secs(1));
    sim.input(0, Input::command(Command::Unregister { key: "a".into() }));
    sim.run_for(Duration::from_secs(2));
    let r = sim.registrar.as_ref().unwrap();
    assert!(r.registers.last().unwrap().1.contains("Expires: 0"));
    assert_eq!(reg_states(&sim, 0).last(), Some(&RegistrationState::Unregistered));
}

/// Two phones talking directly (each account's flow is the other phone).
pub(super) fn pair(seed: u64, conditions: Conditions, transport: Transport) -> Sim {
    let mut sim = Sim::new(seed, conditions);
    let a = sim.add_ua(5070);
    let b = sim.add_ua(5080);
    let (aa, ba) = (sim.addr(a), sim.addr(b));
    let ca = sim.account(a, "alice", "x", ba, transport);
    let cb = sim.account(b, "bob", "x", aa, transport);
    // The "registrar" is the other phone: it answers REGISTER with 405, which is fine here.
    sim.input(
        a,
        Input::command(Command::Register {
            key: "a".into(),
            config: ca,
        }),
    );
    sim.input(
        b,
        Input::command(Command::Register {
            key: "b".into(),
            config: cb,
        }),
    );
    sim.run_for(Duration::from_secs(1));
    sim.events.clear();
    sim.sent.clear();
    sim
}

fn dial(sim: &mut Sim) -> CallHandle {
    let h = CallHandle(1);
    sim.input(
        0,
        Input::command(Command::Dial {
            call: h,
            key: "a".into(),
            target: "sip:bob@127.0.0.1:5080".into(),
            sdp: sdp(4000),
            caller_id: Some((Some("Front Desk".into()), "+14155550100".into())),
        }),
    );
    h
}

pub(super) fn answer_call(sim: &mut Sim) -> (CallHandle, CallHandle) {
    let a = dial(sim);
    sim.run_for(Duration::from_millis(100));
    let b = incoming(sim, 1).expect("incoming call");
    sim.input(1, Input::command(Command::Ring { call: b }));
    sim.run_for(Duration::from_millis(100));
    sim.input(
        1,
        Input::command(Command::Answer {
            call: b,
            sdp: sdp(5000),
        }),
    );
    sim.run_for(Duration::from_millis(500));
    (a, b)
}

#[test]
fn call_rings_answers_and_ends_with_bye_from_caller() {
    let mut sim = pair(10, Conditions::default(), Transport::Udp);
    let (a, b) = answer_call(&mut sim);
    let states = call_states(&sim, 0);
    assert!(matches!(states[0], CallState::Ringing { .. }), "{states:?}");
    assert!(
        matches!(&states[1], CallState::Answered { sdp } if String::from_utf8_lossy(sdp).contains("m=audio 5000"))
    );
    let invite = sim.sent.iter().find(|(_, _, m)| m.starts_with("INVITE")).unwrap();
    assert!(
        invite.2.contains("From: \"Front Desk\" <sip:alice@sim.test>"),
        "{}",
        invite.2
    );
    assert!(
        invite
            .2
            .contains("P-Preferred-Identity: <sip:+14155550100@sim.test>")
    );
    assert_eq!(sim.count_sent("ACK"), 1);
    sim.input(0, Input::command(Command::Hangup { call: a }));
    sim.run_for(Duration::from_secs(1));
    assert!(matches!(
        call_states(&sim, 1).last(),
        Some(CallState::Ended {
            code: 200,
            by_remote: true,
            ..
        })
    ));
    assert!(matches!(
        call_states(&sim, 0).last(),
        Some(CallState::Ended {
            code: 200,
            by_remote: false,
            ..
        })
    ));
    sim.run_for(Duration::from_secs(40));
    assert!(
        sim.uas.iter().all(|(_, ua)| ua.calls.is_empty()),
        "calls are forgotten once ended"
    );
    let call_txs = |ua: &crate::engine::UserAgent| {
        ua.core
            .client_txs
            .values()
            .filter(|e| matches!(e.owner, super::core::Owner::Call(_)))
            .count()
    };
    assert!(
        sim.uas
            .iter()
            .all(|(_, ua)| call_txs(ua) == 0 && ua.core.server_txs.keys().all(|(_, m)| m == "REGISTER")),
        "transactions ended"
    );
    let _ = b;
}

#[test]
fn callee_hangs_up() {
    let mut sim = pair(11, Conditions::default(), Transport::Tcp);
    let (_, b) = answer_call(&mut sim);
    sim.input(1, Input::command(Command::Hangup { call: b }));
    sim.run_for(Duration::from_secs(1));
    assert!(matches!(
        call_states(&sim, 0).last(),
        Some(CallState::Ended {
            code: 200,
            by_remote: true,
            ..
        })
    ));
    assert!(
        sim.sent
            .iter()
            .any(|(from, _, m)| m.starts_with("BYE") && from.port() == 5080)
    );
}

/// BYE glare: both sides hang up at the same moment, so each gets the other's BYE while its
/// own is in flight. Each side reports the end of the call once (a second report would count
/// as another ended call above the engine).
#[test]
fn both_sides_hanging_up_at_once_end_the_call_once_on_each_side() {
    let mut sim = pair(12, Conditions::default(), Transport::Udp);
    let (a, b) = answer_call(&mut sim);
    sim.input(0, Input::command(Command::Hangup { call: a }));
    sim.input(1, Input::command(Command::Hangup { call: b }));
    sim.run_for(Duration::from_secs(40));
    assert_eq!(sim.count_sent("BYE"), 2);
    for ua in [0, 1] {
        let ended = call_states(&sim, ua)
            .into_iter()
            .filter(|s| matches!(s, CallState::Ended { .. }))
            .count();
        assert_eq!(ended, 1, "side {ua}: {:?}", call_states(&sim, ua));
    }
    assert!(
        sim.uas.iter().all(|(_, ua)| ua.calls.is_empty()),
        "calls are forgotten once ended"
    );
}

#[test]
fn calls_survive_loss_and_reordering() {
    for seed in 20..40 {
        let conditions = Conditions {
            latency: Duration::from_millis(40),
            jitter: Duration::from_millis(150),
            loss: 0.25,
        };
        let mut sim = pair(seed, conditions, Transport::Udp);
        let a = dial(&mut sim);
        sim.run_for(Duration::from_secs(10));
        let Some(b) = incoming(&sim, 1) else {
            panic!("seed {seed}: no INVITE arrived")
        };
        sim.input(
            1,
            Input::command(Command::Answer {
                call: b,
                sdp: sdp(5000),
            }),
        );
        sim.run_for(Duration::from_secs(20));
        assert!(
            call_states(&sim, 0)
                .iter()
                .any(|s| matches!(s, CallState::Answered { .. })),
            "seed {seed}: {:?}",
            call_states(&sim, 0)
        );
        // The 2xx is re-sent until an ACK gets through; the call stays up.
        assert!(
            !call_states(&sim, 1)
                .iter()
                .any(|s| matches!(s, CallState::Ended { .. })),
            "seed {seed}"
        );
        sim.input(0, Input::command(Command::Hangup { call: a }));
        sim.run_for(Duration::from_secs(40));
        assert!(
            matches!(
                call_states(&sim, 1).last(),
                Some(CallState::Ended { code: 200, .. })
            ),
            "seed {seed}: {:?}",
            call_states(&sim, 1)
        );
    }
}

#[test]
fn cancel_before_answer() {
    let mut sim = pair(12, Conditions::default(), Transport::Udp);
    let a = dial(&mut sim);
    sim.run_for(Duration::from_millis(100));
    let b = incoming(&sim, 1).unwrap();
    sim.input(1, Input::command(Command::Ring { call: b }));
    sim.run_for(Duration::from_millis(100));
    sim.input(0, Input::command(Command::Hangup { call: a }));
    sim.run_for(Duration::from_secs(1));
    assert_eq!(sim.count_sent("CANCEL"), 1);
    assert!(matches!(
        call_states(&sim, 1).last(),
        Some(CallState::Ended {
            code: 487,
            by_remote: true,
            ..
        })
    ));
    assert!(matches!(
        call_states(&sim, 0).last(),
        Some(CallState::Ended {
            code: 487,
            by_remote: false,
            ..
        })
    ));
    assert_eq!(sim.count_sent("ACK"), 1, "the 487 is acknowledged");
}

#[test]
fn cancel_waits_for_a_provisional_response() {
    let mut sim = pair(13, Conditions::default(), Transport::Udp);
    let a = dial(&mut sim);
    // Hang up before anything came back: no CANCEL yet (RFC 3261 §9.1).
    sim.input(0, Input::command(Command::Hangup { call: a }));
    assert_eq!(sim.count_sent("CANCEL"), 0);
    sim.run_for(Duration::from_secs(1));
    assert_eq!(sim.count_sent("CANCEL"), 1, "sent once the 100 Trying arrived");
    assert!(matches!(
        call_states(&sim, 0).last(),
        Some(CallState::Ended { code: 487, .. })
    ));
}

#[test]
fn cancel_crossing_the_200_acks_and_byes() {
    let mut sim = pair(14, Conditions::default(), Transport::Udp);
    let a = dial(&mut sim);
    sim.run_for(Duration::from_millis(100));
    let b = incoming(&sim, 1).unwrap();
    sim.input(1, Input::command(Command::Ring { call: b }));
    sim.run_for(Duration::from_millis(100));
    // Both at once: the 200 and the CANCEL cross on the wire.
    sim.input(
        1,
        Input::command(Command::Answer {
            call: b,
            sdp: sdp(5000),
        }),
    );
    sim.input(0, Input::command(Command::Hangup { call: a }));
    sim.run_for(Duration::from_secs(2));
    assert_eq!(sim.count_sent("ACK"), 1);
    assert_eq!(sim.count_sent("BYE"), 1, "the answered call is ended with a BYE");
    assert!(matches!(
        call_states(&sim, 1).last(),
        Some(CallState::Ended {
            code: 200,
            by_remote: true,
            ..
        })
    ));
}

#[test]
fn busy_and_decline() {
    for code in [486, 603, 480] {
        let mut sim = pair(15, Conditions::default(), Transport::Udp);
        dial(&mut sim);
        sim.run_for(Duration::from_millis(100));
        let b = incoming(&sim, 1).unwrap();
        sim.input(1, Input::command(Command::Reject { call: b, code }));
        sim.run_for(Duration::from_secs(1));
        assert!(
            matches!(call_states(&sim, 0).last(), Some(CallState::Ended { code: c, by_remote: true, .. }) if *c == code),
            "{:?}",
            call_states(&sim, 0)
        );
        assert_eq!(sim.count_sent("ACK"), 1);
    }
}

#[test]
fn unanswered_call_times_out_with_timer_b_when_nothing_comes_back() {
    let mut sim = Sim::new(16, Conditions::default());
    let a = sim.add_ua(5070);
    let nowhere = "127.0.0.77:5060".parse().unwrap();
    let config = sim.account(a, "alice", "x", nowhere, Transport::Udp);
    sim.input(
        a,
        Input::command(Command::Register {
            key: "a".into(),
            config,
        }),
    );
    sim.events.clear();
    dial(&mut sim);
    sim.run_for(Duration::from_secs(33));
    assert!(matches!(
        call_states(&sim, 0).last(),
        Some(CallState::Ended { code: 408, .. })
    ));
    assert_eq!(
        sim.count_sent("INVITE"),
        7,
        "1 + 6 retransmissions (timer A) before timer B"
    );
}

#[test]
fn reinvite_renegotiates_and_session_timer_refreshes() {
    let mut sim = pair(17, Conditions::default(), Transport::Udp);
    let (a, _) = answer_call(&mut sim);
    sim.input(
        0,
        Input::command(Command::Reinvite {
            call: a,
            sdp: sdp(4002),
        }),
    );
    sim.run_for(Duration::from_secs(1));
    assert!(
        matches!(call_states(&sim, 1).last(), Some(CallState::Renegotiated { sdp }) if String::from_utf8_lossy(sdp).contains("4002"))
    );
    assert!(matches!(
        call_states(&sim, 0).last(),
        Some(CallState::Renegotiated { .. })
    ));
    // Session-Expires 1800 with refresher=uac: the caller refreshes every 900 s; the call lasts.
    let invites_before = sim.count_sent("INVITE");
    sim.run_for(Duration::from_secs(2000));
    assert!(
        sim.count_sent("INVITE") >= invites_before + 2,
        "refreshes at 900 s and 1800 s"
    );
    assert!(
        !call_states(&sim, 1)
            .iter()
            .any(|s| matches!(s, CallState::Ended { .. }))
    );
}

#[test]
fn session_interval_too_small_gets_422_and_the_caller_retries_with_min_se() {
    let mut sim = pair(19, Conditions::default(), Transport::Udp);
    let flow = Flow {
        transport: Transport::Udp,
        remote: sim.addr(0),
    };
    // A caller asking for 30 s gets 422 with Min-SE.
    let small = String::from_utf8(raw_options("z9hG4bKse"))
        .unwrap()
        .replace("OPTIONS sip:b@127.0.0.1", "INVITE sip:bob@127.0.0.1")
        .replace(
            "CSeq: 1 OPTIONS",
            "CSeq: 1 INVITE\r\nSession-Expires: 30\r\nContact: <sip:x@127.0.0.1:9>",
        );
    sim.input(
        1,
        Input::Message {
            flow,
            bytes: small.as_bytes(),
        },
    );
    let reply = &sim.sent.last().unwrap().2;
    assert!(
        reply.starts_with("SIP/2.0 422") && reply.contains("Min-SE: 90"),
        "{reply}"
    );
    assert!(incoming(&sim, 1).is_none());

    // Our own INVITE answered with 422 Min-SE: 3600 is sent again asking for 3600.
    dial(&mut sim);
    let invite = sim
        .sent
        .iter()
        .rev()
        .find(|(_, _, m)| m.starts_with("INVITE"))
        .unwrap()
        .2
        .clone();
    let parsed = msg::parse(invite.as_bytes()).unwrap();
    let r422 = msg::response_to(&parsed, 422, Some("x")).header("Min-SE", "3600");
    let from_b = Flow {
        transport: Transport::Udp,
        remote: sim.addr(1),
    };
    sim.input(
        0,
        Input::Message {
            flow: from_b,
            bytes: &r422.to_bytes(),
        },
    );
    let retry = sim
        .sent
        .iter()
        .rev()
        .find(|(_, _, m)| m.starts_with("INVITE"))
        .unwrap()
        .2
        .clone();
    assert!(
        retry.contains("Session-Expires: 3600") && retry.contains("CSeq: 2 INVITE"),
        "{retry}"
    );
}

#[test]
fn options_are_answered_and_garbage_gets_400() {
    let mut sim = pair(18, Conditions::default(), Transport::Udp);
    let flow = Flow {
        transport: Transport::Udp,
        remote: "127.0.0.1:9".parse().unwrap(),
    };
    sim.input(
        1,
        Input::Message {
            flow,
            bytes: &raw_options("z9hG4bKopt"),
        },
    );
    assert!(sim.sent.last().unwrap().2.starts_with("SIP/2.0 200 OK"));
    let bad = String::from_utf8(raw_options("z9hG4bKbad"))
        .unwrap()
        .replace("CSeq: 1 OPTIONS", "CSeq: x OPTIONS");
    sim.input(
        1,
        Input::Message {
            flow,
            bytes: bad.as_bytes(),
        },
    );
    assert!(
        sim.sent.last().unwrap().2.starts_with("SIP/2.0 400"),
        "{}",
        sim.sent.last().unwrap().2
    );
    assert!(
        sim.events
            .iter()
            .any(|(_, e)| matches!(e, Event::Malformed { .. }))
    );
    let bye = String::from_utf8(raw_options("z9hG4bKbye"))
        .unwrap()
        .replace("OPTIONS", "BYE");
    sim.input(
        1,
        Input::Message {
            flow,
            bytes: bye.as_bytes(),
        },
    );
    assert!(sim.sent.last().unwrap().2.starts_with("SIP/2.0 481"));
}

mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            let _ = msg::parse(&bytes);
            let mut sim = Sim::new(1, Conditions::default());
            let ua = sim.add_ua(5070);
            let flow = Flow { transport: Transport::Udp, remote: "127.0.0.1:9".parse().unwrap() };
            sim.input(ua, Input::Message { flow, bytes: &bytes });
        }

        #[test]
        fn mutated_messages_never_panic(cut in 0usize..400, flip in 0usize..400, byte in any::<u8>()) {
            let mut bytes = raw_options("z9hG4bKfuzz");
            if flip < bytes.len() { bytes[flip] = byte; }
            bytes.truncate(cut.max(1));
            let mut sim = Sim::new(2, Conditions::default());
            let ua = sim.add_ua(5070);
            let flow = Flow { transport: Transport::Udp, remote: "127.0.0.1:9".parse().unwrap() };
            sim.input(ua, Input::Message { flow, bytes: &bytes });
        }
    }
}

#[test]
fn digits_in_info_both_ways_in_order_under_loss() {
    let mut sim = pair(23, Conditions::default(), Transport::Udp);
    let (a, b) = answer_call(&mut sim);
    sim.conditions.loss = 0.2;
    for (ua, call) in [(0, a), (1, b)] {
        for digit in "19*#".chars() {
            sim.input(ua, Input::command(Command::InfoDigit { call, digit }));
            sim.run_for(Duration::from_secs(8));
        }
    }
    let digits = |ua: usize| -> String {
        sim.events_of(ua)
            .iter()
            .filter_map(|e| match e {
                Event::Dtmf { digit, .. } => Some(*digit),
                _ => None,
            })
            .collect()
    };
    // INFO is retransmitted until answered: every digit arrives, each once.
    assert_eq!(digits(1), "19*#");
    assert_eq!(digits(0), "19*#");
    assert!(sim.count_sent("INFO") >= 8);
}

/// Issue 14: at trace level the engine logs no password, no `Authorization` value and no SDES
/// key while it registers with digest, calls with SRTP keys in its SDP, sends digits and hangs
/// up; above debug it logs no IP address and no phone number.
#[test]
fn the_engine_logs_no_secret_and_no_personal_data_above_debug() {
    use tracing_subscriber::layer::SubscriberExt as _;

    use crate::logging::watch::{Lines, Recorder};

    const KEY: &str = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
    let lines = Lines::default();
    let subscriber = tracing_subscriber::registry().with(Recorder(lines.clone()));
    let sent = tracing::subscriber::with_default(subscriber, || {
        let mut sim = setup_register(
            21,
            Conditions::default(),
            RegistrarConfig::new("alice", "secret"),
            Transport::Udp,
        );
        sim.run_for(Duration::from_secs(2));
        assert!(registered(&sim, 0));
        let mut sent: Vec<String> = sim.sent.iter().map(|(_, _, m)| m.clone()).collect();

        let mut sim = pair(22, Conditions::default(), Transport::Udp);
        let secure = |port: u16| {
            let mut text = String::from_utf8(sdp(port)).unwrap();
            text.push_str(&format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY}\r\n"));
            text.into_bytes()
        };
        let a = CallHandle(1);
        sim.input(
            0,
            Input::command(Command::Dial {
                call: a,
                key: "a".into(),
                target: "sip:bob@127.0.0.1:5080".into(),
                sdp: secure(4000),
                caller_id: Some((Some("Front Desk".into()), "+14155550100".into())),
            }),
        );
        sim.run_for(Duration::from_millis(200));
        let b = incoming(&sim, 1).expect("incoming call");
        sim.input(
            1,
            Input::command(Command::Answer {
                call: b,
                sdp: secure(5000),
            }),
        );
        sim.run_for(Duration::from_millis(500));
        sim.input(0, Input::command(Command::InfoDigit { call: a, digit: '5' }));
        sim.run_for(Duration::from_millis(500));
        sim.input(0, Input::command(Command::Hangup { call: a }));
        sim.run_for(Duration::from_secs(2));
        sent.extend(sim.sent.iter().map(|(_, _, m)| m.clone()));
        sent
    });
    // The digest response the REGISTER carried.
    let response = sent
        .iter()
        .find_map(|m| m.split("response=\"").nth(1).and_then(|r| r.split('"').next()))
        .expect("an authenticated REGISTER")
        .to_owned();
    assert!(lines.count() >= 2, "the engine logged: {}", lines.count());
    let leaks = lines.leaks(&["secret", &response, KEY]);
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

/// Issue 14: a flood of new calls. Ten are taken on at once (four ring, the rest are busy),
/// everything past the burst gets 503 with Retry-After and leaves no transaction behind; a
/// second later five more are taken on.
#[test]
fn a_flood_of_invites_gets_busy_and_503_and_keeps_no_state() {
    let mut sim = Sim::new(23, Conditions::default());
    let ua = sim.add_ua(5070);
    let flow = Flow {
        transport: Transport::Udp,
        remote: "127.0.0.1:5999".parse().unwrap(),
    };
    let invite = |n: u32| {
        msg::Builder::request(&rsip::Method::Invite, "sip:alice@127.0.0.1:5070")
            .header(
                "Via",
                format!("SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKflood{n}"),
            )
            .header("From", format!("<sip:flood@127.0.0.1>;tag=f{n}"))
            .header("To", "<sip:alice@127.0.0.1>")
            .header("Call-ID", format!("flood-{n}"))
            .header("CSeq", "1 INVITE")
            .header("Contact", "<sip:flood@127.0.0.1:5999>")
            .body("application/sdp", sdp(7000))
            .to_bytes()
    };
    let config = sim.account(
        ua,
        "alice",
        "x",
        "127.0.0.1:5999".parse().unwrap(),
        Transport::Udp,
    );
    sim.input(
        ua,
        Input::command(Command::Register {
            key: "a".into(),
            config,
        }),
    );
    sim.sent.clear();
    let finals = |sim: &Sim, code: &str| {
        sim.sent
            .iter()
            .filter(|(_, _, m)| m.starts_with(&format!("SIP/2.0 {code}")))
            .count()
    };
    for n in 0..1000 {
        sim.input(
            ua,
            Input::Message {
                flow,
                bytes: &invite(n),
            },
        );
    }
    let ringing = sim
        .events_of(ua)
        .iter()
        .filter(|e| matches!(e, Event::Incoming { .. }))
        .count();
    assert_eq!(ringing, 4, "four calls ring");
    assert_eq!(finals(&sim, "486"), 6, "the rest of the burst is busy");
    assert_eq!(finals(&sim, "503"), 990, "the flood gets 503");
    assert!(
        sim.sent
            .iter()
            .filter(|(_, _, m)| m.starts_with("SIP/2.0 503"))
            .all(|(_, _, m)| m.contains("Retry-After: 5")),
        "with Retry-After"
    );
    let state = &sim.uas[ua].1;
    assert!(state.calls.len() <= 4, "{}", state.calls.len());
    assert!(
        state.core.server_txs.len() <= 10,
        "{}",
        state.core.server_txs.len()
    );
    // A second later the bucket has five new calls' room (they are busy: four still ring).
    sim.run_for(Duration::from_secs(1));
    sim.sent.clear();
    for n in 1000..1010 {
        sim.input(
            ua,
            Input::Message {
                flow,
                bytes: &invite(n),
            },
        );
    }
    assert_eq!(finals(&sim, "486"), 5);
    assert_eq!(finals(&sim, "503"), 5);
}

/// A registered phone with a call from the registrar's side (the proxy), answered and
/// acknowledged: returns the flow to the proxy.
fn call_through_registrar(sim: &mut Sim, transport: Transport) -> Flow {
    sim.run_for(Duration::from_secs(1));
    assert!(registered(sim, 0));
    let flow = Flow {
        transport,
        remote: sim.registrar.as_ref().unwrap().addr,
    };
    let invite = msg::Builder::request(&rsip::Method::Invite, "sip:alice@127.0.0.1:5070")
        .header("Via", "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKproxied1")
        .header("Max-Forwards", "70")
        .header("From", "<sip:bob@sim.test>;tag=bobtag")
        .header("To", "<sip:alice@sim.test>")
        .header("Call-ID", "reconnect@sim")
        .header("CSeq", "1 INVITE")
        .header("Contact", "<sip:bob@127.0.0.1:5080>")
        .header("Record-Route", "<sip:127.0.0.1:5060;lr;transport=tcp>")
        .body("application/sdp", sdp(5000))
        .to_bytes();
    sim.input(0, Input::Message { flow, bytes: &invite });
    let call = incoming(sim, 0).expect("incoming call");
    sim.input(0, Input::command(Command::Answer { call, sdp: sdp(4000) }));
    let ok = sim
        .sent
        .iter()
        .rev()
        .find(|(_, _, m)| m.starts_with("SIP/2.0 200") && m.contains("reconnect@sim"))
        .expect("200 OK")
        .2
        .clone();
    let to = ok
        .lines()
        .find_map(|l| l.strip_prefix("To: "))
        .expect("To")
        .to_owned();
    let ack = msg::Builder::request(&rsip::Method::Ack, "sip:alice@127.0.0.1:5070")
        .header("Via", "SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKproxied2")
        .header("Max-Forwards", "70")
        .header("From", "<sip:bob@sim.test>;tag=bobtag")
        .header("To", to)
        .header("Call-ID", "reconnect@sim")
        .header("CSeq", "1 ACK")
        .to_bytes();
    sim.input(0, Input::Message { flow, bytes: &ack });
    sim.run_for(Duration::from_secs(1));
    flow
}

/// The connection to the proxy breaks mid-call; the phone connects again (from another local
/// port) and registers: the call then sends a re-INVITE with its unchanged session and the new
/// Contact, so the far end's requests find the new connection. Over UDP nothing changes: no
/// re-INVITE.
#[test]
fn a_call_refreshes_its_target_once_registered_over_a_new_connection() {
    for transport in [Transport::Tcp, Transport::Udp] {
        let mut sim = setup_register(
            31,
            Conditions::default(),
            RegistrarConfig::new("alice", "secret"),
            transport,
        );
        let flow = call_through_registrar(&mut sim, transport);
        let reinvites = |sim: &Sim| {
            sim.sent
                .iter()
                .filter(|(_, _, m)| m.starts_with("INVITE") && m.contains("reconnect@sim"))
                .map(|(_, _, m)| m.clone())
                .collect::<Vec<_>>()
        };
        sim.input(0, Input::TransportError { flow });
        assert!(reinvites(&sim).is_empty(), "nothing before the registration");
        // The phone reconnects and registers the account with its new local address.
        let mut config = sim.account(0, "alice", "secret", flow.remote, transport);
        config.local.set_port(5071);
        sim.input(
            0,
            Input::command(Command::Register {
                key: "a".into(),
                config,
            }),
        );
        sim.run_for(Duration::from_secs(2));
        assert!(registered(&sim, 0));
        let sent = reinvites(&sim);
        if transport == Transport::Udp {
            assert!(sent.is_empty(), "UDP: {sent:?}");
            continue;
        }
        assert_eq!(sent.len(), 1, "one re-INVITE: {sent:?}");
        let reinvite = &sent[0];
        assert!(
            reinvite.starts_with("INVITE sip:bob@127.0.0.1:5080")
                && reinvite.contains("Route: <sip:127.0.0.1:5060;lr;transport=tcp>")
                && reinvite.contains("Contact: <sip:alice@127.0.0.1:5071;transport=tcp>")
                && reinvite.contains("m=audio 4000"),
            "{reinvite}"
        );
        assert!(
            !call_states(&sim, 0)
                .iter()
                .any(|s| matches!(s, CallState::Ended { .. })),
            "the call lives on"
        );
        // A second registration refresh sends no more re-INVITEs.
        sim.run_for(Duration::from_secs(700));
        assert_eq!(reinvites(&sim).len(), 1);
    }
}
