//! Every JSON document against the README, which is its contract: each schema the README
//! lists has samples here, written by the real binary; every top-level key of a sample is
//! documented for its schema, every documented key appears in one of its samples, and a
//! run that could not run — a usage error included — is one document under its
//! command's schema holding only `schema`, `status` and `diagnostics`.

use crate::support::{catstage, code, copy_area, json, p, root, run, tmp};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The README's top-level keys per schema, and the command each schema belongs to.
struct Contract {
    keys: BTreeMap<String, BTreeSet<String>>,
    command: BTreeMap<String, String>,
}

/// The backticked names at the top level of a key description: outside parentheses,
/// braces and brackets, and before the note of changes from an earlier schema.
fn top_level_names(text: &str) -> BTreeSet<String> {
    let text = text.split("Changes from").next().unwrap_or(text);
    let (mut depth, mut names, mut inside, mut name) = (0i32, BTreeSet::new(), false, String::new());
    for c in text.chars() {
        match c {
            '`' if inside => {
                inside = false;
                if depth == 0 && !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    names.insert(std::mem::take(&mut name));
                }
                name.clear();
            }
            '`' => inside = true,
            _ if inside => name.push(c),
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            _ => {}
        }
    }
    names
}

/// The first backticked name of a table row's key cell, up to its first `.` or `[`; None
/// for a row that describes a nested key (`.code`) or a header.
fn row_key(cell: &str) -> Option<String> {
    let name = cell.trim().strip_prefix('`')?.split('`').next()?;
    let top = name.split(['.', '[']).next()?;
    (!top.is_empty()).then(|| top.to_string())
}

fn readme_contract() -> Contract {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = |from: &str, to: &str| {
        let start = readme.find(from).unwrap_or_else(|| panic!("README: no section {from:?}"));
        let rest = &readme[start..];
        rest[..rest.find(to).unwrap_or_else(|| panic!("README: no {to:?} after {from:?}"))].to_string()
    };
    let mut keys = BTreeMap::new();
    let mut command = BTreeMap::new();
    for (schema, from, to) in [
        ("catstage.validate/1", "### JSON (`--format json`)", "### Several areas"),
        ("catstage.validate/2", "### Several areas", "### The other JSON documents"),
    ] {
        let names: BTreeSet<String> = section(from, to)
            .lines()
            .filter_map(|l| l.strip_prefix('|'))
            .filter_map(|l| row_key(l.split('|').next().unwrap_or("")))
            .collect();
        keys.insert(schema.to_string(), names);
        command.insert(schema.to_string(), "validate".to_string());
    }
    for line in section("### The other JSON documents", "## In CI").lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, schema, cmd, described, ..] = cells[..] else { continue };
        let Some(schema) = schema.strip_prefix('`').and_then(|s| s.strip_suffix('`')) else { continue };
        let cmd = cmd.trim_matches('`');
        let mut names = top_level_names(described);
        names.insert("schema".to_string());
        keys.insert(schema.to_string(), names);
        command.insert(schema.to_string(), cmd.to_string());
    }
    Contract { keys, command }
}

/// Runs catstage in `dir` with `args` and returns its one JSON document.
fn document(dir: &Path, args: &[&str]) -> serde_json::Value {
    let o = catstage().current_dir(dir).args(args).args(["--format", "json"]).output().unwrap();
    assert!(code(&o) <= 2, "{args:?}");
    json(&o)
}

/// A sample of every document that reports work done (not a refusal to run), in a scratch
/// directory with the fixture area, its configuration, a generated area with tape images,
/// a package and a sync definition.
fn samples(dir: &Path) -> Vec<serde_json::Value> {
    copy_area("fixtures/slab-a-daily", &dir.join("a"));
    copy_area("fixtures/slab-a-daily", &dir.join("tree/b"));
    copy_area("fixtures/slab-a-daily", &dir.join("tree/.hidden"));
    std::fs::copy(root().join("fixtures/slab-a-daily.toml"), dir.join("a.toml")).unwrap();
    let generate = ["generate", "-o", "img", "--volumes", "5", "--images", "paths", "-q"];
    assert_eq!(code(&catstage().current_dir(dir).args(generate).output().unwrap()), 0);
    let sync_def = root().join("fixtures/sync/slab-a-daily-csv.toml");
    let sync_src = root().join("fixtures/sync/slab-a-daily-csv.csv");
    let d = |args: &[&str]| document(dir, args);
    vec![
        d(&["validate", "a", "--config", "a.toml"]),
        d(&["validate", "a", "nowhere"]),
        d(&["validate", "-r", "tree"]),
        d(&["keys", "a", "--config", "a.toml"]),
        d(&["status", "a", "--baseline", "a"]),
        d(&["status", "img", "--image-path", "paths/path1"]),
        d(&["diff", "a", "tree/b"]),
        d(&["plan", "a", "--config", "a.toml", "--type", "full"]),
        d(&["replace-nodes", "a", "--map", "\\etinium=\\insidx", "-o", "renamed"]),
        d(&["sync", "--definition", p(&sync_def), "--source", p(&sync_src), "synced", "--type", "full"]),
        d(&["pack", "a", "-o", "a.tar.zst"]),
        d(&["verify", "a.tar.zst"]),
        d(&["unpack", "a.tar.zst", "--into", "unpacked"]),
        d(&["unpack", "nothing.tar.zst", "--into", "refused"]),
        d(&["seal", "a", "VSAD004"]),
        d(&["images", "img", "--path", "paths/path1"]),
    ]
}

#[test]
fn every_document_has_the_keys_the_readme_documents() {
    let contract = readme_contract();
    let t = tmp();
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for doc in samples(t.path()) {
        let schema = doc["schema"].as_str().unwrap_or_else(|| panic!("no schema: {doc:#}")).to_string();
        let documented = contract.keys.get(&schema).unwrap_or_else(|| panic!("{schema} is not in the README"));
        for key in doc.as_object().unwrap().keys() {
            assert!(
                documented.contains(key) || key == "status" && doc["diagnostics"].is_array(),
                "{schema}: top-level key `{key}` is not in the README's list {documented:?}"
            );
            seen.entry(schema.clone()).or_default().insert(key.clone());
        }
    }
    for (schema, documented) in &contract.keys {
        let seen = seen.get(schema).unwrap_or_else(|| panic!("no sample of {schema}"));
        let unseen: Vec<&String> = documented.difference(seen).collect();
        assert!(unseen.is_empty(), "{schema}: documented but in no sample: {unseen:?}");
    }
}

#[test]
fn every_command_that_cannot_run_says_so_under_its_own_schema() {
    let contract = readme_contract();
    for (schema, command) in &contract.command {
        for args in [vec![command.as_str(), "--no-such-option"], vec![command.as_str(), "/nowhere/at/all"]] {
            let o = run(&[&args[..], &["--format", "json"]].concat());
            assert_eq!(code(&o), 2, "{args:?}");
            let doc = json(&o);
            let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, ["schema", "status", "diagnostics"], "{args:?}: {doc:#}");
            let expected = if command == "validate" { "catstage.validate/1" } else { schema.as_str() };
            assert_eq!(doc["schema"], expected, "{args:?}");
            assert_eq!(doc["status"], 2, "{args:?}");
        }
    }
}
