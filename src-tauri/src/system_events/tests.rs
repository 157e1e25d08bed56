//! The listener on real (private) D-Bus daemons: each of the computer's lock and sleep signals becomes one lock
//! request, and look-alikes (the wrong value, path, session, interface or sender) none.

use std::sync::mpsc;
use std::time::Duration;

use super::test_bus::{FakeLogind, PrivateBus, ScreenSaver, OTHER_SESSION_PATH, SESSION_PATH};
use super::{watch, Buses, SleepDelay, SystemEvent};

const WAIT: Duration = Duration::from_secs(10);
/// How long to wait for a lock request that must not come: long against a signal's delivery on this machine
/// (milliseconds); a request that came late would still fail the next test step's count.
const QUIET: Duration = Duration::from_millis(1500);

const FREEDESKTOP: (&str, &str) = ("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver");
const GNOME: (&str, &str) = ("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver");

fn listen(system: &PrivateBus, session: &PrivateBus) -> mpsc::Receiver<(SystemEvent, SleepDelay)> {
    let (sender, requests) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let buses = Buses { system: Some(system.address.clone()), session: Some(session.address.clone()) };
    let listening = watch(buses, move |event, delay| {
        let _ = sender.lock().unwrap().send((event, delay));
    });
    assert!(listening.wait_ready(WAIT), "the listener subscribed within 10 s");
    requests
}

fn next(requests: &mpsc::Receiver<(SystemEvent, SleepDelay)>) -> SystemEvent {
    requests.recv_timeout(WAIT).expect("a lock request within 10 s").0
}

fn assert_quiet(requests: &mpsc::Receiver<(SystemEvent, SleepDelay)>, after: &str) {
    if let Ok((event, _)) = requests.recv_timeout(QUIET) {
        panic!("{after} made a lock request: {event:?}");
    }
}

#[test]
fn each_lock_and_sleep_signal_is_one_lock_request_and_look_alikes_none() {
    let system = PrivateBus::start();
    let session = PrivateBus::start();
    let logind = FakeLogind::start(&system);
    let freedesktop = ScreenSaver::start(&session.address, "org.freedesktop.ScreenSaver");
    let gnome = ScreenSaver::start(&session.address, "org.gnome.ScreenSaver");
    let impostor = ScreenSaver::impostor(&session.address);
    let requests = listen(&system, &session);

    // Look-alikes, none of which locks.
    logind.prepare_for_sleep(true, Some("/org/freedesktop/login1/elsewhere"));
    logind.lock_session(OTHER_SESSION_PATH);
    logind.locked_hint(OTHER_SESSION_PATH, "org.freedesktop.login1.Session", true);
    logind.locked_hint(SESSION_PATH, "org.freedesktop.login1.Session", false);
    logind.locked_hint(SESSION_PATH, "org.freedesktop.login1.User", true);
    for (saver, (path, interface)) in [(&freedesktop, FREEDESKTOP), (&gnome, GNOME)] {
        saver.active_changed(path, interface, false);
        saver.active_changed("/org/elsewhere/ScreenSaver", interface, true);
        // Someone else on the session bus, with the right path and interface, owning no screen saver's name.
        impostor.active_changed(path, interface, true);
    }
    assert_quiet(&requests, "a look-alike signal");

    // The real ones, each once.
    logind.prepare_for_sleep(true, None);
    assert_eq!(next(&requests), SystemEvent::Sleep);
    logind.lock_session(SESSION_PATH);
    assert_eq!(next(&requests), SystemEvent::ScreenLocked);
    logind.locked_hint(SESSION_PATH, "org.freedesktop.login1.Session", true);
    assert_eq!(next(&requests), SystemEvent::ScreenLocked);
    freedesktop.active_changed(FREEDESKTOP.0, FREEDESKTOP.1, true);
    assert_eq!(next(&requests), SystemEvent::ScreenLocked);
    gnome.active_changed(GNOME.0, GNOME.1, true);
    assert_eq!(next(&requests), SystemEvent::ScreenLocked);
    assert_quiet(&requests, "one signal");

    // Waking up is no reason to lock.
    logind.prepare_for_sleep(false, None);
    assert_quiet(&requests, "PrepareForSleep(false)");
}

#[test]
fn the_machine_sleeps_only_after_the_lock_request_lets_go_of_its_inhibitor() {
    let system = PrivateBus::start();
    let session = PrivateBus::start();
    let logind = FakeLogind::start(&system);
    let requests = listen(&system, &session);
    assert_eq!(logind.inhibitors_asked(), vec!["sleep|Saferoom|delay|true".to_owned()], "a delay inhibitor for sleep");
    assert!(logind.inhibitor_held(0));

    logind.prepare_for_sleep(true, None);
    let (event, delay) = requests.recv_timeout(WAIT).expect("a lock request");
    assert_eq!(event, SystemEvent::Sleep);
    // While the lock runs, logind still waits.
    std::thread::sleep(Duration::from_millis(300));
    assert!(logind.inhibitor_held(0), "the inhibitor is held until the lock is done");
    drop(delay);
    logind.wait_until("the inhibitor let go", |logind| !logind.inhibitor_held(0));

    // Awake again: the next sleep is held up too.
    logind.prepare_for_sleep(false, None);
    logind.wait_until("a new inhibitor", |logind| logind.inhibitors_asked().len() == 2);
    assert!(logind.inhibitor_held(1));
    logind.prepare_for_sleep(true, None);
    let (_, delay) = requests.recv_timeout(WAIT).expect("a second lock request");
    drop(delay);
    logind.wait_until("the new inhibitor let go", |logind| !logind.inhibitor_held(1));
}

#[test]
fn no_bus_or_no_services_are_no_reason_not_to_start() {
    // No daemon at either address: ready at once, nothing ever asked.
    let folder = tempfile::tempdir().unwrap();
    let nowhere = format!("unix:path={}", folder.path().join("no-bus").display());
    let (sender, requests) = mpsc::channel::<SystemEvent>();
    let sender = std::sync::Mutex::new(sender);
    let buses = Buses { system: Some(nowhere.clone()), session: Some(nowhere) };
    let listening = watch(buses, move |event, _| {
        let _ = sender.lock().unwrap().send(event);
    });
    assert!(listening.wait_ready(WAIT));
    assert!(requests.recv_timeout(Duration::from_millis(200)).is_err());

    // Buses with neither logind nor a screen saver on them: ready too; a logind that comes later is heard.
    let system = PrivateBus::start();
    let session = PrivateBus::start();
    let requests = listen(&system, &session);
    let logind = FakeLogind::start(&system);
    let saver = ScreenSaver::start(&session.address, "org.gnome.ScreenSaver");
    // zbus learns of the new owners from NameOwnerChanged; wait until it has, by asking again until heard.
    let heard = (0..50).any(|_| {
        logind.prepare_for_sleep(true, None);
        requests.recv_timeout(Duration::from_millis(200)).is_ok()
    });
    assert!(heard, "PrepareForSleep from a logind that started after the app");
    let heard = (0..50).any(|_| {
        saver.active_changed(GNOME.0, GNOME.1, true);
        requests.recv_timeout(Duration::from_millis(200)).is_ok()
    });
    assert!(heard, "ActiveChanged from a screen saver that started after the app");
}
