//! Staff accounts, sign-in and the sessions it makes ([`Role`] and [`Session`] live in `access`).
//!
//! Invariants:
//! - Each staff member's password is their own key slot: it opens the vault and proves who they are.
//!   Disabling someone removes their slot, so they cannot open the vault at all.
//! - A [`Session`] can only be made here, by a password that opened its owner's slot (or by the recovery
//!   code for an owner). Every later action re-reads the person's role and status from the database, so a
//!   role change or a disable takes effect at once.
//! - Unknown login and wrong password get the same answer. Repeated failures are throttled per login
//!   ([`LoginThrottle`], kept beside the vault so restarts and second instances share it) and audited
//!   (failures while the vault was closed are audited once it opens).
//! - Every new password passes [`passwords::check`] with the login, the person's name and the practice's
//!   name as context. A password set before today's rule that is shorter still opens its slot, but the
//!   session it makes is marked [`Session::password_change_due`] and may do nothing but
//!   [`change_own_password`] (enforced by `access::run`).
//! - There is always at least one active owner.

pub(crate) mod store;
#[cfg(test)]
mod tests;
mod throttle;

use time::OffsetDateTime;

use crate::access;
use crate::access::permissions::{self, Operation};
pub use crate::access::{Role, Session};
use crate::audit::chain::{actions, append};
use crate::error::{Error, Result, SecretKind};
use crate::ids::StaffId;
use crate::passwords::{self, Context};
use crate::sensitive::SecretString;
use crate::vault::{private_notes, Founder, OpenedWith, Rotation, Unlock, Vault, VaultPaths};

pub(crate) use store::load;
pub use throttle::{LoginThrottle, FREE_ATTEMPTS};

/// A staff member as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Id.
    pub id: StaffId,
    /// Login (unique, case-insensitive).
    pub login: String,
    /// Name as colleagues see it.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Disabled staff cannot sign in.
    pub active: bool,
    /// RFC 3339.
    pub created_at: String,
    /// Whether they have a password (a key slot) now.
    pub has_password: bool,
    /// Whether their psychotherapy notes wait for an owner to restore them with the recovery code: sealed to
    /// a password they no longer have (reset, or gone while they were disabled).
    pub private_notes_sealed: bool,
}

/// A new staff member.
pub struct NewStaff<'a> {
    /// Login: 2–64 letters, digits, '.', '_' or '-'.
    pub login: &'a str,
    /// Name as colleagues see it.
    pub display_name: &'a str,
    /// Role.
    pub role: Role,
    /// Their first password (they can change it).
    pub password: &'a SecretString,
}

const LOGIN_CHARS: &str = "letters, digits, '.', '_' or '-'";

fn check_login(login: &str) -> Result<String> {
    let login = crate::text::name("login", login)?;
    if !(crate::limits::LOGIN_MIN..=crate::limits::LOGIN).contains(&login.chars().count()) {
        return Err(Error::invalid(
            "login",
            format!("A login has {} to {} characters.", crate::limits::LOGIN_MIN, crate::limits::LOGIN),
        ));
    }
    if !login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(Error::invalid("login", format!("A login may use only {LOGIN_CHARS}.")));
    }
    Ok(login)
}

fn check_display_name(name: &str) -> Result<String> {
    let name = crate::text::name("display_name", name)?;
    if name.is_empty() {
        return Err(crate::error::missing("display_name", "the person's name"));
    }
    if name.chars().count() > crate::limits::PERSON_NAME {
        return Err(crate::error::too_long("display_name", "a name", crate::limits::PERSON_NAME));
    }
    Ok(name)
}

/// Validate a new account before anything is written: its login and name as they are to be stored
/// (trimmed, NFC; see [`crate::text`]), and its password against them and the practice's name.
pub(crate) fn check_new_account(
    login: &str,
    display_name: &str,
    password: &SecretString,
    practice_name: &str,
) -> Result<(String, String)> {
    let login = check_login(login)?;
    let display_name = check_display_name(display_name)?;
    check_password("password", password, (&login, &display_name), practice_name)?;
    Ok((login, display_name))
}

