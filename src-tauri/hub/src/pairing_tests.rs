//! The pairing exchange without a network: both sides' messages passed by hand, so each attack is a
//! changed message or a changed view of the TLS session. The same exchange over real TLS is in
//! `transport_tests.rs`.

use super::*;
use crate::DeviceKey;

struct Sides {
    hub: DeviceKey,
    device: DeviceKey,
    binding: [u8; 32],
}

fn sides() -> Sides {
    Sides { hub: DeviceKey::generate().unwrap(), device: DeviceKey::generate().unwrap(), binding: [7u8; 32] }
}

fn code(digits: &str) -> PairingCode {
    PairingCode::parse(digits).unwrap()
}

/// One whole pairing: the device types `typed`; the hub's window has its own code.
fn pair(
    window: &mut PairingWindow,
    now: Instant,
    sides: &Sides,
    typed: &str,
) -> Result<(PairedDevice, PairedHub), HubError> {
    let (device, hello) = DevicePairing::start(&code(typed), "Front desk", "workstation")?;
    let (answer, pending) =
        window.answer(now, sides.hub.public_key(), sides.device.public_key(), &sides.binding, &hello)?;
    let (confirmation, hub) =
        device.finish(sides.hub.public_key(), sides.device.public_key(), &sides.binding, &answer)?;
    let paired = pending.finish(window, &confirmation)?;
    Ok((paired, hub))
}

#[test]
fn the_right_code_pairs_once_and_both_sides_show_the_same_check_digits() {
    let now = Instant::now();
    let sides = sides();
    let mut window = PairingWindow::with_code(code("4821 7730"), now);
    assert!(window.is_live(now));
    let (device, hub) = pair(&mut window, now, &sides, "48217730").unwrap();
    assert_eq!(device.key, *sides.device.public_key());
    assert_eq!((device.name.as_str(), device.kind.as_str()), ("Front desk", "workstation"));
    assert_eq!(hub.key, *sides.hub.public_key());
    assert_eq!(device.check_digits, hub.check_digits);
    assert_eq!(device.check_digits.len(), 14);

    // A code pairs one computer: the next try is refused before any exchange.
    assert!(!window.is_live(now));
    assert_eq!(pair(&mut window, now, &sides, "4821 7730").unwrap_err(), HubError::PairingCodeUsed);

    // Another pairing of the same two keys gives other check digits (each exchange is fresh).
    let mut again = PairingWindow::with_code(code("4821 7730"), now);
    let (second, _) = pair(&mut again, now, &sides, "4821 7730").unwrap();
    assert_ne!(second.check_digits, device.check_digits);
}

#[test]
fn a_wrong_code_fails_on_both_sides_and_five_tries_end_the_code() {
    let now = Instant::now();
    let sides = sides();
    let mut window = PairingWindow::with_code(code("4821 7730"), now);
    for wrong in ["48217731", "00000000", "12345678", "48917739", "99999999"] {
        assert_eq!(pair(&mut window, now, &sides, wrong).unwrap_err(), HubError::PairingCodeWrong, "{wrong}");
    }
    // Five tries spent: even the right code no longer works, and the port can close.
    assert!(!window.is_live(now));
    assert_eq!(pair(&mut window, now, &sides, "4821 7730").unwrap_err(), HubError::PairingAttemptsExhausted);
}

#[test]
fn a_wrong_confirmation_from_the_device_is_refused_and_spends_the_try() {
    let now = Instant::now();
    let sides = sides();
    let mut window = PairingWindow::with_code(code("4821 7730"), now);
    let (device, hello) = DevicePairing::start(&code("4821 7730"), "Room 2", "tablet").unwrap();
    let (answer, pending) =
        window.answer(now, sides.hub.public_key(), sides.device.public_key(), &sides.binding, &hello).unwrap();
    let (mut confirmation, _) =
        device.finish(sides.hub.public_key(), sides.device.public_key(), &sides.binding, &answer).unwrap();
    confirmation.0[0] ^= 1;
    assert_eq!(pending.finish(&mut window, &confirmation).unwrap_err(), HubError::PairingCodeWrong);
    assert!(window.is_live(now), "not used: the code still works for its remaining tries");
    assert_eq!(window.attempts_left, CODE_ATTEMPTS - 1);
}

#[test]
fn a_code_works_for_ten_minutes_only() {
    let opened = Instant::now();
    let sides = sides();
    let mut window = PairingWindow::with_code(code("4821 7730"), opened);
    let late = opened + CODE_LIFETIME;
    assert!(!window.is_live(late));
    assert_eq!(pair(&mut window, late, &sides, "4821 7730").unwrap_err(), HubError::PairingCodeExpired);
    assert_eq!(window.attempts_left, CODE_ATTEMPTS, "an expired code spends no try");
    let just_in_time = opened + CODE_LIFETIME - Duration::from_secs(1);
    assert!(pair(&mut window, just_in_time, &sides, "4821 7730").is_ok());
}

