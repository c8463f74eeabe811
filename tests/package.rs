//! `pack`, `verify`, `unpack` and `keygen`: round trips byte for byte with modification
//! times, deterministic packages, incremental chains, raw mode, refusals that leave the
//! destination untouched, hostile packages, signatures, and the atomic replacement under
//! SIGKILL.

pub mod bomb;
mod chain;
mod crash;
mod headers;
mod hostile;
mod independent;
mod operator;
mod sweep;
pub mod tarball;

use crate::support::{code, read_area, root, run, stdout, write_area};
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// The codes of a JSON document's findings.
pub fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
}

/// Gives the files of `dir` fixed modification times (with nanoseconds), in name order a
/// minute apart from `secs`.
pub fn set_mtimes(dir: &Path, secs: u64) {
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for (i, p) in names.iter().enumerate() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::new(secs + 60 * i as u64, 123_456_789 - i as u32);
        std::fs::File::options().write(true).open(p).unwrap().set_modified(t).unwrap();
    }
}

/// Every regular file of `dir`: its bytes and modification time (seconds, nanoseconds).
pub type State = BTreeMap<String, (Vec<u8>, i64, i64)>;

pub fn state(dir: &Path) -> State {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let m = std::fs::symlink_metadata(e.path()).unwrap();
        if m.is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            out.insert(name, (std::fs::read(e.path()).unwrap(), m.mtime(), m.mtime_nsec()));
        }
    }
    out
}

/// The names in a directory, hidden ones included.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// A copy of the bundled fixture with fixed modification times.
pub fn slab(dir: &Path, name: &str) -> PathBuf {
    let area = dir.join(name);
    write_area(&area, &read_area(&root().join("fixtures/slab-a-daily")));
    set_mtimes(&area, 1_641_420_288);
    area
}

/// Runs catstage in `cwd` (so that paths in its output are short and stable).
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    crate::support::catstage().current_dir(cwd).args(args).output().unwrap()
}

fn pack(area: &Path, out: &Path, extra: &[&str]) -> Output {
    let o = run(&[&["pack", s(area), "-o", s(out)], extra].concat());
    assert_eq!(code(&o), 0, "pack: {}{}", stdout(&o), crate::support::stderr(&o));
    o
}

#[test]
fn pack_verify_unpack_reproduces_the_area_with_its_times() {
    let dir = tempfile::tempdir().unwrap();
    let area = slab(dir.path(), "area");
    let p = dir.path().join("p.tar.zst");
    let o = pack(&area, &p, &["--format", "json"]);
    let doc = json(&o);
    assert_eq!(doc["schema"], "catstage.pack/1");
    assert_eq!(
        (doc["kind"].as_str(), doc["files"].as_u64(), doc["packed_files"].as_u64()),
        (Some("full"), Some(31), Some(31))
    );
    let o = run(&["verify", s(&p), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["schema"], "catstage.verify/1");
    assert_eq!(v["ok"], true);
    assert_eq!(v["package_id"], doc["package_id"]);
    assert_eq!((v["mode"].as_str(), v["files"].as_u64()), (Some("catstage"), Some(31)));
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "schema",
            "ok",
            "package_id",
            "kind",
            "mode",
            "base",
            "files",
            "bytes",
            "signed_by",
            "coverage",
            "diagnostics"
        ]
    );
    let into = dir.path().join("dr");
    let o = run(&["unpack", s(&p), "--into", s(&into)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("31 files written"), "{}", stdout(&o));
    assert!(state(&into) == state(&area), "byte for byte, modification times to the nanosecond");
    assert_eq!(code(&run(&["validate", s(&into)])), 0);
    // Twice: a no-op.
    let o = run(&["unpack", s(&p), "--into", s(&into), "--format", "json"]);
    assert_eq!(code(&o), 0);
    assert_eq!(json(&o)["already_applied"], true);
    // Nothing beside the areas: readers create no lock file, writers remove theirs.
    assert_eq!(listing(dir.path()), ["area", "dr", "p.tar.zst"]);
}

