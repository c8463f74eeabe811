//! The secondary configuration parser on arbitrary text: every error has a line and a column
//! inside the text.
//! The check is `catstage_fuzz::config`, which tests/fuzz_replay.rs also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = catstage_fuzz::config(data) {
        panic!("{e}");
    }
});
