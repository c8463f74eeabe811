//! What a staging area holds: its entries classified by name, its files read in parallel
//! ([`read_area`]), reference catalogs for the uniqueness checks. Where the files come
//! from is a [`Source`]: an area on disk ([`crate::disk::Area`], which owns every
//! filesystem transaction) or in memory ([`MemArea`]).

mod read;
mod reference;

pub use read::{
    AreaRead, NodeTwins, Progress, Reuse, Summaries, VolumeFacts, in_file, read_area, read_area_reusing,
    read_area_watching, read_summaries,
};
pub use reference::{Reference, read_label_list, read_reference_area};

pub use crate::source::{
    AreaEntry, EntryKind, Source, classify_name, display_name, display_path, is_staging_file_name,
};

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::Path;

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
