//! Delivery of recordings to a cloud drive (Dropbox, Google Drive, OneDrive): the method's
//! sign-in (its refresh token, and the client secret a service may want, in the keyring as one
//! [`CloudCredentials`] entry), access tokens kept in memory until they expire, one refresh and
//! one retry when the service answers 401, and the service's refusals said in the user's terms.
//! A full drive keeps the recording queued with that reason; a sign-in the service no longer
//! takes says to sign in again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::ClientConfig;
use serde::{Deserialize, Serialize};

use crate::account::secrets::{Secret, SecretKey};
use crate::account::workspace::DeliveryTarget;
use crate::account::{AccountManager, Error, ItemKind};
use crate::net::cloud::{self, Service, UploadError};
use crate::net::oauth::{self, OAuthApp, OAuthError, Tokens};
use crate::net::tls::client_config;
use crate::text::Text;

/// An access token is renewed this long before the service says it expires.
const EARLY: Duration = Duration::from_secs(60);
/// Life assumed for an access token the service gave without `expires_in`.
const DEFAULT_LIFE: Duration = Duration::from_secs(30 * 60);

/// What the keyring holds for a cloud method (JSON). `Debug` shows no secret.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudCredentials {
    pub refresh_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for CloudCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CloudCredentials(***)")
    }
}

impl CloudCredentials {
    pub fn to_secret(&self) -> Secret {
        Secret::new(serde_json::to_string(self).unwrap_or_default())
    }

    /// The credentials in `secret`; a bare token (not JSON) is taken as the refresh token.
    pub fn from_secret(secret: &Secret) -> Option<CloudCredentials> {
        let s = secret.expose().trim();
        if s.is_empty() {
            return None;
        }
        serde_json::from_str(s).ok().or_else(|| {
            Some(CloudCredentials {
                refresh_token: s.to_owned(),
                client_secret: None,
            })
        })
    }

    /// Signed in: there is a refresh token (a method added with only Google's client secret
    /// is not, yet).
    pub fn signed_in(&self) -> bool {
        !self.refresh_token.is_empty()
    }
}

/// The cloud service, folder and client ID of a delivery target, when it is a cloud drive.
pub fn cloud_target(target: &DeliveryTarget) -> Option<(Service, &str, &str)> {
    match target {
        DeliveryTarget::Dropbox { folder, client_id } => Some((Service::Dropbox, folder, client_id)),
        DeliveryTarget::GoogleDrive { folder, client_id } => Some((Service::GoogleDrive, folder, client_id)),
        DeliveryTarget::OneDrive { folder, client_id } => Some((Service::OneDrive, folder, client_id)),
        _ => None,
    }
}

/// The client ID a method signs in with: its own, else the one Handset was built with
/// (`HANDSET_DROPBOX_CLIENT_ID`, `HANDSET_GOOGLE_CLIENT_ID`, `HANDSET_ONEDRIVE_CLIENT_ID` at
/// build time), else none.
pub fn client_id(service: Service, configured: &str) -> Option<String> {
    let built_in = match service {
        Service::Dropbox => option_env!("HANDSET_DROPBOX_CLIENT_ID"),
        Service::GoogleDrive => option_env!("HANDSET_GOOGLE_CLIENT_ID"),
        Service::OneDrive => option_env!("HANDSET_ONEDRIVE_CLIENT_ID"),
    };
    Some(configured.trim())
        .filter(|c| !c.is_empty())
        .or(built_in)
        .map(str::to_owned)
}

/// The app a method signs in as, or why it has none.
pub fn oauth_app(
    method: &str,
    service: Service,
    configured_id: &str,
    client_secret: Option<String>,
) -> Result<OAuthApp, Text> {
    let id = client_id(service, configured_id).ok_or_else(|| {
        Text::new("cloud-no-client-id")
            .arg("method", method)
            .arg("service", service.name())
    })?;
    Ok(service.app(&id, client_secret))
}

