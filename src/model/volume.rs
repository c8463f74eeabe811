//! Volume files `V<label>` (formats/volume.md).
//!
//! Everything but the disk files is small and owned ([`VolumeHead`]). Disk files occur by
//! the million, so readers hand them out borrowed ([`DiskFileRef`]), one at a time;
//! [`DiskFile`] is the owned form for tests and small files.

use super::{
    DiskFileType, EntryStatus, Extra, Label, LabelType, TapeFileMode, TapeVolumeStatus, Timestamp, Version,
    VolumeStatus,
};
use std::borrow::Cow;

/// The `export` record of a volume file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeExport {
    /// The id of the export that wrote the file.
    pub id: String,
    /// The primary's data store id.
    pub store: String,
    /// That export's CATALOGFILES setting.
    pub catalogfiles: bool,
    /// Unknown keys.
    pub extra: Extra,
}

/// The BackPak volume record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeRecord {
    /// The label.
    pub label: Label,
    /// The primary volume group.
    pub group: String,
    /// BackPak status.
    pub status: VolumeStatus,
    /// Last written.
    pub written: Option<Timestamp>,
    /// Last unloaded.
    pub unloaded: Option<Timestamp>,
    /// Owning Guardian user, `GROUP.USER`.
    pub owner: Option<String>,
    /// Whether the data is encrypted.
    pub encrypted: bool,
    /// Key manager holding the key (encrypted volumes).
    pub keymanager: Option<String>,
    /// Bytes of data on the volume.
    pub size: u64,
    /// Free text.
    pub comment: Option<String>,
    /// Unknown keys.
    pub extra: Extra,
}

/// The DSM/TC TAPEVOLUME entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapeVolume {
    /// The primary's volume catalog, `\NODE.NAME`.
    pub volcat: String,
    /// The pool.
    pub pool: String,
    /// DSM/TC status.
    pub status: TapeVolumeStatus,
    /// Media type.
    pub media: String,
    /// Label type.
    pub labeltype: LabelType,
    /// First volume of the volume set.
    pub volset: Label,
    /// Position in the volume set.
    pub volindex: u16,
    /// Unknown keys.
    pub extra: Extra,
}

/// The key of a tape file: FILEID, generation, version, physical copy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TapeFileKey {
    /// FILEID.
    pub fileid: String,
    /// Absolute generation, 1–32767.
    pub generation: u16,
    /// Version, 0–100.
    pub version: u8,
    /// Physical copy, 1–99.
    pub copy: u8,
}

/// A borrowed [`TapeFileKey`]; orders the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TapeFileKeyRef<'a> {
    /// FILEID.
    pub fileid: &'a str,
    /// Absolute generation.
    pub generation: u16,
    /// Version.
    pub version: u8,
    /// Physical copy.
    pub copy: u8,
}

impl TapeFileKey {
    /// The borrowed form.
    pub fn as_ref(&self) -> TapeFileKeyRef<'_> {
        TapeFileKeyRef { fileid: &self.fileid, generation: self.generation, version: self.version, copy: self.copy }
    }
}

impl TapeFileKeyRef<'_> {
    /// The owned form.
    pub fn to_owned(&self) -> TapeFileKey {
        TapeFileKey {
            fileid: self.fileid.to_string(),
            generation: self.generation,
            version: self.version,
            copy: self.copy,
        }
    }
}

impl std::fmt::Display for TapeFileKeyRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} gen {} version {} copy {}", self.fileid, self.generation, self.version, self.copy)
    }
}

impl std::fmt::Display for TapeFileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_ref().fmt(f)
    }
}

/// A DSM/TC TAPEFILE entry on this volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapeFile {
    /// Its key.
    pub key: TapeFileKey,
    /// File section (which volume of a multi-volume file), 1–9999.
    pub section: u16,
    /// File sequence in the volume set, 1–9999.
    pub fileseq: u16,
    /// Created.
    pub created: Timestamp,
    /// Expires (absent: never).
    pub expires: Option<Timestamp>,
    /// DSM/TC status.
    pub status: EntryStatus,
    /// The application that wrote it.
    pub mode: TapeFileMode,
    /// Unknown keys.
    pub extra: Extra,
}

/// What a borrowed record's unknown keys are read from, when they are asked for: a parsed
/// line keeps them where they are, so a line of thousands of them costs nothing until a
/// writer needs them.
pub trait ExtraSource {
    /// How many unknown keys.
    fn count(&self) -> usize;
    /// The `i`th unknown key and its value.
    fn pair(&self, i: usize) -> (&str, Cow<'_, str>);
}

/// The unknown keys of a borrowed record, in line order.
#[derive(Clone, Copy, Default)]
pub enum ExtraRef<'a> {
    /// None.
    #[default]
    None,
    /// The pairs of an owned record.
    Pairs(&'a [(String, String)]),
    /// Read from the line they are on, when asked for.
    Lazy(&'a (dyn ExtraSource + 'a)),
}

