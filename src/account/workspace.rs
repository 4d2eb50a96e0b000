//! The workspace: catalogues that SIP accounts refer to, and the encryption switch.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::model::{SipAccount, Unavailable};
use crate::text::Text;

/// A person an account can be assigned to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A phone number of the workspace (E.164); the only valid External Caller IDs and DIDs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber {
    pub number: String,
    #[serde(default)]
    pub label: String,
}

/// An internal number (extension): inbound routing target and Internal Caller ID.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalNumber {
    pub extension: String,
    #[serde(default)]
    pub label: String,
}

/// A custom audio recording (announcement or voicemail greeting) decoded on upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioItem {
    pub name: String,
    /// File name of the decoded WAV under the profile's audio folder.
    pub file: String,
    /// Duration in milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
}

/// Where call recordings are sent after each call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMethod {
    pub name: String,
    #[serde(flatten)]
    pub target: DeliveryTarget,
}

/// The kind of delivery and its target. Passwords and tokens live in the keyring.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DeliveryTarget {
    Email {
        address: String,
        /// The outgoing mail server the recordings are sent through (empty: none set yet, the
        /// recordings wait in the outbox).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        server: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
        #[serde(default)]
        security: MailSecurity,
        /// The mail server's login (its password lives in the keyring); none when empty.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        username: String,
    },
    Dropbox {
        folder: String,
        /// The OAuth client ID of the app registered with the service that Handset signs in
        /// as (empty: the one Handset was built with, if any).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        client_id: String,
    },
    Ftp {
        host: String,
        #[serde(default)]
        port: Option<u16>,
        #[serde(default)]
        path: String,
        #[serde(default)]
        username: String,
        /// FTPS: explicit TLS (`AUTH TLS`) for the login and the data.
        #[serde(default)]
        tls: bool,
    },
    Sftp {
        host: String,
        #[serde(default)]
        port: Option<u16>,
        #[serde(default)]
        path: String,
        #[serde(default)]
        username: String,
        /// A private key file to log in with (the keyring then holds its passphrase, if any)
        /// instead of a password.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_file: Option<PathBuf>,
    },
    GoogleDrive {
        folder: String,
        /// The OAuth client ID of the app registered with the service that Handset signs in
        /// as (empty: the one Handset was built with, if any).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        client_id: String,
    },
    OneDrive {
        folder: String,
        /// The OAuth client ID of the app registered with the service that Handset signs in
        /// as (empty: the one Handset was built with, if any).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        client_id: String,
    },
}

/// How an Email delivery method reaches its outgoing mail server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    /// STARTTLS on the submission port (587).
    #[default]
    Starttls,
    /// TLS from the start (port 465).
    Tls,
    /// No encryption (port 25).
    None,
}

impl MailSecurity {
    pub const ALL: [MailSecurity; 3] = [MailSecurity::Starttls, MailSecurity::Tls, MailSecurity::None];
}

impl fmt::Display for MailSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MailSecurity::Starttls => "STARTTLS",
            MailSecurity::Tls => "TLS",
            MailSecurity::None => "none",
        })
    }
}

impl DeliveryTarget {
    /// Email to `address`, without a mail server yet.
    pub fn email(address: impl Into<String>) -> DeliveryTarget {
        DeliveryTarget::Email {
            address: address.into(),
            server: String::new(),
            port: None,
            security: MailSecurity::default(),
            username: String::new(),
        }
    }

    /// The kind's name as typed on the command line.
    pub fn kind(&self) -> &'static str {
        match self {
            DeliveryTarget::Email { .. } => "email",
            DeliveryTarget::Dropbox { .. } => "dropbox",
            DeliveryTarget::Ftp { .. } => "ftp",
            DeliveryTarget::Sftp { .. } => "sftp",
            DeliveryTarget::GoogleDrive { .. } => "google-drive",
            DeliveryTarget::OneDrive { .. } => "one-drive",
        }
    }
}

