//! The calling side of calls (UAC): the INVITE and its answers (provisional, 2xx with its ACK,
//! re-sent for retransmitted 2xx), digest auth and the session timer's 422, CANCEL (including
//! the CANCEL/200 race: ACK then BYE), hangup, re-INVITE and INFO.

use std::time::Duration;

use rsip::Method;
use tracing::info;

use super::calls::{Calls, account_contact, answer_challenge};
use super::dialog::{Call, MIN_SE, Phase, SESSION_EXPIRES, contact_uri, record_routes, session_expires};
use super::replaces::split_target;
use crate::engine::sip::api::{CallHandle, CallState, Event};
use crate::engine::sip::core::{ALLOW, Core, Owner, tx_key};
use crate::engine::sip::msg::{self, Builder, Parsed};
use crate::engine::sip::registration::Accounts;

/// A call the phone asks for: [`Command::Dial`](crate::engine::sip::api::Command::Dial) without
/// its handle.
#[derive(Debug)]
pub(in crate::engine::sip) struct Dial {
    pub(in crate::engine::sip) key: String,
    /// A SIP URI.
    pub(in crate::engine::sip) target: String,
    pub(in crate::engine::sip) sdp: Vec<u8>,
    pub(in crate::engine::sip) caller_id: Option<(Option<String>, String)>,
}

