//! Issue 15, items 2 to 8: every verdict, exit status and count means what it says on the
//! command line (item 1, diff's, is in tests/diff.rs; items 9 to 22 in tests/rules.rs and
//! tests/plan.rs). Each test is named after its item.

use crate::support::{self, code, codes, json, p, run, stderr, stdout, tmp};
use std::process::Stdio;

#[test]
fn issue15_item02_against_and_baseline_must_name_staging_areas() {
    let dir = tmp();
    let empty = dir.path().join("mnt");
    std::fs::create_dir(&empty).unwrap();
    let holder = dir.path().join("stage");
    support::write_area(&holder.join("SLABA"), &support::slab::files());
    for (args, flag) in [
        (
            vec!["validate", "fixtures/slab-a-daily", "--config", "fixtures/slab-a-daily.toml", "--against", p(&empty)],
            "--against",
        ),
        (
            vec![
                "plan",
                "fixtures/slab-a-daily",
                "--config",
                "fixtures/slab-a-daily.toml",
                "--type",
                "full",
                "--baseline",
                p(&empty),
            ],
            "--baseline",
        ),
        (vec!["status", "fixtures/slab-a-daily", "--baseline", p(&holder)], "--baseline"),
    ] {
        let o = run(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stdout(&o));
        assert!(stderr(&o).contains(&format!("{flag}: ")), "{}", stderr(&o));
        assert!(stderr(&o).contains("is not a staging area"), "{}", stderr(&o));
        let mut with_json = args.clone();
        with_json.extend(["--format", "json"]);
        let doc = json(&run(&with_json));
        assert_eq!((doc["status"].as_u64(), codes(&doc)), (Some(2), vec!["CS091".to_string()]));
    }
    let o = run(&["status", "fixtures/slab-a-daily", "--baseline", p(&holder)]);
    assert!(stderr(&o).contains("but it holds a directory that looks like one: SLABA"), "{}", stderr(&o));
}

#[test]
fn issue15_item02_a_directory_that_is_not_an_area_is_refused_naming_the_areas_in_it() {
    let o = run(&["validate", "fixtures/ok"]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).is_empty(), "no findings about the sub-directories: {}", stdout(&o));
    assert!(
        stderr(&o).contains(
            "fixtures/ok is not a staging area (no FULL, no volume files), but it holds directories that look like \
             one"
        ) && stderr(&o).contains("0001_mini"),
        "{}",
        stderr(&o)
    );
    let o = run(&["validate", "/"]);
    assert_eq!(code(&o), 2);
    assert!(!stdout(&o).contains("CS027"), "no advice to remove /etc: {}", stdout(&o));
    assert!(stderr(&o).contains("/ is not a staging area"), "{}", stderr(&o));
    let dir = tmp();
    let o = run(&["validate", p(dir.path())]);
    assert_eq!(code(&o), 2, "an empty directory (an unmounted mount point) is not an area");
    assert!(
        stderr(&o).contains("is not a staging area: it is empty (which is what an unmounted mount point looks like)")
    );
}

/// Runs catstage with its stdout a pipe whose reader is gone before anything is written.
fn with_closed_stdout(args: &[&str]) -> i32 {
    let mut child = support::catstage().args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    drop(child.stdout.take());
    child.wait().unwrap().code().unwrap_or(-1)
}

#[test]
fn issue15_item03_a_closed_output_pipe_never_changes_the_exit_status() {
    let area = "fixtures/err/0004_checksum-mismatch/area";
    for _ in 0..10 {
        assert_eq!(with_closed_stdout(&["validate", area]), 1, "findings are findings");
        assert_eq!(with_closed_stdout(&["validate", area, "--format", "json"]), 1);
        assert_eq!(with_closed_stdout(&["validate", "fixtures/slab-a-daily"]), 0);
        assert_eq!(with_closed_stdout(&["diff", "fixtures/slab-a-daily", area]), 2, "damage");
        assert_eq!(with_closed_stdout(&["validate", "nowhere", "--format", "json"]), 2);
    }
}

