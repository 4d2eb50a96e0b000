//! The sans-IO SIP engine (after str0m and quinn-proto): no sockets, no clocks, no threads.
//!
//! Run loop: feed [`Input`]s with the current time to [`UserAgent::handle_input`], then drain
//! [`UserAgent::poll_output`] until it returns [`Output::Timeout`] (the next time to call
//! `handle_input(now, Input::Timeout)`) or `None` (nothing scheduled). Time arrives only as
//! `now`; randomness (branches, tags, Call-IDs, cnonces) comes from the injected [`Random`].

pub mod rtp;
pub mod sdes;
pub mod sdp;
pub mod sip;

use std::fmt;
use std::net::SocketAddr;

pub use sip::ua::{
    AccountConfig, CallHandle, CallState, Command, Event, RegistrationState, TransferProgress, UserAgent,
};

/// A signalling transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Transport {
    /// Whether the transport delivers reliably (no SIP retransmissions, RFC 3261 §17).
    pub fn is_reliable(self) -> bool {
        self != Transport::Udp
    }

    /// The Via transport token.
    pub fn via_name(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
        }
    }

    /// The `transport=` URI parameter value (RFC 3261, RFC 7118).
    pub fn uri_param(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.via_name())
    }
}

/// A signalling path: a transport and the remote address (a connection for TCP/TLS/WS(S)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flow {
    pub transport: Transport,
    pub remote: SocketAddr,
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.transport, self.remote)
    }
}

/// Bytes to send on a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    pub flow: Flow,
    pub bytes: Vec<u8>,
}

/// What the engine is given.
#[derive(Debug)]
pub enum Input<'a> {
    /// Bytes received on a flow: one datagram, or one framed message of a stream.
    Message { flow: Flow, bytes: &'a [u8] },
    /// The flow failed (connection refused or lost, ICMP unreachable).
    TransportError { flow: Flow },
    /// A command from the phone.
    Command(Box<Command>),
    /// A deadline reported by [`Output::Timeout`] has passed.
    Timeout,
}

impl Input<'_> {
    /// A command input.
    pub fn command(command: Command) -> Self {
        Input::Command(Box::new(command))
    }
}

/// What the engine asks for.
#[derive(Debug)]
pub enum Output {
    Transmit(Transmit),
    Event(Event),
    /// Call `handle_input(.., Input::Timeout)` at this time (if no other input comes first).
    Timeout(std::time::Instant),
}

/// The engine's source of randomness.
pub trait Random: Send {
    fn next_u64(&mut self) -> u64;

    /// `n` random characters from `[0-9a-z]`.
    fn token(&mut self, n: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        (0..n)
            .map(|_| ALPHABET[(self.next_u64() % ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}

/// A small deterministic generator (xorshift64*) for tests and simulations.
#[derive(Clone, Debug)]
pub struct SeededRandom(u64);

impl SeededRandom {
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom(seed.max(1))
    }
}

impl Random for SeededRandom {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// The operating system's generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl Random for OsRandom {
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        // The OS generator failing is not recoverable; fall back to the clock rather than panic.
        if getrandom::fill(&mut b).is_err() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1);
            return SeededRandom::new(t).next_u64();
        }
        u64::from_le_bytes(b)
    }
}
