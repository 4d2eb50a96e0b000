//! The app's phone half: the bridge's events, the Phone and call screens' actions, the
//! keyboard, and the requests queued for the phone's controller.

use std::time::Duration;

use iced::Task;

use super::{App, Message, Screen};
use crate::phone::catalogue::AccountPrompts;
use crate::phone::controller::{Request, Update};
use crate::phone::events::{CallHandle, PhoneEvent};
use crate::phone::history::{Direction, Outcome};
use crate::ui::i18n::fl;
use crate::ui::keys::PhoneKey;
use crate::ui::link::{self, Event};
use crate::ui::screen::call::{self, Stage};
use crate::ui::screen::phone;

/// Work the phone half asks of the runtime after an update.
#[derive(Debug)]
pub enum Effect {
    /// Read the clipboard for a Ctrl+V outside the number field.
    ReadClipboard,
    /// Read these accounts' passwords from the keyring, then register them.
    Register(Vec<String>),
    /// Read the delivery methods' secrets from the keyring, then give them to the phone.
    DeliveryMethods,
    /// Show the desktop notification for a call ringing here (the text is its body).
    Notify(CallHandle, String),
    /// Take the notification of a call that no longer rings off the screen.
    Withdraw(CallHandle),
    /// Show the notification of a missed call (its body; the caller to call back).
    Missed(String, String),
    /// Close the window after this long, unless the phone stops sooner.
    QuitAfter(Duration),
    Quit,
}

/// How long a closing window waits for the phone to unregister and end its calls.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(3);

impl App {
    /// Applies a phone message; a call that stops ringing takes its notification with it.
    pub(super) fn phone_step(&mut self, message: Message) {
        let ringing: Vec<CallHandle> = self.calls.ringing_calls().collect();
        self.phone_apply(message);
        for call in ringing {
            if !self.calls.ringing_calls().any(|c| c == call) {
                self.effects.push(Effect::Withdraw(call));
            }
        }
    }

    fn phone_apply(&mut self, message: Message) {
        match message {
            Message::ShowPhone if self.manager.is_some() => {
                self.notice = None;
                self.screen = Screen::Phone;
            }
            // Enter in the number field while a call rings here answers it, as Enter does elsewhere.
            Message::Phone(phone::Message::Call) if self.calls.ringing().is_some() => {
                self.key(PhoneKey::Enter);
            }
            Message::Phone(m) => {
                if let phone::Action::Send(request) = self.dialer.update(m, &self.doc) {
                    self.send(request);
                }
            }
            Message::Call(m) => {
                if let call::Action::Send(requests) = self.calls.update(m) {
                    self.outbox.extend(requests);
                }
            }
            Message::Link(Event::Ready {
                controller,
                history,
                error,
            }) => {
                self.controller = Some(controller);
                self.dialer.history = history;
                if let Some(e) = error {
                    self.dialer.error = Some(fl!("phone-history-unreadable", reason = e));
                }
                self.outbox
                    .insert(0, Request::Devices(Some(self.prefs.audio.choice())));
                self.registered.clear();
                self.register_new();
                self.effects.push(Effect::DeliveryMethods);
            }
            Message::Link(Event::Update(update)) => self.phone_update(&update),
            Message::Registering(accounts) => {
                let audio_dir = self
                    .manager
                    .as_ref()
                    .map(|m| m.paths().audio_dir())
                    .unwrap_or_default();
                for (account, password) in accounts {
                    self.outbox.push(Request::Prompts {
                        account: account.name.clone(),
                        prompts: AccountPrompts::of(&account, &self.doc.workspace, &audio_dir),
                    });
                    self.outbox.push(Request::AddAccount { account, password });
                }
            }
            Message::DeliveryMethods(methods) => self.outbox.push(Request::DeliveryMethods(methods)),
            Message::Key(key) => self.key(key),
            Message::CloseRequested if !self.closing => {
                self.save_prefs_now();
                if self.controller.is_some() {
                    self.closing = true;
                    self.outbox.push(Request::Shutdown);
                    self.effects.push(Effect::QuitAfter(SHUTDOWN_WAIT));
                } else {
                    self.effects.push(Effect::Quit);
                }
            }
            Message::CloseRequested | Message::Exit => self.effects.push(Effect::Quit),
            Message::Pasted(Some(text)) if self.dialing() => {
                let _ = self.dialer.update(phone::Message::Paste(text), &self.doc);
            }
            _ => {}
        }
    }

    fn phone_update(&mut self, update: &Update) {
        match &mut self.screen {
            Screen::Audio(screen) => screen.on_update(update),
            Screen::Workspace(screen) if matches!(update, Update::SoundFinished) => screen.playing = None,
            _ => {}
        }
        self.dialer.on_update(update);
        self.calls.on_update(update, self.dialer.dnd);
        match update {
            Update::Dialled { result: Ok(_), .. } => self.screen = Screen::Phone,
            Update::Phone(PhoneEvent::Incoming {
                account,
                call,
                from,
                called,
                replaces: None,
            }) if !self.dialer.dnd => {
                let body = crate::ui::notify::body(from, called, account);
                self.effects.push(Effect::Notify(*call, body));
            }
            Update::History(record)
                if record.direction == Direction::Incoming
                    && matches!(record.outcome, Outcome::Missed | Outcome::Voicemail)
                    && !self.dialer.dnd =>
            {
                let body = crate::ui::notify::missed_body(record);
                self.effects.push(Effect::Missed(body, record.remote.clone()));
            }
            Update::Stopped if self.closing => self.effects.push(Effect::Quit),
            Update::Stopped => {
                self.controller = None;
                self.dialer.error = Some(fl!("phone-stopped"));
            }
            _ => {}
        }
    }