impl<'a> ExtraRef<'a> {
    /// The keys and their values, in line order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&'a str, Cow<'a, str>)> + 'a> {
        match *self {
            ExtraRef::None => Box::new(std::iter::empty()),
            ExtraRef::Pairs(p) => Box::new(p.iter().map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_str())))),
            ExtraRef::Lazy(src) => Box::new((0..src.count()).map(move |i| src.pair(i))),
        }
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        match *self {
            ExtraRef::None => true,
            ExtraRef::Pairs(p) => p.is_empty(),
            ExtraRef::Lazy(src) => src.count() == 0,
        }
    }

    /// The pairs, owned.
    pub fn to_owned(&self) -> Extra {
        Extra(self.iter().map(|(k, v)| (k.to_string(), v.into_owned())).collect())
    }
}

impl PartialEq for ExtraRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for ExtraRef<'_> {}

impl std::fmt::Debug for ExtraRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A DSM/TC DISKFILE entry, borrowed from the line it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskFileRef<'a> {
    /// `\NODE.$VOL.SUBVOL.FILE`.
    pub name: &'a str,
    /// The tape file it was backed up to.
    pub tapefile: TapeFileKeyRef<'a>,
    /// When the BACKUP run started.
    pub dumped: Timestamp,
    /// File type.
    pub kind: DiskFileType,
    /// Guardian file code.
    pub code: u16,
    /// End of file, bytes.
    pub eof: u64,
    /// DSM/TC status.
    pub status: EntryStatus,
    /// Unknown keys.
    pub extra: ExtraRef<'a>,
}

/// A DSM/TC DISKFILE entry, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskFile {
    /// `\NODE.$VOL.SUBVOL.FILE`.
    pub name: String,
    /// The tape file it was backed up to.
    pub tapefile: TapeFileKey,
    /// When the BACKUP run started.
    pub dumped: Timestamp,
    /// File type.
    pub kind: DiskFileType,
    /// Guardian file code.
    pub code: u16,
    /// End of file, bytes.
    pub eof: u64,
    /// DSM/TC status.
    pub status: EntryStatus,
    /// Unknown keys.
    pub extra: Extra,
}

impl DiskFile {
    /// The borrowed form, as writers take it.
    pub fn as_ref(&self) -> DiskFileRef<'_> {
        DiskFileRef {
            name: &self.name,
            tapefile: self.tapefile.as_ref(),
            dumped: self.dumped,
            kind: self.kind,
            code: self.code,
            eof: self.eof,
            status: self.status,
            extra: ExtraRef::Pairs(&self.extra.0),
        }
    }

    /// The node part of the name, `\NODE`.
    pub fn node(&self) -> &str {
        node_of(&self.name)
    }
}

impl DiskFileRef<'_> {
    /// The owned form.
    pub fn to_owned(&self) -> DiskFile {
        DiskFile {
            name: self.name.to_string(),
            tapefile: self.tapefile.to_owned(),
            dumped: self.dumped,
            kind: self.kind,
            code: self.code,
            eof: self.eof,
            status: self.status,
            extra: self.extra.to_owned(),
        }
    }

    /// The node part of the name, `\NODE`.
    pub fn node(&self) -> &str {
        node_of(self.name)
    }

    /// The sort key of disk files: tape file key, then name.
    pub fn sort_key(&self) -> (TapeFileKeyRef<'_>, &str) {
        (self.tapefile, self.name)
    }
}

fn node_of(name: &str) -> &str {
    match name.bytes().position(|c| c == b'.') {
        Some(i) => name.get(..i).unwrap_or(name),
        None => name,
    }
}

/// Everything in a volume file before its disk files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeHead {
    /// The header's version.
    pub version: Version,
    /// The export that wrote the file.
    pub export: VolumeExport,
    /// The BackPak volume record.
    pub volume: VolumeRecord,
    /// The DSM/TC TAPEVOLUME entry, if the group catalogs in DSM/TC.
    pub tapevolume: Option<TapeVolume>,
    /// The TAPEFILE entries, strictly ascending by key.
    pub tapefiles: Vec<TapeFile>,
}

impl VolumeHead {
    /// The tape file with `key`, if this volume has it.
    pub fn tapefile(&self, key: &TapeFileKeyRef<'_>) -> Option<&TapeFile> {
        self.tapefiles.binary_search_by(|t| t.key.as_ref().cmp(key)).ok().map(|i| &self.tapefiles[i])
    }
}

/// A whole volume file in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeFile {
    /// Records before the disk files.
    pub head: VolumeHead,
    /// The DISKFILE entries, ascending by tape file key and name.
    pub diskfiles: Vec<DiskFile>,
}
