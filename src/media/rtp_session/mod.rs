//! A media stream on tokio: every 20 ms it sends a frame of any [`AudioCodec`] from a source (a
//! decoded file, the input device or silence) and plays out a frame of what the far end sent
//! through the jitter buffer (on the output device, recorded as WAV); it carries RFC 4733 digits, reports with RTCP (SR/RR, on the RTP
//! port with rtcp-mux or on the next port), encrypts with SRTP when keyed, and sends to where
//! the far end's media comes from (symmetric RTP, RFC 4961).

mod devices;
pub(crate) mod receive;
mod reports;
mod taping;
mod transport;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, info, warn};

use super::audio_file::{Pcm, wav_bytes};
use super::codec::{AudioCodec, frame_samples};
use super::device::DeviceChoice;
use super::dtls::{DtlsSession, is_dtls};
use super::ice::{IceAgent, is_stun};
use crate::engine::rtp::dtmf::DtmfSender;
use crate::engine::rtp::packet::{self, RtpHeader};
use crate::engine::rtp::rtcp::SenderInfo;
use crate::engine::sdes::Crypto;
use crate::fsio::write_atomic;
pub use devices::Controls;
use devices::Devices;
use receive::{Received, Receiver};
pub use reports::RemoteView;
use reports::Reports;
use taping::Taping;
use transport::{Keys, dtls_timer, flush_dtls, follow_ice, ice_ready, on_rtcp, send_rtcp};

/// How long [`Stream::stop`] waits for the stream's last report and recordings.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// Telephone-event clock units in a 20 ms frame (telephone-event/8000).
const EVENT_FRAME: u16 = 160;

/// What a stream does.
pub struct StreamConfig {
    pub remote: SocketAddr,
    pub payload_type: u8,
    pub codec: Box<dyn AudioCodec>,
    /// Audio to send first (resampled to the codec's rate), then the input device when `devices`
    /// is set, else silence.
    pub source: Option<Pcm>,
    /// Where to write what the far end sent (mono WAV at the codec's rate).
    pub record: Option<PathBuf>,
    /// Where the call is recorded (both sides, Ogg Opus) while [`Controls::set_recording`] is
    /// on; `None`: recording is refused.
    pub recording: Option<PathBuf>,
    pub ssrc: u32,
    /// Our RTCP CNAME (RFC 3550 §6.5.1).
    pub cname: String,
    /// RTCP without rtcp-mux: its own socket and the far end's RTCP address. `None`: RTCP
    /// shares the RTP port (RFC 5761).
    pub rtcp: Option<(UdpSocket, SocketAddr)>,
    /// Payload type and clock of telephone-event when negotiated (RFC 4733).
    pub dtmf: Option<(u8, u32)>,
    /// Where received digits go, tagged with this id.
    pub digits_to: Option<(mpsc::UnboundedSender<(u64, char)>, u64)>,
    /// SRTP keys (ours for sending, theirs for receiving) when the stream is encrypted.
    pub srtp: Option<(Crypto, Crypto)>,
    /// A DTLS-SRTP handshake that yields the keys (nothing is sent until it completes).
    pub dtls: Option<DtlsSession>,
    /// Sound devices: the input is sent when there is no `source`; what the far end sends is
    /// played on the output (and still recorded when `record` is set).
    pub devices: Option<DeviceChoice>,
    /// ICE (RFC 8445) with the far end, checks started: nothing is sent (media, RTCP, DTLS)
    /// until it selects a pair, then everything goes to that pair's address.
    pub ice: Option<IceAgent>,
}

impl std::fmt::Debug for StreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamConfig")
            .field("remote", &self.remote)
            .field("payload_type", &self.payload_type)
            .field("rate", &self.codec.sample_rate())
            .finish_non_exhaustive()
    }
}

