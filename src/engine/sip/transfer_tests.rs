//! Blind transfer (RFC 3515) on the simulated network: the REFER in the call's dialog, its
//! answers (202, refusals, a digest challenge), the NOTIFYs of its implicit subscription and
//! their sipfrag bodies (good, bad and arbitrary), the silence timer, and REFERs from the far end
//! (accepted, reported in NOTIFYs, refused when unusable).
//! The far end is played by hand behind a record-routing proxy address nobody listens on.

use std::time::Duration;

use md5::{Digest as _, Md5};
use rsip::Method;

use super::msg::{self, Builder, Parsed};
use super::sim::{Conditions, Sim, sdp};
use crate::engine::sip::call::sip_reason;
use crate::engine::{CallHandle, CallState, Command, Event, Flow, Input, TransferProgress, Transport};
use crate::text::Text;

const PROXY: &str = "127.0.0.9:5060";
const FAR_CONTACT: &str = "sip:bob@127.0.0.1:5080";
const TARGET: &str = "sip:carol@sim.test";

/// Alice (UA 0, password `secret`) in an established call with a far end played by the test.
struct Far {
    sim: Sim,
    call: CallHandle,
    invite: Parsed,
    /// The far end's next CSeq.
    cseq: u32,
}

fn proxy_flow() -> Flow {
    Flow {
        transport: Transport::Udp,
        remote: PROXY.parse().unwrap(),
    }
}

/// The last message handed to the network that starts with `start`.
fn last(sim: &Sim, start: &str) -> Parsed {
    let (_, _, text) = sim
        .sent
        .iter()
        .rev()
        .find(|(_, _, m)| m.starts_with(start))
        .unwrap_or_else(|| panic!("no {start} sent"));
    msg::parse(text.as_bytes()).unwrap()
}

fn transfers(sim: &Sim) -> Vec<TransferProgress> {
    sim.events_of(0)
        .into_iter()
        .filter_map(|e| match e {
            Event::Transfer { progress, .. } => Some(progress.clone()),
            _ => None,
        })
        .collect()
}

fn ended(sim: &Sim) -> bool {
    sim.events_of(0).iter().any(|e| {
        matches!(
            e,
            Event::Call {
                state: CallState::Ended { .. },
                ..
            }
        )
    })
}

fn failed(code: u16, reason: Text) -> TransferProgress {
    TransferProgress::Failed { code, reason }
}

impl Far {
    /// Alice calls bob through the proxy; the test answers with a 200 that record-routes
    /// through two proxies.
    fn established() -> Far {
        let mut sim = Sim::new(31, Conditions::default());
        let ua = sim.add_ua(5070);
        let config = sim.account(ua, "alice", "secret", PROXY.parse().unwrap(), Transport::Udp);
        sim.input(
            ua,
            Input::command(Command::Register {
                key: "a".into(),
                config,
            }),
        );
        let call = CallHandle(1);
        sim.input(
            ua,
            Input::command(Command::Dial {
                call,
                key: "a".into(),
                target: "sip:bob@sim.test".into(),
                sdp: sdp(4000),
                caller_id: None,
            }),
        );
        let invite = last(&sim, "INVITE");
        let ok = msg::response_to(&invite, 200, Some("far"))
            .header("Record-Route", "<sip:10.0.0.2;lr>")
            .header("Record-Route", "<sip:127.0.0.9;lr>")
            .header("Contact", format!("<{FAR_CONTACT}>"))
            .body("application/sdp", sdp(5000));
        let mut far = Far {
            sim,
            call,
            invite,
            cseq: 1,
        };
        far.deliver(&ok.to_bytes());
        assert!(
            far.sim.events_of(0).iter().any(|e| matches!(
                e,
                Event::Call {
                    state: CallState::Answered { .. },
                    ..
                }
            )),
            "the call is up"
        );
        far.sim.events.clear();
        far.sim.sent.clear();
        far
    }

    fn deliver(&mut self, bytes: &[u8]) {
        self.sim.input(
            0,
            Input::Message {
                flow: proxy_flow(),
                bytes,
            },
        );
    }

