//! How names are compared: the one folding for search ([`search_key`], [`search_words`]) and the one order for
//! lists of people ([`sort_key`], [`compare`], [`sort_by_name`]).
//!
//! Invariant: every search term and every query word goes through [`search_key`], and every list of names is
//! ordered by [`sort_key`] (CLDR root collation, ICU4X) — never by bytes or SQLite's `NOCASE`.
//!
//! Search folding, in order: NFKD (compatibility forms such as full-width letters and ligatures become plain
//! letters), full Unicode case folding ("ß" and "ẞ" become "ss", final sigma "ς" becomes "σ"), NFKD again,
//! then the diacritics are dropped: the combining accents of Latin, Greek and Cyrillic, Hebrew points and
//! cantillation, Arabic harakat (with hamza and madda, so "أ", "إ", "آ" fold to "ا") and the Devanagari nukta.
//! Other combining marks stay: Devanagari vowel signs and virama (and those of other Indic scripts, Thai, …)
//! are letters of the word, not accents — dropping them would make "कुमार" and "कमार" the same word and
//! every short prefix match far too much. The few Latin letters with a stroke that have no decomposition
//! ("ł", "ø", "đ", …) fold to their base letter, since people type "lukasz" for "Łukasz". Invisible format
//! characters (soft hyphen, zero-width joiners, Arabic tatweel) are dropped. What is left is put in NFC.
//!
//! Sort keys are bytes SQLite compares with `memcmp`, so an index over them is an index in collation order.
//! They change when ICU4X's data or code changes: [`KEYS_VERSION`] names the keys this build writes, and the
//! vault re-derives every stored key when it differs (a test fails when the keys change without it).

use std::cmp::Ordering;
use std::sync::LazyLock;

use icu_casemap::CaseMapper;
use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The search key of a text: what search compares (see the module documentation).
pub fn search_key(text: &str) -> String {
    let decomposed: String = text.nfkd().collect();
    let folded = CaseMapper::new().fold_string(&decomposed);
    let mut kept = String::with_capacity(folded.len());
    for character in folded.nfkd() {
        if is_diacritic(character) || is_ignorable(character) {
            continue;
        }
        match without_stroke(character) {
            Some(replacement) => kept.push_str(replacement),
            None => kept.push(character),
        }
    }
    kept.nfc().collect()
}

/// The words of a text, each as its [`search_key`]: runs of letters, digits and the marks that belong to them,
/// split at spaces and punctuation. A name written without spaces (as Chinese names are) is one word.
pub fn search_words(text: &str) -> Vec<String> {
    search_key(text)
        .split(|character: char| !(character.is_alphanumeric() || is_combining_mark(character)))
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The collation sort key of a text: byte order of keys is CLDR root collation order of texts (tertiary
/// strength: base letters first, then accents, then case).
pub fn sort_key(text: &str) -> Vec<u8> {
    let mut key = Vec::new();
    match COLLATOR.as_ref() {
        Some(collator) => {
            let Ok(()) = collator.write_sort_key_to(text, &mut key);
        }
        // The compiled-in root collation always loads; should it not, the search key's bytes keep an order.
        None => key.extend_from_slice(search_key(text).as_bytes()),
    }
    key
}

/// Compare two names in collation order.
pub fn compare(left: &str, right: &str) -> Ordering {
    match COLLATOR.as_ref() {
        Some(collator) => collator.compare(left, right),
        None => sort_key(left).cmp(&sort_key(right)),
    }
}

/// Sort a short list by the names `name` gives, in collation order; equal names keep their order (callers
/// sort by id first when they want ties broken by id).
pub fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|item| sort_key(name(item)));
}

/// Which sort keys (and search folding) this build writes. Stored in `vault_meta`; when a vault's differs,
/// its derived search index is rebuilt. Change it whenever [`sort_key`] or [`search_key`] gives other
/// bytes (an ICU4X upgrade, a change of folding); the `keys_version_names_these_keys` test notices.
pub const KEYS_VERSION: &str = "icu4x-2.4-root-tertiary;fold-1";

/// The root collator from ICU4X's compiled data, made once.
static COLLATOR: LazyLock<Option<CollatorBorrowed<'static>>> =
    LazyLock::new(|| Collator::try_new(Default::default(), CollatorOptions::default()).ok());

