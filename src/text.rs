//! Messages for the user from the layers below the window (phone, account core, media).
//!
//! A [`Text`] is a Fluent id of `i18n/<lang>/handset.ftl` with its arguments. Its English
//! rendering (what the command line and the logs show, and what `Display` gives) comes from
//! the embedded English file, so each message is written once; the window shows the same id
//! in the user's language (`ui::i18n::text`).

use std::fmt;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

static ENGLISH: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| {
    let source = include_str!("../i18n/en/handset.ftl").to_owned();
    // A syntax error would be caught by the UI's loader test; keep what parsed.
    let resource = FluentResource::try_new(source).unwrap_or_else(|(parsed, _)| parsed);
    let mut bundle = FluentBundle::new_concurrent(Vec::new());
    bundle.set_use_isolating(false);
    // Only duplicate ids can be refused here, and the file has none (the key tests check it).
    let _ = bundle.add_resource(resource);
    bundle
});

/// A message: its Fluent id and named arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Text {
    pub fn new(key: &'static str) -> Text {
        Text {
            key,
            args: Vec::new(),
        }
    }

    /// The message with the argument `name` set to `value`.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Text {
        self.args.push((name, value.to_string()));
        self
    }

    /// The message in English.
    pub fn english(&self) -> String {
        let Some(pattern) = ENGLISH.get_message(self.key).and_then(|m| m.value()) else {
            debug_assert!(false, "`{}` is not in i18n/en/handset.ftl", self.key);
            return self.key.to_owned();
        };
        let mut args = FluentArgs::new();
        for (name, value) in &self.args {
            args.set(*name, value.as_str());
        }
        let mut errors = Vec::new();
        let text = ENGLISH.format_pattern(pattern, Some(&args), &mut errors);
        debug_assert!(errors.is_empty(), "`{}`: {errors:?}", self.key);
        text.into_owned()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn english_comes_from_the_english_file_with_its_arguments() {
        let t = Text::new("phone-account-not-active").arg("account", "Desk");
        assert_eq!(t.to_string(), "the account `Desk` is not active");
        let kinds = [
            ("user", "user"),
            ("greeting", "voicemail greeting"),
            ("account", "account"),
        ];
        for (kind, word) in kinds {
            let t = Text::new("item-exists").arg("kind", kind).arg("name", "Bob");
            assert_eq!(
                t.english(),
                format!("the {word} `Bob` exists already: choose another")
            );
        }
    }

    /// Every id named by `Text::new("…")` in the sources exists in English.
    #[test]
    fn every_named_message_exists() {
        let mut sources = String::new();
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    sources.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let named: Vec<&str> = sources
            .split("Text::new(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|k| !k.contains(['…', ' ']))
            .collect();
        assert!(named.len() > 20, "{named:?}");
        for key in named {
            assert!(
                super::ENGLISH.has_message(key),
                "`{key}` is not in i18n/en/handset.ftl"
            );
        }
    }
}
