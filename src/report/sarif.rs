//! `--format sarif`: any report's findings as one SARIF 2.1.0 log, for the code-scanning
//! views of CI services.
//!
//! One run; `tool.driver` lists every code as a rule (its text from `catstage explain`);
//! one result per finding, located at the file's path relative to the current directory
//! (`uriBaseId` `%SRCROOT%`), with `startLine`/`startColumn` when the finding has them.
//! Columns are given in code points, as `columnKind` says (findings count bytes; the
//! column is converted where the line is known). `partialFingerprints["catstage/v2"]`
//! hashes the code and the file with a sequence number among the findings of that code in
//! that file — never the line, which moves when lines are added above, nor the message,
//! which carries digests and byte counts that change with the content — so a finding
//! keeps its fingerprint from run to run.

use super::Subject;
use crate::diag::{Code, Diagnostic, Severity};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The address of catstage's documentation, as the log's `informationUri`: the package's
/// `homepage`, when it has one (none yet: catstage is installed from its repository, whose
/// address depends on where it is kept, and a log names no address it is not sure of).
pub const INFORMATION_URI: &str = env!("CARGO_PKG_HOMEPAGE");

/// A SARIF 2.1.0 log, as catstage writes it: the fields it uses, in its order. Its
/// `Display` is the JSON document (`{:#}` pretty-printed).
#[derive(Debug, Serialize)]
pub struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

impl std::fmt::Display for SarifLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = if f.alternate() { serde_json::to_string_pretty(self) } else { serde_json::to_string(self) };
        f.write_str(&text.map_err(|_| std::fmt::Error)?)
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    original_uri_base_ids: BaseIds,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
    #[serde(skip_serializing_if = "str::is_empty")]
    information_uri: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Debug, Serialize)]
struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    srcroot: Uri,
}

#[derive(Debug, Serialize)]
struct Uri {
    uri: String,
}

#[derive(Debug, Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Debug, Serialize)]
struct Text {
    text: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Level,
}

#[derive(Debug, Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Debug, Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: Fingerprints,
    properties: Properties,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Physical,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u64>,
}

#[derive(Debug, Serialize)]
struct Fingerprints {
    #[serde(rename = "catstage/v2")]
    catstage_v2: String,
}

#[derive(Debug, Serialize)]
struct Properties {
    area: String,
    hint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    examples: Option<Vec<String>>,
}

