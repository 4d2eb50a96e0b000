//! The iced desktop app. It calls the account core through jobs run off the UI thread and
//! does no SIP or audio work itself.

pub mod app;
mod clipboard;
pub mod i18n;
pub mod jobs;
pub mod prefs;
pub mod screen;
pub mod theme;
mod widgets;

use crate::account::ProfilePaths;

/// Opens the window on the profile at `paths`; returns when it is closed.
pub fn run(paths: ProfilePaths) -> iced::Result {
    i18n::init();
    iced::application(
        move || app::App::boot(paths.clone()),
        app::App::update,
        app::App::view,
    )
    .title(app::App::title)
    .theme(app::App::theme)
    .window_size((1000.0, 780.0))
    .run()
}
