//! `catstage diff`: what differs between two staging areas, volume by volume and field by
//! field.
//!
//! Fast by default: volumes whose winning summary entries are equal (same SHA-256 and
//! size) are taken as unchanged without reading their files, since the entry's digest
//! covers the whole file; only the files of volumes whose entries differ are read, both
//! at once, their disk files merged as they stream. Every directory entry of both areas
//! is still checked against the summaries (presence, type, size: metadata only), so that
//! a copy that lost, cut short or replaced a file is damage, never "identical"; and files
//! that are the same but carry other modification times are said (the vendor's UPDATE
//! import goes by them). `--verify` first checks both areas completely, as `validate`
//! does, reading every byte.

use crate::compare::{Change, DiskDelta, FieldDiff, compare_volume, tapefile_key};
use crate::diag::{Code, Diagnostic, Examples};
use crate::model::{CurrentSet, Direction, ExportAge, Label, Summary, SummaryExport, TapeFileKey, bool_str};
use crate::report::{Coverage, Verdict};
use crate::staging::{AreaEntry, EntryKind, Source, read_summaries};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io;

/// A changed volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeChange {
    /// Its label.
    pub label: Label,
    /// Field changes of its head records.
    pub changes: Vec<Change>,
    /// Disk file changes per tape file.
    pub diskfiles: BTreeMap<TapeFileKey, DiskDelta>,
}

/// The differences between two staging areas.
#[derive(Clone, Debug, Default)]
pub struct AreaDiff {
    /// Changes of the `export` records of FULL and UPDATE.
    pub export: Vec<Change>,
    /// Changes of the volume groups (and node maps) of the winning summaries.
    pub groups: Vec<Change>,
    /// Volumes only in B, with their group.
    pub added: Vec<(Label, String)>,
    /// Volumes only in A.
    pub removed: Vec<Label>,
    /// Volumes in both whose files differ.
    pub changed: Vec<VolumeChange>,
    /// Volumes in both that are the same.
    pub unchanged: u64,
    /// Of those, how many were taken as unchanged from their summary entries and their
    /// directory entries, without reading their files.
    pub unchanged_by_entry: u64,
    /// Unchanged volumes whose files have other modification times in B than in A.
    pub touched: Vec<Label>,
    /// True when every file of both areas was read (`--verify`).
    pub verified: bool,
    /// Problems found in either area: when there are errors, the diff cannot be trusted.
    pub diagnostics: Vec<Diagnostic>,
    /// Which way going from A's export to B's goes; `None` when either has no FULL.
    pub direction: Option<Direction>,
    /// What the verdict rests on: the directory entries always, the files' content only
    /// with `--verify` (or where entries differ).
    pub coverage: Coverage,
    /// `A and B`, the two areas as the operator named them.
    pub compared: String,
}

impl AreaDiff {
    /// True when nothing differs and neither area is damaged. A file outside the current
    /// set that only one area has (an orphan, a foreign file) is a difference.
    pub fn identical(&self) -> bool {
        !self.diagnostics.iter().any(|d| d.is_error() || matches!(d.code, Code::ForeignFile | Code::OrphanVolumeFile))
            && self.export.is_empty()
            && self.groups.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }

    /// What the report may claim: `Some(false)` when something differs or an area is
    /// damaged, `Some(true)` when nothing differs and every file compared was read,
    /// `None` when nothing differs but volumes were taken as unchanged from their summary
    /// entries without reading their files (a file changed in place with its size kept
    /// would not show).
    pub fn identical_claim(&self) -> Option<bool> {
        if !self.identical() {
            Some(false)
        } else if self.verified || self.unchanged_by_entry == 0 {
            Some(true)
        } else {
            None
        }
    }
}

/// One staging area's summaries and current set.
struct Side {
    full: Summary,
    update: Option<Summary>,
    set: CurrentSet,
}

