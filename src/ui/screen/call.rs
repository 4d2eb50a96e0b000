//! The calls in progress: the call screen (remote party, state and timer, mute, hold, DTMF
//! keypad, hang up, codec and encryption, quality and level meters), ringing incoming calls,
//! and switching between calls (call waiting).

use std::time::Instant;

use iced::widget::{button, column, container, progress_bar, row, text, text_input, tooltip};
use iced::{Alignment, Element, Length};

use super::phone::{duration, keypad};
use crate::account::Document;
use crate::phone::controller::{Request, Update};
use crate::phone::events::{CallFigures, CallHandle, CallState, PhoneEvent, TransferProgress};
use crate::ui::i18n::{self, fl};
use crate::ui::widgets::hint;

#[derive(Clone, Debug)]
pub enum Message {
    Answer(CallHandle),
    Decline(CallHandle),
    Hangup(CallHandle),
    Mute(CallHandle, bool),
    Hold(CallHandle),
    Resume(CallHandle),
    Dtmf(CallHandle, char),
    /// Make this call the current one (the other is put on hold).
    Switch(CallHandle),
    /// Start (`true`) or pause recording the call.
    Record(CallHandle, bool),
    /// Open the blind-transfer field (`Some` with its text as it is typed) or close it (`None`).
    TransferTarget(CallHandle, Option<String>),
    /// Transfer the call to the number or URI typed.
    Transfer(CallHandle),
    /// Accept (`true`) or decline the far end's request to transfer the call.
    AnswerTransfer(CallHandle, bool),
    /// Attended transfer: put the far end of the first call (on hold) through to the far end of
    /// the second (the call on screen, the consultation).
    PutThrough(CallHandle, CallHandle),
}

/// What the app should do after an update: send these requests, in order.
#[derive(Debug)]
pub enum Action {
    None,
    Send(Vec<Request>),
}

/// Where a call stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Placed; waiting for the far end.
    Dialling,
    /// The far end is ringing.
    Ringing,
    /// Ringing here, not answered yet.
    Incoming,
    /// Answered.
    Talking,
}

/// One call.
#[derive(Clone, Debug)]
pub struct Line {
    pub call: CallHandle,
    pub account: String,
    pub remote: String,
    /// For incoming calls, the DID or internal number that was called.
    pub called: String,
    pub stage: Stage,
    /// When it was answered (the timer's start).
    pub since: Option<Instant>,
    pub muted: bool,
    pub held: bool,
    /// Being recorded (as asked; the figures then say what the phone does).
    pub recording: bool,
    /// The blind-transfer field while it is open.
    pub transfer: Option<String>,
    /// Where the far end asks us to transfer the call, until the user answers.
    pub transfer_request: Option<String>,
    /// The last refusal or transfer progress on this call, for the user.
    pub note: Option<String>,
    /// Codec, encryption, quality and levels, from the phone once a second.
    pub figures: Option<CallFigures>,
    /// Digits sent on this call.
    pub digits: String,
}

