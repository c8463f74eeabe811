//! `catstage sync`: the example listings under fixtures/sync reproduce the bundled fixture
//! byte for byte; a re-run writes nothing; three changed rows rewrite exactly three volume
//! files and UPDATE; an unsorted listing gives the warning and the same result; bad
//! definitions and bad rows give exact diagnostics (golden text and JSON under
//! fixtures/sync/err). The listings are generated from the fixture's recipe
//! (tests/support/slab.rs); `CATSTAGE_BLESS=1` rewrites them and the expected outputs.

use crate::support::{self, code, golden, json, p, read_area, root, run, slab, stderr, stdout, tmp};
use catstage::model::{DiskFile, DiskFileType, TapeFile, TapeVolumeStatus, Timestamp, VolumeFile, VolumeStatus};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const CREATED: &str = "2022-01-05T17:44:48-05:00";
const LATER: &str = "2022-01-06T17:44:48-05:00";
const CSV_DEF: &str = "fixtures/sync/slab-a-daily-csv.toml";
const CSV_SRC: &str = "fixtures/sync/slab-a-daily-csv.csv";
const FIXED_DEF: &str = "fixtures/sync/slab-a-daily-fixed.toml";
const FIXED_SRC: &str = "fixtures/sync/slab-a-daily-fixed.txt";
const FIXTURE: &str = "fixtures/slab-a-daily";

// ---------------------------------------------------------------------------------------
// The listings, generated from the fixture's recipe.

/// A time as the CSV writes it (`2021-12-30 22:15:02`) and as the report does
/// (`30 Dec 2021 22:15:02`), both at the time's own offset, which they leave out.
fn clock(t: &Timestamp) -> (String, String) {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, mo, d, h, mi, s, _) = t.parts();
    let time = format!("{h:02}:{mi:02}:{s:02}");
    (format!("{y:04}-{mo:02}-{d:02} {time}"), format!("{d:02} {} {y:04} {time}", MONTHS[usize::from(mo) - 1]))
}

/// `2021-12-30 22:15:02` (the CSV's times) or empty.
fn csv_time(t: Option<&Timestamp>) -> String {
    t.map_or(String::new(), |t| clock(t).0)
}

/// `30 Dec 2021 22:15:02` (the report's times) or blank.
fn report_time(t: Option<&Timestamp>) -> String {
    t.map_or(String::new(), |t| clock(t).1)
}

fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

const CSV_HEADER: &str = "VOLSER,POOLGROUP,STATUS,ENC,LASTWRITE,LASTUNLOAD,OWNER,BYTES,COMMENT,DSMSTATUS,LABELTYPE,\
VOLSET,VOLIDX,FILEID,GEN,SECTION,CREATED,EXPIRES,MODE,DISKFILE,DUMPED,FTYPE,FCODE,EOF";

/// A cleaning cartridge: in the tape manager's listing, excluded by the definition.
const CLEANING_ROW: &str = "CLN001,CLEANING,A,N,,,,0,cleaning cartridge,,,,,,,,,,,,,,,";

fn volume_columns(v: &VolumeFile) -> Vec<String> {
    let r = &v.head.volume;
    let tv = v.head.tapevolume.as_ref().unwrap();
    let status = match r.status {
        VolumeStatus::Active => "A",
        VolumeStatus::Scratch => "S",
        VolumeStatus::Expired => "X",
        other => other.as_str(),
    };
    let dsm = match tv.status {
        TapeVolumeStatus::Assigned => "ASG",
        TapeVolumeStatus::Scratch => "SCR",
        other => other.as_str(),
    };
    vec![
        r.label.to_string(),
        r.group.clone(),
        status.into(),
        (if r.encrypted { "Y" } else { "N" }).into(),
        csv_time(r.written.as_ref()),
        csv_time(r.unloaded.as_ref()),
        r.owner.clone().unwrap_or_default(),
        r.size.to_string(),
        csv_quote(r.comment.as_deref().unwrap_or("")),
        dsm.into(),
        tv.labeltype.as_str().into(),
        tv.volset.to_string(),
        tv.volindex.to_string(),
    ]
}

fn tapefile_columns(t: Option<&TapeFile>) -> Vec<String> {
    let Some(t) = t else { return vec![String::new(); 6] };
    vec![
        t.key.fileid.clone(),
        t.key.generation.to_string(),
        t.section.to_string(),
        csv_time(Some(&t.created)),
        csv_time(t.expires.as_ref()),
        t.mode.as_str().into(),
    ]
}

