//! `validate` in CI: several areas in one run, `--recursive`, `--files`,
//! `--config-beside`, and the SARIF and JUnit reports, checked against golden files and
//! real consumers (the SARIF 2.1.0 schema with Python's `jsonschema`, `sarif-tools`,
//! `junitparser`, `pre-commit`).
//!
//! The consumers are Python packages. When one is missing the test says so and passes,
//! unless `CATSTAGE_REQUIRE_ORACLES=1` (which `.ci/run` sets after installing them):
//! then it fails, so that CI never passes a check that did not run.

use crate::support::{catstage, code, copy_area, root, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory holding three areas and one directory that is not an area:
/// `good` (the bundled slab-a-daily, with `good.toml` beside it), `bad` (a checksum
/// mismatch), `notarea` (empty).
fn scratch() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_area("fixtures/slab-a-daily", &t.path().join("good"));
    std::fs::copy(root().join("fixtures/slab-a-daily.toml"), t.path().join("good.toml")).unwrap();
    copy_area("fixtures/err/0004_checksum-mismatch/area", &t.path().join("bad"));
    std::fs::create_dir(t.path().join("notarea")).unwrap();
    t
}

/// Runs catstage in `dir` with `args`; the output with `dir` written as `$DIR`.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let o = catstage().current_dir(dir).args(args).output().unwrap();
    let text = stdout(&o).replace(&dir.display().to_string(), "$DIR");
    (code(&o), text)
}

fn golden(name: &str, actual: &str) {
    crate::support::golden(&root().join("fixtures/ci").join(name), actual);
}

const MANY: &[&str] = &["validate", "good", "bad", "notarea", "--config-beside"];

fn with(extra: &[&str]) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = MANY.to_vec();
    for e in extra {
        v.push(Box::leak(e.to_string().into_boxed_str()));
    }
    v
}

#[test]
fn several_areas_one_bad_one_not_an_area_text() {
    let t = scratch();
    let (status, out) = run_in(t.path(), MANY);
    assert_eq!(status, 2, "the worst of 0, 1 and 2");
    golden("many.txt", &out);
}

#[test]
fn several_areas_one_bad_one_not_an_area_json() {
    let t = scratch();
    let (status, out) = run_in(t.path(), &with(&["--format", "json"]));
    assert_eq!(status, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "catstage.validate/2");
    assert_eq!(v["areas"][0]["config"], "good.toml", "--config-beside took good.toml");
    // No list of the secondary's labels: one pre-import check had no input.
    assert_eq!(v["areas"][0]["summary"]["pre_import"], false);
    assert_eq!(v["areas"][2]["summary"], serde_json::Value::Null, "unknown counts are null");
    golden("many.json", &out);
}

#[test]
fn several_areas_one_bad_one_not_an_area_sarif() {
    let t = scratch();
    let (status, out) = run_in(t.path(), &with(&["--format", "sarif"]));
    assert_eq!(status, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "bad/VSAD001");
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], false);
    // The rules carry the whole explanation; the golden file keeps the results.
    let mut slim = v.clone();
    slim["runs"][0]["tool"]["driver"]["rules"] = serde_json::json!("(every code; see the rules test)");
    golden("many.sarif", &format!("{slim:#}\n"));
}

#[test]
fn several_areas_one_bad_one_not_an_area_junit() {
    let t = scratch();
    let (status, out) = run_in(t.path(), &with(&["--format", "junit"]));
    assert_eq!(status, 2);
    golden("many.junit.xml", &out);
}

