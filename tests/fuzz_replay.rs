//! Replays `fixtures/fuzz/<target>/` — the seed corpora and every input a fuzzer ever
//! crashed on — through the checks the fuzz targets make (`fuzz/src/`, included here as a
//! module, so that they are compiled into the tests and the fuzz crate, never into the
//! library), in process, so that CI runs them without cargo-fuzz or a nightly toolchain.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code, unused_imports)]
mod checks;

use checks::{TARGETS, Target, target};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz")
}

/// The inputs of `name`, sorted; fails when the directory is missing or empty.
fn inputs(name: &str) -> Vec<PathBuf> {
    let dir = fixtures().join(name);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    files
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    match (p.downcast_ref::<&str>(), p.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "a panic without a message".to_string(),
    }
}

fn replay(name: &str) {
    let t = target(name).unwrap_or_else(|| panic!("no fuzz target {name}"));
    let mut failures = Vec::new();
    for path in inputs(t.name) {
        let bytes = std::fs::read(&path).unwrap();
        match catch_unwind(AssertUnwindSafe(|| (t.check)(&bytes))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("{}: {e}", path.display())),
            Err(p) => failures.push(format!("{}: panicked: {}", path.display(), panic_message(p.as_ref()))),
        }
    }
    assert!(failures.is_empty(), "{} of the {name} inputs fail:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn summary() {
    replay("summary");
}

#[test]
fn volume() {
    replay("volume");
}

#[test]
fn manifest() {
    replay("manifest");
}

#[test]
fn config() {
    replay("config");
}

#[test]
fn definition() {
    replay("definition");
}

#[test]
fn package() {
    replay("package");
}

#[test]
fn package_structured() {
    replay("package_structured");
}

/// Every target has a test above, a fuzz target binary and a fixtures directory, and
/// every fixtures directory belongs to a target.
#[test]
fn targets_fuzz_binaries_and_fixtures_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let this = std::fs::read_to_string(root.join("tests/fuzz_replay.rs")).unwrap();
    let cargo = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    for Target { name, .. } in TARGETS {
        assert!(this.contains(&format!("replay(\"{name}\")")), "no replay test for {name}");
        assert!(cargo.contains(&format!("name = \"{name}\"")), "fuzz/Cargo.toml has no [[bin]] {name}");
        assert!(root.join(format!("fuzz/fuzz_targets/{name}.rs")).is_file(), "no fuzz/fuzz_targets/{name}.rs");
    }
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(target(&name).is_some(), "fixtures/fuzz/{name} belongs to no fuzz target");
    }
}
