//! The one bridge between the GUI and the phone: a tokio task owns the [`Phone`] and the call
//! history; the UI sends [`Request`]s and reads [`Update`]s. Updates are low-rate (events, and
//! each call's figures once a second): audio never passes through here, and a slow UI never
//! stalls SIP (the channels are unbounded and the task never waits for the UI).

use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tracing::warn;

use super::call_media::MediaOptions;
use super::catalogue::AccountPrompts;
use super::delivery::{Deliveries, Delivery};
use super::error::PhoneError;
use super::events::{CallFigures, PhoneEvent};
use super::history::{CallHistory, CallRecord};
use super::softphone::{Phone, PhoneOptions};
use super::sound_board::SoundBoard;
use super::voicemail::Voicemail;
use crate::account::Secret;
use crate::account::model::SipAccount;
use crate::account::workspace::DeliveryMethod;
use crate::engine::{CallHandle, CallState, TransferProgress};
use crate::media::device::{AudioDevices, DeviceChoice, DeviceInfo};
use crate::media::prompts::AudioRef;
use crate::media::sounds::Sound;
use crate::text::Text;

/// How often each call's figures are sent.
pub const FIGURES_EVERY: Duration = Duration::from_secs(1);

/// What the UI asks of the phone.
#[derive(Clone, Debug)]
pub enum Request {
    /// Connect and register; an account of that name already there is replaced (an edit).
    AddAccount {
        account: Box<SipAccount>,
        password: Secret,
    },
    /// Unregister the account and forget it (its calls end).
    RemoveAccount(String),
    /// What the account plays: announcements on outgoing calls, its voicemail greeting.
    Prompts {
        account: String,
        prompts: AccountPrompts,
    },
    Dial {
        account: String,
        target: String,
    },
    Answer(CallHandle),
    /// Decline an incoming call (486 Busy Here).
    Decline(CallHandle),
    Hangup(CallHandle),
    Hold(CallHandle),
    Resume(CallHandle),
    Dtmf {
        call: CallHandle,
        digits: String,
    },
    /// Blind transfer of an answered call to `target` (a number or SIP URI). Progress comes as
    /// [`PhoneEvent::Transfer`]; a refusal (no such call, not answered, already transferring,
    /// unusable target) as its `Failed` with code 0 and the reason.
    Transfer {
        call: CallHandle,
        target: String,
    },
    /// Attended transfer: the far end of `call` is put through to the far end of
    /// `consultation` (both answered), which replaces our consultation call. Progress and
    /// refusals as for [`Request::Transfer`].
    AttendedTransfer {
        call: CallHandle,
        consultation: CallHandle,
    },
    /// The user's answer to the far end's request to transfer the call
    /// ([`PhoneEvent::TransferRequested`]): accepted, the phone calls the target (reported as
    /// [`Update::Dialled`]) and hangs up this call once the target answers.
    AnswerTransfer {
        call: CallHandle,
        accept: bool,
    },
    Mute {
        call: CallHandle,
        muted: bool,
    },
    /// Start or pause recording the call (on demand).
    Record {
        call: CallHandle,
        on: bool,
    },
    /// Play the test tone on the output (`false`) or on the ring device (`true`).
    TestSound {
        ring: bool,
    },
    /// List the sound devices (the answer comes as [`Update::DeviceList`]).
    ListDevices,
    /// Play a prompt (an announcement or greeting preview) on the output; it replaces the
    /// sound playing, if any. [`Update::SoundFinished`] says when it has ended.
    Preview(AudioRef),
    /// Stop the test tone or the preview playing.
    StopSound,
    /// Start or stop the microphone meter of the settings (levels come as [`Update::MicLevel`]).
    MicTest(bool),
    /// The workspace's delivery methods with their passwords or tokens (recordings go to the
    /// one their account names).
    DeliveryMethods(Vec<(DeliveryMethod, Option<Secret>)>),
    /// The devices for calls placed or answered from now on (`None`: no sound devices).
    Devices(Option<DeviceChoice>),
    /// Do not disturb: incoming calls are declined at once (and logged as declined).
    DoNotDisturb(bool),
    /// Unregister, end the calls and stop.
    Shutdown,
}

