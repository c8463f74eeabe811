//! Property tests of the one canonical byte form (formats/README.md §2.3), through the
//! public parsers (`parse::parse_summary`, `parse::parse_volume`) and writers
//! (`write::summary_bytes`, `write::volume_bytes`):
//!
//! 1. strategies for valid [`Summary`] and [`VolumeFile`] values that respect every rule of
//!    `formats/` (types, ranges, sort orders, the presence rules between keys), with
//!    unknown keys and later minor versions now and then;
//! 2. round trips: write, then parse, gives no diagnostics and the same value, and writing
//!    the parsed value again gives the same bytes;
//! 3. no panic on arbitrary bytes or on damaged files, and any damage to a sealed file is
//!    an error (the `END` trailer's SHA-256 covers the content);
//! 4. every input that parses without diagnostics writes back byte for byte;
//! 5. the private fast path for canonical `diskfile` lines agrees with the general path:
//!    a canonical line changed in one field gives exactly the finding the format rules
//!    name, on that line, or is accepted and kept when the change is an unknown key.
//!
//! Regression tests at the end of the file pin bugs these properties found: labels and
//! nodes sorted by length before bytes, disk files with escapes dropped without a
//! finding, a file of only an END line accepted.

use crate::support::{content, lines, reseal, unlines};
use catstage::diag::{Code, Diagnostic};
use catstage::model::{
    CatalogType, DiskFile, DiskFileType, Entry, EntryStatus, ExportType, Extra, Group, Label, LabelType, Node, NodeMap,
    Sha256Digest, Summary, SummaryExport, TapeFile, TapeFileKey, TapeFileMode, TapeVolume, TapeVolumeStatus, Timestamp,
    Version, VolumeExport, VolumeFile, VolumeHead, VolumeRecord, VolumeStatus,
};
use catstage::parse;
use catstage::write::{summary_bytes, volume_bytes};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::ValueTree;
use proptest::string::{RegexGeneratorStrategy, string_regex};
use std::collections::{BTreeMap, BTreeSet};

/// Cases per property. In a debug build each parse costs a few milliseconds (the reader
/// sets up its 512 KiB buffer), so the whole file runs in a few seconds.
const CASES: u32 = 128;

/// The configuration of every property: [`CASES`] cases, and no regression files (the
/// integration tests have no `lib.rs` beside them to anchor them).
fn config() -> ProptestConfig {
    ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(CASES) }
}

// ---------------------------------------------------------------------------------------
// Known keys of each record, in canonical order (unknown keys must avoid them).

const SUMMARY_EXPORT_KEYS: &[&str] = &["id", "type", "base", "store", "node", "catalogfiles", "created"];
const GROUP_KEYS: &[&str] = &["id", "catalog", "media", "volcat", "pool", "keymanager"];
const NODEMAP_KEYS: &[&str] = &["old", "new", "diskfiles", "volumes"];
const ENTRY_KEYS: &[&str] =
    &["label", "group", "file", "sha256", "size", "export", "unloaded", "tapefiles", "diskfiles"];
const VOLUME_EXPORT_KEYS: &[&str] = &["id", "store", "catalogfiles"];
const VOLUME_KEYS: &[&str] =
    &["label", "group", "status", "written", "unloaded", "owner", "encrypted", "keymanager", "size", "comment"];
const TAPEVOLUME_KEYS: &[&str] = &["volcat", "pool", "status", "media", "labeltype", "volset", "volindex"];
const TAPEFILE_KEYS: &[&str] =
    &["fileid", "gen", "version", "copy", "section", "fileseq", "created", "expires", "status", "mode"];
const DISKFILE_KEYS: &[&str] = &["name", "fileid", "gen", "version", "copy", "dumped", "type", "code", "eof", "status"];

// ---------------------------------------------------------------------------------------
// Value strategies (formats/README.md §5).

/// The largest UTC offset, 23:59, in minutes.
const MAX_OFFSET: i16 = 23 * 60 + 59;

/// UTC offsets from -23:59 to +23:59; `-00:00` cannot be built (0 is written `+00:00`).
fn offset_minutes() -> impl Strategy<Value = i16> {
    prop_oneof![Just(0), Just(MAX_OFFSET), Just(-MAX_OFFSET), Just(-1), Just(-300), -MAX_OFFSET..=MAX_OFFSET,]
}

/// A valid time: years 0001–9999, real calendar days (29 February included), no leap
/// second.
fn timestamp() -> impl Strategy<Value = Timestamp> {
    let edges = select(vec![
        (2024, 2, 29, 23, 59, 59, -MAX_OFFSET),
        (2000, 2, 29, 0, 0, 0, MAX_OFFSET),
        (1, 1, 1, 0, 0, 0, 0),
        (9999, 12, 31, 23, 59, 59, 1),
    ]);
    let any_time = (
        prop_oneof![1u16..=9999, Just(2024u16), Just(1u16), Just(9999u16)],
        1u8..=12,
        1u8..=31,
        0u8..=23,
        0u8..=59,
        0u8..=59,
        offset_minutes(),
    );
    prop_oneof![1 => edges, 9 => any_time].prop_map(|(y, mo, d, h, mi, s, off)| {
        Timestamp::new(y, mo, d, h, mi, s, off)
            .or_else(|_| Timestamp::new(y, mo, 28, h, mi, s, off))
            .expect("every month has a 28th")
    })
}

/// Integers of the full `u64` range, with the edges often.
fn uint() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), 1u64..1000, Just(u64::MAX), any::<u64>()]
}

/// `id` and `export-id`: 1–64 printable ASCII characters, no space at either end; often
/// with spaces, quotes and backslashes so that quoting and escapes are exercised.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        regex("[A-Z][A-Z0-9_-]{0,20}"),
        regex("[!-~]([ -~]{0,62}[!-~])?"),
        regex(r#"[A-Z"\\]([A-Z "\\]{0,10}[A-Z"\\])?"#),
    ]
}

/// Free text without control characters, at most 255 bytes (a comment, an unknown key's
/// value): empty, spaces, quotes, backslashes and non-ASCII UTF-8 included.
fn free_text() -> impl Strategy<Value = String> {
    prop_oneof![
        regex("[ -~]{0,40}"),
        regex(r#"[a-zA-Z0-9 "\\éü€😀]{0,40}"#),
        regex(r"[^\x00-\x1F\x7F]{0,60}"),
        Just(format!("{}x", "é".repeat(127))),
    ]
}

/// Unknown keys for a record whose known keys are `known`: absent most of the time,
/// otherwise one to three distinct keys with values that are bare or need quotes.
fn extra(known: &'static [&'static str]) -> impl Strategy<Value = Extra> {
    let field = (regex("[a-z][a-z0-9_]{0,31}"), prop_oneof![regex("[!-~]{1,12}"), free_text()]);
    prop_oneof![
        3 => Just(Extra::default()),
        1 => vec(field, 1..4).prop_map(move |fields| unknown_keys_only(known, fields)),
    ]
}

