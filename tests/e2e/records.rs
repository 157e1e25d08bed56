//! r4: a client asks for their record. The request is recorded with its 30-day deadline, the record is
//! exported (JSON + PDF read back with pdftotext) and the request is fulfilled; the owner exports the whole
//! practice, and importing it into the same vault is refused as a whole.

use std::time::Duration;

use super::create_practice;
use super::harness::{click, go_to, screenshot, select_value, set_value, type_into, wait_for, wait_for_text, Journey};
use super::practice::new_client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r4_right_of_access_export_and_import() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(300), journey()).await.expect("the journey finishes within five minutes");
}

fn pdf_text(path: &str) -> String {
    let output = std::process::Command::new("pdftotext").args([path, "-"]).output().expect("pdftotext");
    assert!(output.status.success(), "pdftotext {path}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn journey() {
    let journey = Journey::start();
    let exports = tempfile::tempdir().unwrap();
    let client = journey.launch().await;
    create_practice(&client, &journey.vault).await;
    new_client(&client, "Zoë", "Ångström").await;

    // The request, dated today: due in 30 days.
    click(&client, "#tab-export").await;
    click(&client, "#record-request").await;
    wait_for(&client, "#record-request-saved").await;
    click(&client, "#nav-requests").await;
    let row = wait_for(&client, ".request-row[data-days-left='30']").await;
    let request_id = row.attr("data-request-id").await.unwrap().expect("the row names its request");
    assert!(row.text().await.unwrap().contains("Ångström"));
    screenshot(&client, "20-requests").await;

    // The export answers it: two files, the PDF readable, the request fulfilled.
    click(&client, ".request-row button").await;
    wait_for(&client, "#client-view").await;
    click(&client, "#tab-export").await;
    type_into(&client, "#export-folder", "relative/folder").await;
    click(&client, "#export-client").await;
    wait_for(&client, "#export-error").await;
    type_into(&client, "#export-folder", &exports.path().display().to_string()).await;
    wait_for(&client, &format!("#export-request option[value='{request_id}']")).await;
    select_value(&client, "#export-request", &request_id).await;
    click(&client, "#export-client").await;
    let result = wait_for_text(&client, "#export-result", ".pdf").await;
    screenshot(&client, "21-export").await;
    let pdf =
        result.split_whitespace().find(|word| word.ends_with(".pdf")).expect("the result names the PDF").to_owned();
    assert!(std::path::Path::new(&pdf).is_file(), "{pdf}");
    let text = pdf_text(&pdf);
    assert!(text.contains("Zoë Ångström") && text.contains("Date of birth: 2 April 1990"), "{text}");
    let files = std::fs::read_dir(exports.path()).unwrap().count();
    assert_eq!(files, 2, "a JSON and a PDF");
    click(&client, "#nav-requests").await;
    wait_for(&client, &format!(".request-row[data-request-id='{request_id}'][data-fulfilled]")).await;

    // The whole practice, then importing it back into this vault, which holds records: refused as a whole
    // (a practice export goes into a new, empty vault; see r7).
    go_to(&client, "data").await;
    type_into(&client, "#practice-export-folder", &exports.path().display().to_string()).await;
    click(&client, "#export-practice").await;
    let result = wait_for_text(&client, "#practice-export-result", ".json").await;
    let json = result.split_whitespace().find(|word| word.ends_with(".json")).unwrap().to_owned();
    let export: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(export["format"], "saferoom-export");
    assert_eq!(export["tables"]["clients"].as_array().unwrap().len(), 1);
    set_value(&client, "#import-file", &json).await;
    click(&client, "#import-practice").await;
    click(&client, "#import-confirm").await;
    wait_for_text(&client, "#import-error", "already holds records").await;
    screenshot(&client, "22-practice-data").await;
    client.close().await.unwrap();
}
