//! Handset against real peers on loopback: registration over every transport through a real
//! Kamailio, and calls both ways with a real baresip (ring, answer, BYE from either side,
//! CANCEL, busy, decline), and recovery after a Kamailio restart.

use std::time::{Duration, Instant};

use crate::audio::{analyse, analyse_recordings, any_loud_tone, tone_wav};
use crate::handset::{Profile, received_digits};
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions, free_port_block};

const T: Duration = Duration::from_secs(10);

fn baresip(k: &Kamailio, user: &str, transport: &'static str, answer: &'static str) -> Baresip {
    Baresip::start(
        k,
        BaresipOptions {
            transport,
            answer,
            ..BaresipOptions::new(user, &format!("pw-{user}"))
        },
    )
}

#[test]
fn registers_over_udp_tcp_tls_and_wss_and_explains_a_wrong_password() {
    let k = Kamailio::start(KamailioOptions::default());
    for t in ["udp", "tcp", "tls", "wss"] {
        let p = Profile::new(&k, &format!("reg-{t}"), "pw-reg", t);
        let out = p
            .command(&["register", "A", "--once", "--timeout", "10"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{t}: {stdout}\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            k.log()
        );
        assert!(
            stdout.contains(&format!(
                "connected to {}:127.0.0.1:{}",
                t.to_uppercase(),
                k.port(t)
            )),
            "{stdout}"
        );
        assert!(stdout.contains("registered (expires in"), "{stdout}");
    }
    let p = Profile::new(&k, "wrong-pw", "right", "udp");
    k.add_subscriber("wrong-pw", "changed-on-the-server");
    let out = p
        .command(&["register", "A", "--once", "--timeout", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refused the username or password: check them"),
        "{err}"
    );
}

#[test]
fn a_self_signed_server_is_refused_without_the_ca_and_trusted_with_it() {
    let k = Kamailio::start(KamailioOptions::default());
    let p = Profile::new(&k, "tls-ca", "pw", "tls");
    p.edit(&["--tls-ca", ""]);
    let out = p
        .command(&["register", "A", "--once", "--timeout", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not trusted") && err.contains("--tls-ca FILE"),
        "{err}"
    );
    let out = p
        .command(&[
            "register",
            "A",
            "--once",
            "--tls-ca",
            k.ca_cert().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Calls both ways over one transport, each side hanging up once.
fn calls_both_ways(t: &'static str) {
    let k = Kamailio::start(KamailioOptions::default());
    let bob = baresip(&k, "bob", t, "auto");
    let alice = Profile::new(&k, "alice", "pw-alice", t);

    // Handset calls, Handset hangs up.
    let run = alice.spawn(&["call", "A", &bob.sip_uri(), "--duration", "1"]);
    bob.wait_event("CALL_ESTABLISHED", T);
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("answered") && out.contains("ended by us (200"),
        "{out}"
    );
    bob.wait_event("CALL_CLOSED", T);

    // Handset calls, baresip hangs up.
    bob.clear_events();
    let mut run = alice.spawn(&["call", "A", &bob.sip_uri()]);
    bob.wait_event("CALL_ESTABLISHED", T);
    run.wait_line("answered", T);
    bob.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ended by the far end (200"), "{out}");

    // baresip calls, baresip hangs up.
    bob.clear_events();
    let mut run = alice.listen_once(&[]);
    bob.dial(&alice.uri());
    let incoming = run.wait_line("incoming from", T);
    assert!(
        incoming.contains("sip:bob@127.0.0.1") && incoming.contains("sip:alice@127.0.0.1"),
        "{incoming}"
    );
    bob.wait_event("CALL_ESTABLISHED", T);
    run.wait_line("answered", T);
    bob.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ended by the far end (200"), "{out}");

    // baresip calls, Handset hangs up.
    bob.clear_events();
    let run = alice.listen_once(&["--hangup-after", "1"]);
    bob.dial(&alice.uri());
    bob.wait_event("CALL_ESTABLISHED", T);
    bob.wait_event("CALL_CLOSED", T);
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ended by us (200"), "{out}");
}

#[test]
fn calls_both_ways_over_udp() {
    calls_both_ways("udp");
}

#[test]
fn calls_both_ways_over_tcp() {
    calls_both_ways("tcp");
}

#[test]
fn calls_both_ways_over_tls() {
    calls_both_ways("tls");
}

#[test]
fn cancel_busy_and_decline() {
    let k = Kamailio::start(KamailioOptions::default());
    let bob = baresip(&k, "bob", "udp", "manual");
    let alice = Profile::new(&k, "alice", "pw-alice", "udp");

    // Handset cancels before the answer (Ctrl+C while ringing).
    let mut run = alice.spawn(&["call", "A", &bob.sip_uri()]);
    bob.wait_event("CALL_INCOMING", T);
    run.wait_line("ringing", T);
    run.interrupt();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ended by us (487"), "{out}");
    bob.wait_event("CALL_CLOSED", T);

    // The callee is busy: baresip refuses the ringing call.
    bob.clear_events();
    let mut run = alice.spawn(&["call", "A", &bob.sip_uri()]);
    bob.wait_event("CALL_INCOMING", T);
    run.wait_line("ringing", T);
    bob.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 5, "{out}");
    assert!(out.contains("ended by the far end (486"), "{out}");

    // baresip cancels its call to Handset before the answer.
    bob.clear_events();
    let mut run = alice.spawn(&["listen", "A", "--max-calls", "1"]);
    run.wait_line("registered", T);
    bob.dial(&alice.uri());
    run.wait_line("incoming from", T);
    bob.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ended by the far end (487"), "{out}");

    // Handset is busy, then declines.
    for (code, word) in [("486", "486"), ("603", "603")] {
        bob.clear_events();
        let mut run = alice.spawn(&["listen", "A", "--max-calls", "1", "--reject", code]);
        run.wait_line("registered", T);
        bob.dial(&alice.uri());
        let closed = bob.wait_event("CALL_CLOSED", T);
        assert!(closed.to_string().contains(word), "{closed}");
        let (exit, out) = run.finish(T);
        assert_eq!(exit, 0, "{out}");
    }
}

#[test]
fn outbound_calling_off_is_refused_with_the_reason() {
    let k = Kamailio::start(KamailioOptions::default());
    let alice = Profile::new(&k, "alice", "pw-alice", "udp");
    alice.edit(&["--outbound", "off"]);
    let run = alice.spawn(&["call", "A", "sip:bob@127.0.0.1"]);
    let (code, out) = run.finish(T);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("outbound calling is disabled"), "{out}");
}

/// Registered again within 5 s of Kamailio coming back.
fn survives_restart(t: &'static str, outage: Duration) {
    let mut k = Kamailio::start(KamailioOptions::default());
    let alice = Profile::new(&k, "alice", "pw-alice", t);
    let mut run = alice.spawn(&["register", "A", "--keepalive", "1"]);
    run.wait_line("registered", T);
    // Drain what is already there, then take Kamailio away and bring it back.
    while run.next_line("\u{0}", Duration::from_millis(200)).is_some() {}
    k.stop();
    std::thread::sleep(outage);
    k.restart();
    let back = Instant::now();
    let again = run.next_line("registered (", Duration::from_secs(5));
    assert!(
        again.is_some(),
        "{t}: not registered again within 5 s:\n{}\n{}",
        run.seen.join("\n"),
        k.log()
    );
    println!(
        "{t}: registered again {:?} after Kamailio came back",
        back.elapsed()
    );
    run.interrupt();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn re_registers_after_a_kamailio_restart_over_tcp() {
    survives_restart("tcp", Duration::from_millis(500));
}

#[test]
fn re_registers_after_a_kamailio_restart_over_tls() {
    survives_restart("tls", Duration::from_millis(500));
}

#[test]
fn re_registers_after_a_kamailio_outage_over_udp() {
    // Over UDP the outage is noticed by the keep-alive (ICMP port unreachable).
    survives_restart("udp", Duration::from_millis(2500));
}

#[test]
fn registers_over_ipv6() {
    let k = Kamailio::start(KamailioOptions {
        ipv6: true,
        ..KamailioOptions::default()
    });
    for t in ["udp", "tcp", "tls"] {
        let port = k.port(t).to_string();
        let p = Profile::with_server(&k, &format!("v6-{t}"), "pw-v6", t, "::1", &port);
        let out = p
            .command(&["register", "A", "--once", "--timeout", "10"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{t}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("connected to {}:[::1]:{port}", t.to_uppercase())),
            "{stdout}"
        );
    }
}

/// A dnsmasq answering for `sip.test` on a loopback port; stopped on drop.
struct Dns {
    child: std::process::Child,
    port: u16,
}

impl Dns {
    fn start(records: &[String]) -> Dns {
        let port = free_port_block(1);
        let mut args = vec![
            "--no-daemon".to_owned(),
            "--conf-file=/dev/null".to_owned(),
            format!("--port={port}"),
            "--listen-address=127.0.0.1".to_owned(),
            "--bind-interfaces".to_owned(),
            "--no-resolv".to_owned(),
            "--no-hosts".to_owned(),
            "--user=root".to_owned(),
            format!(
                "--pid-file={}",
                std::env::temp_dir()
                    .join(format!("handset-dnsmasq-{port}.pid"))
                    .display()
            ),
        ];
        args.extend_from_slice(records);
        let child = std::process::Command::new("dnsmasq")
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dnsmasq (Debian dnsmasq-base) must be installed");
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            assert!(Instant::now() < deadline, "dnsmasq did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Dns { child, port }
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn finds_the_server_through_naptr_and_srv_fails_over_and_keeps_to_allowed_transports() {
    let k = Kamailio::start(KamailioOptions::default());
    let dead = free_port_block(1);
    let (udp, tcp) = (k.port("udp"), k.port("tcp"));
    let dns = Dns::start(&[
        "--naptr-record=sip.test,10,10,S,SIP+D2T,,_sip._tcp.sip.test".into(),
        "--naptr-record=sip.test,20,10,S,SIP+D2U,,_sip._udp.sip.test".into(),
        format!("--srv-host=_sip._tcp.sip.test,pbx.sip.test,{dead},1,10"),
        format!("--srv-host=_sip._tcp.sip.test,pbx.sip.test,{tcp},2,10"),
        format!("--srv-host=_sip._udp.sip.test,pbx.sip.test,{dead},1,10"),
        format!("--srv-host=_sip._udp.sip.test,pbx.sip.test,{udp},2,10"),
        "--host-record=pbx.sip.test,127.0.0.1".into(),
    ]);
    let server = format!("127.0.0.1:{}", dns.port);
    // TCP and UDP allowed: NAPTR puts TCP first; its first SRV target is down, the second answers.
    let p = Profile::with_server(&k, "dns-user", "pw-dns", "tcp,udp", "sip.test", "");
    let out = p
        .command(&["register", "A", "--once", "--timeout", "10"])
        .env("HANDSET_DNS_SERVER", &server)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        k.log()
    );
    assert!(
        stdout.contains(&format!("connected to TCP:127.0.0.1:{tcp}")),
        "{stdout}"
    );
    // Only UDP allowed: the TCP records are never used; the first UDP target is down
    // (ICMP port unreachable), so the phone fails over to the second.
    p.edit(&["--transports", "udp"]);
    let out = p
        .command(&["register", "A", "--once", "--timeout", "10", "--sip-trace"])
        .env("HANDSET_DNS_SERVER", &server)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{trace}");
    assert!(
        stdout.contains(&format!("connected to UDP:127.0.0.1:{udp}")),
        "{stdout}"
    );
    assert!(
        !trace.contains("TCP:"),
        "a disabled transport was tried:\n{trace}"
    );
    // The trace shows the messages, with the digest response and the password hidden.
    assert!(
        trace.contains("REGISTER sip:sip.test SIP/2.0") && trace.contains("response=\"‹secret›\""),
        "{trace}"
    );
    assert!(!trace.contains("pw-dns"));
}

/// One codec both ways: baresip plays a 1 kHz tone that Handset records, Handset plays a
/// 600 Hz tone that baresip records; both arrive at the right pitch and level.
fn audio_both_ways(k: &Kamailio, user: &str, codec: &str, rate: u32, channels: u16) {
    audio_both_ways_secured(k, user, codec, rate, channels, None);
}

/// The same with SRTP: `mediaenc` is baresip's (`srtp-mand` for SDES), Handset's account uses
/// TLS and the matching media type.
fn audio_both_ways_secured(
    k: &Kamailio,
    user: &str,
    codec: &str,
    rate: u32,
    channels: u16,
    mediaenc: Option<(&str, &str)>,
) {
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone-1000.wav");
    tone_wav(&tone, 1000.0, 4.0, rate, channels);
    let record_dir = dir.path().join("baresip-rec");
    let bob = Baresip::start(
        k,
        BaresipOptions {
            codecs: Some(codec.into()),
            source: Some(tone.clone()),
            record_dir: Some(record_dir.clone()),
            transport: if mediaenc.is_some() { "tls" } else { "udp" },
            mediaenc: mediaenc.map(|(b, _)| b.to_owned()),
            ..BaresipOptions::new(user, &format!("pw-{user}"))
        },
    );
    let alice = Profile::new(
        k,
        &format!("alice-{user}"),
        "pw-alice",
        if mediaenc.is_some() { "tls" } else { "udp" },
    );
    alice.edit(&["--codecs", "opus,g722,pcmu,pcma,gsm,telephone-event"]);
    if let Some((_, ours)) = mediaenc {
        alice.edit(&["--media-types", ours]);
    }

    let heard = dir.path().join("heard.wav");
    let run = alice.listen_once(&["--record", heard.to_str().unwrap()]);
    bob.dial(&alice.uri());
    bob.wait_event("CALL_ESTABLISHED", T);
    std::thread::sleep(Duration::from_secs(2));
    bob.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{codec}: {out}");
    assert!(out.contains("media: sent"), "{codec}: {out}");
    let (freq, rms) = analyse(&heard);
    assert!(
        (950.0..=1050.0).contains(&freq) && rms > 3000.0,
        "{codec}: Handset heard {freq:.0} Hz at RMS {rms:.0}:\n{out}"
    );
    assert_eq!(
        hound::WavReader::open(&heard).unwrap().spec().sample_rate,
        rate,
        "recorded at the codec's rate"
    );

    let tone600 = dir.path().join("tone-600.wav");
    tone_wav(&tone600, 600.0, 4.0, 8000, 1);
    bob.clear_events();
    let run = alice.spawn(&[
        "call",
        "A",
        &bob.sip_uri(),
        "--play",
        tone600.to_str().unwrap(),
        "--duration",
        "2",
        "--sip-trace",
    ]);
    bob.wait_event("CALL_ESTABLISHED", T);
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{codec}: {out}");
    if mediaenc.is_some_and(|(_, ours)| ours == "srtp-dtls") {
        let profiles: Vec<&str> = out.lines().filter(|l| l.contains("m=audio")).collect();
        assert!(
            profiles.iter().all(|l| l.contains("UDP/TLS/RTP/SAVP")) && out.contains("a=fingerprint:sha-256"),
            "DTLS-SRTP offer and answer: {profiles:?}"
        );
    } else if mediaenc.is_some() {
        // We offer every suite, AES-GCM first; baresip (libre with OpenSSL) takes it.
        let cryptos: Vec<&str> = out.lines().filter(|l| l.contains("a=crypto:")).collect();
        eprintln!("{codec}: {cryptos:?}");
        // The trace shows the offer (once more after the proxy's challenge), then the answer.
        assert!(
            cryptos.len() >= 4
                && cryptos[..3]
                    .iter()
                    .zip([
                        "1 AEAD_AES_128_GCM",
                        "2 AES_CM_128_HMAC_SHA1_80",
                        "3 AES_CM_128_HMAC_SHA1_32"
                    ])
                    .all(|(l, s)| l.contains(s))
                && cryptos
                    .last()
                    .is_some_and(|l| l.contains("crypto:1 AEAD_AES_128_GCM")),
            "an offer of three suites; the answer takes AES-GCM: {cryptos:?}"
        );
    }
    bob.wait_event("CALL_CLOSED", T);
    std::thread::sleep(Duration::from_millis(500));
    let analysed = analyse_recordings(&record_dir);
    assert!(
        any_loud_tone(&analysed, 570.0, 630.0),
        "{codec}: baresip did not hear the 600 Hz tone: {analysed:?}\n{out}"
    );
}

#[test]
fn audio_flows_both_ways_with_baresip_in_pcmu_pcma_g722_opus_and_gsm() {
    let k = Kamailio::start(KamailioOptions::default());
    audio_both_ways(&k, "bob-pcmu", "PCMU", 8000, 1);
    audio_both_ways(&k, "bob-pcma", "PCMA", 8000, 1);
    audio_both_ways(&k, "bob-g722", "G722/16000/1", 16000, 1);
    audio_both_ways(&k, "bob-opus", "opus/48000/2", 48000, 2);
    audio_both_ways(&k, "bob-gsm", "GSM", 8000, 1);
}

/// [`audio_both_ways_secured`] in PCMU (as `user`) and in opus (as `user-opus`), on a Kamailio
/// of its own.
fn secured_audio_in_pcmu_and_opus(user: &str, mediaenc: (&str, &str)) {
    let k = Kamailio::start(KamailioOptions::default());
    audio_both_ways_secured(&k, user, "PCMU", 8000, 1, Some(mediaenc));
    audio_both_ways_secured(
        &k,
        &format!("{user}-opus"),
        "opus/48000/2",
        48000,
        2,
        Some(mediaenc),
    );
}

#[test]
fn srtp_sdes_audio_both_ways_with_baresip_over_tls() {
    secured_audio_in_pcmu_and_opus("bob-sdes", ("srtp-mand", "srtp-sdes"));
}

#[test]
fn srtp_dtls_audio_both_ways_with_baresip() {
    secured_audio_in_pcmu_and_opus("bob-dtls", ("dtls_srtp", "srtp-dtls"));
}

#[test]
fn srtp_sdes_is_refused_over_plain_signalling() {
    let k = Kamailio::start(KamailioOptions::default());
    let alice = Profile::new(&k, "alice", "pw-alice", "udp");
    alice.edit(&["--media-types", "srtp-sdes"]);
    let run = alice.spawn(&["call", "A", "sip:bob@127.0.0.1"]);
    let (code, out) = run.finish(T);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("SRTP-SDES would send the media keys in clear text over UDP"),
        "{out}"
    );
}

#[test]
fn dtmf_digits_both_ways_with_baresip() {
    const DIGITS: &str = "0123456789*#";
    let k = Kamailio::start(KamailioOptions::default());
    let bob = Baresip::start(&k, BaresipOptions::pcmu("bob", "pw-bob"));
    let alice = Profile::new(&k, "alice", "pw-alice", "udp");

    // Handset sends; baresip reports each key.
    let mut run = alice.spawn(&["call", "A", &bob.sip_uri(), "--dtmf", DIGITS, "--duration", "4"]);
    bob.wait_event("CALL_ESTABLISHED", T);
    assert_eq!(bob.wait_dtmf(DIGITS.len(), T), DIGITS);
    run.wait_line("ended by us (200", T);
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");

    // baresip sends; Handset prints each digit.
    bob.clear_events();
    let mut run = alice.listen_once(&[]);
    bob.dial(&alice.uri());
    bob.wait_event("CALL_ESTABLISHED", T);
    std::thread::sleep(Duration::from_millis(500));
    for d in DIGITS.chars() {
        bob.command("sndcode", &d.to_string());
        run.wait_line(&format!("received digit {d}"), T);
    }
    bob.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    assert_eq!(received_digits(&out), DIGITS, "each digit once:\n{out}");
}

#[test]
fn hold_and_resume_keep_the_call_and_the_audio_comes_back() {
    let k = Kamailio::start(KamailioOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone.wav");
    tone_wav(&tone, 1000.0, 10.0, 8000, 1);
    let bob = Baresip::start(
        &k,
        BaresipOptions {
            source: Some(tone),
            ..BaresipOptions::pcmu("bob", "pw-bob")
        },
    );
    let alice = Profile::new(&k, "alice", "pw-alice", "udp");
    let heard = dir.path().join("heard.wav");
    let args = [
        "call",
        "A",
        &bob.sip_uri(),
        "--record",
        heard.to_str().unwrap(),
        "--duration",
        "5",
        "--hold-at",
        "1",
        "--resume-at",
        "3",
    ];
    let run = alice.spawn(&args);
    bob.wait_event("CALL_ESTABLISHED", T);
    let (code, out) = run.finish(Duration::from_secs(20));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("holding") && out.contains("resuming"), "{out}");
    assert_eq!(out.matches("media renegotiated").count(), 2, "{out}");
    assert!(
        out.contains("ended by us (200"),
        "the call lasted through hold and resume:\n{out}"
    );
    // Loud, then quiet while held, then loud again after the resume (100 ms windows).
    let samples: Vec<i16> = hound::WavReader::open(&heard)
        .unwrap()
        .into_samples()
        .map(Result::unwrap)
        .collect();
    let loud: Vec<bool> = samples
        .chunks(800)
        .map(|w| (w.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / w.len() as f64).sqrt() > 3000.0)
        .collect();
    let pattern: String = loud.iter().map(|l| if *l { 'L' } else { '.' }).collect();
    let first_quiet = pattern
        .find(".....")
        .unwrap_or_else(|| panic!("no hold gap: {pattern}"));
    assert!(
        pattern[..first_quiet].contains("LLLLL"),
        "audio before hold: {pattern}"
    );
    assert!(
        pattern[first_quiet..].contains("LLLLL"),
        "audio after resume: {pattern}"
    );
}
