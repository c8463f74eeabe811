//! Configuration files: the secondary site's configuration (formats/secondary-config.md),
//! read with every problem reported at its line and column.

mod images;
mod secondary;
pub mod toml_walk;

pub use images::{
    DEFAULT_TOLERANCE, ImagesConfig, Layout, MAX_TOLERANCE, Tolerance, duration, layout_names, read_images_config,
};

pub use secondary::{
    Access, EnvironmentConfig, ImportConfig, LoadedConfig, LocalCatalog, NodeReplacement, SecondaryConfig,
    SecondaryGroup, StoreConfig, load_secondary, parse_secondary, validate_replacement,
};
pub use toml_walk::Pos;

use std::path::{Component, Path, PathBuf};

/// The configuration kept beside the staging area `area`: `AREA.toml` in its parent
/// directory, if there is one (`.` and `..` are resolved first: the area is the directory
/// they name). `validate --config-beside` checks each area with it; an `--against` area's
/// says where its replication sends its tape files.
pub fn beside(area: &Path) -> Option<PathBuf> {
    let resolved;
    let area = if area.components().next_back().is_some_and(|c| !matches!(c, Component::Normal(_))) {
        resolved = std::fs::canonicalize(area).ok()?;
        resolved.as_path()
    } else {
        area
    };
    let name = area.components().next_back().and_then(|c| match c {
        Component::Normal(n) => Some(n.to_os_string()),
        _ => None,
    })?;
    let mut file = name;
    file.push(".toml");
    let path = area.parent().unwrap_or(Path::new("")).join(file);
    path.is_file().then_some(path)
}

/// A configuration that cannot be used whole (it cannot be read, or has errors of its own:
/// TOML syntax, unknown keys, wrong types, CS315): the configuration's problem, not a
/// staging area's, so a command given it cannot run (exit status 2).
#[derive(Debug)]
pub struct Unusable {
    /// What to tell: the file, and that nothing was checked.
    pub message: String,
    /// The configuration's own findings.
    pub findings: Vec<crate::diag::Diagnostic>,
}

impl Unusable {
    /// The findings that say why, the configuration's first.
    pub fn diagnostics(&self) -> Vec<crate::diag::Diagnostic> {
        let mut all = self.findings.clone();
        all.push(crate::diag::Diagnostic::new(crate::diag::Code::CannotRun, None, self.message.clone()));
        all
    }
}

/// Reads the secondary configuration `path`, refusing one that cannot be used whole (see
/// [`Unusable`]); a repeated finding lists `examples`.
pub fn load_usable(path: &Path, examples: crate::diag::Examples) -> Result<LoadedConfig, Unusable> {
    use crate::diag::{Code, Diagnostic};
    let loaded = load_secondary(path, examples).map_err(|e| Unusable {
        message: format!("{}: the configuration cannot be read ({e}); nothing was checked", path.display()),
        findings: vec![Diagnostic::new(Code::ConfigError, Some(path.display().to_string()), e.to_string())],
    })?;
    let errors: Vec<Diagnostic> = loaded.diagnostics.iter().filter(|d| d.code == Code::ConfigError).cloned().collect();
    if errors.is_empty() {
        return Ok(loaded);
    }
    let n = crate::diag::tally(&errors).0;
    Err(Unusable {
        message: format!(
            "{}: the configuration cannot be used ({}); nothing was checked",
            path.display(),
            crate::report::plural(n, "error")
        ),
        findings: errors,
    })
}
