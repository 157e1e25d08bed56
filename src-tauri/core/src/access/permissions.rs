//! The permission table: every operation the core guards, for every role, is allowed, denied, or allowed
//! under one condition. The code asks this table ([`check`], [`require`]); a condition that needs data (the
//! care team, a note's author, an emergency grant) is checked where that data is, by the code that asked.
//! `access::tests` calls the real core as every role and compares each cell with what happens.

use super::Role;
use crate::error::{Error, Result};

/// What a role may do of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Always.
    Allowed,
    /// Never (`Forbidden`, with the operation's [`Operation::refusal`]).
    Denied,
    /// Only when the condition holds.
    When(Condition),
}

/// A condition a cell may carry, checked by the code that holds the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// The client is on the person's care team, or the person holds an unexpired emergency-access grant
    /// for them (else `Forbidden`).
    CareTeamOrEmergencyGrant,
    /// Lists show only the clients on the person's care team (every member's, for a couple or family).
    CareTeam,
    /// The client is not on the person's care team (emergency access is for the others; else `Conflict`).
    OutsideCareTeam,
    /// The person wrote the note (else `Forbidden`; a psychotherapy note of someone else's is not found).
    Author,
}

/// Every action the core guards by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Add a staff member.
    AddStaff,
    /// Change a staff member's role.
    ChangeStaffRole,
    /// Disable or enable a staff member.
    EnableOrDisableStaff,
    /// Reset a staff member's password.
    ResetStaffPassword,
    /// Reset a password with the recovery code (whose password it may be).
    ResetPasswordWithRecoveryCode,
    /// Work on the whole vault from outside the app with a staff password (restore, rekey, backup, export).
    WorkOnWholeVault,
    /// Change the practice's settings (auto-lock, practice profile) and see what is left to set up.
    ChangePracticeSettings,
    /// See the backup settings.
    ViewBackupSettings,
    /// Change the backup settings.
    ChangeBackupSettings,
    /// Make a backup now.
    MakeBackup,
    /// See the state of backups.
    ViewBackupStatus,
    /// Read the audit trail.
    ReadAuditTrail,
    /// Verify the audit trail's chain.
    VerifyAuditTrail,
    /// Open one client's record: demographics, contacts, billing, consents, guardians (and edit them).
    OpenClient,
    /// List and search clients (and the dashboards built on them: re-consent, majority).
    ListClients,
    /// List couples and families.
    ListUnits,
    /// Discharge or readmit a client.
    DischargeClient,
    /// Change a client's care team.
    ChangeCareTeam,
    /// Read clinical text: intake, notes, a couple's or family's clinical view.
    ReadClinicalRecord,
    /// Record intake answers.
    RecordIntake,
    /// Write a note (progress, psychotherapy, joint) or an addendum.
    WriteNote,
    /// Edit a draft note.
    EditDraftNote,
    /// Sign (and lock) a draft note.
    SignNote,
    /// Read (or add to) a psychotherapy note.
    ReadPsychotherapyNote,
    /// Export one client's record.
    ExportClientRecord,
    /// Export the whole practice.
    ExportPractice,
    /// Import an export.
    Import,
    /// Open a client's record outside one's care team, giving a reason.
    EmergencyAccess,
    /// List and review emergency-access grants.
    ReviewEmergencyAccess,
    /// Edit consent templates.
    EditConsentTemplates,
    /// Change the consent settings.
    ChangeConsentSettings,
    /// Override a jurisdiction's rules for minors.
    OverrideJurisdictionRules,
    /// Run the retention report.
    RunRetentionReport,
    /// List right-of-access requests.
    ListAccessRequests,
    /// Extend a right-of-access deadline.
    ExtendAccessDeadline,
    /// Record a client's authorisation to disclose psychotherapy notes.
    RecordPsychotherapyAuthorisation,
    /// Pair an office computer or tablet with the practice hub, see the devices, revoke one.
    ManageDevices,
}

