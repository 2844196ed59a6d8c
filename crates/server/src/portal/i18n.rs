//! The portal's words in Bahasa Indonesia and English, from Fluent files compiled into the
//! binary (`locales/{id,en}/portal.ftl`).
//!
//! A key missing from a language renders as `⟦key⟧`, never as the other language's text, so a
//! page walk finds it; a unit test also checks that both files define the same keys and that
//! every key the templates use exists.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use tenggat_store::Language;
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Plain text: no Unicode isolation marks around arguments.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ID: LanguageIdentifier = langid!("id");
static EN: LanguageIdentifier = langid!("en");

fn langid(lang: Language) -> &'static LanguageIdentifier {
    match lang {
        Language::Id => &ID,
        Language::En => &EN,
    }
}

/// What a missing key renders as.
pub fn missing(key: &str) -> String {
    format!("⟦{key}⟧")
}

/// Whether `key` is defined in `lang` itself (not through a fallback).
fn defined(lang: Language, key: &str) -> bool {
    // Every page asks hundreds of times: the ids of each file are collected once.
    static ID_KEYS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    static EN_KEYS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    let (cell, source) = match lang {
        Language::Id => (&ID_KEYS, ID_SOURCE),
        Language::En => (&EN_KEYS, EN_SOURCE),
    };
    cell.get_or_init(|| message_ids(source).collect())
        .contains(key)
}

const ID_SOURCE: &str = include_str!("../../locales/id/portal.ftl");
const EN_SOURCE: &str = include_str!("../../locales/en/portal.ftl");

/// The message ids a Fluent file defines (lines `key = …` at the start of a line).
fn message_ids(source: &str) -> impl Iterator<Item = &str> {
    source.lines().filter_map(|line| {
        let (key, _) = line.split_once(" =")?;
        let ok = key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        ok.then_some(key)
    })
}

/// Whether `lang` has a text for `key` (for keys made from data, such as event types).
pub fn has(lang: Language, key: &str) -> bool {
    defined(lang, key)
}

/// The text of `key` in `lang`.
pub fn tr(lang: Language, key: &str) -> String {
    if !defined(lang, key) {
        return missing(key);
    }
    LOCALES
        .try_lookup(langid(lang), key)
        .unwrap_or_else(|| missing(key))
}

/// The text of `key` in `lang` with arguments (`{ $name }` in the message).
pub fn tr_args(lang: Language, key: &str, args: &[(&'static str, String)]) -> String {
    if !defined(lang, key) {
        return missing(key);
    }
    let args: HashMap<Cow<'static, str>, FluentValue<'static>> = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
        .collect();
    LOCALES
        .try_lookup_with_args(langid(lang), key, &args)
        .unwrap_or_else(|| missing(key))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn both_languages_define_the_same_keys() {
        let id: BTreeSet<&str> = message_ids(ID_SOURCE).collect();
        let en: BTreeSet<&str> = message_ids(EN_SOURCE).collect();
        assert!(id.len() > 20, "{id:?}");
        let only_id: Vec<_> = id.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&id).collect();
        assert!(
            only_id.is_empty() && only_en.is_empty(),
            "only in id: {only_id:?}; only in en: {only_en:?}"
        );
    }

    #[test]
    fn every_key_the_templates_use_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/portal");
        let mut used = BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("templates") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("template");
            for call in [".t(\"", ".ta(\""] {
                for part in text.split(call).skip(1) {
                    if let Some(key) = part.split('"').next() {
                        used.insert(key.to_owned());
                    }
                }
            }
        }
        assert!(used.len() > 10, "{used:?}");
        for key in &used {
            for lang in [Language::Id, Language::En] {
                assert!(defined(lang, key), "{key} is missing in {}", lang.as_str());
            }
        }
    }

    #[test]
    fn words_in_both_languages_and_missing_keys_show() {
        assert_eq!(tr(Language::Id, "sign-in"), "Masuk");
        assert_eq!(tr(Language::En, "sign-in"), "Sign in");
        assert_eq!(tr(Language::En, "no-such-key"), "⟦no-such-key⟧");
        assert_eq!(
            tr_args(Language::En, "signed-in-as", &[("name", "Sari".into())]),
            "Signed in as Sari"
        );
    }
}
