//! ICE (RFC 8445) with a real baresip (`medianat=ice`, its STUN server Kamailio's): Handset
//! answers an ICE offer with ICE, and offers ICE itself for a WebRTC-style account (WSS first,
//! SRTP-DTLS first), to baresip and to rtpengine acting as an ICE-lite WebRTC gateway. Audio
//! must flow both ways over the pair the connectivity checks selected.

use std::time::Duration;

use crate::audio::{analyse, analyse_recordings, any_loud_tone, tone_wav};
use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions, Rtpengine};

const T: Duration = Duration::from_secs(10);

/// The SDP lines of a `--sip-trace` that carry ICE, and the checks Handset logged (`-v`).
fn assert_ice_in_both_descriptions(out: &str) {
    let ice: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("a=candidate:") || l.contains("ICE") || l.contains("a=ice-lite"))
        .collect();
    eprintln!("{}", ice.join("\n"));
    let ufrags = out.lines().filter(|l| l.contains("a=ice-ufrag:")).count();
    let candidates = out.lines().filter(|l| l.contains("a=candidate:")).count();
    assert!(
        ufrags >= 2 && candidates >= 2,
        "offer and answer both carry ICE ({ufrags} ufrags, {candidates} candidates):\n{out}"
    );
    assert!(
        out.contains("ICE checks started") && out.contains("ICE selected a pair"),
        "the connectivity checks selected a pair:\n{out}"
    );
}

/// baresip (`medianat=ice`, `mediaenc` when given) calls Handset, whose account is plain UDP
/// with `media_type`; Handset answers with ICE, and each hears the other's tone.
fn baresip_calls_handset(k: &Kamailio, user: &str, mediaenc: Option<&str>, media_type: &str) {
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone-1000.wav");
    tone_wav(&tone, 1000.0, 4.0, 8000, 1);
    let tone600 = dir.path().join("tone-600.wav");
    tone_wav(&tone600, 600.0, 4.0, 8000, 1);
    let record_dir = dir.path().join("baresip-rec");
    let bob = Baresip::start(
        k,
        BaresipOptions {
            source: Some(tone),
            record_dir: Some(record_dir.clone()),
            rtcp_mux: true,
            medianat: Some("ice".into()),
            mediaenc: mediaenc.map(str::to_owned),
            ..BaresipOptions::pcmu(user, &format!("pw-{user}"))
        },
    );
    let alice = Profile::new(k, &format!("alice-{user}"), "pw-alice", "udp");
    alice.edit(&["--codecs", "pcmu,telephone-event", "--media-types", media_type]);
    let heard = dir.path().join("heard.wav");
    let stun = format!("stun:127.0.0.1:{}", k.udp_port());
    let mut run = alice.spawn(&[
        "-v",
        "listen",
        "A",
        "--auto-answer",
        "--max-calls",
        "1",
        "--sip-trace",
        "--stun-server",
        &stun,
        "--play",
        tone600.to_str().unwrap(),
        "--record",
        heard.to_str().unwrap(),
    ]);
    run.wait_line("registered", T);
    bob.dial(&alice.uri());
    bob.wait_event("CALL_ESTABLISHED", T);
    std::thread::sleep(Duration::from_secs(3));
    bob.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert_ice_in_both_descriptions(&out);
    // Handset asked Kamailio's STUN server where it is (on loopback: its host address).
    assert!(out.contains("server-reflexive address"), "{out}");
    let (freq, rms) = analyse(&heard);
    assert!(
        (950.0..=1050.0).contains(&freq) && rms > 3000.0,
        "Handset heard {freq:.0} Hz at RMS {rms:.0}:\n{out}"
    );
    std::thread::sleep(Duration::from_millis(500));
    let files = analyse_recordings(&record_dir);
    assert!(
        any_loud_tone(&files, 570.0, 630.0),
        "baresip did not hear the 600 Hz tone: {files:?}\n{out}\n{}",
        bob.log()
    );
}

#[test]
fn handset_answers_an_ice_offer_from_baresip_with_ice() {
    let k = Kamailio::start(KamailioOptions::default());
    baresip_calls_handset(&k, "bob-ice", None, "rtp");
}

#[test]
fn handset_answers_ice_with_srtp_dtls_from_baresip() {
    let k = Kamailio::start(KamailioOptions::default());
    baresip_calls_handset(&k, "bob-ice-dtls", Some("dtls_srtp"), "srtp-dtls");
}

