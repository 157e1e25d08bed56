//! The practice's own data in and out: `export --practice FILE`, `import FILE` (into a new, empty vault) and
//! `demo` (a new vault with a made-up practice, for trying the app and for benchmarks).
//!
//! Rule: export and import act as a signed-in owner (`--login`, password from standard input), the same
//! rule the app applies; the core checks the role again inside the action's transaction and audits it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use saferoom_core::clients::{self, Billing, ClientInput, ContactPreferences};
use saferoom_core::consent::{self, ConsentKind, Point, SignatureInput};
use saferoom_core::families::{self, UnitKind, UnitPolicy};
use saferoom_core::ids::{ClientId, StaffId};
use saferoom_core::minors::{self, GuardianAccess, GuardianInput, GuardianRole};
use saferoom_core::notes::{self, NoteKind};
use saferoom_core::progress::{Progress, Stage};
use saferoom_core::staff::{self, LoginThrottle, NewStaff, Role, Session};
use saferoom_core::{export, CreateOptions, OwnerAccount, Vault, VaultPaths};
use time::OffsetDateTime;

use crate::core;
use crate::input::{now, read_secret};
use crate::way_in::record;

/// `saferoom export`.
#[derive(Args)]
pub(crate) struct ExportArgs {
    /// Write the whole practice (every record and the audit trail; never psychotherapy notes) to FILE, which
    /// must not exist yet.
    #[arg(long, value_name = "FILE")]
    practice: PathBuf,
    /// Sign in as this owner (password read from standard input, prompted on a terminal).
    #[arg(long, value_name = "LOGIN")]
    login: String,
}

/// `saferoom import`.
#[derive(Args)]
pub(crate) struct ImportArgs {
    /// The practice export (.json) to restore into this vault, which must hold no records yet (make it with
    /// `saferoom init`).
    file: PathBuf,
    /// Sign in as this owner of the new vault (password read from standard input).
    #[arg(long, value_name = "LOGIN")]
    login: String,
}

/// `saferoom demo`.
#[derive(Args)]
pub(crate) struct DemoArgs {
    /// How many clients to make up besides the named ones (one in each script, always made).
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    clients: u32,
}

/// Progress on standard error, on a terminal only.
struct Shown {
    terminal: bool,
}

impl Progress for Shown {
    fn report(&self, stage: Stage, done: u64, total: u64) -> bool {
        if self.terminal {
            let what = if stage == Stage::Importing { "imported" } else { "exported" };
            eprint!("\r{done} of {total} records {what}");
            if done == total {
                eprintln!();
            }
        }
        true
    }
}

fn shown() -> Shown {
    Shown { terminal: std::io::stderr().is_terminal() }
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    Ok(if path.is_absolute() { path.to_owned() } else { std::env::current_dir()?.join(path) })
}

/// Open the vault and sign in as an owner with `login` and the password on standard input: export and import
/// act as a signed-in person (the core audits them under that person), so of the owner's ways in
/// (`way_in.rs`) only an owner's login serves here.
fn open_as_owner(paths: &VaultPaths, login: &str) -> anyhow::Result<(Vault, Session)> {
    let password = read_secret("Password: ")?;
    let mut throttle = LoginThrottle::beside(paths);
    let (vault, session) = core(staff::open_and_sign_in(paths, &mut throttle, login, &password, now()?))?;
    if session.role() != Role::Owner {
        return Err(crate::CliError(saferoom_core::Error::Forbidden {
            reason: "only an owner exports or imports the whole practice".into(),
        })
        .into());
    }
    Ok((vault, session))
}

pub(crate) fn export(paths: &VaultPaths, args: ExportArgs) -> anyhow::Result<()> {
    let file = absolute(&args.practice)?;
    let (vault, session) = open_as_owner(paths, &args.login)?;
    let report = core(export::practice::export_practice_file(&vault, &session, &file, now()?, &shown()))?;
    let records: usize = report.rows.values().sum();
    record(&vault, saferoom_core::audit::actions::PRACTICE_EXPORTED, &format!("{records} records"))?;
    println!(
        "ok: practice exported to {} ({} bytes; {records} records in {} tables, {} audit entries; SHA-256 {})",
        report.path.display(),
        report.bytes,
        report.rows.len(),
        report.audit_entries + report.imported_audit_entries,
        report.sha256
    );
    Ok(())
}

