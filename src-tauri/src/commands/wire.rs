//! The wire form of the core's closed lists (roles, kinds, statuses…): the core's enums carry no UI
//! naming and no `specta::Type`, so each that crosses IPC has a copy here with conversions both ways.
//! The conversions are exhaustive matches, so a variant added in the core fails to compile until it is
//! added here (and then appears in the generated `ui/src/lib/bindings.ts`).

use serde::{Deserialize, Serialize};

/// A shell copy of a core enum, sent as its snake_case name, with `From` both ways.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident = $core:path { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                $variant
            ),+
        }

        impl From<$core> for $name {
            fn from(value: $core) -> Self {
                type Core = $core;
                match value {
                    $(Core::$variant => $name::$variant),+
                }
            }
        }

        impl From<$name> for $core {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant),+
                }
            }
        }
    };
}

wire_enum!(
    /// Why the core refused or failed (the shell adds its own codes: `error::ShellCode`).
    ErrorCodeDto = saferoom_core::ErrorCode {
        WrongSecret,
        KeychainLocked,
        KeychainUnavailable,
        KeychainEntryMissing,
        KeychainNotAnswering,
        VaultMissing,
        VaultExists,
        VaultTampered,
        VaultTooNew,
        KeySlotsCorrupt,
        BackupCorrupt,
        Forbidden,
        NotFound,
        Conflict,
        Throttled,
        InvalidInput,
        Io,
        VaultInUse,
        KeySlotsMismatch,
        Cancelled,
        VaultRolledBack,
        BackupFolderUnusable,
        Internal,
    }
);
wire_enum!(
    /// A staff member's role.
    RoleDto = saferoom_core::staff::Role { Owner, Clinician, FrontDesk }
);
wire_enum!(
    /// Whether a client is in care.
    ClientStatusDto = saferoom_core::clients::ClientStatus { Active, Discharged }
);
wire_enum!(
    /// How a client prefers to be contacted.
    ContactChannelDto = saferoom_core::clients::ContactChannel { Phone, Text, Email, Mail }
);
wire_enum!(
    /// A client's note: progress or psychotherapy.
    NoteKindDto = saferoom_core::notes::NoteKind { Progress, Psychotherapy }
);
wire_enum!(
    /// What a consent document covers.
    ConsentKindDto = saferoom_core::consent::ConsentKind {
        Treatment,
        Technology,
        Recording,
        AiTools,
        EsignDisclosure,
        NoSecrets,
        LimitedSecrets,
        StrictConfidentiality,
    }
);
wire_enum!(
    /// A signer's part in a document.
    SignerRoleDto = saferoom_core::consent::SignerRole { Client, Partner, Guardian, Witness }
);
wire_enum!(
    /// Where a consent document stands.
    DocumentStatusDto = saferoom_core::consent::DocumentStatus { Pending, Signed, Revoked }
);
wire_enum!(
    /// Why a consent is not in force.
    ReasonCodeDto = saferoom_core::consent::ReasonCode {
        Missing,
        Unsigned,
        Expired,
        TemplateUpdated,
        PlatformChanged,
        Revoked,
    }
);
wire_enum!(
    /// A couple or a family.
    UnitKindDto = saferoom_core::families::UnitKind { Couple, Family }
);
wire_enum!(
    /// A unit's confidentiality agreement.
    UnitPolicyDto = saferoom_core::families::UnitPolicy { NoSecrets, LimitedSecrets, Strict }
);
wire_enum!(
    /// Parent or legal guardian.
    GuardianRoleDto = saferoom_core::minors::GuardianRole { Parent, LegalGuardian }
);
wire_enum!(
    /// What a guardian may be given.
    GuardianAccessDto = saferoom_core::minors::GuardianAccess { Full, Summary, None }
);
wire_enum!(
    /// Who must consent to a minor's treatment.
    ConsenterDto = saferoom_core::minors::Consenter { Client, Guardian }
);
wire_enum!(
    /// Something in a minor's assessment that needs attention.
    FlagDto = saferoom_core::minors::Flag { ReachedMajority, GuardianConsentNeeded, SessionCapReached }
);
wire_enum!(
    /// A jurisdiction rule's field that a practice may override.
    RuleFieldDto = saferoom_core::minors::RuleField {
        MinConsentAge,
        SessionCap,
        SessionCapDays,
        GuardianAccessWithoutAuthorization,
        MajorityAge,
        RetentionYearsAfterEnd,
        RetentionYearsAfterMajority,
    }
);

wire_enum!(
    /// The stage long work is at (the `work-progress` event).
    StageDto = saferoom_core::progress::Stage { Copying, Verifying, Exporting, Importing, Rekeying }
);
wire_enum!(
    /// A note's template.
    NoteTemplateDto = saferoom_core::notes::NoteTemplate { Free, Soap, Dap, Birp }
);
wire_enum!(
    /// Where a session took place.
    SessionSettingDto = saferoom_core::notes::SessionSetting { InPerson, Telehealth }
);
wire_enum!(
    /// Who attended a session.
    AttendanceDto = saferoom_core::notes::Attendance { ClientAlone, WithPartner, WithFamily, WithGuardian }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(value: impl Serialize) -> String {
        serde_json::to_value(value).unwrap().as_str().unwrap().to_owned()
    }

    /// The shell's names are the core's own `as_str` names (the ones stored and parsed), so the UI sends
    /// back what it was given.
    #[test]
    fn wire_names_are_the_cores_names() {
        for code in saferoom_core::ErrorCode::ALL {
            assert_eq!(wire(ErrorCodeDto::from(*code)), wire(code));
        }
        for role in saferoom_core::staff::Role::ALL {
            assert_eq!(wire(RoleDto::from(role)), role.as_str());
        }
        for kind in saferoom_core::consent::ConsentKind::ALL {
            assert_eq!(wire(ConsentKindDto::from(kind)), kind.as_str());
        }
        for status in [saferoom_core::clients::ClientStatus::Active, saferoom_core::clients::ClientStatus::Discharged] {
            assert_eq!(wire(ClientStatusDto::from(status)), status.as_str());
        }
        for kind in [saferoom_core::notes::NoteKind::Progress, saferoom_core::notes::NoteKind::Psychotherapy] {
            assert_eq!(wire(NoteKindDto::from(kind)), kind.as_str());
        }
        for template in saferoom_core::notes::NoteTemplate::ALL {
            assert_eq!(wire(NoteTemplateDto::from(template)), template.as_str());
        }
        for setting in saferoom_core::notes::SessionSetting::ALL {
            assert_eq!(wire(SessionSettingDto::from(setting)), setting.as_str());
        }
        for attendance in saferoom_core::notes::Attendance::ALL {
            assert_eq!(wire(AttendanceDto::from(attendance)), attendance.as_str());
        }
    }
}
