//! The conformance kit, `fixtures/conformance/` (formats/README.md §9): staging areas and
//! packages, each with the verdict the formats give it — `accept`, or `refuse` and the
//! file and code to report — for another implementation to test itself against. This
//! module holds the recipes, checks that the committed kit is what they make
//! (`CATSTAGE_BLESS=1` rewrites it), and runs catstage against every case.

use crate::package::bomb::{HUGE, Part, frame, zeros_member};
use crate::package::tarball::{Member, compress, decompress, members, package, set_checksum};
use crate::support::cases::{self, edit_sealed, mini, rep, set_line};
use crate::support::{code, edit_lines, read_area, rehash_entry, root, run, stdout, write_area};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Files = BTreeMap<String, Vec<u8>>;

/// A case's verdict: accepted, or refused with every one of these codes against these
/// files (`-`: the package itself).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    Accept,
    Refuse(Vec<(String, String)>),
}

impl Verdict {
    fn text(&self) -> String {
        match self {
            Verdict::Accept => "accept\n".to_string(),
            Verdict::Refuse(errors) => {
                let mut out = "refuse\n".to_string();
                for (file, code) in errors {
                    out.push_str(&format!("{file} {code}\n"));
                }
                out
            }
        }
    }

    fn parse(text: &str) -> Verdict {
        let mut lines = text.lines();
        match lines.next() {
            Some("accept") => Verdict::Accept,
            Some("refuse") => {
                let errors: Vec<(String, String)> = lines
                    .map(|l| {
                        let (file, code) = l.split_once(' ').unwrap();
                        (file.to_string(), code.to_string())
                    })
                    .collect();
                assert!(!errors.is_empty(), "a refusal names at least one file and code");
                Verdict::Refuse(errors)
            }
            other => panic!("an expected file starts with accept or refuse, not {other:?}"),
        }
    }
}

fn refuse(file: &str, code: &str) -> Verdict {
    refuse_all(&[(file, code)])
}

/// Refused with every one of `errors`: a reader that stops at the first misses the others.
fn refuse_all(errors: &[(&str, &str)]) -> Verdict {
    Verdict::Refuse(errors.iter().map(|(f, c)| (f.to_string(), c.to_string())).collect())
}

fn kit() -> PathBuf {
    root().join("fixtures/conformance")
}

// ---------------------------------------------------------------------------------------
// Staging areas

fn area(f: impl FnOnce(&mut Files)) -> Files {
    let mut a = mini();
    f(&mut a);
    a
}

