//! TLS client configuration (rustls with the ring provider): the platform's root certificates,
//! plus an account's own CA or certificate for private or self-signed servers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;

use super::reply::{STEP, Step};
use crate::text::Text;

/// A byte stream TLS can run over (a TLS stream is one too).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A TLS client handshake with `host` over `io` (a plain connection upgraded by STARTTLS or
/// AUTH TLS, or a fresh one), within one protocol step; a failure is explained for the user.
pub async fn handshake(tls: Arc<ClientConfig>, host: &str, io: Box<dyn Io>) -> Result<Box<dyn Io>, String> {
    let name = ServerName::try_from(host.to_owned()).map_err(|e| format!("{host}: {e}"))?;
    match tokio::time::timeout(STEP, TlsConnector::from(tls).connect(name, io)).await {
        Ok(Ok(s)) => Ok(Box::new(s)),
        Ok(Err(e)) => Err(explain_handshake_error(&e)),
        Err(_) => Err(Step::TimedOut.to_string()),
    }
}

/// Accepts a server whose certificate is exactly one the account pinned (self-signed servers),
/// otherwise verifies the chain against the roots as usual (name, validity, issuer).
#[derive(Debug)]
struct PinnedOrWebPki {
    pinned: Vec<CertificateDer<'static>>,
    webpki: Arc<WebPkiServerVerifier>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedOrWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.pinned.iter().any(|p| p.as_ref() == end_entity.as_ref()) {
            return Ok(ServerCertVerified::assertion());
        }
        self.webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS setup problem, with what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.text())]
pub enum TlsSetupError {
    BadCaFile { path: PathBuf, reason: String },
    NoRoots,
    Rustls(String),
}

impl TlsSetupError {
    pub fn text(&self) -> Text {
        match self {
            TlsSetupError::BadCaFile { path, reason } => Text::new("tls-bad-ca-file")
                .arg("path", path.display())
                .arg("reason", reason),
            TlsSetupError::NoRoots => Text::new("tls-no-roots"),
            TlsSetupError::Rustls(reason) => Text::new("tls-failed").arg("reason", reason),
        }
    }
}

/// A client configuration trusting the platform roots and `extra_ca` (PEM, one or more certificates).
pub fn client_config(extra_ca: Option<&Path>) -> Result<Arc<ClientConfig>, TlsSetupError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (added, _) = roots.add_parsable_certificates(native.certs);
    let mut count = added;
    let mut pinned = Vec::new();
    if let Some(path) = extra_ca {
        let bad = |reason: String| TlsSetupError::BadCaFile {
            path: path.to_path_buf(),
            reason,
        };
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<_, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("no certificate in it".into()));
        }
        for c in certs {
            // A self-signed server certificate is pinned as is; a CA joins the roots.
            pinned.push(c.clone());
            if roots.add(c).is_ok() {
                count += 1;
            }
        }
        count += pinned.len();
    }
    if count == 0 {
        return Err(TlsSetupError::NoRoots);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| TlsSetupError::Rustls(e.to_string()))?;
    let verifier = Arc::new(PinnedOrWebPki {
        pinned,
        webpki,
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::Rustls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols.clear();
    Ok(Arc::new(config))
}

/// How to trust a server whose certificate the platform does not.
const PIN: &str = "to trust this server anyway, pin its certificate: save it as PEM (for example from \
                   `openssl s_client -showcerts -connect HOST:PORT`) and give it with \
                   `handset accounts edit NAME --tls-ca FILE`";

/// Explains a TLS handshake failure in the user's terms: what is wrong with the server's
/// certificate (or protocol) and how to pin a certificate the user trusts anyway.
pub fn explain_handshake_error(e: &std::io::Error) -> String {
    use rustls::{AlertDescription, CertificateError, Error, PeerIncompatible};
    let text = e.to_string();
    let rustls_error = e.get_ref().and_then(|inner| inner.downcast_ref::<Error>());
    match rustls_error {
        Some(Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        )) => format!(
            "the server's TLS certificate has expired ({text}); ask its administrator to renew it, or {PIN}"
        ),
        Some(Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        )) => format!(
            "the server's TLS certificate is not valid yet ({text}): check this computer's clock and date, or {PIN}"
        ),
        Some(Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => format!(
            "the server's TLS certificate does not name this server ({text}): check the domain or outbound proxy, or {PIN}"
        ),
        Some(Error::InvalidCertificate(_)) => format!(
            "the server's TLS certificate is not trusted ({text}): it is self-signed or from a CA this computer \
             does not know. Give that CA's certificate with `handset accounts edit NAME --tls-ca FILE`, or {PIN}"
        ),
        Some(
            Error::AlertReceived(AlertDescription::ProtocolVersion)
            | Error::PeerIncompatible(
                PeerIncompatible::Tls12NotOffered | PeerIncompatible::ServerDoesNotSupportTls12Or13,
            ),
        ) => format!(
            "the server offers no TLS version Handset accepts ({text}): TLS 1.2 is the minimum; ask for TLS 1.2 or 1.3 on the server"
        ),
        _ => format!("TLS handshake failed: {text}"),
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
