//! A JSON body parsed into a flat tape of nodes, without building maps and
//! lists: `$input.path('$')` hands out read-only views of it (`json_view.rs`).
//!
//! The tape is built only for documents the value parser (`json_parse.rs`)
//! accepts and reads the same way, with no repeated object key; anything
//! else (errors, repeated keys, a blank body) gets `None`, and callers use
//! the value parser, which owns those rules.

use std::collections::HashSet;
use std::rc::Rc;

use crate::json_parse::{MAX_DEPTH, P, STRING_STOP};
use crate::value::{JStr, Value, short_eq};

/// One node. A container's children are listed in [`Tape::kids`]: element
/// nodes for arrays, key nodes for objects (each value node follows its key).
#[derive(Debug, Clone, Copy)]
pub(crate) enum TNode {
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    /// An index into [`Tape::bigs`].
    Big(u32),
    Double(f64),
    /// A string without escapes: a range of the body.
    Str(u32, u32),
    /// A string with escapes, decoded: a range of [`Tape::esc`].
    Esc(u32, u32),
    Arr {
        kids: u32,
        len: u32,
    },
    Obj {
        kids: u32,
        len: u32,
    },
}

#[derive(Debug)]
pub(crate) struct Tape {
    pub(crate) body: Rc<str>,
    pub(crate) esc: Option<Rc<str>>,
    pub(crate) nodes: Vec<TNode>,
    pub(crate) kids: Vec<u32>,
    bigs: Vec<i128>,
}

/// Objects with more keys than this check repeats with a hash set.
const LINEAR_KEYS: usize = 16;

struct Builder {
    nodes: Vec<TNode>,
    kids: Vec<u32>,
    bigs: Vec<i128>,
    esc: String,
    /// Children of the open containers, innermost last.
    open: Vec<u32>,
}

/// Builds the tape of a document, or `None` (see the module comment).
pub(crate) fn build(body: &Rc<str>) -> Option<Tape> {
    if body.trim().is_empty() {
        return None;
    }
    let mut p = P::new(body);
    let mut b = Builder {
        // Compact JSON has a node per 4 bytes or more.
        nodes: Vec::with_capacity(body.len() / 4 + 4),
        kids: Vec::with_capacity(body.len() / 4 + 4),
        bigs: Vec::new(),
        esc: String::new(),
        open: Vec::with_capacity(32),
    };
    p.ws();
    b.value(&mut p, 0)?;
    p.ws();
    if p.i != p.b.len() {
        return None;
    }
    Some(Tape {
        // Most bodies have no escaped string: no buffer for them.
        esc: (!b.esc.is_empty()).then(|| Rc::from(b.esc)),
        body: body.clone(),
        nodes: b.nodes,
        kids: b.kids,
        bigs: b.bigs,
    })
}

impl Builder {
    fn push(&mut self, n: TNode) -> Option<u32> {
        let at = u32::try_from(self.nodes.len()).ok()?;
        self.nodes.push(n);
        Some(at)
    }

    fn value(&mut self, p: &mut P<'_>, depth: usize) -> Option<u32> {
        if depth > MAX_DEPTH {
            return None;
        }
        match p.b.get(p.i)? {
            b'{' => self.object(p, depth),
            b'[' => self.array(p, depth),
            b'"' => self.string(p),
            b't' => self.word(p, "true", TNode::Bool(true)),
            b'f' => self.word(p, "false", TNode::Bool(false)),
            b'n' => self.word(p, "null", TNode::Null),
            b'-' | b'0'..=b'9' => {
                let n = match p.number().ok()? {
                    Value::Int(i) => TNode::Int(i),
                    Value::Long(l) => TNode::Long(l),
                    Value::Double(d) => TNode::Double(d),
                    Value::Big(b) => {
                        self.bigs.push(b);
                        TNode::Big(u32::try_from(self.bigs.len() - 1).ok()?)
                    }
                    _ => return None,
                };
                self.push(n)
            }
            _ => None,
        }
    }

    fn word(&mut self, p: &mut P<'_>, word: &str, n: TNode) -> Option<u32> {
        if !p.b.get(p.i..)?.starts_with(word.as_bytes()) {
            return None;
        }
        p.i += word.len();
        self.push(n)
    }

