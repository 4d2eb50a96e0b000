//! Delivery of recordings to a real FTP server (pyftpdlib, Debian `python3-pyftpdlib`) on a
//! loopback port: the upload lands whole in a folder that did not exist, a wrong password and
//! a server that is gone are said plainly.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use handset::net::ftp::{FtpTarget, upload};

use crate::peers::{free_port_block, wait_listening};

/// A pyftpdlib server with one user (write access) serving a temp folder; stopped on drop.
pub struct FtpServer {
    child: Child,
    pub port: u16,
    root: tempfile::TempDir,
}

impl FtpServer {
    pub fn start(user: &str, password: &str) -> FtpServer {
        let root = tempfile::tempdir().unwrap();
        let port = free_port_block(1);
        // Debian's interpreter: the module is a Debian package.
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "pyftpdlib", "-i", "127.0.0.1", "-w", "-p"])
            .arg(port.to_string())
            .arg("-d")
            .arg(root.path())
            .args(["-u", user, "-P", password])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pyftpdlib (Debian python3-pyftpdlib) must be installed");
        let mut server = FtpServer { child, port, root };
        wait_listening(&mut server.child, port, "pyftpdlib");
        server
    }

    fn target(&self, path: &str, user: &str, password: &str) -> FtpTarget {
        FtpTarget {
            host: "127.0.0.1".into(),
            port: Some(self.port),
            path: path.into(),
            username: user.into(),
            password: password.into(),
        }
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }
}

impl Drop for FtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

#[test]
fn a_recording_is_uploaded_whole_into_a_new_folder_and_refusals_are_said() {
    let server = FtpServer::start("recorder", "pw-ftp");
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Large enough for several data segments, with every byte value.
    let recording: Vec<u8> = (0..700_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let name = "20261127-101500_Desk_+14155550100.opus";

    rt.block_on(upload(
        &server.target("calls/2026", "recorder", "pw-ftp"),
        name,
        &recording,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let folder = server.root().join("calls/2026");
    assert_eq!(files(&folder), [folder.join(name)], "no temporary file is left");
    assert_eq!(std::fs::read(folder.join(name)).unwrap(), recording);

    // Into the same, now existing folder, from an absolute path.
    rt.block_on(upload(
        &server.target("/calls/2026", "recorder", "pw-ftp"),
        "second.opus",
        b"x",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(std::fs::read(folder.join("second.opus")).unwrap(), b"x");

    let refused = rt
        .block_on(upload(
            &server.target("", "recorder", "wrong"),
            "third.opus",
            b"x",
        ))
        .unwrap_err()
        .to_string();
    assert!(refused.contains("refused the username or password"), "{refused}");
    assert!(!server.root().join("third.opus").exists());

    let port = server.port;
    drop(server);
    let target = FtpTarget {
        host: "127.0.0.1".into(),
        port: Some(port),
        path: String::new(),
        username: "recorder".into(),
        password: "pw-ftp".into(),
    };
    let gone = rt
        .block_on(upload(&target, "fourth.opus", b"x"))
        .unwrap_err()
        .to_string();
    assert!(
        gone.starts_with(&format!("cannot deliver to the FTP server 127.0.0.1:{port}")),
        "{gone}"
    );
}
