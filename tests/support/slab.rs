//! The recipe of `fixtures/slab-a-daily`: a staging area modelled on the manual's example
//! (data store SLAB_A-DAILY on \ETINIUM, two volume groups of 15 volumes each). The test
//! `fixture_slab_a_daily_is_current` checks the committed files against this recipe;
//! `CATSTAGE_BLESS=1` rewrites them.

use catstage::model::*;
use catstage::write::{summary_bytes, volume_bytes};
use std::collections::BTreeMap;

pub const EXPORT_ID: &str = "2022-01-05_17:44:48";
pub const STORE: &str = "SLAB_A-DAILY";

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn at(day: u8, h: u8, m: u8, s: u8) -> Timestamp {
    // Days count from 2021-12-30 (generation 18) at the primary's offset, -05:00.
    let base = Timestamp::new(2021, 12, 30, h, m, s, -300).unwrap();
    base.plus_seconds(i64::from(day) * 86_400).unwrap()
}

struct GroupSpec {
    id: &'static str,
    pool: &'static str,
    prefix: &'static str,
    fileid: &'static str,
    labels: [&'static str; 15],
}

const DAILY: GroupSpec = GroupSpec {
    id: "VG_SLAB_A-DAILY",
    pool: "SLAB_A_DAILY",
    prefix: "SAD",
    fileid: "SLABA-BAK11-DAILY",
    labels: [
        "SAD001", "SAD002", "SAD003", "SAD004", "SAD005", "SAD006", "SAD007", "SAD008", "SAD009", "SAD010", "SAD011",
        "SAD012", "SAD013", "SAD014", "SAD015",
    ],
};

const BRCOM: GroupSpec = GroupSpec {
    id: "VG_SLAB_A_BRCOM-DAILY",
    pool: "SLAB_A_BRCOM_DAILY",
    prefix: "SARD",
    fileid: "SLABA-BRCOM-DAILY",
    labels: [
        "SARD01", "SARD02", "SARD03", "SARD04", "SARD05", "SARD06", "SARD07", "SARD08", "SARD09", "SARD10", "SARD11",
        "SARD12", "SARD13", "SARD14", "SARD15",
    ],
};

const DISK_VOLUMES: [&str; 3] = ["$DATA01", "$DATA02", "$AUDIT"];
const SUBVOLS: [&str; 4] = ["SALES", "FINANCE", "HR", "INVENT"];
const FILES: [&str; 8] = ["ORDERS", "CUSTOMER", "LEDGER", "JOURNAL", "PAYROLL", "STOCK", "ITEMS", "PRICES"];

/// Encrypted volumes and the comments some volumes carry.
const ENCRYPTED: [&str; 3] = ["SAD004", "SAD009", "SARD03"];

/// The volume files and summary of the fixture, by file name.
pub fn files() -> BTreeMap<String, Vec<u8>> {
    area_of(&volumes(), EXPORT_ID, "2022-01-05T17:44:48-05:00")
}

/// The fixture's volumes, in label order within each group.
pub fn volumes() -> Vec<VolumeFile> {
    let mut out = Vec::new();
    for (g, spec) in [&DAILY, &BRCOM].into_iter().enumerate() {
        for (i, label) in spec.labels.iter().enumerate() {
            out.push(volume(spec, g, i, label));
        }
    }
    out
}

/// One more volume of a group (0 daily, 1 BRCOM) after the fixture's fifteen: a volume
/// the primary has since removed.
pub fn extra_volume(g: usize, label: &str) -> VolumeFile {
    let spec = if g == 0 { &DAILY } else { &BRCOM };
    let mut v = volume(spec, g, 2, spec.labels[2]);
    let l = Label::parse(label).unwrap();
    v.head.volume.label = l;
    if let Some(t) = &mut v.head.tapevolume {
        t.volset = l;
        t.volindex = 1;
    }
    for t in &mut v.head.tapefiles {
        t.key.generation = 17;
        t.section = 1;
    }
    for d in &mut v.diskfiles {
        d.tapefile.generation = 17;
    }
    v
}

/// A FULL staging area of SLAB_A-DAILY holding `volumes`, written by export `id`.
pub fn area_of(volumes: &[VolumeFile], id: &str, created: &str) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut entries = Vec::new();
    for v in volumes {
        let mut v = v.clone();
        v.head.export.id = id.to_string();
        let bytes = volume_bytes(&v);
        let whole = {
            use sha2::Digest;
            Sha256Digest(sha2::Sha256::digest(&bytes).into())
        };
        let label = v.head.volume.label;
        entries.push(Entry {
            label,
            group: v.head.volume.group.clone(),
            file: label.file_name(),
            sha256: whole,
            size: bytes.len() as u64,
            export: id.to_string(),
            unloaded: v.head.volume.unloaded,
            tapefiles: v.head.tapefiles.len() as u64,
            diskfiles: v.diskfiles.len() as u64,
            extra: Extra::default(),
        });
        out.insert(label.file_name(), bytes);
    }
    entries.sort_by_key(|e| e.label);
    let mut groups: Vec<Group> = [&DAILY, &BRCOM]
        .iter()
        .map(|spec| Group {
            id: spec.id.to_string(),
            catalog: CatalogType::Dsmtc,
            media: Some("CART3480".into()),
            volcat: Some("\\ETINIUM.SLABVC".into()),
            pool: Some(spec.pool.into()),
            keymanager: Some("ESKM1".into()),
            extra: Extra::default(),
        })
        .collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    let summary = Summary {
        version: Version::CURRENT,
        export: SummaryExport {
            id: id.into(),
            kind: ExportType::Full,
            base: None,
            store: STORE.into(),
            node: Node::parse("\\ETINIUM").unwrap(),
            catalogfiles: true,
            created: t(created),
            extra: Extra::default(),
        },
        groups,
        nodemaps: vec![],
        entries,
    };
    out.insert("FULL".into(), summary_bytes(&summary));
    out
}

