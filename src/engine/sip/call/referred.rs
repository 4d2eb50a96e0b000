//! A transfer the far end asks of us (RFC 3515, the transferee's side): its REFER inside an
//! established call is accepted (202) with a first NOTIFY of `100 Trying`, and the phone is asked;
//! the phone then reports its call to the target (or 603 when the user declined), and each
//! report goes back in a NOTIFY whose `message/sipfrag` body is that call's status line
//! (RFC 3420). A final status ends the implicit subscription (RFC 6665 `terminated`).
//!
//! Refused: a REFER outside a dialog (603: a transfer must belong to a call the user has), one
//! for a dialog we do not know (481), one before the call is answered or while another
//! transfer of it runs (491), and one without exactly one usable `Refer-To` URI (400).

use rsip::Method;
use tracing::info;

use super::calls::{Calls, account_contact};
use super::dialog::Phase;
use super::refer::is_uri;
use crate::engine::sip::api::{CallHandle, Event};
use crate::engine::sip::core::{Core, Owner};
use crate::engine::sip::msg::{self, Parsed};
use crate::engine::sip::registration::Accounts;

/// How long the subscription lasts without news (RFC 3515 §2.4.6 leaves it to the notifier).
const SUBSCRIPTION_SECONDS: u32 = 60;

/// The single `Refer-To` target of a REFER (its URI, embedded headers kept).
fn refer_to(request: &Parsed) -> Result<String, &'static str> {
    let mut values = request.header_values("Refer-To");
    values.extend(request.header_values("r"));
    let [value] = values.as_slice() else {
        return Err("Exactly one Refer-To");
    };
    let target = msg::addr_uri(value);
    if is_uri(&target) {
        Ok(target)
    } else {
        Err("Refer-To is not a SIP or tel URI")
    }
}

impl Calls {
    /// A REFER from the far end.
    pub(in crate::engine::sip) fn on_refer(&mut self, core: &mut Core, accounts: &Accounts, request: Parsed) {
        if request.info.to_tag.is_none() {
            let tag = core.tag();
            let b = msg::response_to(&request, 603, Some(&tag));
            core.respond(&request, 603, b);
            return;
        }
        let Some(handle) = self.find_dialog(&request) else {
            let b = msg::response_to(&request, 481, None);
            core.respond(&request, 481, b);
            return;
        };
        let target = match refer_to(&request) {
            Ok(t) => t,
            Err(why) => {
                let b = msg::response_to(&request, 400, None).header("Warning", format!("399 - \"{why}\""));
                core.respond(&request, 400, b);
                return;
            }
        };
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.phase != Phase::Confirmed || c.referred {
            let b = msg::response_to(&request, 491, None);
            core.respond(&request, 491, b);
            return;
        }
        c.referred = true;
        let b = msg::response_to(&request, 202, None);
        core.respond(&request, 202, b);
        info!(%handle, "the far end asks to transfer the call");
        self.notify_transfer(core, accounts, handle, 100);
        let referred_by = request.header("Referred-By").map(|v| msg::addr_uri(&v));
        core.emit(Event::TransferRequested {
            call: handle,
            target,
            referred_by,
        });
    }

    /// The phone's news of its call to the transfer target ([`Command::TransferStatus`]).
    ///
    /// [`Command::TransferStatus`]: crate::engine::sip::api::Command::TransferStatus
    pub(in crate::engine::sip) fn transfer_status(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        code: u16,
    ) {
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if !c.referred || !(100..=699).contains(&code) {
            return;
        }
        if code >= 200 {
            c.referred = false;
        }
        self.notify_transfer(core, accounts, handle, code);
    }

    /// A NOTIFY of the transfer's subscription carrying `SIP/2.0 code reason`.
    fn notify_transfer(&mut self, core: &mut Core, accounts: &Accounts, handle: CallHandle, code: u16) {
        let branch = core.branch();
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.phase == Phase::Ended {
            return;
        }
        c.local_cseq += 1;
        let key = c.key.clone();
        let Some((contact, _)) = account_contact(accounts, &key) else {
            return;
        };
        let Some((config, b)) = self.dialog_request(accounts, handle, Method::Notify) else {
            return;
        };
        let state = if code >= 200 {
            "terminated;reason=noresource".to_owned()
        } else {
            format!("active;expires={SUBSCRIPTION_SECONDS}")
        };
        let body = format!("SIP/2.0 {code} {}\r\n", msg::reason(code)).into_bytes();
        let b = b
            .header("Contact", contact)
            .header("Event", "refer")
            .header("Subscription-State", state)
            .body("message/sipfrag;version=2.0", body);
        core.start_request(&config, Method::Notify, branch, b, Owner::None);
    }
}
