//! Secrets and sensitive text: redacted in `Debug`, zeroized on drop, never serialized by accident.

use zeroize::{Zeroize, Zeroizing};

/// A secret string typed by a person (a passphrase, a recovery code) or shown to one once.
///
/// `Debug` prints `<redacted>`; the memory is wiped on drop. There is deliberately no `Display`
/// and no `Serialize`: reading the text needs an explicit [`SecretString::expose`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wrap a string; the caller's copy is moved in, not duplicated.
    pub fn new(text: String) -> Self {
        SecretString(Zeroizing::new(text))
    }

    /// The secret text. Keep the borrow short and never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(mut text: String) -> Self {
        let secret = SecretString::new(std::mem::take(&mut text));
        text.zeroize();
        secret
    }
}

impl From<&str> for SecretString {
    fn from(text: &str) -> Self {
        SecretString::new(text.to_owned())
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = SecretString::from("correct horse battery staple");
        let shown = format!("{secret:?} {:?}", Some(&secret));
        assert!(!shown.contains("horse"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert_eq!(secret.expose(), "correct horse battery staple");
    }
}
