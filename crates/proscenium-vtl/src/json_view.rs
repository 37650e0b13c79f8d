//! Read-only views of a JSON tape ([`JRef`]): what `$input.path('$')` returns
//! for an object or array body. Reading properties, indexes, sizes, looping
//! and JSON output work on the tape directly. Anything else (mutation, other
//! methods, equality, printing) first turns the node into a real map or list,
//! with its whole subtree; the document remembers it, so every view of that
//! node sees the same object from then on, as Java references would.
//!
//! Each `$input.path` call gets its own [`JDoc`] over the shared tape, so
//! results of separate calls never share mutations, as in API Gateway.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::json_tape::{TNode, Tape};
use crate::value::{JMap, Value, short_eq};

/// One `$input.path` result: the tape and the nodes made real so far.
pub(crate) struct JDoc {
    tape: Rc<Tape>,
    /// Indexed by node; empty until the first node is made real.
    made: RefCell<Vec<Option<Value>>>,
    /// Whether `made` holds anything (spares the borrow on every read).
    any_made: Cell<bool>,
}

/// A view of container node `node` of a document.
#[derive(Clone)]
pub(crate) struct JRef {
    doc: Rc<JDoc>,
    node: u32,
}

impl std::fmt::Debug for JRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JRef({})", self.node)
    }
}

impl JDoc {
    /// The root of a new document over `tape`.
    pub(crate) fn root(tape: &Rc<Tape>) -> (Value, Rc<JDoc>) {
        let doc = Rc::new(JDoc {
            tape: tape.clone(),
            made: RefCell::new(Vec::new()),
            any_made: Cell::new(false),
        });
        (child(&doc, 0), doc)
    }

    /// Drops the nodes made real (which may refer back to the document).
    pub(crate) fn release(&self) {
        if let Ok(mut made) = self.made.try_borrow_mut() {
            let _ = std::mem::take(&mut *made);
        }
    }

    #[inline]
    fn made(&self, n: u32) -> Option<Value> {
        if !self.any_made.get() {
            return None;
        }
        self.made.try_borrow().ok()?.get(n as usize)?.clone()
    }
}

/// Node `n` of `doc` as a value: scalars converted, containers as views
/// (or the real map or list once made).
fn child(doc: &Rc<JDoc>, n: u32) -> Value {
    match doc.tape.node(n) {
        Some(TNode::Arr { .. } | TNode::Obj { .. }) => match doc.made(n) {
            Some(v) => v,
            None => Value::Json(JRef {
                doc: doc.clone(),
                node: n,
            }),
        },
        Some(t) => doc.tape.scalar_of(t),
        None => Value::Null,
    }
}

/// Makes node `n` (and its subtree) real, once per document.
fn make(doc: &Rc<JDoc>, n: u32) -> Value {
    if let Some(v) = doc.made(n) {
        return v;
    }
    let tape = &doc.tape;
    let kids = tape.kids_of(n);
    let v = match tape.node(n) {
        Some(TNode::Arr { .. }) => Value::list(kids.iter().map(|k| make_child(doc, *k)).collect()),
        Some(TNode::Obj { .. }) => {
            let entries = kids
                .iter()
                .map(|k| (tape.scalar(*k), make_child(doc, *k + 1)))
                .collect();
            Value::map(JMap { entries })
        }
        _ => return tape.scalar(n),
    };
    if let Ok(mut made) = doc.made.try_borrow_mut() {
        if made.is_empty() {
            made.resize(tape.nodes.len(), None);
        }
        if let Some(slot) = made.get_mut(n as usize) {
            *slot = Some(v.clone());
            doc.any_made.set(true);
        }
    }
    v
}

fn make_child(doc: &Rc<JDoc>, n: u32) -> Value {
    match doc.tape.node(n) {
        Some(TNode::Arr { .. } | TNode::Obj { .. }) => make(doc, n),
        _ => doc.tape.scalar(n),
    }
}

impl JRef {
    pub(crate) fn is_map(&self) -> bool {
        matches!(self.doc.tape.node(self.node), Some(TNode::Obj { .. }))
    }

    /// The real map or list (made on first use).
    pub(crate) fn resolve(&self) -> Value {
        make(&self.doc, self.node)
    }

    /// The real map or list if already made.
    fn made(&self) -> Option<Value> {
        self.doc.made(self.node)
    }

    fn kids(&self) -> &[u32] {
        self.doc.tape.kids_of(self.node)
    }