/// Reads the summaries of `src` (named `name` in messages). Problems go to `diags`; an
/// area without a readable FULL cannot be compared.
fn side(name: &str, src: &dyn Source, diags: &mut Vec<Diagnostic>, examples: Examples) -> io::Result<Option<Side>> {
    let s = read_summaries(src, examples)?;
    diags.extend(s.errors_named(name));
    let Some(full) = s.full else {
        diags.push(Diagnostic::new(
            Code::MissingSummary,
            Some(format!("{name}/FULL")),
            format!("{name} has no readable FULL summary, so it cannot be compared"),
        ));
        return Ok(None);
    };
    Ok(Some(Side { full, update: s.update, set: s.set }))
}

/// Checks the directory entries of an area against its current set, reading no file: every
/// winning entry's file is there, a regular file of the entry's size (damage otherwise);
/// an entry outside the current set that the other area does not have alike is damage
/// too: the two directories differ beyond their summaries.
fn check_entries(name: &str, src: &dyn Source, set: &CurrentSet, other: &dyn Source, diags: &mut Vec<Diagnostic>) {
    let entries = src.entries();
    let find =
        |list: &[AreaEntry], file: &str| -> Option<usize> { list.binary_search_by(|e| e.name.as_str().cmp(file)).ok() };
    let mut accounted = BTreeSet::new();
    for (label, w) in &set.entries {
        let e = &w.entry;
        let Some(i) = find(entries, &e.file) else {
            diags.push(
                Diagnostic::new(
                    Code::MissingVolumeFile,
                    Some(format!("{name}/{}", e.file)),
                    format!("the summary lists {label} but {name}/{} is missing", e.file),
                )
                .with_hint("the area is incomplete (a copy that did not finish?): copy it again"),
            );
            continue;
        };
        accounted.insert(i);
        let found = &entries[i];
        match found.kind {
            EntryKind::NotRegular(what) => diags.push(Diagnostic::new(
                Code::NotARegularFile,
                Some(format!("{name}/{}", e.file)),
                format!(
                    "{name}/{} is {what}, not the volume file its summary lists (catstage does not follow it)",
                    e.file
                ),
            )),
            _ if found.size != e.size => diags.push(
                Diagnostic::new(
                    Code::VolumeHashMismatch,
                    Some(format!("{name}/{}", e.file)),
                    format!(
                        "{name}/{} has {} bytes; its summary entry says {}: it is not the file the summary lists",
                        e.file, found.size, e.size
                    ),
                )
                .with_hint("the file was cut short or replaced (a copy that did not finish?): copy it again"),
            ),
            _ => {}
        }
    }
    for (i, e) in entries.iter().enumerate() {
        if accounted.contains(&i) || matches!(e.kind, EntryKind::Summary(_)) {
            continue;
        }
        if let EntryKind::NotRegular(what) = e.kind {
            diags.push(Diagnostic::new(
                Code::NotARegularFile,
                Some(format!("{name}/{}", e.name)),
                format!(
                    "{name}/{} is {what}; a staging area holds regular files only (catstage does not follow it)",
                    e.name
                ),
            ));
            continue;
        }
        let same_in_other = find(other.entries(), &e.name).is_some_and(|j| {
            let o = &other.entries()[j];
            o.size == e.size && !matches!(o.kind, EntryKind::NotRegular(_))
        });
        if same_in_other {
            continue;
        }
        let (code, what) = match e.kind {
            EntryKind::Volume(_) => (Code::OrphanVolumeFile, "a volume file no current summary lists (an orphan)"),
            _ => (Code::ForeignFile, "not a staging file"),
        };
        diags.push(
            Diagnostic::new(
                code,
                Some(format!("{name}/{}", e.name)),
                format!("{name}/{} is {what}, and the other area does not have it alike: the two directories differ beyond their summaries", e.name),
            )
            // As in validate: a stray file is a warning, not damage; here it is also a
            // difference between the two directories (see `AreaDiff::identical`).
        );
    }
}

fn export_changes(which: &'static str, a: Option<&SummaryExport>, b: Option<&SummaryExport>, out: &mut Vec<Change>) {
    let mut d = FieldDiff::new("export", Some(which.to_string()), out);
    match (a, b) {
        (Some(a), Some(b)) => {
            d.text("id", &a.id, &b.id)
                .opt("base", a.base.as_deref(), b.base.as_deref())
                .text("store", &a.store, &b.store)
                .text("node", a.node.as_str(), b.node.as_str())
                .text("catalogfiles", bool_str(a.catalogfiles), bool_str(b.catalogfiles))
                .time("created", Some(&a.created), Some(&b.created))
                .extra(&a.extra, &b.extra);
        }
        (Some(_), None) => d.presence(false),
        (None, Some(_)) => d.presence(true),
        (None, None) => {}
    }
}

