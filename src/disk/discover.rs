//! Finding the staging areas under a directory (`validate --recursive`).
//!
//! A directory is a staging area when it holds a summary (`FULL`, `UPDATE`) or a volume
//! file (`V<label>`) by name; the walk does not descend into one. It never follows a
//! symbolic link below the directory it was given, and leaves out hidden directories
//! (`.git` among them). A directory below the root that it cannot open or list is
//! reported ([`Found::unreadable`]), never silently skipped: a walk that left out part of
//! a tree would report it as checked. Names are taken as bytes, never as text.

use super::area::{looks_like_area, open_subdir_or_error, subdirs};
use super::error::{AreaError, DiskError, Op};
use super::file::open_dir;
use super::listing::Listing;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// How deep the walk goes at most: deeper is a loop (a bind mount of a parent) or a
/// mistake, and reported as an error.
const MAX_DEPTH: usize = 64;

/// What a walk found under a directory.
#[derive(Debug, Default)]
pub struct Found {
    /// The staging areas, sorted by path.
    pub areas: Vec<PathBuf>,
    /// Empty directories: what an unmounted mount point looks like; the caller reports
    /// each as an area that could not be checked.
    pub empty: Vec<PathBuf>,
    /// What the walk left out on purpose, and why: symbolic links to directories (never
    /// followed) and hidden directories.
    pub skipped: Vec<(PathBuf, &'static str)>,
    /// Directories below the root that could not be opened or listed, and why: what they
    /// hold was not searched, and the caller reports each as not checked.
    pub unreadable: Vec<(PathBuf, DiskError)>,
}

/// The staging areas at or under `root` (see [`find_areas_reporting`]), paths only.
pub fn find_areas(root: &Path) -> Result<Vec<PathBuf>, AreaError> {
    find_areas_reporting(root).map(|f| f.areas)
}

/// The staging areas at or under `root`, sorted by path: `root` itself when it is one,
/// else every area below it, with the empty directories and what was skipped. A `root`
/// that neither is nor holds one is [`AreaError::NotAStagingArea`].
pub fn find_areas_reporting(root: &Path) -> Result<Found, AreaError> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(AreaError::NotADirectory(root.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(AreaError::NotFound(root.to_path_buf())),
        Err(e) => return Err(AreaError::Io(DiskError::new(Op::Stat, root, e))),
    }
    let fd = open_dir(root).map_err(|e| AreaError::Io(DiskError::new(Op::Open, root, e)))?;
    let listing = Listing::read(&fd).map_err(|e| AreaError::Io(DiskError::new(Op::List, root, e)))?;
    if looks_like_area(&listing) {
        return Ok(Found { areas: vec![root.to_path_buf()], ..Found::default() });
    }
    let empty = listing.entries.is_empty();
    let mut found = Vec::new();
    let mut out = Found::default();
    // Depth-first, one listing per directory; each stack entry is an open directory.
    let mut stack = vec![(fd, listing, root.to_path_buf(), 0usize)];
    while let Some((fd, listing, path, depth)) = stack.pop() {
        // Names as bytes: a directory whose name is not UTF-8 is opened by that name.
        let named = |e: &super::listing::ListingEntry| path.join(std::ffi::OsStr::from_bytes(e.raw()));
        for e in &listing.entries {
            let hidden = e.name.starts_with('.');
            let linked_dir =
                e.kind == super::listing::EntryType::Symlink && std::fs::metadata(named(e)).is_ok_and(|m| m.is_dir());
            if linked_dir {
                out.skipped.push((named(e), "a symbolic link to a directory: not followed"));
            } else if hidden && e.kind == super::listing::EntryType::Dir {
                out.skipped.push((named(e), "a hidden directory"));
            }
        }
        for e in subdirs(&listing) {
            let sub_path = named(e);
            // A directory that cannot be searched is reported, and the walk goes on with
            // the rest: one `lost+found` does not leave the whole tree unchecked.
            let read =
                open_subdir_or_error(&fd, e.raw()).map_err(|err| DiskError::new(Op::Open, &sub_path, err)).and_then(
                    |sub| Ok((Listing::read(&sub).map_err(|err| DiskError::new(Op::List, &sub_path, err))?, sub)),
                );
            let (l, sub) = match read {
                Ok(x) => x,
                Err(err) => {
                    out.unreadable.push((sub_path, err));
                    continue;
                }
            };
            if looks_like_area(&l) {
                found.push(sub_path);
            } else if l.entries.is_empty() {
                out.empty.push(sub_path);
            } else if depth + 1 >= MAX_DEPTH {
                return Err(AreaError::Io(DiskError::new(
                    Op::List,
                    &sub_path,
                    io::Error::other(format!("more than {MAX_DEPTH} directories deep (a loop?)")),
                )));
            } else {
                stack.push((sub, l, sub_path, depth + 1));
            }
        }
    }
    if found.is_empty() && out.unreadable.is_empty() {
        return Err(AreaError::NotAStagingArea { path: root.to_path_buf(), areas_inside: Vec::new(), empty });
    }
    found.sort();
    out.empty.sort();
    out.skipped.sort();
    out.unreadable.sort_by(|a, b| a.0.cmp(&b.0));
    out.areas = found;
    Ok(out)
}

/// True when `dir` is a directory that looks like a staging area (it holds a summary or
/// a volume file by name). A directory that cannot be listed is not one.
pub fn is_staging_area(dir: &Path) -> bool {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => {}
        _ => return false,
    }
    open_dir(dir).ok().and_then(|fd| Listing::read(&fd).ok()).is_some_and(|l| looks_like_area(&l))
}

