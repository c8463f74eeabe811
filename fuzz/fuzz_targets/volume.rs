//! The volume parser on arbitrary bytes: never a panic; whatever parses cleanly writes
//! back to the same bytes and parses again to the same model.
#![no_main]

use catstage::parse::parse_volume;
use catstage::write::volume_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (file, parsed) = parse_volume("VSAD001", data);
    if parsed.diagnostics.is_empty() {
        if let Some(v) = &file {
            let written = volume_bytes(v);
            assert_eq!(written, data, "a clean volume file must write back byte for byte");
            let (again, _) = parse_volume("VSAD001", &written);
            assert_eq!(again.as_ref(), Some(v), "and parse to the same model");
        }
    }
});
