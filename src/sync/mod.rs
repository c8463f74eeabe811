//! `catstage sync`: build and refresh a staging area from a catalog listing (a backup
//! application's report, a MEDIACOM listing, a tape manager's CSV), driven by a
//! definition file (formats/definition.md).
//!
//! The listing is read streaming (`source.rs`), each row through the definition
//! (`row.rs`); rows with the same label build one volume (`build.rs`); each volume is
//! compared with what the staging area holds for its scope and written only when it
//! changed (`apply.rs`). Three threads share the work: one reads the listing and splits
//! it into rows, one builds the volumes and keeps the books (every finding and figure, in
//! the listing's order), one renders, hashes and writes the volume files.
//!
//! The listing is read once. Changed volume files are written under temporary names and
//! flushed to stable storage as they come; only once the whole listing is read are they
//! renamed into place (a FULL export after a rejected row, or one that would remove more
//! than a tenth of the volumes, is refused: its temporary files are removed, so that a
//! refused export writes nothing). Volume files are replaced first and summaries last,
//! each atomically, under the staging area's exclusive lock: a crash leaves at worst
//! temporary files and stale entries, never an entry without its file.

mod apply;
mod build;
mod definition;
mod fields;
mod glob;
mod mapping;
mod row;
mod source;
mod timefmt;

pub use definition::{
    Definition, Exclusion, ExportSpec, Locator, Mapping, SourceFormat, SourceSpec, TimeSpec, Translation,
    load_definition, parse_definition,
};
pub use fields::{Family, Field};
pub use glob::Glob;
pub use timefmt::{TimeFormat, parse_timezone};

use crate::diag::{self, Code, Diagnostic, FileDiagnostics, render_json_diagnostic};
use crate::model::{ExportType, Summary, SummaryExport, Timestamp, Version, check_export_id};
use crate::staging::{LockMode, StagingLock, fsync_dir, write_atomic_bytes};
use crate::write::summary_bytes;
use apply::{Job, Pass, Staged, Staging, Writer, summary_groups};
use build::Builder;
use sha2::{Digest, Sha256};
use source::{ReadAhead, SourceReader};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A FULL export may remove at most this fraction of the volumes without `--force`.
pub const MAX_REMOVED_PERCENT: u64 = 10;

/// What to sync.
#[derive(Clone, Debug)]
pub struct SyncRequest<'a> {
    /// The definition file.
    pub definition: &'a Path,
    /// The listing.
    pub source: &'a Path,
    /// The staging area (created by a FULL export when it does not exist).
    pub staging: &'a Path,
    /// FULL or UPDATE export.
    pub kind: ExportType,
    /// The export id; by default the definition's, else the creation time's
    /// `YYYY-MM-DD_HH:MM:SS`.
    pub export_id: Option<String>,
    /// When the export ran; by default the definition's, else now.
    pub created: Option<Timestamp>,
    /// Read and compare, write nothing.
    pub dry_run: bool,
    /// Write a FULL export even after rejected rows, beyond the removal limit, or when it
    /// strips the staging area's DISKFILEs.
    pub force: bool,
}

/// The figures of a sync.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Rows read (header, blank and skipped lines are not rows).
    pub rows_read: u64,
    /// Rows excluded by the definition's rules.
    pub rows_excluded: u64,
    /// Rows rejected (CS502).
    pub rows_rejected: u64,
    /// Volumes the staging area did not hold.
    pub volumes_added: u64,
    /// Volumes whose file changed.
    pub volumes_changed: u64,
    /// Volumes whose file is what the staging area holds.
    pub volumes_unchanged: u64,
    /// Volumes a FULL export removes.
    pub volumes_removed: u64,
    /// Volumes with a rejected row, left as the staging area holds them.
    pub volumes_rejected: u64,
    /// Files written (volume files and summaries).
    pub files_written: u64,
    /// Files removed (volume files, and a superseded UPDATE).
    pub files_removed: u64,
    /// Scopes (data store, volume group) loaded from the staging area.
    pub scope_loads: u64,
}

