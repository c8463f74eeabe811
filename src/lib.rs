//! catstage: check, compare, rewrite and carry the staging areas of HPE NonStop
//! tape-catalog replication.
//!
//! The staging area format is specified in `formats/` of the source distribution. The
//! library parses and writes it ([`parse`], [`write`](mod@write), over the plain data of
//! [`model`]), reads staging areas from disk or memory ([`staging`]), and runs the
//! checks ([`check`]) behind the commands ([`validate`], [`keys`], [`seal`],
//! [`generate`]). It never prints: findings come back as [`diag::Diagnostic`]s.
//!
//! ```
//! use catstage::staging::MemArea;
//! use std::collections::BTreeMap;
//!
//! // A staging area in memory whose FULL summary was cut short in transit.
//! let mut files = BTreeMap::new();
//! files.insert("FULL".to_string(), b"CATSTAGE SUMMARY 1.0\nexport id=X".to_vec());
//! let report = catstage::validate::validate(&MemArea::new(files), None)?;
//! assert!(report.findings.errors() > 0);
//! for d in report.findings.diagnostics() {
//!     println!("{}: {} {}", d.file.as_deref().unwrap_or("-"), d.code, d.message);
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod check;
pub mod compare;
pub mod config;
pub mod diag;
pub mod diff;
pub mod disk;
pub mod generate;
pub mod images;
pub mod keys;
pub mod model;
pub mod nodes;
pub mod package;
pub mod parse;
pub mod plan;
pub mod report;
pub mod rewrite;
pub mod seal;
pub mod source;
pub mod staging;
pub mod status;
pub mod sync;
pub mod validate;
pub mod write;
