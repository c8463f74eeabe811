//! `catstage diff` and `catstage status`: a property over chains of generated exports (diff
//! reports exactly the volumes changed, added and removed; an area is identical to itself),
//! field-level output on hand-made changes, exit statuses and JSON.

use crate::support::{code, read_area, run, slab, stdout, write_area};
use catstage::diff::diff;
use catstage::disk::{Access, Area, Want};
use catstage::generate::{NextParams, Params, generate, generate_next};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;

fn labels(dir: &Path) -> BTreeSet<String> {
    read_area(dir).keys().filter(|k| k.starts_with('V')).map(|k| k[1..].to_string()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn diff_reports_exactly_what_the_next_export_changed(
        volumes in 3u64..25,
        seed in 0u64..1000,
        update in 0u64..4,
        add in 0u64..3,
        remove in 0u64..3,
        full in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        generate(&Params { volumes, seed, diskfiles: 20, ..Params::default() }, &a, catstage::disk::Wait::No, None).unwrap();
        let remove = if full { remove.min(volumes - 1) } else { 0 };
        let update = update.min(volumes - remove);
        let next = NextParams { update, add, remove, full, seed, diskfiles: 20, ..NextParams::default() };
        generate_next(&a, &b, &next, None).unwrap();
        let open = |p: &std::path::Path| Area::open(p, Access::Read(catstage::disk::Wait::No), Want::Area).unwrap();
        let (sa, sb) = (open(&a), open(&b));
        let d = diff(("a", &sa), ("b", &sb), false, catstage::diag::Examples::DEFAULT).unwrap();
        prop_assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);

        let (la, lb) = (labels(&a), labels(&b));
        let added: BTreeSet<String> = lb.difference(&la).cloned().collect();
        let removed: BTreeSet<String> = la.difference(&lb).cloned().collect();
        prop_assert_eq!(d.added.iter().map(|(l, _)| l.to_string()).collect::<BTreeSet<_>>(), added);
        prop_assert_eq!(d.removed.iter().map(|l| l.to_string()).collect::<BTreeSet<_>>(), removed);
        prop_assert_eq!(d.added.len() as u64, add);
        prop_assert_eq!(d.removed.len() as u64, remove);
        // A FULL export rewrites every volume (new export id); an UPDATE only the changed ones.
        let (fa, fb) = (read_area(&a), read_area(&b));
        let rewritten = la.intersection(&lb).filter(|l| fa[&format!("V{l}")] != fb[&format!("V{l}")]).count();
        prop_assert_eq!(d.changed.len(), rewritten);
        if !full {
            prop_assert_eq!(d.changed.len() as u64, update);
        }
        prop_assert_eq!(d.changed.len() as u64 + d.unchanged, la.intersection(&lb).count() as u64);
        for v in &d.changed {
            prop_assert!(v.changes.iter().any(|c| c.record == "export" && c.field == "id"));
        }

        let same = diff(("a", &sa), ("a", &sa), false, catstage::diag::Examples::DEFAULT).unwrap();
        prop_assert!(same.identical());
        prop_assert_eq!(same.unchanged, la.len() as u64);
        let verified = diff(("a", &sa), ("b", &sb), true, catstage::diag::Examples::DEFAULT).unwrap();
        prop_assert!(verified.diagnostics.is_empty());
        prop_assert_eq!(verified.changed.len(), d.changed.len());
        prop_assert_eq!(verified.unchanged_by_entry, 0);
    }
}

