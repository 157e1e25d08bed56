//! Rules for short text people type that is shown back as a name (staff, clients).
//!
//! Invariant: a name holds no character that changes how text around it is shown — control characters
//! (escape, tab, line breaks, DEL and the C1 range), Unicode line/paragraph separators, and the
//! bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that can make a list
//! or an audit line read differently from what it holds.

use crate::error::{Error, Result};

/// Whether `c` may not appear in a name.
fn is_refused_in_names(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuse a name holding control characters or text-direction overrides, saying which kind.
pub(crate) fn check_name_characters(field: &'static str, text: &str) -> Result<()> {
    let Some(refused) = text.chars().find(|c| is_refused_in_names(*c)) else { return Ok(()) };
    let kind = if matches!(refused, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
        "a text-direction override"
    } else if matches!(refused, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}') {
        "a line break"
    } else {
        "a control character"
    };
    Err(Error::invalid(
        field,
        format!(
            "The {} contains {kind}, which a name cannot hold; use letters, spaces and punctuation only.",
            crate::error::field_words(field)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_line_breaks_and_direction_overrides_are_refused() {
        for bad in [
            "Olivia\u{1b}[31m",
            "Olivia\nOwner",
            "Olivia\r",
            "Tab\tName",
            "Del\u{7f}",
            "C1\u{9b}",
            "Line\u{2028}sep",
            "evil\u{202E}txt.exe",
            "a\u{202A}b",
            "a\u{2066}b",
            "a\u{2069}b",
        ] {
            let error = check_name_characters("name", bad).unwrap_err();
            assert!(matches!(error, Error::InvalidInput { field: "name", .. }), "{bad:?}: {error:?}");
        }
        let error = check_name_characters("name", "a\u{202E}b").unwrap_err().to_string();
        assert!(error.contains("text-direction override") && !error.contains("U+"), "{error}");
        assert!(error.starts_with("The name contains"), "{error}");
        assert!(check_name_characters("name", "a\nb").unwrap_err().to_string().contains("line break"));
        for good in ["Olivia O'Neil-Smith", "Zoë Ångström", "李小龍", "محمد", "Dr. A. B. (Bea)"] {
            check_name_characters("name", good).unwrap();
        }
    }
}
