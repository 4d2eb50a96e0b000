//! The CLI against a real Secret Service (gnome-keyring on a private D-Bus session).

use crate::common::{Profile, files_under};

const FULL_CREATE: &[&str] = &[
    "accounts",
    "create",
    "--name",
    "Front Desk",
    "--user",
    "Ann Smith",
    "--domain",
    "sip.example.com",
    "--port",
    "5080",
    "--outbound-proxy",
    "proxy.example.com:5060",
    "--did",
    "+14155550100,+14155550101",
    "--internal-number",
    "101",
    "--unavailable",
    "voicemail",
    "--voicemail-greeting",
    "Standard Greeting",
    "--outbound",
    "--external-caller-id",
    "+14155550100",
    "--internal-caller-id",
    "101",
    "--internal-announcement",
    "Please Hold",
    "--external-announcement",
    "Welcome",
    "--record",
    "--record-directions",
    "inbound-external,outbound-external",
    "--record-on-demand",
    "--feature-code",
    "*1",
    "--allowed-ips",
    "192.0.2.0/24 2001:db8::/32 198.51.100.7",
    "--codecs",
    "opus,pcmu,telephone-event",
    "--media-types",
    "rtp",
    "--transports",
    "udp,tcp",
    "--password-stdin",
];

#[test]
fn create_show_edit_delete_with_the_real_keyring() {
    let p = Profile::new().with_workspace();
    let password = "Typed-By-Hand-9f3k2";
    p.run_with_stdin(FULL_CREATE, Some(&format!("{password}\n"))).ok();

    let shown = p.run(&["accounts", "show", "front desk", "--json"]).ok().stdout;
    let json: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(json["general"]["user"], "Ann Smith");
    assert_eq!(
        json["inbound"]["did_numbers"],
        serde_json::json!(["+14155550100", "+14155550101"])
    );
    assert_eq!(
        json["inbound"]["when_unavailable"]["greeting"],
        "Standard Greeting"
    );
    assert_eq!(json["outbound"]["enabled"], true);
    assert_eq!(json["recording"]["feature_code"], "*1");
    assert_eq!(
        json["advanced"]["allowed_ips"],
        serde_json::json!(["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"])
    );
    assert_eq!(
        json["advanced"]["codecs"],
        serde_json::json!(["OPUS", "PCMU", "telephone-event"])
    );
    assert_eq!(json["credentials"]["username"], "ann.smith");
    assert_eq!(json["credentials"]["port"], 5080);

    // The password is in the keyring (read back with libsecret's own tool) and nowhere on disk.
    assert_eq!(p.keyring_secrets(), [password]);
    let creds = p.run(&["accounts", "credentials", "Front Desk"]).ok().stdout;
    assert!(creds.contains(&format!("Password: {password}")), "{creds}");
    assert!(
        creds.contains("SIP URI: sip:ann.smith@sip.example.com:5080"),
        "{creds}"
    );

    // Edit: only the given flags change; a new password replaces the old one in the keyring.
    p.run(&[
        "accounts",
        "edit",
        "Front Desk",
        "--outbound",
        "off",
        "--codecs",
        "pcma,telephone-event",
        "--regenerate-password",
    ])
    .ok();
    let edited: serde_json::Value =
        serde_json::from_str(&p.run(&["accounts", "show", "Front Desk", "--json"]).ok().stdout).unwrap();
    assert_eq!(edited["outbound"]["enabled"], false);
    assert_eq!(
        edited["advanced"]["codecs"],
        serde_json::json!(["PCMA", "telephone-event"])
    );
    assert_eq!(edited["inbound"], json["inbound"]);
    let secrets = p.keyring_secrets();
    assert_eq!(secrets.len(), 1);
    assert_ne!(secrets[0], password);
    assert_eq!(secrets[0].len(), 24, "generated passwords are 24 characters");

    // A second account, generated password; then delete both: no keyring entry remains.
    p.run(&[
        "accounts",
        "create",
        "--name",
        "Bob phone",
        "--user",
        "Bob",
        "--domain",
        "sip.example.com",
    ])
    .ok();
    assert_eq!(p.keyring_secrets().len(), 2);
    let all_secrets = p.keyring_secrets();
    for file in files_under(p.path()) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in all_secrets.iter().map(String::as_str).chain([password]) {
            assert!(!text.contains(s), "{} contains a password", file.display());
        }
    }
    p.run(&["accounts", "delete", "Front Desk"]).ok();
    p.run(&["accounts", "delete", "bob phone"]).ok();
    assert!(
        p.keyring_secrets().is_empty(),
        "keyring entries left after delete"
    );
    p.run(&["accounts", "delete", "Bob phone"])
        .fails_with(3, "there is no account `Bob phone`");
}

