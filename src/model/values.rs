//! The value types of the format (formats/README.md §5): validation of every key's
//! syntax and range, and compact types for the values that occur by the million.
//!
//! Validation is plain code on `&str`; the parser calls it and turns a [`ValueError`] into
//! `CS008` (invalid) or `CS011` (another spelling of a valid value).

use std::fmt;

/// Why a value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    /// True when the value is valid content spelled another way (`CS011`), false when it
    /// is not valid at all (`CS008`).
    pub non_canonical: bool,
    /// What is wrong, for the operator.
    pub message: String,
}

impl ValueError {
    /// An invalid value.
    pub fn invalid(message: impl Into<String>) -> Self {
        ValueError { non_canonical: false, message: message.into() }
    }
    /// A valid value in a non-canonical spelling.
    pub fn non_canonical(message: impl Into<String>) -> Self {
        ValueError { non_canonical: true, message: message.into() }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValueError {}

fn upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// Checks a Guardian name part: a letter then up to `max - 1` letters or digits.
/// Lower-case letters make it non-canonical rather than invalid.
fn guardian_part(part: &str, max: usize, what: &str) -> Result<(), ValueError> {
    let b = part.as_bytes();
    if b.is_empty() || b.len() > max {
        return Err(ValueError::invalid(format!("{what} must have 1 to {max} characters, not {}", b.len())));
    }
    if !b[0].is_ascii_alphabetic() {
        return Err(ValueError::invalid(format!("{what} must start with a letter")));
    }
    if !b.iter().all(u8::is_ascii_alphanumeric) {
        return Err(ValueError::invalid(format!("{what} may hold only letters and digits")));
    }
    if b.iter().any(u8::is_ascii_lowercase) {
        return Err(ValueError::non_canonical(format!("{what} is written in upper case")));
    }
    Ok(())
}

macro_rules! small_name {
    ($(#[$doc:meta])* $name:ident, $cap:literal) => {
        $(#[$doc])*
        ///
        /// Ordered by its bytes, as the format's sort orders want: the zero padding after a
        /// shorter name sorts it before any longer name it is a prefix of.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name {
            bytes: [u8; $cap],
            len: u8,
        }

        impl $name {
            /// The name as text.
            pub fn as_str(&self) -> &str {
                // Only ASCII is ever stored (checked on construction).
                std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
            }

            fn from_ascii(s: &str) -> Self {
                let mut bytes = [0u8; $cap];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                $name { len: s.len() as u8, bytes }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

small_name! {
    /// A tape volume label (volser): 1–6 characters `A`–`Z` `0`–`9`.
    Label, 6
}

small_name! {
    /// A Guardian node name: `\` then a letter and up to 6 letters or digits, upper case.
    Node, 8
}

impl Label {
    /// Validates and builds a label.
    pub fn parse(s: &str) -> Result<Label, ValueError> {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 6 {
            return Err(ValueError::invalid(format!("a label has 1 to 6 characters, not {}", b.len())));
        }
        if !b.iter().all(|&c| upper_alnum(c)) {
            return Err(ValueError::invalid("a label holds only A-Z and 0-9"));
        }
        Ok(Label::from_ascii(s))
    }

    /// The name of this volume's file in a staging area: `V` followed by the label.
    pub fn file_name(&self) -> String {
        format!("V{}", self.as_str())
    }

    /// The label whose file is `name`, if `name` is a volume file name.
    pub fn from_file_name(name: &str) -> Option<Label> {
        name.strip_prefix('V').and_then(|l| Label::parse(l).ok())
    }
}

impl Node {
    /// Validates and builds a node name.
    pub fn parse(s: &str) -> Result<Node, ValueError> {
        let Some(rest) = s.strip_prefix('\\') else {
            return Err(ValueError::invalid("a node name starts with \\"));
        };
        guardian_part(rest, 7, "a node name")?;
        Ok(Node::from_ascii(s))
    }

    /// Like [`Node::parse`], but accepts lower case and returns the upper-case name, as
    /// operators type node names on command lines and in configurations.
    pub fn parse_any_case(s: &str) -> Result<Node, ValueError> {
        Node::parse(&s.to_ascii_uppercase())
    }
}

/// Checks a DSM/TC catalog name qualified by node: `\NODE.NAME`, the logical name a letter
/// and up to 29 letters, digits or `_`, upper case.
pub fn check_catalog(s: &str) -> Result<(), ValueError> {
    let Some((node, name)) = s.split_once('.') else {
        return Err(ValueError::invalid("a catalog name is \\NODE.NAME"));
    };
    Node::parse(node)?;
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 30 {
        return Err(ValueError::invalid("a catalog's logical name has 1 to 30 characters"));
    }
    if !b[0].is_ascii_alphabetic() || !b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_') {
        return Err(ValueError::invalid("a catalog's logical name is a letter followed by letters, digits or _"));
    }
    if b.iter().any(u8::is_ascii_lowercase) {
        return Err(ValueError::non_canonical("a catalog name is written in upper case"));
    }
    Ok(())
}

/// Checks a fully qualified disk file name `\NODE.$VOL.SUBVOL.FILE` and returns the byte
/// length of its node part (`\NODE`).
pub fn check_diskfile_name(s: &str) -> Result<usize, ValueError> {
    if s.len() > 35 {
        return Err(ValueError::invalid("a disk file name has at most 35 characters"));
    }
    let mut parts = s.split('.');
    let (Some(node), Some(vol), Some(subvol), Some(file), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ValueError::invalid("a disk file name is \\NODE.$VOLUME.SUBVOL.FILE"));
    };
    Node::parse(node)?;
    let Some(vol) = vol.strip_prefix('$') else {
        return Err(ValueError::invalid("a disk volume name starts with $"));
    };
    guardian_part(vol, 7, "a disk volume name")?;
    guardian_part(subvol, 8, "a subvolume name")?;
    guardian_part(file, 8, "a file name")?;
    Ok(node.len())
}

/// Checks a Guardian user name `GROUP.USER`.
pub fn check_owner(s: &str) -> Result<(), ValueError> {
    let Some((group, user)) = s.split_once('.') else {
        return Err(ValueError::invalid("an owner is a Guardian user name GROUP.USER"));
    };
    guardian_part(group, 8, "a user group name")?;
    guardian_part(user, 8, "a user name")
}

/// Checks a DSM/TC pool name: a letter then up to 29 of `A`–`Z` `a`–`z` `0`–`9` `_`.
pub fn check_pool(s: &str) -> Result<(), ValueError> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 30 {
        return Err(ValueError::invalid(format!("a pool name has 1 to 30 characters, not {}", b.len())));
    }
    if !b[0].is_ascii_alphabetic() {
        return Err(ValueError::invalid("a pool name starts with a letter"));
    }
    if !b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_') {
        return Err(ValueError::invalid("a pool name holds only letters, digits and _"));
    }
    Ok(())
}

/// Checks a DSM/TC tape file id: 1–60 of letters, digits, `-`, `_`, `.`, first a letter
/// or digit.
pub fn check_fileid(s: &str) -> Result<(), ValueError> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 60 {
        return Err(ValueError::invalid(format!("a FILEID has 1 to 60 characters, not {}", b.len())));
    }
    if !b[0].is_ascii_alphanumeric() {
        return Err(ValueError::invalid("a FILEID starts with a letter or digit"));
    }
    if !b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')) {
        return Err(ValueError::invalid("a FILEID holds only letters, digits, -, _ and ."));
    }
    Ok(())
}

/// Checks a data store or volume group id: 1–64 printable ASCII characters, no leading or
/// trailing space.
pub fn check_id(s: &str) -> Result<(), ValueError> {
    check_printable(s, 64, "an id")
}

/// Checks an export id: opaque, 1–64 printable ASCII characters, no leading or trailing
/// space.
pub fn check_export_id(s: &str) -> Result<(), ValueError> {
    check_printable(s, 64, "an export id")
}

fn check_printable(s: &str, max: usize, what: &str) -> Result<(), ValueError> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > max {
        return Err(ValueError::invalid(format!("{what} has 1 to {max} characters, not {}", b.len())));
    }
    if !b.iter().all(|&c| (0x20..0x7f).contains(&c)) {
        return Err(ValueError::invalid(format!("{what} holds only printable ASCII characters")));
    }
    if b[0] == b' ' || b[b.len() - 1] == b' ' {
        return Err(ValueError::invalid(format!("{what} does not start or end with a space")));
    }
    Ok(())
}

