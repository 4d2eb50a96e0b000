//! The application: its screens, top-level messages, and the jobs it hands to the account core.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use iced::widget::{button, column, container, pick_list, row, text};
use iced::{Alignment, Element, Length, Subscription, Task, Theme};

use super::autostart::Autostart;
use super::i18n::{self, fl};
use super::jobs::{Done, Job, Outcome};
use super::keys::{self, PhoneKey};
use super::link;
use super::prefs::{Prefs, WindowPrefs};
use super::screen::accounts::{self, Accounts};
use super::screen::audio::{self, Audio};
use super::screen::call::{self, Calls};
use super::screen::diagnostics::{self, Diagnostics};
use super::screen::editor::{self, Editor};
use super::screen::incoming;
use super::screen::phone::{self, Dialer};
use super::screen::welcome::{self, Welcome};
use super::screen::workspace::{self, Workspace};
use super::theme::ThemeChoice;
use crate::account::workspace::DeliveryMethod;
use crate::account::{AccountManager, Document, ItemKind, ProfilePaths, Secret, SipAccount};
use crate::media::prompts::AudioRef;
use crate::phone::controller::{Controller, Request};

/// What the window shows.
#[derive(Debug)]
pub enum Screen {
    /// The profile is being opened (or could not be: the reason is in the notice).
    Loading,
    /// The first-run wizard, while the profile has no accounts.
    Welcome(Welcome),
    Accounts(Accounts),
    /// The Settings pane's workspace catalogues.
    Workspace(Box<Workspace>),
    /// The Settings pane's sound devices.
    Audio(Audio),
    /// The Settings pane's logs, SIP messages and diagnostics report.
    Diagnostics(Diagnostics),
    Editor(Box<Editor>),
    /// The dialer and history, or the call screen while a call is on.
    Phone,
}

/// A language of the language picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Language(pub &'static str, pub &'static str);

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }
}

/// An opened profile: its manager, its contents and the window's preferences.
#[derive(Clone, Debug)]
pub struct Opened {
    pub manager: AccountManager,
    pub doc: Document,
    pub prefs: Prefs,
}

impl Opened {
    /// Opens the profile at `paths` (blocking: keyring probe and file reads).
    pub fn open(paths: ProfilePaths) -> Result<Opened, String> {
        let manager = AccountManager::open(paths).map_err(|e| i18n::error(&e))?;
        Opened::with(manager)
    }

    /// Reads the contents and preferences of an opened profile.
    pub fn with(manager: AccountManager) -> Result<Opened, String> {
        let doc = manager.load().map_err(|e| i18n::error(&e))?;
        let prefs = Prefs::load(manager.paths());
        Ok(Opened { manager, doc, prefs })
    }
}

#[derive(Clone, Debug)]
pub enum Message {
    Opened(Result<Box<Opened>, String>),
    Welcome(welcome::Message),
    Accounts(accounts::Message),
    Editor(editor::Message),
    Workspace(workspace::Message),
    Audio(audio::Message),
    Diagnostics(diagnostics::Message),
    /// The header's navigation.
    ShowAccounts,
    ShowWorkspace,
    ShowAudio,
    ShowDiagnostics,
    ShowPhone,
    Phone(phone::Message),
    Call(call::Message),
    /// The bridge to the phone.
    Link(link::Event),
    Key(PhoneKey),
    /// The clipboard's text, for a paste outside the number field.
    Pasted(Option<String>),
    /// Accounts with their passwords from the keyring, to register.
    Registering(Vec<(Box<SipAccount>, Secret)>),
    /// The workspace's delivery methods with their secrets from the keyring, for the phone.
    DeliveryMethods(Vec<(DeliveryMethod, Option<Secret>)>),
    /// Redraws the call timer.
    Tick,
    /// The window's close button: the phone unregisters and ends its calls first.
    CloseRequested,
    /// Close now (the phone has stopped, or took too long).
    Exit,
    Done(Box<Outcome>),
    /// Start-up measurement (`HANDSET_STARTUP_PROBE`).
    Probe(super::probe::Step),
    Theme(ThemeChoice),
    Language(Language),
    DismissNotice,
    /// The window was moved or resized (kept for the next start).
    Window(iced::window::Event),
    /// Another launch of Handset on this profile (a `sip:`/`tel:` link, the menu entry).
    Launched(crate::ui::instance::Request),
    /// The header's "Start at login" switch.
    Autostart(bool),
}