/// The one password rule ([`passwords::check`]) with this person's context words.
fn check_password(
    field: &'static str,
    password: &SecretString,
    (login, display_name): (&str, &str),
    practice_name: &str,
) -> Result<()> {
    passwords::check(field, password, &Context::new().with(login).with(display_name).with(practice_name))
}

/// The practice's name as stored (empty before it is set).
fn practice_name(connection: &rusqlite::Connection) -> Result<String> {
    crate::vault::stored_practice_name(connection)
}

/// The practice's first owner, made together with a new vault: `CreateOptions { owner: Some(&account), .. }`.
/// [`Vault::create`] checks it like any new account, gives them a password slot and writes them into the
/// new database as an active owner (audited as the practice's creation).
pub struct OwnerAccount<'a> {
    /// Their login.
    pub login: &'a str,
    /// Their name as staff see it.
    pub display_name: &'a str,
    /// Their password (also a way into the vault).
    pub password: &'a SecretString,
}

impl Founder for OwnerAccount<'_> {
    fn check(&self) -> Result<(String, String)> {
        check_new_account(self.login, self.display_name, self.password, "")
    }

    fn password(&self) -> &SecretString {
        self.password
    }

    fn seed(&self, connection: &rusqlite::Connection, staff_id: &str, now: OffsetDateTime) -> Result<()> {
        let owner_id = StaffId::from_trusted(staff_id.to_owned());
        let (login, display_name) = check_new_account(self.login, self.display_name, self.password, "")?;
        store::insert(connection, &owner_id, &login, &display_name, Role::Owner, now)?;
        append(connection, now, Some(&owner_id), actions::PRACTICE_CREATED, None, "first owner account created")?;
        Ok(())
    }
}

fn session_for(vault: &Vault, staff_id: &StaffId) -> Result<Session> {
    let member = store::load(vault.connection(), staff_id)?.ok_or(Error::WrongSecret(SecretKind::Password))?;
    if !member.active {
        return Err(Error::WrongSecret(SecretKind::Password));
    }
    Ok(Session::new(vault.vault_id().to_owned(), member.id, member.login, member.display_name, member.role))
}

/// The session holding the person's psychotherapy notes key, opened with the secret key of their password
/// slot (made at their first sign-in). A key that cannot be opened or made now leaves the session without it:
/// their psychotherapy notes say so, everything else works.
fn with_private_notes(vault: &Vault, session: Session, slot_secret: Option<crypto_box::SecretKey>) -> Session {
    let Some(slot_secret) = slot_secret else { return session };
    match private_notes::open_for_author(vault, session.staff_id().as_str(), &slot_secret) {
        Ok(key) => session.with_private_notes(key),
        Err(error) => {
            tracing::warn!(code = ?error.code(), "psychotherapy notes stay sealed for this sign-in");
            session
        }
    }
}

fn audit_sign_in(vault: &Vault, session: &Session, now: OffsetDateTime, how: &str) -> Result<()> {
    vault.transaction(|transaction| {
        append(transaction, now, Some(session.staff_id()), actions::SIGN_IN, None, how)?;
        Ok(())
    })
}

/// Sign in the owner who just created the vault (their password was typed moments ago).
pub fn sign_in_founder(vault: &Vault, owner_id: &StaffId, now: OffsetDateTime) -> Result<Session> {
    if *vault.opened_with() != OpenedWith::Creation {
        return Err(Error::forbidden("only a vault that was just created signs its founder in"));
    }
    let session = with_private_notes(vault, session_for(vault, owner_id)?, vault.take_opened_slot_secret());
    audit_sign_in(vault, &session, now, "vault created")?;
    Ok(session)
}

/// The session of whoever just opened the vault with their password ([`Unlock::StaffPassword`]).
fn adopt(
    vault: &Vault,
    throttle: &mut LoginThrottle,
    login: &str,
    password: &SecretString,
    now: OffsetDateTime,
) -> Result<Session> {
    let OpenedWith::StaffPassword(staff_id) = vault.opened_with() else {
        return Err(Error::forbidden("the vault was not opened with a staff password"));
    };
    let session = session_for(vault, &StaffId::from_trusted(staff_id.clone()))?;
    let session = with_private_notes(vault, session, vault.take_opened_slot_secret());
    throttle.succeeded(login);
    flush_failed_sign_ins(vault, throttle)?;
    audit_sign_in(vault, &session, now, "password (vault opened)")?;
    Ok(session.with_password_change_due(passwords::below_today_minimum(password)))
}

