//! Recipes of the fixtures under `fixtures/ok/` and `fixtures/err/`: each case is a small
//! staging area derived from slab-a-daily, changed the way damage, a broken tool or a hand
//! edit would change it. Directory names start with the number of the code the case is
//! about (`0004_checksum-mismatch` is about CS004).

use super::*;
use std::collections::BTreeMap;

/// One fixture: a staging area, plus entries that files cannot express.
pub struct Case {
    /// Directory name under `fixtures/ok` or `fixtures/err`.
    pub name: &'static str,
    /// The regular files.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Symbolic links to create: (name, target).
    pub symlinks: Vec<(&'static str, &'static str)>,
    /// Sub-directories to create, each holding one file.
    pub dirs: Vec<&'static str>,
    /// A secondary configuration (`config.toml` beside the area).
    pub config: Option<String>,
    /// Another staging area to check against (`other/` beside the area).
    pub against: Option<BTreeMap<String, Vec<u8>>>,
    /// A label list (`labels.txt` beside the area).
    pub labels: Option<String>,
}

const MINI: [&str; 5] = ["VSAD001", "VSAD002", "VSAD013", "VSARD01", "VSARD03"];

/// The base of every case: five volumes of slab-a-daily with their FULL summary.
pub fn mini() -> BTreeMap<String, Vec<u8>> {
    let slab = slab::files();
    let mut area: BTreeMap<String, Vec<u8>> =
        slab.iter().filter(|(n, _)| MINI.contains(&n.as_str())).map(|(n, b)| (n.clone(), b.clone())).collect();
    let full = edit_lines(&slab["FULL"], |l| {
        l.retain(|line| !line.starts_with("entry ") || MINI.iter().any(|f| line.contains(&format!(" file={f} "))))
    });
    area.insert("FULL".into(), full);
    area
}

/// `line` with `from` replaced by `to`; `from` must be there.
pub fn rep(line: &str, from: &str, to: &str) -> String {
    assert!(line.contains(from), "{line:?} lacks {from:?}");
    line.replacen(from, to, 1)
}

fn case(name: &'static str, f: impl FnOnce(&mut BTreeMap<String, Vec<u8>>)) -> Case {
    let mut files = mini();
    f(&mut files);
    Case { name, files, symlinks: vec![], dirs: vec![], config: None, against: None, labels: None }
}

/// The configuration under which the mini area validates clean: fixtures/slab-a-daily.toml.
pub fn mini_config() -> String {
    std::fs::read_to_string(root().join("fixtures/slab-a-daily.toml")).unwrap()
}

/// A case checked with a configuration edited by `f`.
fn configured(name: &'static str, f: impl FnOnce(&mut String)) -> Case {
    let mut c = case(name, |_| {});
    let mut config = mini_config();
    f(&mut config);
    c.config = Some(config);
    c
}

/// `text` with `from` replaced by `to`; `from` must be there.
fn edit(text: &mut String, from: &str, to: &str) {
    assert!(text.contains(from), "configuration lacks {from:?}");
    *text = text.replacen(from, to, 1);
}

/// Replaces the first occurrence of `from` by `to` in line `n` (0-based) of `file`,
/// reseals the file and updates its FULL entry, so that only the edit is wrong.
pub fn edit_sealed(a: &mut BTreeMap<String, Vec<u8>>, file: &str, n: usize, from: &str, to: &str) {
    let new = edit_lines(&a[file], |l| {
        assert!(l[n].contains(from), "{file} line {n}: {:?} lacks {from:?}", l[n]);
        l[n] = l[n].replacen(from, to, 1);
    });
    a.insert(file.into(), new);
    if file != "FULL" && file != "UPDATE" {
        rehash_entry(a, "FULL", file);
    }
}

pub fn set_line(a: &mut BTreeMap<String, Vec<u8>>, file: &str, f: impl FnOnce(&mut Vec<String>)) {
    let new = edit_lines(&a[file], f);
    a.insert(file.into(), new);
    if file != "FULL" && file != "UPDATE" {
        rehash_entry(a, "FULL", file);
    }
}

