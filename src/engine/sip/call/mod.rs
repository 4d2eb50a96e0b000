//! INVITE sessions in both directions (RFC 3261 §13–15, §12 dialogs): provisional and final
//! responses, ACK for 2xx (re-sent for retransmitted 2xx), CANCEL (including the CANCEL/200
//! race: ACK then BYE), BYE, re-INVITE, digest auth on INVITE, and session timers (RFC 4028).
//! Transfer (REFER and its NOTIFYs) is in `refer`.

use std::time::{Duration, Instant};

use rsip::Method;
use tracing::info;

mod refer;
#[cfg(test)]
pub(in crate::engine::sip) use refer::sip_reason;
mod uas;

use super::auth::{Challenge, Credentials, authorization};
use super::msg::{self, Builder, Parsed};
use super::registration::split_contacts;
use super::transaction::{T1, T2};
use super::ua::{CallHandle, CallState, Event, Owner, UserAgent, tx_key};
use refer::Refer;

/// Session interval we ask for (RFC 4028 recommends 1800 s).
const SESSION_EXPIRES: u32 = 1800;
const MIN_SE: u32 = 90;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// INVITE sent or received, no final answer yet.
    Setup,
    Confirmed,
    Ended,
}

/// One call and its dialog.
#[derive(Debug)]
pub struct Call {
    pub key: String,
    pub outgoing: bool,
    call_id: String,
    local_tag: String,
    remote_tag: Option<String>,
    /// Our identity header value (From of our requests), without tag.
    local_id: String,
    /// The far end's identity header value, without tag.
    remote_id: String,
    local_cseq: u32,
    remote_target: String,
    route_set: Vec<String>,
    phase: Phase,
    local_sdp: Vec<u8>,
    /// Client INVITE in progress (branch) and its request line target.
    invite_branch: Option<String>,
    invite_cseq: u32,
    /// The initial INVITE we received (UAS).
    invite: Option<Parsed>,
    cancel_pending: bool,
    cancelled: bool,
    auth_tried: bool,
    ringing_sent: bool,
    ack: Option<Vec<u8>>,
    /// Our 2xx, re-sent until the ACK arrives (UAS, §13.3.1.4).
    ok: Option<Vec<u8>>,
    ok_at: Option<Instant>,
    ok_interval: Duration,
    ok_until: Option<Instant>,
    /// Session timer: when we refresh, and when the session expires without refresh.
    refresh_at: Option<Instant>,
    expire_at: Option<Instant>,
    session_interval: Option<u32>,
    caller_id: Option<(Option<String>, String)>,
    /// Our transfer of this call while it runs (REFER sent, final NOTIFY not yet in).
    refer: Option<Refer>,
}

