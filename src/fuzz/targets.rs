//! The fuzz targets: each runs the code Handset runs on bytes from the network or from a file.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rsip::Method;

use super::Target;
use crate::account::csv_format;
use crate::account::model::SipAccount;
use crate::account::validate::validate;
use crate::account::workspace::Workspace;
use crate::engine::rtp::{packet, rtcp};
use crate::engine::sdp::{self, Format, RemoteIce};
use crate::engine::sip::msg::{self, Builder};
use crate::engine::{
    AccountConfig, CallHandle, Command, Event, Flow, Input, Output, SeededRandom, Transport, UserAgent, sdes,
};
use crate::media::codec;
use crate::media::dtls::{DtlsIdentity, DtlsSession};
use crate::media::ice::IceAgent;
use crate::media::rtp_session::receive::Receiver;
use crate::net::framing::Framer;

/// Every target, fresh.
pub fn all() -> Vec<Box<dyn Target>> {
    vec![
        Box::new(SipParser),
        Box::new(SipEngine::default()),
        Box::new(StreamFraming),
        Box::new(Sdp),
        Box::new(RtpReceive::default()),
        Box::new(Rtcp),
        Box::new(Stun::default()),
        Box::new(Dtls::default()),
        Box::new(CsvImport),
        Box::new(ProfileFiles),
    ]
}

/// A hash of what the code made of the input.
fn outcome(parts: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// The kind of a value (enum variant name) without its contents.
fn kind(value: &impl std::fmt::Debug) -> String {
    let text = format!("{value:?}");
    text.split(['(', ' ', '{']).next().unwrap_or_default().to_owned()
}

/// Parts of a multi-message input, split at this marker.
const SEPARATOR: &[u8] = b"\0\0\0\0";

fn parts(input: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = input;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(i) => {
                let part = &rest[..i];
                rest = &rest[i + SEPARATOR.len()..];
                Some(part)
            }
            None => Some(std::mem::take(&mut rest)),
        }
    })
}

fn join(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.join(SEPARATOR)
}

const SIP_WORDS: &[&str] = &[
    "\r\n",
    "\r\n\r\n",
    ": ",
    ";",
    ",",
    "<",
    ">",
    "\"",
    "SIP/2.0",
    "sip:",
    "sips:",
    "tel:",
    "@",
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK",
    "Via: ",
    "v: ",
    "From: ",
    "To: ",
    "Call-ID: ",
    "CSeq: ",
    "Contact: ",
    "Content-Length: ",
    "l: ",
    "Content-Type: application/sdp",
    "Record-Route: ",
    "Route: ",
    "Max-Forwards: ",
    "Expires: ",
    "Min-Expires: ",
    "Retry-After: ",
    "Session-Expires: ",
    "Min-SE: ",
    "Require: ",
    "Supported: timer, replaces",
    "WWW-Authenticate: Digest ",
    "Proxy-Authenticate: Digest ",
    "realm=\"",
    "nonce=\"",
    "qop=\"auth\"",
    "algorithm=SHA-256",
    "stale=true",
    "Refer-To: ",
    "Referred-By: ",
    "Replaces: ",
    "?Replaces=",
    "%40",
    "%3B",
    "to-tag=",
    "from-tag=",
    "early-only",
    "Event: refer",
    "Subscription-State: terminated",
    "Content-Type: message/sipfrag",
    "Content-Type: application/dtmf-relay",
    "Signal=",
    "Duration=",
    ";tag=",
    ";branch=",
    ";received=",
    ";rport=",
    ";expires=",
    ";lr",
    ";transport=tcp",
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "REGISTER",
    "OPTIONS",
    "INFO",
    "UPDATE",
    "REFER",
    "NOTIFY",
    "PRACK",
    "100",
    "180",
    "183",
    "200",
    "401",
    "407",
    "422",
    "481",
    "487",
    "491",
    "503",
    "[::1]",
    "m=audio ",
    "a=rtpmap:",
];

/// `engine::sip::msg::parse` and the accessors the engine calls on what it returns.
struct SipParser;

