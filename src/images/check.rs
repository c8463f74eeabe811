//! The rules of the image check (formats/images.md §3): each volume of the current set
//! against the image files the data paths hold. Pure: no I/O.

use super::catalog::{Catalog, CatalogVolume};
use super::layout::{ImageName, Part, Prefix};
use super::scan::{FileKind, ImageFile, Mtime};
use super::settings::{ImageSettings, duration};
use crate::check::structure::ROLLUP_ABOVE;
use crate::diag::{Code, Diagnostic, Examples};
use crate::model::{Label, Timestamp, VolumeStatus};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What the check found for one volume.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageState {
    /// Holds data; its image is there, whole, and not older than its last write.
    Fresh,
    /// Holds data; its image is not on any data path (or only part of it).
    Missing,
    /// Holds data; its image is older than its last write.
    Stale,
    /// Holds data; its image's data file is empty.
    Empty,
    /// Holds data; its image is absent, and listed as migrated off-line.
    Migrated,
    /// Holds data; its image is there, but its age could not be checked.
    Unchecked,
    /// A scratch volume: it needs no image.
    Scratch,
}

impl ImageState {
    /// The lower-case word used in text and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageState::Fresh => "fresh",
            ImageState::Missing => "missing",
            ImageState::Stale => "stale",
            ImageState::Empty => "empty",
            ImageState::Migrated => "migrated",
            ImageState::Unchecked => "unchecked",
            ImageState::Scratch => "scratch",
        }
    }

    /// True when a restore from this volume would fail: its image is missing, stale or
    /// empty.
    pub fn restore_fails(self) -> bool {
        matches!(self, ImageState::Missing | ImageState::Stale | ImageState::Empty)
    }
}

/// One volume's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolumeImage {
    /// The label.
    pub label: Label,
    /// Its primary group (an index into the report's groups).
    pub group: u32,
    /// When it was last written, if known.
    pub written: Option<Timestamp>,
    /// The outcome.
    pub state: ImageState,
}

/// Everything the rules found, before the report is assembled.
#[derive(Debug, Default)]
pub struct Findings {
    /// Volumes holding data.
    pub with_data: u64,
    /// Of them, those whose image is present (whole, whatever its age).
    pub present: u64,
    /// Scratch volumes.
    pub scratch: u64,
    /// Scratch volumes with images.
    pub scratch_with_images: u64,
    /// Labels by outcome.
    pub missing: Vec<Label>,
    /// Stale images.
    pub stale: Vec<Label>,
    /// Empty data files.
    pub empty: Vec<Label>,
    /// Present, age not checked.
    pub unchecked: Vec<Label>,
    /// Absent and listed as migrated.
    pub migrated: Vec<Label>,
    /// On more than one data path.
    pub duplicates: Vec<Label>,
    /// Image files of no volume of the current set (data path / name).
    pub orphans: Vec<String>,
    /// Image-named entries that are not regular files (data path / name).
    pub not_regular: Vec<String>,
    /// Per volume, by label.
    pub volumes: Vec<VolumeImage>,
    /// The findings.
    pub sink: Sink,
}

/// The findings as the rules make them. Beyond [`ROLLUP_ABOVE`] findings of one code,
/// only a count is kept (unless every finding is wanted), so that a data path missing a
/// hundred thousand images gives a short report in bounded memory; [`Sink::finish`] rolls
/// them up as every other command does.
#[derive(Debug, Default)]
pub struct Sink {
    examples: Examples,
    by_code: BTreeMap<Code, Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    items: Vec<Diagnostic>,
    count: u64,
    files: u64,
    last_file: Option<String>,
}

impl Sink {
    /// A sink that keeps every finding (`--all`: `Examples::ALL`), or rolls up repeats,
    /// each naming `examples` files.
    pub fn new(examples: Examples) -> Sink {
        Sink { examples, by_code: BTreeMap::new() }
    }

    fn all(&self) -> bool {
        self.examples == Examples::ALL
    }

    /// Records a finding.
    pub fn push(&mut self, d: Diagnostic) {
        let all = self.all();
        let k = self.by_code.entry(d.code).or_default();
        k.count += 1;
        if d.file != k.last_file {
            k.files += 1;
            k.last_file.clone_from(&d.file);
        }
        if all || k.items.len() <= ROLLUP_ABOVE {
            k.items.push(d);
        }
    }

