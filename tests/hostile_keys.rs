//! Unknown keys are legal in every record (formats/README.md §6), so a line may carry
//! thousands of them: the reader finds duplicates among them without comparing each key
//! with every one before it (issue 34 item 1). The timings live in bench/; these tests
//! pin the verdicts on lines of that size.

use crate::support::{code, codes, copy_area, json, p, read_area, rehash_entry, reseal, run, tmp, write_area};

/// A `volume` line of VSAD001 followed by `n` distinct unknown keys (and `extra`).
fn with_unknown_keys(n: usize, extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tmp();
    let area = copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    let mut files = read_area(&area);
    let text = String::from_utf8(crate::support::content(&files["VSAD001"]).to_vec()).unwrap();
    let keys: String = (0..n).map(|i| format!(" k{i:05}=1")).collect();
    let text: String = text
        .lines()
        .map(|l| if l.starts_with("volume ") { format!("{l}{keys}{extra}\n") } else { format!("{l}\n") })
        .collect();
    files.insert("VSAD001".into(), reseal(text.as_bytes()));
    rehash_entry(&mut files, "FULL", "VSAD001");
    write_area(&area, &files);
    (dir, area)
}

#[test]
fn issue34_item01_a_line_of_thousands_of_distinct_unknown_keys_is_read_whole() {
    let (_dir, area) = with_unknown_keys(6_000, "");
    let o = run(&["validate", p(&area), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", crate::support::stdout(&o));
}

#[test]
fn issue34_item01_a_duplicate_among_thousands_of_unknown_keys_is_found() {
    let (_dir, area) = with_unknown_keys(6_000, " k00017=2");
    let o = run(&["validate", p(&area), "--format", "json"]);
    assert_eq!(code(&o), 1);
    let doc = json(&o);
    assert_eq!(codes(&doc), ["CS010"], "{doc:#}");
    assert!(doc["diagnostics"][0]["message"].as_str().unwrap().contains("`k00017` appears twice"));
}
