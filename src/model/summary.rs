//! The summary files `FULL` and `UPDATE` (formats/summary.md).

use super::values::CatalogType;
use super::{ExportType, Extra, Label, Node, Sha256Digest, Timestamp, Version};

/// A whole summary file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The header's version.
    pub version: Version,
    /// The export that wrote it.
    pub export: SummaryExport,
    /// The primary's volume groups, ascending by id.
    pub groups: Vec<Group>,
    /// Node replacements applied to the staging area, ascending by old node.
    pub nodemaps: Vec<NodeMap>,
    /// One entry per volume file, ascending by label.
    pub entries: Vec<Entry>,
}

impl Summary {
    /// The entry of `label`, if any (entries are sorted).
    pub fn entry(&self, label: &Label) -> Option<&Entry> {
        self.entries.binary_search_by(|e| e.label.cmp(label)).ok().map(|i| &self.entries[i])
    }

    /// The group `id`, if defined.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }
}

/// The `export` record of a summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryExport {
    /// The export id (opaque).
    pub id: String,
    /// FULL or UPDATE.
    pub kind: ExportType,
    /// For an UPDATE: the id of the FULL export it builds on.
    pub base: Option<String>,
    /// The primary's data store id.
    pub store: String,
    /// The primary's node.
    pub node: Node,
    /// Whether the export wrote DISKFILE entries.
    pub catalogfiles: bool,
    /// When the export ran.
    pub created: Timestamp,
    /// Unknown keys.
    pub extra: Extra,
}

/// A primary volume group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Its id.
    pub id: String,
    /// The catalog it writes to.
    pub catalog: CatalogType,
    /// Media type (DSMTC groups).
    pub media: Option<String>,
    /// The primary's volume catalog (DSMTC groups).
    pub volcat: Option<String>,
    /// The primary's pool (DSMTC groups).
    pub pool: Option<String>,
    /// Key manager of its encrypted volumes.
    pub keymanager: Option<String>,
    /// Unknown keys.
    pub extra: Extra,
}

/// A node replacement applied to the staging area by `catstage replace-nodes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeMap {
    /// The node replaced.
    pub old: Node,
    /// The node written instead.
    pub new: Node,
    /// DISKFILE names rewritten, over every run.
    pub diskfiles: u64,
    /// Volume files rewritten, over every run.
    pub volumes: u64,
    /// Unknown keys.
    pub extra: Extra,
}

/// One volume file, as a summary lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The volume label.
    pub label: Label,
    /// The volume's primary group.
    pub group: String,
    /// The volume file's name (`V` + label).
    pub file: String,
    /// SHA-256 of the whole volume file.
    pub sha256: Sha256Digest,
    /// Size of the volume file in bytes.
    pub size: u64,
    /// The export that wrote the volume file.
    pub export: String,
    /// The volume's unload time.
    pub unloaded: Option<Timestamp>,
    /// Number of `tapefile` records.
    pub tapefiles: u64,
    /// Number of `diskfile` records.
    pub diskfiles: u64,
    /// Unknown keys.
    pub extra: Extra,
}

/// What a volume file says of itself that its summary entry records: its head, its
/// digest and size, and its record counts.
#[derive(Clone, Copy, Debug)]
pub struct VolumeFileFacts<'a> {
    /// The volume file's head.
    pub head: &'a super::VolumeHead,
    /// SHA-256 of the whole file.
    pub sha256: Sha256Digest,
    /// Its size in bytes.
    pub size: u64,
    /// Its `tapefile` records.
    pub tapefiles: u64,
    /// Its `diskfile` records.
    pub diskfiles: u64,
}

impl Entry {
    /// The one way a summary entry is made from a volume file (formats/summary.md): every
    /// writer that lists a volume file (`generate`, `sync`, `seal`) makes its entry here.
    pub fn of_volume(v: VolumeFileFacts<'_>) -> Entry {
        let h = v.head;
        Entry {
            label: h.volume.label,
            group: h.volume.group.clone(),
            file: h.volume.label.file_name(),
            sha256: v.sha256,
            size: v.size,
            export: h.export.id.clone(),
            unloaded: h.volume.unloaded,
            tapefiles: v.tapefiles,
            diskfiles: v.diskfiles,
            extra: Extra::default(),
        }
    }
}
