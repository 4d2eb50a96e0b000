//! The window's preferences (theme, language) in `ui.toml` beside the profile's config.
//! A missing or unreadable file gives the defaults; writes are atomic.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::theme::ThemeChoice;
use crate::account::ProfilePaths;
use crate::media::device::DeviceChoice;
use crate::media::voice::VoiceOptions;

/// The format version written by this build.
const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub version: u32,
    pub theme: ThemeChoice,
    /// A language code (`en`, `de`, `es`); `None` follows the system.
    pub language: Option<String>,
    pub audio: AudioPrefs,
    /// The window's size and position when it was last closed.
    pub window: Option<WindowPrefs>,
}

/// The sound devices (`None`: the system's default) and the microphone's processing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AudioPrefs {
    pub input: Option<String>,
    pub output: Option<String>,
    pub ring: Option<String>,
    pub echo_cancellation: bool,
    pub noise_suppression: bool,
}

impl Default for AudioPrefs {
    fn default() -> Self {
        AudioPrefs {
            input: None,
            output: None,
            ring: None,
            echo_cancellation: true,
            noise_suppression: true,
        }
    }
}

impl AudioPrefs {
    /// What calls and the ringtone use.
    pub fn choice(&self) -> DeviceChoice {
        DeviceChoice {
            input: self.input.clone(),
            output: self.output.clone(),
            ring: self.ring.clone(),
            voice: VoiceOptions {
                echo_cancellation: self.echo_cancellation,
                noise_suppression: self.noise_suppression,
            },
        }
    }
}

/// A window's logical size and position.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowPrefs {
    pub width: f32,
    pub height: f32,
    pub x: Option<f32>,
    pub y: Option<f32>,
}

impl Eq for WindowPrefs {}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            version: VERSION,
            theme: ThemeChoice::System,
            language: None,
            audio: AudioPrefs::default(),
            window: None,
        }
    }
}

impl Prefs {
    fn path(paths: &ProfilePaths) -> PathBuf {
        paths.config_file().with_file_name("ui.toml")
    }

    /// The stored preferences, or the defaults when there are none (or they cannot be read).
    pub fn load(paths: &ProfilePaths) -> Prefs {
        let path = Prefs::path(paths);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).unwrap_or_else(|e| {
                tracing::warn!("{}: {e}; using the default preferences", path.display());
                Prefs::default()
            }),
            Err(_) => Prefs::default(),
        }
    }

    pub fn save(&self, paths: &ProfilePaths) -> Result<(), String> {
        let path = Prefs::path(paths);
        let text = toml::to_string(self).map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        crate::fsio::write_atomic(&path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tolerant_loading() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::portable(dir.path());
        assert_eq!(Prefs::load(&paths), Prefs::default());
        let prefs = Prefs {
            theme: ThemeChoice::Dark,
            language: Some("de".into()),
            audio: AudioPrefs {
                input: Some("alsa_input.usb-headset".into()),
                ring: Some("alsa_output.pci-speakers".into()),
                echo_cancellation: false,
                ..AudioPrefs::default()
            },
            window: Some(WindowPrefs {
                width: 900.0,
                height: 640.0,
                x: Some(40.0),
                y: None,
            }),
            ..Prefs::default()
        };
        prefs.save(&paths).unwrap();
        assert_eq!(Prefs::load(&paths), prefs);
        std::fs::write(Prefs::path(&paths), "theme = \"light\"\nunknown = 1\n").unwrap();
        let partial = Prefs::load(&paths);
        assert_eq!((partial.theme, partial.language), (ThemeChoice::Light, None));
        assert_eq!(partial.audio, AudioPrefs::default(), "a file of an older version");
        assert!(partial.audio.choice().voice.echo_cancellation);
        std::fs::write(Prefs::path(&paths), "theme = [").unwrap();
        assert_eq!(Prefs::load(&paths), Prefs::default());
    }
}