/// Work on the whole vault from outside the app (restore, rekey, backup, a practice export from the
/// command line) needs the practice's own way in: when the vault was opened with a staff password, that
/// person must be an active owner (`Forbidden` otherwise, naming the ways that are accepted). The recovery
/// code, the passphrase and the keychain pass here; callers that also refuse the keychain say so themselves.
/// Returns the owner's staff id when a password opened the vault.
pub fn require_owner_way_in(vault: &Vault) -> Result<Option<StaffId>> {
    let OpenedWith::StaffPassword(staff_id) = vault.opened_with() else { return Ok(None) };
    let staff_id = StaffId::from_trusted(staff_id.clone());
    let member = store::load(vault.connection(), &staff_id)?;
    match member {
        Some(member) if member.active && permissions::allowed(Operation::WorkOnWholeVault, member.role) => {
            Ok(Some(staff_id))
        }
        _ => Err(Error::forbidden(OWNER_WAYS_IN)),
    }
}

/// The ways in accepted for work on the whole vault, in words.
pub const OWNER_WAYS_IN: &str = Operation::WorkOnWholeVault.refusal();

/// Open a closed vault with a staff login and password and sign that person in.
pub fn open_and_sign_in(
    paths: &VaultPaths,
    throttle: &mut LoginThrottle,
    login: &str,
    password: &SecretString,
    now: OffsetDateTime,
) -> Result<(Vault, Session)> {
    throttle.begin_attempt(login, now)?;
    let vault = match Vault::open(paths, Unlock::StaffPassword { login, password }) {
        Ok(vault) => vault,
        Err(error @ Error::WrongSecret(_)) => {
            throttle.failed(login, now);
            return Err(error);
        }
        Err(error) => {
            // Not a wrong password (a missing file, a vault in use): the attempt does not count.
            throttle.succeeded(login);
            return Err(error);
        }
    };
    let session = adopt(&vault, throttle, login, password, now)?;
    Ok((vault, session))
}

/// Sign someone in to a vault that is already open (user switching).
pub fn sign_in(
    vault: &Vault,
    throttle: &mut LoginThrottle,
    login: &str,
    password: &SecretString,
    now: OffsetDateTime,
) -> Result<Session> {
    throttle.begin_attempt(login, now)?;
    let checked = vault.check_staff_password(login, password).and_then(|(staff_id, slot_secret)| {
        Ok(with_private_notes(vault, session_for(vault, &StaffId::from_trusted(staff_id))?, Some(slot_secret)))
    });
    match checked {
        Ok(session) => {
            throttle.succeeded(login);
            flush_failed_sign_ins(vault, throttle)?;
            audit_sign_in(vault, &session, now, "password")?;
            Ok(session.with_password_change_due(passwords::below_today_minimum(password)))
        }
        Err(error @ Error::WrongSecret(_)) => {
            throttle.failed(login, now);
            flush_failed_sign_ins(vault, throttle)?;
            Err(error)
        }
        Err(error) => {
            throttle.succeeded(login);
            Err(error)
        }
    }
}

/// Audit whatever failed sign-ins happened while the vault was closed (call after any unlock).
pub fn flush_failed_sign_ins(vault: &Vault, throttle: &mut LoginThrottle) -> Result<()> {
    let pending = throttle.take_unaudited();
    if pending.is_empty() {
        return Ok(());
    }
    vault.transaction(|transaction| {
        for (login, at) in &pending {
            append(transaction, *at, None, actions::SIGN_IN_FAILED, None, &format!("login {login:?}"))?;
        }
        Ok(())
    })
}

/// Record an unlock or lock of the vault that no session made (keychain at start-up, recovery code,
/// idle lock).
pub fn record_vault_event(
    vault: &Vault,
    session: Option<&Session>,
    locked: bool,
    how: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let action = if locked { actions::LOCK } else { actions::UNLOCK };
    vault.transaction(|transaction| {
        append(transaction, now, session.map(Session::staff_id), action, None, how)?;
        Ok(())
    })
}

