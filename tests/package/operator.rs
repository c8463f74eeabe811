//! What an operator meets at the edges of pack and unpack: an existing package is never
//! replaced by accident, a missing parent of `--into` is named, and an area copied
//! without its modification times is told apart from an area with other content.

use super::{run_in, slab, state};
use crate::support::{code, stderr, stdout};

#[test]
fn pack_refuses_an_existing_output_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    slab(d, "area");
    assert_eq!(code(&run_in(d, &["pack", "area", "-o", "p.tar.zst"])), 0);
    std::fs::write(d.join("p.tar.zst"), b"the signed base package").unwrap();
    let o = run_in(d, &["pack", "area", "-o", "p.tar.zst"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "catstage: error: p.tar.zst already exists; pack never replaces a package unless told to (it may be the base of \
         the next incremental package): choose another -o, or pass --force\n"
    );
    assert_eq!(std::fs::read(d.join("p.tar.zst")).unwrap(), b"the signed base package");
    let o = run_in(d, &["pack", "area", "-o", "p.tar.zst", "--force"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(code(&run_in(d, &["verify", "p.tar.zst"])), 0);
}

#[test]
fn unpack_into_a_directory_whose_parent_is_missing_names_the_parent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    slab(d, "area");
    assert_eq!(code(&run_in(d, &["pack", "area", "-o", "p.tar.zst"])), 0);
    let o = run_in(d, &["unpack", "p.tar.zst", "--into", "a/b"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "catstage: error: cannot create a/b: the directory a does not exist (create it first); nothing was changed\n"
    );
    assert!(!d.join("a").exists());
    let help = stdout(&run_in(d, &["unpack", "--help"])).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("its parent directory must exist"), "{help}");
    // With the parent there, DIR itself is created.
    std::fs::create_dir(d.join("a")).unwrap();
    assert_eq!(code(&run_in(d, &["unpack", "p.tar.zst", "--into", "a/b"])), 0);
    assert_eq!(state(&d.join("a/b")), state(&d.join("area")));
}

#[test]
fn a_base_copied_without_its_times_is_told_apart_from_other_content() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let area = slab(d, "area");
    assert_eq!(code(&run_in(d, &["pack", "area", "-o", "full.tar.zst"])), 0);
    // The next export rewrites one volume; the primary packs an incremental package.
    let v = area.join("VSAD001");
    let t = std::time::UNIX_EPOCH + std::time::Duration::new(1_641_500_000, 7);
    std::fs::File::options().write(true).open(&v).unwrap().set_modified(t).unwrap();
    assert_eq!(code(&run_in(d, &["pack", "area", "-o", "inc.tar.zst", "--base", "full.tar.zst"])), 0);
    // The secondary unpacked the full package, then copied its staging area with `cp`,
    // which gives every file the time of the copy.
    assert_eq!(code(&run_in(d, &["unpack", "full.tar.zst", "--into", "dr"])), 0);
    std::fs::create_dir(d.join("copy")).unwrap();
    for (name, _) in state(&d.join("dr")) {
        std::fs::copy(d.join("dr").join(&name), d.join("copy").join(&name)).unwrap();
        let now = std::time::UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 0);
        std::fs::File::options().write(true).open(d.join("copy").join(&name)).unwrap().set_modified(now).unwrap();
    }
    let o = run_in(d, &["verify", "inc.tar.zst", "--against", "copy"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("error[CS422]: copy does not hold the staging area of base package",)
            && out.contains(
                "applies to: the contents match, but the modification times of 31 files differ (copied without \
             preserving times? `cp -p` and `rsync -t` keep them): FULL, VSAD001, VSAD002, VSAD003, VSAD004, …"
            ),
        "{out}"
    );
    assert!(!out.contains("do not unpack it"), "{out}");
    assert!(
        out.trim_end().ends_with("is sound, but it does not apply to copy: its base is not what copy holds"),
        "{out}"
    );
    // Content that differs is still said to differ.
    std::fs::write(d.join("copy/VSAD002"), b"other\n").unwrap();
    let out = stdout(&run_in(d, &["verify", "inc.tar.zst", "--against", "copy"]));
    assert!(out.contains("VSAD002 has 6 bytes"), "{out}");
}
