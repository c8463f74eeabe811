//! Packages built from the input, changed and damaged in chosen ways: `verify` finds a
//! package good exactly when it is the planned package.
//! The check is `catstage_fuzz::package_structured`, which tests/fuzz_replay.rs also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = catstage_fuzz::package_structured(data) {
        panic!("{e}");
    }
});
