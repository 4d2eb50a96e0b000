//! Desktop notifications (the freedesktop notification service over D-Bus): an incoming call,
//! with Answer and Decline, and a missed call, with Call back. Without a notification service
//! nothing is shown.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use notify_rust::{Notification, NotificationHandle, NotificationResponse, Timeout, Urgency};
use tokio::sync::oneshot;

use crate::phone::events::CallHandle;
use crate::phone::history::{CallRecord, Outcome};
use crate::ui::i18n::fl;
use crate::ui::screen::call::Message;

/// How long the notification stays when nobody acts on it.
const SHOWN_FOR_MS: u32 = 30_000;

/// The text of the notification: the caller, and which number of which account rang.
pub fn body(from: &str, called: &str, account: &str) -> String {
    let from = crate::ui::screen::phone::party(from);
    let to = if called.is_empty() {
        fl!("incoming-account", account = account)
    } else {
        fl!("incoming-called", called = called, account = account)
    };
    format!("{from}\n{to}")
}

/// The text of a missed call's notification: the caller, which number of which account it
/// called, and whether a message was left.
pub fn missed_body(record: &CallRecord) -> String {
    let mut body = body(&record.remote, &record.called, &record.account);
    if record.outcome == Outcome::Voicemail {
        body.push('\n');
        body.push_str(&fl!("missed-voicemail"));
    }
    body
}

/// Shows `notification` with Handset's name and icon; `None` without a notification service.
async fn show(notification: &mut Notification) -> Option<NotificationHandle> {
    let shown = notification
        .appname(&fl!("app-name"))
        .icon("org.handset.Handset")
        .show_async()
        .await;
    match shown {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::debug!(error = %e, "no desktop notification");
            None
        }
    }
}

/// Shows a missed call's notification; `Some(caller)` when the user chose Call back.
pub async fn missed_call(body: String, caller: String) -> Option<String> {
    let handle = show(
        Notification::new()
            .summary(&fl!("missed-title"))
            .body(&body)
            .action("call-back", &fl!("missed-call-back"))
            .urgency(Urgency::Normal)
            .timeout(Timeout::Never),
    )
    .await?;
    let mut call_back = false;
    handle
        .wait_for_action_async(|response| {
            call_back = matches!(response, NotificationResponse::Action(a) if a == "call-back");
        })
        .await;
    call_back.then_some(caller)
}

/// The notifications on screen, by call: a send withdraws one.
static SHOWN: LazyLock<Mutex<HashMap<CallHandle, oneshot::Sender<()>>>> = LazyLock::new(Default::default);

/// Shows the notification and waits for the user: Answer or Decline for `call`; `None` when it
/// was closed, timed out, withdrawn (the call stopped ringing), or could not be shown.
pub async fn incoming_call(call: CallHandle, body: String) -> Option<Message> {
    let handle = show(
        Notification::new()
            .summary(&fl!("incoming-title"))
            .body(&body)
            .action("answer", &fl!("incoming-answer"))
            .action("decline", &fl!("incoming-decline"))
            .urgency(Urgency::Critical)
            .timeout(Timeout::Milliseconds(SHOWN_FOR_MS)),
    )
    .await?;
    let withdrawn = shown_until_withdrawn(call);
    let mut chosen = None;
    let acted = handle.wait_for_action_async(|response| {
        chosen = match response {
            NotificationResponse::Action(a) if a == "answer" => Some(Message::Answer(call)),
            NotificationResponse::Action(a) if a == "decline" => Some(Message::Decline(call)),
            _ => None,
        };
    });
    let withdraw = tokio::select! {
        () = acted => false,
        _ = withdrawn => true,
    };
    if withdraw {
        handle.close_async().await;
    }
    SHOWN.lock().unwrap_or_else(|e| e.into_inner()).remove(&call);
    chosen
}

/// Registers the notification of `call`; the receiver resolves when it is withdrawn.
fn shown_until_withdrawn(call: CallHandle) -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    SHOWN.lock().unwrap_or_else(|e| e.into_inner()).insert(call, tx);
    rx
}

/// Takes the notification of `call` off the screen (the call was answered or declined in the
/// window, or stopped ringing); nothing happens when none is shown.
pub fn withdraw(call: CallHandle) {
    if let Some(tx) = SHOWN.lock().unwrap_or_else(|e| e.into_inner()).remove(&call) {
        let _ = tx.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withdrawing_resolves_only_that_calls_notification() {
        let (a, b) = (CallHandle(901), CallHandle(902));
        let mut first = shown_until_withdrawn(a);
        let mut second = shown_until_withdrawn(b);
        withdraw(a);
        withdraw(CallHandle(903));
        assert_eq!(first.try_recv(), Ok(()));
        assert!(second.try_recv().is_err(), "still shown");
        withdraw(b);
        assert_eq!(second.try_recv(), Ok(()));
        withdraw(b);
    }
}
