//! The secondary site's configuration: its data store, import settings, environment and
//! volume groups.

use super::toml_walk::{self, Doc, Pos, Table};
use crate::diag::{Code, Diagnostic, Examples};
use crate::model::{Node, check_catalog, check_id, check_keymanager, check_media, check_pool};
use std::path::Path;

mod coherence;
pub use coherence::validate_replacement;
use coherence::{check_groups, node_replacement, transactions};

/// The access mode of a data store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Exports only.
    Primary,
    /// Imports only.
    Secondary,
    /// Neither.
    Restricted,
}

/// `[store]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreConfig {
    /// The secondary data store id.
    pub id: String,
    /// The primary's data store id, when it differs (R9).
    pub primary_id: Option<String>,
    /// Access mode.
    pub access: Option<Access>,
    /// The secondary's node.
    pub node: Option<Node>,
    /// Where `id` is written.
    pub id_pos: Pos,
    /// Where `primary_id` is written.
    pub primary_id_pos: Pos,
    /// Where `access` is written.
    pub access_pos: Pos,
    /// Whether the data store is activated in DSM/TC (R24); `None` when not said.
    pub active: Option<bool>,
    /// Where `active` is written.
    pub active_pos: Pos,
}

impl StoreConfig {
    /// The data store id the staging area must carry: `primary_id`, or `id`.
    pub fn expected_primary_id(&self) -> &str {
        self.primary_id.as_deref().unwrap_or(&self.id)
    }
}

/// One (old, new) pair of node replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeReplacement {
    /// The node replaced.
    pub old: Node,
    /// The node written instead.
    pub new: Node,
    /// Where the pair is written.
    pub pos: Pos,
}

/// `[import]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportConfig {
    /// Whether DISKFILEs are imported (CATALOGFILES).
    pub catalogfiles: bool,
    /// Both systems carry the same node name and are not linked (R4): a premise the
    /// checks test against what is known (CS319).
    pub same_node_name: bool,
    /// Where `same_node_name` is written.
    pub same_node_name_pos: Pos,
    /// The target catalog may be shared with local backups or other replications (R3).
    pub allow_shared_catalog: bool,
    /// DISKFILEs per commit (R18), as written (range checked by CS313).
    pub max_diskfiles_per_transaction: i128,
    /// Where it is written.
    pub max_diskfiles_pos: Pos,
    /// Node replacement pairs (R13), as far as they could be read.
    pub node_replacement: Vec<NodeReplacement>,
    /// When the import runs, from and to, in minutes after midnight at the secondary
    /// (R24); `None` when not said.
    pub window: Option<(u16, u16)>,
    /// Where `window` is written.
    pub window_pos: Pos,
}

impl Default for ImportConfig {
    fn default() -> Self {
        ImportConfig {
            catalogfiles: true,
            same_node_name: false,
            same_node_name_pos: Pos::default(),
            allow_shared_catalog: false,
            max_diskfiles_per_transaction: 20_000,
            max_diskfiles_pos: Pos::default(),
            node_replacement: Vec::new(),
            window: None,
            window_pos: Pos::default(),
        }
    }
}

/// `[environment]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvironmentConfig {
    /// Nodes the secondary knows (MEDIACOM accepts DISKFILEs of these).
    pub known_nodes: Vec<Node>,
    /// Members of the secondary's DSM/TC System Search List.
    pub ssl: Vec<Node>,
    /// The secondary's MEDIADEFS default FILECAT: where its local backups are catalogued.
    pub mediadefs_filecat: Option<String>,
    /// The secondary's MEDIADEFS default VOLCAT.
    pub mediadefs_volcat: Option<String>,
    /// Catalogs that receive local backups or other replications.
    pub local_catalogs: Vec<String>,
    /// Key manager ids configured on the secondary.
    pub key_managers: Vec<String>,
    /// The secondary's UTC offset, in minutes east, for the times `plan` shows.
    pub utc_offset: Option<i16>,
    /// When the secondary's daily expiration run starts (`PARAM AUTOEXPIRE^TIME`), in
    /// minutes after midnight (R24).
    pub autoexpire_time: Option<u16>,
    /// Where `autoexpire_time` is written.
    pub autoexpire_pos: Pos,
    /// The keys the file gave: an absent key is unknown, never "known to be empty", so
    /// the checks that need it say they did not run.
    pub given: std::collections::BTreeSet<&'static str>,
}

