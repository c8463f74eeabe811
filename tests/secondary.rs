//! The secondary as a whole (issue 33): what the pre-import checks know of the secondary's
//! catalogs beyond one staging area and one configuration, each case named after what was
//! measured.

use crate::support::{code, codes, json, p, run, tmp};

/// The bundled fixture's configuration edited by `f`, written under `dir`.
fn config(dir: &std::path::Path, f: impl FnOnce(String) -> String) -> std::path::PathBuf {
    let text = std::fs::read_to_string(crate::support::root().join("fixtures/slab-a-daily.toml")).unwrap();
    let path = dir.join("sec.toml");
    std::fs::write(&path, f(text)).unwrap();
    path
}

#[test]
fn issue33_item11_cs311_ignores_the_disk_files_of_volumes_whose_secondary_group_keeps_none() {
    let dir = tmp();
    let no_replacement =
        |t: String| t.replace("node_replacement = [[\"\\\\ETINIUM\", \"\\\\INSIDX\"]]", "node_replacement = []");
    let cfg = config(dir.path(), no_replacement);
    let o = run(&["validate", "fixtures/slab-a-daily", "--config", p(&cfg), "--format", "json"]);
    assert!(codes(&json(&o)).contains(&"CS311".to_string()), "the DSMTC groups' disk files are reported");
    // Every secondary group keeps no DSM/TC entries: their disk files never reach MEDIACOM.
    let cfg = config(dir.path(), |t| no_replacement(t).replace("catalog = \"DSMTC\"", "catalog = \"NONE\""));
    let o = run(&["validate", "fixtures/slab-a-daily", "--config", p(&cfg), "--format", "json"]);
    let found = codes(&json(&o));
    assert!(!found.contains(&"CS311".to_string()), "{found:?}");
    assert!(code(&o) <= 1);
}
