//! Settings → Audio: the input, output and ring devices (each "System default" or a named
//! device), a test tone on the output and on the ring device, a microphone meter, and the
//! microphone's echo cancellation and noise suppression. Choices apply to calls placed or
//! answered from then on, and persist in `ui.toml`.

use std::fmt;

use iced::widget::{button, checkbox, column, container, pick_list, progress_bar, row, text};
use iced::{Alignment, Element, Length};

use crate::media::device::DeviceInfo;
use crate::phone::controller::{Request, Update};
use crate::ui::i18n::{self, fl};
use crate::ui::prefs::AudioPrefs;
use crate::ui::screen::call::level;
use crate::ui::widgets::{error, heading, hint};

/// A device in a picker: `None` is the system's default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceOption {
    pub name: Option<String>,
    label: String,
}

impl fmt::Display for DeviceOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

#[derive(Clone, Debug)]
pub enum Message {
    Input(DeviceOption),
    Output(DeviceOption),
    Ring(DeviceOption),
    EchoCancellation(bool),
    NoiseSuppression(bool),
    /// The test tone on the output (`false`) or the ring device (`true`).
    Test {
        ring: bool,
    },
    MicTest(bool),
    Refresh,
}

/// What the app does after an update.
#[derive(Debug)]
pub enum Action {
    None,
    Send(Request),
    /// The preferences changed: save them and give the phone the new devices.
    Changed,
}

#[derive(Debug, Default)]
pub struct Audio {
    /// Inputs and outputs as the phone listed them; `None` until it has.
    pub devices: Option<(Vec<DeviceInfo>, Vec<DeviceInfo>)>,
    pub error: Option<String>,
    pub mic_test: bool,
    pub mic_dbfs: Option<f32>,
}

impl Audio {
    pub fn update(&mut self, message: Message, prefs: &mut AudioPrefs) -> Action {
        match message {
            Message::Input(d) => prefs.input = d.name,
            Message::Output(d) => prefs.output = d.name,
            Message::Ring(d) => prefs.ring = d.name,
            Message::EchoCancellation(on) => prefs.echo_cancellation = on,
            Message::NoiseSuppression(on) => prefs.noise_suppression = on,
            Message::Test { ring } => return Action::Send(Request::TestSound { ring }),
            Message::MicTest(on) => {
                self.mic_test = on;
                self.mic_dbfs = None;
                self.error = None;
                return Action::Send(Request::MicTest(on));
            }
            Message::Refresh => {
                self.error = None;
                return Action::Send(Request::ListDevices);
            }
        }
        Action::Changed
    }

    pub fn on_update(&mut self, update: &Update) {
        match update {
            Update::DeviceList(Ok(lists)) => {
                self.devices = Some(lists.clone());
                self.error = None;
            }
            Update::DeviceList(Err(e)) => self.error = Some(fl!("audio-unavailable", reason = i18n::text(e))),
            Update::MicLevel(dbfs) if self.mic_test => self.mic_dbfs = Some(*dbfs),
            Update::DeviceFailed(e) => {
                self.mic_test = false;
                self.error = Some(i18n::text(e));
            }
            _ => {}
        }
    }

