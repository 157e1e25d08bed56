//! r5: consent. The owner names the telehealth platform and saves a new version of the treatment consent;
//! a client's dual consent (treatment + technology) is prepared and handed to the signing kiosk, where
//! every command but the kiosk's own is refused by the app (tried one by one from the webview); the client
//! signs with the pointer, staff end the kiosk with a password, the client is ready for telehealth, the
//! packet is exported (PDF and FHIR read back), and a new platform puts the client on the re-consent list.

use std::time::Duration;

use fantoccini::Client;
use serde_json::{json, Value};

use super::harness::{
    click, draw_signature, invoke, screenshot, select_value, set_value, type_into, wait_for, wait_for_text, Journey,
};
use super::practice::new_client;
use super::{create_practice, OWNER_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r5_consent_kiosk_and_export() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(360), journey()).await.expect("the journey finishes within six minutes");
}

include!("../../src-tauri/src/command_list.rs");

/// The command names from the app's one list (`src-tauri/src/command_list.rs`).
macro_rules! command_names {
    ($($module:ident :: $command:ident),* $(,)?) => {
        vec![$(stringify!($command).to_owned()),*]
    };
}

/// Every command the app declares, so a new one is tried too.
fn all_commands() -> Vec<String> {
    saferoom_commands!(command_names)
}

/// Arguments every command accepts (each takes the keys it needs), so a refusal cannot be an argument error.
fn arguments() -> Value {
    let template = r#"{
        "useKeychain": false, "owner": { "login": "x", "displayName": "X", "password": "a long password here" },
        "code": "AAAA", "recoveryCode": "AAAA", "passphrase": "a long passphrase", "minutes": 5, "login": "olivia", "password": "@PASSWORD@",
        "currentPassword": "@PASSWORD@", "newPassword": "another long password", "role": "clinician",
        "staffId": "@ID@", "displayName": "X", "active": true, "query": "a", "includeDischarged": false,
        "input": {
            "givenName": "A", "familyName": "B", "preferredName": null, "dateOfBirth": "1990-01-01", "pronouns": null,
            "jurisdiction": "US-CA", "email": null, "phone": null, "address": null,
            "contact": { "preferred": "phone", "okToLeaveVoicemail": false, "okToText": false, "okToEmail": false },
            "billing": { "mode": "private_pay" }
        },
        "clientId": "@ID@", "status": "active", "staffIds": [], "answers": {}, "kind": "treatment", "sessionDate": "2024-01-01",
        "body": "text", "noteId": "@ID@",
        "filter": { "actorId": null, "clientId": null, "action": null, "from": null, "to": null, "beforeSeq": null, "limit": 10 },
        "grantId": "@ID@", "reason": "a reason of some length", "unreviewedOnly": false, "receivedOn": "2024-01-01",
        "requestId": "@ID@", "recipient": "r", "purpose": "p", "signedOn": "2024-01-01", "expiresOn": "2025-01-01",
        "folder": "/tmp", "file": "/tmp/x.json", "openOnly": false, "title": "T",
        "settings": { "platform": "X", "recordingPolicy": "None.", "expiryMonths": 12 },
        "kinds": ["treatment"], "signers": [], "documentId": "@ID@", "signerIndex": 0,
        "signature": { "typedName": "X", "intent": true, "strokes": [[{ "x": 1, "y": 1, "t": 0 }]], "device": "d" },
        "documentIds": ["@ID@"],
        "name": "N", "memberIds": ["@ID@"], "unitId": "@ID@", "policy": "strict", "guardianId": "@ID@",
        "guardian": { "name": "G", "role": "parent", "access": "full", "custodyNote": null, "phone": null, "email": null },
        "jurisdiction": "US-CA", "field": "session_cap", "value": null, "onDate": null,
        "keep": 3, "wayIn": { "kind": "recovery_code", "code": "AAAA" }, "replaceOtherPractice": false,
        "content": { "template": "free", "body": "text", "sections": [],
            "facts": { "startTime": null, "durationMinutes": null, "serviceCode": null, "serviceOther": "", "setting": null,
                       "attendance": null, "attendanceDetail": "" } },
        "profile": { "name": "P", "address": "", "phone": "", "licenceLines": "", "npi": "", "timeZone": "UTC" },
        "worksAlone": true, "recordNumber": "R-0001"
    }"#;
    let text = template.replace("@ID@", "00000000-0000-4000-8000-000000000000").replace("@PASSWORD@", OWNER_PASSWORD);
    serde_json::from_str(&text).expect("the arguments are JSON")
}

