use super::*;
use crate::fixture::{practice, PASSWORD};
use crate::testing::{snapshot, test_now};
use crate::ErrorCode;
use time::Duration;

fn password(text: &str) -> SecretString {
    SecretString::from(text)
}

#[test]
fn sign_in_on_an_open_vault_audits_success_and_failure_alike_for_unknown_logins() {
    let fixture = practice();
    let mut throttle = LoginThrottle::default();
    let session = sign_in(&fixture.vault, &mut throttle, "Carl", &password(PASSWORD), test_now()).unwrap();
    assert_eq!(session.login(), "carl");
    assert_eq!(session.role(), Role::Clinician);

    let wrong = sign_in(&fixture.vault, &mut throttle, "carl", &password("not the password!"), test_now()).unwrap_err();
    let unknown = sign_in(&fixture.vault, &mut throttle, "nobody", &password(PASSWORD), test_now()).unwrap_err();
    assert_eq!(wrong.to_string(), unknown.to_string(), "the answer must not tell which logins exist");
    assert_eq!(wrong.code(), ErrorCode::WrongSecret);
    let audit = fixture.audit_actions();
    assert_eq!(audit.iter().filter(|action| *action == actions::SIGN_IN).count(), 1);
    assert_eq!(audit.iter().filter(|action| *action == actions::SIGN_IN_FAILED).count(), 2);
    assert!(!fixture.audit_text().contains(PASSWORD));
}

#[test]
fn a_staff_password_opens_a_closed_vault_and_failures_are_audited_once_it_opens() {
    let fixture = practice();
    let paths = fixture.paths.clone();
    fixture.vault.lock();
    let before = snapshot(fixture.folder.path());
    let mut throttle = LoginThrottle::default();
    let error =
        open_and_sign_in(&paths, &mut throttle, "fran", &password("wrong password here"), test_now()).unwrap_err();
    assert!(matches!(error, Error::WrongSecret(SecretKind::Password)), "{error:?}");
    assert_eq!(snapshot(fixture.folder.path()), before, "a failed sign-in changes no file");

    let (vault, session) = open_and_sign_in(&paths, &mut throttle, "fran", &password(PASSWORD), test_now()).unwrap();
    assert_eq!(session.role(), Role::FrontDesk);
    assert_eq!(*vault.opened_with(), OpenedWith::StaffPassword(session.staff_id().to_string()));
    let mut statement = vault.connection().prepare("SELECT action, detail FROM audit_log ORDER BY seq").unwrap();
    let rows: Vec<(String, String)> =
        statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect();
    let failed = rows.iter().position(|(action, _)| action == actions::SIGN_IN_FAILED).expect("failure audited");
    assert!(rows[failed].1.contains("fran"));
    let signed_in = rows.iter().rposition(|(action, _)| action == actions::SIGN_IN).unwrap();
    assert!(failed < signed_in);
}

#[test]
fn repeated_failures_are_throttled_per_login_with_growing_waits() {
    let mut throttle = LoginThrottle::default();
    let start = test_now();
    for attempt in 0..FREE_ATTEMPTS {
        throttle.begin_attempt("carl", start).unwrap_or_else(|error| panic!("attempt {attempt}: {error}"));
    }
    let error = throttle.check("Carl", start).unwrap_err();
    assert!(matches!(error, Error::Throttled { retry_after_seconds: 2 }), "{error:?}");
    assert_eq!(error.code(), ErrorCode::Throttled);
    throttle.check("fran", start).expect("other logins are not affected");
    let mut later = start + Duration::seconds(2);
    throttle.begin_attempt("carl", later).unwrap();
    assert!(matches!(throttle.check("carl", later), Err(Error::Throttled { retry_after_seconds: 4 })));
    assert!(matches!(throttle.begin_attempt("carl", later), Err(Error::Throttled { .. })), "a refused attempt");
    for _ in 0..30 {
        later += Duration::seconds(301);
        throttle.begin_attempt("carl", later).unwrap();
    }
    assert!(matches!(throttle.check("carl", later), Err(Error::Throttled { retry_after_seconds: 300 })));
    let clock_set_back = later - Duration::days(1);
    assert!(matches!(throttle.check("carl", clock_set_back), Err(Error::Throttled { retry_after_seconds: 300 })));
    throttle.succeeded("carl");
    throttle.check("carl", later).unwrap();
}

