//! catstage: check, compare, rewrite and carry the staging areas of HPE NonStop
//! tape-catalog replication.
//!
//! The staging area format is specified in `formats/` of the source distribution.
#![forbid(unsafe_code)]

pub mod diag;
pub mod model;
pub mod parse;
pub mod write;
pub mod check;
pub mod staging;
pub mod validate;
pub mod generate;
pub mod rewrite;
pub mod seal;