/// The decisions of formats/README.md §2–§7 that a second implementation must share.
fn staging_decisions() -> Vec<(&'static str, Files, Verdict)> {
    let v1 = "VSAD001";
    vec![
        (
            "unloaded-at-another-offset",
            area(|a| {
                let full = edit_lines(&a["FULL"], |l| {
                    let i = l.iter().position(|x| x.contains(" file=VSAD001 ")).unwrap();
                    l[i] = rep(&l[i], "unloaded=2021-12-30T22:37:56-05:00", "unloaded=2021-12-31T03:37:56+00:00");
                });
                a.insert("FULL".into(), full);
            }),
            Verdict::Accept,
        ),
        ("unknown-keys-in-version-1-0", area(|a| set_line(a, v1, |l| l[2].push_str(" site=DR"))), Verdict::Accept),
        (
            "c1-control-and-u-feff-in-a-quoted-value",
            area(|a| edit_sealed(a, v1, 2, "comment=\"first", "comment=\"\u{85}\u{feff}first")),
            Verdict::Accept,
        ),
        (
            "comment-of-255-decoded-bytes",
            area(|a| {
                let comment = format!("comment=\"{} {}\"", "\\\\".repeat(100), "x".repeat(154));
                set_line(a, v1, |l| {
                    let at = l[2].find("comment=").unwrap();
                    l[2].truncate(at);
                    l[2].push_str(&comment);
                })
            }),
            Verdict::Accept,
        ),
        (
            "offset-of-minus-23-59",
            area(|a| edit_sealed(a, v1, 2, "written=2021-12-30T22:15:02-05:00", "written=2021-12-30T22:15:02-23:59")),
            Verdict::Accept,
        ),
        (
            "media-volcat-pool-on-a-tmf-group",
            area(|a| {
                let full = edit_lines(&a["FULL"], |l| l[3] = rep(&l[3], "catalog=DSMTC", "catalog=TMF"));
                a.insert("FULL".into(), full);
            }),
            Verdict::Accept,
        ),
        (
            "tapevolume-pool-other-than-its-groups",
            area(|a| edit_sealed(a, v1, 3, "pool=SLAB_A_DAILY", "pool=ELSEWHERE")),
            Verdict::Accept,
        ),
        (
            "diskfile-node-other-than-the-export-node",
            area(|a| {
                set_line(a, v1, |l| l.iter_mut().for_each(|x| *x = x.replace("name=\\ETINIUM.", "name=\\OTHER.")))
            }),
            Verdict::Accept,
        ),
        (
            "expires-before-created",
            area(|a| edit_sealed(a, v1, 4, "expires=2022-02-03T22:15:02-05:00", "expires=2020-02-03T22:15:02-05:00")),
            Verdict::Accept,
        ),
        (
            "nodemap-old-equals-new",
            area(|a| {
                let full = edit_lines(&a["FULL"], |l| {
                    l.insert(4, "nodemap old=\\ETINIUM new=\\ETINIUM diskfiles=0 volumes=0".into())
                });
                a.insert("FULL".into(), full);
            }),
            Verdict::Accept,
        ),
        (
            "tab-between-fields",
            area(|a| edit_sealed(a, v1, 2, " status=ACTIVE", "\tstatus=ACTIVE")),
            refuse(v1, "CS011"),
        ),
        ("empty-line", area(|a| set_line(a, v1, |l| l.insert(3, String::new()))), refuse(v1, "CS001")),
        (
            "upper-case-yes",
            area(|a| edit_sealed(a, v1, 1, "catalogfiles=yes", "catalogfiles=YES")),
            refuse(v1, "CS011"),
        ),
        ("lower-case-media", area(|a| edit_sealed(a, v1, 3, "media=CART3480", "media=cart3480")), refuse(v1, "CS011")),
        (
            "cr-lf-on-the-end-line",
            area(|a| {
                let mut v = a[v1].clone();
                v.insert(v.len() - 1, b'\r');
                a.insert(v1.into(), v);
                rehash_entry(a, "FULL", v1);
            }),
            refuse(v1, "CS011"),
        ),
        (
            "tape-file-key-twice-in-a-volume",
            area(|a| set_line(a, v1, |l| l.insert(5, l[4].clone()))),
            refuse(v1, "CS007"),
        ),
        (
            "tape-file-key-twice-with-one-section",
            area(|a| edit_sealed(a, "VSAD002", 4, "section=2", "section=1")),
            refuse("VSAD002", "CS203"),
        ),
        (
            "lower-case-diskfile-name",
            area(|a| edit_sealed(a, v1, 5, "name=\\ETINIUM.$AUDIT.FINANCE.", "name=\\ETINIUM.$AUDIT.finance.")),
            refuse(v1, "CS011"),
        ),
        (
            "comment-of-256-decoded-bytes",
            area(|a| {
                let comment = format!("comment=\"{} {}\"", "\\\\".repeat(100), "x".repeat(155));
                set_line(a, v1, |l| {
                    let at = l[2].find("comment=").unwrap();
                    l[2].truncate(at);
                    l[2].push_str(&comment);
                })
            }),
            refuse(v1, "CS008"),
        ),
        (
            "offset-of-24-hours",
            area(|a| edit_sealed(a, v1, 2, "written=2021-12-30T22:15:02-05:00", "written=2021-12-30T22:15:02-24:00")),
            refuse(v1, "CS008"),
        ),
        (
            "unloaded-another-instant",
            area(|a| edit_sealed(a, v1, 2, "unloaded=2021-12-30T22:37:56-05:00", "unloaded=2021-12-30T22:37:57-05:00")),
            refuse(v1, "CS030"),
        ),
        (
            "catalogfiles-other-than-the-export",
            area(|a| {
                set_line(a, v1, |l| {
                    l[1] = rep(&l[1], "catalogfiles=yes", "catalogfiles=no");
                    l.retain(|x| !x.starts_with("diskfile "));
                });
                let full = edit_lines(&a["FULL"], |l| {
                    let i = l.iter().position(|x| x.contains(" file=VSAD001 ")).unwrap();
                    let n = l[i].find(" diskfiles=").unwrap();
                    l[i].truncate(n);
                    l[i].push_str(" diskfiles=0");
                });
                a.insert("FULL".into(), full);
                rehash_entry(a, "FULL", v1);
            }),
            refuse(v1, "CS030"),
        ),
        (
            "full-export-record-refused",
            area(|a| edit_sealed(a, "FULL", 1, "catalogfiles=yes", "catalogfiles=maybe")),
            refuse("FULL", "CS008"),
        ),
        (
            "entry-refused-leaves-an-orphan",
            area(|a| {
                let full = edit_lines(&a["FULL"], |l| {
                    let i = l.iter().position(|x| x.contains(" file=VSAD001 ")).unwrap();
                    l[i] = rep(&l[i], "tapefiles=1", "tapefiles=one");
                });
                a.insert("FULL".into(), full);
            }),
            refuse("FULL", "CS008"),
        ),
        // formats/README.md §2.5: every refused value of a record is reported, not only the
        // first.
        (
            "two-values-refused-on-one-line",
            area(|a| {
                edit_sealed(a, v1, 2, " status=ACTIVE ", " status=\"ACTIVE\" ");
                edit_sealed(a, v1, 2, " size=18000000000 ", " size=18e9 ");
            }),
            refuse_all(&[(v1, "CS011"), (v1, "CS008")]),
        ),
        // §2.5: every key missing and every key repeated; the values of such a record are
        // not decoded.
        (
            "key-missing-and-key-repeated",
            area(|a| {
                edit_sealed(a, v1, 2, " status=ACTIVE ", " ");
                edit_sealed(a, v1, 2, " owner=SUPER.BACKUP ", " owner=SUPER.BACKUP owner=SUPER.OTHER ");
            }),
            refuse_all(&[(v1, "CS009"), (v1, "CS010")]),
        ),
        // §7 item 5: a volume file that is not the one its entry lists is that finding
        // (CS023); its other facts are not compared with the entry (no CS030 needed).
        (
            "damaged-file-with-another-unload-time",
            area(|a| unsealed(a, v1, "unloaded=2021-12-30T22:37:56-05:00", "unloaded=2021-12-30T22:37:57-05:00")),
            refuse_all(&[(v1, "CS023"), (v1, "CS004")]),
        ),
        // volume.md §5: a volume file with an error takes no part in the tape-file rule
        // (no CS203 needed; its damage is the report).
        (
            "damaged-file-with-a-tape-file-key-of-another",
            area(|a| unsealed(a, "VSAD002", "section=2", "section=1")),
            refuse_all(&[("VSAD002", "CS023"), ("VSAD002", "CS004")]),
        ),
    ]
}