fn group_changes(a: &Side, b: &Side) -> Vec<Change> {
    let mut out = Vec::new();
    let ga: BTreeMap<&str, _> = a.set.groups.iter().map(|g| (g.id.as_str(), g)).collect();
    let gb: BTreeMap<&str, _> = b.set.groups.iter().map(|g| (g.id.as_str(), g)).collect();
    let ids: BTreeSet<&str> = ga.keys().chain(gb.keys()).copied().collect();
    for id in ids {
        let mut d = FieldDiff::new("group", Some(id.to_string()), &mut out);
        match (ga.get(id), gb.get(id)) {
            (Some(x), Some(y)) => {
                d.text("catalog", x.catalog.as_str(), y.catalog.as_str())
                    .opt("media", x.media.as_deref(), y.media.as_deref())
                    .opt("volcat", x.volcat.as_deref(), y.volcat.as_deref())
                    .opt("pool", x.pool.as_deref(), y.pool.as_deref())
                    .opt("keymanager", x.keymanager.as_deref(), y.keymanager.as_deref())
                    .extra(&x.extra, &y.extra);
            }
            (Some(_), None) => d.presence(false),
            (None, Some(_)) => d.presence(true),
            (None, None) => {}
        }
    }
    let winning =
        |s: &Side| if s.set.update_current { s.update.clone().unwrap_or(s.full.clone()) } else { s.full.clone() };
    let (wa, wb) = (winning(a), winning(b));
    let ma: BTreeMap<String, _> = wa.nodemaps.iter().map(|m| (m.old.to_string(), m)).collect();
    let mb: BTreeMap<String, _> = wb.nodemaps.iter().map(|m| (m.old.to_string(), m)).collect();
    let olds: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
    for old in olds {
        let mut d = FieldDiff::new("nodemap", Some(old.clone()), &mut out);
        match (ma.get(old), mb.get(old)) {
            (Some(x), Some(y)) => {
                d.text("new", x.new.as_str(), y.new.as_str())
                    .text("diskfiles", &x.diskfiles.to_string(), &y.diskfiles.to_string())
                    .text("volumes", &x.volumes.to_string(), &y.volumes.to_string());
            }
            (Some(_), None) => d.presence(false),
            (None, Some(_)) => d.presence(true),
            (None, None) => {}
        }
    }
    out
}

