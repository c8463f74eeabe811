//! Golden tests: the bundled fixture, and one fixture per diagnostic code with its exact
//! expected text and JSON output. `CATSTAGE_BLESS=1 cargo test` rewrites them.

use crate::support::{self, Node, cases, golden, root, run, slab, stdout};
use catstage::diag::Code;
use std::collections::BTreeSet;
use std::path::Path;

/// Writes a case's area and what is beside it (when blessing), or checks that the
/// committed ones are what its recipe makes.
fn materialize(dir: &Path, case: &cases::Case) {
    let area = Path::new("area");
    let mut r = support::file_recipe("area", case.files.clone());
    for (name, target) in &case.symlinks {
        r.insert(area.join(name), Node::Link(target.into()));
    }
    for d in &case.dirs {
        r.insert(area.join(d).join("KEEP"), Node::File(b"a directory inside a staging area\n".to_vec()));
    }
    if r.is_empty() {
        r.insert(area.into(), Node::Dir);
    }
    for (name, text) in [("config.toml", &case.config), ("labels.txt", &case.labels)] {
        if let Some(t) = text {
            r.insert(name.into(), Node::File(t.clone().into_bytes()));
        }
    }
    r.extend(support::file_recipe("other", case.against.clone().unwrap_or_default()));
    support::materialize(dir, &r, &["expected.txt", "expected.json"]);
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
    support::materialize(&dir, &support::file_recipe("", slab::files()), &[]);
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
