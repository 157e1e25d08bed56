#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = saferoom_core::fuzzing::signature(data) {
        assert!(saferoom_core::fuzzing::expected(error.code()), "unexpected error: {error:?}");
    }
});
