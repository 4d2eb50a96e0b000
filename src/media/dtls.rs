//! DTLS-SRTP (RFC 5763/5764) on the RTP port: a self-signed certificate whose SHA-256
//! fingerprint goes into the SDP, the handshake (rtc-dtls, sans-IO) with the far end in the role
//! `a=setup` gave us, the far end's certificate checked against the fingerprint its SDP
//! announced, and the SRTP master keys exported from the session.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use rtc_dtls::config::{ClientAuthType, ConfigBuilder, ExtendedMasterSecretType};
use rtc_dtls::crypto::Certificate;
use rtc_dtls::endpoint::{Endpoint, EndpointEvent};
use rtc_dtls::extension::extension_use_srtp::SrtpProtectionProfile;
use sha2::{Digest, Sha256};

use crate::engine::sdes::{Crypto, KEY_LEN, Suite};

/// Why DTLS-SRTP could not be set up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DtlsError {
    #[error("cannot create the DTLS certificate: {0}")]
    Certificate(String),
    #[error("the far end's SDP has no usable a=fingerprint (Handset checks sha-256)")]
    NoFingerprint,
    #[error("the DTLS handshake failed: {0}")]
    Handshake(String),
}

/// Our certificate and its fingerprint (one per call: fingerprints are not identities here).
#[derive(Clone)]
pub struct DtlsIdentity {
    cert: Certificate,
    fingerprint: String,
}

impl std::fmt::Debug for DtlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DtlsIdentity")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// `AB:CD:…` of the SHA-256 of a DER certificate.
pub fn fingerprint_of(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl DtlsIdentity {
    pub fn generate() -> Result<DtlsIdentity, DtlsError> {
        let provider = rtc_dtls::crypto_provider::default_provider()
            .map_err(|e| DtlsError::Certificate(e.to_string()))?;
        let cert = Certificate::generate_self_signed(vec!["handset".to_owned()], provider.crypto())
            .map_err(|e| DtlsError::Certificate(e.to_string()))?;
        let fingerprint = cert
            .certificate
            .first()
            .map(|c| fingerprint_of(c.as_ref()))
            .ok_or_else(|| DtlsError::Certificate("no certificate".into()))?;
        Ok(DtlsIdentity { cert, fingerprint })
    }

    /// The `a=fingerprint` value: `sha-256 AB:CD:…`.
    pub fn fingerprint(&self) -> String {
        format!("sha-256 {}", self.fingerprint)
    }
}

/// Whether a datagram on the RTP port is DTLS (RFC 7983: first byte 20–63).
pub fn is_dtls(datagram: &[u8]) -> bool {
    datagram.first().is_some_and(|b| (20..=63).contains(b))
}

/// SRTP master keys from a handshake: ours (for sending) and the far end's.
pub type SrtpKeys = (Crypto, Crypto);

/// The handshake with one far end.
pub struct DtlsSession {
    endpoint: Endpoint,
    remote: SocketAddr,
    client: bool,
    keys: Option<SrtpKeys>,
    /// What [`DtlsSession::redirect`] needs to start over: our identity, our address and the
    /// far end's fingerprint.
    restart: (DtlsIdentity, SocketAddr, String),
}

impl std::fmt::Debug for DtlsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DtlsSession")
            .field("remote", &self.remote)
            .field("client", &self.client)
            .field("done", &self.keys.is_some())
            .finish_non_exhaustive()
    }
}

