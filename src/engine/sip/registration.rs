//! The registration client (RFC 3261 §10): digest auth on 401/407 (stale nonces retried),
//! refresh before expiry, 423 Min-Expires, Retry-After on 503, back-off on failure,
//! RFC 5626 instance/reg-id contacts on streams, keep-alives, and re-registration when the
//! registrar sees us at a new public address (Via received/rport, RFC 3581). `Accounts` holds
//! one registration per account.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rsip::Method;
use tracing::{debug, info};

use super::api::{AccountConfig, Event, RegistrationState};
use super::auth::{Challenge, Credentials, authorization};
use super::core::{ALLOW, Core, Owner};
use super::msg::{self, Builder, Parsed, split_contacts};
use crate::engine::flow::Flow;
use crate::text::Text;

/// Back-off after a registrar's refusals: quick at first so a restarted server is found within
/// seconds, then every 30 s.
const RETRY: [u64; 6] = [1, 2, 4, 4, 4, 30];
/// Longest wait after a registrar that did not answer at all (or whose connection failed): a
/// REGISTER transaction retransmits every 4 s (T2) for 32 s anyway, so asking again as often
/// adds no load, and a registrar that comes back after any outage is found within 4 s.
const RETRY_UNANSWERED: u64 = 4;

/// One account's registration.
#[derive(Debug)]
pub struct Registration {
    pub config: AccountConfig,
    call_id: String,
    from_tag: String,
    cseq: u32,
    expires: u32,
    /// Contact address (public when learned from the registrar).
    contact_addr: SocketAddr,
    state: RegistrationState,
    challenge: Option<Challenge>,
    nc: u32,
    /// Registrations answered with a challenge in a row (a wrong password stops at 2).
    auth_rounds: u32,
    failures: usize,
    refresh_at: Option<Instant>,
    keepalive_at: Option<Instant>,
    unregistering: bool,
    in_flight: bool,
    /// A contact registered before the account changed, removed with the next REGISTER.
    stale_contact: Option<String>,
    /// The connection to the registrar broke: once registered again over a new one, the calls
    /// of the account tell their far ends the new path (a target refresh, RFC 5626 §4.4.1).
    calls_to_refresh: bool,
}

impl Registration {
    pub fn deadline(&self) -> Option<Instant> {
        [self.refresh_at, self.keepalive_at].into_iter().flatten().min()
    }

    pub fn state(&self) -> &RegistrationState {
        &self.state
    }

    pub fn is_registered(&self) -> bool {
        matches!(self.state, RegistrationState::Registered { .. })
    }

    /// The Contact URI of this account.
    pub fn contact_uri(&self) -> String {
        format!(
            "sip:{}@{};transport={}",
            self.config.user,
            msg::host_port(self.contact_addr.ip(), self.contact_addr.port()),
            self.config.flow.transport.uri_param()
        )
    }

    /// The Contact header value for REGISTER (with RFC 5626 parameters on streams).
    fn contact_header(&self, expires: u32) -> String {
        let mut c = format!("<{}", self.contact_uri());
        if self.config.flow.transport.is_reliable() {
            c.push_str(";ob");
        }
        c.push('>');
        c.push_str(&format!(";+sip.instance=\"<{}>\"", self.config.instance_id));
        if self.config.flow.transport.is_reliable() {
            c.push_str(";reg-id=1");
        }
        c.push_str(&format!(";expires={expires}"));
        c
    }
}

/// The accounts of the user agent, by key, each with its registration.
#[derive(Debug, Default)]
pub(super) struct Accounts {
    accounts: HashMap<String, Registration>,
}

impl Accounts {
    pub(super) fn get(&self, key: &str) -> Option<&Registration> {
        self.accounts.get(key)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&String, &Registration)> {
        self.accounts.iter()
    }

    pub(super) fn len(&self) -> usize {
        self.accounts.len()
    }

