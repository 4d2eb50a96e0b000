//! A deterministic simulated network for engine tests: user agents and a tiny registrar on a
//! virtual clock that jumps to the next deadline, with latency, jitter (reordering) and loss
//! on UDP, all from a seeded generator. No sleeping: every RFC 3261 timer runs in microseconds.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use md5::{Digest as _, Md5};

use super::msg::{self, Builder};
use crate::engine::{AccountConfig, Event, Flow, Input, Output, Random, SeededRandom, Transport, UserAgent};

/// Network knobs.
#[derive(Clone, Copy, Debug)]
pub struct Conditions {
    pub latency: Duration,
    pub jitter: Duration,
    /// Probability (0–1) that a UDP datagram is lost.
    pub loss: f64,
}

impl Default for Conditions {
    fn default() -> Self {
        Conditions {
            latency: Duration::from_millis(20),
            jitter: Duration::ZERO,
            loss: 0.0,
        }
    }
}

struct Packet {
    at: Instant,
    from: SocketAddr,
    to: SocketAddr,
    transport: Transport,
    bytes: Vec<u8>,
}

/// How the test registrar behaves.
#[derive(Clone, Debug)]
pub struct RegistrarConfig {
    pub user: String,
    pub password: String,
    pub realm: String,
    /// Answer the first REGISTERs with these codes before the normal flow (e.g. 423, 503).
    pub script: VecDeque<u16>,
    pub min_expires: u32,
    pub retry_after: u32,
    /// Mark the next challenge stale after one success.
    pub stale_after_first: bool,
    /// Answer nothing at all.
    pub silent: bool,
}

impl RegistrarConfig {
    pub fn new(user: &str, password: &str) -> RegistrarConfig {
        RegistrarConfig {
            user: user.into(),
            password: password.into(),
            realm: "sim.test".into(),
            script: VecDeque::new(),
            min_expires: 120,
            retry_after: 7,
            stale_after_first: false,
            silent: false,
        }
    }
}

