//! `java.lang.String` methods (indices in UTF-16 code units, as Java counts)
//! and the methods of boxed numbers and booleans.
//!
//! `Ok(None)` means "no such method", which Velocity renders as a null.

use crate::number::{as_f64, java_double};
use crate::regex_java;
use crate::value::{LIMIT_PREFIX, MAX_STRING_BYTES, Value};

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from16(u: &[u16]) -> String {
    String::from_utf16_lossy(u)
}

fn int_arg(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i64::from(*i)),
        _ => None,
    }
}

fn bounds(msg: &str, i: i64) -> String {
    format!("java.lang.StringIndexOutOfBoundsException: {msg} {i}")
}

fn find16(hay: &[u16], needle: &[u16], from: i64) -> i64 {
    let from = from.max(0) as usize;
    if needle.is_empty() {
        return if from <= hay.len() {
            from as i64
        } else {
            hay.len() as i64
        };
    }
    if needle.len() > hay.len() {
        return -1;
    }
    (from..=hay.len() - needle.len())
        .find(|&i| hay.get(i..i + needle.len()) == Some(needle))
        .map_or(-1, |i| i as i64)
}

fn rfind16(hay: &[u16], needle: &[u16], from: i64) -> i64 {
    if from < 0 || needle.len() > hay.len() {
        return -1;
    }
    let start = (from as usize).min(hay.len() - needle.len());
    (0..=start)
        .rev()
        .find(|&i| hay.get(i..i + needle.len()) == Some(needle))
        .map_or(-1, |i| i as i64)
}

/// Java `String.hashCode`.
pub(crate) fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

fn compare16(a: &str, b: &str) -> i32 {
    let (a, b) = (utf16(a), utf16(b));
    for (x, y) in a.iter().zip(b.iter()) {
        if x != y {
            return i32::from(*x) - i32::from(*y);
        }
    }
    a.len() as i32 - b.len() as i32
}

/// Java `trim()`: strips chars `<= ' '`.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

