//! Psychotherapy notes sealed to their author (`vault::private_notes`): stored sealed, read only with the
//! author's own password, kept across their own password change, given back from the escrow copy with the
//! recovery code after a reset or a return, and sealed at the next open when written before sealing.

use super::*;
use crate::fixture::{practice, Practice, PASSWORD};
use crate::staff::{self, LoginThrottle};
use crate::testing::test_now;
use crate::vault::{Unlock, Vault};
use crate::ErrorCode;

const PRIVATE: &str = "Countertransference: I felt protective; take it to supervision.";
const SECTION: &str = "Wonders whether the anger is hers or her mother's.";
const LATER: &str = "Later thought: the protectiveness was mine.";

fn sign_in(vault: &Vault, login: &str, password: &str) -> crate::Result<Session> {
    staff::sign_in(vault, &mut LoginThrottle::default(), login, &SecretString::from(password), test_now())
}

/// Every stored text of the psychotherapy tables, as the database holds it (what the data key reads).
fn stored_texts(vault: &Vault) -> Vec<String> {
    let connection = vault.connection();
    let mut texts: Vec<String> = connection
        .prepare("SELECT body FROM psychotherapy_notes UNION ALL SELECT sections FROM psychotherapy_notes")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    texts.extend(
        connection
            .prepare("SELECT body FROM psychotherapy_note_addenda")
            .unwrap()
            .query_map([], |row| row.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap),
    );
    texts
}

fn assert_all_sealed(vault: &Vault) {
    let texts = stored_texts(vault);
    assert!(!texts.is_empty());
    for text in &texts {
        assert!(text.starts_with("sealed1:"), "stored in clear: {text:.40}");
        for clear in [PRIVATE, SECTION, LATER, "Countertransference", "supervision"] {
            assert!(!text.contains(clear));
        }
    }
}

/// Carl (signed in with his password) writes a free-text note (signed, with an addendum) and a SOAP note.
fn carls_notes(fixture: &Practice, carl: &Session) -> ClientId {
    let client = fixture.client("Ada", "Lovelace");
    let note =
        create(&fixture.vault, carl, NoteKind::Psychotherapy, &client, "2026-11-20", PRIVATE, test_now()).unwrap();
    sign(&fixture.vault, carl, NoteKind::Psychotherapy, &note.id, test_now()).unwrap();
    add_addendum(&fixture.vault, carl, NoteKind::Psychotherapy, &note.id, LATER, test_now()).unwrap();
    let soap = NoteInput {
        text: NoteText::Sections(NoteTemplate::Soap, vec![("subjective".into(), SECTION.into())]),
        facts: SessionFacts::default(),
    };
    create(&fixture.vault, carl, NoteKind::Psychotherapy, &client, "2026-11-21", soap, test_now()).unwrap();
    client
}

/// What Carl reads of his psychotherapy notes about `client`: every text, each signature checked.
fn readable_texts(vault: &Vault, session: &Session, client: &ClientId) -> Vec<String> {
    let notes = list(vault, session, client, test_now()).unwrap();
    assert_eq!(notes.psychotherapy_sealed, 0);
    let mut texts = Vec::new();
    for note in &notes.psychotherapy {
        if note.signed_at.is_some() {
            assert!(verify_signature(note), "the signature holds over the opened text");
        }
        texts.push(note.body.expose().to_owned());
        texts.extend(note.sections.iter().map(|section| section.text.expose().to_owned()));
        texts.extend(note.addenda.iter().map(|addendum| addendum.body.expose().to_owned()));
    }
    texts
}

fn assert_reads_everything(vault: &Vault, session: &Session, client: &ClientId) {
    let texts = readable_texts(vault, session, client);
    for expected in [PRIVATE, SECTION, LATER] {
        assert!(texts.iter().any(|text| text == expected), "{expected:?} is not read back: {texts:?}");
    }
}

