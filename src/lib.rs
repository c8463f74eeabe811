//! catstage: check, compare, rewrite and carry the staging areas of HPE NonStop
//! tape-catalog replication.
//!
//! The staging area format is specified in `formats/` of the source distribution.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod check;
pub mod config;
pub mod diag;
pub mod generate;
pub mod keys;
pub mod model;
pub mod parse;
pub mod rewrite;
pub mod seal;
pub mod staging;
pub mod validate;
pub mod write;
