//! The integration tests: one binary, running the real `catstage` executable against
//! fixtures and temporary staging areas.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

mod ci;
mod cli;
mod conformance;
mod corruption;
mod diff;
mod fuzz_replay;
mod golden;
mod hostile_keys;
mod images;
mod limits;
mod nodes;
mod package;
mod plan;
mod robust;
mod roundtrip;
mod rules;
mod schemas;
mod secondary;
mod structure;
mod sync;
mod trust;
mod verdicts;
mod writers;
