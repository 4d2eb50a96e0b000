//! Offer/answer for a call: what our offer carries (the account's codecs, its first media
//! type's keys, ICE when the account calls for it), whether an offer is acceptable for the
//! account, and our answer to it.

use std::net::SocketAddr;

use tracing::warn;

use super::call_media::{CallInfo, rand_u64};
use super::error::PhoneError;
use crate::account::model::{Advanced, MediaType, Transport as AccountTransport};
use crate::engine::Transport;
use crate::engine::sdes::{self, Crypto, Suite};
use crate::engine::sdp;
use crate::media::dtls::{self, DtlsIdentity};
use crate::text::Text;

impl CallInfo {
    /// Our offer on the bound RTP `port`, keyed and with ICE as the account says.
    pub(super) fn make_offer(
        &mut self,
        advanced: &Advanced,
        transport: Transport,
        port: u16,
        reflexive: Option<SocketAddr>,
    ) -> Result<String, PhoneError> {
        let mut offer = sdp::offer(rand_u64(), self.local_ip, port, &self.answer_formats);
        match advanced.media_types.first() {
            Some(MediaType::SrtpSdes) => {
                check_sdes_transport(transport)?;
                let cryptos = offer_cryptos();
                offer = sdp::secure(&offer, &cryptos);
                self.cryptos = cryptos;
            }
            Some(MediaType::SrtpDtls) => {
                let identity = DtlsIdentity::generate()
                    .map_err(|e| PhoneError::Network(Text::new("phone-media-failed").arg("reason", e)))?;
                offer = sdp::dtls(&offer, &identity.fingerprint(), "actpass");
                self.dtls = Some((identity, "actpass"));
            }
            _ => {}
        }
        if offers_ice(advanced) {
            offer = sdp::with_ice(&offer, &self.start_ice(true, reflexive)?);
        }
        Ok(offer)
    }

    /// Whether the offer's media type is one the account allows (SDES only over encrypted
    /// signalling); prepares our keys for the answer when it is.
    pub(super) fn accept_offer(
        &mut self,
        offer: &str,
        media_types: &[MediaType],
        transport: Option<Transport>,
    ) -> bool {
        if sdp::is_dtls(offer) {
            match DtlsIdentity::generate() {
                Ok(identity) if media_types.contains(&MediaType::SrtpDtls) => {
                    self.dtls = Some((identity, answer_setup(offer)));
                    true
                }
                _ => false,
            }
        } else if sdp::is_secure(offer) {
            match sdes::cryptos(offer).into_iter().next() {
                Some(t)
                    if media_types.contains(&MediaType::SrtpSdes)
                        && transport.is_some_and(|t| check_sdes_transport(t).is_ok()) =>
                {
                    self.cryptos = vec![new_crypto(t.tag, t.suite)];
                    true
                }
                _ => false,
            }
        } else {
            media_types.contains(&MediaType::Rtp)
        }
    }

    /// Our answer to an accepted offer on the bound RTP `port` (keys and ICE included).
    pub(super) fn make_answer(
        &mut self,
        offer: &str,
        port: u16,
        reflexive: Option<SocketAddr>,
    ) -> Result<String, sdp::SdpError> {
        let answer = sdp::answer(rand_u64(), offer, &self.answer_formats, self.local_ip, port)?;
        let answer = match &self.dtls {
            Some((identity, setup)) => sdp::dtls(&answer, &identity.fingerprint(), setup),
            None if self.cryptos.is_empty() => answer,
            None => sdp::secure(&answer, &self.cryptos),
        };
        // A far end that offers ICE gets it (e.g. a WebRTC-style PBX).
        Ok(
            match sdp::remote_ice(offer).map(|_| self.start_ice(false, reflexive)) {
                Some(Ok(ours)) => sdp::with_ice(&answer, &ours),
                Some(Err(e)) => {
                    warn!(error = %e, "answering without ICE");
                    answer
                }
                None => answer,
            },
        )
    }
}

/// Our `a=setup` in an answer to `offer` (RFC 5763 §5: active unless the offerer is active).
pub(super) fn answer_setup(offer: &str) -> &'static str {
    match dtls::remote_dtls(offer).1.as_deref() {
        Some("active") => "passive",
        _ => "active",
    }
}

/// Whether our offers use ICE: for accounts set up like a WebRTC-style PBX expects (WSS
/// first and SRTP-DTLS first); otherwise plain symmetric RTP (RFC 4961).
pub(super) fn offers_ice(advanced: &Advanced) -> bool {
    advanced.transports.first() == Some(&AccountTransport::Wss)
        && advanced.media_types.first() == Some(&MediaType::SrtpDtls)
}

/// SDES keys travel in the SDP: only over encrypted signalling.
pub(super) fn check_sdes_transport(t: Transport) -> Result<(), PhoneError> {
    if matches!(t, Transport::Tls | Transport::Wss) {
        Ok(())
    } else {
        Err(PhoneError::Refused(
            Text::new("phone-sdes-needs-tls").arg("transport", t),
        ))
    }
}

/// Fresh SDES keys for every suite, tagged 1, 2, 3 in order of preference.
pub(super) fn offer_cryptos() -> Vec<Crypto> {
    Suite::ALL
        .iter()
        .zip(1..)
        .map(|(suite, tag)| new_crypto(tag, *suite))
        .collect()
}

/// A fresh SDES key from the OS generator.
pub(super) fn new_crypto(tag: u32, suite: Suite) -> Crypto {
    let mut key_salt = vec![0u8; suite.key_salt_len()];
    crate::account::store::fill_random(&mut key_salt);
    Crypto { tag, suite, key_salt }
}
