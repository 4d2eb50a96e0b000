//! A Linphone phone (Debian `linphone-cli`: linphonec 5.1 on liblinphone/mediastreamer2, whose
//! G.729 is bcg729) as a far end with G.729, the one codec baresip lacks; and Handset calling it
//! and called by it with G.729 only, audio checked both ways.
//!
//! linphonec runs headless: commands go to its stdin, its console output (call progress) and
//! its debug log go to files in a temp dir. `soundcard use files` replaces the sound card with a
//! WAV player (the file loops, with ~0.5 s of silence between rounds) and a WAV recorder.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use crate::audio::tone_wav;
use crate::handset::{Profile, Running, received_digits};
use crate::peers::{
    Kamailio, KamailioOptions, LOG_TAIL_LINES, Proc, START_TIMEOUT, free_port_block, lock, read_lossy,
    require_file, tail,
};

const T: Duration = Duration::from_secs(10);
const LINPHONE_GRACE: Duration = Duration::from_secs(3);

/// How to start a [`Linphone`].
#[derive(Debug, Clone)]
pub struct LinphoneOptions {
    pub user: String,
    pub password: String,
    /// Enabled audio codecs as `(mime, rate, channels)`, in order; every other codec
    /// liblinphone has is written disabled. telephone-event is always offered.
    pub codecs: Vec<(&'static str, u32, u32)>,
    /// Answer incoming calls at once (`linphonec -a`).
    pub auto_answer: bool,
    /// The WAV file sent as microphone (looped).
    pub play: PathBuf,
    /// Where the first call's received audio is written (WAV); see [`Linphone::record_to`].
    pub record: PathBuf,
    /// Send digits as SIP INFO (`use_info=1`, RFC 2833/4733 events off).
    pub dtmf_info: bool,
}

/// The audio codecs of liblinphone 5.1 enabled unless configured otherwise, and the rest it
/// lists; each is written to the configuration, enabled only when asked for.
const LINPHONE_CODECS: &[(&str, u32, u32)] = &[
    ("opus", 48000, 2),
    ("speex", 16000, 1),
    ("speex", 8000, 1),
    ("speex", 32000, 1),
    ("PCMU", 8000, 1),
    ("PCMA", 8000, 1),
    ("GSM", 8000, 1),
    ("G722", 8000, 1),
    ("G729", 8000, 1),
];

/// A headless linphonec registered at a [`Kamailio`] over UDP, on 127.0.0.1 only.
///
/// Ports (one free block of 8): SIP `base`, audio RTP/RTCP `base + 2`/`base + 3` (video and
/// text, never used, `base + 4` and `base + 6`).
#[derive(Debug)]
pub struct Linphone {
    dir: tempfile::TempDir,
    proc: Option<Proc>,
    stdin: Mutex<Option<ChildStdin>>,
    /// How far [`Linphone::wait_output`] has read the console output.
    seen: Mutex<usize>,
    user: String,
    kamailio_log: PathBuf,
}

impl Linphone {
    /// Adds (or updates) the subscriber, writes a linphonerc, starts linphonec in file mode and
    /// waits (max 10 s) until it is registered at `kamailio`. Panics with the logs when not.
    pub fn start(kamailio: &Kamailio, opts: LinphoneOptions) -> Linphone {
        require_file("/usr/bin/linphonec", "linphone-cli");
        kamailio.add_subscriber(&opts.user, &opts.password);
        let dir = tempfile::Builder::new()
            .prefix("handset-linphone-")
            .tempdir()
            .expect("temp dir for linphonec");
        let home = dir.path().join("home");
        fs::create_dir_all(home.join(".local/share/linphone")).expect("linphonec home");
        let base = free_port_block(8);
        let proxy = format!("sip:127.0.0.1:{};transport=udp", kamailio.udp_port());
        let mut rc = format!(
            "# written by tests/sip/linphone.rs -- headless linphonec, loopback only\n\
             [sip]\n\
             sip_port={base}\n\
             sip_tcp_port=0\n\
             sip_tls_port=0\n\
             bind_address=127.0.0.1\n\
             use_ipv6=0\n\
             default_proxy=0\n\
             register_only_when_network_is_up=0\n\
             use_info={info}\n\
             use_rfc2833={events}\n\
             [net]\n\
             auto_net_state_mon=0\n\
             firewall_policy=0\n\
             [rtp]\n\
             bind_address=127.0.0.1\n\
             audio_rtp_port={rtp}\n\
             video_rtp_port={video}\n\
             text_rtp_port={text}\n\
             [video]\n\
             enabled=0\n\
             capture=0\n\
             display=0\n\
             [sound]\n\
             echocancellation=0\n\
             [proxy_0]\n\
             reg_proxy=<{proxy}>\n\
             reg_route=<{proxy};lr>\n\
             reg_identity=\"{user}\" <sip:{user}@127.0.0.1>\n\
             reg_expires=600\n\
             reg_sendregister=1\n\
             publish=0\n\
             [auth_info_0]\n\
             username={user}\n\
             passwd={password}\n\
             realm=127.0.0.1\n\
             domain=127.0.0.1\n",
            rtp = base + 2,
            video = base + 4,
            text = base + 6,
            user = opts.user,
            password = opts.password,
            info = u8::from(opts.dtmf_info),
            events = u8::from(!opts.dtmf_info),
        );
        let mut all: Vec<(&str, u32, u32, bool)> =
            opts.codecs.iter().map(|&(m, r, c)| (m, r, c, true)).collect();
        for &(mime, rate, channels) in LINPHONE_CODECS {
            if !all
                .iter()
                .any(|(m, r, ..)| m.eq_ignore_ascii_case(mime) && *r == rate)
            {
                all.push((mime, rate, channels, false));
            }
        }
        for (i, (mime, rate, channels, enabled)) in all.iter().enumerate() {
            rc += &format!(
                "[audio_codec_{i}]\nmime={mime}\nrate={rate}\nchannels={channels}\nenabled={}\n",
                u8::from(*enabled)
            );
            // Annex B off, as Handset offers it (RFC 4856: annexb=no).
            if mime.eq_ignore_ascii_case("G729") {
                rc += "recv_fmtp=annexb=no\n";
            }
        }
        let config = dir.path().join("linphonerc");
        fs::write(&config, rc).expect("linphonerc");

        let mut cmd = Command::new("linphonec");
        cmd.arg("-c")
            .arg(&config)
            .args(["-d", "6", "-l"])
            .arg(dir.path().join("linphone.log"))
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"));
        if opts.auto_answer {
            cmd.arg("-a");
        }
        let console = dir.path().join("console.log");
        let mut proc =
            Proc::spawn_with_stdin(cmd, &console, dir.path(), Stdio::piped()).unwrap_or_else(|e| {
                panic!("cannot run linphonec ({e}): install linphone-cli (packaging/setup.sh test)")
            });
        let stdin = proc.take_stdin();
        let phone = Linphone {
            dir,
            proc: Some(proc),
            stdin: Mutex::new(stdin),
            seen: Mutex::new(0),
            user: opts.user,
            kamailio_log: kamailio.dir().join("kamailio.log"),
        };
        phone.command("soundcard use files");
        phone.command(&format!("play {}", opts.play.display()));
        phone.record_to(&opts.record);
        phone.wait_registered(START_TIMEOUT);
        phone
    }

