//! The secondary's configuration against the staging area (CS301–CS317, CS319, CS320):
//! what an import would corrupt, drop or refuse (R2–R14, R18, R22).

use super::ImportContext;
use crate::config::{Access, SecondaryConfig};
use crate::diag::{Code, Diagnostic, Severity};
use crate::model::{CatalogType, ExportType, Label, Node};
use std::collections::{BTreeMap, BTreeSet};

/// Runs every configuration check. Without a configuration, only the CATALOGFILES check
/// applies, and only when `--catalogfiles` was given.
pub fn check(cx: &ImportContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(config) = cx.config else {
        if cx.catalogfiles_given {
            catalogfiles(cx, out);
        }
        return;
    };
    let same_node_name = same_node_name(cx, config, out);
    store(cx, config, same_node_name, out);
    groups(cx, config, out);
    catalogs(cx, config, same_node_name, out);
    diskfile_nodes(cx, config, out);
    replacement_twins(cx, config, out);
    key_managers(cx, config, out);
    catalogfiles(cx, out);
    out.extend(operations(config, false));
}

/// R24, where the configuration says: a de-activated data store (an error where restores
/// are what is asked for — `status` before a role switch — a warning before an import,
/// which DSM/TC still allows), and an import window that holds the daily expiration run.
pub fn operations(config: &SecondaryConfig, restores: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let s = &config.store;
    if s.active == Some(false) {
        let mut d = s.active_pos.diagnostic(
            Code::StoreDeactivated,
            format!(
                "the secondary data store {} is de-activated (active = false): DSM/TC rejects its tape load \
                 requests, so no restore from it can run{}",
                s.id,
                if restores { "" } else { "; the import itself is allowed" }
            ),
        );
        if !restores {
            d.severity = crate::diag::Severity::Warning;
        }
        out.push(d);
    }
    if let (Some((from, to)), Some(at)) = (config.import.window, config.environment.autoexpire_time) {
        // A window may cross midnight (23:00 to 02:00).
        let inside = if from <= to { (from..=to).contains(&at) } else { at >= from || at <= to };
        if inside {
            let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
            out.push(config.import.window_pos.diagnostic(
                Code::ImportDuringExpiration,
                format!(
                    "the import runs from {} to {}, and the secondary's daily expiration run starts at {} \
                     (autoexpire_time): the manual advises against importing during it",
                    hm(from),
                    hm(to),
                    hm(at)
                ),
            ));
        }
    }
    out
}

/// CS205 before the import: disk files of one tape file whose names differ only in their
/// node, which the node replacement makes one name (`\ETINIUM.$DATA81.SV.F` and
/// `\INSIDX.$DATA81.SV.F` under `\ETINIUM` → `\INSIDX`). `replace-nodes` would write them
/// as duplicates, and MEDIACOM would take one entry for two disk files.
fn replacement_twins(cx: &ImportContext<'_>, config: &SecondaryConfig, out: &mut Vec<Diagnostic>) {
    if !cx.catalogfiles || config.import.node_replacement.is_empty() {
        return;
    }
    for v in cx.volumes().values() {
        for t in &v.node_twins {
            let (a, b) = t.nodes;
            let (ra, rb) = (config.replaced(&a).unwrap_or(a), config.replaced(&b).unwrap_or(b));
            if ra != rb {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::DuplicateDiskfile,
                    Some(v.file.clone()),
                    format!(
                        "{} disk file{} of {a} and {b} differ only in their node within one tape file (lines {} and \
                         {}, the first): node replacement makes both {ra}, one DISKFILE name for two disk files",
                        t.count,
                        if t.count == 1 { "" } else { "s" },
                        t.example.0,
                        t.example.1
                    ),
                )
                .with_count(t.count, Vec::new()),
            );
        }
    }
}