/// One row of the table: the rule for each role.
struct Row {
    owner: Rule,
    clinician: Rule,
    front_desk: Rule,
}

use Condition::*;
use Rule::{Allowed, Denied, When};

const OWNER_ONLY: Row = Row { owner: Allowed, clinician: Denied, front_desk: Denied };
const ANYONE_OF_THEIR_CLIENTS: Row =
    Row { owner: Allowed, clinician: When(CareTeamOrEmergencyGrant), front_desk: Allowed };
const CLINICAL_OF_THEIR_CLIENTS: Row =
    Row { owner: Allowed, clinician: When(CareTeamOrEmergencyGrant), front_desk: Denied };
// Notes belong to their author, whatever the role (a role without clinical access is stopped before).
const AUTHOR_ONLY: Row = Row { owner: When(Author), clinician: When(Author), front_desk: When(Author) };

impl Operation {
    /// Every operation, in the table's order.
    pub const ALL: [Operation; 37] = [
        Operation::AddStaff,
        Operation::ChangeStaffRole,
        Operation::EnableOrDisableStaff,
        Operation::ResetStaffPassword,
        Operation::ResetPasswordWithRecoveryCode,
        Operation::WorkOnWholeVault,
        Operation::ChangePracticeSettings,
        Operation::ViewBackupSettings,
        Operation::ChangeBackupSettings,
        Operation::MakeBackup,
        Operation::ViewBackupStatus,
        Operation::ReadAuditTrail,
        Operation::VerifyAuditTrail,
        Operation::OpenClient,
        Operation::ListClients,
        Operation::ListUnits,
        Operation::DischargeClient,
        Operation::ChangeCareTeam,
        Operation::ReadClinicalRecord,
        Operation::RecordIntake,
        Operation::WriteNote,
        Operation::EditDraftNote,
        Operation::SignNote,
        Operation::ReadPsychotherapyNote,
        Operation::ExportClientRecord,
        Operation::ExportPractice,
        Operation::Import,
        Operation::EmergencyAccess,
        Operation::ReviewEmergencyAccess,
        Operation::EditConsentTemplates,
        Operation::ChangeConsentSettings,
        Operation::OverrideJurisdictionRules,
        Operation::RunRetentionReport,
        Operation::ListAccessRequests,
        Operation::ExtendAccessDeadline,
        Operation::RecordPsychotherapyAuthorisation,
        Operation::ManageDevices,
    ];

    /// The table: who may, and under which condition.
    fn row(self) -> Row {
        match self {
            Operation::AddStaff
            | Operation::ChangeStaffRole
            | Operation::EnableOrDisableStaff
            | Operation::ResetStaffPassword
            | Operation::ResetPasswordWithRecoveryCode
            | Operation::WorkOnWholeVault
            | Operation::ChangePracticeSettings
            | Operation::ViewBackupSettings
            | Operation::ChangeBackupSettings
            | Operation::MakeBackup
            | Operation::ViewBackupStatus
            | Operation::ReadAuditTrail
            | Operation::VerifyAuditTrail
            | Operation::ChangeCareTeam
            | Operation::ExportPractice
            | Operation::Import
            | Operation::ReviewEmergencyAccess
            | Operation::EditConsentTemplates
            | Operation::ChangeConsentSettings
            | Operation::OverrideJurisdictionRules
            | Operation::RunRetentionReport
            | Operation::ExtendAccessDeadline
            | Operation::ManageDevices => OWNER_ONLY,
            Operation::OpenClient | Operation::ListAccessRequests => ANYONE_OF_THEIR_CLIENTS,
            Operation::ListClients | Operation::ListUnits => {
                Row { owner: Allowed, clinician: When(CareTeam), front_desk: Allowed }
            }
            Operation::DischargeClient
            | Operation::ReadClinicalRecord
            | Operation::RecordIntake
            | Operation::WriteNote
            | Operation::ExportClientRecord
            | Operation::RecordPsychotherapyAuthorisation => CLINICAL_OF_THEIR_CLIENTS,
            Operation::EditDraftNote | Operation::SignNote | Operation::ReadPsychotherapyNote => AUTHOR_ONLY,
            Operation::EmergencyAccess => Row { owner: Denied, clinician: When(OutsideCareTeam), front_desk: Denied },
        }
    }

