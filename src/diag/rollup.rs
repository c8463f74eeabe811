//! Findings across files, rolled up as they arrive: beyond [`ROLLUP_ABOVE`] findings of
//! one code, they become one finding that counts them, in memory that does not grow with
//! their number (a package listing a million files it lacks is one finding, never a
//! million kept until the end).

use super::{Code, Diagnostic, Examples};
use std::collections::BTreeMap;

/// Above this many findings of one code, they are rolled up into one finding with a count.
pub const ROLLUP_ABOVE: usize = 10;

/// One code's findings once they are more than [`ROLLUP_ABOVE`]: what the rolled-up
/// finding says.
#[derive(Debug)]
struct Rolled {
    /// The first finding, whose message, hint and severity the roll-up carries.
    first: Diagnostic,
    /// Instances, a rolled-up finding counting for as many as it stands for.
    count: u64,
    /// Files named, a file named by consecutive findings counting once.
    files: u64,
    /// The last file named, to count consecutive findings about one file once.
    last_file: Option<String>,
    /// The first files named, as many as the [`Rollup`]'s [`Examples`] say.
    examples: Vec<String>,
    /// How many files it names.
    limit: Examples,
}

impl Rolled {
    fn add(&mut self, d: Diagnostic) {
        self.count += d.count.unwrap_or(1).max(1);
        if let Some(f) = d.file
            && self.last_file.as_ref() != Some(&f)
        {
            self.files += 1;
            if self.limit.wants(self.examples.len()) {
                self.examples.push(f.clone());
            }
            self.last_file = Some(f);
        }
    }

    fn finding(self) -> Diagnostic {
        let code = self.first.code;
        let message = format!(
            "{} {} findings in {} file{}; the first: {}",
            self.count,
            code.name(),
            self.files,
            if self.files == 1 { "" } else { "s" },
            self.first.message
        );
        let mut d = Diagnostic::new(code, None, message)
            .with_count(self.count, self.examples)
            .with_hint(self.first.hint.clone());
        d.severity = self.first.severity;
        d
    }
}

/// A slot of the output: a finding kept whole, or the place of a code's roll-up (where
/// its first finding was).
#[derive(Debug)]
enum Slot {
    Whole(Diagnostic),
    /// A finding never rolled up (one with a line of its own file).
    Kept(Diagnostic),
    RolledUp(Code),
}

/// Findings in the order they arrive, each code's rolled up once it has more than
/// [`ROLLUP_ABOVE`]; at most that many findings per code are held whole at any time.
#[derive(Debug)]
pub struct Rollup {
    /// How many files a rolled-up finding names.
    examples: Examples,
    slots: Vec<Option<Slot>>,
    /// How many findings of each code are held whole, before its roll-up.
    whole: BTreeMap<Code, usize>,
    rolled: BTreeMap<Code, Rolled>,
}

impl Rollup {
    /// No findings yet; a rolled-up finding will name `examples` files.
    pub fn new(examples: Examples) -> Self {
        Rollup { examples, slots: Vec::new(), whole: BTreeMap::new(), rolled: BTreeMap::new() }
    }

    /// Adds one finding.
    pub fn push(&mut self, d: Diagnostic) {
        let code = d.code;
        if let Some(r) = self.rolled.get_mut(&code) {
            r.add(d);
            return;
        }
        let n = self.whole.entry(code).or_default();
        if *n < ROLLUP_ABOVE {
            *n += 1;
            self.slots.push(Some(Slot::Whole(d)));
            return;
        }
        // The code's findings become one: taken out of their slots, the first slot kept
        // for the roll-up.
        let mut earlier = Vec::with_capacity(ROLLUP_ABOVE);
        let mut first_slot = None;
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if matches!(slot, Some(Slot::Whole(x)) if x.code == code) {
                if let Some(Slot::Whole(x)) = slot.take() {
                    earlier.push(x);
                }
                first_slot.get_or_insert(i);
            }
        }
        if let Some(i) = first_slot {
            self.slots[i] = Some(Slot::RolledUp(code));
        }
        self.slots.retain(Option::is_some);
        let mut all = earlier.into_iter();
        let Some(first) = all.next() else { return };
        let mut r = Rolled {
            first: first.clone(),
            count: 0,
            files: 0,
            last_file: None,
            examples: Vec::new(),
            limit: self.examples,
        };
        r.add(first);
        all.for_each(|x| r.add(x));
        r.add(d);
        self.rolled.insert(code, r);
    }

    /// Adds a finding that is never rolled up: one with a place in a file whose own
    /// findings are rolled up already (`FileDiagnostics`).
    pub fn keep(&mut self, d: Diagnostic) {
        self.slots.push(Some(Slot::Kept(d)));
    }

    /// True when a finding of `code` was added (kept, whole or rolled up).
    pub fn has(&self, code: Code) -> bool {
        self.whole.contains_key(&code)
            || self.slots.iter().flatten().any(|s| matches!(s, Slot::Kept(d) if d.code == code))
    }

    /// Adds several findings.
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        ds.into_iter().for_each(|d| self.push(d));
    }

    /// The findings in the order they arrived, a roll-up where its code's first finding
    /// was.
    pub fn into_ordered(mut self) -> Vec<Diagnostic> {
        let mut out = Vec::with_capacity(self.slots.len());
        for slot in self.slots.into_iter().flatten() {
            match slot {
                Slot::Whole(d) | Slot::Kept(d) => out.push(d),
                Slot::RolledUp(code) => {
                    if let Some(r) = self.rolled.remove(&code) {
                        out.push(r.finding());
                    }
                }
            }
        }
        out
    }

    /// The findings grouped by code, in the codes' order, each code's in the order it
    /// arrived.
    pub fn into_by_code(self) -> Vec<Diagnostic> {
        let mut out = self.into_ordered();
        out.sort_by_key(|d| d.code);
        out
    }
}

