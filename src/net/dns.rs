//! Locating SIP servers (RFC 3263, RFC 7118): NAPTR → SRV → A/AAAA with hickory-resolver,
//! restricted to the account's transports in its order of preference. An IP literal or an
//! explicit port skips NAPTR/SRV as the RFC says.

use std::net::{IpAddr, SocketAddr};

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};

use crate::engine::Transport;
use crate::text::Text;

/// A server to try, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub transport: Transport,
    pub addr: SocketAddr,
}

/// The transport's default port (RFC 3261 §19.1.2, RFC 7118).
pub fn default_port(t: Transport) -> u16 {
    match t {
        Transport::Udp | Transport::Tcp => 5060,
        Transport::Tls => 5061,
        Transport::Ws => 80,
        Transport::Wss => 443,
    }
}

/// NAPTR service field of a transport.
pub fn naptr_service(t: Transport) -> &'static str {
    match t {
        Transport::Udp => "SIP+D2U",
        Transport::Tcp => "SIP+D2T",
        Transport::Tls => "SIPS+D2T",
        Transport::Ws => "SIP+D2W",
        Transport::Wss => "SIPS+D2W",
    }
}

/// SRV owner-name prefix of a transport.
pub fn srv_prefix(t: Transport) -> &'static str {
    match t {
        Transport::Udp => "_sip._udp",
        Transport::Tcp => "_sip._tcp",
        Transport::Tls => "_sips._tcp",
        Transport::Ws => "_sip._ws",
        Transport::Wss => "_sips._ws",
    }
}

/// A DNS failure, said plainly.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.text())]
pub struct DnsError {
    pub host: String,
    pub reason: String,
}

impl DnsError {
    pub fn text(&self) -> Text {
        Text::new("net-dns-failed")
            .arg("host", &self.host)
            .arg("reason", &self.reason)
    }
}

/// One NAPTR record as far as SIP cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naptr {
    pub order: u16,
    pub preference: u16,
    pub service: String,
    pub replacement: String,
}

/// Orders NAPTR records (RFC 3403) and keeps those for `allowed` transports, with the
/// account's preference breaking ties the records leave open.
pub fn select_naptr(records: &[Naptr], allowed: &[Transport]) -> Vec<(Transport, String)> {
    let mut usable: Vec<(u16, u16, usize, Transport, String)> = records
        .iter()
        .filter_map(|r| {
            let (i, t) = allowed
                .iter()
                .enumerate()
                .find(|(_, t)| naptr_service(**t).eq_ignore_ascii_case(&r.service))?;
            Some((r.order, r.preference, i, *t, r.replacement.clone()))
        })
        .collect();
    usable.sort_by_key(|(o, p, i, _, _)| (*o, *p, *i));
    usable.into_iter().map(|(_, _, _, t, r)| (t, r)).collect()
}

/// What to try for a host without DNS: an IP literal (or any host with an explicit port).
pub fn literal_candidates(ip: IpAddr, port: Option<u16>, allowed: &[Transport]) -> Vec<Candidate> {
    allowed
        .iter()
        .map(|t| Candidate {
            transport: *t,
            addr: SocketAddr::new(ip, port.unwrap_or_else(|| default_port(*t))),
        })
        .collect()
}

/// The system resolver, or the name server in `HANDSET_DNS_SERVER` (`ip:port`; for private
/// DNS setups and tests).
fn resolver() -> Result<TokioResolver, String> {
    if let Ok(server) = std::env::var("HANDSET_DNS_SERVER") {
        let addr: SocketAddr = server
            .parse()
            .map_err(|_| format!("HANDSET_DNS_SERVER=`{server}` is not ip:port"))?;
        let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
        for c in &mut ns.connections {
            c.port = addr.port();
        }
        let config = ResolverConfig::from_name_servers(vec![ns]);
        return TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .build()
            .map_err(|e| e.to_string());
    }
    TokioResolver::builder_tokio()
        .map_err(|e| e.to_string())?
        .build()
        .map_err(|e| e.to_string())
}

