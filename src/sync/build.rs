//! Rows into volumes. Rows with the same label build one volume, one at a time; it is
//! handed on, sorted in the format's order, as soon as a row of another volume arrives.
//! A disk file is kept compact while its volume is built: its name in one buffer of the
//! volume, its tape file by index, its values checked and parsed.
//!
//! Without a row-type field every row may carry everything: the volume's fields (read
//! from the first row of the label), one tape file (when `tapefile.fileid` has a value)
//! and one disk file (when `diskfile.name` has one). With a row-type field, a `volume`
//! row starts a volume and the `tapefile` and `diskfile` rows after it add to it.

use super::Stats;
use super::fields::Field;
use super::row::{Memo, Rejection, RowView, quoted};
use super::source::{At, Place, RawRow};
use super::spec::Definition;
use crate::diag::{Code, FileDiagnostics};
use crate::model::{
    CatalogType, DiskFileRef, DiskFileType, EntryStatus, Extra, Label, LabelType, TapeFile, TapeFileKey, TapeFileMode,
    TapeVolume, TapeVolumeStatus, Timestamp, Version, VolumeExport, VolumeHead, VolumeRecord, VolumeStatus,
};
use crate::write::{VolumeWriter, WrittenVolume, push_diskfile};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::ops::Range;
use std::rc::Rc;

/// A disk file of a volume being built: its name in the volume's `names`, its tape file
/// by index (in the order rows carry them while building; in the volume's `tapefiles`
/// once built).
#[derive(Clone, Debug)]
struct Disk {
    name: Range<usize>,
    tapefile: usize,
    dumped: Timestamp,
    kind: DiskFileType,
    code: u16,
    eof: u64,
    status: EntryStatus,
}

/// A volume read from the listing: its records, and its disk files in the format's order.
#[derive(Debug)]
pub struct BuiltVolume {
    /// Its data store.
    pub store: String,
    /// Everything but the disk files (the export id still to be set).
    pub head: VolumeHead,
    disks: Vec<Disk>,
    /// The disk files' names, one after the other.
    names: String,
    /// Where its group is written on its first row, for findings about its scope.
    pub group_place: Place,
}

impl BuiltVolume {
    /// Its label.
    pub fn label(&self) -> Label {
        self.head.volume.label
    }

    /// Writes the volume file into `out`.
    pub fn write<W: Write>(&self, out: W) -> io::Result<(W, WrittenVolume)> {
        let mut w = VolumeWriter::new(out, &self.head)?;
        for d in &self.disks {
            w.diskfile(&disk_ref(&self.head.tapefiles, &self.names, d))?;
        }
        w.finish()
    }
}

/// A disk file as the writer takes it.
fn disk_ref<'a>(tapefiles: &'a [TapeFile], names: &'a str, d: &Disk) -> DiskFileRef<'a> {
    DiskFileRef {
        name: &names[d.name.clone()],
        tapefile: tapefiles[d.tapefile].key.as_ref(),
        dumped: d.dumped,
        kind: d.kind,
        code: d.code,
        eof: d.eof,
        status: d.status,
        extra: crate::model::ExtraRef::None,
    }
}

/// What the builder hands on.
#[derive(Debug)]
pub enum Built {
    /// A volume, complete.
    Volume(Box<BuiltVolume>),
    /// A volume with a rejected row: it is not written, the staging area keeps what it had.
    Rejected(Label),
}

/// The volume being built.
struct Current {
    label: Label,
    /// Everything but the tape and disk files; `None` when its volume fields were rejected.
    head: Option<(VolumeHead, Place)>,
    dsmtc: bool,
    /// Its tape files, in the order rows carry them.
    tapefiles: Vec<TapeFile>,
    /// The index in `tapefiles` of each key.
    keys: BTreeMap<TapeFileKey, usize>,
    /// The key of the last tape file a row carried, and its index when it was read whole.
    last_key: Option<TapeFileKey>,
    last_index: Option<usize>,
    disks: Vec<Disk>,
    names: String,
    rejected: bool,
    /// Set for the rows of a label that came back after other volumes: rejected, and
    /// nothing is built from them.
    split_from: Option<u64>,
}

