//! Practice-wide settings that a signed-in owner changes (stored in the vault, audited): the auto-lock
//! delay, the practice profile (name, address, phone, licence lines, NPI, time zone: the letterhead and the
//! practice's local time); what is left to set up on the first day is `crate::setup`.
//!
//! Invariants:
//! - Only an owner changes a setting ([`Operation::ChangePracticeSettings`]); anyone signed in reads the
//!   profile (it is printed on every PDF).
//! - The audit trail names which fields of the profile changed, never their values.
//! - A stored time zone is a name in the bundled IANA database ([`time_zone_names`]), so every machine that
//!   opens the vault (or an import of it) reads the same time zone; nothing here reads the system's clock
//!   or time zone.

pub mod store;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use jiff::tz::TimeZoneDatabase;
use time::OffsetDateTime;

use crate::access;
use crate::access::permissions::Operation;
use crate::audit::actions;
use crate::error::{Error, Result};
use crate::staff::Session;
use crate::text;
use crate::vault::Vault;

/// The practice's identity on letterheads and the time zone its people live in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeProfile {
    /// The practice's name (one line).
    pub name: String,
    /// Its postal address (several lines).
    pub address: String,
    /// Its phone number (one line).
    pub phone: String,
    /// Licence lines for the letterhead, e.g. "Licensed Clinical Social Worker, IL #149.012345" (several lines).
    pub licence_lines: String,
    /// The National Provider Identifier (10 digits) or empty.
    pub npi: String,
    /// An IANA time zone name such as `America/Chicago`.
    pub time_zone: String,
}

/// The time zone while none is set.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

impl Default for PracticeProfile {
    fn default() -> Self {
        PracticeProfile {
            name: String::new(),
            address: String::new(),
            phone: String::new(),
            licence_lines: String::new(),
            npi: String::new(),
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
        }
    }
}

/// At most this many characters in the practice's name.
pub const NAME_MAX_CHARS: usize = 120;
/// At most this many characters (and [`MAX_LINES`] lines) in the address and in the licence lines.
pub const LINES_MAX_CHARS: usize = 400;
/// At most this many lines in the address and in the licence lines.
pub const MAX_LINES: usize = 6;
/// At most this many characters in the phone number.
pub const PHONE_MAX_CHARS: usize = 40;

/// Change the auto-lock delay (owners only; 1–240 minutes).
pub fn set_auto_lock_minutes(vault: &Vault, session: &Session, minutes: u32, now: OffsetDateTime) -> Result<u32> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ChangePracticeSettings)?;
        let before = vault.auto_lock_minutes()?;
        vault.set_auto_lock_minutes(minutes)?;
        if before != minutes {
            actor.record(
                transaction,
                now,
                actions::SETTINGS_CHANGED,
                None,
                &format!("auto-lock: {before} -> {minutes} minutes"),
            )?;
        }
        Ok(minutes)
    })
}

/// The practice profile (anyone signed in: it is on every PDF).
pub fn practice_profile(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<PracticeProfile> {
    access::run(vault, session, now, |transaction, _| store::practice_profile(transaction))
}

/// Change the practice profile (owners only): checked and tidied ([`check_profile`]), audited with the names
/// of the fields that changed. Returns the profile as stored.
pub fn set_practice_profile(
    vault: &Vault,
    session: &Session,
    profile: PracticeProfile,
    now: OffsetDateTime,
) -> Result<PracticeProfile> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ChangePracticeSettings)?;
        let profile = check_profile(profile)?;
        let before = store::practice_profile(transaction)?;
        let changed = changed_fields(&before, &profile);
        if changed.is_empty() {
            return Ok(profile);
        }
        store::set_practice_profile(transaction, &profile)?;
        actor.record(
            transaction,
            now,
            actions::SETTINGS_CHANGED,
            None,
            &format!("practice profile: {} changed", changed.join(", ")),
        )?;
        Ok(profile)
    })
}

/// Say whether the owner works alone (then the checklist stops asking for staff). Owners only; audited.
pub fn set_works_alone(vault: &Vault, session: &Session, works_alone: bool, now: OffsetDateTime) -> Result<bool> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ChangePracticeSettings)?;
        if store::works_alone(transaction)? != works_alone {
            store::set_works_alone(transaction, works_alone)?;
            let detail = if works_alone { "works alone: yes" } else { "works alone: no" };
            actor.record(transaction, now, actions::SETTINGS_CHANGED, None, detail)?;
        }
        Ok(works_alone)
    })
}

/// The display names of the active people the permission table lets do `operation` (who can change a
/// setting), sorted.
pub(crate) fn names_allowed(connection: &rusqlite::Connection, operation: Operation) -> Result<Vec<String>> {
    let mut names: Vec<String> = crate::staff::store::list(connection)?
        .into_iter()
        .filter(|member| member.active && access::permissions::allowed(operation, member.role))
        .map(|member| member.display_name)
        .collect();
    names.sort();
    Ok(names)
}