/// A monthly FULL export made with CATALOGFILES NO (R22): no disk files anywhere.
fn without_diskfiles(a: &mut BTreeMap<String, Vec<u8>>) {
    for f in MINI {
        set_line(a, f, |l| {
            l[1] = rep(&l[1], "catalogfiles=yes", "catalogfiles=no");
            l.retain(|x| !x.starts_with("diskfile "));
        });
    }
    let v = edit_lines(&a["FULL"], |l| {
        l[1] = rep(&l[1], "catalogfiles=yes", "catalogfiles=no");
        for line in l.iter_mut().filter(|x| x.starts_with("entry ")) {
            let n = line.find(" diskfiles=").unwrap();
            line.truncate(n);
            line.push_str(" diskfiles=0");
        }
    });
    a.insert("FULL".into(), v);
    for f in MINI {
        rehash_entry(a, "FULL", f);
    }
}

/// Staging areas that validate clean.
pub fn ok_cases() -> Vec<Case> {
    vec![
        case("0001_mini", |_| {}),
        case("0002_update-current", |a| {
            // An UPDATE export rewrote SAD002: a later unload, a new export id.
            let v = edit_lines(&a["VSAD002"], |l| {
                l[1] = rep(&l[1], "id=2022-01-05_17:44:48", "id=2022-01-06_01:44:48");
                l[2] = rep(&l[2], "unloaded=2021-12-30T23:01:03-05:00", "unloaded=2022-01-05T23:10:00-05:00");
                l[3] = rep(&l[3], "status=ASSIGNED", "status=FULL");
            });
            a.insert("VSAD002".into(), v.clone());
            let full = lines(content(&a["FULL"]));
            let entry = full.iter().find(|l| l.contains(" file=VSAD002 ")).unwrap().clone();
            let entry = rep(&entry, "export=2022-01-05_17:44:48", "export=2022-01-06_01:44:48");
            let entry = rep(&entry, "unloaded=2021-12-30T23:01:03-05:00", "unloaded=2022-01-05T23:10:00-05:00");
            let update = vec![
                "CATSTAGE SUMMARY 1.0".to_string(),
                rep(
                    &rep(
                        &full[1],
                        "id=2022-01-05_17:44:48 type=FULL",
                        "id=2022-01-06_01:44:48 type=UPDATE base=2022-01-05_17:44:48",
                    ),
                    "created=2022-01-05T17:44:48-05:00",
                    "created=2022-01-06T01:44:48-05:00",
                ),
                full[2].clone(),
                full[3].clone(),
                entry,
            ];
            a.insert("UPDATE".into(), reseal(&unlines(&update)));
            rehash_entry(a, "UPDATE", "VSAD002");
        }),
        case("0003_forward-compatible", |a| {
            // A writer of version 1.4 added keys this reader does not know.
            set_line(a, "VSAD001", |l| {
                l[0] = "CATSTAGE VOLUME 1.4".into();
                l[2].push_str(" site=\"Montréal DR\" retention=35");
                l[4].push_str(" lba=1234");
                let last = l.len() - 1;
                l[last].push_str(" checksum=crc32:0a1b2c3d");
            });
            let v = edit_lines(&a["FULL"], |l| {
                l[0] = "CATSTAGE SUMMARY 1.2".into();
                l[1].push_str(" tool=\"exporter 4.2\"");
            });
            a.insert("FULL".into(), v);
        }),
        case("0004_catalogfiles-no", without_diskfiles),
    ]
}

