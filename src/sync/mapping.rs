//! The `[fields]` of a definition, with its `[translate.*]` tables and `[[exclude]]`
//! rules, and the checks that need the whole definition: fields the rows need, locators
//! the source can have, literal values, times that would come without an offset.

use super::fields::{Family, Field};
use super::glob::Glob;
use super::spec::{Exclusion, Locator, Mapping, SourceFormat, SourceSpec, TimeSpec, Translation};
use super::timefmt::TimeFormat;
use crate::config::toml_walk::{self, Doc, Table, Value};
use crate::diag::Code;
use crate::model::{CatalogType, Group};
use std::collections::{BTreeMap, BTreeSet};
use toml::de::DeValue;

pub(super) fn read_translations(doc: &mut Doc<'_>, top: &mut Table<'_, '_>) -> Vec<Translation> {
    let mut out = Vec::new();
    let Some(v) = top.get("translate") else { return out };
    let DeValue::Table(tables) = v.get_ref() else {
        doc.error(v.span(), "[translate] must be a table of tables: [translate.NAME]");
        return out;
    };
    for (name, table) in tables.iter() {
        let name = name.get_ref().to_string();
        let DeValue::Table(pairs) = table.get_ref() else {
            doc.error(table.span(), format!("translate.{name} must be a table of \"from\" = \"to\" pairs"));
            continue;
        };
        let mut tr = Translation { name: name.clone(), map: BTreeMap::new(), otherwise: None };
        for (from, to) in pairs.iter() {
            let key = format!("translate.{name}");
            let Some(to) = toml_walk::string(doc, &key, to) else { continue };
            match from.get_ref().as_ref() {
                "*" => tr.otherwise = Some(to),
                f => {
                    tr.map.insert(f.to_string(), to);
                }
            }
        }
        out.push(tr);
    }
    out
}

/// Reads `[fields]` into `out`; `written` gets every field the file maps, well or not.
pub(super) fn read_fields(
    doc: &mut Doc<'_>,
    v: Value<'_, '_>,
    translations: &[Translation],
    out: &mut [Option<Mapping>],
    written: &mut BTreeSet<Field>,
) {
    let Some(mut t) = toml_walk::named_table(doc, "[fields]", v) else { return };
    for family in Family::ALL {
        if *family == Family::Row {
            continue;
        }
        let Some(v) = t.get(family.table()) else { continue };
        let name = format!("[fields.{}]", family.table());
        let Some(mut sub) = toml_walk::named_table(doc, &name, v) else { continue };
        read_family(doc, &mut sub, *family, translations, out, written);
        sub.finish(doc);
    }
    read_family(doc, &mut t, Family::Row, translations, out, written);
    t.finish(doc);
}

fn read_family(
    doc: &mut Doc<'_>,
    t: &mut Table<'_, '_>,
    family: Family,
    translations: &[Translation],
    out: &mut [Option<Mapping>],
    written: &mut BTreeSet<Field>,
) {
    for field in Field::ALL.iter().filter(|f| f.family() == family) {
        if let Some(v) = t.get(field.key()) {
            written.insert(*field);
            out[field.index()] = read_mapping(doc, *field, v, translations);
        }
    }
}

