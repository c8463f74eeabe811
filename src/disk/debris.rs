//! What catstage could not clean up after itself: a lock file, a probe directory, an
//! unfinished tree. Cleanup runs where no error can be returned (on drop, or after the
//! error that ended the run), so each leftover is noted here and the binary names them
//! all before it exits, whatever `-q` says: nothing is left beside a target without a
//! word.

use std::path::Path;
use std::sync::Mutex;

static LEFT: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Notes that `path`, `what` it is, could not be removed, and why.
pub fn note(path: &Path, what: &str, e: &std::io::Error) {
    let line = format!(
        "{} ({what}) is left: it could not be removed ({e}); the next catstage writer of its target removes it, \
         or remove it by hand",
        crate::source::display_path(path)
    );
    if let Ok(mut left) = LEFT.lock() {
        left.push(line);
    }
}

/// The leftovers noted so far, each once; the list is emptied.
pub fn take() -> Vec<String> {
    LEFT.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default()
}
