//! Limits: inputs at and beyond the sizes the format and the README state, each handled
//! with a clear finding and bounded memory. Memory is bounded for real: the command runs
//! under a data-segment limit (`ulimit -d`, RLIMIT_DATA, which counts the heap), so an
//! implementation that held a whole file or a whole line in memory would be killed by
//! its allocator and the test would fail.

use crate::support::{self, code, p, stdout, tmp};
use std::path::Path;
use std::process::Output;

/// Runs catstage with `args` in the package root, with a heap of at most `mib` MiB.
fn run_limited(mib: u64, args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_catstage");
    std::process::Command::new("sh")
        .current_dir(support::root())
        .arg("-c")
        .arg(format!("ulimit -d {} && exec \"$0\" \"$@\"", mib * 1024))
        .arg(bin)
        .args(args)
        .output()
        .unwrap()
}

fn generate(out: &Path, args: &[&str]) {
    let mut all = vec!["generate", "-o", p(out)];
    all.extend_from_slice(args);
    let o = support::run(&all);
    assert_eq!(code(&o), 0, "{}", support::stderr(&o));
}

#[test]
fn the_data_limit_is_real() {
    // The harness itself: a limit too small for the program to start is a failure, so a
    // passing test under a limit means the command fits in it.
    let o = run_limited(1, &["validate", "fixtures/slab-a-daily"]);
    assert_eq!(code(&o), 2, "a 1 MiB heap cannot run catstage: {}", stdout(&o));
    assert!(support::stderr(&o).contains("cannot start worker threads"), "{}", support::stderr(&o));
    let o = run_limited(32, &["validate", "fixtures/slab-a-daily"]);
    assert_eq!(code(&o), 0, "{}", support::stderr(&o));
}