pub(crate) fn import(paths: &VaultPaths, args: ImportArgs) -> anyhow::Result<()> {
    let file = absolute(&args.file)?;
    let (vault, session) = open_as_owner(paths, &args.login)?;
    let report = core(export::import(&vault, &session, &file, now()?, &shown()))?;
    record(&vault, saferoom_core::audit::actions::PRACTICE_IMPORTED, &format!("{} records", report.records))?;
    for (old, new) in &report.renamed_logins {
        eprintln!("note: the login {old:?} was taken here; that account was imported as {new:?}");
    }
    println!(
        "ok: imported {} records ({} clients, {} progress notes, {} staff); {} audit trail(s) kept and verified",
        report.records, report.clients, report.progress_notes, report.staff_added, report.audit_trails
    );
    println!("Imported staff sign in once an owner sets their password in the app.");
    Ok(())
}

/// The demo's named clients, one in each script a name may be in (Latin with diacritics, Greek, Cyrillic,
/// Hebrew, Arabic, Devanagari, Chinese, Japanese, Korean) and one whose preferred name holds an emoji:
/// (given, family, preferred). Every demo has all of them, each with intake, notes and signed consents, so
/// every export of the demo prints them.
pub(crate) const NAMED: &[(&str, &str, Option<&str>)] = &[
    ("Zoë", "Müller-Łukasiewicz", None),
    ("Γιώργος", "Παπαδόπουλος", None),
    ("Анна", "Кузнецова", None),
    ("נועה", "כהן", None),
    ("فاطمة", "الحسيني", None),
    ("अनन्या", "शर्मा", None),
    ("秀英", "王", None),
    ("さくら", "佐藤", None),
    ("지우", "김", None),
    ("Margaret", "O’Brien", Some("Maggie 🌻")),
];

/// Names for the generated clients beyond [`NAMED`] (`--clients N`), cycled.
const NAMES: &[(&str, &str)] = &[
    ("Zoë", "Ångström"),
    ("Γιώργος", "Παπαδόπουλος"),
    ("Анна", "Кузнецова"),
    ("נועה", "כהן"),
    ("فاطمة", "الحسيني"),
    ("अनन्या", "शर्मा"),
    ("秀英", "王"),
    ("José", "Muñoz"),
    ("Łukasz", "Wójcik"),
    ("Ngozi", "Adébáyọ̀"),
    ("Søren", "Kierkegård"),
    ("Chloé", "Lefèvre"),
];

const JURISDICTIONS: &[&str] = &["US-CA", "US-NY", "US-TX", "US-WA", "US-IL"];

struct Person {
    login: &'static str,
    name: &'static str,
    role: Role,
}

const STAFF: &[Person] = &[
    Person { login: "amara", name: "Amara Okafor", role: Role::Clinician },
    Person { login: "jonas", name: "Jonas Šimkus", role: Role::Clinician },
    Person { login: "frontdesk", name: "Fran Desk", role: Role::FrontDesk },
];

fn scrawl(name: &str, seed: u32) -> SignatureInput {
    let stroke = (0..40)
        .map(|i| Point {
            x: 30.0 + f64::from(i) * 11.0,
            y: 70.0 + f64::from((i * 7 + seed) % 9) * 6.0,
            t: f64::from(i) * 12.0,
        })
        .collect();
    SignatureInput {
        typed_name: name.into(),
        intent: true,
        strokes: vec![stroke],
        device: "Demo tablet".into(),
        confirmed_other_name: false,
    }
}

/// A date of birth `years` (and `days`) before `today`.
fn born(today: time::Date, years: i32, days: i64) -> String {
    let year = today.year() - years;
    let day = today
        .replace_year(year)
        .unwrap_or_else(|_| today.replace_day(28).unwrap_or(today).replace_year(year).unwrap_or(today));
    (day - time::Duration::days(days)).to_string()
}

fn day(today: time::Date, days_ago: i64) -> String {
    (today - time::Duration::days(days_ago)).to_string()
}