#[derive(Debug)]
pub struct App {
    manager: Option<AccountManager>,
    pub doc: Document,
    pub screen: Screen,
    pub theme: ThemeChoice,
    /// The last result worth telling: `Ok` for done, `Err` for failed.
    pub notice: Option<Result<String, String>>,
    prefs: Prefs,
    /// A file dialog to open on the next `update`.
    dialog: Option<accounts::FileChoice>,
    pub dialer: Dialer,
    /// The profile's autostart entry and whether it is there (`None`: no XDG autostart).
    pub autostart: Option<(Autostart, bool)>,
    pub calls: Calls,
    /// The phone's handle, once the bridge has started it.
    controller: Option<Controller>,
    /// Requests for the phone, sent by `update` once it runs (tests read them here).
    pub outbox: Vec<Request>,
    /// Accounts handed to the phone.
    registered: BTreeMap<String, SipAccount>,
    effects: Vec<phone_glue::Effect>,
    /// The window closes once the phone has stopped.
    closing: bool,
}

impl App {
    /// Starts opening the profile off the UI thread.
    pub fn boot(paths: ProfilePaths) -> (App, Task<Message>) {
        let open = Task::perform(
            async move {
                tokio::task::spawn_blocking(move || Opened::open(paths).map(Box::new))
                    .await
                    .map_err(|e| e.to_string())?
            },
            Message::Opened,
        );
        let app = App {
            manager: None,
            doc: Document::default(),
            screen: Screen::Loading,
            theme: ThemeChoice::default(),
            notice: None,
            dialog: None,
            prefs: Prefs::default(),
            dialer: Dialer::default(),
            autostart: None,
            calls: Calls::default(),
            controller: None,
            outbox: Vec::new(),
            registered: BTreeMap::new(),
            effects: Vec::new(),
            closing: false,
        };
        (app, open)
    }

    /// An app on an opened profile.
    pub fn with_manager(manager: AccountManager) -> App {
        let (mut app, _) = App::boot(manager.paths().clone());
        let _ = app.step(Message::Opened(Opened::with(manager).map(Box::new)));
        app
    }

    pub fn manager(&self) -> Option<&AccountManager> {
        self.manager.as_ref()
    }

    pub fn title(&self) -> String {
        match &self.screen {
            Screen::Editor(e) if !e.is_new() => format!("{} — {}", e.draft.name, fl!("app-name")),
            _ => fl!("app-name"),
        }
    }

    pub fn theme(&self) -> Option<Theme> {
        self.theme.theme()
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        if let Message::Probe(step) = message {
            return super::probe::on(step);
        }
        if matches!(message, Message::Launched(_)) {
            self.step(message);
            return iced::window::latest().and_then(iced::window::gain_focus);
        }
        let job = self.step(message);
        let phone = self.phone_tasks();
        if let Some(choice) = self.dialog.take() {
            let dialog = Task::perform(choose_file(choice), move |path| {
                Message::Accounts(accounts::Message::Chosen(choice, path))
            });
            return Task::batch([phone, dialog]);
        }
        match (job, &self.manager) {
            (Some(job), Some(manager)) => Task::batch([
                phone,
                job.spawn(manager.clone()).map(|o| Message::Done(Box::new(o))),
            ]),
            _ => phone,
        }
    }

    /// The bridge to the phone (once the profile is open), the keyboard, the close button and
    /// the call timer.
    pub fn subscription(&self) -> Subscription<Message> {
        let mut subscriptions = vec![
            keys::listen().map(Message::Key),
            iced::window::close_requests().map(|_| Message::CloseRequested),
            iced::event::listen_with(placement),
            super::probe::subscription().map(Message::Probe),
            link::launches().map(Message::Launched),
        ];
        if let Some(manager) = &self.manager {
            subscriptions.push(link::connect(manager.paths().data_dir.clone()).map(Message::Link));
        }
        if !self.calls.lines.is_empty() {
            subscriptions.push(iced::time::every(Duration::from_secs(1)).map(|_| Message::Tick));
        }
        Subscription::batch(subscriptions)
    }

