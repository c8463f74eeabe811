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
//! The listing is read once. The export builds the complete new staging area beside the
//! old one ([`crate::disk::NewTree`]): changed volume files are written into it and flushed
//! to stable storage as they come; once the whole listing is read, the unchanged files are
//! carried over (hard links), the summaries written, and the new area exchanged with the
//! old one in one step. A FULL export after a rejected row, or one that would remove more
//! than a tenth of the volumes, is refused and the new area discarded, so that a refused
//! export writes nothing. After a crash at any instant every file of the staging area is
//! the old one or every file is the new one, and the next writer cleans up.

mod ahead;
mod apply;
mod build;
mod definition;
mod fields;
mod glob;
mod mapping;
mod report;
mod row;
mod source;
mod spec;
mod timefmt;

pub use definition::{load_definition, parse_definition};
pub use fields::{Family, Field};
pub use glob::Glob;
pub use report::{SCHEMA, Stats, SyncJson, SyncReport};
pub use spec::{Definition, Exclusion, ExportSpec, Locator, Mapping, SourceFormat, SourceSpec, TimeSpec, Translation};
pub use timefmt::TimeFormat;

use crate::diag::{Code, Diagnostic, Examples, FileDiagnostics};
use crate::disk::{Access, Area, NewTree, Notes, Wait, Want};
use crate::model::{ExportType, Summary, SummaryExport, Timestamp, Version, check_export_id};
use crate::report::CannotRun;
use crate::write::summary_bytes;
use ahead::ReadAhead;
use apply::{Job, Pass, Staging, Writer, summary_groups};
use build::Builder;
use sha2::{Digest, Sha256};
use source::SourceReader;
use std::collections::BTreeSet;
use std::path::Path;
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
    /// How long to wait for the staging area's lock.
    pub wait: Wait,
    /// How many instances a repeated finding lists.
    pub examples: Examples,
}

fn cannot(path: &Path, e: impl std::fmt::Display) -> CannotRun {
    CannotRun::Request(format!("{}: {e}", path.display()))
}