impl Target for SipParser {
    fn name(&self) -> &'static str {
        "sip-parser"
    }

    /// A SIP message over UDP may be 64 KiB.
    fn max_len(&self) -> usize {
        64 * 1024
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        sip_seeds()
    }

    fn dictionary(&self) -> &'static [&'static str] {
        SIP_WORDS
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        match msg::parse(input) {
            Ok(p) => {
                let method = p.request().map(|r| r.method.to_string());
                let uri = p.request().map(|r| r.uri.to_string());
                let status = p.status();
                let contacts = p.header("Contact").map(|c| msg::split_contacts(&c).len());
                let from = p.header("From").map(|f| msg::addr_uri(&f));
                let tag = p.header("To").and_then(|t| msg::header_param(&t, "tag"));
                let _ = msg::response_to(&p, 200, Some("t")).to_bytes();
                let _ = crate::engine::sip::sipfrag::status(p.body());
                outcome((
                    method,
                    status,
                    uri.is_some(),
                    contacts,
                    from.is_some(),
                    tag.is_some(),
                ))
            }
            Err(e) => outcome(kind(&e)),
        }
    }
}

/// Messages a peer sends: requests of every kind and responses, with bodies.
fn sip_seeds() -> Vec<Vec<u8>> {
    let invite = incoming_invite("in1", 1);
    let mut seeds = vec![
        invite.clone(),
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa;received=127.0.0.1;rport=5070\r\nFrom: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:alice@127.0.0.1>;tag=2\r\nCall-ID: r@x\r\nCSeq: 2 REGISTER\r\nContact: <sip:alice@127.0.0.1:5070>;expires=600, <sip:alice@10.0.0.1>;expires=30\r\nContent-Length: 0\r\n\r\n".to_vec(),
        b"SIP/2.0 401 Unauthorized\r\nv: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKb\r\nf: <sip:alice@127.0.0.1>;tag=1\r\nt: <sip:alice@127.0.0.1>;tag=3\r\ni: r@x\r\nCSeq: 1 REGISTER\r\nWWW-Authenticate: Digest realm=\"127.0.0.1\", nonce=\"abc\", qop=\"auth,auth-int\", algorithm=MD5\r\nl: 0\r\n\r\n".to_vec(),
    ];
    seeds.push(in_dialog("BYE", "in1", 2, ("", ""), &[]));
    seeds.push(in_dialog(
        "NOTIFY",
        "in1",
        3,
        ("message/sipfrag;version=2.0", "SIP/2.0 200 OK\r\n"),
        &[
            ("Event", "refer"),
            ("Subscription-State", "terminated;reason=noresource"),
        ],
    ));
    seeds.push(in_dialog(
        "REFER",
        "in1",
        4,
        ("", ""),
        &[
            (
                "Refer-To",
                "<sip:carol@127.0.0.1?Replaces=c1%40x%3Bto-tag%3Da%3Bfrom-tag%3Db>",
            ),
            ("Referred-By", "<sip:bob@127.0.0.1>"),
        ],
    ));
    seeds.push(in_dialog(
        "INFO",
        "in1",
        5,
        ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"),
        &[],
    ));
    seeds
}

/// An INVITE from Bob to Alice (the account of [`SipEngine`]) with an SDP offer.
fn incoming_invite(call_id: &str, cseq: u32) -> Vec<u8> {
    Builder::request(&Method::Invite, "sip:alice@127.0.0.1:5070")
        .header("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKinv1")
        .header("Max-Forwards", "70")
        .header("From", "\"Bob\" <sip:bob@127.0.0.1>;tag=bobtag")
        .header("To", "<sip:alice@127.0.0.1>")
        .header("Call-ID", call_id)
        .header("CSeq", format!("{cseq} INVITE"))
        .header("Contact", "<sip:bob@127.0.0.1:5080>")
        .header("Record-Route", "<sip:127.0.0.1:5060;lr>")
        .header("Supported", "timer, replaces")
        .header("Session-Expires", "1800;refresher=uac")
        .body("application/sdp", offer_sdp().into_bytes())
        .to_bytes()
}

/// A request from Bob in the dialog of [`incoming_invite`] (Alice's tag is the engine's first).
fn in_dialog(
    method: &str,
    call_id: &str,
    cseq: u32,
    body: (&str, &str),
    headers: &[(&str, &str)],
) -> Vec<u8> {
    let method: Method = method.parse().unwrap_or(Method::Options);
    let mut b = Builder::request(&method, "sip:alice@127.0.0.1:5070")
        .header("Via", format!("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKd{cseq}"))
        .header("From", "\"Bob\" <sip:bob@127.0.0.1>;tag=bobtag")
        .header("To", format!("<sip:alice@127.0.0.1>;tag={}", engine_tag()))
        .header("Call-ID", call_id)
        .header("CSeq", format!("{cseq} {method}"))
        .header("Contact", "<sip:bob@127.0.0.1:5080>");
    for (name, value) in headers {
        b = b.header(name, *value);
    }
    let (content_type, body) = body;
    if body.is_empty() {
        b.to_bytes()
    } else {
        b.body(content_type, body.as_bytes().to_vec()).to_bytes()
    }
}

