//! No secret leaves the real binary: a TLS call with SDES-SRTP at trace level with the SIP
//! trace on, and a crash, leave no password, digest response or SRTP key on stdout, stderr or
//! anywhere in the profile folder (configuration, logs, crash reports).

use std::path::Path;
use std::time::Duration;

use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

const T: Duration = Duration::from_secs(15);

/// Every file under `dir`, as text (lossy).
fn files_under(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((
                    path.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
    }
    out
}

/// The secrets found in `text`: the password, SDES keys (`inline:` and 20+ base64 characters)
/// and digest responses (`response="` and 32 hex digits).
fn leaks(text: &str, password: &str) -> Vec<String> {
    let mut found = Vec::new();
    if text.contains(password) {
        found.push("the password".to_owned());
    }
    let run = |s: &str, ok: fn(char) -> bool| s.chars().take_while(|c| ok(*c)).count();
    for (i, _) in text.match_indices("inline:") {
        let rest = &text[i + "inline:".len()..];
        if run(rest, |c| c.is_ascii_alphanumeric() || c == '+' || c == '/') >= 20 {
            found.push(format!("an SDES key: {}", &rest[..rest.len().min(30)]));
        }
    }
    for (i, _) in text.match_indices("response=\"") {
        let rest = &text[i + "response=\"".len()..];
        if run(rest, |c| c.is_ascii_hexdigit()) >= 32 {
            found.push(format!("a digest response: {}", &rest[..rest.len().min(40)]));
        }
    }
    found
}

#[test]
fn a_secured_call_at_trace_level_leaks_no_secret() {
    let password = "Zq7-trace-secret";
    let k = Kamailio::start(KamailioOptions::default());
    let bob = Baresip::start(
        &k,
        BaresipOptions {
            transport: "tls",
            mediaenc: Some("srtp-mand".into()),
            ..BaresipOptions::pcmu("bob-secrets", "pw-bob")
        },
    );
    let alice = Profile::new(&k, "alice-secrets", password, "tls");
    alice.edit(&["--media-types", "srtp-sdes"]);
    let run = alice.spawn(&[
        "-vvv",
        "call",
        "A",
        &bob.sip_uri(),
        "--duration",
        "2",
        "--sip-trace",
    ]);
    bob.wait_event("CALL_ESTABLISHED", T);
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    // The trace and the trace-level log are there, with their secrets masked.
    assert!(
        out.contains("a=crypto:") && out.contains("inline:‹secret›"),
        "the SDES offer is in the trace, its key masked:\n{out}"
    );
    assert!(out.contains("response=\"‹secret›\""), "{out}");
    assert!(out.contains("TRACE"), "trace-level log lines: {out}");
    assert_eq!(
        leaks(&out, password),
        Vec::<String>::new(),
        "stdout/stderr:\n{out}"
    );
    for (path, text) in files_under(alice.dir.path()) {
        assert_eq!(leaks(&text, password), Vec::<String>::new(), "{path}");
    }
    println!(
        "trace-level TLS/SDES call: {} lines of output, no secret",
        out.lines().count()
    );
}

#[test]
fn a_crash_report_holds_no_secret() {
    let password = "Zq7-crash-secret";
    let k = Kamailio::start(KamailioOptions::default());
    let alice = Profile::new(&k, "alice-crash", password, "udp");
    let out = alice
        .command(&["crash-report-check", "A"])
        .output()
        .expect("run handset");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "a panic's exit status: {stderr}");
    assert!(
        stderr.contains(
            "Handset stopped on an internal error: crash-report check of A: its password is ‹secret›"
        ),
        "{stderr}"
    );
    let crashes = alice.dir.path().join("state/crashes");
    let reports = files_under(&crashes);
    assert_eq!(reports.len(), 1, "{reports:?}");
    let (path, report) = &reports[0];
    assert!(
        stderr.contains(path.as_str()),
        "the notice names the report: {stderr}"
    );
    assert!(
        report.contains("crash report") && report.contains("backtrace:") && report.contains("src/cli/mod.rs"),
        "{report}"
    );
    assert_eq!(leaks(&stderr, password), Vec::<String>::new(), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(password));
    for (path, text) in files_under(alice.dir.path()) {
        assert_eq!(leaks(&text, password), Vec::<String>::new(), "{path}");
    }
}