/// `{ column = 3 }`, `{ column = "NAME" }`, `{ offset = 0, length = 6 }` or
/// `{ value = "X" }`, with `translate` and (time fields) `format`.
fn read_mapping(doc: &mut Doc<'_>, field: Field, v: Value<'_, '_>, translations: &[Translation]) -> Option<Mapping> {
    let name = format!("fields.{}", field.name());
    let mut t = toml_walk::named_table(doc, &name, v)?;
    let pos = doc.pos(v.span().start);
    let column = t.get("column");
    let offset = t.get("offset");
    let length = t.get("length");
    let value = t.get("value");
    let translate = t.get("translate");
    let format = t.get("format");
    t.finish(doc);
    let locator = match (column, offset, value) {
        (Some(c), None, None) => match c.get_ref() {
            DeValue::String(s) => Some(Locator::Named(s.to_string())),
            _ => toml_walk::integer(doc, "column", c).and_then(|n| match usize::try_from(n) {
                Ok(n) if n >= 1 => Some(Locator::Column(n - 1)),
                _ => {
                    doc.error(c.span(), "`column` counts from 1 (or names a column of the header line)");
                    None
                }
            }),
        },
        (None, Some(o), None) => {
            let off = toml_walk::integer(doc, "offset", o).and_then(|n| usize::try_from(n).ok());
            if off.is_none() {
                doc.error(o.span(), "`offset` is a byte offset, 0 for the first byte of the line");
            }
            let len = match length {
                None => Some(None),
                Some(l) => match toml_walk::integer(doc, "length", l).and_then(|n| usize::try_from(n).ok()) {
                    Some(n) if n >= 1 => Some(Some(n)),
                    _ => {
                        doc.error(l.span(), "`length` is a number of bytes, 1 or more");
                        None
                    }
                },
            };
            off.zip(len).map(|(offset, length)| Locator::Fixed { offset, length })
        }
        (None, None, Some(v)) => toml_walk::string(doc, "value", v).map(Locator::Literal),
        _ => {
            doc.error(v.span(), format!("{name} needs exactly one of `column`, `offset` or `value`"));
            None
        }
    };
    if length.is_some() && offset.is_none() {
        doc.error(v.span(), "`length` goes with `offset`");
    }
    let translate = translate.and_then(|tv| {
        let s = toml_walk::string(doc, "translate", tv)?;
        let i = translations.iter().position(|tr| tr.name == s);
        if i.is_none() {
            doc.error(tv.span(), format!("there is no table [translate.{s}]"));
        }
        i
    });
    let format = format.and_then(|fv| {
        if !field.is_time() {
            doc.error(fv.span(), format!("`format` is for time fields; {} is not one", field.name()));
            return None;
        }
        let s = toml_walk::string(doc, "format", fv)?;
        TimeFormat::new(&s).map_err(|e| doc.error(fv.span(), format!("`format`: {e}"))).ok()
    });
    locator.map(|locator| Mapping { locator, translate, format, pos })
}

pub(super) fn read_exclusions(
    doc: &mut Doc<'_>,
    top: &mut Table<'_, '_>,
    mappings: &[Option<Mapping>],
) -> Vec<Exclusion> {
    let mut out = Vec::new();
    let Some(v) = top.get("exclude") else { return out };
    let Some(items) = toml_walk::array(doc, "exclude", v) else { return out };
    for item in items {
        let Some(mut t) = toml_walk::named_table(doc, "[[exclude]]", item) else { continue };
        let field = t.required(doc, "field").and_then(|v| {
            let s = toml_walk::string(doc, "field", v)?;
            match Field::by_name(&s) {
                Some(f) if mappings[f.index()].is_some() => Some(f),
                Some(_) => {
                    doc.error(v.span(), format!("field {s:?} is not mapped in [fields], so it has no value to match"));
                    None
                }
                None => {
                    doc.error(
                        v.span(),
                        format!("there is no field {s:?} (fields are named like label, volume.status)"),
                    );
                    None
                }
            }
        });
        let pattern = t.get("pattern");
        let unless = t.get("unless");
        let span = t.span.clone();
        t.finish(doc);
        let (p, is_unless) = match (pattern, unless) {
            (Some(p), None) => (p, false),
            (None, Some(u)) => (u, true),
            _ => {
                doc.error(span, "an [[exclude]] has either `pattern` or `unless`");
                continue;
            }
        };
        let Some(text) = toml_walk::string(doc, if is_unless { "unless" } else { "pattern" }, p) else { continue };
        match (field, Glob::new(&text)) {
            (Some(field), Ok(glob)) => out.push(Exclusion { field, glob, unless: is_unless }),
            (_, Err(e)) => doc.error(p.span(), format!("{text:?} is not a pattern: {e}")),
            (None, Ok(_)) => {}
        }
    }
    out
}