    /// Queues a request of the Phone screen (a new call puts the current one on hold).
    fn send(&mut self, request: Request) {
        if matches!(request, Request::Dial { .. }) {
            let hold = self.calls.before_dial();
            self.outbox.extend(hold);
        }
        self.outbox.push(request);
    }

    /// Whether the Phone screen shows the dialer (no call on screen).
    fn dialing(&self) -> bool {
        matches!(self.screen, Screen::Phone) && self.calls.shown().is_none()
    }

    /// A key no widget took: a ringing call is answered or declined from any screen; the
    /// call on screen and the dialer only take keys on the Phone screen.
    fn key(&mut self, key: PhoneKey) {
        let ringing = self.calls.ringing().map(|l| l.call);
        let shown = self.calls.shown().map(|l| (l.call, l.stage));
        let message = match (key, ringing, shown) {
            (PhoneKey::Enter, Some(call), _) => Message::Call(call::Message::Answer(call)),
            (PhoneKey::Escape, Some(call), _) => Message::Call(call::Message::Decline(call)),
            // Elsewhere (the editor, the accounts) keys never touch a call in progress.
            _ if !matches!(self.screen, Screen::Phone) => return,
            (PhoneKey::Escape, None, Some((call, _))) => Message::Call(call::Message::Hangup(call)),
            (PhoneKey::Digit(d), _, Some((call, Stage::Talking))) => {
                Message::Call(call::Message::Dtmf(call, d))
            }
            _ if !self.dialing() => return,
            (PhoneKey::Digit(d), _, _) => Message::Phone(phone::Message::Key(d)),
            (PhoneKey::Backspace, _, _) => Message::Phone(phone::Message::Backspace),
            (PhoneKey::Enter, _, _) => Message::Phone(phone::Message::Call),
            (PhoneKey::Paste, _, _) => {
                self.effects.push(Effect::ReadClipboard);
                return;
            }
            (PhoneKey::Escape, _, _) => return,
        };
        self.phone_apply(message);
    }

    /// The profile's accounts changed: new and edited ones (re-)register, deleted ones
    /// unregister, the picker stays valid.
    pub(super) fn accounts_changed(&mut self) {
        self.dialer.sync(&self.doc);
        if self.controller.is_some() {
            self.register_new();
        }
    }

    fn register_new(&mut self) {
        let gone: Vec<String> = self
            .registered
            .keys()
            .filter(|n| !self.doc.accounts.iter().any(|a| &a.name == *n))
            .cloned()
            .collect();
        for name in gone {
            self.registered.remove(&name);
            self.dialer.registration.remove(&name);
            self.outbox.push(Request::RemoveAccount(name));
        }
        let changed: Vec<String> = self
            .doc
            .accounts
            .iter()
            .filter(|a| self.registered.get(&a.name) != Some(*a))
            .map(|a| a.name.clone())
            .collect();
        for name in &changed {
            if let Some(a) = self.doc.accounts.iter().find(|a| &a.name == name) {
                self.registered.insert(name.clone(), a.clone());
            }
        }
        if !changed.is_empty() {
            self.effects.push(Effect::Register(changed));
        }
    }

    /// Sends the queued requests once the phone runs, and starts the pending effect.
    pub(super) fn phone_tasks(&mut self) -> Task<Message> {
        if let Some(controller) = &self.controller {
            for request in self.outbox.drain(..) {
                controller.send(request);
            }
        }
        let effects = std::mem::take(&mut self.effects);
        Task::batch(effects.into_iter().map(|effect| self.effect_task(effect)))
    }

    fn effect_task(&self, effect: Effect) -> Task<Message> {
        match (effect, &self.manager) {
            (Effect::ReadClipboard, _) => iced::clipboard::read().map(Message::Pasted),
            (Effect::QuitAfter(wait), _) => Task::perform(tokio::time::sleep(wait), |()| Message::Exit),
            (Effect::Quit, _) => iced::exit(),
            (Effect::Notify(call, body), _) => Task::perform(
                crate::ui::notify::incoming_call(call, body),
                std::convert::identity,
            )
            .and_then(|chosen| Task::done(Message::Call(chosen))),
            (Effect::Missed(body, caller), _) => Task::perform(
                crate::ui::notify::missed_call(body, caller),
                std::convert::identity,
            )
            .and_then(|caller| Task::done(Message::Launched(crate::ui::instance::Request::Dial(caller)))),
            (Effect::Withdraw(call), _) => {
                crate::ui::notify::withdraw(call);
                Task::none()
            }
            (Effect::Register(names), Some(manager)) => {
                let manager = manager.clone();
                Task::perform(
                    async move {
                        tokio::task::spawn_blocking(move || link::with_passwords(&manager, &names))
                            .await
                            .unwrap_or_default()
                    },
                    |accounts| {
                        Message::Registering(accounts.into_iter().map(|(a, p)| (Box::new(a), p)).collect())
                    },
                )
            }
            (Effect::DeliveryMethods, Some(manager)) => {
                let manager = manager.clone();
                Task::perform(
                    async move {
                        tokio::task::spawn_blocking(move || link::delivery_methods(&manager))
                            .await
                            .unwrap_or_default()
                    },
                    Message::DeliveryMethods,
                )
            }
            _ => Task::none(),
        }
    }
}
