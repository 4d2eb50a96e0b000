//! The account editor: the seed's five sections plus credentials, validated by the account
//! core on every change; Save stays disabled until the core finds no problem.

use crate::account::ItemKind;
use crate::account::allowed_ip::IpNet;
use crate::account::credentials::CredentialsView;
use crate::account::model::{Codec, Direction, MediaType, Transport, Unavailable};
use crate::account::validate::validate;
use crate::account::{Document, Error, Field, Problem, Secret, SipAccount, fill_username};
use crate::ui::i18n::{self, fl};
use crate::ui::jobs::{Change, Copied, Job};

#[path = "editor_credentials.rs"]
mod credentials;
#[path = "editor_view.rs"]
mod view;

/// What happens when the account cannot be reached (the seed's two choices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenUnavailable {
    DoNothing,
    RouteToVoicemail,
}

/// A choice of a dropdown: a catalogue key (or none) and the text shown for it.
#[derive(Clone, Debug)]
pub struct Pick {
    pub key: Option<String>,
    pub label: String,
}

impl PartialEq for Pick {
    fn eq(&self, other: &Pick) -> bool {
        self.key == other.key
    }
}

impl std::fmt::Display for Pick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

/// A dropdown of the editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dropdown {
    User,
    Greeting,
    ExternalCallerId,
    InternalAnnouncement,
    ExternalAnnouncement,
    DeliveryMethod,
}

/// A text field of the editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Name,
    FeatureCode,
    AllowedIp,
    Username,
    Password,
    Domain,
    Port,
    OutboundProxy,
    UploadName,
    UploadPath,
}

/// A switch or checkbox of the editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    Outbound,
    Recording,
    OnDemand,
    AllowedIps,
    Direction(Direction),
    MediaType(MediaType),
    Transport(Transport),
}

/// A multi-select over a workspace catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Multi {
    DidNumbers,
    InternalNumbers,
    InternalCallerIds,
}

#[derive(Clone, Debug)]
pub enum Message {
    Typed(Input, String),
    Toggled(Switch, bool),
    Picked(Dropdown, Pick),
    Selected(Multi, String, bool),
    Unavailable(WhenUnavailable),
    /// Turns the typed text of the Allowed IPs box into chips.
    AddIps,
    RemoveIp(usize),
    AddCodec(Codec),
    MoveCodec(usize, bool),
    RemoveCodec(usize),
    /// Uploads the typed recording to the workspace's Announcements catalogue.
    UploadAnnouncement,
    Reveal(bool),
    Copy(Copied),
    Save,
    Cancel,
}

/// What the app should do after an update.
#[derive(Debug)]
pub enum Action {
    None,
    Run(Job),
    Close,
}

/// The credentials panel of an existing account.
#[derive(Clone, Debug, Default)]
pub struct CredentialsPanel {
    pub view: Option<Result<CredentialsView, String>>,
    pub revealed: bool,
    /// The result of the last copy, ready to show.
    pub notice: Option<Result<String, String>>,
}

/// The editor's state: the draft and the text typed into fields that are not yet values.
#[derive(Debug)]
pub struct Editor {
    /// The stored name of the account being edited; `None` while creating.
    pub stored_name: Option<String>,
    pub draft: SipAccount,
    pub password: String,
    pub port: String,
    pub proxy: String,
    pub ip_input: String,
    /// Allowed IPs as typed, one chip each (bad ones are kept and flagged).
    pub ips: Vec<String>,
    pub problems: Vec<Problem>,
    pub credentials: CredentialsPanel,
    /// The announcement upload row: name, file path, and its last result.
    pub upload_name: String,
    pub upload_path: String,
    pub upload_result: Option<Result<String, String>>,
    pub saving: bool,
    pub save_error: Option<String>,
}

impl Editor {
    /// An editor for a new account, with the seed's defaults.
    pub fn create(doc: &Document) -> Editor {
        Editor::open(None, SipAccount::default(), doc)
    }

    /// An editor for a stored account, and the job that loads its credentials.
    pub fn edit(account: SipAccount, doc: &Document) -> (Editor, Job) {
        let name = account.name.clone();
        let editor = Editor::open(Some(name.clone()), account, doc);
        (editor, Job::Credentials { name })
    }

    fn open(stored_name: Option<String>, draft: SipAccount, doc: &Document) -> Editor {
        let c = &draft.credentials;
        let mut editor = Editor {
            stored_name,
            password: String::new(),
            port: c.port.map(|p| p.to_string()).unwrap_or_default(),
            proxy: c.outbound_proxy.clone().unwrap_or_default(),
            ip_input: String::new(),
            ips: draft
                .advanced
                .allowed_ips
                .iter()
                .map(ToString::to_string)
                .collect(),
            problems: Vec::new(),
            credentials: CredentialsPanel::default(),
            upload_name: String::new(),
            upload_path: String::new(),
            upload_result: None,
            saving: false,
            save_error: None,
            draft,
        };
        editor.revalidate(doc);
        editor
    }

