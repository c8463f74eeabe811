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
//! while the listing is read. Changed volume files are written under temporary names
//! beside the staging area's files ([`Staged`]), flushed to stable storage by background
//! threads as they come (the journal commits many flushes at once), and renamed into place
//! together when the export is committed, or removed when it is not.

use super::Stats;
use super::build::{Built, BuiltVolume};
use super::row::quoted;
use super::source::Place;
use crate::diag::{Code, FileDiagnostics};
use crate::model::{CurrentSet, Entry, ExportType, Group, Label, Sha256Digest, Summary};
use crate::parse::read_summary;
use crate::staging::{DirArea, EntryKind, Flusher, OpenError, Source, TEMP_PREFIX, fsync_dir};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
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
    /// Temporary files an interrupted sync left ([`Staged`] names them).
    pub stale: Vec<String>,
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
                EntryKind::Foreign if is_staged_name(&e.name) => st.stale.push(e.name.clone()),
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

    /// Removes the temporary files an interrupted sync left. Only under the staging
    /// area's exclusive lock: no other process is writing them.
    pub fn remove_stale(&self) {
        for name in &self.stale {
            let _ = std::fs::remove_file(self.dir.join(name));
        }
    }
}

/// The temporary name of a staged file: `.catstage-tmp-NAME-PID-syncN`.
fn staged_name(name: &str, n: usize) -> String {
    format!("{TEMP_PREFIX}{name}-{}-sync{n}", std::process::id())
}

/// True for a name [`staged_name`] gives.
fn is_staged_name(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some(rest) = name.strip_prefix(TEMP_PREFIX) else { return false };
    let mut parts = rest.rsplitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(n), Some(pid), Some(file)) => {
            n.strip_prefix("sync").is_some_and(digits) && digits(pid) && crate::staging::is_staging_file_name(file)
        }
        _ => false,
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

/// Renders each volume file, compares it with the staging area's, and stages the files
/// that changed.
pub struct Writer<'s> {
    export_id: &'s str,
    /// Where the volume files that changed are written (otherwise they are only counted).
    out: Option<Staged>,
}

impl<'s> Writer<'s> {
    /// A writer for export `export_id`, staging the changed volume files in `out`.
    pub fn new(export_id: &'s str, out: Option<Staged>) -> Self {
        Writer { export_id, out }
    }

    /// The staged volume files, to commit or discard.
    pub fn staged(&mut self) -> Option<Staged> {
        self.out.take()
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
        let written = match &mut self.out {
            Some(out) => out.stage(&label.file_name(), |file| v.write(file).map(|(_, w)| w))?,
            None => v.write(io::sink())?.1,
        };
        Ok(Outcome { label, entry: crate::generate::entry_for(&v.head, &written), change })
    }
}

/// Files written under temporary names in a directory, flushed to stable storage in the
/// background, then renamed into place together ([`Staged::commit`]). Whatever is not
/// committed is removed, also when it is dropped (an error on the way).
pub struct Staged {
    dir: PathBuf,
    /// Temporary path and final name of each file, in the order written.
    files: Vec<(PathBuf, String)>,
    /// Started with the first file.
    flusher: Option<Flusher>,
}

impl Staged {
    /// Staging into `dir`, which must exist.
    pub fn new(dir: &Path) -> Staged {
        Staged { dir: dir.to_path_buf(), files: Vec::new(), flusher: None }
    }

    /// Writes the file that will be `dir/name` under a temporary name, with `write`, and
    /// hands it to the flushing threads.
    pub fn stage<T>(&mut self, name: &str, write: impl FnOnce(&mut File) -> io::Result<T>) -> io::Result<T> {
        let tmp = self.dir.join(staged_name(name, self.files.len()));
        let mut file = File::create_new(&tmp)?;
        self.files.push((tmp, name.to_string()));
        let value = write(&mut file)?;
        let flusher = match &mut self.flusher {
            Some(f) => f,
            None => self.flusher.insert(Flusher::start("sync")?),
        };
        flusher.flush(file)?;
        Ok(value)
    }

    /// Waits for the flushes; the first error, if any.
    fn flushed(&mut self) -> io::Result<()> {
        self.flusher.take().map_or(Ok(()), Flusher::finish)
    }

    /// Renames every staged file into place once all are on stable storage, then flushes
    /// the directory; returns the number of files.
    pub fn commit(mut self) -> io::Result<u64> {
        self.flushed()?;
        let n = self.files.len() as u64;
        let mut pending = std::mem::take(&mut self.files).into_iter();
        while let Some((tmp, name)) = pending.next() {
            if let Err(e) = std::fs::rename(&tmp, self.dir.join(&name)) {
                self.files.push((tmp, name));
                self.files.extend(pending);
                return Err(e);
            }
        }
        if n > 0 {
            fsync_dir(&self.dir)?;
        }
        Ok(n)
    }

    /// Removes every staged file.
    pub fn discard(mut self) {
        self.remove();
    }

    fn remove(&mut self) {
        let _ = self.flushed();
        for (tmp, _) in self.files.drain(..) {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        self.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn staged_files_appear_together_on_commit_and_vanish_otherwise() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let mut staged = Staged::new(dir.path());
        for name in ["VA", "VB"] {
            staged.stage(name, |f| f.write_all(name.as_bytes())).unwrap();
        }
        assert_eq!(names(dir.path()).len(), 2);
        assert!(names(dir.path()).iter().all(|n| is_staged_name(n)));
        staged.discard();
        assert!(names(dir.path()).is_empty(), "discarded");

        let mut staged = Staged::new(dir.path());
        staged.stage("VA", |f| f.write_all(b"a")).unwrap();
        drop(staged);
        assert!(names(dir.path()).is_empty(), "dropped on an error path");

        let mut staged = Staged::new(dir.path());
        staged.stage("VA", |f| f.write_all(b"a")).unwrap();
        staged.stage("VB", |f| f.write_all(b"b")).unwrap();
        assert_eq!(staged.commit().unwrap(), 2);
        assert_eq!(names(dir.path()), ["VA", "VB"]);
        assert_eq!(std::fs::read(dir.path().join("VB")).unwrap(), b"b");
    }

    #[test]
    fn staged_names_are_recognized_and_nothing_else() {
        assert!(is_staged_name(&staged_name("VSAD001", 12)));
        assert!(is_staged_name(".catstage-tmp-VSAD001-77-sync0"));
        for other in [
            ".catstage-tmp-FULL-77-3",
            ".catstage-tmp-VSAD001-77-sync",
            ".catstage-tmp-vsad001-77-sync1",
            ".catstage-tmp-VSAD001-x-sync1",
            "VSAD001",
            ".catstage-tmp--77-sync1",
        ] {
            assert!(!is_staged_name(other), "{other}");
        }
    }
}
