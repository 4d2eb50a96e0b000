//! ICE (RFC 8445) for a call's media: one component (RTP, with RTCP multiplexed) on the call's
//! RTP socket, driven by the stream's loop and clock around the sans-IO agent of `rtc-ice`.
//!
//! Our candidates are the socket's host address and, when a STUN server is configured, the
//! server-reflexive address it reports (RFC 8489 Binding, gathered before the SDP is written).
//! The far end's credentials and candidates come from its SDP. The offerer controls (regular
//! nomination), the answerer is controlled — except towards an ICE-lite peer, which a full agent
//! always controls (§6.1.1). STUN shares the RTP port and is told apart by its first byte (0–3,
//! RFC 7983). Media and DTLS go to the selected pair's remote address once there is one.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use rtc_ice::candidate::candidate_host::CandidateHostConfig;
use rtc_ice::candidate::candidate_server_reflexive::CandidateServerReflexiveConfig;
use rtc_ice::candidate::{Candidate, CandidateConfig, unmarshal_candidate};
use rtc_ice::mdns::MulticastDnsMode;
use rtc_ice::network_type::NetworkType;
use rtc_ice::state::ConnectionState;
use rtc_ice::{Agent, AgentConfig, Event};
use rtc_shared::{TaggedBytesMut, TransportContext, TransportProtocol};
use rtc_stun::message::{
    BINDING_REQUEST, CLASS_SUCCESS_RESPONSE, Getter, METHOD_BINDING, Message, TransactionId,
};
use sansio::Protocol;
use tracing::{debug, info, warn};

use crate::engine::sdp::{LocalIce, RemoteIce};

/// The far end may announce this many candidates at most; the rest are ignored.
const MAX_REMOTE_CANDIDATES: usize = 32;

/// Why ICE could not be set up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IceError {
    #[error("cannot start ICE: {0}")]
    Agent(String),
    #[error("the far end's SDP has no usable ICE candidate")]
    NoCandidate,
    #[error("STUN server `{server}`: {reason}")]
    Stun { server: String, reason: String },
}

/// Whether a datagram on the RTP port is STUN (RFC 7983: first byte 0–3).
pub fn is_stun(datagram: &[u8]) -> bool {
    datagram.first().is_some_and(|b| *b <= 3)
}

/// The ICE agent of one media stream.
pub struct IceAgent {
    agent: Agent,
    local: SocketAddr,
    selected: Option<SocketAddr>,
    state: ConnectionState,
}

impl std::fmt::Debug for IceAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceAgent")
            .field("local", &self.local)
            .field("selected", &self.selected)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

fn agent_error(e: impl std::fmt::Display) -> IceError {
    IceError::Agent(e.to_string())
}

impl IceAgent {
    /// An agent with fresh credentials and the host candidate `local` (the RTP socket's
    /// address), plus the server-reflexive one when it differs from the host (RFC 8445 §5.1.3).
    pub fn new(local: SocketAddr, reflexive: Option<SocketAddr>, now: Instant) -> Result<IceAgent, IceError> {
        let provider = rtc_ice::crypto::default_provider().map_err(agent_error)?;
        let config = AgentConfig {
            multicast_dns_mode: MulticastDnsMode::Disabled,
            network_types: vec![NetworkType::Udp4, NetworkType::Udp6],
            ..AgentConfig::default()
        };
        let mut agent = Agent::new(now, Arc::new(config), provider).map_err(agent_error)?;
        let host = CandidateHostConfig {
            base_config: udp_candidate(local),
            ..CandidateHostConfig::default()
        }
        .new_candidate_host()
        .map_err(agent_error)?;
        agent.add_local_candidate(host).map_err(agent_error)?;
        if let Some(mapped) = reflexive.filter(|m| *m != local) {
            let srflx = CandidateServerReflexiveConfig {
                base_config: udp_candidate(mapped),
                rel_addr: local.ip().to_string(),
                rel_port: local.port(),
                url: None,
            }
            .new_candidate_server_reflexive()
            .map_err(agent_error)?;
            agent.add_local_candidate(srflx).map_err(agent_error)?;
        }
        Ok(IceAgent {
            agent,
            local,
            selected: None,
            state: ConnectionState::New,
        })
    }

    /// Our `a=ice-ufrag`, `a=ice-pwd` and `a=candidate` values for the SDP.
    pub fn local_description(&self) -> LocalIce {
        let c = self.agent.get_local_credentials();
        LocalIce {
            ufrag: c.ufrag.clone(),
            pwd: c.pwd.clone(),
            candidates: self
                .agent
                .get_local_candidates()
                .iter()
                .map(Candidate::marshal)
                .collect(),
        }
    }

