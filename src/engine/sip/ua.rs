//! The user agent: accounts (registration), calls (INVITE sessions), and the transaction table
//! that carries their requests. Everything an account sends goes on the account's flow (its
//! registrar/outbound proxy, RFC 5626 style); responses go back on the flow a request came from.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rsip::Method;
use tracing::{debug, warn};

use super::call::Call;
use super::msg::{self, Builder, Parsed};
use super::registration::Registration;
use super::transaction::{ClientTx, ServerTx, TxAction};
use crate::engine::{Flow, Input, Output, Random, Transmit};
use crate::text::Text;

/// The methods we accept. NOTIFY only inside a call (a transfer's progress, RFC 3515); REFER
/// is not listed: the far end's transfer requests are declined (603).
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, NOTIFY";

/// An account's SIP identity and where it registers.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// SIP user of the address of record (and of the Contact).
    pub user: String,
    /// SIP domain of the address of record.
    pub domain: String,
    /// Digest user name (usually `user`).
    pub auth_user: String,
    pub password: String,
    pub display_name: Option<String>,
    /// Registrar / outbound proxy flow; every request of the account goes here.
    pub flow: Flow,
    /// Our address on that flow (Via sent-by and Contact).
    pub local: SocketAddr,
    /// Requested registration lifetime in seconds.
    pub expires: u32,
    /// RFC 5626 instance id (`urn:uuid:…`), stable per installation and account.
    pub instance_id: String,
    pub user_agent: String,
    /// Keep-alive interval (CRLF on streams, OPTIONS on UDP); `None` disables.
    pub keepalive: Option<Duration>,
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountConfig")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("flow", &self.flow)
            .field("password", &"***")
            .finish_non_exhaustive()
    }
}

impl AccountConfig {
    /// `sip:user@domain`.
    pub fn aor(&self) -> String {
        format!("sip:{}@{}", self.user, msg::uri_host(&self.domain))
    }

    /// The registrar's Request-URI: `sip:domain`.
    pub fn registrar_uri(&self) -> String {
        format!("sip:{}", msg::uri_host(&self.domain))
    }
}

/// A call, named by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(pub u64);

impl fmt::Display for CallHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call-{}", self.0)
    }
}

/// Commands from the phone.
#[derive(Clone, Debug)]
pub enum Command {
    /// Register (or re-register after a change) the account `key`.
    Register { key: String, config: AccountConfig },
    /// Unregister and forget the account.
    Unregister { key: String },
    /// Call `target` (a SIP URI) from the account, offering `sdp`. The caller names the call
    /// (handles below 2^32; the engine names incoming calls above).
    Dial {
        call: CallHandle,
        key: String,
        target: String,
        sdp: Vec<u8>,
        /// Presented identity: display name and user (From and P-Preferred-Identity).
        caller_id: Option<(Option<String>, String)>,
    },
    /// Send 180 Ringing for an incoming call.
    Ring { call: CallHandle },
    /// Answer an incoming call with `sdp`.
    Answer { call: CallHandle, sdp: Vec<u8> },
    /// Refuse an incoming call (486, 603, 480 …).
    Reject { call: CallHandle, code: u16 },
    /// End a call in any state: CANCEL before answer, BYE after.
    Hangup { call: CallHandle },
    /// Renegotiate media with a re-INVITE (hold/resume).
    Reinvite { call: CallHandle, sdp: Vec<u8> },
    /// Send a digit in an INFO (when telephone-event was not negotiated).
    InfoDigit { call: CallHandle, digit: char },
    /// Blind transfer (RFC 3515): ask the far end of an established call to call `target` (a
    /// SIP URI); progress comes as [`Event::Transfer`]. The call itself is left as it is.
    Transfer { call: CallHandle, target: String },
}

/// Registration states reported for an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationState {
    Registering,
    Registered {
        expires: u32,
    },
    /// Failed; a retry follows after `retry_in` (none for fatal errors like a wrong password).
    /// `reason` says what it means for the user (the window translates it).
    Failed {
        code: u16,
        reason: Text,
        retry_in: Option<Duration>,
    },
    Unregistered,
}

