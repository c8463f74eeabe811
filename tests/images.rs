//! `catstage images` (R23): one test per rule of formats/images.md §3, each with its
//! exact text and JSON output (golden files under `fixtures/images/`), the fixtures of
//! the CS6xx codes (`fixtures/err/06xx_*`, recipes here), `status` and `plan` with
//! images, and `generate --images`.
//!
//! Git keeps no modification times, so every case sets its image files' times
//! explicitly (never "now") before it runs. `CATSTAGE_BLESS=1` rewrites the goldens and
//! the fixtures.

use crate::support::{self, cases, codes, edit_lines, golden, rehash_entry, root};
use catstage::model::Timestamp;
use std::collections::BTreeMap;
use std::fs::{self, File, FileTimes};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, UNIX_EPOCH};

/// Seconds since 1970 of an RFC 3339 time.
fn at(t: &str) -> i64 {
    Timestamp::parse(t).unwrap().instant()
}

/// The `written` times of the mini area's volumes that hold data.
const WRITTEN: [(&str, &str); 4] = [
    ("SAD001", "2021-12-30T22:15:02-05:00"),
    ("SAD002", "2021-12-30T22:38:02-05:00"),
    ("SARD01", "2021-12-30T22:40:02-05:00"),
    ("SARD03", "2021-12-31T22:40:02-05:00"),
];

fn written(label: &str) -> i64 {
    at(WRITTEN.iter().find(|(l, _)| *l == label).unwrap().1)
}

/// One file in a data path.
#[derive(Clone, Debug, PartialEq)]
struct Image {
    dir: &'static str,
    name: String,
    bytes: Vec<u8>,
    mtime: i64,
}

/// A staging area, its data paths and what else the command reads.
#[derive(Clone, Debug)]
struct Case {
    area: BTreeMap<String, Vec<u8>>,
    data_paths: Vec<&'static str>,
    images: Vec<Image>,
    /// Symbolic links in data paths: (dir, name, target).
    links: Vec<(&'static str, String, &'static str)>,
    /// Directories in data paths (each holding one file): (dir, name).
    dirs: Vec<(&'static str, String)>,
    /// Other files beside the area: migrated lists, configurations.
    files: BTreeMap<&'static str, String>,
    args: Vec<String>,
}

impl Case {
    /// The mini area (5 volumes, SAD013 scratch) with a fresh image of each volume that
    /// holds data, modified an hour after its last write: SAD001 and SARD01 on P1,
    /// SAD002 and SARD03 on P2.
    fn fresh() -> Case {
        let mut c = Case {
            area: cases::mini(),
            data_paths: vec!["P1", "P2"],
            images: Vec::new(),
            links: Vec::new(),
            dirs: Vec::new(),
            files: BTreeMap::new(),
            args: ["images", "area", "--path", "P1", "--path", "P2"].map(String::from).to_vec(),
        };
        for (i, (label, _)) in WRITTEN.iter().enumerate() {
            let dir = if i % 3 == 0 { "P1" } else { "P2" };
            c.put(dir, &format!("LB{label}.IND"), written(label) + 3600);
            c.put(dir, &format!("LB{label}.DAT"), written(label) + 3600);
        }
        c
    }

    /// Adds (or replaces) a small file in a data path.
    fn put(&mut self, dir: &'static str, name: &str, mtime: i64) {
        self.images.retain(|i| i.dir != dir || i.name != name);
        let bytes = format!("{name}: stands in for an image file; its content is never read\n").into_bytes();
        self.images.push(Image { dir, name: name.to_string(), bytes, mtime });
    }

    fn remove(&mut self, name: &str) {
        self.images.retain(|i| i.name != name);
    }

    fn image(&mut self, name: &str) -> &mut Image {
        self.images.iter_mut().find(|i| i.name == name).unwrap()
    }

    fn arg(mut self, extra: &[&str]) -> Case {
        self.args.extend(extra.iter().map(|s| s.to_string()));
        self
    }