/// Access tokens by method name, shared by the uploads in flight. `Debug` shows no token.
#[derive(Clone, Default)]
pub struct AccessTokens(Arc<Mutex<HashMap<String, (String, Instant)>>>);

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessTokens(***)")
    }
}

impl AccessTokens {
    fn get(&self, method: &str) -> Option<String> {
        let map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(method)
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(t, _)| t.clone())
    }

    fn put(&self, method: &str, tokens: &Tokens) {
        let life = tokens.expires_in.unwrap_or(DEFAULT_LIFE).saturating_sub(EARLY);
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(
            method.to_owned(),
            (tokens.access_token.clone(), Instant::now() + life),
        );
    }

    fn forget(&self, method: &str) {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(method);
    }
}

/// One delivery: `bytes` as `name` to the method's drive; an error keeps the recording queued
/// (the text says why and what to do).
#[allow(clippy::too_many_arguments)] // one upload's whole context, each from a different place
pub async fn deliver(
    method: &str,
    target: &DeliveryTarget,
    secret: Option<&Secret>,
    tokens: &AccessTokens,
    tls: &Arc<ClientConfig>,
    name: &str,
    bytes: &[u8],
) -> Result<(), Text> {
    let Some((service, folder, configured_id)) = cloud_target(target) else {
        return Err(Text::new("cloud-not-cloud").arg("method", method));
    };
    let queued = |key: &'static str| {
        Text::new(key)
            .arg("method", method)
            .arg("service", service.name())
    };
    let Some(credentials) = secret
        .and_then(CloudCredentials::from_secret)
        .filter(CloudCredentials::signed_in)
    else {
        return Err(queued("cloud-not-signed-in"));
    };
    let app = oauth_app(method, service, configured_id, credentials.client_secret.clone())?;
    let mut refreshed = false;
    loop {
        let access = match tokens.get(method) {
            Some(t) => t,
            None => {
                refreshed = true;
                match oauth::refresh(&app, tls, &credentials.refresh_token).await {
                    Ok(t) => {
                        tokens.put(method, &t);
                        t.access_token.clone()
                    }
                    Err(OAuthError::Revoked(reason) | OAuthError::Declined(reason)) => {
                        return Err(queued("cloud-sign-in-again").arg("reason", reason));
                    }
                    Err(e) => return Err(queued("cloud-token-failed").arg("reason", e)),
                }
            }
        };
        match cloud::upload(service, tls, &access, folder, name, bytes).await {
            Ok(()) => return Ok(()),
            // An access token the service no longer takes: renew it once and try again.
            Err(UploadError::Unauthorized) if !refreshed => tokens.forget(method),
            Err(UploadError::Unauthorized) => {
                tokens.forget(method);
                return Err(queued("cloud-sign-in-again").arg("reason", "HTTP 401 with a fresh access token"));
            }
            Err(UploadError::Full(reason)) => {
                return Err(queued("cloud-full").arg("reason", reason));
            }
            Err(UploadError::Failed(reason)) => {
                return Err(queued("cloud-failed").arg("reason", reason));
            }
        }
    }
}

/// Signs `method` in to its service: the browser shows the service's page (through `open`),
/// and the credentials to keep in the keyring come back.
pub async fn sign_in(
    method: &str,
    target: &DeliveryTarget,
    client_secret: Option<String>,
    tls: &Arc<ClientConfig>,
    open: impl FnOnce(&str) -> Result<(), String>,
    wait: Duration,
) -> Result<CloudCredentials, Text> {
    let Some((service, _, configured_id)) = cloud_target(target) else {
        return Err(Text::new("cloud-not-cloud").arg("method", method));
    };
    let app = oauth_app(method, service, configured_id, client_secret.clone())?;
    let tokens = oauth::sign_in(&app, tls, open, wait).await.map_err(|e| {
        Text::new("cloud-token-failed")
            .arg("method", method)
            .arg("service", service.name())
            .arg("reason", e)
    })?;
    let Some(refresh_token) = tokens.refresh_token.clone() else {
        return Err(Text::new("cloud-token-failed")
            .arg("method", method)
            .arg("service", service.name())
            .arg("reason", "the service gave no refresh token (offline access)"));
    };
    Ok(CloudCredentials {
        refresh_token,
        client_secret,
    })
}

