//! Real SIP peers for the interop tests: a Kamailio 5.6 registrar/proxy and baresip 1.0 phones, on
//! loopback only, on free ports, in temporary directories, started and stopped by PID.
//!
//! Needs the packages of `packaging/setup.sh test` (kamailio with its sqlite/tls/websocket modules,
//! sqlite3, openssl, baresip-core). Every peer runs in its own process group, which `Drop` terminates
//! (SIGTERM, then SIGKILL) before the temporary directory is removed, also when a test panics.
//!
//! The test domain is `127.0.0.1` (`[::1]` for IPv6 phones) without a port: accounts are
//! `sip:user@127.0.0.1`, and every request goes to Kamailio's free port as outbound proxy
//! (the Kamailio configuration recognises the domain on any port; see its header).

// Not every test uses every helper.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::fs::{self, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The project's Kamailio configuration (all ports and paths come from `-A` defines).
const KAMAILIO_CFG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/kamailio/kamailio.cfg");
/// Table definitions shipped by kamailio-sqlite-modules (they match the installed module versions).
const KAMAILIO_SQL_DIR: &str = "/usr/share/kamailio/db_sqlite";
const BARESIP_MODULES: &str = "/usr/lib/baresip/modules";

/// How long a peer may take to listen / register.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a ctrl_tcp command may take to be answered.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// Grace between SIGTERM and SIGKILL.
const KAMAILIO_GRACE: Duration = Duration::from_secs(5);
const BARESIP_GRACE: Duration = Duration::from_secs(2);

/// Ports handed out by [`free_port_block`]: below Linux's ephemeral range (32768–60999), so
/// outgoing connections of the peers themselves cannot take a port between check and use.
const PORT_LO: u16 = 20000;
const PORT_HI: u16 = 32000;

pub(crate) const LOG_TAIL_LINES: usize = 60;
const RECENT_EVENTS: usize = 40;

// ---------------------------------------------------------------------------------------------
// Ports

/// A base port such that `base..base + n` are all free for UDP and TCP on 127.0.0.1 (and on
/// ::1 when the host has IPv6 loopback). A process-wide cursor, started at a random point of
/// 20000..32000, walks upwards, so blocks never repeat within a test binary and parallel test
/// binaries are unlikely to meet. (A port can still be taken between this check and its use by
/// an unrelated process; [`Kamailio::start`] retries with new ports when its bind fails.)
pub fn free_port_block(n: u16) -> u16 {
    assert!(
        n > 0 && n <= 1000,
        "free_port_block({n}): unreasonable block size"
    );
    static NEXT: Mutex<u16> = Mutex::new(0);
    let mut next = lock(&NEXT);
    if *next == 0 {
        *next = PORT_LO + (random_u64() % u64::from(PORT_HI - PORT_LO)) as u16;
    }
    for _ in 0..1000 {
        let mut base = *next;
        if base < PORT_LO || base > PORT_HI - n {
            base = PORT_LO;
        }
        *next = base + n;
        if (base..base + n).all(port_is_free) {
            return base;
        }
    }
    panic!("free_port_block({n}): no block of free ports in {PORT_LO}..{PORT_HI}");
}

fn port_is_free(port: u16) -> bool {
    let free_on = |ip: &str| UdpSocket::bind((ip, port)).is_ok() && TcpListener::bind((ip, port)).is_ok();
    free_on("127.0.0.1") && (!ipv6_loopback() || free_on("::1"))
}

/// Whether ::1 can be bound here (some containers have no IPv6 at all).
pub fn ipv6_loopback() -> bool {
    static V6: OnceLock<bool> = OnceLock::new();
    *V6.get_or_init(|| UdpSocket::bind("[::1]:0").is_ok())
}

fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

// ---------------------------------------------------------------------------------------------
// Processes

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A child in its own process group (pgid = its pid), with stdout+stderr appended to a log file,
/// and a watchdog in the same group that terminates the group and removes the peer's temp dir
/// when this test process dies without running `Drop` (Ctrl-C only reaches the foreground
/// process group; SIGKILL; abort).
#[derive(Debug)]
pub(crate) struct Proc {
    child: Child,
    watchdog: Option<Child>,
}

/// `$0` = the test process, `$1` = the peer's process group, `$2` = its temp dir. Ignores
/// SIGTERM: Kamailio's main process signals its whole group when it shuts down, and the
/// fallback SIGKILL must still run. While the test process lives it only polls; `Proc::terminate`
/// kills it along with the group.
const WATCHDOG: &str = "trap '' TERM; while kill -0 \"$0\" 2>/dev/null; do sleep 0.5; done; \
                        env kill -TERM -- \"-$1\"; sleep 2; rm -rf -- \"$2\"; env kill -KILL -- \"-$1\"";

impl Proc {
    pub(crate) fn spawn(cmd: Command, log: &Path, temp_dir: &Path) -> io::Result<Proc> {
        Proc::spawn_with_stdin(cmd, log, temp_dir, Stdio::null())
    }

