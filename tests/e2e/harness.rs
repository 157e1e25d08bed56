//! What the journeys stand on: a virtual display, a private Secret Service, tauri-driver, and a
//! WebDriver session on the real app binary.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use saferoom_core::testing::PrivateSecretService;
use serde_json::{json, Value};

/// How long any one wait for the UI may take before the test fails.
pub const UI_WAIT: Duration = Duration::from_secs(30);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An Xvfb display of our own (1280x800), unless one is given in `DISPLAY`.
pub struct Display {
    server: Option<Child>,
    pub name: String,
}

impl Display {
    pub fn start() -> Display {
        if let Ok(name) = std::env::var("DISPLAY") {
            if !name.is_empty() {
                return Display { server: None, name };
            }
        }
        for number in 90..140 {
            clear_stale_display(number);
            if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
                continue;
            }
            let mut server = Command::new("Xvfb")
                .args([
                    format!(":{number}"),
                    "-screen".into(),
                    "0".into(),
                    "1280x800x24".into(),
                    "-nolisten".into(),
                    "tcp".into(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb is needed for end-to-end tests (apt-get install xvfb)");
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(5) {
                if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
                    return Display { server: Some(server), name: format!(":{number}") };
                }
                if let Ok(Some(_)) = server.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = server.kill();
            let _ = server.wait();
        }
        panic!("could not start Xvfb on any display from :90 to :139");
    }
}

/// A display whose server was killed (SIGKILL leaves its lock and socket behind) is free again.
fn clear_stale_display(number: u32) {
    let lock = format!("/tmp/.X{number}-lock");
    let Ok(text) = std::fs::read_to_string(&lock) else { return };
    let alive = text.trim().parse::<u32>().is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
    if !alive {
        let _ = std::fs::remove_file(&lock);
        let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{number}"));
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(server) = self.server.as_mut() {
            let _ = server.kill();
            let _ = server.wait();
            if let Some(number) = self.name.strip_prefix(':').and_then(|number| number.parse().ok()) {
                clear_stale_display(number);
            }
        }
    }
}

/// What every journey starts with: its own display, a private Secret Service with its own home, a folder
/// for the vault, and tauri-driver. Fields drop in order: the driver (and the app) first, the display last.
pub struct Journey {
    pub driver: Driver,
    /// The vault's database file (it does not exist until the app creates it).
    pub vault: PathBuf,
    pub folder: tempfile::TempDir,
    pub keychain: PrivateSecretService,
    _home: tempfile::TempDir,
    display: Display,
}

impl Journey {
    pub fn start() -> Journey {
        Journey::with_driver(Driver::start)
    }

    /// [`Journey::start`], the app also getting `environment` (e.g. a `TZ` of the journey's own).
    pub fn start_with_env(environment: &[(&str, &std::ffi::OsStr)]) -> Journey {
        Journey::with_driver(|display, keychain| Driver::start_with_env(display, keychain, environment))
    }

    fn with_driver(start: impl FnOnce(&Display, &PrivateSecretService) -> Driver) -> Journey {
        let display = Display::start();
        let home = tempfile::tempdir().unwrap();
        let keychain = PrivateSecretService::start(home.path(), "keyring-password");
        let folder = tempfile::tempdir().unwrap();
        let vault = folder.path().join("practice.saferoom");
        let driver = start(&display, &keychain);
        Journey { driver, vault, folder, keychain, _home: home, display }
    }

    /// A WebDriver session on a fresh app process opened on this journey's vault.
    pub async fn launch(&self) -> Client {
        self.driver.launch(&self.vault).await
    }

    /// Close the app's window as a person does with its close button (the window manager's WM_DELETE_WINDOW,
    /// sent by `tools/close_window.py`; WebDriver's own "close window" destroys only the webview, so the app
    /// never sees a quit). The app then quits by itself.
    pub fn close_app_window(&self) {
        let tree = Command::new("xwininfo")
            .args(["-root", "-tree"])
            .env("DISPLAY", &self.display.name)
            .output()
            .expect("xwininfo lists the windows (package x11-utils)");
        let tree = String::from_utf8_lossy(&tree.stdout).into_owned();
        let window = tree
            .lines()
            .find(|line| line.contains("\"Saferoom\""))
            .and_then(|line| line.split_whitespace().next())
            .unwrap_or_else(|| panic!("no window named Saferoom:\n{tree}"))
            .to_owned();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/tools/close_window.py");
        let status = Command::new("python3")
            .arg(script)
            .arg(&window)
            .env("DISPLAY", &self.display.name)
            .status()
            .expect("python3 runs the close-window script");
        assert!(status.success(), "asking window {window} to close");
    }

    /// [`Driver::assert_no_trace`], also over the vault's folder.
    pub async fn assert_no_trace(&self, client: &Client, needles: &[&str]) {
        self.driver.assert_no_trace(client, needles, &[self.folder.path()]).await;
    }
}

/// tauri-driver (which runs WebKitWebDriver, which runs the app) with the given environment.
pub struct Driver {
    process: Child,
    pub port: u16,
    /// Where the app's own log (`SAFEROOM_LOG_FILE`, level debug) and tauri-driver's output go.
    logs: tempfile::TempDir,
    /// The app's data, cache and config folders (`XDG_*_HOME`): everything the webview stores.
    home: PathBuf,
}

impl Driver {
    pub fn start(display: &Display, keychain: &PrivateSecretService) -> Driver {
        Driver::start_with_env(display, keychain, &[])
    }

    /// [`Driver::start`], tauri-driver (and so the app) also getting `extra`.
    pub fn start_with_env(
        display: &Display,
        keychain: &PrivateSecretService,
        extra: &[(&str, &std::ffi::OsStr)],
    ) -> Driver {
        let port = free_port();
        let native_port = free_port();
        let environment = keychain.env();
        let home = environment
            .iter()
            .find(|(name, _)| name == "XDG_DATA_HOME")
            .map(|(_, value)| PathBuf::from(value))
            .expect("the keychain names its data folder");
        let logs = tempfile::tempdir().expect("a folder for logs");
        let output = std::fs::File::create(logs.path().join("tauri-driver.log")).expect("the driver's log");
        let process = Command::new(tauri_driver())
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .envs(environment)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("SAFEROOM_LOG", "debug")
            .env("SAFEROOM_LOG_FILE", logs.path().join("saferoom.log"))
            .env("DISPLAY", &display.name)
            .env("NO_AT_BRIDGE", "1")
            .env_remove("SAFEROOM_VAULT")
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .stderr(output)
            .spawn()
            .expect("tauri-driver is needed for end-to-end tests (cargo install tauri-driver --locked)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "tauri-driver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { process, port, logs, home }
    }

    /// A WebDriver session on a fresh app process opened on `vault`. The app of a session closed just before
    /// may still be ending (its automatic backup on quit, or a slow exit on a loaded machine): a new process
    /// beside it would meet its single-instance lock, show the old window and leave, and the new session would
    /// never get a window. So the new one starts only once the old one is gone.
    pub async fn launch(&self, vault: &Path) -> Client {
        let started = Instant::now();
        loop {
            let running = self.running_apps();
            if running.is_empty() {
                if started.elapsed() > Duration::from_millis(100) {
                    eprintln!("waited {:?} for the last session's app to end", started.elapsed());
                }
                break;
            }
            assert!(started.elapsed() < UI_WAIT, "the app of the last session ({running:?}) did not end");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.session(env!("CARGO_BIN_EXE_saferoom-app"), serde_json::json!(["--vault", vault])).await
    }

    /// The app processes this driver started that are still running (the app binary, with this driver's config
    /// folder in their environment).
    fn running_apps(&self) -> Vec<u32> {
        let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_saferoom-app")).expect("the app binary");
        let config = format!("XDG_CONFIG_HOME={}", self.home.join("config").display());
        let mut running = Vec::new();
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
            // A process may end while it is looked at: what cannot be read is not running.
            let is_app = std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == binary);
            let ours = is_app
                && std::fs::read(entry.path().join("environ"))
                    .is_ok_and(|environ| environ.split(|byte| *byte == 0).any(|pair| pair == config.as_bytes()));
            if ours {
                running.push(pid);
            }
        }
        running
    }

    /// A WebDriver session on a fresh process of the app at `application`, started with `args`.
    pub async fn session(&self, application: &str, args: serde_json::Value) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("tauri:options".into(), serde_json::json!({ "application": application, "args": args }));
        capabilities.insert("browserName".into(), serde_json::json!("wry"));
        // On a loaded 2-core machine WebKitWebDriver behind tauri-driver can drop the very first request of a
        // session (seen once as hyper's IncompleteMessage); a new session is asked for up to three times.
        let address = format!("http://127.0.0.1:{}", self.port);
        let mut attempt = 1;
        loop {
            let session = tokio::time::timeout(
                UI_WAIT,
                ClientBuilder::native().capabilities(capabilities.clone()).connect(&address),
            )
            .await
            .expect("WebDriver session within the time limit");
            match session {
                Ok(client) => return client,
                Err(error) if attempt < 3 => {
                    eprintln!("WebDriver session attempt {attempt} failed ({error:?}); asking again");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(error) => panic!("WebDriver session: {error:?}"),
            }
        }
    }
}

/// Process `pid`'s environment, as a second start from the same desktop session would have it.
pub fn environment_of(pid: u32) -> Vec<(String, String)> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("the app's environment");
    environ
        .split(|byte| *byte == 0)
        .filter_map(|pair| {
            let (name, value) = std::str::from_utf8(pair).ok()?.split_once('=')?;
            Some((name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// A person starts the app at `application` again while process `first` runs: the same desktop session
/// (display, D-Bus, folders), so `first`'s own environment. The second process must hand over to the first
/// window and end by itself, successfully.
pub async fn launch_again(application: &str, first: u32) {
    let environment = environment_of(first);
    let mut second =
        std::process::Command::new(application).env_clear().envs(environment).spawn().expect("a second launch");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > UI_WAIT {
            let _ = second.kill();
            panic!("the second launch kept running beside the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the second launch ends quietly: {status}");
}

impl Driver {
    /// The app's log so far.
    pub fn app_log(&self) -> String {
        std::fs::read_to_string(self.logs.path().join("saferoom.log")).unwrap_or_default()
    }

    /// Nothing the journey typed that is secret or clinical is anywhere it should not be: not in the app's
    /// log, not in what the app, WebKit and tauri-driver printed, not in any file under the app's data, cache
    /// and config folders (the webview's storage) or in `folders` (the vault's), as UTF-8 or UTF-16; and the
    /// page holds nothing in web storage or cookies. The log must show the journey (so an empty log cannot
    /// pass).
    pub async fn assert_no_trace(&self, client: &Client, needles: &[&str], folders: &[&Path]) {
        let storage = client
            .execute_async(
                "const done = arguments[0];
                 const databases = indexedDB.databases ? indexedDB.databases() : Promise.resolve([]);
                 databases.then((list) => done([localStorage.length, sessionStorage.length, document.cookie, list.length]),
                                (error) => done(['indexedDB: ' + error]));",
                vec![],
            )
            .await
            .expect("the storage probe runs");
        assert_eq!(storage, json!([0, 0, "", 0]), "web storage, cookies, IndexedDB databases");

        let log = self.app_log();
        for expected in ["Saferoom starting", "vault opened", "command=\"sign_in\"", "command refused"] {
            assert!(log.contains(expected), "the app's log shows {expected:?}:\n{log}");
        }
        // A canary: the first needle, UTF-16, in a file deep in the webview's folders. The scan must find it.
        let canary = self.home.join("cache").join("scan-canary");
        std::fs::create_dir_all(&canary).expect("the canary's folder");
        let canary = canary.join("canary.bin");
        let canary_bytes: Vec<u8> = needles[0].encode_utf16().flat_map(u16::to_le_bytes).collect();
        std::fs::write(&canary, canary_bytes).expect("the canary");
        let mut places = vec![self.logs.path().to_owned(), self.home.clone()];
        places.extend(folders.iter().map(|folder| folder.to_path_buf()));
        let mut files = Vec::new();
        for place in &places {
            collect_files(place, &mut files);
        }
        assert!(files.len() > 3, "the scan reads the logs and the webview's files: {files:?}");
        let mut found = Vec::new();
        for file in &files {
            let Ok(bytes) = std::fs::read(file) else { continue };
            for needle in needles {
                let utf16: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
                for (encoding, pattern) in [("UTF-8", needle.as_bytes().to_vec()), ("UTF-16", utf16)] {
                    if bytes.windows(pattern.len()).any(|window| window == pattern.as_slice()) {
                        found.push(format!("{needle:?} ({encoding}) in {}", file.display()));
                    }
                }
            }
        }
        let expected_canary = format!("{:?} (UTF-16) in {}", needles[0], canary.display());
        assert!(found.contains(&expected_canary), "the scan did not find its canary: {found:?}");
        found.retain(|finding| *finding != expected_canary);
        std::fs::remove_file(&canary).expect("remove the canary");
        assert!(found.is_empty(), "secret or clinical text left behind:\n{}", found.join("\n"));
    }
}

fn collect_files(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect_files(&path, files),
            Ok(kind) if kind.is_file() => files.push(path),
            _ => {}
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn tauri_driver() -> PathBuf {
    if let Ok(found) = which("tauri-driver") {
        return found;
    }
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo"));
    home.join("bin/tauri-driver")
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|candidate| candidate.is_file()))
        .ok_or(())
}

/// Wait for an element to be present.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client.wait().at_most(UI_WAIT).for_element(Locator::Css(css)).await {
        Ok(element) => element,
        Err(error) => {
            screenshot(client, "failure").await;
            panic!("waiting for {css}: {error} (screen in target/e2e-screenshots/failure.png)")
        }
    }
}

/// Wait until an element's text contains `needle`; return the text.
pub async fn wait_for_text(client: &Client, css: &str, needle: &str) -> String {
    let started = Instant::now();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                if text.contains(needle) {
                    return text;
                }
                if started.elapsed() >= UI_WAIT {
                    screenshot(client, "failure").await;
                    panic!("{css} says {text:?}, never {needle:?} (screen in target/e2e-screenshots/failure.png)");
                }
            }
        }
        if started.elapsed() >= UI_WAIT {
            screenshot(client, "failure").await;
            panic!("{css} never appeared with {needle:?} (screen in target/e2e-screenshots/failure.png)");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn click(client: &Client, css: &str) {
    wait_for(client, css).await.click().await.unwrap_or_else(|error| panic!("clicking {css}: {error}"));
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    // A field may be disabled while its form loads or saves: wait until it takes input.
    let element = wait_for(client, &format!("{css}:enabled")).await;
    element.clear().await.unwrap_or_else(|error| panic!("clearing {css}: {error}"));
    element.send_keys(text).await.unwrap_or_else(|error| panic!("typing into {css}: {error}"));
}

pub async fn is_present(client: &Client, css: &str) -> bool {
    client.find(Locator::Css(css)).await.is_ok()
}

/// Save a screenshot under target/e2e-screenshots for people to look at.
pub async fn screenshot(client: &Client, name: &str) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots");
    let _ = std::fs::create_dir_all(&folder);
    // WebKit paints a frame or two after the DOM changes; give it that before capturing.
    tokio::time::sleep(Duration::from_millis(400)).await;
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(folder.join(format!("{name}.png")), png);
    }
}

/// Choose the option with `value` in a `<select>`.
pub async fn select_value(client: &Client, css: &str, value: &str) {
    wait_for(client, css)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|error| panic!("choosing {value:?} in {css}: {error}"));
}

/// Set an input's value the way a person's typing would end (input and change events), for inputs such as
/// `type=date` whose native widgets WebDriver cannot type into reliably.
pub async fn set_value(client: &Client, css: &str, value: &str) {
    wait_for(client, css).await;
    client
        .execute(
            "const element = document.querySelector(arguments[0]);
             element.value = arguments[1];
             element.dispatchEvent(new Event('input', { bubbles: true }));
             element.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::json!(css), serde_json::json!(value)],
        )
        .await
        .unwrap_or_else(|error| panic!("setting {css}: {error}"));
}

