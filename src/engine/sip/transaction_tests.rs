use super::*;
use crate::engine::sip::msg::{Builder, parse};

fn request(method: Method) -> Builder {
    Builder::request(&method, "sip:bob@example.com")
        .header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest;rport")
        .header("Max-Forwards", "70")
        .header("From", "<sip:alice@example.com>;tag=a1")
        .header("To", "<sip:bob@example.com>")
        .header("Call-ID", "c1@test")
        .header("CSeq", format!("1 {method}"))
}

fn response(method: Method, code: u16) -> Parsed {
    let b = Builder::response(code, "X")
        .header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest;rport")
        .header("From", "<sip:alice@example.com>;tag=a1")
        .header("To", "<sip:bob@example.com>;tag=b1")
        .header("Call-ID", "c1@test")
        .header("CSeq", format!("1 {method}"));
    parse(&b.to_bytes()).unwrap()
}

/// Runs the client transaction's timers until it ends; returns the offsets of sends and the timeout.
fn run_timers(tx: &mut ClientTx, start: Instant) -> (Vec<Duration>, Option<Duration>) {
    let mut sends = Vec::new();
    let mut timeout = None;
    while let Some(at) = tx.deadline() {
        for a in tx.on_timeout(at) {
            match a {
                TxAction::Send(_) => sends.push(at - start),
                TxAction::Timeout => timeout = Some(at - start),
                TxAction::Deliver(_) => {}
            }
        }
    }
    (sends, timeout)
}

fn ms(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|m| Duration::from_millis(*m)).collect()
}

#[test]
fn invite_over_udp_retransmits_with_timer_a_and_times_out_with_timer_b() {
    let t0 = Instant::now();
    let (mut tx, first) = ClientTx::start(t0, Method::Invite, request(Method::Invite), false);
    assert!(matches!(first, TxAction::Send(_)));
    let (sends, timeout) = run_timers(&mut tx, t0);
    assert_eq!(sends, ms(&[500, 1500, 3500, 7500, 15500, 31500]));
    assert_eq!(timeout, Some(Duration::from_secs(32)));
    assert!(tx.is_terminated());
}

