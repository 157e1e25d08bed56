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

/// A SOAP note of a 45-minute telehealth session with the client and their partner.
pub(crate) fn soap_input() -> NoteInput {
    NoteInput {
        text: NoteText::Sections(
            NoteTemplate::Soap,
            vec![
                ("plan".into(), "Sleep diary for two weeks.".into()),
                ("subjective".into(), "Reports waking at 4 am most nights.".into()),
                ("assessment".into(), "Insomnia linked to work stress.".into()),
            ],
        ),
        facts: SessionFacts {
            start_time: Some("14:30".into()),
            duration_minutes: Some(45),
            service_code: Some("90834".into()),
            service_other: String::new(),
            setting: Some(SessionSetting::Telehealth),
            attendance: Some(Attendance::WithPartner),
            attendance_detail: "Partner Sam joined for the last 15 minutes.".into(),
        },
    }
}

#[test]
fn a_templated_note_keeps_its_sections_and_session_facts_and_its_signature_covers_them() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let note =
        create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &client, "2026-11-20", soap_input(), test_now())
            .unwrap();
    assert_eq!(note.template, NoteTemplate::Soap);
    assert_eq!(note.body.expose(), "");
    let sections: Vec<(&str, &str)> =
        note.sections.iter().map(|section| (section.spec.title, section.text.expose())).collect();
    assert_eq!(
        sections,
        [
            ("Subjective", "Reports waking at 4 am most nights."),
            ("Objective", ""),
            ("Assessment", "Insomnia linked to work stress."),
            ("Plan", "Sleep diary for two weeks."),
        ],
        "every section of the template, in its order, whatever order they were given in"
    );
    assert_eq!(note.facts, soap_input().facts);
    assert_eq!(note.facts.service_text().as_deref(), Some("90834 Psychotherapy, 45 minutes"));

    // A draft can change template: from SOAP to free text and back to DAP.
    let free = update(&fixture.vault, &fixture.clinician, NoteKind::Progress, &note.id, "2026-11-20", BODY, test_now())
        .unwrap();
    assert_eq!((free.template, free.sections.len(), free.facts.is_empty()), (NoteTemplate::Free, 0, true));
    let dap = NoteInput {
        text: NoteText::Sections(NoteTemplate::Dap, vec![("data".into(), "Calmer today.".into())]),
        facts: soap_input().facts,
    };
    let dap = update(&fixture.vault, &fixture.clinician, NoteKind::Progress, &note.id, "2026-11-20", dap, test_now())
        .unwrap();
    assert_eq!(dap.sections.iter().map(|section| section.spec.key).collect::<Vec<_>>(), ["data", "assessment", "plan"]);

    let signed = sign(&fixture.vault, &fixture.clinician, NoteKind::Progress, &note.id, test_now()).unwrap();
    assert!(verify_signature(&signed));
    let listed = list(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap().progress.remove(0);
    assert_eq!(listed, signed, "what is stored reads back the same");
    assert!(!fixture.audit_text().contains("Calmer"), "no note text in the audit trail");

    // The hash covers every section and every fact: changing any one breaks it.
    let mut forged = signed.clone();
    forged.sections[0].text = SecretString::from("Something else");
    assert!(!verify_signature(&forged));
    let mut forged = signed.clone();
    forged.facts.duration_minutes = Some(60);
    assert!(!verify_signature(&forged));
    let mut forged = signed.clone();
    forged.facts.attendance = Some(Attendance::ClientAlone);
    assert!(!verify_signature(&forged));
    let mut forged = signed.clone();
    forged.template = NoteTemplate::Free;
    forged.sections.clear();
    forged.facts = SessionFacts::default();
    assert!(!verify_signature(&forged), "stripping the sections and facts does not fall back to the old hash");
}

#[test]
fn notes_written_before_templates_are_free_text_and_their_signatures_still_hold() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let note = create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &client, "2026-11-20", BODY, test_now())
        .unwrap();
    let signed = sign(&fixture.vault, &fixture.clinician, NoteKind::Progress, &note.id, test_now()).unwrap();
    // The hash of a free-text note without facts is the one signing always fixed (before migration 0160).
    let before = content_hash(&[
        signed.id.as_str(),
        "progress",
        signed.client_id.as_str(),
        signed.author_id.as_str(),
        &signed.session_date,
        BODY,
        signed.signed_at.as_deref().unwrap(),
    ]);
    assert_eq!(signed.content_hash.as_deref(), Some(before.as_str()));
    // A row written without the new columns (as every older note was) reads as free text without facts.
    fixture
        .vault
        .connection()
        .execute(
            "INSERT INTO progress_notes (id, client_id, author_id, session_date, body, created_at, updated_at)
             SELECT ?1, client_id, author_id, session_date, 'Old note.', created_at, updated_at
             FROM progress_notes WHERE id = ?2",
            rusqlite::params![NoteId::generate(), signed.id],
        )
        .unwrap();
    let notes = list(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap().progress;
    let old = notes.iter().find(|note| note.body.expose() == "Old note.").unwrap();
    assert_eq!((old.template, old.sections.len(), old.facts.is_empty()), (NoteTemplate::Free, 0, true));
}