/// End a session (the vault stays open for the next person).
pub fn sign_out(vault: &Vault, session: Session, now: OffsetDateTime) -> Result<()> {
    vault.transaction(|transaction| {
        append(transaction, now, Some(session.staff_id()), actions::SIGN_OUT, None, "")?;
        Ok(())
    })
}

/// After the vault was opened with the recovery code: give an active owner a new password and sign them in.
pub fn recover_owner_password(
    vault: &mut Vault,
    login: &str,
    password: &SecretString,
    now: OffsetDateTime,
) -> Result<Session> {
    if *vault.opened_with() != OpenedWith::RecoveryCode {
        return Err(Error::forbidden("open the vault with the recovery code first"));
    }
    let member = store::find_by_login(vault.connection(), login)?.ok_or(Error::NotFound { what: "owner" })?;
    if !permissions::allowed(Operation::ResetPasswordWithRecoveryCode, member.role) || !member.active {
        return Err(Error::forbidden(Operation::ResetPasswordWithRecoveryCode.refusal()));
    }
    let practice = practice_name(vault.connection())?;
    check_password("password", password, (&member.login, &member.display_name), &practice)?;
    let recovery_secret = vault.take_opened_slot_secret();
    let slot_secret =
        vault.put_staff_slot(member.id.as_str(), (&member.login, &member.display_name), password, None, now)?;
    // Their psychotherapy notes key comes back from its escrow copy, sealed to the new password.
    let restored = match &recovery_secret {
        Some(recovery_secret) => private_notes::restore_from_escrow(vault, member.id.as_str(), recovery_secret),
        None => Ok(false),
    };
    if let Err(error) = &restored {
        tracing::warn!(code = ?error.code(), "an owner's psychotherapy notes stay sealed after password recovery");
    }
    let session = with_private_notes(vault, session_for(vault, &member.id)?, Some(slot_secret));
    vault.transaction(|transaction| {
        append(transaction, now, Some(&member.id), actions::PASSWORD_RECOVERED, None, "with the recovery code")?;
        if restored.unwrap_or(false) {
            append(transaction, now, Some(&member.id), actions::PRIVATE_NOTES_RESTORED, None, &member.login)?;
        }
        append(transaction, now, Some(&member.id), actions::SIGN_IN, None, "recovery code")?;
        Ok(())
    })?;
    Ok(session)
}

/// Every staff member (any signed-in role may list names, for care teams).
pub fn list(vault: &Vault, session: &Session, now: OffsetDateTime) -> Result<Vec<StaffMember>> {
    let mut members = access::run(vault, session, now, |transaction, _actor| store::list(transaction))?;
    for member in &mut members {
        member.has_password = vault.has_staff_slot(member.id.as_str());
        member.private_notes_sealed = private_notes_need_restoring(vault, &member.id)?;
    }
    Ok(members)
}

fn loaded(vault: &Vault, staff_id: &StaffId) -> Result<StaffMember> {
    let mut member = store::load(vault.connection(), staff_id)?.ok_or(Error::NotFound { what: "staff member" })?;
    member.has_password = vault.has_staff_slot(staff_id.as_str());
    member.private_notes_sealed = private_notes_need_restoring(vault, staff_id)?;
    Ok(member)
}

/// Add a staff member (owners only).
pub fn add(vault: &mut Vault, session: &Session, new: NewStaff<'_>, now: OffsetDateTime) -> Result<StaffMember> {
    let practice = practice_name(vault.connection())?;
    let (login, display_name) = check_new_account(new.login, new.display_name, new.password, &practice)?;
    let (login, display_name) = (login.as_str(), display_name.as_str());
    let staff_id = StaffId::generate();
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::AddStaff)?;
        if store::find_by_login(transaction, login)?.is_some() {
            return Err(Error::conflict(format!("The login {login:?} is already taken")));
        }
        store::insert(transaction, &staff_id, login, display_name, new.role, now)?;
        actor.record(transaction, now, actions::STAFF_ADDED, None, &format!("{login} as {}", new.role.as_str()))?;
        Ok(())
    })?;
    vault.put_staff_slot(staff_id.as_str(), (login, display_name), new.password, None, now)?;
    loaded(vault, &staff_id)
}

