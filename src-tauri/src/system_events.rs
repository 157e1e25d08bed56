//! The computer's own reasons to lock: the desktop session locks (or its screen saver comes on) or the machine
//! is about to sleep. The app locks the vault then, as with the Lock button (see `lib.rs`, where the events
//! become locks, and `AppState::lock_for_system`).
//!
//! Linux: D-Bus, through zbus (the crate the keychain and single-instance plugin already build).
//! - System bus, logind (`org.freedesktop.login1`): `Manager.PrepareForSleep(true)` — the machine is about to
//!   suspend or hibernate. The app holds a *delay* inhibitor (`Manager.Inhibit("sleep", …, "delay")`), so logind
//!   waits (at most its `InhibitDelayMaxSec`, 5 s by default) until the vault is locked and the inhibitor's file
//!   descriptor released; after waking (`PrepareForSleep(false)`) it takes a new one.
//! - System bus, this process's logind session (`Manager.GetSession("auto")`): `Session.Lock` (what
//!   `loginctl lock-session` sends to the screen locker) and the `LockedHint` property turning true (set by
//!   GNOME's and KDE's lockers once the screen is locked). Other sessions' signals are not listened to.
//! - Session bus: `ActiveChanged(true)` of `org.freedesktop.ScreenSaver` (KDE, Xfce, …) and
//!   `org.gnome.ScreenSaver` (GNOME): the screen saver or the lock screen came on.
//!
//! Every signal is listened to through a proxy on the service's well-known name, so a signal only counts when
//! it comes from that name's owner, on the expected path and interface. A bus, service or session that is not
//! there is logged once and never stops the app (nothing else depends on this). Each bus address can be
//! given (tests use private buses); otherwise zbus's defaults apply, which honour `DBUS_SYSTEM_BUS_ADDRESS` and
//! `DBUS_SESSION_BUS_ADDRESS`.
//!
//! macOS and Windows are not wired yet (see ARCHITECTURE.md, "Locking with the computer", for their
//! equivalents); there, [`watch`] logs that once and does nothing.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// What the computer did that locks the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemEvent {
    /// The machine is about to sleep (suspend or hibernate).
    Sleep,
    /// The desktop session locked, or its screen saver came on.
    ScreenLocked,
}

/// Which buses to listen on: `None` is the standard one (zbus's default address for it).
#[derive(Debug, Clone, Default)]
pub struct Buses {
    /// The system bus (logind).
    pub system: Option<String>,
    /// The desktop session's bus (screen savers).
    pub session: Option<String>,
}

/// The listener, started by [`watch`]. It runs for the rest of the process; dropping this does not stop it.
pub struct Listening {
    ready: mpsc::Receiver<()>,
}

impl Listening {
    /// Wait (at most `limit`) until every subscription that could be made is in place (or given up on).
    /// Whether it got there in time.
    pub fn wait_ready(&self, limit: Duration) -> bool {
        self.ready.recv_timeout(limit).is_ok()
    }
}

/// The sleep inhibitor the listener held when [`SystemEvent::Sleep`] came: logind waits for the machine to
/// sleep until it is dropped (or its delay runs out). Drop it once the vault is locked.
pub struct SleepDelay {
    #[cfg(target_os = "linux")]
    _inhibitor: Option<std::os::fd::OwnedFd>,
}

impl SleepDelay {
    /// No inhibitor (none was held, or not on Linux).
    pub fn none() -> SleepDelay {
        SleepDelay {
            #[cfg(target_os = "linux")]
            _inhibitor: None,
        }
    }
}