    /// The findings by code, each code's in the order found; more than [`ROLLUP_ABOVE`]
    /// of one code become one finding with the count and the first files as examples.
    pub fn finish(self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let all = self.all();
        for (code, k) in self.by_code {
            if all || k.count <= ROLLUP_ABOVE as u64 {
                out.extend(k.items);
                continue;
            }
            let Some(first) = k.items.first() else { continue };
            let mut files: Vec<String> = k.items.iter().filter_map(|d| d.file.clone()).collect();
            files.dedup();
            let files = self.examples.take(files);
            let message = format!(
                "{} {} findings in {}; the first: {}",
                k.count,
                code.name(),
                plural(k.files, "file"),
                first.message
            );
            out.push(
                Diagnostic::new(code, None, message)
                    .with_count(k.count, files)
                    .with_hint(first.hint.clone())
                    .with_severity(first.severity),
            );
        }
        out
    }
}

/// True when a volume holds data and so needs an image (rule 1): any volume that is not
/// SCRATCH for BackPak and for DSM/TC, or that has tape files. A volume whose record
/// cannot be read is taken to hold data.
pub fn holds_data(v: &CatalogVolume) -> bool {
    match &v.head {
        Err(_) => true,
        Ok(h) => {
            v.tapefiles > 0
                || h.status != VolumeStatus::Scratch
                || h.tape_status.is_some_and(|s| s != crate::model::TapeVolumeStatus::Scratch)
        }
    }
}

/// One copy of an image: the files of one volume on one data path under one prefix.
struct Copy<'a> {
    path: u16,
    prefix: Prefix,
    index: Option<&'a ImageFile>,
    data: Option<&'a ImageFile>,
    /// A second file for a part, spelt in another case.
    case_twin: Option<(&'a ImageFile, &'a ImageFile)>,
}

impl Copy<'_> {
    fn whole(&self) -> bool {
        self.index.is_some() && self.data.is_some()
    }
    fn newest(&self) -> Mtime {
        self.index
            .iter()
            .chain(self.data.iter())
            .map(|f| f.modified)
            .max()
            .unwrap_or(Mtime { secs: i64::MIN, nanos: 0 })
    }
}

/// The regular files of one volume, as copies in data path order.
fn copies<'a>(files: &[&'a ImageFile]) -> Vec<Copy<'a>> {
    let mut out: Vec<Copy<'a>> = Vec::new();
    for &f in files {
        let i = match out.iter().position(|c| c.path == f.path && c.prefix == f.image.prefix) {
            Some(i) => i,
            None => {
                out.push(Copy { path: f.path, prefix: f.image.prefix, index: None, data: None, case_twin: None });
                out.len() - 1
            }
        };
        let c = &mut out[i];
        let slot = match f.image.part {
            Part::Index => &mut c.index,
            Part::Data => &mut c.data,
        };
        match slot {
            Some(first) => c.case_twin = c.case_twin.or(Some((*first, f))),
            None => *slot = Some(f),
        }
    }
    out
}

/// Applies the rules to every volume of `catalog`. `files` are sorted by label.
pub struct Rules<'a> {
    /// The settings.
    pub settings: &'a ImageSettings,
    /// Labels listed as migrated.
    pub migrated: &'a BTreeSet<Label>,
    /// How many files a rolled-up finding names; `Examples::ALL` lists every finding
    /// rather than roll repeats up.
    pub examples: Examples,
}

