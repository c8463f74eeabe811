//! Reading a listing row by row, streaming, through one large buffer. A row's bytes are
//! copied once into a [`RawRow`] the caller reuses, so that a rejected value can be
//! reported at its own line and column (a quoted CSV field may span lines).
//!
//! CSV records are split here, the way the `csv` crate splits them with the options sync
//! gives it (any delimiter, an optional quote character with doubled quotes inside quoted
//! fields, no escape or comment character, `\n`, `\r` or `\r\n` ending a record, records of
//! any length): a record without a quote character is split at its delimiters directly;
//! any other goes through the same state machine as `csv_core`'s.

use super::spec::{Locator, SourceFormat, SourceSpec};
use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::Path;

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

/// One row of the source. Reused from row to row: its buffers keep their capacity.
#[derive(Clone, Debug, Default)]
pub struct RawRow {
    /// The line it starts on.
    pub line: u64,
    /// Its bytes, without the line end (a quoted CSV field may hold line ends).
    pub raw: Vec<u8>,
    /// True for a CSV row (its values are fields, not byte ranges of `raw`).
    csv: bool,
    /// Where each field of a CSV row ends: in `raw`, where the next starts after a
    /// delimiter, or in `unquoted` when `quoted`, where the next starts at once. (Four
    /// bytes a field: rows are handed between threads, and their size is what costs.)
    ends: Vec<u32>,
    /// True when the fields are in `unquoted`.
    quoted: bool,
    /// The field bytes of a record with quoted fields, quotes removed.
    unquoted: Vec<u8>,
}

impl RawRow {
    /// The bytes `locator` designates: empty when the row is too short for them.
    pub fn value<'r>(&'r self, locator: &'r Locator) -> &'r [u8] {
        match locator {
            Locator::Column(i) => self.field(*i),
            Locator::Fixed { offset, length } => {
                let start = (*offset).min(self.raw.len());
                let end = length.map_or(self.raw.len(), |l| offset.saturating_add(l).min(self.raw.len()));
                &self.raw[start..end]
            }
            Locator::Literal(v) => v.as_bytes(),
            Locator::Named(_) => b"",
        }
    }

    /// CSV field `i`, empty when there is none.
    fn field(&self, i: usize) -> &[u8] {
        if !self.csv {
            return b"";
        }
        self.field_range(i)
            .and_then(|r| if self.quoted { self.unquoted.get(r) } else { self.raw.get(r) })
            .unwrap_or_default()
    }

