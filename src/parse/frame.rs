//! Framing: splitting a file into lines in one streaming pass, hashing it, and checking
//! the `END` trailer (formats/README.md §2.1, §4). Kind-specific parsers see one line at
//! a time through [`LineHandler`] and never the trailer.
//!
//! One buffer of [`BUFFER`] bytes is reused for the whole file and hashed in large blocks,
//! so memory does not grow with the file and the digest costs what SHA-256 costs.

use super::header::{Trailer, parse_trailer};
use crate::diag::{Code, FileDiagnostics};
use crate::model::Sha256Digest;
use sha2::{Digest, Sha256};
use std::io::{self, Read};

/// The longest line allowed, LF included.
pub const MAX_LINE: usize = 65_536;
/// The read buffer; larger than [`MAX_LINE`] so that a whole line always fits.
const BUFFER: usize = 512 * 1024;

/// Receives the lines of a file before its trailer, header first.
pub trait LineHandler {
    /// One line, without its LF. `number` is 1-based. `text` is the same line as text
    /// when it is valid UTF-8 (checked a buffer at a time, which is much cheaper than line
    /// by line); `None` means it may not be.
    fn line(&mut self, number: u64, line: &[u8], text: Option<&str>, diags: &mut FileDiagnostics);
}

/// What framing found out about a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framed {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the whole file, trailer and anything after it included.
    pub sha256: Sha256Digest,
    /// Lines before the trailer (all complete lines if there is none).
    pub lines: u64,
    /// SHA-256 of the bytes before the trailer, if a trailer was found.
    pub content_sha256: Option<Sha256Digest>,
    /// Bytes before the trailer (the whole size if there is none).
    pub content_len: u64,
    /// True when the last byte of the file is an LF (or the file is empty).
    pub ends_with_lf: bool,
    /// True when the trailer was present, valid, and matched the content.
    pub trailer_ok: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Lines,
    /// Inside a line longer than [`MAX_LINE`], already reported.
    Overlong,
    /// After the trailer's LF.
    AfterEnd,
}

fn is_end_line(line: &[u8]) -> bool {
    line == b"END" || line.starts_with(b"END ")
}

/// Reads `reader` to its end, passing each line before the trailer to `handler`, and
/// reports framing problems (`CS001` overlong lines, `CS003`–`CS006`, `CS011` in the
/// trailer) into `diags`.
pub fn frame<R: Read, H: LineHandler>(reader: R, handler: &mut H, diags: &mut FileDiagnostics) -> io::Result<Framed> {
    frame_with(reader, handler, diags, &mut Vec::new())
}

/// [`frame`] with a read buffer the caller reuses from file to file (it is grown to the
/// size framing needs), which spares an allocation and its page faults per file.
pub fn frame_with<R: Read, H: LineHandler>(
    mut reader: R,
    handler: &mut H,
    diags: &mut FileDiagnostics,
    buf: &mut Vec<u8>,
) -> io::Result<Framed> {
    if buf.len() < BUFFER {
        buf.resize(BUFFER, 0);
    }
    let buf = &mut buf[..BUFFER];
    let mut framer = Framer::new();
    let mut filled = 0usize;
    loop {
        // Pass on the complete lines, keep the partial one, read more.
        let pos = framer.lines(&buf[..filled], handler, diags);
        buf.copy_within(pos..filled, 0);
        filled -= pos;
        let n = read_some(&mut reader, &mut buf[filled..])?;
        if n == 0 {
            break;
        }
        framer.size += n as u64;
        filled += n;
    }
    Ok(framer.finish(&buf[..filled], diags))
}

/// Framing's state from one buffer of a file to the next.
struct Framer {
    /// SHA-256 of the bytes consumed so far.
    hasher: Sha256,
    /// Bytes read.
    size: u64,
    /// Bytes consumed (hashed, and their lines passed on) before the current buffer.
    consumed: u64,
    /// The last line counted.
    line_no: u64,
    state: State,
    /// Once the trailer was found: the lines before it, the digest and length of the
    /// bytes before it, and whether it matched them.
    lines_before_end: Option<u64>,
    content: Option<Sha256Digest>,
    content_len: Option<u64>,
    trailer_ok: bool,
    /// Bytes after the trailer, and the line they start on.
    trailing: u64,
    trailing_line: u64,
}

impl Framer {
    fn new() -> Self {
        Framer {
            hasher: Sha256::new(),
            size: 0,
            consumed: 0,
            line_no: 0,
            state: State::Lines,
            lines_before_end: None,
            content: None,
            content_len: None,
            trailer_ok: false,
            trailing: 0,
            trailing_line: 0,
        }
    }

    /// Passes the complete lines of `buf` to `handler` (the trailer is checked, an
    /// overlong line reported and skipped, bytes after the trailer counted) and hashes
    /// them; returns how many bytes of `buf` were consumed. The rest is a partial line.
    fn lines<H: LineHandler>(&mut self, buf: &[u8], handler: &mut H, diags: &mut FileDiagnostics) -> usize {
        let filled = buf.len();
        let (mut pos, mut hash_from) = (0usize, 0usize);
        // The complete lines in the buffer, checked as UTF-8 in one go.
        let region = &buf[..memchr::memrchr(b'\n', buf).map_or(0, |i| i + 1)];
        let text = std::str::from_utf8(region).ok();
        while let Some(i) = memchr::memchr(b'\n', &region[pos..]) {
            let line = &region[pos..pos + i];
            // The end of an overlong line was counted when the line was reported.
            if self.state != State::Overlong {
                self.line_no += 1;
            }
            match self.state {
                State::Overlong => self.state = State::Lines,
                State::AfterEnd => self.trailing += i as u64 + 1,
                State::Lines if is_end_line(line) => {
                    self.hasher.update(&buf[hash_from..pos]);
                    hash_from = pos;
                    self.trailer(line, self.consumed + pos as u64, diags);
                }
                State::Lines if i >= MAX_LINE => report_overlong(diags, self.line_no, line),
                State::Lines => handler.line(self.line_no, line, text.and_then(|t| t.get(pos..pos + i)), diags),
            }
            pos += i + 1;
        }
        if self.state == State::Lines && filled - pos >= MAX_LINE {
            // No LF within the limit: report once, then skip to the next LF.
            report_overlong(diags, self.line_no + 1, &buf[pos..filled]);
            self.state = State::Overlong;
            self.line_no += 1;
            pos = filled;
        } else if self.state == State::Overlong || self.state == State::AfterEnd {
            if self.state == State::AfterEnd {
                self.trailing += (filled - pos) as u64;
            }
            pos = filled;
        }
        self.hasher.update(&buf[hash_from..pos]);
        self.consumed += pos as u64;
        pos
    }