/// Issue 18: the wait survives a restart (a new throttle on the same vault, as a new process makes) and is
/// shared by two instances at once; only the `.signin` record changes.
#[test]
fn failed_sign_ins_are_kept_beside_the_vault_for_restarts_and_second_instances() {
    let fixture = practice();
    let paths = fixture.paths.clone();
    fixture.vault.lock();
    let before = snapshot(fixture.folder.path());
    let mut first = LoginThrottle::beside(&paths);
    let mut second = LoginThrottle::beside(&paths);
    for attempt in 0..3 {
        let throttle = if attempt == 1 { &mut second } else { &mut first };
        let error =
            open_and_sign_in(&paths, throttle, "fran", &password("wrong password here"), test_now()).unwrap_err();
        assert!(matches!(error, Error::WrongSecret(_)), "attempt {attempt}: {error:?}");
    }
    let record_path = throttle::state_path(&paths.database);
    let changed: Vec<std::path::PathBuf> = snapshot(fixture.folder.path())
        .into_iter()
        .filter(|entry| !before.contains(entry))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(changed, vec![record_path.clone()], "only the sign-in record changes");
    let record = std::fs::read_to_string(&record_path).unwrap();
    assert!(!record.contains("fran"), "no login in clear: {record}");

    let mut restarted = LoginThrottle::beside(&paths);
    for throttle in [&mut first, &mut second, &mut restarted] {
        let error = open_and_sign_in(&paths, throttle, "fran", &password(PASSWORD), test_now()).unwrap_err();
        assert!(matches!(error, Error::Throttled { retry_after_seconds: 2 }), "{error:?}");
    }
    let (vault, _) =
        open_and_sign_in(&paths, &mut restarted, "fran", &password(PASSWORD), test_now() + Duration::seconds(2))
            .unwrap();
    drop(vault);
    first.check("fran", test_now()).expect("a success clears the record for every instance");
}

/// Two instances guessing at the same moment both count: the attempt is counted before the password is tried.
#[test]
fn an_attempt_counts_before_its_password_is_tried() {
    let fixture = practice();
    let paths = fixture.paths.clone();
    let mut first = LoginThrottle::beside(&paths);
    let mut second = LoginThrottle::beside(&paths);
    for attempt in 0..3 {
        let throttle = if attempt == 1 { &mut second } else { &mut first };
        throttle.begin_attempt("carl", test_now()).unwrap();
    }
    assert!(matches!(second.begin_attempt("carl", test_now()), Err(Error::Throttled { .. })));
    // A damaged record counts as none and is replaced, rather than locking everyone out.
    let record_path = throttle::state_path(&paths.database);
    std::fs::write(&record_path, b"{not json").unwrap();
    first.begin_attempt("carl", test_now()).unwrap();
    assert!(std::fs::read_to_string(&record_path).unwrap().starts_with("{\"version\":1"));
}

#[test]
fn a_throttled_sign_in_does_not_even_try_the_password() {
    let fixture = practice();
    let mut throttle = LoginThrottle::default();
    for _ in 0..FREE_ATTEMPTS {
        sign_in(&fixture.vault, &mut throttle, "carl", &password("wrong password here"), test_now()).unwrap_err();
    }
    let error = sign_in(&fixture.vault, &mut throttle, "carl", &password(PASSWORD), test_now()).unwrap_err();
    assert!(matches!(error, Error::Throttled { .. }), "{error:?}");
    sign_in(&fixture.vault, &mut throttle, "carl", &password(PASSWORD), test_now() + Duration::seconds(3)).unwrap();
}