impl Line {
    fn new(call: CallHandle, account: &str, remote: &str, called: &str, stage: Stage) -> Line {
        Line {
            call,
            account: account.to_owned(),
            remote: remote.to_owned(),
            called: called.to_owned(),
            stage,
            since: None,
            muted: false,
            held: false,
            recording: false,
            transfer: None,
            transfer_request: None,
            note: None,
            figures: None,
            digits: String::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Calls {
    /// Oldest first.
    pub lines: Vec<Line>,
    /// The call the call screen shows.
    pub current: Option<CallHandle>,
}

impl Calls {
    pub fn line(&self, call: CallHandle) -> Option<&Line> {
        self.lines.iter().find(|l| l.call == call)
    }

    fn line_mut(&mut self, call: CallHandle) -> Option<&mut Line> {
        self.lines.iter_mut().find(|l| l.call == call)
    }

    /// The first call ringing here.
    pub fn ringing(&self) -> Option<&Line> {
        self.lines.iter().find(|l| l.stage == Stage::Incoming)
    }

    /// Every call ringing here.
    pub fn ringing_calls(&self) -> impl Iterator<Item = CallHandle> + '_ {
        self.lines
            .iter()
            .filter(|l| l.stage == Stage::Incoming)
            .map(|l| l.call)
    }

    fn is_ringing(&self, call: CallHandle) -> bool {
        self.line(call).is_some_and(|l| l.stage == Stage::Incoming)
    }

    /// The call on screen, unless it is still ringing here.
    pub fn shown(&self) -> Option<&Line> {
        self.current
            .and_then(|c| self.line(c))
            .filter(|l| l.stage != Stage::Incoming)
    }

    /// Puts the current call on hold when another is taken up.
    fn hold_current(&mut self, except: CallHandle, out: &mut Vec<Request>) {
        if let Some(line) = self
            .current
            .filter(|&c| c != except)
            .and_then(|c| self.line_mut(c))
            && line.stage == Stage::Talking
            && !line.held
        {
            line.held = true;
            out.push(Request::Hold(line.call));
        }
    }

    /// The requests to send before placing a call: the current one goes on hold.
    pub fn before_dial(&mut self) -> Vec<Request> {
        let mut out = Vec::new();
        self.hold_current(CallHandle(u64::MAX), &mut out);
        out
    }

    fn remove(&mut self, call: CallHandle) {
        self.lines.retain(|l| l.call != call);
        if self.current == Some(call) {
            self.current = self
                .lines
                .iter()
                .rev()
                .find(|l| l.stage != Stage::Incoming)
                .map(|l| l.call);
        }
    }

    pub fn update(&mut self, message: Message) -> Action {
        let mut out = Vec::new();
        match message {
            Message::Answer(call) if self.is_ringing(call) => {
                self.hold_current(call, &mut out);
                out.push(Request::Answer(call));
                self.current = Some(call);
            }
            Message::Decline(call) if self.is_ringing(call) => {
                self.remove(call);
                out.push(Request::Decline(call));
            }
            // A late click (the call stopped ringing meanwhile).
            Message::Answer(_) | Message::Decline(_) => {}
            Message::Hangup(call) => {
                self.remove(call);
                out.push(Request::Hangup(call));
            }
            Message::Mute(call, muted) => {
                if let Some(l) = self.line_mut(call) {
                    l.muted = muted;
                    out.push(Request::Mute { call, muted });
                }
            }
            Message::Hold(call) => {
                if let Some(l) = self.line_mut(call) {
                    l.held = true;
                    out.push(Request::Hold(call));
                }
            }
            Message::Resume(call) | Message::Switch(call) => {
                self.hold_current(call, &mut out);
                if let Some(l) = self.line_mut(call)
                    && l.held
                {
                    l.held = false;
                    out.push(Request::Resume(call));
                }
                self.current = Some(call);
            }
            Message::Record(call, on) => {
                if let Some(l) = self.line_mut(call) {
                    l.recording = on;
                    l.note = None;
                    out.push(Request::Record { call, on });
                }
            }
            Message::TransferTarget(call, target) => {
                if let Some(l) = self.line_mut(call) {
                    l.transfer = target;
                }
            }
            Message::Transfer(call) => {
                if let Some(l) = self.line_mut(call)
                    && let Some(target) = l.transfer.take().map(|t| t.trim().to_owned())
                    && !target.is_empty()
                {
                    l.note = Some(fl!("call-transferring", target = target.as_str()));
                    out.push(Request::Transfer { call, target });
                }
            }
            Message::PutThrough(call, consultation) => {
                let to = self.line_mut(consultation).map(|l| l.remote.clone());
                if let (Some(l), Some(to)) = (self.line_mut(call), to) {
                    l.note = Some(fl!("call-transferring", target = to.as_str()));
                    out.push(Request::AttendedTransfer { call, consultation });
                }
            }
            Message::AnswerTransfer(call, accept) => {
                if let Some(l) = self.line_mut(call)
                    && let Some(target) = l.transfer_request.take()
                {
                    l.note = accept.then(|| fl!("call-transfer-calling", target = target.as_str()));
                    out.push(Request::AnswerTransfer { call, accept });
                }
            }
            Message::Dtmf(call, digit) => {
                if let Some(l) = self.line_mut(call) {
                    l.digits.push(digit);
                    out.push(Request::Dtmf {
                        call,
                        digits: digit.to_string(),
                    });
                }
            }
        }
        if out.is_empty() {
            Action::None
        } else {
            Action::Send(out)
        }
    }

    /// Follows the phone. Incoming calls are not shown while Do Not Disturb is on (the
    /// phone declines them).
    pub fn on_update(&mut self, update: &Update, dnd: bool) {
        match update {
            Update::Dialled {
                account,
                target,
                result: Ok(call),
            } => {
                self.lines
                    .push(Line::new(*call, account, target, "", Stage::Dialling));
                self.current = Some(*call);
            }
            // Taking the place of a call of ours (attended transfer): answered at once.
            Update::Phone(PhoneEvent::Incoming {
                account,
                call,
                from,
                called,
                replaces: Some(_),
            }) => {
                self.lines
                    .push(Line::new(*call, account, from, called, Stage::Talking));
                self.current = Some(*call);
            }
            Update::Phone(PhoneEvent::Incoming {
                account,
                call,
                from,
                called,
                replaces: None,
            }) if !dnd => {
                self.lines
                    .push(Line::new(*call, account, from, called, Stage::Incoming));
            }
            Update::Phone(PhoneEvent::Call { call, state }) => match state {
                CallState::Ended { .. } => self.remove(*call),
                CallState::Ringing { .. } => {
                    if let Some(l) = self.line_mut(*call)
                        && l.stage == Stage::Dialling
                    {
                        l.stage = Stage::Ringing;
                    }
                }
                CallState::Answered { .. } => {
                    if let Some(l) = self.line_mut(*call) {
                        l.stage = Stage::Talking;
                        l.since.get_or_insert_with(Instant::now);
                    }
                }
                CallState::Renegotiated { .. } => {}
            },
            Update::Figures { call, figures } => {
                if let Some(l) = self.line_mut(*call) {
                    l.recording = figures.recording;
                    l.figures = Some(figures.clone());
                }
            }
            Update::Phone(PhoneEvent::Transfer { call, progress }) => {
                if let Some(l) = self.line_mut(*call) {
                    l.note = match progress {
                        TransferProgress::Accepted => Some(fl!("call-transfer-accepted")),
                        TransferProgress::Progress(180..=183) => Some(fl!("call-transfer-ringing")),
                        TransferProgress::Progress(_) => l.note.take(),
                        TransferProgress::Succeeded => Some(fl!("call-transfer-done")),
                        // Refused before anything was sent: the reason says it all.
                        TransferProgress::Failed { code: 0, reason } => Some(i18n::text(reason)),
                        TransferProgress::Failed { code, reason } => Some(fl!(
                            "call-transfer-failed",
                            code = code.to_string(),
                            reason = i18n::text(reason)
                        )),
                    };
                }
            }
            Update::Phone(PhoneEvent::TransferRequested { call, target, .. }) => {
                if let Some(l) = self.line_mut(*call) {
                    l.transfer_request = Some(target.clone());
                }
            }
            // Answered by voicemail: no longer this window's to answer.
            Update::Voicemail(call) => self.remove(*call),
            Update::CallFailed { call, error } => {
                if let Some(l) = self.line_mut(*call) {
                    l.note = Some(i18n::text(error.text()));
                }
            }
            _ => {}
        }
    }

    /// The call screen for the current call, with the other calls under it (`doc` says what
    /// each call's account allows).
    pub fn view<'a>(&'a self, doc: &Document) -> Element<'a, Message> {
        let Some(line) = self.shown() else {
            return hint(fl!("call-none"));
        };
        let call = line.call;
        let stage = match (line.stage, line.held) {
            (Stage::Dialling, _) => fl!("call-dialling"),
            (Stage::Ringing, _) => fl!("call-ringing"),
            (Stage::Incoming, _) => fl!("call-incoming"),
            (Stage::Talking, true) => fl!("call-on-hold"),
            (Stage::Talking, false) => fl!("call-talking"),
        };
        let timer = line
            .since
            .map(|s| duration(s.elapsed().as_secs()))
            .unwrap_or_default();
        let talking = line.stage == Stage::Talking;
        let small = |label: String, id: &str, msg: Option<Message>| {
            container(button(text(label)).on_press_maybe(msg).style(button::secondary)).id(id.to_owned())
        };
        let mute = if line.muted {
            small(fl!("call-unmute"), "mute", Some(Message::Mute(call, false)))
        } else {
            small(
                fl!("call-mute"),
                "mute",
                talking.then_some(Message::Mute(call, true)),
            )
        };
        let hold = if line.held {
            small(fl!("call-resume"), "hold", Some(Message::Resume(call)))
        } else {
            small(fl!("call-hold"), "hold", talking.then_some(Message::Hold(call)))
        };
        let on_demand = doc
            .accounts
            .iter()
            .any(|a| a.name == line.account && a.recording.on_demand);
        let record: Element<'_, Message> = match (on_demand, line.recording) {
            (true, true) => small(
                fl!("call-record-stop"),
                "record",
                Some(Message::Record(call, false)),
            )
            .into(),
            (true, false) => small(
                fl!("call-record"),
                "record",
                talking.then_some(Message::Record(call, true)),
            )
            .into(),
            // Without Record on Demand the user neither starts nor stops recording.
            (false, recording) => {
                let (label, why) = if recording {
                    (fl!("call-record-stop"), fl!("call-record-policy"))
                } else {
                    (fl!("call-record"), fl!("call-record-off"))
                };
                tooltip(
                    small(label, "record", None),
                    container(text(why).size(13))
                        .padding(6)
                        .style(container::rounded_box),
                    tooltip::Position::Bottom,
                )
                .into()
            }
        };
        let transfer = small(
            fl!("call-transfer"),
            "transfer",
            (talking && line.transfer.is_none()).then(|| Message::TransferTarget(call, Some(String::new()))),
        );
        let hangup = container(
            button(text(fl!("call-hangup")))
                .on_press(Message::Hangup(call))
                .style(button::danger),
        )
        .id("hangup");
        let mut status = row![text(stage), text(timer)].spacing(12);
        if line.recording {
            status = status.push(container(text(fl!("call-recording")).style(text::danger)).id("recording"));
        }
        let mut col = column![
            text(crate::ui::screen::phone::party(&line.remote)).size(28),
            status,
            text(fl!("call-on-account", account = line.account.as_str()))
                .size(13)
                .style(text::secondary),
            row![mute, hold, record, transfer, hangup].spacing(10),
        ]
        .spacing(12);
        if let Some(target) = &line.transfer {
            col = col.push(transfer_field(call, target));
        }
        if let Some(target) = &line.transfer_request {
            col = col.push(transfer_request(call, target));
        }
        if let Some(note) = &line.note {
            col = col.push(container(text(note.as_str()).size(13)).id("call-note"));
        }
        if talking {
            col = col.push(dtmf_keypad(call, &line.digits));
            if let Some(f) = &line.figures {
                col = col.push(media_line(f));
                col = col.push(quality(f));
            }
        }
        let others: Vec<&Line> = self
            .lines
            .iter()
            .filter(|l| l.call != call && l.stage != Stage::Incoming)
            .collect();
        if !others.is_empty() {
            let mut list = column![text(fl!("call-others")).size(16)].spacing(6);
            for l in others {
                let state = if l.held {
                    fl!("call-on-hold")
                } else {
                    fl!("call-talking")
                };
                // Both answered: the other call's far end can be put through to this one's
                // (attended transfer).
                let put_through = (talking && l.stage == Stage::Talking).then(|| {
                    container(
                        button(text(fl!("call-put-through")))
                            .on_press(Message::PutThrough(l.call, call))
                            .style(button::primary),
                    )
                    .id(format!("put-through-{}", l.call.0))
                });
                let mut entry = row![
                    text(format!(
                        "{} — {state}",
                        crate::ui::screen::phone::party(&l.remote)
                    ))
                    .width(Length::Fill)
                ]
                .spacing(8)
                .align_y(Alignment::Center);
                if let Some(p) = put_through {
                    entry = entry.push(p);
                }
                if let Some(n) = &l.note {
                    entry = entry.push(text(n.as_str()).size(13));
                }
                list = list.push(
                    entry.push(
                        container(
                            button(text(fl!("call-switch")))
                                .on_press(Message::Switch(l.call))
                                .style(button::secondary),
                        )
                        .id(format!("switch-{}", l.call.0)),
                    ),
                );
            }
            col = col.push(list);
        }
        container(col).padding(20).width(Length::Fill).into()
    }
}

