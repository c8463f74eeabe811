//! What an import does to each secondary group: its volumes by action, and the newest.

use super::{Action, Counts, DiskCounts, GroupPlan, NewestVolume, VolumePlan};
use crate::config::SecondaryConfig;
use crate::model::{Group, Label, Summary, Timestamp};

/// The plan of every secondary group the import touches, from its volumes' plans.
pub(super) fn group_plans(
    config: &SecondaryConfig,
    winning: Option<&Summary>,
    volumes: &[VolumePlan],
    baseline: Option<&Summary>,
    deletions_known: bool,
) -> Vec<GroupPlan> {
    let primary = |id: &str| -> Option<&Group> {
        winning.and_then(|w| w.group(id)).or_else(|| baseline.and_then(|b| b.group(id)))
    };
    let unknown = |c: Counts| if deletions_known { c } else { Counts { deleted: None, ..c } };
    let mut out: Vec<GroupPlan> = Vec::new();
    for sec in &config.groups {
        let p = primary(sec.receives());
        let mut g = GroupPlan {
            group: sec.id.clone(),
            primary_group: sec.receives().to_string(),
            primary_catalog: p.map(|p| p.catalog.as_str().to_string()),
            primary_volcat: p.and_then(|p| p.volcat.clone()),
            primary_pool: p.and_then(|p| p.pool.clone()),
            secondary_catalog: sec.catalog.clone(),
            secondary_pool: sec.pool.clone(),
            volcat: sec.volcat.clone(),
            filecat: sec.filecat.clone(),
            // R8: the secondary group's media type, whatever the primary's (CS306 without it).
            media: sec.media.clone(),
            backpak: Counts::default(),
            dsmtc: Counts::default(),
            diskfiles: DiskCounts::default(),
            transactions: 0,
            newest_volume: None,
        };
        let mut newest: Option<(Timestamp, Label)> = None;
        for v in volumes.iter().filter(|v| v.group.as_deref() == Some(sec.id.as_str())) {
            count(&mut g.backpak, v.backpak);
            count(&mut g.dsmtc, v.dsmtc);
            g.diskfiles.add(&v.diskfiles);
            g.transactions += v.transactions;
            if matches!(v.backpak, Some(Action::Add | Action::Update))
                && let Some(u) = v.unloaded
            {
                let newer = newest.as_ref().is_none_or(|(t, l)| u.cmp_instant(t).then(v.label.cmp(l)).is_gt());
                if newer {
                    newest = Some((u, v.label));
                }
            }
        }
        g.backpak = unknown(g.backpak);
        g.dsmtc = unknown(g.dsmtc);
        if !deletions_known {
            g.diskfiles.deleted = None;
        }
        g.newest_volume = newest.map(|(t, l)| NewestVolume { label: l, unloaded: Some(t) });
        if p.is_some() || volumes.iter().any(|v| v.group.as_deref() == Some(sec.id.as_str())) {
            out.push(g);
        }
    }
    out
}

fn count(c: &mut Counts, a: Option<Action>) {
    match a {
        Some(Action::Add) => c.added += 1,
        Some(Action::Update) => c.updated += 1,
        Some(Action::Delete) => c.deleted = c.deleted.map(|n| n + 1),
        _ => {}
    }
}
