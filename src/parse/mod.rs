//! Parsers for the catstage line format, built on nom: the only module that uses it.
//!
//! Every parser keeps going after an error and reports each problem with its line and
//! column, never panics on any bytes, and reads in one streaming pass.

mod fast;
mod frame;
mod header;
mod lex;
mod record;
mod summary;
mod volume;

pub use fast::is_canonical_diskfile_name;
pub use frame::{Framed, LineHandler, MAX_LINE, frame, frame_with, hash_reader, read_some};
pub use header::{FileKind, Header, LineError, Trailer, parse_header, parse_trailer};
pub use lex::{Field, LexError, Lexed, Span, lex, unescape};
pub use record::{Rec, Schema};
pub use summary::{ParsedSummary, parse_summary, read_summary, summary_export};
pub use volume::{
    Ignore, MAX_COMMENT, ParsedVolume, VolumeVisitor, parse_volume, read_volume, read_volume_head,
    read_volume_head_checked, read_volume_with,
};