pub(crate) fn call(s: &str, name: &str, args: &[Value]) -> Result<Option<Value>, String> {
    let sarg = |i: usize| match args.get(i) {
        Some(Value::Str(a)) => Some(&**a),
        _ => None,
    };
    let v = match (name, args.len()) {
        ("length", 0) => Value::Int(s.encode_utf16().count() as i32),
        ("isEmpty", 0) => Value::Bool(s.is_empty()),
        ("toString" | "intern", 0) => Value::str(s),
        ("toUpperCase", 0) => Value::string(s.to_uppercase()),
        ("toLowerCase", 0) => Value::string(s.to_lowercase()),
        ("trim", 0) => Value::str(java_trim(s)),
        ("hashCode", 0) => Value::Int(java_hash(s)),
        ("substring", 1 | 2) => {
            let Some(b) = args.first().and_then(int_arg) else {
                return Ok(None);
            };
            let u = utf16(s);
            let e = match args.get(1) {
                Some(a) => match int_arg(a) {
                    Some(e) => e,
                    None => return Ok(None),
                },
                None => u.len() as i64,
            };
            if b < 0 || e > u.len() as i64 || b > e {
                return Err(bounds("begin/end out of range:", b));
            }
            Value::string(from16(u.get(b as usize..e as usize).unwrap_or(&[])))
        }
        ("charAt", 1) => {
            let Some(i) = args.first().and_then(int_arg) else {
                return Ok(None);
            };
            let u = utf16(s);
            match usize::try_from(i).ok().and_then(|i| u.get(i)) {
                Some(c) => Value::string(from16(&[*c])),
                None => return Err(bounds("index out of range:", i)),
            }
        }
        ("indexOf" | "lastIndexOf", 1 | 2) => {
            let needle: String = match args.first() {
                Some(Value::Str(a)) => a.to_string(),
                // `indexOf(int ch)`: Velocity passes an Integer as a char code.
                Some(Value::Int(c)) => match u32::try_from(*c).ok().and_then(char::from_u32) {
                    Some(ch) => ch.to_string(),
                    None => return Ok(Some(Value::Int(-1))),
                },
                _ => return Ok(None),
            };
            let (hay, n) = (utf16(s), utf16(&needle));
            let last = name == "lastIndexOf";
            let from = match args.get(1) {
                Some(a) => match int_arg(a) {
                    Some(f) => f,
                    None => return Ok(None),
                },
                None if last => hay.len() as i64,
                None => 0,
            };
            Value::Int(if last {
                rfind16(&hay, &n, from)
            } else {
                find16(&hay, &n, from)
            } as i32)
        }
        ("startsWith", 1) => Value::Bool(sarg(0).is_some_and(|p| s.starts_with(p))),
        ("startsWith", 2) => {
            let (Some(p), Some(off)) = (sarg(0), args.get(1).and_then(int_arg)) else {
                return Ok(None);
            };
            let (u, pu) = (utf16(s), utf16(p));
            let ok = usize::try_from(off)
                .ok()
                .and_then(|o| u.get(o..))
                .is_some_and(|rest| rest.starts_with(&pu));
            Value::Bool(ok)
        }
        ("endsWith", 1) => Value::Bool(sarg(0).is_some_and(|p| s.ends_with(p))),
        ("contains", 1) => Value::Bool(sarg(0).is_some_and(|p| s.contains(p))),
        ("equals", 1) => Value::Bool(sarg(0).is_some_and(|p| *p == *s)),
        ("equalsIgnoreCase", 1) => Value::Bool(sarg(0).is_some_and(|p| {
            let (a, b) = (utf16(s), utf16(p));
            a.len() == b.len() && s.to_uppercase() == p.to_uppercase()
        })),
        ("concat", 1) => match sarg(0) {
            Some(p) if s.len() + p.len() > MAX_STRING_BYTES => {
                return Err(format!("{LIMIT_PREFIX}concat() result too large"));
            }
            Some(p) => Value::string(format!("{s}{p}")),
            None => return Ok(None),
        },
        ("compareTo", 1) => match sarg(0) {
            Some(p) => Value::Int(compare16(s, p)),
            None => return Ok(None),
        },
        ("compareToIgnoreCase", 1) => match sarg(0) {
            Some(p) => Value::Int(compare16(
                &s.to_uppercase().to_lowercase(),
                &p.to_uppercase().to_lowercase(),
            )),
            None => return Ok(None),
        },
        ("replace", 2) => match (sarg(0), sarg(1)) {
            (Some(a), Some(b)) => {
                let hits = if a.is_empty() {
                    s.chars().count() + 1
                } else {
                    s.matches(a).count()
                };
                let grown = hits.saturating_mul(b.len()).saturating_add(s.len());
                if grown.saturating_sub(hits.saturating_mul(a.len())) > MAX_STRING_BYTES {
                    return Err(format!("{LIMIT_PREFIX}replace() result too large"));
                }
                Value::string(s.replace(a, b))
            }
            _ => return Ok(None),
        },
        ("replaceAll" | "replaceFirst", 2) => match (sarg(0), sarg(1)) {
            (Some(re), Some(rep)) => {
                Value::string(regex_java::replace(s, re, rep, name == "replaceAll")?)
            }
            _ => return Ok(None),
        },
        ("matches", 1) => match sarg(0) {
            Some(re) => Value::Bool(regex_java::full_match(s, re)?),
            None => return Ok(None),
        },
        ("split", 1 | 2) => {
            let Some(re) = sarg(0) else { return Ok(None) };
            let limit = match args.get(1) {
                Some(a) => match int_arg(a) {
                    Some(l) => l,
                    None => return Ok(None),
                },
                None => 0,
            };
            let parts = regex_java::split(s, re, limit)?;
            Value::list(parts.into_iter().map(Value::string).collect())
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// Methods of `Integer`, `Long`, `Double`, `BigInteger` and `Boolean`.
pub(crate) fn call_number(v: &Value, name: &str, args: &[Value]) -> Option<Value> {
    if let Value::Bool(b) = v {
        return match (name, args) {
            ("booleanValue", []) => Some(Value::Bool(*b)),
            _ => None,
        };
    }
    if !v.is_number() {
        return None;
    }
    let f = as_f64(v);
    Some(match (name, args) {
        ("intValue", []) => Value::Int(match v {
            Value::Int(i) => *i,
            Value::Long(l) => *l as i32,
            Value::Big(b) => *b as i32,
            _ => f as i32,
        }),
        ("longValue", []) => Value::Long(match v {
            Value::Int(i) => i64::from(*i),
            Value::Long(l) => *l,
            Value::Big(b) => *b as i64,
            _ => f as i64,
        }),
        ("doubleValue", []) => Value::Double(f),
        ("isNaN", []) => Value::Bool(f.is_nan()),
        ("isInfinite", []) => Value::Bool(f.is_infinite()),
        ("compareTo", [o]) if o.class_tag() == v.class_tag() => {
            Value::Int(match crate::number::compare(v, o) {
                Some(std::cmp::Ordering::Less) => -1,
                Some(std::cmp::Ordering::Greater) => 1,
                _ => 0,
            })
        }
        ("hashCode", []) => Value::Int(match v {
            Value::Int(i) => *i,
            Value::Long(l) => (*l ^ ((*l as u64) >> 32) as i64) as i32,
            _ => return None,
        }),
        ("toString", []) => Value::string(match v {
            Value::Double(d) => java_double(*d),
            other => other.to_java_string(),
        }),
        _ => return None,
    })
}
