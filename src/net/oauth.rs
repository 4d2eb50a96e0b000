//! OAuth 2.0 for native apps (RFC 8252) with PKCE (RFC 7636): the sign-in that lets Handset
//! upload recordings to a cloud drive, and the refresh of its access token.
//!
//! Sign-in opens the service's authorization page in the user's browser with a `S256` code
//! challenge and a random state; the browser comes back to a one-time listener on
//! `http://127.0.0.1:PORT/callback` (the loopback redirect), whose code is exchanged, with the
//! code verifier, for an access token and a refresh token. Only the refresh token is kept (in
//! the keyring, by the caller); access tokens live in memory and are refreshed when they expire
//! or the service answers 401.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls::ClientConfig;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::http::{Request, form, send};

/// The service's OAuth client (an app registered with it; native apps have no real secret,
/// some services still want the one they issued). `Debug` leaves the secret out.
#[derive(Clone)]
pub struct OAuthApp {
    pub authorize_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scope: String,
    /// Extra parameters of the authorization request (offline access and the like).
    pub extra: Vec<(&'static str, &'static str)>,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// What the token endpoint gave. `Debug` shows no token.
pub struct Tokens {
    pub access_token: String,
    /// Absent when the service keeps the one it gave before.
    pub refresh_token: Option<String>,
    pub expires_in: Option<Duration>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

impl Drop for Tokens {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.access_token.zeroize();
        self.refresh_token.zeroize();
    }
}

/// Why a sign-in or a refresh failed.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The user or the service declined (the `error` the service gave, and its description).
    #[error("the sign-in was declined ({0})")]
    Declined(String),
    /// The refresh token no longer works (revoked, expired, password changed): sign in again.
    #[error("the sign-in is no longer valid ({0}); sign in again")]
    Revoked(String),
    #[error("no answer from the browser within {} minutes", .0.as_secs() / 60)]
    TimedOut(Duration),
    #[error("{0}")]
    Failed(String),
}

/// A PKCE code verifier and its `S256` challenge.
#[derive(Debug)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Result<Pkce, OAuthError> {
        Ok(Pkce::from_verifier(random_token()?))
    }

    fn from_verifier(verifier: String) -> Pkce {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce { verifier, challenge }
    }
}

/// 32 random bytes, base64url (43 characters of the unreserved set).
fn random_token() -> Result<String, OAuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| OAuthError::Failed(format!("the system's random source failed: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The authorization page's address.
pub fn authorization_url(app: &OAuthApp, redirect: &str, state: &str, pkce: &Pkce) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", app.client_id.as_str()),
        ("redirect_uri", redirect),
        ("scope", app.scope.as_str()),
        ("state", state),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    pairs.extend(app.extra.iter().copied());
    let sep = if app.authorize_url.contains('?') { '&' } else { '?' };
    format!("{}{sep}{}", app.authorize_url, form(&pairs))
}

/// Signs in: listens on a loopback port, has `open` show the authorization page (the user's
/// browser), waits up to `wait` for the browser to come back and exchanges the code.
pub async fn sign_in(
    app: &OAuthApp,
    tls: &Arc<ClientConfig>,
    open: impl FnOnce(&str) -> Result<(), String>,
    wait: Duration,
) -> Result<Tokens, OAuthError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| OAuthError::Failed(format!("cannot listen for the browser: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| OAuthError::Failed(e.to_string()))?
        .port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let (state, pkce) = (random_token()?, Pkce::new()?);
    open(&authorization_url(app, &redirect, &state, &pkce)).map_err(OAuthError::Failed)?;
    let code = tokio::time::timeout(wait, callback(&listener, &state))
        .await
        .map_err(|_| OAuthError::TimedOut(wait))??;
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect.as_str()),
        ("client_id", app.client_id.as_str()),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    if let Some(s) = &app.client_secret {
        pairs.push(("client_secret", s.as_str()));
    }
    token_request(app, tls, &pairs).await
}

/// A new access token for `refresh_token`.
pub async fn refresh(
    app: &OAuthApp,
    tls: &Arc<ClientConfig>,
    refresh_token: &str,
) -> Result<Tokens, OAuthError> {
    let mut pairs = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", app.client_id.as_str()),
    ];
    if let Some(s) = &app.client_secret {
        pairs.push(("client_secret", s.as_str()));
    }
    token_request(app, tls, &pairs).await
}