impl fmt::Display for DeliveryTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliveryTarget::Email {
                address,
                server,
                port,
                security,
                ..
            } => {
                write!(f, "email to {address}")?;
                if !server.is_empty() {
                    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                    write!(f, " via {server}{port} ({security})")?;
                }
                Ok(())
            }
            DeliveryTarget::Dropbox { folder, .. } => write!(f, "Dropbox folder {folder}"),
            DeliveryTarget::GoogleDrive { folder, .. } => write!(f, "Google Drive folder {folder}"),
            DeliveryTarget::OneDrive { folder, .. } => write!(f, "OneDrive folder {folder}"),
            DeliveryTarget::Ftp {
                host,
                port,
                path,
                username,
                ..
            }
            | DeliveryTarget::Sftp {
                host,
                port,
                path,
                username,
                ..
            } => {
                let scheme = self.kind();
                let user = if username.is_empty() {
                    String::new()
                } else {
                    format!("{username}@")
                };
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                write!(
                    f,
                    "{scheme}://{user}{host}{port}/{}",
                    path.trim_start_matches('/')
                )?;
                match self {
                    DeliveryTarget::Ftp { tls: true, .. } => f.write_str(" (TLS)"),
                    DeliveryTarget::Sftp {
                        key_file: Some(key), ..
                    } => write!(f, " (key {})", key.display()),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// Built-in announcements shipped in `assets/announcements/` (name, file).
pub const BUILTIN_ANNOUNCEMENTS: &[(&str, &str)] = &[
    ("Welcome", "welcome.wav"),
    ("Call Recorded", "call-recorded.wav"),
    ("Please Hold", "please-hold.wav"),
];

/// Built-in voicemail greetings shipped in `assets/greetings/` (name, file).
pub const BUILTIN_GREETINGS: &[(&str, &str)] = &[("Standard Greeting", "standard.wav")];

/// The workspace catalogues.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Workspace {
    pub users: Vec<User>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub internal_numbers: Vec<InternalNumber>,
    /// Custom announcements (the built-in ones are always available).
    pub announcements: Vec<AudioItem>,
    /// Custom voicemail greetings (the built-in ones are always available).
    pub greetings: Vec<AudioItem>,
    pub delivery_methods: Vec<DeliveryMethod>,
    /// Until on, SRTP-SDES, SRTP-DTLS, TLS and WSS cannot be selected.
    pub encryption_enabled: bool,
}

/// The kinds of catalogue item, for messages and usage checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    User,
    PhoneNumber,
    InternalNumber,
    Announcement,
    Greeting,
    DeliveryMethod,
}

impl ItemKind {
    /// The kind's id in messages (`$kind` of the `item-…` messages in `i18n/`).
    pub fn id(self) -> &'static str {
        match self {
            ItemKind::User => "user",
            ItemKind::PhoneNumber => "phone-number",
            ItemKind::InternalNumber => "internal-number",
            ItemKind::Announcement => "announcement",
            ItemKind::Greeting => "greeting",
            ItemKind::DeliveryMethod => "delivery-method",
        }
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemKind::User => "user",
            ItemKind::PhoneNumber => "phone number",
            ItemKind::InternalNumber => "internal number",
            ItemKind::Announcement => "announcement",
            ItemKind::Greeting => "voicemail greeting",
            ItemKind::DeliveryMethod => "delivery method",
        })
    }
}

impl Workspace {
    pub fn has_user(&self, name: &str) -> bool {
        self.users.iter().any(|u| u.name == name)
    }

    pub fn has_phone_number(&self, number: &str) -> bool {
        self.phone_numbers.iter().any(|n| n.number == number)
    }

    pub fn has_extension(&self, extension: &str) -> bool {
        self.internal_numbers.iter().any(|n| n.extension == extension)
    }

    pub fn has_announcement(&self, name: &str) -> bool {
        BUILTIN_ANNOUNCEMENTS.iter().any(|(n, _)| *n == name)
            || self.announcements.iter().any(|a| a.name == name)
    }

    pub fn has_greeting(&self, name: &str) -> bool {
        BUILTIN_GREETINGS.iter().any(|(n, _)| *n == name) || self.greetings.iter().any(|g| g.name == name)
    }

    pub fn has_delivery_method(&self, name: &str) -> bool {
        self.delivery_methods.iter().any(|d| d.name == name)
    }

    /// Whether an item of `kind` named `key` exists (built-in items included).
    pub fn contains(&self, kind: ItemKind, key: &str) -> bool {
        match kind {
            ItemKind::User => self.has_user(key),
            ItemKind::PhoneNumber => self.has_phone_number(key),
            ItemKind::InternalNumber => self.has_extension(key),
            ItemKind::Announcement => self.has_announcement(key),
            ItemKind::Greeting => self.has_greeting(key),
            ItemKind::DeliveryMethod => self.has_delivery_method(key),
        }
    }
}

/// Whether `account` refers to the item `key` of `kind`.
pub fn account_uses(account: &SipAccount, kind: ItemKind, key: &str) -> bool {
    let is = |v: &Option<String>| v.as_deref() == Some(key);
    let has = |v: &[String]| v.iter().any(|x| x == key);
    match kind {
        ItemKind::User => is(&account.general.user),
        ItemKind::PhoneNumber => {
            has(&account.inbound.did_numbers) || is(&account.outbound.external_caller_id)
        }
        ItemKind::InternalNumber => {
            has(&account.inbound.internal_numbers) || has(&account.outbound.internal_caller_ids)
        }
        ItemKind::Announcement => {
            is(&account.outbound.internal_announcement) || is(&account.outbound.external_announcement)
        }
        ItemKind::Greeting => matches!(
            &account.inbound.when_unavailable,
            Unavailable::RouteToVoicemail { greeting } if is(greeting)
        ),
        ItemKind::DeliveryMethod => is(&account.recording.delivery_method),
    }
}

