//! Every core operation, called as every role: the permission table ([`permissions`]) checked cell by cell
//! against what the real core does (practice, consent, minors, couples and families, disclosures, exports).

use super::*;
use crate::clients::{self, ClientStatus};
use crate::fixture::{client_input, practice, Practice};
use crate::ids::NoteId;
use crate::notes::{self, NoteKind};
use crate::sensitive::SecretString;
use crate::staff::{self, NewStaff};
use crate::testing::test_now;
use crate::ErrorCode;

type Probe = fn(&mut Practice, &Session, &Scene) -> Result<()>;

use permissions::{Condition, Operation as Op, Rule};

/// Things the operations act on, made by the owner and Carl before each role's run.
struct Scene {
    /// On Carl's care team.
    client: ClientId,
    /// On nobody's care team but Cora's (not Carl's).
    outside_client: ClientId,
    /// A draft progress note by Carl.
    carls_draft: NoteId,
    /// A signed progress note by Carl.
    carls_signed: NoteId,
    fran: StaffId,
    /// A couple of Carl's clients (`client` and another).
    unit: crate::ids::UnitId,
    second: ClientId,
    /// A treatment consent of `client`, waiting for the client's signature.
    pending_consent: crate::ids::DocumentId,
    /// A signed psychotherapy note by Carl.
    carls_private: NoteId,
    /// A right-of-access request of `client`.
    request: GrantId,
    /// An office computer the owner paired.
    device: crate::ids::DeviceId,
}

fn scene(fixture: &Practice) -> Scene {
    let now = test_now();
    let client = fixture.client("Ada", "Lovelace");
    let outside_client =
        clients::create(&fixture.vault, &fixture.other_clinician, client_input("Grace", "Hopper"), now).unwrap().id;
    let draft = |body: &str| {
        notes::create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &client, "2026-11-20", body, now)
            .unwrap()
            .id
    };
    let carls_draft = draft("Draft.");
    let carls_signed = draft("Signed.");
    notes::sign(&fixture.vault, &fixture.clinician, NoteKind::Progress, &carls_signed, now).unwrap();
    let second = fixture.client("Bea", "Lovelace");
    let unit = crate::families::create_unit(
        &fixture.vault,
        &fixture.clinician,
        "The Lovelaces",
        crate::families::UnitKind::Couple,
        &[client.clone(), second.clone()],
        now,
    )
    .unwrap()
    .id;
    let witness = crate::consent::SignerInput { role: crate::consent::SignerRole::Witness, name: "Carl".into() };
    let pending_consent = crate::consent::prepare(
        &fixture.vault,
        &fixture.clinician,
        &client,
        &[crate::consent::ConsentKind::Treatment],
        &[witness],
        now,
    )
    .unwrap()
    .remove(0)
    .id;
    let carls_private =
        notes::create(&fixture.vault, &fixture.clinician, NoteKind::Psychotherapy, &client, "2026-11-20", "Mine.", now)
            .unwrap()
            .id;
    notes::sign(&fixture.vault, &fixture.clinician, NoteKind::Psychotherapy, &carls_private, now).unwrap();
    let request =
        crate::disclosures::record_access_request(&fixture.vault, &fixture.clinician, &client, "2026-11-20", now)
            .unwrap()
            .id;
    let device = crate::devices::pair(
        &fixture.vault,
        &fixture.owner,
        crate::devices::NewDevice {
            name: "Front desk",
            kind: crate::devices::DeviceKind::Workstation,
            public_key: b"front desk's key",
        },
        now,
    )
    .unwrap()
    .id;
    Scene {
        device,
        client,
        carls_private,
        request,
        outside_client,
        carls_draft,
        carls_signed,
        fran: fixture.front_desk.staff_id().clone(),
        unit,
        second,
        pending_consent,
    }
}

fn signature() -> crate::consent::SignatureInput {
    let stroke =
        (0..20).map(|i| crate::consent::Point { x: 20.0 + f64::from(i) * 20.0, y: 100.0, t: f64::from(i) }).collect();
    crate::fixture::signature("Ada Lovelace", stroke, "tablet")
}

