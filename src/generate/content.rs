//! What a generated volume holds, derived from the parameters, the volume's index and its
//! own random stream.

use super::rng::{Rng, stream_of};
use crate::model::{
    CatalogType, DiskFileRef, DiskFileType, EntryStatus, Group, Label, LabelType, Node, TapeFile, TapeFileKey,
    TapeFileKeyRef, TapeFileMode, TapeVolume, TapeVolumeStatus, Timestamp, Version, VolumeExport, VolumeHead,
    VolumeRecord, VolumeStatus, check_id,
};
use crate::write::VolumeWriter;
use std::io::{self, Write};

/// The parameters of `catstage generate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// Number of volumes.
    pub volumes: u64,
    /// Number of volume groups.
    pub groups: u32,
    /// Tape files per (non-scratch) volume.
    pub tapefiles: u32,
    /// Mean number of disk files per volume (exponentially spread).
    pub diskfiles: u64,
    /// Seed.
    pub seed: u64,
    /// Data store id (may contain spaces).
    pub store: String,
    /// The primary's node.
    pub node: Node,
    /// Label prefix; labels are the prefix and a zero-padded number, 6 characters in all.
    pub label_prefix: String,
    /// Percentage of encrypted volumes.
    pub encrypted_percent: u32,
    /// Whether the export writes DISKFILE entries.
    pub catalogfiles: bool,
    /// Also simulate a later UPDATE export that changed this many volumes.
    pub update: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            volumes: 100,
            groups: 2,
            tapefiles: 3,
            diskfiles: 100,
            seed: 1,
            store: "SYNTH-DAILY".to_string(),
            node: default_node(),
            label_prefix: "G".to_string(),
            encrypted_percent: 10,
            catalogfiles: true,
            update: 0,
        }
    }
}

#[allow(clippy::expect_used)]
fn default_node() -> Node {
    Node::parse("\\SYNTH").expect("a valid node name literal")
}

/// Parameters that do not make sense.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamsError(pub String);

impl std::fmt::Display for ParamsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamsError {}

/// A generated volume: its head and how to generate its disk files.
pub struct GenVolume {
    /// Everything but the disk files.
    pub head: VolumeHead,
    /// Disk files per tape file (in tape file order).
    plan: Vec<(TapeFileKey, u64, u8, Timestamp)>,
    rng: Rng,
}

/// Generates the disk files of one volume, in canonical order.
pub struct DiskFiles<'p> {
    plan: Vec<(TapeFileKey, u64, u8, Timestamp)>,
    rng: Rng,
    node: &'p str,
}

