use super::*;
use crate::clients::ClientInput;
use crate::consent::{Point, SignatureInput};
use crate::fixture::{client_input, practice, Practice};
use crate::testing::test_now;
use crate::ErrorCode;

fn scrawl(name: &str) -> SignatureInput {
    let stroke = (0..30)
        .map(|i| Point { x: 50.0 + f64::from(i) * 15.0, y: 90.0 + f64::from(i % 5) * 10.0, t: f64::from(i) * 10.0 })
        .collect();
    crate::fixture::signature(name, stroke, "Office tablet")
}

fn sign_agreement(fixture: &Practice, unit: &Unit) {
    let document_id = unit.agreement_document_id.clone().unwrap();
    let members: Vec<&UnitMember> = unit.members.iter().filter(|member| member.adult).collect();
    for (index, member) in members.iter().enumerate() {
        consent::sign(
            &fixture.vault,
            &fixture.clinician,
            &document_id,
            index as u32,
            &scrawl(&member.name),
            test_now(),
        )
        .unwrap();
    }
}

fn note(fixture: &Practice, client: &ClientId, body: &str) {
    notes::create(&fixture.vault, &fixture.clinician, NoteKind::Progress, client, "2026-11-20", body, test_now())
        .unwrap();
}

#[test]
fn the_policy_signed_by_every_adult_governs_the_units_view() {
    let fixture = practice();
    let ada = fixture.client("Ada", "Lovelace");
    let bea = fixture.client("Bea", "Lovelace");
    let child = crate::clients::create(
        &fixture.vault,
        &fixture.clinician,
        ClientInput { date_of_birth: "2015-01-01".into(), ..client_input("Cal", "Lovelace") },
        test_now(),
    )
    .unwrap()
    .id;
    let error = create_unit(
        &fixture.vault,
        &fixture.clinician,
        "Solo",
        UnitKind::Couple,
        &[ada.clone(), ada.clone()],
        test_now(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput, "two different members");
    let unit = create_unit(
        &fixture.vault,
        &fixture.clinician,
        "The Lovelaces",
        UnitKind::Family,
        &[ada.clone(), bea.clone(), child.clone()],
        test_now(),
    )
    .unwrap();
    assert_eq!(unit.members.iter().filter(|member| member.adult).count(), 2, "the child does not sign");
    assert_eq!(unit.policy, None);
    note(&fixture, &ada, "ADA-INDIVIDUAL private worry");
    note(&fixture, &bea, "BEA-INDIVIDUAL");
    create_note(&fixture.vault, &fixture.clinician, &unit.id, "2026-11-21", "JOINT session about chores", test_now())
        .unwrap();

    // No agreement yet: individual notes are kept out, joint notes shown.
    let seen = view(&fixture.vault, &fixture.clinician, &unit.id, test_now()).unwrap();
    assert_eq!((seen.member_notes.len(), seen.hidden_member_notes, seen.unit_notes.len()), (0, 2, 1));

    // Strict, signed by both adults.
    let unit = set_policy(&fixture.vault, &fixture.clinician, &unit.id, UnitPolicy::Strict, test_now()).unwrap();
    assert_eq!((unit.policy, unit.pending_policy), (None, Some(UnitPolicy::Strict)));
    let agreement = crate::consent::client_consents(&fixture.vault, &fixture.clinician, &ada, test_now()).unwrap();
    let document =
        agreement.documents.iter().find(|document| Some(&document.id) == unit.agreement_document_id.as_ref()).unwrap();
    assert!(
        document.text.contains("Ada Lovelace and Bea Lovelace") && document.text.contains("The Lovelaces"),
        "{}",
        document.text
    );
    assert_eq!(document.signers.len(), 2);
    sign_agreement(&fixture, &unit);
    let seen = view(&fixture.vault, &fixture.clinician, &unit.id, test_now()).unwrap();
    assert_eq!(seen.unit.policy, Some(UnitPolicy::Strict));
    assert_eq!((seen.member_notes.len(), seen.hidden_member_notes), (0, 2));
    assert!(seen.policy_text.contains("never shown"));
    let reminders = reminders_for_client(&fixture.vault, &fixture.clinician, &ada, test_now()).unwrap();
    assert!(reminders[0].reminder.contains("individual-confidentiality"), "{reminders:?}");

    // Changing to no secrets needs re-signing: until then strict stays in force.
    let unit = set_policy(&fixture.vault, &fixture.clinician, &unit.id, UnitPolicy::NoSecrets, test_now()).unwrap();
    assert_eq!((unit.policy, unit.pending_policy), (Some(UnitPolicy::Strict), Some(UnitPolicy::NoSecrets)));
    assert_eq!(view(&fixture.vault, &fixture.clinician, &unit.id, test_now()).unwrap().member_notes.len(), 0);
    sign_agreement(&fixture, &unit);
    let seen = view(&fixture.vault, &fixture.clinician, &unit.id, test_now()).unwrap();
    assert_eq!(seen.unit.policy, Some(UnitPolicy::NoSecrets));
    assert_eq!(seen.member_notes.len(), 2);
    assert!(seen.member_notes.iter().any(|note| note.note.body.expose().contains("ADA-INDIVIDUAL")));
    assert!(!fixture.audit_text().contains("ADA-INDIVIDUAL"));
    let error =
        set_policy(&fixture.vault, &fixture.clinician, &unit.id, UnitPolicy::NoSecrets, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
}

#[test]
fn a_unit_is_seen_only_by_someone_who_may_see_every_member() {
    let fixture = practice();
    let ada = fixture.client("Ada", "Lovelace");
    let bea = fixture.client("Bea", "Lovelace");
    let unit = create_unit(
        &fixture.vault,
        &fixture.clinician,
        "The Lovelaces",
        UnitKind::Couple,
        &[ada.clone(), bea.clone()],
        test_now(),
    )
    .unwrap();
    // The front desk sees the unit exists but not its clinical record.
    assert_eq!(list_units(&fixture.vault, &fixture.front_desk, None, test_now()).unwrap().len(), 1);
    let error = view(&fixture.vault, &fixture.front_desk, &unit.id, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    // A clinician on neither care team sees nothing.
    assert!(list_units(&fixture.vault, &fixture.other_clinician, None, test_now()).unwrap().is_empty());
    let error = view(&fixture.vault, &fixture.other_clinician, &unit.id, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    let error =
        create_note(&fixture.vault, &fixture.other_clinician, &unit.id, "2026-11-20", "x", test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert_eq!(list_units(&fixture.vault, &fixture.clinician, Some(&bea), test_now()).unwrap().len(), 1);
    // An agreement kind cannot be prepared for one client alone.
    let error =
        crate::consent::prepare(&fixture.vault, &fixture.clinician, &ada, &[ConsentKind::NoSecrets], &[], test_now())
            .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
}