    /// Asks for the transfer; returns the REFER sent.
    fn transfer(&mut self, target: &str) -> Parsed {
        let call = self.call;
        self.sim.input(
            0,
            Input::command(Command::Transfer {
                call,
                target: target.into(),
            }),
        );
        last(&self.sim, "REFER")
    }

    fn reply(&mut self, request: &Parsed, code: u16, extra: &[(&str, &str)]) {
        let mut b = msg::response_to(request, code, None);
        for (name, value) in extra {
            b.push_header(name, *value);
        }
        self.deliver(&b.to_bytes());
    }

    /// A request of the far end in the dialog, from the proxy.
    fn request(&mut self, method: Method, extra: &[(&str, &str)], body: Option<(&str, &[u8])>) -> String {
        let cseq = self.cseq;
        self.cseq += 1;
        let mut b = Builder::request(&method, "sip:alice@127.0.0.1:5070;transport=udp")
            .header("Via", format!("SIP/2.0/UDP 127.0.0.9;branch=z9hG4bKfar{cseq}"))
            .header("Max-Forwards", "69")
            .header("From", "<sip:bob@sim.test>;tag=far")
            .header("To", self.invite.header("From").unwrap())
            .header("Call-ID", self.invite.info.call_id.clone())
            .header("CSeq", format!("{cseq} {method}"));
        for (name, value) in extra {
            b.push_header(name, *value);
        }
        if let Some((content_type, body)) = body {
            b = b.body(content_type, body.to_vec());
        }
        let before = self.sim.sent.len();
        self.deliver(&b.to_bytes());
        // The answer (requests it set off, such as a NOTIFY, may follow it).
        let (_, to, answer) = self.sim.sent[before..]
            .iter()
            .find(|(_, _, m)| m.starts_with("SIP/2.0"))
            .expect("an answer");
        assert_eq!(to.to_string(), PROXY, "answered through the proxy");
        answer.lines().next().unwrap_or_default().to_owned()
    }

    /// A NOTIFY of the refer subscription; returns the status line of the answer.
    fn notify(&mut self, state: &str, sipfrag: &[u8]) -> String {
        self.request(
            Method::Notify,
            &[("Event", "refer"), ("Subscription-State", state)],
            Some(("message/sipfrag;version=2.0", sipfrag)),
        )
    }
}

#[test]
fn transfer_refer_goes_in_the_dialog_with_its_route_set_target_and_next_cseq() {
    let mut far = Far::established();
    let refer = far.transfer(TARGET);
    let (_, to, text) = far
        .sim
        .sent
        .iter()
        .find(|(_, _, m)| m.starts_with("REFER"))
        .unwrap();
    assert_eq!(
        to.to_string(),
        PROXY,
        "sent to the first route (the account's proxy)"
    );
    assert!(
        text.starts_with(&format!("REFER {FAR_CONTACT} SIP/2.0\r\n")),
        "{text}"
    );
    assert_eq!(refer.info.cseq_method, Method::Refer);
    assert_eq!(
        refer.info.cseq,
        far.invite.info.cseq + 1,
        "the dialog's next CSeq"
    );
    assert_eq!(refer.info.call_id, far.invite.info.call_id);
    assert_eq!(refer.info.from_tag, far.invite.info.from_tag);
    assert_eq!(refer.info.to_tag.as_deref(), Some("far"));
    assert_eq!(
        refer.header_values("Route"),
        ["<sip:127.0.0.9;lr>", "<sip:10.0.0.2;lr>"],
        "the Record-Route of the 200, reversed (RFC 3261 §12.1.2)"
    );
    assert_eq!(refer.header("Refer-To").as_deref(), Some("<sip:carol@sim.test>"));
    assert_eq!(
        refer.header("Referred-By").as_deref(),
        Some("<sip:alice@sim.test>")
    );
    assert!(
        refer
            .header("Contact")
            .is_some_and(|c| c.contains("alice@127.0.0.1:5070"))
    );
    assert!(
        transfers(&far.sim).is_empty(),
        "nothing to report before an answer"
    );
}

