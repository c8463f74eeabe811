//! The package corruption sweep, in process: every single-bit flip of every byte of a
//! small package, every truncation, an appended byte, and a sample of byte insertions and
//! deletions must each make [`verify`] report an error. Never a panic or a hang; and never
//! a pass, unless the damaged file decodes — by a plain zstd decoder, independently of
//! the package reader — to exactly the archive of the undamaged one (a bit zstd's format
//! does not read, formats/package.md §1): then nothing unpack could write differs. Those
//! cases are counted and printed.
//!
//! The package is made once by the real binary (`generate`, then `pack`), so that its
//! bytes are what an operator ships; every case then writes the damaged bytes to a file
//! of its own and calls the library's [`verify`] on it, on all cores. A case passes when
//! `verify` returns a report with at least one error (an `Err`, "could not run", is a
//! failure too: damage is a finding, not trouble). The counts are printed with
//! `eprintln!` (`-- --nocapture` shows them).

use super::s;
use crate::support::{code, run, stderr};
use catstage::package::{VerifyOptions, verify};
use rayon::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

/// A small, real package: one volume with one tape file and two disk files, packed.
fn small_package(dir: &Path) -> Vec<u8> {
    let area = dir.join("area");
    let o =
        run(&["generate", "-o", s(&area), "--volumes", "2", "--groups", "1", "--tapefiles", "1", "--diskfiles", "2"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pkg = dir.join("p.tar.zst");
    let o = run(&["pack", s(&area), "-o", s(&pkg)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    std::fs::read(&pkg).unwrap()
}

/// One damaged package: what was done, and the bytes.
struct Case {
    what: String,
    bytes: Vec<u8>,
}

fn cases(good: &[u8]) -> Vec<Case> {
    let mut out = Vec::new();
    for at in 0..good.len() {
        for bit in 0..8 {
            let mut b = good.to_vec();
            b[at] ^= 1 << bit;
            out.push(Case { what: format!("bit {bit} of byte {at} flipped"), bytes: b });
        }
    }
    for len in 0..good.len() {
        out.push(Case { what: format!("truncated to {len} bytes"), bytes: good[..len].to_vec() });
    }
    for extra in [0x00, 0x28, 0xff] {
        let mut b = good.to_vec();
        b.push(extra);
        out.push(Case { what: format!("byte {extra:#04x} appended"), bytes: b });
    }
    // Insertions and deletions at every third offset: a byte lost or gained in transit.
    for at in (0..good.len()).step_by(3) {
        let mut b = good.to_vec();
        b.remove(at);
        out.push(Case { what: format!("byte {at} deleted"), bytes: b });
        for extra in [0x00, good[at]] {
            let mut b = good.to_vec();
            b.insert(at, extra);
            out.push(Case { what: format!("byte {extra:#04x} inserted at {at}"), bytes: b });
        }
    }
    out
}

/// What became of a case.
enum Outcome {
    Refused,
    /// Found good, and decodes to the very archive of the undamaged package.
    SameArchive,
    Wrong(String),
}

fn check(dir: &Path, i: usize, case: &Case, archive: &[u8]) -> Outcome {
    let path = dir.join(format!("case-{i}.tar.zst"));
    std::fs::write(&path, &case.bytes).unwrap();
    let outcome = catch_unwind(AssertUnwindSafe(|| verify(&path, "p.tar.zst", &VerifyOptions::default(), None)));
    std::fs::remove_file(&path).unwrap();
    match outcome {
        Err(_) => Outcome::Wrong(format!("{}: verify panicked", case.what)),
        Ok(Err(e)) => Outcome::Wrong(format!("{}: verify could not run: {e}", case.what)),
        Ok(Ok(report)) if report.ok() => match zstd::stream::decode_all(&case.bytes[..]) {
            Ok(decoded) if decoded == archive => Outcome::SameArchive,
            _ => Outcome::Wrong(format!("{}: verify found the package good", case.what)),
        },
        Ok(Ok(_)) => Outcome::Refused,
    }
}

#[test]
fn every_bit_flip_truncation_and_sampled_insertion_of_a_package_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = small_package(dir.path());
    let baseline = verify(&dir.path().join("p.tar.zst"), "p.tar.zst", &VerifyOptions::default(), None).unwrap();
    assert!(baseline.ok(), "the undamaged package: {:?}", baseline.diagnostics);
    let archive = zstd::stream::decode_all(&good[..]).unwrap();
    let all = cases(&good);
    let started = Instant::now();
    let outcomes: Vec<Outcome> =
        all.par_iter().enumerate().map(|(i, case)| check(dir.path(), i, case, &archive)).collect();
    let refused = outcomes.iter().filter(|o| matches!(o, Outcome::Refused)).count();
    let same = outcomes.iter().filter(|o| matches!(o, Outcome::SameArchive)).count();
    let failures: Vec<String> =
        outcomes.into_iter().filter_map(|o| if let Outcome::Wrong(w) = o { Some(w) } else { None }).collect();
    eprintln!(
        "package sweep: {} cases over a {}-byte package in {:.1?}: {refused} refused, {same} decode to the same \
         archive, {} wrong",
        all.len(),
        good.len(),
        started.elapsed(),
        failures.len()
    );
    // Most damage must be refused outright: a sweep where everything "decodes the same"
    // would mean the comparison, not verify, is doing the work.
    assert!(refused > all.len() * 95 / 100, "{refused} of {} refused", all.len());
    assert!(
        failures.is_empty(),
        "{} of {} damaged packages not refused:\n{}",
        failures.len(),
        all.len(),
        failures.iter().take(25).cloned().collect::<Vec<_>>().join("\n")
    );
}