/// The staging areas that the changed files `paths` belong to, each once, in the order
/// first named (what `validate --files` checks, for a pre-commit hook): the nearest
/// directory above a file that is a staging area (a file in a sub-directory of an area
/// is the area's problem: CS027); a directory that is one; for `AREA.toml` beside an
/// area (its configuration), that area. Paths that belong to no area (a README, a
/// script) are left out: a commit touches other files too.
pub fn areas_of_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for p in paths {
        let area = if is_staging_area(p) {
            Some(p.clone())
        } else if p.extension().is_some_and(|e| e == "toml") && is_staging_area(&p.with_extension("")) {
            Some(p.with_extension(""))
        } else {
            p.ancestors()
                .skip(1)
                .map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d })
                .find(|d| is_staging_area(d))
                .map(Path::to_path_buf)
        };
        if let Some(a) = area
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"").unwrap();
    }

    #[test]
    fn finds_areas_at_any_depth_and_not_inside_one() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        touch(&r.join("b/FULL"));
        touch(&r.join("b/inner/FULL"));
        touch(&r.join("a/x/y/VAB0001"));
        touch(&r.join("a/readme.txt"));
        touch(&r.join(".git/objects/FULL"));
        touch(&r.join(".hidden/FULL"));
        std::fs::create_dir_all(r.join("empty")).unwrap();
        std::os::unix::fs::symlink(r.join("b"), r.join("link")).unwrap();
        let found = find_areas(r).unwrap();
        assert_eq!(found, vec![r.join("a/x/y"), r.join("b")]);
    }

    #[test]
    fn a_root_that_is_an_area_is_itself() {
        let t = tempfile::tempdir().unwrap();
        touch(&t.path().join("UPDATE"));
        touch(&t.path().join("sub/FULL"));
        assert_eq!(find_areas(t.path()).unwrap(), vec![t.path().to_path_buf()]);
    }

    #[test]
    fn a_root_holding_no_area_is_not_a_staging_area() {
        let t = tempfile::tempdir().unwrap();
        assert!(matches!(find_areas(t.path()), Err(AreaError::NotAStagingArea { empty: true, .. })));
        touch(&t.path().join("x/notes.txt"));
        assert!(matches!(find_areas(t.path()), Err(AreaError::NotAStagingArea { empty: false, .. })));
        assert!(matches!(find_areas(&t.path().join("nope")), Err(AreaError::NotFound(_))));
        assert!(matches!(find_areas(&t.path().join("x/notes.txt")), Err(AreaError::NotADirectory(_))));
    }

    #[test]
    fn changed_files_map_to_their_areas_once() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        touch(&r.join("a/FULL"));
        touch(&r.join("a/VAB0001"));
        touch(&r.join("a.toml"));
        touch(&r.join("b/VAB0002"));
        touch(&r.join("README.md"));
        touch(&r.join("other.toml"));
        let given = ["a/VAB0001", "README.md", "a/FULL", "a.toml", "b/VAB0002", "other.toml", "b/VGONE", "b"];
        let paths: Vec<PathBuf> = given.iter().map(|g| r.join(g)).collect();
        assert_eq!(areas_of_files(&paths), vec![r.join("a"), r.join("b")]);
        assert!(!is_staging_area(&r.join("README.md")));
        assert!(!is_staging_area(&r.join("nope")));
    }

    #[test]
    fn a_configuration_alone_names_its_area_and_a_link_is_no_area() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        touch(&r.join("a/FULL"));
        touch(&r.join("a.toml"));
        assert_eq!(areas_of_files(&[r.join("a.toml")]), vec![r.join("a")]);
        std::os::unix::fs::symlink(r.join("a"), r.join("link")).unwrap();
        assert!(is_staging_area(&r.join("a")));
        assert!(!is_staging_area(&r.join("link")), "a link to an area is not followed");
        assert!(areas_of_files(&[r.join("link/FULL")]).is_empty());
    }

    #[test]
    fn a_root_that_cannot_be_looked_at_is_an_error_not_a_missing_area() {
        let t = tempfile::tempdir().unwrap();
        touch(&t.path().join("file"));
        // ENOTDIR, not ENOENT: through a file.
        assert!(matches!(find_areas(&t.path().join("file/sub")), Err(AreaError::Io(_))));
    }

    #[test]
    fn a_tree_deeper_than_the_limit_is_an_error() {
        let t = tempfile::tempdir().unwrap();
        let mut deep = t.path().to_path_buf();
        for _ in 0..MAX_DEPTH {
            deep.push("d");
        }
        touch(&deep.join("FULL"));
        assert_eq!(find_areas(t.path()).unwrap(), vec![deep.clone()], "an area at the deepest level allowed");
        std::fs::remove_file(deep.join("FULL")).unwrap();
        touch(&deep.join("d/FULL"));
        // The directory at the deepest level now holds no area, and the walk stops there.
        let e = find_areas(t.path()).unwrap_err();
        assert!(e.to_string().contains("more than 64 directories deep"), "{e}");
    }
}