    /// Writes everything into `dir`.
    /// The tree the case is made of: the area, the data paths with their images, links
    /// and directories, and the files beside them.
    fn recipe(&self) -> support::Recipe {
        use support::Node;
        let mut r = support::file_recipe("area", self.area.clone());
        for p in &self.data_paths {
            let dir = Path::new(p);
            let before = r.len();
            for i in self.images.iter().filter(|i| i.dir == *p) {
                r.insert(dir.join(&i.name), Node::File(i.bytes.clone()));
            }
            for (_, name, target) in self.links.iter().filter(|l| l.0 == *p) {
                r.insert(dir.join(name), Node::Link(target.into()));
            }
            for (_, name) in self.dirs.iter().filter(|d| d.0 == *p) {
                r.insert(dir.join(name).join("KEEP"), Node::File(b"a directory named like an image file\n".to_vec()));
            }
            if r.len() == before {
                r.insert(dir.into(), Node::Dir);
            }
        }
        r.extend(self.files.iter().map(|(name, text)| (PathBuf::from(name), Node::File(text.clone().into_bytes()))));
        r
    }

    fn write(&self, dir: &Path) {
        support::write_recipe(dir, &self.recipe());
    }

    /// Sets every image file's modification time, as the recipe says, and the staging
    /// files' to when the export was received (status shows the newest).
    fn set_times(&self, dir: &Path) {
        let set = |path: PathBuf, secs: i64| {
            let t = UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap());
            let f = File::options().write(true).open(path).unwrap();
            f.set_times(FileTimes::new().set_modified(t).set_accessed(t)).unwrap();
        };
        for i in &self.images {
            set(dir.join(i.dir).join(&i.name), i.mtime);
        }
        for name in self.area.keys() {
            set(dir.join("area").join(name), at("2022-01-05T18:02:11-05:00"));
        }
    }
}

/// Runs catstage in `dir`.
fn run_in(dir: &Path, args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_catstage")).current_dir(dir).args(args).env_remove("NO_COLOR").output().unwrap()
}

/// Stdout, then stderr when there is any.
fn text_of(o: &Output) -> String {
    let mut s = String::from_utf8(o.stdout.clone()).unwrap();
    s.push_str(&String::from_utf8(o.stderr.clone()).unwrap());
    s
}

/// Runs the case's command in text and JSON, compares both with `golden_base`.txt and
/// .json, and checks the exit status of both runs.
fn outputs(dir: &Path, args: &[String], golden_base: &Path, want: i32) -> serde_json::Value {
    let text = run_in(dir, args);
    let mut json_args = args.to_vec();
    json_args.extend(["--format".to_string(), "json".to_string()]);
    let json = run_in(dir, &json_args);
    golden(&golden_base.with_extension("txt"), &text_of(&text));
    golden(&golden_base.with_extension("json"), &String::from_utf8(json.stdout.clone()).unwrap());
    assert_eq!(
        text.status.code(),
        Some(want),
        "{}: exit status of the text run\n{}",
        golden_base.display(),
        text_of(&text)
    );
    assert_eq!(json.status.code(), Some(want), "{}: exit status of the JSON run", golden_base.display());
    if want == 2 {
        // The reason is in the document too (stderr says it for the log).
        let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(doc["status"], 2, "{}", text_of(&json));
        assert!(!doc["diagnostics"].as_array().unwrap().is_empty());
    } else {
        assert!(json.stderr.is_empty(), "a JSON run prints its findings in the document: {}", text_of(&json));
    }
    serde_json::from_slice(&json.stdout).unwrap()
}

/// Runs a rule test in a temporary directory; goldens in `fixtures/images/NAME`.
fn rule(name: &str, case: &Case, want: i32) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    case.write(tmp.path());
    case.set_times(tmp.path());
    outputs(tmp.path(), &case.args, &root().join("fixtures/images").join(name), want)
}