/// Checks a key manager id: 1–32 of letters, digits, `_`, `-`, `.`, first a letter or digit.
pub fn check_keymanager(s: &str) -> Result<(), ValueError> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 32 {
        return Err(ValueError::invalid("a key manager id has 1 to 32 characters"));
    }
    if !b[0].is_ascii_alphanumeric() || !b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    {
        return Err(ValueError::invalid(
            "a key manager id holds letters, digits, _, - and ., starting with a letter or digit",
        ));
    }
    Ok(())
}

/// Checks a media type: 1–16 of `A`–`Z` `0`–`9` `_`, first a letter.
pub fn check_media(s: &str) -> Result<(), ValueError> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 16 {
        return Err(ValueError::invalid("a media type has 1 to 16 characters"));
    }
    if !b[0].is_ascii_alphabetic() || !b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_') {
        return Err(ValueError::invalid("a media type is a letter followed by letters, digits or _"));
    }
    if b.iter().any(u8::is_ascii_lowercase) {
        return Err(ValueError::non_canonical("a media type is written in upper case"));
    }
    Ok(())
}

/// Checks free text of at most `max` bytes (the lexer already refused control characters).
pub fn check_text(s: &str, max: usize) -> Result<(), ValueError> {
    if s.len() > max {
        return Err(ValueError::invalid(format!("at most {max} bytes, not {}", s.len())));
    }
    Ok(())
}

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// Parses 64 lower-case hex digits.
    pub fn parse(s: &str) -> Result<Sha256Digest, ValueError> {
        let b = s.as_bytes();
        if b.len() != 64 || !b.iter().all(u8::is_ascii_hexdigit) {
            return Err(ValueError::invalid("a SHA-256 digest is 64 hexadecimal digits"));
        }
        if b.iter().any(u8::is_ascii_uppercase) {
            return Err(ValueError::non_canonical("digests are written in lower-case hexadecimal"));
        }
        let mut out = [0u8; 32];
        for (i, pair) in b.chunks_exact(2).enumerate() {
            out[i] = (hex_val(pair[0]) << 4) | hex_val(pair[1]);
        }
        Ok(Sha256Digest(out))
    }

    /// The 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s
    }

    /// The first 12 hex digits, for people.
    pub fn short(&self) -> String {
        self.to_hex()[..12].to_string()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.to_hex())
    }
}

