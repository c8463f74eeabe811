//! `catstage seal`: after a deliberate hand edit, recompute the `END` trailers of the
//! named files and their summary entries.
//!
//! Sealing gives a file a valid checksum, so it must never launder damage: it refuses a
//! named file that has any problem besides its trailer, never touches a file it was not
//! given except the summary entries of the files it seals, and refuses to rewrite a
//! summary that has problems of its own unless that summary was named too.
//!
//! The sealed files and the summaries that list them change together: the area is
//! rebuilt beside itself and exchanged in one step ([`crate::disk::NewTree`]), so that
//! after a crash at any instant every file is the old one or every file is the new one.

use crate::diag::{Code, Diagnostic, Examples};
use crate::disk::{Access, Area, AreaError, DiskError, NewTree, Notes, Op, Wait, Want};
use crate::model::{ExportType, Label, Sha256Digest, Summary};
use crate::parse::{Framed, Ignore, read_summary, read_volume};
use crate::report::Verdict;
use crate::report::{CannotRun, Outcome, Stop, outcome};
use crate::staging::{EntryKind, Source};
use crate::write::{summary_bytes, trailer_line};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::path::Path;

/// One file seal changed (or found already sealed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedFile {
    /// Its name in the staging area.
    pub name: String,
    /// SHA-256 of the whole file before.
    pub old: Sha256Digest,
    /// SHA-256 of the whole file after.
    pub new: Sha256Digest,
    /// For a volume file: the fields of its summary entry the seal changes besides the
    /// digest and size (`diskfiles`, `tapefiles`, `group`, `export`, `unloaded`), each
    /// with its old and new value, so that an edit that dropped records shows.
    pub entry: Vec<(&'static str, String, String)>,
}

/// The JSON document of `catstage seal` (schema `catstage.seal/1`).
#[derive(Serialize)]
pub struct SealJson<'a> {
    sealed: bool,
    files: Vec<SealedFileJson<'a>>,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

/// One file of [`SealJson`].
#[derive(Serialize)]
pub struct SealedFileJson<'a> {
    name: &'a str,
    old: String,
    new: String,
    changed: bool,
    /// Each entry field the seal changes, with its `old` and `new` value.
    entry: EntryChanges<'a>,
}

impl<'a> SealedFileJson<'a> {
    fn of(f: &'a SealedFile) -> Self {
        SealedFileJson {
            name: &f.name,
            old: f.old.to_hex(),
            new: f.new.to_hex(),
            changed: f.old != f.new,
            entry: EntryChanges(&f.entry),
        }
    }
}

/// A map from field name to `{"old": …, "new": …}`.
pub struct EntryChanges<'a>(&'a [(&'static str, String, String)]);

impl Serialize for EntryChanges<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Change<'a> {
            old: &'a str,
            new: &'a str,
        }
        s.collect_map(self.0.iter().map(|(k, old, new)| (*k, Change { old, new })))
    }
}

/// What a seal did.
#[derive(Debug, Default)]
pub struct Sealed {
    /// Each named file and each summary rewritten, before and after.
    pub files: Vec<SealedFile>,
    /// What was removed before the run, and what cleaning up after it left.
    pub notes: Notes,
}

/// The schema of `catstage seal`'s document.
pub const SCHEMA: &str = "catstage.seal/1";

/// What `catstage seal` reports: the files sealed, or why nothing was written.
#[derive(Debug)]
pub enum SealOutcome {
    /// Sealed (or found sealed already).
    Sealed(Vec<SealedFile>),
    /// Refused: problems besides trailers.
    Refused(Vec<Diagnostic>),
}

impl crate::report::Report for SealOutcome {
    fn coverage(&self) -> crate::report::Coverage {
        // Every check it makes runs on what it reads.
        crate::report::Coverage::default()
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = SealJson<'a>;

    fn document(&self) -> SealJson<'_> {
        let (sealed, diags): (&[SealedFile], &[Diagnostic]) = match self {
            SealOutcome::Sealed(s) => (s, &[]),
            SealOutcome::Refused(d) => (&[], d),
        };
        SealJson {
            sealed: diags.is_empty(),
            files: sealed.iter().map(SealedFileJson::of).collect(),
            diagnostics: crate::report::JsonDiagnostics::of(diags),
        }
    }

    fn write_text(&self, out: &mut dyn Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        match self {
            SealOutcome::Sealed(sealed) => {
                let width = sealed.iter().map(|s| s.name.len()).max().unwrap_or(0);
                for s in sealed {
                    let what = if s.old == s.new { "unchanged" } else { "sealed" };
                    writeln!(out, "{:width$}  {what:9}  old {}  new {}", s.name, s.old, s.new)?;
                    for (field, old, new) in &s.entry {
                        writeln!(out, "{:width$}  entry {field}: {old} -> {new}", "")?;
                    }
                }
                Ok(())
            }
            SealOutcome::Refused(diags) => {
                for d in diags {
                    crate::diag::render_text(out, d, opts.style)?;
                }
                writeln!(
                    out,
                    "seal refused: {} problem(s) besides trailers; nothing was written. Fix them (or re-copy the \
                     files) first: seal only re-seals deliberate edits.",
                    diags.len()
                )
            }
        }
    }

