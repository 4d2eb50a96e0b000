//! The phone: registers accounts through the network driver, places and takes calls, and
//! enforces the account's policy (transports in order, outbound calling, caller IDs, allowed
//! IPs, codecs). The CLI and the GUI drive it and read its events.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tracing::{debug, info, warn};

pub use super::error::PhoneError;
pub use super::events::{CallFigures, PhoneEvent};

use super::call_media::{CallInfo, DigitSender, MediaOptions};
use super::catalogue::AccountPrompts;
use super::line::Line;
use super::negotiation::offers_ice;
use super::recordings;
use crate::account::allowed_ip::is_allowed;
use crate::account::model::{Codec, Direction as RecordDirection, SipAccount};
use crate::engine::sdp::{self, Format};
use crate::engine::{CallHandle, CallState, Command, Event, Flow, RegistrationState};
use crate::media::audio_file::Pcm;
use crate::media::prompts::AudioRef;
use crate::media::rtp_session::StreamReport;
use crate::net::driver::{Driver, DriverEvent};
use crate::text::Text;

/// How the phone behaves (beyond each account's settings).
#[derive(Clone, Debug)]
pub struct PhoneOptions {
    /// Print every SIP message (credentials redacted) to stderr.
    pub sip_trace: bool,
    /// Registration lifetime asked for.
    pub expires: u32,
    /// Keep-alive interval (CRLF on streams, OPTIONS on UDP).
    pub keepalive: Duration,
    pub user_agent: String,
    /// STUN server (`stun:host:port`) for a server-reflexive ICE candidate.
    pub stun_server: Option<String>,
    /// The folder call recordings go to; `None`: calls cannot be recorded.
    pub recordings: Option<PathBuf>,
    /// The folder of recordings waiting for their account's delivery method; `None`: none
    /// are delivered.
    pub outbox: Option<PathBuf>,
    /// The folder voicemail messages go to; `None`: no voicemail (Route To Voicemail then
    /// does nothing).
    pub voicemail: Option<PathBuf>,
    /// How long an incoming call rings before it goes to voicemail (when the account routes
    /// unanswered calls there).
    pub ring_timeout: Duration,
}

impl Default for PhoneOptions {
    fn default() -> Self {
        PhoneOptions {
            sip_trace: false,
            expires: 600,
            keepalive: Duration::from_secs(25),
            user_agent: format!("Handset/{}", env!("CARGO_PKG_VERSION")),
            stun_server: None,
            recordings: None,
            outbox: None,
            voicemail: None,
            ring_timeout: Duration::from_secs(25),
        }
    }
}

/// Time between two digits sent as SIP INFO (a 250 ms tone and a pause, like a keypad).
pub(super) const INFO_DIGIT_GAP: Duration = Duration::from_millis(300);

/// The phone.
pub struct Phone {
    pub(super) options: PhoneOptions,
    pub(super) driver: Driver,
    pub(super) events: mpsc::UnboundedReceiver<DriverEvent>,
    pub(super) lines: HashMap<String, Line>,
    /// What each account plays when an outgoing call is answered.
    pub(super) prompts: HashMap<String, AccountPrompts>,
    /// Removed accounts' connections, closed once their un-REGISTER is answered.
    pub(super) retiring: HashMap<String, Flow>,
    pub(super) calls: HashMap<CallHandle, CallInfo>,
    pub(super) incoming_offers: HashMap<CallHandle, Vec<u8>>,
    /// Calls being transferred (REFER sent, no outcome yet).
    pub(super) transfers: HashSet<CallHandle>,
    /// Calls whose far end asked us to transfer them, waiting for the user: (account, target).
    pub(super) transfer_requests: HashMap<CallHandle, (String, String)>,
    /// Calls placed for the far end's transfer → the call each one replaces.
    pub(super) referred: HashMap<CallHandle, CallHandle>,
    pub(super) pending: std::collections::VecDeque<PhoneEvent>,
    /// Digits to send as SIP INFO, one every [`INFO_DIGIT_GAP`] so they arrive in order.
    pub(super) info_digits: std::collections::VecDeque<(CallHandle, char)>,
    pub(super) next_info_at: tokio::time::Instant,
    pub(super) next_call: u64,
    pub(super) digits_tx: DigitSender,
    pub(super) digits_rx: mpsc::UnboundedReceiver<(u64, char)>,
    /// Streams of ended calls stop in their own tasks and report here, so that
    /// [`Phone::next_event`] stays cancel-safe (dropped mid-way, it loses no call's end).
    stopped_tx: mpsc::UnboundedSender<StoppedStream>,
    stopped_rx: mpsc::UnboundedReceiver<StoppedStream>,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone")
            .field("lines", &self.lines.len())
            .finish_non_exhaustive()
    }
}

