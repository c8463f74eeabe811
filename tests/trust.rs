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