/// Compares staging area `a` (named `name_a`) with `b`. With `verify`, both are first
/// checked completely (`verify_a` and `verify_b` are the findings of a full validation,
/// computed by the caller so that it can show progress). A repeated finding lists
/// `examples`.
pub fn diff(
    (name_a, a): (&str, &dyn Source),
    (name_b, b): (&str, &dyn Source),
    verify: bool,
    examples: Examples,
) -> io::Result<AreaDiff> {
    let mut out = AreaDiff { compared: format!("{name_a} and {name_b}"), ..AreaDiff::default() };
    if verify {
        // The second area's files whose bytes are the first's (the same whole-file
        // SHA-256, computed for each) take the first's facts: every byte of both areas
        // is read and hashed, each distinct file parsed once.
        let ra = crate::validate::validate_with(a, crate::validate::Checks { examples, ..Default::default() }, None)?;
        let reuse = crate::staging::Reuse { volumes: &ra.read.volumes };
        let rb = crate::validate::validate_with(
            b,
            crate::validate::Checks { reuse: Some(reuse), examples, ..Default::default() },
            None,
        )?;
        for (name, report) in [(name_a, ra), (name_b, rb)] {
            for mut d in report.findings.into_diagnostics().into_iter().filter(|d| d.is_error()) {
                d.file = Some(format!("{name}/{}", d.file.unwrap_or_default()));
                out.diagnostics.push(d);
            }
        }
    }
    let sa = side(name_a, a, &mut out.diagnostics, examples)?;
    let sb = side(name_b, b, &mut out.diagnostics, examples)?;
    let (Some(sa), Some(sb)) = (sa, sb) else { return Ok(out) };
    out.verified = verify;
    let (age_a, age_b) =
        (ExportAge::of(Some(&sa.full), sa.update.as_ref()), ExportAge::of(Some(&sb.full), sb.update.as_ref()));
    out.direction = age_a.zip(age_b).map(|(x, y)| x.direction_to(&y));
    out.coverage.ran("directory entries");
    out.coverage.record("content", verify, "--verify (files whose summary entries match were not read)");
    check_entries(name_a, a, &sa.set, b, &mut out.diagnostics);
    check_entries(name_b, b, &sb.set, a, &mut out.diagnostics);
    export_changes("FULL", Some(&sa.full.export), Some(&sb.full.export), &mut out.export);
    export_changes(
        "UPDATE",
        sa.update.as_ref().map(|u| &u.export),
        sb.update.as_ref().map(|u| &u.export),
        &mut out.export,
    );
    out.groups = group_changes(&sa, &sb);

    let mut to_read = Vec::new();
    for (label, wa) in &sa.set.entries {
        match sb.set.entries.get(label) {
            None => out.removed.push(*label),
            Some(wb) if wa.entry.sha256 == wb.entry.sha256 && wa.entry.size == wb.entry.size => {
                out.unchanged += 1;
                if !verify {
                    out.unchanged_by_entry += 1;
                }
                if modified(a, &wa.entry.file) != modified(b, &wb.entry.file) {
                    out.touched.push(*label);
                }
            }
            Some(wb) => to_read.push((*label, wa.entry.clone(), wb.entry.clone())),
        }
    }
    for (label, wb) in &sb.set.entries {
        if !sa.set.entries.contains_key(label) {
            out.added.push((*label, wb.entry.group.clone()));
        }
    }
    let results: Vec<io::Result<(VolumeChange, Vec<Diagnostic>)>> = to_read
        .par_iter()
        .map(|(label, ea, eb)| {
            let pair = compare_volume((a, &ea.file), (b, &eb.file), examples)?;
            let mut diags = Vec::new();
            for (name, p, e) in [(name_a, &pair.old, ea), (name_b, &pair.new, eb)] {
                for mut d in p.diagnostics.iter().filter(|d| d.is_error()).cloned() {
                    d.file = Some(format!("{name}/{}", d.file.unwrap_or_default()));
                    diags.push(d);
                }
                if p.framed.sha256 != e.sha256 || p.framed.size != e.size {
                    diags.push(Diagnostic::new(
                        Code::VolumeHashMismatch,
                        Some(format!("{name}/{}", e.file)),
                        format!("{name}/{} is not the file its summary lists", e.file),
                    ));
                }
            }
            let changes = match (&pair.old.head, &pair.new.head) {
                (Some(ha), Some(hb)) => crate::compare::head_changes(ha, hb),
                _ => Vec::new(),
            };
            Ok((VolumeChange { label: *label, changes, diskfiles: pair.diskfiles }, diags))
        })
        .collect();
    for r in results {
        let (change, diags) = r?;
        out.diagnostics.extend(diags);
        out.changed.push(change);
    }
    out.diagnostics = crate::check::structure::rollup(std::mem::take(&mut out.diagnostics), examples);
    Ok(out)
}

/// The modification time of `file` in `src`, if it has one.
fn modified(src: &dyn Source, file: &str) -> Option<std::time::SystemTime> {
    let entries = src.entries();
    entries.binary_search_by(|e| e.name.as_str().cmp(file)).ok().and_then(|i| entries[i].modified)
}

/// A change of the JSON document, disk file deltas included.
#[derive(Serialize)]
struct JsonChange<'a> {
    record: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    field: &'a str,
    old: Option<String>,
    new: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    added: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changed: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counts: Option<DeltaCounts>,
}

#[derive(Serialize)]
struct DeltaCounts {
    added: u64,
    removed: u64,
    changed: u64,
    truncated: bool,
}

