//! What a staging area holds: its entries classified by name, its files read in parallel
//! ([`read_area`]), reference catalogs for the uniqueness checks. Where the files come
//! from is a [`Source`]: an area on disk ([`crate::disk::Area`], which owns every
//! filesystem transaction) or in memory ([`MemArea`]).

mod read;
mod reference;

pub use read::{
    AreaRead, NodeTwins, Progress, Summaries, VolumeFacts, in_file, read_area, read_area_watching, read_summaries,
};
pub use reference::{Reference, read_label_list, read_reference_area};

use crate::model::{ExportType, Label};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::Path;
use std::time::SystemTime;

/// What an entry of a staging area is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// `FULL` or `UPDATE`.
    Summary(ExportType),
    /// `V<label>`.
    Volume(Label),
    /// A regular file that is not part of the format.
    Foreign,
    /// Not a regular file; the word says what it is.
    NotRegular(&'static str),
}

/// One entry of a staging area.
#[derive(Clone, Debug)]
pub struct AreaEntry {
    /// Its name (non-UTF-8 bytes replaced, for display).
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
    /// Size in bytes (regular files).
    pub size: u64,
    /// Modification time, when known.
    pub modified: Option<SystemTime>,
}

/// A directory entry's name as text: valid UTF-8 as it is, any other byte as `\xNN`, so
/// that an operator can find the entry (a lossy conversion would print U+FFFD and could
/// make two names look the same). Such a name is never a staging file name.
pub fn display_name(name: &std::ffi::OsStr) -> String {
    let bytes = name.as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// A path as text: its bytes that are not UTF-8 as `\xNN`, like [`display_name`].
pub fn display_path(path: &std::path::Path) -> String {
    display_name(path.as_os_str())
}

/// True for a valid staging file name: 1 to 8 characters `A`–`Z` `0`–`9`, a letter first.
pub fn is_staging_file_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 8
        && b[0].is_ascii_uppercase()
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Classifies a regular file by its name.
pub fn classify_name(name: &str) -> EntryKind {
    match name {
        "FULL" => EntryKind::Summary(ExportType::Full),
        "UPDATE" => EntryKind::Summary(ExportType::Update),
        _ if is_staging_file_name(name) => match Label::from_file_name(name) {
            Some(label) => EntryKind::Volume(label),
            None => EntryKind::Foreign,
        },
        _ => EntryKind::Foreign,
    }
}

/// Where a staging area's files come from.
pub trait Source: Sync {
    /// The entries, sorted by name.
    fn entries(&self) -> &[AreaEntry];
    /// Opens a regular file for reading.
    fn open(&self, name: &str) -> io::Result<Box<dyn Read + Send + '_>>;
    /// How to name the area in messages.
    fn describe(&self) -> String;
}

/// A staging area held in memory: for tests, fuzzing and in-process checks.
#[derive(Clone, Debug, Default)]
pub struct MemArea {
    files: BTreeMap<String, Vec<u8>>,
    entries: Vec<AreaEntry>,
}

impl MemArea {
    /// An area holding `files` (name → bytes), all regular files.
    pub fn new(files: BTreeMap<String, Vec<u8>>) -> Self {
        let entries = files
            .iter()
            .map(|(name, bytes)| AreaEntry {
                name: name.clone(),
                kind: classify_name(name),
                size: bytes.len() as u64,
                modified: None,
            })
            .collect();
        MemArea { files, entries }
    }

    /// Reads every regular file of a directory into memory (never through a link).
    pub fn load(path: &Path) -> io::Result<Self> {
        let dir = crate::disk::Listing::read_path(path)?;
        let mut files = BTreeMap::new();
        for e in dir.entries.iter().filter(|e| e.is_file()) {
            let mut bytes = Vec::new();
            crate::disk::open_regular(&path.join(&e.name))?.read_to_end(&mut bytes)?;
            files.insert(e.name.clone(), bytes);
        }
        Ok(MemArea::new(files))
    }

    /// The files.
    pub fn files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.files
    }
}

impl Source for MemArea {
    fn entries(&self) -> &[AreaEntry] {
        &self.entries
    }

    fn open(&self, name: &str) -> io::Result<Box<dyn Read + Send + '_>> {
        match self.files.get(name) {
            Some(b) => Ok(Box::new(b.as_slice())),
            None => Err(io::Error::new(io::ErrorKind::NotFound, format!("{name}: no such file"))),
        }
    }

    fn describe(&self) -> String {
        "in-memory staging area".to_string()
    }
}
