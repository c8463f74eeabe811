//! `catstage verify`.

use crate::output::Styles;
use crate::packages::{Limits, package_bar, trusted_keys};
use crate::{CmdResult, Failure};
use catstage::package::{VerifyOptions, verify};
use catstage::report::TextOptions;
use std::path::PathBuf;

/// Check a package completely, before it goes anywhere near a staging area.
///
/// Decompresses the whole package (refusing skippable zstd frames and windows above
/// 16 MiB), reads the archive with a strict reader, and checks: the manifest (first
/// member, intact, consistent), every member against it (name, type, size, time,
/// SHA-256, order; none missing, extra or twice), the safety rules (flat staging file
/// names only, regular files only, no pax headers, no setuid bits, nothing after the
/// archive), and the size limits, enforced while decompressing. Every problem is listed,
/// not just the first.
///
/// With --trusted-key, the package must be signed by one of those keys. With --against,
/// also whether an incremental package applies to that staging area: whether it holds
/// what the package's base left (names, sizes, modification times and SHA-256s).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  catstage verify /media/usb/SLABA-20220105.tar.zst
  catstage verify SLABA-inc3.tar.zst --against /stage/SLABA     # does it apply here?
  catstage verify SLABA.tar.zst --trusted-key primary.pub --format json

Exit status: 0 the package is good (and applies, with --against), 1 it is not (every
problem listed), 2 could not run (the package or a key cannot be read).")]
pub struct Args {
    /// The package file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A staging area the package should apply to: unpack's refusals are checked
    /// against it (base, an older export, foreign files, removals), read only.
    #[arg(long, value_name = "DIR")]
    pub against: Option<PathBuf>,
    #[command(flatten)]
    pub guards: crate::areas::GuardArgs,
    /// A public key (written by `catstage keygen`); the package must be signed by one of
    /// the keys given. Repeatable.
    #[arg(long = "trusted-key", value_name = "PUB")]
    pub trusted_key: Vec<PathBuf>,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
    #[command(flatten)]
    pub wait: crate::areas::WaitArgs,
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    let result = (|| {
        let opts = VerifyOptions {
            caps: args.limits.caps(),
            trusted: trusted_keys(&args.trusted_key)?,
            against: args.against.clone(),
            guards: args.guards.get(),
            wait: args.wait.get(),
            examples: args.output.examples(),
        };
        let display = args.file.display().to_string();
        let bar = package_bar(styles, &args.file, 1, "verify", args.output.quiet);
        let tick = |n: u64| bar.inc(n);
        let report =
            verify(&args.file, &display, &opts, Some(&tick)).map_err(|e| Failure::msg(format!("{display}: {e}")))?;
        bar.finish_and_clear();
        Ok(report)
    })();
    crate::output::finish(result, &args.output, styles, catstage::package::VERIFY_SCHEMA, TextOptions::default())
}
