//! Minimal SDP offer/answer (RFC 3264, RFC 8866) for call setup: one audio stream with the
//! account's codecs in its order; the answer picks from the offer in the account's order.

use std::fmt::Write as _;
use std::net::IpAddr;

/// A payload format Handset can offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Opus,
    G722,
    Pcmu,
    Pcma,
    G729,
    Gsm,
    TelephoneEvent,
    /// telephone-event at Opus's clock: offered next to Opus, alongside the 8 kHz one.
    TelephoneEvent48k,
}

impl Format {
    /// (payload type we offer, encoding name, RTP clock rate, channels, fmtp).
    fn spec(self) -> (u8, &'static str, u32, Option<u8>, Option<&'static str>) {
        match self {
            Format::Opus => (
                111,
                "opus",
                48000,
                Some(2),
                Some("useinbandfec=1; maxplaybackrate=48000; stereo=0; sprop-stereo=0"),
            ),
            // RFC 3551: G.722's RTP clock is 8000 although it samples at 16 kHz.
            Format::G722 => (9, "G722", 8000, None, None),
            Format::Pcmu => (0, "PCMU", 8000, None, None),
            Format::Pcma => (8, "PCMA", 8000, None, None),
            Format::G729 => (18, "G729", 8000, None, Some("annexb=no")),
            Format::Gsm => (3, "GSM", 8000, None, None),
            Format::TelephoneEvent => (101, "telephone-event", 8000, None, Some("0-16")),
            Format::TelephoneEvent48k => (110, "telephone-event", 48000, None, Some("0-16")),
        }
    }

    fn name(self) -> &'static str {
        self.spec().1
    }
}

/// Why an offer cannot be answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("the offer has no audio stream")]
    NoAudio,
    #[error("no codec in common (offered: {offered}; allowed: {allowed})")]
    NoCommonCodec { offered: String, allowed: String },
}

fn addr_line(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("IN IP4 {v4}"),
        IpAddr::V6(v6) => format!("IN IP6 {v6}"),
    }
}

/// An SDP body with one audio stream for the given formats (payload type, rtpmap, fmtp),
/// with `a=rtcp-mux` (RFC 5761) when `rtcp_mux`.
pub fn describe(
    session_id: u64,
    ip: IpAddr,
    port: u16,
    formats: &[(u8, Format)],
    direction: &str,
    rtcp_mux: bool,
) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "v=0\r\no=handset {session_id} 1 {}\r\ns=Handset\r\nc={}\r\nt=0 0\r\n",
        addr_line(ip),
        addr_line(ip)
    );
    let pts: Vec<String> = formats.iter().map(|(pt, _)| pt.to_string()).collect();
    let _ = write!(s, "m=audio {port} RTP/AVP {}\r\n", pts.join(" "));
    for (pt, f) in formats {
        let (_, name, clock, channels, fmtp) = f.spec();
        match channels {
            Some(c) => {
                let _ = write!(s, "a=rtpmap:{pt} {name}/{clock}/{c}\r\n");
            }
            None => {
                let _ = write!(s, "a=rtpmap:{pt} {name}/{clock}\r\n");
            }
        }
        if let Some(fmtp) = fmtp {
            let _ = write!(s, "a=fmtp:{pt} {fmtp}\r\n");
        }
    }
    let _ = write!(s, "a=ptime:20\r\n");
    if rtcp_mux {
        s.push_str("a=rtcp-mux\r\n");
    }
    let _ = write!(s, "a={direction}\r\n");
    s
}

/// An offer with the account's formats in its order (telephone-event also at 48 kHz when Opus
/// is offered, RFC 4733 §2.1), offering rtcp-mux.
pub fn offer(session_id: u64, ip: IpAddr, port: u16, formats: &[Format]) -> String {
    let mut with_pts: Vec<(u8, Format)> = Vec::with_capacity(formats.len() + 1);
    for f in formats {
        if *f == Format::TelephoneEvent && formats.contains(&Format::Opus) {
            with_pts.push((Format::TelephoneEvent48k.spec().0, Format::TelephoneEvent48k));
        }
        with_pts.push((f.spec().0, *f));
    }
    describe(session_id, ip, port, &with_pts, "sendrecv", true)
}

