//! The summary parser on arbitrary bytes: findings point inside the file; a clean summary writes
//! back byte for byte and reads again to the same model.
//! The check is `catstage_fuzz::summary`, which tests/fuzz_replay.rs also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = catstage_fuzz::summary(data) {
        panic!("{e}");
    }
});
