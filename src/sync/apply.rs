//! Comparing the volumes built from the listing with what the staging area holds, and
//! writing only what changed.
//!
//! What the staging area holds is read from its summaries alone (its current set). The
//! entries of one scope (data store and volume group) are loaded whenever the scope
//! changes; a volume whose freshly built file has the SHA-256 of its winning entry (built
//! with the export id that entry names) is unchanged and not written.
//!
//! [`Pass`] keeps the books, in the order of the listing; [`Writer`] does the heavy part of
//! each volume (its file rendered and hashed, compared, written), on a thread of its own
//! while the listing is read. Changed volume files are written into the new staging area
//! being built beside the old one ([`crate::disk::NewTree`]) and flushed to stable storage
//! by background threads as they come; the export commits by putting that area in place
//! at once, or leaves the old one untouched when it is refused.

use super::Stats;
use super::build::{Built, BuiltVolume};
use super::row::quoted;
use super::source::Place;
use crate::diag::{Code, FileDiagnostics};
use crate::disk::{Area, DiskError, NewTree};
use crate::model::{CurrentSet, Entry, ExportType, Group, Label, Sha256Digest, Summary};
use crate::parse::read_summary;
use crate::staging::{EntryKind, Source};
use std::collections::{BTreeMap, BTreeSet};
use std::io;

/// A scope: data store and volume group.
pub type Scope = (String, String);

/// What the staging area holds before the sync.
#[derive(Debug, Default)]
pub struct Staging {
    /// `FULL`, if there is one.
    pub full: Option<Summary>,
    /// SHA-256 of the whole `FULL` file.
    pub full_sha: Option<Sha256Digest>,
    /// `UPDATE`, when it builds on `FULL`.
    pub update: Option<Summary>,
    /// True when an `UPDATE` file exists, current or stale.
    pub update_exists: bool,
    /// The current set (empty without `FULL`).
    pub set: CurrentSet,
    /// The volume files present, with their sizes.
    pub files: BTreeMap<Label, u64>,
}

impl Staging {
    /// Reads the summaries of the staging area `area`; one that does not exist yet holds
    /// nothing. A summary with errors stops the sync: what the area holds is unknown.
    pub fn read(area: &Area) -> Result<Staging, String> {
        let mut st = Staging::default();
        let dir = area.path();
        for e in area.entries() {
            match e.kind {
                EntryKind::Volume(label) => {
                    st.files.insert(label, e.size);
                }
                EntryKind::Summary(kind) => {
                    let reader = area.open(&e.name).map_err(|err| format!("{}: {err}", e.name))?;
                    // Only the first error is told: how many a repeated one lists does not matter.
                    let parsed = read_summary(&e.name, reader, Some(kind), crate::diag::Examples::DEFAULT)
                        .map_err(|err| format!("{}: {err}", e.name))?;
                    let first = parsed.diagnostics.iter().find(|d| d.is_error());
                    let summary = match (first, parsed.summary) {
                        (None, Some(s)) => s,
                        (d, _) => {
                            return Err(format!(
                                "{}/{} has errors ({}); sync cannot tell what the staging area holds: run `catstage \
                                 validate {}` and repair it first",
                                dir.display(),
                                e.name,
                                d.map_or("unreadable".to_string(), |d| d.message.clone()),
                                dir.display()
                            ));
                        }
                    };
                    match kind {
                        ExportType::Full => {
                            st.full_sha = Some(parsed.framed.sha256);
                            st.full = Some(summary);
                        }
                        ExportType::Update => {
                            st.update_exists = true;
                            st.update = Some(summary);
                        }
                    }
                }
                _ => {}
            }
        }
        st.set = CurrentSet::derive(st.full.as_ref(), st.update.as_ref()).unwrap_or_default();
        if !st.set.update_current {
            st.update = None;
        }
        Ok(st)
    }

    /// The data store of the staging area, if it has a `FULL`.
    pub fn store(&self) -> Option<&str> {
        self.full.as_ref().map(|f| f.export.store.as_str())
    }
}