#[test]
fn transfer_accepted_then_notified_to_success() {
    let mut far = Far::established();
    let refer = far.transfer(TARGET);
    far.reply(&refer, 202, &[]);
    assert_eq!(
        far.notify("active;expires=60", b"SIP/2.0 100 Trying\r\n"),
        "SIP/2.0 200 OK"
    );
    assert_eq!(
        far.notify("active;expires=60", b"SIP/2.0 180 Ringing\r\n"),
        "SIP/2.0 200 OK"
    );
    assert_eq!(
        far.notify("terminated;reason=noresource", b"SIP/2.0 200 OK\r\n"),
        "SIP/2.0 200 OK"
    );
    assert_eq!(
        transfers(&far.sim),
        [
            TransferProgress::Accepted,
            TransferProgress::Progress(100),
            TransferProgress::Progress(180),
            TransferProgress::Succeeded,
        ]
    );
    assert!(!ended(&far.sim), "hanging up is the phone's decision");
    // The subscription is over: a late NOTIFY finds none.
    assert_eq!(
        far.notify("terminated", b"SIP/2.0 200 OK\r\n"),
        "SIP/2.0 481 Call/Transaction Does Not Exist"
    );
    assert_eq!(transfers(&far.sim).len(), 4);
}

/// The far end sends the 202 and its first NOTIFY at once; the NOTIFY may arrive first
/// (RFC 6665 §4.1.2.4): it accepts the transfer, and the late 202 adds nothing.
#[test]
fn a_notify_before_the_202_accepts_the_transfer_once() {
    let mut far = Far::established();
    let refer = far.transfer(TARGET);
    assert_eq!(
        far.notify("active;expires=60", b"SIP/2.0 100 Trying\r\n"),
        "SIP/2.0 200 OK"
    );
    far.reply(&refer, 202, &[]);
    assert_eq!(
        far.notify("terminated;reason=noresource", b"SIP/2.0 200 OK\r\n"),
        "SIP/2.0 200 OK"
    );
    assert_eq!(
        transfers(&far.sim),
        [
            TransferProgress::Accepted,
            TransferProgress::Progress(100),
            TransferProgress::Succeeded,
        ]
    );
}

#[test]
fn transfer_to_a_busy_target_fails_and_the_call_stays_up() {
    let mut far = Far::established();
    let refer = far.transfer(TARGET);
    far.reply(&refer, 202, &[]);
    assert_eq!(
        far.notify("terminated;reason=noresource", b"SIP/2.0 486 Busy Here\r\n"),
        "SIP/2.0 200 OK"
    );
    assert_eq!(
        transfers(&far.sim),
        [TransferProgress::Accepted, failed(486, sip_reason("Busy Here"))]
    );
    assert!(!ended(&far.sim));
    // The call can be transferred again, with the next CSeq.
    let again = far.transfer(TARGET);
    assert_eq!(again.info.cseq, refer.info.cseq + 1);
}