/// Which pre-import checks had their input, for a run with `config` and the reference
/// catalogs `references` (`--labels`, `--against`). A check whose input the operator did
/// not give did not run, and says so: an absent key is unknown, not "known to be empty".
/// Where absence has a safe reading (a node or key manager not listed is unknown to the
/// secondary, an error), the check runs.
pub fn coverage(config: &SecondaryConfig, references: &[crate::staging::Reference]) -> crate::report::Coverage {
    let e = &config.environment;
    let mut c = crate::report::Coverage::default();
    c.record("labels in other catalogs (R1)", !references.is_empty(), "--labels or --against");
    c.record("System Search List (R2)", e.has("ssl"), "[environment] ssl");
    c.record(
        "local-backup catalogs (R3)",
        e.has("local_catalogs") || e.has("mediadefs_filecat") || e.has("mediadefs_volcat"),
        "[environment] local_catalogs or mediadefs_*",
    );
    c.record(
        "default FILECAT (R5)",
        config.import.node_replacement.is_empty() || e.has("mediadefs_filecat"),
        "[environment] mediadefs_filecat",
    );
    for check in ["store and groups (R6-R10)", "catalog names (R4)", "disk file nodes (R12)", "key managers (R11)"] {
        c.ran(check);
    }
    c
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// `1 volume is`, `2 volumes are`.
fn plural_is(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word} is") } else { format!("{n} {word}s are") }
}

/// `1 volume was`, `2 volumes were`.
fn plural_was(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word} was") } else { format!("{n} {word}s were") }
}

/// CS319: `same_node_name` is a premise (one node name on both systems, no Expand link
/// between them), never taken on trust (R4). Returns whether it stands: when what is known
/// contradicts it, it switches off neither CS307 nor CS310.
fn same_node_name(cx: &ImportContext<'_>, config: &SecondaryConfig, out: &mut Vec<Diagnostic>) -> bool {
    if !config.import.same_node_name {
        return false;
    }
    let primary = cx.full.export.node;
    let mut facts = Vec::new();
    if let Some(secondary) = config.store.node
        && secondary != primary
    {
        facts.push(format!(
            "the staging area was exported by {primary} and the secondary is {secondary} ([store] node)"
        ));
    }
    // Replacing the primary's node in DISKFILE names says the secondary does not carry it.
    if let Some(r) = config.import.node_replacement.iter().find(|r| r.old == primary) {
        facts.push(format!("node_replacement rewrites {} to {}", r.old, r.new));
    }
    // The secondary's System Search List naming a primary of another name: the systems are
    // linked (Expand). With one node name, the list naming it names the secondary itself.
    if config.store.node != Some(primary) && config.environment.ssl.contains(&primary) {
        facts.push(format!("the System Search List ([environment] ssl) holds {primary}, so the systems are linked"));
    }
    if facts.is_empty() {
        return true;
    }
    out.push(config.import.same_node_name_pos.diagnostic(
        Code::SameNodeNameContradicted,
        format!(
            "same_node_name = true says both systems carry one node name and are not linked, but {}; catalog names \
             and the System Search List are checked as without it",
            facts.join("; ")
        ),
    ));
    false
}

/// CS301, CS302, CS310: the data stores and the systems (R10, R9, R2).
fn store(cx: &ImportContext<'_>, config: &SecondaryConfig, same_node_name: bool, out: &mut Vec<Diagnostic>) {
    let s = &config.store;
    if let Some(access) = s.access
        && access != Access::Secondary
    {
        out.push(s.access_pos.diagnostic(
            Code::StoreNotSecondary,
            format!(
                "data store {:?} has access {}; an import runs only into a SECONDARY data store",
                s.id,
                if access == Access::Primary { "PRIMARY" } else { "RESTRICTED" }
            ),
        ));
    }
    let staged = &cx.full.export.store;
    if s.expected_primary_id() != staged {
        let how = if s.primary_id.is_some() { "its primary_id is" } else { "it has no primary_id and its id is" };
        let pos = if s.primary_id.is_some() { &s.primary_id_pos } else { &s.id_pos };
        out.push(pos.diagnostic(
            Code::StoreIdMismatch,
            format!(
                "the staging area belongs to data store {staged:?}, but {how} {:?} (ids are compared exactly, spaces included)",
                s.expected_primary_id()
            ),
        ));
    }
    let primary = cx.full.export.node;
    if !same_node_name && config.environment.ssl.contains(&primary) {
        out.push(Diagnostic::new(
            Code::SameSsl,
            Some(config.file.clone()),
            format!("the primary {primary} is in the secondary's DSM/TC System Search List ([environment] ssl)"),
        ));
    }
}

