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
