//! One test per domain rule of the pre-import checks (R1–R14, R22 of the design brief):
//! each fails if the rule's check is removed or its escape hatch stops working.

use crate::support::{cases, code, codes, p, root, run, stdout, write_area};
use serde_json::Value;
use std::path::PathBuf;

fn validate_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["validate"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = run(&all);
    (code(&o), serde_json::from_slice(&o.stdout).unwrap_or(Value::Null))
}

/// The mini area and a configuration edited by `f`, written to a temporary directory.
fn setup(f: impl FnOnce(&mut String)) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("area");
    write_area(&area, &cases::mini());
    let mut config = cases::mini_config();
    f(&mut config);
    let cfg = dir.path().join("sec.toml");
    std::fs::write(&cfg, config).unwrap();
    (dir, area, cfg)
}

/// The mini configuration rewritten for a secondary that carries the primary's node name,
/// \ETINIUM, with no link between them (R4): `same_node_name = true` and nothing known
/// contradicting it.
fn one_node_name(t: &mut String) {
    *t = t.replace("node = \"\\\\INSIDX\"", "node = \"\\\\ETINIUM\"");
    *t = t.replace("same_node_name = false", "same_node_name = true");
    *t = t.replace("node_replacement = [[\"\\\\ETINIUM\", \"\\\\INSIDX\"]]", "node_replacement = []");
    *t = t.replace("ssl = [\"\\\\INSIDX\"]", "ssl = [\"\\\\ETINIUM\"]");
    *t = t.replace("\\\\INSIDX.", "\\\\ETINIUM.");
}

#[test]
fn the_bundled_fixture_validates_clean_under_its_configuration() {
    let o = run(&crate::support::FIXTURE_COMPLETE);
    assert_eq!(stdout(&o), "fixtures/slab-a-daily: 30 volumes, 0 errors, 0 warnings\n");
    assert_eq!(code(&o), 0);
}

#[test]
fn r1_labels_unique_across_areas_reported_once_with_count_and_examples() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&["generate", "-o", p(&a), "--volumes", "30", "--label-prefix", "SAD"]);
    run(&["generate", "-o", p(&b), "--volumes", "12", "--label-prefix", "SAD", "--seed", "9"]);
    let (status, doc) = validate_json(&[p(&a), "--against", p(&b)]);
    assert_eq!(status, 1);
    let found: Vec<&Value> = doc["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "CS202").collect();
    assert_eq!(found.len(), 1, "reported once: {doc:#}");
    assert_eq!(found[0]["count"], 12);
    assert_eq!(found[0]["examples"], serde_json::json!(["SAD000", "SAD001", "SAD002", "SAD003", "SAD004"]));
    // Different prefixes (and another data store's FILEIDs): unique.
    let c = dir.path().join("c");
    run(&["generate", "-o", p(&c), "--volumes", "12", "--label-prefix", "SAR", "--store", "OTHER"]);
    let (status, doc) = validate_json(&[p(&a), "--against", p(&c)]);
    assert_eq!(status, 0, "{doc:#}");
}

#[test]
fn r2_primary_in_the_secondary_ssl_unless_same_node_name() {
    let (_d, area, cfg) =
        setup(|t| *t = t.replace("ssl = [\"\\\\INSIDX\"]", "ssl = [\"\\\\INSIDX\", \"\\\\etinium\"]"));
    assert!(codes(&validate_json(&[p(&area), "--config", p(&cfg)]).1).contains(&"CS310".into()));
    // One node name on both systems: the SSL naming it names the secondary itself.
    let (_d, area, cfg) = setup(one_node_name);
    assert!(!codes(&validate_json(&[p(&area), "--config", p(&cfg)]).1).contains(&"CS310".into()));
}

