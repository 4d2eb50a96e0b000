//! Where signalling goes: transports, flows (a transport and a remote address) and the bytes
//! to send on them.

use std::fmt;
use std::net::SocketAddr;

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
