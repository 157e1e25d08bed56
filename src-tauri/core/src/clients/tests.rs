use super::*;
use crate::fixture::{client_input, practice};
use crate::ids::RecordNumber;
use crate::staff::Role;
use crate::testing::test_now;
use crate::ErrorCode;

/// The refused field's id and the message, as "field_id: message" (people see the message alone).
fn invalid(input: ClientInput) -> String {
    let error = validate(input, test_now().date()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput, "{error}");
    crate::error::assert_plain_sentence(&error);
    format!("{}: {error}", error.field().unwrap_or_default())
}

#[test]
fn a_missing_way_to_reach_the_client_points_at_its_field() {
    let base = client_input("Ada", "Lovelace");
    let by_phone = ContactPreferences { preferred: ContactChannel::Phone, ..ContactPreferences::default() };
    let error = validate(ClientInput { phone: None, contact: by_phone.clone(), ..base.clone() }, test_now().date())
        .unwrap_err();
    assert_eq!(error.field(), Some("phone"));
    assert_eq!(error.to_string(), "Add a phone number: phone is the preferred way to reach this client.");
    let by_email = ContactPreferences { preferred: ContactChannel::Email, ok_to_email: true, ..by_phone };
    assert!(invalid(ClientInput { email: None, contact: by_email.clone(), ..base.clone() }).starts_with("email: "));
    let unagreed = ContactPreferences { ok_to_email: false, ..by_email };
    let email = Some("ada@example.org".to_owned());
    assert!(invalid(ClientInput { email, contact: unagreed, ..base.clone() }).starts_with("ok_to_email: "));
    let by_mail = ContactPreferences { preferred: ContactChannel::Mail, ..by_phone };
    assert!(invalid(ClientInput { address: None, contact: by_mail, ..base.clone() }).starts_with("address: "));
    let long = "A".repeat(crate::limits::PERSON_NAME + 1);
    assert_eq!(
        invalid(ClientInput { given_name: long, ..base }),
        "given_name: The given name can hold at most 100 characters; this one is longer."
    );
}

#[test]
fn validation_refuses_impossible_dates_and_incomplete_details() {
    let base = client_input("Ada", "Lovelace");
    assert!(invalid(ClientInput { date_of_birth: "2023-02-30".into(), ..base.clone() }).contains("real date"));
    assert!(invalid(ClientInput { date_of_birth: "02/04/1990".into(), ..base.clone() }).contains("YYYY-MM-DD"));
    let tomorrow = test_now().date().next_day().unwrap().to_string();
    assert!(invalid(ClientInput { date_of_birth: tomorrow, ..base.clone() }).contains("future"));
    assert!(invalid(ClientInput { date_of_birth: "1850-01-01".into(), ..base.clone() }).contains("1900"));
    assert!(invalid(ClientInput { given_name: "   ".into(), ..base.clone() }).starts_with("given_name: "));
    for (name, words) in
        [("Ada\u{1b}[2J", "control character"), ("Ada\nLovelace", "line break"), ("Ada\u{202D}", "text-direction")]
    {
        assert!(invalid(ClientInput { given_name: name.into(), ..base.clone() }).contains(words), "{name:?}");
        assert!(
            invalid(ClientInput { family_name: name.into(), ..base.clone() }).starts_with("family_name: "),
            "{name:?}"
        );
        let preferred = Some(name.to_owned());
        assert!(invalid(ClientInput { preferred_name: preferred, ..base.clone() }).starts_with("preferred_name: "));
    }
    for code in ["USA", "U", "us-california", "12-CA", "US_CA"] {
        assert!(
            invalid(ClientInput { jurisdiction: code.into(), ..base.clone() }).starts_with("jurisdiction: "),
            "{code}"
        );
    }
    assert!(invalid(ClientInput { email: Some("not-an-email".into()), ..base.clone() }).starts_with("email: "));
    assert!(invalid(ClientInput { phone: Some("12".into()), ..base.clone() }).starts_with("phone: "));
    let texts_without_consent =
        ContactPreferences { preferred: ContactChannel::Text, ok_to_text: false, ..ContactPreferences::default() };
    assert!(invalid(ClientInput { contact: texts_without_consent, ..base.clone() }).starts_with("ok_to_text: "));
    let email_without_address =
        ContactPreferences { preferred: ContactChannel::Phone, ok_to_email: true, ..ContactPreferences::default() };
    assert!(invalid(ClientInput { contact: email_without_address, ..base.clone() }).starts_with("email: "));
    let insurance = Billing::Insurance { payer: "Aetna".into(), member_id: " ".into() };
    assert!(invalid(ClientInput { billing: insurance, ..base.clone() }).starts_with("member_id: "));

    let normalised = validate(
        ClientInput {
            jurisdiction: " ca-on ".into(),
            preferred_name: Some("  ".into()),
            email: Some(" ada@example.org ".into()),
            ..base
        },
        test_now().date(),
    )
    .unwrap();
    assert_eq!(normalised.jurisdiction, "CA-ON");
    assert_eq!(normalised.preferred_name, None);
    assert_eq!(normalised.email.as_deref(), Some("ada@example.org"));
}