/// In a typed listing, what an excluded row takes with it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Skipping {
    Nothing,
    /// A volume row was excluded: its tapefile and diskfile rows go too.
    Volume,
    /// A tapefile row was excluded: the diskfile rows after it go too.
    TapeFile,
}

impl Current {
    /// Makes (`fileid`, `generation`, `version`, `copy`) the last tape file key; returns
    /// the index of its tape file if one was read.
    fn point_at(&mut self, fileid: &str, generation: u16, version: u8, copy: u8) -> Option<usize> {
        if let Some(k) = &self.last_key
            && same_key(k, fileid, generation, version, copy)
        {
            return self.last_index;
        }
        let key = TapeFileKey { fileid: fileid.to_string(), generation, version, copy };
        self.last_index = self.keys.get(&key).copied();
        self.last_key = Some(key);
        self.last_index
    }

    /// The index of the tape file with this key, or the key when no row carried it.
    fn find(&self, fileid: &str, generation: u16, version: u8, copy: u8) -> Result<usize, TapeFileKey> {
        if let Some(k) = &self.last_key
            && same_key(k, fileid, generation, version, copy)
        {
            return self.last_index.ok_or_else(|| k.clone());
        }
        let key = TapeFileKey { fileid: fileid.to_string(), generation, version, copy };
        self.keys.get(&key).copied().ok_or(key)
    }
}

fn same_key(k: &TapeFileKey, fileid: &str, generation: u16, version: u8, copy: u8) -> bool {
    k.generation == generation && k.version == version && k.copy == copy && k.fileid == fileid
}

/// Builds volumes from rows.
pub struct Builder<'d> {
    def: &'d Definition,
    /// What the previous rows read, field by field.
    memo: RefCell<Memo>,
    /// The last label read, as text and parsed.
    last_label: Option<(Rc<str>, Label)>,
    /// The export's data store, once known (from the staging area or the first volume).
    store: Option<String>,
    /// The first line of every label started so far.
    seen: HashMap<Label, u64>,
    current: Option<Current>,
    skipping: Skipping,
}

type Step<T> = Result<T, Rejection>;

impl<'d> Builder<'d> {
    /// A builder for `def`; `store` is the staging area's data store, if it has one.
    pub fn new(def: &'d Definition, store: Option<String>) -> Self {
        Builder {
            def,
            memo: RefCell::new(Memo::default()),
            last_label: None,
            store,
            seen: HashMap::new(),
            current: None,
            skipping: Skipping::Nothing,
        }
    }

    /// The export's data store, once known.
    pub fn store(&self) -> Option<&str> {
        self.store.as_deref()
    }

    /// Reads one row; returns the volume it completed, if any.
    pub fn row(&mut self, row: &RawRow, stats: &mut Stats, diags: &mut FileDiagnostics) -> Option<Built> {
        stats.rows_read += 1;
        let memo = std::mem::take(&mut self.memo);
        let (done, result) = {
            let view = RowView::new(self.def, row, &memo);
            if self.def.typed_rows() { self.typed(&view) } else { self.combined(&view) }
        };
        self.memo = memo;
        match result {
            Ok(true) => stats.rows_excluded += 1,
            Ok(false) => {}
            Err(r) => {
                stats.rows_rejected += 1;
                if let Some(c) = &mut self.current {
                    c.rejected = true;
                }
                let at = self.def.mapping(r.field).map_or(At::Nowhere, |m| At::of(&m.locator));
                let place = row.place(at, self.def.source.format);
                diags.at(Code::RowRejected, place.line, place.column, &place.text, || {
                    format!("row skipped: {}", r.message)
                });
            }
        }
        done
    }

    /// Hands on the last volume.
    pub fn finish(&mut self) -> Option<Built> {
        self.current.take().and_then(finish)
    }

