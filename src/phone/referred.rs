//! The far end's transfer of a call (it sent a REFER, RFC 3515): the user is asked
//! ([`PhoneEvent::TransferRequested`]); accepted, the phone calls the target from the same
//! account (outbound rules and caller ID as for any call) and tells the far end how that call
//! goes; once the target answers, the transferred call is hung up. Declined (or the call cannot
//! be placed), the far end hears 603 and the call stays as it is.
//!
//! A target with embedded headers (`?Replaces=…`, an attended transfer) is called with its
//! `Replaces` (RFC 3891): the target's consultation call is replaced by ours. The user is shown
//! the target without them.

use tracing::info;

use super::call_media::MediaOptions;
use super::error::PhoneError;
use super::events::PhoneEvent;
use super::softphone::Phone;
use crate::engine::{CallHandle, CallState, Command};
use crate::text::Text;

/// The call placed for an accepted transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferCall {
    /// The account of the transferred call (it places this one too).
    pub account: String,
    pub target: String,
    pub call: CallHandle,
}

/// The status the far end hears when the user declines or the target cannot be called.
const DECLINED: u16 = 603;

impl Phone {
    /// Notes the far end's request and reports it (nothing when the call is unknown).
    pub(super) fn on_transfer_requested(
        &mut self,
        call: CallHandle,
        target: String,
        referred_by: Option<String>,
    ) -> Option<PhoneEvent> {
        let Some(info) = self.calls.get(&call) else {
            self.driver
                .command(Command::TransferStatus { call, code: DECLINED });
            return None;
        };
        info!(%call, "the far end asks to transfer the call");
        self.transfer_requests
            .insert(call, (info.account.clone(), target.clone()));
        Some(PhoneEvent::TransferRequested {
            call,
            target: target.split('?').next().unwrap_or_default().to_owned(),
            referred_by,
        })
    }

    /// Accepts the far end's transfer of `call`: calls the target with `media` and returns that
    /// call. Refused (and 603 for the far end) when there is no such request or the account may
    /// not call out.
    pub async fn accept_transfer(
        &mut self,
        call: CallHandle,
        media: MediaOptions,
    ) -> Result<TransferCall, PhoneError> {
        let (account, target) = self
            .transfer_requests
            .remove(&call)
            .ok_or_else(|| PhoneError::Refused(Text::new("phone-no-transfer-request")))?;
        match self.dial_with(&account, &target, media).await {
            Ok(placed) => {
                info!(%call, %placed, "calling the transfer target");
                self.referred.insert(placed, call);
                Ok(TransferCall {
                    account,
                    target,
                    call: placed,
                })
            }
            Err(e) => {
                self.driver
                    .command(Command::TransferStatus { call, code: DECLINED });
                Err(e)
            }
        }
    }

    /// Declines the far end's transfer of `call` (it hears 603; the call stays up).
    pub fn decline_transfer(&mut self, call: CallHandle) {
        if self.transfer_requests.remove(&call).is_some() {
            self.driver
                .command(Command::TransferStatus { call, code: DECLINED });
        }
    }

    /// A call placed for a transfer moved on: the far end hears its status; once it is
    /// answered the call it replaces is hung up.
    pub(super) fn on_referred_call(&mut self, placed: CallHandle, state: &CallState) {
        let Some(&original) = self.referred.get(&placed) else {
            return;
        };
        let code = match state {
            CallState::Ringing { .. } => 180,
            CallState::Answered { .. } => 200,
            // Ended before the answer: its failure, or 487 when it was given up.
            CallState::Ended { code, .. } if *code >= 300 => *code,
            CallState::Ended { .. } => 487,
            CallState::Renegotiated { .. } => return,
        };
        self.driver
            .command(Command::TransferStatus { call: original, code });
        if code >= 200 {
            self.referred.remove(&placed);
        }
        if code == 200 && self.calls.contains_key(&original) {
            info!(call = %original, "transferred; hanging up");
            self.driver.command(Command::Hangup { call: original });
        }
    }
}
