//! `catstage unpack`: a verified package replaces a staging area, atomically
//! (formats/package.md §6).
//!
//! The destination's lock is taken first, so that a busy destination is known before the
//! verification, which may take long. Nothing is written before the whole package has
//! been verified. Then the complete new staging area is built beside the destination
//! (files from the package with the manifest's modification times; for an incremental
//! package, unchanged files hard-linked from the destination), flushed to disk, and
//! exchanged with the destination in one `renameat2(RENAME_EXCHANGE)` under a journal
//! ([`crate::disk::NewTree`]): after a crash at any instant the destination is the old
//! area or the new one, and a re-run finishes the job. The package is read twice; the
//! second pass checks every byte again as it writes, so a package changed in between is
//! refused too.

use super::guard::{GuardOptions, SummaryMembers, guard};
use super::manifest::{FileFacts, Manifest, PackageId};
use super::scan::{Caps, MemberSink, ScanOptions, scan};
use super::sign::PublicKey;
use super::tree::Applies;
use crate::diag::Diagnostic;
use crate::disk::{Access, Area, DiskError, NewTree, Notes, Recovery, TreeFile, Wait, Want};
use crate::report::Verdict;
use crate::report::{CannotRun, Outcome, Stop, outcome};
use crate::staging::Progress;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// How to unpack.
#[derive(Clone, Debug, Default)]
pub struct UnpackOptions {
    /// Size limits.
    pub caps: Caps,
    /// Keys one of which must have signed the package; empty: none required.
    pub trusted: Vec<PublicKey>,
    /// What the package may do to the destination beyond the defaults.
    pub guards: GuardOptions,
    /// How long to wait for the destination's lock.
    pub wait: Wait,
    /// How many instances a repeated finding lists.
    pub examples: crate::diag::Examples,
}

/// What unpack did.
#[derive(Debug)]
pub struct UnpackReport {
    /// The package id.
    pub id: PackageId,
    /// The manifest.
    pub manifest: Manifest,
    /// The key whose signature verifies.
    pub signed_by: Option<PublicKey>,
    /// True when the destination already held the package's result: nothing was done.
    pub already_applied: bool,
    /// True when the destination did not exist and was created.
    pub created: bool,
    /// Files written from the package.
    pub written: usize,
    /// Their bytes.
    pub written_bytes: u64,
    /// Files carried over unchanged (incremental packages).
    pub carried: usize,
    /// Files of the old staging area the new one does not have.
    pub removed: Vec<String>,
    /// Foreign entries dropped (`--discard-foreign`).
    pub discarded: Vec<String>,
    /// What an interrupted earlier run left, and how it was dealt with.
    pub recovered: Recovery,
    /// What was removed before the run, and what cleaning up after it left.
    pub notes: Notes,
    /// The staging area, as the operator named it.
    pub into: String,
}

/// The schema of `catstage unpack`'s document.
pub const SCHEMA: &str = "catstage.unpack/1";

/// What `catstage unpack` reports: the staging area replaced, or why nothing was written.
#[derive(Debug)]
pub enum UnpackOutcome {
    /// Unpacked (or already there).
    Unpacked(Box<UnpackReport>),
    /// Refused; the destination (named as the operator named it) is untouched.
    Refused {
        /// The destination.
        into: String,
        /// Why.
        diagnostics: Vec<Diagnostic>,
    },
}

