//! The atomic replacement: a crash at each step of the swap, SIGKILL at many instants of
//! a large unpack, and an export landing meanwhile. The destination is always entirely
//! the old staging area or entirely the new one, and a re-run finishes the job.

use super::{listing, s, set_mtimes, state};
use crate::support::{code, read_area, run, stdout};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type Files = BTreeMap<String, Vec<u8>>;

struct Setup {
    old_dir: PathBuf,
    old_pkg: PathBuf,
    new_pkg: PathBuf,
    old: Files,
    new: Files,
    area: PathBuf,
}

/// About 20 MB: an old area, and a FULL export that rewrote every volume of it.
fn setup(dir: &Path) -> Setup {
    let (a, b) = (dir.join("a"), dir.join("b"));
    let o = run(&["generate", "-o", s(&a), "--volumes", "300", "--diskfiles", "400", "--seed", "5"]);
    assert_eq!(code(&o), 0);
    let o = run(&["generate", "--from", s(&a), "-o", s(&b), "--full", "--update", "30"]);
    assert_eq!(code(&o), 0);
    set_mtimes(&a, 1_700_000_000);
    set_mtimes(&b, 1_700_500_000);
    let (old_pkg, new_pkg) = (dir.join("old.tar.zst"), dir.join("new.tar.zst"));
    for (area, p) in [(&a, &old_pkg), (&b, &new_pkg)] {
        assert_eq!(code(&run(&["pack", s(area), "-o", s(p)])), 0);
    }
    Setup { old: read_area(&a), new: read_area(&b), old_dir: a, old_pkg, new_pkg, area: dir.join("area") }
}

impl Setup {
    /// The destination holds the old area (what unpacking the old package gives: the
    /// same bytes and times), copied, which is faster than unpacking it each time.
    fn reset(&self) {
        let _ = std::fs::remove_dir_all(&self.area);
        std::fs::create_dir(&self.area).unwrap();
        for e in std::fs::read_dir(&self.old_dir).unwrap() {
            let e = e.unwrap();
            let to = self.area.join(e.file_name());
            std::fs::copy(e.path(), &to).unwrap();
            let t = std::fs::metadata(e.path()).unwrap().modified().unwrap();
            std::fs::File::options().write(true).open(&to).unwrap().set_modified(t).unwrap();
        }
    }

    fn unpack_new(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_catstage"));
        c.args(["unpack", s(&self.new_pkg), "--into", s(&self.area)]).stdout(Stdio::null()).stderr(Stdio::null());
        c
    }

    /// "old" or "new"; panics on anything else.
    fn old_or_new(&self) -> &'static str {
        let now = read_area(&self.area);
        if now == self.old {
            "old"
        } else if now == self.new {
            "new"
        } else {
            let differ_old = now.iter().filter(|(k, v)| self.old.get(*k) != Some(v)).count();
            let differ_new = now.iter().filter(|(k, v)| self.new.get(*k) != Some(v)).count();
            panic!("mixed state: {differ_old} files differ from the old area, {differ_new} from the new one");
        }
    }

    /// A re-run finishes the job and leaves nothing beside the area but its lock.
    fn rerun_finishes(&self, what: &str) -> String {
        let o = run(&["unpack", s(&self.new_pkg), "--into", s(&self.area)]);
        assert_eq!(code(&o), 0, "{what}: {}{}", stdout(&o), crate::support::stderr(&o));
        assert_eq!(self.old_or_new(), "new", "{what}: the re-run finishes the job");
        let parent = self.area.parent().unwrap();
        let leftovers: Vec<String> =
            listing(parent).into_iter().filter(|n| n.starts_with(".area.") && n != ".area.catstage-lock").collect();
        assert!(leftovers.is_empty(), "{what}: {leftovers:?}");
        stdout(&o)
    }
}

#[test]
fn a_crash_at_each_step_of_the_swap_leaves_old_or_new() {
    let dir = tempfile::tempdir().unwrap();
    let t = setup(dir.path());
    for (point, expect) in [("journal-written", "old"), ("exchanged", "new"), ("old-tree-removed", "new")] {
        t.reset();
        let o = t.unpack_new().env("CATSTAGE_TEST_CRASH_AT", point).status().unwrap();
        assert!(!o.success(), "{point}: the run was to crash");
        assert_eq!(t.old_or_new(), expect, "{point}");
        let out = t.rerun_finishes(point);
        assert!(out.starts_with("an interrupted earlier run"), "{point}: {out}");
    }
    // The first unpack into a new directory: a plain rename.
    let _ = std::fs::remove_dir_all(&t.area);
    let o = t.unpack_new().env("CATSTAGE_TEST_CRASH_AT", "before-rename").status().unwrap();
    assert!(!o.success());
    assert!(!t.area.exists());
    t.rerun_finishes("before-rename");
    assert!(state(&t.area).values().all(|(_, secs, _)| *secs >= 1_700_500_000), "the package's times");
}

#[test]
fn sigkill_at_any_instant_leaves_old_or_new() {
    let dir = tempfile::tempdir().unwrap();
    let t = setup(dir.path());
    // The old package unpacks to the old area exactly.
    let o = run(&["unpack", s(&t.old_pkg), "--into", s(&t.area)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(super::state(&t.area) == super::state(&t.old_dir));
    // How long a run takes, in the conditions of the runs killed below.
    let mut runs: Vec<Duration> = (0..3)
        .map(|_| {
            t.reset();
            let start = Instant::now();
            assert_eq!(t.unpack_new().status().unwrap().code(), Some(0));
            start.elapsed()
        })
        .collect();
    runs.sort();
    let full_run = runs[1];
    let steps = 20u32;
    let mut seen = BTreeMap::new();
    for i in 0..steps {
        t.reset();
        let mut child = t.unpack_new().spawn().unwrap();
        // Kill points spread over the run and past it (runs vary: the disk is shared).
        std::thread::sleep(full_run * 2 * i / steps + Duration::from_micros(u64::from(i) * 211));
        let _ = child.kill();
        let _ = child.wait();
        *seen.entry(t.old_or_new()).or_insert(0) += 1;
        t.rerun_finishes(&format!("kill {i}"));
    }
    eprintln!("sigkill sweep over {full_run:?}: {seen:?}");
    assert!(seen.contains_key("old"), "some kills interrupted a run");
}

#[test]
fn an_export_landing_during_the_unpack_aborts_the_swap() {
    let dir = tempfile::tempdir().unwrap();
    let t = setup(dir.path());
    t.reset();
    let child = t
        .unpack_new()
        .env("CATSTAGE_TEST_PAUSE_AT", "before-swap")
        .env("CATSTAGE_TEST_PAUSE_MS", "2500")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the new tree is complete and the run pauses before the swap.
    let journal_free = dir.path().join(".area.catstage-new");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !journal_free.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1200));
    std::fs::write(t.area.join("VSAD999"), b"being written\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("changed while the package was being unpacked"));
    let mut expected = t.old.clone();
    expected.insert("VSAD999".into(), b"being written\n".to_vec());
    assert!(read_area(&t.area) == expected, "nothing replaced");
    assert!(!journal_free.exists());
}
