//! Decompression bombs (formats/package.md §2.4, §4): small packages whose headers declare
//! terabytes the manifest does not account for. Reading must stop at the first member the
//! manifest does not allow; the library's count of decompressed bytes — not a timer —
//! shows it never decompressed more than the manifest's total plus 1 MiB.
//!
//! The bombs are zstd frames written here by hand from RLE blocks (four bytes stand for
//! 128 KiB of zeros), so that a package declaring a terabyte takes a few megabytes and no
//! time to build.

use super::tarball::{Member, compress, decompress};
use super::{codes, json, s};
use crate::support::{code, run, stderr};
use catstage::package::{VerifyOptions, parse_manifest, verify};
use std::path::Path;

pub const BLOCK_MAX: u64 = 128 * 1024;
/// The largest size a ustar header declares: 8 GiB − 1.
pub const HUGE: u64 = 0o777_7777_7777;

/// What a hand-written frame holds.
pub enum Part {
    Raw(Vec<u8>),
    Zeros(u64),
}

/// One zstd frame (header descriptor 0x04, a 128 KiB window) of raw and RLE blocks. Its
/// content checksum is left zero: no reader that stops in time ever gets to it.
pub fn frame(parts: &[Part]) -> Vec<u8> {
    let mut blocks: Vec<(u32, u64, Vec<u8>)> = Vec::new();
    for p in parts {
        match p {
            Part::Raw(bytes) => {
                blocks.extend(bytes.chunks(BLOCK_MAX as usize).map(|c| (0, c.len() as u64, c.to_vec())));
            }
            Part::Zeros(n) => {
                let mut left = *n;
                while left > 0 {
                    let k = left.min(BLOCK_MAX);
                    blocks.push((1, k, vec![0]));
                    left -= k;
                }
            }
        }
    }
    let mut out = vec![0x28, 0xB5, 0x2F, 0xFD, 0x04, 7 << 3];
    let last = blocks.len() - 1;
    for (i, (kind, size, payload)) in blocks.into_iter().enumerate() {
        let header = (size << 3) | (u64::from(kind) << 1) | u64::from(i == last);
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        out.extend_from_slice(&payload);
    }
    out.extend_from_slice(&[0; 4]);
    out
}

/// A member that declares `size` bytes, all zeros, with its padding.
pub fn zeros_member(name: &str, size: u64) -> [Part; 2] {
    let header = Member { size_field: Some(size), ..Member::file(name, b"") }.header();
    [Part::Raw(header.to_vec()), Part::Zeros(size.div_ceil(512) * 512)]
}

