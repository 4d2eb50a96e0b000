//! Faults in the network between Handset and its proxy, with a real Kamailio and baresip: the
//! TCP/TLS connection reset in the middle of a call, and 30 s in which every packet (signalling
//! and media) is lost. Each fault is made by a small relay of this file between Handset and
//! Kamailio (Handset's account points at the relay), so only Handset's paths are hit.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::audio::level_after;
use crate::flood::memory_kib;
use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};
use crate::rtp_relay::{RelayOptions, RtpRelay};

const T: Duration = Duration::from_secs(10);
/// How often the relays look at their sockets and flags.
const TICK: Duration = Duration::from_millis(2);

/// A TCP relay from 127.0.0.1 to `upstream` that can reset every connection it carries: each
/// side gets an RST (SO_LINGER 0), as when a NAT or a firewall drops the connection. It can
/// also turn hostile towards Handset on the connections it carries: stop relaying the server
/// and send a message that never ends instead, in `piece`-byte pieces every `every`.
struct ResetProxy {
    addr: SocketAddr,
    reset: Arc<AtomicBool>,
    trickle: Arc<Mutex<Option<(usize, Duration)>>>,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

/// One connection through the relay: Handset's side, the server's side, and when the relay
/// trickles (the piece size, the interval and the next time), how much it has sent.
struct Pair {
    down: TcpStream,
    up: TcpStream,
    trickle: Option<(usize, Duration, Instant)>,
    trickled: usize,
}

impl ResetProxy {
    fn start(upstream: SocketAddr) -> ResetProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let reset = Arc::new(AtomicBool::new(false));
        let trickle = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (r, t, s, a) = (reset.clone(), trickle.clone(), stop.clone(), accepted.clone());
        let thread = thread::spawn(move || {
            let mut pairs: Vec<Pair> = Vec::new();
            let mut buf = vec![0u8; 65536];
            while !s.load(Ordering::SeqCst) {
                if let Ok((down, _)) = listener.accept()
                    && let Ok(up) = TcpStream::connect(upstream)
                {
                    for side in [&down, &up] {
                        side.set_nonblocking(true).unwrap();
                        side.set_nodelay(true).unwrap();
                    }
                    pairs.push(Pair {
                        down,
                        up,
                        trickle: None,
                        trickled: 0,
                    });
                    a.fetch_add(1, Ordering::SeqCst);
                }
                if r.swap(false, Ordering::SeqCst) {
                    for pair in pairs.drain(..) {
                        for side in [pair.down, pair.up] {
                            // Closing with a zero linger time sends an RST.
                            let _ = socket2::SockRef::from(&side).set_linger(Some(Duration::ZERO));
                        }
                    }
                }
                if let Some((piece, every)) = t.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    for pair in &mut pairs {
                        pair.trickle = Some((piece, every, Instant::now()));
                    }
                }
                pairs.retain_mut(|p| p.pump(&mut buf).is_ok());
                thread::sleep(TICK);
            }
        });
        ResetProxy {
            addr,
            reset,
            trickle,
            stop,
            accepted,
            thread: Some(thread),
        }
    }

    /// Resets every connection now (within a tick).
    fn reset(&self) {
        self.reset.store(true, Ordering::SeqCst);
        thread::sleep(TICK * 5);
    }

    /// From now on the connections carried so far send Handset a never-ending message, `piece`
    /// bytes every `every` (new connections are relayed as before).
    fn trickle(&self, piece: usize, every: Duration) {
        *self.trickle.lock().unwrap_or_else(PoisonError::into_inner) = Some((piece, every));
    }
}

/// The start of a response whose header never ends.
const ENDLESS: &[u8] = b"SIP/2.0 200 OK\r\nX-Endless: ";

impl Pair {
    /// Moves what each side has to the other (or trickles towards Handset); an error or a
    /// closed side ends the pair.
    fn pump(&mut self, buf: &mut [u8]) -> io::Result<()> {
        relay(&mut self.down, &mut self.up, buf)?;
        let Some((piece, every, next)) = self.trickle else {
            return relay(&mut self.up, &mut self.down, buf);
        };
        // The server's side is read and dropped.
        let _ = self.up.read(buf);
        if Instant::now() >= next {
            let bytes: Vec<u8> = (self.trickled..self.trickled + piece)
                .map(|i| ENDLESS.get(i).copied().unwrap_or(b'a'))
                .collect();
            write_all(&mut self.down, &bytes)?;
            self.trickled += piece;
            self.trickle = Some((piece, every, next + every));
        }
        Ok(())
    }
}