    /// The refusal a denied role gets (`Forbidden`).
    pub const fn refusal(self) -> &'static str {
        match self {
            Operation::AddStaff => "only an owner can add staff",
            Operation::ChangeStaffRole => "only an owner can change roles",
            Operation::EnableOrDisableStaff => "only an owner can disable or enable staff",
            Operation::ResetStaffPassword => "only an owner can reset passwords",
            Operation::ResetPasswordWithRecoveryCode => "the recovery code can only reset an active owner's password",
            Operation::WorkOnWholeVault => {
                "this needs an owner's login and password, the recovery code or the practice passphrase"
            }
            Operation::ChangePracticeSettings => "only an owner changes practice settings",
            Operation::ViewBackupSettings => "only an owner sees the backup settings",
            Operation::ChangeBackupSettings => "only an owner changes the backup settings",
            Operation::MakeBackup => "only an owner makes backups",
            Operation::ViewBackupStatus => "only an owner sees the state of backups",
            Operation::ReadAuditTrail => "only an owner can read the audit trail",
            Operation::VerifyAuditTrail => "only an owner can verify the audit trail",
            Operation::OpenClient | Operation::ListClients | Operation::ListUnits | Operation::ListAccessRequests => {
                "your role has no access to client records"
            }
            Operation::DischargeClient => "only clinicians and owners discharge clients",
            Operation::ChangeCareTeam => "only an owner changes care teams",
            Operation::ReadClinicalRecord => "the front desk role has no access to clinical records",
            Operation::RecordIntake => "only clinicians and owners record intake",
            Operation::WriteNote => "only clinicians and owners write notes",
            Operation::EditDraftNote => "only the author edits a draft note",
            Operation::SignNote => "only the author signs a note",
            Operation::ReadPsychotherapyNote => "only the author reads a psychotherapy note",
            Operation::ExportClientRecord => "the front desk cannot export clinical records",
            Operation::ExportPractice => "only an owner exports the whole practice",
            Operation::Import => "only an owner imports",
            Operation::EmergencyAccess => "emergency access is for clinicians outside the care team",
            Operation::ReviewEmergencyAccess => "only an owner reviews emergency access",
            Operation::EditConsentTemplates => "only an owner edits consent templates",
            Operation::ChangeConsentSettings => "only an owner changes consent settings",
            Operation::OverrideJurisdictionRules => "only an owner overrides jurisdiction rules",
            Operation::RunRetentionReport => "only an owner runs the retention report",
            Operation::ExtendAccessDeadline => "only an owner extends a right-of-access deadline",
            Operation::RecordPsychotherapyAuthorisation => "only the notes' author records this authorisation",
            Operation::ManageDevices => "only an owner can add or remove office computers and tablets",
        }
    }
}

/// The table's cell for `operation` and `role`.
pub fn check(operation: Operation, role: Role) -> Rule {
    let row = operation.row();
    match role {
        Role::Owner => row.owner,
        Role::Clinician => row.clinician,
        Role::FrontDesk => row.front_desk,
    }
}

/// The cell, or `Forbidden` with the operation's refusal when it is [`Rule::Denied`]. The caller checks the
/// condition of a [`Rule::When`] (see [`Rule::needs`]).
pub fn require(operation: Operation, role: Role) -> Result<Rule> {
    match check(operation, role) {
        Denied => Err(Error::forbidden(operation.refusal())),
        rule => Ok(rule),
    }
}

/// Whether the cell is [`Rule::Allowed`] (no condition).
pub fn allowed(operation: Operation, role: Role) -> bool {
    check(operation, role) == Allowed
}

impl Rule {
    /// Whether the rule carries this condition.
    pub fn needs(self, condition: Condition) -> bool {
        self == When(condition)
    }
}
