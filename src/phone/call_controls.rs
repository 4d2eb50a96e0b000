//! What the phone does to a call in progress: digits, hold and resume, mute, recording on
//! demand, transfer, ringing, rejecting and hanging up, and the live figures.

use tracing::info;

use super::error::PhoneError;
use super::events::CallFigures;
use super::softphone::{Phone, target_uri};
use crate::engine::sdp;
use crate::engine::{CallHandle, Command, TransferProgress};
use crate::text::Text;

impl Phone {
    /// Sends digits as RFC 4733 events, or as SIP INFO when the call has no telephone-event.
    /// Digits that end with the account's Record on Demand feature code also start (or pause)
    /// recording the call.
    pub fn send_dtmf(&mut self, call: CallHandle, digits: &str) {
        self.feature_code(call, digits);
        let Some(info) = self.calls.get(&call) else { return };
        match &info.stream {
            Some(stream) if info.dtmf_rtp => stream.send_dtmf(digits),
            _ => self.info_digits.extend(digits.chars().map(|d| (call, d))),
        }
    }

    /// Follows the digits dialed on the call; the feature code toggles recording.
    fn feature_code(&mut self, call: CallHandle, digits: &str) {
        let Some(info) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(r) = self.lines.get(&info.account).map(|l| &l.account.recording) else {
            return;
        };
        let Some(code) = r.feature_code.as_deref().filter(|_| r.on_demand) else {
            return;
        };
        info.dialed.push_str(digits);
        if info.dialed.len() > 32 {
            info.dialed.drain(..info.dialed.len() - 16);
        }
        if !info.dialed.ends_with(code) {
            return;
        }
        info.dialed.clear();
        if let Some(stream) = &info.stream
            && info.media.recording.is_some()
        {
            let on = !stream.controls().is_recording();
            info!(%call, on, "record on demand by feature code");
            stream.controls().set_recording(on);
        }
    }

    /// Puts the call on hold (re-INVITE with `a=sendonly`, RFC 3264 §8.4).
    pub fn hold(&mut self, call: CallHandle) {
        self.redirect(call, "sendonly");
    }

    /// Takes the call off hold (re-INVITE with `a=sendrecv`).
    pub fn resume(&mut self, call: CallHandle) {
        self.redirect(call, "sendrecv");
    }

    fn redirect(&mut self, call: CallHandle, direction: &str) {
        let Some(info) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(current) = &info.local_sdp else { return };
        let sdp = sdp::with_direction(current, direction);
        info.local_sdp = Some(sdp.clone());
        self.driver.command(Command::Reinvite {
            call,
            sdp: sdp.into_bytes(),
        });
    }

    /// Mutes or unmutes the call's microphone (nothing to mute without sound devices).
    pub fn set_muted(&self, call: CallHandle, muted: bool) {
        if let Some(stream) = self.calls.get(&call).and_then(|i| i.stream.as_ref()) {
            stream.controls().set_muted(muted);
        }
    }

    /// Starts or pauses recording the call (both sides, to the recordings folder). Refused, with
    /// the reason, when the account does not allow recording on demand or there is no folder.
    pub fn set_recording(&self, call: CallHandle, on: bool) -> Result<(), PhoneError> {
        let info = self
            .calls
            .get(&call)
            .ok_or_else(|| PhoneError::Refused(Text::new("phone-call-ended")))?;
        let allowed = self
            .lines
            .get(&info.account)
            .is_some_and(|l| l.account.recording.on_demand);
        if !on && !allowed && info.record_from_start {
            return Err(PhoneError::Refused(
                Text::new("phone-recording-required").arg("account", &info.account),
            ));
        }
        if on && !allowed {
            return Err(PhoneError::Refused(
                Text::new("phone-on-demand-off").arg("account", &info.account),
            ));
        }
        if on && info.media.recording.is_none() {
            return Err(PhoneError::Refused(Text::new("phone-no-recordings-folder")));
        }
        let stream = info
            .stream
            .as_ref()
            .ok_or_else(|| PhoneError::Refused(Text::new("phone-no-media-yet")))?;
        stream.controls().set_recording(on);
        Ok(())
    }

