//! The desktop notification for an incoming call (the freedesktop notification service over
//! D-Bus), with Answer and Decline. Without a notification service nothing is shown.

use notify_rust::{Notification, Timeout, Urgency};

use crate::engine::CallHandle;
use crate::ui::i18n::fl;
use crate::ui::screen::call::Message;

/// How long the notification stays when nobody acts on it.
const SHOWN_FOR_MS: u32 = 30_000;

/// The text of the notification: the caller, and which number of which account rang.
pub fn body(from: &str, called: &str, account: &str) -> String {
    let to = if called.is_empty() {
        fl!("incoming-account", account = account)
    } else {
        fl!("incoming-called", called = called, account = account)
    };
    format!("{from}\n{to}")
}

/// Shows the notification and waits (blocking) for the user: Answer or Decline for `call`,
/// `None` when it was closed, timed out, or could not be shown.
pub fn incoming_call(call: CallHandle, body: &str) -> Option<Message> {
    let shown = Notification::new()
        .appname(&fl!("app-name"))
        .summary(&fl!("incoming-title"))
        .body(body)
        .icon("org.handset.Handset")
        .action("answer", &fl!("incoming-answer"))
        .action("decline", &fl!("incoming-decline"))
        .urgency(Urgency::Critical)
        .timeout(Timeout::Milliseconds(SHOWN_FOR_MS))
        .show();
    let handle = match shown {
        Ok(h) => h,
        Err(e) => {
            tracing::debug!(error = %e, "no desktop notification");
            return None;
        }
    };
    let mut chosen = None;
    handle.wait_for_action(|action| {
        chosen = match action {
            "answer" => Some(Message::Answer(call)),
            "decline" => Some(Message::Decline(call)),
            _ => None,
        };
    });
    chosen
}
