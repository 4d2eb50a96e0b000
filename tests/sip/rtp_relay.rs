//! An impairing RTP relay in the media path: it speaks the rtpproxy control protocol (UDP on
//! 127.0.0.1) the way Kamailio 5.6's `rtpproxy` module uses it, so Kamailio rewrites every SDP
//! to point at the relay, and it forwards RTP and RTCP between the two phones of a call with
//! random loss, random extra delay (which reorders) and fixed delay, per direction, from a
//! seeded generator (the n-th RTP packet of a direction meets the same fate in every call with
//! the same seed).
//!
//! Control protocol (rtpproxy's, as `src/modules/rtpproxy/rtpproxy.c` sends it): every request
//! is one datagram `COOKIE COMMAND ARGS…`, every reply `COOKIE REPLY\n` to the sender.
//! - `V` → `20040107` (the base protocol version); `VF YYYYMMDD` → `1` for the capabilities
//!   this relay has (20040107, 20050322), `0` for the others (re-packetisation, payload lists).
//! - `U[mods] CALLID ADDR PORT FROMTAG;N [TOTAG;N]`: an offer from the `FROMTAG` party whose
//!   media is at `ADDR:PORT` (creates the session on first sight) → `PORT 127.0.0.1`: the relay
//!   port that goes into that party's SDP, i.e. where the other party must send.
//! - `L[mods] CALLID ADDR PORT FROMTAG;N TOTAG;N`: the answer of the `TOTAG` party at
//!   `ADDR:PORT` → the relay port for its SDP (where the offerer must send); `E8` when no
//!   session exists.
//! - `D CALLID FROMTAG [TOTAG]` deletes the session → `0`. Anything else → `E1`.
//!
//! Each party of a session has a pair of relay sockets (even RTP port, RTCP on port + 1; with
//! rtcp-mux RTCP shares the RTP port). What arrives on party X's sockets comes from the other
//! party Y; it is sent on to X from Y's sockets (so both see symmetric RTP), and Y's address is
//! latched to where its packets really come from. Loss and extra delay apply to RTP; RTCP and
//! anything that is not RTP (STUN, DTLS) keep only the fixed delay.
//!
//! Bounded: at most [`MAX_SESSIONS`] sessions and [`MAX_QUEUED`] delayed packets; every thread
//! stops (within 50 ms) when the relay is dropped.

// The tests and the call benchmark use different parts.
#![allow(dead_code)]

use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Sessions at the same time; an offer beyond that is refused (`E7`).
pub const MAX_SESSIONS: usize = 32;
/// Delayed packets in flight; beyond that a packet is dropped (and counted as overflow).
pub const MAX_QUEUED: usize = 8192;
/// How often blocked threads look at the stop flag.
const TICK: Duration = Duration::from_millis(50);
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// What happens to the packets of one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Impairment {
    /// Probability (0.0–1.0) that an RTP packet is dropped.
    pub loss: f64,
    /// Each RTP packet is held back a further uniform random 0..jitter (packets overtake one
    /// another when this exceeds their spacing).
    pub jitter: Duration,
    /// Every packet (RTP, RTCP, other) is held back this long.
    pub delay: Duration,
}

impl Impairment {
    pub const NONE: Impairment = Impairment {
        loss: 0.0,
        jitter: Duration::ZERO,
        delay: Duration::ZERO,
    };

    pub fn new(loss: f64, jitter: Duration) -> Impairment {
        Impairment {
            loss,
            jitter,
            delay: Duration::ZERO,
        }
    }
}

/// The relay's configuration for the sessions it creates from now on.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RelayOptions {
    /// Packets from the caller (the party of the session's first offer) to the callee.
    pub to_callee: Impairment,
    /// Packets from the callee to the caller.
    pub to_caller: Impairment,
    /// Seed of the generators (each session and direction starts from it afresh).
    pub seed: u64,
}

