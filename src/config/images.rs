//! `[images]` of the secondary configuration (formats/secondary-config.md), read into
//! plain data: the data paths as written, the layout by name, the tolerance. The image
//! check (`crate::images`) resolves them with its flags; it adds the layouts' file names
//! to [`Layout`].

use super::Pos;
use super::toml_walk::{self, Doc, Table};

/// A named image layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layout {
    /// BackBox WINDISK data stores: `LB<label>.IND` and `LB<label>.DAT`, with `NL` in
    /// place of `LB` for non-labelled volumes, directly inside each data path.
    #[default]
    Backbox,
}

impl Layout {
    /// Every layout.
    pub const ALL: &'static [Layout] = &[Layout::Backbox];

    /// The layout's name, as `--layout` and `[images] layout` take it.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Backbox => "backbox",
        }
    }

    /// The layout named `name` (any case).
    pub fn parse(name: &str) -> Option<Layout> {
        Layout::ALL.iter().copied().find(|l| l.name().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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
