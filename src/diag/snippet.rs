//! Making bytes from a possibly hostile file safe to print: control characters, invalid
//! UTF-8 and terminal escape sequences never reach the operator's terminal as such.

/// How many display characters of a source line a snippet shows at most.
const WINDOW: usize = 100;

/// A source line made printable, with the caret's position in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// The printable text.
    pub text: String,
    /// The caret's 0-based position, in characters of `text`.
    pub caret: usize,
}

impl Snippet {
    /// The snippet of `line` pointing at the 1-based byte `column`. Long lines are cut to a
    /// window around the column, with `…` where text was left out.
    pub fn new(line: &[u8], column: u64) -> Self {
        let col = (column.saturating_sub(1) as usize).min(line.len());
        let (start, prefix) = if col > WINDOW / 2 { (col - WINDOW / 2, "…") } else { (0, "") };
        let end = (start + WINDOW).min(line.len());
        let suffix = if end < line.len() { "…" } else { "" };
        let before = display_bytes(&line[start..col]);
        let after = display_bytes(&line[col..end]);
        let caret = prefix.chars().count() + before.chars().count();
        Snippet { text: format!("{prefix}{before}{after}{suffix}"), caret }
    }
}

/// `bytes` as printable text: valid UTF-8 is kept except control characters, which become
/// `\xNN` (like every byte of invalid UTF-8).
pub fn display_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() || invisible(c) {
                push_escaped(&mut out, c);
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Characters that change how a terminal shows the text around them without showing
/// themselves: bidirectional controls and zero-width characters.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn push_escaped(out: &mut String, c: char) {
    let n = c as u32;
    if n < 0x100 {
        out.push_str(&format!("\\x{n:02X}"));
    } else {
        out.push_str(&format!("\\u{{{n:X}}}"));
    }
}
