//! Rows into volumes. Rows with the same label build one volume; the volume being built
//! is the only one in memory (its disk files included), and it is handed on, sorted in
//! the format's order, as soon as a row of another volume arrives.
//!
//! Without a row-type field every row may carry everything: the volume's fields (read
//! from the first row of the label), one tape file (when `tapefile.fileid` has a value)
//! and one disk file (when `diskfile.name` has one). With a row-type field, a `volume`
//! row starts a volume and the `tapefile` and `diskfile` rows after it add to it.

use super::Stats;
use super::definition::Definition;
use super::fields::Field;
use super::row::{Rejection, RowView, quoted};
use super::source::{Place, RawRow};
use crate::diag::{Code, FileDiagnostics};
use crate::model::{
    CatalogType, DiskFile, DiskFileType, EntryStatus, Extra, Label, LabelType, TapeFile, TapeFileKey, TapeFileMode,
    TapeVolume, TapeVolumeStatus, Version, VolumeExport, VolumeFile, VolumeHead, VolumeRecord, VolumeStatus,
};
use crate::write::push_diskfile;
use std::collections::{BTreeMap, HashMap};

/// A volume read from the listing.
#[derive(Debug)]
pub struct BuiltVolume {
    /// Its data store.
    pub store: String,
    /// The whole volume file (its export id still to be set).
    pub file: VolumeFile,
    /// Where its group is written on its first row, for findings about its scope.
    pub group_place: Place,
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
    tapefiles: BTreeMap<TapeFileKey, TapeFile>,
    last_key: Option<TapeFileKey>,
    diskfiles: Vec<DiskFile>,
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

/// Builds volumes from rows.
pub struct Builder<'d> {
    def: &'d Definition,
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
        Builder { def, store, seen: HashMap::new(), current: None, skipping: Skipping::Nothing }
    }

    /// The export's data store, once known.
    pub fn store(&self) -> Option<&str> {
        self.store.as_deref()
    }

    /// Reads one row; returns the volume it completed, if any.
    pub fn row(&mut self, row: &RawRow, stats: &mut Stats, diags: &mut FileDiagnostics) -> Option<Built> {
        stats.rows_read += 1;
        let view = RowView::new(self.def, row);
        let (done, result) = if self.def.typed_rows() { self.typed(&view) } else { self.combined(&view) };
        match result {
            Ok(true) => stats.rows_excluded += 1,
            Ok(false) => {}
            Err(r) => {
                stats.rows_rejected += 1;
                if let Some(c) = &mut self.current {
                    c.rejected = true;
                }
                let place = row.place(view.at(r.field), self.def.source.format);
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
        let label = match label(v) {
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
        let is_volume = kind == "volume";
        let propagated = match self.skipping {
            Skipping::Volume => !is_volume,
            Skipping::TapeFile => kind == "diskfile",
            Skipping::Nothing => false,
        };
        if propagated || excluded {
            let mut done = None;
            match kind.as_str() {
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
            let r = label(v).and_then(|l| self.start(v, l)).map(|()| false);
            return (done, r);
        }
        let r = self.attach(v).and_then(|()| match kind.as_str() {
            "tapefile" => self.tapefile(v, true),
            _ => self.diskfile(v, true),
        });
        (None, r.map(|()| false))
    }

    /// Checks that a tapefile or diskfile row belongs to the volume being built: its label
    /// is empty (it belongs to the volume above it) or that volume's.
    fn attach(&mut self, v: &RowView<'_>) -> Step<()> {
        let label = match v.read(Field::Label)? {
            Some(s) if !s.is_empty() => Some(self::label(v)?),
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
            tapefiles: BTreeMap::new(),
            last_key: None,
            diskfiles: Vec::new(),
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
        let store = v.required(Field::Store, RowView::text)?;
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
        let group_id = v.required(Field::Group, RowView::text)?;
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
        let key = TapeFileKey {
            fileid,
            generation: v.required(Field::TapeFileGen, RowView::uint)? as u16,
            version: v.uint(Field::TapeFileVersion)?.unwrap_or(0) as u8,
            copy: v.uint(Field::TapeFileCopy)?.unwrap_or(1) as u8,
        };
        c.last_key = Some(key.clone());
        if c.tapefiles.contains_key(&key) {
            return Ok(());
        }
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
        c.tapefiles.insert(key, t);
        Ok(())
    }

    /// The disk file a row carries, if any. Its tape file key defaults to the volume's
    /// most recent tape file.
    fn diskfile(&mut self, v: &RowView<'_>, typed: bool) -> Step<()> {
        if !self.def.export.catalogfiles {
            return Ok(());
        }
        let name = if typed {
            v.required(Field::DiskFileName, RowView::text)?
        } else {
            match v.text(Field::DiskFileName)? {
                Some(n) => n,
                None => return Ok(()),
            }
        };
        let c = self.current.as_mut().ok_or_else(|| Rejection::new(Field::DiskFileName, "no volume"))?;
        if c.head.is_some() && !c.dsmtc {
            return Err(no_dsmtc(Field::DiskFileName, "disk files"));
        }
        let key = match v.text(Field::DiskFileFileid)? {
            Some(fileid) => TapeFileKey {
                fileid,
                generation: v.required(Field::DiskFileGen, RowView::uint)? as u16,
                version: v.uint(Field::DiskFileVersion)?.unwrap_or(0) as u8,
                copy: v.uint(Field::DiskFileCopy)?.unwrap_or(1) as u8,
            },
            None => c.last_key.clone().ok_or_else(|| {
                Rejection::new(
                    Field::DiskFileName,
                    format!("diskfile.name {}: no tape file of volume {} comes before it", quoted(&name), c.label),
                )
            })?,
        };
        if !c.tapefiles.contains_key(&key) {
            let field = if v.has_value(Field::DiskFileFileid) { Field::DiskFileFileid } else { Field::DiskFileName };
            return Err(Rejection::new(
                field,
                format!(
                    "disk file {name} belongs to tape file {key}, which no row of volume {} carries before it",
                    c.label
                ),
            ));
        }
        let d = DiskFile {
            name,
            tapefile: key,
            dumped: v.required(Field::DiskFileDumped, RowView::time)?,
            kind: parsed(v, Field::DiskFileType, DiskFileType::parse)?.ok_or_else(|| {
                Rejection::new(Field::DiskFileType, "diskfile.type is empty; every disk file needs it")
            })?,
            code: v.uint(Field::DiskFileCode)?.unwrap_or(0) as u16,
            eof: v.required(Field::DiskFileEof, RowView::uint)?,
            status: parsed(v, Field::DiskFileStatus, EntryStatus::parse)?.unwrap_or(EntryStatus::Valid),
            extra: Extra::default(),
        };
        c.diskfiles.push(d);
        Ok(())
    }
}

fn label(v: &RowView<'_>) -> Step<Label> {
    let text = v.required(Field::Label, RowView::text)?;
    Label::parse(&text).map_err(|e| Rejection::new(Field::Label, format!("label {}: {e}", quoted(&text))))
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
    let keymanager = match (encrypted, v.text(Field::VolumeKeymanager)?) {
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
        owner: v.text(Field::VolumeOwner)?,
        encrypted,
        keymanager,
        size: v.uint(Field::VolumeSize)?.unwrap_or(0),
        comment: v.text(Field::VolumeComment)?,
        extra: Extra::default(),
    })
}

fn tapevolume(v: &RowView<'_>, label: Label, group: &crate::model::Group) -> Step<TapeVolume> {
    let from_group = |field: Field, value: &Option<String>| -> Step<String> {
        match v.text(field)? {
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
    head.tapefiles = c.tapefiles.into_values().collect();
    let mut diskfiles = c.diskfiles;
    diskfiles.sort_by(|a, b| {
        (&a.tapefile, &a.name).cmp(&(&b.tapefile, &b.name)).then_with(|| {
            let (mut la, mut lb) = (Vec::new(), Vec::new());
            push_diskfile(&mut la, &a.as_ref());
            push_diskfile(&mut lb, &b.as_ref());
            la.cmp(&lb)
        })
    });
    let store = head.export.store.clone();
    Some(Built::Volume(Box::new(BuiltVolume { store, file: VolumeFile { head, diskfiles }, group_place })))
}