/// `fields` without the known keys and without repeated keys.
fn unknown_keys_only(known: &[&str], fields: Vec<(String, String)>) -> Extra {
    let mut seen = BTreeSet::new();
    Extra(fields.into_iter().filter(|(k, _)| !known.contains(&k.as_str()) && seen.insert(k.clone())).collect())
}

/// Strings matching `pattern`, compiled once, when the strategy is built (a `&str`
/// strategy compiles its pattern for every value, which is slow in a debug build).
fn regex(pattern: &str) -> RegexGeneratorStrategy<String> {
    string_regex(pattern).expect("a valid regex")
}

/// A label of any length, 1–6 of `A`–`Z` `0`–`9`.
fn label() -> impl Strategy<Value = Label> {
    regex("[A-Z0-9]{1,6}").prop_map(|s| Label::parse(&s).expect("a valid label"))
}

/// A label of six characters (cut with [`shorten_label`]).
fn longest_label() -> impl Strategy<Value = Label> {
    regex("[A-Z0-9]{6}").prop_map(|s| Label::parse(&s).expect("a valid label"))
}

/// `label` cut to at most `len` characters.
fn shorten_label(label: Label, len: usize) -> Label {
    let s = label.as_str();
    Label::parse(&s[..len.min(s.len())]).expect("a valid label")
}

/// A node of any length: `\` then a letter and up to 6 letters or digits.
fn node() -> impl Strategy<Value = Node> {
    regex(r"\\[A-Z][A-Z0-9]{0,6}").prop_map(|s| Node::parse(&s).expect("a valid node"))
}

/// A node of seven letters and digits (cut with [`shorten_node`]).
fn longest_node() -> impl Strategy<Value = Node> {
    regex(r"\\[A-Z][A-Z0-9]{6}").prop_map(|s| Node::parse(&s).expect("a valid node"))
}

/// `node` cut to at most `letters` letters and digits after the `\`.
fn shorten_node(node: Node, letters: usize) -> Node {
    let s = node.as_str();
    Node::parse(&s[..(letters + 1).min(s.len())]).expect("a valid node")
}

/// A DSM/TC catalog `\NODE.NAME`.
fn catalog() -> impl Strategy<Value = String> {
    (node(), regex("[A-Z][A-Z0-9_]{0,29}")).prop_map(|(n, name)| format!("{n}.{name}"))
}

/// A disk file name `\NODE.$VOL.SUBVOL.FILE` (at most 35 characters by construction);
/// often from a small set, so that disk files share names.
fn diskfile_name() -> impl Strategy<Value = String> {
    let any_name = (node(), regex("[A-Z][A-Z0-9]{0,6}"), regex("[A-Z][A-Z0-9]{0,7}"), regex("[A-Z][A-Z0-9]{0,7}"))
        .prop_map(|(n, v, s, f)| format!("{n}.${v}.{s}.{f}"));
    prop_oneof![
        any_name,
        select(vec![
            r"\A.$B.C.D",
            r"\A.$B.C.D1",
            r"\A.$B.C2.D",
            r"\ETINIUM.$DATA01.SALES.ORDERS",
            r"\ABCDEFG.$ABCDEFG.ABCDEFGH.ABCDEFGH",
        ])
        .prop_map(String::from),
    ]
}

/// A Guardian user `GROUP.USER`.
fn owner() -> impl Strategy<Value = String> {
    regex(r"[A-Z][A-Z0-9]{0,7}\.[A-Z][A-Z0-9]{0,7}")
}

/// A DSM/TC pool: a letter, then up to 29 letters (either case), digits or `_`.
fn pool() -> impl Strategy<Value = String> {
    regex("[A-Za-z][A-Za-z0-9_]{0,29}")
}

/// A media type: a letter, then up to 15 of `A`–`Z` `0`–`9` `_`.
fn media() -> impl Strategy<Value = String> {
    regex("[A-Z][A-Z0-9_]{0,15}")
}

/// A key manager id.
fn keymanager() -> impl Strategy<Value = String> {
    regex("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
}

/// A FILEID, often from a small set so that tape files share it.
fn fileid() -> impl Strategy<Value = String> {
    prop_oneof![
        regex("[A-Za-z0-9][A-Za-z0-9._-]{0,59}"),
        select(vec!["A", "A-1", "B.2", "a", "SLABA-BAK11-DAILY"]).prop_map(String::from),
    ]
}

/// A header version: 1.0 mostly, sometimes a later minor version.
fn version() -> impl Strategy<Value = Version> {
    prop_oneof![
        3 => Just(Version::CURRENT),
        1 => (1u16..=u16::MAX).prop_map(|minor| Version { major: 1, minor }),
    ]
}

/// `items` sorted strictly by `key` (a later item with the same key replaces an earlier).
fn sorted_unique<T, K: Ord>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let map: BTreeMap<K, T> = items.into_iter().map(|t| (key(&t), t)).collect();
    map.into_values().collect()
}

// ---------------------------------------------------------------------------------------
// Summaries (formats/summary.md).

fn summary_export() -> impl Strategy<Value = SummaryExport> {
    (any::<bool>(), id(), id(), id(), node(), any::<bool>(), timestamp(), extra(SUMMARY_EXPORT_KEYS)).prop_map(
        |(update, id, base, store, node, catalogfiles, created, extra)| SummaryExport {
            id,
            kind: if update { ExportType::Update } else { ExportType::Full },
            base: update.then_some(base),
            store,
            node,
            catalogfiles,
            created,
            extra,
        },
    )
}

/// A group; a DSMTC group names its media, volume catalog and pool.
fn group() -> impl Strategy<Value = Group> {
    (id(), select(CatalogType::ALL), media(), catalog(), pool(), option::of(keymanager()), extra(GROUP_KEYS)).prop_map(
        |(id, catalog, media, volcat, pool, keymanager, extra)| {
            let dsmtc = catalog == CatalogType::Dsmtc;
            Group {
                id,
                catalog,
                media: dsmtc.then_some(media),
                volcat: dsmtc.then_some(volcat),
                pool: dsmtc.then_some(pool),
                keymanager,
                extra,
            }
        },
    )
}

