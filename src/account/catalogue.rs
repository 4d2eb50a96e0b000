//! Workspace catalogue operations of the account manager: add, remove (refused while in use),
//! and the encryption switch.

use tracing::info;

use super::manager::{AccountManager, SecretGuard};
use super::secrets::{Secret, SecretKey};
use super::store::Document;
use super::validate::{check_host, check_host_port, name_key};
use super::workspace::{
    AudioItem, BUILTIN_ANNOUNCEMENTS, BUILTIN_GREETINGS, DeliveryMethod, DeliveryTarget, InternalNumber,
    ItemKind, PhoneNumber, User, accounts_using, check_e164, check_email, check_extension, check_name,
};
use super::{Error, Workspace};
use crate::text::Text;

fn exists(kind: ItemKind, key: &str) -> Error {
    Error::Rejected(Text::new("item-exists").arg("kind", kind.id()).arg("name", key))
}

fn not_found(kind: ItemKind, key: &str) -> Error {
    let list_command = match kind {
        ItemKind::User => "workspace users list",
        ItemKind::PhoneNumber => "workspace numbers list",
        ItemKind::InternalNumber => "workspace extensions list",
        ItemKind::Announcement => "workspace announcements list",
        ItemKind::Greeting => "workspace greetings list",
        ItemKind::DeliveryMethod => "workspace delivery list",
    };
    Error::NotFound {
        kind: kind.id(),
        name: key.to_owned(),
        list_command,
    }
}

/// Checks a new name for an item of `kind` against the catalogue (case-insensitive) and the
/// built-in names.
fn check_new_name(ws: &Workspace, kind: ItemKind, name: &str) -> Result<(), Error> {
    if check_name("name", name).is_err() {
        let key = match name_key(name) {
            "problem-name-empty" => "item-name-empty",
            "problem-name-spaces" => "item-name-spaces",
            "problem-name-long" => "item-name-long",
            _ => "item-name-control",
        };
        return Err(Error::Rejected(
            Text::new(key).arg("kind", kind.id()).arg("name", name),
        ));
    }
    let builtin: &[(&str, &str)] = match kind {
        ItemKind::Announcement => BUILTIN_ANNOUNCEMENTS,
        ItemKind::Greeting => BUILTIN_GREETINGS,
        _ => &[],
    };
    let taken = builtin.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
        || match kind {
            ItemKind::User => ws.users.iter().any(|u| u.name.eq_ignore_ascii_case(name)),
            ItemKind::Announcement => ws.announcements.iter().any(|a| a.name.eq_ignore_ascii_case(name)),
            ItemKind::Greeting => ws.greetings.iter().any(|a| a.name.eq_ignore_ascii_case(name)),
            ItemKind::DeliveryMethod => ws
                .delivery_methods
                .iter()
                .any(|d| d.name.eq_ignore_ascii_case(name)),
            ItemKind::PhoneNumber | ItemKind::InternalNumber => ws.contains(kind, name),
        };
    if taken { Err(exists(kind, name)) } else { Ok(()) }
}

fn check_delivery_target(target: &DeliveryTarget) -> Result<(), Error> {
    let result = match target {
        DeliveryTarget::Email {
            address,
            server,
            port,
            ..
        } => check_email(address).and_then(|()| {
            if server.is_empty() {
                Ok(())
            } else {
                check_server(server, *port)
            }
        }),
        DeliveryTarget::Sftp {
            host,
            port,
            key_file: Some(key),
            ..
        } => check_server(host, *port).and_then(|()| {
            if key.is_file() {
                Ok(())
            } else {
                Err(Text::new("item-key-file-missing").arg("file", key.display()))
            }
        }),
        DeliveryTarget::Ftp { host, port, .. } | DeliveryTarget::Sftp { host, port, .. } => {
            check_server(host, *port)
        }
        DeliveryTarget::Dropbox { folder, .. }
        | DeliveryTarget::GoogleDrive { folder, .. }
        | DeliveryTarget::OneDrive { folder, .. } => {
            if folder.trim().is_empty() {
                Err(Text::new("item-folder-empty"))
            } else {
                Ok(())
            }
        }
    };
    result.map_err(Error::Rejected)
}