impl EnvironmentConfig {
    /// The keys of `[environment]`.
    pub const KEYS: [&'static str; 7] =
        ["known_nodes", "ssl", "mediadefs_filecat", "mediadefs_volcat", "local_catalogs", "key_managers", "utc_offset"];

    /// True when the file gave `key` (one of [`Self::KEYS`]).
    pub fn has(&self, key: &str) -> bool {
        self.given.contains(key)
    }
}

/// A secondary volume group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecondaryGroup {
    /// Its id.
    pub id: String,
    /// The primary group it receives, when its id differs.
    pub primary_id: Option<String>,
    /// Its catalog type as written (`NONE` or `DSMTC`; anything else is CS304).
    pub catalog: String,
    /// Media type the replicated entries carry.
    pub media: Option<String>,
    /// VOLCAT the replicated entries go to.
    pub volcat: Option<String>,
    /// FILECAT the replicated entries go to.
    pub filecat: Option<String>,
    /// POOL the replicated entries go to.
    pub pool: Option<String>,
    /// Key manager of the group; one of `[environment] key_managers` (CS321).
    pub key_manager: Option<String>,
    /// Where the group is defined.
    pub pos: Pos,
}

impl SecondaryGroup {
    /// The primary group id this group receives.
    pub fn receives(&self) -> &str {
        self.primary_id.as_deref().unwrap_or(&self.id)
    }
}

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecondaryConfig {
    /// The file as the user named it.
    pub file: String,
    /// `[store]`.
    pub store: StoreConfig,
    /// `[import]`.
    pub import: ImportConfig,
    /// `[environment]`.
    pub environment: EnvironmentConfig,
    /// `[[group]]`.
    pub groups: Vec<SecondaryGroup>,
    /// `[images]`: where the volumes' tape images are (R23).
    pub images: Option<super::ImagesConfig>,
}

impl SecondaryConfig {
    /// The FILECATs the DSM/TC groups send tape files and disk files to.
    pub fn filecats(&self) -> std::collections::BTreeSet<String> {
        self.groups.iter().filter(|g| g.catalog == "DSMTC").filter_map(|g| g.filecat.clone()).collect()
    }

    /// The secondary group that receives primary group `primary`.
    pub fn group_for(&self, primary: &str) -> Option<&SecondaryGroup> {
        self.groups.iter().find(|g| g.receives() == primary)
    }

    /// True when the secondary knows `node` (its own node counts).
    pub fn knows(&self, node: &Node) -> bool {
        self.store.node.as_ref() == Some(node) || self.environment.known_nodes.contains(node)
    }

    /// Why `catalog` receives local backups or other replications, if it does: it is
    /// listed in `local_catalogs`, or it is a MEDIADEFS default catalog, where the
    /// secondary's own backups are catalogued (R3).
    pub fn local_catalog(&self, catalog: &str) -> Option<LocalCatalog> {
        let e = &self.environment;
        if e.mediadefs_filecat.as_deref() == Some(catalog) {
            Some(LocalCatalog::MediadefsFilecat)
        } else if e.mediadefs_volcat.as_deref() == Some(catalog) {
            Some(LocalCatalog::MediadefsVolcat)
        } else if e.local_catalogs.iter().any(|c| c == catalog) {
            Some(LocalCatalog::Listed)
        } else {
            None
        }
    }

    /// The node `node` becomes under node replacement.
    pub fn replaced(&self, node: &Node) -> Option<Node> {
        self.import.node_replacement.iter().find(|r| r.old == *node).map(|r| r.new)
    }
}

/// Why a catalog counts as local (see [`SecondaryConfig::local_catalog`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalCatalog {
    /// Listed in `[environment] local_catalogs`.
    Listed,
    /// The MEDIADEFS default FILECAT.
    MediadefsFilecat,
    /// The MEDIADEFS default VOLCAT.
    MediadefsVolcat,
}

impl LocalCatalog {
    /// How messages name it.
    pub fn describe(self) -> &'static str {
        match self {
            LocalCatalog::Listed => "which also receives local backups or other replications",
            LocalCatalog::MediadefsFilecat => {
                "the MEDIADEFS default FILECAT, where the secondary's local backups are catalogued"
            }
            LocalCatalog::MediadefsVolcat => {
                "the MEDIADEFS default VOLCAT, where the secondary's local backups are catalogued"
            }
        }
    }
}