fn json_changes(v: &VolumeChange) -> Vec<JsonChange<'_>> {
    let mut out: Vec<JsonChange<'_>> = v
        .changes
        .iter()
        .map(|c| JsonChange {
            record: c.record,
            key: c.key.clone(),
            field: &c.field,
            old: c.old.clone(),
            new: c.new.clone(),
            added: None,
            removed: None,
            changed: None,
            counts: None,
        })
        .collect();
    for (k, d) in &v.diskfiles {
        let truncated = d.added > d.added_names.len() as u64
            || d.removed > d.removed_names.len() as u64
            || d.changed > d.changed_names.len() as u64;
        out.push(JsonChange {
            record: "diskfile",
            key: Some(tapefile_key(k)),
            field: "count",
            old: Some(d.old_count.to_string()),
            new: Some(d.new_count.to_string()),
            added: Some(&d.added_names),
            removed: Some(&d.removed_names),
            changed: Some(&d.changed_names),
            counts: Some(DeltaCounts { added: d.added, removed: d.removed, changed: d.changed, truncated }),
        });
    }
    out
}

impl AreaDiff {
    /// The JSON document (schema `catstage.diff/2`).
    pub fn json(&self) -> DiffJson<'_> {
        DiffJson {
            identical: self.identical_claim(),
            direction: self.direction.map(Direction::word),
            added: self.added.iter().map(|(l, _)| *l).collect(),
            removed: &self.removed,
            changed: self
                .changed
                .iter()
                .map(|v| ChangedVolumeJson { label: v.label, changes: json_changes(v) })
                .collect(),
            unchanged: self.unchanged,
            unchanged_by_entry: self.unchanged_by_entry,
            touched: &self.touched,
            read: if self.verified { "every file" } else { "changed volumes" },
            groups: self.groups.iter().map(json_changes_plain).collect(),
            export: self.export.iter().map(json_changes_plain).collect(),
            coverage: &self.coverage,
            diagnostics: crate::report::JsonDiagnostics::of(&self.diagnostics),
        }
    }
}

/// The JSON document of `catstage diff` (schema `catstage.diff/2`).
#[derive(Serialize)]
pub struct DiffJson<'a> {
    /// `null` when the files were not all read and no difference was found.
    identical: Option<bool>,
    direction: Option<&'static str>,
    added: Vec<Label>,
    removed: &'a [Label],
    changed: Vec<ChangedVolumeJson<'a>>,
    unchanged: u64,
    unchanged_by_entry: u64,
    touched: &'a [Label],
    read: &'static str,
    groups: Vec<JsonChange<'a>>,
    export: Vec<JsonChange<'a>>,
    coverage: &'a Coverage,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

/// One volume of [`DiffJson`]'s `changed`.
#[derive(Serialize)]
struct ChangedVolumeJson<'a> {
    label: Label,
    changes: Vec<JsonChange<'a>>,
}

fn json_changes_plain(c: &Change) -> JsonChange<'_> {
    JsonChange {
        record: c.record,
        key: c.key.clone(),
        field: &c.field,
        old: c.old.clone(),
        new: c.new.clone(),
        added: None,
        removed: None,
        changed: None,
        counts: None,
    }
}

/// The schema of `catstage diff`'s document.
pub const SCHEMA: &str = "catstage.diff/2";

impl crate::report::Report for AreaDiff {
    fn coverage(&self) -> Coverage {
        self.coverage.clone()
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = DiffJson<'a>;

    fn document(&self) -> DiffJson<'_> {
        self.json()
    }

    fn write_text(&self, out: &mut dyn std::io::Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        for x in &self.diagnostics {
            crate::diag::render_text(out, x, opts.style)?;
        }
        if !opts.stat {
            text(out, self, opts.verbose, opts.style)?;
        }
        match self.direction {
            Some(Direction::Backward) => writeln!(
                out,
                "the second area holds an older export than the first (by FULL's creation time, then UPDATE's): \
                 going from the first to the second goes back in time"
            )?,
            Some(Direction::Unknown) => writeln!(
                out,
                "the two areas hold different exports created at the same instant: which is newer is unknown"
            )?,
            _ => {}
        }
        writeln!(out, "{}", summary_line(self, self.verified))
    }