#[test]
fn transfer_refused_by_the_far_end_fails_and_the_call_stays_up() {
    for (code, reason) in [(405, "Method Not Allowed"), (603, "Decline")] {
        let mut far = Far::established();
        let refer = far.transfer(TARGET);
        far.reply(&refer, code, &[]);
        assert_eq!(transfers(&far.sim), [failed(code, sip_reason(reason))], "{code}");
        assert!(!ended(&far.sim), "{code}");
        far.sim.run_for(Duration::from_secs(40));
        assert_eq!(transfers(&far.sim).len(), 1, "{code}: no timeout after the end");
        assert_eq!(far.sim.count_sent("BYE"), 0, "{code}");
    }
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn transfer_challenged_with_407_is_sent_again_with_credentials_once() {
    let mut far = Far::established();
    let refer = far.transfer(TARGET);
    let challenge = "Digest realm=\"sim.test\", nonce=\"n407\", qop=\"auth\", algorithm=MD5";
    far.reply(&refer, 407, &[("Proxy-Authenticate", challenge)]);
    let retry = last(&far.sim, "REFER");
    assert_eq!(retry.info.cseq, refer.info.cseq + 1);
    assert_ne!(retry.info.branch, refer.info.branch, "a new transaction");
    assert_eq!(retry.header("Refer-To"), refer.header("Refer-To"));
    let auth = retry.header("Proxy-Authorization").expect("credentials");
    let param = |k: &str| {
        let start = auth.find(&format!("{k}=")).unwrap() + k.len() + 1;
        let rest = auth[start..].trim_start_matches('"');
        rest[..rest.find(['"', ',']).unwrap_or(rest.len())].to_owned()
    };
    assert_eq!(param("username"), "alice");
    assert_eq!(param("uri"), FAR_CONTACT, "the REFER's Request-URI");
    let ha1 = md5_hex("alice:sim.test:secret");
    let ha2 = md5_hex(&format!("REFER:{FAR_CONTACT}"));
    let expected = md5_hex(&format!(
        "{ha1}:n407:{}:{}:auth:{ha2}",
        param("nc"),
        param("cnonce")
    ));
    assert_eq!(param("response"), expected);
    assert!(transfers(&far.sim).is_empty());

    // Challenged again: the credentials are wrong; no loop.
    far.reply(&retry, 407, &[("Proxy-Authenticate", challenge)]);
    assert_eq!(
        transfers(&far.sim),
        [failed(407, sip_reason("Proxy Authentication Required"))]
    );
    assert_eq!(far.sim.count_sent("REFER"), 2);
    assert!(!ended(&far.sim));
}

#[test]
fn transfer_notifies_with_malformed_sipfrag_are_answered_and_name_no_progress() {
    let mut far = Far::established();
    let refer = far.transfer(TARGET);
    far.reply(&refer, 202, &[]);
    for body in [
        &b""[..],
        b"garbage",
        b"SIP/2.0 abc Trying",
        b"SIP/2.0 99 Low",
        b"SIP/2.0 1800 Ringing",
        b"\xff\xfe\x00\x01",
        b"SIP/2.0",
    ] {
        assert_eq!(far.notify("active", body), "SIP/2.0 200 OK", "{body:?}");
    }
    assert_eq!(transfers(&far.sim), [TransferProgress::Accepted]);
    // Another event package is not ours.
    let answer = far.request(
        Method::Notify,
        &[("Event", "presence"), ("Subscription-State", "active")],
        Some(("message/sipfrag", b"SIP/2.0 200 OK")),
    );
    assert_eq!(answer, "SIP/2.0 489 Bad Event");
    // The subscription ends without a readable final status: failed, call kept.
    assert_eq!(far.notify("terminated", b"nonsense"), "SIP/2.0 200 OK");
    assert_eq!(
        transfers(&far.sim),
        [
            TransferProgress::Accepted,
            failed(0, Text::new("transfer-no-final"))
        ]
    );
    assert!(!ended(&far.sim));
}

#[test]
fn transfer_without_news_for_30_s_fails_and_each_notify_restarts_the_wait() {
    let mut far = Far::established();
    let refer = far.transfer(TARGET);
    far.reply(&refer, 202, &[]);
    far.sim.run_for(Duration::from_secs(20));
    far.notify("active", b"SIP/2.0 180 Ringing\r\n");
    far.sim.run_for(Duration::from_secs(29));
    assert_eq!(
        transfers(&far.sim),
        [TransferProgress::Accepted, TransferProgress::Progress(180)]
    );
    far.sim.run_for(Duration::from_secs(2));
    assert_eq!(
        transfers(&far.sim).last(),
        Some(&failed(408, Text::new("transfer-silent")))
    );
    assert!(!ended(&far.sim));
    assert_eq!(
        far.notify("terminated", b"SIP/2.0 200 OK\r\n"),
        "SIP/2.0 481 Call/Transaction Does Not Exist",
        "the subscription was given up"
    );
}

#[test]
fn transfer_result_still_comes_when_the_far_end_hangs_up_first() {
    let mut far = Far::established();
    let refer = far.transfer(TARGET);
    far.reply(&refer, 202, &[]);
    assert_eq!(far.request(Method::Bye, &[], None), "SIP/2.0 200 OK");
    assert!(ended(&far.sim));
    assert_eq!(
        far.notify("terminated;reason=noresource", b"SIP/2.0 200 OK\r\n"),
        "SIP/2.0 200 OK"
    );
    assert_eq!(
        transfers(&far.sim),
        [TransferProgress::Accepted, TransferProgress::Succeeded]
    );
    assert!(
        far.sim.uas[0].1.calls.is_empty(),
        "forgotten with its subscription"
    );
}

#[test]
fn transfer_needs_an_established_call_and_a_plain_uri() {
    let mut far = Far::established();
    for target in [
        "carol",
        "sip:",
        "sip:carol@x>\r\nX-Evil: 1",
        "sip:a b@c",
        "http://x",
    ] {
        far.sim.input(
            0,
            Input::command(Command::Transfer {
                call: far.call,
                target: target.into(),
            }),
        );
    }
    far.sim.input(
        0,
        Input::command(Command::Transfer {
            call: CallHandle(99),
            target: TARGET.into(),
        }),
    );
    assert_eq!(far.sim.count_sent("REFER"), 0);
    let outcomes = transfers(&far.sim);
    assert_eq!(outcomes.len(), 6);
    assert!(
        outcomes[..5]
            .iter()
            .all(|o| *o == failed(0, Text::new("transfer-target-not-uri"))),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[5], failed(481, Text::new("transfer-no-call")));
    // One transfer at a time.
    far.transfer(TARGET);
    far.transfer(TARGET);
    assert_eq!(far.sim.count_sent("REFER"), 1);
    assert_eq!(
        transfers(&far.sim).last(),
        Some(&failed(491, Text::new("transfer-under-way")))
    );
}

/// The far end's transfer requests (what the phone was asked).
fn requested(sim: &Sim, ua: usize) -> Vec<(String, Option<String>)> {
    sim.events_of(ua)
        .into_iter()
        .filter_map(|e| match e {
            Event::TransferRequested {
                target, referred_by, ..
            } => Some((target.clone(), referred_by.clone())),
            _ => None,
        })
        .collect()
}

/// The sipfrag status line and Subscription-State of the last NOTIFY UA 0 sent.
fn last_notify(sim: &Sim) -> (String, String) {
    let n = last(sim, "NOTIFY");
    assert_eq!(n.header("Event").as_deref(), Some("refer"));
    (
        String::from_utf8_lossy(n.body()).trim().to_owned(),
        n.header("Subscription-State").unwrap_or_default(),
    )
}

#[test]
fn a_transfer_from_the_far_end_is_accepted_and_its_call_reported_in_notifies() {
    let mut far = Far::established();
    let answer = far.request(
        Method::Refer,
        &[
            ("Refer-To", "<sip:carol@sim.test>"),
            ("Referred-By", "<sip:bob@sim.test>"),
        ],
        None,
    );
    assert_eq!(answer, "SIP/2.0 202 Accepted");
    assert_eq!(
        requested(&far.sim, 0),
        [(
            "sip:carol@sim.test".to_owned(),
            Some("sip:bob@sim.test".to_owned())
        )]
    );
    assert_eq!(
        last_notify(&far.sim),
        ("SIP/2.0 100 Trying".into(), "active;expires=60".into())
    );
    // A second one while this runs: not now.
    let again = far.request(Method::Refer, &[("Refer-To", "<sip:dave@sim.test>")], None);
    assert_eq!(again, "SIP/2.0 491 Request Pending");
    assert_eq!(requested(&far.sim, 0).len(), 1);

    let status = |far: &mut Far, code| {
        let call = far.call;
        far.sim
            .input(0, Input::command(Command::TransferStatus { call, code }));
    };
    status(&mut far, 180);
    assert_eq!(
        last_notify(&far.sim),
        ("SIP/2.0 180 Ringing".into(), "active;expires=60".into())
    );
    status(&mut far, 200);
    assert_eq!(
        last_notify(&far.sim),
        ("SIP/2.0 200 OK".into(), "terminated;reason=noresource".into())
    );
    // The subscription is over: later news is not sent; the call itself is left as it is.
    status(&mut far, 486);
    assert_eq!(far.sim.count_sent("NOTIFY"), 3);
    assert!(!ended(&far.sim));
    // The NOTIFYs go in the dialog with rising CSeqs.
    let cseqs: Vec<u32> = far
        .sim
        .sent
        .iter()
        .filter(|(_, _, m)| m.starts_with("NOTIFY"))
        .map(|(_, _, m)| msg::parse(m.as_bytes()).unwrap().info.cseq)
        .collect();
    assert!(cseqs.windows(2).all(|w| w[0] < w[1]), "{cseqs:?}");
}

#[test]
fn transfer_requests_without_one_usable_target_are_refused() {
    let mut far = Far::established();
    for headers in [
        vec![],
        vec![("Refer-To", "<sip:a@sim.test>"), ("Refer-To", "<sip:b@sim.test>")],
        vec![("Refer-To", "<http://evil.test/>")],
        vec![("Refer-To", "carol")],
    ] {
        let answer = far.request(Method::Refer, &headers, None);
        assert_eq!(answer, "SIP/2.0 400 Bad Request", "{headers:?}");
    }
    assert!(requested(&far.sim, 0).is_empty());
    assert_eq!(far.sim.count_sent("NOTIFY"), 0);
    assert!(!ended(&far.sim));
}

#[test]
fn between_two_engines_the_transferor_hears_how_the_transferee_fared() {
    for (code, outcome) in [
        (200, TransferProgress::Succeeded),
        (603, failed(603, sip_reason("Decline"))),
        (486, failed(486, sip_reason("Busy Here"))),
    ] {
        let mut sim = super::sim_tests::pair(32, Conditions::default(), Transport::Udp);
        let (a, b) = super::sim_tests::answer_call(&mut sim);
        sim.input(
            0,
            Input::command(Command::Transfer {
                call: a,
                target: TARGET.into(),
            }),
        );
        sim.run_for(Duration::from_secs(1));
        assert_eq!(requested(&sim, 1).len(), 1, "the transferee was asked");
        assert_eq!(requested(&sim, 1)[0].0, TARGET);
        sim.input(1, Input::command(Command::TransferStatus { call: b, code }));
        sim.run_for(Duration::from_secs(1));
        let heard = transfers(&sim);
        assert_eq!(heard.first(), Some(&TransferProgress::Accepted), "{heard:?}");
        assert_eq!(heard.last(), Some(&outcome), "{heard:?}");
    }
}

mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn transfer_notify_bodies_never_panic(
            body in prop::collection::vec(any::<u8>(), 0..300),
            terminated in any::<bool>(),
        ) {
            let mut far = Far::established();
            let refer = far.transfer(TARGET);
            far.reply(&refer, 202, &[]);
            let state = if terminated { "terminated" } else { "active" };
            let answer = far.notify(state, &body);
            prop_assert!(answer.starts_with("SIP/2.0 200") || answer.starts_with("SIP/2.0 400"), "{}", answer);
        }
    }
}

