//! The volume parser on arbitrary bytes: never a panic; whatever parses cleanly writes
//! back to the same bytes.
#![no_main]

use catstage::parse::parse_volume;
use catstage::write::volume_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (file, parsed) = parse_volume("VSAD001", data);
    if parsed.diagnostics.is_empty() {
        if let Some(v) = &file {
            assert_eq!(volume_bytes(v), data, "a clean volume file must write back byte for byte");
        }
    }
});
