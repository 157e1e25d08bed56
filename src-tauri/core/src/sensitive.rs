//! Secrets and sensitive text: redacted in `Debug`, zeroized on drop, never serialized by accident.

use zeroize::{Zeroize, Zeroizing};

/// The global allocator of every program that uses the core (the app, the command line, tests, benches): the
/// system allocator, with every block overwritten with zeros when it is freed (or moved by a `realloc`).
///
/// Clinical text lives in ordinary `String`s all over (records read, the app's IPC answers and their JSON), too
/// many to wrap each in `Zeroizing`; wiping every freed block instead means that once a lock has dropped them,
/// no copy is left in the process's memory (`tests/memory.rs`, `no_clinical_text_is_left_in_memory_after_locking`).
/// SQLite's own allocations are wiped by SQLCipher (`PRAGMA cipher_memory_security`, set in `vault`). Cost:
/// one `memset` per free and no in-place `realloc` (docs/benchmarks.md, "Memory after lock").
#[global_allocator]
static WIPE_ON_FREE: zeroizing_alloc::ZeroAlloc<std::alloc::System> = zeroizing_alloc::ZeroAlloc(std::alloc::System);

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
