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
pub mod screen;
pub mod theme;
mod widgets;

use crate::account::ProfilePaths;

/// Opens the window on the profile at `paths`, with `target` (a number or sip:/tel: URI)
/// ready to call; returns when it is closed.
pub fn run(paths: ProfilePaths, target: Option<String>) -> iced::Result {
    i18n::init();
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
}
