//! What a definition file says (formats/definition.md), as data: the source's layout,
//! the export, times, groups and how each target field is read. Read by
//! [`super::definition`]; used by the source reader, the row reader and the builder,
//! none of which needs to know how it was read.

use super::fields::Field;
use super::glob::Glob;
use super::timefmt::TimeFormat;
use crate::config::Pos;
use crate::diag::{Code, Diagnostic};
use crate::model::{Group, Node, Timestamp};
use std::collections::BTreeMap;

/// How the source is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// Delimited text, read with the `csv` crate.
    Csv {
        /// The field delimiter.
        delimiter: u8,
        /// The quote character, if fields may be quoted.
        quote: Option<u8>,
    },
    /// Column-aligned report text: each field at a byte offset of its line.
    Fixed,
}

/// `[source]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSpec {
    /// The layout.
    pub format: SourceFormat,
    /// Lines before the first row (the last of them names the columns of a CSV source).
    pub header_lines: u64,
    /// Whether leading and trailing white space is removed from every value.
    pub trim: bool,
    /// Lines to pass over wherever they occur (page headers, rulers, totals).
    pub skip: Vec<Glob>,
}

/// `[export]`: what the summary's `export` record says beside the export id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportSpec {
    /// The primary's node.
    pub node: Node,
    /// Whether the export writes DISKFILE entries (CATALOGFILES).
    pub catalogfiles: bool,
    /// A fixed export id (the command line's `--export-id` wins).
    pub id: Option<String>,
    /// A fixed creation time (the command line's `--created` wins).
    pub created: Option<Timestamp>,
}

/// `[time]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeSpec {
    /// The format of times, unless a field gives its own.
    pub format: TimeFormat,
    /// The UTC offset, in minutes east, of times written without one.
    pub timezone: Option<i16>,
}

/// Where a field's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Locator {
    /// A CSV column by 0-based index (written 1-based in the file).
    Column(usize),
    /// A CSV column by its name in the header line, resolved when the source is opened.
    Named(String),
    /// Bytes of a fixed-width line: from `offset` (0-based), `length` bytes or to the end.
    Fixed {
        /// First byte.
        offset: usize,
        /// Number of bytes; `None` runs to the end of the line.
        length: Option<usize>,
    },
    /// The same value on every row.
    Literal(String),
}

/// How one target field is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Where the value comes from.
    pub locator: Locator,
    /// The translation table applied to it (index into the definition's tables).
    pub translate: Option<usize>,
    /// The time format of this field, overriding `[time] format`.
    pub format: Option<TimeFormat>,
    /// Where the mapping is written in the definition.
    pub pos: Pos,
}

/// A `[translate.NAME]` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    /// Its name.
    pub name: String,
    /// Value read → value used.
    pub map: BTreeMap<String, String>,
    /// The value for anything not listed (the key `"*"`); without it such values pass
    /// unchanged.
    pub otherwise: Option<String>,
}

impl Translation {
    /// The translated value of `v`.
    pub fn apply<'v>(&'v self, v: &'v str) -> &'v str {
        match self.map.get(v) {
            Some(t) => t,
            None => self.otherwise.as_deref().unwrap_or(v),
        }
    }
}

/// An `[[exclude]]` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusion {
    /// The field whose value is matched.
    pub field: Field,
    /// The pattern.
    pub glob: Glob,
    /// True for `unless`: rows whose value does *not* match are excluded.
    pub unless: bool,
}

/// A whole definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    /// The file as the user named it.
    pub file: String,
    /// `[source]`.
    pub source: SourceSpec,
    /// `[export]`.
    pub export: ExportSpec,
    /// `[time]`.
    pub time: TimeSpec,
    /// `[[group]]`: the primary volume groups, sorted by id.
    pub groups: Vec<Group>,
    /// `[translate.*]`.
    pub translations: Vec<Translation>,
    /// `[[exclude]]`.
    pub exclusions: Vec<Exclusion>,
    /// How each field is read, by [`Field::index`].
    pub(super) mappings: Vec<Option<Mapping>>,
}

impl Definition {
    /// How `field` is read, if the definition maps it.
    pub fn mapping(&self, field: Field) -> Option<&Mapping> {
        self.mappings.get(field.index()).and_then(Option::as_ref)
    }

    /// True when `field` is mapped.
    pub fn is_mapped(&self, field: Field) -> bool {
        self.mapping(field).is_some()
    }

    /// True when rows carry a row type (`volume`, `tapefile`, `diskfile`).
    pub fn typed_rows(&self) -> bool {
        self.is_mapped(Field::Type)
    }

    /// The volume group `id`.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Resolves the columns named by header (`header`: the names, `line`: the header
    /// line's number and text). A name that is not there is `CS501`.
    pub fn resolve_columns(&mut self, header: Option<(&[String], u64)>) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for m in self.mappings.iter_mut().flatten() {
            let Locator::Named(name) = &m.locator else { continue };
            match header {
                Some((names, _)) if names.iter().any(|n| n == name) => {
                    let i = names.iter().position(|n| n == name).unwrap_or(0);
                    m.locator = Locator::Column(i);
                }
                Some((names, line)) => out.push(m.pos.diagnostic(
                    Code::DefinitionError,
                    format!(
                        "the source has no column named {name:?}: its header (line {line}) names {}",
                        names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
                    ),
                )),
                None => out.push(m.pos.diagnostic(
                    Code::DefinitionError,
                    format!("column {name:?} is named, but the source has no header line to name it"),
                )),
            }
        }
        out
    }
}
