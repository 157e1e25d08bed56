//! The practice profile in the vault's `settings` table (key/value rows `practice_*`; they leave in the
//! practice export with the other practice settings and come back on import).

use rusqlite::{Connection, OptionalExtension};

use super::PracticeProfile;
use crate::error::Result;

const NAME: &str = crate::vault::PRACTICE_NAME_KEY;
const ADDRESS: &str = "practice_address";
const PHONE: &str = "practice_phone";
const LICENCE_LINES: &str = "practice_licence_lines";
const NPI: &str = "practice_npi";
const TIME_ZONE: &str = "practice_time_zone";
const WORKS_ALONE: &str = "practice_works_alone";

/// One row of the `settings` table (the practice's and this machine's key/value settings).
pub(crate) fn setting(connection: &Connection, key: &str) -> Result<Option<String>> {
    Ok(connection
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |row| row.get::<_, String>(0))
        .optional()?)
}

/// Insert or replace one row of the `settings` table.
pub(crate) fn set_setting(connection: &Connection, key: &str, value: &str) -> Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute([key, value])?;
    Ok(())
}

/// The practice profile; empty strings and `UTC` for what was never set.
pub fn practice_profile(connection: &Connection) -> Result<PracticeProfile> {
    let defaults = PracticeProfile::default();
    Ok(PracticeProfile {
        name: setting(connection, NAME)?.unwrap_or(defaults.name),
        address: setting(connection, ADDRESS)?.unwrap_or(defaults.address),
        phone: setting(connection, PHONE)?.unwrap_or(defaults.phone),
        licence_lines: setting(connection, LICENCE_LINES)?.unwrap_or(defaults.licence_lines),
        npi: setting(connection, NPI)?.unwrap_or(defaults.npi),
        time_zone: setting(connection, TIME_ZONE)?.filter(|zone| !zone.is_empty()).unwrap_or(defaults.time_zone),
    })
}

/// Store a profile already checked by [`super::check_profile`].
pub(crate) fn set_practice_profile(connection: &Connection, profile: &PracticeProfile) -> Result<()> {
    set_setting(connection, NAME, &profile.name)?;
    set_setting(connection, ADDRESS, &profile.address)?;
    set_setting(connection, PHONE, &profile.phone)?;
    set_setting(connection, LICENCE_LINES, &profile.licence_lines)?;
    set_setting(connection, NPI, &profile.npi)?;
    set_setting(connection, TIME_ZONE, &profile.time_zone)
}

/// Whether the owner said they work alone (no staff to add).
pub(crate) fn works_alone(connection: &Connection) -> Result<bool> {
    Ok(setting(connection, WORKS_ALONE)?.as_deref() == Some("1"))
}

pub(crate) fn set_works_alone(connection: &Connection, works_alone: bool) -> Result<()> {
    set_setting(connection, WORKS_ALONE, if works_alone { "1" } else { "0" })
}
