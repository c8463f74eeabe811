//! The independent writer: from a manifest and the files, a package built with the `tar`,
//! `zstd` and `ed25519-dalek` crates by following formats/package.md alone — header bytes
//! (§2.1), member order (§2.2), the record padding, the zstd parameters (§1.1) and the
//! signature line (§5) — must be byte for byte the package `catstage pack` writes. If it
//! is not, the text does not say enough for a second implementation.

use super::tarball::{decompress, members, set_checksum};
use super::{s, set_mtimes};
use crate::support::{code, run, stderr};
use std::io::Write;
use std::path::Path;

/// Seconds since 1970 of a manifest time (`YYYY-MM-DDTHH:MM:SS+00:00`), by the civil
/// calendar (days from civil, after Howard Hinnant).
fn epoch_seconds(t: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().unwrap();
    assert_eq!(&t[19..], "+00:00", "{t}");
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

/// A value of `key=` in a manifest record.
fn value<'a>(line: &'a str, key: &str) -> &'a str {
    let at = line.find(&format!(" {key}=")).unwrap() + key.len() + 2;
    line[at..].split(' ').next().unwrap()
}

/// A header of §2.1 for a regular file.
fn header(name: &str, size: u64, mtime: i64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.as_mut_bytes()[..name.len()].copy_from_slice(name.as_bytes());
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_size(size);
    h.set_mtime(mtime.clamp(0, 0o777_7777_7777) as u64);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_device_major(0).unwrap();
    h.set_device_minor(0).unwrap();
    set_checksum(h.as_mut_bytes());
    h
}

/// The package of `manifest` over the files of `area`, signed with `seed` if given.
fn independent_package(manifest: &[u8], area: &Path, seed: Option<[u8; 32]>) -> Vec<u8> {
    let text = std::str::from_utf8(manifest).unwrap();
    let files: Vec<&str> = text.lines().filter(|l| l.starts_with("file ")).collect();
    let newest = files.iter().map(|l| epoch_seconds(value(l, "mtime"))).max().unwrap_or(0);
    let mut b = tar::Builder::new(Vec::new());
    b.append(&header("catstage-manifest", manifest.len() as u64, newest), manifest).unwrap();
    if let Some(seed) = seed {
        use ed25519_dalek::Signer;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let line = format!(
            "signature alg=ed25519 key={} value={}\n",
            hex(key.verifying_key().as_bytes()),
            hex(&key.sign(manifest).to_bytes())
        );
        b.append(&header("catstage-signature", line.len() as u64, newest), line.as_bytes()).unwrap();
    }
    // The manifest lists files ascending by name; the packed ones are the members.
    for l in files.iter().filter(|l| value(l, "packed") == "yes") {
        let name = value(l, "name");
        let data = std::fs::read(area.join(name)).unwrap();
        assert_eq!(data.len().to_string(), value(l, "size"));
        b.append(&header(name, data.len() as u64, epoch_seconds(value(l, "mtime"))), &data[..]).unwrap();
    }
    // `into_inner` finishes the archive: the end-of-archive marker, two zero blocks.
    let mut archive = b.into_inner().unwrap();
    archive.resize(archive.len().div_ceil(10_240) * 10_240, 0);
    let mut z = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    z.include_checksum(true).unwrap();
    z.include_dictid(false).unwrap();
    z.multithread(1).unwrap();
    // Any cutting of the input gives the same frame.
    for piece in archive.chunks(7_777) {
        z.write_all(piece).unwrap();
    }
    z.finish().unwrap()
}

fn pack_and_rebuild(signed: bool) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let area = d.join("area");
    let o = run(&["generate", "-o", s(&area), "--volumes", "40", "--diskfiles", "300", "--seed", "5"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    set_mtimes(&area, 1_641_420_288);
    let pkg = d.join("p.tar.zst");
    let mut args = vec!["pack", s(&area), "-o", s(&pkg), "--threads", "2"];
    let key = d.join("k.key");
    let seed = [0x5a; 32];
    if signed {
        std::fs::write(&key, format!("secretkey alg=ed25519 seed={}\n", "5a".repeat(32))).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        args.extend(["--sign", s(&key)]);
    }
    let o = run(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let catstage = std::fs::read(&pkg).unwrap();
    let manifest = members(&decompress(&catstage)).remove(0);
    assert_eq!(manifest.name, "catstage-manifest");
    let ours = independent_package(&manifest.data, &area, signed.then_some(seed));
    assert!(ours.len() > 10_000, "a real package");
    let first = ours.iter().zip(&catstage).position(|(a, b)| a != b);
    assert!(
        ours == catstage,
        "the independent package ({} bytes) differs from catstage's ({} bytes), first at byte {first:?}",
        ours.len(),
        catstage.len()
    );
}

#[test]
fn a_package_built_from_the_spec_alone_is_byte_identical_to_catstage_pack() {
    pack_and_rebuild(false);
}

#[test]
fn a_signed_package_built_from_the_spec_alone_is_byte_identical_to_catstage_pack() {
    pack_and_rebuild(true);
}
