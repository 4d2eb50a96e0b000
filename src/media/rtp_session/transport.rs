//! Where a stream's packets go and how they are protected: SRTP/SRTCP contexts, the DTLS
//! handshake's datagrams and timer, ICE's checks and selected pair, RTCP in and out.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::UdpSocket;
use tracing::{debug, info, warn};

use super::reports::Reports;
use crate::engine::sdes::{Crypto, KEY_LEN, Suite};
use crate::media::dtls::DtlsSession;
use crate::media::ice::IceAgent;
use rtc_srtp as srtp;

/// An SRTP context for one direction and key.
fn srtp_context(c: &Crypto) -> Option<srtp::context::Context> {
    use srtp::protection_profile::ProtectionProfile;
    let profile = match c.suite {
        Suite::AeadAes128Gcm => ProtectionProfile::AeadAes128Gcm,
        Suite::AesCm128HmacSha1_80 => ProtectionProfile::Aes128CmHmacSha1_80,
        Suite::AesCm128HmacSha1_32 => ProtectionProfile::Aes128CmHmacSha1_32,
    };
    let provider = srtp::crypto::default_provider().ok()?;
    srtp::context::Context::new(
        &c.key_salt[..KEY_LEN],
        &c.key_salt[KEY_LEN..],
        profile,
        None,
        None,
        provider.crypto(),
    )
    .ok()
}

/// Both SRTP directions.
pub(super) struct Keys {
    pub(super) out: srtp::context::Context,
    pub(super) inn: srtp::context::Context,
}

impl Keys {
    pub(super) fn new(ours: &Crypto, theirs: &Crypto) -> Option<Keys> {
        Some(Keys {
            out: srtp_context(ours)?,
            inn: srtp_context(theirs)?,
        })
    }
}

/// Sends what the DTLS handshake has queued.
pub(super) async fn flush_dtls(socket: &UdpSocket, dtls: Option<&mut DtlsSession>) {
    let Some(d) = dtls else { return };
    while let Some((to, bytes)) = d.poll_transmit() {
        if let Err(e) = socket.send_to(&bytes, to).await {
            debug!(error = %e, "DTLS send failed");
        }
    }
}

/// Sleeps until a handshake's next timer: DTLS retransmission, ICE check (forever without one).
pub(super) async fn dtls_timer(deadline: Option<Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}

/// Whether media may flow: no ICE, or ICE has selected a pair.
pub(super) fn ice_ready(ice: Option<&IceAgent>) -> bool {
    ice.is_none_or(|i| i.selected().is_some())
}

/// Sends ICE's checks and follows its selected pair: media (and RTCP when multiplexed) go
/// there, and the DTLS handshake, held back until now, starts towards it.
pub(super) async fn follow_ice(
    socket: &UdpSocket,
    ice: &mut IceAgent,
    mut dtls: Option<&mut DtlsSession>,
    remote: &mut SocketAddr,
    remote_rtcp: Option<&mut SocketAddr>,
) {
    while let Some((to, bytes)) = ice.poll_transmit() {
        if let Err(e) = socket.send_to(&bytes, to).await {
            debug!(error = %e, "STUN send failed");
        }
    }
    let Some(selected) = ice.selected() else { return };
    if selected != *remote {
        info!("media follows the ICE pair");
        debug!(from = %remote, to = %selected, "the ICE pair's address");
        *remote = selected;
        if let Some(r) = remote_rtcp {
            *r = selected;
        }
        if let Some(d) = dtls.as_deref_mut()
            && let Err(e) = d.redirect(selected, Instant::now())
        {
            warn!(error = %e, "DTLS");
        }
    }
    flush_dtls(socket, dtls).await;
}

pub(super) fn on_rtcp(bytes: &[u8], keys: &mut Option<Keys>, reports: &mut Reports, their_ssrc: Option<u32>) {
    let now = Instant::now();
    match keys {
        Some(k) => {
            if let Ok(plain) = k.inn.decrypt_rtcp(bytes) {
                reports.on_rtcp(&plain, now, their_ssrc);
            }
        }
        None => reports.on_rtcp(bytes, now, their_ssrc),
    }
}

pub(super) async fn send_rtcp(
    rtp: &UdpSocket,
    rtcp: Option<&UdpSocket>,
    to: SocketAddr,
    keys: &mut Option<Keys>,
    packet: &[u8],
) {
    let protected;
    let bytes = match keys {
        Some(k) => match k.out.encrypt_rtcp(packet) {
            Ok(p) => {
                protected = p;
                &protected[..]
            }
            Err(e) => {
                debug!(error = %e, "SRTCP protect failed");
                return;
            }
        },
        None => packet,
    };
    let socket = rtcp.unwrap_or(rtp);
    if let Err(e) = socket.send_to(bytes, to).await {
        debug!(error = %e, "RTCP send failed");
    }
}