fn nodemap() -> impl Strategy<Value = NodeMap> {
    (longest_node(), node(), uint(), uint(), extra(NODEMAP_KEYS))
        .prop_map(|(old, new, diskfiles, volumes, extra)| NodeMap { old, new, diskfiles, volumes, extra })
}

/// Node maps sorted strictly by old node, of mixed lengths (sorting is by bytes).
fn nodemaps() -> impl Strategy<Value = Vec<NodeMap>> {
    vec((1usize..=7, nodemap()), 0..4).prop_map(|maps| {
        let maps = maps.into_iter().map(|(letters, m)| NodeMap { old: shorten_node(m.old, letters), ..m }).collect();
        sorted_unique(maps, |m: &NodeMap| m.old.as_str().to_string())
    })
}

/// An entry with a six-character label; its file is `V` + label.
fn entry() -> impl Strategy<Value = Entry> {
    (longest_label(), id(), any::<[u8; 32]>(), uint(), id(), option::of(timestamp()), uint(), uint(), extra(ENTRY_KEYS))
        .prop_map(|(label, group, sha, size, export, unloaded, tapefiles, diskfiles, extra)| Entry {
            file: label.file_name(),
            label,
            group,
            sha256: Sha256Digest(sha),
            size,
            export,
            unloaded,
            tapefiles,
            diskfiles,
            extra,
        })
}

/// Entries sorted strictly by label, of mixed lengths (sorting is by bytes).
fn entries() -> impl Strategy<Value = Vec<Entry>> {
    vec((1usize..=6, entry()), 0..5).prop_map(|es| {
        let es = es
            .into_iter()
            .map(|(len, e)| {
                let label = shorten_label(e.label, len);
                Entry { label, file: label.file_name(), ..e }
            })
            .collect();
        sorted_unique(es, |e: &Entry| e.label.as_str().to_string())
    })
}

/// A valid FULL or UPDATE summary.
fn summary() -> impl Strategy<Value = Summary> {
    (version(), summary_export(), vec(group(), 0..4), nodemaps(), entries()).prop_map(
        |(version, export, groups, nodemaps, entries)| Summary {
            version,
            export,
            groups: sorted_unique(groups, |g: &Group| g.id.clone()),
            nodemaps,
            entries,
        },
    )
}

// ---------------------------------------------------------------------------------------
// Volume files (formats/volume.md).

fn volume_export(catalogfiles: BoxedStrategy<bool>) -> impl Strategy<Value = VolumeExport> {
    (id(), id(), catalogfiles, extra(VOLUME_EXPORT_KEYS)).prop_map(|(id, store, catalogfiles, extra)| VolumeExport {
        id,
        store,
        catalogfiles,
        extra,
    })
}

/// The volume record; a key manager exactly when encrypted.
fn volume_record() -> impl Strategy<Value = VolumeRecord> {
    (
        label(),
        id(),
        select(VolumeStatus::ALL),
        option::of(timestamp()),
        option::of(timestamp()),
        option::of(owner()),
        option::of(keymanager()),
        uint(),
        option::of(free_text()),
        extra(VOLUME_KEYS),
    )
        .prop_map(|(label, group, status, written, unloaded, owner, keymanager, size, comment, extra)| {
            VolumeRecord {
                label,
                group,
                status,
                written,
                unloaded,
                owner,
                encrypted: keymanager.is_some(),
                keymanager,
                size,
                comment,
                extra,
            }
        })
}

fn tapevolume() -> impl Strategy<Value = TapeVolume> {
    (
        catalog(),
        pool(),
        select(TapeVolumeStatus::ALL),
        media(),
        select(LabelType::ALL),
        label(),
        prop_oneof![Just(1u16), Just(9999u16), 1u16..=9999],
        extra(TAPEVOLUME_KEYS),
    )
        .prop_map(|(volcat, pool, status, media, labeltype, volset, volindex, extra)| TapeVolume {
            volcat,
            pool,
            status,
            media,
            labeltype,
            volset,
            volindex,
            extra,
        })
}

/// A tape file key: generation 1–32767, version 0–100, copy 1–99, small values often so
/// that keys share parts.
fn tapefile_key() -> impl Strategy<Value = TapeFileKey> {
    (
        fileid(),
        prop_oneof![1u16..=3, Just(32_767u16), 1u16..=32_767],
        prop_oneof![0u8..=2, Just(100u8), 0u8..=100],
        prop_oneof![1u8..=2, Just(99u8), 1u8..=99],
    )
        .prop_map(|(fileid, generation, version, copy)| TapeFileKey { fileid, generation, version, copy })
}

fn tapefile() -> impl Strategy<Value = TapeFile> {
    (
        tapefile_key(),
        1u16..=9999,
        1u16..=9999,
        timestamp(),
        option::of(timestamp()),
        select(EntryStatus::ALL),
        select(TapeFileMode::ALL),
        extra(TAPEFILE_KEYS),
    )
        .prop_map(|(key, section, fileseq, created, expires, status, mode, extra)| TapeFile {
            key,
            section,
            fileseq,
            created,
            expires,
            status,
            mode,
            extra,
        })
}

/// The tape volume with its tape files sorted strictly by key (a tape file needs a tape
/// volume); with `need` always present with at least one tape file.
fn tape_part(need: bool) -> BoxedStrategy<(Option<TapeVolume>, Vec<TapeFile>)> {
    let count = if need { 1..4 } else { 0..4 };
    let with = (tapevolume(), vec(tapefile(), count))
        .prop_map(|(tv, tfs)| (Some(tv), sorted_unique(tfs, |t: &TapeFile| t.key.clone())));
    if need { with.boxed() } else { prop_oneof![1 => Just((None, Vec::new())), 3 => with].boxed() }
}

/// A disk file and the index that picks its tape file once the volume's tape files are
/// known (until then its key is a placeholder); with `unknown_keys` it may carry unknown
/// keys (which the fast path leaves to the general one).
fn diskfile(unknown_keys: bool) -> impl Strategy<Value = (Index, DiskFile)> {
    let extra = if unknown_keys { extra(DISKFILE_KEYS).boxed() } else { Just(Extra::default()).boxed() };
    (
        any::<Index>(),
        diskfile_name(),
        timestamp(),
        select(DiskFileType::ALL),
        prop_oneof![Just(0u16), Just(u16::MAX), any::<u16>()],
        uint(),
        select(EntryStatus::ALL),
        extra,
    )
        .prop_map(|(which, name, dumped, kind, code, eof, status, extra)| {
            let tapefile = TapeFileKey { fileid: String::new(), generation: 0, version: 0, copy: 0 };
            let d = DiskFile { name, tapefile, dumped, kind, code, eof, status, extra };
            (which, d)
        })
}

