//! Canonical writers, the inverse of [`crate::parse`]: every value written here parses
//! back to itself, and every file that parses without error is written back byte for byte.

mod line;
mod sealed;
mod summary;
mod volume;

pub use line::{Record, is_bare_byte, push_time, push_uint, push_value};
pub use sealed::{Sealed, SealedWriter, trailer_line};
pub use summary::summary_bytes;
pub use volume::{VolumeWriter, WrittenVolume, push_diskfile, volume_bytes};
