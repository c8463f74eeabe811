//! The plain data of a staging area: summaries, volume exports and their records. No I/O
//! and no parser types here; [`crate::parse`] builds these values and [`crate::write`]
//! turns them back into the one canonical byte form.

mod age;
mod current;
mod summary;
mod time;
mod values;
mod volume;

pub use age::{Direction, ExportAge, ExportMark};
pub use current::{CurrentSet, WinningEntry, builds_on, overlay};
pub use summary::{Entry, Group, NodeMap, Summary, SummaryExport, VolumeFileFacts};
pub use time::{Timestamp, parse_timezone, read_utc_offset};
pub use values::{
    CatalogType, DiskFileType, EntryStatus, ExportType, Label, LabelType, Node, Sha256Digest, TapeFileMode,
    TapeVolumeStatus, ValueError, VolumeStatus, bool_str, check_catalog, check_diskfile_name, check_export_id,
    check_fileid, check_id, check_keymanager, check_media, check_owner, check_pool, check_text, parse_bool, parse_uint,
};
pub use volume::{
    DiskFile, DiskFileRef, ExtraRef, ExtraSource, TapeFile, TapeFileKey, TapeFileKeyRef, TapeVolume, VolumeExport,
    VolumeFile, VolumeHead, VolumeRecord,
};

/// A file format version, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Incompatible changes.
    pub major: u16,
    /// Compatible additions (new keys after the known ones).
    pub minor: u16,
}

impl Version {
    /// The version this catstage writes: 1.0.
    pub const CURRENT: Version = Version { major: 1, minor: 0 };
}

impl Default for Version {
    fn default() -> Self {
        Version::CURRENT
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Keys a reader did not know, with their values, in the order found. They are written
/// back unchanged after the known keys (formats/README.md §6).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Extra(pub Vec<(String, String)>);

impl Extra {
    /// True when there are no unknown keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
