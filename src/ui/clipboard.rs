//! The system clipboard, held by this process while it runs (X11 and Wayland serve a copy
//! from the program that made it). Copies ask clipboard managers to keep them out of history.

use std::sync::{Mutex, PoisonError};

static CLIPBOARD: Mutex<Option<arboard::Clipboard>> = Mutex::new(None);

/// Copies `text`; the error says why there is no clipboard.
pub fn copy(text: &str) -> Result<(), String> {
    if cfg!(all(unix, not(target_os = "macos"))) {
        let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        if !has_display {
            return Err("there is no display".into());
        }
    }
    let mut guard = CLIPBOARD.lock().unwrap_or_else(PoisonError::into_inner);
    let clipboard = match guard.as_mut() {
        Some(c) => c,
        None => guard.insert(arboard::Clipboard::new().map_err(|e| e.to_string())?),
    };
    set(clipboard, text).map_err(|e| e.to_string())
}

#[cfg(all(unix, not(target_os = "macos")))]
fn set(clipboard: &mut arboard::Clipboard, text: &str) -> Result<(), arboard::Error> {
    use arboard::SetExtLinux;
    clipboard.set().exclude_from_history().text(text.to_owned())
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn set(clipboard: &mut arboard::Clipboard, text: &str) -> Result<(), arboard::Error> {
    clipboard.set_text(text.to_owned())
}