    /// The range of CSV field `i` in `raw`, or in `unquoted` when `quoted`.
    fn field_range(&self, i: usize) -> Option<Range<usize>> {
        let end = *self.ends.get(i)? as usize;
        let start = match i.checked_sub(1).and_then(|j| self.ends.get(j)) {
            None => 0,
            Some(&e) => e as usize + usize::from(!self.quoted),
        };
        Some(start..end)
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
        if self.csv {
            (0..self.ends.len()).all(|i| self.field(i).iter().all(u8::is_ascii_whitespace))
        } else {
            self.raw.iter().all(u8::is_ascii_whitespace)
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

/// The buffer size: large reads, and few rows cut by the buffer's end.
const BUFFER: usize = 1 << 20;

/// A listing being read.
pub struct SourceReader {
    file: File,
    /// Bytes read: `buf[pos..end]` is not consumed yet.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// The file has no more bytes than `buf[..end]`.
    eof: bool,
    /// The line of `buf[pos]` (1-based).
    line: u64,
    spec: SourceSpec,
    /// The column names of a CSV source's last header line, and that line's number.
    pub header: Option<(Vec<String>, u64)>,
}

impl SourceReader {
    /// Opens `path` and reads its header lines.
    pub fn open(path: &Path, spec: &SourceSpec) -> io::Result<SourceReader> {
        Self::with_buffer(File::open(path)?, spec, BUFFER)
    }

    fn with_buffer(file: File, spec: &SourceSpec, size: usize) -> io::Result<SourceReader> {
        let mut r = SourceReader {
            file,
            buf: vec![0; size.max(1)],
            pos: 0,
            end: 0,
            eof: false,
            line: 1,
            spec: spec.clone(),
            header: None,
        };
        let mut last = None;
        for n in 1..=spec.header_lines {
            let Some(line) = r.next_line()? else { break };
            last = Some((trim_end(&r.buf[line]).to_vec(), n));
        }
        if let SourceFormat::Csv { .. } = spec.format {
            r.header = last.map(|(bytes, n)| (header_names(&bytes, spec), n));
        }
        Ok(r)
    }

    /// Reads more of the file into the buffer, keeping `buf[pos..end]` (moved to the
    /// front) and growing the buffer when that fills it. False at the end of the file.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = crate::parse::read_some(&mut self.file, &mut self.buf[self.end..])?;
        self.end += n;
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// The next line, its `\n` included (the last line may have none), as a range of the
    /// buffer; `None` at the end of the file.
    fn next_line(&mut self) -> io::Result<Option<Range<usize>>> {
        let mut from = self.pos;
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[from..self.end]) {
                let line = self.pos..from + i + 1;
                self.pos = line.end;
                self.line += 1;
                return Ok(Some(line));
            }
            let scanned = self.end - self.pos;
            if !self.fill()? {
                if self.pos == self.end {
                    return Ok(None);
                }
                let line = self.pos..self.end;
                self.pos = self.end;
                return Ok(Some(line));
            }
            from = self.pos + scanned;
        }
    }

    /// Reads the next row into `row`; false at the end of the listing. Blank lines and
    /// lines matching `skip` are passed over.
    pub fn next_row(&mut self, row: &mut RawRow) -> io::Result<bool> {
        loop {
            let more = match self.spec.format {
                SourceFormat::Csv { delimiter, quote } => self.next_csv(row, delimiter, quote)?,
                SourceFormat::Fixed => self.next_fixed(row)?,
            };
            if !more {
                return Ok(false);
            }
            if row.is_blank() {
                continue;
            }
            if !self.spec.skip.is_empty() {
                let text = String::from_utf8_lossy(&row.raw);
                if self.spec.skip.iter().any(|g| g.matches(&text)) {
                    continue;
                }
            }
            return Ok(true);
        }
    }

    fn next_fixed(&mut self, row: &mut RawRow) -> io::Result<bool> {
        let line = self.line;
        let Some(range) = self.next_line()? else { return Ok(false) };
        row.line = line;
        row.csv = false;
        row.raw.clear();
        row.raw.extend_from_slice(trim_end(&self.buf[range]));
        Ok(true)
    }

    /// Passes over line ends (blank lines, the `\n` of a `\r\n`); false at the end.
    fn skip_line_ends(&mut self) -> io::Result<bool> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b'\n' => self.line += 1,
                    b'\r' => {}
                    _ => return Ok(true),
                }
                self.pos += 1;
            }
            if !self.fill()? {
                return Ok(false);
            }
        }
    }

    fn next_csv(&mut self, row: &mut RawRow, delimiter: u8, quote: Option<u8>) -> io::Result<bool> {
        if !self.skip_line_ends()? {
            return Ok(false);
        }
        row.line = self.line;
        row.csv = true;
        row.ends.clear();
        row.raw.clear();
        // The common case: a record without quotes ends at the first `\n` or `\r`.
        let mut from = self.pos;
        let end = loop {
            let rest = &self.buf[from..self.end];
            let found = match quote {
                Some(q) => memchr::memchr3(b'\n', b'\r', q, rest),
                None => memchr::memchr2(b'\n', b'\r', rest),
            };
            if let Some(i) = found {
                break from + i;
            }
            let scanned = self.end - self.pos;
            if !self.fill()? {
                break self.end;
            }
            from = self.pos + scanned;
        };
        if end < self.end && Some(self.buf[end]) == quote {
            return self.quoted_record(row, delimiter, quote);
        }
        let line = &self.buf[self.pos..end];
        if u32::try_from(line.len()).is_err() {
            return Err(too_long());
        }
        row.quoted = false;
        row.raw.extend_from_slice(line);
        split(line, delimiter, &mut row.ends);
        // The line end is passed over with the next record's leading line ends.
        self.pos = end;
        Ok(true)
    }

    /// A record the fast path cannot split, through the state machine of `csv_core`: a
    /// quote opens a quoted field only at the start of a field; in a quoted field a
    /// doubled quote is a quote and a single one closes the field, and what follows it up
    /// to the next delimiter or line end is part of the value; `\r` and `\n` outside quotes
    /// end the record (the byte that ends it is consumed).
    fn quoted_record(&mut self, row: &mut RawRow, delimiter: u8, quote: Option<u8>) -> io::Result<bool> {
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum State {
            StartField,
            InField,
            InQuoted,
            QuoteInQuoted,
        }
        let q = quote.map_or(-1, i32::from);
        row.quoted = true;
        row.unquoted.clear();
        let mut state = State::StartField;
        // Offset of the next byte from `pos` (the record's first byte).
        let mut at = 0;
        loop {
            if self.pos + at == self.end && !self.fill()? {
                break;
            }
            let c = self.buf[self.pos + at];
            at += 1;
            let is_quote = i32::from(c) == q;
            let ends_record = c == b'\n' || c == b'\r';
            match state {
                State::InQuoted => {
                    if is_quote {
                        state = State::QuoteInQuoted;
                    } else {
                        row.unquoted.push(c);
                    }
                    continue;
                }
                State::QuoteInQuoted if is_quote => {
                    row.unquoted.push(c);
                    state = State::InQuoted;
                    continue;
                }
                State::StartField if is_quote => {
                    state = State::InQuoted;
                    continue;
                }
                _ => {}
            }
            if c == delimiter {
                row.ends.push(u32::try_from(row.unquoted.len()).map_err(|_| too_long())?);
                state = State::StartField;
            } else if ends_record {
                break;
            } else {
                row.unquoted.push(c);
                state = State::InField;
            }
        }
        row.ends.push(u32::try_from(row.unquoted.len()).map_err(|_| too_long())?);
        let record = &self.buf[self.pos..self.pos + at];
        self.line += memchr::memchr_iter(b'\n', record).count() as u64;
        row.raw.extend_from_slice(trim_end(record));
        self.pos += at;
        Ok(true)
    }
}

