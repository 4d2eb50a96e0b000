//! What every part of the user agent shares: the clock, the randomness, the transaction tables,
//! the output queue and the numbering of incoming calls, with the helpers that send requests and
//! responses through them. Accounts and calls keep their own state and borrow this.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::Instant;

use rsip::Method;

use super::api::{AccountConfig, CallHandle, Event, Output};
use super::msg::{self, Builder, Parsed};
use super::transaction::{ClientTx, ServerTx, TxAction};
use crate::engine::flow::{Flow, Transmit};
use crate::engine::random::Random;

/// The methods we accept. NOTIFY and REFER only inside a call (a transfer's progress, and the
/// far end's transfer, RFC 3515).
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, NOTIFY, REFER";

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

/// The shared state of the user agent.
pub(super) struct Core {
    pub(super) rng: Box<dyn Random>,
    pub(super) now: Instant,
    pub(super) client_txs: HashMap<TxKey, ClientEntry>,
    pub(super) server_txs: HashMap<TxKey, ServerEntry>,
    outputs: VecDeque<Output>,
    next_call: u64,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("now", &self.now)
            .field("client_txs", &self.client_txs.len())
            .field("server_txs", &self.server_txs.len())
            .field("outputs", &self.outputs.len())
            .finish_non_exhaustive()
    }
}

impl Core {
    pub(super) fn new(now: Instant, rng: Box<dyn Random>) -> Core {
        Core {
            rng,
            now,
            client_txs: HashMap::new(),
            server_txs: HashMap::new(),
            outputs: VecDeque::new(),
            next_call: 1 << 32,
        }
    }

    /// The oldest queued output.
    pub(super) fn pop_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The earliest deadline of the transactions.
    pub(super) fn deadline(&self) -> Option<Instant> {
        let txs = self.client_txs.values().filter_map(|e| e.tx.deadline());
        let stxs = self.server_txs.values().filter_map(|e| e.tx.deadline());
        txs.chain(stxs).min()
    }

    /// A handle for an incoming call (above those the phone picks for its own calls).
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
    pub(super) fn via(&self, config: &AccountConfig, branch: &str) -> String {
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
}
