//! RFC 3261 §17 transactions, client and server, INVITE and non-INVITE, with RFC 6026's
//! Accepted states. Sans-IO: methods take `now` and return [`TxAction`]s; retransmissions happen
//! only over unreliable transports.

use std::time::{Duration, Instant};

use rsip::Method;

use super::msg::{Builder, Parsed};

/// RTT estimate (RFC 3261 §17.1.1.1).
pub const T1: Duration = Duration::from_millis(500);
/// Maximum retransmit interval for non-INVITE requests and INVITE responses.
pub const T2: Duration = Duration::from_secs(4);
/// Maximum time a message stays in the network.
pub const T4: Duration = Duration::from_secs(5);

/// What a transaction asks its owner to do.
#[derive(Debug)]
pub enum TxAction {
    /// Send these bytes on the transaction's flow.
    Send(Vec<u8>),
    /// Pass this response to the transaction user.
    Deliver(Box<Parsed>),
    /// Timer B/F/H fired: no (final) answer.
    Timeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientState {
    /// Calling (INVITE) or Trying (non-INVITE).
    Started,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

/// A client transaction.
#[derive(Debug)]
pub struct ClientTx {
    pub method: Method,
    request: Builder,
    bytes: Vec<u8>,
    reliable: bool,
    state: ClientState,
    interval: Duration,
    retransmit_at: Option<Instant>,
    timeout_at: Option<Instant>,
    end_at: Option<Instant>,
    ack: Option<Vec<u8>>,
}

impl ClientTx {
    /// Starts the transaction; the returned action sends the request.
    pub fn start(now: Instant, method: Method, request: Builder, reliable: bool) -> (ClientTx, TxAction) {
        let bytes = request.to_bytes();
        let tx = ClientTx {
            method,
            request,
            bytes: bytes.clone(),
            reliable,
            state: ClientState::Started,
            interval: T1,
            retransmit_at: (!reliable).then(|| now + T1),
            timeout_at: Some(now + 64 * T1),
            end_at: None,
            ack: None,
        };
        (tx, TxAction::Send(bytes))
    }

    /// The request as sent (for building CANCEL).
    pub fn request(&self) -> &Builder {
        &self.request
    }

    pub fn is_terminated(&self) -> bool {
        self.state == ClientState::Terminated
    }

    /// Whether a provisional response has arrived (CANCEL may be sent only then).
    pub fn is_proceeding(&self) -> bool {
        self.state == ClientState::Proceeding
    }

    /// Whether a final response has arrived.
    pub fn has_final(&self) -> bool {
        matches!(
            self.state,
            ClientState::Completed | ClientState::Accepted | ClientState::Terminated
        )
    }

    pub fn deadline(&self) -> Option<Instant> {
        [self.retransmit_at, self.timeout_at, self.end_at]
            .into_iter()
            .flatten()
            .min()
    }

    fn wait(&self, unreliable: Duration) -> Duration {
        if self.reliable { Duration::ZERO } else { unreliable }
    }

    /// A response matched to this transaction.
    pub fn on_response(&mut self, now: Instant, response: Parsed) -> Vec<TxAction> {
        let code = response.status().unwrap_or(0);
        let invite = self.method == Method::Invite;
        match (self.state, code) {
            (ClientState::Started | ClientState::Proceeding, 100..=199) => {
                self.state = ClientState::Proceeding;
                if invite {
                    self.retransmit_at = None;
                    self.timeout_at = None;
                } else if !self.reliable {
                    self.interval = T2;
                    self.retransmit_at = Some(now + T2);
                }
                vec![TxAction::Deliver(Box::new(response))]
            }
            (ClientState::Started | ClientState::Proceeding, 200..=299) if invite => {
                self.state = ClientState::Accepted;
                self.retransmit_at = None;
                self.timeout_at = None;
                self.end_at = Some(now + 64 * T1);
                vec![TxAction::Deliver(Box::new(response))]
            }
            (ClientState::Started | ClientState::Proceeding, 200..) => {
                self.state = ClientState::Completed;
                self.retransmit_at = None;
                self.timeout_at = None;
                let mut actions = Vec::new();
                if invite {
                    let ack = self.ack_for(&response);
                    actions.push(TxAction::Send(ack.clone()));
                    self.ack = Some(ack);
                    self.end_at = Some(now + self.wait(Duration::from_secs(32)));
                } else {
                    self.end_at = Some(now + self.wait(T4));
                }
                actions.push(TxAction::Deliver(Box::new(response)));
                actions
            }
            // RFC 6026: retransmitted 2xx go to the TU, which re-sends its ACK.
            (ClientState::Accepted, 200..=299) => vec![TxAction::Deliver(Box::new(response))],
            (ClientState::Completed, 300..) if invite => {
                self.ack.clone().map(TxAction::Send).into_iter().collect()
            }
            _ => Vec::new(),
        }
    }

    /// RFC 3261 §17.1.1.3: the ACK for a non-2xx final response.
    fn ack_for(&self, response: &Parsed) -> Vec<u8> {
        let mut ack = Builder::request(&Method::Ack, self.request.uri());
        let to = response.header("To").unwrap_or_default();
        for (name, value) in self.request.headers() {
            match name.to_ascii_lowercase().as_str() {
                "via" if !ack.has_header("Via") => ack.push_header(name, value.clone()),
                "from" | "call-id" | "route" | "max-forwards" => ack.push_header(name, value.clone()),
                "to" => ack.push_header(name, to.clone()),
                "cseq" => {
                    let seq = value.split_whitespace().next().unwrap_or("1");
                    ack.push_header(name, format!("{seq} ACK"));
                }
                _ => {}
            }
        }
        ack.to_bytes()
    }

    /// Timers A/E (retransmit), B/F (timeout), D/K/M (end).
    pub fn on_timeout(&mut self, now: Instant) -> Vec<TxAction> {
        let mut actions = Vec::new();
        if self.timeout_at.is_some_and(|t| now >= t) {
            self.state = ClientState::Terminated;
            self.retransmit_at = None;
            self.timeout_at = None;
            self.end_at = None;
            actions.push(TxAction::Timeout);
            return actions;
        }
        if self.end_at.is_some_and(|t| now >= t) {
            self.state = ClientState::Terminated;
            self.end_at = None;
            return actions;
        }
        if let Some(at) = self.retransmit_at
            && now >= at
        {
            self.interval = if self.method == Method::Invite {
                self.interval * 2
            } else if self.state == ClientState::Proceeding {
                T2
            } else {
                (self.interval * 2).min(T2)
            };
            self.retransmit_at = Some(now + self.interval);
            actions.push(TxAction::Send(self.bytes.clone()));
        }
        actions
    }

    /// The transport failed: the transaction ends as if it timed out.
    pub fn on_transport_error(&mut self) -> Vec<TxAction> {
        if self.has_final() {
            self.state = ClientState::Terminated;
            return Vec::new();
        }
        self.state = ClientState::Terminated;
        self.retransmit_at = None;
        self.timeout_at = None;
        self.end_at = None;
        vec![TxAction::Timeout]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerState {
    /// Proceeding (INVITE, after our 100) or Trying (non-INVITE).
    Started,
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

/// A server transaction.
#[derive(Debug)]
pub struct ServerTx {
    pub method: Method,
    reliable: bool,
    state: ServerState,
    last_response: Option<Vec<u8>>,
    interval: Duration,
    retransmit_at: Option<Instant>,
    timeout_at: Option<Instant>,
    end_at: Option<Instant>,
}

impl ServerTx {
    pub fn new(method: Method, reliable: bool) -> ServerTx {
        ServerTx {
            method,
            reliable,
            state: ServerState::Started,
            last_response: None,
            interval: T1,
            retransmit_at: None,
            timeout_at: None,
            end_at: None,
        }
    }

    pub fn is_terminated(&self) -> bool {
        self.state == ServerState::Terminated
    }

    /// Whether a final response was sent.
    pub fn has_final(&self) -> bool {
        !matches!(self.state, ServerState::Started | ServerState::Proceeding)
    }

    pub fn deadline(&self) -> Option<Instant> {
        [self.retransmit_at, self.timeout_at, self.end_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// The request arrived again: re-send the last response (absorbed in Accepted, RFC 6026).
    pub fn on_retransmission(&mut self) -> Vec<TxAction> {
        match self.state {
            ServerState::Accepted | ServerState::Confirmed | ServerState::Terminated => Vec::new(),
            _ => self
                .last_response
                .clone()
                .map(TxAction::Send)
                .into_iter()
                .collect(),
        }
    }

    /// Sends a response through the transaction.
    pub fn respond(&mut self, now: Instant, code: u16, bytes: Vec<u8>) -> Vec<TxAction> {
        if self.has_final() {
            return Vec::new();
        }
        let wait = |d: Duration| if self.reliable { Duration::ZERO } else { d };
        let invite = self.method == Method::Invite;
        self.last_response = Some(bytes.clone());
        match code {
            100..=199 => self.state = ServerState::Proceeding,
            200..=299 if invite => {
                self.state = ServerState::Accepted;
                self.end_at = Some(now + 64 * T1);
            }
            _ if invite => {
                self.state = ServerState::Completed;
                if !self.reliable {
                    self.retransmit_at = Some(now + T1);
                }
                self.timeout_at = Some(now + 64 * T1);
            }
            _ => {
                self.state = ServerState::Completed;
                self.end_at = Some(now + wait(64 * T1));
            }
        }
        vec![TxAction::Send(bytes)]
    }

    /// An ACK for a non-2xx final response (INVITE only).
    pub fn on_ack(&mut self, now: Instant) {
        if self.state == ServerState::Completed && self.method == Method::Invite {
            self.state = ServerState::Confirmed;
            self.retransmit_at = None;
            self.timeout_at = None;
            self.end_at = Some(now + if self.reliable { Duration::ZERO } else { T4 });
        }
    }

    /// Timers G (retransmit), H (no ACK), I/J/L (end).
    pub fn on_timeout(&mut self, now: Instant) -> Vec<TxAction> {
        if self.timeout_at.is_some_and(|t| now >= t) {
            self.state = ServerState::Terminated;
            self.retransmit_at = None;
            self.timeout_at = None;
            return vec![TxAction::Timeout];
        }
        if self.end_at.is_some_and(|t| now >= t) {
            self.state = ServerState::Terminated;
            self.end_at = None;
            return Vec::new();
        }
        if let Some(at) = self.retransmit_at
            && now >= at
        {
            self.interval = (self.interval * 2).min(T2);
            self.retransmit_at = Some(now + self.interval);
            return self
                .last_response
                .clone()
                .map(TxAction::Send)
                .into_iter()
                .collect();
        }
        Vec::new()
    }
}

#[cfg(test)]
#[path = "transaction_tests.rs"]
mod tests;
