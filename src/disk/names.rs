//! The one naming scheme of the files catstage keeps beside a target (a staging area, a
//! package file, a key) while it works on it.
//!
//! Every such name is `.TARGET.catstage-ROLE`: it starts with a dot and holds lower-case
//! letters and a hyphen, so it is never a valid staging file name, and it names its target,
//! so that any writer of that target recognises what an interrupted run of any catstage
//! command left, whatever process left it. The names carry no process id: a writer works
//! under its target's exclusive lock, so there is never more than one of each.
//!
//! | name | what it is |
//! |---|---|
//! | `.NAME.catstage-lock` | the lock ([`super::Lock`]) |
//! | `.NAME.catstage-new` | a staging area being built, or the old one after the exchange |
//! | `.NAME.catstage-journal` | the journal of an exchange |
//! | `.NAME.catstage-probe` | an empty directory that tests the filesystem for `RENAME_EXCHANGE` |
//! | `.NAME.catstage-tmp` | a file being written atomically ([`super::AtomicFile`]) |
//!
//! Earlier versions of catstage left names of other forms, which are recognised too and
//! removed like the others: `.NAME.catstage-new-PID` beside an area, `.catstage-tmp-NAME-PID`
//! beside a package, and `.catstage-tmp-NAME-PID-N` (or `-syncN`) inside an area.

use std::path::{Path, PathBuf};

/// The role of a side file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// The lock.
    Lock,
    /// A staging area being built (or the old one, after the exchange).
    Tree,
    /// The journal of an exchange.
    Journal,
    /// The directory that probes for `RENAME_EXCHANGE`.
    Probe,
    /// A file being written atomically.
    Temp,
}

impl Role {
    fn suffix(self) -> &'static str {
        match self {
            Role::Lock => "lock",
            Role::Tree => "new",
            Role::Journal => "journal",
            Role::Probe => "probe",
            Role::Temp => "tmp",
        }
    }

    /// What it is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Lock => "a lock file",
            Role::Tree => "a staging area an interrupted run was building, or the old one it replaced",
            Role::Journal => "the journal of an interrupted exchange",
            Role::Probe => "a probe directory",
            Role::Temp => "a file an interrupted run was writing",
        }
    }
}

/// The path of `target`'s side file of `role`, in `parent`.
pub fn side(parent: &Path, target: &str, role: Role) -> PathBuf {
    parent.join(side_name(target, role))
}

/// The name of `target`'s side file of `role`.
pub fn side_name(target: &str, role: Role) -> String {
    format!(".{target}.catstage-{}", role.suffix())
}

/// The prefix of the temporary files earlier versions wrote inside staging areas and
/// beside packages.
pub const LEGACY_TEMP_PREFIX: &str = ".catstage-tmp-";

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A leftover of `target` in its parent directory, recognised by `name`: the roles of
/// this version (but the lock, which is no leftover), and the forms earlier versions
/// used.
pub fn leftover_beside(name: &str, target: &str) -> Option<Role> {
    for role in [Role::Tree, Role::Journal, Role::Probe, Role::Temp] {
        if name == side_name(target, role) {
            return Some(role);
        }
    }
    // `.NAME.catstage-new-PID`: an area an earlier version was creating.
    if let Some(pid) = name.strip_prefix(&format!("{}-", side_name(target, Role::Tree)))
        && digits(pid)
    {
        return Some(Role::Tree);
    }
    // `.catstage-tmp-NAME-PID` or `.catstage-tmp-NAME-PID-N`: a file an earlier version
    // was writing.
    if let Some(rest) = name.strip_prefix(LEGACY_TEMP_PREFIX).and_then(|r| r.strip_prefix(target))
        && let Some(rest) = rest.strip_prefix('-')
        && rest.split('-').all(digits)
        && rest.split('-').count() <= 2
    {
        return Some(Role::Temp);
    }
    None
}

/// True for a temporary file an earlier version left inside a staging area.
pub fn is_legacy_temp_inside(name: &str) -> bool {
    name.starts_with(LEGACY_TEMP_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_names_are_never_staging_file_names() {
        for role in [Role::Lock, Role::Tree, Role::Journal, Role::Probe, Role::Temp] {
            let n = side_name("SLABA", role);
            assert!(!crate::source::is_staging_file_name(&n), "{n}");
            assert!(n.starts_with(".SLABA.catstage-"), "{n}");
        }
    }

    #[test]
    fn leftovers_of_this_and_earlier_versions_are_recognised_and_nothing_else() {
        let t = "area";
        assert_eq!(leftover_beside(".area.catstage-new", t), Some(Role::Tree));
        assert_eq!(leftover_beside(".area.catstage-journal", t), Some(Role::Journal));
        assert_eq!(leftover_beside(".area.catstage-probe", t), Some(Role::Probe));
        assert_eq!(leftover_beside(".area.catstage-tmp", t), Some(Role::Temp));
        assert_eq!(leftover_beside(".area.catstage-new-4242", t), Some(Role::Tree));
        assert_eq!(leftover_beside(".catstage-tmp-area-4242", t), Some(Role::Temp));
        assert_eq!(leftover_beside(".catstage-tmp-area-4242-3", t), Some(Role::Temp));
        for other in [
            ".area.catstage-lock",
            ".area.catstage-new-",
            ".area.catstage-new-12x",
            ".areb.catstage-new",
            ".area2.catstage-new",
            ".catstage-tmp-area2-4242",
            ".catstage-tmp-area-",
            ".catstage-tmp-area-1-2-3",
            "area",
            ".area",
        ] {
            assert_eq!(leftover_beside(other, t), None, "{other}");
        }
        assert!(is_legacy_temp_inside(".catstage-tmp-VSAD001-77-sync0"));
        assert!(!is_legacy_temp_inside("VSAD001"));
    }
}