#[test]
fn create_get_and_update_are_audited_with_field_names_not_values() {
    let fixture = practice();
    let client_id = fixture.client("Ada", "Lovelace");
    let client = get(&fixture.vault, &fixture.clinician, &client_id, test_now()).unwrap();
    assert_eq!(client.display_name, "Ada Lovelace");
    assert_eq!(client.care_team.len(), 1, "a clinician who adds a client joins the care team");
    assert!(client.access.clinical);
    let changed = ClientInput {
        preferred_name: Some("Augusta".into()),
        billing: Billing::Insurance { payer: "Blue Shield".into(), member_id: "XZ-1234".into() },
        ..client.input.clone()
    };
    let updated = update(&fixture.vault, &fixture.front_desk, &client_id, changed, test_now()).unwrap();
    assert_eq!(updated.display_name, "Augusta Lovelace");
    assert!(!updated.access.clinical, "front desk sees demographics only");
    let audit = fixture.audit_text();
    assert!(audit.contains("client.updated preferred name, billing"), "{audit}");
    assert!(!audit.contains("XZ-1234") && !audit.contains("Augusta"), "no values in the audit trail");
    assert_eq!(fixture.audit_actions().iter().filter(|action| *action == actions::CLIENT_VIEWED).count(), 1);
}

#[test]
fn search_matches_word_prefixes_and_respects_care_teams() {
    let fixture = practice();
    let ada = fixture.client("Ada", "Lovelace");
    let grace = crate::clients::create(
        &fixture.vault,
        &fixture.other_clinician,
        ClientInput { email: Some("grace.hopper@navy.example".into()), ..client_input("Grace", "Hopper") },
        test_now(),
    )
    .unwrap()
    .id;
    let names = |session: &Session, query: &str| -> Vec<String> {
        search(&fixture.vault, session, query, false, test_now())
            .unwrap()
            .into_iter()
            .map(|client| client.display_name)
            .collect()
    };
    assert_eq!(names(&fixture.owner, ""), ["Ada Lovelace", "Grace Hopper"]);
    assert_eq!(names(&fixture.owner, "lov"), ["Ada Lovelace"]);
    assert_eq!(names(&fixture.owner, "LOVE ad"), ["Ada Lovelace"]);
    assert_eq!(names(&fixture.owner, "ada hop"), Vec::<String>::new());
    assert_eq!(names(&fixture.front_desk, "navy"), ["Grace Hopper"]);
    assert_eq!(names(&fixture.owner, "5550100"), ["Ada Lovelace", "Grace Hopper"], "phone digits");
    assert_eq!(names(&fixture.clinician, ""), ["Ada Lovelace"], "clinicians see their care team");
    assert_eq!(names(&fixture.other_clinician, "a"), Vec::<String>::new(), "Grace matches no 'a' word prefix");
    assert_eq!(names(&fixture.other_clinician, "g"), ["Grace Hopper"]);
    assert_eq!(names(&fixture.owner, "'; DROP TABLE clients; --"), Vec::<String>::new());
    assert_eq!(names(&fixture.owner, "155501"), ["Ada Lovelace", "Grace Hopper"], "with the country code");

    set_status(&fixture.vault, &fixture.clinician, &ada, ClientStatus::Discharged, test_now()).unwrap();
    assert_eq!(names(&fixture.owner, ""), ["Grace Hopper"]);
    let all = search(&fixture.vault, &fixture.owner, "", true, test_now()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(list(&fixture.vault, &fixture.owner, test_now()).unwrap().len(), 1);
    let _ = grace;
}

#[test]
fn clinicians_outside_the_care_team_need_emergency_access() {
    let fixture = practice();
    let client_id = fixture.client("Ada", "Lovelace");
    let error = get(&fixture.vault, &fixture.other_clinician, &client_id, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert!(fixture.audit_actions().contains(&actions::ACCESS_DENIED.to_owned()));
    let short = crate::access::break_glass(&fixture.vault, &fixture.other_clinician, &client_id, "urgent", test_now());
    assert_eq!(short.unwrap_err().code(), ErrorCode::InvalidInput);
    let grant = crate::access::break_glass(
        &fixture.vault,
        &fixture.other_clinician,
        &client_id,
        "covering for Carl: client in crisis on the phone",
        test_now(),
    )
    .unwrap();
    let client = get(&fixture.vault, &fixture.other_clinician, &client_id, test_now()).unwrap();
    assert!(client.access.via_break_glass);
    let later = test_now() + time::Duration::hours(crate::access::BREAK_GLASS_HOURS) + time::Duration::seconds(1);
    let error = get(&fixture.vault, &fixture.other_clinician, &client_id, later).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "the grant expires");

    let pending = crate::access::list_break_glass(&fixture.vault, &fixture.owner, true, test_now()).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].staff_name, "Cora Clinician");
    assert_eq!(pending[0].client_name, "Ada Lovelace");
    let reviewed = crate::access::review_break_glass(&fixture.vault, &fixture.owner, &grant.id, test_now()).unwrap();
    assert_eq!(reviewed.reviewed_by_name.as_deref(), Some("Olivia Owner"));
    assert!(crate::access::list_break_glass(&fixture.vault, &fixture.owner, true, test_now()).unwrap().is_empty());
    let error = crate::access::break_glass(
        &fixture.vault,
        &fixture.clinician,
        &client_id,
        "I am on the team already",
        test_now(),
    );
    assert_eq!(error.unwrap_err().code(), ErrorCode::Conflict);
}

