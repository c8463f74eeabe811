//! The plan's types: what the import does to each volume and group, and what `plan`
//! needs besides the staging area.

use crate::config::{LoadedConfig, SecondaryConfig};
use crate::diag::{Diagnostic, Examples};
use crate::model::{ExportType, Label, Summary, Timestamp};
use crate::staging::{Reference, Source};
use serde::Serialize;

/// What the import does to one volume.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Not on the secondary yet: created.
    Add,
    /// On the secondary and different: updated.
    Update,
    /// On the secondary and equal: untouched.
    Unchanged,
    /// On the secondary, no longer exported: deleted (FULL only).
    Delete,
    /// Not imported (see the reason).
    Skip,
}

/// Added, updated and deleted counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Created.
    pub added: u64,
    /// Updated (for BackPak: every existing record the import applies, changed or not).
    pub updated: u64,
    /// Deleted; `None` when unknown (a FULL import without a baseline).
    pub deleted: Option<u64>,
}

impl Default for Counts {
    fn default() -> Self {
        Counts { added: 0, updated: 0, deleted: Some(0) }
    }
}

/// DISKFILE entries the import writes and deletes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DiskCounts {
    /// Inserted: not on the secondary yet.
    pub inserted: u64,
    /// Updated: on the secondary with other values (R17).
    pub updated: u64,
    /// Deleted (FULL only); `None` when unknown (a FULL import without a baseline).
    pub deleted: Option<u64>,
    /// Obsolete: on the secondary under an updated tape file, no longer exported; an
    /// UPDATE import leaves them in place (only a FULL import deletes them).
    pub left_obsolete: u64,
}

impl Default for DiskCounts {
    fn default() -> Self {
        DiskCounts { inserted: 0, updated: 0, deleted: Some(0), left_obsolete: 0 }
    }
}

impl DiskCounts {
    pub(super) fn add(&mut self, o: &DiskCounts) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.deleted = self.deleted.zip(o.deleted).map(|(a, b)| a + b);
        self.left_obsolete += o.left_obsolete;
    }
}

/// A volume and its unload time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewestVolume {
    /// The label.
    pub label: Label,
    /// Its unload time.
    pub unloaded: Option<Timestamp>,
}

/// One volume of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VolumePlan {
    /// The label.
    pub label: Label,
    /// The secondary group, when there is one.
    pub group: Option<String>,
    /// The primary group.
    pub primary_group: String,
    /// What happens: `unchanged` when no catalog entry differs (a FULL import still
    /// applies its BackPak record, see `backpak`).
    pub action: Action,
    /// Why, for a skipped volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The volume file the import reads (none for a deletion).
    pub import_source: Option<String>,
    /// The DSM/TC status of its TAPEVOLUME, if it has one.
    pub catalog_status: Option<String>,
    /// Its first tape file's FILEID.
    pub fileid: Option<String>,
    /// Its first tape file's generation.
    pub generation: Option<u16>,
    /// Its unload time.
    pub unloaded: Option<Timestamp>,
    /// What the import does to its BackPak record: added, updated (applied), deleted, or
    /// nothing (null).
    pub backpak: Option<Action>,
    /// What the import does to its DSM/TC (NSK tape catalog) entries.
    pub dsmtc: Option<Action>,
    /// DISKFILE entries.
    pub diskfiles: DiskCounts,
    /// DSM/TC transactions (R18).
    pub transactions: u64,
    /// What the image check found (R23), when data paths were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::images::ImageState>,
}

/// One secondary group of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupPlan {
    /// The secondary group.
    pub group: String,
    /// The primary group it receives.
    pub primary_group: String,
    /// The primary group's catalog type.
    pub primary_catalog: Option<String>,
    /// The primary group's VOLCAT.
    pub primary_volcat: Option<String>,
    /// The primary group's pool.
    pub primary_pool: Option<String>,
    /// The secondary group's catalog type.
    pub secondary_catalog: String,
    /// The pool replicated entries go to.
    pub secondary_pool: Option<String>,
    /// The VOLCAT replicated entries go to (R8).
    pub volcat: Option<String>,
    /// The FILECAT replicated entries go to (R8).
    pub filecat: Option<String>,
    /// The media type replicated entries carry (R8).
    pub media: Option<String>,
    /// BackPak catalog changes.
    pub backpak: Counts,
    /// DSM/TC (NSK tape catalog) changes.
    pub dsmtc: Counts,
    /// DISKFILE entries.
    pub diskfiles: DiskCounts,
    /// DSM/TC transactions.
    pub transactions: u64,
    /// The newest volume the import applies, by unload time.
    pub newest_volume: Option<NewestVolume>,
}