/// What the secondary imported from an earlier export: against today's fixture, three
/// volumes differ (SAD003's TAPEVOLUME status, SAD007's BackPak comment, three more
/// DISKFILEs of SARD05), SARD10 is missing (it will be added) and two volumes that the
/// primary has since removed are there (SAD016, SARD16: they will be deleted).
pub fn baseline_3c_2r_1a() -> BTreeMap<String, Vec<u8>> {
    let mut vols: Vec<VolumeFile> =
        volumes().into_iter().filter(|v| v.head.volume.label.as_str() != "SARD10").collect();
    for v in &mut vols {
        match v.head.volume.label.as_str() {
            "SAD003" => v.head.tapevolume.as_mut().unwrap().status = TapeVolumeStatus::Full,
            "SAD007" => v.head.volume.comment = Some("before the relabel".into()),
            "SARD05" => {
                let key = v.head.tapefiles[0].key.clone();
                for name in ["\\ETINIUM.$AUDIT.OLD.A1", "\\ETINIUM.$AUDIT.OLD.A2", "\\ETINIUM.$AUDIT.OLD.A3"] {
                    let mut d = v.diskfiles[0].clone();
                    d.name = name.into();
                    d.tapefile = key.clone();
                    v.diskfiles.push(d);
                }
                v.diskfiles.sort_by(|a, b| a.as_ref().sort_key().cmp(&b.as_ref().sort_key()));
            }
            _ => {}
        }
    }
    vols.push(extra_volume(0, "SAD016"));
    vols.push(extra_volume(1, "SARD16"));
    area_of(&vols, "2022-01-04_17:44:48", "2022-01-04T17:44:48-05:00")
}