/// What happened on a stream; also its live quality read-out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamReport {
    pub sent: u32,
    pub received: u32,
    pub lost: i32,
    /// Interarrival jitter in milliseconds.
    pub jitter_ms: u32,
    /// Current jitter-buffer delay in milliseconds.
    pub buffer_ms: u32,
    /// Frames played without their packet (concealed), and packets that came too late.
    pub concealed: u32,
    pub late: u32,
    /// Round-trip time from RTCP, when the far end reports.
    pub rtt: Option<Duration>,
    /// Our stream as the far end reports it.
    pub remote: Option<RemoteView>,
    pub rtcp_sent: u32,
    pub rtcp_received: u32,
    pub record_error: Option<String>,
    /// The call recording written, if it was recorded.
    pub recorded: Option<PathBuf>,
    /// Why the call recording stopped early or could not be written.
    pub recording_error: Option<String>,
    /// Digits received as RFC 4733 events.
    pub digits: String,
}

/// A running stream; stop it to get its report (and the recording written).
#[derive(Debug)]
pub struct Stream {
    stop: Option<oneshot::Sender<()>>,
    done: Option<oneshot::Receiver<StreamReport>>,
    digits: mpsc::UnboundedSender<String>,
    live: watch::Receiver<StreamReport>,
    controls: Arc<Controls>,
}