/// `file` with `from` replaced by `to` and nothing sealed again: the END line and the
/// entry describe the file as it was.
fn unsealed(a: &mut Files, file: &str, from: &str, to: &str) {
    let text = String::from_utf8(a[file].clone()).unwrap();
    a.insert(file.into(), rep(&text, from, to).into_bytes());
}

/// The code a fixture under `fixtures/err/` is about, from its name (`0004_…`: CS004).
fn code_of(name: &str) -> String {
    format!("CS{}", &name[1..4])
}

/// Every staging case: the golden fixtures about the format (no configuration, no other
/// area, no label list), and the decisions above.
fn staging_cases() -> Vec<(String, &'static str, Files, Verdict)> {
    let mut out = Vec::new();
    for c in cases::ok_cases() {
        out.push((c.name.to_string(), "ok", c.files, Verdict::Accept));
    }
    for c in cases::err_cases() {
        let number: u16 = c.name[..4].parse().unwrap();
        let pure = c.config.is_none() && c.against.is_none() && c.labels.is_none();
        if number >= 300 || !pure || !c.symlinks.is_empty() || !c.dirs.is_empty() {
            continue;
        }
        let code = code_of(c.name);
        // The golden output names the file; a warning-only case is accepted.
        let doc: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("fixtures/err").join(c.name).join("expected.json")).unwrap(),
        )
        .unwrap();
        let first = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == code.as_str()).unwrap().clone();
        let verdict = if first["severity"] == "error" {
            refuse(first["file"].as_str().unwrap_or("-"), &code)
        } else {
            Verdict::Accept
        };
        let kind = if verdict == Verdict::Accept { "ok" } else { "err" };
        out.push((c.name.to_string(), kind, c.files, verdict));
    }
    for (name, files, verdict) in staging_decisions() {
        let kind = if verdict == Verdict::Accept { "ok" } else { "err" };
        out.push((name.to_string(), kind, files, verdict));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Packages

/// What a package case is made of.
struct PackageCase {
    name: &'static str,
    bytes: Vec<u8>,
    verdict: Verdict,
    /// The case requires a signature by the kit's key.
    trusted: bool,
}

const SEED: &str = "4b";

/// The kit's public key file.
fn public_key() -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(&[0x4b; 32]);
    let hex: String = key.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("publickey alg=ed25519 key={hex}\n")
}

