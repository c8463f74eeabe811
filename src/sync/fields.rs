//! The target fields a definition maps: every value a staging area's volume file needs,
//! named the way the definition file and the diagnostics name them (`label`,
//! `volume.status`, `tapefile.gen`, ...).

/// The record family a field belongs to, which is also the table of the definition's
/// `[fields]` that maps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `type`, `store`, `group`, `label`: directly in `[fields]`.
    Row,
    /// `[fields.volume]`: the BackPak volume record.
    Volume,
    /// `[fields.tapevolume]`: the DSM/TC TAPEVOLUME entry.
    TapeVolume,
    /// `[fields.tapefile]`: a DSM/TC TAPEFILE entry.
    TapeFile,
    /// `[fields.diskfile]`: a DSM/TC DISKFILE entry.
    DiskFile,
}

impl Family {
    /// Every family, in the order of the definition file.
    pub const ALL: &'static [Family] =
        &[Family::Row, Family::Volume, Family::TapeVolume, Family::TapeFile, Family::DiskFile];

    /// The key of its table under `[fields]` (empty for [`Family::Row`]).
    pub fn table(self) -> &'static str {
        match self {
            Family::Row => "",
            Family::Volume => "volume",
            Family::TapeVolume => "tapevolume",
            Family::TapeFile => "tapefile",
            Family::DiskFile => "diskfile",
        }
    }
}

macro_rules! fields {
    ($($(#[$doc:meta])* $variant:ident = $family:ident, $key:literal, $name:literal, $time:literal;)*) => {
        /// A target field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Field {
            $($(#[$doc])* $variant,)*
        }

        impl Field {
            /// Every field, in the order the definition documents them.
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            /// Its family.
            pub fn family(self) -> Family {
                match self { $(Field::$variant => Family::$family,)* }
            }

            /// Its key inside its family's table, e.g. `status`.
            pub fn key(self) -> &'static str {
                match self { $(Field::$variant => $key,)* }
            }

            /// Its full name, e.g. `volume.status`, as diagnostics and exclusions name it.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name,)* }
            }

            /// True for the fields that hold a time (they take a `format`).
            pub fn is_time(self) -> bool {
                match self { $(Field::$variant => $time,)* }
            }
        }
    };
}

fields! {
    /// The row type (`volume`, `tapefile`, `diskfile`), for sources that mix them.
    Type = Row, "type", "type", false;
    /// The data store id.
    Store = Row, "store", "store", false;
    /// The volume group id.
    Group = Row, "group", "group", false;
    /// The tape volume label.
    Label = Row, "label", "label", false;
    /// BackPak status.
    VolumeStatus = Volume, "status", "volume.status", false;
    /// Last written.
    VolumeWritten = Volume, "written", "volume.written", true;
    /// Last unloaded.
    VolumeUnloaded = Volume, "unloaded", "volume.unloaded", true;
    /// Owning Guardian user.
    VolumeOwner = Volume, "owner", "volume.owner", false;
    /// Encrypted or not.
    VolumeEncrypted = Volume, "encrypted", "volume.encrypted", false;
    /// Key manager of an encrypted volume.
    VolumeKeymanager = Volume, "keymanager", "volume.keymanager", false;
    /// Bytes of data.
    VolumeSize = Volume, "size", "volume.size", false;
    /// Free text.
    VolumeComment = Volume, "comment", "volume.comment", false;
    /// TAPEVOLUME volume catalog.
    TapeVolumeVolcat = TapeVolume, "volcat", "tapevolume.volcat", false;
    /// TAPEVOLUME pool.
    TapeVolumePool = TapeVolume, "pool", "tapevolume.pool", false;
    /// TAPEVOLUME status.
    TapeVolumeStatus = TapeVolume, "status", "tapevolume.status", false;
    /// TAPEVOLUME media type.
    TapeVolumeMedia = TapeVolume, "media", "tapevolume.media", false;
    /// TAPEVOLUME label type.
    TapeVolumeLabeltype = TapeVolume, "labeltype", "tapevolume.labeltype", false;
    /// First volume of the volume set.
    TapeVolumeVolset = TapeVolume, "volset", "tapevolume.volset", false;
    /// Position in the volume set.
    TapeVolumeVolindex = TapeVolume, "volindex", "tapevolume.volindex", false;
    /// TAPEFILE FILEID.
    TapeFileFileid = TapeFile, "fileid", "tapefile.fileid", false;
    /// TAPEFILE generation.
    TapeFileGen = TapeFile, "gen", "tapefile.gen", false;
    /// TAPEFILE version.
    TapeFileVersion = TapeFile, "version", "tapefile.version", false;
    /// TAPEFILE physical copy.
    TapeFileCopy = TapeFile, "copy", "tapefile.copy", false;
    /// TAPEFILE file section.
    TapeFileSection = TapeFile, "section", "tapefile.section", false;
    /// TAPEFILE file sequence.
    TapeFileFileseq = TapeFile, "fileseq", "tapefile.fileseq", false;
    /// TAPEFILE creation time.
    TapeFileCreated = TapeFile, "created", "tapefile.created", true;
    /// TAPEFILE expiration time.
    TapeFileExpires = TapeFile, "expires", "tapefile.expires", true;
    /// TAPEFILE status.
    TapeFileStatus = TapeFile, "status", "tapefile.status", false;
    /// TAPEFILE mode.
    TapeFileMode = TapeFile, "mode", "tapefile.mode", false;
    /// DISKFILE name.
    DiskFileName = DiskFile, "name", "diskfile.name", false;
    /// DISKFILE tape file FILEID.
    DiskFileFileid = DiskFile, "fileid", "diskfile.fileid", false;
    /// DISKFILE tape file generation.
    DiskFileGen = DiskFile, "gen", "diskfile.gen", false;
    /// DISKFILE tape file version.
    DiskFileVersion = DiskFile, "version", "diskfile.version", false;
    /// DISKFILE tape file copy.
    DiskFileCopy = DiskFile, "copy", "diskfile.copy", false;
    /// DISKFILE dump time.
    DiskFileDumped = DiskFile, "dumped", "diskfile.dumped", true;
    /// DISKFILE file type.
    DiskFileType = DiskFile, "type", "diskfile.type", false;
    /// DISKFILE Guardian file code.
    DiskFileCode = DiskFile, "code", "diskfile.code", false;
    /// DISKFILE end of file.
    DiskFileEof = DiskFile, "eof", "diskfile.eof", false;
    /// DISKFILE status.
    DiskFileStatus = DiskFile, "status", "diskfile.status", false;
}

impl Field {
    /// The field named `name` (as [`Field::name`] spells it).
    pub fn by_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The field of `family` with key `key`.
    pub fn in_family(family: Family, key: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.family() == family && f.key() == key)
    }

    /// Its index in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_indexes_follow_all() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(Field::by_name(f.name()), Some(*f));
            let table = f.family().table();
            let expected = if table.is_empty() { f.key().to_string() } else { format!("{table}.{}", f.key()) };
            assert_eq!(f.name(), expected);
        }
    }
}