#[test]
fn validation_errors_name_every_field_and_exit_3() {
    let p = Profile::new().with_workspace();
    let r = p.run(&[
        "accounts",
        "create",
        "--name",
        "X",
        "--domain",
        "sip.example.com",
        "--outbound",
        "--record-on-demand",
        "--codecs",
        "opus",
        "--transports",
        "tls",
        "--unavailable",
        "voicemail",
    ]);
    let r = r.fails_with(3, "the account is not valid");
    for field in [
        "General: User",
        "Outbound: External Caller ID",
        "Call Recording: Feature Code",
        "Advanced: Codecs: Record on Demand needs digit input: add telephone-event",
        "Advanced: Transport Protocols: TLS is encrypted",
        "Inbound: Voicemail Audio",
    ] {
        assert!(r.stderr.contains(field), "missing {field}: {}", r.stderr);
    }
    assert!(
        p.keyring_secrets().is_empty(),
        "nothing stored for a refused account"
    );
    // Usage errors exit 2.
    p.run(&["accounts", "create", "--codecs", "G711"])
        .fails_with(2, "`G711` is not a known codec");
    p.run(&["accounts", "create", "--allowed-ips", "10.0.0.300 ::1"])
        .fails_with(2, "10.0.0.300");
    p.run(&["accounts", "frobnicate"]).fails_with(2, "frobnicate");
}

