//! `catstage keys`: the key manager ids that encrypted volumes need (R11), the "BB038"
//! list an operator checks before importing encrypted volumes.

use crate::config::SecondaryConfig;
use crate::model::{Label, Timestamp};
use crate::report::Verdict;
use crate::staging::Source;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io;

/// One key manager and the volumes that need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyManagerUse {
    /// The key manager id.
    pub id: String,
    /// Encrypted volumes of the current set whose key it holds.
    pub volumes: u64,
    /// The newest of them by unload time.
    pub newest_volume: Option<NewestVolume>,
    /// With a configuration: whether the secondary has it.
    pub configured: Option<bool>,
}

/// A volume and its unload time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewestVolume {
    /// The label.
    pub label: Label,
    /// Its unload time.
    pub unloaded: Option<Timestamp>,
}

/// What `keys` found: the key managers, the volumes whose files could not be read, and
/// the damage `validate` finds in the area.
#[derive(Debug, Default)]
pub struct KeyScan {
    /// Each key manager and the volumes that need it.
    pub uses: Vec<KeyManagerUse>,
    /// Volumes of the current set whose file could not be read: whether they are
    /// encrypted, and with which key manager, is unknown.
    pub unread: Vec<Label>,
    /// `validate`'s findings about the area (structure only): a key list built from
    /// damaged files is no list.
    pub diagnostics: Vec<crate::diag::Diagnostic>,
}

/// Lists the key managers encrypted volumes of the current set need. The area is read
/// and checked as `validate` reads it, so damage is a finding here too, and a volume
/// whose file cannot be read is named as unknown rather than left out.
pub fn key_managers(
    src: &dyn Source,
    config: Option<&SecondaryConfig>,
    examples: crate::diag::Examples,
) -> io::Result<KeyScan> {
    let checks = crate::validate::Checks { examples, ..Default::default() };
    let report = crate::validate::validate_with(src, checks, None)?;
    let heads: BTreeMap<Label, &crate::model::VolumeHead> = report
        .read
        .volumes
        .iter()
        .filter(|v| !v.has_errors)
        .filter_map(|v| v.head.as_deref().map(|h| (v.label, h)))
        .collect();
    let mut unread = Vec::new();
    let mut by_id: BTreeMap<String, KeyManagerUse> = BTreeMap::new();
    let labels = report.current.as_ref().map(|c| c.entries.keys().copied().collect::<Vec<_>>()).unwrap_or_default();
    for label in labels {
        let Some(h) = heads.get(&label) else {
            unread.push(label);
            continue;
        };
        let (true, Some(id)) = (h.volume.encrypted, h.volume.keymanager.clone()) else { continue };
        let slot = by_id.entry(id.clone()).or_insert_with(|| KeyManagerUse {
            configured: config.map(|c| c.environment.key_managers.contains(&id)),
            id,
            volumes: 0,
            newest_volume: None,
        });
        slot.volumes += 1;
        let candidate = NewestVolume { label: h.volume.label, unloaded: h.volume.unloaded };
        let newer = match &slot.newest_volume {
            None => true,
            Some(n) => match (candidate.unloaded, n.unloaded) {
                (Some(a), Some(b)) => a.cmp_instant(&b).then(candidate.label.cmp(&n.label)).is_gt(),
                (Some(_), None) => true,
                _ => false,
            },
        };
        if newer {
            slot.newest_volume = Some(candidate);
        }
    }
    Ok(KeyScan { uses: by_id.into_values().collect(), unread, diagnostics: report.findings.into_diagnostics() })
}

/// What `catstage keys` reports.
#[derive(Debug)]
pub struct KeysReport {
    /// The staging area, as the operator named it.
    pub name: String,
    /// True when a secondary configuration was given.
    pub configured: bool,
    /// Each key manager and the volumes that need it.
    pub uses: Vec<KeyManagerUse>,
    /// Volumes of the current set whose file could not be read (their key managers are
    /// unknown).
    pub unread: Vec<Label>,
    /// Findings about the area (as `validate` reports them) and the configuration.
    pub diagnostics: Vec<crate::diag::Diagnostic>,
}

