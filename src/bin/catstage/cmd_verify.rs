//! `catstage verify`.

use crate::output::Styles;
use crate::{CmdResult, Failure};
use catstage::package::{Caps, PublicKey, VerifyOptions, read_public_key, verify};
use catstage::report::TextOptions;
use std::path::{Path, PathBuf};

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

/// The size limits enforced while decompressing, shared with unpack.
#[derive(clap::Args, Debug)]
pub struct Limits {
    /// The most the whole package may expand to (K, M, G, T: powers of 1024).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "1T")]
    pub max_size: u64,
    /// The largest file a package may hold (ustar's own limit is 8G − 1 byte).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "8G")]
    pub max_file_size: u64,
}

impl Limits {
    /// As the library's caps.
    pub fn caps(&self) -> Caps {
        Caps { total: self.max_size, per_file: self.max_file_size.min(catstage::package::MAX_MEMBER_SIZE) }
    }
}

/// Parses `123`, `64K`, `10M`, `2G`, `1T` (also `10MiB`, `10MB`: powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: u64 = n.parse().map_err(|_| format!("{s:?} is not a size (e.g. 500M, 2G)"))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches("IB").trim_end_matches('B') {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("{s:?}: the unit is K, M, G or T")),
    };
    n.checked_mul(1u64 << shift).ok_or_else(|| format!("{s:?} is too large"))
}

/// Reads the `--trusted-key` files.
pub fn trusted_keys(paths: &[PathBuf]) -> Result<Vec<PublicKey>, Failure> {
    paths.iter().map(|p| read_public_key(p).map_err(|e| Failure::msg(format!("--trusted-key {e}")))).collect()
}

/// A progress bar over `passes` reads of the package.
pub fn package_bar(styles: &Styles, file: &Path, passes: u64, what: &str, quiet: bool) -> indicatif::ProgressBar {
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    styles.progress(size * passes, what, quiet)
}

pub fn run(args: Args, styles: &Styles) -> CmdResult {
    args.output.apply();
    let result = (|| {
        let opts = VerifyOptions {
            caps: args.limits.caps(),
            trusted: trusted_keys(&args.trusted_key)?,
            against: args.against.clone(),
            guards: args.guards.get(),
            wait: args.wait.get(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("64K"), Ok(65_536));
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("1TB"), Ok(1 << 40));
        assert!(parse_size("1X").is_err());
        assert!(parse_size("").is_err());
    }
}
