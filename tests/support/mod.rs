//! Helpers for the integration tests: running the real binary, building staging areas,
//! editing files the way damage or a hand edit would, and golden files.

#![allow(dead_code)]

pub mod cases;
pub mod slab;

use sha2::Digest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// True when the golden files should be rewritten (`CATSTAGE_BLESS=1`).
pub fn blessing() -> bool {
    std::env::var_os("CATSTAGE_BLESS").is_some_and(|v| v == "1")
}

/// The package root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The built `catstage` binary, run from the package root, without colour.
pub fn catstage() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_catstage"));
    c.current_dir(root());
    c.env_remove("NO_COLOR");
    c
}

/// Runs catstage with `args`.
pub fn run(args: &[&str]) -> Output {
    catstage().args(args).output().unwrap()
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The exit status.
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Writes `files` into `dir` (created if needed).
pub fn write_area(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Reads every regular file of `dir`.
pub fn read_area(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            out.insert(e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap());
        }
    }
    out
}

/// What a recipe puts at a path: a file's bytes, a symbolic link's target, or an empty
/// directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A regular file.
    File(Vec<u8>),
    /// A symbolic link.
    Link(PathBuf),
    /// A directory with nothing in it.
    Dir,
}

/// A tree of committed test input, by path relative to its root.
pub type Recipe = BTreeMap<PathBuf, Node>;

/// A recipe of regular files, each under `prefix` (`""` for the root).
pub fn file_recipe<N: AsRef<Path>>(prefix: &str, files: impl IntoIterator<Item = (N, Vec<u8>)>) -> Recipe {
    files.into_iter().map(|(n, b)| (Path::new(prefix).join(n), Node::File(b))).collect()
}

/// The one way committed input is held to the recipe that makes it: with
/// `CATSTAGE_BLESS=1` the tree `dir` is written from `recipe` (what was there removed),
/// otherwise it must hold exactly `recipe` — the same paths, bytes and link targets.
/// Top-level entries named in `beside` (a case's expected outputs) are the test's, not
/// the recipe's, and are left alone; so are the locks a run leaves beside an area.
pub fn materialize(dir: &Path, recipe: &Recipe, beside: &[&str]) {
    if blessing() {
        for e in std::fs::read_dir(dir).into_iter().flatten().map(Result::unwrap) {
            if !beside.iter().any(|b| e.file_name() == *b) {
                let p = e.path();
                if e.file_type().unwrap().is_dir() { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) }
                    .unwrap();
            }
        }
        write_recipe(dir, recipe);
    }
    let have = tree(dir, beside);
    let differ: std::collections::BTreeSet<&PathBuf> =
        recipe.keys().chain(have.keys()).filter(|p| recipe.get(*p) != have.get(*p)).collect();
    assert!(differ.is_empty(), "{} differs from its recipe (CATSTAGE_BLESS=1 rewrites it): {differ:?}", dir.display());
}

/// Writes `recipe` under `dir` (a scratch directory, or a fixture being blessed).
pub fn write_recipe(dir: &Path, recipe: &Recipe) {
    for (path, node) in recipe {
        let at = dir.join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        match node {
            Node::File(bytes) => std::fs::write(&at, bytes).unwrap(),
            Node::Link(target) => std::os::unix::fs::symlink(target, &at).unwrap(),
            Node::Dir => std::fs::create_dir_all(&at).unwrap(),
        }
    }
}

/// What `dir` holds, as a recipe (see [`materialize`]).
fn tree(dir: &Path, beside: &[&str]) -> Recipe {
    let mut out = Recipe::new();
    let walk = walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name().into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        let besides = e.depth() == 1 && beside.iter().any(|b| name == *b);
        !besides && !name.ends_with(".catstage-lock")
    });
    for e in walk {
        let e = e.unwrap();
        let path = e.path().strip_prefix(dir).unwrap().to_path_buf();
        let t = e.file_type();
        if t.is_symlink() {
            out.insert(path, Node::Link(std::fs::read_link(e.path()).unwrap()));
        } else if t.is_file() {
            out.insert(path, Node::File(std::fs::read(e.path()).unwrap()));
        } else if t.is_dir() && std::fs::read_dir(e.path()).unwrap().next().is_none() {
            out.insert(path, Node::Dir);
        }
    }
    out
}

/// Compares `actual` with the golden file `path`, or rewrites it when blessing.
pub fn golden(path: &Path, actual: &str) {
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("{} is missing; run with CATSTAGE_BLESS=1 to create it", path.display()));
    if expected != actual {
        panic!(
            "{} differs from the output (run with CATSTAGE_BLESS=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

/// SHA-256 of `bytes` in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha2::Sha256::digest(bytes))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The content of a file before its END line (everything if it has none).
pub fn content(bytes: &[u8]) -> &[u8] {
    let mut start = 0;
    while start < bytes.len() {
        let end = bytes[start..].iter().position(|&c| c == b'\n').map_or(bytes.len(), |i| start + i + 1);
        if bytes[start..end].starts_with(b"END ") {
            return &bytes[..start];
        }
        start = end;
    }
    bytes
}

/// `bytes` with a fresh, correct END line.
pub fn reseal(bytes: &[u8]) -> Vec<u8> {
    let c = content(bytes);
    let lines = c.iter().filter(|&&b| b == b'\n').count();
    let mut out = c.to_vec();
    out.extend_from_slice(format!("END lines={lines} sha256={}\n", sha256_hex(c)).as_bytes());
    out
}

/// Lines of `bytes` as strings (without LF).
pub fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes).lines().map(str::to_string).collect()
}