/// Click the first element matching `css` whose own text or whose label's text contains `needle`.
pub async fn click_with_text(client: &Client, css: &str, needle: &str) {
    let started = Instant::now();
    loop {
        let clicked = client
            .execute(
                "for (const element of document.querySelectorAll(arguments[0])) {
                     const label = element.closest('label') || (element.id && document.querySelector(`label[for='${element.id}']`));
                     const text = (element.textContent || '') + ' ' + (label ? label.textContent : '');
                     if (text.includes(arguments[1])) { element.click(); return true; }
                 }
                 return false;",
                vec![serde_json::json!(css), serde_json::json!(needle)],
            )
            .await
            .unwrap_or_else(|error| panic!("looking for {css} with {needle:?}: {error}"));
        if clicked == serde_json::json!(true) {
            return;
        }
        assert!(started.elapsed() < UI_WAIT, "no {css} with text {needle:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The whole page's visible text.
pub async fn page_text(client: &Client) -> String {
    wait_for(client, "body").await.text().await.unwrap_or_default()
}

/// Wait until nothing matches `css`.
pub async fn wait_gone(client: &Client, css: &str) {
    let started = Instant::now();
    while is_present(client, css).await {
        assert!(started.elapsed() < UI_WAIT, "{css} never went away");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One journey at a time: each runs its own app, WebKit and display, and two cores running three of them
/// at once made WebKit's page process hang. Hold the guard for the whole journey.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static JOURNEYS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    JOURNEYS.lock().await
}

/// Calls a command from the webview; returns `Ok(result)` or `Err(error)` as the UI would see them.
pub async fn invoke(client: &Client, command: &str, args: &Value) -> Result<Value, Value> {
    let script = "const [command, args, done] = arguments;
        window.__TAURI_INTERNALS__.invoke(command, args)
            .then((value) => done({ ok: value === undefined ? null : value }), (error) => done({ error }));";
    let outcome = client.execute_async(script, vec![json!(command), args.clone()]).await.expect("the script runs");
    match outcome.get("error") {
        Some(error) => Err(error.clone()),
        None => Ok(outcome["ok"].clone()),
    }
}

/// Draws a signature on `#signature-pad` with pointer events of `pointer_type` ("pen", "touch", "mouse").
pub async fn draw_signature(client: &Client, pointer_type: &str) {
    let script = "const [pointerType] = arguments;
        const pad = document.getElementById('signature-pad');
        const box = pad.getBoundingClientRect();
        const at = (type, i) => pad.dispatchEvent(new PointerEvent(type, {
            bubbles: true, cancelable: true, pointerId: 7, pointerType, isPrimary: true, button: 0, buttons: 1,
            clientX: box.left + box.width * (0.1 + i * 0.02), clientY: box.top + box.height * (0.5 + 0.3 * Math.sin(i / 3)) }));
        at('pointerdown', 0);
        for (let i = 1; i < 40; i++) at('pointermove', i);
        at('pointerup', 40);";
    client.execute(script, vec![json!(pointer_type)]).await.expect("the pointer events are dispatched");
}

/// The sections in the owner's "Practice" menu (the others are buttons in the navigation row).
const PRACTICE_MENU: [&str; 5] = ["staff", "audit", "break-glass", "data", "settings"];

/// Go to a section with the main navigation as a person does: an owner's practice sections (and Settings) are
/// in the "Practice" menu, opened first; anyone else's Settings is a plain button.
pub async fn go_to(client: &Client, section: &str) {
    wait_for(client, "#nav-clients").await;
    if PRACTICE_MENU.contains(&section) && is_present(client, "#nav-practice").await {
        if !is_present(client, "#nav-practice[aria-expanded='true']").await {
            click(client, "#nav-practice").await;
        }
        wait_for(client, "#nav-practice-menu").await;
    }
    click(client, &format!("#nav-{section}")).await;
}
