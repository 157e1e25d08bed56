use super::*;
use crate::fixture::practice;
use crate::testing::test_now;
use crate::ErrorCode;

#[test]
fn intake_answers_are_checked_against_their_questions_and_kept_from_the_front_desk() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let answer = |pairs: &[(&str, serde_json::Value)]| -> Vec<(String, serde_json::Value)> {
        pairs.iter().map(|(key, value)| ((*key).to_owned(), value.clone())).collect()
    };
    let required = [
        ("presenting_concern", serde_json::json!("Trouble sleeping since the move")),
        ("previous_therapy", serde_json::json!(true)),
        ("risk_thoughts_of_self_harm", serde_json::json!(false)),
        ("emergency_contact_name", serde_json::json!("Sam Lovelace")),
        ("emergency_contact_phone", serde_json::json!("555 0100 300")),
    ];
    let save_answers = |answers: Vec<(String, serde_json::Value)>| {
        save(&fixture.vault, &fixture.clinician, &client, &answers, test_now())
    };
    for bad in [
        answer(&[("distress_scale", serde_json::json!(11))]),
        answer(&[("distress_scale", serde_json::json!("high"))]),
        answer(&[("session_format", serde_json::json!("Carrier pigeon"))]),
        answer(&[("last_physical_exam", serde_json::json!("2099-01-01"))]),
        answer(&[("no_such_question", serde_json::json!("x"))]),
    ] {
        let mut answers = answer(&required);
        answers.extend(bad.clone());
        assert_eq!(save_answers(answers).unwrap_err().code(), ErrorCode::InvalidInput, "{bad:?}");
    }
    let missing_required = answer(&required[1..]);
    assert_eq!(save_answers(missing_required).unwrap_err().code(), ErrorCode::InvalidInput);
    assert!(get(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap().answers.is_empty());

    let mut answers = answer(&required);
    answers.push(("distress_scale".into(), serde_json::json!(7)));
    answers.push(("session_format".into(), serde_json::json!("Video")));
    let saved = save_answers(answers).unwrap();
    assert_eq!(saved.answers.len(), 7);
    assert_eq!(saved.answers[0].0, "presenting_concern", "in questionnaire order");
    assert_eq!(saved.updated_by.as_ref().map(|(_, name)| name.as_str()), Some("Carl Clinician"));
    let error = get(&fixture.vault, &fixture.front_desk, &client, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert!(!fixture.audit_text().contains("sleeping"), "answers never reach the audit trail");
}

#[test]
fn questions_are_worded_for_the_therapist_who_fills_them_in() {
    let second_person = ["you", "your", "yours", "yourself", "yourselves"];
    for question in QUESTIONS {
        let words: Vec<String> =
            question.label.split(|c: char| !c.is_alphanumeric() && c != '\'').map(|word| word.to_lowercase()).collect();
        assert!(
            !words.iter().any(|word| second_person.contains(&word.as_str())),
            "{:?} speaks to the client; the therapist fills it in",
            question.label
        );
        assert!(!question.label.ends_with('?'), "{:?} asks the client a question", question.label);
    }
    // The keys did not change with the wording: answers stored under them still load.
    let keys: Vec<&str> = QUESTIONS.iter().map(|question| question.key).collect();
    assert_eq!(
        keys,
        [
            "presenting_concern",
            "goals",
            "previous_therapy",
            "current_medications",
            "risk_thoughts_of_self_harm",
            "distress_scale",
            "session_format",
            "emergency_contact_name",
            "emergency_contact_phone",
            "last_physical_exam",
        ]
    );
}
