//! `catstage plan` on the bundled fixture: golden import reports for a first import, a
//! re-import of the same export, an import over a baseline with 3 changed, 2 removed and
//! 1 added volume (FULL and UPDATE), without DISKFILEs, and a FULL import deleting more
//! than allowed; then one test per plan item of issue 15. `CATSTAGE_BLESS=1` rewrites the
//! expected outputs and the baseline.

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
    support::materialize(&dir, &support::file_recipe("", slab::baseline_3c_2r_1a()), &[]);
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

/// Per secondary group: (backpak, dsmtc) as `added/updated/deleted`, `?` for a count
/// that is unknown (null), as the text report's summary shows them.
fn counts(doc: &Value) -> Vec<(String, String, String)> {
    doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let c = |k: &str| {
                let n = |f: &str| g[k][f].as_u64().map_or("?".to_string(), |n| n.to_string());
                format!("{}/{}/{}", n("added"), n("updated"), n("deleted"))
            };
            (g["group"].as_str().unwrap().to_string(), c("backpak"), c("dsmtc"))
        })
        .collect()
}

/// `(group, backpak, dsmtc)` for [`counts`].
fn row(group: &str, backpak: &str, dsmtc: &str) -> (String, String, String) {
    (group.to_string(), backpak.to_string(), dsmtc.to_string())
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
    assert_eq!(doc["schema"], "catstage.plan/2");
    assert_eq!(actions(doc).len(), 30);
    assert!(actions(doc).iter().all(|(_, a)| a == "add"));
    // Without a baseline, what a FULL import deletes is unknown (issue 15, item 13).
    assert_eq!(counts(doc), [row(DAILY, "15/0/?", "15/0/?"), row(BRCOM, "15/0/?", "15/0/?")]);
    assert_eq!(doc["groups"][0]["newest_volume"]["label"], "SAD012");
    assert_eq!(doc["groups"][0]["newest_volume"]["unloaded"], "2022-01-04T23:02:56-05:00");

    let (status, doc) = &docs["full-against-itself"];
    assert_eq!(*status, 0);
    assert!(actions(doc).is_empty(), "everything unchanged");
    // BackPak records are applied all the same (issue 15, item 17).
    assert_eq!(counts(doc), [row(DAILY, "0/15/0", "0/0/0"), row(BRCOM, "0/15/0", "0/0/0")]);

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
    // Every BackPak record is applied; DSM/TC entries differ for SAD003 (its TAPEVOLUME)
    // and SARD05 (3 DISKFILEs deleted); SAD007 differs in its BackPak record only.
    assert_eq!(counts(doc), [row(DAILY, "0/15/1", "0/1/1"), row(BRCOM, "1/14/1", "1/1/1")]);
    let baseline = slab::baseline_3c_2r_1a();
    let full = catstage::parse::parse_summary("FULL", &baseline["FULL"], None, catstage::diag::Examples::DEFAULT)
        .summary
        .unwrap();
    let sard16 = full.entries.iter().find(|e| e.label.as_str() == "SARD16").unwrap().diskfiles;
    let brcom = &doc["groups"][1];
    assert_eq!(brcom["diskfiles"]["deleted"].as_u64().unwrap(), 3 + sard16, "SARD05's three, and SARD16's");

    let (status, doc) = &docs["update-against-baseline"];
    assert_eq!(*status, 0);
    assert!(actions(doc).iter().all(|(_, a)| a != "delete"), "an UPDATE import never deletes");
    // Every file differs from the baseline's (another export wrote them): all received,
    // every BackPak record applied; SARD05's obsolete DISKFILEs stay (issue 15, item 15).
    assert_eq!(counts(doc), [row(DAILY, "0/15/0", "0/1/0"), row(BRCOM, "1/14/0", "1/0/0")]);

    // Without DISKFILEs in the import nothing is inserted or updated; the deleted
    // volumes' DISKFILEs still go with their tape files (issue 33 item 5).
    let (_, doc) = &docs["full-catalogfiles-no"];
    let deleted: Vec<u64> =
        doc["groups"].as_array().unwrap().iter().map(|g| g["diskfiles"]["deleted"].as_u64().unwrap()).collect();
    assert_eq!(deleted, [13, 14]);
    for g in doc["groups"].as_array().unwrap() {
        assert_eq!((g["diskfiles"]["inserted"].as_u64(), g["diskfiles"]["updated"].as_u64()), (Some(0), Some(0)));
    }
    assert!(actions(doc).iter().all(|(l, _)| l != "SARD05"), "only its DISKFILEs differed");

    let (status, doc) = &docs["full-beyond-max-deletions"];
    assert_eq!(*status, 1);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS318").unwrap();
    assert_eq!(d["count"], 2);
}

/// Runs `plan` on `area` with `extra` arguments and returns (exit status, JSON, text).
fn plan_of(area: &str, config: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["plan", area, "--config", config];
    args.extend_from_slice(extra);
    let text = run(&args);
    args.extend_from_slice(&["--format", "json"]);
    let json = run(&args);
    (json.status.code().unwrap_or(-1), serde_json::from_slice(&json.stdout).unwrap(), stdout(&text))
}