/// What the phone tells the UI.
#[derive(Clone, Debug)]
pub enum Update {
    Phone(PhoneEvent),
    /// The outcome of a [`Request::Dial`].
    Dialled {
        account: String,
        target: String,
        result: Result<CallHandle, PhoneError>,
    },
    /// An account could not start (DNS, TLS, no server): the reason for the user.
    AccountFailed {
        account: String,
        error: PhoneError,
    },
    /// A request on a call was refused or failed (e.g. recording not allowed): the reason.
    CallFailed {
        call: CallHandle,
        error: PhoneError,
    },
    /// The inputs and the outputs (the default flagged), or why they cannot be listed.
    DeviceList(Result<(Vec<DeviceInfo>, Vec<DeviceInfo>), Text>),
    /// The test tone or the preview has ended (or was stopped).
    SoundFinished,
    /// The settings' microphone meter: the input's peak level in dBFS (every 100 ms).
    MicLevel(f32),
    /// A sound device could not be used by the settings' tests: the reason.
    DeviceFailed(Text),
    /// The incoming call went to voicemail: it is no longer the user's to answer.
    Voicemail(CallHandle),
    /// A call's live figures.
    Figures {
        call: CallHandle,
        figures: CallFigures,
    },
    /// A call ended and joined the history.
    History(CallRecord),
    /// The history could not be saved.
    HistoryError(Text),
    /// A recording was delivered, or its delivery failed and is tried again later.
    Delivery(Delivery),
    /// A recording could not be queued for delivery, or a queued one cannot be read.
    DeliveryError(Text),
    /// The phone has stopped (after [`Request::Shutdown`] or when its network task ended).
    Stopped,
}

/// The UI's handle: send requests; updates come on the receiver [`Controller::spawn`] returned.
#[derive(Clone, Debug)]
pub struct Controller {
    requests: mpsc::UnboundedSender<Request>,
}

impl Controller {
    /// Starts the phone task (call inside a tokio runtime).
    pub fn spawn(
        options: PhoneOptions,
        history: CallHistory,
        devices: Option<DeviceChoice>,
    ) -> (Controller, mpsc::UnboundedReceiver<Update>) {
        let (requests, rx) = mpsc::unbounded_channel();
        let (updates, updates_rx) = mpsc::unbounded_channel();
        let voicemail = Voicemail::new(options.voicemail.clone(), options.ring_timeout);
        let (deliveries, problems) = Deliveries::open(options.outbox.as_deref());
        for problem in problems {
            let _ = updates.send(Update::DeliveryError(problem));
        }
        let task = Task {
            deliveries,
            voicemail,
            phone: Phone::new(options),
            history,
            devices,
            dnd: false,
            sounds: SoundBoard::default(),
            calls: Vec::new(),
            updates,
        };
        tokio::spawn(task.run(rx));
        (Controller { requests }, updates_rx)
    }

    /// Sends a request; `false` when the phone has stopped.
    pub fn send(&self, request: Request) -> bool {
        self.requests.send(request).is_ok()
    }
}

struct Task {
    phone: Phone,
    deliveries: Deliveries,
    history: CallHistory,
    devices: Option<DeviceChoice>,
    dnd: bool,
    sounds: SoundBoard,
    voicemail: Voicemail,
    /// Calls that have media (figures are sent for them).
    calls: Vec<CallHandle>,
    updates: mpsc::UnboundedSender<Update>,
}

