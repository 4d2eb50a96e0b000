//! The iced desktop app. It calls the account core through jobs run off the UI thread and
//! does no SIP or audio work itself.

pub mod app;
mod clipboard;
pub mod i18n;
pub mod jobs;
pub mod keys;
pub mod link;
mod notify;
pub mod prefs;
mod probe;
pub mod screen;
#[cfg(test)]
mod screenshots;
pub mod theme;
mod widgets;

use crate::account::ProfilePaths;

/// Opens the window on the profile at `paths`, with `target` (a number or sip:/tel: URI)
/// ready to call; returns when it is closed, or says why the window cannot open.
pub fn run(paths: ProfilePaths, target: Option<String>) -> Result<(), String> {
    i18n::init();
    if cfg!(all(unix, not(target_os = "macos"))) {
        let display = ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        if !display {
            return Err(i18n::fl!("no-display"));
        }
    }
    probe::start();
    let target = target.and_then(|t| screen::phone::dialable(&t));
    iced::application(
        move || {
            let (mut app, task) = app::App::boot(paths.clone());
            app.dialer.number = target.clone().unwrap_or_default();
            (app, task)
        },
        app::App::update,
        app::App::view,
    )
    .subscription(app::App::subscription)
    .exit_on_close_request(false)
    .title(app::App::title)
    .theme(app::App::theme)
    .window_size((1000.0, 780.0))
    .run()
    .map_err(|e| e.to_string())
}