fn file_type(d: &DiskFile) -> &'static str {
    match d.kind {
        DiskFileType::En => "Enscribe",
        DiskFileType::Ta => "SQL table",
        DiskFileType::In => "SQL index",
        other => other.as_str(),
    }
}

fn diskfile_columns(d: Option<&DiskFile>) -> Vec<String> {
    let Some(d) = d else { return vec![String::new(); 5] };
    vec![d.name.clone(), csv_time(Some(&d.dumped)), file_type(d).into(), d.code.to_string(), d.eof.to_string()]
}

/// The tape manager's CSV: one row per disk file (in reverse order: sync sorts them),
/// one row per volume without disk files, and a cleaning cartridge first.
pub fn csv_listing(volumes: &[VolumeFile]) -> String {
    let mut out = format!("{CSV_HEADER}\n{CLEANING_ROW}\n");
    for v in volumes {
        let head = volume_columns(v);
        let mut rows: Vec<Vec<String>> = Vec::new();
        for d in v.diskfiles.iter().rev() {
            let t = v.head.tapefiles.iter().find(|t| t.key == d.tapefile);
            rows.push([head.clone(), tapefile_columns(t), diskfile_columns(Some(d))].concat());
        }
        if rows.is_empty() {
            rows.push([head.clone(), tapefile_columns(v.head.tapefiles.first()), diskfile_columns(None)].concat());
        }
        for r in rows {
            out.push_str(&r.join(","));
            out.push('\n');
        }
    }
    out
}

fn report_header(page: u32) -> String {
    let title = format!(
        "BACKPAK VOLUME CATALOG  -  DATA STORE SLAB_A-DAILY  -  NODE \\ETINIUM{:>24}",
        format!("PAGE {page:>4}")
    );
    let heads =
        ["T", "LABEL", "GROUP", "STATUS", "WRITTEN", "UNLOADED", "ENC", "SIZE", "DSM", "VOLSET", "IDX", "COMMENT"];
    let ruler: Vec<String> = [1, 6, 22, 7, 20, 20, 3, 12, 3, 6, 4, 7].iter().map(|n| "-".repeat(*n)).collect();
    let ruler: Vec<&str> = ruler.iter().map(String::as_str).collect();
    format!("{title}\n{}\n{}\n", volume_line(&heads), volume_line(&ruler))
}

/// A V line: the columns at the offsets fixtures/sync/slab-a-daily-fixed.toml reads.
fn volume_line(c: &[&str]) -> String {
    format!(
        "{:<1} {:<6} {:<22} {:<7} {:<20} {:<20} {:<3} {:>12} {:<3} {:<6} {:>4} {}",
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]
    )
    .trim_end()
    .to_string()
}

