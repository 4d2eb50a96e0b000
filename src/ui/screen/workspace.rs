//! The Settings pane's workspace catalogues: users, phone numbers, internal numbers,
//! announcements, voicemail greetings, delivery methods, and the encryption switch.

use iced::widget::{button, column, container, row, scrollable, text, text_input, toggler};
use iced::{Alignment, Element, Length};

use crate::account::workspace::{BUILTIN_ANNOUNCEMENTS, BUILTIN_GREETINGS};
use crate::account::{Document, Error, ItemKind};
use crate::phone::cloud_delivery::cloud_target;
use crate::ui::i18n::{self, fl};
use crate::ui::jobs::{Change, Job};
use crate::ui::screen::delivery::{self, DeliveryForm};
use crate::ui::widgets::{error, heading, hint};

/// A text field of the pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    UserName,
    UserEmail,
    Number,
    NumberLabel,
    Extension,
    ExtensionLabel,
    AnnouncementName,
    AnnouncementFile,
    GreetingName,
    GreetingFile,
}

#[derive(Clone, Debug)]
pub enum Message {
    Typed(Input, String),
    AddUser,
    AddPhoneNumber,
    AddExtension,
    /// Uploads the typed file as an announcement or a voicemail greeting.
    Upload(ItemKind),
    Remove(ItemKind, String),
    Encryption(bool),
    Delivery(delivery::Message),
    /// Sign a cloud-drive delivery method in (by name).
    SignIn(String),
    /// Play an announcement or greeting (by name) on the speaker; the app asks the phone.
    Preview(ItemKind, String),
    StopPreview,
}

#[derive(Debug, Default)]
pub struct Workspace {
    pub user_name: String,
    pub user_email: String,
    pub number: String,
    pub number_label: String,
    pub extension: String,
    pub extension_label: String,
    pub announcement_name: String,
    pub announcement_file: String,
    pub greeting_name: String,
    pub greeting_file: String,
    pub delivery: DeliveryForm,
    /// Why the last change was refused (the account core's message).
    pub error: Option<String>,
    /// The announcement or greeting playing.
    pub playing: Option<String>,
}

impl Workspace {
    /// Returns the change to make, if any.
    pub fn update(&mut self, message: Message) -> Option<Job> {
        let change = match message {
            Message::Typed(input, value) => {
                *match input {
                    Input::UserName => &mut self.user_name,
                    Input::UserEmail => &mut self.user_email,
                    Input::Number => &mut self.number,
                    Input::NumberLabel => &mut self.number_label,
                    Input::Extension => &mut self.extension,
                    Input::ExtensionLabel => &mut self.extension_label,
                    Input::AnnouncementName => &mut self.announcement_name,
                    Input::AnnouncementFile => &mut self.announcement_file,
                    Input::GreetingName => &mut self.greeting_name,
                    Input::GreetingFile => &mut self.greeting_file,
                } = value;
                return None;
            }
            Message::AddUser => {
                let email = self.user_email.trim();
                Change::AddUser {
                    name: self.user_name.trim().to_owned(),
                    email: (!email.is_empty()).then(|| email.to_owned()),
                }
            }
            Message::AddPhoneNumber => Change::AddPhoneNumber {
                number: self.number.trim().to_owned(),
                label: self.number_label.trim().to_owned(),
            },
            Message::AddExtension => Change::AddExtension {
                extension: self.extension.trim().to_owned(),
                label: self.extension_label.trim().to_owned(),
            },
            Message::Upload(kind) => {
                let (name, path) = if kind == ItemKind::Greeting {
                    (&self.greeting_name, &self.greeting_file)
                } else {
                    (&self.announcement_name, &self.announcement_file)
                };
                Change::UploadAudio {
                    kind,
                    name: name.trim().to_owned(),
                    path: path.trim().into(),
                }
            }
            Message::Remove(kind, key) => Change::Remove { kind, key },
            Message::Encryption(on) => Change::Encryption(on),
            Message::SignIn(name) => Change::SignIn { name },
            Message::Delivery(m) => match self.delivery.update(m)? {
                Ok(change) => change,
                Err(reason) => {
                    self.error = Some(reason);
                    return None;
                }
            },
            // The app plays these (it knows where the files are).
            Message::Preview(..) | Message::StopPreview => return None,
        };
        self.error = None;
        Some(Job::Workspace(change))
    }

    /// A change finished: on success the typed fields are cleared for the next item.
    pub fn changed(&mut self, result: &Result<(), Error>) {
        match result {
            Ok(()) => *self = Workspace::default(),
            Err(e) => self.error = Some(i18n::error(e)),
        }
    }

