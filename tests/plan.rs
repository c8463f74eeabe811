//! `catstage plan` on the bundled fixture: golden import reports for a first import, a
//! re-import of the same export, an import over a baseline with 3 changed, 2 removed and
//! 1 added volume (FULL and UPDATE), without DISKFILEs, and a FULL import deleting more
//! than allowed. `CATSTAGE_BLESS=1` rewrites the expected outputs and the baseline.

use crate::support::{self, golden, root, run, slab, stdout};
use serde_json::Value;

const CONFIG: &str = "fixtures/slab-a-daily.toml";
const BASELINE: &str = "fixtures/plan/baseline-3c-2r-1a";

/// Name and extra arguments of each golden case.
const CASES: &[(&str, &[&str])] = &[
    ("full-first-import", &["--type", "full"]),
    ("full-against-itself", &["--type", "full", "--baseline", "fixtures/slab-a-daily"]),
    ("full-against-baseline", &["--type", "full", "--baseline", BASELINE]),
    ("update-against-baseline", &["--type", "update", "--baseline", BASELINE]),
    ("full-catalogfiles-no", &["--type", "full", "--baseline", BASELINE, "--catalogfiles", "no"]),
    ("full-beyond-max-deletions", &["--type", "full", "--baseline", BASELINE, "--max-deletions", "1"]),
];

fn baseline_is_current() {
    let dir = root().join(BASELINE);
    let files = slab::baseline_3c_2r_1a();
    if support::blessing() {
        let _ = std::fs::remove_dir_all(&dir);
        support::write_area(&dir, &files);
    }
    assert!(support::read_area(&dir) == files, "{BASELINE} differs from its recipe (CATSTAGE_BLESS=1 rewrites it)");
}

/// Runs a case and checks its text and JSON against the golden files; returns the JSON.
fn case(name: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["plan", "fixtures/slab-a-daily", "--config", CONFIG];
    args.extend_from_slice(extra);
    let text = run(&args);
    args.extend_from_slice(&["--format", "json"]);
    let json = run(&args);
    golden(&root().join(format!("fixtures/plan/{name}.txt")), &stdout(&text));
    golden(&root().join(format!("fixtures/plan/{name}.json")), &stdout(&json));
    assert_eq!(text.status.code(), json.status.code(), "{name}");
    (json.status.code().unwrap_or(-1), serde_json::from_slice(&json.stdout).unwrap())
}

/// Per secondary group: (backpak added/updated/deleted, dsmtc added/updated/deleted).
fn counts(doc: &Value) -> Vec<(String, [u64; 3], [u64; 3])> {
    doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let c = |k: &str| {
                [g[k]["added"].as_u64().unwrap(), g[k]["updated"].as_u64().unwrap(), g[k]["deleted"].as_u64().unwrap()]
            };
            (g["group"].as_str().unwrap().to_string(), c("backpak"), c("dsmtc"))
        })
        .collect()
}

fn actions(doc: &Value) -> Vec<(String, String)> {
    doc["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["action"] != "unchanged")
        .map(|v| (v["label"].as_str().unwrap().to_string(), v["action"].as_str().unwrap().to_string()))
        .collect()
}

const DAILY: &str = "VG_2ND_SLAB_A-DAILY";
const BRCOM: &str = "VG_2ND_SLAB_A_BRCOM-DAILY";

#[test]
fn plans_of_the_bundled_fixture() {
    baseline_is_current();
    let mut docs = std::collections::BTreeMap::new();
    for (name, extra) in CASES {
        docs.insert(*name, case(name, extra));
    }

    let (status, doc) = &docs["full-first-import"];
    assert_eq!(*status, 0);
    assert_eq!(doc["schema"], "catstage.plan/1");
    assert_eq!(actions(doc).len(), 30);
    assert!(actions(doc).iter().all(|(_, a)| a == "add"));
    assert_eq!(counts(doc), [(DAILY.into(), [15, 0, 0], [15, 0, 0]), (BRCOM.into(), [15, 0, 0], [15, 0, 0])]);
    assert_eq!(doc["groups"][0]["newest_volume"]["label"], "SAD012");
    assert_eq!(doc["groups"][0]["newest_volume"]["unloaded"], "2022-01-04T23:02:56-05:00");

    let (status, doc) = &docs["full-against-itself"];
    assert_eq!(*status, 0);
    assert!(actions(doc).is_empty(), "everything unchanged");
    assert_eq!(counts(doc), [(DAILY.into(), [0; 3], [0; 3]), (BRCOM.into(), [0; 3], [0; 3])]);

    let (status, doc) = &docs["full-against-baseline"];
    assert_eq!(*status, 0);
    assert_eq!(
        actions(doc),
        [
            ("SAD003".into(), "update".into()),
            ("SAD007".into(), "update".into()),
            ("SAD016".into(), "delete".into()),
            ("SARD05".into(), "update".into()),
            ("SARD10".into(), "add".into()),
            ("SARD16".into(), "delete".into()),
        ]
    );
    // SAD003: DSM/TC only; SAD007: BackPak only; SARD05: DSM/TC (3 DISKFILEs deleted).
    assert_eq!(counts(doc), [(DAILY.into(), [0, 1, 1], [0, 1, 1]), (BRCOM.into(), [1, 0, 1], [1, 1, 1])]);
    let baseline = slab::baseline_3c_2r_1a();
    let full = catstage::parse::parse_summary("FULL", &baseline["FULL"], None).summary.unwrap();
    let sard16 = full.entries.iter().find(|e| e.label.as_str() == "SARD16").unwrap().diskfiles;
    let brcom = &doc["groups"][1];
    assert_eq!(brcom["diskfiles"]["deleted"].as_u64().unwrap(), 3 + sard16, "SARD05's three, and SARD16's");

    let (status, doc) = &docs["update-against-baseline"];
    assert_eq!(*status, 0);
    assert!(actions(doc).iter().all(|(_, a)| a != "delete"), "an UPDATE import never deletes");
    assert_eq!(counts(doc), [(DAILY.into(), [0, 1, 0], [0, 1, 0]), (BRCOM.into(), [1, 0, 0], [1, 1, 0])]);

    let (_, doc) = &docs["full-catalogfiles-no"];
    for g in doc["groups"].as_array().unwrap() {
        assert_eq!(g["diskfiles"], serde_json::json!({"inserted": 0, "deleted": 0}));
    }
    assert!(actions(doc).iter().all(|(l, _)| l != "SARD05"), "only its DISKFILEs differed");

    let (status, doc) = &docs["full-beyond-max-deletions"];
    assert_eq!(*status, 1);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS318").unwrap();
    assert_eq!(d["count"], 2);
}
