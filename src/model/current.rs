//! The current set (formats/README.md §7): which summary wins and which entry counts for
//! each label. Pure: it looks at the two summaries only.

use super::{Entry, ExportType, Group, Label, Summary};
use std::collections::BTreeMap;

/// An entry of the current set and the summary it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WinningEntry {
    /// The entry.
    pub entry: Entry,
    /// `FULL` or `UPDATE`.
    pub from: ExportType,
}

/// The current set of a staging area.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurrentSet {
    /// True when `UPDATE` exists and builds on `FULL`.
    pub update_current: bool,
    /// True when `UPDATE` exists but builds on another FULL export.
    pub update_stale: bool,
    /// The winning summary's volume groups.
    pub groups: Vec<Group>,
    /// The winning entry of each label.
    pub entries: BTreeMap<Label, WinningEntry>,
}

impl CurrentSet {
    /// Derives the current set from `FULL` and `UPDATE`. Without `FULL` there is none.
    pub fn derive(full: Option<&Summary>, update: Option<&Summary>) -> Option<CurrentSet> {
        let full = full?;
        let current_update = update.filter(|u| u.export.base.as_deref() == Some(full.export.id.as_str()));
        let mut set = CurrentSet {
            update_current: current_update.is_some(),
            update_stale: update.is_some() && current_update.is_none(),
            groups: current_update.unwrap_or(full).groups.clone(),
            entries: BTreeMap::new(),
        };
        for e in &full.entries {
            set.entries.insert(e.label, WinningEntry { entry: e.clone(), from: ExportType::Full });
        }
        if let Some(u) = current_update {
            for e in &u.entries {
                set.entries.insert(e.label, WinningEntry { entry: e.clone(), from: ExportType::Update });
            }
        }
        Some(set)
    }

    /// The group `id` of the winning summary.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }
}
