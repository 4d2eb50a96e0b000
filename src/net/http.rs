//! A small HTTP/1.1 client (RFC 9112) for the cloud storage and OAuth endpoints recordings are
//! delivered through: one request per connection (`Connection: close`), HTTPS through rustls
//! with the platform's roots, plain HTTP only to a loopback address (a local gateway or test
//! server). The response body is read by its `Content-Length`, by chunked transfer coding or up
//! to the connection's close, and bounded by [`MAX_BODY`] (a hostile server cannot make the
//! client buffer without end). Each step (connect, handshake, each 64 KiB written, each read)
//! has `net::reply::STEP`.

use std::net::IpAddr;
use std::sync::Arc;

use rustls::ClientConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::reply::{Step, within};
use super::tls::{Io, handshake};

/// Largest response body taken in (the APIs used answer with small JSON documents).
pub const MAX_BODY: usize = 1 << 20;
/// Largest response head (status line and headers).
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;

/// One request.
#[derive(Debug)]
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub headers: Vec<(&'a str, String)>,
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    pub fn new(method: &'a str, url: &'a str) -> Request<'a> {
        Request {
            method,
            url,
            headers: Vec::new(),
            body: &[],
        }
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Request<'a> {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, content_type: &'a str, body: &'a [u8]) -> Request<'a> {
        self.headers.push(("Content-Type", content_type.into()));
        self.body = body;
        self
    }
}

/// A response: status, headers (names as sent) and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why a request got no response.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("`{0}` is not a usable address")]
    BadUrl(String),
    #[error("plain http is used only with this computer (127.0.0.1, ::1, localhost); `{0}` needs https")]
    NotLocal(String),
    #[error("{0}")]
    Step(String),
    #[error("the server's answer is not HTTP/1.1 ({0})")]
    Protocol(String),
}

impl From<Step> for HttpError {
    fn from(s: Step) -> HttpError {
        HttpError::Step(s.to_string())
    }
}

/// Sends `request` and reads the whole response.
pub async fn send(request: &Request<'_>, tls: &Arc<ClientConfig>) -> Result<Response, HttpError> {
    let url = url::Url::parse(request.url).map_err(|_| HttpError::BadUrl(request.url.into()))?;
    let host = url
        .host_str()
        .ok_or_else(|| HttpError::BadUrl(request.url.into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let secure = match url.scheme() {
        "https" => true,
        "http" if is_loopback(&host) => false,
        "http" => return Err(HttpError::NotLocal(request.url.into())),
        _ => return Err(HttpError::BadUrl(request.url.into())),
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let stream = within(TcpStream::connect((host.as_str(), port))).await?;
    let _ = stream.set_nodelay(true);
    let mut io: Box<dyn Io> = Box::new(stream);
    if secure {
        io = handshake(tls.clone(), &host, io).await.map_err(HttpError::Step)?;
    }
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let authority = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let mut head = format!("{} {target} HTTP/1.1\r\nHost: {authority}\r\n", request.method);
    for (name, value) in &request.headers {
        if value.contains(['\r', '\n']) || name.contains(['\r', '\n', ':']) {
            return Err(HttpError::BadUrl(format!("header {name}")));
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\nUser-Agent: Handset/{}\r\n\r\n",
        request.body.len(),
        env!("CARGO_PKG_VERSION")
    ));
    within(io.write_all(head.as_bytes())).await?;
    // The body in pieces, each within the step: a slow uplink that keeps moving is not cut off.
    for piece in request.body.chunks(64 * 1024) {
        within(io.write_all(piece)).await?;
    }
    within(io.flush()).await?;
    read_response(&mut io, request.method == "HEAD").await
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

async fn read_response(io: &mut Box<dyn Io>, head_only: bool) -> Result<Response, HttpError> {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    let mut need_more = true;
    let (status, headers, body_start) = loop {
        if need_more {
            let n = within(io.read(&mut chunk)).await?;
            if n == 0 {
                return Err(HttpError::Protocol(
                    "the connection closed before the answer".into(),
                ));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        need_more = true;
        let mut parsed = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut parsed);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let status = response.code.unwrap_or(0);
                let headers = response
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).trim().to_owned(),
                        )
                    })
                    .collect::<Vec<_>>();
                // An interim 1xx answer (100 Continue) is followed by the real one.
                if (100..200).contains(&status) {
                    buf.drain(..len);
                    need_more = buf.is_empty();
                    continue;
                }
                break (status, headers, len);
            }
            Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD => {}
            Ok(httparse::Status::Partial) => return Err(HttpError::Protocol("headers too long".into())),
            Err(e) => return Err(HttpError::Protocol(e.to_string())),
        }
    };
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if head_only || status == 204 || status == 304 {
        return Ok(response);
    }
    let mut rest = buf.split_off(body_start);
    let chunked = response
        .header("Transfer-Encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    let length = match response.header("Content-Length") {
        Some(l) => Some(
            l.parse::<usize>()
                .map_err(|_| HttpError::Protocol(format!("Content-Length `{l}`")))?,
        ),
        None => None,
    };
    if length.is_some_and(|l| l > MAX_BODY) {
        return Err(HttpError::Protocol("the answer is too large".into()));
    }
    // Read to the end: the server closes after the response (we sent Connection: close).
    loop {
        if length.is_some_and(|l| rest.len() >= l) && !chunked {
            break;
        }
        if chunked && decode_chunked(&rest)?.is_some() {
            break;
        }
        let n = within(io.read(&mut chunk)).await?;
        if n == 0 {
            break;
        }
        rest.extend_from_slice(&chunk[..n]);
        if rest.len() > MAX_BODY + MAX_HEAD {
            return Err(HttpError::Protocol("the answer is too large".into()));
        }
    }
    response.body = if chunked {
        decode_chunked(&rest)?.ok_or_else(|| HttpError::Protocol("the chunked answer is cut short".into()))?
    } else if let Some(l) = length {
        if rest.len() < l {
            return Err(HttpError::Protocol("the answer is cut short".into()));
        }
        rest.truncate(l);
        rest
    } else {
        rest
    };
    Ok(response)
}

