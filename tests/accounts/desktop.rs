//! Desktop integration of the real binary on the test display (Xvfb): a second launch on a
//! profile whose window is open hands its `sip:` link to that window and exits; the login start
//! (`--minimized`) opens the window minimised.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{KillOnDrop as Window, Profile};

#[test]
fn a_second_launch_hands_its_link_to_the_open_window_and_exits() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "the window needs the display of packaging/run-tests.sh"
    );
    let p = Profile::new().with_workspace();
    let mut window = Window(
        // As the login start opens it.
        p.command(&["--minimized"])
            .env("HANDSET_LOG", "handset=debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (tx, log) = mpsc::channel();
    let stderr = window.0.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let socket = p.path().join("state/handset.sock");
    let start = Instant::now();
    while !socket.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the window did not open its socket; its log:\n{}",
            log.try_iter().collect::<Vec<_>>().join("\n")
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let second = p.run(&["sip:bob@example.com"]).ok();
    assert!(second.stdout.contains("already running"), "{}", second.stdout);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = log.recv_timeout(left) else {
            panic!("the window did not take the link; its log:\n{}", seen.join("\n"));
        };
        if line.contains("asked to call") {
            assert!(line.contains("sip:bob@example.com"), "{line}");
            break;
        }
        seen.push(line);
    }
    assert!(
        window.0.try_wait().unwrap().is_none(),
        "the first window stays open"
    );
}

/// The states (`Normal`, `Iconic`) of the window manager's client windows named Handset.
fn handset_window_states() -> Vec<String> {
    let xprop = |args: &[&str]| {
        let out = std::process::Command::new("xprop").args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let list = xprop(&["-root", "_NET_CLIENT_LIST"]);
    let ids = list.split('#').nth(1).unwrap_or_default();
    ids.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .filter(|id| xprop(&["-id", id, "WM_NAME"]).contains("\"Handset\""))
        .filter_map(|id| {
            let state = xprop(&["-id", id, "WM_STATE"]);
            state
                .split("window state:")
                .nth(1)
                .map(|s| s.split_whitespace().next().unwrap_or_default().to_owned())
        })
        .collect()
}

/// With a window manager (openbox) on the display, `--minimized` (what the login start runs)
/// opens the window iconified; without it, the window opens normally.
#[test]
fn the_login_start_opens_the_window_minimised() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "the window needs the display of packaging/run-tests.sh"
    );
    let wm = Window(
        std::process::Command::new("openbox")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openbox (packaging/setup.sh test installs it)"),
    );
    std::thread::sleep(Duration::from_secs(1));
    for (args, wanted) in [(&["--minimized"][..], "Iconic"), (&[][..], "Normal")] {
        let p = Profile::new().with_workspace();
        let _window = Window(
            p.command(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let start = Instant::now();
        let states = loop {
            let states = handset_window_states();
            if states.iter().any(|s| s == wanted) || start.elapsed() > Duration::from_secs(20) {
                break states;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        assert_eq!(states, [wanted], "{args:?}");
    }
    drop(wm);
}
