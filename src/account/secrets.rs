//! Secrets (SIP passwords, delivery-method passwords and tokens) in the OS keyring only.
//!
//! Entries are namespaced by profile: service `handset:<profile id>`, user `sip/<account id>`
//! or `delivery/<method name>`, so test profiles never touch a user's real entries.

use std::fmt;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use zeroize::Zeroize;

use super::model::AccountId;
use crate::text::Text;

/// A secret string: never printed by `Debug`, wiped from memory on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself; call only where it leaves the program on purpose.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// What a keyring entry holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretKey {
    /// The SIP password of an account.
    SipPassword(AccountId),
    /// The password or token of a delivery method.
    Delivery(String),
}

impl SecretKey {
    fn user(&self) -> String {
        match self {
            SecretKey::SipPassword(id) => format!("sip/{id}"),
            SecretKey::Delivery(name) => format!("delivery/{name}"),
        }
    }
}

/// A keyring failure, with what to do about it. Never contains a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.text())]
pub enum SecretError {
    Unavailable(String),
    Locked(String),
    Failed(String),
}

impl SecretError {
    pub fn text(&self) -> Text {
        let (key, reason) = match self {
            SecretError::Unavailable(r) => ("keyring-unavailable", r),
            SecretError::Locked(r) => ("keyring-locked", r),
            SecretError::Failed(r) => ("keyring-failed", r),
        };
        Text::new(key).arg("reason", reason)
    }
}

impl SecretError {
    fn from_keyring(e: keyring_core::Error) -> SecretError {
        use keyring_core::Error as K;
        match e {
            K::NoDefaultStore => SecretError::Unavailable("no credential store".into()),
            K::NoStorageAccess(p) => SecretError::Locked(p.to_string()),
            K::PlatformFailure(p) => SecretError::Unavailable(p.to_string()),
            // These variants carry the secret's bytes: never show them.
            K::BadEncoding(_) => SecretError::Failed("a stored secret is not UTF-8 text".into()),
            K::BadDataFormat(_, _) => SecretError::Failed("a stored secret is malformed".into()),
            K::Ambiguous(_) => SecretError::Failed("several keyring items match one entry".into()),
            other => SecretError::Failed(other.to_string()),
        }
    }
}

/// The profile's view of a credential store.
#[derive(Clone)]
pub struct SecretStore {
    store: Arc<CredentialStore>,
    service: String,
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore")
            .field("service", &self.service)
            .finish()
    }
}

impl SecretStore {
    /// The platform store: Secret Service on Linux/BSD, Keychain on macOS, Credential Manager on Windows.
    pub fn platform(profile_id: &str) -> Result<SecretStore, SecretError> {
        if let Err(e) = keyring::Entry::store_status() {
            return Err(SecretError::Unavailable(e.to_string()));
        }
        let store = keyring_core::get_default_store()
            .ok_or_else(|| SecretError::Unavailable("no credential store".into()))?;
        Ok(SecretStore::with_store(store, profile_id))
    }

    /// A given store (tests use `keyring_core::mock`).
    pub fn with_store(store: Arc<CredentialStore>, profile_id: &str) -> SecretStore {
        SecretStore {
            store,
            service: format!("handset:{profile_id}"),
        }
    }

    /// The keyring service name of this profile's entries.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Checks that the store answers (a lookup of an entry that does not exist).
    pub fn probe(&self) -> Result<(), SecretError> {
        match self.entry(&SecretKey::Delivery("probe".into()))?.get_password() {
            Ok(_) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretError::from_keyring(e)),
        }
    }

    fn entry(&self, key: &SecretKey) -> Result<Entry, SecretError> {
        Entry::new_in_store(&self.store, &self.service, &key.user()).map_err(SecretError::from_keyring)
    }

    pub fn set(&self, key: &SecretKey, value: &Secret) -> Result<(), SecretError> {
        crate::redact::remember(value.expose());
        self.entry(key)?
            .set_password(value.expose())
            .map_err(SecretError::from_keyring)
    }

    /// The secret, or `None` when there is no entry.
    pub fn get(&self, key: &SecretKey) -> Result<Option<Secret>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(p) => {
                crate::redact::remember(&p);
                Ok(Some(Secret(p)))
            }
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretError::from_keyring(e)),
        }
    }

    /// Deletes the entry; a missing entry is not an error.
    pub fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretError::from_keyring(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_in_debug() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        let k = SecretKey::SipPassword(AccountId("a".into()));
        assert_eq!(k.user(), "sip/a");
    }

    #[test]
    fn set_get_delete_in_the_mock_store() {
        let store = SecretStore::with_store(keyring_core::mock::Store::new().unwrap(), "p1");
        store.probe().unwrap();
        let key = SecretKey::SipPassword(AccountId("a".into()));
        assert_eq!(store.get(&key).unwrap(), None);
        store.set(&key, &Secret::new("pw")).unwrap();
        assert_eq!(store.get(&key).unwrap(), Some(Secret::new("pw")));
        store.delete(&key).unwrap();
        store.delete(&key).unwrap();
        assert_eq!(store.get(&key).unwrap(), None);
    }
}
