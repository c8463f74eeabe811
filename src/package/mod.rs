//! Packages for transfer without a network link (formats/package.md): `pack`, `verify`
//! and `unpack`.
//!
//! A package is a zstd-compressed POSIX ustar archive of regular files whose first member
//! is a manifest in the catstage line format. Everything here is written so that a
//! hostile package cannot make catstage write anything: the archive is read by a strict
//! reader of our own (never a general-purpose extractor, which skips what it does not
//! like instead of refusing, and writes devices as regular files), every member is
//! checked against the manifest, sizes are capped while decompressing, and `unpack`
//! verifies the whole package before it writes a byte.
//!
//! | file | owns |
//! |---|---|
//! | `manifest.rs` | the manifest: model, canonical writer, parser |
//! | `tar.rs` | the ustar writer (deterministic headers) and the strict reader |
//! | `zst.rs` | the pinned zstd encoder and the frame-checking, capped decoder |
//! | `sign.rs` | ed25519 keys and the signature member |
//! | `scan.rs` | reading a package member by member against its manifest |
//! | `tree.rs` | what a directory holds, compared with a manifest |
//! | `guard.rs` | what a package may do to a destination: `unpack`'s refusals, which `verify --against` runs too |
//! | `pack.rs`, `verify.rs`, `unpack.rs` | the three commands |

mod guard;
mod integrity;
mod manifest;
mod pack;
mod pipe;
mod scan;
mod sign;
mod tar;
mod tree;
mod unpack;
mod verify;
mod zst;

pub use guard::GuardOptions;
pub use manifest::{
    FileFacts, FileRecord, FileTime, Kind, MANIFEST_NAME, Manifest, Mode, PackageId, SIGNATURE_NAME, manifest_bytes,
    parse_manifest,
};
pub use pack::{PackOptions, PackOutcome, PackReport, SCHEMA as PACK_SCHEMA, pack, read_base_manifest};
pub use scan::{Caps, MAX_MANIFEST};
pub use sign::{KeygenDone, PublicKey, SecretKey, keygen, read_public_key, read_secret_key};
pub use tar::{MAX_MEMBER_SIZE, RECORD};
pub use tree::Applies;
pub use unpack::{SCHEMA as UNPACK_SCHEMA, UnpackOptions, UnpackOutcome, UnpackReport, unpack};
pub use verify::{SCHEMA as VERIFY_SCHEMA, VerifyOptions, VerifyReport, verify};
pub use zst::{DEFAULT_LEVEL, MAX_LEVEL, WINDOW_LOG_MAX};

use crate::diag::Code;

/// A problem with the package itself, carried inside an `io::Error` from the readers
/// (decompressor, archive reader) up to the scan, which turns it into a finding. Any
/// other `io::Error` is a real I/O error: the package could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The `CS4xx` code.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// The member it is blamed on, when its header was read (formats/package.md §2.4);
    /// otherwise the package as a whole.
    pub member: Option<String>,
}

impl Refusal {
    /// A refusal of the package as a whole, as an `io::Error`.
    pub fn io(code: Code, message: impl Into<String>) -> std::io::Error {
        std::io::Error::other(Refusal { code, message: message.into(), member: None })
    }

    /// A refusal blamed on `member`, whose header was read, as an `io::Error`.
    pub fn about(code: Code, member: &str, message: impl Into<String>) -> std::io::Error {
        std::io::Error::other(Refusal { code, message: message.into(), member: Some(member.to_string()) })
    }

    /// The refusal inside `e`, if `e` carries one.
    pub fn of(e: &std::io::Error) -> Option<&Refusal> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<Refusal>())
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Refusal {}

/// Formats a byte count for people: `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} bytes") } else { format!("{v:.1} {}", UNITS[u]) }
}
