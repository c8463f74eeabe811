//! The definition file (formats/definition.md): where a listing's data comes from and how
//! to read each target field. Read with [`crate::config::toml_walk`], so that every
//! problem is reported at its line and column (`CS501`), not only the first.

use super::fields::Field;
use super::glob::Glob;
use super::mapping::{Parts, check_mappings, read_exclusions, read_fields, read_translations};
use super::spec::{Definition, ExportSpec, SourceFormat, SourceSpec, TimeSpec};
use super::timefmt::TimeFormat;
use crate::config::toml_walk::{self, Doc, Table, Value};
use crate::diag::{Code, Diagnostic, Examples};
use crate::model::parse_timezone;
use crate::model::{
    CatalogType, Extra, Group, Node, Timestamp, check_catalog, check_export_id, check_id, check_keymanager,
    check_media, check_pool,
};
use std::collections::BTreeSet;
use std::path::Path;

/// Reads the definition file at `path` (named as the user named it). The definition is
/// returned only when it has no problem.
pub fn load_definition(path: &Path, examples: Examples) -> std::io::Result<(Option<Definition>, Vec<Diagnostic>)> {
    let name = path.display().to_string();
    let bytes = match crate::config::toml_walk::read_limited(path)? {
        Ok(b) => b,
        Err(size) => return Ok((None, vec![crate::config::toml_walk::too_large(&name, Code::DefinitionError, size)])),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(parse_definition(&name, &text, examples)),
        Err(_) => {
            let d = Diagnostic::new(Code::DefinitionError, Some(name), "the definition is not UTF-8 text");
            Ok((None, vec![d]))
        }
    }
}

/// Parses a definition held in `text`, named `file` in findings; a repeated finding
/// lists `examples`.
pub fn parse_definition(file: &str, text: &str, examples: Examples) -> (Option<Definition>, Vec<Diagnostic>) {
    let (mut doc, root) = Doc::parse(file, text, Code::DefinitionError, examples);
    let Some(root) = root else { return (None, doc.into_diagnostics()) };
    let mut top = Table::new(root.get_ref(), root.span(), "");
    let source = read_source(&mut doc, &mut top);
    let export = read_export(&mut doc, &mut top);
    let time = read_time(&mut doc, &mut top);
    let groups = read_groups(&mut doc, &mut top);
    let translations = read_translations(&mut doc, &mut top);
    let mut mappings = vec![None; Field::ALL.len()];
    let mut written = BTreeSet::new();
    let fields_span = match top.required(&mut doc, "fields") {
        Some(v) => {
            read_fields(&mut doc, v, &translations, &mut mappings, &mut written);
            v.span()
        }
        None => 0..0,
    };
    let exclusions = read_exclusions(&mut doc, &mut top, &mappings);
    top.finish(&mut doc);
    let time = time.unwrap_or(TimeSpec { format: TimeFormat::rfc3339(), timezone: None });
    let parts = Parts { mappings: &mappings, written: &written, groups: &groups, source: source.as_ref(), time: &time };
    check_mappings(&mut doc, &parts, fields_span);
    let clean = doc.is_clean();
    let mut diagnostics = doc.into_diagnostics();
    crate::diag::sort(&mut diagnostics);
    match (source, export, clean) {
        (Some(source), Some(export), true) => {
            let def =
                Definition { file: file.to_string(), source, export, time, groups, translations, exclusions, mappings };
            (Some(def), diagnostics)
        }
        _ => (None, diagnostics),
    }
}

/// A string checked by `check`, the error reported at the value.
fn checked(
    doc: &mut Doc<'_>,
    key: &str,
    v: Value<'_, '_>,
    check: impl Fn(&str) -> Result<String, String>,
) -> Option<String> {
    let s = toml_walk::string(doc, key, v)?;
    match check(&s) {
        Ok(s) => Some(s),
        Err(e) => {
            doc.error(v.span(), format!("`{key}`: {e}"));
            None
        }
    }
}