    pub fn view<'a>(&'a self, doc: &'a Document) -> Element<'a, Message> {
        let ws = &doc.workspace;
        let mut col = column![text(fl!("workspace-title")).size(26)]
            .spacing(18)
            .padding(20)
            .max_width(820);
        if let Some(e) = &self.error {
            col = col.push(error(e.clone()));
        }
        let users = ws
            .users
            .iter()
            .map(|u| item(ItemKind::User, &u.name, u.email.as_deref().unwrap_or_default()));
        col = col.push(catalogue(
            fl!("workspace-users"),
            users.collect(),
            row![
                input(
                    "user-name",
                    fl!("workspace-user-name"),
                    &self.user_name,
                    Input::UserName
                ),
                input(
                    "user-email",
                    fl!("workspace-user-email"),
                    &self.user_email,
                    Input::UserEmail
                ),
                add("add-user", Message::AddUser),
            ],
        ));
        let numbers = ws
            .phone_numbers
            .iter()
            .map(|n| item(ItemKind::PhoneNumber, &n.number, &n.label));
        col = col.push(catalogue(
            fl!("workspace-phone-numbers"),
            numbers.collect(),
            row![
                input("phone-number", "+14155550100".into(), &self.number, Input::Number),
                input(
                    "phone-number-label",
                    fl!("workspace-label"),
                    &self.number_label,
                    Input::NumberLabel
                ),
                add("add-phone-number", Message::AddPhoneNumber),
            ],
        ));
        let exts = ws
            .internal_numbers
            .iter()
            .map(|n| item(ItemKind::InternalNumber, &n.extension, &n.label));
        col = col.push(catalogue(
            fl!("workspace-internal-numbers"),
            exts.collect(),
            row![
                input("extension", "101".into(), &self.extension, Input::Extension),
                input(
                    "extension-label",
                    fl!("workspace-label"),
                    &self.extension_label,
                    Input::ExtensionLabel
                ),
                add("add-extension", Message::AddExtension),
            ],
        ));
        let playing = self.playing.as_deref();
        let builtin = |kind: ItemKind, name: &str| {
            row![
                text(name.to_owned()).size(14).width(Length::Fixed(220.0)),
                text(fl!("workspace-built-in"))
                    .size(13)
                    .style(text::secondary)
                    .width(Length::Fixed(300.0)),
                preview(kind, name, playing),
            ]
            .spacing(8)
            .align_y(Alignment::Center)
            .into()
        };
        let audio = |kind: ItemKind, name: &str| {
            row![item(kind, name, ""), preview(kind, name, playing)]
                .spacing(8)
                .align_y(Alignment::Center)
                .into()
        };
        let mut announcements: Vec<Element<'a, Message>> = BUILTIN_ANNOUNCEMENTS
            .iter()
            .map(|(n, _)| builtin(ItemKind::Announcement, n))
            .collect();
        announcements.extend(
            ws.announcements
                .iter()
                .map(|a| audio(ItemKind::Announcement, &a.name)),
        );
        col = col.push(catalogue(
            fl!("workspace-announcements"),
            announcements,
            self.upload(ItemKind::Announcement),
        ));
        let mut greetings: Vec<Element<'a, Message>> = BUILTIN_GREETINGS
            .iter()
            .map(|(n, _)| builtin(ItemKind::Greeting, n))
            .collect();
        greetings.extend(ws.greetings.iter().map(|g| audio(ItemKind::Greeting, &g.name)));
        col = col.push(catalogue(
            fl!("workspace-greetings"),
            greetings,
            self.upload(ItemKind::Greeting),
        ));
        let methods = ws.delivery_methods.iter().map(|d| {
            let listed = item(ItemKind::DeliveryMethod, &d.name, &d.target.to_string());
            if cloud_target(&d.target).is_none() {
                return listed;
            }
            row![
                listed,
                container(
                    button(text(fl!("delivery-sign-in")).size(14))
                        .on_press(Message::SignIn(d.name.clone()))
                        .style(button::primary)
                )
                .id(format!("sign-in-{}", d.name)),
            ]
            .spacing(8)
            .align_y(Alignment::Center)
            .into()
        });
        col = col.push(catalogue(
            fl!("workspace-delivery-methods"),
            methods.collect(),
            self.delivery.view().map(Message::Delivery),
        ));
        col = col.push(
            column![
                heading(fl!("workspace-encryption")),
                container(
                    toggler(ws.encryption_enabled)
                        .label(fl!("workspace-encryption-switch"))
                        .on_toggle(Message::Encryption)
                )
                .id("encryption"),
                hint(fl!("workspace-encryption-hint")),
            ]
            .spacing(8),
        );
        scrollable(col).width(Length::Fill).into()
    }
}

