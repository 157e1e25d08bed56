//! Every core operation, called as every role: the matrix of what each role may do (practice, consent,
//! minors, couples and families).

use super::*;
use crate::clients::{self, ClientStatus};
use crate::fixture::{client_input, practice, Practice};
use crate::ids::NoteId;
use crate::notes::{self, NoteKind};
use crate::sensitive::SecretString;
use crate::staff::{self, NewStaff};
use crate::testing::test_now;
use crate::ErrorCode;

type Operation = fn(&mut Practice, &Session, &Scene) -> Result<()>;

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
    let pending_consent = crate::consent::prepare(
        &fixture.vault,
        &fixture.clinician,
        &client,
        &[crate::consent::ConsentKind::Treatment],
        &[],
        now,
    )
    .unwrap()
    .remove(0)
    .id;
    Scene {
        client,
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
    crate::consent::SignatureInput {
        typed_name: "Ada".into(),
        intent: true,
        strokes: vec![stroke],
        device: "tablet".into(),
    }
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

const OWNER: &[Role] = &[Role::Owner];
const CLINICAL: &[Role] = &[Role::Owner, Role::Clinician];
const EVERYONE: &[Role] = &[Role::Owner, Role::Clinician, Role::FrontDesk];

fn operations() -> Vec<(&'static str, &'static [Role], Operation)> {
    let operations: Vec<(&'static str, &'static [Role], Operation)> = vec![
        ("staff::list", EVERYONE, |f, s, _| staff::list(&f.vault, s, test_now()).map(drop)),
        ("staff::add", OWNER, |f, s, _| {
            let password = SecretString::from("a fine long password");
            let new = NewStaff { login: "newbie", display_name: "New", role: Role::FrontDesk, password: &password };
            staff::add(&mut f.vault, s, new, test_now()).map(drop)
        }),
        ("staff::set_role", OWNER, |f, s, scene| {
            staff::set_role(&f.vault, s, &scene.fran, Role::FrontDesk, test_now()).map(drop)
        }),
        ("staff::set_active", OWNER, |f, s, scene| {
            staff::set_active(&mut f.vault, s, &scene.fran, true, test_now()).map(drop)
        }),
        ("staff::reset_password", OWNER, |f, s, scene| {
            let password = SecretString::from(crate::fixture::PASSWORD);
            staff::reset_password(&mut f.vault, s, &scene.fran, &password, test_now()).map(drop)
        }),
        ("settings::set_auto_lock_minutes", OWNER, |f, s, _| {
            crate::settings::set_auto_lock_minutes(&f.vault, s, 15, test_now()).map(drop)
        }),
        ("backups::settings", OWNER, |f, s, _| crate::backups::settings(&f.vault, s, test_now()).map(drop)),
        ("backups::set_settings", OWNER, |f, s, _| {
            let settings = crate::backups::BackupSettings { folder: Some(f.folder.path().to_owned()), keep: 3 };
            crate::backups::set_settings(&f.vault, s, &settings, test_now()).map(drop)
        }),
        ("backups::status", OWNER, |f, s, _| crate::backups::status(&f.vault, s, test_now()).map(drop)),
        ("backups::back_up_now", OWNER, |f, s, _| {
            let target = f.folder.path().join("matrix.saferoom-backup");
            crate::backups::back_up_now(&f.vault, s, &target, test_now(), &crate::progress::Silent).map(drop)
        }),
        ("clients::create", EVERYONE, |f, s, _| {
            clients::create(&f.vault, s, client_input("New", "Client"), test_now()).map(drop)
        }),
        ("clients::get", EVERYONE, |f, s, scene| clients::get(&f.vault, s, &scene.client, test_now()).map(drop)),
        ("clients::update", EVERYONE, |f, s, scene| {
            clients::update(&f.vault, s, &scene.client, client_input("Ada", "King"), test_now()).map(drop)
        }),
        ("clients::search", EVERYONE, |f, s, _| clients::search(&f.vault, s, "a", true, test_now()).map(drop)),
        ("clients::list", EVERYONE, |f, s, _| clients::list(&f.vault, s, test_now()).map(drop)),
        ("clients::set_status", CLINICAL, |f, s, scene| {
            clients::set_status(&f.vault, s, &scene.client, ClientStatus::Discharged, test_now()).map(drop)
        }),
        ("clients::set_care_team", OWNER, |f, s, scene| {
            let carl = f.clinician.staff_id().clone();
            clients::set_care_team(&f.vault, s, &scene.client, &[carl], test_now()).map(drop)
        }),
        ("intake::get", CLINICAL, |f, s, scene| crate::intake::get(&f.vault, s, &scene.client, test_now()).map(drop)),
        ("intake::save", CLINICAL, |f, s, scene| {
            crate::intake::save(&f.vault, s, &scene.client, &answers(), test_now()).map(drop)
        }),
        ("notes::list", CLINICAL, |f, s, scene| notes::list(&f.vault, s, &scene.client, test_now()).map(drop)),
        ("notes::create", CLINICAL, |f, s, scene| {
            notes::create(&f.vault, s, NoteKind::Progress, &scene.client, "2026-11-20", "Note.", test_now()).map(drop)
        }),
        ("notes::create psychotherapy", CLINICAL, |f, s, scene| {
            notes::create(&f.vault, s, NoteKind::Psychotherapy, &scene.client, "2026-11-20", "Private.", test_now())
                .map(drop)
        }),
        // Drafts belong to their author: only Carl (the clinician) may edit or sign his.
        ("notes::update", &[Role::Clinician], |f, s, scene| {
            notes::update(&f.vault, s, NoteKind::Progress, &scene.carls_draft, "2026-11-20", "Edit.", test_now())
                .map(drop)
        }),
        ("notes::sign", &[Role::Clinician], |f, s, scene| {
            notes::sign(&f.vault, s, NoteKind::Progress, &scene.carls_draft, test_now()).map(drop)
        }),
        ("notes::add_addendum", CLINICAL, |f, s, scene| {
            notes::add_addendum(&f.vault, s, NoteKind::Progress, &scene.carls_signed, "Addendum.", test_now()).map(drop)
        }),
        ("access::break_glass", &[Role::Clinician], |f, s, scene| {
            break_glass(&f.vault, s, &scene.outside_client, "covering an urgent call today", test_now()).map(drop)
        }),
        ("access::list_break_glass", OWNER, |f, s, _| list_break_glass(&f.vault, s, false, test_now()).map(drop)),
        ("audit::list", OWNER, |f, s, _| {
            let filter = crate::audit::AuditFilter { limit: 10, ..Default::default() };
            crate::audit::list(&f.vault, s, &filter, test_now()).map(drop)
        }),
        ("audit::verify_as", OWNER, |f, s, _| crate::audit::verify_as(&f.vault, s, test_now()).map(drop)),
        // Consent: not clinical text; templates and settings are the owner's.
        ("consent::templates", EVERYONE, |f, s, _| crate::consent::templates(&f.vault, s, test_now()).map(drop)),
        ("consent::save_template", OWNER, |f, s, _| {
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
        ("consent::settings", EVERYONE, |f, s, _| crate::consent::settings(&f.vault, s, test_now()).map(drop)),
        ("consent::set_settings", OWNER, |f, s, _| {
            let settings = crate::consent::ConsentSettings { platform: "Doxy.me".into(), ..Default::default() };
            crate::consent::set_settings(&f.vault, s, settings, test_now()).map(drop)
        }),
        ("consent::client_consents", EVERYONE, |f, s, scene| {
            crate::consent::client_consents(&f.vault, s, &scene.client, test_now()).map(drop)
        }),
        ("consent::prepare", EVERYONE, |f, s, scene| {
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
        ("consent::Kiosk::start", EVERYONE, |f, s, scene| {
            crate::consent::Kiosk::start(
                &f.vault,
                s,
                &scene.client,
                std::slice::from_ref(&scene.pending_consent),
                test_now(),
            )
            .map(drop)
        }),
        ("consent::sign", EVERYONE, |f, s, scene| {
            crate::consent::sign(&f.vault, s, &scene.pending_consent, 0, &signature(), test_now()).map(drop)
        }),
        ("consent::revoke", EVERYONE, |f, s, scene| {
            crate::consent::revoke(&f.vault, s, &scene.pending_consent, "the client withdrew", test_now()).map(drop)
        }),
        ("consent::reconsent_dashboard", EVERYONE, |f, s, _| {
            crate::consent::reconsent_dashboard(&f.vault, s, test_now()).map(drop)
        }),
        // Minors.
        ("minors::guardians", EVERYONE, |f, s, scene| {
            crate::minors::guardians(&f.vault, s, &scene.client, test_now()).map(drop)
        }),
        ("minors::add_guardian", EVERYONE, |f, s, scene| {
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
        ("minors::assess_client", EVERYONE, |f, s, scene| {
            crate::minors::assess_client(&f.vault, s, &scene.client, test_now().date(), test_now()).map(drop)
        }),
        ("minors::rules_in_force", EVERYONE, |f, s, _| {
            crate::minors::rules_in_force(&f.vault, s, test_now()).map(drop)
        }),
        ("minors::override_rule", OWNER, |f, s, _| {
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
        ("minors::majority_dashboard", EVERYONE, |f, s, _| {
            crate::minors::majority_dashboard(&f.vault, s, test_now()).map(drop)
        }),
        ("minors::retention_report", OWNER, |f, s, _| {
            crate::minors::retention_report(&f.vault, s, test_now().date(), test_now()).map(drop)
        }),
        // Couples and families: clinical views need clinical access to every member.
        ("families::create_unit", EVERYONE, |f, s, scene| {
            let members = [scene.client.clone(), scene.second.clone()];
            crate::families::create_unit(&f.vault, s, "Again", crate::families::UnitKind::Couple, &members, test_now())
                .map(drop)
        }),
        ("families::list_units", EVERYONE, |f, s, _| {
            crate::families::list_units(&f.vault, s, None, test_now()).map(drop)
        }),
        ("families::view", CLINICAL, |f, s, scene| {
            crate::families::view(&f.vault, s, &scene.unit, test_now()).map(drop)
        }),
        ("families::set_policy", CLINICAL, |f, s, scene| {
            crate::families::set_policy(&f.vault, s, &scene.unit, crate::families::UnitPolicy::Strict, test_now())
                .map(drop)
        }),
        ("families::create_note", CLINICAL, |f, s, scene| {
            crate::families::create_note(&f.vault, s, &scene.unit, "2026-11-20", "Joint.", test_now()).map(drop)
        }),
        ("families::reminders_for_client", CLINICAL, |f, s, scene| {
            crate::families::reminders_for_client(&f.vault, s, &scene.client, test_now()).map(drop)
        }),
    ];
    operations
}

#[test]
fn every_operation_as_every_role() {
    for role in Role::ALL {
        let mut fixture = practice();
        let scene = scene(&fixture);
        let session = fixture.session(role).clone();
        for (name, allowed, operation) in operations() {
            let result = operation(&mut fixture, &session, &scene);
            if allowed.contains(&role) {
                assert!(result.is_ok(), "{name} as {role:?} should be allowed: {result:?}");
            } else {
                let error = result.expect_err(&format!("{name} as {role:?} should be refused"));
                assert_eq!(error.code(), ErrorCode::Forbidden, "{name} as {role:?}: {error}");
            }
        }
        assert!(crate::audit::verify(&fixture.vault).unwrap().ok);
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
