//! Java regular expressions: translation of Java's ASCII-only `\d \w \s`
//! classes and `\Q…\E` quoting, Java replacement strings (`$1`, `${name}`,
//! `\$`), `String.split` semantics and full-string `matches`. Patterns run on
//! the `regex` crate, or on `fancy-regex` when they use lookaround,
//! backreferences, atomic groups or possessive quantifiers (`regex_engine.rs`).

use crate::regex_engine::{Groups, Pattern};
use crate::value::{LIMIT_PREFIX, MAX_COLLECTION, MAX_STRING_BYTES};

/// Translates a Java pattern into `regex` syntax.
fn translate(java: &str) -> String {
    let mut out = String::with_capacity(java.len() + 8);
    let mut chars = java.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('W') => out.push_str("[^0-9A-Za-z_]"),
            Some('s') => out.push_str("[\\t\\n\\x0B\\f\\r ]"),
            Some('S') => out.push_str("[^\\t\\n\\x0B\\f\\r ]"),
            Some('Q') => {
                let mut lit = String::new();
                while let Some(q) = chars.next() {
                    if q == '\\' && chars.peek() == Some(&'E') {
                        chars.next();
                        break;
                    }
                    lit.push(q);
                }
                out.push_str(&regex::escape(&lit));
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn compile(java: &str, anchored: bool) -> Result<Pattern, String> {
    let t = translate(java);
    let t = if anchored {
        format!("\\A(?:{t})\\z")
    } else {
        t
    };
    Pattern::new(&t)
}

/// `String.matches`.
pub(crate) fn full_match(s: &str, java: &str) -> Result<bool, String> {
    compile(java, true)?.is_match(s)
}

/// Expands a Java replacement string for one match.
fn expand(caps: &dyn Groups, rep: &str, out: &mut String) -> Result<(), String> {
    let b = rep.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b.get(i) {
            Some(b'\\') => {
                let ch = rep.get(i + 1..).and_then(|r| r.chars().next());
                match ch {
                    Some(c) => {
                        out.push(c);
                        i += 1 + c.len_utf8();
                    }
                    None => return Err("character to be escaped is missing".into()),
                }
            }
            Some(b'$') => {
                i += 1;
                if b.get(i) == Some(&b'{') {
                    let end = rep
                        .get(i..)
                        .and_then(|r| r.find('}'))
                        .ok_or("named capturing group is missing trailing '}'")?;
                    let name = rep.get(i + 1..i + end).unwrap_or("");
                    let m = caps
                        .named(name)
                        .ok_or_else(|| format!("No group with name {{{name}}}"))?;
                    out.push_str(m);
                    i += end + 1;
                    continue;
                }
                let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) else {
                    return Err("Illegal group reference".into());
                };
                let mut group = usize::from(d - b'0');
                i += 1;
                if group >= caps.count() {
                    return Err(format!("No group {group}"));
                }
                while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
                    let next = group * 10 + usize::from(d - b'0');
                    if next >= caps.count() {
                        break;
                    }
                    group = next;
                    i += 1;
                }
                out.push_str(caps.group(group).unwrap_or(""));
            }
            Some(_) => {
                let start = i;
                while matches!(b.get(i), Some(c) if *c != b'\\' && *c != b'$') {
                    i += 1;
                }
                out.push_str(rep.get(start..i).unwrap_or(""));
            }
            None => break,
        }
    }
    Ok(())
}

/// `replaceAll` / `replaceFirst`.
pub(crate) fn replace(s: &str, java: &str, rep: &str, all: bool) -> Result<String, String> {
    let re = compile(java, false)?;
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    re.each_match(s, |start, end, caps| {
        out.push_str(s.get(last..start).unwrap_or(""));
        expand(caps, rep, &mut out)?;
        if out.len() > MAX_STRING_BYTES {
            return Err(format!("{LIMIT_PREFIX}replaceAll() result too large"));
        }
        last = end;
        Ok(all)
    })?;
    out.push_str(s.get(last..).unwrap_or(""));
    Ok(out)
}

/// `String.split(regex, limit)` with Java's rules for empty strings.
pub(crate) fn split(s: &str, java: &str, limit: i64) -> Result<Vec<String>, String> {
    let re = compile(java, false)?;
    let spans = re.spans(s, MAX_COLLECTION + 1)?;
    if spans.len() > MAX_COLLECTION {
        return Err(format!("{LIMIT_PREFIX}split() yields too many parts"));
    }
    let mut list: Vec<String> = Vec::new();
    let mut index = 0;
    let limited = limit > 0;
    let mut matched = false;
    for (start, end) in spans {
        if limited && list.len() as i64 >= limit - 1 {
            break;
        }
        if start == 0 && end == 0 {
            continue;
        }
        if index == 0 && start == 0 && start == end {
            continue;
        }
        matched = true;
        list.push(s.get(index..start).unwrap_or("").to_string());
        index = end;
    }
    if !matched {
        return Ok(vec![s.to_string()]);
    }
    list.push(s.get(index..).unwrap_or("").to_string());
    if limit == 0 {
        while list.last().is_some_and(|l| l.is_empty()) {
            list.pop();
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_drops_trailing_empties() {
        assert_eq!(split("a,b,,", ",", 0).unwrap(), vec!["a", "b"]);
        assert_eq!(split(",a", ",", 0).unwrap(), vec!["", "a"]);
        assert_eq!(split("a,b,c", ",", 2).unwrap(), vec!["a", "b,c"]);
        assert_eq!(split("abc", "", 0).unwrap(), vec!["a", "b", "c"]);
        assert_eq!(split("", ",", 0).unwrap(), vec![""]);
    }

    #[test]
    fn java_replacement_groups() {
        assert_eq!(
            replace("a1b22", "(\\d+)", "<$1>", true).unwrap(),
            "a<1>b<22>"
        );
        assert_eq!(replace("aaa", "a", "\\$", false).unwrap(), "$aa");
        assert!(replace("a", "a", "$2", true).is_err());
    }

    #[test]
    fn ascii_classes() {
        assert!(full_match("abc_1", "\\w+").unwrap());
        assert!(!full_match("é", "\\w").unwrap());
    }
}
