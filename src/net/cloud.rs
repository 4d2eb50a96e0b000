//! Uploads to the cloud drives recordings can be delivered to (Call Recording → Delivery
//! Method: Dropbox, Google Drive, OneDrive), through each one's documented HTTP API:
//!
//! - Dropbox (API v2): `files/upload` for a file up to one chunk, else an upload session
//!   (`upload_session/start`, `append_v2`, `finish`), the file added with `autorename`.
//! - Google Drive (v3): the folder path is found or made (`files.list` by name and parent,
//!   `files.create` of folders), then a resumable upload session (`uploadType=resumable`) is
//!   fed chunk by chunk (`Content-Range`, `308 Resume Incomplete` until the last).
//! - OneDrive (Microsoft Graph v1.0): `PUT …:/content` for a file up to one chunk, else
//!   `createUploadSession` and chunks `PUT` to its upload URL (which takes no Authorization
//!   header), conflicts renamed.
//!
//! Chunks are [`CHUNK`] bytes, a multiple of what each service asks (Google 256 KiB, Microsoft
//! 320 KiB). A failed upload is tried again whole by the outbox. The service's answer decides
//! what happens: 401 means the access token must be refreshed, a full drive (Dropbox
//! `insufficient_space`, Google `storageQuotaExceeded`, Microsoft 507) keeps the recording
//! queued with that reason, anything else keeps it queued with the service's own words.
//!
//! Endpoints are the services' own; `HANDSET_CLOUD_ENDPOINTS=http://127.0.0.1:PORT` (or
//! [`redirect_endpoints`]) sends every request of service `S` (`dropbox`, `google`,
//! `onedrive`) to `PORT` under `/S/…` instead: a local gateway, or the test servers, which
//! speak the same API subset.

use std::sync::{Arc, RwLock};

use rustls::ClientConfig;
use serde_json::{Value, json};

use super::http::{HttpError, Request, Response, send};
use super::oauth::OAuthApp;

/// Bytes per chunk of a session upload: 5 MiB (20 × 256 KiB, 16 × 320 KiB).
pub const CHUNK: usize = 5 * 1024 * 1024;

/// Set by [`redirect_endpoints`]; before `HANDSET_CLOUD_ENDPOINTS`.
static REDIRECT: RwLock<Option<String>> = RwLock::new(None);

/// Sends every service's requests to `base` (under `/dropbox`, `/google`, `/onedrive`)
/// instead of the services; `None`: back to the services (or `HANDSET_CLOUD_ENDPOINTS`).
pub fn redirect_endpoints(base: Option<String>) {
    *REDIRECT
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = base;
}

/// A cloud drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    Dropbox,
    GoogleDrive,
    OneDrive,
}

/// Where a service's requests go.
#[derive(Clone, Debug)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    /// Metadata requests.
    pub api: String,
    /// File content.
    pub content: String,
}

/// Why an upload did not happen.
#[derive(Debug, PartialEq, Eq)]
pub enum UploadError {
    /// The access token was refused (expired or revoked): refresh it and try again.
    Unauthorized,
    /// The drive is full (the service's words).
    Full(String),
    /// Anything else (the service's or the network's words); tried again later.
    Failed(String),
}