async fn token_request(
    app: &OAuthApp,
    tls: &Arc<ClientConfig>,
    pairs: &[(&str, &str)],
) -> Result<Tokens, OAuthError> {
    #[derive(Deserialize)]
    struct Answer {
        access_token: Option<String>,
        refresh_token: Option<String>,
        expires_in: Option<u64>,
        error: Option<String>,
        error_description: Option<String>,
    }
    let body = form(pairs);
    let request = Request::new("POST", &app.token_url)
        .header("Accept", "application/json")
        .body("application/x-www-form-urlencoded", body.as_bytes());
    let response = send(&request, tls)
        .await
        .map_err(|e| OAuthError::Failed(format!("the token service at {}: {e}", app.token_url)))?;
    let answer: Answer = serde_json::from_slice(&response.body).map_err(|_| {
        OAuthError::Failed(format!(
            "the token service at {} answered {} without a token",
            app.token_url, response.status
        ))
    })?;
    match (answer.access_token, answer.error) {
        (Some(access), None) if response.status == 200 => Ok(Tokens {
            access_token: access,
            refresh_token: answer.refresh_token,
            expires_in: answer.expires_in.map(Duration::from_secs),
        }),
        (_, error) => {
            let error = error.unwrap_or_else(|| format!("HTTP {}", response.status));
            let said = match answer.error_description {
                Some(d) => format!("{error}: {d}"),
                None => error.clone(),
            };
            Err(if error == "invalid_grant" {
                OAuthError::Revoked(said)
            } else if response.status == 400 || response.status == 401 {
                OAuthError::Declined(said)
            } else {
                OAuthError::Failed(said)
            })
        }
    }
}

/// Waits for the browser's request to `/callback` with our `state`; answers it with a page
/// the user can close and returns the code.
async fn callback(listener: &TcpListener, state: &str) -> Result<String, OAuthError> {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            // Out of descriptors or the like: wait a little rather than spin.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let mut buf = vec![0u8; 8192];
        let mut len = 0;
        // The request line is all we need; a browser sends it at once.
        while len < buf.len() && !buf[..len].windows(2).any(|w| w == b"\r\n") {
            match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf[len..])).await {
                Ok(Ok(n)) if n > 0 => len += n,
                _ => break,
            }
        }
        let line = String::from_utf8_lossy(&buf[..len]);
        let target = line.split_whitespace().nth(1).unwrap_or("");
        let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
            continue;
        };
        if url.path() != "/callback" {
            let _ = stream
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
            continue;
        }
        let get = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        if get("state").as_deref() != Some(state) {
            let _ = reply(
                &mut stream,
                400,
                "This sign-in link is not the one Handset opened.",
            )
            .await;
            continue;
        }
        if let Some(error) = get("error") {
            let _ = reply(
                &mut stream,
                200,
                "Handset was not given access. You can close this page.",
            )
            .await;
            let said = match get("error_description") {
                Some(d) => format!("{error}: {d}"),
                None => error,
            };
            return Err(OAuthError::Declined(said));
        }
        let Some(code) = get("code") else {
            let _ = reply(&mut stream, 400, "The answer holds no authorization code.").await;
            continue;
        };
        let _ = reply(&mut stream, 200, "Handset is signed in. You can close this page.").await;
        return Ok(code);
    }
}

async fn reply(stream: &mut tokio::net::TcpStream, status: u16, message: &str) -> std::io::Result<()> {
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Handset</title></head>\
         <body><p>{message}</p></body></html>"
    );
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_is_the_one_of_rfc_7636_appendix_b() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let fresh = Pkce::new().unwrap();
        assert_eq!(fresh.verifier.len(), 43);
        assert_ne!(fresh.verifier, Pkce::new().unwrap().verifier);
    }

    #[test]
    fn the_authorization_url_carries_the_challenge_state_and_extras() {
        let app = OAuthApp {
            authorize_url: "https://auth.example/authorize".into(),
            token_url: "https://auth.example/token".into(),
            client_id: "app 1".into(),
            client_secret: None,
            scope: "files.write offline".into(),
            extra: vec![("token_access_type", "offline")],
        };
        let p = Pkce::from_verifier("v".into());
        let url = authorization_url(&app, "http://127.0.0.1:5000/callback", "s1", &p);
        let parsed = url::Url::parse(&url).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "app 1");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:5000/callback");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], p.challenge);
        assert_eq!(q["state"], "s1");
        assert_eq!(q["scope"], "files.write offline");
        assert_eq!(q["token_access_type"], "offline");
    }
}
