//! The first day's checklist: what an owner has not set up yet, read from the settings of the modules that
//! keep them (practice profile, consent, backups, staff). Above them all in the layering, as it reads each.

use time::OffsetDateTime;

use crate::access;
use crate::access::permissions::Operation;
use crate::error::Result;
use crate::staff::Session;
use crate::vault::Vault;

/// Something left to set up on the first day (shown on the owner's home until done).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupStep {
    /// The practice has no name.
    PracticeName,
    /// No licence lines and no NPI for the letterhead.
    Letterhead,
    /// No telehealth platform is named (the technology consent needs one).
    TelehealthPlatform,
    /// No folder for automatic backups on this computer.
    BackupFolder,
    /// No colleague added, and the owner has not said they work alone.
    Staff,
}

impl SetupStep {
    /// Every step, in the order the checklist shows them.
    pub const ALL: [SetupStep; 5] = [
        SetupStep::PracticeName,
        SetupStep::Letterhead,
        SetupStep::TelehealthPlatform,
        SetupStep::BackupFolder,
        SetupStep::Staff,
    ];
}

/// What is left to set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupStatus {
    /// The steps not done yet, in [`SetupStep::ALL`] order; empty when everything is set up.
    pub missing: Vec<SetupStep>,
}

/// What is left to set up (owners only: the checklist is on the owner's home).
pub fn status(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<SetupStatus> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ChangePracticeSettings)?;
        let profile = crate::settings::store::practice_profile(transaction)?;
        let platform = crate::consent::store::settings(transaction)?.platform;
        let backup_folder = crate::backups::store::settings(transaction)?.folder;
        let colleagues = crate::staff::store::list(transaction)?
            .iter()
            .filter(|member| member.active && member.id != actor.staff_id)
            .count();
        let works_alone = crate::settings::store::works_alone(transaction)?;
        let missing = SetupStep::ALL
            .into_iter()
            .filter(|step| match step {
                SetupStep::PracticeName => profile.name.is_empty(),
                SetupStep::Letterhead => profile.licence_lines.is_empty() && profile.npi.is_empty(),
                SetupStep::TelehealthPlatform => platform.is_empty(),
                SetupStep::BackupFolder => backup_folder.is_none(),
                SetupStep::Staff => colleagues == 0 && !works_alone,
            })
            .collect();
        Ok(SetupStatus { missing })
    })
}
