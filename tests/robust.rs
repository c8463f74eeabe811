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
    // generate too: its outputs are written whatever happens to its report.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let g = dir.path().join("g");
    let o = crate::support::catstage().args(["generate", "-o", p(&g), "--volumes", "2"]).stdout(full).output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("was generated; but the report could not be written"), "{}", stderr(&o));
    assert_eq!(code(&run(&["validate", p(&g)])), 0);
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

/// Runs catstage as an unprivileged user (nobody) when the tests run as root, so that a
/// directory of mode 000 is unreadable to it as it would be to a CI user.
fn run_unprivileged(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let bin = env!("CARGO_BIN_EXE_catstage");
    let mut c = if rustix::process::geteuid().is_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin]);
        c
    } else {
        std::process::Command::new(bin)
    };
    c.current_dir(crate::support::root()).args(args).output().unwrap()
}

/// A tree for `--recursive`: a clean area, a damaged one whose directory name is not
/// UTF-8, and a directory nobody may read (a `lost+found`), all readable by anyone else.
fn tree_with_odd_directories() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    let root = dir.path().join("stage");
    copy_area("fixtures/slab-a-daily", &root.join("good"));
    let odd = root.join(std::ffi::OsStr::from_bytes(b"bad\xff"));
    copy_area("fixtures/slab-a-daily", &odd);
    std::fs::remove_file(odd.join("VSAD003")).unwrap();
    let locked = root.join("lost+found");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("x"), "x").unwrap();
    for e in walkdir::WalkDir::new(dir.path()) {
        let e = e.unwrap();
        let mode = if e.file_type().is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    (dir, root, odd)
}