impl From<HttpError> for UploadError {
    fn from(e: HttpError) -> UploadError {
        UploadError::Failed(e.to_string())
    }
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Dropbox => "Dropbox",
            Service::GoogleDrive => "Google Drive",
            Service::OneDrive => "OneDrive",
        }
    }

    /// The path prefix of this service under `HANDSET_CLOUD_ENDPOINTS`.
    fn slug(self) -> &'static str {
        match self {
            Service::Dropbox => "dropbox",
            Service::GoogleDrive => "google",
            Service::OneDrive => "onedrive",
        }
    }

    pub fn endpoints(self) -> Endpoints {
        let redirected = REDIRECT
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(base) = redirected
            .or_else(|| std::env::var("HANDSET_CLOUD_ENDPOINTS").ok())
            .filter(|b| !b.is_empty())
        {
            let at = |p: &str| format!("{}/{}/{p}", base.trim_end_matches('/'), self.slug());
            return Endpoints {
                authorize: at("authorize"),
                token: at("token"),
                api: at("api"),
                content: at("content"),
            };
        }
        let (authorize, token, api, content) = match self {
            Service::Dropbox => (
                "https://www.dropbox.com/oauth2/authorize",
                "https://api.dropboxapi.com/oauth2/token",
                "https://api.dropboxapi.com",
                "https://content.dropboxapi.com",
            ),
            Service::GoogleDrive => (
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://www.googleapis.com",
                "https://www.googleapis.com",
            ),
            Service::OneDrive => (
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                "https://graph.microsoft.com",
                "https://graph.microsoft.com",
            ),
        };
        Endpoints {
            authorize: authorize.into(),
            token: token.into(),
            api: api.into(),
            content: content.into(),
        }
    }

    /// The OAuth client for this service: the narrowest scope that lets Handset add files,
    /// with offline access (a refresh token).
    pub fn app(self, client_id: &str, client_secret: Option<String>) -> OAuthApp {
        let e = self.endpoints();
        let (scope, extra): (&str, Vec<(&'static str, &'static str)>) = match self {
            Service::Dropbox => ("files.content.write", vec![("token_access_type", "offline")]),
            Service::GoogleDrive => (
                "https://www.googleapis.com/auth/drive.file",
                vec![("access_type", "offline"), ("prompt", "consent")],
            ),
            Service::OneDrive => ("offline_access Files.ReadWrite", Vec::new()),
        };
        OAuthApp {
            authorize_url: e.authorize,
            token_url: e.token,
            client_id: client_id.into(),
            client_secret,
            scope: scope.into(),
            extra,
        }
    }
}

/// Uploads `bytes` as `name` into `folder` (a path; empty: the top) of the drive.
pub async fn upload(
    service: Service,
    tls: &Arc<ClientConfig>,
    access_token: &str,
    folder: &str,
    name: &str,
    bytes: &[u8],
) -> Result<(), UploadError> {
    if name.is_empty() || name.contains(['/', '\\']) {
        return Err(UploadError::Failed(format!("`{name}` is not a usable file name")));
    }
    let segments: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    let up = Uploader {
        tls,
        bearer: format!("Bearer {access_token}"),
        endpoints: service.endpoints(),
    };
    match service {
        Service::Dropbox => up.dropbox(&segments, name, bytes).await,
        Service::GoogleDrive => up.google(&segments, name, bytes).await,
        Service::OneDrive => up.onedrive(&segments, name, bytes).await,
    }
}

struct Uploader<'a> {
    tls: &'a Arc<ClientConfig>,
    bearer: String,
    endpoints: Endpoints,
}

