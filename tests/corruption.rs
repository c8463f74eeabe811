//! Corruption sweeps, in process: every kind of damage a transfer, a disk or a hand edit
//! does to one file of a staging area must make [`validate`] report an error naming that
//! file (formats/README.md §2.3, §4 and §7: "a damaged byte anywhere in the staging area
//! is detected, and a file replaced by another valid file ... is detected too").
//!
//! Each case takes a small valid staging area, damages one file, wraps the files in a
//! [`MemArea`] and calls [`validate`], never the binary. A case passes when `validate`
//! returns `Ok` without panicking, reports `errors > 0`, and at least one error diagnostic
//! has `file` equal to the damaged file's name. Failures are collected rather than
//! stopped at, so that one run lists every undetected corruption (the first [`SHOWN`] in
//! full). Each sweep prints its case count and elapsed time with `eprintln!` (see them with
//! `cargo test --test integration corruption -- --nocapture`), and a watchdog prints the
//! cases in progress when a sweep runs for over a minute, so that a hang in the library is
//! reported with its input. There are no timing assertions.
//!
//! # Which areas
//!
//! Every case validates a whole area, so the exhaustive sweeps use small areas that are
//! still valid and still exercise every check, and cover every byte of them (no
//! sampling). (Test builds are optimized, see Cargo.toml's dev profile; unoptimized, a
//! case over the six-file mini area costs about 24 ms, as every file read zero-fills a
//! 512 KiB framing buffer.)
//!
//! - summary damage: every bit flip of the mini area's own `FULL` (entries included);
//! - volume-file damage: [`micro`] — `VSAD013` (390 bytes, the smallest volume file) and
//!   a `FULL` derived from the mini one that lists only it, so that the summary's
//!   whole-file digest of the volume (CS023) is checked as well as the volume's own
//!   trailer;
//! - also [`bare_full`] — the mini area's `FULL` without its entries and its
//!   second group (341 bytes, a FULL export of a data store that has no volumes left): the
//!   header, `export` and `group` records and the trailer. Its `entry` lines are covered
//!   by the sampled insertions and deletions in the real mini `FULL`, by the line-boundary
//!   truncations of every mini file, and by the ignored exhaustive test
//!   [`every_edit_of_every_mini_file_is_an_error_naming_it`], which applies every edit to
//!   every byte of every file of the whole mini area (run it optimized, with `--ignored`).
//!
//! Cases of a sweep run on all cores (rayon).

use crate::support::{self, cases, slab};
use catstage::diag::{Code, Diagnostic};
use catstage::staging::MemArea;
use catstage::validate::{Report, validate};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

type Files = BTreeMap<String, Vec<u8>>;

/// The volume file of the exhaustive sweeps: the smallest of the mini area.
const SMALL_VOLUME: &str = "VSAD013";

/// How many failing cases a sweep describes in full (the rest are only counted).
const SHOWN: usize = 25;

/// How long a sweep may run before the watchdog prints the cases in progress.
const WATCHDOG_INTERVAL: Duration = Duration::from_secs(60);

/// The bytes appended after a file's last LF.
const APPENDED: [u8; 4] = [b'\n', b'x', 0x00, 0xFF];

/// The bytes inserted, in turn, at the sampled offsets: structural characters, a letter
/// and a digit, a control byte and a byte that is never valid UTF-8.
const INSERTED: [u8; 8] = [b'\n', b' ', b'=', b'"', b'x', b'0', 0x00, 0xFF];

/// Insertions and deletions are tried at every `SAMPLE_STEP`th offset of every file,
/// alternately an insertion (of the next byte of [`INSERTED`]) and a deletion.
const SAMPLE_STEP: usize = 11;

/// Validates `files` in memory; `Err` describes a panic or an `Err` from `validate`.
fn run(files: Files) -> Result<Report, String> {
    let area = MemArea::new(files);
    match catch_unwind(AssertUnwindSafe(|| validate(&area, None))) {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(e)) => Err(format!("validate returned Err({e})")),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string payload)".to_string());
            Err(format!("validate panicked: {msg}"))
        }
    }
}