    /// Sends one linphonec command line.
    pub fn command(&self, line: &str) {
        let mut stdin = lock(&self.stdin);
        let ok = stdin.as_mut().is_some_and(|s| {
            s.write_all(format!("{line}\n").as_bytes())
                .and_then(|()| s.flush())
                .is_ok()
        });
        drop(stdin);
        if !ok {
            self.fail(&format!("cannot send {line:?}: linphonec gone"));
        }
    }

    /// Records the next call's received audio to `path` (WAV, 8 kHz mono for G.729).
    pub fn record_to(&self, path: &Path) {
        self.command(&format!("record {}", path.display()));
    }

    /// Dials `uri` through Kamailio.
    pub fn dial(&self, uri: &str) {
        self.command(&format!("call {uri}"));
    }

    /// Hangs up the current call.
    pub fn hangup(&self) {
        self.command("terminate");
    }

    /// Waits for a console line containing `needle` that was not yet taken, and takes it
    /// (with everything before it). Panics with the logs when none comes within `timeout`.
    pub fn wait_output(&self, needle: &str, timeout: Duration) -> String {
        self.next_output(needle, timeout)
            .unwrap_or_else(|| self.fail(&format!("no {needle:?} within {timeout:?}")))
    }

    /// Like [`Linphone::wait_output`], `None` on timeout.
    fn next_output(&self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let out = self.output();
            let mut seen = lock(&self.seen);
            let from = (*seen).min(out.len());
            if let Some(at) = out[from..].find(needle) {
                let start = out[..from + at].rfind('\n').map_or(0, |i| i + 1);
                let end = out[from + at..].find('\n').map_or(out.len(), |i| from + at + i);
                *seen = end;
                return Some(out[start..end].to_owned());
            }
            drop(seen);
            if self.proc.as_ref().is_none_or(Proc::exited) {
                self.fail(&format!("exited while waiting for {needle:?}"));
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls `status register` until linphonec says it is registered.
    fn wait_registered(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            self.command("status register");
            // "registered, identity=sip:bob@127.0.0.1 duration=600", "registered=0" (not yet)
            // or "registered=-1" (no proxy)
            if let Some(line) = self.next_output("registered", Duration::from_secs(1))
                && line.contains("registered, identity=")
            {
                return;
            }
            if Instant::now() > deadline {
                self.fail(&format!("not registered within {timeout:?}"));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// `sip:user@127.0.0.1`.
    pub fn sip_uri(&self) -> String {
        format!("sip:{}@127.0.0.1", self.user)
    }

    /// Everything linphonec printed on its console.
    pub fn output(&self) -> String {
        read_lossy(&self.dir.path().join("console.log"))
    }

    /// liblinphone's debug log (SIP messages, media set-up, RTP statistics).
    pub fn log(&self) -> String {
        read_lossy(&self.dir.path().join("linphone.log"))
    }

    fn fail(&self, what: &str) -> ! {
        panic!(
            "linphonec {}: {what}\n--- console ---\n{}\n--- linphone log ({}, tail) ---\n{}\n--- kamailio log (tail) ---\n{}",
            self.sip_uri(),
            tail(&self.output(), LOG_TAIL_LINES),
            self.dir.path().join("linphone.log").display(),
            tail(&self.log(), LOG_TAIL_LINES),
            tail(&read_lossy(&self.kamailio_log), LOG_TAIL_LINES / 2)
        );
    }
}

impl Drop for Linphone {
    fn drop(&mut self) {
        // "quit" unregisters and exits; the group is terminated either way.
        if let Some(mut stdin) = lock(&self.stdin).take() {
            let _ = stdin.write_all(b"quit\n");
        }
        if let Some(proc) = self.proc.take() {
            let deadline = Instant::now() + LINPHONE_GRACE;
            while !proc.exited() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(20));
            }
            proc.terminate(LINPHONE_GRACE);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Audio files

/// (frequency from zero crossings, RMS) of each 100 ms of a WAV's first channel. Reads up to
/// the end of the data (mediastreamer's recorder may leave a header longer than the data).
fn windows(path: &Path) -> Vec<(f64, f64)> {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    let samples: Vec<f64> = r
        .samples::<i16>()
        .map_while(Result::ok)
        .step_by(usize::from(spec.channels))
        .map(f64::from)
        .collect();
    let n = spec.sample_rate as usize / 10;
    samples
        .chunks_exact(n)
        .map(|w| {
            let crossings = w.windows(2).filter(|p| (p[0] < 0.0) != (p[1] < 0.0)).count();
            let rms = (w.iter().map(|s| s * s).sum::<f64>() / n as f64).sqrt();
            (crossings as f64 * 5.0, rms)
        })
        .collect()
}

/// Whether `path` holds at least `seconds` of a loud (RMS > 3000) tone within 3 % of `freq`;
/// the error shows every window as frequency/RMS.
fn holds_tone(path: &Path, freq: f64, seconds: f64) -> Result<usize, String> {
    let all = windows(path);
    let good = all
        .iter()
        .filter(|(f, rms)| *rms > 3000.0 && (f - freq).abs() <= freq * 0.03)
        .count();
    if good as f64 >= seconds * 10.0 {
        Ok(good)
    } else {
        let shown: Vec<String> = all.iter().map(|(f, rms)| format!("{f:.0}/{rms:.0}")).collect();
        Err(format!(
            "{}: {good} windows of 100 ms with {freq} Hz (Hz/RMS per window: {})",
            path.display(),
            shown.join(" ")
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

/// Handset (`alice`) waits for one call (`listen` with `args`); Linphone dials it and the call
/// connects.
fn linphone_calls(alice: &Profile, bob: &Linphone, args: &[&str]) -> Running {
    let run = alice.listen_once(args);
    bob.dial(&alice.uri());
    bob.wait_output("connected", T);
    run
}

/// Linphone hangs up; Handset's `listen` exits with 0. Returns Handset's output.
fn linphone_hangs_up(bob: &Linphone, run: Running) -> String {
    bob.hangup();
    bob.wait_output("ended", T);
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    out
}

/// The payload types of the audio `m=` lines in linphonec's SIP messages (offers and answers).
fn audio_payload_types(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.trim().strip_prefix("m=audio "))
        .map(|m| m.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn g729_audio_both_ways_with_linphone() {
    let k = Kamailio::start(KamailioOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let (tone1000, tone600) = (dir.path().join("tone-1000.wav"), dir.path().join("tone-600.wav"));
    tone_wav(&tone1000, 1000.0, 4.0, 8000, 1);
    tone_wav(&tone600, 600.0, 4.0, 8000, 1);
    let bob_heard1 = dir.path().join("bob-heard-1.wav");
    let bob = Linphone::start(
        &k,
        LinphoneOptions {
            user: "bob".into(),
            password: "pw-bob".into(),
            codecs: vec![("G729", 8000, 1)],
            auto_answer: true,
            play: tone1000,
            record: bob_heard1.clone(),
            dtmf_info: false,
        },
    );
    let alice = Profile::new(&k, "alice", "pw-alice", "udp");
    alice.edit(&["--codecs", "g729"]);

    // Handset calls: it plays 600 Hz, Linphone plays 1 kHz; both record.
    let alice_heard1 = dir.path().join("alice-heard-1.wav");
    let run = alice.spawn(&[
        "call",
        "A",
        &bob.sip_uri(),
        "--play",
        tone600.to_str().unwrap(),
        "--record",
        alice_heard1.to_str().unwrap(),
        "--duration",
        "3",
        "--sip-trace",
    ]);
    bob.wait_output("connected", T);
    let (code, out) = run.finish(T);
    assert_eq!(code, 0, "{out}");
    bob.wait_output("ended", T);
    check_call(&bob, &out, &alice_heard1, &bob_heard1);

    // Linphone calls: the same, the other way round.
    let bob_heard2 = dir.path().join("bob-heard-2.wav");
    bob.record_to(&bob_heard2);
    let alice_heard2 = dir.path().join("alice-heard-2.wav");
    let run = linphone_calls(
        &alice,
        &bob,
        &[
            "--play",
            tone600.to_str().unwrap(),
            "--record",
            alice_heard2.to_str().unwrap(),
            "--sip-trace",
        ],
    );
    thread::sleep(Duration::from_secs(3));
    let out = linphone_hangs_up(&bob, run);
    check_call(&bob, &out, &alice_heard2, &bob_heard2);
}

/// Digits typed at linphonec's console during a call go as SIP INFO (`use_info=1`); Handset
/// prints each one, in order.
#[test]
fn digits_sent_by_linphone_as_sip_info_are_received() {
    const DIGITS: &str = "0123456789*#";
    let k = Kamailio::start(KamailioOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone.wav");
    tone_wav(&tone, 1000.0, 2.0, 8000, 1);
    let bob = Linphone::start(
        &k,
        LinphoneOptions {
            user: "infobob".into(),
            password: "pw-bob".into(),
            codecs: vec![("PCMU", 8000, 1)],
            auto_answer: false,
            play: tone.clone(),
            record: dir.path().join("bob-heard.wav"),
            dtmf_info: true,
        },
    );
    let alice = Profile::new(&k, "infoalice", "pw-alice", "udp");
    let mut run = linphone_calls(&alice, &bob, &["--play", tone.to_str().unwrap(), "--sip-trace"]);
    for d in DIGITS.chars() {
        bob.command(&d.to_string());
        run.wait_line(&format!("received digit {d}"), T);
    }
    let out = linphone_hangs_up(&bob, run);
    assert_eq!(received_digits(&out), DIGITS, "each digit once:\n{out}");
    assert_eq!(
        out.matches("Content-Type: application/dtmf-relay").count(),
        DIGITS.len(),
        "each digit came as one INFO:\n{out}"
    );
}

/// One G.729 call: only payload type 18 was negotiated (and telephone-event), RTP flowed, and
/// each side heard the other's tone.
fn check_call(bob: &Linphone, handset_out: &str, alice_heard: &Path, bob_heard: &Path) {
    let log = bob.log();
    let offered = audio_payload_types(&log);
    assert!(
        !offered.is_empty() && offered.iter().all(|pts| pts.split(' ').next() == Some("18")),
        "G.729 (18) first in every offer and answer: {offered:?}"
    );
    let addresses: Vec<&str> = log.lines().filter(|l| l.starts_with("c=")).collect();
    assert!(
        !addresses.is_empty() && addresses.iter().all(|c| *c == "c=IN IP4 127.0.0.1"),
        "media on loopback only: {addresses:?}"
    );
    assert!(
        handset_out.contains("a=rtpmap:18 G729/8000"),
        "Handset's trace shows G.729 in the SDP:\n{handset_out}"
    );
    let media = handset_out
        .lines()
        .find(|l| l.contains("media: sent"))
        .unwrap_or_else(|| panic!("no media report:\n{handset_out}"));
    let count = |word: &str| -> u64 {
        media
            .split(word)
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.trim_end_matches(',').parse().ok())
            .unwrap_or(0)
    };
    assert!(
        count("sent ") > 100 && count("received ") > 100,
        "RTP both ways: {media}"
    );
    // Linphone writes its recording when the call ends.
    thread::sleep(Duration::from_millis(500));
    let alice_got = holds_tone(alice_heard, 1000.0, 1.5)
        .unwrap_or_else(|e| panic!("Handset did not hear Linphone's 1 kHz tone: {e}\n{media}"));
    let bob_got = holds_tone(bob_heard, 600.0, 1.5).unwrap_or_else(|e| {
        panic!(
            "Linphone did not hear Handset's 600 Hz tone: {e}\n{}",
            tail(&bob.output(), 20)
        )
    });
    println!(
        "G.729 {offered:?}; {media}; Handset heard 1 kHz for {:.1} s, Linphone 600 Hz for {:.1} s",
        alice_got as f64 / 10.0,
        bob_got as f64 / 10.0
    );
}
