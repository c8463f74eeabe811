//! Comparing two exports of one volume, field by field: the head records, the tape files
//! by key, and the disk files per tape file by a streaming merge of the two files (both
//! are sorted the same way), so that memory does not grow with the number of disk files.
//! Used by `diff` and `plan`.

use crate::diag::Examples;
use crate::model::{DiskFile, DiskFileRef, Extra, TapeFile, TapeFileKey, Timestamp, VolumeHead, bool_str};
use crate::parse::{ParsedVolume, VolumeVisitor, read_volume};
use crate::staging::Source;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// How many disk file names a [`DiskDelta`] lists per kind before it only counts.
pub const NAMES_CAP: usize = 1000;

/// One changed field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The record: `export`, `volume`, `tapevolume`, `tapefile`, `group`, `nodemap`.
    pub record: &'static str,
    /// The record's key, where it has one (a tape file's `FILEID/gen/version/copy`, a
    /// group's id, a node map's old node).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The field; `present` when the whole record was added or removed.
    pub field: String,
    /// The old value, in its canonical spelling (null when absent).
    pub old: Option<String>,
    /// The new value.
    pub new: Option<String>,
}

impl Change {
    /// `record.field old -> new`, or `record[key].field …`.
    pub fn describe(&self) -> String {
        let place = match &self.key {
            Some(k) => format!("{}[{k}].{}", self.record, self.field),
            None => format!("{}.{}", self.record, self.field),
        };
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        if self.field == "present" {
            let what = if self.new.as_deref() == Some("yes") { "added" } else { "removed" };
            match &self.key {
                Some(k) => format!("{}[{k}] {what}", self.record),
                None => format!("{} {what}", self.record),
            }
        } else {
            format!("{place} {} -> {}", show(&self.old), show(&self.new))
        }
    }
}

/// Records changes of one record's fields.
pub struct FieldDiff<'a> {
    record: &'static str,
    key: Option<String>,
    out: &'a mut Vec<Change>,
}

impl<'a> FieldDiff<'a> {
    /// Changes of `record` (with `key`) go to `out`.
    pub fn new(record: &'static str, key: Option<String>, out: &'a mut Vec<Change>) -> Self {
        FieldDiff { record, key, out }
    }

    /// Compares one field, given as its canonical text.
    pub fn field(&mut self, name: &str, old: Option<String>, new: Option<String>) -> &mut Self {
        if old != new {
            self.out.push(Change { record: self.record, key: self.key.clone(), field: name.to_string(), old, new });
        }
        self
    }

    /// Compares a text field.
    pub fn text(&mut self, name: &str, old: &str, new: &str) -> &mut Self {
        self.field(name, Some(old.to_string()), Some(new.to_string()))
    }

    /// Compares an optional text field.
    pub fn opt(&mut self, name: &str, old: Option<&str>, new: Option<&str>) -> &mut Self {
        self.field(name, old.map(str::to_string), new.map(str::to_string))
    }

    /// Compares an optional time.
    pub fn time(&mut self, name: &str, old: Option<&Timestamp>, new: Option<&Timestamp>) -> &mut Self {
        self.field(name, old.map(ToString::to_string), new.map(ToString::to_string))
    }

    /// Compares unknown keys, one field each.
    pub fn extra(&mut self, old: &Extra, new: &Extra) -> &mut Self {
        let get = |e: &Extra, k: &str| e.0.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let mut keys: Vec<&String> = old.0.iter().chain(new.0.iter()).map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            self.field(k, get(old, k), get(new, k));
        }
        self
    }

    /// Records the whole record as added (`true`) or removed.
    pub fn presence(&mut self, added: bool) {
        let (old, new) = if added { ("no", "yes") } else { ("yes", "no") };
        self.field("present", Some(old.into()), Some(new.into()));
    }
}

/// A tape file key as `FILEID/gen/version/copy`.
pub fn tapefile_key(k: &TapeFileKey) -> String {
    format!("{}/{}/{}/{}", k.fileid, k.generation, k.version, k.copy)
}