#[test]
fn workspace_items_in_use_and_the_encryption_switch() {
    let p = Profile::new().with_workspace();
    p.run(&[
        "accounts",
        "create",
        "--name",
        "Desk",
        "--user",
        "Ann Smith",
        "--domain",
        "sip.example.com",
        "--did",
        "+14155550101",
    ])
    .ok();
    p.run(&["workspace", "users", "remove", "Ann Smith"])
        .fails_with(3, "is used by Desk");
    p.run(&["workspace", "numbers", "remove", "+14155550101"])
        .fails_with(3, "is used by Desk");
    p.run(&["workspace", "numbers", "remove", "+14155550100"]).ok();
    p.run(&["workspace", "numbers", "add", "0800"])
        .fails_with(3, "E.164");
    p.run(&["workspace", "extensions", "add", "1x"])
        .fails_with(3, "internal number");
    p.run(&["workspace", "users", "add", "ann smith"])
        .fails_with(3, "exists already");

    p.run(&["accounts", "edit", "Desk", "--media-types", "srtp-dtls"])
        .fails_with(3, "turn on encryption");
    p.run(&["workspace", "encryption", "on"]).ok();
    p.run(&[
        "accounts",
        "edit",
        "Desk",
        "--media-types",
        "srtp-dtls",
        "--transports",
        "tls,wss",
    ])
    .ok();
    p.run(&["workspace", "encryption", "off"]).fails_with(3, "Desk");
    let state = p.run(&["workspace", "encryption", "--json"]).ok().stdout;
    assert!(state.contains("\"encryption_enabled\": true"), "{state}");

    p.run_with_stdin(
        &[
            "workspace",
            "delivery",
            "add",
            "Archive",
            "--kind",
            "sftp",
            "--host",
            "files.example.com",
            "--username",
            "rec",
            "--secret-stdin",
        ],
        Some("sftp-secret-77\n"),
    )
    .ok();
    assert_eq!(p.keyring_secrets().len(), 2, "SIP password + SFTP password");
    assert!(
        !std::fs::read_to_string(p.config_file())
            .unwrap()
            .contains("sftp-secret-77")
    );
    let listed = p.run(&["workspace", "delivery", "list"]).ok().stdout;
    assert!(
        listed.contains("Archive: sftp://rec@files.example.com/"),
        "{listed}"
    );
    let add_mail = |rest: &[&'static str]| -> Vec<&'static str> {
        let add = [
            "workspace",
            "delivery",
            "add",
            "Mail",
            "--kind",
            "email",
            "--address",
        ];
        add.iter().chain(rest).copied().collect()
    };
    p.run(&add_mail(&["nope"])).fails_with(3, "e-mail");
    p.run_with_stdin(
        &add_mail(&[
            "rec@example.com",
            "--host",
            "smtp.example.com",
            "--port",
            "465",
            "--security",
            "tls",
            "--username",
            "pbx@example.com",
            "--secret-stdin",
        ]),
        Some("mail-secret-88\n"),
    )
    .ok();
    let listed = p.run(&["workspace", "delivery", "list"]).ok().stdout;
    assert!(
        listed.contains("Mail: email to rec@example.com via smtp.example.com:465 (TLS)"),
        "{listed}"
    );
    assert!(
        !std::fs::read_to_string(p.config_file())
            .unwrap()
            .contains("mail-secret-88")
    );
    p.run(&["workspace", "delivery", "remove", "Archive"]).ok();
    p.run(&["workspace", "delivery", "remove", "Mail"]).ok();
    assert_eq!(p.keyring_secrets().len(), 1);
}

#[test]
fn export_import_and_hostile_csv() {
    let a = Profile::new().with_workspace();
    a.run(&[
        "accounts",
        "create",
        "--name",
        "=HYPERLINK(\"http://x\")",
        "--user",
        "Ann Smith",
        "--domain",
        "sip.example.com",
        "--did",
        "+14155550100",
    ])
    .ok();
    a.run(&[
        "accounts",
        "create",
        "--name",
        "Plain, \"quoted\" name",
        "--user",
        "Bob",
        "--domain",
        "sip.example.com",
    ])
    .ok();
    let csv = a.run(&["accounts", "export"]).ok().stdout;
    for s in a.keyring_secrets() {
        assert!(!csv.contains(&s), "default CSV contains a password");
    }
    assert!(!csv.contains("sip_password"));
    assert!(csv.contains("'=HYPERLINK"), "formula neutralised: {csv}");
    assert!(
        csv.contains("\"Plain, \"\"quoted\"\" name\""),
        "RFC 4180 quoting: {csv}"
    );
    assert!(!csv.lines().any(|l| l.starts_with('=')));

    let file = a.path().join("accounts.csv");
    a.run(&["accounts", "export", file.to_str().unwrap()]).ok();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv);

    // Into a second profile with the same workspace; secrets excluded → new ones generated.
    let b = Profile::new().with_workspace();
    let r = b.run(&["accounts", "import", file.to_str().unwrap()]).ok();
    assert!(r.stdout.contains("2 created"), "{r:?}");
    assert_eq!(b.run(&["accounts", "export"]).ok().stdout, csv);
    assert_eq!(b.keyring_secrets().len(), 2);
    b.run(&["accounts", "import", file.to_str().unwrap()])
        .fails_with(3, "--update");
    b.run(&["accounts", "import", "--update", file.to_str().unwrap()])
        .ok();

    // With secrets: the warning, and the passwords travel.
    let with = a.run(&["accounts", "export", "--include-secrets"]).ok();
    assert!(with.stderr.contains("clear text"));
    let mut secrets = a.keyring_secrets();
    secrets.sort();
    for s in &secrets {
        assert!(with.stdout.contains(s.as_str()));
    }
    let c = Profile::new().with_workspace();
    let with_file = c.path().join("with.csv");
    std::fs::write(&with_file, &with.stdout).unwrap();
    c.run(&["accounts", "import", with_file.to_str().unwrap()]).ok();
    let mut imported = c.keyring_secrets();
    imported.sort();
    assert_eq!(imported, secrets);

    // Hostile files: problems per line and column, nothing imported, nothing lost.
    let d = Profile::new().with_workspace();
    let cases: &[(&[u8], &str)] = &[
        (
            b"name,user,sip_domain\r\nOk,Ann Smith,sip.example.com\r\nBad,Nobody,sip.example.com\r\n",
            "line 3, column user",
        ),
        (
            b"name,user,sip_domain,codecs\r\nA,Ann Smith,sip.example.com,OPUS;DROP\r\n",
            "line 2, column codecs",
        ),
        (b"name,evil\r\nA,1\r\n", "column evil: unknown column"),
        (
            b"name,user\r\nA,Ann Smith,extra\r\n",
            "line 2: this row has 3 cells",
        ),
        (b"name,user\r\n\"A,Ann Smith\r\n", "line 2"),
        (b"name\r\n\xff\xfe\r\n", "not UTF-8"),
        (
            b"name,user,sip_domain\r\nA,Ann Smith,sip.example.com\r\na,Ann Smith,sip.example.com\r\n",
            "appears twice",
        ),
    ];
    for (i, (bytes, needle)) in cases.iter().enumerate() {
        let f = d.path().join(format!("hostile-{i}.csv"));
        std::fs::write(&f, bytes).unwrap();
        d.run(&["accounts", "import", f.to_str().unwrap()])
            .fails_with(3, needle);
    }
    assert!(d.run(&["accounts", "list", "--json"]).ok().stdout.trim() == "[]");
    assert!(d.keyring_secrets().is_empty());
}

