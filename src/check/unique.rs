//! Uniqueness across catalogs (CS202–CS204, CS206): tape labels across the enterprise
//! (R1), tape files within the staging area, and tape files and FILEIDs against a catalog
//! the import may share (R3).

use super::ImportContext;
use crate::diag::{Code, Diagnostic};
use crate::model::{Label, TapeFileKey};
use crate::staging::Reference;
use std::collections::BTreeMap;

/// Runs the uniqueness checks.
pub fn check(cx: &ImportContext<'_>, out: &mut Vec<Diagnostic>) {
    labels_elsewhere(cx, out);
    duplicate_tapefiles(cx, out);
    fileid_collisions(cx, out);
}

/// CS202: labels of the current set that another catalog holds too (R1).
fn labels_elsewhere(cx: &ImportContext<'_>, out: &mut Vec<Diagnostic>) {
    for r in cx.references {
        let shared: Vec<Label> = cx.set.entries.keys().filter(|l| r.labels.contains(l)).copied().collect();
        if shared.is_empty() {
            continue;
        }
        let n = shared.len();
        out.push(
            Diagnostic::new(
                Code::LabelNotUnique,
                None,
                format!(
                    "{n} label{} of this staging area {} also known to {}: tape labels must be unique across the enterprise",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                    r.name
                ),
            )
            .with_count(n as u64, cx.read.examples.take(&shared)),
        );
    }
}

/// A volume carrying a tape file: its label, volume set and file section.
type Carrier = (Label, Option<Label>, u16);

/// Where a group's tape files are kept, as indexes into [`Catalogs::names`].
#[derive(Clone, Copy)]
struct GroupCatalogs {
    /// Where a tape-file key must be unique: with a configuration, the secondary FILECAT
    /// the group goes to (two primary catalogs sent to separate FILECATs may use the same
    /// keys); without one, or for a group it does not place, the group's primary catalog
    /// (its VOLCAT; primary groups carry no FILECAT), or the group itself.
    scope: usize,
    /// The secondary FILECAT, when the configuration places the group.
    target: Option<usize>,
    /// The primary catalog, when the summary names it.
    primary: Option<usize>,
}

/// The catalogs of every group the current set's volumes name, worked out once per run
/// (not once per volume); catalog names are few, so they are interned.
struct Catalogs<'a> {
    names: Vec<String>,
    by_group: BTreeMap<&'a str, GroupCatalogs>,
}

impl<'a> Catalogs<'a> {
    fn of(cx: &'a ImportContext<'_>, volumes: &BTreeMap<Label, &'a crate::staging::VolumeFacts>) -> Self {
        let mut c = Catalogs { names: Vec::new(), by_group: BTreeMap::new() };
        for h in volumes.values().filter_map(|v| v.head.as_deref()) {
            let group = h.volume.group.as_str();
            if c.by_group.contains_key(group) {
                continue;
            }
            let target = cx.config.and_then(|k| k.group_for(group)).and_then(|g| g.filecat.as_ref());
            let primary = cx.set.groups.iter().find(|g| g.id == group).and_then(|g| g.volcat.as_ref());
            let scope = match (target, primary) {
                (Some(f), _) => format!("FILECAT {}", f.to_ascii_uppercase()),
                (None, Some(v)) => format!("primary catalog {v}"),
                (None, None) => format!("group {group}"),
            };
            let g = GroupCatalogs {
                scope: c.intern(scope),
                target: target.map(|f| c.intern(f.to_ascii_uppercase())),
                primary: primary.map(|v| c.intern(v.to_ascii_uppercase())),
            };
            c.by_group.insert(group, g);
        }
        c
    }

    fn intern(&mut self, name: String) -> usize {
        match self.names.iter().position(|n| *n == name) {
            Some(i) => i,
            None => {
                self.names.push(name);
                self.names.len() - 1
            }
        }
    }

    fn group(&self, id: &str) -> Option<GroupCatalogs> {
        self.by_group.get(id).copied()
    }
}