/// The changes between two heads of one volume (its export, volume, tape volume and tape
/// file records).
pub fn head_changes(a: &VolumeHead, b: &VolumeHead) -> Vec<Change> {
    let mut out = Vec::new();
    FieldDiff::new("export", None, &mut out)
        .text("id", &a.export.id, &b.export.id)
        .text("store", &a.export.store, &b.export.store)
        .text("catalogfiles", bool_str(a.export.catalogfiles), bool_str(b.export.catalogfiles))
        .extra(&a.export.extra, &b.export.extra);
    let (va, vb) = (&a.volume, &b.volume);
    FieldDiff::new("volume", None, &mut out)
        .text("label", va.label.as_str(), vb.label.as_str())
        .text("group", &va.group, &vb.group)
        .text("status", va.status.as_str(), vb.status.as_str())
        .time("written", va.written.as_ref(), vb.written.as_ref())
        .time("unloaded", va.unloaded.as_ref(), vb.unloaded.as_ref())
        .opt("owner", va.owner.as_deref(), vb.owner.as_deref())
        .text("encrypted", bool_str(va.encrypted), bool_str(vb.encrypted))
        .opt("keymanager", va.keymanager.as_deref(), vb.keymanager.as_deref())
        .text("size", &va.size.to_string(), &vb.size.to_string())
        .opt("comment", va.comment.as_deref(), vb.comment.as_deref())
        .extra(&va.extra, &vb.extra);
    out.extend(tapevolume_changes(a, b));
    out.extend(tapefile_changes(&a.tapefiles, &b.tapefiles));
    out
}

/// Changes of the TAPEVOLUME entry.
pub fn tapevolume_changes(a: &VolumeHead, b: &VolumeHead) -> Vec<Change> {
    let mut out = Vec::new();
    match (&a.tapevolume, &b.tapevolume) {
        (None, None) => {}
        (Some(_), None) => FieldDiff::new("tapevolume", None, &mut out).presence(false),
        (None, Some(_)) => FieldDiff::new("tapevolume", None, &mut out).presence(true),
        (Some(ta), Some(tb)) => {
            FieldDiff::new("tapevolume", None, &mut out)
                .text("volcat", &ta.volcat, &tb.volcat)
                .text("pool", &ta.pool, &tb.pool)
                .text("status", ta.status.as_str(), tb.status.as_str())
                .text("media", &ta.media, &tb.media)
                .text("labeltype", ta.labeltype.as_str(), tb.labeltype.as_str())
                .text("volset", ta.volset.as_str(), tb.volset.as_str())
                .text("volindex", &ta.volindex.to_string(), &tb.volindex.to_string())
                .extra(&ta.extra, &tb.extra);
        }
    }
    out
}

/// Changes of the TAPEFILE entries, matched by key.
pub fn tapefile_changes(a: &[TapeFile], b: &[TapeFile]) -> Vec<Change> {
    let mut out = Vec::new();
    let old: BTreeMap<&TapeFileKey, &TapeFile> = a.iter().map(|t| (&t.key, t)).collect();
    let new: BTreeMap<&TapeFileKey, &TapeFile> = b.iter().map(|t| (&t.key, t)).collect();
    let mut keys: Vec<&TapeFileKey> = old.keys().chain(new.keys()).copied().collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let mut d = FieldDiff::new("tapefile", Some(tapefile_key(k)), &mut out);
        match (old.get(k), new.get(k)) {
            (Some(ta), Some(tb)) => {
                d.text("section", &ta.section.to_string(), &tb.section.to_string())
                    .text("fileseq", &ta.fileseq.to_string(), &tb.fileseq.to_string())
                    .time("created", Some(&ta.created), Some(&tb.created))
                    .time("expires", ta.expires.as_ref(), tb.expires.as_ref())
                    .text("status", ta.status.as_str(), tb.status.as_str())
                    .text("mode", ta.mode.as_str(), tb.mode.as_str())
                    .extra(&ta.extra, &tb.extra);
            }
            (Some(_), None) => d.presence(false),
            (None, Some(_)) => d.presence(true),
            (None, None) => {}
        }
    }
    out
}

/// The disk file changes of one tape file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiskDelta {
    /// Disk files in the old file.
    pub old_count: u64,
    /// Disk files in the new file.
    pub new_count: u64,
    /// Disk files only in the new file.
    pub added: u64,
    /// Disk files only in the old file.
    pub removed: u64,
    /// Disk files in both with other values.
    pub changed: u64,
    /// The first [`NAMES_CAP`] names added.
    pub added_names: Vec<String>,
    /// The first [`NAMES_CAP`] names removed.
    pub removed_names: Vec<String>,
    /// The first [`NAMES_CAP`] names changed.
    pub changed_names: Vec<String>,
}

impl DiskDelta {
    /// True when nothing differs.
    pub fn is_empty(&self) -> bool {
        self.added == 0 && self.removed == 0 && self.changed == 0
    }
}

fn push_capped(list: &mut Vec<String>, name: &str) {
    if list.len() < NAMES_CAP {
        list.push(name.to_string());
    }
}

/// The disk files of one volume file, sent in batches by a reader thread.
struct DiskStream {
    rx: Receiver<Vec<DiskFile>>,
    batch: std::vec::IntoIter<DiskFile>,
}

