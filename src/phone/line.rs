//! A line: one active account as the phone keeps it (its settings and password, its servers
//! in order, its connection, and when to reconnect).

use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;

use crate::account::Secret;
use crate::account::model::SipAccount;
use crate::net::dns::Candidate;
use crate::net::transport::Connection;

/// A registered account: its settings, its servers and its connection.
pub(super) struct Line {
    pub(super) account: SipAccount,
    pub(super) password: Secret,
    pub(super) candidates: Vec<Candidate>,
    pub(super) index: usize,
    pub(super) server_name: String,
    pub(super) tls: Option<Arc<ClientConfig>>,
    pub(super) conn: Option<Connection>,
    pub(super) registered_once: bool,
    pub(super) reconnect_at: Option<tokio::time::Instant>,
    pub(super) reconnect_delay: Duration,
}