/// Today's fixture against an earlier one with known changes, field by field.
#[test]
fn diff_shows_field_level_changes_in_label_order() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    let mut files = slab::baseline_3c_2r_1a();
    // Same export id as today's, so that only the three edited volumes differ.
    let full = String::from_utf8(files["FULL"].clone()).unwrap();
    assert!(full.contains("2022-01-04_17:44:48"));
    files = slab::area_of(
        &slab::volumes()
            .into_iter()
            .filter(|v| v.head.volume.label.as_str() != "SARD10")
            .map(|mut v| {
                if v.head.volume.label.as_str() == "SAD003" {
                    v.head.tapevolume.as_mut().unwrap().status = catstage::model::TapeVolumeStatus::Full;
                }
                if v.head.volume.label.as_str() == "SARD05" {
                    v.diskfiles.remove(0);
                }
                v
            })
            .chain([slab::extra_volume(0, "SAD016")])
            .collect::<Vec<_>>(),
        slab::EXPORT_ID,
        "2022-01-05T17:44:48-05:00",
    );
    write_area(&old, &files);
    let old_s = old.to_str().unwrap();
    let o = run(&["diff", old_s, "fixtures/slab-a-daily"]);
    assert_eq!(code(&o), 1);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "~ SAD003 tapevolume.status FULL -> ASSIGNED", "{text}");
    assert_eq!(lines[1], "- SAD016");
    assert!(lines[2].starts_with("~ SARD05 diskfiles[SLABA-BRCOM-DAILY/20/0/1] +1 -0 ~0"), "{text}");
    assert_eq!(lines[3], "+ SARD10 VG_SLAB_A_BRCOM-DAILY");
    assert!(
        lines[4].starts_with(
            "1 added, 1 removed, 2 changed, 27 unchanged (27 of them by their summary entries and directory entries"
        ),
        "{text}"
    );
    let o = run(&["diff", old_s, "fixtures/slab-a-daily", "--verbose"]);
    assert!(stdout(&o).contains("    + \\ETINIUM."), "{}", stdout(&o));
    let o = run(&["diff", old_s, "fixtures/slab-a-daily", "--stat"]);
    assert_eq!(stdout(&o).lines().count(), 1);
    let o = run(&["diff", old_s, "fixtures/slab-a-daily", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], "catstage.diff/2");
    assert_eq!(doc["identical"], false);
    assert_eq!(doc["added"], serde_json::json!(["SARD10"]));
    assert_eq!(doc["removed"], serde_json::json!(["SAD016"]));
    assert_eq!(doc["unchanged"], 27);
    let sad003 = &doc["changed"][0];
    assert_eq!(sad003["label"], "SAD003");
    assert_eq!(
        sad003["changes"][0],
        serde_json::json!({"record": "tapevolume", "field": "status", "old": "FULL", "new": "ASSIGNED"})
    );
    let sard05 = &doc["changed"][1]["changes"][0];
    assert_eq!(sard05["record"], "diskfile");
    assert_eq!(sard05["key"], "SLABA-BRCOM-DAILY/20/0/1");
    assert_eq!(sard05["added"].as_array().unwrap().len(), 1);
    assert_eq!(sard05["counts"]["added"], 1);
}

