//! Failing at start-up, with a message, when the process cannot have the memory a writer
//! needs.
//!
//! Rust's allocator aborts the process (SIGABRT) when an allocation fails, and safe Rust
//! cannot catch that. A writer that aborts leaves its target as it was (the next run
//! cleans up), but the operator gets no reason. So each writer first asks for the address
//! space its run takes beyond what the process starts with, and releases it: under a
//! `ulimit -v` (or `-d`) too small for it, the request fails and catstage exits with
//! status 2 and the figure to give instead of crashing half way.
//!
//! The figures are the smallest `ulimit -v` each writer was measured to run in on an area
//! of 2,000 volumes and a million disk files (README, Reliability), less the ~13 MiB every
//! run starts with; larger areas can need more.

use crate::Command;

/// The address space beyond the start-up's that `command` needs, in MiB; `None` for the
/// commands that write nothing.
fn need(command: &Command) -> Option<(&'static str, u64)> {
    Some(match command {
        Command::Unpack(_) => ("unpack", 16),
        Command::ReplaceNodes(_) => ("replace-nodes", 22),
        Command::Sync(_) => ("sync", 50),
        Command::Seal(_) => ("seal", 6),
        Command::Generate(_) => ("generate", 26),
        Command::Pack(_) => ("pack", 78),
        _ => return None,
    })
}

/// Refuses, before anything is read or written, a writer that could not have the memory
/// it needs.
pub fn reserve(command: &Command) -> Result<(), String> {
    let Some((name, mib)) = need(command) else { return Ok(()) };
    let mut probe: Vec<u8> = Vec::new();
    if probe.try_reserve_exact((mib as usize) << 20).is_err() {
        return Err(format!(
            "catstage {name} needs about {mib} MiB of memory beyond its start and cannot have them (a `ulimit -v` \
             below {} KiB?); nothing was read or written — raise the limit",
            (mib + 13) * 1024
        ));
    }
    Ok(())
}
