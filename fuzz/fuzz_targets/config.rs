//! The secondary configuration reader on arbitrary text: never a panic, and every finding
//! carries a position inside the text.
#![no_main]

use catstage::config::parse_secondary;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let loaded = parse_secondary("SEC.toml", text);
    let lines = text.lines().count() as u64 + 1;
    for d in &loaded.diagnostics {
        if let Some(l) = d.line {
            assert!(l >= 1 && l <= lines, "line {l} outside the text ({lines} lines)");
        }
    }
});
