use time::macros::date;

use super::*;
use crate::clients::ClientInput;
use crate::fixture::{client_input, practice, Practice};
use crate::testing::test_now;
use crate::ErrorCode;

fn minor(fixture: &Practice, born: &str, jurisdiction: &str) -> ClientId {
    let input =
        ClientInput { date_of_birth: born.into(), jurisdiction: jurisdiction.into(), ..client_input("Mia", "Minor") };
    crate::clients::create(&fixture.vault, &fixture.clinician, input, test_now()).unwrap().id
}

fn parent(name: &str) -> GuardianInput {
    GuardianInput {
        name: name.into(),
        role: GuardianRole::Parent,
        access: GuardianAccess::Full,
        custody_note: Some("Joint legal custody; parenting plan of 2024-03-01 on file".into()),
        phone: None,
        email: Some("parent@example.org".into()),
    }
}

#[test]
fn guardians_are_people_with_a_role_access_and_custody_note() {
    let fixture = practice();
    let client = minor(&fixture, "2013-05-01", "US-CA");
    let added = add_guardian(&fixture.vault, &fixture.front_desk, &client, parent("Pat Parent"), test_now()).unwrap();
    assert_eq!(added.input.custody_note.as_deref(), Some("Joint legal custody; parenting plan of 2024-03-01 on file"));
    let court =
        GuardianInput { role: GuardianRole::LegalGuardian, access: GuardianAccess::None, ..parent("Gus Guardian") };
    add_guardian(&fixture.vault, &fixture.clinician, &client, court, test_now()).unwrap();
    let error = add_guardian(&fixture.vault, &fixture.clinician, &client, parent(" "), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    let error = add_guardian(
        &fixture.vault,
        &fixture.clinician,
        &client,
        GuardianInput { email: Some("nope".into()), ..parent("P") },
        test_now(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    let error = add_guardian(&fixture.vault, &fixture.other_clinician, &client, parent("P"), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "not on the care team");

    let ended =
        update_guardian(&fixture.vault, &fixture.owner, &added.id, parent("Pat Parent"), false, test_now()).unwrap();
    assert!(!ended.active);
    let listed = guardians(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert_eq!(
        listed.iter().map(|guardian| (guardian.input.name.as_str(), guardian.active)).collect::<Vec<_>>(),
        [("Gus Guardian", true), ("Pat Parent", false)]
    );
    let actions = fixture.audit_actions();
    assert!(
        actions.contains(&actions::GUARDIAN_ADDED.to_owned())
            && actions.contains(&actions::GUARDIAN_UPDATED.to_owned())
    );
    assert!(!fixture.audit_text().contains("parenting plan"), "custody notes stay out of the audit trail");
}

#[test]
fn a_client_is_assessed_under_their_state_with_sessions_and_overrides() {
    let fixture = practice();
    // 13 in Illinois on the test day: may consent, 8 sessions before a parent's consent.
    let client = minor(&fixture, "2013-01-01", "US-IL");
    for day in ["2026-10-01", "2026-10-08", "2026-10-15"] {
        crate::notes::create(
            &fixture.vault,
            &fixture.clinician,
            crate::notes::NoteKind::Progress,
            &client,
            day,
            "Session.",
            test_now(),
        )
        .unwrap();
    }
    let today = test_now().date();
    let assessed = assess_client(&fixture.vault, &fixture.clinician, &client, today, test_now()).unwrap();
    assert_eq!(assessed.assessment.rules_for, "Illinois");
    assert_eq!(assessed.assessment.who_must_consent, [Consenter::Client]);
    let cap = assessed.assessment.session_cap.unwrap();
    assert_eq!((cap.limit, cap.used, cap.remaining), (8, 3, 5));
    // Assessed before the sessions: none counted.
    let earlier =
        assess_client(&fixture.vault, &fixture.clinician, &client, date!(2026 - 09 - 01), test_now()).unwrap();
    assert_eq!(earlier.assessment.session_cap.unwrap().used, 0);

    // Only an owner overrides; bad values are refused; the override shows in the assessment and the audit.
    let error = override_rule(
        &fixture.vault,
        &fixture.clinician,
        "US-IL",
        RuleField::SessionCap,
        Some(3.into()),
        "Our counsel's reading",
        test_now(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    for (field, value, reason) in [
        (RuleField::SessionCap, serde_json::json!(0), "Our counsel's reading"),
        (RuleField::GuardianAccessWithoutAuthorization, serde_json::json!(3), "Our counsel's reading"),
        (RuleField::MinConsentAge, serde_json::json!(19), "Our counsel's reading"),
        (RuleField::SessionCap, serde_json::json!(3), "short"),
    ] {
        let error =
            override_rule(&fixture.vault, &fixture.owner, "US-IL", field, Some(value), reason, test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{field:?}");
    }
    let error = override_rule(
        &fixture.vault,
        &fixture.owner,
        "US-ZZ",
        RuleField::SessionCap,
        Some(3.into()),
        "Our counsel's reading",
        test_now(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    let applied = override_rule(
        &fixture.vault,
        &fixture.owner,
        "US-IL",
        RuleField::SessionCap,
        Some(3.into()),
        "Our counsel's reading",
        test_now(),
    )
    .unwrap();
    assert_eq!(applied.rule.session_cap, Some(3));
    let assessed = assess_client(&fixture.vault, &fixture.clinician, &client, today, test_now()).unwrap();
    assert_eq!(assessed.assessment.who_must_consent, [Consenter::Client, Consenter::Guardian]);
    assert!(assessed.assessment.flags.contains(&Flag::SessionCapReached));
    let explanation =
        assessed.assessment.explanations.iter().find(|explanation| explanation.rule == "session_cap").unwrap();
    assert!(explanation.overridden && explanation.citation.contains("Our counsel's reading"), "{explanation:?}");
    assert!(fixture.audit_text().contains("US-IL session_cap: 3"));

    // Restoring the shipped value.
    let restored = override_rule(
        &fixture.vault,
        &fixture.owner,
        "US-IL",
        RuleField::SessionCap,
        None,
        "Back to the statute",
        test_now(),
    )
    .unwrap();
    assert_eq!(restored.rule.session_cap, Some(8));
    assert!(restored.overrides.is_empty());
    let in_force = rules_in_force(&fixture.vault, &fixture.front_desk, test_now()).unwrap();
    assert!(in_force.iter().any(|rule| rule.rule.code == "US-IL" && rule.rule.session_cap == Some(8)));
}

#[test]
fn majority_ends_guardian_access_and_flags_reconsent() {
    let fixture = practice();
    // 18 on 2026-11-23 in California, a guardian still on file.
    let adult = minor(&fixture, "2008-11-23", "US-CA");
    add_guardian(&fixture.vault, &fixture.clinician, &adult, parent("Pat Parent"), test_now()).unwrap();
    let still_minor = minor(&fixture, "2008-11-24", "US-CA");
    add_guardian(&fixture.vault, &fixture.clinician, &still_minor, parent("Pat Parent"), test_now()).unwrap();
    let rows = majority_dashboard(&fixture.vault, &fixture.clinician, test_now()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].client_id.clone(), rows[0].reached_on, rows[0].active_guardians),
        (adult.clone(), date!(2026 - 11 - 23), 1)
    );
    assert!(
        majority_dashboard(&fixture.vault, &fixture.other_clinician, test_now()).unwrap().is_empty(),
        "care team only"
    );
    let assessed = assess_client(&fixture.vault, &fixture.clinician, &adult, test_now().date(), test_now()).unwrap();
    assert!(assessed.assessment.adult && !assessed.assessment.guardians_may_see_records);
    assert_eq!(assessed.assessment.flags, [Flag::ReachedMajority]);
}

#[test]
fn the_retention_report_lists_records_past_retention_and_deletes_nothing() {
    let fixture = practice();
    let adult = fixture.client("Ada", "Lovelace");
    let young = minor(&fixture, "2012-01-01", "US-CA");
    for client in [&adult, &young] {
        crate::clients::set_status(
            &fixture.vault,
            &fixture.owner,
            client,
            crate::clients::ClientStatus::Discharged,
            test_now(),
        )
        .unwrap();
    }
    // Ended on the test day: the adult's record is kept 7 years, the minor's until 7 years after 18.
    let error = retention_report(&fixture.vault, &fixture.clinician, date!(2040 - 01 - 01), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert!(retention_report(&fixture.vault, &fixture.owner, date!(2033 - 11 - 22), test_now()).unwrap().is_empty());
    let rows = retention_report(&fixture.vault, &fixture.owner, date!(2033 - 11 - 23), test_now()).unwrap();
    assert_eq!(rows.iter().map(|row| &row.client_id).collect::<Vec<_>>(), [&adult]);
    let rows = retention_report(&fixture.vault, &fixture.owner, date!(2037 - 01 - 01), test_now()).unwrap();
    assert_eq!(rows.len(), 2);
    let young_row = rows.iter().find(|row| row.client_id == young).unwrap();
    assert_eq!(young_row.retain_until, date!(2037 - 01 - 01));
    assert!(young_row.explanation.contains("after majority"));
    // Both records are still there.
    assert!(crate::clients::get(&fixture.vault, &fixture.owner, &young, test_now()).is_ok());
}
