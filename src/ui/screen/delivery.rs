//! The form that adds a delivery method for call recordings (Email, Dropbox, FTP, SFTP,
//! Google Drive, OneDrive) to the workspace; its password or token goes to the keyring.

use std::fmt;

use iced::widget::{button, checkbox, column, container, pick_list, row, text, text_input};
use iced::{Element, Length};

use crate::account::Secret;
use crate::account::workspace::{DeliveryMethod, DeliveryTarget, MailSecurity};
use crate::phone::cloud_delivery::CloudCredentials;
use crate::ui::i18n::fl;
use crate::ui::jobs::Change;
use crate::ui::widgets::hint;

/// The kinds of delivery, in the seed's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Email,
    Dropbox,
    Ftp,
    Sftp,
    GoogleDrive,
    OneDrive,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Email,
        Kind::Dropbox,
        Kind::Ftp,
        Kind::Sftp,
        Kind::GoogleDrive,
        Kind::OneDrive,
    ];

    /// Its secret is the login password of a server (not an access token).
    fn has_login(self) -> bool {
        matches!(self, Kind::Ftp | Kind::Sftp | Kind::Email)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Email => "Email",
            Kind::Dropbox => "Dropbox",
            Kind::Ftp => "FTP",
            Kind::Sftp => "SFTP",
            Kind::GoogleDrive => "Google Drive",
            Kind::OneDrive => "OneDrive",
        })
    }
}

/// A field of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Name,
    /// The address (Email), folder (Dropbox, Drive, OneDrive) or host (FTP, SFTP).
    Target,
    /// The outgoing mail server (Email).
    Server,
    Port,
    Path,
    Username,
    Secret,
    /// The private key file (SFTP).
    KeyFile,
    /// The OAuth client ID (Dropbox, Google Drive, OneDrive).
    ClientId,
}

#[derive(Clone, Debug)]
pub enum Message {
    Kind(Kind),
    Security(MailSecurity),
    /// FTPS (explicit TLS) on or off.
    Tls(bool),
    Typed(Input, String),
    Add,
}

#[derive(Debug, Default)]
pub struct DeliveryForm {
    pub kind: Kind,
    pub name: String,
    pub target: String,
    pub server: String,
    pub security: MailSecurity,
    pub port: String,
    pub path: String,
    pub username: String,
    pub secret: String,
    pub tls: bool,
    pub key_file: String,
    pub client_id: String,
}

impl DeliveryForm {
    /// Applies a message; `Add` gives the change to make, or why the form cannot be sent.
    pub fn update(&mut self, message: Message) -> Option<Result<Change, String>> {
        match message {
            Message::Kind(kind) => self.kind = kind,
            Message::Security(security) => self.security = security,
            Message::Tls(on) => self.tls = on,
            Message::Typed(input, value) => {
                *match input {
                    Input::Name => &mut self.name,
                    Input::Target => &mut self.target,
                    Input::Server => &mut self.server,
                    Input::Port => &mut self.port,
                    Input::Path => &mut self.path,
                    Input::Username => &mut self.username,
                    Input::Secret => &mut self.secret,
                    Input::KeyFile => &mut self.key_file,
                    Input::ClientId => &mut self.client_id,
                } = value;
            }
            Message::Add => return Some(self.change()),
        }
        None
    }

