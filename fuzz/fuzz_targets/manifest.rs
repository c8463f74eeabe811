//! The package manifest parser on arbitrary bytes: every problem is CS412 placed inside the
//! manifest; a clean manifest writes back byte for byte and reads again to the same model.
//! The check is `catstage_fuzz::manifest`, which tests/fuzz_replay.rs also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = catstage_fuzz::manifest(data) {
        panic!("{e}");
    }
});