/// CS203: one tape file key on volumes that are not one volume set, in one catalog.
fn duplicate_tapefiles(cx: &ImportContext<'_>, out: &mut Vec<Diagnostic>) {
    // One (catalog, key, carrier) triple per tape file, sorted by catalog, key, label: a
    // flat vector, as every volume of a large area has a tape file (a map of lists cost
    // 390 bytes each).
    let volumes = cx.volumes();
    let catalogs = Catalogs::of(cx, &volumes);
    let mut carried: Vec<(usize, &TapeFileKey, Carrier)> = Vec::new();
    for v in volumes.values() {
        // A damaged file, or one holding another volume, is reported already; its tape
        // files would only repeat that.
        let Some(h) = &v.head else { continue };
        if v.has_errors || h.volume.label != v.label {
            continue;
        }
        let Some(c) = catalogs.group(&h.volume.group).map(|g| g.scope) else { continue };
        let volset = h.tapevolume.as_ref().map(|t| t.volset);
        carried.extend(h.tapefiles.iter().map(|t| (c, &t.key, (v.label, volset, t.section))));
    }
    carried.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)).then(a.2.0.cmp(&b.2.0)));
    let mut findings = Vec::new();
    for run in carried.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1).filter(|run| run.len() >= 2) {
        let key = run[0].1;
        let list: Vec<Carrier> = run.iter().map(|c| c.2).collect();
        let first = list[0];
        let one_set = list.iter().all(|c| c.1.is_some() && c.1 == first.1);
        let mut sections: Vec<u16> = list.iter().map(|c| c.2).collect();
        sections.sort_unstable();
        sections.dedup();
        if one_set && sections.len() == list.len() {
            continue;
        }
        let labels: Vec<String> = list.iter().map(|c| c.0.to_string()).collect();
        let why = if one_set {
            "twice with the same file section of one volume set"
        } else {
            "on volumes that are not one volume set"
        };
        findings.push(Diagnostic::new(
            Code::DuplicateTapefile,
            Some(list[1].0.file_name()),
            format!("tape file {key} is on {} ({why})", labels.join(", ")),
        ));
    }
    out.extend(super::structure::rollup(findings, cx.read.examples));
    merged_fileids(cx, out);
}

/// CS206 within the import: a FILEID that groups of two primary catalogs both use, which
/// the configuration sends to one secondary FILECAT. Each primary catalog numbers that
/// FILEID's generations on its own; in one FILECAT they become one FILEID's generations,
/// and the expiration of one catalog's acts on the other's.
fn merged_fileids(cx: &ImportContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(config) = cx.config else { return };
    let volumes = cx.volumes();
    let catalogs = Catalogs::of(cx, &volumes);
    // (target FILECAT, FILEID, primary catalog, label): one per tape file of a placed group.
    let mut uses: Vec<(usize, &str, usize, Label)> = Vec::new();
    for v in volumes.values() {
        let Some(h) = &v.head else { continue };
        let Some(GroupCatalogs { target: Some(t), primary: Some(p), .. }) = catalogs.group(&h.volume.group) else {
            continue;
        };
        uses.extend(h.tapefiles.iter().map(|tf| (t, tf.key.fileid.as_str(), p, v.label)));
    }
    uses.sort_unstable();
    uses.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2);
    let mut merged: Vec<String> = Vec::new();
    let mut first: Option<String> = None;
    for run in uses.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1).filter(|r| r.len() >= 2) {
        let names = &catalogs.names;
        let sides: Vec<String> = run.iter().map(|u| format!("{} on {}", names[u.2], u.3)).collect();
        first.get_or_insert_with(|| format!("{} into {}: {}", run[0].1, names[run[0].0], sides.join(", ")));
        merged.push(run[0].1.to_string());
    }
    if let Some(first) = first {
        let n = merged.len();
        out.push(
            Diagnostic::new(
                Code::FileidShared,
                Some(config.file.clone()),
                format!(
                    "{n} FILEID{} of this import come{} from two primary catalogs that the configuration sends to one \
                     FILECAT, where their generations become one FILEID's; the first: {first}",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" },
                ),
            )
            .with_count(n as u64, cx.read.examples.take(&merged)),
        );
    }
}

