//! The heap objects a staging area's reading keeps per volume do not grow with the number
//! of volumes (issue 36): counted, not timed or weighed. A binary of its own, with one
//! test and an allocator that counts (`stats_alloc`), so that nothing else allocates
//! beside the count.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// A generated area of `volumes` volumes, one disk file each.
fn area(dir: &std::path::Path, volumes: u32) -> std::path::PathBuf {
    let out = dir.join(format!("A{volumes}"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_catstage"))
        .args(["generate", "-o", out.to_str().unwrap(), "--volumes", &volumes.to_string(), "--seed", "36"])
        .args(["--diskfiles", "1", "-q"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// The heap objects a validation of `volumes` volumes leaves alive while its report is
/// held (everything the checks kept of the area), per volume.
fn kept_per_volume(dir: &std::path::Path, volumes: u32) -> f64 {
    use catstage::disk::{Access, Area, Wait, Want};
    let path = area(dir, volumes);
    let a = Area::open(&path, Access::Read(Wait::No), Want::Area).unwrap();
    let region = Region::new(GLOBAL);
    let report = catstage::validate::validate(&a, None).unwrap();
    let change = region.change();
    assert_eq!(report.findings.errors(), 0, "{:?}", report.findings.diagnostics().first());
    assert_eq!(report.volumes, volumes as usize);
    let alive = change.allocations as f64 - change.deallocations as f64;
    drop(report);
    alive / f64::from(volumes)
}

#[test]
fn heap_objects_per_volume_read_do_not_grow_with_the_number_of_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let small = kept_per_volume(dir.path(), 1_000);
    let large = kept_per_volume(dir.path(), 10_000);
    println!("heap objects kept per volume read: {small:.2} at 1,000 volumes, {large:.2} at 10,000");
    // A fixed cost spread over fewer volumes makes the small area's figure the larger;
    // anything kept per volume that grows with the area makes the large one's larger.
    assert!(large <= small * 1.02, "{large:.2} heap objects per volume at 10,000 volumes, {small:.2} at 1,000");
    assert!(large > 1.0, "the count sees the objects kept ({large:.2} per volume)");
}