/// A configuration and the findings about it.
#[derive(Debug)]
pub struct LoadedConfig {
    /// What could be read (check `diagnostics` before trusting it).
    pub config: SecondaryConfig,
    /// CS315 and CS313/CS314 findings.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the configuration file at `path` (named as the user named it).
pub fn load_secondary(path: &Path, examples: Examples) -> std::io::Result<LoadedConfig> {
    let name = path.display().to_string();
    let text = match toml_walk::read_limited(path)? {
        Ok(t) => t,
        Err(size) => {
            let d = toml_walk::too_large(&name, Code::ConfigError, size);
            return Ok(LoadedConfig { config: SecondaryConfig::default(), diagnostics: vec![d] });
        }
    };
    match String::from_utf8(text) {
        Ok(t) => Ok(parse_secondary(&name, &t, examples)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            let start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let end = bytes[at..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| at + i);
            let d = Diagnostic::new(Code::ConfigError, Some(name), "the configuration is not UTF-8 text").at(
                line,
                (at - start) as u64 + 1,
                &bytes[start..end],
            );
            Ok(LoadedConfig { config: SecondaryConfig::default(), diagnostics: vec![d] })
        }
    }
}

fn node(doc: &mut Doc<'_>, key: &str, v: toml_walk::Value<'_, '_>) -> Option<Node> {
    let s = toml_walk::string(doc, key, v)?;
    match Node::parse_any_case(&s) {
        Ok(n) => Some(n),
        Err(e) => {
            doc.error(v.span(), format!("`{key}`: {s:?} is not a node name: {e}"));
            None
        }
    }
}

/// Reads a text value and checks it with `check` (case-insensitive Guardian names are
/// upper-cased first when `upper`).
fn checked(
    doc: &mut Doc<'_>,
    key: &str,
    v: toml_walk::Value<'_, '_>,
    upper: bool,
    check: fn(&str) -> Result<(), crate::model::ValueError>,
) -> Option<String> {
    let mut s = toml_walk::string(doc, key, v)?;
    if upper {
        s = s.to_ascii_uppercase();
    }
    match check(&s) {
        Ok(()) => Some(s),
        Err(e) => {
            doc.error(v.span(), format!("`{key}`: {e}"));
            None
        }
    }
}

/// Parses a configuration held in `text`; a repeated finding lists `examples`.
pub fn parse_secondary(file: &str, text: &str, examples: Examples) -> LoadedConfig {
    let (mut doc, root) = Doc::parse(file, text, Code::ConfigError, examples);
    let mut config = SecondaryConfig { file: file.to_string(), ..Default::default() };
    if let Some(root) = &root {
        let mut top = Table::new(root.get_ref(), root.span(), "");
        if let Some(v) = top.required(&mut doc, "store")
            && let Some(t) = toml_walk::table(&mut doc, "store", v)
        {
            config.store = read_store(&mut doc, t);
        }
        if let Some(v) = top.get("import")
            && let Some(t) = toml_walk::table(&mut doc, "import", v)
        {
            config.import = read_import(&mut doc, t);
        }
        if let Some(v) = top.get("environment")
            && let Some(t) = toml_walk::table(&mut doc, "environment", v)
        {
            config.environment = read_environment(&mut doc, t);
        }
        if let Some(v) = top.get("images")
            && let Some(t) = toml_walk::table(&mut doc, "images", v)
        {
            config.images = Some(super::read_images_config(&mut doc, t));
        }
        if let Some(v) = top.get("group")
            && let Some(items) = toml_walk::array(&mut doc, "group", v)
        {
            for item in items {
                if let Some(t) = toml_walk::table(&mut doc, "group", item)
                    && let Some(g) = read_group(&mut doc, t)
                {
                    config.groups.push(g);
                }
            }
        }
        top.finish(&mut doc);
        check_groups(&mut doc, &config);
        let mut checked = Vec::new();
        transactions(&config, &mut checked);
        node_replacement(&config, &mut checked);
        checked.into_iter().for_each(|d| doc.push(d));
    }
    LoadedConfig { config, diagnostics: doc.into_diagnostics() }
}

fn read_store(doc: &mut Doc<'_>, mut t: Table<'_, '_>) -> StoreConfig {
    let mut s = StoreConfig::default();
    if let Some(v) = t.required(doc, "id") {
        s.id_pos = doc.pos(v.span().start);
        s.id = checked(doc, "id", v, false, check_id).unwrap_or_default();
    }
    if let Some(v) = t.get("primary_id") {
        s.primary_id_pos = doc.pos(v.span().start);
        s.primary_id = checked(doc, "primary_id", v, false, check_id);
    }
    if let Some(v) = t.required(doc, "access") {
        s.access_pos = doc.pos(v.span().start);
        if let Some(a) = toml_walk::string(doc, "access", v) {
            s.access = match a.to_ascii_uppercase().as_str() {
                "PRIMARY" => Some(Access::Primary),
                "SECONDARY" => Some(Access::Secondary),
                "RESTRICTED" => Some(Access::Restricted),
                _ => {
                    doc.error(v.span(), format!("`access` is PRIMARY, SECONDARY or RESTRICTED, not {a:?}"));
                    None
                }
            };
        }
    }
    if let Some(v) = t.required(doc, "node") {
        s.node = node(doc, "node", v);
    }
    if let Some(v) = t.get("active") {
        s.active_pos = doc.pos(v.span().start);
        s.active = toml_walk::boolean(doc, "active", v);
    }
    t.finish(doc);
    s
}

/// A time of day `HH:MM` (24-hour), as minutes after midnight.
fn time_of_day(doc: &mut Doc<'_>, key: &str, v: toml_walk::Value<'_, '_>) -> Option<u16> {
    let text = toml_walk::string(doc, key, v)?;
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let ok = h.len() == 2 && m.len() == 2;
        let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
        (ok && h < 24 && m < 60).then_some(h * 60 + m)
    });
    if parsed.is_none() {
        doc.error(v.span(), format!("`{key}`: {text:?} is not a time of day HH:MM (00:00 to 23:59)"));
    }
    parsed
}

