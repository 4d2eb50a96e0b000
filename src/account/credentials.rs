//! Generated credentials and the credentials view (what an admin sees and copies).

use serde::Serialize;

use super::model::{SipAccount, Transport};
use super::secrets::Secret;
use super::store::fill_random;

/// Characters of generated passwords: letters, digits and marks that need no escaping in SIP
/// URIs, digest headers, CSV or shells' double quotes.
const PASSWORD_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.~!*";

/// Length of generated passwords (≈ 140 bits of entropy).
pub const PASSWORD_LEN: usize = 24;

/// A strong random password from the OS random generator (unbiased: rejection sampling).
pub fn generate_password() -> Secret {
    let n = PASSWORD_ALPHABET.len();
    let limit = 256 - (256 % n);
    let mut out = String::with_capacity(PASSWORD_LEN);
    let mut buf = [0u8; 64];
    while out.len() < PASSWORD_LEN {
        fill_random(&mut buf);
        for &b in &buf {
            if (b as usize) < limit && out.len() < PASSWORD_LEN {
                out.push(PASSWORD_ALPHABET[b as usize % n] as char);
            }
        }
    }
    buf.fill(0);
    Secret::new(out)
}

/// A SIP username made from `base` (the user's or the account's name): lower-case ASCII
/// letters and digits joined by dots, unique among `taken` (a number is appended if needed).
pub fn generate_username(base: &str, taken: &[&str]) -> String {
    let mut slug = String::new();
    for c in base.chars().flat_map(fold_to_ascii) {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('.') {
            slug.push('.');
        }
    }
    let mut slug: String = slug.trim_end_matches('.').chars().take(40).collect();
    if slug.is_empty() {
        slug = "sip".into();
    }
    let free = |s: &str| !taken.iter().any(|t| t.eq_ignore_ascii_case(s));
    if free(&slug) {
        return slug;
    }
    (2..)
        .map(|n| format!("{slug}{n}"))
        .find(|s| free(s))
        .unwrap_or(slug)
}

/// Folds common Latin letters with diacritics to ASCII so `Zoë Müller` becomes `zoe.muller`.
fn fold_to_ascii(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'à'..='å' | 'À'..='Å' => "a",
        'ç' | 'Ç' => "c",
        'è'..='ë' | 'È'..='Ë' => "e",
        'ì'..='ï' | 'Ì'..='Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò'..='ö' | 'ø' | 'Ò'..='Ö' | 'Ø' => "o",
        'ù'..='ü' | 'Ù'..='Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        _ => "",
    };
    let own = if folded.is_empty() { Some(c) } else { None };
    folded.chars().chain(own)
}

/// The credentials of an account as shown in its editor and copied to the clipboard.
#[derive(Clone, Debug, Serialize)]
pub struct CredentialsView {
    pub username: String,
    #[serde(serialize_with = "expose")]
    pub password: Option<Secret>,
    pub domain: String,
    pub port: Option<u16>,
    pub outbound_proxy: Option<String>,
    pub transports: Vec<Transport>,
}

fn expose<S: serde::Serializer>(s: &Option<Secret>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(s) => ser.serialize_some(s.expose()),
        None => ser.serialize_none(),
    }
}

impl CredentialsView {
    pub fn new(account: &SipAccount, password: Option<Secret>) -> CredentialsView {
        let c = &account.credentials;
        CredentialsView {
            username: c.username.clone(),
            password,
            domain: c.domain.clone(),
            port: c.port,
            outbound_proxy: c.outbound_proxy.clone(),
            transports: account.advanced.transports.clone(),
        }
    }

    /// The address of record, e.g. `sip:ann@sip.example.com` (`sips:` when TLS is the first transport).
    pub fn sip_uri(&self) -> String {
        let scheme = match self.transports.first() {
            Some(Transport::Tls) => "sips",
            _ => "sip",
        };
        let host = if self.domain.contains(':') && !self.domain.starts_with('[') {
            format!("[{}]", self.domain)
        } else {
            self.domain.clone()
        };
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("{scheme}:{}@{host}{port}", self.username)
    }

    /// The "copy all" block: every field a softphone or desk phone needs, one per line.
    pub fn copy_all_text(&self) -> String {
        let mut lines = vec![
            format!("SIP URI: {}", self.sip_uri()),
            format!("Username: {}", self.username),
            format!(
                "Password: {}",
                self.password
                    .as_ref()
                    .map(Secret::expose)
                    .unwrap_or("(not in the keyring)")
            ),
            format!("Domain: {}", self.domain),
        ];
        if let Some(port) = self.port {
            lines.push(format!("Port: {port}"));
        }
        if let Some(proxy) = &self.outbound_proxy {
            lines.push(format!("Outbound proxy: {proxy}"));
        }
        let transports: Vec<&str> = self.transports.iter().map(|t| t.as_str()).collect();
        lines.push(format!("Transports: {}", transports.join(", ")));
        lines.join("\n") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_random_and_sip_safe() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.expose().len(), PASSWORD_LEN);
        assert_ne!(a, b);
        assert!(a.expose().bytes().all(|c| PASSWORD_ALPHABET.contains(&c)));
        // Over many draws every class of character turns up.
        let many: String = (0..50).map(|_| generate_password().expose().to_owned()).collect();
        assert!(many.bytes().any(|c| c.is_ascii_uppercase()));
        assert!(many.bytes().any(|c| c.is_ascii_digit()));
        assert!(many.bytes().any(|c| !c.is_ascii_alphanumeric()));
    }

    #[test]
    fn usernames_come_from_names_and_are_unique() {
        assert_eq!(generate_username("Ann Smith", &[]), "ann.smith");
        assert_eq!(
            generate_username("Zoë Müller-Lüdenscheidt", &[]),
            "zoe.muller.ludenscheidt"
        );
        assert_eq!(generate_username("  ", &[]), "sip");
        assert_eq!(generate_username("Ann", &["ann", "ann2"]), "ann3");
        assert!(generate_username(&"x".repeat(100), &[]).len() <= 40);
    }

    #[test]
    fn sip_uri_and_copy_block() {
        let mut a = SipAccount::default();
        a.credentials.username = "ann".into();
        a.credentials.domain = "2001:db8::1".into();
        a.credentials.port = Some(5080);
        a.advanced.transports = vec![Transport::Tls];
        let v = CredentialsView::new(&a, Some(Secret::new("pw")));
        assert_eq!(v.sip_uri(), "sips:ann@[2001:db8::1]:5080");
        let text = v.copy_all_text();
        assert!(text.contains("Password: pw\n") && text.contains("Transports: TLS"));
        assert!(!format!("{v:?}").contains("pw\""));
    }
}