impl Uploader<'_> {
    async fn send(&self, request: Request<'_>) -> Result<Response, UploadError> {
        let response = send(&request, self.tls).await?;
        if response.status == 401 {
            return Err(UploadError::Unauthorized);
        }
        Ok(response)
    }

    async fn dropbox(&self, folder: &[&str], name: &str, bytes: &[u8]) -> Result<(), UploadError> {
        let path = format!(
            "/{}",
            folder.iter().copied().chain([name]).collect::<Vec<_>>().join("/")
        );
        let commit = json!({"path": path, "mode": "add", "autorename": true, "mute": true});
        let content = |endpoint: &str| format!("{}/2/files/{endpoint}", self.endpoints.content);
        let call = |url: String, arg: Value, body: &[u8]| {
            let bearer = self.bearer.clone();
            let body = body.to_vec();
            async move {
                let request = Request::new("POST", &url)
                    .header("Authorization", bearer)
                    .header("Dropbox-API-Arg", header_json(&arg))
                    .body("application/octet-stream", &body);
                let response = self.send(request).await?;
                if response.status == 200 {
                    Ok(serde_json::from_slice::<Value>(&response.body).unwrap_or(Value::Null))
                } else {
                    Err(dropbox_error(&response))
                }
            }
        };
        if bytes.len() <= CHUNK {
            call(content("upload"), commit, bytes).await?;
            return Ok(());
        }
        let mut chunks = bytes.chunks(CHUNK);
        let first = chunks.next().unwrap_or_default();
        let started = call(content("upload_session/start"), json!({"close": false}), first).await?;
        let Some(session) = started["session_id"].as_str().map(str::to_owned) else {
            return Err(UploadError::Failed("Dropbox gave no upload session".into()));
        };
        let mut offset = first.len();
        let rest: Vec<&[u8]> = chunks.collect();
        for (i, chunk) in rest.iter().enumerate() {
            let cursor = json!({"session_id": session, "offset": offset});
            if i + 1 == rest.len() {
                call(
                    content("upload_session/finish"),
                    json!({"cursor": cursor, "commit": commit}),
                    chunk,
                )
                .await?;
            } else {
                call(
                    content("upload_session/append_v2"),
                    json!({"cursor": cursor, "close": false}),
                    chunk,
                )
                .await?;
            }
            offset += chunk.len();
        }
        Ok(())
    }

    async fn google(&self, folder: &[&str], name: &str, bytes: &[u8]) -> Result<(), UploadError> {
        let mut parent = "root".to_owned();
        for segment in folder {
            parent = self.google_folder(&parent, segment).await?;
        }
        let url = format!(
            "{}/upload/drive/v3/files?uploadType=resumable",
            self.endpoints.content
        );
        let metadata = json!({"name": name, "parents": [parent]}).to_string();
        let request = Request::new("POST", &url)
            .header("Authorization", self.bearer.clone())
            .header("X-Upload-Content-Type", content_type(name))
            .header("X-Upload-Content-Length", bytes.len().to_string())
            .body("application/json; charset=UTF-8", metadata.as_bytes());
        let response = self.send(request).await?;
        let session = match (response.status, response.header("Location")) {
            (200, Some(l)) => l.to_owned(),
            _ => return Err(google_error(&response)),
        };
        let total = bytes.len();
        let mut offset = 0;
        loop {
            let end = (offset + CHUNK).min(total);
            let range = if total == 0 {
                "bytes */0".to_owned()
            } else {
                format!("bytes {offset}-{}/{total}", end - 1)
            };
            let request = Request::new("PUT", &session)
                .header("Authorization", self.bearer.clone())
                .header("Content-Range", range)
                .body(content_type(name), &bytes[offset..end]);
            let response = self.send(request).await?;
            match response.status {
                200 | 201 => return Ok(()),
                // Resume Incomplete: the Range header says how much the service has.
                308 => {
                    offset = response
                        .header("Range")
                        .and_then(|r| r.rsplit('-').next())
                        .and_then(|last| last.parse::<usize>().ok())
                        .map_or(0, |last| last + 1);
                    if offset >= total {
                        return Err(UploadError::Failed(
                            "Google Drive wanted more than the whole file".into(),
                        ));
                    }
                }
                _ => return Err(google_error(&response)),
            }
        }
    }

    /// The id of folder `name` in `parent`, made when missing.
    async fn google_folder(&self, parent: &str, name: &str) -> Result<String, UploadError> {
        const FOLDER: &str = "application/vnd.google-apps.folder";
        let q = format!(
            "name = '{}' and mimeType = '{FOLDER}' and '{}' in parents and trashed = false",
            name.replace('\\', "\\\\").replace('\'', "\\'"),
            parent.replace('\'', "\\'")
        );
        let url = format!(
            "{}/drive/v3/files?{}",
            self.endpoints.api,
            super::http::form(&[("q", &q), ("fields", "files(id)"), ("spaces", "drive")])
        );
        let request = Request::new("GET", &url).header("Authorization", self.bearer.clone());
        let response = self.send(request).await?;
        if response.status != 200 {
            return Err(google_error(&response));
        }
        let found: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        if let Some(id) = found["files"][0]["id"].as_str() {
            return Ok(id.to_owned());
        }
        let url = format!("{}/drive/v3/files?fields=id", self.endpoints.api);
        let body = json!({"name": name, "mimeType": FOLDER, "parents": [parent]}).to_string();
        let request = Request::new("POST", &url)
            .header("Authorization", self.bearer.clone())
            .body("application/json; charset=UTF-8", body.as_bytes());
        let response = self.send(request).await?;
        let made: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        match (response.status, made["id"].as_str()) {
            (200, Some(id)) => Ok(id.to_owned()),
            _ => Err(google_error(&response)),
        }
    }

    async fn onedrive(&self, folder: &[&str], name: &str, bytes: &[u8]) -> Result<(), UploadError> {
        let path: Vec<String> = folder
            .iter()
            .copied()
            .chain([name])
            .map(percent_segment)
            .collect();
        let item = format!("{}/v1.0/me/drive/root:/{}:", self.endpoints.api, path.join("/"));
        if bytes.len() <= CHUNK {
            let url = format!("{item}/content?@microsoft.graph.conflictBehavior=rename");
            let request = Request::new("PUT", &url)
                .header("Authorization", self.bearer.clone())
                .body(content_type(name), bytes);
            let response = self.send(request).await?;
            return match response.status {
                200 | 201 => Ok(()),
                _ => Err(graph_error(&response)),
            };
        }
        let url = format!("{item}/createUploadSession");
        let body = json!({"item": {"@microsoft.graph.conflictBehavior": "rename"}}).to_string();
        let request = Request::new("POST", &url)
            .header("Authorization", self.bearer.clone())
            .body("application/json", body.as_bytes());
        let response = self.send(request).await?;
        let session: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        let Some(upload_url) = session["uploadUrl"].as_str().filter(|_| response.status == 200) else {
            return Err(graph_error(&response));
        };
        let total = bytes.len();
        let mut offset = 0;
        while offset < total {
            let end = (offset + CHUNK).min(total);
            // The upload URL carries its own authorization: no Authorization header.
            let request = Request::new("PUT", upload_url)
                .header("Content-Range", format!("bytes {offset}-{}/{total}", end - 1))
                .body("application/octet-stream", &bytes[offset..end]);
            let response = self.send(request).await?;
            match response.status {
                200 | 201 => return Ok(()),
                202 => {
                    let next: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
                    offset = next["nextExpectedRanges"][0]
                        .as_str()
                        .and_then(|r| r.split('-').next())
                        .and_then(|start| start.parse().ok())
                        .unwrap_or(end);
                }
                _ => return Err(graph_error(&response)),
            }
        }
        Err(UploadError::Failed(
            "OneDrive did not confirm the whole file".into(),
        ))
    }
}

