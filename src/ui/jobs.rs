//! Account-manager work (files, keyring, clipboard) run off the UI thread: a [`Job`] goes in,
//! an [`Outcome`] message comes back.

use std::path::PathBuf;

use iced::Task;

use crate::account::credentials::CredentialsView;
use crate::account::{
    AccountManager, Document, Error, ImportReport, ItemKind, Secret, SipAccount, StoreError,
};

use super::clipboard;
use super::i18n;
use super::prefs::Prefs;
use crate::account::workspace::DeliveryMethod;

/// Which credential was copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copied {
    Username,
    Password,
    Domain,
    All,
}

/// Work for the account manager.
#[derive(Clone, Debug)]
pub enum Job {
    Reload,
    Create {
        draft: Box<SipAccount>,
        password: Option<Secret>,
    },
    /// Replaces the account stored as `name` with `account`.
    Update {
        name: String,
        account: Box<SipAccount>,
        password: Option<Secret>,
    },
    Delete {
        name: String,
    },
    Credentials {
        name: String,
    },
    Copy {
        text: Secret,
        what: Copied,
    },
    Export {
        path: PathBuf,
        include_passwords: bool,
    },
    Import {
        path: PathBuf,
        update: bool,
    },
    /// A change to the workspace catalogues.
    Workspace(Change),
    /// Stores the window's preferences.
    SavePrefs(Prefs),
    /// Puts the Diagnostics screen's report on the clipboard.
    CopyReport(String),
    /// Writes or removes the autostart entry.
    Autostart(crate::ui::autostart::Autostart, bool),
}

/// A change to the workspace catalogues or its encryption switch.
#[derive(Clone, Debug)]
pub enum Change {
    AddUser {
        name: String,
        email: Option<String>,
    },
    AddPhoneNumber {
        number: String,
        label: String,
    },
    AddExtension {
        extension: String,
        label: String,
    },
    Remove {
        kind: ItemKind,
        key: String,
    },
    /// Decodes an audio file into the announcements or greetings catalogue.
    UploadAudio {
        kind: ItemKind,
        name: String,
        path: PathBuf,
    },
    Encryption(bool),
    AddDeliveryMethod {
        method: DeliveryMethod,
        secret: Option<Secret>,
    },
    /// Signs a cloud-drive delivery method in: the service's page opens in the browser and
    /// the job waits (up to five minutes) for it to come back.
    SignIn {
        name: String,
    },
}

/// What a job did.
#[derive(Clone, Debug)]
pub enum Done {
    Loaded,
    Saved(Result<Box<SipAccount>, Error>),
    Deleted(Result<String, Error>),
    Credentials(Result<CredentialsView, Error>),
    Copied(Result<Copied, String>),
    /// The path and the number of accounts written.
    Exported(Result<(PathBuf, usize), String>),
    Imported(Result<ImportReport, Error>),
    Workspace(Result<(), Error>),
    PrefsSaved(Result<(), String>),
    /// The diagnostics report is on the clipboard, or why not.
    ReportCopied(Result<(), String>),
    /// The autostart entry is now on (`true`) or off, or could not be changed.
    Autostart(Result<bool, String>),
    /// The job stopped before finishing.
    Failed(String),
}

/// A finished job, with the profile as it is afterwards when it may have changed.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub done: Done,
    pub doc: Option<Result<Document, Error>>,
}

impl Job {
    /// Runs the job here and now (blocking).
    pub fn run(self, manager: &AccountManager) -> Outcome {
        let (done, reload) = match self {
            Job::Reload => (Done::Loaded, true),
            Job::Create { draft, password } => {
                (Done::Saved(manager.create(*draft, password).map(Box::new)), true)
            }
            Job::Update {
                name,
                account,
                password,
            } => {
                let saved = manager.edit(
                    &name,
                    |stored| {
                        *stored = *account;
                        Ok(())
                    },
                    password,
                );
                (Done::Saved(saved.map(Box::new)), true)
            }
            Job::Delete { name } => (Done::Deleted(manager.delete(&name).map(|a| a.name)), true),
            Job::Credentials { name } => (Done::Credentials(manager.credentials(&name)), false),
            Job::Copy { text, what } => (Done::Copied(clipboard::copy(text.expose()).map(|()| what)), false),
            Job::Export {
                path,
                include_passwords,
            } => (Done::Exported(export(manager, path, include_passwords)), false),
            Job::Import { path, update } => (Done::Imported(import(manager, &path, update)), true),
            Job::Workspace(change) => (Done::Workspace(change.apply(manager)), true),
            Job::SavePrefs(prefs) => (Done::PrefsSaved(prefs.save(manager.paths())), false),
            Job::CopyReport(report) => (Done::ReportCopied(clipboard::copy(&report)), false),
            Job::Autostart(entry, on) => (
                Done::Autostart(entry.set(on).map(|()| on).map_err(|e| e.to_string())),
                false,
            ),
        };
        Outcome {
            done,
            doc: reload.then(|| manager.load()),
        }
    }

    /// Runs the job on a blocking thread of the runtime.
    pub fn spawn(self, manager: AccountManager) -> Task<Outcome> {
        Task::perform(
            async move {
                tokio::task::spawn_blocking(move || self.run(&manager))
                    .await
                    .unwrap_or_else(|e| Outcome {
                        done: Done::Failed(e.to_string()),
                        doc: None,
                    })
            },
            std::convert::identity,
        )
    }
}

fn export(
    manager: &AccountManager,
    path: PathBuf,
    include_passwords: bool,
) -> Result<(PathBuf, usize), String> {
    let count = manager.load().map_err(|e| i18n::error(&e))?.accounts.len();
    let text = manager
        .export_csv(include_passwords)
        .map_err(|e| i18n::error(&e))?;
    crate::fsio::write_atomic(&path, text.as_bytes()).map_err(|e| {
        let e = StoreError::Io {
            action: "write",
            path: path.clone(),
            source: std::sync::Arc::new(e),
        };
        i18n::text(&e.text())
    })?;
    Ok((path, count))
}

fn import(manager: &AccountManager, path: &std::path::Path, update: bool) -> Result<ImportReport, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Store(StoreError::Io {
            action: "read",
            path: path.to_owned(),
            source: std::sync::Arc::new(e),
        })
    })?;
    manager.import_csv(&text, update)
}

impl Change {
    fn apply(self, manager: &AccountManager) -> Result<(), Error> {
        match self {
            Change::AddUser { name, email } => manager.add_user(&name, email.as_deref()),
            Change::AddPhoneNumber { number, label } => manager.add_phone_number(&number, &label),
            Change::AddExtension { extension, label } => manager.add_extension(&extension, &label),
            Change::Remove { kind, key } => manager.remove_item(kind, &key),
            Change::UploadAudio { kind, name, path } => {
                crate::phone::catalogue::upload_audio(manager, kind, &name, &path).map(|_| ())
            }
            Change::Encryption(on) => manager.set_encryption(on),
            Change::AddDeliveryMethod { method, secret } => manager.add_delivery_method(method, secret),
            Change::SignIn { name } => crate::phone::cloud_delivery::sign_in_method(
                manager,
                &name,
                None,
                crate::phone::cloud_delivery::open_in_browser,
                std::time::Duration::from_secs(300),
            )
            .map(drop),
        }
    }
}