#[test]
fn sarif_lists_every_code_as_a_rule_with_its_explanation() {
    let t = scratch();
    let (_, out) = run_in(t.path(), &["validate", "good", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let explained = run_in(t.path(), &["explain", "CS004"]).1;
    let cs004 = rules.iter().find(|r| r["id"] == "CS004").unwrap();
    assert_eq!(cs004["name"], "checksum-mismatch");
    assert_eq!(cs004["help"]["text"].as_str().unwrap().trim(), explained.trim());
    assert_eq!(v["runs"][0]["tool"]["driver"]["name"], "catstage");
    // No address catstage is not sure of (issue 35, item 9): it is installed from its
    // repository, wherever that is kept.
    assert!(v["runs"][0]["tool"]["driver"].get("informationUri").is_none(), "{v:#}");
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_fingerprints_are_stable_across_runs_and_places() {
    let t = scratch();
    let fingerprints = |dir: &Path, area: &str| {
        let (_, out) = run_in(dir, &["validate", area, "--format", "sarif"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["partialFingerprints"].clone()).collect::<Vec<_>>()
    };
    let first = fingerprints(t.path(), "bad");
    assert_eq!(first.len(), 2);
    assert_eq!(first, fingerprints(t.path(), "bad"));
    assert_eq!(first, fingerprints(t.path(), "./bad"), "the same file named another way");
    assert_ne!(first[0], first[1]);
}

#[test]
fn recursive_finds_the_areas_and_skips_links_and_hidden_directories() {
    let t = scratch();
    std::fs::create_dir_all(t.path().join("deep/er")).unwrap();
    copy_area("fixtures/ok/0001_mini/area", &t.path().join("deep/er/mini"));
    copy_area("fixtures/ok/0001_mini/area", &t.path().join(".git/mini"));
    std::os::unix::fs::symlink(t.path().join("bad"), t.path().join("deep/link")).unwrap();
    let (status, out) = run_in(t.path(), &["validate", "--recursive", ".", "--format", "json"]);
    // The empty `notarea` beside the areas is what an unmounted mount point looks like:
    // not checked, exit 2 (issue 35 item 2).
    assert_eq!(status, 2, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["areas"].as_array().unwrap().iter().map(|a| a["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["./bad", "./deep/er/mini", "./good", "./notarea"]);
    let skipped: Vec<&str> = v["skipped"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert_eq!(skipped, ["./.git", "./deep/link"]);
    // A directory that holds no area is reported, as a single area would be.
    let (status, out) = run_in(t.path(), &["validate", "--recursive", "notarea", "good"]);
    assert_eq!(status, 2);
    assert!(out.contains("notarea: not checked"), "{out}");
    assert!(out.contains("good: 30 volumes, 0 errors"), "{out}");
}

#[test]
fn files_map_to_their_areas_each_checked_once() {
    let t = scratch();
    std::fs::write(t.path().join("README.md"), "x").unwrap();
    let (status, out) = run_in(
        t.path(),
        &["validate", "--files", "good/VSAD004", "README.md", "good/FULL", "good.toml", "bad/VSAD001"],
    );
    assert_eq!(status, 1, "{out}");
    assert_eq!(out.matches("good: 30 volumes").count(), 1, "{out}");
    assert!(out.contains("bad: 5 volumes, 2 errors"), "{out}");
    assert!(out.ends_with("2 areas: 1 clean, 1 with findings, 0 not checked; 35 volumes, 2 errors, 0 warnings; 2 areas structure only (add --config or --config-beside for the pre-import checks)\n"), "{out}");
    // A commit that touches no staging area checks nothing, and passes.
    let (status, out) = run_in(t.path(), &["validate", "--files", "README.md"]);
    assert_eq!(
        (status, out.as_str()),
        (0, "0 areas: 0 clean, 0 with findings, 0 not checked; 0 volumes, 0 errors, 0 warnings\n")
    );
}

#[test]
fn a_configuration_beside_that_cannot_be_used_stops_only_its_area() {
    let t = scratch();
    std::fs::write(t.path().join("bad.toml"), "[store\n").unwrap();
    let (status, out) = run_in(t.path(), &["validate", "good", "bad", "--config-beside", "--format", "json"]);
    assert_eq!(status, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["areas"][0]["status"], 0);
    assert_eq!(v["areas"][1]["status"], 2);
    assert_eq!(v["areas"][1]["config"], "bad.toml");
    assert_eq!(v["areas"][1]["diagnostics"][0]["code"], "CS315");
}

#[test]
fn a_configuration_for_every_area_that_cannot_be_used_is_one_document_of_each_format() {
    let t = scratch();
    std::fs::write(t.path().join("broken.toml"), "[store\n").unwrap();
    let base = ["validate", "good", "bad", "--config", "broken.toml", "--format"];
    let (status, out) = run_in(t.path(), &[&base[..], &["json"]].concat());
    assert_eq!(status, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["schema"].as_str(), v["status"].as_u64()), (Some("catstage.validate/2"), Some(2)));
    let (status, out) = run_in(t.path(), &[&base[..], &["sarif"]].concat());
    assert_eq!(status, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], false);
    let (status, out) = run_in(t.path(), &[&base[..], &["junit"]].concat());
    assert_eq!(status, 2);
    assert!(
        out.contains("errors=\"1\"") && out.contains("(and 1 more)"),
        "one testcase in error, with both reasons: {out}"
    );
}

#[test]
fn a_usage_error_is_one_document_of_the_format_asked_for() {
    let (status, out) = run_in(&root(), &["validate", "--format", "sarif", "--no-such-flag", "x"]);
    assert_eq!(status, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], false);
    let (status, out) = run_in(&root(), &["validate", "--format=junit", "--no-such-flag", "x"]);
    assert_eq!(status, 2);
    assert!(out.starts_with("<?xml") && out.contains("errors=\"1\""), "{out}");
}

#[test]
fn one_area_keeps_the_first_schema() {
    let (status, out) = run_in(&root(), &["validate", "fixtures/slab-a-daily", "--format", "json"]);
    assert_eq!(status, 0);
    assert!(out.contains("\"schema\": \"catstage.validate/1\""), "{out}");
}

// ---- Real consumers ------------------------------------------------------------------

/// A Python that can import `modules`, or `None` (and a note) when there is none and CI
/// did not ask for the consumers.
fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let candidates = [std::env::var_os("CATSTAGE_ORACLE_PYTHON").map(PathBuf::from), Some(PathBuf::from("python3"))];
    for p in candidates.into_iter().flatten() {
        let probe = format!("import {}", modules.join(", "));
        if Command::new(&p).args(["-c", &probe]).output().is_ok_and(|o| o.status.success()) {
            return Some(p);
        }
    }
    missing(&format!("a Python with {}", modules.join(", ")))
}

fn missing<T>(what: &str) -> Option<T> {
    if std::env::var_os("CATSTAGE_REQUIRE_ORACLES").is_some_and(|v| v == "1") {
        panic!("{what} is needed (CATSTAGE_REQUIRE_ORACLES=1), but there is none");
    }
    eprintln!("note: {what} is not installed; this consumer test checked nothing (.ci/run installs it)");
    None
}

/// A program next to the oracle Python (a venv's `bin/`), or on the PATH.
fn program(python: &Path, name: &str) -> Option<PathBuf> {
    let beside = python.parent().map(|d| d.join(name)).filter(|p| p.is_file());
    beside.or_else(|| {
        Command::new(name).arg("--version").output().ok().filter(|o| o.status.success()).map(|_| PathBuf::from(name))
    })
}

#[test]
fn sarif_is_valid_against_the_published_schema() {
    let Some(py) = python_with(&["jsonschema"]) else { return };
    let t = scratch();
    for args in [with(&["--format", "sarif"]), vec!["validate", "good", "--format", "sarif"]] {
        let (_, out) = run_in(t.path(), &args);
        std::fs::write(t.path().join("out.sarif"), &out).unwrap();
        let schema = root().join("tests/sarif-schema-2.1.0.json");
        let script = "import json, sys, jsonschema\n\
                      schema = json.load(open(sys.argv[1])); log = json.load(open(sys.argv[2]))\n\
                      jsonschema.Draft7Validator(schema).validate(log)\n\
                      print('valid', len(log['runs'][0]['results']))";
        let o = Command::new(&py).args(["-c", script]).arg(&schema).arg(t.path().join("out.sarif")).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(stdout(&o).starts_with("valid"), "{}", stdout(&o));
    }
}

#[test]
fn sarif_tools_summary_lists_the_findings() {
    let Some(py) = python_with(&["sarif"]) else { return };
    let Some(sarif) = program(&py, "sarif").or_else(|| missing("the sarif command (sarif-tools)")) else { return };
    let t = scratch();
    let (_, out) = run_in(t.path(), &with(&["--format", "sarif"]));
    std::fs::write(t.path().join("out.sarif"), &out).unwrap();
    let o = Command::new(sarif).arg("summary").arg(t.path().join("out.sarif")).output().unwrap();
    let text = stdout(&o);
    assert!(o.status.success(), "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("error: 3"), "{text}");
    for code in ["CS004", "CS023", "CS091"] {
        assert!(text.contains(code), "{code} missing from:\n{text}");
    }
}

#[test]
fn junitparser_reads_the_counts_the_report_declares() {
    let Some(py) = python_with(&["junitparser"]) else { return };
    let t = scratch();
    let (_, out) = run_in(t.path(), &with(&["--format", "junit"]));
    std::fs::write(t.path().join("out.xml"), &out).unwrap();
    // junitparser recounts every suite from its test cases; the declared counts must agree.
    let script = "import sys\n\
                  from junitparser import JUnitXml, Failure, Error\n\
                  xml = JUnitXml.fromfile(sys.argv[1])\n\
                  for s in xml:\n\
                  \x20   declared = (s.tests, s.failures, s.errors)\n\
                  \x20   s.update_statistics()\n\
                  \x20   assert declared == (s.tests, s.failures, s.errors), (s.name, declared)\n\
                  \x20   bad = [c.name for c in s if any(isinstance(r, (Failure, Error)) for r in c.result)]\n\
                  \x20   print(s.name, s.tests, s.failures, s.errors, ','.join(bad))";
    let o = Command::new(&py).args(["-c", script]).arg(t.path().join("out.xml")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        stdout(&o),
        "good 32 0 0 \nbad 7 1 0 VSAD001\nnotarea 1 0 1 (staging area)\n(skipped) 1 0 0 \n",
        "the pre-import checks, without a configuration, are a skipped test case"
    );
}

/// The pre-commit scenario: a scratch git repository with two fixture areas, the hook
/// of `.pre-commit-hooks.yaml` (run from the binary under test: `language: system`, the
/// rest as written), a commit that damages one area (the hook fails naming it), and the
/// same after `catstage seal` (it passes).
/// Runs `args` in the scratch repository `repo` with git and pre-commit kept inside
/// `scratch` (their caches and configuration); the exit status and all output.
fn in_repo(repo: &Path, scratch: &Path, args: &[&str]) -> (i32, String) {
    let o = Command::new(args[0])
        .args(&args[1..])
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", scratch.join("cache"))
        .env("GIT_CONFIG_GLOBAL", scratch.join("gitconfig"))
        .env("GIT_AUTHOR_NAME", "ci")
        .env("GIT_AUTHOR_EMAIL", "ci@example.invalid")
        .env("GIT_COMMITTER_NAME", "ci")
        .env("GIT_COMMITTER_EMAIL", "ci@example.invalid")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    (code(&o), format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr)))
}

/// A `.pre-commit-config.yaml` with the hooks `ids` of `.pre-commit-hooks.yaml`, run from
/// the binary under test (`language: system`), the rest as written.
fn local_hooks(ids: &[&str]) -> String {
    let manifest = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    assert!(manifest.contains("language: rust"));
    let body: String = manifest.lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")).collect();
    let mut local = String::new();
    for hook in body.split("- id: ").skip(1) {
        if !ids.iter().any(|id| hook.starts_with(&format!("{id}\n"))) {
            continue;
        }
        for l in format!("- id: {hook}").lines() {
            let l = l.replace("language: rust", "language: system");
            let l = l.replace("entry: catstage ", &format!("entry: {} ", env!("CARGO_BIN_EXE_catstage")));
            local.push_str(&format!("    {l}\n"));
        }
    }
    format!("repos:\n  - repo: local\n    hooks:\n{local}")
}

#[test]
fn pre_commit_hook_fails_on_the_damaged_area_and_passes_after_seal() {
    let Some(py) = python_with(&["pre_commit"]) else { return };
    let Some(git) = Command::new("git").arg("--version").output().ok().map(|_| "git") else {
        missing::<()>("git");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    copy_area("fixtures/slab-a-daily", &repo.join("areas/a"));
    copy_area("fixtures/slab-a-daily", &repo.join("areas/b"));
    std::fs::write(repo.join("README.md"), "fixtures\n").unwrap();
    std::fs::write(repo.join(".pre-commit-config.yaml"), local_hooks(&["catstage-validate"])).unwrap();
    let sh = |args: &[&str]| in_repo(&repo, t.path(), args);
    let py = py.display().to_string();
    let hook = |sh: &dyn Fn(&[&str]) -> (i32, String)| sh(&[&py, "-m", "pre_commit", "run", "--color", "never"]);
    assert_eq!(sh(&[git, "init", "-q", "-b", "main"]).0, 0);
    assert_eq!(sh(&[git, "add", "-A"]).0, 0);
    let (status, out) = hook(&sh);
    assert_eq!(status, 0, "two good areas pass:\n{out}");
    assert_eq!(sh(&[git, "commit", "-q", "-m", "fixtures"]).0, 0);

    // Damage area b: one expiry date edited by hand, trailer left as it was.
    let file = repo.join("areas/b/VSAD004");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen("expires=2022-02-04T22:15:02-05:00", "expires=2022-02-05T22:15:02-05:00", 1);
    assert_ne!(text, edited);
    std::fs::write(&file, edited).unwrap();
    assert_eq!(sh(&[git, "add", "-A"]).0, 0);
    let (status, out) = hook(&sh);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("areas/b/VSAD004") && out.contains("CS004"), "{out}");
    assert!(!out.contains("areas/a"), "only the area the commit touches is checked:\n{out}");

    // The edit was meant: seal it, and the hook passes.
    let o = catstage().args(["seal"]).arg(repo.join("areas/b")).arg("VSAD004").output().unwrap();
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(sh(&[git, "add", "-A"]).0, 0);
    let (status, out) = hook(&sh);
    assert_eq!(status, 0, "{out}");
}

/// Every reporting command's findings, in `dir`: a damaged copy of the fixture (`bad`,
/// CS004/CS023), the clean one (`good`), a package of `good` with a flipped byte, and a
/// generated area (`img`) whose image tree lacks one image.
fn reporting_commands(dir: &Path) -> Vec<(&'static str, Vec<&'static str>)> {
    let (_, _) = run_in(dir, &["pack", "good", "-o", "good.tar.zst", "-q"]);
    let mut bytes = std::fs::read(dir.join("good.tar.zst")).unwrap();
    let n = bytes.len() / 2;
    bytes[n] ^= 0x40;
    std::fs::write(dir.join("flipped.tar.zst"), bytes).unwrap();
    let (status, _) = run_in(dir, &["generate", "-o", "img", "--volumes", "5", "--images", "paths", "-q"]);
    assert_eq!(status, 0);
    let first = std::fs::read_dir(dir.join("paths/path1")).unwrap().next().unwrap().unwrap().path();
    std::fs::remove_file(first).unwrap();
    vec![
        ("keys", vec!["keys", "bad"]),
        ("status", vec!["status", "bad"]),
        ("plan", vec!["plan", "bad", "--config", "good.toml", "--type", "full"]),
        ("diff", vec!["diff", "good", "bad", "--verify"]),
        ("verify", vec!["verify", "flipped.tar.zst"]),
        ("images", vec!["images", "img", "--path", "paths/path1"]),
    ]
}

#[test]
fn every_reporting_command_writes_sarif_and_junit() {
    let t = scratch();
    for (name, args) in reporting_commands(t.path()) {
        let sarif = [&args[..], &["--format", "sarif"]].concat();
        // diff says damage in either area with 2, like diff(1)'s trouble.
        let expected = if name == "diff" { 2 } else { 1 };
        let (status, out) = run_in(t.path(), &sarif);
        assert_eq!(status, expected, "{name}: {out}");
        let log: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{name}: {e}: {out}"));
        assert_eq!(log["version"], "2.1.0");
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(results.iter().any(|r| r["level"] == "error"), "{name}: no error result in {out}");
        let junit = [&args[..], &["--format", "junit"]].concat();
        let (status, out) = run_in(t.path(), &junit);
        assert_eq!(status, expected, "{name}: {out}");
        assert!(out.contains(&format!("<testsuites name=\"catstage {name}\"")), "{name}: {out}");
        assert!(out.contains("<failure type=\"CS"), "{name}: {out}");
    }
    // A run that cannot run is one document of the format asked for, too.
    let (status, out) = run_in(t.path(), &["status", "nowhere", "--format", "sarif"]);
    assert_eq!(status, 2);
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], false);
    let (status, out) = run_in(t.path(), &["plan", "bad", "--format", "junit"]);
    assert_eq!(status, 2);
    assert!(out.contains("<testsuites name=\"catstage plan\""), "{out}");
}

#[test]
fn every_reporting_commands_sarif_is_valid_and_read_by_sarif_tools() {
    let Some(py) = python_with(&["jsonschema"]) else { return };
    let Some(tools) = python_with(&["sarif"]) else { return };
    let Some(sarif) = program(&tools, "sarif").or_else(|| missing("the sarif command (sarif-tools)")) else { return };
    let t = scratch();
    let schema = root().join("tests/sarif-schema-2.1.0.json");
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1])); log = json.load(open(sys.argv[2]))\n\
                  jsonschema.Draft7Validator(schema).validate(log)\n\
                  print('valid', len(log['runs'][0]['results']))";
    for (name, args) in reporting_commands(t.path()) {
        let (_, out) = run_in(t.path(), &[&args[..], &["--format", "sarif"]].concat());
        let file = t.path().join(format!("{name}.sarif"));
        std::fs::write(&file, &out).unwrap();
        let o = Command::new(&py).args(["-c", script]).arg(&schema).arg(&file).output().unwrap();
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        let o = Command::new(&sarif).arg("summary").arg(&file).output().unwrap();
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(stdout(&o).contains("error:"), "{name}: {}", stdout(&o));
    }
}

