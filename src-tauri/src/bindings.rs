//! The TypeScript contract with the UI, generated from the commands and DTOs: `ui/src/lib/bindings.ts`
//! holds a typed function for every command in `command_list.rs`, every type they take or return,
//! `CommandError`, the `ErrorCode` union and the `ERROR_CODES` list. It is checked in; a test fails when
//! it is stale. Regenerate it with:
//!
//! ```sh
//! UPDATE_BINDINGS=1 cargo test -p saferoom-app --lib bindings
//! ```

use std::path::Path;

use specta_typescript::Typescript;

use crate::error::Code;

/// Where the bindings live, from this crate's folder.
pub const BINDINGS_FILE: &str = "../ui/src/lib/bindings.ts";

/// The command that regenerates the bindings (named in the stale check's failure).
pub const REGENERATE: &str = "UPDATE_BINDINGS=1 cargo test -p saferoom-app --lib bindings";

/// Write the bindings to `path`.
pub fn export(path: &Path) -> Result<(), specta_typescript::Error> {
    let error_codes: Vec<String> = Code::all().into_iter().map(Code::as_str).collect();
    crate::commands::specta_builder()
        .constant("ERROR_CODES", error_codes)
        // Ids are strings; the integers that cross (counts, sequence numbers, days, bytes) stay far below
        // 2^53, so they are plain numbers on the UI's side, as they always were.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per DTO: each DTO is only sent or only received, so the serialize and
        // deserialize shapes tauri-specta would split them into never both matter.
        .disable_serde_phases()
        .export(Typescript::default().header(HEADER), path)
}

const HEADER: &str = "// Generated from src-tauri (commands and their DTOs) by tauri-specta: do not edit.\n\
// Regenerate: UPDATE_BINDINGS=1 cargo test -p saferoom-app --lib bindings";

#[cfg(test)]
mod tests {
    use super::*;

    /// The bindings as generated now.
    fn generated() -> String {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let path = folder.path().join("bindings.ts");
        export(&path).expect("the bindings generate");
        std::fs::read_to_string(&path).expect("read the fresh bindings")
    }

    #[test]
    fn bindings_are_up_to_date() {
        let fresh = generated();
        let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_FILE);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&checked_in, &fresh).expect("write ui/src/lib/bindings.ts");
            return;
        }
        let current = std::fs::read_to_string(&checked_in).unwrap_or_default();
        assert!(
            current == fresh,
            "ui/src/lib/bindings.ts is stale (a command or DTO changed): regenerate it with `{REGENERATE}` \
             and commit it"
        );
    }

    #[test]
    fn the_bindings_name_every_command_and_error_code() {
        let text = generated();
        for command in crate::commands::COMMANDS {
            assert!(text.contains(&format!("\"{command}\"")), "{command} is invoked by the bindings");
        }
        for code in Code::all() {
            assert!(text.contains(&format!("\"{}\"", code.as_str())), "{code:?}");
        }
    }
}