/// Whether a description asks for RTP and RTCP on one port (RFC 5761).
pub fn rtcp_mux(sdp: &str) -> bool {
    sdp.lines().any(|l| l.trim() == "a=rtcp-mux")
}

/// The RTCP port of the first audio stream: `a=rtcp` (RFC 3605) or the RTP port + 1.
pub fn rtcp_port(sdp: &str, rtp_port: u16) -> u16 {
    sdp.lines()
        .find_map(|l| l.trim().strip_prefix("a=rtcp:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(rtp_port.wrapping_add(1))
}

/// The payload type and clock of telephone-event in a description: the one at `clock` (the
/// audio codec's) when present, else the 8 kHz one.
pub fn telephone_event(sdp: &str, clock: u32) -> Option<(u8, u32)> {
    let formats = offered_formats(sdp)?;
    let te = |c: u32| {
        formats
            .iter()
            .find(|(_, n, fc)| n.eq_ignore_ascii_case("telephone-event") && *fc == c)
            .map(|(pt, _, _)| (*pt, c))
    };
    te(clock).or_else(|| te(8000))
}

/// (payload type, encoding name, clock) of each format in the first audio stream of `sdp`.
pub fn offered_formats(sdp: &str) -> Option<Vec<(u8, String, u32)>> {
    let mut in_audio = false;
    let mut pts: Vec<u8> = Vec::new();
    let mut maps: Vec<(u8, String, u32)> = Vec::new();
    for line in sdp.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            if in_audio {
                break;
            }
            let mut parts = m.split_whitespace();
            in_audio = parts.next() == Some("audio") && parts.next().is_some_and(|p| p != "0");
            pts = parts.skip(1).filter_map(|p| p.parse().ok()).collect();
        } else if in_audio && let Some(map) = line.strip_prefix("a=rtpmap:") {
            let (pt, enc) = map.split_once(' ')?;
            let mut enc = enc.split('/');
            let name = enc.next()?.to_owned();
            let clock = enc.next().and_then(|c| c.parse().ok()).unwrap_or(8000);
            if let Ok(pt) = pt.parse() {
                maps.push((pt, name, clock));
            }
        }
    }
    if !in_audio && pts.is_empty() {
        return None;
    }
    Some(
        pts.iter()
            .map(|pt| {
                maps.iter().find(|(p, _, _)| p == pt).cloned().unwrap_or_else(|| {
                    // Static payload types (RFC 3551) need no rtpmap.
                    let name = match pt {
                        0 => "PCMU",
                        3 => "GSM",
                        8 => "PCMA",
                        9 => "G722",
                        18 => "G729",
                        _ => "",
                    };
                    (*pt, name.to_owned(), 8000)
                })
            })
            .collect(),
    )
}

/// The direction attribute of a description (`sendrecv` when none is given, RFC 3264 §5.1).
pub fn direction(sdp: &str) -> &'static str {
    for line in sdp.lines().map(str::trim) {
        match line {
            "a=sendonly" => return "sendonly",
            "a=recvonly" => return "recvonly",
            "a=inactive" => return "inactive",
            "a=sendrecv" => return "sendrecv",
            _ => {}
        }
    }
    "sendrecv"
}

/// The direction to answer an offer with (RFC 3264 §6.1): the mirror of the offer's.
pub fn answer_direction(offer: &str) -> &'static str {
    match direction(offer) {
        "sendonly" => "recvonly",
        "recvonly" => "sendonly",
        "inactive" => "inactive",
        _ => "sendrecv",
    }
}

