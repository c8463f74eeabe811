//! Matching a lexed line against its record's schema (known keys, their canonical order,
//! which are required) and decoding typed values, reporting every problem with a column.

use super::lex::{Field, Lexed, unescape};
use crate::diag::{Code, FileDiagnostics};
use crate::model::{Extra, ValueError};
use std::borrow::Cow;

/// The most keys a record type knows.
pub const MAX_KEYS: usize = 12;
const ABSENT: u16 = u16::MAX;

/// A record type: its tag and its known keys in canonical order.
pub struct Schema {
    /// The tag.
    pub tag: &'static str,
    /// Known keys, in canonical order.
    pub keys: &'static [&'static str],
    /// Whether each key is required.
    pub required: &'static [bool],
}

/// A line matched against a schema: where each known key is, which fields are unknown.
pub struct Rec<'a> {
    /// The line, without LF.
    pub line: &'a str,
    /// Its 1-based number.
    pub no: u64,
    fields: &'a [Field],
    schema: &'static Schema,
    idx: [u16; MAX_KEYS],
    extra: Vec<u16>,
    /// False once any value of the record was refused.
    pub ok: bool,
}

/// The unknown keys of one record seen so far. A key of up to eight bytes is held as the
/// number its bytes make (keys hold no NUL, so no two keys make one number), which hashes
/// faster than text; a longer key as text. Both sets use a fast hash seeded per process.
struct UnknownKeys<'a> {
    /// Keys of up to three characters, by their number in base 38 (the 37 characters a
    /// key may hold, and none): a bit each, 55,000 bits in all.
    tiny: Box<[u64; TINY_WORDS]>,
    short: std::collections::HashSet<u64, foldhash::fast::RandomState>,
    long: std::collections::HashSet<&'a str, foldhash::fast::RandomState>,
}

/// 38 to the third, in 64-bit words.
const TINY_WORDS: usize = (38 * 38 * 38usize).div_ceil(64);

impl<'a> UnknownKeys<'a> {
    fn new() -> Self {
        UnknownKeys {
            tiny: Box::new([0; TINY_WORDS]),
            short: std::collections::HashSet::with_hasher(foldhash::fast::RandomState::default()),
            long: std::collections::HashSet::with_hasher(foldhash::fast::RandomState::default()),
        }
    }

    /// False when `key` was seen before.
    fn insert(&mut self, key: &'a str) -> bool {
        let b = key.as_bytes();
        if b.len() <= 3 {
            let digit = |c: u8| match c {
                b'a'..=b'z' => u32::from(c - b'a') + 1,
                b'0'..=b'9' => u32::from(c - b'0') + 27,
                _ => 37,
            };
            let n = b.iter().fold(0u32, |n, &c| n * 38 + digit(c)) as usize;
            let (word, bit) = (n / 64, 1u64 << (n % 64));
            let seen = self.tiny[word] & bit != 0;
            self.tiny[word] |= bit;
            !seen
        } else if b.len() <= 8 {
            let mut n = [0u8; 8];
            n[..b.len()].copy_from_slice(b);
            self.short.insert(u64::from_le_bytes(n))
        } else {
            self.long.insert(key)
        }
    }
}