#[test]
fn r3_shared_catalogs_are_refused_unless_allowed_and_then_collisions_are_checked() {
    let local =
        |t: &mut String| *t = t.replace("filecat = \"\\\\INSIDX.QCFILCAT\"", "filecat = \"\\\\INSIDX.LOCALVC\"");
    let (_d, area, cfg) = setup(local);
    let c = codes(&validate_json(&[p(&area), "--config", p(&cfg)]).1);
    assert!(c.contains(&"CS308".into()), "{c:?}");
    let (_d, area, cfg) = setup(|t| {
        local(t);
        *t = t.replace("allow_shared_catalog = false", "allow_shared_catalog = true");
    });
    let other = root().join("fixtures/err/0204_fileid-collision/other");
    let (_, doc) = validate_json(&[p(&area), "--config", p(&cfg), "--against", p(&other)]);
    let c = codes(&doc);
    assert!(!c.contains(&"CS308".into()) && c.contains(&"CS204".into()), "{c:?}");
    // An --against area whose targets are unknown may meet this import in any FILECAT
    // (issue 33 item 1): its tape files are compared...
    let (_, doc) = validate_json(&[p(&area), "--against", p(&other)]);
    assert!(codes(&doc).contains(&"CS204".into()), "{doc:#}");
    // ...unless its configuration beside it sends them to another FILECAT than this one's.
    let (_d2, dedicated, dcfg) = setup(|_| {});
    let elsewhere = _d2.path().join("other");
    write_area(&elsewhere, &crate::support::read_area(&other));
    let theirs = std::fs::read_to_string(&dcfg).unwrap().replace("\\\\INSIDX.QCFILCAT", "\\\\INSIDX.OTHERFC");
    std::fs::write(_d2.path().join("other.toml"), theirs).unwrap();
    let (_, doc) = validate_json(&[p(&dedicated), "--config", p(&dcfg), "--against", p(&elsewhere)]);
    assert!(!codes(&doc).contains(&"CS204".into()), "{doc:#}");
}

#[test]
fn r4_catalog_names_must_differ_unless_same_node_name() {
    let to_primary =
        |t: &mut String| *t = t.replace("volcat = \"\\\\INSIDX.QCVOLCAT\"", "volcat = \"\\\\ETINIUM.SLABVC\"");
    let (_d, area, cfg) = setup(to_primary);
    assert!(codes(&validate_json(&[p(&area), "--config", p(&cfg)]).1).contains(&"CS307".into()));
    let (_d, area, cfg) = setup(|t| {
        one_node_name(t);
        *t = t.replacen("volcat = \"\\\\ETINIUM.QCVOLCAT\"", "volcat = \"\\\\ETINIUM.SLABVC\"", 1);
    });
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert_eq!((status, codes(&doc)), (0, Vec::<String>::new()), "{doc:#}");
}

#[test]
fn r5_no_replacement_into_the_default_filecat() {
    let (_d, area, cfg) = setup(|t| {
        *t = t.replace("filecat = \"\\\\INSIDX.QCFILCAT\"", "filecat = \"\\\\INSIDX.DEFAULT\"");
        *t = t.replace("mediadefs_filecat = \"\\\\INSIDX.LOCALFC\"", "mediadefs_filecat = \"\\\\INSIDX.DEFAULT\"");
    });
    assert!(codes(&validate_json(&[p(&area), "--config", p(&cfg)]).1).contains(&"CS309".into()));
}

#[test]
fn r6_unconfigured_groups_say_how_many_volumes_would_be_dropped() {
    let (_, doc) =
        validate_json(&["fixtures/slab-a-daily", "--config", "fixtures/err/0303_group-not-configured/config.toml"]);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS303").unwrap().clone();
    assert_eq!(d["count"], 15);
    assert!(d["message"].as_str().unwrap().contains("15 volumes would not be imported"));
}

