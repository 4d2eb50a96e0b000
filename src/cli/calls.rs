//! `handset register | call | listen`: the phone on the command line.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use handset::account::AccountManager;
use handset::engine::{CallHandle, CallState, RegistrationState};
use handset::media::audio_file::decode;
use handset::media::device::{AudioDevices, DeviceChoice, DeviceInfo};
use handset::media::rtp_session::StreamReport;
use handset::media::voice::VoiceOptions;
use handset::phone::MediaOptions;
use handset::phone::catalogue::AccountPrompts;
use handset::phone::softphone::{Phone, PhoneEvent, PhoneOptions};

use super::{CliError, CliResult};

/// Options shared by the phone commands.
#[derive(Debug, Args)]
pub struct PhoneArgs {
    /// The account to use.
    pub account: String,
    /// Print every SIP message sent and received (credentials redacted).
    #[arg(long)]
    pub sip_trace: bool,
    /// Trust this CA or certificate (PEM) for TLS/WSS, in addition to the system's.
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,
    /// Keep-alive interval in seconds (CRLF on TCP/TLS/WSS, OPTIONS on UDP).
    #[arg(long, default_value_t = 25, value_name = "S")]
    pub keepalive: u64,
    /// Registration lifetime to ask for, in seconds.
    #[arg(long, default_value_t = 600, value_name = "S")]
    pub expires: u32,
    /// STUN server for a server-reflexive ICE candidate (calls that use ICE).
    #[arg(long, value_name = "stun:HOST:PORT", env = "HANDSET_STUN_SERVER")]
    pub stun_server: Option<String>,
}

/// What a call plays and records.
#[derive(Debug, Args)]
pub struct MediaArgs {
    /// Play this file (WAV, MP3, Ogg Vorbis, FLAC) into the call after the answer.
    #[arg(long, value_name = "FILE")]
    pub play: Option<PathBuf>,
    /// Record what the far end sends to this WAV file.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Send this input device (see `handset devices`; default: the system's default input).
    /// Without --play the call uses the sound devices.
    #[arg(long, value_name = "NAME", conflicts_with = "play")]
    pub input_device: Option<String>,
    /// Play the far end on this output device (default: the system's default output).
    #[arg(long, value_name = "NAME", conflicts_with = "play")]
    pub output_device: Option<String>,
    /// Turn off acoustic echo cancellation of the input (on by default; off suits a headset).
    #[arg(long, conflicts_with = "play")]
    pub no_echo_cancellation: bool,
    /// Turn off noise suppression of the input (on by default).
    #[arg(long, conflicts_with = "play")]
    pub no_noise_suppression: bool,
    /// Send these digits (0-9 * # A-D) as RFC 4733 events once the call is up.
    #[arg(long, value_name = "DIGITS")]
    pub dtmf: Option<String>,
    /// Put the call on hold this many seconds after the answer.
    #[arg(long, value_name = "S")]
    pub hold_at: Option<u64>,
    /// Take the call off hold this many seconds after the answer.
    #[arg(long, value_name = "S")]
    pub resume_at: Option<u64>,
}

impl MediaArgs {
    fn digits(&self) -> Result<Option<String>, CliError> {
        match &self.dtmf {
            Some(d) if d.chars().all(|c| "0123456789*#ABCDabcd".contains(c)) => Ok(Some(d.clone())),
            Some(d) => Err(CliError::usage(format!(
                "--dtmf `{d}`: use the keys 0-9, *, # and A-D"
            ))),
            None => Ok(None),
        }
    }

    fn options(&self) -> Result<MediaOptions, CliError> {
        let play = match &self.play {
            Some(path) => Some(decode(path).map_err(|e| CliError::usage(e.to_string()))?),
            None => None,
        };
        // A file to play replaces the sound devices (scripted and test calls).
        let devices = play.is_none().then(|| DeviceChoice {
            input: self.input_device.clone(),
            ring: None,
            output: self.output_device.clone(),
            voice: VoiceOptions {
                echo_cancellation: !self.no_echo_cancellation,
                noise_suppression: !self.no_noise_suppression,
            },
        });
        Ok(MediaOptions {
            play,
            record: self.record.clone(),
            recording: None,
            devices,
        })
    }
}

