//! Streaming rewrite of one volume file: read it, let the caller change its head and each
//! disk file line, write the result sealed. Memory stays bounded however many disk files
//! the volume holds.

use crate::diag::Examples;
use crate::model::{DiskFileRef, VolumeHead};
use crate::parse::{ParsedVolume, VolumeVisitor, read_volume_with};
use crate::write::{VolumeWriter, WrittenVolume};
use std::io::{self, Read, Write};

/// What to do with each disk file line: append the line to write (with its LF) to the
/// buffer. The default keeps the line as it was.
pub trait LineEdit {
    /// Appends the new form of disk file `d`, read from `line`, to `out`.
    fn diskfile(&mut self, _d: &DiskFileRef<'_>, line: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
}

/// Keeps every line.
pub struct KeepLines;
impl LineEdit for KeepLines {}

struct Rewriter<'a, W: Write, H: FnMut(&VolumeHead) -> VolumeHead, E: LineEdit> {
    out: Option<W>,
    writer: Option<VolumeWriter<W>>,
    head_fn: H,
    edit: &'a mut E,
    error: Option<io::Error>,
    line: Vec<u8>,
}

impl<W: Write, H: FnMut(&VolumeHead) -> VolumeHead, E: LineEdit> VolumeVisitor for Rewriter<'_, W, H, E> {
    fn head(&mut self, head: &VolumeHead) {
        let Some(out) = self.out.take() else { return };
        let new = (self.head_fn)(head);
        match VolumeWriter::new(out, &new) {
            Ok(w) => self.writer = Some(w),
            Err(e) => self.error = Some(e),
        }
    }

    fn diskfile(&mut self, _: u64, d: &DiskFileRef<'_>, line: &[u8]) {
        let Some(w) = &mut self.writer else { return };
        if self.error.is_some() {
            return;
        }
        self.line.clear();
        self.edit.diskfile(d, line, &mut self.line);
        if let Err(e) = w.raw_line(&self.line) {
            self.error = Some(e);
        }
    }
}

/// Reads the volume file `name` from `src` and writes it to `dst` with its head replaced
/// by `head_fn(head)` and each disk file line by what `edit` makes of it. The caller must
/// check the returned [`ParsedVolume`] for errors before trusting the output: a file with
/// errors is rewritten only as far as it could be read.
pub fn rewrite_volume<R: Read, W: Write>(
    name: &str,
    src: R,
    dst: W,
    head_fn: impl FnMut(&VolumeHead) -> VolumeHead,
    edit: &mut impl LineEdit,
    (buf, examples): (&mut Vec<u8>, Examples),
) -> io::Result<(ParsedVolume, Option<(W, WrittenVolume)>)> {
    let mut r = Rewriter { out: Some(dst), writer: None, head_fn, edit, error: None, line: Vec::with_capacity(256) };
    let parsed = read_volume_with(name, src, &mut r, buf, examples)?;
    if let Some(e) = r.error {
        return Err(e);
    }
    let written = match r.writer {
        Some(w) => Some(w.finish()?),
        None => None,
    };
    Ok((parsed, written))
}