fn volume<'a>(doc: &'a Value, label: &str) -> &'a Value {
    doc["volumes"].as_array().unwrap().iter().find(|v| v["label"] == label).unwrap()
}

#[test]
fn issue15_item13_a_full_plan_without_baseline_does_not_know_its_deletions() {
    let (status, doc, text) = plan_of("fixtures/slab-a-daily", CONFIG, &["--type", "full"]);
    assert_eq!(status, 0, "a warning, not an error");
    assert_eq!(doc["deletions"], Value::Null, "{doc:#}");
    for g in doc["groups"].as_array().unwrap() {
        assert_eq!(
            (&g["backpak"]["deleted"], &g["dsmtc"]["deleted"], &g["diskfiles"]["deleted"]),
            (&Value::Null, &Value::Null, &Value::Null),
            "{g:#}"
        );
    }
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS318").cloned();
    let d = d.unwrap_or_else(|| panic!("no CS318 warning: {doc:#}"));
    assert_eq!(d["severity"], "warning");
    assert!(d["message"].as_str().unwrap().contains("could not run"), "{d:#}");
    assert!(text.contains("? delete (unknown without --baseline)"), "{text}");
    assert!(text.contains("15/0/?"), "{text}");
    assert!(!text.contains("holds no volume"), "nothing says the secondary is empty: {text}");
    // An UPDATE import never deletes: zero is known.
    let (status, doc, _) = plan_of("fixtures/slab-a-daily", CONFIG, &["--type", "update"]);
    assert_eq!((status, &doc["deletions"]), (0, &Value::from(0)));
    assert!(doc["diagnostics"].as_array().unwrap().iter().all(|d| d["code"] != "CS318"), "{doc:#}");
}

#[test]
fn issue15_item15_an_update_import_deletes_no_diskfile() {
    // SARD05's baseline holds three DISKFILEs its new file no longer lists.
    let (_, doc, text) = plan_of("fixtures/slab-a-daily", CONFIG, &["--type", "update", "--baseline", BASELINE]);
    for g in doc["groups"].as_array().unwrap() {
        assert_eq!(g["diskfiles"]["deleted"], 0, "{g:#}");
    }
    assert_eq!(doc["groups"][1]["diskfiles"]["left_obsolete"], 3);
    let v = volume(&doc, "SARD05");
    assert_eq!((&v["action"], &v["dsmtc"]), (&Value::from("unchanged"), &Value::Null), "{v:#}");
    assert_eq!(v["diskfiles"], serde_json::json!({"inserted": 0, "updated": 0, "deleted": 0, "left_obsolete": 3}));
    assert!(text.contains("3 obsolete DISKFILE entries of updated tape files stay on the secondary"), "{text}");
    // A FULL import deletes them.
    let (_, doc, _) = plan_of("fixtures/slab-a-daily", CONFIG, &["--type", "full", "--baseline", BASELINE]);
    let v = volume(&doc, "SARD05");
    assert_eq!((&v["action"], &v["dsmtc"]), (&Value::from("update"), &Value::from("update")), "{v:#}");
    assert_eq!(v["diskfiles"], serde_json::json!({"inserted": 0, "updated": 0, "deleted": 3, "left_obsolete": 0}));
}

#[test]
fn issue15_item16_full_deletions_of_scratch_volumes_delete_their_tapevolume() {
    // The primary no longer exports SAD013, a SCRATCH volume: a TAPEVOLUME, no tape file.
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("area");
    let mut files = slab::files();
    files.remove("VSAD013");
    let full = support::edit_lines(&files["FULL"], |l| l.retain(|x| !x.contains(" file=VSAD013 ")));
    files.insert("FULL".into(), full);
    support::write_area(&area, &files);
    let (status, doc, text) =
        plan_of(area.to_str().unwrap(), CONFIG, &["--type", "full", "--baseline", "fixtures/slab-a-daily"]);
    assert_eq!(status, 0, "{doc:#}");
    let v = volume(&doc, "SAD013");
    assert_eq!((&v["action"], &v["backpak"], &v["dsmtc"]), (&"delete".into(), &"delete".into(), &"delete".into()));
    assert_eq!(doc["groups"][0]["dsmtc"]["deleted"], 1, "{:#}", doc["groups"][0]);
    assert!(text.contains("SAD013  VG_2ND_SLAB_A-DAILY  deleted"), "{text}");
}