fn assert_sealed_for(vault: &Vault, session: &Session, client: &ClientId) {
    let notes = list(vault, session, client, test_now()).unwrap();
    assert!(notes.psychotherapy.is_empty());
    assert_eq!(notes.psychotherapy_sealed, 2, "both notes are counted, none is opened");
    let error = create(vault, session, NoteKind::Psychotherapy, client, "2026-11-22", "New.", test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    assert!(error.to_string().contains("recovery code"), "plain words: {error}");
}

#[test]
fn r18_a_psychotherapy_note_is_stored_sealed_and_only_its_authors_password_opens_it() {
    let fixture = practice();
    let carl = sign_in(&fixture.vault, "carl", PASSWORD).unwrap();
    let client = carls_notes(&fixture, &carl);
    assert_all_sealed(&fixture.vault);
    assert_reads_everything(&fixture.vault, &carl, &client);
    // Progress notes stay as they are (part of the record, read by the care team).
    create(&fixture.vault, &carl, NoteKind::Progress, &client, "2026-11-20", "Progress.", test_now()).unwrap();
    let progress: String =
        fixture.vault.connection().query_row("SELECT body FROM progress_notes", [], |row| row.get(0)).unwrap();
    assert_eq!(progress, "Progress.");

    // Another clinician's password opens their own key, never Carl's notes.
    let cora = sign_in(&fixture.vault, "cora", PASSWORD).unwrap();
    let coras_key = cora.private_notes().unwrap();
    let (id, body): (String, String) = fixture
        .vault
        .connection()
        .query_row("SELECT id, body FROM psychotherapy_notes WHERE signed_at IS NOT NULL", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    let error = coras_key.reveal(&id, "body", body.clone()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::VaultTampered);
    // Carl's own key opens it only as the note and column it was sealed for.
    let carls_key = carl.private_notes().unwrap();
    assert_eq!(carls_key.reveal(&id, "body", body.clone()).unwrap(), PRIVATE);
    assert_eq!(carls_key.reveal(&id, "sections", body.clone()).unwrap_err().code(), ErrorCode::VaultTampered);
    assert_eq!(carls_key.reveal("another-note", "body", body).unwrap_err().code(), ErrorCode::VaultTampered);

    // A sealed text moved onto another of Carl's notes (a draft) is refused, not shown.
    fixture
        .vault
        .connection()
        .execute(
            "UPDATE psychotherapy_notes SET body = (SELECT body FROM psychotherapy_notes WHERE id = ?1)
             WHERE signed_at IS NULL",
            [&id],
        )
        .unwrap();
    let error = list(&fixture.vault, &carl, &client, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::VaultTampered);
}

#[test]
fn r18_changing_ones_own_password_keeps_ones_psychotherapy_notes() {
    let mut fixture = practice();
    let carl = sign_in(&fixture.vault, "carl", PASSWORD).unwrap();
    let client = carls_notes(&fixture, &carl);
    let new_password = SecretString::from("a brand new sentence for carl");
    staff::change_own_password(&mut fixture.vault, &carl, &SecretString::from(PASSWORD), &new_password, test_now())
        .unwrap();
    assert!(sign_in(&fixture.vault, "carl", PASSWORD).is_err());
    let again = sign_in(&fixture.vault, "carl", new_password.expose()).unwrap();
    assert!(!again.private_notes_locked());
    assert_reads_everything(&fixture.vault, &again, &client);
    assert!(!staff::private_notes_need_restoring(&fixture.vault, carl.staff_id()).unwrap());
}

#[test]
fn r18_a_reset_password_seals_them_until_an_owner_restores_them_with_the_recovery_code() {
    let mut fixture = practice();
    let carl = sign_in(&fixture.vault, "carl", PASSWORD).unwrap();
    let client = carls_notes(&fixture, &carl);
    let reset = SecretString::from("carl forgot and got this one");
    staff::reset_password(&mut fixture.vault, &fixture.owner, carl.staff_id(), &reset, test_now()).unwrap();
    let after_reset = sign_in(&fixture.vault, "carl", reset.expose()).unwrap();
    assert!(after_reset.private_notes_locked());
    assert_sealed_for(&fixture.vault, &after_reset, &client);
    assert!(staff::private_notes_need_restoring(&fixture.vault, carl.staff_id()).unwrap());

    // Only an owner, only with the right recovery code; a wrong one changes nothing.
    let error = staff::restore_private_notes(
        &fixture.vault,
        &fixture.other_clinician,
        carl.staff_id(),
        &fixture.recovery_code,
        test_now(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    let wrong = crate::vault::recovery::generate();
    let error =
        staff::restore_private_notes(&fixture.vault, &fixture.owner, carl.staff_id(), &wrong, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::WrongSecret);
    assert!(staff::private_notes_need_restoring(&fixture.vault, carl.staff_id()).unwrap());

    assert!(staff::list(&fixture.vault, &fixture.owner, test_now())
        .unwrap()
        .iter()
        .any(|member| member.login == "carl" && member.private_notes_sealed));
    let restored = staff::restore_private_notes(
        &fixture.vault,
        &fixture.owner,
        carl.staff_id(),
        &fixture.recovery_code,
        test_now(),
    )
    .unwrap();
    assert!(!restored.private_notes_sealed);
    assert!(!staff::private_notes_need_restoring(&fixture.vault, carl.staff_id()).unwrap());
    assert!(fixture.audit_text().contains("staff.private_notes_restored"));
    // The owner's own session never held Carl's key: the owner still sees no such note.
    assert!(list(&fixture.vault, &fixture.owner, &client, test_now()).unwrap().psychotherapy.is_empty());
    let carl = sign_in(&fixture.vault, "carl", reset.expose()).unwrap();
    assert_reads_everything(&fixture.vault, &carl, &client);
}

#[test]
fn r18_an_author_who_leaves_keeps_their_notes_sealed_and_gets_them_back_on_return() {
    let mut fixture = practice();
    let carl = sign_in(&fixture.vault, "carl", PASSWORD).unwrap();
    let client = carls_notes(&fixture, &carl);
    let carl_id = carl.staff_id().clone();
    drop(carl);
    staff::set_active(&mut fixture.vault, &fixture.owner, &carl_id, false, test_now()).unwrap();
    // Kept (retention), still sealed; the data key was rotated and nobody holds his key.
    assert_all_sealed(&fixture.vault);
    assert_eq!(stored_texts(&fixture.vault).len(), 5, "two notes (body and sections each) and one addendum");
    assert!(sign_in(&fixture.vault, "carl", PASSWORD).is_err());

    staff::set_active(&mut fixture.vault, &fixture.owner, &carl_id, true, test_now()).unwrap();
    let back = SecretString::from("carl is back in the practice");
    staff::reset_password(&mut fixture.vault, &fixture.owner, &carl_id, &back, test_now()).unwrap();
    let returned = sign_in(&fixture.vault, "carl", back.expose()).unwrap();
    assert_sealed_for(&fixture.vault, &returned, &client);
    staff::restore_private_notes(&fixture.vault, &fixture.owner, &carl_id, &fixture.recovery_code, test_now()).unwrap();
    let returned = sign_in(&fixture.vault, "carl", back.expose()).unwrap();
    assert_reads_everything(&fixture.vault, &returned, &client);
}

#[test]
fn r18_a_new_recovery_code_takes_over_the_escrow_at_the_authors_next_sign_in() {
    let mut fixture = practice();
    let carl = sign_in(&fixture.vault, "carl", PASSWORD).unwrap();
    let client = carls_notes(&fixture, &carl);
    assert_reads_everything(&fixture.vault, &carl, &client);
    let new_code = fixture.vault.replace_recovery_code(test_now()).unwrap();
    // Before Carl signs in again, his escrow copy is sealed for the old code, which is gone.
    let reset = SecretString::from("carl forgot and got this one");
    staff::reset_password(&mut fixture.vault, &fixture.owner, carl.staff_id(), &reset, test_now()).unwrap();
    let error = staff::restore_private_notes(&fixture.vault, &fixture.owner, carl.staff_id(), &new_code, test_now())
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    assert!(error.to_string().contains("earlier recovery code"), "{error}");

    // Cora signs in after the new code: her escrow copy moves to it, and the new code restores her notes.
    let cora = sign_in(&fixture.vault, "cora", PASSWORD).unwrap();
    let cora_client = fixture.client("Grace", "Hopper");
    crate::clients::set_care_team(&fixture.vault, &fixture.owner, &cora_client, &[cora.staff_id().clone()], test_now())
        .unwrap();
    create(&fixture.vault, &cora, NoteKind::Psychotherapy, &cora_client, "2026-11-20", PRIVATE, test_now()).unwrap();
    let coras_new = SecretString::from("cora forgot hers as well today");
    staff::reset_password(&mut fixture.vault, &fixture.owner, cora.staff_id(), &coras_new, test_now()).unwrap();
    let restored =
        staff::restore_private_notes(&fixture.vault, &fixture.owner, cora.staff_id(), &new_code, test_now()).unwrap();
    assert!(!restored.private_notes_sealed);
    let cora = sign_in(&fixture.vault, "cora", coras_new.expose()).unwrap();
    let notes = list(&fixture.vault, &cora, &cora_client, test_now()).unwrap();
    assert_eq!(notes.psychotherapy[0].body.expose(), PRIVATE);
}

#[test]
fn r18_an_owner_who_recovers_their_password_with_the_recovery_code_gets_their_notes_back() {
    let fixture = practice();
    let olivia = sign_in(&fixture.vault, "olivia", PASSWORD).unwrap();
    let client = fixture.client("Ada", "Lovelace");
    crate::clients::set_care_team(&fixture.vault, &fixture.owner, &client, &[olivia.staff_id().clone()], test_now())
        .unwrap();
    create(&fixture.vault, &olivia, NoteKind::Psychotherapy, &client, "2026-11-20", PRIVATE, test_now()).unwrap();
    let Practice { vault, paths, recovery_code, .. } = fixture;
    drop(vault);
    let mut vault = Vault::open(&paths, Unlock::RecoveryCode(&recovery_code)).unwrap();
    let new_password = SecretString::from("olivia chose a new sentence");
    let olivia = staff::recover_owner_password(&mut vault, "olivia", &new_password, test_now()).unwrap();
    assert!(!olivia.private_notes_locked());
    let notes = list(&vault, &olivia, &client, test_now()).unwrap();
    assert_eq!(notes.psychotherapy[0].body.expose(), PRIVATE);
}

#[test]
fn r18_notes_written_before_sealing_are_sealed_at_the_next_open() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let carl_id = fixture.clinician.staff_id().clone();
    // Notes as a build before sealing wrote them: in clear, one signed with an addendum, one a SOAP draft.
    let connection = fixture.vault.connection();
    connection.execute("DELETE FROM private_note_keys WHERE staff_id = ?1", [&carl_id]).unwrap();
    let signed_at = "2026-11-20T10:00:00Z";
    let hash = signed_hash(
        ["legacy-signed", "psychotherapy", client.as_str(), carl_id.as_str()],
        &SignedContent {
            session_date: "2026-11-20",
            body: PRIVATE,
            template: NoteTemplate::Free,
            sections: Vec::new(),
            facts: &SessionFacts::default(),
        },
        signed_at,
    );
    connection
        .execute(
            "INSERT INTO psychotherapy_notes (id, client_id, author_id, session_date, body, created_at, updated_at,
                 signed_at, content_hash)
             VALUES ('legacy-signed', ?1, ?2, '2026-11-20', ?3, ?4, ?4, ?4, ?5)",
            rusqlite::params![client, carl_id, PRIVATE, signed_at, hash],
        )
        .unwrap();
    connection
        .execute(
            "INSERT INTO psychotherapy_note_addenda (id, note_id, author_id, body, created_at, content_hash)
             VALUES ('legacy-addendum', 'legacy-signed', ?1, ?2, ?3, 'x')",
            rusqlite::params![carl_id, LATER, signed_at],
        )
        .unwrap();
    let sections = store::sections_json(&[
        ("subjective", SECTION.to_owned()),
        ("objective", String::new()),
        ("assessment", String::new()),
        ("plan", String::new()),
    ]);
    connection
        .execute(
            "INSERT INTO psychotherapy_notes (id, client_id, author_id, session_date, body, created_at, updated_at,
                 template, sections)
             VALUES ('legacy-draft', ?1, ?2, '2026-11-21', '', ?3, ?3, 'soap', ?4)",
            rusqlite::params![client, carl_id, signed_at, sections],
        )
        .unwrap();
    // The database still refuses any other change to a signed note.
    let error = connection
        .execute("UPDATE psychotherapy_notes SET body = 'sealed1:forged', sections = 'sealed1:x', session_date = '2020-01-01' WHERE id = 'legacy-signed'", [])
        .unwrap_err();
    assert!(error.to_string().contains("locked"), "{error}");

    let Practice { vault, paths, recovery_code, .. } = fixture;
    drop(vault);
    let vault = Vault::open(&paths, Unlock::RecoveryCode(&recovery_code)).unwrap();
    assert_all_sealed(&vault);
    // Carl's first sign-in since opens the key made for him at the open.
    let carl = sign_in(&vault, "carl", PASSWORD).unwrap();
    assert_reads_everything(&vault, &carl, &client);
    // A second open finds nothing left to seal and changes nothing.
    let before = stored_texts(&vault);
    drop((carl, vault));
    let vault = Vault::open(&paths, Unlock::RecoveryCode(&recovery_code)).unwrap();
    assert_eq!(stored_texts(&vault), before);
}
