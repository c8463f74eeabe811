//! The summary parser on arbitrary bytes: never a panic; whatever parses cleanly writes
//! back to the same bytes and parses again to the same model.
#![no_main]

use catstage::parse::parse_summary;
use catstage::write::summary_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = parse_summary("FULL", data, None);
    if parsed.diagnostics.is_empty() {
        if let Some(s) = &parsed.summary {
            let written = summary_bytes(s);
            assert_eq!(written, data, "a clean summary must write back byte for byte");
            let again = parse_summary("FULL", &written, None);
            assert_eq!(again.summary.as_ref(), Some(s), "and parse to the same model");
        }
    }
});
