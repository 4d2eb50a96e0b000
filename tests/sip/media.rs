//! Media-plane interop with baresip beyond audio itself: RTCP reports both ways (with and
//! without rtcp-mux) and the quality figures Handset prints.

use std::time::Duration;

use crate::audio::figure;
use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

const T: Duration = Duration::from_secs(10);

/// One 12 s call (two RTCP intervals); `incoming`: baresip calls Handset.
fn rtcp_call(k: &Kamailio, user: &str, rtcp_mux: bool, incoming: bool) {
    let bob = Baresip::start(
        k,
        BaresipOptions {
            rtcp_mux,
            ..BaresipOptions::pcmu(user, &format!("pw-{user}"))
        },
    );
    let alice = Profile::new(k, &format!("{user}-alice"), "pw-alice", "udp");
    let out = if incoming {
        let run = alice.listen_once(&["--hangup-after", "12"]);
        bob.dial(&alice.uri());
        let (code, out) = run.finish(Duration::from_secs(30));
        assert_eq!(code, 0, "{out}");
        out
    } else {
        let run = alice.spawn(&["call", "A", &bob.sip_uri(), "--duration", "12"]);
        let (code, out) = run.finish(Duration::from_secs(30));
        assert_eq!(code, 0, "{out}");
        out
    };
    let media = out
        .lines()
        .find(|l| l.contains(": media: "))
        .unwrap_or_else(|| panic!("no media line:\n{out}"));
    eprintln!("{user} (mux {rtcp_mux}, incoming {incoming}): {media}");
    // baresip reported on our stream, referring to one of our SRs: a round trip.
    let rtt = figure(media, "round trip").unwrap_or_else(|| panic!("no round trip: {media}"));
    assert!(rtt < 100.0, "{media}");
    assert!(figure(media, "RTCP: sent").unwrap() >= 2.0, "{media}");
    assert!(figure(media, "received").unwrap() >= 500.0, "{media}");
    assert_eq!(figure(media, "the far end lost"), Some(0.0), "{media}");
    assert_eq!(figure(media, "lost"), Some(0.0), "{media}");

    // And baresip understood our reports: its round trip comes from our RR's LSR/DLSR.
    let summary = bob.rtcp_summary(T);
    eprintln!("{user}: baresip: {summary}");
    let dl = figure(&summary, "DL=").unwrap_or_else(|| panic!("{summary}"));
    assert!(
        dl > 0.0 && dl < 100.0,
        "baresip's round trip from our reports: {summary}"
    );
}

#[test]
fn rtcp_reports_both_ways_with_baresip_with_and_without_rtcp_mux() {
    let k = Kamailio::start(KamailioOptions::default());
    std::thread::scope(|s| {
        s.spawn(|| rtcp_call(&k, "bob-rtcp", false, false));
        s.spawn(|| rtcp_call(&k, "bob-mux", true, true));
    });
}

#[test]
fn digits_go_as_sip_info_when_telephone_event_is_not_negotiated() {
    const DIGITS: &str = "159*#0";
    let k = Kamailio::start(KamailioOptions::default());
    let bob = Baresip::start(&k, BaresipOptions::pcmu("bob-info", "pw-bob"));
    let alice = Profile::new(&k, "alice-info", "pw-alice", "udp");
    alice.edit(&["--codecs", "pcmu"]);
    let run = alice.spawn(&[
        "call",
        "A",
        &bob.sip_uri(),
        "--dtmf",
        DIGITS,
        "--duration",
        "4",
        "--sip-trace",
    ]);
    bob.wait_event("CALL_ESTABLISHED", T);
    assert_eq!(bob.wait_dtmf(DIGITS.len(), T), DIGITS);
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("telephone-event"),
        "no telephone-event offered:\n{out}"
    );
    assert_eq!(
        out.matches("INFO sip:").count(),
        DIGITS.len(),
        "one INFO per digit:\n{out}"
    );
    assert!(out.contains("Content-Type: application/dtmf-relay"), "{out}");
}