    /// A row of a listing without row types. Returns the completed volume and whether
    /// the row was excluded.
    fn combined(&mut self, v: &RowView<'_>) -> (Option<Built>, Step<bool>) {
        if v.excluded() {
            return (None, Ok(true));
        }
        let label = match label(v, &mut self.last_label) {
            Ok(l) => l,
            Err(r) => return (None, Err(r)),
        };
        let mut done = None;
        if self.current.as_ref().is_none_or(|c| c.label != label) {
            done = self.current.take().and_then(finish);
            if let Err(r) = self.start(v, label) {
                return (done, Err(r));
            }
        } else if let Some(c) = &self.current
            && let Err(r) = split(c, Field::Label)
        {
            // Every row of a label that came back is rejected, not only its first.
            return (None, Err(r));
        }
        (done, self.tapefile(v, false).and_then(|()| self.diskfile(v, false)).map(|()| false))
    }

    /// A row of a listing with row types.
    fn typed(&mut self, v: &RowView<'_>) -> (Option<Built>, Step<bool>) {
        let excluded = v.excluded();
        let kind = match v.required(Field::Type, RowView::text) {
            Ok(k) => k,
            // An excluded row is never rejected; without a type it takes nothing with it.
            Err(_) if excluded => return (None, Ok(true)),
            Err(r) => return (None, Err(r)),
        };
        let kind: &str = &kind;
        let is_volume = kind == "volume";
        let propagated = match self.skipping {
            Skipping::Volume => !is_volume,
            Skipping::TapeFile => kind == "diskfile",
            Skipping::Nothing => false,
        };
        if propagated || excluded {
            let mut done = None;
            match kind {
                "volume" => {
                    done = self.current.take().and_then(finish);
                    self.skipping = Skipping::Volume;
                }
                "tapefile" if self.skipping != Skipping::Volume => self.skipping = Skipping::TapeFile,
                _ => {}
            }
            return (done, Ok(true));
        }
        if !self.def.export.catalogfiles && kind == "diskfile" {
            // CATALOGFILES NO: the export carries no DISKFILE entries (R14).
            return (None, Ok(true));
        }
        self.skipping = Skipping::Nothing;
        if is_volume {
            let done = self.current.take().and_then(finish);
            let r = label(v, &mut self.last_label).and_then(|l| self.start(v, l)).map(|()| false);
            return (done, r);
        }
        let r = self.attach(v).and_then(|()| match kind {
            "tapefile" => self.tapefile(v, true),
            _ => self.diskfile(v, true),
        });
        (None, r.map(|()| false))
    }

    /// Checks that a tapefile or diskfile row belongs to the volume being built: its label
    /// is empty (it belongs to the volume above it) or that volume's.
    fn attach(&mut self, v: &RowView<'_>) -> Step<()> {
        let label = match v.read(Field::Label)? {
            Some(s) if !s.is_empty() => Some(self::label(v, &mut self.last_label)?),
            _ => None,
        };
        match (&self.current, label) {
            (Some(c), None) => split(c, Field::Type),
            (Some(c), Some(l)) if c.label == l => split(c, Field::Type),
            (_, Some(l)) => Err(Rejection::new(
                Field::Label,
                format!("this row of volume {l} does not follow that volume's volume row"),
            )),
            (None, None) => Err(Rejection::new(Field::Type, "no volume row comes before this row".to_string())),
        }
    }

    /// Starts a volume from the row carrying its fields.
    fn start(&mut self, v: &RowView<'_>, label: Label) -> Step<()> {
        let line = v.row().line;
        let mut c = Current {
            label,
            head: None,
            dsmtc: false,
            tapefiles: Vec::new(),
            keys: BTreeMap::new(),
            last_key: None,
            last_index: None,
            disks: Vec::new(),
            names: String::new(),
            rejected: false,
            split_from: None,
        };
        if let Some(first) = self.seen.get(&label).copied() {
            c.split_from = Some(first);
            let r = split(&c, Field::Label);
            self.current = Some(c);
            return r;
        }
        self.seen.insert(label, line);
        self.current = Some(c);
        let (head, dsmtc) = self.head(v, label)?;
        let place = v.row().place(v.at(Field::Group), self.def.source.format);
        if let Some(c) = &mut self.current {
            c.head = Some((head, place));
            c.dsmtc = dsmtc;
        }
        Ok(())
    }

