//! The harness itself: real Kamailio and baresip peers start, register, call each other through
//! Kamailio and survive a Kamailio restart; everything stops on drop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

const EVENT: Duration = Duration::from_secs(5);

/// A subscriber `user` (password `pw-user`) and a registered auto-answering phone for it.
fn phone(kamailio: &Kamailio, user: &str, transport: &'static str, ipv6: bool) -> Baresip {
    Baresip::start(
        kamailio,
        BaresipOptions {
            transport,
            ipv6,
            ..BaresipOptions::new(user, &format!("pw-{user}"))
        },
    )
}

/// `caller` dials `callee` through Kamailio; the callee answers by itself; the caller hangs up.
fn call(caller: &Baresip, callee: &Baresip) {
    caller.dial(&callee.sip_uri());
    let out = caller.wait_event("CALL_ESTABLISHED", EVENT);
    let inc = callee.wait_event("CALL_ESTABLISHED", EVENT);
    assert_eq!(out["direction"], "outgoing", "{out}");
    assert_eq!(inc["direction"], "incoming", "{inc}");
    assert_eq!(inc["peeruri"], caller.sip_uri().as_str(), "{inc}");
    caller.hangup();
    let closed = caller.wait_event("CALL_CLOSED", EVENT);
    callee.wait_event("CALL_CLOSED", EVENT);
    assert_eq!(closed["id"], out["id"], "{closed}");
}

/// The status line Kamailio answers a WebSocket upgrade (`sip` subprotocol) with.
fn websocket_upgrade(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the WS port");
    stream.set_read_timeout(Some(EVENT)).expect("read timeout");
    let request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: sip\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("send the upgrade");
    let mut answer = [0u8; 1024];
    let n = stream.read(&mut answer).expect("read the upgrade answer");
    String::from_utf8_lossy(&answer[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn udp_and_tcp_phones_call_each_other_through_kamailio() {
    let started = Instant::now();
    let kamailio = Kamailio::start(KamailioOptions::default());
    let alice = phone(&kamailio, "alice", "udp", false);
    let bob = phone(&kamailio, "bob", "tcp", false);
    call(&alice, &bob);
    call(&bob, &alice);
    assert_eq!(
        websocket_upgrade(kamailio.ws_port()),
        "HTTP/1.1 101 Switching Protocols"
    );
    eprintln!("udp/tcp call test: {:?}", started.elapsed());
}

#[test]
fn kamailio_restarts_on_the_same_ports_with_its_subscribers() {
    let started = Instant::now();
    let mut kamailio = Kamailio::start(KamailioOptions::default());
    let ports = [
        kamailio.udp_port(),
        kamailio.tls_port(),
        kamailio.ws_port(),
        kamailio.wss_port(),
    ];
    let alice = phone(&kamailio, "alice", "udp", false);
    let bob = phone(&kamailio, "bob", "tcp", false);
    kamailio.add_subscriber("carol", "pw-carol");
    let old_pid = kamailio.pid();

    kamailio.restart();
    assert_ne!(kamailio.pid(), old_pid);
    assert_eq!(
        ports,
        [
            kamailio.udp_port(),
            kamailio.tls_port(),
            kamailio.ws_port(),
            kamailio.wss_port()
        ]
    );

    // Registrations were in memory only: bob is unknown until he registers again.
    alice.dial(&bob.sip_uri());
    let closed = alice.wait_event("CALL_CLOSED", EVENT);
    assert!(
        closed["param"].as_str().unwrap_or_default().contains("404"),
        "{closed}"
    );
    bob.reregister();
    call(&alice, &bob);
    alice.reregister();

    // The subscriber table survived: carol, added before the restart, registers after it.
    let carol = Baresip::start(
        &kamailio,
        BaresipOptions {
            provision: false,
            transport: "tcp",
            ..BaresipOptions::new("carol", "pw-carol")
        },
    );
    call(&carol, &alice);
    assert_eq!(
        kamailio
            .log()
            .matches("==== handset harness: kamailio start")
            .count(),
        2
    );
    eprintln!("restart test: {:?}", started.elapsed());
}

#[test]
fn tls_and_ipv6_phones_call_each_other_through_kamailio() {
    let started = Instant::now();
    let kamailio = Kamailio::start(KamailioOptions {
        ipv6: true,
        ..KamailioOptions::default()
    });
    let dave = phone(&kamailio, "dave", "tls", false);
    let erin = phone(&kamailio, "erin", "udp", false);
    call(&dave, &erin);
    // IPv6, and a callee that answers by hand.
    let frank = phone(&kamailio, "frank", "udp", true);
    let grace = Baresip::start(
        &kamailio,
        BaresipOptions {
            transport: "tls",
            answer: "manual",
            ipv6: true,
            ..BaresipOptions::new("grace", "pw-grace")
        },
    );
    frank.dial(&grace.sip_uri());
    let incoming = grace.wait_event("CALL_INCOMING", EVENT);
    assert_eq!(incoming["peeruri"], frank.sip_uri().as_str(), "{incoming}");
    grace.accept();
    frank.wait_event("CALL_ESTABLISHED", EVENT);
    grace.wait_event("CALL_ESTABLISHED", EVENT);
    grace.hangup();
    frank.wait_event("CALL_CLOSED", EVENT);
    grace.wait_event("CALL_CLOSED", EVENT);
    eprintln!("tls/ipv6 call test: {:?}", started.elapsed());
}