    fn change(&self) -> Result<Change, String> {
        let target = self.target.trim().to_owned();
        let port = match self.port.trim() {
            "" => None,
            p => Some(p.parse::<u16>().map_err(|_| fl!("error-port", port = p))?),
        };
        let (path, username) = (self.path.trim().to_owned(), self.username.trim().to_owned());
        let target = match self.kind {
            Kind::Email => DeliveryTarget::Email {
                address: target,
                server: self.server.trim().to_owned(),
                port,
                security: self.security,
                username,
            },
            Kind::Dropbox => DeliveryTarget::Dropbox {
                folder: target,
                client_id: self.client_id.trim().to_owned(),
            },
            Kind::GoogleDrive => DeliveryTarget::GoogleDrive {
                folder: target,
                client_id: self.client_id.trim().to_owned(),
            },
            Kind::OneDrive => DeliveryTarget::OneDrive {
                folder: target,
                client_id: self.client_id.trim().to_owned(),
            },
            Kind::Ftp => DeliveryTarget::Ftp {
                host: target,
                port,
                path,
                username,
                tls: self.tls,
            },
            Kind::Sftp => DeliveryTarget::Sftp {
                host: target,
                port,
                path,
                username,
                key_file: Some(self.key_file.trim())
                    .filter(|k| !k.is_empty())
                    .map(std::path::PathBuf::from),
            },
        };
        Ok(Change::AddDeliveryMethod {
            method: DeliveryMethod {
                name: self.name.trim().to_owned(),
                target,
            },
            secret: match self.kind {
                // Not signed in yet: the keyring keeps the client secret for the sign-in.
                Kind::GoogleDrive => (!self.secret.is_empty()).then(|| {
                    CloudCredentials {
                        refresh_token: String::new(),
                        client_secret: Some(self.secret.clone()),
                    }
                    .to_secret()
                }),
                Kind::Dropbox | Kind::OneDrive => None,
                _ => (!self.secret.is_empty()).then(|| Secret::new(self.secret.clone())),
            },
        })
    }

