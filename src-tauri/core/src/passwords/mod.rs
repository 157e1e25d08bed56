//! The one rule for a new secret that alone opens the vault (a staff password, the practice passphrase), as
//! NIST SP 800-63B-4 asks: long enough, no composition rules, not a commonly used or leaked password, not
//! built from the person's or the practice's own names.
//!
//! Invariants:
//! - This is the only place the rule lives. The UI shows the refusal the core gives; it keeps no copy.
//! - Length is counted in Unicode characters after Normalization Form C, so "é" typed composed or as "e"
//!   plus a combining accent counts once. At least [`MIN_CHARS`], at most [`MAX_CHARS`]; every character
//!   (letters of any script, digits, punctuation, spaces, emoji) is allowed and none is required.
//! - The list check looks the secret's *key* up in a filter of the keys of the 1,000,000 most common
//!   passwords (the bundled `assets/passwords/`, see its README). The key is the same cheap normal form for
//!   both sides: lower case, without spaces and the separators `-`, `_` and `.`, a repeated unit counted
//!   once ("abcabc" is "abc"), a trailing run of digits and symbols dropped when letters remain
//!   ("Password2024!" is "password"), and the common look-alike substitutions undone ("p4ssw0rd" is
//!   "password"). The filter is a binary fuse filter with 16-bit fingerprints: a secret that is not on the
//!   list is refused as if it were about once in 65,536 (`false_positives_are_rare` measures it); a false
//!   positive only asks someone to choose another password.
//! - Copies of the secret made while checking are wiped when the check ends.
//! - A refusal is `Error::InvalidInput` naming the secret's field, with one of the sentences of [`Refusal`].

#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use xorf::{BinaryFuse16, Filter};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::sensitive::SecretString;

/// The shortest new password or passphrase, in characters after NFC.
pub const MIN_CHARS: usize = crate::limits::SECRET_MIN;
/// The longest, in characters after NFC.
pub const MAX_CHARS: usize = crate::limits::SECRET;
/// Always a context word: the app's own name.
pub const APP_WORD: &str = "saferoom";

/// Why a new secret was refused. Each has one plain sentence ([`Refusal::message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Spaces only.
    Blank,
    /// Fewer than [`MIN_CHARS`] characters.
    TooShort,
    /// More than [`MAX_CHARS`] characters.
    TooLong,
    /// On the list of commonly used or leaked passwords (or a simple variant of one).
    Common,
    /// Mostly the login, the person's name, the practice's name or "Saferoom".
    Personal,
}

impl Refusal {
    /// The sentence people see. `what` names the secret ("password" or "passphrase").
    pub fn message(self, what: &str) -> String {
        match self {
            Refusal::Blank => format!("The {what} is only spaces; use words or other characters."),
            Refusal::TooShort => {
                format!("Use at least {MIN_CHARS} characters — a few unrelated words make a good {what}.")
            }
            Refusal::TooLong => format!("Use at most {MAX_CHARS} characters for the {what}."),
            Refusal::Common => {
                format!("This {what} is on a list of passwords that are widely used or have leaked; choose another.")
            }
            Refusal::Personal => format!("Don't use your name or the practice's name in the {what}."),
        }
    }
}

/// The words a secret must not be made of, besides [`APP_WORD`]: the login, the person's name and the
/// practice's name as they are stored (each whole, and each of its words of three or more letters).
#[derive(Debug, Default, Clone)]
pub struct Context {
    words: Vec<String>,
}

impl Context {
    /// Only [`APP_WORD`].
    pub fn new() -> Context {
        Context::default().with(APP_WORD)
    }

    /// Add a login or a name (empty text adds nothing).
    pub fn with(mut self, text: &str) -> Context {
        let whole = fold(text);
        if whole.chars().count() >= 3 {
            self.words.push(whole.to_string());
        }
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            let word = fold(word);
            if word.chars().count() >= 3 {
                self.words.push(word.to_string());
            }
        }
        // Longest first, so "annabel" is taken out before "anna".
        self.words.sort_by_key(|word| std::cmp::Reverse(word.chars().count()));
        self.words.dedup();
        self
    }
}

/// Whether `secret` may be a new password or passphrase; the first rule it breaks otherwise.
pub fn assess(secret: &str, context: &Context) -> Option<Refusal> {
    let normalised: Zeroizing<String> = Zeroizing::new(secret.nfc().collect());
    let length = normalised.chars().count();
    if normalised.trim().is_empty() && length > 0 {
        return Some(Refusal::Blank);
    }
    if length < MIN_CHARS {
        return Some(Refusal::TooShort);
    }
    if length > MAX_CHARS {
        return Some(Refusal::TooLong);
    }
    if is_personal(&normalised, context) {
        return Some(Refusal::Personal);
    }
    if is_common(&normalised) {
        return Some(Refusal::Common);
    }
    None
}

/// Whether a password that opened its slot is shorter than today's rule asks (it still works; the person
/// is asked to choose a new one).
pub fn below_today_minimum(secret: &SecretString) -> bool {
    secret.expose().nfc().count() < MIN_CHARS
}

/// [`assess`] as an `Error::InvalidInput` on `field` ("password", "new_password", "passphrase").
pub(crate) fn check(field: &'static str, secret: &SecretString, context: &Context) -> Result<()> {
    let what = if field == "passphrase" { "passphrase" } else { "password" };
    match assess(secret.expose(), context) {
        None => Ok(()),
        Some(refusal) => Err(Error::invalid(field, refusal.message(what))),
    }
}

