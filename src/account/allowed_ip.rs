//! Allowed IPs: IPv4 and IPv6 addresses and CIDR ranges, typed space-separated.
//!
//! Entries are normalised: a range keeps only its network bits (`10.1.2.3/8` → `10.0.0.0/8`),
//! a full-length prefix becomes a plain address (`192.0.2.1/32` → `192.0.2.1`), IPv6 is written
//! in its RFC 5952 form, and duplicates are removed (first occurrence kept).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An address or a CIDR range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// The network address (host bits cleared).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length (32 or 128 for a single address).
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    fn max_prefix(addr: &IpAddr) -> u8 {
        if addr.is_ipv4() { 32 } else { 128 }
    }

    fn new(addr: IpAddr, prefix: u8) -> IpNet {
        let addr = match addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
            }
        };
        IpNet { addr, prefix }
    }

    /// Whether `ip` lies in this address or range. An IPv4-mapped IPv6 address matches IPv4 ranges.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        IpNet::new(ip, self.prefix).addr == self.addr
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == IpNet::max_prefix(&self.addr) {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr_text, prefix_text) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr_text.parse().map_err(|_| {
            if addr_text.contains(':') {
                format!("`{s}` is not an IPv6 address or range")
            } else {
                format!("`{s}` is not an IPv4 address or range (expected e.g. 192.0.2.10 or 192.0.2.0/24)")
            }
        })?;
        let max = IpNet::max_prefix(&addr);
        let prefix = match prefix_text {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max && !p.starts_with('+') => n,
                _ => return Err(format!("`{s}` has a bad prefix length: use /0 to /{max}")),
            },
        };
        Ok(IpNet::new(addr, prefix))
    }
}

impl Serialize for IpNet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpNet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses space-separated entries (commas are accepted too). Returns the normalised,
/// de-duplicated list, or every bad entry with the reason.
pub fn parse_allowed_ips(text: &str) -> Result<Vec<IpNet>, Vec<String>> {
    let mut nets = Vec::new();
    let mut bad = Vec::new();
    for token in text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        match token.parse::<IpNet>() {
            Ok(net) if !nets.contains(&net) => nets.push(net),
            Ok(_) => {}
            Err(e) => bad.push(e),
        }
    }
    if bad.is_empty() { Ok(nets) } else { Err(bad) }
}

/// Whether `ip` is in any of the entries.
pub fn is_allowed(list: &[IpNet], ip: IpAddr) -> bool {
    list.iter().any(|net| net.contains(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        s.parse::<IpNet>().unwrap().to_string()
    }

    #[test]
    fn ipv4_addresses_and_ranges() {
        assert_eq!(norm("192.0.2.10"), "192.0.2.10");
        assert_eq!(norm("192.0.2.10/32"), "192.0.2.10");
        assert_eq!(norm("192.0.2.10/24"), "192.0.2.0/24");
        assert_eq!(norm("10.1.2.3/8"), "10.0.0.0/8");
        assert_eq!(norm("0.0.0.0/0"), "0.0.0.0/0");
    }

    #[test]
    fn ipv6_addresses_and_ranges() {
        assert_eq!(norm("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
        assert_eq!(norm("2001:db8::1/128"), "2001:db8::1");
        assert_eq!(norm("2001:db8:abcd:12::7/48"), "2001:db8:abcd::/48");
        assert_eq!(norm("::/0"), "::/0");
        assert_eq!(norm("::1"), "::1");
    }

    #[test]
    fn bad_input_is_named() {
        for (input, needle) in [
            ("10.0.0.300", "IPv4"),
            ("10.0.0", "IPv4"),
            ("example.com", "IPv4"),
            ("10.0.0.0/33", "/0 to /32"),
            ("10.0.0.0/-1", "prefix"),
            ("10.0.0.0/+8", "prefix"),
            ("10.0.0.0/", "prefix"),
            ("2001:db8::1/129", "/0 to /128"),
            ("2001:db8:::1", "IPv6"),
            ("fe80::1%eth0", "IPv6"),
        ] {
            let err = input.parse::<IpNet>().unwrap_err();
            assert!(err.contains(input), "{err} should name {input}");
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
    }

    #[test]
    fn list_is_space_separated_normalised_and_deduplicated() {
        let list =
            parse_allowed_ips("  192.0.2.1 10.0.0.0/8\t2001:db8::/32 192.0.2.1/32 10.9.9.9/8 ").unwrap();
        let shown: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["192.0.2.1", "10.0.0.0/8", "2001:db8::/32"]);
        assert_eq!(parse_allowed_ips("").unwrap(), Vec::new());
    }

    #[test]
    fn list_reports_every_bad_entry() {
        let bad = parse_allowed_ips("192.0.2.1 nope 10.0.0.0/40 ::1").unwrap_err();
        assert_eq!(bad.len(), 2);
        assert!(bad[0].contains("nope"));
        assert!(bad[1].contains("10.0.0.0/40"));
    }

    #[test]
    fn membership() {
        let list = parse_allowed_ips("10.0.0.0/8 2001:db8::/32 192.0.2.7").unwrap();
        assert!(is_allowed(&list, "10.200.1.1".parse().unwrap()));
        assert!(is_allowed(&list, "192.0.2.7".parse().unwrap()));
        assert!(is_allowed(&list, "::ffff:10.1.1.1".parse().unwrap()));
        assert!(is_allowed(&list, "2001:db8:1::5".parse().unwrap()));
        assert!(!is_allowed(&list, "192.0.2.8".parse().unwrap()));
        assert!(!is_allowed(&list, "11.0.0.1".parse().unwrap()));
        assert!(!is_allowed(&list, "2001:db9::1".parse().unwrap()));
    }
}
