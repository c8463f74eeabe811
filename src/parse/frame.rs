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
    let mut hasher = Sha256::new();
    let (mut filled, mut pos, mut hash_from) = (0usize, 0usize, 0usize);
    let mut size: u64 = 0;
    let mut line_no: u64 = 0;
    let mut state = State::Lines;
    let mut lines_before_end: Option<u64> = None;
    let mut content: Option<Sha256Digest> = None;
    let mut trailer_ok = false;
    let mut trailing: u64 = 0;
    let mut trailing_line: u64 = 0;
    let mut consumed: u64 = 0;
    let mut content_len: Option<u64> = None;

    loop {
        // The complete lines in the buffer, checked as UTF-8 in one go.
        let region_start = pos;
        let region_end = memchr::memrchr(b'\n', &buf[pos..filled]).map_or(pos, |i| pos + i + 1);
        let region = &buf[region_start..region_end];
        let text = std::str::from_utf8(region).ok();
        while let Some(i) = memchr::memchr(b'\n', &region[pos - region_start..]) {
            let line = &region[pos - region_start..pos - region_start + i];
            // The end of an overlong line was counted when the line was reported.
            if state != State::Overlong {
                line_no += 1;
            }
            match state {
                State::Overlong => state = State::Lines,
                State::AfterEnd => trailing += i as u64 + 1,
                State::Lines if is_end_line(line) => {
                    hasher.update(&buf[hash_from..pos]);
                    hash_from = pos;
                    content_len = Some(consumed + pos as u64);
                    let digest = Sha256Digest(hasher.clone().finalize().into());
                    content = Some(digest);
                    lines_before_end = Some(line_no - 1);
                    trailer_ok = check_trailer(line, line_no, line_no - 1, &digest, diags);
                    state = State::AfterEnd;
                    trailing_line = line_no + 1;
                }
                State::Lines => {
                    if i >= MAX_LINE {
                        report_overlong(diags, line_no, line);
                    } else {
                        let t = text.and_then(|t| t.get(pos - region_start..pos - region_start + i));
                        handler.line(line_no, line, t, diags);
                    }
                }
            }
            pos += i + 1;
        }
        if state == State::Lines && filled - pos >= MAX_LINE {
            // No LF within the limit: report once, then skip to the next LF.
            report_overlong(diags, line_no + 1, &buf[pos..filled]);
            state = State::Overlong;
            line_no += 1;
            pos = filled;
        } else if state == State::Overlong || state == State::AfterEnd {
            if state == State::AfterEnd {
                trailing += (filled - pos) as u64;
            }
            pos = filled;
        }
        // Hash what has been consumed, keep the partial line, read more.
        hasher.update(&buf[hash_from..pos]);
        consumed += pos as u64;
        buf.copy_within(pos..filled, 0);
        filled -= pos;
        pos = 0;
        hash_from = 0;
        let n = read_some(&mut reader, &mut buf[filled..])?;
        if n == 0 {
            break;
        }
        size += n as u64;
        filled += n;
    }
    // A last line without its LF.
    let mut truncation_reported = false;
    if filled > 0 {
        hasher.update(&buf[..filled]);
        if state == State::Lines {
            truncation_reported = true;
            let partial = &buf[..filled];
            let message = if is_end_line(partial) {
                "the END line lacks its final LF".to_string()
            } else {
                format!("the file ends in the middle of line {} (no LF): it was cut short", line_no + 1)
            };
            diags.at(Code::TruncatedFile, line_no + 1, filled as u64 + 1, partial, || message);
        }
    }
    if lines_before_end.is_none() && !truncation_reported {
        if size == 0 {
            diags.file_level(Code::TruncatedFile, "the file is empty");
        } else {
            diags.file_level(
                Code::TruncatedFile,
                format!("the file has no END line after its {line_no} lines: it was cut short"),
            );
        }
    }
    if trailing > 0 {
        diags
            .file_level(
                Code::TrailingData,
                format!(
                    "{trailing} byte{} follow the END line (from line {trailing_line})",
                    if trailing == 1 { "" } else { "s" }
                ),
            )
            .line = Some(trailing_line);
        trailer_ok = false;
    }
    Ok(Framed {
        size,
        sha256: Sha256Digest(hasher.finalize().into()),
        lines: lines_before_end.unwrap_or(line_no),
        content_sha256: content,
        content_len: content_len.unwrap_or(size),
        ends_with_lf: filled == 0,
        trailer_ok,
    })
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
