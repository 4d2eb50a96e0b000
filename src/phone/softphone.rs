//! The phone: registers accounts through the network driver, places and takes calls, and
//! enforces the account's policy (transports in order, outbound calling, caller IDs, allowed
//! IPs, codecs). The CLI and the GUI drive it and read its events.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::call_media::{CallInfo, DigitSender, MediaOptions};
use super::negotiation::offers_ice;
use super::recordings;
use crate::account::Secret;
use crate::account::allowed_ip::is_allowed;
use crate::account::model::{Codec, SipAccount, Transport as AccountTransport};
use crate::account::validate::split_host_port;
use crate::engine::sdp::{self, Format};
use crate::engine::{
    AccountConfig, CallHandle, CallState, Command, Event, Flow, RegistrationState, TransferProgress,
    Transport,
};
use crate::media::rtp_session::StreamReport;
use crate::net::dns::{Candidate, resolve};
use crate::net::driver::{Driver, DriverEvent};
use crate::net::tls::client_config;
use crate::net::transport::{Connection, Target};

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
        }
    }
}

/// What the phone reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneEvent {
    Registration {
        account: String,
        state: RegistrationState,
    },
    /// The signalling path changed (connected, failed over, reconnected).
    Connected {
        account: String,
        flow: Flow,
    },
    Incoming {
        account: String,
        call: CallHandle,
        from: String,
        /// The number or URI that was called (which DID or internal number rang).
        called: String,
    },
    Call {
        call: CallHandle,
        state: CallState,
    },
    /// A call's media ended: what was sent and received.
    Media {
        call: CallHandle,
        report: StreamReport,
    },
    /// The far end sent a digit (RFC 4733).
    Dtmf {
        call: CallHandle,
        digit: char,
    },
    /// A transfer of the call ([`Phone::transfer`]) moved on. After `Succeeded` the phone
    /// hangs up the call itself; after `Failed` the call stays up.
    Transfer {
        call: CallHandle,
        progress: TransferProgress,
    },
}

/// A call's figures while it runs (the quality read-out and the level meters).
#[derive(Clone, Debug, PartialEq)]
pub struct CallFigures {
    /// Packets, loss, jitter, buffer delay and RTT (RTCP) so far.
    pub report: StreamReport,
    /// Microphone and speaker levels (dBFS; silent without devices).
    pub input_dbfs: f32,
    pub output_dbfs: f32,
    pub muted: bool,
    /// Whether the call is being recorded right now.
    pub recording: bool,
    /// The codec in use (its SDP name, e.g. `opus`, `PCMU`).
    pub codec: String,
    /// The media's encryption (`SRTP`, `DTLS-SRTP`); `None` for plain RTP.
    pub encryption: Option<&'static str>,
}

/// A refusal or failure, said so the user knows what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Network(String),
}

struct Line {
    account: SipAccount,
    password: Secret,
    candidates: Vec<Candidate>,
    index: usize,
    server_name: String,
    tls: Option<Arc<ClientConfig>>,
    conn: Option<Connection>,
    registered_once: bool,
    reconnect_at: Option<tokio::time::Instant>,
    reconnect_delay: Duration,
}

/// Time between two digits sent as SIP INFO (a 250 ms tone and a pause, like a keypad).
const INFO_DIGIT_GAP: Duration = Duration::from_millis(300);

/// The phone.
pub struct Phone {
    options: PhoneOptions,
    driver: Driver,
    events: mpsc::UnboundedReceiver<DriverEvent>,
    lines: HashMap<String, Line>,
    /// Removed accounts' connections, closed once their un-REGISTER is answered.
    retiring: HashMap<String, Flow>,
    calls: HashMap<CallHandle, CallInfo>,
    incoming_offers: HashMap<CallHandle, Vec<u8>>,
    /// Calls being transferred (REFER sent, no outcome yet).
    transfers: HashSet<CallHandle>,
    pending: std::collections::VecDeque<PhoneEvent>,
    /// Digits to send as SIP INFO, one every [`INFO_DIGIT_GAP`] so they arrive in order.
    info_digits: std::collections::VecDeque<(CallHandle, char)>,
    next_info_at: tokio::time::Instant,
    next_call: u64,
    digits_tx: DigitSender,
    digits_rx: mpsc::UnboundedReceiver<(u64, char)>,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone")
            .field("lines", &self.lines.len())
            .finish_non_exhaustive()
    }
}

