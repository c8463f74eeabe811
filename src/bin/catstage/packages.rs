//! What `verify` and `unpack` share: the size limits, the trusted keys, a progress bar
//! over the package.

use crate::Failure;
use crate::output::Styles;
use catstage::package::{Caps, PublicKey, read_public_key};
use std::path::{Path, PathBuf};

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