    fn verdict(&self) -> Verdict {
        Verdict::findings_if(matches!(self, SealOutcome::Refused(_)))
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        match self {
            SealOutcome::Sealed(_) => Vec::new(),
            SealOutcome::Refused(d) => {
                vec![crate::report::Subject::new("(files to seal)", true, d, crate::report::Scope::Named)]
            }
        }
    }

    fn committed(&self) -> Option<String> {
        match self {
            SealOutcome::Sealed(files) if files.iter().any(|f| f.old != f.new) => {
                Some("the staging area was re-sealed".to_string())
            }
            _ => None,
        }
    }
}

/// Problems a seal repairs: the trailer's own.
fn repairable(d: &Diagnostic, framed: &Framed) -> bool {
    match d.code {
        Code::ChecksumMismatch | Code::LineCountMismatch => true,
        // A file without its END line was cut short, wherever the cut fell: at a line
        // boundary (an interrupted copy) as much as inside a line. Sealing it would
        // present a partial volume as complete; an edit keeps the old END line.
        Code::TruncatedFile => false,
        // Upper-case hex in the END line.
        Code::NonCanonical => d.line == Some(framed.lines + 1),
        _ => false,
    }
}

/// Writes `name` into the new tree as its content followed by a fresh trailer; returns
/// the new whole digest and size.
fn reseal_file(area: &Area, tree: &NewTree<'_>, name: &str, framed: &Framed) -> Result<(Sha256Digest, u64), Stop> {
    // Hash the content again while copying it, in case it changed since it was read.
    let mut src = area.open_file(name)?.take(framed.content_len);
    let mut file = tree.create(name)?;
    let fail = |op, e| Stop::from(DiskError::in_dir(op, tree.path(), name, e));
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut lines: u64 = 0;
    {
        let mut w = io::BufWriter::with_capacity(256 * 1024, &mut file);
        loop {
            let n = src.read(&mut buf).map_err(|e| Stop::from(DiskError::in_dir(Op::Read, area.path(), name, e)))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            w.write_all(&buf[..n]).map_err(|e| fail(Op::Write, e))?;
        }
        let content = Sha256Digest(h.clone().finalize().into());
        // The content must be what was checked: a file edited meanwhile is not sealed.
        let checked = framed.content_sha256.unwrap_or(framed.sha256);
        if lines != framed.lines || content != checked {
            return Err(Stop::from(AreaError::Changed { path: area.path().to_path_buf(), reading: false }));
        }
        let trailer = trailer_line(lines, &content);
        h.update(&trailer);
        w.write_all(&trailer).map_err(|e| fail(Op::Write, e))?;
        w.flush().map_err(|e| fail(Op::Write, e))?;
        let size = framed.content_len + trailer.len() as u64;
        drop(w);
        tree.flush(file)?;
        Ok((Sha256Digest(h.finalize().into()), size))
    }
}

/// Seals `files` (names in the staging area `dir`), waiting for the lock as `wait` says;
/// a repeated finding lists `examples`.
pub fn seal(dir: &Path, files: &[String], wait: Wait, examples: Examples) -> Result<Outcome<Sealed>, CannotRun> {
    outcome(seal_checked(dir, files, wait, examples))
}

