//! The Saferoom desktop app: a thin Tauri shell over `saferoom-core`.
//!
//! Only this crate knows about Tauri, IPC and JSON for the UI. It holds no domain rules: every check
//! that matters (keys, roles, validation) is in the core, so the UI cannot get around it.

pub mod bindings;
pub mod clock;
pub mod commands;
pub mod diagnostics;
pub mod error;
pub mod logging;
pub mod rendering;
pub mod startup;
pub mod state;
pub mod system_events;
pub mod work;

#[cfg(test)]
mod config_review;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use saferoom_core::VaultPaths;
use tauri::{Emitter, Manager};

use startup::{Phase, Startup};
use state::AppState;

/// Event sent when the app locks the vault by itself, with a [`VaultLockedDto`].
pub const VAULT_LOCKED_EVENT: &str = "vault-locked";

/// The payload of [`VAULT_LOCKED_EVENT`].
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct VaultLockedDto {
    /// Why the app locked.
    pub reason: LockReasonDto,
}

/// Why the app locked the vault by itself.
#[derive(Debug, Clone, Copy, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum LockReasonDto {
    /// Nobody used it for the auto-lock time.
    Idle,
    /// The computer's session was locked, or its screen saver came on.
    SystemLocked,
    /// The computer was about to sleep.
    Suspend,
}

/// Where the vault is: `--vault PATH`, else `$SAFEROOM_VAULT`, else the OS data folder.
pub fn vault_paths_from(args: impl IntoIterator<Item = String>, env_value: Option<String>) -> Option<VaultPaths> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if let Some(path) = arg.strip_prefix("--vault=") {
            return Some(VaultPaths::new(PathBuf::from(path)));
        }
        if arg == "--vault" {
            return args.next().map(|path| VaultPaths::new(PathBuf::from(path)));
        }
    }
    env_value
        .filter(|value| !value.is_empty())
        .map(|path| VaultPaths::new(PathBuf::from(path)))
        .or_else(VaultPaths::default_location)
}

/// Where this user's audit checkpoints are kept: `$SAFEROOM_CHECKPOINTS`, else the OS data folder
/// (`saferoom_core::vault::checkpoint`).
pub fn checkpoint_file_from(env_value: Option<String>) -> Option<PathBuf> {
    env_value
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(saferoom_core::vault::default_checkpoint_file)
}

