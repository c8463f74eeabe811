//! Nothing an input can make catstage do (issue 34): the cases a fault campaign found,
//! each named after what was measured.

use crate::support::{code, copy_area, p, run, stderr, tmp};
use std::os::unix::fs::MetadataExt;

/// True when this test can run as root; otherwise it says why it checked nothing, and
/// fails where CI asks for every privileged test to run (`CATSTAGE_REQUIRE_PRIVILEGED=1`).
fn root_or_skip(what: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    if std::env::var_os("CATSTAGE_REQUIRE_PRIVILEGED").is_some_and(|v| v == "1") {
        panic!("{what} needs root (CATSTAGE_REQUIRE_PRIVILEGED=1)");
    }
    eprintln!("note: {what} needs root; this test checked nothing");
    false
}

#[test]
fn issue34_item03_a_writer_running_as_root_keeps_the_areas_owner() {
    if !root_or_skip("changing a file's owner") {
        return;
    }
    let dir = tmp();
    let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    for e in std::fs::read_dir(&area).unwrap() {
        std::os::unix::fs::chown(e.unwrap().path(), Some(4321), Some(4322)).unwrap();
    }
    std::os::unix::fs::chown(&area, Some(4321), Some(4322)).unwrap();
    std::fs::set_permissions(&area, std::os::unix::fs::PermissionsExt::from_mode(0o750)).unwrap();
    let file = area.join("VSAD004");
    let text = std::fs::read_to_string(&file).unwrap().replace("status=ACTIVE", "status=EXPIRED");
    std::fs::write(&file, text).unwrap();
    let o = run(&["seal", p(&area), "VSAD004"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for path in [area.clone(), area.join("VSAD004"), area.join("FULL"), area.join("VSAD001")] {
        let m = std::fs::metadata(&path).unwrap();
        assert_eq!((m.uid(), m.gid()), (4321, 4322), "{}", path.display());
    }
    assert_eq!(std::fs::metadata(&area).unwrap().mode() & 0o7777, 0o750);
}

#[test]
fn issue34_item06_a_writer_whose_report_cannot_be_printed_still_says_its_change_is_done() {
    let dir = tmp();
    let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    let file = area.join("VSAD004");
    let text = std::fs::read_to_string(&file).unwrap().replace("status=ACTIVE", "status=EXPIRED");
    std::fs::write(&file, text).unwrap();
    // stdout on a full disk: writing the report fails after the commit.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let o = crate::support::catstage().args(["seal", p(&area), "VSAD004"]).stdout(full).output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the staging area was re-sealed; but the report could not be written"),
        "{}",
        stderr(&o)
    );
    assert_eq!(code(&run(&["validate", p(&area)])), 0, "the change is done");
    // A reader has nothing done to report: not printing its report is a failure.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let o = crate::support::catstage().args(["validate", p(&area)]).stdout(full).output().unwrap();
    assert_eq!(code(&o), 2);
}