/// A combining mark that is an accent or vowel point rather than part of a letter (see the module comment).
fn is_diacritic(character: char) -> bool {
    let code = u32::from(character);
    let accent_block = matches!(
        code,
        0x0300..=0x036F       // Combining Diacritical Marks (Latin, Greek, Cyrillic accents)
        | 0x0483..=0x0489     // Cyrillic titlo and other combining marks
        | 0x0591..=0x05C7     // Hebrew cantillation and points (punctuation in the range is not a mark)
        | 0x0610..=0x061A     // Arabic honorifics and small letters above
        | 0x064B..=0x065F     // Arabic harakat, shadda, sukun, hamza and madda
        | 0x0670              // Arabic superscript alef
        | 0x06D6..=0x06ED     // Arabic Quranic annotation marks
        | 0x093C              // Devanagari nukta ("ज़" is typed as "ज" as often as not)
        | 0x1AB0..=0x1AFF     // Combining Diacritical Marks Extended
        | 0x1DC0..=0x1DFF     // Combining Diacritical Marks Supplement
        | 0x20D0..=0x20FF     // Combining Diacritical Marks for Symbols
        | 0xFE20..=0xFE2F // Combining Half Marks
    );
    accent_block && is_combining_mark(character)
}

/// Characters that are invisible in a name and never typed in a search.
fn is_ignorable(character: char) -> bool {
    matches!(
        character,
        '\u{00AD}' // soft hyphen
        | '\u{034F}' // combining grapheme joiner
        | '\u{0640}' // Arabic tatweel (a stretching stroke, not a letter)
        | '\u{200B}'
            ..='\u{200D}' // zero-width space, non-joiner, joiner
        | '\u{2060}' // word joiner
        | '\u{FEFF}' // zero-width no-break space
    )
}