#[test]
fn non_invite_retransmits_capped_at_t2_and_at_t2_once_proceeding() {
    let t0 = Instant::now();
    let (mut tx, _) = ClientTx::start(t0, Method::Register, request(Method::Register), false);
    let (sends, timeout) = run_timers(&mut tx, t0);
    assert_eq!(
        sends,
        ms(&[500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
    );
    assert_eq!(timeout, Some(Duration::from_secs(32)));

    let (mut tx, _) = ClientTx::start(t0, Method::Register, request(Method::Register), false);
    let _ = tx.on_response(t0 + Duration::from_millis(100), response(Method::Register, 100));
    assert_eq!(tx.deadline(), Some(t0 + Duration::from_millis(100) + T2));
}

#[test]
fn reliable_transports_never_retransmit() {
    let t0 = Instant::now();
    let (mut tx, _) = ClientTx::start(t0, Method::Invite, request(Method::Invite), true);
    let (sends, timeout) = run_timers(&mut tx, t0);
    assert!(sends.is_empty());
    assert_eq!(timeout, Some(64 * T1));
}

#[test]
fn non_2xx_final_is_acked_and_the_ack_repeated_for_retransmissions() {
    let t0 = Instant::now();
    let (mut tx, _) = ClientTx::start(t0, Method::Invite, request(Method::Invite), false);
    let actions = tx.on_response(t0, response(Method::Invite, 486));
    let TxAction::Send(ack) = &actions[0] else {
        panic!("{actions:?}")
    };
    let ack = parse(ack).unwrap();
    assert_eq!(ack.request().unwrap().method, Method::Ack);
    assert_eq!(ack.info.to_tag.as_deref(), Some("b1"));
    assert_eq!(ack.info.branch, "z9hG4bKtest", "same branch as the INVITE");
    assert!(matches!(actions[1], TxAction::Deliver(_)));
    let again = tx.on_response(t0, response(Method::Invite, 486));
    assert!(
        matches!(&again[..], [TxAction::Send(_)]),
        "ACK re-sent, not delivered twice"
    );
    assert_eq!(tx.deadline(), Some(t0 + Duration::from_secs(32)), "timer D");
}

#[test]
fn invite_2xx_goes_to_accepted_and_retransmissions_are_delivered() {
    let t0 = Instant::now();
    let (mut tx, _) = ClientTx::start(t0, Method::Invite, request(Method::Invite), false);
    assert!(matches!(
        &tx.on_response(t0, response(Method::Invite, 180))[..],
        [TxAction::Deliver(_)]
    ));
    assert!(tx.is_proceeding());
    assert!(matches!(
        &tx.on_response(t0, response(Method::Invite, 200))[..],
        [TxAction::Deliver(_)]
    ));
    assert!(matches!(
        &tx.on_response(t0, response(Method::Invite, 200))[..],
        [TxAction::Deliver(_)]
    ));
    assert_eq!(tx.deadline(), Some(t0 + 64 * T1), "timer M");
}

#[test]
fn server_invite_retransmits_final_until_ack_with_timers_g_and_h() {
    let t0 = Instant::now();
    let mut tx = ServerTx::new(Method::Invite, false);
    tx.respond(t0, 100, b"100".to_vec());
    assert_eq!(tx.on_retransmission().len(), 1, "last provisional re-sent");
    tx.respond(t0, 486, b"486".to_vec());
    let mut sends = Vec::new();
    let mut timed_out = false;
    while let Some(at) = tx.deadline() {
        for a in tx.on_timeout(at) {
            match a {
                TxAction::Send(_) => sends.push(at - t0),
                TxAction::Timeout => timed_out = true,
                TxAction::Deliver(_) => {}
            }
        }
    }
    assert_eq!(
        sends,
        ms(&[500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
    );
    assert!(timed_out, "timer H");

    let mut tx = ServerTx::new(Method::Invite, false);
    tx.respond(t0, 603, b"603".to_vec());
    tx.on_ack(t0 + Duration::from_millis(10));
    assert_eq!(
        tx.deadline(),
        Some(t0 + Duration::from_millis(10) + T4),
        "timer I"
    );
    assert!(tx.on_retransmission().is_empty());
}

#[test]
fn server_non_invite_keeps_final_for_timer_j() {
    let t0 = Instant::now();
    let mut tx = ServerTx::new(Method::Options, false);
    tx.respond(t0, 200, b"200".to_vec());
    assert!(matches!(&tx.on_retransmission()[..], [TxAction::Send(b)] if b == b"200"));
    assert_eq!(tx.deadline(), Some(t0 + 64 * T1));
    let mut tcp = ServerTx::new(Method::Options, true);
    tcp.respond(t0, 200, b"200".to_vec());
    assert_eq!(tcp.deadline(), Some(t0));
}

#[test]
fn timer_k_and_timer_l() {
    let t0 = Instant::now();
    // K: a non-INVITE client keeps absorbing retransmitted finals for T4 over UDP, none over TCP.
    let (mut udp, _) = ClientTx::start(t0, Method::Register, request(Method::Register), false);
    let _ = udp.on_response(t0, response(Method::Register, 200));
    assert_eq!(udp.deadline(), Some(t0 + T4));
    assert!(
        udp.on_response(t0, response(Method::Register, 200)).is_empty(),
        "absorbed"
    );
    let (mut tcp, _) = ClientTx::start(t0, Method::Register, request(Method::Register), true);
    let _ = tcp.on_response(t0, response(Method::Register, 200));
    assert_eq!(tcp.deadline(), Some(t0));
    // L: a server INVITE answered 2xx absorbs INVITE retransmissions for 64*T1.
    let mut tx = ServerTx::new(Method::Invite, false);
    tx.respond(t0, 200, b"200".to_vec());
    assert_eq!(tx.deadline(), Some(t0 + 64 * T1));
    assert!(tx.on_retransmission().is_empty());
    let _ = tx.on_timeout(t0 + 64 * T1);
    assert!(tx.is_terminated());
}