    pub fn view<'a>(&'a self, prefs: &'a AudioPrefs) -> Element<'a, Message> {
        let (inputs, outputs) = self
            .devices
            .as_ref()
            .map(|(i, o)| (i.as_slice(), o.as_slice()))
            .unwrap_or_default();
        let picker = |id: &'static str,
                      label: String,
                      list: &[DeviceInfo],
                      chosen: &Option<String>,
                      on: fn(DeviceOption) -> Message| {
            let options = options(list, chosen);
            let selected = options.iter().find(|o| &o.name == chosen).cloned();
            row![
                text(label).width(Length::Fixed(150.0)),
                container(pick_list(options, selected, on).width(Length::Fixed(380.0))).id(id),
            ]
            .spacing(10)
            .align_y(Alignment::Center)
        };
        let test = |id: &'static str, ring: bool| {
            container(
                button(text(fl!("audio-test-tone")))
                    .on_press(Message::Test { ring })
                    .style(button::secondary),
            )
            .id(id)
        };
        let meter = row![
            container(
                checkbox(self.mic_test)
                    .label(fl!("audio-mic-test"))
                    .on_toggle(Message::MicTest)
            )
            .id("mic-test"),
            progress_bar(0.0..=1.0, self.mic_dbfs.map_or(0.0, level))
                .girth(8)
                .length(Length::Fixed(200.0)),
            text(match (self.mic_test, self.mic_dbfs) {
                (true, Some(db)) if db > -90.0 => format!("{db:.0} dBFS"),
                (true, _) => fl!("audio-mic-silent"),
                (false, _) => String::new(),
            })
            .size(13),
        ]
        .spacing(10)
        .align_y(Alignment::Center);
        let mut col = column![heading(fl!("audio-title")), hint(fl!("audio-applies"))].spacing(14);
        if let Some(e) = &self.error {
            col = col.push(container(error(e.clone())).id("audio-error"));
        }
        if self.devices.is_none() && self.error.is_none() {
            col = col.push(hint(fl!("audio-listing")));
        }
        col = col
            .push(picker(
                "audio-input",
                fl!("audio-input"),
                inputs,
                &prefs.input,
                Message::Input,
            ))
            .push(meter)
            .push(
                row![
                    picker(
                        "audio-output",
                        fl!("audio-output"),
                        outputs,
                        &prefs.output,
                        Message::Output
                    ),
                    test("test-output", false)
                ]
                .spacing(10)
                .align_y(Alignment::Center),
            )
            .push(
                row![
                    picker(
                        "audio-ring",
                        fl!("audio-ring"),
                        outputs,
                        &prefs.ring,
                        Message::Ring
                    ),
                    test("test-ring", true)
                ]
                .spacing(10)
                .align_y(Alignment::Center),
            )
            .push(
                container(
                    checkbox(prefs.echo_cancellation)
                        .label(fl!("audio-echo-cancellation"))
                        .on_toggle(Message::EchoCancellation),
                )
                .id("echo-cancellation"),
            )
            .push(
                container(
                    checkbox(prefs.noise_suppression)
                        .label(fl!("audio-noise-suppression"))
                        .on_toggle(Message::NoiseSuppression),
                )
                .id("noise-suppression"),
            )
            .push(
                button(text(fl!("audio-refresh")))
                    .on_press(Message::Refresh)
                    .style(button::text),
            );
        container(col).padding(20).max_width(900).into()
    }
}

/// "System default", the listed devices, and a chosen device that is not connected now (kept,
/// so a headset unplugged for a while stays chosen).
fn options(list: &[DeviceInfo], chosen: &Option<String>) -> Vec<DeviceOption> {
    let mut out = vec![DeviceOption {
        name: None,
        label: fl!("audio-default"),
    }];
    out.extend(list.iter().map(|d| DeviceOption {
        name: Some(d.name.clone()),
        label: d.description.clone(),
    }));
    if let Some(name) = chosen
        && !list.iter().any(|d| &d.name == name)
    {
        out.push(DeviceOption {
            name: Some(name.clone()),
            label: fl!("audio-not-connected", name = name.as_str()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::device::{DeviceError, Direction};

    fn info(name: &str, description: &str) -> DeviceInfo {
        DeviceInfo {
            name: name.into(),
            description: description.into(),
            is_default: false,
        }
    }

    #[test]
    fn choices_change_the_prefs_and_tests_go_to_the_phone() {
        let mut screen = Audio::default();
        let mut prefs = AudioPrefs::default();
        screen.on_update(&Update::DeviceList(Ok((
            vec![info("mic", "USB Mic")],
            vec![info("spk", "Speakers"), info("hs", "Headset")],
        ))));
        let outputs = options(&screen.devices.as_ref().unwrap().1, &None);
        assert_eq!(
            outputs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["System default", "Speakers", "Headset"]
        );
        assert!(matches!(
            screen.update(Message::Ring(outputs[1].clone()), &mut prefs),
            Action::Changed
        ));
        assert!(matches!(
            screen.update(Message::EchoCancellation(false), &mut prefs),
            Action::Changed
        ));
        assert_eq!(
            (prefs.ring.as_deref(), prefs.echo_cancellation),
            (Some("spk"), false)
        );
        assert!(matches!(
            screen.update(Message::Test { ring: true }, &mut prefs),
            Action::Send(Request::TestSound { ring: true })
        ));
        assert!(matches!(
            screen.update(Message::MicTest(true), &mut prefs),
            Action::Send(Request::MicTest(true))
        ));
        screen.on_update(&Update::MicLevel(-12.0));
        assert_eq!(screen.mic_dbfs, Some(-12.0));
        let unplugged = DeviceError::UnknownDevice {
            direction: Direction::Input,
            name: "Headset".into(),
            available: "Built-in".into(),
        };
        screen.on_update(&Update::DeviceFailed(unplugged.text()));
        assert!(!screen.mic_test);
        assert_eq!(
            screen.error.as_deref(),
            Some("there is no audio input device named `Headset`; available: Built-in")
        );
    }

    #[test]
    fn an_unplugged_choice_stays_listed() {
        let options = options(&[info("spk", "Speakers")], &Some("hs".into()));
        assert_eq!(options.len(), 3);
        assert_eq!(options[2].name.as_deref(), Some("hs"));
        assert!(options[2].to_string().contains("hs"), "{}", options[2]);
    }
}
