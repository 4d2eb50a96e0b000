//! The window with a real notification daemon (dunst, on the test display and D-Bus session):
//! an incoming call is answered from its notification's Answer, and a missed call's
//! notification offers Call back, which puts the caller in the dialer. dunst's context menu
//! (`dunstctl context`) runs the "dmenu" of its configuration: here a script that picks the
//! menu line of the action the test names, as a person choosing it would.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

const T: Duration = Duration::from_secs(15);

/// A dunst of the test's own, stopped on drop.
struct Dunst {
    dir: tempfile::TempDir,
    proc: Child,
}

impl Dunst {
    fn start() -> Dunst {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "dunst needs the display of packaging/run-tests.sh"
        );
        let dir = tempfile::tempdir().unwrap();
        let pick = dir.path().join("pick.sh");
        std::fs::write(
            &pick,
            format!(
                "#!/bin/sh\n# dunst's menu on stdin; the line naming the wanted action on stdout\n\
                 tee -a '{0}/menu.txt' | grep -m1 -i -F \"$(cat '{0}/wanted')\"\n",
                dir.path().display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pick, std::fs::Permissions::from_mode(0o755)).unwrap();
        let rc = dir.path().join("dunstrc");
        std::fs::write(&rc, format!("[global]\n    dmenu = {}\n", pick.display())).unwrap();
        let proc = Command::new("dunst")
            .arg("-config")
            .arg(&rc)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dunst (packaging/setup.sh test installs it)");
        let dunst = Dunst { dir, proc };
        wait_until("dunst to own the notification service", T, || {
            let out = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply=literal",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.Notifications",
                ])
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).contains("true")
        });
        dunst
    }

    fn ctl(&self, args: &[&str]) -> String {
        let out = Command::new("dunstctl").args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn displayed(&self) -> usize {
        self.ctl(&["count", "displayed"]).trim().parse().unwrap_or(0)
    }

    /// Opens the context menu and chooses the action whose label holds `label`.
    fn choose(&self, label: &str) {
        std::fs::write(self.dir.path().join("wanted"), label).unwrap();
        self.ctl(&["context"]);
    }

    fn menus(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("menu.txt")).unwrap_or_default()
    }
}

impl Drop for Dunst {
    fn drop(&mut self) {
        let _ = self.proc.kill();
        let _ = self.proc.wait();
    }
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "waited {timeout:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The window, its log lines on a channel; ended on drop.
struct Window {
    proc: Child,
    log: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Window {
    fn open(profile: &Profile) -> Window {
        let mut proc = profile
            .command(&[])
            .env("HANDSET_LOG", "handset=debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, log) = mpsc::channel();
        let stderr = proc.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Window {
            proc,
            log,
            seen: Vec::new(),
        }
    }

    fn wait_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + T;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(l) if l.contains(needle) => return l,
                Ok(l) => self.seen.push(l),
                Err(_) => panic!("no {needle:?} in the window's log:\n{}", self.seen.join("\n")),
            }
        }
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        let _ = self.proc.kill();
        let _ = self.proc.wait();
    }
}

#[test]
fn calls_are_answered_and_called_back_from_their_notifications() {
    let k = Kamailio::start(KamailioOptions::default());
    let dunst = Dunst::start();
    let bob = Baresip::start(&k, BaresipOptions::pcmu("bob-notify", "pw-bob"));
    let alice = Profile::new(&k, "alice-notify", "pw-alice", "udp");
    let mut window = Window::open(&alice);
    wait_until("the window to register", T, || {
        k.log().contains("REGISTER sip:alice-notify@127.0.0.1 from")
    });

    // Answer, from the notification.
    bob.dial(&alice.uri());
    wait_until("the incoming call's notification", T, || dunst.displayed() >= 1);
    dunst.choose("answer");
    bob.wait_event("CALL_ESTABLISHED", T);
    let menus = dunst.menus();
    assert!(
        menus.contains("#Answer (Incoming call)") && menus.contains("#Decline (Incoming call)"),
        "{menus}"
    );
    bob.hangup();
    bob.wait_event("CALL_CLOSED", T);
    dunst.ctl(&["close-all"]);

    // Missed: bob gives up before anyone answers; Call back puts him in the dialer.
    bob.clear_events();
    bob.dial(&alice.uri());
    wait_until("the second call's notification", T, || dunst.displayed() >= 1);
    std::thread::sleep(Duration::from_millis(500));
    bob.hangup();
    wait_until("the missed call's notification", T, || {
        dunst.choose("call back");
        dunst.menus().contains("#Call back (Missed call)")
    });
    let asked = window.wait_line("asked to call");
    assert!(asked.contains("sip:bob-notify@127.0.0.1"), "{asked}");
}
