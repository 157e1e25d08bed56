//! Recovery codes: 25 symbols of Crockford base32 (125 random bits), shown once as five groups of five.
//!
//! Typing is forgiving: case, spaces and dashes do not matter, and the look-alikes O/I/L read as 0/1/1.

use rand::RngCore;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::sensitive::SecretString;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a recovery code, dashes not counted.
pub const RECOVERY_CODE_SYMBOLS: usize = 25;
const GROUP: usize = 5;

/// A new random recovery code in its display form, `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`.
pub fn generate() -> SecretString {
    let mut random = Zeroizing::new([0u8; RECOVERY_CODE_SYMBOLS]);
    rand::rngs::OsRng.fill_bytes(random.as_mut());
    let mut code = String::with_capacity(RECOVERY_CODE_SYMBOLS + RECOVERY_CODE_SYMBOLS / GROUP);
    for (index, byte) in random.iter().enumerate() {
        if index > 0 && index % GROUP == 0 {
            code.push('-');
        }
        // 256 is a multiple of 32, so taking the low five bits keeps every symbol equally likely.
        code.push(ALPHABET[usize::from(byte & 0x1f)] as char);
    }
    SecretString::new(code)
}

/// The canonical form (25 upper-case symbols, no dashes) that keys are derived from.
pub fn normalize(typed: &SecretString) -> Result<SecretString> {
    let mut canonical = String::with_capacity(RECOVERY_CODE_SYMBOLS);
    for character in typed.expose().chars() {
        let symbol = match character.to_ascii_uppercase() {
            '-' | ' ' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            other if other.is_ascii() && ALPHABET.contains(&(other as u8)) => other,
            _ => {
                return Err(Error::invalid(
                    "recovery_code",
                    "A recovery code has only the letters and digits it was printed with; check what you typed.",
                ))
            }
        };
        canonical.push(symbol);
    }
    if canonical.len() != RECOVERY_CODE_SYMBOLS {
        return Err(Error::invalid(
            "recovery_code",
            format!("A recovery code has {RECOVERY_CODE_SYMBOLS} letters and digits; {} were typed.", canonical.len()),
        ));
    }
    Ok(SecretString::new(canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_grouped_and_normalize_back() {
        let code = generate();
        let groups: Vec<&str> = code.expose().split('-').collect();
        assert_eq!(groups.len(), 5);
        assert!(groups.iter().all(|group| group.len() == 5));
        let canonical = normalize(&code).unwrap();
        assert_eq!(canonical.expose(), code.expose().replace('-', ""));
        assert_ne!(generate().expose(), code.expose(), "two codes in a row must differ");
    }

    #[test]
    fn typing_is_forgiving_about_case_spacing_and_look_alikes() {
        let typed = SecretString::from(" abcde fghjk-mnpqr stvwx yz0oi ");
        assert_eq!(normalize(&typed).unwrap().expose(), "ABCDEFGHJKMNPQRSTVWXYZ001");
        let with_l = SecretString::from("L1111-11111-11111-11111-11111");
        assert_eq!(normalize(&with_l).unwrap().expose(), "1".repeat(25));
    }

    #[test]
    fn wrong_length_and_foreign_symbols_are_typed_errors() {
        for bad in [
            "",
            "ABCDE-FGHJK",
            "ABCDE-FGHJK-MNPQR-STVWX-YZ012X",
            "ABCDE-FGHJK-MNPQR-STVWX-YZ01U",
            "ÄBCDE-FGHJK-MNPQR-STVWX-YZ012",
        ] {
            let error = normalize(&SecretString::from(bad)).unwrap_err();
            assert!(matches!(error, Error::InvalidInput { field: "recovery_code", .. }), "{bad}: {error:?}");
        }
    }
}