/// One ASCII character (or none, when `allow_empty`), for the CSV delimiter and quote.
fn one_byte(doc: &mut Doc<'_>, key: &str, v: Value<'_, '_>, allow_empty: bool) -> Option<Option<u8>> {
    let s = toml_walk::string(doc, key, v)?;
    match s.as_bytes() {
        [] if allow_empty => Some(None),
        [b] if b.is_ascii() && *b != b'\n' && *b != b'\r' => Some(Some(*b)),
        _ => {
            let what = if allow_empty { "one ASCII character, or \"\" for none" } else { "one ASCII character" };
            doc.error(v.span(), format!("`{key}` is {what}, not {s:?}"));
            None
        }
    }
}

fn read_source(doc: &mut Doc<'_>, top: &mut Table<'_, '_>) -> Option<SourceSpec> {
    let v = top.required(doc, "source")?;
    let mut t = toml_walk::named_table(doc, "[source]", v)?;
    let format = t.required(doc, "format").and_then(|v| {
        let s = toml_walk::string(doc, "format", v)?;
        match s.as_str() {
            "csv" | "fixed" => Some(s),
            _ => {
                doc.error(v.span(), format!("`format` is \"csv\" or \"fixed\", not {s:?}"));
                None
            }
        }
    });
    let csv = format.as_deref() != Some("fixed");
    let mut delimiter = Some(b',');
    let mut quote = Some(b'"');
    for key in ["delimiter", "quote"] {
        let Some(v) = t.get(key) else { continue };
        if !csv {
            doc.error(v.span(), format!("`{key}` is for csv sources; a fixed source has neither"));
            continue;
        }
        match (key, one_byte(doc, key, v, key == "quote")) {
            ("delimiter", Some(d)) => delimiter = d,
            (_, Some(q)) => quote = q,
            (_, None) => {}
        }
    }
    if quote.is_some() && quote == delimiter {
        doc.error(t.span.clone(), "the quote and the delimiter must differ");
    }
    let mut spec = SourceSpec { format: SourceFormat::Fixed, header_lines: 0, trim: true, skip: Vec::new() };
    if let Some(v) = t.get("header_lines")
        && let Some(n) = toml_walk::integer(doc, "header_lines", v)
    {
        match u64::try_from(n) {
            Ok(n) => spec.header_lines = n,
            Err(_) => doc.error(v.span(), "`header_lines` is a number of lines, 0 or more"),
        }
    }
    if let Some(v) = t.get("trim") {
        spec.trim = toml_walk::boolean(doc, "trim", v).unwrap_or(true);
    }
    if let Some(v) = t.get("skip") {
        for (p, span) in toml_walk::strings(doc, "skip", v) {
            match Glob::new(&p) {
                Ok(g) => spec.skip.push(g),
                Err(e) => doc.error(span, format!("`skip`: {p:?} is not a pattern: {e}")),
            }
        }
    }
    t.finish(doc);
    // A bad delimiter is reported above; the rest of the definition is still checked.
    let delimiter = delimiter.unwrap_or(b',');
    format.map(|f| {
        spec.format = if f == "csv" { SourceFormat::Csv { delimiter, quote } } else { SourceFormat::Fixed };
        spec
    })
}