    /// The earliest deadline of every registration.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.accounts.values().filter_map(Registration::deadline).min()
    }

    pub(super) fn register(&mut self, core: &mut Core, key: String, config: AccountConfig) {
        let call_id = format!("{}@handset", core.rng.token(20));
        let from_tag = core.tag();
        let old = self.accounts.remove(&key);
        // The account changed (new address or transport): its old binding goes away.
        let stale_contact = old.as_ref().and_then(|o| {
            let new_contact = format!(
                "sip:{}@{};transport={}",
                config.user,
                msg::host_port(config.local.ip(), config.local.port()),
                config.flow.transport.uri_param()
            );
            (o.is_registered() && o.contact_uri() != new_contact).then(|| o.contact_uri())
        });
        let reg = Registration {
            stale_contact,
            calls_to_refresh: old.as_ref().is_some_and(|o| o.calls_to_refresh),
            contact_addr: config.local,
            expires: config.expires,
            config,
            call_id: old.as_ref().map_or(call_id, |o| o.call_id.clone()),
            from_tag: old.as_ref().map_or(from_tag, |o| o.from_tag.clone()),
            cseq: old.as_ref().map_or(0, |o| o.cseq),
            state: RegistrationState::Registering,
            challenge: None,
            nc: 0,
            auth_rounds: 0,
            failures: 0,
            refresh_at: None,
            keepalive_at: None,
            unregistering: false,
            in_flight: false,
        };
        self.accounts.insert(key.clone(), reg);
        core.emit(Event::Registration {
            key: key.clone(),
            state: RegistrationState::Registering,
        });
        self.send_register(core, &key);
    }

    /// Drops the account and reports it unregistered.
    fn forget(&mut self, core: &mut Core, key: &str) {
        self.accounts.remove(key);
        core.emit(Event::Registration {
            key: key.to_owned(),
            state: RegistrationState::Unregistered,
        });
    }

    pub(super) fn unregister(&mut self, core: &mut Core, key: &str) {
        let Some(reg) = self.accounts.get_mut(key) else {
            return;
        };
        reg.unregistering = true;
        reg.refresh_at = None;
        reg.keepalive_at = None;
        if reg.is_registered() {
            self.send_register(core, key);
        } else {
            self.forget(core, key);
        }
    }

    fn send_register(&mut self, core: &mut Core, key: &str) {
        let branch = core.branch();
        let cnonce = core.rng.token(16);
        let Some(reg) = self.accounts.get_mut(key) else {
            return;
        };
        reg.cseq += 1;
        reg.in_flight = true;
        reg.refresh_at = None;
        let expires = if reg.unregistering { 0 } else { reg.expires };
        let config = reg.config.clone();
        let uri = config.registrar_uri();
        let aor = config.aor();
        let mut b = Builder::request(&Method::Register, &uri)
            .header("Max-Forwards", "70")
            .header("From", format!("<{aor}>;tag={}", reg.from_tag))
            .header("To", format!("<{aor}>"))
            .header("Call-ID", reg.call_id.clone())
            .header("CSeq", format!("{} REGISTER", reg.cseq))
            .header("Contact", reg.contact_header(expires))
            .header_opt(
                "Contact",
                reg.stale_contact.clone().map(|c| format!("<{c}>;expires=0")),
            )
            .header("Expires", expires.to_string())
            .header("Allow", ALLOW)
            .header("Supported", "path, outbound, gruu")
            .header("User-Agent", config.user_agent.clone());
        if let Some(ch) = &reg.challenge {
            reg.nc += 1;
            let creds = Credentials {
                username: &config.auth_user,
                password: &config.password,
            };
            let (name, value) = authorization(ch, &creds, "REGISTER", &uri, reg.nc, &cnonce);
            b.push_header(name, value);
        }
        core.start_request(
            &config,
            Method::Register,
            branch,
            b,
            Owner::Registration(key.to_owned()),
        );
    }

    pub(super) fn on_register_response(&mut self, core: &mut Core, key: &str, response: Parsed) {
        let code = response.status().unwrap_or(0);
        if code < 200 {
            return;
        }
        let now = core.now;
        let Some(reg) = self.accounts.get_mut(key) else {
            return;
        };
        reg.in_flight = false;
        match code {
            200..=299 => {
                reg.stale_contact = None;
                reg.auth_rounds = 0;
                reg.failures = 0;
                if reg.unregistering {
                    self.forget(core, key);
                    return;
                }
                let granted = granted_expires(&response, &reg.contact_uri()).unwrap_or(reg.expires);
                // RFC 3581: the address the registrar saw.
                let seen = response
                    .info
                    .received
                    .or(Some(reg.config.local.ip()))
                    .zip(response.info.rport);
                let refresh = Duration::from_secs(u64::from(granted) * 3 / 4).max(Duration::from_secs(1));
                reg.refresh_at = Some(now + refresh);
                reg.keepalive_at = reg.config.keepalive.map(|k| now + k);
                if let Some((ip, port)) = seen {
                    let public = SocketAddr::new(ip, port);
                    if public != reg.contact_addr
                        && !reg.config.flow.transport.is_reliable()
                        && !is_local(ip, &reg.config)
                    {
                        info!(account = key, "public address learned; registering it");
                        debug!(account = key, %public, "the public address");
                        reg.contact_addr = public;
                        core.emit(Event::PublicAddress {
                            key: key.to_owned(),
                            addr: public,
                        });
                        self.send_register(core, key);
                        return;
                    }
                }
                reg.state = RegistrationState::Registered { expires: granted };
                core.emit(Event::Registration {
                    key: key.to_owned(),
                    state: RegistrationState::Registered { expires: granted },
                });
            }
            401 | 407 => {
                let header = if code == 401 {
                    "WWW-Authenticate"
                } else {
                    "Proxy-Authenticate"
                };
                let challenge = Challenge::best(&response.header_values(header), code == 407);
                match challenge {
                    Some(ch) if ch.stale || reg.auth_rounds < 1 => {
                        reg.auth_rounds += 1;
                        reg.nc = 0;
                        reg.challenge = Some(ch);
                        self.send_register(core, key);
                    }
                    Some(_) => self.fail(core, key, 403, Text::new("reg-wrong-credentials"), None),
                    None => self.fail(core, key, code, Text::new("reg-auth-unsupported"), None),
                }
            }
            423 => {
                let min = response
                    .header("Min-Expires")
                    .and_then(|v| v.trim().parse::<u32>().ok());
                match min {
                    Some(m) if m > reg.expires => {
                        reg.expires = m;
                        self.send_register(core, key);
                    }
                    _ => self.fail(core, key, 423, Text::new("reg-min-expires-missing"), None),
                }
            }
            503 => {
                let after = response.header("Retry-After").and_then(|v| {
                    v.split(|c: char| !c.is_ascii_digit())
                        .next()
                        .and_then(|n| n.parse::<u64>().ok())
                });
                let reason = Text::new("reg-unavailable");
                match after {
                    Some(s) => self.fail(core, key, 503, reason, Some(Duration::from_secs(s))),
                    None => self.on_register_failure(core, key, 503, reason),
                }
            }
            403 => self.fail(core, key, 403, Text::new("reg-wrong-credentials"), None),
            404 => self.fail(core, key, 404, Text::new("reg-unknown-user"), None),
            _ => {
                let reason = Text::new("reg-answered").arg("code", code);
                self.on_register_failure(core, key, code, reason);
            }
        }
    }

    /// A refusal that is retried with back-off.
    pub(super) fn on_register_failure(&mut self, core: &mut Core, key: &str, code: u16, reason: Text) {
        self.retry(core, key, code, reason, u64::MAX);
    }

    /// No answer, or the connection failed: retried with back-off up to [`RETRY_UNANSWERED`].
    pub(super) fn on_register_unanswered(&mut self, core: &mut Core, key: &str, code: u16, reason: Text) {
        self.retry(core, key, code, reason, RETRY_UNANSWERED);
    }

    fn retry(&mut self, core: &mut Core, key: &str, code: u16, reason: Text, longest: u64) {
        let Some(reg) = self.accounts.get_mut(key) else {
            return;
        };
        reg.in_flight = false;
        if reg.unregistering {
            self.forget(core, key);
            return;
        }
        let wait = Duration::from_secs(RETRY[reg.failures.min(RETRY.len() - 1)].min(longest));
        reg.failures += 1;
        self.fail(core, key, code, reason, Some(wait));
    }

    fn fail(&mut self, core: &mut Core, key: &str, code: u16, reason: Text, retry_in: Option<Duration>) {
        let now = core.now;
        let Some(reg) = self.accounts.get_mut(key) else {
            return;
        };
        reg.in_flight = false;
        reg.challenge = None;
        reg.auth_rounds = 0;
        reg.keepalive_at = None;
        reg.refresh_at = retry_in.map(|w| now + w);
        let state = RegistrationState::Failed {
            code,
            reason,
            retry_in,
        };
        if reg.state != state {
            reg.state = state.clone();
            core.emit(Event::Registration {
                key: key.to_owned(),
                state,
            });
        }
    }

    /// A flow failed: the accounts registered over it register again (the phone reconnects first).
    pub(super) fn on_flow_lost(&mut self, core: &mut Core, flow: Flow) {
        let keys: Vec<String> = self
            .accounts
            .iter()
            .filter(|(_, r)| r.config.flow == flow)
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            if let Some(reg) = self.accounts.get_mut(&key) {
                reg.calls_to_refresh |= flow.transport.is_reliable();
            }
            let was_registered = self.accounts.get(&key).is_some_and(Registration::is_registered);
            if was_registered {
                self.on_register_unanswered(core, &key, 503, Text::new("reg-connection-lost"));
            }
        }
    }

    /// Whether the account is registered again after its connection broke (once: the flag is
    /// cleared), so its calls must refresh their far ends' target.
    pub(super) fn take_restored(&mut self, key: &str) -> bool {
        self.accounts
            .get_mut(key)
            .filter(|r| r.is_registered())
            .is_some_and(|r| std::mem::take(&mut r.calls_to_refresh))
    }

    pub(super) fn on_keepalive_response(&mut self, core: &mut Core, key: &str) {
        if let Some(reg) = self.accounts.get_mut(key) {
            debug!(account = key, "keep-alive answered");
            reg.keepalive_at = reg.config.keepalive.map(|k| core.now + k);
        }
    }

    /// Refreshes, retries and keep-alives that are due.
    pub(super) fn timers(&mut self, core: &mut Core) {
        let keys: Vec<String> = self.accounts.keys().cloned().collect();
        for k in keys {
            self.registration_timers(core, &k);
        }
    }

    fn registration_timers(&mut self, core: &mut Core, key: &str) {
        let now = core.now;
        let Some(reg) = self.accounts.get_mut(key) else {
            return;
        };
        if reg.refresh_at.is_some_and(|t| now >= t) && !reg.in_flight {
            reg.refresh_at = None;
            if !reg.is_registered() {
                reg.state = RegistrationState::Registering;
                core.emit(Event::Registration {
                    key: key.to_owned(),
                    state: RegistrationState::Registering,
                });
            }
            self.send_register(core, key);
            return;
        }
        if reg.keepalive_at.is_some_and(|t| now >= t) {
            let interval = reg.config.keepalive;
            reg.keepalive_at = None;
            let config = reg.config.clone();
            if config.flow.transport.is_reliable() {
                // RFC 5626 §4.4.1: CRLF ping; the pong is optional, the connection itself is watched.
                core.send(config.flow, b"\r\n\r\n".to_vec());
                if let Some(reg) = self.accounts.get_mut(key) {
                    reg.keepalive_at = interval.map(|k| now + k);
                }
            } else {
                self.send_options_ping(core, key, &config);
            }
        }
    }

    fn send_options_ping(&mut self, core: &mut Core, key: &str, config: &AccountConfig) {
        let branch = core.branch();
        let tag = core.tag();
        let call_id = format!("{}@handset", core.rng.token(20));
        let aor = config.aor();
        let b = Builder::request(&Method::Options, &config.registrar_uri())
            .header("Max-Forwards", "70")
            .header("From", format!("<{aor}>;tag={tag}"))
            .header("To", format!("<{}>", config.registrar_uri()))
            .header("Call-ID", call_id)
            .header("CSeq", "1 OPTIONS")
            .header("User-Agent", config.user_agent.clone());
        core.start_request(
            config,
            Method::Options,
            branch,
            b,
            Owner::KeepAlive(key.to_owned()),
        );
    }
}

/// Whether `ip` is our own address (loopback registrars echo it back).
fn is_local(ip: IpAddr, config: &AccountConfig) -> bool {
    ip == config.local.ip()
}

/// The expiry the registrar granted to our contact (Contact `expires` param, else Expires).
fn granted_expires(response: &Parsed, contact_uri: &str) -> Option<u32> {
    let ours = contact_uri.split(';').next().unwrap_or(contact_uri);
    for value in response.header_values("Contact") {
        for c in split_contacts(&value) {
            if msg::addr_uri(c).split(';').next() == Some(ours)
                && let Some(e) = msg::header_param(c, "expires").and_then(|e| e.parse().ok())
            {
                return Some(e);
            }
        }
    }
    response.header("Expires").and_then(|e| e.trim().parse().ok())
}
