//! Blind transfer (RFC 3515): the REFER we send inside an established call, the NOTIFYs of its
//! implicit subscription (`message/sipfrag` status lines, RFC 3420) and the timer that gives up
//! when no news comes. REFERs from the far end are the business of `referred`.

use std::time::Duration;

use rsip::Method;
use tracing::info;

use super::calls::{Calls, account_contact, answer_challenge, bye_in_flight};
use super::dialog::{Phase, Refer};
use super::replaces::refer_to_replacing;
use crate::engine::sip::api::{CallHandle, Event, TransferProgress};
use crate::engine::sip::core::{Core, Owner};
use crate::engine::sip::msg::{self, Parsed};
use crate::engine::sip::registration::Accounts;
use crate::engine::sip::sipfrag;
use crate::text::Text;

/// How long a transfer may go without news (the REFER's answer or a NOTIFY) before it is
/// reported as failed; the call itself stays up.
pub const TRANSFER_SILENCE: Duration = Duration::from_secs(30);

/// Longest Refer-To URI we send.
const MAX_TARGET: usize = 1024;

/// Whether `target` can go in `Refer-To: <…>` as it is: a sip/sips/tel URI without spaces,
/// quotes, angle brackets or control characters (nothing that could end the header).
pub(super) fn is_uri(target: &str) -> bool {
    let scheme = target
        .split_once(':')
        .map(|(s, rest)| (s.to_ascii_lowercase(), rest));
    matches!(&scheme, Some((s, rest)) if matches!(s.as_str(), "sip" | "sips" | "tel") && !rest.is_empty())
        && target.len() <= MAX_TARGET
        && !target
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
}

impl Calls {
    /// Starts a blind transfer of an established call to `target` (RFC 3515 §2.4.1).
    pub(in crate::engine::sip) fn transfer(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        target: &str,
    ) {
        let refused = match self.calls.get(&handle) {
            None => Some((481, "transfer-no-call")),
            Some(c) if c.phase != Phase::Confirmed => Some((0, "transfer-not-established")),
            Some(c) if c.refer.is_some() => Some((491, "transfer-under-way")),
            Some(_) if !is_uri(target) => Some((0, "transfer-target-not-uri")),
            Some(_) => None,
        };
        if let Some((code, reason)) = refused {
            emit_transfer(
                core,
                handle,
                TransferProgress::Failed {
                    code,
                    reason: Text::new(reason),
                },
            );
            return;
        }
        if let Some(c) = self.calls.get_mut(&handle) {
            c.refer = Some(Refer::new(target.to_owned()));
        }
        info!(%handle, "transferring the call");
        self.send_refer(core, accounts, handle, None);
    }

    /// Starts an attended transfer (RFC 5589 §7): the far end of `handle` is asked to call the
    /// far end of `consultation` with a `Replaces` naming our consultation call, which that side
    /// then ends.
    pub(in crate::engine::sip) fn attended_transfer(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        consultation: CallHandle,
    ) {
        let target = self
            .calls
            .get(&consultation)
            .filter(|c| c.phase == Phase::Confirmed && consultation != handle)
            .and_then(|c| refer_to_replacing(&msg::addr_uri(&c.remote_id), c));
        match target {
            Some(target) => self.transfer(core, accounts, handle, &target),
            None => emit_transfer(
                core,
                handle,
                TransferProgress::Failed {
                    code: 0,
                    reason: Text::new("transfer-no-consultation"),
                },
            ),
        }
    }