impl KeysReport {
    /// The key managers the secondary lacks.
    pub fn missing(&self) -> Vec<&str> {
        self.uses.iter().filter(|u| u.configured == Some(false)).map(|u| u.id.as_str()).collect()
    }
}

/// The JSON document of `catstage keys` (schema `catstage.keys/1`).
#[derive(Serialize)]
pub struct KeysJson<'a> {
    key_managers: &'a [KeyManagerUse],
    missing: Vec<&'a str>,
    unread: &'a [Label],
    coverage: crate::report::Coverage,
    diagnostics: crate::report::JsonDiagnostics<'a>,
}

/// The schema of `catstage keys`'s document.
pub const SCHEMA: &str = "catstage.keys/1";

impl crate::report::Report for KeysReport {
    /// Whether the secondary has each key manager: known only with its configuration.
    fn coverage(&self) -> crate::report::Coverage {
        let mut c = crate::report::Coverage::default();
        c.record("key managers on the secondary", self.configured, "--config");
        c
    }

    fn schema(&self) -> &'static str {
        SCHEMA
    }

    type Document<'a> = KeysJson<'a>;

    fn document(&self) -> KeysJson<'_> {
        KeysJson {
            key_managers: &self.uses,
            missing: self.missing(),
            unread: &self.unread,
            coverage: crate::report::Report::coverage(self),
            diagnostics: crate::report::JsonDiagnostics::of(&self.diagnostics),
        }
    }

    fn write_text(&self, out: &mut dyn std::io::Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        for d in &self.diagnostics {
            crate::diag::render_text(out, d, opts.style)?;
        }
        if !self.unread.is_empty() {
            writeln!(
                out,
                "{}: {} of the current set could not be read; whether they are encrypted, and with which key manager, is unknown",
                self.name,
                crate::report::plural(self.unread.len() as u64, "volume")
            )?;
        }
        if self.uses.is_empty() {
            let what = if self.unread.is_empty() { "no" } else { "no readable" };
            writeln!(out, "{}: {what} encrypted volume in the current set", self.name)?;
            return crate::report::Report::coverage(self).write_text(out);
        }
        let mut rows = vec![vec!["KEY MANAGER".to_string(), "VOLUMES".into(), "NEWEST".into(), "UNLOADED".into()]];
        if self.configured {
            rows[0].push("ON SECONDARY".into());
        }
        for u in &self.uses {
            let (label, unloaded) = match &u.newest_volume {
                Some(n) => (n.label.to_string(), n.unloaded.map_or("-".to_string(), |t| t.to_string())),
                None => ("-".into(), "-".into()),
            };
            let mut row = vec![u.id.clone(), u.volumes.to_string(), label, unloaded];
            match u.configured {
                Some(true) => row.push("yes".into()),
                Some(false) => row.push("MISSING".into()),
                None => {}
            }
            rows.push(row);
        }
        crate::report::table(out, &rows, &[false, true, false, false, false])?;
        let missing = self.missing();
        if !missing.is_empty() {
            writeln!(
                out,
                "the secondary lacks {} key manager{}: {} (configure them before importing encrypted volumes)",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            )?;
        }
        crate::report::Report::coverage(self).write_text(out)
    }

    /// Findings when the secondary lacks a key manager, a volume file could not be read,
    /// the area is damaged, or the configuration has an error (a group naming a key
    /// manager the secondary does not have, CS321).
    fn verdict(&self) -> Verdict {
        Verdict::findings_if(!self.missing().is_empty() || !self.unread.is_empty()).max(Verdict::of(&self.diagnostics))
    }

    fn subjects(&self) -> Vec<crate::report::Subject<'_>> {
        vec![crate::report::Subject::new(&self.name, true, &self.diagnostics, crate::report::Scope::StagingNames)]
    }
}