/// Joins lines with LF, adding a final LF.
pub fn unlines(lines: &[String]) -> Vec<u8> {
    let mut s = lines.join("\n");
    s.push('\n');
    s.into_bytes()
}

/// Applies `f` to the lines of a file's content, then reseals it.
pub fn edit_lines(bytes: &[u8], f: impl FnOnce(&mut Vec<String>)) -> Vec<u8> {
    let mut l = lines(content(bytes));
    f(&mut l);
    reseal(&unlines(&l))
}

/// Makes the entry of volume file `file` in the summary `summary` match `area[file]`
/// (sha256 and size), and reseals the summary.
pub fn rehash_entry(area: &mut BTreeMap<String, Vec<u8>>, summary: &str, file: &str) {
    let bytes = area[file].clone();
    let sha = sha256_hex(&bytes);
    let size = bytes.len();
    let s = area[summary].clone();
    let new = edit_lines(&s, |l| {
        for line in l.iter_mut() {
            if line.starts_with("entry ") && line.contains(&format!(" file={file} ")) {
                let parts: Vec<String> = line
                    .split(' ')
                    .map(|p| {
                        if p.starts_with("sha256=") {
                            format!("sha256={sha}")
                        } else if p.starts_with("size=") {
                            format!("size={size}")
                        } else {
                            p.to_string()
                        }
                    })
                    .collect();
                *line = parts.join(" ");
            }
        }
    });
    area.insert(summary.to_string(), new);
}

/// A catstage process stopped at a pause point of its protocol (see `catstage::disk::hooks`):
/// it holds whatever it holds there (a lock, a half-built tree) until [`Paused::resume`].
/// Synchronised through the child's own pipes: no timing, and a child that exits early
/// ends its stderr, so no test can hang waiting for it. Dropped, the child is killed.
pub struct Paused {
    child: std::process::Child,
    stderr: std::io::BufReader<std::process::ChildStderr>,
    /// What the child wrote on stderr before it paused.
    pub before: String,
}

impl Paused {
    /// Runs catstage with `args` and `env`, and waits until it pauses at `point`.
    pub fn at(point: &str, args: &[&str], env: &[(&str, &str)]) -> Paused {
        use std::io::BufRead;
        use std::process::Stdio;
        let mut c = catstage();
        c.args(args).env("CATSTAGE_TEST_PAUSE_AT", point).stdin(Stdio::piped()).stdout(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.stderr(Stdio::piped()).spawn().unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let want = format!("catstage: test: paused at {point}");
        let mut before = String::new();
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                let status = child.wait().unwrap();
                panic!("catstage {args:?} ended ({status}) before pausing at {point}:\n{before}");
            }
            if line.trim_end() == want {
                break;
            }
            before.push_str(&line);
        }
        Paused { child, stderr, before }
    }

    /// Lets the child go on; its exit status and the rest of its stderr.
    pub fn resume(mut self) -> (i32, String) {
        use std::io::Read;
        drop(self.child.stdin.take());
        let mut rest = String::new();
        self.stderr.read_to_string(&mut rest).unwrap();
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), rest)
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A fresh temporary directory.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A path as an argument.
pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Copies the regular files of the staging area `src` (relative to the package root, or
/// absolute) into a new directory `dst`, and returns `dst`.
pub fn copy_area(src: &str, dst: &Path) -> PathBuf {
    write_area(dst, &read_area(&root().join(src)));
    dst.to_path_buf()
}

/// The JSON document on stdout.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", stdout(o)))
}

/// The codes of a document's diagnostics, in order.
pub fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc["diagnostics"]
        .as_array()
        .map_or_else(Vec::new, |a| a.iter().filter_map(|d| d["code"].as_str().map(str::to_string)).collect())
}

/// Keeps the first `n` lines of `file` (a cut at a line boundary, as an interrupted copy
/// leaves it).
pub fn cut_to_lines(file: &Path, n: usize) {
    let bytes = std::fs::read(file).unwrap();
    let keep: usize = bytes.split_inclusive(|&b| b == b'\n').take(n).map(<[u8]>::len).sum();
    std::fs::write(file, &bytes[..keep]).unwrap();
}

/// `validate` of the bundled fixture with every input its pre-import checks need: its
/// configuration and the labels its secondary knows.
pub const FIXTURE_COMPLETE: [&str; 6] = [
    "validate",
    "fixtures/slab-a-daily",
    "--config",
    "fixtures/slab-a-daily.toml",
    "--labels",
    "fixtures/slab-a-daily.labels",
];