/// Our own description with another direction and the next `o=` version (hold and resume).
pub fn with_direction(sdp: &str, dir: &str) -> String {
    let mut out = String::with_capacity(sdp.len() + 16);
    let mut has_direction = false;
    for line in sdp.split("\r\n").filter(|l| !l.is_empty()) {
        let line = match line {
            "a=sendrecv" | "a=sendonly" | "a=recvonly" | "a=inactive" => {
                has_direction = true;
                format!("a={dir}")
            }
            l if l.starts_with("o=") => {
                let mut parts: Vec<String> = l.split(' ').map(str::to_owned).collect();
                if let Some(v) = parts
                    .get_mut(2)
                    .and_then(|v| v.parse::<u64>().ok().map(|n| (n + 1).to_string()))
                {
                    parts[2] = v;
                }
                parts.join(" ")
            }
            l => l.to_owned(),
        };
        out.push_str(&line);
        out.push_str("\r\n");
    }
    if !has_direction {
        out.push_str(&format!("a={dir}\r\n"));
    }
    out
}

/// Turns our RTP/AVP description into RTP/SAVP with the given `a=crypto` lines (RFC 4568).
pub fn secure(sdp: &str, cryptos: &[crate::engine::sdes::Crypto]) -> String {
    let mut out = sdp.replacen(" RTP/AVP ", " RTP/SAVP ", 1);
    for c in cryptos {
        out.push_str(&format!("a={}\r\n", c.attribute()));
    }
    out
}

/// Turns our RTP/AVP description into UDP/TLS/RTP/SAVP keyed by DTLS (RFC 5763/5764): our
/// certificate's fingerprint (`sha-256 AB:…`) and our `a=setup` role.
pub fn dtls(sdp: &str, fingerprint: &str, setup: &str) -> String {
    let mut out = sdp.replacen(" RTP/AVP ", " UDP/TLS/RTP/SAVP ", 1);
    out.push_str(&format!("a=fingerprint:{fingerprint}\r\na=setup:{setup}\r\n"));
    out
}

/// Our ICE attributes (RFC 8839): credentials and `a=candidate` values (without the
/// `candidate:` prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalIce {
    pub ufrag: String,
    pub pwd: String,
    pub candidates: Vec<String>,
}

/// Adds our ICE attributes to our description (its audio stream is the last section). Offers
/// already carry `a=rtcp-mux`; answers have it when the offer did (one ICE component).
pub fn with_ice(sdp: &str, ice: &LocalIce) -> String {
    let mut out = sdp.to_owned();
    let _ = write!(out, "a=ice-ufrag:{}\r\na=ice-pwd:{}\r\n", ice.ufrag, ice.pwd);
    for c in &ice.candidates {
        let _ = write!(out, "a=candidate:{c}\r\n");
    }
    out.push_str("a=end-of-candidates\r\n");
    out
}

/// The far end's ICE attributes from its session level and first audio stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteIce {
    pub ufrag: String,
    pub pwd: String,
    /// `a=candidate` values without the `candidate:` prefix.
    pub candidates: Vec<String>,
    /// `a=ice-lite`: the far end only answers checks (RFC 8445 §2.5).
    pub lite: bool,
    pub end_of_candidates: bool,
}

/// The far end's ICE attributes, when its description has credentials and candidates.
pub fn remote_ice(sdp: &str) -> Option<RemoteIce> {
    let mut ice = RemoteIce::default();
    // Session level, then the first audio stream; streams before it are skipped.
    let mut in_audio = false;
    let mut skipping = false;
    for line in sdp.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            if in_audio {
                break;
            }
            in_audio = m.starts_with("audio ");
            skipping = !in_audio;
            continue;
        }
        if skipping {
            continue;
        }
        let Some(attr) = line.strip_prefix("a=") else {
            continue;
        };
        let (name, value) = attr.split_once(':').unwrap_or((attr, ""));
        match name {
            "ice-ufrag" => ice.ufrag = value.trim().to_owned(),
            "ice-pwd" => ice.pwd = value.trim().to_owned(),
            "ice-lite" => ice.lite = true,
            "end-of-candidates" => ice.end_of_candidates = true,
            "candidate" => ice.candidates.push(value.trim().to_owned()),
            _ => {}
        }
    }
    (!ice.ufrag.is_empty() && !ice.pwd.is_empty() && !ice.candidates.is_empty()).then_some(ice)
}

