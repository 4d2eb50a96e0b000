//! The calls of the user agent, by handle, and what both directions and the transfer build on:
//! requests inside a dialog (RFC 3261 §12.2.1.1), answers to digest challenges, BYE, and the
//! end of a call.

use std::collections::HashMap;
use std::time::Instant;

use rsip::Method;
use tracing::info;

use super::dialog::{Call, Phase};
use crate::engine::sip::api::{AccountConfig, CallHandle, CallState, Event};
use crate::engine::sip::auth::{Challenge, Credentials, authorization};
use crate::engine::sip::core::{Core, Owner};
use crate::engine::sip::msg::{Builder, Parsed};
use crate::engine::sip::registration::Accounts;

/// Every call the user agent knows, until it has ended and nothing of it is in flight.
#[derive(Debug, Default)]
pub(in crate::engine::sip) struct Calls {
    pub(super) calls: HashMap<CallHandle, Call>,
}

/// The account's Contact header value and its configuration.
pub(super) fn account_contact(accounts: &Accounts, key: &str) -> Option<(String, AccountConfig)> {
    let reg = accounts.get(key)?;
    Some((format!("<{}>", reg.contact_uri()), reg.config.clone()))
}

/// The `Authorization`/`Proxy-Authorization` answering a 401/407 to `method uri` sent by
/// the account `key`; `None` when no challenge in it is usable.
pub(super) fn answer_challenge(
    core: &mut Core,
    accounts: &Accounts,
    key: &str,
    response: &Parsed,
    method: &str,
    uri: &str,
) -> Option<(&'static str, String)> {
    let proxy = response.status()? == 407;
    let header = if proxy {
        "Proxy-Authenticate"
    } else {
        "WWW-Authenticate"
    };
    let challenge = Challenge::best(&response.header_values(header), proxy)?;
    let cnonce = core.rng.token(16);
    let config = &accounts.get(key)?.config;
    let creds = Credentials {
        username: &config.auth_user,
        password: &config.password,
    };
    Some(authorization(&challenge, &creds, method, uri, 1, &cnonce))
}

/// Whether our BYE of the call still waits for its answer.
pub(super) fn bye_in_flight(core: &Core, handle: CallHandle) -> bool {
    request_in_flight(core, handle, Method::Bye)
}

/// Whether a `method` request of the call still waits for its answer.
fn request_in_flight(core: &Core, handle: CallHandle, method: Method) -> bool {
    let method = method.to_string();
    core.client_txs
        .iter()
        .any(|((_, m), e)| *m == method && e.owner == Owner::Call(handle))
}

impl Calls {
    #[cfg(test)]
    pub(in crate::engine::sip) fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    pub(in crate::engine::sip) fn len(&self) -> usize {
        self.calls.len()
    }

    /// The handles of every call.
    pub(super) fn handles(&self) -> Vec<CallHandle> {
        self.calls.keys().copied().collect()
    }

    /// The earliest deadline of every call.
    pub(in crate::engine::sip) fn deadline(&self) -> Option<Instant> {
        self.calls.values().filter_map(Call::deadline).min()
    }

    /// The call whose dialog the in-dialog request `p` belongs to (either direction's tags).
    pub(super) fn find_dialog(&self, p: &Parsed) -> Option<CallHandle> {
        self.calls
            .iter()
            .find(|(_, c)| {
                c.call_id == p.info.call_id
                    && (p.info.to_tag.as_ref() == Some(&c.local_tag) && p.info.from_tag == c.remote_tag
                        || p.info.from_tag.as_ref() == Some(&c.local_tag) && p.info.to_tag == c.remote_tag)
            })
            .map(|(h, _)| *h)
    }

    /// A request inside the call's dialog (RFC 3261 §12.2.1.1) with its current local CSeq.
    pub(super) fn dialog_request(
        &self,
        accounts: &Accounts,
        handle: CallHandle,
        method: Method,
    ) -> Option<(AccountConfig, Builder)> {
        let c = self.calls.get(&handle)?;
        let config = accounts.get(&c.key)?.config.clone();
        let mut b = Builder::request(&method, &c.remote_target)
            .header("Max-Forwards", "70")
            .header("From", c.local_header())
            .header("To", c.remote_header())
            .header("Call-ID", c.call_id.clone())
            .header("CSeq", format!("{} {method}", c.local_cseq))
            .header("User-Agent", config.user_agent.clone());
        for r in &c.route_set {
            b.push_header("Route", r.clone());
        }
        Some((config, b))
    }

    pub(super) fn send_bye(&mut self, core: &mut Core, accounts: &Accounts, handle: CallHandle) {
        let branch = core.branch();
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        c.local_cseq += 1;
        c.phase = Phase::Ended;
        c.refresh_at = None;
        c.expire_at = None;
        c.ok_at = None;
        c.ok_until = None;
        if let Some((config, b)) = self.dialog_request(accounts, handle, Method::Bye) {
            core.start_request(&config, Method::Bye, branch, b, Owner::Call(handle));
        }
    }

    /// The account `key` is registered again over a new connection: each of its established
    /// calls sends a re-INVITE with its current session (unchanged), so the far end and the
    /// proxies learn the new path (Contact, connection) and its requests reach us again.
    pub(in crate::engine::sip) fn refresh_targets(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        key: &str,
    ) {
        let due: Vec<CallHandle> = self
            .calls
            .iter()
            .filter(|(h, c)| {
                c.key == key && c.phase == Phase::Confirmed && !request_in_flight(core, **h, Method::Invite)
            })
            .map(|(h, _)| *h)
            .collect();
        for handle in due {
            info!(%handle, "the call continues over the new connection");
            let sdp = self.calls[&handle].local_sdp.clone();
            self.reinvite(core, accounts, handle, sdp);
        }
    }

    /// Reports the end of a call (once) and forgets it (unless a BYE is still in flight or a
    /// transfer's subscription outlives it).
    pub(in crate::engine::sip) fn end_call(
        &mut self,
        core: &mut Core,
        handle: CallHandle,
        code: u16,
        reason: &str,
        by_remote: bool,
    ) {
        let Some(c) = self.calls.get(&handle) else {
            return;
        };
        // A transfer's subscription outlives the call (RFC 6665 §4.5.2): its NOTIFYs still come.
        let keep = c.refer.is_some() || c.phase == Phase::Ended && bye_in_flight(core, handle);
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        c.phase = Phase::Ended;
        c.ok_at = None;
        c.ok_until = None;
        c.refresh_at = None;
        c.expire_at = None;
        let reported = std::mem::replace(&mut c.end_reported, true);
        if !keep {
            self.calls.remove(&handle);
        }
        if reported {
            return;
        }
        info!(%handle, code, "call ended");
        core.emit(Event::Call {
            call: handle,
            state: CallState::Ended {
                code,
                reason: reason.to_owned(),
                by_remote,
            },
        });
    }

    /// The call's request got no answer (or its flow failed): the far end is taken to be gone.
    pub(in crate::engine::sip) fn on_call_timeout(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
    ) {
        let Some(c) = self.calls.get(&handle) else { return };
        match c.phase {
            Phase::Ended => {
                self.calls.remove(&handle);
            }
            Phase::Confirmed => {
                self.send_bye(core, accounts, handle);
                self.end_call(core, handle, 408, "the far end stopped answering", false);
            }
            Phase::Setup => self.end_call(core, handle, 408, "no answer from the far end", false),
        }
    }
}