fn describe_media(call: CallHandle, r: &StreamReport) -> String {
    let mut s = format!(
        "{call}: media: sent {} packets, received {}, lost {}, jitter {} ms, buffer {} ms, concealed {} frames, late {}",
        r.sent, r.received, r.lost, r.jitter_ms, r.buffer_ms, r.concealed, r.late
    );
    s.push_str(&format!(
        "; RTCP: sent {}, received {}",
        r.rtcp_sent, r.rtcp_received
    ));
    if let Some(rtt) = r.rtt {
        s.push_str(&format!(", round trip {:.1} ms", rtt.as_secs_f64() * 1000.0));
    }
    if let Some(v) = &r.remote {
        s.push_str(&format!(", the far end lost {} of ours", v.cumulative_lost));
    }
    if let Some(e) = &r.record_error {
        s.push_str(&format!("; {e}"));
    }
    s
}

fn network(message: impl Into<String>) -> CliError {
    CliError {
        code: 5,
        message: message.into(),
    }
}

/// Runs a phone command on a network runtime. Blocking work still running at the end (a sound
/// device that does not close because the audio server went away) gets 2 s, then the command
/// ends without it.
fn run_phone(work: impl Future<Output = CliResult>) -> CliResult {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::other(format!("cannot start the network runtime: {e}")))?;
    let result = rt.block_on(work);
    rt.shutdown_timeout(Duration::from_secs(2));
    result
}

