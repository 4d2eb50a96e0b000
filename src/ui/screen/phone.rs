//! The Phone screen: the account picker with its registration state, the number field and
//! keypad, the call button (with the reason when calling is off), Do Not Disturb, and the
//! call history (click an entry to call back).

use std::collections::BTreeMap;

use iced::widget::{button, checkbox, column, container, pick_list, row, scrollable, text, text_input};
use iced::{Alignment, Element, Length};

use crate::account::Document;
use crate::media::prompts::AudioRef;
use crate::phone::controller::{Request, Update};
use crate::phone::delivery::Delivery;
use crate::phone::events::{PhoneEvent, RegistrationState};
use crate::phone::history::{CallRecord, Direction, Outcome};
use crate::ui::i18n::{self, fl};
use crate::ui::widgets::{error, hint};

/// The keys of a phone keypad, in rows.
const KEYPAD: [[char; 3]; 4] = [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['*', '0', '#']];

/// A phone keypad whose keys are `width` wide, each in a container with id `<id>-<key>`.
pub fn keypad<'a, M: Clone + 'a>(id: &str, width: f32, on_press: impl Fn(char) -> M) -> Element<'a, M> {
    let mut pad = column![].spacing(6);
    for keys in KEYPAD {
        let mut r = row![].spacing(6);
        for k in keys {
            r = r.push(
                container(
                    button(text(k.to_string()).size(20).center())
                        .on_press(on_press(k))
                        .width(Length::Fixed(width))
                        .style(button::secondary),
                )
                .id(format!("{id}-{k}")),
            );
        }
        pad = pad.push(r);
    }
    pad.into()
}

#[derive(Clone, Debug)]
pub enum Message {
    Account(String),
    /// The number field was edited.
    Number(String),
    /// Text pasted or dropped in: a number or a sip:/tel: URI.
    Paste(String),
    /// A keypad key (or a typed digit).
    Key(char),
    Backspace,
    Call,
    /// Call back the history entry at this index.
    CallBack(usize),
    /// Play the voicemail message of the history entry at this index.
    PlayVoicemail(usize),
    DoNotDisturb(bool),
}

/// What the app should do after an update.
#[derive(Debug)]
pub enum Action {
    None,
    Send(Request),
}

/// An account's registration, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registration {
    Registering,
    Registered,
    /// Failed, with the reason.
    Failed(String),
    Unregistered,
}

#[derive(Debug, Default)]
pub struct Dialer {
    pub account: Option<String>,
    pub number: String,
    pub registration: BTreeMap<String, Registration>,
    /// Newest first.
    pub history: Vec<CallRecord>,
    pub dnd: bool,
    /// The last failure worth telling (a refused call, an unsaved history).
    pub error: Option<String>,
    /// The last news worth telling that is not a failure (where a recording was saved).
    pub info: Option<String>,
}

/// An account's registration as a short coloured line (also the Accounts list's state).
pub fn registration_state<'a, M: 'a>(state: Option<&Registration>) -> Element<'a, M> {
    match state {
        None | Some(Registration::Registering) => hint(fl!("reg-registering")),
        Some(Registration::Registered) => text(fl!("reg-registered")).style(text::success).into(),
        Some(Registration::Unregistered) => hint(fl!("reg-unregistered")),
        Some(Registration::Failed(reason)) => error(fl!("reg-failed", reason = reason.as_str())),
    }
}

/// The other party as people read it: a From or To header's name-addr without its parameters
/// (`"Bob" <sip:bob@example.org>;tag=9fx` → `"Bob" <sip:bob@example.org>`); anything else as it is.
pub fn party(remote: &str) -> &str {
    match angle_brackets(remote) {
        Some((_, close)) => remote[..=close].trim(),
        None => remote,
    }
}

/// Where a name-addr's `<` and `>` are.
fn angle_brackets(t: &str) -> Option<(usize, usize)> {
    let (open, close) = (t.find('<')?, t.rfind('>')?);
    (open < close).then_some((open, close))
}

/// The number in `pasted`, cleaned of spaces and separators, or a SIP URI as it is (the URI
/// of a name-addr such as a From header); `None` when it is neither.
pub fn dialable(pasted: &str) -> Option<String> {
    let t = pasted.trim();
    // A name-addr (`"Bob" <sip:bob@example.org>;tag=x`, as a From header has it): its URI.
    let t = angle_brackets(t).map_or(t, |(open, close)| t[open + 1..close].trim());
    if t.starts_with("sip:") || t.starts_with("sips:") {
        return (!t.contains(char::is_whitespace)).then(|| t.to_owned());
    }
    let t = t.strip_prefix("tel:").unwrap_or(t);
    let number: String = t.chars().filter(|c| !" -.()\u{a0}".contains(*c)).collect();
    let ok = !number.is_empty()
        && number
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || "*#".contains(c) || (c == '+' && i == 0));
    ok.then_some(number)
}

