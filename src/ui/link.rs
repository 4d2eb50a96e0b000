//! The one bridge to the phone: a subscription whose stream starts the phone's
//! [`Controller`] on the tokio runtime, yields it first, then every [`Update`].

use std::path::PathBuf;

use futures_util::SinkExt;
use iced::Subscription;

use crate::account::{AccountManager, Secret, SipAccount};
use crate::media::device::DeviceChoice;
use crate::phone::controller::{Controller, Update};
use crate::phone::history::{CallHistory, CallRecord};
use crate::phone::softphone::PhoneOptions;

/// What the bridge yields.
#[derive(Clone, Debug)]
pub enum Event {
    /// The phone is running: its handle and the history so far (newest first); `error` when
    /// the history file could not be read (this session's calls are then kept in memory).
    Ready {
        controller: Controller,
        history: Vec<CallRecord>,
        error: Option<String>,
    },
    Update(Update),
}

/// The devices calls use: the system's default input and output.
pub fn devices() -> Option<DeviceChoice> {
    Some(DeviceChoice::default())
}

/// Runs the phone for the profile whose data directory is `data_dir` (the history lives there).
pub fn connect(data_dir: PathBuf) -> Subscription<Event> {
    Subscription::run_with(data_dir, |dir| {
        let dir = dir.clone();
        iced::stream::channel(64, async move |mut out| {
            let loaded = tokio::task::spawn_blocking(move || CallHistory::load(&dir)).await;
            let (history, error) = match loaded {
                Ok(Ok(h)) => (h, None),
                Ok(Err(e)) => (CallHistory::in_memory(), Some(e)),
                Err(e) => (CallHistory::in_memory(), Some(e.to_string())),
            };
            let records = history.records().to_vec();
            let (controller, mut updates) = Controller::spawn(PhoneOptions::default(), history, devices());
            let ready = Event::Ready {
                controller,
                history: records,
                error,
            };
            if out.send(ready).await.is_err() {
                return;
            }
            while let Some(update) = updates.recv().await {
                if out.send(Event::Update(update)).await.is_err() {
                    break;
                }
            }
        })
    })
}

/// The accounts `names` with their passwords, read from the keyring (blocking). A password
/// that cannot be read is sent empty: the registrar's refusal then says what is wrong.
pub fn with_passwords(manager: &AccountManager, names: &[String]) -> Vec<(SipAccount, Secret)> {
    names
        .iter()
        .filter_map(|name| {
            let account = manager.account(name).ok()?;
            let password = match manager.credentials(name) {
                Ok(view) => view.password.unwrap_or_else(|| Secret::new("")),
                Err(e) => {
                    tracing::warn!(account = %name, error = %e, "no password from the keyring");
                    Secret::new("")
                }
            };
            Some((account, password))
        })
        .collect()
}
