//! Hostile and damaged packages, built here by hand from a good one: each is refused by
//! `verify` (exit 1, the right CS4xx code, its JSON blessed under fixtures/package/) and
//! by `unpack`, which writes nothing inside or outside the destination.

use super::tarball::{Member, archive, compress, package, unpack_members};
use super::{codes, json, listing, run_in, slab, state};
use crate::support::{code, golden, root, stdout};
use std::path::Path;

struct Case {
    name: &'static str,
    code: &'static str,
    bytes: Vec<u8>,
    args: Vec<String>,
}

fn case(name: &'static str, code: &'static str, bytes: Vec<u8>) -> Case {
    Case { name, code, bytes, args: Vec::new() }
}

/// `members` with `f` applied, packaged.
fn edited(members: &[Member], f: impl FnOnce(&mut Vec<Member>)) -> Vec<u8> {
    let mut m = members.to_vec();
    f(&mut m);
    package(&m)
}

fn index(members: &[Member], name: &str) -> usize {
    members.iter().position(|m| m.name == name).unwrap()
}

fn special(name: &str, typeflag: u8, linkname: &str) -> Member {
    Member { typeflag, linkname: linkname.to_string(), ..Member::file(name, b"") }
}

fn cases(good: &[u8], signed: &[u8]) -> Vec<Case> {
    let ms = unpack_members(good);
    let v1 = index(&ms, "VSAD001");
    let push = |m: Member| edited(&ms, |v| v.push(m));
    let mut out = vec![
        case("truncated", "CS401", good[..good.len() * 2 / 3].to_vec()),
        case("not-zstd", "CS402", archive(&ms)),
        case("flipped-byte", "CS402", {
            let mut b = good.to_vec();
            let mid = b.len() / 2;
            b[mid] ^= 0x55;
            b
        }),
        case("skippable-frame", "CS403", {
            let mut b = vec![0x5E, 0x2A, 0x4D, 0x18, 8, 0, 0, 0];
            b.extend_from_slice(b"hidden!!");
            b.extend_from_slice(good);
            b
        }),
        case("bad-header-checksum", "CS404", {
            let mut tar = archive(&ms);
            let at = 512 + ms[0].data.len().div_ceil(512) * 512;
            tar[at] = b'W';
            compress(&tar)
        }),
        case("data-after-archive", "CS405", {
            let mut tar = archive(&ms);
            tar.extend_from_slice(&Member::file("VEVIL", b"appended").header());
            compress(&tar)
        }),
        case("bytes-after-the-frames", "CS405", {
            let mut b = good.to_vec();
            b.extend_from_slice(b"trailing garbage");
            b
        }),
        case("name-with-slash", "CS406", push(Member::file("sub/VEVIL", b"x"))),
        case("name-with-dotdot", "CS406", push(Member::file("../VEVIL", b"x"))),
        case("absolute-name", "CS406", push(Member::file("/etc/cron.d/evil", b"x"))),
        case("drive-letter", "CS406", push(Member::file("C:VEVIL", b"x"))),
        case("name-in-prefix", "CS406", push(Member { prefix: "etc".into(), ..Member::file("VEVIL", b"x") })),
        case("symlink", "CS407", push(special("VEVIL", b'2', "/etc/passwd"))),
        case("hard-link", "CS407", push(special("VEVIL", b'1', "/etc/shadow"))),
        case("char-device", "CS407", push(special("VEVIL", b'3', ""))),
        case("block-device", "CS407", push(special("VEVIL", b'4', ""))),
        case("directory", "CS407", push(special("VEVIL", b'5', ""))),
        case("fifo", "CS407", push(special("VEVIL", b'6', ""))),
        case(
            "pax-header",
            "CS408",
            edited(&ms, |v| {
                let pax = Member { typeflag: b'x', ..Member::file("VPAX", b"30 path=../../../etc/passwd\n") };
                v.insert(v1, pax);
            }),
        ),
        case("pax-global-header", "CS408", edited(&ms, |v| v.insert(1, special("VPAX", b'g', "")))),
        case("duplicate-member", "CS409", edited(&ms, |v| v.insert(v1, v[v1].clone()))),
        case("case-clash", "CS409", edited(&ms, |v| v.insert(v1 + 1, Member::file("vsad001", &v[v1].data.clone())))),
        case("setuid", "CS410", edited(&ms, |v| v[v1].mode = 0o4755)),
        case("no-manifest", "CS411", edited(&ms, |v| drop(v.remove(0)))),
        case("manifest-not-first", "CS411", edited(&ms, |v| v.swap(0, 1))),
        case("manifest-damaged", "CS412", edited(&ms, |v| v[0].data[60] ^= 1)),
        case("missing-member", "CS413", edited(&ms, |v| drop(v.remove(v1)))),
        case("unexpected-member", "CS414", push(Member::file("VSAD999", b"not in the manifest\n"))),
        case("swapped-members", "CS415", edited(&ms, |v| v.swap(v1, v1 + 1))),
        case("member-larger", "CS416", edited(&ms, |v| v[v1].data.extend_from_slice(&[b'x'; 100]))),
        case(
            "member-smaller",
            "CS416",
            edited(&ms, |v| {
                v[v1].data.pop();
            }),
        ),
        case("member-changed", "CS417", edited(&ms, |v| v[v1].data[40] ^= 1)),
        case("member-time-changed", "CS418", edited(&ms, |v| v[v1].mtime += 1)),
        case("unsigned-but-key-required", "CS420", good.to_vec()),
        case("signature-damaged", "CS421", {
            let mut sm = unpack_members(signed);
            let last = sm[1].data.len() - 2;
            sm[1].data[last] = if sm[1].data[last] == b'0' { b'1' } else { b'0' };
            package(&sm)
        }),
        case("signed-by-an-untrusted-key", "CS421", signed.to_vec()),
    ];
    for c in &mut out {
        if c.name.starts_with("unsigned") || c.name == "signature-damaged" {
            c.args = vec!["--trusted-key".into(), "../trusted.pub".into()];
        }
        if c.name == "signed-by-an-untrusted-key" {
            c.args = vec!["--trusted-key".into(), "../other.pub".into()];
        }
    }
    out.push(Case { args: vec!["--max-size".into(), "20K".into()], ..case("over-max-size", "CS419", good.to_vec()) });
    out.push(Case {
        args: vec!["--max-file-size".into(), "1K".into()],
        ..case("over-max-file-size", "CS419", good.to_vec())
    });
    out
}

