//! Writing summary files.

use super::line::Record;
use super::sealed::SealedWriter;
use crate::model::{Summary, Version};

pub(crate) fn header(kind: &str, version: Version) -> Vec<u8> {
    format!("CATSTAGE {kind} {}.{}\n", version.major, version.minor).into_bytes()
}

/// The canonical bytes of `s`, trailer included. The caller keeps groups, node maps and
/// entries sorted.
pub fn summary_bytes(s: &Summary) -> Vec<u8> {
    let mut w = SealedWriter::new(Vec::with_capacity(256 + s.entries.len() * 220));
    let mut n = 0;
    let buf = w.buffer();
    buf.extend_from_slice(&header("SUMMARY", s.version));
    n += 1;
    let e = &s.export;
    Record::new(buf, "export")
        .text("id", &e.id)
        .text("type", e.kind.as_str())
        .opt_text("base", e.base.as_deref())
        .text("store", &e.store)
        .text("node", e.node.as_str())
        .boolean("catalogfiles", e.catalogfiles)
        .time("created", &e.created)
        .extra(&e.extra)
        .end();
    n += 1;
    for g in &s.groups {
        Record::new(buf, "group")
            .text("id", &g.id)
            .text("catalog", g.catalog.as_str())
            .opt_text("media", g.media.as_deref())
            .opt_text("volcat", g.volcat.as_deref())
            .opt_text("pool", g.pool.as_deref())
            .opt_text("keymanager", g.keymanager.as_deref())
            .extra(&g.extra)
            .end();
        n += 1;
    }
    for m in &s.nodemaps {
        Record::new(buf, "nodemap")
            .text("old", m.old.as_str())
            .text("new", m.new.as_str())
            .uint("diskfiles", m.diskfiles)
            .uint("volumes", m.volumes)
            .extra(&m.extra)
            .end();
        n += 1;
    }
    for en in &s.entries {
        Record::new(buf, "entry")
            .text("label", en.label.as_str())
            .text("group", &en.group)
            .text("file", &en.file)
            .text("sha256", &en.sha256.to_hex())
            .uint("size", en.size)
            .text("export", &en.export)
            .opt_time("unloaded", en.unloaded.as_ref())
            .uint("tapefiles", en.tapefiles)
            .uint("diskfiles", en.diskfiles)
            .extra(&en.extra)
            .end();
        n += 1;
    }
    // Writing into a Vec cannot fail.
    let _ = w.lines_added(n);
    match w.finish() {
        Ok((bytes, _)) => bytes,
        Err(_) => Vec::new(),
    }
}
