//! The phone: the one handle the UI and the CLI use. It combines the account manager with
//! the SIP engine (through the network driver) and media, and reports what happens as events.
//!
//! Inside, each file depends one way: [`events`] and [`error`] say what the phone reports;
//! `line` and `call_media` (with `negotiation`, its offer/answer) hold a line's and a call's
//! state; [`softphone`] owns them in the [`softphone::Phone`], which `accounts`,
//! `call_controls` and `referred` (the far end's transfers) extend; the [`controller`] runs the phone for the GUI.

/// The SIP messages recorded for the window's trace viewer (kept by the network layer).
pub use crate::net::trace as sip_trace;

mod accounts;
mod call_controls;
mod call_media;
pub mod catalogue;
pub mod cloud_delivery;
pub mod controller;
pub mod delivery;
pub mod error;
pub mod events;
pub mod history;
mod line;
mod negotiation;
pub mod outbox;
pub mod recordings;
mod referred;
pub mod softphone;
mod sound_board;
mod voicemail;

pub use call_media::MediaOptions;
pub use referred::TransferCall;