#[test]
fn every_reporting_commands_junit_is_read_by_junitparser() {
    let Some(py) = python_with(&["junitparser"]) else { return };
    let t = scratch();
    let script = "import sys\n\
                  from junitparser import JUnitXml\n\
                  xml = JUnitXml.fromfile(sys.argv[1])\n\
                  failures = 0\n\
                  for s in xml:\n\
                  \x20   declared = (s.tests, s.failures, s.errors)\n\
                  \x20   s.update_statistics()\n\
                  \x20   assert declared == (s.tests, s.failures, s.errors), (s.name, declared)\n\
                  \x20   failures += s.failures\n\
                  assert failures > 0\n\
                  print('ok')";
    for (name, args) in reporting_commands(t.path()) {
        let (_, out) = run_in(t.path(), &[&args[..], &["--format", "junit"]].concat());
        let file = t.path().join(format!("{name}.xml"));
        std::fs::write(&file, &out).unwrap();
        let o = Command::new(&py).args(["-c", script]).arg(&file).output().unwrap();
        assert!(o.status.success(), "{name}: {}\n{out}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn issue35_item01_files_map_a_file_in_a_sub_directory_to_its_area() {
    let t = scratch();
    std::fs::create_dir(t.path().join("good/sub")).unwrap();
    std::fs::write(t.path().join("good/sub/x"), b"x").unwrap();
    let (status, out) = run_in(t.path(), &["validate", "--files", "good/sub/x"]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("CS027"), "{out}");
    assert!(out.contains("1 area"), "{out}");
}

#[test]
fn issue35_item04_config_beside_resolves_dot_and_dot_dot() {
    let t = scratch();
    let (status, out) = run_in(&t.path().join("good"), &["validate", ".", "--config-beside", "--format", "json"]);
    assert!(status <= 1, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(doc["summary"]["coverage"].is_object(), "the pre-import checks ran with good.toml: {doc:#}");
}

#[test]
fn issue35_item08_one_area_named_three_ways_is_checked_once() {
    let t = scratch();
    let abs = t.path().join("good").display().to_string();
    let (_, out) = run_in(t.path(), &["validate", "good", "./good", &abs, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["areas"], 1, "{doc:#}");
}

#[test]
fn issue35_item07_junit_counts_failing_testcases_and_deny_warnings_fails_them() {
    let t = scratch();
    std::fs::write(t.path().join("good/NOTES"), b"a foreign file: a warning\n").unwrap();
    let (status, out) = run_in(t.path(), &["validate", "good", "--deny-warnings", "--format", "junit"]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("failures=\"1\""), "{out}");
    // Several findings in one file are one failing testcase.
    let (_, out) = run_in(t.path(), &["validate", "bad", "--format", "junit"]);
    let suite = out.lines().find(|l| l.contains("<testsuite ")).unwrap();
    assert!(suite.contains("failures=\"1\""), "{suite}");
}

#[test]
fn issue34_item12_an_area_path_with_control_characters_is_printed_escaped() {
    let t = scratch();
    let odd = t.path().join("o\x1b[31mdd\nx");
    copy_area("fixtures/slab-a-daily", &odd);
    let o = catstage().current_dir(t.path()).arg("validate").arg("o\x1b[31mdd\nx").output().unwrap();
    let out = stdout(&o);
    assert!(!out.contains('\x1b'), "{out:?}");
    assert_eq!(out.lines().count(), 1, "one line: {out:?}");
    assert!(out.starts_with("o\\x1B[31mdd\\x0Ax: 30 volumes"), "{out:?}");
}

#[test]
fn issue35_item03_a_commit_that_deletes_a_volume_file_fails_the_all_areas_hook() {
    let Some(py) = python_with(&["pre_commit"]) else { return };
    if Command::new("git").arg("--version").output().is_err() {
        missing::<()>("git");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    copy_area("fixtures/slab-a-daily", &repo.join("areas/a"));
    let sh = |args: &[&str]| in_repo(&repo, t.path(), args);
    let py = py.display().to_string();
    let run_hook = |id: &str| sh(&[&py, "-m", "pre_commit", "run", id, "--color", "never"]);
    std::fs::write(repo.join(".pre-commit-config.yaml"), local_hooks(&["catstage-validate", "catstage-validate-all"]))
        .unwrap();
    assert_eq!(sh(&["git", "init", "-q", "-b", "main"]).0, 0);
    assert_eq!(sh(&["git", "add", "-A"]).0, 0);
    assert_eq!(sh(&["git", "commit", "-q", "-m", "fixtures"]).0, 0);
    std::fs::remove_file(repo.join("areas/a/VSAD004")).unwrap();
    assert_eq!(sh(&["git", "add", "-A"]).0, 0);
    // The per-file hook is given no file: it cannot see a deletion (documented).
    let (status, out) = run_hook("catstage-validate");
    assert_eq!(status, 0, "{out}");
    let (status, out) = run_hook("catstage-validate-all");
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("CS022"), "{out}");
}

#[test]
fn issue35_item02_recursive_says_what_it_skipped_and_an_empty_directory_is_not_a_pass() {
    let t = scratch();
    let tree = t.path().join("tree");
    copy_area("fixtures/slab-a-daily", &tree.join("a"));
    copy_area("fixtures/err/0004_checksum-mismatch/area", &tree.join(".snapshot"));
    std::os::unix::fs::symlink(t.path().join("bad"), tree.join("linked")).unwrap();
    std::fs::create_dir(tree.join("mnt")).unwrap();
    let (status, out) = run_in(t.path(), &["validate", "-r", "tree"]);
    assert_eq!(status, 2, "an empty directory among areas could not be checked:\n{out}");
    assert!(out.contains("tree/mnt: not checked"), "{out}");
    assert!(out.contains("tree/linked: skipped: a symbolic link to a directory: not followed"), "{out}");
    assert!(out.contains("tree/.snapshot: skipped: a hidden directory"), "{out}");
    let (_, out) = run_in(t.path(), &["validate", "-r", "tree", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["skipped"].as_array().map(Vec::len), Some(2), "{doc:#}");
    let (_, out) = run_in(t.path(), &["validate", "-r", "tree", "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n["level"] == "note" && n["message"]["text"].as_str().unwrap().contains("a hidden directory"))
    );
    // JUnit too: a skipped testcase each, counted as skipped (and the pre-import checks,
    // which had no configuration).
    let (_, out) = run_in(t.path(), &["validate", "-r", "tree", "--format", "junit"]);
    assert!(
        out.contains("<testsuite name=\"(skipped)\" tests=\"3\" failures=\"0\" errors=\"0\" skipped=\"3\">"),
        "{out}"
    );
    assert!(out.contains("<skipped message=\"a symbolic link to a directory: not followed\"/>"), "{out}");
    if let Some(py) = python_with(&["junitparser"]) {
        let file = t.path().join("r.xml");
        std::fs::write(&file, &out).unwrap();
        let script = "import sys, junitparser\nx = junitparser.JUnitXml.fromfile(sys.argv[1])\n\
                      print(sum(1 for s in x for c in s if any(isinstance(r, junitparser.Skipped) for r in c.result)))";
        let o = Command::new(py).args(["-c", script]).arg(&file).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "3", "{}", String::from_utf8_lossy(&o.stderr));
    }
}

/// The recipe files under docs/ci/.
fn recipe(name: &str) -> String {
    std::fs::read_to_string(root().join("docs/ci").join(name)).unwrap()
}

#[test]
fn issue35_item09_the_readme_shows_the_recipe_files_verbatim() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for name in ["github-actions.yml", "gitlab-ci.yml", "pre-commit-config.yaml"] {
        let block = format!("```yaml\n{}```\n", recipe(name));
        assert!(readme.contains(&block), "the README does not show docs/ci/{name} as it is");
    }
    let gh = recipe("github-actions.yml");
    // A complete workflow: triggers, and the repository variable mapped into the shell.
    assert!(gh.contains("\non:\n"), "{gh}");
    assert!(gh.contains("CATSTAGE_GIT: ${{ vars.CATSTAGE_GIT }}"), "{gh}");
    assert!(!recipe("pre-commit-config.yaml").contains("<a tag>"));
}

#[test]
fn issue35_item09_the_recipes_catstage_commands_run_as_a_shell_runs_them() {
    let t = tempfile::tempdir().unwrap();
    copy_area("fixtures/slab-a-daily", &t.path().join("fixtures/good"));
    std::fs::copy(root().join("fixtures/slab-a-daily.toml"), t.path().join("fixtures/good.toml")).unwrap();
    copy_area("fixtures/slab-a-daily", &t.path().join("fixtures/bad"));
    std::fs::remove_file(t.path().join("fixtures/bad/VSAD003")).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_catstage")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let commands: Vec<String> = [recipe("github-actions.yml"), recipe("gitlab-ci.yml")]
        .iter()
        .flat_map(|r| r.lines().map(str::to_string).collect::<Vec<_>>())
        .filter_map(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_start_matches("run: ");
            l.starts_with("catstage ").then(|| l.to_string())
        })
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    for cmd in &commands {
        let o = Command::new("sh").arg("-c").arg(cmd).current_dir(t.path()).env("PATH", &path).output().unwrap();
        assert_eq!(code(&o), 1, "{cmd}: the damaged area fails the job\n{}", String::from_utf8_lossy(&o.stderr));
    }
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("catstage.sarif")).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "CS022"), "{sarif:#}");
    let junit = std::fs::read_to_string(t.path().join("catstage-junit.xml")).unwrap();
    assert!(junit.starts_with("<?xml") && junit.contains("CS022"), "{junit}");
    // The pre-commit configuration is one pre-commit takes.
    let Some(py) = python_with(&["pre_commit"]) else { return };
    let o = Command::new(py)
        .args(["-m", "pre_commit", "validate-config"])
        .arg(root().join("docs/ci/pre-commit-config.yaml"))
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn issue35_item08_a_label_list_finding_is_reported_once_not_per_area() {
    let t = tempfile::tempdir().unwrap();
    copy_area("fixtures/slab-a-daily", &t.path().join("a"));
    copy_area("fixtures/slab-a-daily", &t.path().join("b"));
    std::fs::write(t.path().join("labels.txt"), "ZZ0001\nnot a label!\n").unwrap();
    let (_, out) = run_in(t.path(), &["validate", "a", "b", "--labels", "labels.txt", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let about_labels: usize = doc["areas"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["diagnostics"].as_array().unwrap())
        .filter(|d| d["file"] == "labels.txt")
        .count();
    assert_eq!(about_labels, 1, "{doc:#}");
}

#[test]
fn issue31_a_check_without_its_input_is_said_not_checked_in_every_format() {
    let t = scratch();
    for (args, check) in [
        (vec!["status", "good"], "baseline comparison"),
        (vec!["keys", "good"], "key managers on the secondary"),
        (vec!["plan", "good", "--config", "good.toml", "--type", "full"], "deletions (R15)"),
        (vec!["validate", "good"], "pre-import checks"),
    ] {
        let (_, out) = run_in(t.path(), &[&args[..], &["--format", "json"]].concat());
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let coverage = if args[0] == "validate" { &doc["summary"]["coverage"] } else { &doc["coverage"] };
        if args[0] != "validate" {
            assert_eq!(coverage[check]["state"], "not_checked", "{args:?}: {doc:#}");
        }
        let (_, out) = run_in(t.path(), &args);
        assert!(
            out.contains(&format!("not checked: {check} (for want of")) || args[0] == "validate",
            "{args:?}: {out}"
        );
        let (_, out) = run_in(t.path(), &[&args[..], &["--format", "sarif"]].concat());
        let log: serde_json::Value = serde_json::from_str(&out).unwrap();
        let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
        assert!(
            notes.iter().any(|n| n["level"] == "note"
                && n["message"]["text"].as_str().is_some_and(|m| m.starts_with(&format!("not checked: {check}")))),
            "{args:?}: {log:#}"
        );
        assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true, "a note is no failure: {args:?}");
        let (_, out) = run_in(t.path(), &[&args[..], &["--format", "junit"]].concat());
        assert!(
            out.contains(&format!("name=\"not checked: {check}\">\n      <skipped message=\"for want of")),
            "{args:?}: {out}"
        );
    }
}