fn check_server(host: &str, port: Option<u16>) -> Result<(), Text> {
    if port == Some(0) {
        Err(Text::new("item-port-zero"))
    } else {
        check_host(host).map_err(|_| Text::new("problem-host-invalid").arg("host", host))
    }
}

impl AccountManager {
    fn change_workspace<T>(
        &self,
        change: impl FnOnce(&mut Document) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.store.update(change)
    }

    pub fn add_user(&self, name: &str, email: Option<&str>) -> Result<(), Error> {
        if let Some(e) = email {
            check_email(e).map_err(Error::Rejected)?;
        }
        self.change_workspace(|doc| {
            check_new_name(&doc.workspace, ItemKind::User, name)?;
            doc.workspace.users.push(User {
                name: name.to_owned(),
                email: email.map(str::to_owned),
            });
            Ok(())
        })
    }

    pub fn add_phone_number(&self, number: &str, label: &str) -> Result<(), Error> {
        check_e164(number).map_err(Error::Rejected)?;
        self.change_workspace(|doc| {
            check_new_name(&doc.workspace, ItemKind::PhoneNumber, number)?;
            doc.workspace.phone_numbers.push(PhoneNumber {
                number: number.to_owned(),
                label: label.to_owned(),
            });
            Ok(())
        })
    }

    pub fn add_extension(&self, extension: &str, label: &str) -> Result<(), Error> {
        check_extension(extension).map_err(Error::Rejected)?;
        self.change_workspace(|doc| {
            check_new_name(&doc.workspace, ItemKind::InternalNumber, extension)?;
            doc.workspace.internal_numbers.push(InternalNumber {
                extension: extension.to_owned(),
                label: label.to_owned(),
            });
            Ok(())
        })
    }

    /// Checks that a custom announcement or greeting named `name` could be added (call before
    /// decoding the upload, so a bad name costs nothing).
    pub fn check_audio_name(&self, kind: ItemKind, name: &str) -> Result<(), Error> {
        check_new_name(&self.load()?.workspace, kind, name)
    }

    /// Records an uploaded announcement or greeting whose decoded file is already in the audio folder.
    pub fn add_audio(&self, kind: ItemKind, item: AudioItem) -> Result<(), Error> {
        self.change_workspace(|doc| {
            check_new_name(&doc.workspace, kind, &item.name)?;
            match kind {
                ItemKind::Announcement => doc.workspace.announcements.push(item),
                ItemKind::Greeting => doc.workspace.greetings.push(item),
                _ => {
                    return Err(Error::Rejected(
                        Text::new("item-not-audio").arg("kind", kind.id()),
                    ));
                }
            }
            Ok(())
        })
    }

    /// Adds a delivery method; its password or token (if any) goes to the keyring.
    pub fn add_delivery_method(&self, method: DeliveryMethod, secret: Option<Secret>) -> Result<(), Error> {
        check_delivery_target(&method.target)?;
        if let DeliveryTarget::Ftp { host, port, .. } | DeliveryTarget::Sftp { host, port, .. } =
            &method.target
        {
            let joined = port.map_or(host.clone(), |p| format!("{host}:{p}"));
            check_host_port(&joined)
                .map_err(|_| Error::Rejected(Text::new("problem-port-invalid").arg("address", &joined)))?;
        }
        let mut guard = SecretGuard::new(&self.secrets);
        self.change_workspace(|doc| {
            check_new_name(&doc.workspace, ItemKind::DeliveryMethod, &method.name)?;
            if let Some(s) = &secret {
                guard.set(SecretKey::Delivery(method.name.clone()), s)?;
            }
            doc.workspace.delivery_methods.push(method);
            Ok(())
        })?;
        guard.commit();
        Ok(())
    }

