//! The header sweep (formats/package.md §2.1, §2.4): no signature covers the tar headers,
//! so each must admit exactly the bytes catstage writes. In a signed package, every
//! header field of every member is set to each other spelling or value a ustar reader
//! would take (the checksum made right again), and every byte of every header is
//! flipped: each must make [`verify`] with the trusted key refuse the package. The
//! counts are printed with `eprintln!` (`-- --nocapture` shows them).

use super::tarball::{compress, decompress, set_checksum};
use super::{json, s};
use crate::support::{code, run, stderr, stdout};
use catstage::package::{VerifyOptions, read_public_key, verify};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// A signed package of a small area, its archive, and the key file that signed it.
struct Signed {
    dir: tempfile::TempDir,
    archive: Vec<u8>,
    public: PathBuf,
}

fn signed_package() -> Signed {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let area = d.join("area");
    let o =
        run(&["generate", "-o", s(&area), "--volumes", "2", "--groups", "1", "--tapefiles", "1", "--diskfiles", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let key = d.join("site.key");
    std::fs::write(&key, format!("secretkey alg=ed25519 seed={}\n", "11".repeat(32))).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let pkg = d.join("p.tar.zst");
    let o = run(&["pack", s(&area), "-o", s(&pkg), "--sign", s(&key), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let public = d.join("site.pub");
    let key_hex = json(&o)["signed_by"].as_str().unwrap().to_string();
    std::fs::write(&public, format!("publickey alg=ed25519 key={key_hex}\n")).unwrap();
    let archive = decompress(&std::fs::read(&pkg).unwrap());
    Signed { dir, archive, public }
}

/// Where each member's header starts, and its name.
fn headers(archive: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    while archive[at..at + 512].iter().any(|&b| b != 0) {
        let h = &archive[at..at + 512];
        let name = String::from_utf8_lossy(&h[..h.iter().position(|&b| b == 0).unwrap()]).into_owned();
        let size = u64::from_str_radix(std::str::from_utf8(&h[124..135]).unwrap(), 8).unwrap() as usize;
        out.push((at, name));
        at += 512 + size.div_ceil(512) * 512;
    }
    out
}

/// Other spellings and values of the numeric field `field` (of `n` bytes), as ustar
/// readers (catstage's before, GNU tar, libarchive, the `tar` crate) accept them.
fn numeric_alternatives(field: &[u8], what: &str) -> Vec<Vec<u8>> {
    let n = field.len();
    let v = u64::from_str_radix(std::str::from_utf8(&field[..n - 1]).unwrap(), 8).unwrap();
    let mut out = vec![
        format!("{v:>w$o}\0", w = n - 1).into_bytes(),
        format!("{v:0w$o} ", w = n - 1).into_bytes(),
        format!("{v:0w$o}\0\0", w = n - 2).into_bytes(),
        format!("{v:0w$o} \0", w = n - 2).into_bytes(),
        format!(" {v:0w$o}\0", w = n - 2).into_bytes(),
        format!("{v:0w$o}", w = n).into_bytes(),
        vec![0; n],
    ];
    let mut base256 = vec![0u8; n];
    base256[0] = 0x80;
    base256[n - 8..].copy_from_slice(&v.to_be_bytes());
    out.push(base256);
    let others: &[u64] = match what {
        "mode" => &[0o755, 0o600, 0o4644, 0o2644, 0o1644, 0o100644],
        "uid" | "gid" => &[1234, 1],
        "devmajor" | "devminor" => &[1],
        _ => &[],
    };
    out.extend(others.iter().map(|o| format!("{o:0w$o}\0", w = n - 1).into_bytes()));
    if matches!(what, "mtime" | "size") {
        out.extend([v + 1, v.saturating_sub(1)].map(|o| format!("{o:0w$o}\0", w = n - 1).into_bytes()));
    }
    out.retain(|o| o.len() == n && o != field);
    out
}

/// One changed archive: what was done, and the bytes.
struct Case {
    what: String,
    archive: Vec<u8>,
}

fn with_field(archive: &[u8], header: usize, at: usize, bytes: &[u8], fix_checksum: bool) -> Vec<u8> {
    let mut a = archive.to_vec();
    let h: &mut [u8; 512] = (&mut a[header..header + 512]).try_into().unwrap();
    h[at..at + bytes.len()].copy_from_slice(bytes);
    if fix_checksum {
        set_checksum(h);
    }
    a
}

const NUMERIC: [(&str, usize, usize); 7] = [
    ("mode", 100, 8),
    ("uid", 108, 8),
    ("gid", 116, 8),
    ("size", 124, 12),
    ("mtime", 136, 12),
    ("devmajor", 329, 8),
    ("devminor", 337, 8),
];

fn spelling_cases(archive: &[u8]) -> Vec<Case> {
    let mut out = Vec::new();
    for (header, name) in headers(archive) {
        let h = &archive[header..header + 512];
        let mut push = |what: String, at: usize, bytes: &[u8], fix: bool| {
            out.push(Case { what: format!("{name}: {what}"), archive: with_field(archive, header, at, bytes, fix) });
        };
        for (what, at, n) in NUMERIC {
            for alt in numeric_alternatives(&h[at..at + n], what) {
                push(format!("{what} {:?}", alt.escape_ascii().to_string()), at, &alt, true);
            }
        }
        // The checksum, right in value, in the other spellings readers accept.
        let mut plain = [0u8; 512];
        plain.copy_from_slice(h);
        plain[148..156].fill(b' ');
        let sum: u64 = plain.iter().map(|&b| u64::from(b)).sum();
        for alt in [
            format!("{sum:07o}\0"),
            format!("{sum:06o}\0 "),
            format!("{sum:06o} \0"),
            format!("{sum:>6o}  "),
            format!("{sum:>7o}\0"),
            format!("{sum:08o}"),
        ] {
            push(format!("chksum {:?}", alt.as_bytes().escape_ascii().to_string()), 148, alt.as_bytes(), false);
        }
        let name_end = h.iter().position(|&b| b == 0).unwrap();
        push("bytes after the name's NUL".into(), name_end + 1, b"x", true);
        for (what, at) in [("linkname", 157), ("uname", 265), ("gname", 297), ("prefix", 345), ("unused bytes", 500)] {
            for text in [&b"root"[..], b"/etc/passwd", b" "] {
                push(format!("{what} {:?}", String::from_utf8_lossy(text)), at, text, true);
            }
        }
        for flag in [0u8, b'1', b'2', b'5', b'7', b'x', b'g', b'L'] {
            push(format!("typeflag {flag:#04x}"), 156, &[flag], true);
        }
        push("GNU magic".into(), 257, b"ustar  \0", true);
        push("version \"0\\0\"".into(), 263, b"0\0", true);
    }
    out
}

fn flip_cases(archive: &[u8]) -> Vec<Case> {
    let mut out = Vec::new();
    for (header, name) in headers(archive) {
        for at in 0..512 {
            for mask in [0x01u8, 0x80] {
                let flipped = [archive[header + at] ^ mask];
                let fix = !(148..156).contains(&at);
                out.push(Case {
                    what: format!("{name}: byte {at} ^ {mask:#04x}"),
                    archive: with_field(archive, header, at, &flipped, fix),
                });
            }
        }
    }
    out
}

/// Runs every case through `verify` with the trusted key: the ones it does not refuse.
fn not_refused(dir: &Path, public: &Path, cases: &[Case]) -> Vec<String> {
    let trusted = vec![read_public_key(public).unwrap()];
    let opts = VerifyOptions { trusted, ..VerifyOptions::default() };
    cases
        .par_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let path = dir.join(format!("case-{i}.tar.zst"));
            std::fs::write(&path, compress(&c.archive)).unwrap();
            let r = verify(&path, "p.tar.zst", &opts, None);
            std::fs::remove_file(&path).unwrap();
            match r {
                Ok(report) if report.ok() => Some(format!("{}: verify found it good", c.what)),
                Ok(_) => None,
                Err(e) => Some(format!("{}: verify could not run: {e}", c.what)),
            }
        })
        .collect()
}

fn sweep(name: &str, make: fn(&[u8]) -> Vec<Case>) {
    let p = signed_package();
    let good = p.dir.path().join("good.tar.zst");
    std::fs::write(&good, compress(&p.archive)).unwrap();
    let o = run(&["verify", s(&good), "--trusted-key", s(&p.public)]);
    assert_eq!(code(&o), 0, "the unchanged archive, recompressed: {}", stdout(&o));
    let cases = make(&p.archive);
    let wrong = not_refused(p.dir.path(), &p.public, &cases);
    eprintln!(
        "header sweep ({name}): {} cases over the {} headers of a signed package: {} refused",
        cases.len(),
        headers(&p.archive).len(),
        cases.len() - wrong.len()
    );
    assert!(wrong.is_empty(), "{} of {} not refused:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

#[test]
fn every_other_spelling_of_every_header_field_of_a_signed_package_is_refused() {
    sweep("spellings", spelling_cases);
}

#[test]
fn every_byte_of_every_header_of_a_signed_package_flipped_is_refused() {
    sweep("flips", flip_cases);
}

/// Verifies `archive` with the package's trusted key, as an operator would.
fn verify_cli(p: &Signed, archive: &[u8]) -> (i32, String) {
    let path = p.dir.path().join("changed.tar.zst");
    std::fs::write(&path, compress(archive)).unwrap();
    let o = run(&["verify", s(&path), "--trusted-key", s(&p.public)]);
    (code(&o), stdout(&o))
}

#[test]
fn signed_package_with_altered_uid_is_refused() {
    let p = signed_package();
    let (at, _) = headers(&p.archive).into_iter().find(|(_, n)| n == "FULL").unwrap();
    let (status, out) = verify_cli(&p, &with_field(&p.archive, at, 108, b"0002322\0", true));
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("error[CS404]: member \"FULL\": the header at byte")
            && out.contains("has the uid field \"0002322\\x00\"; catstage writes \"0000000\\x00\""),
        "{out}"
    );
    assert!(out.trim_end().ends_with("do not unpack it"), "{out}");
}

#[test]
fn signed_package_with_altered_mode_owner_names_or_link_is_refused() {
    let p = signed_package();
    let (at, _) = headers(&p.archive).into_iter().find(|(_, n)| n == "FULL").unwrap();
    for (field, offset, bytes, code) in [
        ("mode", 100, &b"0000755\0"[..], "CS404"),
        ("mode", 100, b"0004755\0", "CS410"),
        ("uname", 265, b"root", "CS404"),
        ("gname", 297, b"wheel", "CS404"),
        ("linkname", 157, b"/etc/passwd", "CS404"),
        ("devmajor", 329, b"\0\0\0\0\0\0\0\0", "CS404"),
    ] {
        let (status, out) = verify_cli(&p, &with_field(&p.archive, at, offset, bytes, true));
        assert_eq!(status, 1, "{field}: {out}");
        assert!(out.contains(&format!("error[{code}]: member \"FULL\"")), "{field}: {out}");
    }
}

#[test]
fn signed_package_with_altered_manifest_or_signature_mtime_is_refused() {
    let p = signed_package();
    for (at, name) in headers(&p.archive).into_iter().take(2) {
        let (status, out) = verify_cli(&p, &with_field(&p.archive, at, 136, b"00000000001\0", true));
        assert_eq!(status, 1, "{name}: {out}");
        assert!(
            out.contains(&format!(
                "error[CS418]: {name}'s header says it was modified at 1 s; catstage writes the newest file time"
            )),
            "{name}: {out}"
        );
    }
}