pub async fn sign_here(client: &Client, name: &str) {
    wait_for(client, "#signature-pad").await;
    draw_signature(client, "pen").await;
    type_into(client, "#signature-typed-name", name).await;
    click(client, "#signature-intent").await;
    click(client, "#signature-submit").await;
}

/// On the open client's consent tab: prepare the treatment and technology consents, both left to sign.
pub async fn prepare_basic_consents(client: &Client) {
    click(client, "#tab-consent").await;
    wait_for(client, "#consent-ready[data-ready='false']").await;
    click(client, ".consent-kind-option[value='treatment']").await;
    click(client, ".consent-kind-option[value='technology']").await;
    click(client, "#consent-prepare").await;
    wait_for(client, ".consent-document[data-kind='treatment'][data-status='pending']").await;
    wait_for(client, ".consent-document[data-kind='technology'][data-status='pending']").await;
}

/// In the kiosk: `name` signs `documents` documents with the pen, one after the other, to the end.
pub async fn sign_in_kiosk(client: &Client, name: &str, documents: usize) {
    for _ in 0..documents {
        click(client, ".kiosk-signer[data-signed='false']").await;
        sign_here(client, name).await;
        wait_for(client, ".kiosk-document").await;
    }
    wait_for(client, "#kiosk-done").await;
}