#[test]
fn care_teams_are_set_by_owners_and_only_with_clinical_staff() {
    let fixture = practice();
    let client_id = fixture.client("Ada", "Lovelace");
    let cora = fixture.other_clinician.staff_id().clone();
    let fran = fixture.front_desk.staff_id().clone();
    let error = set_care_team(&fixture.vault, &fixture.clinician, &client_id, std::slice::from_ref(&cora), test_now())
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    let error = set_care_team(&fixture.vault, &fixture.owner, &client_id, &[fran], test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    let client =
        set_care_team(&fixture.vault, &fixture.owner, &client_id, std::slice::from_ref(&cora), test_now()).unwrap();
    assert_eq!(client.care_team.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>(), ["Cora Clinician"]);
    get(&fixture.vault, &fixture.other_clinician, &client_id, test_now()).unwrap();
    let error = get(&fixture.vault, &fixture.clinician, &client_id, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "Carl left the team");
    let missing = ClientId::parse("00000000-0000-4000-8000-000000000000").unwrap();
    assert_eq!(get(&fixture.vault, &fixture.owner, &missing, test_now()).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(ClientId::parse("nonsense").unwrap_err().code(), ErrorCode::NotFound);
}

/// Whichever plan a search takes (a short word walked in name order, a small candidate set, or a walk of
/// every client when every source is dense), it finds what a plain filter over every client finds, in the
/// same order (name, then id), after renames and discharges.
#[test]
fn search_plans_agree_with_a_plain_filter() {
    let fixture = practice();
    crate::testing::bulk_clients(&fixture.vault, fixture.clinician.staff_id(), 2100).unwrap();
    let other = fixture.client("Grace", "Hopper");
    // The other clinician's team is this one client: their searches collect it.
    let team = [fixture.other_clinician.staff_id().clone()];
    crate::clients::set_care_team(&fixture.vault, &fixture.owner, &other, &team, test_now()).unwrap();
    // Two clients of the same name (ordered by id), one renamed (its old words must no longer find it),
    // one discharged.
    fixture.client("Ada", "Zed");
    fixture.client("Ada", "Zed");
    let renamed = fixture.client("Quentin", "Old");
    update(&fixture.vault, &fixture.owner, &renamed, client_input("Adelaide", "Anew"), test_now()).unwrap();
    let discharged = fixture.client("Ada", "Gone");
    set_status(&fixture.vault, &fixture.owner, &discharged, ClientStatus::Discharged, test_now()).unwrap();
    let mut statement = fixture
        .vault
        .connection()
        .prepare(
            "SELECT c.id, c.display_name, group_concat(t.term, ' '), c.status = 'active',
                    EXISTS (SELECT 1 FROM care_team m WHERE m.client_id = c.id AND m.staff_id = ?1),
                    EXISTS (SELECT 1 FROM care_team m WHERE m.client_id = c.id AND m.staff_id = ?2),
                    c.record_number
             FROM clients c JOIN client_search_terms t ON t.client_id = c.id GROUP BY c.id",
        )
        .unwrap();
    let everyone: Vec<(String, String, String, bool, bool, bool, u32)> = statement
        .query_map([fixture.clinician.staff_id(), fixture.other_clinician.staff_id()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let queries = [
        "",
        "a",
        "5",
        "ad",
        "ada",
        "ADA lov",
        "a l",
        "ada z",
        "5550001",
        "R-0007",
        "#2101",
        "12",
        "hop gr",
        "zz",
        "k",
        "grace",
        "qu",
        "old",
        "anew",
        "gon",
        "555 ada",
        "é",
        "lovelace a",
        "ada lovelace1",
    ];
    for query in queries {
        for session in [&fixture.owner, &fixture.clinician, &fixture.other_clinician] {
            for include_discharged in [false, true] {
                let team_only = session.role() == Role::Clinician;
                let other_team = session.staff_id() == fixture.other_clinician.staff_id();
                let words: Vec<String> = crate::collation::search_words(query);
                let visible = |(_, _, _, active, on_team, on_other_team, _): &&(_, _, _, bool, bool, bool, _)| {
                    (!team_only || if other_team { *on_other_team } else { *on_team })
                        && (include_discharged || *active)
                };
                let mut expected: Vec<(String, String)> = everyone
                    .iter()
                    .filter(visible)
                    .filter(|(_, _, terms, ..)| {
                        words.iter().all(|word| terms.split(' ').any(|term| term.starts_with(word.as_str())))
                    })
                    .map(|(id, name, ..)| (name.clone(), id.clone()))
                    .collect();
                expected.sort_by_key(|(name, id)| (crate::collation::sort_key(name), id.clone()));
                expected.truncate(SEARCH_LIMIT as usize);
                // A record number finds its client first.
                let numbered = RecordNumber::parse(query)
                    .ok()
                    .and_then(|number| everyone.iter().filter(visible).find(|client| client.6 == number.get()));
                if let Some((id, name, ..)) = numbered {
                    expected.retain(|(_, other)| other != id);
                    expected.insert(0, (name.clone(), id.clone()));
                    expected.truncate(SEARCH_LIMIT as usize);
                }
                let found: Vec<(String, String)> =
                    search(&fixture.vault, session, query, include_discharged, test_now())
                        .unwrap()
                        .into_iter()
                        .map(|client| (client.display_name, client.id.to_string()))
                        .collect();
                assert_eq!(
                    found,
                    expected,
                    "{query:?} as {}, discharged included: {include_discharged}",
                    session.login()
                );
            }
        }
    }
}

#[test]
fn prefixes_are_the_first_letters_of_each_term() {
    let terms = vec!["ada".to_owned(), "al".to_owned(), "émile".to_owned(), "x".to_owned()];
    assert_eq!(crate::vault::search_index::prefixes(&terms), ["a", "ad", "ada", "al", "x", "é", "ém", "émi"]);
    let terms = vec!["王小明".to_owned(), "कुमार".to_owned()];
    assert_eq!(crate::vault::search_index::prefixes(&terms), ["क", "कु", "कुम", "王", "王小", "王小明"]);
}

/// The display names `query` finds, as the owner sees them.
fn found(fixture: &crate::fixture::Practice, query: &str) -> Vec<String> {
    search(&fixture.vault, &fixture.owner, query, false, test_now())
        .unwrap()
        .into_iter()
        .map(|client| client.display_name)
        .collect()
}

/// Issue 16: "zoe" finds "Zoë", "muller" finds "Müller", in any case, and decomposed input (as macOS sends it)
/// matches composed names — for short words (the prefix walk) and long ones (the term ranges) alike.
#[test]
fn search_ignores_accents_and_case_and_matches_decomposed_input() {
    let fixture = practice();
    fixture.client("Zoë", "Adams");
    fixture.client("Jürgen", "Müller");
    fixture.client("Łukasz", "Strauß");
    fixture.client("Zoe", "Østergaard");
    for query in ["zoe", "ZOË", "Zoe\u{0308}", "zo", "ZO\u{0308}"] {
        assert_eq!(found(&fixture, query), ["Zoë Adams", "Zoe Østergaard"], "{query:?}");
    }
    for query in ["muller", "MÜLLER", "Mu\u{0308}ller", "müll", "mül", "mu", "jurgen müller"] {
        assert_eq!(found(&fixture, query), ["Jürgen Müller"], "{query:?}");
    }
    assert_eq!(found(&fixture, "lukasz"), ["Łukasz Strauß"]);
    assert_eq!(found(&fixture, "STRAUSS"), ["Łukasz Strauß"], "full case folding: ß is ss");
    assert_eq!(found(&fixture, "strauẞ"), ["Łukasz Strauß"]);
    assert_eq!(found(&fixture, "oster"), ["Zoe Østergaard"]);
    assert_eq!(found(&fixture, "zoë øs"), ["Zoe Østergaard"]);
    assert_eq!(found(&fixture, "zoey"), Vec::<String>::new());
}

/// Issue 16: Hebrew, Arabic, Chinese, Japanese, Korean, Greek, Cyrillic and Devanagari names are found by
/// their own first letters; pointed Hebrew and vowelled Arabic find the plain spelling and back.
#[test]
fn names_in_every_script_are_found_by_their_own_prefixes() {
    let fixture = practice();
    fixture.client("שָׂרָה", "כהן");
    fixture.client("محمد", "أحمد");
    fixture.client("小明", "欧阳");
    fixture.client("王小明", "王");
    fixture.client("さくら", "山田");
    fixture.client("민준", "김");
    fixture.client("Ελένη", "Παπαδοπούλου");
    fixture.client("Анна", "Ёлкина");
    fixture.client("कुमार", "शर्मा");
    fixture.client("कमल", "वर्मा");
    let cases: &[(&str, &[&str])] = &[
        ("שר", &["שָׂרָה כהן"]),
        ("שָׂרָה", &["שָׂרָה כהן"]),
        ("כה", &["שָׂרָה כהן"]),
        ("مح", &["محمد أحمد"]),
        ("مُحَمَّد", &["محمد أحمد"]),
        ("احمد", &["محمد أحمد"]),
        ("欧", &["小明 欧阳"]),
        ("欧阳", &["小明 欧阳"]),
        ("王小", &["王小明 王"]),
        ("王", &["王小明 王"]),
        ("小", &["小明 欧阳"]),
        ("さく", &["さくら 山田"]),
        ("山", &["さくら 山田"]),
        ("민", &["민준 김"]),
        ("김", &["민준 김"]),
        ("ελενη", &["Ελένη Παπαδοπούλου"]),
        ("ΠΑΠΑΔ", &["Ελένη Παπαδοπούλου"]),
        ("елкина", &["Анна Ёлкина"]),
        ("АН", &["Анна Ёлкина"]),
        ("कु", &["कुमार शर्मा"]),
        ("कुमार", &["कुमार शर्मा"]),
        ("क", &["कमल वर्मा", "कुमार शर्मा"]),
        ("कम", &["कमल वर्मा"]),
        ("शर्", &["कुमार शर्मा"]),
    ];
    for (query, expected) in cases {
        let mut names = found(&fixture, query);
        names.sort();
        let mut expected: Vec<String> = expected.iter().map(|name| (*name).to_owned()).collect();
        expected.sort();
        assert_eq!(names, expected, "{query:?}");
    }
}

/// Issue 16: emails and phone numbers are found as before.
#[test]
fn emails_and_phones_are_found_as_before() {
    let fixture = practice();
    let input = ClientInput {
        email: Some("Zoë.Müller@Example.ORG".into()),
        phone: Some("+1 (555) 010-9999".into()),
        ..client_input("Zoë", "Müller")
    };
    crate::clients::create(&fixture.vault, &fixture.owner, input, test_now()).unwrap();
    for query in ["example", "EXAMPLE.org", "zoe.muller", "org", "5550109999", "15550109999", "555"] {
        assert_eq!(found(&fixture, query), ["Zoë Müller"], "{query:?}");
    }
}

/// Issue 16: lists of clients are in collation order (CLDR root), not byte order or NOCASE: the no-words
/// walk, the short-word prefix walk, a collected long word and a clinician's care team.
#[test]
fn search_lists_names_in_collation_order() {
    let fixture = practice();
    for given in ["Zoë", "Ábel", "Aaron", "Émile", "Eve", "zack", "Østergaard", "Łukasz"] {
        fixture.client(given, "Test");
    }
    let expected = [
        "Aaron Test",
        "Ábel Test",
        "Émile Test",
        "Eve Test",
        "Łukasz Test",
        "Østergaard Test",
        "zack Test",
        "Zoë Test",
    ];
    for query in ["", "t", "te", "test", "TEST"] {
        assert_eq!(found(&fixture, query), expected, "{query:?}");
    }
    let as_clinician: Vec<String> = search(&fixture.vault, &fixture.clinician, "", false, test_now())
        .unwrap()
        .into_iter()
        .map(|client| client.display_name)
        .collect();
    assert_eq!(as_clinician, expected);
}

/// Issue 16: a vault made before migration 0180 (old index: lower-case words with their accents, prefixes
/// keyed by NOCASE name), opened by this build, is re-indexed: folded terms, sort keys, collation order.
#[test]
fn a_vault_indexed_the_old_way_is_reindexed_when_opened() {
    let crate::fixture::Practice { folder: _folder, vault, paths, recovery_code, owner, clinician, .. } = practice();
    for (given, family) in [("Zoë", "Müller"), ("Ábel", "Østergaard"), ("Aaron", "Ng"), ("שָׂרָה", "כהן")]
    {
        crate::clients::create(&vault, &clinician, client_input(given, family), test_now()).unwrap();
    }
    crate::testing::index_as_before_0180(&vault);
    let connection = vault.connection();
    let old_term: i64 = connection
        .query_row("SELECT count(*) FROM client_search_terms WHERE term = 'zoë'", [], |row| row.get(0))
        .unwrap();
    assert_eq!(old_term, 1, "the old index kept the accent");
    drop(vault);

    let vault = crate::Vault::open(&paths, crate::Unlock::RecoveryCode(&recovery_code)).unwrap();
    let count = |sql: &str| -> i64 { vault.connection().query_row(sql, [], |row| row.get(0)).unwrap() };
    assert_eq!(count("PRAGMA user_version"), crate::vault::migrations::latest_version());
    assert_eq!(count("SELECT count(*) FROM client_search_terms WHERE term = 'zoë'"), 0);
    assert_eq!(
        count("SELECT count(*) FROM client_search_terms WHERE term IN ('zoe', 'muller', 'ostergaard', 'שרה')"),
        4
    );
    assert_eq!(count("SELECT count(*) FROM client_sort_keys"), 4);
    assert_eq!(count("SELECT count(*) FROM client_search_prefixes WHERE prefix = 'zo'"), 1);
    let owner = crate::staff::Session::for_fixtures(&vault, owner.staff_id()).unwrap();
    let _ = clinician;
    let names = |query: &str| -> Vec<String> {
        search(&vault, &owner, query, false, test_now())
            .unwrap()
            .into_iter()
            .map(|client| client.display_name)
            .collect()
    };
    assert_eq!(names("zoe"), ["Zoë Müller"]);
    assert_eq!(names("MULLER"), ["Zoë Müller"]);
    assert_eq!(names("שרה"), ["שָׂרָה כהן"]);
    assert_eq!(names(""), ["Aaron Ng", "Ábel Østergaard", "Zoë Müller", "שָׂרָה כהן"]);

    // Rebuilding again changes nothing (the step may run any number of times).
    let snapshot = |vault: &crate::Vault| crate::vault::search_index::snapshot(vault.connection());
    let before = snapshot(&vault);
    crate::vault::search_index::rebuild(vault.connection()).unwrap();
    assert_eq!(snapshot(&vault), before);
}

/// Issue 16: the other lists of people are in collation order too: staff, and the re-consent dashboard.
#[test]
fn staff_and_reconsent_lists_are_in_collation_order() {
    let mut fixture = practice();
    let password = crate::SecretString::from(crate::fixture::PASSWORD);
    for (login, display_name) in
        [("zoe", "Zoë Zed"), ("abel", "Ábel Able"), ("emile", "Émile Eve"), ("lukasz", "Łukasz Lee")]
    {
        let new = crate::staff::NewStaff { login, display_name, role: Role::FrontDesk, password: &password };
        crate::staff::add(&mut fixture.vault, &fixture.owner, new, test_now()).unwrap();
    }
    let staff: Vec<String> = crate::staff::list(&fixture.vault, &fixture.owner, test_now())
        .unwrap()
        .into_iter()
        .map(|member| member.display_name)
        .collect();
    assert_eq!(
        staff,
        [
            "Ábel Able",
            "Carl Clinician",
            "Cora Clinician",
            "Émile Eve",
            "Fran Front",
            "Łukasz Lee",
            "Olivia Owner",
            "Zoë Zed"
        ]
    );
    for given in ["Zoë", "Ábel", "Aaron", "Émile", "Eve", "zack", "Østergaard", "Łukasz"] {
        fixture.client(given, "Test");
    }
    let rows: Vec<String> = crate::consent::reconsent_dashboard(&fixture.vault, &fixture.owner, test_now())
        .unwrap()
        .into_iter()
        .map(|row| row.client_name)
        .collect();
    let mut in_order = rows.clone();
    crate::collation::sort_by_name(&mut in_order, |name| name);
    assert_eq!(rows.len(), 8, "{rows:?}");
    assert_eq!(rows, in_order);
}