impl DtlsSession {
    /// Starts the handshake as client (`a=setup:active` on our side) or waits for the far end
    /// as server; `expected` is the far end's SHA-256 fingerprint from its SDP.
    pub fn new(
        identity: &DtlsIdentity,
        client: bool,
        local: SocketAddr,
        remote: SocketAddr,
        expected: &str,
        now: Instant,
    ) -> Result<DtlsSession, DtlsError> {
        let expected = expected.to_ascii_uppercase();
        let restart = (identity.clone(), local, expected.clone());
        let provider =
            rtc_dtls::crypto_provider::default_provider().map_err(|e| DtlsError::Handshake(e.to_string()))?;
        let verify: rtc_dtls::config::VerifyPeerCertificateFn =
            Arc::new(move |certs, _| match certs.first() {
                Some(der) if fingerprint_of(der) == expected => Ok(()),
                _ => Err(rtc_shared::error::Error::Other(
                    "the far end's certificate does not match the fingerprint in its SDP".into(),
                )),
            });
        let config = ConfigBuilder::default()
            .with_crypto_provider(provider)
            .with_certificates(vec![identity.cert.clone()])
            .with_srtp_protection_profiles(vec![
                SrtpProtectionProfile::Srtp_Aead_Aes_128_Gcm,
                SrtpProtectionProfile::Srtp_Aes128_Cm_Hmac_Sha1_80,
                SrtpProtectionProfile::Srtp_Aes128_Cm_Hmac_Sha1_32,
            ])
            .with_extended_master_secret(ExtendedMasterSecretType::Request)
            // Self-signed certificates: trust comes from the fingerprint, checked above.
            .with_insecure_skip_verify(true)
            .with_client_auth(ClientAuthType::RequireAnyClientCert)
            .with_verify_peer_certificate(Some(verify));
        let config = Arc::new(
            config
                .build(client, Some(remote))
                .map_err(|e| DtlsError::Handshake(e.to_string()))?,
        );
        let mut endpoint = Endpoint::new(
            local,
            rtc_shared::TransportProtocol::UDP,
            (!client).then(|| config.clone()),
        );
        if client {
            endpoint
                .connect(now, remote, config, None)
                .map_err(|e| DtlsError::Handshake(e.to_string()))?;
        }
        Ok(DtlsSession {
            endpoint,
            remote,
            client,
            keys: None,
            restart,
        })
    }

    /// Points the handshake at another address of the far end (the one ICE selected): a client
    /// that has not finished starts over towards it; a server answers whoever starts.
    pub fn redirect(&mut self, remote: SocketAddr, now: Instant) -> Result<(), DtlsError> {
        if remote == self.remote || self.keys.is_some() || !self.client {
            return Ok(());
        }
        let (identity, local, expected) = self.restart.clone();
        *self = DtlsSession::new(&identity, true, local, remote, &expected, now)?;
        Ok(())
    }

    /// A DTLS datagram from the far end; returns the SRTP keys (ours, theirs) once the
    /// handshake completes.
    pub fn on_datagram(
        &mut self,
        now: Instant,
        from: SocketAddr,
        data: &[u8],
    ) -> Result<Option<SrtpKeys>, DtlsError> {
        if from != self.remote {
            // Latching: the far end's media may come from another address than its SDP says.
            self.remote = from;
        }
        let events = self
            .endpoint
            .read(now, from, None, BytesMut::from(data))
            .map_err(|e| DtlsError::Handshake(e.to_string()))?;
        for e in events {
            if matches!(e, EndpointEvent::HandshakeComplete) && self.keys.is_none() {
                self.keys = Some(self.export()?);
                return Ok(self.keys.clone());
            }
        }
        Ok(None)
    }

    fn export(&self) -> Result<SrtpKeys, DtlsError> {
        let state = self
            .endpoint
            .get_connection_state(self.remote)
            .ok_or_else(|| DtlsError::Handshake("no DTLS session".into()))?;
        let suite = match state.srtp_protection_profile() {
            SrtpProtectionProfile::Srtp_Aead_Aes_128_Gcm => Suite::AeadAes128Gcm,
            SrtpProtectionProfile::Srtp_Aes128_Cm_Hmac_Sha1_80 => Suite::AesCm128HmacSha1_80,
            SrtpProtectionProfile::Srtp_Aes128_Cm_Hmac_Sha1_32 => Suite::AesCm128HmacSha1_32,
            other => {
                return Err(DtlsError::Handshake(format!(
                    "unsupported SRTP profile {other:?}"
                )));
            }
        };
        let salt = suite.key_salt_len() - KEY_LEN;
        // RFC 5764 §4.2: client key, server key, client salt, server salt.
        let material = state
            .export_keying_material("EXTRACTOR-dtls_srtp", &[], 2 * (KEY_LEN + salt))
            .map_err(|e| DtlsError::Handshake(e.to_string()))?;
        let m: &[u8] = material.as_ref();
        let key_salt = |key: &[u8], s: &[u8]| Crypto {
            tag: 0,
            suite,
            key_salt: [key, s].concat(),
        };
        let (ck, sk) = (&m[..KEY_LEN], &m[KEY_LEN..2 * KEY_LEN]);
        let (cs, ss) = (&m[2 * KEY_LEN..2 * KEY_LEN + salt], &m[2 * KEY_LEN + salt..]);
        let client = key_salt(ck, cs);
        let server = key_salt(sk, ss);
        Ok(if self.client {
            (client, server)
        } else {
            (server, client)
        })
    }