/// Runs a sync. Findings about the definition, the rows and a refused FULL export are in
/// the report; an `Err` means it could not run (a path that cannot be read, the lock
/// held, a staging area whose summaries have errors).
pub fn sync(req: &SyncRequest<'_>) -> Result<SyncReport, CannotRun> {
    let start = Instant::now();
    let (def, diags) = load_definition(req.definition, req.examples).map_err(|e| cannot(req.definition, e))?;
    let Some(mut def) = def else { return Ok(SyncReport::not_run(req, diags, start)) };
    let source = SourceReader::open(req.source, &def.source).map_err(|e| cannot(req.source, e))?;
    let header = source.header.as_ref().map(|(names, line)| (names.as_slice(), *line));
    let diags = def.resolve_columns(header);
    if !diags.is_empty() {
        return Ok(SyncReport::not_run(req, diags, start));
    }
    // One writer per staging area (R19); a dry run only reads.
    let access = if req.dry_run { Access::Read(req.wait) } else { Access::Write(req.wait) };
    let area = Area::open(req.staging, access, Want::DirOrNothing)?;
    let st = Staging::read(&area).map_err(CannotRun::Request)?;
    let created = created(req, &def)?;
    let export_id = req.export_id.clone().or_else(|| def.export.id.clone()).unwrap_or_else(|| created.export_id_form());
    check_export_id(&export_id).map_err(|e| CannotRun::Request(format!("export id {export_id:?}: {e}")))?;
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
        notes: Notes::recovered(&area),
    };
    let ctx = Export { def: &def, st: &st, export_id: &export_id, base, created };
    let tree = if req.dry_run { None } else { Some(area.rebuild()?) };
    let written = match req.kind {
        ExportType::Update => update(req, &ctx, source, tree.as_ref(), &mut report)?,
        ExportType::Full => full(req, &ctx, source, tree.as_ref(), &mut report)?,
    };
    // The old staging area stays as it is unless the export wrote something.
    if let (Some(tree), true) = (tree, written) {
        report.notes = Notes::of(&area, tree.commit()?);
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
fn created(req: &SyncRequest<'_>, def: &Definition) -> Result<Timestamp, CannotRun> {
    if let Some(t) = req.created.or(def.export.created) {
        return Ok(t);
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_instant(now, def.time.timezone.unwrap_or(0))
        .map_err(|e| CannotRun::Request(format!("the system clock gives no usable time ({e}): give --created")))
}

/// Checks what must hold before anything is read; returns an UPDATE's base.
fn preflight(req: &SyncRequest<'_>, def: &Definition, st: &Staging, id: &str) -> Result<Option<String>, CannotRun> {
    if let (Some(Locator::Literal(store)), Some(have)) = (def.mapping(Field::Store).map(|m| &m.locator), st.store())
        && store != have
    {
        return Err(CannotRun::Request(format!(
            "{} holds data store {have:?}, the definition exports {store:?}: a staging area holds one data store",
            req.staging.display()
        )));
    }
    if req.kind == ExportType::Full {
        return Ok(None);
    }
    let Some(full) = &st.full else {
        return Err(CannotRun::Request(format!(
            "{} has no FULL summary: the first export into a staging area is a FULL export (--type full)",
            req.staging.display()
        )));
    };
    if full.export.id == id {
        return Err(CannotRun::Request(format!(
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
    writer: &mut Writer<'_, '_>,
    store: Option<String>,
    stats: &mut Stats,
    diags: &mut FileDiagnostics,
) -> Result<Option<String>, CannotRun> {
    let io = |e: std::io::Error| CannotRun::Request(e.to_string());
    let mut builder = Builder::new(def, store);
    let outcomes = std::thread::scope(|scope| {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
        let worker = std::thread::Builder::new().name("sync-writer".to_string()).spawn_scoped(scope, move || {
            queue.into_iter().map(|job| writer.run(job)).collect::<std::io::Result<Vec<_>>>()
        });
        let worker = worker.map_err(io)?;
        let mut rows = ReadAhead::spawn(scope, source).map_err(io)?;
        let mut read = || -> Result<(), CannotRun> {
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

/// Writes `bytes` as the summary `name` of the new tree, or carries the old one over when
/// it has those bytes already; true when written.
fn put_summary(
    tree: &NewTree<'_>,
    name: &str,
    bytes: &[u8],
    old: Option<crate::model::Sha256Digest>,
) -> Result<bool, CannotRun> {
    let digest = crate::model::Sha256Digest(Sha256::digest(bytes).into());
    if old == Some(digest) {
        tree.carry(name)?;
        return Ok(false);
    }
    tree.write(name, bytes)?;
    Ok(true)
}

/// An UPDATE export: one reading writes what changed into the new tree (nothing can refuse
/// it), then the cumulative UPDATE summary; everything else is carried over. True when
/// anything changed (the tree is then to be committed).
fn update(
    req: &SyncRequest<'_>,
    x: &Export<'_>,
    source: SourceReader,
    tree: Option<&NewTree<'_>>,
    report: &mut SyncReport,
) -> Result<bool, CannotRun> {
    let mut pass = Pass::new(x.st);
    let mut writer = Writer::new(x.export_id, tree);
    let mut diags = FileDiagnostics::new(req.source.display().to_string(), req.examples);
    let store = x.st.store().map(str::to_string);
    let store = read_all(x.def, source, &mut pass, &mut writer, store, &mut report.stats, &mut diags)?;
    report.diagnostics = diags.into_vec();
    report.store = store.clone();
    let entries = pass.update_entries();
    let summary = x.summary(ExportType::Update, store.unwrap_or_default(), entries);
    let groups_changed = summary.groups != x.st.set.groups;
    let Some(tree) = tree else { return Ok(false) };
    if pass.fresh.is_empty() && !groups_changed {
        return Ok(false);
    }
    tree.write("UPDATE", &summary_bytes(&summary))?;
    let fresh: BTreeSet<String> = pass.fresh.iter().map(|l| l.file_name()).collect();
    report.stats.files_written += fresh.len() as u64 + 1;
    tree.carry_others(|name| name == "UPDATE" || fresh.contains(name))?;
    Ok(true)
}

/// A FULL export: one reading writes the changed and added volume files into the new tree
/// and counts; the export is refused (the tree discarded) after a rejected row or beyond
/// the removal limit; else FULL is written, UPDATE and the files of removed volumes are
/// left behind, and everything else is carried over. True when the tree is to be
/// committed.
fn full(
    req: &SyncRequest<'_>,
    x: &Export<'_>,
    source: SourceReader,
    tree: Option<&NewTree<'_>>,
    report: &mut SyncReport,
) -> Result<bool, CannotRun> {
    let mut pass = Pass::new(x.st);
    let mut writer = Writer::new(x.export_id, tree);
    let mut diags = FileDiagnostics::new(req.source.display().to_string(), req.examples);
    let mut stats = Stats::default();
    let store = x.st.store().map(str::to_string);
    let store = read_all(x.def, source, &mut pass, &mut writer, store, &mut stats, &mut diags)?;
    report.diagnostics = diags.into_vec();
    report.store = store.clone();
    let removed = pass.removed();
    stats.volumes_removed = removed.len() as u64;
    report.stats = stats.clone();
    let refusals = refusals(&stats, x.st.set.entries.len() as u64);
    let refusals: Vec<String> = refusals.into_iter().chain(stripped_diskfiles(x)).collect();
    if !req.force && !refusals.is_empty() {
        report.refused = true;
        report.diagnostics.extend(refusals.into_iter().map(|m| Diagnostic::new(Code::SyncRefused, None, m)));
        return Ok(false);
    }
    let Some(tree) = tree else { return Ok(false) };
    let Some(store) = store else {
        return Err(CannotRun::Request(format!(
            "{}: the listing holds no volume, and no data store is known",
            req.source.display()
        )));
    };
    let fresh: BTreeSet<String> = pass.fresh.iter().map(|l| l.file_name()).collect();
    stats.files_written += fresh.len() as u64;
    let summary = x.summary(ExportType::Full, store, pass.full_entries());
    let full_written = put_summary(tree, "FULL", &summary_bytes(&summary), x.st.full_sha)?;
    if full_written {
        stats.files_written += 1;
    }
    let dropped: BTreeSet<String> = removed
        .iter()
        .filter(|l| x.st.files.contains_key(l))
        .map(|l| l.file_name())
        .chain(x.st.update_exists.then(|| "UPDATE".to_string()))
        .collect();
    stats.files_removed += dropped.len() as u64;
    report.stats = stats;
    if !full_written && fresh.is_empty() && dropped.is_empty() {
        // The staging area already holds this export: nothing to replace.
        return Ok(false);
    }
    tree.carry_others(|name| name == "FULL" || fresh.contains(name) || dropped.contains(name))?;
    Ok(true)
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