/// The disk files of a volume: each attached to the tape file its index picks, sorted
/// strictly by (tape file key, name); none when the export did not catalog files or the
/// volume has no tape file.
fn attach_diskfiles(catalogfiles: bool, tapefiles: &[TapeFile], disks: Vec<(Index, DiskFile)>) -> Vec<DiskFile> {
    if !catalogfiles || tapefiles.is_empty() {
        return Vec::new();
    }
    let disks =
        disks.into_iter().map(|(which, d)| DiskFile { tapefile: which.get(tapefiles).key.clone(), ..d }).collect();
    sorted_unique(disks, |d: &DiskFile| (d.tapefile.clone(), d.name.clone()))
}

/// A valid volume file. With `canonical_diskfiles` it has at least one disk file and
/// its disk files have no unknown keys: every `diskfile` line is one the fast path takes.
fn volume_file(canonical_diskfiles: bool) -> impl Strategy<Value = VolumeFile> {
    let catalogfiles = if canonical_diskfiles { Just(true).boxed() } else { any::<bool>().boxed() };
    let count = if canonical_diskfiles { 1..6 } else { 0..6 };
    (
        version(),
        volume_export(catalogfiles),
        volume_record(),
        tape_part(canonical_diskfiles),
        vec(diskfile(!canonical_diskfiles), count),
    )
        .prop_map(|(version, export, volume, (tapevolume, tapefiles), disks)| {
            let diskfiles = attach_diskfiles(export.catalogfiles, &tapefiles, disks);
            let head = VolumeHead { version, export, volume, tapevolume, tapefiles };
            VolumeFile { head, diskfiles }
        })
}

// ---------------------------------------------------------------------------------------
// Files of either kind, parsed under their own names.

/// A valid file of either kind.
#[derive(Clone, Debug)]
enum Doc {
    Summary(Summary),
    Volume(Box<VolumeFile>),
}

impl Doc {
    /// The file's name in a staging area.
    fn name(&self) -> String {
        match self {
            Doc::Summary(s) => s.export.kind.as_str().to_string(),
            Doc::Volume(v) => v.head.volume.label.file_name(),
        }
    }

    /// The canonical bytes.
    fn bytes(&self) -> Vec<u8> {
        match self {
            Doc::Summary(s) => summary_bytes(s),
            Doc::Volume(v) => volume_bytes(v),
        }
    }

    /// Parses `bytes` as a file of this kind and name: the findings, and the canonical
    /// bytes of what was read (if anything was).
    fn reparse(&self, bytes: &[u8]) -> (Vec<Diagnostic>, Option<Vec<u8>>) {
        match self {
            Doc::Summary(s) => {
                let p =
                    parse::parse_summary(&self.name(), bytes, Some(s.export.kind), catstage::diag::Examples::DEFAULT);
                (p.diagnostics, p.summary.as_ref().map(summary_bytes))
            }
            Doc::Volume(_) => {
                let (file, p) = parse::parse_volume(&self.name(), bytes, catstage::diag::Examples::DEFAULT);
                (p.diagnostics, file.as_ref().map(volume_bytes))
            }
        }
    }
}

fn doc() -> impl Strategy<Value = Doc> {
    prop_oneof![summary().prop_map(Doc::Summary), volume_file(false).prop_map(|v| Doc::Volume(Box::new(v))),]
}

/// The findings as `CS004@3 message` lines, for failure messages.
fn show(diags: &[Diagnostic]) -> String {
    diags.iter().map(|d| format!("{}@{:?} {}", d.code, d.line, d.message)).collect::<Vec<_>>().join("\n")
}

/// Bytes as text, for failure messages.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------
// 2. Round trips.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn summaries_round_trip_and_rewrite_to_the_same_bytes(s in summary()) {
        let bytes = summary_bytes(&s);
        let p = parse::parse_summary(s.export.kind.as_str(), &bytes, Some(s.export.kind), catstage::diag::Examples::DEFAULT);
        prop_assert!(p.diagnostics.is_empty(), "{}\n{}", show(&p.diagnostics), text(&bytes));
        prop_assert_eq!(p.summary.as_ref(), Some(&s));
        let again = summary_bytes(p.summary.as_ref().expect("parsed"));
        prop_assert_eq!(text(&again), text(&bytes));
    }

    #[test]
    fn volume_files_round_trip_and_rewrite_to_the_same_bytes(v in volume_file(false)) {
        let bytes = volume_bytes(&v);
        let name = v.head.volume.label.file_name();
        let (file, p) = parse::parse_volume(&name, &bytes, catstage::diag::Examples::DEFAULT);
        prop_assert!(p.diagnostics.is_empty(), "{}\n{}", show(&p.diagnostics), text(&bytes));
        prop_assert_eq!(file.as_ref(), Some(&v));
        prop_assert_eq!(p.tapefiles, v.head.tapefiles.len() as u64);
        prop_assert_eq!(p.diskfiles, v.diskfiles.len() as u64);
        let again = volume_bytes(file.as_ref().expect("parsed"));
        prop_assert_eq!(text(&again), text(&bytes));
    }
}

// ---------------------------------------------------------------------------------------
// 3 and 4. Damage and edits.

/// One change to a file's bytes or lines. Positions are resolved against the length at
/// the time the edit is applied.
#[derive(Clone, Debug)]
enum Edit {
    Flip { at: Index, bit: u8 },
    Set { at: Index, byte: u8 },
    Insert { at: Index, byte: u8 },
    Delete { at: Index },
    Truncate { at: Index },
    DeleteLine { at: Index },
    RepeatLine { at: Index },
    SwapLines { at: Index },
}

impl Edit {
    fn apply(&self, bytes: &mut Vec<u8>) {
        let n = bytes.len();
        match *self {
            Edit::Flip { at, bit } if n > 0 => bytes[at.index(n)] ^= 1 << bit,
            Edit::Set { at, byte } if n > 0 => bytes[at.index(n)] = byte,
            Edit::Insert { at, byte } => bytes.insert(at.index(n + 1), byte),
            Edit::Delete { at } if n > 0 => {
                bytes.remove(at.index(n));
            }
            Edit::Truncate { at } if n > 0 => bytes.truncate(at.index(n)),
            Edit::DeleteLine { at } => edit_lines(bytes, |l| {
                l.remove(at.index(l.len()));
            }),
            Edit::RepeatLine { at } => edit_lines(bytes, |l| {
                let i = at.index(l.len());
                l.insert(i, l[i].clone());
            }),
            Edit::SwapLines { at } => edit_lines(bytes, |l| {
                if l.len() > 1 {
                    let i = at.index(l.len() - 1);
                    l.swap(i, i + 1);
                }
            }),
            _ => {}
        }
    }
}

