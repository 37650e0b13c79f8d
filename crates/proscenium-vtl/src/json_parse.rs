//! A strict RFC 8259 JSON parser that builds template values directly (no
//! intermediate tree): objects become insertion-ordered maps (a repeated key
//! keeps its first position and last value), integers become Integer, Long or
//! BigInteger like json-smart, other numbers Double. Nesting is bounded.

use std::collections::HashMap;
use std::rc::Rc;

use crate::value::{JMap, JStr, Value};

pub(crate) const MAX_DEPTH: usize = 128;

/// Bytes that end the plain part of a string: `"`, `\\` and control characters.
pub(crate) const STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

pub(crate) struct P<'a> {
    /// Shared copy of the input: escape-free strings become slices of it.
    pub(crate) body: Rc<str>,
    s: &'a str,
    pub(crate) b: &'a [u8],
    pub(crate) i: usize,
    /// Elements of the arrays being parsed, innermost last: each array takes
    /// its own at its end, in one allocation of the right size.
    items: Vec<Value>,
    /// Entries of the objects being parsed, likewise.
    entries: Vec<(Value, Value)>,
    /// A string with escapes being decoded.
    text: String,
}

fn err<T>(p: &P<'_>, msg: &str) -> Result<T, String> {
    Err(format!("invalid JSON: {msg} at byte {}", p.i))
}

/// Parses one JSON document (surrounding whitespace allowed).
pub(crate) fn parse(s: &str) -> Result<Value, String> {
    parse_shared(Rc::from(s))
}

/// [`parse`] of text already shared: its strings are slices of it.
pub(crate) fn parse_shared(body: Rc<str>) -> Result<Value, String> {
    let mut p = P::new(&body);
    p.items.reserve(16);
    p.entries.reserve(32);
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return err(&p, "trailing characters");
    }
    Ok(v)
}

impl<'a> P<'a> {
    /// A parser at the start of `body`.
    pub(crate) fn new(body: &'a Rc<str>) -> P<'a> {
        P {
            body: body.clone(),
            s: body,
            b: body.as_bytes(),
            i: 0,
            items: Vec::new(),
            entries: Vec::new(),
            text: String::new(),
        }
    }

    #[inline]
    pub(crate) fn ws(&mut self) {
        // Compact JSON has none: one comparison decides.
        if self.b.get(self.i).is_some_and(|c| *c <= b' ') {
            while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.i += 1;
            }
        }
    }

    fn lit(&mut self, word: &str, v: Value) -> Result<Value, String> {
        if self
            .b
            .get(self.i..)
            .is_some_and(|r| r.starts_with(word.as_bytes()))
        {
            self.i += word.len();
            Ok(v)
        } else {
            err(self, "unexpected token")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return err(self, "nesting too deep");
        }
        match self.b.get(self.i) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string_value(),
            Some(b't') => self.lit("true", Value::Bool(true)),
            Some(b'f') => self.lit("false", Value::Bool(false)),
            Some(b'n') => self.lit("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => err(self, "expected a value"),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mark = self.entries.len();
        // Key positions, built once an object is large enough that linear
        // duplicate checks would make hostile bodies quadratic.
        let mut index: Option<HashMap<String, usize>> = None;
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::map(JMap::default()));
        }
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return err(self, "expected a string key");
            }
            let Value::Str(k) = self.string_value()? else {
                return err(self, "bad key");
            };
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return err(self, "expected ':'");
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            let open = self.entries.get_mut(mark..).unwrap_or_default();
            if index.is_none() && open.len() >= 16 {
                let keys = open.iter().enumerate();
                index = Some(
                    keys.map(|(i, (key, _))| (key.to_java_string(), i))
                        .collect(),
                );
            }
            let found = match &index {
                Some(ix) => ix.get(&*k).copied(),
                None => open.iter().position(
                    |(key, _)| matches!(key, Value::Str(s) if s.as_bytes() == k.as_bytes()),
                ),
            };
            match found.and_then(|i| open.get_mut(i)) {
                Some(slot) => slot.1 = v,
                None => {
                    if let Some(ix) = &mut index {
                        ix.insert(k.to_string(), open.len());
                    }
                    self.entries.push((Value::Str(k), v));
                }
            }
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    let entries = self.entries.split_off(mark);
                    return Ok(Value::map(JMap { entries }));
                }
                _ => return err(self, "expected ',' or '}'"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mark = self.items.len();
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::list(Vec::new()));
        }
        loop {
            self.ws();
            let v = self.value(depth + 1)?;
            self.items.push(v);
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::list(self.items.split_off(mark)));
                }
                _ => return err(self, "expected ',' or ']'"),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| "invalid JSON: short \\u escape".to_string())?;
        let v =
            u32::from_str_radix(h, 16).map_err(|_| "invalid JSON: bad \\u escape".to_string())?;
        self.i += 4;
        Ok(v)
    }

    /// A string value: a slice of the body when it holds no escapes.
    fn string_value(&mut self) -> Result<Value, String> {
        let start = self.i + 1;
        let rest = self.b.get(start..).unwrap_or_default();
        let n = rest
            .iter()
            .position(|c| STRING_STOP[usize::from(*c)])
            .unwrap_or(rest.len());
        let j = start + n;
        if self.b.get(j) == Some(&b'"') {
            self.i = j + 1;
            // Both ends are at ASCII quotes, hence character boundaries.
            if let Some(js) = JStr::slice(&self.body, start, j) {
                return Ok(Value::Str(js));
            }
            return Ok(Value::str(self.s.get(start..j).unwrap_or("")));
        }
        let mut out = std::mem::take(&mut self.text);
        out.clear();
        let r = self.string(&mut out);
        let v = r.map(|()| Value::str(&out));
        self.text = out;
        v
    }

    /// Decodes a string with escapes into `out`.
    pub(crate) fn string(&mut self, out: &mut String) -> Result<(), String> {
        self.i += 1;
        loop {
            let start = self.i;
            let rest = self.b.get(start..).unwrap_or_default();
            self.i += rest
                .iter()
                .position(|c| STRING_STOP[usize::from(*c)])
                .unwrap_or(rest.len());
            out.push_str(self.s.get(start..self.i).unwrap_or(""));
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.b.get(self.i).copied();
                    self.i += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi)
                                && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = save;
                                    hi
                                }
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => return err(self, "bad escape"),
                    }
                }
                _ => return err(self, "unterminated string"),
            }
        }
    }

    pub(crate) fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ => return err(self, "bad number"),
        }
        let mut float = false;
        if self.b.get(self.i) == Some(&b'.') {
            float = true;
            self.i += 1;
            if !matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                return err(self, "bad fraction");
            }
            while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            float = true;
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                return err(self, "bad exponent");
            }
            while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        let text = self.s.get(start..self.i).unwrap_or("0");
        if !float && text.len() <= 18 {
            // At most 18 characters: fits an i64 without overflow.
            let (neg, digits) = match text.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, text),
            };
            let mut n: i64 = 0;
            for d in digits.bytes() {
                n = n * 10 + i64::from(d - b'0');
            }
            let n = if neg { -n } else { n };
            return Ok(match i32::try_from(n) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Long(n),
            });
        }
        if !float {
            if let Ok(i) = text.parse::<i32>() {
                return Ok(Value::Int(i));
            }
            if let Ok(l) = text.parse::<i64>() {
                return Ok(Value::Long(l));
            }
            if let Ok(b) = text.parse::<i128>() {
                return Ok(Value::Big(b));
            }
        }
        if let Some(d) = short_decimal(text) {
            return Ok(Value::Double(d));
        }
        text.parse::<f64>()
            .map(Value::Double)
            .or_else(|_| err(self, "bad number"))
    }
}

