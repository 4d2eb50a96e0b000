//! A call's media as the phone sees it: the RTP socket, the local description, SDES keys and the
//! running stream, plus what the call plays and records.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use tokio::sync::mpsc;
use tracing::{info, warn};

use super::softphone::PhoneError;
use crate::engine::sdes::{self, Crypto, Suite};
use crate::engine::sdp::{self, Format};
use crate::engine::{CallHandle, Transport};
use crate::media::audio_file::Pcm;
use crate::media::rtp_session::{Stream, StreamConfig};

pub(super) struct CallInfo {
    pub(super) account: String,
    pub(super) answer_formats: Vec<Format>,
    pub(super) local_ip: IpAddr,
    pub(super) media: MediaOptions,
    /// The RTP socket (bound before the offer or answer names its port).
    pub(super) socket: Option<std::net::UdpSocket>,
    pub(super) stream: Option<Stream>,
    /// Our last offer or answer (hold and resume re-offer it with another direction).
    pub(super) local_sdp: Option<String>,
    /// Our SDES key when the call's media is SRTP (RFC 4568).
    pub(super) crypto: Option<Crypto>,
}

pub(super) type DigitSender = mpsc::UnboundedSender<(u64, char)>;

/// What a call plays and records (files until the audio devices arrive).
#[derive(Clone, Debug, Default)]
pub struct MediaOptions {
    /// Audio to send after the answer (silence when `None`).
    pub play: Option<Pcm>,
    /// Where to write what the far end sends (mono WAV at the codec's rate).
    pub record: Option<PathBuf>,
}

impl CallInfo {
    pub(super) fn new(account: String, answer_formats: Vec<Format>, local_ip: IpAddr) -> CallInfo {
        CallInfo {
            account,
            answer_formats,
            local_ip,
            media: MediaOptions::default(),
            socket: None,
            stream: None,
            local_sdp: None,
            crypto: None,
        }
    }

    /// Binds the RTP socket and returns its port.
    pub(super) fn bind(&mut self) -> Result<u16, PhoneError> {
        let socket = std::net::UdpSocket::bind(SocketAddr::new(self.local_ip, 0))
            .map_err(|e| PhoneError::Network(format!("cannot open an RTP port: {e}")))?;
        let port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
        self.socket = Some(socket);
        Ok(port)
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
        let srtp = match &self.crypto {
            Some(ours) => {
                let theirs = sdes::cryptos(&remote_text)
                    .into_iter()
                    .find(|c| c.tag == ours.tag);
                match theirs {
                    Some(t) if sdp::is_secure(&remote_text) => Some((ours.clone(), t)),
                    _ => {
                        warn!(%call, "the far end did not accept SRTP: no media");
                        return;
                    }
                }
            }
            None => None,
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
        let Some(socket) = self.socket.take() else { return };
        if socket.set_nonblocking(true).is_err() {
            return;
        }
        let Ok(socket) = tokio::net::UdpSocket::from_std(socket) else {
            return;
        };
        self.stream = Some(Stream::start(
            socket,
            StreamConfig {
                remote: remote.addr,
                payload_type: pt,
                codec,
                source: self.media.play.take(),
                record: self.media.record.clone(),
                ssrc: rand_u64() as u32,
                dtmf_pt: self
                    .answer_formats
                    .contains(&Format::TelephoneEvent)
                    .then(|| {
                        remote
                            .formats
                            .iter()
                            .find(|(_, n, c)| n.eq_ignore_ascii_case("telephone-event") && *c == 8000)
                            .map(|(pt, _, _)| *pt)
                    })
                    .flatten(),
                digits_to: Some((digits.clone(), call.0)),
                srtp,
            },
        ));
    }
}

/// SDES keys travel in the SDP: only over encrypted signalling.
pub(super) fn check_sdes_transport(t: Transport) -> Result<(), PhoneError> {
    if matches!(t, Transport::Tls | Transport::Wss) {
        Ok(())
    } else {
        Err(PhoneError::Refused(format!(
            "SRTP-SDES would send the media keys in clear text over {t}: use TLS or WSS for this account (put it first \
             in Transport Protocols), or choose another media type"
        )))
    }
}

/// A fresh SDES key from the OS generator.
pub(super) fn new_crypto(tag: u32, suite: Suite) -> Crypto {
    let mut key_salt = vec![0u8; sdes::KEY_SALT_LEN];
    crate::account::store::fill_random(&mut key_salt);
    Crypto { tag, suite, key_salt }
}

pub(super) fn rand_u64() -> u64 {
    use crate::engine::Random;
    crate::engine::OsRandom.next_u64() >> 1
}
