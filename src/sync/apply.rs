//! Comparing the volumes built from the listing with what the staging area holds, and
//! writing only what changed.
//!
//! What the staging area holds is read from its summaries alone (its current set). The
//! entries of one scope (data store and volume group) are loaded whenever the scope
//! changes; a volume whose freshly built file has the SHA-256 of its winning entry (built
//! with the export id that entry names) is unchanged and not written.

use super::Stats;
use super::build::{Built, BuiltVolume};
use super::row::quoted;
use super::source::Place;
use crate::diag::{Code, FileDiagnostics};
use crate::model::{CurrentSet, Entry, ExportType, Group, Label, Sha256Digest, Summary, VolumeFile};
use crate::parse::read_summary;
use crate::staging::{DirArea, EntryKind, OpenError, Source, write_atomic};
use crate::write::{VolumeWriter, WrittenVolume};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

/// A scope: data store and volume group.
pub type Scope = (String, String);

/// What the staging area holds before the sync.
#[derive(Debug, Default)]
pub struct Staging {
    /// Its directory.
    pub dir: PathBuf,
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
    /// Reads the summaries of the staging area `dir`; a directory that does not exist
    /// holds nothing. A summary with errors stops the sync: what the area holds is unknown.
    pub fn read(dir: &Path) -> Result<Staging, String> {
        let mut st = Staging { dir: dir.to_path_buf(), ..Default::default() };
        let area = match DirArea::open(dir) {
            Ok(a) => a,
            Err(OpenError::NotFound(_)) => return Ok(st),
            Err(e) => return Err(e.to_string()),
        };
        for e in area.entries() {
            match e.kind {
                EntryKind::Volume(label) => {
                    st.files.insert(label, e.size);
                }
                EntryKind::Summary(kind) => {
                    let reader = area.open(&e.name).map_err(|err| format!("{}: {err}", e.name))?;
                    let parsed =
                        read_summary(&e.name, reader, Some(kind)).map_err(|err| format!("{}: {err}", e.name))?;
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

/// One reading of the source against the staging area.
pub struct Pass<'s> {
    st: &'s Staging,
    export_id: &'s str,
    /// Write the volume files that changed (otherwise only count them).
    write: bool,
    /// What a first reading built, to check a second one against, label by label.
    expect: Option<&'s BTreeMap<Label, Sha256Digest>>,
    /// The SHA-256 of every accepted volume's file as this export leaves it.
    pub digests: BTreeMap<Label, Sha256Digest>,
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

impl<'s> Pass<'s> {
    /// A pass over the staging area `st` for export `export_id`.
    pub fn new(
        st: &'s Staging,
        export_id: &'s str,
        write: bool,
        expect: Option<&'s BTreeMap<Label, Sha256Digest>>,
    ) -> Self {
        Pass {
            st,
            export_id,
            write,
            expect,
            digests: BTreeMap::new(),
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

    /// Takes one volume from the builder.
    pub fn accept(&mut self, built: Built, stats: &mut Stats, diags: &mut FileDiagnostics) -> io::Result<()> {
        match built {
            Built::Rejected(label) => {
                self.listed.insert(label);
                self.rejected.insert(label);
                stats.volumes_rejected += 1;
                Ok(())
            }
            Built::Volume(v) => {
                let scope = (v.store.clone(), v.file.head.volume.group.clone());
                self.enter_scope(scope, &v.group_place, stats, diags);
                self.volume(*v, stats)
            }
        }
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

    fn volume(&mut self, mut v: BuiltVolume, stats: &mut Stats) -> io::Result<()> {
        let label = v.file.head.volume.label;
        self.listed.insert(label);
        let existing = self.existing(&label).cloned();
        // The file must still be there, with its entry's size, for the entry to be trusted.
        let present = existing.as_ref().filter(|e| self.st.files.get(&label) == Some(&e.size));
        if let Some(e) = present {
            v.file.head.export.id = e.export.clone();
            if render(&v.file)?.sealed.sha256 == e.sha256 {
                self.check(label, e.sha256)?;
                stats.volumes_unchanged += 1;
                self.digests.insert(label, e.sha256);
                self.entries.insert(label, e.clone());
                return Ok(());
            }
        }
        if existing.is_some() {
            stats.volumes_changed += 1;
        } else {
            stats.volumes_added += 1;
        }
        v.file.head.export.id = self.export_id.to_string();
        let written = if self.write {
            let expect = self.expect.map(|m| m.get(&label).copied());
            let w = write_volume(&self.st.dir, &v.file, expect)?;
            stats.files_written += 1;
            w
        } else {
            render(&v.file)?
        };
        self.check(label, written.sealed.sha256)?;
        self.digests.insert(label, written.sealed.sha256);
        self.entries.insert(label, crate::generate::entry_for(&v.file.head, &written));
        self.fresh.insert(label);
        Ok(())
    }

    /// In a second reading, a volume must come out as the first reading built it.
    fn check(&self, label: Label, digest: Sha256Digest) -> io::Result<()> {
        match self.expect {
            Some(m) if m.get(&label) != Some(&digest) => Err(source_changed()),
            _ => Ok(()),
        }
    }

    /// The volumes of the current set that the listing no longer has (a FULL export
    /// removes them). Volumes with rejected rows count as listed.
    pub fn removed(&self) -> Vec<Label> {
        self.st.set.entries.keys().filter(|l| !self.listed.contains(l)).copied().collect()
    }

    /// True when this pass saw every volume the first one did.
    pub fn saw_all(&self) -> bool {
        self.expect.is_none_or(|m| m.keys().all(|l| self.digests.contains_key(l)))
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

fn source_changed() -> io::Error {
    io::Error::other(
        "the source changed between sync's two readings of it (the first checks, the second writes); the \
         staging area may hold some new volume files under the old FULL: run the sync again",
    )
}

/// The digest and size of a volume file, without writing it.
fn render(file: &VolumeFile) -> io::Result<WrittenVolume> {
    let mut w = VolumeWriter::new(io::sink(), &file.head)?;
    for d in &file.diskfiles {
        w.diskfile(&d.as_ref())?;
    }
    Ok(w.finish()?.1)
}

/// Writes a volume file atomically; with `expect`, refuses (before the file replaces the
/// old one) bytes other than the expected.
fn write_volume(dir: &Path, file: &VolumeFile, expect: Option<Option<Sha256Digest>>) -> io::Result<WrittenVolume> {
    write_atomic(dir, &file.head.volume.label.file_name(), |out| {
        let mut w = VolumeWriter::new(&mut *out, &file.head)?;
        for d in &file.diskfiles {
            w.diskfile(&d.as_ref())?;
        }
        let (_, written) = w.finish()?;
        match expect {
            Some(e) if e != Some(written.sealed.sha256) => Err(source_changed()),
            _ => Ok(written),
        }
    })
}