impl serde::Serialize for Sha256Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

macro_rules! enumeration {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in the order the specification lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// Parses the canonical upper-case spelling.
            pub fn parse(s: &str) -> Result<Self, ValueError> {
                match s {
                    $($text => Ok($name::$variant),)*
                    _ => {
                        let upper = s.to_ascii_uppercase();
                        match upper.as_str() {
                            $($text => Err(ValueError::non_canonical(
                                concat!("write ", $text, " in upper case")
                            )),)*
                            _ => Err(ValueError::invalid(format!(
                                "expected one of {}",
                                [$($text),*].join(", ")
                            ))),
                        }
                    }
                }
            }

            /// The canonical spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

enumeration! {
    /// The type of an export and of its summary file.
    ExportType { /// Rewrites every volume of the data store.
        Full = "FULL", /// Rewrites the volumes that changed.
        Update = "UPDATE" }
}

enumeration! {
    /// The catalog a volume group writes to (R7).
    CatalogType {
        /// No catalog beyond the tape manager's own.
        None = "NONE",
        /// HPE DSM/TC.
        Dsmtc = "DSMTC",
        /// The TMF catalog.
        Tmf = "TMF",
        /// QTOS.
        Qtos = "QTOS",
        /// CA's tape catalog.
        Ca = "CA",
    }
}

enumeration! {
    /// The status of a volume in the tape manager's (BackPak) catalog.
    VolumeStatus {
        /// Holds unexpired data.
        Active = "ACTIVE",
        /// Its data has expired, it is not yet scratched.
        Expired = "EXPIRED",
        /// Free for reuse.
        Scratch = "SCRATCH",
        /// Defective.
        Bad = "BAD",
    }
}

enumeration! {
    /// A DSM/TC TAPEVOLUME status.
    TapeVolumeStatus {
        /// Holds an unexpired file.
        Assigned = "ASSIGNED",
        /// Defective.
        Bad = "BAD",
        /// Full.
        Full = "FULL",
        /// Being read or written.
        Inuse = "INUSE",
        /// Every file expired, not reusable as scratch.
        Released = "RELEASED",
        /// Every file expired, reusable.
        Scratch = "SCRATCH",
        /// Chosen to satisfy a mount request.
        Selected = "SELECTED",
    }
}

enumeration! {
    /// A DSM/TC tape label type.
    LabelType {
        /// ANSI labels.
        Ansi = "ANSI",
        /// IBM labels.
        Ibm = "IBM",
        /// BACKUP labels.
        Backup = "BACKUP",
        /// IBMBACKUP labels.
        IbmBackup = "IBMBACKUP",
    }
}

enumeration! {
    /// The status of a DSM/TC TAPEFILE or DISKFILE entry.
    EntryStatus {
        /// Accessible through the catalog.
        Valid = "VALID",
        /// Not accessible through the catalog.
        Invalid = "INVALID",
    }
}

enumeration! {
    /// The application that wrote a tape file (DSM/TC TAPEFILEMODE).
    TapeFileMode {
        /// BACKUP in volume mode.
        Bkvo = "BKVO",
        /// BACKUP in file mode.
        Bkfi = "BKFI",
        /// IBMBACKUP in file mode.
        Bifi = "BIFI",
        /// IBMBACKUP in volume mode.
        Bivo = "BIVO",
        /// A user application.
        User = "USER",
    }
}

enumeration! {
    /// The type of a backed-up disk file.
    DiskFileType {
        /// An Enscribe file.
        En = "EN",
        /// An SQL table.
        Ta = "TA",
        /// An SQL index.
        In = "IN",
        /// An SQL program.
        Pg = "PG",
        /// An SQL protection view.
        Pv = "PV",
        /// An SQL shorthand view.
        Sv = "SV",
    }
}

/// Parses `yes` / `no`.
pub fn parse_bool(s: &str) -> Result<bool, ValueError> {
    match s {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ if s.eq_ignore_ascii_case("yes") || s.eq_ignore_ascii_case("no") => {
            Err(ValueError::non_canonical("write yes or no in lower case"))
        }
        _ => Err(ValueError::invalid("expected yes or no")),
    }
}

/// The canonical spelling of a boolean.
pub fn bool_str(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Parses an unsigned decimal in `min..=max`, refusing signs and leading zeros.
pub fn parse_uint(s: &str, min: u64, max: u64) -> Result<u64, ValueError> {
    let b = s.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return Err(ValueError::invalid("expected a decimal number"));
    }
    let mut v: u64 = 0;
    for &c in b {
        v = match v.checked_mul(10).and_then(|v| v.checked_add(u64::from(c - b'0'))) {
            Some(v) => v,
            None => {
                return Err(ValueError::invalid(format!("{s} is too large (at most {max})")));
            }
        };
    }
    if b.len() > 1 && b[0] == b'0' {
        return Err(ValueError::non_canonical("numbers are written without leading zeros"));
    }
    if v < min || v > max {
        return Err(ValueError::invalid(format!("{v} is out of range ({min} to {max})")));
    }
    Ok(v)
}