impl Rules<'_> {
    fn shown(&self, path: u16) -> &str {
        self.settings.paths.get(usize::from(path)).map_or("?", |p| p.shown.as_str())
    }

    /// `DATAPATH/NAME` of a file.
    fn where_is(&self, f: &ImageFile) -> String {
        let dir = self.shown(f.path);
        let name = f.name(self.settings.layout);
        if dir.ends_with('/') { format!("{dir}{name}") } else { format!("{dir}/{name}") }
    }

    fn all_paths(&self) -> String {
        self.settings.paths.iter().map(|p| p.shown.as_str()).collect::<Vec<_>>().join(", ")
    }

    fn name(&self, label: Label, prefix: Prefix, part: Part) -> String {
        self.settings.layout.file_name(ImageName { label, prefix, part })
    }

    /// Runs the rules.
    pub fn run(&self, catalog: &Catalog, files: &[ImageFile]) -> Findings {
        let mut out = Findings { sink: Sink::new(self.examples), ..Findings::default() };
        let mut rest = files;
        for v in &catalog.volumes {
            // Files of labels before this one belong to no volume of the current set.
            let skip = rest.partition_point(|f| f.image.label < v.label);
            self.orphans(&rest[..skip], &mut out);
            rest = &rest[skip..];
            let n = rest.partition_point(|f| f.image.label == v.label);
            self.volume(v, &rest[..n], &mut out);
            rest = &rest[n..];
        }
        if catalog.has_current_set {
            self.orphans(rest, &mut out);
        }
        out
    }

    fn orphans(&self, files: &[ImageFile], out: &mut Findings) {
        for f in files {
            let at = self.where_is(f);
            let what = match f.kind {
                FileKind::Regular => String::new(),
                k => format!(" (it is {})", k.describe()),
            };
            out.sink.push(Diagnostic::new(
                Code::OrphanImage,
                Some(at.clone()),
                format!(
                    "{at} is an image of {}, a volume in no entry of the current set{what}: a volume deleted on the \
                     primary whose image is still replicated, or a catalog entry that never arrived",
                    f.image.label
                ),
            ));
            out.orphans.push(at);
        }
    }

    fn volume(&self, v: &CatalogVolume, files: &[ImageFile], out: &mut Findings) {
        let file = Some(v.label.file_name());
        let written = v.head.as_ref().ok().and_then(|h| h.written);
        let offset = written.map_or(0, |w| w.offset_minutes());
        let irregular = self.not_regular(files, out);
        let regular: Vec<&ImageFile> = files.iter().filter(|f| f.kind == FileKind::Regular).collect();
        let copies = copies(&regular);
        self.duplicates(v, &copies, offset, out);
        let chosen =
            copies.iter().filter(|c| c.whole()).max_by(|a, b| a.newest().cmp(&b.newest()).then(b.path.cmp(&a.path)));
        let state;
        if !holds_data(v) {
            out.scratch += 1;
            if !copies.is_empty() {
                out.scratch_with_images += 1;
            }
            state = ImageState::Scratch;
        } else {
            out.with_data += 1;
            match chosen {
                None if self.migrated.contains(&v.label) => {
                    out.migrated.push(v.label);
                    state = ImageState::Migrated;
                }
                None => {
                    let message = self.missing_message(v, &copies, &irregular);
                    out.sink.push(Diagnostic::new(Code::MissingImage, file.clone(), message));
                    out.missing.push(v.label);
                    state = ImageState::Missing;
                }
                Some(c) => state = self.present(v, c, out),
            }
        }
        if let Err(why) = &v.head {
            out.sink.push(Diagnostic::new(
                Code::VolumeRecordUnreadable,
                file,
                format!(
                    "the volume record of {} cannot be read ({why}): whether it holds data and when it was last \
                     written are unknown, so it is taken to hold data and its image's age is not checked",
                    v.label
                ),
            ));
        }
        out.volumes.push(VolumeImage { label: v.label, group: v.group, written, state });
    }

    /// A volume holding data whose image `c` was found: fresh, or empty (CS603), stale
    /// (CS604), or of unknown age (CS608).
    fn present(&self, v: &CatalogVolume, c: &Copy<'_>, out: &mut Findings) -> ImageState {
        let file = Some(v.label.file_name());
        let written = v.head.as_ref().ok().and_then(|h| h.written);
        out.present += 1;
        let mut state = ImageState::Fresh;
        if let (Some(dat), Ok(h)) = (c.data, &v.head)
            && dat.size == 0
            && (v.tapefiles > 0 || h.size > 0)
        {
            let at = self.where_is(dat);
            out.sink.push(Diagnostic::new(
                Code::EmptyImage,
                Some(at.clone()),
                format!(
                    "{at} is empty, but {} holds {} ({} bytes of data on the volume)",
                    v.label,
                    plural(v.tapefiles, "tape file"),
                    h.size
                ),
            ));
            out.empty.push(v.label);
            state = ImageState::Empty;
        }
        match written {
            Some(w) => {
                if self.stale(v, c, w, out) && state == ImageState::Fresh {
                    state = ImageState::Stale;
                }
            }
            None => {
                if v.head.is_ok() {
                    out.sink.push(Diagnostic::new(
                        Code::ImageAgeUnknown,
                        file.clone(),
                        format!(
                            "{} holds data but its volume record has no written time: the age of its image \
                                 cannot be checked",
                            v.label
                        ),
                    ));
                }
                out.unchecked.push(v.label);
                if state == ImageState::Fresh {
                    state = ImageState::Unchecked;
                }
            }
        }
        state
    }

    /// CS602 for each of a volume's image files that is not a regular file; what each is.
    fn not_regular(&self, files: &[ImageFile], out: &mut Findings) -> Vec<String> {
        let mut irregular = Vec::new();
        for f in files.iter().filter(|f| f.kind != FileKind::Regular) {
            let what = f.kind.describe();
            let at = self.where_is(f);
            out.sink.push(Diagnostic::new(
                Code::NotARegularImage,
                Some(at.clone()),
                format!(
                    "{at} is {what}, not a regular file: an image is two regular files (catstage does not follow it)"
                ),
            ));
            irregular.push(format!("{at} is {what}"));
            out.not_regular.push(at);
        }
        irregular
    }

    fn missing_message(&self, v: &CatalogVolume, copies: &[Copy<'_>], irregular: &[String]) -> String {
        let why = match &v.head {
            Err(_) => "its volume record cannot be read, so it is taken to hold data".to_string(),
            Ok(h) => {
                let tape = h.tape_status.map(|s| format!(", TAPEVOLUME {s}")).unwrap_or_default();
                format!("{}{tape}, {}", h.status, plural(v.tapefiles, "tape file"))
            }
        };
        let label = v.label;
        let mut message = if copies.is_empty() {
            format!(
                "{label} holds data ({why}) but has no image: {} and {} are in none of the data paths searched ({})",
                self.name(label, Prefix::Labelled, Part::Index),
                self.name(label, Prefix::Labelled, Part::Data),
                self.all_paths()
            )
        } else {
            let parts: Vec<String> = copies
                .iter()
                .map(|c| {
                    let (has, lacks) = match (c.index, c.data) {
                        (Some(f), None) => (f, Part::Data),
                        (None, Some(f)) => (f, Part::Index),
                        // A whole copy would have been chosen.
                        _ => return String::new(),
                    };
                    format!(
                        "{} has {} but not {}",
                        self.shown(c.path),
                        has.name(self.settings.layout),
                        self.name(label, c.prefix, lacks)
                    )
                })
                .collect();
            format!(
                "{label} holds data ({why}) but its image is incomplete: {} (data paths searched: {})",
                parts.join("; "),
                self.all_paths()
            )
        };
        if !irregular.is_empty() {
            message.push_str(&format!("; {} (CS602)", irregular.join(", ")));
        }
        message
    }

    /// Rule 3: true when the chosen copy is stale (one finding, about its oldest file).
    fn stale(&self, v: &CatalogVolume, c: &Copy<'_>, written: Timestamp, out: &mut Findings) -> bool {
        let threshold = written.instant() - i64::from(self.settings.tolerance.seconds());
        let Some(oldest) = c.index.iter().chain(c.data.iter()).min_by_key(|f| f.modified).copied() else {
            return false;
        };
        if oldest.modified.secs >= threshold {
            return false;
        }
        let at = self.where_is(oldest);
        let behind = u64::try_from(written.instant() - oldest.modified.secs).unwrap_or(0);
        out.sink.push(Diagnostic::new(
            Code::StaleImage,
            Some(at.clone()),
            format!(
                "{at} was modified at {}, {} before {} was last written ({written}; tolerance {}): the image predates \
                 the last backup written to the volume",
                show_time(oldest.modified, written.offset_minutes()),
                duration(behind),
                v.label,
                self.settings.tolerance
            ),
        ));
        out.stale.push(v.label);
        true
    }

    /// Rule 4: the same volume on more than one data path (or under two spellings).
    fn duplicates(&self, v: &CatalogVolume, copies: &[Copy<'_>], offset: i16, out: &mut Findings) {
        let file = Some(v.label.file_name());
        let twins = copies.iter().any(|c| c.case_twin.is_some());
        for c in copies {
            if let Some((a, b)) = c.case_twin {
                out.sink.push(Diagnostic::new(
                    Code::DuplicateImage,
                    file.clone(),
                    format!(
                        "{} holds {} and {}, names that differ only in case: on a Windows share they are one file, so \
                         which one BackBox reads cannot be told",
                        self.shown(c.path),
                        a.name(self.settings.layout),
                        b.name(self.settings.layout)
                    ),
                ));
            }
        }
        if copies.len() < 2 {
            if twins {
                out.duplicates.push(v.label);
            }
            return;
        }
        let stem = |c: &Copy<'_>| {
            let name = self.name(v.label, c.prefix, Part::Data);
            let stem = name.strip_suffix(".DAT").unwrap_or(&name).to_string();
            let dir = self.shown(c.path);
            if dir.ends_with('/') { format!("{dir}{stem}.*") } else { format!("{dir}/{stem}.*") }
        };
        let listed: Vec<String> =
            copies.iter().map(|c| format!("{} (modified {})", stem(c), show_time(c.newest(), offset))).collect();
        let newest = copies.iter().map(Copy::newest).max();
        let at_newest: Vec<&Copy<'_>> = copies.iter().filter(|c| Some(c.newest()) == newest).collect();
        let verdict = match at_newest.as_slice() {
            [one] => format!("BackBox uses the newer, {}", stem(one)),
            _ => "they have the same modification time, so which one BackBox uses cannot be told".to_string(),
        };
        out.sink.push(Diagnostic::new(
            Code::DuplicateImage,
            file,
            format!("{} is on {} data paths: {}; {verdict}", v.label, copies.len(), listed.join(", ")),
        ));
        out.duplicates.push(v.label);
    }
}

/// A modification time as an RFC 3339 time at `offset` minutes (whole seconds).
pub fn show_time(m: Mtime, offset: i16) -> String {
    Timestamp::from_instant(m.secs, offset).map_or_else(|_| format!("{}s after 1970", m.secs), |t| t.to_string())
}

/// `1 tape file`, `2 tape files`.
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
