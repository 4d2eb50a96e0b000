//! Settings → Diagnostics: the newest log lines and, while the user records them, the SIP
//! messages sent and received (both with secrets masked), filtered by a search text; and
//! "Copy diagnostics", which puts a report for support on the clipboard: the version and
//! system, the profile's folders, each account's server, transports and registration state
//! (no username or password), and the newest log lines.

use std::collections::BTreeMap;

use iced::widget::{button, checkbox, column, container, row, scrollable, text, text_input};
use iced::{Alignment, Element, Font, Length};

use crate::account::{Document, ProfilePaths};
use crate::clock::Utc;
use crate::ui::i18n::fl;
use crate::ui::screen::phone::Registration;
use crate::ui::widgets::{heading, hint};

/// Lines shown at most (the newest).
const SHOWN: usize = 400;
/// Log lines in a copied report.
const REPORT_LINES: usize = 200;

/// Which record the screen shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pane {
    #[default]
    Log,
    Sip,
}

#[derive(Clone, Debug)]
pub enum Message {
    Show(Pane),
    Filter(String),
    /// Record SIP messages (on) or stop and forget them (off).
    Record(bool),
    Refresh,
    Copy,
}

/// What the app does after an update.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    None,
    /// Put this report on the clipboard.
    Copy(String),
}

#[derive(Debug, Default)]
pub struct Diagnostics {
    pub pane: Pane,
    pub filter: String,
    /// What the screen shows: the log lines, or the SIP messages' lines (each message headed by
    /// its time, direction and flow).
    pub lines: Vec<String>,
    pub recording: bool,
}

impl Diagnostics {
    /// The screen with the record read now.
    pub fn open() -> Diagnostics {
        let mut d = Diagnostics {
            recording: crate::phone::sip_trace::is_recording(),
            ..Diagnostics::default()
        };
        d.refresh();
        d
    }

    /// Reads the shown record again.
    pub fn refresh(&mut self) {
        self.lines = match self.pane {
            Pane::Log => crate::logging::recent::lines(),
            Pane::Sip => crate::phone::sip_trace::recent()
                .into_iter()
                .flat_map(|m| {
                    let at = Utc::at(m.at);
                    let (h, min, s) = (at.hour, at.minute, at.second);
                    let direction = if m.sent {
                        fl!("diag-sent")
                    } else {
                        fl!("diag-received")
                    };
                    std::iter::once(format!("{h:02}:{min:02}:{s:02} UTC — {direction} {}", m.flow))
                        .chain(m.text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>())
                })
                .collect(),
        };
    }

    /// The lines that hold the filter text (any case), the newest [`SHOWN`].
    pub fn shown(&self) -> Vec<&str> {
        let needle = self.filter.trim().to_lowercase();
        let matching: Vec<&str> = self
            .lines
            .iter()
            .map(String::as_str)
            .filter(|l| needle.is_empty() || l.to_lowercase().contains(&needle))
            .collect();
        matching[matching.len().saturating_sub(SHOWN)..].to_vec()
    }

    pub fn update(
        &mut self,
        message: Message,
        paths: Option<&ProfilePaths>,
        doc: &Document,
        states: &BTreeMap<String, Registration>,
    ) -> Action {
        match message {
            Message::Show(pane) => {
                self.pane = pane;
                self.refresh();
            }
            Message::Filter(f) => self.filter = f,
            Message::Record(on) => {
                crate::phone::sip_trace::set_recording(on);
                self.recording = on;
                self.refresh();
            }
            Message::Refresh => self.refresh(),
            Message::Copy => return Action::Copy(report(paths, doc, states)),
        }
        Action::None
    }

    pub fn view(&self) -> Element<'_, Message> {
        let tab = |label: String, pane: Pane, id: &'static str| {
            container(
                button(text(label))
                    .on_press(Message::Show(pane))
                    .style(if self.pane == pane {
                        button::primary
                    } else {
                        button::secondary
                    }),
            )
            .id(id)
        };
        let controls = row![
            tab(fl!("diag-log"), Pane::Log, "diag-log"),
            tab(fl!("diag-sip"), Pane::Sip, "diag-sip"),
            container(
                checkbox(self.recording)
                    .label(fl!("diag-record"))
                    .on_toggle(Message::Record)
            )
            .id("diag-record"),
            text_input(&fl!("diag-filter"), &self.filter)
                .on_input(Message::Filter)
                .id("diag-filter")
                .width(Length::Fill),
            container(button(text(fl!("diag-refresh"))).on_press(Message::Refresh)).id("diag-refresh"),
            container(button(text(fl!("diag-copy"))).on_press(Message::Copy)).id("diag-copy"),
        ]
        .spacing(10)
        .align_y(Alignment::Center);
        let shown = self.shown();
        let body: Element<'_, Message> = if shown.is_empty() {
            hint(match (self.pane, self.recording) {
                (Pane::Sip, false) => fl!("diag-sip-off"),
                _ => fl!("diag-empty"),
            })
        } else {
            scrollable(
                column(
                    shown
                        .into_iter()
                        .map(|l| text(l.to_owned()).font(Font::MONOSPACE).size(12).into()),
                )
                .spacing(2)
                .width(Length::Fill),
            )
            .height(Length::Fill)
            .into()
        };
        column![heading(fl!("diag-title")), hint(fl!("diag-hint")), controls, body]
            .spacing(12)
            .padding(20)
            .into()
    }
}

/// The report "Copy diagnostics" puts on the clipboard, scrubbed of secrets.
pub fn report(
    paths: Option<&ProfilePaths>,
    doc: &Document,
    states: &BTreeMap<String, Registration>,
) -> String {
    let mut out = format!(
        "Handset {} diagnostics\nsystem: {} {}\n",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    if let Some(p) = paths {
        out.push_str(&format!(
            "profile: {}\nconfig: {}\ndata: {}\nstate: {}\n",
            if p.portable { "portable" } else { "default" },
            p.config_dir.display(),
            p.data_dir.display(),
            p.state_dir.display()
        ));
    }
    out.push_str(&format!("accounts: {}\n", doc.accounts.len()));
    for a in &doc.accounts {
        let c = &a.credentials;
        let transports: Vec<String> = a.advanced.transports.iter().map(|t| format!("{t:?}")).collect();
        let state = match states.get(&a.name) {
            None => "not started".to_owned(),
            Some(Registration::Registering) => "registering".to_owned(),
            Some(Registration::Registered) => "registered".to_owned(),
            Some(Registration::Unregistered) => "unregistered".to_owned(),
            Some(Registration::Failed(reason)) => format!("failed: {reason}"),
        };
        out.push_str(&format!(
            "- {}: {}{} [{}] outbound proxy: {}; {}\n",
            a.name,
            c.domain,
            c.port.map(|p| format!(":{p}")).unwrap_or_default(),
            transports.join(", "),
            c.outbound_proxy.as_deref().unwrap_or("none"),
            state
        ));
    }
    let lines = crate::logging::recent::lines();
    out.push_str(&format!("\nlog (newest {REPORT_LINES} lines):\n"));
    for l in &lines[lines.len().saturating_sub(REPORT_LINES)..] {
        out.push_str(l);
        out.push('\n');
    }
    crate::redact::scrub(&out)
}