    fn string(&mut self, p: &mut P<'_>) -> Option<u32> {
        let start = p.i + 1;
        let rest = p.b.get(start..)?;
        let n = rest
            .iter()
            .position(|c| STRING_STOP[usize::from(*c)])
            .unwrap_or(rest.len());
        let end = start + n;
        if p.b.get(end) == Some(&b'"') {
            p.i = end + 1;
            let node = TNode::Str(u32::try_from(start).ok()?, u32::try_from(n).ok()?);
            return self.push(node);
        }
        if self.esc.is_empty() {
            // Decoded text is never longer than what is left of the body.
            self.esc.reserve(p.b.len() - p.i);
        }
        let from = self.esc.len();
        p.string(&mut self.esc).ok()?;
        let len = self.esc.len() - from;
        let node = TNode::Esc(u32::try_from(from).ok()?, u32::try_from(len).ok()?);
        self.push(node)
    }

    /// Closes a container opened at node `at` whose children start at `mark`.
    fn close(&mut self, at: u32, mark: usize, obj: bool) -> Option<u32> {
        let kids = u32::try_from(self.kids.len()).ok()?;
        let len = u32::try_from(self.open.len() - mark).ok()?;
        self.kids
            .extend_from_slice(self.open.get(mark..).unwrap_or_default());
        self.open.truncate(mark);
        *self.nodes.get_mut(at as usize)? = match obj {
            true => TNode::Obj { kids, len },
            false => TNode::Arr { kids, len },
        };
        Some(at)
    }

    fn array(&mut self, p: &mut P<'_>, depth: usize) -> Option<u32> {
        p.i += 1;
        let at = self.push(TNode::Null)?;
        let mark = self.open.len();
        p.ws();
        if p.b.get(p.i) == Some(&b']') {
            p.i += 1;
            return self.close(at, mark, false);
        }
        loop {
            p.ws();
            let v = self.value(p, depth + 1)?;
            self.open.push(v);
            p.ws();
            match p.b.get(p.i)? {
                b',' => p.i += 1,
                b']' => {
                    p.i += 1;
                    return self.close(at, mark, false);
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, p: &mut P<'_>, depth: usize) -> Option<u32> {
        p.i += 1;
        let at = self.push(TNode::Null)?;
        let mark = self.open.len();
        let mut seen: Option<HashSet<Vec<u8>>> = None;
        p.ws();
        if p.b.get(p.i) == Some(&b'}') {
            p.i += 1;
            return self.close(at, mark, true);
        }
        loop {
            p.ws();
            if p.b.get(p.i) != Some(&b'"') {
                return None;
            }
            let k = self.string(p)?;
            if self.repeated(p, mark, k, &mut seen)? {
                return None;
            }
            p.ws();
            if p.b.get(p.i) != Some(&b':') {
                return None;
            }
            p.i += 1;
            p.ws();
            self.open.push(k);
            self.value(p, depth + 1)?;
            p.ws();
            match p.b.get(p.i)? {
                b',' => p.i += 1,
                b'}' => {
                    p.i += 1;
                    return self.close(at, mark, true);
                }
                _ => return None,
            }
        }
    }

    /// The bytes of a key node.
    fn key<'k>(&'k self, p: &'k P<'_>, k: u32) -> Option<&'k [u8]> {
        let (buf, start, len) = match self.nodes.get(k as usize)? {
            TNode::Str(s, l) => (p.b, *s, *l),
            TNode::Esc(s, l) => (self.esc.as_bytes(), *s, *l),
            _ => return None,
        };
        buf.get(start as usize..(start + len) as usize)
    }

    /// Whether key `k` repeats one of the open object's keys (from `mark`).
    fn repeated(
        &self,
        p: &P<'_>,
        mark: usize,
        k: u32,
        seen: &mut Option<HashSet<Vec<u8>>>,
    ) -> Option<bool> {
        let key = self.key(p, k)?;
        let earlier = self.open.get(mark..)?;
        if let Some(set) = seen {
            return Some(!set.insert(key.to_vec()));
        }
        // `open` holds the object's key nodes; lengths are compared first.
        for e in earlier {
            let len = match self.nodes.get(*e as usize)? {
                TNode::Str(_, l) | TNode::Esc(_, l) => *l as usize,
                _ => return None,
            };
            if len == key.len() && short_eq(self.key(p, *e)?, key) {
                return Some(true);
            }
        }
        if earlier.len() >= LINEAR_KEYS {
            let mut set = HashSet::new();
            for e in earlier {
                set.insert(self.key(p, *e)?.to_vec());
            }
            set.insert(key.to_vec());
            *seen = Some(set);
        }
        Some(false)
    }
}

impl Tape {
    pub(crate) fn node(&self, n: u32) -> Option<TNode> {
        self.nodes.get(n as usize).copied()
    }