/// A fixed key pair, so that signed packages (and their outputs) are deterministic.
fn keys(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for (name, seed) in [("trusted", "11"), ("other", "22")] {
        let key = dir.join(format!("{name}.key"));
        std::fs::write(&key, format!("secretkey alg=ed25519 seed={}\n", seed.repeat(32))).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        let area = slab(dir, &format!("for-{name}"));
        let p = dir.join(format!("{name}.tar.zst"));
        let o = run_in(
            dir,
            &[
                "pack",
                area.to_str().unwrap(),
                "-o",
                p.to_str().unwrap(),
                "--sign",
                key.to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        let public = json(&o)["signed_by"].as_str().unwrap().to_string();
        std::fs::write(dir.join(format!("{name}.pub")), format!("publickey alg=ed25519 key={public}\n")).unwrap();
    }
}

#[test]
fn hostile_packages_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keys(d);
    let area = slab(d, "area");
    let o = run_in(d, &["pack", "area", "-o", "good.tar.zst"]);
    assert_eq!(code(&o), 0);
    let good = std::fs::read(d.join("good.tar.zst")).unwrap();
    let signed = std::fs::read(d.join("trusted.tar.zst")).unwrap();
    let mut covered = std::collections::BTreeSet::new();
    for c in cases(&good, &signed) {
        let case_dir = d.join(c.name);
        std::fs::create_dir(&case_dir).unwrap();
        std::fs::write(case_dir.join("package.tar.zst"), &c.bytes).unwrap();
        crate::support::write_area(&case_dir.join("dr"), &crate::support::read_area(&area));
        let extra: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let o = run_in(&case_dir, &[&["verify", "package.tar.zst", "--format", "json"], &extra[..]].concat());
        assert_eq!(code(&o), 1, "{}: {}{}", c.name, stdout(&o), crate::support::stderr(&o));
        let doc = json(&o);
        let found = codes(&doc);
        assert!(found.contains(&c.code.to_string()), "{}: expected {} among {found:?}", c.name, c.code);
        assert!(found.iter().all(|f| f.starts_with("CS4")), "{}: {found:?}", c.name);
        assert_eq!(doc["ok"], false);
        golden(&root().join("fixtures/package").join(format!("verify-{}.json", c.name)), &stdout(&o));
        covered.insert(c.code);
        let text = run_in(&case_dir, &[&["verify", "package.tar.zst"], &extra[..]].concat());
        assert!(stdout(&text).contains(&format!("[{}]", c.code)), "{}", c.name);
        assert!(stdout(&text).trim_end().ends_with("do not unpack it"), "{}: {}", c.name, stdout(&text));
        // unpack: nothing written, inside or outside the destination.
        let before = (state(&case_dir.join("dr")), listing(&case_dir), listing(&case_dir.join("dr")));
        let o = run_in(&case_dir, &[&["unpack", "package.tar.zst", "--into", "dr"], &extra[..]].concat());
        assert_eq!(code(&o), 1, "{}: unpack {}", c.name, stdout(&o));
        let after = (state(&case_dir.join("dr")), listing(&case_dir), listing(&case_dir.join("dr")));
        assert!(before == after, "{}: unpack wrote something", c.name);
        let o = run_in(&case_dir, &[&["unpack", "package.tar.zst", "--into", "new"], &extra[..]].concat());
        assert_eq!(code(&o), 1, "{}", c.name);
        assert!(!case_dir.join("new").exists(), "{}", c.name);
    }
    let expected: std::collections::BTreeSet<String> = (401..=421).map(|n| format!("CS{n}")).collect();
    let covered: std::collections::BTreeSet<String> = covered.into_iter().map(str::to_string).collect();
    assert_eq!(covered, expected, "every package code but the destination's (CS422-CS424, tested elsewhere)");
}