/// Rolls up findings of one code beyond [`ROLLUP_ABOVE`] into one finding that counts
/// them (instances, a rolled-up finding counting as many as it stands for) and names the
/// first few files (`examples`); the findings come out grouped by code.
pub fn rollup(findings: impl IntoIterator<Item = Diagnostic>, examples: Examples) -> Vec<Diagnostic> {
    let mut r = Rollup::new(examples);
    r.extend(findings);
    r.into_by_code()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(code: Code, file: &str) -> Diagnostic {
        Diagnostic::new(code, Some(file.to_string()), format!("about {file}"))
    }

    #[test]
    fn ten_of_a_code_stay_whole_in_their_order() {
        let mut r = Rollup::new(Examples::DEFAULT);
        for i in 0..ROLLUP_ABOVE {
            r.push(d(Code::MissingMember, &format!("V{i}")));
            r.push(d(Code::UnexpectedMember, &format!("W{i}")));
        }
        let out = r.into_ordered();
        assert_eq!(out.len(), 2 * ROLLUP_ABOVE);
        assert_eq!(out[0].file.as_deref(), Some("V0"));
        assert_eq!(out[1].file.as_deref(), Some("W0"));
    }

    #[test]
    fn a_million_findings_of_a_code_hold_one() {
        let mut r = Rollup::new(Examples::DEFAULT);
        r.push(d(Code::UnexpectedMember, "first"));
        for i in 0..1_000_000u32 {
            r.push(d(Code::MissingMember, &format!("V{i}")));
            assert!(r.slots.len() <= ROLLUP_ABOVE + 1);
        }
        r.push(d(Code::UnexpectedMember, "last"));
        let out = r.into_ordered();
        assert_eq!(out.len(), 3, "{out:#?}");
        assert_eq!(out[0].file.as_deref(), Some("first"));
        assert_eq!(out[1].count, Some(1_000_000));
        assert!(
            out[1].message.starts_with("1000000 missing-member findings in 1000000 files; the first: about V0"),
            "{}",
            out[1].message
        );
        assert_eq!(out[1].examples, ["V0", "V1", "V2", "V3", "V4"]);
        assert_eq!(out[2].file.as_deref(), Some("last"));
    }

    #[test]
    fn consecutive_findings_about_one_file_count_it_once_and_counts_add_up() {
        let mut r = Rollup::new(Examples::DEFAULT);
        for i in 0..12 {
            r.push(d(Code::MissingMember, if i < 6 { "A" } else { "B" }).with_count(2, Vec::new()));
        }
        let out = rollup(r.into_ordered(), crate::diag::Examples::DEFAULT);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].count, Some(24));
        assert!(out[0].message.starts_with("24 missing-member findings in 2 files"), "{}", out[0].message);
    }

    #[test]
    fn by_code_groups_what_stayed_whole() {
        let out = rollup(
            [d(Code::UnexpectedMember, "b"), d(Code::MissingMember, "a"), d(Code::UnexpectedMember, "c")],
            crate::diag::Examples::DEFAULT,
        );
        let files: Vec<_> = out.iter().map(|x| x.file.clone().unwrap_or_default()).collect();
        let mut codes: Vec<_> = out.iter().map(|x| x.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), 2, "{files:?}");
    }
}
