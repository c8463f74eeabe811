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

#[test]
fn issue34_item04_keygen_killed_between_its_two_files_is_completed_by_the_next_run() {
    let dir = tmp();
    let k = dir.path().join("k");
    let held = crate::support::Paused::at("keygen-between", &["keygen", "-o", p(&k)], &[]);
    drop(held); // killed: the secret key is in place, its public half is not
    assert!(dir.path().join("k.key").exists() && !dir.path().join("k.pub").exists());
    let o = run(&["keygen", "-o", p(&k)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(crate::support::stdout(&o).contains("completed an interrupted keygen"));
    let secret = catstage::package::read_secret_key(&dir.path().join("k.key")).unwrap();
    let public = catstage::package::read_public_key(&dir.path().join("k.pub")).unwrap();
    assert_eq!(secret.public().to_hex(), public.to_hex());
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["k.key", "k.pub"], "nothing else left");
    assert_eq!(code(&run(&["keygen", "-o", p(&k)])), 2, "a complete pair is never overwritten");
}

#[test]
fn issue34_item04_a_public_key_left_alone_is_refused_and_no_secret_seed_stays_behind() {
    let dir = tmp();
    // What an earlier version left when killed: k.pub in place, the secret in a temporary.
    std::fs::write(dir.path().join("k.pub"), "publickey alg=ed25519 key=00\n").unwrap();
    std::fs::write(dir.path().join(".k.key.catstage-tmp"), "secretkey alg=ed25519 seed=00\n").unwrap();
    let o = run(&["keygen", "-o", p(&dir.path().join("k"))]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("without its secret key"), "{}", stderr(&o));
    assert!(!dir.path().join(".k.key.catstage-tmp").exists(), "the temporary holding a seed is removed");
}
