//! The configuration checked as a whole once read: groups that cannot be told apart or
//! are incomplete, transaction sizes, node replacement pairs.

use super::{NodeReplacement, SecondaryConfig};
use crate::config::toml_walk::Doc;
use crate::diag::{Code, Diagnostic};
use crate::model::Node;
use std::collections::BTreeSet;

/// Two groups with one id, or two groups receiving one primary group, cannot be told apart;
/// a secondary group catalogs in NONE or DSMTC (CS304, R7), and a DSMTC one names the
/// media type, catalogs and pool every replicated entry carries (CS306, R8): the primary's
/// media type is never borrowed.
pub(super) fn check_groups(doc: &mut Doc<'_>, config: &SecondaryConfig) {
    for g in &config.groups {
        match g.catalog.as_str() {
            "NONE" | "" => {}
            "DSMTC" => {
                let missing: Vec<&str> =
                    [("media", &g.media), ("volcat", &g.volcat), ("pool", &g.pool), ("filecat", &g.filecat)]
                        .into_iter()
                        .filter(|(_, v)| v.is_none())
                        .map(|(k, _)| k)
                        .collect();
                if !missing.is_empty() {
                    doc.push(g.pos.diagnostic(
                        Code::SecondaryGroupIncomplete,
                        format!(
                            "DSMTC secondary group {:?} names no {}: every replicated entry carries the secondary's \
                             media type, VOLCAT, POOL and FILECAT",
                            g.id,
                            missing.join(", no ")
                        ),
                    ));
                }
            }
            other => doc.push(g.pos.diagnostic(
                Code::SecondaryCatalogUnsupported,
                format!(
                    "secondary group {:?} has catalog {other:?}; a secondary group catalogs in NONE or DSMTC",
                    g.id
                ),
            )),
        }
    }
    // R11: the key manager a secondary group names must be one the secondary has.
    for g in &config.groups {
        if let Some(km) = &g.key_manager
            && !config.environment.key_managers.contains(km)
        {
            doc.push(g.pos.diagnostic(
                Code::GroupKeyManagerUnknown,
                format!(
                    "secondary group {:?} names key manager {km}, which the secondary does not have ([environment] \
                     key_managers)",
                    g.id
                ),
            ));
        }
    }
    for (i, g) in config.groups.iter().enumerate() {
        for h in &config.groups[..i] {
            let message = if g.id == h.id {
                Some(format!("two [[group]] tables have the id {:?}", g.id))
            } else if g.receives() == h.receives() {
                Some(format!(
                    "groups {:?} and {:?} both receive primary group {:?}; each primary group goes to one secondary group",
                    h.id,
                    g.id,
                    g.receives()
                ))
            } else {
                None
            };
            if let Some(m) = message {
                doc.push(g.pos.diagnostic(Code::ConfigError, m));
            }
        }
    }
}

/// CS313: the DISKFILE commit interval (R18).
pub(super) fn transactions(config: &SecondaryConfig, out: &mut Vec<Diagnostic>) {
    let n = config.import.max_diskfiles_per_transaction;
    if !(1..=100_000_000).contains(&n) {
        out.push(config.import.max_diskfiles_pos.diagnostic(
            Code::TransactionSizeOutOfRange,
            format!("max_diskfiles_per_transaction is {n}; it must be 1 to 100000000"),
        ));
    }
}

/// CS314: the node replacement pairs (R13).
pub(super) fn node_replacement(config: &SecondaryConfig, out: &mut Vec<Diagnostic>) {
    out.extend(validate_replacement(&config.import.node_replacement));
}

/// CS314: node replacement pairs that are repeated, chained, cyclic, or replace a node by
/// itself (R13).
pub fn validate_replacement(pairs: &[NodeReplacement]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let olds: BTreeSet<Node> = pairs.iter().map(|p| p.old).collect();
    for (i, p) in pairs.iter().enumerate() {
        let msg = if p.old == p.new {
            Some(format!("{} is replaced by itself", p.old))
        } else if pairs[..i].iter().any(|q| q.old == p.old) {
            Some(format!("{} is listed twice as an old node; each node has one replacement", p.old))
        } else if olds.contains(&p.new) {
            let next = pairs.iter().find(|q| q.old == p.new).map(|q| q.new);
            let what = if next == Some(p.old) { "a cycle" } else { "a chain" };
            Some(format!(
                "{} -> {} while {} -> {}: {what}; map every old node straight to its final node",
                p.old,
                p.new,
                p.new,
                next.map_or_else(|| "?".to_string(), |n| n.to_string())
            ))
        } else {
            None
        };
        if let Some(m) = msg {
            out.push(p.pos.diagnostic(Code::InvalidNodeReplacement, m));
        }
    }
    out
}