/// JSON for an HTTP header: non-ASCII characters escaped as `\uXXXX` (Dropbox-API-Arg).
fn header_json(v: &Value) -> String {
    let mut out = String::new();
    for c in v.to_string().chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

/// One path segment, percent-encoded (Graph paths).
fn percent_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("opus" | "ogg") => "audio/ogg",
        Some("wav") => "audio/wav",
        _ => "application/octet-stream",
    }
}

fn said(response: &Response) -> String {
    let text = response.text();
    let short: String = text.chars().take(300).collect();
    format!("HTTP {}: {}", response.status, short.trim())
}

/// A refusal: `Full` when the status is 507 or the body names one of `full` (the service's
/// words for a full drive), else `Failed`.
fn refusal(response: &Response, full: &[&str]) -> UploadError {
    let body = response.text();
    if response.status == 507 || full.iter().any(|f| body.contains(f)) {
        UploadError::Full(said(response))
    } else {
        UploadError::Failed(said(response))
    }
}

fn dropbox_error(response: &Response) -> UploadError {
    refusal(response, &["insufficient_space"])
}

fn google_error(response: &Response) -> UploadError {
    refusal(response, &["storageQuotaExceeded", "quotaExceeded\""])
}

fn graph_error(response: &Response) -> UploadError {
    refusal(response, &["insufficientStorage", "quotaLimitReached"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_json_escapes_what_is_not_ascii() {
        let v = json!({"path": "/Aufnahmen/Müller 😀.opus"});
        let h = header_json(&v);
        assert!(h.is_ascii(), "{h}");
        assert_eq!(serde_json::from_str::<Value>(&h).unwrap(), v);
    }

    #[test]
    fn graph_path_segments_are_percent_encoded() {
        assert_eq!(percent_segment("Calls 2026/x#?"), "Calls%202026%2Fx%23%3F");
    }

    #[test]
    fn the_chunk_is_a_multiple_of_what_each_service_asks() {
        assert_eq!(CHUNK % (256 * 1024), 0);
        assert_eq!(CHUNK % (320 * 1024), 0);
    }

    #[test]
    fn full_drives_are_told_apart_from_other_refusals() {
        let r = |status: u16, body: &str| Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        };
        assert!(matches!(
            dropbox_error(&r(409, r#"{"error_summary": "path/insufficient_space/.."}"#)),
            UploadError::Full(_)
        ));
        assert!(matches!(
            dropbox_error(&r(409, r#"{"error_summary": "path/conflict/"}"#)),
            UploadError::Failed(_)
        ));
        assert!(matches!(
            google_error(&r(
                403,
                r#"{"error": {"errors": [{"reason": "storageQuotaExceeded"}]}}"#
            )),
            UploadError::Full(_)
        ));
        assert!(matches!(graph_error(&r(507, "{}")), UploadError::Full(_)));
        assert!(matches!(graph_error(&r(500, "{}")), UploadError::Failed(_)));
    }
}
