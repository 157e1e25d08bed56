//! Practice settings kept in the vault: auto-lock, the practice profile (letterhead, time zone) and the
//! first-day set-up checklist.

use std::time::Duration;

use saferoom_core::settings::{self, PracticeProfile};
use saferoom_core::setup::{SetupStatus, SetupStep};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Settings the UI edits.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDto {
    auto_lock_minutes: u32,
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<SettingsDto> {
    state.with_session(|vault, _session| Ok(SettingsDto { auto_lock_minutes: vault.auto_lock_minutes()? }))
}

#[tauri::command]
#[specta::specta]
pub async fn set_auto_lock(state: State<'_, AppState>, minutes: u32) -> CommandResult<SettingsDto> {
    state.with_session(|vault, session| {
        Ok(saferoom_core::settings::set_auto_lock_minutes(vault, session, minutes, crate::clock::now())?)
    })?;
    state.set_idle_limit(Duration::from_secs(u64::from(minutes) * 60));
    Ok(SettingsDto { auto_lock_minutes: minutes })
}

/// The practice's name, address, phone, letterhead lines and time zone.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PracticeProfileDto {
    name: String,
    /// Several lines.
    address: String,
    phone: String,
    /// Several lines, e.g. "Licensed Clinical Social Worker, IL #149.012345".
    licence_lines: String,
    /// 10 digits or empty.
    npi: String,
    /// An IANA time zone name, e.g. "America/Chicago" (one of `time_zones().names`).
    time_zone: String,
}

impl From<PracticeProfile> for PracticeProfileDto {
    fn from(profile: PracticeProfile) -> Self {
        PracticeProfileDto {
            name: profile.name,
            address: profile.address,
            phone: profile.phone,
            licence_lines: profile.licence_lines,
            npi: profile.npi,
            time_zone: profile.time_zone,
        }
    }
}

impl From<PracticeProfileDto> for PracticeProfile {
    fn from(profile: PracticeProfileDto) -> Self {
        PracticeProfile {
            name: profile.name,
            address: profile.address,
            phone: profile.phone,
            licence_lines: profile.licence_lines,
            npi: profile.npi,
            time_zone: profile.time_zone,
        }
    }
}

/// The time zones to choose from, and this computer's (the suggestion on first run).
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TimeZonesDto {
    /// IANA names, sorted ("America/Chicago", …, "UTC").
    names: Vec<String>,
    /// This computer's time zone when it is one of `names`.
    system: Option<String>,
}

/// Something left to set up.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SetupStepDto {
    PracticeName,
    Letterhead,
    TelehealthPlatform,
    BackupFolder,
    Staff,
}

impl From<SetupStep> for SetupStepDto {
    fn from(step: SetupStep) -> Self {
        match step {
            SetupStep::PracticeName => SetupStepDto::PracticeName,
            SetupStep::Letterhead => SetupStepDto::Letterhead,
            SetupStep::TelehealthPlatform => SetupStepDto::TelehealthPlatform,
            SetupStep::BackupFolder => SetupStepDto::BackupFolder,
            SetupStep::Staff => SetupStepDto::Staff,
        }
    }
}

/// What is left to set up (the owner's checklist; empty when done).
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetupStatusDto {
    missing: Vec<SetupStepDto>,
}

impl From<SetupStatus> for SetupStatusDto {
    fn from(status: SetupStatus) -> Self {
        SetupStatusDto { missing: status.missing.into_iter().map(SetupStepDto::from).collect() }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn get_practice_profile(state: State<'_, AppState>) -> CommandResult<PracticeProfileDto> {
    state.call(|vault, session, now| settings::practice_profile(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn set_practice_profile(
    state: State<'_, AppState>,
    profile: PracticeProfileDto,
) -> CommandResult<PracticeProfileDto> {
    let profile = PracticeProfile::from(profile);
    state.call(|vault, session, now| settings::set_practice_profile(vault, session, profile, now))
}

#[tauri::command]
#[specta::specta]
pub async fn time_zones(state: State<'_, AppState>) -> CommandResult<TimeZonesDto> {
    // Signed in (and no kiosk running), like every other practice setting.
    state.with_session(|_, _| {
        let names = settings::time_zone_names();
        // The computer's zone now (read afresh: a zone changed since start is the one suggested).
        let system = crate::clock::system_zone().iana_name().map(str::to_owned).filter(|name| names.contains(name));
        Ok(TimeZonesDto { names, system })
    })
}

#[tauri::command]
#[specta::specta]
pub async fn setup_status(state: State<'_, AppState>) -> CommandResult<SetupStatusDto> {
    state.call(|vault, session, now| saferoom_core::setup::status(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn set_works_alone(state: State<'_, AppState>, works_alone: bool) -> CommandResult<SetupStatusDto> {
    state.call(|vault, session, now| {
        settings::set_works_alone(vault, session, works_alone, now)?;
        saferoom_core::setup::status(vault, session, now)
    })
}