#[test]
fn a_relay_between_two_tls_sessions_or_a_swapped_key_fails_even_with_the_right_code() {
    let now = Instant::now();
    let sides = sides();
    let relay = DeviceKey::generate().unwrap();

    // A relay in the middle holds one TLS session with the device and another with the hub: their
    // exporters differ.
    let mut window = PairingWindow::with_code(code("4821 7730"), now);
    let (device, hello) = DevicePairing::start(&code("4821 7730"), "Front desk", "workstation").unwrap();
    let (answer, _) = window.answer(now, sides.hub.public_key(), relay.public_key(), &[1u8; 32], &hello).unwrap();
    let refused = device.finish(relay.public_key(), sides.device.public_key(), &[2u8; 32], &answer);
    assert_eq!(refused.unwrap_err(), HubError::PairingCodeWrong);

    // The same session, but the hub's key as the device saw it is another one (a hub impersonated).
    let mut window = PairingWindow::with_code(code("4821 7730"), now);
    let (device, hello) = DevicePairing::start(&code("4821 7730"), "Front desk", "workstation").unwrap();
    let (answer, _) =
        window.answer(now, sides.hub.public_key(), sides.device.public_key(), &sides.binding, &hello).unwrap();
    let refused = device.finish(relay.public_key(), sides.device.public_key(), &sides.binding, &answer);
    assert_eq!(refused.unwrap_err(), HubError::PairingCodeWrong);

    // The same two keys but two TLS sessions (the exporter is mixed in, not only the keys).
    let mut window = PairingWindow::with_code(code("4821 7730"), now);
    let (device, hello) = DevicePairing::start(&code("4821 7730"), "Front desk", "workstation").unwrap();
    let (answer, _) =
        window.answer(now, sides.hub.public_key(), sides.device.public_key(), &[1u8; 32], &hello).unwrap();
    let refused = device.finish(sides.hub.public_key(), sides.device.public_key(), &[2u8; 32], &answer);
    assert_eq!(refused.unwrap_err(), HubError::PairingCodeWrong);

    // The device's name changed on the way (the hub would list a computer under a name its person never gave).
    let mut window = PairingWindow::with_code(code("4821 7730"), now);
    let (device, mut hello) = DevicePairing::start(&code("4821 7730"), "Front desk", "workstation").unwrap();
    hello.name = "Owner's office".into();
    let (answer, _) =
        window.answer(now, sides.hub.public_key(), sides.device.public_key(), &sides.binding, &hello).unwrap();
    let refused = device.finish(sides.hub.public_key(), sides.device.public_key(), &sides.binding, &answer);
    assert_eq!(refused.unwrap_err(), HubError::PairingCodeWrong);
}

#[test]
fn changed_or_cut_messages_are_refused_in_plain_words() {
    let now = Instant::now();
    let sides = sides();
    for change in 0..4 {
        let mut window = PairingWindow::with_code(code("4821 7730"), now);
        let (device, mut hello) = DevicePairing::start(&code("4821 7730"), "Front desk", "workstation").unwrap();
        if change == 0 {
            hello.exchange.truncate(10);
        }
        let answered = window.answer(now, sides.hub.public_key(), sides.device.public_key(), &sides.binding, &hello);
        let Ok((mut answer, _)) = answered else {
            assert_eq!(answered.err().unwrap(), HubError::PairingMessageInvalid);
            continue;
        };
        match change {
            1 => answer.exchange[5] ^= 0x20,
            2 => answer.confirmation[31] ^= 1,
            _ => answer.confirmation.clear(),
        }
        let finished = device.finish(sides.hub.public_key(), sides.device.public_key(), &sides.binding, &answer);
        let error = finished.unwrap_err();
        assert!(matches!(error, HubError::PairingCodeWrong | HubError::PairingMessageInvalid), "{change}: {error:?}");
        assert!(!error.to_string().contains("SPAKE"), "plain words: {error}");
    }
}

#[test]
fn codes_are_eight_digits_shown_in_two_groups_and_typed_with_or_without_spaces() {
    let generated = PairingCode::generate().unwrap();
    let shown = generated.shown();
    assert_eq!(shown.len(), 9);
    assert!(shown.chars().enumerate().all(|(i, c)| if i == 4 { c == ' ' } else { c.is_ascii_digit() }), "{shown}");
    assert_eq!(PairingCode::parse(&shown).unwrap().shown(), shown);
    let many: std::collections::HashSet<String> = (0..20).map(|_| PairingCode::generate().unwrap().shown()).collect();
    assert!(many.len() > 15, "codes are random: {many:?}");

    for typed in ["4821 7730", "4821-7730", " 48217730 ", "4821\u{a0}7730"] {
        assert_eq!(PairingCode::parse(typed).unwrap().shown(), "4821 7730", "{typed:?}");
    }
    for typed in ["", "4821773", "482177301", "4821 773a", "４８２１７７３０", "4821.7730"] {
        assert_eq!(PairingCode::parse(typed).unwrap_err(), HubError::PairingCodeMalformed, "{typed:?}");
    }
    assert_eq!(format!("{:?}", code("4821 7730")), "PairingCode(…)", "the code never reaches a log");
}

#[test]
fn a_computer_needs_a_name_of_up_to_sixty_characters() {
    for name in ["", "   ", &"x".repeat(NAME_MAX_CHARS + 1), "Front\ndesk"] {
        let started = DevicePairing::start(&code("4821 7730"), name, "workstation");
        assert_eq!(started.err().unwrap(), HubError::DeviceNameInvalid, "{name:?}");
    }
    assert!(DevicePairing::start(&code("4821 7730"), &"é".repeat(NAME_MAX_CHARS), "tablet").is_ok());
    for kind in ["", "Workstation", "tab let", &"x".repeat(33)] {
        let started = DevicePairing::start(&code("4821 7730"), "Front desk", kind);
        assert_eq!(started.err().unwrap(), HubError::PairingMessageInvalid, "{kind:?}");
    }
}
