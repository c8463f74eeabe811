//! `catstage verify`: a package checked completely, and optionally whether it applies to
//! a staging area.

use super::guard::{GuardOptions, SummaryMembers, guard};
use super::manifest::{Manifest, PackageId};
use super::scan::{Caps, ScanOptions, scan};
use super::sign::PublicKey;
use super::tree::Applies;
use crate::diag::{Code, Diagnostic};
use crate::disk::{Access, Area, Want};
use crate::report::Verdict;
use crate::staging::Progress;
use std::io;
use std::path::{Path, PathBuf};

/// How to verify.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Size limits.
    pub caps: Caps,
    /// Keys one of which must have signed the package; empty: none required.
    pub trusted: Vec<PublicKey>,
    /// A staging area the package should apply to.
    pub against: Option<PathBuf>,
    /// With `against`: what `unpack` would be allowed (`--allow-deletions`,
    /// `--discard-foreign`, `--allow-older`), so that "applies" means unpack would.
    pub guards: GuardOptions,
    /// With `against`: how long to wait for a writer's lock on it.
    pub wait: crate::disk::Wait,
    /// How many instances a repeated finding lists.
    pub examples: crate::diag::Examples,
}

/// What verify found.
#[derive(Debug)]
pub struct VerifyReport {
    /// The package id, when the manifest was found.
    pub id: Option<PackageId>,
    /// The manifest, when it could be read.
    pub manifest: Option<Manifest>,
    /// The key whose signature verifies.
    pub signed_by: Option<PublicKey>,
    /// Every problem.
    pub diagnostics: Vec<Diagnostic>,
    /// With `against`: whether the package applies.
    pub applies: Option<Applies>,
    /// Bytes decompressed to reach the verdict: never more than the longest archive the
    /// manifest allows, however much the package holds (formats/package.md §4).
    pub decompressed: u64,
    /// The package, as the operator named it.
    pub display: String,
    /// The staging area it was checked against.
    pub against: Option<PathBuf>,
    /// True when a signature by a trusted key was required (`--trusted-key`).
    pub signature_required: bool,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn ok(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The JSON document (schema `catstage.verify/1`).
    pub fn json(&self) -> VerifyJson<'_> {
        let m = self.manifest.as_ref();
        VerifyJson {
            ok: self.ok(),
            package_id: self.id.map(|i| i.to_hex()),
            kind: m.map(|m| m.kind.word()),
            mode: m.map(|m| m.mode.word()),
            base: m.and_then(|m| m.base).map(|b| b.to_hex()),
            files: m.map(|m| m.files.len()),
            bytes: m.map(Manifest::total_bytes),
            signed_by: self.signed_by.map(|k| k.to_hex()),
            coverage: crate::report::Report::coverage(self),
            diagnostics: crate::report::JsonDiagnostics::of(&self.diagnostics),
        }
    }
}

/// The JSON document of `catstage verify` (schema `catstage.verify/1`): what could not be
/// read (no manifest) is `null`.
#[derive(serde::Serialize)]
pub struct VerifyJson<'a> {
    ok: bool,
    package_id: Option<String>,
    kind: Option<&'static str>,
    mode: Option<&'static str>,
    base: Option<String>,
    files: Option<usize>,
    bytes: Option<u64>,
    signed_by: Option<String>,
    coverage: crate::report::Coverage,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

/// The schema of `catstage verify`'s document.
pub const SCHEMA: &str = "catstage.verify/1";

impl crate::report::Report for VerifyReport {
    /// Whether the package applies to a staging area, and whether a trusted key signed
    /// it: each checked only when asked for.
    fn coverage(&self) -> crate::report::Coverage {
        let mut c = crate::report::Coverage::default();
        c.record("applies to a staging area", self.against.is_some(), "--against DIR");
        c.record("signed by a trusted key", self.signature_required, "--trusted-key");
        c
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = VerifyJson<'a>;

    fn document(&self) -> VerifyJson<'_> {
        self.json()
    }

    fn write_text(&self, out: &mut dyn std::io::Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        for d in &self.diagnostics {
            crate::diag::render_text(out, d, opts.style)?;
        }
        // What a sound package was not checked for qualifies its OK; the verdict stays last.
        if self.ok() {
            crate::report::Report::coverage(self).write_text(out)?;
        }
        writeln!(out, "{}", summary_line(&self.display, self, self.against.as_deref()))
    }

