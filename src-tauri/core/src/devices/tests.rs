//! Devices on a real vault: pairing, the list, revocation for good, a key paired once ever, bad input, and the
//! database refusing to bring a revoked device back even to someone holding the key. Who may do each is in
//! `access/tests.rs` (the permission table, cell by cell).

use super::*;
use crate::fixture::{practice, Practice};
use crate::testing::test_now;
use crate::ErrorCode;

fn new<'a>(name: &'a str, key: &'a [u8]) -> NewDevice<'a> {
    NewDevice { name, kind: DeviceKind::Workstation, public_key: key }
}

fn count(fixture: &Practice, sql: &str) -> i64 {
    fixture.vault.connection().query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn an_owner_pairs_lists_and_revokes_a_device_and_each_is_audited() {
    let fixture = practice();
    let now = test_now();
    let device = pair(&fixture.vault, &fixture.owner, new("  Front desk ", b"key one"), now).unwrap();
    assert_eq!(device.name, "Front desk");
    assert_eq!(device.kind, DeviceKind::Workstation);
    assert_eq!(device.paired_by, *fixture.owner.staff_id());
    assert!(device.is_active() && device.last_seen_at.is_none());
    assert_eq!(is_paired(&fixture.vault, b"key one").unwrap(), Some(device.id.clone()));
    assert_eq!(is_paired(&fixture.vault, b"another key").unwrap(), None);

    let tablet = pair(
        &fixture.vault,
        &fixture.owner,
        NewDevice { name: "Room 2 tablet", kind: DeviceKind::Tablet, public_key: b"key two" },
        now + time::Duration::minutes(1),
    )
    .unwrap();
    let listed = list(&fixture.vault, &fixture.owner, now).unwrap();
    assert_eq!(listed, vec![tablet.clone(), device.clone()], "newest first");

    seen(&fixture.vault, &device.id, now + time::Duration::minutes(5)).unwrap();
    let revoked = revoke(&fixture.vault, &fixture.owner, &device.id, now + time::Duration::minutes(10)).unwrap();
    assert!(!revoked.is_active());
    assert_eq!(revoked.revoked_by.as_ref(), Some(fixture.owner.staff_id()));
    assert!(revoked.last_seen_at.is_some());
    assert_eq!(is_paired(&fixture.vault, b"key one").unwrap(), None, "the hub refuses it from now on");
    assert_eq!(is_paired(&fixture.vault, b"key two").unwrap(), Some(tablet.id), "the other one is untouched");

    // Revoking again changes nothing and records nothing; a revoked device is not "seen" any more.
    let again = revoke(&fixture.vault, &fixture.owner, &device.id, now + time::Duration::hours(1)).unwrap();
    assert_eq!(again, revoked);
    seen(&fixture.vault, &device.id, now + time::Duration::hours(2)).unwrap();
    assert_eq!(store::load(fixture.vault.connection(), &device.id).unwrap().unwrap(), revoked);

    let actions = fixture.audit_actions();
    assert_eq!(actions.iter().filter(|action| *action == actions::DEVICE_PAIRED).count(), 2);
    assert_eq!(actions.iter().filter(|action| *action == actions::DEVICE_REVOKED).count(), 1);
    let text = fixture.audit_text();
    assert!(text.contains("device.paired Front desk (workstation)"), "{text}");
    assert!(text.contains("device.revoked Front desk"), "{text}");
    assert!(crate::audit::verify(&fixture.vault).unwrap().ok);
}

#[test]
fn a_key_is_paired_once_ever_and_a_revoked_computer_needs_a_new_key() {
    let fixture = practice();
    let now = test_now();
    let device = pair(&fixture.vault, &fixture.owner, new("Front desk", b"key one"), now).unwrap();
    let twice = pair(&fixture.vault, &fixture.owner, new("Front desk again", b"key one"), now).unwrap_err();
    assert_eq!(twice.code(), ErrorCode::Conflict);
    assert!(twice.to_string().contains("already paired, as \"Front desk\""), "{twice}");

    revoke(&fixture.vault, &fixture.owner, &device.id, now).unwrap();
    let back = pair(&fixture.vault, &fixture.owner, new("Front desk", b"key one"), now).unwrap_err();
    assert_eq!(back.code(), ErrorCode::Conflict);
    assert!(back.to_string().contains("only with a new key"), "{back}");
    assert_eq!(count(&fixture, "SELECT count(*) FROM devices"), 1, "refusals store nothing");

    let renewed = pair(&fixture.vault, &fixture.owner, new("Front desk", b"key one, made again"), now).unwrap();
    assert!(renewed.is_active() && renewed.id != device.id);
}

#[test]
fn bad_input_is_refused_with_its_field_and_changes_nothing() {
    let fixture = practice();
    let entries = count(&fixture, "SELECT count(*) FROM audit_log");
    let long = "x".repeat(NAME_MAX_CHARS + 1);
    let big_key = vec![7u8; PUBLIC_KEY_MAX_BYTES + 1];
    for (name, key, field) in [
        ("", b"key".as_slice(), "name"),
        ("   ", b"key".as_slice(), "name"),
        (long.as_str(), b"key".as_slice(), "name"),
        ("Front\ndesk", b"key".as_slice(), "name"),
        ("Front desk", b"".as_slice(), "public_key"),
        ("Front desk", big_key.as_slice(), "public_key"),
    ] {
        let error = pair(&fixture.vault, &fixture.owner, new(name, key), test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{name:?}");
        assert_eq!(error.field(), Some(field), "{name:?}: {error}");
        assert!(!error.to_string().contains(':'), "plain words: {error}");
    }
    assert!(pair(&fixture.vault, &fixture.owner, new(&"é".repeat(NAME_MAX_CHARS), b"key"), test_now()).is_ok());
    assert_eq!(count(&fixture, "SELECT count(*) FROM devices"), 1);
    assert_eq!(count(&fixture, "SELECT count(*) FROM audit_log"), entries + 1, "only the good one is recorded");
    assert_eq!(DeviceKind::parse("phone").unwrap_err().field(), Some("kind"));

    let unknown = crate::ids::DeviceId::generate();
    let error = revoke(&fixture.vault, &fixture.owner, &unknown, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::NotFound);
}

#[test]
fn the_database_keeps_a_revoked_device_revoked_even_for_someone_holding_the_key() {
    let fixture = practice();
    let now = test_now();
    let active = pair(&fixture.vault, &fixture.owner, new("Front desk", b"key one"), now).unwrap();
    let gone = pair(&fixture.vault, &fixture.owner, new("Old laptop", b"key two"), now).unwrap();
    revoke(&fixture.vault, &fixture.owner, &gone.id, now).unwrap();
    let connection = fixture.vault.connection();
    let refused = |sql: &str, id: &crate::ids::DeviceId| {
        let error = connection.execute(sql, [id]).unwrap_err();
        assert!(error.to_string().contains("revoked"), "{sql}: {error}");
    };
    refused("UPDATE devices SET revoked_at = NULL, revoked_by = NULL WHERE id = ?1", &gone.id);
    refused("UPDATE devices SET last_seen_at = 'now' WHERE id = ?1", &gone.id);
    refused("DELETE FROM devices WHERE id = ?1", &gone.id);
    // A paired device's key, name or pairing cannot be swapped either; only last seen and the revocation.
    refused("UPDATE devices SET public_key = x'00' WHERE id = ?1", &active.id);
    refused("UPDATE devices SET name = 'Owner''s office' WHERE id = ?1", &active.id);
    refused("DELETE FROM devices WHERE id = ?1", &active.id);
    connection.execute("UPDATE devices SET last_seen_at = '2026-12-02T10:00:00Z' WHERE id = ?1", [&active.id]).unwrap();
    assert_eq!(is_paired(&fixture.vault, b"key two").unwrap(), None);
    assert_eq!(is_paired(&fixture.vault, b"key one").unwrap(), Some(active.id));
}
