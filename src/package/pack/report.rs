//! What pack reports: the package written or the refusal, as text and JSON
//! (`catstage.pack/1`), and why it could not run.

use crate::diag::Diagnostic;
use crate::package::manifest::{Kind, Manifest, PackageId};
use crate::package::sign::PublicKey;
use crate::report::Verdict;
use std::io::{self, Write};

/// What pack wrote.
#[derive(Debug)]
pub struct PackReport {
    /// The package id.
    pub id: PackageId,
    /// The manifest.
    pub manifest: Manifest,
    /// Files packed (members besides the manifest and the signature).
    pub packed: usize,
    /// Their bytes.
    pub packed_bytes: u64,
    /// Size of the package file.
    pub compressed: u64,
    /// The signing key, when signed.
    pub signed_by: Option<PublicKey>,
    /// Files left out (foreign files, orphans) and other warnings.
    pub warnings: Vec<Diagnostic>,
    /// What an interrupted earlier run had left beside the package, removed first.
    pub notes: crate::disk::Notes,
    /// The package file, as the operator named it.
    pub output: String,
}

/// The schema of `catstage pack`'s document.
pub const SCHEMA: &str = "catstage.pack/1";

/// What `catstage pack` reports: the package written, or why the area was refused.
#[derive(Debug)]
pub enum PackOutcome {
    /// Written.
    Packed(Box<PackReport>),
    /// The staging area (named as the operator named it) is damaged; nothing was written.
    Refused {
        /// The staging area.
        staging: String,
        /// What is wrong with it.
        diagnostics: Vec<Diagnostic>,
    },
}

/// The JSON document of `catstage pack` (schema `catstage.pack/1`).
#[derive(serde::Serialize)]
#[serde(untagged)]
pub enum PackJson<'a> {
    /// Nothing was written.
    Refused(PackRefusedJson<'a>),
    /// The package was written.
    Packed(PackedJson<'a>),
}

/// [`PackJson`] of a refusal.
#[derive(serde::Serialize)]
pub struct PackRefusedJson<'a> {
    ok: bool,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

/// [`PackJson`] of a package written.
#[derive(serde::Serialize)]
pub struct PackedJson<'a> {
    ok: bool,
    package_id: String,
    kind: &'static str,
    mode: &'static str,
    base: Option<String>,
    output: &'a str,
    files: usize,
    bytes: u64,
    packed_files: usize,
    packed_bytes: u64,
    removed: Vec<&'a str>,
    compressed_bytes: u64,
    signed_by: Option<String>,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

impl crate::report::Report for PackOutcome {
    fn coverage(&self) -> crate::report::Coverage {
        // Every check it makes runs on what it reads.
        crate::report::Coverage::default()
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = PackJson<'a>;

    fn document(&self) -> PackJson<'_> {
        match self {
            PackOutcome::Refused { diagnostics, .. } => PackJson::Refused(PackRefusedJson {
                ok: false,
                diagnostics: crate::report::JsonDiagnostics::of(diagnostics),
            }),
            PackOutcome::Packed(r) => {
                let m = &r.manifest;
                PackJson::Packed(PackedJson {
                    ok: true,
                    package_id: r.id.to_hex(),
                    kind: m.kind.word(),
                    mode: m.mode.word(),
                    base: m.base.map(|b| b.to_hex()),
                    output: &r.output,
                    files: m.files.len(),
                    bytes: m.total_bytes(),
                    packed_files: r.packed,
                    packed_bytes: r.packed_bytes,
                    removed: m.removed.iter().map(|f| f.name.as_str()).collect(),
                    compressed_bytes: r.compressed,
                    signed_by: r.signed_by.map(|k| k.to_hex()),
                    diagnostics: crate::report::JsonDiagnostics::of(&r.warnings),
                })
            }
        }
    }

    fn write_text(&self, out: &mut dyn Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        use crate::package::human_bytes;
        match self {
            PackOutcome::Refused { staging, diagnostics } => {
                for d in diagnostics {
                    crate::diag::render_text(out, d, opts.style)?;
                }
                writeln!(
                    out,
                    "{staging}: pack refused: the staging area is damaged; nothing was written (run `catstage validate \
                     {staging}`)"
                )
            }
            PackOutcome::Packed(r) => {
                let m = &r.manifest;
                for d in &r.warnings {
                    crate::diag::render_text(out, d, opts.style)?;
                }
                let mut line = format!("{}: {} {} package {}", r.output, m.kind.word(), m.mode.word(), r.id.short());
                if let Some(b) = m.base {
                    line.push_str(&format!(" on base {}", b.short()));
                }
                if let Some(store) = &m.store {
                    line.push_str(&format!(" of data store {store}"));
                }
                line.push_str(&format!(": {} files ({})", m.files.len(), human_bytes(m.total_bytes())));
                if m.kind == Kind::Incremental {
                    line.push_str(&format!(", {} packed ({})", r.packed, human_bytes(r.packed_bytes)));
                    line.push_str(&format!(", {} removed", m.removed.len()));
                }
                line.push_str(&format!("; {} compressed", human_bytes(r.compressed)));
                if let Some(k) = r.signed_by {
                    line.push_str(&format!("; signed by {k}"));
                }
                writeln!(out, "{line}")
            }
        }
    }

    fn verdict(&self) -> Verdict {
        Verdict::findings_if(matches!(self, PackOutcome::Refused { .. }))
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        match self {
            PackOutcome::Packed(r) => {
                vec![crate::report::Subject::new(&r.output, true, &r.warnings, crate::report::Scope::Named)]
            }
            PackOutcome::Refused { staging, diagnostics } => {
                vec![crate::report::Subject::new(staging, true, diagnostics, crate::report::Scope::StagingNames)]
            }
        }
    }

    fn committed(&self) -> Option<String> {
        match self {
            PackOutcome::Packed(r) => Some(format!("the package {} was written", r.output)),
            PackOutcome::Refused { .. } => None,
        }
    }
}

impl crate::disk::Noted for PackReport {
    fn notes(&self) -> &crate::disk::Notes {
        &self.notes
    }
}
