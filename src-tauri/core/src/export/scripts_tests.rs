//! Every PDF Saferoom makes, with names in every script a name may be in (issue 16): the consent form, the
//! consent packet, a couple's or family's agreement, the client record with its per-consent PDFs, and the
//! practice export's PDF, each made by the real operation on a real vault whose practice, staff, clients,
//! guardians and signers have names in Latin with diacritics, Greek, Cyrillic, Hebrew, Arabic, Devanagari,
//! Chinese, Japanese and Korean, and a preferred name holding an emoji. Each PDF is read back:
//! `pdftotext` gives every name in logical order, no glyph shown is `.notdef` (the content streams are read),
//! every font is embedded as a subset with a Unicode map (`pdffonts`) and every page has ink (`pdftoppm`).
//!
//! Also the sample in `docs/`: `docs/sample-consent-multiscript.pdf` and a PNG of its first page, made by
//! [`the_sample_consent_in_docs_is_what_saferoom_prints_now`] with `UPDATE_SAMPLES=1`, and otherwise
//! checked against a fresh render (its text, ids and hashes aside), so it cannot go stale.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::consent::{self, ConsentKind, SignerInput, SignerRole};
use crate::families::{self, UnitKind, UnitPolicy};
use crate::fixture::{client_input, practice, Practice, PASSWORD};
use crate::ids::ClientId;
use crate::minors::{self, GuardianAccess, GuardianInput, GuardianRole};
use crate::notes::{self, NoteKind};
use crate::progress::Silent;
use crate::staff::{self, NewStaff, Role, Session};
use crate::testing::test_now;
use crate::SecretString;

