//! Light, dark, or the system's choice.

use std::fmt;

use iced::Theme;

use super::i18n::fl;

/// The theme the user picked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    /// The iced theme; `None` follows the system's light or dark mode.
    pub fn theme(self) -> Option<Theme> {
        match self {
            ThemeChoice::System => None,
            ThemeChoice::Light => Some(Theme::Light),
            ThemeChoice::Dark => Some(Theme::Dark),
        }
    }
}

impl fmt::Display for ThemeChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            ThemeChoice::System => fl!("theme-system"),
            ThemeChoice::Light => fl!("theme-light"),
            ThemeChoice::Dark => fl!("theme-dark"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_defers_to_the_platform() {
        assert_eq!(ThemeChoice::System.theme(), None);
        assert_eq!(ThemeChoice::Dark.theme(), Some(Theme::Dark));
        assert_eq!(ThemeChoice::Light.to_string(), "Light");
    }
}