    /// Another launch asked for the window, maybe with a number to call: it goes into the
    /// dialer, shown unless an account is being edited or the first-run wizard is open.
    pub fn launched(&mut self, request: crate::ui::instance::Request) {
        let crate::ui::instance::Request::Dial(target) = request else {
            return;
        };
        let Some(number) = phone::dialable(&target) else {
            return;
        };
        tracing::debug!(%number, "asked to call (a later launch, or Call back on a missed call)");
        self.dialer.number = number;
        if matches!(
            self.screen,
            Screen::Accounts(_) | Screen::Workspace(_) | Screen::Audio(_) | Screen::Diagnostics(_)
        ) {
            self.screen = Screen::Phone;
        }
    }

    /// Applies a message; returns the job to run for it, if any.
    pub fn step(&mut self, message: Message) -> Option<Job> {
        let metering = matches!(&self.screen, Screen::Audio(a) if a.mic_test);
        let job = self.apply(message);
        if metering && !matches!(&self.screen, Screen::Audio(_)) {
            self.outbox.push(Request::MicTest(false));
        }
        job
    }

    fn apply(&mut self, message: Message) -> Option<Job> {
        match message {
            Message::Opened(Ok(opened)) => {
                let Opened { manager, doc, prefs } = *opened;
                if let Some(code) = &prefs.language
                    && std::env::var_os("HANDSET_LANG").is_none()
                {
                    i18n::set_language(code);
                }
                self.theme = prefs.theme;
                self.prefs = prefs;
                self.autostart = std::env::current_exe()
                    .ok()
                    .and_then(|exe| Autostart::new(manager.paths(), &doc.profile_id, &exe))
                    .map(|entry| {
                        let on = entry.is_on();
                        (entry, on)
                    });
                self.manager = Some(manager);
                self.screen = if doc.accounts.is_empty() {
                    Screen::Welcome(Welcome::default())
                } else {
                    Screen::Phone
                };
                self.doc = doc;
                self.accounts_changed();
                None
            }
            Message::Opened(Err(reason)) => {
                self.notice = Some(Err(fl!("open-failed", reason = reason)));
                None
            }
            Message::Welcome(m) => {
                let Screen::Welcome(screen) = &mut self.screen else {
                    return None;
                };
                match screen.update(m, &self.doc) {
                    welcome::Action::None => None,
                    welcome::Action::Run(job) => Some(job),
                    welcome::Action::CreateAccount => {
                        self.screen = Screen::Editor(Box::new(Editor::create(&self.doc)));
                        None
                    }
                    welcome::Action::Finish => {
                        self.screen = Screen::Accounts(Accounts::default());
                        None
                    }
                }
            }
            Message::Workspace(m) => match &mut self.screen {
                Screen::Workspace(screen) => {
                    match &m {
                        workspace::Message::Preview(kind, name) => {
                            if let Some(prompt) = prompt(&self.doc, self.manager.as_ref(), *kind, name) {
                                screen.playing = Some(name.clone());
                                self.outbox.push(Request::Preview(prompt));
                            }
                        }
                        workspace::Message::StopPreview => {
                            screen.playing = None;
                            self.outbox.push(Request::StopSound);
                        }
                        _ => {}
                    }
                    screen.update(m)
                }
                _ => None,
            },
            Message::ShowAccounts if self.manager.is_some() => {
                self.screen = Screen::Accounts(Accounts::default());
                None
            }
            Message::ShowWorkspace if self.manager.is_some() => {
                self.notice = None;
                self.screen = Screen::Workspace(Box::default());
                None
            }
            Message::ShowDiagnostics => {
                self.notice = None;
                self.screen = Screen::Diagnostics(Diagnostics::open());
                None
            }
            Message::Diagnostics(m) => {
                let Screen::Diagnostics(screen) = &mut self.screen else {
                    return None;
                };
                let paths = self.manager.as_ref().map(AccountManager::paths);
                match screen.update(m, paths, &self.doc, &self.dialer.registration) {
                    diagnostics::Action::None => None,
                    diagnostics::Action::Copy(report) => Some(Job::CopyReport(report)),
                }
            }
            Message::ShowAudio if self.manager.is_some() => {
                self.notice = None;
                self.screen = Screen::Audio(Audio::default());
                self.outbox.push(Request::ListDevices);
                None
            }
            Message::Audio(m) => {
                let Screen::Audio(screen) = &mut self.screen else {
                    return None;
                };
                match screen.update(m, &mut self.prefs.audio) {
                    audio::Action::None => None,
                    audio::Action::Send(request) => {
                        self.outbox.push(request);
                        None
                    }
                    audio::Action::Changed => {
                        self.outbox
                            .push(Request::Devices(Some(self.prefs.audio.choice())));
                        Some(Job::SavePrefs(self.prefs.clone()))
                    }
                }
            }
            Message::ShowAccounts | Message::ShowWorkspace | Message::ShowAudio => None,
            Message::Launched(request) => {
                self.launched(request);
                None
            }
            Message::ShowPhone
            | Message::Phone(_)
            | Message::Call(_)
            | Message::Link(_)
            | Message::Key(_)
            | Message::Pasted(_)
            | Message::Registering(_)
            | Message::DeliveryMethods(_)
            | Message::Tick
            | Message::CloseRequested
            | Message::Probe(_)
            | Message::Exit => {
                self.phone_step(message);
                None
            }
            Message::Accounts(m) => {
                let Screen::Accounts(screen) = &mut self.screen else {
                    return None;
                };
                match screen.update(m) {
                    accounts::Action::None => None,
                    accounts::Action::Create => {
                        self.notice = None;
                        self.screen = Screen::Editor(Box::new(Editor::create(&self.doc)));
                        None
                    }
                    accounts::Action::Edit(name) => {
                        let account = self.doc.accounts.iter().find(|a| a.name == name)?.clone();
                        let (editor, job) = Editor::edit(account, &self.doc);
                        self.notice = None;
                        self.screen = Screen::Editor(Box::new(editor));
                        Some(job)
                    }
                    accounts::Action::Run(job) => Some(job),
                    accounts::Action::ChooseFile(choice) => {
                        self.dialog = Some(choice);
                        None
                    }
                }
            }
            Message::Editor(m) => {
                let Screen::Editor(editor) = &mut self.screen else {
                    return None;
                };
                match editor.update(m, &self.doc) {
                    editor::Action::None => None,
                    editor::Action::Run(job) => Some(job),
                    editor::Action::Close => {
                        self.screen = Screen::Accounts(Accounts::default());
                        None
                    }
                }
            }
            Message::Done(outcome) => {
                self.finished(*outcome);
                None
            }
            Message::Theme(choice) => {
                self.theme = choice;
                self.prefs.theme = choice;
                Some(Job::SavePrefs(self.prefs.clone()))
            }
            Message::Language(Language(code, _)) => {
                i18n::set_language(code);
                self.prefs.language = Some(code.to_owned());
                Some(Job::SavePrefs(self.prefs.clone()))
            }
            Message::Autostart(on) => self
                .autostart
                .as_ref()
                .map(|(entry, _)| Job::Autostart(entry.clone(), on)),
            Message::DismissNotice => {
                self.notice = None;
                None
            }
            Message::Window(event) => {
                self.placed(&event);
                None
            }
        }
    }

