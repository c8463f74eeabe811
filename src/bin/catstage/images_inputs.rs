//! The image check as `status`, `plan` and `generate` take it: their options, the settings
//! from the flags and the configuration, and the check itself; `catstage images` uses the
//! same pieces.

use crate::Failure;
use catstage::config::LoadedConfig;
use catstage::diag::Examples;
use catstage::diag::{Code, Diagnostic};
use catstage::disk::{Access, Area, Want};
use catstage::images::{ImageFlags, ImageSettings, ImagesReport, check_images};
use catstage::staging::Source;
use std::path::{Path, PathBuf};

/// The image options of `status` and `plan`.
#[derive(clap::Args, Debug, Default)]
pub struct ImageOptions {
    /// A data path holding the volumes' tape images: check them too (R23). Repeatable;
    /// replaces [images] paths of --config.
    #[arg(long = "image-path", value_name = "DIR")]
    pub image_paths: Vec<PathBuf>,
    /// The images' layout (default: [images] layout, else backbox).
    #[arg(long, value_name = "LAYOUT")]
    pub image_layout: Option<String>,
    /// How much older than a volume's last write its image may be (default: [images]
    /// tolerance, else 10m).
    #[arg(long, value_name = "DURATION")]
    pub image_tolerance: Option<String>,
    /// Labels of volumes migrated off-line: expected to be absent.
    #[arg(long, value_name = "FILE")]
    pub migrated: Option<PathBuf>,
}

impl ImageOptions {
    fn flags(&self) -> ImageFlags {
        ImageFlags {
            paths: self.image_paths.clone(),
            layout: self.image_layout.clone(),
            tolerance: self.image_tolerance.clone(),
            migrated: self.migrated.clone(),
        }
    }
}

/// Why the check did not run: findings, for the JSON document and the terminal.
pub struct Refusal(pub Vec<Diagnostic>);

impl From<Refusal> for Failure {
    fn from(r: Refusal) -> Self {
        let message = r.0.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join("; ");
        Failure::Diagnosed(message, r.0)
    }
}

pub fn refuse(code: Code, file: Option<String>, message: impl Into<String>) -> Refusal {
    Refusal(vec![Diagnostic::new(code, file, message)])
}

/// The settings from the flags and the configuration.
pub fn settings(
    flags: &ImageFlags,
    config: Option<&LoadedConfig>,
    file: Option<&Path>,
) -> Result<Option<ImageSettings>, Refusal> {
    let images = config.and_then(|c| c.config.images.as_ref());
    flags.resolve(images, file).map_err(|m| refuse(Code::ImagesNotChecked, None, m))
}

/// The image check for `status` and `plan`, when data paths are given (by flag or in
/// the configuration); a check that cannot run stops the command (exit status 2).
pub fn check_for(
    staging: &str,
    area: &dyn Source,
    options: &ImageOptions,
    config: Option<&LoadedConfig>,
    config_file: Option<&Path>,
    examples: Examples,
) -> Result<Option<ImagesReport>, Failure> {
    let flags = options.flags();
    let Some(settings) = settings(&flags, config, config_file).map_err(Failure::from)? else {
        if flags.is_empty() {
            return Ok(None);
        }
        return Err(Failure::msg(
            "--image-layout, --image-tolerance and --migrated need a data path: --image-path DIR",
        ));
    };
    let report =
        check_images(staging, area, &settings, examples).map_err(|e| Failure::from(Refusal(vec![e.diagnostic()])))?;
    Ok(Some(report))
}

/// `generate --images`: the image tree of the staging area just written.
pub fn write_tree(area: &Path, dir: &Path, paths: u32) -> Result<catstage::images::tree::ImageTree, Failure> {
    // The area was just written by this process: nobody else holds its lock.
    let src = Area::open(area, Access::Read(catstage::disk::Wait::No), Want::Area)?;
    catstage::images::tree::write_image_tree(&src, dir, paths).map_err(|e| Failure::msg(e.to_string()))
}

/// `status`: the configuration (for its [images] table) and the image check, if any.
pub fn images_for(
    staging: &Path,
    area: &dyn Source,
    options: &ImageOptions,
    config: Option<(&LoadedConfig, &Path)>,
    examples: Examples,
) -> Result<Option<ImagesReport>, Failure> {
    check_for(&staging.display().to_string(), area, options, config.map(|c| c.0), config.map(|c| c.1), examples)
}