/// Start listening for the computer's lock and sleep events on `buses`. `on_event` runs on a thread of its own
/// for each event (so a lock that waits for running work does not hold up the next event), with the sleep
/// inhibitor to drop once it has locked.
pub fn watch(buses: Buses, on_event: impl Fn(SystemEvent, SleepDelay) + Send + Sync + 'static) -> Listening {
    let (ready, listening) = mpsc::channel();
    let on_event: Arc<dyn Fn(SystemEvent, SleepDelay) + Send + Sync> = Arc::new(on_event);
    #[cfg(target_os = "linux")]
    {
        let started = std::thread::Builder::new()
            .name("system-events".into())
            .spawn(move || linux::start(&buses, on_event, ready));
        if let Err(error) = started {
            tracing::warn!("the computer's lock and sleep events are not listened to: no thread ({error})");
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (buses, on_event);
        tracing::info!("locking with the computer's lock and sleep is not built for this system yet");
        let _ = ready.send(());
    }
    Listening { ready: listening }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::os::fd::OwnedFd;
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};

    use zbus::blocking::{fdo::PropertiesProxy, Connection, Proxy};
    use zbus::zvariant::OwnedObjectPath;

    use super::{Buses, SleepDelay, SystemEvent};

    type OnEvent = Arc<dyn Fn(SystemEvent, SleepDelay) + Send + Sync>;

    const LOGIND: &str = "org.freedesktop.login1";
    const LOGIND_PATH: &str = "/org/freedesktop/login1";
    const MANAGER: &str = "org.freedesktop.login1.Manager";
    const SESSION: &str = "org.freedesktop.login1.Session";
    /// The screen savers that say when they come on: (name, path, interface).
    const SCREEN_SAVERS: [(&str, &str, &str); 2] = [
        ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"),
        ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
    ];
    /// A listening thread waits on one socket; it needs little stack.
    const STACK: usize = 256 * 1024;

    /// Connect to both buses and subscribe (on this thread), then listen to each signal on a thread of its own.
    pub(super) fn start(buses: &Buses, on_event: OnEvent, ready: mpsc::Sender<()>) {
        if let Some(system) = connect(buses.system.as_deref(), "system") {
            listen_to_logind(&system, &on_event);
        }
        if let Some(session) = connect(buses.session.as_deref(), "session") {
            for (name, path, interface) in SCREEN_SAVERS {
                listen_to_screen_saver(&session, name, path, interface, &on_event);
            }
        }
        let _ = ready.send(());
    }

    fn connect(address: Option<&str>, which: &'static str) -> Option<Connection> {
        let connection = match address {
            Some(address) => zbus::blocking::connection::Builder::address(address).and_then(|builder| builder.build()),
            None if which == "system" => Connection::system(),
            None => Connection::session(),
        };
        match connection {
            Ok(connection) => Some(connection),
            Err(error) => {
                tracing::info!(
                    "no D-Bus {which} bus ({error}): the vault will not lock with the computer's events from it"
                );
                None
            }
        }
    }

    /// `PrepareForSleep` (with the sleep inhibitor), and this session's `Lock` and `LockedHint`.
    fn listen_to_logind(system: &Connection, on_event: &OnEvent) {
        let manager = match proxy(system, LOGIND, LOGIND_PATH, MANAGER) {
            Ok(manager) => manager,
            Err(error) => {
                tracing::info!("logind is not reachable ({error}): no lock before sleep");
                return;
            }
        };
        let inhibitor = Arc::new(Mutex::new(None));
        let inhibit = {
            let manager = manager.clone();
            let inhibitor = inhibitor.clone();
            let mut logged = false;
            move || {
                let taken = take_sleep_inhibitor(&manager);
                if let Err(error) = &taken {
                    if !logged {
                        tracing::info!("no sleep inhibitor from logind ({error}): the machine may sleep before the vault has locked");
                        logged = true;
                    }
                }
                *unpoisoned(&inhibitor) = taken.ok();
            }
        };
        match manager.receive_signal("PrepareForSleep") {
            Ok(signals) => {
                let on_event = on_event.clone();
                let mut inhibit = inhibit;
                inhibit();
                spawn("logind-sleep", move || {
                    for message in signals {
                        match message.body().deserialize::<bool>() {
                            Ok(true) => {
                                let held = unpoisoned(&inhibitor).take();
                                tracing::info!(inhibited = held.is_some(), "the computer is about to sleep");
                                run(&on_event, SystemEvent::Sleep, SleepDelay { _inhibitor: held });
                            }
                            // Awake again: hold the next sleep until the vault has locked.
                            Ok(false) => inhibit(),
                            Err(_) => {}
                        }
                    }
                });
            }
            Err(error) => tracing::info!("cannot listen to logind's sleep signal ({error}): no lock before sleep"),
        }

        let session = match own_session(&manager) {
            Ok(session) => session,
            Err(error) => {
                tracing::info!("no logind session for this app ({error}): no lock with the session");
                return;
            }
        };
        match proxy(system, LOGIND, session.as_str(), SESSION).and_then(|session| session.receive_signal("Lock")) {
            Ok(signals) => {
                let on_event = on_event.clone();
                spawn("logind-lock", move || {
                    for _lock in signals {
                        tracing::info!("the session was locked");
                        run(&on_event, SystemEvent::ScreenLocked, SleepDelay::none());
                    }
                });
            }
            Err(error) => tracing::info!("cannot listen to the session's lock signal ({error})"),
        }
        let changes = PropertiesProxy::builder(system)
            .destination(LOGIND)
            .and_then(|builder| builder.path(session.as_str()))
            .and_then(|builder| builder.build())
            .and_then(|properties| properties.receive_properties_changed());
        match changes {
            Ok(changes) => {
                let on_event = on_event.clone();
                spawn("logind-locked-hint", move || {
                    for change in changes {
                        let Ok(args) = change.args() else { continue };
                        let locked = args.interface_name.as_str() == SESSION
                            && args
                                .changed_properties
                                .get("LockedHint")
                                .is_some_and(|value| bool::try_from(value).unwrap_or(false));
                        if locked {
                            tracing::info!("the session's screen was locked");
                            run(&on_event, SystemEvent::ScreenLocked, SleepDelay::none());
                        }
                    }
                });
            }
            Err(error) => tracing::info!("cannot listen to the session's locked hint ({error})"),
        }
    }

    /// `ActiveChanged(true)` from one screen saver.
    fn listen_to_screen_saver(session: &Connection, name: &str, path: &str, interface: &str, on_event: &OnEvent) {
        match proxy(session, name, path, interface).and_then(|saver| saver.receive_signal("ActiveChanged")) {
            Ok(signals) => {
                let on_event = on_event.clone();
                spawn("screen-saver", move || {
                    for message in signals {
                        if message.body().deserialize::<bool>().unwrap_or(false) {
                            tracing::info!("the screen saver came on");
                            run(&on_event, SystemEvent::ScreenLocked, SleepDelay::none());
                        }
                    }
                });
            }
            Err(error) => tracing::info!("cannot listen to a screen saver's signal ({error})"),
        }
    }

    fn proxy<'a>(connection: &Connection, name: &'a str, path: &'a str, interface: &'a str) -> zbus::Result<Proxy<'a>> {
        // Signals only: nothing to cache (and no property call to a service that may not be there).
        zbus::blocking::proxy::Builder::new(connection)
            .destination(name)?
            .path(path)?
            .interface(interface)?
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
    }

    /// A delay inhibitor for sleep: logind waits for its descriptor to close before the machine sleeps.
    fn take_sleep_inhibitor(manager: &Proxy<'_>) -> zbus::Result<OwnedFd> {
        let why = "Saferoom locks its vault before the computer sleeps";
        let fd: zbus::zvariant::OwnedFd = manager.call("Inhibit", &("sleep", "Saferoom", why, "delay"))?;
        Ok(fd.into())
    }

    /// The logind session this process belongs to ("auto": the caller's session, or the user's display session).
    fn own_session(manager: &Proxy<'_>) -> zbus::Result<OwnedObjectPath> {
        manager.call("GetSession", &("auto",))
    }

    /// Hand `event` to `on_event` on a thread of its own (with the default stack: the lock runs the backup).
    fn run(on_event: &OnEvent, event: SystemEvent, delay: SleepDelay) {
        let on_event = on_event.clone();
        let spawned = std::thread::Builder::new().name("system-lock".into()).spawn(move || on_event(event, delay));
        if let Err(error) = spawned {
            tracing::warn!("could not start a thread to lock the vault ({error})");
        }
    }

    /// A listening thread.
    fn spawn(name: &str, work: impl FnOnce() + Send + 'static) {
        let spawned = std::thread::Builder::new().name(name.into()).stack_size(STACK).spawn(work);
        if let Err(error) = spawned {
            tracing::warn!("could not start a thread for the computer's events ({error})");
        }
    }

    fn unpoisoned<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(all(test, target_os = "linux"))]
pub(crate) mod test_bus;

#[cfg(all(test, target_os = "linux"))]
mod tests;
