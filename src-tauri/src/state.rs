//! What the app holds between commands: where the vault is, the open vault (if unlocked) and the
//! idle clock behind auto-lock.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use saferoom_core::staff::{LoginThrottle, Session};
use saferoom_core::{Vault, VaultPaths};

use crate::error::{CommandError, CommandResult};

/// Tracks activity; the vault locks once `limit` passes with none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleClock {
    last_activity: Instant,
    limit: Duration,
}

impl IdleClock {
    /// A clock that has just seen activity.
    pub fn new(now: Instant, limit: Duration) -> IdleClock {
        IdleClock { last_activity: now, limit }
    }

    /// Record activity.
    pub fn touch(&mut self, now: Instant) {
        self.last_activity = now;
    }

    /// Change the limit (activity so far still counts).
    pub fn set_limit(&mut self, limit: Duration) {
        self.limit = limit;
    }

    /// Whether the limit has passed with no activity.
    pub fn expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.last_activity) >= self.limit
    }
}

/// Shared app state (`tauri::State<AppState>`).
pub struct AppState {
    /// Where the vault is.
    pub paths: VaultPaths,
    vault: Mutex<Option<Vault>>,
    /// Who is signed in. Lock order: `vault`, then `session`.
    session: Mutex<Option<Session>>,
    throttle: Mutex<LoginThrottle>,
    idle: Mutex<IdleClock>,
}

fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not make the vault unreachable; the data under the lock stays consistent
    // because every change to it is a single assignment.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    /// State for a vault at `paths`, locked.
    pub fn new(paths: VaultPaths) -> AppState {
        AppState {
            paths,
            vault: Mutex::new(None),
            session: Mutex::new(None),
            throttle: Mutex::new(LoginThrottle::default()),
            idle: Mutex::new(IdleClock::new(Instant::now(), Duration::from_secs(600))),
        }
    }

    /// Whether a vault is open.
    pub fn is_unlocked(&self) -> bool {
        unpoisoned(&self.vault).is_some()
    }

    /// Keep a freshly opened vault and start its idle clock with its own auto-lock setting.
    pub fn install(&self, vault: Vault) -> CommandResult<()> {
        let minutes = vault.auto_lock_minutes()?;
        *unpoisoned(&self.idle) = IdleClock::new(Instant::now(), Duration::from_secs(u64::from(minutes) * 60));
        *unpoisoned(&self.vault) = Some(vault);
        Ok(())
    }

    /// Run `action` on the open vault (counts as activity), or fail with `locked`.
    pub fn with_vault<T>(&self, action: impl FnOnce(&mut Vault) -> CommandResult<T>) -> CommandResult<T> {
        let mut guard = unpoisoned(&self.vault);
        let vault = guard.as_mut().ok_or_else(CommandError::locked)?;
        unpoisoned(&self.idle).touch(Instant::now());
        action(vault)
    }

    /// Run `action` as the signed-in person (counts as activity): `locked` if the vault is closed,
    /// `signed_out` if nobody is signed in.
    pub fn with_session<T>(&self, action: impl FnOnce(&mut Vault, &Session) -> CommandResult<T>) -> CommandResult<T> {
        let mut guard = unpoisoned(&self.vault);
        let vault = guard.as_mut().ok_or_else(CommandError::locked)?;
        let session = unpoisoned(&self.session).clone().ok_or_else(CommandError::signed_out)?;
        unpoisoned(&self.idle).touch(Instant::now());
        action(vault, &session)
    }

    /// The signed-in person, if any.
    pub fn session(&self) -> Option<Session> {
        unpoisoned(&self.session).clone()
    }

    /// Make `session` the signed-in person.
    pub fn set_session(&self, session: Option<Session>) {
        *unpoisoned(&self.session) = session;
    }

    /// Run `action` with the failed-sign-in throttle.
    pub fn with_throttle<T>(&self, action: impl FnOnce(&mut LoginThrottle) -> T) -> T {
        action(&mut unpoisoned(&self.throttle))
    }

    /// Close the vault and wipe its key; nobody stays signed in. Returns whether it was open.
    pub fn lock(&self) -> bool {
        let mut vault = unpoisoned(&self.vault);
        let session = unpoisoned(&self.session).take();
        match vault.take() {
            Some(open) => {
                let _ = saferoom_core::staff::record_vault_event(
                    &open,
                    session.as_ref(),
                    true,
                    "locked",
                    crate::clock::now(),
                );
                true
            }
            None => false,
        }
    }

    /// Record user activity.
    pub fn touch(&self) {
        unpoisoned(&self.idle).touch(Instant::now());
    }

    /// Apply a new auto-lock limit to the running clock.
    pub fn set_idle_limit(&self, limit: Duration) {
        unpoisoned(&self.idle).set_limit(limit);
    }

    /// Lock if the vault is open and idle too long. Returns whether it locked.
    pub fn lock_if_idle(&self, now: Instant) -> bool {
        let expired = unpoisoned(&self.vault).is_some() && unpoisoned(&self.idle).expired(now);
        if !expired {
            return false;
        }
        let mut vault = unpoisoned(&self.vault);
        let session = unpoisoned(&self.session).take();
        if let Some(open) = vault.take() {
            let _ = saferoom_core::staff::record_vault_event(
                &open,
                session.as_ref(),
                true,
                "auto-lock after idling",
                crate::clock::now(),
            );
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idle_clock_expires_only_after_the_limit_without_activity() {
        let start = Instant::now();
        let mut clock = IdleClock::new(start, Duration::from_secs(60));
        assert!(!clock.expired(start + Duration::from_secs(59)));
        assert!(clock.expired(start + Duration::from_secs(60)));
        clock.touch(start + Duration::from_secs(50));
        assert!(!clock.expired(start + Duration::from_secs(100)));
        assert!(clock.expired(start + Duration::from_secs(110)));
        clock.set_limit(Duration::from_secs(300));
        assert!(!clock.expired(start + Duration::from_secs(110)));
    }

    #[test]
    fn a_locked_state_refuses_vault_commands_and_never_idles_out() {
        let folder = tempfile::tempdir().unwrap();
        let state = AppState::new(VaultPaths::new(folder.path().join("v.saferoom")));
        let error = state.with_vault(|_| Ok(())).unwrap_err();
        assert_eq!(error, CommandError::locked());
        assert!(!state.lock_if_idle(Instant::now() + Duration::from_secs(86_400)));
        assert!(!state.lock());
    }
}
