//! The one bridge to the phone: a subscription whose stream starts the phone's
//! [`Controller`] on the tokio runtime, yields it first, then every [`Update`]. And the bridge
//! to later launches of Handset on the same profile ([`launches`]).

use std::path::PathBuf;

use futures_util::{SinkExt, Stream};
use iced::Subscription;

use crate::account::secrets::SecretKey;
use crate::account::workspace::DeliveryMethod;
use crate::account::{AccountManager, Secret, SipAccount};
use crate::phone::controller::{Controller, Update};
use crate::phone::events::PhoneEvent;
use crate::phone::history::{CallHistory, CallRecord};
use crate::phone::softphone::PhoneOptions;
use crate::ui::i18n;
use crate::ui::instance::Request;

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

/// Runs the phone for the profile whose data directory is `data_dir` (the history lives there).
pub fn connect(data_dir: PathBuf) -> Subscription<Event> {
    Subscription::run_with(data_dir, |dir| events(dir.clone()))
}

/// The bridge's stream: loads the history, starts the controller (on the tokio runtime it is
/// polled on), yields it, then forwards every update until the phone stops.
pub fn events(dir: PathBuf) -> impl Stream<Item = Event> {
    iced::stream::channel(64, async move |mut out| {
        let options = PhoneOptions {
            recordings: Some(dir.join("recordings")),
            outbox: Some(dir.join("outbox")),
            voicemail: Some(dir.join("voicemail")),
            ..PhoneOptions::default()
        };
        let loaded = tokio::task::spawn_blocking(move || CallHistory::load(&dir)).await;
        let (history, error) = match loaded {
            Ok(Ok(h)) => (h, None),
            Ok(Err(e)) => (CallHistory::in_memory(), Some(i18n::text(&e))),
            Err(e) => (CallHistory::in_memory(), Some(e.to_string())),
        };
        let records = history.records().to_vec();
        let (controller, mut updates) = Controller::spawn(options, history, None);
        let ready = Event::Ready {
            controller,
            history: records,
            error,
        };
        if out.send(ready).await.is_err() {
            return;
        }
        while let Some(update) = updates.recv().await {
            // The window shows no signalling paths: fewer wake-ups while a server flaps.
            if matches!(update, Update::Phone(PhoneEvent::Connected { .. })) {
                continue;
            }
            if out.send(Event::Update(update)).await.is_err() {
                break;
            }
        }
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

/// The workspace's delivery methods with their passwords or tokens from the keyring
/// (blocking). A secret that cannot be read is left out: the server's refusal then says so.
pub fn delivery_methods(manager: &AccountManager) -> Vec<(DeliveryMethod, Option<Secret>)> {
    let Ok(doc) = manager.load() else {
        return Vec::new();
    };
    doc.workspace
        .delivery_methods
        .into_iter()
        .map(|m| {
            let secret = manager
                .secret_store()
                .get(&SecretKey::Delivery(m.name.clone()))
                .unwrap_or_else(|e| {
                    tracing::warn!(method = %m.name, error = %e, "no delivery secret from the keyring");
                    None
                });
            (m, secret)
        })
        .collect()
}

/// The socket later launches talk to, once this window serves it.
#[cfg(unix)]
static LAUNCHES: std::sync::Mutex<Option<std::sync::Arc<crate::ui::instance::Listener>>> =
    std::sync::Mutex::new(None);

/// Serves later launches' requests through [`launches`].
#[cfg(unix)]
pub fn serve_launches(listener: crate::ui::instance::Listener) {
    *LAUNCHES.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::sync::Arc::new(listener));
}

/// What later launches ask of this window (nothing when it serves no socket).
pub fn launches() -> Subscription<Request> {
    Subscription::run(launch_requests)
}

fn launch_requests() -> impl Stream<Item = Request> {
    iced::stream::channel(8, async move |mut out| {
        #[cfg(unix)]
        {
            let listener = LAUNCHES
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            let Some(listener) = listener else { return };
            loop {
                let l = std::sync::Arc::clone(&listener);
                match tokio::task::spawn_blocking(move || l.next()).await {
                    Ok(Ok(request)) => {
                        if out.send(request).await.is_err() {
                            return;
                        }
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "later launches can no longer reach this window");
                        return;
                    }
                    Err(_) => return,
                }
            }
        }
        #[cfg(not(unix))]
        let _ = &mut out;
    })
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;
    use crate::phone::controller::Request;

    #[test]
    fn the_stream_yields_the_controller_with_the_history_then_its_updates() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("history.json"),
            r#"{"version":1,"calls":[{"direction":"outgoing","outcome":"failed","account":"Desk","remote":"201","started":1,"duration_secs":0}]}"#,
        )
        .unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let mut events = Box::pin(events(dir.path().to_path_buf()));
            let Some(Event::Ready {
                controller,
                history,
                error: None,
            }) = events.next().await
            else {
                panic!("the controller comes first");
            };
            assert_eq!(history.len(), 1);
            assert_eq!(history[0].remote, "201");
            controller.send(Request::Dial {
                account: "Nowhere".into(),
                target: "201".into(),
            });
            match events.next().await {
                Some(Event::Update(Update::Dialled { result: Err(e), .. })) => {
                    assert!(e.to_string().contains("Nowhere"), "{e}")
                }
                other => panic!("{other:?}"),
            }
            controller.send(Request::Shutdown);
            assert!(matches!(
                events.next().await,
                Some(Event::Update(Update::Stopped))
            ));
        });
    }

    #[test]
    fn a_damaged_history_is_reported_and_the_phone_still_starts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("history.json"), "{").unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let first = runtime.block_on(async { Box::pin(events(dir.path().to_path_buf())).next().await });
        let Some(Event::Ready { history, error, .. }) = first else {
            panic!("{first:?}")
        };
        assert!(history.is_empty());
        assert!(error.unwrap().contains("damaged"));
    }
}