    /// Replaces the password or token of delivery method `name` in the keyring (a cloud
    /// drive's sign-in).
    pub fn set_delivery_secret(&self, name: &str, secret: &Secret) -> Result<(), Error> {
        if !self.load()?.workspace.has_delivery_method(name) {
            return Err(Error::Rejected(
                Text::new("item-not-found")
                    .arg("kind", ItemKind::DeliveryMethod.id())
                    .arg("name", name),
            ));
        }
        self.secrets.set(&SecretKey::Delivery(name.to_owned()), secret)?;
        Ok(())
    }

    /// Removes a catalogue item. Refused, with the accounts' names, while accounts use it;
    /// built-in announcements and greetings cannot be removed.
    pub fn remove_item(&self, kind: ItemKind, key: &str) -> Result<(), Error> {
        let removed_file = self.change_workspace(|doc| {
            let users = accounts_using(&doc.accounts, kind, key);
            if !users.is_empty() {
                return Err(Error::InUse {
                    kind: kind.id(),
                    name: key.to_owned(),
                    accounts: users,
                });
            }
            let ws = &mut doc.workspace;
            let before = (
                ws.users.len(),
                ws.phone_numbers.len(),
                ws.internal_numbers.len(),
                ws.delivery_methods.len(),
            );
            let mut removed_file = None;
            let mut take_audio = |list: &mut Vec<AudioItem>| {
                if let Some(i) = list.iter().position(|a| a.name == key) {
                    removed_file = Some(list.remove(i).file);
                }
            };
            match kind {
                ItemKind::User => ws.users.retain(|u| u.name != key),
                ItemKind::PhoneNumber => ws.phone_numbers.retain(|n| n.number != key),
                ItemKind::InternalNumber => ws.internal_numbers.retain(|n| n.extension != key),
                ItemKind::DeliveryMethod => ws.delivery_methods.retain(|d| d.name != key),
                ItemKind::Announcement => take_audio(&mut ws.announcements),
                ItemKind::Greeting => take_audio(&mut ws.greetings),
            }
            let after = (
                ws.users.len(),
                ws.phone_numbers.len(),
                ws.internal_numbers.len(),
                ws.delivery_methods.len(),
            );
            if before == after && removed_file.is_none() {
                let builtin = ws.contains(kind, key);
                return Err(if builtin {
                    Error::Rejected(Text::new("item-built-in").arg("kind", kind.id()).arg("name", key))
                } else {
                    not_found(kind, key)
                });
            }
            Ok(removed_file)
        })?;
        if kind == ItemKind::DeliveryMethod {
            self.secrets.delete(&SecretKey::Delivery(key.to_owned()))?;
        }
        if let Some(file) = removed_file {
            let _ = std::fs::remove_file(self.paths().audio_dir().join(file));
        }
        info!(%kind, "workspace item removed");
        Ok(())
    }

    /// Turns the workspace encryption switch on or off. Off is refused while accounts use
    /// SRTP-SDES, SRTP-DTLS, TLS or WSS.
    pub fn set_encryption(&self, on: bool) -> Result<(), Error> {
        self.change_workspace(|doc| {
            if !on {
                let users: Vec<String> = doc
                    .accounts
                    .iter()
                    .filter(|a| {
                        a.advanced.media_types.iter().any(|m| m.is_encrypted())
                            || a.advanced.transports.iter().any(|t| t.is_encrypted())
                    })
                    .map(|a| a.name.clone())
                    .collect();
                if !users.is_empty() {
                    return Err(Error::Rejected(
                        Text::new("encryption-in-use").arg("accounts", users.join(", ")),
                    ));
                }
            }
            doc.workspace.encryption_enabled = on;
            Ok(())
        })
    }
}