#[test]
fn templates_sections_and_session_facts_are_checked_with_field_ids() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let with_text = |template: NoteTemplate, sections: &[(&str, &str)]| NoteInput {
        text: NoteText::Sections(
            template,
            sections.iter().map(|(key, text)| ((*key).to_owned(), (*text).to_owned())).collect(),
        ),
        facts: SessionFacts::default(),
    };
    let with_facts = |facts: SessionFacts| NoteInput { facts, ..soap_input() };
    let facts = soap_input().facts;
    let long = "x".repeat(MAX_FACT_CHARS + 1);
    let tomorrow = test_now().date().next_day().unwrap().to_string();
    let cases: Vec<(&str, &str, NoteInput)> = vec![
        ("body", "2026-11-20", NoteInput::from("  ")),
        ("session_date", tomorrow.as_str(), soap_input()),
        ("session_date", "2026-02-30", soap_input()),
        ("sections", "2026-11-20", with_text(NoteTemplate::Soap, &[("data", "A DAP section.")])),
        ("sections", "2026-11-20", with_text(NoteTemplate::Dap, &[("data", "Once."), ("data", "Twice.")])),
        ("template", "2026-11-20", with_text(NoteTemplate::Free, &[("plan", "Free text has no sections.")])),
        ("section_behavior", "2026-11-20", with_text(NoteTemplate::Birp, &[("plan", "  ")])),
        ("start_time", "2026-11-20", with_facts(SessionFacts { start_time: Some("25:00".into()), ..facts.clone() })),
        ("start_time", "2026-11-20", with_facts(SessionFacts { start_time: Some("2pm".into()), ..facts.clone() })),
        ("duration_minutes", "2026-11-20", with_facts(SessionFacts { duration_minutes: Some(0), ..facts.clone() })),
        ("duration_minutes", "2026-11-20", with_facts(SessionFacts { duration_minutes: Some(601), ..facts.clone() })),
        (
            "service_code",
            "2026-11-20",
            with_facts(SessionFacts { service_code: Some("12345".into()), ..facts.clone() }),
        ),
        (
            "service_other",
            "2026-11-20",
            with_facts(SessionFacts { service_code: Some("other".into()), ..facts.clone() }),
        ),
        ("attendance_detail", "2026-11-20", with_facts(SessionFacts { attendance_detail: long, ..facts.clone() })),
    ];
    for (field, date, input) in cases {
        let error = create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &client, date, input, test_now())
            .unwrap_err();
        match &error {
            Error::InvalidInput { field: given, reason } => {
                assert_eq!(*given, field, "{reason}");
                assert!(reason.ends_with('.') && reason.starts_with(char::is_uppercase), "a whole sentence: {reason}");
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(list(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap().progress.is_empty());

    // The limits hold at their edges; "other" keeps its words, a listed code drops stray ones.
    let edge = SessionFacts {
        start_time: Some(" 00:00 ".into()),
        duration_minutes: Some(MAX_DURATION_MINUTES),
        service_code: Some("other".into()),
        service_other: " H0004 behavioural health counselling ".into(),
        ..SessionFacts::default()
    };
    let note = create(
        &fixture.vault,
        &fixture.clinician,
        NoteKind::Progress,
        &client,
        "2026-11-20",
        with_facts(edge),
        test_now(),
    )
    .unwrap();
    assert_eq!(note.facts.start_time.as_deref(), Some("00:00"));
    assert_eq!(note.facts.service_text().as_deref(), Some("Other: H0004 behavioural health counselling"));
    let listed = SessionFacts { service_other: "stray words".into(), ..facts };
    let note = create(
        &fixture.vault,
        &fixture.clinician,
        NoteKind::Progress,
        &client,
        "2026-11-20",
        with_facts(listed),
        test_now(),
    )
    .unwrap();
    assert_eq!(note.facts.service_other, "");
    // Every section of every template has its own field id (the screen marks that text area).
    for template in NoteTemplate::ALL {
        for spec in template.sections() {
            assert_eq!(section_field(spec.key), format!("section_{}", spec.key));
        }
    }
}

/// Issue 17: the computer's clock set back, or its time zone changed, while the app runs reorders and re-dates
/// nothing already recorded: stored times are UTC instants and lists come in stored order.
#[test]
fn a_clock_set_back_or_a_new_zone_reorders_and_re_dates_nothing() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let chicago = time::macros::offset!(-6);
    let first_at = test_now().to_offset(chicago);
    let write = |body: &str, now: OffsetDateTime| {
        create(&fixture.vault, &fixture.clinician, NoteKind::Progress, &client, "2026-11-20", body, now).unwrap()
    };
    let first = write("First.", first_at);
    let second = write("Second.", first_at + time::Duration::hours(1));
    let listed = |vault: &Vault| {
        list(vault, &fixture.clinician, &client, test_now())
            .unwrap()
            .progress
            .into_iter()
            .map(|note| (note.id, note.created_at))
            .collect::<Vec<_>>()
    };
    let before = listed(&fixture.vault);
    assert_eq!(before, [(second.id.clone(), second.created_at.clone()), (first.id.clone(), first.created_at.clone())]);
    for stored in [&first.created_at, &second.created_at] {
        assert!(stored.ends_with('Z'), "stored in UTC whatever the offset the clock had: {stored}");
    }

    // The clock is set back three hours and the computer moves to Tokyo; a third note is written.
    let tokyo_back = (first_at - time::Duration::hours(3)).to_offset(time::macros::offset!(+9));
    let third = write("Third.", tokyo_back);
    let after = listed(&fixture.vault);
    let earlier: Vec<_> = after.iter().filter(|(id, _)| *id != third.id).cloned().collect();
    assert_eq!(earlier, before, "the notes already written keep their order and their times");
    assert_eq!(after.len(), 3);
    assert_eq!(
        time::OffsetDateTime::parse(&third.created_at, &time::format_description::well_known::Rfc3339).unwrap(),
        tokyo_back,
        "the new note holds the instant the clock gave, in UTC"
    );
    assert!(third.created_at.ends_with('Z'));
}