    fn verdict(&self) -> Verdict {
        Verdict::findings_if(!self.ok())
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        vec![crate::report::Subject::new(&self.display, true, &self.diagnostics, crate::report::Scope::Named)]
    }
}

fn summary_line(display: &str, r: &VerifyReport, against: Option<&Path>) -> String {
    let errors = || r.diagnostics.iter().filter(|d| d.is_error());
    if let (Some(m), Some(id), Some(dir), false) = (&r.manifest, r.id, against, r.ok())
        && errors().all(|d| GUARD_CODES.contains(&d.code))
    {
        let why = if errors().all(|d| d.code == Code::BaseMismatch) {
            format!("its base is not what {} holds", dir.display())
        } else {
            "unpack would refuse it, for the reasons above".to_string()
        };
        return format!(
            "{display}: the {} package {} is sound, but it does not apply to {}: {why}",
            m.kind.word(),
            id.short(),
            dir.display(),
        );
    }
    let (Some(m), Some(id), true) = (&r.manifest, r.id, r.ok()) else {
        // A rolled-up finding counts for every problem it stands for.
        let n: u64 = errors().map(|d| d.count.unwrap_or(1).max(1)).sum();
        return format!("{display}: BAD: {n} problem{} found; do not unpack it", if n == 1 { "" } else { "s" });
    };
    let mut s = format!("{display}: OK: {} {} package {}", m.kind.word(), m.mode.word(), id.short());
    if let Some(b) = m.base {
        s.push_str(&format!(" on base {}", b.short()));
    }
    if let Some(store) = &m.store {
        s.push_str(&format!(", data store {store}"));
    }
    s.push_str(&format!(", {} files ({})", m.files.len(), super::human_bytes(m.total_bytes())));
    if m.packed().count() != m.files.len() {
        s.push_str(&format!(", {} packed", m.packed().count()));
    }
    if !m.removed.is_empty() {
        s.push_str(&format!(", {} removed", m.removed.len()));
    }
    if let Some(k) = r.signed_by {
        s.push_str(&format!(", signed by {}", k.to_hex()));
    }
    match (against, &r.applies) {
        (Some(dir), Some(Applies::AlreadyApplied)) => s.push_str(&format!("; {} already holds it", dir.display())),
        (Some(dir), Some(_)) => s.push_str(&format!("; applies to {}", dir.display())),
        _ => {}
    }
    s
}

/// Verifies the package `path` (named `display` in findings). An `Err` means it could
/// not run: the package or the `against` directory could not be read.
pub fn verify(
    path: &Path,
    display: &str,
    opts: &VerifyOptions,
    progress: Option<Progress<'_>>,
) -> io::Result<VerifyReport> {
    let scan_opts =
        ScanOptions { caps: opts.caps, trusted: opts.trusted.clone(), expect: None, examples: opts.examples };
    // The summaries are kept only to place the package's export against a destination.
    let mut summaries = SummaryMembers::keeping(opts.against.is_some());
    let s = scan(path, display, &scan_opts, &mut summaries, progress)?;
    let mut diagnostics = s.diagnostics;
    if let Some(m) = &s.manifest {
        diagnostics.extend(summaries.contradiction_findings(m));
    }
    let mut report = VerifyReport {
        id: s.id,
        manifest: s.manifest,
        signed_by: s.signed_by,
        diagnostics,
        applies: None,
        display: display.to_string(),
        against: opts.against.clone(),
        signature_required: !opts.trusted.is_empty(),
        decompressed: s.decompressed,
    };
    if let (Some(dir), Some(m)) = (&opts.against, &report.manifest) {
        // Opened as unpack opens its destination, but to read: no file is created.
        let area = Area::open(dir, Access::Read(opts.wait), Want::DirOrNothing).map_err(io::Error::other)?;
        let g = guard(&area, dir, m, summaries.age().as_ref(), &opts.guards, opts.examples);
        let g = area.finish(g).map_err(io::Error::other)?;
        report.diagnostics.extend(g.refusals);
        report.applies = Some(g.applies);
    }
    Ok(report)
}

/// The codes of unpack's refusals of a sound package.
const GUARD_CODES: [Code; 4] =
    [Code::BaseMismatch, Code::ForeignInDestination, Code::TooManyRemovals, Code::OlderExport];