/// Applies `f` to the lines of `bytes` (each with its LF, if it has one), when there is
/// at least one line.
fn edit_lines(bytes: &mut Vec<u8>, f: impl FnOnce(&mut Vec<Vec<u8>>)) {
    let mut l: Vec<Vec<u8>> = bytes.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    if !l.is_empty() {
        f(&mut l);
        *bytes = l.concat();
    }
}

/// Bytes that matter to the format, and a few that are never valid anywhere.
const STRUCTURAL: &[u8] = b"\n \"=\\09aAzZ.-:+_$\r\t\x00\x7f\xc3\xff";

fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![any::<u8>(), select(STRUCTURAL)]
}

/// Any kind of damage.
fn damage() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip { at, bit }),
        (any::<Index>(), byte()).prop_map(|(at, byte)| Edit::Set { at, byte }),
        (any::<Index>(), byte()).prop_map(|(at, byte)| Edit::Insert { at, byte }),
        any::<Index>().prop_map(|at| Edit::Delete { at }),
        any::<Index>().prop_map(|at| Edit::Truncate { at }),
        any::<Index>().prop_map(|at| Edit::DeleteLine { at }),
        any::<Index>().prop_map(|at| Edit::RepeatLine { at }),
        any::<Index>().prop_map(|at| Edit::SwapLines { at }),
    ]
}

/// Edits that often leave a file valid (a letter or digit for another, a record
/// dropped) besides the ones that do not.
fn plausible_edit() -> impl Strategy<Value = Edit> {
    let alnum = select(b"0123456789AZaz".as_slice());
    prop_oneof![
        4 => (any::<Index>(), alnum).prop_map(|(at, byte)| Edit::Set { at, byte }),
        2 => any::<Index>().prop_map(|at| Edit::DeleteLine { at }),
        1 => any::<Index>().prop_map(|at| Edit::RepeatLine { at }),
        1 => any::<Index>().prop_map(|at| Edit::SwapLines { at }),
        2 => damage(),
    ]
}

