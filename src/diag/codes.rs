//! The stable diagnostic codes. A code is never renumbered or reused: add new ones.

use serde::Serialize;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something an import would get wrong; exit status 1.
    Error,
    /// Worth an operator's attention; fails only under `--deny-warnings`.
    Warning,
}

impl Severity {
    /// The lower-case word used in text and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $num:literal, $name:literal, $sev:ident, $hint:literal; )*) => {
        /// A stable diagnostic code, `CS` followed by three digits.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The number after `CS`.
            pub fn number(self) -> u16 {
                match self { $(Code::$variant => $num,)* }
            }

            /// The kebab-case name, e.g. `checksum-mismatch`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The severity a finding of this code has unless the check says otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// What to do about it, in one sentence, when the finding has no better hint.
            pub fn default_hint(self) -> &'static str {
                match self { $(Code::$variant => $hint,)* }
            }
        }
    };
}

codes! {
    /// A line is not `tag key=value ...` as the format's grammar says.
    SyntaxError = 1, "syntax-error", Error,
        "the file was damaged or written by a broken tool; re-export it from the primary or restore it from the last good copy";
    /// Wrong header, unknown kind or major version.
    UnsupportedVersion = 2, "unsupported-version", Error,
        "check that the file belongs in this staging area and that this catstage understands its major version";
    /// No valid `END` line: the file was cut short.
    TruncatedFile = 3, "truncated-file", Error,
        "the file was cut short (an interrupted transfer or a full disk); copy it again from the primary";
    /// The `END` line's digest does not match the file's content.
    ChecksumMismatch = 4, "checksum-mismatch", Error,
        "the content changed after it was written; copy the file again, or if it was edited on purpose run `catstage seal`";
    /// The `END` line's `lines` does not match the file.
    LineCountMismatch = 5, "line-count-mismatch", Error,
        "lines were added or lost; copy the file again, or if it was edited on purpose run `catstage seal`";
    /// Bytes after the `END` line's LF.
    TrailingData = 6, "trailing-data", Error,
        "something was appended to the file or two files were concatenated; copy it again from the primary";
    /// A record out of place or out of canonical order.
    RecordOrder = 7, "record-order", Error,
        "records must appear in the order formats/ specifies; re-export the file rather than editing it by hand";
    /// A value that is not of its key's type or out of range.
    InvalidValue = 8, "invalid-value", Error,
        "see formats/ for the key's type and range; correct the source catalog and export again";
    /// A required key is absent.
    MissingField = 9, "missing-field", Error,
        "the record lacks a key its specification requires; re-export the file";
    /// A key appears twice in one record.
    DuplicateField = 10, "duplicate-field", Error,
        "a key may appear once per record; re-export the file";
    /// Another spelling of valid content (CRLF, BOM, spacing, case, key order, quoting).
    NonCanonical = 11, "non-canonical", Error,
        "each content has exactly one byte form; a tool or an editor rewrote the file: copy it again in binary mode";
    /// A record tag this reader does not know.
    UnknownRecord = 12, "unknown-record", Error,
        "the file was written by a tool that speaks another format, or it is damaged; upgrade catstage or re-export";
    /// The staging area has no `FULL` summary.
    MissingSummary = 20, "missing-summary", Error,
        "a staging area needs the FULL summary of its last FULL export; copy it from the primary or run a FULL export";
    /// `UPDATE` builds on another FULL export than the one present.
    StaleUpdate = 21, "stale-update", Warning,
        "UPDATE builds on another FULL export and is ignored; find out which of the two exports is newer before deleting anything";
    /// A winning summary entry whose volume file is absent.
    MissingVolumeFile = 22, "missing-volume-file", Error,
        "the transfer lost the volume file; copy it again from the primary";
    /// A volume file that differs from its winning summary entry.
    VolumeHashMismatch = 23, "volume-hash-mismatch", Error,
        "the volume file is not the one the summary lists (damaged, or from another export); copy it and the summaries again";
    /// A volume file in no entry of the current set.
    OrphanVolumeFile = 24, "orphan-volume-file", Warning,
        "no current summary lists this volume, so an import ignores it; delete it if the volume was removed on purpose";
    /// File name, entry and volume record disagree on the label.
    LabelMismatch = 25, "label-mismatch", Error,
        "the file was renamed or its content belongs to another volume; re-export the volume";
    /// A file that is not part of the format.
    ForeignFile = 26, "foreign-file", Warning,
        "only FULL, UPDATE and V<label> files belong in a staging area; move other files elsewhere";
    /// A symlink, directory, device or other non-regular entry.
    NotARegularFile = 27, "not-a-regular-file", Error,
        "a staging area holds regular files only; remove the entry (catstage never follows it)";
    /// A file of another data store.
    StoreMismatch = 28, "store-mismatch", Error,
        "files of two data stores were mixed; keep one data store per staging area";
    /// An entry or volume names a group the winning summary does not define.
    UnknownGroup = 29, "unknown-group", Error,
        "the volume's group is missing from the summary's configuration; re-export with the group defined";
    /// A volume file's facts disagree with its winning summary entry.
    EntryMismatch = 30, "entry-mismatch", Error,
        "the summary entry was not updated with the volume file; re-export, or after a deliberate edit run `catstage seal`";
    /// The current set lists no volume: a FULL import deletes every volume (R15).
    EmptyExport = 31, "empty-export", Warning,
        "check on the primary that the data store really has no volume, and that the export ran in full; do not import it otherwise";
    /// A current UPDATE exported by another node than its FULL (R10).
    UpdateFromAnotherNode = 32, "update-from-another-node", Error,
        "exports come from the primary only: check which system wrote UPDATE (a role switch half done?) and re-export from the primary";
    /// The command could not run: bad usage, a path that cannot be read, a destination that
    /// cannot be replaced, an I/O error.
    CannotRun = 90, "cannot-run", Error,
        "see the message: it names the path and what failed; nothing was checked or changed";
    /// The path given is not a staging area: it does not exist, is not a directory, or holds
    /// no summary and no volume file.
    NotAStagingArea = 91, "not-a-staging-area", Error,
        "name the staging area's directory itself (an empty directory is what an unmounted mount point looks like)";
    /// Another process holds the staging area's lock.
    AreaBusy = 92, "area-busy", Error,
        "another export, import or rewrite is at work (R19): run again when it is done, or give --wait";
    /// The staging area changed while it was read, or while its replacement was built.
    AreaChanged = 93, "area-changed", Error,
        "a writer worked on the area meanwhile; run the command again when it is done";
    /// A label twice in one current set.
    DuplicateLabel = 201, "duplicate-label", Error,
        "a label must be unique within a data store; find which volume carries the wrong label and relabel it";
    /// A label also known elsewhere in the enterprise (R1).
    LabelNotUnique = 202, "label-not-unique", Error,
        "a tape label must be unique across every data store and site; relabel one of the volumes before importing";
    /// The same tape file key on two volumes that are not one volume set.
    DuplicateTapefile = 203, "duplicate-tapefile", Error,
        "a TAPEFILE (FILEID, generation, version, copy) belongs to one volume set; find which volume carries the wrong entry";
    /// A tape file key of this import already in a catalog it may share (R3).
    FileidCollision = 204, "fileid-collision", Error,
        "the shared catalog already holds this tape file; import into a dedicated FILECAT, or rename the FILEID on one side";
    /// The same disk file twice under one tape file.
    DuplicateDiskfile = 205, "duplicate-diskfile", Warning,
        "the same disk file appears twice in one tape file; check the BACKUP run and the catalog listing that produced it";
    /// A FILEID of this import used at other generations in a catalog it may share (R3).
    FileidShared = 206, "fileid-shared", Error,
        "one FILEID on both sites mixes their generations in one FILECAT; import into a dedicated FILECAT, or rename the FILEID on one side";
    /// The target data store is not a SECONDARY (R10).
    StoreNotSecondary = 301, "store-not-secondary", Error,
        "import only into a data store whose access is SECONDARY; check [store] access";
    /// The staging area belongs to another data store than the configuration names (R9).
    StoreIdMismatch = 302, "store-id-mismatch", Error,
        "set [store] primary_id to the primary's data store id, exactly as the staging area spells it";
    /// A primary group with no secondary group: its volumes would not be imported (R6).
    GroupNotConfigured = 303, "group-not-configured", Error,
        "add a [[group]] with this id, or with primary_id set to it, before importing";
    /// A secondary group whose catalog type a secondary cannot have (R7).
    SecondaryCatalogUnsupported = 304, "secondary-catalog-unsupported", Error,
        "a secondary group catalogs in NONE or DSMTC only";
    /// A primary/secondary catalog pair that does not fit together (R7).
    CatalogTypeIncoherent = 305, "catalog-type-incoherent", Error,
        "pair DSMTC with DSMTC (or NONE to drop the DSM/TC entries), and NONE, TMF, QTOS or CA with NONE";
    /// A secondary DSMTC group without media type, VOLCAT, POOL or FILECAT (R8).
    SecondaryGroupIncomplete = 306, "secondary-group-incomplete", Error,
        "a DSMTC secondary group names the media, volcat, pool and filecat every replicated entry will carry";
    /// Secondary catalog names equal to the primary's (R4).
    CatalogNameCollision = 307, "catalog-name-collision", Error,
        "give the secondary its own VOLCAT and FILECAT, or set same_node_name if both systems carry one node name and are not linked";
    /// A target catalog that receives local backups or other replications (R3).
    SharedLocalCatalog = 308, "shared-local-catalog", Error,
        "import into a dedicated catalog, or set allow_shared_catalog and let catstage check for collisions with --against";
    /// Node replacement configured while a group writes DISKFILEs to the default FILECAT (R5).
    ReplacementIntoDefaultFilecat = 309, "replacement-into-default-filecat", Error,
        "with node replacement, direct the group's DISKFILEs to a FILECAT other than the MEDIADEFS default";
    /// The primary is in the secondary's System Search List (R2).
    SameSsl = 310, "same-ssl", Error,
        "remove the primary from the secondary's DSM/TC System Search List before importing";
    /// DISKFILEs of a node the secondary does not know (R12).
    UnknownDiskfileNode = 311, "unknown-diskfile-node", Error,
        "MEDIACOM would reject these DISKFILEs (ERROR-5048): add a node replacement, add the node to known_nodes, or import without DISKFILEs";
    /// Encrypted volumes whose key manager the secondary lacks (R11).
    KeyManagerMissing = 312, "key-manager-missing", Error,
        "configure the key manager on the secondary (see `catstage keys`) before importing encrypted volumes";
    /// `max_diskfiles_per_transaction` outside 1 to 100,000,000 (R18).
    TransactionSizeOutOfRange = 313, "transaction-size-out-of-range", Error,
        "set max_diskfiles_per_transaction between 1 and 100000000 (the default is 20000)";
    /// Node replacement pairs that are invalid, repeated, chained or cyclic (R13).
    InvalidNodeReplacement = 314, "invalid-node-replacement", Error,
        "list each old node once, map it straight to its final node (no chains or cycles), and write node names as \\NAME";
    /// The configuration cannot be read: TOML syntax, unknown keys, wrong types.
    ConfigError = 315, "config-error", Error,
        "correct the configuration file at the place shown; see formats/secondary-config.md";
    /// DISKFILEs would be imported from volume files exported without them (R22).
    CatalogfilesMismatch = 316, "catalogfiles-mismatch", Error,
        "import these volumes with catalogfiles off (--catalogfiles no), or export them again with CATALOGFILES YES";
    /// A DSMTC primary group received by a NONE secondary group: DSM/TC entries dropped (R7).
    CatalogEntriesDropped = 317, "catalog-entries-dropped", Warning,
        "the secondary keeps the BackPak records only; pair the group with a DSMTC secondary group to keep the DSM/TC entries";
    /// A FULL import would delete more volumes than allowed.
    DeletionLimitExceeded = 318, "deletion-limit-exceeded", Error,
        "check that the export is complete (not truncated, not another data store's) before deleting; raise --max-deletions only if the deletions are intended";
    /// `same_node_name = true`, but what is known says the systems differ or are linked (R4).
    SameNodeNameContradicted = 319, "same-node-name-contradicted", Error,
        "set same_node_name = false and give the secondary its own catalogs; it holds only for two systems with one node name and no Expand link";
    /// A target catalog on the primary's node, or on a node the secondary does not know (R4).
    CatalogNotOnSecondary = 320, "catalog-not-on-secondary", Error,
        "name a VOLCAT and FILECAT that exist on the secondary: on its own node ([store] node) or one in known_nodes";
    /// A secondary group names a key manager that `key_managers` does not list (R11).
    GroupKeyManagerUnknown = 321, "group-key-manager-unknown", Error,
        "configure the key manager on the secondary and list it in [environment] key_managers, or correct the group's key_manager";
    /// The baseline (what the secondary holds) is newer than the staging area to import.
    BaselineNewer = 322, "baseline-newer", Warning,
        "importing this area would take the secondary back to an older export; check that the staging area holds the newest export";
    /// Two primary sources replicate into one secondary VOLCAT or FILECAT (R25).
    CatalogSharedBetweenSources = 323, "catalog-shared-between-sources", Warning,
        "give each primary source its own DSM/TC catalog on the secondary; where they must share one, keep their labels and FILEIDs apart";
    /// A volume whose group change moves it to other secondary catalogs (R25).
    VolumeChangesCatalogs = 324, "volume-changes-catalogs", Error,
        "remove the volume's TAPEVOLUME, TAPEFILEs and DISKFILEs from the old catalogs on the secondary before the import, or keep its group";
    /// The secondary data store is de-activated (R24): its tape load requests are rejected.
    StoreDeactivated = 325, "store-deactivated", Error,
        "activate the secondary data store in DSM/TC before anyone needs a restore from it, then set [store] active = true";
    /// The import's window holds the secondary's daily expiration run (R24).
    ImportDuringExpiration = 326, "import-during-expiration", Warning,
        "move the import out of the expiration run (PARAM AUTOEXPIRE^TIME), or the expiration run out of the import's window";
    /// The package file ends before its compressed stream or its archive does.
    PackageTruncated = 401, "package-truncated", Error,
        "the package was cut short (an interrupted copy or a full medium); copy it again, or pack it again at the primary";
    /// The package is not zstd data, or its compressed data is damaged.
    CompressionError = 402, "compression-error", Error,
        "the package is damaged or is not a catstage package; copy it again from the medium or pack it again";
    /// A skippable (or unknown) zstd frame in the package.
    SkippableFrame = 403, "skippable-frame", Error,
        "catstage packages hold ordinary zstd frames only; something hid data in this one: pack it again at the primary";
    /// The archive inside is not a well-formed POSIX ustar archive.
    ArchiveError = 404, "archive-error", Error,
        "the archive is damaged or was not written by catstage pack; pack the staging area again";
    /// Data after the archive's end-of-archive marker.
    DataAfterArchive = 405, "data-after-archive", Error,
        "something was appended to the package; copy it again from the primary's original, or pack it again";
    /// A member name that is not a valid staging file name.
    UnsafeMemberName = 406, "unsafe-member-name", Error,
        "a package holds flat staging file names only; never unpack this package, pack the staging area again";
    /// A member that is not a regular file.
    NotARegularMember = 407, "not-a-regular-member", Error,
        "a package holds regular files only (no links, devices, FIFOs or directories); pack the staging area again";
    /// A pax or GNU extension header.
    PaxHeader = 408, "pax-header", Error,
        "a package is plain ustar without extension headers; pack the staging area again with catstage pack";
    /// Two members with one name, or names that differ only by case.
    DuplicateMember = 409, "duplicate-member", Error,
        "each file appears once in a package; pack the staging area again";
    /// A member with the setuid, setgid or sticky bit.
    SpecialModeBits = 410, "special-mode-bits", Error,
        "package members carry mode 0644; a setuid, setgid or sticky bit means it was not written by catstage pack";
    /// No manifest, or a manifest that is not the first member.
    ManifestMissing = 411, "manifest-missing", Error,
        "a package starts with its catstage-manifest; this is not a catstage package or it was repacked by hand";
    /// A manifest that cannot be read or contradicts itself.
    ManifestInvalid = 412, "manifest-invalid", Error,
        "the manifest is damaged or was edited; copy the package again or pack the staging area again";
    /// A file the manifest packs is not in the package.
    MissingMember = 413, "missing-member", Error,
        "the package lost a file; copy it again or pack the staging area again";
    /// A member the manifest does not list as packed.
    UnexpectedMember = 414, "unexpected-member", Error,
        "a file was added to the package after it was packed; pack the staging area again";
    /// Members out of the manifest's order.
    MemberOrder = 415, "member-order", Error,
        "members follow the manifest's order (manifest, signature, files by name); the package was rearranged: pack it again";
    /// A member whose size differs from the manifest's.
    MemberSizeMismatch = 416, "member-size-mismatch", Error,
        "the member is not the file the manifest lists; copy the package again or pack the staging area again";
    /// A member whose SHA-256 differs from the manifest's.
    MemberHashMismatch = 417, "member-hash-mismatch", Error,
        "the member's content changed after packing; copy the package again or pack the staging area again";
    /// A member whose tar header disagrees with the manifest (modification time).
    MemberHeaderMismatch = 418, "member-header-mismatch", Error,
        "the archive's header was changed after packing; copy the package again or pack the staging area again";
    /// The package exceeds a size limit while decompressing.
    SizeLimitExceeded = 419, "size-limit-exceeded", Error,
        "the package expands beyond the limits (--max-size, --max-file-size); raise them only if you trust its origin";
    /// An unsigned package where a signature is required.
    SignatureMissing = 420, "signature-missing", Error,
        "this site requires packages signed by its partner: ask the primary to pack with --sign";
    /// A signature that does not verify, or is not by a trusted key.
    SignatureInvalid = 421, "signature-invalid", Error,
        "do not unpack this package: it was changed after signing or signed by someone else; get a fresh copy from the primary";
    /// An incremental package whose base is not what the staging area holds.
    BaseMismatch = 422, "base-mismatch", Error,
        "apply the packages in order: first the full package and each incremental after it, or unpack a newer full package";
    /// Files in the destination that no package put there.
    ForeignInDestination = 423, "foreign-in-destination", Error,
        "move these files out of the staging area, or pass --discard-foreign to let unpack drop them";
    /// A full package would remove more volumes than allowed.
    TooManyRemovals = 424, "too-many-removals", Error,
        "check that the package is the right one (complete, same data store) before deleting; raise --allow-deletions only if intended";
    /// A package that would take the destination back to an older export.
    OlderExport = 425, "older-export", Error,
        "check that this is the newest package of the data store; unpack an older export only on purpose, with --allow-older";
    /// A sync definition file that cannot be used.
    DefinitionError = 501, "definition-error", Error,
        "correct the definition file at the place shown; see formats/definition.md";
    /// A source row that cannot be read; it is skipped.
    RowRejected = 502, "row-rejected", Error,
        "correct the listing (or the definition's mapping of this field) and run the sync again";
    /// The source is not sorted by scope (data store, volume group).
    SourceNotSorted = 503, "source-not-sorted", Warning,
        "sort the listing by data store and volume group first: each scope is then loaded once";
    /// A FULL export refused: rejected rows, or too many volumes removed.
    SyncRefused = 504, "sync-refused", Error,
        "a truncated or damaged listing must not wipe the staging area: fix the listing, or use --force if the removals are intended";
    /// A volume that holds data without its whole image on any data path (R23).
    MissingImage = 601, "missing-image", Error,
        "replicate the volume's image to a data path before importing; list it with --migrated if it was migrated off-line on purpose";
    /// An image-named entry that is not a regular file.
    NotARegularImage = 602, "not-a-regular-image", Error,
        "an image is two regular files; replace the entry with the image's files (catstage never follows a link, and a restore should not have to)";
    /// The data file of a volume with data is empty.
    EmptyImage = 603, "empty-image", Error,
        "the data file arrived empty (an interrupted or pre-allocated copy); replicate the image again from the primary";
    /// An image older than the volume's last write (R23).
    StaleImage = 604, "stale-image", Error,
        "data replication is behind the catalog: replicate the image again and import once it has arrived";
    /// A volume record whose facts cannot be read.
    VolumeRecordUnreadable = 605, "volume-record-unreadable", Error,
        "run `catstage validate STAGING`: the volume file is missing or damaged; copy it again from the primary";
    /// The same volume on more than one data path.
    DuplicateImage = 606, "duplicate-image", Warning,
        "check which copy holds the last write (the newer, as BackBox picks it), then remove the other so that no restore reads it";
    /// An image of no volume of the current set.
    OrphanImage = 607, "orphan-image", Warning,
        "check on the primary whether the volume still exists: delete or archive the image, or export the catalog again";
    /// A volume with data whose record has no `written` time.
    ImageAgeUnknown = 608, "image-age-unknown", Warning,
        "the primary's volume record carries no last-write time: compare the image with the primary's by hand";
    /// A data path that does not exist, is not a directory, or cannot be read.
    DataPathUnusable = 609, "data-path-unusable", Error,
        "check that the data path is mounted and readable by this user, and that --path or [images] paths names it";
    /// The image check could not run.
    ImagesNotChecked = 610, "images-not-checked", Error,
        "correct what the message names (the settings, the staging area or the list of migrated volumes) and check again";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CS{:03}", self.number())
    }
}