/// The body of a complete chunked message (RFC 9112 §7.1); `None` while it is incomplete.
fn decode_chunked(mut data: &[u8]) -> Result<Option<Vec<u8>>, HttpError> {
    let bad = || HttpError::Protocol("bad chunked coding".into());
    let mut body = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&data[..eol]).map_err(|_| bad())?;
        let size_hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| bad())?;
        if size > MAX_BODY || body.len() + size > MAX_BODY {
            return Err(HttpError::Protocol("the answer is too large".into()));
        }
        data = &data[eol + 2..];
        if size == 0 {
            // Trailers end with an empty line; we do not use them.
            return Ok(data.windows(2).any(|w| w == b"\r\n").then_some(body));
        }
        if data.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[..size]);
        if &data[size..size + 2] != b"\r\n" {
            return Err(bad());
        }
        data = &data[size + 2..];
    }
}

/// `application/x-www-form-urlencoded` of `pairs`.
pub fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined_and_incomplete_ones_wait() {
        let whole = b"4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n";
        assert_eq!(
            decode_chunked(whole).unwrap().unwrap(),
            b"Wikipedia in \r\n\r\nchunks.".to_vec()
        );
        for cut in [3, 10, 20, whole.len() - 1] {
            assert!(decode_chunked(&whole[..cut]).unwrap().is_none(), "cut at {cut}");
        }
        assert!(decode_chunked(b"zz\r\n").is_err());
        assert!(decode_chunked(b"4\r\nWikiXX0\r\n\r\n").is_err());
        assert!(decode_chunked(b"fffffffff\r\n").is_err());
    }

    #[test]
    fn plain_http_is_refused_beyond_this_computer() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let tls = super::super::tls::client_config(None).unwrap();
        let e = rt
            .block_on(send(&Request::new("GET", "http://example.com/x"), &tls))
            .unwrap_err();
        assert!(matches!(e, HttpError::NotLocal(_)), "{e}");
        let e = rt
            .block_on(send(&Request::new("GET", "ftp://127.0.0.1/x"), &tls))
            .unwrap_err();
        assert!(matches!(e, HttpError::BadUrl(_)), "{e}");
    }

    #[test]
    fn a_response_is_read_by_length_and_by_chunks_from_a_local_server() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let tls = super::super::tls::client_config(None).unwrap();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let server = tokio::spawn(async move {
                let answers: [&[u8]; 2] = [
                    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello",
                    b"HTTP/1.1 507 Insufficient Storage\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfu\n\r\n2\r\nll\r\n0\r\n\r\n",
                ];
                let mut seen = Vec::new();
                for answer in answers {
                    let (mut s, _) = listener.accept().await.unwrap();
                    // The whole request (head, then its Content-Length of body) before answering.
                    let mut req = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let n = s.read(&mut chunk).await.unwrap();
                        req.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&req).into_owned();
                        let Some(end) = text.find("\r\n\r\n") else { continue };
                        let length: usize = text
                            .lines()
                            .find_map(|l| l.strip_prefix("Content-Length: "))
                            .and_then(|l| l.trim().parse().ok())
                            .unwrap_or(0);
                        if n == 0 || req.len() >= end + 4 + length {
                            break;
                        }
                    }
                    seen.push(String::from_utf8_lossy(&req).into_owned());
                    s.write_all(answer).await.unwrap();
                }
                seen
            });
            let url = format!("http://127.0.0.1:{port}/up?x=1");
            let r = send(&Request::new("PUT", &url).body("text/plain", b"abc"), &tls)
                .await
                .unwrap();
            assert_eq!((r.status, r.body.as_slice(), r.header("x-a")), (201, &b"hello"[..], Some("b")));
            let r = send(&Request::new("GET", &url), &tls).await.unwrap();
            assert_eq!((r.status, r.text().as_str()), (507, "fu\nll"));
            let seen = server.await.unwrap();
            assert!(seen[0].starts_with("PUT /up?x=1 HTTP/1.1\r\n"), "{}", seen[0]);
            assert!(seen[0].contains(&format!("Host: 127.0.0.1:{port}\r\n")));
            assert!(seen[0].contains("Content-Length: 3\r\n") && seen[0].ends_with("\r\n\r\nabc"));
        });
    }
}