/// Letters with a stroke or ligatures that Unicode does not decompose, as people type them without it
/// (after case folding, so lower case only).
fn without_stroke(character: char) -> Option<&'static str> {
    Some(match character {
        'ł' => "l",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ħ' => "h",
        'ŧ' => "t",
        'ƀ' => "b",
        'ı' => "i",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_fold_away_in_latin_greek_and_cyrillic() {
        assert_eq!(search_key("Zoë"), "zoe");
        assert_eq!(search_key("MÜLLER"), "muller");
        assert_eq!(search_key("Müller"), search_key("muller"));
        assert_eq!(search_key("Nguyễn"), "nguyen");
        assert_eq!(search_key("Ελένη"), "ελενη");
        assert_eq!(search_key("ΌΔΥΣΣΕΑΣ"), search_key("οδυσσεας"));
        assert_eq!(search_key("Ёлкин"), "елкин");
        assert_eq!(search_key("Йордан"), "иордан");
    }

    #[test]
    fn decomposed_input_matches_composed_data() {
        let composed = "Zo\u{00EB} M\u{00FC}ller";
        let decomposed = "Zoe\u{0308} Mu\u{0308}ller";
        assert_ne!(composed, decomposed);
        assert_eq!(search_key(composed), search_key(decomposed));
        assert_eq!(search_key(decomposed), "zoe muller");
    }

    #[test]
    fn full_case_folding_handles_sharp_s_and_final_sigma() {
        assert_eq!(search_key("Strauß"), "strauss");
        assert_eq!(search_key("STRAUẞ"), "strauss");
        assert_eq!(search_key("STRASSE"), search_key("straße"));
        assert_eq!(search_key("Σοφοκλής"), "σοφοκλησ");
        assert_eq!(search_key("İlker"), "ilker");
    }

    #[test]
    fn letters_with_a_stroke_fold_to_their_base_letter() {
        assert_eq!(search_key("Łukasz"), "lukasz");
        assert_eq!(search_key("Østergaard"), "ostergaard");
        assert_eq!(search_key("Đorđević"), "dordevic");
        assert_eq!(search_key("Ærø"), "aero");
    }

    #[test]
    fn compatibility_forms_become_plain_letters() {
        assert_eq!(search_key("ＡＢＣ"), "abc");
        assert_eq!(search_key("ﬁona"), "fiona");
        assert_eq!(search_key("ｶﾀｶﾅ"), "カタカナ");
    }

    #[test]
    fn hebrew_points_and_arabic_harakat_are_dropped() {
        assert_eq!(search_key("שָׁלוֹם"), "שלום");
        assert_eq!(search_key("מֹשֶׁה"), "משה");
        assert_eq!(search_key("مُحَمَّد"), "محمد");
        assert_eq!(search_key("أحمد"), "احمد");
        assert_eq!(search_key("إبراهيم"), "ابراهيم");
        assert_eq!(search_key("آدم"), "ادم");
        assert_eq!(search_key("محـــمد"), "محمد", "tatweel is dropped");
    }

    /// Devanagari vowel signs and the virama are part of the word: "कुमार" (Kumar) is not "कमार", and its
    /// first letters still find it. Only the nukta folds away.
    #[test]
    fn devanagari_keeps_vowel_signs_and_virama_and_drops_the_nukta() {
        assert_eq!(search_key("कुमार"), "कुमार");
        assert_ne!(search_key("कुमार"), search_key("कमार"));
        assert_eq!(search_key("लक्ष्मी"), "लक्ष्मी");
        assert_eq!(search_key("ज़ैद"), search_key("जैद"));
        assert_eq!(search_key("\u{095B}ैद"), search_key("ज\u{093C}ैद"), "precomposed and decomposed nukta");
        assert_eq!(search_words("कुमार शर्मा"), ["कुमार", "शर्मा"]);
        assert!(search_key("कुमार").starts_with(&search_key("कु")));
        assert!(!search_key("कमल").starts_with(&search_key("कु")));
    }

    #[test]
    fn words_split_at_spaces_and_punctuation_and_keep_their_marks() {
        assert_eq!(search_words("O'Brien-Smith, Zoë"), ["o", "brien", "smith", "zoe"]);
        assert_eq!(search_words("ada@example.org"), ["ada", "example", "org"]);
        assert_eq!(search_words("王小明"), ["王小明"], "a Chinese name without spaces is one word");
        assert_eq!(search_words("김 민준"), ["김", "민준"]);
        assert_eq!(search_words("  "), Vec::<String>::new());
        assert_eq!(search_words("Zoe\u{0308}"), ["zoe"], "a decomposed accent does not split the word");
    }

    #[test]
    fn invisible_format_characters_are_dropped() {
        assert_eq!(search_key("Zo\u{00AD}ë"), "zoe");
        assert_eq!(search_key("می\u{200C}خواهم"), "میخواهم");
    }

    #[test]
    fn names_sort_in_root_collation_order() {
        let mut names = vec!["Zoë", "Ábel", "Aaron", "Émile", "Eve", "zack", "Østergaard", "Łukasz"];
        sort_by_name(&mut names, |name| name);
        assert_eq!(names, ["Aaron", "Ábel", "Émile", "Eve", "Łukasz", "Østergaard", "zack", "Zoë"]);
        let mut by_compare = vec!["Zoë", "Ábel", "Aaron", "Émile", "Eve", "zack", "Østergaard", "Łukasz"];
        by_compare.sort_by(|left, right| compare(left, right));
        assert_eq!(by_compare, names);
    }

    #[test]
    fn sort_keys_order_as_the_collator_compares() {
        let names = ["ada", "Ada", "Áda", "adam", "Zoë", "zoe", "Émile", "emile", "", "王小明", "שלום", "محمد", "कुमार"];
        for left in names {
            for right in names {
                assert_eq!(sort_key(left).cmp(&sort_key(right)), compare(left, right), "{left} vs {right}");
            }
        }
        assert!(sort_key("ada") < sort_key("Ada"), "lower case first at the tertiary level");
        assert!(sort_key("Ada") < sort_key("adam"), "base letters decide before case");
        assert_eq!(sort_key("Zoë"), sort_key("Zoe\u{0308}"), "canonically equivalent names sort together");
    }

    /// The stored keys are what this build writes: when ICU4X's data or the folding changes, this fails until
    /// [`KEYS_VERSION`] is changed too (and the vault then re-derives every stored key).
    #[test]
    fn keys_version_names_these_keys() {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for name in ["Zoë", "Ábel", "Aaron", "Łukasz", "Østergaard", "王小明", "שָׁלוֹם", "مُحَمَّد", "कुमार", "Strauß"]
        {
            hash.update(sort_key(name));
            hash.update([0xFF]);
            hash.update(search_key(name));
            hash.update([0xFF]);
        }
        let digest = hex::encode(hash.finalize());
        assert_eq!(
            (KEYS_VERSION, digest.as_str()),
            ("icu4x-2.4-root-tertiary;fold-1", "7acce793aed97712d62875701f2c279788aef17dde4ff5e4ec7f834d816ede0a"),
            "the keys changed: change KEYS_VERSION, then the digest here"
        );
    }
}