/// Decodes an announcement off the async workers; `None` (logged) when it cannot be read: the
/// call goes on without it.
async fn announcement_pcm(prompt: AudioRef) -> Option<Pcm> {
    let loaded = tokio::task::spawn_blocking(move || prompt.load()).await;
    match loaded {
        Ok(Ok(pcm)) => Some(pcm),
        Ok(Err(e)) => {
            warn!(error = %e, "the announcement cannot be played");
            None
        }
        Err(e) => {
            warn!(error = %e, "the announcement cannot be played");
            None
        }
    }
}

/// Whether a dialed or calling number is an internal one (an extension): up to 8 digits.
pub(super) fn is_internal_number(user: &str) -> bool {
    !user.is_empty() && user.len() <= 8 && user.chars().all(|c| c.is_ascii_digit())
}

/// The user part of a SIP URI (`sip:101@pbx` → `101`).
fn uri_user(uri: &str) -> &str {
    let rest = uri.trim_start_matches("sips:").trim_start_matches("sip:");
    rest.split(['@', ';']).next().unwrap_or_default()
}

/// Whether the account records calls of this direction from the start (Call Recording:
/// enabled, and the direction ticked).
fn records(account: &SipAccount, inbound: bool, internal: bool) -> bool {
    let r = &account.recording;
    let direction = match (inbound, internal) {
        (true, true) => RecordDirection::InboundInternal,
        (true, false) => RecordDirection::InboundExternal,
        (false, true) => RecordDirection::OutboundInternal,
        (false, false) => RecordDirection::OutboundExternal,
    };
    r.enabled && r.directions.contains(&direction)
}

/// The SDP formats of the account's codecs, in its order.
pub fn formats(codecs: &[Codec]) -> Vec<Format> {
    codecs
        .iter()
        .map(|c| match c {
            Codec::Opus => Format::Opus,
            Codec::G722 => Format::G722,
            Codec::Pcmu => Format::Pcmu,
            Codec::Pcma => Format::Pcma,
            Codec::G729 => Format::G729,
            Codec::Gsm => Format::Gsm,
            Codec::TelephoneEvent => Format::TelephoneEvent,
        })
        .collect()
}

/// An ended call's stream, stopped: its report and the end to pass on.
#[derive(Debug)]
struct StoppedStream {
    call: CallHandle,
    account: String,
    state: CallState,
    report: StreamReport,
}

impl Phone {
    /// Starts the phone's network task; call inside a tokio runtime.
    pub fn new(options: PhoneOptions) -> Phone {
        let (driver, events) = Driver::spawn(options.sip_trace);
        let (digits_tx, digits_rx) = mpsc::unbounded_channel();
        let (stopped_tx, stopped_rx) = mpsc::unbounded_channel();
        Phone {
            options,
            driver,
            events,
            lines: HashMap::new(),
            prompts: HashMap::new(),
            retiring: HashMap::new(),
            calls: HashMap::new(),
            incoming_offers: HashMap::new(),
            transfers: HashSet::new(),
            transfer_requests: HashMap::new(),
            referred: HashMap::new(),
            pending: Default::default(),
            info_digits: Default::default(),
            next_info_at: tokio::time::Instant::now(),
            next_call: 0,
            digits_tx,
            digits_rx,
            stopped_tx,
            stopped_rx,
        }
    }

    /// Places a call. Refused (with the reason) when the account may not call out.
    pub async fn dial(&mut self, name: &str, target: &str) -> Result<CallHandle, PhoneError> {
        self.dial_with(name, target, MediaOptions::default()).await
    }

