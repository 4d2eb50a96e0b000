//! The answering side of calls (UAS): incoming INVITEs, ringing, answering, refusing, the ACK,
//! re-INVITEs and UPDATEs from the far end, CANCEL and BYE (NOTIFYs go to `refer`).

use std::time::Duration;

use rsip::Method;

use super::calls::{Calls, account_contact};
use super::dialog::{
    Call, MIN_SE, Phase, contact_uri, record_routes, session_expires, strip_tag, supports_timer,
};
use crate::engine::flow::Flow;
use crate::engine::sdp::{answer_direction, with_direction};
use crate::engine::sip::admission::{MAX_CALLS, MAX_RINGING};
use crate::engine::sip::api::{CallHandle, CallState, Event};
use crate::engine::sip::core::{ALLOW, Core, tx_key};
use crate::engine::sip::dtmf_info;
use crate::engine::sip::msg::{self, Builder, Parsed};
use crate::engine::sip::registration::Accounts;
use crate::engine::sip::transaction::T1;

impl Calls {
    pub(in crate::engine::sip) fn on_invite(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        flow: Flow,
        request: Parsed,
    ) {
        if request.info.to_tag.is_some() {
            return self.on_reinvite(core, accounts, request);
        }
        let uri_user = request
            .request()
            .and_then(|r| r.uri.auth.as_ref().map(|a| a.user.clone()));
        let key = accounts
            .iter()
            .filter(|(_, r)| r.config.flow.remote.ip() == flow.remote.ip() || r.config.flow == flow)
            .find(|(_, r)| uri_user.as_deref().is_none_or(|u| u == r.config.user))
            .or_else(|| {
                accounts
                    .iter()
                    .find(|(_, r)| uri_user.as_deref() == Some(r.config.user.as_str()))
            })
            .map(|(k, _)| k.clone());
        let Some(key) = key else {
            let b = msg::response_to(&request, 404, Some(&core.tag()));
            core.respond(&request, 404, b);
            return;
        };
        // As many calls as one person can handle: more is busy. (Ended calls still waiting for
        // their BYE's answer do not count; the admission rate bounds how many there are.)
        let live = self.calls.values().filter(|c| c.phase != Phase::Ended);
        let ringing = live
            .clone()
            .filter(|c| !c.outgoing && c.phase == Phase::Setup)
            .count();
        if live.count() >= MAX_CALLS || ringing >= MAX_RINGING {
            let b = msg::response_to(&request, 486, Some(&core.tag()));
            core.respond(&request, 486, b);
            return;
        }
        // RFC 4028 §8.1: a session interval below our minimum is refused with 422.
        if session_expires(&request).is_some_and(|(n, _)| n < MIN_SE) {
            let b = msg::response_to(&request, 422, Some(&core.tag())).header("Min-SE", MIN_SE.to_string());
            core.respond(&request, 422, b);
            return;
        }
        // RFC 3891: a new call in place of one of ours (attended transfer); one that names no
        // confirmed call of ours is refused with 481.
        let replaces = match request.header("Replaces") {
            Some(value) => match self.replaced_by(&value) {
                Some(old) => Some(old),
                None => {
                    let b = msg::response_to(&request, 481, Some(&core.tag()));
                    core.respond(&request, 481, b);
                    return;
                }
            },
            None => None,
        };
        let trying = msg::response_to(&request, 100, None);
        core.respond(&request, 100, trying);
        let handle = core.new_call_handle();
        let local_tag = core.tag();
        let now = core.now;
        let se = session_expires(&request);
        let (refresh_at, expire_at, session_interval) = match se {
            Some((n, _)) if n >= MIN_SE => {
                if supports_timer(&request) {
                    (None, None, Some(n))
                } else {
                    (Some(now + Duration::from_secs(u64::from(n) / 2)), None, Some(n))
                }
            }
            _ => (None, None, None),
        };
        let mut call = Call::new(
            key.clone(),
            false,
            request.info.call_id.clone(),
            local_tag,
            strip_tag(&request.header("To").unwrap_or_default()),
            strip_tag(&request.header("From").unwrap_or_default()),
        );
        call.remote_tag = request.info.from_tag.clone();
        call.local_cseq = core.rng.next_u64() as u32 % 10_000 + 1;
        call.invite_cseq = 0;
        call.remote_target = contact_uri(&request).unwrap_or_default();
        call.route_set = record_routes(&request);
        call.invite = Some(request.clone());
        call.refresh_at = refresh_at;
        call.expire_at = expire_at;
        call.session_interval = session_interval;
        self.calls.insert(handle, call);
        if let Some(e) = core
            .server_txs
            .get_mut(&tx_key(&request.info.branch, &Method::Invite))
        {
            e.call = Some(handle);
        }
        core.emit(Event::Incoming {
            key,
            call: handle,
            from: request.header("From").map(|f| strip_tag(&f)).unwrap_or_default(),
            to: request.header("To").unwrap_or_default(),
            request_uri: request.request().map(|r| r.uri.to_string()).unwrap_or_default(),
            sdp: request.body().to_vec(),
            replaces,
        });
    }

