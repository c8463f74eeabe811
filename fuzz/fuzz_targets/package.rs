//! `verify` on arbitrary bytes: only package codes, and a package found good is one for an
//! independent zstd decoder and tar reader.
//! The check is `catstage_fuzz::package`, which tests/fuzz_replay.rs also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = catstage_fuzz::package(data) {
        panic!("{e}");
    }
});
