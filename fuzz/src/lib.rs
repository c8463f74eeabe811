//! The checks behind the fuzz targets (`fuzz_targets/`) and their replay test
//! (`tests/fuzz_replay.rs` of the main crate, which includes this file as a module): one
//! function per target, so that the fuzzer and the test suite check exactly the same
//! invariants. They live here, not in the library, so that no build of catstage carries
//! them, and they use only catstage's public interface; their oracles are independent of
//! catstage's readers (the `tar` and `zstd` crates).
//!
//! Each check takes the fuzzer's bytes and returns `Err` with a description when an
//! invariant does not hold; a panic inside the library is the other way to fail. The
//! checks never panic themselves: the fuzz target turns an `Err` into a panic, the replay
//! test into a test failure naming the input.

#[path = "package.rs"]
mod package;

pub use package::{package, package_structured};

use catstage::config::parse_secondary;
use catstage::diag::Diagnostic;
use catstage::package::{MANIFEST_NAME, manifest_bytes, parse_manifest};
use catstage::parse::{parse_summary, parse_volume};
use catstage::sync::parse_definition;
use catstage::write::{summary_bytes, volume_bytes};

/// What a check returns: `Err` names the invariant that does not hold.
pub type Outcome = Result<(), String>;

/// A fuzz target: its name (the `fuzz/fuzz_targets/NAME.rs` binary and the
/// `fixtures/fuzz/NAME/` directory) and its check.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// The check the target runs on each input.
    pub check: fn(&[u8]) -> Outcome,
}

/// Every fuzz target.
pub const TARGETS: &[Target] = &[
    Target { name: "summary", check: summary },
    Target { name: "volume", check: volume },
    Target { name: "manifest", check: manifest },
    Target { name: "config", check: config },
    Target { name: "definition", check: definition },
    Target { name: "package", check: package::package },
    Target { name: "package_structured", check: package::package_structured },
];

/// The target named `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}

// ---------------------------------------------------------------------------------------
// Positions

/// The lines of `data` as a reader numbers them: split at LF, the piece after the last
/// LF included (empty when the data ends with LF).
fn lines_of(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == b'\n').collect()
}

/// Every finding is about `file`, and a finding with a place points inside `data`: its
/// line exists and its column is at most one past the line's last byte.
fn positions(diags: &[Diagnostic], file: &str, data: &[u8]) -> Outcome {
    let lines = lines_of(data);
    for d in diags {
        if d.file.as_deref() != Some(file) {
            return Err(format!("{} is about {:?}, not {file:?}: {}", d.code, d.file, d.message));
        }
        let Some(line) = d.line else {
            if d.column.is_some() {
                return Err(format!("{} has a column but no line: {}", d.code, d.message));
            }
            continue;
        };
        let Some(text) = usize::try_from(line).ok().and_then(|l| l.checked_sub(1)).and_then(|i| lines.get(i)) else {
            return Err(format!("{} at line {line}, outside the {} lines: {}", d.code, lines.len(), d.message));
        };
        if let Some(column) = d.column
            && (column == 0 || column > text.len() as u64 + 1)
        {
            return Err(format!(
                "{} at {line}:{column}, outside the line of {} bytes: {}",
                d.code,
                text.len(),
                d.message
            ));
        }
    }
    Ok(())
}