/// The tag [`SipEngine`]'s user agent gives the first dialog it answers (its random numbers
/// come from a fixed seed).
fn engine_tag() -> String {
    let (mut ua, now) = fresh_engine();
    let invite = incoming_invite("tag-probe", 1);
    ua.handle_input(
        now,
        Input::Message {
            flow: registrar_flow(),
            bytes: &invite,
        },
    );
    let mut tag = String::new();
    drain(&mut ua, now, &mut |bytes| {
        if let Ok(p) = msg::parse(bytes)
            && p.status() == Some(200)
        {
            tag = p
                .header("To")
                .and_then(|t| msg::header_param(&t, "tag"))
                .unwrap_or_default();
        }
    });
    tag
}

fn offer_sdp() -> String {
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
     m=audio 4000 RTP/AVP 111 0 8 9 3 18 101\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n\
     a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\na=rtcp-mux\r\n\
     a=rtcp:4001\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n\
     a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n\
     a=candidate:1 1 udp 2130706431 127.0.0.1 4000 typ host\r\n\
     a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n\
     a=setup:actpass\r\nm=video 0 RTP/AVP 96\r\n"
        .to_owned()
}

fn registrar_flow() -> Flow {
    Flow {
        transport: Transport::Udp,
        remote: SocketAddr::from(([127, 0, 0, 1], 5060)),
    }
}

/// A user agent with Alice's account registering and one call to Bob being placed.
fn fresh_engine() -> (UserAgent, Instant) {
    let now = Instant::now();
    let mut ua = UserAgent::new(now, Box::new(SeededRandom::new(7)));
    let config = AccountConfig {
        user: "alice".into(),
        domain: "127.0.0.1".into(),
        auth_user: "alice".into(),
        password: "secret".into(),
        display_name: Some("Alice".into()),
        flow: registrar_flow(),
        local: SocketAddr::from(([127, 0, 0, 1], 5070)),
        expires: 600,
        instance_id: "urn:uuid:00000000-0000-4000-8000-000000000001".into(),
        user_agent: "Handset-fuzz".into(),
        keepalive: Some(Duration::from_secs(30)),
    };
    ua.handle_input(
        now,
        Input::command(Command::Register {
            key: "a".into(),
            config,
        }),
    );
    ua.handle_input(
        now,
        Input::command(Command::Dial {
            call: CallHandle(1),
            key: "a".into(),
            target: "sip:bob@127.0.0.1".into(),
            sdp: offer_sdp().into_bytes(),
            caller_id: None,
        }),
    );
    (ua, now)
}

/// Hands what the agent sends to `sent`, answers incoming calls and accepts transfers (to
/// reach the code of established dialogs); the kinds of events, for the outcome.
fn drain(ua: &mut UserAgent, now: Instant, sent: &mut dyn FnMut(&[u8])) -> Vec<String> {
    let mut kinds = Vec::new();
    let mut commands = Vec::new();
    while let Some(out) = ua.poll_output() {
        match out {
            Output::Transmit(t) => sent(&t.bytes),
            Output::Event(e) => {
                match &e {
                    Event::Incoming { call, sdp, .. } => commands.push(Command::Answer {
                        call: *call,
                        sdp: sdp::answer(
                            1,
                            &String::from_utf8_lossy(sdp),
                            &[Format::Pcmu],
                            [127, 0, 0, 1].into(),
                            4002,
                        )
                        .unwrap_or_default()
                        .into_bytes(),
                    }),
                    Event::TransferRequested { call, .. } => commands.push(Command::TransferStatus {
                        call: *call,
                        code: 100,
                    }),
                    _ => {}
                }
                kinds.push(kind(&e));
            }
            // Nothing more to send or report until then.
            Output::Timeout(_) => break,
        }
    }
    for c in commands {
        ua.handle_input(now, Input::command(c));
        kinds.extend(drain(ua, now, sent));
    }
    kinds
}

/// The whole SIP engine: the input is one to sixteen messages (split at four NUL bytes) from
/// the registrar's address to a user agent that registers and places a call; incoming calls
/// are answered; then 64 s of timers run.
#[derive(Default)]
struct SipEngine {
    seeds: Vec<Vec<u8>>,
}

