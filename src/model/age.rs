//! Where an export stands in time. Export ids are opaque and never compared as times
//! (formats/README.md §5); an area's export is placed by its `FULL` summary's id and
//! creation time, then by the current `UPDATE`'s, so that a replacement that would take
//! a site back to an older export can be told from one that moves it forward.

use super::{Summary, Timestamp};
use std::cmp::Ordering;

/// One export summary's identity: its id and when it ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportMark {
    /// The export id.
    pub id: String,
    /// Its creation time.
    pub created: Timestamp,
}

impl ExportMark {
    fn of(s: &Summary) -> Self {
        ExportMark { id: s.export.id.clone(), created: s.export.created }
    }
}

/// The export an area holds: its FULL, and the UPDATE that builds on it, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportAge {
    /// `FULL`'s identity.
    pub full: ExportMark,
    /// The current `UPDATE`'s identity (one whose base is `FULL`'s id).
    pub update: Option<ExportMark>,
}

/// Which way a change of export goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The same export.
    Same,
    /// To a newer export.
    Forward,
    /// To an older export: a roll-back.
    Backward,
    /// Two different exports created at the same instant: no order.
    Unknown,
}

impl Direction {
    /// The word reports use: `same`, `forward`, `backward`, `unknown`.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Same => "same",
            Direction::Forward => "forward",
            Direction::Backward => "backward",
            Direction::Unknown => "unknown",
        }
    }
}

impl ExportAge {
    /// The export of an area from its summaries; none without `FULL`. A stale `UPDATE`
    /// (built on another FULL) does not count.
    pub fn of(full: Option<&Summary>, update: Option<&Summary>) -> Option<Self> {
        let full = full?;
        let update = update.filter(|u| u.export.base.as_deref() == Some(full.export.id.as_str()));
        Some(ExportAge { full: ExportMark::of(full), update: update.map(ExportMark::of) })
    }

    /// Which way going from `self` to `to` goes: FULL exports ordered by creation time,
    /// then, under one FULL, no UPDATE before any, and UPDATEs by creation time.
    pub fn direction_to(&self, to: &ExportAge) -> Direction {
        if self.full.id != to.full.id {
            return by_time(&self.full, &to.full);
        }
        match (&self.update, &to.update) {
            (None, None) => Direction::Same,
            (None, Some(_)) => Direction::Forward,
            (Some(_), None) => Direction::Backward,
            (Some(a), Some(b)) if a.id == b.id => Direction::Same,
            (Some(a), Some(b)) => by_time(a, b),
        }
    }

    /// `FULL 2022-01-05_17:44:48 (created 2022-01-05T17:44:48-05:00)`, and the UPDATE.
    pub fn describe(&self) -> String {
        let mut s = format!("FULL {} (created {})", self.full.id, self.full.created);
        if let Some(u) = &self.update {
            s.push_str(&format!(" and UPDATE {} (created {})", u.id, u.created));
        }
        s
    }
}

fn by_time(from: &ExportMark, to: &ExportMark) -> Direction {
    match from.created.cmp_instant(&to.created) {
        Ordering::Less => Direction::Forward,
        Ordering::Greater => Direction::Backward,
        Ordering::Equal => Direction::Unknown,
    }
}
