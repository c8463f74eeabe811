//! What other catalogs already hold, for enterprise-wide uniqueness (R1) and collision
//! checks (R3): other staging areas (`--against`), read only as far as labels and tape
//! files go, and plain label lists (`--labels`).

use super::{EntryKind, Source};
use crate::diag::{Code, Diagnostic};
use crate::model::{Label, TapeFileKey};
use crate::parse::{read_summary, read_volume_head};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufReader};
use std::path::Path;

/// Labels and tape files known to another catalog.
#[derive(Clone, Debug, Default)]
pub struct Reference {
    /// How to name the source in messages (its path as the user gave it).
    pub name: String,
    /// The labels it holds.
    pub labels: BTreeSet<Label>,
    /// The tape files it holds, with a volume that carries each.
    pub tapefiles: BTreeMap<TapeFileKey, Label>,
    /// The secondary FILECATs its replication targets, when its configuration is known
    /// (`AREA.toml` beside an `--against` area); `None`: unknown, any may be shared.
    pub filecats: Option<BTreeSet<String>>,
}

/// Reads another staging area: the labels of its summaries and volume files, and the tape
/// files of its volume files' heads (disk files are not read). Damage in its summaries
/// comes back as one warning: the checks then use what could be read.
pub fn read_reference_area(name: &str, src: &dyn Source) -> io::Result<(Reference, Vec<Diagnostic>)> {
    let mut r = Reference { name: name.to_string(), ..Default::default() };
    let mut volumes = Vec::new();
    let mut problems = 0;
    for e in src.entries() {
        match e.kind {
            EntryKind::Summary(kind) => {
                // Only the errors are counted: how many a repeated one lists does not matter.
                let parsed = read_summary(&e.name, src.open(&e.name)?, Some(kind), crate::diag::Examples::DEFAULT)?;
                problems += parsed.diagnostics.iter().filter(|d| d.is_error()).count();
                if let Some(s) = parsed.summary {
                    r.labels.extend(s.entries.iter().map(|en| en.label));
                }
            }
            EntryKind::Volume(label) => {
                r.labels.insert(label);
                volumes.push(e.name.clone());
            }
            _ => {}
        }
    }
    let heads: Vec<_> = volumes
        .par_iter()
        .map(|name| read_volume_head(name, BufReader::new(src.open(name)?)))
        .collect::<io::Result<_>>()?;
    for head in heads.into_iter().flatten() {
        for t in &head.tapefiles {
            r.tapefiles.entry(t.key.clone()).or_insert(head.volume.label);
        }
    }
    let mut diags = Vec::new();
    if problems > 0 {
        diags.push(
            Diagnostic::new(
                Code::ConfigError,
                Some(name.to_string()),
                format!(
                    "the summaries of {name} have {problems} error{}: its labels and tape files were taken as far as \
                     they could be read",
                    if problems == 1 { "" } else { "s" }
                ),
            )
            .with_severity(crate::diag::Severity::Warning)
            .with_hint(format!(
                "run `catstage validate {name}` and repair it, or the uniqueness checks may miss collisions"
            )),
        );
    }
    Ok((r, diags))
}

/// Reads a list of labels: one per line, `#` starts a comment, blank lines ignored. Lines
/// that are not labels are reported (CS315) and skipped.
pub fn read_label_list(path: &Path) -> io::Result<(Reference, Vec<Diagnostic>)> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut r = Reference { name: name.clone(), ..Default::default() };
    let mut diags = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        match Label::parse(&content.to_ascii_uppercase()) {
            Ok(l) => {
                r.labels.insert(l);
            }
            Err(e) => {
                let column = line.find(content).unwrap_or(0) as u64 + 1;
                diags.push(
                    Diagnostic::new(Code::ConfigError, Some(name.clone()), format!("{content:?} is not a label: {e}"))
                        .at(i as u64 + 1, column, line.as_bytes())
                        .with_hint(
                            "a label list holds one label (1 to 6 characters A-Z 0-9) per line; # starts a comment",
                        ),
                );
            }
        }
    }
    Ok((r, diags))
}