#[test]
fn issue15_item04_an_unusable_configuration_is_could_not_run_everywhere() {
    let dir = tmp();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[store]\nid = \"X\"\naccess = \n").unwrap();
    for args in [
        vec!["validate", "fixtures/slab-a-daily", "--config", p(&bad)],
        vec!["plan", "fixtures/slab-a-daily", "--config", p(&bad), "--type", "full"],
        vec!["keys", "fixtures/slab-a-daily", "--config", p(&bad)],
        vec!["status", "fixtures/slab-a-daily", "--config", p(&bad)],
        vec!["images", "fixtures/slab-a-daily", "--config", p(&bad), "--path", "."],
        vec!["replace-nodes", "fixtures/slab-a-daily", "--config", p(&bad), "--dry-run", "--in-place"],
    ] {
        let o = run(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}{}", stdout(&o), stderr(&o));
        assert!(stderr(&o).contains("error[CS315]"), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("the configuration cannot be used (1 error); nothing was checked"), "{args:?}");
        assert!(!stdout(&o).contains("30 volumes"), "not counted against the staging area: {}", stdout(&o));
        let mut with_json = args.clone();
        with_json.extend(["--format", "json"]);
        let doc = json(&run(&with_json));
        assert_eq!(doc["status"], 2);
        assert_eq!(codes(&doc), ["CS315", "CS090"]);
        assert_eq!(doc["diagnostics"][0]["file"], p(&bad));
    }
}

#[test]
fn issue15_item05_every_instance_of_a_rolled_up_finding_on_request() {
    // The bundled area against a copy of itself: all 30 labels are known elsewhere.
    let dir = tmp();
    let other = dir.path().join("other");
    support::write_area(&other, &support::slab::files());
    let base = ["validate", "fixtures/slab-a-daily", "--config", "fixtures/slab-a-daily.toml", "--against", p(&other)];
    let rolled = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args.extend(["--format", "json"]);
        let doc = json(&run(&args));
        let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS202").cloned().unwrap();
        (d["count"].as_u64().unwrap(), d["examples"].as_array().unwrap().len())
    };
    assert_eq!(rolled(&[]), (30, 5), "by default, the first five");
    assert_eq!(rolled(&["--all"]), (30, 30));
    assert_eq!(rolled(&["--max-examples", "2"]), (30, 2));
    let mut args = base.to_vec();
    args.push("--all");
    let text = stdout(&run(&args));
    assert!(text.contains("SARD15") && text.contains("SAD001"), "every label in the text: {text}");
}