pub fn run(tool: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(tool).args(args).output().unwrap_or_else(|error| panic!("{tool}: {error}"));
    assert!(output.status.success(), "{tool} {args:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn journey() {
    let journey = Journey::start();
    let exports = tempfile::tempdir().unwrap();
    let client = journey.launch().await;
    create_practice(&client, &journey.vault).await;

    // The owner names the platform and saves a practice version of the treatment consent.
    click(&client, "#nav-consent").await;
    type_into(&client, "#consent-platform", "Doxy.me").await;
    click(&client, "#consent-settings-save").await;
    wait_for(&client, "#consent-settings-saved").await;
    select_value(&client, "#template-kind", "treatment").await;
    wait_for(&client, ".template-version").await;
    let body = wait_for(&client, "#template-body").await.prop("value").await.unwrap().unwrap_or_default();
    set_value(&client, "#template-body", &format!("{body}\n\nSessions last 50 minutes.")).await;
    click(&client, "#template-save").await;
    wait_for_text(&client, "#template-saved", "version 2").await;
    screenshot(&client, "30-templates").await;

    // A client's dual consent, prepared and not yet signed.
    new_client(&client, "Zoë", "Ångström").await;
    let found = invoke(&client, "search_clients", &json!({ "query": "Ångström", "includeDischarged": false })).await;
    let client_id = found.expect("search")[0]["id"].as_str().expect("the client's id").to_owned();
    prepare_basic_consents(&client).await;

    // The kiosk: nothing else answers until staff sign in again.
    click(&client, "#consent-start-kiosk").await;
    wait_for(&client, "#kiosk-screen").await;
    screenshot(&client, "31-kiosk").await;
    let allowed = ["vault_status", "touch", "current_time_zone", "kiosk_packet", "kiosk_sign", "end_kiosk"];
    let args = arguments();
    let commands = all_commands();
    assert!(commands.len() > 60, "{} commands", commands.len());
    for command in commands.iter().filter(|command| !allowed.contains(&command.as_str())) {
        // Notes' `kind` is a note kind; elsewhere a consent kind.
        let mut args = args.clone();
        if command.contains("note") || command == "add_addendum" {
            args["kind"] = json!("progress");
        }
        let outcome = invoke(&client, command, &args).await;
        let error = outcome.expect_err(&format!("{command} must be refused in the kiosk"));
        assert_eq!(error["code"], "kiosk_active", "{command}: {error}");
    }
    let status = invoke(&client, "vault_status", &json!({})).await.unwrap();
    assert_eq!((status["kiosk"].as_bool(), status["session"].is_null()), (Some(true), true), "{status}");
    assert!(client.find(fantoccini::Locator::Css("#main-screen")).await.is_err(), "no way back to the app");

    // The client signs both documents with the pen.
    sign_in_kiosk(&client, "Zoë Ångström", 2).await;
    screenshot(&client, "32-kiosk-done").await;

    // Staff end it: a wrong password keeps the kiosk; the right one signs the owner in.
    click(&client, "#kiosk-end").await;
    // The staff form is in view without scrolling, down to 1024×768: the documents scroll inside the kiosk.
    let _ = client.set_window_size(1024, 768).await;
    let fits = client
        .execute(
            "const button = document.querySelector('#kiosk-end-submit').getBoundingClientRect();
             return [button.bottom <= window.innerHeight, document.documentElement.scrollHeight <= window.innerHeight + 1,
                     window.innerWidth, window.innerHeight];",
            vec![],
        )
        .await
        .expect("the layout is measured");
    assert_eq!((&fits[0], &fits[1]), (&json!(true), &json!(true)), "the kiosk's staff form is in view: {fits}");
    type_into(&client, "#kiosk-login", "olivia").await;
    type_into(&client, "#kiosk-password", "not the password").await;
    click(&client, "#kiosk-end-submit").await;
    wait_for(&client, "#kiosk-error").await;
    assert!(client.find(fantoccini::Locator::Css("#kiosk-screen")).await.is_ok());
    type_into(&client, "#kiosk-password", OWNER_PASSWORD).await;
    click(&client, "#kiosk-end-submit").await;
    wait_for_text(&client, "#session-user", "Olivia Owner").await;

    // Ready for telehealth; the signatures show; the packet exports and reads back.
    click(&client, "#nav-clients").await;
    click(&client, &format!(".client-row[data-client-id='{client_id}']")).await;
    click(&client, "#tab-consent").await;
    wait_for(&client, "#consent-ready[data-ready='true']").await;
    wait_for(&client, ".consent-document[data-kind='technology'][data-status='signed'] .consent-signature-image").await;
    type_into(&client, "#consent-export-folder", &exports.path().display().to_string()).await;
    click(&client, "#consent-export-packet").await;
    let pdf = wait_for(&client, "#consent-export-result .consent-export-pdf-path").await.text().await.unwrap();
    screenshot(&client, "33-consent-export").await;
    let text = run("pdftotext", &[pdf.trim(), "-"]);
    for expected in ["Consent to treatment", "Sessions last 50 minutes.", "Doxy.me", "Zoë Ångström", "Evidence"] {
        assert!(text.contains(expected), "{expected:?} in the packet PDF");
    }
    assert_eq!(run("pdfimages", &["-list", pdf.trim()]).lines().skip(2).count(), 2, "two signatures");
    let fhir = wait_for(&client, "#consent-export-result .consent-export-fhir-path").await.text().await.unwrap();
    let bundle: Value = serde_json::from_slice(&std::fs::read(fhir.trim()).unwrap()).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["entry"][0]["resource"]["status"], "active");

    // A new platform: the client needs to consent again.
    click(&client, "#nav-consent").await;
    type_into(&client, "#consent-platform", "Zoom for Healthcare").await;
    click(&client, "#consent-settings-save").await;
    wait_for(&client, "#consent-settings-saved").await;
    click(&client, "#nav-clients").await;
    click(&client, "#nav-consent").await;
    wait_for(&client, &format!(".reconsent-row[data-client-id='{client_id}']")).await;
    screenshot(&client, "34-reconsent").await;
}
