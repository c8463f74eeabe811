//! One record line: `tag key=value ...`, values quoted only when they must be.

use crate::model::{Extra, Timestamp, bool_str};

/// True for the bytes a bare value may hold: printable ASCII except space and `"`.
#[inline]
pub fn is_bare_byte(b: u8) -> bool {
    b == 0x21 || (0x23..=0x7e).contains(&b)
}

/// Appends `v` in its canonical form: bare when non-empty and all bare bytes, otherwise
/// quoted with `\"` and `\\` escapes.
pub fn push_value(out: &mut Vec<u8>, v: &str) {
    if !v.is_empty() && v.bytes().all(is_bare_byte) {
        out.extend_from_slice(v.as_bytes());
        return;
    }
    out.push(b'"');
    for &b in v.as_bytes() {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Appends `v` in decimal.
#[inline]
pub fn push_uint(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn push2(out: &mut Vec<u8>, v: u8) {
    out.push(b'0' + v / 10);
    out.push(b'0' + v % 10);
}

/// Appends `t` as `YYYY-MM-DDTHH:MM:SS±HH:MM`.
pub fn push_time(out: &mut Vec<u8>, t: &Timestamp) {
    let (y, mo, d, h, mi, s, off) = t.parts();
    push2(out, (y / 100) as u8);
    push2(out, (y % 100) as u8);
    out.push(b'-');
    push2(out, mo);
    out.push(b'-');
    push2(out, d);
    out.push(b'T');
    push2(out, h);
    out.push(b':');
    push2(out, mi);
    out.push(b':');
    push2(out, s);
    out.push(if off < 0 { b'-' } else { b'+' });
    let a = off.unsigned_abs();
    push2(out, (a / 60) as u8);
    out.push(b':');
    push2(out, (a % 60) as u8);
}

/// A record being written into a buffer. Keys must be added in canonical order.
pub struct Record<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Record<'a> {
    /// Starts a record with `tag`.
    pub fn new(out: &'a mut Vec<u8>, tag: &str) -> Self {
        out.extend_from_slice(tag.as_bytes());
        Record { out }
    }

    fn key(&mut self, key: &str) {
        self.out.push(b' ');
        self.out.extend_from_slice(key.as_bytes());
        self.out.push(b'=');
    }

    /// A text value.
    pub fn text(&mut self, key: &str, v: &str) -> &mut Self {
        self.key(key);
        push_value(self.out, v);
        self
    }

    /// A text value, left out when absent.
    pub fn opt_text(&mut self, key: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.text(key, v);
        }
        self
    }

    /// An integer.
    pub fn uint(&mut self, key: &str, v: u64) -> &mut Self {
        self.key(key);
        push_uint(self.out, v);
        self
    }

    /// A boolean.
    pub fn boolean(&mut self, key: &str, v: bool) -> &mut Self {
        self.key(key);
        self.out.extend_from_slice(bool_str(v).as_bytes());
        self
    }

    /// A time.
    pub fn time(&mut self, key: &str, v: &Timestamp) -> &mut Self {
        self.key(key);
        push_time(self.out, v);
        self
    }

    /// A time, left out when absent.
    pub fn opt_time(&mut self, key: &str, v: Option<&Timestamp>) -> &mut Self {
        if let Some(v) = v {
            self.time(key, v);
        }
        self
    }

    /// Unknown keys, written back as found.
    pub fn extra(&mut self, extra: &Extra) -> &mut Self {
        for (k, v) in &extra.0 {
            self.text(k, v);
        }
        self
    }

    /// Ends the line.
    pub fn end(&mut self) {
        self.out.push(b'\n');
    }
}