/// Volume `i` of group `g`: volumes 0-11 hold generations 18-23 of the group's tape file
/// as two-volume sets (sections 1 and 2); volumes 12-14 are scratch.
fn volume(spec: &GroupSpec, g: usize, i: usize, label: &str) -> VolumeFile {
    let label_v = Label::parse(label).unwrap();
    let scratch = i >= 12;
    let day = (i / 2) as u8;
    let section = (i % 2) as u16 + 1;
    let set_first = Label::parse(spec.labels[i - i % 2]).unwrap();
    let generation = 18 + u16::from(day);
    // The backup of a day starts at 22:15 (daily) or 22:40 (BRCOM); the second volume of
    // the set is mounted 23 minutes later.
    let start_min: u8 = if g == 0 { 15 } else { 40 };
    let written = at(day, 22, start_min, 2).plus_seconds((section as i64 - 1) * 23 * 60).unwrap();
    let unloaded = if spec.prefix == "SAD" && i == 11 {
        // The manual's example volume: unloaded on 2022-01-04 23:02:56 at the primary.
        t("2022-01-04T23:02:56-05:00")
    } else {
        written.plus_seconds(22 * 60 + 54 + i as i64 * 7).unwrap()
    };
    let encrypted = ENCRYPTED.contains(&label);
    let comment = match label {
        "SAD001" => Some("first volume of the daily slab A rotation".to_string()),
        "SARD07" => Some("BRCOM \"month end\" run".to_string()),
        _ => None,
    };
    let head = VolumeHead {
        version: Version::CURRENT,
        export: VolumeExport { id: EXPORT_ID.into(), store: STORE.into(), catalogfiles: true, extra: Extra::default() },
        volume: VolumeRecord {
            label: label_v,
            group: spec.id.into(),
            status: if scratch { VolumeStatus::Scratch } else { VolumeStatus::Active },
            written: (!scratch).then_some(written),
            unloaded: (!scratch).then_some(unloaded),
            owner: Some("SUPER.BACKUP".into()),
            encrypted,
            keymanager: encrypted.then(|| "ESKM1".to_string()),
            size: if scratch { 0 } else { 18_000_000_000 + (i as u64 * 7_919_113) % 9_000_000_000 },
            comment,
            extra: Extra::default(),
        },
        tapevolume: Some(TapeVolume {
            volcat: "\\ETINIUM.SLABVC".into(),
            pool: spec.pool.into(),
            status: if scratch { TapeVolumeStatus::Scratch } else { TapeVolumeStatus::Assigned },
            media: "CART3480".into(),
            labeltype: LabelType::Backup,
            volset: if scratch { label_v } else { set_first },
            volindex: if scratch { 1 } else { section },
            extra: Extra::default(),
        }),
        tapefiles: Vec::new(),
    };
    let mut v = VolumeFile { head, diskfiles: Vec::new() };
    if scratch {
        return v;
    }
    let key = TapeFileKey { fileid: spec.fileid.into(), generation, version: 0, copy: 1 };
    let created = at(day, 22, start_min, 2);
    v.head.tapefiles.push(TapeFile {
        key: key.clone(),
        section,
        fileseq: 1,
        created,
        expires: Some(created.plus_seconds(35 * 86_400).unwrap()),
        status: EntryStatus::Valid,
        mode: TapeFileMode::Bkfi,
        extra: Extra::default(),
    });
    // Disk files: a different slice of the catalogued files on each volume.
    let mut names = Vec::new();
    for (a, dv) in DISK_VOLUMES.iter().enumerate() {
        for (b, sv) in SUBVOLS.iter().enumerate() {
            for (c, f) in FILES.iter().enumerate() {
                if (a * 32 + b * 8 + c + i + g * 3) % 7 == usize::from(section) {
                    names.push(format!("\\ETINIUM.{dv}.{sv}.{f}"));
                }
            }
        }
    }
    names.sort();
    for (k, name) in names.into_iter().enumerate() {
        let kind = if name.contains(".FINANCE.") { DiskFileType::Ta } else { DiskFileType::En };
        v.diskfiles.push(DiskFile {
            name,
            tapefile: key.clone(),
            dumped: created,
            kind,
            code: if kind == DiskFileType::Ta { 0 } else { [0, 101, 0, 180][k % 4] },
            eof: 4096 * ((k as u64 * 2_654_435_761 + i as u64 * 97) % 25_000 + 1),
            status: EntryStatus::Valid,
            extra: Extra::default(),
        });
    }
    v
}
