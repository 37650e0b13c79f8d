//! Runtime values modelled on the Java objects Velocity sees in API Gateway.
//!
//! Lists and maps are shared and mutable (`Rc<RefCell<…>>`) because Java
//! collections are references: `$list.add(1)` changes every alias. Values live
//! only for one render, so they need not be `Send`.

use std::cell::RefCell;
use std::rc::Rc;

use crate::ast::Block;
use crate::number::{push_i64, write_java_double};

/// A Java `List` (also used for sets, arrays and `keySet()`/`values()`).
pub(crate) type ListRef = Rc<ListCell>;
/// A Java `LinkedHashMap`, kept as insertion-ordered pairs.
pub(crate) type MapRef = Rc<MapCell>;

/// List storage. Its `Drop` is iterative so that deeply nested values built
/// by a template cannot overflow the stack when freed.
#[derive(Debug, Default)]
pub(crate) struct ListCell(RefCell<Vec<Value>>);

/// Map storage, with the same iterative `Drop` as [`ListCell`].
#[derive(Debug, Default)]
pub(crate) struct MapCell(RefCell<JMap>);

impl std::ops::Deref for ListCell {
    type Target = RefCell<Vec<Value>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::Deref for MapCell {
    type Target = RefCell<JMap>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Frees values without recursion: children whose last owner is going away
/// are moved onto an explicit stack; other children are dropped in place.
fn drain(mut stack: Vec<Value>) {
    while let Some(v) = stack.pop() {
        match v {
            Value::List(rc) => {
                if let Ok(mut cell) = Rc::try_unwrap(rc) {
                    for x in std::mem::take(cell.0.get_mut()) {
                        keep_container(&mut stack, x);
                    }
                }
            }
            Value::Map(rc) => {
                if let Ok(mut cell) = Rc::try_unwrap(rc) {
                    for (k, x) in std::mem::take(&mut cell.0.get_mut().entries) {
                        keep_container(&mut stack, k);
                        keep_container(&mut stack, x);
                    }
                }
            }
            Value::Entry(rc) => {
                if let Ok((k, x)) = Rc::try_unwrap(rc) {
                    keep_container(&mut stack, k);
                    keep_container(&mut stack, x);
                }
            }
            _ => {}
        }
    }
}

/// Keeps a container for [`drain`]; anything else is dropped in place (any
/// list or map it holds is freed by its own iterative `Drop`).
#[inline]
fn keep_container(stack: &mut Vec<Value>, v: Value) {
    if is_container(&v) {
        stack.push(v);
    }
}

fn is_container(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::Map(_) | Value::Entry(_))
}

impl Drop for ListCell {
    fn drop(&mut self) {
        let items = self.0.get_mut();
        if items.iter().any(is_container) {
            let mut stack = Vec::with_capacity(16);
            for x in std::mem::take(items) {
                keep_container(&mut stack, x);
            }
            drain(stack);
        }
    }
}

impl Drop for MapCell {
    fn drop(&mut self) {
        let entries = &mut self.0.get_mut().entries;
        if entries
            .iter()
            .any(|(k, v)| is_container(k) || is_container(v))
        {
            let mut stack = Vec::with_capacity(16);
            for (k, x) in std::mem::take(entries) {
                keep_container(&mut stack, k);
                keep_container(&mut stack, x);
            }
            drain(stack);
        }
    }
}

/// A Java `String`: a range of a shared buffer. Owned strings cover their
/// whole buffer; strings from a parsed JSON body share the body (no copy).
#[derive(Debug, Clone)]
pub(crate) struct JStr {
    buf: Rc<str>,
    start: u32,
    len: u32,
}

impl JStr {
    pub(crate) fn owned(buf: Rc<str>) -> JStr {
        // Strings past 4 GiB cannot be built within the render limits.
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        JStr { buf, start: 0, len }
    }

    /// A slice of `buf`; `None` if the range does not fit.
    pub(crate) fn slice(buf: &Rc<str>, start: usize, end: usize) -> Option<JStr> {
        buf.get(start..end)?;
        let (start, len) = (u32::try_from(start).ok()?, u32::try_from(end - start).ok()?);
        Some(JStr {
            buf: buf.clone(),
            start,
            len,
        })
    }
}

impl JStr {
    /// The bytes, without the character-boundary checks of `Deref`.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let (a, n) = (self.start as usize, self.len as usize);
        self.buf.as_bytes().get(a..a + n).unwrap_or_default()
    }
}

impl std::ops::Deref for JStr {
    type Target = str;
    fn deref(&self) -> &str {
        let (a, n) = (self.start as usize, self.len as usize);
        self.buf.get(a..a + n).unwrap_or("")
    }
}

