//! The user agent: it owns the shared state, the accounts (registration) and the calls (INVITE
//! sessions), and dispatches to them: commands from the phone, requests to the account or call
//! they are for, responses and timeouts to the owner of their client transaction. Everything an
//! account sends goes on the account's flow (its registrar/outbound proxy, RFC 5626 style);
//! responses go back on the flow a request came from.

use std::fmt;
use std::time::Instant;

use rsip::Method;
use tracing::{debug, warn};

use super::admission::{Admission, MAX_SERVER_TXS, RETRY_AFTER};
use super::api::{Command, Event, Input, Output};
use super::call::{Calls, Dial};
use super::core::{ALLOW, Core, Owner, ServerEntry, tx_key};
use super::dtmf_info;
use super::msg::{self, Builder, Parsed};
use super::registration::Accounts;
use super::transaction::{ServerTx, TxAction};
use crate::engine::flow::Flow;
use crate::engine::random::Random;
use crate::text::Text;

/// What a raw (unparsed) request is answered with.
enum Raw<'a> {
    /// 400 with the parser's reason in a Warning.
    BadRequest(&'a str),
    /// 503 with Retry-After: a new call past the admission limit.
    NewCallRefused,
}

/// The SIP user agent.
pub struct UserAgent {
    pub(super) core: Core,
    pub(super) accounts: Accounts,
    pub(super) calls: Calls,
    admission: Admission,
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
            core: Core::new(now, rng),
            accounts: Accounts::default(),
            calls: Calls::default(),
            admission: Admission::default(),
        }
    }

    /// Feeds one input at time `now`.
    pub fn handle_input(&mut self, now: Instant, input: Input) {
        self.core.now = self.core.now.max(now);
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
        if let Some(o) = self.core.pop_output() {
            return Some(o);
        }
        self.next_deadline().map(Output::Timeout)
    }

    /// The earliest deadline of every timer in the engine.
    pub fn next_deadline(&self) -> Option<Instant> {
        [
            self.core.deadline(),
            self.accounts.deadline(),
            self.calls.deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Register { key, config } => self.accounts.register(&mut self.core, key, config),
            Command::Unregister { key } => self.accounts.unregister(&mut self.core, &key),
            Command::Dial {
                call,
                key,
                target,
                sdp,
                caller_id,
            } => {
                let dial = Dial {
                    key,
                    target,
                    sdp,
                    caller_id,
                };
                self.calls.dial(&mut self.core, &self.accounts, call, dial);
            }
            Command::Ring { call } => self.calls.ring(&mut self.core, &self.accounts, call),
            Command::Answer { call, sdp } => self.calls.answer(&mut self.core, &self.accounts, call, sdp),
            Command::Reject { call, code } => self.calls.reject(&mut self.core, &self.accounts, call, code),
            Command::Hangup { call } => self.calls.hangup(&mut self.core, &self.accounts, call),
            Command::Reinvite { call, sdp } => self.calls.reinvite(&mut self.core, &self.accounts, call, sdp),
            Command::Transfer { call, target } => {
                self.calls.transfer(&mut self.core, &self.accounts, call, &target)
            }
            Command::AttendedTransfer { call, consultation } => {
                self.calls
                    .attended_transfer(&mut self.core, &self.accounts, call, consultation)
            }
            Command::TransferStatus { call, code } => {
                self.calls
                    .transfer_status(&mut self.core, &self.accounts, call, code)
            }
            Command::InfoDigit { call, digit } => {
                if let Some(body) = dtmf_info::relay_body(digit, 250) {
                    self.calls
                        .send_info(&mut self.core, &self.accounts, call, dtmf_info::DTMF_RELAY, body);
                }
            }
        }
    }

    fn on_message(&mut self, flow: Flow, bytes: &[u8]) {
        // RFC 5626 keep-alive pong/ping on streams: CRLF alone.
        if bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            if bytes == b"\r\n\r\n" {
                self.core.send(flow, b"\r\n".to_vec());
            }
            return;
        }
        // Overload fast path: once the bucket of new calls is empty, a new INVITE is refused
        // from its raw header lines, without the full parse (RFC 3261 §21.5.4).
        if bytes.starts_with(b"INVITE ")
            && self.admission.exhausted(self.core.now)
            && self.reply_raw(flow, bytes, Raw::NewCallRefused)
        {
            return;
        }
        let parsed = match msg::parse(bytes) {
            Ok(p) => p,
            Err(e) => {
                // The parser's words may quote the message (numbers, addresses): debug only.
                warn!(transport = %flow.transport, fault = e.kind(), "malformed SIP message");
                debug!(%flow, error = %e, "the malformed message");
                self.reply_bad_request(flow, bytes, &e.to_string());
                self.core.emit(Event::Malformed {
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
        let reason: String = reason
            .chars()
            .filter(|c| !c.is_control() && *c != '"')
            .take(100)
            .collect();
        self.reply_raw(flow, bytes, Raw::BadRequest(&reason));
    }

    /// Answers a request from its raw header lines (Via, From, To, Call-ID, CSeq copied; a To
    /// tag added), keeping no state. `false` when the request cannot be answered so (a
    /// response, a header missing) or, for a refused new call, when its To has a tag (it is
    /// in a dialog and takes the normal path).
    fn reply_raw(&mut self, flow: Flow, bytes: &[u8], raw: Raw<'_>) -> bool {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(msg::MAX_MESSAGE)]);
        if text.starts_with("SIP/") || !text.contains(" SIP/2.0") {
            return false;
        }
        let mut b = match raw {
            Raw::BadRequest(_) => Builder::response(400, "Bad Request"),
            Raw::NewCallRefused => Builder::response(503, "Service Unavailable"),
        };
        let mut has = 0;
        for line in text.split("\r\n").skip(1).take_while(|l| !l.is_empty()) {
            if let Some((name, value)) = line.split_once(':') {
                let (n, value) = (name.trim(), value.trim());
                if !["via", "from", "to", "call-id", "cseq"]
                    .iter()
                    .any(|h| n.eq_ignore_ascii_case(h))
                {
                    continue;
                }
                has += 1;
                if n.eq_ignore_ascii_case("to") {
                    if value.contains(";tag=") {
                        if matches!(raw, Raw::NewCallRefused) {
                            return false;
                        }
                        b.push_header(n, value);
                    } else {
                        b.push_header(n, format!("{value};tag={}", self.core.tag()));
                    }
                } else {
                    b.push_header(n, value);
                }
            }
        }
        if has != 5 {
            return false;
        }
        match raw {
            Raw::BadRequest(reason) => b.push_header("Warning", format!("399 handset \"{reason}\"")),
            Raw::NewCallRefused => b.push_header("Retry-After", RETRY_AFTER.to_string()),
        }
        self.core.send(flow, b.to_bytes());
        true
    }

    fn on_response(&mut self, flow: Flow, response: Parsed) {
        let key = tx_key(&response.info.branch, &response.info.cseq_method);
        let Some(entry) = self.core.client_txs.get_mut(&key) else {
            debug!(%flow, "response without transaction");
            // A 2xx to an INVITE whose transaction is gone: the call layer re-ACKs it.
            if response.info.cseq_method == Method::Invite
                && response.status().is_some_and(|c| (200..300).contains(&c))
            {
                self.calls
                    .on_stray_invite_2xx(&mut self.core, &self.accounts, response);
            }
            return;
        };
        let owner = entry.owner.clone();
        let actions = entry.tx.on_response(self.core.now, response);
        let tx_flow = entry.flow;
        self.apply_client_actions(tx_flow, &owner, actions);
    }

    fn apply_client_actions(&mut self, flow: Flow, owner: &Owner, actions: Vec<TxAction>) {
        for a in actions {
            match a {
                TxAction::Send(bytes) => self.core.send(flow, bytes),
                TxAction::Deliver(r) => self.deliver_response(owner, *r),
                TxAction::Timeout => self.deliver_timeout(owner),
            }
        }
    }

    fn deliver_response(&mut self, owner: &Owner, response: Parsed) {
        match owner {
            Owner::Registration(key) => {
                self.accounts.on_register_response(&mut self.core, key, response);
                if self.accounts.take_restored(key) {
                    self.calls.refresh_targets(&mut self.core, &self.accounts, key);
                }
            }
            Owner::Call(call) => self
                .calls
                .on_call_response(&mut self.core, &self.accounts, *call, response),
            Owner::Refer(call) => {
                self.calls
                    .on_refer_response(&mut self.core, &self.accounts, *call, response)
            }
            Owner::KeepAlive(key) => self.accounts.on_keepalive_response(&mut self.core, key),
            Owner::None => {}
        }
    }

    fn deliver_timeout(&mut self, owner: &Owner) {
        match owner {
            Owner::Registration(key) => {
                self.accounts
                    .on_register_unanswered(&mut self.core, key, 408, Text::new("reg-no-answer"));
            }
            Owner::Call(call) => self.calls.on_call_timeout(&mut self.core, &self.accounts, *call),
            Owner::Refer(call) => self.calls.on_refer_timeout(&mut self.core, &self.accounts, *call),
            Owner::KeepAlive(key) => {
                self.accounts.on_register_unanswered(
                    &mut self.core,
                    key,
                    408,
                    Text::new("reg-keepalive-lost"),
                );
            }
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
            let for_2xx = self.calls.is_2xx_ack(&request);
            if let Some(e) = self.core.server_txs.get_mut(&tx_key(&branch, &Method::Invite))
                && e.tx.has_final()
                && !for_2xx
            {
                e.tx.on_ack(self.core.now);
                return;
            }
            self.calls.on_ack(request);
            return;
        }
        let key = tx_key(&branch, &method);
        if let Some(e) = self.core.server_txs.get_mut(&key) {
            let actions = e.tx.on_retransmission();
            let f = e.flow;
            for a in actions {
                if let TxAction::Send(b) = a {
                    self.core.send(f, b);
                }
            }
            return;
        }
        // Overload: a flood of new calls, or more transactions than a phone ever needs, is
        // answered 503 without keeping anything.
        let new_call = method == Method::Invite && request.info.to_tag.is_none();
        if self.core.server_txs.len() >= MAX_SERVER_TXS || new_call && !self.admission.admit(self.core.now) {
            debug!(%method, "overloaded: 503");
            let b = msg::response_to(&request, 503, Some(&self.core.tag()))
                .header("Retry-After", RETRY_AFTER.to_string());
            self.core.send(flow, b.to_bytes());
            return;
        }
        let tx = ServerTx::new(method, flow.transport.is_reliable());
        self.core
            .server_txs
            .insert(key, ServerEntry { tx, flow, call: None });
        match method {
            Method::Invite => self
                .calls
                .on_invite(&mut self.core, &self.accounts, flow, request),
            Method::Cancel => self
                .calls
                .on_cancel(&mut self.core, &self.accounts, flow, request),
            Method::Bye | Method::Update | Method::Info | Method::Notify => {
                self.calls.on_in_dialog(&mut self.core, flow, request);
            }
            Method::Refer => self.calls.on_refer(&mut self.core, &self.accounts, request),
            Method::Options => {
                let b = msg::response_to(&request, 200, Some(&self.core.tag()))
                    .header("Allow", ALLOW)
                    .header("Accept", "application/sdp")
                    .header("Supported", "timer, outbound");
                self.core.respond(&request, 200, b);
            }
            _ => {
                let b = msg::response_to(&request, 405, Some(&self.core.tag())).header("Allow", ALLOW);
                self.core.respond(&request, 405, b);
            }
        }
    }

    fn on_transport_error(&mut self, flow: Flow) {
        let keys: Vec<_> = self
            .core
            .client_txs
            .iter()
            .filter(|(_, e)| e.flow == flow)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Some(e) = self.core.client_txs.get_mut(&k) {
                let owner = e.owner.clone();
                let actions = e.tx.on_transport_error();
                self.apply_client_actions(flow, &owner, actions);
            }
        }
        self.accounts.on_flow_lost(&mut self.core, flow);
    }

    fn run_timers(&mut self) {
        let now = self.core.now;
        let due: Vec<_> = self
            .core
            .client_txs
            .iter()
            .filter(|(_, e)| e.tx.deadline().is_some_and(|d| d <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            if let Some(e) = self.core.client_txs.get_mut(&k) {
                let owner = e.owner.clone();
                let flow = e.flow;
                let actions = e.tx.on_timeout(now);
                self.apply_client_actions(flow, &owner, actions);
            }
        }
        let due: Vec<_> = self
            .core
            .server_txs
            .iter()
            .filter(|(_, e)| e.tx.deadline().is_some_and(|d| d <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            if let Some(e) = self.core.server_txs.get_mut(&k) {
                let flow = e.flow;
                let call = e.call;
                for a in e.tx.on_timeout(now) {
                    match a {
                        TxAction::Send(b) => self.core.send(flow, b),
                        TxAction::Timeout => {
                            if let Some(c) = call {
                                self.calls
                                    .end_call(&mut self.core, c, 408, "no ACK from the far end", false);
                            }
                        }
                        TxAction::Deliver(_) => {}
                    }
                }
            }
        }
        self.core.client_txs.retain(|_, e| !e.tx.is_terminated());
        self.core.server_txs.retain(|_, e| !e.tx.is_terminated());
        self.accounts.timers(&mut self.core);
        self.calls.timers(&mut self.core, &self.accounts);
    }
}
