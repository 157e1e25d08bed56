use super::*;
use crate::fixture::practice;
use crate::testing::test_now;
use crate::ErrorCode;

const BODY: &str = "Client described panic attacks at work; practised paced breathing.";

#[test]
fn drafts_are_edited_by_their_author_then_signed_and_locked() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let note = create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &client, "2026-11-20", BODY, test_now())
        .unwrap();
    assert!(note.signed_at.is_none());
    let error = update(&fixture.vault, &fixture.owner, NoteKind::Progress, &note.id, "2026-11-20", "x", test_now())
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "only the author edits a draft");
    let edited =
        update(&fixture.vault, &fixture.clinician, NoteKind::Progress, &note.id, "2026-11-21", "Edited.", test_now())
            .unwrap();
    assert_eq!(edited.body.expose(), "Edited.");
    let error =
        add_addendum(&fixture.vault, &fixture.clinician, NoteKind::Progress, &note.id, "more", test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict, "drafts take edits, not addenda");

    let signed = sign(&fixture.vault, &fixture.clinician, NoteKind::Progress, &note.id, test_now()).unwrap();
    assert!(signed.signed_at.is_some());
    assert!(verify_signature(&signed));
    let error =
        update(&fixture.vault, &fixture.clinician, NoteKind::Progress, &note.id, "2026-11-21", "Changed", test_now())
            .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    let raw = fixture.vault.connection().execute("UPDATE progress_notes SET body = 'forged'", []).unwrap_err();
    assert!(raw.to_string().contains("locked"), "the database itself refuses: {raw}");

    let with_addendum =
        add_addendum(&fixture.vault, &fixture.owner, NoteKind::Progress, &note.id, "Correction: date.", test_now())
            .unwrap();
    assert_eq!(with_addendum.addenda.len(), 1);
    assert_eq!(with_addendum.addenda[0].author_name, "Olivia Owner");
    assert!(!fixture.audit_text().contains("panic") && !fixture.audit_text().contains("Correction"));

    let mut forged = with_addendum.clone();
    forged.body = SecretString::from("Something else");
    assert!(!verify_signature(&forged));
}

#[test]
fn psychotherapy_notes_are_kept_apart_and_read_only_by_their_author() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    crate::clients::set_care_team(
        &fixture.vault,
        &fixture.owner,
        &client,
        &[fixture.clinician.staff_id().clone(), fixture.other_clinician.staff_id().clone()],
        test_now(),
    )
    .unwrap();
    let private =
        create(&fixture.vault, &fixture.clinician, NoteKind::Psychotherapy, &client, "2026-11-20", BODY, test_now())
            .unwrap();
    create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &client, "2026-11-20", "Progress.", test_now())
        .unwrap();
    let mine = list(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    assert_eq!((mine.progress.len(), mine.psychotherapy.len()), (1, 1));
    for other in [&fixture.owner, &fixture.other_clinician] {
        let theirs = list(&fixture.vault, other, &client, test_now()).unwrap();
        assert_eq!((theirs.progress.len(), theirs.psychotherapy.len()), (1, 0), "{}", other.login());
        for attempt in [
            update(&fixture.vault, other, NoteKind::Psychotherapy, &private.id, "2026-11-20", "x", test_now()),
            sign(&fixture.vault, other, NoteKind::Psychotherapy, &private.id, test_now()),
        ] {
            assert_eq!(attempt.unwrap_err().code(), ErrorCode::NotFound, "its existence is not revealed");
        }
    }
    // A psychotherapy note id is not a progress note id: the tables are apart.
    let error = sign(&fixture.vault, &fixture.clinician, NoteKind::Progress, &private.id, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::NotFound);
    let signed = sign(&fixture.vault, &fixture.clinician, NoteKind::Psychotherapy, &private.id, test_now()).unwrap();
    let error =
        add_addendum(&fixture.vault, &fixture.other_clinician, NoteKind::Psychotherapy, &signed.id, "x", test_now());
    assert_eq!(error.unwrap_err().code(), ErrorCode::NotFound);
    add_addendum(&fixture.vault, &fixture.clinician, NoteKind::Psychotherapy, &signed.id, "Later thought.", test_now())
        .unwrap();
}

#[test]
fn front_desk_and_outsiders_cannot_read_or_write_notes_and_bad_input_is_refused() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    for session in [&fixture.front_desk, &fixture.other_clinician] {
        assert_eq!(list(&fixture.vault, session, &client, test_now()).unwrap_err().code(), ErrorCode::Forbidden);
        let error = create(&fixture.vault, session, NoteKind::Progress, &client, "2026-11-20", BODY, test_now());
        assert_eq!(error.unwrap_err().code(), ErrorCode::Forbidden);
    }
    let tomorrow = test_now().date().next_day().unwrap().to_string();
    for (date, body) in [(tomorrow.as_str(), BODY), ("2026-02-30", BODY), ("2026-11-20", "   ")] {
        let error = create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &client, date, body, test_now());
        assert_eq!(error.unwrap_err().code(), ErrorCode::InvalidInput, "{date:?} {body:?}");
    }
    let long = "x".repeat(MAX_BODY_CHARS + 1);
    let error =
        create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &client, "2026-11-20", &long, test_now());
    assert_eq!(error.unwrap_err().code(), ErrorCode::InvalidInput);
    assert!(list(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap().progress.is_empty());
}