fn read_import(doc: &mut Doc<'_>, mut t: Table<'_, '_>) -> ImportConfig {
    let mut i = ImportConfig::default();
    if let Some(v) = t.get("catalogfiles") {
        i.catalogfiles = toml_walk::boolean(doc, "catalogfiles", v).unwrap_or(true);
    }
    if let Some(v) = t.get("same_node_name") {
        i.same_node_name_pos = doc.pos(v.span().start);
        i.same_node_name = toml_walk::boolean(doc, "same_node_name", v).unwrap_or(false);
    }
    if let Some(v) = t.get("allow_shared_catalog") {
        i.allow_shared_catalog = toml_walk::boolean(doc, "allow_shared_catalog", v).unwrap_or(false);
    }
    if let Some(v) = t.get("max_diskfiles_per_transaction") {
        i.max_diskfiles_pos = doc.pos(v.span().start);
        if let Some(n) = toml_walk::integer(doc, "max_diskfiles_per_transaction", v) {
            i.max_diskfiles_per_transaction = n;
        }
    }
    if let Some(v) = t.get("node_replacement") {
        i.node_replacement = read_replacement(doc, v);
    }
    if let Some(v) = t.get("window") {
        i.window_pos = doc.pos(v.span().start);
        match toml_walk::array(doc, "window", v).as_deref() {
            Some([from, to]) => {
                if let (Some(a), Some(b)) = (time_of_day(doc, "window", from), time_of_day(doc, "window", to)) {
                    i.window = Some((a, b));
                }
            }
            Some(_) => doc.error(v.span(), "`window` is two times of day, from and to: [\"01:00\", \"03:30\"]"),
            None => {}
        }
    }
    t.finish(doc);
    i
}

/// Node replacement pairs. Problems with the pairs themselves are CS314.
fn read_replacement(doc: &mut Doc<'_>, v: toml_walk::Value<'_, '_>) -> Vec<NodeReplacement> {
    let mut out = Vec::new();
    let Some(items) = toml_walk::array(doc, "node_replacement", v) else { return out };
    for item in items {
        let Some(pair) = toml_walk::array(doc, "node_replacement", item) else { continue };
        if pair.len() != 2 {
            doc.report(
                Code::InvalidNodeReplacement,
                item.span(),
                "a node replacement is a pair [\"\\\\OLD\", \"\\\\NEW\"]",
            );
            continue;
        }
        let mut nodes = Vec::new();
        for n in &pair {
            let Some(s) = toml_walk::string(doc, "node_replacement", n) else { continue };
            match Node::parse_any_case(&s) {
                Ok(node) => nodes.push(node),
                Err(e) => doc.report(Code::InvalidNodeReplacement, n.span(), format!("{s:?} is not a node name: {e}")),
            }
        }
        if let [old, new] = nodes[..] {
            out.push(NodeReplacement { old, new, pos: doc.pos(item.span().start) });
        }
    }
    out
}