/// What a sync did.
#[derive(Clone, Debug)]
pub struct SyncReport {
    /// False when the definition could not be used: nothing was read or written.
    pub ran: bool,
    /// The export type.
    pub kind: ExportType,
    /// The export id.
    pub export_id: Option<String>,
    /// For an UPDATE export, the FULL export it builds on.
    pub base: Option<String>,
    /// The data store.
    pub store: Option<String>,
    /// True for `--dry-run`.
    pub dry_run: bool,
    /// True when a FULL export was refused (CS504).
    pub refused: bool,
    /// The figures.
    pub stats: Stats,
    /// Findings: definition (CS501), rows (CS502, CS503), refusal (CS504).
    pub diagnostics: Vec<Diagnostic>,
    /// Wall time.
    pub elapsed: Duration,
}

impl SyncReport {
    fn not_run(req: &SyncRequest<'_>, diagnostics: Vec<Diagnostic>, start: Instant) -> Self {
        SyncReport {
            ran: false,
            kind: req.kind,
            export_id: None,
            base: None,
            store: None,
            dry_run: req.dry_run,
            refused: false,
            stats: Stats::default(),
            diagnostics,
            elapsed: start.elapsed(),
        }
    }

    /// The JSON document (schema `catstage.sync/1`).
    pub fn json(&self) -> serde_json::Value {
        let s = &self.stats;
        let (errors, warnings) = diag::tally(&self.diagnostics);
        serde_json::json!({
            "schema": "catstage.sync/1",
            "type": self.kind.as_str(),
            "export_id": self.export_id,
            "base": self.base,
            "store": self.store,
            "dry_run": self.dry_run,
            "refused": self.refused,
            "rows_read": s.rows_read,
            "rows_excluded": s.rows_excluded,
            "rows_rejected": s.rows_rejected,
            "volumes_added": s.volumes_added,
            "volumes_changed": s.volumes_changed,
            "volumes_unchanged": s.volumes_unchanged,
            "volumes_removed": s.volumes_removed,
            "volumes_rejected": s.volumes_rejected,
            "files_written": s.files_written,
            "files_removed": s.files_removed,
            "scope_loads": s.scope_loads,
            "elapsed_seconds": (self.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            "diagnostics": self.diagnostics.iter().map(render_json_diagnostic).collect::<Vec<_>>(),
            "summary": { "errors": errors, "warnings": warnings },
        })
    }
}

/// Why a sync could not run (exit status 2).
#[derive(Debug)]
pub struct SyncError(pub String);

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SyncError {}

fn cannot(path: &Path, e: impl std::fmt::Display) -> SyncError {
    SyncError(format!("{}: {e}", path.display()))
}

/// Runs a sync. Findings about the definition, the rows and a refused FULL export are in
/// the report; an `Err` means it could not run (a path that cannot be read, the lock
/// held, a staging area whose summaries have errors).
pub fn sync(req: &SyncRequest<'_>) -> Result<SyncReport, SyncError> {
    let start = Instant::now();
    let (def, diags) = load_definition(req.definition).map_err(|e| cannot(req.definition, e))?;
    let Some(mut def) = def else { return Ok(SyncReport::not_run(req, diags, start)) };
    let source = SourceReader::open(req.source, &def.source).map_err(|e| cannot(req.source, e))?;
    let header = source.header.as_ref().map(|(names, line)| (names.as_slice(), *line));
    let diags = def.resolve_columns(header);
    if !diags.is_empty() {
        return Ok(SyncReport::not_run(req, diags, start));
    }
    // One writer per staging area (R19); a dry run only reads.
    let mode = if req.dry_run { LockMode::Shared } else { LockMode::Exclusive };
    let _lock = StagingLock::acquire(req.staging, mode).map_err(|e| SyncError(e.to_string()))?;
    let st = Staging::read(req.staging).map_err(SyncError)?;
    let created = created(req, &def)?;
    let export_id = req.export_id.clone().or_else(|| def.export.id.clone()).unwrap_or_else(|| created.export_id_form());
    check_export_id(&export_id).map_err(|e| SyncError(format!("export id {export_id:?}: {e}")))?;
    let base = preflight(req, &def, &st, &export_id)?;
    let mut report = SyncReport {
        ran: true,
        kind: req.kind,
        export_id: Some(export_id.clone()),
        base: base.clone(),
        store: None,
        dry_run: req.dry_run,
        refused: false,
        stats: Stats::default(),
        diagnostics: Vec::new(),
        elapsed: Duration::ZERO,
    };
    let ctx = Export { def: &def, st: &st, export_id: &export_id, base, created };
    match req.kind {
        ExportType::Update => update(req, &ctx, source, &mut report)?,
        ExportType::Full => full(req, &ctx, source, &mut report)?,
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

/// Everything an export's summary needs besides its entries.
struct Export<'a> {
    def: &'a Definition,
    st: &'a Staging,
    export_id: &'a str,
    base: Option<String>,
    created: Timestamp,
}

impl Export<'_> {
    fn summary(&self, kind: ExportType, store: String, entries: Vec<crate::model::Entry>) -> Summary {
        let old_groups = &self.st.set.groups;
        let nodemaps = match kind {
            // A FULL export writes every volume afresh from the listing: no node was replaced.
            ExportType::Full => Vec::new(),
            ExportType::Update => {
                self.st.update.as_ref().or(self.st.full.as_ref()).map(|s| s.nodemaps.clone()).unwrap_or_default()
            }
        };
        Summary {
            version: Version::CURRENT,
            export: SummaryExport {
                id: self.export_id.to_string(),
                kind,
                base: self.base.clone(),
                store,
                node: self.def.export.node,
                catalogfiles: self.def.export.catalogfiles,
                created: self.created,
                extra: Default::default(),
            },
            groups: summary_groups(&self.def.groups, old_groups, &entries),
            nodemaps,
            entries,
        }
    }
}

/// The creation time: `--created`, the definition's, or now at the definition's timezone.
fn created(req: &SyncRequest<'_>, def: &Definition) -> Result<Timestamp, SyncError> {
    if let Some(t) = req.created.or(def.export.created) {
        return Ok(t);
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_instant(now, def.time.timezone.unwrap_or(0))
        .map_err(|e| SyncError(format!("the system clock gives no usable time ({e}): give --created")))
}

/// Checks what must hold before anything is read; returns an UPDATE's base.
fn preflight(req: &SyncRequest<'_>, def: &Definition, st: &Staging, id: &str) -> Result<Option<String>, SyncError> {
    if let (Some(Locator::Literal(store)), Some(have)) = (def.mapping(Field::Store).map(|m| &m.locator), st.store())
        && store != have
    {
        return Err(SyncError(format!(
            "{} holds data store {have:?}, the definition exports {store:?}: a staging area holds one data store",
            req.staging.display()
        )));
    }
    if req.kind == ExportType::Full {
        return Ok(None);
    }
    let Some(full) = &st.full else {
        return Err(SyncError(format!(
            "{} has no FULL summary: the first export into a staging area is a FULL export (--type full)",
            req.staging.display()
        )));
    };
    if full.export.id == id {
        return Err(SyncError(format!(
            "the UPDATE export needs an id of its own: FULL export {id} already has it (give --export-id or --created)"
        )));
    }
    Ok(Some(full.export.id.clone()))
}

/// Volumes handed to the writer thread and not yet taken: enough to keep both threads
/// busy, few enough to bound the memory (a volume holds its disk files).
const QUEUE: usize = 8;

/// The reading of the source: rows into volumes into the pass, each volume's file
/// rendered, compared and staged by `writer` on a thread of its own.
fn read_all(
    def: &Definition,
    source: SourceReader,
    pass: &mut Pass<'_>,
    writer: &mut Writer<'_>,
    store: Option<String>,
    stats: &mut Stats,
    diags: &mut FileDiagnostics,
) -> Result<Option<String>, SyncError> {
    let io = |e: std::io::Error| SyncError(e.to_string());
    let mut builder = Builder::new(def, store);
    let outcomes = std::thread::scope(|scope| {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
        let worker = std::thread::Builder::new().name("sync-writer".to_string()).spawn_scoped(scope, move || {
            queue.into_iter().map(|job| writer.run(job)).collect::<std::io::Result<Vec<_>>>()
        });
        let worker = worker.map_err(io)?;
        let mut rows = ReadAhead::spawn(scope, source).map_err(io)?;
        let mut read = || -> Result<(), SyncError> {
            while let Some(batch) = rows.next_batch() {
                let batch = batch.map_err(io)?;
                for row in &batch {
                    if let Some(built) = builder.row(row, stats, diags)
                        && let Some(job) = pass.accept(built, stats, diags)
                        && jobs.send(job).is_err()
                    {
                        // The writer stopped on an error, which its result gives.
                        return Ok(());
                    }
                }
                rows.give_back(batch);
            }
            if let Some(built) = builder.finish()
                && let Some(job) = pass.accept(built, stats, diags)
            {
                let _ = jobs.send(job);
            }
            Ok(())
        };
        let read = read();
        drop(jobs);
        let written = worker.join().unwrap_or_else(|_| Err(std::io::Error::other("the writer thread failed")));
        read?;
        written.map_err(io)
    })?;
    for o in outcomes {
        pass.record(o, stats);
    }
    Ok(builder.store().map(str::to_string))
}

/// An UPDATE export: one reading that stages what changed (nothing can refuse it), then
/// the volume files renamed into place and the cumulative UPDATE summary, when anything
/// changed.
fn update(
    req: &SyncRequest<'_>,
    x: &Export<'_>,
    source: SourceReader,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let write = !req.dry_run;
    if write {
        x.st.remove_stale();
    }
    let mut pass = Pass::new(x.st);
    let mut writer = Writer::new(x.export_id, write.then(|| Staged::new(&x.st.dir)));
    let mut diags = FileDiagnostics::new(req.source.display().to_string());
    let store = x.st.store().map(str::to_string);
    let store = read_all(x.def, source, &mut pass, &mut writer, store, &mut report.stats, &mut diags)?;
    report.diagnostics = diags.into_vec();
    report.store = store.clone();
    if let Some(staged) = writer.staged() {
        report.stats.files_written += staged.commit().map_err(|e| cannot(req.staging, e))?;
    }
    let entries = pass.update_entries();
    let summary = x.summary(ExportType::Update, store.unwrap_or_default(), entries);
    let groups_changed = summary.groups != x.st.set.groups;
    if write && (!pass.fresh.is_empty() || groups_changed) {
        write_atomic_bytes(&x.st.dir, "UPDATE", &summary_bytes(&summary)).map_err(|e| cannot(req.staging, e))?;
        report.stats.files_written += 1;
    }
    Ok(())
}

/// A directory a FULL export created for a new staging area: removed again unless the
/// export is committed.
struct NewDir {
    dir: Option<PathBuf>,
}

impl Drop for NewDir {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// A FULL export: one reading stages the changed and added volume files and counts; the
/// export is refused (the staged files removed) after a rejected row or beyond the
/// removal limit; else the volume files are renamed into place, then FULL is written,
/// then UPDATE and the volume files of removed volumes are removed.
fn full(req: &SyncRequest<'_>, x: &Export<'_>, source: SourceReader, report: &mut SyncReport) -> Result<(), SyncError> {
    let mut new_dir = NewDir { dir: None };
    if !req.dry_run && !x.st.dir.exists() {
        std::fs::create_dir(&x.st.dir).map_err(|e| cannot(req.staging, e))?;
        new_dir.dir = Some(x.st.dir.clone());
    }
    if !req.dry_run {
        x.st.remove_stale();
    }
    let mut pass = Pass::new(x.st);
    let mut writer = Writer::new(x.export_id, (!req.dry_run).then(|| Staged::new(&x.st.dir)));
    let mut diags = FileDiagnostics::new(req.source.display().to_string());
    let mut stats = Stats::default();
    let store = x.st.store().map(str::to_string);
    let store = read_all(x.def, source, &mut pass, &mut writer, store, &mut stats, &mut diags)?;
    report.diagnostics = diags.into_vec();
    report.store = store.clone();
    let removed = pass.removed();
    stats.volumes_removed = removed.len() as u64;
    report.stats = stats.clone();
    let staged = writer.staged();
    let refusals = refusals(&stats, x.st.set.entries.len() as u64);
    let refusals: Vec<String> = refusals.into_iter().chain(stripped_diskfiles(x)).collect();
    if !req.force && !refusals.is_empty() {
        report.refused = true;
        report.diagnostics.extend(refusals.into_iter().map(|m| Diagnostic::new(Code::SyncRefused, None, m)));
        if let Some(staged) = staged {
            staged.discard();
        }
        return Ok(());
    }
    let Some(staged) = staged else { return Ok(()) };
    let Some(store) = store else {
        return Err(SyncError(format!(
            "{}: the listing holds no volume, and no data store is known",
            req.source.display()
        )));
    };
    stats.files_written += staged.commit().map_err(|e| cannot(req.staging, e))?;
    new_dir.dir = None;
    commit_full(req, x, &pass, store, &removed, &mut stats)?;
    report.stats = stats;
    Ok(())
}

/// R22, made by the export itself: a FULL export with `catalogfiles = false` writes every
/// volume file without DISKFILEs, so over a staging area that holds some it loses them,
/// and a FULL import with CATALOGFILES YES of the result deletes them on the secondary.
fn stripped_diskfiles(x: &Export<'_>) -> Option<String> {
    if x.def.export.catalogfiles {
        return None;
    }
    let with = x.st.set.entries.values().map(|w| w.entry.diskfiles).filter(|&n| n > 0);
    let (diskfiles, volumes) = with.fold((0u64, 0u64), |(d, v), n| (d + n, v + 1));
    (volumes > 0).then(|| {
        format!(
            "FULL export refused: the definition's catalogfiles = false writes every volume without DISKFILEs, and \
             the staging area holds {diskfiles} DISKFILE entries of {volumes} volume{}: they would be lost, and a FULL \
             import with CATALOGFILES YES of the result would delete them on the secondary (R22); nothing was written \
             (if this is the monthly FULL export without DISKFILEs, --force writes it: then import it with \
             CATALOGFILES NO or by an UPDATE import)",
            if volumes == 1 { "" } else { "s" }
        )
    })
}

/// Why a FULL export is refused, if it is.
fn refusals(stats: &Stats, held: u64) -> Vec<String> {
    let mut out = Vec::new();
    if stats.rows_rejected > 0 {
        out.push(format!(
            "FULL export refused: {} row{} rejected, and a FULL export of an incomplete listing would drop or freeze \
             volumes; nothing was written",
            stats.rows_rejected,
            if stats.rows_rejected == 1 { " was" } else { "s were" }
        ));
    }
    if stats.volumes_removed * 100 > held * MAX_REMOVED_PERCENT {
        out.push(format!(
            "FULL export refused: it would remove {} of the {held} volumes the staging area holds (more than \
             {MAX_REMOVED_PERCENT}%); nothing was written",
            stats.volumes_removed
        ));
    }
    out
}

/// Writes FULL (unless it is already these bytes), then removes UPDATE and the files of
/// removed volumes: a crash leaves at worst stale entries, never an entry without its file.
fn commit_full(
    req: &SyncRequest<'_>,
    x: &Export<'_>,
    pass: &Pass<'_>,
    store: String,
    removed: &[crate::model::Label],
    stats: &mut Stats,
) -> Result<(), SyncError> {
    let summary = x.summary(ExportType::Full, store, pass.full_entries());
    let bytes = summary_bytes(&summary);
    let digest = crate::model::Sha256Digest(Sha256::digest(&bytes).into());
    let fail = |e: std::io::Error| cannot(req.staging, e);
    if x.st.full_sha != Some(digest) {
        write_atomic_bytes(&x.st.dir, "FULL", &bytes).map_err(fail)?;
        stats.files_written += 1;
    }
    let mut names: Vec<String> = Vec::new();
    if x.st.update_exists {
        names.push("UPDATE".to_string());
    }
    names.extend(removed.iter().filter(|l| x.st.files.contains_key(l)).map(|l| l.file_name()));
    for name in &names {
        std::fs::remove_file(x.st.dir.join(name)).map_err(fail)?;
        stats.files_removed += 1;
    }
    if !names.is_empty() {
        fsync_dir(&x.st.dir).map_err(fail)?;
    }
    Ok(())
}