/// A generated area whose largest volume file has every DISKFILE's status refused (sealed
/// again, so that the values are its only findings); the file's name and how many
/// findings were rolled up (those beyond the ten of one code kept whole).
fn area_with_repeated_findings(dir: &std::path::Path) -> (String, u64) {
    let area = dir.join("a");
    let config = dir.join("a.toml");
    let o = run(&["generate", "-o", p(&area), "--volumes", "3", "--diskfiles", "30", "--secondary-config", p(&config)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut files = support::read_area(&area);
    let diskfiles = |b: &[u8]| String::from_utf8_lossy(b).matches("\ndiskfile ").count();
    let (name, bytes) = files.iter().filter(|(n, _)| n.starts_with('V')).max_by_key(|(_, b)| diskfiles(b)).unwrap();
    let (name, n) = (name.clone(), diskfiles(bytes) as u64);
    assert!(n > 20, "{n} disk files");
    let edited = support::edit_lines(bytes, |lines| {
        for l in lines.iter_mut().filter(|l| l.starts_with("diskfile ")) {
            *l = l.replace("status=VALID", "status=BOGUS");
        }
    });
    files.insert(name.clone(), support::reseal(&edited));
    support::rehash_entry(&mut files, "FULL", &name);
    support::write_area(&area, &files);
    (name, n - catstage::diag::FULL_REPORTS_PER_CODE as u64)
}

#[test]
fn issue31_every_command_lists_as_many_examples_as_asked() {
    let dir = tmp();
    let (file, rolled) = area_with_repeated_findings(dir.path());
    let (a, config) = (dir.path().join("a"), dir.path().join("a.toml"));
    let commands: Vec<Vec<&str>> = vec![
        vec!["validate", p(&a)],
        vec!["validate", p(&a), "--config", p(&config)],
        vec!["keys", p(&a)],
        vec!["status", p(&a)],
        vec!["plan", p(&a), "--config", p(&config), "--type", "full"],
        vec!["seal", p(&a), &file],
        vec!["replace-nodes", p(&a), "--map", "\\SYNTH=\\OTHER", "--in-place", "--dry-run"],
    ];
    for args in commands {
        let listed = |extra: &[&str]| {
            let doc = json(&run(&[&args[..], extra, &["--format", "json"]].concat()));
            let d = doc["diagnostics"].as_array().and_then(|a| a.iter().find(|d| d["count"] == rolled).cloned());
            let d = d.unwrap_or_else(|| panic!("{args:?}: no finding rolling up {rolled}: {doc:#}"));
            d["examples"].as_array().map_or(0, Vec::len) as u64
        };
        assert_eq!(listed(&[]), 5.min(rolled), "{args:?}: by default, the first five");
        assert_eq!(listed(&["--max-examples", "2"]), 2, "{args:?}");
        assert_eq!(listed(&["--all"]), rolled, "{args:?}");
    }
}

#[test]
fn issue15_item06_with_format_json_every_run_prints_one_document() {
    for (args, schema, code_) in [
        (vec!["validate", "nope", "--format", "json"], "catstage.validate/1", "CS091"),
        (vec!["keys", "nope", "--format", "json"], "catstage.keys/1", "CS091"),
        (vec!["diff", "fixtures/slab-a-daily", "nope", "--format", "json"], "catstage.diff/2", "CS091"),
        (vec!["verify", "nope.tar.zst", "--format", "json"], "catstage.verify/1", "CS090"),
        (
            vec!["validate", "fixtures/slab-a-daily", "--no-such-flag", "--format", "json"],
            "catstage.validate/1",
            "CS090",
        ),
        (vec!["plan", "fixtures/slab-a-daily", "--format", "json"], "catstage.plan/2", "CS090"),
    ] {
        let o = run(&args);
        assert_eq!(code(&o), 2, "{args:?}");
        let doc = json(&o);
        assert_eq!(doc["schema"], schema, "{args:?}");
        assert_eq!(codes(&doc), [code_], "{args:?}");
        assert!(!stderr(&o).is_empty(), "the reason on stderr too, for the log");
    }
    // `jq .summary` of a run that could not run prints null, never nothing.
    let doc = json(&run(&["validate", "nope", "--format", "json"]));
    assert!(doc["summary"].is_null());
}

#[test]
fn issue15_item07_q_on_every_reporting_command_and_type_in_any_case() {
    let dir = tmp();
    let pkg = dir.path().join("p.tar.zst");
    let runs: Vec<Vec<String>> = [
        vec!["validate", "fixtures/slab-a-daily", "-q"],
        vec!["diff", "fixtures/slab-a-daily", "fixtures/slab-a-daily", "-q"],
        vec!["plan", "fixtures/slab-a-daily", "--config", "fixtures/slab-a-daily.toml", "--type", "FULL", "-q"],
        vec!["keys", "fixtures/slab-a-daily", "-q"],
        vec!["status", "fixtures/slab-a-daily", "-q"],
        vec!["replace-nodes", "fixtures/slab-a-daily", "--map", "\\ETINIUM=\\INSIDX", "--in-place", "--dry-run", "-q"],
        vec!["pack", "fixtures/slab-a-daily", "-o", p(&pkg), "-q"],
        vec!["verify", p(&pkg), "-q"],
        vec!["unpack", p(&pkg), "--into", p(&dir.path().join("into")), "-q"],
        vec!["seal", p(&dir.path().join("into")), "FULL", "-q"],
        vec![
            "sync",
            "--definition",
            "fixtures/sync/slab-a-daily-csv.toml",
            "--source",
            "fixtures/sync/slab-a-daily-csv.csv",
            p(&dir.path().join("synced")),
            "--type",
            "Full",
            "--created",
            "2022-01-05T17:44:48-05:00",
            "-q",
        ],
    ]
    .into_iter()
    .map(|a| a.into_iter().map(String::from).collect())
    .collect();
    for args in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert_eq!((stdout(&o).as_str(), stderr(&o).as_str()), ("", ""), "{args:?} prints nothing with -q");
    }
}

#[test]
fn issue15_item08_a_plain_validate_says_it_checked_the_structure_only() {
    let o = run(&["validate", "fixtures/slab-a-daily"]);
    assert_eq!(
        stdout(&o),
        "fixtures/slab-a-daily: 30 volumes, 0 errors, 0 warnings; structure only (add --config for the pre-import \
         checks)\n"
    );
    assert_eq!(json(&run(&["validate", "fixtures/slab-a-daily", "--format", "json"]))["summary"]["pre_import"], false);
    // With a configuration but no list of the labels the secondary knows, the check of
    // labels against its catalogs had no input, and the line says so (issue 33 item 3).
    let o = run(&["validate", "fixtures/slab-a-daily", "--config", "fixtures/slab-a-daily.toml"]);
    assert_eq!(
        stdout(&o),
        "fixtures/slab-a-daily: 30 volumes, 0 errors, 0 warnings; pre-import checks incomplete, not checked: labels \
         in other catalogs (R1), for want of --labels or --against\n"
    );
    let o = run(&crate::support::FIXTURE_COMPLETE);
    assert_eq!(stdout(&o), "fixtures/slab-a-daily: 30 volumes, 0 errors, 0 warnings\n");
}