    /// Like [`Proc::spawn`] with the given stdin (`Stdio::piped()`: take it with
    /// [`Proc::take_stdin`]).
    pub(crate) fn spawn_with_stdin(
        mut cmd: Command,
        log: &Path,
        temp_dir: &Path,
        stdin: Stdio,
    ) -> io::Result<Proc> {
        let out = OpenOptions::new().create(true).append(true).open(log)?;
        let err = out.try_clone()?;
        cmd.stdin(stdin).stdout(out).stderr(err).process_group(0);
        let child = cmd.spawn()?;
        let watchdog = i32::try_from(child.id()).ok().and_then(|pgid| {
            Command::new("sh")
                .args(["-c", WATCHDOG])
                .arg(std::process::id().to_string())
                .arg(pgid.to_string())
                .arg(temp_dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(pgid)
                .spawn()
                .ok()
        });
        Ok(Proc { child, watchdog })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.child.stdin.take()
    }

    /// Exited (a zombie not yet reaped counts as exited). Never reaps, so the pid, which is
    /// also the process group id, cannot be reused while we may still signal the group.
    pub(crate) fn exited(&self) -> bool {
        match fs::read_to_string(format!("/proc/{}/stat", self.pid())) {
            // state is the first field after the ")" closing the command name
            Ok(stat) => stat
                .rsplit_once(')')
                .is_none_or(|(_, rest)| rest.trim_start().starts_with('Z')),
            Err(_) => true,
        }
    }

    /// SIGTERM to the group, up to `grace` for the leader to exit, SIGKILL to the group
    /// (stragglers: Kamailio's workers), reap the leader, wait briefly until the group is gone.
    pub(crate) fn terminate(mut self, grace: Duration) {
        let pgid = self.pid();
        if !self.exited() {
            signal_group(pgid, "TERM");
            let deadline = Instant::now() + grace;
            while !self.exited() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(20));
            }
        }
        signal_group(pgid, "KILL");
        let _ = self.child.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        // Orphaned group members (Kamailio workers, the watchdog's sleep) may need a moment to die.
        let deadline = Instant::now() + Duration::from_secs(2);
        while group_alive(pgid) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Whether a process of group `pgid` is still running (zombies, which hold no sockets and wait
/// for init to reap them, do not count).
fn group_alive(pgid: u32) -> bool {
    let Ok(procs) = fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|entry| {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // after "pid (comm)": state ppid pgrp ...
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let group = fields.nth(1);
        state != Some("Z") && group == Some(pgid.to_string().as_str())
    })
}

/// `kill -SIG -- -PGID`; true when some process received it.
fn signal_group(pgid: u32, signal: &str) -> bool {
    Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A test server (a Python script) listening on a loopback port; its stderr is kept in a file
/// and shown when it stops at start. Killed (by its own handle) on drop.
pub(crate) struct Listening {
    child: Child,
    pub port: u16,
    log: tempfile::NamedTempFile,
}

impl Listening {
    /// Runs `command` (which listens on `port`) and waits up to 10 s until it does; `what`
    /// names it and `install` says which packages it needs when it cannot run. A server that
    /// finds its port still in use (one restarted on the port of the one just stopped) is
    /// started again until the 10 s are up.
    pub(crate) fn start(mut command: Command, port: u16, what: &str, install: &str) -> Listening {
        let log = tempfile::NamedTempFile::new().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut spawn = || {
            log.as_file().set_len(0).unwrap();
            command
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log.reopen().unwrap())
                .spawn()
                .unwrap_or_else(|e| panic!("{what} cannot run ({e}): {install} must be installed"))
        };
        let mut child = spawn();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let said = fs::read_to_string(log.path()).unwrap_or_default();
                if said.contains("already in use") && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(200));
                    child = spawn();
                    continue;
                }
                panic!(
                    "{what} exited at start ({status}; needs {install}: packaging/setup.sh test); \
                     it said:\n{said}"
                );
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                panic!("{what} did not listen on {port}");
            }
            thread::sleep(Duration::from_millis(50));
        }
        Listening { child, port, log }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn run_tool(cmd: &mut Command, what: &str) {
    let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| {
        panic!("{what}: cannot run {cmd:?} ({e}); install the test packages: packaging/setup.sh test")
    });
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed certificate (and its key) for 127.0.0.1 as `dir/stem.crt` and `dir/stem.key`,
/// for test servers whose certificate the client pins.
pub(crate) fn self_signed_certificate(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join(format!("{stem}.crt")), dir.join(format!("{stem}.key")));
    run_tool(
        Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ])
            .args(["-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert),
        "openssl (a test server's certificate)",
    );
    (cert, key)
}

pub(crate) fn require_file(path: &str, package: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install {package} (packaging/setup.sh test)"
    );
}