/// Ctrl+C presses, kept until read. A `tokio::signal::ctrl_c()` made afresh on each turn of a
/// loop misses a press that comes while the loop is busy (and the default handler, which
/// would have ended the process, is gone by then).
fn interrupts() -> tokio::sync::mpsc::UnboundedReceiver<()> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    #[cfg(unix)]
    let mut signals = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    tokio::spawn(async move {
        loop {
            #[cfg(unix)]
            let pressed = match signals.as_mut() {
                Some(s) => s.recv().await.is_some(),
                None => false,
            };
            #[cfg(not(unix))]
            let pressed = tokio::signal::ctrl_c().await.is_ok();
            if !pressed || tx.send(()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Registers the account and returns the running phone.
async fn start(manager: &AccountManager, args: &PhoneArgs) -> Result<Phone, CliError> {
    let view = manager.credentials(&args.account)?;
    let account = manager.account(&args.account)?;
    let password = view.password.clone().ok_or_else(|| {
        CliError::storage(format!(
            "the password of `{}` is missing from the keyring: set one with `handset accounts edit \"{}\" --password-stdin`",
            account.name, account.name
        ))
    })?;
    let options = PhoneOptions {
        sip_trace: args.sip_trace,
        expires: args.expires,
        keepalive: Duration::from_secs(args.keepalive.max(1)),
        stun_server: args.stun_server.clone(),
        ..PhoneOptions::default()
    };
    let mut phone = Phone::new(options);
    let workspace = manager.load()?.workspace;
    let prompts = AccountPrompts::of(&account, &workspace, &manager.paths().audio_dir());
    phone.set_prompts(&account.name, prompts);
    phone
        .add_account(&account, password, args.tls_ca.clone())
        .await
        .map_err(|e| network(e.to_string()))?;
    Ok(phone)
}

fn describe_registration(state: &RegistrationState) -> String {
    match state {
        RegistrationState::Registering => "registering".into(),
        RegistrationState::Registered { expires } => format!("registered (expires in {expires} s)"),
        RegistrationState::Failed {
            code,
            reason,
            retry_in,
        } => match retry_in {
            Some(d) => format!(
                "registration failed ({code}): {reason}; retrying in {} s",
                d.as_secs()
            ),
            None => format!("registration failed ({code}): {reason}"),
        },
        RegistrationState::Unregistered => "unregistered".into(),
    }
}

/// A registration failure that is not retried (e.g. a wrong password) ends the command.
fn fatal(state: &RegistrationState) -> Option<CliError> {
    match state {
        RegistrationState::Failed {
            retry_in: None,
            reason,
            code,
        } => Some(network(format!("registration failed ({code}): {reason}"))),
        _ => None,
    }
}

fn describe_call(call: CallHandle, state: &CallState) -> String {
    match state {
        CallState::Ringing { early_sdp: Some(_) } => format!("{call}: early media"),
        CallState::Ringing { early_sdp: None } => format!("{call}: ringing"),
        CallState::Answered { .. } => format!("{call}: answered"),
        CallState::Renegotiated { .. } => format!("{call}: media renegotiated"),
        CallState::Ended {
            code,
            reason,
            by_remote,
        } => {
            let who = if *by_remote { "by the far end" } else { "by us" };
            format!("{call}: ended {who} ({code} {reason})")
        }
    }
}

/// `handset register ACCOUNT [--once]`
pub fn register(manager: &AccountManager, args: PhoneArgs, once: bool, timeout: u64) -> CliResult {
    run_phone(async {
        let mut phone = start(manager, &args).await?;
        let mut interrupted = interrupts();
        let give_up = tokio::time::Instant::now() + Duration::from_secs(timeout);
        let result = loop {
            let deadline = async {
                if once {
                    tokio::time::sleep_until(give_up).await
                } else {
                    std::future::pending().await
                }
            };
            let event = tokio::select! {
                e = phone.next_event() => e,
                Some(()) = interrupted.recv() => break Ok(()),
                () = deadline => break Err(network(format!("not registered within {timeout} s"))),
            };
            let Some(event) = event else {
                break Err(network("the network task stopped"));
            };
            match event {
                PhoneEvent::Registration { state, .. } => {
                    println!("{}", describe_registration(&state));
                    match state {
                        RegistrationState::Registered { .. } if once => break Ok(()),
                        state => {
                            if let Some(e) = fatal(&state) {
                                break Err(e);
                            }
                        }
                    }
                }
                PhoneEvent::Connected { flow, .. } => println!("connected to {flow}"),
                PhoneEvent::Incoming { call, .. } => phone.reject(call, 486),
                PhoneEvent::TransferRequested { call, .. } => phone.decline_transfer(call),
                PhoneEvent::Call { .. }
                | PhoneEvent::Media { .. }
                | PhoneEvent::Dtmf { .. }
                | PhoneEvent::Transfer { .. } => {}
            }
        };
        phone.shutdown(Duration::from_secs(2)).await;
        result
    })
}

/// `handset call ACCOUNT TARGET [--duration S]`
pub fn call(
    manager: &AccountManager,
    args: PhoneArgs,
    media: MediaArgs,
    target: &str,
    duration: Option<u64>,
) -> CliResult {
    let digits = media.digits()?;
    let (hold_at, resume_at) = (media.hold_at, media.resume_at);
    let mut media = Some(media.options()?);
    run_phone(async {
        let mut phone = start(manager, &args).await?;
        let mut interrupted = interrupts();
        let mut call = None;
        let mut hangup_at: Option<tokio::time::Instant> = None;
        // (when, true = hold / false = resume)
        let mut holds: Vec<(tokio::time::Instant, bool)> = Vec::new();
        let registration_deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let result = loop {
            let next_hold = holds.iter().map(|(t, _)| *t).min();
            let hold_timer = async {
                match next_hold {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            let timer = async {
                match (call, hangup_at) {
                    (Some(_), Some(t)) => tokio::time::sleep_until(t).await,
                    (None, _) => tokio::time::sleep_until(registration_deadline).await,
                    _ => std::future::pending().await,
                }
            };
            let event = tokio::select! {
                e = phone.next_event() => e,
                () = timer => {
                    match call {
                        Some(c) => { phone.hangup(c); hangup_at = None; continue; }
                        None => break Err(network("not registered within 30 s")),
                    }
                }
                () = hold_timer => {
                    let now = tokio::time::Instant::now();
                    if let Some(c) = call {
                        for (_, hold) in holds.iter().filter(|(t, _)| *t <= now) {
                            if *hold { println!("{c}: holding"); phone.hold(c) } else { println!("{c}: resuming"); phone.resume(c) }
                        }
                    }
                    holds.retain(|(t, _)| *t > now);
                    continue;
                }
                Some(()) = interrupted.recv() => {
                    match call { Some(c) => { phone.hangup(c); continue; } None => break Ok(()) }
                }
            };
            let Some(event) = event else {
                break Err(network("the network task stopped"));
            };
            match event {
                PhoneEvent::Connected { flow, .. } => println!("connected to {flow}"),
                PhoneEvent::Registration { state, .. } => {
                    println!("{}", describe_registration(&state));
                    match state {
                        RegistrationState::Registered { .. } if call.is_none() => {
                            match phone
                                .dial_with(&args.account, target, media.take().unwrap_or_default())
                                .await
                            {
                                Ok(c) => {
                                    println!("{c}: calling {target}");
                                    call = Some(c);
                                }
                                Err(e) => break Err(CliError::invalid(e.to_string())),
                            }
                        }
                        state => {
                            if let Some(e) = fatal(&state).filter(|_| call.is_none()) {
                                break Err(e);
                            }
                        }
                    }
                }
                PhoneEvent::Incoming { call: c, .. } => phone.reject(c, 486),
                PhoneEvent::Call { call: c, state } if Some(c) == call => {
                    println!("{}", describe_call(c, &state));
                    match state {
                        CallState::Answered { .. } => {
                            if let Some(s) = duration {
                                hangup_at = Some(tokio::time::Instant::now() + Duration::from_secs(s));
                            }
                            if let Some(d) = &digits {
                                phone.send_dtmf(c, d);
                            }
                            let now = tokio::time::Instant::now();
                            holds.extend(hold_at.map(|s| (now + Duration::from_secs(s), true)));
                            holds.extend(resume_at.map(|s| (now + Duration::from_secs(s), false)));
                        }
                        CallState::Ended {
                            code,
                            reason,
                            by_remote,
                        } => {
                            break if code == 200 || !by_remote {
                                Ok(())
                            } else {
                                Err(network(format!("the call failed: {code} {reason}")))
                            };
                        }
                        _ => {}
                    }
                }
                PhoneEvent::Media { call: c, report, .. } => println!("{}", describe_media(c, &report)),
                PhoneEvent::Dtmf { call: c, digit } => println!("{c}: received digit {digit}"),
                PhoneEvent::TransferRequested { call: c, target, .. } => {
                    println!("{c}: the other side asks to transfer the call to {target}; declined");
                    phone.decline_transfer(c);
                }
                PhoneEvent::Call { .. } | PhoneEvent::Transfer { .. } => {}
            }
        };
        phone.shutdown(Duration::from_secs(2)).await;
        result
    })
}

/// What `handset listen` does with calls.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Answer incoming calls at once.
    #[arg(long)]
    auto_answer: bool,
    /// Exit after this many calls have ended.
    #[arg(long, value_name = "N")]
    max_calls: Option<u32>,
    /// Hang up answered calls after this many seconds.
    #[arg(long, value_name = "S")]
    hangup_after: Option<u64>,
    /// Refuse every call with this SIP status (486 busy, 603 decline, 480 unavailable).
    #[arg(long, value_name = "CODE", value_parser = clap::value_parser!(u16).range(400..700))]
    reject: Option<u16>,
    /// Act on the other side's transfer requests (REFER): call the target, and hang up once it
    /// answers (without it they are declined).
    #[arg(long)]
    accept_transfer: bool,
}

/// `handset listen ACCOUNT [--auto-answer] [--max-calls N] [--accept-transfer]`
pub fn listen(manager: &AccountManager, args: PhoneArgs, listen: ListenArgs, media: MediaArgs) -> CliResult {
    let ListenArgs {
        auto_answer,
        max_calls,
        hangup_after,
        reject,
        accept_transfer,
    } = listen;
    let digits = media.digits()?;
    let media = media.options()?;
    run_phone(async {
        let mut phone = start(manager, &args).await?;
        let mut interrupted = interrupts();
        let mut ended = 0u32;
        let mut hangups: Vec<(tokio::time::Instant, CallHandle)> = Vec::new();
        let result = loop {
            let next_hangup = hangups.iter().map(|(t, _)| *t).min();
            let timer = async {
                match next_hangup {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            let event = tokio::select! {
                e = phone.next_event() => e,
                () = timer => {
                    let now = tokio::time::Instant::now();
                    for (_, c) in hangups.iter().filter(|(t, _)| *t <= now) { phone.hangup(*c); }
                    hangups.retain(|(t, _)| *t > now);
                    continue;
                }
                Some(()) = interrupted.recv() => break Ok(()),
            };
            let Some(event) = event else {
                break Err(network("the network task stopped"));
            };
            match event {
                PhoneEvent::Connected { flow, .. } => println!("connected to {flow}"),
                PhoneEvent::Registration { state, .. } => {
                    println!("{}", describe_registration(&state));
                    if let Some(e) = fatal(&state) {
                        break Err(e);
                    }
                }
                // An attended transfer: the new call takes the place of one of ours at once.
                PhoneEvent::Incoming {
                    call,
                    from,
                    replaces: Some(old),
                    ..
                } => {
                    println!("{call}: incoming from {from} in place of {old}");
                    phone.answer_in_place_of(call, old, media.clone()).await;
                }
                PhoneEvent::Incoming {
                    call, from, called, ..
                } => {
                    println!("{call}: incoming from {from} to {called}");
                    match reject {
                        Some(code) => phone.reject(call, code),
                        None => {
                            phone.ring(call);
                            if auto_answer {
                                phone.answer_with(call, media.clone()).await;
                            }
                        }
                    }
                }
                PhoneEvent::Media { call, report, .. } => println!("{}", describe_media(call, &report)),
                PhoneEvent::Dtmf { call, digit } => println!("{call}: received digit {digit}"),
                PhoneEvent::Transfer { .. } => {}
                PhoneEvent::TransferRequested { call, target, .. } if accept_transfer => {
                    println!("{call}: transfer to {target} accepted");
                    match phone.accept_transfer(call, media.clone()).await {
                        Ok(placed) => println!("{}: calling {target}", placed.call),
                        Err(e) => println!("{call}: the transfer cannot be made: {e}"),
                    }
                }
                PhoneEvent::TransferRequested { call, target, .. } => {
                    println!("{call}: the other side asks to transfer the call to {target}; declined");
                    phone.decline_transfer(call);
                }
                PhoneEvent::Call { call, state } => {
                    println!("{}", describe_call(call, &state));
                    match state {
                        CallState::Answered { .. } => {
                            if let Some(d) = &digits {
                                phone.send_dtmf(call, d);
                            }
                            if let Some(s) = hangup_after {
                                hangups.push((tokio::time::Instant::now() + Duration::from_secs(s), call));
                            }
                        }
                        CallState::Ended { .. } => {
                            ended += 1;
                            hangups.retain(|(_, c)| *c != call);
                            if max_calls.is_some_and(|m| ended >= m) {
                                break Ok(());
                            }
                        }
                        _ => {}
                    }
                }
            }
        };
        phone.shutdown(Duration::from_secs(2)).await;
        result
    })
}

/// `handset devices`: the sound inputs and outputs, the defaults marked.
pub fn devices(out: &super::Output) -> CliResult {
    let (inputs, outputs) = AudioDevices::list().map_err(|e| CliError::other(e.to_string()))?;
    let json = serde_json::json!({ "inputs": inputs.iter().map(device_json).collect::<Vec<_>>(),
        "outputs": outputs.iter().map(device_json).collect::<Vec<_>>() });
    out.print(&json, || {
        let mut text = String::new();
        for (title, list) in [("Inputs", &inputs), ("Outputs", &outputs)] {
            text.push_str(title);
            text.push_str(":\n");
            if list.is_empty() {
                text.push_str("  (none)\n");
            }
            for d in list {
                let mark = if d.is_default { "*" } else { " " };
                text.push_str(&format!("{mark} {}  ({})\n", d.name, d.description));
            }
        }
        text.push_str("* default; pass a name to --input-device/--output-device");
        text
    });
    Ok(())
}

fn device_json(d: &DeviceInfo) -> serde_json::Value {
    serde_json::json!({ "name": d.name, "description": d.description, "default": d.is_default })
}