    /// Datagrams to send (to the far end).
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.endpoint
            .poll_transmit()
            .map(|t| (t.transport.peer_addr, t.message.to_vec()))
    }

    /// When [`DtlsSession::handle_timeout`] is due (retransmissions).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.endpoint.poll_timeout(&self.remote)
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), DtlsError> {
        self.endpoint
            .handle_timeout(self.remote, now)
            .map_err(|e| DtlsError::Handshake(e.to_string()))
    }

    pub fn keys(&self) -> Option<&SrtpKeys> {
        self.keys.as_ref()
    }
}

/// The far end's SHA-256 fingerprint (`a=fingerprint:sha-256 …`) and `a=setup` role.
pub fn remote_dtls(sdp: &str) -> (Option<String>, Option<String>) {
    let mut fp = None;
    let mut setup = None;
    for line in sdp.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("a=fingerprint:") {
            let mut parts = v.split_whitespace();
            if parts.next().is_some_and(|h| h.eq_ignore_ascii_case("sha-256")) {
                fp = parts.next().map(str::to_owned);
            }
        } else if let Some(v) = line.strip_prefix("a=setup:") {
            setup = Some(v.trim().to_ascii_lowercase());
        }
    }
    (fp, setup)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pump(
        a: &mut DtlsSession,
        b: &mut DtlsSession,
        a_addr: SocketAddr,
        b_addr: SocketAddr,
    ) -> (Option<SrtpKeys>, Option<SrtpKeys>) {
        let (mut ka, mut kb) = (None, None);
        for _ in 0..20 {
            let now = Instant::now();
            while let Some((_, d)) = a.poll_transmit() {
                if let Ok(Some(k)) = b.on_datagram(now, a_addr, &d) {
                    kb = Some(k);
                }
            }
            while let Some((_, d)) = b.poll_transmit() {
                if let Ok(Some(k)) = a.on_datagram(now, b_addr, &d) {
                    ka = Some(k);
                }
            }
        }
        (ka, kb)
    }

    #[test]
    fn a_handshake_gives_mirrored_keys_and_checks_fingerprints() {
        let (ia, ib) = (
            DtlsIdentity::generate().unwrap(),
            DtlsIdentity::generate().unwrap(),
        );
        assert!(ia.fingerprint().starts_with("sha-256 ") && ia.fingerprint().len() == 8 + 95);
        let (aa, ba): (SocketAddr, SocketAddr) = (
            "127.0.0.1:4000".parse().unwrap(),
            "127.0.0.1:5000".parse().unwrap(),
        );
        let now = Instant::now();
        let mut a = DtlsSession::new(&ia, true, aa, ba, &ib.fingerprint, now).unwrap();
        let mut b = DtlsSession::new(&ib, false, ba, aa, &ia.fingerprint, now).unwrap();
        let (ka, kb) = pump(&mut a, &mut b, aa, ba);
        let (ka, kb) = (ka.expect("client keys"), kb.expect("server keys"));
        assert_eq!(ka.0, kb.1, "what the client sends with, the server receives with");
        assert_eq!(ka.1, kb.0);
        assert_eq!(ka.0.suite, Suite::AeadAes128Gcm);
        assert_ne!(ka.0.key_salt, ka.1.key_salt);

        // A far end whose certificate is not the one its SDP announced is refused.
        let ic = DtlsIdentity::generate().unwrap();
        let mut a = DtlsSession::new(&ia, true, aa, ba, &ic.fingerprint, now).unwrap();
        let mut b = DtlsSession::new(&ib, false, ba, aa, &ia.fingerprint, now).unwrap();
        let (ka, _) = pump(&mut a, &mut b, aa, ba);
        assert!(ka.is_none(), "the wrong fingerprint must not give keys");
    }

    #[test]
    fn demultiplexing_and_sdp_attributes() {
        assert!(is_dtls(&[22, 254, 253]) && !is_dtls(&[0x80, 0]) && !is_dtls(&[]));
        let (fp, setup) =
            remote_dtls("m=audio 1 UDP/TLS/RTP/SAVP 0\r\na=fingerprint:SHA-256 AA:BB\r\na=setup:actpass\r\n");
        assert_eq!(
            (fp.as_deref(), setup.as_deref()),
            (Some("AA:BB"), Some("actpass"))
        );
        assert_eq!(remote_dtls("a=fingerprint:sha-1 AA\r\n").0, None);
    }
}