    /// The volume's records from its first row.
    fn head(&mut self, v: &RowView<'_>, label: Label) -> Step<(VolumeHead, bool)> {
        let store = v.required(Field::Store, RowView::string)?;
        match &self.store {
            Some(s) if *s != store => {
                return Err(Rejection::new(
                    Field::Store,
                    format!(
                        "store {} is not this export's data store {}: a staging area holds one data store",
                        quoted(&store),
                        quoted(s)
                    ),
                ));
            }
            Some(_) => {}
            None => self.store = Some(store.clone()),
        }
        let group_id = v.required(Field::Group, RowView::string)?;
        let Some(group) = self.def.group(&group_id) else {
            return Err(Rejection::new(
                Field::Group,
                format!("group {} is not defined by a [[group]] of the definition", quoted(&group_id)),
            ));
        };
        let volume = volume_record(v, label, group)?;
        let dsmtc = group.catalog == CatalogType::Dsmtc;
        let tapevolume = if dsmtc { Some(tapevolume(v, label, group)?) } else { None };
        let export = VolumeExport {
            id: String::new(),
            store,
            catalogfiles: self.def.export.catalogfiles,
            extra: Extra::default(),
        };
        Ok((VolumeHead { version: Version::CURRENT, export, volume, tapevolume, tapefiles: Vec::new() }, dsmtc))
    }

    /// The tape file a row carries, if any; the first row with a key defines the tape file.
    /// (Numbers come out of [`RowView::uint`] checked against their field's range, so the
    /// narrowing casts here and below cannot truncate.)
    fn tapefile(&mut self, v: &RowView<'_>, typed: bool) -> Step<()> {
        let fileid = if typed {
            v.required(Field::TapeFileFileid, RowView::text)?
        } else {
            match v.text(Field::TapeFileFileid)? {
                Some(f) => f,
                None => return Ok(()),
            }
        };
        let c = self.current.as_mut().ok_or_else(|| Rejection::new(Field::TapeFileFileid, "no volume"))?;
        if c.head.is_some() && !c.dsmtc {
            return Err(no_dsmtc(Field::TapeFileFileid, "tape files"));
        }
        let generation = v.required(Field::TapeFileGen, RowView::uint)? as u16;
        let version = v.uint(Field::TapeFileVersion)?.unwrap_or(0) as u8;
        let copy = v.uint(Field::TapeFileCopy)?.unwrap_or(1) as u8;
        if c.point_at(&fileid, generation, version, copy).is_some() {
            return Ok(());
        }
        let key = TapeFileKey { fileid: fileid.to_string(), generation, version, copy };
        let t = TapeFile {
            key: key.clone(),
            section: v.uint(Field::TapeFileSection)?.unwrap_or(1) as u16,
            fileseq: v.uint(Field::TapeFileFileseq)?.unwrap_or(1) as u16,
            created: v.required(Field::TapeFileCreated, RowView::time)?,
            expires: v.time(Field::TapeFileExpires)?,
            status: parsed(v, Field::TapeFileStatus, EntryStatus::parse)?.unwrap_or(EntryStatus::Valid),
            mode: parsed(v, Field::TapeFileMode, TapeFileMode::parse)?.ok_or_else(|| {
                Rejection::new(Field::TapeFileMode, "tapefile.mode is empty; every tape file needs it")
            })?,
            extra: Extra::default(),
        };
        let i = c.tapefiles.len();
        c.tapefiles.push(t);
        c.keys.insert(key, i);
        c.last_index = Some(i);
        Ok(())
    }