impl Drop for ResetProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Moves what `from` has to `to`; an error or the end of `from` ends the pair.
fn relay(from: &mut TcpStream, to: &mut TcpStream, buf: &mut [u8]) -> io::Result<()> {
    loop {
        match from.read(buf) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => write_all(to, &buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// Writes all of `bytes` to a non-blocking stream.
fn write_all(to: &mut TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match to.write(bytes) {
            Ok(w) => bytes = &bytes[w..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(TICK),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A UDP relay from 127.0.0.1 to `upstream` for one client (the last address that sent to
/// it) that can drop every datagram both ways for a while.
struct BlackoutRelay {
    addr: SocketAddr,
    blackout: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    dropped: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl BlackoutRelay {
    fn start(upstream: SocketAddr) -> BlackoutRelay {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind the relay");
        socket.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let addr = socket.local_addr().unwrap();
        let blackout = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (b, s, d) = (blackout.clone(), stop.clone(), dropped.clone());
        let thread = thread::spawn(move || {
            let client = Mutex::new(None::<SocketAddr>);
            let mut buf = vec![0u8; 65536];
            while !s.load(Ordering::SeqCst) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                if b.load(Ordering::SeqCst) {
                    d.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                let mut client = client.lock().unwrap_or_else(PoisonError::into_inner);
                let to = if from == upstream {
                    *client
                } else {
                    *client = Some(from);
                    Some(upstream)
                };
                if let Some(to) = to {
                    let _ = socket.send_to(&buf[..n], to);
                }
            }
        });
        BlackoutRelay {
            addr,
            blackout,
            stop,
            dropped,
            thread: Some(thread),
        }
    }

    fn set_blackout(&self, on: bool) {
        self.blackout.store(on, Ordering::SeqCst);
    }
}

impl Drop for BlackoutRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The connection to the proxy is reset in the middle of a call: Handset connects again,
/// registers, and tells the far end its new path (a re-INVITE), so the call goes on and the far
/// end's BYE reaches it over the new connection.
fn call_survives_a_connection_reset(t: &'static str) {
    let k = Kamailio::start(KamailioOptions::default());
    let proxy = ResetProxy::start(SocketAddr::from(([127, 0, 0, 1], k.port(t))));
    let bob_user = format!("bob-reset-{t}");
    let bob = Baresip::start(&k, BaresipOptions::pcmu(&bob_user, "pw-bob"));
    let alice = Profile::with_server(
        &k,
        &format!("alice-reset-{t}"),
        "pw-alice",
        t,
        "127.0.0.1",
        &proxy.addr.port().to_string(),
    );
    let mut run = alice.spawn(&["call", "A", &bob.sip_uri()]);
    bob.wait_event("CALL_ESTABLISHED", T);
    run.wait_line("answered", T);
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 1);

    proxy.reset();
    let reset_at = Instant::now();
    let again = run.next_line("registered (", Duration::from_secs(8));
    assert!(
        again.is_some(),
        "{t}: not registered again after the reset:\n{}",
        run.seen.join("\n")
    );
    println!("{t}: registered again {:?} after the reset", reset_at.elapsed());
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 2, "one new connection");
    // The re-INVITE has told baresip (through Kamailio) where Handset is now.
    thread::sleep(Duration::from_secs(1));
    bob.hangup();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{t}: {out}");
    assert!(
        out.contains("ended by the far end (200"),
        "{t}: the far end's BYE did not arrive over the new connection:\n{out}\n{}",
        k.log()
    );
}

#[test]
fn a_call_survives_a_tcp_connection_reset() {
    call_survives_a_connection_reset("tcp");
}

#[test]
fn a_call_survives_a_tls_connection_reset() {
    call_survives_a_connection_reset("tls");
}

/// 30 s in which every packet between Handset and the rest is lost (signalling through one relay,
/// media through the rtpproxy relay), in the middle of a call over UDP: the call is not dropped,
/// the far end's sound is heard again afterwards, and the far end's BYE arrives.
#[test]
fn a_call_recovers_from_30_s_of_total_packet_loss() {
    let media = RtpRelay::start(RelayOptions::default());
    let k = Kamailio::start(KamailioOptions {
        rtpproxy: Some(media.control_addr()),
        ..KamailioOptions::default()
    });
    let signalling = BlackoutRelay::start(SocketAddr::from(([127, 0, 0, 1], k.port("udp"))));
    let bob = Baresip::start(&k, BaresipOptions::pcmu("bob-blackout", "pw-bob"));
    let alice = Profile::with_server(
        &k,
        "alice-blackout",
        "pw-alice",
        "udp",
        "127.0.0.1",
        &signalling.addr.port().to_string(),
    );
    let dir = tempfile::tempdir().unwrap();
    let heard = dir.path().join("heard.wav");
    let mut run = alice.spawn(&[
        "call",
        "A",
        &bob.sip_uri(),
        "--record",
        heard.to_str().unwrap(),
        "--keepalive",
        "5",
    ]);
    bob.wait_event("CALL_ESTABLISHED", T);
    run.wait_line("answered", T);
    thread::sleep(Duration::from_secs(3));

    let before = media.stats();
    signalling.set_blackout(true);
    media.set_blackout(true);
    thread::sleep(Duration::from_secs(30));
    let during = media.stats();
    signalling.set_blackout(false);
    media.set_blackout(false);
    assert!(
        signalling.dropped.load(Ordering::SeqCst) > 0,
        "the keep-alives were lost"
    );
    assert_eq!(
        (during.to_callee.rtp_forwarded, during.to_caller.rtp_forwarded),
        (before.to_callee.rtp_forwarded, before.to_caller.rtp_forwarded),
        "no media passed during the blackout"
    );
    assert!(
        !run.seen.iter().any(|l| l.contains("ended")),
        "the call ended during the blackout:\n{}",
        run.seen.join("\n")
    );

    thread::sleep(Duration::from_secs(5));
    let after = media.stats();
    assert!(
        after.to_callee.rtp_forwarded > during.to_callee.rtp_forwarded + 100
            && after.to_caller.rtp_forwarded > during.to_caller.rtp_forwarded + 100,
        "media flows both ways again: {during:?} → {after:?}"
    );
    bob.hangup();
    let (code, out) = run.finish(Duration::from_secs(40));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ended by the far end (200"),
        "the far end's BYE arrived after the blackout:\n{out}"
    );
    // The recording's last 4 s hold baresip's 440 Hz tone again.
    let length = {
        let r = hound::WavReader::open(&heard).unwrap();
        f64::from(r.duration()) / f64::from(r.spec().sample_rate)
    };
    let tail = level_after(&heard, length - 4.0);
    println!("30 s blackout: recording {length:.1} s, last 4 s at {tail:.1} dBFS\n{out}");
    assert!(length > 35.0, "the recording spans the blackout: {length:.1} s");
    assert!(tail > -30.0, "the far end is heard again: {tail:.1} dBFS");
}

/// The registrar in maintenance answers 503 with Retry-After: Handset waits that long (not its
/// own shorter back-off) before it asks again, and then registers.
#[test]
fn a_503_with_retry_after_from_kamailio_is_honoured() {
    let k = Kamailio::start(KamailioOptions::default());
    let alice = Profile::new(&k, "alice-503", "pw-alice", "udp");
    k.set_maintenance(9);
    let mut run = alice.spawn(&["register", "A"]);
    let failed = run.wait_line("registration failed (503)", T);
    let at = Instant::now();
    assert!(failed.contains("retrying in 9 s"), "{failed}");
    k.set_maintenance(0);
    let again = run.next_line("registered (", Duration::from_secs(12));
    let waited = at.elapsed();
    assert!(
        again.is_some(),
        "not registered after the Retry-After:\n{}",
        run.seen.join("\n")
    );
    println!("503 Retry-After 9: registered again {waited:?} after the refusal");
    assert!(
        (Duration::from_millis(8500)..Duration::from_secs(11)).contains(&waited),
        "asked again after {waited:?}, not after the 9 s asked for"
    );
    let refused = k
        .log()
        .matches("REGISTER sip:alice-503@127.0.0.1 refused: maintenance")
        .count();
    assert_eq!(refused, 1, "one REGISTER during the maintenance");
    run.interrupt();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
}

/// The server turns hostile on Handset's TCP connection. First it sends a header that never
/// ends, fast: the connection is dropped when it passes 64 KiB. Then (on the new connection) it
/// trickles one a byte every 100 ms (slow loris): dropped when the message is not complete after
/// 32 s. Each time Handset connects again and registers; its memory stays where it was.
#[test]
fn a_server_sending_a_message_that_never_ends_loses_the_connection_not_memory() {
    let k = Kamailio::start(KamailioOptions::default());
    let proxy = ResetProxy::start(SocketAddr::from(([127, 0, 0, 1], k.port("tcp"))));
    let alice = Profile::with_server(
        &k,
        "alice-loris",
        "pw-alice",
        "tcp",
        "127.0.0.1",
        &proxy.addr.port().to_string(),
    );
    let mut run = alice.spawn(&["-v", "register", "A"]);
    run.wait_line("registered (", T);
    let before = memory_kib(run.pid(), "VmRSS");

    proxy.trickle(1024, Duration::from_millis(10));
    let lost = run
        .next_line("connection lost", T)
        .unwrap_or_else(|| panic!("not dropped at 64 KiB:\n{}", run.seen.join("\n")));
    assert!(lost.contains("larger than 64 KiB"), "{lost}");
    run.next_line("registered (", T)
        .unwrap_or_else(|| panic!("not registered again:\n{}", run.seen.join("\n")));
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 2);

    proxy.trickle(1, Duration::from_millis(100));
    let start = Instant::now();
    let lost = run
        .next_line("connection lost", Duration::from_secs(40))
        .unwrap_or_else(|| panic!("the slow loris kept the connection:\n{}", run.seen.join("\n")));
    let held = start.elapsed();
    assert!(lost.contains("unfinished for 32 s"), "{lost}");
    run.next_line("registered (", T)
        .unwrap_or_else(|| panic!("not registered again:\n{}", run.seen.join("\n")));
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 3);
    let after = memory_kib(run.pid(), "VmRSS");
    println!(
        "never-ending message: dropped at 64 KiB; slow loris dropped after {held:?}; RSS {before} → {after} KiB"
    );
    assert!(
        (31..=35).contains(&held.as_secs()),
        "dropped after {held:?}, not after 32 s"
    );
    assert!(after < before + 4096, "RSS {before} → {after} KiB");
    run.interrupt();
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
}