fn read_environment(doc: &mut Doc<'_>, mut t: Table<'_, '_>) -> EnvironmentConfig {
    let mut e = EnvironmentConfig {
        given: EnvironmentConfig::KEYS.into_iter().filter(|k| t.has(k)).collect(),
        ..Default::default()
    };
    let nodes = |doc: &mut Doc<'_>, t: &mut Table<'_, '_>, key: &str| -> Vec<Node> {
        let Some(v) = t.get(key) else { return Vec::new() };
        toml_walk::strings(doc, key, v)
            .into_iter()
            .filter_map(|(s, span)| match Node::parse_any_case(&s) {
                Ok(n) => Some(n),
                Err(err) => {
                    doc.error(span, format!("`{key}`: {s:?} is not a node name: {err}"));
                    None
                }
            })
            .collect()
    };
    e.known_nodes = nodes(doc, &mut t, "known_nodes");
    e.ssl = nodes(doc, &mut t, "ssl");
    if let Some(v) = t.get("mediadefs_filecat") {
        e.mediadefs_filecat = checked(doc, "mediadefs_filecat", v, true, check_catalog);
    }
    if let Some(v) = t.get("mediadefs_volcat") {
        e.mediadefs_volcat = checked(doc, "mediadefs_volcat", v, true, check_catalog);
    }
    if let Some(v) = t.get("local_catalogs") {
        for (s, span) in toml_walk::strings(doc, "local_catalogs", v) {
            let s = s.to_ascii_uppercase();
            match check_catalog(&s) {
                Ok(()) => e.local_catalogs.push(s),
                Err(err) => doc.error(span, format!("`local_catalogs`: {err}")),
            }
        }
    }
    if let Some(v) = t.get("utc_offset")
        && let Some(text) = toml_walk::string(doc, "utc_offset", v)
    {
        match crate::model::parse_timezone(&text) {
            Ok(minutes) => e.utc_offset = Some(minutes),
            Err(err) => doc.error(v.span(), format!("`utc_offset`: {err}")),
        }
    }
    if let Some(v) = t.get("key_managers") {
        for (s, span) in toml_walk::strings(doc, "key_managers", v) {
            match check_keymanager(&s) {
                Ok(()) => e.key_managers.push(s),
                Err(err) => doc.error(span, format!("`key_managers`: {err}")),
            }
        }
    }
    if let Some(v) = t.get("autoexpire_time") {
        e.autoexpire_pos = doc.pos(v.span().start);
        e.autoexpire_time = time_of_day(doc, "autoexpire_time", v);
    }
    t.finish(doc);
    e
}

fn read_group(doc: &mut Doc<'_>, mut t: Table<'_, '_>) -> Option<SecondaryGroup> {
    let mut g = SecondaryGroup { pos: doc.pos(t.span.start), ..Default::default() };
    let id = t.required(doc, "id");
    if let Some(v) = id {
        g.id = checked(doc, "id", v, false, check_id).unwrap_or_default();
    }
    if let Some(v) = t.get("primary_id") {
        g.primary_id = checked(doc, "primary_id", v, false, check_id);
    }
    if let Some(v) = t.required(doc, "catalog") {
        g.catalog = toml_walk::string(doc, "catalog", v).unwrap_or_default().to_ascii_uppercase();
    }
    if let Some(v) = t.get("media") {
        g.media = checked(doc, "media", v, true, check_media);
    }
    if let Some(v) = t.get("volcat") {
        g.volcat = checked(doc, "volcat", v, true, check_catalog);
    }
    if let Some(v) = t.get("filecat") {
        g.filecat = checked(doc, "filecat", v, true, check_catalog);
    }
    if let Some(v) = t.get("pool") {
        g.pool = checked(doc, "pool", v, false, check_pool);
    }
    if let Some(v) = t.get("key_manager") {
        g.key_manager = checked(doc, "key_manager", v, false, check_keymanager);
    }
    t.finish(doc);
    (!g.id.is_empty()).then_some(g)
}