/// The JSON document of `catstage unpack` (schema `catstage.unpack/1`).
#[derive(serde::Serialize)]
#[serde(untagged)]
pub enum UnpackJson<'a> {
    /// Nothing was written.
    Refused(UnpackRefusedJson<'a>),
    /// The package was unpacked (or found applied already).
    Unpacked(UnpackedJson<'a>),
}

/// [`UnpackJson`] of a refusal.
#[derive(serde::Serialize)]
pub struct UnpackRefusedJson<'a> {
    ok: bool,
    into: &'a str,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

/// [`UnpackJson`] of a package unpacked.
#[derive(serde::Serialize)]
pub struct UnpackedJson<'a> {
    ok: bool,
    into: &'a str,
    package_id: String,
    kind: &'static str,
    mode: &'static str,
    base: Option<String>,
    already_applied: bool,
    created: bool,
    files: usize,
    written: usize,
    written_bytes: u64,
    carried: usize,
    removed: &'a [String],
    discarded: &'a [String],
    recovered: Option<&'static str>,
    signed_by: Option<String>,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

impl crate::report::Report for UnpackOutcome {
    fn coverage(&self) -> crate::report::Coverage {
        // Every check it makes runs on what it reads.
        crate::report::Coverage::default()
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = UnpackJson<'a>;

    fn document(&self) -> UnpackJson<'_> {
        match self {
            UnpackOutcome::Refused { into, diagnostics } => UnpackJson::Refused(UnpackRefusedJson {
                ok: false,
                into,
                diagnostics: crate::report::JsonDiagnostics::of(diagnostics),
            }),
            UnpackOutcome::Unpacked(r) => {
                let m = &r.manifest;
                UnpackJson::Unpacked(UnpackedJson {
                    ok: true,
                    into: &r.into,
                    package_id: r.id.to_hex(),
                    kind: m.kind.word(),
                    mode: m.mode.word(),
                    base: m.base.map(|b| b.to_hex()),
                    already_applied: r.already_applied,
                    created: r.created,
                    files: m.files.len(),
                    written: r.written,
                    written_bytes: r.written_bytes,
                    carried: r.carried,
                    removed: &r.removed,
                    discarded: &r.discarded,
                    recovered: r.recovered.as_str(),
                    signed_by: r.signed_by.map(|k| k.to_hex()),
                    diagnostics: crate::report::JsonDiagnostics::default(),
                })
            }
        }
    }

    fn write_text(&self, out: &mut dyn Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        let r = match self {
            UnpackOutcome::Refused { into, diagnostics } => {
                for d in diagnostics {
                    crate::diag::render_text(out, d, opts.style)?;
                }
                return writeln!(out, "{into}: unpack refused: nothing was written");
            }
            UnpackOutcome::Unpacked(r) => r,
        };
        let m = &r.manifest;
        let into = &r.into;
        if r.already_applied {
            return writeln!(out, "{into} already holds package {}: nothing to do", r.id.short());
        }
        let mut line = format!(
            "{into}: unpacked {} {} package {}: {} files written ({})",
            m.kind.word(),
            m.mode.word(),
            r.id.short(),
            r.written,
            super::human_bytes(r.written_bytes)
        );
        if r.carried > 0 {
            line.push_str(&format!(", {} carried over", r.carried));
        }
        line.push_str(&format!(", {} removed", r.removed.len()));
        if !r.discarded.is_empty() {
            line.push_str(&format!(", {} foreign entries discarded", r.discarded.len()));
        }
        if r.created {
            line.push_str(" (created)");
        }
        writeln!(out, "{line}")
    }

    fn verdict(&self) -> Verdict {
        Verdict::findings_if(matches!(self, UnpackOutcome::Refused { .. }))
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        match self {
            UnpackOutcome::Unpacked(_) => Vec::new(),
            UnpackOutcome::Refused { into, diagnostics } => {
                vec![crate::report::Subject::new(into, true, diagnostics, crate::report::Scope::Named)]
            }
        }
    }

    fn committed(&self) -> Option<String> {
        match self {
            UnpackOutcome::Unpacked(r) if !r.already_applied => Some(format!("{} was replaced", r.into)),
            _ => None,
        }
    }
}

/// Unpacks the package `package` (named `display` in findings) into the staging area
/// `dir`.
pub fn unpack(
    package: &Path,
    display: &str,
    dir: &Path,
    opts: &UnpackOptions,
    progress: Option<Progress<'_>>,
) -> Result<Outcome<UnpackReport>, CannotRun> {
    outcome(unpack_checked(package, display, dir, opts, progress))
}

fn unpack_checked(
    package: &Path,
    display: &str,
    dir: &Path,
    opts: &UnpackOptions,
    progress: Option<Progress<'_>>,
) -> Result<UnpackReport, Stop> {
    // The destination first: a busy one is known before the long verification. Its
    // writer's lock is held from here to the end.
    // DIR is created for a first full package, never its parents (the layer refuses a
    // missing parent): a mistyped path must not grow a tree somewhere.
    let area = Area::open(dir, Access::Write(opts.wait), Want::DirOrNothing)?;
    let scan_opts =
        ScanOptions { caps: opts.caps, trusted: opts.trusted.clone(), expect: None, examples: opts.examples };
    let mut summaries = SummaryMembers::keeping(true);
    let mut first = scan(package, display, &scan_opts, &mut summaries, progress)
        .map_err(|e| Stop::request(format!("{display}: {e}")))?;
    if let Some(m) = &first.manifest {
        first.diagnostics.extend(summaries.contradiction_findings(m));
    }
    if first.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Stop::Refused(first.diagnostics));
    }
    let (Some(manifest), Some(id)) = (first.manifest, first.id) else {
        return Err(Stop::request(format!("{display}: the package has no manifest")));
    };
    let mut report = UnpackReport {
        id,
        signed_by: first.signed_by,
        already_applied: false,
        created: !area.exists(),
        written: 0,
        written_bytes: 0,
        carried: 0,
        removed: Vec::new(),
        discarded: Vec::new(),
        recovered: area.recovered().outcome,
        notes: Notes::recovered(&area),
        into: dir.display().to_string(),
        manifest,
    };
    // Messages name the destination as the operator did.
    let g = guard(&area, dir, &report.manifest, summaries.age().as_ref(), &opts.guards, opts.examples)?;
    if !g.refusals.is_empty() {
        return Err(Stop::Refused(g.refusals));
    }
    if g.applies == Applies::AlreadyApplied {
        report.already_applied = true;
        return Ok(report);
    }
    (report.removed, report.discarded) = (g.removed, g.discarded);
    check_space(area.parent().0, &report.manifest)?;
    let tree = area.rebuild()?;
    (report.written, report.written_bytes, report.carried) =
        build(&tree, package, display, &report.manifest, id, &scan_opts, progress)?;
    // The exchange refuses if the destination changed since it was listed (an export
    // landed): nothing is replaced, and the new tree is removed.
    report.notes = Notes::of(&area, tree.commit()?);
    Ok(report)
}

