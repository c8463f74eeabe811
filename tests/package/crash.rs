//! An export landing in the destination while a package is being unpacked: the swap is
//! abandoned, nothing is replaced, and the new tree is removed. (A crash at each step of
//! unpack's protocol is tests/writers.rs's; random SIGKILLs are bench/kill-sweep.sh's.)

use super::s;
use crate::support::{code, read_area, run};
use std::path::Path;

#[test]
fn an_export_landing_during_the_unpack_aborts_the_swap() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let o = run(&["generate", "-o", s(&a), "--volumes", "30", "--diskfiles", "40", "--seed", "5"]);
    assert_eq!(code(&o), 0);
    let o = run(&["generate", "--from", s(&a), "-o", s(&b), "--full", "--update", "5"]);
    assert_eq!(code(&o), 0);
    let new_pkg = dir.path().join("new.tar.zst");
    assert_eq!(code(&run(&["pack", s(&b), "-o", s(&new_pkg)])), 0);
    let area: &Path = &a;
    let old = read_area(area);
    // The run stops once the new tree is complete, before the swap.
    let child = crate::support::Paused::at("before-swap", &["unpack", s(&new_pkg), "--into", s(area)], &[]);
    let tree = dir.path().join(".a.catstage-new");
    assert!(tree.is_dir());
    std::fs::write(area.join("VSAD999"), b"being written\n").unwrap();
    let (status, stderr) = child.resume();
    assert_eq!(status, 2);
    assert!(stderr.contains("changed while its replacement was being built"), "{stderr}");
    let mut expected = old.clone();
    expected.insert("VSAD999".into(), b"being written\n".to_vec());
    assert!(read_area(area) == expected, "nothing replaced");
    assert!(!tree.exists(), "the new tree is removed");
    assert!(!dir.path().join(".a.catstage-journal").exists());
}