/// Refuse a change that would leave no active owner.
fn keep_an_owner(connection: &rusqlite::Connection, target: &StaffMember) -> Result<()> {
    if target.role == Role::Owner && target.active && store::active_owners(connection)? <= 1 {
        return Err(Error::conflict("The practice needs at least one active owner"));
    }
    Ok(())
}

/// Change someone's role (owners only).
pub fn set_role(
    vault: &Vault,
    session: &Session,
    staff_id: &StaffId,
    role: Role,
    now: OffsetDateTime,
) -> Result<StaffMember> {
    access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::ChangeStaffRole)?;
        let target = store::load(transaction, staff_id)?.ok_or(Error::NotFound { what: "staff member" })?;
        if target.role == role {
            return Ok(());
        }
        keep_an_owner(transaction, &target)?;
        store::set_role(transaction, staff_id, role, now)?;
        actor.record(
            transaction,
            now,
            actions::ROLE_CHANGED,
            None,
            &format!("{}: {} -> {}", target.login, target.role.as_str(), role.as_str()),
        )?;
        Ok(())
    })?;
    loaded(vault, staff_id)
}

/// Disable (removes their password slot) or re-enable someone (owners only). A re-enabled person needs a
/// password reset before they can sign in.
pub fn set_active(
    vault: &mut Vault,
    session: &Session,
    staff_id: &StaffId,
    active: bool,
    now: OffsetDateTime,
) -> Result<StaffMember> {
    let changed = access::run(vault, session, now, |transaction, actor| {
        actor.require(Operation::EnableOrDisableStaff)?;
        let target = store::load(transaction, staff_id)?.ok_or(Error::NotFound { what: "staff member" })?;
        if target.active == active {
            return Ok(None);
        }
        if !active && &target.id == session.staff_id() {
            return Err(Error::conflict("You cannot disable your own account; another owner can"));
        }
        if !active {
            keep_an_owner(transaction, &target)?;
        }
        store::set_active(transaction, staff_id, active, now)?;
        if !active {
            // Committed with the disabling: should this program stop before the slot is gone, the next open
            // for changes removes it and rotates the key (a new password, given after re-enabling, cancels it).
            crate::vault::mark_staff_slot_removal_due(transaction, staff_id.as_str())?;
        }
        let what = if active { "enabled" } else { "disabled" };
        actor.record(transaction, now, actions::STAFF_ACTIVE_CHANGED, None, &format!("{}: {what}", target.login))?;
        Ok(Some(target.login))
    })?;
    if let (Some(login), false) = (changed, active) {
        // Their slot goes and the data key is rotated, so an old key-slot file they kept is of no use. A
        // rotation that must wait (another program has the vault open) is done at the next open for changes.
        let (action, detail) = match vault.remove_staff_slot(staff_id.as_str())? {
            Rotation::Done => (actions::REKEYED, format!("after disabling {login}")),
            Rotation::Waiting | Rotation::NotDue => (
                actions::REKEY_DUE,
                format!(
                    "after disabling {login}: another Saferoom program has the vault open; the key is changed when \
                     the vault is next opened for changes"
                ),
            ),
        };
        access::run(vault, session, now, |transaction, actor| actor.record(transaction, now, action, None, &detail))?;
    }
    loaded(vault, staff_id)
}

/// The active staff member an owner's password work is for (`Conflict` with `if_disabled` when disabled).
fn active_target(
    transaction: &rusqlite::Transaction<'_>,
    actor: &access::Actor,
    staff_id: &StaffId,
    if_disabled: &str,
) -> Result<StaffMember> {
    actor.require(Operation::ResetStaffPassword)?;
    let target = store::load(transaction, staff_id)?.ok_or(Error::NotFound { what: "staff member" })?;
    if !target.active {
        return Err(Error::conflict(if_disabled));
    }
    Ok(target)
}