/// The bytes free for an unprivileged writer on the filesystem of `parent` (a test
/// build may pretend another figure, see [`crate::disk::hooks`]).
fn free_bytes(parent: &Path) -> io::Result<u64> {
    if let Some(v) = crate::disk::hooks::free_bytes() {
        return Ok(v);
    }
    let st = rustix::fs::statvfs(parent).map_err(io::Error::from)?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Refuses before writing when the files to write do not fit (carried files are hard
/// links and take no room).
fn check_space(parent: &Path, m: &Manifest) -> Result<(), Stop> {
    let packed = m.packed().count() as u64;
    let need = m.packed_bytes().saturating_add((packed + 1) * 4096);
    let avail = free_bytes(parent)?;
    if need > avail {
        return Err(Stop::request(format!(
            "{}: not enough free space: the new staging area needs {} and {} are available; free some space \
             (the old area is removed only after the new one is in place)",
            parent.display(),
            super::human_bytes(need),
            super::human_bytes(avail)
        )));
    }
    Ok(())
}

/// Writes the members into the new tree.
struct TreeWriter<'t, 'a> {
    tree: &'t NewTree<'a>,
    file: Option<BufWriter<TreeFile>>,
    written: usize,
    bytes: u64,
}

impl MemberSink for TreeWriter<'_, '_> {
    fn start(&mut self, f: &FileFacts) -> io::Result<()> {
        let file = self.tree.create(&f.name).map_err(DiskError::into_io)?;
        self.file = Some(BufWriter::with_capacity(256 * 1024, file));
        Ok(())
    }

    fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(w) => w.write_all(data),
            None => Err(io::Error::other("member data before its start")),
        }
    }

    fn end(&mut self, f: &FileFacts) -> io::Result<()> {
        let Some(w) = self.file.take() else { return Err(io::Error::other("member end before its start")) };
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.set_modified(f.mtime.system_time()).map_err(DiskError::into_io)?;
        self.tree.flush(file).map_err(DiskError::into_io)?;
        self.written += 1;
        self.bytes += f.size;
        Ok(())
    }
}

/// Builds the new tree: the second pass over the package writes its files, then the
/// unchanged files are carried over. Returns files written, their bytes, files carried.
fn build(
    tree: &NewTree<'_>,
    package: &Path,
    display: &str,
    m: &Manifest,
    id: PackageId,
    scan_opts: &ScanOptions,
    progress: Option<Progress<'_>>,
) -> Result<(usize, u64, usize), Stop> {
    let mut sink = TreeWriter { tree, file: None, written: 0, bytes: 0 };
    let opts = ScanOptions { expect: Some(id), ..scan_opts.clone() };
    let second = scan(package, display, &opts, &mut sink, progress)?;
    if second.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Stop::Refused(second.diagnostics));
    }
    let mut carried = 0;
    for rec in m.files.iter().filter(|f| !f.packed) {
        tree.carry(&rec.facts.name)?;
        carried += 1;
    }
    Ok((sink.written, sink.bytes, carried))
}

impl crate::disk::Noted for UnpackReport {
    fn notes(&self) -> &crate::disk::Notes {
        &self.notes
    }
}