impl RelayOptions {
    /// The same impairment both ways.
    pub fn both_ways(impairment: Impairment, seed: u64) -> RelayOptions {
        RelayOptions {
            to_callee: impairment,
            to_caller: impairment,
            seed,
        }
    }
}

/// Packet counts of one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectionStats {
    /// RTP packets received by the relay for this direction.
    pub rtp_in: u64,
    /// RTP packets sent on.
    pub rtp_forwarded: u64,
    /// RTP packets dropped on purpose (the loss probability).
    pub rtp_dropped: u64,
    /// RTCP (and other non-RTP) packets sent on.
    pub other_forwarded: u64,
    /// Packets that could not be sent: no address known yet for the receiver, queue full, or
    /// a send error.
    pub undeliverable: u64,
}

impl DirectionStats {
    fn add(&mut self, o: &DirectionStats) {
        self.rtp_in += o.rtp_in;
        self.rtp_forwarded += o.rtp_forwarded;
        self.rtp_dropped += o.rtp_dropped;
        self.other_forwarded += o.other_forwarded;
        self.undeliverable += o.undeliverable;
    }

    /// Dropped share of the RTP packets that came in (0.0–1.0).
    pub fn drop_rate(&self) -> f64 {
        if self.rtp_in == 0 {
            0.0
        } else {
            self.rtp_dropped as f64 / self.rtp_in as f64
        }
    }
}

/// Counts of one session (or summed over all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayStats {
    pub to_callee: DirectionStats,
    pub to_caller: DirectionStats,
}

/// A relay listening for rtpproxy commands on 127.0.0.1.
#[derive(Debug)]
pub struct RtpRelay {
    shared: Arc<Shared>,
    control_addr: SocketAddr,
    control: Option<JoinHandle<()>>,
    scheduler: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    stop: AtomicBool,
    /// Every packet of every session is dropped (RTP, RTCP and the rest), uncounted.
    blackout: AtomicBool,
    state: Mutex<State>,
    queue: Mutex<BinaryHeap<Queued>>,
    queue_changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    options: RelayOptions,
    sessions: HashMap<String, Arc<Session>>,
    /// Sessions created so far (deleted ones included).
    created: u64,
    /// Counts of deleted sessions.
    finished: RelayStats,
    /// Control commands answered, by letter.
    commands: HashMap<char, u64>,
}