/// As [`positions`], and every error has a line and a column (configuration files,
/// whose findings all come from a place in the text).
fn placed(diags: &[Diagnostic], file: &str, text: &str) -> Outcome {
    positions(diags, file, text.as_bytes())?;
    // A rolled-up finding stands for its instances: its examples are their places.
    for d in diags.iter().filter(|d| d.count.is_some()) {
        let lines = text.split('\n').count() as u64;
        let placed = |e: &String| {
            e.split_once(':')
                .and_then(|(l, c)| Some((l.parse::<u64>().ok()?, c.parse::<u64>().ok()?)))
                .is_some_and(|(l, c)| (1..=lines).contains(&l) && c >= 1)
        };
        if d.examples.is_empty() || !d.examples.iter().all(placed) {
            return Err(format!("{} rolls up findings without their places: {:?}", d.code, d.examples));
        }
    }
    match diags.iter().find(|d| d.is_error() && d.count.is_none() && (d.line.is_none() || d.column.is_none())) {
        Some(d) => Err(format!("{} has no line and column: {}", d.code, d.message)),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// The line-format files

/// `summary`: the summary parser on arbitrary bytes. Findings point inside the file; a
/// summary read without findings writes back byte for byte and reads again to the same
/// model.
pub fn summary(data: &[u8]) -> Outcome {
    let parsed = parse_summary("FULL", data, None, catstage::diag::Examples::DEFAULT);
    positions(&parsed.diagnostics, "FULL", data)?;
    if !parsed.diagnostics.is_empty() {
        return Ok(());
    }
    let Some(s) = &parsed.summary else { return Err("no findings, but no summary either".to_string()) };
    let written = summary_bytes(s);
    if written != data {
        return Err(format!("a clean summary writes back differently: {}", first_difference(data, &written)));
    }
    let again = parse_summary("FULL", &written, None, catstage::diag::Examples::DEFAULT);
    if again.summary.as_ref() != Some(s) || !again.diagnostics.is_empty() {
        return Err("the written summary reads back to another model".to_string());
    }
    Ok(())
}

/// `volume`: the volume parser on arbitrary bytes, with the same invariants as
/// [`summary`].
pub fn volume(data: &[u8]) -> Outcome {
    let (file, parsed) = parse_volume("VSAD001", data, catstage::diag::Examples::DEFAULT);
    positions(&parsed.diagnostics, "VSAD001", data)?;
    if !parsed.diagnostics.is_empty() {
        return Ok(());
    }
    let Some(v) = &file else { return Err("no findings, but no volume either".to_string()) };
    let written = volume_bytes(v);
    if written != data {
        return Err(format!("a clean volume file writes back differently: {}", first_difference(data, &written)));
    }
    let (again, parsed) = parse_volume("VSAD001", &written, catstage::diag::Examples::DEFAULT);
    if again.as_ref() != Some(v) || !parsed.diagnostics.is_empty() {
        return Err("the written volume file reads back to another model".to_string());
    }
    Ok(())
}

/// `manifest`: the package manifest parser on arbitrary bytes. Every problem is `CS412`
/// about the manifest, placed inside it; a manifest read without findings writes back
/// byte for byte and reads again to the same model.
pub fn manifest(data: &[u8]) -> Outcome {
    match parse_manifest(data, catstage::diag::Examples::DEFAULT) {
        Ok(m) => {
            let written = manifest_bytes(&m);
            if written != data {
                return Err(format!("a clean manifest writes back differently: {}", first_difference(data, &written)));
            }
            match parse_manifest(&written, catstage::diag::Examples::DEFAULT) {
                Ok(again) if again == m => Ok(()),
                _ => Err("the written manifest reads back to another model".to_string()),
            }
        }
        Err(diags) => {
            if diags.is_empty() {
                return Err("a refused manifest without a finding".to_string());
            }
            if let Some(d) = diags.iter().find(|d| d.code.number() != 412 || !d.is_error()) {
                return Err(format!("a manifest finding that is not an error CS412: {} {}", d.code, d.message));
            }
            positions(&diags, MANIFEST_NAME, data)
        }
    }
}

/// Where `a` and `b` first differ, for messages.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    format!("{} bytes read, {} written, first difference at byte {at}", a.len(), b.len())
}

// ---------------------------------------------------------------------------------------
// The TOML files (no writer: no round trip)

/// `config`: the secondary configuration parser on arbitrary text (other bytes are
/// passed over: the file reader refuses them before parsing). Every error has a line and
/// a column inside the text, and the same text reads to the same configuration.
pub fn config(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else { return Ok(()) };
    let loaded = parse_secondary("SEC.toml", text, catstage::diag::Examples::DEFAULT);
    placed(&loaded.diagnostics, "SEC.toml", text)?;
    let again = parse_secondary("SEC.toml", text, catstage::diag::Examples::DEFAULT);
    if again.config != loaded.config || again.diagnostics.len() != loaded.diagnostics.len() {
        return Err("the same text reads to another configuration".to_string());
    }
    Ok(())
}

/// `definition`: the sync definition parser on arbitrary text (other bytes are passed
/// over, as for [`config`]). Every error has a line and a column inside the text; a
/// definition comes back exactly when there is no finding; resolving its columns against
/// a header, or without one, is safe.
pub fn definition(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else { return Ok(()) };
    let (def, diags) = parse_definition("DEF.toml", text, catstage::diag::Examples::DEFAULT);
    placed(&diags, "DEF.toml", text)?;
    match def {
        Some(_) if !diags.is_empty() => Err(format!("a definition with {} findings", diags.len())),
        None if diags.is_empty() => Err("no definition, and no finding to say why".to_string()),
        None => Ok(()),
        Some(mut def) => {
            let mut without = def.clone();
            let header = ["label".to_string(), "fileid".to_string(), "1".to_string(), String::new()];
            for d in def.resolve_columns(Some((&header, 1))).iter().chain(&without.resolve_columns(None)) {
                if d.line.is_none() {
                    return Err(format!("{} from resolving columns has no place: {}", d.code, d.message));
                }
            }
            Ok(())
        }
    }
}