    /// Places a call that plays and records as `media` says.
    pub async fn dial_with(
        &mut self,
        name: &str,
        target: &str,
        media: MediaOptions,
    ) -> Result<CallHandle, PhoneError> {
        let line = self
            .lines
            .get(name)
            .ok_or_else(|| PhoneError::Refused(Text::new("phone-account-not-active").arg("account", name)))?;
        let out = &line.account.outbound;
        if !out.enabled {
            return Err(PhoneError::Refused(
                Text::new("phone-outbound-disabled").arg("account", name),
            ));
        }
        let conn = line
            .conn
            .as_ref()
            .ok_or_else(|| PhoneError::Network(Text::new("phone-not-connected")))?;
        let domain = &line.account.credentials.domain;
        let uri = target_uri(target, domain);
        // Caller ID: internal numbers (extensions) present the internal caller ID, others the external one.
        let internal = is_internal_number(uri_user(&uri));
        let caller = if internal {
            out.internal_caller_ids
                .first()
                .cloned()
                .or(out.external_caller_id.clone())
        } else {
            out.external_caller_id.clone()
        };
        let formats = formats(&line.account.advanced.codecs);
        let mut info = CallInfo::new(name.to_owned(), formats, conn.local.ip());
        info.media = media;
        info.record_from_start = records(&line.account, false, internal);
        let announcement = self.prompts.get(name).and_then(|a| {
            if internal {
                a.internal.clone()
            } else {
                a.external.clone()
            }
        });
        if info.media.play.is_none()
            && let Some(prompt) = announcement
        {
            info.media.play = announcement_pcm(prompt).await;
        }
        if info.media.recording.is_none() {
            info.media.recording = self.recording_for(name, &uri);
        }
        let port = info.bind()?;
        let (advanced, transport) = (line.account.advanced.clone(), conn.flow.transport);
        let reflexive = if offers_ice(&advanced) {
            info.reflexive_address(self.options.stun_server.as_deref()).await
        } else {
            None
        };
        let offer = info.make_offer(&advanced, transport, port, reflexive)?;
        info.local_sdp = Some(offer.clone());
        self.next_call += 1;
        let handle = CallHandle(self.next_call);
        self.calls.insert(handle, info);
        self.driver.command(Command::Dial {
            call: handle,
            key: name.to_owned(),
            target: uri,
            sdp: offer.into_bytes(),
            caller_id: caller.map(|c| (Some(c.clone()), c)),
        });
        Ok(handle)
    }

    /// Answers an incoming call (488 when no codec is in common).
    pub async fn answer(&mut self, call: CallHandle) {
        self.answer_with(call, MediaOptions::default()).await;
    }

    /// Answers an incoming call that plays and records as `media` says.
    /// A call that takes the place of `old` (an attended transfer's INVITE with `Replaces`):
    /// answered at once with `media`, and `old` hung up (RFC 3891).
    pub async fn answer_in_place_of(&mut self, call: CallHandle, old: CallHandle, media: MediaOptions) {
        self.answer_with(call, media).await;
        self.hangup(old);
    }

    pub async fn answer_with(&mut self, call: CallHandle, media: MediaOptions) {
        let Some(info) = self.calls.get_mut(&call) else {
            return;
        };
        let offer = self.incoming_offers.remove(&call).unwrap_or_default();
        info.media = media;
        if info.media.recording.is_none() {
            let (account, remote) = (info.account.clone(), info.remote.clone());
            let path = self.recording_for(&account, &remote);
            if let Some(info) = self.calls.get_mut(&call) {
                info.media.recording = path;
            }
        }
        let Some(info) = self.calls.get_mut(&call) else {
            return;
        };
        let port = match info.bind() {
            Ok(p) => p,
            Err(e) => {
                warn!(%call, error = %e, "refusing call");
                self.driver.command(Command::Reject { call, code: 500 });
                return;
            }
        };
        let offer_text = String::from_utf8_lossy(&offer).into_owned();
        let media_types = self
            .lines
            .get(&info.account)
            .map(|l| l.account.advanced.media_types.clone())
            .unwrap_or_default();
        let transport = self
            .lines
            .get(&info.account)
            .and_then(|l| l.conn.as_ref())
            .map(|c| c.flow.transport);
        if !info.accept_offer(&offer_text, &media_types, transport) {
            warn!(%call, "the offered media type is not allowed for this account");
            self.driver.command(Command::Reject { call, code: 488 });
            return;
        }
        let reflexive = match sdp::remote_ice(&offer_text) {
            Some(_) => info.reflexive_address(self.options.stun_server.as_deref()).await,
            None => None,
        };
        match info.make_answer(&offer_text, port, reflexive) {
            Ok(answer) => {
                let chosen = sdp::offered_formats(&answer).and_then(|f| f.first().map(|(pt, _, _)| *pt));
                info.start_media(&offer, chosen, call, &self.digits_tx);
                info.local_sdp = Some(answer.clone());
                self.driver.command(Command::Answer {
                    call,
                    sdp: answer.into_bytes(),
                });
            }
            Err(e) => {
                warn!(%call, error = %e, "refusing call");
                self.driver.command(Command::Reject { call, code: 488 });
            }
        }
    }