/// One reading of the source against the staging area: the books of the volumes seen.
pub struct Pass<'s> {
    st: &'s Staging,
    scope: Option<Scope>,
    loaded: BTreeSet<Scope>,
    warned: BTreeSet<Scope>,
    cache: BTreeMap<Label, Entry>,
    listed: BTreeSet<Label>,
    rejected: BTreeSet<Label>,
    /// The entry of every accepted volume: its winning entry when unchanged, a new one
    /// when this export writes it.
    pub entries: BTreeMap<Label, Entry>,
    /// The volumes this export writes.
    pub fresh: BTreeSet<Label>,
}

/// A volume for the [`Writer`]: built, with what the staging area holds for it.
pub struct Job {
    volume: Box<BuiltVolume>,
    /// Its entry in the current set, if it has one.
    existing: Option<Entry>,
    /// True when its file is there with the entry's size (the entry can be trusted).
    present: bool,
}

/// What became of a volume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Unchanged,
    Changed,
    Added,
}

/// A volume the [`Writer`] is done with: its entry in the new summary.
pub struct Outcome {
    label: Label,
    entry: Entry,
    change: Change,
}

impl<'s> Pass<'s> {
    /// A pass over the staging area `st`.
    pub fn new(st: &'s Staging) -> Self {
        Pass {
            st,
            scope: None,
            loaded: BTreeSet::new(),
            warned: BTreeSet::new(),
            cache: BTreeMap::new(),
            listed: BTreeSet::new(),
            rejected: BTreeSet::new(),
            entries: BTreeMap::new(),
            fresh: BTreeSet::new(),
        }
    }

    /// Takes one volume from the builder; a built volume comes back as the writer's job.
    pub fn accept(&mut self, built: Built, stats: &mut Stats, diags: &mut FileDiagnostics) -> Option<Job> {
        match built {
            Built::Rejected(label) => {
                self.listed.insert(label);
                self.rejected.insert(label);
                stats.volumes_rejected += 1;
                None
            }
            Built::Volume(v) => {
                let scope = (v.store.clone(), v.head.volume.group.clone());
                self.enter_scope(scope, &v.group_place, stats, diags);
                let label = v.label();
                self.listed.insert(label);
                let existing = self.existing(&label).cloned();
                let present = existing.as_ref().is_some_and(|e| self.st.files.get(&label) == Some(&e.size));
                Some(Job { volume: v, existing, present })
            }
        }
    }

    /// Books what the writer did with a volume.
    pub fn record(&mut self, o: Outcome, stats: &mut Stats) {
        match o.change {
            Change::Unchanged => stats.volumes_unchanged += 1,
            Change::Changed => stats.volumes_changed += 1,
            Change::Added => stats.volumes_added += 1,
        }
        if o.change != Change::Unchanged {
            self.fresh.insert(o.label);
        }
        self.entries.insert(o.label, o.entry);
    }

    /// Loads the entries of `scope` when it is not the current one; a scope that comes
    /// back after another is loaded again, and said once (CS503).
    fn enter_scope(&mut self, scope: Scope, place: &Place, stats: &mut Stats, diags: &mut FileDiagnostics) {
        if self.scope.as_ref() == Some(&scope) {
            return;
        }
        if self.loaded.contains(&scope) && self.warned.insert(scope.clone()) {
            diags.at(Code::SourceNotSorted, place.line, place.column, &place.text, || {
                format!(
                    "volume group {} of data store {} comes back after other groups: the source is not sorted by \
                     data store and volume group, so its entries are loaded again (sorting the listing first is faster)",
                    quoted(&scope.1),
                    quoted(&scope.0)
                )
            });
        }
        stats.scope_loads += 1;
        self.cache = self
            .st
            .set
            .entries
            .iter()
            .filter(|(_, w)| w.entry.group == scope.1)
            .map(|(l, w)| (*l, w.entry.clone()))
            .collect();
        self.loaded.insert(scope.clone());
        self.scope = Some(scope);
    }

