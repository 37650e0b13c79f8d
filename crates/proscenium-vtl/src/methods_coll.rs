//! `java.util.List`, `java.util.Map` and `Map.Entry` methods on shared values.
//!
//! `keySet()`, `values()` and `entrySet()` return snapshots, not live views.
//! `Ok(None)` means "no such method"; `Err` is a Java exception.

use std::rc::Rc;

use crate::value::{JMap, LIMIT_PREFIX, MAX_COLLECTION, Value};

fn oob(i: i64, len: usize) -> String {
    format!("java.lang.IndexOutOfBoundsException: Index {i} out of bounds for length {len}")
}

fn idx(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i64::from(*i)),
        _ => None,
    }
}

/// `mutations` counts calls that may change a list or map (they invalidate a
/// lent request body, see `input.rs`).
pub(crate) fn call(
    obj: &Value,
    name: &str,
    args: &[Value],
    mutations: &mut u64,
) -> Result<Option<Value>, String> {
    match obj {
        Value::List(l) => {
            let busy = || "java.util.ConcurrentModificationException".to_string();
            if matches!(name, "add" | "remove" | "set" | "clear" | "addAll") {
                *mutations += 1;
                let mut l = l.try_borrow_mut().map_err(|_| busy())?;
                return list_mut(&mut l, name, args);
            }
            let l = l.try_borrow().map_err(|_| busy())?;
            list_read(&l, name, args)
        }
        Value::Map(m) => {
            let busy = || "java.util.ConcurrentModificationException".to_string();
            if matches!(name, "put" | "remove" | "clear" | "putAll" | "putIfAbsent") {
                *mutations += 1;
                let arg_map = match (name, args) {
                    ("putAll", [Value::Map(o)]) if Rc::ptr_eq(m, o) => {
                        return Ok(Some(Value::Null));
                    }
                    ("putAll", [Value::Map(o)]) => {
                        Some(o.try_borrow().map_err(|_| busy())?.clone())
                    }
                    _ => None,
                };
                let mut m = m.try_borrow_mut().map_err(|_| busy())?;
                let extra = arg_map.as_ref().map_or(1, |o| o.entries.len());
                if m.entries.len() + extra > MAX_COLLECTION {
                    return Err(format!("{LIMIT_PREFIX}map too large"));
                }
                return Ok(map_mut(&mut m, name, args, arg_map));
            }
            let m = m.try_borrow().map_err(|_| busy())?;
            Ok(map_read(&m, name, args))
        }
        Value::Entry(e) => Ok(match (name, args) {
            ("getKey", []) => Some(e.0.clone()),
            ("getValue", []) => Some(e.1.clone()),
            _ => None,
        }),
        _ => Ok(None),
    }
}

fn list_read(l: &[Value], name: &str, args: &[Value]) -> Result<Option<Value>, String> {
    Ok(Some(match (name, args) {
        ("size", []) => Value::Int(l.len() as i32),
        ("isEmpty", []) => Value::Bool(l.is_empty()),
        ("get", [i]) => {
            let Some(i) = idx(i) else { return Ok(None) };
            match usize::try_from(i).ok().and_then(|j| l.get(j)) {
                Some(v) => v.clone(),
                None => return Err(oob(i, l.len())),
            }
        }
        ("contains", [x]) => Value::Bool(l.iter().any(|v| v.java_equals(x))),
        ("indexOf", [x]) => Value::Int(
            l.iter()
                .position(|v| v.java_equals(x))
                .map_or(-1, |p| p as i32),
        ),
        ("lastIndexOf", [x]) => Value::Int(
            l.iter()
                .rposition(|v| v.java_equals(x))
                .map_or(-1, |p| p as i32),
        ),
        ("subList", [a, b]) => {
            let (Some(a), Some(b)) = (idx(a), idx(b)) else {
                return Ok(None);
            };
            if a < 0 || b as usize > l.len() || a > b {
                return Err(oob(a, l.len()));
            }
            Value::list(l.get(a as usize..b as usize).unwrap_or(&[]).to_vec())
        }
        ("containsAll", [Value::List(o)]) => {
            let o = o.try_borrow().map_err(|_| "busy".to_string())?;
            Value::Bool(o.iter().all(|x| l.iter().any(|v| v.java_equals(x))))
        }
        ("hashCode", []) => return Ok(None),
        _ => return Ok(None),
    }))
}

