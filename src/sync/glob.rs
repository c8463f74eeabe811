//! Glob patterns for exclusions and skipped lines: `*` any run of characters, `?` one
//! character, `[...]` one character of a set (`[A-Z0-9]`, `[!X]` for "not X"), `\` makes
//! the next character literal. A pattern matches the whole value, case-sensitively.

/// One element of a compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
    /// A set of ranges (single characters are ranges of one); `negated` for `[!...]`.
    Set {
        ranges: Vec<(char, char)>,
        negated: bool,
    },
}

/// A compiled glob pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    source: String,
    tokens: Vec<Token>,
}

impl Glob {
    /// Compiles `pattern`; an unclosed `[` or a trailing `\` is an error.
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            let t = match c {
                '*' => Token::AnyRun,
                '?' => Token::AnyOne,
                '\\' => Token::Literal(chars.next().ok_or("a pattern cannot end with \\")?),
                '[' => set(&mut chars)?,
                _ => Token::Literal(c),
            };
            // Consecutive stars match what one star matches; keep one.
            if !(t == Token::AnyRun && tokens.last() == Some(&Token::AnyRun)) {
                tokens.push(t);
            }
        }
        Ok(Glob { source: pattern.to_string(), tokens })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        // Iterative matching with one backtrack point (the last star), linear in practice.
        let (mut t, mut p) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::AnyRun) => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(tok) if one(tok, text[t]) => {
                    t += 1;
                    p += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|tok| *tok == Token::AnyRun)
    }
}

fn one(tok: &Token, c: char) -> bool {
    match tok {
        Token::Literal(l) => *l == c,
        Token::AnyOne => true,
        Token::AnyRun => false,
        Token::Set { ranges, negated } => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated,
    }
}

fn set(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Token, String> {
    let negated = matches!(chars.peek(), Some('!' | '^'));
    if negated {
        chars.next();
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = chars.next().ok_or("a [ set is not closed with ]")?;
        // A ] right after the [ (or [!) is a member, as in shells.
        if c == ']' && !first {
            break;
        }
        first = false;
        let lo = if c == '\\' { chars.next().ok_or("a pattern cannot end with \\")? } else { c };
        let mut lookahead = chars.clone();
        if lookahead.next() == Some('-')
            && let Some(hi) = lookahead.next()
            && hi != ']'
        {
            chars.next();
            chars.next();
            if hi < lo {
                return Err(format!("the range {lo}-{hi} is backwards"));
            }
            ranges.push((lo, hi));
        } else {
            ranges.push((lo, lo));
        }
    }
    Ok(Token::Set { ranges, negated })
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).unwrap().matches(t)
    }

    #[test]
    fn stars_questions_and_sets() {
        assert!(m("CLN*", "CLN001"));
        assert!(m("CLN*", "CLN"));
        assert!(!m("CLN*", "XCLN"));
        assert!(m("*TMP*", "A.TMP.B"));
        assert!(m("SA?001", "SAD001"));
        assert!(!m("SA?001", "SA001"));
        assert!(m("[A-C]*", "BX"));
        assert!(!m("[!A-C]*", "BX"));
        assert!(m("[]]", "]"));
        assert!(m("a\\*", "a*"));
        assert!(!m("a\\*", "ab"));
        assert!(m("*a*b*c", "xxaxxbxxc"));
        assert!(m("", ""));
        assert!(!m("", "x"));
    }

    #[test]
    fn malformed_patterns_are_refused() {
        assert!(Glob::new("[abc").is_err());
        assert!(Glob::new("abc\\").is_err());
        assert!(Glob::new("[z-a]").is_err());
    }
}
