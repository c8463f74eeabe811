//! The secondary as a whole (issue 33): what the pre-import checks know of the secondary's
//! catalogs beyond one staging area and one configuration, each case named after what was
//! measured.

use crate::support::{code, codes, json, p, run, tmp};

/// The bundled fixture's configuration edited by `f`, written under `dir`.
/// `validate AREA --config CFG` with the fixture's label list, as JSON.
fn validate_json(area: &std::path::Path, cfg: &std::path::Path) -> std::process::Output {
    run(&["validate", p(area), "--config", p(cfg), "--labels", "fixtures/slab-a-daily.labels", "--format", "json"])
}

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

/// Three primaries' areas under `dir`, each with its configuration beside it, all three
/// replicating into `\DRSITE.QCVOLCAT` and `\DRSITE.QCFILCAT`: PRODA and PRODC share the
/// labels A00000–A00005; PRODA and PRODD (another node whose store is also called PRODA)
/// share tape-file keys.
fn three_replications(dir: &std::path::Path) {
    for (area, store, node, prefix) in
        [("PRODA", "PRODA", "\\PRODA", "A"), ("PRODD", "PRODA", "\\PRODD", "D"), ("PRODC", "PRODC", "\\PRODC", "A")]
    {
        let cfg = format!("{area}.toml");
        let args = [
            "generate",
            "-o",
            area,
            "--volumes",
            "6",
            "--seed",
            "1",
            "--store",
            store,
            "--node",
            node,
            "--label-prefix",
            prefix,
        ];
        let o = crate::support::catstage()
            .current_dir(dir)
            .args(args)
            .args(["--secondary-config", &cfg, "-q"])
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{}", crate::support::stderr(&o));
    }
}

