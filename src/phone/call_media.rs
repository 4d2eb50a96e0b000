//! A call's media as the phone sees it: the RTP socket, the local description, SDES keys and the
//! running stream, plus what the call plays and records and the figures it reports (the codec
//! and encryption the media started with, quality and levels).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::error::PhoneError;
use super::events::CallFigures;
use crate::engine::CallHandle;
use crate::engine::sdes::{self, Crypto};
use crate::engine::sdp::{self, Format};
use crate::media::audio_file::Pcm;
use crate::media::device::DeviceChoice;
use crate::media::dtls::{self, DtlsError, DtlsIdentity, DtlsSession};
use crate::media::ice::{self, IceAgent};
use crate::media::rtp_session::{Stream, StreamConfig};
use crate::text::Text;

pub(super) struct CallInfo {
    pub(super) account: String,
    /// The other party (the caller of an incoming call).
    pub(super) remote: String,
    pub(super) answer_formats: Vec<Format>,
    pub(super) local_ip: IpAddr,
    pub(super) media: MediaOptions,
    /// The RTP socket and the one above it for RTCP (bound before the offer or answer names
    /// the port; the RTCP one is dropped when both ends multiplex, RFC 5761).
    pub(super) socket: Option<(std::net::UdpSocket, std::net::UdpSocket)>,
    pub(super) stream: Option<Stream>,
    /// The call has been answered (either way).
    pub(super) answered: bool,
    /// The account records calls of this direction: recording starts with the media.
    pub(super) record_from_start: bool,
    /// The last digits dialed on the call (for the record-on-demand feature code).
    pub(super) dialed: String,
    /// Our last offer or answer (hold and resume re-offer it with another direction).
    pub(super) local_sdp: Option<String>,
    /// Our SDES keys when the call's media is SRTP (RFC 4568): one per suite in an offer, the
    /// chosen one in an answer.
    pub(super) cryptos: Vec<Crypto>,
    /// Whether telephone-event was negotiated (else digits go as SIP INFO).
    pub(super) dtmf_rtp: bool,
    /// Our DTLS certificate and `a=setup` role when the media is SRTP keyed by DTLS.
    pub(super) dtls: Option<(DtlsIdentity, &'static str)>,
    /// Our ICE agent when the call uses ICE, and whether we offered (RFC 8445).
    pub(super) ice: Option<(IceAgent, bool)>,
    /// The codec the media runs with and its encryption (`SRTP`, `DTLS-SRTP`; `None`: plain RTP).
    pub(super) described: Option<(String, Option<&'static str>)>,
}

pub(super) type DigitSender = mpsc::UnboundedSender<(u64, char)>;

/// What a call plays and records: files, sound devices, or both.
#[derive(Clone, Debug, Default)]
pub struct MediaOptions {
    /// Audio to send after the answer (then silence, or the input device when `devices` is set).
    pub play: Option<Pcm>,
    /// Where to write what the far end sends (mono WAV at the codec's rate).
    pub record: Option<PathBuf>,
    /// Where the call is recorded (both sides, Ogg Opus) when recording is turned on; `None`:
    /// a file in the phone's recordings folder.
    pub recording: Option<PathBuf>,
    /// Sound devices for the call: the input is sent when there is no `play`, and the far end
    /// is heard on the output. `None`: no sound devices.
    pub devices: Option<DeviceChoice>,
}

impl CallInfo {
    pub(super) fn new(account: String, answer_formats: Vec<Format>, local_ip: IpAddr) -> CallInfo {
        CallInfo {
            account,
            remote: String::new(),
            answer_formats,
            local_ip,
            media: MediaOptions::default(),
            socket: None,
            stream: None,
            answered: false,
            record_from_start: false,
            dialed: String::new(),
            local_sdp: None,
            cryptos: Vec::new(),
            dtmf_rtp: false,
            dtls: None,
            ice: None,
            described: None,
        }
    }

    /// Asks the STUN server `stun` (a `stun:host:port` URL) where it sees the call's RTP port,
    /// on a blocking thread (the query retransmits for up to 1.5 s); `None` without a server or
    /// an answer.
    pub(super) async fn reflexive_address(&self, stun: Option<&str>) -> Option<SocketAddr> {
        let server = stun?.to_owned();
        let socket = self.socket.as_ref()?.0.try_clone().ok()?;
        let asked = tokio::task::spawn_blocking(move || {
            ice::server_reflexive(&socket, &server, std::time::Duration::from_millis(1500))
        });
        match asked.await.ok()? {
            Ok(mapped) => {
                info!("server-reflexive address learned");
                debug!(%mapped, "the server-reflexive address");
                Some(mapped)
            }
            Err(e) => {
                warn!(error = %e, "no server-reflexive candidate");
                None
            }
        }
    }

    /// Starts ICE on the bound RTP socket (a host candidate, plus the server-reflexive
    /// address when there is one) and returns our SDP attributes.
    pub(super) fn start_ice(
        &mut self,
        offerer: bool,
        reflexive: Option<SocketAddr>,
    ) -> Result<sdp::LocalIce, PhoneError> {
        let fail = |e: String| PhoneError::Network(Text::new("phone-ice-failed").arg("reason", e));
        let (rtp, _) = self.socket.as_ref().ok_or_else(|| fail("no RTP port".into()))?;
        let local = rtp.local_addr().map_err(|e| fail(e.to_string()))?;
        let agent =
            IceAgent::new(local, reflexive, std::time::Instant::now()).map_err(|e| fail(e.to_string()))?;
        let description = agent.local_description();
        self.ice = Some((agent, offerer));
        Ok(description)
    }

    /// Binds an even RTP port and the odd one above it for RTCP (RFC 3550 §11), and returns
    /// the RTP port.
    pub(super) fn bind(&mut self) -> Result<u16, PhoneError> {
        let fail = |e: std::io::Error| PhoneError::Network(Text::new("phone-no-rtp-port").arg("reason", e));
        let mut last = None;
        for _ in 0..32 {
            let rtp = std::net::UdpSocket::bind(SocketAddr::new(self.local_ip, 0)).map_err(fail)?;
            let port = rtp.local_addr().map_err(fail)?.port();
            if port % 2 != 0 || port == u16::MAX {
                continue;
            }
            match std::net::UdpSocket::bind(SocketAddr::new(self.local_ip, port + 1)) {
                Ok(rtcp) => {
                    self.socket = Some((rtp, rtcp));
                    return Ok(port);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(fail(
            last.unwrap_or_else(|| std::io::Error::other("no free port pair")),
        ))
    }

    /// Starts the stream to the far end when both sides chose G.711; received digits go to
    /// `digits` tagged with the call.
    pub(super) fn start_media(
        &mut self,
        remote_sdp: &[u8],
        chosen_pt: Option<u8>,
        call: CallHandle,
        digits: &DigitSender,
    ) {
        let remote_text = String::from_utf8_lossy(remote_sdp);
        let Some(remote) = sdp::remote_media(&remote_text) else {
            return;
        };
        let dtls = match &self.dtls {
            Some((identity, our_setup)) => match dtls_session(
                identity,
                our_setup,
                &remote_text,
                SocketAddr::new(self.local_ip, 0),
                remote.addr,
            ) {
                Ok(session) => Some(session),
                Err(e) => {
                    warn!(%call, error = %e, "DTLS-SRTP cannot start: no media");
                    return;
                }
            },
            None => None,
        };
        let srtp = if self.cryptos.is_empty() {
            None
        } else {
            // The far end's key for the suite (tag) it accepted or offered.
            let pair = sdes::cryptos(&remote_text).into_iter().find_map(|theirs| {
                let ours = self
                    .cryptos
                    .iter()
                    .find(|o| o.tag == theirs.tag && o.suite == theirs.suite)?;
                Some((ours.clone(), theirs))
            });
            match pair {
                Some(p) if sdp::is_secure(&remote_text) => Some(p),
                _ => {
                    warn!(%call, "the far end did not accept SRTP: no media");
                    return;
                }
            }
        };
        let pick = remote
            .formats
            .iter()
            .find(|(pt, _, _)| chosen_pt.is_none_or(|c| c == *pt))
            .cloned();
        let Some((pt, name, _)) = pick else { return };
        let Some(codec) = crate::media::codec::make(&name) else {
            info!(codec = %name, "no media path for this codec yet");
            return;
        };
        let Some((rtp, rtcp)) = self.socket.take() else {
            return;
        };
        let Some(socket) = to_tokio(rtp) else { return };
        let ice = match (self.ice.take(), sdp::remote_ice(&remote_text)) {
            (Some((mut agent, offerer)), Some(theirs)) => {
                match agent.start(&theirs, offerer, std::time::Instant::now()) {
                    Ok(()) => Some(agent),
                    Err(e) => {
                        warn!(%call, error = %e, "ICE cannot start: no media");
                        return;
                    }
                }
            }
            (Some(_), None) => {
                info!(%call, "the far end does not do ICE: symmetric RTP");
                None
            }
            _ => None,
        };
        // Both descriptions carry a=rtcp-mux when it was offered and accepted.
        let rtcp = if sdp::rtcp_mux(&remote_text) {
            None
        } else {
            let to = SocketAddr::new(remote.addr.ip(), sdp::rtcp_port(&remote_text, remote.addr.port()));
            to_tokio(rtcp).map(|s| (s, to))
        };
        let dtmf = self
            .answer_formats
            .contains(&Format::TelephoneEvent)
            .then(|| sdp::telephone_event(&remote_text, codec.rtp_clock()))
            .flatten();
        self.dtmf_rtp = dtmf.is_some();
        let ssrc = rand_u64() as u32;
        let encryption = match (&dtls, &srtp) {
            (Some(_), _) => Some("DTLS-SRTP"),
            (None, Some(_)) => Some("SRTP"),
            (None, None) => None,
        };
        self.described = Some((name.clone(), encryption));
        self.stream = Some(Stream::start(
            socket,
            StreamConfig {
                remote: remote.addr,
                payload_type: pt,
                codec,
                source: self.media.play.take(),
                record: self.media.record.clone(),
                recording: self.media.recording.clone(),
                ssrc,
                cname: format!("{ssrc:08x}@handset"),
                rtcp,
                dtmf,
                digits_to: Some((digits.clone(), call.0)),
                srtp,
                dtls,
                devices: self.media.devices.clone(),
                ice,
            },
        ));
        if self.record_from_start
            && let Some(stream) = &self.stream
        {
            stream.controls().set_recording(true);
        }
    }

    /// The call's live figures, with the codec and the encryption its media was started
    /// with; `None` before its media starts.
    pub(super) fn figures(&self) -> Option<CallFigures> {
        let stream = self.stream.as_ref()?;
        let controls = stream.controls();
        let (codec, encryption) = self.described.clone().unwrap_or_default();
        Some(CallFigures {
            report: stream.stats(),
            input_dbfs: controls.input_dbfs(),
            output_dbfs: controls.output_dbfs(),
            muted: controls.is_muted(),
            recording: controls.is_recording(),
            codec,
            encryption,
        })
    }
}

/// The DTLS session for a call: our role follows the setup attributes (RFC 5763 §5: the
/// offerer says actpass; an `active` answerer is the DTLS client).
fn dtls_session(
    identity: &DtlsIdentity,
    our_setup: &str,
    remote_sdp: &str,
    local: SocketAddr,
    remote: SocketAddr,
) -> Result<DtlsSession, DtlsError> {
    let (fingerprint, their_setup) = dtls::remote_dtls(remote_sdp);
    let fingerprint = fingerprint.ok_or(DtlsError::NoFingerprint)?;
    let client = match our_setup {
        "active" => true,
        "passive" => false,
        // We offered actpass: the answer decides (RFC 4145: an answer without it is active).
        _ => their_setup.as_deref() == Some("passive"),
    };
    DtlsSession::new(
        identity,
        client,
        local,
        remote,
        &fingerprint,
        std::time::Instant::now(),
    )
}

fn to_tokio(socket: std::net::UdpSocket) -> Option<tokio::net::UdpSocket> {
    socket.set_nonblocking(true).ok()?;
    tokio::net::UdpSocket::from_std(socket).ok()
}

pub(super) fn rand_u64() -> u64 {
    use crate::engine::Random;
    crate::engine::OsRandom.next_u64() >> 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::model::{Advanced, MediaType};
    use crate::engine::Transport;

    /// One call between two phones on loopback, `offerer` calling `answerer`: both start their
    /// media and report the codec and encryption they run with.
    async fn call(
        media_type: MediaType,
        transport: Transport,
        offerer: Vec<Format>,
        answerer: Vec<Format>,
    ) -> [(String, Option<&'static str>); 2] {
        let ip = IpAddr::from([127, 0, 0, 1]);
        let (digits, _received) = mpsc::unbounded_channel();
        let advanced = Advanced {
            media_types: vec![media_type],
            ..Advanced::default()
        };
        let mut ours = CallInfo::new("A".into(), offerer, ip);
        let port = ours.bind().unwrap();
        let offer = ours.make_offer(&advanced, transport, port, None).unwrap();
        let mut theirs = CallInfo::new("B".into(), answerer, ip);
        let port = theirs.bind().unwrap();
        assert!(theirs.accept_offer(&offer, &[media_type], Some(transport)));
        let answer = theirs.make_answer(&offer, port, None).unwrap();
        let chosen = sdp::offered_formats(&answer).and_then(|f| f.first().map(|(pt, _, _)| *pt));
        theirs.start_media(offer.as_bytes(), chosen, CallHandle(2), &digits);
        ours.start_media(answer.as_bytes(), None, CallHandle(1), &digits);
        let mut reported = Vec::new();
        for info in [&mut ours, &mut theirs] {
            let figures = info.figures().expect("the media runs");
            reported.push((figures.codec, figures.encryption));
            info.stream.take().unwrap().stop().await;
        }
        reported.try_into().unwrap()
    }

    #[tokio::test]
    async fn calls_report_the_negotiated_codec_and_encryption() {
        let plain = call(
            MediaType::Rtp,
            Transport::Udp,
            vec![Format::Opus, Format::Pcmu, Format::TelephoneEvent],
            vec![Format::Pcmu, Format::Opus, Format::TelephoneEvent],
        )
        .await;
        assert_eq!(plain, [("PCMU".into(), None), ("PCMU".into(), None)]);
        let sdes = call(
            MediaType::SrtpSdes,
            Transport::Tls,
            vec![Format::Pcma, Format::G722],
            vec![Format::G722, Format::Pcma],
        )
        .await;
        assert_eq!(
            sdes,
            [("G722".into(), Some("SRTP")), ("G722".into(), Some("SRTP"))]
        );
        let dtls = call(
            MediaType::SrtpDtls,
            Transport::Wss,
            vec![Format::Opus],
            vec![Format::Opus],
        )
        .await;
        assert_eq!(
            dtls,
            [
                ("opus".into(), Some("DTLS-SRTP")),
                ("opus".into(), Some("DTLS-SRTP"))
            ]
        );
    }

    #[test]
    fn no_figures_before_the_media_starts() {
        let info = CallInfo::new("A".into(), vec![Format::Pcmu], IpAddr::from([127, 0, 0, 1]));
        assert!(info.figures().is_none());
    }
}