#[test]
fn issue15_item17_backpak_counts_are_what_the_importer_applies() {
    // A FULL import of the very export the secondary holds: every BackPak record is
    // applied again, no DSM/TC entry differs.
    let (_, doc, _) =
        plan_of("fixtures/slab-a-daily", CONFIG, &["--type", "full", "--baseline", "fixtures/slab-a-daily"]);
    assert_eq!(counts(&doc), [row(DAILY, "0/15/0", "0/0/0"), row(BRCOM, "0/15/0", "0/0/0")]);
    let v = volume(&doc, "SAD001");
    assert_eq!((&v["action"], &v["backpak"], &v["dsmtc"]), (&"unchanged".into(), &"update".into(), &Value::Null));
    // An UPDATE import of it receives nothing and applies nothing.
    let (_, doc, _) =
        plan_of("fixtures/slab-a-daily", CONFIG, &["--type", "update", "--baseline", "fixtures/slab-a-daily"]);
    assert_eq!(counts(&doc), [row(DAILY, "0/0/0", "0/0/0"), row(BRCOM, "0/0/0", "0/0/0")]);
    assert_eq!(volume(&doc, "SAD001")["backpak"], Value::Null);
}

#[test]
fn issue15_item21_the_preview_shows_what_the_vendor_report_shows() {
    let (_, doc, text) = plan_of("fixtures/slab-a-daily", CONFIG, &["--type", "full"]);
    assert_eq!(doc["groups"][0]["primary_volcat"], "\\ETINIUM.SLABVC");
    assert!(text.contains("PRIMARY CATALOG / VOLCAT / POOL"), "{text}");
    assert!(text.contains("DSMTC / \\ETINIUM.SLABVC / SLAB_A_DAILY"), "{text}");
    assert!(text.contains("IMPORT SOURCE"), "{text}");
    assert_eq!(volume(&doc, "SAD001")["import_source"], "VSAD001");
    assert!(text.lines().any(|l| l.starts_with("  SAD001 ") && l.contains(" VSAD001 ")), "{text}");
    // Times at the primary's offset unless the secondary's is configured, the offset shown.
    assert_eq!(doc["time_offset"], "-05:00");
    assert!(text.contains("Times shown at       UTC-05:00 (the primary's"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sec.toml");
    let config = std::fs::read_to_string(root().join(CONFIG)).unwrap();
    std::fs::write(
        &cfg,
        config.replace("key_managers = [\"ESKM1\"]", "key_managers = [\"ESKM1\"]\nutc_offset = \"+00:00\""),
    )
    .unwrap();
    let (_, doc, text) = plan_of("fixtures/slab-a-daily", cfg.to_str().unwrap(), &["--type", "full"]);
    // The manual's example: unloaded 2022-01-04 23:02:56 at the primary, 04:02:56 at the secondary.
    assert_eq!(doc["time_offset"], "+00:00");
    assert_eq!(doc["groups"][0]["newest_volume"]["unloaded"], "2022-01-05T04:02:56+00:00");
    assert_eq!(volume(&doc, "SAD012")["unloaded"], "2022-01-05T04:02:56+00:00");
    assert!(text.contains("SAD012 2022-01-05T04:02:56+00:00"), "{text}");
    assert!(text.contains("UTC+00:00 (the secondary's, [environment] utc_offset)"), "{text}");
    // An offset that is none is the configuration's error.
    std::fs::write(
        &cfg,
        config.replace("key_managers = [\"ESKM1\"]", "key_managers = [\"ESKM1\"]\nutc_offset = \"+25:00\""),
    )
    .unwrap();
    let o = run(&["validate", "fixtures/slab-a-daily", "--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "the configuration cannot be used");
    assert!(crate::support::stderr(&o).contains("error[CS315]: `utc_offset`"), "{}", crate::support::stderr(&o));
}

#[test]
fn issue15_item14_caught_up_only_when_the_baseline_equals_the_current_set() {
    // The primary removed SAD013 and SARD13 since the secondary's last import; nothing
    // else changed.
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("area");
    let mut files = slab::files();
    for f in ["VSAD013", "VSARD13"] {
        files.remove(f);
    }
    let full = support::edit_lines(&files["FULL"], |l| {
        l.retain(|x| !x.contains(" file=VSAD013 ") && !x.contains(" file=VSARD13 "))
    });
    files.insert("FULL".into(), full);
    support::write_area(&area, &files);
    let a = area.to_str().unwrap();
    let o = run(&["status", a, "--baseline", "fixtures/slab-a-daily", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["received_since_baseline"]["count"], 0);
    assert_eq!(doc["pending_deletions"], serde_json::json!({"count": 2, "examples": ["SAD013", "SARD13"]}));
    assert_eq!(doc["caught_up"], false, "{doc:#}");
    let text = stdout(&run(&["status", a, "--baseline", "fixtures/slab-a-daily"]));
    assert!(text.contains("Pending deletions           2 (SAD013, SARD13): only a FULL import applies them"), "{text}");
    assert!(
        text.contains("Baseline caught up          no: 2 volumes deleted on the primary await a FULL import"),
        "{text}"
    );
    // Without a baseline nothing is known; with an equal one, caught up.
    let o = run(&["status", "fixtures/slab-a-daily", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((&doc["pending_deletions"], &doc["caught_up"]), (&Value::Null, &Value::Null));
    let o = run(&["status", "fixtures/slab-a-daily", "--baseline", "fixtures/slab-a-daily", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((&doc["pending_deletions"]["count"], &doc["caught_up"]), (&Value::from(0), &Value::from(true)));
}