impl SipEngine {
    /// Responses that match what the agent sent: its REGISTER challenged then accepted, its
    /// INVITE rung and answered, then the far end's BYE.
    fn conversation() -> Vec<Vec<u8>> {
        let (mut ua, now) = fresh_engine();
        let mut sent: Vec<Vec<u8>> = Vec::new();
        drain(&mut ua, now, &mut |b| sent.push(b.to_vec()));
        let find = |start: &str| {
            sent.iter()
                .find(|m| m.starts_with(start.as_bytes()))
                .and_then(|m| msg::parse(m).ok())
        };
        let mut parts = Vec::new();
        if let Some(register) = find("REGISTER") {
            parts.push(
                msg::response_to(&register, 401, Some("reg"))
                    .header(
                        "WWW-Authenticate",
                        "Digest realm=\"127.0.0.1\", nonce=\"n1\", qop=\"auth\"",
                    )
                    .to_bytes(),
            );
            parts.push(
                msg::response_to(&register, 200, Some("reg"))
                    .header("Contact", "<sip:alice@127.0.0.1:5070>;expires=600")
                    .to_bytes(),
            );
        }
        if let Some(invite) = find("INVITE") {
            parts.push(msg::response_to(&invite, 180, Some("far")).to_bytes());
            parts.push(
                msg::response_to(&invite, 200, Some("far"))
                    .header("Contact", "<sip:bob@127.0.0.1:5080>")
                    .body("application/sdp", offer_sdp().into_bytes())
                    .to_bytes(),
            );
            let call_id = invite.header("Call-ID").unwrap_or_default();
            let from = invite.header("From").unwrap_or_default();
            let to = invite.header("To").unwrap_or_default();
            parts.push(
                Builder::request(&Method::Bye, "sip:alice@127.0.0.1:5070")
                    .header("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKbye")
                    .header("From", format!("{to};tag=far"))
                    .header("To", from)
                    .header("Call-ID", call_id)
                    .header("CSeq", "9 BYE")
                    .to_bytes(),
            );
        }
        parts
    }
}

impl Target for SipEngine {
    fn name(&self) -> &'static str {
        "sip-engine"
    }

    /// A SIP message over UDP may be 64 KiB.
    fn max_len(&self) -> usize {
        64 * 1024
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        if self.seeds.is_empty() {
            let conversation = SipEngine::conversation();
            let incoming = vec![
                incoming_invite("in1", 1),
                in_dialog("ACK", "in1", 1, ("", ""), &[]),
                in_dialog(
                    "INFO",
                    "in1",
                    2,
                    ("application/dtmf-relay", "Signal=#\r\nDuration=100\r\n"),
                    &[],
                ),
                in_dialog(
                    "REFER",
                    "in1",
                    3,
                    ("", ""),
                    &[
                        ("Refer-To", "<sip:carol@127.0.0.1>"),
                        ("Referred-By", "<sip:bob@127.0.0.1>"),
                    ],
                ),
                in_dialog("UPDATE", "in1", 4, ("", ""), &[("Session-Expires", "90")]),
                in_dialog("BYE", "in1", 5, ("", ""), &[]),
            ];
            let replacing = vec![
                incoming_invite("in1", 1),
                in_dialog("ACK", "in1", 1, ("", ""), &[]),
                {
                    let mut invite = String::from_utf8_lossy(&incoming_invite("in2", 1)).into_owned();
                    let tag = engine_tag();
                    invite = invite.replacen(
                        "Call-ID: in2\r\n",
                        &format!("Call-ID: in2\r\nReplaces: in1;to-tag={tag};from-tag=bobtag\r\n"),
                        1,
                    );
                    invite.into_bytes()
                },
            ];
            self.seeds = vec![join(&conversation), join(&incoming), join(&replacing)];
            self.seeds.extend(sip_seeds());
        }
        self.seeds.clone()
    }

    fn dictionary(&self) -> &'static [&'static str] {
        SIP_WORDS
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        let (mut ua, start) = fresh_engine();
        let mut summary = Vec::new();
        let mut first_lines = |b: &[u8]| {
            let line = b.split(|c| *c == b'\r').next().unwrap_or_default();
            summary.push(String::from_utf8_lossy(&line[..line.len().min(12)]).into_owned());
        };
        let mut kinds = drain(&mut ua, start, &mut first_lines);
        let mut now = start;
        for part in parts(input).take(16) {
            now += Duration::from_millis(20);
            ua.handle_input(
                now,
                Input::Message {
                    flow: registrar_flow(),
                    bytes: part,
                },
            );
            kinds.extend(drain(&mut ua, now, &mut first_lines));
        }
        // The timers of the next 64 s (retransmissions, timeouts, refreshes).
        let end = now + Duration::from_secs(64);
        for _ in 0..200 {
            match ua.next_deadline() {
                Some(t) if t <= end => {
                    now = now.max(t);
                    ua.handle_input(now, Input::Timeout);
                    kinds.extend(drain(&mut ua, now, &mut first_lines));
                }
                _ => break,
            }
        }
        outcome((summary, kinds))
    }
}

