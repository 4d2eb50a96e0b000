//! One module per screen; each owns its messages and returns an action to the app.

pub mod accounts;
pub mod audio;
pub mod call;
pub mod delivery;
pub mod diagnostics;
pub mod editor;
pub mod incoming;
pub mod phone;
pub mod welcome;
pub mod workspace;
