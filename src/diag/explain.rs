//! The long explanations behind `catstage explain CODE`, one Markdown file per code in
//! `docs/codes/`, compiled into the binary so that they travel with it.

use super::Code;

macro_rules! explanations {
    ($($variant:ident => $file:literal,)*) => {
        /// The explanation of `code`: what it means, why it matters, how to fix it.
        pub fn text(code: Code) -> &'static str {
            match code {
                $(Code::$variant => include_str!(concat!("../../docs/codes/", $file, ".md")),)*
            }
        }
    };
}

explanations! {
    SyntaxError => "CS001",
    UnsupportedVersion => "CS002",
    TruncatedFile => "CS003",
    ChecksumMismatch => "CS004",
    LineCountMismatch => "CS005",
    TrailingData => "CS006",
    RecordOrder => "CS007",
    InvalidValue => "CS008",
    MissingField => "CS009",
    DuplicateField => "CS010",
    NonCanonical => "CS011",
    UnknownRecord => "CS012",
    MissingSummary => "CS020",
    StaleUpdate => "CS021",
    MissingVolumeFile => "CS022",
    VolumeHashMismatch => "CS023",
    OrphanVolumeFile => "CS024",
    LabelMismatch => "CS025",
    ForeignFile => "CS026",
    NotARegularFile => "CS027",
    StoreMismatch => "CS028",
    UnknownGroup => "CS029",
    EntryMismatch => "CS030",
    DuplicateLabel => "CS201",
    LabelNotUnique => "CS202",
    DuplicateTapefile => "CS203",
    FileidCollision => "CS204",
    DuplicateDiskfile => "CS205",
    StoreNotSecondary => "CS301",
    StoreIdMismatch => "CS302",
    GroupNotConfigured => "CS303",
    SecondaryCatalogUnsupported => "CS304",
    CatalogTypeIncoherent => "CS305",
    SecondaryGroupIncomplete => "CS306",
    CatalogNameCollision => "CS307",
    SharedLocalCatalog => "CS308",
    ReplacementIntoDefaultFilecat => "CS309",
    SameSsl => "CS310",
    UnknownDiskfileNode => "CS311",
    KeyManagerMissing => "CS312",
    TransactionSizeOutOfRange => "CS313",
    InvalidNodeReplacement => "CS314",
    ConfigError => "CS315",
    CatalogfilesMismatch => "CS316",
    CatalogEntriesDropped => "CS317",
    DeletionLimitExceeded => "CS318",
    SameNodeNameContradicted => "CS319",
    GroupKeyManagerUnknown => "CS321",
    PackageTruncated => "CS401",
    CompressionError => "CS402",
    SkippableFrame => "CS403",
    ArchiveError => "CS404",
    DataAfterArchive => "CS405",
    UnsafeMemberName => "CS406",
    NotARegularMember => "CS407",
    PaxHeader => "CS408",
    DuplicateMember => "CS409",
    SpecialModeBits => "CS410",
    ManifestMissing => "CS411",
    ManifestInvalid => "CS412",
    MissingMember => "CS413",
    UnexpectedMember => "CS414",
    MemberOrder => "CS415",
    MemberSizeMismatch => "CS416",
    MemberHashMismatch => "CS417",
    MemberHeaderMismatch => "CS418",
    SizeLimitExceeded => "CS419",
    SignatureMissing => "CS420",
    SignatureInvalid => "CS421",
    BaseMismatch => "CS422",
    ForeignInDestination => "CS423",
    TooManyRemovals => "CS424",
    DefinitionError => "CS501",
    RowRejected => "CS502",
    SourceNotSorted => "CS503",
    SyncRefused => "CS504",
}
