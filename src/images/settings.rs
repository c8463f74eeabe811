//! The settings of an image check: data paths, layout, tolerance, the list of migrated
//! volumes. They come from the command line or from `[images]` in the secondary
//! configuration (formats/secondary-config.md); a flag overrides the key it stands for.

use super::layout::Layout;
pub use crate::config::{DEFAULT_TOLERANCE, ImagesConfig, MAX_TOLERANCE, Tolerance, duration, layout_names};
use std::path::{Path, PathBuf};

/// One data path: the directory, and how to name it in messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataPath {
    /// The directory.
    pub dir: PathBuf,
    /// As the user named it (a path from the configuration joined to its directory).
    pub shown: String,
}

/// What the command line says about images; `None` and empty lists leave the
/// configuration's value.
#[derive(Clone, Debug, Default)]
pub struct ImageFlags {
    /// `--path` (repeatable).
    pub paths: Vec<PathBuf>,
    /// `--layout`.
    pub layout: Option<String>,
    /// `--tolerance`.
    pub tolerance: Option<String>,
    /// `--migrated`.
    pub migrated: Option<PathBuf>,
}

/// The settings of one image check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageSettings {
    /// The data paths, in the order given.
    pub paths: Vec<DataPath>,
    /// The layout.
    pub layout: Layout,
    /// The tolerance.
    pub tolerance: Tolerance,
    /// The list of migrated volumes, if any.
    pub migrated: Option<DataPath>,
}

impl ImageFlags {
    /// True when no flag was given.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.layout.is_none() && self.tolerance.is_none() && self.migrated.is_none()
    }

    /// The settings: each flag, else the configuration's key (`config_file` names the
    /// configuration, for relative paths), else the default. `Ok(None)` when no data
    /// path is given anywhere.
    pub fn resolve(
        &self,
        config: Option<&ImagesConfig>,
        config_file: Option<&Path>,
    ) -> Result<Option<ImageSettings>, String> {
        let base = config_file.and_then(Path::parent).filter(|p| !p.as_os_str().is_empty());
        let from_config = |p: &str| -> DataPath {
            let dir = match base {
                Some(b) if Path::new(p).is_relative() => b.join(p),
                _ => PathBuf::from(p),
            };
            DataPath { shown: dir.display().to_string(), dir }
        };
        let from_flag = |p: &Path| DataPath { dir: p.to_path_buf(), shown: p.display().to_string() };
        let paths: Vec<DataPath> = if self.paths.is_empty() {
            config.map(|c| c.paths.iter().map(|p| from_config(p)).collect()).unwrap_or_default()
        } else {
            self.paths.iter().map(|p| from_flag(p)).collect()
        };
        let layout = match &self.layout {
            Some(name) => Layout::parse(name).ok_or_else(|| {
                format!("--layout {name:?}: there is no such layout; the layouts are {}", layout_names())
            })?,
            None => config.and_then(|c| c.layout).unwrap_or_default(),
        };
        let tolerance = match &self.tolerance {
            Some(t) => Tolerance::parse(t).map_err(|e| format!("--tolerance: {e}"))?,
            None => config.and_then(|c| c.tolerance).unwrap_or(DEFAULT_TOLERANCE),
        };
        let migrated = match &self.migrated {
            Some(p) => Some(from_flag(p)),
            None => config.and_then(|c| c.migrated.as_deref()).map(from_config),
        };
        if paths.is_empty() {
            return Ok(None);
        }
        Ok(Some(ImageSettings { paths, layout, tolerance, migrated }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Pos;

    #[test]
    fn tolerances_read_and_print_back() {
        for (text, secs, shown) in [
            ("10m", 600, "10m"),
            ("90s", 90, "1m30s"),
            ("1h30m", 5400, "1h30m"),
            ("0", 0, "0"),
            ("24h", 86400, "1d"),
            ("1d", 86400, "1d"),
        ] {
            let t = Tolerance::parse(text).unwrap();
            assert_eq!(t.seconds(), secs, "{text}");
            assert_eq!(t.to_string(), shown);
            assert_eq!(Tolerance::parse(shown), Ok(t));
        }
    }

    #[test]
    fn bad_tolerances_are_refused() {
        for text in ["", "10", "m", "10x", "1m1h", "10m10m", "-5m", "25h", "1h1s1m", "9999999s"] {
            assert!(Tolerance::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn flags_override_the_configuration() {
        let config = ImagesConfig {
            paths: vec!["vtl1".into(), "/abs/vtl2".into()],
            layout: Some(Layout::Backbox),
            tolerance: Some(Tolerance::from_seconds(60)),
            migrated: Some("migrated.txt".into()),
            pos: Pos::default(),
        };
        let none = ImageFlags::default();
        let s = none.resolve(Some(&config), Some(Path::new("/etc/cat/sec.toml"))).unwrap().unwrap();
        let shown: Vec<&str> = s.paths.iter().map(|p| p.shown.as_str()).collect();
        assert_eq!(shown, ["/etc/cat/vtl1", "/abs/vtl2"]);
        assert_eq!(s.tolerance, Tolerance::from_seconds(60));
        assert_eq!(s.migrated.unwrap().shown, "/etc/cat/migrated.txt");
        let flags = ImageFlags {
            paths: vec!["p".into()],
            tolerance: Some("0".into()),
            migrated: Some("m".into()),
            layout: Some("BACKBOX".into()),
        };
        let s = flags.resolve(Some(&config), Some(Path::new("sec.toml"))).unwrap().unwrap();
        assert_eq!(s.paths, vec![DataPath { dir: "p".into(), shown: "p".into() }]);
        assert_eq!(s.tolerance, Tolerance::from_seconds(0));
        assert_eq!(none.resolve(None, None), Ok(None));
        assert!(ImageFlags { layout: Some("vault".into()), ..flags }.resolve(None, None).is_err());
    }
}