    /// The node and its children while not made real (reads use the tape).
    #[inline]
    fn on_tape(&self) -> Option<(TNode, &[u32])> {
        if self.doc.any_made.get() && self.made().is_some() {
            return None;
        }
        let t = self.doc.tape.node(self.node)?;
        Some((t, self.doc.tape.kids_of_node(t)))
    }

    /// `size()`.
    pub(crate) fn len(&self) -> usize {
        if let Some((_, kids)) = self.on_tape() {
            return kids.len();
        }
        match self.made() {
            Some(Value::List(l)) => l.try_borrow().map_or(0, |l| l.len()),
            Some(Value::Map(m)) => m.try_borrow().map_or(0, |m| m.entries.len()),
            _ => 0,
        }
    }

    /// `$map.name` (`Map.get`; null when absent or not a map) and the
    /// map's size (which the step count needs).
    pub(crate) fn get_sized(&self, name: &str) -> (Value, usize) {
        let Some((t, kids)) = self.on_tape() else {
            return match self.made() {
                Some(Value::Map(m)) => match m.try_borrow() {
                    Ok(m) => (
                        m.get_str(name).cloned().unwrap_or_default(),
                        m.entries.len(),
                    ),
                    Err(_) => (Value::Null, 0),
                },
                _ => (Value::Null, self.len()),
            };
        };
        if !matches!(t, TNode::Obj { .. }) {
            return (Value::Null, kids.len());
        }
        let tape = &self.doc.tape;
        let key = name.as_bytes();
        let found = kids.iter().find(|k| match tape.node(**k) {
            Some(TNode::Str(s, l)) => {
                l as usize == key.len() && short_eq(tape.body_bytes(s, l), key)
            }
            Some(TNode::Esc(..)) => short_eq(tape.bytes(**k), key),
            _ => false,
        });
        match found {
            Some(k) => (child(&self.doc, *k + 1), kids.len()),
            None => (Value::Null, kids.len()),
        }
    }

    /// Element `i` of a list, for `#foreach` (`None` past the end).
    pub(crate) fn item(&self, i: usize) -> Option<Value> {
        if let Some((_, kids)) = self.on_tape() {
            return Some(child(&self.doc, *kids.get(i)?));
        }
        match self.made() {
            Some(Value::List(l)) => l.try_borrow().ok()?.get(i).cloned(),
            _ => None,
        }
    }

    /// Element `i` of an unmade list with its length, for `$list[i]`;
    /// `None` when the list was made real (or is a map).
    pub(crate) fn tape_item(&self, i: i64) -> Option<(Option<Value>, usize)> {
        let (t, kids) = self.on_tape()?;
        if !matches!(t, TNode::Arr { .. }) {
            return None;
        }
        let len = kids.len();
        let at = if i < 0 { i + len as i64 } else { i };
        let v = usize::try_from(at)
            .ok()
            .and_then(|at| kids.get(at))
            .map(|k| child(&self.doc, *k));
        Some((v, len))
    }

    /// The values of a map, in order (what `#foreach` iterates).
    pub(crate) fn values(&self) -> Vec<Value> {
        match self.made() {
            Some(Value::Map(m)) => m
                .try_borrow()
                .map(|m| m.entries.iter().map(|(_, v)| v.clone()).collect())
                .unwrap_or_default(),
            Some(_) => Vec::new(),
            None => self
                .kids()
                .iter()
                .map(|k| child(&self.doc, *k + 1))
                .collect(),
        }
    }

    /// Compact JSON text, as `json::to_json` writes the real value.
    pub(crate) fn write_json(&self, out: &mut String, depth: usize) {
        match self.made() {
            Some(v) => crate::json::write_json(&v, out, depth),
            None => write_node(&self.doc, self.node, out, depth),
        }
    }
}

fn write_node(doc: &Rc<JDoc>, n: u32, out: &mut String, depth: usize) {
    let tape = &doc.tape;
    let obj = match tape.node(n) {
        Some(TNode::Arr { .. }) => false,
        Some(TNode::Obj { .. }) => true,
        _ => return crate::json::write_json(&tape.scalar(n), out, depth),
    };
    if depth > 256 {
        out.push_str("null");
        return;
    }
    out.push(if obj { '{' } else { '[' });
    for (i, k) in tape.kids_of(n).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let v = match obj {
            true => {
                crate::json::write_json(&tape.scalar(*k), out, depth + 1);
                out.push(':');
                *k + 1
            }
            false => *k,
        };
        match child(doc, v) {
            Value::Json(j) => write_node(doc, j.node, out, depth + 1),
            other => crate::json::write_json(&other, out, depth + 1),
        }
    }
    out.push(if obj { '}' } else { ']' });
}