impl<'a> Rec<'a> {
    /// Matches the fields of `lexed` against `schema`, reporting duplicate keys (`CS010`),
    /// keys out of canonical order (`CS011`) and missing required keys (`CS009`). Returns
    /// `None` when a key is duplicated or missing, as the record cannot be built then.
    pub fn matched(
        line: &'a str,
        no: u64,
        lexed: &'a Lexed,
        schema: &'static Schema,
        diags: &mut FileDiagnostics,
    ) -> Option<Rec<'a>> {
        let mut rec =
            Rec { line, no, fields: &lexed.fields, schema, idx: [ABSENT; MAX_KEYS], extra: Vec::new(), ok: true };
        let keys = schema.keys;
        let mut next = 0usize;
        let mut fatal = false;
        let mut order_reported = false;
        let mut unknown: Option<UnknownKeys<'_>> = None;
        // The known keys by first letter and length: a key whose pair no known key has is
        // unknown without a search (a line may hold thousands of unknown keys).
        let first = |k: &str| 1u32 << (k.as_bytes().first().map_or(0, |b| b.wrapping_sub(b'a')) & 31);
        let mut by_len = [0u32; 33];
        for k in keys {
            by_len[k.len().min(32)] |= first(k);
        }
        let known = |k: &str| by_len[k.len().min(32)] & first(k) != 0;
        for (fi, f) in lexed.fields.iter().enumerate() {
            let key = f.key.of(line);
            let j = if next < keys.len() && keys[next] == key {
                Some(next)
            } else if !known(key) {
                None
            } else {
                keys.iter().position(|k| *k == key)
            };
            match j {
                Some(j) => {
                    if rec.idx[j] != ABSENT {
                        diags.at(Code::DuplicateField, no, f.key.column(), line.as_bytes(), || {
                            format!("`{}` appears twice in this {} record", keys[j], schema.tag)
                        });
                        fatal = true;
                        continue;
                    }
                    if !order_reported {
                        if let Some(&u) = rec.extra.first() {
                            let unknown = lexed.fields[u as usize].key.of(line).to_string();
                            diags.at(Code::NonCanonical, no, f.key.column(), line.as_bytes(), || {
                                format!(
                                    "`{}` follows the unknown key `{unknown}`; unknown keys come after every known key",
                                    keys[j]
                                )
                            });
                            order_reported = true;
                        } else if j < next {
                            diags.at(Code::NonCanonical, no, f.key.column(), line.as_bytes(), || {
                                format!(
                                    "`{}` is out of order: the keys of {} come in the order {}",
                                    keys[j],
                                    schema.tag,
                                    keys.join(" ")
                                )
                            });
                            order_reported = true;
                        }
                    }
                    rec.idx[j] = fi as u16;
                    next = next.max(j + 1);
                }
                None => {
                    // A line may hold thousands of unknown keys (any record may carry keys a
                    // later minor version adds): a repeat is found by a lookup in a set sized
                    // once, with a fast hash seeded per process (no input can choose its
                    // collisions), never by comparing each key with every one before it.
                    let seen = unknown.get_or_insert_with(UnknownKeys::new);
                    if !seen.insert(key) {
                        diags.at(Code::DuplicateField, no, f.key.column(), line.as_bytes(), || {
                            format!("`{key}` appears twice in this {} record", schema.tag)
                        });
                        fatal = true;
                        continue;
                    }
                    rec.extra.push(fi as u16);
                }
            }
        }

