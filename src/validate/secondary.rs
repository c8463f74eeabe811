//! Several replications into one secondary, checked together (R1, R3, R25): when one run
//! validates several staging areas with their configurations (`validate A B C
//! --config-beside`), the secondary's catalogs are seen as a whole. Labels are unique
//! across every area of the run (R1); areas of different primary sources that replicate
//! into one VOLCAT or FILECAT are told that the manual asks for a distinct catalog per
//! source (R25, a warning), and where they share a FILECAT their tape files and FILEIDs
//! must not meet (R3: CS204, CS206).
//!
//! Each area contributes compact facts ([`Replication`]) taken from its report before the
//! report is dropped: its labels, its target catalogs, and the tape-file keys per target
//! FILECAT, so that memory grows with volumes and tape files, never with disk files.

use crate::config::SecondaryConfig;
use crate::diag::{Code, Diagnostic, Examples};
use crate::model::{Label, Node, TapeFileKey};
use std::collections::{BTreeMap, BTreeSet};

/// What one area sends to the secondary's catalogs.
#[derive(Debug, Clone)]
pub struct Replication {
    /// The area, as named.
    pub area: String,
    /// The primary source: data store and export node.
    pub source: (String, Node),
    /// The labels of its current set.
    pub labels: BTreeSet<Label>,
    /// The VOLCATs its DSM/TC groups target.
    pub volcats: BTreeSet<String>,
    /// The tape files it sends to each target FILECAT, with a volume carrying each.
    pub filecats: BTreeMap<String, BTreeMap<TapeFileKey, Label>>,
    /// How many instances a repeated finding about it lists.
    pub examples: Examples,
}

impl Replication {
    /// The facts of `report` (a validated area) under `config`; none without a current set.
    pub fn of(report: &super::Report, config: &SecondaryConfig) -> Option<Self> {
        let set = report.current.as_ref()?;
        let full = report.read.full.as_ref()?.summary.as_ref()?;
        let mut r = Replication {
            area: report.name.clone(),
            source: (full.export.store.clone(), full.export.node),
            labels: set.entries.keys().copied().collect(),
            volcats: BTreeSet::new(),
            filecats: BTreeMap::new(),
            examples: report.read.examples,
        };
        let target = |group: &str| config.group_for(group).filter(|g| g.catalog == "DSMTC");
        for w in set.entries.values() {
            if let Some(g) = target(&w.entry.group) {
                r.volcats.extend(g.volcat.clone());
                if let Some(f) = &g.filecat {
                    r.filecats.entry(f.clone()).or_default();
                }
            }
        }
        for v in report.read.volumes.iter().filter(|v| !v.has_errors && set.entries.contains_key(&v.label)) {
            let Some(h) = &v.head else { continue };
            let Some(filecat) = target(&h.volume.group).and_then(|g| g.filecat.clone()) else { continue };
            let keys = r.filecats.entry(filecat).or_default();
            for t in &h.tapefiles {
                keys.entry(t.key.clone()).or_insert(v.label);
            }
        }
        Some(r)
    }
}

/// The findings of checking `areas` together, per area (in the same order); an area
/// without facts (no configuration, no current set) gets none and adds none.
pub fn check(areas: &[Option<Replication>]) -> Vec<Vec<Diagnostic>> {
    let mut out: Vec<Vec<Diagnostic>> = vec![Vec::new(); areas.len()];
    for i in 0..areas.len() {
        for j in i + 1..areas.len() {
            let (Some(a), Some(b)) = (&areas[i], &areas[j]) else { continue };
            for (x, y, slot) in [(a, b, i), (b, a, j)] {
                out[slot].extend(pair(x, y));
            }
        }
    }
    out
}

/// What `a` is told about `b`.
fn pair(a: &Replication, b: &Replication) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let labels: Vec<String> = a.labels.intersection(&b.labels).map(ToString::to_string).collect();
    let rest = format!("also sent by {} to the secondary: tape labels must be unique across the enterprise", b.area);
    out.extend(counted(Code::LabelNotUnique, labels, ("label", "staging area", &rest), a.examples));
    if a.source == b.source {
        return out;
    }
    let filecats: Vec<&String> = a.filecats.keys().filter(|f| b.filecats.contains_key(*f)).collect();
    let shared: BTreeSet<&String> = a.volcats.intersection(&b.volcats).chain(filecats.iter().copied()).collect();
    if !shared.is_empty() {
        let names: Vec<&str> = shared.iter().map(|s| s.as_str()).collect();
        out.push(Diagnostic::new(
            Code::CatalogSharedBetweenSources,
            None,
            format!(
                "this staging area (data store {} from {}) and {} (data store {} from {}) both replicate into {}: use \
                 a distinct DSM/TC catalog for each primary source, or make sure their labels and FILEIDs never meet",
                a.source.0,
                a.source.1,
                b.area,
                b.source.0,
                b.source.1,
                names.join(", ")
            ),
        ));
    }
    for f in filecats {
        let (ours, theirs) = (&a.filecats[f], &b.filecats[f]);
        let exact: Vec<String> = ours
            .iter()
            .filter_map(|(k, l)| theirs.get(k).map(|other| format!("{k} ({l} here, {other} there)")))
            .collect();
        let rest = format!("also sent by {} into {f}: importing both would collide in the DSM/TC FILECAT", b.area);
        out.extend(counted(Code::FileidCollision, exact, ("tape file", "import", &rest), a.examples));
        // A FILEID that collides exactly is CS204's, not reported again here.
        let exact_ids: BTreeSet<&str> =
            ours.keys().filter(|k| theirs.contains_key(*k)).map(|k| k.fileid.as_str()).collect();
        let their_ids: BTreeSet<&str> = theirs.keys().map(|k| k.fileid.as_str()).collect();
        let shared_ids: BTreeSet<&str> = ours
            .keys()
            .map(|k| k.fileid.as_str())
            .filter(|id| their_ids.contains(id) && !exact_ids.contains(id))
            .collect();
        let rest = format!(
            "also used by {} (at other generations) in {f}: the two sources' generations of one FILEID would mix in \
             one DSM/TC FILECAT",
            b.area
        );
        let shared_ids: Vec<String> = shared_ids.into_iter().map(str::to_string).collect();
        out.extend(counted(Code::FileidShared, shared_ids, ("FILEID", "import", &rest), a.examples));
    }
    out
}

/// `N nouns of this WHAT are REST`, with the first few `items` as examples; none for no
/// item.
fn counted(
    code: Code,
    items: Vec<String>,
    (noun, what, rest): (&str, &str, &str),
    examples: Examples,
) -> Option<Diagnostic> {
    let n = items.len();
    (n > 0).then(|| {
        let (s, verb) = if n == 1 { ("", "is") } else { ("s", "are") };
        Diagnostic::new(code, None, format!("{n} {noun}{s} of this {what} {verb} {rest}"))
            .with_count(n as u64, examples.take(items))
    })
}
