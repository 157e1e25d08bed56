use super::*;
use crate::error::ErrorCode;

fn secret(text: &str) -> SecretString {
    SecretString::new(text.to_owned())
}

const TOO_SHORT: &str = "Use at least 15 characters — a few unrelated words make a good password.";
const COMMON_WORDS: &str =
    "This password is on a list of passwords that are widely used or have leaked; choose another.";
const PERSONAL: &str = "Don't use your name or the practice's name in the password.";

#[test]
fn fifteen_characters_counted_after_nfc_and_nothing_else_required() {
    let context = Context::new();
    assert_eq!(assess("fourteen chars", &context), Some(Refusal::TooShort));
    assert_eq!(assess("kettle on stairs", &context), None, "lower-case words and spaces are enough");
    // Eight "é" typed as "e" plus a combining accent: sixteen code points, eight characters.
    let decomposed = "e\u{301}".repeat(8);
    assert_eq!(decomposed.chars().count(), 16);
    assert_eq!(assess(&decomposed, &context), Some(Refusal::TooShort));
    // Any script, punctuation and emoji count, one character each.
    assert_eq!(assess("Ζώνη 🌊 βροχής ξανά", &context), None);
    assert_eq!(assess("🐢🌵🎻🧭🪁🐢🌵🎻🧭🪁🦔🌶🏺🪗🛶", &context), None);
    assert_eq!(assess(&"x".repeat(MAX_CHARS + 1), &context), Some(Refusal::TooLong));
    assert_eq!(assess(&" ".repeat(20), &context), Some(Refusal::Blank));
    const { assert!(MAX_CHARS >= 64) };
}

#[test]
fn each_refusal_is_a_typed_error_on_the_field_in_plain_words() {
    let context = Context::new().with("fran").with("Fran Okafor").with("Harbour Light Counselling");
    let cases = [
        ("password", "short one", TOO_SHORT),
        ("new_password", "Password2024!!!!", COMMON_WORDS),
        ("password", "Fran Okafor 2024!", PERSONAL),
    ];
    for (field, typed, sentence) in cases {
        let error = check(field, &secret(typed), &context).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        assert_eq!(error.field(), Some(field));
        assert_eq!(error.to_string(), sentence, "{typed:?}");
    }
    let error = check("passphrase", &secret("short one"), &context).unwrap_err();
    assert_eq!(error.field(), Some("passphrase"));
    assert_eq!(error.to_string(), "Use at least 15 characters — a few unrelated words make a good passphrase.");
}

#[test]
fn common_passwords_and_their_simple_variants_are_refused() {
    let context = Context::new();
    for typed in [
        "password1234567",      // a listed word plus trailing digits
        "Passw0rd2024!!!!",     // substitutions, a year, symbols
        "P@SSWORD123456789",    // case and substitutions
        "iloveyouiloveyou",     // a listed password repeated
        "trustno1trustno1",     // repeated, with a digit inside the unit
        "qwertyuiopasdfgh",     // a keyboard walk on the list
        "aaaaaaaaaaaaaaaa",     // one character repeated
        "12345678901234567890", // digits only
        "monkey 1234567890",    // with a space
        "d-r-a-g-o-n-2-0-2-4",  // with separators
    ] {
        assert_eq!(assess(typed, &context), Some(Refusal::Common), "{typed:?}");
    }
}

#[test]
fn passphrases_of_unrelated_words_pass() {
    let context = Context::new().with("carl").with("Carl Jung").with("Sunrise Practice");
    for typed in [
        "correct horse battery staple",
        "violet tugboat mends quietly",
        "marmalade under the piano lid",
        "seven owls audit the canal",
        "Dachs trinkt Kräutertee um drei",
    ] {
        assert_eq!(assess(typed, &context), None, "{typed:?}");
    }
}

#[test]
fn names_and_the_login_as_the_major_part_are_refused_but_may_appear_inside() {
    let context = Context::new().with("fokafor").with("Fran Okafor").with("Harbour Light Counselling");
    for typed in [
        "fokafor12345678901",      // the login and digits
        "Fran Okafor Okafor",      // the name
        "Fr4n0kaf0r2024!!",        // the name with substitutions
        "harbourlightcounselling", // the practice's name
        "Harbour Light 2024!!",
        "Saferoom Saferoom 1", // the app's name
        "saferoom123456789",
    ] {
        assert_eq!(assess(typed, &context), Some(Refusal::Personal), "{typed:?}");
    }
    for typed in
        ["fran walks the long pier at dawn", "lighthouse keepers hum softly", "the saferoom of my quiet garden"]
    {
        assert_eq!(assess(typed, &context), None, "{typed:?}");
    }
}

#[test]
fn the_bundled_list_holds_at_least_100_000_passwords() {
    let filter = parse_filter(BUNDLED).expect("the bundled file is a filter");
    // A binary fuse filter has about 1.13 fingerprints a key.
    assert!(filter.fingerprints.len() >= 113_000, "{} fingerprints", filter.fingerprints.len());
    for listed in ["password", "123456", "qwerty", "dragon", "letmein", "sunshine", "princess", "football"] {
        assert!(COMMON.contains(&key_hash(&list_key(listed))), "{listed:?}");
    }
    assert!(parse_filter(b"SRPWBF16 too short").is_none());
    assert!(parse_filter(&BUNDLED[..BUNDLED.len() / 2]).is_none(), "a cut file is refused, not indexed past its end");
}

#[test]
fn false_positives_are_rare() {
    // 20,000 passphrases of four random words from a fixed list of syllables: none is on the list, so every
    // refusal as common is a false positive of the filter (expected: about one in 65,536 keys).
    let syllables = ["ka", "lo", "mi", "ter", "vos", "dun", "pel", "rai", "zu", "fen", "gro", "bix", "nal", "quo"];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut refused = 0;
    for _ in 0..20_000 {
        let words: Vec<String> = (0..4)
            .map(|_| (0..3).map(|_| syllables[(next() % syllables.len() as u64) as usize]).collect::<String>())
            .collect();
        if assess(&words.join(" "), &Context::new()) == Some(Refusal::Common) {
            refused += 1;
        }
    }
    assert!(refused <= 3, "{refused} of 20,000 refused");
}

#[test]
fn a_password_below_today_minimum_is_noticed() {
    assert!(below_today_minimum(&secret("twelve chars")));
    assert!(!below_today_minimum(&secret("fifteen chars!!")));
}

/// Rebuild `assets/passwords/common-passwords.bfuse16` from the source list named by
/// `SAFEROOM_PASSWORD_LIST` (see `assets/passwords/README.md`):
/// `SAFEROOM_PASSWORD_LIST=… cargo test -p saferoom-core --lib regenerate_bundled_list -- --ignored`.
#[test]
#[ignore = "needs the source list; run by hand to rebuild the bundled filter"]
fn regenerate_bundled_list() {
    let source = std::env::var("SAFEROOM_PASSWORD_LIST").expect("SAFEROOM_PASSWORD_LIST names the source list");
    let bytes = std::fs::read(source).expect("the source list is readable");
    let list = String::from_utf8_lossy(&bytes);
    let file = build_filter_file(&list);
    let target = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/passwords/common-passwords.bfuse16");
    std::fs::write(target, &file).expect("the asset is writable");
    let filter = parse_filter(&file).expect("the new file parses");
    for line in list.lines().filter(|line| !line.is_empty()) {
        assert!(filter.contains(&key_hash(&list_key(line))), "{line:?}");
    }
}
