//! What `plan` shows of an image check (R23): each volume the import catalogs whose image
//! is missing, stale or empty is a warning — catalogued, but a restore from it would fail.
//! One call made after the plan is made, so that the plan does not depend on how the
//! check runs.

use super::{Action, Plan};
use crate::diag::{Code, Diagnostic, Severity};
use crate::images::ImagesReport;
use crate::images::check::ImageState;

impl Plan {
    /// Marks every volume of a plan with its image, and warns about each volume the import
    /// catalogs whose restore would fail.
    pub fn mark_images(&mut self, r: &ImagesReport) {
        let p = self;
        p.coverage.ran("images (R23)");
        let mut warnings = Vec::new();
        for v in p.volumes.iter_mut().filter(|v| v.action != Action::Delete) {
            let Some(image) = r.volume(&v.label) else { continue };
            v.image = Some(image.state);
            if v.action == Action::Skip || !image.state.restore_fails() {
                continue;
            }
            let (code, what) = match image.state {
                ImageState::Missing => (Code::MissingImage, "its image is missing from the data paths"),
                ImageState::Stale => (Code::StaleImage, "its image is older than its last write"),
                _ => (Code::EmptyImage, "its image's data file is empty"),
            };
            let verb = if v.action == Action::Unchanged { "stays catalogued" } else { "is catalogued by this import" };
            warnings.push(
                Diagnostic::new(
                    code,
                    Some(v.label.file_name()),
                    format!("{} {verb}, but a restore from it would fail: {what}", v.label),
                )
                .with_severity(Severity::Warning)
                .with_hint("replicate the image before importing (`catstage images` says what is wrong), or import after it arrives"),
            );
        }
        p.findings.extend(crate::check::structure::rollup(warnings, p.examples));
        p.findings.sort();
    }
}
