//! Every writer is all or nothing at every step of its protocol: a crash at each step
//! (an abort, like a SIGKILL: nothing is cleaned up) leaves the target entirely old or
//! entirely new, and the next run of the same command finishes or cleans up and leaves
//! nothing behind. Random SIGKILLs over whole runs are `bench/kill-sweep.sh`'s job.

use crate::support::{self, code, run, stderr};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Files = BTreeMap<String, Vec<u8>>;

/// A target's content: its files (or, for a package, the one file), or nothing.
fn content(target: &Path) -> Option<Files> {
    let meta = std::fs::symlink_metadata(target).ok()?;
    if meta.is_dir() {
        Some(support::read_area(target))
    } else {
        Some(BTreeMap::from([(String::new(), std::fs::read(target).unwrap())]))
    }
}

/// The entries beside `target` that a catstage run keeps while it works.
fn beside(target: &Path) -> Vec<String> {
    let name = target.file_name().unwrap().to_string_lossy().into_owned();
    let prefix = format!(".{name}.catstage-");
    let mut out: Vec<String> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix) || n.starts_with(".catstage-tmp-"))
        .collect();
    out.sort();
    out
}

/// One writer: how to prepare its inputs in a directory, the command, its target.
struct Writer {
    name: &'static str,
    /// Prepares the inputs in the directory; returns the target and the arguments.
    setup: fn(&Path) -> (PathBuf, Vec<String>),
    /// The crash points of its protocol, and whether a crash there leaves the new state.
    points: &'static [(&'static str, bool)],
    /// The exit status of a re-run that finds the target already new.
    rerun_when_new: i32,
}

/// An existing area replaced by exchange.
const REPLACE: &[(&str, bool)] = &[
    ("tree-file-written", false),
    ("tree-built", false),
    ("journal-written", false),
    ("exchanged", true),
    ("old-tree-removed", true),
];
/// A new area renamed into place.
const CREATE: &[(&str, bool)] =
    &[("tree-file-written", false), ("tree-built", false), ("before-rename", false), ("renamed", true)];
/// One file replaced atomically.
const ATOMIC: &[(&str, bool)] = &[("atomic-flushed", false), ("atomic-renamed", true)];

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn generated(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let area = dir.join(name);
    let mut args =
        vec!["generate", "-o", area.to_str().unwrap(), "--volumes", "12", "--diskfiles", "30", "--seed", "3"];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    area
}

