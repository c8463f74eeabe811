//! What `status` shows of an image check (R23): whether the images of the newest volumes
//! are there. Per primary group, the most recently written volume must be fully
//! replicated before a role switch. One call made after the status is read, so that the
//! status does not depend on how the check runs.

use super::Status;
use crate::images::ImagesReport;
use crate::images::check::ImageState;
use crate::model::{Label, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

/// The newest volume of a primary group by `written` time, and its image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewestWritten {
    /// The primary group.
    pub group: String,
    /// The volume.
    pub label: Label,
    /// When it was last written.
    pub written: Timestamp,
    /// What the check found.
    pub image: ImageState,
}

/// The image figures of `status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusImages {
    /// The data paths.
    pub paths: Vec<String>,
    /// The layout.
    pub layout: &'static str,
    /// The tolerance.
    pub tolerance_seconds: u32,
    /// Volumes holding data.
    pub with_data: u64,
    /// Of them, with their image present.
    pub present: u64,
    /// Missing images.
    pub missing: u64,
    /// Stale images.
    pub stale: u64,
    /// Empty data files.
    pub empty: u64,
    /// Listed as migrated.
    pub migrated: u64,
    /// Per primary group (by id), its most recently written volume.
    pub newest_written: Vec<NewestWritten>,
    /// True when the image of every such volume is fresh; null when no volume carries
    /// a `written` time.
    pub replicated: Option<bool>,
}

/// The figures for `status`.
pub fn status_images(r: &ImagesReport) -> StatusImages {
    let f = &r.findings;
    let mut newest: BTreeMap<&str, (Timestamp, Label, ImageState)> = BTreeMap::new();
    for v in &f.volumes {
        let (Some(w), Some(g)) = (v.written, r.groups.get(v.group as usize)) else { continue };
        let newer = newest.get(g.as_str()).is_none_or(|(t, l, _)| w.cmp_instant(t).then(v.label.cmp(l)).is_gt());
        if newer {
            newest.insert(g, (w, v.label, v.state));
        }
    }
    let newest_written: Vec<NewestWritten> = newest
        .into_iter()
        .map(|(g, (written, label, image))| NewestWritten { group: g.to_string(), label, written, image })
        .collect();
    let replicated = (!newest_written.is_empty()).then(|| newest_written.iter().all(|n| n.image == ImageState::Fresh));
    StatusImages {
        paths: r.settings.paths.iter().map(|p| p.shown.clone()).collect(),
        layout: r.settings.layout.name(),
        tolerance_seconds: r.settings.tolerance.seconds(),
        with_data: f.with_data,
        present: f.present,
        missing: f.missing.len() as u64,
        stale: f.stale.len() as u64,
        empty: f.empty.len() as u64,
        migrated: f.migrated.len() as u64,
        newest_written,
        replicated,
    }
}

impl Status {
    /// Adds the image check: its figures and its findings (the staging area's own findings
    /// are already there, from validation).
    pub fn add_images(&mut self, r: &ImagesReport) {
        self.images = Some(status_images(r));
        self.add_findings(r.image_findings.diagnostics().to_vec());
    }
}

/// The rows `status` shows of an image check.
pub fn status_rows(i: &StatusImages) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        (
            "Image data paths",
            format!(
                "{} (layout {}, tolerance {})",
                i.paths.join(", "),
                i.layout,
                crate::images::Tolerance::from_seconds(i.tolerance_seconds)
            ),
        ),
        (
            "Images present",
            format!(
                "{} of {} volumes holding data ({} missing, {} stale, {} empty, {} migrated)",
                i.present, i.with_data, i.missing, i.stale, i.empty, i.migrated
            ),
        ),
    ];
    for n in &i.newest_written {
        rows.push((
            "Newest written",
            format!("{} in {}, written {}: image {}", n.label, n.group, n.written, n.image.as_str()),
        ));
    }
    // What the check shows is presence and time, not content: an image is "fresh" when
    // both its files are there and not older than the volume's last write. Whether it was
    // copied whole is not known (the manuals do not relate image size to the catalog).
    let verdict = match i.replicated {
        Some(true) => {
            "present and fresh for the newest volume of every group (times and presence only: whether each \
             image was copied whole is not checked)"
        }
        Some(false) => "no: replicate the images of the newest volumes before a role switch",
        None => "unknown: no volume carries a last-write time",
    };
    rows.push(("Images replicated", verdict.to_string()));
    rows
}