/// Start the app.
pub fn run() {
    let startup = Startup::begin();
    // Before any thread or window: WebKit reads the choice from the environment when it starts.
    let compositing = rendering::apply();
    logging::init();
    clock::init();
    // Named to anyone refused because this app holds the vault (vault_in_use).
    saferoom_core::vault::set_program_name("Saferoom app");
    let paths = vault_paths_from(std::env::args().skip(1), std::env::var("SAFEROOM_VAULT").ok());
    let checkpoints = checkpoint_file_from(std::env::var("SAFEROOM_CHECKPOINTS").ok());
    let paths = paths.map(|paths| match checkpoints {
        Some(file) => paths.with_checkpoints(file),
        None => paths,
    });
    let Some(paths) = paths else {
        tracing::error!("no data folder is known for this user; start with --vault PATH");
        eprintln!("saferoom: no data folder is known for this user; start with --vault PATH");
        std::process::exit(2);
    };
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Saferoom starting");
    tracing::info!("{}", compositing.describe());
    let commands = commands::handler();
    let built = tauri::Builder::default()
        // First, so that a second launch hands over before anything else starts: the first window comes to the
        // front and the second process exits (its arguments are not logged: they may name a vault's folder).
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tracing::info!("a second launch: showing the window already open");
            show_main_window(app);
        }))
        // Size, position and maximised state only (not visibility or decorations), saved when the window closes.
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::SIZE
                        | tauri_plugin_window_state::StateFlags::POSITION
                        | tauri_plugin_window_state::StateFlags::MAXIMIZED,
                )
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState::new(paths))
        .manage(startup)
        .setup(|app| {
            app.state::<Startup>().reach(Phase::Ready, Instant::now());
            // The main window is made here rather than by Tauri from the configuration (`create: false`), so
            // that the moment it exists is known.
            let config = app.config().app.windows.iter().find(|window| window.label == "main").cloned();
            if let Some(config) = config {
                tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?.build()?;
            }
            app.state::<Startup>().reach(Phase::Window, Instant::now());
            // Times on screen follow the computer's zone: the UI hears of each change.
            let zone_handle = app.handle().clone();
            clock::watch_system_zone(move |zone| {
                let _ = zone_handle.emit(clock::TIME_ZONE_EVENT, zone);
            });
            let handle = app.handle().clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                let progress = work::automatic_progress(&handle);
                let backup = |vault: &saferoom_core::Vault| commands::backups::automatic_backup(vault, &progress);
                if handle.state::<AppState>().lock_if_idle(Instant::now(), backup) {
                    let _ = handle.emit(VAULT_LOCKED_EVENT, VaultLockedDto { reason: LockReasonDto::Idle });
                }
            });
            // The computer locking or going to sleep locks the vault (and ends a kiosk): see system_events.rs.
            let handle = app.handle().clone();
            system_events::watch(system_events::Buses::default(), move |event, delay| {
                lock_for_system_event(&handle, event);
                // Only now may the machine sleep.
                drop(delay);
            });
            app.state::<Startup>().reach(Phase::Setup, Instant::now());
            Ok(())
        })
        .invoke_handler(move |invoke| {
            // The command's name only: its arguments can hold secrets and clinical text.
            tracing::debug!(command = invoke.message.command(), "command");
            if invoke.message.command() == "vault_status" {
                invoke.message.webview_ref().state::<Startup>().reach(Phase::FirstCommand, Instant::now());
            }
            commands(invoke)
        })
        .build(tauri::generate_context!());
    let result = built.map(|app| {
        app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                commands::backups::close_for_quit(&handle.state::<AppState>());
            }
        })
    });
    if let Err(error) = result {
        tracing::error!("the app window could not start: {error}");
        eprintln!("saferoom: the app window could not start: {error}");
        std::process::exit(1);
    }
}

/// Lock the vault for the computer's `event` and tell the UI why (nothing when it was locked already).
fn lock_for_system_event(handle: &tauri::AppHandle, event: system_events::SystemEvent) {
    let state = handle.state::<AppState>();
    let (locked, reason) = match event {
        system_events::SystemEvent::Sleep => (state.lock_before_sleep(), LockReasonDto::Suspend),
        system_events::SystemEvent::ScreenLocked => {
            let progress = work::automatic_progress(handle);
            let backup = |vault: &saferoom_core::Vault| commands::backups::automatic_backup(vault, &progress);
            (state.lock_with_screen(backup), LockReasonDto::SystemLocked)
        }
    };
    if locked {
        let _ = handle.emit(VAULT_LOCKED_EVENT, VaultLockedDto { reason });
    }
}

/// Bring the main window to the front: shown, not minimised, focused.
fn show_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vault_path_comes_from_the_flag_then_the_environment() {
        let args = |list: &[&str]| list.iter().map(|arg| arg.to_string()).collect::<Vec<_>>();
        assert_eq!(
            vault_paths_from(args(&["--vault", "/a/v.db"]), Some("/b".into())).unwrap().database,
            PathBuf::from("/a/v.db")
        );
        assert_eq!(
            vault_paths_from(args(&["--vault=/a/w.db"]), None).unwrap().key_slots,
            PathBuf::from("/a/w.db.keys")
        );
        assert_eq!(vault_paths_from(args(&[]), Some("/b/x.db".into())).unwrap().database, PathBuf::from("/b/x.db"));
        assert!(vault_paths_from(args(&[]), None).unwrap().database.ends_with("org.saferoom.app/practice.saferoom"));
        assert_eq!(checkpoint_file_from(Some("/c/k.json".into())), Some(PathBuf::from("/c/k.json")));
        assert!(checkpoint_file_from(Some(String::new()))
            .unwrap()
            .ends_with("org.saferoom.app/audit-checkpoints.json"));
    }
}