impl Iterator for DiskStream {
    type Item = DiskFile;
    fn next(&mut self) -> Option<DiskFile> {
        loop {
            if let Some(d) = self.batch.next() {
                return Some(d);
            }
            self.batch = self.rx.recv().ok()?.into_iter();
        }
    }
}

struct Sender {
    tx: SyncSender<Vec<DiskFile>>,
    batch: Vec<DiskFile>,
}

const BATCH: usize = 2048;

impl VolumeVisitor for Sender {
    fn diskfile(&mut self, _: u64, d: &DiskFileRef<'_>, _: &[u8]) {
        self.batch.push(d.to_owned());
        if self.batch.len() >= BATCH {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            // The receiver stops early only when the comparison fails; then nobody
            // cares about the rest.
            let _ = self.tx.send(full);
        }
    }
}

/// Both volume files compared: their parses (heads and findings) and the disk file
/// deltas per tape file.
pub struct VolumePair {
    /// The old file as read.
    pub old: ParsedVolume,
    /// The new file as read.
    pub new: ParsedVolume,
    /// Disk file changes per tape file, only the tape files where something differs.
    pub diskfiles: BTreeMap<TapeFileKey, DiskDelta>,
}

type Reader<'scope> = std::thread::ScopedJoinHandle<'scope, io::Result<ParsedVolume>>;

/// Reads a volume file on a thread of `scope`, sending its disk files in batches.
fn spawn_reader<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    reader: Box<dyn io::Read + Send + 'env>,
    name: String,
    examples: Examples,
) -> (DiskStream, Reader<'scope>) {
    let (tx, rx) = sync_channel::<Vec<DiskFile>>(2);
    let handle = scope.spawn(move || {
        let mut s = Sender { tx, batch: Vec::with_capacity(BATCH) };
        let parsed = read_volume(&name, reader, &mut s, examples);
        let rest = std::mem::take(&mut s.batch);
        let _ = s.tx.send(rest);
        parsed
    });
    (DiskStream { rx, batch: Vec::new().into_iter() }, handle)
}

/// Reads volume file `name_a` of `a` and `name_b` of `b` side by side, each on its own
/// thread, and merges their disk files; a repeated finding lists `examples`.
pub fn compare_volume(
    (a, name_a): (&dyn Source, &str),
    (b, name_b): (&dyn Source, &str),
    examples: Examples,
) -> io::Result<VolumePair> {
    let ra = a.open(name_a)?;
    let rb = b.open(name_b)?;
    std::thread::scope(|scope| {
        let (mut sa, ha) = spawn_reader(scope, ra, name_a.to_string(), examples);
        let (mut sb, hb) = spawn_reader(scope, rb, name_b.to_string(), examples);
        let mut deltas: BTreeMap<TapeFileKey, DiskDelta> = BTreeMap::new();
        let (mut x, mut y) = (sa.next(), sb.next());
        loop {
            match (&x, &y) {
                (None, None) => break,
                (Some(da), None) => {
                    let e = deltas.entry(da.tapefile.clone()).or_default();
                    e.old_count += 1;
                    e.removed += 1;
                    push_capped(&mut e.removed_names, &da.name);
                    x = sa.next();
                }
                (None, Some(db)) => {
                    let e = deltas.entry(db.tapefile.clone()).or_default();
                    e.new_count += 1;
                    e.added += 1;
                    push_capped(&mut e.added_names, &db.name);
                    y = sb.next();
                }
                (Some(da), Some(db)) => match da.as_ref().sort_key().cmp(&db.as_ref().sort_key()) {
                    std::cmp::Ordering::Less => {
                        let e = deltas.entry(da.tapefile.clone()).or_default();
                        e.old_count += 1;
                        e.removed += 1;
                        push_capped(&mut e.removed_names, &da.name);
                        x = sa.next();
                    }
                    std::cmp::Ordering::Greater => {
                        let e = deltas.entry(db.tapefile.clone()).or_default();
                        e.new_count += 1;
                        e.added += 1;
                        push_capped(&mut e.added_names, &db.name);
                        y = sb.next();
                    }
                    std::cmp::Ordering::Equal => {
                        let e = deltas.entry(da.tapefile.clone()).or_default();
                        e.old_count += 1;
                        e.new_count += 1;
                        if da != db {
                            e.changed += 1;
                            push_capped(&mut e.changed_names, &da.name);
                        }
                        x = sa.next();
                        y = sb.next();
                    }
                },
            }
        }
        let join = |h: Reader<'_>| h.join().unwrap_or_else(|_| Err(io::Error::other("a reader thread failed")));
        let old = join(ha)?;
        let new = join(hb)?;
        deltas.retain(|_, d| !d.is_empty());
        Ok(VolumePair { old, new, diskfiles: deltas })
    })
}
