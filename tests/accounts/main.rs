//! Integration tests of the account manager: the `handset` CLI against a real Secret Service,
//! crash safety of the store, and the CSV round trip. (One test binary: each links the crate.)

mod cli;
mod common;
mod crash;
mod roundtrip;