#[test]
fn r7_catalog_type_pairs() {
    let (_, doc) = validate_json(&[
        "fixtures/err/0317_catalog-entries-dropped/area",
        "--config",
        "fixtures/err/0317_catalog-entries-dropped/config.toml",
    ]);
    assert_eq!(codes(&doc), ["CS317"]);
    assert_eq!(doc["summary"]["errors"], 0);
    let (status, doc) = validate_json(&[
        "fixtures/err/0305_catalog-type-incoherent/area",
        "--config",
        "fixtures/err/0305_catalog-type-incoherent/config.toml",
    ]);
    assert_eq!((status, codes(&doc)), (1, vec!["CS305".to_string()]));
    // TMF -> NONE is coherent.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    let t = std::fs::read_to_string(root().join("fixtures/err/0305_catalog-type-incoherent/config.toml")).unwrap();
    let i = t.rfind("catalog = \"DSMTC\"").unwrap();
    let mut t = t;
    t.replace_range(i..i + 17, "catalog = \"NONE\"");
    std::fs::write(&cfg, t).unwrap();
    let (status, doc) = validate_json(&["fixtures/err/0305_catalog-type-incoherent/area", "--config", p(&cfg)]);
    assert_eq!((status, codes(&doc)), (0, Vec::<String>::new()));
}

#[test]
fn r8_dsmtc_secondary_groups_name_media_volcat_pool_and_filecat() {
    for key in ["media", "volcat", "pool", "filecat"] {
        let (_d, area, cfg) = setup(|t| {
            let i = t.find(&format!("\n{key} = ")).unwrap() + 1;
            let j = i + t[i..].find('\n').unwrap() + 1;
            t.replace_range(i..j, "");
        });
        let (_, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
        let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS306").cloned();
        assert!(d.is_some_and(|d| d["message"].as_str().unwrap().contains(&format!("no {key}"))), "{key}");
    }
}

#[test]
fn r9_store_ids_are_compared_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("a");
    run(&["generate", "-o", p(&area), "--volumes", "4", "--store", "PROD A", "--node", "\\PRIMA"]);
    let mut config = String::from(
        "[store]\nid = \"DR PROD A\"\nprimary_id = \"PROD A\"\naccess = \"SECONDARY\"\nnode = \"\\\\DRSYS\"\n\
         [import]\ncatalogfiles = false\n[environment]\nkey_managers = [\"ESKM1\", \"ESKM2\"]\n",
    );
    for n in [1, 2] {
        config.push_str(&format!(
            "[[group]]\nid = \"DR-{n}\"\nprimary_id = \"VG_PROD A-{n}\"\ncatalog = \"DSMTC\"\nmedia = \"CART3480\"\nvolcat = \"\\\\DRSYS.VC\"\n\
             filecat = \"\\\\DRSYS.FC\"\npool = \"DR_{n}\"\n"
        ));
    }
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, &config).unwrap();
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert_eq!(status, 0, "{doc:#}");
    std::fs::write(&cfg, config.replace("primary_id = \"PROD A\"", "primary_id = \"PROD  A\"")).unwrap();
    assert!(codes(&validate_json(&[p(&area), "--config", p(&cfg)]).1).contains(&"CS302".into()));
}

#[test]
fn r10_imports_only_into_a_secondary_store() {
    for access in ["PRIMARY", "RESTRICTED"] {
        let (_d, area, cfg) = setup(|t| *t = t.replace("access = \"SECONDARY\"", &format!("access = \"{access}\"")));
        assert!(codes(&validate_json(&[p(&area), "--config", p(&cfg)]).1).contains(&"CS301".into()));
    }
}