impl Params {
    /// Checks the parameters.
    pub fn check(&self) -> Result<(), ParamsError> {
        let p = &self.label_prefix;
        if p.len() > 5 || !p.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            return Err(ParamsError(format!(
                "--label-prefix {p:?}: a prefix has 0 to 5 characters A-Z 0-9 (labels have 6 characters in all)"
            )));
        }
        let capacity = 10u64.pow(6 - p.len() as u32);
        if self.volumes > capacity {
            return Err(ParamsError(format!(
                "--volumes {} does not fit labels with prefix {p:?}: {} digits leave room for {capacity} volumes; \
                 use a shorter --label-prefix",
                self.volumes,
                6 - p.len()
            )));
        }
        if self.groups == 0 || self.groups > 999 {
            return Err(ParamsError("--groups must be 1 to 999".to_string()));
        }
        if self.tapefiles > 999 {
            return Err(ParamsError("--tapefiles must be 0 to 999".to_string()));
        }
        if self.encrypted_percent > 100 {
            return Err(ParamsError("--encrypted is a percentage, 0 to 100".to_string()));
        }
        if self.update > self.volumes {
            return Err(ParamsError(format!(
                "--update {} is more than the {} volumes generated",
                self.update, self.volumes
            )));
        }
        check_id(&self.store).map_err(|e| ParamsError(format!("--store {:?}: {e}", self.store)))?;
        Ok(())
    }

    /// The label of volume `i`.
    pub fn label(&self, i: u64) -> Result<Label, ParamsError> {
        let width = 6 - self.label_prefix.len();
        Label::parse(&format!("{}{:0width$}", self.label_prefix, i))
            .map_err(|e| ParamsError(format!("label of volume {i}: {e}")))
    }

    /// When the FULL export ran: the manual's example, 2022-01-05 17:44:48 at -05:00.
    #[allow(clippy::expect_used)]
    pub fn created(&self) -> Timestamp {
        Timestamp::new(2022, 1, 5, 17, 44, 48, -300).expect("a valid time literal")
    }

    fn store_word(&self, allowed: impl Fn(u8) -> bool, max: usize) -> String {
        let mut s: String = self.store.bytes().map(|c| if allowed(c) { c as char } else { '_' }).collect();
        if !s.bytes().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            s.insert(0, 'S');
        }
        s.truncate(max);
        s
    }

    /// The volume groups.
    pub fn groups(&self) -> Vec<Group> {
        let pool_word = self.store_word(|c| c.is_ascii_alphanumeric() || c == b'_', 24);
        let mut groups: Vec<Group> = (1..=self.groups)
            .map(|n| {
                let mut id = format!("VG_{}", self.store);
                id.truncate(58);
                let id = format!("{}-{n}", id.trim_end());
                Group {
                    id,
                    catalog: CatalogType::Dsmtc,
                    media: Some("CART3480".to_string()),
                    volcat: Some(format!("{}.TAPEVC", self.node)),
                    pool: Some(format!("{pool_word}_{n}")),
                    keymanager: Some(format!("ESKM{}", (n - 1) % 2 + 1)),
                    extra: Default::default(),
                }
            })
            .collect();
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        groups
    }

    /// Chooses `k` distinct indices below `n`, sorted, from the stream `stream`.
    pub fn choose(&self, k: u64, n: u64, stream: u64) -> Vec<u64> {
        let mut rng = Rng::new(self.seed, stream);
        let mut all: Vec<u64> = (0..n).collect();
        let k = k.min(n) as usize;
        for i in 0..k {
            let j = i + rng.below((n as usize - i) as u64) as usize;
            all.swap(i, j);
        }
        let mut chosen = all[..k].to_vec();
        chosen.sort_unstable();
        chosen
    }

    /// Volume `index`, labelled `label`, as written by export `export_id` at `created`,
    /// in group `index % groups`.
    pub fn volume(
        &self,
        index: u64,
        label: Label,
        export_id: &str,
        created: &Timestamp,
        groups: &[Group],
    ) -> GenVolume {
        let mut rng = Rng::new(self.seed, stream_of(label.as_str()));
        let group = &groups[(index % groups.len() as u64) as usize];
        let ordinal = index / groups.len() as u64;
        let scratch = rng.percent(5);
        let encrypted = !scratch && rng.percent(self.encrypted_percent);
        let age = 3600 + rng.below(20 * 3600) as i64;
        let written = created.plus_seconds(-age).unwrap_or(*created);
        let unloaded = written.plus_seconds(600 + rng.below(5400) as i64).unwrap_or(written);
        let comment = rng.percent(5).then(|| "weekly rotation \"B\"".to_string());
        let mut head = VolumeHead {
            version: Version::CURRENT,
            export: VolumeExport {
                id: export_id.to_string(),
                store: self.store.clone(),
                catalogfiles: self.catalogfiles,
                extra: Default::default(),
            },
            volume: VolumeRecord {
                label,
                group: group.id.clone(),
                status: if scratch { VolumeStatus::Scratch } else { VolumeStatus::Active },
                written: (!scratch).then_some(written),
                unloaded: (!scratch).then_some(unloaded),
                owner: Some("SUPER.BACKUP".to_string()),
                encrypted,
                keymanager: if encrypted { group.keymanager.clone() } else { None },
                size: if scratch { 0 } else { 1 + rng.below(400_000_000_000) },
                comment,
                extra: Default::default(),
            },
            tapevolume: None,
            tapefiles: Vec::new(),
        };
        if group.catalog == CatalogType::Dsmtc {
            head.tapevolume = Some(TapeVolume {
                volcat: group.volcat.clone().unwrap_or_default(),
                pool: group.pool.clone().unwrap_or_default(),
                status: if scratch { TapeVolumeStatus::Scratch } else { TapeVolumeStatus::Assigned },
                media: group.media.clone().unwrap_or_else(|| "CART3480".to_string()),
                labeltype: LabelType::Backup,
                volset: label,
                volindex: 1,
                extra: Default::default(),
            });
        }
        let mut plan = Vec::new();
        if !scratch && head.tapevolume.is_some() {
            let word = self.store_word(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.', 40);
            let gnum = groups.iter().position(|g| g.id == group.id).unwrap_or(0) + 1;
            let bucket = ordinal / 32_767;
            let generation = (ordinal % 32_767) as u16 + 1;
            let total = if self.catalogfiles { rng.exponential(self.diskfiles as f64) } else { 0 };
            let t = u64::from(self.tapefiles.max(1));
            for k in 1..=self.tapefiles {
                let fileid =
                    if bucket == 0 { format!("{word}-G{gnum}-F{k}") } else { format!("{word}-G{gnum}-F{k}-B{bucket}") };
                let tf_created = written.plus_seconds(i64::from(k) * 300).unwrap_or(written);
                let key = TapeFileKey { fileid, generation, version: 0, copy: 1 };
                let share = total / t + u64::from(u64::from(k) <= total % t);
                plan.push((key.clone(), share, (rng.below(100)) as u8, tf_created));
                head.tapefiles.push(TapeFile {
                    key,
                    section: 1,
                    fileseq: k as u16,
                    created: tf_created,
                    expires: (!rng.percent(10)).then(|| tf_created.plus_seconds(30 * 86_400).unwrap_or(tf_created)),
                    status: EntryStatus::Valid,
                    mode: TapeFileMode::Bkfi,
                    extra: Default::default(),
                });
            }
            head.tapefiles.sort_by(|a, b| a.key.cmp(&b.key));
            plan.sort_by(|a, b| a.0.cmp(&b.0));
        }
        GenVolume { head, plan, rng }
    }
}

