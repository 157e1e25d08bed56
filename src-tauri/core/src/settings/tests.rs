//! Practice profile: defaults, checks (lengths, control characters, NPI, time zone), owners only, audit
//! without values, the export round trip, and what the set-up checklist still asks for.

use super::*;
use crate::consent::ConsentSettings;
use crate::error::ErrorCode;
use crate::fixture::{practice, Practice};
use crate::progress::Silent;
use crate::testing::test_now;

fn chicago() -> PracticeProfile {
    PracticeProfile {
        name: "Lakeside Counseling".into(),
        address: "12 Shore Drive\nSuite 4\nChicago, IL 60601".into(),
        phone: "(312) 555-0142".into(),
        licence_lines: "Licensed Clinical Social Worker, IL #149.012345".into(),
        npi: "1234567893".into(),
        time_zone: "America/Chicago".into(),
    }
}

/// A new vault whose only staff member is its owner.
fn solo_vault() -> (tempfile::TempDir, Vault, Session) {
    crate::fixture::owner_only("sam", "Sam Solo")
}

fn settings_audit(fixture: &Practice) -> Vec<String> {
    let mut statement = fixture
        .vault
        .connection()
        .prepare("SELECT detail FROM audit_log WHERE action = 'settings.changed' ORDER BY seq")
        .unwrap();
    statement.query_map([], |row| row.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
}

#[test]
fn an_unset_profile_is_empty_in_utc() {
    let fixture = practice();
    let profile = practice_profile(&fixture.vault, &fixture.front_desk, test_now()).unwrap();
    assert_eq!(profile, PracticeProfile::default());
    assert_eq!(profile.time_zone, "UTC");
    assert_eq!(store::practice_profile(fixture.vault.connection()).unwrap(), PracticeProfile::default());
}

#[test]
fn an_owner_sets_the_profile_and_everyone_reads_it() {
    let fixture = practice();
    let mut messy = chicago();
    messy.name = "  Lakeside Counseling ".into();
    messy.address = "12 Shore Drive\r\n\r\n  Suite 4 \nChicago, IL 60601\n".into();
    messy.npi = "123 456 7893".into();
    messy.time_zone = "america/chicago".into();
    let stored = set_practice_profile(&fixture.vault, &fixture.owner, messy, test_now()).unwrap();
    assert_eq!(stored, chicago(), "trimmed, blank lines dropped, NPI digits only, the database's spelling");
    for session in [&fixture.owner, &fixture.clinician, &fixture.front_desk] {
        assert_eq!(practice_profile(&fixture.vault, session, test_now()).unwrap(), chicago());
    }
}

#[test]
fn only_an_owner_changes_the_profile() {
    let fixture = practice();
    for session in [&fixture.clinician, &fixture.front_desk] {
        let error = set_practice_profile(&fixture.vault, session, chicago(), test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Forbidden, "{error}");
        let error = crate::setup::status(&fixture.vault, session, test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Forbidden, "{error}");
        let error = set_works_alone(&fixture.vault, session, true, test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Forbidden, "{error}");
    }
    assert_eq!(practice_profile(&fixture.vault, &fixture.owner, test_now()).unwrap(), PracticeProfile::default());
}

#[test]
fn bad_profiles_are_refused_naming_the_field() {
    let fixture = practice();
    type Spoil = Box<dyn Fn(&mut PracticeProfile)>;
    let cases: Vec<(&str, Spoil)> = vec![
        ("practice_name", Box::new(|p| p.name = "x".repeat(NAME_MAX_CHARS + 1))),
        ("practice_name", Box::new(|p| p.name = "Lakeside\nCounseling".into())),
        ("practice_name", Box::new(|p| p.name = "Lakeside\u{202E}Counseling".into())),
        ("practice_address", Box::new(|p| p.address = "line\n".repeat(MAX_LINES + 1))),
        ("practice_address", Box::new(|p| p.address = "y".repeat(LINES_MAX_CHARS + 1))),
        ("practice_address", Box::new(|p| p.address = "12 Shore\u{1b}[31m Drive".into())),
        ("practice_phone", Box::new(|p| p.phone = "call me".into())),
        ("practice_phone", Box::new(|p| p.phone = "555".into())),
        ("licence_lines", Box::new(|p| p.licence_lines = "LCSW\t#1".into())),
        ("npi", Box::new(|p| p.npi = "1234567890".into())),
        ("npi", Box::new(|p| p.npi = "12345".into())),
        ("time_zone", Box::new(|p| p.time_zone = "Mars/Olympus_Mons".into())),
        ("time_zone", Box::new(|p| p.time_zone = "Central Time".into())),
    ];
    for (field, spoil) in cases {
        let mut profile = chicago();
        spoil(&mut profile);
        let error = set_practice_profile(&fixture.vault, &fixture.owner, profile.clone(), test_now()).unwrap_err();
        match &error {
            Error::InvalidInput { field: got, reason } => {
                assert_eq!(*got, field, "{profile:?}: {error}");
                assert!(!reason.starts_with(field), "a whole sentence, no field prefix: {reason}");
            }
            other => panic!("{profile:?}: {other:?}"),
        }
    }
    assert_eq!(practice_profile(&fixture.vault, &fixture.owner, test_now()).unwrap(), PracticeProfile::default());
    // Empty optional fields and a missing time zone are fine (UTC).
    let sparse = PracticeProfile { name: "Solo".into(), time_zone: String::new(), ..Default::default() };
    let stored = set_practice_profile(&fixture.vault, &fixture.owner, sparse, test_now()).unwrap();
    assert_eq!(stored.time_zone, "UTC");
}

#[test]
fn npi_check_digit_follows_the_cms_rule() {
    for good in ["1234567893", "1245319599", "1003000126"] {
        assert!(is_valid_npi(good), "{good}");
    }
    for bad in ["1234567890", "1245319598", "123456789", "12345678931", "12345678a3"] {
        assert!(!is_valid_npi(bad), "{bad}");
    }
}

#[test]
fn time_zone_names_are_regions_of_the_bundled_database() {
    let names = time_zone_names();
    for expected in ["UTC", "America/Chicago", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu"] {
        assert!(names.iter().any(|name| name == expected), "{expected} missing");
    }
    assert!(!names.iter().any(|name| name == "US/Central" || name.starts_with("Etc/")), "legacy aliases listed");
    for name in &names {
        let profile = PracticeProfile { time_zone: name.clone(), ..Default::default() };
        assert_eq!(&check_profile(profile).unwrap().time_zone, name);
    }
}

#[test]
fn the_audit_names_changed_fields_never_their_values() {
    let fixture = practice();
    set_practice_profile(&fixture.vault, &fixture.owner, chicago(), test_now()).unwrap();
    let mut moved = chicago();
    moved.phone = "(312) 555-0199".into();
    moved.time_zone = "America/New_York".into();
    set_practice_profile(&fixture.vault, &fixture.owner, moved.clone(), test_now()).unwrap();
    // Saving the same profile again records nothing.
    set_practice_profile(&fixture.vault, &fixture.owner, moved, test_now()).unwrap();
    let details = settings_audit(&fixture);
    assert_eq!(
        details,
        [
            "practice profile: name, address, phone, licence lines, NPI, time zone changed",
            "practice profile: phone, time zone changed",
        ]
    );
    let trail = fixture.audit_text();
    for value in ["Lakeside", "Shore Drive", "555-0142", "149.012345", "1234567893", "Chicago"] {
        assert!(!trail.contains(value), "{value} in the audit trail");
    }
}

#[test]
fn the_profile_leaves_in_the_practice_export_and_comes_back() {
    let fixture = practice();
    set_practice_profile(&fixture.vault, &fixture.owner, chicago(), test_now()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("practice.json");
    crate::export::practice::export_practice_file(&fixture.vault, &fixture.owner, &file, test_now(), &Silent).unwrap();
    let (_folder, target, owner) = solo_vault();
    assert_eq!(practice_profile(&target, &owner, test_now()).unwrap(), PracticeProfile::default());
    crate::export::import(&target, &owner, &file, test_now(), &Silent).unwrap();
    assert_eq!(practice_profile(&target, &owner, test_now()).unwrap(), chicago());
}

#[test]
fn setup_status_lists_what_is_left_until_all_is_done() {
    let (folder, vault, owner) = solo_vault();
    let missing = || crate::setup::status(&vault, &owner, test_now()).unwrap().missing;
    assert_eq!(missing(), crate::setup::SetupStep::ALL.to_vec(), "a new vault has everything left to do");

    let named = PracticeProfile { name: "Lakeside Counseling".into(), ..Default::default() };
    set_practice_profile(&vault, &owner, named, test_now()).unwrap();
    assert!(!missing().contains(&crate::setup::SetupStep::PracticeName));
    assert!(missing().contains(&crate::setup::SetupStep::Letterhead), "a name alone is no letterhead");
    let with_npi =
        PracticeProfile { name: "Lakeside Counseling".into(), npi: "1234567893".into(), ..Default::default() };
    set_practice_profile(&vault, &owner, with_npi, test_now()).unwrap();
    assert!(!missing().contains(&crate::setup::SetupStep::Letterhead));

    let platform = ConsentSettings { platform: "Doxy.me".into(), ..Default::default() };
    crate::consent::set_settings(&vault, &owner, platform, test_now()).unwrap();
    assert_eq!(missing(), [crate::setup::SetupStep::BackupFolder, crate::setup::SetupStep::Staff]);

    let backups = crate::backups::BackupSettings { folder: Some(folder.path().to_owned()), keep: 3 };
    crate::backups::set_settings(&vault, &owner, &backups, test_now()).unwrap();
    assert_eq!(missing(), [crate::setup::SetupStep::Staff]);

    set_works_alone(&vault, &owner, true, test_now()).unwrap();
    assert!(missing().is_empty(), "an owner who works alone has nothing left");
    set_works_alone(&vault, &owner, false, test_now()).unwrap();
    assert_eq!(missing(), [crate::setup::SetupStep::Staff]);
}

#[test]
fn a_colleague_counts_as_staff_added() {
    let fixture = practice();
    let missing = crate::setup::status(&fixture.vault, &fixture.owner, test_now()).unwrap().missing;
    assert!(!missing.contains(&crate::setup::SetupStep::Staff), "{missing:?}");
    assert!(missing.contains(&crate::setup::SetupStep::PracticeName));
}

#[test]
fn the_people_who_may_change_a_setting_are_the_active_owners() {
    let fixture = practice();
    let names = names_allowed(fixture.vault.connection(), Operation::ChangeConsentSettings).unwrap();
    assert_eq!(names, ["Olivia Owner"]);
}