    /// Starts the connectivity checks towards the far end of `remote`; `offerer` says whether we
    /// sent the offer (the controlling side, as we also are towards an ICE-lite peer).
    pub fn start(&mut self, remote: &RemoteIce, offerer: bool, now: Instant) -> Result<(), IceError> {
        let mut usable = 0;
        for line in remote.candidates.iter().take(MAX_REMOTE_CANDIDATES) {
            let Ok(c) = unmarshal_candidate(line) else {
                debug!(candidate = %line, "unreadable ICE candidate ignored");
                continue;
            };
            // One component: RTP with RTCP multiplexed (RFC 5761); UDP only.
            if c.component() != 1 || !c.network_type().is_udp() {
                continue;
            }
            // A socket on loopback reaches only loopback candidates, and only it reaches them.
            if c.addr().ip().is_loopback() != self.local.ip().is_loopback() {
                continue;
            }
            if self.agent.add_remote_candidate(c).unwrap_or(false) {
                usable += 1;
            }
        }
        if usable == 0 {
            return Err(IceError::NoCandidate);
        }
        let controlling = offerer || remote.lite;
        self.agent
            .start_connectivity_checks(now, controlling, remote.ufrag.clone(), remote.pwd.clone())
            .map_err(agent_error)?;
        info!(
            controlling,
            lite_peer = remote.lite,
            candidates = usable,
            "ICE checks started"
        );
        Ok(())
    }

    /// A STUN datagram that arrived on our socket from `from`; bad or unexpected messages are
    /// dropped (the agent checks MESSAGE-INTEGRITY and FINGERPRINT).
    pub fn on_stun(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        if !rtc_stun::message::is_stun_message(datagram) {
            return;
        }
        let msg = TaggedBytesMut {
            now,
            transport: self.context(from),
            message: BytesMut::from(datagram),
        };
        if let Err(e) = self.agent.handle_read(msg) {
            debug!(%from, error = %e, "STUN datagram dropped");
        }
        self.drain_events();
    }

    /// When [`IceAgent::handle_timeout`] is next due (checks, nomination, consent).
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        self.agent.poll_timeout()
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if let Err(e) = self.agent.handle_timeout(now) {
            debug!(error = %e, "ICE timer");
        }
        self.drain_events();
    }

    /// STUN datagrams to send from our socket.
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        while let Some(t) = self.agent.poll_write() {
            // Everything leaves from the one socket; nothing for other local addresses.
            if t.transport.local_addr == self.local {
                return Some((t.transport.peer_addr, t.message.to_vec()));
            }
        }
        None
    }

    /// The far end's address of the selected pair: where media and DTLS go.
    pub fn selected(&self) -> Option<SocketAddr> {
        self.selected
    }

    /// Whether the checks gave up (no pair works).
    pub fn failed(&self) -> bool {
        self.state == ConnectionState::Failed
    }

    fn context(&self, peer: SocketAddr) -> TransportContext {
        TransportContext {
            local_addr: self.local,
            peer_addr: peer,
            transport_protocol: TransportProtocol::UDP,
            ecn: None,
        }
    }

    fn drain_events(&mut self) {
        while let Some(e) = self.agent.poll_event() {
            match e.event {
                Event::ConnectionStateChange(state) => {
                    if state == ConnectionState::Failed {
                        warn!("ICE failed: no candidate pair works");
                    }
                    self.state = state;
                }
                Event::SelectedCandidatePairChange(local, remote) => {
                    info!(kind = %remote.candidate_type(), "ICE selected a pair");
                    debug!(local = %local.addr(), remote = %remote.addr(), "the selected pair");
                    self.selected = Some(remote.addr());
                }
                _ => {}
            }
        }
        if self.state == ConnectionState::Failed {
            self.selected = None;
        }
    }
}

fn udp_candidate(addr: SocketAddr) -> CandidateConfig {
    CandidateConfig {
        network: "udp".into(),
        address: addr.ip().to_string(),
        port: addr.port(),
        component: 1,
        ..CandidateConfig::default()
    }
}

