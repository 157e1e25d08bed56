//! The TypeScript contract with the UI, generated from the commands and DTOs: `ui/src/lib/bindings.ts`
//! holds a typed function for every command in `command_list.rs`, every type they take or return,
//! `CommandError`, the `ErrorCode` union, the `ERROR_CODES` list and the core's input `LIMITS`. It is checked in; a test fails when
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
        .constant("LIMITS", Limits::CORE)
        // Ids are strings; the integers that cross (counts, sequence numbers, days, bytes) stay far below
        // 2^53, so they are plain numbers on the UI's side, as they always were.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per DTO: each DTO is only sent or only received, so the serialize and
        // deserialize shapes tauri-specta would split them into never both matter.
        .disable_serde_phases()
        .export(Typescript::default().header(HEADER), path)
}

/// The core's input limits (`saferoom_core::limits`, in characters unless named otherwise), for the UI's
/// `maxlength` attributes, counters and quick checks.
#[derive(Debug, Clone, Copy, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    person_name: u32,
    pronouns: u32,
    email: u32,
    phone: u32,
    address: u32,
    insurance_payer: u32,
    member_id: u32,
    note_body: u32,
    template_title: u32,
    template_body: u32,
    signer_name: u32,
    reason_min: u32,
    reason: u32,
    platform: u32,
    recording_policy: u32,
    expiry_months: u32,
    login_min: u32,
    login: u32,
    secret_min: u32,
    secret: u32,
    recipient: u32,
    purpose: u32,
    intake_text: u32,
    intake_long_text: u32,
    guardian_line: u32,
    custody_note: u32,
}

impl Limits {
    /// The values, from the core's constants (all far below `u32::MAX`).
    #[allow(clippy::cast_possible_truncation)] // Each limit is at most a few hundred thousand.
    const CORE: Limits = {
        use saferoom_core::limits as core;
        Limits {
            person_name: core::PERSON_NAME as u32,
            pronouns: core::PRONOUNS as u32,
            email: core::EMAIL as u32,
            phone: core::PHONE as u32,
            address: core::ADDRESS as u32,
            insurance_payer: core::INSURANCE_PAYER as u32,
            member_id: core::MEMBER_ID as u32,
            note_body: core::NOTE_BODY as u32,
            template_title: core::TEMPLATE_TITLE as u32,
            template_body: core::TEMPLATE_BODY as u32,
            signer_name: core::SIGNER_NAME as u32,
            reason_min: core::REASON_MIN as u32,
            reason: core::REASON as u32,
            platform: core::PLATFORM as u32,
            recording_policy: core::RECORDING_POLICY as u32,
            expiry_months: core::EXPIRY_MONTHS,
            login_min: core::LOGIN_MIN as u32,
            login: core::LOGIN as u32,
            secret_min: core::SECRET_MIN as u32,
            secret: core::SECRET as u32,
            recipient: core::RECIPIENT as u32,
            purpose: core::PURPOSE as u32,
            intake_text: core::INTAKE_TEXT as u32,
            intake_long_text: core::INTAKE_LONG_TEXT as u32,
            guardian_line: core::GUARDIAN_LINE as u32,
            custody_note: core::CUSTODY_NOTE as u32,
        }
    };
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
