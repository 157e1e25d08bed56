//! A small practice for the core's own tests: a real vault on disk with an owner, two clinicians and a
//! front-desk member, each signed in.

use crate::ids::ClientId;
use crate::staff::{self, NewStaff, Role, Session};
use crate::testing::test_now;
use crate::{CreateOptions, OwnerAccount, SecretString, Vault, VaultPaths};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

pub(crate) struct Practice {
    pub(crate) folder: tempfile::TempDir,
    pub(crate) paths: VaultPaths,
    pub(crate) vault: Vault,
    pub(crate) recovery_code: SecretString,
    pub(crate) owner: Session,
    pub(crate) clinician: Session,
    pub(crate) other_clinician: Session,
    pub(crate) front_desk: Session,
}

impl Practice {
    pub(crate) fn session(&self, role: Role) -> &Session {
        match role {
            Role::Owner => &self.owner,
            Role::Clinician => &self.clinician,
            Role::FrontDesk => &self.front_desk,
        }
    }

    /// A client on `clinician`'s care team (not `other_clinician`'s).
    pub(crate) fn client(&self, given: &str, family: &str) -> ClientId {
        crate::clients::create(&self.vault, &self.clinician, client_input(given, family), test_now()).unwrap().id
    }

    /// Audit actions, oldest first.
    pub(crate) fn audit_actions(&self) -> Vec<String> {
        let mut statement = self.vault.connection().prepare("SELECT action FROM audit_log ORDER BY seq").unwrap();
        statement.query_map([], |row| row.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    /// Every text column of the audit trail, for checks that no clinical text leaks into it.
    pub(crate) fn audit_text(&self) -> String {
        let mut statement = self.vault.connection().prepare("SELECT action || ' ' || detail FROM audit_log").unwrap();
        let rows: Vec<String> =
            statement.query_map([], |row| row.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
        rows.join("\n")
    }

    /// The owner fills in the whole practice profile (the PDFs' letterhead, [`LETTERHEAD`]) in `time_zone`.
    pub(crate) fn set_profile(&self, time_zone: &str) {
        let profile = crate::settings::PracticeProfile {
            name: LETTERHEAD[0].into(),
            address: LETTERHEAD[1..3].join("\n"),
            phone: "(217) 555-0100".into(),
            licence_lines: LETTERHEAD[4].into(),
            npi: "1234567893".into(),
            time_zone: time_zone.into(),
        };
        crate::settings::set_practice_profile(&self.vault, &self.owner, profile, test_now()).unwrap();
    }
}

/// The letterhead lines a PDF prints after [`Practice::set_profile`].
pub(crate) const LETTERHEAD: [&str; 6] = [
    "Riverside Counselling",
    "12 Elm Street",
    "Springfield, IL 62701",
    "Phone (217) 555-0100",
    "Licensed Clinical Professional Counselor, Illinois 180.012345",
    "NPI 1234567893",
];

/// Checks the pages of a PDF (`pdftotext` text, blank pages left out): the letterhead, then `then` in
/// this order, on page 1, and the practice's name heading every later page.
pub(crate) fn assert_letterhead(pages: &[&str], then: &[&str]) {
    let mut from = 0;
    for line in LETTERHEAD.iter().chain(then) {
        from += pages[0][from..].find(line).unwrap_or_else(|| panic!("{line:?} on page 1:\n{}", pages[0]));
    }
    for page in &pages[1..] {
        assert!(page.trim_start().starts_with(LETTERHEAD[0]), "the running header:\n{page}");
    }
}

pub(crate) use crate::testing::client_input;

pub(crate) fn practice() -> Practice {
    let folder = tempfile::tempdir().unwrap();
    let paths = VaultPaths::new(folder.path().join("practice.saferoom"));
    let password = SecretString::from(PASSWORD);
    let created = Vault::create(
        &paths,
        CreateOptions {
            keychain: None,
            passphrase: None,
            owner: Some(&OwnerAccount { login: "olivia", display_name: "Olivia Owner", password: &password }),
            now: test_now(),
        },
    )
    .unwrap();
    let mut vault = created.vault;
    let owner =
        Session::for_fixtures(&vault, &crate::ids::StaffId::parse(&created.owner_id.unwrap()).unwrap()).unwrap();
    let mut add = |login: &str, name: &str, role: Role| {
        let member = staff::add(
            &mut vault,
            &owner,
            NewStaff { login, display_name: name, role, password: &password },
            test_now(),
        )
        .unwrap();
        member.id
    };
    let clinician_id = add("carl", "Carl Clinician", Role::Clinician);
    let other_id = add("cora", "Cora Clinician", Role::Clinician);
    let front_id = add("fran", "Fran Front", Role::FrontDesk);
    let clinician = Session::for_fixtures(&vault, &clinician_id).unwrap();
    let other_clinician = Session::for_fixtures(&vault, &other_id).unwrap();
    let front_desk = Session::for_fixtures(&vault, &front_id).unwrap();
    Practice {
        folder,
        paths,
        vault,
        recovery_code: created.recovery_code,
        owner,
        clinician,
        other_clinician,
        front_desk,
    }
}

/// A new vault whose only staff member is its owner (`login`, `display_name`), signed in.
pub(crate) fn owner_only(login: &str, display_name: &str) -> (tempfile::TempDir, Vault, Session) {
    let folder = tempfile::tempdir().unwrap();
    let password = SecretString::from(PASSWORD);
    let created = Vault::create(
        &VaultPaths::new(folder.path().join("practice.saferoom")),
        CreateOptions {
            keychain: None,
            passphrase: None,
            owner: Some(&OwnerAccount { login, display_name, password: &password }),
            now: test_now(),
        },
    )
    .unwrap();
    let owner = Session::for_fixtures(&created.vault, &crate::ids::StaffId::parse(&created.owner_id.unwrap()).unwrap())
        .unwrap();
    (folder, created.vault, owner)
}

/// A signature by `name` drawn as one stroke on `device`: intent confirmed, no other legal name claimed.
pub(crate) fn signature(
    name: &str,
    stroke: Vec<crate::consent::Point>,
    device: &str,
) -> crate::consent::SignatureInput {
    crate::consent::SignatureInput {
        typed_name: name.into(),
        intent: true,
        strokes: vec![stroke],
        device: device.into(),
        confirmed_other_name: false,
    }
}