impl RtpRelay {
    /// Starts the control thread (on a free UDP port of 127.0.0.1) and the packet scheduler.
    pub fn start(options: RelayOptions) -> RtpRelay {
        let control = UdpSocket::bind((LOOPBACK, 0)).expect("relay control socket");
        control.set_read_timeout(Some(TICK)).expect("read timeout");
        let control_addr = control.local_addr().expect("control address");
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            blackout: AtomicBool::new(false),
            state: Mutex::new(State {
                options,
                ..State::default()
            }),
            queue: Mutex::new(BinaryHeap::new()),
            queue_changed: Condvar::new(),
        });
        let for_control = Arc::clone(&shared);
        let control = thread::Builder::new()
            .name("relay-control".into())
            .spawn(move || control_loop(&control, &for_control))
            .expect("relay control thread");
        let for_scheduler = Arc::clone(&shared);
        let scheduler = thread::Builder::new()
            .name("relay-scheduler".into())
            .spawn(move || scheduler_loop(&for_scheduler))
            .expect("relay scheduler thread");
        RtpRelay {
            shared,
            control_addr,
            control: Some(control),
            scheduler: Some(scheduler),
        }
    }

    /// Where the rtpproxy commands go (`udp:127.0.0.1:PORT` for Kamailio's `rtpproxy_sock`).
    pub fn control_addr(&self) -> SocketAddr {
        self.control_addr
    }

    /// Impairment and seed for the sessions created from now on.
    pub fn set_options(&self, options: RelayOptions) {
        lock(&self.shared.state).options = options;
    }

    /// Drops every packet (both ways, every session) until called with `false`: a total
    /// loss of the media path. Dropped packets are not counted.
    pub fn set_blackout(&self, on: bool) {
        self.shared.blackout.store(on, Ordering::SeqCst);
    }

    /// Counts summed over every session so far, live and deleted.
    pub fn stats(&self) -> RelayStats {
        let state = lock(&self.shared.state);
        let mut total = state.finished;
        for s in state.sessions.values() {
            let s = s.stats();
            total.to_callee.add(&s.to_callee);
            total.to_caller.add(&s.to_caller);
        }
        total
    }

    /// Sessions created so far.
    pub fn sessions_created(&self) -> u64 {
        lock(&self.shared.state).created
    }

    /// Sessions alive now (offered and not deleted).
    pub fn sessions_active(&self) -> usize {
        lock(&self.shared.state).sessions.len()
    }

    /// How many commands with this letter (`U`, `L`, `D`, `V`) were answered.
    pub fn commands(&self, letter: char) -> u64 {
        lock(&self.shared.state)
            .commands
            .get(&letter)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for RtpRelay {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.queue_changed.notify_all();
        for handle in [self.control.take(), self.scheduler.take()].into_iter().flatten() {
            let _ = handle.join();
        }
        let sessions: Vec<Arc<Session>> = lock(&self.shared.state)
            .sessions
            .drain()
            .map(|(_, s)| s)
            .collect();
        for s in sessions {
            s.stop();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// Control

fn control_loop(socket: &UdpSocket, shared: &Arc<Shared>) {
    let mut buf = [0u8; 2048];
    while !shared.stop.load(Ordering::SeqCst) {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(x) => x,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // ICMP port unreachable from an earlier reply and the like: keep serving.
            Err(_) => continue,
        };
        let request = String::from_utf8_lossy(&buf[..n]);
        let Some((cookie, command)) = request.trim_end().split_once(char::is_whitespace) else {
            continue;
        };
        let reply = handle_command(shared, command.trim());
        let _ = socket.send_to(format!("{cookie} {reply}\n").as_bytes(), from);
    }
}

/// Capabilities (`VF`) this relay has: the base protocol and the "required" 20050322.
const CAPABILITIES: [&str; 2] = ["20040107", "20050322"];

fn handle_command(shared: &Arc<Shared>, command: &str) -> String {
    let mut args = command.split_whitespace();
    let Some(op) = args.next() else {
        return "E1".into();
    };
    let letter = op.chars().next().unwrap_or(' ').to_ascii_uppercase();
    let args: Vec<&str> = args.collect();
    let reply = match letter {
        'V' if op.eq_ignore_ascii_case("VF") => {
            let supported = args.first().is_some_and(|v| CAPABILITIES.contains(v));
            if supported { "1" } else { "0" }.to_owned()
        }
        'V' => "20040107".to_owned(),
        'U' | 'L' => offer_or_answer(shared, letter == 'U', &args),
        'D' => {
            if let Some(call_id) = args.first() {
                delete(shared, call_id);
            }
            "0".to_owned()
        }
        _ => "E1".to_owned(),
    };
    *lock(&shared.state).commands.entry(letter).or_default() += 1;
    reply
}

/// `CALLID ADDR PORT FROMTAG;N [TOTAG;N]`.
fn offer_or_answer(shared: &Arc<Shared>, offer: bool, args: &[&str]) -> String {
    let [call_id, addr, port, from_tag, rest @ ..] = args else {
        return "E2".into();
    };
    let to_tag = rest.first().copied();
    let (Ok(ip), Ok(port)) = (addr.parse::<IpAddr>(), port.parse::<u16>()) else {
        return "E3".into();
    };
    let (from_tag, medianum) = split_tag(from_tag);
    let to_tag = to_tag.map(|t| split_tag(t).0);
    let key = format!("{call_id};{medianum}");
    let media = (port != 0).then(|| SocketAddr::new(ip, port));
    let mut state = lock(&shared.state);
    let session = match state.sessions.get(&key) {
        Some(s) => Arc::clone(s),
        None if !offer => return "E8".into(),
        None if state.sessions.len() >= MAX_SESSIONS => return "E7".into(),
        None => match Session::start(shared, state.options, from_tag) {
            Ok(s) => {
                state.created += 1;
                state.sessions.insert(key, Arc::clone(&s));
                s
            }
            Err(_) => return "E7".into(),
        },
    };
    drop(state);
    // The party whose SDP this is: the offerer for U, the answerer (TOTAG) for L.
    let party = if offer {
        from_tag
    } else {
        match to_tag {
            Some(t) => t,
            None => return "E2".into(),
        }
    };
    let leg = session.leg_for(party);
    session.set_media(leg, media);
    format!("{} {}", session.legs[leg].rtp_port, LOOPBACK)
}

/// `tag;medianum` → (tag, medianum).
fn split_tag(t: &str) -> (&str, &str) {
    t.split_once(';').unwrap_or((t, "1"))
}

fn delete(shared: &Arc<Shared>, call_id: &str) {
    let prefix = format!("{call_id};");
    let mut state = lock(&shared.state);
    let keys: Vec<String> = state
        .sessions
        .keys()
        .filter(|k| k.starts_with(&prefix))
        .cloned()
        .collect();
    let mut gone = Vec::new();
    for k in keys {
        if let Some(s) = state.sessions.remove(&k) {
            let st = s.stats();
            state.finished.to_callee.add(&st.to_callee);
            state.finished.to_caller.add(&st.to_caller);
            gone.push(s);
        }
    }
    drop(state);
    for s in gone {
        s.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// Index of the caller's leg (the party of the first offer); the callee's is 1.
const CALLER: usize = 0;

#[derive(Debug)]
struct Session {
    legs: [LegSockets; 2],
    inner: Mutex<SessionState>,
    alive: AtomicBool,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// One party's relay sockets: the other party sends there, and this party's packets are sent
/// to it from the other party's sockets.
#[derive(Debug)]
struct LegSockets {
    rtp: Arc<UdpSocket>,
    rtcp: Arc<UdpSocket>,
    rtp_port: u16,
}

#[derive(Debug)]
struct SessionState {
    tags: [Option<String>; 2],
    /// Where a party's RTP and RTCP go: from its SDP, then latched to where its packets come
    /// from.
    rtp_addr: [Option<SocketAddr>; 2],
    rtcp_addr: [Option<SocketAddr>; 2],
    /// Per direction, indexed by the receiving party.
    impairment: [Impairment; 2],
    rng: [SplitMix64; 2],
    stats: [DirectionStats; 2],
}

impl Session {
    fn start(shared: &Arc<Shared>, options: RelayOptions, caller_tag: &str) -> io::Result<Arc<Session>> {
        let legs = [socket_pair()?, socket_pair()?];
        let session = Arc::new(Session {
            legs,
            inner: Mutex::new(SessionState {
                tags: [Some(caller_tag.to_owned()), None],
                rtp_addr: [None; 2],
                rtcp_addr: [None; 2],
                impairment: [options.to_caller, options.to_callee],
                // Independent streams per direction, the same in every session with this seed.
                rng: [
                    SplitMix64(options.seed ^ 0x6361_6c6c_6572),
                    SplitMix64(options.seed ^ 0x6361_6c6c_6565),
                ],
                stats: [DirectionStats::default(); 2],
            }),
            alive: AtomicBool::new(true),
            threads: Mutex::new(Vec::new()),
        });
        let mut threads = Vec::new();
        for leg in 0..2 {
            for rtcp in [false, true] {
                let session = Arc::clone(&session);
                let shared = Arc::clone(shared);
                threads.push(
                    thread::Builder::new()
                        .name(format!("relay-{leg}-{}", if rtcp { "rtcp" } else { "rtp" }))
                        .spawn(move || receive_loop(&shared, &session, leg, rtcp))?,
                );
            }
        }
        *lock(&session.threads) = threads;
        Ok(session)
    }

    /// The leg of the party with `tag`; a tag not seen before is the callee's (its first
    /// answer, or a new fork replacing an earlier one).
    fn leg_for(&self, tag: &str) -> usize {
        let mut st = lock(&self.inner);
        if let Some(i) = st.tags.iter().position(|t| t.as_deref() == Some(tag)) {
            return i;
        }
        st.tags[1] = Some(tag.to_owned());
        1
    }

    fn set_media(&self, leg: usize, media: Option<SocketAddr>) {
        let mut st = lock(&self.inner);
        st.rtp_addr[leg] = media;
        st.rtcp_addr[leg] = media.map(|a| SocketAddr::new(a.ip(), a.port().wrapping_add(1)));
    }

    fn stats(&self) -> RelayStats {
        let st = lock(&self.inner);
        RelayStats {
            to_caller: st.stats[CALLER],
            to_callee: st.stats[1 - CALLER],
        }
    }

    fn stop(&self) {
        self.alive.store(false, Ordering::SeqCst);
        let threads = std::mem::take(&mut *lock(&self.threads));
        for t in threads {
            let _ = t.join();
        }
    }
}

/// An even RTP port and the RTCP port above it, on 127.0.0.1.
fn socket_pair() -> io::Result<LegSockets> {
    for _ in 0..200 {
        let rtp = UdpSocket::bind((LOOPBACK, 0))?;
        let port = rtp.local_addr()?.port();
        if port % 2 != 0 || port == u16::MAX {
            continue;
        }
        let Ok(rtcp) = UdpSocket::bind((LOOPBACK, port + 1)) else {
            continue;
        };
        for s in [&rtp, &rtcp] {
            s.set_read_timeout(Some(TICK))?;
        }
        return Ok(LegSockets {
            rtp: Arc::new(rtp),
            rtcp: Arc::new(rtcp),
            rtp_port: port,
        });
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        "no even/odd port pair free",
    ))
}

/// Receives on party `leg`'s RTP or RTCP socket (the other party's packets) and queues them
/// for `leg`.
fn receive_loop(shared: &Shared, session: &Session, leg: usize, rtcp: bool) {
    let from_leg = 1 - leg;
    let socket = if rtcp {
        &session.legs[leg].rtcp
    } else {
        &session.legs[leg].rtp
    };
    let out = if rtcp {
        Arc::clone(&session.legs[from_leg].rtcp)
    } else {
        Arc::clone(&session.legs[from_leg].rtp)
    };
    let mut buf = vec![0u8; 65536];
    while session.alive.load(Ordering::SeqCst) && !shared.stop.load(Ordering::SeqCst) {
        let (n, src) = match socket.recv_from(&mut buf) {
            Ok(x) => x,
            Err(_) => continue,
        };
        if shared.blackout.load(Ordering::SeqCst) {
            continue;
        }
        let now = Instant::now();
        let packet = &buf[..n];
        let is_rtp = !rtcp && is_rtp(packet);
        let mut st = lock(&session.inner);
        // Latch: the sender is where its own packets come from.
        if rtcp {
            st.rtcp_addr[from_leg] = Some(src);
        } else {
            st.rtp_addr[from_leg] = Some(src);
        }
        let dest = if rtcp { st.rtcp_addr[leg] } else { st.rtp_addr[leg] };
        let imp = st.impairment[leg];
        let mut due = now + imp.delay;
        if is_rtp {
            st.stats[leg].rtp_in += 1;
            // Two draws per RTP packet whatever happens, so a packet's fate depends only on
            // its position in the direction's stream.
            let lost = st.rng[leg].next_f64() < imp.loss;
            let extra = imp.jitter.mul_f64(st.rng[leg].next_f64());
            if lost {
                st.stats[leg].rtp_dropped += 1;
                continue;
            }
            due += extra;
        }
        let Some(dest) = dest else {
            st.stats[leg].undeliverable += 1;
            continue;
        };
        let mut queue = lock(&shared.queue);
        if queue.len() >= MAX_QUEUED {
            st.stats[leg].undeliverable += 1;
            continue;
        }
        if is_rtp {
            st.stats[leg].rtp_forwarded += 1;
        } else {
            st.stats[leg].other_forwarded += 1;
        }
        drop(st);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        queue.push(Queued {
            due,
            seq,
            socket: Arc::clone(&out),
            dest,
            bytes: packet.to_vec(),
        });
        drop(queue);
        shared.queue_changed.notify_one();
    }
}

/// Orders packets of equal due time by arrival.
static SEQ: AtomicU64 = AtomicU64::new(0);

/// RTP version 2 and not an RTCP packet type (RFC 5761 demultiplexing).
fn is_rtp(p: &[u8]) -> bool {
    p.len() >= 12 && p[0] >> 6 == 2 && !is_rtcp(p)
}

fn is_rtcp(p: &[u8]) -> bool {
    p.len() >= 8 && p[0] >> 6 == 2 && (192..=223).contains(&p[1])
}

// ---------------------------------------------------------------------------------------------
// Scheduler: sends every queued packet at its due time, earliest first.

#[derive(Debug)]
struct Queued {
    due: Instant,
    seq: u64,
    socket: Arc<UdpSocket>,
    dest: SocketAddr,
    bytes: Vec<u8>,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Queued) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Queued) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    /// Reversed: the max-heap's top is the earliest packet.
    fn cmp(&self, other: &Queued) -> std::cmp::Ordering {
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

fn scheduler_loop(shared: &Shared) {
    let mut queue = lock(&shared.queue);
    while !shared.stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        match queue.peek() {
            Some(top) if top.due <= now => {
                let p = queue.pop().expect("peeked");
                drop(queue);
                // Loopback sends do not block; a receiver that has gone away is its business.
                let _ = p.socket.send_to(&p.bytes, p.dest);
                queue = lock(&shared.queue);
            }
            Some(top) => {
                let wait = (top.due - now).min(TICK);
                queue = shared
                    .queue_changed
                    .wait_timeout(queue, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            None => {
                queue = shared
                    .queue_changed
                    .wait_timeout(queue, TICK)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and the same sequence everywhere.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
// benches/calls.rs includes this file; built under `cfg(test)` without a test harness there, it
// drops the #[test] functions and leaves their imports unused.
#[allow(unused_imports)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{Impairment, RelayOptions, RtpRelay};
    use crate::audio::{analyse, figure, tone_wav, wait_decoded_recording};
    use crate::handset::Profile;
    use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

    const T: Duration = Duration::from_secs(10);

    // (This file is also part of benches/calls.rs, which includes `handset`, `peers` and
    // `audio` as well.)

    /// A Kamailio whose calls go through `relay`.
    fn kamailio(relay: &RtpRelay) -> Kamailio {
        Kamailio::start(KamailioOptions {
            rtpproxy: Some(relay.control_addr()),
            ..KamailioOptions::default()
        })
    }

    /// What one call through the relay left behind.
    struct Call {
        /// Handset's output (with its media line).
        handset: String,
        /// baresip's RTCP summary line.
        baresip: String,
        dir: tempfile::TempDir,
    }

    /// baresip (PCMU) calls Handset through Kamailio and the relay, playing a 1 kHz tone;
    /// Handset answers playing a 600 Hz tone; baresip hangs up after `seconds`.
    fn call(k: &Kamailio, user: &str, seconds: u64) -> Call {
        let dir = tempfile::tempdir().unwrap();
        let (to_handset, to_baresip) = (dir.path().join("1000.wav"), dir.path().join("600.wav"));
        tone_wav(&to_handset, 1000.0, seconds as f64 + 2.0, 8000, 1);
        tone_wav(&to_baresip, 600.0, seconds as f64 + 2.0, 8000, 1);
        let bob = Baresip::start(
            k,
            BaresipOptions {
                source: Some(to_handset),
                record_dir: Some(dir.path().join("baresip-heard")),
                ..BaresipOptions::pcmu(user, &format!("pw-{user}"))
            },
        );
        let alice = Profile::new(k, &format!("alice-{user}"), "pw-alice", "udp");
        alice.edit(&["--codecs", "pcmu,telephone-event"]);
        let heard = dir.path().join("handset-heard.wav");
        let run = alice.listen_once(&[
            "--record",
            heard.to_str().unwrap(),
            "--play",
            to_baresip.to_str().unwrap(),
        ]);
        bob.dial(&alice.uri());
        bob.wait_event("CALL_ESTABLISHED", T);
        std::thread::sleep(Duration::from_secs(seconds));
        bob.hangup();
        bob.wait_event("CALL_CLOSED", T);
        let (code, handset) = run.finish(T);
        assert_eq!(code, 0, "{handset}");
        Call {
            handset,
            baresip: bob.rtcp_summary(T),
            dir,
        }
    }

    impl Call {
        fn media_line(&self) -> &str {
            self.handset
                .lines()
                .find(|l| l.contains(": media: "))
                .unwrap_or_else(|| panic!("no media line:\n{}", self.handset))
        }

        /// (frequency, RMS) of what Handset and baresip recorded.
        fn heard(&self) -> ((f64, f64), (f64, f64)) {
            let baresip = wait_decoded_recording(&self.dir.path().join("baresip-heard"), T);
            (
                analyse(&self.dir.path().join("handset-heard.wav")),
                analyse(&baresip),
            )
        }
    }

    /// Waits until Kamailio has deleted the relay session (BYE → `D`).
    fn wait_deleted(relay: &RtpRelay) {
        let deadline = Instant::now() + T;
        while relay.sessions_active() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            relay.sessions_active(),
            0,
            "the BYE did not delete the relay session"
        );
    }

    #[test]
    fn calls_through_kamailio_and_the_relay_carry_audio_both_ways() {
        let relay = RtpRelay::start(RelayOptions::default());
        let k = kamailio(&relay);
        // Kamailio's rtpproxy module asked for the version and capabilities at start-up.
        assert!(relay.commands('V') >= 2, "no version query from Kamailio");

        let c = call(&k, "bob-relay", 3);
        let ((h_freq, h_rms), (b_freq, b_rms)) = c.heard();
        assert!(
            (950.0..=1050.0).contains(&h_freq) && h_rms > 3000.0,
            "Handset heard {h_freq:.0} Hz at RMS {h_rms:.0}:\n{}",
            c.handset
        );
        assert!(
            (570.0..=630.0).contains(&b_freq) && b_rms > 3000.0,
            "baresip heard {b_freq:.0} Hz at RMS {b_rms:.0}"
        );
        wait_deleted(&relay);
        let stats = relay.stats();
        eprintln!(
            "relay: {stats:?}\nHandset: {}\nbaresip: {}",
            c.media_line(),
            c.baresip
        );
        assert_eq!(relay.sessions_created(), 1);
        assert!(relay.commands('U') >= 1 && relay.commands('L') >= 1 && relay.commands('D') >= 1);
        // 3 s of 20 ms packets each way, all through the relay, none dropped.
        for (way, d) in [("to Handset", stats.to_callee), ("to baresip", stats.to_caller)] {
            assert!(d.rtp_forwarded >= 140, "{way}: {d:?}");
            assert_eq!((d.rtp_dropped, d.undeliverable), (0, 0), "{way}: {d:?}");
        }
        // RTCP went through it too (baresip sends its first report within a few seconds).
        assert!(
            stats.to_callee.other_forwarded + stats.to_caller.other_forwarded > 0,
            "{stats:?}"
        );
        // What Handset received is what the relay forwarded to it.
        let received = figure(c.media_line(), "received").unwrap();
        assert!(
            (received - stats.to_callee.rtp_forwarded as f64).abs() <= 2.0,
            "Handset received {received}, the relay forwarded {:?}",
            stats.to_callee
        );
        assert_eq!(figure(c.media_line(), "lost"), Some(0.0), "{}", c.media_line());
    }

    #[test]
    fn loss_at_the_relay_shows_in_both_receivers_statistics() {
        let relay = RtpRelay::start(RelayOptions::both_ways(Impairment::new(0.05, Duration::ZERO), 7));
        let k = kamailio(&relay);
        let c = call(&k, "bob-lossy", 8);
        wait_deleted(&relay);
        let stats = relay.stats();
        let line = c.media_line();
        eprintln!("relay: {stats:?}\nHandset: {line}\nbaresip: {}", c.baresip);
        for (way, d) in [("to Handset", stats.to_callee), ("to baresip", stats.to_caller)] {
            assert!(d.rtp_in >= 380, "{way}: {d:?}");
            let rate = d.drop_rate();
            assert!(
                (0.025..=0.08).contains(&rate),
                "{way}: dropped {:.1} %: {d:?}",
                rate * 100.0
            );
        }
        // Handset counts as lost what the relay dropped on the way to it (a drop among the last
        // packets of the call is never known as lost, hence the slack).
        let lost = figure(line, "lost").unwrap();
        let received = figure(line, "received").unwrap();
        let dropped = stats.to_callee.rtp_dropped as f64;
        assert!(
            lost <= dropped && lost >= dropped - 2.0,
            "Handset lost {lost}, the relay dropped {dropped}: {line}"
        );
        assert!(
            (received - stats.to_callee.rtp_forwarded as f64).abs() <= 2.0,
            "{line}"
        );
        // baresip's receiver statistics (PL=rx,tx) agree about the other direction. They are
        // its last RTCP interval's (PR is below what it received), so compare the rate; over
        // ~110 packets a 5 % loss gives 1-12 % (binomial spread).
        let baresip_lost = figure(&c.baresip, "PL=").unwrap();
        let baresip_received = figure(&c.baresip, "PR=").unwrap();
        let rate = baresip_lost / (baresip_lost + baresip_received);
        assert!(
            baresip_lost <= stats.to_caller.rtp_dropped as f64 && (0.01..=0.12).contains(&rate),
            "baresip lost {baresip_lost} ({:.1} %), the relay dropped {:?}: {}",
            rate * 100.0,
            stats.to_caller,
            c.baresip
        );
    }

    #[test]
    fn re_invites_for_hold_and_resume_update_the_same_relay_session() {
        let relay = RtpRelay::start(RelayOptions::default());
        let k = kamailio(&relay);
        let bob = Baresip::start(&k, BaresipOptions::pcmu("bob-hold", "pw-bob"));
        let alice = Profile::new(&k, "alice-hold", "pw-alice", "udp");
        alice.edit(&["--codecs", "pcmu,telephone-event"]);
        let run = alice.spawn(&[
            "call",
            "A",
            &bob.sip_uri(),
            "--hold-at",
            "2",
            "--resume-at",
            "4",
            "--duration",
            "6",
        ]);
        let (code, out) = run.finish(Duration::from_secs(30));
        assert_eq!(code, 0, "{out}");
        wait_deleted(&relay);
        let stats = relay.stats();
        eprintln!("relay: {stats:?}\n{out}");
        // The initial INVITE and the two re-INVITEs were offers to the same session, their
        // 200s its answers.
        assert_eq!(relay.sessions_created(), 1);
        assert!(relay.commands('U') >= 3 && relay.commands('L') >= 3, "{stats:?}");
        // Media flowed through the relay again after the resume: baresip, silent while held
        // (recvonly), sent 2 s before the hold and 2 s after the resume (100 packets each);
        // Handset sent all 6 s; nothing was lost on the way to Handset.
        assert!(stats.to_caller.rtp_forwarded >= 180, "{stats:?}");
        assert!(stats.to_callee.rtp_forwarded >= 280, "{stats:?}");
        assert_eq!(stats.to_caller.undeliverable + stats.to_callee.undeliverable, 0);
        let line = out
            .lines()
            .find(|l| l.contains(": media: "))
            .unwrap_or_else(|| panic!("no media line:\n{out}"));
        assert_eq!(figure(line, "lost"), Some(0.0), "{line}");
    }
}
