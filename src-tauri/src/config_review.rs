//! The Tauri configuration, reviewed by tests: the webview loads only bundled assets under a strict CSP,
//! nothing remote can reach IPC, and the window may call exactly Saferoom's own commands (the one list in
//! `command_list.rs`, which `build.rs` declares and `commands::handler` serves), listen for events and
//! open the native file and folder pickers — nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

fn manifest_file(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

fn json(relative: &str) -> Value {
    serde_json::from_str(&manifest_file(relative)).unwrap_or_else(|error| panic!("{relative} is JSON: {error}"))
}

/// The CSP as directive → sources.
fn csp() -> BTreeMap<String, Vec<String>> {
    let config = json("tauri.conf.json");
    let policy = config["app"]["security"]["csp"].as_str().expect("a CSP string is set");
    policy
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace();
            let name = words.next()?.to_owned();
            Some((name, words.map(str::to_owned).collect()))
        })
        .collect()
}

#[test]
fn the_csp_allows_only_bundled_assets_and_ipc() {
    let csp = csp();
    let sources = |name: &str| csp.get(name).cloned().unwrap_or_else(|| panic!("the CSP sets {name}"));
    assert_eq!(sources("default-src"), ["'self'"]);
    assert_eq!(sources("script-src"), ["'self'"]);
    assert_eq!(sources("style-src"), ["'self'"]);
    assert_eq!(sources("font-src"), ["'self'"]);
    assert_eq!(sources("img-src"), ["'self'", "data:"], "signature pictures are data: URLs");
    assert_eq!(sources("connect-src"), ["ipc:", "http://ipc.localhost"]);
    for name in ["object-src", "base-uri", "form-action", "frame-ancestors"] {
        assert_eq!(sources(name), ["'none'"], "{name}");
    }
    for (name, list) in &csp {
        for source in list {
            assert!(!source.contains("unsafe") && !source.contains('*'), "{name} allows {source}");
            let remote = source.starts_with("http") || source.starts_with("ws") || source.ends_with(':');
            let allowed = ["http://ipc.localhost", "ipc:", "data:"];
            assert!(!remote || allowed.contains(&source.as_str()), "{name} allows {source}");
        }
    }
}

#[test]
fn nothing_remote_is_loaded_or_given_ipc() {
    let config = json("tauri.conf.json");
    assert!(config["build"].get("devUrl").is_none(), "no dev server URL: every build serves ui/dist");
    assert_eq!(config["build"]["frontendDist"], "../ui/dist");
    assert_eq!(config["app"]["withGlobalTauri"], false, "no global __TAURI__ object for injected scripts");
    assert_eq!(config["app"]["security"]["freezePrototype"], true);
    for key in ["dangerousDisableAssetCspModification", "dangerousRemoteDomainIpcAccess", "assetProtocol"] {
        assert!(config["app"]["security"].get(key).is_none(), "{key} is not set");
    }
    let windows = config["app"]["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 1);
    assert!(windows[0].get("url").is_none(), "the window opens the bundled index.html");
    let capabilities: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities"))
        .expect("capabilities folder")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(capabilities, ["default.json"], "one capability file");
    let capability = json("capabilities/default.json");
    assert!(capability.get("remote").is_none(), "no remote URL may use the capability");
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
}

#[test]
fn the_window_may_call_exactly_saferooms_commands_listen_for_events_and_pick_files() {
    let declared: BTreeSet<&str> = crate::commands::COMMANDS.iter().copied().collect();
    assert!(declared.len() > 60, "{declared:?}");
    assert_eq!(declared.len(), crate::commands::COMMANDS.len(), "no command is listed twice");
    let capability = json("capabilities/default.json");
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|permission| permission.as_str().expect("permission names only").to_owned())
        .collect();
    let mut expected: BTreeSet<String> =
        declared.iter().map(|command| format!("allow-{}", command.replace('_', "-"))).collect();
    expected.insert("core:event:allow-listen".into());
    expected.insert("core:event:allow-unlisten".into());
    // The native pickers for backups (a file to save or open, a folder): they hand back a path the person
    // chose and read or write nothing themselves. Not `dialog:default`, which adds message boxes.
    expected.insert("dialog:allow-open".into());
    expected.insert("dialog:allow-save".into());
    assert_eq!(granted, expected, "no plugin (file system, shell, HTTP, window) and no command beyond our own");
}
