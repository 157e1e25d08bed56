//! Names and the other identity text people type (clients' names and pronouns, staff names and logins,
//! guardians, couples and families, signers and typed names at signing, the practice profile, an
//! emergency contact's name): how such text is prepared for storage and what it may hold.
//!
//! Invariant: what is stored is what was checked. [`name`], [`line`] and [`lines`] trim the text, put it
//! in Unicode Normalization Form C (so "Zoë" typed with a composed "ë" and typed as "e" plus a combining
//! diaeresis is stored as the same string), check that form, and return it for storage; storing it again
//! changes nothing. The stored text holds no character that can make a printed or listed name read
//! differently from what it holds:
//! - no control character, line break or line/paragraph separator (a multi-line field such as an address
//!   is split into trimmed lines joined by `\n`; each line is checked alone);
//! - no default-ignorable (invisible) character — the text-direction embeddings, overrides and isolates,
//!   the direction marks (left-to-right, right-to-left, Arabic letter mark), zero-width space, word joiner
//!   and the invisible operators, the byte order mark, soft hyphen, combining grapheme joiner, the Hangul
//!   fillers, the Mongolian vowel separator, tag characters — and no other format character (such as the
//!   interlinear annotation marks), with two exceptions scripts need:
//!   - zero-width joiner and non-joiner (Persian, Indic scripts, emoji sequences) inside a word only: never
//!     at the start or end of the text or of a word (next to white space), never two in a row;
//!   - variation selectors after a base character (not at the start of a word, not after white space, a
//!     joiner or another selector);
//! - no private-use or unassigned code point and no noncharacter (General Category Co and Cn, Unicode 16).
//!
//! A refusal is `Error::InvalidInput` naming the field, with a sentence that says in plain words what is
//! wrong (never a code point). Rows stored before this rule are not rewritten: search folds them alike
//! (`collation`), and they are checked again only when next edited.

use unicode_general_category::{get_general_category, GeneralCategory};
use unicode_normalization::UnicodeNormalization;

use crate::error::{capitalized, field_words, Error, Result};

/// A name (a person's, a couple's or family's, the practice's) ready to store: trimmed, NFC, checked. The
/// error names `field` and calls it "the" plus its words ("given_name": "the given name").
pub(crate) fn name(field: &'static str, text: &str) -> Result<String> {
    name_called(field, &format!("the {}", field_words(field)), text)
}

/// [`name`], with the words the error calls the field by (lower case, with its article: "the guardian's
/// name").
pub(crate) fn name_called(field: &'static str, what: &str, text: &str) -> Result<String> {
    prepare(&Field { id: field, what, holds_a_name: true }, text)
}

/// One line of identity text that is not a name (pronouns, an email address, an insurer), prepared like
/// a name.
pub(crate) fn line(field: &'static str, what: &str, text: &str) -> Result<String> {
    prepare(&Field { id: field, what, holds_a_name: false }, text)
}

/// Several lines (an address): split at line breaks, each line prepared like [`line`], blank lines dropped,
/// joined by `\n`.
pub(crate) fn lines(field: &'static str, what: &str, text: &str) -> Result<String> {
    let field = Field { id: field, what, holds_a_name: false };
    let mut kept = Vec::new();
    for line in text.split(is_line_break) {
        let line = prepare(&field, line)?;
        if !line.is_empty() {
            kept.push(line);
        }
    }
    Ok(kept.join("\n"))
}

/// The field a text is for, as an error names it.
struct Field<'a> {
    id: &'static str,
    /// Lower case, with its article: "the family name".
    what: &'a str,
    /// The sentence says "a name" rather than "there".
    holds_a_name: bool,
}

/// Trimmed, NFC, checked: the one way identity text becomes what is stored.
fn prepare(field: &Field<'_>, text: &str) -> Result<String> {
    let normalised: String = text.trim().nfc().collect();
    let normalised = normalised.trim();
    match first_refused(normalised) {
        None => Ok(normalised.to_owned()),
        Some(refused) => Err(refusal(field, refused)),
    }
}