/// Staging areas with exactly the problem their name says (and what follows from it).
pub fn err_cases() -> Vec<Case> {
    let mut cases = vec![
        case("0001_syntax-error", |a| edit_sealed(a, "VSAD001", 5, " status=VALID", " status=VALID damaged")),
        case("0002_unsupported-version", |a| edit_sealed(a, "VSAD002", 0, "VOLUME 1.0", "VOLUME 2.0")),
        case("0003_truncated-file", |a| {
            let v = a["VSARD01"].clone();
            a.insert("VSARD01".into(), v[..v.len() * 2 / 3].to_vec());
        }),
        case("0004_checksum-mismatch", |a| {
            let v = String::from_utf8(a["VSAD001"].clone()).unwrap().replacen(" eof=", " eof=1", 1);
            a.insert("VSAD001".into(), v.into_bytes());
        }),
        case("0005_line-count-mismatch", |a| {
            let v = String::from_utf8(a["VSAD002"].clone()).unwrap();
            let c = content(v.as_bytes()).to_vec();
            let n = c.iter().filter(|&&b| b == b'\n').count();
            let mut out = c.clone();
            out.extend_from_slice(format!("END lines={} sha256={}\n", n + 1, sha256_hex(&c)).as_bytes());
            a.insert("VSAD002".into(), out);
            rehash_entry(a, "FULL", "VSAD002");
        }),
        case("0006_trailing-data", |a| {
            let mut v = a["VSARD03"].clone();
            v.extend_from_slice(b"CATSTAGE VOLUME 1.0\n");
            a.insert("VSARD03".into(), v);
        }),
        case("0007_record-order", |a| {
            set_line(a, "VSAD001", |l| l.swap(5, 6));
        }),
        case("0008_invalid-value", |a| {
            edit_sealed(a, "VSAD001", 4, " gen=18 ", " gen=40000 ");
            edit_sealed(a, "VSARD03", 2, "unloaded=2021-12-31T23:03:10-05:00", "unloaded=2021-12-31T23:03:10");
        }),
        case("0009_missing-field", |a| edit_sealed(a, "VSAD001", 4, " status=VALID", "")),
        case("0010_duplicate-field", |a| {
            edit_sealed(a, "VSARD01", 3, " media=CART3480", " media=CART3480 media=CART3480")
        }),
        case("0011_non-canonical-quoting", |a| {
            edit_sealed(a, "VSAD002", 3, "pool=SLAB_A_DAILY", "pool=\"SLAB_A_DAILY\"");
            edit_sealed(a, "VSAD001", 3, "volcat=\\ETINIUM.SLABVC", "volcat=\\etinium.SLABVC");
        }),
        case("0011_non-canonical-crlf", |a| {
            let v = String::from_utf8(a["VSARD03"].clone()).unwrap().replace('\n', "\r\n");
            a.insert("VSARD03".into(), v.into_bytes());
            rehash_entry(a, "FULL", "VSARD03");
        }),
        case("0011_non-canonical-key-order", |a| {
            edit_sealed(a, "VSAD002", 4, " version=0 copy=1", " copy=1 version=0");
        }),
        case("0012_unknown-record", |a| set_line(a, "VSAD001", |l| l.insert(3, "retention days=35".into()))),
        case("0020_missing-summary", |a| {
            a.remove("FULL");
        }),
        case("0021_stale-update", |a| {
            let full = lines(content(&a["FULL"]));
            let update = vec![
                "CATSTAGE SUMMARY 1.0".to_string(),
                rep(
                    &rep(
                        &full[1],
                        "id=2022-01-05_17:44:48 type=FULL",
                        "id=2021-12-29_03:00:00 type=UPDATE base=2021-12-28_17:44:48",
                    ),
                    "created=2022-01-05T17:44:48-05:00",
                    "created=2021-12-29T03:00:00-05:00",
                ),
                full[2].clone(),
                full[3].clone(),
            ];
            a.insert("UPDATE".into(), reseal(&unlines(&update)));
        }),
        case("0022_missing-volume-file", |a| {
            a.remove("VSAD013");
        }),
        case("0023_volume-hash-mismatch", |a| {
            // A valid file, but not the one FULL lists: another export of the volume.
            let v = edit_lines(&a["VSAD002"], |l| l[2] = rep(&l[2], "size=", "size=1"));
            a.insert("VSAD002".into(), v);
        }),
        case("0024_orphan-volume-file", |a| {
            let slab = slab::files();
            a.insert("VSAD005".into(), slab["VSAD005"].clone());
        }),
        case("0025_label-mismatch", |a| {
            let v = a["VSAD002"].clone();
            a.insert("VSAD001".into(), v);
            rehash_entry(a, "FULL", "VSAD001");
        }),
        case("0026_foreign-file", |a| {
            a.insert("README".into(), b"notes about this staging area\n".to_vec());
        }),
        case("0028_store-mismatch", |a| edit_sealed(a, "VSARD01", 1, "store=SLAB_A-DAILY", "store=SLAB_B-DAILY")),
        case("0029_unknown-group", |a| {
            edit_sealed(a, "VSARD03", 2, "group=VG_SLAB_A_BRCOM-DAILY", "group=VG_SLAB_A_BRCOM-WEEKLY");
            let v = edit_lines(&a["FULL"], |l| {
                for line in l.iter_mut().filter(|x| x.contains(" file=VSARD03 ")) {
                    *line = rep(line, "group=VG_SLAB_A_BRCOM-DAILY", "group=VG_SLAB_A_BRCOM-WEEKLY");
                }
            });
            a.insert("FULL".into(), v);
        }),
        case("0030_entry-mismatch", |a| {
            let v = edit_lines(&a["FULL"], |l| {
                for line in l.iter_mut().filter(|x| x.contains(" file=VSAD001 ")) {
                    let n = line.find(" diskfiles=").unwrap();
                    line.truncate(n);
                    line.push_str(" diskfiles=999");
                }
            });
            a.insert("FULL".into(), v);
        }),
        // An UPDATE written by the secondary (its node), on the primary's FULL.
        case("0032_update-from-another-node", |a| {
            let full = String::from_utf8(crate::support::content(&a["FULL"]).to_vec()).unwrap();
            let id = full.lines().nth(1).unwrap().split(' ').find_map(|f| f.strip_prefix("id=")).unwrap().to_string();
            let update = a["FULL"].clone();
            let update = edit_lines(&update, |l| {
                l[0] = "CATSTAGE SUMMARY 1.0".to_string();
                l[1] = l[1]
                    .replacen(
                        &format!("id={id} type=FULL"),
                        &format!("id=2022-01-06_17:44:48 type=UPDATE base={id}"),
                        1,
                    )
                    .replacen("node=\\ETINIUM", "node=\\INSIDX", 1);
                l.retain(|x| !x.starts_with("entry "));
            });
            a.insert("UPDATE".into(), update);
        }),
        // Every volume removed by a FULL export: the summary lists none, the files remain
        // as orphans.
        case("0031_empty-export", |a| {
            let v = edit_lines(&a["FULL"], |l| l.retain(|x| !x.starts_with("entry ")));
            a.insert("FULL".into(), v);
        }),
        // A directory with a note in it and no summary or volume file: what a wrong path,
        // or a mount point with the wrong filesystem mounted, looks like.
        case("0091_not-a-staging-area", |a| {
            a.clear();
            a.insert("NOTES.txt".into(), b"the staging areas are in the sub-directories\n".to_vec());
        }),
        case("0201_duplicate-label", |a| {
            let v = edit_lines(&a["FULL"], |l| {
                let i = l.iter().position(|x| x.contains(" file=VSAD002 ")).unwrap();
                let dup = l[i].clone();
                l.insert(i + 1, dup);
            });
            a.insert("FULL".into(), v);
        }),
        case("0205_duplicate-diskfile", |a| {
            set_line(a, "VSAD001", |l| {
                let dup = l[5].clone();
                l.insert(6, dup);
            });
            let v = edit_lines(&a["FULL"], |l| {
                for line in l.iter_mut().filter(|x| x.contains(" file=VSAD001 ")) {
                    let n = line.find(" diskfiles=").unwrap();
                    let count: u64 = line[n + 11..].parse().unwrap();
                    line.truncate(n);
                    line.push_str(&format!(" diskfiles={}", count + 1));
                }
            });
            a.insert("FULL".into(), v);
            rehash_entry(a, "FULL", "VSAD001");
        }),
    ];
    let mut nonreg = case("0027_not-a-regular-file", |_| {});
    nonreg.symlinks.push(("VSAD099", "VSAD001"));
    nonreg.dirs.push("OLD");
    cases.push(nonreg);
    cases.extend(import_cases());
    cases.sort_by_key(|c| c.name);
    cases
}