/// Asks the STUN server `server` (`stun:host[:port]`, port 3478 by default) from `socket`
/// where it sees us (RFC 8489 Binding request, retransmitted; gives up after `wait`). Blocks:
/// call before the socket carries media.
pub fn server_reflexive(
    socket: &std::net::UdpSocket,
    server: &str,
    wait: Duration,
) -> Result<SocketAddr, IceError> {
    let fail = |reason: String| IceError::Stun {
        server: server.to_owned(),
        reason,
    };
    let url = rtc_ice::url::Url::parse_url(server).map_err(|e| fail(e.to_string()))?;
    if url.scheme != rtc_ice::url::SchemeType::Stun {
        return Err(fail("only stun: servers are supported".into()));
    }
    let host = url.host.trim_matches(['[', ']']);
    let to = (host, url.port)
        .to_socket_addrs()
        .map_err(|e| fail(e.to_string()))?
        .find(|a| socket.local_addr().is_ok_and(|l| l.is_ipv4() == a.is_ipv4()))
        .ok_or_else(|| fail("no address of the server's family".into()))?;
    let mut request = Message::new();
    request
        .build(&[
            Box::new(BINDING_REQUEST),
            Box::new(TransactionId::new()),
            Box::new(rtc_stun::fingerprint::FINGERPRINT),
        ])
        .map_err(|e| fail(e.to_string()))?;
    let deadline = Instant::now() + wait;
    let mut retransmit = Duration::from_millis(100);
    let mut buf = [0u8; 1500];
    let result = loop {
        let now = Instant::now();
        if now >= deadline {
            break Err(fail(format!("no answer within {} ms", wait.as_millis())));
        }
        if let Err(e) = socket.send_to(&request.raw, to) {
            break Err(fail(e.to_string()));
        }
        let until = (now + retransmit).min(deadline);
        retransmit *= 2;
        if let Some(mapped) = await_binding_response(socket, &request, to, until, &mut buf) {
            break Ok(mapped);
        }
    };
    let _ = socket.set_read_timeout(None);
    result
}