#[test]
fn issue34_item08_an_area_whose_name_is_not_utf8_is_opened_and_its_uri_encodes_the_byte() {
    let (_dir, root, _) = tree_with_odd_directories();
    let o =
        run_unprivileged(&["validate".as_ref(), "-r".as_ref(), root.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let areas = doc["areas"].as_array().unwrap();
    let odd =
        areas.iter().find(|a| a["path"].as_str().unwrap().ends_with("bad\\xff")).unwrap_or_else(|| panic!("{doc:#}"));
    // Opened and checked: the volume file removed is found, not "does not exist".
    assert!(odd["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "CS022"), "{odd:#}");
    assert!(!odd["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "CS091"), "{odd:#}");
    let o = run_unprivileged(&[
        "validate".as_ref(),
        "-r".as_ref(),
        root.as_os_str(),
        "--format".as_ref(),
        "sarif".as_ref(),
    ]);
    let sarif = String::from_utf8(o.stdout).unwrap();
    assert!(sarif.contains("bad%FF"), "{sarif}");
    assert!(!sarif.contains("%5Cxff"), "{sarif}");
}

#[test]
fn issue34_item09_an_unreadable_directory_is_not_checked_and_the_rest_are() {
    let (_dir, root, _) = tree_with_odd_directories();
    let o =
        run_unprivileged(&["validate".as_ref(), "-r".as_ref(), root.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let areas = doc["areas"].as_array().unwrap();
    let path = |a: &serde_json::Value| a["path"].as_str().unwrap().to_string();
    let good = areas.iter().find(|a| path(a).ends_with("/good")).unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(good["status"], 0, "{good:#}");
    let locked = areas.iter().find(|a| path(a).ends_with("/lost+found")).unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(locked["status"], 2, "{locked:#}");
    let why = locked["diagnostics"][0]["message"].as_str().unwrap();
    assert!(why.contains("lost+found") && why.to_lowercase().contains("permission denied"), "{why}");
    assert_eq!(areas.len(), 3, "{doc:#}");
}

/// Runs `args` (a writer of `area`) paused after its last check of the area and before
/// the exchange, writes a file into the area meanwhile, and returns its exit status, its
/// stderr and the directories beside the area afterwards.
fn a_file_arrives_during_the_exchange(area: &std::path::Path, args: &[&str]) -> (i32, String, Vec<String>) {
    let child = crate::support::Paused::at("journal-written", args, &[]);
    std::fs::write(area.join("VSAD099"), b"the next export, arriving\n").unwrap();
    let (status, err) = child.resume();
    let beside: Vec<String> = std::fs::read_dir(area.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "s")
        .collect();
    (status, err, beside)
}

#[test]
fn issue34_item05_a_file_that_lands_in_the_area_during_the_exchange_is_kept() {
    let writers: [&[&str]; 2] =
        [&["replace-nodes", "AREA", "--map", "\\ETINIUM=\\INSIDX", "--in-place"], &["seal", "-q", "AREA", "VSAD004"]];
    for args in writers {
        let dir = tmp();
        let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
        // `-q` hides no warning (issue 34, case 11).
        if args[0] == "seal" {
            let file = area.join("VSAD004");
            let text = std::fs::read_to_string(&file).unwrap().replace("status=ACTIVE", "status=EXPIRED");
            std::fs::write(&file, text).unwrap();
        }
        let args: Vec<&str> = args.iter().map(|a| if *a == "AREA" { p(&area) } else { a }).collect();
        let (status, err, beside) = a_file_arrives_during_the_exchange(&area, &args);
        // The area was replaced (the writer's change is done), and the file is not lost:
        // the old tree that holds it is kept beside the area under a name no run removes.
        assert_eq!(status, 0, "{args:?}: {err}");
        assert_eq!(beside.len(), 1, "{args:?}: {beside:?}");
        assert!(beside[0].starts_with("s.replaced-"), "{beside:?}");
        let kept = dir.path().join(&beside[0]).join("VSAD099");
        assert_eq!(std::fs::read(&kept).unwrap(), b"the next export, arriving\n", "{args:?}");
        assert!(err.contains("while it was, something changed in it (VSAD099)"), "{args:?}: {err}");
        assert!(err.contains(&beside[0]), "{err}");
        // The next writer leaves it alone.
        let o = run(&["seal", p(&area), "FULL"]);
        assert!(code(&o) <= 1, "{}", stderr(&o));
        assert!(kept.exists());
    }
}

#[test]
fn issue34_item11_a_lock_file_that_cannot_be_removed_is_named_even_with_q() {
    if !root_or_skip("making a directory immutable (chattr +i)") {
        return;
    }
    let dir = tmp();
    let parent = dir.path().join("p");
    let area = copy_area("fixtures/slab-a-daily", &parent.join("s"));
    let child = crate::support::Paused::at("locked", &["seal", "-q", p(&area), "FULL"], &[]);
    let chattr = |flag: &str| std::process::Command::new("chattr").arg(flag).arg(&parent).status().unwrap();
    assert!(chattr("+i").success(), "chattr +i must work where the tests run as root");
    let (status, err) = child.resume();
    assert!(chattr("-i").success());
    // The run failed (it could not build beside the area) and says what it left.
    assert_eq!(status, 2, "{err}");
    assert!(err.contains(".s.catstage-lock (a lock file) is left: it could not be removed"), "{err}");
}

#[test]
fn issue34_item07_generate_writes_its_outputs_together_or_not_at_all() {
    let dir = tmp();
    let d = dir.path();
    let area = d.join("A");
    let names = |d: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    };
    // Refused before anything is written: a configuration whose directory is missing, an
    // image directory that holds something.
    let o = run(&["generate", "-o", p(&area), "--volumes", "3", "--secondary-config", p(&d.join("no/such/x.toml"))]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    std::fs::create_dir(d.join("img")).unwrap();
    std::fs::write(d.join("img/keep"), "x").unwrap();
    let o = run(&["generate", "-o", p(&area), "--volumes", "3", "--images", p(&d.join("img"))]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("not an empty directory"), "{}", stderr(&o));
    assert_eq!(names(d), ["img"]);
    // All three written: the image tree whole, its parent made by nobody.
    let o = run(&[
        "generate",
        "-o",
        p(&area),
        "--volumes",
        "3",
        "--secondary-config",
        p(&d.join("A.toml")),
        "--images",
        p(&d.join("img2")),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(names(d), ["A", "A.toml", "img", "img2"]);
    let o = run(&["generate", "-o", p(&d.join("B")), "--volumes", "3", "--images", p(&d.join("x/y/img"))]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(names(d), ["A", "A.toml", "img", "img2"]);
    // The images fail after the area is written (their directory is immutable): the area
    // and the configuration this run wrote are removed again.
    if !root_or_skip("making a directory immutable (chattr +i)") {
        return;
    }
    let locked = d.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let chattr = |flag: &str| std::process::Command::new("chattr").arg(flag).arg(&locked).status().unwrap();
    assert!(chattr("+i").success(), "chattr +i must work where the tests run as root");
    let o = run(&[
        "generate",
        "-o",
        p(&d.join("C")),
        "--volumes",
        "3",
        "--secondary-config",
        p(&d.join("C.toml")),
        "--images",
        p(&locked.join("img")),
    ]);
    assert!(chattr("-i").success());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("was removed again") && stderr(&o).contains("nothing was changed"), "{}", stderr(&o));
    assert_eq!(names(d), ["A", "A.toml", "img", "img2", "locked"]);
}

#[test]
fn issue34_item13_a_manifest_whose_store_or_exports_contradict_its_full_is_refused() {
    use crate::package::tarball::{package, unpack_members};
    let dir = tmp();
    let pkg = dir.path().join("good.tar.zst");
    let o = run(&["pack", "fixtures/slab-a-daily", "-o", p(&pkg)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let cases = [
        (
            "store=SLAB_A-DAILY",
            "store=SLAB_B-DAILY",
            "the manifest names data store SLAB_B-DAILY, but the package's FULL was exported by SLAB_A-DAILY",
        ),
        (
            "full_export=2022-01-05_17:44:48",
            "full_export=2022-01-04_17:44:48",
            "the manifest names FULL export 2022-01-04_17:44:48, but the package's FULL is export 2022-01-05_17:44:48",
        ),
    ];
    for (from, to, said) in cases {
        let mut members = unpack_members(&std::fs::read(&pkg).unwrap());
        let text = String::from_utf8(members[0].data.clone()).unwrap();
        assert!(text.contains(from), "{text}");
        members[0].data = crate::support::reseal(text.replacen(from, to, 1).as_bytes());
        let bad = dir.path().join("bad.tar.zst");
        std::fs::write(&bad, package(&members)).unwrap();
        let o = run(&["verify", p(&bad)]);
        assert_eq!(code(&o), 1, "{}", crate::support::stdout(&o));
        let out = crate::support::stdout(&o);
        assert!(out.contains("error[CS412]") && out.contains(said), "{out}");
        let o = run(&["unpack", p(&bad), "--into", p(&dir.path().join("dst"))]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert!(!dir.path().join("dst").exists());
    }
}