    /// The next event; handles reconnection and failover on the way.
    pub async fn next_event(&mut self) -> Option<PhoneEvent> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(e);
            }
            let next_reconnect = self.lines.values().filter_map(|l| l.reconnect_at).min();
            let next_info = (!self.info_digits.is_empty()).then_some(self.next_info_at);
            let info_due = async {
                match next_info {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            let wait = async {
                match next_reconnect {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                Some((id, digit)) = self.digits_rx.recv() => {
                    return Some(PhoneEvent::Dtmf { call: CallHandle(id), digit });
                }
                Some(stopped) = self.stopped_rx.recv() => {
                    // The media report comes first, then the end of the call.
                    self.pending.push_back(PhoneEvent::Call { call: stopped.call, state: stopped.state });
                    return Some(PhoneEvent::Media {
                        call: stopped.call,
                        account: stopped.account,
                        report: stopped.report,
                    });
                }
                ev = self.events.recv() => {
                    let ev = ev?;
                    if let Some(e) = self.on_driver_event(ev).await {
                        return Some(e);
                    }
                }
                () = wait => self.reconnect_due().await,
                () = info_due => {
                    if let Some((call, digit)) = self.info_digits.pop_front() {
                        self.driver.command(Command::InfoDigit { call, digit });
                    }
                    self.next_info_at = tokio::time::Instant::now() + INFO_DIGIT_GAP;
                }
            }
        }
    }

    async fn on_driver_event(&mut self, ev: DriverEvent) -> Option<PhoneEvent> {
        match ev {
            DriverEvent::FlowClosed { flow, reason } => {
                for line in self.lines.values_mut() {
                    if line.conn.as_ref().is_some_and(|c| c.flow == flow) {
                        info!(transport = %flow.transport, %reason, "connection lost; reconnecting");
                        debug!(%flow, "the lost connection");
                        line.conn = None;
                        line.reconnect_at = Some(tokio::time::Instant::now() + Duration::from_millis(200));
                    }
                }
                None
            }
            DriverEvent::Engine(Event::Dtmf { call, digit }) => Some(PhoneEvent::Dtmf { call, digit }),
            DriverEvent::Engine(Event::Transfer { call, progress }) => {
                self.on_transfer(call, &progress);
                Some(PhoneEvent::Transfer { call, progress })
            }
            DriverEvent::Engine(Event::TransferRequested {
                call,
                target,
                referred_by,
            }) => self.on_transfer_requested(call, target, referred_by),
            DriverEvent::Engine(Event::Registration { key, state }) => {
                if !self.lines.contains_key(&key)
                    && matches!(
                        state,
                        RegistrationState::Unregistered | RegistrationState::Failed { .. }
                    )
                    && let Some(flow) = self.retiring.remove(&key)
                {
                    self.driver.close(flow);
                }
                if let Some(line) = self.lines.get_mut(&key) {
                    match &state {
                        RegistrationState::Registered { .. } => line.registered_once = true,
                        // RFC 3263 failover: a server that never answered is replaced by the next one.
                        RegistrationState::Failed { code: 408 | 503, .. }
                            if !line.registered_once && line.candidates.len() > 1 =>
                        {
                            if let Some(c) = line.conn.take() {
                                self.driver.close(c.flow);
                            }
                            line.index = (line.index + 1) % line.candidates.len();
                            // Every server failed: the next round waits (a refusing host fails at once).
                            let wait = if line.index == 0 {
                                line.reconnect_delay
                            } else {
                                Duration::ZERO
                            };
                            line.reconnect_at = Some(tokio::time::Instant::now() + wait);
                        }
                        _ => {}
                    }
                }
                Some(PhoneEvent::Registration { account: key, state })
            }
            DriverEvent::Engine(Event::Incoming {
                key,
                call,
                from,
                to,
                sdp,
                replaces,
                ..
            }) => {
                let line = self.lines.get(&key)?;
                let ip = line
                    .conn
                    .as_ref()
                    .map(|c| c.local.ip())
                    .unwrap_or(IpAddr::from([127, 0, 0, 1]));
                let mut info = CallInfo::new(key.clone(), formats(&line.account.advanced.codecs), ip);
                info.remote = from.clone();
                let caller = crate::engine::sip::msg::addr_uri(&from);
                info.record_from_start = records(&line.account, true, is_internal_number(uri_user(&caller)));
                self.calls.insert(call, info);
                self.incoming_offers.insert(call, sdp);
                let called = crate::engine::sip::msg::addr_uri(&to);
                Some(PhoneEvent::Incoming {
                    account: key,
                    call,
                    from,
                    called,
                    replaces,
                })
            }
            DriverEvent::Engine(Event::Call { call, state }) => {
                self.on_referred_call(call, &state);
                match &state {
                    CallState::Answered { sdp } => {
                        if let Some(info) = self.calls.get_mut(&call) {
                            info.answered = true;
                            if info.stream.is_none() && info.socket.is_some() {
                                info.start_media(sdp, None, call, &self.digits_tx);
                            }
                        }
                    }
                    CallState::Ended { .. } => {
                        self.incoming_offers.remove(&call);
                        self.transfers.remove(&call);
                        self.transfer_requests.remove(&call);
                        if let Some(info) = self.calls.remove(&call)
                            && let Some(stream) = info.stream
                        {
                            // Reported by `next_event` once the stream has stopped.
                            let (stopped, account) = (self.stopped_tx.clone(), info.account);
                            tokio::spawn(async move {
                                let report = stream.stop().await;
                                let _ = stopped.send(StoppedStream {
                                    call,
                                    account,
                                    state,
                                    report,
                                });
                            });
                            return None;
                        }
                    }
                    _ => {}
                }
                Some(PhoneEvent::Call { call, state })
            }
            DriverEvent::Engine(Event::PublicAddress { key, addr }) => {
                let line = self.lines.get(&key)?;
                let adv = &line.account.advanced;
                if adv.allowed_ips_enabled && !is_allowed(&adv.allowed_ips, addr.ip()) {
                    warn!("the server sees us at an address outside Allowed IPs; unregistering");
                    debug!(%addr, "the address the server sees");
                    self.driver.command(Command::Unregister { key: key.clone() });
                    return Some(PhoneEvent::Registration {
                        account: key,
                        state: RegistrationState::Failed {
                            code: 403,
                            reason: Text::new("reg-outside-allowed-ips").arg("address", addr.ip()),
                            retry_in: None,
                        },
                    });
                }
                None
            }
            DriverEvent::Engine(Event::Malformed { .. }) => None,
        }
    }

    /// Where a call's recording goes (when the caller of `dial_with`/`answer_with` did not say).
    fn recording_for(&self, account: &str, remote: &str) -> Option<PathBuf> {
        let dir = self.options.recordings.as_deref()?;
        Some(recordings::recording_path(
            dir,
            account,
            remote,
            std::time::SystemTime::now(),
        ))
    }

    /// The account's registration is known to the phone.
    pub fn account_of(&self, call: CallHandle) -> Option<&str> {
        self.calls.get(&call).map(|c| c.account.as_str())
    }

    /// Unregisters every account (waiting up to `wait` for the answers) and stops the network task.
    pub async fn shutdown(&mut self, wait: Duration) {
        // Calls still up are ended first (BYE, CANCEL or a refusal), so that nobody is left
        // in a call with a phone that is gone.
        let calls: Vec<CallHandle> = self.calls.keys().copied().collect();
        for call in calls {
            self.driver.command(Command::Hangup { call });
        }
        let names: Vec<String> = self.lines.keys().cloned().collect();
        for n in &names {
            self.driver.command(Command::Unregister { key: n.clone() });
        }
        let mut left = names.len();
        let deadline = tokio::time::Instant::now() + wait;
        while left > 0 {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(DriverEvent::Engine(Event::Registration {
                    state: RegistrationState::Unregistered,
                    ..
                }))) => left -= 1,
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        self.driver.stop().await;
    }
}