/// States reported for a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallState {
    /// The far end is ringing (180) or sent early media (183).
    Ringing { early_sdp: Option<Vec<u8>> },
    /// The call is up; `sdp` is the far end's session description.
    Answered { sdp: Vec<u8> },
    /// A re-INVITE or UPDATE from either side changed the far end's session description.
    Renegotiated { sdp: Vec<u8> },
    /// The call ended; `code` is the SIP status that ended it (200 for a BYE).
    Ended {
        code: u16,
        reason: String,
        by_remote: bool,
    },
}

/// How a transfer we asked for goes: the REFER's answer, then the far end's NOTIFYs about its
/// call to the target (`message/sipfrag`, RFC 3515 §2.4.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferProgress {
    /// The far end accepted the REFER (202) and is calling the target.
    Accepted,
    /// The far end's call to the target got this provisional status (100 Trying, 180 Ringing …).
    Progress(u16),
    /// The target answered (a 2xx): the far end is talking to it now.
    Succeeded,
    /// The REFER was refused, the call to the target failed, or no final answer came
    /// (`code` 0: the subscription ended without one; 408: no news in time).
    Failed { code: u16, reason: Text },
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Registration {
        key: String,
        state: RegistrationState,
    },
    /// The registrar sees us at a different address (Via received/rport).
    PublicAddress {
        key: String,
        addr: SocketAddr,
    },
    Incoming {
        key: String,
        call: CallHandle,
        from: String,
        to: String,
        request_uri: String,
        sdp: Vec<u8>,
    },
    Call {
        call: CallHandle,
        state: CallState,
    },
    /// The far end sent a digit in an INFO.
    Dtmf {
        call: CallHandle,
        digit: char,
    },
    /// A transfer of the call ([`Command::Transfer`]) moved on.
    Transfer {
        call: CallHandle,
        progress: TransferProgress,
    },
    /// A message could not be used (sent a 400 when it was a request).
    Malformed {
        flow: Flow,
        reason: String,
    },
}

/// Transactions are keyed by top-Via branch and method (ACK matches INVITE).
pub(super) type TxKey = (String, String);

pub(super) fn tx_key(branch: &str, method: &Method) -> TxKey {
    (branch.to_owned(), method.to_string())
}

/// Who a client transaction belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Owner {
    Registration(String),
    Call(CallHandle),
    /// The REFER of a call's transfer.
    Refer(CallHandle),
    KeepAlive(String),
    None,
}

pub(super) struct ClientEntry {
    pub tx: ClientTx,
    pub flow: Flow,
    pub owner: Owner,
}

pub(super) struct ServerEntry {
    pub tx: ServerTx,
    pub flow: Flow,
    pub call: Option<CallHandle>,
}

/// The SIP user agent.
pub struct UserAgent {
    pub(super) rng: Box<dyn Random>,
    pub(super) now: Instant,
    pub(super) accounts: HashMap<String, Registration>,
    pub(super) calls: HashMap<CallHandle, Call>,
    pub(super) client_txs: HashMap<TxKey, ClientEntry>,
    pub(super) server_txs: HashMap<TxKey, ServerEntry>,
    pub(super) outputs: VecDeque<Output>,
    next_call: u64,
}

impl fmt::Debug for UserAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserAgent")
            .field("accounts", &self.accounts.len())
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

impl UserAgent {
    pub fn new(now: Instant, rng: Box<dyn Random>) -> UserAgent {
        UserAgent {
            rng,
            now,
            accounts: HashMap::new(),
            calls: HashMap::new(),
            client_txs: HashMap::new(),
            server_txs: HashMap::new(),
            outputs: VecDeque::new(),
            next_call: 1 << 32,
        }
    }

    /// Feeds one input at time `now`.
    pub fn handle_input(&mut self, now: Instant, input: Input) {
        self.now = self.now.max(now);
        match input {
            Input::Message { flow, bytes } => self.on_message(flow, bytes),
            Input::TransportError { flow } => self.on_transport_error(flow),
            Input::Command(c) => self.on_command(*c),
            Input::Timeout => {}
        }
        self.run_timers();
    }