#[test]
fn tar_lists_and_extracts_a_package() {
    let dir = tempfile::tempdir().unwrap();
    let area = slab(dir.path(), "area");
    let p = dir.path().join("p.tar.zst");
    pack(&area, &p, &[]);
    let o = std::process::Command::new("tar").args(["--zstd", "-tf", s(&p)]).output().unwrap();
    assert!(o.status.success(), "tar --zstd -tf: {}", String::from_utf8_lossy(&o.stderr));
    let listed: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    let mut want = vec!["catstage-manifest".to_string()];
    want.extend(read_area(&area).into_keys());
    assert_eq!(listed, want);
    let x = dir.path().join("x");
    std::fs::create_dir(&x).unwrap();
    let o = std::process::Command::new("tar").args(["--zstd", "-xf", s(&p), "-C", s(&x)]).output().unwrap();
    assert!(o.status.success());
    let mut files = read_area(&x);
    let manifest = files.remove("catstage-manifest").unwrap();
    assert!(files == read_area(&area));
    assert!(manifest.starts_with(b"CATSTAGE MANIFEST 1.0\npackage kind=FULL mode=CATSTAGE store=SLAB_A-DAILY "));
    assert_eq!(
        std::fs::metadata(x.join("VSAD001")).unwrap().mtime(),
        std::fs::metadata(area.join("VSAD001")).unwrap().mtime()
    );
}

#[test]
fn the_same_files_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let a = slab(dir.path(), "a");
    // The same files written in reverse order, other permissions, other access times.
    let b = dir.path().join("b");
    std::fs::create_dir(&b).unwrap();
    let files = read_area(&a);
    for (name, bytes) in files.iter().rev() {
        std::fs::write(b.join(name), bytes).unwrap();
        std::fs::set_permissions(b.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o700)).unwrap();
    set_mtimes(&b, 1_641_420_288);
    for name in files.keys() {
        let f = std::fs::File::options().write(true).open(b.join(name)).unwrap();
        f.set_times(std::fs::FileTimes::new().set_accessed(std::time::UNIX_EPOCH)).unwrap();
    }
    let mut packages = Vec::new();
    for (area, threads) in [(&a, "1"), (&a, "2"), (&b, "4"), (&a, "3")] {
        let p = dir.path().join(format!("p{}.tar.zst", packages.len()));
        pack(area, &p, &["--threads", threads]);
        packages.push(std::fs::read(&p).unwrap());
    }
    assert!(packages.windows(2).all(|w| w[0] == w[1]), "identical bytes");
    // A different time is a different package.
    set_mtimes(&b, 1_641_420_289);
    let p = dir.path().join("other.tar.zst");
    pack(&b, &p, &[]);
    assert!(std::fs::read(&p).unwrap() != packages[0]);
}

#[test]
fn raw_mode_round_trips_any_files_with_guardian_names() {
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("vendor");
    std::fs::create_dir(&area).unwrap();
    let mut rng = catstage::generate::Rng::new(7, 1);
    for (i, name) in ["A", "BKP00001", "Z9", "ZZZZZZZZ", "EMPTY", "TAPECAT1"].iter().enumerate() {
        let len = if *name == "EMPTY" { 0 } else { (rng.below(200_000) + i as u64) as usize };
        let bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
        std::fs::write(area.join(name), bytes).unwrap();
    }
    std::fs::write(area.join("notes.txt"), b"not a Guardian name\n").unwrap();
    set_mtimes(&area, 1_000_000_000);
    let p = dir.path().join("raw.tar.zst");
    let o = pack(&area, &p, &["--raw", "--leave-out", "--format", "json"]);
    let doc = json(&o);
    assert_eq!((doc["mode"].as_str(), doc["files"].as_u64()), (Some("raw"), Some(6)));
    assert_eq!(codes(&doc), ["CS026"], "with --leave-out, notes.txt is left out and listed");
    assert_eq!(code(&run(&["verify", s(&p)])), 0);
    let into = dir.path().join("copy");
    assert_eq!(code(&run(&["unpack", s(&p), "--into", s(&into)])), 0);
    let mut want = state(&area);
    want.remove("notes.txt");
    assert!(state(&into) == want);
    // A symbolic link is refused, never followed.
    std::os::unix::fs::symlink("/etc/passwd", area.join("LINK")).unwrap();
    let o = run(&["pack", s(&area), "-o", s(&dir.path().join("no.tar.zst")), "--raw", "--format", "json"]);
    assert_eq!(code(&o), 1);
    assert_eq!(codes(&json(&o)), ["CS027", "CS026"], "the link, and notes.txt that cannot be carried");
    assert!(!dir.path().join("no.tar.zst").exists());
}