/// CS303–CS306, CS317: each primary group against the secondary group receiving it (R6–R8).
fn groups(cx: &ImportContext<'_>, config: &SecondaryConfig, out: &mut Vec<Diagnostic>) {
    let mut volumes_of: BTreeMap<&str, Vec<Label>> = BTreeMap::new();
    for (label, w) in &cx.set.entries {
        volumes_of.entry(w.entry.group.as_str()).or_default().push(*label);
    }
    let mut seen = BTreeSet::new();
    for g in &cx.set.groups {
        seen.insert(g.id.as_str());
        let vols = volumes_of.get(g.id.as_str()).map_or(&[][..], Vec::as_slice);
        let Some(sec) = config.group_for(&g.id) else {
            out.push(
                Diagnostic::new(
                    Code::GroupNotConfigured,
                    Some(config.file.clone()),
                    format!(
                        "primary volume group {:?} has no secondary group: its {} would not be imported",
                        g.id,
                        plural(vols.len(), "volume")
                    ),
                )
                .with_count(vols.len() as u64, cx.read.examples.take(vols)),
            );
            continue;
        };
        // An unsupported secondary catalog is reported with the configuration (CS304).
        if !matches!(sec.catalog.as_str(), "NONE" | "DSMTC") {
            continue;
        }
        // R7: DSMTC -> DSMTC; DSMTC -> NONE (entries dropped); NONE, TMF, QTOS, CA -> NONE.
        match (g.catalog, sec.catalog.as_str()) {
            (CatalogType::Dsmtc, "DSMTC") | (CatalogType::None | CatalogType::Tmf | CatalogType::Qtos | CatalogType::Ca, "NONE") => {}
            (CatalogType::Dsmtc, _) => out.push(sec.pos.diagnostic(
                Code::CatalogEntriesDropped,
                format!(
                    "primary group {:?} catalogs in DSMTC but secondary group {:?} in NONE: the DSM/TC entries of its {} \
                     (TAPEVOLUME, TAPEFILE, DISKFILE) are dropped",
                    g.id,
                    sec.id,
                    plural(vols.len(), "volume")
                ),
            )),
            (primary, secondary) => out.push(sec.pos.diagnostic(
                Code::CatalogTypeIncoherent,
                format!(
                    "primary group {:?} catalogs in {} but secondary group {:?} in {secondary}; {} can only go to NONE",
                    g.id,
                    primary.as_str(),
                    sec.id,
                    primary.as_str()
                ),
            )),
        }
    }
    // Entries naming groups the summary does not define are CS029; their volumes still
    // need a secondary group.
    for (group, vols) in &volumes_of {
        if !seen.contains(group) && config.group_for(group).is_none() {
            out.push(
                Diagnostic::new(
                    Code::GroupNotConfigured,
                    Some(config.file.clone()),
                    format!(
                        "volume group {group:?} has no secondary group: its {} would not be imported",
                        plural(vols.len(), "volume")
                    ),
                )
                .with_count(vols.len() as u64, cx.read.examples.take(vols)),
            );
        }
    }
}