/// A tiny registrar: digest (MD5, qop=auth) over its own MD5 code, bindings, scripted failures.
pub struct Registrar {
    pub addr: SocketAddr,
    pub config: RegistrarConfig,
    nonce: u32,
    pub registers: Vec<(Instant, String)>,
    pub bindings: HashMap<String, u32>,
    successes: u32,
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Registrar {
    fn handle(&mut self, now: Instant, bytes: &[u8]) -> Option<Vec<u8>> {
        if self.config.silent {
            return None;
        }
        let req = msg::parse(bytes).ok()?;
        let r = req.request()?;
        if r.method != rsip::Method::Register {
            let b = msg::response_to(&req, 200, Some("reg"));
            return Some(b.to_bytes());
        }
        self.registers
            .push((now, String::from_utf8_lossy(bytes).into_owned()));
        if let Some(code) = self.config.script.pop_front() {
            let mut b = msg::response_to(&req, code, Some("reg"));
            if code == 423 {
                b.push_header("Min-Expires", self.config.min_expires.to_string());
            }
            if code == 503 {
                b.push_header("Retry-After", self.config.retry_after.to_string());
            }
            return Some(b.to_bytes());
        }
        let nonce = format!("n{}", self.nonce);
        let auth = req.header("Authorization");
        let ok = auth.as_deref().is_some_and(|a| {
            let get = |k: &str| {
                let i = a.find(&format!("{k}="))? + k.len() + 1;
                let rest = &a[i..];
                Some(if let Some(r) = rest.strip_prefix('"') {
                    r[..r.find('"')?].to_owned()
                } else {
                    rest.split(',').next()?.trim().to_owned()
                })
            };
            let ha1 = md5_hex(&format!(
                "{}:{}:{}",
                self.config.user, self.config.realm, self.config.password
            ));
            let ha2 = md5_hex(&format!("REGISTER:{}", get("uri").unwrap_or_default()));
            let expected = md5_hex(&format!(
                "{ha1}:{}:{}:{}:auth:{ha2}",
                get("nonce").unwrap_or_default(),
                get("nc").unwrap_or_default(),
                get("cnonce").unwrap_or_default()
            ));
            get("nonce").as_deref() == Some(nonce.as_str()) && get("response") == Some(expected)
        });
        let stale = self.config.stale_after_first && self.successes == 1 && auth.is_some();
        if !ok || stale {
            if stale {
                self.nonce += 1;
                self.successes += 1;
            }
            let b = msg::response_to(&req, 401, Some("reg")).header(
                "WWW-Authenticate",
                format!(
                    "Digest realm=\"{}\", nonce=\"n{}\", qop=\"auth\", algorithm=MD5{}",
                    self.config.realm,
                    self.nonce,
                    if stale { ", stale=true" } else { "" }
                ),
            );
            return Some(b.to_bytes());
        }
        self.successes += 1;
        let expires: u32 = req.header("Expires").and_then(|e| e.parse().ok()).unwrap_or(3600);
        let mut uri = String::new();
        for (i, contact) in req.header_values("Contact").iter().enumerate() {
            let c_uri = msg::addr_uri(contact);
            let c_exp = msg::header_param(contact, "expires")
                .and_then(|e| e.parse().ok())
                .unwrap_or(expires);
            if c_exp == 0 {
                self.bindings.remove(&c_uri);
            } else {
                self.bindings.insert(c_uri.clone(), c_exp);
            }
            if i == 0 {
                uri = c_uri;
            }
        }
        let mut b = msg::response_to(&req, 200, Some("reg"));
        if expires > 0 {
            b.push_header("Contact", format!("<{uri}>;expires={expires}"));
        }
        Some(b.to_bytes())
    }
}

/// The simulated world.
pub struct Sim {
    pub now: Instant,
    pub conditions: Conditions,
    rng: SeededRandom,
    pub uas: Vec<(SocketAddr, UserAgent)>,
    pub registrar: Option<Registrar>,
    queue: Vec<Packet>,
    pub events: Vec<(usize, Event)>,
    /// Every datagram handed to the network (before loss), for assertions.
    pub sent: Vec<(SocketAddr, SocketAddr, String)>,
}

impl Sim {
    pub fn new(seed: u64, conditions: Conditions) -> Sim {
        Sim {
            now: Instant::now(),
            conditions,
            rng: SeededRandom::new(seed),
            uas: Vec::new(),
            registrar: None,
            queue: Vec::new(),
            events: Vec::new(),
            sent: Vec::new(),
        }
    }

    pub fn add_ua(&mut self, port: u16) -> usize {
        let addr: SocketAddr = format!("127.0.0.1:{port}")
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let seed = self.rng.next_u64();
        self.uas
            .push((addr, UserAgent::new(self.now, Box::new(SeededRandom::new(seed)))));
        self.uas.len() - 1
    }

    pub fn add_registrar(&mut self, config: RegistrarConfig) -> SocketAddr {
        let addr: SocketAddr = "127.0.0.9:5060".parse().unwrap_or_else(|_| unreachable!());
        self.registrar = Some(Registrar {
            addr,
            config,
            nonce: 1,
            registers: Vec::new(),
            bindings: HashMap::new(),
            successes: 0,
        });
        addr
    }

    pub fn addr(&self, ua: usize) -> SocketAddr {
        self.uas[ua].0
    }

    /// An account of `ua` whose flow goes to `remote`.
    pub fn account(
        &self,
        ua: usize,
        user: &str,
        password: &str,
        remote: SocketAddr,
        transport: Transport,
    ) -> AccountConfig {
        AccountConfig {
            user: user.into(),
            domain: "sim.test".into(),
            auth_user: user.into(),
            password: password.into(),
            display_name: None,
            flow: Flow { transport, remote },
            local: self.addr(ua),
            expires: 600,
            instance_id: format!("urn:uuid:00000000-0000-4000-8000-00000000000{ua}"),
            user_agent: "Handset-sim".into(),
            keepalive: None,
        }
    }

    pub fn input(&mut self, ua: usize, input: Input) {
        let now = self.now;
        self.uas[ua].1.handle_input(now, input);
        self.drain(ua);
    }

