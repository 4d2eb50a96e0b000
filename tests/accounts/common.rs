//! Helpers: run the real `handset` binary on a temporary profile.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_handset");

/// A temporary portable profile.
pub struct Profile {
    pub dir: tempfile::TempDir,
}

/// What a command printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "command failed: {self:#?}");
        self
    }

    #[track_caller]
    pub fn fails_with(self, code: i32, needle: &str) -> Run {
        assert_eq!(self.code, code, "{self:#?}");
        assert!(
            self.stderr.contains(needle),
            "stderr should contain {needle:?}: {self:#?}"
        );
        self
    }
}

impl Profile {
    pub fn new() -> Profile {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "these tests use the real Secret Service: run them with packaging/run-tests.sh \
             (it starts a D-Bus session with an unlocked gnome-keyring)"
        );
        Profile {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_file(&self) -> PathBuf {
        self.path().join("config/handset.toml")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("HANDSET_PROFILE", self.path())
            .env_remove("HANDSET_LOG");
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut c = self.command(args);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn handset");
        if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
            pipe.write_all(text.as_bytes()).expect("write stdin");
        }
        finish(child.wait_with_output().expect("wait"))
    }

    /// The keyring service name of this profile's entries.
    pub fn keyring_service(&self) -> String {
        let text = std::fs::read_to_string(self.config_file()).expect("config");
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("profile_id = "))
            .expect("profile_id")
            .trim_matches('"');
        format!("handset:{id}")
    }

    /// The secrets stored under this profile's service, read with `secret-tool` (libsecret),
    /// independently of Handset's own keyring code.
    pub fn keyring_secrets(&self) -> Vec<String> {
        let out = Command::new("secret-tool")
            .args(["search", "--all", "--unlock", "service", &self.keyring_service()])
            .output()
            .expect("secret-tool (libsecret-tools) must be installed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("secret = "))
            .map(str::to_owned)
            .collect()
    }

    /// Sets up the workspace used by most tests.
    pub fn with_workspace(self) -> Profile {
        self.run(&[
            "workspace",
            "users",
            "add",
            "Ann Smith",
            "--email",
            "ann@example.com",
        ])
        .ok();
        self.run(&["workspace", "users", "add", "Bob"]).ok();
        self.run(&["workspace", "numbers", "add", "+14155550100", "--label", "Main"])
            .ok();
        self.run(&["workspace", "numbers", "add", "+14155550101"]).ok();
        self.run(&["workspace", "extensions", "add", "101"]).ok();
        self.run(&["workspace", "extensions", "add", "102"]).ok();
        self
    }
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A child process (a window, a saving child) ended when this is dropped, even when an
/// assertion fails.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