/// The good packages of the mini area: full, signed, raw, and an incremental one.
fn packed(dir: &Path) -> BTreeMap<&'static str, Vec<u8>> {
    use std::os::unix::fs::PermissionsExt;
    let a = dir.join("area");
    write_area(&a, &mini());
    crate::package::set_mtimes(&a, 1_641_420_288);
    let key = dir.join("k.key");
    std::fs::write(&key, format!("secretkey alg=ed25519 seed={}\n", SEED.repeat(32))).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let mut out = BTreeMap::new();
    for (name, extra) in
        [("full", vec![]), ("signed", vec!["--sign".to_string(), s(&key)]), ("raw", vec!["--raw".into()])]
    {
        let p = dir.join(format!("{name}.tar.zst"));
        let args: Vec<String> = [vec!["pack".into(), s(&a), "-o".into(), s(&p)], extra].concat();
        let o = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code(&o), 0, "{}", stdout(&o));
        out.insert(name, std::fs::read(&p).unwrap());
    }
    // The next export rewrote one volume.
    let t = std::time::UNIX_EPOCH + std::time::Duration::new(1_641_500_000, 0);
    let v = edit_lines(&std::fs::read(a.join("VSAD002")).unwrap(), |l| l[2] = l[2].replace("size=", "size=1"));
    std::fs::write(a.join("VSAD002"), v).unwrap();
    std::fs::File::options().write(true).open(a.join("VSAD002")).unwrap().set_modified(t).unwrap();
    let mut files = read_area(&a);
    rehash_entry(&mut files, "FULL", "VSAD002");
    std::fs::write(a.join("FULL"), &files["FULL"]).unwrap();
    std::fs::File::options().write(true).open(a.join("FULL")).unwrap().set_modified(t).unwrap();
    let p = dir.join("inc.tar.zst");
    let o = run(&["pack", &s(&a), "-o", &s(&p), "--base", &s(&dir.join("full.tar.zst"))]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    out.insert("incremental", std::fs::read(&p).unwrap());
    out
}