#[test]
fn issue33_item01_several_replications_into_one_secondary_catalog_are_checked_together() {
    let dir = tmp();
    let d = dir.path();
    three_replications(d);
    let o = crate::support::catstage()
        .current_dir(d)
        .args(["validate", "PRODA", "PRODD", "PRODC", "--config-beside", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", crate::support::stdout(&o));
    crate::support::golden(
        &crate::support::root().join("fixtures/cli/validate-three-replications.json"),
        &crate::support::stdout(&o),
    );
    let doc = json(&o);
    let area_codes = |i: usize| -> Vec<String> {
        doc["areas"][i]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_str().unwrap().to_string())
            .collect()
    };
    // PRODA meets PRODC's labels and PRODD's tape files; all three share the catalogs.
    let (a, dd, c) = (area_codes(0), area_codes(1), area_codes(2));
    for (name, found, want) in [
        ("PRODA", &a, &["CS202", "CS204", "CS323"][..]),
        ("PRODD", &dd, &["CS204", "CS323"][..]),
        ("PRODC", &c, &["CS202", "CS323"][..]),
    ] {
        for w in want {
            assert!(found.contains(&w.to_string()), "{name}: {w} missing from {found:?}");
        }
    }
    assert!(!dd.contains(&"CS202".to_string()), "PRODD's labels meet no other area's: {dd:?}");
    let text = crate::support::catstage()
        .current_dir(d)
        .args(["validate", "PRODA", "PRODD", "PRODC", "--config-beside"])
        .output()
        .unwrap();
    let text = crate::support::stdout(&text);
    assert!(!text.contains("3 clean"), "{text}");
}

#[test]
fn issue33_item01_against_compares_tape_files_whatever_this_configuration_says() {
    let dir = tmp();
    let d = dir.path();
    three_replications(d);
    let o = crate::support::catstage()
        .current_dir(d)
        .args(["validate", "PRODA", "--config", "PRODA.toml", "--against", "PRODD", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", crate::support::stdout(&o));
    assert!(codes(&json(&o)).contains(&"CS204".to_string()), "{}", crate::support::stdout(&o));
}

#[test]
fn issue33_item07_target_catalogs_on_the_node_of_the_primarys_catalogs_are_refused() {
    let dir = tmp();
    // The primary's VOLCAT lives on a catalog server, \CATSRV, not on the export node.
    let mut files = crate::support::slab::files();
    for line in [2, 3] {
        crate::support::cases::edit_sealed(
            &mut files,
            "FULL",
            line,
            "volcat=\\ETINIUM.SLABVC",
            "volcat=\\CATSRV.SLABVC",
        );
    }
    let area = dir.path().join("area");
    crate::support::write_area(&area, &files);
    // The secondary's groups write to a catalog on that server, which it knows.
    let cfg = config(dir.path(), |t| {
        t.replace("known_nodes = [\"\\\\INSIDX\"]", "known_nodes = [\"\\\\INSIDX\", \"\\\\CATSRV\"]")
            .replace("volcat = \"\\\\INSIDX.QCVOLCAT\"", "volcat = \"\\\\CATSRV.QCVOLCAT\"")
    });
    let o = run(&["validate", p(&area), "--config", p(&cfg), "--format", "json"]);
    let doc = json(&o);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS320").cloned();
    let d = d.unwrap_or_else(|| panic!("no CS320: {doc:#}"));
    assert!(d["message"].as_str().unwrap().contains("\\CATSRV"), "{d:#}");
    assert_eq!(code(&o), 1);
}

#[test]
fn issue33_item02_a_volume_that_moves_to_other_secondary_catalogs_is_an_error_in_plan() {
    let dir = tmp();
    // What the secondary imported last: SAD001 in the BRCOM group.
    let mut files = crate::support::slab::files();
    crate::support::cases::edit_sealed(
        &mut files,
        "VSAD001",
        2,
        "group=VG_SLAB_A-DAILY",
        "group=VG_SLAB_A_BRCOM-DAILY",
    );
    crate::support::cases::set_line(&mut files, "FULL", |l| {
        for line in l.iter_mut().filter(|x| x.starts_with("entry label=SAD001 ")) {
            *line = line.replacen("group=VG_SLAB_A-DAILY", "group=VG_SLAB_A_BRCOM-DAILY", 1);
        }
    });
    crate::support::rehash_entry(&mut files, "FULL", "VSAD001");
    let baseline = dir.path().join("baseline");
    crate::support::write_area(&baseline, &files);
    // The BRCOM group's entries go to catalogs of their own.
    let cfg = config(dir.path(), |t| {
        let (head, tail) = t.split_at(t.find("id = \"VG_2ND_SLAB_A_BRCOM-DAILY\"").unwrap());
        format!(
            "{head}{}",
            tail.replacen("\\\\INSIDX.QCVOLCAT", "\\\\INSIDX.BRVOLCAT", 1).replacen(
                "\\\\INSIDX.QCFILCAT",
                "\\\\INSIDX.BRFILCAT",
                1
            )
        )
    });
    // Named relative to `dir`, for the golden document.
    crate::support::copy_area("fixtures/slab-a-daily", &dir.path().join("area"));
    let o = crate::support::catstage()
        .current_dir(dir.path())
        .args(["plan", "area", "--config", "sec.toml", "--type", "full", "--baseline", "baseline", "--format", "json"])
        .output()
        .unwrap();
    crate::support::golden(
        &crate::support::root().join("fixtures/plan/full-volume-moves.json"),
        &crate::support::stdout(&o),
    );
    let doc = json(&o);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS324").cloned();
    let d = d.unwrap_or_else(|| panic!("no CS324: {doc:#}"));
    assert_eq!(d["count"], 1, "{d:#}");
    assert!(d["examples"][0].as_str().unwrap().starts_with("SAD001"), "{d:#}");
    assert_eq!(code(&o), 1);
    // Without the move, no finding.
    let o = run(&[
        "plan",
        "fixtures/slab-a-daily",
        "--config",
        p(&cfg),
        "--type",
        "full",
        "--baseline",
        "fixtures/slab-a-daily",
        "--format",
        "json",
    ]);
    assert!(!codes(&json(&o)).contains(&"CS324".to_string()));
}

#[test]
fn issue33_item05_a_full_plan_without_diskfiles_still_counts_those_deleted_with_their_tape_files() {
    let args = [
        "plan",
        "fixtures/slab-a-daily",
        "--config",
        "fixtures/slab-a-daily.toml",
        "--type",
        "full",
        "--baseline",
        "fixtures/plan/baseline-3c-2r-1a",
        "--catalogfiles",
        "no",
        "--format",
        "json",
    ];
    let doc = json(&run(&args));
    let deleted: Vec<&serde_json::Value> =
        doc["volumes"].as_array().unwrap().iter().filter(|v| v["action"] == "delete").collect();
    assert!(!deleted.is_empty(), "{doc:#}");
    for v in deleted {
        assert!(v["diskfiles"]["deleted"].as_u64().unwrap() > 0, "{v:#}");
    }
}

#[test]
fn issue33_item04_status_does_not_claim_images_were_copied_whole() {
    let dir = tmp();
    let d = dir.path();
    let o = run(&["generate", "-o", p(&d.join("A")), "--volumes", "5", "--images", p(&d.join("img")), "-q"]);
    assert_eq!(code(&o), 0);
    // A half-copied image: both files there, fresh, a few bytes long.
    let image = std::fs::read_dir(d.join("img/path1"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "DAT"))
        .unwrap();
    std::fs::write(&image, b"half").unwrap();
    let o = run(&["status", p(&d.join("A")), "--image-path", p(&d.join("img/path1"))]);
    let text = crate::support::stdout(&o);
    let line = text.lines().find(|l| l.starts_with("Images replicated")).unwrap_or_else(|| panic!("{text}"));
    assert!(!line.contains(" yes"), "{line}");
    assert!(line.contains("whether each image was copied whole is not checked"), "{line}");
}

#[test]
fn issue33_item11_validate_judges_the_import_it_is_told_not_one_it_guesses() {
    let dir = tmp();
    let area = dir.path().join("cf");
    let cfg = dir.path().join("cf.toml");
    let o = run(&["generate", "-o", p(&area), "--volumes", "5", "--catalogfiles", "no", "--secondary-config", p(&cfg)]);
    assert_eq!(code(&o), 0);
    let severity = |t: &[&str]| {
        let mut args = vec!["validate", p(&area), "--config", p(&cfg), "--catalogfiles", "yes", "--format", "json"];
        args.extend_from_slice(t);
        let doc = json(&run(&args));
        let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS316").cloned();
        d.map(|d| d["severity"].as_str().unwrap().to_string())
    };
    // The area holds a FULL only: without --type, a FULL import is judged.
    assert_eq!(severity(&[]).as_deref(), Some("error"));
    assert_eq!(severity(&["--type", "full"]).as_deref(), Some("error"));
    assert_eq!(severity(&["--type", "UPDATE"]).as_deref(), Some("warning"));
}

#[test]
fn issue33_item11_a_mirror_whose_ssl_lists_its_own_node_name_is_not_cs310() {
    // Both systems carry the node name \ETINIUM and are not linked (same_node_name, R4):
    // the SSL that lists \ETINIUM lists the secondary itself.
    let dir = tmp();
    let cfg = config(dir.path(), |t| {
        t.replace("same_node_name = false", "same_node_name = true")
            .replace("node_replacement = [[\"\\\\ETINIUM\", \"\\\\INSIDX\"]]", "")
            .replace("\\\\INSIDX", "\\\\ETINIUM")
    });
    let o = validate_json(std::path::Path::new("fixtures/slab-a-daily"), &cfg);
    let found = codes(&json(&o));
    assert!(!found.contains(&"CS310".to_string()), "{found:?}");
    assert_eq!(code(&o), 0, "{found:?}");
}

#[test]
fn issue33_item11_status_names_the_newest_volume_file_not_a_summary() {
    let dir = tmp();
    let area = crate::support::copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    // The summary written last, as every export leaves it.
    let later = std::time::SystemTime::now();
    std::fs::File::options().write(true).open(area.join("FULL")).unwrap().set_modified(later).unwrap();
    let doc = json(&run(&["status", p(&area), "--format", "json"]));
    let newest = doc["newest_file"]["file"].as_str().unwrap();
    assert!(newest.starts_with('V'), "{doc:#}");
}

#[test]
fn issue33_item09_a_node_replacement_that_makes_two_disk_file_names_one_is_found_before_it_runs() {
    let dir = tmp();
    let area = crate::support::copy_area("fixtures/slab-a-daily", &dir.path().join("s"));
    let file = area.join("VSAD001");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // The END line stays, now wrong: seal writes it again.
    let first = lines.iter().position(|l| l.starts_with("diskfile ")).unwrap();
    let key = |l: &str| l[l.find(" fileid=").unwrap()..l.find(" dumped=").unwrap()].to_string();
    let k = key(&lines[first]);
    let last = lines.iter().rposition(|l| l.starts_with("diskfile ") && key(l) == k).unwrap();
    // The same disk file under the secondary's node: sorted after every \ETINIUM name.
    let twin = lines[first].replacen("name=\\ETINIUM.", "name=\\INSIDX.", 1);
    assert_ne!(twin, lines[first]);
    lines.insert(last + 1, twin);
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let o = run(&["seal", p(&area), "VSAD001"]);
    assert_eq!(code(&o), 0, "{}", crate::support::stderr(&o));
    // Without a configuration the two names are two disk files.
    assert!(!codes(&json(&run(&["validate", p(&area), "--format", "json"]))).contains(&"CS205".to_string()));
    let o = validate_json(&area, std::path::Path::new("fixtures/slab-a-daily.toml"));
    let doc = json(&o);
    let found: Vec<&serde_json::Value> =
        doc["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "CS205").collect();
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(found[0]["file"], "VSAD001");
    assert!(found[0]["message"].as_str().unwrap().contains("node replacement makes both \\INSIDX"), "{doc:#}");
    // And replace-nodes, run, gives the duplicate the check foresaw.
    let o = run(&["replace-nodes", p(&area), "--config", "fixtures/slab-a-daily.toml", "--in-place"]);
    assert!(code(&o) <= 1, "{}", crate::support::stderr(&o));
}

#[test]
fn issue33_item12_a_deactivated_store_is_an_error_for_status_and_a_warning_before_an_import() {
    let dir = tmp();
    let cfg = config(dir.path(), |t| t.replace("node = \"\\\\INSIDX\"\n", "node = \"\\\\INSIDX\"\nactive = false\n"));
    let severity = |args: &[&str]| {
        let doc = json(&run(args));
        let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS325").cloned();
        d.map(|d| d["severity"].as_str().unwrap().to_string())
    };
    let (a, c) = ("fixtures/slab-a-daily", p(&cfg));
    assert_eq!(severity(&["status", a, "--config", c, "--format", "json"]).as_deref(), Some("error"));
    let o = run(&["status", a, "--config", c]);
    assert_eq!(code(&o), 1, "a role switch needs restores: {}", crate::support::stdout(&o));
    assert_eq!(severity(&["validate", a, "--config", c, "--format", "json"]).as_deref(), Some("warning"));
    assert_eq!(severity(&["plan", a, "--config", c, "--type", "full", "--format", "json"]).as_deref(), Some("warning"));
    // Without the key, nothing is said; with active = true, nothing either.
    let said = config(dir.path(), |t| t.replace("node = \"\\\\INSIDX\"\n", "node = \"\\\\INSIDX\"\nactive = true\n"));
    assert_eq!(severity(&["status", a, "--config", p(&said), "--format", "json"]), None);
}

#[test]
fn issue33_item12_an_import_window_that_holds_the_expiration_run_is_a_warning() {
    let dir = tmp();
    let found = |window: &str, at: &str| {
        let cfg = config(dir.path(), |t| {
            t.replace("[import]\n", &format!("[import]\nwindow = {window}\n"))
                .replace("[environment]\n", &format!("[environment]\nautoexpire_time = \"{at}\"\n"))
        });
        let o = run(&["validate", "fixtures/slab-a-daily", "--config", p(&cfg), "--format", "json"]);
        assert!(code(&o) <= 1, "{}", crate::support::stdout(&o));
        codes(&json(&o)).contains(&"CS326".to_string())
    };
    assert!(found("[\"01:00\", \"03:00\"]", "02:00"));
    assert!(found("[\"23:00\", \"01:30\"]", "00:15"), "a window across midnight");
    assert!(!found("[\"01:00\", \"03:00\"]", "04:00"));
    assert!(!found("[\"23:00\", \"01:30\"]", "22:59"));
    // A time that is none is the configuration's error.
    let cfg = config(dir.path(), |t| t.replace("[environment]\n", "[environment]\nautoexpire_time = \"25:00\"\n"));
    let o = run(&["validate", "fixtures/slab-a-daily", "--config", p(&cfg)]);
    assert_eq!(code(&o), 2);
    let all = format!("{}{}", crate::support::stdout(&o), crate::support::stderr(&o));
    assert!(all.contains("is not a time of day HH:MM"), "{all}");
}

/// The fixture with VSARD01's tape file renamed to SLABA-BAK11-DAILY at `generation` (SAD001's is
/// SLABA-BAK11-DAILY gen 18), and with `brcom_volcat`, the BRCOM group's primary catalog.
fn shared_fileid(dir: &std::path::Path, generation: u32, brcom_volcat: &str) -> std::path::PathBuf {
    let area = crate::support::copy_area("fixtures/slab-a-daily", &dir.join("s"));
    let v = area.join("VSARD01");
    let text = std::fs::read_to_string(&v).unwrap();
    let text = text
        .replace("fileid=SLABA-BRCOM-DAILY gen=18", &format!("fileid=SLABA-BAK11-DAILY gen={generation}"))
        .replace("tapevolume volcat=\\ETINIUM.SLABVC", &format!("tapevolume volcat={brcom_volcat}"));
    std::fs::write(&v, text).unwrap();
    let full = area.join("FULL");
    let text = std::fs::read_to_string(&full).unwrap().replace(
        "group id=VG_SLAB_A_BRCOM-DAILY catalog=DSMTC media=CART3480 volcat=\\ETINIUM.SLABVC",
        &format!("group id=VG_SLAB_A_BRCOM-DAILY catalog=DSMTC media=CART3480 volcat={brcom_volcat}"),
    );
    std::fs::write(&full, text).unwrap();
    let o = run(&["seal", p(&area), "VSARD01", "FULL"]);
    assert_eq!(code(&o), 0, "{}", crate::support::stderr(&o));
    area
}

fn validate_codes(area: &std::path::Path, cfg: &std::path::Path) -> Vec<String> {
    codes(&json(&validate_json(area, cfg)))
}

#[test]
fn issue33_item08_one_tape_file_key_in_two_secondary_filecats_is_no_duplicate() {
    let dir = tmp();
    let area = shared_fileid(dir.path(), 18, "\\ETINIUM.SLABVC");
    // Both groups go to \INSIDX.QCFILCAT: one key twice in one catalog.
    let same = config(dir.path(), |t| t);
    assert!(validate_codes(&area, &same).contains(&"CS203".to_string()));
    // The BRCOM group to a FILECAT of its own: each catalog holds the key once.
    let apart = config(dir.path(), |t| {
        let at = t.find("id = \"VG_2ND_SLAB_A_BRCOM-DAILY\"").unwrap();
        let (head, tail) = t.split_at(at);
        format!("{head}{}", tail.replacen("filecat = \"\\\\INSIDX.QCFILCAT\"", "filecat = \"\\\\INSIDX.BRFILCAT\"", 1))
    });
    let found = validate_codes(&area, &apart);
    assert!(!found.contains(&"CS203".to_string()), "{found:?}");
}

#[test]
fn issue33_item08_fileids_of_two_primary_catalogs_merged_into_one_filecat_are_cs206() {
    let dir = tmp();
    // The BRCOM group lives in another primary catalog, which numbers SLABA-BAK11-DAILY's
    // generations on its own (gen 17 there); both groups go to \INSIDX.QCFILCAT.
    let area = shared_fileid(dir.path(), 17, "\\ETINIUM.BRVC");
    let cfg = config(dir.path(), |t| t);
    let o = validate_json(&area, &cfg);
    let doc = json(&o);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS206").cloned();
    let d = d.unwrap_or_else(|| panic!("{doc:#}"));
    assert!(d["message"].as_str().unwrap().contains("SLABA-BAK11-DAILY into \\INSIDX.QCFILCAT"), "{d:#}");
    assert_eq!(code(&o), 1);
    // The same primary catalog numbers one FILECAT's generations: no merge.
    let dir2 = tmp();
    let area = shared_fileid(dir2.path(), 17, "\\ETINIUM.SLABVC");
    let cfg = config(dir2.path(), |t| t);
    assert!(!validate_codes(&area, &cfg).contains(&"CS206".to_string()));
}

#[test]
fn issue33_item05_a_replaced_tape_file_takes_its_diskfiles_with_it_under_catalogfiles_no() {
    let dir = tmp();
    let base = crate::support::copy_area("fixtures/slab-a-daily", &dir.path().join("base"));
    let cur = crate::support::copy_area("fixtures/slab-a-daily", &dir.path().join("cur"));
    // SAD001's tape file is written again: generation 18 gives way to 28.
    let v = cur.join("VSAD001");
    let text = std::fs::read_to_string(&v).unwrap();
    let old_diskfiles = text.lines().filter(|l| l.starts_with("diskfile ") && l.contains(" gen=18 ")).count();
    assert!(old_diskfiles > 0);
    std::fs::write(&v, text.replace("fileid=SLABA-BAK11-DAILY gen=18", "fileid=SLABA-BAK11-DAILY gen=28")).unwrap();
    assert_eq!(code(&run(&["seal", p(&cur), "VSAD001", "-q"])), 0);
    let args = ["plan", p(&cur), "--config", "fixtures/slab-a-daily.toml", "--type", "full", "--baseline", p(&base)];
    let mut args = args.to_vec();
    args.extend(["--catalogfiles", "no", "--format", "json"]);
    let doc = json(&run(&args));
    let v = doc["volumes"].as_array().unwrap().iter().find(|v| v["label"] == "SAD001").cloned().unwrap();
    assert_eq!(v["action"], "update", "{v:#}");
    assert_eq!(v["diskfiles"]["deleted"], old_diskfiles as u64, "{v:#}");
}