fn dtmf_keypad(call: CallHandle, sent: &str) -> Element<'_, Message> {
    column![
        keypad("dtmf", 48.0, move |k| Message::Dtmf(call, k)),
        text(sent).size(14)
    ]
    .spacing(4)
    .into()
}

/// The blind-transfer field: a number or SIP URI, Enter or the button transfers.
fn transfer_field(call: CallHandle, target: &str) -> Element<'_, Message> {
    let ready = !target.trim().is_empty();
    row![
        text_input(&fl!("call-transfer-placeholder"), target)
            .id("transfer-target")
            .on_input(move |t| Message::TransferTarget(call, Some(t)))
            .on_submit_maybe(ready.then_some(Message::Transfer(call)))
            .padding(6)
            .width(Length::Fixed(260.0)),
        container(
            button(text(fl!("call-transfer-now"))).on_press_maybe(ready.then_some(Message::Transfer(call)))
        )
        .id("transfer-now"),
        container(
            button(text(fl!("call-transfer-cancel")))
                .on_press(Message::TransferTarget(call, None))
                .style(button::secondary)
        )
        .id("transfer-cancel"),
    ]
    .spacing(8)
    .align_y(Alignment::Center)
    .into()
}

/// The far end's request to transfer the call, with Accept and Decline.
fn transfer_request(call: CallHandle, target: &str) -> Element<'_, Message> {
    row![
        text(fl!("call-transfer-asked", target = target)).width(Length::Fill),
        container(
            button(text(fl!("call-transfer-accept")))
                .on_press(Message::AnswerTransfer(call, true))
                .style(button::primary)
        )
        .id("transfer-accept"),
        container(
            button(text(fl!("call-transfer-decline")))
                .on_press(Message::AnswerTransfer(call, false))
                .style(button::secondary)
        )
        .id("transfer-decline"),
    ]
    .spacing(8)
    .align_y(Alignment::Center)
    .into()
}

