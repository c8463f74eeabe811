//! Image layouts: how a data store names the two files of a volume's image on a data path.
//!
//! This is the one place that knows a layout's file names (formats/images.md documents
//! each layout). A new layout, for example a virtual tape server's vault, is a new
//! [`Layout`] variant with its own [`Layout::recognise`] and [`Layout::file_name`].

pub use crate::config::Layout;
use crate::model::Label;

/// The two files of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// The index file (metadata).
    Index,
    /// The data file: the tape application's output.
    Data,
}

/// Labelled or non-labelled volume, as the file name tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Prefix {
    /// `LB`: a labelled volume.
    Labelled,
    /// `NL`: a non-labelled volume.
    Unlabelled,
}

/// What an image file's name says: whose image, which file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageName {
    /// The volume.
    pub label: Label,
    /// `LB` or `NL`.
    pub prefix: Prefix,
    /// Index or data.
    pub part: Part,
}

impl Layout {
    /// The parts every image of this layout has.
    pub fn parts(self) -> &'static [Part] {
        match self {
            Layout::Backbox => &[Part::Index, Part::Data],
        }
    }

    /// The image file `name` denotes, if it is one. Case does not matter: a Windows share
    /// mounted on POSIX may show the names in either case.
    pub fn recognise(self, name: &[u8]) -> Option<ImageName> {
        match self {
            Layout::Backbox => backbox(name),
        }
    }

    /// The canonical spelling of an image file's name.
    pub fn file_name(self, image: ImageName) -> String {
        match self {
            Layout::Backbox => {
                let prefix = match image.prefix {
                    Prefix::Labelled => "LB",
                    Prefix::Unlabelled => "NL",
                };
                let part = match image.part {
                    Part::Index => "IND",
                    Part::Data => "DAT",
                };
                format!("{prefix}{}.{part}", image.label)
            }
        }
    }
}

/// `LB` or `NL`, 1 to 6 label characters, `.IND` or `.DAT`; any case.
fn backbox(name: &[u8]) -> Option<ImageName> {
    if !(7..=12).contains(&name.len()) {
        return None;
    }
    let (stem, ext) = name.split_at(name.len() - 4);
    let part = match ext.to_ascii_uppercase().as_slice() {
        b".IND" => Part::Index,
        b".DAT" => Part::Data,
        _ => return None,
    };
    let prefix = match stem[..2].to_ascii_uppercase().as_slice() {
        b"LB" => Prefix::Labelled,
        b"NL" => Prefix::Unlabelled,
        _ => return None,
    };
    let label = std::str::from_utf8(&stem[2..]).ok()?.to_ascii_uppercase();
    let label = Label::parse(&label).ok()?;
    Some(ImageName { label, prefix, part })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Option<String> {
        Layout::Backbox.recognise(s.as_bytes()).map(|n| Layout::Backbox.file_name(n))
    }

    #[test]
    fn backbox_names_are_recognised_in_any_case() {
        assert_eq!(name("LBSAD001.DAT").as_deref(), Some("LBSAD001.DAT"));
        assert_eq!(name("lbsad001.ind").as_deref(), Some("LBSAD001.IND"));
        assert_eq!(name("Nl1.Dat").as_deref(), Some("NL1.DAT"));
        assert_eq!(name("LBLB0001.IND").as_deref(), Some("LBLB0001.IND"));
    }

    #[test]
    fn other_names_are_not_images() {
        for n in
            ["LB.DAT", "LBSAD0011.DAT", "LBSAD001.TMP", "XXSAD001.DAT", "LBSA-01.DAT", "LBSAD001DAT", "", "LBé1.DAT"]
        {
            assert_eq!(name(n), None, "{n}");
        }
        assert_eq!(Layout::Backbox.recognise(b"LB\xff1.DAT"), None);
    }

    #[test]
    fn layouts_are_named() {
        assert_eq!(Layout::parse("BackBox"), Some(Layout::Backbox));
        assert_eq!(Layout::parse("vault"), None);
    }
}
