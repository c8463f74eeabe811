//! Incremental packages: a full package, then three incrementals from `generate --from`
//! exports, applied in order, reproduce the last export byte for byte with its times; a
//! package applied out of order is refused and changes nothing.

use super::{codes, json, listing, run_in, s, set_mtimes, state};
use crate::support::{code, root, run, stdout};
use std::path::Path;

fn generate(args: &[&str]) {
    let o = run(args);
    assert_eq!(code(&o), 0, "{args:?}: {}", crate::support::stderr(&o));
}

/// Gives the files written by a `generate --from` export fresh, fixed times, keeping
/// the times of the files it copied from `from` (as an export does).
fn stamp_new_files(from: &Path, to: &Path, secs: u64) {
    let old = state(from);
    let new = state(to);
    let mut i = 0;
    for (name, (bytes, _, _)) in &new {
        if old.get(name).is_some_and(|o| o.0 == *bytes) {
            continue;
        }
        i += 1;
        let t = std::time::UNIX_EPOCH + std::time::Duration::new(secs + i, 500);
        std::fs::File::options().write(true).open(to.join(name)).unwrap().set_modified(t).unwrap();
    }
}

#[test]
fn an_incremental_chain_reproduces_the_final_area() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let e0 = d.join("e0");
    generate(&["generate", "-o", s(&e0), "--volumes", "30", "--diskfiles", "40", "--seed", "11"]);
    set_mtimes(&e0, 1_700_000_000);
    let exports = [
        ("e1", vec!["--update", "3", "--add", "2"]),
        ("e2", vec!["--full", "--remove", "4", "--update", "2"]),
        ("e3", vec!["--update", "5"]),
    ];
    let mut prev = e0.clone();
    for (i, (name, extra)) in exports.iter().enumerate() {
        let next = d.join(name);
        generate(&[&["generate", "--from", s(&prev), "-o", s(&next)], &extra[..]].concat());
        stamp_new_files(&prev, &next, 1_700_100_000 + 10_000 * i as u64);
        prev = next;
    }
    // The primary packs after each export; the secondary unpacks each in turn.
    let dr = d.join("dr");
    let mut base: Option<String> = None;
    let mut ids = Vec::new();
    for (i, area) in ["e0", "e1", "e2", "e3"].iter().enumerate() {
        let p = format!("p{i}.tar.zst");
        let mut args = vec!["pack", *area, "-o", &p, "--format", "json"];
        if let Some(b) = &base {
            args.extend(["--base", b.as_str()]);
        }
        let o = run_in(d, &args);
        assert_eq!(code(&o), 0, "{area}: {}", stdout(&o));
        let doc = json(&o);
        assert_eq!(doc["kind"], if i == 0 { "full" } else { "incremental" });
        if i > 0 {
            assert_eq!(doc["base"], ids[i - 1], "{area} names its base");
        }
        let (packed, files) = (doc["packed_files"].as_u64().unwrap(), doc["files"].as_u64().unwrap());
        match *area {
            // UPDATE exports: the changed and added volumes and UPDATE.
            "e1" => assert_eq!((packed, files), (3 + 2 + 1, 34)),
            "e3" => assert_eq!(packed, 5 + 1),
            // A FULL export rewrites every volume and removes four.
            "e2" => assert_eq!((packed, files, doc["removed"].as_array().unwrap().len()), (files, 29, 5)),
            _ => assert_eq!(packed, files),
        }
        ids.push(doc["package_id"].clone());
        let o = run_in(d, &["verify", &p, "--against", "dr"]);
        assert_eq!(code(&o), 0, "{area}: {}", stdout(&o));
        let o = run_in(d, &["unpack", &p, "--into", "dr", "--format", "json"]);
        assert_eq!(code(&o), 0, "{area}: {}", stdout(&o));
        assert!(state(&dr) == state(&d.join(area)), "{area}: byte for byte, with modification times");
        base = Some(p);
    }
    let doc = json(&run_in(d, &["verify", "p2.tar.zst", "--format", "json"]));
    assert_eq!(doc["kind"], "incremental");
    assert_eq!(code(&run(&["validate", s(&dr)])), 0);
    // The last one again: nothing to do.
    let o = run_in(d, &["unpack", "p3.tar.zst", "--into", "dr"]);
    assert_eq!((code(&o), stdout(&o).contains("already holds")), (0, true), "{}", stdout(&o));
    // An older incremental on top of the newest area: refused, nothing touched.
    let before = (state(&dr), listing(d));
    let o = run_in(d, &["unpack", "p2.tar.zst", "--into", "dr", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert_eq!(codes(&json(&o)), ["CS422"]);
    assert!((state(&dr), listing(d)) == before, "the destination and its parent are untouched");
    let o = run_in(d, &["verify", "p2.tar.zst", "--against", "dr", "--format", "json"]);
    assert_eq!(code(&o), 1);
    crate::support::golden(&root().join("fixtures/package/verify-against-wrong-base.json"), &stdout(&o));
    // An incremental into a destination that does not exist: refused too.
    let o = run_in(d, &["unpack", "p1.tar.zst", "--into", "nowhere"]);
    assert_eq!(code(&o), 1);
    assert!(!d.join("nowhere").exists());
}

#[test]
fn an_incremental_needs_a_base_of_its_mode_and_store() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = super::slab(d, "a");
    assert_eq!(code(&run_in(d, &["pack", "a", "-o", "full.tar.zst"])), 0);
    let o = run_in(d, &["pack", "a", "-o", "raw.tar.zst", "--raw", "--base", "full.tar.zst"]);
    assert_eq!(code(&o), 2);
    assert!(crate::support::stderr(&o).contains("mode of its base"), "{}", crate::support::stderr(&o));
    // Nothing changed: an incremental that packs nothing.
    let o = run_in(d, &["pack", "a", "-o", "same.tar.zst", "--base", "full.tar.zst", "--format", "json"]);
    assert_eq!(code(&o), 0);
    assert_eq!(json(&o)["packed_files"], 0);
    assert_eq!(code(&run_in(d, &["unpack", "full.tar.zst", "--into", "dr"])), 0);
    let o = run_in(d, &["unpack", "same.tar.zst", "--into", "dr"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(state(&d.join("dr")) == state(&a));
}