/// `CODE severity file:line` for each diagnostic, for failure messages.
fn summarize(diags: &[Diagnostic]) -> String {
    if diags.is_empty() {
        return "no diagnostics".to_string();
    }
    diags
        .iter()
        .map(|d| {
            format!(
                "{} {} {}{}",
                d.code,
                d.severity.as_str(),
                d.file.as_deref().unwrap_or("-"),
                d.line.map_or(String::new(), |l| format!(":{l}"))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Validates `files` and checks that the result is an exit-worthy error about `file`.
fn expect_error_naming(files: Files, file: &str) -> Result<(), String> {
    let report = run(files)?;
    let names_file = report.findings.diagnostics().iter().any(|d| d.is_error() && d.file.as_deref() == Some(file));
    if report.findings.errors() > 0 && names_file {
        Ok(())
    } else {
        Err(format!(
            "not reported as an error in {file}: errors={}, diagnostics: {}",
            report.findings.errors(),
            summarize(report.findings.diagnostics())
        ))
    }
}

/// Validates `files` and checks that there is no diagnostic at all.
fn expect_clean(name: &str, files: Files) {
    let report = run(files).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        report.findings.diagnostics().is_empty(),
        "{name}: expected no diagnostics, got {}",
        summarize(report.findings.diagnostics())
    );
    assert_eq!((report.findings.errors(), report.findings.warnings()), (0, 0), "{name}");
}

/// Shows a byte in case descriptions.
fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() || b == b' ' { format!("{:?}", b as char) } else { format!("0x{b:02X}") }
}

/// `FULL` of the mini area with its `entry` lines filtered by `keep_entry` and only its
/// first `groups` `group` lines, resealed.
fn trimmed_full(keep_entry: impl Fn(&str) -> bool, groups: usize) -> Vec<u8> {
    let mini = cases::mini();
    support::edit_lines(&mini["FULL"], |lines| {
        let mut seen = 0;
        lines.retain(|l| {
            if l.starts_with("group ") {
                seen += 1;
                seen <= groups
            } else if l.starts_with("entry ") {
                keep_entry(l)
            } else {
                true
            }
        });
    })
}

/// A valid two-file area: the mini area's volume file `file` and a `FULL` that lists only
/// it (both groups kept).
fn micro(file: &str) -> Files {
    let mini = cases::mini();
    let needle = format!(" file={file} ");
    let full = trimmed_full(|l| l.contains(&needle), usize::MAX);
    assert_ne!(full, mini["FULL"]);
    BTreeMap::from([("FULL".to_string(), full), (file.to_string(), mini[file].clone())])
}

/// A valid one-file area: the mini area's `FULL` without entries and with only its first
/// group.
fn bare_full() -> Files {
    BTreeMap::from([("FULL".to_string(), trimmed_full(|_| false, 1))])
}

/// One way to damage a file, applied when the case runs (so that a sweep of many cases
/// holds only the edits, not a copy of the file per case).
#[derive(Clone, Copy, Debug)]
enum Edit {
    /// Bit `bit` of byte `offset` inverted.
    Flip { offset: usize, bit: u8 },
    /// Only the first `len` bytes kept.
    Truncate { len: usize },
    /// `byte` inserted before byte `offset` (at the end when `offset` is the length).
    Insert { offset: usize, byte: u8 },
    /// Byte `offset` removed.
    Delete { offset: usize },
}

/// One damaged area: `base` with `file` damaged by `edit`.
struct Damage<'a> {
    base: &'a Files,
    file: &'a str,
    edit: Edit,
}

impl Damage<'_> {
    /// The damaged file.
    fn bytes(&self) -> Vec<u8> {
        let mut b = self.base[self.file].clone();
        match self.edit {
            Edit::Flip { offset, bit } => b[offset] ^= 1 << bit,
            Edit::Truncate { len } => b.truncate(len),
            Edit::Insert { offset, byte } => b.insert(offset, byte),
            Edit::Delete { offset } => {
                b.remove(offset);
            }
        }
        b
    }

    /// The file and the edit, e.g. `VSAD013: byte 202 'T' -> 'P' (bit 2 flipped)`.
    fn describe(&self) -> String {
        let original = &self.base[self.file];
        let what = match self.edit {
            Edit::Flip { offset, bit } => format!(
                "byte {offset} {} -> {} (bit {bit} flipped)",
                show_byte(original[offset]),
                show_byte(original[offset] ^ (1 << bit))
            ),
            Edit::Truncate { len } => format!("truncated to {len} of {} bytes", original.len()),
            Edit::Insert { offset, byte } if offset == original.len() => format!("{} appended", show_byte(byte)),
            Edit::Insert { offset, byte } => format!("{} inserted at byte {offset}", show_byte(byte)),
            Edit::Delete { offset } => format!("byte {offset} ({}) deleted", show_byte(original[offset])),
        };
        format!("{}: {what}", self.file)
    }

    /// Validates the damaged area: `Err` says why the case failed.
    fn check(&self) -> Result<(), String> {
        let bytes = self.bytes();
        if bytes == self.base[self.file] {
            return Err("the edit left the file unchanged (a bug in this test)".to_string());
        }
        let mut files = self.base.clone();
        files.insert(self.file.to_string(), bytes);
        expect_error_naming(files, self.file)
    }
}