/// `package`'s archive with member `name`'s header edited by `f` (its checksum made right
/// again unless `f` writes the checksum field).
fn header_edit(package: &[u8], name: &str, fix: bool, f: impl FnOnce(&mut [u8; 512])) -> Vec<u8> {
    let mut tar = decompress(package);
    let mut at = 0;
    loop {
        let h = &tar[at..at + 512];
        let size = u64::from_str_radix(std::str::from_utf8(&h[124..135]).unwrap(), 8).unwrap() as usize;
        if h.starts_with(name.as_bytes()) && h[name.len()] == 0 {
            break;
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    let h: &mut [u8; 512] = (&mut tar[at..at + 512]).try_into().unwrap();
    f(h);
    if fix {
        set_checksum(h);
    }
    compress(&tar)
}

fn edited(package_bytes: &[u8], f: impl FnOnce(&mut Vec<Member>)) -> Vec<u8> {
    let mut ms = members(&decompress(package_bytes));
    f(&mut ms);
    package(&ms)
}

fn package_cases(dir: &Path) -> Vec<PackageCase> {
    let good = packed(dir);
    let full = &good["full"];
    let signed = &good["signed"];
    let case = |name, bytes, verdict| PackageCase { name, bytes, verdict, trusted: false };
    let at = |ms: &[Member], n: &str| ms.iter().position(|m| m.name == n).unwrap();
    let mut out = vec![
        case("full", full.clone(), Verdict::Accept),
        PackageCase { name: "signed", bytes: signed.clone(), verdict: Verdict::Accept, trusted: true },
        case("raw", good["raw"].clone(), Verdict::Accept),
        case("incremental", good["incremental"].clone(), Verdict::Accept),
        case(
            "uid-changed",
            header_edit(full, "FULL", true, |h| h[108..116].copy_from_slice(b"0002322\0")),
            refuse("FULL", "CS404"),
        ),
        case(
            "mode-0755",
            header_edit(full, "FULL", true, |h| h[100..108].copy_from_slice(b"0000755\0")),
            refuse("FULL", "CS404"),
        ),
        case(
            "setuid",
            header_edit(full, "FULL", true, |h| h[100..108].copy_from_slice(b"0004644\0")),
            refuse("FULL", "CS410"),
        ),
        case(
            "uname-root",
            header_edit(full, "FULL", true, |h| h[265..269].copy_from_slice(b"root")),
            refuse("FULL", "CS404"),
        ),
        case(
            "checksum-nul-space",
            header_edit(full, "FULL", false, |h| {
                h[148..156].fill(b' ');
                let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
                h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
            }),
            refuse("-", "CS404"),
        ),
        case(
            "manifest-mtime-changed",
            header_edit(full, "catstage-manifest", true, |h| h[136..148].copy_from_slice(b"00000000001\0")),
            refuse("catstage-manifest", "CS418"),
        ),
        case(
            "member-mtime-changed",
            header_edit(full, "VSAD001", true, |h| h[136..148].copy_from_slice(b"00000000001\0")),
            refuse("VSAD001", "CS418"),
        ),
        case("unlisted-member", edited(full, |v| v.push(Member::file("VEVIL", b"x\n"))), refuse("VEVIL", "CS414")),
        case(
            "unlisted-member-declaring-8-gib",
            {
                let tar = decompress(full);
                let mut end = 0;
                while tar[end..end + 512].iter().any(|&b| b != 0) {
                    let size =
                        u64::from_str_radix(std::str::from_utf8(&tar[end + 124..end + 135]).unwrap(), 8).unwrap();
                    end += 512 + size.div_ceil(512) as usize * 512;
                }
                let mut b = compress(&tar[..end]);
                let mut parts: Vec<Part> = zeros_member("VBOMB", HUGE).into_iter().collect();
                parts.push(Part::Zeros(HUGE + 1));
                b.extend(frame(&parts));
                b
            },
            refuse("VBOMB", "CS414"),
        ),
        case("duplicate-member", edited(full, |v| v.insert(2, v[1].clone())), refuse("FULL", "CS409")),
        case("first-member-not-the-manifest", edited(full, |v| v.swap(0, 1)), refuse("FULL", "CS411")),
        case(
            "symbolic-link",
            edited(full, |v| {
                let i = at(v, "VSAD001");
                v[i] = Member { typeflag: b'2', linkname: "/etc/passwd".into(), ..Member::file("VSAD001", b"") };
            }),
            refuse("VSAD001", "CS407"),
        ),
        case(
            "pax-header",
            edited(full, |v| {
                let i = at(v, "VSAD001");
                v.insert(i, Member { typeflag: b'x', ..Member::file("VPAX", b"30 path=../../../etc/passwd\n") });
            }),
            refuse("VPAX", "CS408"),
        ),
        case("path-name", edited(full, |v| v.push(Member::file("../VEVIL", b"x\n"))), refuse("../VEVIL", "CS406")),
        case("missing-member", edited(full, |v| drop(v.remove(at(v, "VSAD002")))), refuse("VSAD002", "CS413")),
        case(
            "members-out-of-order",
            edited(full, |v| {
                let i = at(v, "VSAD001");
                v.swap(i, i + 1);
            }),
            refuse("VSAD001", "CS415"),
        ),
        case(
            "member-larger",
            edited(full, |v| {
                let i = at(v, "VSAD001");
                v[i].data.push(b'x');
            }),
            refuse("VSAD001", "CS416"),
        ),
        case(
            "member-changed",
            edited(full, |v| {
                let i = at(v, "VSAD001");
                v[i].data[40] ^= 1;
            }),
            refuse("VSAD001", "CS417"),
        ),
        case("manifest-damaged", edited(full, |v| v[0].data[60] ^= 1), refuse("catstage-manifest", "CS412")),
        case(
            "manifest-store-contradicts-full",
            edited(full, |v| {
                let text = String::from_utf8(v[0].data.clone()).unwrap().replacen("store=", "store=X", 1);
                v[0].data = crate::support::reseal(text.as_bytes());
            }),
            refuse("catstage-manifest", "CS412"),
        ),
        case(
            "signature-of-4097-bytes",
            edited(signed, |v| v[1].data = vec![b'x'; 4097]),
            refuse("catstage-signature", "CS419"),
        ),
        PackageCase {
            name: "signature-damaged",
            bytes: edited(signed, |v| {
                let last = v[1].data.len() - 2;
                v[1].data[last] = if v[1].data[last] == b'0' { b'1' } else { b'0' };
            }),
            verdict: refuse("catstage-signature", "CS421"),
            trusted: true,
        },
        PackageCase {
            name: "unsigned-but-a-key-required",
            bytes: full.clone(),
            verdict: refuse("-", "CS420"),
            trusted: true,
        },
        case(
            "skippable-frame",
            [&[0x5E, 0x2A, 0x4D, 0x18, 4, 0, 0, 0][..], b"hide", full].concat(),
            refuse("-", "CS403"),
        ),
        case("bytes-after-the-last-frame", [&full[..], b"junk"].concat(), refuse("-", "CS405")),
        case("truncated", full[..full.len() * 2 / 3].to_vec(), refuse("-", "CS401")),
        case("not-zstd", decompress(full), refuse("-", "CS402")),
        case(
            "data-after-the-archive",
            {
                let mut tar = decompress(full);
                tar.extend_from_slice(&Member::file("VEVIL", b"appended").header());
                compress(&tar)
            },
            refuse("-", "CS405"),
        ),
    ];
    out.sort_by_key(|c| c.name);
    out
}

// ---------------------------------------------------------------------------------------
// The kit on disk

/// Every file of the kit, by path under `fixtures/conformance/`.
fn expected_kit() -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (name, kind, files, verdict) in staging_cases() {
        let dir = PathBuf::from("staging").join(kind).join(&name);
        for (f, bytes) in files {
            out.insert(dir.join("area").join(f), bytes);
        }
        out.insert(dir.join("expected"), verdict.text().into_bytes());
    }
    let tmp = tempfile::tempdir().unwrap();
    for c in package_cases(tmp.path()) {
        let kind = if c.verdict == Verdict::Accept { "ok" } else { "err" };
        let dir = PathBuf::from("package").join(kind).join(c.name);
        out.insert(dir.join("package.tar.zst"), c.bytes);
        out.insert(dir.join("expected"), c.verdict.text().into_bytes());
        if c.trusted {
            out.insert(dir.join("trusted.pub"), public_key().into_bytes());
        }
    }
    out
}

#[test]
fn the_committed_kit_is_what_its_recipes_make() {
    crate::support::materialize(&kit(), &crate::support::file_recipe("", expected_kit()), &[]);
}

/// The case directories of `format`, with their verdicts.
fn committed_cases(format: &str) -> Vec<(PathBuf, Verdict)> {
    let mut out = Vec::new();
    for kind in ["ok", "err"] {
        let dir = kit().join(format).join(kind);
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        assert!(!names.is_empty(), "{} holds no cases", dir.display());
        for case in names {
            let verdict = Verdict::parse(&std::fs::read_to_string(case.join("expected")).unwrap());
            assert_eq!(kind == "ok", verdict == Verdict::Accept, "{}: an {kind} case", case.display());
            out.push((case, verdict));
        }
    }
    out
}

/// Whether catstage's output `doc` (exit status `status`) gives `verdict`.
fn agrees(status: i32, doc: &serde_json::Value, verdict: &Verdict, package_name: &str) -> Result<(), String> {
    let errors: Vec<(String, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            let file = d["file"].as_str().unwrap_or("-");
            let file = if file == package_name { "-" } else { file };
            (file.to_string(), d["code"].as_str().unwrap().to_string())
        })
        .collect();
    match verdict {
        Verdict::Accept if status == 0 && errors.is_empty() => Ok(()),
        // Refused as damage (1), or as not being a staging area at all (2).
        Verdict::Refuse(want)
            if (status == 1 || status == 2)
                && want.iter().all(|(file, code)| errors.iter().any(|(f, c)| f == file && c == code)) =>
        {
            Ok(())
        }
        _ => Err(format!("exit {status}, errors {errors:?}")),
    }
}

#[test]
fn catstage_validate_gives_every_staging_case_its_verdict() {
    let cases = committed_cases("staging");
    let mut wrong = Vec::new();
    for (case, verdict) in &cases {
        let o = run(&["validate", case.join("area").to_str().unwrap(), "--format", "json"]);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        if let Err(e) = agrees(code(&o), &doc, verdict, "") {
            wrong.push(format!("{}: expected {verdict:?}, {e}", case.display()));
        }
    }
    assert!(cases.len() > 40, "{} cases", cases.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn catstage_verify_gives_every_package_case_its_verdict() {
    let cases = committed_cases("package");
    let mut wrong = Vec::new();
    for (case, verdict) in &cases {
        let mut args = vec!["verify", "package.tar.zst", "--format", "json"];
        if case.join("trusted.pub").exists() {
            args.extend(["--trusted-key", "trusted.pub"]);
        }
        let o = crate::support::catstage().current_dir(case).args(&args).output().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        if let Err(e) = agrees(code(&o), &doc, verdict, "package.tar.zst") {
            wrong.push(format!("{}: expected {verdict:?}, {e}", case.display()));
        }
    }
    assert!(cases.len() > 30, "{} cases", cases.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