    /// Follows the window's size and position (the last one is stored when it closes).
    fn placed(&mut self, event: &iced::window::Event) {
        use iced::window::Event as W;
        let w = self.prefs.window.get_or_insert(WindowPrefs {
            width: 1000.0,
            height: 780.0,
            x: None,
            y: None,
        });
        match event {
            W::Opened { position, size } => {
                (w.width, w.height) = (size.width, size.height);
                (w.x, w.y) = (position.map(|p| p.x), position.map(|p| p.y));
            }
            W::Resized(size) => (w.width, w.height) = (size.width, size.height),
            W::Moved(p) => (w.x, w.y) = (Some(p.x), Some(p.y)),
            _ => {}
        }
    }

    /// Stores the preferences now (the window is closing: no job would finish).
    pub(super) fn save_prefs_now(&mut self) {
        if let Some(manager) = &self.manager
            && let Err(e) = self.prefs.save(manager.paths())
        {
            tracing::warn!(error = %e, "preferences not saved");
        }
    }

    fn finished(&mut self, outcome: Outcome) {
        // A saved account registers again, even when only its password changed.
        if let Done::Saved(Ok(account)) = &outcome.done {
            self.registered.remove(&account.name);
        }
        match outcome.doc {
            Some(Ok(doc)) => {
                self.doc = doc;
                self.accounts_changed();
            }
            Some(Err(e)) => self.notice = Some(Err(i18n::error(&e))),
            None => {}
        }
        match outcome.done {
            Done::Loaded => {}
            Done::Saved(result) => {
                if let Screen::Editor(editor) = &mut self.screen {
                    editor.saved(&result);
                }
                if let Ok(account) = result {
                    self.notice = Some(Ok(fl!("notice-saved", name = account.name)));
                    self.screen = Screen::Accounts(Accounts::default());
                }
            }
            Done::Deleted(result) => {
                self.notice = Some(match result {
                    Ok(name) => Ok(fl!("notice-deleted", name = name)),
                    Err(e) => Err(i18n::error(&e)),
                });
            }
            Done::Credentials(result) => {
                if let Screen::Editor(editor) = &mut self.screen {
                    editor.credentials_loaded(result);
                }
            }
            Done::ReportCopied(Ok(())) => self.notice = Some(Ok(fl!("diag-copied"))),
            Done::ReportCopied(Err(reason)) => self.notice = Some(Err(reason)),
            Done::Copied(result) => {
                if let Screen::Editor(editor) = &mut self.screen {
                    editor.copied(result);
                }
            }
            Done::Exported(result) => {
                self.notice = Some(match result {
                    Ok((path, count)) => Ok(fl!(
                        "notice-exported",
                        count = count,
                        path = path.display().to_string()
                    )),
                    Err(reason) => Err(fl!("export-failed", reason = reason)),
                });
            }
            Done::Imported(result) => {
                match &mut self.screen {
                    Screen::Accounts(screen) => screen.imported(&result),
                    Screen::Welcome(screen) => {
                        screen.imported(&result);
                        if result.is_ok() {
                            self.screen = Screen::Accounts(Accounts::default());
                        }
                    }
                    _ => {}
                }
                self.notice = match result {
                    Ok(r) => Some(Ok(fl!(
                        "notice-imported",
                        created = r.created.len(),
                        updated = r.updated.len()
                    ))),
                    Err(crate::account::Error::Csv(_)) => None,
                    Err(e) => Some(Err(i18n::error(&e))),
                };
            }
            Done::Workspace(result) => {
                if result.is_ok() {
                    // A delivery method may have changed: the phone gets them again.
                    self.effects.push(phone_glue::Effect::DeliveryMethods);
                }
                match &mut self.screen {
                    Screen::Workspace(screen) => screen.changed(&result),
                    Screen::Welcome(screen) => screen.changed(&result),
                    Screen::Editor(editor) => editor.uploaded(&result),
                    _ => {}
                }
            }
            Done::PrefsSaved(Err(reason)) => self.notice = Some(Err(fl!("prefs-not-saved", reason = reason))),
            Done::PrefsSaved(Ok(())) => {}
            Done::Autostart(Ok(on)) => {
                if let Some((_, state)) = &mut self.autostart {
                    *state = on;
                }
            }
            Done::Autostart(Err(reason)) => {
                self.notice = Some(Err(fl!("autostart-failed", reason = reason)));
            }
            Done::Failed(reason) => self.notice = Some(Err(reason)),
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let languages: Vec<Language> = i18n::LANGUAGES.iter().map(|&(c, n)| Language(c, n)).collect();
        let current = i18n::current();
        let language = languages.iter().find(|l| l.0 == current).cloned();
        let header = row![
            text(fl!("app-name")).size(22),
            button(text(fl!("nav-phone")))
                .on_press(Message::ShowPhone)
                .style(button::text),
            button(text(fl!("nav-accounts")))
                .on_press(Message::ShowAccounts)
                .style(button::text),
            button(text(fl!("nav-workspace")))
                .on_press(Message::ShowWorkspace)
                .style(button::text),
            container(
                button(text(fl!("nav-audio")))
                    .on_press(Message::ShowAudio)
                    .style(button::text)
            )
            .id("nav-audio"),
            container(
                button(text(fl!("nav-diagnostics")))
                    .on_press(Message::ShowDiagnostics)
                    .style(button::text)
            )
            .id("nav-diagnostics"),
            iced::widget::space().width(Length::Fill),
            self.autostart.as_ref().map(|(_, on)| {
                container(
                    iced::widget::checkbox(*on)
                        .label(fl!("autostart"))
                        .on_toggle(Message::Autostart)
                        .text_size(14),
                )
                .id("autostart")
            }),
            text(fl!("theme")).size(14),
            container(pick_list(ThemeChoice::ALL, Some(self.theme), Message::Theme)).id("theme"),
            text(fl!("language")).size(14),
            container(pick_list(languages, language, Message::Language)).id("language"),
        ]
        .spacing(10)
        .padding(10)
        .align_y(Alignment::Center);
        let mut page = column![header].spacing(0);
        if let Some(notice) = &self.notice {
            let (message, style): (&str, fn(&Theme) -> container::Style) = match notice {
                Ok(m) => (m, container::success),
                Err(m) => (m, container::danger),
            };
            page = page.push(
                container(
                    row![
                        text(message).width(Length::Fill),
                        button(text(fl!("dismiss")).size(14))
                            .on_press(Message::DismissNotice)
                            .style(button::text),
                    ]
                    .align_y(Alignment::Center),
                )
                .padding(10)
                .width(Length::Fill)
                .style(style),
            );
        }
        let body: Element<'_, Message> = match &self.screen {
            Screen::Loading => container(text(fl!("loading"))).padding(20).into(),
            Screen::Welcome(screen) => screen.view(&self.doc).map(Message::Welcome),
            Screen::Accounts(screen) => screen
                .view(&self.doc, &self.dialer.registration)
                .map(Message::Accounts),
            Screen::Workspace(screen) => screen.view(&self.doc).map(Message::Workspace),
            Screen::Audio(screen) => screen.view(&self.prefs.audio).map(Message::Audio),
            Screen::Diagnostics(screen) => screen.view().map(Message::Diagnostics),
            Screen::Editor(editor) => editor.view(&self.doc).map(Message::Editor),
            Screen::Phone if self.calls.shown().is_some() => self.calls.view(&self.doc).map(Message::Call),
            Screen::Phone => self.dialer.view(&self.doc).map(Message::Phone),
        };
        let page = page.push(body).into();
        match self.calls.ringing() {
            Some(line) => incoming::modal(page, line, Message::Call),
            None => page,
        }
    }
}

