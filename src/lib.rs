//! Handset: a native desktop softphone with a built-in SIP account manager.
//!
//! Layering (one way): `ui`/CLI → `phone` → (`net`, `media`, `account`) → `engine`.
//! `fsio` holds file primitives every layer may use.

pub mod account;
pub mod engine;
pub mod fsio;
pub mod logging;
pub mod media;
pub mod net;
pub mod phone;

#[cfg(test)]
mod i18n_tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    fn keys(file: &Path) -> BTreeSet<String> {
        std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .lines()
            .filter(|l| !l.starts_with(['#', ' ']) && l.contains(" = "))
            .filter_map(|l| l.split(" = ").next().map(str::to_owned))
            .collect()
    }

    #[test]
    fn every_language_has_every_key() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("i18n");
        let reference = keys(&root.join("en-US/handset.ftl"));
        assert!(!reference.is_empty());
        for lang in std::fs::read_dir(&root).unwrap() {
            let file = lang.unwrap().path().join("handset.ftl");
            assert_eq!(keys(&file), reference, "{}", file.display());
        }
    }
}