/// The TCP/TLS stream framer: the input arrives in pieces; each framed message is parsed.
struct StreamFraming;

impl Target for StreamFraming {
    fn name(&self) -> &'static str {
        "sip-stream-framing"
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        let mut all = sip_seeds().concat();
        all.extend_from_slice(b"\r\n\r\n");
        all.extend_from_slice(&incoming_invite("x", 1));
        vec![all, b"\r\n\r\n\r\n".to_vec()]
    }

    fn dictionary(&self) -> &'static [&'static str] {
        SIP_WORDS
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        let mut framer = Framer::default();
        let mut results = Vec::new();
        // Pieces of a length set by the first byte (as TCP segments arrive).
        let step = usize::from(input.first().copied().unwrap_or(1)).max(1) * 7;
        // A framing error closes the connection (as the transport does): nothing after it is read.
        'pieces: for piece in input.chunks(step) {
            framer.push(piece);
            loop {
                match framer.next_message() {
                    Ok(Some(m)) => results.push(msg::parse(&m).map(|_| ()).map_err(|e| kind(&e))),
                    Ok(None) => break,
                    Err(e) => {
                        results.push(Err(kind(&e)));
                        break 'pieces;
                    }
                }
            }
        }
        outcome(results)
    }
}

/// SDP from the far end: what negotiation reads of it, and our answer.
struct Sdp;

impl Target for Sdp {
    fn name(&self) -> &'static str {
        "sdp"
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        vec![
            offer_sdp().into_bytes(),
            sdp::offer(5, [127, 0, 0, 1].into(), 4000, &[Format::Opus, Format::G722, Format::Pcma]).into_bytes(),
            b"v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-lite\r\na=end-of-candidates\r\na=inactive\r\n".to_vec(),
        ]
    }

    fn dictionary(&self) -> &'static [&'static str] {
        &[
            "\r\n",
            "m=audio ",
            "m=video ",
            "c=IN IP4 ",
            "c=IN IP6 ",
            "a=rtpmap:",
            "a=fmtp:",
            "a=ptime:",
            "a=rtcp:",
            "a=rtcp-mux",
            "a=crypto:",
            "inline:",
            "AES_CM_128_HMAC_SHA1_32",
            "AEAD_AES_128_GCM",
            "a=fingerprint:sha-256 ",
            "a=setup:active",
            "a=setup:passive",
            "a=ice-ufrag:",
            "a=ice-pwd:",
            "a=candidate:",
            " typ srflx raddr ",
            " rport ",
            "a=sendonly",
            "a=recvonly",
            "a=inactive",
            "RTP/SAVP",
            "RTP/SAVPF",
            "UDP/TLS/RTP/SAVPF",
            "opus/48000/2",
            "PCMU/8000",
            "telephone-event/8000",
            "G729/8000",
            "/",
            " ",
            ":",
        ]
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        let text = String::from_utf8_lossy(input);
        let formats = sdp::offered_formats(&text);
        let media = sdp::remote_media(&text);
        let ice = sdp::remote_ice(&text);
        let cryptos = sdes::cryptos(&text);
        let dtls = crate::media::dtls::remote_dtls(&text);
        let dtmf = sdp::telephone_event(&text, 8000);
        let rtcp = sdp::rtcp_port(&text, 4000);
        let all = [
            Format::Opus,
            Format::G722,
            Format::Pcmu,
            Format::Pcma,
            Format::Gsm,
            Format::G729,
        ];
        let answer = sdp::answer(9, &text, &all, [127, 0, 0, 1].into(), 4002);
        let held = sdp::with_direction(&text, sdp::answer_direction(&text));
        outcome((
            formats.map(|f| f.len()),
            media.is_some(),
            ice.map(|i| (i.candidates.len(), i.lite)),
            cryptos.len(),
            dtls.0.is_some(),
            dtmf.is_some(),
            rtcp,
            answer.map_err(|e| kind(&e)).is_ok(),
            sdp::direction(&held),
        ))
    }
}

