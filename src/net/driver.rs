//! Drives the sans-IO engine on tokio: feeds it messages, commands and timeouts, carries its
//! transmits to the connections, and hands its events to the phone. One task owns the engine,
//! so the UI's back-pressure never stalls SIP.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use rustls::ClientConfig;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, warn};

use super::transport::{self, ConnectError, Connection, NetEvent, Target};
use crate::engine::{Command, Event, Flow, Input, OsRandom, Output, UserAgent};

/// What the driver reports to the phone.
#[derive(Debug)]
pub enum DriverEvent {
    Engine(Event),
    /// A connection-oriented flow closed (the phone reconnects and re-registers).
    FlowClosed {
        flow: Flow,
        reason: String,
    },
}

enum Request {
    Engine(Command),
    Open {
        target: Target,
        tls: Option<Arc<ClientConfig>>,
        reply: oneshot::Sender<Result<Connection, ConnectError>>,
    },
    Close(Flow),
    Stop(oneshot::Sender<()>),
}

/// The phone's handle on the driver task.
#[derive(Clone, Debug)]
pub struct Driver {
    tx: mpsc::UnboundedSender<Request>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Request")
    }
}

impl Driver {
    /// Starts the driver on the current tokio runtime.
    pub fn spawn(sip_trace: bool) -> (Driver, mpsc::UnboundedReceiver<DriverEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        tokio::spawn(run(rx, events_tx, sip_trace));
        (Driver { tx }, events_rx)
    }

    pub fn command(&self, command: Command) {
        let _ = self.tx.send(Request::Engine(command));
    }

    /// Opens a flow (connects for streams); the driver keeps it until closed.
    pub async fn open(
        &self,
        target: Target,
        tls: Option<Arc<ClientConfig>>,
    ) -> Result<Connection, ConnectError> {
        let (reply, rx) = oneshot::channel();
        let flow = target.flow;
        let _ = self.tx.send(Request::Open { target, tls, reply });
        rx.await.unwrap_or(Err(ConnectError {
            flow,
            reason: "the network task stopped".into(),
        }))
    }

    pub fn close(&self, flow: Flow) {
        let _ = self.tx.send(Request::Close(flow));
    }

    /// Stops the driver (after the engine's last transmits were handed to the sockets).
    pub async fn stop(&self) {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Request::Stop(tx));
        let _ = rx.await;
    }
}

/// Messages received and not yet handled by the engine, at most.
const INBOX: usize = 256;

async fn run(
    mut requests: mpsc::UnboundedReceiver<Request>,
    events: mpsc::UnboundedSender<DriverEvent>,
    sip_trace: bool,
) {
    let mut ua = UserAgent::new(Instant::now(), Box::new(OsRandom));
    let mut conns: HashMap<Flow, Connection> = HashMap::new();
    // Bounded: a peer sending faster than the engine handles is held back (see transport).
    let (net_tx, mut net_rx) = mpsc::channel::<NetEvent>(INBOX);
    let (opened_tx, mut opened_rx) = mpsc::unbounded_channel::<(
        Result<Connection, ConnectError>,
        oneshot::Sender<Result<Connection, ConnectError>>,
    )>();
    loop {
        let deadline = ua.next_deadline();
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            req = requests.recv() => match req {
                None => break,
                Some(Request::Engine(c)) => ua.handle_input(Instant::now(), Input::command(c)),
                Some(Request::Open { target, tls, reply }) => {
                    let net = net_tx.clone();
                    let done = opened_tx.clone();
                    tokio::spawn(async move {
                        let result = transport::open(&target, tls, net).await;
                        let _ = done.send((result, reply));
                    });
                }
                Some(Request::Close(flow)) => { conns.remove(&flow); }
                Some(Request::Stop(done)) => {
                    flush(&mut ua, &mut conns, &events, sip_trace);
                    // Give the writer tasks a moment to put the last bytes on the wire.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    let _ = done.send(());
                    break;
                }
            },
            Some((result, reply)) = opened_rx.recv() => {
                if let Ok(c) = &result {
                    conns.insert(c.flow, c.clone());
                }
                let _ = reply.send(result);
            }
            Some(ev) = net_rx.recv() => match ev {
                NetEvent::Message { flow, bytes } => {
                    super::trace::message(sip_trace, false, flow, &bytes);
                    ua.handle_input(Instant::now(), Input::Message { flow, bytes: &bytes });
                }
                NetEvent::Error { flow, reason, closed } => {
                    warn!(transport = %flow.transport, %reason, "transport error");
                    debug!(%flow, "the transport error's flow");
                    if closed && conns.remove(&flow).is_some() {
                        let _ = events.send(DriverEvent::FlowClosed { flow, reason });
                    }
                    ua.handle_input(Instant::now(), Input::TransportError { flow });
                }
            },
            () = sleep => ua.handle_input(Instant::now(), Input::Timeout),
        }
        flush(&mut ua, &mut conns, &events, sip_trace);
    }
}

fn flush(
    ua: &mut UserAgent,
    conns: &mut HashMap<Flow, Connection>,
    events: &mpsc::UnboundedSender<DriverEvent>,
    sip_trace: bool,
) {
    // Transmits to a flow without a connection become transport errors, which may produce
    // more output; a few rounds settle it (each round ends transactions, it never loops).
    for _ in 0..4 {
        let mut failed = Vec::new();
        while let Some(out) = ua.poll_output() {
            match out {
                Output::Transmit(t) => {
                    super::trace::message(sip_trace, true, t.flow, &t.bytes);
                    match conns.get(&t.flow) {
                        Some(c) if c.send(t.bytes) => {}
                        _ => {
                            debug!(flow = %t.flow, "no connection for transmit");
                            failed.push(t.flow);
                        }
                    }
                }
                Output::Event(e) => {
                    let _ = events.send(DriverEvent::Engine(e));
                }
                Output::Timeout(_) => break,
            }
        }
        if failed.is_empty() {
            return;
        }
        failed.sort();
        failed.dedup();
        for flow in failed {
            ua.handle_input(Instant::now(), Input::TransportError { flow });
        }
    }
}