#[test]
fn a_line_beyond_the_maximum_is_a_syntax_error_read_in_bounded_memory() {
    let dir = tmp();
    let area = dir.path().join("area");
    let mut files = support::slab::files();
    let bytes = files.get_mut("VSAD001").unwrap();
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    // 16 MiB on line 4, half the heap the command may use.
    lines[3].extend(std::iter::repeat_n(b'x', 16 << 20));
    *bytes = lines.join(&b'\n');
    support::write_area(&area, &files);
    let o = run_limited(32, &["validate", p(&area), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", support::stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let long = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "CS001")
        .unwrap_or_else(|| panic!("no CS001 in {doc:#}"));
    assert_eq!((&long["file"], &long["line"], &long["column"]), (&"VSAD001".into(), &4.into(), &65536.into()));
    assert!(long["message"].as_str().unwrap().contains("longer than 65536 bytes"), "{long}");
    // The text report shows a bounded excerpt of the line, not 16 MiB of it.
    let o = run_limited(32, &["validate", p(&area)]);
    assert_eq!(code(&o), 1);
    assert!(o.stdout.len() < 16 * 1024, "{} bytes of report", o.stdout.len());
}

#[test]
fn a_volume_of_millions_of_records_streams() {
    let dir = tmp();
    let area = dir.path().join("area");
    // One volume; the generator spreads disk files exponentially around the mean, and
    // this seed draws a large one.
    generate(&area, &["--volumes", "1", "--groups", "1", "--tapefiles", "1", "--diskfiles", "4000000"]);
    let volume = std::fs::read_dir(&area).unwrap().map(|e| e.unwrap().path()).find(|p| p.ends_with("VG00000")).unwrap();
    let size = std::fs::metadata(&volume).unwrap().len();
    let records = {
        use std::io::Read;
        let mut f = std::fs::File::open(&volume).unwrap();
        let mut buf = vec![0; 1 << 20];
        let mut n = 0usize;
        loop {
            let k = f.read(&mut buf).unwrap();
            if k == 0 {
                break;
            }
            n += buf[..k].iter().filter(|&&b| b == b'\n').count();
        }
        n
    };
    assert!(records > 1_000_000, "{records} records");
    assert!(size > 128 << 20, "{size} bytes: more than the heap any command gets");
    // Every reader of a volume file, in a heap smaller than the file.
    for args in [
        vec!["validate", p(&area)],
        vec!["diff", "--verify", p(&area), p(&area)],
        vec!["replace-nodes", p(&area), "--map", "\\SYNTH=\\DRSITE", "-o", "/dev/null/x", "--dry-run"],
    ] {
        let o = run_limited(48, &args);
        assert_eq!(code(&o), 0, "{args:?}: {}{}", stdout(&o), support::stderr(&o));
    }
    let pkg = dir.path().join("area.tar.zst");
    // zstd's two compression workers keep about 60 MiB of job buffers whatever the size
    // of the input; the rest of pack streams.
    let o = run_limited(128, &["pack", p(&area), "-o", p(&pkg)]);
    assert_eq!(code(&o), 0, "{}", support::stderr(&o));
    let o = run_limited(48, &["verify", p(&pkg)]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), support::stderr(&o));
}

#[test]
fn odd_but_valid_names_and_values_are_clean() {
    let dir = tmp();
    let area = dir.path().join("area");
    // A data store id with spaces, a one-letter label prefix, many groups, the largest
    // label numbers the prefix allows.
    generate(
        &area,
        &[
            "--volumes",
            "40",
            "--groups",
            "7",
            "--diskfiles",
            "3",
            "--store",
            "DR STORE  WITH SPACES",
            "--label-prefix",
            "Z",
        ],
    );
    let o = support::run(&["validate", p(&area)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let o = support::run(&["status", p(&area), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn non_utf8_bytes_are_findings_never_crashes_and_json_stays_utf8() {
    let dir = tmp();
    let area = dir.path().join("area");
    let mut files = support::slab::files();
    // Invalid UTF-8 inside a comment of a volume file, resealed so that only the bytes
    // themselves are wrong.
    let v = files.get_mut("VSAD002").unwrap();
    let mut content = support::content(v).to_vec();
    let at = content.iter().position(|&b| b == b'=').unwrap() + 1;
    content.insert(at, 0xff);
    *v = support::reseal(&content);
    support::rehash_entry(&mut files, "FULL", "VSAD002");
    support::write_area(&area, &files);
    // A foreign file whose name is not UTF-8: reported with its bytes escaped.
    use std::os::unix::ffi::OsStrExt;
    std::fs::write(area.join(std::ffi::OsStr::from_bytes(b"NOTES\xff\xfe")), b"x").unwrap();
    let o = support::run(&["validate", p(&area), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("the JSON report is UTF-8");
    let diags = doc["diagnostics"].as_array().unwrap();
    assert!(diags.iter().any(|d| d["file"] == "VSAD002" && d["severity"] == "error"), "{doc:#}");
    assert!(diags.iter().any(|d| d["file"] == "NOTES\\xff\\xfe" && d["code"] == "CS026"), "{doc:#}");
    let o = support::run(&["validate", p(&area)]);
    assert!(stdout(&o).contains("NOTES\\xff\\xfe: warning[CS026]"), "{}", stdout(&o));
}

#[test]
fn a_configuration_with_thousands_of_groups() {
    let dir = tmp();
    let area = dir.path().join("area");
    let config = dir.path().join("sec.toml");
    generate(&area, &["--volumes", "2000", "--groups", "999", "--diskfiles", "1", "--secondary-config", p(&config)]);
    // 4,000 more groups the area does not use: a secondary that imports many stores.
    let mut text = std::fs::read_to_string(&config).unwrap();
    for i in 0..4000 {
        text.push_str(&format!(
            "\n[[group]]\nid = \"2ND_VG_OTHER-{i}\"\nprimary_id = \"VG_OTHER-{i}\"\ncatalog = \"DSMTC\"\nmedia = \
             \"CART3480\"\nvolcat = \"\\\\DRSITE.QCVOLCAT\"\nfilecat = \"\\\\DRSITE.QCFILCAT\"\npool = \"DR_POOL_X{i}\"\n"
        ));
    }
    std::fs::write(&config, text).unwrap();
    for args in [
        vec!["validate", p(&area), "--config", p(&config)],
        vec!["plan", p(&area), "--config", p(&config), "--type", "full"],
        vec!["keys", p(&area), "--config", p(&config)],
    ] {
        let o = run_limited(64, &args);
        assert_eq!(code(&o), 0, "{args:?}: {}{}", stdout(&o), support::stderr(&o));
    }
    // A group given twice among thousands is still found, with its line.
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[[group]]\nid = \"2ND_VG_OTHER-17\"\nprimary_id = \"VG_OTHER-X\"\ncatalog = \"NONE\"\n");
    std::fs::write(&config, text).unwrap();
    let o = support::run(&["validate", p(&area), "--config", p(&config)]);
    // A configuration that says two things about one group cannot be used: the
    // configuration's problem (exit 2), every finding shown on stderr.
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(support::stderr(&o).contains("2ND_VG_OTHER-17"), "{}", support::stderr(&o));
}

#[test]
fn a_writer_without_the_memory_it_needs_says_so_before_it_starts() {
    // Under an address-space limit a writer would otherwise abort half way (SIGABRT).
    let dir = tmp();
    let area = dir.path().join("SLABA");
    let bin = env!("CARGO_BIN_EXE_catstage");
    let o = std::process::Command::new("sh")
        .current_dir(support::root())
        .arg("-c")
        .arg("ulimit -v 40000 && exec \"$0\" \"$@\"")
        .arg(bin)
        .args(["sync", "--definition", "fixtures/sync/slab-a-daily-csv.toml"])
        .args(["--source", "fixtures/sync/slab-a-daily-csv.csv", p(&area), "--type", "full"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 2, "{}", support::stderr(&o));
    let err = support::stderr(&o);
    assert!(err.contains("catstage sync needs about 50 MiB of memory"), "{err}");
    assert!(err.contains("nothing was read or written"), "{err}");
    let left: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A RAW package whose manifest packs `files` empty files and holds none of them: a
/// package of about 6 bytes per listed file (issue 34, case 2).
fn package_listing_files_it_lacks(files: usize) -> Vec<u8> {
    use crate::package::tarball::{Member, archive, compress};
    let empty = support::sha256_hex(b"");
    let mut m = String::from("CATSTAGE MANIFEST 1.0\npackage kind=FULL mode=RAW\n");
    for i in 0..files {
        m.push_str(&format!(
            "file name=V{i:06} size=0 mtime=2026-12-07T20:27:52+00:00 nsec=0 sha256={empty} packed=yes\n"
        ));
    }
    let digest = support::sha256_hex(m.as_bytes());
    m.push_str(&format!("END lines={} sha256={digest}\n", files + 2));
    let mut manifest = Member::file("catstage-manifest", m.as_bytes());
    manifest.mtime = 1_796_675_272;
    compress(&archive(&[manifest]))
}

#[test]
fn issue34_case2_a_small_package_listing_many_files_is_refused_in_bounded_memory() {
    let dir = tmp();
    let pkg = dir.path().join("many.tar.zst");
    std::fs::write(&pkg, package_listing_files_it_lacks(200_000)).unwrap();
    // Every missing member is one rolled-up finding that counts them all, in a heap that
    // does not hold 200,000 findings (before the roll-up streamed, 260 MiB: an abort).
    let o = run_limited(128, &["verify", p(&pkg), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", support::stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let missing: Vec<&serde_json::Value> =
        doc["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "CS413").collect();
    assert_eq!(missing.len(), 1, "{doc:#}");
    assert_eq!(missing[0]["count"], 200_000);
    let o = run_limited(128, &["verify", p(&pkg)]);
    assert!(stdout(&o).contains("BAD: 200000 problems found"), "{}", stdout(&o));
}

#[test]
fn issue34_case2_out_of_memory_is_exit_2_with_a_message_and_no_lock_left() {
    let dir = tmp();
    let pkg = dir.path().join("many.tar.zst");
    std::fs::write(&pkg, package_listing_files_it_lacks(200_000)).unwrap();
    let o = run_limited(40, &["verify", p(&pkg)]);
    assert_eq!(code(&o), 2, "{}", support::stderr(&o));
    let err = support::stderr(&o);
    assert!(err.contains("out of memory: reading the package's") && err.contains("raise the limit"), "{err}");
    let dst = dir.path().join("dst");
    let o = run_limited(40, &["unpack", p(&pkg), "--into", p(&dst)]);
    assert_eq!(code(&o), 2, "{}", support::stderr(&o));
    assert!(support::stderr(&o).contains("out of memory"), "{}", support::stderr(&o));
    let left: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["many.tar.zst"]);
}

/// The fixture's configuration with unknown keys before it, `size` bytes in all.
fn configuration_of(size: usize) -> String {
    let base = std::fs::read_to_string(support::root().join("fixtures/slab-a-daily.toml")).unwrap();
    let mut keys = String::new();
    let mut i = 0;
    while keys.len() + base.len() + 16 < size {
        keys.push_str(&format!("k{i} = 1\n"));
        i += 1;
    }
    let pad = size - keys.len() - base.len();
    format!("{keys}{}\n{base}", "#".repeat(pad - 1))
}

#[test]
fn issue34_case10_unknown_keys_are_rolled_up_and_a_configuration_over_4_mib_is_refused_unread() {
    const MAX: usize = 4 << 20;
    let dir = tmp();
    let at_max = dir.path().join("at-max.toml");
    std::fs::write(&at_max, configuration_of(MAX)).unwrap();
    assert_eq!(std::fs::metadata(&at_max).unwrap().len(), MAX as u64);
    // At the limit: read, and its 350,000 unknown keys are a hundred findings and one
    // that counts the rest, in a bounded heap.
    let o = run_limited(256, &["validate", "fixtures/slab-a-daily", "--config", p(&at_max), "--format", "json"]);
    assert_eq!(code(&o), 2, "{}", support::stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found: Vec<&serde_json::Value> =
        doc["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "CS315").collect();
    assert_eq!(found.len(), 101, "{doc:#}");
    assert!(found[0]["message"].as_str().unwrap().starts_with("unknown key `k0` at the top level"), "{doc:#}");
    let rest = found[100]["count"].as_u64().unwrap();
    assert!(rest > 300_000, "{doc:#}");
    // One byte over: refused before it is parsed.
    let over = dir.path().join("over.toml");
    std::fs::write(&over, configuration_of(MAX + 1)).unwrap();
    let o = run_limited(32, &["validate", "fixtures/slab-a-daily", "--config", p(&over)]);
    assert_eq!(code(&o), 2, "{}", support::stderr(&o));
    let all = format!("{}{}", stdout(&o), support::stderr(&o));
    assert!(all.contains("the file holds 4194305 bytes or more"), "{all}");
    // A sync definition has the same limit.
    let o = run_limited(
        128,
        &["sync", "--definition", p(&over), "--source", "x.csv", p(&dir.path().join("A")), "--type", "full"],
    );
    assert_eq!(code(&o), 2, "{}", support::stderr(&o));
    let all = format!("{}{}", stdout(&o), support::stderr(&o));
    assert!(all.contains("the file holds 4194305 bytes or more"), "{all}");
}

// ---------------------------------------------------------------------------------------
// Each bound of formats/README.md §10 (Limits), with an input at it and one just past it.

/// A package whose only member is a manifest header declaring `size` bytes, and a few of
/// them: the reader decides on the header alone whether it may read that much.
fn manifest_declaring(size: u64) -> Vec<u8> {
    use crate::package::tarball::{Member, compress};
    let mut m = Member::file("catstage-manifest", b"CATSTAGE MANIFEST 1.0\n");
    m.size_field = Some(size);
    let mut tar = m.header().to_vec();
    tar.extend_from_slice(&[b'x'; 512]);
    compress(&tar)
}

fn verify_codes(dir: &Path, name: &str, bytes: &[u8]) -> Vec<String> {
    let pkg = dir.join(name);
    std::fs::write(&pkg, bytes).unwrap();
    let o = run_limited(64, &["verify", p(&pkg), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", stdout(&o)));
    doc["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn limit_manifest_of_256_mib_is_read_and_one_byte_more_is_refused_at_its_header() {
    let dir = tmp();
    // At the limit the reader goes on to read it (and finds the archive cut short).
    let at = verify_codes(dir.path(), "at.tar.zst", &manifest_declaring(256 << 20));
    assert!(!at.contains(&"CS419".to_string()), "{at:?}");
    let over = verify_codes(dir.path(), "over.tar.zst", &manifest_declaring((256 << 20) + 1));
    assert_eq!(over, ["CS419"]);
}

#[test]
fn limit_signature_of_4096_bytes_is_read_and_4097_is_refused() {
    use crate::package::tarball::{package, unpack_members};
    let dir = tmp();
    let key = dir.path().join("k.key");
    std::fs::write(&key, format!("secretkey alg=ed25519 seed={}\n", "11".repeat(32))).unwrap();
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let pkg = dir.path().join("s.tar.zst");
    let o = support::run(&["pack", "fixtures/slab-a-daily", "-o", p(&pkg), "--sign", p(&key)]);
    assert_eq!(code(&o), 0, "{}", support::stderr(&o));
    let members = unpack_members(&std::fs::read(&pkg).unwrap());
    assert_eq!(members[1].name, "catstage-signature");
    for (len, refused_for_size) in [(4096, false), (4097, true)] {
        let mut m = members.clone();
        m[1].data = vec![b'x'; len];
        let codes = verify_codes(dir.path(), "x.tar.zst", &package(&m));
        assert_eq!(codes.contains(&"CS419".to_string()), refused_for_size, "{len}: {codes:?}");
        assert!(!codes.is_empty(), "{len}: a signature of x's is refused all the same");
    }
}

#[test]
fn limit_image_paths_999_and_1000() {
    let dir = tmp();
    let generate = |name: &str, paths: &str| {
        let (area, img) = (dir.path().join(name), dir.path().join(format!("{name}-img")));
        let o =
            support::run(&["generate", "-o", p(&area), "--volumes", "2", "--images", p(&img), "--image-paths", paths]);
        (o, img)
    };
    let (o, img) = generate("a", "999");
    assert_eq!(code(&o), 0, "{}", support::stderr(&o));
    assert!(img.join("path999").is_dir());
    let (o, _) = generate("b", "1000");
    assert_eq!(code(&o), 2, "{}", support::stderr(&o));
    assert!(support::stderr(&o).contains("1 to 999 data paths"), "{}", support::stderr(&o));
    assert!(!dir.path().join("b").exists() && !dir.path().join("b-img").exists());
}

#[test]
fn limit_recursive_walk_of_63_directories_and_64() {
    for (depth, found) in [(63usize, true), (64, false)] {
        let dir = tmp();
        let mut deep = dir.path().join("root");
        for _ in 0..depth {
            deep.push("d");
        }
        crate::support::copy_area("fixtures/slab-a-daily", &deep.join("area"));
        let o = support::run(&["validate", "-r", p(&dir.path().join("root"))]);
        let err = support::stderr(&o);
        if found {
            assert_eq!(code(&o), 0, "{depth}: {err}");
        } else {
            assert_eq!(code(&o), 2, "{depth}: {err}");
            assert!(format!("{}{err}", stdout(&o)).contains("more than 64 directories deep"), "{err}");
        }
    }
}
