//! The settings of an image check: data paths, layout, tolerance, the list of migrated
//! volumes. They come from the command line or from `[images]` in the secondary
//! configuration (formats/secondary-config.md); a flag overrides the key it stands for.

use super::layout::Layout;
use crate::config::Pos;
use crate::config::toml_walk::{self, Doc, Table};
use std::path::{Path, PathBuf};

/// How far an image's modification time may lag behind the volume's `written` time
/// before it is stale, in seconds: clocks differ between the sites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tolerance(u32);

/// The default tolerance: 10 minutes.
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance(600);
/// The largest tolerance: a day. More would hide a day of backups that never arrived.
pub const MAX_TOLERANCE: u32 = 86_400;

impl Tolerance {
    /// Parses `90s`, `10m`, `1h30m`, `1d`, `0`: groups of digits each followed by `d`,
    /// `h`, `m` or `s`, largest unit first.
    pub fn parse(text: &str) -> Result<Tolerance, String> {
        let bad = || {
            format!("{text:?} is not a duration: write it in days, hours, minutes and seconds, e.g. 10m, 90s or 1h30m")
        };
        let t = text.trim();
        if t == "0" {
            return Ok(Tolerance(0));
        }
        let mut total: u64 = 0;
        let mut digits = String::new();
        let mut last_unit = u64::MAX;
        for c in t.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let unit = match c {
                'd' => 86_400,
                'h' => 3600,
                'm' => 60,
                's' => 1,
                _ => return Err(bad()),
            };
            // Each unit once, largest first.
            if digits.is_empty() || digits.len() > 6 || unit >= last_unit {
                return Err(bad());
            }
            last_unit = unit;
            total += digits.parse::<u64>().map_err(|_| bad())? * unit;
            digits.clear();
        }
        if !digits.is_empty() || last_unit == u64::MAX {
            return Err(bad());
        }
        if total > u64::from(MAX_TOLERANCE) {
            return Err(format!(
                "{text:?} is more than a day: so wide a tolerance would hide a day of backups whose images never arrived"
            ));
        }
        Ok(Tolerance(total as u32))
    }

    /// The tolerance in seconds.
    pub fn seconds(self) -> u32 {
        self.0
    }

    /// A tolerance of `seconds`, at most [`MAX_TOLERANCE`].
    pub fn from_seconds(seconds: u32) -> Tolerance {
        Tolerance(seconds.min(MAX_TOLERANCE))
    }
}

impl std::fmt::Display for Tolerance {
    /// The shortest spelling [`Tolerance::parse`] reads back: `10m`, `1h30m`, `0`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&duration(u64::from(self.0)))
    }
}

/// A number of seconds as days, hours, minutes and seconds: `2d1h2m3s`, `10m`, `0`.
pub fn duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0".into();
    }
    let mut out = String::new();
    let parts = [(seconds / 86_400, 'd'), (seconds / 3600 % 24, 'h'), (seconds / 60 % 60, 'm'), (seconds % 60, 's')];
    for (n, unit) in parts {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

/// `[images]` of the secondary configuration, as far as it could be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImagesConfig {
    /// `paths`, as written (relative paths are relative to the configuration's directory).
    pub paths: Vec<String>,
    /// `layout`.
    pub layout: Option<Layout>,
    /// `tolerance`.
    pub tolerance: Option<Tolerance>,
    /// `migrated`: a label list of the volumes migrated off-line.
    pub migrated: Option<String>,
    /// Where the table is.
    pub pos: Pos,
}

/// Reads `[images]`; problems are reported into `doc` (CS315).
pub fn read_images_config(doc: &mut Doc<'_>, mut t: Table<'_, '_>) -> ImagesConfig {
    let mut c = ImagesConfig { pos: doc.pos(t.span.start), ..Default::default() };
    if let Some(v) = t.get("paths") {
        for (p, span) in toml_walk::strings(doc, "paths", v) {
            if p.is_empty() {
                doc.error(span, "`paths`: an empty string is not a directory");
            } else {
                c.paths.push(p);
            }
        }
    }
    if let Some(v) = t.get("layout")
        && let Some(s) = toml_walk::string(doc, "layout", v)
    {
        c.layout = Layout::parse(&s);
        if c.layout.is_none() {
            doc.error(v.span(), format!("`layout`: there is no layout {s:?}; the layouts are {}", layout_names()));
        }
    }
    if let Some(v) = t.get("tolerance")
        && let Some(s) = toml_walk::string(doc, "tolerance", v)
    {
        match Tolerance::parse(&s) {
            Ok(tol) => c.tolerance = Some(tol),
            Err(e) => doc.error(v.span(), format!("`tolerance`: {e}")),
        }
    }
    if let Some(v) = t.get("migrated") {
        c.migrated = toml_walk::string(doc, "migrated", v);
    }
    t.finish(doc);
    c
}

/// The layouts' names, for messages.
pub fn layout_names() -> String {
    Layout::ALL.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")
}

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
            tolerance: Some(Tolerance(60)),
            migrated: Some("migrated.txt".into()),
            pos: Pos::default(),
        };
        let none = ImageFlags::default();
        let s = none.resolve(Some(&config), Some(Path::new("/etc/cat/sec.toml"))).unwrap().unwrap();
        let shown: Vec<&str> = s.paths.iter().map(|p| p.shown.as_str()).collect();
        assert_eq!(shown, ["/etc/cat/vtl1", "/abs/vtl2"]);
        assert_eq!(s.tolerance, Tolerance(60));
        assert_eq!(s.migrated.unwrap().shown, "/etc/cat/migrated.txt");
        let flags = ImageFlags {
            paths: vec!["p".into()],
            tolerance: Some("0".into()),
            migrated: Some("m".into()),
            layout: Some("BACKBOX".into()),
        };
        let s = flags.resolve(Some(&config), Some(Path::new("sec.toml"))).unwrap().unwrap();
        assert_eq!(s.paths, vec![DataPath { dir: "p".into(), shown: "p".into() }]);
        assert_eq!(s.tolerance, Tolerance(0));
        assert_eq!(none.resolve(None, None), Ok(None));
        assert!(ImageFlags { layout: Some("vault".into()), ..flags }.resolve(None, None).is_err());
    }
}
