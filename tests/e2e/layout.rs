//! r15: every main screen fits the window. At 1024x768 and at 1280x800, signed in as each role (owner,
//! clinician, front desk), every section the role has is opened through the navigation: no page scrolls
//! sideways, every navigation item (the Practice menu's too) is inside the window and is what a click there
//! reaches, and no two sentences run together. A screenshot of every screen is saved under
//! target/e2e-screenshots (layout-<size>-<login>-<screen>.png) for people to look at.

use std::time::Duration;

use fantoccini::Client;
use serde_json::{json, Value};

use super::harness::{click, go_to, screenshot, type_into, wait_for, wait_for_text, Journey};
use super::practice::{add_staff, new_client, STAFF_PASSWORD};
use super::{create_practice, sign_in, OWNER_PASSWORD};

const SIZES: [(u32, u32); 2] = [(1024, 768), (1280, 800)];
const RECORD_SECTIONS: [&str; 5] = ["clients", "requests", "consent", "families", "rules"];
const PRACTICE_SECTIONS: [&str; 5] = ["staff", "audit", "break-glass", "data", "settings"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r15_every_screen_fits_for_every_role() {
    let _one_at_a_time = super::harness::one_at_a_time().await;
    tokio::time::timeout(Duration::from_secs(540), journey()).await.expect("the journey finishes within nine minutes");
}

async fn journey() {
    let journey = Journey::start();
    let client = journey.launch().await;
    create_practice(&client, &journey.vault).await;
    go_to(&client, "staff").await;
    add_staff(&client, "carl", "Carl Clinician", "clinician").await;
    add_staff(&client, "fran", "Fran Front", "front_desk").await;
    new_client(&client, "Ada", "Lovelace").await;

    let owner_sections: Vec<&str> = RECORD_SECTIONS.iter().chain(PRACTICE_SECTIONS.iter()).copied().collect();
    let others: Vec<&str> = RECORD_SECTIONS.iter().copied().chain(["settings"]).collect();
    let roles: [(&str, &str, &[&str]); 3] = [
        ("olivia", OWNER_PASSWORD, &owner_sections),
        ("carl", STAFF_PASSWORD, &others),
        ("fran", STAFF_PASSWORD, &others),
    ];
    for (login, password, sections) in roles {
        if login != "olivia" {
            click(&client, "#switch-user").await;
            sign_in(&client, login, password).await;
        }
        for (width, height) in SIZES {
            client.set_window_size(width, height).await.expect("the window can be resized");
            // The window manager-less display applies the size at once; give the page a frame to lay out.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let size = format!("{width}x{height}");
            let viewport = client.execute("return [window.innerWidth, window.innerHeight];", vec![]).await.unwrap();
            assert_eq!(viewport, json!([width, height]), "the page fills the {size} window");
            check_navigation(&client, &format!("{size} {login}")).await;
            for section in sections.iter() {
                go_to(&client, section).await;
                wait_for(&client, &format!("#nav-{}[aria-current='page'], #nav-practice.current", section)).await;
                let name = format!("layout-{size}-{login}-{section}");
                screenshot(&client, &name).await;
                check_screen(&client, &name).await;
            }
            // A client's record, for those who see Ada (the owner sees every record; the front desk her
            // demographics). Carl is not on her care team: his list is empty.
            if login != "carl" {
                go_to(&client, "clients").await;
                type_into(&client, "#client-search", "Lovelace").await;
                click(&client, "#client-list .client-row").await;
                wait_for_text(&client, "#client-name", "Lovelace").await;
                let name = format!("layout-{size}-{login}-client-record");
                screenshot(&client, &name).await;
                check_screen(&client, &name).await;
            }
        }
    }
}

/// Nothing wider than the window, and no two sentences run together ("yet.Discharged").
async fn check_screen(client: &Client, name: &str) {
    let measured = client
        .execute(
            "const root = document.documentElement;
             const text = document.body.innerText;
             const joined = text.match(/[a-z]{2}[.!?][A-Z][a-z]+/g) || [];
             const wide = [];
             for (const element of document.body.querySelectorAll('*')) {
               const box = element.getBoundingClientRect();
               if (box.right > root.clientWidth + 0.5 && wide.length < 5) {
                 wide.push(element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
                   + (element.className && typeof element.className === 'string' ? '.' + element.className.split(' ')[0] : '')
                   + ' ' + Math.round(box.right) + 'px');
               }
             }
             return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, joined, wide };",
            vec![],
        )
        .await
        .unwrap();
    let scroll_width = measured["scrollWidth"].as_u64().unwrap();
    let client_width = measured["clientWidth"].as_u64().unwrap();
    assert!(
        scroll_width <= client_width,
        "{name}: the page scrolls sideways ({scroll_width} px wide in {client_width} px: {}; see \
         target/e2e-screenshots/{name}.png)",
        measured["wide"]
    );
    assert_eq!(measured["joined"], json!([]), "{name}: sentences run together");
}

/// Every navigation item is inside the window and is what a click at its centre reaches: the row's buttons,
/// and for the owner the Practice menu's items once it is open.
async fn check_navigation(client: &Client, label: &str) {
    let hidden = unreachable_items(client, "nav[aria-label='Sections'] > button, #nav-practice").await;
    assert_eq!(hidden, json!([]), "{label}: navigation items out of reach");
    if super::harness::is_present(client, "#nav-practice").await {
        click(client, "#nav-practice").await;
        wait_for(client, "#nav-practice-menu").await;
        let hidden = unreachable_items(client, "#nav-practice-menu [role='menuitem']").await;
        assert_eq!(hidden, json!([]), "{label}: Practice menu items out of reach");
        let items = client
            .execute(
                "return Array.from(document.querySelectorAll(\"#nav-practice-menu [role='menuitem']\")).map((e) => e.id);",
                vec![],
            )
            .await
            .unwrap();
        let expected: Vec<String> = PRACTICE_SECTIONS.iter().map(|section| format!("nav-{section}")).collect();
        assert_eq!(items, json!(expected), "{label}: the Practice menu");
        screenshot(client, &format!("layout-{}-practice-menu", label.replace(' ', "-"))).await;
        click(client, "#nav-practice").await;
    }
}

/// The ids of the elements matching `css` that are not fully inside the window or not hit at their centre.
async fn unreachable_items(client: &Client, css: &str) -> Value {
    client
        .execute(
            "const out = [];
             const items = document.querySelectorAll(arguments[0]);
             if (items.length === 0) out.push('no items for ' + arguments[0]);
             for (const item of items) {
               const box = item.getBoundingClientRect();
               const inside = box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
                 && box.right <= window.innerWidth && box.bottom <= window.innerHeight;
               const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
               if (!inside || !hit || !item.contains(hit)) out.push(item.id);
             }
             return out;",
            vec![json!(css)],
        )
        .await
        .unwrap()
}
