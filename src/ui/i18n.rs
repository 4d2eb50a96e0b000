//! Fluent translations: `i18n/<lang>/handset.ftl`, embedded in the binary.
//!
//! The language comes from the system locale, or from `HANDSET_LANG` (e.g. `de`) when set;
//! [`set_language`] switches it at run time. Keys are checked at compile time by [`fl!`].

use std::sync::LazyLock;

use i18n_embed::fluent::{FluentLanguageLoader, fluent_language_loader};
use i18n_embed::{DesktopLanguageRequester, LanguageLoader};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "i18n/"]
struct Localizations;

/// The loader every translated string goes through.
pub static LOADER: LazyLock<FluentLanguageLoader> = LazyLock::new(|| {
    let loader: FluentLanguageLoader = fluent_language_loader!();
    loader
        .load_fallback_language(&Localizations)
        .expect("the English translation is embedded");
    // No Unicode isolation marks around arguments: plain text in widgets and tests.
    loader.set_use_isolating(false);
    loader
});

/// A translated string: `fl!("key")` or `fl!("key", name = value)`.
macro_rules! fl {
    ($id:literal) => {
        i18n_embed_fl::fl!($crate::ui::i18n::LOADER, $id)
    };
    ($id:literal, $($args:tt)*) => {
        i18n_embed_fl::fl!($crate::ui::i18n::LOADER, $id, $($args)*)
    };
}
pub(crate) use fl;

/// The languages Handset speaks, as (code, own name).
pub const LANGUAGES: &[(&str, &str)] = &[("en", "English"), ("de", "Deutsch"), ("es", "Español")];

/// Chooses the language: `HANDSET_LANG` when set, else the system locale, else English.
pub fn init() {
    match std::env::var("HANDSET_LANG") {
        Ok(code) if !code.trim().is_empty() => set_language(code.trim()),
        _ if posix_locale() => {}
        _ => {
            let requested = DesktopLanguageRequester::requested_languages();
            if let Err(e) = i18n_embed::select(&*LOADER, &Localizations, &requested) {
                tracing::warn!("cannot load the system language, using English: {e}");
            }
            // Loading languages makes new bundles, which put the marks back.
            LOADER.set_use_isolating(false);
        }
    }
}

/// Whether the POSIX locale (`C`, `POSIX`, `C.UTF-8`) is in force: no language is asked for,
/// so English stays without the requester logging an unparsable locale.
fn posix_locale() -> bool {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    cfg!(unix) && locale.is_none_or(|l| l == "C" || l == "POSIX" || l.starts_with("C."))
}

/// Switches to the language `code` (e.g. `de`, `es-MX`); unknown codes fall back to English.
pub fn set_language(code: &str) {
    let Ok(id) = code.parse::<i18n_embed::unic_langid::LanguageIdentifier>() else {
        tracing::warn!("`{code}` is not a language code, using English");
        return;
    };
    if let Err(e) = i18n_embed::select(&*LOADER, &Localizations, &[id]) {
        tracing::warn!("cannot load the language `{code}`: {e}");
    }
    LOADER.set_use_isolating(false);
}

/// A validation problem of the account core in the current language (its English text when
/// it has no translation).
pub fn problem(p: &crate::account::validate::Problem) -> String {
    translated(p.key, &p.args, &p.message)
}

/// An account-manager error in the current language; lists of problems one per line.
pub fn error(e: &crate::account::Error) -> String {
    use crate::account::Error;
    match e {
        Error::Invalid(problems) => lines(problems.iter().map(problem)),
        Error::Csv(problems) => lines(problems.iter().map(csv_problem)),
        other => other.text().map_or_else(|| other.to_string(), |t| text(&t)),
    }
}

fn lines(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("\n")
}

/// A problem of a refused CSV import, with its line (and column).
pub fn csv_problem(p: &crate::account::CsvProblem) -> String {
    let at = match &p.column {
        Some(c) => fl!("csv-problem-cell", line = p.line, column = c.as_str()),
        None => fl!("csv-problem-line", line = p.line),
    };
    format!("{at}: {}", translated(p.key, &p.args, &p.message))
}