        for (j, &req) in schema.required.iter().enumerate() {
            if req && rec.idx[j] == ABSENT {
                diags.at(Code::MissingField, no, line.len() as u64 + 1, line.as_bytes(), || {
                    format!("the {} record has no `{}`, which is required", schema.tag, keys[j])
                });
                fatal = true;
            }
        }
        (!fatal).then_some(rec)
    }

    fn field(&self, j: usize) -> Option<&'a Field> {
        let i = self.idx[j];
        (i != ABSENT).then(|| &self.fields[i as usize])
    }

    /// True when key `j` is present.
    pub fn has(&self, j: usize) -> bool {
        self.idx[j] != ABSENT
    }

    /// The column of key `j`'s value (or of the line's end when absent).
    pub fn column(&self, j: usize) -> u64 {
        self.field(j).map_or(self.line.len() as u64 + 1, |f| f.value.column())
    }

    /// The text of key `j`, unescaped.
    pub fn text(&self, j: usize) -> Option<Cow<'a, str>> {
        let f = self.field(j)?;
        let raw = f.value.of(self.line);
        Some(if f.escaped { Cow::Owned(unescape(raw)) } else { Cow::Borrowed(raw) })
    }

    /// The text of key `j` when it can be borrowed from the line (no escapes).
    pub fn borrowed(&self, j: usize) -> Option<&'a str> {
        let f = self.field(j)?;
        (!f.escaped).then(|| f.value.of(self.line))
    }

    /// Reports `err` against key `j`'s value.
    pub fn refuse(&mut self, j: usize, err: &ValueError, diags: &mut FileDiagnostics) {
        let code = if err.non_canonical { Code::NonCanonical } else { Code::InvalidValue };
        let key = self.schema.keys[j];
        let tag = self.schema.tag;
        diags.at(code, self.no, self.column(j), self.line.as_bytes(), || format!("{tag} {key}: {}", err.message));
        self.ok = false;
    }

    /// Decodes required key `j` with `f`, reporting a refusal.
    pub fn req<T>(
        &mut self,
        j: usize,
        diags: &mut FileDiagnostics,
        f: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        let text = self.text(j)?;
        match f(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.refuse(j, &e, diags);
                None
            }
        }
    }

    /// Decodes optional key `j` with `f`: `None` when absent, `Some(None)` when refused.
    pub fn opt<T>(
        &mut self,
        j: usize,
        diags: &mut FileDiagnostics,
        f: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        if !self.has(j) {
            return None;
        }
        self.req(j, diags, f)
    }

    /// Required text checked by `check`, owned.
    pub fn req_string(
        &mut self,
        j: usize,
        diags: &mut FileDiagnostics,
        check: impl FnOnce(&str) -> Result<(), ValueError>,
    ) -> Option<String> {
        self.req(j, diags, |s| check(s).map(|()| s.to_string()))
    }

    /// Optional text checked by `check`, owned.
    pub fn opt_string(
        &mut self,
        j: usize,
        diags: &mut FileDiagnostics,
        check: impl FnOnce(&str) -> Result<(), ValueError>,
    ) -> Option<String> {
        self.opt(j, diags, |s| check(s).map(|()| s.to_string()))
    }

    /// The unknown keys and their values, owned.
    pub fn extra(&self) -> Extra {
        Extra(
            self.extra
                .iter()
                .map(|&i| {
                    let f = &self.fields[i as usize];
                    let key = f.key.of(self.line).to_string();
                    let raw = f.value.of(self.line);
                    let value = if f.escaped { unescape(raw) } else { raw.to_string() };
                    (key, value)
                })
                .collect(),
        )
    }
}

impl crate::model::ExtraSource for Rec<'_> {
    fn count(&self) -> usize {
        self.extra.len()
    }

    fn pair(&self, i: usize) -> (&str, Cow<'_, str>) {
        let f = &self.fields[self.extra[i] as usize];
        let raw = f.value.of(self.line);
        (f.key.of(self.line), if f.escaped { Cow::Owned(unescape(raw)) } else { Cow::Borrowed(raw) })
    }
}

#[cfg(test)]
mod tests {
    use super::UnknownKeys;

    #[test]
    fn every_key_of_up_to_three_characters_is_told_apart_and_repeats_are_found() {
        let tail: Vec<u8> = (b'a'..=b'z').chain(b'0'..=b'9').chain([b'_']).collect();
        let mut keys = Vec::new();
        for a in b'a'..=b'z' {
            keys.push(vec![a]);
            for &b in &tail {
                keys.push(vec![a, b]);
                for &c in &tail {
                    keys.push(vec![a, b, c]);
                }
            }
        }
        let keys: Vec<String> = keys.into_iter().map(|k| String::from_utf8(k).unwrap()).collect();
        let longer = ["abcd", "abcdefgh", "abcdefghi", "a_b_c_d_e_f", "zz99"];
        let mut seen = UnknownKeys::new();
        for k in keys.iter().map(String::as_str).chain(longer) {
            assert!(seen.insert(k), "{k} is new");
        }
        for k in keys.iter().map(String::as_str).chain(longer) {
            assert!(!seen.insert(k), "{k} is a repeat");
        }
    }
}