impl Calls {
    fn send_invite(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        call: CallHandle,
        authorization: Option<(&'static str, String)>,
    ) {
        let branch = core.branch();
        let Some(c) = self.calls.get(&call) else { return };
        let Some((contact, config)) = account_contact(accounts, &c.key) else {
            return;
        };
        let target = c.remote_target.clone();
        let mut b = Builder::request(&Method::Invite, &target)
            .header("Max-Forwards", "70")
            .header("From", c.local_header())
            .header("To", c.remote_header())
            .header("Call-ID", c.call_id.clone())
            .header("CSeq", format!("{} INVITE", c.invite_cseq))
            .header("Contact", contact)
            .header("Allow", ALLOW)
            .header("Supported", "timer, replaces")
            .header("User-Agent", config.user_agent.clone());
        for r in &c.route_set {
            b.push_header("Route", r.clone());
        }
        if c.phase == Phase::Setup {
            b.push_header(
                "Session-Expires",
                c.session_interval.unwrap_or(SESSION_EXPIRES).to_string(),
            );
            b.push_header("Min-SE", MIN_SE.to_string());
            if let Some(replaces) = &c.replaces {
                b.push_header("Replaces", replaces.clone());
                b.push_header("Require", "replaces");
            }
            if let Some((_, user)) = &c.caller_id {
                b.push_header(
                    "P-Preferred-Identity",
                    format!("<sip:{user}@{}>", msg::uri_host(&config.domain)),
                );
            }
        } else if let Some(se) = c.session_interval {
            b.push_header("Session-Expires", format!("{se};refresher=uac"));
        }
        if let Some((name, value)) = authorization {
            b.push_header(name, value);
        }
        let b = b.body("application/sdp", c.local_sdp.clone());
        if let Some(c) = self.calls.get_mut(&call) {
            c.invite_branch = Some(branch.clone());
        }
        core.start_request(&config, Method::Invite, branch, b, Owner::Call(call));
    }

    pub(in crate::engine::sip) fn dial(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        dial: Dial,
    ) {
        let Dial {
            key,
            target,
            sdp,
            caller_id,
        } = dial;
        let Some(reg) = accounts.get(&key) else {
            core.emit(Event::Call {
                call: handle,
                state: CallState::Ended {
                    code: 0,
                    reason: "the account is not set up".into(),
                    by_remote: false,
                },
            });
            return;
        };
        let config = reg.config.clone();
        let display = caller_id
            .as_ref()
            .and_then(|(d, _)| d.clone())
            .or(config.display_name.clone());
        let local_id = match display {
            Some(d) => format!("\"{}\" <{}>", d.replace('"', ""), config.aor()),
            None => format!("<{}>", config.aor()),
        };
        let call_id = format!("{}@handset", core.rng.token(24));
        let local_tag = core.tag();
        // An attended transfer's target carries the dialog it replaces (`?Replaces=…`).
        let (target, replaces) = split_target(&target);
        let remote_id = format!("<{target}>");
        let call = Call {
            remote_target: target,
            local_sdp: sdp,
            caller_id,
            replaces,
            ..Call::new(key.clone(), true, call_id, local_tag, local_id, remote_id)
        };
        info!(%handle, account = key, "dialing");
        self.calls.insert(handle, call);
        self.send_invite(core, accounts, handle, None);
    }

    pub(in crate::engine::sip) fn on_call_response(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        response: Parsed,
    ) {
        let code = response.status().unwrap_or(0);
        match response.info.cseq_method {
            Method::Invite => self.on_invite_response(core, accounts, handle, response, code),
            Method::Bye if code >= 200 => {
                self.calls.remove(&handle);
            }
            _ => {}
        }
    }

    fn on_invite_response(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        response: Parsed,
        code: u16,
    ) {
        let now = core.now;
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if response.info.branch.as_str() != c.invite_branch.as_deref().unwrap_or_default() {
            return;
        }
        let reinvite = c.phase == Phase::Confirmed;
        match code {
            100 if c.cancel_pending => {
                c.cancel_pending = false;
                self.send_cancel(core, handle);
            }
            100 => {}
            101..=199 => {
                if c.remote_tag.is_none() {
                    c.remote_tag = response.info.to_tag.clone();
                }
                if c.cancel_pending {
                    c.cancel_pending = false;
                    self.send_cancel(core, handle);
                    return;
                }
                let early_sdp = (!response.body().is_empty()).then(|| response.body().to_vec());
                core.emit(Event::Call {
                    call: handle,
                    state: CallState::Ringing { early_sdp },
                });
            }
            200..=299 => {
                c.remote_tag = response.info.to_tag.clone();
                if !reinvite {
                    c.route_set = record_routes(&response).into_iter().rev().collect();
                }
                if let Some(t) = contact_uri(&response) {
                    c.remote_target = t;
                }
                let ack = self.build_ack(core, accounts, handle, response.info.cseq);
                let Some(c) = self.calls.get_mut(&handle) else {
                    return;
                };
                c.ack = Some(ack.clone());
                let flow = accounts.get(&c.key).map(|r| r.config.flow);
                if let Some(flow) = flow {
                    core.send(flow, ack);
                }
                let Some(c) = self.calls.get_mut(&handle) else {
                    return;
                };
                if c.cancelled || c.phase == Phase::Ended {
                    // CANCEL/200 race: the call was answered after we hung up.
                    self.send_bye(core, accounts, handle);
                    return;
                }
                c.phase = Phase::Confirmed;
                // RFC 4028: who refreshes, and when the session expires.
                let se = session_expires(&response);
                c.session_interval = se.as_ref().map(|(n, _)| *n);
                match se {
                    Some((n, Some(r))) if r.eq_ignore_ascii_case("uac") => {
                        c.refresh_at = Some(now + Duration::from_secs(u64::from(n) / 2));
                        c.expire_at = None;
                    }
                    Some((n, _)) => {
                        c.refresh_at = None;
                        c.expire_at =
                            Some(now + Duration::from_secs(u64::from(n) - u64::from(n.min(32 * 3) / 3)));
                    }
                    None => {
                        c.refresh_at = None;
                        c.expire_at = None;
                    }
                }
                let sdp = response.body().to_vec();
                let state = if reinvite {
                    CallState::Renegotiated { sdp }
                } else {
                    CallState::Answered { sdp }
                };
                core.emit(Event::Call { call: handle, state });
            }
            422 if !reinvite => {
                // RFC 4028 §7.4: retry once with the interval the far end asks for.
                let min_se = response
                    .header("Min-SE")
                    .and_then(|v| v.split(';').next()?.trim().parse::<u32>().ok());
                match min_se {
                    Some(m) if m > c.session_interval.unwrap_or(SESSION_EXPIRES) && m <= 86_400 => {
                        c.session_interval = Some(m);
                        c.local_cseq += 1;
                        c.invite_cseq = c.local_cseq;
                        self.send_invite(core, accounts, handle, None);
                    }
                    _ => self.end_call(core, handle, 422, "the far end refused the session timer", true),
                }
            }
            401 | 407 if !c.auth_tried => {
                c.auth_tried = true;
                c.local_cseq += 1;
                c.invite_cseq = c.local_cseq;
                let (key, uri) = (c.key.clone(), c.remote_target.clone());
                match answer_challenge(core, accounts, &key, &response, "INVITE", &uri) {
                    Some(auth) => self.send_invite(core, accounts, handle, Some(auth)),
                    None => self.end_call(
                        core,
                        handle,
                        code,
                        "the server asks for an unsupported authentication",
                        true,
                    ),
                }
            }
            491 if reinvite => {
                // Glare: try again after 2.1–4 s (RFC 3261 §14.1).
                let wait = 2100 + core.rng.next_u64() % 1900;
                if let Some(c) = self.calls.get_mut(&handle) {
                    c.refresh_at = Some(now + Duration::from_millis(wait));
                }
            }
            _ if reinvite => {
                // A failed re-INVITE leaves the session as it was (§14.1), except 481/408.
                if code == 481 || code == 408 {
                    self.send_bye(core, accounts, handle);
                    self.end_call(core, handle, code, "the far end lost the call", true);
                }
            }
            _ => {
                let reason = msg::reason(code);
                let reason = if c.cancelled {
                    "cancelled".to_owned()
                } else {
                    reason.to_owned()
                };
                let by_remote = !c.cancelled;
                self.end_call(core, handle, code, &reason, by_remote);
            }
        }
    }

    fn build_ack(&mut self, core: &mut Core, accounts: &Accounts, handle: CallHandle, cseq: u32) -> Vec<u8> {
        let branch = core.branch();
        let Some(c) = self.calls.get(&handle) else {
            return Vec::new();
        };
        let Some(config) = accounts.get(&c.key).map(|r| r.config.clone()) else {
            return Vec::new();
        };
        let mut b = Builder::request(&Method::Ack, &c.remote_target)
            .header("Max-Forwards", "70")
            .header("From", c.local_header())
            .header("To", c.remote_header())
            .header("Call-ID", c.call_id.clone())
            .header("CSeq", format!("{cseq} ACK"));
        for r in &c.route_set {
            b.push_header("Route", r.clone());
        }
        let via = core.via(&config, &branch);
        b.prepend_header("Via", via).to_bytes()
    }

    /// A 2xx for an INVITE whose client transaction has ended: re-send the ACK (RFC 6026).
    pub(in crate::engine::sip) fn on_stray_invite_2xx(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        response: Parsed,
    ) {
        let found = self
            .calls
            .iter()
            .find(|(_, c)| c.call_id == response.info.call_id)
            .map(|(h, c)| (*h, c.ack.clone(), c.key.clone()));
        if let Some((_, Some(ack), key)) = found
            && let Some(flow) = accounts.get(&key).map(|r| r.config.flow)
        {
            core.send(flow, ack);
        }
    }

    fn send_cancel(&mut self, core: &mut Core, handle: CallHandle) {
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        c.cancelled = true;
        let Some(branch) = c.invite_branch.clone() else {
            return;
        };
        let Some(entry) = core.client_txs.get(&tx_key(&branch, &Method::Invite)) else {
            return;
        };
        let invite = entry.tx.request().clone();
        let flow = entry.flow;
        // §9.1: same Request-URI, Call-ID, To, From, CSeq number and top Via as the INVITE.
        let mut b = Builder::request(&Method::Cancel, invite.uri());
        for (name, value) in invite.headers() {
            match name.to_ascii_lowercase().as_str() {
                "via" if !b.has_header("Via") => b.push_header(name, value.clone()),
                "from" | "to" | "call-id" | "route" | "max-forwards" => b.push_header(name, value.clone()),
                "cseq" => {
                    let n = value.split_whitespace().next().unwrap_or("1");
                    b.push_header(name, format!("{n} CANCEL"));
                }
                _ => {}
            }
        }
        core.start_client(flow, Method::Cancel, branch, b, Owner::None);
    }

    /// Sends an INFO in an established call (RFC 6086), e.g. a digit as application/dtmf-relay.
    pub(in crate::engine::sip) fn send_info(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        content_type: &str,
        body: Vec<u8>,
    ) {
        let branch = core.branch();
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.phase != Phase::Confirmed {
            return;
        }
        c.local_cseq += 1;
        if let Some((config, b)) = self.dialog_request(accounts, handle, Method::Info) {
            let b = b.body(content_type, body);
            core.start_request(&config, Method::Info, branch, b, Owner::Call(handle));
        }
    }

    pub(in crate::engine::sip) fn hangup(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
    ) {
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        match (c.phase, c.outgoing) {
            (Phase::Setup, true) => {
                let proceeding = c
                    .invite_branch
                    .as_ref()
                    .and_then(|b| core.client_txs.get(&tx_key(b, &Method::Invite)))
                    .is_some_and(|e| e.tx.is_proceeding());
                let Some(c) = self.calls.get_mut(&handle) else {
                    return;
                };
                c.cancelled = true;
                if proceeding {
                    self.send_cancel(core, handle);
                } else {
                    // §9.1: no provisional yet; CANCEL once one arrives.
                    c.cancel_pending = true;
                }
            }
            (Phase::Setup, false) => self.reject(core, accounts, handle, 603),
            (Phase::Confirmed, _) => {
                self.send_bye(core, accounts, handle);
                self.end_call(core, handle, 200, "hung up", false);
            }
            (Phase::Ended, _) => {}
        }
    }

    pub(in crate::engine::sip) fn reinvite(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        sdp: Vec<u8>,
    ) {
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.phase != Phase::Confirmed {
            return;
        }
        c.local_sdp = sdp;
        c.local_cseq += 1;
        c.invite_cseq = c.local_cseq;
        c.auth_tried = false;
        self.send_invite(core, accounts, handle, None);
    }
}