#[test]
fn disabling_removes_the_key_slot_and_ends_access_at_once() {
    let mut fixture = practice();
    let owner = fixture.owner.clone();
    let clinician_id = fixture.clinician.staff_id().clone();
    let disabled = set_active(&mut fixture.vault, &owner, &clinician_id, false, test_now()).unwrap();
    assert!(!disabled.active);
    assert!(!disabled.has_password);
    assert!(!fixture.vault.staff_logins().contains(&"carl".to_owned()));
    let error = list(&fixture.vault, &fixture.clinician, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "the open session stops working: {error}");
    let mut throttle = LoginThrottle::default();
    let error = sign_in(&fixture.vault, &mut throttle, "carl", &password(PASSWORD), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::WrongSecret);

    let enabled = set_active(&mut fixture.vault, &owner, &clinician_id, true, test_now()).unwrap();
    assert!(enabled.active && !enabled.has_password, "re-enabled staff need a new password");
    reset_password(&mut fixture.vault, &owner, &clinician_id, &password("a brand new password"), test_now()).unwrap();
    sign_in(&fixture.vault, &mut throttle, "carl", &password("a brand new password"), test_now()).unwrap();
    sign_in(&fixture.vault, &mut throttle, "carl", &password(PASSWORD), test_now()).unwrap_err();
}

/// Issue 18, "Revoking someone rotates the key": a disabled person who kept an old key-slot file (their own
/// copy of `.keys`, or one from a backup) cannot open the vault as it is now with their password.
#[test]
fn r18_a_disabled_persons_old_key_slot_file_and_password_never_open_the_current_vault() {
    let mut fixture = practice();
    let owner = fixture.owner.clone();
    let clinician_id = fixture.clinician.staff_id().clone();
    let kept = std::fs::read(&fixture.paths.key_slots).unwrap();
    let carl = password(PASSWORD);
    let unlock = || Unlock::StaffPassword { login: "carl", password: &carl };
    assert!(fixture.vault.key_slots_from_before_open_today(&kept, unlock()).unwrap(), "before, the kept file opens it");

    set_active(&mut fixture.vault, &owner, &clinician_id, false, test_now()).unwrap();
    assert!(!fixture.vault.key_rotation_due().unwrap(), "rotated at once: no other program has the vault open");
    assert!(
        !fixture.vault.key_slots_from_before_open_today(&kept, unlock()).unwrap(),
        "the old key does not open today's database"
    );
    // Nor after more work, nor with anyone else's way in from the kept file.
    crate::clients::create(&fixture.vault, &owner, crate::testing::client_input("Ruth", "Ellis"), test_now()).unwrap();
    assert!(
        !fixture.vault.key_slots_from_before_open_today(&kept, unlock()).unwrap(),
        "the old key does not open today's database"
    );
    assert!(
        !fixture
            .vault
            .key_slots_from_before_open_today(
                &kept,
                Unlock::StaffPassword { login: "fran", password: &password(PASSWORD) },
            )
            .unwrap(),
        "the old key does not open today's database"
    );
    // Those still here sign in as before.
    fixture.vault.verify_integrity().unwrap();
    let mut throttle = LoginThrottle::default();
    sign_in(&fixture.vault, &mut throttle, "fran", &password(PASSWORD), test_now()).unwrap();
}