/// Random record-like lines after a header: reaches the lexer and the record parsers.
fn header_then_noise() -> impl Strategy<Value = Vec<u8>> {
    let header = select(vec!["CATSTAGE SUMMARY 1.0\n", "CATSTAGE VOLUME 1.0\n", "CATSTAGE VOLUME 1.7\n"]);
    let token = select(vec![
        "export ",
        "volume ",
        "tapevolume ",
        "tapefile ",
        "diskfile ",
        "group ",
        "nodemap ",
        "entry ",
        "END lines=",
        " sha256=",
        "id=",
        "gen=",
        "name=",
        "label=",
        "=",
        " ",
        "\"",
        "\\",
        "\n",
        "0",
        "1",
        "A",
        "é",
        "\r",
        "\t",
        "2022-01-04T23:02:56-05:00",
    ]);
    (header, vec(token, 0..80)).prop_map(|(h, t)| format!("{h}{}", t.concat()).into_bytes())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic_and_are_errors(
        bytes in prop_oneof![vec(any::<u8>(), 0..400), header_then_noise()],
        expected in select(vec![None, Some(ExportType::Full), Some(ExportType::Update)]),
    ) {
        let p = parse::parse_summary("FULL", &bytes, expected, catstage::diag::Examples::DEFAULT);
        prop_assert!(p.has_errors(), "{}", show(&p.diagnostics));
        let (_, p) = parse::parse_volume("VA", &bytes, catstage::diag::Examples::DEFAULT);
        prop_assert!(p.has_errors(), "{}", show(&p.diagnostics));
    }

    #[test]
    fn damaged_sealed_files_never_panic_and_are_errors(
        doc in doc(),
        edits in vec(damage(), 1..4),
    ) {
        let original = doc.bytes();
        let mut damaged = original.clone();
        for e in &edits {
            e.apply(&mut damaged);
        }
        let (diags, _) = doc.reparse(&damaged);
        if damaged != original {
            prop_assert!(
                diags.iter().any(Diagnostic::is_error),
                "undetected damage:\n{}\n{}",
                show(&diags),
                text(&damaged)
            );
        }
    }

    #[test]
    fn every_clean_parse_writes_back_byte_for_byte(
        doc in doc(),
        edits in vec(plausible_edit(), 1..3),
    ) {
        let mut c = content(&doc.bytes()).to_vec();
        for e in &edits {
            e.apply(&mut c);
        }
        let input = reseal(&c);
        let (diags, written) = doc.reparse(&input);
        if diags.is_empty() {
            let written = written.unwrap_or_default();
            prop_assert_eq!(text(&written), text(&input));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Limits of the reader: the longest line, and files larger than its buffer.

/// The most bytes a line may have, LF included (formats/README.md §2.1).
const MAX_LINE: usize = 65_536;

/// A volume file whose `volume` line is `len` bytes long, LF included, by an unknown key.
fn volume_with_line_of(len: usize) -> (VolumeFile, Vec<u8>) {
    let mut v = VolumeFile {
        head: VolumeHead {
            version: Version::CURRENT,
            export: VolumeExport { id: "X".into(), store: "S".into(), catalogfiles: false, extra: Extra::default() },
            volume: VolumeRecord {
                label: Label::parse("A").expect("a label"),
                group: "G".into(),
                status: VolumeStatus::Active,
                written: None,
                unloaded: None,
                owner: None,
                encrypted: false,
                keymanager: None,
                size: 0,
                comment: None,
                extra: Extra(vec![("pad".into(), String::new())]),
            },
            tapevolume: None,
            tapefiles: Vec::new(),
        },
        diskfiles: Vec::new(),
    };
    let short = lines(&volume_bytes(&v))[2].len() + 1;
    v.head.volume.extra.0[0].1 = "x".repeat(len - short + 2);
    let bytes = volume_bytes(&v);
    assert_eq!(lines(&bytes)[2].len() + 1, len);
    (v, bytes)
}

#[test]
fn the_longest_line_round_trips_and_one_byte_more_is_a_syntax_error() {
    let (v, bytes) = volume_with_line_of(MAX_LINE);
    let (file, p) = parse::parse_volume("VA", &bytes, catstage::diag::Examples::DEFAULT);
    assert!(p.diagnostics.is_empty(), "{}", show(&p.diagnostics));
    assert!(file.as_ref() == Some(&v));
    assert!(volume_bytes(&v) == bytes);

    let (_, bytes) = volume_with_line_of(MAX_LINE + 1);
    let (_, p) = parse::parse_volume("VA", &bytes, catstage::diag::Examples::DEFAULT);
    let codes: Vec<Code> = p.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&Code::SyntaxError), "{codes:?}");
}

#[test]
fn a_volume_file_larger_than_the_reader_buffer_round_trips() {
    // About 900 KiB: lines cross the reader's 512 KiB buffer, some with non-ASCII text.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut v = volume_file(true).new_tree(&mut runner).expect("a volume").current();
    let key = v.head.tapefiles[0].key.clone();
    let template = v.diskfiles[0].clone();
    v.diskfiles = (0..6000)
        .map(|i| DiskFile {
            name: format!(r"\N.$V{}.S{}.F{}", i % 7, i / 100, i % 100),
            tapefile: key.clone(),
            eof: i,
            extra: if i % 3 == 0 { Extra(vec![("note".into(), format!("é {i}"))]) } else { Extra::default() },
            ..template.clone()
        })
        .collect();
    v.diskfiles.sort_by(|a, b| a.name.cmp(&b.name));
    let bytes = volume_bytes(&v);
    assert!(bytes.len() > 768 * 1024, "{} bytes", bytes.len());
    let (file, p) = parse::parse_volume(&v.head.volume.label.file_name(), &bytes, catstage::diag::Examples::DEFAULT);
    assert!(p.diagnostics.is_empty(), "{}", show(&p.diagnostics));
    assert!(file.as_ref() == Some(&v), "the parsed volume differs");
    assert_eq!(p.diskfiles, 6000);
}

// ---------------------------------------------------------------------------------------
// 5. The fast path for canonical diskfile lines and the general path.

/// The fields of a canonical `diskfile` line without unknown keys, as written.
fn diskfile_fields(line: &str) -> Vec<(String, String)> {
    line.strip_prefix("diskfile ")
        .expect("a diskfile line")
        .split(' ')
        .map(|f| {
            let (k, v) = f.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The position of `key` in `fields`.
fn field(fields: &[(String, String)], key: &str) -> usize {
    fields.iter().position(|(k, _)| k == key).expect("a known key")
}

/// `v` quoted the way a writer quotes, escapes included.
fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', r"\\").replace('"', "\\\""))
}

/// One change to one field of a canonical `diskfile` line.
#[derive(Clone, Debug)]
enum FieldEdit {
    /// `gen=07`: numbers have no leading zero.
    LeadingZeros { key: &'static str, zeros: usize },
    /// `\etinium.$DATA01...`: Guardian names are upper case.
    LowerCaseNamePart { part: usize },
    /// `fileid="SLAB"`: a value that needs no quotes.
    Quote { key: &'static str },
    /// `gen=0`, `copy=100`, `eof=18446744073709551616`, ...
    OutOfRange { key: &'static str, value: String },
    /// An unknown key, as a later minor version adds.
    UnknownKey { key: String, value: String },
    /// `...+00:00` written `Z`.
    TimeZ,
    /// A lower-case `t` in the time.
    TimeLowerT,
    /// Fractional seconds.
    TimeFraction,
    /// The reserved offset `-00:00`.
    TimeMinusZero,
    /// Hour 24.
    TimeHour24,
    /// `type=en`, `status=valid`.
    LowerCaseEnum { key: &'static str },
    /// A generation whose tape file is not on the volume (applied to the last disk file,
    /// raising its key so that the order holds).
    MissingTapeFile,
    /// Two spaces before field `at`.
    DoubleSpace { at: Index },
    /// Fields `at` and `at + 1` swapped.
    SwapKeys { at: Index },
    /// A required key left out.
    DropKey { key: &'static str },
    /// A key written twice.
    RepeatKey { key: &'static str },
}

impl FieldEdit {
    /// The code the format rules give the edited line, or `None` when it is accepted.
    fn expected(&self) -> Option<Code> {
        match self {
            FieldEdit::UnknownKey { .. } => None,
            FieldEdit::OutOfRange { .. }
            | FieldEdit::TimeMinusZero
            | FieldEdit::TimeHour24
            | FieldEdit::MissingTapeFile => Some(Code::InvalidValue),
            FieldEdit::DropKey { .. } => Some(Code::MissingField),
            FieldEdit::RepeatKey { .. } => Some(Code::DuplicateField),
            _ => Some(Code::NonCanonical),
        }
    }

    /// Applies the edit to `fields`; `tapefiles` are the keys of the volume's tape files.
    /// False when the edit cannot be made on this line.
    fn apply(&self, fields: &mut Vec<(String, String)>, tapefiles: &[TapeFileKey]) -> bool {
        match self {
            FieldEdit::LeadingZeros { key, zeros } => {
                let i = field(fields, key);
                fields[i].1.insert_str(0, &"0".repeat(*zeros));
            }
            FieldEdit::LowerCaseNamePart { part } => {
                let i = field(fields, "name");
                fields[i].1 = lower_case_name_part(&fields[i].1, *part);
            }
            FieldEdit::Quote { key } => {
                let i = field(fields, key);
                fields[i].1 = quoted(&fields[i].1);
            }
            FieldEdit::OutOfRange { key, value } => {
                let i = field(fields, key);
                fields[i].1.clone_from(value);
            }
            FieldEdit::UnknownKey { key, value } => fields.push((key.clone(), quote_if_needed(value))),
            FieldEdit::TimeZ => edit_time(fields, |t| format!("{}Z", &t[..19])),
            FieldEdit::TimeLowerT => edit_time(fields, |t| t.replacen('T', "t", 1)),
            FieldEdit::TimeFraction => edit_time(fields, |t| format!("{}.5{}", &t[..19], &t[19..])),
            FieldEdit::TimeMinusZero => edit_time(fields, |t| format!("{}-00:00", &t[..19])),
            FieldEdit::TimeHour24 => edit_time(fields, |t| format!("{}24{}", &t[..11], &t[13..])),
            FieldEdit::LowerCaseEnum { key } => {
                let i = field(fields, key);
                fields[i].1.make_ascii_lowercase();
            }
            FieldEdit::MissingTapeFile => return point_at_missing_tapefile(fields, tapefiles),
            FieldEdit::DoubleSpace { at } => {
                let i = at.index(fields.len());
                fields[i].0.insert(0, ' ');
            }
            FieldEdit::SwapKeys { at } => {
                let i = at.index(fields.len() - 1);
                fields.swap(i, i + 1);
            }
            FieldEdit::DropKey { key } => {
                fields.remove(field(fields, key));
            }
            FieldEdit::RepeatKey { key } => {
                let i = field(fields, key);
                fields.insert(i + 1, fields[i].clone());
            }
        }
        true
    }
}

/// `name` with the first letter of its `part`th part (node, volume, subvolume, file) in
/// lower case.
fn lower_case_name_part(name: &str, part: usize) -> String {
    let mut parts: Vec<String> = name.split('.').map(String::from).collect();
    let p = &mut parts[part];
    // The node starts with `\` and the volume with `$`; the letter follows.
    let at = usize::from(part < 2);
    p.replace_range(at..=at, &p[at..=at].to_ascii_lowercase());
    parts.join(".")
}

/// `v` bare when it may be, quoted otherwise.
fn quote_if_needed(v: &str) -> String {
    if !v.is_empty() && v.bytes().all(catstage::write::is_bare_byte) { v.to_string() } else { quoted(v) }
}

/// Replaces the `dumped` time by `f` of it.
fn edit_time(fields: &mut [(String, String)], f: impl FnOnce(&str) -> String) {
    let i = field(fields, "dumped");
    fields[i].1 = f(&fields[i].1);
}

/// Raises the line's generation to one whose tape file the volume does not have; false
/// when there is none.
fn point_at_missing_tapefile(fields: &mut [(String, String)], tapefiles: &[TapeFileKey]) -> bool {
    let value = |k: &str| fields[field(fields, k)].1.clone();
    let mut key = TapeFileKey {
        fileid: value("fileid"),
        generation: value("gen").parse().expect("gen"),
        version: value("version").parse().expect("version"),
        copy: value("copy").parse().expect("copy"),
    };
    loop {
        if key.generation == 32_767 {
            return false;
        }
        key.generation += 1;
        if !tapefiles.contains(&key) {
            let i = field(fields, "gen");
            fields[i].1 = key.generation.to_string();
            return true;
        }
    }
}

/// The diskfile line `fields` as text (a key that starts with a space gets two).
fn diskfile_line(fields: &[(String, String)]) -> String {
    let mut s = String::from("diskfile");
    for (k, v) in fields {
        s.push(' ');
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

fn field_edit() -> impl Strategy<Value = FieldEdit> {
    let numbers = select(vec!["gen", "version", "copy", "code", "eof"]);
    let out_of_range = prop_oneof![
        Just(("gen", "0".to_string())),
        (32_768u64..=u64::MAX).prop_map(|v| ("gen", v.to_string())),
        (101u64..=u64::MAX).prop_map(|v| ("version", v.to_string())),
        Just(("copy", "0".to_string())),
        (100u64..=u64::MAX).prop_map(|v| ("copy", v.to_string())),
        (65_536u64..=u64::MAX).prop_map(|v| ("code", v.to_string())),
        Just(("eof", "18446744073709551616".to_string())),
        Just(("gen", "9".repeat(40))),
    ];
    let unknown = (regex("[a-z][a-z0-9_]{0,31}"), prop_oneof![regex("[!-~]{1,12}"), free_text()])
        .prop_filter("an unknown key", |(k, _)| !DISKFILE_KEYS.contains(&k.as_str()));
    prop_oneof![
        (numbers.clone(), 1usize..4).prop_map(|(key, zeros)| FieldEdit::LeadingZeros { key, zeros }),
        (0usize..4).prop_map(|part| FieldEdit::LowerCaseNamePart { part }),
        select(DISKFILE_KEYS).prop_map(|key| FieldEdit::Quote { key }),
        out_of_range.prop_map(|(key, value)| FieldEdit::OutOfRange { key, value }),
        unknown.prop_map(|(key, value)| FieldEdit::UnknownKey { key, value }),
        Just(FieldEdit::TimeZ),
        Just(FieldEdit::TimeLowerT),
        Just(FieldEdit::TimeFraction),
        Just(FieldEdit::TimeMinusZero),
        Just(FieldEdit::TimeHour24),
        select(vec!["type", "status"]).prop_map(|key| FieldEdit::LowerCaseEnum { key }),
        Just(FieldEdit::MissingTapeFile),
        any::<Index>().prop_map(|at| FieldEdit::DoubleSpace { at }),
        any::<Index>().prop_map(|at| FieldEdit::SwapKeys { at }),
        select(DISKFILE_KEYS).prop_map(|key| FieldEdit::DropKey { key }),
        select(DISKFILE_KEYS).prop_map(|key| FieldEdit::RepeatKey { key }),
    ]
}

/// The 0-based line numbers of the `diskfile` lines of `l`.
fn diskfile_line_numbers(l: &[String]) -> Vec<usize> {
    (0..l.len()).filter(|&i| l[i].starts_with("diskfile ")).collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_canonical_diskfile_line_changed_in_one_field_gets_the_finding_the_rules_name(
        v in volume_file(true),
        edit in field_edit(),
        pick in any::<Index>(),
    ) {
        let bytes = volume_bytes(&v);
        let mut l = lines(content(&bytes));
        let candidates = diskfile_line_numbers(&l);
        let n = match edit {
            // Raising the key of the last disk file keeps the sort order.
            FieldEdit::MissingTapeFile => *candidates.last().expect("a disk file"),
            _ => *pick.get(&candidates),
        };
        let mut fields = diskfile_fields(&l[n]);
        let tapefiles: Vec<TapeFileKey> = v.head.tapefiles.iter().map(|t| t.key.clone()).collect();
        prop_assume!(edit.apply(&mut fields, &tapefiles));
        l[n] = diskfile_line(&fields);
        let input = reseal(&unlines(&l));
        let (file, p) = parse::parse_volume(&v.head.volume.label.file_name(), &input, catstage::diag::Examples::DEFAULT);
        match edit.expected() {
            Some(code) => {
                prop_assert!(!p.diagnostics.is_empty(), "accepted: {}", l[n]);
                for d in &p.diagnostics {
                    prop_assert!(
                        d.code == code && d.is_error() && d.line == Some(n as u64 + 1),
                        "expected only {} on line {}: {}\n{}",
                        code,
                        n + 1,
                        l[n],
                        show(&p.diagnostics)
                    );
                }
            }
            None => {
                prop_assert!(p.diagnostics.is_empty(), "{}\n{}", l[n], show(&p.diagnostics));
                let file = file.expect("parsed");
                let k = candidates.iter().position(|&c| c == n).expect("a disk file line");
                let (key, value) = match &edit {
                    FieldEdit::UnknownKey { key, value } => (key.clone(), value.clone()),
                    _ => unreachable!("only unknown keys are accepted"),
                };
                let mut want = v.diskfiles.clone();
                want[k].extra.0.push((key, value));
                prop_assert_eq!(&file.diskfiles, &want);
                prop_assert_eq!(&file.head, &v.head);
                prop_assert_eq!(text(&volume_bytes(&file)), text(&input));
            }
        }
    }

    #[test]
    fn the_general_path_reads_disk_files_as_the_fast_path_does(
        v in volume_file(true),
        key in regex("[a-z][a-z0-9_]{0,31}").prop_filter("unknown", |k| !DISKFILE_KEYS.contains(&k.as_str())),
        value in free_text(),
    ) {
        // The same content twice: canonical lines (the fast path), and the same lines
        // each with an unknown key (which the fast path leaves to the general path).
        let bytes = volume_bytes(&v);
        let mut slow = v.clone();
        for d in &mut slow.diskfiles {
            d.extra.0.push((key.clone(), value.clone()));
        }
        let slow_bytes = volume_bytes(&slow);
        let name = v.head.volume.label.file_name();
        let (fast_file, fast) = parse::parse_volume(&name, &bytes, catstage::diag::Examples::DEFAULT);
        let (slow_file, general) = parse::parse_volume(&name, &slow_bytes, catstage::diag::Examples::DEFAULT);
        prop_assert!(fast.diagnostics.is_empty(), "{}", show(&fast.diagnostics));
        prop_assert!(general.diagnostics.is_empty(), "{}", show(&general.diagnostics));
        prop_assert_eq!(fast_file.as_ref(), Some(&v));
        prop_assert_eq!(slow_file.as_ref(), Some(&slow));
        prop_assert_eq!(fast.diskfiles, general.diskfiles);
    }
}

// ---------------------------------------------------------------------------------------
// Regressions: bugs the properties above found.

/// A FULL summary with one entry per label, in the order given.
fn summary_with_labels(labels: &[&str]) -> Vec<u8> {
    let mut l = vec![
        "CATSTAGE SUMMARY 1.0".to_string(),
        r"export id=X type=FULL store=S node=\N catalogfiles=yes created=2022-01-01T00:00:00+00:00".to_string(),
    ];
    for label in labels {
        l.push(format!(
            "entry label={label} group=G file=V{label} sha256={} size=1 export=X tapefiles=0 diskfiles=0",
            "0".repeat(64)
        ));
    }
    reseal(&unlines(&l))
}

/// A FULL summary with one node map per old node, in the order given.
fn summary_with_nodemaps(olds: &[&str]) -> Vec<u8> {
    let mut l = vec![
        "CATSTAGE SUMMARY 1.0".to_string(),
        r"export id=X type=FULL store=S node=\N catalogfiles=yes created=2022-01-01T00:00:00+00:00".to_string(),
    ];
    for old in olds {
        l.push(format!(r"nodemap old={old} new=\Z diskfiles=0 volumes=0"));
    }
    reseal(&unlines(&l))
}

fn full_codes(bytes: &[u8]) -> Vec<Code> {
    let p = parse::parse_summary("FULL", bytes, Some(ExportType::Full), catstage::diag::Examples::DEFAULT);
    p.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn a_file_of_only_an_end_line_is_refused() {
    // `END lines=0 sha256=e3b0c442...b855`: no header, so CS002 (formats/README.md §3).
    let only_trailer = reseal(b"");
    let summary =
        parse::parse_summary("FULL", &only_trailer, Some(ExportType::Full), catstage::diag::Examples::DEFAULT);
    let (_, volume) = parse::parse_volume("VA", &only_trailer, catstage::diag::Examples::DEFAULT);
    assert!(
        summary.has_errors() && volume.has_errors(),
        "FULL: [{}], VA: [{}]",
        show(&summary.diagnostics),
        show(&volume.diagnostics)
    );
}

#[test]
fn entries_are_sorted_by_the_bytes_of_their_labels() {
    assert_eq!(full_codes(&summary_with_labels(&["AA", "B"])), []);
    assert_eq!(full_codes(&summary_with_labels(&["B", "AA"])), [Code::RecordOrder]);
}

#[test]
fn node_maps_are_sorted_by_the_bytes_of_their_old_node() {
    assert_eq!(full_codes(&summary_with_nodemaps(&[r"\AB", r"\B"])), []);
    assert_eq!(full_codes(&summary_with_nodemaps(&[r"\B", r"\AB"])), [Code::RecordOrder]);
}

#[test]
fn a_diskfile_whose_name_or_fileid_needs_escapes_is_refused() {
    let head = [
        "CATSTAGE VOLUME 1.0",
        "export id=X store=S catalogfiles=yes",
        "volume label=A group=G status=ACTIVE encrypted=no size=0",
        r"tapevolume volcat=\N.C pool=P status=FULL media=M labeltype=ANSI volset=A volindex=1",
        "tapefile fileid=F gen=1 version=0 copy=1 section=1 fileseq=1 created=2022-01-01T00:00:00+00:00 status=VALID mode=USER",
    ];
    let rest = "gen=1 version=0 copy=1 dumped=2022-01-01T00:00:00+00:00 type=EN code=0 eof=0 status=VALID";
    let mut wrong = Vec::new();
    for diskfile in [
        format!(r#"diskfile name=\N.$V.S.F fileid="F\"X" {rest}"#),
        format!(r#"diskfile name="\\N.$V.S.F X" fileid=F {rest}"#),
        format!(r#"diskfile name="\\N.$V.S.\"F" fileid=F {rest}"#),
    ] {
        let mut l: Vec<String> = head.iter().map(|s| s.to_string()).collect();
        l.push(diskfile.clone());
        let (_, p) = parse::parse_volume("VA", &reseal(&unlines(&l)), catstage::diag::Examples::DEFAULT);
        let codes: Vec<Code> = p.diagnostics.iter().map(|d| d.code).collect();
        if codes != [Code::InvalidValue] {
            wrong.push(format!("{diskfile}\n  gives {codes:?}, not [CS008]"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
