//! The command line: exit statuses, JSON documents, help, and the writers' refusals,
//! run against the real binary in temporary directories.

use crate::support::{self, code, p, read_area, run, stderr, stdout, tmp, write_area};
use std::path::Path;

#[test]
fn validate_json_has_the_documented_shape() {
    let o = run(&["validate", "fixtures/err/0004_checksum-mismatch/area", "--format", "json"]);
    assert_eq!(code(&o), 1);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], "catstage.validate/1");
    assert_eq!(doc["summary"]["errors"], 2);
    assert_eq!(doc["summary"]["warnings"], 0);
    assert_eq!(doc["summary"]["volumes"], 5);
    let d = &doc["diagnostics"][1];
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "name", "severity", "file", "line", "column", "message", "hint"], "the documented order");
    assert_eq!(d["code"], "CS004");
    assert_eq!(d["name"], "checksum-mismatch");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "VSAD001");
    assert_eq!(d["line"], 20);
    assert_eq!(d["column"], 21);
    // A finding about a whole file has no line or column.
    assert_eq!(doc["diagnostics"][0]["line"], serde_json::Value::Null);
}

#[test]
fn validate_rolls_up_repeated_findings_with_count_and_examples() {
    let dir = tmp();
    let area = dir.path().join("a");
    let mut files = support::cases::mini();
    // Damage every disk file line of one volume the same way.
    let v = String::from_utf8(files["VSAD001"].clone()).unwrap().replace(" status=VALID\n", " status=VALID x\n");
    files.insert("VSAD001".into(), support::reseal(v.as_bytes()));
    write_area(&area, &files);
    let o = run(&["validate", p(&area), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rolled: Vec<&serde_json::Value> =
        doc["diagnostics"].as_array().unwrap().iter().filter(|d| d.get("count").is_some()).collect();
    assert_eq!(rolled.len(), 1, "{doc:#}");
    assert_eq!(rolled[0]["code"], "CS001");
    let examples = rolled[0]["examples"].as_array().unwrap();
    let count = rolled[0]["count"].as_u64().unwrap();
    assert_eq!(examples.len() as u64, count.min(5));
    assert_eq!(examples[0], "16:172", "examples are line:column");
    let total: u64 = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "CS001")
        .map(|d| d.get("count").and_then(|c| c.as_u64()).unwrap_or(1))
        .sum();
    assert_eq!(total, 14, "every damaged line is counted (VSAD001 has 14 disk files)");
    assert_eq!(doc["summary"]["errors"].as_u64().unwrap(), total + 1, "plus the entry hash mismatch");
}

#[test]
fn validate_cannot_run_on_a_missing_path_or_a_file() {
    let o = run(&["validate", "fixtures/no-such-area"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no such staging area"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let o = run(&["validate", "fixtures/slab-a-daily/FULL"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&run(&[])), 2);
    assert_eq!(code(&run(&["validate"])), 2);
    assert_eq!(code(&run(&["validate", "fixtures/slab-a-daily", "--format", "xml"])), 2);
    assert_eq!(code(&run(&["frobnicate"])), 2);
}

#[test]
fn warnings_pass_unless_denied_and_quiet_prints_nothing() {
    let area = "fixtures/err/0024_orphan-volume-file/area";
    assert_eq!(code(&run(&["validate", area])), 0);
    assert_eq!(code(&run(&["validate", area, "--deny-warnings"])), 1);
    let o = run(&["validate", area, "-q", "--deny-warnings"]);
    assert_eq!(code(&o), 1);
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    let o = run(&["validate", "fixtures/slab-a-daily", "--quiet"]);
    assert_eq!(code(&o), 0);
    assert!(o.stdout.is_empty());
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let area = "fixtures/err/0004_checksum-mismatch/area";
    assert!(!stdout(&run(&["validate", area])).contains('\x1b'));
    assert!(stdout(&run(&["--color", "always", "validate", area])).contains("\x1b[1;31merror"));
}

#[test]
fn explain_prints_documentation_for_every_code() {
    for c in catstage::diag::Code::ALL {
        let o = run(&["explain", &c.to_string()]);
        assert_eq!(code(&o), 0);
        let text = stdout(&o);
        assert!(text.starts_with(&format!("# {c} {}", c.name())), "{c}: {text}");
        for section in ["## What it means", "## Why it matters", "## How to fix it"] {
            assert!(text.contains(section), "{c} lacks {section}");
        }
    }
    assert_eq!(stdout(&run(&["explain", "checksum-mismatch"])), stdout(&run(&["explain", "cs4"])));
    let o = run(&["explain", "CS999"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("explain --list"));
    let list = stdout(&run(&["explain", "--list"]));
    assert_eq!(list.lines().count(), catstage::diag::Code::ALL.len());
}

#[test]
fn help_teaches_with_examples_and_generated_docs_exist() {
    for cmd in ["validate", "generate", "seal", "explain"] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(code(&o), 0);
        assert!(stdout(&o).contains("Examples:"), "{cmd} --help has no examples");
    }
    let o = run(&["completions", "bash"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("catstage"));
    let o = run(&["manpage"]);
    assert!(stdout(&o).contains(".TH catstage"));
    let o = run(&["manpage", "validate"]);
    assert!(stdout(&o).contains(".TH catstage-validate"));
}

#[test]
fn generate_is_deterministic_and_validates_clean() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        let o =
            run(&["generate", "-o", p(d), "--volumes", "40", "--seed", "7", "--store", "PROD A", "--encrypted", "30"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    assert!(read_area(&a) == read_area(&b), "same arguments, same bytes");
    let o = run(&["validate", p(&a)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o)
            .ends_with("40 volumes, 0 errors, 0 warnings; structure only (add --config for the pre-import checks)\n")
    );
    let full = String::from_utf8(read_area(&a)["FULL"].clone()).unwrap();
    assert!(full.contains("store=\"PROD A\""));
}

#[test]
fn generate_update_leaves_full_and_unchanged_volumes_byte_identical() {
    let dir = tmp();
    let (plain, upd) = (dir.path().join("plain"), dir.path().join("upd"));
    run(&["generate", "-o", p(&plain), "--volumes", "30"]);
    let o = run(&["generate", "-o", p(&upd), "--volumes", "30", "--update", "4"]);
    assert_eq!(code(&o), 0);
    let (a, b) = (read_area(&plain), read_area(&upd));
    assert_eq!(a["FULL"], b["FULL"]);
    let changed: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert_eq!(changed.len(), 4, "exactly the updated volume files differ: {changed:?}");
    assert!(b.contains_key("UPDATE"));
    assert_eq!(code(&run(&["validate", p(&upd)])), 0);
}

#[test]
fn generate_refuses_to_clobber_and_checks_its_arguments() {
    let dir = tmp();
    let out = dir.path().join("busy");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("KEEP"), b"mine").unwrap();
    let o = run(&["generate", "-o", p(&out), "--volumes", "3"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not an empty directory"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "nothing written");
    let o = run(&["generate", "-o", p(&dir.path().join("x")), "--volumes", "100001"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--label-prefix"), "{}", stderr(&o));
    let o = run(&["generate", "-o", p(&dir.path().join("y")), "--volumes", "1000", "--label-prefix", "SAD"]);
    assert_eq!(code(&o), 0, "three digits fit 1,000 volumes");
    let o = run(&["generate", "-o", p(&dir.path().join("z")), "--volumes", "3", "--node", "ETINIUM"]);
    assert_eq!(code(&o), 2);
    // An empty directory is fine.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(code(&run(&["generate", "-o", p(&empty), "--volumes", "3"])), 0);
    assert!(empty.join("FULL").exists());
}

#[test]
fn generate_from_builds_chains_of_exports() {
    let dir = tmp();
    let d = |n: &str| dir.path().join(n);
    run(&["generate", "-o", p(&d("e0")), "--volumes", "20"]);
    let o = run(&["generate", "--from", p(&d("e0")), "-o", p(&d("e1")), "--update", "3", "--add", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(&["generate", "--from", p(&d("e1")), "-o", p(&d("e2")), "--update", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(&["generate", "--from", p(&d("e2")), "-o", p(&d("e3")), "--full", "--remove", "4"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for e in ["e1", "e2", "e3"] {
        let o = run(&["validate", p(&d(e))]);
        assert_eq!(code(&o), 0, "{e}: {}", stdout(&o));
    }
    let (e0, e1, e2, e3) = (read_area(&d("e0")), read_area(&d("e1")), read_area(&d("e2")), read_area(&d("e3")));
    assert_eq!(e0["FULL"], e1["FULL"], "an UPDATE export keeps FULL");
    let volumes = |a: &std::collections::BTreeMap<String, Vec<u8>>| a.keys().filter(|k| k.starts_with('V')).count();
    assert_eq!(volumes(&e1), 22);
    assert_eq!(e1.keys().filter(|k| k.starts_with('V') && e0.get(*k) != Some(&e1[*k])).count(), 5);
    let update = String::from_utf8(e2["UPDATE"].clone()).unwrap();
    assert!(update.lines().filter(|l| l.starts_with("entry ")).count() >= 5, "UPDATE is cumulative");
    assert_eq!(volumes(&e3), 18);
    assert!(!e3.contains_key("UPDATE"), "a FULL export leaves no stale UPDATE");
    let o = run(&["generate", "--from", p(&d("e0")), "-o", p(&d("bad")), "--remove", "1"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--full"), "{}", stderr(&o));
}

#[test]
fn generate_from_refuses_a_damaged_area() {
    let dir = tmp();
    let o = run(&["generate", "--from", "fixtures/err/0004_checksum-mismatch/area", "-o", p(&dir.path().join("n"))]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("errors"), "{}", stderr(&o));
    assert!(!dir.path().join("n").exists());
}

fn slab_copy(dir: &Path) -> std::path::PathBuf {
    let area = dir.join("slab");
    write_area(&area, &support::slab::files());
    area
}

#[test]
fn seal_reseals_a_deliberate_edit_and_updates_its_entry() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    let file = area.join("VSAD004");
    let before = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, before.replace("status=ACTIVE", "status=EXPIRED")).unwrap();
    assert_eq!(code(&run(&["validate", p(&area)])), 1);
    let full_before = std::fs::read(area.join("FULL")).unwrap();
    let o = run(&["seal", p(&area), "VSAD004"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.lines().any(|l| l.starts_with("VSAD004  sealed")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("FULL") && l.contains("sealed")), "{out}");
    let o = run(&["validate", p(&area)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_ne!(std::fs::read(area.join("FULL")).unwrap(), full_before);
    // Sealing again changes nothing.
    let o = run(&["seal", p(&area), "VSAD004"]);
    assert!(stdout(&o).contains("unchanged"));
}

#[test]
fn seal_refuses_damage_besides_the_trailer_and_writes_nothing() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    let file = area.join("VSAD004");
    let text = std::fs::read_to_string(&file).unwrap().replacen(" version=0 ", " version=101 ", 1);
    std::fs::write(&file, &text).unwrap();
    let before = read_area(&area);
    let o = run(&["seal", p(&area), "VSAD004"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("CS008"), "{}", stdout(&o));
    assert!(stdout(&o).contains("nothing was written"));
    assert!(read_area(&area) == before, "a refused seal writes nothing");
    // A file cut short in the middle of a line cannot be sealed either.
    let bytes = std::fs::read(area.join("VSAD005")).unwrap();
    std::fs::write(area.join("VSAD005"), &bytes[..bytes.len() - 100]).unwrap();
    assert_eq!(code(&run(&["seal", p(&area), "VSAD005"])), 1);
}

#[test]
fn seal_never_launders_a_damaged_summary_it_was_not_given() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    let full =
        std::fs::read_to_string(area.join("FULL")).unwrap().replacen("pool=SLAB_A_DAILY", "pool=SLAB_X_DAILY", 1);
    std::fs::write(area.join("FULL"), full).unwrap();
    let text = std::fs::read_to_string(area.join("VSAD004")).unwrap().replace("status=ACTIVE", "status=EXPIRED");
    std::fs::write(area.join("VSAD004"), text).unwrap();
    let o = run(&["seal", p(&area), "VSAD004"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("FULL"));
}

#[test]
fn seal_usage_problems_exit_2() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    std::fs::write(area.join("NOTES"), b"x").unwrap();
    assert_eq!(code(&run(&["seal", p(&area), "VNOPE1"])), 2);
    assert_eq!(code(&run(&["seal", p(&area), "NOTES"])), 2);
    assert_eq!(code(&run(&["seal", p(&area)])), 2);
}

#[test]
fn a_writer_waits_for_no_one_while_another_holds_the_lock() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    // Another writer, in a process of its own, holding the lock.
    let held = support::Paused::at("locked", &["seal", p(&area), "FULL"], &[]);
    assert!(dir.path().join(".slab.catstage-lock").exists(), "the lock lives beside the area");
    let o = run(&["seal", p(&area), "VSAD004"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("another process"), "{}", stderr(&o));
    let o = run(&["validate", p(&area)]);
    assert_eq!(code(&o), 2, "a reader does not read while a writer writes");
    assert_eq!(held.resume().0, 0);
    assert_eq!(code(&run(&["validate", p(&area)])), 0);
    assert!(!dir.path().join(".slab.catstage-lock").exists(), "a writer removes its lock file");
    assert!(support::read_area(&area).keys().all(|k| !k.contains("lock")));
}

#[test]
fn a_writer_given_wait_waits_for_the_lock_and_then_runs() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    let held = support::Paused::at("locked", &["seal", p(&area), "FULL"], &[]);
    // The second writer stops once it has found the lock taken, before it waits.
    let waiting = support::Paused::at("lock-busy", &["seal", "--wait", p(&area), "VSAD004"], &[]);
    assert_eq!(held.resume().0, 0);
    let (status, rest) = waiting.resume();
    assert_eq!(status, 0, "{rest}");
    // A bounded wait gives up with the usual refusal.
    let held = support::Paused::at("locked", &["seal", p(&area), "FULL"], &[]);
    let o = run(&["seal", "--wait=0", p(&area), "VSAD004"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("give --wait"), "{}", stderr(&o));
    assert_eq!(held.resume().0, 0);
}

#[test]
fn a_read_only_command_leaves_git_status_clean() {
    if std::process::Command::new("git").arg("--version").output().is_err() {
        eprintln!("skipped: git is not installed");
        return;
    }
    let dir = tmp();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git").args(args).current_dir(&repo).output().unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    git(&["init", "-q"]);
    let area = slab_copy(&repo);
    std::fs::copy(support::root().join("fixtures/slab-a-daily.toml"), repo.join("slab.toml")).unwrap();
    git(&["add", "."]);
    git(&["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "fixtures"]);
    let other = dir.path().join("other");
    support::write_area(&other, &support::cases::mini());
    for args in [
        vec!["validate", p(&area)],
        vec!["validate", p(&area), "--config", "slab.toml", "--against", p(&other)],
        vec!["diff", p(&area), p(&area)],
        vec!["plan", p(&area), "--config", "slab.toml", "--type", "full", "--baseline", p(&area)],
        vec!["status", p(&area), "--baseline", p(&area)],
        vec!["keys", p(&area)],
    ] {
        let o = support::catstage().args(&args).current_dir(&repo).output().unwrap();
        assert!(code(&o) < 2, "{args:?}: {}", stderr(&o));
    }
    assert_eq!(git(&["status", "--porcelain", "--ignored"]), "", "nothing left in the checkout");
    assert!(!dir.path().join(".other.catstage-lock").exists());
}

#[test]
fn the_readme_lists_every_code_and_command() {
    let readme = std::fs::read_to_string(support::root().join("README.md")).unwrap();
    for c in catstage::diag::Code::ALL {
        let row = format!("| {c} | {} | {}", c.name(), c.default_severity().as_str());
        assert!(readme.contains(&row), "README.md lacks the row of {c}: {row}");
    }
    let help = stdout(&run(&["--help"]));
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   ")) // a wrapped description
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(commands.len() >= 8, "{help}");
    for cmd in commands {
        assert!(readme.contains(&format!("`catstage {cmd}")), "README.md does not mention `catstage {cmd}`");
    }
}

#[test]
fn a_writer_that_replaced_the_area_during_a_read_makes_the_reader_say_so() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    // The reader has read everything and is about to check the area again.
    let reader = support::Paused::at("before-recheck", &["validate", p(&area)], &[]);
    // A writer replaces the area meanwhile: the reader held no lock (none existed).
    let v = area.join("VSAD004");
    let text = std::fs::read_to_string(&v).unwrap();
    std::fs::write(&v, text.replacen("status=VALID", "status=INVALID", 1)).unwrap();
    let o = run(&["seal", p(&area), "VSAD004"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (status, err) = reader.resume();
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("the staging area changed while it was read"), "{err}");
    assert!(err.contains("run again"), "{err}");
}

#[test]
fn a_writer_that_started_during_a_read_makes_the_reader_say_so() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    let reader = support::Paused::at("before-recheck", &["validate", p(&area), "--format", "json"], &[]);
    let writer = support::Paused::at("locked", &["seal", p(&area), "FULL"], &[]);
    let (status, err) = reader.resume();
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("the staging area changed while it was read"), "{err}");
    assert_eq!(writer.resume().0, 0);
}

/// formats/README.md §5.2: times are compared by the instant they denote. An entry that
/// spells its volume's unload time at another offset is the same fact: `seal` seals it
/// and `validate` then finds nothing. Another instant is another fact, which `validate`
/// names after the seal (seal repairs trailers; it never judges what the edit says).
#[test]
fn an_unload_time_at_another_offset_is_the_same_instant_for_seal_and_validate() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    let full = area.join("FULL");
    let text = std::fs::read_to_string(&full).unwrap();
    let same = text.replacen("unloaded=2021-12-30T22:37:56-05:00", "unloaded=2021-12-31T03:37:56+00:00", 1);
    assert_ne!(same, text);
    std::fs::write(&full, &same).unwrap();
    let o = run(&["seal", p(&area), "FULL"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = run(&["validate", p(&area)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let text = std::fs::read_to_string(&full).unwrap();
    std::fs::write(&full, text.replacen("unloaded=2021-12-31T03:37:56+00:00", "unloaded=2021-12-31T03:37:57+00:00", 1))
        .unwrap();
    let o = run(&["seal", p(&area), "FULL"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = run(&["validate", p(&area)]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains(
            "VSAD001: error[CS030]: VSAD001 disagrees with its entry in FULL: unloaded 2021-12-30T22:37:56-05:00 \
             (entry: 2021-12-31T03:37:57+00:00)"
        ),
        "{}",
        stdout(&o)
    );
}

/// The JSON document of a run, with the temporary directory's path made `DIR`, as a
/// golden file under fixtures/cli.
fn golden_doc(name: &str, o: &std::process::Output, dir: &std::path::Path) {
    let text = stdout(o).replace(dir.to_str().unwrap(), "DIR");
    support::golden(&support::root().join("fixtures/cli").join(name), &text);
}

#[test]
fn a_busy_area_is_one_json_document_with_cs092() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    let held = support::Paused::at("locked", &["seal", p(&area), "FULL"], &[]);
    let o = run(&["validate", p(&area), "--format", "json"]);
    assert_eq!(code(&o), 2);
    golden_doc("validate-area-busy.json", &o, dir.path());
    assert_eq!(held.resume().0, 0);
}

#[test]
fn an_area_changed_while_read_is_one_json_document_with_cs093() {
    let dir = tmp();
    let area = slab_copy(dir.path());
    let reader = support::Paused::at("before-recheck", &["keys", p(&area), "--format", "json"], &[]);
    std::fs::write(area.join("VSAD099"), b"an export landing\n").unwrap();
    let (status, _) = reader.resume();
    assert_eq!(status, 2);
    // The reader's document went to its stdout, which Paused discards: run it again the
    // same way with its stdout kept.
    let o = {
        use std::io::{BufRead, Read};
        let mut child = support::catstage()
            .args(["keys", p(&area), "--format", "json"])
            .env("CATSTAGE_TEST_PAUSE_AT", "before-recheck")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert_eq!(line.trim_end(), "catstage: test: paused at before-recheck");
        std::fs::write(area.join("VSAD098"), b"another export landing\n").unwrap();
        drop(child.stdin.take());
        let mut rest = String::new();
        err.read_to_string(&mut rest).unwrap();
        child.wait_with_output().unwrap()
    };
    assert_eq!(code(&o), 2);
    golden_doc("keys-area-changed.json", &o, dir.path());
}

/// The subcommands, as `catstage --help` lists them.
fn subcommands() -> Vec<String> {
    let help = stdout(&run(&["--help"]));
    let list = help.split("Commands:\n").nth(1).unwrap().split("\n\n").next().unwrap();
    // A name at two spaces; a description's continuation lines are indented further.
    list.lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn issue35_item10_help_examples_fit_in_100_columns_so_no_terminal_splits_a_command() {
    let subs = subcommands();
    assert!(subs.len() > 10, "{subs:?}");
    for sub in subs.iter().map(String::as_str).chain([""]) {
        let args: Vec<&str> = if sub.is_empty() { vec!["--help"] } else { vec![sub, "--help"] };
        let help = stdout(&run(&args));
        let after = help.split("Examples:\n").nth(1).unwrap_or_default();
        for l in after.lines() {
            // clap wraps help at the terminal's width, and never wider than 100 columns.
            assert!(l.chars().count() <= 100, "catstage {sub} --help: {} columns: {l}", l.chars().count());
        }
    }
}

#[test]
fn issue35_item10_manual_pages_have_their_sections_a_version_and_are_written_at_once() {
    let version = env!("CARGO_PKG_VERSION");
    let main = stdout(&run(&["manpage"]));
    let sub = stdout(&run(&["manpage", "validate"]));
    for page in [&main, &sub] {
        assert!(page.contains(".SH \"EXIT STATUS\"") || page.contains(".SH EXIT STATUS"), "{page}");
        assert!(page.contains(".SH EXAMPLES"), "{page}");
        assert!(!page.contains(".SH EXTRA"), "{page}");
        assert!(page.contains(&format!("v{version}")) || page.contains(version), "no version:\n{page}");
    }
    assert!(sub.contains(".TH catstage-validate"), "{sub}");
    let dir = tmp();
    let o = run(&["manpage", "--dir", p(dir.path())]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut files: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    let mut want: Vec<String> = subcommands().iter().map(|s| format!("catstage-{s}.1")).collect();
    want.push("catstage.1".into());
    want.sort();
    assert_eq!(files, want);
    let validate = std::fs::read_to_string(dir.path().join("catstage-validate.1")).unwrap();
    assert_eq!(validate, sub, "the page written is the page printed");
}

#[test]
fn issue35_item10_diff_colours_its_volume_lines_as_diff_does() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert_eq!(code(&run(&["generate", "-o", p(&a), "--volumes", "6", "-q"])), 0);
    let o = run(&[
        "generate",
        "--from",
        p(&a),
        "-o",
        p(&b),
        "--full",
        "--update",
        "1",
        "--add",
        "1",
        "--remove",
        "1",
        "-q",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(&["diff", p(&a), p(&b), "--color", "always"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    for (sign, sgr) in [("+ ", "\x1b[32m"), ("- ", "\x1b[31m"), ("~ ", "\x1b[33m")] {
        assert!(out.lines().any(|l| l.starts_with(&format!("{sgr}{sign}"))), "{sign}: {out:?}");
    }
    let plain = stdout(&run(&["diff", p(&a), p(&b), "--color", "never"]));
    assert!(!plain.contains('\x1b'), "{plain:?}");
}