fn input(given: &str, family: &str, born_on: String, jurisdiction: &str, index: u32) -> ClientInput {
    ClientInput {
        given_name: given.into(),
        family_name: family.into(),
        preferred_name: None,
        date_of_birth: born_on,
        pronouns: None,
        jurisdiction: jurisdiction.into(),
        email: Some(format!("client{index}@example.org")),
        phone: Some(format!("555 01{:02} {:03}", index % 100, index % 1000)),
        address: None,
        contact: ContactPreferences::default(),
        billing: if index.is_multiple_of(3) {
            Billing::Insurance { payer: "Aetna".into(), member_id: format!("W{index:06}") }
        } else {
            Billing::PrivatePay
        },
    }
}

fn intake(vault: &Vault, session: &Session, client: &ClientId, index: u32, now: OffsetDateTime) -> anyhow::Result<()> {
    let answers: Vec<(String, serde_json::Value)> = [
        (
            "presenting_concern",
            serde_json::json!(["Sleep and worry", "Grief", "Work stress", "Family conflict"][index as usize % 4]),
        ),
        ("previous_therapy", serde_json::json!(index.is_multiple_of(2))),
        ("risk_thoughts_of_self_harm", serde_json::json!(false)),
        ("emergency_contact_name", serde_json::json!("Sam Rivera")),
        ("emergency_contact_phone", serde_json::json!("555 0100 300")),
        ("distress_scale", serde_json::json!(3 + index % 6)),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect();
    core(saferoom_core::intake::save(vault, session, client, &answers, now))?;
    Ok(())
}

fn two_notes(
    vault: &Vault,
    session: &Session,
    client: &ClientId,
    today: time::Date,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let first = core(notes::create(
        vault,
        session,
        NoteKind::Progress,
        client,
        &day(today, 14),
        "Intake session. Discussed goals and the treatment plan; client engaged and oriented.",
        now,
    ))?;
    core(notes::sign(vault, session, NoteKind::Progress, &first.id, now))?;
    // The follow-up as a SOAP draft with the session's facts.
    let sections = [
        ("subjective", "Sleeping better since last week; still wakes early."),
        ("assessment", "Anxiety easing; engaged in the exercises."),
        ("plan", "Practise the breathing exercise; homework: sleep diary."),
    ];
    let follow_up = notes::NoteInput {
        text: notes::NoteText::Sections(
            notes::NoteTemplate::Soap,
            sections.iter().map(|(key, text)| ((*key).to_owned(), (*text).to_owned())).collect(),
        ),
        facts: notes::SessionFacts {
            start_time: Some("10:00".into()),
            duration_minutes: Some(45),
            service_code: Some("90834".into()),
            setting: Some(notes::SessionSetting::InPerson),
            attendance: Some(notes::Attendance::ClientAlone),
            ..notes::SessionFacts::default()
        },
    };
    core(notes::create(vault, session, NoteKind::Progress, client, &day(today, 7), follow_up, now))?;
    Ok(())
}

fn sign_all(
    vault: &Vault,
    session: &Session,
    documents: &[consent::ConsentDocument],
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    // Clients sign on the signing kiosk (the core refuses them anywhere else); the witness after it.
    for document in documents {
        let (kiosk, _) =
            core(consent::Kiosk::start(vault, session, &document.client_id, std::slice::from_ref(&document.id), now))?;
        for signer in &document.signers {
            let ink = scrawl(&signer.name, signer.index);
            if signer.role == consent::SignerRole::Witness {
                core(consent::sign(vault, session, &document.id, signer.index, &ink, now))?;
            } else {
                core(kiosk.sign(vault, &document.id, signer.index, &ink, now))?;
            }
        }
    }
    Ok(())
}

pub(crate) fn demo(paths: &VaultPaths, args: DemoArgs) -> anyhow::Result<()> {
    let now = now()?;
    let owner_password = saferoom_core::vault::recovery::generate();
    let created = core(Vault::create(
        paths,
        CreateOptions {
            keychain: None,
            passphrase: None,
            owner: Some(&OwnerAccount { login: "owner", display_name: "Olivia Owner", password: &owner_password }),
            now,
        },
    ))?;
    let mut vault = created.vault;
    match fill_demo(&mut vault, created.owner_id.as_deref(), owner_password, args.clients, now) {
        Ok(passwords) => {
            eprintln!(
                "Created demo vault {} at {} with {} clients",
                vault.vault_id(),
                paths.database.display(),
                args.clients as usize + NAMED.len() + 3
            );
            eprintln!("Staff (login, role, password, name); sign in to the app with these:");
            for (login, name, role, password) in &passwords {
                println!("staff {login} {role} {} ({name})", password.expose());
            }
            eprintln!("The recovery code below is shown once. Write it down and keep it somewhere safe:");
            println!("{}", created.recovery_code.expose());
            Ok(())
        }
        Err(error) => {
            // The vault was made by this command: a failed demo leaves nothing behind.
            drop(vault);
            let mut leftovers = vec![paths.database.clone(), paths.key_slots.clone()];
            for suffix in ["-wal", "-shm"] {
                let mut name = paths.database.clone().into_os_string();
                name.push(suffix);
                leftovers.push(PathBuf::from(name));
            }
            for path in leftovers {
                let _ = std::fs::remove_file(path);
            }
            Err(error)
        }
    }
}

/// A minor: names, date of birth, jurisdiction and guardians (name, role, access).
type Minor =
    (&'static str, &'static str, String, &'static str, &'static [(&'static str, GuardianRole, GuardianAccess)]);

type Passwords = Vec<(&'static str, &'static str, &'static str, saferoom_core::SecretString)>;

fn fill_demo(
    vault: &mut Vault,
    owner_id: Option<&str>,
    owner_password: saferoom_core::SecretString,
    clients: u32,
    now: OffsetDateTime,
) -> anyhow::Result<Passwords> {
    let today = now.date();
    let owner_id = StaffId::parse(owner_id.unwrap_or_default()).map_err(crate::CliError)?;
    let owner = core(staff::sign_in_founder(&*vault, &owner_id, now))?;
    let settings = consent::ConsentSettings { platform: "Doxy.me".into(), ..Default::default() };
    core(consent::set_settings(&*vault, &owner, settings, now))?;
    let mut passwords = vec![("owner", "Olivia Owner", "owner", owner_password)];
    let mut throttle = LoginThrottle::default();
    let mut sessions = Vec::new();
    for person in STAFF {
        let password = saferoom_core::vault::recovery::generate();
        core(staff::add(
            vault,
            &owner,
            NewStaff { login: person.login, display_name: person.name, role: person.role, password: &password },
            now,
        ))?;
        if person.role == Role::Clinician {
            sessions.push(core(staff::sign_in(&*vault, &mut throttle, person.login, &password, now))?);
        }
        passwords.push((person.login, person.name, person.role.as_str(), password));
    }
    let mut adults: Vec<ClientId> = Vec::new();
    let named = NAMED.iter().map(|&(given, family, preferred)| (given, family, preferred, true));
    let generated = (0..clients as usize).map(|index| {
        let (given, family) = NAMES[index % NAMES.len()];
        (given, family, None, index.is_multiple_of(2))
    });
    for (index, (given, family, preferred, consents)) in (0u32..).zip(named.chain(generated)) {
        let clinician = &sessions[index as usize % sessions.len()];
        let jurisdiction = JURISDICTIONS[index as usize % JURISDICTIONS.len()];
        let age = 22 + (index % 50) as i32;
        let client_input = ClientInput {
            preferred_name: preferred.map(str::to_owned),
            ..input(given, family, born(today, age, i64::from(index % 300)), jurisdiction, index)
        };
        let client = core(clients::create(&*vault, clinician, client_input, now))?.id;
        intake(&*vault, clinician, &client, index, now)?;
        two_notes(&*vault, clinician, &client, today, now)?;
        if consents {
            let documents = core(consent::prepare(
                &*vault,
                clinician,
                &client,
                &[ConsentKind::Treatment, ConsentKind::Technology],
                &[],
                now,
            ))?;
            sign_all(&*vault, clinician, &documents, now)?;
        }
        adults.push(client);
    }
    // A couple (two clients on the first clinician's care team) with a no-secrets agreement signed by both,
    // and a joint session.
    let clinician = &sessions[0];
    let partners = [adults[0].clone(), adults[sessions.len()].clone()];
    let unit_name = format!("{}–{}", NAMED[0].1, NAMED[sessions.len()].1);
    let unit = core(families::create_unit(&*vault, clinician, &unit_name, UnitKind::Couple, &partners, now))?;
    let unit = core(families::set_policy(&*vault, clinician, &unit.id, UnitPolicy::NoSecrets, now))?;
    if let Some(document_id) = &unit.agreement_document_id {
        let (kiosk, _) = core(families::start_kiosk(&*vault, clinician, &unit.id, now))?;
        for (index, member) in unit.members.iter().filter(|member| member.adult).enumerate() {
            core(kiosk.sign(&*vault, document_id, index as u32, &scrawl(&member.name, index as u32), now))?;
        }
    }
    core(families::create_note(
        &*vault,
        clinician,
        &unit.id,
        &day(today, 3),
        "Joint session: agreed on a weekly check-in and a time-out signal.",
        now,
    ))?;
    // The rest of what a practice keeps: a correction (addendum) to a signed note, a psychotherapy note and
    // the client's authorisation to disclose it, a right-of-access request, an emergency access reviewed by
    // the owner, and a practice override of a state rule.
    let first = &adults[0];
    let note = core(notes::create(
        &*vault,
        clinician,
        NoteKind::Progress,
        first,
        &day(today, 10),
        "Crisis check-in by phone; safety plan reviewed.",
        now,
    ))?;
    core(notes::sign(&*vault, clinician, NoteKind::Progress, &note.id, now))?;
    core(notes::add_addendum(&*vault, clinician, NoteKind::Progress, &note.id, "The call lasted 25 minutes.", now))?;
    core(notes::create(
        &*vault,
        clinician,
        NoteKind::Psychotherapy,
        first,
        &day(today, 10),
        "Process note: countertransference to explore in supervision.",
        now,
    ))?;
    core(saferoom_core::disclosures::record_psychotherapy_authorization(
        &*vault,
        clinician,
        first,
        "Dr. Rivera (psychiatrist)",
        "Coordination of care",
        &day(today, 20),
        &(today + time::Duration::days(345)).to_string(),
        now,
    ))?;
    core(saferoom_core::disclosures::record_access_request(&*vault, &owner, first, &day(today, 2), now))?;
    let grant = core(saferoom_core::access::break_glass(
        &*vault,
        &sessions[1],
        first,
        "Covering a crisis call while the primary clinician is away",
        now,
    ))?;
    core(saferoom_core::access::review_break_glass(&*vault, &owner, &grant.id, now))?;
    core(minors::override_rule(
        &*vault,
        &owner,
        "US-CA",
        minors::RuleField::RetentionYearsAfterEnd,
        Some(serde_json::json!(10)),
        "The practice keeps records ten years (malpractice insurer's advice)",
        now,
    ))?;
    // Minors in several states: a young child with two guardians (one with summary access only), a teen who
    // may consent alone in their state with a guardian barred by a court order, and one turning 18 this week.
    let minors: [Minor; 3] = [
        (
            "Μαρία",
            "Παπαδοπούλου",
            born(today, 9, 40),
            "US-NY",
            &[
                ("Ελένη Παπαδοπούλου", GuardianRole::Parent, GuardianAccess::Full),
                ("Νίκος Παπαδόπουλος", GuardianRole::Parent, GuardianAccess::Summary),
            ],
        ),
        (
            "Дмитрий",
            "Иванов",
            born(today, 16, 100),
            "US-CA",
            &[("Ольга Иванова", GuardianRole::LegalGuardian, GuardianAccess::None)],
        ),
        (
            "Aarav",
            "Mehta",
            born(today, 18, -3),
            "US-TX",
            &[("Priya Mehta", GuardianRole::Parent, GuardianAccess::Full)],
        ),
    ];
    for (minor_index, (given, family, born_on, jurisdiction, guardians)) in (0u32..).zip(minors) {
        let client = core(clients::create(
            &*vault,
            clinician,
            input(given, family, born_on, jurisdiction, 900 + minor_index),
            now,
        ))?
        .id;
        for (name, role, access) in guardians {
            let custody_note =
                (*access == GuardianAccess::None).then(|| "Court order 2025: no access to records".to_owned());
            let guardian = GuardianInput {
                name: (*name).into(),
                role: *role,
                access: *access,
                custody_note,
                phone: Some("555 0100 400".into()),
                email: None,
            };
            core(minors::add_guardian(&*vault, clinician, &client, guardian, now))?;
        }
        two_notes(&*vault, clinician, &client, today, now)?;
    }
    Ok(passwords)
}