/// A message of the layers below in the current language.
pub fn text(t: &crate::text::Text) -> String {
    translated(t.key, &t.args, &t.english())
}

/// The message `key` with `args` in the current language; `fallback` (English) when there is
/// no such key.
pub fn translated(key: &str, args: &[(&'static str, String)], fallback: &str) -> String {
    if key.is_empty() || !LOADER.has(key) {
        return fallback.to_owned();
    }
    let args: std::collections::HashMap<&str, String> = args.iter().map(|(k, v)| (*k, v.clone())).collect();
    LOADER.get_args(key, args)
}

/// The code of the language in use (e.g. `en`).
pub fn current() -> String {
    LOADER.current_language().language.to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    fn keys(file: &Path) -> BTreeSet<String> {
        std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .lines()
            .filter(|l| !l.starts_with(['#', ' ', '.']) && l.contains(" = "))
            .filter_map(|l| l.split(" = ").next().map(str::to_owned))
            .collect()
    }

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("i18n")
    }

    #[test]
    fn every_language_has_every_key() {
        let reference = keys(&root().join("en/handset.ftl"));
        assert!(reference.len() > 50, "the English file is read");
        let mut langs = 0;
        for lang in std::fs::read_dir(root()).unwrap() {
            let file = lang.unwrap().path().join("handset.ftl");
            let have = keys(&file);
            let missing: Vec<_> = reference.difference(&have).collect();
            let extra: Vec<_> = have.difference(&reference).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                file.display()
            );
            langs += 1;
        }
        assert!(langs >= 3, "English, German and Spanish");
    }

    fn sources(dir: &Path, out: &mut String) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    #[test]
    fn every_key_is_used() {
        let mut text = String::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut text);
        let unused: Vec<String> = keys(&root().join("en/handset.ftl"))
            .into_iter()
            .filter(|k| !text.contains(&format!("\"{k}\"")))
            .collect();
        assert!(unused.is_empty(), "keys used nowhere in src/: {unused:?}");
    }

    /// The account core names its problems' translations at run time: each must exist, and
    /// the English one must say exactly what the core says.
    #[test]
    fn account_problems_are_translated_with_their_arguments() {
        use crate::account::model::{Codec, MediaType, SipAccount, Transport, Unavailable};
        use crate::account::validate::validate;
        use crate::account::workspace::Workspace;
        let english = keys(&root().join("en/handset.ftl"));
        let core =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/account/validate.rs"))
                .unwrap();
        let named: BTreeSet<&str> = core
            .split('"')
            .filter(|s| s.starts_with("problem-") && !s.contains(' '))
            .collect();
        assert!(named.len() > 30, "{named:?}");
        for key in &named {
            assert!(english.contains(*key), "{key} is not in en/handset.ftl");
        }
        let mut a = SipAccount {
            name: " Desk".into(),
            ..SipAccount::default()
        };
        a.general.user = Some("Nobody".into());
        a.inbound.did_numbers = vec!["+15550000".into()];
        a.inbound.internal_numbers = vec!["999".into()];
        a.inbound.when_unavailable = Unavailable::RouteToVoicemail {
            greeting: Some("Gone".into()),
        };
        a.outbound.enabled = true;
        a.outbound.internal_caller_ids = vec!["998".into()];
        a.outbound.internal_announcement = Some("Hello".into());
        a.recording.enabled = true;
        a.recording.on_demand = true;
        a.recording.feature_code = Some("12a".into());
        a.recording.delivery_method = Some("Mail".into());
        a.advanced.allowed_ips_enabled = true;
        a.advanced.codecs = vec![Codec::Pcmu, Codec::Pcmu];
        a.advanced.media_types = vec![MediaType::SrtpSdes];
        a.advanced.transports = vec![Transport::Tls, Transport::Tls];
        a.credentials.username = "bad user".into();
        a.credentials.domain = "bad_host".into();
        a.credentials.port = Some(0);
        a.credentials.outbound_proxy = Some("proxy.example.com:99999".into());
        let problems = validate(&a, &Workspace::default(), &[]);
        assert!(problems.len() >= 18, "{problems:#?}");
        for p in &problems {
            assert!(!p.key.is_empty(), "{p:?} has no translation");
            assert_eq!(super::problem(p), p.message, "{}", p.key);
        }
    }

    #[test]
    fn languages_load_from_the_embedded_files() {
        // A loader of its own: the shared one stays English for the other tests.
        use i18n_embed::LanguageLoader;
        use i18n_embed::fluent::{FluentLanguageLoader, fluent_language_loader};
        let loader: FluentLanguageLoader = fluent_language_loader!();
        loader.load_fallback_language(&super::Localizations).unwrap();
        let mut seen = Vec::new();
        for code in ["de", "es", "en"] {
            let id = code.parse().unwrap();
            i18n_embed::select(&loader, &super::Localizations, &[id]).unwrap();
            seen.push(loader.get("section-inbound"));
        }
        assert_eq!(seen, ["Eingehende Anrufe", "Llamadas entrantes", "Inbound Calls"]);
    }

    /// Loading a language makes new bundles: arguments must still come without Unicode
    /// isolation marks (English again here, so the other tests are not disturbed).
    #[test]
    fn switching_the_language_keeps_arguments_plain() {
        super::set_language("en");
        let said = super::fl!("phone-call-failed", reason = "busy");
        assert!(!said.contains(['\u{2068}', '\u{2069}']), "{said:?}");
        assert!(said.ends_with("busy"), "{said}");
    }

    /// The account core's and the phone's messages, with their arguments and the kind of
    /// item chosen inside the message, in German and Spanish.
    #[test]
    fn messages_from_below_are_translated_with_their_arguments() {
        use crate::account::{Error, ItemKind, SecretError};
        use crate::phone::error::PhoneError;
        use crate::text::Text;
        use i18n_embed::LanguageLoader;
        use i18n_embed::fluent::{FluentLanguageLoader, fluent_language_loader};
        let loader: FluentLanguageLoader = fluent_language_loader!();
        loader.load_fallback_language(&super::Localizations).unwrap();
        let in_use = Error::InUse {
            kind: ItemKind::PhoneNumber.id(),
            name: "+14155550100".into(),
            accounts: vec!["Desk".into(), "Lobby".into()],
        };
        let refused = PhoneError::Refused(Text::new("phone-outbound-disabled").arg("account", "Desk"));
        let keyring = Error::Secret(SecretError::Locked("dismissed".into()));
        let messages = [
            in_use.text().unwrap(),
            refused.text().clone(),
            keyring.text().unwrap(),
        ];
        let said = |code: &str| -> Vec<String> {
            i18n_embed::select(&loader, &super::Localizations, &[code.parse().unwrap()]).unwrap();
            loader.set_use_isolating(false);
            messages
                .iter()
                .map(|t| {
                    let args: std::collections::HashMap<&str, String> =
                        t.args.iter().map(|(k, v)| (*k, v.clone())).collect();
                    loader.get_args(t.key, args)
                })
                .collect()
        };
        assert_eq!(
            said("en"),
            [in_use.to_string(), refused.to_string(), keyring.to_string()],
            "English in the window is what the command line says"
        );
        assert_eq!(
            said("de"),
            [
                "Die Rufnummer `+14155550100` wird von Desk, Lobby verwendet: zuerst diese Konten ändern oder löschen",
                "Ausgehende Anrufe sind für `Desk` deaktiviert: unter „Ausgehende Anrufe“ einschalten (mit einer \
                 externen Anrufer-ID), um anzurufen",
                "Der System-Schlüsselbund verweigert den Zugriff (dismissed): entsperren und erneut versuchen",
            ]
        );
        assert_eq!(
            said("es")[0],
            "El número de teléfono `+14155550100` lo usa Desk, Lobby: cambie o elimine esas cuentas primero"
        );
    }
}