/// A real package's archive, cut before its end-of-archive marker; and its manifest's
/// total of packed bytes.
fn real_members(dir: &Path, signed: bool) -> (Vec<u8>, u64) {
    let area = dir.join("area");
    if !area.exists() {
        let o = run(&["generate", "-o", s(&area), "--volumes", "2", "--groups", "1", "--diskfiles", "3"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let pkg = dir.join("real.tar.zst");
    let _ = std::fs::remove_file(&pkg);
    let mut args = vec!["pack", s(&area), "-o", s(&pkg)];
    let key = dir.join("k.key");
    if signed {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(&key, format!("secretkey alg=ed25519 seed={}\n", "33".repeat(32))).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        args.extend(["--sign", s(&key)]);
    }
    let o = run(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let tar = decompress(&std::fs::read(&pkg).unwrap());
    let mut end = 0;
    let mut manifest = None;
    while tar[end..end + 512].iter().any(|&b| b != 0) {
        let size = u64::from_str_radix(std::str::from_utf8(&tar[end + 124..end + 135]).unwrap(), 8).unwrap() as usize;
        manifest.get_or_insert_with(|| tar[end + 512..end + 512 + size].to_vec());
        end += 512 + size.div_ceil(512) * 512;
    }
    let m = parse_manifest(&manifest.unwrap(), catstage::diag::Examples::DEFAULT).unwrap();
    (tar[..end].to_vec(), m.packed_bytes())
}

/// Verifies the package `bytes`: its codes and the bytes decompressed.
fn verify_bomb(dir: &Path, name: &str, bytes: &[u8]) -> (Vec<String>, u64) {
    let path = dir.join(format!("{name}.tar.zst"));
    std::fs::write(&path, bytes).unwrap();
    let r = verify(&path, name, &VerifyOptions::default(), None).unwrap();
    assert!(!r.ok(), "{name}: found good");
    (r.diagnostics.iter().map(|d| d.code.to_string()).collect(), r.decompressed)
}

#[test]
fn bomb_of_unlisted_members_stops_within_manifest_total_plus_1mib() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (prefix, total) = real_members(d, false);
    // 130 members of 8 GiB − 1 each: 1.02 TiB declared, in about 33 MB.
    let members = 130;
    let parts: Vec<Part> = (0..members).flat_map(|i| zeros_member(&format!("VBOMB{i:03}"), HUGE)).collect();
    let mut bytes = compress(&prefix);
    bytes.extend(frame(&parts));
    let declared = members * HUGE;
    assert!(declared > 1 << 40, "declares more than a terabyte");
    let (found, decompressed) = verify_bomb(d, "unlisted", &bytes);
    eprintln!(
        "bomb: a {}-byte package declaring {declared} bytes in {members} unlisted members: refused after \
         decompressing {decompressed} bytes (the manifest packs {total})",
        bytes.len()
    );
    assert_eq!(found, ["CS414"], "{found:?}");
    assert!(
        decompressed <= total + (1 << 20),
        "decompressed {decompressed} bytes of a package whose manifest packs {total} and that declares {declared}"
    );
    // The command line says the same, and unpack refuses it as quickly.
    let path = d.join("unlisted.tar.zst");
    let o = run(&["verify", s(&path), "--format", "json"]);
    assert_eq!((code(&o), codes(&json(&o))), (1, vec!["CS414".to_string()]));
    let o = run(&["unpack", s(&path), "--into", s(&d.join("dr"))]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!d.join("dr").exists());
}

#[test]
fn bombs_in_every_place_a_member_can_be_stop_within_manifest_total_plus_1mib() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (prefix, total) = real_members(d, false);
    let (signed_prefix, _) = real_members(d, true);
    let first = {
        let size = u64::from_str_radix(std::str::from_utf8(&prefix[124..135]).unwrap(), 8).unwrap();
        512 + size.div_ceil(512) as usize * 512
    };
    let listed = String::from_utf8_lossy(&prefix[first..first + 4]).trim_end_matches('\0').to_string();
    // Each bomb goes on with 8 GiB of zeros, so that its frame's end (and its checksum,
    // left zero) is never reached in time.
    let bomb = |head: &[u8], mut parts: Vec<Part>| {
        let mut b = if head.is_empty() { Vec::new() } else { compress(head) };
        parts.push(Part::Zeros(HUGE + 1));
        b.extend(frame(&parts));
        b
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("first-member", bomb(b"", zeros_member("VBOMB", HUGE).into_iter().collect()), "CS411"),
        (
            "after-a-damaged-manifest",
            bomb(
                &{
                    let mut p = prefix[..first].to_vec();
                    p[600] ^= 1;
                    p
                },
                zeros_member("VBOMB", HUGE).into_iter().collect(),
            ),
            "CS412",
        ),
        ("listed-but-larger", bomb(&prefix[..first], zeros_member(&listed, HUGE).into_iter().collect()), "CS416"),
        ("twice", bomb(&prefix, zeros_member(&listed, 100).into_iter().collect()), "CS409"),
        ("signature", bomb(&prefix[..first], zeros_member("catstage-signature", HUGE).into_iter().collect()), "CS419"),
        ("after-the-signature", bomb(&signed_prefix, zeros_member("VBOMB", HUGE).into_iter().collect()), "CS414"),
    ];
    for (name, bytes, want) in cases {
        let (found, decompressed) = verify_bomb(d, name, &bytes);
        assert!(found.iter().any(|c| c == want), "{name}: {found:?}");
        assert!(decompressed <= total + (1 << 20), "{name}: decompressed {decompressed} bytes");
    }
}