/// The BackPak catalog report: V, T and D lines, a page per volume group, a trailer.
pub fn fixed_listing(volumes: &[VolumeFile]) -> String {
    let mut page = 1;
    let mut out = report_header(page);
    for (i, v) in volumes.iter().enumerate() {
        if i > 0 && volumes[i - 1].head.volume.group != v.head.volume.group {
            page += 1;
            out.push('\n');
            out.push_str(&report_header(page));
        }
        let r = &v.head.volume;
        let tv = v.head.tapevolume.as_ref().unwrap();
        let dsm = if tv.status == TapeVolumeStatus::Scratch { "SCR" } else { "ASG" };
        let cols = [
            "V".to_string(),
            r.label.to_string(),
            r.group.clone(),
            r.status.as_str().into(),
            report_time(r.written.as_ref()),
            report_time(r.unloaded.as_ref()),
            (if r.encrypted { "YES" } else { "NO" }).into(),
            r.size.to_string(),
            dsm.into(),
            tv.volset.to_string(),
            tv.volindex.to_string(),
            r.comment.clone().unwrap_or_default(),
        ];
        out.push_str(&volume_line(&cols.iter().map(String::as_str).collect::<Vec<_>>()));
        out.push('\n');
        for t in &v.head.tapefiles {
            let created = report_time(Some(&t.created));
            let expires = report_time(t.expires.as_ref());
            let line = format!(
                "T {:<6} {:<30} {:>5} {:>4} {:<20} {:<20} {}",
                "", t.key.fileid, t.key.generation, t.section, created, expires, t.mode
            );
            out.push_str(line.trim_end());
            out.push('\n');
            for d in v.diskfiles.iter().filter(|d| d.tapefile == t.key) {
                let dumped = report_time(Some(&d.dumped));
                let line =
                    format!("D {:<6} {:<35} {:<20} {:<2} {:>5} {:>12}", "", d.name, dumped, d.kind, d.code, d.eof);
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out.push_str(&format!("END OF REPORT  {} VOLUMES\n", volumes.len()));
    out
}

/// The fixture's volumes in the order of a listing sorted by group and label.
fn volumes() -> Vec<VolumeFile> {
    slab::volumes()
}

/// Writes `text` to `path` (relative to the package root) when blessing, else checks it.
fn generated(path: &str, text: &str) {
    let p = root().join(path);
    if support::blessing() {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let on_disk = std::fs::read_to_string(&p).unwrap_or_default();
    assert!(on_disk == text, "{path} differs from its recipe in tests/sync.rs (CATSTAGE_BLESS=1 rewrites it)");
}

/// The generated listings of the error cases.
fn unsorted_listing() -> String {
    // Daily volumes 1-7, every BRCOM volume, then daily volumes 8-15: the daily group
    // comes back after the BRCOM group.
    let v = volumes();
    let mut order: Vec<VolumeFile> = v[..7].to_vec();
    order.extend_from_slice(&v[15..]);
    order.extend_from_slice(&v[7..15]);
    csv_listing(&order)
}

fn truncated_listing() -> String {
    // A listing cut after the daily group: the BRCOM volumes are missing.
    csv_listing(&volumes()[..15])
}

// ---------------------------------------------------------------------------------------
// Running sync.

fn sync(def: &str, src: &str, staging: &Path, kind: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["sync", "--definition", def, "--source", src, p(staging), "--type", kind];
    args.extend_from_slice(extra);
    run(&args)
}

/// The output with its elapsed time made constant, for golden files.
fn steady(out: &str) -> String {
    out.lines()
        .map(|l| {
            if l.starts_with("  elapsed ") {
                "  elapsed   0.00 s".to_string()
            } else if let Some(i) = l.find("\"elapsed_seconds\": ") {
                format!("{}\"elapsed_seconds\": 0.0,", &l[..i])
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// Files with their bytes and modification times.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    read_area(dir)
        .into_iter()
        .map(|(name, bytes)| {
            let t = std::fs::metadata(dir.join(&name)).unwrap().modified().unwrap();
            (name, (bytes, t))
        })
        .collect()
}

/// The names whose bytes or modification time differ between two snapshots.
fn touched(
    before: &BTreeMap<String, (Vec<u8>, SystemTime)>,
    after: &BTreeMap<String, (Vec<u8>, SystemTime)>,
) -> Vec<String> {
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names.into_iter().filter(|n| before.get(*n) != after.get(*n)).cloned().collect()
}

fn validate_clean(dir: &Path, volumes: usize) {
    let o = run(&["validate", p(dir)]);
    assert_eq!(
        stdout(&o),
        format!(
            "{}: {volumes} volumes, 0 errors, 0 warnings; structure only (add --config for the pre-import checks)\n",
            dir.display()
        )
    );
}

/// A staging area holding the bundled fixture, made by the CSV listing.
fn synced_area(dir: &Path) -> PathBuf {
    let area = dir.join("SLABA");
    let o = sync(CSV_DEF, CSV_SRC, &area, "full", &["--created", CREATED]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    area
}

/// Replaces column `col` of the `nth` row (0-based) of volume `label` in a CSV listing.
fn edit_row(csv: &str, label: &str, nth: usize, col: &str, value: &str) -> String {
    let index = CSV_HEADER.split(',').position(|c| c == col).unwrap();
    let mut seen = 0;
    csv.lines()
        .map(|line| {
            let mut out = line.to_string();
            if line.starts_with(&format!("{label},")) {
                if seen == nth {
                    let mut cells: Vec<&str> = line.split(',').collect();
                    cells[index] = value;
                    out = cells.join(",");
                }
                seen += 1;
            }
            out + "\n"
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The example listings.

#[test]
fn example_listings_are_generated_from_the_fixture_recipe() {
    generated(CSV_SRC, &csv_listing(&volumes()));
    generated(FIXED_SRC, &fixed_listing(&volumes()));
    generated("fixtures/sync/err/unsorted/source.csv", &unsorted_listing());
    generated("fixtures/sync/err/truncated-listing/source.csv", &truncated_listing());
}

#[test]
fn both_example_listings_reproduce_the_fixture_byte_for_byte() {
    let fixture = read_area(&root().join(FIXTURE));
    for (name, def, src, rows) in
        [("slab-a-daily-csv", CSV_DEF, CSV_SRC, 335), ("slab-a-daily-fixed", FIXED_DEF, FIXED_SRC, 382)]
    {
        let dir = tmp();
        let text = sync(def, src, &dir.path().join("text"), "full", &["--created", CREATED]);
        assert_eq!(code(&text), 0, "{name}: {}{}", stdout(&text), stderr(&text));
        golden(&root().join(format!("fixtures/sync/{name}.expected.txt")), &steady(&stdout(&text)));
        let area = read_area(&dir.path().join("text"));
        assert_eq!(area.keys().collect::<Vec<_>>(), fixture.keys().collect::<Vec<_>>(), "{name}");
        for (file, bytes) in &fixture {
            assert!(area[file] == *bytes, "{name}: {file} is not the fixture's");
        }

        let o = sync(def, src, &dir.path().join("json"), "full", &["--created", CREATED, "--format", "json"]);
        assert_eq!(code(&o), 0);
        golden(&root().join(format!("fixtures/sync/{name}.expected.json")), &steady(&stdout(&o)));
        let doc = json(&o);
        assert_eq!(doc["schema"], "catstage.sync/1");
        assert_eq!(doc["export_id"], "2022-01-05_17:44:48");
        assert_eq!(doc["rows_read"], rows, "{name}");
        assert_eq!(doc["rows_excluded"], if name.ends_with("csv") { 1 } else { 0 });
        assert_eq!(doc["rows_rejected"], 0);
        assert_eq!(doc["volumes_added"], 30);
        assert_eq!(doc["files_written"], 31);
        assert_eq!(doc["scope_loads"], 2);
        assert_eq!(read_area(&dir.path().join("json")), fixture);
    }
}

#[test]
fn json_has_the_documented_keys_in_order() {
    let dir = tmp();
    let o =
        sync(CSV_DEF, CSV_SRC, &dir.path().join("a"), "full", &["--created", CREATED, "--format", "json", "--dry-run"]);
    let doc = json(&o);
    let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "schema",
            "type",
            "export_id",
            "base",
            "store",
            "dry_run",
            "refused",
            "rows_read",
            "rows_excluded",
            "rows_rejected",
            "volumes_added",
            "volumes_changed",
            "volumes_unchanged",
            "volumes_removed",
            "volumes_rejected",
            "files_written",
            "files_removed",
            "scope_loads",
            "elapsed_seconds",
            "diagnostics",
            "summary"
        ]
    );
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["volumes_added"], 30);
    assert_eq!(doc["files_written"], 0);
    assert!(!dir.path().join("a").exists(), "a dry run creates nothing");
}

// ---------------------------------------------------------------------------------------
// Only what changed is written.

#[test]
fn rerunning_the_same_sync_as_update_writes_nothing() {
    let dir = tmp();
    let area = synced_area(dir.path());
    let before = snapshot(&area);
    for (def, src) in [(CSV_DEF, CSV_SRC), (FIXED_DEF, FIXED_SRC)] {
        let o = sync(def, src, &area, "update", &["--created", LATER, "--format", "json"]);
        assert_eq!(code(&o), 0, "{}", stdout(&o));
        let doc = json(&o);
        assert_eq!(doc["files_written"], 0, "{def}");
        assert_eq!(doc["volumes_unchanged"], 30);
        assert_eq!(doc["volumes_changed"], 0);
        assert_eq!(doc["base"], "2022-01-05_17:44:48");
    }
    assert!(touched(&before, &snapshot(&area)).is_empty(), "nothing written, not even UPDATE");
    // The same FULL export again writes nothing either.
    let o = sync(CSV_DEF, CSV_SRC, &area, "full", &["--created", CREATED, "--format", "json"]);
    assert_eq!(json(&o)["files_written"], 0);
    assert!(touched(&before, &snapshot(&area)).is_empty());
}

/// The listing with three rows changed: SAD003's TAPEVOLUME status, SAD007's comment (on
/// the first rows of those volumes) and one disk file's EOF of SARD05.
pub fn three_rows_changed() -> String {
    let csv = csv_listing(&volumes());
    let csv = edit_row(&csv, "SAD003", 0, "DSMSTATUS", "FULL");
    let csv = edit_row(&csv, "SAD007", 0, "COMMENT", "relabelled 2022-01-06");
    edit_row(&csv, "SARD05", 4, "EOF", "8192")
}

/// What those three volumes hold after the change, written by export `id`.
fn expected_after_change(id: &str) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for mut v in volumes() {
        match v.head.volume.label.as_str() {
            "SAD003" => v.head.tapevolume.as_mut().unwrap().status = TapeVolumeStatus::Full,
            "SAD007" => v.head.volume.comment = Some("relabelled 2022-01-06".into()),
            // The CSV lists disk files in reverse: its fifth row is the fifth from the end.
            "SARD05" => {
                let n = v.diskfiles.len();
                v.diskfiles[n - 5].eof = 8192;
            }
            _ => continue,
        }
        v.head.export.id = id.to_string();
        out.insert(v.head.volume.label.file_name(), catstage::write::volume_bytes(&v));
    }
    out
}

#[test]
fn three_changed_rows_rewrite_exactly_those_volume_files_and_update() {
    let dir = tmp();
    let area = synced_area(dir.path());
    let changed = dir.path().join("changed.csv");
    std::fs::write(&changed, three_rows_changed()).unwrap();
    let before = snapshot(&area);
    let o = sync(CSV_DEF, p(&changed), &area, "update", &["--created", LATER, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc = json(&o);
    assert_eq!((doc["volumes_changed"].as_u64(), doc["volumes_unchanged"].as_u64()), (Some(3), Some(27)));
    assert_eq!(doc["files_written"], 4);
    let after = snapshot(&area);
    assert_eq!(touched(&before, &after), ["UPDATE", "VSAD003", "VSAD007", "VSARD05"]);
    for (file, bytes) in expected_after_change("2022-01-06_17:44:48") {
        assert!(after[&file].0 == bytes, "{file} is not the changed volume");
    }
    let update = catstage::parse::parse_summary("UPDATE", &after["UPDATE"].0, None, catstage::diag::Examples::DEFAULT)
        .summary
        .unwrap();
    assert_eq!(update.export.id, "2022-01-06_17:44:48");
    assert_eq!(update.export.base.as_deref(), Some("2022-01-05_17:44:48"));
    let labels: Vec<&str> = update.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["SAD003", "SAD007", "SARD05"]);
    validate_clean(&area, 30);

    // Again, later: the UPDATE already holds them; nothing is written.
    let o =
        sync(CSV_DEF, p(&changed), &area, "update", &["--created", "2022-01-07T17:44:48-05:00", "--format", "json"]);
    assert_eq!(json(&o)["files_written"], 0);
    assert!(touched(&after, &snapshot(&area)).is_empty());

    // A new FULL export folds the UPDATE in: FULL rewritten, UPDATE removed, the volume
    // files left as they are (their content did not change).
    let o = sync(CSV_DEF, p(&changed), &area, "full", &["--created", "2022-01-08T17:44:48-05:00", "--format", "json"]);
    let doc = json(&o);
    assert_eq!((doc["files_written"].as_u64(), doc["files_removed"].as_u64()), (Some(1), Some(1)));
    assert_eq!(touched(&after, &snapshot(&area)), ["FULL", "UPDATE"]);
    validate_clean(&area, 30);
}

#[test]
fn an_update_writes_the_good_volumes_and_keeps_those_with_rejected_rows() {
    let dir = tmp();
    let area = synced_area(dir.path());
    let csv = edit_row(&csv_listing(&volumes()), "SAD003", 0, "DSMSTATUS", "FULL");
    let csv = edit_row(&csv, "SAD007", 0, "COMMENT", "relabelled");
    let csv = edit_row(&csv, "SAD007", 2, "EOF", "lots");
    let listing = dir.path().join("listing.csv");
    std::fs::write(&listing, csv).unwrap();
    let before = snapshot(&area);
    let o = sync(CSV_DEF, p(&listing), &area, "update", &["--created", LATER, "--format", "json"]);
    assert_eq!(code(&o), 1, "a rejected row");
    let doc = json(&o);
    assert_eq!((doc["rows_rejected"].as_u64(), doc["volumes_rejected"].as_u64()), (Some(1), Some(1)));
    assert_eq!(doc["diagnostics"][0]["code"], "CS502");
    assert_eq!(doc["diagnostics"][0]["message"], "row skipped: diskfile.eof \"lots\": expected a whole number");
    assert_eq!(touched(&before, &snapshot(&area)), ["UPDATE", "VSAD003"], "SAD007 is left as it was");
    validate_clean(&area, 30);
}

#[test]
fn many_rejected_rows_are_rolled_up() {
    let dir = tmp();
    let area = synced_area(dir.path());
    let mut csv = csv_listing(&volumes());
    for v in volumes() {
        csv = edit_row(&csv, v.head.volume.label.as_str(), 0, "BYTES", "1.5 TB");
    }
    let listing = dir.path().join("listing.csv");
    std::fs::write(&listing, csv).unwrap();
    let o = sync(CSV_DEF, p(&listing), &area, "update", &["--created", LATER, "--format", "json"]);
    assert_eq!(code(&o), 1);
    let doc = json(&o);
    assert_eq!(doc["rows_rejected"], 30);
    assert_eq!(doc["volumes_rejected"], 30);
    assert_eq!(doc["files_written"], 0);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 11, "ten in full, the rest rolled up");
    assert_eq!(diags[0]["line"], 3);
    assert_eq!(diags[0]["column"], 81, "BYTES, after 80 bytes of SAD001's first row");
    assert_eq!(diags[10]["count"], 20);
    assert_eq!(diags[10]["examples"].as_array().unwrap().len(), 5);
    assert_eq!(doc["summary"]["errors"], 30);
}

// ---------------------------------------------------------------------------------------
// FULL exports: refused, forced.

#[test]
fn a_forced_full_export_removes_the_volumes_the_listing_lost() {
    let dir = tmp();
    let area = synced_area(dir.path());
    let o = sync(
        CSV_DEF,
        "fixtures/sync/err/truncated-listing/source.csv",
        &area,
        "full",
        &["--created", LATER, "--force", "--format", "json"],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc = json(&o);
    assert_eq!((doc["volumes_removed"].as_u64(), doc["files_removed"].as_u64()), (Some(15), Some(15)));
    assert_eq!(doc["refused"], false);
    let files = read_area(&area);
    assert!(files.keys().all(|f| !f.starts_with("VSARD")), "{:?}", files.keys());
    validate_clean(&area, 15);
}

#[test]
fn cannot_run_without_a_full_export_or_with_the_lock_held() {
    let dir = tmp();
    let area = dir.path().join("a");
    let o = sync(CSV_DEF, CSV_SRC, &area, "update", &["--created", LATER]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no FULL summary"), "{}", stderr(&o));

    let area = synced_area(dir.path());
    let _held = crate::support::Paused::at("locked", &["seal", area.to_str().unwrap(), "FULL"], &[]);
    let o = sync(CSV_DEF, CSV_SRC, &area, "update", &["--created", LATER]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("another process"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());

    let o = sync(CSV_DEF, CSV_SRC, &area, "update", &["--created", CREATED]);
    assert_eq!(code(&o), 2, "an UPDATE needs an id of its own");
}

// ---------------------------------------------------------------------------------------
// Error cases: golden text and JSON under fixtures/sync/err.

struct ErrCase {
    name: &'static str,
    definition: &'static str,
    source: &'static str,
    /// Start from a copy of the bundled fixture (else from nothing).
    on_fixture: bool,
    kind: &'static str,
    status: i32,
}

const ERR_CASES: &[ErrCase] = &[
    ErrCase {
        name: "bad-definition",
        definition: "fixtures/sync/err/bad-definition/definition.toml",
        source: "fixtures/sync/err/bad-definition/source.csv",
        on_fixture: false,
        kind: "full",
        status: 2,
    },
    ErrCase {
        name: "bad-rows",
        definition: "fixtures/sync/err/bad-rows/definition.toml",
        source: "fixtures/sync/err/bad-rows/source.csv",
        on_fixture: false,
        kind: "full",
        status: 1,
    },
    ErrCase {
        name: "bad-report-lines",
        definition: FIXED_DEF,
        source: "fixtures/sync/err/bad-report-lines/source.txt",
        on_fixture: true,
        kind: "update",
        status: 1,
    },
    ErrCase {
        name: "diskfiles-stripped",
        definition: "fixtures/sync/err/diskfiles-stripped/definition.toml",
        source: CSV_SRC,
        on_fixture: true,
        kind: "full",
        status: 1,
    },
    ErrCase {
        name: "truncated-listing",
        definition: CSV_DEF,
        source: "fixtures/sync/err/truncated-listing/source.csv",
        on_fixture: true,
        kind: "full",
        status: 1,
    },
    ErrCase {
        name: "unsorted",
        definition: CSV_DEF,
        source: "fixtures/sync/err/unsorted/source.csv",
        on_fixture: false,
        kind: "full",
        status: 0,
    },
];

fn run_case(case: &ErrCase, format: &str) -> (std::process::Output, PathBuf, tempfile::TempDir) {
    let dir = tmp();
    let area = dir.path().join("area");
    if case.on_fixture {
        support::write_area(&area, &read_area(&root().join(FIXTURE)));
    }
    // An export over the fixture needs an id of its own; one from nothing can be the fixture's.
    let created = if case.on_fixture { LATER } else { CREATED };
    let o = sync(case.definition, case.source, &area, case.kind, &["--created", created, "--format", format]);
    (o, area, dir)
}

#[test]
fn error_cases_give_their_exact_diagnostics() {
    let fixture = read_area(&root().join(FIXTURE));
    generated("fixtures/sync/err/diskfiles-stripped/definition.toml", &stripping_definition());
    for case in ERR_CASES {
        let base = root().join("fixtures/sync/err").join(case.name);
        let (text, area, _dir) = run_case(case, "text");
        assert_eq!(code(&text), case.status, "{}: {}{}", case.name, stdout(&text), stderr(&text));
        golden(&base.join("expected.txt"), &steady(&stdout(&text)));
        let (o, _, _dir2) = run_case(case, "json");
        assert_eq!(code(&o), case.status, "{}", case.name);
        golden(&base.join("expected.json"), &steady(&stdout(&o)));
        let doc = json(&o);
        let codes: Vec<&str> =
            doc["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
        match case.name {
            "bad-definition" => assert!(codes.iter().all(|c| *c == "CS501") && codes.len() > 5, "{codes:?}"),
            "bad-rows" => {
                assert!(codes.contains(&"CS502") && codes.last() == Some(&"CS504"), "{codes:?}");
                assert!(!area.exists(), "a refused FULL export into a new area creates nothing");
            }
            "bad-report-lines" => assert!(codes.iter().all(|c| *c == "CS502"), "{codes:?}"),
            "diskfiles-stripped" => {
                assert_eq!(codes, ["CS504"]);
                assert!(read_area(&area) == fixture, "a refused FULL export writes nothing");
            }
            "truncated-listing" => {
                assert_eq!(codes, ["CS504"]);
                assert_eq!(doc["volumes_removed"], 15);
                assert!(read_area(&area) == fixture, "a refused FULL export writes nothing");
            }
            "unsorted" => {
                assert_eq!(codes, ["CS503"]);
                assert_eq!(doc["scope_loads"], 3);
                assert!(read_area(&area) == fixture, "an unsorted listing gives the same staging area");
            }
            _ => {}
        }
    }
}

/// The bundled CSV definition with `catalogfiles = false`: the monthly FULL export
/// without DISKFILEs (R22).
fn stripping_definition() -> String {
    let text = std::fs::read_to_string(root().join(CSV_DEF)).unwrap();
    let body = text.replace("catalogfiles = true", "catalogfiles = false");
    let body = body.split_once("\n\n").map_or(body.as_str(), |(_, rest)| rest).to_string();
    format!(
        "# The bundled CSV definition with catalogfiles = false: a FULL export of it over a\n\
         # staging area that holds DISKFILEs would strip them (R22), so it is refused (CS504)\n\
         # unless --force.\n\n{body}"
    )
}

// ---------------------------------------------------------------------------------------
// Exclusions and CATALOGFILES NO.

/// A copy of the definition `def` with `extra` TOML appended (or `from` replaced by `to`).
fn variant(dir: &Path, def: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = edit(std::fs::read_to_string(root().join(def)).unwrap());
    let path = dir.join("definition.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn exclusions_leave_out_rows_and_what_hangs_under_them() {
    let dir = tmp();
    // Keep one volume group of the CSV (the cleaning cartridge goes too).
    let def = variant(dir.path(), CSV_DEF, |t| t + "\n[[exclude]]\nfield = \"group\"\nunless = \"VG_SLAB_A-DAILY\"\n");
    let area = dir.path().join("daily");
    let o = sync(p(&def), CSV_SRC, &area, "full", &["--created", CREATED, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc = json(&o);
    let brcom_rows = std::fs::read_to_string(root().join(CSV_SRC))
        .unwrap()
        .lines()
        .filter(|l| l.contains(",VG_SLAB_A_BRCOM-DAILY,"))
        .count();
    assert_eq!(doc["rows_excluded"].as_u64(), Some(brcom_rows as u64 + 1));
    assert_eq!(doc["volumes_added"], 15);
    validate_clean(&area, 15);

    // In the report, excluding a volume line excludes its tape file and disk file lines.
    let def = variant(dir.path(), FIXED_DEF, |t| t + "\n[[exclude]]\nfield = \"label\"\npattern = \"SAD00[12]\"\n");
    let area = synced_area(dir.path());
    let o = sync(p(&def), FIXED_SRC, &area, "update", &["--created", LATER, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let doc = json(&o);
    let lines_of_two: usize = volumes()[..2].iter().map(|v| 1 + v.head.tapefiles.len() + v.diskfiles.len()).sum();
    assert_eq!(doc["rows_excluded"].as_u64(), Some(lines_of_two as u64));
    assert_eq!((doc["volumes_unchanged"].as_u64(), doc["files_written"].as_u64()), (Some(28), Some(0)));
}

#[test]
fn catalogfiles_no_writes_volumes_without_disk_files() {
    let dir = tmp();
    let def = variant(dir.path(), CSV_DEF, |t| t.replace("catalogfiles = true", "catalogfiles = false"));
    let area = dir.path().join("a");
    let o = sync(p(&def), CSV_SRC, &area, "full", &["--created", CREATED]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let files = read_area(&area);
    assert!(String::from_utf8_lossy(&files["FULL"]).contains(" catalogfiles=no "));
    assert!(files.values().all(|b| !String::from_utf8_lossy(b).contains("\ndiskfile ")));
    validate_clean(&area, 30);
}

#[test]
fn disk_file_names_in_any_case_give_the_same_area() {
    // Canonical names are taken as they are; any other case is checked and upper-cased.
    let dir = tmp();
    let reference = synced_area(dir.path());
    let csv = std::fs::read_to_string(root().join(CSV_SRC)).unwrap();
    let csv = edit_row(&csv, "SAD001", 0, "DISKFILE", r"\etinium.$data02.Sales.payroll");
    let src = dir.path().join("lower.csv");
    std::fs::write(&src, csv).unwrap();
    let area = dir.path().join("LOWER");
    let o = sync(CSV_DEF, p(&src), &area, "full", &["--created", CREATED]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let bytes = |d: &Path| snapshot(d).into_iter().map(|(k, (b, _))| (k, b)).collect::<BTreeMap<_, _>>();
    assert_eq!(bytes(&area), bytes(&reference));
    // A name that is wrong in any case is still refused, naming the field.
    let csv = edit_row(
        &std::fs::read_to_string(root().join(CSV_SRC)).unwrap(),
        "SAD001",
        0,
        "DISKFILE",
        r"\etinium.data02.x.y",
    );
    std::fs::write(&src, csv).unwrap();
    let o = sync(CSV_DEF, p(&src), &dir.path().join("BAD"), "full", &["--created", CREATED]);
    assert!(stdout(&o).contains("diskfile.name"), "{}", stdout(&o));
}

#[test]
fn issue15_item22_a_full_export_without_diskfiles_over_an_area_with_them_is_refused() {
    let dir = tmp();
    let area = synced_area(dir.path());
    let before = snapshot(&area);
    let def = variant(dir.path(), CSV_DEF, |t| t.replace("catalogfiles = true", "catalogfiles = false"));
    let o = sync(p(&def), CSV_SRC, &area, "full", &["--created", LATER, "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let doc = json(&o);
    assert_eq!(doc["refused"], true);
    let d = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "CS504").cloned().unwrap();
    let m = d["message"].as_str().unwrap();
    let held: u64 = {
        let full =
            catstage::parse::parse_summary("FULL", &read_area(&area)["FULL"], None, catstage::diag::Examples::DEFAULT)
                .summary
                .unwrap();
        full.entries.iter().map(|e| e.diskfiles).sum()
    };
    assert!(m.contains(&format!("{held} DISKFILE entries of 24 volumes")) && m.contains("R22"), "{m}");
    assert!(snapshot(&area) == before, "a refused export writes nothing");
    // --force writes it.
    let o = sync(p(&def), CSV_SRC, &area, "full", &["--created", LATER, "--force"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(read_area(&area).values().all(|b| !String::from_utf8_lossy(b).contains("\ndiskfile ")));
    // Over an area without DISKFILEs there is nothing to lose.
    let o = sync(p(&def), CSV_SRC, &area, "full", &["--created", "2022-01-07T17:44:48-05:00"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}
