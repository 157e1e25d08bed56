use super::*;
use crate::fixture::practice;
use crate::testing::test_now;
use crate::ErrorCode;

#[test]
fn a_request_is_due_thirty_days_after_receipt_and_extends_once() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let today = test_now().date();
    let received = (today - Duration::days(5)).to_string();
    let request = record_access_request(&fixture.vault, &fixture.front_desk, &client, &received, test_now()).unwrap();
    assert_eq!(request.due_on, today + Duration::days(25));
    assert_eq!(request.days_left(today), Some(25));
    for bad in ["2026-02-30", &(today + Duration::days(1)).to_string(), "2020-01-01"] {
        let error = record_access_request(&fixture.vault, &fixture.owner, &client, bad, test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{bad}");
    }
    let error =
        extend_access_request(&fixture.vault, &fixture.front_desk, &request.id, "records in storage", test_now());
    assert_eq!(error.unwrap_err().code(), ErrorCode::Forbidden);
    let error = extend_access_request(&fixture.vault, &fixture.owner, &request.id, "short", test_now());
    assert_eq!(error.unwrap_err().code(), ErrorCode::InvalidInput);
    let extended = extend_access_request(
        &fixture.vault,
        &fixture.owner,
        &request.id,
        "records are in off-site storage",
        test_now(),
    )
    .unwrap();
    assert_eq!(extended.deadline(), today + Duration::days(55));
    let again = extend_access_request(&fixture.vault, &fixture.owner, &request.id, "and once more please", test_now());
    assert_eq!(again.unwrap_err().code(), ErrorCode::Conflict);

    let late = record_access_request(&fixture.vault, &fixture.owner, &client, &today.to_string(), test_now()).unwrap();
    let after_deadline = test_now() + Duration::days(31);
    let error =
        extend_access_request(&fixture.vault, &fixture.owner, &late.id, "too late to ask for this", after_deadline);
    assert_eq!(error.unwrap_err().code(), ErrorCode::Conflict, "an extension must come before the deadline");
    assert_eq!(late.days_left(after_deadline.date()), Some(-1), "overdue shows as negative");

    let open = list_access_requests(&fixture.vault, &fixture.owner, true, test_now()).unwrap();
    assert_eq!(open.len(), 2);
    assert!(open[0].deadline() <= open[1].deadline(), "soonest deadline first");
    assert_eq!(list_access_requests(&fixture.vault, &fixture.other_clinician, true, test_now()).unwrap().len(), 0);
    crate::access::break_glass(
        &fixture.vault,
        &fixture.other_clinician,
        &client,
        "covering an urgent request",
        test_now(),
    )
    .unwrap();
    assert_eq!(
        list_access_requests(&fixture.vault, &fixture.other_clinician, true, test_now()).unwrap().len(),
        2,
        "emergency access shows that client's requests"
    );
    assert_eq!(list_access_requests(&fixture.vault, &fixture.clinician, true, test_now()).unwrap().len(), 2);
}

#[test]
fn psychotherapy_authorizations_are_checked_and_belong_to_their_author() {
    let fixture = practice();
    let client = fixture.client("Ada", "Lovelace");
    let record = |session: &Session, signed: &str, expires: &str| {
        record_psychotherapy_authorization(
            &fixture.vault,
            session,
            &client,
            "Dr. Rivera, psychiatrist",
            "Coordination of care",
            signed,
            expires,
            test_now(),
        )
    };
    assert_eq!(record(&fixture.clinician, "2026-11-01", "2026-10-01").unwrap_err().code(), ErrorCode::InvalidInput);
    assert_eq!(record(&fixture.clinician, "2099-11-01", "2099-12-01").unwrap_err().code(), ErrorCode::InvalidInput);
    assert_eq!(record(&fixture.front_desk, "2026-11-01", "2027-11-01").unwrap_err().code(), ErrorCode::Forbidden);
    assert_eq!(record(&fixture.other_clinician, "2026-11-01", "2027-11-01").unwrap_err().code(), ErrorCode::Forbidden);
    record(&fixture.clinician, "2026-11-01", "2027-11-01").unwrap();
    assert_eq!(
        list_psychotherapy_authorizations(&fixture.vault, &fixture.clinician, &client, test_now()).unwrap().len(),
        1
    );
    assert!(list_psychotherapy_authorizations(&fixture.vault, &fixture.owner, &client, test_now()).unwrap().is_empty());
}

#[test]
fn fulfilled_requests_follow_the_open_ones_and_only_the_care_team_records_one() {
    let fixture = practice();
    let ada = fixture.client("Ada", "Lovelace");
    let today = test_now().date();
    let older = (today - Duration::days(20)).to_string();
    let newer = (today - Duration::days(2)).to_string();
    let first = record_access_request(&fixture.vault, &fixture.front_desk, &ada, &older, test_now()).unwrap();
    let second = record_access_request(&fixture.vault, &fixture.front_desk, &ada, &newer, test_now()).unwrap();
    // The older request (the sooner deadline) is fulfilled by an export.
    let out = tempfile::tempdir().unwrap();
    crate::export::export_client(&fixture.vault, &fixture.clinician, &ada, out.path(), Some(&first.id), test_now())
        .unwrap();
    let all = list_access_requests(&fixture.vault, &fixture.owner, false, test_now()).unwrap();
    let order: Vec<_> = all.iter().map(|request| (&request.id, request.fulfilled_at.is_some())).collect();
    assert_eq!(order, [(&second.id, false), (&first.id, true)], "open requests first, fulfilled after");

    // A clinician who is not on Ada's care team may neither record a request nor export her record.
    let error = record_access_request(&fixture.vault, &fixture.other_clinician, &ada, &newer, test_now());
    assert_eq!(error.unwrap_err().code(), ErrorCode::Forbidden);
    let other_out = tempfile::tempdir().unwrap();
    let error = crate::export::export_client(
        &fixture.vault,
        &fixture.other_clinician,
        &ada,
        other_out.path(),
        None,
        test_now(),
    );
    assert_eq!(error.unwrap_err().code(), ErrorCode::Forbidden);
    assert_eq!(std::fs::read_dir(other_out.path()).unwrap().count(), 0, "a refused export writes nothing");
    assert_eq!(list_access_requests(&fixture.vault, &fixture.owner, false, test_now()).unwrap().len(), 2);
}
