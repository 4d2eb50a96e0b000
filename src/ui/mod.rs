//! The iced desktop app. It calls the account core through jobs run off the UI thread and
//! does no SIP or audio work itself.

pub mod app;
pub mod autostart;
mod clipboard;
pub mod i18n;
pub mod instance;
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

use iced::Task;

use crate::account::ProfilePaths;

/// Opens the window on the profile at `paths`, with `target` (a number or sip:/tel: URI)
/// ready to call (minimised with `minimized`, as the login start opens it); returns when it is
/// closed, or says why the window cannot open. When a window
/// already runs on the profile, it gets `target` and comes to the front instead
/// ([`instance`]).
pub fn run(paths: ProfilePaths, target: Option<String>, minimized: bool) -> Result<(), String> {
    i18n::init();
    if cfg!(all(unix, not(target_os = "macos"))) {
        let display = ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        if !display {
            return Err(i18n::fl!("no-display"));
        }
    }
    let target = target.and_then(|t| screen::phone::dialable(&t));
    let request = target
        .clone()
        .map_or(instance::Request::Show, instance::Request::Dial);
    #[cfg(unix)]
    match instance::claim(&instance::socket_path(&paths.state_dir), &request) {
        Ok(instance::Claim::Forwarded) => {
            println!("{}", i18n::fl!("instance-forwarded"));
            return Ok(());
        }
        Ok(instance::Claim::Primary(listener)) => link::serve_launches(listener),
        Err(e) => eprintln!("{}", i18n::fl!("instance-unavailable", reason = e.to_string())),
    }
    #[cfg(not(unix))]
    let _ = request;
    probe::start();
    let (size, position) = window_placement(prefs::Prefs::load(&paths).window);
    iced::application(
        move || {
            let (mut app, task) = app::App::boot(paths.clone());
            app.dialer.number = target.clone().unwrap_or_default();
            if minimized {
                let minimize = iced::window::latest().and_then(|window| iced::window::minimize(window, true));
                return (app, Task::batch([task, minimize]));
            }
            (app, task)
        },
        app::App::update,
        app::App::view,
    )
    .subscription(app::App::subscription)
    .exit_on_close_request(false)
    .title(app::App::title)
    .theme(app::App::theme)
    .window_size(size)
    .position(position)
    .run()
    .map_err(|e| e.to_string())
}

/// Where the window opens: as it was last closed, else 1000×780 where the system puts it.
/// A stored size is kept to at least 640×480.
fn window_placement(stored: Option<prefs::WindowPrefs>) -> (iced::Size, iced::window::Position) {
    match stored {
        Some(w) if w.width.is_finite() && w.height.is_finite() => {
            let size = iced::Size::new(w.width.max(640.0), w.height.max(480.0));
            let position = match (w.x, w.y) {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                    iced::window::Position::Specific(iced::Point::new(x, y))
                }
                _ => iced::window::Position::Default,
            };
            (size, position)
        }
        _ => (iced::Size::new(1000.0, 780.0), iced::window::Position::Default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_opens_as_it_was_closed() {
        use iced::window::Position;
        let (size, position) = window_placement(None);
        assert_eq!(size, iced::Size::new(1000.0, 780.0));
        assert!(matches!(position, Position::Default));
        let stored = prefs::WindowPrefs {
            width: 300.0,
            height: 900.0,
            x: Some(20.0),
            y: Some(30.0),
        };
        let (size, position) = window_placement(Some(stored));
        assert_eq!(size, iced::Size::new(640.0, 900.0), "kept to a usable size");
        assert!(matches!(position, Position::Specific(p) if p == iced::Point::new(20.0, 30.0)));
        let wayland = prefs::WindowPrefs { x: None, ..stored };
        assert!(matches!(window_placement(Some(wayland)).1, Position::Default));
    }
}
