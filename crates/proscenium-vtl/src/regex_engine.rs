//! The two engines behind Java patterns: the `regex` crate (linear time) for
//! every pattern it supports, and `fancy-regex` (backtracking, with a step
//! limit) only for patterns using what Java has and `regex` lacks:
//! lookahead, lookbehind, backreferences, atomic groups and possessive
//! quantifiers.

use crate::value::LIMIT_PREFIX;

/// A compiled pattern (already translated from Java syntax).
pub(crate) enum Pattern {
    Plain(regex::Regex),
    Fancy(fancy_regex::Regex),
}

/// The groups of one match, whichever engine found it.
pub(crate) trait Groups {
    /// Group `i` (0 is the whole match); `None` if it did not take part.
    fn group(&self, i: usize) -> Option<&str>;
    fn named(&self, name: &str) -> Option<&str>;
    /// Number of groups, the whole match included.
    fn count(&self) -> usize;
}

impl Groups for regex::Captures<'_> {
    fn group(&self, i: usize) -> Option<&str> {
        self.get(i).map(|m| m.as_str())
    }
    fn named(&self, name: &str) -> Option<&str> {
        self.name(name).map(|m| m.as_str())
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl Groups for fancy_regex::Captures<'_, str> {
    fn group(&self, i: usize) -> Option<&str> {
        self.get(i).map(|m| m.as_str())
    }
    fn named(&self, name: &str) -> Option<&str> {
        self.name(name).map(|m| m.as_str())
    }
    fn count(&self) -> usize {
        self.len()
    }
}

fn syntax_error(e: impl std::fmt::Display) -> String {
    format!("java.util.regex.PatternSyntaxException: {e}")
}

fn run_error(e: fancy_regex::Error) -> String {
    match e {
        fancy_regex::Error::RuntimeError(_) => {
            format!("{LIMIT_PREFIX}regular expression backtracking ({e})")
        }
        other => syntax_error(other),
    }
}

/// Steps a backtracking match may take before the render fails.
const BACKTRACK_LIMIT: usize = 1_000_000;

impl Pattern {
    pub(crate) fn new(pattern: &str) -> Result<Pattern, String> {
        if needs_backtracking(pattern) {
            return fancy_regex::RegexBuilder::new(pattern)
                .backtrack_limit(BACKTRACK_LIMIT)
                .delegate_size_limit(1 << 20)
                .delegate_dfa_size_limit(1 << 20)
                .build()
                .map(Pattern::Fancy)
                .map_err(syntax_error);
        }
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .nest_limit(64)
            .build()
            .map(Pattern::Plain)
            .map_err(syntax_error)
    }

    pub(crate) fn is_match(&self, s: &str) -> Result<bool, String> {
        match self {
            Pattern::Plain(re) => Ok(re.is_match(s)),
            Pattern::Fancy(re) => re.is_match(s).map_err(run_error),
        }
    }

    /// Calls `f(start, end, groups)` for each match, left to right, until it
    /// returns `Ok(false)`.
    pub(crate) fn each_match(
        &self,
        s: &str,
        mut f: impl FnMut(usize, usize, &dyn Groups) -> Result<bool, String>,
    ) -> Result<(), String> {
        match self {
            Pattern::Plain(re) => {
                for caps in re.captures_iter(s) {
                    let Some(m) = caps.get(0) else { continue };
                    if !f(m.start(), m.end(), &caps)? {
                        break;
                    }
                }
            }
            Pattern::Fancy(re) => {
                for caps in re.captures_iter(s) {
                    let caps = caps.map_err(run_error)?;
                    let Some(m) = caps.get(0) else { continue };
                    if !f(m.start(), m.end(), &caps)? {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// The spans of the first `max` matches.
    pub(crate) fn spans(&self, s: &str, max: usize) -> Result<Vec<(usize, usize)>, String> {
        match self {
            Pattern::Plain(re) => Ok(re
                .find_iter(s)
                .take(max)
                .map(|m| (m.start(), m.end()))
                .collect()),
            Pattern::Fancy(re) => re
                .find_iter(s)
                .take(max)
                .map(|m| m.map(|m| (m.start(), m.end())).map_err(run_error))
                .collect(),
        }
    }
}

/// Whether a (translated) pattern uses lookaround, a backreference, an
/// atomic group or a possessive quantifier outside character classes.
fn needs_backtracking(p: &str) -> bool {
    let b = p.as_bytes();
    let mut class = 0usize;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => {
                let next = b.get(i + 1).copied();
                if class == 0 && matches!(next, Some(b'1'..=b'9' | b'k')) {
                    return true;
                }
                i += 2;
                continue;
            }
            b'[' => class += 1,
            b']' if class > 0 => class -= 1,
            b'(' if class == 0 => {
                let rest = b.get(i + 1..).unwrap_or_default();
                if [&b"?="[..], b"?!", b"?<=", b"?<!", b"?>"]
                    .iter()
                    .any(|p| rest.starts_with(p))
                {
                    return true;
                }
            }
            b'*' | b'+' | b'?' | b'}' if class == 0 && b.get(i + 1) == Some(&b'+') => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_java_extras_go_to_the_backtracking_engine() {
        for p in [
            "a(?=b)",
            "(?!x)y",
            "(?<=a)b",
            "(?<!a)b",
            "(a)\\1",
            "(?<n>a)\\k<n>",
            "(?>ab|a)c",
            "a*+",
            "a++b",
            "a?+",
            "a{2}+",
        ] {
            assert!(needs_backtracking(p), "{p}");
            assert!(matches!(Pattern::new(p), Ok(Pattern::Fancy(_))), "{p}");
        }
        assert!(!needs_backtracking("[\\1]"));
        for p in ["a+b", "[(?=]", "\\(?=", "(?:a)", "(?<n>a)", "a{2}", "\\\\1"] {
            assert!(!needs_backtracking(p), "{p}");
            assert!(matches!(Pattern::new(p), Ok(Pattern::Plain(_))), "{p}");
        }
    }

    #[test]
    fn runaway_backtracking_is_a_limit() {
        let re = Pattern::new("^(a|a?)+\\1(?=b)").unwrap();
        let e = re.is_match(&format!("{}c", "a".repeat(40))).unwrap_err();
        assert!(e.starts_with(LIMIT_PREFIX), "{e}");
    }
}
