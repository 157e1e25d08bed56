#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (title, body) = text.split_once('\n').unwrap_or(("Title", &text));
    match saferoom_core::fuzzing::template(title, body) {
        Ok(filled) => assert!(!filled.contains("{{client_name}}")),
        Err(error) => assert!(saferoom_core::fuzzing::expected(error.code()), "unexpected error: {error:?}"),
    }
});
