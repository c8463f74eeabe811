//! Reading a listing row by row, streaming: CSV through the `csv` crate, column-aligned
//! report text line by line. Each row keeps its raw bytes, so that a rejected value can
//! be reported at its own line and column (a quoted CSV field may span lines).

use super::definition::{Locator, SourceFormat, SourceSpec};
use csv::ByteRecord;
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

/// Where a value sits in its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// A CSV field, by 0-based index.
    Cell(usize),
    /// A byte offset of a fixed-width line.
    Offset(usize),
    /// Not in the source (a literal of the definition).
    Nowhere,
}

impl At {
    /// Where the value of `locator` sits.
    pub fn of(locator: &Locator) -> At {
        match locator {
            Locator::Column(i) => At::Cell(*i),
            Locator::Fixed { offset, .. } => At::Offset(*offset),
            Locator::Named(_) | Locator::Literal(_) => At::Nowhere,
        }
    }
}

/// A place in the source, for findings: 1-based line and byte column, and the line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// Line.
    pub line: u64,
    /// Column, in bytes.
    pub column: u64,
    /// The line's bytes, without its end.
    pub text: Vec<u8>,
}

/// One row of the source.
#[derive(Clone, Debug)]
pub struct RawRow {
    /// The line it starts on.
    pub line: u64,
    /// Its bytes, without the line end (a quoted CSV field may hold line ends).
    pub raw: Vec<u8>,
    /// Its fields, for a CSV source.
    record: Option<ByteRecord>,
}

impl RawRow {
    /// The bytes `locator` designates: empty when the row is too short for them.
    pub fn value<'r>(&'r self, locator: &'r Locator) -> &'r [u8] {
        match locator {
            Locator::Column(i) => self.record.as_ref().and_then(|r| r.get(*i)).unwrap_or(b""),
            Locator::Fixed { offset, length } => {
                let start = (*offset).min(self.raw.len());
                let end = length.map_or(self.raw.len(), |l| offset.saturating_add(l).min(self.raw.len()));
                &self.raw[start..end]
            }
            Locator::Literal(v) => v.as_bytes(),
            Locator::Named(_) => b"",
        }
    }

    /// Where `at` is, for a finding.
    pub fn place(&self, at: At, format: SourceFormat) -> Place {
        let offset = match (at, format) {
            (At::Cell(i), SourceFormat::Csv { delimiter, quote }) => {
                field_starts(&self.raw, delimiter, quote).get(i).copied().unwrap_or(self.raw.len())
            }
            (At::Offset(o), _) => o.min(self.raw.len()),
            _ => 0,
        };
        let before = &self.raw[..offset];
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line_end = self.raw[offset..].iter().position(|&b| b == b'\n').map_or(self.raw.len(), |i| offset + i);
        let text = self.raw[line_start..line_end].strip_suffix(b"\r").unwrap_or(&self.raw[line_start..line_end]);
        Place {
            line: self.line + before.iter().filter(|&&b| b == b'\n').count() as u64,
            column: (offset - line_start) as u64 + 1,
            text: text.to_vec(),
        }
    }

    /// True when every value is empty or white space: a blank line.
    fn is_blank(&self) -> bool {
        match &self.record {
            Some(r) => r.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)),
            None => self.raw.iter().all(u8::is_ascii_whitespace),
        }
    }
}

