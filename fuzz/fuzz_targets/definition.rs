//! The sync definition parser on arbitrary text: every error has a line and a column inside the
//! text, and a definition comes back exactly when nothing is wrong.
//! The check is `catstage_fuzz::definition`, which tests/fuzz_replay.rs also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = catstage_fuzz::definition(data) {
        panic!("{e}");
    }
});