fn answers() -> Vec<(String, serde_json::Value)> {
    [
        ("presenting_concern", serde_json::json!("Sleep")),
        ("previous_therapy", serde_json::json!(false)),
        ("risk_thoughts_of_self_harm", serde_json::json!(false)),
        ("emergency_contact_name", serde_json::json!("Sam")),
        ("emergency_contact_phone", serde_json::json!("555 0100 300")),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect()
}

/// Guarded by no cell: anyone signed in.
const ANYONE: &[Op] = &[];

/// Every probe: a call into the real core, and the cells of the table that guard it, in the order the core
/// checks them.
fn operations() -> Vec<(&'static str, &'static [Op], Probe)> {
    let operations: Vec<(&'static str, &'static [Op], Probe)> = vec![
        ("staff::list", ANYONE, |f, s, _| staff::list(&f.vault, s, test_now()).map(drop)),
        ("devices::pair", &[Op::ManageDevices], |f, s, _| {
            let key = uuid::Uuid::new_v4();
            let new = crate::devices::NewDevice {
                name: "Room 2",
                kind: crate::devices::DeviceKind::Tablet,
                public_key: key.as_bytes(),
            };
            crate::devices::pair(&f.vault, s, new, test_now()).map(drop)
        }),
        ("devices::list", &[Op::ManageDevices], |f, s, _| crate::devices::list(&f.vault, s, test_now()).map(drop)),
        ("devices::revoke", &[Op::ManageDevices], |f, s, scene| {
            crate::devices::revoke(&f.vault, s, &scene.device, test_now()).map(drop)
        }),
        ("staff::add", &[Op::AddStaff], |f, s, _| {
            let password = SecretString::from("a fine long password");
            let new = NewStaff { login: "newbie", display_name: "New", role: Role::FrontDesk, password: &password };
            staff::add(&mut f.vault, s, new, test_now()).map(drop)
        }),
        ("staff::set_role", &[Op::ChangeStaffRole], |f, s, scene| {
            staff::set_role(&f.vault, s, &scene.fran, Role::FrontDesk, test_now()).map(drop)
        }),
        ("staff::set_active", &[Op::EnableOrDisableStaff], |f, s, scene| {
            staff::set_active(&mut f.vault, s, &scene.fran, true, test_now()).map(drop)
        }),
        ("staff::reset_password", &[Op::ResetStaffPassword], |f, s, scene| {
            let password = SecretString::from(crate::fixture::PASSWORD);
            staff::reset_password(&mut f.vault, s, &scene.fran, &password, test_now()).map(drop)
        }),
        ("settings::set_auto_lock_minutes", &[Op::ChangePracticeSettings], |f, s, _| {
            crate::settings::set_auto_lock_minutes(&f.vault, s, 15, test_now()).map(drop)
        }),
        ("settings::practice_profile", ANYONE, |f, s, _| {
            crate::settings::practice_profile(&f.vault, s, test_now()).map(drop)
        }),
        ("settings::set_practice_profile", &[Op::ChangePracticeSettings], |f, s, _| {
            let profile = crate::settings::PracticeProfile { name: "Matrix".into(), ..Default::default() };
            crate::settings::set_practice_profile(&f.vault, s, profile, test_now()).map(drop)
        }),
        ("settings::set_works_alone", &[Op::ChangePracticeSettings], |f, s, _| {
            crate::settings::set_works_alone(&f.vault, s, true, test_now()).map(drop)
        }),
        ("setup::status", &[Op::ChangePracticeSettings], |f, s, _| {
            crate::setup::status(&f.vault, s, test_now()).map(drop)
        }),
        ("backups::settings", &[Op::ViewBackupSettings], |f, s, _| {
            crate::backups::settings(&f.vault, s, test_now()).map(drop)
        }),
        ("backups::set_settings", &[Op::ChangeBackupSettings], |f, s, _| {
            let settings = crate::backups::BackupSettings { folder: Some(f.folder.path().to_owned()), keep: 3 };
            crate::backups::set_settings(&f.vault, s, &settings, test_now()).map(drop)
        }),
        ("backups::status", &[Op::ViewBackupStatus], |f, s, _| {
            crate::backups::status(&f.vault, s, test_now()).map(drop)
        }),
        ("backups::back_up_now", &[Op::MakeBackup], |f, s, _| {
            let target = f.folder.path().join("matrix.saferoom-backup");
            crate::backups::back_up_now(&f.vault, s, &target, test_now(), &crate::progress::Silent).map(drop)
        }),
        ("clients::create", ANYONE, |f, s, _| {
            clients::create(&f.vault, s, client_input("New", "Client"), test_now()).map(drop)
        }),
        ("clients::get", &[Op::OpenClient], |f, s, scene| {
            clients::get(&f.vault, s, &scene.client, test_now()).map(drop)
        }),
        ("clients::update", &[Op::OpenClient], |f, s, scene| {
            clients::update(&f.vault, s, &scene.client, client_input("Ada", "King"), test_now()).map(drop)
        }),
        ("clients::search", &[Op::ListClients], |f, s, _| {
            clients::search(&f.vault, s, "a", true, test_now()).map(drop)
        }),
        ("clients::list", &[Op::ListClients], |f, s, _| clients::list(&f.vault, s, test_now()).map(drop)),
        ("clients::set_status", &[Op::DischargeClient, Op::ReadClinicalRecord], |f, s, scene| {
            clients::set_status(&f.vault, s, &scene.client, ClientStatus::Discharged, test_now()).map(drop)
        }),
        ("clients::set_care_team", &[Op::ChangeCareTeam, Op::OpenClient], |f, s, scene| {
            let carl = f.clinician.staff_id().clone();
            clients::set_care_team(&f.vault, s, &scene.client, &[carl], test_now()).map(drop)
        }),
        ("intake::get", &[Op::ReadClinicalRecord], |f, s, scene| {
            crate::intake::get(&f.vault, s, &scene.client, test_now()).map(drop)
        }),
        ("intake::save", &[Op::RecordIntake, Op::ReadClinicalRecord], |f, s, scene| {
            crate::intake::save(&f.vault, s, &scene.client, &answers(), test_now()).map(drop)
        }),
        ("notes::list", &[Op::ReadClinicalRecord], |f, s, scene| {
            notes::list(&f.vault, s, &scene.client, test_now()).map(drop)
        }),
        ("notes::create", &[Op::WriteNote, Op::ReadClinicalRecord], |f, s, scene| {
            notes::create(&f.vault, s, NoteKind::Progress, &scene.client, "2026-11-20", "Note.", test_now()).map(drop)
        }),
        ("notes::create psychotherapy", &[Op::WriteNote, Op::ReadClinicalRecord], |f, s, scene| {
            notes::create(&f.vault, s, NoteKind::Psychotherapy, &scene.client, "2026-11-20", "Private.", test_now())
                .map(drop)
        }),
        // Drafts belong to their author: only Carl (the clinician) may edit or sign his.
        ("notes::update", &[Op::ReadClinicalRecord, Op::EditDraftNote], |f, s, scene| {
            notes::update(&f.vault, s, NoteKind::Progress, &scene.carls_draft, "2026-11-20", "Edit.", test_now())
                .map(drop)
        }),
        ("notes::sign", &[Op::ReadClinicalRecord, Op::SignNote], |f, s, scene| {
            notes::sign(&f.vault, s, NoteKind::Progress, &scene.carls_draft, test_now()).map(drop)
        }),
        ("notes::add_addendum", &[Op::ReadClinicalRecord, Op::WriteNote], |f, s, scene| {
            notes::add_addendum(&f.vault, s, NoteKind::Progress, &scene.carls_signed, "Addendum.", test_now()).map(drop)
        }),
        ("access::break_glass", &[Op::EmergencyAccess], |f, s, scene| {
            break_glass(&f.vault, s, &scene.outside_client, "covering an urgent call today", test_now()).map(drop)
        }),
        ("access::list_break_glass", &[Op::ReviewEmergencyAccess], |f, s, _| {
            list_break_glass(&f.vault, s, false, test_now()).map(drop)
        }),
        ("audit::list", &[Op::ReadAuditTrail], |f, s, _| {
            let filter = crate::audit::AuditFilter { limit: 10, ..Default::default() };
            crate::audit::list(&f.vault, s, &filter, test_now()).map(drop)
        }),
        ("audit::verify_as", &[Op::VerifyAuditTrail], |f, s, _| {
            crate::audit::verify_as(&f.vault, s, test_now()).map(drop)
        }),
        // Consent: not clinical text; templates and settings are the owner's.
        ("consent::templates", ANYONE, |f, s, _| crate::consent::templates(&f.vault, s, test_now()).map(drop)),
        ("consent::save_template", &[Op::EditConsentTemplates], |f, s, _| {
            use crate::consent::ConsentKind;
            crate::consent::save_template(
                &f.vault,
                s,
                ConsentKind::Recording,
                "Recording (ours)",
                "We, {{client_name}}, agree.",
                test_now(),
            )
            .map(drop)
        }),
        ("consent::settings", ANYONE, |f, s, _| crate::consent::settings(&f.vault, s, test_now()).map(drop)),
        ("consent::set_settings", &[Op::ChangeConsentSettings], |f, s, _| {
            let settings = crate::consent::ConsentSettings { platform: "Doxy.me".into(), ..Default::default() };
            crate::consent::set_settings(&f.vault, s, settings, test_now()).map(drop)
        }),
        ("consent::client_consents", &[Op::OpenClient], |f, s, scene| {
            crate::consent::client_consents(&f.vault, s, &scene.client, test_now()).map(drop)
        }),
        ("consent::prepare", &[Op::OpenClient], |f, s, scene| {
            crate::consent::prepare(
                &f.vault,
                s,
                &scene.client,
                &[crate::consent::ConsentKind::AiTools],
                &[],
                test_now(),
            )
            .map(drop)
        }),
        ("consent::Kiosk::start", &[Op::OpenClient], |f, s, scene| {
            crate::consent::Kiosk::start(
                &f.vault,
                s,
                &scene.client,
                std::slice::from_ref(&scene.pending_consent),
                test_now(),
            )
            .map(drop)
        }),
        // The witness (signer 1): clients sign only on the kiosk.
        ("consent::sign", &[Op::OpenClient], |f, s, scene| {
            // Signer 1 is the witness, Carl (only a witness signs on the signed-in screen).
            let witness = crate::consent::SignatureInput { typed_name: "Carl".into(), ..signature() };
            crate::consent::sign(&f.vault, s, &scene.pending_consent, 1, &witness, test_now()).map(drop)
        }),
        ("families::start_kiosk", &[Op::OpenClient], |f, s, scene| {
            let policy = crate::families::UnitPolicy::Strict;
            crate::families::set_policy(&f.vault, &f.clinician, &scene.unit, policy, test_now()).unwrap();
            crate::families::start_kiosk(&f.vault, s, &scene.unit, test_now()).map(drop)
        }),
        ("consent::revoke", &[Op::OpenClient], |f, s, scene| {
            crate::consent::revoke(&f.vault, s, &scene.pending_consent, "the client withdrew", test_now()).map(drop)
        }),
        ("consent::reconsent_dashboard", &[Op::ListClients], |f, s, _| {
            crate::consent::reconsent_dashboard(&f.vault, s, test_now()).map(drop)
        }),
        // Minors.
        ("minors::guardians", &[Op::OpenClient], |f, s, scene| {
            crate::minors::guardians(&f.vault, s, &scene.client, test_now()).map(drop)
        }),
        ("minors::add_guardian", &[Op::OpenClient], |f, s, scene| {
            let guardian = crate::minors::GuardianInput {
                name: "Pat".into(),
                role: crate::minors::GuardianRole::Parent,
                access: crate::minors::GuardianAccess::Summary,
                custody_note: None,
                phone: None,
                email: None,
            };
            crate::minors::add_guardian(&f.vault, s, &scene.client, guardian, test_now()).map(drop)
        }),
        ("minors::assess_client", &[Op::OpenClient], |f, s, scene| {
            crate::minors::assess_client(&f.vault, s, &scene.client, test_now().date(), test_now()).map(drop)
        }),
        ("minors::rules_in_force", ANYONE, |f, s, _| crate::minors::rules_in_force(&f.vault, s, test_now()).map(drop)),
        ("minors::override_rule", &[Op::OverrideJurisdictionRules], |f, s, _| {
            let field = crate::minors::RuleField::SessionCap;
            crate::minors::override_rule(
                &f.vault,
                s,
                "US-IL",
                field,
                Some(6.into()),
                "counsel's reading of the act",
                test_now(),
            )
            .map(drop)
        }),
        ("minors::majority_dashboard", &[Op::ListClients], |f, s, _| {
            crate::minors::majority_dashboard(&f.vault, s, test_now()).map(drop)
        }),
        ("minors::retention_report", &[Op::RunRetentionReport], |f, s, _| {
            crate::minors::retention_report(&f.vault, s, test_now().date(), test_now()).map(drop)
        }),
        // Couples and families: clinical views need clinical access to every member.
        ("families::create_unit", &[Op::OpenClient], |f, s, scene| {
            let members = [scene.client.clone(), scene.second.clone()];
            crate::families::create_unit(&f.vault, s, "Again", crate::families::UnitKind::Couple, &members, test_now())
                .map(drop)
        }),
        ("families::list_units", &[Op::ListUnits], |f, s, _| {
            crate::families::list_units(&f.vault, s, None, test_now()).map(drop)
        }),
        ("families::view", &[Op::ReadClinicalRecord], |f, s, scene| {
            crate::families::view(&f.vault, s, &scene.unit, test_now()).map(drop)
        }),
        ("families::set_policy", &[Op::ReadClinicalRecord], |f, s, scene| {
            crate::families::set_policy(&f.vault, s, &scene.unit, crate::families::UnitPolicy::Strict, test_now())
                .map(drop)
        }),
        ("families::create_note", &[Op::ReadClinicalRecord], |f, s, scene| {
            crate::families::create_note(&f.vault, s, &scene.unit, "2026-11-20", "Joint.", test_now()).map(drop)
        }),
        ("families::reminders_for_client", &[Op::ReadClinicalRecord], |f, s, scene| {
            crate::families::reminders_for_client(&f.vault, s, &scene.client, test_now()).map(drop)
        }),
        // Psychotherapy notes: their author's only; to anyone else they do not exist.
        (
            "notes::add_addendum psychotherapy",
            &[Op::ReadPsychotherapyNote, Op::ReadClinicalRecord, Op::WriteNote],
            |f, s, scene| {
                notes::add_addendum(&f.vault, s, NoteKind::Psychotherapy, &scene.carls_private, "More.", test_now())
                    .map(drop)
            },
        ),
        // Disclosures.
        ("disclosures::list_access_requests", &[Op::ListAccessRequests], |f, s, _| {
            crate::disclosures::list_access_requests(&f.vault, s, false, test_now()).map(drop)
        }),
        ("disclosures::extend_access_request", &[Op::ExtendAccessDeadline], |f, s, scene| {
            crate::disclosures::extend_access_request(
                &f.vault,
                s,
                &scene.request,
                "the records are archived",
                test_now(),
            )
            .map(drop)
        }),
        (
            "disclosures::record_psychotherapy_authorization",
            &[Op::RecordPsychotherapyAuthorisation, Op::ReadClinicalRecord],
            |f, s, scene| {
                crate::disclosures::record_psychotherapy_authorization(
                    &f.vault,
                    s,
                    &scene.client,
                    "Dr. Jones",
                    "continuity of care",
                    "2026-11-20",
                    "2027-11-20",
                    test_now(),
                )
                .map(drop)
            },
        ),
        // Exports and imports.
        ("export::export_client", &[Op::ExportClientRecord, Op::ReadClinicalRecord], |f, s, scene| {
            let folder = f.folder.path().join(format!("client-{}", s.login()));
            std::fs::create_dir_all(&folder).unwrap();
            crate::export::export_client(&f.vault, s, &scene.client, &folder, None, test_now()).map(drop)
        }),
        ("export::export_practice_file", &[Op::ExportPractice], |f, s, _| {
            let path = f.folder.path().join(format!("practice-{}.saferoom-export", s.login()));
            crate::export::practice::export_practice_file(&f.vault, s, &path, test_now(), &crate::progress::Silent)
                .map(drop)
        }),
        // Past the permission check an owner's import fails on the missing file: any other error is a pass.
        ("export::import", &[Op::Import], |f, s, _| {
            let missing = f.folder.path().join("missing.json");
            match crate::export::import(&f.vault, s, &missing, test_now(), &crate::progress::Silent) {
                Err(error) if error.code() != ErrorCode::Forbidden => Ok(()),
                result => result.map(drop),
            }
        }),
    ];
    operations
}

/// What the table says a probe guarded by `guards` does for `role`: `Ok`, or the error code of the first
/// cell that refuses. `holds` says whether a cell's condition holds for this person in the scene.
fn expected(guards: &[Op], role: Role, holds: impl Fn(Op, Condition) -> bool) -> std::result::Result<(), ErrorCode> {
    for &operation in guards {
        match permissions::check(operation, role) {
            Rule::Allowed => {}
            Rule::Denied => return Err(ErrorCode::Forbidden),
            Rule::When(condition) if holds(operation, condition) => {}
            Rule::When(condition) => {
                return Err(match (operation, condition) {
                    (_, Condition::OutsideCareTeam) => ErrorCode::Conflict,
                    (Op::ReadPsychotherapyNote, Condition::Author) => ErrorCode::NotFound,
                    _ => ErrorCode::Forbidden,
                })
            }
        }
    }
    Ok(())
}

/// Run every probe as `session` (of `role`) and compare with the table.
fn run_matrix(role: Role, who: impl Fn(&Practice) -> Session, holds: impl Fn(Op, Condition) -> bool) {
    let mut fixture = practice();
    let scene = scene(&fixture);
    let session = who(&fixture);
    for (name, guards, probe) in operations() {
        let result = probe(&mut fixture, &session, &scene);
        match expected(guards, role, &holds) {
            Ok(()) => assert!(result.is_ok(), "{name} as {} should be allowed: {result:?}", session.login()),
            Err(code) => {
                let error = result.expect_err(&format!("{name} as {} should be refused", session.login()));
                assert_eq!(error.code(), code, "{name} as {}: {error}", session.login());
            }
        }
    }
    assert!(crate::audit::verify(&fixture.vault).unwrap().ok);
}

/// Every cell of the table, for every role, against the real core. In the scene Carl (the clinician) acts on
/// his own care team's client and notes, and on a client outside it for emergency access: every condition
/// holds for him except for others' notes; the owner and the front desk wrote no note.
#[test]
fn every_operation_as_every_role() {
    for role in Role::ALL {
        run_matrix(
            role,
            |fixture| fixture.session(role).clone(),
            |_, condition| condition != Condition::Author || role == Role::Clinician,
        );
    }
}

/// The same probes as Cora, a clinician for whom no condition holds: Carl's client is not on her care team
/// (lists leave it out), she wrote none of the notes, and the client outside Carl's team is on hers.
#[test]
fn every_condition_refuses_when_it_does_not_hold() {
    // A list's condition only leaves out what the person may not open (`clients::tests` checks what is left).
    let lists = [Op::ListClients, Op::ListUnits, Op::ListAccessRequests];
    run_matrix(Role::Clinician, |fixture| fixture.other_clinician.clone(), |operation, _| lists.contains(&operation));
}

/// Every operation of the table is probed as every role, here or (work on the whole vault, which needs no
/// session) in [`whole_vault_work_as_every_role`].
#[test]
fn every_operation_of_the_table_is_probed() {
    let probed: std::collections::HashSet<Op> =
        operations().into_iter().flat_map(|(_, guards, _)| guards.iter().copied()).collect();
    for operation in Op::ALL {
        let elsewhere = matches!(operation, Op::WorkOnWholeVault | Op::ResetPasswordWithRecoveryCode);
        assert!(probed.contains(&operation) != elsewhere, "{operation:?}");
    }
    let distinct: std::collections::HashSet<Op> = Op::ALL.into_iter().collect();
    assert_eq!(distinct.len(), Op::ALL.len(), "an operation is listed twice");
}

/// Work on the whole vault from outside the app, opened with each role's password; and the recovery code
/// resetting each role's password.
#[test]
fn whole_vault_work_as_every_role() {
    let fixture = practice();
    let paths = fixture.paths.clone();
    let code = fixture.recovery_code.clone();
    fixture.vault.lock();
    let password = SecretString::from(crate::fixture::PASSWORD);
    for (login, role) in [("olivia", Role::Owner), ("carl", Role::Clinician), ("fran", Role::FrontDesk)] {
        let unlock = crate::vault::Unlock::StaffPassword { login, password: &password };
        let vault = Vault::open(&paths, unlock).unwrap();
        let result = staff::require_owner_way_in(&vault);
        match permissions::check(Op::WorkOnWholeVault, role) {
            Rule::Allowed => assert!(result.is_ok(), "{login}: {result:?}"),
            rule => assert_eq!(result.unwrap_err().code(), ErrorCode::Forbidden, "{login}: {rule:?}"),
        }
        vault.lock();
        let mut vault = Vault::open(&paths, crate::vault::Unlock::RecoveryCode(&code)).unwrap();
        let result = staff::recover_owner_password(&mut vault, login, &password, test_now());
        match permissions::check(Op::ResetPasswordWithRecoveryCode, role) {
            Rule::Allowed => assert!(result.is_ok(), "{login}: {result:?}"),
            rule => assert_eq!(result.unwrap_err().code(), ErrorCode::Forbidden, "{login}: {rule:?}"),
        }
        vault.lock();
    }
}

#[test]
fn reviewing_emergency_access_is_for_owners() {
    let fixture = practice();
    let scene = scene(&fixture);
    let grant =
        break_glass(&fixture.vault, &fixture.clinician, &scene.outside_client, "covering an urgent call", test_now())
            .unwrap();
    for role in [Role::Clinician, Role::FrontDesk] {
        let error = review_break_glass(&fixture.vault, fixture.session(role), &grant.id, test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Forbidden);
    }
    review_break_glass(&fixture.vault, &fixture.owner, &grant.id, test_now()).unwrap();
}

#[test]
fn a_session_from_another_vault_is_refused() {
    let first = practice();
    let second = practice();
    let error = clients::list(&second.vault, &first.owner, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
}

#[test]
fn the_review_list_can_hold_only_the_grants_still_to_review() {
    let fixture = practice();
    let scene = scene(&fixture);
    let reason = "covering an urgent call";
    let first = break_glass(&fixture.vault, &fixture.clinician, &scene.outside_client, reason, test_now()).unwrap();
    let later = test_now() + time::Duration::minutes(5);
    let second = break_glass(&fixture.vault, &fixture.clinician, &scene.outside_client, reason, later).unwrap();
    review_break_glass(&fixture.vault, &fixture.owner, &first.id, later).unwrap();
    let to_review = list_break_glass(&fixture.vault, &fixture.owner, true, later).unwrap();
    assert_eq!(to_review.iter().map(|grant| &grant.id).collect::<Vec<_>>(), [&second.id]);
    let all = list_break_glass(&fixture.vault, &fixture.owner, false, later).unwrap();
    let listed: Vec<_> = all.iter().map(|grant| (&grant.id, grant.reviewed_at.is_some())).collect();
    assert_eq!(listed, [(&second.id, false), (&first.id, true)], "unreviewed first");
}