impl Workspace {
    /// The upload row of the announcements or greetings catalogue.
    fn upload(&self, kind: ItemKind) -> Element<'_, Message> {
        let greeting = kind == ItemKind::Greeting;
        let (name, file, inputs, ids) = if greeting {
            (
                &self.greeting_name,
                &self.greeting_file,
                (Input::GreetingName, Input::GreetingFile),
                ["greeting-name", "greeting-file", "upload-greeting"],
            )
        } else {
            (
                &self.announcement_name,
                &self.announcement_file,
                (Input::AnnouncementName, Input::AnnouncementFile),
                ["announcement-name", "announcement-file", "upload-announcement"],
            )
        };
        column![
            row![
                input(ids[0], fl!("workspace-user-name"), name, inputs.0),
                input(ids[1], fl!("workspace-audio-file"), file, inputs.1),
                container(
                    button(text(fl!("upload")))
                        .on_press(Message::Upload(kind))
                        .style(button::primary)
                )
                .id(ids[2]),
            ]
            .spacing(8),
            hint(fl!("workspace-upload-hint")),
        ]
        .spacing(4)
        .into()
    }
}

fn input<'a>(id: &'static str, placeholder: String, value: &'a str, which: Input) -> Element<'a, Message> {
    text_input(&placeholder, value)
        .id(id)
        .on_input(move |v| Message::Typed(which, v))
        .padding(6)
        .width(Length::Fixed(240.0))
        .into()
}

fn add<'a>(id: &'static str, message: Message) -> Element<'a, Message> {
    container(button(text(fl!("add"))).on_press(message).style(button::primary))
        .id(id)
        .into()
}

fn item<'a>(kind: ItemKind, key: &str, detail: &str) -> Element<'a, Message> {
    row![
        text(key.to_owned()).size(14).width(Length::Fixed(220.0)),
        text(detail.to_owned()).size(14).width(Length::Fixed(300.0)),
        container(
            button(text(fl!("remove")).size(14))
                .on_press(Message::Remove(kind, key.to_owned()))
                .style(button::secondary)
        )
        .id(format!("remove-{key}")),
    ]
    .spacing(8)
    .align_y(Alignment::Center)
    .into()
}

/// Play (or Stop, while it plays) for an announcement or greeting.
fn preview<'a>(kind: ItemKind, name: &str, playing: Option<&str>) -> Element<'a, Message> {
    let (label, message) = if playing == Some(name) {
        (fl!("workspace-stop"), Message::StopPreview)
    } else {
        (fl!("workspace-play"), Message::Preview(kind, name.to_owned()))
    };
    container(
        button(text(label).size(14))
            .on_press(message)
            .style(button::secondary),
    )
    .id(format!("play-{name}"))
    .into()
}

fn catalogue<'a>(
    title: String,
    items: Vec<Element<'a, Message>>,
    footer: impl Into<Element<'a, Message>>,
) -> Element<'a, Message> {
    let mut col = column![heading(title)].spacing(6);
    if items.is_empty() {
        col = col.push(hint(fl!("workspace-empty")));
    }
    for i in items {
        col = col.push(i);
    }
    col.push(footer.into()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Text;

    #[test]
    fn adds_take_the_typed_fields_and_clear_them_when_done() {
        let mut w = Workspace::default();
        assert!(
            w.update(Message::Typed(Input::UserName, " Bob ".into()))
                .is_none()
        );
        match w.update(Message::AddUser) {
            Some(Job::Workspace(Change::AddUser { name, email })) => {
                assert_eq!((name.as_str(), email), ("Bob", None))
            }
            other => panic!("{other:?}"),
        }
        w.changed(&Err(Error::Rejected(Text::new("item-folder-empty"))));
        assert_eq!(
            (w.error.as_deref(), w.user_name.as_str()),
            (
                Some("the folder is empty: type the folder recordings go to, e.g. /Recordings"),
                " Bob "
            ),
            "kept for a fix"
        );
        w.changed(&Ok(()));
        assert_eq!((w.error.as_deref(), w.user_name.as_str()), (None, ""));
        w.update(Message::Typed(Input::Extension, "102".into()));
        w.update(Message::Typed(Input::ExtensionLabel, "Bob".into()));
        assert!(matches!(
            w.update(Message::AddExtension),
            Some(Job::Workspace(Change::AddExtension { extension, label })) if extension == "102" && label == "Bob"
        ));
        assert!(matches!(
            w.update(Message::Encryption(true)),
            Some(Job::Workspace(Change::Encryption(true)))
        ));
    }
}