/// Where the announcement or greeting `name` is: shipped with Handset or uploaded.
fn prompt(doc: &Document, manager: Option<&AccountManager>, kind: ItemKind, name: &str) -> Option<AudioRef> {
    let audio_dir = manager.map(|m| m.paths().audio_dir()).unwrap_or_default();
    crate::phone::catalogue::prompt(&doc.workspace, &audio_dir, kind, name)
}

/// The window's moves and resizes (nothing else: no message per frame).
fn placement(event: iced::Event, _: iced::event::Status, _: iced::window::Id) -> Option<Message> {
    use iced::window::Event as W;
    match event {
        iced::Event::Window(e @ (W::Moved(_) | W::Resized(_) | W::Opened { .. })) => Some(Message::Window(e)),
        _ => None,
    }
}

/// Shows the system's file dialog (the XDG desktop portal on Linux); `None` when cancelled or
/// when there is no dialog, so the typed path stays.
async fn choose_file(choice: accounts::FileChoice) -> Option<std::path::PathBuf> {
    let dialog = rfd::AsyncFileDialog::new().add_filter("CSV", &["csv"]);
    let file = match choice {
        accounts::FileChoice::Export => dialog.set_file_name("handset-accounts.csv").save_file().await,
        accounts::FileChoice::Import => dialog.pick_file().await,
    };
    file.map(|f| f.path().to_path_buf())
}

#[path = "app_phone.rs"]
mod phone_glue;

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "phone_tests.rs"]
mod phone_tests;