/// The RTP receive path: packets (each behind a two-byte length) through the parser, the
/// receiver's source checks, jitter buffer and DTMF events, then decoded by the codec the
/// first byte picks (made once per target: decoders carry state from call to call as they
/// would across packets); a 20 ms frame is played between packets; at most 64 packets.
#[derive(Default)]
struct RtpReceive {
    codecs: Vec<Box<dyn codec::AudioCodec>>,
}

const CODECS: &[(&str, u8)] = &[
    ("PCMU", 0),
    ("PCMA", 8),
    ("G722", 9),
    ("GSM", 3),
    ("opus", 111),
    ("G729", 18),
];

impl Target for RtpReceive {
    fn name(&self) -> &'static str {
        "rtp-receive"
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        CODECS
            .iter()
            .enumerate()
            .map(|(i, (name, pt))| {
                let mut codec = codec::make(name).expect("codec");
                let frame = codec::frame_samples(codec.as_ref());
                let tone: Vec<i16> = (0..frame)
                    .map(|n| ((n as f32 * 0.2).sin() * 8000.0) as i16)
                    .collect();
                let mut input = vec![i as u8];
                for n in 0..6u16 {
                    let mut payload = Vec::new();
                    codec.encode(&tone, &mut payload);
                    let (pt, payload) = if n == 4 {
                        (101, vec![5, 0x80 | 10, 0, 160])
                    } else {
                        (*pt, payload)
                    };
                    let header = packet::RtpHeader {
                        marker: n == 0,
                        payload_type: pt,
                        sequence: 1000 + n,
                        timestamp: 160 * u32::from(n),
                        ssrc: 0x1234_5678,
                    };
                    let mut bytes = Vec::new();
                    packet::write(&header, &payload, &mut bytes);
                    input.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
                    input.extend_from_slice(&bytes);
                }
                input
            })
            .collect()
    }

    fn reset(&mut self) {
        self.codecs.clear();
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        let Some((&pick, mut rest)) = input.split_first() else {
            return 0;
        };
        if self.codecs.is_empty() {
            self.codecs = CODECS.iter().filter_map(|(name, _)| codec::make(name)).collect();
        }
        let i = usize::from(pick) % CODECS.len();
        let pt = CODECS[i].1;
        let Some(codec) = self.codecs.get_mut(i) else {
            return 1;
        };
        let mut receiver = Receiver::new(pt, Some(101), codec.as_ref());
        let mut results = Vec::new();
        let mut out = Vec::new();
        let mut clock = 0u64;
        while rest.len() >= 2 && results.len() < 64 {
            let len = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
            let datagram = &rest[2..2 + len];
            rest = &rest[2 + len..];
            clock += 160;
            match packet::parse(datagram) {
                Ok(p) => results.push(kind(&receiver.on_packet(&p, clock))),
                Err(e) => results.push(kind(&e)),
            }
            out.clear();
            receiver.next_frame(codec.as_mut(), clock, &mut out);
        }
        outcome(results)
    }
}

/// RTCP compound packets.
struct Rtcp;

impl Target for Rtcp {
    fn name(&self) -> &'static str {
        "rtcp"
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        let mut sr = Vec::new();
        let info = rtcp::SenderInfo {
            ntp: 1 << 40,
            rtp_timestamp: 160,
            packets: 10,
            octets: 1600,
        };
        let block = rtcp::ReportBlock {
            ssrc: 2,
            fraction_lost: 3,
            cumulative_lost: 4,
            highest_seq: 5,
            jitter: 6,
            last_sr: 7,
            delay_since_last_sr: 8,
        };
        rtcp::write_compound(1, Some(&info), &[block], "handset@127.0.0.1", false, &mut sr);
        let mut rr = Vec::new();
        rtcp::write_compound(1, None, &[], "x", true, &mut rr);
        vec![sr, rr]
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        match rtcp::parse(input) {
            Ok(packets) => outcome(packets.iter().map(kind).collect::<Vec<_>>()),
            Err(e) => outcome(kind(&e)),
        }
    }
}

/// STUN through the ICE agent (connectivity checks and their answers). The seeds are the
/// checks a second agent, which knows this one's credentials, sends it.
#[derive(Default)]
struct Stun {
    agent: Option<IceAgent>,
}

const LOCAL: ([u8; 4], u16) = ([127, 0, 0, 1], 4002);
const REMOTE: ([u8; 4], u16) = ([127, 0, 0, 1], 4000);

fn remote_of(agent: &IceAgent) -> RemoteIce {
    let local = agent.local_description();
    RemoteIce {
        ufrag: local.ufrag,
        pwd: local.pwd,
        candidates: local.candidates,
        lite: false,
        end_of_candidates: true,
    }
}

