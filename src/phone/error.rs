//! Why the phone refused or could not do what it was asked, said so the user knows what to do.

use crate::text::Text;

/// A refusal or failure, said so the user knows what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("{0}")]
    Refused(Text),
    #[error("{0}")]
    Network(Text),
}

impl PhoneError {
    /// What to tell the user (translated by the window).
    pub fn text(&self) -> &Text {
        match self {
            PhoneError::Refused(t) | PhoneError::Network(t) => t,
        }
    }
}
