//! Signalling connections on tokio: UDP (a connected socket per flow, so ICMP errors are
//! seen), TCP, TLS and WebSocket (RFC 7118, `sip` subprotocol) over TCP or TLS.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::framing::Framer;
use super::tls::explain_handshake_error;
use crate::engine::sip::msg::MAX_MESSAGE;
use crate::engine::{Flow, Transport};
use crate::text::Text;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A message begun on a stream must be complete within this time (64·T1, as a transaction);
/// a peer trickling one slower (slow loris) loses the connection.
const MESSAGE_TIME: Duration = Duration::from_secs(32);

/// Where to connect: the flow plus the name to verify TLS certificates against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub flow: Flow,
    /// Host name (or IP literal) for SNI, certificate checks and the WebSocket Host.
    pub server_name: String,
}

/// Something that happened on a connection.
#[derive(Debug)]
pub enum NetEvent {
    Message {
        flow: Flow,
        bytes: Vec<u8>,
    },
    /// Sending or receiving failed; `closed` when the connection is gone for good.
    Error {
        flow: Flow,
        reason: String,
        closed: bool,
    },
}

/// An open flow: send bytes with [`Connection::send`].
#[derive(Debug, Clone)]
pub struct Connection {
    pub flow: Flow,
    pub local: SocketAddr,
    tx: mpsc::UnboundedSender<Vec<u8>>,
}

impl Connection {
    /// Queues bytes; false when the connection is closed.
    pub fn send(&self, bytes: Vec<u8>) -> bool {
        self.tx.send(bytes).is_ok()
    }
}

/// Why a connection could not be opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.text())]
pub struct ConnectError {
    pub flow: Flow,
    pub reason: String,
}

impl ConnectError {
    pub fn text(&self) -> Text {
        Text::new("net-cannot-reach")
            .arg("flow", self.flow)
            .arg("reason", &self.reason)
    }
}

/// Opens a connection and starts its reader and writer tasks, which report to `events`.
pub async fn open(
    target: &Target,
    tls: Option<Arc<ClientConfig>>,
    events: mpsc::Sender<NetEvent>,
) -> Result<Connection, ConnectError> {
    let flow = target.flow;
    let fail = |reason: String| ConnectError { flow, reason };
    if flow.transport == Transport::Udp {
        return open_udp(flow, events).await.map_err(|e| fail(e.to_string()));
    }
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(flow.remote))
        .await
        .map_err(|_| fail("no answer within 5 s".into()))?
        .map_err(|e| fail(e.to_string()))?;
    let _ = tcp.set_nodelay(true);
    let local = tcp.local_addr().map_err(|e| fail(e.to_string()))?;
    let (tx, rx) = mpsc::unbounded_channel();
    let conn = Connection { flow, local, tx };
    match flow.transport {
        Transport::Tcp => spawn_stream(flow, tcp, rx, events),
        Transport::Tls | Transport::Wss => {
            let config = tls.ok_or_else(|| fail("no TLS configuration".into()))?;
            let name = ServerName::try_from(target.server_name.trim_matches(['[', ']']).to_owned())
                .map_err(|e| fail(format!("bad server name: {e}")))?;
            let stream = tokio::time::timeout(
                CONNECT_TIMEOUT,
                tokio_rustls::TlsConnector::from(config).connect(name, tcp),
            )
            .await
            .map_err(|_| fail("TLS handshake timed out".into()))?
            .map_err(|e| fail(explain_handshake_error(&e)))?;
            if flow.transport == Transport::Tls {
                spawn_stream(flow, stream, rx, events);
            } else {
                let ws = ws_handshake("wss", target, stream).await.map_err(fail)?;
                spawn_ws(flow, ws, rx, events);
            }
        }
        Transport::Ws => {
            let ws = ws_handshake("ws", target, tcp).await.map_err(fail)?;
            spawn_ws(flow, ws, rx, events);
        }
        Transport::Udp => unreachable!("handled above"),
    }
    Ok(conn)
}

