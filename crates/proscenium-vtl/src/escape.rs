//! String escapers behind `$util`: commons-lang 2 `escapeJavaScript`, and
//! `java.net.URLEncoder` / `URLDecoder` in UTF-8.

/// `StringEscapeUtils.escapeJavaScript` (commons-lang 2.6): escapes `'`, `"`,
/// `\`, `/`, control characters and every non-ASCII UTF-16 unit as `\uXXXX`.
#[cfg(test)]
pub(crate) fn escape_javascript(s: &str) -> String {
    let mut out = String::new();
    match escape_javascript_into(s, &mut out) {
        true => out,
        false => s.to_string(),
    }
}

/// Writes the escaped form of `s` into `out` (cleared first) and returns
/// true, or returns false when `s` has nothing to escape.
pub(crate) fn escape_javascript_into(s: &str, out: &mut String) -> bool {
    let bytes = s.as_bytes();
    let Some(mut i) = bytes.iter().position(|b| needs_js_escape(*b)) else {
        return false;
    };
    out.clear();
    out.reserve(s.len() + 8);
    // Runs of characters that stay as they are are copied whole; `run` and
    // `i` are always at character boundaries.
    let mut run = 0;
    while let Some(&b) = bytes.get(i) {
        if !needs_js_escape(b) {
            i += 1;
            continue;
        }
        out.push_str(s.get(run..i).unwrap_or_default());
        if b < 0x80 {
            push_js_escape(out, u16::from(b));
            i += 1;
        } else {
            let Some(c) = s.get(i..).and_then(|t| t.chars().next()) else {
                break;
            };
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                push_js_escape(out, *u);
            }
            i += c.len_utf8();
        }
        run = i;
    }
    out.push_str(s.get(run..).unwrap_or_default());
    true
}

fn push_js_escape(out: &mut String, u: u16) {
    match u {
        0x22 => out.push_str("\\\""),
        0x27 => out.push_str("\\'"),
        0x5C => out.push_str("\\\\"),
        0x2F => out.push_str("\\/"),
        0x08 => out.push_str("\\b"),
        0x0A => out.push_str("\\n"),
        0x09 => out.push_str("\\t"),
        0x0C => out.push_str("\\f"),
        0x0D => out.push_str("\\r"),
        u => push_unicode_escape(out, u),
    }
}

/// Whether `escape_javascript` rewrites the character starting with byte `b`
/// (any byte of a non-ASCII character).
#[inline]
pub(crate) fn needs_js_escape(b: u8) -> bool {
    JS_ESCAPE[usize::from(b)]
}

const JS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i < 0x20 || i >= 0x80;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'/' as usize] = true;
    t
};

/// `\uXXXX` with uppercase hex digits.
fn push_unicode_escape(out: &mut String, u: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        let d = HEX
            .get(usize::from((u >> shift) & 0xF))
            .copied()
            .unwrap_or(b'0');
        out.push(char::from(d));
    }
}

/// `URLEncoder.encode(s, "UTF-8")`: space becomes `+`, `.-*_` and alphanumerics stay.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `URLDecoder.decode(s, "UTF-8")`: `+` is a space; a bad `%` escape is an error.
pub(crate) fn url_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut pending: Vec<u8> = Vec::new();
    while i < b.len() {
        match b.get(i) {
            Some(b'%') => {
                let hex = s.get(i + 1..i + 3).filter(|h| h.len() == 2);
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(|| {
                    "java.lang.IllegalArgumentException: URLDecoder: Illegal hex characters in escape (%) pattern"
                        .to_string()
                })?;
                pending.push(byte);
                i += 3;
                continue;
            }
            Some(c) => {
                if !pending.is_empty() {
                    out.push_str(&String::from_utf8_lossy(&pending));
                    pending.clear();
                }
                if *c == b'+' {
                    out.push(' ');
                    i += 1;
                } else {
                    let start = i;
                    while matches!(b.get(i), Some(c) if *c != b'%' && *c != b'+') {
                        i += 1;
                    }
                    out.push_str(s.get(start..i).unwrap_or(""));
                }
            }
            None => break,
        }
    }
    if !pending.is_empty() {
        out.push_str(&String::from_utf8_lossy(&pending));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_javascript_like_commons_lang() {
        assert_eq!(escape_javascript(r#"a'b"c\d/e"#), r#"a\'b\"c\\d\/e"#);
        assert_eq!(escape_javascript("é\n\u{1}"), "\\u00E9\\n\\u0001");
        assert_eq!(escape_javascript("😀"), "\\uD83D\\uDE00");
        assert_eq!(escape_javascript("\u{7f}"), "\u{7f}");
    }

    #[test]
    fn escape_javascript_matches_unit_by_unit_reference() {
        // commons-lang's loop, one UTF-16 unit at a time.
        fn reference(s: &str) -> String {
            let mut out = String::new();
            for u in s.encode_utf16() {
                match u {
                    0x22 | 0x27 | 0x5C | 0x2F | 0x08 | 0x0A | 0x09 | 0x0C | 0x0D => {
                        push_js_escape(&mut out, u)
                    }
                    u if !(0x20..=0x7f).contains(&u) => out.push_str(&format!("\\u{u:04X}")),
                    u => out.push(char::from(u as u8)),
                }
            }
            out
        }
        let alphabet: Vec<char> = "ab /'\"\\\n\t\u{1}\u{7f}\u{80}é€😀\r\u{8}\u{c}"
            .chars()
            .collect();
        let mut seed: u32 = 12345;
        for _ in 0..5000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = (seed >> 16) % 12;
            let mut s = String::new();
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                s.push(alphabet[(seed >> 16) as usize % alphabet.len()]);
            }
            assert_eq!(escape_javascript(&s), reference(&s), "{s:?}");
        }
    }

    #[test]
    fn url_round_trip() {
        assert_eq!(url_encode("a b&c=d/é*~"), "a+b%26c%3Dd%2F%C3%A9*%7E");
        assert_eq!(url_decode("a+b%26c%3Dd%2F%C3%A9").unwrap(), "a b&c=d/é");
        assert!(url_decode("%zz").is_err());
    }
}