fn packed(area: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["pack", area.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// An area `a`, its next FULL export `b`, and packages of both.
fn two_exports(dir: &Path) -> (PathBuf, PathBuf) {
    let a = generated(dir, "a", &[]);
    let b = dir.join("b");
    let o = run(&["generate", "--from", &s(&a), "-o", &s(&b), "--full", "--update", "4"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    packed(&a, &dir.join("a.tar.zst"), &[]);
    packed(&b, &dir.join("b.tar.zst"), &[]);
    (a, b)
}

fn copy_area(from: &Path, to: &Path) {
    support::write_area(to, &support::read_area(from));
}

fn sync_args(area: &Path, listing: &str, kind: &str, created: &str) -> Vec<String> {
    [
        "sync",
        "--definition",
        "fixtures/sync/slab-a-daily-csv.toml",
        "--source",
        listing,
        area.to_str().unwrap(),
        "--type",
        kind,
        "--created",
        created,
    ]
    .iter()
    .map(|a| a.to_string())
    .collect()
}

fn synced(dir: &Path) -> PathBuf {
    let area = dir.join("SLABA");
    let args = sync_args(&area, "fixtures/sync/slab-a-daily-csv.csv", "full", "2022-01-05T17:44:48-05:00");
    let o = support::catstage().args(&args).output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let changed = dir.join("changed.csv");
    std::fs::write(&changed, crate::sync::three_rows_changed()).unwrap();
    area
}

fn writers() -> Vec<Writer> {
    vec![
        Writer {
            name: "unpack (full, over an area)",
            setup: |d| {
                let (a, _) = two_exports(d);
                let area = d.join("area");
                copy_area(&a, &area);
                (area.clone(), vec!["unpack".into(), s(&d.join("b.tar.zst")), "--into".into(), s(&area)])
            },
            points: REPLACE,
            rerun_when_new: 0,
        },
        Writer {
            name: "unpack (incremental)",
            setup: |d| {
                let (_, b) = two_exports(d);
                packed(&b, &d.join("inc.tar.zst"), &["--base", d.join("a.tar.zst").to_str().unwrap()]);
                let area = d.join("area");
                let o = run(&["unpack", &s(&d.join("a.tar.zst")), "--into", &s(&area)]);
                assert_eq!(code(&o), 0, "{}", stderr(&o));
                (area.clone(), vec!["unpack".into(), s(&d.join("inc.tar.zst")), "--into".into(), s(&area)])
            },
            points: REPLACE,
            rerun_when_new: 0,
        },
        Writer {
            name: "unpack (a new destination)",
            setup: |d| {
                two_exports(d);
                let area = d.join("area");
                (area.clone(), vec!["unpack".into(), s(&d.join("b.tar.zst")), "--into".into(), s(&area)])
            },
            points: CREATE,
            rerun_when_new: 0,
        },
        Writer {
            name: "replace-nodes --in-place",
            setup: |d| {
                let area = generated(d, "area", &[]);
                (
                    area.clone(),
                    ["replace-nodes", &s(&area), "--map", "\\SYNTH=\\DRSITE", "--in-place"].map(String::from).to_vec(),
                )
            },
            points: REPLACE,
            rerun_when_new: 0,
        },
        Writer {
            name: "replace-nodes -o",
            setup: |d| {
                let area = generated(d, "area", &[]);
                let out = d.join("out");
                (
                    out.clone(),
                    ["replace-nodes", &s(&area), "--map", "\\SYNTH=\\DRSITE", "-o", &s(&out)]
                        .map(String::from)
                        .to_vec(),
                )
            },
            points: CREATE,
            rerun_when_new: 2,
        },
        Writer {
            name: "sync --type full",
            setup: |d| {
                let area = synced(d);
                (area.clone(), sync_args(&area, &s(&d.join("changed.csv")), "full", "2022-01-06T17:44:48-05:00"))
            },
            points: REPLACE,
            rerun_when_new: 0,
        },
        Writer {
            name: "sync --type update",
            setup: |d| {
                let area = synced(d);
                (area.clone(), sync_args(&area, &s(&d.join("changed.csv")), "update", "2022-01-06T17:44:48-05:00"))
            },
            points: REPLACE,
            rerun_when_new: 0,
        },
        Writer {
            name: "sync --type full (a new area)",
            setup: |d| {
                let area = d.join("SLABA");
                (
                    area.clone(),
                    sync_args(&area, "fixtures/sync/slab-a-daily-csv.csv", "full", "2022-01-05T17:44:48-05:00"),
                )
            },
            points: CREATE,
            rerun_when_new: 0,
        },
        Writer {
            name: "seal",
            setup: |d| {
                let area = generated(d, "area", &["--update", "3"]);
                // A deliberate hand edit of a volume file, and of the UPDATE-listed one.
                for name in ["VG00001", "VG00002"] {
                    let path = area.join(name);
                    let text = std::fs::read_to_string(&path).unwrap();
                    std::fs::write(&path, text.replacen("status=VALID", "status=INVALID", 1)).unwrap();
                }
                (area.clone(), ["seal", &s(&area), "VG00001", "VG00002"].map(String::from).to_vec())
            },
            points: REPLACE,
            rerun_when_new: 0,
        },
        Writer {
            name: "generate -o",
            setup: |d| {
                let out = d.join("gen");
                (
                    out.clone(),
                    ["generate", "-o", &s(&out), "--volumes", "12", "--diskfiles", "30"].map(String::from).to_vec(),
                )
            },
            points: CREATE,
            rerun_when_new: 2,
        },
        Writer {
            name: "pack -o",
            setup: |d| {
                let area = generated(d, "area", &[]);
                crate::package::set_mtimes(&area, 1_700_000_000);
                let out = d.join("p.tar.zst");
                (out.clone(), ["pack", &s(&area), "-o", &s(&out)].map(String::from).to_vec())
            },
            points: ATOMIC,
            rerun_when_new: 2,
        },
        Writer {
            name: "pack -o --force (over a package)",
            setup: |d| {
                let area = generated(d, "area", &[]);
                crate::package::set_mtimes(&area, 1_700_000_000);
                let out = d.join("p.tar.zst");
                packed(&area, &out, &["--level", "1"]);
                (out.clone(), ["pack", &s(&area), "-o", &s(&out), "--force"].map(String::from).to_vec())
            },
            points: ATOMIC,
            rerun_when_new: 0,
        },
    ]
}

/// What a clean run of `w` gives, from a fresh setup.
fn clean_run(w: &Writer) -> Option<Files> {
    let dir = tempfile::tempdir().unwrap();
    let (target, args) = (w.setup)(dir.path());
    let o = support::catstage().args(&args).output().unwrap();
    assert_eq!(code(&o), 0, "{}: {}", w.name, stderr(&o));
    assert!(beside(&target).is_empty(), "{}: a clean run leaves {:?}", w.name, beside(&target));
    content(&target)
}

#[test]
fn a_crash_at_every_step_of_every_writer_leaves_old_or_new_and_a_rerun_finishes() {
    for w in writers() {
        let new = clean_run(&w);
        for &(point, leaves_new) in w.points {
            let what = format!("{} crashed at {point}", w.name);
            let dir = tempfile::tempdir().unwrap();
            let (target, args) = (w.setup)(dir.path());
            let old = content(&target);
            let o = support::catstage().args(&args).env("CATSTAGE_TEST_CRASH_AT", point).output().unwrap();
            assert!(o.status.code().is_none(), "{what}: the run was to crash: {}", stderr(&o));
            let now = content(&target);
            let expect = if leaves_new { &new } else { &old };
            assert!(
                now == *expect,
                "{what}: the target is {} (expected {})",
                if now == old {
                    "old"
                } else if now == new {
                    "new"
                } else {
                    "MIXED"
                },
                if leaves_new { "new" } else { "old" }
            );
            // The next run of the same command finishes or cleans up.
            let o = support::catstage().args(&args).output().unwrap();
            let want = if leaves_new { w.rerun_when_new } else { 0 };
            assert_eq!(code(&o), want, "{what}: the re-run: {}", stderr(&o));
            assert!(content(&target) == new, "{what}: the re-run leaves the new state");
            assert!(beside(&target).is_empty(), "{what}: left behind: {:?}", beside(&target));
            if target.is_dir() {
                let inside: Vec<String> =
                    support::read_area(&target).into_keys().filter(|n| n.starts_with('.')).collect();
                assert!(inside.is_empty(), "{what}: left inside: {inside:?}");
            }
            if !leaves_new {
                assert!(stderr(&o).contains("removed what an interrupted run left"), "{what}: {}", stderr(&o));
            }
        }
    }
}

#[test]
fn a_crash_in_the_middle_of_building_is_cleaned_up_by_any_writer() {
    // A sync killed while it was writing its new tree; the next writer of the area is a
    // different command (seal): it removes the unfinished tree and says so.
    let dir = tempfile::tempdir().unwrap();
    let area = synced(dir.path());
    let old = content(&area);
    let args = sync_args(&area, &s(&dir.path().join("changed.csv")), "full", "2022-01-06T17:44:48-05:00");
    let o = support::catstage().args(&args).env("CATSTAGE_TEST_CRASH_AT", "tree-file-written:2").output().unwrap();
    assert!(o.status.code().is_none());
    assert!(content(&area) == old);
    assert_eq!(beside(&area), [".SLABA.catstage-lock", ".SLABA.catstage-new"]);
    let o = run(&["seal", &s(&area), "FULL"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("removed what an interrupted run left: .SLABA.catstage-new"), "{}", stderr(&o));
    assert!(beside(&area).is_empty(), "{:?}", beside(&area));
    assert!(content(&area) == old);
}

#[test]
fn leftovers_of_earlier_versions_are_recognised_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let area = generated(dir.path(), "area", &[]);
    std::fs::create_dir(dir.path().join(".area.catstage-new-4242")).unwrap();
    std::fs::write(dir.path().join(".area.catstage-new-4242/VG00001"), b"partial").unwrap();
    std::fs::write(area.join(".catstage-tmp-VG00001-4242-sync0"), b"partial").unwrap();
    std::fs::write(area.join(".catstage-tmp-FULL-4242-3"), b"partial").unwrap();
    let o = run(&["seal", &s(&area), "FULL"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    for name in [".area.catstage-new-4242", "area/.catstage-tmp-FULL-4242-3", "area/.catstage-tmp-VG00001-4242-sync0"] {
        assert!(err.contains(name), "{name}: {err}");
    }
    assert!(beside(&area).is_empty());
    assert!(support::read_area(&area).keys().all(|n| !n.starts_with('.')));
    assert_eq!(code(&run(&["validate", &s(&area)])), 0);
    // A package's temporary file of an earlier version, beside it.
    let pkg = dir.path().join("p.tar.zst");
    std::fs::write(dir.path().join(".catstage-tmp-p.tar.zst-4242"), b"partial").unwrap();
    packed(&area, &pkg, &[]);
    assert!(beside(&pkg).is_empty());
}

/// A small tmpfs mounted for one test, unmounted when dropped; `None` (with the reason
/// printed) where this machine does not let the test mount one.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(bytes: u64) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let o = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs", dir.path().to_str().unwrap()])
            .output();
        match o {
            Ok(o) if o.status.success() => Some(SmallDisk { dir }),
            Ok(o) => {
                eprintln!("skipped: cannot mount a tmpfs here: {}", String::from_utf8_lossy(&o.stderr).trim());
                None
            }
            Err(e) => {
                eprintln!("skipped: no mount command: {e}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.dir.path()).status();
    }
}

fn area_bytes(area: &Path) -> u64 {
    support::read_area(area).values().map(|v| v.len() as u64).sum()
}

#[test]
fn a_full_disk_half_way_changes_nothing_and_says_so() {
    // An area that fits on the disk once but not twice: every writer builds its new area
    // beside the old one, so the disk fills up half way through.
    let scratch = tempfile::tempdir().unwrap();
    let model = generated(scratch.path(), "model", &[]);
    let size = area_bytes(&model);
    let Some(disk) = SmallDisk::mount(size * 3 / 2 + 64 * 1024) else { return };
    let area = disk.path().join("area");
    copy_area(&model, &area);
    let names: Vec<String> = support::read_area(&area).into_keys().filter(|n| n.starts_with('V')).collect();
    for name in &names {
        let path = area.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("status=VALID", "status=INVALID", 1)).unwrap();
    }
    let before = support::read_area(&area);
    let mut args = vec!["seal".to_string(), s(&area)];
    args.extend(names.iter().cloned());
    let o = support::catstage().args(&args).output().unwrap();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains(&format!("in {}", s(&disk.path().join(".area.catstage-new")))), "names the file: {err}");
    assert!(err.trim_end().ends_with("nothing was changed"), "{err}");
    assert!(support::read_area(&area) == before, "the area is untouched");
    assert!(beside(&area).is_empty(), "the partial tree is removed: {:?}", beside(&area));

    let o = run(&["replace-nodes", &s(&area), "--map", "\\SYNTH=\\DRSITE", "--in-place"]);
    // The edited files are refused before anything is written; seal them on a disk with
    // room first, as an operator would, then try again on the full one.
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    support::write_area(&area, &support::read_area(&model));
    let before = support::read_area(&area);
    let o = run(&["replace-nodes", &s(&area), "--map", "\\SYNTH=\\DRSITE", "--in-place"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("No space left on device") && stderr(&o).contains("nothing was changed"));
    assert!(support::read_area(&area) == before);
    assert!(beside(&area).is_empty(), "{:?}", beside(&area));
}

#[test]
fn an_old_area_that_cannot_be_removed_after_the_switch_is_a_warning_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let area = generated(dir.path(), "area", &[]);
    let stuck = area.join("VG00003");
    let chattr = |flag: &str, p: &Path| std::process::Command::new("chattr").arg(flag).arg(p).status();
    if !chattr("+i", &stuck).is_ok_and(|s| s.success()) {
        eprintln!("skipped: chattr +i does not work here");
        return;
    }
    let o = run(&["replace-nodes", &s(&area), "--map", "\\SYNTH=\\DRSITE", "--in-place"]);
    let left = dir.path().join(".area.catstage-new");
    let err = stderr(&o);
    let _ = chattr("-i", &left.join("VG00003"));
    assert_eq!(code(&o), 0, "the area was replaced: {err}");
    assert!(err.contains("warning: the staging area was replaced, but the old one is left at"), "{err}");
    assert!(err.contains(&s(&left)) && err.contains("remove it by hand"), "{err}");
    assert_eq!(code(&run(&["validate", &s(&area)])), 0, "the new area is in place");
    // With the file removable again, the next writer of the area finishes the job.
    let o = run(&["seal", &s(&area), "FULL"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("had replaced the staging area"), "{}", stderr(&o));
    assert!(beside(&area).is_empty(), "{:?}", beside(&area));
}

#[test]
fn an_undeletable_leftover_stops_the_next_writer_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let area = generated(dir.path(), "area", &[]);
    let tree = dir.path().join(".area.catstage-new");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("VG00001"), b"partial").unwrap();
    let chattr = |flag: &str| std::process::Command::new("chattr").arg(flag).arg(tree.join("VG00001")).status();
    if !chattr("+i").is_ok_and(|s| s.success()) {
        eprintln!("skipped: chattr +i does not work here");
        return;
    }
    let o = run(&["seal", &s(&area), "FULL"]);
    let _ = chattr("-i");
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("cannot remove"), "{err}");
    assert!(err.contains(".area.catstage-new"), "{err}");
    assert!(err.contains("the target, which is intact"), "{err}");
    assert!(err.contains("chattr -i"), "{err}");
    let o = run(&["seal", &s(&area), "FULL"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(beside(&area).is_empty());
}

/// A writer creates its target, never the target's parents: a mistyped `-o` must not
/// grow a tree somewhere. Each writer that creates a new target names the missing
/// directory as the user spelt it, exits 2 and creates nothing.
#[test]
fn every_writer_of_a_new_target_names_a_missing_parent_and_creates_nothing() {
    let mut tried = 0;
    for w in writers() {
        let dir = tempfile::tempdir().unwrap();
        let (target, args) = (w.setup)(dir.path());
        if content(&target).is_some() {
            continue;
        }
        tried += 1;
        let missing = dir.path().join("missing");
        let elsewhere = missing.join(target.file_name().unwrap());
        let args: Vec<String> = args.iter().map(|a| if *a == s(&target) { s(&elsewhere) } else { a.clone() }).collect();
        assert!(args.contains(&s(&elsewhere)), "{}: the target is an argument", w.name);
        let o = support::catstage().args(&args).output().unwrap();
        assert_eq!(code(&o), 2, "{}: {}", w.name, stderr(&o));
        let expect = format!(
            "catstage: error: cannot create {}: the directory {} does not exist (create it first); nothing was changed\n",
            elsewhere.display(),
            missing.display()
        );
        assert_eq!(stderr(&o), expect, "{}", w.name);
        assert!(!missing.exists(), "{}: created {}", w.name, missing.display());
    }
    assert_eq!(tried, 5, "unpack, replace-nodes -o, sync (a new area), generate -o and pack -o create their targets");
}
