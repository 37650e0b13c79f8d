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

/// Whether `c` must be escaped (the bytes [`word_needs_escape`] finds).
#[inline]
const fn byte_needs_escape(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

/// Whether any byte of `b` must be escaped (or, with `NON_ASCII`, is not ASCII), read a word
/// at a time: the last word overlaps the one before it rather than being copied and padded; a
/// text shorter than a word is read byte by byte.
#[inline]
fn any_to_check<const NON_ASCII: bool>(b: &[u8]) -> bool {
    if b.len() < 8 {
        return b
            .iter()
            .any(|&c| byte_needs_escape(c) || (NON_ASCII && c >= 0x80));
    }
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        let w = u64::from_le_bytes(w);
        (NON_ASCII && w & HIGH != 0) || word_needs_escape(w)
    };
    let mut at = 0;
    while at + 8 <= b.len() {
        if word(at) {
            return true;
        }
        at += 8;
    }
    at < b.len() && word(b.len() - 8)
}

/// `b` between quotes, as it is.
#[inline]
fn quoted(out: &mut Vec<u8>, b: &[u8]) {
    out.reserve(b.len() + 2);
    out.push(b'"');
    out.extend_from_slice(b);
    out.push(b'"');
}

/// Appends `s` as a JSON string, quotes included.
pub fn string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if any_to_check::<false>(b) {
        out.push(b'"');
        escaped(out, b);
        out.push(b'"');
    } else {
        quoted(out, b);
    }
}

/// Appends `b` as a JSON string, quotes included; bytes that are not UTF-8 become U+FFFD, as
/// `String::from_utf8_lossy` reads them. Plain ASCII (the usual header name or value) is
/// checked eight bytes at a time and copied as it is.
pub fn text(out: &mut Vec<u8>, b: &[u8]) {
    if any_to_check::<true>(b) {
        string(out, &String::from_utf8_lossy(b));
    } else {
        quoted(out, b);
    }
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

/// A member name fixed when the program is built, with the text around it (`,"name":`),
/// so that starting a member is one copy. Made by [`key!`](crate::json_out::key), which
/// checks at build time that the name needs no escape.
#[derive(Clone, Copy, Debug)]
pub struct Key(&'static str);

impl Key {
    /// `text` is `,"name":`; a name that would need an escape fails the build (in a
    /// `const`, as [`key!`](crate::json_out::key) uses it).
    pub const fn new(text: &'static str) -> Key {
        let b = text.as_bytes();
        assert!(b.len() >= 4 && b[0] == b',' && b[1] == b'"');
        assert!(b[b.len() - 2] == b'"' && b[b.len() - 1] == b':');
        let mut i = 2;
        while i < b.len() - 2 {
            assert!(
                !byte_needs_escape(b[i]),
                "a member name that needs an escape"
            );
            i += 1;
        }
        Key(text)
    }
}

/// `key!("name")`: the [`Key`] of a literal member name, checked when the program is built.
macro_rules! key {
    ($name:literal) => {{
        const K: $crate::json_out::Key = $crate::json_out::Key::new(concat!(",\"", $name, "\":"));
        K
    }};
}
pub(crate) use key;

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

    /// Starts a member (`"name":`, after a `,` unless it is the first); the caller then
    /// writes its value into the returned buffer.
    pub fn key(&mut self, k: Key) -> &mut Vec<u8> {
        let text = if self.first { &k.0[1..] } else { k.0 };
        self.first = false;
        self.out.extend_from_slice(text.as_bytes());
        self.out
    }

    /// Starts a member whose name may need escaping (as [`text`] writes it).
    pub fn key_text(&mut self, name: impl AsRef<[u8]>) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        text(self.out, name.as_ref());
        self.out.push(b':');
        self.out
    }

    pub fn str(&mut self, k: Key, v: &str) {
        string(self.key(k), v);
    }

    /// Bytes as [`text`] writes them.
    pub fn text(&mut self, k: Key, v: &[u8]) {
        text(self.key(k), v);
    }

    /// The text, or `null`.
    pub fn opt(&mut self, k: Key, v: Option<&str>) {
        let out = self.key(k);
        match v {
            Some(v) => string(out, v),
            None => out.extend_from_slice(b"null"),
        }
    }

    /// The text, or no member at all.
    pub fn some(&mut self, k: Key, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }

    pub fn null(&mut self, k: Key) {
        self.key(k).extend_from_slice(b"null");
    }

    pub fn bool(&mut self, k: Key, v: bool) {
        let text: &[u8] = if v { b"true" } else { b"false" };
        self.key(k).extend_from_slice(text);
    }

    pub fn u64(&mut self, k: Key, v: u64) {
        number(self.key(k), v);
    }

    /// An object member: `write` fills it.
    pub fn obj(&mut self, k: Key, write: impl FnOnce(&mut Obj<'_>)) {
        let mut inner = Obj::new(self.key(k));
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
        // Every byte value below 0x80 at every offset of strings of 1 to 17 bytes (shorter
        // than a word, whole words, and a last word overlapping the one before).
        for len in 1..=17 {
            for c in 0u8..0x80 {
                for at in 0..len {
                    let mut s = vec![b'x'; len];
                    s[at] = c;
                    cases.push(String::from_utf8(s).unwrap());
                }
            }
        }
        for s in &cases {
            let mut t = Vec::new();
            text(&mut t, s.as_bytes());
            assert_eq!(
                String::from_utf8(t).unwrap(),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
            assert_eq!(written(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn bytes_are_written_as_their_lossy_text() {
        // Every byte value at every offset of strings of 1 to 17 bytes, and mixed texts.
        let mut cases: Vec<Vec<u8>> = vec![
            b"caf\xe9 ok".to_vec(),
            "caf\u{e9} ok \"q\"".as_bytes().to_vec(),
            b"\xff\xfe\x00\n".to_vec(),
            Vec::new(),
        ];
        for len in 1..=17 {
            for c in 0u8..=255 {
                for at in 0..len {
                    let mut s = vec![b'x'; len];
                    s[at] = c;
                    cases.push(s);
                }
            }
        }
        for b in &cases {
            let mut out = Vec::new();
            text(&mut out, b);
            let want = serde_json::to_string(&String::from_utf8_lossy(b)).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), want, "{b:?}");
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
        o.str(key!("a"), "x");
        o.opt(key!("b"), None);
        o.some(key!("skipped"), None);
        o.some(key!("c"), Some("y"));
        o.bool(key!("d"), true);
        o.u64(key!("e"), 1_733_000_000_123);
        o.u64(key!("zero"), 0);
        o.obj(key!("f"), |f| {
            f.key_text("we\"ird").push(b'1');
            f.null(key!("g"));
        });
        strings(o.key(key!("h")), ["1", "2"]);
        o.end();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"a":"x","b":null,"c":"y","d":true,"e":1733000000123,"zero":0,"f":{"we\"ird":1,"g":null},"h":["1","2"]}"#
        );
    }
}
