//! What the app holds between commands: where the vault is, the open vault (if unlocked) and the
//! idle clock behind auto-lock.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use saferoom_core::consent::{Kiosk, KioskPacket};
use saferoom_core::ids::{ClientId, DocumentId, UnitId};
use saferoom_core::progress::CancelFlag;
use saferoom_core::staff::{LoginThrottle, Session};
use saferoom_core::SecretString;
use saferoom_core::{Vault, VaultPaths};
use time::OffsetDateTime;

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
    /// A running signing kiosk, which holds the session that started it. Lock order: `vault`, `session`,
    /// `kiosk`.
    kiosk: Mutex<Option<Kiosk>>,
    throttle: Mutex<LoginThrottle>,
    idle: Mutex<IdleClock>,
    /// The cancel flag of the long work running now (see `crate::work`), if any. Never held with `vault`
    /// waiting on it, so Cancel gets through while the work holds the vault.
    work: Mutex<Option<CancelFlag>>,
}

/// Long work in progress; dropping it ends it (whatever way the work ended).
pub struct WorkGuard<'a> {
    state: &'a AppState,
    /// The flag the Cancel button sets.
    pub cancel: CancelFlag,
}

impl Drop for WorkGuard<'_> {
    fn drop(&mut self) {
        unpoisoned(&self.state.work).take();
        // Time spent waiting for the work is not idleness.
        unpoisoned(&self.state.idle).touch(Instant::now());
    }
}

fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not make the vault unreachable; the data under the lock stays consistent
    // because every change to it is a single assignment.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    /// State for a vault at `paths`, locked.
    pub fn new(paths: VaultPaths) -> AppState {
        let throttle = LoginThrottle::beside(&paths);
        AppState {
            paths,
            vault: Mutex::new(None),
            session: Mutex::new(None),
            kiosk: Mutex::new(None),
            throttle: Mutex::new(throttle),
            idle: Mutex::new(IdleClock::new(Instant::now(), Duration::from_secs(600))),
            work: Mutex::new(None),
        }
    }

    /// Start long work, or refuse if some is already running (one at a time, so Cancel is unambiguous).
    pub fn begin_work(&self) -> CommandResult<WorkGuard<'_>> {
        let mut work = unpoisoned(&self.work);
        if work.is_some() {
            return Err(CommandError::busy());
        }
        let cancel = CancelFlag::new();
        *work = Some(cancel.clone());
        Ok(WorkGuard { state: self, cancel })
    }

    /// Ask the running long work to stop. Whether any was running.
    pub fn cancel_work(&self) -> bool {
        match unpoisoned(&self.work).as_ref() {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Whether long work is running (it holds the vault while it does).
    pub fn working(&self) -> bool {
        unpoisoned(&self.work).is_some()
    }

    /// Run `action` with the vault closed and kept closed until it returns (a restore replaces its files).
    /// An open vault with nobody signed in (the sign-in screen) is closed first; a signed-in person, or a
    /// running kiosk, makes this refuse.
    pub fn with_vault_closed<T>(&self, action: impl FnOnce(&VaultPaths) -> CommandResult<T>) -> CommandResult<T> {
        self.refuse_in_kiosk()?;
        let mut vault = unpoisoned(&self.vault);
        if unpoisoned(&self.session).is_some() {
            return Err(CommandError::signed_in());
        }
        if let Some(open) = vault.take() {
            let _ = saferoom_core::staff::record_vault_event(&open, None, true, "locked", crate::clock::now());
            tracing::info!("vault locked for a restore");
        }
        action(&self.paths)
    }

    /// Whether a vault is open.
    pub fn is_unlocked(&self) -> bool {
        unpoisoned(&self.vault).is_some()
    }

    /// Whether a signing kiosk is running.
    pub fn kiosk_active(&self) -> bool {
        unpoisoned(&self.kiosk).is_some()
    }

    /// `kiosk_active` while a signing kiosk runs: every command but the kiosk's own (and `vault_status`,
    /// `touch`) starts with this.
    pub fn refuse_in_kiosk(&self) -> CommandResult<()> {
        if self.kiosk_active() {
            return Err(CommandError::kiosk_active());
        }
        Ok(())
    }

    /// Start a signing kiosk with the signed-in person's session (nobody is signed in while it runs).
    pub fn start_kiosk(&self, client_id: &ClientId, documents: &[DocumentId]) -> CommandResult<KioskPacket> {
        self.begin_kiosk(|vault, session, now| Kiosk::start(vault, session, client_id, documents, now))
    }

    /// Start a signing kiosk for a couple's or family's pending agreement (its adults sign there).
    pub fn start_unit_kiosk(&self, unit_id: &UnitId) -> CommandResult<KioskPacket> {
        self.begin_kiosk(|vault, session, now| saferoom_core::families::start_kiosk(vault, session, unit_id, now))
    }

    fn begin_kiosk(
        &self,
        start: impl FnOnce(&Vault, &Session, OffsetDateTime) -> saferoom_core::Result<(Kiosk, KioskPacket)>,
    ) -> CommandResult<KioskPacket> {
        self.refuse_in_kiosk()?;
        let guard = unpoisoned(&self.vault);
        let vault = guard.as_ref().ok_or_else(CommandError::locked)?;
        let mut session_slot = unpoisoned(&self.session);
        let session = session_slot.as_ref().ok_or_else(CommandError::signed_out)?;
        unpoisoned(&self.idle).touch(Instant::now());
        let (kiosk, packet) = start(vault, session, crate::clock::now())?;
        // Nobody is signed in while the kiosk runs; only the kiosk holds the session.
        *session_slot = None;
        *unpoisoned(&self.kiosk) = Some(kiosk);
        tracing::info!(documents = packet.documents.len(), "signing kiosk started");
        Ok(packet)
    }

    /// Run `action` with the running kiosk (counts as activity): `locked` if the vault is closed,
    /// `not_found`-style `signed_out` if no kiosk runs.
    pub fn with_kiosk<T>(&self, action: impl FnOnce(&Vault, &Kiosk) -> CommandResult<T>) -> CommandResult<T> {
        let guard = unpoisoned(&self.vault);
        let vault = guard.as_ref().ok_or_else(CommandError::locked)?;
        let kiosk = unpoisoned(&self.kiosk);
        let kiosk = kiosk.as_ref().ok_or_else(CommandError::no_kiosk)?;
        unpoisoned(&self.idle).touch(Instant::now());
        action(vault, kiosk)
    }

    /// End the kiosk with a staff member's password; they are signed in. A wrong password leaves it running.
    pub fn end_kiosk(&self, login: &str, password: &SecretString) -> CommandResult<Session> {
        let guard = unpoisoned(&self.vault);
        let vault = guard.as_ref().ok_or_else(CommandError::locked)?;
        let mut session_slot = unpoisoned(&self.session);
        let mut kiosk_slot = unpoisoned(&self.kiosk);
        let kiosk = kiosk_slot.as_ref().ok_or_else(CommandError::no_kiosk)?;
        let session =
            self.with_throttle(|throttle| kiosk.end(vault, throttle, login, password, crate::clock::now()))?;
        *kiosk_slot = None;
        *session_slot = Some(session.clone());
        unpoisoned(&self.idle).touch(Instant::now());
        tracing::info!("signing kiosk ended by staff");
        Ok(session)
    }

    /// Keep a freshly opened vault and start its idle clock with its own auto-lock setting.
    pub fn install(&self, vault: Vault) -> CommandResult<()> {
        self.refuse_in_kiosk()?;
        let minutes = vault.auto_lock_minutes()?;
        *unpoisoned(&self.idle) = IdleClock::new(Instant::now(), Duration::from_secs(u64::from(minutes) * 60));
        tracing::info!(opened_with = ?vault.opened_with(), auto_lock_minutes = minutes, "vault opened");
        *unpoisoned(&self.vault) = Some(vault);
        Ok(())
    }

    /// Run `action` on the open vault (counts as activity), or fail with `locked`.
    pub fn with_vault<T>(&self, action: impl FnOnce(&mut Vault) -> CommandResult<T>) -> CommandResult<T> {
        self.refuse_in_kiosk()?;
        let mut guard = unpoisoned(&self.vault);
        let vault = guard.as_mut().ok_or_else(CommandError::locked)?;
        unpoisoned(&self.idle).touch(Instant::now());
        action(vault)
    }

    /// Run `action` as the signed-in person (counts as activity): `locked` if the vault is closed,
    /// `signed_out` if nobody is signed in.
    pub fn with_session<T>(&self, action: impl FnOnce(&mut Vault, &Session) -> CommandResult<T>) -> CommandResult<T> {
        self.refuse_in_kiosk()?;
        let mut guard = unpoisoned(&self.vault);
        let vault = guard.as_mut().ok_or_else(CommandError::locked)?;
        let session = unpoisoned(&self.session).clone().ok_or_else(CommandError::signed_out)?;
        unpoisoned(&self.idle).touch(Instant::now());
        action(vault, &session)
    }

    /// The shape of most commands: run a core call as the signed-in person (see `with_session`), handing it
    /// the time now, and turn its answer into the DTO the UI receives.
    pub fn call<T, D: From<T>>(
        &self,
        core_call: impl FnOnce(&mut Vault, &Session, OffsetDateTime) -> saferoom_core::Result<T>,
    ) -> CommandResult<D> {
        self.with_session(|vault, session| Ok(core_call(vault, session, crate::clock::now())?.into()))
    }

    /// [`AppState::call`] for a core call that answers with a list.
    pub fn call_list<T, D: From<T>>(
        &self,
        core_call: impl FnOnce(&mut Vault, &Session, OffsetDateTime) -> saferoom_core::Result<Vec<T>>,
    ) -> CommandResult<Vec<D>> {
        self.with_session(|vault, session| {
            Ok(core_call(vault, session, crate::clock::now())?.into_iter().map(D::from).collect())
        })
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

    /// Close the vault and wipe its key; nobody stays signed in. `before_close` runs on the open vault
    /// first (the automatic backup); it cannot stop the lock. Returns whether it was open.
    pub fn lock(&self, before_close: impl FnOnce(&Vault)) -> bool {
        self.close(before_close, "locked", "vault locked")
    }

    /// Lock because the computer locked its session (or its screen saver came on): as the Lock button, with
    /// `before_close` (the automatic backup) first; long work already running finishes before it (it holds the
    /// vault). A running kiosk ends too: a client left at it must not keep the practice's vault open.
    /// Whether it was open.
    pub fn lock_with_screen(&self, before_close: impl FnOnce(&Vault)) -> bool {
        self.close(before_close, "locked when the computer was locked", "vault locked with the computer's screen")
    }

    /// Lock because the computer is about to sleep: long work is cancelled first (it stops at its next safe point
    /// and leaves nothing behind; it holds the vault), and no automatic backup runs (the machine would sleep in
    /// the middle of it; the next lock or quit makes it). A running kiosk ends too. Whether it was open.
    pub fn lock_before_sleep(&self) -> bool {
        self.cancel_work();
        self.close(|_| {}, "locked before the computer went to sleep", "vault locked before the computer slept")
    }

    /// Close the vault (if open) and wipe its key, sign out and end any kiosk: `before_close` runs on the open
    /// vault first, and the audit trail records `reason`. Whether it was open.
    fn close(&self, before_close: impl FnOnce(&Vault), reason: &str, log: &'static str) -> bool {
        let mut vault = unpoisoned(&self.vault);
        let session = unpoisoned(&self.session).take();
        unpoisoned(&self.kiosk).take();
        let Some(open) = vault.take() else { return false };
        before_close(&open);
        let _ = saferoom_core::staff::record_vault_event(&open, session.as_ref(), true, reason, crate::clock::now());
        tracing::info!("{log}");
        true
    }

    /// Record user activity.
    pub fn touch(&self) {
        unpoisoned(&self.idle).touch(Instant::now());
    }

    /// Apply a new auto-lock limit to the running clock.
    pub fn set_idle_limit(&self, limit: Duration) {
        unpoisoned(&self.idle).set_limit(limit);
    }

    /// Lock if the vault is open and idle too long, running `before_close` on it first (see `lock`).
    /// Returns whether it locked.
    pub fn lock_if_idle(&self, now: Instant, before_close: impl FnOnce(&Vault)) -> bool {
        if self.working() {
            return false;
        }
        let expired = unpoisoned(&self.vault).is_some() && unpoisoned(&self.idle).expired(now);
        if !expired {
            return false;
        }
        // A kiosk left idle locks too: staff unlock and sign in again.
        self.close(before_close, "auto-lock after idling", "vault locked after idling");
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
        let never = |_: &Vault| panic!("nothing to back up while locked");
        assert!(!state.lock_if_idle(Instant::now() + Duration::from_secs(86_400), never));
        assert!(!state.lock(never));
    }
}