#[test]
fn pack_refuses_a_damaged_area_and_leaves_out_orphans_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    // A byte changed in place: the file keeps its size, so only reading it finds out.
    let flipped = slab(dir.path(), "flipped");
    let mut bytes = std::fs::read(flipped.join("VSAD003")).unwrap();
    bytes[100] ^= 1;
    std::fs::write(flipped.join("VSAD003"), bytes).unwrap();
    let o = run(&["pack", s(&flipped), "-o", s(&dir.path().join("f.tar.zst")), "--format", "json"]);
    assert_eq!((code(&o), codes(&json(&o))), (1, vec!["CS004".to_string(), "CS023".to_string()]), "{}", stdout(&o));
    for (case, want) in [
        ("0004_checksum-mismatch", "CS023"),
        ("0003_truncated-file", "CS023"),
        ("0022_missing-volume-file", "CS022"),
        ("0023_volume-hash-mismatch", "CS023"),
    ] {
        let area = dir.path().join(case);
        write_area(&area, &read_area(&root().join("fixtures/err").join(case).join("area")));
        let out = dir.path().join(format!("{case}.tar.zst"));
        let o = run(&["pack", s(&area), "-o", s(&out), "--format", "json"]);
        assert_eq!(code(&o), 1, "{case}: {}", stdout(&o));
        let c = codes(&json(&o));
        assert!(c.contains(&want.to_string()), "{case}: {c:?}");
        assert!(!out.exists(), "{case}: no package");
        assert!(listing(dir.path()).iter().all(|n| !n.starts_with(".catstage-tmp")), "{case}: no leftovers");
    }
    let area = slab(dir.path(), "area");
    std::fs::write(area.join("README"), b"notes\n").unwrap();
    std::fs::write(area.join("VZZZ999"), b"an orphan\n").unwrap();
    let p = dir.path().join("p.tar.zst");
    let o = pack(&area, &p, &[]);
    assert!(stdout(&o).contains("warning[CS026]"), "{}", stdout(&o));
    assert!(stdout(&o).contains("warning[CS024]"), "{}", stdout(&o));
    let names: Vec<String> = tarball::unpack_members(&std::fs::read(&p).unwrap()).into_iter().map(|m| m.name).collect();
    assert!(!names.contains(&"README".to_string()) && !names.contains(&"VZZZ999".to_string()));
    // Inside the staging area itself: refused.
    let o = run(&["pack", s(&area), "-o", s(&area.join("P"))]);
    assert_eq!(code(&o), 2);
}