/// Resolves `host[:port]` to candidates for the allowed transports (RFC 3263 §4).
pub async fn resolve(
    host: &str,
    port: Option<u16>,
    allowed: &[Transport],
) -> Result<Vec<Candidate>, DnsError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(literal_candidates(ip, port, allowed));
    }
    let err = |reason: String| DnsError {
        host: host.to_owned(),
        reason,
    };
    let resolver = resolver().map_err(err)?;
    let mut out = Vec::new();
    if port.is_none() {
        // NAPTR, then the SRV names they point to.
        let mut srv_names: Vec<(Transport, String)> = Vec::new();
        if let Ok(lookup) = resolver.lookup(bare, RecordType::NAPTR).await {
            let records: Vec<Naptr> = lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::NAPTR(n) => Some(Naptr {
                        order: n.order,
                        preference: n.preference,
                        service: String::from_utf8_lossy(&n.services).into_owned(),
                        replacement: n.replacement.to_string(),
                    }),
                    _ => None,
                })
                .collect();
            srv_names = select_naptr(&records, allowed);
        }
        if srv_names.is_empty() {
            srv_names = allowed
                .iter()
                .map(|t| (*t, format!("{}.{bare}.", srv_prefix(*t))))
                .collect();
        }
        for (t, name) in srv_names {
            let Ok(lookup) = resolver.lookup(name.as_str(), RecordType::SRV).await else {
                continue;
            };
            let mut srvs: Vec<(u16, u16, u16, String)> = lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::SRV(s) => Some((s.priority, u16::MAX - s.weight, s.port, s.target.to_string())),
                    _ => None,
                })
                .collect();
            srvs.sort();
            for (_, _, p, target) in srvs {
                if let Ok(ips) = resolver.lookup_ip(target.as_str()).await {
                    out.extend(ips.iter().map(|ip| Candidate {
                        transport: t,
                        addr: SocketAddr::new(ip, p),
                    }));
                }
            }
        }
        if !out.is_empty() {
            return Ok(out);
        }
    }
    let ips = resolver.lookup_ip(bare).await.map_err(|e| err(e.to_string()))?;
    for t in allowed {
        out.extend(ips.iter().map(|ip| Candidate {
            transport: *t,
            addr: SocketAddr::new(ip, port.unwrap_or_else(|| default_port(*t))),
        }));
    }
    if out.is_empty() {
        return Err(err("no address found".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naptr_order_and_allowed_transports() {
        let recs = vec![
            Naptr {
                order: 20,
                preference: 10,
                service: "SIP+D2U".into(),
                replacement: "_sip._udp.example.com.".into(),
            },
            Naptr {
                order: 10,
                preference: 10,
                service: "SIPS+D2T".into(),
                replacement: "_sips._tcp.example.com.".into(),
            },
            Naptr {
                order: 10,
                preference: 20,
                service: "SIP+D2T".into(),
                replacement: "_sip._tcp.example.com.".into(),
            },
        ];
        let picked = select_naptr(&recs, &[Transport::Udp, Transport::Tcp]);
        assert_eq!(
            picked,
            [
                (Transport::Tcp, "_sip._tcp.example.com.".to_owned()),
                (Transport::Udp, "_sip._udp.example.com.".to_owned())
            ],
            "TLS is not allowed; order before preference"
        );
    }

    #[test]
    fn literals_use_default_ports_per_transport() {
        let c = literal_candidates(
            "127.0.0.1".parse().unwrap(),
            None,
            &[Transport::Tls, Transport::Udp],
        );
        assert_eq!(c[0].addr.port(), 5061);
        assert_eq!(c[1].addr.port(), 5060);
        let c = literal_candidates("::1".parse().unwrap(), Some(7000), &[Transport::Wss]);
        assert_eq!(c[0].addr, "[::1]:7000".parse::<SocketAddr>().unwrap());
    }

    #[tokio::test]
    async fn ip_literals_need_no_dns() {
        let c = resolve("[::1]", Some(5070), &[Transport::Tcp]).await.unwrap();
        assert_eq!(
            c,
            [Candidate {
                transport: Transport::Tcp,
                addr: "[::1]:5070".parse().unwrap()
            }]
        );
    }
}