/// Waits until `until` for the success response to `request` from `server`.
fn await_binding_response(
    socket: &std::net::UdpSocket,
    request: &Message,
    server: SocketAddr,
    until: Instant,
    buf: &mut [u8],
) -> Option<SocketAddr> {
    loop {
        let left = until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())?;
        socket.set_read_timeout(Some(left)).ok()?;
        let Ok((n, from)) = socket.recv_from(buf) else {
            return None;
        };
        if from != server || !rtc_stun::message::is_stun_message(&buf[..n]) {
            continue;
        }
        let mut m = Message::new();
        if m.unmarshal_binary(&buf[..n]).is_err()
            || m.transaction_id != request.transaction_id
            || m.typ.method != METHOD_BINDING
            || m.typ.class != CLASS_SUCCESS_RESPONSE
        {
            continue;
        }
        let mut xor = rtc_stun::xoraddr::XorMappedAddress::default();
        if xor.get_from(&m).is_ok() {
            return Some(SocketAddr::new(xor.ip, xor.port));
        }
        let mut plain = rtc_stun::addr::MappedAddress::default();
        if plain.get_from(&m).is_ok() {
            return Some(SocketAddr::new(plain.ip, plain.port));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote_of(agent: &IceAgent, lite: bool) -> RemoteIce {
        let l = agent.local_description();
        RemoteIce {
            ufrag: l.ufrag,
            pwd: l.pwd,
            candidates: l.candidates,
            lite,
            end_of_candidates: true,
        }
    }

    /// Delivers what each agent sends to the other (a loss-free channel) and advances a
    /// virtual clock to the next timer, until both agents selected a pair or `limit` passed.
    fn pump(a: &mut IceAgent, b: &mut IceAgent, start: Instant, limit: Duration) -> Instant {
        let mut now = start;
        while now < start + limit {
            loop {
                let mut moved = false;
                while let Some((to, d)) = a.poll_transmit() {
                    assert_eq!(to, b.local, "checks go to the far end's candidate");
                    b.on_stun(now, a.local, &d);
                    moved = true;
                }
                while let Some((to, d)) = b.poll_transmit() {
                    assert_eq!(to, a.local);
                    a.on_stun(now, b.local, &d);
                    moved = true;
                }
                if !moved {
                    break;
                }
            }
            if a.selected().is_some() && b.selected().is_some() {
                break;
            }
            let next = [a.poll_timeout(), b.poll_timeout()].into_iter().flatten().min();
            now = next.map_or(now + Duration::from_millis(50), |t| {
                t.max(now + Duration::from_millis(1))
            });
            a.handle_timeout(now);
            b.handle_timeout(now);
        }
        now
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn offerer_and_answerer_agree_on_the_pair() {
        let now = Instant::now();
        let mut a = IceAgent::new(addr("127.0.0.1:40000"), None, now).unwrap();
        let mut b = IceAgent::new(addr("127.0.0.1:40002"), None, now).unwrap();
        let (ra, rb) = (remote_of(&a, false), remote_of(&b, false));
        assert!(
            ra.candidates[0].contains("127.0.0.1 40000 typ host"),
            "{:?}",
            ra.candidates
        );
        assert_ne!(ra.ufrag, rb.ufrag);
        assert!(ra.ufrag.len() >= 4 && ra.pwd.len() >= 22, "RFC 8839 §5.4 lengths");
        a.start(&rb, true, now).unwrap();
        b.start(&ra, false, now).unwrap();
        assert_eq!((a.selected(), b.selected()), (None, None));
        let end = pump(&mut a, &mut b, now, Duration::from_secs(10));
        assert_eq!(
            a.selected(),
            Some(b.local),
            "the offerer selected the answerer's address"
        );
        assert_eq!(b.selected(), Some(a.local), "and the other way round");
        assert!(end - now < Duration::from_secs(2), "connected in {:?}", end - now);
        assert!(!a.failed() && !b.failed());
    }

    #[test]
    fn a_wrong_password_never_connects() {
        let now = Instant::now();
        let mut a = IceAgent::new(addr("127.0.0.1:40010"), None, now).unwrap();
        let mut b = IceAgent::new(addr("127.0.0.1:40012"), None, now).unwrap();
        let mut rb = remote_of(&b, false);
        rb.pwd = "not-the-password-of-b-at-all".into();
        a.start(&rb, true, now).unwrap();
        b.start(&remote_of(&a, false), false, now).unwrap();
        pump(&mut a, &mut b, now, Duration::from_secs(10));
        assert_eq!(a.selected(), None, "MESSAGE-INTEGRITY is checked");
    }

    #[test]
    fn a_server_reflexive_candidate_is_advertised_unless_it_is_the_host() {
        let now = Instant::now();
        let host = addr("127.0.0.1:40020");
        let a = IceAgent::new(host, Some(addr("192.0.2.7:61000")), now).unwrap();
        let c = a.local_description().candidates;
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(
            c[1].contains("192.0.2.7 61000 typ srflx raddr 127.0.0.1 rport 40020"),
            "{c:?}"
        );
        let same = IceAgent::new(host, Some(host), now).unwrap();
        assert_eq!(
            same.local_description().candidates.len(),
            1,
            "redundant (RFC 8445 §5.1.3)"
        );
    }

    #[test]
    fn bad_candidates_and_malformed_stun_are_ignored() {
        let now = Instant::now();
        let mut a = IceAgent::new(addr("127.0.0.1:40030"), None, now).unwrap();
        let junk = RemoteIce {
            ufrag: "abcd".into(),
            pwd: "0123456789012345678901".into(),
            candidates: vec![
                "1 1 udp".into(),
                "x y z w v u t s".into(),
                "1 1 udp 99 not-an-ip 5 typ host".into(),
                "1 2 udp 99 127.0.0.1 5 typ host".into(),
                "1 1 tcp 99 127.0.0.1 9 typ host tcptype active".into(),
            ],
            lite: false,
            end_of_candidates: true,
        };
        assert_eq!(a.start(&junk, true, now), Err(IceError::NoCandidate));

        let mut b = IceAgent::new(addr("127.0.0.1:40032"), None, now).unwrap();
        a.start(&remote_of(&b, false), true, now).unwrap();
        b.start(&remote_of(&a, false), false, now).unwrap();
        a.handle_timeout(now);
        let (_, check) = a.poll_transmit().expect("a connectivity check");
        // Truncations, bit flips and random bytes behind a STUN first byte: no panic, no pair.
        let mut seed = 0x2545_f491_u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for i in 0..3000 {
            let mut d = check.clone();
            match i % 3 {
                0 => d.truncate(next() as usize % d.len()),
                1 => {
                    let at = next() as usize % d.len();
                    d[at] ^= 1 << (next() % 8);
                }
                _ => {
                    d = (0..next() % 120).map(|_| next() as u8).collect();
                    if let Some(first) = d.first_mut() {
                        *first &= 3;
                    }
                }
            }
            b.on_stun(now, a.local, &d);
        }
        assert_eq!(b.selected(), None);
        assert!(is_stun(&check) && !is_stun(&[0x80, 0]) && !is_stun(&[22]) && !is_stun(&[]));
    }

    #[test]
    fn towards_an_ice_lite_peer_we_control_even_as_answerer() {
        let now = Instant::now();
        let mut a = IceAgent::new(addr("127.0.0.1:40040"), None, now).unwrap();
        let mut b = IceAgent::new(addr("127.0.0.1:40042"), None, now).unwrap();
        // `b` offered with a=ice-lite; it is a full agent here, but controlled as a lite one is.
        a.start(&remote_of(&b, true), false, now).unwrap();
        b.start(&remote_of(&a, false), false, now).unwrap();
        pump(&mut a, &mut b, now, Duration::from_secs(10));
        assert_eq!(a.selected(), Some(b.local));
        assert_eq!(b.selected(), Some(a.local));
    }
}
