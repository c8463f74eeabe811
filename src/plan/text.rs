//! The text of a plan: the layout of the vendor's import report (R21).

use super::{Action, Plan};
use crate::diag::{Style, render_text};
use crate::model::ExportType;
use crate::report::table;
use std::io::{self, Write};

fn or_dash(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("-")
}

/// A deletion count, `?` when unknown (a FULL import without a baseline).
fn known(n: Option<u64>) -> String {
    n.map_or_else(|| "?".to_string(), |n| n.to_string())
}

/// The import report layout (R21): header, configuration, volumes, deletions, summary,
/// diagnostics.
pub(super) fn report(out: &mut dyn Write, p: &Plan, style: Style) -> io::Result<()> {
    writeln!(out, "IMPORT PLAN (a preview: nothing was imported)")?;
    header(out, p)?;
    groups_section(out, p)?;
    volumes_section(out, p)?;
    deletions_section(out, p)?;
    summary(out, p)?;
    if !p.findings.diagnostics().is_empty() {
        writeln!(out, "\nFINDINGS OF THE PRE-IMPORT CHECKS")?;
        for d in p.findings.diagnostics() {
            render_text(out, d, style)?;
        }
    }
    writeln!(out)?;
    p.coverage.write_text(out)?;
    let counts = p.action_counts();
    let n = |a: Action| counts.get(&a).copied().unwrap_or(0);
    let delete = match p.deletions {
        Some(d) => format!("{d} delete"),
        None => "? delete (unknown without --baseline)".to_string(),
    };
    writeln!(
        out,
        "plan: {} add, {} update, {} unchanged, {delete}, {} skip; {} error{}, {} warning{}",
        n(Action::Add),
        n(Action::Update),
        n(Action::Unchanged),
        n(Action::Skip),
        p.findings.errors(),
        if p.findings.errors() == 1 { "" } else { "s" },
        p.findings.warnings(),
        if p.findings.warnings() == 1 { "" } else { "s" }
    )
}

/// CONFIGURATION VALIDATION: each secondary group and the primary group it receives.
fn groups_section(out: &mut dyn Write, p: &Plan) -> io::Result<()> {
    writeln!(out, "\nCONFIGURATION VALIDATION")?;
    let mut rows = vec![vec![
        "SECONDARY GROUP".to_string(),
        "PRIMARY GROUP".into(),
        "PRIMARY CATALOG / VOLCAT / POOL".into(),
        "SECONDARY CATALOG / VOLCAT / POOL".into(),
        "FILECAT / MEDIA".into(),
    ]];
    for g in &p.groups {
        rows.push(vec![
            g.group.clone(),
            g.primary_group.clone(),
            format!("{} / {} / {}", or_dash(&g.primary_catalog), or_dash(&g.primary_volcat), or_dash(&g.primary_pool)),
            format!("{} / {} / {}", g.secondary_catalog, or_dash(&g.volcat), or_dash(&g.secondary_pool)),
            format!("{} / {}", or_dash(&g.filecat), or_dash(&g.media)),
        ]);
    }
    table(out, &rows, &[])?;
    Ok(())
}

/// VOLUMES: what the import does with each volume of the current set.
fn volumes_section(out: &mut dyn Write, p: &Plan) -> io::Result<()> {
    writeln!(out, "\nVOLUMES")?;
    let images = p.volumes.iter().any(|v| v.image.is_some());
    let mut rows = vec![vec![
        "LABEL".to_string(),
        "GROUP".into(),
        "CATALOG".into(),
        "FILEID".into(),
        "GEN".into(),
        "IMPORT SOURCE".into(),
        "ACTION".into(),
    ]];
    if images {
        rows[0].insert(5, "IMAGE".into());
    }
    for v in p.volumes.iter().filter(|v| v.action != Action::Delete) {
        let action = match (&v.action, &v.reason) {
            (Action::Skip, Some(r)) => format!("skip: {r}"),
            (a, _) => format!("{a:?}").to_lowercase(),
        };
        let mut row = vec![
            v.label.to_string(),
            v.group.clone().unwrap_or_else(|| v.primary_group.clone()),
            or_dash(&v.catalog_status).to_string(),
            or_dash(&v.fileid).to_string(),
            v.generation.map_or("-".into(), |g| g.to_string()),
            or_dash(&v.import_source).to_string(),
            action,
        ];
        if images {
            row.insert(5, v.image.map_or("-", |i| i.as_str()).to_string());
        }
        rows.push(row);
    }
    table(out, &rows, &[false, false, false, false, true, false, false])?;
    Ok(())
}

