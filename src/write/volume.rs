//! Writing volume files, streaming: the head first, then disk files one at a time.

use super::line::{Record, push_time, push_uint, push_value};
use super::sealed::{Sealed, SealedWriter};
use super::summary::header;
use crate::model::{DiskFileRef, VolumeFile, VolumeHead};
use std::io::{self, Write};

/// Writes one volume file. Disk files must be given in canonical order.
pub struct VolumeWriter<W: Write> {
    w: SealedWriter<W>,
    tapefiles: u64,
    diskfiles: u64,
}

/// What a finished volume file holds, for its summary entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrittenVolume {
    /// Digest, size and line count.
    pub sealed: Sealed,
    /// Number of tape files.
    pub tapefiles: u64,
    /// Number of disk files.
    pub diskfiles: u64,
}

impl<W: Write> VolumeWriter<W> {
    /// Writes the header and every record of `head` into `inner`.
    pub fn new(inner: W, head: &VolumeHead) -> io::Result<Self> {
        let mut w = SealedWriter::new(inner);
        let buf = w.buffer();
        buf.extend_from_slice(&header("VOLUME", head.version));
        let x = &head.export;
        Record::new(buf, "export")
            .text("id", &x.id)
            .text("store", &x.store)
            .boolean("catalogfiles", x.catalogfiles)
            .extra(&x.extra)
            .end();
        let v = &head.volume;
        Record::new(buf, "volume")
            .text("label", v.label.as_str())
            .text("group", &v.group)
            .text("status", v.status.as_str())
            .opt_time("written", v.written.as_ref())
            .opt_time("unloaded", v.unloaded.as_ref())
            .opt_text("owner", v.owner.as_deref())
            .boolean("encrypted", v.encrypted)
            .opt_text("keymanager", v.keymanager.as_deref())
            .uint("size", v.size)
            .opt_text("comment", v.comment.as_deref())
            .extra(&v.extra)
            .end();
        let mut n = 3;
        if let Some(t) = &head.tapevolume {
            Record::new(buf, "tapevolume")
                .text("volcat", &t.volcat)
                .text("pool", &t.pool)
                .text("status", t.status.as_str())
                .text("media", &t.media)
                .text("labeltype", t.labeltype.as_str())
                .text("volset", t.volset.as_str())
                .uint("volindex", u64::from(t.volindex))
                .extra(&t.extra)
                .end();
            n += 1;
        }
        for t in &head.tapefiles {
            Record::new(buf, "tapefile")
                .text("fileid", &t.key.fileid)
                .uint("gen", u64::from(t.key.generation))
                .uint("version", u64::from(t.key.version))
                .uint("copy", u64::from(t.key.copy))
                .uint("section", u64::from(t.section))
                .uint("fileseq", u64::from(t.fileseq))
                .time("created", &t.created)
                .opt_time("expires", t.expires.as_ref())
                .text("status", t.status.as_str())
                .text("mode", t.mode.as_str())
                .extra(&t.extra)
                .end();
            n += 1;
        }
        w.lines_added(n)?;
        Ok(VolumeWriter { w, tapefiles: head.tapefiles.len() as u64, diskfiles: 0 })
    }

    /// Appends one disk file.
    pub fn diskfile(&mut self, d: &DiskFileRef<'_>) -> io::Result<()> {
        push_diskfile(self.w.buffer(), d);
        self.diskfiles += 1;
        self.w.lines_added(1)
    }

    /// Appends one disk file line that is already canonical (with its LF), as read.
    pub fn raw_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.diskfiles += 1;
        self.w.line(line)
    }

    /// Writes the trailer.
    pub fn finish(self) -> io::Result<(W, WrittenVolume)> {
        let (inner, sealed) = self.w.finish()?;
        Ok((inner, WrittenVolume { sealed, tapefiles: self.tapefiles, diskfiles: self.diskfiles }))
    }
}

/// Appends the canonical `diskfile` line of `d`, LF included.
pub fn push_diskfile(out: &mut Vec<u8>, d: &DiskFileRef<'_>) {
    out.extend_from_slice(b"diskfile name=");
    out.extend_from_slice(d.name.as_bytes());
    out.extend_from_slice(b" fileid=");
    out.extend_from_slice(d.tapefile.fileid.as_bytes());
    out.extend_from_slice(b" gen=");
    push_uint(out, u64::from(d.tapefile.generation));
    out.extend_from_slice(b" version=");
    push_uint(out, u64::from(d.tapefile.version));
    out.extend_from_slice(b" copy=");
    push_uint(out, u64::from(d.tapefile.copy));
    out.extend_from_slice(b" dumped=");
    push_time(out, &d.dumped);
    out.extend_from_slice(b" type=");
    out.extend_from_slice(d.kind.as_str().as_bytes());
    out.extend_from_slice(b" code=");
    push_uint(out, u64::from(d.code));
    out.extend_from_slice(b" eof=");
    push_uint(out, d.eof);
    out.extend_from_slice(b" status=");
    out.extend_from_slice(d.status.as_str().as_bytes());
    for (k, v) in d.extra.iter() {
        out.push(b' ');
        out.extend_from_slice(k.as_bytes());
        out.push(b'=');
        push_value(out, &v);
    }
    out.push(b'\n');
}

/// The canonical bytes of a whole volume file.
pub fn volume_bytes(v: &VolumeFile) -> Vec<u8> {
    let run = || -> io::Result<Vec<u8>> {
        let mut w = VolumeWriter::new(Vec::new(), &v.head)?;
        for d in &v.diskfiles {
            w.diskfile(&d.as_ref())?;
        }
        Ok(w.finish()?.0)
    };
    // Writing into a Vec cannot fail.
    run().unwrap_or_default()
}
