//! Runs the real `handset` binary against the peers: a profile with one account for a
//! Kamailio subscriber, and phone commands whose output lines are read as they come.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::peers::Kamailio;

const BIN: &str = env!("CARGO_BIN_EXE_handset");
/// How long a phone command may take to register.
const REGISTERED: Duration = Duration::from_secs(10);

/// A portable Handset profile with one account `A` for `user` on the Kamailio.
pub struct Profile {
    pub dir: tempfile::TempDir,
    pub user: String,
}

impl Profile {
    pub fn new(kamailio: &Kamailio, user: &str, password: &str, transport: &str) -> Profile {
        let port = kamailio.port(transport).to_string();
        Profile::with_server(kamailio, user, password, transport, "127.0.0.1", &port)
    }

    /// An account on `domain` (and `port`, empty for DNS SRV) with the given transports.
    pub fn with_server(
        kamailio: &Kamailio,
        user: &str,
        password: &str,
        transport: &str,
        domain: &str,
        port: &str,
    ) -> Profile {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "Handset keeps passwords in the Secret Service: run the tests with packaging/run-tests.sh"
        );
        kamailio.add_subscriber(user, password);
        let p = Profile {
            dir: tempfile::tempdir().expect("temp dir"),
            user: user.to_owned(),
        };
        p.run(&["workspace", "users", "add", "Tester"]);
        p.run(&["workspace", "numbers", "add", "+14155550100"]);
        p.run(&["workspace", "encryption", "on"]);
        let ca = kamailio.ca_cert().to_string_lossy().into_owned();
        let mut create = p.command(&[
            "accounts",
            "create",
            "--name",
            "A",
            "--user",
            "Tester",
            "--domain",
            domain,
            "--port",
            port,
            "--username",
            user,
            "--password-stdin",
            "--transports",
            transport,
            "--tls-ca",
            &ca,
            "--outbound",
            "--external-caller-id",
            "+14155550100",
        ]);
        let out = run_with_input(&mut create, password);
        assert!(
            out.status.success(),
            "account create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("HANDSET_PROFILE", self.dir.path())
            .env_remove("HANDSET_LOG");
        c
    }

    /// Runs a command to completion and asserts success.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("run handset");
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Changes the account.
    pub fn edit(&self, args: &[&str]) {
        let mut all = vec!["accounts", "edit", "A"];
        all.extend_from_slice(args);
        self.run(&all);
    }

    /// Starts a long-running phone command (`register`, `call`, `listen`).
    pub fn spawn(&self, args: &[&str]) -> Running {
        let mut child = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn handset");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for l in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx2.send(format!("stderr: {l}"));
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Starts `listen A --auto-answer --max-calls 1` with `args` appended and waits until the
    /// account is registered, ready for the one call.
    pub fn listen_once(&self, args: &[&str]) -> Running {
        let mut all = vec!["listen", "A", "--auto-answer", "--max-calls", "1"];
        all.extend_from_slice(args);
        let mut run = self.spawn(&all);
        run.wait_line("registered", REGISTERED);
        run
    }

    pub fn uri(&self) -> String {
        format!("sip:{}@127.0.0.1", self.user)
    }
}

/// The digits a Handset output says were received ("received digit 5"), in order.
pub fn received_digits(out: &str) -> String {
    out.lines()
        .filter_map(|l| l.rsplit_once("received digit ").map(|(_, d)| d.to_owned()))
        .collect()
}

pub fn run_with_input(c: &mut Command, input: &str) -> std::process::Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

/// A running handset command; killed on drop if still running.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Running {
    /// The process id of the running command (the CPU benchmark in benches/calls.rs reads it).
    #[allow(dead_code)]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for an output line containing `needle`; panics with everything seen on timeout.
    pub fn wait_line(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.contains(needle) {
                        return l;
                    }
                }
                Err(_) => panic!(
                    "no line with {needle:?} within {timeout:?}; output so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Waits for a new output line (one not seen before) containing `needle`.
    pub fn next_line(&mut self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let l = self.lines.recv_timeout(left).ok()?;
            self.seen.push(l.clone());
            if l.contains(needle) {
                return Some(l);
            }
        }
    }

    /// Sends SIGINT (Ctrl+C).
    pub fn interrupt(&self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
    }

    /// Waits for the process to exit; returns its exit code and all output.
    pub fn finish(mut self, timeout: Duration) -> (i32, String) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader threads hand over the last lines.
                std::thread::sleep(Duration::from_millis(50));
                while let Ok(l) = self.lines.try_recv() {
                    self.seen.push(l);
                }
                return (status.code().unwrap_or(-1), self.seen.join("\n"));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "handset did not exit within {timeout:?}; output:\n{}",
                    self.seen.join("\n")
                );
            }
            while let Ok(l) = self.lines.try_recv() {
                self.seen.push(l);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