    /// The children of container `n` (see [`TNode`]).
    pub(crate) fn kids_of(&self, n: u32) -> &[u32] {
        match self.node(n) {
            Some(TNode::Arr { kids, len } | TNode::Obj { kids, len }) => self
                .kids
                .get(kids as usize..(kids + len) as usize)
                .unwrap_or_default(),
            _ => &[],
        }
    }

    /// A range of the body.
    #[inline]
    pub(crate) fn body_bytes(&self, start: u32, len: u32) -> &[u8] {
        self.body
            .as_bytes()
            .get(start as usize..(start + len) as usize)
            .unwrap_or_default()
    }

    /// The bytes of a string node.
    pub(crate) fn bytes(&self, n: u32) -> &[u8] {
        let (buf, start, len) = match self.node(n) {
            Some(TNode::Str(s, l)) => (self.body.as_bytes(), s, l),
            Some(TNode::Esc(s, l)) => (self.esc.as_deref().map_or(&b""[..], str::as_bytes), s, l),
            _ => return &[],
        };
        buf.get(start as usize..(start + len) as usize)
            .unwrap_or_default()
    }

    /// A scalar node as a value (`Null` for containers).
    pub(crate) fn scalar(&self, n: u32) -> Value {
        self.node(n).map_or(Value::Null, |t| self.scalar_of(t))
    }

    /// The value of scalar node `t` (`Null` for containers).
    #[inline]
    pub(crate) fn scalar_of(&self, t: TNode) -> Value {
        let (buf, start, len) = match t {
            TNode::Bool(b) => return Value::Bool(b),
            TNode::Int(i) => return Value::Int(i),
            TNode::Long(l) => return Value::Long(l),
            TNode::Big(b) => {
                return self
                    .bigs
                    .get(b as usize)
                    .map_or(Value::Null, |b| Value::Big(*b));
            }
            TNode::Double(d) => return Value::Double(d),
            TNode::Null | TNode::Arr { .. } | TNode::Obj { .. } => return Value::Null,
            TNode::Str(s, l) => (&self.body, s, l),
            TNode::Esc(s, l) => match &self.esc {
                Some(esc) => (esc, s, l),
                None => return Value::Null,
            },
        };
        JStr::slice(buf, start as usize, (start + len) as usize).map_or(Value::Null, Value::Str)
    }

    /// The children of container node `t` (see [`TNode`]).
    #[inline]
    pub(crate) fn kids_of_node(&self, t: TNode) -> &[u32] {
        match t {
            TNode::Arr { kids, len } | TNode::Obj { kids, len } => self
                .kids
                .get(kids as usize..(kids + len) as usize)
                .unwrap_or_default(),
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(body: &str) -> Option<Tape> {
        super::build(&Rc::from(body))
    }

    #[test]
    fn builds_only_what_the_value_parser_reads_alike() {
        assert!(build(r#"{"a":[1,"x\"y",{"b":null}],"c":-1.5e3}"#).is_some());
        for bad in ["", "  ", "{", "[1,]", "{\"a\" 1}", "01", "[1] x", "\"\\x\""] {
            assert!(build(bad).is_none(), "{bad}");
        }
        // Repeated keys (also spelled with escapes, also past the hash-set
        // threshold) are left to the value parser.
        assert!(build(r#"{"a":1,"\u0061":2}"#).is_none());
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        assert!(build(&format!("{{{}}}", many.join(","))).is_some());
        let many: Vec<String> = (0..40).map(|i| format!("\"k{}\":{i}", i % 30)).collect();
        assert!(build(&format!("{{{}}}", many.join(","))).is_none());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(build(&deep).is_none());
    }

    #[test]
    fn nodes_read_back() {
        let t = build(r#"{"k":"v\n","n":[3000000000,99999999999999999999,2.5,true]}"#).unwrap();
        let kids = t.kids_of(0).to_vec();
        assert_eq!(kids.len(), 2);
        assert_eq!(t.bytes(kids[0]), b"k");
        assert_eq!(t.scalar(kids[0] + 1).to_java_string(), "v\n");
        let list: Vec<String> = t
            .kids_of(kids[1] + 1)
            .iter()
            .map(|k| t.scalar(*k).to_java_string())
            .collect();
        assert_eq!(list, ["3000000000", "99999999999999999999", "2.5", "true"]);
    }
}
