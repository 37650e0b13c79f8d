//! A JSON writer for the request path: strings escaped eight bytes at a time, objects written
//! member by member into one buffer. Its output is byte for byte what `serde_json`'s compact
//! writer gives for the same values (the same escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
//! `\t`, other control characters as `\u00xx`; nothing else escaped). Pure.
//!
//! Used where a JSON document is written on every request (the Lambda proxy event), so that
//! its text is not scanned byte by byte nor gathered in a tree first.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes of `w` must be escaped: below 0x20, `"` or `\`. Exact (no
/// byte that needs no escape makes it true unless another byte does).
#[inline]
fn word_needs_escape(w: u64) -> bool {
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    let q = w ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let b = w ^ (ONES * u64::from(b'\\'));
    let backslash = b.wrapping_sub(ONES) & !b;
    (below_space | quote | backslash) & HIGH != 0
}

/// The escape of one byte: 0 for none, `u` for `\u00xx`, else the letter after `\`.
#[inline]
fn escape_of(b: u8) -> u8 {
    match b {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0..=0x1f => b'u',
        _ => 0,
    }
}

/// Whether any byte of `b` must be escaped, read a word at a time (the last, short word
/// padded with a byte that needs none).
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        if word_needs_escape(u64::from_le_bytes(w.try_into().unwrap_or_default())) {
            return true;
        }
    }
    let rest = words.remainder();
    if rest.is_empty() {
        return false;
    }
    let mut last = [b'a'; 8];
    last[..rest.len()].copy_from_slice(rest);
    word_needs_escape(u64::from_le_bytes(last))
}

/// Appends `s` as a JSON string, quotes included.
pub fn string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    if needs_escape(b) {
        escaped(out, b);
    } else {
        out.extend_from_slice(b);
    }
    out.push(b'"');
}

/// `b` with its escapes, byte by byte.
#[cold]
fn escaped(out: &mut Vec<u8>, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let e = escape_of(c);
        if e == 0 {
            continue;
        }
        out.extend_from_slice(&b[start..i]);
        if e == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 0xf)],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', e]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
}

/// Appends `n` in decimal.
pub fn number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// An object being written: `{` on creation, a `,` before each member after the first, `}`
/// from [`Obj::end`].
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Starts a member named by a literal that needs no escape (`"name":`); the caller then
    /// writes its value into the returned buffer.
    pub fn key(&mut self, name: &str) -> &mut Vec<u8> {
        debug_assert!(name.bytes().all(|b| escape_of(b) == 0), "{name}");
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    /// Starts a member whose name may need escaping.
    pub fn key_text(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        string(self.out, name);
        self.out.push(b':');
        self.out
    }

    pub fn str(&mut self, name: &str, v: &str) {
        string(self.key(name), v);
    }

    /// The text, or `null`.
    pub fn opt(&mut self, name: &str, v: Option<&str>) {
        let out = self.key(name);
        match v {
            Some(v) => string(out, v),
            None => out.extend_from_slice(b"null"),
        }
    }

    /// The text, or no member at all.
    pub fn some(&mut self, name: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(name, v);
        }
    }

    pub fn null(&mut self, name: &str) {
        self.key(name).extend_from_slice(b"null");
    }

    pub fn bool(&mut self, name: &str, v: bool) {
        let text: &[u8] = if v { b"true" } else { b"false" };
        self.key(name).extend_from_slice(text);
    }

    pub fn u64(&mut self, name: &str, v: u64) {
        number(self.key(name), v);
    }

    /// An object member: `write` fills it.
    pub fn obj(&mut self, name: &str, write: impl FnOnce(&mut Obj<'_>)) {
        let mut inner = Obj::new(self.key(name));
        write(&mut inner);
        inner.end();
    }

    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// Appends `[v, …]`, each a JSON string.
pub fn strings<'s>(out: &mut Vec<u8>, values: impl IntoIterator<Item = &'s str>) {
    out.push(b'[');
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, v);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(s: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut cases: Vec<String> = [
            "",
            "plain",
            "exactly8",
            "sixteen bytes ok",
            "a\"b",
            "back\\slash at 9",
            "tab\there and\nnewline\r\u{8}\u{c}",
            "\u{0}\u{1}\u{1f}\u{7f} end",
            "é ü 日本語 🎉 \"quoted\" \\",
            "{\"json\":[1,2,{\"k\":\"v\"}]}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every byte value below 0x80 at every offset of a 17-byte string.
        for c in 0u8..0x80 {
            for at in 0..17 {
                let mut s = vec![b'x'; 17];
                s[at] = c;
                cases.push(String::from_utf8(s).unwrap());
            }
        }
        for s in &cases {
            assert_eq!(written(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn the_word_test_finds_each_byte_that_needs_escaping_and_no_other() {
        for c in 0u8..=255 {
            for at in 0..8 {
                let mut w = [b'a'; 8];
                w[at] = c;
                let want = c < 0x20 || c == b'"' || c == b'\\';
                assert_eq!(
                    word_needs_escape(u64::from_le_bytes(w)),
                    want,
                    "{c:#x} at {at}"
                );
            }
        }
    }

    #[test]
    fn objects_numbers_and_arrays() {
        let mut out = Vec::new();
        let mut o = Obj::new(&mut out);
        o.str("a", "x");
        o.opt("b", None);
        o.some("skipped", None);
        o.some("c", Some("y"));
        o.bool("d", true);
        o.u64("e", 1_733_000_000_123);
        o.u64("zero", 0);
        o.obj("f", |f| {
            f.key_text("we\"ird").push(b'1');
            f.null("g");
        });
        strings(o.key("h"), ["1", "2"]);
        o.end();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"a":"x","b":null,"c":"y","d":true,"e":1733000000123,"zero":0,"f":{"we\"ird":1,"g":null},"h":["1","2"]}"#
        );
    }
}
