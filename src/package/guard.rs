//! What a package may do to a destination: the one set of guards `unpack` runs before
//! it writes and `verify --against` runs to say whether a package applies, so that the
//! two can never disagree (formats/package.md §6.2, §6.3).
//!
//! In order: the base of an incremental package (`CS422`), a destination that already
//! holds the result (nothing to do), a full package that would take the destination back
//! to an older export (`CS425`), foreign entries (`CS423`) and too many removals
//! (`CS424`).

use super::manifest::{FileFacts, Kind, Manifest, Mode};
use super::scan::MemberSink;
use super::tree::{Applies, DirState, applies, dir_state};
use crate::diag::{Code, Diagnostic, Examples};
use crate::disk::Area;
use crate::model::{Direction, ExportAge, ExportType};
use crate::parse::parse_summary;
use crate::staging::is_staging_file_name;
use std::io;
use std::path::Path;

/// What the guards allow beyond their defaults.
#[derive(Clone, Debug, Default)]
pub struct GuardOptions {
    /// The most volumes a full package may remove; by default 10% of those in the
    /// destination.
    pub allow_deletions: Option<u64>,
    /// Drop the destination's foreign entries instead of refusing.
    pub discard_foreign: bool,
    /// Let a full package take the destination back to an older export.
    pub allow_older: bool,
}

/// What the guards found.
#[derive(Debug)]
pub struct Guarded {
    /// Whether the package applies, by its files alone.
    pub applies: Applies,
    /// Why it must not be unpacked here; empty when it may.
    pub refusals: Vec<Diagnostic>,
    /// Files of the destination the result does not have.
    pub removed: Vec<String>,
    /// Foreign entries that `--discard-foreign` drops.
    pub discarded: Vec<String>,
}

/// Keeps the `FULL` and `UPDATE` members a scan reads (their sizes are capped by the
/// scan), so that the package's export can be placed in time; without `keep`, only their
/// header and export record, which the manifest's `store` and export ids must match.
#[derive(Debug, Default)]
pub struct SummaryMembers {
    /// False: keep only the first two lines (a scan whose caller has no destination to
    /// compare with).
    keep: bool,
    current: Option<(ExportType, Vec<u8>)>,
    full: Option<Vec<u8>>,
    update: Option<Vec<u8>>,
}

impl SummaryMembers {
    /// A sink that keeps the summaries when `keep`, and their first two lines otherwise.
    pub fn keeping(keep: bool) -> Self {
        SummaryMembers { keep, ..Self::default() }
    }

    /// The export record of a kept summary, read from its first two lines by the summary
    /// parser.
    fn export_of(kind: ExportType, bytes: &Option<Vec<u8>>) -> Option<crate::model::SummaryExport> {
        crate::parse::summary_export(bytes.as_ref()?, Some(kind))
    }

    /// [`SummaryMembers::contradictions`] as `CS412` findings against the manifest.
    pub fn contradiction_findings(&self, m: &Manifest) -> Vec<Diagnostic> {
        self.contradictions(m)
            .into_iter()
            .map(|c| Diagnostic::new(Code::ManifestInvalid, Some(super::MANIFEST_NAME.to_string()), c))
            .collect()
    }

    /// Where the package's `FULL` and `UPDATE` contradict its manifest's `store`,
    /// `full_export` and `update_export` (formats/package.md §3.4), in the operator's words.
    pub fn contradictions(&self, m: &Manifest) -> Vec<String> {
        if m.mode != crate::package::manifest::Mode::Catstage {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Some(full) = Self::export_of(ExportType::Full, &self.full) {
            if m.store.as_deref() != Some(full.store.as_str()) {
                out.push(format!(
                    "the manifest names data store {}, but the package's FULL was exported by {}",
                    m.store.as_deref().unwrap_or("none"),
                    full.store
                ));
            }
            if m.full_export.as_deref() != Some(full.id.as_str()) {
                out.push(format!(
                    "the manifest names FULL export {}, but the package's FULL is export {}",
                    m.full_export.as_deref().unwrap_or("none"),
                    full.id
                ));
            }
        }
        let update = Self::export_of(ExportType::Update, &self.update);
        match (&update, m.update_export.as_deref()) {
            (Some(u), Some(id)) if u.id != id => {
                out.push(format!("the manifest names UPDATE export {id}, but the package's UPDATE is export {}", u.id))
            }
            (Some(u), None) => {
                out.push(format!("the manifest names no UPDATE export, but the package's UPDATE is export {}", u.id))
            }
            _ => {}
        }
        out
    }

    /// The export the package's summaries hold; none when it has no readable `FULL`.
    pub fn age(&self) -> Option<ExportAge> {
        let read = |kind: ExportType, bytes: &Option<Vec<u8>>| {
            // Only the export is taken: how many examples a finding lists does not matter.
            bytes.as_ref().and_then(|b| parse_summary(kind.as_str(), b, Some(kind), Examples::DEFAULT).summary)
        };
        let full = read(ExportType::Full, &self.full);
        let update = read(ExportType::Update, &self.update);
        ExportAge::of(full.as_ref(), update.as_ref())
    }
}

impl MemberSink for SummaryMembers {
    fn start(&mut self, file: &FileFacts) -> io::Result<()> {
        self.current = match file.name.as_str() {
            "FULL" => Some((ExportType::Full, Vec::new())),
            "UPDATE" => Some((ExportType::Update, Vec::new())),
            _ => None,
        };
        Ok(())
    }

    fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        if let Some((_, buf)) = &mut self.current {
            // Two lines at most 65,536 bytes each (formats/README.md §2.1) when only the
            // export record is wanted.
            let room = if self.keep { data.len() } else { (2 * 65_536usize).saturating_sub(buf.len()) };
            buf.extend_from_slice(&data[..data.len().min(room)]);
        }
        Ok(())
    }

    fn end(&mut self, _: &FileFacts) -> io::Result<()> {
        match self.current.take() {
            Some((ExportType::Full, b)) => self.full = Some(b),
            Some((ExportType::Update, b)) => self.update = Some(b),
            None => {}
        }
        Ok(())
    }
}

/// Runs the guards for manifest `m` (whose summaries hold `package_age`) against the
/// destination `area`, named `dir` in findings.
pub fn guard(
    area: &Area,
    dir: &Path,
    m: &Manifest,
    package_age: Option<&ExportAge>,
    opts: &GuardOptions,
    examples: Examples,
) -> io::Result<Guarded> {
    let a = applies(area, m)?;
    let mut g = Guarded { applies: a, refusals: Vec::new(), removed: Vec::new(), discarded: Vec::new() };
    if let Some(d) = base_mismatch(dir, m, &g.applies) {
        g.refusals.push(d);
        return Ok(g);
    }
    if g.applies == Applies::AlreadyApplied || !area.exists() {
        return Ok(g);
    }
    if m.kind == Kind::Full && m.mode == Mode::Catstage && !opts.allow_older {
        // Only the export is taken: how many examples a finding lists does not matter.
        let held = crate::staging::read_summaries(area, Examples::DEFAULT)?;
        let held = ExportAge::of(held.full.as_ref(), held.update.as_ref());
        if let (Some(held), Some(new)) = (held, package_age)
            && held.direction_to(new) == Direction::Backward
        {
            g.refusals.push(Diagnostic::new(
                Code::OlderExport,
                Some(dir.display().to_string()),
                format!(
                    "the package holds {}, older than {} in {}; unpacking it would roll the staging area back",
                    new.describe(),
                    held.describe(),
                    dir.display()
                ),
            ));
            return Ok(g);
        }
    }
    let state = dir_state(area.listing(), m.mode);
    match removals(dir, &state, m, opts, examples) {
        Ok((removed, discarded)) => (g.removed, g.discarded) = (removed, discarded),
        Err(refusals) => g.refusals = refusals,
    }
    Ok(g)
}

/// The finding for an incremental package whose base `dir` does not hold.
pub fn base_mismatch(dir: &Path, m: &Manifest, a: &Applies) -> Option<Diagnostic> {
    let Applies::BaseMismatch(diffs) = a else { return None };
    let base = m.base.map(|b| b.short()).unwrap_or_default();
    let shown: Vec<&str> = diffs.iter().take(5).map(String::as_str).collect();
    let more =
        if diffs.len() > shown.len() { format!(" (and {} more)", diffs.len() - shown.len()) } else { String::new() };
    Some(Diagnostic::new(
        Code::BaseMismatch,
        Some(dir.display().to_string()),
        format!(
            "{} does not hold the staging area of base package {base}, which this incremental package \
             applies to: {}{more}",
            dir.display(),
            shown.join("; ")
        ),
    ))
}

/// True for the files a removal limit counts: volume files in catstage mode, every file
/// in raw mode.
fn counts_as_volume(name: &str, mode: Mode) -> bool {
    match mode {
        Mode::Catstage => name.starts_with('V') && is_staging_file_name(name) && name != "V",
        Mode::Raw => true,
    }
}

/// Refuses for foreign entries and beyond the removal limit; otherwise returns the files
/// the new area drops and the foreign entries discarded.
fn removals(
    dir: &Path,
    state: &DirState,
    m: &Manifest,
    opts: &GuardOptions,
    examples: Examples,
) -> Result<(Vec<String>, Vec<String>), Vec<Diagnostic>> {
    if !state.foreign.is_empty() && !opts.discard_foreign {
        let diags = state.foreign.iter().map(|f| {
            Diagnostic::new(
                Code::ForeignInDestination,
                Some(f.name.clone()),
                format!(
                    "{} in {} is {}; unpack never deletes what no package put there",
                    f.name,
                    dir.display(),
                    f.what
                ),
            )
        });
        return Err(crate::diag::rollup(diags, examples));
    }
    let discarded = state.foreign.iter().map(|f| f.name.clone()).collect();
    let all_removed: Vec<String> = state.files.keys().filter(|n| m.file(n).is_none()).cloned().collect();
    if m.kind == Kind::Incremental {
        return Ok((all_removed, discarded));
    }
    let volumes = state.files.keys().filter(|n| counts_as_volume(n, m.mode)).count() as u64;
    let removed: Vec<&String> = all_removed.iter().filter(|n| counts_as_volume(n, m.mode)).collect();
    let limit = opts.allow_deletions.unwrap_or(volumes / 10);
    if removed.len() as u64 > limit {
        let shown: Vec<&str> = removed.iter().take(10).map(|s| s.as_str()).collect();
        let more = if removed.len() > shown.len() { ", …" } else { "" };
        let what = if m.mode == Mode::Raw { "files" } else { "volumes" };
        let whence = if opts.allow_deletions.is_some() { "--allow-deletions" } else { "10% of them, the default" };
        return Err(vec![Diagnostic::new(
            Code::TooManyRemovals,
            Some(dir.display().to_string()),
            format!(
                "the full package would remove {} of the {volumes} {what} in {}, more than the {limit} allowed \
                 ({whence}): {}{more}",
                removed.len(),
                dir.display(),
                shown.join(", ")
            ),
        )]);
    }
    Ok((all_removed, discarded))
}
