//! No command relies on what it did not check: the cases where a command said "fine"
//! about an area `validate` refuses, each named after what was measured.

use crate::support::{code, codes, copy_area, cut_to_lines, json, p, read_area, run, stdout, tmp};

#[test]
fn seal_refuses_a_volume_file_cut_at_a_line_boundary() {
    let dir = tmp();
    let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    cut_to_lines(&area.join("VSAD006"), 5);
    let before = read_area(&area);
    let o = run(&["seal", p(&area), "VSAD006", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let doc = json(&o);
    assert_eq!(doc["sealed"], false);
    assert!(codes(&doc).contains(&"CS003".to_string()), "{doc:#}");
    assert!(read_area(&area) == before, "a refused seal writes nothing");
    assert_eq!(code(&run(&["validate", p(&area)])), 1);
}

const KEYS_CONFIG: &str = "fixtures/err/0312_key-manager-missing/config.toml";

#[test]
fn keys_counts_damage_to_the_encrypted_volumes_files() {
    for damage in ["cut", "removed"] {
        let dir = tmp();
        let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
        for f in ["VSAD004", "VSAD009", "VSARD03"] {
            match damage {
                "cut" => cut_to_lines(&area.join(f), 2),
                _ => std::fs::remove_file(area.join(f)).unwrap(),
            }
        }
        let o = run(&["keys", p(&area), "--config", KEYS_CONFIG, "--format", "json"]);
        assert_eq!(code(&o), 1, "{damage}: {}", stdout(&o));
        let doc = json(&o);
        let found = codes(&doc);
        let expected = if damage == "cut" { "CS003" } else { "CS022" };
        assert!(found.contains(&expected.to_string()), "{damage}: {found:?}");
        assert_eq!(doc["unread"].as_array().map(Vec::len), Some(3), "{damage}: {doc:#}");
        let o = run(&["keys", p(&area), "--config", KEYS_CONFIG]);
        assert!(!stdout(&o).contains("no encrypted volume"), "{}", stdout(&o));
        assert!(stdout(&o).contains("3 volumes of the current set could not be read"), "{}", stdout(&o));
    }
}

#[test]
fn keys_counts_a_truncated_full_summary() {
    let dir = tmp();
    let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    cut_to_lines(&area.join("FULL"), 12);
    let o = run(&["keys", p(&area), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(codes(&json(&o)).contains(&"CS003".to_string()));
}

#[test]
fn keys_on_an_area_with_no_summary_is_not_clean() {
    let dir = tmp();
    let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    std::fs::remove_file(area.join("FULL")).unwrap();
    let o = run(&["keys", p(&area)]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
}

/// `A` (a generated export, with its secondary's configuration `sec.toml`) and `N`, the
/// next day's FULL export of it, under `d`.
fn next_day(d: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (a, n) = (d.join("A"), d.join("N"));
    let cfg = d.join("sec.toml");
    let o = run(&["generate", "-o", p(&a), "--volumes", "30", "--seed", "5", "--secondary-config", p(&cfg), "-q"]);
    assert_eq!(code(&o), 0, "{}", crate::support::stderr(&o));
    let o = run(&["generate", "--from", p(&a), "-o", p(&n), "--full", "--update", "5", "-q"]);
    assert_eq!(code(&o), 0, "{}", crate::support::stderr(&o));
    (a, n)
}

#[test]
fn unpack_refuses_a_roll_back_to_an_older_full_export() {
    let dir = tmp();
    let d = dir.path();
    let (a, n) = next_day(d);
    let (pa, pn) = (d.join("A.tar.zst"), d.join("N.tar.zst"));
    for (area, pkg) in [(&a, &pa), (&n, &pn)] {
        assert_eq!(code(&run(&["pack", p(area), "-o", p(pkg), "-q"])), 0);
    }
    let dst = d.join("dst");
    assert_eq!(code(&run(&["unpack", p(&pn), "--into", p(&dst), "-q"])), 0);
    let before = read_area(&dst);
    // Named relative to `d`, for the golden document.
    let o = crate::support::catstage()
        .current_dir(d)
        .args(["unpack", "A.tar.zst", "--into", "dst", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert_eq!(codes(&json(&o)), ["CS425"]);
    crate::support::golden(&crate::support::root().join("fixtures/package/unpack-older-export.json"), &stdout(&o));
    assert!(read_area(&dst) == before, "a refused roll-back leaves the destination untouched");
    let o = run(&["verify", p(&pa), "--against", p(&dst), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert_eq!(codes(&json(&o)), ["CS425"]);
    let o = run(&["verify", p(&pa), "--against", p(&dst)]);
    assert!(!stdout(&o).contains("applies to"), "{}", stdout(&o));
    // Forward is fine, and going back on purpose is possible.
    assert_eq!(code(&run(&["verify", p(&pn), "--against", p(&dst)])), 0);
    let o = run(&["unpack", p(&pa), "--into", p(&dst), "--allow-older", "-q"]);
    assert_eq!(code(&o), 0, "{}", crate::support::stderr(&o));
    assert!(read_area(&dst) == read_area(&a));
}

#[test]
fn plan_and_status_warn_when_the_baseline_is_newer_than_the_area() {
    let dir = tmp();
    let (a, n) = next_day(dir.path());
    let o = run(&["status", p(&a), "--baseline", p(&n), "--format", "json"]);
    assert!(codes(&json(&o)).contains(&"CS322".to_string()), "{}", stdout(&o));
    let o = run(&["status", p(&n), "--baseline", p(&a), "--format", "json"]);
    assert!(!codes(&json(&o)).contains(&"CS322".to_string()), "{}", stdout(&o));
    let cfg = dir.path().join("sec.toml");
    let o = run(&["plan", p(&a), "--config", p(&cfg), "--type", "full", "--baseline", p(&n), "--format", "json"]);
    assert!(codes(&json(&o)).contains(&"CS322".to_string()), "{}", stdout(&o));
}

#[test]
fn plan_of_the_older_fixture_over_the_newer_one_warns_of_a_roll_back() {
    let args = [
        "plan",
        "fixtures/plan/baseline-3c-2r-1a",
        "--config",
        "fixtures/slab-a-daily.toml",
        "--type",
        "full",
        "--baseline",
        "fixtures/slab-a-daily",
        "--format",
        "json",
    ];
    let o = run(&args);
    assert!(codes(&json(&o)).contains(&"CS322".to_string()), "{}", stdout(&o));
    crate::support::golden(&crate::support::root().join("fixtures/plan/full-roll-back.json"), &stdout(&o));
}

#[test]
fn diff_names_the_direction_of_the_export() {
    let dir = tmp();
    let (a, n) = next_day(dir.path());
    let doc = json(&run(&["diff", p(&n), p(&a), "--format", "json"]));
    assert_eq!(doc["direction"], "backward", "{doc:#}");
    let doc = json(&run(&["diff", p(&a), p(&n), "--format", "json"]));
    assert_eq!(doc["direction"], "forward");
    let o = run(&["diff", p(&n), p(&a)]);
    assert!(stdout(&o).contains("older export"), "{}", stdout(&o));
}

#[test]
fn verify_against_runs_unpacks_guards() {
    let dir = tmp();
    let d = dir.path();
    let (a, _) = next_day(d);
    let pkg = d.join("A.tar.zst");
    assert_eq!(code(&run(&["pack", p(&a), "-o", p(&pkg), "-q"])), 0);
    // Another data store's area, plus a foreign file.
    let other = copy_area("fixtures/slab-a-daily", &d.join("other"));
    std::fs::write(other.join("notes.txt"), b"x").unwrap();
    let o = run(&["unpack", p(&pkg), "--into", p(&other), "--format", "json"]);
    assert_eq!(code(&o), 1);
    let refused = codes(&json(&o));
    let o = run(&["verify", p(&pkg), "--against", p(&other), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert_eq!(codes(&json(&o)), refused);
    // A destination whose parent does not exist: unpack cannot run, and verify says so.
    let nowhere = d.join("no/such/dir");
    let u = code(&run(&["unpack", p(&pkg), "--into", p(&nowhere)]));
    let v = code(&run(&["verify", p(&pkg), "--against", p(&nowhere)]));
    assert_eq!((u, v), (2, 2));
}

#[test]
fn diff_without_verify_does_not_claim_identical_for_a_file_changed_in_place() {
    let dir = tmp();
    let a = copy_area("fixtures/slab-a-daily", &dir.path().join("a"));
    let b = copy_area("fixtures/slab-a-daily", &dir.path().join("b"));
    let f = b.join("VSAD004");
    let t = std::fs::metadata(&f).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&f).unwrap().replacen("status=VALID", "status=VALIE", 1);
    std::fs::write(&f, text).unwrap();
    std::fs::File::options().write(true).open(&f).unwrap().set_modified(t).unwrap();
    let o = run(&["diff", p(&a), p(&b), "--format", "json"]);
    let doc = json(&o);
    assert_eq!(doc["identical"], serde_json::Value::Null, "{doc:#}");
    assert_eq!(doc["coverage"]["content"]["for_want_of"].as_str().map(|s| s.starts_with("--verify")), Some(true));
    let o = run(&["diff", p(&a), p(&b), "--verify", "--format", "json"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert_eq!(json(&o)["identical"], false);
}

#[test]
fn diff_with_a_missing_file_does_not_count_its_volumes_as_unchanged_without_saying_so() {
    let dir = tmp();
    let a = copy_area("fixtures/slab-a-daily", &dir.path().join("a"));
    let b = copy_area("fixtures/slab-a-daily", &dir.path().join("b"));
    std::fs::remove_file(b.join("VSAD004")).unwrap();
    let o = run(&["diff", p(&a), p(&b)]);
    assert_eq!(code(&o), 2);
    let last = stdout(&o).lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("1 error: the comparison cannot be trusted"), "{last}");
}

#[test]
fn a_full_export_that_lists_no_volume_is_a_warning_in_validate_and_plan() {
    let dir = tmp();
    let d = dir.path();
    let (a, _) = next_day(d);
    let z = d.join("Z");
    let o = run(&["generate", "--from", p(&a), "-o", p(&z), "--full", "--remove", "30", "-q"]);
    assert_eq!(code(&o), 0, "{}", crate::support::stderr(&o));
    let cfg = d.join("sec.toml");
    let o = run(&["validate", p(&z), "--config", p(&cfg), "--format", "json"]);
    assert!(codes(&json(&o)).contains(&"CS031".to_string()), "{}", stdout(&o));
    let o = run(&["plan", p(&z), "--config", p(&cfg), "--type", "full", "--format", "json"]);
    assert!(codes(&json(&o)).contains(&"CS031".to_string()), "{}", stdout(&o));
}

#[test]
fn pack_raw_refuses_a_file_it_cannot_carry_unless_told_to_leave_it_out() {
    let dir = tmp();
    let d = dir.path();
    let src = d.join("vendor");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("VSAD001"), b"opaque\n").unwrap();
    std::fs::write(src.join("notes.txt"), b"a file the vendor put here\n").unwrap();
    let pkg = d.join("v.tar.zst");
    for quiet in [false, true] {
        let mut args = vec!["pack", p(&src), "-o", p(&pkg), "--raw"];
        if quiet {
            args.push("-q");
        }
        let o = run(&args);
        assert_eq!(code(&o), 1, "{}", stdout(&o));
        assert!(!pkg.exists(), "a refused pack writes nothing");
    }
    let o = run(&["pack", p(&src), "-o", p(&pkg), "--raw", "--format", "json"]);
    assert_eq!(codes(&json(&o)), ["CS026"]);
    let o = run(&["pack", p(&src), "-o", p(&pkg), "--raw", "--leave-out", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(codes(&json(&o)), ["CS026"], "what was left out is still listed");
}

#[test]
fn every_command_that_advises_wait_accepts_it() {
    // The advice a busy lock gives (CS092) names --wait: every command that opens a
    // staging area or writes a file under a lock takes it.
    for cmd in [
        "validate",
        "diff",
        "plan",
        "status",
        "keys",
        "images",
        "verify",
        "generate",
        "keygen",
        "pack",
        "unpack",
        "seal",
        "sync",
        "replace-nodes",
    ] {
        let help = stdout(&run(&[cmd, "--help"]));
        assert!(help.contains("--wait"), "{cmd} --help lacks --wait");
    }
}

#[test]
fn a_reader_given_wait_waits_for_the_writers_lock() {
    let dir = tmp();
    let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    let held = crate::support::Paused::at("locked", &["seal", p(&area), "FULL"], &[]);
    let busy = run(&["validate", p(&area), "--format", "json"]);
    assert_eq!(code(&busy), 2);
    assert_eq!(codes(&json(&busy)), ["CS092"]);
    // The reader stops once it has found the lock taken, before it waits.
    let reader = crate::support::Paused::at("lock-busy", &["keys", "--wait", p(&area)], &[]);
    assert_eq!(held.resume().0, 0);
    let (status, rest) = reader.resume();
    assert_eq!(status, 0, "{rest}");
}

/// A generated area with its image tree, FULL's content edited by `edit` and sealed again:
/// `validate` refuses it with `code`, and `images`, which relies on FULL, with the same.
fn images_refuse_what_validate_refuses(edit: impl Fn(String) -> String, code_wanted: &str) {
    let dir = tmp();
    let d = dir.path();
    let area = d.join("A");
    let paths = d.join("img");
    let o = run(&["generate", "-o", p(&area), "--volumes", "30", "--seed", "5", "--images", p(&paths), "-q"]);
    assert_eq!(code(&o), 0, "{}", crate::support::stderr(&o));
    let ok = run(&["images", p(&area), "--path", p(&paths.join("path1")), "--format", "json"]);
    assert_eq!(code(&ok), 0, "{}", stdout(&ok));
    let bytes = std::fs::read(area.join("FULL")).unwrap();
    let text = edit(String::from_utf8(crate::support::content(&bytes).to_vec()).unwrap());
    std::fs::write(area.join("FULL"), crate::support::reseal(text.as_bytes())).unwrap();
    let v = run(&["validate", p(&area), "--format", "json"]);
    assert_eq!(code(&v), 1);
    assert!(codes(&json(&v)).contains(&code_wanted.to_string()), "{}", stdout(&v));
    let o = run(&["images", p(&area), "--path", p(&paths.join("path1")), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(codes(&json(&o)).contains(&code_wanted.to_string()), "{}", stdout(&o));
}

#[test]
fn images_refuses_a_summary_header_validate_refuses() {
    // A version with a leading zero, re-sealed: well framed, but not a header the format
    // allows.
    images_refuse_what_validate_refuses(
        |text| text.replacen("CATSTAGE SUMMARY 1.0\n", "CATSTAGE SUMMARY 1.01\n", 1),
        "CS002",
    );
}

/// Issue 32, item 9: `images` read a well-sealed summary on a lean path of its own, which
/// knew nothing of the summary's rules; the one summary reader refuses what it refuses.
#[test]
fn issue32_item9_images_reports_a_sealed_summary_validate_refuses() {
    // Entries out of their order (the first two swapped): well framed, but not what the
    // format allows.
    images_refuse_what_validate_refuses(
        |text| {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let first = lines.iter().position(|l| l.starts_with("entry ")).unwrap();
            lines.swap(first, first + 1);
            lines.join("\n") + "\n"
        },
        "CS007",
    );
}

#[test]
fn pre_import_checks_without_their_input_are_not_checked() {
    // A configuration without ssl, mediadefs_* and local_catalogs, and no --labels.
    let dir = tmp();
    let cfg = dir.path().join("sec.toml");
    let text = std::fs::read_to_string(crate::support::root().join("fixtures/slab-a-daily.toml")).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !["ssl", "mediadefs_filecat", "local_catalogs"].iter().any(|k| l.starts_with(k)))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&cfg, text).unwrap();
    let o = run(&["validate", "fixtures/slab-a-daily", "--config", p(&cfg), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc = json(&o);
    assert_eq!(doc["summary"]["pre_import"], false, "{doc:#}");
    let c = &doc["summary"]["coverage"];
    for check in [
        "labels in other catalogs (R1)",
        "System Search List (R2)",
        "local-backup catalogs (R3)",
        "default FILECAT (R5)",
    ] {
        assert_eq!(c[check]["state"], "not_checked", "{check}: {c:#}");
    }
    assert_eq!(c["key managers (R11)"]["state"], "ran");
    let text = stdout(&run(&["validate", "fixtures/slab-a-daily", "--config", p(&cfg)]));
    assert!(text.contains("pre-import checks incomplete, not checked: labels in other catalogs (R1)"), "{text}");
    assert!(text.contains("System Search List (R2), for want of [environment] ssl"), "{text}");
    // With every input, the checks are complete.
    let o = run(&[&crate::support::FIXTURE_COMPLETE[..], &["--format", "json"]].concat());
    assert_eq!(json(&o)["summary"]["pre_import"], true);
}

#[test]
fn the_total_pre_import_flag_is_false_with_zero_areas() {
    let o = run(&["validate", "--files", "README.md", "--format", "json"]);
    let doc = json(&o);
    assert_eq!(doc["summary"]["areas"], 0, "{doc:#}");
    assert_eq!(doc["summary"]["pre_import"], false);
}

/// Damage of the kind a copy or a disk does to an area.
#[derive(Clone, Copy, Debug)]
enum Damage {
    /// A file cut at a line boundary.
    CutAtLine,
    /// One byte changed.
    Byte,
    /// A file removed.
    Removed,
    /// FULL cut between its entries.
    SummaryCut,
}

fn damage(area: &std::path::Path, kind: Damage, pick: usize, at: usize) {
    let mut files: Vec<String> = read_area(area).keys().filter(|n| n.starts_with('V')).cloned().collect();
    files.sort();
    let file = area.join(&files[pick % files.len()]);
    match kind {
        Damage::CutAtLine => {
            let n = std::fs::read(&file).unwrap().iter().filter(|&&b| b == b'\n').count();
            cut_to_lines(&file, 1 + at % (n - 1));
        }
        Damage::Byte => {
            let mut bytes = std::fs::read(&file).unwrap();
            let i = at % bytes.len();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            std::fs::write(&file, bytes).unwrap();
        }
        Damage::Removed => std::fs::remove_file(&file).unwrap(),
        Damage::SummaryCut => {
            let full = area.join("FULL");
            let text = std::fs::read_to_string(&full).unwrap();
            let entries: Vec<usize> =
                text.lines().enumerate().filter(|(_, l)| l.starts_with("entry ")).map(|(i, _)| i).collect();
            cut_to_lines(&full, entries[at % entries.len()]);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 32, failure_persistence: None, ..Default::default() })]

    /// Whenever validate finds an error, every command that reads the area finds one too
    /// and exits non-zero: none relies on what it did not check.
    #[test]
    fn every_reading_command_reports_damage_validate_reports(
        seed in 0u64..1000,
        kind in proptest::sample::select(vec![Damage::CutAtLine, Damage::Byte, Damage::Removed, Damage::SummaryCut]),
        pick in 0usize..100,
        at in 0usize..100_000,
    ) {
        let dir = tmp();
        let d = dir.path();
        let (a, cfg, clean) = (d.join("A"), d.join("sec.toml"), d.join("clean"));
        let seed_s = seed.to_string();
        let o = run(&["generate", "-o", p(&a), "--volumes", "12", "--seed", &seed_s, "--secondary-config", p(&cfg), "-q"]);
        proptest::prop_assert_eq!(code(&o), 0);
        crate::support::write_area(&clean, &read_area(&a));
        damage(&a, kind, pick, at);
        let v = run(&["validate", p(&a)]);
        proptest::prop_assume!(code(&v) == 1);
        let (pkg, next) = (d.join("p.tar.zst"), d.join("next"));
        let mut commands: Vec<Vec<&str>> = vec![
            vec!["keys", p(&a)],
            vec!["status", p(&a)],
            vec!["plan", p(&a), "--config", p(&cfg), "--type", "full"],
            vec!["diff", p(&clean), p(&a), "--verify"],
            vec!["pack", p(&a), "-o", p(&pkg)],
            vec!["generate", "--from", p(&a), "-o", p(&next), "--update", "1"],
        ];
        // A baseline is read for its summaries only.
        let clean_s = p(&clean).to_string();
        if matches!(kind, Damage::SummaryCut) {
            commands.push(vec!["status", &clean_s, "--baseline", p(&a)]);
        }
        for args in commands {
            let o = run(&args);
            proptest::prop_assert!(code(&o) != 0, "{:?} after {:?}: exit 0\n{}", args, kind, stdout(&o));
        }
    }
}

#[test]
fn seal_shows_the_counts_an_entry_changes() {
    let dir = tmp();
    let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    // A deliberate edit: two disk files dropped, the old END line kept.
    let file = area.join("VSAD006");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let end = lines.len() - 1;
    lines.drain(end - 2..end);
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let o = run(&["seal", p(&area), "VSAD006"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("entry diskfiles: 14 -> 12"), "{}", stdout(&o));
    let o = run(&["seal", p(&area), "VSAD006", "--format", "json"]);
    assert_eq!(json(&o)["files"][0]["entry"], serde_json::json!({}), "sealed already: nothing changes");
}

#[test]
fn issue32_item10_a_refused_record_sets_no_order_for_the_next() {
    // formats/README.md §2.3: a record refused for a finding on its line takes no part in
    // the order; the next is compared with the last one taken.
    let dir = crate::support::tmp();
    let area = crate::support::copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    let full = area.join("FULL");
    let text = std::fs::read_to_string(&full).unwrap();
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with("END "))
        .map(|l| {
            if l.starts_with("entry label=SAD003 ") {
                // Damaged into another label, past the entries that follow, and a digest
                // that is none: refused (CS008).
                let l = l.replace("label=SAD003", "label=SAD009").replace("file=VSAD003", "file=VSAD009");
                let at = l.find("sha256=").unwrap() + 7;
                format!("{}{}{}", &l[..at], "z".repeat(64), &l[at + 64..])
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&full, crate::support::reseal((lines.join("\n") + "\n").as_bytes())).unwrap();
    let doc = crate::support::json(&crate::support::run(&["validate", crate::support::p(&area), "--format", "json"]));
    let found = crate::support::codes(&doc);
    assert!(found.contains(&"CS008".to_string()), "{found:?}");
    assert!(!found.contains(&"CS007".to_string()), "the entries after the refused one are in order: {found:?}");
}

#[test]
fn issue32_item10_a_record_out_of_place_takes_no_part() {
    // formats/README.md §7.1: a group refused for its place is as if absent, so the
    // entries that name it are without a group (CS029), not silently grouped.
    let dir = crate::support::tmp();
    let area = crate::support::copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    let full = area.join("FULL");
    let text = std::fs::read_to_string(&full).unwrap();
    let mut lines: Vec<String> = text.lines().filter(|l| !l.starts_with("END ")).map(str::to_string).collect();
    let at = lines.iter().position(|l| l.starts_with("group id=VG_SLAB_A_BRCOM-DAILY ")).unwrap();
    let group = lines.remove(at);
    lines.push(group);
    std::fs::write(&full, crate::support::reseal((lines.join("\n") + "\n").as_bytes())).unwrap();
    let doc = crate::support::json(&crate::support::run(&["validate", crate::support::p(&area), "--format", "json"]));
    let found = crate::support::codes(&doc);
    assert!(found.contains(&"CS007".to_string()), "{found:?}");
    assert!(found.contains(&"CS029".to_string()), "the moved group takes no part: {found:?}");
}