    /// The `END` line, `line`, after `content_len` bytes of content, all of them hashed.
    fn trailer(&mut self, line: &[u8], content_len: u64, diags: &mut FileDiagnostics) {
        let digest = Sha256Digest(self.hasher.clone().finalize().into());
        self.content_len = Some(content_len);
        self.content = Some(digest);
        self.lines_before_end = Some(self.line_no - 1);
        self.trailer_ok = check_trailer(line, self.line_no, self.line_no - 1, &digest, diags);
        self.state = State::AfterEnd;
        self.trailing_line = self.line_no + 1;
    }

    /// What framing found, once the file ended with `rest` not consumed (a last line
    /// without its LF): `CS003` for a file cut short, `CS006` for bytes after the trailer.
    fn finish(mut self, rest: &[u8], diags: &mut FileDiagnostics) -> Framed {
        let mut truncation_reported = false;
        if !rest.is_empty() {
            self.hasher.update(rest);
            if self.state == State::Lines {
                truncation_reported = true;
                let message = if is_end_line(rest) {
                    "the END line lacks its final LF".to_string()
                } else {
                    format!("the file ends in the middle of line {} (no LF): it was cut short", self.line_no + 1)
                };
                diags.at(Code::TruncatedFile, self.line_no + 1, rest.len() as u64 + 1, rest, || message);
            }
        }
        if self.lines_before_end.is_none() && !truncation_reported {
            if self.size == 0 {
                diags.file_level(Code::TruncatedFile, "the file is empty");
            } else {
                let n = self.line_no;
                diags.file_level(
                    Code::TruncatedFile,
                    format!("the file has no END line after its {n} lines: it was cut short"),
                );
            }
        }
        if self.trailing > 0 {
            let (n, from) = (self.trailing, self.trailing_line);
            let s = if n == 1 { "" } else { "s" };
            diags.file_level(Code::TrailingData, format!("{n} byte{s} follow the END line (from line {from})")).line =
                Some(from);
            self.trailer_ok = false;
        }
        Framed {
            size: self.size,
            sha256: Sha256Digest(self.hasher.finalize().into()),
            lines: self.lines_before_end.unwrap_or(self.line_no),
            content_sha256: self.content,
            content_len: self.content_len.unwrap_or(self.size),
            ends_with_lf: rest.is_empty(),
            trailer_ok: self.trailer_ok,
        }
    }
}

/// The SHA-256 and size of what `reader` gives.
pub fn hash_reader(mut reader: impl Read) -> io::Result<(Sha256Digest, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match read_some(&mut reader, &mut buf)? {
            0 => break,
            n => n,
        };
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((Sha256Digest(h.finalize().into()), size))
}

/// One `read` into `buf`, retried when a signal interrupts it; 0 at the end of the input.
pub fn read_some<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn report_overlong(diags: &mut FileDiagnostics, line_no: u64, line: &[u8]) {
    diags.at(Code::SyntaxError, line_no, MAX_LINE as u64, &line[..line.len().min(MAX_LINE)], || {
        format!("line {line_no} is longer than {MAX_LINE} bytes, the format's limit")
    });
}

/// Checks the trailer line against the content; true when all is well.
fn check_trailer(line: &[u8], line_no: u64, lines: u64, digest: &Sha256Digest, diags: &mut FileDiagnostics) -> bool {
    match parse_trailer(line) {
        Err(e) => {
            diags.at(e.code, line_no, e.column as u64, line, || e.message.clone());
            false
        }
        Ok(Trailer { lines: declared, sha256, upper_case_hex, crlf }) => {
            let mut ok = true;
            if crlf {
                diags.at(Code::NonCanonical, line_no, line.len() as u64, line, || {
                    "the END line ends with CR LF; the format uses LF alone".to_string()
                });
                ok = false;
            }
            // "END lines=" is 10 bytes, then the digits, then " sha256=" (8 bytes).
            let hex_column = 19 + declared.to_string().len() as u64;
            if upper_case_hex {
                diags.at(Code::NonCanonical, line_no, hex_column, line, || {
                    "the END line's digest is written in upper-case hex; the format uses lower case".to_string()
                });
                ok = false;
            }
            if declared != lines {
                diags.at(Code::LineCountMismatch, line_no, 11, line, || {
                    format!("the END line says lines={declared} but {lines} lines precede it")
                });
                ok = false;
            }
            if sha256 != *digest {
                diags.at(Code::ChecksumMismatch, line_no, hex_column, line, || {
                    format!(
                        "the content does not match the END line's digest: it hashes to {}, the END line says {}",
                        digest.short(),
                        sha256.short()
                    )
                });
                ok = false;
            }
            ok
        }
    }
}