#[test]
fn audio_uploads_are_decoded_and_bad_files_refused() {
    let p = Profile::new();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio");
    for ext in ["wav", "flac", "ogg", "mp3"] {
        let file = fixtures.join(format!("speech.{ext}"));
        p.run(&[
            "workspace",
            "announcements",
            "add",
            &format!("Speech {ext}"),
            file.to_str().unwrap(),
        ])
        .ok();
    }
    p.run(&[
        "workspace",
        "greetings",
        "add",
        "Closed",
        fixtures.join("speech.ogg").to_str().unwrap(),
    ])
    .ok();
    let listed: serde_json::Value = serde_json::from_str(
        &p.run(&["workspace", "announcements", "list", "--json"])
            .ok()
            .stdout,
    )
    .unwrap();
    let rows = listed.as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["name"] == "Welcome" && r["builtin"] == true)
    );
    for ext in ["wav", "flac", "ogg", "mp3"] {
        let row = rows
            .iter()
            .find(|r| r["name"] == format!("Speech {ext}"))
            .unwrap();
        let ms = row["duration_ms"].as_u64().unwrap();
        assert!((900..=1200).contains(&ms), "{ext}: {ms} ms");
    }
    let audio_dir = p.path().join("data/audio");
    let stored = files_under(&audio_dir);
    assert_eq!(stored.len(), 5);
    for f in &stored {
        let reader = hound::WavReader::open(f).unwrap();
        assert_eq!(reader.spec().channels, 1);
        assert_eq!(reader.spec().bits_per_sample, 16);
    }
    let bad = fixtures.join("not-audio.wav");
    p.run(&["workspace", "announcements", "add", "Bad", bad.to_str().unwrap()])
        .fails_with(3, "not an audio file");
    p.run(&[
        "workspace",
        "announcements",
        "add",
        "Speech wav",
        bad.to_str().unwrap(),
    ])
    .fails_with(3, "exists already");
    p.run(&["workspace", "announcements", "add", "Gone", "/nonexistent.mp3"])
        .fails_with(3, "cannot read");
    assert_eq!(
        files_under(&audio_dir).len(),
        5,
        "nothing kept from refused uploads"
    );
    p.run(&["workspace", "announcements", "remove", "Speech mp3"])
        .ok();
    p.run(&["workspace", "announcements", "remove", "Welcome"])
        .fails_with(3, "built in");
    assert_eq!(files_under(&audio_dir).len(), 4);
}