#[test]
fn diff_exit_statuses() {
    assert_eq!(code(&run(&["diff", "fixtures/slab-a-daily", "fixtures/slab-a-daily"])), 0);
    let o = run(&["diff", "fixtures/slab-a-daily", "fixtures/slab-a-daily", "--verify"]);
    assert_eq!((code(&o), stdout(&o)), (0, "0 added, 0 removed, 0 changed, 30 unchanged\n".to_string()));
    assert_eq!(code(&run(&["diff", "fixtures/slab-a-daily", "fixtures/nope"])), 2);
    // Damage the --verify pass finds is trouble, not a difference.
    let o =
        run(&["diff", "fixtures/err/0004_checksum-mismatch/area", "fixtures/err/0001_syntax-error/area", "--verify"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    // Without --verify, damage in a file that had to be read is trouble too.
    let o = run(&["diff", "fixtures/ok/0001_mini/area", "fixtures/err/0001_syntax-error/area"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
}

#[test]
fn status_figures_and_the_role_switch_comparison() {
    let o = run(&["status", "fixtures/slab-a-daily", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], "catstage.status/1");
    assert_eq!(doc["volumes"], 30);
    assert_eq!(doc["files"], 30);
    assert_eq!(doc["orphans"], 0);
    assert_eq!(doc["full_export_id"], "2022-01-05_17:44:48");
    assert_eq!(doc["update_export_id"], serde_json::Value::Null);
    assert_eq!(doc["newest_volume"], serde_json::json!({"label": "SARD12", "unloaded": "2022-01-04T23:27:13-05:00"}));
    assert_eq!(doc["caught_up"], serde_json::Value::Null);

    let o =
        run(&["status", "fixtures/slab-a-daily", "--baseline", "fixtures/plan/baseline-3c-2r-1a", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["caught_up"], false);
    // The baseline came from another export id: every file differs from it.
    assert_eq!(doc["received_since_baseline"]["count"], 30);
    let o = run(&["status", "fixtures/slab-a-daily", "--baseline", "fixtures/slab-a-daily"]);
    assert!(stdout(&o).contains("Baseline caught up          yes"), "{}", stdout(&o));

    let o = run(&["status", "fixtures/ok/0002_update-current/area", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["update_export_id"], "2022-01-06_01:44:48");
    assert_eq!(code(&run(&["status", "fixtures/err/0022_missing-volume-file/area"])), 1);
    let o = run(&["status", "fixtures/err/0024_orphan-volume-file/area", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((doc["files"].as_u64(), doc["orphans"].as_u64()), (Some(6), Some(1)));
}

// ---------------------------------------------------------------------------------------
// A copy that did not arrive whole is damage, never "identical" (metadata only, no file
// read): the cases an operator checking a transfer runs into.

fn copy_pair(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (a, b) = (dir.join("A"), dir.join("B"));
    generate(&Params { volumes: 30, seed: 4, diskfiles: 20, ..Params::default() }, &a, catstage::disk::Wait::No, None)
        .unwrap();
    let o = std::process::Command::new("cp").arg("-a").arg(&a).arg(&b).output().unwrap();
    assert!(o.status.success());
    (a, b)
}

fn diff_json(a: &Path, b: &Path) -> (i32, serde_json::Value) {
    let o = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--format", "json"]);
    (code(&o), serde_json::from_slice(&o.stdout).unwrap())
}

fn codes_and_files(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["file"].as_str().unwrap_or("-").to_string()))
        .collect()
}

#[test]
fn issue15_item01_diff_of_a_whole_copy_is_identical_and_says_how_it_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = copy_pair(dir.path());
    let o = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(
        stdout(&o),
        "0 added, 0 removed, 0 changed, 30 unchanged (30 of them by their summary entries and directory entries — \
         presence, type, size — their files not read; --verify reads every file)\n"
    );
    // Files not read: nothing differs in what was compared, but "identical" is not claimed.
    let (status, doc) = diff_json(&a, &b);
    assert_eq!(
        (status, &doc["identical"], &doc["read"]),
        (0, &serde_json::Value::Null, &serde_json::json!("changed volumes"))
    );
    assert_eq!(doc["coverage"]["content"]["state"], "not_checked");
    let o = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--verify", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((code(&o), &doc["identical"]), (0, &serde_json::json!(true)));
    assert_eq!(doc["coverage"]["content"]["state"], "ran");
}

#[test]
fn issue15_item01_diff_with_a_missing_file_and_a_garbage_file_is_damage_not_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = copy_pair(dir.path());
    std::fs::remove_file(b.join("VG00005")).unwrap();
    std::fs::write(b.join("VG00006"), b"garbage\n").unwrap();
    let (status, doc) = diff_json(&a, &b);
    assert_eq!(status, 2);
    assert_eq!(doc["identical"], false);
    let b_name = b.to_str().unwrap();
    assert_eq!(
        codes_and_files(&doc),
        [("CS022".to_string(), format!("{b_name}/VG00005")), ("CS023".to_string(), format!("{b_name}/VG00006"))]
    );
    let o = run(&["diff", a.to_str().unwrap(), b_name]);
    assert_eq!(code(&o), 2);
    assert!(
        stdout(&o).contains(&format!("the summary lists G00005 but {b_name}/VG00005 is missing")),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("has 8 bytes; its summary entry says"), "{}", stdout(&o));
}

#[test]
fn issue15_item01_diff_of_a_half_copied_area_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = copy_pair(dir.path());
    for i in 11..30 {
        std::fs::remove_file(b.join(format!("VG{i:05}"))).unwrap();
    }
    let (status, doc) = diff_json(&a, &b);
    assert_eq!((status, &doc["identical"]), (2, &serde_json::json!(false)));
    let d = &doc["diagnostics"][0];
    assert_eq!((d["code"].as_str(), d["count"].as_u64()), (Some("CS022"), Some(19)), "{doc:#}");
}

#[test]
fn issue15_item01_diff_with_an_empty_file_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = copy_pair(dir.path());
    std::fs::write(b.join("VG00003"), b"").unwrap();
    let (status, doc) = diff_json(&a, &b);
    assert_eq!(status, 2);
    assert_eq!(codes_and_files(&doc), [("CS023".to_string(), format!("{}/VG00003", b.to_str().unwrap()))]);
    assert!(doc["diagnostics"][0]["message"].as_str().unwrap().contains("has 0 bytes"));
}

#[test]
fn issue15_item01_diff_with_a_symbolic_link_named_like_a_volume_file_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = copy_pair(dir.path());
    std::fs::remove_file(b.join("VG00007")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", b.join("VG00007")).unwrap();
    let (status, doc) = diff_json(&a, &b);
    assert_eq!(status, 2);
    assert_eq!(codes_and_files(&doc), [("CS027".to_string(), format!("{}/VG00007", b.to_str().unwrap()))]);
    assert!(doc["diagnostics"][0]["message"].as_str().unwrap().contains("a symbolic link"));
}

#[test]
fn issue32_item05_diff_with_an_extra_file_in_the_copy_is_a_difference_warned_as_validate_warns() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = copy_pair(dir.path());
    std::fs::copy(b.join("VG00001"), b.join("VG00099")).unwrap();
    std::fs::write(b.join("NOTES"), b"x").unwrap();
    let (status, doc) = diff_json(&a, &b);
    // Never identical; a warning, as in validate, not damage.
    assert_eq!((status, &doc["identical"]), (1, &serde_json::json!(false)));
    assert!(doc["diagnostics"].as_array().unwrap().iter().all(|d| d["severity"] == "warning"));
    let bn = b.to_str().unwrap();
    assert_eq!(
        codes_and_files(&doc),
        [("CS024".to_string(), format!("{bn}/VG00099")), ("CS026".to_string(), format!("{bn}/NOTES"))]
    );
}

#[test]
fn issue15_item01_diff_of_a_copy_without_its_times_says_so_and_stays_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = copy_pair(dir.path());
    let c = dir.path().join("C");
    std::fs::create_dir(&c).unwrap();
    for (name, bytes) in read_area(&a) {
        std::fs::write(c.join(&name), bytes).unwrap();
    }
    let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    for e in std::fs::read_dir(&c).unwrap() {
        std::fs::File::options().write(true).open(e.unwrap().path()).unwrap().set_modified(t).unwrap();
    }
    let (status, doc) = diff_json(&a, &c);
    assert_eq!((status, &doc["identical"]), (0, &serde_json::Value::Null));
    assert_eq!(doc["touched"].as_array().unwrap().len(), 30);
    let o = run(&["diff", a.to_str().unwrap(), c.to_str().unwrap()]);
    assert!(stdout(&o).contains("30 unchanged volume files have other modification times"), "{}", stdout(&o));
}