/// CS307–CS309, CS320: the catalogs the import writes to (R4, R3, R5).
fn catalogs(cx: &ImportContext<'_>, config: &SecondaryConfig, same_node_name: bool, out: &mut Vec<Diagnostic>) {
    let mut primary: BTreeSet<&str> = cx.set.groups.iter().filter_map(|g| g.volcat.as_deref()).collect();
    for v in cx.read.volumes.iter().filter_map(|v| v.head.as_ref()) {
        if let Some(t) = &v.tapevolume {
            primary.insert(t.volcat.as_str());
        }
    }
    for sec in config.groups.iter().filter(|g| g.catalog == "DSMTC") {
        for (what, name) in [("VOLCAT", &sec.volcat), ("FILECAT", &sec.filecat)] {
            let Some(name) = name else { continue };
            if !same_node_name && primary.contains(name.as_str()) {
                out.push(sec.pos.diagnostic(
                    Code::CatalogNameCollision,
                    format!("secondary group {:?} writes to {what} {name}, which is the primary's own catalog", sec.id),
                ));
            } else if let Some(d) = catalog_site(cx, config, sec, what, name) {
                out.push(d);
            }
            if !config.import.allow_shared_catalog
                && let Some(local) = config.local_catalog(name)
            {
                out.push(sec.pos.diagnostic(
                    Code::SharedLocalCatalog,
                    format!(
                        "secondary group {:?} writes to {what} {name}, {}; FILEIDs are not unique across sites",
                        sec.id,
                        local.describe()
                    ),
                ));
            }
        }
        if let (Some(filecat), Some(default)) = (&sec.filecat, &config.environment.mediadefs_filecat)
            && !config.import.node_replacement.is_empty()
            && filecat == default
        {
            out.push(sec.pos.diagnostic(
                Code::ReplacementIntoDefaultFilecat,
                format!(
                    "node replacement is configured and secondary group {:?} directs DISKFILEs into {filecat}, the \
                         MEDIADEFS default FILECAT",
                    sec.id
                ),
            ));
        }
    }
}

/// CS320: a target catalog must be an existing catalog of the secondary site (R4): on
/// its own node or one it knows, never on the primary's (unless both carry one name) —
/// neither the export node nor the node that holds the primary's catalogs (its groups'
/// VOLCATs): a replica on the primary's catalog server is lost with the primary site.
fn catalog_site(
    cx: &ImportContext<'_>,
    config: &SecondaryConfig,
    sec: &crate::config::SecondaryGroup,
    what: &str,
    name: &str,
) -> Option<Diagnostic> {
    // The configuration reader checked the name: `\NODE.NAME`.
    let node = Node::parse(name.split_once('.')?.0).ok()?;
    let primary = cx.full.export.node;
    let catalog_server = cx
        .set
        .groups
        .iter()
        .filter_map(|g| g.volcat.as_deref())
        .filter_map(|v| Node::parse(v.split_once('.')?.0).ok())
        .find(|n| *n == node && *n != primary);
    let message = if node == primary && config.store.node != Some(primary) {
        format!(
            "secondary group {:?} writes to {what} {name}, on the primary's node {primary}: the target catalogs must \
             be catalogs of the SECONDARY site (R4)",
            sec.id
        )
    } else if let Some(server) = catalog_server.filter(|s| config.store.node != Some(*s)) {
        format!(
            "secondary group {:?} writes to {what} {name}, on {server}, the node that holds the primary's catalogs: \
             the target catalogs must be catalogs of the SECONDARY site (R4), or the replica is lost with the primary",
            sec.id
        )
    } else if !config.knows(&node) {
        format!(
            "secondary group {:?} writes to {what} {name}, on node {node}, which the secondary does not know ([store] \
             node, [environment] known_nodes): the target catalogs must be catalogs of the SECONDARY site (R4)",
            sec.id
        )
    } else {
        return None;
    };
    Some(sec.pos.diagnostic(Code::CatalogNotOnSecondary, message))
}

