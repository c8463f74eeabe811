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
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The address of catstage's documentation, as the log's `informationUri`: the package's
/// `homepage`, when it has one (none yet: catstage is installed from its repository, whose
/// address depends on where it is kept, and a log names no address it is not sure of).
pub const INFORMATION_URI: &str = env!("CARGO_PKG_HOMEPAGE");

/// The SARIF log of the findings of `subjects`. `cwd` is the directory relative paths are
/// relative to.
pub fn log(subjects: &[Subject<'_>], cwd: &Path) -> Value {
    log_noting(subjects, &[], cwd)
}

/// As [`log`], with `notes` (what the run left out on purpose, and why) as notifications
/// of level `note`: they do not make the run unsuccessful.
pub fn log_noting(subjects: &[Subject<'_>], notes: &[String], cwd: &Path) -> Value {
    let mut results = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for a in subjects {
        for d in a.diagnostics {
            results.push(result(a, d, cwd, &mut seen));
        }
    }
    let failed: Vec<&Subject<'_>> = subjects.iter().filter(|a| !a.checked).collect();
    let notifications: Vec<Value> =
        failed.iter().flat_map(|a| a.diagnostics.iter().map(|d| notification(&d.message))).collect();
    let mut doc = document(results, notifications, cwd);
    if !notes.is_empty() {
        let notes: Vec<Value> = notes.iter().map(|n| json!({ "level": "note", "message": { "text": n } })).collect();
        let invocation = &mut doc["runs"][0]["invocations"][0];
        match invocation["toolExecutionNotifications"].as_array_mut() {
            Some(list) => list.extend(notes),
            None => invocation["toolExecutionNotifications"] = Value::Array(notes),
        }
    }
    doc
}

/// The SARIF log of a run that could not run at all (exit status 2): no results, the
/// invocation marked unsuccessful, the reasons as its notifications.
pub fn failure_log(reasons: &[Diagnostic], cwd: &Path) -> Value {
    let notes: Vec<Value> = reasons.iter().map(|d| notification(&d.message)).collect();
    document(Vec::new(), notes, cwd)
}

fn document(results: Vec<Value>, notifications: Vec<Value>, cwd: &Path) -> Value {
    let mut invocation = json!({ "executionSuccessful": notifications.is_empty() });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    let mut log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "catstage",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": Code::ALL.iter().map(|&c| rule(c)).collect::<Vec<_>>(),
            }},
            "invocations": [invocation],
            "originalUriBaseIds": { "%SRCROOT%": { "uri": dir_uri(cwd) } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    if !INFORMATION_URI.is_empty() {
        log["runs"][0]["tool"]["driver"]["informationUri"] = json!(INFORMATION_URI);
    }
    log
}

fn notification(text: &str) -> Value {
    json!({ "level": "error", "message": { "text": text } })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One rule per code: its name, the first paragraph of its explanation as the short
/// description, the "What it means" section as the full one, the whole text as help.
fn rule(c: Code) -> Value {
    let text = c.explanation();
    let short = first_paragraph(text);
    let full = section(text, "## What it means").unwrap_or_else(|| short.clone());
    json!({
        "id": c.to_string(),
        "name": c.name(),
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "help": { "text": text, "markdown": text },
        "defaultConfiguration": { "level": level(c.default_severity()) },
    })
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

fn result(a: &Subject<'_>, d: &Diagnostic, cwd: &Path, seen: &mut HashMap<String, u32>) -> Value {
    let path = a.location_path(d);
    let mut artifact = artifact_location(&path, cwd);
    let uri = artifact["uri"].as_str().unwrap_or_default().to_string();
    let mut physical = json!({ "artifactLocation": artifact.take() });
    if let Some(line) = d.line {
        let mut region = json!({ "startLine": line });
        if let Some(column) = d.char_column.or(d.column) {
            region["startColumn"] = json!(column);
        }
        physical["region"] = region;
    }
    let key = format!("{}\0{uri}", d.code);
    let n = seen.entry(key.clone()).or_insert(0);
    *n += 1;
    let digest = Sha256::digest(key.as_bytes());
    let fingerprint = format!("{}:{n}", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let mut properties = json!({ "area": a.path, "hint": d.hint });
    if let Some(count) = d.count {
        properties["count"] = json!(count);
        properties["examples"] = json!(d.examples);
    }
    json!({
        "ruleId": d.code.to_string(),
        "ruleIndex": Code::ALL.iter().position(|&c| c == d.code).unwrap_or(0),
        "level": level(d.severity),
        "message": { "text": d.message },
        "locations": [{ "physicalLocation": physical }],
        "partialFingerprints": { "catstage/v2": fingerprint },
        "properties": properties,
    })
}

/// The artifact location of `path`: relative to `%SRCROOT%` (the current directory) when
/// it is relative or under it, an absolute `file://` URI otherwise.
fn artifact_location(path: &Path, cwd: &Path) -> Value {
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
            json!({ "uri": parts.join("/"), "uriBaseId": "%SRCROOT%" })
        }
        None => json!({ "uri": format!("file://{}", encode_path(p)) }),
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