impl Stun {
    /// The agent under test and, the first time, its peer's first checks.
    fn agent(&mut self) -> (Option<&mut IceAgent>, Vec<Vec<u8>>) {
        let mut checks = Vec::new();
        if self.agent.is_none() {
            let now = Instant::now();
            let pair = IceAgent::new(SocketAddr::from(LOCAL), None, now)
                .and_then(|a| Ok((a, IceAgent::new(SocketAddr::from(REMOTE), None, now)?)));
            if let Ok((mut agent, mut peer)) = pair
                && agent.start(&remote_of(&peer), false, now).is_ok()
                && peer.start(&remote_of(&agent), true, now).is_ok()
            {
                for step in 1..20 {
                    peer.handle_timeout(now + Duration::from_millis(50 * step));
                    while let Some((_, bytes)) = peer.poll_transmit() {
                        checks.push(bytes);
                    }
                }
                self.agent = Some(agent);
            }
        }
        (self.agent.as_mut(), checks)
    }
}

impl Target for Stun {
    fn name(&self) -> &'static str {
        "stun"
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        self.agent = None;
        let (_, mut seeds) = self.agent();
        seeds.push(vec![
            0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
        ]);
        seeds
    }

    fn dictionary(&self) -> &'static [&'static str] {
        &[
            "\u{0}\u{6}\u{0}\u{9}",
            "\u{80}\u{28}\u{0}\u{4}",
            "\u{0}\u{8}\u{0}\u{14}",
            "\u{0}\u{24}\u{0}\u{4}",
            "\u{80}\u{29}\u{0}\u{8}",
            "\u{0}\u{25}\u{0}\u{0}",
            "!\u{12}\u{a4}B",
            "\u{1}\u{1}",
        ]
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        let (Some(agent), _) = self.agent() else {
            return 0;
        };
        agent.on_stun(Instant::now(), SocketAddr::from(REMOTE), input);
        let mut answers = Vec::new();
        while let Some((_, bytes)) = agent.poll_transmit() {
            answers.push(bytes.get(..2).map(<[u8]>::to_vec));
        }
        let mut m = rtc_stun::message::Message::new();
        let decoded = m
            .unmarshal_binary(input)
            .map(|()| {
                (
                    m.typ.to_string(),
                    m.attributes.0.iter().map(|a| a.typ.value()).collect::<Vec<_>>(),
                )
            })
            .map_err(|e| kind(&e));
        outcome((answers, agent.selected().is_some(), decoded))
    }

    fn reset(&mut self) {
        self.agent = None;
    }
}

/// DTLS records from the far end to a session waiting as server (the ClientHello first); a
/// session that failed is started again.
#[derive(Default)]
struct Dtls {
    identity: Option<DtlsIdentity>,
    session: Option<DtlsSession>,
}

impl Dtls {
    fn session(&mut self) -> Option<&mut DtlsSession> {
        if self.identity.is_none() {
            self.identity = DtlsIdentity::generate().ok();
        }
        if self.session.is_none() {
            let identity = self.identity.as_ref()?;
            self.session = DtlsSession::new(
                identity,
                false,
                SocketAddr::from(LOCAL),
                SocketAddr::from(REMOTE),
                &identity.fingerprint(),
                Instant::now(),
            )
            .ok();
        }
        self.session.as_mut()
    }
}

impl Target for Dtls {
    fn name(&self) -> &'static str {
        "dtls"
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        // A client's first flight: its ClientHello record.
        let Some(identity) = self.identity.clone().or_else(|| DtlsIdentity::generate().ok()) else {
            return Vec::new();
        };
        let now = Instant::now();
        let Ok(mut client) = DtlsSession::new(
            &identity,
            true,
            SocketAddr::from(REMOTE),
            SocketAddr::from(LOCAL),
            &identity.fingerprint(),
            now,
        ) else {
            return Vec::new();
        };
        let mut seeds = Vec::new();
        while let Some((_, bytes)) = client.poll_transmit() {
            seeds.push(bytes);
        }
        seeds
    }

    fn dictionary(&self) -> &'static [&'static str] {
        &[
            "\u{16}\u{fe}\u{fd}",
            "\u{16}\u{fe}\u{ff}",
            "\u{14}\u{fe}\u{fd}",
            "\u{15}\u{fe}\u{fd}",
            "\u{17}\u{fe}\u{fd}",
        ]
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        let Some(session) = self.session() else {
            return 0;
        };
        let result = session.on_datagram(Instant::now(), SocketAddr::from(REMOTE), input);
        let mut flights = 0;
        while session.poll_transmit().is_some() {
            flights += 1;
        }
        let summary = outcome((result.as_ref().map(|k| k.is_some()).map_err(kind), flights));
        if result.is_err() {
            self.session = None;
        }
        summary
    }

    fn reset(&mut self) {
        self.session = None;
    }
}

