//! For tests of the lock on the computer's events (the app's unit tests, and `tests/e2e/lock.rs`, which includes
//! this file): a private D-Bus daemon (the real `dbus-daemon`), and on it a stand-in for logind — there is no
//! logind where the tests run (no systemd as PID 1) — that owns logind's name, answers the two calls the app
//! makes (`GetSession("auto")`, `Inhibit`) and sends logind's signals, plus screen savers that send theirs.

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::blocking::Connection;
use zbus::zvariant::{OwnedObjectPath, Value};

/// The session the stand-in logind says this process is in.
pub const SESSION_PATH: &str = "/org/freedesktop/login1/session/_31";
/// Another person's session on the same machine.
pub const OTHER_SESSION_PATH: &str = "/org/freedesktop/login1/session/_32";

/// A `dbus-daemon` of the test's own (session configuration: anyone may own any name), stopped on drop.
pub struct PrivateBus {
    daemon: Child,
    /// Its address, as `DBUS_*_BUS_ADDRESS` takes it.
    pub address: String,
}

impl PrivateBus {
    /// Start one. Panics with what to install if `dbus-daemon` is missing.
    pub fn start() -> PrivateBus {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is needed for these tests (apt-get install dbus-daemon)");
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().expect("the daemon's output"))
            .read_line(&mut address)
            .expect("the bus's address");
        let address = address.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        PrivateBus { daemon, address }
    }
}

/// A new connection to the bus at `address`.
pub fn connect(address: &str) -> Connection {
    zbus::blocking::connection::Builder::address(address)
        .and_then(|builder| builder.build())
        .expect("a connection to the private bus")
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// One sleep inhibitor the app took: logind's end of its descriptor.
struct Inhibitor {
    asked: String,
    kept: UnixStream,
}

/// logind's `Manager` interface, as far as the app uses it.
struct Manager {
    inhibitors: Arc<Mutex<Vec<Inhibitor>>>,
}

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl Manager {
    fn get_session(&self, id: &str) -> zbus::fdo::Result<OwnedObjectPath> {
        if id != "auto" {
            return Err(zbus::fdo::Error::Failed(format!("no session {id}")));
        }
        OwnedObjectPath::try_from(SESSION_PATH).map_err(|error| zbus::fdo::Error::Failed(error.to_string()))
    }

    fn inhibit(&self, what: &str, who: &str, why: &str, mode: &str) -> zbus::fdo::Result<zbus::zvariant::OwnedFd> {
        let (kept, given) = UnixStream::pair().map_err(|error| zbus::fdo::Error::Failed(error.to_string()))?;
        kept.set_nonblocking(true).map_err(|error| zbus::fdo::Error::Failed(error.to_string()))?;
        let asked = format!("{what}|{who}|{mode}|{}", !why.is_empty());
        self.inhibitors.lock().unwrap().push(Inhibitor { asked, kept });
        Ok(std::os::fd::OwnedFd::from(given).into())
    }
}

/// The stand-in logind on a private "system" bus.
pub struct FakeLogind {
    connection: Connection,
    inhibitors: Arc<Mutex<Vec<Inhibitor>>>,
}

impl FakeLogind {
    /// Own `org.freedesktop.login1` on `bus` and serve its `Manager`.
    pub fn start(bus: &PrivateBus) -> FakeLogind {
        let inhibitors = Arc::new(Mutex::new(Vec::new()));
        let connection = zbus::blocking::connection::Builder::address(bus.address.as_str())
            .and_then(|builder| builder.serve_at("/org/freedesktop/login1", Manager { inhibitors: inhibitors.clone() }))
            .and_then(|builder| builder.name("org.freedesktop.login1"))
            .and_then(|builder| builder.build())
            .expect("the stand-in logind on the private bus");
        FakeLogind { connection, inhibitors }
    }

    /// `PrepareForSleep(start)` from the manager's path, or from `path` (a wrong one) when given.
    pub fn prepare_for_sleep(&self, start: bool, path: Option<&str>) {
        let path = path.unwrap_or("/org/freedesktop/login1");
        self.emit(path, "org.freedesktop.login1.Manager", "PrepareForSleep", &(start,));
    }

    /// `Lock` of the session at `path`.
    pub fn lock_session(&self, path: &str) {
        self.emit(path, "org.freedesktop.login1.Session", "Lock", &());
    }

    /// `PropertiesChanged` of the session at `path`: `LockedHint` is now `locked`, as said for `interface`.
    pub fn locked_hint(&self, path: &str, interface: &str, locked: bool) {
        let changed = HashMap::from([("LockedHint", Value::from(locked))]);
        let body = (interface, changed, Vec::<&str>::new());
        self.emit(path, "org.freedesktop.DBus.Properties", "PropertiesChanged", &body);
    }

    fn emit<B: serde::Serialize + zbus::zvariant::DynamicType>(
        &self,
        path: &str,
        interface: &str,
        member: &str,
        body: &B,
    ) {
        self.connection.emit_signal(None::<&str>, path, interface, member, body).expect("the signal is sent");
    }

    /// What each inhibitor was asked for (`what|who|mode|why given`), oldest first.
    pub fn inhibitors_asked(&self) -> Vec<String> {
        self.inhibitors.lock().unwrap().iter().map(|inhibitor| inhibitor.asked.clone()).collect()
    }

    /// Whether the app still holds inhibitor number `index` (its end of the descriptor is open).
    pub fn inhibitor_held(&self, index: usize) -> bool {
        let inhibitors = self.inhibitors.lock().unwrap();
        let mut kept = &inhibitors[index].kept;
        let mut byte = [0u8; 1];
        !matches!(kept.read(&mut byte), Ok(0))
    }

    /// Wait (at most 10 s) until `check` holds of this logind.
    pub fn wait_until(&self, what: &str, check: impl Fn(&FakeLogind) -> bool) {
        let started = Instant::now();
        while !check(self) {
            assert!(started.elapsed() < Duration::from_secs(10), "waited 10 s for: {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A connection on the session bus sending screen-saver signals (as the owner of a screen saver's name, or as
/// anyone).
pub struct ScreenSaver {
    connection: Connection,
}

impl ScreenSaver {
    /// A screen saver that owns `name` on the bus at `address`.
    pub fn start(address: &str, name: &str) -> ScreenSaver {
        let connection = connect(address);
        connection.request_name(name).expect("the screen saver's name on the bus");
        ScreenSaver { connection }
    }

    /// Someone on the bus at `address` who owns no screen saver's name.
    pub fn impostor(address: &str) -> ScreenSaver {
        ScreenSaver { connection: connect(address) }
    }

    /// `ActiveChanged(active)` from `path` on `interface`.
    pub fn active_changed(&self, path: &str, interface: &str, active: bool) {
        self.connection
            .emit_signal(None::<&str>, path, interface, "ActiveChanged", &(active,))
            .expect("the signal is sent");
    }
}