#[test]
fn r11_key_managers_of_encrypted_volumes() {
    let o = run(&["keys", "fixtures/slab-a-daily", "--config", "fixtures/err/0312_key-manager-missing/config.toml"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("MISSING") && stdout(&o).contains("ESKM1"), "{}", stdout(&o));
    let o = run(&["keys", "fixtures/slab-a-daily", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], "catstage.keys/1");
    assert_eq!(doc["key_managers"][0]["id"], "ESKM1");
    assert_eq!(doc["key_managers"][0]["volumes"], 3);
    assert_eq!(doc["key_managers"][0]["newest_volume"]["label"], "SAD009");
    assert_eq!(doc["key_managers"][0]["configured"], Value::Null);
    let (_, doc) =
        validate_json(&["fixtures/slab-a-daily", "--config", "fixtures/err/0312_key-manager-missing/config.toml"]);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS312").unwrap().clone();
    assert_eq!(d["count"], 3);
}

#[test]
fn r12_r13_r14_diskfile_nodes_replacement_and_catalogfiles() {
    let without = |t: &mut String| {
        *t = t.replace("node_replacement = [[\"\\\\ETINIUM\", \"\\\\INSIDX\"]]", "node_replacement = []")
    };
    let (_d, area, cfg) = setup(without);
    let (_, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert!(codes(&doc).contains(&"CS311".into()), "R12: an unknown node is reported");
    let (_, doc) = validate_json(&[p(&area), "--config", p(&cfg), "--catalogfiles", "no"]);
    assert!(!codes(&doc).contains(&"CS311".into()), "R14: without DISKFILEs, no node matters");
    let (_d, area, cfg) = setup(|t| without(t));
    std::fs::write(
        &cfg,
        std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("known_nodes = [\"\\\\INSIDX\"]", "known_nodes = [\"\\\\INSIDX\", \"\\\\ETINIUM\"]"),
    )
    .unwrap();
    assert!(
        !codes(&validate_json(&[p(&area), "--config", p(&cfg)]).1).contains(&"CS311".into()),
        "a known node is fine"
    );
    // R13: replacement to a node the secondary does not know either.
    let (_d, area, cfg) =
        setup(|t| *t = t.replace("[\"\\\\ETINIUM\", \"\\\\INSIDX\"]", "[\"\\\\ETINIUM\", \"\\\\ELSEWHR\"]"));
    let (_, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS311").unwrap().clone();
    assert!(d["message"].as_str().unwrap().contains("maps \\ETINIUM to \\ELSEWHR"));
}

#[test]
fn r22_diskfiles_from_an_export_without_them() {
    let area = "fixtures/err/0316_catalogfiles-mismatch/area";
    let cfg = "fixtures/err/0316_catalogfiles-mismatch/config.toml";
    let (status, doc) = validate_json(&[area, "--config", cfg]);
    assert_eq!(status, 1);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS316").unwrap().clone();
    assert_eq!(d["severity"], "error", "a FULL import would delete the DISKFILE entries");
    let (status, doc) = validate_json(&[area, "--config", cfg, "--catalogfiles", "no"]);
    assert_eq!((status, codes(&doc)), (0, Vec::<String>::new()));
}

#[test]
fn generated_areas_validate_clean_under_their_generated_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let (area, cfg) = (dir.path().join("a"), dir.path().join("sec.toml"));
    let o =
        run(&["generate", "-o", p(&area), "--volumes", "40", "--store", "PROD \"A\"", "--secondary-config", p(&cfg)]);
    assert_eq!(code(&o), 0);
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert_eq!((status, codes(&doc)), (0, Vec::<String>::new()), "{doc:#}");
    let next = dir.path().join("b");
    let cfg2 = dir.path().join("sec2.toml");
    let o = run(&[
        "generate",
        "--from",
        p(&area),
        "-o",
        p(&next),
        "--add",
        "3",
        "--secondary-config",
        p(&cfg2),
        "--secondary-node",
        "\\INSIDX",
    ]);
    assert_eq!(code(&o), 0);
    let (status, doc) = validate_json(&[p(&next), "--config", p(&cfg2)]);
    assert_eq!((status, codes(&doc)), (0, Vec::<String>::new()), "{doc:#}");
    // It never overwrites a configuration.
    let o = run(&["generate", "-o", p(&dir.path().join("c")), "--volumes", "3", "--secondary-config", p(&cfg)]);
    assert_eq!(code(&o), 2);
    assert!(!dir.path().join("c").exists());
}

// Issue 15, "What the vendor manuals say that the checks miss": one test per item.

#[test]
fn issue15_item19_dsmtc_secondary_groups_must_name_their_media() {
    let (_d, area, cfg) = setup(|t| *t = t.replacen("media = \"CART3480\"\n", "", 1));
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert_eq!(status, 1, "{doc:#}");
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS306").cloned();
    assert!(d.is_some_and(|d| d["message"].as_str().unwrap().contains("no media")), "{doc:#}");
    // The plan shows no media for it: the primary's is never borrowed.
    let o = run(&["plan", p(&area), "--config", p(&cfg), "--type", "full", "--format", "json"]);
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(plan["groups"][0]["media"], Value::Null, "{plan:#}");
}

#[test]
fn issue15_item20_a_group_key_manager_must_be_configured() {
    let (_d, area, cfg) = setup(|t| *t = t.replacen("key_manager = \"ESKM1\"", "key_manager = \"ESKM9\"", 1));
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert_eq!(status, 1, "{doc:#}");
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS321").cloned();
    let d = d.unwrap_or_else(|| panic!("no CS321: {doc:#}"));
    assert!(d["message"].as_str().unwrap().contains("ESKM9"), "{d:#}");
    assert_eq!(d["line"], 26, "at the [[group]] table");
    // Every command that reads the configuration sees it.
    let o = run(&["keys", p(&area), "--config", p(&cfg), "--format", "json"]);
    let keys: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(keys["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "CS321"), "{keys:#}");
    // ... and keys's verdict and text count it: the secondary cannot import the group's
    // encrypted volumes, even though every key manager the volumes name is configured.
    assert_eq!(code(&o), 1, "{keys:#}");
    assert_eq!(keys["missing"], serde_json::json!([]), "{keys:#}");
    let o = run(&["keys", p(&area), "--config", p(&cfg)]);
    assert_eq!(code(&o), 1);
    let text = stdout(&o);
    assert!(text.contains("error[CS321]") && text.contains("ESKM9"), "{text}");
}

#[test]
fn issue15_item10_mediadefs_default_catalogs_are_local_catalogs() {
    // The MEDIADEFS default FILECAT, not listed in local_catalogs, as a group's FILECAT.
    let default_fc = |t: &mut String| {
        *t = t.replace("local_catalogs = [\"\\\\INSIDX.LOCALVC\", \"\\\\INSIDX.LOCALFC\"]", "local_catalogs = []");
        *t = t.replacen("filecat = \"\\\\INSIDX.QCFILCAT\"", "filecat = \"\\\\INSIDX.LOCALFC\"", 1);
    };
    let (_d, area, cfg) = setup(default_fc);
    let other = root().join("fixtures/err/0204_fileid-collision/other");
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg), "--against", p(&other)]);
    assert_eq!(status, 1);
    let found: Vec<&Value> = doc["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "CS308").collect();
    assert_eq!(found.len(), 1, "{doc:#}");
    assert!(found[0]["message"].as_str().unwrap().contains("MEDIADEFS default FILECAT"), "{doc:#}");
    // Its tape files are checked against the other area's, as for any catalog it may share.
    assert!(codes(&doc).contains(&"CS204".into()), "{doc:#}");
    // A MEDIADEFS default VOLCAT (the key mediadefs_volcat) likewise.
    let (_d, area, cfg) = setup(|t| {
        *t = t.replace(
            "mediadefs_filecat = \"\\\\INSIDX.LOCALFC\"",
            "mediadefs_filecat = \"\\\\INSIDX.LOCALFC\"\nmediadefs_volcat = \"\\\\insidx.qcvolcat\"",
        )
    });
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert_eq!(status, 1);
    let found: Vec<&Value> = doc["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "CS308").collect();
    assert_eq!(found.len(), 2, "both groups write to it: {doc:#}");
    assert!(found[0]["message"].as_str().unwrap().contains("VOLCAT \\INSIDX.QCVOLCAT, the MEDIADEFS default VOLCAT"));
    // allow_shared_catalog lets the import share them, and then collisions are checked.
    let (_d, area, cfg) = setup(|t| {
        default_fc(t);
        *t = t.replace("allow_shared_catalog = false", "allow_shared_catalog = true");
    });
    let (_, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert!(!codes(&doc).contains(&"CS308".into()), "{doc:#}");
}

#[test]
fn issue15_item09_same_node_name_is_checked_against_what_is_known() {
    // The issue's case: \INSIDX receives an export of \ETINIUM, node replacement from
    // \ETINIUM, \ETINIUM in the SSL, a group writing to the primary's own VOLCAT.
    let claim = |t: &mut String| {
        *t = t.replace("same_node_name = false", "same_node_name = true");
        *t = t.replace("ssl = [\"\\\\INSIDX\"]", "ssl = [\"\\\\INSIDX\", \"\\\\ETINIUM\"]");
        *t = t.replacen("volcat = \"\\\\INSIDX.QCVOLCAT\"", "volcat = \"\\\\ETINIUM.SLABVC\"", 1);
    };
    let (_d, area, cfg) = setup(claim);
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert_eq!(status, 1, "{doc:#}");
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS319").cloned();
    let d = d.unwrap_or_else(|| panic!("no CS319: {doc:#}"));
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 13, "at same_node_name: {d:#}");
    let m = d["message"].as_str().unwrap();
    for fact in ["exported by \\ETINIUM", "\\INSIDX", "node_replacement", "System Search List"] {
        assert!(m.contains(fact), "{fact:?} in {m}");
    }
    // A contradicted premise switches nothing off.
    let c = codes(&doc);
    assert!(c.contains(&"CS307".into()) && c.contains(&"CS310".into()), "{c:?}");
    // Each fact alone contradicts it.
    for (what, f) in [
        (
            "store node",
            (|t: &mut String| *t = t.replace("node = \"\\\\ETINIUM\"", "node = \"\\\\INSIDX\"")) as fn(&mut String),
        ),
        ("replacement", |t| {
            *t = t.replace("node_replacement = []", "node_replacement = [[\"\\\\ETINIUM\", \"\\\\INSIDX\"]]")
        }),
    ] {
        let (_d, area, cfg) = setup(|t| {
            one_node_name(t);
            f(t);
        });
        assert!(codes(&validate_json(&[p(&area), "--config", p(&cfg)]).1).contains(&"CS319".into()), "{what}");
    }
    // Where the premise holds (one node name, nothing saying otherwise), it is honoured:
    // see r2 and r4.
    let (_d, area, cfg) = setup(one_node_name);
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert_eq!((status, codes(&doc)), (0, Vec::<String>::new()), "{doc:#}");
}

#[test]
fn issue15_item12_target_catalogs_are_catalogs_of_the_secondary() {
    let target = |cat: &'static str| {
        move |t: &mut String| *t = t.replacen("filecat = \"\\\\INSIDX.QCFILCAT\"", &format!("filecat = \"{cat}\""), 1)
    };
    let cs320 = |doc: &Value| -> Vec<String> {
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "CS320")
            .map(|d| d["message"].as_str().unwrap().to_string())
            .collect()
    };
    // On the primary's node: an error naming R4.
    let (_d, area, cfg) = setup(target("\\\\ETINIUM.QCFILCAT"));
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    let found = cs320(&doc);
    assert_eq!((status, found.len()), (1, 1), "{doc:#}");
    assert!(found[0].contains("primary's node \\ETINIUM") && found[0].contains("R4"), "{}", found[0]);
    // Even when the secondary knows the primary's node.
    let (_d, area, cfg) = setup(|t| {
        target("\\\\ETINIUM.QCFILCAT")(t);
        *t = t.replace("known_nodes = [\"\\\\INSIDX\"]", "known_nodes = [\"\\\\INSIDX\", \"\\\\ETINIUM\"]");
    });
    assert_eq!(cs320(&validate_json(&[p(&area), "--config", p(&cfg)]).1).len(), 1);
    // On a node the secondary does not know.
    let (_d, area, cfg) = setup(target("\\\\ELSEWHR.QCFILCAT"));
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    let found = cs320(&doc);
    assert_eq!((status, found.len()), (1, 1), "{doc:#}");
    assert!(found[0].contains("\\ELSEWHR, which the secondary does not know"), "{}", found[0]);
    // A node the secondary knows is one of its site.
    let (_d, area, cfg) = setup(|t| {
        target("\\\\ELSEWHR.QCFILCAT")(t);
        *t = t.replace("known_nodes = [\"\\\\INSIDX\"]", "known_nodes = [\"\\\\INSIDX\", \"\\\\ELSEWHR\"]");
    });
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg)]);
    assert_eq!((status, codes(&doc)), (0, Vec::<String>::new()), "{doc:#}");
    // The primary's own catalog is CS307 alone, not CS307 and CS320.
    let (_, doc) = validate_json(&[
        "fixtures/err/0307_catalog-name-collision/area",
        "--config",
        "fixtures/err/0307_catalog-name-collision/config.toml",
    ]);
    assert_eq!(codes(&doc), ["CS307"]);
}

