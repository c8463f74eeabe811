//! Golden tests: the bundled fixture, and one fixture per diagnostic code with its exact
//! expected text and JSON output. `CATSTAGE_BLESS=1 cargo test` rewrites them.

use crate::support::{self, cases, golden, root, run, slab, stdout};
use catstage::diag::Code;
use std::collections::BTreeSet;
use std::path::Path;

/// Writes a case's area (when blessing) or checks the committed one equals its recipe.
fn materialize(dir: &Path, case: &cases::Case) {
    let area = dir.join("area");
    if support::blessing() {
        let _ = std::fs::remove_dir_all(&area);
        support::write_area(&area, &case.files);
        for (name, target) in &case.symlinks {
            std::os::unix::fs::symlink(target, area.join(name)).unwrap();
        }
        for d in &case.dirs {
            std::fs::create_dir_all(area.join(d)).unwrap();
            std::fs::write(area.join(d).join("KEEP"), b"a directory inside a staging area\n").unwrap();
        }
        let _ = std::fs::remove_dir_all(dir.join("other"));
        for f in ["config.toml", "labels.txt"] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        if let Some(c) = &case.config {
            std::fs::write(dir.join("config.toml"), c).unwrap();
        }
        if let Some(l) = &case.labels {
            std::fs::write(dir.join("labels.txt"), l).unwrap();
        }
        if let Some(o) = &case.against {
            support::write_area(&dir.join("other"), o);
        }
        return;
    }
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
    assert_eq!(read("config.toml"), case.config, "{}/config.toml differs from its recipe", dir.display());
    assert_eq!(read("labels.txt"), case.labels, "{}/labels.txt differs from its recipe", dir.display());
    let other = dir.join("other");
    assert_eq!(other.exists().then(|| support::read_area(&other)), case.against, "{}/other differs", dir.display());
    let on_disk = support::read_area(&area);
    assert_eq!(
        on_disk.keys().collect::<Vec<_>>(),
        case.files.keys().collect::<Vec<_>>(),
        "{}: files differ from the recipe (CATSTAGE_BLESS=1 rewrites them)",
        dir.display()
    );
    for (name, bytes) in &case.files {
        assert!(
            on_disk[name] == *bytes,
            "{}/{name} differs from its recipe (CATSTAGE_BLESS=1 rewrites it)",
            area.display()
        );
    }
}

fn check_outputs(dir: &Path) -> serde_json::Value {
    let base = dir.strip_prefix(root()).unwrap();
    let mut args: Vec<String> = vec!["validate".into(), base.join("area").to_str().unwrap().into()];
    for (flag, f) in [("--config", "config.toml"), ("--against", "other"), ("--labels", "labels.txt")] {
        if dir.join(f).exists() {
            args.push(flag.into());
            args.push(base.join(f).to_str().unwrap().into());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = run(&args);
    let json = run(&[&args[..], &["--format", "json"]].concat());
    // A run that could not run says why on stderr: that is its text output.
    let shown = if text.status.code() == Some(2) { support::stderr(&text) } else { stdout(&text) };
    golden(&dir.join("expected.txt"), &shown);
    golden(&dir.join("expected.json"), &stdout(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let want = match (doc["status"].as_u64(), doc["summary"]["errors"].as_u64()) {
        (Some(2), _) => 2,
        (_, Some(e)) if e > 0 => 1,
        (_, Some(_)) => 0,
        _ => panic!("{}: a document with neither a status nor a summary: {doc:#}", dir.display()),
    };
    assert_eq!(text.status.code(), Some(want), "{}: exit status of text run", dir.display());
    assert_eq!(json.status.code(), Some(want), "{}: exit status of JSON run", dir.display());
    doc
}

#[test]
fn fixture_slab_a_daily_is_current_and_validates_clean() {
    let dir = root().join("fixtures/slab-a-daily");
    let files = slab::files();
    if support::blessing() {
        let _ = std::fs::remove_dir_all(&dir);
        support::write_area(&dir, &files);
    }
    assert!(
        support::read_area(&dir) == files,
        "fixtures/slab-a-daily differs from its recipe in tests/support/slab.rs"
    );
    let o = run(&["validate", "fixtures/slab-a-daily"]);
    assert_eq!(
        stdout(&o),
        "fixtures/slab-a-daily: 30 volumes, 0 errors, 0 warnings; structure only (add --config for the pre-import checks)\n"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn ok_fixtures_validate_clean() {
    for case in cases::ok_cases() {
        let dir = root().join("fixtures/ok").join(case.name);
        materialize(&dir, &case);
        let doc = check_outputs(&dir);
        assert_eq!(doc["diagnostics"], serde_json::json!([]), "{}", case.name);
    }
}

#[test]
fn err_fixtures_report_their_code() {
    let mut covered = BTreeSet::new();
    for case in cases::err_cases() {
        let dir = root().join("fixtures/err").join(case.name);
        materialize(&dir, &case);
        let doc = check_outputs(&dir);
        let number: u16 = case.name[..4].parse().unwrap();
        let code = Code::ALL.iter().find(|c| c.number() == number).unwrap();
        let codes: Vec<&str> =
            doc["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert!(codes.contains(&code.to_string().as_str()), "{}: expected {code} among {codes:?}", case.name);
        covered.extend(codes.iter().filter_map(|c| Code::lookup(c)));
    }
    // No stale fixture directories beside the recipes.
    let names: BTreeSet<String> = cases::err_cases().iter().map(|c| c.name.to_string()).collect();
    for e in std::fs::read_dir(root().join("fixtures/err")).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            names.contains(&n) || crate::images::owns_fixture(&n),
            "fixtures/err/{n} has no recipe in tests/support/cases.rs (or tests/images.rs)"
        );
    }
    // Codes only `plan`, `sync` or the package commands raise have their fixtures under
    // fixtures/plan, fixtures/sync and fixtures/package, as expected JSON documents.
    let mut dirs = vec![
        root().join("fixtures/plan"),
        root().join("fixtures/sync"),
        root().join("fixtures/package"),
        root().join("fixtures/cli"),
    ];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap()) else {
                    continue;
                };
                // One area's document, or several areas' (`areas[].diagnostics`).
                let areas = doc["areas"].as_array().into_iter().flatten().map(|a| &a["diagnostics"]);
                for list in std::iter::once(&doc["diagnostics"]).chain(areas) {
                    for d in list.as_array().into_iter().flatten() {
                        covered.extend(d["code"].as_str().and_then(Code::lookup));
                    }
                }
            }
        }
    }
    // The image codes' fixtures are run by tests/images.rs.
    covered.extend(crate::images::fixture_codes().iter().filter_map(|c| Code::lookup(c)));
    for c in Code::ALL {
        assert!(
            covered.contains(c),
            "{c} ({}) has no fixture under fixtures/err, fixtures/plan, fixtures/sync, fixtures/package or fixtures/cli",
            c.name()
        );
    }
}