    fn drain(&mut self, ua: usize) {
        let from = self.uas[ua].0;
        while let Some(out) = self.uas[ua].1.poll_output() {
            match out {
                Output::Transmit(t) => self.transmit(from, t.flow, t.bytes),
                Output::Event(e) => self.events.push((ua, e)),
                Output::Timeout(_) => break,
            }
        }
    }

    fn transmit(&mut self, from: SocketAddr, flow: Flow, bytes: Vec<u8>) {
        self.sent
            .push((from, flow.remote, String::from_utf8_lossy(&bytes).into_owned()));
        let c = self.conditions;
        if flow.transport == Transport::Udp && (self.rng.next_u64() % 10_000) as f64 / 10_000.0 < c.loss {
            return;
        }
        let jitter = if c.jitter.is_zero() {
            Duration::ZERO
        } else {
            Duration::from_micros(self.rng.next_u64() % c.jitter.as_micros() as u64)
        };
        // Streams keep their order: no jitter on reliable transports.
        let jitter = if flow.transport.is_reliable() {
            Duration::ZERO
        } else {
            jitter
        };
        self.queue.push(Packet {
            at: self.now + c.latency + jitter,
            from,
            to: flow.remote,
            transport: flow.transport,
            bytes,
        });
    }

    fn next_time(&self) -> Option<Instant> {
        let packets = self.queue.iter().map(|p| p.at);
        let timers = self.uas.iter().filter_map(|(_, ua)| ua.next_deadline());
        packets.chain(timers).min()
    }

    /// Runs until `until` on the virtual clock (or nothing is left to do).
    pub fn run_until(&mut self, until: Instant) {
        while let Some(t) = self.next_time() {
            if t > until {
                break;
            }
            self.now = self.now.max(t);
            let now = self.now;
            let mut due: Vec<Packet> = Vec::new();
            let mut i = 0;
            while i < self.queue.len() {
                if self.queue[i].at <= now {
                    due.push(self.queue.remove(i));
                } else {
                    i += 1;
                }
            }
            due.sort_by_key(|p| p.at);
            for p in due {
                self.deliver(p);
            }
            for ua in 0..self.uas.len() {
                if self.uas[ua].1.next_deadline().is_some_and(|d| d <= now) {
                    self.input(ua, Input::Timeout);
                }
            }
        }
        self.now = self.now.max(until);
    }

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    fn deliver(&mut self, p: Packet) {
        if let Some(reg) = &mut self.registrar
            && reg.addr == p.to
        {
            if let Some(reply) = reg.handle(self.now, &p.bytes) {
                let from = reg.addr;
                let flow = Flow {
                    transport: p.transport,
                    remote: p.from,
                };
                self.transmit(from, flow, reply);
            }
            return;
        }
        if let Some(ua) = self.uas.iter().position(|(a, _)| *a == p.to) {
            let flow = Flow {
                transport: p.transport,
                remote: p.from,
            };
            self.input(
                ua,
                Input::Message {
                    flow,
                    bytes: &p.bytes,
                },
            );
        }
    }

    /// Events of `ua`, in order.
    pub fn events_of(&self, ua: usize) -> Vec<&Event> {
        self.events
            .iter()
            .filter(|(u, _)| *u == ua)
            .map(|(_, e)| e)
            .collect()
    }

    /// How many messages starting with `start` were handed to the network.
    pub fn count_sent(&self, start: &str) -> usize {
        self.sent.iter().filter(|(_, _, m)| m.starts_with(start)).count()
    }
}

/// A minimal SDP body for tests.
pub fn sdp(port: u16) -> Vec<u8> {
    format!("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
        .into_bytes()
}

/// A request built by hand, for feeding odd messages.
pub fn raw_options(branch: &str) -> Vec<u8> {
    Builder::request(&rsip::Method::Options, "sip:b@127.0.0.1")
        .header("Via", format!("SIP/2.0/UDP 127.0.0.1:9;branch={branch}"))
        .header("From", "<sip:x@127.0.0.1>;tag=x")
        .header("To", "<sip:b@127.0.0.1>")
        .header("Call-ID", "opt@x")
        .header("CSeq", "1 OPTIONS")
        .to_bytes()
}
