//! The code's own limits, as the project keeps them: no source file over 650 lines, no
//! function outside tests over 100 (counted as rustfmt lays them out: from the `fn` line
//! to the closing brace at its indentation), so that a change that grows one past them is
//! split before it lands.

use crate::support::root;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Each function outside `#[cfg(test)]` code: its name, first line and length in lines.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let body = body.trim_start_matches("pub ").trim_start_matches("pub(crate) ").trim_start_matches("pub(super) ");
        let body = body.trim_start_matches("const ").trim_start_matches("unsafe ");
        let Some(rest) = body.strip_prefix("fn ") else { continue };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let close = format!("{indent}}}");
        let end = (i..lines.len()).find(|&j| lines[j] == close || (j == i && line.trim_end().ends_with('}')));
        out.push((name, i + 1, end.map_or(lines.len() - i, |j| j - i + 1)));
    }
    out
}

#[test]
fn no_source_file_over_650_lines_and_no_function_over_100() {
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    let mut over = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.strip_prefix(root()).unwrap().display().to_string();
        let n = text.lines().count();
        if n > 650 {
            over.push(format!("{name}: {n} lines"));
        }
        for (fun, at, len) in functions(&text) {
            if len > 100 {
                over.push(format!("{name}:{at}: fn {fun}: {len} lines"));
            }
        }
    }
    assert!(files.len() > 100, "the sources were not found: {}", files.len());
    assert!(over.is_empty(), "split these (collect, decide, apply), as the others were:\n{}", over.join("\n"));
}

#[test]
fn the_function_counter_counts_as_rustfmt_lays_out() {
    let text =
        "fn a() {\n    x();\n}\n\n    pub fn b(&self) -> u8 {\n        1\n    }\nfn c();\n#[cfg(test)]\nfn d() {\n}\n";
    assert_eq!(functions(text), [("a".to_string(), 1, 3), ("b".to_string(), 5, 3)]);
}

#[test]
fn every_document_is_derived_and_no_command_module_uses_another() {
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.strip_prefix(root()).unwrap().display().to_string();
        // A document built by hand has no type, so no schema can be derived from it.
        if text.contains(concat!("json", "!(")) {
            found.push(format!("{name}: builds a JSON document by hand; derive Serialize on a view instead"));
        }
        // The binary parses, calls the library, emits: a command's module leans on none other.
        let command = f.file_name().is_some_and(|n| n.to_string_lossy().starts_with("cmd_"));
        if command && text.contains("crate::cmd_") {
            found.push(format!("{name}: uses another command's module; move what they share to the library"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