impl PartialEq for JStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// Largest string a method, `+` or a `$util` function may build.
pub(crate) const MAX_STRING_BYTES: usize = 16 << 20;
/// Largest list or map a method may grow.
pub(crate) const MAX_COLLECTION: usize = 1 << 20;
/// Prefix of method errors that are resource limits rather than Java exceptions.
pub(crate) const LIMIT_PREFIX: &str = "limit exceeded: ";

/// Printing stops growing past this many bytes (guards self-containing lists).
const MAX_PRINT: usize = 16 << 20;

/// Insertion-ordered map with Java key equality.
#[derive(Debug, Default, Clone)]
pub(crate) struct JMap {
    pub(crate) entries: Vec<(Value, Value)>,
}

impl JMap {
    pub(crate) fn get(&self, key: &Value) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k.java_equals(key))
            .map(|(_, v)| v)
    }

    pub(crate) fn get_str(&self, key: &str) -> Option<&Value> {
        let key = key.as_bytes();
        self.entries
            .iter()
            .find(|(k, _)| matches!(k, Value::Str(s) if short_eq(s.as_bytes(), key)))
            .map(|(_, v)| v)
    }

    /// `put`: returns the previous value (Java returns null when absent).
    pub(crate) fn put(&mut self, key: Value, value: Value) -> Value {
        for (k, v) in self.entries.iter_mut() {
            if k.java_equals(&key) {
                return std::mem::replace(v, value);
            }
        }
        self.entries.push((key, value));
        Value::Null
    }

    pub(crate) fn remove(&mut self, key: &Value) -> Value {
        match self.entries.iter().position(|(k, _)| k.java_equals(key)) {
            Some(i) => self.entries.remove(i).1,
            None => Value::Null,
        }
    }
}

/// Byte equality that compares short keys inline instead of calling `memcmp`.
#[inline]
pub(crate) fn short_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && match a.len() {
            0..=16 => a.iter().zip(b).all(|(x, y)| x == y),
            _ => a == b,
        }
}

/// State of one `#foreach` loop, exposed as `$foreach`.
#[derive(Debug, Clone)]
pub(crate) struct LoopInfo {
    /// Unique per loop run, so `#break($foreach.parent)` can name it.
    pub(crate) id: u64,
    pub(crate) index: usize,
    pub(crate) has_next: bool,
    pub(crate) parent: Value,
}

/// Any value a template can hold.
#[derive(Debug, Clone, Default)]
pub(crate) enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    /// Java `BigInteger`, which Velocity produces when `long` math overflows.
    Big(i128),
    Double(f64),
    Str(JStr),
    List(ListRef),
    Map(MapRef),
    /// A `Map.Entry` from `entrySet()`.
    Entry(Rc<(Value, Value)>),
    Loop(Rc<LoopInfo>),
    /// The body of a `#define`, rendered when printed.
    Define(std::sync::Arc<Block>),
    /// A read-only view of a JSON body's map or list (`json_view.rs`),
    /// made real on demand; it behaves as that map or list.
    Json(crate::json_view::JRef),
    /// API Gateway's `$input`.
    Input,
    /// API Gateway's `$util`.
    Util,
}

impl Value {
    pub(crate) fn str(s: &str) -> Value {
        Value::Str(JStr::owned(Rc::from(s)))
    }

    /// A string sharing `s` (no copy).
    pub(crate) fn shared(s: Rc<str>) -> Value {
        Value::Str(JStr::owned(s))
    }

    pub(crate) fn string(s: String) -> Value {
        Value::Str(JStr::owned(Rc::from(s)))
    }