/// The SARIF log of the findings of `subjects`, with `notes` (what the run left out on
/// purpose, what it could not check, and why) as notifications of level `note`: they do
/// not make the run unsuccessful. `cwd` is the directory relative paths are relative to.
pub fn log(subjects: &[Subject<'_>], notes: &[String], cwd: &Path) -> SarifLog {
    let mut results = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for a in subjects {
        for d in a.diagnostics {
            results.push(result(a, d, cwd, &mut seen));
        }
    }
    let failed: Vec<&Subject<'_>> = subjects.iter().filter(|a| !a.checked).collect();
    let notifications: Vec<Notification> =
        failed.iter().flat_map(|a| a.diagnostics.iter().map(|d| notification("error", &d.message))).collect();
    let mut doc = document(results, notifications, cwd);
    let invocation = &mut doc.runs[0].invocations[0];
    invocation.tool_execution_notifications.extend(notes.iter().map(|n| notification("note", n)));
    doc
}

/// The SARIF log of a run that could not run at all (exit status 2): no results, the
/// invocation marked unsuccessful, the reasons as its notifications.
pub fn failure_log(reasons: &[Diagnostic], cwd: &Path) -> SarifLog {
    let notes: Vec<Notification> = reasons.iter().map(|d| notification("error", &d.message)).collect();
    document(Vec::new(), notes, cwd)
}

fn document(results: Vec<SarifResult>, notifications: Vec<Notification>, cwd: &Path) -> SarifLog {
    SarifLog {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "catstage",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: Code::ALL.iter().map(|&c| rule(c)).collect(),
                    information_uri: INFORMATION_URI,
                },
            },
            invocations: [Invocation {
                execution_successful: notifications.is_empty(),
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: BaseIds { srcroot: Uri { uri: dir_uri(cwd) } },
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

fn notification(level: &'static str, text: &str) -> Notification {
    Notification { level, message: Text { text: text.to_string() } }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One rule per code: its name, the first paragraph of its explanation as the short
/// description, the "What it means" section as the full one, the whole text as help.
fn rule(c: Code) -> Rule {
    let text = c.explanation();
    let short = first_paragraph(text);
    let full = section(text, "## What it means").unwrap_or_else(|| short.clone());
    Rule {
        id: c.to_string(),
        name: c.name(),
        short_description: Text { text: short },
        full_description: Text { text: full },
        help: Help { text, markdown: text },
        default_configuration: Level { level: level(c.default_severity()) },
    }
}

/// The first paragraph after the title line, on one line.
fn first_paragraph(md: &str) -> String {
    let body = md.lines().skip_while(|l| l.starts_with('#') || l.trim().is_empty());
    body.take_while(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" ")
}

/// The text of the section headed `heading`, up to the next heading.
fn section(md: &str, heading: &str) -> Option<String> {
    let mut lines = md.lines().skip_while(|l| l.trim() != heading);
    lines.next()?;
    let text = lines.take_while(|l| !l.starts_with("## ")).collect::<Vec<_>>().join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn result(a: &Subject<'_>, d: &Diagnostic, cwd: &Path, seen: &mut HashMap<String, u32>) -> SarifResult {
    let path = a.location_path(d);
    let artifact = artifact_location(&path, cwd);
    let region = d.line.map(|line| Region { start_line: line, start_column: d.char_column.or(d.column) });
    let key = format!("{}\0{}", d.code, artifact.uri);
    let n = seen.entry(key.clone()).or_insert(0);
    *n += 1;
    let digest = Sha256::digest(key.as_bytes());
    let fingerprint = format!("{}:{n}", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>());
    SarifResult {
        rule_id: d.code.to_string(),
        rule_index: Code::ALL.iter().position(|&c| c == d.code).unwrap_or(0),
        level: level(d.severity),
        message: Text { text: d.message.clone() },
        locations: [Location { physical_location: Physical { artifact_location: artifact, region } }],
        partial_fingerprints: Fingerprints { catstage_v2: fingerprint },
        properties: Properties {
            area: a.path.to_string(),
            hint: d.hint.clone(),
            count: d.count,
            examples: d.count.map(|_| d.examples.clone()),
        },
    }
}

/// The artifact location of `path`: relative to `%SRCROOT%` (the current directory) when
/// it is relative or under it, an absolute `file://` URI otherwise.
fn artifact_location(path: &Path, cwd: &Path) -> Artifact {
    // `..` is resolved first: a relative URI never climbs out of %SRCROOT%.
    let absolute = normalize(&cwd.join(path));
    let p = absolute.as_path();
    let relative = p.strip_prefix(cwd).ok().map(Path::to_path_buf);
    match relative {
        Some(r) => {
            let parts: Vec<String> = r
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .map(|c| encode(c.as_os_str().as_encoded_bytes()))
                .collect();
            Artifact { uri: parts.join("/"), uri_base_id: Some("%SRCROOT%") }
        }
        None => Artifact { uri: format!("file://{}", encode_path(p)), uri_base_id: None },
    }
}

/// `path` with `.` and `..` resolved lexically (no link is followed).
fn normalize(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn dir_uri(dir: &Path) -> String {
    let mut s = format!("file://{}", encode_path(dir));
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

fn encode_path(p: &Path) -> String {
    p.as_os_str().as_encoded_bytes().split(|&b| b == b'/').map(encode).collect::<Vec<_>>().join("/")
}

/// Percent-encodes what a URI path segment may not hold as it is; `:` too, which the
/// first segment of a relative reference may not hold (it would read as a scheme).
fn encode(segment: &[u8]) -> String {
    let mut out = String::with_capacity(segment.len());
    for &b in segment {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn artifact_location(path: &Path, cwd: &Path) -> Value {
        serde_json::to_value(super::artifact_location(path, cwd)).unwrap()
    }

    fn result(a: &Subject<'_>, d: &Diagnostic, cwd: &Path, seen: &mut HashMap<String, u32>) -> Value {
        serde_json::to_value(super::result(a, d, cwd, seen)).unwrap()
    }

    fn rule(c: Code) -> Value {
        serde_json::to_value(super::rule(c)).unwrap()
    }

    #[test]
    fn paths_become_uris_relative_to_the_current_directory() {
        let cwd = Path::new("/work/repo");
        assert_eq!(artifact_location(Path::new("./fixtures/a/VSAD001"), cwd)["uri"], "fixtures/a/VSAD001");
        assert_eq!(artifact_location(Path::new("/work/repo/a b/FULL"), cwd)["uri"], "a%20b/FULL");
        let outside = artifact_location(Path::new("/srv/stage/FULL"), cwd);
        assert_eq!(outside["uri"], "file:///srv/stage/FULL");
        assert!(outside.get("uriBaseId").is_none());
        assert_eq!(dir_uri(cwd), "file:///work/repo/");
    }

    #[test]
    fn issue35_item06_uris_never_climb_out_and_never_read_as_a_scheme() {
        let cwd = Path::new("/work/repo");
        assert_eq!(artifact_location(Path::new("c:area/FULL"), cwd)["uri"], "c%3Aarea/FULL");
        let up = artifact_location(Path::new("../other/FULL"), cwd);
        assert_eq!(up["uri"], "file:///work/other/FULL");
        assert!(up.get("uriBaseId").is_none());
        assert_eq!(artifact_location(Path::new("a/../b/FULL"), cwd)["uri"], "b/FULL");
    }

    #[test]
    fn issue35_item06_columns_are_code_points_and_fingerprints_ignore_the_message() {
        let line = "volume comment=\"caf\u{e9} \u{e9}t\u{e9}\" x=1".as_bytes();
        let byte_col = line.iter().position(|&b| b == b'x').unwrap() as u64 + 1;
        let d = Diagnostic::new(Code::UnknownRecord, Some("VSAD001".to_string()), "hash 1").at(3, byte_col, line);
        let a = Subject::new("a", true, &[], crate::report::Scope::Area);
        let r = result(&a, &d, Path::new("/"), &mut HashMap::new());
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
            byte_col - 3,
            "three 2-byte characters"
        );
        let other = Diagnostic { message: "hash 2".to_string(), ..d.clone() };
        let fp = |v: &Value| v["partialFingerprints"]["catstage/v2"].as_str().unwrap().to_string();
        assert_eq!(fp(&r), fp(&result(&a, &other, Path::new("/"), &mut HashMap::new())));
    }

    #[test]
    fn rules_take_their_text_from_the_explanation() {
        let r = rule(Code::ChecksumMismatch);
        assert_eq!(r["id"], "CS004");
        assert!(r["shortDescription"]["text"].as_str().unwrap().starts_with("The file's content does not match"));
        assert!(r["fullDescription"]["text"].as_str().unwrap().starts_with("The `END` line carries"));
        assert_eq!(r["defaultConfiguration"]["level"], "error");
    }

    #[test]
    fn equal_findings_get_distinct_stable_fingerprints() {
        let d = Diagnostic::new(Code::ChecksumMismatch, Some("VSAD001".to_string()), "m");
        let a = Subject::new("a", true, &[], crate::report::Scope::Area);
        let mut seen = HashMap::new();
        let one = result(&a, &d, Path::new("/"), &mut seen);
        let two = result(&a, &d, Path::new("/"), &mut seen);
        let again = result(&a, &d, Path::new("/"), &mut HashMap::new());
        let fp = |v: &Value| v["partialFingerprints"]["catstage/v2"].as_str().unwrap().to_string();
        assert_ne!(fp(&one), fp(&two));
        assert_eq!(fp(&one), fp(&again));
        assert!(fp(&two).ends_with(":2"));
    }
}