fn seal_checked(dir: &Path, files: &[String], wait: Wait, examples: Examples) -> Result<Sealed, Stop> {
    let area = Area::open(dir, Access::Write(wait), Want::Area)?;
    let named = named_files(&area, dir, files)?;
    let mut refusals = Vec::new();
    let (mut summaries, damaged) = read_summaries(&area, &named, &mut refusals, examples)?;
    let full_id = summaries.get(&ExportType::Full).map(|(s, _)| s.export.id.clone());
    let update_current = summaries.get(&ExportType::Update).is_some_and(|(s, _)| {
        full_id.as_deref().is_some_and(|id| crate::model::builds_on(s.export.base.as_deref(), id))
    });
    let volume_updates = read_volumes(&area, &named, &mut refusals, examples)?;
    if !volume_updates.is_empty() {
        // The entries of the files to seal cannot be updated safely in a damaged summary.
        refusals.extend(damaged);
    }
    let to_rewrite = summaries_to_rewrite(&named, &summaries, &volume_updates, update_current, &mut refusals);
    if !refusals.is_empty() {
        return Err(Stop::Refused(refusals));
    }

    // What changes: the volume files whose trailers are repaired, and the summaries whose
    // bytes differ once their entries are brought up to date.
    let tree = area.rebuild()?;
    let mut out = Vec::new();
    let mut written: BTreeSet<String> = BTreeSet::new();
    for (label, name, framed, parsed) in &volume_updates {
        let old = parsed.framed.sha256;
        let (new, size) = if parsed.framed.trailer_ok {
            (old, parsed.framed.size)
        } else {
            written.insert(name.clone());
            reseal_file(&area, &tree, name, framed)?
        };
        let head = parsed.head.as_ref().ok_or_else(|| Stop::request(format!("{name}: no volume record")))?;
        let mut entry_changes = Vec::new();
        for kind in [ExportType::Update, ExportType::Full] {
            if kind == ExportType::Update && !update_current {
                continue;
            }
            if let Some((s, _)) = summaries.get_mut(&kind)
                && let Ok(i) = s.entries.binary_search_by(|e| e.label.cmp(label))
            {
                let e = &mut s.entries[i];
                let mut fresh = crate::model::Entry::of_volume(crate::model::VolumeFileFacts {
                    head,
                    sha256: new,
                    size,
                    tapefiles: parsed.tapefiles,
                    diskfiles: parsed.diskfiles,
                });
                let time = |t: Option<crate::model::Timestamp>| t.map_or("-".into(), |t| t.to_string());
                let fields = [
                    ("diskfiles", e.diskfiles.to_string(), fresh.diskfiles.to_string()),
                    ("tapefiles", e.tapefiles.to_string(), fresh.tapefiles.to_string()),
                    ("group", e.group.clone(), fresh.group.clone()),
                    ("export", e.export.clone(), fresh.export.clone()),
                    ("unloaded", time(e.unloaded), time(fresh.unloaded)),
                ];
                entry_changes = fields.into_iter().filter(|(_, o, n)| o != n).collect();
                // Keys a later minor version added stay as the entry had them.
                fresh.extra = std::mem::take(&mut e.extra);
                *e = fresh;
                break;
            }
        }
        out.push(SealedFile { name: name.clone(), old, new, entry: entry_changes });
    }
    for kind in [ExportType::Update, ExportType::Full] {
        if !to_rewrite.contains(&kind) {
            continue;
        }
        let Some((s, framed)) = summaries.get(&kind) else {
            continue;
        };
        let name = kind.as_str();
        let old = framed.sha256;
        let bytes = summary_bytes(s);
        let new = Sha256Digest(Sha256::digest(&bytes).into());
        if new != old {
            tree.write(name, &bytes)?;
            written.insert(name.to_string());
        }
        out.push(SealedFile { name: name.to_string(), old, new, entry: Vec::new() });
    }
    if written.is_empty() {
        // Every file is sealed already: nothing to replace (the tree removes itself).
        return Ok(Sealed { files: out, notes: Notes::recovered(&area) });
    }
    tree.carry_others(|name| written.contains(name))?;
    let committed = tree.commit()?;
    Ok(Sealed { files: out, notes: Notes::of(&area, committed) })
}

/// A volume file to seal: its label, name, framing and what its parse found.
type VolumeUpdate = (Label, String, Framed, crate::parse::ParsedVolume);

/// The summaries, parsed whole, with their framing.
type SummariesRead = BTreeMap<ExportType, (Summary, Framed)>;

/// The staging files `files` names, by kind; anything else is a usage error.
fn named_files(area: &Area, dir: &Path, files: &[String]) -> Result<BTreeMap<String, EntryKind>, Stop> {
    let mut named: BTreeMap<String, EntryKind> = BTreeMap::new();
    for f in files {
        let Some(e) = area.entries().iter().find(|e| e.name == *f) else {
            return Err(Stop::request(format!("{f}: no such file in {}", dir.display())));
        };
        match e.kind {
            EntryKind::Summary(_) | EntryKind::Volume(_) => {
                named.insert(f.clone(), e.kind);
            }
            EntryKind::Foreign => {
                return Err(Stop::request(format!("{f} is not a staging file (FULL, UPDATE or V<label>)")));
            }
            EntryKind::NotRegular(what) => return Err(Stop::request(format!("{f} is {what}"))),
        }
    }
    Ok(named)
}