/// A SIP URI for what the user typed: a URI as is, else `user@domain`.
pub fn target_uri(target: &str, domain: &str) -> String {
    let t = target.trim();
    if t.starts_with("sip:") || t.starts_with("sips:") {
        return t.to_owned();
    }
    let t = t.strip_prefix("tel:").unwrap_or(t);
    let cleaned: String = if t.chars().all(|c| c.is_ascii_digit() || "+-. ()".contains(c)) {
        t.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()
    } else {
        t.to_owned()
    };
    if cleaned.contains('@') {
        format!("sip:{cleaned}")
    } else {
        format!("sip:{cleaned}@{}", crate::engine::sip::msg::uri_host(domain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Secret;
    use crate::account::model::{SipAccount, Transport as AccountTransport};

    #[test]
    fn recorded_directions_follow_the_account() {
        let mut a = SipAccount::default();
        a.recording.directions = vec![
            RecordDirection::InboundExternal,
            RecordDirection::OutboundInternal,
        ];
        assert!(!records(&a, true, false), "recording is off");
        a.recording.enabled = true;
        assert!(records(&a, true, false) && records(&a, false, true));
        assert!(!records(&a, true, true) && !records(&a, false, false));
        assert!(is_internal_number(uri_user("sip:101@pbx")) && is_internal_number("12345678"));
        assert!(!is_internal_number(uri_user("sip:+14155550100@pbx")) && !is_internal_number("bob"));
        assert_eq!(uri_user("sips:201;user=phone@x"), "201");
    }

    #[test]
    fn targets_become_uris() {
        assert_eq!(target_uri("101", "pbx.example.com"), "sip:101@pbx.example.com");
        assert_eq!(target_uri("+1 (415) 555-0100", "d"), "sip:+14155550100@d");
        assert_eq!(target_uri("tel:+14155550100", "d"), "sip:+14155550100@d");
        assert_eq!(target_uri("bob@example.org", "d"), "sip:bob@example.org");
        assert_eq!(
            target_uri("sip:bob@x;transport=tcp", "d"),
            "sip:bob@x;transport=tcp"
        );
    }

    #[tokio::test]
    async fn a_refusing_server_is_retried_after_a_pause_not_in_a_loop() {
        // A port nobody listens on: UDP answers with ICMP refusals, TCP refuses the connection.
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut account = SipAccount {
            name: "A".into(),
            ..SipAccount::default()
        };
        account.credentials.username = "a".into();
        account.credentials.domain = "127.0.0.1".into();
        account.credentials.port = Some(port);
        account.advanced.transports = vec![AccountTransport::Udp, AccountTransport::Tcp];
        let mut phone = Phone::new(PhoneOptions::default());
        let _ = phone.add_account(&account, Secret::new("pw"), None).await;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
        let mut failures = 0;
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, phone.next_event()).await {
            if let PhoneEvent::Registration {
                state: RegistrationState::Failed { .. },
                ..
            } = event
            {
                failures += 1;
            }
        }
        assert!(
            (1..=4).contains(&failures),
            "{failures} failed registrations in 1.5 s"
        );
    }

    /// The GUI runs the phone in a spawned task: its futures must be `Send`.
    #[allow(dead_code)]
    fn phone_futures_are_send(phone: &mut Phone) {
        fn send<T: Send>(_: T) {}
        send(phone.dial("a", "b"));
        send(phone.answer(CallHandle(1)));
        send(phone.next_event());
    }
}