    /// The call's live figures for the UI; `None` before its media starts.
    pub fn figures(&self, call: CallHandle) -> Option<CallFigures> {
        self.calls.get(&call)?.figures()
    }

    pub fn ring(&mut self, call: CallHandle) {
        self.driver.command(Command::Ring { call });
    }

    pub fn reject(&mut self, call: CallHandle, code: u16) {
        self.driver.command(Command::Reject { call, code });
    }

    pub fn hangup(&mut self, call: CallHandle) {
        self.driver.command(Command::Hangup { call });
    }

    /// Blind transfer (RFC 3515 REFER): asks the far end of an answered call to call `target`
    /// (a number or SIP URI, as for [`Phone::dial`]). Progress comes as
    /// [`PhoneEvent::Transfer`]. When the target answers, the phone hangs up its own call
    /// (unless the far end already did); when the transfer fails, or nothing is heard about it
    /// for 30 s, the call stays up.
    pub fn transfer(&mut self, call: CallHandle, target: &str) -> Result<(), PhoneError> {
        let info = self
            .calls
            .get(&call)
            .ok_or_else(|| PhoneError::Refused(Text::new("phone-no-call-to-transfer")))?;
        if !info.answered {
            return Err(PhoneError::Refused(Text::new("phone-transfer-unanswered")));
        }
        if self.transfers.contains(&call) {
            return Err(PhoneError::Refused(Text::new("phone-transfer-pending")));
        }
        let line = self.lines.get(&info.account).ok_or_else(|| {
            PhoneError::Refused(Text::new("phone-account-not-active").arg("account", &info.account))
        })?;
        let typed = target.trim();
        let uri = target_uri(typed, &line.account.credentials.domain);
        let unusable = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"');
        if typed.is_empty() || uri.chars().any(unusable) {
            return Err(PhoneError::Refused(
                Text::new("phone-transfer-target-bad").arg("target", typed),
            ));
        }
        self.transfers.insert(call);
        self.driver.command(Command::Transfer { call, target: uri });
        Ok(())
    }

    /// Attended transfer (RFC 5589 §7): asks the far end of `call` to call the far end of
    /// `consultation` (both answered) in its place; that side's consultation call is replaced
    /// and ends, and ours ends like a blind transfer's when it succeeds.
    pub fn attended_transfer(
        &mut self,
        call: CallHandle,
        consultation: CallHandle,
    ) -> Result<(), PhoneError> {
        let answered = |c: &CallHandle| self.calls.get(c).is_some_and(|i| i.answered);
        if !self.calls.contains_key(&call) {
            return Err(PhoneError::Refused(Text::new("phone-no-call-to-transfer")));
        }
        if !answered(&call) || !answered(&consultation) || call == consultation {
            return Err(PhoneError::Refused(Text::new("phone-transfer-unanswered")));
        }
        if self.transfers.contains(&call) {
            return Err(PhoneError::Refused(Text::new("phone-transfer-pending")));
        }
        self.transfers.insert(call);
        self.driver
            .command(Command::AttendedTransfer { call, consultation });
        Ok(())
    }

    /// A blind transfer that succeeded ends our leg with a BYE (RFC 5589 §6), unless the far
    /// end has hung up already (the call is gone then).
    pub(super) fn on_transfer(&mut self, call: CallHandle, progress: &TransferProgress) {
        match progress {
            TransferProgress::Succeeded => {
                self.transfers.remove(&call);
                if self.calls.contains_key(&call) {
                    info!(%call, "transferred; hanging up");
                    self.driver.command(Command::Hangup { call });
                }
            }
            TransferProgress::Failed { .. } => {
                self.transfers.remove(&call);
            }
            TransferProgress::Accepted | TransferProgress::Progress(_) => {}
        }
    }
}
