//! HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760): MD5 and SHA-256,
//! with and without `-sess`, `qop=auth` (with nc/cnonce) or no qop, 401 and 407 challenges,
//! `stale=true` handled by the caller (retry without asking for new credentials).

use md5::{Digest as _, Md5};
use sha2::Sha256;

/// A digest algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    fn parse(s: &str) -> Option<Algorithm> {
        match s.to_ascii_uppercase().as_str() {
            "MD5" => Some(Algorithm::Md5),
            "MD5-SESS" => Some(Algorithm::Md5Sess),
            "SHA-256" => Some(Algorithm::Sha256),
            "SHA-256-SESS" => Some(Algorithm::Sha256Sess),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn strength(self) -> u8 {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
            Algorithm::Sha256 | Algorithm::Sha256Sess => 2,
        }
    }

    fn hash(self, data: &str) -> String {
        let bytes: Vec<u8> = match self {
            Algorithm::Md5 | Algorithm::Md5Sess => Md5::digest(data.as_bytes()).to_vec(),
            Algorithm::Sha256 | Algorithm::Sha256Sess => Sha256::digest(data.as_bytes()).to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }
}

/// A Digest challenge from `WWW-Authenticate` (401) or `Proxy-Authenticate` (407).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// Whether the server offers `qop=auth` (we never use auth-int).
    pub qop_auth: bool,
    pub stale: bool,
    /// From a 407 (answer with `Proxy-Authorization`).
    pub proxy: bool,
}

/// Splits `k=v, k="v, with comma"` auth-params.
fn auth_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(r) = rest.strip_prefix('"') {
            let mut end = None;
            let mut escaped = false;
            for (i, c) in r.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let Some(end) = end else { break };
            value = r[..end].replace("\\\"", "\"");
            rest = r[end + 1..].trim_start();
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        rest = rest.trim_start_matches([',', ' ', '\t']);
        out.push((key, value));
    }
    out
}

impl Challenge {
    /// Parses one header value; `None` when it is not a usable Digest challenge.
    pub fn parse(value: &str, proxy: bool) -> Option<Challenge> {
        let (scheme, params) = value.trim().split_once(char::is_whitespace)?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return None;
        }
        let params = auth_params(params);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let algorithm = match get("algorithm") {
            None => Algorithm::Md5,
            Some(a) => Algorithm::parse(&a)?,
        };
        let qop = get("qop");
        let qop_auth = qop
            .as_deref()
            .is_some_and(|q| q.split(',').any(|x| x.trim().eq_ignore_ascii_case("auth")));
        if qop.is_some() && !qop_auth {
            return None; // auth-int only: not supported
        }
        Some(Challenge {
            realm: get("realm")?,
            nonce: get("nonce")?,
            opaque: get("opaque"),
            algorithm,
            qop_auth,
            stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
            proxy,
        })
    }

    /// The strongest usable challenge among the values (RFC 8760: prefer SHA-256 over MD5).
    pub fn best<'a>(values: impl IntoIterator<Item = &'a String>, proxy: bool) -> Option<Challenge> {
        values
            .into_iter()
            .filter_map(|v| Challenge::parse(v, proxy))
            .max_by_key(|c| c.algorithm.strength())
    }
}

/// The `Authorization` / `Proxy-Authorization` header for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
}

/// Computes the header name and value answering `challenge` for `method uri`.
/// `nc` is the nonce count (1 for a fresh nonce), `cnonce` a random client nonce.
pub fn authorization(
    challenge: &Challenge,
    creds: &Credentials,
    method: &str,
    uri: &str,
    nc: u32,
    cnonce: &str,
) -> (&'static str, String) {
    let alg = challenge.algorithm;
    let mut ha1 = alg.hash(&format!(
        "{}:{}:{}",
        creds.username, challenge.realm, creds.password
    ));
    if alg.is_sess() {
        ha1 = alg.hash(&format!("{ha1}:{}:{cnonce}", challenge.nonce));
    }
    let ha2 = alg.hash(&format!("{method}:{uri}"));
    let nc_text = format!("{nc:08x}");
    let response = if challenge.qop_auth {
        alg.hash(&format!(
            "{ha1}:{}:{nc_text}:{cnonce}:auth:{ha2}",
            challenge.nonce
        ))
    } else {
        alg.hash(&format!("{ha1}:{}:{ha2}", challenge.nonce))
    };
    let mut value = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{response}\", algorithm={}",
        creds.username,
        challenge.realm,
        challenge.nonce,
        alg.name()
    );
    if challenge.qop_auth || alg.is_sess() {
        value.push_str(&format!(", cnonce=\"{cnonce}\""));
    }
    if challenge.qop_auth {
        value.push_str(&format!(", qop=auth, nc={nc_text}"));
    }
    if let Some(o) = &challenge.opaque {
        value.push_str(&format!(", opaque=\"{o}\""));
    }
    let name = if challenge.proxy {
        "Proxy-Authorization"
    } else {
        "Authorization"
    };
    (name, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_2617_md5_example() {
        // RFC 2617 §3.5 (HTTP, but the computation is the same).
        let c = Challenge::parse(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
            false,
        )
        .unwrap();
        let (name, v) = authorization(
            &c,
            &Credentials {
                username: "Mufasa",
                password: "Circle Of Life",
            },
            "GET",
            "/dir/index.html",
            1,
            "0a4f113b",
        );
        assert_eq!(name, "Authorization");
        assert!(v.contains("response=\"6629fae49393a05397450978507c4ef1\""), "{v}");
        assert!(v.contains("nc=00000001") && v.contains("qop=auth"));
    }

    #[test]
    fn rfc_7616_sha256_example() {
        // RFC 7616 §3.9.1.
        let c = Challenge::parse(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
            false,
        )
        .unwrap();
        assert_eq!(c.algorithm, Algorithm::Sha256);
        let (_, v) = authorization(
            &c,
            &Credentials {
                username: "Mufasa",
                password: "Circle of Life",
            },
            "GET",
            "/dir/index.html",
            1,
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        );
        assert!(
            v.contains("response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""),
            "{v}"
        );
    }

    #[test]
    fn no_qop_and_best_choice() {
        let md5 = "Digest realm=\"r\", nonce=\"n\"".to_owned();
        let sha = "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, stale=TRUE".to_owned();
        let best = Challenge::best([&md5, &sha], true).unwrap();
        assert_eq!(best.algorithm, Algorithm::Sha256);
        assert!(best.stale && best.proxy);
        let c = Challenge::parse(&md5, false).unwrap();
        let (_, v) = authorization(
            &c,
            &Credentials {
                username: "u",
                password: "p",
            },
            "REGISTER",
            "sip:r",
            1,
            "c",
        );
        // H(H(u:r:p):n:H(REGISTER:sip:r)) with MD5.
        let ha1 = Algorithm::Md5.hash("u:r:p");
        let ha2 = Algorithm::Md5.hash("REGISTER:sip:r");
        assert!(v.contains(&Algorithm::Md5.hash(&format!("{ha1}:n:{ha2}"))));
        assert!(!v.contains("qop") && !v.contains("cnonce"));
        assert!(Challenge::parse("Basic realm=\"x\"", false).is_none());
        assert!(Challenge::parse("Digest realm=\"x\", nonce=\"y\", qop=\"auth-int\"", false).is_none());
        assert!(Challenge::parse("Digest realm=\"x\", nonce=\"y\", algorithm=SHA-512-256", false).is_none());
    }
}