/// Exact powers of ten as doubles.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `[-]digits[.digits]` with at most 15 digits in all: the mantissa and the
/// power of ten are exact doubles, so one division rounds correctly, as a
/// full parse would.
fn short_decimal(text: &str) -> Option<f64> {
    let (neg, t) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    let (mut m, mut digits, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for b in t.bytes() {
        match b {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(b - b'0');
                digits += 1;
                frac += usize::from(dot);
                if digits > 15 {
                    return None;
                }
            }
            b'.' => dot = true,
            _ => return None,
        }
    }
    let v = m as f64 / *POW10.get(frac)?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_decimals_parse_like_the_standard_library() {
        let mut seed: u64 = 7;
        for _ in 0..100_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let digits = (seed >> 60) as usize + 1;
            let mant = (seed >> 8) % 10u64.pow(digits.min(15) as u32);
            let mut t = format!("{mant:0digits$}");
            let dot = (seed >> 4) as usize % (digits + 1);
            if dot < t.len() && !t.is_empty() {
                t.insert(t.len() - dot, '.');
                if t.starts_with('.') {
                    t.insert(0, '0');
                }
            }
            for text in [t.clone(), format!("-{t}")] {
                let want: f64 = text.parse().unwrap();
                match short_decimal(&text) {
                    Some(got) => assert_eq!(got.to_bits(), want.to_bits(), "{text}"),
                    None => assert!(text.len() > 15, "{text}"),
                }
            }
        }
        assert_eq!(short_decimal("1234567890123456"), None);
        assert_eq!(short_decimal("1e5"), None);
    }

    #[test]
    fn parses_and_rejects() {
        let v = parse(r#" {"a":[1,-2,3000000000,1.5e2,"x\u00e9\ud83d\ude00\n"],"b":{},"a":true} "#)
            .unwrap();
        assert_eq!(v.to_java_string(), "{a=true, b={}}");
        let v = parse(r#"[1,-2,3000000000,1.5e2,"\u00e9\ud83d\ude00"]"#).unwrap();
        assert_eq!(v.to_java_string(), "[1, -2, 3000000000, 150.0, é😀]");
        for bad in [
            "",
            "{",
            "[1,]",
            "{'a':1}",
            "01",
            "1.",
            "tru",
            "\"a",
            "[1] x",
            "{\"a\" 1}",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let v = parse(
            "[2147483647,-2147483648,2147483648,-2147483649,-0,999999999999999999,\
             -99999999999999999,9223372036854775807,-9223372036854775808,9223372036854775808]",
        )
        .unwrap();
        let Value::List(l) = &v else { panic!("list") };
        let kinds: Vec<char> = l
            .borrow()
            .iter()
            .map(|x| match x {
                Value::Int(_) => 'I',
                Value::Long(_) => 'L',
                Value::Big(_) => 'B',
                _ => '?',
            })
            .collect();
        assert_eq!(kinds.iter().collect::<String>(), "IILLILLLLB");
        assert_eq!(
            v.to_java_string(),
            "[2147483647, -2147483648, 2147483648, -2147483649, 0, 999999999999999999, \
             -99999999999999999, 9223372036854775807, -9223372036854775808, 9223372036854775808]"
        );
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert!(parse(&deep).is_err());
        let many: Vec<String> = (0..40).map(|i| format!("\"k{}\":{i}", i % 30)).collect();
        let v = parse(&format!("{{{}}}", many.join(","))).unwrap();
        let Value::Map(m) = &v else { panic!("map") };
        assert_eq!(m.borrow().entries.len(), 30);
        assert_eq!(
            m.borrow().get_str("k0").map(|v| v.to_java_string()),
            Some("30".into())
        );
    }
}
