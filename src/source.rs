//! What a staging area's entries are, by name, and where its files come from: the
//! [`Source`] trait, which an area on disk ([`crate::disk::Area`]) and one in memory
//! ([`crate::staging::MemArea`]) implement. Below both `disk` and `staging`, so that each
//! can use it without the other.

use crate::model::{ExportType, Label};
use std::io::{self, Read};
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
