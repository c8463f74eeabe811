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