/// Signs delivery method `name` of the profile in (blocking: waits up to `wait` for the
/// browser) and keeps the credentials in the keyring. `client_secret` replaces the one kept
/// with the method, if any. Returns the service signed in to.
pub fn sign_in_method(
    manager: &AccountManager,
    name: &str,
    client_secret: Option<String>,
    open: impl FnOnce(&str) -> Result<(), String>,
    wait: Duration,
) -> Result<Service, Error> {
    let doc = manager.load()?;
    let Some(method) = doc.workspace.delivery_methods.iter().find(|d| d.name == name) else {
        return Err(Error::Rejected(
            Text::new("item-not-found")
                .arg("kind", ItemKind::DeliveryMethod.id())
                .arg("name", name),
        ));
    };
    let Some((service, _, _)) = cloud_target(&method.target) else {
        return Err(Error::Rejected(Text::new("cloud-not-cloud").arg("method", name)));
    };
    let kept = manager
        .secret_store()
        .get(&SecretKey::Delivery(name.to_owned()))?
        .and_then(|s| CloudCredentials::from_secret(&s));
    let client_secret = client_secret.or_else(|| kept.and_then(|k| k.client_secret));
    let tls = client_config(None).map_err(|e| Error::Rejected(e.text()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Error::Rejected(
                Text::new("cloud-token-failed")
                    .arg("method", name)
                    .arg("service", service.name())
                    .arg("reason", e),
            )
        })?;
    let credentials = runtime
        .block_on(sign_in(name, &method.target, client_secret, &tls, open, wait))
        .map_err(Error::Rejected)?;
    manager.set_delivery_secret(name, &credentials.to_secret())?;
    Ok(service)
}

/// Shows `url` in the user's browser: `$BROWSER` when set (the URL as its argument), else
/// `xdg-open` (`open` on macOS, `start` on Windows).
pub fn open_in_browser(url: &str) -> Result<(), String> {
    let mut command = match std::env::var("BROWSER").ok().filter(|b| !b.trim().is_empty()) {
        Some(browser) => {
            let mut c = std::process::Command::new("sh");
            c.args(["-c", &format!("{browser} \"$1\""), "sh", url]);
            c
        }
        None if cfg!(target_os = "macos") => {
            let mut c = std::process::Command::new("open");
            c.arg(url);
            c
        }
        None if cfg!(windows) => {
            let mut c = std::process::Command::new("cmd");
            c.args(["/C", "start", "", url]);
            c
        }
        None => {
            let mut c = std::process::Command::new("xdg-open");
            c.arg(url);
            c
        }
    };
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot open a browser ({e}); open this address yourself: {url}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_round_trip_through_the_keyring_value_and_never_print() {
        let c = CloudCredentials {
            refresh_token: "r-1".into(),
            client_secret: Some("cs".into()),
        };
        assert_eq!(CloudCredentials::from_secret(&c.to_secret()), Some(c.clone()));
        assert!(!format!("{c:?}").contains("r-1"));
        let bare = CloudCredentials::from_secret(&Secret::new("plain-token")).unwrap();
        assert_eq!(bare.refresh_token, "plain-token");
        assert_eq!(CloudCredentials::from_secret(&Secret::new(" ")), None);
    }

    #[test]
    fn a_method_without_a_client_id_says_which_to_give() {
        if option_env!("HANDSET_DROPBOX_CLIENT_ID").is_some() {
            return;
        }
        let e = oauth_app("Box", Service::Dropbox, " ", None).unwrap_err();
        assert_eq!(e.key, "cloud-no-client-id");
        assert_eq!(
            oauth_app("Box", Service::Dropbox, "app-key", None)
                .unwrap()
                .client_id,
            "app-key"
        );
    }
}