impl Code {
    /// Looks a code up by `CS004`, `cs004`, `4`, or its name `checksum-mismatch`.
    pub fn lookup(text: &str) -> Option<Code> {
        let t = text.trim();
        let digits = t.strip_prefix("CS").or_else(|| t.strip_prefix("cs")).unwrap_or(t);
        if let Ok(n) = digits.parse::<u16>() {
            return Code::ALL.iter().copied().find(|c| c.number() == n);
        }
        Code::ALL.iter().copied().find(|c| c.name() == t)
    }

    /// The long explanation printed by `catstage explain`.
    pub fn explanation(self) -> &'static str {
        super::explain::text(self)
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list of codes, snapshotted: a renumbered, renamed or removed code shows here
    /// in review. Codes are never reused; add new ones at the end of their range.
    #[test]
    fn codes_are_unique_and_stable() {
        let listed: Vec<String> = Code::ALL.iter().map(|c| format!("{c} {}", c.name())).collect();
        assert_eq!(
            listed.join("\n"),
            "CS001 syntax-error
CS002 unsupported-version
CS003 truncated-file
CS004 checksum-mismatch
CS005 line-count-mismatch
CS006 trailing-data
CS007 record-order
CS008 invalid-value
CS009 missing-field
CS010 duplicate-field
CS011 non-canonical
CS012 unknown-record
CS020 missing-summary
CS021 stale-update
CS022 missing-volume-file
CS023 volume-hash-mismatch
CS024 orphan-volume-file
CS025 label-mismatch
CS026 foreign-file
CS027 not-a-regular-file
CS028 store-mismatch
CS029 unknown-group
CS030 entry-mismatch
CS031 empty-export
CS032 update-from-another-node
CS090 cannot-run
CS091 not-a-staging-area
CS092 area-busy
CS093 area-changed
CS201 duplicate-label
CS202 label-not-unique
CS203 duplicate-tapefile
CS204 fileid-collision
CS205 duplicate-diskfile
CS206 fileid-shared
CS301 store-not-secondary
CS302 store-id-mismatch
CS303 group-not-configured
CS304 secondary-catalog-unsupported
CS305 catalog-type-incoherent
CS306 secondary-group-incomplete
CS307 catalog-name-collision
CS308 shared-local-catalog
CS309 replacement-into-default-filecat
CS310 same-ssl
CS311 unknown-diskfile-node
CS312 key-manager-missing
CS313 transaction-size-out-of-range
CS314 invalid-node-replacement
CS315 config-error
CS316 catalogfiles-mismatch
CS317 catalog-entries-dropped
CS318 deletion-limit-exceeded
CS319 same-node-name-contradicted
CS320 catalog-not-on-secondary
CS321 group-key-manager-unknown
CS322 baseline-newer
CS323 catalog-shared-between-sources
CS324 volume-changes-catalogs
CS325 store-deactivated
CS326 import-during-expiration
CS401 package-truncated
CS402 compression-error
CS403 skippable-frame
CS404 archive-error
CS405 data-after-archive
CS406 unsafe-member-name
CS407 not-a-regular-member
CS408 pax-header
CS409 duplicate-member
CS410 special-mode-bits
CS411 manifest-missing
CS412 manifest-invalid
CS413 missing-member
CS414 unexpected-member
CS415 member-order
CS416 member-size-mismatch
CS417 member-hash-mismatch
CS418 member-header-mismatch
CS419 size-limit-exceeded
CS420 signature-missing
CS421 signature-invalid
CS422 base-mismatch
CS423 foreign-in-destination
CS424 too-many-removals
CS425 older-export
CS501 definition-error
CS502 row-rejected
CS503 source-not-sorted
CS504 sync-refused
CS601 missing-image
CS602 not-a-regular-image
CS603 empty-image
CS604 stale-image
CS605 volume-record-unreadable
CS606 duplicate-image
CS607 orphan-image
CS608 image-age-unknown
CS609 data-path-unusable
CS610 images-not-checked"
        );
        let mut numbers: Vec<u16> = Code::ALL.iter().map(|c| c.number()).collect();
        numbers.dedup();
        assert_eq!(numbers.len(), Code::ALL.len());
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "Code::ALL is in numeric order");
        for c in Code::ALL {
            assert_eq!(Code::lookup(&c.to_string()), Some(*c));
            assert_eq!(Code::lookup(c.name()), Some(*c));
            assert!(c.explanation().starts_with(&format!("# {c} {} ({})", c.name(), c.default_severity().as_str())));
        }
    }
}