fn too_long() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "a row of the listing is longer than 4 GiB")
}

/// Pushes where each `delimiter`-separated field of `line` (which holds no quote and is
/// shorter than 4 GiB) ends to `ends`, eight bytes at a time: the bytes equal to the
/// delimiter are found with word arithmetic (exact: no carry crosses a byte).
fn split(line: &[u8], delimiter: u8, ends: &mut Vec<u32>) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let pattern = ONES * u64::from(delimiter);
    let mut chunks = line.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // 0x80 in each byte of `x` that is zero (a delimiter), 0 elsewhere.
        let mut hits = !(((x & LOW7) + LOW7) | x | LOW7);
        while hits != 0 {
            ends.push((base + hits.trailing_zeros() as usize / 8) as u32);
            hits &= hits - 1;
        }
        base += 8;
    }
    for (j, &c) in chunks.remainder().iter().enumerate() {
        if c == delimiter {
            ends.push((base + j) as u32);
        }
    }
    ends.push(line.len() as u32);
}

fn header_names(line: &[u8], spec: &SourceSpec) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new();
    r.has_headers(false).flexible(true);
    if let SourceFormat::Csv { delimiter, quote } = spec.format {
        r.delimiter(delimiter);
        match quote {
            Some(q) => r.quote(q),
            None => r.quoting(false),
        };
    }
    let mut record = csv::ByteRecord::new();
    match r.from_reader(line).read_byte_record(&mut record) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn csv_field_starts_follow_quotes() {
        assert_eq!(field_starts(b"a,\"b,c\",d", b',', Some(b'"')), vec![0, 2, 8]);
        assert_eq!(field_starts(b"a,\"b\"\",c\",d", b',', Some(b'"')), vec![0, 2, 10]);
        assert_eq!(field_starts(b"a,b\"c,d", b',', Some(b'"')), vec![0, 2, 6]);
        assert_eq!(field_starts(b"a;\"b;c", b';', None), vec![0, 2, 5]);
    }

    #[test]
    fn places_point_into_the_line_of_a_multi_line_record() {
        let row = RawRow { line: 7, raw: b"A,\"x\ny\",ZZ".to_vec(), ..Default::default() };
        let csv = SourceFormat::Csv { delimiter: b',', quote: Some(b'"') };
        assert_eq!(row.place(At::Cell(2), csv), Place { line: 8, column: 4, text: b"y\",ZZ".to_vec() });
        assert_eq!(row.place(At::Cell(1), csv), Place { line: 7, column: 3, text: b"A,\"x".to_vec() });
        assert_eq!(row.place(At::Cell(9), csv).column, 6, "a missing column points at the end");
    }

    /// A row as the test compares it: line, raw bytes, fields.
    type Seen = (u64, Vec<u8>, Vec<Vec<u8>>);

    /// What the reader this one replaced gave (the `csv` crate, its records' positions
    /// and the bytes between them), blank rows and skipped lines left out.
    fn reference(text: &[u8], spec: &SourceSpec) -> Vec<Seen> {
        let mut lines = 0;
        let mut at = 0;
        for _ in 0..spec.header_lines {
            match text[at..].iter().position(|&b| b == b'\n') {
                Some(i) => {
                    at += i + 1;
                    lines += 1;
                }
                None => at = text.len(),
            }
        }
        let data = &text[at..];
        let SourceFormat::Csv { delimiter, quote } = spec.format else { return Vec::new() };
        let mut b = csv::ReaderBuilder::new();
        b.has_headers(false).flexible(true).delimiter(delimiter);
        match quote {
            Some(q) => b.quote(q),
            None => b.quoting(false),
        };
        let mut r = b.from_reader(data);
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        while r.read_byte_record(&mut record).unwrap() {
            let (start, line) = record.position().map_or((0, 1), |p| (p.byte() as usize, p.line()));
            let raw = &data[start..r.position().byte() as usize];
            let lead = raw.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
            let newlines = raw[..lead].iter().filter(|&&b| b == b'\n').count() as u64;
            let fields: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
            if fields.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            let raw = trim_end(&raw[lead..]).to_vec();
            if spec.skip.iter().any(|g| g.matches(&String::from_utf8_lossy(&raw))) {
                continue;
            }
            out.push((lines + line + newlines, raw, fields));
        }
        out
    }

    fn read_all(text: &[u8], spec: &SourceSpec, buffer: usize) -> Vec<Seen> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("listing");
        std::fs::write(&path, text).unwrap();
        let mut r = SourceReader::with_buffer(File::open(&path).unwrap(), spec, buffer).unwrap();
        let mut row = RawRow::default();
        let mut out = Vec::new();
        while r.next_row(&mut row).unwrap() {
            let n = row.ends.len();
            out.push((row.line, row.raw.clone(), (0..n).map(|i| row.field(i).to_vec()).collect()));
        }
        out
    }

    fn spec(delimiter: u8, quote: Option<u8>, header_lines: u64, skip: &[&str]) -> SourceSpec {
        SourceSpec {
            format: SourceFormat::Csv { delimiter, quote },
            header_lines,
            trim: true,
            skip: skip.iter().map(|p| crate::sync::Glob::new(p).unwrap()).collect(),
        }
    }

    #[test]
    fn records_lines_and_fields_are_the_csv_crates() {
        let cases: &[&[u8]] = &[
            b"h1,h2\na,b\nc,d",
            b"h\r\na,\"b\r\nc\",d\r\n\r\n\n  ,\t\ne,f\r",
            b"h\na,\"b\"\"c\"x,d\n\"\"\n\"open\nstill,open",
            b"h\na\rb\r\rc,\"\r\"\n",
            b"",
            b"h",
            b"h\n\n\n",
            b"h\nx,\"y\"\"\",\"\"\"\",z\n",
        ];
        for text in cases {
            for s in [spec(b',', Some(b'"'), 1, &[]), spec(b',', None, 1, &[]), spec(b';', Some(b'\''), 0, &["e*"])] {
                for buffer in [1, 3, 64, BUFFER] {
                    assert_eq!(
                        read_all(text, &s, buffer),
                        reference(text, &s),
                        "{:?} buffer {buffer}",
                        String::from_utf8_lossy(text)
                    );
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_text_splits_as_the_csv_crate_splits_it(
            text in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b','), Just(b'"'), Just(b'\r'), Just(b'\n'), Just(b' '), Just(0xc3)],
                0..60,
            ),
            header_lines in 0u64..3,
            buffer in 1usize..16,
            quoting in any::<bool>(),
        ) {
            let s = spec(b',', quoting.then_some(b'"'), header_lines, &[]);
            prop_assert_eq!(read_all(&text, &s, buffer), reference(&text, &s));
        }
    }

    #[test]
    fn split_finds_every_delimiter() {
        for line in [&b""[..], b",", b"abcdefgh,", b"a,bcdefgh,ijklmnopq,,r", b";;;;;;;;;;;;;;;;;", b"\xff,\x80\x81,"] {
            for d in [b',', b';', 0x81] {
                let mut row = RawRow { raw: line.to_vec(), csv: true, ..Default::default() };
                split(line, d, &mut row.ends);
                let got: Vec<&[u8]> = (0..row.ends.len()).map(|i| row.field(i)).collect();
                let want: Vec<&[u8]> = line.split(|&c| c == d).collect();
                assert_eq!(got, want, "{line:?} {d}");
            }
        }
    }

    #[test]
    fn fixed_lines_keep_their_numbers() {
        let s = SourceSpec { format: SourceFormat::Fixed, header_lines: 1, trim: true, skip: Vec::new() };
        let got = read_all(b"title\nA  1\r\n\n  \nB  2", &s, 2);
        let lines: Vec<(u64, Vec<u8>)> = got.into_iter().map(|(l, raw, _)| (l, raw)).collect();
        assert_eq!(lines, vec![(2, b"A  1".to_vec()), (5, b"B  2".to_vec())]);
    }
}