/// Whether the first audio stream is keyed by DTLS (UDP/TLS/RTP/SAVP or …/SAVPF).
pub fn is_dtls(sdp: &str) -> bool {
    sdp.lines().find(|l| l.starts_with("m=audio")).is_some_and(|m| {
        m.split_whitespace()
            .nth(2)
            .is_some_and(|p| p.contains("TLS/RTP/SAVP"))
    })
}

/// Whether the first audio stream uses an SRTP profile (RTP/SAVP or RTP/SAVPF).
pub fn is_secure(sdp: &str) -> bool {
    sdp.lines()
        .find(|l| l.starts_with("m=audio"))
        .is_some_and(|m| m.split_whitespace().nth(2).is_some_and(|p| p.contains("SAVP")))
}

/// Where the far end wants its audio, and the formats of its audio stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteMedia {
    pub addr: std::net::SocketAddr,
    pub formats: Vec<(u8, String, u32)>,
}

/// Reads the connection address (media level over session level) and port of the first audio stream.
pub fn remote_media(sdp: &str) -> Option<RemoteMedia> {
    let mut session_ip: Option<IpAddr> = None;
    let mut media_ip: Option<IpAddr> = None;
    let mut port: Option<u16> = None;
    let mut in_audio = false;
    for line in sdp.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            if port.is_some() {
                break;
            }
            let mut parts = m.split_whitespace();
            in_audio = parts.next() == Some("audio");
            if in_audio {
                port = parts.next().and_then(|p| p.parse().ok());
            }
        } else if let Some(c) = line.strip_prefix("c=") {
            let ip = c
                .split_whitespace()
                .nth(2)
                .and_then(|a| a.split('/').next()?.parse().ok());
            if in_audio {
                media_ip = ip;
            } else if port.is_none() {
                session_ip = ip;
            }
        }
    }
    let port = port.filter(|p| *p != 0)?;
    let ip = media_ip.or(session_ip)?;
    Some(RemoteMedia {
        addr: std::net::SocketAddr::new(ip, port),
        formats: offered_formats(sdp)?,
    })
}

