//! What the image check needs of a staging area: the current set's labels, groups and
//! tape file counts (from the summaries) and, for each volume, the few facts of its
//! volume record that say whether it holds data and when it was last written.
//!
//! This is the one place where `images` reads a staging area. The summaries are read by
//! the one summary reader and their findings reported, as `validate` reports them; of
//! each volume file only its head is read, by the one volume-head reader, and a head
//! `validate` finds errors in is unreadable here too. The integrity of the rest of the
//! volume files (their disk files, their trailers) is `validate`'s job.

use crate::diag::{Code, Diagnostic, Examples};
use crate::model::{ExportType, Label, TapeVolumeStatus, Timestamp, VolumeStatus};
use crate::staging::{EntryKind, Source, read_summaries};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io;

/// The facts of a volume record the image check needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadFacts {
    /// BackPak status.
    pub status: VolumeStatus,
    /// DSM/TC status of the TAPEVOLUME, if the volume has one.
    pub tape_status: Option<TapeVolumeStatus>,
    /// Last written (mounted for output).
    pub written: Option<Timestamp>,
    /// Bytes of data on the volume.
    pub size: u64,
}

/// One volume of the current set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogVolume {
    /// The label.
    pub label: Label,
    /// Its primary group, an index into [`Catalog::groups`].
    pub group: u32,
    /// Tape files, as its winning entry counts them.
    pub tapefiles: u64,
    /// Its volume record's facts, or why they could not be read.
    pub head: Result<HeadFacts, String>,
}

/// The current set as the image check sees it.
#[derive(Debug, Default)]
pub struct Catalog {
    /// False without a readable `FULL`: there is no current set.
    pub has_current_set: bool,
    /// The volumes, by label.
    pub volumes: Vec<CatalogVolume>,
    /// Primary group ids, by first appearance.
    pub groups: Vec<String>,
    /// Findings about the summaries (when one is damaged).
    pub diagnostics: Vec<Diagnostic>,
}

/// Interns group ids, so that a volume costs four bytes for its group.
#[derive(Default)]
struct Groups {
    ids: Vec<String>,
    index: BTreeMap<String, u32>,
}

impl Groups {
    fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), i);
        i
    }
}

/// Reads the current set of `src` and the facts of its volume records, in parallel; a
/// repeated finding about the summaries lists `examples`.
pub fn read_catalog(src: &dyn Source, examples: Examples) -> io::Result<Catalog> {
    // The one summary reader and the one current-set rule: a summary `validate` finds
    // errors in is reported here with the same findings.
    let summaries = read_summaries(src, examples)?;
    let mut diagnostics = summaries.diagnostics;
    let mut groups = Groups::default();
    if summaries.full.is_none() {
        if !src.entries().iter().any(|e| e.kind == EntryKind::Summary(ExportType::Full)) {
            diagnostics.push(Diagnostic::new(
                Code::MissingSummary,
                Some("FULL".into()),
                "the staging area has no FULL summary: there is no current set to check the images against",
            ));
        }
        return Ok(Catalog { has_current_set: false, volumes: Vec::new(), groups: groups.ids, diagnostics });
    }
    let files: BTreeSet<Label> = src
        .entries()
        .iter()
        .filter_map(|e| match e.kind {
            EntryKind::Volume(label) => Some(label),
            _ => None,
        })
        .collect();
    let set: Vec<(Label, u32, u64)> = summaries
        .set
        .entries
        .iter()
        .map(|(label, w)| (*label, groups.intern(&w.entry.group), w.entry.tapefiles))
        .collect();
    let volumes = set
        .par_iter()
        .map(|&(label, group, tapefiles)| {
            let head = if files.contains(&label) {
                read_head(src, &label)?
            } else {
                Err(format!("{} is not in the staging area as a regular file", label.file_name()))
            };
            Ok(CatalogVolume { label, group, tapefiles, head })
        })
        .collect::<io::Result<Vec<_>>>()?;
    Ok(Catalog { has_current_set: true, volumes, groups: groups.ids, diagnostics })
}

