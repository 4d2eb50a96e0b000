//! Handshakes against real TLS servers on loopback (rustls in process, and OpenSSL's `s_server`
//! for a protocol rustls will not speak): each bad certificate is refused with a message that
//! says how to pin a certificate, pinning works, and TLS 1.2 is the minimum.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{client_config, handshake};

/// A server certificate, its key, and the CA that signed it (if any).
struct Server {
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn params(names: &[&str], expired: bool) -> CertificateParams {
    let mut p = CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    if expired {
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    p
}

/// A CA (its certificate as PEM in `dir`) and a function to sign server certificates with it.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
    pem: PathBuf,
}

impl Ca {
    fn new(dir: &Path, name: &str) -> Ca {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(rcgen::DnType::CommonName, format!("{name} test CA"));
        let issuer = CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap();
        let pem = dir.join(format!("{name}-ca.pem"));
        std::fs::write(&pem, issuer.pem()).unwrap();
        Ca { issuer, pem }
    }

    fn sign(&self, names: &[&str], expired: bool) -> Server {
        let key = KeyPair::generate().unwrap();
        let cert = params(names, expired).signed_by(&key, &self.issuer).unwrap();
        Server {
            chain: vec![cert.der().clone(), self.issuer.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }
}

fn self_signed(dir: &Path, names: &[&str], expired: bool) -> (Server, PathBuf) {
    let key = KeyPair::generate().unwrap();
    let cert = params(names, expired).self_signed(&key).unwrap();
    let pem = dir.join("self-signed.pem");
    std::fs::write(&pem, cert.pem()).unwrap();
    (
        Server {
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        },
        pem,
    )
}

/// Serves one TLS connection (echoing a line) with `server`'s certificate; the port.
async fn serve(server: Server) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(server.chain, PrivateKeyDer::Pkcs8(server.key))
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        if let Ok((tcp, _)) = listener.accept().await
            && let Ok(mut tls) = acceptor.accept(tcp).await
        {
            let mut buf = [0u8; 64];
            if let Ok(n) = tls.read(&mut buf).await {
                let _ = tls.write_all(&buf[..n]).await;
                let _ = tls.shutdown().await;
            }
        }
    });
    port
}

/// A handshake as `host` with the platform roots plus `ca`; a line echoed when it succeeds.
async fn connect(port: u16, host: &str, ca: Option<&Path>) -> Result<(), String> {
    let config = client_config(ca).map_err(|e| e.to_string())?;
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    let mut tls = handshake(config, host, Box::new(tcp)).await?;
    tls.write_all(b"ping\n").await.map_err(|e| e.to_string())?;
    let mut buf = [0u8; 5];
    tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
    assert_eq!(&buf, b"ping\n");
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn assert_refused(result: Result<(), String>, what: &str, says: &str) {
    let message = result.expect_err(what);
    assert!(message.contains(says), "{what}: {message}");
    assert!(
        message.contains("--tls-ca FILE") && message.contains("pin"),
        "{what}: the message says how to pin a certificate: {message}"
    );
}

#[test]
fn bad_certificates_are_refused_with_how_to_pin_and_pinning_works() {
    let dir = tempfile::tempdir().unwrap();
    let trusted = Ca::new(dir.path(), "trusted");
    let unknown = Ca::new(dir.path(), "unknown");
    runtime().block_on(async {
        // Signed by a CA the account gave: accepted.
        let port = serve(trusted.sign(&["sip.test"], false)).await;
        connect(port, "sip.test", Some(&trusted.pem))
            .await
            .expect("a certificate from the given CA");

        let port = serve(trusted.sign(&["sip.test"], true)).await;
        assert_refused(
            connect(port, "sip.test", Some(&trusted.pem)).await,
            "expired",
            "has expired",
        );

        let port = serve(trusted.sign(&["other.test"], false)).await;
        assert_refused(
            connect(port, "sip.test", Some(&trusted.pem)).await,
            "wrong host",
            "does not name this server",
        );

        let port = serve(unknown.sign(&["sip.test"], false)).await;
        assert_refused(
            connect(port, "sip.test", Some(&trusted.pem)).await,
            "untrusted CA",
            "not trusted",
        );

        let (server, pem) = self_signed(dir.path(), &["sip.test"], false);
        let port = serve(server).await;
        assert_refused(
            connect(port, "sip.test", None).await,
            "self-signed",
            "not trusted",
        );

        // Pinning: the server's own certificate given as the CA file is trusted as it is.
        let (server, pem_again) = self_signed(dir.path(), &["sip.test"], false);
        assert_eq!(pem, pem_again);
        let port = serve(server).await;
        connect(port, "sip.test", Some(&pem))
            .await
            .expect("a pinned self-signed certificate");
        // …even when it names another host or has expired (the user chose to trust exactly it).
        let (server, pem) = self_signed(dir.path(), &["elsewhere.test"], true);
        let port = serve(server).await;
        connect(port, "sip.test", Some(&pem))
            .await
            .expect("a pinned certificate, whatever it says");
    });
}

/// OpenSSL's test server (`openssl s_server`) allowed only TLS 1.0 or 1.1 is refused, with the
/// minimum named (rustls has nothing older than 1.2); the same server on TLS 1.2 is accepted.
#[test]
fn tls_1_2_is_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path(), "openssl");
    let key = KeyPair::generate().unwrap();
    let cert = params(&["sip.test"], false).signed_by(&key, &ca.issuer).unwrap();
    let (cert_file, key_file) = (dir.path().join("server.pem"), dir.path().join("server.key"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    for (version, accepted) in [("-tls1", false), ("-tls1_1", false), ("-tls1_2", true)] {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = std::process::Command::new("openssl")
            .args(["s_server", "-quiet", version, "-cipher", "DEFAULT:@SECLEVEL=0"])
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert_file)
            .arg("-key")
            .arg(&key_file)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl s_server (Debian package openssl)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "s_server did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let result = runtime().block_on(async {
            let config = client_config(Some(&ca.pem)).map_err(|e| e.to_string())?;
            let tcp = TcpStream::connect(("127.0.0.1", port))
                .await
                .map_err(|e| e.to_string())?;
            handshake(config, "sip.test", Box::new(tcp)).await.map(|_| ())
        });
        let _ = server.kill();
        let _ = server.wait();
        match (accepted, result) {
            (true, r) => r.unwrap_or_else(|e| panic!("{version}: {e}")),
            (false, Ok(())) => panic!("{version}: a server without TLS 1.2 was accepted"),
            (false, Err(e)) => assert!(e.contains("TLS 1.2 is the minimum"), "{version}: {e}"),
        }
    }
}