    /// A response to the call's initial INVITE, with tag, Contact and Record-Route.
    fn uas_response(&self, accounts: &Accounts, handle: CallHandle, code: u16) -> Option<(Parsed, Builder)> {
        let c = self.calls.get(&handle)?;
        let invite = c.invite.clone()?;
        let (contact, _) = account_contact(accounts, &c.key)?;
        let mut b = msg::response_to(&invite, code, Some(&c.local_tag));
        if code < 300 {
            for rr in invite.header_values("Record-Route") {
                b.push_header("Record-Route", rr);
            }
            b.push_header("Contact", contact);
            b.push_header("Allow", ALLOW);
        }
        Some((invite, b))
    }

    pub(in crate::engine::sip) fn ring(&mut self, core: &mut Core, accounts: &Accounts, handle: CallHandle) {
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.outgoing || c.phase != Phase::Setup || c.ringing_sent {
            return;
        }
        c.ringing_sent = true;
        if let Some((invite, b)) = self.uas_response(accounts, handle, 180) {
            core.respond(&invite, 180, b);
        }
    }

    pub(in crate::engine::sip) fn answer(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        sdp: Vec<u8>,
    ) {
        let now = core.now;
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.outgoing || c.phase != Phase::Setup {
            return;
        }
        c.local_sdp = sdp.clone();
        let session_interval = c.session_interval;
        let timer_supported = c.invite.as_ref().is_some_and(supports_timer);
        let Some((invite, mut b)) = self.uas_response(accounts, handle, 200) else {
            return;
        };
        b.push_header("Supported", "timer");
        if let Some(n) = session_interval {
            let refresher = if timer_supported { "uac" } else { "uas" };
            b.push_header("Session-Expires", format!("{n};refresher={refresher}"));
            if timer_supported {
                b.push_header("Require", "timer");
            }
        }
        let b = b.body("application/sdp", sdp);
        let bytes = b.to_bytes();
        core.respond(&invite, 200, b);
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        c.phase = Phase::Confirmed;
        if let Some(n) = c.session_interval
            && timer_supported
        {
            c.expire_at = Some(now + Duration::from_secs(u64::from(n) - u64::from(n.min(96) / 3)));
        }
        let reliable = accounts
            .get(&c.key)
            .is_some_and(|r| r.config.flow.transport.is_reliable());
        // §13.3.1.4: the TU re-sends its 2xx until the ACK (also on reliable transports, at T2 pace… only UDP here).
        c.ok = Some(bytes);
        c.ok_interval = T1;
        c.ok_at = (!reliable).then(|| now + T1);
        c.ok_until = Some(now + 64 * T1);
        let sdp = invite.body().to_vec();
        core.emit(Event::Call {
            call: handle,
            state: CallState::Answered { sdp },
        });
    }

    pub(in crate::engine::sip) fn reject(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        handle: CallHandle,
        code: u16,
    ) {
        let Some(c) = self.calls.get(&handle) else { return };
        if c.outgoing || c.phase != Phase::Setup {
            return;
        }
        if let Some((invite, b)) = self.uas_response(accounts, handle, code) {
            core.respond(&invite, code, b);
        }
        self.end_call(core, handle, code, msg::reason(code), false);
    }

    pub(in crate::engine::sip) fn is_2xx_ack(&self, ack: &Parsed) -> bool {
        self.calls.values().any(|c| {
            c.call_id == ack.info.call_id && c.ok.is_some() && Some(&c.local_tag) == ack.info.to_tag.as_ref()
        })
    }

    pub(in crate::engine::sip) fn on_ack(&mut self, ack: Parsed) {
        let handle = self.find_dialog(&ack);
        if let Some(h) = handle
            && let Some(c) = self.calls.get_mut(&h)
        {
            c.ok = None;
            c.ok_at = None;
            c.ok_until = None;
        }
    }

