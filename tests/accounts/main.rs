//! Integration tests of the account manager: the `handset` CLI against a real Secret Service,
//! crash safety of the store, the CSV round trip, and the window's desktop integration. (One test binary: each links the crate.)

mod cli;
mod common;
mod crash;
mod desktop;
mod roundtrip;