/// One script's people: the client (given, family, preferred name), a guardian and a clinician.
struct Script {
    client: (&'static str, &'static str, Option<&'static str>),
    guardian: &'static str,
    clinician: &'static str,
}

const SCRIPTS: [Script; 10] = [
    Script {
        client: ("Zoë", "Müller-Łukasiewicz", None), guardian: "Ségolène Dvořák", clinician: "Jürgen Øverås"
    },
    Script {
        client: ("Γιώργος", "Παπαδόπουλος", None),
        guardian: "Ελένη Παπαδοπούλου",
        clinician: "Αικατερίνη Νικολάου",
    },
    Script {
        client: ("Анна", "Кузнецова", None), guardian: "Ольга Иванова", clinician: "Дмитрий Соколов"
    },
    Script { client: ("נועה", "כהן", None), guardian: "יעקב לוי", clinician: "רחל אברהם" },
    Script {
        client: ("فاطمة", "الحسيني", None), guardian: "محمد العلي", clinician: "ليلى حداد"
    },
    Script {
        client: ("अनन्या", "शर्मा", None), guardian: "राजेश वर्मा", clinician: "प्रिया गुप्ता"
    },
    Script { client: ("秀英", "王", None), guardian: "李建国", clinician: "陈静" },
    Script { client: ("さくら", "佐藤", None), guardian: "田中ひろし", clinician: "山本ゆうこ" },
    Script { client: ("지우", "김", None), guardian: "박민준", clinician: "이서연" },
    Script {
        client: ("Margaret", "O’Brien", Some("Maggie 🌻")),
        guardian: "Siobhán Ní Bhriain",
        clinician: "Ngozi Adébáyọ̀",
    },
];

/// The clients who are adults (the couple); the others are minors with a guardian who signs for them.
const COUPLE: [usize; 2] = [3, 4];

/// The practice's letterhead: its name mixes left-to-right and right-to-left text, its address and licence
/// lines are in several scripts.
const PRACTICE_NAME: &str = "Riverside Counselling — מרכז ריברסייד — مركز ريفرسايد";
const ADDRESS: [&str; 4] = [
    "12 Elm Street, Springfield",
    "ул. Тверская 7, Москва",
    "東京都新宿区西新宿2-8-1",
    "서울특별시 종로구 세종대로 209",
];
const LICENCE: &str = "Licensed Professional Counselor · Άδεια 180.012345 · मनोवैज्ञानिक परामर्शदाता";

/// The name a consent prints for client `index` (its display name: the preferred name, if any, then the
/// family name).
fn display_name(index: usize) -> String {
    let (given, family, preferred) = SCRIPTS[index].client;
    format!("{} {family}", preferred.unwrap_or(given))
}

/// How a record names client `index`: given and family name, the preferred name in brackets.
fn record_heading(index: usize) -> String {
    match SCRIPTS[index].client {
        (given, family, Some(preferred)) => format!("{given} {family} ({preferred})"),
        (given, family, None) => format!("{given} {family}"),
    }
}

/// A practice whose profile, staff, clients, guardians and consent signers have names in every script.
struct World {
    fixture: Practice,
    clinicians: Vec<Session>,
    clients: Vec<ClientId>,
    /// Each client's signed consents (treatment and technology).
    documents: Vec<Vec<consent::ConsentDocument>>,
    /// The couple's signed no-secrets agreement and its unit's name.
    agreement: (crate::ids::DocumentId, String),
}

fn scrawl(name: &str) -> consent::SignatureInput {
    let stroke = (0..30)
        .map(|i| consent::Point {
            x: 30.0 + f64::from(i) * 14.0,
            y: 90.0 + (f64::from(i) * 0.7).sin() * 35.0,
            t: f64::from(i) * 15.0,
        })
        .collect();
    crate::fixture::signature(name, stroke, "Test tablet")
}

fn world() -> World {
    let mut fixture = practice();
    let now = test_now();
    let profile = crate::settings::PracticeProfile {
        name: PRACTICE_NAME.into(),
        address: ADDRESS.join("\n"),
        phone: "(217) 555-0100".into(),
        licence_lines: LICENCE.into(),
        npi: "1234567893".into(),
        time_zone: "America/Chicago".into(),
    };
    crate::settings::set_practice_profile(&fixture.vault, &fixture.owner, profile, now).unwrap();
    let settings = consent::ConsentSettings { platform: "Doxy.me".into(), ..consent::ConsentSettings::default() };
    consent::set_settings(&fixture.vault, &fixture.owner, settings, now).unwrap();

    let password = SecretString::from(PASSWORD);
    let mut clinicians = Vec::new();
    for (index, script) in SCRIPTS.iter().enumerate() {
        let login = format!("clinician{index}");
        let member = staff::add(
            &mut fixture.vault,
            &fixture.owner,
            NewStaff { login: &login, display_name: script.clinician, role: Role::Clinician, password: &password },
            now,
        )
        .unwrap();
        clinicians.push(Session::for_fixtures(&fixture.vault, &member.id).unwrap());
    }

    let mut clients = Vec::new();
    let mut documents = Vec::new();
    for (index, script) in SCRIPTS.iter().enumerate() {
        let clinician = &clinicians[index];
        let (given, family, preferred) = script.client;
        let adult = COUPLE.contains(&index);
        let input = crate::clients::ClientInput {
            preferred_name: preferred.map(str::to_owned),
            date_of_birth: if adult { "1990-05-17".into() } else { "2014-03-01".into() },
            ..client_input(given, family)
        };
        let client = crate::clients::create(&fixture.vault, clinician, input, now).unwrap().id;
        let team = [clinician.staff_id().clone(), clinicians[(index + 1) % SCRIPTS.len()].staff_id().clone()];
        crate::clients::set_care_team(&fixture.vault, &fixture.owner, &client, &team, now).unwrap();
        let guardian = GuardianInput {
            name: script.guardian.into(),
            role: if adult { GuardianRole::LegalGuardian } else { GuardianRole::Parent },
            access: GuardianAccess::Full,
            custody_note: None,
            phone: Some("555 0100 400".into()),
            email: None,
        };
        minors::add_guardian(&fixture.vault, clinician, &client, guardian, now).unwrap();
        let note =
            notes::create(&fixture.vault, clinician, NoteKind::Progress, &client, "2026-11-16", "Session one.", now)
                .unwrap();
        notes::sign(&fixture.vault, clinician, NoteKind::Progress, &note.id, now).unwrap();

        let signers = [
            SignerInput { role: SignerRole::Guardian, name: script.guardian.into() },
            SignerInput { role: SignerRole::Witness, name: script.clinician.into() },
        ];
        let kinds = [ConsentKind::Treatment, ConsentKind::Technology];
        let prepared = consent::prepare(&fixture.vault, clinician, &client, &kinds, &signers, now).unwrap();
        let ids: Vec<_> = prepared.iter().map(|document| document.id.clone()).collect();
        let (kiosk, _) = consent::Kiosk::start(&fixture.vault, clinician, &client, &ids, now).unwrap();
        for document in &prepared {
            for signer in &document.signers {
                if signer.role == SignerRole::Witness {
                    consent::sign(&fixture.vault, clinician, &document.id, signer.index, &scrawl(&signer.name), now)
                        .unwrap();
                } else {
                    kiosk.sign(&fixture.vault, &document.id, signer.index, &scrawl(&signer.name), now).unwrap();
                }
            }
        }
        drop(kiosk);
        let signed = consent::client_consents(&fixture.vault, clinician, &client, now).unwrap().documents;
        assert!(signed.iter().all(|document| document.signed_at.is_some()), "{given} {family}: signed");
        clients.push(client);
        documents.push(signed);
    }

    let unit_name = format!("{}–{}", SCRIPTS[COUPLE[0]].client.1, SCRIPTS[COUPLE[1]].client.1);
    let partners: Vec<ClientId> = COUPLE.iter().map(|&index| clients[index].clone()).collect();
    // On both partners' care teams.
    let clinician = &clinicians[COUPLE[1]];
    let unit = families::create_unit(&fixture.vault, clinician, &unit_name, UnitKind::Couple, &partners, now).unwrap();
    let unit = families::set_policy(&fixture.vault, clinician, &unit.id, UnitPolicy::NoSecrets, now).unwrap();
    let agreement = unit.agreement_document_id.clone().expect("a no-secrets agreement to sign");
    let (kiosk, _) = families::start_kiosk(&fixture.vault, clinician, &unit.id, now).unwrap();
    for (index, member) in unit.members.iter().filter(|member| member.adult).enumerate() {
        kiosk.sign(&fixture.vault, &agreement, index as u32, &scrawl(&member.name), now).unwrap();
    }
    drop(kiosk);
    families::create_note(&fixture.vault, clinician, &unit.id, "2026-11-18", "Joint session.", now).unwrap();
    World { fixture, clinicians, clients, documents, agreement: (agreement, unit_name) }
}

/// Text as compared: runs of white space (line ends, the spaces `pdftotext` puts between words) as one space,
/// and without the embedding marks `pdftotext` puts around a right-to-left run inside a left-to-right line
/// (U+202B … U+202C: poppler's `TextOutputDev` adds them; they are not in the PDF).
fn squeeze(text: &str) -> String {
    let unmarked: String = text.chars().filter(|c| !matches!(c, '\u{202a}'..='\u{202e}')).collect();
    unmarked.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a poppler tool prints about the PDF at `path` (`pdftotext` to standard output).
fn poppler(tool: &str, args: &[&str], path: &Path) -> String {
    let to_stdout: &[&str] = if tool == "pdftotext" { &["-"] } else { &[] };
    let output = Command::new(tool)
        .args(args)
        .arg(path)
        .args(to_stdout)
        .output()
        .unwrap_or_else(|_| panic!("{tool} is needed for PDF tests (apt-get install poppler-utils)"));
    assert!(output.status.success(), "{tool}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The glyphs a PDF shows that are `.notdef` (glyph 0 of a composite font), as (page, font) pairs: a
/// character no embedded font has.
fn notdef_glyphs(bytes: &[u8]) -> Vec<(u32, String)> {
    let document = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let mut found = Vec::new();
    for (number, page) in document.get_pages() {
        let fonts = document.get_page_fonts(page).unwrap();
        let composite = |name: &[u8]| {
            fonts.get(name).and_then(|font| font.get(b"Subtype").ok()).and_then(|subtype| subtype.as_name().ok())
                == Some(b"Type0".as_slice())
        };
        let content = document.get_and_decode_page_content(page).unwrap();
        let mut font: Vec<u8> = Vec::new();
        for operation in &content.operations {
            let strings: Vec<&[u8]> = match operation.operator.as_str() {
                "Tf" => {
                    font = operation.operands[0].as_name().unwrap().to_vec();
                    continue;
                }
                "Tj" | "'" | "\"" => operation.operands.iter().filter_map(|operand| operand.as_str().ok()).collect(),
                "TJ" => operation.operands[0]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|operand| operand.as_str().ok())
                    .collect(),
                _ => continue,
            };
            for string in strings {
                let zero =
                    if composite(&font) { string.chunks(2).any(|glyph| glyph == [0, 0]) } else { string.contains(&0) };
                if zero {
                    found.push((number, String::from_utf8_lossy(&font).into_owned()));
                }
            }
        }
    }
    found
}

/// How many pixels of each page of `path`, rendered in grey at 36 dpi, are dark.
fn ink_per_page(path: &Path) -> Vec<usize> {
    let folder = tempfile::tempdir().unwrap();
    let prefix = folder.path().join("page");
    let output = Command::new("pdftoppm").args(["-gray", "-r", "36"]).arg(path).arg(&prefix).output().unwrap();
    assert!(output.status.success() && output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut pages: Vec<PathBuf> =
        std::fs::read_dir(folder.path()).unwrap().map(|entry| entry.unwrap().path()).collect();
    pages.sort_by_key(|page| {
        let stem = page.file_stem().unwrap().to_string_lossy().into_owned();
        stem.rsplit('-').next().unwrap().parse::<u32>().unwrap()
    });
    pages
        .iter()
        .map(|page| {
            // A binary PGM: "P5\n<w> <h>\n255\n" then one byte a pixel.
            let image = std::fs::read(page).unwrap();
            let header_end = image.windows(4).position(|w| w == b"255\n").expect("a PGM header") + 4;
            image[header_end..].iter().filter(|&&pixel| pixel < 160).count()
        })
        .collect()
}

/// Reads the PDF at `path` back: every one of `names` in its text in logical order, no `.notdef` glyph,
/// every font an embedded subset with a Unicode map, and ink on every page. Returns the text.
fn assert_prints(path: &Path, names: &[String]) -> String {
    let what = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = squeeze(&poppler("pdftotext", &[], path));
    let missing: Vec<&String> = names.iter().filter(|name| !text.contains(&squeeze(name))).collect();
    assert!(missing.is_empty(), "{what}: {missing:?} not in the text in logical order:\n{text}");

    let bytes = std::fs::read(path).unwrap();
    let notdef = notdef_glyphs(&bytes);
    assert!(notdef.is_empty(), "{what}: .notdef glyphs (page, font): {notdef:?}");

    let fonts = poppler("pdffonts", &[], path);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{what}: no fonts");
    for row in &rows {
        let subset = row.split_whitespace().next().is_some_and(|name| name.len() > 7 && name.as_bytes()[6] == b'+');
        assert!(
            subset && row.contains(" yes yes yes "),
            "{what}: a font not embedded as a subset with a map:\n{fonts}"
        );
    }

    let ink = ink_per_page(path);
    assert!(!ink.is_empty() && ink.iter().all(|&dark| dark > 300), "{what}: a page without ink: {ink:?}");
    text
}

/// What every PDF's first page prints on top: the letterhead.
fn letterhead() -> Vec<String> {
    std::iter::once(PRACTICE_NAME).chain(ADDRESS).chain([LICENCE]).map(str::to_owned).collect()
}

/// The names a consent of client `index` prints: the client, the guardian, the witness (who also prepared it)
/// and the letterhead.
fn consent_names(index: usize) -> Vec<String> {
    let script = &SCRIPTS[index];
    [display_name(index), script.guardian.to_owned(), script.clinician.to_owned()]
        .into_iter()
        .chain(letterhead())
        .collect()
}

#[test]
fn consent_pdfs_print_every_name_in_every_script() {
    let world = world();
    let folder = tempfile::tempdir().unwrap();
    for (index, documents) in world.documents.iter().enumerate() {
        for document in documents {
            let export = consent::export_document(
                &world.fixture.vault,
                &world.clinicians[index],
                &document.id,
                folder.path(),
                test_now(),
            )
            .unwrap();
            assert_prints(&export.pdf_path, &consent_names(index));
            assert_eq!(export.unprintable, Vec::<char>::new(), "every character has a font");
        }
    }
}

#[test]
fn consent_packets_and_a_couples_agreement_print_every_name_in_every_script() {
    let world = world();
    let folder = tempfile::tempdir().unwrap();
    for (index, client) in world.clients.iter().enumerate() {
        let packet =
            consent::export_packet(&world.fixture.vault, &world.clinicians[index], client, folder.path(), test_now())
                .unwrap();
        let text = assert_prints(&packet.pdf_path, &consent_names(index));
        assert_eq!(packet.unprintable, Vec::<char>::new(), "every character has a font");
        assert!(
            text.contains("Consent to treatment") && text.contains("technology used for telehealth"),
            "both documents: {text}"
        );
    }
    // The couple's agreement: both partners sign it, each in their own script.
    let (agreement, _) = &world.agreement;
    let export =
        consent::export_document(&world.fixture.vault, &world.fixture.owner, agreement, folder.path(), test_now())
            .unwrap();
    let partners: Vec<String> = COUPLE.iter().map(|&index| display_name(index)).chain(letterhead()).collect();
    assert_prints(&export.pdf_path, &partners);
}

#[test]
fn record_pdfs_and_their_consent_pdfs_print_every_name_in_every_script() {
    let world = world();
    let folder = tempfile::tempdir().unwrap();
    for (index, client) in world.clients.iter().enumerate() {
        let report = super::export_client(
            &world.fixture.vault,
            &world.clinicians[index],
            client,
            folder.path(),
            None,
            test_now(),
        )
        .unwrap();
        let heading = record_heading(index);
        // The record names its client, guardian, care team (this script's clinician and the next one's) and
        // its couple.
        let team = [SCRIPTS[index].clinician, SCRIPTS[(index + 1) % SCRIPTS.len()].clinician].map(str::to_owned);
        let mut names: Vec<String> =
            [heading, SCRIPTS[index].guardian.to_owned()].into_iter().chain(team).chain(letterhead()).collect();
        if COUPLE.contains(&index) {
            names.push(world.agreement.1.clone());
        }
        assert_prints(&report.pdf_path, &names);
        assert_eq!(report.unprintable, Vec::<char>::new(), "every character has a font");
        let signed =
            crate::consent::client_consents(&world.fixture.vault, &world.clinicians[index], client, test_now())
                .unwrap()
                .documents;
        assert!(signed.len() >= 2, "{names:?}");
        assert_eq!(report.consent_pdfs.len(), signed.len(), "one PDF per signed consent: {names:?}");
        for consent_pdf in &report.consent_pdfs {
            assert_prints(consent_pdf, &[display_name(index)]);
        }
    }
}

#[test]
fn the_practice_export_pdf_prints_every_name_in_every_script() {
    let world = world();
    let folder = tempfile::tempdir().unwrap();
    let report =
        super::export_practice(&world.fixture.vault, &world.fixture.owner, folder.path(), test_now(), &Silent).unwrap();
    // It prints each client's record: name, care team and notes (guardians and couples are in the JSON).
    let names: Vec<String> = (0..SCRIPTS.len())
        .map(record_heading)
        .chain(SCRIPTS.iter().map(|script| script.clinician.to_owned()))
        .chain(letterhead())
        .collect();
    assert_prints(&report.pdf_path, &names);
    assert_eq!(report.unprintable, Vec::<char>::new(), "every character has a font");
}

/// The `.notdef` check finds a glyph 0: the same PDF with one shown glyph set to 0 is caught.
#[test]
fn the_notdef_check_finds_a_shown_glyph_zero() {
    let document = crate::pdf::Document {
        title: "Consent".into(),
        subtitle: None,
        created_at: "2026-11-23T09:00:00Z".into(),
        footer: String::new(),
        letterhead: crate::pdf::Letterhead::default(),
        blocks: vec![crate::pdf::Block::Paragraph("Zoë Müller-Łukasiewicz".into())],
        keywords: Vec::new(),
    };
    let bytes = crate::pdf::render(&document).unwrap();
    assert_eq!(notdef_glyphs(&bytes), [], "a PDF of printable text");

    let mut pdf = lopdf::Document::load_mem(&bytes).unwrap();
    let page = pdf.get_pages()[&1];
    let mut content = pdf.get_and_decode_page_content(page).unwrap();
    let shown =
        content.operations.iter_mut().find(|operation| operation.operator == "Tj" || operation.operator == "TJ");
    let shown = shown.expect("text shown on the page");
    let string = if shown.operator == "TJ" {
        shown.operands[0].as_array_mut().unwrap().iter_mut().find(|operand| operand.as_str().is_ok()).unwrap()
    } else {
        &mut shown.operands[0]
    };
    if let lopdf::Object::String(glyphs, _) = string {
        glyphs[..2].copy_from_slice(&[0, 0]);
    }
    pdf.change_page_content(page, content.encode().unwrap()).unwrap();
    let mut broken = Vec::new();
    pdf.save_to(&mut broken).unwrap();
    assert_eq!(notdef_glyphs(&broken).len(), 1, "the glyph set to 0");
}

/// The sample in `docs/`: a consent as Saferoom prints it, for a client, her parents, a clinician and a
/// letterhead with names in several scripts.
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sample-consent-multiscript");

/// The sample's text as compared: white space squeezed, and each run of words made of hex digits and dashes
/// alone as one `#`: ids and hashes are random in every vault, and a hash may wrap anywhere (a few short
/// words such as "a" and dates go with them, alike on both sides).
fn without_ids(text: &str) -> String {
    let squeezed = squeeze(text);
    let mut words: Vec<&str> = Vec::new();
    for word in squeezed.split(' ') {
        let hex = word.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f' | '-'));
        let word = if hex { "#" } else { word };
        if !(word == "#" && words.last() == Some(&"#")) {
            words.push(word);
        }
    }
    words.join(" ")
}

/// `docs/sample-consent-multiscript.pdf` (and `.png`, its first page at 60 dpi) is what Saferoom prints now:
/// `UPDATE_SAMPLES=1` makes them again; otherwise the committed PDF's text must equal a fresh render's.
#[test]
fn the_sample_consent_in_docs_is_what_saferoom_prints_now() {
    let fixture = practice();
    let now = test_now();
    let profile = crate::settings::PracticeProfile {
        name: "Riverside Counselling".into(),
        address: "12 Elm Street\nSpringfield, IL 62701".into(),
        phone: "(217) 555-0100".into(),
        licence_lines: "Zoë Müller-Łukasiewicz, Licensed Clinical Professional Counselor, Illinois 180.012345".into(),
        npi: "1234567893".into(),
        time_zone: "America/Chicago".into(),
    };
    crate::settings::set_practice_profile(&fixture.vault, &fixture.owner, profile, now).unwrap();
    let mut vault = fixture.vault;
    let password = SecretString::from(PASSWORD);
    let new =
        NewStaff { login: "rachel", display_name: "רחל אברהם", role: Role::Clinician, password: &password };
    let member = staff::add(&mut vault, &fixture.owner, new, now).unwrap();
    let clinician = Session::for_fixtures(&vault, &member.id).unwrap();
    let input = crate::clients::ClientInput {
        date_of_birth: "2014-03-01".into(), ..client_input("فاطمة", "الحسيني")
    };
    let client = crate::clients::create(&vault, &clinician, input, now).unwrap().id;
    let signers = [
        SignerInput { role: SignerRole::Guardian, name: "محمد الحسيني".into() },
        SignerInput { role: SignerRole::Guardian, name: "王秀英".into() },
        SignerInput { role: SignerRole::Witness, name: "רחל אברהם".into() },
    ];
    let document =
        consent::prepare(&vault, &clinician, &client, &[ConsentKind::Treatment], &signers, now).unwrap().remove(0);
    let (kiosk, _) =
        consent::Kiosk::start(&vault, &clinician, &client, std::slice::from_ref(&document.id), now).unwrap();
    for signer in &document.signers {
        if signer.role == SignerRole::Witness {
            consent::sign(&vault, &clinician, &document.id, signer.index, &scrawl(&signer.name), now).unwrap();
        } else {
            kiosk.sign(&vault, &document.id, signer.index, &scrawl(&signer.name), now).unwrap();
        }
    }
    drop(kiosk);
    let folder = tempfile::tempdir().unwrap();
    let export = consent::export_document(&vault, &clinician, &document.id, folder.path(), now).unwrap();
    let names: Vec<String> =
        ["فاطمة الحسيني", "محمد الحسيني", "王秀英", "רחל אברהם", "Zoë Müller-Łukasiewicz"].map(str::to_owned).to_vec();
    let fresh = assert_prints(&export.pdf_path, &names);

    let (pdf, png) = (PathBuf::from(format!("{SAMPLE}.pdf")), PathBuf::from(format!("{SAMPLE}.png")));
    if std::env::var_os("UPDATE_SAMPLES").is_some() {
        std::fs::copy(&export.pdf_path, &pdf).unwrap();
        let output =
            Command::new("pdftoppm").args(["-png", "-r", "60", "-singlefile"]).arg(&pdf).arg(SAMPLE).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert!(png.exists(), "{} is missing: run this test with UPDATE_SAMPLES=1", png.display());
    let committed = squeeze(&poppler("pdftotext", &[], &pdf));
    if without_ids(&committed) != without_ids(&fresh) {
        let (committed, fresh) = (without_ids(&committed), without_ids(&fresh));
        let words: Vec<(&str, &str)> =
            committed.split(' ').zip(fresh.split(' ')).filter(|(left, right)| left != right).take(5).collect();
        eprintln!("first differences (committed, fresh): {words:?}");
    }
    assert_eq!(
        without_ids(&committed),
        without_ids(&fresh),
        "docs/sample-consent-multiscript.pdf is stale: run this test with UPDATE_SAMPLES=1 and look at the PNG"
    );
}

/// Saferoom's own lines are left to right: a line of its English text that starts with a right-to-left name
/// keeps its order (the name keeps its place), as `pdftotext` reads it back.
#[test]
fn a_line_that_starts_with_a_right_to_left_name_keeps_its_left_to_right_order() {
    let subtitle = "فاطمة الحسيني · born 1 March 2014 · exported 23 November 2026, 3:00 am CST";
    let document = crate::pdf::Document {
        title: "Consent to treatment".into(),
        subtitle: Some(subtitle.into()),
        created_at: "2026-11-23T09:00:00Z".into(),
        footer: String::new(),
        letterhead: crate::pdf::Letterhead::default(),
        blocks: vec![crate::pdf::Block::Field { label: "Client".into(), value: "فاطمة الحسيني".into() }],
        keywords: Vec::new(),
    };
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("subtitle.pdf");
    std::fs::write(&path, crate::pdf::render(&document).unwrap()).unwrap();
    let text = squeeze(&poppler("pdftotext", &[], &path));
    // The words in Saferoom's order: the name first, then the date of birth and the export time. (poppler puts
    // the neutral " · " next to right-to-left text on the other side of the name, so the line is compared by
    // its words, not as a whole.)
    let name = text.find("فاطمة الحسيني").expect("the name reads back whole");
    let born = text.find("born 1 March 2014").expect("the date of birth reads back");
    let exported = text.find("exported 23 November 2026, 3:00 am CST").expect("the export time reads back");
    assert!(name < born && born < exported, "the subtitle in its own order:\n{text}");
    let client = text.find("Client: فاطمة الحسيني").expect("a field whose value is a right-to-left name");
    assert!(exported < client, "the field after the subtitle:\n{text}");
}

/// Distinct characters of `texts` other than spaces, sorted.
fn distinct(texts: &[&str]) -> Vec<char> {
    let mut characters: Vec<char> = texts.iter().flat_map(|text| text.chars()).filter(|c| *c != ' ').collect();
    characters.sort_unstable();
    characters.dedup();
    characters
}

fn sorted(mut characters: Vec<char>) -> Vec<char> {
    characters.sort_unstable();
    characters
}

/// A name in a script no bundled font has (Tamil, Ethiopic) prints as a small empty box, and every export
/// that writes a PDF says which characters those were, each once; names the fonts have report nothing.
#[test]
fn characters_no_bundled_font_has_are_reported_by_every_export_that_prints_them() {
    let fixture = practice();
    let now = test_now();
    let settings = consent::ConsentSettings { platform: "Doxy.me".into(), ..consent::ConsentSettings::default() };
    consent::set_settings(&fixture.vault, &fixture.owner, settings, now).unwrap();
    let (tamil, ethiopic) = ("அனிதா", "አበበ ቢቂላ");
    let client = fixture.client(tamil, "Raman");
    let guardian = GuardianInput {
        name: ethiopic.into(),
        role: GuardianRole::LegalGuardian,
        access: GuardianAccess::Full,
        custody_note: None,
        phone: None,
        email: None,
    };
    minors::add_guardian(&fixture.vault, &fixture.clinician, &client, guardian, now).unwrap();
    let signers = [SignerInput { role: SignerRole::Guardian, name: ethiopic.into() }];
    let document =
        consent::prepare(&fixture.vault, &fixture.clinician, &client, &[ConsentKind::Treatment], &signers, now)
            .unwrap()
            .remove(0);
    let (kiosk, _) =
        consent::Kiosk::start(&fixture.vault, &fixture.clinician, &client, std::slice::from_ref(&document.id), now)
            .unwrap();
    for signer in &document.signers {
        kiosk.sign(&fixture.vault, &document.id, signer.index, &scrawl(&signer.name), now).unwrap();
    }
    drop(kiosk);
    let plain = fixture.client("Zoë", "Müller-Łukasiewicz");
    let folder = tempfile::tempdir().unwrap();
    let both = distinct(&[tamil, ethiopic]);

    let export =
        consent::export_document(&fixture.vault, &fixture.clinician, &document.id, folder.path(), now).unwrap();
    assert_eq!(sorted(export.unprintable.clone()), both, "the client's and the guardian's letters, each once");
    let text = poppler("pdftotext", &[], &export.pdf_path);
    // Drawn as a box, the name still reads back as it was given.
    assert!(text.contains(&format!("{tamil} Raman")) && text.contains(ethiopic), "{text}");
    assert_eq!(notdef_glyphs(&std::fs::read(&export.pdf_path).unwrap()), [], "a box, never .notdef");

    let packet = consent::export_packet(&fixture.vault, &fixture.clinician, &client, folder.path(), now).unwrap();
    assert_eq!(sorted(packet.unprintable), both);

    // The record (the guardian's name is on it) and its consent PDF, together.
    let record = super::export_client(&fixture.vault, &fixture.clinician, &client, folder.path(), None, now).unwrap();
    assert_eq!(record.consent_pdfs.len(), 1);
    assert_eq!(sorted(record.unprintable), both);
    let plain_record =
        super::export_client(&fixture.vault, &fixture.clinician, &plain, folder.path(), None, now).unwrap();
    assert_eq!(plain_record.unprintable, Vec::<char>::new(), "names the fonts have");

    // The practice's PDF lists clients, not guardians.
    let practice_report = super::export_practice(&fixture.vault, &fixture.owner, folder.path(), now, &Silent).unwrap();
    assert_eq!(sorted(practice_report.unprintable), distinct(&[tamil]));
}