    fn on_reinvite(&mut self, core: &mut Core, accounts: &Accounts, request: Parsed) {
        let Some(handle) = self.find_dialog(&request) else {
            let b = msg::response_to(&request, 481, None);
            core.respond(&request, 481, b);
            return;
        };
        let now = core.now;
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if let Some(t) = contact_uri(&request) {
            c.remote_target = t;
        }
        // RFC 3264 §6.1: answer a hold (sendonly/inactive offer) with the mirrored direction.
        let offer = String::from_utf8_lossy(request.body()).into_owned();
        let sdp = if offer.is_empty() || c.local_sdp.is_empty() {
            c.local_sdp.clone()
        } else {
            let dir = answer_direction(&offer);
            let text = with_direction(&String::from_utf8_lossy(&c.local_sdp), dir);
            c.local_sdp = text.clone().into_bytes();
            text.into_bytes()
        };
        if let Some((n, _)) = session_expires(&request) {
            c.session_interval = Some(n);
            c.expire_at = Some(now + Duration::from_secs(u64::from(n) - u64::from(n.min(96) / 3)));
        }
        let se = c.session_interval;
        let key = c.key.clone();
        let Some((contact, _)) = account_contact(accounts, &key) else {
            return;
        };
        let mut b = msg::response_to(&request, 200, None)
            .header("Contact", contact)
            .header("Supported", "timer");
        if let Some(n) = se {
            b.push_header("Session-Expires", format!("{n};refresher=uac"));
        }
        let b = b.body("application/sdp", sdp);
        core.respond(&request, 200, b);
        if !request.body().is_empty() {
            core.emit(Event::Call {
                call: handle,
                state: CallState::Renegotiated {
                    sdp: request.body().to_vec(),
                },
            });
        }
    }

    pub(in crate::engine::sip) fn on_cancel(
        &mut self,
        core: &mut Core,
        accounts: &Accounts,
        _flow: Flow,
        request: Parsed,
    ) {
        let invite_key = tx_key(&request.info.branch, &Method::Invite);
        let pending = core
            .server_txs
            .get(&invite_key)
            .filter(|e| !e.tx.has_final())
            .and_then(|e| e.call);
        let Some(handle) = pending else {
            let b = msg::response_to(&request, 481, None);
            core.respond(&request, 481, b);
            return;
        };
        let tag = self.calls.get(&handle).map(|c| c.local_tag.clone());
        let ok = msg::response_to(&request, 200, tag.as_deref());
        core.respond(&request, 200, ok);
        if let Some((invite, b)) = self.uas_response(accounts, handle, 487) {
            core.respond(&invite, 487, b);
        }
        self.end_call(core, handle, 487, "the caller hung up", true);
    }

    pub(in crate::engine::sip) fn on_in_dialog(&mut self, core: &mut Core, _flow: Flow, request: Parsed) {
        let method = request.request().map(|r| r.method);
        let Some(handle) = self.find_dialog(&request) else {
            let b = msg::response_to(&request, 481, None);
            core.respond(&request, 481, b);
            return;
        };
        match method {
            Some(Method::Info) => return self.on_info(core, handle, &request),
            Some(Method::Notify) => return self.on_notify(core, handle, &request),
            _ => {}
        }
        let b = msg::response_to(&request, 200, None);
        core.respond(&request, 200, b);
        match method {
            Some(Method::Bye) => self.end_call(core, handle, 200, "the other side hung up", true),
            Some(Method::Update) => {
                let now = core.now;
                if let Some(c) = self.calls.get_mut(&handle)
                    && let Some(n) = c.session_interval
                {
                    c.expire_at = Some(now + Duration::from_secs(u64::from(n) - u64::from(n.min(96) / 3)));
                }
            }
            _ => {}
        }
    }

    /// INFO (RFC 6086): digits in the legacy DTMF bodies; an empty body is a keep-alive; other
    /// bodies are not understood (415 with what we accept).
    fn on_info(&mut self, core: &mut Core, handle: CallHandle, request: &Parsed) {
        let content_type = request.header("Content-Type").unwrap_or_default();
        let body = request.body();
        let digit = dtmf_info::digit(&content_type, body);
        if digit.is_none() && !body.is_empty() {
            let b = msg::response_to(request, 415, None)
                .header("Accept", format!("{}, application/dtmf", dtmf_info::DTMF_RELAY));
            core.respond(request, 415, b);
            return;
        }
        let b = msg::response_to(request, 200, None);
        core.respond(request, 200, b);
        if let Some(digit) = digit {
            core.emit(Event::Dtmf { call: handle, digit });
        }
    }
}