    /// Sends the REFER with the dialog's next CSeq (and credentials after a challenge).
    fn send_refer(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        authorization: Option<(&'static str, String)>,
    ) {
        let branch = core.branch();
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        let Some(refer) = c.refer.as_mut() else {
            return;
        };
        refer.branch.clone_from(&branch);
        let target = refer.target.clone();
        c.local_cseq += 1;
        let key = c.key.clone();
        let Some((contact, _)) = account_contact(accounts, &key) else {
            return;
        };
        let Some((config, mut b)) = self.dialog_request(accounts, handle, Method::Refer) else {
            return;
        };
        b.push_header("Contact", contact);
        b.push_header("Refer-To", format!("<{target}>"));
        b.push_header("Referred-By", format!("<{}>", config.aor()));
        if let Some((name, value)) = authorization {
            b.push_header(name, value);
        }
        core.start_request(&config, Method::Refer, branch, b, Owner::Refer(handle));
    }

    /// The final answer to our REFER: 2xx accepts, 401/407 is answered once, anything else fails.
    pub(in crate::engine::sip) fn on_refer_response(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        response: Parsed,
    ) {
        let code = response.status().unwrap_or(0);
        let now = core.now;
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        let Some(refer) = c.refer.as_mut() else {
            return;
        };
        if refer.branch != response.info.branch {
            return;
        }
        match code {
            0..=199 => {}
            200..=299 => {
                refer.give_up_at = Some(now + TRANSFER_SILENCE);
                if !std::mem::replace(&mut refer.accepted, true) {
                    emit_transfer(core, handle, TransferProgress::Accepted);
                }
            }
            401 | 407 if !refer.auth_tried => {
                refer.auth_tried = true;
                let (key, uri) = (c.key.clone(), c.remote_target.clone());
                match answer_challenge(core, accounts, &key, &response, "REFER", &uri) {
                    Some(auth) => self.send_refer(core, accounts, handle, Some(auth)),
                    None => self.end_transfer(
                        core,
                        handle,
                        TransferProgress::Failed {
                            code,
                            reason: Text::new("transfer-auth-unsupported"),
                        },
                    ),
                }
            }
            _ => {
                let failed = TransferProgress::Failed {
                    code,
                    reason: sip_reason(msg::reason(code)),
                };
                self.end_transfer(core, handle, failed);
                // §12.2.1.2: the dialog is gone.
                if code == 481 {
                    self.end_call(core, handle, 481, "the far end lost the call", true);
                }
            }
        }
    }

    /// The REFER got no answer (timer F) or its flow failed: the transfer failed, and the far
    /// end is taken to be gone (§12.2.1.2), as after any in-dialog request that times out.
    pub(in crate::engine::sip) fn on_refer_timeout(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
    ) {
        self.end_transfer(
            core,
            handle,
            TransferProgress::Failed {
                code: 408,
                reason: Text::new("transfer-no-answer"),
            },
        );
        self.on_call_timeout(core, accounts, handle);
    }

    /// A NOTIFY in the call's dialog: the state of the far end's call to the transfer target.
    /// Answered 200 whatever its body says; an unreadable sipfrag is progress we cannot name.
    pub(super) fn on_notify(&mut self, core: &mut Core, handle: CallHandle, request: &Parsed) {
        let event = request.header("Event").or_else(|| request.header("o"));
        if !event.as_deref().is_some_and(sipfrag::is_refer_event) {
            let b = msg::response_to(request, 489, None).header("Allow-Events", "refer");
            core.respond(request, 489, b);
            return;
        }
        let now = core.now;
        let Some(refer) = self.calls.get_mut(&handle).and_then(|c| c.refer.as_mut()) else {
            // RFC 6665 §4.1.3: no such subscription (ours ended or never was).
            let b = msg::response_to(request, 481, None);
            core.respond(request, 481, b);
            return;
        };
        refer.give_up_at = Some(now + TRANSFER_SILENCE);
        let first = !std::mem::replace(&mut refer.accepted, true);
        let b = msg::response_to(request, 200, None);
        core.respond(request, 200, b);
        if first {
            emit_transfer(core, handle, TransferProgress::Accepted);
        }
        let terminated = request
            .header("Subscription-State")
            .is_some_and(|s| sipfrag::is_terminated(&s));
        match sipfrag::status(request.body()) {
            Some((code, _)) if code < 200 && !terminated => {
                emit_transfer(core, handle, TransferProgress::Progress(code));
            }
            Some((200..=299, _)) => self.end_transfer(core, handle, TransferProgress::Succeeded),
            Some((code, reason)) if code >= 300 => {
                let reason = if reason.is_empty() {
                    sip_reason(msg::reason(code))
                } else {
                    sip_reason(&reason)
                };
                self.end_transfer(core, handle, TransferProgress::Failed { code, reason });
            }
            _ if terminated => self.end_transfer(
                core,
                handle,
                TransferProgress::Failed {
                    code: 0,
                    reason: Text::new("transfer-no-final"),
                },
            ),
            _ => {}
        }
    }

    /// Gives up on a transfer nothing was heard about for [`TRANSFER_SILENCE`].
    pub(super) fn refer_timers(&mut self, core: &mut Core, handle: CallHandle) {
        let now = core.now;
        let due = self
            .calls
            .get(&handle)
            .and_then(|c| c.refer.as_ref())
            .and_then(Refer::deadline)
            .is_some_and(|t| now >= t);
        if due {
            self.end_transfer(
                core,
                handle,
                TransferProgress::Failed {
                    code: 408,
                    reason: Text::new("transfer-silent"),
                },
            );
        }
    }

    /// Reports the transfer's outcome and forgets it (and the call, when only the
    /// subscription kept it).
    fn end_transfer(&mut self, core: &mut Core, handle: CallHandle, outcome: TransferProgress) {
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.refer.take().is_none() {
            return;
        }
        let ended = c.phase == Phase::Ended;
        if ended && !bye_in_flight(core, handle) {
            self.calls.remove(&handle);
        }
        info!(%handle, ?outcome, "transfer ended");
        emit_transfer(core, handle, outcome);
    }
}

fn emit_transfer(core: &mut Core, handle: CallHandle, progress: TransferProgress) {
    core.emit(Event::Transfer {
        call: handle,
        progress,
    });
}

/// A SIP reason phrase (the far end's words, or the standard ones for its code), shown as it is.
pub(in crate::engine::sip) fn sip_reason(phrase: &str) -> Text {
    Text::new("sip-reason").arg("phrase", phrase)
}