    pub fn is_new(&self) -> bool {
        self.stored_name.is_none()
    }

    /// The account as it would be saved.
    pub fn account(&self) -> SipAccount {
        let mut a = self.draft.clone();
        a.advanced.allowed_ips = self
            .ips
            .iter()
            .filter_map(|ip| ip.parse::<IpNet>().ok())
            .collect();
        a.advanced.allowed_ips.dedup();
        a.credentials.port = self.port.trim().parse().ok();
        let proxy = self.proxy.trim();
        a.credentials.outbound_proxy = (!proxy.is_empty()).then(|| proxy.to_owned());
        a
    }

    /// The problems of one field.
    pub fn errors(&self, field: Field) -> Vec<String> {
        self.problems
            .iter()
            .filter(|p| p.field == field)
            .map(i18n::problem)
            .collect()
    }

    /// Whether Save may be pressed.
    pub fn can_save(&self) -> bool {
        self.problems.is_empty() && self.ip_input.trim().is_empty() && !self.saving
    }

    /// Asks the account core for every problem of the draft, plus the fields it cannot see
    /// as typed (bad Allowed IPs chips, a port that is not a number).
    fn revalidate(&mut self, doc: &Document) {
        let mut account = self.account();
        if self.is_new() {
            // Create fills an empty username from the user's name: check the one it will get.
            fill_username(&mut account, doc);
        }
        let mut problems = validate(&account, &doc.workspace, &doc.accounts);
        for ip in &self.ips {
            if let Err(e) = ip.parse::<IpNet>() {
                problems.push(Problem::new(Field::AllowedIps, e));
            }
        }
        let port = self.port.trim();
        if !port.is_empty() && port.parse::<u16>().is_err() {
            problems.push(Problem::new(Field::Port, fl!("error-port", port = port)));
        }
        self.problems = problems;
    }

    /// The username a new account will get when the field is left empty.
    pub fn generated_username(&self, doc: &Document) -> String {
        let mut account = self.account();
        fill_username(&mut account, doc);
        account.credentials.username
    }

    pub fn update(&mut self, message: Message, doc: &Document) -> Action {
        let action = self.apply(message);
        self.revalidate(doc);
        action
    }

    fn apply(&mut self, message: Message) -> Action {
        let a = &mut self.draft;
        match message {
            Message::Typed(input, value) => match input {
                Input::Name => a.name = value,
                Input::FeatureCode => a.recording.feature_code = (!value.is_empty()).then_some(value),
                Input::AllowedIp => {
                    // Space (or comma) ends an entry: completed entries become chips.
                    match value.rfind(|c: char| c.is_whitespace() || c == ',') {
                        Some(end) => {
                            push_ips(&mut self.ips, &value[..end]);
                            self.ip_input = value[end + 1..].to_owned();
                        }
                        None => self.ip_input = value,
                    }
                }
                Input::Username => a.credentials.username = value.trim().to_owned(),
                Input::Password => self.password = value,
                Input::Domain => a.credentials.domain = value.trim().to_owned(),
                Input::Port => self.port = value,
                Input::OutboundProxy => self.proxy = value,
                Input::UploadName => self.upload_name = value,
                Input::UploadPath => self.upload_path = value,
            },
            Message::Toggled(switch, on) => match switch {
                Switch::Outbound => a.outbound.enabled = on,
                Switch::Recording => a.recording.enabled = on,
                Switch::OnDemand => a.recording.on_demand = on,
                Switch::AllowedIps => a.advanced.allowed_ips_enabled = on,
                Switch::Direction(d) => toggle(&mut a.recording.directions, d, on),
                Switch::MediaType(m) => toggle(&mut a.advanced.media_types, m, on),
                Switch::Transport(t) => toggle(&mut a.advanced.transports, t, on),
            },
            Message::Picked(dropdown, pick) => {
                let slot = match dropdown {
                    Dropdown::User => &mut a.general.user,
                    Dropdown::ExternalCallerId => &mut a.outbound.external_caller_id,
                    Dropdown::InternalAnnouncement => &mut a.outbound.internal_announcement,
                    Dropdown::ExternalAnnouncement => &mut a.outbound.external_announcement,
                    Dropdown::DeliveryMethod => &mut a.recording.delivery_method,
                    Dropdown::Greeting => {
                        a.inbound.when_unavailable = Unavailable::RouteToVoicemail { greeting: pick.key };
                        return Action::None;
                    }
                };
                *slot = pick.key;
            }
            Message::Selected(multi, key, on) => {
                let list = match multi {
                    Multi::DidNumbers => &mut a.inbound.did_numbers,
                    Multi::InternalNumbers => &mut a.inbound.internal_numbers,
                    Multi::InternalCallerIds => &mut a.outbound.internal_caller_ids,
                };
                toggle(list, key, on);
            }
            Message::Unavailable(choice) => {
                a.inbound.when_unavailable = match choice {
                    WhenUnavailable::DoNothing => Unavailable::DoNothing,
                    WhenUnavailable::RouteToVoicemail => Unavailable::RouteToVoicemail { greeting: None },
                };
            }
            Message::AddIps => {
                let typed = std::mem::take(&mut self.ip_input);
                push_ips(&mut self.ips, &typed);
            }
            Message::RemoveIp(i) => {
                if i < self.ips.len() {
                    self.ips.remove(i);
                }
            }
            Message::AddCodec(c) => toggle(&mut a.advanced.codecs, c, true),
            Message::MoveCodec(i, up) => {
                let codecs = &mut a.advanced.codecs;
                let j = if up { i.checked_sub(1) } else { Some(i + 1) };
                if let Some(j) = j.filter(|&j| j < codecs.len() && i < codecs.len()) {
                    codecs.swap(i, j);
                }
            }
            Message::RemoveCodec(i) => {
                if i < a.advanced.codecs.len() {
                    a.advanced.codecs.remove(i);
                }
            }
            Message::UploadAnnouncement => {
                self.upload_result = None;
                return Action::Run(Job::Workspace(Change::UploadAudio {
                    kind: ItemKind::Announcement,
                    name: self.upload_name.trim().to_owned(),
                    path: self.upload_path.trim().into(),
                }));
            }
            Message::Reveal(on) => self.credentials.revealed = on,
            Message::Copy(what) => return self.copy(what),
            Message::Save => return self.save(),
            Message::Cancel => return Action::Close,
        }
        Action::None
    }