fn read_export(doc: &mut Doc<'_>, top: &mut Table<'_, '_>) -> Option<ExportSpec> {
    let v = top.required(doc, "export")?;
    let mut t = toml_walk::named_table(doc, "[export]", v)?;
    let node = t.required(doc, "node").and_then(|v| {
        checked(doc, "node", v, |s| {
            Node::parse_any_case(s)
                .map(|n| n.as_str().to_string())
                .map_err(|e| format!("{s:?} is not a node name: {e}"))
        })
        .and_then(|s| Node::parse(&s).ok())
    });
    let catalogfiles = t.get("catalogfiles").map_or(Some(true), |v| toml_walk::boolean(doc, "catalogfiles", v));
    let id = t
        .get("id")
        .and_then(|v| checked(doc, "id", v, |s| check_export_id(s).map(|()| s.to_string()).map_err(|e| e.message)));
    let created = t.get("created").and_then(|v| {
        checked(doc, "created", v, |s| {
            Timestamp::parse(s)
                .map(|_| s.to_string())
                .map_err(|e| format!("{e} (write it like 2022-01-05T17:44:48-05:00)"))
        })
        .and_then(|s| Timestamp::parse(&s).ok())
    });
    t.finish(doc);
    Some(ExportSpec { node: node?, catalogfiles: catalogfiles?, id, created })
}

fn read_time(doc: &mut Doc<'_>, top: &mut Table<'_, '_>) -> Option<TimeSpec> {
    let mut spec = TimeSpec { format: TimeFormat::rfc3339(), timezone: None };
    let Some(v) = top.get("time") else { return Some(spec) };
    let mut t = toml_walk::named_table(doc, "[time]", v)?;
    if let Some(v) = t.get("format")
        && let Some(s) = toml_walk::string(doc, "format", v)
    {
        match TimeFormat::new(&s) {
            Ok(f) => spec.format = f,
            Err(e) => doc.error(v.span(), format!("`format`: {e}")),
        }
    }
    if let Some(v) = t.get("timezone") {
        spec.timezone = checked(doc, "timezone", v, |s| parse_timezone(s).map(|_| s.to_string()))
            .and_then(|s| parse_timezone(&s).ok());
    }
    t.finish(doc);
    Some(spec)
}

fn read_groups(doc: &mut Doc<'_>, top: &mut Table<'_, '_>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let Some(v) = top.required(doc, "group") else { return groups };
    let Some(items) = toml_walk::array(doc, "group", v) else { return groups };
    for item in items {
        let Some(mut t) = toml_walk::named_table(doc, "[[group]]", item) else { continue };
        let id = t
            .required(doc, "id")
            .and_then(|v| checked(doc, "id", v, |s| check_id(s).map(|()| s.to_string()).map_err(|e| e.message)));
        let catalog = t.required(doc, "catalog").and_then(|v| {
            checked(doc, "catalog", v, |s| {
                CatalogType::parse(&s.to_ascii_uppercase()).map(|c| c.as_str().to_string()).map_err(|e| e.message)
            })
        });
        let media = group_text(doc, &mut t, "media", true, check_media);
        let volcat = group_text(doc, &mut t, "volcat", true, check_catalog);
        let pool = group_text(doc, &mut t, "pool", false, check_pool);
        let keymanager = group_text(doc, &mut t, "keymanager", false, check_keymanager);
        let span = t.span.clone();
        t.finish(doc);
        let (Some(id), Some(catalog)) = (id, catalog.and_then(|c| CatalogType::parse(&c).ok())) else { continue };
        if catalog == CatalogType::Dsmtc && (media.is_none() || volcat.is_none() || pool.is_none()) {
            doc.error(span.clone(), format!("DSMTC group {id:?} needs media, volcat and pool"));
        }
        if groups.iter().any(|g| g.id == id) {
            doc.error(span, format!("two [[group]] tables have the id {id:?}"));
            continue;
        }
        groups.push(Group { id, catalog, media, volcat, pool, keymanager, extra: Extra::default() });
    }
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    groups
}

/// An optional text key of a group, checked (Guardian names upper-cased first).
fn group_text(
    doc: &mut Doc<'_>,
    t: &mut Table<'_, '_>,
    key: &str,
    upper: bool,
    check: fn(&str) -> Result<(), crate::model::ValueError>,
) -> Option<String> {
    let v = t.get(key)?;
    checked(doc, key, v, |s| {
        let s = if upper { s.to_ascii_uppercase() } else { s.to_string() };
        check(&s).map(|()| s).map_err(|e| e.message)
    })
}