fn list_mut(l: &mut Vec<Value>, name: &str, args: &[Value]) -> Result<Option<Value>, String> {
    Ok(Some(match (name, args) {
        ("add", [_]) | ("add", [_, _]) if l.len() >= MAX_COLLECTION => {
            return Err(format!("{LIMIT_PREFIX}list too large"));
        }
        ("add", [x]) => {
            l.push(x.clone());
            Value::Bool(true)
        }
        ("add", [i, x]) => {
            let Some(i) = idx(i) else { return Ok(None) };
            if i < 0 || i as usize > l.len() {
                return Err(oob(i, l.len()));
            }
            l.insert(i as usize, x.clone());
            return Ok(Some(Value::Null));
        }
        ("set", [i, x]) => {
            let Some(i) = idx(i) else { return Ok(None) };
            match usize::try_from(i).ok().and_then(|j| l.get_mut(j)) {
                Some(slot) => std::mem::replace(slot, x.clone()),
                None => return Err(oob(i, l.len())),
            }
        }
        ("remove", [Value::Int(i)]) => {
            let i = i64::from(*i);
            if i < 0 || i as usize >= l.len() {
                return Err(oob(i, l.len()));
            }
            l.remove(i as usize)
        }
        ("remove", [x]) => match l.iter().position(|v| v.java_equals(x)) {
            Some(p) => {
                l.remove(p);
                Value::Bool(true)
            }
            None => Value::Bool(false),
        },
        ("addAll", [Value::List(o)]) => {
            let items = o.try_borrow().map(|o| o.clone()).unwrap_or_default();
            if l.len() + items.len() > MAX_COLLECTION {
                return Err(format!("{LIMIT_PREFIX}list too large"));
            }
            let changed = !items.is_empty();
            l.extend(items);
            Value::Bool(changed)
        }
        ("clear", []) => {
            l.clear();
            return Ok(Some(Value::Null));
        }
        _ => return Ok(None),
    }))
}

fn map_read(m: &JMap, name: &str, args: &[Value]) -> Option<Value> {
    Some(match (name, args) {
        ("get", [k]) => m.get(k).cloned().unwrap_or_default(),
        ("getOrDefault", [k, d]) => m.get(k).cloned().unwrap_or_else(|| d.clone()),
        ("containsKey", [k]) => Value::Bool(m.get(k).is_some()),
        ("containsValue", [v]) => Value::Bool(m.entries.iter().any(|(_, x)| x.java_equals(v))),
        ("size", []) => Value::Int(m.entries.len() as i32),
        ("isEmpty", []) => Value::Bool(m.entries.is_empty()),
        ("keySet", []) => Value::list(m.entries.iter().map(|(k, _)| k.clone()).collect()),
        ("values", []) => Value::list(m.entries.iter().map(|(_, v)| v.clone()).collect()),
        ("entrySet", []) => Value::list(
            m.entries
                .iter()
                .map(|(k, v)| Value::Entry(Rc::new((k.clone(), v.clone()))))
                .collect(),
        ),
        _ => return None,
    })
}

fn map_mut(m: &mut JMap, name: &str, args: &[Value], other: Option<JMap>) -> Option<Value> {
    Some(match (name, args) {
        ("put", [k, v]) => m.put(k.clone(), v.clone()),
        ("putIfAbsent", [k, v]) => match m.get(k) {
            Some(x) if !x.is_null() => x.clone(),
            _ => m.put(k.clone(), v.clone()),
        },
        ("remove", [k]) => m.remove(k),
        ("clear", []) => {
            m.entries.clear();
            Value::Null
        }
        ("putAll", [_]) => {
            for (k, v) in other.map(|o| o.entries).unwrap_or_default() {
                m.put(k, v);
            }
            Value::Null
        }
        _ => return None,
    })
}
