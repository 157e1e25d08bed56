//! Entry points for `cargo fuzz` (feature `fuzzing`; see `fuzz/` and `scripts/fuzz.sh`): every parser of
//! data from outside the running app. Each must answer any bytes with a value or a typed error, never a
//! panic; the fuzz targets call these and check that errors are of the expected kind.

use std::io::Write;

use crate::error::{ErrorCode, Result};

/// The key-slot file (`<vault>.keys`), from any bytes.
pub fn key_slots(bytes: &[u8]) -> Result<()> {
    crate::vault::slots::SlotFile::from_bytes(bytes, std::path::Path::new("fuzz.keys")).map(|_| ())
}

/// A backup file's header, from any bytes.
pub fn backup_header(bytes: &[u8]) -> Result<()> {
    let mut file = tempfile::NamedTempFile::new().map_err(crate::Error::io("create", "a temporary file"))?;
    file.write_all(bytes).map_err(crate::Error::io("write", file.path()))?;
    crate::vault::backup::read_header(file.path()).map(|_| ())
}

/// An export file offered for import, from any bytes.
pub fn export_file(bytes: &[u8]) -> Result<()> {
    crate::export::parse_export(bytes).map(|_| ())
}

/// A consent template a practice saves, then filled in.
pub fn template(title: &str, body: &str) -> Result<String> {
    let (_, body) = crate::consent::templates::check(title, body)?;
    let values = crate::consent::templates::FieldValues {
        client_name: "A".into(),
        client_date_of_birth: "B".into(),
        clinician_name: "C".into(),
        platform: "D".into(),
        recording_policy: "E".into(),
        expiry: "F".into(),
        date: "G".into(),
        participants: "H".into(),
        unit_name: "I".into(),
    };
    crate::consent::templates::fill(&body, &values)
}

/// A signature as the UI sends it (JSON, read as the app's `SignatureInputDto` reads it), checked and drawn.
pub fn signature(json: &[u8]) -> Result<()> {
    /// The wire shape of a signature (the core's own `SignatureInput` has no serde naming).
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Sent {
        typed_name: String,
        intent: bool,
        strokes: Vec<Vec<crate::consent::signature::Point>>,
        device: String,
        #[serde(default)]
        confirmed_other_name: bool,
    }
    let sent: Sent = serde_json::from_slice(json)
        .map_err(|error| crate::Error::invalid("signature", format!("The signature could not be read ({error}).")))?;
    let input = crate::consent::SignatureInput {
        typed_name: sent.typed_name,
        intent: sent.intent,
        strokes: sent.strokes,
        device: sent.device,
        confirmed_other_name: sent.confirmed_other_name,
    };
    let ink = crate::consent::signature::check(&input)?;
    crate::consent::signature::grey_image(&ink.strokes_json).map(|_| ())
}

/// The codes each entry point may answer with; anything else is a finding.
pub fn expected(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidInput
            | ErrorCode::KeySlotsCorrupt
            | ErrorCode::BackupCorrupt
            | ErrorCode::VaultTooNew
            | ErrorCode::Io
    )
}