/// The local tag of our call's dialog (the From tag of our INVITE).
fn local_tag(invite: &Parsed) -> String {
    invite.info.from_tag.clone().unwrap()
}

/// A new INVITE from carol through the proxy, with `extra` headers; the answer Alice sent.
fn invite_from_carol(far: &mut Far, extra: &[(&str, &str)]) -> String {
    // A new transaction each time.
    let branch = far.sim.sent.len();
    let mut b = Builder::request(&Method::Invite, "sip:alice@127.0.0.1:5070;transport=udp")
        .header(
            "Via",
            format!("SIP/2.0/UDP 127.0.0.9;branch=z9hG4bKcarol{branch}"),
        )
        .header("Max-Forwards", "69")
        .header("From", "<sip:carol@sim.test>;tag=carol")
        .header("To", "<sip:alice@sim.test>")
        .header("Call-ID", format!("carol-call-{branch}@sim.test"))
        .header("CSeq", "1 INVITE")
        .header("Contact", "<sip:carol@127.0.0.1:5090>");
    for (name, value) in extra {
        b.push_header(name, *value);
    }
    let before = far.sim.sent.len();
    far.deliver(&b.body("application/sdp", sdp(6000)).to_bytes());
    far.sim.sent[before..]
        .iter()
        .map(|(_, _, m)| m.clone())
        .find(|m| m.starts_with("SIP/2.0") && !m.starts_with("SIP/2.0 100"))
        .unwrap_or_default()
}