/// The plan.
#[derive(Debug)]
pub struct Plan {
    /// FULL or UPDATE import.
    pub import_type: ExportType,
    /// The secondary data store.
    pub store: String,
    /// The primary data store (as the staging area names it).
    pub primary_store: String,
    /// The export id of the winning summary.
    pub export_id: String,
    /// Whether DISKFILEs are imported.
    pub catalogfiles: bool,
    /// Node replacement pairs, for the header.
    pub node_replacement: Vec<(String, String)>,
    /// The offset times are shown at: `[environment] utc_offset`, else the primary's.
    pub time_offset: TimeOffset,
    /// Volumes in the baseline (none without one).
    pub baseline_volumes: Option<u64>,
    /// Volumes the import deletes; `None` when unknown (a FULL import without a baseline).
    pub deletions: Option<u64>,
    /// The deletion limit applied.
    pub max_deletions: Option<u64>,
    /// Per secondary group.
    pub groups: Vec<GroupPlan>,
    /// Per volume, in label order; deletions included.
    pub volumes: Vec<VolumePlan>,
    /// The pre-import checks and the plan's own findings, in report order, counted.
    pub findings: crate::report::Findings,
    /// The staging area imported, as the user named it.
    pub source: String,
    /// The baseline, as the user named it.
    pub baseline: Option<String>,
    /// How many instances a repeated finding lists, for findings added later (images).
    pub examples: Examples,
    /// Which checks the plan rests on, and which had no input.
    pub coverage: crate::report::Coverage,
}

/// The UTC offset a plan shows its times at, and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeOffset {
    /// Minutes east of UTC.
    pub minutes: i16,
    /// True when `[environment] utc_offset` gave it; else it is the primary's (the offset
    /// of the export's creation time).
    pub configured: bool,
}

impl TimeOffset {
    /// `[environment] utc_offset` when configured, else the offset of the winning
    /// export's creation time (UTC without one).
    pub(super) fn of(config: &SecondaryConfig, winning: Option<&Summary>) -> Self {
        match config.environment.utc_offset {
            Some(minutes) => TimeOffset { minutes, configured: true },
            None => TimeOffset { minutes: winning.map_or(0, |w| w.export.created.offset_minutes()), configured: false },
        }
    }

    /// `t` at this offset.
    pub fn show(&self, t: Timestamp) -> Timestamp {
        Timestamp::from_instant(t.instant(), self.minutes).unwrap_or(t)
    }

    /// `+HH:MM` or `-HH:MM`.
    pub fn text(&self) -> String {
        let m = self.minutes.unsigned_abs();
        format!("{}{:02}:{:02}", if self.minutes < 0 { '-' } else { '+' }, m / 60, m % 60)
    }
}

/// What `plan` needs besides the staging area.
pub struct PlanRequest<'a> {
    /// The secondary configuration.
    pub config: &'a LoadedConfig,
    /// FULL or UPDATE import.
    pub import_type: ExportType,
    /// What the secondary imported last time, if anything.
    pub baseline: Option<&'a dyn Source>,
    /// `--catalogfiles`.
    pub catalogfiles: Option<bool>,
    /// `--max-deletions`; by default 10% of the baseline's volumes.
    pub max_deletions: Option<u64>,
    /// Other catalogs, as for validate.
    pub references: &'a [Reference],
    /// Findings about the reference inputs (bad lines of label lists).
    pub reference_diagnostics: Vec<Diagnostic>,
    /// How many instances a repeated finding lists.
    pub examples: Examples,
}