impl Dialer {
    /// Chooses the first account when none is chosen (or the chosen one is gone).
    pub fn sync(&mut self, doc: &Document) {
        let known = |n: &String| doc.accounts.iter().any(|a| &a.name == n);
        if !self.account.as_ref().is_some_and(known) {
            self.account = doc.accounts.first().map(|a| a.name.clone());
        }
    }

    /// Why the call button is off, if it is.
    pub fn cannot_call(&self, doc: &Document) -> Option<String> {
        let Some(name) = &self.account else {
            return Some(fl!("phone-no-account"));
        };
        match doc.accounts.iter().find(|a| &a.name == name) {
            None => Some(fl!("phone-no-account")),
            Some(a) if !a.outbound.enabled => Some(fl!("phone-outbound-off", name = name.as_str())),
            Some(_) if self.number.trim().is_empty() => Some(fl!("phone-enter-number")),
            Some(_) => None,
        }
    }

    pub fn update(&mut self, message: Message, doc: &Document) -> Action {
        match message {
            Message::Account(name) => self.account = Some(name),
            Message::Number(n) => self.number = n,
            Message::Paste(t) => match dialable(&t) {
                Some(n) => {
                    self.number = n;
                    self.error = None;
                }
                None => self.error = Some(fl!("phone-not-a-number")),
            },
            Message::Key(c) => self.number.push(c),
            Message::Backspace => {
                self.number.pop();
            }
            Message::Call => return self.dial(doc),
            Message::CallBack(i) => {
                let Some(r) = self.history.get(i) else {
                    return Action::None;
                };
                self.number = dialable(&r.remote).unwrap_or_else(|| r.remote.clone());
                if doc.accounts.iter().any(|a| a.name == r.account) {
                    self.account = Some(r.account.clone());
                }
                return self.dial(doc);
            }
            Message::PlayVoicemail(i) => {
                if let Some(path) = self.history.get(i).and_then(|r| r.voicemail.clone()) {
                    return Action::Send(Request::Preview(AudioRef::File(path)));
                }
            }
            Message::DoNotDisturb(on) => {
                self.dnd = on;
                return Action::Send(Request::DoNotDisturb(on));
            }
        }
        Action::None
    }

    fn dial(&mut self, doc: &Document) -> Action {
        if let Some(reason) = self.cannot_call(doc) {
            self.error = Some(reason);
            return Action::None;
        }
        self.error = None;
        Action::Send(Request::Dial {
            account: self.account.clone().unwrap_or_default(),
            target: self.number.trim().to_owned(),
        })
    }

    /// Follows the phone: registrations, refused calls, finished calls.
    pub fn on_update(&mut self, update: &Update) {
        match update {
            Update::Phone(PhoneEvent::Registration { account, state }) => {
                let shown = match state {
                    RegistrationState::Registering => Registration::Registering,
                    RegistrationState::Registered { .. } => Registration::Registered,
                    RegistrationState::Failed { code, reason, .. } => {
                        Registration::Failed(format!("{} ({code})", i18n::text(reason)))
                    }
                    RegistrationState::Unregistered => Registration::Unregistered,
                };
                self.registration.insert(account.clone(), shown);
            }
            Update::AccountFailed { account, error } => {
                self.registration
                    .insert(account.clone(), Registration::Failed(i18n::text(error.text())));
            }
            Update::Dialled { result: Err(e), .. } => {
                self.error = Some(fl!("phone-call-failed", reason = i18n::text(e.text())));
            }
            Update::History(record) => self.history.insert(0, record.clone()),
            Update::Phone(PhoneEvent::Media { report, .. }) => {
                if let Some(path) = &report.recorded {
                    self.info = Some(fl!("phone-recording-saved", path = path.display().to_string()));
                }
                if let Some(e) = &report.recording_error {
                    self.error = Some(fl!("phone-recording-failed", reason = e.as_str()));
                }
            }
            Update::HistoryError(e) => {
                self.error = Some(fl!("phone-history-not-saved", reason = i18n::text(e)))
            }
            Update::Delivery(Delivery::Delivered { method, .. }) => {
                self.info = Some(fl!("phone-recording-delivered", method = method.as_str()));
            }
            Update::Delivery(Delivery::Failed {
                method,
                error,
                retry_in,
                ..
            }) => {
                self.error = Some(fl!(
                    "phone-recording-not-delivered",
                    method = method.as_str(),
                    reason = i18n::text(error),
                    seconds = retry_in.as_secs()
                ));
            }
            Update::Delivery(Delivery::Rejected { method, error, .. }) => {
                self.error = Some(fl!(
                    "phone-recording-rejected",
                    method = method.as_str(),
                    reason = i18n::text(error)
                ));
            }
            Update::DeliveryError(e) => self.error = Some(i18n::text(e)),
            _ => {}
        }
    }

