//! Configuration files: the secondary site's configuration (formats/secondary-config.md),
//! read with every problem reported at its line and column.

mod secondary;
pub mod toml_walk;

pub use secondary::{
    Access, EnvironmentConfig, ImportConfig, LoadedConfig, LocalCatalog, NodeReplacement, SecondaryConfig,
    SecondaryGroup, StoreConfig, load_secondary, parse_secondary, validate_replacement,
};
pub use toml_walk::Pos;