#[test]
fn credentials_copy_uses_the_clipboard_or_says_why_not() {
    let p = Profile::new().with_workspace();
    p.run(&[
        "accounts",
        "create",
        "--name",
        "Desk",
        "--user",
        "Bob",
        "--domain",
        "sip.example.com",
    ])
    .ok();
    let password = p.keyring_secrets().remove(0);

    let mut no_display = p.command(&["accounts", "credentials", "Desk", "--copy"]);
    no_display.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    let out = no_display.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the clipboard is not available (there is no display)"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&password));

    let display = std::env::var("DISPLAY").expect("the test runner starts Xvfb and sets DISPLAY");
    assert!(!display.is_empty());
    let r = p.run(&["accounts", "credentials", "Desk", "--copy"]).ok();
    assert!(r.stdout.contains("Copied the credentials of `Desk`"), "{r:?}");
    assert!(
        !r.stdout.contains(&password),
        "the password is copied, not printed"
    );
    let pasted = std::process::Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .unwrap();
    let pasted = String::from_utf8_lossy(&pasted.stdout);
    assert!(pasted.contains(&format!("Password: {password}")), "{pasted}");
    assert!(pasted.contains("SIP URI: sip:bob@sip.example.com"), "{pasted}");
    // Copying something else ends the helper that served the credentials.
    let mut xclip = std::process::Command::new("xclip")
        .args(["-i", "-selection", "clipboard"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    xclip.stdin.take().unwrap().write_all(b"something else").unwrap();
    xclip.wait().unwrap();
}

#[test]
fn logs_never_contain_passwords() {
    let p = Profile::new().with_workspace();
    p.run_with_stdin(
        &[
            "-vvv",
            "accounts",
            "create",
            "--name",
            "Desk",
            "--user",
            "Bob",
            "--domain",
            "sip.example.com",
            "--password-stdin",
        ],
        Some("Log-Canary-5150\n"),
    )
    .ok();
    p.run(&["-vvv", "accounts", "credentials", "Desk"]).ok();
    p.run(&["-vvv", "accounts", "export", "--include-secrets"]).ok();
    p.run(&["-vvv", "accounts", "edit", "Desk", "--regenerate-password"])
        .ok();
    let new = p.keyring_secrets().remove(0);
    let logs = files_under(&p.path().join("state/logs"));
    assert!(!logs.is_empty(), "a log file is written");
    let text: String = logs.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    assert!(text.contains("account created"), "{text}");
    assert!(!text.contains("Log-Canary-5150"));
    assert!(!text.contains(&new));
}

#[test]
fn concurrent_processes_do_not_lose_writes() {
    let p = Profile::new();
    p.run(&["workspace", "users", "list"]).ok();
    let children: Vec<_> = (0..12)
        .map(|i| {
            p.command(&["workspace", "users", "add", &format!("User {i}")])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let users: serde_json::Value =
        serde_json::from_str(&p.run(&["workspace", "users", "list", "--json"]).ok().stdout).unwrap();
    assert_eq!(
        users.as_array().unwrap().len(),
        12,
        "every concurrent write is kept"
    );
}

#[test]
fn damaged_profile_is_kept_and_explained() {
    let p = Profile::new();
    p.run(&["workspace", "users", "add", "Ann"]).ok();
    std::fs::write(p.config_file(), "version = 1\n[workspace\nusers = 3").unwrap();
    let r = p
        .run(&["workspace", "users", "add", "Bob"])
        .fails_with(4, "is damaged");
    assert!(r.stderr.contains("a copy was kept"), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(p.config_file()).unwrap(),
        "version = 1\n[workspace\nusers = 3"
    );
}

#[test]
fn a_missing_keyring_is_explained_not_a_crash() {
    let p = Profile::new();
    let out = p
        .command(&["accounts", "list"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the system keyring is not available"), "{err}");
    assert!(
        err.contains("start and unlock a Secret Service provider"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn without_a_command_and_without_a_display_the_window_explains() {
    let p = Profile::new();
    let out = p
        .command(&[])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .env("HANDSET_LANG", "en")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("there is no display"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