/// Reads `FULL` and `UPDATE` whole. A named summary's problems other than its trailer
/// are refusals; an unnamed summary's errors come back apart (they refuse only when a
/// volume's entry has to be placed in it).
fn read_summaries(
    area: &Area,
    named: &BTreeMap<String, EntryKind>,
    refusals: &mut Vec<Diagnostic>,
    examples: Examples,
) -> Result<(SummariesRead, Vec<Diagnostic>), Stop> {
    // Summaries with problems of their own that were not named: their findings.
    let mut damaged: Vec<Diagnostic> = Vec::new();
    // The summaries, parsed whole.
    let mut summaries: BTreeMap<ExportType, (Summary, Framed)> = BTreeMap::new();
    for kind in [ExportType::Full, ExportType::Update] {
        let name = kind.as_str();
        if !area.entries().iter().any(|e| e.name == name && matches!(e.kind, EntryKind::Summary(_))) {
            continue;
        }
        let parsed = area.finish(area.open(name).and_then(|r| read_summary(name, r, Some(kind), examples)))?;
        let is_named = named.contains_key(name);
        // Only a file named by the operator may have its trailer repaired; a summary that
        // is merely updated must be intact, or sealing would launder its damage.
        let clean_but_trailer = parsed.diagnostics.iter().all(|d| is_named && repairable(d, &parsed.framed));
        let problems: Vec<Diagnostic> = parsed.diagnostics.clone();
        match parsed.summary {
            Some(s) if clean_but_trailer => {
                summaries.insert(kind, (s, parsed.framed));
            }
            _ => {
                if is_named {
                    refusals.extend(problems.into_iter().filter(|d| !repairable(d, &parsed.framed)));
                } else {
                    // Refused below if any volume is to be sealed: its entry could not
                    // be placed safely.
                    damaged.extend(problems.into_iter().filter(Diagnostic::is_error));
                }
            }
        }
    }
    Ok((summaries, damaged))
}

/// Reads the named volume files, streaming: those whose only defect is their trailer, and
/// that hold the volume their name says, are to be sealed; any other problem is a refusal.
fn read_volumes(
    area: &Area,
    named: &BTreeMap<String, EntryKind>,
    refusals: &mut Vec<Diagnostic>,
    examples: Examples,
) -> Result<Vec<VolumeUpdate>, Stop> {
    // The volume files, parsed streaming.
    let mut volume_updates: Vec<(Label, String, Framed, crate::parse::ParsedVolume)> = Vec::new();
    for (name, kind) in named {
        let EntryKind::Volume(label) = *kind else {
            continue;
        };
        let parsed = area.finish(area.open(name).and_then(|r| read_volume(name, r, &mut Ignore, examples)))?;
        let bad: Vec<Diagnostic> =
            parsed.diagnostics.iter().filter(|d| !repairable(d, &parsed.framed)).cloned().collect();
        if !bad.is_empty() {
            refusals.extend(bad);
            continue;
        }
        match &parsed.head {
            Some(h) if h.volume.label != label => refusals.push(Diagnostic::new(
                Code::LabelMismatch,
                Some(name.clone()),
                format!("{name} holds volume {}, not {label}; seal does not relabel files", h.volume.label),
            )),
            Some(_) => volume_updates.push((label, name.clone(), parsed.framed, parsed)),
            None => {}
        }
    }
    Ok(volume_updates)
}

/// The summaries whose entries or trailers change: those holding a sealed volume's
/// winning entry, and those named. A volume no current summary lists is a refusal.
fn summaries_to_rewrite(
    named: &BTreeMap<String, EntryKind>,
    summaries: &SummariesRead,
    volume_updates: &[VolumeUpdate],
    update_current: bool,
    refusals: &mut Vec<Diagnostic>,
) -> BTreeSet<ExportType> {
    // Which summary holds each volume's winning entry.
    let mut to_rewrite: BTreeSet<ExportType> = BTreeSet::new();
    for (label, name, _, _) in volume_updates {
        let in_update =
            update_current && summaries.get(&ExportType::Update).is_some_and(|(s, _)| s.entry(label).is_some());
        let in_full = summaries.get(&ExportType::Full).is_some_and(|(s, _)| s.entry(label).is_some());
        let kind = if in_update {
            ExportType::Update
        } else if in_full {
            ExportType::Full
        } else {
            let why = if summaries.contains_key(&ExportType::Full) {
                "no current summary lists it; seal re-seals files a summary lists"
            } else {
                "FULL is missing or damaged; seal it first, or name it too"
            };
            refusals.push(Diagnostic::new(
                Code::OrphanVolumeFile,
                Some(name.clone()),
                format!("{name} cannot be sealed: {why}"),
            ));
            continue;
        };
        to_rewrite.insert(kind);
    }
    for name in named.keys() {
        if let Some(EntryKind::Summary(kind)) = named.get(name) {
            if !summaries.contains_key(kind) && refusals.is_empty() {
                refusals.push(Diagnostic::new(
                    Code::MissingSummary,
                    Some(name.clone()),
                    format!("{name} cannot be read"),
                ));
            }
            to_rewrite.insert(*kind);
        }
    }
    to_rewrite
}

impl crate::disk::Noted for Sealed {
    fn notes(&self) -> &Notes {
        &self.notes
    }
}
