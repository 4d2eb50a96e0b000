//! INVITE sessions in both directions (RFC 3261 §13–15, §12 dialogs): provisional and final
//! responses, ACK for 2xx (re-sent for retransmitted 2xx), CANCEL (including the CANCEL/200
//! race: ACK then BYE), BYE, re-INVITE, digest auth on INVITE, session timers (RFC 4028), and
//! blind and attended transfer (RFC 3515, RFC 3891 `Replaces`) both ways.
//!
//! Each file builds only on those listed before it: `dialog` (one call's state), `calls` (the
//! calls and what every request in a dialog shares), `replaces` (the dialog an attended transfer
//! replaces), `refer` (our transfer), `referred` (the far end's transfer), `uas` (answering),
//! `uac` (calling), `timers`.

mod calls;
mod dialog;
mod refer;
mod referred;
mod replaces;
mod timers;
mod uac;
mod uas;

pub(super) use calls::Calls;
#[cfg(test)]
pub(super) use refer::sip_reason;
pub(super) use uac::Dial;