    pub fn view(&self) -> Element<'_, Message> {
        let field = |id: &'static str, placeholder: String, value: &str, which: Input| {
            text_input(&placeholder, value)
                .id(id)
                .on_input(move |v| Message::Typed(which, v))
                .padding(6)
                .width(Length::Fixed(220.0))
        };
        let target = match self.kind {
            Kind::Email => fl!("delivery-address"),
            Kind::Ftp | Kind::Sftp => fl!("delivery-host"),
            _ => fl!("delivery-folder"),
        };
        let mut first = row![
            container(pick_list(Kind::ALL, Some(self.kind), Message::Kind)).id("delivery-kind"),
            field(
                "delivery-name",
                fl!("workspace-user-name"),
                &self.name,
                Input::Name
            ),
            field("delivery-target", target, &self.target, Input::Target),
        ]
        .spacing(8);
        if !self.kind.has_login() {
            // A cloud drive: the app Handset signs in as; the sign-in (from the list of
            // methods) puts the service's refresh token in the keyring.
            first = first.push(field(
                "delivery-client-id",
                fl!("delivery-client-id"),
                &self.client_id,
                Input::ClientId,
            ));
        }
        if self.kind == Kind::GoogleDrive {
            // Google issues a (not confidential) secret even to desktop apps.
            first = first.push(
                field(
                    "delivery-secret",
                    fl!("delivery-client-secret"),
                    &self.secret,
                    Input::Secret,
                )
                .secure(true),
            );
        }
        let mut col = column![first].spacing(6);
        if self.kind.has_login() {
            let port =
                field("delivery-port", fl!("field-port"), &self.port, Input::Port).width(Length::Fixed(90.0));
            let mut second = if self.kind == Kind::Email {
                row![
                    field(
                        "delivery-server",
                        fl!("delivery-mail-server"),
                        &self.server,
                        Input::Server
                    ),
                    port,
                    container(pick_list(
                        MailSecurity::ALL,
                        Some(self.security),
                        Message::Security
                    ))
                    .id("delivery-security"),
                ]
            } else {
                row![
                    port,
                    field("delivery-path", fl!("delivery-path"), &self.path, Input::Path)
                ]
            };
            second = second
                .push(field(
                    "delivery-username",
                    fl!("field-username"),
                    &self.username,
                    Input::Username,
                ))
                .push(
                    field(
                        "delivery-secret",
                        if self.kind == Kind::Sftp {
                            fl!("delivery-password-or-passphrase")
                        } else {
                            fl!("field-password")
                        },
                        &self.secret,
                        Input::Secret,
                    )
                    .secure(true),
                );
            col = col.push(second.spacing(8));
            match self.kind {
                Kind::Ftp => {
                    col = col.push(
                        container(
                            checkbox(self.tls)
                                .label(fl!("delivery-ftp-tls"))
                                .on_toggle(Message::Tls),
                        )
                        .id("delivery-tls"),
                    );
                }
                Kind::Sftp => {
                    col = col.push(
                        field(
                            "delivery-key-file",
                            fl!("delivery-key-file"),
                            &self.key_file,
                            Input::KeyFile,
                        )
                        .width(Length::Fixed(460.0)),
                    );
                }
                _ => {}
            }
        }
        // What the phone does with recordings for this kind (see `phone::delivery`).
        col = col.push(hint(match self.kind {
            Kind::Ftp if self.tls => fl!("delivery-hint-ftps"),
            Kind::Ftp => fl!("delivery-hint-ftp"),
            Kind::Sftp => fl!("delivery-hint-sftp"),
            Kind::Email if self.security == MailSecurity::None => fl!("delivery-hint-email-clear"),
            Kind::Email => fl!("delivery-hint-email"),
            _ => fl!("delivery-hint-cloud"),
        }));
        col.push(
            container(
                button(text(fl!("add")))
                    .on_press(Message::Add)
                    .style(button::primary),
            )
            .id("add-delivery"),
        )
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_builds_the_target_of_its_kind() {
        let mut f = DeliveryForm::default();
        f.update(Message::Typed(Input::Name, "Mail".into()));
        f.update(Message::Typed(Input::Target, " rec@example.com ".into()));
        match f.update(Message::Add) {
            Some(Ok(Change::AddDeliveryMethod { method, secret })) => {
                assert_eq!(method.target, DeliveryTarget::email("rec@example.com"));
                assert!(secret.is_none());
            }
            other => panic!("{other:?}"),
        }
        // Email through an outgoing mail server, its password to the keyring.
        f.update(Message::Typed(Input::Server, "smtp.example.com".into()));
        f.update(Message::Typed(Input::Port, "465".into()));
        f.update(Message::Security(MailSecurity::Tls));
        f.update(Message::Typed(Input::Username, "pbx@example.com".into()));
        f.update(Message::Typed(Input::Secret, "mail-pw".into()));
        match f.update(Message::Add) {
            Some(Ok(Change::AddDeliveryMethod { method, secret })) => {
                assert_eq!(
                    method.target,
                    DeliveryTarget::Email {
                        address: "rec@example.com".into(),
                        server: "smtp.example.com".into(),
                        port: Some(465),
                        security: MailSecurity::Tls,
                        username: "pbx@example.com".into(),
                    }
                );
                assert_eq!(secret.unwrap().expose(), "mail-pw");
            }
            other => panic!("{other:?}"),
        }
        f.update(Message::Typed(Input::Secret, String::new()));
        // Each kind says what becomes of the recordings.
        let says = |f: &DeliveryForm, s: &str| {
            iced_test::Simulator::with_size(iced_test::core::Settings::default(), (1000.0, 400.0), f.view())
                .find(s)
                .is_ok()
        };
        assert!(says(
            &f,
            "Recordings are e-mailed after each call through this outgoing mail server; a failed send is tried \
             again later. A message the server refuses (too large) cannot be delivered: the recording stays in \
             the recordings folder."
        ));
        f.update(Message::Security(MailSecurity::None));
        assert!(says(
            &f,
            "Without encryption the mail server login and the recordings cross the network unencrypted: use it \
             on trusted networks only. A message the server refuses (too large) cannot be delivered."
        ));
        f.update(Message::Kind(Kind::Dropbox));
        assert!(says(
            &f,
            "After adding it, sign in to the service with the Sign in button in the list (your browser opens); \
             the refresh token it gives goes to the keyring. Recordings wait in the outbox until then."
        ));
        f.update(Message::Typed(Input::Target, "Calls".into()));
        f.update(Message::Typed(Input::ClientId, " app-key ".into()));
        f.update(Message::Typed(Input::Secret, "typed earlier".into()));
        match f.update(Message::Add) {
            Some(Ok(Change::AddDeliveryMethod { method, secret })) => {
                assert_eq!(
                    method.target,
                    DeliveryTarget::Dropbox {
                        folder: "Calls".into(),
                        client_id: "app-key".into()
                    }
                );
                assert!(secret.is_none(), "Dropbox keeps nothing before the sign-in");
            }
            other => panic!("{other:?}"),
        }
        // Google Drive: its client secret waits in the keyring for the sign-in.
        f.update(Message::Kind(Kind::GoogleDrive));
        f.update(Message::Typed(Input::Secret, "g-secret".into()));
        match f.update(Message::Add) {
            Some(Ok(Change::AddDeliveryMethod { method, secret })) => {
                assert!(matches!(method.target, DeliveryTarget::GoogleDrive { .. }));
                let kept = CloudCredentials::from_secret(&secret.unwrap()).unwrap();
                assert_eq!(kept.client_secret.as_deref(), Some("g-secret"));
                assert!(!kept.signed_in());
            }
            other => panic!("{other:?}"),
        }
        f.update(Message::Typed(Input::Secret, String::new()));
        f.update(Message::Kind(Kind::Ftp));
        assert!(says(
            &f,
            "Recordings are uploaded after each call; a failed upload is tried again later. FTP sends the \
             password and the recordings unencrypted: use it on trusted networks only."
        ));
        f.update(Message::Tls(true));
        assert!(says(
            &f,
            "Recordings are uploaded after each call over FTPS (explicit TLS: the login and the recordings are \
             encrypted); a failed upload is tried again later. The server's certificate must be trusted by this \
             computer."
        ));
        f.update(Message::Typed(Input::Target, "ftp.example.com".into()));
        match f.update(Message::Add) {
            Some(Ok(Change::AddDeliveryMethod { method, .. })) => {
                assert!(matches!(method.target, DeliveryTarget::Ftp { tls: true, .. }));
            }
            other => panic!("{other:?}"),
        }
        f.update(Message::Kind(Kind::Sftp));
        assert!(says(
            &f,
            "Recordings are uploaded over SSH after each call; a failed upload is tried again later. The \
             server's host key is trusted the first time and checked every time after."
        ));
        f.update(Message::Typed(Input::Port, "22x".into()));
        assert!(matches!(f.update(Message::Add), Some(Err(e)) if e.contains("22x")));
        f.update(Message::Typed(Input::Port, "2222".into()));
        f.update(Message::Typed(Input::Secret, "pw".into()));
        match f.update(Message::Add) {
            Some(Ok(Change::AddDeliveryMethod { method, secret })) => {
                assert!(matches!(
                    method.target,
                    DeliveryTarget::Sftp {
                        port: Some(2222),
                        key_file: None,
                        ..
                    }
                ));
                assert_eq!(secret.unwrap().expose(), "pw");
            }
            other => panic!("{other:?}"),
        }
        // With a key file the secret is its passphrase.
        f.update(Message::Typed(
            Input::KeyFile,
            " /home/me/.ssh/id_ed25519 ".into(),
        ));
        match f.update(Message::Add) {
            Some(Ok(Change::AddDeliveryMethod { method, .. })) => {
                let DeliveryTarget::Sftp { key_file, .. } = method.target else {
                    panic!("{method:?}");
                };
                assert_eq!(key_file, Some("/home/me/.ssh/id_ed25519".into()));
            }
            other => panic!("{other:?}"),
        }
    }
}
