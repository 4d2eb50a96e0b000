//! SIP messages: parsing with rsip (bounded, never panicking) and the few fields the
//! transaction and dialog layers key on; building requests and responses as text.

use std::fmt::Write as _;
use std::net::IpAddr;

use rsip::prelude::*;
use rsip::{Header, Method, SipMessage};

/// Messages larger than this are refused (RFC 3261 leaves the limit to the implementation).
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Most header lines a message may have (real ones have a few dozen): more is refused before
/// the full parse.
pub const MAX_HEADERS: usize = 256;

/// Why bytes are not a usable SIP message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("message larger than 64 KiB")]
    TooLarge,
    #[error("more than {MAX_HEADERS} header lines")]
    TooManyHeaders,
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("missing or malformed {0} header")]
    BadHeader(&'static str),
}

/// The fields of a message that transactions and dialogs key on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Info {
    /// Branch of the top Via.
    pub branch: String,
    /// `host[:port]` of the top Via.
    pub sent_by: String,
    pub rport: Option<u16>,
    pub received: Option<IpAddr>,
    pub call_id: String,
    pub cseq: u32,
    pub cseq_method: Method,
    pub from_tag: Option<String>,
    pub to_tag: Option<String>,
}

/// A parsed message with its key fields.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub msg: SipMessage,
    pub info: Info,
}

impl Parsed {
    pub fn request(&self) -> Option<&rsip::Request> {
        match &self.msg {
            SipMessage::Request(r) => Some(r),
            SipMessage::Response(_) => None,
        }
    }

    pub fn response(&self) -> Option<&rsip::Response> {
        match &self.msg {
            SipMessage::Response(r) => Some(r),
            SipMessage::Request(_) => None,
        }
    }

    /// The status code of a response.
    pub fn status(&self) -> Option<u16> {
        self.response().map(|r| r.status_code.code())
    }

    /// Values of every header named `name` (case-insensitive; compact forms are not used by us).
    pub fn header_values(&self, name: &str) -> Vec<String> {
        header_values(self.msg.headers(), name)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.header_values(name).into_iter().next()
    }

    pub fn body(&self) -> &[u8] {
        self.msg.body()
    }
}

/// Splits a header into its name and value as rsip prints it.
fn split_header(h: &Header) -> (String, String) {
    let text = h.to_string();
    match text.split_once(':') {
        Some((n, v)) => (n.trim().to_owned(), v.trim().to_owned()),
        None => (text, String::new()),
    }
}

/// Values of the headers named `name`; comma-separated values of list headers are kept whole.
pub fn header_values(headers: &rsip::Headers, name: &str) -> Vec<String> {
    headers
        .iter()
        .map(split_header)
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .collect()
}

impl ParseError {
    /// What is wrong, without quoting the message.
    pub fn kind(&self) -> &'static str {
        match self {
            ParseError::TooLarge => "too large",
            ParseError::TooManyHeaders => "too many header lines",
            ParseError::Malformed(_) => "unparsable",
            ParseError::BadHeader(name) => name,
        }
    }
}

/// Parses a message. Never panics, whatever the bytes.
pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    if bytes.len() > MAX_MESSAGE {
        return Err(ParseError::TooLarge);
    }
    let head = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(bytes, |end| &bytes[..end]);
    if head.iter().filter(|b| **b == b'\n').count() > MAX_HEADERS {
        return Err(ParseError::TooManyHeaders);
    }
    let msg = std::panic::catch_unwind(|| SipMessage::try_from(bytes))
        .map_err(|_| ParseError::Malformed("unparsable".into()))?
        .map_err(|e| ParseError::Malformed(first_line(&e.to_string())))?;
    let info =
        std::panic::catch_unwind(|| info(&msg)).map_err(|_| ParseError::Malformed("unparsable".into()))??;
    Ok(Parsed { msg, info })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().chars().take(120).collect()
}

fn info(msg: &SipMessage) -> Result<Info, ParseError> {
    let via = msg.via_header().map_err(|_| ParseError::BadHeader("Via"))?;
    let (sent_by, branch, rport, received) = parse_via(via.value()).ok_or(ParseError::BadHeader("Via"))?;
    let call_id = msg
        .call_id_header()
        .map_err(|_| ParseError::BadHeader("Call-ID"))?
        .value()
        .trim()
        .to_owned();
    if call_id.is_empty() {
        return Err(ParseError::BadHeader("Call-ID"));
    }
    let cseq = msg.cseq_header().map_err(|_| ParseError::BadHeader("CSeq"))?;
    let (seq, cseq_method) = (
        cseq.seq().map_err(|_| ParseError::BadHeader("CSeq"))?,
        cseq.method().map_err(|_| ParseError::BadHeader("CSeq"))?,
    );
    // Tags are read by hand: rsip's typed From/To reject some valid IPv6 URIs.
    let from = msg
        .from_header()
        .map_err(|_| ParseError::BadHeader("From"))?
        .value()
        .to_owned();
    let to = msg
        .to_header()
        .map_err(|_| ParseError::BadHeader("To"))?
        .value()
        .to_owned();
    if !from.contains("sip") || !to.contains("sip") {
        return Err(ParseError::BadHeader(if from.contains("sip") {
            "To"
        } else {
            "From"
        }));
    }
    let from_tag = header_param(&from, "tag").filter(|t| !t.is_empty());
    let to_tag = header_param(&to, "tag").filter(|t| !t.is_empty());
    if let SipMessage::Request(r) = msg
        && r.method != cseq_method
        && !(r.method == Method::Ack && cseq_method == Method::Invite)
    {
        return Err(ParseError::BadHeader("CSeq"));
    }
    Ok(Info {
        branch,
        sent_by,
        rport,
        received,
        call_id,
        cseq: seq,
        cseq_method,
        from_tag,
        to_tag,
    })
}