/// A WebRTC-style account (WSS first, SRTP-DTLS first) calls a baresip set up by `far_end`
/// (on `k`, as `user`): Handset offers ICE, the answer carries ICE, the checks select a pair,
/// DTLS-SRTP is keyed over it and each side hears the other's tone. `context` is printed with
/// any failure. Returns Handset's output.
fn webrtc_call(
    k: &Kamailio,
    user: &str,
    far_end: impl FnOnce(BaresipOptions) -> BaresipOptions,
    context: impl Fn() -> String,
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone-1000.wav");
    tone_wav(&tone, 1000.0, 6.0, 8000, 1);
    let tone600 = dir.path().join("tone-600.wav");
    tone_wav(&tone600, 600.0, 4.0, 8000, 1);
    let record_dir = dir.path().join("baresip-rec");
    let bob_user = format!("bob-{user}");
    let bob = Baresip::start(
        k,
        far_end(BaresipOptions {
            source: Some(tone),
            record_dir: Some(record_dir.clone()),
            ..BaresipOptions::pcmu(&bob_user, "pw-bob")
        }),
    );
    let alice = Profile::new(k, &format!("alice-{user}"), "pw-alice", "wss");
    alice.edit(&["--codecs", "pcmu,telephone-event", "--media-types", "srtp-dtls"]);
    let heard = dir.path().join("heard.wav");
    let run = alice.spawn(&[
        "-v",
        "call",
        "A",
        &bob.sip_uri(),
        "--play",
        tone600.to_str().unwrap(),
        "--record",
        heard.to_str().unwrap(),
        "--duration",
        "3",
        "--sip-trace",
    ]);
    bob.wait_event("CALL_ESTABLISHED", T);
    let (code, out) = run.finish(T + T);
    assert_eq!(code, 0, "{out}\n{}", context());
    assert_ice_in_both_descriptions(&out);
    assert!(
        out.contains("DTLS-SRTP keyed"),
        "DTLS-SRTP over the ICE pair:\n{out}\n{}",
        context()
    );
    let (freq, rms) = analyse(&heard);
    assert!(
        (950.0..=1050.0).contains(&freq) && rms > 3000.0,
        "Handset heard {freq:.0} Hz at RMS {rms:.0}:\n{out}\n{}",
        context()
    );
    bob.wait_event("CALL_CLOSED", T);
    std::thread::sleep(Duration::from_millis(500));
    let files = analyse_recordings(&record_dir);
    assert!(
        any_loud_tone(&files, 570.0, 630.0),
        "baresip did not hear the 600 Hz tone: {files:?}\n{out}\n{}\n{}",
        bob.log(),
        context()
    );
    out
}

/// baresip answers Handset's ICE offer with ICE and DTLS-SRTP itself; media starts only on the
/// selected pair, keyed by DTLS.
#[test]
fn handset_offers_ice_over_wss_with_srtp_dtls_to_baresip() {
    let k = Kamailio::start(KamailioOptions::default());
    let out = webrtc_call(
        &k,
        "wss-ice",
        |o| BaresipOptions {
            rtcp_mux: true,
            medianat: Some("ice".into()),
            mediaenc: Some("dtls_srtp".into()),
            ..o
        },
        String::new,
    );
    assert!(
        out.lines()
            .filter(|l| l.contains("m=audio"))
            .all(|l| l.contains("UDP/TLS/RTP/SAVP")),
        "DTLS-SRTP in both descriptions:\n{out}"
    );
}

/// A WebRTC-style PBX: the call goes through Kamailio with rtpengine as the media gateway,
/// which answers Handset as an ICE-lite agent with DTLS-SRTP and talks plain RTP to baresip.
/// Handset, the full agent, must take the controlling role and run the checks against it.
#[test]
fn handset_calls_through_an_ice_lite_webrtc_gateway() {
    let engine = Rtpengine::start();
    let k = Kamailio::start(KamailioOptions {
        rtpengine: Some(engine.ng()),
        ..KamailioOptions::default()
    });
    let out = webrtc_call(&k, "behind-gw", |o| o, || engine.log());
    assert!(
        out.contains("a=ice-lite"),
        "rtpengine answered as ICE-lite:\n{out}"
    );
}