/// The cases `edits` of `file` in `base`.
fn damages<'a>(base: &'a Files, file: &'a str, edits: impl IntoIterator<Item = Edit>) -> Vec<Damage<'a>> {
    edits.into_iter().map(|edit| Damage { base, file, edit }).collect()
}

/// Every single-bit flip of every byte of `file`.
fn bit_flips<'a>(base: &'a Files, file: &'a str) -> Vec<Damage<'a>> {
    let len = base[file].len();
    damages(base, file, (0..len).flat_map(|offset| (0..8).map(move |bit| Edit::Flip { offset, bit })))
}

/// `file` truncated at every offset, and with each of [`APPENDED`] appended.
fn truncations_and_appends<'a>(base: &'a Files, file: &'a str) -> Vec<Damage<'a>> {
    let len = base[file].len();
    let truncations = (0..len).map(|len| Edit::Truncate { len });
    let appends = APPENDED.into_iter().map(move |byte| Edit::Insert { offset: len, byte });
    damages(base, file, truncations.chain(appends))
}

/// `file` truncated just after each of its LFs but the last (a file that looks complete,
/// line by line, but lacks its trailer or more).
fn line_truncations<'a>(base: &'a Files, file: &'a str) -> Vec<Damage<'a>> {
    let original = &base[file];
    let ends = original.iter().enumerate().filter(|&(i, &b)| b == b'\n' && i + 1 < original.len());
    damages(base, file, ends.map(|(i, _)| Edit::Truncate { len: i + 1 }))
}

/// At every [`SAMPLE_STEP`]th offset of `file`, alternately an insertion of the next byte
/// of [`INSERTED`] and a deletion.
fn insertions_and_deletions<'a>(base: &'a Files, file: &'a str) -> Vec<Damage<'a>> {
    let len = base[file].len();
    let edits = (0..len).step_by(SAMPLE_STEP).enumerate().map(|(k, offset)| {
        if k % 2 == 0 {
            Edit::Insert { offset, byte: INSERTED[(k / 2) % INSERTED.len()] }
        } else {
            Edit::Delete { offset }
        }
    });
    damages(base, file, edits)
}

/// Every edit of every kind at every offset of `file`: all bit flips, all truncations,
/// each of [`INSERTED`] inserted at every offset (the end included), every deletion.
fn every_edit<'a>(base: &'a Files, file: &'a str) -> Vec<Damage<'a>> {
    let len = base[file].len();
    let flips = (0..len).flat_map(|offset| (0..8).map(move |bit| Edit::Flip { offset, bit }));
    let truncations = (0..len).map(|len| Edit::Truncate { len });
    let insertions = (0..=len).flat_map(|offset| INSERTED.into_iter().map(move |byte| Edit::Insert { offset, byte }));
    let deletions = (0..len).map(|offset| Edit::Delete { offset });
    damages(base, file, flips.chain(truncations).chain(insertions).chain(deletions))
}