/// Names of the accounts that refer to the item (a delete is refused while this is non-empty).
pub fn accounts_using(accounts: &[SipAccount], kind: ItemKind, key: &str) -> Vec<String> {
    accounts
        .iter()
        .filter(|a| account_uses(a, kind, key))
        .map(|a| a.name.clone())
        .collect()
}

/// Checks an E.164 number: `+`, a non-zero country digit, 8 to 15 digits in all.
pub fn check_e164(number: &str) -> Result<(), Text> {
    let digits = number
        .strip_prefix('+')
        .ok_or_else(|| Text::new("item-number-no-plus").arg("number", number))?;
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(Text::new("item-number-invalid").arg("number", number))
    }
}

/// Checks an extension: 2 to 8 digits.
pub fn check_extension(extension: &str) -> Result<(), Text> {
    if (2..=8).contains(&extension.len()) && extension.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Text::new("item-extension-invalid").arg("extension", extension))
    }
}

/// Checks a catalogue item or account name: 1–64 characters, no control characters,
/// no leading or trailing spaces.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("{what} is empty: type a name"));
    }
    if name.trim() != name {
        return Err(format!("{what} `{name}` starts or ends with spaces: remove them"));
    }
    if name.chars().count() > 64 {
        return Err(format!("{what} is longer than 64 characters: shorten it"));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "{what} contains control characters: use printable text only"
        ));
    }
    Ok(())
}

/// Checks an e-mail address loosely: one `@`, a non-empty local part and a dotted domain.
pub fn check_email(address: &str) -> Result<(), Text> {
    let ok = match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Text::new("item-email-invalid").arg("address", address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        assert!(check_e164("+14155550100").is_ok());
        assert!(check_e164("+442071838750").is_ok());
        for bad in [
            "14155550100",
            "+0415555",
            "+1415",
            "+1415555010012345",
            "+1 415 555",
            "+1-415",
        ] {
            assert!(check_e164(bad).unwrap_err().to_string().contains(bad), "{bad}");
        }
    }

    #[test]
    fn extensions_names_emails() {
        assert!(check_extension("101").is_ok());
        assert!(check_extension("1").is_err());
        assert!(check_extension("10a").is_err());
        assert!(check_name("Name", "Front desk").is_ok());
        assert!(check_name("Name", "").is_err());
        assert!(check_name("Name", " x").is_err());
        assert!(check_name("Name", "a\u{7}").is_err());
        assert!(check_name("Name", &"x".repeat(65)).is_err());
        assert!(check_email("a@example.com").is_ok());
        assert!(check_email("a@b").is_err());
        assert!(check_email("a b@example.com").is_err());
        assert!(check_email("@example.com").is_err());
    }

    #[test]
    fn usage_is_found_in_every_field() {
        let mut a = SipAccount {
            name: "A".into(),
            ..SipAccount::default()
        };
        a.general.user = Some("Ann".into());
        a.inbound.did_numbers = vec!["+14155550100".into()];
        a.outbound.internal_caller_ids = vec!["101".into()];
        a.outbound.external_announcement = Some("Welcome".into());
        a.inbound.when_unavailable = Unavailable::RouteToVoicemail {
            greeting: Some("Closed".into()),
        };
        a.recording.delivery_method = Some("Mail".into());
        let accounts = [a];
        assert_eq!(accounts_using(&accounts, ItemKind::User, "Ann"), ["A"]);
        assert_eq!(
            accounts_using(&accounts, ItemKind::PhoneNumber, "+14155550100"),
            ["A"]
        );
        assert_eq!(accounts_using(&accounts, ItemKind::InternalNumber, "101"), ["A"]);
        assert_eq!(
            accounts_using(&accounts, ItemKind::Announcement, "Welcome"),
            ["A"]
        );
        assert_eq!(accounts_using(&accounts, ItemKind::Greeting, "Closed"), ["A"]);
        assert_eq!(accounts_using(&accounts, ItemKind::DeliveryMethod, "Mail"), ["A"]);
        assert!(accounts_using(&accounts, ItemKind::User, "Bob").is_empty());
    }
}

#[cfg(test)]
mod builtin_tests {
    use super::*;

    #[test]
    fn builtin_audio_ships_in_assets() {
        let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        for (dir, items) in [
            ("announcements", BUILTIN_ANNOUNCEMENTS),
            ("greetings", BUILTIN_GREETINGS),
        ] {
            for (name, file) in items {
                let path = assets.join(dir).join(file);
                let reader = hound::WavReader::open(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(reader.spec().channels, 1, "{name}");
                assert!(
                    reader.duration() > reader.spec().sample_rate,
                    "{name} lasts over a second"
                );
            }
        }
    }
}