    /// The existing entry of `label`: in the loaded scope, or elsewhere in the current set
    /// when the volume moved to another group.
    fn existing(&self, label: &Label) -> Option<&Entry> {
        self.cache.get(label).or_else(|| self.st.set.entries.get(label).map(|w| &w.entry))
    }

    /// The volumes of the current set that the listing no longer has (a FULL export
    /// removes them). Volumes with rejected rows count as listed.
    pub fn removed(&self) -> Vec<Label> {
        self.st.set.entries.keys().filter(|l| !self.listed.contains(l)).copied().collect()
    }

    /// The entries of a FULL summary: every accepted volume's, and the winning entries of
    /// volumes with rejected rows (which stay as they were).
    pub fn full_entries(&self) -> Vec<Entry> {
        let mut all = self.entries.clone();
        for label in &self.rejected {
            if let Some(w) = self.st.set.entries.get(label) {
                all.entry(*label).or_insert_with(|| w.entry.clone());
            }
        }
        all.into_values().collect()
    }

    /// The entries of a cumulative UPDATE summary: the current UPDATE's, overridden by the
    /// volumes this export writes.
    pub fn update_entries(&self) -> Vec<Entry> {
        let mut all: BTreeMap<Label, Entry> =
            self.st.update.iter().flat_map(|u| u.entries.iter().map(|e| (e.label, e.clone()))).collect();
        for label in &self.fresh {
            if let Some(e) = self.entries.get(label) {
                all.insert(*label, e.clone());
            }
        }
        all.into_values().collect()
    }
}

/// The groups of a new summary: the definition's, and any group of the staging area that
/// an entry still names (so that no entry is left without its group).
pub fn summary_groups(defined: &[Group], old: &[Group], entries: &[Entry]) -> Vec<Group> {
    let mut groups: BTreeMap<String, Group> = defined.iter().map(|g| (g.id.clone(), g.clone())).collect();
    for e in entries {
        if !groups.contains_key(&e.group)
            && let Some(g) = old.iter().find(|g| g.id == e.group)
        {
            groups.insert(g.id.clone(), g.clone());
        }
    }
    groups.into_values().collect()
}

/// Renders each volume file, compares it with the staging area's, and writes the files
/// that changed into the new tree.
pub struct Writer<'s, 't> {
    export_id: &'s str,
    /// Where the volume files that changed are written (otherwise they are only counted).
    out: Option<&'t NewTree<'t>>,
}

impl<'s, 't> Writer<'s, 't> {
    /// A writer for export `export_id`, writing the changed volume files into `out`.
    pub fn new(export_id: &'s str, out: Option<&'t NewTree<'t>>) -> Self {
        Writer { export_id, out }
    }

    /// Does a volume's job. A volume whose file, written with the export id of its
    /// entry, has the entry's digest is unchanged; any other is written with this
    /// export's id.
    pub fn run(&mut self, job: Job) -> io::Result<Outcome> {
        let Job { volume: mut v, existing, present } = job;
        let label = v.label();
        if let Some(e) = existing.as_ref().filter(|_| present) {
            v.head.export.id.clone_from(&e.export);
            if v.write(io::sink())?.1.sealed.sha256 == e.sha256 {
                return Ok(Outcome { label, entry: e.clone(), change: Change::Unchanged });
            }
        }
        let change = if existing.is_some() { Change::Changed } else { Change::Added };
        v.head.export.id = self.export_id.to_string();
        let written = match self.out {
            Some(tree) => {
                let name = label.file_name();
                let file = tree.create(&name).map_err(DiskError::into_io)?;
                let (file, written) = v.write(file)?;
                tree.flush(file).map_err(DiskError::into_io)?;
                written
            }
            None => v.write(io::sink())?.1,
        };
        Ok(Outcome { label, entry: crate::generate::entry_for(&v.head, &written), change })
    }
}