    pub fn view<'a>(&'a self, doc: &'a Document) -> Element<'a, Message> {
        let names: Vec<String> = doc.accounts.iter().map(|a| a.name.clone()).collect();
        let picker = container(pick_list(names, self.account.clone(), Message::Account)).id("account");
        let state = self.account.as_ref().map(|name| self.state_line(name));
        let number = text_input(&fl!("phone-number-placeholder"), &self.number)
            .id("number")
            .on_input(Message::Number)
            .on_paste(Message::Paste)
            .on_submit(Message::Call)
            .padding(8)
            .size(22);
        let keypad = keypad("key", 64.0, Message::Key);
        let reason = self.cannot_call(doc);
        let call = container(
            button(text(fl!("phone-call")).size(18))
                .on_press_maybe(reason.is_none().then_some(Message::Call))
                .padding([8, 24])
                .style(button::success),
        )
        .id("call");
        let mut left = column![
            row![text(fl!("phone-account")), picker]
                .spacing(10)
                .align_y(Alignment::Center),
        ]
        .spacing(12)
        .width(Length::Fixed(320.0));
        if let Some(state) = state {
            left = left.push(state);
        }
        left = left.push(
            row![
                number,
                button(text("⌫")).on_press(Message::Backspace).style(button::text)
            ]
            .align_y(Alignment::Center),
        );
        left = left.push(keypad).push(call);
        if let Some(reason) = reason {
            left = left.push(hint(reason));
        }
        if let Some(e) = &self.error {
            left = left.push(error(e.clone()));
        }
        if let Some(i) = &self.info {
            left = left.push(container(hint(i.clone())).id("phone-info"));
        }
        left = left.push(
            container(
                checkbox(self.dnd)
                    .label(fl!("phone-dnd"))
                    .on_toggle(Message::DoNotDisturb),
            )
            .id("dnd"),
        );
        row![left, self.history_view()].spacing(30).padding(20).into()
    }

    fn state_line<'a>(&self, name: &str) -> Element<'a, Message> {
        registration_state(self.registration.get(name))
    }

    fn history_view(&self) -> Element<'_, Message> {
        let mut col = column![text(fl!("history-title")).size(20)].spacing(6);
        if self.history.is_empty() {
            col = col.push(hint(fl!("history-empty")));
        }
        for (i, r) in self.history.iter().enumerate() {
            let kind = match (r.direction, r.outcome) {
                (_, Outcome::Missed) => fl!("history-missed"),
                (_, Outcome::Declined) => fl!("history-declined"),
                (_, Outcome::Failed) => fl!("history-failed"),
                (_, Outcome::Voicemail) => fl!("history-voicemail"),
                (Direction::Incoming, Outcome::Answered) => fl!("history-in"),
                (Direction::Outgoing, Outcome::Answered) => fl!("history-out"),
            };
            let mut detail = r.account.clone();
            if !r.called.is_empty() {
                detail = fl!(
                    "history-called",
                    called = r.called.as_str(),
                    account = r.account.as_str()
                );
            }
            if matches!(r.outcome, Outcome::Answered | Outcome::Voicemail) {
                detail = format!("{detail} · {}", duration(r.duration_secs));
            }
            let entry = button(
                column![
                    row![
                        text(kind).size(13).width(Length::Fixed(90.0)),
                        text(party(&r.remote))
                    ]
                    .spacing(8),
                    text(detail).size(12).style(text::secondary),
                ]
                .spacing(2),
            )
            .on_press(Message::CallBack(i))
            .width(Length::Fill)
            .style(button::text);
            let entry = container(entry).id(format!("history-{i}"));
            col = col.push(match r.voicemail {
                Some(_) => Element::from(
                    row![
                        entry,
                        container(
                            button(text(fl!("history-play-voicemail")).size(13))
                                .on_press(Message::PlayVoicemail(i))
                                .style(button::secondary)
                        )
                        .id(format!("voicemail-{i}")),
                    ]
                    .spacing(8)
                    .align_y(Alignment::Center),
                ),
                None => entry.into(),
            });
        }
        scrollable(col).height(Length::Fill).into()
    }
}

/// `m:ss`, or `h:mm:ss` from an hour.
pub fn duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}