fn engine_transport(t: AccountTransport) -> Transport {
    match t {
        AccountTransport::Udp => Transport::Udp,
        AccountTransport::Tcp => Transport::Tcp,
        AccountTransport::Tls => Transport::Tls,
        AccountTransport::Wss => Transport::Wss,
    }
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

/// `urn:uuid:` form of an account id (RFC 5626 instance id).
fn instance_id(id: &str) -> String {
    let hex: String = id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

impl Phone {
    /// Starts the phone's network task; call inside a tokio runtime.
    pub fn new(options: PhoneOptions) -> Phone {
        let (driver, events) = Driver::spawn(options.sip_trace);
        let (digits_tx, digits_rx) = mpsc::unbounded_channel();
        Phone {
            options,
            driver,
            events,
            lines: HashMap::new(),
            retiring: HashMap::new(),
            calls: HashMap::new(),
            incoming_offers: HashMap::new(),
            transfers: HashSet::new(),
            pending: Default::default(),
            info_digits: Default::default(),
            next_info_at: tokio::time::Instant::now(),
            next_call: 0,
            digits_tx,
            digits_rx,
        }
    }

    /// Finds the account's servers, connects with its first working transport (in its order)
    /// and registers. `tls_ca` overrides the account's own CA file.
    pub async fn add_account(
        &mut self,
        account: &SipAccount,
        password: Secret,
        tls_ca: Option<PathBuf>,
    ) -> Result<(), PhoneError> {
        let c = &account.credentials;
        let (host, port) = match &c.outbound_proxy {
            Some(proxy) => {
                let (h, p) = split_host_port(proxy);
                (h.to_owned(), p.and_then(|p| p.parse().ok()))
            }
            None => (c.domain.clone(), c.port),
        };
        let allowed: Vec<Transport> = account
            .advanced
            .transports
            .iter()
            .map(|t| engine_transport(*t))
            .collect();
        let candidates = resolve(&host, port, &allowed)
            .await
            .map_err(|e| PhoneError::Network(e.to_string()))?;
        let needs_tls = allowed
            .iter()
            .any(|t| matches!(t, Transport::Tls | Transport::Wss));
        let ca = tls_ca.or_else(|| c.tls_ca.clone().map(PathBuf::from));
        let tls = if needs_tls {
            Some(client_config(ca.as_deref()).map_err(|e| PhoneError::Refused(e.to_string()))?)
        } else {
            None
        };
        // Added again (edited): the new settings replace the old; the engine moves the binding.
        let old_flow = self
            .lines
            .remove(&account.name)
            .and_then(|l| l.conn)
            .map(|c| c.flow);
        let old_flow = old_flow.or_else(|| self.retiring.remove(&account.name));
        let line = Line {
            account: account.clone(),
            password,
            candidates,
            index: 0,
            server_name: host.trim_matches(['[', ']']).to_owned(),
            tls,
            conn: None,
            registered_once: false,
            reconnect_at: None,
            reconnect_delay: Duration::from_secs(1),
        };
        self.lines.insert(account.name.clone(), line);
        let result = self.connect_and_register(&account.name).await;
        let new_flow = self.flow_of(&account.name);
        if let Some(old) = old_flow
            && new_flow != Some(old)
        {
            self.driver.close(old);
        }
        result
    }

    /// Unregisters the account and forgets it: its calls end, and its connection closes once
    /// the server has answered the un-REGISTER.
    pub fn remove_account(&mut self, name: &str) {
        let Some(line) = self.lines.remove(name) else {
            return;
        };
        let calls: Vec<CallHandle> = self
            .calls
            .iter()
            .filter(|(_, info)| info.account == name)
            .map(|(call, _)| *call)
            .collect();
        for call in calls {
            self.hangup(call);
        }
        if let Some(conn) = line.conn {
            self.retiring.insert(name.to_owned(), conn.flow);
        }
        self.driver.command(Command::Unregister { key: name.to_owned() });
    }

    /// Tries the candidates from the current one to the last; registers on the first that
    /// connects. The caller starts the next round from the first after a pause.
    async fn connect_and_register(&mut self, name: &str) -> Result<(), PhoneError> {
        let Some(line) = self.lines.get(name) else {
            return Ok(());
        };
        let mut errors = Vec::new();
        for idx in line.index..line.candidates.len() {
            let (target, tls) = {
                let line = &self.lines[name];
                let cand = &line.candidates[idx];
                (
                    Target {
                        flow: Flow {
                            transport: cand.transport,
                            remote: cand.addr,
                        },
                        server_name: line.server_name.clone(),
                    },
                    line.tls.clone(),
                )
            };
            match self.driver.open(target, tls).await {
                Ok(conn) => {
                    let Some(line) = self.lines.get(name) else {
                        return Err(PhoneError::Refused("account removed".into()));
                    };
                    let adv = &line.account.advanced;
                    if adv.allowed_ips_enabled && !is_allowed(&adv.allowed_ips, conn.local.ip()) {
                        self.driver.close(conn.flow);
                        return Err(PhoneError::Refused(format!(
                            "this computer's address {} is not in the account's Allowed IPs: registration refused. \
                             Add it to Advanced → Allowed IPs, or turn Allowed IPs off",
                            conn.local.ip()
                        )));
                    }
                    info!(account = %line.account.id, flow = %conn.flow, "connected");
                    let config = self.engine_config(line, &conn);
                    self.pending.push_back(PhoneEvent::Connected {
                        account: name.to_owned(),
                        flow: conn.flow,
                    });
                    if let Some(line) = self.lines.get_mut(name) {
                        line.index = idx;
                        line.conn = Some(conn);
                        line.reconnect_at = None;
                        line.reconnect_delay = Duration::from_secs(1);
                    }
                    self.driver.command(Command::Register {
                        key: name.to_owned(),
                        config,
                    });
                    return Ok(());
                }
                Err(e) => {
                    warn!(error = %e, "connect failed");
                    errors.push(e.to_string());
                }
            }
        }
        Err(PhoneError::Network(format!(
            "no server could be reached: {}",
            errors.join("; ")
        )))
    }

    fn engine_config(&self, line: &Line, conn: &Connection) -> AccountConfig {
        let c = &line.account.credentials;
        AccountConfig {
            user: c.username.clone(),
            domain: c.domain.clone(),
            auth_user: c.username.clone(),
            password: line.password.expose().to_owned(),
            display_name: None,
            flow: conn.flow,
            local: conn.local,
            expires: self.options.expires,
            instance_id: instance_id(&line.account.id.0),
            user_agent: self.options.user_agent.clone(),
            keepalive: Some(self.options.keepalive),
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
            .ok_or_else(|| PhoneError::Refused(format!("the account `{name}` is not active")))?;
        let out = &line.account.outbound;
        if !out.enabled {
            return Err(PhoneError::Refused(format!(
                "outbound calling is disabled for `{name}`: enable it under Outbound Calls (with an External Caller ID) to place calls"
            )));
        }
        let conn = line
            .conn
            .as_ref()
            .ok_or_else(|| PhoneError::Network("not connected to the server yet".into()))?;
        let domain = &line.account.credentials.domain;
        let uri = target_uri(target, domain);
        // Caller ID: internal numbers (extensions) present the internal caller ID, others the external one.
        let user_part = uri
            .trim_start_matches("sips:")
            .trim_start_matches("sip:")
            .split('@')
            .next()
            .unwrap_or_default();
        let internal =
            !user_part.is_empty() && user_part.len() <= 8 && user_part.chars().all(|c| c.is_ascii_digit());
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

    /// Sends digits as RFC 4733 events, or as SIP INFO when the call has no telephone-event.
    pub fn send_dtmf(&mut self, call: CallHandle, digits: &str) {
        let Some(info) = self.calls.get(&call) else { return };
        match &info.stream {
            Some(stream) if info.dtmf_rtp => stream.send_dtmf(digits),
            _ => self.info_digits.extend(digits.chars().map(|d| (call, d))),
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
            .ok_or_else(|| PhoneError::Refused("the call has ended".into()))?;
        let allowed = self
            .lines
            .get(&info.account)
            .is_some_and(|l| l.account.recording.on_demand);
        if on && !allowed {
            return Err(PhoneError::Refused(format!(
                "recording on demand is off for `{}`: turn on Record on Demand under Call Recording",
                info.account
            )));
        }
        if on && info.media.recording.is_none() {
            return Err(PhoneError::Refused("there is no folder for recordings".into()));
        }
        let stream = info
            .stream
            .as_ref()
            .ok_or_else(|| PhoneError::Refused("the call has no media yet".into()))?;
        stream.controls().set_recording(on);
        Ok(())
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

    /// The call's live figures for the UI; `None` before its media starts.
    pub fn figures(&self, call: CallHandle) -> Option<CallFigures> {
        let info = self.calls.get(&call)?;
        let stream = info.stream.as_ref()?;
        let controls = stream.controls();
        let (codec, encryption) = info.described.clone().unwrap_or_default();
        Some(CallFigures {
            report: stream.stats(),
            input_dbfs: controls.input_dbfs(),
            output_dbfs: controls.output_dbfs(),
            muted: controls.is_muted(),
            recording: controls.is_recording(),
            codec,
            encryption,
        })
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
            .ok_or_else(|| PhoneError::Refused("there is no such call to transfer".into()))?;
        if !info.answered {
            return Err(PhoneError::Refused(
                "only an answered call can be transferred".into(),
            ));
        }
        if self.transfers.contains(&call) {
            return Err(PhoneError::Refused(
                "this call is already being transferred: wait for the outcome".into(),
            ));
        }
        let line = self
            .lines
            .get(&info.account)
            .ok_or_else(|| PhoneError::Refused(format!("the account `{}` is not active", info.account)))?;
        let typed = target.trim();
        let uri = target_uri(typed, &line.account.credentials.domain);
        let unusable = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"');
        if typed.is_empty() || uri.chars().any(unusable) {
            return Err(PhoneError::Refused(format!(
                "`{typed}` is not a number or SIP address to transfer to"
            )));
        }
        self.transfers.insert(call);
        self.driver.command(Command::Transfer { call, target: uri });
        Ok(())
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

    async fn reconnect_due(&mut self) {
        let now = tokio::time::Instant::now();
        let due: Vec<String> = self
            .lines
            .iter()
            .filter(|(_, l)| l.reconnect_at.is_some_and(|t| t <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for name in due {
            if self.connect_and_register(&name).await.is_err()
                && let Some(line) = self.lines.get_mut(&name)
            {
                line.index = 0;
                line.reconnect_delay = (line.reconnect_delay * 2).min(Duration::from_secs(4));
                line.reconnect_at = Some(tokio::time::Instant::now() + line.reconnect_delay);
            }
        }
    }

    async fn on_driver_event(&mut self, ev: DriverEvent) -> Option<PhoneEvent> {
        match ev {
            DriverEvent::FlowClosed { flow, reason } => {
                for line in self.lines.values_mut() {
                    if line.conn.as_ref().is_some_and(|c| c.flow == flow) {
                        info!(%flow, %reason, "connection lost; reconnecting");
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
                self.calls.insert(call, info);
                self.incoming_offers.insert(call, sdp);
                let called = crate::engine::sip::msg::addr_uri(&to);
                Some(PhoneEvent::Incoming {
                    account: key,
                    call,
                    from,
                    called,
                })
            }
            DriverEvent::Engine(Event::Call { call, state }) => {
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
                        if let Some(stream) = self.calls.remove(&call).and_then(|i| i.stream) {
                            // The media report comes first, then the end of the call.
                            let report = stream.stop().await;
                            self.pending.push_back(PhoneEvent::Call { call, state });
                            return Some(PhoneEvent::Media { call, report });
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
                    warn!(%addr, "the server sees us at an address outside Allowed IPs; unregistering");
                    self.driver.command(Command::Unregister { key: key.clone() });
                    return Some(PhoneEvent::Registration {
                        account: key,
                        state: RegistrationState::Failed {
                            code: 403,
                            reason: format!(
                                "the server sees this phone at {}, which is not in Allowed IPs",
                                addr.ip()
                            ),
                            retry_in: None,
                        },
                    });
                }
                None
            }
            DriverEvent::Engine(Event::Malformed { .. }) => None,
        }
    }

    /// A blind transfer that succeeded ends our leg with a BYE (RFC 5589 §6), unless the far
    /// end has hung up already (the call is gone then).
    fn on_transfer(&mut self, call: CallHandle, progress: &TransferProgress) {
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

    /// The account's registration is known to the phone.
    pub fn account_of(&self, call: CallHandle) -> Option<&str> {
        self.calls.get(&call).map(|c| c.account.as_str())
    }

    /// Unregisters every account (waiting up to `wait` for the answers) and stops the network task.
    pub async fn shutdown(&mut self, wait: Duration) {
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

    /// Where the account's signalling goes now.
    pub fn flow_of(&self, name: &str) -> Option<Flow> {
        self.lines.get(name).and_then(|l| l.conn.as_ref()).map(|c| c.flow)
    }

    /// The local address of the account's connection.
    pub fn local_addr(&self, name: &str) -> Option<SocketAddr> {
        self.lines
            .get(name)
            .and_then(|l| l.conn.as_ref())
            .map(|c| c.local)
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

    #[test]
    fn instance_ids_are_uuid_urns() {
        assert_eq!(
            instance_id("0ca483d9861250e2d7fb66140e1b0f05"),
            "urn:uuid:0ca483d9-8612-50e2-d7fb-66140e1b0f05"
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