    /// The disk file a row carries, if any. Its tape file key defaults to the volume's
    /// most recent tape file.
    fn diskfile(&mut self, v: &RowView<'_>, typed: bool) -> Step<()> {
        if !self.def.export.catalogfiles {
            return Ok(());
        }
        let name = if typed {
            v.required(Field::DiskFileName, RowView::name)?
        } else {
            match v.name(Field::DiskFileName)? {
                Some(n) => n,
                None => return Ok(()),
            }
        };
        let c = self.current.as_mut().ok_or_else(|| Rejection::new(Field::DiskFileName, "no volume"))?;
        if c.head.is_some() && !c.dsmtc {
            return Err(no_dsmtc(Field::DiskFileName, "disk files"));
        }
        let found = match v.text(Field::DiskFileFileid)? {
            Some(fileid) => {
                let generation = v.required(Field::DiskFileGen, RowView::uint)? as u16;
                let version = v.uint(Field::DiskFileVersion)?.unwrap_or(0) as u8;
                let copy = v.uint(Field::DiskFileCopy)?.unwrap_or(1) as u8;
                c.find(&fileid, generation, version, copy)
            }
            None => match &c.last_key {
                Some(k) => c.last_index.ok_or_else(|| k.clone()),
                None => {
                    return Err(Rejection::new(
                        Field::DiskFileName,
                        format!("diskfile.name {}: no tape file of volume {} comes before it", quoted(&name), c.label),
                    ));
                }
            },
        };
        let tapefile = match found {
            Ok(i) => i,
            Err(key) => {
                let field =
                    if v.has_value(Field::DiskFileFileid) { Field::DiskFileFileid } else { Field::DiskFileName };
                return Err(Rejection::new(
                    field,
                    format!(
                        "disk file {name} belongs to tape file {key}, which no row of volume {} carries before it",
                        c.label
                    ),
                ));
            }
        };
        let d = Disk {
            name: 0..0,
            tapefile,
            dumped: v.required(Field::DiskFileDumped, RowView::time)?,
            kind: parsed(v, Field::DiskFileType, DiskFileType::parse)?.ok_or_else(|| {
                Rejection::new(Field::DiskFileType, "diskfile.type is empty; every disk file needs it")
            })?,
            code: v.uint(Field::DiskFileCode)?.unwrap_or(0) as u16,
            eof: v.required(Field::DiskFileEof, RowView::uint)?,
            status: parsed(v, Field::DiskFileStatus, EntryStatus::parse)?.unwrap_or(EntryStatus::Valid),
        };
        let start = c.names.len();
        c.names.push_str(&name);
        c.disks.push(Disk { name: start..c.names.len(), ..d });
        Ok(())
    }
}

/// The row's label. The text of a label repeated from the previous row is shared with it
/// (see [`super::row::Memo`]), and not parsed again.
fn label(v: &RowView<'_>, last: &mut Option<(Rc<str>, Label)>) -> Step<Label> {
    let text = v.required(Field::Label, RowView::text)?;
    if let Some((t, l)) = last
        && Rc::ptr_eq(t, &text)
    {
        return Ok(*l);
    }
    let l = Label::parse(&text).map_err(|e| Rejection::new(Field::Label, format!("label {}: {e}", quoted(&text))))?;
    *last = Some((text, l));
    Ok(l)
}

/// An enumeration, read in any case.
fn parsed<T>(v: &RowView<'_>, field: Field, parse: fn(&str) -> Result<T, crate::model::ValueError>) -> Step<Option<T>> {
    match v.text(field)? {
        None => Ok(None),
        Some(t) => {
            parse(&t).map(Some).map_err(|e| Rejection::new(field, format!("{} {}: {e}", field.name(), quoted(&t))))
        }
    }
}

fn no_dsmtc(field: Field, what: &str) -> Rejection {
    Rejection::new(
        field,
        format!("{}: the volume's group does not catalog in DSMTC, so its volumes carry no {what}", field.name()),
    )
}

/// The rows of a label that came back after other volumes are rejected (reported at
/// `field`: the label of a volume row, the row type of the rows under it).
fn split(c: &Current, field: Field) -> Step<()> {
    match c.split_from {
        Some(first) => Err(Rejection::new(
            field,
            format!(
                "volume {} was built from the rows starting at line {first}; the rows of one label must be adjacent, so \
                 this later row is not used",
                c.label
            ),
        )),
        None => Ok(()),
    }
}