/// Give an active staff member a new password (owners only).
pub fn reset_password(
    vault: &mut Vault,
    session: &Session,
    staff_id: &StaffId,
    password: &SecretString,
    now: OffsetDateTime,
) -> Result<StaffMember> {
    let target = access::run(vault, session, now, |transaction, actor| {
        let target =
            active_target(transaction, actor, staff_id, "Enable this staff member before giving them a password")?;
        let practice = practice_name(transaction)?;
        check_password("password", password, (&target.login, &target.display_name), &practice)?;
        actor.record(transaction, now, actions::PASSWORD_RESET, None, &target.login)?;
        Ok(target)
    })?;
    // A new key pair: their psychotherapy notes stay sealed until an owner restores their access with the
    // recovery code ([`restore_private_notes`]).
    vault.put_staff_slot(staff_id.as_str(), (&target.login, &target.display_name), password, None, now)?;
    loaded(vault, staff_id)
}

/// Give a staff member back their psychotherapy notes after their password was reset (owners only, with the
/// practice's recovery code, which opens the escrow copy of their notes key; see `vault::private_notes`). Their
/// notes key is sealed to their current password; nobody else's session ever holds it. A wrong code is
/// `WrongSecret` and changes nothing. Someone with no psychotherapy notes key has nothing to restore.
pub fn restore_private_notes(
    vault: &Vault,
    session: &Session,
    staff_id: &StaffId,
    recovery_code: &SecretString,
    now: OffsetDateTime,
) -> Result<StaffMember> {
    let target = access::run(vault, session, now, |transaction, actor| {
        active_target(transaction, actor, staff_id, "Enable this staff member and give them a password first")
    })?;
    let recovery_secret = vault.open_recovery_slot(recovery_code)?;
    access::run(vault, session, now, |transaction, actor| {
        let restored = private_notes::restore_from_escrow(vault, staff_id.as_str(), &recovery_secret)?;
        if restored {
            actor.record(transaction, now, actions::PRIVATE_NOTES_RESTORED, None, &target.login)?;
        }
        Ok(())
    })?;
    loaded(vault, staff_id)
}

/// Whether a person's psychotherapy notes wait for an owner to restore them ([`restore_private_notes`]): they
/// have a notes key that their current password does not open.
pub fn private_notes_need_restoring(vault: &Vault, staff_id: &StaffId) -> Result<bool> {
    Ok(private_notes::sealed_to_current_slot(vault, staff_id.as_str())? == Some(false))
}

/// Change one's own password (the current one is checked against one's slot). The only thing a session
/// whose password is due for a change may do; returns the session with that mark cleared.
pub fn change_own_password(
    vault: &mut Vault,
    session: &Session,
    current: &SecretString,
    new_password: &SecretString,
    now: OffsetDateTime,
) -> Result<Session> {
    let practice = practice_name(vault.connection())?;
    check_password("new_password", new_password, (session.login(), session.display_name()), &practice)?;
    let (checked, slot_secret) = vault.check_staff_password(session.login(), current)?;
    if checked != session.staff_id().as_str() {
        return Err(Error::WrongSecret(SecretKind::Password));
    }
    let changed = session.clone().with_password_change_due(false);
    access::run(vault, &changed, now, |transaction, actor| {
        actor.record(transaction, now, actions::PASSWORD_CHANGED, None, "")?;
        Ok(())
    })?;
    // The new slot keeps the key pair, so their psychotherapy notes key stays sealed to it.
    vault.put_staff_slot(
        session.staff_id().as_str(),
        (session.login(), session.display_name()),
        new_password,
        Some(&slot_secret),
        now,
    )?;
    Ok(changed)
}

#[cfg(any(test, feature = "testing"))]
impl Session {
    /// A session without typing a password (Argon2id), for fixtures of tests and benchmarks (`testing`
    /// feature only; never in the app's build).
    /// The session holds a new psychotherapy notes key when the person has none yet (only a password opens
    /// one that exists).
    pub(crate) fn for_fixtures(vault: &Vault, staff_id: &StaffId) -> Result<Session> {
        let key = private_notes::create_without_password(vault, staff_id.as_str())?;
        Ok(session_for(vault, staff_id)?.with_private_notes(key))
    }
}
