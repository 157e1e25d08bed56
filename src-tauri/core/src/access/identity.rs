//! Who acts: a staff member's [`Role`] and the [`Session`] of someone signed in. They sit below both
//! `access` (which decides with them) and `staff` (which keeps the accounts and makes sessions), so
//! neither has to import the other's rules.

use crate::error::{Error, Result};
use crate::ids::StaffId;
use crate::vault::private_notes::PrivateNotesKey;

/// What a staff member may do (enforced by [`crate::access`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Practice administrator: staff, care teams, audit; sees every record (not others' psychotherapy notes).
    Owner,
    /// Sees clinical records of clients on their care team (or by emergency access).
    Clinician,
    /// Front desk / biller: demographics, contacts and billing mode; no clinical text.
    FrontDesk,
}

impl Role {
    /// Every role: what `parse` accepts, and what the tests call every command as.
    pub const ALL: [Role; 3] = [Role::Owner, Role::Clinician, Role::FrontDesk];

    /// The stored name (the one place it is spelled).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Clinician => "clinician",
            Role::FrontDesk => "front_desk",
        }
    }

    /// Read a stored or given name.
    pub fn parse(text: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| Error::invalid("role", "Choose owner, clinician or front desk."))
    }

    /// Whether this role may read clinical text at all (on a care team, at least): who may join a care team.
    pub fn is_clinical(self) -> bool {
        super::permissions::check(super::permissions::Operation::ReadClinicalRecord, self)
            != super::permissions::Rule::Denied
    }
}

/// A signed-in staff member. Only `staff` makes one (by a password that opened its owner's slot, or the
/// recovery code for an owner); every action re-reads the person's role and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    vault_id: String,
    staff_id: StaffId,
    login: String,
    display_name: String,
    role: Role,
    password_change_due: bool,
    /// Their psychotherapy notes key, opened with their password at sign-in (`None`: this sign-in cannot open
    /// it, see `vault::private_notes`). Shared by the session's clones; wiped when the last one goes.
    private_notes: Option<std::sync::Arc<PrivateNotesKey>>,
}

impl Session {
    /// A session for a staff member `staff` has just proven (never call it from anywhere else).
    pub(crate) fn new(vault_id: String, staff_id: StaffId, login: String, display_name: String, role: Role) -> Session {
        Session { vault_id, staff_id, login, display_name, role, password_change_due: false, private_notes: None }
    }
    /// The same session, holding the person's psychotherapy notes key (only ever their own).
    pub(crate) fn with_private_notes(self, key: Option<PrivateNotesKey>) -> Session {
        let key = key.filter(|key| key.staff_id() == self.staff_id.as_str());
        Session { private_notes: key.map(std::sync::Arc::new), ..self }
    }
    /// Their psychotherapy notes key, or the plain refusal when this sign-in cannot open it.
    pub(crate) fn private_notes(&self) -> crate::error::Result<&PrivateNotesKey> {
        self.private_notes.as_deref().ok_or_else(crate::vault::private_notes::locked)
    }
    /// Their psychotherapy notes key, if this sign-in opened it.
    pub(crate) fn private_notes_key(&self) -> Option<&PrivateNotesKey> {
        self.private_notes.as_deref()
    }
    /// Whether this sign-in could not open the person's psychotherapy notes (their password was reset and an
    /// owner has not yet restored their access with the recovery code).
    pub fn private_notes_locked(&self) -> bool {
        self.private_notes.is_none()
    }
    /// The same session, marked (or no longer marked) as signed in with a password shorter than today's rule.
    pub(crate) fn with_password_change_due(self, due: bool) -> Session {
        Session { password_change_due: due, ..self }
    }
    /// Signed in with a password shorter than today's rule: nothing is allowed but choosing a new one
    /// (`staff::change_own_password`).
    pub fn password_change_due(&self) -> bool {
        self.password_change_due
    }
    /// Who.
    pub fn staff_id(&self) -> &StaffId {
        &self.staff_id
    }
    /// Their login.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// Their name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// Their role when they signed in (actions re-check the current role).
    pub fn role(&self) -> Role {
        self.role
    }
    pub(crate) fn vault_id(&self) -> &str {
        &self.vault_id
    }
}