/// Issue 36: `diff --verify` parses a file of the second area only when its bytes are not
/// the first's; a file of the same name and size with one byte changed is parsed, and its
/// damage reported, as `validate` reports it.
#[test]
fn issue36_diff_verify_parses_a_file_whose_bytes_differ_from_the_first_areas() {
    let dir = crate::support::tmp();
    let a = crate::support::copy_area("fixtures/slab-a-daily", &dir.path().join("a"));
    let b = crate::support::copy_area("fixtures/slab-a-daily", &dir.path().join("b"));
    let file = b.join("VSAD001");
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replacen("first volume", "First volume", 1);
    assert_eq!(changed.len(), text.len());
    std::fs::write(&file, changed).unwrap();
    let o = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--verify", "--format", "json"]);
    // Damage: the comparison means nothing (exit status 2, as README's table says).
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found: Vec<(String, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["file"].as_str().unwrap_or("-").to_string()))
        .collect();
    let b_file = format!("{}/VSAD001", b.to_str().unwrap());
    assert!(found.contains(&("CS004".to_string(), b_file.clone())), "{found:?}");
    assert!(found.contains(&("CS023".to_string(), b_file)), "{found:?}");
    // The same two areas unchanged: identical, every file read.
    std::fs::write(&file, text).unwrap();
    let o = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--verify", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["identical"], true);
}
