//! Practice-wide settings that a signed-in owner changes (stored in the vault, audited).

use time::OffsetDateTime;

use crate::access;
use crate::access::permissions::Operation;
use crate::audit::actions;
use crate::error::Result;
use crate::staff::Session;
use crate::vault::Vault;

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
