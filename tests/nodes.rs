//! `catstage replace-nodes`: only node parts change, counts match, damage is refused
//! untouched, and a change to the area while it is rewritten aborts the swap (the crash
//! at each step of the protocol is tests/writers.rs's).

use crate::support::{code, p, read_area, run, stdout, write_area};
use catstage::generate::{Params, generate};
use proptest::prelude::*;
use std::collections::BTreeMap;

type Files = BTreeMap<String, Vec<u8>>;

fn lines(b: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(b).lines().map(str::to_string).collect()
}

/// Checks that `new` is `old` with `\OLD.` replaced by `\NEW.` in disk file names only,
/// and returns how many names changed per volume file.
fn only_nodes_changed(old: &Files, new: &Files, from: &str, to: &str) -> BTreeMap<String, usize> {
    assert_eq!(old.keys().collect::<Vec<_>>(), new.keys().collect::<Vec<_>>());
    let mut changed = BTreeMap::new();
    for (name, a) in old.iter().filter(|(n, _)| n.starts_with('V')) {
        let (la, lb) = (lines(a), lines(&new[name]));
        assert_eq!(la.len(), lb.len(), "{name}");
        let mut n = 0;
        for (x, y) in la.iter().zip(&lb).take(la.len() - 1) {
            if x != y {
                let prefix = format!("diskfile name={from}.");
                assert!(x.starts_with(&prefix), "{name}: a line other than a disk file name changed:\n{x}\n{y}");
                assert_eq!(*y, x.replacen(&format!("name={from}."), &format!("name={to}."), 1), "{name}");
                n += 1;
            }
        }
        if n == 0 {
            assert_eq!(a, &new[name], "{name} has no name on {from} and must be byte for byte the same");
        }
        changed.insert(name.clone(), n);
    }
    changed
}

fn nodemap_line(full: &[u8]) -> Option<String> {
    lines(full).into_iter().find(|l| l.starts_with("nodemap "))
}