/// The byte offset of each field of a raw CSV record: fields split at delimiters outside
/// quotes; a quote opens a quoted field only at the start of a field, and a doubled quote
/// inside one is a quote character (the `csv` crate's defaults).
fn field_starts(raw: &[u8], delimiter: u8, quote: Option<u8>) -> Vec<usize> {
    let mut starts = vec![0];
    let mut quoted = false;
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if quoted {
            if Some(c) == quote {
                if raw.get(i + 1) == Some(&c) {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if Some(c) == quote && starts.last() == Some(&i) {
            quoted = true;
        } else if c == delimiter {
            starts.push(i + 1);
        }
        i += 1;
    }
    starts
}

/// The bytes the CSV reader has read and not yet handed out as rows.
#[derive(Default)]
struct Kept {
    /// Offset (after the header lines) of `bytes[0]`.
    base: u64,
    bytes: Vec<u8>,
}

/// A reader that keeps a copy of what passes through it: the `csv` crate gives values
/// and record offsets, not the raw text a finding must point into.
struct Tee<R> {
    inner: R,
    kept: Rc<RefCell<Kept>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        let mut kept = self.kept.try_borrow_mut().map_err(io::Error::other)?;
        kept.bytes.extend_from_slice(&out[..n]);
        Ok(n)
    }
}

enum Inner {
    Csv { reader: Box<csv::Reader<Tee<BufReader<File>>>>, kept: Rc<RefCell<Kept>> },
    Fixed { reader: BufReader<File>, line: u64 },
}

/// A listing being read.
pub struct SourceReader {
    inner: Inner,
    spec: SourceSpec,
    /// The column names of a CSV source's last header line, and that line's number.
    pub header: Option<(Vec<String>, u64)>,
}

impl SourceReader {
    /// Opens `path` and reads its header lines.
    pub fn open(path: &Path, spec: &SourceSpec) -> io::Result<SourceReader> {
        let mut reader = BufReader::with_capacity(256 * 1024, File::open(path)?);
        let mut last = None;
        let mut buf = Vec::new();
        for n in 1..=spec.header_lines {
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            last = Some((trim_end(&buf).to_vec(), n));
        }
        let inner = match spec.format {
            SourceFormat::Csv { .. } => {
                let kept = Rc::new(RefCell::new(Kept::default()));
                let tee = Tee { inner: reader, kept: Rc::clone(&kept) };
                Inner::Csv { reader: Box::new(csv_builder(spec).from_reader(tee)), kept }
            }
            SourceFormat::Fixed => Inner::Fixed { reader, line: spec.header_lines },
        };
        let header = match spec.format {
            SourceFormat::Csv { .. } => last.map(|(bytes, n)| (header_names(&bytes, spec), n)),
            SourceFormat::Fixed => None,
        };
        Ok(SourceReader { inner, spec: spec.clone(), header })
    }

    /// The next row; blank lines and lines matching `skip` are passed over.
    pub fn next_row(&mut self) -> io::Result<Option<RawRow>> {
        loop {
            let row = match &mut self.inner {
                Inner::Csv { reader, kept } => next_csv(reader, kept, self.spec.header_lines)?,
                Inner::Fixed { reader, line } => next_fixed(reader, line)?,
            };
            let Some(row) = row else { return Ok(None) };
            if row.is_blank() {
                continue;
            }
            if !self.spec.skip.is_empty() {
                let text = String::from_utf8_lossy(&row.raw);
                if self.spec.skip.iter().any(|g| g.matches(&text)) {
                    continue;
                }
            }
            return Ok(Some(row));
        }
    }
}

fn csv_builder(spec: &SourceSpec) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(false).flexible(true);
    if let SourceFormat::Csv { delimiter, quote } = spec.format {
        b.delimiter(delimiter);
        match quote {
            Some(q) => b.quote(q),
            None => b.quoting(false),
        };
    }
    b
}

fn header_names(line: &[u8], spec: &SourceSpec) -> Vec<String> {
    let mut r = csv_builder(spec).from_reader(line);
    let mut record = ByteRecord::new();
    match r.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|f| {
                let s = String::from_utf8_lossy(f);
                if spec.trim { s.trim().to_string() } else { s.into_owned() }
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn trim_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn next_csv(
    reader: &mut csv::Reader<Tee<BufReader<File>>>,
    kept: &Rc<RefCell<Kept>>,
    header_lines: u64,
) -> io::Result<Option<RawRow>> {
    let mut record = ByteRecord::new();
    if !reader.read_byte_record(&mut record)? {
        return Ok(None);
    }
    let (start, line) = record.position().map_or((0, 1), |p| (p.byte(), p.line()));
    let end = reader.position().byte();
    let mut kept = kept.try_borrow_mut().map_err(io::Error::other)?;
    let from = start.saturating_sub(kept.base) as usize;
    let to = end.saturating_sub(kept.base) as usize;
    let raw = kept.bytes.get(from..to).unwrap_or_default().to_vec();
    let drained = to.min(kept.bytes.len());
    kept.bytes.drain(..drained);
    kept.base += drained as u64;
    // A record's offset is where the previous one ended: before the rest of its line end
    // and any blank lines, which the line number does not count yet.
    let lead = raw.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
    let newlines = raw[..lead].iter().filter(|&&b| b == b'\n').count() as u64;
    Ok(Some(RawRow {
        line: header_lines + line + newlines,
        raw: trim_end(&raw[lead..]).to_vec(),
        record: Some(record),
    }))
}

fn next_fixed(reader: &mut BufReader<File>, line: &mut u64) -> io::Result<Option<RawRow>> {
    let mut buf = Vec::new();
    if reader.read_until(b'\n', &mut buf)? == 0 {
        return Ok(None);
    }
    *line += 1;
    Ok(Some(RawRow { line: *line, raw: trim_end(&buf).to_vec(), record: None }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_field_starts_follow_quotes() {
        assert_eq!(field_starts(b"a,\"b,c\",d", b',', Some(b'"')), vec![0, 2, 8]);
        assert_eq!(field_starts(b"a,\"b\"\",c\",d", b',', Some(b'"')), vec![0, 2, 10]);
        assert_eq!(field_starts(b"a,b\"c,d", b',', Some(b'"')), vec![0, 2, 6]);
        assert_eq!(field_starts(b"a;\"b;c", b';', None), vec![0, 2, 5]);
    }

    #[test]
    fn places_point_into_the_line_of_a_multi_line_record() {
        let row = RawRow { line: 7, raw: b"A,\"x\ny\",ZZ".to_vec(), record: None };
        let csv = SourceFormat::Csv { delimiter: b',', quote: Some(b'"') };
        assert_eq!(row.place(At::Cell(2), csv), Place { line: 8, column: 4, text: b"y\",ZZ".to_vec() });
        assert_eq!(row.place(At::Cell(1), csv), Place { line: 7, column: 3, text: b"A,\"x".to_vec() });
        assert_eq!(row.place(At::Cell(9), csv).column, 6, "a missing column points at the end");
    }
}