    pub(crate) fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(ListCell(RefCell::new(items))))
    }

    pub(crate) fn map(m: JMap) -> Value {
        Value::Map(Rc::new(MapCell(RefCell::new(m))))
    }

    /// The value itself, or the real map or list a JSON view stands for.
    pub(crate) fn resolved(&self) -> Value {
        match self {
            Value::Json(j) => j.resolve(),
            other => other.clone(),
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub(crate) fn is_number(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Long(_) | Value::Big(_) | Value::Double(_)
        )
    }

    /// Java `toString()`; `Define` bodies are rendered by the evaluator instead.
    pub(crate) fn to_java_string(&self) -> String {
        let mut out = String::new();
        self.write_java(&mut out, 0);
        out
    }

    pub(crate) fn write_java(&self, out: &mut String, depth: usize) {
        use std::fmt::Write;
        if depth > 64 || out.len() > MAX_PRINT {
            return;
        }
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => push_i64(out, i64::from(*i)),
            Value::Long(i) => push_i64(out, *i),
            Value::Big(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Double(d) => write_java_double(*d, out),
            Value::Str(s) => out.push_str(s),
            Value::List(l) => match l.try_borrow() {
                Ok(items) => {
                    out.push('[');
                    for (i, v) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        v.write_java(out, depth + 1);
                    }
                    out.push(']');
                }
                Err(_) => out.push_str("(this Collection)"),
            },
            Value::Map(m) => match m.try_borrow() {
                Ok(map) => {
                    out.push('{');
                    for (i, (k, v)) in map.entries.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        k.write_java(out, depth + 1);
                        out.push('=');
                        v.write_java(out, depth + 1);
                    }
                    out.push('}');
                }
                Err(_) => out.push_str("(this Map)"),
            },
            Value::Entry(e) => {
                e.0.write_java(out, depth + 1);
                out.push('=');
                e.1.write_java(out, depth + 1);
            }
            Value::Loop(_) => out.push_str("org.apache.velocity.runtime.directive.ForeachScope"),
            Value::Define(_) => out.push_str("#define"),
            Value::Json(j) => j.resolve().write_java(out, depth),
            Value::Input => out.push_str("$input"),
            Value::Util => out.push_str("$util"),
        }
    }

    /// Java `Object.equals`: numbers of different boxed types are not equal.
    pub(crate) fn java_equals(&self, other: &Value) -> bool {
        self.eq_depth(other, 0)
    }

    fn eq_depth(&self, other: &Value, depth: usize) -> bool {
        if depth > 128 {
            return false;
        }
        match (self, other) {
            (Value::Json(a), _) => a.resolve().eq_depth(other, depth),
            (_, Value::Json(b)) => self.eq_depth(&b.resolve(), depth),
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Long(a), Value::Long(b)) => a == b,
            (Value::Big(a), Value::Big(b)) => a == b,
            (Value::Double(a), Value::Double(b)) => {
                a.to_bits() == b.to_bits() || (a == b && *a != 0.0)
            }
            (Value::Str(a), Value::Str(b)) => **a == **b,
            (Value::List(a), Value::List(b)) => {
                if Rc::ptr_eq(a, b) {
                    return true;
                }
                let (Ok(a), Ok(b)) = (a.try_borrow(), b.try_borrow()) else {
                    return false;
                };
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x.eq_depth(y, depth + 1))
            }
            (Value::Map(a), Value::Map(b)) => {
                if Rc::ptr_eq(a, b) {
                    return true;
                }
                let (Ok(a), Ok(b)) = (a.try_borrow(), b.try_borrow()) else {
                    return false;
                };
                a.entries.len() == b.entries.len()
                    && a.entries
                        .iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| v.eq_depth(w, depth + 1)))
            }
            (Value::Entry(a), Value::Entry(b)) => {
                a.0.eq_depth(&b.0, depth + 1) && a.1.eq_depth(&b.1, depth + 1)
            }
            (Value::Input, Value::Input) | (Value::Util, Value::Util) => true,
            _ => false,
        }
    }

    /// A short Java-ish class name, used to decide Velocity's `==` strategy.
    pub(crate) fn class_tag(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::Long(_) | Value::Big(_) | Value::Double(_) => 2,
            Value::Str(_) => 3,
            Value::List(_) => 4,
            Value::Map(_) => 5,
            Value::Json(j) => match j.is_map() {
                true => 5,
                false => 4,
            },
            Value::Entry(_) => 6,
            Value::Loop(_) => 7,
            Value::Define(_) => 8,
            Value::Input => 9,
            Value::Util => 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_java_collections() {
        let mut m = JMap::default();
        m.put(Value::str("a"), Value::Int(1));
        m.put(
            Value::str("b"),
            Value::list(vec![Value::str("x"), Value::Null, Value::Double(2.0)]),
        );
        assert_eq!(Value::map(m).to_java_string(), "{a=1, b=[x, null, 2.0]}");
    }

    #[test]
    fn put_returns_previous() {
        let mut m = JMap::default();
        assert!(m.put(Value::str("a"), Value::Int(1)).is_null());
        assert!(matches!(
            m.put(Value::str("a"), Value::Int(2)),
            Value::Int(1)
        ));
        assert!(matches!(m.get_str("a"), Some(Value::Int(2))));
    }

    #[test]
    fn deep_nesting_drops_without_recursion() {
        let mut v = Value::list(Vec::new());
        for _ in 0..200_000 {
            v = Value::list(vec![v]);
        }
        let mut m = Value::map(JMap::default());
        for _ in 0..200_000 {
            let mut j = JMap::default();
            j.put(Value::str("k"), m);
            m = Value::map(j);
        }
        assert!(!v.java_equals(&m));
        drop(v);
        drop(m);
    }

    #[test]
    fn boxed_types_differ_in_equals() {
        assert!(!Value::Int(1).java_equals(&Value::Long(1)));
        assert!(Value::str("a").java_equals(&Value::str("a")));
    }
}
