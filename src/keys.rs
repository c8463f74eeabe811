//! `catstage keys`: the key manager ids that encrypted volumes need (R11), the "BB038"
//! list an operator checks before importing encrypted volumes.

use crate::config::SecondaryConfig;
use crate::model::{Label, Timestamp};
use crate::parse::read_volume_head;
use crate::report::Verdict;
use crate::staging::{EntryKind, Source};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, BufReader};

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

/// Lists the key managers encrypted volumes of the current set need. Reads the summaries
/// and the heads of the volume files only.
pub fn key_managers(src: &dyn Source, config: Option<&SecondaryConfig>) -> io::Result<Vec<KeyManagerUse>> {
    let summaries = crate::staging::read_summaries(src)?;
    let set = summaries.full.is_some().then_some(summaries.set);
    let files: Vec<(Label, String)> = src
        .entries()
        .iter()
        .filter_map(|e| match e.kind {
            EntryKind::Volume(label) => Some((label, e.name.clone())),
            _ => None,
        })
        .collect();
    let files: Vec<_> =
        files.into_iter().filter(|(l, _)| set.as_ref().is_none_or(|s| s.entries.contains_key(l))).collect();
    let heads: Vec<_> = files
        .par_iter()
        .map(|(_, name)| read_volume_head(name, BufReader::new(src.open(name)?)))
        .collect::<io::Result<_>>()?;
    let mut by_id: BTreeMap<String, KeyManagerUse> = BTreeMap::new();
    for h in heads.into_iter().flatten() {
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
    Ok(by_id.into_values().collect())
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
    /// Findings about the configuration.
    pub diagnostics: Vec<crate::diag::Diagnostic>,
}

impl KeysReport {
    /// The key managers the secondary lacks.
    pub fn missing(&self) -> Vec<&str> {
        self.uses.iter().filter(|u| u.configured == Some(false)).map(|u| u.id.as_str()).collect()
    }
}

/// The schema of `catstage keys`'s document.
pub const SCHEMA: &str = "catstage.keys/1";

impl crate::report::Report for KeysReport {
    fn schema(&self) -> &'static str {
        SCHEMA
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema": SCHEMA,
            "key_managers": self.uses,
            "missing": self.missing(),
            "diagnostics": self.diagnostics.iter().map(crate::diag::render_json_diagnostic).collect::<Vec<_>>(),
        })
    }

    fn write_text(&self, out: &mut dyn std::io::Write, opts: &crate::report::TextOptions) -> io::Result<()> {
        for d in &self.diagnostics {
            crate::diag::render_text(out, d, opts.style)?;
        }
        if self.uses.is_empty() {
            return writeln!(out, "{}: no encrypted volume in the current set", self.name);
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
        Ok(())
    }

    /// 1 when the secondary lacks a key manager, or its configuration has an error (a
    /// group naming a key manager the secondary does not have, CS321).
    fn verdict(&self) -> Verdict {
        Verdict::findings_if(!self.missing().is_empty()).max(Verdict::of(&self.diagnostics))
    }
}