/// Parses the first Via value: `SIP/2.0/TRANSPORT sent-by;params` into (sent-by, branch,
/// rport, received). Written by hand: IPv6 `received=` values are not always bracketed.
fn parse_via(value: &str) -> Option<(String, String, Option<u16>, Option<IpAddr>)> {
    let first = value.split(',').next()?.trim();
    let (proto, rest) = first.split_once(char::is_whitespace)?;
    let mut parts = proto.split('/');
    let ok = parts.next()?.trim().eq_ignore_ascii_case("SIP")
        && parts.next()?.trim() == "2.0"
        && !parts.next()?.trim().is_empty();
    if !ok {
        return None;
    }
    let mut params = rest.trim().split(';');
    let sent_by = params.next()?.trim().to_owned();
    if sent_by.is_empty() || sent_by.contains(char::is_whitespace) {
        return None;
    }
    let (mut branch, mut rport, mut received) = (String::new(), None, None);
    for p in params {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "branch" => v.trim().clone_into(&mut branch),
            "rport" => rport = v.trim().parse().ok(),
            "received" => received = v.trim().trim_matches(['[', ']']).parse().ok(),
            _ => {}
        }
    }
    Some((sent_by, branch, rport, received))
}

/// A message being built as text: start line, headers in order, body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Builder {
    start: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Builder {
    pub fn request(method: &Method, uri: &str) -> Builder {
        Builder {
            start: format!("{method} {uri} SIP/2.0"),
            uri: uri.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn response(code: u16, reason: &str) -> Builder {
        Builder {
            start: format!("SIP/2.0 {code} {reason}"),
            uri: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// The Request-URI (empty for responses).
    pub fn uri(&self) -> &str {
        &self.uri
    }

    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    pub fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The first value of the header `name`.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_bytes(&self) -> &[u8] {
        &self.body
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Builder {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Adds a header when there is a value.
    pub fn header_opt(mut self, name: &str, value: Option<String>) -> Builder {
        if let Some(v) = value {
            self.headers.push((name.to_owned(), v));
        }
        self
    }

    /// Puts a header first (the Via of a new request).
    pub fn prepend_header(mut self, name: &str, value: impl Into<String>) -> Builder {
        self.headers.insert(0, (name.to_owned(), value.into()));
        self
    }

    pub fn push_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((name.to_owned(), value.into()));
    }

    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Builder {
        self.headers.push(("Content-Type".into(), content_type.into()));
        self.body = body;
        self
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = String::with_capacity(512);
        let _ = write!(text, "{}\r\n", self.start);
        for (n, v) in &self.headers {
            let _ = write!(text, "{n}: {v}\r\n");
        }
        let _ = write!(text, "Content-Length: {}\r\n\r\n", self.body.len());
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Reason phrases of the status codes we send.
pub fn reason(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        180 => "Ringing",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        420 => "Bad Extension",
        422 => "Session Interval Too Small",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        603 => "Decline",
        _ => "Unknown",
    }
}

/// A response to `req`: Via, From, To (with `to_tag` added when it has none), Call-ID and CSeq copied.
pub fn response_to(req: &Parsed, code: u16, to_tag: Option<&str>) -> Builder {
    let mut b = Builder::response(code, reason(code));
    for h in req.msg.headers().iter() {
        let (name, value) = split_header(h);
        match h {
            Header::Via(_) | Header::From(_) | Header::CallId(_) | Header::CSeq(_) => {
                b.push_header(&name, value)
            }
            Header::To(_) => {
                let value = match (to_tag, &req.info.to_tag) {
                    (Some(tag), None) if code != 100 => format!("{value};tag={tag}"),
                    _ => value,
                };
                b.push_header(&name, value);
            }
            _ => {}
        }
    }
    b
}

/// A host for a URI: IPv6 literals in brackets.
pub fn uri_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// `ip:port` for a URI or Via (IPv6 in brackets).
pub fn host_port(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

/// Extracts `<uri>` from a name-addr, or the whole value up to parameters for an addr-spec.
pub fn addr_uri(value: &str) -> String {
    if let (Some(a), Some(b)) = (value.find('<'), value.find('>'))
        && a < b
    {
        return value[a + 1..b].to_owned();
    }
    value.split(';').next().unwrap_or_default().trim().to_owned()
}

/// The value of `;name=value` parameter in a header value (outside `<…>`).
pub fn header_param(value: &str, name: &str) -> Option<String> {
    let after = value.rfind('>').map_or(value, |i| &value[i + 1..]);
    after.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Splits a Contact (or Record-Route) header value into its entries: commas outside quotes and
/// angle brackets.
pub fn split_contacts(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => depth += 1,
            '>' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(value[start..].trim());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport=5062;received=198.51.100.9\r\n\
        Max-Forwards: 70\r\n\
        To: Bob <sip:bob@example.com>\r\n\
        From: Alice <sip:alice@example.com>;tag=1928301774\r\n\
        Call-ID: a84b4c76e66710@pc33.example.com\r\n\
        CSeq: 314159 INVITE\r\n\
        Contact: <sip:alice@192.0.2.1>\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn parses_the_key_fields() {
        let p = parse(INVITE.as_bytes()).unwrap();
        assert_eq!(p.info.branch, "z9hG4bK776asdhds");
        assert_eq!(p.info.sent_by, "192.0.2.1:5060");
        assert_eq!(p.info.rport, Some(5062));
        assert_eq!(p.info.received, Some("198.51.100.9".parse().unwrap()));
        assert_eq!(p.info.cseq, 314159);
        assert_eq!(p.info.cseq_method, Method::Invite);
        assert_eq!(p.info.from_tag.as_deref(), Some("1928301774"));
        assert_eq!(p.info.to_tag, None);
        assert_eq!(p.header("contact").as_deref(), Some("<sip:alice@192.0.2.1>"));
    }

    #[test]
    fn responses_copy_the_right_headers() {
        let p = parse(INVITE.as_bytes()).unwrap();
        let r = response_to(&p, 486, Some("xyz")).to_bytes();
        let parsed = parse(&r).unwrap();
        assert_eq!(parsed.status(), Some(486));
        assert_eq!(parsed.info.to_tag.as_deref(), Some("xyz"));
        assert_eq!(parsed.info.call_id, p.info.call_id);
        assert_eq!(parsed.info.branch, p.info.branch);
    }

    #[test]
    fn refuses_oversized_and_inconsistent_messages() {
        assert_eq!(
            parse(&vec![b'a'; MAX_MESSAGE + 1]).unwrap_err(),
            ParseError::TooLarge
        );
        // Header lines beyond the limit, within 64 KiB: refused before the full parse.
        let padded = |n: usize| INVITE.replacen("\r\n", &format!("\r\n{}", "X-Pad: 1\r\n".repeat(n)), 1);
        let many = padded(MAX_HEADERS);
        assert!(many.len() < MAX_MESSAGE);
        assert_eq!(parse(many.as_bytes()).unwrap_err(), ParseError::TooManyHeaders);
        assert!(
            parse(padded(MAX_HEADERS - 20).as_bytes()).is_ok(),
            "a long but allowed header list"
        );
        let bad = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE");
        assert_eq!(parse(bad.as_bytes()).unwrap_err(), ParseError::BadHeader("CSeq"));
        let no_call_id = INVITE.replace("Call-ID: a84b4c76e66710@pc33.example.com\r\n", "");
        assert!(parse(no_call_id.as_bytes()).is_err());
    }

    #[test]
    fn ipv6_identities_parse() {
        let text = INVITE
            .replace(
                "From: Alice <sip:alice@example.com>;tag=1928301774",
                "From: <sip:a@[::1]>;tag=t1",
            )
            .replace(
                "To: Bob <sip:bob@example.com>",
                "To: <sip:b@[2001:db8::1]:5060>;tag=t2",
            );
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.info.from_tag.as_deref(), Some("t1"));
        assert_eq!(p.info.to_tag.as_deref(), Some("t2"));
    }

    #[test]
    fn ipv6_vias_parse() {
        for via in [
            "SIP/2.0/UDP [::1]:5070;branch=z9hG4bKa;rport=5070;received=::1",
            "SIP/2.0/UDP [::1]:5070;branch=z9hG4bKa;rport=5070;received=[::1]",
            "SIP/2.0/UDP [::1]:5070;branch=z9hG4bKa;rport",
        ] {
            let text = INVITE.replace(
                "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport=5062;received=198.51.100.9",
                via,
            );
            let p = parse(text.as_bytes()).unwrap_or_else(|e| panic!("{via}: {e}"));
            assert_eq!(p.info.branch, "z9hG4bKa", "{via}");
        }
    }

    #[test]
    fn addresses_and_params() {
        assert_eq!(
            addr_uri("\"A\" <sip:a@b;transport=tcp>;tag=1"),
            "sip:a@b;transport=tcp"
        );
        assert_eq!(addr_uri("sip:a@b;tag=1"), "sip:a@b");
        assert_eq!(
            header_param("<sip:a@b;lr>;expires=60;q=1", "expires").as_deref(),
            Some("60")
        );
        assert_eq!(header_param("<sip:a@b;expires=5>", "expires"), None);
    }
}