/// Reads the head of a volume file with the one volume-head reader (`parse`), and takes
/// the facts: a head `validate` would find errors in is unreadable here too.
fn read_head(src: &dyn Source, label: &Label) -> io::Result<Result<HeadFacts, String>> {
    let file = label.file_name();
    let reader = io::BufReader::new(src.open(&file)?);
    // Only the first finding is told: how many a repeated one lists does not matter.
    Ok(crate::parse::read_volume_head_checked(&file, reader, Examples::DEFAULT)?
        .map_err(|found| {
            let first = found.first().map_or_else(
                || "its head is incomplete".to_string(),
                |d| match d.line {
                    Some(line) => format!("line {line}: {}", d.message),
                    None => d.message.clone(),
                },
            );
            format!("{file}: {first}")
        })
        .and_then(|head| head_facts(&head, label).map_err(|why| format!("{file}: {why}"))))
}

/// The facts of a volume head read whole.
fn head_facts(head: &crate::model::VolumeHead, label: &Label) -> Result<HeadFacts, String> {
    if head.volume.label != *label {
        return Err(format!("line 3: the volume record is not volume {label}"));
    }
    Ok(HeadFacts {
        status: head.volume.status,
        tape_status: head.tapevolume.as_ref().map(|t| t.status),
        written: head.volume.written,
        size: head.volume.size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staging::MemArea;

    fn area(files: &[(&str, &str)]) -> MemArea {
        MemArea::new(files.iter().map(|(n, b)| (n.to_string(), b.as_bytes().to_vec())).collect())
    }

    #[test]
    fn head_facts_are_taken_from_the_volume_head_as_validate_reads_it() {
        let v = "CATSTAGE VOLUME 1.3\nexport id=X store=S catalogfiles=yes\nvolume label=SAD001 group=\"G 1\" status=ACTIVE written=2022-01-04T22:15:02-05:00 encrypted=no size=12 comment=\"a b\"\ntapevolume volcat=\\N.V pool=P status=SCRATCH media=M labeltype=BACKUP volset=SAD001 volindex=1\n";
        let label = Label::parse("SAD001").unwrap();
        let read = |text: &str| read_head(&area(&[("VSAD001", text)]), &label).unwrap();
        let h = read(v).unwrap();
        assert_eq!(h.status, VolumeStatus::Active);
        assert_eq!(h.tape_status, Some(TapeVolumeStatus::Scratch));
        assert_eq!(h.written.map(|w| w.to_string()).as_deref(), Some("2022-01-04T22:15:02-05:00"));
        assert_eq!(h.size, 12);
        let no_tv = v.split("tapevolume").next().unwrap();
        assert_eq!(read(no_tv).unwrap().tape_status, None);
        for (bad, why) in [
            ("CATSTAGE VOLUME 2.0\n", "version 2.0 is not supported"),
            ("CATSTAGE VOLUME 1.0\nexport id=X store=S catalogfiles=yes\n", "volume"),
            (
                "CATSTAGE VOLUME 1.0\nexport id=X store=S catalogfiles=yes\nvolume label=SAD002 group=G status=ACTIVE encrypted=no size=1\n",
                "not volume SAD001",
            ),
            (
                "CATSTAGE VOLUME 1.0\nexport id=X store=S catalogfiles=yes\nvolume label=SAD001 group=G status=GONE encrypted=no size=1\n",
                "status",
            ),
            (
                "CATSTAGE VOLUME 1.0\nexport id=X store=S catalogfiles=yes\nvolume label=SAD001 group=G status=ACTIVE written=2022 encrypted=no size=1\n",
                "written",
            ),
        ] {
            let e = read(bad).unwrap_err();
            assert!(e.contains(why) || e.contains(&why.to_lowercase()), "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_damaged_summary_is_read_by_the_full_parser() {
        let a = area(&[("FULL", "CATSTAGE SUMMARY 1.0\nexport id=X type=FULL\nEND lines=2 sha256=00\n")]);
        let c = read_catalog(&a, Examples::DEFAULT).unwrap();
        assert!(c.diagnostics.iter().any(|d| d.is_error() && d.file.as_deref() == Some("FULL")), "{:?}", c.diagnostics);
    }
}
