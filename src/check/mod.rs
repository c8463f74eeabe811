//! Checks across files. Each family owns its code range and pushes findings into a sink;
//! none does I/O.

pub mod structure;
