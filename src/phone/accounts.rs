//! The phone's accounts: each one's servers (RFC 3263), the connection on its first working
//! transport, registration and re-registration after a failure, edits and removal.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tracing::{debug, info, warn};

use super::catalogue::AccountPrompts;
use super::error::PhoneError;
use super::events::PhoneEvent;
use super::line::Line;
use super::softphone::Phone;
use crate::account::Secret;
use crate::account::allowed_ip::is_allowed;
use crate::account::model::{SipAccount, Transport as AccountTransport};
use crate::account::validate::split_host_port;
use crate::engine::{AccountConfig, CallHandle, Command, Flow, Transport};
use crate::media::prompts::AudioRef;
use crate::net::dns::resolve;
use crate::net::tls::client_config;
use crate::net::transport::{Connection, Target};
use crate::text::Text;

fn engine_transport(t: AccountTransport) -> Transport {
    match t {
        AccountTransport::Udp => Transport::Udp,
        AccountTransport::Tcp => Transport::Tcp,
        AccountTransport::Tls => Transport::Tls,
        AccountTransport::Wss => Transport::Wss,
    }
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
            .map_err(|e| PhoneError::Network(e.text()))?;
        let needs_tls = allowed
            .iter()
            .any(|t| matches!(t, Transport::Tls | Transport::Wss));
        let ca = tls_ca.or_else(|| c.tls_ca.clone().map(PathBuf::from));
        let tls = if needs_tls {
            Some(client_config(ca.as_deref()).map_err(|e| PhoneError::Refused(e.text()))?)
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

    /// What the account plays to the other party when an outgoing call is answered (found in
    /// the workspace by the caller, who knows where its audio is).
    pub fn set_prompts(&mut self, name: &str, prompts: AccountPrompts) {
        self.prompts.insert(name.to_owned(), prompts);
    }

    /// The account's voicemail greeting, when it routes unanswered calls to voicemail.
    pub fn voicemail_greeting(&self, name: &str) -> Option<AudioRef> {
        self.prompts.get(name)?.voicemail.clone()
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
    pub(super) async fn connect_and_register(&mut self, name: &str) -> Result<(), PhoneError> {
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
                        return Err(PhoneError::Refused(Text::new("phone-account-removed")));
                    };
                    let adv = &line.account.advanced;
                    if adv.allowed_ips_enabled && !is_allowed(&adv.allowed_ips, conn.local.ip()) {
                        self.driver.close(conn.flow);
                        return Err(PhoneError::Refused(
                            Text::new("phone-ip-not-allowed").arg("address", conn.local.ip()),
                        ));
                    }
                    info!(account = %line.account.id, transport = %conn.flow.transport, "connected");
                    debug!(account = %line.account.id, flow = %conn.flow, "the connection");
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
        Err(PhoneError::Network(
            Text::new("phone-no-server").arg("reasons", errors.join("; ")),
        ))
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

    pub(super) async fn reconnect_due(&mut self) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_uuid_urns() {
        assert_eq!(
            instance_id("0ca483d9861250e2d7fb66140e1b0f05"),
            "urn:uuid:0ca483d9-8612-50e2-d7fb-66140e1b0f05"
        );
    }
}