#[test]
fn issue15_item11_fileids_shared_with_a_catalog_the_import_may_share() {
    // The other area holds the same FILEID at another generation: no tape file key in common.
    let other = root().join("fixtures/err/0206_fileid-shared/other");
    let shared = |t: &mut String| *t = t.replace("allow_shared_catalog = false", "allow_shared_catalog = true");
    let (_d, area, cfg) = setup(shared);
    let (status, doc) = validate_json(&[p(&area), "--config", p(&cfg), "--against", p(&other)]);
    assert_eq!(status, 1, "{doc:#}");
    assert!(!codes(&doc).contains(&"CS204".into()), "no exact key in common: {doc:#}");
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS206").cloned();
    let d = d.unwrap_or_else(|| panic!("no CS206: {doc:#}"));
    assert_eq!((d["severity"].as_str(), d["count"].as_u64()), (Some("error"), Some(1)), "{d:#}");
    assert_eq!(d["examples"], serde_json::json!(["SLABA-BAK11-DAILY (gen 18 on SAD001 here, gen 17 on LOC002 there)"]));
    // An exact key match stays CS204, and its FILEID is not reported twice.
    let (_, doc) =
        validate_json(&[p(&area), "--config", p(&cfg), "--against", "fixtures/err/0204_fileid-collision/other"]);
    assert_eq!(codes(&doc), ["CS204"], "{doc:#}");
    // An area whose targets are unknown may meet a dedicated catalog too (issue 33 item 1).
    let (_, doc) =
        validate_json(&["fixtures/slab-a-daily", "--config", "fixtures/slab-a-daily.toml", "--against", p(&other)]);
    assert!(codes(&doc).contains(&"CS206".into()), "{doc:#}");
}

#[test]
fn issue15_item18_catalogfiles_mismatch_by_import_type() {
    // The vendor's schedule: a monthly FULL export without DISKFILEs, imported by daily
    // UPDATE imports with them.
    let area = "fixtures/err/0316_catalogfiles-mismatch/area";
    let cfg = "fixtures/err/0316_catalogfiles-mismatch/config.toml";
    let plan = |kind: &str| {
        let o = run(&["plan", area, "--config", cfg, "--type", kind, "--format", "json"]);
        (code(&o), serde_json::from_slice::<Value>(&o.stdout).unwrap())
    };
    let (status, doc) = plan("update");
    assert_eq!(status, 0, "an UPDATE import of it is no hazard: {doc:#}");
    let found: Vec<&Value> = doc["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "CS316").collect();
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(found[0]["severity"], "warning");
    assert_eq!(found[0].get("count"), None, "one line, not one per volume");
    assert_eq!(doc["summary"]["warnings"], 1);
    // A FULL import with DISKFILEs of it is the R22 error, every volume counted.
    let (status, doc) = plan("full");
    assert_eq!(status, 1);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS316").unwrap().clone();
    assert_eq!((d["severity"].as_str(), d["count"].as_u64()), (Some("error"), Some(5)));
}