/// The secondary's own exports of its local backups (data store INSIDX-LOCAL): one volume,
/// LOC002, a copy of SAD002 whose text `edit` may change.
fn local_exports(edit: impl FnOnce(String) -> String) -> BTreeMap<String, Vec<u8>> {
    let mut other = mini();
    other.retain(|k, _| k == "FULL" || k == "VSAD002");
    let v = String::from_utf8(other.remove("VSAD002").unwrap())
        .unwrap()
        .replace("SAD002", "LOC002")
        .replace("SAD001", "LOC001");
    other.insert("VLOC002".into(), reseal(edit(v).as_bytes()));
    let full = edit_lines(&other["FULL"], |l| {
        l.retain(|x| !x.starts_with("entry ") || x.contains(" file=VSAD002 "));
        for x in l.iter_mut() {
            *x = x.replace("SAD002", "LOC002").replace("store=SLAB_A-DAILY", "store=INSIDX-LOCAL");
        }
    });
    other.insert("FULL".into(), full);
    rehash_entry(&mut other, "FULL", "VLOC002");
    other
}

/// Cases of the pre-import checks: the mini area with a configuration, other areas or
/// label lists.
fn import_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut c = configured("0202_label-not-unique", |_| {});
    c.against = Some(mini());
    cases.push(c);
    let mut c = configured("0202_label-not-unique-list", |_| {});
    c.labels = Some("# labels of \\INSIDX's own MEDIACOM catalog\nLOC001\nsad002   # lower case is read as upper\n\nSARD03\nNOT-A-LABEL\n".into());
    cases.push(c);
    let mut c = configured("0203_duplicate-tapefile", |_| {});
    let v = String::from_utf8(c.files["VSARD01"].clone()).unwrap().replace("SLABA-BRCOM-DAILY", "SLABA-BAK11-DAILY");
    c.files.insert("VSARD01".into(), reseal(v.as_bytes()));
    rehash_entry(&mut c.files, "FULL", "VSARD01");
    cases.push(c);
    let mut c =
        configured("0204_fileid-collision", |t| edit(t, "allow_shared_catalog = false", "allow_shared_catalog = true"));
    // The secondary's own exports of its local backups: other labels, one tape file in common.
    c.against = Some(local_exports(|v| v));
    cases.push(c);
    let mut c =
        configured("0206_fileid-shared", |t| edit(t, "allow_shared_catalog = false", "allow_shared_catalog = true"));
    // The same FILEID at another generation: no tape file key in common.
    c.against = Some(local_exports(|v| v.replace(" gen=18 ", " gen=17 ")));
    cases.push(c);
    cases.push(configured("0301_store-not-secondary", |t| edit(t, "access = \"SECONDARY\"", "access = \"PRIMARY\"")));
    cases.push(configured("0302_store-id-mismatch", |t| {
        edit(t, "primary_id = \"SLAB_A-DAILY\"", "primary_id = \"SLAB_A DAILY\"")
    }));
    cases.push(configured("0303_group-not-configured", |t| {
        let i = t.rfind("[[group]]").unwrap();
        t.truncate(i);
    }));
    cases.push(configured("0304_secondary-catalog-unsupported", |t| {
        let i = t.rfind("catalog = \"DSMTC\"").unwrap();
        t.replace_range(i..i + 17, "catalog = \"TMF\"");
    }));
    let mut c = configured("0305_catalog-type-incoherent", |_| {});
    let full = edit_lines(&c.files["FULL"], |l| {
        for x in l.iter_mut().filter(|x| x.starts_with("group id=VG_SLAB_A_BRCOM-DAILY ")) {
            *x = "group id=VG_SLAB_A_BRCOM-DAILY catalog=TMF keymanager=ESKM1".into();
        }
    });
    c.files.insert("FULL".into(), full);
    cases.push(c);
    cases.push(configured("0306_secondary-group-incomplete", |t| edit(t, "filecat = \"\\\\INSIDX.QCFILCAT\"\n", "")));
    cases.push(configured("0307_catalog-name-collision", |t| {
        edit(t, "volcat = \"\\\\INSIDX.QCVOLCAT\"", "volcat = \"\\\\ETINIUM.SLABVC\"")
    }));
    cases.push(configured("0308_shared-local-catalog", |t| {
        edit(t, "volcat = \"\\\\INSIDX.QCVOLCAT\"", "volcat = \"\\\\INSIDX.LOCALVC\"")
    }));
    cases.push(configured("0308_shared-local-catalog-mediadefs", |t| {
        edit(
            t,
            "mediadefs_filecat = \"\\\\INSIDX.LOCALFC\"",
            "mediadefs_filecat = \"\\\\INSIDX.LOCALFC\"\nmediadefs_volcat = \"\\\\INSIDX.QCVOLCAT\"",
        )
    }));
    cases.push(configured("0309_replacement-into-default-filecat", |t| {
        // The default FILECAT is a local catalog (CS308) unless the import may share it.
        edit(t, "allow_shared_catalog = false", "allow_shared_catalog = true");
        edit(t, "filecat = \"\\\\INSIDX.QCFILCAT\"", "filecat = \"\\\\INSIDX.LOCALFC\"");
    }));
    cases.push(configured("0310_same-ssl", |t| {
        edit(t, "ssl = [\"\\\\INSIDX\"]", "ssl = [\"\\\\INSIDX\", \"\\\\ETINIUM\"]")
    }));
    cases.push(configured("0311_unknown-diskfile-node", |t| {
        edit(t, "node_replacement = [[\"\\\\ETINIUM\", \"\\\\INSIDX\"]]", "node_replacement = []")
    }));
    cases.push(configured("0312_key-manager-missing", |t| {
        // The secondary has ESKM2 only, and its groups name it (else CS321).
        edit(t, "key_managers = [\"ESKM1\"]", "key_managers = [\"ESKM2\"]");
        *t = t.replace("key_manager = \"ESKM1\"", "key_manager = \"ESKM2\"");
    }));
    cases.push(configured("0313_transaction-size-out-of-range", |t| {
        edit(t, "max_diskfiles_per_transaction = 20000", "max_diskfiles_per_transaction = 200_000_000")
    }));
    cases.push(configured("0314_invalid-node-replacement", |t| {
        edit(
            t,
            "node_replacement = [[\"\\\\ETINIUM\", \"\\\\INSIDX\"]]",
            "node_replacement = [\n  [\"\\\\ETINIUM\", \"\\\\INSIDX\"],\n  [\"\\\\INSIDX\", \"\\\\BACKUP\"],\n  [\"\\\\ETINIUM\", \"\\\\OTHER\"],\n  [\"ETINIUM\", \"\\\\X\"],\n  [\"\\\\SOLO\"],\n]",
        )
    }));
    cases.push(configured("0315_config-error-syntax", |t| edit(t, "same_node_name = false", "same_node_name = flase")));
    cases.push(configured("0315_config-error-keys", |t| {
        edit(t, "allow_shared_catalog = false", "allow_shared_catalogue = false");
        edit(t, "catalogfiles = true", "catalogfiles = \"yes\"");
        edit(t, "key_manager = \"ESKM1\"", "key_manager = \"ESKM1\"\nretention_days = 35");
        edit(t, "known_nodes = [\"\\\\INSIDX\"]", "known_nodes = [\"INSIDX\"]");
    }));
    cases.push(configured("0319_same-node-name-contradicted", |t| {
        // The claim on two linked systems of different names, to write to the primary's VOLCAT.
        edit(t, "same_node_name = false", "same_node_name = true");
        edit(t, "ssl = [\"\\\\INSIDX\"]", "ssl = [\"\\\\INSIDX\", \"\\\\ETINIUM\"]");
        edit(t, "volcat = \"\\\\INSIDX.QCVOLCAT\"", "volcat = \"\\\\ETINIUM.SLABVC\"");
    }));
    cases.push(configured("0320_catalog-not-on-secondary", |t| {
        // One group's FILECAT on the primary's node, the other's on a node nobody knows.
        edit(t, "filecat = \"\\\\INSIDX.QCFILCAT\"", "filecat = \"\\\\ETINIUM.QCFILCAT\"");
        edit(t, "filecat = \"\\\\INSIDX.QCFILCAT\"", "filecat = \"\\\\ELSEWHR.QCFILCAT\"");
    }));
    cases.push(configured("0321_group-key-manager-unknown", |t| {
        edit(t, "key_manager = \"ESKM1\"", "key_manager = \"ESKM9\"")
    }));
    cases.push(configured("0325_store-deactivated", |t| {
        edit(t, "access = \"SECONDARY\"", "access = \"SECONDARY\"\nactive = false");
    }));
    cases.push(configured("0326_import-during-expiration", |t| {
        edit(t, "same_node_name = false", "same_node_name = false\nwindow = [\"23:30\", \"02:30\"]");
        edit(t, "known_nodes = [\"\\\\INSIDX\"]", "known_nodes = [\"\\\\INSIDX\"]\nautoexpire_time = \"01:00\"");
    }));
    let mut c = configured("0316_catalogfiles-mismatch", |_| {});
    without_diskfiles(&mut c.files);
    cases.push(c);
    // The vendor's schedule: the monthly FULL export without DISKFILEs, then a daily
    // UPDATE export with them (of SAD002): validate assumes an UPDATE import.
    let mut c = configured("0316_catalogfiles-mismatch-update", |_| {});
    without_diskfiles(&mut c.files);
    let base = mini();
    let v = edit_lines(&base["VSAD002"], |l| l[1] = rep(&l[1], "id=2022-01-05_17:44:48", "id=2022-01-06_01:44:48"));
    c.files.insert("VSAD002".into(), v);
    let full = lines(content(&base["FULL"]));
    let entry = full.iter().find(|l| l.contains(" file=VSAD002 ")).unwrap();
    let update = vec![
        "CATSTAGE SUMMARY 1.0".to_string(),
        rep(
            &rep(
                &full[1],
                "id=2022-01-05_17:44:48 type=FULL",
                "id=2022-01-06_01:44:48 type=UPDATE base=2022-01-05_17:44:48",
            ),
            "created=2022-01-05T17:44:48-05:00",
            "created=2022-01-06T01:44:48-05:00",
        ),
        full[2].clone(),
        full[3].clone(),
        rep(entry, "export=2022-01-05_17:44:48", "export=2022-01-06_01:44:48"),
    ];
    c.files.insert("UPDATE".into(), reseal(&unlines(&update)));
    rehash_entry(&mut c.files, "UPDATE", "VSAD002");
    cases.push(c);
    cases.push(configured("0317_catalog-entries-dropped", |t| {
        let i = t.rfind("catalog = \"DSMTC\"").unwrap();
        t.replace_range(i..i + 17, "catalog = \"NONE\"");
    }));
    cases
}
