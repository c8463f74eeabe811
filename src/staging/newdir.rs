//! Creating a whole new staging area: it is built in a temporary directory beside the
//! destination and renamed into place at the end, so the destination never holds half
//! an area, and an existing non-empty directory is never touched.

use super::fsync_dir;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A staging area under construction.
#[derive(Debug)]
pub struct NewArea {
    dest: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

/// Why a new area cannot be created at the destination.
#[derive(Debug)]
pub enum NewAreaError {
    /// The destination exists and is not an empty directory.
    NotEmpty(PathBuf),
    /// Another I/O error.
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for NewAreaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewAreaError::NotEmpty(p) => write!(
                f,
                "{} already exists and is not an empty directory; catstage never writes over an existing \
                 staging area: choose a new output directory or empty this one",
                p.display()
            ),
            NewAreaError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for NewAreaError {}

impl NewArea {
    /// Prepares to create `dest`, which must not exist or be an empty directory.
    pub fn create(dest: &Path) -> Result<NewArea, NewAreaError> {
        match fs::symlink_metadata(dest) {
            Ok(m) if m.is_dir() => {
                let mut it = fs::read_dir(dest).map_err(|e| NewAreaError::Io(dest.to_path_buf(), e))?;
                if it.next().is_some() {
                    return Err(NewAreaError::NotEmpty(dest.to_path_buf()));
                }
            }
            Ok(_) => return Err(NewAreaError::NotEmpty(dest.to_path_buf())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(NewAreaError::Io(dest.to_path_buf(), e)),
        }
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "area".into());
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            let e = io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the directory {} does not exist (hint: create it first; only the last component is made)",
                    parent.display()
                ),
            );
            return Err(NewAreaError::Io(dest.to_path_buf(), e));
        }
        let tmp = parent.join(format!(".{name}.catstage-new-{}", std::process::id()));
        if tmp.exists() {
            let _ = fs::remove_dir_all(&tmp);
        }
        fs::create_dir(&tmp).map_err(|e| NewAreaError::Io(tmp.clone(), e))?;
        Ok(NewArea { dest: dest.to_path_buf(), tmp, committed: false })
    }

    /// The directory to write the files into.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// The final destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Flushes the new directory and renames it into place.
    pub fn commit(mut self) -> io::Result<()> {
        fsync_dir(&self.tmp)?;
        // An empty destination directory is replaced by the rename (rename(2) allows it).
        fs::rename(&self.tmp, &self.dest)?;
        if let Some(parent) = self.dest.parent() {
            let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
            fsync_dir(parent)?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for NewArea {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}