#[test]
fn foreign_entries_in_the_destination_are_never_deleted_silently() {
    let dir = tempfile::tempdir().unwrap();
    let area = slab(dir.path(), "area");
    let p = dir.path().join("p.tar.zst");
    pack(&area, &p, &[]);
    let into = dir.path().join("dr");
    std::fs::create_dir(&into).unwrap();
    std::fs::write(into.join("README"), b"operator notes\n").unwrap();
    std::fs::create_dir(into.join("old")).unwrap();
    let before = state(&into);
    let o = run_in(dir.path(), &["unpack", "p.tar.zst", "--into", "dr", "--format", "json"]);
    assert_eq!(code(&o), 1);
    let doc = json(&o);
    assert_eq!(codes(&doc), ["CS423", "CS423"]);
    crate::support::golden(&root().join("fixtures/package/unpack-foreign-entries.json"), &stdout(&o));
    assert!(state(&into) == before && listing(&into) == ["README", "old"], "untouched");
    let o = run(&["unpack", s(&p), "--into", s(&into), "--discard-foreign", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(json(&o)["discarded"], serde_json::json!(["README", "old"]));
    assert!(state(&into) == state(&area));
}

#[test]
fn a_full_package_may_not_remove_too_many_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let area = slab(dir.path(), "area");
    let p = dir.path().join("p.tar.zst");
    pack(&area, &p, &[]);
    // The destination holds the 30 volumes and 5 more the package does not have.
    let into = dir.path().join("dr");
    assert_eq!(code(&run(&["unpack", s(&p), "--into", s(&into)])), 0);
    for l in ["VXX001", "VXX002", "VXX003", "VXX004", "VXX005"] {
        std::fs::write(into.join(l), b"an old volume\n").unwrap();
    }
    let before = state(&into);
    let o = run_in(dir.path(), &["unpack", "p.tar.zst", "--into", "dr", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert_eq!(codes(&json(&o)), ["CS424"]);
    crate::support::golden(&root().join("fixtures/package/unpack-too-many-removals.json"), &stdout(&o));
    assert!(state(&into) == before);
    std::fs::set_permissions(&into, std::fs::Permissions::from_mode(0o750)).unwrap();
    let o = run(&["unpack", s(&p), "--into", s(&into), "--allow-deletions", "5", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(json(&o)["removed"].as_array().unwrap().len(), 5);
    assert!(state(&into) == state(&area));
    assert_eq!(std::fs::metadata(&into).unwrap().permissions().mode() & 0o777, 0o750, "keeps its permissions");
}

#[test]
fn signed_packages_and_trusted_keys() {
    let dir = tempfile::tempdir().unwrap();
    let area = slab(dir.path(), "area");
    let (primary, other) = (dir.path().join("primary"), dir.path().join("other"));
    for k in [&primary, &other] {
        let o = run(&["keygen", "-o", s(k)]);
        assert_eq!(code(&o), 0);
    }
    assert_eq!(code(&run(&["keygen", "-o", s(&primary)])), 2, "never overwrites a key");
    let key = |p: &Path, ext: &str| format!("{}.{ext}", s(p));
    assert_eq!(std::fs::metadata(key(&primary, "key")).unwrap().permissions().mode() & 0o777, 0o600);
    let public = std::fs::read_to_string(key(&primary, "pub")).unwrap();
    let public = public.trim().strip_prefix("publickey alg=ed25519 key=").unwrap().to_string();
    let p = dir.path().join("p.tar.zst");
    let o = pack(&area, &p, &["--sign", &key(&primary, "key"), "--format", "json"]);
    assert_eq!(json(&o)["signed_by"], public.as_str());
    let o = run(&["verify", s(&p), "--trusted-key", &key(&primary, "pub"), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(json(&o)["signed_by"], public.as_str());
    let into = dir.path().join("dr");
    assert_eq!(code(&run(&["unpack", s(&p), "--into", s(&into), "--trusted-key", &key(&primary, "pub")])), 0);
    // Signed by another key than the trusted one.
    let o = run(&["verify", s(&p), "--trusted-key", &key(&other, "pub"), "--format", "json"]);
    assert_eq!((code(&o), codes(&json(&o))), (1, vec!["CS421".to_string()]));
    let names = tarball::unpack_members(&std::fs::read(&p).unwrap());
    assert_eq!(names[1].name, "catstage-signature", "the signature follows the manifest");
}

#[test]
fn not_enough_space_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let area = slab(dir.path(), "area");
    let p = dir.path().join("p.tar.zst");
    pack(&area, &p, &[]);
    let before = listing(dir.path());
    let o = crate::support::catstage()
        .args(["unpack", s(&p), "--into", s(&dir.path().join("dr"))])
        .env("CATSTAGE_TEST_FREE_BYTES", "50000")
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    assert!(crate::support::stderr(&o).contains("not enough free space"), "{}", crate::support::stderr(&o));
    assert_eq!(listing(dir.path()), before, "nothing left beside");
}

#[test]
fn a_second_writer_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let area = slab(dir.path(), "area");
    let p = dir.path().join("p.tar.zst");
    pack(&area, &p, &[]);
    let into = dir.path().join("dr");
    std::fs::create_dir(&into).unwrap();
    // Another writer of `dr`, in a process of its own, holding its lock.
    let _held = crate::support::Paused::at("locked", &["generate", "-o", s(&into), "--volumes", "1"], &[]);
    let o = run(&["unpack", s(&p), "--into", s(&into)]);
    assert_eq!(code(&o), 2);
    assert!(crate::support::stderr(&o).contains("another process"));
    assert!(listing(&into).is_empty());
}

#[test]
fn every_package_code_is_explained() {
    for n in 401..=424 {
        let o = run(&["explain", &format!("CS{n}")]);
        assert_eq!(code(&o), 0, "CS{n}");
        assert!(stdout(&o).contains("## How to fix it"), "CS{n}: {}", stdout(&o));
    }
}
