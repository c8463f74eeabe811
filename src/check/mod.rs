//! Checks across files. Each family owns its code range and pushes findings into a sink;
//! none does I/O.
//!
//! | family | codes |
//! |---|---|
//! | [`structure`] | CS020–CS030: the current set against the volume files |
//! | [`unique`] | CS202–CS204, CS206: labels, tape files and FILEIDs unique across catalogs (R1, R3) |
//! | [`import`] | CS301–CS317, CS319, CS320: the secondary's configuration against the staging area (R2–R14, R22) |
//! | [`baseline_newer`] | CS322: the staging area against what the secondary imported last |

pub mod import;
pub mod structure;
pub mod unique;

use crate::config::SecondaryConfig;
use crate::diag::{Code, Diagnostic};
use crate::model::{CurrentSet, Direction, ExportAge, ExportType, Label, Summary};
use crate::staging::{AreaRead, Reference, VolumeFacts};
use std::collections::BTreeMap;

/// Everything the import checks look at.
pub struct ImportContext<'a> {
    /// What was read from the staging area.
    pub read: &'a AreaRead,
    /// Its current set.
    pub set: &'a CurrentSet,
    /// `FULL`.
    pub full: &'a Summary,
    /// The configuration, if given.
    pub config: Option<&'a SecondaryConfig>,
    /// Whether DISKFILEs are imported (the configuration, or `--catalogfiles`).
    pub catalogfiles: bool,
    /// True when `--catalogfiles` was given on the command line.
    pub catalogfiles_given: bool,
    /// The import that would run: FULL or UPDATE.
    pub import_type: ExportType,
    /// Other catalogs: `--against` areas and `--labels` lists.
    pub references: &'a [Reference],
}

impl ImportContext<'_> {
    /// The facts of each volume of the current set whose file could be read.
    pub fn volumes(&self) -> BTreeMap<Label, &VolumeFacts> {
        self.read
            .volumes
            .iter()
            .filter(|v| self.set.entries.contains_key(&v.label) && v.head.is_some())
            .map(|v| (v.label, v))
            .collect()
    }
}

/// CS322: the baseline (what the secondary imported last) holds a newer export than the
/// staging area, so importing the area would take the secondary back in time. Nothing
/// when either export is unknown (their own findings say why).
pub fn baseline_newer(area: Option<&ExportAge>, baseline: Option<&ExportAge>) -> Option<Diagnostic> {
    let (area, baseline) = (area?, baseline?);
    (baseline.direction_to(area) == Direction::Backward).then(|| {
        Diagnostic::new(
            Code::BaselineNewer,
            None,
            format!(
                "the baseline holds {}, newer than this staging area's {}; importing it would go back in time",
                baseline.describe(),
                area.describe()
            ),
        )
    })
}