pub(crate) fn read_lossy(path: &Path) -> String {
    fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// rtpengine

/// A userspace rtpengine (Debian `rtpengine-daemon`, no kernel module) on 127.0.0.1: NG control
/// on the first port of a free block, media on the rest; stopped by PID on drop.
#[derive(Debug)]
pub struct Rtpengine {
    dir: tempfile::TempDir,
    proc: Option<Proc>,
    ng: SocketAddr,
}

impl Rtpengine {
    pub fn start() -> Rtpengine {
        require_file("/usr/bin/rtpengine", "rtpengine-daemon");
        let dir = tempfile::Builder::new()
            .prefix("handset-rtpengine-")
            .tempdir()
            .expect("temp dir for rtpengine");
        let base = free_port_block(40);
        let ng = SocketAddr::from(([127, 0, 0, 1], base));
        let mut cmd = Command::new("rtpengine");
        cmd.args([
            "--foreground",
            "--log-stderr",
            "--no-log-timestamps",
            "--table=-1",
        ])
        .args(["--interface=127.0.0.1", "--log-level=6"])
        .arg(format!("--listen-ng={ng}"))
        .arg(format!("--port-min={}", base + 2))
        .arg(format!("--port-max={}", base + 39));
        let log = dir.path().join("rtpengine.log");
        let proc = Proc::spawn(cmd, &log, dir.path())
            .unwrap_or_else(|e| panic!("cannot run rtpengine ({e}): install rtpengine-daemon"));
        let engine = Rtpengine {
            dir,
            proc: Some(proc),
            ng,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while !engine.log().contains("Startup complete") {
            if Instant::now() > deadline || engine.proc.as_ref().is_none_or(Proc::exited) {
                panic!("rtpengine did not start:\n{}", engine.log());
            }
            thread::sleep(Duration::from_millis(50));
        }
        engine
    }

    /// The NG control address, for [`KamailioOptions::rtpengine`].
    pub fn ng(&self) -> SocketAddr {
        self.ng
    }

    pub fn log(&self) -> String {
        read_lossy(&self.dir.path().join("rtpengine.log"))
    }
}

impl Drop for Rtpengine {
    fn drop(&mut self) {
        if let Some(p) = self.proc.take() {
            p.terminate(Duration::from_secs(3));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Kamailio

/// How to start [`Kamailio`].
#[derive(Debug, Clone, Copy, Default)]
pub struct KamailioOptions {
    /// Also listen on [::1] (UDP, TCP, TLS; same port numbers as on 127.0.0.1).
    pub ipv6: bool,
    /// Put every call's media through an rtpproxy-protocol relay listening here (UDP), e.g.
    /// [`crate::rtp_relay::RtpRelay`]: Kamailio rewrites the SDP of offers and answers.
    pub rtpproxy: Option<SocketAddr>,
    /// Put every call's media through an rtpengine ([`Rtpengine`]) whose NG control port this
    /// is, as a WebRTC gateway: ICE-lite and DTLS-SRTP towards the caller, plain RTP to the
    /// callee.
    pub rtpengine: Option<SocketAddr>,
}

/// A Kamailio registrar/proxy on 127.0.0.1 (and [::1]): UDP and TCP on one port, TLS, WS and WSS
/// on the next three. Digest auth against an SQLite `subscriber` table, registrations in memory.
#[derive(Debug)]
pub struct Kamailio {
    dir: tempfile::TempDir,
    ca_cert: PathBuf,
    proc: Option<Proc>,
    base: u16,
    ipv6: bool,
    rtpproxy: Option<SocketAddr>,
    rtpengine: Option<SocketAddr>,
    starts: u32,
}

#[derive(Debug)]
struct LaunchError {
    message: String,
    address_in_use: bool,
}

impl Kamailio {
    /// Generates a CA and a server certificate, the SQLite database and tls.cfg in a new temp
    /// dir, picks free ports and starts Kamailio; returns once it answers OPTIONS and accepts
    /// TCP/TLS/WS/WSS connections. Panics (with the tail of its log) when it does not within 10 s.
    pub fn start(opts: KamailioOptions) -> Kamailio {
        require_file(KAMAILIO_SQL_DIR, "kamailio-sqlite-modules");
        assert!(
            !opts.ipv6 || ipv6_loopback(),
            "Kamailio with IPv6 requested, but ::1 cannot be bound on this host"
        );
        let dir = tempfile::Builder::new()
            .prefix("handset-kamailio-")
            .tempdir()
            .expect("temp dir for Kamailio");
        let ca_cert = dir.path().join("certs/ca.crt");
        let mut kamailio = Kamailio {
            dir,
            ca_cert,
            proc: None,
            base: 0,
            ipv6: opts.ipv6,
            rtpproxy: opts.rtpproxy,
            rtpengine: opts.rtpengine,
            starts: 0,
        };
        kamailio.make_certs();
        kamailio.write_tls_cfg();
        kamailio.init_db();
        let mut attempts = 0;
        loop {
            attempts += 1;
            kamailio.base = free_port_block(4);
            match kamailio.launch() {
                Ok(()) => return kamailio,
                Err(e) if e.address_in_use && attempts < 3 => continue,
                Err(e) => panic!("{}", e.message),
            }
        }
    }

    /// Adds (or updates) a subscriber; Kamailio sees it at once, no restart needed.
    pub fn add_subscriber(&self, user: &str, password: &str) {
        let sql = format!(
            "INSERT INTO subscriber(username, domain, password) VALUES({}, '127.0.0.1', {}) \
             ON CONFLICT(username, domain) DO UPDATE SET password = excluded.password;",
            sql_quote(user),
            sql_quote(password)
        );
        run_tool(
            Command::new("sqlite3")
                .arg("-bail")
                .args(["-cmd", ".timeout 5000"])
                .arg(self.db())
                .arg(sql),
            "sqlite3 (add subscriber)",
        );
    }

    /// UDP port on 127.0.0.1 (and [::1]).
    pub fn udp_port(&self) -> u16 {
        self.base
    }
    /// TCP port: the same number as [`Kamailio::udp_port`].
    pub fn tcp_port(&self) -> u16 {
        self.base
    }
    pub fn tls_port(&self) -> u16 {
        self.base + 1
    }
    /// WebSocket (`ws://127.0.0.1:PORT/`; any path).
    pub fn ws_port(&self) -> u16 {
        self.base + 2
    }
    /// Secure WebSocket (`wss://127.0.0.1:PORT/`).
    pub fn wss_port(&self) -> u16 {
        self.base + 3
    }

    /// The port of a transport: "udp", "tcp", "tls", "ws" or "wss".
    pub fn port(&self, transport: &str) -> u16 {
        match transport {
            "udp" => self.udp_port(),
            "tcp" => self.tcp_port(),
            "tls" => self.tls_port(),
            "ws" => self.ws_port(),
            "wss" => self.wss_port(),
            other => panic!("unknown transport {other:?}"),
        }
    }

    /// The proxy as a SIP URI, e.g. `sip:127.0.0.1:20000;transport=tcp` or
    /// `sip:[::1]:20001;transport=tls` (udp|tcp|tls).
    pub fn proxy_uri(&self, transport: &str, ipv6: bool) -> String {
        let host = if ipv6 { "[::1]" } else { "127.0.0.1" };
        format!("sip:{host}:{};transport={transport}", self.port(transport))
    }

    /// PEM of the CA that signed the server certificate (CN sip.test; SAN 127.0.0.1, ::1,
    /// localhost, sip.test).
    pub fn ca_cert(&self) -> &Path {
        &self.ca_cert
    }

    /// The server certificate (PEM), for pinning tests.
    pub fn server_cert(&self) -> PathBuf {
        self.dir.path().join("certs/server.crt")
    }

    pub fn ipv6(&self) -> bool {
        self.ipv6
    }

    /// Pid of the main process (also its process group), while running.
    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().map(Proc::pid)
    }

    /// The run directory (database, certificates, tls.cfg, kamailio.log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Answers every REGISTER with 503 and `Retry-After: secs` (0: normal service again),
    /// through Kamailio's RPC (`kamcmd pv.shvSet`).
    pub fn set_maintenance(&self, secs: u32) {
        let sock = format!("unix:{}", self.dir.path().join("kamailio_ctl").display());
        let out = Command::new("kamcmd")
            .args(["-s", &sock, "pv.shvSet", "maintenance", "int", &secs.to_string()])
            .output()
            .expect("run kamcmd");
        assert!(
            out.status.success(),
            "kamcmd pv.shvSet failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops Kamailio and all its workers (SIGTERM to its process group, SIGKILL after 5 s).
    pub fn stop(&mut self) {
        if let Some(proc) = self.proc.take() {
            proc.terminate(KAMAILIO_GRACE);
        }
    }

    /// Stops and starts again on the same ports with the same database and certificates:
    /// subscribers persist, registrations and TCP/TLS connections do not.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.launch() {
                Ok(()) => return,
                // a dying worker may still hold a socket for a moment
                Err(e) if e.address_in_use && Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(200))
                }
                Err(e) => panic!("restart on the same ports failed: {}", e.message),
            }
        }
    }

    /// Everything Kamailio logged so far (all starts; each begins with a `==== handset` line).
    pub fn log(&self) -> String {
        read_lossy(&self.log_path())
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("kamailio.log")
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("kamailio.sqlite")
    }

    fn make_certs(&self) {
        let certs = self.dir.path().join("certs");
        let certs = certs.as_path();
        fs::create_dir_all(certs).expect("certs dir");
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        run_tool(
            Command::new("openssl")
                .current_dir(certs)
                .args(["req", "-x509", "-new"])
                .args(ec)
                .args(["-days", "3650", "-keyout", "ca.key", "-out", "ca.crt"])
                .args(["-subj", "/CN=Handset Test CA"])
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
            "openssl (test CA)",
        );
        run_tool(
            Command::new("openssl")
                .current_dir(certs)
                .args(["req", "-new"])
                .args(ec)
                .args([
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=sip.test",
                ]),
            "openssl (server key)",
        );
        fs::write(
            certs.join("server.ext"),
            "basicConstraints = critical, CA:FALSE\n\
             keyUsage = critical, digitalSignature\n\
             extendedKeyUsage = serverAuth, clientAuth\n\
             subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost, DNS:sip.test\n\
             subjectKeyIdentifier = hash\n\
             authorityKeyIdentifier = keyid, issuer\n",
        )
        .expect("server.ext");
        run_tool(
            Command::new("openssl")
                .current_dir(certs)
                .args([
                    "x509",
                    "-req",
                    "-in",
                    "server.csr",
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                ])
                .args(["-set_serial", &(random_u64() >> 2).to_string()])
                .args(["-days", "3650", "-out", "server.crt", "-extfile", "server.ext"]),
            "openssl (server certificate)",
        );
    }

    fn write_tls_cfg(&self) {
        let certs = self.dir.path().join("certs");
        let cfg = format!(
            "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n\
             private_key = {}\ncertificate = {}\n\n\
             [client:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n",
            certs.join("server.key").display(),
            certs.join("server.crt").display()
        );
        fs::write(self.dir.path().join("tls.cfg"), cfg).expect("tls.cfg");
    }

    fn init_db(&self) {
        // Write-ahead logging: Kamailio's reads of the subscriber table never wait for (or fail
        // on) a subscriber being added by sqlite3 at the same time.
        let mut sql = String::from("PRAGMA journal_mode=WAL;\n");
        for file in ["standard-create.sql", "auth_db-create.sql"] {
            let path = Path::new(KAMAILIO_SQL_DIR).join(file);
            sql += &fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        let mut child = Command::new("sqlite3")
            .arg("-bail")
            .arg(self.db())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sqlite3 (install it: packaging/setup.sh test)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(sql.as_bytes())
            .expect("sqlite3 stdin");
        let out = child.wait_with_output().expect("sqlite3");
        assert!(
            out.status.success(),
            "sqlite3 schema: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn kamailio_command(&self) -> Command {
        let dir = self.dir.path();
        let define = |name: &str, value: String| ["-A".to_owned(), format!("{name}={value}")];
        let quoted = |path: PathBuf| format!("\"{}\"", path.display());
        let mut cmd = Command::new("kamailio");
        cmd.arg("-f").arg(KAMAILIO_CFG);
        for port in ["UDP_PORT", "TCP_PORT", "TLS_PORT", "WS_PORT", "WSS_PORT"] {
            let transport = port.trim_end_matches("_PORT").to_ascii_lowercase();
            cmd.args(define(port, self.port(&transport).to_string()));
        }
        cmd.args(define("DBURL", format!("\"sqlite://{}\"", self.db().display())))
            .args(define("TLS_CFG", quoted(dir.join("tls.cfg"))))
            .args(define(
                "CTL_SOCK",
                format!("\"unix:{}\"", dir.join("kamailio_ctl").display()),
            ))
            .args(define("RPC_FIFO", quoted(dir.join("kamailio_rpc.fifo"))));
        if self.ipv6 {
            cmd.args(["-A", "WITH_IPV6"]);
        }
        if let Some(relay) = self.rtpproxy {
            cmd.args(define("RTPPROXY_SOCK", format!("\"udp:{relay}\"")));
        }
        if let Some(engine) = self.rtpengine {
            cmd.args(define("RTPENGINE_SOCK", format!("\"udp:{engine}\"")));
        }
        // -DD: no daemon, the pid we spawn is the main process; -E: log to stderr
        cmd.arg("-Y").arg(dir).args(["-m", "64", "-M", "8", "-E", "-DD"]);
        cmd
    }

    /// Starts on `self.base` and waits until ready; on failure nothing is left running.
    fn launch(&mut self) -> Result<(), LaunchError> {
        self.starts += 1;
        let log = self.log_path();
        let marker = format!(
            "==== handset harness: kamailio start #{} (udp/tcp {}, tls {}, ws {}, wss {}, ipv6 {})\n",
            self.starts,
            self.udp_port(),
            self.tls_port(),
            self.ws_port(),
            self.wss_port(),
            self.ipv6
        );
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("kamailio.log");
        f.write_all(marker.as_bytes()).expect("kamailio.log");
        drop(f);
        let proc = Proc::spawn(self.kamailio_command(), &log, self.dir.path())
            .unwrap_or_else(|e| panic!("cannot run kamailio ({e}): install it with packaging/setup.sh test"));
        self.proc = Some(proc);

        let deadline = Instant::now() + START_TIMEOUT;
        let failure = loop {
            let exited = self.proc.as_ref().is_none_or(Proc::exited);
            if exited {
                break "exited during start-up";
            }
            if self.ready() {
                return Ok(());
            }
            if Instant::now() > deadline {
                break "not ready within 10 s";
            }
            thread::sleep(Duration::from_millis(50));
        };
        self.stop();
        let full = self.log();
        let this_start = full
            .rsplit_once(marker.trim_end())
            .map_or(full.as_str(), |(_, s)| s);
        Err(LaunchError {
            address_in_use: this_start.contains("Address already in use"),
            message: format!(
                "kamailio {failure} (log {}):\n{}",
                log.display(),
                tail(this_start, LOG_TAIL_LINES)
            ),
        })
    }

    fn ready(&self) -> bool {
        let mut hosts = vec!["127.0.0.1"];
        if self.ipv6 {
            hosts.push("::1");
        }
        hosts.iter().all(|host| {
            options_ping(host, self.udp_port())
                && ["tcp", "tls"].iter().all(|t| tcp_accepts(host, self.port(t)))
        }) && tcp_accepts("127.0.0.1", self.ws_port())
            && tcp_accepts("127.0.0.1", self.wss_port())
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.stop();
    }
}

fn sql_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// One OPTIONS over UDP; true on a 200 answer within 300 ms.
fn options_ping(host: &str, port: u16) -> bool {
    let local = if host.contains(':') {
        "[::1]:0"
    } else {
        "127.0.0.1:0"
    };
    let Ok(sock) = UdpSocket::bind(local) else {
        return false;
    };
    let Ok(local) = sock.local_addr() else {
        return false;
    };
    let uri_host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let n = random_u64();
    let msg = format!(
        "OPTIONS sip:{uri_host}:{port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-harness-{n:x};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:harness@{uri_host}>;tag={n:x}\r\n\
         To: <sip:{uri_host}:{port}>\r\n\
         Call-ID: harness-{n:x}@{uri_host}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    );
    let target: SocketAddr = match format!("{uri_host}:{port}").parse() {
        Ok(a) => a,
        Err(_) => return false,
    };
    if sock.set_read_timeout(Some(Duration::from_millis(300))).is_err()
        || sock.send_to(msg.as_bytes(), target).is_err()
    {
        return false;
    }
    let mut buf = [0u8; 4096];
    matches!(sock.recv(&mut buf), Ok(len) if buf[..len].starts_with(b"SIP/2.0 200"))
}

fn tcp_accepts(host: &str, port: u16) -> bool {
    let addr: SocketAddr = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
    .parse()
    .expect("loopback address");
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

// ---------------------------------------------------------------------------------------------
// baresip

/// How to start a [`Baresip`] phone. `BaresipOptions::new(user, password)` gives a subscriber
/// added at Kamailio, UDP, auto answer, all codecs, a 440 Hz sine as microphone, no recording,
/// IPv4, no media encryption.
#[derive(Debug, Clone)]
pub struct BaresipOptions {
    pub user: String,
    pub password: String,
    /// Add (or update) `user` with `password` as a Kamailio subscriber before starting; false
    /// for a phone whose subscriber must already be there.
    pub provision: bool,
    /// "udp", "tcp" or "tls": the transport to Kamailio (and the `;transport=` of the AOR).
    pub transport: &'static str,
    /// "auto" (answers at once) or "manual" (CALL_INCOMING, then [`Baresip::accept`]).
    pub answer: &'static str,
    /// `audio_codecs` of the account, e.g. "opus,PCMU"; `G722` is written as `G722/16000/1`
    /// (baresip silently ignores a bare "G722"). None: every loaded codec, in baresip's order.
    pub codecs: Option<String>,
    /// A WAV file to send instead of the 440 Hz sine (`aufile`); its sample rate and channel
    /// count become baresip's. The call ends when the file ends: pad it with ~1 s of silence.
    pub source: Option<PathBuf>,
    /// Load `sndfile`: every call's decoded received audio (and the encoded sent audio) is
    /// written there as WAV files.
    pub record_dir: Option<PathBuf>,
    /// `mediaenc` of the account: "srtp", "srtp-mand", "srtp-mandf" or "dtls_srtp".
    pub mediaenc: Option<String>,
    /// SIP and RTP on [::1] (`sip:user@[::1]`); needs `KamailioOptions { ipv6: true }`.
    pub ipv6: bool,
    /// Offer and accept RTP and RTCP on one port (RFC 5761).
    pub rtcp_mux: bool,
    /// `medianat` of the account: "ice" loads `ice.so`, with Kamailio's STUN as `stunserver`.
    pub medianat: Option<String>,
}

impl BaresipOptions {
    pub fn new(user: &str, password: &str) -> BaresipOptions {
        BaresipOptions {
            user: user.to_owned(),
            password: password.to_owned(),
            provision: true,
            transport: "udp",
            answer: "auto",
            codecs: None,
            source: None,
            record_dir: None,
            mediaenc: None,
            ipv6: false,
            rtcp_mux: false,
            medianat: None,
        }
    }

    /// Like [`BaresipOptions::new`] with PCMU as the only codec.
    pub fn pcmu(user: &str, password: &str) -> BaresipOptions {
        BaresipOptions {
            codecs: Some("PCMU".into()),
            ..BaresipOptions::new(user, password)
        }
    }
}

impl Default for BaresipOptions {
    fn default() -> BaresipOptions {
        BaresipOptions::new("", "")
    }
}

/// A headless baresip 1.0 phone registered at a [`Kamailio`], driven over `ctrl_tcp`.
///
/// Ports (one free block of 16): SIP `base` (baresip also binds SIP/TLS on `base + 1`),
/// ctrl_tcp `base + 2`, RTP/RTCP `base + 4 ..= base + 15`.
#[derive(Debug)]
pub struct Baresip {
    dir: tempfile::TempDir,
    proc: Option<Proc>,
    ctrl: Option<Ctrl>,
    user: String,
    ipv6: bool,
    sip_port: u16,
    ctrl_port: u16,
    account: String,
    kamailio_log: PathBuf,
}

impl Baresip {
    /// Adds the subscriber (unless `opts.provision` is false), writes a config like
    /// `mkprofile.sh`, starts baresip, connects to its ctrl_tcp and waits (max 10 s) until it is
    /// registered at `kamailio`. Panics with both logs when it does not register.
    pub fn start(kamailio: &Kamailio, opts: BaresipOptions) -> Baresip {
        let phone = Baresip::spawn(kamailio, opts);
        phone.wait_registered(START_TIMEOUT);
        phone
    }

    /// Like [`Baresip::start`] without waiting for the registration (for failure tests).
    pub fn spawn(kamailio: &Kamailio, opts: BaresipOptions) -> Baresip {
        require_file(BARESIP_MODULES, "baresip-core");
        assert!(
            matches!(opts.transport, "udp" | "tcp" | "tls"),
            "baresip transport {:?}: udp, tcp or tls",
            opts.transport
        );
        assert!(
            matches!(opts.answer, "auto" | "manual"),
            "answer mode {:?}: auto or manual",
            opts.answer
        );
        assert!(
            !opts.ipv6 || kamailio.ipv6(),
            "an IPv6 phone needs Kamailio started with ipv6: true"
        );
        for (what, value) in [("user", &opts.user), ("password", &opts.password)] {
            assert!(
                !value.is_empty() && !value.contains([';', '"', '<', '>', ',', ' ', '\n']),
                "baresip {what} {value:?}: empty or with characters the accounts file cannot hold"
            );
        }
        if opts.provision {
            kamailio.add_subscriber(&opts.user, &opts.password);
        }
        let dir = tempfile::Builder::new()
            .prefix("handset-baresip-")
            .tempdir()
            .expect("temp dir for baresip");
        let base = free_port_block(16);
        let (sip_port, ctrl_port) = (base, base + 2);
        let (host, net_if) = if opts.ipv6 {
            ("[::1]", "::1")
        } else {
            ("127.0.0.1", "127.0.0.1")
        };

        let (source, srate, channels) = match &opts.source {
            Some(wav) => {
                let (rate, ch) = wav_format(wav);
                (format!("aufile,{}", wav.display()), rate, ch)
            }
            None => ("ausine,440".to_owned(), 48000, 2),
        };
        let mut config = format!(
            "# written by tests/sip/peers.rs -- headless baresip 1.0, loopback only\n\
             poll_method\t\tepoll\n\
             sip_listen\t\t{host}:{sip_port}\n\
             sip_cafile\t\t{ca}\n\
             net_interface\t\t{net_if}\n\
             dns_server\t\t127.0.0.1:53\n\
             call_local_timeout\t120\n\
             call_max_calls\t\t4\n\
             audio_path\t\t/usr/share/baresip\n\
             audio_player\t\taubridge,nil\n\
             audio_alert\t\taubridge,nil\n\
             audio_source\t\t{source}\n\
             ausrc_srate\t\t{srate}\n\
             auplay_srate\t\t{srate}\n\
             ausrc_channels\t\t{channels}\n\
             auplay_channels\t\t{channels}\n\
             audio_buffer\t\t20-160\n\
             rtp_ports\t\t{rtp_lo}-{rtp_hi}\n\
             rtcp_mux\t\t{mux}\n\
             jitter_buffer_delay\t5-10\n\
             rtp_stats\t\tyes\n\
             module_path\t\t{BARESIP_MODULES}\n",
            ca = kamailio.ca_cert().display(),
            rtp_lo = base + 4,
            rtp_hi = base + 14,
            mux = if opts.rtcp_mux { "yes" } else { "no" },
        );
        for module in [
            "opus",
            "g722",
            "g711",
            "gsm",
            "l16",
            "aubridge",
            "ausine",
            "aufile",
            "srtp",
            "dtls_srtp",
            "rtcpsummary",
        ] {
            config += &format!("module\t\t\t{module}.so\n");
        }
        if let Some(nat) = &opts.medianat {
            config += &format!("module\t\t\t{nat}.so\n");
        }
        if let Some(record) = &opts.record_dir {
            fs::create_dir_all(record).expect("record dir");
            config += &format!("module\t\t\tsndfile.so\nsnd_path\t\t{}\n", record.display());
        }
        config += &format!(
            "module_tmp\t\tuuid.so\n\
             module_tmp\t\taccount.so\n\
             module_app\t\tmenu.so\n\
             module_app\t\tctrl_tcp.so\n\
             ctrl_tcp_listen\t\t127.0.0.1:{ctrl_port}\n\
             opus_bitrate\t\t32000\n\
             statmode_default\toff\n"
        );
        fs::write(dir.path().join("config"), config).expect("baresip config");

        let mut aor = format!("sip:{}@{host}", opts.user);
        if opts.transport != "udp" {
            aor += &format!(";transport={}", opts.transport);
        }
        let mut account = format!(
            "<{aor}>;auth_pass={};answermode={};regint=600;outbound=\"{}\"",
            opts.password,
            opts.answer,
            kamailio.proxy_uri(opts.transport, opts.ipv6)
        );
        if let Some(menc) = &opts.mediaenc {
            account += &format!(";mediaenc={menc}");
        }
        if let Some(nat) = &opts.medianat {
            account += &format!(";medianat={nat};stunserver=stun:{host}:{}", kamailio.udp_port());
        }
        if let Some(codecs) = &opts.codecs {
            let codecs: Vec<&str> = codecs
                .split(',')
                .map(str::trim)
                .map(|c| {
                    if c.eq_ignore_ascii_case("g722") {
                        "G722/16000/1"
                    } else {
                        c
                    }
                })
                .collect();
            account += &format!(";audio_codecs={}", codecs.join(","));
        }
        fs::write(dir.path().join("accounts"), format!("{account}\n")).expect("baresip accounts");

        let mut cmd = Command::new("baresip");
        cmd.arg("-f").arg(dir.path());
        if opts.ipv6 {
            cmd.arg("-6");
        }
        let log = dir.path().join("baresip.log");
        let proc = Proc::spawn(cmd, &log, dir.path()).unwrap_or_else(|e| {
            panic!("cannot run baresip ({e}): install baresip-core (packaging/setup.sh test)")
        });
        let mut phone = Baresip {
            dir,
            proc: Some(proc),
            ctrl: None,
            user: opts.user,
            ipv6: opts.ipv6,
            sip_port,
            ctrl_port,
            account,
            kamailio_log: kamailio.dir().join("kamailio.log"),
        };
        phone.connect_ctrl();
        phone
    }

    /// Sends one ctrl_tcp command (`{"command", "params", "token"}`) and returns the whole
    /// response object (`{"response": true, "ok": bool, "data": "...", "token"}`).
    /// Events arriving meanwhile are queued for [`Baresip::wait_event`].
    pub fn command(&self, command: &str, params: &str) -> Value {
        let ctrl = self.ctrl.as_ref().expect("ctrl_tcp connected");
        match ctrl.request(command, params, COMMAND_TIMEOUT) {
            Ok(response) => response,
            Err(e) => self.fail(&format!("ctrl_tcp command {command:?} {params:?}: {e}")),
        }
    }

    /// Dials `uri` (through Kamailio, the outbound proxy); does not wait for anything.
    pub fn dial(&self, uri: &str) {
        self.ok_command("dial", uri);
    }

    /// Answers the incoming call (answer mode "manual").
    pub fn accept(&self) {
        self.ok_command("accept", "");
    }

    /// Hangs up the current call.
    pub fn hangup(&self) {
        self.ok_command("hangup", "");
    }

    /// Takes the oldest queued event of type `kind` ("CALL_INCOMING", "CALL_RINGING",
    /// "CALL_ESTABLISHED", "CALL_CLOSED", "CALL_DTMF_START", "REGISTER_OK", ...), waiting up to
    /// `timeout` for it. Events of other types stay queued. Panics with the recent events and
    /// the logs when none comes.
    pub fn wait_event(&self, kind: &str, timeout: Duration) -> Value {
        let ctrl = self.ctrl.as_ref().expect("ctrl_tcp connected");
        match ctrl.wait_event(kind, timeout) {
            Ok(event) => event,
            Err(e) => self.fail(&format!("no {kind} event within {timeout:?} ({e})")),
        }
    }

    /// The keys of the next `count` CALL_DTMF_START events, in order ("?" for one without).
    pub fn wait_dtmf(&self, count: usize, timeout: Duration) -> String {
        (0..count)
            .map(|_| {
                let e = self.wait_event("CALL_DTMF_START", timeout);
                e["param"].as_str().unwrap_or("?").to_owned()
            })
            .collect()
    }

    /// Drops every queued event (e.g. between two calls of one test).
    pub fn clear_events(&self) {
        if let Some(ctrl) = &self.ctrl {
            lock(&ctrl.shared.state).events.clear();
        }
    }

    /// The queued events, oldest first (not consumed).
    pub fn events(&self) -> Vec<Value> {
        self.ctrl.as_ref().map_or_else(Vec::new, |c| {
            lock(&c.shared.state).events.iter().cloned().collect()
        })
    }

    /// `sip:user@127.0.0.1` (or `sip:user@[::1]`): what others dial to reach this phone.
    pub fn sip_uri(&self) -> String {
        let host = if self.ipv6 { "[::1]" } else { "127.0.0.1" };
        format!("sip:{}@{host}", self.user)
    }

    /// The account's state in `reginfo`: "OK" (registered), "ERR" (the last REGISTER failed,
    /// e.g. 401 for a wrong password), "zzz" (not registered yet), or "" when not listed.
    pub fn registration_state(&self) -> String {
        let info = self.command("reginfo", "");
        let data = strip_ansi(info["data"].as_str().unwrap_or_default());
        let me = format!("sip:{}@", self.user);
        // "> sip:user@127.0.0.1   OK  kamailio (5.6.3 (x86_64/linux)) Expires 600s"
        data.lines()
            .find(|line| line.contains(&me))
            .and_then(|line| line.split_whitespace().nth(2))
            .unwrap_or_default()
            .to_owned()
    }

    pub fn is_registered(&self) -> bool {
        self.registration_state() == "OK"
    }

    /// Polls `reginfo` until registered; panics with the logs at once when the registration
    /// failed ("ERR"), or after `timeout`.
    pub fn wait_registered(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            match self.registration_state().as_str() {
                "OK" => return,
                "ERR" => self.fail(&format!("{} failed to register", self.sip_uri())),
                _ if Instant::now() > deadline => {
                    self.fail(&format!("{} not registered within {timeout:?}", self.sip_uri()))
                }
                _ => thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Registers again now (baresip 1.0 has no "register" command: the account's user agent is
    /// deleted and created anew), e.g. after [`Kamailio::restart`]; waits until registered.
    pub fn reregister(&self) {
        self.ok_command("uadel", &format!("sip:{}@{}", self.user, self.sip_uri_host()));
        self.ok_command("uanew", &self.account);
        self.wait_registered(START_TIMEOUT);
    }

    /// SIP port (UDP/TCP); SIP/TLS is the next one.
    pub fn sip_port(&self) -> u16 {
        self.sip_port
    }

    pub fn ctrl_port(&self) -> u16 {
        self.ctrl_port
    }

    /// The profile directory (config, accounts, baresip.log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything baresip printed so far.
    pub fn log(&self) -> String {
        read_lossy(&self.dir.path().join("baresip.log"))
    }

    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().map(Proc::pid)
    }

    /// The `rtcpsummary` module's line for the last call (printed when it closes), waiting up
    /// to `timeout` for it.
    pub fn rtcp_summary(&self, timeout: Duration) -> String {
        let until = Instant::now() + timeout;
        loop {
            if let Some(line) = self.log().lines().find(|l| l.contains("EX=BareSip;")) {
                return line.to_owned();
            }
            assert!(
                Instant::now() < until,
                "no RTCP summary from baresip:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    fn sip_uri_host(&self) -> &'static str {
        if self.ipv6 { "[::1]" } else { "127.0.0.1" }
    }

    fn ok_command(&self, command: &str, params: &str) -> Value {
        let response = self.command(command, params);
        if response["ok"] != Value::Bool(true) {
            self.fail(&format!(
                "ctrl_tcp command {command:?} {params:?} failed: {response}"
            ));
        }
        response
    }

    fn connect_ctrl(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.ctrl_port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.proc.as_ref().is_none_or(Proc::exited) {
                self.fail("baresip exited during start-up");
            }
            if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                match Ctrl::new(stream) {
                    Ok(ctrl) => {
                        self.ctrl = Some(ctrl);
                        return;
                    }
                    Err(e) => self.fail(&format!("ctrl_tcp: {e}")),
                }
            }
            if Instant::now() > deadline {
                self.fail("ctrl_tcp not listening within 10 s");
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn fail(&self, what: &str) -> ! {
        let recent = self.ctrl.as_ref().map_or_else(String::new, |c| {
            let state = lock(&c.shared.state);
            let events: Vec<String> = state.recent.iter().map(brief_event).collect();
            let closed = state
                .closed
                .clone()
                .map(|e| format!(" (ctrl_tcp closed: {e})"))
                .unwrap_or_default();
            format!("[{}]{closed}", events.join(", "))
        });
        panic!(
            "baresip {}: {what}\nrecent events: {recent}\n--- baresip log ({}) ---\n{}\n--- kamailio log (tail) ---\n{}",
            self.sip_uri(),
            self.dir.path().join("baresip.log").display(),
            tail(&self.log(), LOG_TAIL_LINES),
            tail(&read_lossy(&self.kamailio_log), LOG_TAIL_LINES / 2)
        );
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        if let Some(ctrl) = &self.ctrl {
            ctrl.shutdown();
        }
        if let Some(proc) = self.proc.take() {
            proc.terminate(BARESIP_GRACE);
        }
        if let Some(ctrl) = self.ctrl.take() {
            ctrl.join();
        }
    }
}

fn brief_event(e: &Value) -> String {
    let kind = e["type"].as_str().unwrap_or("?");
    match e["param"].as_str() {
        Some(p) if !p.is_empty() => format!("{kind}({p})"),
        _ => kind.to_owned(),
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte(@..~)
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) && c != '[' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Sample rate and channel count of a WAV file (its `fmt ` chunk).
fn wav_format(path: &Path) -> (u32, u16) {
    let data = fs::read(path).unwrap_or_else(|e| panic!("audio source {}: {e}", path.display()));
    assert!(
        data.len() > 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WAVE",
        "audio source {} is not a WAV file",
        path.display()
    );
    let mut at = 12;
    while at + 8 <= data.len() {
        let id = &data[at..at + 4];
        let len = u32::from_le_bytes([data[at + 4], data[at + 5], data[at + 6], data[at + 7]]) as usize;
        let body = at + 8;
        if id == b"fmt " && body + 8 <= data.len() {
            let channels = u16::from_le_bytes([data[body + 2], data[body + 3]]);
            let rate = u32::from_le_bytes([data[body + 4], data[body + 5], data[body + 6], data[body + 7]]);
            return (rate, channels);
        }
        at = body + len + (len & 1);
    }
    panic!("audio source {}: no fmt chunk", path.display());
}

// ---------------------------------------------------------------------------------------------
// ctrl_tcp: netstring-framed JSON over ONE persistent connection (baresip 1.0 accepts a single
// client: a second connection silently replaces the first).

#[derive(Debug)]
struct Ctrl {
    writer: Mutex<TcpStream>,
    shared: Arc<CtrlShared>,
    reader: Option<JoinHandle<()>>,
    next_token: AtomicU64,
}

#[derive(Debug, Default)]
struct CtrlShared {
    state: Mutex<CtrlState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct CtrlState {
    /// Events not yet taken by wait_event.
    events: VecDeque<Value>,
    /// The last events received (taken or not), for failure messages.
    recent: VecDeque<Value>,
    /// Responses not yet taken by request.
    responses: Vec<Value>,
    /// Set when the connection ended (baresip gone).
    closed: Option<String>,
}

impl Ctrl {
    fn new(stream: TcpStream) -> io::Result<Ctrl> {
        stream.set_nodelay(true)?;
        let reading = stream.try_clone()?;
        let shared = Arc::new(CtrlShared::default());
        let for_reader = Arc::clone(&shared);
        let reader = thread::Builder::new()
            .name("baresip-ctrl".to_owned())
            .spawn(move || read_loop(reading, &for_reader))?;
        Ok(Ctrl {
            writer: Mutex::new(stream),
            shared,
            reader: Some(reader),
            next_token: AtomicU64::new(1),
        })
    }

    fn request(&self, command: &str, params: &str, timeout: Duration) -> Result<Value, String> {
        let token = format!("h{}", self.next_token.fetch_add(1, Ordering::Relaxed));
        let body = json!({ "command": command, "params": params, "token": token }).to_string();
        lock(&self.writer)
            .write_all(format!("{}:{body},", body.len()).as_bytes())
            .map_err(|e| format!("write: {e}"))?;
        self.wait_for(timeout, |state| {
            let i = state
                .responses
                .iter()
                .position(|r| r["token"] == token.as_str())?;
            Some(state.responses.remove(i))
        })
    }

    fn wait_event(&self, kind: &str, timeout: Duration) -> Result<Value, String> {
        self.wait_for(timeout, |state| {
            let i = state.events.iter().position(|e| e["type"] == kind)?;
            state.events.remove(i)
        })
    }

    /// Waits until `take` takes something out of the state; an error when the connection
    /// closes first or `timeout` passes.
    fn wait_for<T>(
        &self,
        timeout: Duration,
        mut take: impl FnMut(&mut CtrlState) -> Option<T>,
    ) -> Result<T, String> {
        let deadline = Instant::now() + timeout;
        let mut state = lock(&self.shared.state);
        loop {
            if let Some(taken) = take(&mut state) {
                return Ok(taken);
            }
            if let Some(e) = &state.closed {
                return Err(format!("ctrl_tcp closed: {e}"));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(format!("timed out after {timeout:?}"));
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn shutdown(&self) {
        let _ = lock(&self.writer).shutdown(Shutdown::Both);
    }

    fn join(mut self) {
        self.shutdown();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

fn read_loop(mut stream: TcpStream, shared: &CtrlShared) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    let end = loop {
        match stream.read(&mut chunk) {
            Ok(0) => break "end of stream".to_owned(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break e.to_string(),
        }
        let mut messages = Vec::new();
        loop {
            match next_netstring(&buf) {
                Ok(Some((payload, used))) => {
                    messages.push(serde_json::from_slice::<Value>(payload));
                    buf.drain(..used);
                }
                Ok(None) => break,
                Err(e) => {
                    buf.clear();
                    messages.push(Err(serde_json::Error::io(io::Error::other(e))));
                    break;
                }
            }
        }
        if messages.is_empty() {
            continue;
        }
        let mut state = lock(&shared.state);
        for message in messages {
            match message {
                Ok(m) if m["event"] == true => {
                    state.recent.push_back(m.clone());
                    state.events.push_back(m);
                    if state.events.len() > 10_000 {
                        state.events.pop_front();
                    }
                }
                Ok(m) if m["response"] == true => state.responses.push(m),
                Ok(m) => state
                    .recent
                    .push_back(json!({ "type": "UNPARSED", "param": m.to_string() })),
                Err(e) => state
                    .recent
                    .push_back(json!({ "type": "BAD_MESSAGE", "param": e.to_string() })),
            }
            while state.recent.len() > RECENT_EVENTS {
                state.recent.pop_front();
            }
        }
        drop(state);
        shared.changed.notify_all();
    };
    lock(&shared.state).closed = Some(end);
    shared.changed.notify_all();
}

/// One netstring (`LEN:PAYLOAD,`) from the front of `buf`: the payload and the bytes used, or
/// None when incomplete.
fn next_netstring(buf: &[u8]) -> Result<Option<(&[u8], usize)>, String> {
    let Some(colon) = buf.iter().position(|&b| b == b':') else {
        return if buf.len() > 10 {
            Err("netstring length too long".to_owned())
        } else {
            Ok(None)
        };
    };
    let len: usize = std::str::from_utf8(&buf[..colon])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            format!(
                "bad netstring length {:?}",
                String::from_utf8_lossy(&buf[..colon])
            )
        })?;
    let end = colon + 1 + len;
    if buf.len() <= end {
        return Ok(None);
    }
    if buf[end] != b',' {
        return Err("netstring without trailing comma".to_owned());
    }
    Ok(Some((&buf[colon + 1..end], end + 1)))
}