fn volume_record(v: &RowView<'_>, label: Label, group: &crate::model::Group) -> Step<VolumeRecord> {
    let status = parsed(v, Field::VolumeStatus, VolumeStatus::parse)?
        .ok_or_else(|| Rejection::new(Field::VolumeStatus, "volume.status is empty; every volume needs it"))?;
    let encrypted = v.boolean(Field::VolumeEncrypted)?.unwrap_or(false);
    // The key manager of an unencrypted volume is left out (the format forbids it); an
    // encrypted volume without one takes its group's.
    let keymanager = match (encrypted, v.string(Field::VolumeKeymanager)?) {
        (false, _) => None,
        (true, Some(k)) => Some(k),
        (true, None) => Some(group.keymanager.clone().ok_or_else(|| {
            Rejection::new(
                Field::VolumeEncrypted,
                format!("volume {label} is encrypted, but neither volume.keymanager nor its group names a key manager"),
            )
        })?),
    };
    Ok(VolumeRecord {
        label,
        group: group.id.clone(),
        status,
        written: v.time(Field::VolumeWritten)?,
        unloaded: v.time(Field::VolumeUnloaded)?,
        owner: v.string(Field::VolumeOwner)?,
        encrypted,
        keymanager,
        size: v.uint(Field::VolumeSize)?.unwrap_or(0),
        comment: v.string(Field::VolumeComment)?,
        extra: Extra::default(),
    })
}

fn tapevolume(v: &RowView<'_>, label: Label, group: &crate::model::Group) -> Step<TapeVolume> {
    let from_group = |field: Field, value: &Option<String>| -> Step<String> {
        match v.string(field)? {
            Some(s) => Ok(s),
            None => value
                .clone()
                .ok_or_else(|| Rejection::new(field, format!("{} is empty and the group has none", field.name()))),
        }
    };
    let volset = match v.text(Field::TapeVolumeVolset)? {
        Some(s) => Label::parse(&s).map_err(|e| Rejection::new(Field::TapeVolumeVolset, e.message))?,
        None => label,
    };
    Ok(TapeVolume {
        volcat: from_group(Field::TapeVolumeVolcat, &group.volcat)?,
        pool: from_group(Field::TapeVolumePool, &group.pool)?,
        status: parsed(v, Field::TapeVolumeStatus, TapeVolumeStatus::parse)?.ok_or_else(|| {
            Rejection::new(Field::TapeVolumeStatus, "tapevolume.status is empty; every TAPEVOLUME needs it")
        })?,
        media: from_group(Field::TapeVolumeMedia, &group.media)?,
        labeltype: parsed(v, Field::TapeVolumeLabeltype, LabelType::parse)?.ok_or_else(|| {
            Rejection::new(Field::TapeVolumeLabeltype, "tapevolume.labeltype is empty; every TAPEVOLUME needs it")
        })?,
        volset,
        volindex: v.uint(Field::TapeVolumeVolindex)?.unwrap_or(1) as u16,
        extra: Extra::default(),
    })
}

/// The volume in the format's order: tape files by key, disk files by tape file key and
/// name (the same disk file twice by its whole line).
fn finish(c: Current) -> Option<Built> {
    if c.split_from.is_some() {
        return None;
    }
    let (mut head, group_place) = match (c.rejected, c.head) {
        (false, Some(h)) => h,
        _ => return Some(Built::Rejected(c.label)),
    };
    // `keys` lists the tape files in key order: their ranks are their new indexes.
    let mut rank = vec![0; c.tapefiles.len()];
    for (r, &i) in c.keys.values().enumerate() {
        rank[i] = r;
    }
    let mut tapefiles: Vec<Option<TapeFile>> = c.tapefiles.into_iter().map(Some).collect();
    head.tapefiles = c.keys.values().filter_map(|&i| tapefiles.get_mut(i).and_then(Option::take)).collect();
    let mut disks = c.disks;
    for d in &mut disks {
        d.tapefile = rank[d.tapefile];
    }
    let names = c.names;
    disks.sort_by(|a, b| {
        a.tapefile.cmp(&b.tapefile).then_with(|| names[a.name.clone()].cmp(&names[b.name.clone()])).then_with(|| {
            let (mut la, mut lb) = (Vec::new(), Vec::new());
            push_diskfile(&mut la, &disk_ref(&head.tapefiles, &names, a));
            push_diskfile(&mut lb, &disk_ref(&head.tapefiles, &names, b));
            la.cmp(&lb)
        })
    });
    let store = head.export.store.clone();
    Some(Built::Volume(Box::new(BuiltVolume { store, head, disks, names, group_place })))
}