impl Task {
    async fn run(mut self, mut requests: mpsc::UnboundedReceiver<Request>) {
        let mut tick = tokio::time::interval(FIGURES_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                request = requests.recv() => match request {
                    Some(Request::Shutdown) | None => break,
                    Some(r) => self.on_request(r).await,
                },
                event = self.phone.next_event() => match event {
                    Some(e) => self.on_event(e).await,
                    None => break,
                },
                finished = self.deliveries.next_finished() => {
                    match self.deliveries.settle(finished, SystemTime::now()) {
                        Ok(Some(delivery)) => self.emit(Update::Delivery(delivery)),
                        Ok(None) => {}
                        Err(e) => self.emit(Update::DeliveryError(e)),
                    }
                }
                _ = tick.tick() => {
                    self.send_figures();
                    self.voicemail_due().await;
                    self.deliveries.start_due(SystemTime::now());
                    if self.sounds.ended() {
                        self.emit(Update::SoundFinished);
                    }
                }
            }
        }
        self.phone.shutdown(Duration::from_secs(2)).await;
        self.emit(Update::Stopped);
    }

    fn emit(&self, update: Update) {
        let _ = self.updates.send(update);
    }

    fn media(&self) -> MediaOptions {
        MediaOptions {
            devices: self.devices.clone(),
            ..MediaOptions::default()
        }
    }

    async fn on_request(&mut self, request: Request) {
        match request {
            Request::AddAccount { account, password } => {
                let name = account.name.clone();
                self.deliveries.set_account(&account);
                if let Err(error) = self.phone.add_account(&account, password, None).await {
                    self.emit(Update::AccountFailed { account: name, error });
                }
            }
            Request::RemoveAccount(name) => {
                self.deliveries.remove_account(&name);
                self.phone.remove_account(&name);
            }
            Request::DeliveryMethods(methods) => self.deliveries.set_methods(methods),
            Request::Prompts { account, prompts } => self.phone.set_prompts(&account, prompts),
            Request::Dial { account, target } => {
                let result = self.phone.dial_with(&account, &target, self.media()).await;
                if let Ok(call) = &result {
                    self.history.dialled(*call, &account, &target);
                }
                self.emit(Update::Dialled {
                    account,
                    target,
                    result,
                });
            }
            Request::Answer(call) => {
                self.sounds.stop_ringing(call);
                self.voicemail.settled(call);
                self.phone.answer_with(call, self.media()).await;
            }
            Request::Decline(call) => {
                self.sounds.stop_ringing(call);
                self.voicemail.settled(call);
                self.history.declined(call);
                self.phone.reject(call, 486);
            }
            Request::Hangup(call) => self.phone.hangup(call),
            Request::Hold(call) => self.phone.hold(call),
            Request::Resume(call) => self.phone.resume(call),
            Request::Dtmf { call, digits } => {
                self.phone.send_dtmf(call, &digits);
                // A feature code may have started or paused recording.
                self.send_figures();
            }
            Request::AttendedTransfer { call, consultation } => {
                if let Err(e) = self.phone.attended_transfer(call, consultation) {
                    let progress = TransferProgress::Failed {
                        code: 0,
                        reason: e.text().clone(),
                    };
                    self.emit(Update::Phone(PhoneEvent::Transfer { call, progress }));
                }
            }
            Request::Transfer { call, target } => {
                if let Err(e) = self.phone.transfer(call, &target) {
                    let progress = TransferProgress::Failed {
                        code: 0,
                        reason: e.text().clone(),
                    };
                    self.emit(Update::Phone(PhoneEvent::Transfer { call, progress }));
                }
            }
            Request::AnswerTransfer { call, accept: true } => {
                match self.phone.accept_transfer(call, self.media()).await {
                    Ok(placed) => {
                        self.history.dialled(placed.call, &placed.account, &placed.target);
                        self.emit(Update::Dialled {
                            account: placed.account,
                            target: placed.target,
                            result: Ok(placed.call),
                        });
                    }
                    Err(error) => self.emit(Update::CallFailed { call, error }),
                }
            }
            Request::AnswerTransfer { call, accept: false } => self.phone.decline_transfer(call),
            Request::Mute { call, muted } => self.phone.set_muted(call, muted),
            Request::Record { call, on } => {
                if let Err(error) = self.phone.set_recording(call, on) {
                    self.emit(Update::CallFailed { call, error });
                }
                self.send_figures();
            }
            Request::Preview(prompt) => {
                let device = self.devices.as_ref().and_then(|d| d.output.clone());
                self.sounds.play(device, Sound::Prompt(prompt));
            }
            Request::StopSound => {
                if self.sounds.stop() {
                    self.emit(Update::SoundFinished);
                }
            }
            Request::ListDevices => {
                let updates = self.updates.clone();
                tokio::task::spawn_blocking(move || {
                    let listed = AudioDevices::list().map_err(|e| e.text());
                    let _ = updates.send(Update::DeviceList(listed));
                });
            }
            Request::TestSound { ring } => {
                let choice = self.devices.clone().unwrap_or_default();
                let device = if ring { choice.ring } else { choice.output };
                self.sounds.play(device, Sound::TestTone);
            }
            Request::MicTest(on) => {
                let device = self.devices.as_ref().and_then(|d| d.input.clone());
                let (levels, failures) = (self.updates.clone(), self.updates.clone());
                self.sounds.meter(
                    on,
                    device,
                    move |dbfs| {
                        let _ = levels.send(Update::MicLevel(dbfs));
                    },
                    move |reason| {
                        let _ = failures.send(Update::DeviceFailed(reason));
                    },
                );
            }
            Request::Devices(devices) => self.devices = devices,
            Request::DoNotDisturb(on) => self.dnd = on,
            // Handled by the loop (it stops the phone).
            Request::Shutdown => {}
        }
    }

    async fn on_event(&mut self, event: PhoneEvent) {
        match &event {
            // An attended transfer replaces one of our calls: the new call is answered at once
            // on the same devices and the replaced one hung up (RFC 3891).
            PhoneEvent::Incoming {
                account,
                call,
                from,
                called,
                replaces: Some(old),
            } => {
                self.history.incoming(*call, account, from, called);
                self.emit(Update::Phone(event.clone()));
                self.phone.answer_in_place_of(*call, *old, self.media()).await;
                return;
            }
            PhoneEvent::Incoming {
                account,
                call,
                from,
                called,
                replaces: None,
            } => {
                self.history.incoming(*call, account, from, called);
                let greeting = self.phone.voicemail_greeting(account);
                self.voicemail
                    .rings(*call, account, from, tokio::time::Instant::now());
                if self.dnd {
                    match greeting {
                        Some(g) => {
                            self.emit(Update::Phone(event.clone()));
                            self.send_to_voicemail(*call, g).await;
                            return;
                        }
                        None => {
                            self.voicemail.settled(*call);
                            self.history.declined(*call);
                            self.phone.reject(*call, 486);
                        }
                    }
                } else {
                    if greeting.is_none() {
                        // Do Nothing: it rings until answered or given up.
                        self.voicemail.settled(*call);
                    }
                    self.phone.ring(*call);
                    self.sounds.ring(*call, self.devices.as_ref());
                }
            }
            // A recorded call goes to its account's delivery method (a voicemail message stays
            // in the voicemail inbox).
            PhoneEvent::Media {
                call,
                account,
                report,
            } => {
                if let Some(path) = &report.recorded
                    && !self.voicemail.is_message(*call)
                {
                    match self.deliveries.recorded(account, path) {
                        Ok(Some(_)) => self.deliveries.start_due(SystemTime::now()),
                        Ok(None) => {}
                        Err(e) => self.emit(Update::DeliveryError(e)),
                    }
                }
            }
            PhoneEvent::Call { call, state } => {
                if matches!(state, CallState::Answered { .. } | CallState::Ended { .. }) {
                    self.sounds.stop_ringing(*call);
                    self.voicemail.settled(*call);
                }
                if matches!(state, CallState::Ended { .. }) {
                    self.voicemail.ended(*call);
                }
                match state {
                    CallState::Answered { .. } if !self.calls.contains(call) => self.calls.push(*call),
                    CallState::Ended { .. } => self.calls.retain(|c| c != call),
                    _ => {}
                }
                match self.history.on_state(*call, state) {
                    Ok(Some(record)) => {
                        self.emit(Update::Phone(event));
                        self.emit(Update::History(record));
                        return;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        warn!(error = %e, "call history not saved");
                        self.emit(Update::HistoryError(e));
                    }
                }
            }
            _ => {}
        }
        self.emit(Update::Phone(event));
    }

    /// Unanswered calls go to voicemail; messages at their length limit are ended.
    async fn voicemail_due(&mut self) {
        let now = tokio::time::Instant::now();
        for call in self.voicemail.unanswered(now) {
            match self
                .phone
                .account_of(call)
                .and_then(|a| self.phone.voicemail_greeting(a))
            {
                Some(greeting) => self.send_to_voicemail(call, greeting).await,
                None => self.voicemail.settled(call),
            }
        }
        for call in self.voicemail.overlong(now) {
            self.voicemail.ended(call);
            self.phone.hangup(call);
        }
    }

    /// Answers `call` with the voicemail greeting and keeps what the caller says.
    async fn send_to_voicemail(&mut self, call: CallHandle, greeting: AudioRef) {
        let Some(path) = self.voicemail.take(call, tokio::time::Instant::now()) else {
            // No voicemail folder: as Do Nothing (a call under Do Not Disturb is declined).
            if self.dnd {
                self.history.declined(call);
                self.phone.reject(call, 486);
            }
            return;
        };
        self.sounds.stop_ringing(call);
        self.emit(Update::Voicemail(call));
        let play = match tokio::task::spawn_blocking(move || greeting.load()).await {
            Ok(Ok(pcm)) => Some(pcm),
            Ok(Err(e)) => {
                warn!(error = %e, "the voicemail greeting cannot be played");
                None
            }
            Err(e) => {
                warn!(error = %e, "the voicemail greeting cannot be played");
                None
            }
        };
        self.history.voicemail(call, &path);
        let media = MediaOptions {
            play,
            record: Some(path),
            ..MediaOptions::default()
        };
        self.phone.answer_with(call, media).await;
    }

    fn send_figures(&self) {
        for call in &self.calls {
            if let Some(figures) = self.phone.figures(*call) {
                self.emit(Update::Figures { call: *call, figures });
            }
        }
    }
}
