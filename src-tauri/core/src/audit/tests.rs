use super::*;
use crate::fixture::{practice, Practice};
use crate::staff::Role;
use crate::testing::test_now;
use crate::ErrorCode;

/// A practice with a few dozen audited actions.
fn busy_practice() -> Practice {
    let fixture = practice();
    for index in 0..5 {
        let client = fixture.client("Client", &format!("Number{index}"));
        crate::clients::get(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap();
    }
    fixture
}

/// What an attacker with the data key and a SQL shell could do: drop the append-only triggers first.
fn tamper(fixture: &Practice, sql: &str) {
    fixture
        .vault
        .connection()
        .execute_batch(&format!("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {sql}"))
        .unwrap();
}

#[test]
fn an_untouched_chain_verifies_and_its_head_moves_with_each_entry() {
    let fixture = busy_practice();
    let first = verify(&fixture.vault).unwrap();
    assert!(first.ok, "{first:?}");
    assert_eq!(first.entries as usize, fixture.audit_actions().len());
    crate::clients::search(&fixture.vault, &fixture.owner, "", false, test_now()).unwrap();
    crate::clients::get(&fixture.vault, &fixture.owner, &fixture.client("A", "B"), test_now()).unwrap();
    let second = verify(&fixture.vault).unwrap();
    assert!(second.ok);
    assert_ne!(first.head_hash, second.head_hash);
}

#[test]
fn the_database_refuses_updates_and_deletes_of_entries() {
    let fixture = busy_practice();
    for sql in ["UPDATE audit_log SET detail = 'x' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2"] {
        let error = fixture.vault.connection().execute(sql, []).unwrap_err();
        assert!(error.to_string().contains("append-only"), "{error}");
    }
    assert!(verify(&fixture.vault).unwrap().ok);
}

#[test]
fn editing_any_field_is_detected_at_that_entry() {
    for column in ["at", "actor_id", "action", "client_id", "detail"] {
        let fixture = busy_practice();
        tamper(&fixture, &format!("UPDATE audit_log SET {column} = 'forged' WHERE seq = 4"));
        let verification = verify(&fixture.vault).unwrap();
        assert!(!verification.ok, "{column}");
        assert_eq!(verification.first_bad_seq, Some(4), "{column}: {verification:?}");
    }
}

#[test]
fn deleting_inserting_reordering_or_cutting_entries_is_detected() {
    let fixture = busy_practice();
    tamper(&fixture, "DELETE FROM audit_log WHERE seq = 3");
    let verification = verify(&fixture.vault).unwrap();
    assert_eq!(verification.first_bad_seq, Some(3), "{verification:?}");
    assert!(verification.problem.unwrap().contains("missing"));

    let fixture = busy_practice();
    // Insert a forged entry after 2 and renumber the rest: the next entry no longer follows.
    tamper(
        &fixture,
        "UPDATE audit_log SET seq = seq + 1000 WHERE seq > 2;
         UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000;
         INSERT INTO audit_log (seq, at, actor_id, action, client_id, detail, prev_hash, hash)
         SELECT 3, at, actor_id, 'client.viewed', client_id, 'forged', hash, hash FROM audit_log WHERE seq = 2;",
    );
    let verification = verify(&fixture.vault).unwrap();
    assert!(!verification.ok);
    assert_eq!(verification.first_bad_seq, Some(3), "{verification:?}");

    let fixture = busy_practice();
    // Swap two entries' places.
    tamper(
        &fixture,
        "UPDATE audit_log SET seq = -1 WHERE seq = 5;
         UPDATE audit_log SET seq = 5 WHERE seq = 6;
         UPDATE audit_log SET seq = 6 WHERE seq = -1;",
    );
    let verification = verify(&fixture.vault).unwrap();
    assert_eq!(verification.first_bad_seq, Some(5), "{verification:?}");

    let fixture = busy_practice();
    let total = fixture.audit_actions().len() as i64;
    tamper(&fixture, &format!("DELETE FROM audit_log WHERE seq > {}", total - 2));
    let verification = verify(&fixture.vault).unwrap();
    assert!(!verification.ok);
    assert_eq!(verification.first_bad_seq, Some(total - 1), "{verification:?}");
    assert!(verification.problem.unwrap().contains("removed from the end"));
}

#[test]
fn only_owners_list_or_verify_and_filters_narrow_the_listing() {
    let fixture = busy_practice();
    let filter = AuditFilter { limit: 100, ..AuditFilter::default() };
    for role in [Role::Clinician, Role::FrontDesk] {
        let error = list(&fixture.vault, fixture.session(role), &filter, test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Forbidden);
        let error = verify_as(&fixture.vault, fixture.session(role), test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Forbidden);
    }
    let owner_lists = |narrowed: AuditFilter| list(&fixture.vault, &fixture.owner, &narrowed, test_now());
    let all = owner_lists(filter.clone()).unwrap();
    assert!(all.windows(2).all(|pair| pair[0].seq > pair[1].seq), "newest first");
    let viewed = owner_lists(AuditFilter { action: Some("client.viewed".into()), ..filter.clone() }).unwrap();
    assert_eq!(viewed.len(), 5);
    assert!(viewed.iter().all(|entry| entry.actor_name.as_deref() == Some("Carl Clinician")));
    let family = owner_lists(AuditFilter { action: Some("client.".into()), ..filter.clone() }).unwrap();
    assert_eq!(family.len(), 10, "5 created + 5 viewed");
    let client = viewed[0].client_id.clone().unwrap();
    let about = owner_lists(AuditFilter { client_id: Some(client), ..filter.clone() }).unwrap();
    assert_eq!(about.len(), 2);
    // Each entry names its client by record number too (what people read and type; the id stays inside).
    let numbers: std::collections::BTreeSet<String> =
        family.iter().map(|entry| entry.client_record_number.expect("a client's number").to_string()).collect();
    assert_eq!(numbers.into_iter().collect::<Vec<_>>(), ["R-0001", "R-0002", "R-0003", "R-0004", "R-0005"]);
    let page = owner_lists(AuditFilter { before_seq: Some(3), ..filter.clone() }).unwrap();
    assert_eq!(page.iter().map(|entry| entry.seq).collect::<Vec<_>>(), [2, 1]);
    let tomorrow = test_now().date().next_day().unwrap();
    let none = owner_lists(AuditFilter { from: Some(tomorrow), ..filter.clone() }).unwrap();
    assert!(none.is_empty());
    let error = owner_lists(AuditFilter { limit: 0, ..filter }).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    let verification = verify_as(&fixture.vault, &fixture.owner, test_now()).unwrap();
    assert!(verification.ok);
    assert!(fixture.audit_actions().ends_with(&[actions::AUDIT_VERIFIED.to_owned()]));
}

/// Append one entry at `at` through the real `append`, in its own transaction.
fn append_at(fixture: &Practice, at: OffsetDateTime, detail: &str) -> i64 {
    fixture.vault.transaction(|transaction| append(transaction, at, None, actions::UNLOCK, None, detail)).unwrap()
}

#[test]
fn an_entry_earlier_than_the_one_before_is_kept_marked_and_reported() {
    let fixture = busy_practice();
    let clean = verify(&fixture.vault).unwrap();
    assert_eq!((clean.went_back, clean.first_went_back_seq), (0, None));

    let an_hour_ago = test_now() - time::Duration::hours(1);
    let first_back = append_at(&fixture, an_hour_ago, "clock set back");
    let after = append_at(&fixture, an_hour_ago + time::Duration::minutes(1), "moving forward again");
    let second_back = append_at(&fixture, an_hour_ago, "set back again");
    let marks: Vec<(i64, bool)> = fixture
        .vault
        .connection()
        .prepare("SELECT seq, went_back FROM audit_log WHERE seq >= ?1 ORDER BY seq")
        .unwrap()
        .query_map([first_back], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(marks, [(first_back, true), (after, false), (second_back, true)]);

    let verification = verify(&fixture.vault).unwrap();
    assert!(verification.ok, "going back in time is not tampering: {verification:?}");
    assert_eq!((verification.went_back, verification.first_went_back_seq), (2, Some(first_back)));
    let listed =
        list(&fixture.vault, &fixture.owner, &AuditFilter { limit: 5, ..AuditFilter::default() }, test_now()).unwrap();
    assert!(listed.iter().any(|entry| entry.seq == second_back && entry.went_back));

    // The mark is covered by the hash: removing it (or adding one) breaks the chain at that entry.
    tamper(&fixture, &format!("UPDATE audit_log SET went_back = 0 WHERE seq = {first_back}"));
    let verification = verify(&fixture.vault).unwrap();
    assert_eq!(verification.first_bad_seq, Some(first_back), "{verification:?}");
}

#[test]
fn entries_written_before_the_mark_existed_verify_as_before() {
    // The hash of an unmarked entry is the original formula (no extra byte), so a chain written by an
    // older build verifies unchanged; a marked entry hashes differently.
    let unmarked = chain::entry_hash(1, chain::GENESIS, "2026-11-23T09:00:00Z", None, "vault.unlock", None, "", false);
    let marked = chain::entry_hash(1, chain::GENESIS, "2026-11-23T09:00:00Z", None, "vault.unlock", None, "", true);
    assert_ne!(unmarked, marked);
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut hasher, b"saferoom-audit-v1");
    sha2::Digest::update(&mut hasher, 1i64.to_be_bytes());
    for field in [Some(chain::GENESIS), Some("2026-11-23T09:00:00Z"), None, Some("vault.unlock"), None, Some("")] {
        match field {
            Some(text) => {
                sha2::Digest::update(&mut hasher, [1u8]);
                sha2::Digest::update(&mut hasher, (text.len() as u64).to_be_bytes());
                sha2::Digest::update(&mut hasher, text.as_bytes());
            }
            None => sha2::Digest::update(&mut hasher, [0u8]),
        }
    }
    assert_eq!(unmarked, hex::encode(sha2::Digest::finalize(hasher)), "the version-1 formula, unchanged");

    // An older entry that goes back in time without a mark still verifies, and is counted.
    let fixture = busy_practice();
    let last: (i64, String) = fixture
        .vault
        .connection()
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    let seq = last.0 + 1;
    let at = "2020-01-01T00:00:00Z";
    let hash = chain::entry_hash(seq, &last.1, at, None, "vault.unlock", None, "old build", false);
    fixture
        .vault
        .connection()
        .execute(
            "INSERT INTO audit_log (seq, at, actor_id, action, client_id, detail, prev_hash, hash)
             VALUES (?1, ?2, NULL, 'vault.unlock', NULL, 'old build', ?3, ?4)",
            rusqlite::params![seq, at, last.1, hash],
        )
        .unwrap();
    fixture
        .vault
        .connection()
        .execute("UPDATE vault_meta SET value = ?1 WHERE key = 'audit_head'", [format!("{seq}:{hash}")])
        .unwrap();
    let verification = verify(&fixture.vault).unwrap();
    assert!(verification.ok, "{verification:?}");
    assert_eq!((verification.went_back, verification.first_went_back_seq), (1, Some(seq)));
}

#[test]
fn a_clock_that_cannot_be_written_is_a_typed_error() {
    let fixture = busy_practice();
    // RFC 3339 has four-digit years only; a clock before year 0 cannot be written down.
    let before_year_zero =
        time::Date::from_calendar_date(-1, time::Month::December, 31).unwrap().midnight().assume_utc();
    let error = fixture
        .vault
        .transaction(|transaction| append(transaction, before_year_zero, None, actions::UNLOCK, None, ""))
        .unwrap_err();
    assert!(matches!(error, crate::Error::InvalidInput { field: "clock", .. }), "{error:?}");
}