fn labels(doc: &serde_json::Value, key: &str) -> Vec<String> {
    doc[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[test]
fn images_all_fresh_is_clean() {
    let doc = rule("all-fresh", &Case::fresh(), 0);
    assert_eq!(doc["present"], 4);
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
}

#[test]
fn images_rule1_volume_with_data_needs_both_files_in_one_path() {
    let mut c = Case::fresh();
    c.remove("LBSAD002.DAT");
    c.remove("LBSARD01.IND");
    c.remove("LBSARD01.DAT");
    // A scratch volume needs no image; one that has images is fine, and counted.
    c.put("P1", "LBSAD013.IND", at("2021-12-01T00:00:00+00:00"));
    c.put("P1", "LBSAD013.DAT", at("2021-12-01T00:00:00+00:00"));
    let doc = rule("rule1-missing", &c, 1);
    assert_eq!(labels(&doc, "missing"), ["SAD002", "SARD01"]);
    assert_eq!((doc["with_data"].as_u64(), doc["present"].as_u64()), (Some(4), Some(2)));
    assert_eq!((doc["scratch"].as_u64(), doc["scratch_with_images"].as_u64()), (Some(1), Some(1)));
}

#[test]
fn images_rule2_links_directories_and_empty_data_files_are_errors() {
    let mut c = Case::fresh();
    // SAD001's data file is a link to a whole file elsewhere: never followed.
    c.remove("LBSAD001.DAT");
    c.links.push(("P1", "LBSAD001.DAT".into(), "../P2/LBSAD002.DAT"));
    c.remove("LBSARD01.IND");
    c.dirs.push(("P1", "LBSARD01.IND".into()));
    c.image("LBSAD002.DAT").bytes.clear();
    let doc = rule("rule2-not-regular-or-empty", &c, 1);
    assert_eq!(labels(&doc, "not_regular"), ["P1/LBSAD001.DAT", "P1/LBSARD01.IND"]);
    assert_eq!(labels(&doc, "missing"), ["SAD001", "SARD01"]);
    assert_eq!(labels(&doc, "empty"), ["SAD002"]);
}

#[test]
fn images_rule3_image_older_than_last_write_is_stale_compared_as_instants() {
    let mut c = Case::fresh();
    // Within the 10-minute tolerance: fine. Beyond it: stale.
    c.image("LBSAD001.IND").mtime = written("SAD001") - 599;
    c.image("LBSAD001.DAT").mtime = written("SAD001") - 599;
    c.image("LBSAD002.DAT").mtime = written("SAD002") - 601;
    // SARD03's record spells its last write at +01:00: the same instant, 6 hours later
    // on the clock. Its image, 5 minutes before that instant, is fresh.
    let v = edit_lines(&c.area["VSARD03"], |l| {
        l[2] = l[2].replace("written=2021-12-31T22:40:02-05:00", "written=2022-01-01T04:40:02+01:00")
    });
    c.area.insert("VSARD03".into(), v);
    rehash_entry(&mut c.area, "FULL", "VSARD03");
    c.image("LBSARD03.IND").mtime = written("SARD03") - 300;
    c.image("LBSARD03.DAT").mtime = written("SARD03") - 300;
    let doc = rule("rule3-stale", &c, 1);
    assert_eq!(labels(&doc, "stale"), ["SAD002"]);
    // With a tolerance of zero, SAD001 and SARD03 are stale too.
    let tight = c.clone().arg(&["--tolerance", "0"]);
    let doc = rule("rule3-stale-tolerance-0", &tight, 1);
    assert_eq!(labels(&doc, "stale"), ["SAD001", "SAD002", "SARD03"]);
    assert_eq!(doc["tolerance_seconds"], 0);
}

#[test]
fn images_rule4_a_volume_on_two_paths_is_a_warning_naming_the_newer() {
    let mut c = Case::fresh();
    // SAD001 also on P2, newer: BackBox would use P2's.
    c.put("P2", "LBSAD001.IND", written("SAD001") + 7200);
    c.put("P2", "LBSAD001.DAT", written("SAD001") + 7200);
    // SAD002 also on P1, older and stale: only the newer, whole copy is checked.
    c.put("P1", "LBSAD002.IND", written("SAD002") - 86_400);
    c.put("P1", "LBSAD002.DAT", written("SAD002") - 86_400);
    let doc = rule("rule4-duplicates", &c, 0);
    assert_eq!(labels(&doc, "duplicates"), ["SAD001", "SAD002"]);
    assert_eq!(labels(&doc, "stale"), Vec::<String>::new());
    assert_eq!(doc["summary"]["warnings"], 2);
}

#[test]
fn images_rule5_images_of_no_volume_are_orphans_other_files_ignored() {
    let mut c = Case::fresh();
    c.put("P1", "LBSAD099.IND", at("2021-11-01T00:00:00+00:00"));
    c.put("P1", "LBSAD099.DAT", at("2021-11-01T00:00:00+00:00"));
    c.put("P2", "NLTMP1.DAT", at("2021-11-01T00:00:00+00:00"));
    // Not image names: ignored.
    for name in ["README.txt", "LBSAD001.TMP", "LBSAD0012.DAT", "LB.DAT", "XXSAD001.DAT"] {
        c.put("P2", name, at("2021-11-01T00:00:00+00:00"));
    }
    c.dirs.push(("P1", "archive".into()));
    let doc = rule("rule5-orphans", &c, 0);
    assert_eq!(labels(&doc, "orphans"), ["P1/LBSAD099.IND", "P1/LBSAD099.DAT", "P2/NLTMP1.DAT"]);
}

#[test]
fn images_rule6_migrated_volumes_are_expected_absent() {
    let mut c = Case::fresh();
    c.remove("LBSARD01.IND");
    c.remove("LBSARD01.DAT");
    c.remove("LBSARD03.DAT");
    // SAD001 is listed but was recalled: present. OTHER1 is not in this data store.
    c.files.insert(
        "migrated.txt",
        "# moved to the back-end store by the HSM script\nsard01\nSARD03   # data file only\nSAD001\nOTHER1\n".into(),
    );
    let c = c.arg(&["--migrated", "migrated.txt"]);
    let doc = rule("rule6-migrated", &c, 0);
    assert_eq!(labels(&doc, "migrated"), ["SARD01", "SARD03"]);
    assert_eq!(labels(&doc, "missing"), Vec::<String>::new());
    assert_eq!(doc["present"], 2);
}

#[test]
fn images_rule7_names_match_in_any_case_and_either_prefix() {
    let mut c = Case::fresh();
    for (from, to) in [
        ("LBSAD001.IND", "lbsad001.ind"),
        ("LBSAD001.DAT", "LbSad001.Dat"),
        ("LBSAD002.IND", "NLSAD002.IND"),
        ("LBSAD002.DAT", "nlsad002.dat"),
    ] {
        let i = c.image(from);
        i.name = to.into();
    }
    // Two spellings of one name in one directory: one file on a Windows share.
    let twin = c.image("LBSARD01.DAT").clone();
    c.images.push(Image { name: "lbsard01.dat".into(), ..twin });
    let doc = rule("rule7-case", &c, 0);
    assert_eq!(doc["present"], 4);
    assert_eq!(codes(&doc), ["CS606"]);
}

#[test]
fn images_rule8_settings_come_from_the_configuration_and_flags_override() {
    let mut c = Case::fresh();
    // SAD002's image is 30 minutes older than its last write: stale at 10m, fine at 1h.
    c.image("LBSAD002.IND").mtime = written("SAD002") - 1800;
    c.image("LBSAD002.DAT").mtime = written("SAD002") - 1800;
    c.remove("LBSARD01.IND");
    c.remove("LBSARD01.DAT");
    let mut config = cases::mini_config();
    config.push_str("\n[images]\npaths = [\"../P1\", \"../P2\"]   # relative to this file\nlayout = \"backbox\"\ntolerance = \"1h\"\nmigrated = \"migrated.txt\"\n");
    c.files.insert("etc/sec.toml", config);
    c.files.insert("etc/migrated.txt", "SARD01\n".into());
    c.args = ["images", "area", "--config", "etc/sec.toml"].map(String::from).to_vec();
    let doc = rule("rule8-config", &c, 0);
    assert_eq!(labels(&doc, "paths"), ["etc/../P1", "etc/../P2"]);
    assert_eq!(doc["tolerance_seconds"], 3600);
    assert_eq!(labels(&doc, "migrated"), ["SARD01"]);
    // Flags override: only P1 and a tolerance of 10 minutes; the migrated list stays.
    let over = c.clone().arg(&["--path", "P1", "--path", "P2", "--tolerance", "10m"]);
    let doc = rule("rule8-config-overridden", &over, 1);
    assert_eq!(labels(&doc, "paths"), ["P1", "P2"]);
    assert_eq!(labels(&doc, "stale"), ["SAD002"]);
}

#[test]
fn images_rule9_exit_status_two_names_the_reason_in_text_and_json() {
    let c = Case::fresh();
    let tmp = tempfile::tempdir().unwrap();
    c.write(tmp.path());
    c.set_times(tmp.path());
    fs::write(tmp.path().join("FILE"), b"not a directory\n").unwrap();
    let mut bad_config = cases::mini_config();
    bad_config.push_str("\n[images]\npaths = \"P1\"\ntolerance = \"soon\"\ncolour = \"blue\"\n");
    fs::write(tmp.path().join("bad.toml"), bad_config).unwrap();
    let runs: &[(&str, &[&str])] = &[
        ("rule9-path-does-not-exist", &["images", "area", "--path", "P1", "--path", "P3"]),
        ("rule9-path-not-a-directory", &["images", "area", "--path", "FILE"]),
        ("rule9-same-path-twice", &["images", "area", "--path", "P1", "--path", "./P1/"]),
        ("rule9-no-data-path", &["images", "area"]),
        ("rule9-bad-tolerance", &["images", "area", "--path", "P1", "--tolerance", "10 minutes"]),
        ("rule9-bad-config", &["images", "area", "--config", "bad.toml"]),
        ("rule9-no-staging-area", &["images", "nowhere", "--path", "P1"]),
        ("rule9-migrated-list-unreadable", &["images", "area", "--path", "P1", "--migrated", "nolist.txt"]),
    ];
    for (name, args) in runs {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        // The document of a run that could not run: its schema, status 2, the reasons.
        let doc = outputs(tmp.path(), &args, &root().join("fixtures/images").join(name), 2);
        assert_eq!(doc["status"], 2, "{name}");
        assert!(doc["diagnostics"].as_array().unwrap().iter().any(|d| d["severity"] == "error"), "{name}");
    }
    // -q: nothing on stdout, the status tells.
    let mut args = c.args.clone();
    args.push("-q".into());
    let o = run_in(tmp.path(), &args);
    assert_eq!((o.status.code(), o.stdout.len(), o.stderr.len()), (Some(0), 0, 0));
    fs::remove_file(tmp.path().join("P2/LBSAD002.DAT")).unwrap();
    let o = run_in(tmp.path(), &args);
    assert_eq!((o.status.code(), o.stdout.len(), o.stderr.len()), (Some(1), 0, 0));
}

#[test]
fn images_all_lists_every_instance_of_a_rolled_up_finding() {
    let mut c = Case::fresh();
    for i in 0..12 {
        c.put("P2", &format!("LBOLD{i:03}.DAT"), at("2021-06-01T00:00:00+00:00"));
    }
    let doc = rule("rolled-up", &c, 0);
    assert_eq!(codes(&doc), ["CS607"]);
    assert_eq!(doc["diagnostics"][0]["count"], 12);
    assert_eq!(doc["orphans"].as_array().unwrap().len(), 12);
    let doc = rule("rolled-up-all", &c.clone().arg(&["--all"]), 0);
    assert_eq!(codes(&doc).len(), 12);
    assert_eq!(doc["summary"]["warnings"], 12);
}

#[test]
fn images_rule10_status_and_plan_take_the_image_settings() {
    let mut c = Case::fresh();
    // The newest volume of VG_SLAB_A_BRCOM-DAILY is SARD03: its image is stale.
    c.image("LBSARD03.DAT").mtime = written("SARD03") - 7200;
    c.remove("LBSAD002.IND");
    c.remove("LBSAD002.DAT");
    c.files.insert("config.toml", cases::mini_config());
    let tmp = tempfile::tempdir().unwrap();
    c.write(tmp.path());
    c.set_times(tmp.path());
    let dir = root().join("fixtures/images");
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let doc = outputs(
        tmp.path(),
        &args(&["status", "area", "--image-path", "P1", "--image-path", "P2"]),
        &dir.join("rule10-status"),
        1,
    );
    let newest: Vec<(String, String, String)> = doc["images"]["newest_written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["group"].as_str().unwrap().into(),
                n["label"].as_str().unwrap().into(),
                n["image"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        newest,
        [
            ("VG_SLAB_A-DAILY".into(), "SAD002".into(), "missing".into()),
            ("VG_SLAB_A_BRCOM-DAILY".into(), "SARD03".into(), "stale".into())
        ]
    );
    assert_eq!(doc["images"]["replicated"], false);
    // Without image settings, status is what it was.
    let plain = run_in(tmp.path(), &args(&["status", "area", "--format", "json"]));
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert!(plain.get("images").is_none());
    // plan: warnings, not errors; each volume marked.
    let doc = outputs(
        tmp.path(),
        &args(&[
            "plan",
            "area",
            "--config",
            "config.toml",
            "--type",
            "full",
            "--image-path",
            "P1",
            "--image-path",
            "P2",
        ]),
        &dir.join("rule10-plan"),
        0,
    );
    let marks: Vec<(String, String)> = doc["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["label"].as_str().unwrap().into(), v["image"].as_str().unwrap().into()))
        .collect();
    let want =
        [("SAD001", "fresh"), ("SAD002", "missing"), ("SAD013", "scratch"), ("SARD01", "fresh"), ("SARD03", "stale")];
    assert_eq!(marks, want.map(|(a, b)| (a.to_string(), b.to_string())));
    let warned: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "warning")
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // CS318: without --baseline a FULL plan cannot know its deletions (issue 15, item 13).
    assert_eq!(warned, ["CS318", "CS601", "CS604"]);
}

#[test]
fn generate_images_writes_a_tree_that_checks_clean_and_goes_stale_after_an_update() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let s = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let o = run_in(t, &s(&["generate", "-o", "area", "--volumes", "40", "--images", "img", "--image-paths", "3"]));
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let paths = ["--path", "img/path1", "--path", "img/path2", "--path", "img/path3"];
    let o = run_in(t, &[s(&["images", "area", "--format", "json"]), s(&paths)].concat());
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{doc:#}");
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
    let with_data = doc["with_data"].as_u64().unwrap();
    assert_eq!(doc["present"].as_u64(), Some(with_data));
    // Small files: the index 512 bytes, the data 64 KiB; spread over the three paths.
    let mut counts = Vec::new();
    for p in 1..=3 {
        let dir = t.join(format!("img/path{p}"));
        let mut n = 0;
        for e in fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let len = e.metadata().unwrap().len();
            let name = e.file_name().into_string().unwrap();
            assert_eq!(len, if name.ends_with(".IND") { 512 } else { 65536 }, "{name}");
            n += 1;
        }
        counts.push(n);
    }
    assert_eq!(counts.iter().sum::<u64>(), 2 * with_data);
    assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
    // The next UPDATE export rewrote 3 volumes after their images were made: stale, until
    // their images are generated again.
    let o = run_in(
        t,
        &s(&[
            "generate",
            "--from",
            "area",
            "-o",
            "next",
            "--update",
            "3",
            "--images",
            "img-next",
            "--image-paths",
            "2",
        ]),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let o = run_in(t, &[s(&["images", "next", "--format", "json"]), s(&paths)].concat());
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(doc["stale"].as_array().unwrap().len(), 3, "{doc:#}");
    let o = run_in(t, &s(&["images", "next", "--path", "img-next/path1", "--path", "img-next/path2", "-q"]));
    assert_eq!(o.status.code(), Some(0));
    // An image tree is never written over.
    let o = run_in(t, &s(&["generate", "-o", "area3", "--volumes", "2", "--images", "img"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(text_of(&o).contains("img exists and is not an empty directory"), "{}", text_of(&o));
}

// ---- The fixtures of the CS6xx codes -------------------------------------------------

/// The recipe of each `fixtures/err/06xx_*` case.
fn err_cases() -> Vec<(&'static str, Case, i32)> {
    let mut out = Vec::new();
    let mut c = Case::fresh();
    c.remove("LBSAD002.IND");
    c.remove("LBSAD002.DAT");
    c.remove("LBSARD01.DAT");
    out.push(("0601_missing-image", c, 1));
    let mut c = Case::fresh();
    c.remove("LBSAD001.DAT");
    c.links.push(("P1", "LBSAD001.DAT".into(), "/mnt/primary/vtl1/LBSAD001.DAT"));
    out.push(("0602_not-a-regular-image", c, 1));
    let mut c = Case::fresh();
    c.image("LBSAD002.DAT").bytes.clear();
    out.push(("0603_empty-image", c, 1));
    let mut c = Case::fresh();
    c.image("LBSARD03.DAT").mtime = at("2021-12-31T20:00:00-05:00");
    out.push(("0604_stale-image", c, 1));
    let mut c = Case::fresh();
    c.area.remove("VSAD002");
    out.push(("0605_volume-record-unreadable", c, 1));
    let mut c = Case::fresh();
    c.put("P2", "LBSAD001.IND", at("2021-12-30T21:00:00-05:00"));
    c.put("P2", "LBSAD001.DAT", at("2021-12-30T21:00:00-05:00"));
    out.push(("0606_duplicate-image", c, 0));
    let mut c = Case::fresh();
    c.put("P2", "LBSAD099.IND", at("2021-11-30T23:00:00-05:00"));
    c.put("P2", "LBSAD099.DAT", at("2021-11-30T23:00:00-05:00"));
    out.push(("0607_orphan-image", c, 0));
    let mut c = Case::fresh();
    let v = edit_lines(&c.area["VSAD002"], |l| l[2] = l[2].replace(" written=2021-12-30T22:38:02-05:00", ""));
    c.area.insert("VSAD002".into(), v);
    rehash_entry(&mut c.area, "FULL", "VSAD002");
    out.push(("0608_image-age-unknown", c, 0));
    let c = Case::fresh().arg(&["--path", "P3"]);
    out.push(("0609_data-path-unusable", c, 2));
    let c = Case {
        args: ["images", "area", "--path", "P1", "--tolerance", "2d"].map(String::from).to_vec(),
        ..Case::fresh()
    };
    out.push(("0610_images-not-checked", c, 2));
    out
}

/// True for the names of `fixtures/err` directories whose recipes live here.
pub fn owns_fixture(name: &str) -> bool {
    name.starts_with("06")
}

#[test]
fn err_fixtures_of_the_image_codes() {
    for (name, case, want) in err_cases() {
        let dir = root().join("fixtures/err").join(name);
        let mut recipe = case.recipe();
        let command = format!("catstage {}\n", case.args.join(" "));
        recipe.insert("command".into(), support::Node::File(command.into_bytes()));
        support::materialize(&dir, &recipe, &["expected.txt", "expected.json"]);
        case.set_times(&dir);
        let doc = outputs(&dir, &case.args, &dir.join("expected"), want);
        let number: u16 = name[..4].parse().unwrap();
        let code = format!("CS{number:03}");
        assert!(codes(&doc).contains(&code), "{name}: expected {code} among {:?}", codes(&doc));
    }
}

/// The codes the image fixtures show, for the coverage check of the golden tests.
pub fn fixture_codes() -> Vec<String> {
    let mut out = Vec::new();
    for (name, _, _) in err_cases() {
        let path: PathBuf = root().join("fixtures/err").join(name).join("expected.json");
        let doc: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap_or_default()).unwrap_or_default();
        out.extend(codes_of(&doc));
    }
    out
}

fn codes_of(doc: &serde_json::Value) -> Vec<String> {
    doc["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["code"].as_str().map(String::from)).collect()
}
