//! The records of a volume file, one method each: their values checked (formats/volume.md
//! §3), the head built, disk files checked in order and passed to the visitor.

use super::MAX_COMMENT;
use super::{PrevDisk, VolumeParser, VolumeVisitor};
use crate::diag::{Code, FileDiagnostics, Severity};
use crate::model::{
    DiskFileRef, DiskFileType, EntryStatus, Label, LabelType, TapeFile, TapeFileKey, TapeFileKeyRef, TapeFileMode,
    TapeVolume, TapeVolumeStatus, Timestamp, ValueError, VolumeExport, VolumeRecord, VolumeStatus, check_catalog,
    check_diskfile_name, check_export_id, check_fileid, check_id, check_keymanager, check_media, check_owner,
    check_pool, check_text, parse_bool, parse_uint,
};
use crate::parse::record::Rec;

impl<V: VolumeVisitor> VolumeParser<'_, V> {
    pub(super) fn export_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let id = r.req_string(0, diags, check_export_id);
        let store = r.req_string(1, diags, check_id);
        let catalogfiles = r.req(2, diags, parse_bool);
        if let (Some(id), Some(store), Some(catalogfiles), true) = (id, store, catalogfiles, r.ok) {
            self.export = Some(VolumeExport { id, store, catalogfiles, extra: r.extra() });
        }
    }

    pub(super) fn volume_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let label = r.req(0, diags, Label::parse);
        let group = r.req_string(1, diags, check_id);
        let status = r.req(2, diags, VolumeStatus::parse);
        let written = r.opt(3, diags, Timestamp::parse);
        let unloaded = r.opt(4, diags, Timestamp::parse);
        let owner = r.opt_string(5, diags, check_owner);
        let encrypted = r.req(6, diags, parse_bool);
        let keymanager = r.opt_string(7, diags, check_keymanager);
        let size = r.req(8, diags, |s| parse_uint(s, 0, u64::MAX));
        let comment = r.opt_string(9, diags, |s| check_text(s, MAX_COMMENT));
        match (encrypted, r.has(7)) {
            (Some(true), false) => {
                diags.at(Code::MissingField, r.no, r.line.len() as u64 + 1, r.line.as_bytes(), || {
                    "an encrypted volume names the key manager that holds its key (keymanager)".to_string()
                });
                r.ok = false;
            }
            (Some(false), true) => {
                r.refuse(7, &ValueError::invalid("a volume that is not encrypted has no key manager"), diags);
            }
            _ => {}
        }
        if let (Some(label), Some(group), Some(status), Some(encrypted), Some(size), true) =
            (label, group, status, encrypted, size, r.ok)
        {
            self.volume = Some(VolumeRecord {
                label,
                group,
                status,
                written,
                unloaded,
                owner,
                encrypted,
                keymanager,
                size,
                comment,
                extra: r.extra(),
            });
        }
    }

    pub(super) fn tapevolume_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let volcat = r.req_string(0, diags, check_catalog);
        let pool = r.req_string(1, diags, check_pool);
        let status = r.req(2, diags, TapeVolumeStatus::parse);
        let media = r.req_string(3, diags, check_media);
        let labeltype = r.req(4, diags, LabelType::parse);
        let volset = r.req(5, diags, Label::parse);
        let volindex = r.req(6, diags, |s| parse_uint(s, 1, 9999));
        if let (
            Some(volcat),
            Some(pool),
            Some(status),
            Some(media),
            Some(labeltype),
            Some(volset),
            Some(volindex),
            true,
        ) = (volcat, pool, status, media, labeltype, volset, volindex, r.ok)
        {
            self.tapevolume = Some(TapeVolume {
                volcat,
                pool,
                status,
                media,
                labeltype,
                volset,
                volindex: volindex as u16,
                extra: r.extra(),
            });
        }
    }

    pub(super) fn tapefile_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        let fileid = r.req_string(0, diags, check_fileid);
        let generation = r.req(1, diags, |s| parse_uint(s, 1, 32_767));
        let version = r.req(2, diags, |s| parse_uint(s, 0, 100));
        let copy = r.req(3, diags, |s| parse_uint(s, 1, 99));
        let section = r.req(4, diags, |s| parse_uint(s, 1, 9999));
        let fileseq = r.req(5, diags, |s| parse_uint(s, 1, 9999));
        let created = r.req(6, diags, Timestamp::parse);
        let expires = r.opt(7, diags, Timestamp::parse);
        let status = r.req(8, diags, EntryStatus::parse);
        let mode = r.req(9, diags, TapeFileMode::parse);
        let (Some(fileid), Some(generation), Some(version), Some(copy)) = (fileid, generation, version, copy) else {
            self.tapefile_refused = true;
            return;
        };
        let key = TapeFileKey { fileid, generation: generation as u16, version: version as u8, copy: copy as u8 };
        if let Some(last) = self.tapefiles.last()
            && key <= last.key
        {
            let what = if key == last.key {
                "appears twice on this volume"
            } else {
                "is out of order: tape files are sorted by FILEID, generation, version and copy"
            };
            diags.at(Code::RecordOrder, r.no, r.column(0), r.line.as_bytes(), || format!("tape file {key} {what}"));
            self.tapefile_refused = true;
            return;
        }
        if let (Some(section), Some(fileseq), Some(created), Some(status), Some(mode), true) =
            (section, fileseq, created, status, mode, r.ok)
        {
            self.tapefiles.push(TapeFile {
                key,
                section: section as u16,
                fileseq: fileseq as u16,
                created,
                expires,
                status,
                mode,
                extra: r.extra(),
            });
        } else {
            self.tapefile_refused = true;
        }
    }

    pub(super) fn diskfile_record(&mut self, mut r: Rec<'_>, diags: &mut FileDiagnostics) {
        // Valid names and FILEIDs never need escapes, so a value with escapes is refused
        // by its check; one without is borrowed from the line.
        let name = r.text(0).and_then(|n| match check_diskfile_name(&n) {
            Ok(_) => r.borrowed(0),
            Err(e) => {
                r.refuse(0, &e, diags);
                None
            }
        });
        let fileid = r.text(1).and_then(|f| match check_fileid(&f) {
            Ok(()) => r.borrowed(1),
            Err(e) => {
                r.refuse(1, &e, diags);
                None
            }
        });
        let generation = r.req(2, diags, |s| parse_uint(s, 1, 32_767));
        let version = r.req(3, diags, |s| parse_uint(s, 0, 100));
        let copy = r.req(4, diags, |s| parse_uint(s, 1, 99));
        let dumped = r.req(5, diags, Timestamp::parse);
        let kind = r.req(6, diags, DiskFileType::parse);
        let code = r.req(7, diags, |s| parse_uint(s, 0, 65_535));
        let eof = r.req(8, diags, |s| parse_uint(s, 0, u64::MAX));
        let status = r.req(9, diags, EntryStatus::parse);
        let (
            Some(name),
            Some(fileid),
            Some(generation),
            Some(version),
            Some(copy),
            Some(dumped),
            Some(kind),
            Some(code),
            Some(eof),
            Some(status),
            true,
        ) = (name, fileid, generation, version, copy, dumped, kind, code, eof, status, r.ok)
        else {
            return;
        };
        let d = DiskFileRef {
            name,
            tapefile: TapeFileKeyRef {
                fileid,
                generation: generation as u16,
                version: version as u8,
                copy: copy as u8,
            },
            dumped,
            kind,
            code: code as u16,
            eof,
            status,
            extra: crate::model::ExtraRef::Lazy(&r),
        };
        self.diskfile_checked(r.no, r.line.as_bytes(), d, diags);
    }

    /// The checks of a disk file that need its neighbours: sort order, its tape file, the
    /// export's CATALOGFILES setting; then the visitor.
    pub(super) fn diskfile_checked(&mut self, no: u64, line: &[u8], d: DiskFileRef<'_>, diags: &mut FileDiagnostics) {
        if !self.diskfile_in_order(&d, no, line, diags) {
            return;
        }
        if let Some(head) = &self.head {
            if !head.export.catalogfiles {
                diags.at(Code::InvalidValue, no, 1, line, || {
                    "a diskfile record in a file exported with catalogfiles=no (CATALOGFILES NO excludes DISKFILE entries)"
                        .to_string()
                });
            }
            let found = match head.tapefiles.get(self.last_tapefile) {
                Some(t) if t.key.as_ref() == d.tapefile => true,
                _ => match head.tapefiles.binary_search_by(|t| t.key.as_ref().cmp(&d.tapefile)) {
                    Ok(i) => {
                        self.last_tapefile = i;
                        true
                    }
                    Err(_) => false,
                },
            };
            if !found && !self.tapefile_refused {
                let column = memchr::memmem::find(line, b" fileid=").map_or(1, |i| i as u64 + 9);
                diags.at(Code::InvalidValue, no, column, line, || {
                    format!("diskfile {} belongs to tape file {}, which is not on this volume", d.name, d.tapefile)
                });
            }
        }
        self.visitor.diskfile(no, &d, line);
    }

    /// Checks the disk file sort order against the previous one; false when out of order.
    fn diskfile_in_order(&mut self, d: &DiskFileRef<'_>, no: u64, line: &[u8], diags: &mut FileDiagnostics) -> bool {
        if let Some(p) = &mut self.prev {
            let prev_key = (
                TapeFileKeyRef { fileid: &p.fileid, generation: p.generation, version: p.version, copy: p.copy },
                p.name.as_str(),
            );
            match d.sort_key().cmp(&prev_key) {
                std::cmp::Ordering::Less => {
                    diags.at(Code::RecordOrder, no, 1, line, || {
                        format!(
                            "diskfile {} is out of order: disk files are sorted by tape file (FILEID, generation, \
                             version, copy), then name; it follows {}",
                            d.name, p.name
                        )
                    });
                    // Compare the next line with this one, so that one misplaced line
                    // is reported once, not every line after it.
                    p.set(d, line);
                    return false;
                }
                std::cmp::Ordering::Equal => {
                    if line < p.line.as_slice() {
                        diags.at(Code::RecordOrder, no, 1, line, || {
                            format!("the entries of diskfile {} are out of order: equal keys are sorted by their whole line", d.name)
                        });
                        return false;
                    }
                    diags.at_with(
                        Code::DuplicateDiskfile,
                        no,
                        1,
                        line,
                        || format!("diskfile {} appears twice in tape file {}", d.name, d.tapefile),
                        None,
                        Some(Severity::Warning),
                    );
                }
                std::cmp::Ordering::Greater => {}
            }
            p.set(d, line);
        } else {
            self.prev = Some(PrevDisk {
                fileid: d.tapefile.fileid.to_string(),
                generation: d.tapefile.generation,
                version: d.tapefile.version,
                copy: d.tapefile.copy,
                name: d.name.to_string(),
                line: line.to_vec(),
            });
        }
        true
    }
}