/// An account import file: parsed, each row applied to a new account and validated.
struct CsvImport;

impl Target for CsvImport {
    fn name(&self) -> &'static str {
        "csv-import"
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        let mut a = SipAccount {
            name: "Front desk".into(),
            ..Default::default()
        };
        a.credentials.username = "frontdesk".into();
        a.credentials.domain = "pbx.example.com".into();
        let exported = csv_format::export(&[a.clone(), a], None);
        vec![
            exported.into_bytes(),
            b"\xef\xbb\xbfName,Username,Codecs\n\"Desk, 2\",desk2,\"opus,pcmu\"\n=cmd,x,\n".to_vec(),
        ]
    }

    fn dictionary(&self) -> &'static [&'static str] {
        &[
            ",",
            "\"",
            "\n",
            "\r\n",
            "yes",
            "no",
            "=",
            "+",
            "-",
            "@",
            "opus",
            "pcmu",
            "tls",
            "udp",
            "srtp-sdes",
            "*",
        ]
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        let text = String::from_utf8_lossy(input);
        match csv_format::parse(&text) {
            Ok(rows) => {
                let workspace = Workspace::default();
                let mut problems = 0;
                let mut accounts: Vec<SipAccount> = Vec::new();
                for row in &rows {
                    let mut account = SipAccount::default();
                    problems += row.apply(&mut account).len();
                    problems += validate(&account, &workspace, &accounts).len();
                    let _ = row.password();
                    accounts.push(account);
                }
                let _ = csv_format::export(&accounts, None);
                outcome((rows.len().min(4), problems.min(16)))
            }
            Err(problems) => outcome(problems.iter().map(|p| p.message.len() % 7).collect::<Vec<_>>()),
        }
    }
}

/// The files of a profile: the accounts document (TOML), the call history and an outbox job
/// (JSON); the first byte picks which.
struct ProfileFiles;

impl Target for ProfileFiles {
    fn name(&self) -> &'static str {
        "profile-files"
    }

    fn seeds(&mut self) -> Vec<Vec<u8>> {
        let mut doc = crate::account::store::Document {
            profile_id: "p1".into(),
            ..Default::default()
        };
        let mut a = SipAccount {
            name: "Desk".into(),
            ..Default::default()
        };
        a.credentials.username = "desk".into();
        a.credentials.domain = "pbx.example.com".into();
        doc.accounts.push(a);
        let toml = toml::to_string(&doc).unwrap_or_default();
        vec![
            [b"\x00".as_slice(), toml.as_bytes()].concat(),
            b"\x01{\"calls\":[{\"account\":\"a\",\"remote\":\"sip:b@x\",\"direction\":\"outgoing\",\"started\":1,\"seconds\":3}]}".to_vec(),
            b"\x02{\"id\":\"1\",\"recording\":\"/tmp/r.wav\",\"method\":\"email\",\"attempts\":0,\"next_try\":0}".to_vec(),
        ]
    }

    fn dictionary(&self) -> &'static [&'static str] {
        &[
            "=",
            "\"",
            "[",
            "]",
            "{",
            "}",
            "[[accounts]]",
            "version = ",
            "\n",
            ":",
            ",",
            "null",
            "true",
            "1e400",
            "\\u0000",
        ]
    }

    fn run(&mut self, input: &[u8]) -> u64 {
        let Some((&pick, rest)) = input.split_first() else {
            return 0;
        };
        match pick % 3 {
            0 => match crate::account::store::parse_document(rest) {
                Ok(doc) => {
                    let problems: usize = doc
                        .accounts
                        .iter()
                        .map(|a| validate(a, &doc.workspace, &doc.accounts).len())
                        .sum();
                    outcome((0, doc.accounts.len().min(4), problems.min(16)))
                }
                Err(e) => outcome((0, e.len() % 11)),
            },
            1 => outcome((
                1,
                crate::phone::history::parse_file(rest)
                    .map(|r| r.len().min(4))
                    .is_ok(),
            )),
            _ => outcome((2, crate::phone::outbox::parse_job(rest).is_ok())),
        }
    }
}
