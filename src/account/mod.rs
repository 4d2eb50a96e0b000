//! The account manager core: the seed's SIP account model and workspace catalogues,
//! validation, storage (TOML, atomic, locked), secrets (OS keyring), CSV and credentials.
//! No UI, SIP or audio code lives here.

pub mod allowed_ip;
mod catalogue;
pub mod credentials;
pub mod csv_format;
mod manager;
pub mod model;
pub mod secrets;
pub mod store;
pub mod validate;
pub mod workspace;

use std::fmt;

use crate::text::Text;

pub use manager::{AccountManager, ImportReport, fill_username};
pub use model::SipAccount;
pub use secrets::{Secret, SecretError, SecretStore};
pub use store::{Document, ProfilePaths, StoreError};
pub use validate::{Field, Problem};
pub use workspace::{ItemKind, Workspace};

/// A problem in one cell (or row) of an imported CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvProblem {
    /// 1-based line number of the record in the file (the header is line 1).
    pub line: u64,
    /// The column, when the problem is in one cell.
    pub column: Option<String>,
    /// In English.
    pub message: String,
    /// The translation's Fluent id and arguments when the problem is a validation
    /// [`Problem`]'s; empty otherwise.
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// An account-manager failure. Every message names what went wrong and what to do.
/// `kind` is an [`ItemKind::id`] or `account`.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    #[error("the account is not valid:\n{}", bullet(.0))]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    Rejected(Text),
    #[error("{}", not_found(.kind, .name, .list_command))]
    NotFound {
        kind: &'static str,
        name: String,
        list_command: &'static str,
    },
    #[error("{}", in_use(.kind, .name, .accounts))]
    InUse {
        kind: &'static str,
        name: String,
        accounts: Vec<String>,
    },
    #[error("the CSV file has problems, so nothing was imported:\n{}", bullet(.0))]
    Csv(Vec<CsvProblem>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

impl Error {
    /// The message for the user; `None` for the lists of problems ([`Error::Invalid`],
    /// [`Error::Csv`]), which are shown one by one.
    pub fn text(&self) -> Option<Text> {
        Some(match self {
            Error::Invalid(_) | Error::Csv(_) => return None,
            Error::Rejected(t) => t.clone(),
            Error::NotFound {
                kind,
                name,
                list_command,
            } => not_found(kind, name, list_command),
            Error::InUse { kind, name, accounts } => in_use(kind, name, accounts),
            Error::Store(e) => e.text(),
            Error::Secret(e) => e.text(),
        })
    }
}

fn not_found(kind: &str, name: &str, list_command: &str) -> Text {
    Text::new("item-not-found")
        .arg("kind", kind)
        .arg("name", name)
        .arg("command", list_command)
}

fn in_use(kind: &str, name: &str, accounts: &[String]) -> Text {
    Text::new("item-in-use")
        .arg("kind", kind)
        .arg("name", name)
        .arg("accounts", accounts.join(", "))
}

fn bullet<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| format!("  - {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}
