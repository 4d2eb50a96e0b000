//! The phone: the one handle the UI and the CLI use. It combines the account manager with
//! media (and, in later layers, the SIP engine and audio).

pub mod catalogue;
pub mod softphone;