/// Answers an offer: the first allowed audio format (account order) that the offer has, plus
/// telephone-event when both have it, using the offer's payload types.
pub fn answer(
    session_id: u64,
    offer_sdp: &str,
    allowed: &[Format],
    ip: IpAddr,
    port: u16,
) -> Result<String, SdpError> {
    let offered = offered_formats(offer_sdp).ok_or(SdpError::NoAudio)?;
    let find = |f: Format| {
        offered
            .iter()
            .find(|(_, name, clock)| name.eq_ignore_ascii_case(f.name()) && *clock == f.spec().2)
            .map(|(pt, _, _)| (*pt, f))
    };
    let audio = allowed
        .iter()
        .filter(|f| **f != Format::TelephoneEvent)
        .find_map(|f| find(*f));
    let Some(audio) = audio else {
        return Err(SdpError::NoCommonCodec {
            offered: offered
                .iter()
                .map(|(_, n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            allowed: allowed.iter().map(|f| f.name()).collect::<Vec<_>>().join(" "),
        });
    };
    let mut chosen = vec![audio];
    if allowed.contains(&Format::TelephoneEvent) {
        // The event clock of the audio codec when offered, else 8 kHz.
        let at_audio_clock = (audio.1 == Format::Opus)
            .then(|| find(Format::TelephoneEvent48k))
            .flatten();
        if let Some(te) = at_audio_clock.or_else(|| find(Format::TelephoneEvent)) {
            chosen.push(te);
        }
    }
    Ok(describe(
        session_id,
        ip,
        port,
        &chosen,
        "sendrecv",
        rtcp_mux(offer_sdp),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_lists_codecs_in_order() {
        let o = offer(
            1,
            "127.0.0.1".parse().unwrap(),
            4000,
            &[Format::Opus, Format::Pcmu, Format::TelephoneEvent],
        );
        assert!(o.contains("m=audio 4000 RTP/AVP 111 0 110 101\r\n"), "{o}");
        assert!(o.contains("a=rtpmap:111 opus/48000/2") && o.contains("a=fmtp:101 0-16"));
        assert!(o.contains("a=rtpmap:110 telephone-event/48000\r\na=fmtp:110 0-16"));
        assert!(rtcp_mux(&o));
        assert_eq!(telephone_event(&o, 48000), Some((110, 48000)));
        assert_eq!(telephone_event(&o, 8000), Some((101, 8000)));
        let narrow = offer(
            1,
            "127.0.0.1".parse().unwrap(),
            4000,
            &[Format::Pcmu, Format::TelephoneEvent],
        );
        assert!(narrow.contains("RTP/AVP 0 101\r\n") && !narrow.contains("/48000"));
    }

    #[test]
    fn rtcp_port_and_mux() {
        assert_eq!(
            rtcp_port("m=audio 5000 RTP/AVP 0\r\na=rtcp:5011 IN IP4 1.2.3.4\r\n", 5000),
            5011
        );
        assert_eq!(rtcp_port("m=audio 5000 RTP/AVP 0\r\n", 5000), 5001);
        let offer_sdp = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 5000 RTP/AVP 111 101\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n";
        let a = answer(
            2,
            offer_sdp,
            &[Format::Opus, Format::TelephoneEvent],
            "::1".parse().unwrap(),
            6000,
        )
        .unwrap();
        assert!(!rtcp_mux(&a), "no mux unless offered");
        assert!(
            a.contains("RTP/AVP 111 101\r\n"),
            "8 kHz events when 48 kHz ones are not offered: {a}"
        );
        let with_48 = offer_sdp.replace("111 101", "111 102 101")
            + "a=rtpmap:102 telephone-event/48000\r\na=rtcp-mux\r\n";
        let a = answer(
            2,
            &with_48,
            &[Format::Opus, Format::TelephoneEvent],
            "::1".parse().unwrap(),
            6000,
        )
        .unwrap();
        assert!(rtcp_mux(&a) && a.contains("RTP/AVP 111 102\r\n"), "{a}");
    }

    #[test]
    fn secure_descriptions() {
        let o = offer(1, "127.0.0.1".parse().unwrap(), 4000, &[Format::Pcmu]);
        assert!(!is_secure(&o));
        let c = crate::engine::sdes::Crypto {
            tag: 1,
            suite: crate::engine::sdes::Suite::AesCm128HmacSha1_80,
            key_salt: vec![7; 30],
        };
        let s = secure(&o, std::slice::from_ref(&c));
        assert!(is_secure(&s) && s.contains("m=audio 4000 RTP/SAVP 0"));
        assert_eq!(crate::engine::sdes::cryptos(&s), [c]);
        let d = dtls(&o, "sha-256 AA:BB", "actpass");
        assert!(is_dtls(&d) && is_secure(&d) && !is_dtls(&s));
        assert!(
            d.contains("m=audio 4000 UDP/TLS/RTP/SAVP 0\r\n")
                && d.contains("a=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\n")
        );
    }

    #[test]
    fn ice_attributes_both_ways() {
        let o = offer(1, "127.0.0.1".parse().unwrap(), 4000, &[Format::Pcmu]);
        assert_eq!(remote_ice(&o), None, "no ICE unless added");
        let ours = LocalIce {
            ufrag: "abcd".into(),
            pwd: "0123456789abcdefghijkl".into(),
            candidates: vec!["1 1 udp 2130706431 127.0.0.1 4000 typ host".into()],
        };
        let with = with_ice(&dtls(&o, "sha-256 AA", "actpass"), &ours);
        assert!(
            with.ends_with(
                "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n\
                 a=candidate:1 1 udp 2130706431 127.0.0.1 4000 typ host\r\na=end-of-candidates\r\n"
            ) && rtcp_mux(&with),
            "{with}"
        );
        let theirs = remote_ice(&with).unwrap();
        assert_eq!(
            (
                theirs.ufrag.as_str(),
                theirs.pwd.as_str(),
                theirs.candidates.clone()
            ),
            ("abcd", ours.pwd.as_str(), ours.candidates.clone())
        );
        assert!(!theirs.lite && theirs.end_of_candidates);
        // Session-level credentials and ice-lite; a video stream first; a later stream ignored.
        let lite = "v=0\r\na=ice-lite\r\na=ice-ufrag:u1u1\r\na=ice-pwd:pppppppppppppppppppppp\r\n\
                    m=video 5002 RTP/AVP 96\r\na=candidate:9 1 udp 1 10.0.0.9 5002 typ host\r\n\
                    m=audio 5000 RTP/AVP 0\r\na=candidate:1 1 udp 1 10.0.0.1 5000 typ host\r\n\
                    m=audio 5004 RTP/AVP 0\r\na=candidate:2 1 udp 1 10.0.0.2 5004 typ host\r\n";
        let r = remote_ice(lite).unwrap();
        assert!(r.lite && r.ufrag == "u1u1" && !r.end_of_candidates);
        assert_eq!(r.candidates, ["1 1 udp 1 10.0.0.1 5000 typ host"]);
        assert_eq!(
            remote_ice("v=0\r\na=ice-ufrag:x\r\nm=audio 1 RTP/AVP 0\r\n"),
            None
        );
    }

    #[test]
    fn hold_and_resume_rewrite_direction_and_version() {
        let o = offer(7, "127.0.0.1".parse().unwrap(), 4000, &[Format::Pcmu]);
        let held = with_direction(&o, "sendonly");
        assert!(
            held.contains("o=handset 7 2 IN IP4")
                && held.contains("a=sendonly\r\n")
                && !held.contains("sendrecv")
        );
        assert_eq!(direction(&held), "sendonly");
        assert_eq!(answer_direction(&held), "recvonly");
        let resumed = with_direction(&held, "sendrecv");
        assert!(resumed.contains("o=handset 7 3 ") && resumed.contains("a=sendrecv"));
        assert_eq!(answer_direction("v=0\r\n"), "sendrecv");
    }

    #[test]
    fn remote_media_prefers_the_media_level_address() {
        let sdp = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 5004 RTP/AVP 8 0\r\nc=IN IP6 ::1\r\n";
        let m = remote_media(sdp).unwrap();
        assert_eq!(m.addr, "[::1]:5004".parse::<std::net::SocketAddr>().unwrap());
        assert_eq!(m.formats[0], (8, "PCMA".into(), 8000));
        assert!(
            remote_media("v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 0 RTP/AVP 0\r\n").is_none(),
            "port 0: stream refused"
        );
    }

    #[test]
    fn answer_picks_account_order_from_the_offer() {
        let offer_sdp = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 5000 RTP/AVP 0 8 9 96\r\na=rtpmap:96 telephone-event/8000\r\n";
        let a = answer(
            2,
            offer_sdp,
            &[Format::G722, Format::Pcma, Format::TelephoneEvent],
            "::1".parse().unwrap(),
            6000,
        )
        .unwrap();
        assert!(a.contains("m=audio 6000 RTP/AVP 9 96\r\n"), "{a}");
        assert!(a.contains("c=IN IP6 ::1"));
        let e = answer(2, offer_sdp, &[Format::Opus], "::1".parse().unwrap(), 6000).unwrap_err();
        assert!(matches!(e, SdpError::NoCommonCodec { .. }));
        assert_eq!(
            answer(2, "v=0\r\n", &[Format::Opus], "::1".parse().unwrap(), 1),
            Err(SdpError::NoAudio)
        );
    }
}
