//! SIP (RFC 3261) on rsip: messages, transactions, digest auth, registration, calls, transfer.

mod admission;
pub mod api;
pub mod auth;
pub mod call;
mod core;
pub mod dtmf_info;
pub mod msg;
pub mod registration;
pub mod sipfrag;
pub mod transaction;
pub mod ua;

#[cfg(test)]
mod sim;
#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod transfer_tests;
