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

/// The one rule of which UPDATE counts (formats/README.md §7 item 2): an UPDATE whose
/// `base` is FULL's export id is current; any other is stale.
pub fn builds_on(update_base: Option<&str>, full_id: &str) -> bool {
    update_base == Some(full_id)
}

/// The current-set rule (formats/README.md §7 item 4) over any kind of entry: FULL's
/// entries by label, each replaced by a current UPDATE's entry of the same label, plus
/// the UPDATE's other entries. `update` is given only when it is current
/// ([`builds_on`]). Every reader that needs the current set, whatever it keeps of an
/// entry, derives it here.
pub fn overlay<E>(
    full: impl IntoIterator<Item = (Label, E)>,
    update: Option<impl IntoIterator<Item = (Label, E)>>,
) -> BTreeMap<Label, E> {
    let mut set: BTreeMap<Label, E> = full.into_iter().collect();
    set.extend(update.into_iter().flatten());
    set
}

impl CurrentSet {
    /// Derives the current set from `FULL` and `UPDATE`. Without `FULL` there is none.
    pub fn derive(full: Option<&Summary>, update: Option<&Summary>) -> Option<CurrentSet> {
        let full = full?;
        let current_update = update.filter(|u| builds_on(u.export.base.as_deref(), &full.export.id));
        let mut set = CurrentSet {
            update_current: current_update.is_some(),
            update_stale: update.is_some() && current_update.is_none(),
            groups: current_update.unwrap_or(full).groups.clone(),
            entries: BTreeMap::new(),
        };
        let winning = |from: ExportType| move |e: &Entry| (e.label, WinningEntry { entry: e.clone(), from });
        set.entries = overlay(
            full.entries.iter().map(winning(ExportType::Full)),
            current_update.map(|u| u.entries.iter().map(winning(ExportType::Update))),
        );
        Some(set)
    }

    /// The group `id` of the winning summary.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }
}