/// What kind of character made a text refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    LineBreak,
    Control,
    DirectionOverride,
    Invisible,
    NoScript,
    StrayJoiner,
}

fn refusal(field: &Field<'_>, refused: Refused) -> Error {
    let what = capitalized(field.what);
    let last_word = field.what.rsplit(' ').next().unwrap_or_default();
    let contains = if last_word.ends_with('s') && !last_word.ends_with("ss") { "contain" } else { "contains" };
    let (kind, typed_again) = match refused {
        Refused::LineBreak => ("a line break", false),
        Refused::Control => ("a control character", false),
        Refused::DirectionOverride => ("a text-direction override", true),
        Refused::Invisible => ("an invisible character (such as a zero-width space or a direction mark)", true),
        Refused::NoScript => ("a character that belongs to no script (a private-use or unassigned character)", true),
        Refused::StrayJoiner => {
            ("an invisible joining character at the start or end of a word (or two in a row)", true)
        }
    };
    let sentence = match (field.holds_a_name, typed_again) {
        (true, true) => format!("{what} {contains} {kind}, which a name cannot hold; type the name again without it."),
        (true, false) => {
            format!("{what} {contains} {kind}, which a name cannot hold; use letters, spaces and punctuation only.")
        }
        (false, true) => {
            format!("{what} {contains} {kind}, which cannot be kept there; type {} again without it.", field.what)
        }
        (false, false) => format!(
            "{what} {contains} {kind}, which cannot be kept there; use letters, digits, spaces and punctuation only."
        ),
    };
    Error::invalid(field.id, sentence)
}

/// The first character (in order) that the text may not hold, with its neighbours taken into account.
fn first_refused(text: &str) -> Option<Refused> {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().find_map(|(index, &ch)| {
        let before = index.checked_sub(1).map(|before| chars[before]);
        let after = chars.get(index + 1).copied();
        refused_anywhere(ch).or_else(|| {
            let at_word_edge = |neighbour: Option<char>| neighbour.is_none_or(|c| c.is_whitespace() || is_joiner(c));
            if is_joiner(ch) && (at_word_edge(before) || at_word_edge(after)) {
                Some(Refused::StrayJoiner)
            } else if is_variation_selector(ch)
                && before.is_none_or(|c| c.is_whitespace() || is_joiner(c) || is_variation_selector(c))
            {
                Some(Refused::Invisible)
            } else {
                None
            }
        })
    })
}

/// Whether `ch` may not appear in a name wherever it stands (joiners and variation selectors excepted:
/// their place decides).
fn refused_anywhere(ch: char) -> Option<Refused> {
    if is_line_break(ch) {
        return Some(Refused::LineBreak);
    }
    if ch.is_control() {
        return Some(Refused::Control);
    }
    if matches!(ch, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
        return Some(Refused::DirectionOverride);
    }
    if is_joiner(ch) || is_variation_selector(ch) {
        return None;
    }
    if is_noncharacter(ch) {
        return Some(Refused::NoScript);
    }
    if is_default_ignorable(ch) {
        return Some(Refused::Invisible);
    }
    match get_general_category(ch) {
        GeneralCategory::Format => Some(Refused::Invisible),
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => Some(Refused::LineBreak),
        GeneralCategory::PrivateUse | GeneralCategory::Unassigned | GeneralCategory::Surrogate => {
            Some(Refused::NoScript)
        }
        _ => None,
    }
}