/// CS204, CS206: when the import may share a catalog, tape files another area holds too,
/// and FILEIDs it uses at other generations (R3).
///
/// Which groups' tape files are compared: every group's, whenever an `--against` area is
/// given (the operator names the areas whose entries may meet this one's; whether their
/// replication targets this FILECAT is known only to their own configuration, so a
/// dedicated catalog here proves nothing); without one, the groups that may share their
/// catalog get a warning that nothing was compared.
fn fileid_collisions(cx: &ImportContext<'_>, out: &mut Vec<Diagnostic>) {
    let groups = || cx.set.groups.iter().map(|g| g.id.as_str());
    // The groups whose catalog this configuration itself says may be shared.
    let shared_groups: Vec<&str> = match cx.config {
        None => Vec::new(),
        Some(config) => groups()
            .filter(|g| {
                config.import.allow_shared_catalog
                    || config
                        .group_for(g)
                        .and_then(|s| s.filecat.as_ref())
                        .is_some_and(|f| config.local_catalog(f).is_some())
            })
            .collect(),
    };
    let own_filecats = cx.config.map(crate::config::SecondaryConfig::filecats);
    // An --against area may meet this import in a FILECAT when this configuration says
    // its catalog may be shared, when the area's targets are unknown (no configuration
    // beside it), or when they include one of this import's FILECATs.
    let may_meet = |r: &&Reference| {
        !r.tapefiles.is_empty()
            && (!shared_groups.is_empty()
                || match (&r.filecats, &own_filecats) {
                    (Some(theirs), Some(ours)) => !theirs.is_disjoint(ours),
                    _ => true,
                })
    };
    let compared: Vec<&Reference> = cx.references.iter().filter(may_meet).collect();
    if compared.is_empty() {
        if let (false, Some(config)) = (shared_groups.is_empty(), cx.config)
            && !cx.references.iter().any(|r| !r.tapefiles.is_empty())
        {
            let why = if cx.references.is_empty() {
                "no --against area was given"
            } else {
                "the --against areas hold no tape files"
            };
            out.push(
                Diagnostic::new(
                    Code::FileidCollision,
                    Some(config.file.clone()),
                    format!(
                        "the import may share its catalog (groups {}), but {why}, so tape file collisions were not checked",
                        shared_groups.join(", ")
                    ),
                )
                .with_severity(crate::diag::Severity::Warning)
                .with_hint("name the staging areas of the other exports into that catalog with --against"),
            );
        }
        return;
    }
    // Every group's tape files are compared with an area whose targets may be ours; only
    // the shared groups' with the others.
    let all_groups: Vec<&str> = groups().collect();
    let volumes = cx.volumes();
    for r in compared {
        let shared_groups = if shared_groups.is_empty() { &all_groups } else { &shared_groups };
        let mut hits: Vec<String> = Vec::new();
        // Each FILEID of the shared groups, with its first tape file here, and whether a
        // tape file of it collides exactly.
        let mut fileids: BTreeMap<&str, (u16, Label, bool)> = BTreeMap::new();
        for v in volumes.values() {
            let Some(h) = &v.head else { continue };
            if !shared_groups.contains(&h.volume.group.as_str()) {
                continue;
            }
            for t in &h.tapefiles {
                let exact = r.tapefiles.get(&t.key);
                if let Some(other) = exact {
                    hits.push(format!("{} ({} here, {other} there)", t.key, v.label));
                }
                let slot = fileids.entry(t.key.fileid.as_str()).or_insert((t.key.generation, v.label, false));
                slot.2 |= exact.is_some();
            }
        }
        if !hits.is_empty() {
            let n = hits.len();
            out.push(
                Diagnostic::new(
                    Code::FileidCollision,
                    None,
                    format!(
                        "{n} tape file{} of this import {} also in {}, and the two may share a catalog: importing \
                         would collide in the DSM/TC FILECAT",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "is" } else { "are" },
                        r.name
                    ),
                )
                .with_count(n as u64, cx.read.examples.take(hits)),
            );
        }
        shared_fileids(cx, r, &fileids, out);
    }
}

/// CS206: FILEIDs of this import that the other catalog uses at other generations (R3: the
/// manual states the risk at FILEID level). A FILEID that collides exactly (CS204) is not
/// reported again.
fn shared_fileids(
    cx: &ImportContext<'_>,
    r: &Reference,
    fileids: &BTreeMap<&str, (u16, Label, bool)>,
    out: &mut Vec<Diagnostic>,
) {
    let mut theirs: BTreeMap<&str, (u16, Label)> = BTreeMap::new();
    for (key, label) in &r.tapefiles {
        // Keys are sorted by FILEID first: the first one seen is the lowest generation.
        theirs.entry(key.fileid.as_str()).or_insert((key.generation, *label));
    }
    let hits: Vec<String> = fileids
        .iter()
        .filter(|(_, (_, _, exact))| !exact)
        .filter_map(|(fileid, (gen_here, here, _))| {
            let (gen_there, there) = theirs.get(fileid)?;
            Some(format!("{fileid} (gen {gen_here} on {here} here, gen {gen_there} on {there} there)"))
        })
        .collect();
    if hits.is_empty() {
        return;
    }
    let n = hits.len();
    out.push(
        Diagnostic::new(
            Code::FileidShared,
            None,
            format!(
                "{n} FILEID{} of this import {} also used in {} (at other generations), and the two may share a \
                 catalog: the two sites' generations of one FILEID would mix in one DSM/TC FILECAT",
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "are" },
                r.name
            ),
        )
        .with_count(n as u64, cx.read.examples.take(hits)),
    );
}