/// Every time zone name a profile may hold (the bundled IANA database's, sorted): regions such as
/// `America/Chicago` and `UTC`, without the legacy aliases (`US/Central`, `EST5EDT`, `Etc/GMT+6`).
pub fn time_zone_names() -> Vec<String> {
    let mut names: Vec<String> = bundled_time_zones()
        .available()
        .map(|name| name.as_str().to_owned())
        .filter(|name| {
            const REGIONS: [&str; 10] = [
                "Africa/",
                "America/",
                "Antarctica/",
                "Arctic/",
                "Asia/",
                "Atlantic/",
                "Australia/",
                "Europe/",
                "Indian/",
                "Pacific/",
            ];
            name == DEFAULT_TIME_ZONE || REGIONS.iter().any(|region| name.starts_with(region))
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The IANA database bundled into the app (the same on every machine; no system files read).
fn bundled_time_zones() -> &'static TimeZoneDatabase {
    static DATABASE: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DATABASE.get_or_init(TimeZoneDatabase::bundled)
}

/// Check a profile and return it tidied: text trimmed, line endings `\n`, blank lines dropped, the time
/// zone's name spelled as the database spells it.
pub fn check_profile(profile: PracticeProfile) -> Result<PracticeProfile> {
    let name = one_line("practice_name", "The practice's name", &profile.name, NAME_MAX_CHARS)?;
    let address = several_lines("practice_address", "The address", &profile.address)?;
    let phone = one_line("practice_phone", "The phone number", &profile.phone, PHONE_MAX_CHARS)?;
    if phone.chars().any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
        || (!phone.is_empty() && phone.chars().filter(char::is_ascii_digit).count() < 7)
    {
        return Err(Error::invalid(
            "practice_phone",
            "Enter the phone number with at least 7 digits, using only digits, spaces and + - ( ) . characters.",
        ));
    }
    let licence_lines = several_lines("licence_lines", "The licence lines", &profile.licence_lines)?;
    let npi: String = profile.npi.chars().filter(|c| !c.is_whitespace()).collect();
    if !npi.is_empty() && !is_valid_npi(&npi) {
        return Err(Error::invalid(
            "npi",
            "Enter the 10-digit National Provider Identifier (NPI) as issued, or leave it empty.",
        ));
    }
    let wanted = profile.time_zone.trim();
    let wanted = if wanted.is_empty() { DEFAULT_TIME_ZONE } else { wanted };
    let time_zone = bundled_time_zones()
        .available()
        .map(|name| name.as_str().to_owned())
        .find(|name| name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| Error::invalid("time_zone", "Choose the practice's time zone from the list."))?;
    Ok(PracticeProfile { name, address, phone, licence_lines, npi, time_zone })
}

/// The names of the fields that differ, in the profile's order.
fn changed_fields(before: &PracticeProfile, after: &PracticeProfile) -> Vec<&'static str> {
    [
        ("name", before.name != after.name),
        ("address", before.address != after.address),
        ("phone", before.phone != after.phone),
        ("licence lines", before.licence_lines != after.licence_lines),
        ("NPI", before.npi != after.npi),
        ("time zone", before.time_zone != after.time_zone),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect()
}

/// One line of at most `max` characters, prepared for storage by [`text`] (trimmed, NFC, no control or
/// invisible characters); the practice's name is checked as a name.
fn one_line(field: &'static str, what: &str, value: &str, max: usize) -> Result<String> {
    let value = if field == "practice_name" {
        text::name_called(field, &what.to_lowercase(), value)?
    } else {
        text::line(field, &what.to_lowercase(), value)?
    };
    if value.chars().count() > max {
        return Err(Error::invalid(field, format!("{what} has at most {max} characters.")));
    }
    Ok(value)
}

/// Up to [`MAX_LINES`] lines, [`LINES_MAX_CHARS`] characters in all, each line prepared by [`text::lines`]
/// (trimmed, NFC, checked as one line); blank lines dropped.
fn several_lines(field: &'static str, what: &str, value: &str) -> Result<String> {
    let joined = text::lines(field, &what.to_lowercase(), value)?;
    let count = joined.split('\n').filter(|line| !line.is_empty()).count();
    if count > MAX_LINES {
        return Err(Error::invalid(field, format!("{what} have at most {MAX_LINES} lines.")));
    }
    if joined.chars().count() > LINES_MAX_CHARS {
        return Err(Error::invalid(field, format!("{what} have at most {LINES_MAX_CHARS} characters.")));
    }
    Ok(joined)
}

/// A National Provider Identifier: 10 digits whose last is the Luhn check digit over "80840" and the
/// first nine (CMS, "Requirements for NPI check digit").
fn is_valid_npi(npi: &str) -> bool {
    if npi.len() != 10 || !npi.bytes().all(|byte| byte.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = npi.bytes().map(|byte| u32::from(byte - b'0')).collect();
    // The prefix 80840 contributes 24 to the Luhn sum of the first nine digits.
    let mut sum = 24;
    for (index, digit) in digits[..9].iter().rev().enumerate() {
        sum += if index % 2 == 0 {
            let doubled = digit * 2;
            if doubled > 9 {
                doubled - 9
            } else {
                doubled
            }
        } else {
            *digit
        };
    }
    (10 - sum % 10) % 10 == digits[9]
}