async fn open_udp(flow: Flow, events: mpsc::Sender<NetEvent>) -> std::io::Result<Connection> {
    let bind: SocketAddr = if flow.remote.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .unwrap_or(flow.remote);
    let socket = Arc::new(UdpSocket::bind(bind).await?);
    socket.connect(flow.remote).await?;
    let local = socket.local_addr()?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let reader = socket.clone();
    let ev = events.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        loop {
            match reader.recv(&mut buf).await {
                Ok(n) => {
                    // A full inbox holds the reader back; the kernel then drops what a flood
                    // sends beyond it, instead of this process queueing it without bound.
                    if ev
                        .send(NetEvent::Message {
                            flow,
                            bytes: buf[..n].to_vec(),
                        })
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    // ICMP port unreachable shows up here on a connected socket: the server is down.
                    let reason = e.to_string();
                    if ev
                        .send(NetEvent::Error {
                            flow,
                            reason,
                            closed: false,
                        })
                        .await
                        .is_err()
                    {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
    tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            if let Err(e) = socket.send(&bytes).await {
                let _ = events
                    .send(NetEvent::Error {
                        flow,
                        reason: e.to_string(),
                        closed: false,
                    })
                    .await;
            }
        }
    });
    Ok(Connection { flow, local, tx })
}

/// Reports that a connection is gone.
async fn closed(events: &mpsc::Sender<NetEvent>, flow: Flow, reason: String) {
    let _ = events
        .send(NetEvent::Error {
            flow,
            reason,
            closed: true,
        })
        .await;
}

fn spawn_stream<S>(
    flow: Flow,
    stream: S,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    events: mpsc::Sender<NetEvent>,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut read, mut write) = tokio::io::split(stream);
    let ev = events.clone();
    tokio::spawn(async move {
        let mut framer = Framer::default();
        let mut buf = vec![0u8; 16 * 1024];
        // When the message now arriving must be complete (slow-loris peers).
        let mut complete_by: Option<tokio::time::Instant> = None;
        let reason = loop {
            let received = match complete_by {
                Some(deadline) => match tokio::time::timeout_at(deadline, read.read(&mut buf)).await {
                    Ok(r) => r,
                    Err(_) => {
                        break format!(
                            "the server left a message unfinished for {} s",
                            MESSAGE_TIME.as_secs()
                        );
                    }
                },
                None => read.read(&mut buf).await,
            };
            match received {
                Ok(0) => break "the server closed the connection".to_owned(),
                Ok(n) => {
                    framer.push(&buf[..n]);
                    let mut completed = false;
                    loop {
                        match framer.next_message() {
                            Ok(Some(bytes)) => {
                                completed = true;
                                let _ = ev.send(NetEvent::Message { flow, bytes }).await;
                            }
                            Ok(None) => break,
                            Err(e) => {
                                closed(&ev, flow, e.to_string()).await;
                                return;
                            }
                        }
                    }
                    // The clock starts with each message's first bytes.
                    complete_by = match (framer.is_partial(), complete_by) {
                        (false, _) => None,
                        (true, Some(since)) if !completed => Some(since),
                        (true, _) => Some(tokio::time::Instant::now() + MESSAGE_TIME),
                    };
                }
                Err(e) => break e.to_string(),
            }
        };
        closed(&ev, flow, reason).await;
    });
    tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            if let Err(e) = write.write_all(&bytes).await {
                closed(&events, flow, e.to_string()).await;
                break;
            }
        }
        let _ = write.shutdown().await;
    });
}

async fn ws_handshake<S>(
    scheme: &str,
    target: &Target,
    stream: S,
) -> Result<tokio_tungstenite::WebSocketStream<S>, String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let host = if target.server_name.contains(':') && !target.server_name.starts_with('[') {
        format!("[{}]", target.server_name)
    } else {
        target.server_name.clone()
    };
    let url = format!("{scheme}://{host}:{}/", target.flow.remote.port());
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        tokio_tungstenite::tungstenite::http::HeaderValue::from_static("sip"),
    );
    let (ws, response) = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio_tungstenite::client_async_with_config(request, stream, Some(ws_limits())),
    )
    .await
    .map_err(|_| "WebSocket handshake timed out".to_owned())?
    .map_err(|e| format!("WebSocket handshake failed: {e}"))?;
    let proto = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .and_then(|v| v.to_str().ok());
    if proto != Some("sip") {
        return Err("the server did not accept the `sip` WebSocket subprotocol (RFC 7118)".into());
    }
    Ok(ws)
}

/// A SIP message fits one WebSocket message (RFC 7118 §5): neither may pass the 64 KiB a
/// message may have (tungstenite's own limits are 16 MiB a frame, 64 MiB a message).
fn ws_limits() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

fn spawn_ws<S>(
    flow: Flow,
    ws: tokio_tungstenite::WebSocketStream<S>,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    events: mpsc::Sender<NetEvent>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
    let ev = events.clone();
    tokio::spawn(async move {
        let reason = loop {
            match stream.next().await {
                Some(Ok(WsMessage::Text(t))) => {
                    let _ = ev
                        .send(NetEvent::Message {
                            flow,
                            bytes: t.as_bytes().to_vec(),
                        })
                        .await;
                }
                Some(Ok(WsMessage::Binary(b))) => {
                    let _ = ev
                        .send(NetEvent::Message {
                            flow,
                            bytes: b.to_vec(),
                        })
                        .await;
                }
                Some(Ok(WsMessage::Close(_))) | None => break "the server closed the WebSocket".to_owned(),
                Some(Ok(_)) => {}
                Some(Err(e)) => break e.to_string(),
            }
        };
        closed(&ev, flow, reason).await;
    });
    tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            // CRLF keep-alives are not sent over WebSocket (the protocol has its own pings).
            if bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                let _ = sink.send(WsMessage::Ping(Vec::new().into())).await;
                continue;
            }
            let msg = match String::from_utf8(bytes) {
                Ok(t) => WsMessage::Text(t.into()),
                Err(e) => WsMessage::Binary(e.into_bytes().into()),
            };
            if let Err(e) = sink.send(msg).await {
                closed(&events, flow, e.to_string()).await;
                break;
            }
        }
        let _ = sink.close().await;
    });
}