/// DELETION OF UNREFERENCED VOLUMES: what a FULL import deletes (R15), or why nothing.
fn deletions_section(out: &mut dyn Write, p: &Plan) -> io::Result<()> {
    writeln!(out, "\nDELETION OF UNREFERENCED VOLUMES")?;
    let deleted: Vec<_> = p.volumes.iter().filter(|v| v.action == Action::Delete).collect();
    if deleted.is_empty() {
        let why = match (p.import_type, p.deletions) {
            (ExportType::Update, _) => "an UPDATE import never deletes",
            (ExportType::Full, None) => {
                "unknown: without --baseline, the volumes the secondary holds that this export no longer lists cannot \
                 be listed"
            }
            (ExportType::Full, Some(_)) => "none",
        };
        writeln!(out, "  ({why})")?;
    } else {
        let mut rows = vec![vec!["LABEL".to_string(), "GROUP".into(), "TAPEVOLUME".into(), "DISKFILES DELETED".into()]];
        for v in deleted {
            rows.push(vec![
                v.label.to_string(),
                v.group.clone().unwrap_or_else(|| v.primary_group.clone()),
                if v.dsmtc == Some(Action::Delete) { "deleted" } else { "-" }.to_string(),
                known(v.diskfiles.deleted),
            ]);
        }
        table(out, &rows, &[false, false, false, true])?;
    }
    Ok(())
}

/// The report's header: the data stores, the process, its policies and its source.
fn header(out: &mut dyn Write, p: &Plan) -> io::Result<()> {
    let policy = if p.catalogfiles {
        "CATALOGFILES YES (DISKFILEs imported)"
    } else {
        "CATALOGFILES NO (DISKFILEs not imported)"
    };
    let replacement = p.node_replacement.iter().map(|(o, n)| format!("{o} -> {n}")).collect::<Vec<_>>().join(", ");
    let baseline = match (&p.baseline, p.baseline_volumes) {
        (Some(b), Some(n)) => format!("{b} ({n} volumes)"),
        _ if p.import_type == ExportType::Full => {
            "none: what the secondary holds is unknown, so the volumes this import would delete are unknown".into()
        }
        _ => "none: what the secondary holds is unknown; every volume previews as added".into(),
    };
    let offset = format!(
        "UTC{} ({})",
        p.time_offset.text(),
        if p.time_offset.configured {
            "the secondary's, [environment] utc_offset"
        } else {
            "the primary's; [environment] utc_offset sets the secondary's"
        }
    );
    let rows = [
        ("Data store", p.store.clone()),
        ("Primary data store", p.primary_store.clone()),
        ("Process type", format!("{} import", p.import_type.as_str())),
        ("Disk files policy", policy.to_string()),
        ("Node replacement", if replacement.is_empty() { "none".into() } else { replacement }),
        ("Export id", p.export_id.clone()),
        ("Import source", p.source.clone()),
        ("Baseline", baseline),
        ("Times shown at", offset),
    ];
    for (k, v) in rows {
        writeln!(out, "  {k:<20} {v}")?;
    }
    Ok(())
}

/// The summary table per group (R21), and what it does not show.
fn summary(out: &mut dyn Write, p: &Plan) -> io::Result<()> {
    writeln!(out, "\nSUMMARY")?;
    let mut rows = vec![vec![
        "GROUP".to_string(),
        "BACKPAK ADD/UPD/DEL".into(),
        "NSK TAPE ADD/UPD/DEL".into(),
        "DISKFILES INS/UPD/DEL".into(),
        "TRANSACTIONS".into(),
        "NEWEST VOLUME".into(),
    ]];
    for g in &p.groups {
        let newest = g
            .newest_volume
            .as_ref()
            .map(|n| format!("{} {}", n.label, n.unloaded.map_or("-".into(), |t| p.time_offset.show(t).to_string())))
            .unwrap_or_else(|| "-".into());
        rows.push(vec![
            g.group.clone(),
            format!("{}/{}/{}", g.backpak.added, g.backpak.updated, known(g.backpak.deleted)),
            format!("{}/{}/{}", g.dsmtc.added, g.dsmtc.updated, known(g.dsmtc.deleted)),
            format!("{}/{}/{}", g.diskfiles.inserted, g.diskfiles.updated, known(g.diskfiles.deleted)),
            g.transactions.to_string(),
            newest,
        ]);
    }
    table(out, &rows, &[false, true, true, true, true, false])?;
    if p.import_type == ExportType::Full {
        writeln!(out, "  A FULL import applies the BackPak record of every volume it reads, unchanged ones included.")?;
    }
    let obsolete: u64 = p.groups.iter().map(|g| g.diskfiles.left_obsolete).sum();
    if obsolete > 0 {
        writeln!(
            out,
            "  {obsolete} obsolete DISKFILE entr{} of updated tape files stay{} on the secondary: an UPDATE import \
             deletes none (a FULL import would).",
            if obsolete == 1 { "y" } else { "ies" },
            if obsolete == 1 { "s" } else { "" }
        )?;
    }
    Ok(())
}