#[test]
fn an_attended_transfer_refers_with_replaces_naming_the_consultation_call() {
    let mut far = Far::established();
    // The consultation call, to carol, answered with carol's tag.
    let consultation = CallHandle(2);
    far.sim.input(
        0,
        Input::command(Command::Dial {
            call: consultation,
            key: "a".into(),
            target: TARGET.into(),
            sdp: sdp(4002),
            caller_id: None,
        }),
    );
    let invite = last(&far.sim, "INVITE");
    let ok = msg::response_to(&invite, 200, Some("carol-tag"))
        .header("Contact", "<sip:carol@127.0.0.1:5090>")
        .body("application/sdp", sdp(6000));
    far.deliver(&ok.to_bytes());
    far.sim.sent.clear();
    far.sim.input(
        0,
        Input::command(Command::AttendedTransfer {
            call: far.call,
            consultation,
        }),
    );
    let refer = last(&far.sim, "REFER");
    assert_eq!(
        refer.info.call_id, far.invite.info.call_id,
        "in the transferred call's dialog"
    );
    let refer_to = msg::addr_uri(&refer.header("Refer-To").unwrap());
    let escaped = format!(
        "{}%3Bto-tag%3Dcarol-tag%3Bfrom-tag%3D{}",
        invite.info.call_id.replace('@', "%40"),
        local_tag(&invite)
    );
    assert_eq!(refer_to, format!("{TARGET}?Replaces={escaped}"));

    // Not answered yet, or the same call: refused at once, nothing sent.
    far.sim.sent.clear();
    far.sim.events.clear();
    far.sim.input(
        0,
        Input::command(Command::AttendedTransfer {
            call: consultation,
            consultation,
        }),
    );
    assert_eq!(far.sim.count_sent("REFER"), 0);
    assert!(
        matches!(transfers(&far.sim).as_slice(), [TransferProgress::Failed { code: 0, reason }] if reason.key == "transfer-no-consultation"),
        "{:?}",
        transfers(&far.sim)
    );
}