impl Call {
    /// A call in its setup phase with nothing negotiated yet.
    fn new(
        key: String,
        outgoing: bool,
        call_id: String,
        local_tag: String,
        local_id: String,
        remote_id: String,
    ) -> Call {
        Call {
            key,
            outgoing,
            call_id,
            local_tag,
            remote_tag: None,
            local_id,
            remote_id,
            local_cseq: 1,
            remote_target: String::new(),
            route_set: Vec::new(),
            phase: Phase::Setup,
            local_sdp: Vec::new(),
            invite_branch: None,
            invite_cseq: 1,
            invite: None,
            cancel_pending: false,
            cancelled: false,
            auth_tried: false,
            ringing_sent: false,
            ack: None,
            ok: None,
            ok_at: None,
            ok_interval: T1,
            ok_until: None,
            refresh_at: None,
            expire_at: None,
            session_interval: None,
            caller_id: None,
            refer: None,
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        let refer = self.refer.as_ref().and_then(Refer::deadline);
        [self.ok_at, self.ok_until, self.refresh_at, self.expire_at, refer]
            .into_iter()
            .flatten()
            .min()
    }

    fn with_tag(id: &str, tag: &str) -> String {
        format!("{id};tag={tag}")
    }

    fn local_header(&self) -> String {
        Call::with_tag(&self.local_id, &self.local_tag)
    }

    fn remote_header(&self) -> String {
        match &self.remote_tag {
            Some(t) => Call::with_tag(&self.remote_id, t),
            None => self.remote_id.clone(),
        }
    }
}

/// Removes a `;tag=` parameter from an identity header value.
fn strip_tag(value: &str) -> String {
    let after = value.rfind('>').map_or(0, |i| i + 1);
    let (head, params) = value.split_at(after);
    let kept: Vec<&str> = params
        .split(';')
        .filter(|p| !p.trim().to_ascii_lowercase().starts_with("tag="))
        .collect();
    format!("{head}{}", kept.join(";"))
}

fn record_routes(p: &Parsed) -> Vec<String> {
    p.header_values("Record-Route")
        .iter()
        .flat_map(|v| {
            split_contacts(v)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn contact_uri(p: &Parsed) -> Option<String> {
    p.header("Contact").map(|c| msg::addr_uri(split_contacts(&c)[0]))
}

/// Parses `Session-Expires: N;refresher=x`.
fn session_expires(p: &Parsed) -> Option<(u32, Option<String>)> {
    let v = p.header("Session-Expires").or_else(|| p.header("x"))?;
    let n = v.split(';').next()?.trim().parse().ok()?;
    Some((n, msg::header_param(&format!(">{v}"), "refresher")))
}

fn supports_timer(p: &Parsed) -> bool {
    p.header_values("Supported")
        .iter()
        .chain(p.header_values("Require").iter())
        .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("timer")))
}

impl UserAgent {
    fn account_contact(&self, key: &str) -> Option<(String, super::ua::AccountConfig)> {
        let reg = self.accounts.get(key)?;
        Some((format!("<{}>", reg.contact_uri()), reg.config.clone()))
    }

    fn send_invite(&mut self, call: CallHandle, authorization: Option<(&'static str, String)>) {
        let branch = self.branch();
        let Some(c) = self.calls.get(&call) else { return };
        let Some((contact, config)) = self.account_contact(&c.key) else {
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
            .header("Allow", super::ua::ALLOW)
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
        self.start_request(&config, Method::Invite, branch, b, Owner::Call(call));
    }

    pub(super) fn dial(
        &mut self,
        handle: CallHandle,
        key: &str,
        target: &str,
        sdp: Vec<u8>,
        caller_id: Option<(Option<String>, String)>,
    ) {
        let Some(reg) = self.accounts.get(key) else {
            self.emit(Event::Call {
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
        let call_id = format!("{}@handset", self.rng.token(24));
        let local_tag = self.tag();
        let call = Call {
            remote_target: target.to_owned(),
            local_sdp: sdp,
            caller_id,
            ..Call::new(
                key.to_owned(),
                true,
                call_id,
                local_tag,
                local_id,
                format!("<{target}>"),
            )
        };
        info!(%handle, account = key, "dialing");
        self.calls.insert(handle, call);
        self.send_invite(handle, None);
    }

    pub(super) fn on_call_response(&mut self, handle: CallHandle, response: Parsed) {
        let code = response.status().unwrap_or(0);
        match response.info.cseq_method {
            Method::Invite => self.on_invite_response(handle, response, code),
            Method::Bye if code >= 200 => {
                self.calls.remove(&handle);
            }
            _ => {}
        }
    }

    fn on_invite_response(&mut self, handle: CallHandle, response: Parsed, code: u16) {
        let now = self.now;
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
                self.send_cancel(handle);
            }
            100 => {}
            101..=199 => {
                if c.remote_tag.is_none() {
                    c.remote_tag = response.info.to_tag.clone();
                }
                if c.cancel_pending {
                    c.cancel_pending = false;
                    self.send_cancel(handle);
                    return;
                }
                let early_sdp = (!response.body().is_empty()).then(|| response.body().to_vec());
                self.emit(Event::Call {
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
                let ack = self.build_ack(handle, response.info.cseq);
                let Some(c) = self.calls.get_mut(&handle) else {
                    return;
                };
                c.ack = Some(ack.clone());
                let flow = self.accounts.get(&c.key).map(|r| r.config.flow);
                if let Some(flow) = flow {
                    self.send(flow, ack);
                }
                let Some(c) = self.calls.get_mut(&handle) else {
                    return;
                };
                if c.cancelled || c.phase == Phase::Ended {
                    // CANCEL/200 race: the call was answered after we hung up.
                    self.send_bye(handle);
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
                self.emit(Event::Call { call: handle, state });
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
                        self.send_invite(handle, None);
                    }
                    _ => self.end_call(handle, 422, "the far end refused the session timer", true),
                }
            }
            401 | 407 if !c.auth_tried => {
                c.auth_tried = true;
                c.local_cseq += 1;
                c.invite_cseq = c.local_cseq;
                let (key, uri) = (c.key.clone(), c.remote_target.clone());
                match self.answer_challenge(&key, &response, "INVITE", &uri) {
                    Some(auth) => self.send_invite(handle, Some(auth)),
                    None => self.end_call(
                        handle,
                        code,
                        "the server asks for an unsupported authentication",
                        true,
                    ),
                }
            }
            491 if reinvite => {
                // Glare: try again after 2.1–4 s (RFC 3261 §14.1).
                let wait = 2100 + self.rng.next_u64() % 1900;
                if let Some(c) = self.calls.get_mut(&handle) {
                    c.refresh_at = Some(now + Duration::from_millis(wait));
                }
            }
            _ if reinvite => {
                // A failed re-INVITE leaves the session as it was (§14.1), except 481/408.
                if code == 481 || code == 408 {
                    self.send_bye(handle);
                    self.end_call(handle, code, "the far end lost the call", true);
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
                self.end_call(handle, code, &reason, by_remote);
            }
        }
    }

    /// The `Authorization`/`Proxy-Authorization` answering a 401/407 to `method uri` sent by
    /// the account `key`; `None` when no challenge in it is usable.
    fn answer_challenge(
        &mut self,
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
        let cnonce = self.rng.token(16);
        let config = &self.accounts.get(key)?.config;
        let creds = Credentials {
            username: &config.auth_user,
            password: &config.password,
        };
        Some(authorization(&challenge, &creds, method, uri, 1, &cnonce))
    }

    fn build_ack(&mut self, handle: CallHandle, cseq: u32) -> Vec<u8> {
        let branch = self.branch();
        let Some(c) = self.calls.get(&handle) else {
            return Vec::new();
        };
        let Some(config) = self.accounts.get(&c.key).map(|r| r.config.clone()) else {
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
        let via = self.via(&config, &branch);
        b.prepend_header("Via", via).to_bytes()
    }

    /// A 2xx for an INVITE whose client transaction has ended: re-send the ACK (RFC 6026).
    pub(super) fn on_stray_invite_2xx(&mut self, response: Parsed) {
        let found = self
            .calls
            .iter()
            .find(|(_, c)| c.call_id == response.info.call_id)
            .map(|(h, c)| (*h, c.ack.clone(), c.key.clone()));
        if let Some((_, Some(ack), key)) = found
            && let Some(flow) = self.accounts.get(&key).map(|r| r.config.flow)
        {
            self.send(flow, ack);
        }
    }

    fn send_cancel(&mut self, handle: CallHandle) {
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        c.cancelled = true;
        let Some(branch) = c.invite_branch.clone() else {
            return;
        };
        let Some(entry) = self.client_txs.get(&tx_key(&branch, &Method::Invite)) else {
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
        self.start_client(flow, Method::Cancel, branch, b, Owner::None);
    }

    fn send_bye(&mut self, handle: CallHandle) {
        let branch = self.branch();
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        c.local_cseq += 1;
        c.phase = Phase::Ended;
        c.refresh_at = None;
        c.expire_at = None;
        c.ok_at = None;
        c.ok_until = None;
        if let Some((config, b)) = self.dialog_request(handle, Method::Bye) {
            self.start_request(&config, Method::Bye, branch, b, Owner::Call(handle));
        }
    }

    /// A request inside the call's dialog (RFC 3261 §12.2.1.1) with its current local CSeq.
    fn dialog_request(
        &self,
        handle: CallHandle,
        method: Method,
    ) -> Option<(super::ua::AccountConfig, Builder)> {
        let c = self.calls.get(&handle)?;
        let config = self.accounts.get(&c.key)?.config.clone();
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

    /// Sends an INFO in an established call (RFC 6086), e.g. a digit as application/dtmf-relay.
    pub(super) fn send_info(&mut self, handle: CallHandle, content_type: &str, body: Vec<u8>) {
        let branch = self.branch();
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.phase != Phase::Confirmed {
            return;
        }
        c.local_cseq += 1;
        if let Some((config, b)) = self.dialog_request(handle, Method::Info) {
            let b = b.body(content_type, body);
            self.start_request(&config, Method::Info, branch, b, Owner::Call(handle));
        }
    }

    /// Reports the end of a call and forgets it (unless a BYE is still in flight).
    pub(super) fn end_call(&mut self, handle: CallHandle, code: u16, reason: &str, by_remote: bool) {
        let Some(c) = self.calls.get(&handle) else {
            return;
        };
        // A transfer's subscription outlives the call (RFC 6665 §4.5.2): its NOTIFYs still come.
        let keep = c.refer.is_some() || c.phase == Phase::Ended && self.bye_in_flight(handle);
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        c.phase = Phase::Ended;
        c.ok_at = None;
        c.ok_until = None;
        c.refresh_at = None;
        c.expire_at = None;
        if !keep {
            self.calls.remove(&handle);
        }
        info!(%handle, code, "call ended");
        self.emit(Event::Call {
            call: handle,
            state: CallState::Ended {
                code,
                reason: reason.to_owned(),
                by_remote,
            },
        });
    }

    /// Whether our BYE of the call still waits for its answer.
    fn bye_in_flight(&self, handle: CallHandle) -> bool {
        let bye = Method::Bye.to_string();
        self.client_txs
            .iter()
            .any(|((_, method), e)| *method == bye && e.owner == Owner::Call(handle))
    }

    pub(super) fn on_call_timeout(&mut self, handle: CallHandle) {
        let Some(c) = self.calls.get(&handle) else { return };
        match c.phase {
            Phase::Ended => {
                self.calls.remove(&handle);
            }
            Phase::Confirmed => {
                self.send_bye(handle);
                self.end_call(handle, 408, "the far end stopped answering", false);
            }
            Phase::Setup => self.end_call(handle, 408, "no answer from the far end", false),
        }
    }

    pub(super) fn hangup(&mut self, handle: CallHandle) {
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        match (c.phase, c.outgoing) {
            (Phase::Setup, true) => {
                let proceeding = c
                    .invite_branch
                    .as_ref()
                    .and_then(|b| self.client_txs.get(&tx_key(b, &Method::Invite)))
                    .is_some_and(|e| e.tx.is_proceeding());
                let Some(c) = self.calls.get_mut(&handle) else {
                    return;
                };
                c.cancelled = true;
                if proceeding {
                    self.send_cancel(handle);
                } else {
                    // §9.1: no provisional yet; CANCEL once one arrives.
                    c.cancel_pending = true;
                }
            }
            (Phase::Setup, false) => self.reject(handle, 603),
            (Phase::Confirmed, _) => {
                self.send_bye(handle);
                self.end_call(handle, 200, "hung up", false);
            }
            (Phase::Ended, _) => {}
        }
    }

    pub(super) fn reinvite(&mut self, handle: CallHandle, sdp: Vec<u8>) {
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
        self.send_invite(handle, None);
    }

    pub(super) fn call_timers(&mut self, handle: CallHandle) {
        self.refer_timers(handle);
        let now = self.now;
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.ok_until.is_some_and(|t| now >= t) {
            // §13.3.1.4: no ACK within 64*T1: end the call with a BYE.
            c.ok = None;
            c.ok_at = None;
            c.ok_until = None;
            self.send_bye(handle);
            self.end_call(handle, 408, "the far end never acknowledged the answer", false);
            return;
        }
        if c.ok_at.is_some_and(|t| now >= t) {
            c.ok_interval = (c.ok_interval * 2).min(T2);
            c.ok_at = Some(now + c.ok_interval);
            let bytes = c.ok.clone();
            let flow = self
                .server_txs
                .values()
                .find(|e| e.call == Some(handle))
                .map(|e| e.flow);
            let flow = flow.or_else(|| self.accounts.get(&c.key).map(|r| r.config.flow));
            if let (Some(b), Some(f)) = (bytes, flow) {
                self.send(f, b);
            }
            return;
        }
        if c.expire_at.is_some_and(|t| now >= t) {
            self.send_bye(handle);
            self.end_call(handle, 408, "the session timer expired", false);
            return;
        }
        if c.refresh_at.is_some_and(|t| now >= t) && c.phase == Phase::Confirmed {
            c.refresh_at = None;
            let sdp = c.local_sdp.clone();
            self.reinvite(handle, sdp);
        }
    }
}