/// CS311: DISKFILEs whose node the secondary does not know (R12, R13, R14).
fn diskfile_nodes(cx: &ImportContext<'_>, config: &SecondaryConfig, out: &mut Vec<Diagnostic>) {
    if !cx.catalogfiles {
        return;
    }
    let mut unknown: BTreeMap<Node, (u64, Vec<Label>, Option<Node>)> = BTreeMap::new();
    for v in cx.volumes().values() {
        // A volume whose secondary group keeps no DSM/TC entries (NONE) sends no DISKFILE
        // to MEDIACOM: its nodes do not matter. A group not configured is CS303's.
        let group = cx.set.entries.get(&v.label).and_then(|w| config.group_for(&w.entry.group));
        if group.is_some_and(|g| g.catalog != "DSMTC") {
            continue;
        }
        for (node, count) in &v.nodes {
            let replaced = config.replaced(node);
            let target = replaced.unwrap_or(*node);
            if config.knows(&target) {
                continue;
            }
            let slot = unknown.entry(*node).or_insert((0, Vec::new(), replaced));
            slot.0 += count;
            slot.1.push(v.label);
        }
    }
    for (node, (diskfiles, labels, replaced)) in unknown {
        let how = match replaced {
            Some(r) => format!("node replacement maps {node} to {r}, which the secondary does not know either"),
            None => format!("the secondary does not know {node} and no node replacement maps it"),
        };
        out.push(
            Diagnostic::new(
                Code::UnknownDiskfileNode,
                None,
                format!(
                    "{} of {} name node {node}: {how}; MEDIACOM would reject them (ERROR-5048)",
                    plural(diskfiles as usize, "DISKFILE"),
                    plural(labels.len(), "volume")
                ),
            )
            .with_count(labels.len() as u64, cx.read.examples.take(&labels)),
        );
    }
}

/// CS312: key managers that encrypted volumes need and the secondary lacks (R11).
fn key_managers(cx: &ImportContext<'_>, config: &SecondaryConfig, out: &mut Vec<Diagnostic>) {
    let mut missing: BTreeMap<&str, Vec<Label>> = BTreeMap::new();
    for v in cx.volumes().values() {
        let Some(h) = &v.head else { continue };
        if let (true, Some(km)) = (h.volume.encrypted, h.volume.keymanager.as_deref())
            && !config.environment.key_managers.iter().any(|k| k == km)
        {
            missing.entry(km).or_default().push(v.label);
        }
    }
    for (km, labels) in missing {
        out.push(
            Diagnostic::new(
                Code::KeyManagerMissing,
                Some(config.file.clone()),
                format!(
                    "{} encrypted with keys of key manager {km}, which the secondary does not have ([environment] key_managers)",
                    plural_is(labels.len(), "volume")
                ),
            )
            .with_count(labels.len() as u64, cx.read.examples.take(&labels)),
        );
    }
}

/// CS316: DISKFILEs imported from volume files exported without them (R22).
fn catalogfiles(cx: &ImportContext<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.catalogfiles {
        return;
    }
    let without: Vec<Label> = cx
        .volumes()
        .values()
        .filter(|v| v.head.as_ref().is_some_and(|h| !h.export.catalogfiles))
        .map(|v| v.label)
        .collect();
    if without.is_empty() {
        return;
    }
    let what = plural_was(without.len(), "volume file");
    match cx.import_type {
        // R22: the FULL import replaces what the secondary knows of these volumes with
        // files that hold no DISKFILE.
        ExportType::Full => out.push(
            Diagnostic::new(
                Code::CatalogfilesMismatch,
                None,
                format!(
                    "{what} exported with catalogfiles=no while the import takes DISKFILEs: a FULL import with \
                     DISKFILEs would delete the secondary's DISKFILE entries of these volumes"
                ),
            )
            .with_count(without.len() as u64, cx.read.examples.take(&without)),
        ),
        // The vendor's own schedule (monthly FULL export without DISKFILEs, daily UPDATE
        // imports with them): an UPDATE import deletes nothing (R15), so one line, not
        // one per volume, says what a FULL import of the same files would do.
        ExportType::Update => out.push(
            Diagnostic::new(
                Code::CatalogfilesMismatch,
                None,
                format!(
                    "{what} exported with catalogfiles=no: an UPDATE import takes no DISKFILEs from them and deletes \
                     none, but a FULL import of them with DISKFILEs would delete the secondary's DISKFILE entries (R22)"
                ),
            )
            .with_severity(Severity::Warning)
            .with_hint("nothing to do for an UPDATE import; run a FULL import of these files with --catalogfiles no"),
        ),
    }
}