#[test]
fn the_fixture_rewritten_validates_where_the_original_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dr");
    let cfg = dir.path().join("known-only.toml");
    let config = std::fs::read_to_string(crate::support::root().join("fixtures/slab-a-daily.toml")).unwrap();
    std::fs::write(
        &cfg,
        config.replace("node_replacement = [[\"\\\\ETINIUM\", \"\\\\INSIDX\"]]", "node_replacement = []"),
    )
    .unwrap();
    let o = run(&["validate", "fixtures/slab-a-daily", "--config", p(&cfg), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(doc["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "CS311"));
    let o = run(&["replace-nodes", "fixtures/slab-a-daily", "--map", "\\etinium=\\insidx", "-o", p(&out)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let tail = format!("328 DISKFILE names rewritten in 24 volume files; 6 unchanged; written to {}\n", p(&out));
    assert!(stdout(&o).ends_with(&tail), "{}", stdout(&o));
    let o = run(&["validate", p(&out), "--config", p(&cfg), "--labels", "fixtures/slab-a-daily.labels"]);
    assert_eq!((code(&o), stdout(&o)), (0, format!("{}: 30 volumes, 0 errors, 0 warnings\n", p(&out))));
    let changed = only_nodes_changed(&crate::support::slab::files(), &read_area(&out), "\\ETINIUM", "\\INSIDX");
    assert_eq!(changed.values().sum::<usize>(), 328);
    assert_eq!(
        nodemap_line(&read_area(&out)["FULL"]).unwrap(),
        "nodemap old=\\ETINIUM new=\\INSIDX diskfiles=328 volumes=24"
    );
    // JSON report.
    let out2 = dir.path().join("dr2");
    let o = run(&[
        "replace-nodes",
        "fixtures/slab-a-daily",
        "--config",
        "fixtures/slab-a-daily.toml",
        "-o",
        p(&out2),
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], "catstage.replace-nodes/1");
    assert_eq!(doc["pairs"][0]["diskfiles"], 328);
    assert_eq!(
        doc["pairs"][0]["groups"][1],
        serde_json::json!({"group": "VG_SLAB_A_BRCOM-DAILY", "diskfiles": 164, "volumes": 12})
    );
    assert!(read_area(&out) == read_area(&out2), "--map and --config give the same bytes");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn only_node_parts_change_and_counts_match(volumes in 2u64..20, seed in 0u64..500, update in 0u64..3) {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let update = update.min(volumes);
        generate(&Params { volumes, seed, diskfiles: 15, update, ..Params::default() }, &a, catstage::disk::Wait::No, None).unwrap();
        let o = run(&["replace-nodes", p(&a), "--map", "\\SYNTH=\\DRSITE", "-o", p(&b), "--format", "json"]);
        prop_assert_eq!(code(&o), 0);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let changed = only_nodes_changed(&read_area(&a), &read_area(&b), "\\SYNTH", "\\DRSITE");
        let total: usize = changed.values().sum();
        prop_assert_eq!(doc["diskfiles_rewritten"].as_u64().unwrap(), total as u64);
        prop_assert_eq!(doc["volumes_rewritten"].as_u64().unwrap(), changed.values().filter(|&&n| n > 0).count() as u64);
        prop_assert_eq!(code(&run(&["validate", p(&b)])), 0);
        // Twice changes nothing.
        let c = dir.path().join("c");
        let o = run(&["replace-nodes", p(&b), "--map", "\\SYNTH=\\DRSITE", "-o", p(&c), "--format", "json"]);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        prop_assert_eq!(doc["diskfiles_rewritten"].as_u64(), Some(0));
        prop_assert!(read_area(&b) == read_area(&c));
    }
}

#[test]
fn a_damaged_area_is_refused_untouched() {
    for damaged in
        ["0004_checksum-mismatch", "0022_missing-volume-file", "0023_volume-hash-mismatch", "0027_not-a-regular-file"]
    {
        let dir = tempfile::tempdir().unwrap();
        let area = crate::support::root().join("fixtures/err").join(damaged).join("area");
        let copy = dir.path().join("a");
        write_area(&copy, &read_area(&area));
        if damaged.starts_with("0027") {
            std::os::unix::fs::symlink("VSAD001", copy.join("VSAD099")).unwrap();
        }
        let before = read_area(&copy);
        let out = dir.path().join("o");
        let o = run(&["replace-nodes", p(&copy), "--map", "\\ETINIUM=\\INSIDX", "-o", p(&out)]);
        assert_eq!(code(&o), 1, "{damaged}: {}", stdout(&o));
        assert!(stdout(&o).contains("nothing was written"), "{damaged}");
        assert!(!out.exists(), "{damaged}: no output");
        let o = run(&["replace-nodes", p(&copy), "--map", "\\ETINIUM=\\INSIDX", "--in-place"]);
        assert_eq!(code(&o), 1, "{damaged}");
        assert!(read_area(&copy) == before, "{damaged}: untouched");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(leftovers.iter().all(|n| !n.to_string_lossy().contains("catstage-new")), "{damaged}: {leftovers:?}");
    }
}

#[test]
fn invalid_pairs_are_refused_before_anything_is_touched() {
    for maps in [
        vec!["\\ETINIUM=\\INSIDX", "\\INSIDX=\\OTHER"],
        vec!["\\ETINIUM=\\INSIDX", "\\INSIDX=\\ETINIUM"],
        vec!["\\ETINIUM=\\INSIDX", "\\etinium=\\OTHER"],
        vec!["ETINIUM=\\INSIDX"],
        vec!["\\ETINIUM"],
        vec!["\\ETINIUM=\\ETINIUM"],
    ] {
        let mut args = vec!["replace-nodes", "fixtures/slab-a-daily", "--dry-run", "--in-place", "--format", "json"];
        for m in &maps {
            args.extend(["--map", m]);
        }
        let o = run(&args);
        assert_eq!(code(&o), 1, "{maps:?}");
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(doc["diagnostics"].as_array().unwrap().iter().all(|d| d["code"] == "CS314"), "{maps:?}: {doc:#}");
    }
}

#[test]
fn dry_run_foreign_files_and_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("a");
    write_area(&area, &crate::support::slab::files());
    std::fs::write(area.join("README"), b"operator notes\n").unwrap();
    std::fs::set_permissions(&area, std::fs::Permissions::from_mode(0o750)).unwrap();
    let before = read_area(&area);
    let o = run(&["replace-nodes", p(&area), "--map", "\\ETINIUM=\\INSIDX", "--in-place", "--dry-run"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("328 DISKFILE names rewritten in 24 volume files; 6 unchanged; dry run: nothing written")
    );
    assert!(read_area(&area) == before);
    let o = run(&["replace-nodes", p(&area), "--map", "\\ETINIUM=\\INSIDX", "--in-place"]);
    assert_eq!(code(&o), 0);
    let after = read_area(&area);
    assert_eq!(after["README"], b"operator notes\n");
    assert_eq!(std::fs::metadata(&area).unwrap().permissions().mode() & 0o777, 0o750);
    assert_eq!(code(&run(&["validate", p(&area)])), 0);
}

#[test]
fn a_change_during_the_rewrite_aborts_the_swap() {
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("a");
    write_area(&area, &crate::support::slab::files());
    let child = crate::support::Paused::at(
        "before-swap",
        &["replace-nodes", p(&area), "--map", "\\ETINIUM=\\INSIDX", "--in-place"],
        &[],
    );
    // Another program writes an export meanwhile.
    std::fs::write(area.join("VSAD099"), b"being written\n").unwrap();
    let (status, stderr) = child.resume();
    assert_eq!(status, 2);
    assert!(stderr.contains("changed while its replacement was being built"), "{stderr}");
    let mut expected = crate::support::slab::files();
    expected.insert("VSAD099".into(), b"being written\n".to_vec());
    assert!(read_area(&area) == expected, "nothing replaced");
}

#[test]
fn a_second_writer_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("a");
    write_area(&area, &crate::support::slab::files());
    let _held = crate::support::Paused::at("locked", &["seal", p(&area), "FULL"], &[]);
    let o = run(&["replace-nodes", p(&area), "--map", "\\ETINIUM=\\INSIDX", "--in-place"]);
    assert_eq!(code(&o), 2);
    assert!(crate::support::stderr(&o).contains("another process"));
}

/// A replacement that moves a block of names past another node's, or merges two nodes'
/// blocks, re-sorts the disk files: the result still validates.
#[test]
fn a_replacement_that_reorders_names_keeps_the_files_sorted() {
    use crate::support::{cases, rehash_entry, reseal};
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("a");
    let mut files = cases::mini();
    // Move the first half of VSAD001's disk files to node \AAA (their block sorts first).
    let text = String::from_utf8(files["VSAD001"].clone()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let disk: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].starts_with("diskfile ")).collect();
    let half = disk.len() / 2;
    let mut moved: Vec<String> =
        disk[..half].iter().map(|&i| lines[i].replacen("name=\\ETINIUM.", "name=\\AAA.", 1)).collect();
    moved.sort();
    let rest: Vec<String> = disk[half..].iter().map(|&i| lines[i].clone()).collect();
    let end = lines.pop().unwrap();
    assert!(end.starts_with("END "));
    lines.truncate(disk[0]);
    lines.extend(moved);
    lines.extend(rest);
    let mut bytes = lines.join("\n").into_bytes();
    bytes.push(b'\n');
    files.insert("VSAD001".into(), reseal(&bytes));
    rehash_entry(&mut files, "FULL", "VSAD001");
    write_area(&area, &files);
    assert_eq!(code(&run(&["validate", p(&area)])), 0, "{}", stdout(&run(&["validate", p(&area)])));
    for (i, maps) in [vec!["\\AAA=\\ZZZ"], vec!["\\AAA=\\INSIDX", "\\ETINIUM=\\INSIDX"]].into_iter().enumerate() {
        let out = dir.path().join(format!("o{i}"));
        let mut args = vec!["replace-nodes", p(&area), "-o", p(&out)];
        for m in &maps {
            args.extend(["--map", m]);
        }
        let o = run(&args);
        assert_eq!(code(&o), 0, "{maps:?}: {}", stdout(&o));
        let v = run(&["validate", p(&out), "--format", "json"]);
        let doc: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
        assert_eq!(doc["summary"]["errors"], 0, "{maps:?}: {doc:#}");
        let names: Vec<String> = lines_of(&read_area(&out)["VSAD001"]);
        assert!(names.iter().any(|l| l.contains(if i == 0 { "name=\\ZZZ." } else { "name=\\INSIDX." })));
    }
}

fn lines_of(b: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(b).lines().filter(|l| l.starts_with("diskfile ")).map(str::to_string).collect()
}
