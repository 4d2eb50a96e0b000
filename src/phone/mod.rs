//! The phone: the one handle the UI and the CLI use. It combines the account manager with
//! media (and, in later layers, the SIP engine and audio).

mod call_controls;
mod call_media;
pub mod catalogue;
pub mod controller;
pub mod delivery;
pub mod history;
mod lines;
mod negotiation;
pub mod outbox;
pub mod recordings;
pub mod softphone;
mod sound_board;
mod voicemail;

pub use call_media::MediaOptions;