    /// Next output; `Output::Timeout` (or `None` when nothing is scheduled) once drained.
    pub fn poll_output(&mut self) -> Option<Output> {
        if let Some(o) = self.outputs.pop_front() {
            return Some(o);
        }
        self.next_deadline().map(Output::Timeout)
    }

    /// The earliest deadline of every timer in the engine.
    pub fn next_deadline(&self) -> Option<Instant> {
        let txs = self.client_txs.values().filter_map(|e| e.tx.deadline());
        let stxs = self.server_txs.values().filter_map(|e| e.tx.deadline());
        let regs = self.accounts.values().filter_map(Registration::deadline);
        let calls = self.calls.values().filter_map(Call::deadline);
        txs.chain(stxs).chain(regs).chain(calls).min()
    }

    pub(super) fn new_call_handle(&mut self) -> CallHandle {
        let h = CallHandle(self.next_call);
        self.next_call += 1;
        h
    }

    pub(super) fn send(&mut self, flow: Flow, bytes: Vec<u8>) {
        self.outputs.push_back(Output::Transmit(Transmit { flow, bytes }));
    }

    pub(super) fn emit(&mut self, event: Event) {
        self.outputs.push_back(Output::Event(event));
    }

    pub(super) fn branch(&mut self) -> String {
        format!("z9hG4bK{}", self.rng.token(16))
    }

    pub(super) fn tag(&mut self) -> String {
        self.rng.token(12)
    }

    /// Via for a request from the account.
    pub(super) fn via(&mut self, config: &AccountConfig, branch: &str) -> String {
        format!(
            "SIP/2.0/{} {};branch={branch};rport",
            config.flow.transport.via_name(),
            msg::host_port(config.local.ip(), config.local.port())
        )
    }

    /// Starts a client transaction for a new request of the account: adds our Via first.
    pub(super) fn start_request(
        &mut self,
        config: &AccountConfig,
        method: Method,
        branch: String,
        request: Builder,
        owner: Owner,
    ) {
        let via = self.via(config, &branch);
        self.start_client(
            config.flow,
            method,
            branch,
            request.prepend_header("Via", via),
            owner,
        );
    }

    /// Starts a client transaction for `request` on `flow`.
    pub(super) fn start_client(
        &mut self,
        flow: Flow,
        method: Method,
        branch: String,
        request: Builder,
        owner: Owner,
    ) {
        let (tx, first) = ClientTx::start(self.now, method, request, flow.transport.is_reliable());
        self.client_txs
            .insert(tx_key(&branch, &method), ClientEntry { tx, flow, owner });
        if let TxAction::Send(bytes) = first {
            self.send(flow, bytes);
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Register { key, config } => self.register(key, config),
            Command::Unregister { key } => self.unregister(&key),
            Command::Dial {
                call,
                key,
                target,
                sdp,
                caller_id,
            } => self.dial(call, &key, &target, sdp, caller_id),
            Command::Ring { call } => self.ring(call),
            Command::Answer { call, sdp } => self.answer(call, sdp),
            Command::Reject { call, code } => self.reject(call, code),
            Command::Hangup { call } => self.hangup(call),
            Command::Reinvite { call, sdp } => self.reinvite(call, sdp),
            Command::Transfer { call, target } => self.transfer(call, &target),
            Command::InfoDigit { call, digit } => {
                if let Some(body) = super::dtmf_info::relay_body(digit, 250) {
                    self.send_info(call, super::dtmf_info::DTMF_RELAY, body);
                }
            }
        }
    }