/// Whether the secret's key is in the bundled list.
fn is_common(secret: &str) -> bool {
    let key = list_key(secret);
    key.is_empty() || COMMON.contains(&key_hash(&key))
}

/// Whether the context words make up most of the secret: taken out, fewer letters are left than they took.
fn is_personal(secret: &str, context: &Context) -> bool {
    let folded = fold(secret);
    let substituted = Zeroizing::new(undo_substitutions(&folded));
    let personal = [folded.as_str(), substituted.as_str()].into_iter().any(|text| {
        let mut rest = Zeroizing::new(text.to_string());
        for word in &context.words {
            if rest.contains(word.as_str()) {
                *rest = rest.replace(word.as_str(), " ");
            }
        }
        let taken = text.chars().count() - rest.chars().filter(|c| *c != ' ').count();
        let letters_left = rest.chars().filter(|c| c.is_alphabetic()).count();
        taken > 0 && letters_left < taken
    });
    personal
}

/// Lower case (after NFC), without white space and the separators `-`, `_`, `.`.
fn fold(text: &str) -> Zeroizing<String> {
    Zeroizing::new(
        text.nfc()
            .flat_map(char::to_lowercase)
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '.'))
            .collect(),
    )
}

/// The common look-alike substitutions, undone.
fn undo_substitutions(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            other => other,
        })
        .collect()
}

/// A text written once when it is the same unit repeated ("abcabcabc" is "abc").
fn without_repetition(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let length = chars.len();
    for unit in 1..=length / 2 {
        if length.is_multiple_of(unit) && chars.chunks(unit).all(|chunk| chunk == &chars[..unit]) {
            return chars[..unit].iter().collect();
        }
    }
    text.to_owned()
}

/// The form both the list's entries and a new secret are looked up by (see the module's invariants).
pub(crate) fn list_key(text: &str) -> Zeroizing<String> {
    let folded = fold(text);
    let once = Zeroizing::new(without_repetition(&folded));
    let letters_end =
        once.char_indices().filter(|(_, c)| c.is_alphabetic()).map(|(at, c)| at + c.len_utf8()).next_back();
    let kept = match letters_end {
        Some(end) if once[..end].chars().count() >= 4 => &once[..end],
        _ => once.as_str(),
    };
    let substituted = Zeroizing::new(undo_substitutions(kept));
    Zeroizing::new(without_repetition(&substituted))
}

/// A key's 64-bit hash for the filter: the first 8 bytes of its SHA-256, little-endian (stable across
/// builds and platforms, unlike the standard library's hasher).
pub(crate) fn key_hash(key: &str) -> u64 {
    let digest = Sha256::digest(key.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}

/// The bundled filter: [`FILE_MAGIC`], the filter's 20-byte descriptor (seed, segment length, its mask,
/// segment count times length; little-endian) and its 16-bit fingerprints, little-endian.
const BUNDLED: &[u8] = include_bytes!("../../../../assets/passwords/common-passwords.bfuse16");
const FILE_MAGIC: &[u8; 8] = b"SRPWBF16";

static COMMON: LazyLock<BinaryFuse16> = LazyLock::new(|| parse_filter(BUNDLED).unwrap_or_else(empty_filter));

/// The bundled file as a filter, or `None` when it is not one (a test checks the bundled one is).
fn parse_filter(bytes: &[u8]) -> Option<BinaryFuse16> {
    let rest = bytes.strip_prefix(FILE_MAGIC)?;
    if rest.len() < 20 || !(rest.len() - 20).is_multiple_of(2) {
        return None;
    }
    let word = |at: usize| u32::from_le_bytes(rest[at..at + 4].try_into().unwrap_or_default());
    let descriptor = xorf::Descriptor {
        seed: u64::from_le_bytes(rest[..8].try_into().ok()?),
        segment_length: word(8),
        segment_length_mask: word(12),
        segment_count_length: word(16),
    };
    let fingerprints: Box<[u16]> =
        rest[20..].chunks_exact(2).map(|pair| u16::from_le_bytes([pair[0], pair[1]])).collect();
    // A descriptor that points past the fingerprints would index out of bounds on lookup.
    let needed = descriptor.segment_count_length as usize + 2 * descriptor.segment_length as usize;
    if descriptor.segment_length == 0 || fingerprints.len() < needed {
        return None;
    }
    Some(BinaryFuse16 { descriptor, fingerprints })
}

/// Never reached with the bundled file (a test parses it); a filter of nothing rather than a panic.
fn empty_filter() -> BinaryFuse16 {
    BinaryFuse16::try_from(&[0u64][..]).unwrap_or_else(|_| unreachable!("a one-key filter always builds"))
}

/// The file [`BUNDLED`] is made of, from a list of passwords one a line (see `assets/passwords/README.md`).
#[cfg(test)]
pub(crate) fn build_filter_file(list: &str) -> Vec<u8> {
    let mut hashes: Vec<u64> =
        list.lines().filter(|line| !line.is_empty()).map(|line| key_hash(&list_key(line))).collect();
    hashes.sort_unstable();
    hashes.dedup();
    let filter = BinaryFuse16::try_from(&hashes).expect("distinct keys build a filter");
    let mut file = FILE_MAGIC.to_vec();
    file.extend_from_slice(&filter.descriptor.seed.to_le_bytes());
    for word in [
        filter.descriptor.segment_length,
        filter.descriptor.segment_length_mask,
        filter.descriptor.segment_count_length,
    ] {
        file.extend_from_slice(&word.to_le_bytes());
    }
    for fingerprint in filter.fingerprints.iter() {
        file.extend_from_slice(&fingerprint.to_le_bytes());
    }
    file
}