impl GenVolume {
    /// The generator of this volume's disk files.
    pub fn diskfiles<'p>(&self, params: &'p Params) -> DiskFiles<'p> {
        DiskFiles { plan: self.plan.clone(), rng: self.rng.clone(), node: params.node.as_str() }
    }

    /// The head as a later export rewrote it (see [`changed_head`]).
    pub fn changed(&self, export_id: &str, when: &Timestamp, seed: u64) -> VolumeHead {
        changed_head(&self.head, export_id, when, seed)
    }
}

/// `head` as a later export `export_id` at `when` rewrote it: the volume was written and
/// unloaded again, and its DSM/TC status moved on. Its tape and disk files stay.
pub fn changed_head(head: &VolumeHead, export_id: &str, when: &Timestamp, seed: u64) -> VolumeHead {
    let mut rng = Rng::new(seed, stream_of(export_id) ^ stream_of(head.volume.label.as_str()));
    let mut head = head.clone();
    head.export.id = export_id.to_string();
    let written = when.plus_seconds(-(600 + rng.below(3 * 3600) as i64)).unwrap_or(*when);
    head.volume.written = Some(written);
    head.volume.unloaded = Some(written.plus_seconds(300 + rng.below(1800) as i64).unwrap_or(written));
    head.volume.size = head.volume.size.wrapping_add(1 + rng.below(1 << 30));
    if head.volume.status == VolumeStatus::Scratch {
        head.volume.status = VolumeStatus::Active;
    }
    if let Some(t) = &mut head.tapevolume {
        t.status = match t.status {
            TapeVolumeStatus::Assigned => TapeVolumeStatus::Full,
            _ => TapeVolumeStatus::Assigned,
        };
    }
    head
}

impl DiskFiles<'_> {
    /// Writes every disk file into `w`.
    pub fn write_all<W: Write>(&mut self, w: &mut VolumeWriter<W>) -> io::Result<()> {
        let mut name = String::with_capacity(40);
        let plan = std::mem::take(&mut self.plan);
        for (key, count, vol, created) in &plan {
            let mut j: u64 = self.rng.below(50);
            for _ in 0..*count {
                j += 1 + self.rng.below(3);
                name.clear();
                use std::fmt::Write as _;
                let _ = write!(
                    name,
                    "{}.$DATA{:02}.SV{:06}.F{:07}",
                    self.node,
                    vol,
                    (j / 1000) % 1_000_000,
                    j % 10_000_000
                );
                let roll = self.rng.below(100);
                let (kind, code) = match roll {
                    0..=89 => (DiskFileType::En, if roll < 20 { 101 } else { 0 }),
                    90..=96 => (DiskFileType::Ta, 0),
                    _ => (DiskFileType::In, 0),
                };
                let d = DiskFileRef {
                    name: &name,
                    tapefile: TapeFileKeyRef {
                        fileid: &key.fileid,
                        generation: key.generation,
                        version: key.version,
                        copy: key.copy,
                    },
                    dumped: *created,
                    kind,
                    code,
                    eof: self.rng.exponential(1_000_000.0),
                    status: EntryStatus::Valid,
                    extra: crate::model::ExtraRef::None,
                };
                w.diskfile(&d)?;
            }
        }
        Ok(())
    }
}