/// What the final checks look at, as far as it could be read.
pub(super) struct Parts<'a> {
    /// The mappings, by field index.
    pub mappings: &'a [Option<Mapping>],
    /// Fields the file maps, including those whose mapping has errors of its own.
    pub written: &'a BTreeSet<Field>,
    /// `[[group]]`.
    pub groups: &'a [Group],
    /// `None` when `[source]` could not be read: the locators are then not checked.
    pub source: Option<&'a SourceSpec>,
    /// `[time]`.
    pub time: &'a TimeSpec,
}

impl Parts<'_> {
    fn mapping(&self, f: Field) -> Option<&Mapping> {
        self.mappings.get(f.index()).and_then(Option::as_ref)
    }
}

/// Mappings that cannot work together: missing fields rows need, locators of the wrong
/// kind for the source, literal values that are not valid, times without an offset.
pub(super) fn check_mappings(doc: &mut Doc<'_>, p: &Parts<'_>, fields_span: std::ops::Range<usize>) {
    let missing = |doc: &mut Doc<'_>, f: Field, why: &str| {
        if !p.written.contains(&f) {
            doc.error(fields_span.clone(), format!("`{}` must be mapped: {why}", f.name()));
        }
    };
    for f in [Field::Store, Field::Group, Field::Label, Field::VolumeStatus] {
        missing(doc, f, "every volume needs it");
    }
    if p.groups.iter().any(|g| g.catalog == CatalogType::Dsmtc) {
        for f in [Field::TapeVolumeStatus, Field::TapeVolumeLabeltype] {
            missing(doc, f, "volumes of DSMTC groups carry a TAPEVOLUME");
        }
    }
    for (family, key, needs) in [
        (
            Family::TapeFile,
            Field::TapeFileFileid,
            &[Field::TapeFileGen, Field::TapeFileCreated, Field::TapeFileMode][..],
        ),
        (Family::DiskFile, Field::DiskFileName, &[Field::DiskFileDumped, Field::DiskFileType, Field::DiskFileEof][..]),
    ] {
        if p.written.contains(&key) {
            for f in needs {
                missing(doc, *f, &format!("rows that carry a {} need it", family.table()));
            }
        } else if let Some((f, m)) =
            Field::ALL.iter().filter(|f| f.family() == family).find_map(|f| p.mapping(*f).map(|m| (f, m)))
        {
            doc.push(m.pos.diagnostic(
                Code::DefinitionError,
                format!(
                    "{} is mapped but {} is not: a row carries a {} when {} has a value",
                    f.name(),
                    key.name(),
                    family.table(),
                    key.name()
                ),
            ));
        }
    }
    if p.written.contains(&Field::DiskFileName) {
        missing(doc, Field::TapeFileFileid, "disk files belong to tape files");
    }
    for f in Field::ALL {
        if let Some(m) = p.mapping(*f)
            && let Some(problem) = mapping_problem(p, *f, m)
        {
            doc.push(m.pos.diagnostic(Code::DefinitionError, format!("{}: {problem}", f.name())));
        }
    }
}

/// What is wrong with one mapping, given the rest of the definition.
fn mapping_problem(p: &Parts<'_>, f: Field, m: &Mapping) -> Option<String> {
    let csv = p.source.map(|s| matches!(s.format, SourceFormat::Csv { .. }));
    let header_lines = p.source.map_or(1, |s| s.header_lines);
    match &m.locator {
        Locator::Column(_) | Locator::Named(_) if csv == Some(false) => {
            return Some("a fixed source has no columns: use offset and length".to_string());
        }
        Locator::Named(_) if header_lines == 0 => {
            return Some("columns are named by the last header line: set [source] header_lines".to_string());
        }
        Locator::Fixed { .. } if csv == Some(true) => {
            return Some("offset and length are for fixed sources: use column".to_string());
        }
        Locator::Literal(v) => return super::row::check_literal(p.time, p.groups, f, m, v).err(),
        _ => {}
    }
    let format = m.format.as_ref().unwrap_or(&p.time.format);
    (f.is_time() && p.time.timezone.is_none() && format.never_has_offset()).then(|| {
        format!("the format {:?} reads times without a UTC offset, and [time] sets no timezone", format.as_str())
    })
}