    fn copy(&self, what: Copied) -> Action {
        let Some(Ok(view)) = &self.credentials.view else {
            return Action::None;
        };
        let text = match what {
            Copied::Username => view.username.clone(),
            Copied::Password => match &view.password {
                Some(p) => p.expose().to_owned(),
                None => return Action::None,
            },
            Copied::Domain => view.domain.clone(),
            Copied::All => view.copy_all_text(),
        };
        Action::Run(Job::Copy {
            text: Secret::new(text),
            what,
        })
    }

    fn save(&mut self) -> Action {
        if !self.can_save() {
            return Action::None;
        }
        self.saving = true;
        self.save_error = None;
        let password = (!self.password.is_empty()).then(|| Secret::new(self.password.clone()));
        let account = self.account();
        Action::Run(match &self.stored_name {
            None => Job::Create {
                draft: Box::new(account),
                password,
            },
            Some(name) => Job::Update {
                name: name.clone(),
                account: Box::new(account),
                password,
            },
        })
    }

    /// The save finished. On success the caller closes the editor.
    pub fn saved(&mut self, result: &Result<Box<SipAccount>, Error>) {
        self.saving = false;
        match result {
            Ok(_) => self.password.clear(),
            Err(Error::Invalid(problems)) => self.problems.clone_from(problems),
            Err(e) => self.save_error = Some(i18n::error(e)),
        }
    }

    /// An announcement upload finished; on success it is in the pickers' catalogue.
    pub fn uploaded(&mut self, result: &Result<(), Error>) {
        self.upload_result = Some(match result {
            Ok(()) => Ok(fl!("upload-done", name = std::mem::take(&mut self.upload_name))),
            Err(e) => Err(i18n::error(e)),
        });
        if result.is_ok() {
            self.upload_path.clear();
        }
    }

    /// The stored credentials arrived (or could not be read).
    pub fn credentials_loaded(&mut self, result: Result<CredentialsView, Error>) {
        self.credentials.view = Some(result.map_err(|e| i18n::error(&e)));
    }

    /// A copy finished.
    pub fn copied(&mut self, result: Result<Copied, String>) {
        self.credentials.notice = Some(match result {
            Ok(Copied::Username) => Ok(fl!("copied-username")),
            Ok(Copied::Password) => Ok(fl!("copied-password")),
            Ok(Copied::Domain) => Ok(fl!("copied-domain")),
            Ok(Copied::All) => Ok(fl!("copied-all")),
            Err(reason) => Err(fl!("copy-unavailable", reason = reason)),
        });
    }

    pub fn view<'a>(&'a self, doc: &'a Document) -> iced::Element<'a, Message> {
        view::view(self, doc)
    }
}

fn toggle<T: PartialEq>(list: &mut Vec<T>, item: T, on: bool) {
    let at = list.iter().position(|x| *x == item);
    match (on, at) {
        (true, None) => list.push(item),
        (false, Some(i)) => {
            list.remove(i);
        }
        _ => {}
    }
}

fn push_ips(ips: &mut Vec<String>, text: &str) {
    for token in text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        if !ips.iter().any(|ip| ip == token) {
            ips.push(token.to_owned());
        }
    }
}

#[cfg(test)]
#[path = "editor_tests.rs"]
mod tests;