impl Stream {
    /// Starts sending and receiving on `socket`.
    pub fn start(socket: UdpSocket, config: StreamConfig) -> Stream {
        let (stop_tx, stop_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let (digits_tx, digits_rx) = mpsc::unbounded_channel();
        let (live_tx, live_rx) = watch::channel(StreamReport::default());
        let controls = Arc::new(Controls::default());
        let shared = controls.clone();
        tokio::spawn(async move {
            let report = run(Arc::new(socket), config, stop_rx, digits_rx, live_tx, shared).await;
            let _ = done_tx.send(report);
        });
        Stream {
            stop: Some(stop_tx),
            done: Some(done_rx),
            digits: digits_tx,
            live: live_rx,
            controls,
        }
    }

    /// Mute and the level meters of the call's sound devices.
    pub fn controls(&self) -> &Controls {
        &self.controls
    }

    /// Sends digits as RFC 4733 events (ignored when telephone-event was not negotiated).
    pub fn send_dtmf(&self, digits: &str) {
        let _ = self.digits.send(digits.to_owned());
    }

    /// The quality figures so far (updated every second).
    pub fn stats(&self) -> StreamReport {
        self.live.borrow().clone()
    }

    /// Stops the stream, writes the recording and returns the report. A stream that has not
    /// finished within [`STOP_WAIT`] (its task starved or stuck on a sound server) is left to
    /// finish on its own: the call ends on time with the last figures, and says so.
    pub async fn stop(mut self) -> StreamReport {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let Some(done) = self.done.take() else {
            return StreamReport::default();
        };
        match tokio::time::timeout(STOP_WAIT, done).await {
            Ok(report) => report.unwrap_or_default(),
            Err(_) => {
                warn!("the media stream did not stop within {STOP_WAIT:?}; ending without its final report");
                let mut report = self.stats();
                report.recording_error = self.controls.is_recording().then(|| {
                    "the media stream did not stop in time; the recording may be incomplete".to_owned()
                });
                report
            }
        }
    }
}

/// `at` on the local clock since `start`, in RTP timestamp units (`ts_step` per 20 ms):
/// arrivals and playout are timed on it.
fn media_clock(start: tokio::time::Instant, at: tokio::time::Instant, ts_step: u32) -> u64 {
    at.saturating_duration_since(start).as_micros() as u64 * u64::from(ts_step) / 20_000
}

/// Receives on an optional socket; pends forever without one.
async fn recv_opt(socket: Option<&UdpSocket>, buf: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
    match socket {
        Some(s) => s.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

async fn run(
    socket: Arc<UdpSocket>,
    config: StreamConfig,
    mut stop: oneshot::Receiver<()>,
    mut digits: mpsc::UnboundedReceiver<String>,
    live: watch::Sender<StreamReport>,
    controls: Arc<Controls>,
) -> StreamReport {
    let mut dtmf_out = DtmfSender::default();
    let mut event_ts = 0u32;
    let mut keys = match &config.srtp {
        Some((ours, theirs)) => match Keys::new(ours, theirs) {
            Some(k) => Some(k),
            None => {
                warn!("SRTP keys unusable; no media");
                return StreamReport::default();
            }
        },
        None => None,
    };
    let mut dtls = config.dtls;
    let mut ice = config.ice;
    if ice.is_none() {
        flush_dtls(&socket, dtls.as_mut()).await;
    }
    let mut codec = config.codec;
    let rate = codec.sample_rate();
    let frame_len = frame_samples(codec.as_ref());
    let ts_step = codec.rtp_clock() / 50;
    let mut devices = Devices::open(config.devices, rate, controls.clone());
    let source = config.source.map(|p| resample(&p, rate)).unwrap_or_default();
    let mut report = StreamReport::default();
    let mut receiver = Receiver::new(config.payload_type, config.dtmf.map(|d| d.0), codec.as_ref());
    let start = tokio::time::Instant::now();
    let mut reports = Reports::new(config.ssrc, config.cname.clone(), Instant::now());
    let (rtcp_socket, mut remote_rtcp) = match config.rtcp {
        Some((s, addr)) => (Some(s), addr),
        None => (None, config.remote),
    };
    let mut remote = config.remote;
    // ICE decides where media goes; without it, the far end's media does (latching).
    let mut latched = ice.is_some();
    let mut heard: Vec<i16> = Vec::new();
    let recording = config.record.is_some();
    let mut taping = Taping::new(config.recording, rate);
    let mut sent: Vec<i16> = Vec::with_capacity(frame_len);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (mut seq, mut ts) = (config.ssrc as u16, config.ssrc.rotate_left(7));
    let (mut frame_no, mut octets) = (0usize, 0u32);
    let event_frame = config.dtmf.map_or(EVENT_FRAME, |(_, clock)| (clock / 50) as u16);
    let (mut out, mut enc, mut frame) = (
        Vec::with_capacity(200),
        Vec::with_capacity(frame_len),
        Vec::with_capacity(frame_len),
    );
    let (mut buf, mut rtcp_buf) = (vec![0u8; 2048], vec![0u8; 2048]);
    loop {
        // In this order: what has arrived is taken in before the clock plays the next frame
        // (after a scheduling stall the socket holds packets that belong to ticks now due).
        tokio::select! {
            biased;
            _ = &mut stop => break,
            Some(d) = digits.recv() => if config.dtmf.is_some() { dtmf_out.push(&d) },
            () = dtls_timer(ice.as_mut().and_then(IceAgent::poll_timeout)) => {
                if let Some(i) = &mut ice {
                    i.handle_timeout(Instant::now());
                    let mux = rtcp_socket.is_none().then_some(&mut remote_rtcp);
                    follow_ice(&socket, i, dtls.as_mut(), &mut remote, mux).await;
                }
            }
            // The handshake waits for ICE's pair.
            () = dtls_timer(dtls.as_ref().filter(|_| ice_ready(ice.as_ref())).and_then(DtlsSession::poll_timeout)) => {
                if let Some(d) = &mut dtls
                    && let Err(e) = d.handle_timeout(Instant::now())
                {
                    warn!(error = %e, "DTLS-SRTP handshake gave up: no media");
                    dtls = None;
                }
                flush_dtls(&socket, dtls.as_mut()).await;
            }
            r = socket.recv_from(&mut buf) => {
                let Ok((n, from)) = r else { continue };
                if is_stun(&buf[..n]) {
                    if let Some(i) = &mut ice {
                        i.on_stun(Instant::now(), from, &buf[..n]);
                        let mux = rtcp_socket.is_none().then_some(&mut remote_rtcp);
                        follow_ice(&socket, i, dtls.as_mut(), &mut remote, mux).await;
                    }
                    continue;
                }
                if is_dtls(&buf[..n]) {
                    if let Some(d) = &mut dtls {
                        match d.on_datagram(Instant::now(), from, &buf[..n]) {
                            Ok(Some((ours, theirs))) => {
                                info!(suite = ours.suite.name(), "DTLS-SRTP keyed");
                                keys = Keys::new(&ours, &theirs);
                            }
                            Ok(None) => {}
                            Err(e) => warn!(error = %e, "DTLS"),
                        }
                    }
                    if ice_ready(ice.as_ref()) {
                        flush_dtls(&socket, dtls.as_mut()).await;
                    }
                    continue;
                }
                if packet::is_rtcp(&buf[..n]) {
                    on_rtcp(&buf[..n], &mut keys, &mut reports, receiver.ssrc());
                    continue;
                }
                let plain;
                let bytes: &[u8] = match &mut keys {
                    Some(k) => match k.inn.decrypt_rtp(&buf[..n]) {
                        Ok(p) => {
                            plain = p;
                            &plain
                        }
                        // Unauthenticated or replayed packets are dropped (RFC 3711 §3.3).
                        Err(_) => continue,
                    },
                    None => &buf[..n],
                };
                let Ok(p) = packet::parse(bytes) else { continue };
                let arrival = media_clock(start, tokio::time::Instant::now(), ts_step);
                let got = receiver.on_packet(&p, arrival);
                if got == Received::Ignored {
                    continue;
                }
                // Symmetric RTP: answer to where the media comes from (a NAT may rewrite it).
                if !latched {
                    latched = true;
                    if from != remote {
                        info!("media comes from another address than the SDP says; sending there");
                        debug!(%from, sdp = %remote, "the media's addresses");
                        if rtcp_socket.is_none() {
                            remote_rtcp = from;
                        }
                        remote = from;
                    }
                }
                if let Received::Digit(d) = got {
                    report.digits.push(d);
                    if let Some((tx, id)) = &config.digits_to {
                        let _ = tx.send((*id, d));
                    }
                }
            }
            r = recv_opt(rtcp_socket.as_ref(), &mut rtcp_buf) => {
                if let Ok((n, _)) = r {
                    on_rtcp(&rtcp_buf[..n], &mut keys, &mut reports, receiver.ssrc());
                }
            }
            due = tick.tick() => {
                // Frames are played on the tick's schedule, not when a busy machine gets to it.
                let playout = media_clock(start, due, ts_step);
                if (keys.is_none() && dtls.is_some()) || !ice_ready(ice.as_ref()) {
                    // Still keying or no ICE pair yet: nothing may go out, but the clock runs on.
                    frame.clear();
                    receiver.next_frame(codec.as_mut(), playout, &mut frame);
                    if recording {
                        heard.extend_from_slice(&frame);
                    }
                    continue;
                }
                // Digits wait for the first 500 ms of media, so the far end is listening.
                let event = config
                    .dtmf
                    .filter(|_| frame_no >= 25)
                    .and_then(|(pt, _)| dtmf_out.next_frame(event_frame).map(|e| (pt, e)));
                if let Some((pt, (e, starts))) = event {
                    if starts {
                        event_ts = ts;
                    }
                    let header = RtpHeader { marker: starts, payload_type: pt, sequence: seq, timestamp: event_ts, ssrc: config.ssrc };
                    packet::write(&header, &e.to_bytes(), &mut out);
                    sent.clear();
                } else {
                    let from = frame_no * frame_len;
                    let mut pcm: Vec<i16> = (from..from + frame_len).map(|i| source.get(i).copied().unwrap_or(0)).collect();
                    // After the audio to send (an announcement), the microphone.
                    if from >= source.len() {
                        devices.capture(&mut pcm);
                    }
                    codec.encode(&pcm, &mut enc);
                    let header = RtpHeader { marker: frame_no == 0, payload_type: config.payload_type, sequence: seq, timestamp: ts, ssrc: config.ssrc };
                    packet::write(&header, &enc, &mut out);
                    sent = pcm;
                }
                let payload_len = out.len().saturating_sub(12) as u32;
                if let Some(k) = &mut keys {
                    match k.out.encrypt_rtp(&out) {
                        Ok(protected) => out = protected.to_vec(),
                        Err(e) => {
                            debug!(error = %e, "SRTP protect failed");
                            continue;
                        }
                    }
                }
                if let Err(e) = socket.send_to(&out, remote).await {
                    debug!(error = %e, "RTP send failed");
                } else {
                    report.sent += 1;
                    octets = octets.wrapping_add(payload_len);
                }
                seq = seq.wrapping_add(1);
                ts = ts.wrapping_add(ts_step);
                frame_no += 1;

                // Play out what the far end sent.
                frame.clear();
                receiver.next_frame(codec.as_mut(), playout, &mut frame);
                devices.play(&frame);
                if recording {
                    heard.extend_from_slice(&frame);
                }
                taping.frame(&controls, &sent, &frame);

                let now = Instant::now();
                if reports.due(now) {
                    let sent = (report.sent > 0).then_some(SenderInfo { ntp: 0, rtp_timestamp: ts, packets: report.sent, octets });
                    reports.build(now, sent, &mut receiver, false, &mut out);
                    send_rtcp(&socket, rtcp_socket.as_ref(), remote_rtcp, &mut keys, &out).await;
                }
                if frame_no % 50 == 0 {
                    fill(&mut report, &receiver, &reports);
                    live.send_replace(report.clone());
                }
            }
        }
    }
    // RFC 3550 §6.3.7: a BYE with a last report.
    let sent = (report.sent > 0).then_some(SenderInfo {
        ntp: 0,
        rtp_timestamp: ts,
        packets: report.sent,
        octets,
    });
    reports.build(Instant::now(), sent, &mut receiver, true, &mut out);
    if ice_ready(ice.as_ref()) {
        send_rtcp(&socket, rtcp_socket.as_ref(), remote_rtcp, &mut keys, &out).await;
    }
    fill(&mut report, &receiver, &reports);
    (report.recorded, report.recording_error) = taping.finish();
    controls.set_recording(false);
    if let Some(path) = &config.record {
        let pcm = Pcm {
            sample_rate: rate,
            samples: heard,
        };
        if let Err(e) = write_atomic(path, &wav_bytes(&pcm)) {
            warn!(error = %e, "cannot write the recording");
            report.record_error = Some(format!("cannot write {}: {e}", path.display()));
        }
    }
    report
}

fn fill(report: &mut StreamReport, receiver: &Receiver, reports: &Reports) {
    report.received = receiver.packets;
    report.lost = receiver.lost();
    report.jitter_ms = receiver.jitter_ms();
    report.buffer_ms = receiver.delay_ms();
    let b = receiver.buffer_stats();
    report.concealed = b.missing;
    report.late = b.late;
    report.rtt = reports.rtt;
    report.remote = reports.remote;
    report.rtcp_sent = reports.sent_reports;
    report.rtcp_received = reports.received_reports;
}

/// Resamples mono PCM to `rate` by linear interpolation (good enough for prompts and tests;
/// the audio engine uses a proper resampler).
pub fn resample(pcm: &Pcm, rate: u32) -> Vec<i16> {
    if pcm.sample_rate == rate || pcm.samples.is_empty() {
        return pcm.samples.clone();
    }
    let ratio = f64::from(pcm.sample_rate) / f64::from(rate);
    let n = (pcm.samples.len() as f64 / ratio) as usize;
    // A short moving average before decimating keeps aliasing down.
    let taps = (ratio.ceil() as usize).max(1);
    let smoothed: Vec<f64> = if ratio > 1.0 {
        (0..pcm.samples.len())
            .map(|i| {
                let lo = i.saturating_sub(taps / 2);
                let hi = (i + taps / 2 + 1).min(pcm.samples.len());
                pcm.samples[lo..hi].iter().map(|s| f64::from(*s)).sum::<f64>() / (hi - lo) as f64
            })
            .collect()
    } else {
        pcm.samples.iter().map(|s| f64::from(*s)).collect()
    };
    (0..n)
        .map(|i| {
            let pos = i as f64 * ratio;
            let j = pos as usize;
            let frac = pos - j as f64;
            let a = smoothed[j.min(smoothed.len() - 1)];
            let b = smoothed[(j + 1).min(smoothed.len() - 1)];
            (a + (b - a) * frac).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