/// Prints the cases in progress every [`WATCHDOG_INTERVAL`] until dropped.
struct Watchdog {
    running: Arc<Mutex<BTreeMap<usize, String>>>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(sweep: &'static str) -> Self {
        let running = Arc::new(Mutex::new(BTreeMap::new()));
        let (stop, stopped) = mpsc::channel::<()>();
        let seen = Arc::clone(&running);
        let started = Instant::now();
        let thread = thread::spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(WATCHDOG_INTERVAL) {
                let now: Vec<String> = seen.lock().map(|m| m.values().cloned().collect()).unwrap_or_default();
                eprintln!(
                    "corruption sweep {sweep}: still running after {:.0?}; in progress: {}",
                    started.elapsed(),
                    now.join(" | ")
                );
            }
        });
        Watchdog { running, stop: Some(stop), thread: Some(thread) }
    }

    fn begin(&self, index: usize, case: String) {
        if let Ok(mut m) = self.running.lock() {
            m.insert(index, case);
        }
    }

    fn end(&self, index: usize) {
        if let Ok(mut m) = self.running.lock() {
            m.remove(&index);
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs every case of a sweep on all cores, prints the count and the elapsed time, and
/// fails listing the cases that were not reported as an error naming the damaged file.
/// Returns the number of cases.
fn sweep(name: &'static str, cases: Vec<Damage<'_>>) -> usize {
    assert!(!cases.is_empty(), "sweep {name} has no case");
    let started = Instant::now();
    let watchdog = Watchdog::start(name);
    let mut failures: Vec<(usize, String)> = cases
        .par_iter()
        .enumerate()
        .filter_map(|(i, d)| {
            watchdog.begin(i, d.describe());
            let result = d.check();
            watchdog.end(i);
            result.err().map(|why| (i, format!("{}: {why}", d.describe())))
        })
        .collect();
    drop(watchdog);
    failures.sort();
    eprintln!(
        "corruption sweep {name}: {} cases in {:.2?}, {} undetected",
        cases.len(),
        started.elapsed(),
        failures.len()
    );
    let shown: Vec<&str> = failures.iter().take(SHOWN).map(|(_, s)| s.as_str()).collect();
    assert!(
        failures.is_empty(),
        "sweep {name}: {} of {} damaged areas were not reported as an error naming the damaged file (first {}):\n{}",
        failures.len(),
        cases.len(),
        shown.len(),
        shown.join("\n")
    );
    cases.len()
}

#[test]
fn baseline_areas_are_clean() {
    expect_clean("mini", cases::mini());
    expect_clean("slab-a-daily", slab::files());
    expect_clean("micro VSAD013", micro(SMALL_VOLUME));
    // A FULL with no entry is well formed; its only finding is the warning that importing
    // it deletes every volume (CS031).
    let report = run(bare_full()).unwrap();
    assert_eq!(summarize(report.findings.diagnostics()), "CS031 warning FULL", "bare FULL");
    for file in cases::mini().keys().filter(|f| f.starts_with('V')) {
        expect_clean(&format!("micro {file}"), micro(file));
    }
}

#[test]
fn every_bit_flip_of_a_small_volume_file_is_an_error_naming_it() {
    let base = micro(SMALL_VOLUME);
    let n = sweep("bit flips VSAD013", bit_flips(&base, SMALL_VOLUME));
    assert_eq!(n, 8 * base[SMALL_VOLUME].len());
}

#[test]
fn every_bit_flip_of_the_full_summary_is_an_error_naming_it() {
    // The mini area's own FULL, entries included, in the six-file area.
    let base = cases::mini();
    let n = sweep("bit flips FULL", bit_flips(&base, "FULL"));
    assert_eq!(n, 8 * base["FULL"].len());
    let bare = bare_full();
    let n = sweep("bit flips bare FULL", bit_flips(&bare, "FULL"));
    assert_eq!(n, 8 * bare["FULL"].len());
}

#[test]
fn every_truncation_and_an_appended_byte_are_errors_naming_the_file() {
    let volume = micro(SMALL_VOLUME);
    let summary = bare_full();
    let mut cases = truncations_and_appends(&volume, SMALL_VOLUME);
    cases.extend(truncations_and_appends(&summary, "FULL"));
    let n = sweep("truncations and appends", cases);
    let lens = volume[SMALL_VOLUME].len() + summary["FULL"].len();
    assert_eq!(n, lens + 2 * APPENDED.len());
}

#[test]
fn truncation_at_a_line_boundary_of_any_mini_file_is_an_error_naming_it() {
    let mini = cases::mini();
    let cases: Vec<Damage<'_>> = mini.keys().flat_map(|file| line_truncations(&mini, file.as_str())).collect();
    sweep("line-boundary truncations", cases);
}

#[test]
fn sampled_insertions_and_deletions_in_every_mini_file_are_errors_naming_it() {
    let mini = cases::mini();
    let volumes: Vec<(String, Files)> =
        mini.keys().filter(|f| f.starts_with('V')).map(|f| (f.clone(), micro(f))).collect();
    assert_eq!(volumes.len() + 1, mini.len(), "FULL and five volumes");
    let mut cases = insertions_and_deletions(&mini, "FULL");
    for (file, area) in &volumes {
        cases.extend(insertions_and_deletions(area, file));
    }
    sweep("insertions and deletions", cases);
}

/// The exhaustive version of the sweeps above, over the whole mini area: every edit of
/// [`every_edit`] (18 per byte) of every file, each validated in the six-file area: about
/// 250,000 cases, half a minute on two cores when optimized (opt-level 1 or more), far
/// too long unoptimized. Run it with
/// `cargo test --release --test integration corruption -- --ignored --nocapture`.
#[test]
#[ignore = "exhaustive: about 250,000 validations of the mini area; run in release with --ignored"]
fn every_edit_of_every_mini_file_is_an_error_naming_it() {
    let mini = cases::mini();
    let cases: Vec<Damage<'_>> = mini.keys().flat_map(|file| every_edit(&mini, file.as_str())).collect();
    sweep("every edit of every mini file", cases);
}

/// True when `report` has an error about `file` of one of `codes`.
fn has_error(report: &Report, file: &str, codes: &[Code]) -> bool {
    report
        .findings
        .diagnostics()
        .iter()
        .any(|d| d.is_error() && d.file.as_deref() == Some(file) && codes.contains(&d.code))
}

#[test]
fn swapped_volume_files_are_errors_naming_both() {
    for (name, mut files) in [("mini", cases::mini()), ("slab-a-daily", slab::files())] {
        let one = files["VSAD001"].clone();
        let two = files["VSAD002"].clone();
        files.insert("VSAD001".into(), two);
        files.insert("VSAD002".into(), one);
        let report = run(files).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(report.findings.errors() > 0, "{name}: no error");
        for file in ["VSAD001", "VSAD002"] {
            assert!(
                has_error(&report, file, &[Code::LabelMismatch, Code::VolumeHashMismatch]),
                "{name}: the swap is not reported as CS025/CS023 on {file}: {}",
                summarize(report.findings.diagnostics())
            );
        }
    }
}

/// `VSAD002` as an earlier FULL export wrote it: another export id and another status of
/// the tape volume. A valid, correctly sealed file, just not the one `FULL` lists.
fn older_export_of_vsad002(current: &[u8]) -> Vec<u8> {
    let old = support::edit_lines(current, |l| {
        let (from, to) = ("id=2022-01-05_17:44:48", "id=2021-12-29_17:44:48");
        assert!(l[1].contains(from), "{:?} lacks {from:?}", l[1]);
        l[1] = l[1].replacen(from, to, 1);
        let (from, to) = (" status=ASSIGNED ", " status=FULL ");
        assert!(l[3].contains(from), "{:?} lacks {from:?}", l[3]);
        l[3] = l[3].replacen(from, to, 1);
    });
    assert_ne!(old, current);
    old
}

#[test]
fn an_older_valid_export_of_a_volume_file_is_an_error_naming_it() {
    let files = cases::mini();
    let old = older_export_of_vsad002(&files["VSAD002"]);

    // The older file is valid by itself: in an area whose FULL lists it, nothing is wrong
    // with the file's own bytes (codes below CS020).
    let mut control = files.clone();
    control.insert("VSAD002".into(), old.clone());
    support::rehash_entry(&mut control, "FULL", "VSAD002");
    let report = run(control).unwrap_or_else(|e| panic!("control: {e}"));
    assert!(
        !report.findings.diagnostics().iter().any(|d| d.file.as_deref() == Some("VSAD002") && d.code.number() < 20),
        "the older export is not a valid file by itself: {}",
        summarize(report.findings.diagnostics())
    );

    // In place of the current file, only the summary's digest can tell.
    let mut replaced = files;
    replaced.insert("VSAD002".into(), old);
    let report = run(replaced).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.findings.errors() > 0, "no error");
    assert!(
        has_error(&report, "VSAD002", &[Code::VolumeHashMismatch, Code::EntryMismatch]),
        "the older export is not reported as CS023/CS030 on VSAD002: {}",
        summarize(report.findings.diagnostics())
    );
}

/// `catstage generate` output too: every bit flip of its smallest volume file, every
/// truncation, and an appended byte.
#[test]
fn every_bit_flip_of_a_generated_volume_file_is_an_error_naming_it() {
    use catstage::generate::{Params, generate};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g");
    let params = Params { volumes: 6, diskfiles: 4, ..Params::default() };
    generate(&params, &out, catstage::disk::Wait::No, None).unwrap();
    let base: Files = support::read_area(&out);
    expect_clean("generated", base.clone());
    let smallest = base.iter().filter(|(k, _)| k.starts_with('V')).min_by_key(|(_, v)| v.len()).unwrap().0.clone();
    let mut cases = bit_flips(&base, &smallest);
    cases.extend(truncations_and_appends(&base, &smallest));
    let n = sweep("generated volume file", cases);
    assert_eq!(n, 9 * base[&smallest].len() + APPENDED.len());
}