    fn on_message(&mut self, flow: Flow, bytes: &[u8]) {
        // RFC 5626 keep-alive pong/ping on streams: CRLF alone.
        if bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            if bytes == b"\r\n\r\n" {
                self.send(flow, b"\r\n".to_vec());
            }
            return;
        }
        let parsed = match msg::parse(bytes) {
            Ok(p) => p,
            Err(e) => {
                warn!(%flow, error = %e, "malformed SIP message");
                self.reply_bad_request(flow, bytes, &e.to_string());
                self.emit(Event::Malformed {
                    flow,
                    reason: e.to_string(),
                });
                return;
            }
        };
        if parsed.request().is_some() {
            self.on_request(flow, parsed);
        } else {
            self.on_response(flow, parsed);
        }
    }

    /// A 400 for a request we could not parse, when enough of it is readable to answer.
    fn reply_bad_request(&mut self, flow: Flow, bytes: &[u8], reason: &str) {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(msg::MAX_MESSAGE)]);
        if text.starts_with("SIP/") || !text.contains(" SIP/2.0") {
            return;
        }
        let mut b = Builder::response(400, "Bad Request");
        let mut has = 0;
        for line in text.split("\r\n").skip(1).take_while(|l| !l.is_empty()) {
            if let Some((name, value)) = line.split_once(':') {
                let n = name.trim();
                if ["via", "from", "to", "call-id", "cseq"]
                    .iter()
                    .any(|h| n.eq_ignore_ascii_case(h))
                {
                    b.push_header(n, value.trim());
                    has += 1;
                }
            }
        }
        if has == 5 {
            let reason: String = reason
                .chars()
                .filter(|c| !c.is_control() && *c != '"')
                .take(100)
                .collect();
            b.push_header("Warning", format!("399 handset \"{reason}\""));
            self.send(flow, b.to_bytes());
        }
    }

    fn on_response(&mut self, flow: Flow, response: Parsed) {
        let key = tx_key(&response.info.branch, &response.info.cseq_method);
        let Some(entry) = self.client_txs.get_mut(&key) else {
            debug!(%flow, "response without transaction");
            // A 2xx to an INVITE whose transaction is gone: the call layer re-ACKs it.
            if response.info.cseq_method == Method::Invite
                && response.status().is_some_and(|c| (200..300).contains(&c))
            {
                self.on_stray_invite_2xx(response);
            }
            return;
        };
        let owner = entry.owner.clone();
        let actions = entry.tx.on_response(self.now, response);
        let tx_flow = entry.flow;
        self.apply_client_actions(tx_flow, &owner, actions);
    }

    fn apply_client_actions(&mut self, flow: Flow, owner: &Owner, actions: Vec<TxAction>) {
        for a in actions {
            match a {
                TxAction::Send(bytes) => self.send(flow, bytes),
                TxAction::Deliver(r) => self.deliver_response(owner, *r),
                TxAction::Timeout => self.deliver_timeout(owner),
            }
        }
    }

    fn deliver_response(&mut self, owner: &Owner, response: Parsed) {
        match owner {
            Owner::Registration(key) => self.on_register_response(key, response),
            Owner::Call(call) => self.on_call_response(*call, response),
            Owner::Refer(call) => self.on_refer_response(*call, response),
            Owner::KeepAlive(key) => self.on_keepalive_response(key),
            Owner::None => {}
        }
    }

    fn deliver_timeout(&mut self, owner: &Owner) {
        match owner {
            Owner::Registration(key) => self.on_register_failure(key, 408, Text::new("reg-no-answer")),
            Owner::Call(call) => self.on_call_timeout(*call),
            Owner::Refer(call) => self.on_refer_timeout(*call),
            Owner::KeepAlive(key) => self.on_register_failure(key, 408, Text::new("reg-keepalive-lost")),
            Owner::None => {}
        }
    }

    fn on_request(&mut self, flow: Flow, request: Parsed) {
        let Some(method) = request.request().map(|r| r.method) else {
            return;
        };
        let branch = request.info.branch.clone();
        // ACK for a non-2xx final answer belongs to the INVITE transaction.
        if method == Method::Ack {
            let for_2xx = self.is_2xx_ack(&request);
            if let Some(e) = self.server_txs.get_mut(&tx_key(&branch, &Method::Invite))
                && e.tx.has_final()
                && !for_2xx
            {
                e.tx.on_ack(self.now);
                return;
            }
            self.on_ack(request);
            return;
        }
        let key = tx_key(&branch, &method);
        if let Some(e) = self.server_txs.get_mut(&key) {
            let actions = e.tx.on_retransmission();
            let f = e.flow;
            for a in actions {
                if let TxAction::Send(b) = a {
                    self.send(f, b);
                }
            }
            return;
        }
        let tx = ServerTx::new(method, flow.transport.is_reliable());
        self.server_txs.insert(key, ServerEntry { tx, flow, call: None });
        match method {
            Method::Invite => self.on_invite(flow, request),
            Method::Cancel => self.on_cancel(flow, request),
            Method::Bye | Method::Update | Method::Info | Method::Notify => self.on_in_dialog(flow, request),
            Method::Refer => self.decline_refer(&request),
            Method::Options => {
                let b = msg::response_to(&request, 200, Some(&self.tag()))
                    .header("Allow", ALLOW)
                    .header("Accept", "application/sdp")
                    .header("Supported", "timer, outbound");
                self.respond(&request, 200, b);
            }
            _ => {
                let b = msg::response_to(&request, 405, Some(&self.tag())).header("Allow", ALLOW);
                self.respond(&request, 405, b);
            }
        }
    }

    /// Sends a response through the request's server transaction.
    pub(super) fn respond(&mut self, request: &Parsed, code: u16, response: Builder) {
        let key = tx_key(
            &request.info.branch,
            &request.request().map_or(Method::Options, |r| r.method),
        );
        let now = self.now;
        let Some(e) = self.server_txs.get_mut(&key) else {
            return;
        };
        let flow = e.flow;
        for a in e.tx.respond(now, code, response.to_bytes()) {
            if let TxAction::Send(b) = a {
                self.send(flow, b);
            }
        }
    }

    fn on_transport_error(&mut self, flow: Flow) {
        let keys: Vec<_> = self
            .client_txs
            .iter()
            .filter(|(_, e)| e.flow == flow)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Some(e) = self.client_txs.get_mut(&k) {
                let owner = e.owner.clone();
                let actions = e.tx.on_transport_error();
                self.apply_client_actions(flow, &owner, actions);
            }
        }
        let accounts: Vec<String> = self
            .accounts
            .iter()
            .filter(|(_, r)| r.config.flow == flow)
            .map(|(k, _)| k.clone())
            .collect();
        for key in accounts {
            self.on_flow_lost(&key);
        }
    }

    fn run_timers(&mut self) {
        let now = self.now;
        let due: Vec<_> = self
            .client_txs
            .iter()
            .filter(|(_, e)| e.tx.deadline().is_some_and(|d| d <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            if let Some(e) = self.client_txs.get_mut(&k) {
                let owner = e.owner.clone();
                let flow = e.flow;
                let actions = e.tx.on_timeout(now);
                self.apply_client_actions(flow, &owner, actions);
            }
        }
        let due: Vec<_> = self
            .server_txs
            .iter()
            .filter(|(_, e)| e.tx.deadline().is_some_and(|d| d <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            if let Some(e) = self.server_txs.get_mut(&k) {
                let flow = e.flow;
                let call = e.call;
                for a in e.tx.on_timeout(now) {
                    match a {
                        TxAction::Send(b) => self.send(flow, b),
                        TxAction::Timeout => {
                            if let Some(c) = call {
                                self.end_call(c, 408, "no ACK from the far end", false);
                            }
                        }
                        TxAction::Deliver(_) => {}
                    }
                }
            }
        }
        self.client_txs.retain(|_, e| !e.tx.is_terminated());
        self.server_txs.retain(|_, e| !e.tx.is_terminated());
        let keys: Vec<String> = self.accounts.keys().cloned().collect();
        for k in keys {
            self.registration_timers(&k);
        }
        let calls: Vec<CallHandle> = self.calls.keys().copied().collect();
        for c in calls {
            self.call_timers(c);
        }
    }
}