/// Codec and encryption.
fn media_line<'a>(f: &CallFigures) -> Element<'a, Message> {
    let codec = if f.codec.is_empty() {
        fl!("call-unknown")
    } else {
        f.codec.clone()
    };
    let encryption = match f.encryption {
        Some(e) => fl!("call-encrypted", method = e),
        None => fl!("call-unencrypted"),
    };
    text(fl!("call-media", codec = codec, encryption = encryption))
        .size(13)
        .into()
}

/// Loss, jitter and RTT, and the input and output level meters.
fn quality<'a>(f: &CallFigures) -> Element<'a, Message> {
    let r = &f.report;
    let expected = i64::from(r.received) + i64::from(r.lost.max(0));
    let loss = if expected > 0 {
        100.0 * f64::from(r.lost.max(0)) / expected as f64
    } else {
        0.0
    };
    let rtt = r
        .rtt
        .map(|d| format!("{} ms", d.as_millis()))
        .unwrap_or_else(|| "–".into());
    let figures = fl!(
        "call-quality",
        loss = format!("{loss:.1}"),
        jitter = r.jitter_ms,
        rtt = rtt
    );
    let meter = |label: String, dbfs: f32| {
        row![
            text(label).size(13).width(Length::Fixed(90.0)),
            progress_bar(0.0..=1.0, level(dbfs))
                .girth(8)
                .length(Length::Fixed(200.0)),
        ]
        .spacing(8)
        .align_y(Alignment::Center)
    };
    column![
        text(figures).size(13),
        meter(fl!("call-input-level"), f.input_dbfs),
        meter(fl!("call-output-level"), f.output_dbfs),
    ]
    .spacing(4)
    .into()
}

/// A meter's fill for a level in dBFS: -60 dB and below empty, 0 dB full.
pub fn level(dbfs: f32) -> f32 {
    ((dbfs + 60.0) / 60.0).clamp(0.0, 1.0)
}