#[test]
fn an_invite_with_replaces_takes_the_place_of_the_call_it_names_and_others_get_481() {
    let mut far = Far::established();
    let names_ours = format!(
        "{};to-tag={};from-tag=far",
        far.invite.info.call_id,
        local_tag(&far.invite)
    );
    // Tags the wrong way round, an unknown call, an early-only request: 481.
    for wrong in [
        format!(
            "{};to-tag=far;from-tag={}",
            far.invite.info.call_id,
            local_tag(&far.invite)
        ),
        "nobody@sim.test;to-tag=a;from-tag=b".to_owned(),
        format!("{names_ours};early-only"),
    ] {
        let answer = invite_from_carol(&mut far, &[("Replaces", wrong.as_str())]);
        assert!(answer.starts_with("SIP/2.0 481"), "{wrong}: {answer}");
    }
    assert!(
        !far.sim
            .events_of(0)
            .iter()
            .any(|e| matches!(e, Event::Incoming { .. })),
        "no call for a Replaces that names none"
    );
    invite_from_carol(
        &mut far,
        &[("Replaces", names_ours.as_str()), ("Require", "replaces")],
    );
    let replaces = far.sim.events_of(0).iter().find_map(|e| match e {
        Event::Incoming { replaces, .. } => Some(*replaces),
        _ => None,
    });
    assert_eq!(replaces, Some(Some(far.call)));
}
