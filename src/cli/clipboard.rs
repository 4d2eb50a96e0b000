//! Copy to the clipboard from a short-lived command.
//!
//! On X11 and Wayland the clipboard is served by the program that owns it, so a command that
//! exits would take its copy along. `copy` therefore hands the text to a small helper process
//! (`handset __clipboard-hold`) that serves it until something else is copied, or for five
//! minutes at most (then the credentials leave the clipboard), and checks that the copy arrived.
//! The helper asks clipboard managers not to keep the text in their history.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{CliError, CliResult};

/// How long the helper keeps serving the copied text.
const HOLD: Duration = Duration::from_secs(300);

fn unavailable(detail: impl std::fmt::Display) -> CliError {
    CliError::other(format!(
        "the clipboard is not available ({detail}): run this in a desktop session, or leave out --copy to print the credentials"
    ))
}

/// Copies `text` and returns how long it stays there.
pub fn copy(text: &str) -> Result<&'static str, CliError> {
    if cfg!(all(unix, not(target_os = "macos"))) {
        let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        if !has_display {
            return Err(unavailable("there is no display"));
        }
        copy_through_helper(text)?;
        Ok("kept for 5 minutes or until something else is copied")
    } else {
        arboard::Clipboard::new()
            .and_then(|mut c| c.set_text(text.to_owned()))
            .map_err(unavailable)?;
        Ok("until something else is copied")
    }
}

fn copy_through_helper(text: &str) -> CliResult {
    let exe = std::env::current_exe().map_err(unavailable)?;
    let mut child = Command::new(exe)
        .arg("__clipboard-hold")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(unavailable)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(text.as_bytes()).map_err(unavailable)?;
    }
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| unavailable("no helper output"))?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(5))
        .map_err(|_| unavailable("the clipboard helper did not answer"))?;
    if let Some(reason) = line.trim().strip_prefix("error:") {
        let _ = child.wait();
        return Err(unavailable(reason.trim()));
    }
    // Check that the text really is on the clipboard.
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut reader = arboard::Clipboard::new().map_err(unavailable)?;
    while Instant::now() < deadline {
        if reader.get_text().is_ok_and(|t| t == text) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(unavailable("the copy did not reach the clipboard"))
}

/// The helper: reads the text from stdin, reports readiness on stdout, then serves it.
pub fn hold() -> CliResult {
    let mut text = String::new();
    std::io::stdin()
        .take(1 << 20)
        .read_to_string(&mut text)
        .map_err(|e| CliError::other(e.to_string()))?;
    let mut clipboard = match arboard::Clipboard::new() {
        Ok(c) => c,
        Err(e) => {
            println!("error: {e}");
            return Err(CliError::other(e.to_string()));
        }
    };
    println!("ready");
    let _ = std::io::stdout().flush();
    serve(&mut clipboard, text).map_err(|e| CliError::other(e.to_string()))
}

#[cfg(all(unix, not(target_os = "macos")))]
fn serve(clipboard: &mut arboard::Clipboard, text: String) -> Result<(), arboard::Error> {
    use arboard::SetExtLinux;
    clipboard
        .set()
        .exclude_from_history()
        .wait_until(Instant::now() + HOLD)
        .text(text)
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn serve(clipboard: &mut arboard::Clipboard, text: String) -> Result<(), arboard::Error> {
    clipboard.set_text(text)
}