    /// 0 identical, 1 different, 2 damage in either area (like diff(1)'s trouble).
    fn verdict(&self) -> Verdict {
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            Verdict::CannotRun
        } else {
            Verdict::findings_if(!self.identical())
        }
    }

    /// Findings name their area (`a/VSAD001`); damage is a finding about the areas.
    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        vec![crate::report::Subject::new(&self.compared, true, &self.diagnostics, crate::report::Scope::Named)]
    }
}

/// The SGR colour of a line of the volume-by-volume text, by its sign (as `diff` and
/// `git diff` colour theirs): added green, removed red, changed yellow, area-wide bold.
fn sign_colour(sign: char) -> &'static str {
    match sign {
        '+' => "32",
        '-' => "31",
        '~' => "33",
        _ => "1",
    }
}

fn text(out: &mut dyn std::io::Write, d: &AreaDiff, verbose: bool, style: crate::diag::Style) -> io::Result<()> {
    for c in d.export.iter().chain(&d.groups) {
        writeln!(out, "{}", style.paint(sign_colour('*'), &format!("* {}", c.describe())))?;
    }
    // One line per volume, in label order.
    let mut lines: Vec<(Label, String, Vec<String>)> = Vec::new();
    for (l, g) in &d.added {
        lines.push((*l, format!("+ {l} {g}"), Vec::new()));
    }
    for l in &d.removed {
        lines.push((*l, format!("- {l}"), Vec::new()));
    }
    for v in &d.changed {
        let mut parts: Vec<String> = v.changes.iter().map(|c| c.describe()).collect();
        let mut names = Vec::new();
        for (k, delta) in &v.diskfiles {
            let key = tapefile_key(k);
            parts.push(format!("diskfiles[{key}] +{} -{} ~{}", delta.added, delta.removed, delta.changed));
            if verbose {
                for (sign, list, n) in [
                    ('+', &delta.added_names, delta.added),
                    ('-', &delta.removed_names, delta.removed),
                    ('~', &delta.changed_names, delta.changed),
                ] {
                    names.extend(list.iter().map(|x| format!("    {sign} {x}")));
                    if n > list.len() as u64 {
                        names.push(format!("    {sign} … and {} more", n - list.len() as u64));
                    }
                }
            }
        }
        lines.push((v.label, format!("~ {} {}", v.label, parts.join("; ")), names));
    }
    lines.sort_by_key(|x| x.0);
    for (_, line, names) in lines {
        let sign = line.chars().next().unwrap_or('~');
        writeln!(out, "{}", style.paint(sign_colour(sign), &line))?;
        for n in names {
            let sign = n.trim_start().chars().next().unwrap_or('~');
            writeln!(out, "{}", style.paint(sign_colour(sign), &n))?;
        }
    }
    Ok(())
}

fn summary_line(d: &AreaDiff, verify: bool) -> String {
    let errors = d.diagnostics.iter().filter(|x| x.is_error()).count();
    let damaged = if errors > 0 {
        format!(
            "{}: the comparison cannot be trusted; as far as it went: ",
            crate::report::plural(errors as u64, "error")
        )
    } else {
        String::new()
    };
    let mut s = format!(
        "{damaged}{} added, {} removed, {} changed, {} unchanged",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged
    );
    if d.unchanged_by_entry > 0 && !verify {
        s.push_str(&format!(
            " ({} of them by their summary entries and directory entries — presence, type, size — their files not \
             read; --verify reads every file)",
            d.unchanged_by_entry
        ));
    }
    if !d.touched.is_empty() {
        s.push_str(&format!(
            "; {} unchanged volume file{} other modification times in the second area (copied without preserving \
             times? an UPDATE import goes by them)",
            d.touched.len(),
            if d.touched.len() == 1 { " has" } else { "s have" }
        ));
    }
    let config = d.export.len() + d.groups.len();
    if config > 0 {
        s.push_str(&format!("; {config} export or group change{}", if config == 1 { "" } else { "s" }));
    }
    s
}
