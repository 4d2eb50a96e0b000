//! The sans-IO SIP engine (after str0m and quinn-proto): no sockets, no clocks, no threads.
//!
//! Run loop: feed [`Input`]s with the current time to [`UserAgent::handle_input`], then drain
//! [`UserAgent::poll_output`] until it returns [`Output::Timeout`] (the next time to call
//! `handle_input(now, Input::Timeout)`) or `None` (nothing scheduled). Time arrives only as
//! `now`; randomness (branches, tags, Call-IDs, cnonces) comes from the injected [`Random`].

mod flow;
mod random;
pub mod rtp;
pub mod sdes;
pub mod sdp;
pub mod sip;

pub use flow::{Flow, Transmit, Transport};
pub use random::{OsRandom, Random, SeededRandom};
pub use sip::api::{
    AccountConfig, CallHandle, CallState, Command, Event, Input, Output, RegistrationState, TransferProgress,
};
pub use sip::ua::UserAgent;