fn is_line_break(ch: char) -> bool {
    matches!(ch, '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Zero-width non-joiner and joiner.
fn is_joiner(ch: char) -> bool {
    matches!(ch, '\u{200C}' | '\u{200D}')
}

/// Variation selectors, including the Mongolian free variation selectors.
fn is_variation_selector(ch: char) -> bool {
    matches!(ch, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{180B}'..='\u{180D}' | '\u{180F}')
}

/// The 66 noncharacters: U+FDD0–U+FDEF and the last two code points of every plane.
fn is_noncharacter(ch: char) -> bool {
    matches!(ch, '\u{FDD0}'..='\u{FDEF}') || (u32::from(ch) & 0xFFFE) == 0xFFFE
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 16): characters shown as
/// nothing at all unless a font or script gives them a job.
fn is_default_ignorable(ch: char) -> bool {
    matches!(
        ch,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether a name (already prepared) holds only what the invariant allows: for the property tests.
#[cfg(test)]
pub(crate) fn is_allowed(text: &str) -> bool {
    first_refused(text).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_sentence(field: &'static str, text: &str) -> String {
        match name(field, text) {
            Err(Error::InvalidInput { field: named, reason }) => {
                assert_eq!(named, field, "{text:?}");
                assert!(!reason.contains("U+") && !reason.contains("\\u"), "{reason}");
                reason
            }
            other => panic!("{text:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn control_characters_line_breaks_and_direction_overrides_are_refused() {
        for bad in [
            "Olivia\u{1b}[31m",
            "Olivia\nOwner",
            "Olivia\rOwner",
            "Tab\tName",
            "Del\u{7f}",
            "C1\u{9b}",
            "Line\u{2028}sep",
            "evil\u{202E}txt.exe",
            "a\u{202A}b",
            "a\u{2066}b",
            "a\u{2069}b",
        ] {
            refused_sentence("name", bad);
        }
        let error = refused_sentence("name", "a\u{202E}b");
        assert!(error.contains("text-direction override"), "{error}");
        assert!(error.starts_with("The name contains"), "{error}");
        assert!(refused_sentence("name", "a\nb").contains("line break"));
        assert!(refused_sentence("name", "a\u{1b}b").contains("control character"));
    }

    #[test]
    fn invisible_characters_are_refused_in_plain_words() {
        for bad in [
            "Zoe\u{200B}Smith",       // zero-width space
            "Smith\u{200E}",          // left-to-right mark
            "\u{200F}Cohen",          // right-to-left mark
            "عل\u{061C}ي",            // Arabic letter mark
            "Ann\u{2060}a",           // word joiner
            "x\u{2062}y",             // invisible times
            "\u{FEFF}Anna",           // byte order mark
            "Ur\u{00AD}sula",         // soft hyphen
            "Ann\u{FFF9}a\u{FFFB}",   // interlinear annotation
            "\u{3164}",               // Hangul filler
            "Kim\u{115F}",            // Hangul choseong filler
            "Lee\u{FFA0}",            // halfwidth Hangul filler
            "Bat\u{180E}bold",        // Mongolian vowel separator
            "Flag\u{E0067}\u{E007F}", // tag characters
            "Ann\u{034F}a",           // combining grapheme joiner
            "a\u{206A}b",             // deprecated format character
        ] {
            let sentence = refused_sentence("family_name", bad);
            assert_eq!(
                sentence,
                "The family name contains an invisible character (such as a zero-width space or a direction \
                 mark), which a name cannot hold; type the name again without it.",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn private_use_unassigned_and_noncharacters_are_refused() {
        for bad in ["Ann\u{E000}", "\u{F8FF}", "a\u{10FFFD}", "a\u{FDD0}", "a\u{FFFE}", "a\u{1FFFF}", "a\u{0378}"] {
            let sentence = refused_sentence("given_name", bad);
            assert!(
                sentence.starts_with("The given name contains a character that belongs to no script"),
                "{sentence}"
            );
        }
    }

    #[test]
    fn joiners_stay_inside_words_and_variation_selectors_after_a_base() {
        for good in [
            "می\u{200C}خواهم",                        // Persian: non-joiner inside a word
            "क्\u{200D}ष",                             // Devanagari: joiner inside a cluster
            "Ana \u{1F469}\u{200D}\u{1F4BB}",         // emoji ZWJ sequence
            "\u{2764}\u{FE0F}\u{200D}\u{1F525} Rosa", // heart on fire: a selector, then a joiner
            "葛\u{E0100}西",                          // ideographic variation selector
            "1\u{FE0F}\u{20E3} Jo",                   // keycap
        ] {
            assert_eq!(name("given_name", good).unwrap(), good);
        }
        for bad in [
            "\u{200D}Ana",
            "Ana\u{200C}",
            "Ana \u{200D}Bea",
            "Ana\u{200C} Bea",
            "An\u{200D}\u{200D}a",
            "An\u{200C}\u{200D}a",
        ] {
            let sentence = refused_sentence("given_name", bad);
            assert!(sentence.contains("invisible joining character at the start or end of a word"), "{sentence}");
        }
        for bad in ["\u{FE0F}Ana", "Ana \u{FE0F}", "a\u{200D}\u{FE0F}b", "a\u{FE0F}\u{FE0F}"] {
            assert!(refused_sentence("given_name", bad).contains("an invisible character"), "{bad:?}");
        }
    }

    #[test]
    fn names_are_stored_trimmed_and_composed() {
        assert_eq!(name("given_name", "  Zoe\u{0308}  ").unwrap(), "Zoë");
        assert_eq!(name("given_name", "Zoë").unwrap(), name("given_name", "Zoe\u{308}").unwrap());
        assert_eq!(name("family_name", "\u{1100}\u{1161}\u{11A8}").unwrap(), "각"); // Hangul jamo compose
        assert_eq!(name("family_name", "Ångström").unwrap(), "Ångström");
        for good in ["Olivia O'Neil-Smith", "Zoë Ångström", "李小龍", "محمد", "Dr. A. B. (Bea)", "José María", ""]
        {
            assert_eq!(name("name", good).unwrap(), good.nfc().collect::<String>());
        }
    }

    #[test]
    fn other_fields_are_named_in_their_own_words() {
        let pronouns = line("pronouns", "the pronouns", "she\u{200B}/her").unwrap_err().to_string();
        assert_eq!(
            pronouns,
            "The pronouns contain an invisible character (such as a zero-width space or a direction mark), which \
             cannot be kept there; type the pronouns again without it."
        );
        let address = lines("address", "the address", "1 Main St\u{202E}").unwrap_err().to_string();
        assert!(address.starts_with("The address contains a text-direction override"), "{address}");
        let guardian = name_called("name", "the guardian's name", "Ann\u{200B}").unwrap_err().to_string();
        assert!(guardian.starts_with("The guardian's name contains an invisible character"), "{guardian}");
    }

    #[test]
    fn lines_are_split_trimmed_and_composed() {
        assert_eq!(
            lines("address", "the address", " 12 Rue de l'E\u{301}glise \r\n\r\n 75001 Paris\u{2028}France ").unwrap(),
            "12 Rue de l'Église\n75001 Paris\nFrance"
        );
        assert_eq!(lines("address", "the address", " \n ").unwrap(), "");
    }

    /// Every place the core takes a name or another identity field stores the composed form of what was
    /// typed decomposed (a text where "é" is "e" plus a combining acute accent).
    #[test]
    fn every_identity_field_is_stored_composed() {
        use crate::testing::test_now;
        let decomposed = |text: &str| -> String { text.nfd().collect() };
        let composed = |text: &str| -> String { text.nfc().collect() };
        let mut practice = crate::fixture::practice();
        let now = test_now();

        let mut input = crate::testing::client_input(&decomposed("Zoë"), &decomposed("Ångström-Núñez"));
        input.preferred_name = Some(decomposed("Chloé"));
        input.pronouns = Some(decomposed("elle/él"));
        input.address = Some(decomposed("3 Rue de l'Église\n75004 Paris"));
        let client = crate::clients::create(&practice.vault, &practice.clinician, input, now).unwrap();
        let stored = crate::clients::get(&practice.vault, &practice.clinician, &client.id, now).unwrap().input;
        assert_eq!(
            (stored.given_name.as_str(), stored.family_name.as_str(), stored.preferred_name.as_deref()),
            ("Zoë", "Ångström-Núñez", Some("Chloé"))
        );
        assert_eq!(
            (stored.pronouns.as_deref(), stored.address.as_deref()),
            (Some("elle/él"), Some("3 Rue de l'Église\n75004 Paris"))
        );
        let other = crate::clients::create(
            &practice.vault,
            &practice.clinician,
            crate::testing::client_input("José", &decomposed("Müller")),
            now,
        )
        .unwrap();

        let password = crate::SecretString::from(crate::fixture::PASSWORD);
        let new_staff = crate::staff::NewStaff {
            login: " sam ",
            display_name: &decomposed(" Søren Kierkegård "),
            role: crate::staff::Role::Clinician,
            password: &password,
        };
        let member = crate::staff::add(&mut practice.vault, &practice.owner, new_staff, now).unwrap();
        assert_eq!((member.login.as_str(), member.display_name.as_str()), ("sam", "Søren Kierkegård"));
        let sign_in = practice.vault.staff_sign_in_names();
        assert!(sign_in.iter().any(|name| name.display_name.as_deref() == Some("Søren Kierkegård")), "{sign_in:?}");

        let guardian = crate::minors::add_guardian(
            &practice.vault,
            &practice.clinician,
            &client.id,
            crate::minors::GuardianInput {
                name: decomposed("Hélène Ångström"),
                role: crate::minors::GuardianRole::Parent,
                access: crate::minors::GuardianAccess::Full,
                custody_note: None,
                phone: None,
                email: None,
            },
            now,
        )
        .unwrap();
        assert_eq!(guardian.input.name, "Hélène Ångström");

        let unit = crate::families::create_unit(
            &practice.vault,
            &practice.clinician,
            &decomposed("Ångström–Müller"),
            crate::families::UnitKind::Couple,
            &[client.id.clone(), other.id.clone()],
            now,
        )
        .unwrap();
        assert_eq!(unit.name, composed("Ångström–Müller"));

        let answers = [
            ("presenting_concern", serde_json::json!("Sleep")),
            ("previous_therapy", serde_json::json!(false)),
            ("risk_thoughts_of_self_harm", serde_json::json!(false)),
            ("emergency_contact_name", serde_json::json!(decomposed("  Renée Ångström "))),
            ("emergency_contact_phone", serde_json::json!("555 0100 300")),
        ]
        .map(|(key, value)| (key.to_owned(), value));
        let intake = crate::intake::save(&practice.vault, &practice.clinician, &client.id, &answers, now).unwrap();
        let contact = intake.answers.iter().find(|(key, _)| key == "emergency_contact_name").unwrap();
        assert_eq!(contact.1, serde_json::json!("Renée Ångström"));

        let signers = [crate::consent::SignerInput {
            role: crate::consent::SignerRole::Guardian,
            name: decomposed("Hélène Ångström"),
        }];
        let documents = crate::consent::prepare(
            &practice.vault,
            &practice.clinician,
            &client.id,
            &[crate::consent::ConsentKind::Treatment],
            &signers,
            now,
        )
        .unwrap();
        let names: Vec<&str> = documents[0].signers.iter().map(|signer| signer.name.as_str()).collect();
        assert!(names.contains(&"Hélène Ångström"), "{names:?}");

        let authorization = crate::disclosures::record_psychotherapy_authorization(
            &practice.vault,
            &practice.clinician,
            &client.id,
            &decomposed("Dr. Íñigo Pérez"),
            "Coordination of care",
            "2026-11-01",
            "2027-11-01",
            now,
        )
        .unwrap();
        assert_eq!(authorization.recipient, "Dr. Íñigo Pérez");

        let mut profile = crate::settings::practice_profile(&practice.vault, &practice.owner, now).unwrap();
        profile.name = decomposed("Clínica Peñalver");
        profile.address = decomposed("Calle Mayor 1\nSevilla");
        let saved = crate::settings::set_practice_profile(&practice.vault, &practice.owner, profile, now).unwrap();
        assert_eq!((saved.name.as_str(), saved.address.as_str()), ("Clínica Peñalver", "Calle Mayor 1\nSevilla"));
    }
}