#[test]
fn the_last_active_owner_cannot_be_demoted_or_disabled() {
    let mut fixture = practice();
    let owner = fixture.owner.clone();
    let owner_id = owner.staff_id().clone();
    let error = set_role(&fixture.vault, &owner, &owner_id, Role::Clinician, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    let error = set_active(&mut fixture.vault, &owner, &owner_id, false, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    // With a second owner, the first may step down.
    let carl = fixture.clinician.staff_id().clone();
    set_role(&fixture.vault, &owner, &carl, Role::Owner, test_now()).unwrap();
    // Still nobody disables their own account (another owner does); the row and its key slot stay.
    let slots = std::fs::read(&fixture.paths.key_slots).unwrap();
    let error = set_active(&mut fixture.vault, &owner, &owner_id, false, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    assert!(error.to_string().contains("your own account"), "{error}");
    assert_eq!(std::fs::read(&fixture.paths.key_slots).unwrap(), slots);
    assert!(list(&fixture.vault, &owner, test_now()).unwrap().iter().all(|member| member.active));
    set_role(&fixture.vault, &owner, &owner_id, Role::Clinician, test_now()).unwrap();
    let error = list(&fixture.vault, &owner, test_now()).map(|_| ());
    assert!(error.is_ok(), "listing staff is open to every role");
    let error = set_role(&fixture.vault, &owner, &carl, Role::FrontDesk, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "the former owner lost owner rights at once");
}

#[test]
fn adding_staff_checks_input_and_refuses_a_taken_login() {
    let mut fixture = practice();
    let owner = fixture.owner.clone();
    let new = |login: &'static str, password: &'static SecretString| NewStaff {
        login,
        display_name: "New Person",
        role: Role::Clinician,
        password,
    };
    let good: &'static SecretString = Box::leak(Box::new(password("long enough password")));
    let short: &'static SecretString = Box::leak(Box::new(password("short")));
    let before = std::fs::read(&fixture.paths.key_slots).unwrap();
    for (attempt, code) in [
        (new("CARL", good), ErrorCode::Conflict),
        (new("x", good), ErrorCode::InvalidInput),
        (new("has space", good), ErrorCode::InvalidInput),
        (new("newbie", short), ErrorCode::InvalidInput),
    ] {
        let error = add(&mut fixture.vault, &owner, attempt, test_now()).unwrap_err();
        assert_eq!(error.code(), code, "{error}");
    }
    assert_eq!(std::fs::read(&fixture.paths.key_slots).unwrap(), before);
    let error = add(&mut fixture.vault, &fixture.clinician.clone(), new("newbie", good), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert!(fixture.audit_actions().contains(&actions::ACCESS_DENIED.to_owned()));
}

#[test]
fn changing_ones_own_password_needs_the_current_one() {
    let mut fixture = practice();
    let session = fixture.front_desk.clone();
    let error = change_own_password(
        &mut fixture.vault,
        &session,
        &password("not my password at all"),
        &password("my next password"),
        test_now(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::WrongSecret);
    change_own_password(&mut fixture.vault, &session, &password(PASSWORD), &password("my next password"), test_now())
        .unwrap();
    let paths = fixture.paths.clone();
    fixture.vault.lock();
    let mut throttle = LoginThrottle::default();
    open_and_sign_in(&paths, &mut throttle, "fran", &password("my next password"), test_now()).unwrap();
}

#[test]
fn the_recovery_code_resets_only_an_owners_password() {
    let fixture = practice();
    let paths = fixture.paths.clone();
    let code = fixture.recovery_code.clone();
    let mut throttle = LoginThrottle::default();
    fixture.vault.lock();
    let error = recover_owner_password(
        &mut Vault::open(&paths, Unlock::StaffPassword { login: "fran", password: &password(PASSWORD) }).unwrap(),
        "olivia",
        &password("owner forgot this one"),
        test_now(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden, "only a recovery-code unlock may reset");

    let mut vault = Vault::open(&paths, Unlock::RecoveryCode(&code)).unwrap();
    let error = recover_owner_password(&mut vault, "carl", &password("owner forgot this one"), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    let session = recover_owner_password(&mut vault, "olivia", &password("owner forgot this one"), test_now()).unwrap();
    assert_eq!(session.role(), Role::Owner);
    vault.lock();
    open_and_sign_in(&paths, &mut throttle, "olivia", &password("owner forgot this one"), test_now()).unwrap();
    let error = open_and_sign_in(&paths, &mut throttle, "olivia", &password(PASSWORD), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::WrongSecret);
}

#[test]
fn a_slot_moved_to_another_person_does_not_open() {
    let fixture = practice();
    let paths = fixture.paths.clone();
    let owner_id = fixture.owner.staff_id().to_string();
    fixture.vault.lock();
    // Someone with write access to the key-slot file relabels Carl's slot as the owner's (and fixes
    // the checksum): the owner id is bound into the slot's AEAD, so it no longer opens.
    let mut file = crate::vault::slots::SlotFile::read(&paths.key_slots).unwrap();
    for slot in &mut file.slots {
        if slot.login.as_deref() == Some("carl") {
            slot.staff_id = Some(owner_id.clone());
        }
    }
    file.write(&paths.key_slots).unwrap();
    let mut throttle = LoginThrottle::default();
    let error = open_and_sign_in(&paths, &mut throttle, "carl", &password(PASSWORD), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::WrongSecret);
}

/// Issue 15: the sign-in screen lists people by name. The names come from the key-slot file (read
/// without unlocking), and each is bound into its slot's AEAD with the login: an edited name, even with the
/// checksum fixed, makes that person's slot fail to open, so a false name is found out at the next sign-in.
#[test]
fn sign_in_names_come_from_the_slots_and_an_edited_name_stops_the_slot_opening() {
    let fixture = practice();
    let paths = fixture.paths.clone();
    let names = fixture.vault.staff_sign_in_names();
    let listed: Vec<(&str, Option<&str>)> =
        names.iter().map(|name| (name.login.as_str(), name.display_name.as_deref())).collect();
    assert!(listed.contains(&("olivia", Some("Olivia Owner"))), "{listed:?}");
    assert!(listed.contains(&("carl", Some("Carl Clinician"))), "{listed:?}");
    let staff = list(&fixture.vault, &fixture.owner, test_now()).unwrap();
    assert_eq!(names.len(), staff.len());
    for member in &staff {
        let name = names.iter().find(|name| name.login == member.login).expect("every member is listed");
        assert_eq!(name.display_name.as_deref(), Some(member.display_name.as_str()));
    }
    fixture.vault.lock();
    assert_eq!(crate::vault::slots::staff_sign_in_names(&paths.key_slots), names, "read without unlocking");

    // Someone with write access to the file renames Carl's slot and fixes the checksum.
    let original = std::fs::read(&paths.key_slots).unwrap();
    let mut file = crate::vault::slots::SlotFile::read(&paths.key_slots).unwrap();
    for slot in &mut file.slots {
        if slot.login.as_deref() == Some("carl") {
            slot.display_name = Some("Olivia Owner".into());
        }
    }
    file.write(&paths.key_slots).unwrap();
    let mut throttle = LoginThrottle::default();
    let error = open_and_sign_in(&paths, &mut throttle, "carl", &password(PASSWORD), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::WrongSecret);
    // Nor may the name be dropped to pass as a slot from before names were kept.
    let mut file = crate::vault::slots::SlotFile::from_bytes(&original, &paths.key_slots).unwrap();
    for slot in &mut file.slots {
        if slot.login.as_deref() == Some("carl") {
            slot.display_name = None;
        }
    }
    file.write(&paths.key_slots).unwrap();
    let error = open_and_sign_in(&paths, &mut throttle, "carl", &password(PASSWORD), test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::WrongSecret);
    // The untouched file opens again.
    std::fs::write(&paths.key_slots, &original).unwrap();
    open_and_sign_in(&paths, &mut LoginThrottle::default(), "carl", &password(PASSWORD), test_now()).unwrap();
}

#[test]
fn names_with_control_characters_and_blank_passwords_are_refused_and_change_nothing() {
    let mut fixture = practice();
    let owner = fixture.owner.clone();
    let good = password("long enough password");
    let blank = password("              ");
    let before = std::fs::read(&fixture.paths.key_slots).unwrap();
    let staff_before = fixture.audit_actions().len();
    for (login, display_name, secret, words) in [
        ("newbie", "New\u{1b}[31mPerson", &good, "control character"),
        ("newbie", "New\nPerson", &good, "line break"),
        ("newbie", "New \u{202E}nosreP", &good, "text-direction override"),
        ("newbie", "New \u{2067}Person", &good, "text-direction override"),
        ("new\tbie", "New Person", &good, "control character"),
        ("newbie", "New Person", &blank, "only spaces"),
    ] {
        let attempt = NewStaff { login, display_name, role: Role::Clinician, password: secret };
        let error = add(&mut fixture.vault, &owner, attempt, test_now()).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{error}");
        assert!(error.to_string().contains(words), "{words}: {error}");
    }
    assert_eq!(std::fs::read(&fixture.paths.key_slots).unwrap(), before, "no slot made");
    assert_eq!(fixture.audit_actions().len(), staff_before, "nothing recorded as added");
    // A passphrase of spaces is refused the same way.
    let error = fixture.vault.set_passphrase(&blank, test_now()).unwrap_err();
    assert!(error.to_string().contains("only spaces"), "{error}");
}

/// A disabling cut short after it was committed (the program killed before the person's slot went): they
/// cannot sign in meanwhile, and the next open for changes removes their slot and rotates the key. A new
/// password given after re-enabling them is not taken by it.
#[test]
fn r18_a_disabling_cut_short_is_finished_at_the_next_open() {
    let fixture = practice();
    let clinician_id = fixture.clinician.staff_id().clone();
    let frontdesk_id = fixture.front_desk.staff_id().clone();
    let kept = std::fs::read(&fixture.paths.key_slots).unwrap();
    // What `set_active` commits before it removes the slot, for both; then the program "stops".
    for id in [&clinician_id, &frontdesk_id] {
        fixture
            .vault
            .transaction(|transaction| {
                store::set_active(transaction, id, false, test_now())?;
                crate::vault::mark_staff_slot_removal_due(transaction, id.as_str())
            })
            .unwrap();
    }
    assert!(fixture.vault.staff_logins().contains(&"carl".to_owned()), "the slot is still in the file");
    let error = sign_in(&fixture.vault, &mut LoginThrottle::default(), "carl", &password(PASSWORD), test_now());
    assert_eq!(error.unwrap_err().code(), ErrorCode::WrongSecret, "the database says carl is disabled");
    // Fran is enabled again and given a new password before the next open.
    let mut vault = fixture.vault;
    let owner = fixture.owner.clone();
    set_active(&mut vault, &owner, &frontdesk_id, true, test_now()).unwrap();
    reset_password(&mut vault, &owner, &frontdesk_id, &password("fran's new password, long"), test_now()).unwrap();
    let paths = fixture.paths.clone();
    vault.lock();

    let vault = Vault::open(&paths, Unlock::RecoveryCode(&fixture.recovery_code)).unwrap();
    assert!(!vault.staff_logins().contains(&"carl".to_owned()), "the open removed carl's slot");
    assert!(!vault.key_rotation_due().unwrap(), "and rotated the key");
    let carl = password(PASSWORD);
    let unlock = Unlock::StaffPassword { login: "carl", password: &carl };
    assert!(!vault.key_slots_from_before_open_today(&kept, unlock).unwrap(), "carl's kept file is of no use");
    sign_in(&vault, &mut LoginThrottle::default(), "fran", &password("fran's new password, long"), test_now())
        .expect("fran's new slot was not taken by the removal left due before");
    vault.verify_integrity().unwrap();
}

/// Issue 18: a password shorter than today's 15 characters still opens its slot (no one is locked out), but
/// the session may do nothing until its owner chooses a new one.
#[test]
fn a_password_shorter_than_today_rule_signs_in_but_must_be_changed_first() {
    let mut fixture = practice();
    let carl = fixture.clinician.clone();
    let old = password("twelve chars");
    fixture.vault.put_staff_slot(carl.staff_id().as_str(), ("carl", "Carl"), &old, None, test_now()).unwrap();
    let mut throttle = LoginThrottle::default();
    let session = sign_in(&fixture.vault, &mut throttle, "carl", &old, test_now()).unwrap();
    assert!(session.password_change_due());
    let error = list(&fixture.vault, &session, test_now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert!(error.to_string().contains("choose a new one"), "{error}");
    let too_short = change_own_password(&mut fixture.vault, &session, &old, &password("still short"), test_now());
    assert_eq!(too_short.unwrap_err().field(), Some("new_password"));

    let changed =
        change_own_password(&mut fixture.vault, &session, &old, &password("walnut ferry at low tide"), test_now())
            .unwrap();
    assert!(!changed.password_change_due());
    list(&fixture.vault, &changed, test_now()).unwrap();
    let again = sign_in(&fixture.vault, &mut throttle, "carl", &password("walnut ferry at low tide"), test_now());
    assert!(!again.unwrap().password_change_due());
    assert!(!sign_in(&fixture.vault, &mut throttle, "olivia", &password(PASSWORD), test_now())
        .unwrap()
        .password_change_due());
}

/// Issue 18: every way a password is set refuses short, common and personal ones in plain words, on its field.
#[test]
fn new_passwords_are_refused_when_short_common_or_personal_on_every_path() {
    let mut fixture = practice();
    fixture.set_profile("America/Chicago");
    let owner = fixture.owner.clone();
    let carl_id = fixture.clinician.staff_id().clone();
    let practice_word = crate::fixture::LETTERHEAD[0].split_whitespace().next().unwrap().to_owned();
    let cases = [
        ("short one", "Use at least 15 characters — a few unrelated words make a good password."),
        (
            "Password2024!!!!",
            "This password is on a list of passwords that are widely used or have leaked; choose another.",
        ),
        ("Nadia Newcomer 2024", "Don't use your name or the practice's name in the password."),
    ];
    let before = std::fs::read(&fixture.paths.key_slots).unwrap();
    for (typed, sentence) in cases {
        let attempt = NewStaff {
            login: "nadia",
            display_name: "Nadia Newcomer",
            role: Role::Clinician,
            password: &password(typed),
        };
        let error = add(&mut fixture.vault, &owner, attempt, test_now()).unwrap_err();
        assert_eq!(
            (error.code(), error.field(), error.to_string()),
            (ErrorCode::InvalidInput, Some("password"), sentence.to_owned())
        );
    }
    let practice_password = password(&format!("{practice_word} {practice_word} 2024"));
    for error in [
        reset_password(&mut fixture.vault, &owner, &carl_id, &password("carl carl carl carl"), test_now()).unwrap_err(),
        reset_password(&mut fixture.vault, &owner, &carl_id, &practice_password, test_now()).unwrap_err(),
    ] {
        assert_eq!(error.field(), Some("password"));
        assert_eq!(error.to_string(), "Don't use your name or the practice's name in the password.");
    }
    let error =
        change_own_password(&mut fixture.vault, &owner, &password(PASSWORD), &password("iloveyou1234567"), test_now())
            .unwrap_err();
    assert_eq!(error.field(), Some("new_password"));
    assert!(error.to_string().contains("widely used"), "{error}");
    let error = fixture.vault.set_passphrase(&practice_password, test_now()).unwrap_err();
    assert_eq!(error.field(), Some("passphrase"));
    assert_eq!(error.to_string(), "Don't use your name or the practice's name in the passphrase.");
    assert_eq!(std::fs::read(&fixture.paths.key_slots).unwrap(), before, "no slot changed");
}
