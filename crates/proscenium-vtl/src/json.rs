//! JSON ⇄ template values: bodies and `$util.parseJson` become Java-like maps
//! (insertion ordered), lists, strings, Integer/Long/Double, booleans and null;
//! `$input.json` serialises a selection back to compact JSON text.

use std::rc::Rc;

use crate::value::{JMap, Value};

/// Converts a `serde_json` tree (numbers: Integer if they fit, else Long, else Double).
pub(crate) fn from_serde(v: &serde_json::Value) -> Value {
    from_serde_at(v, 0)
}

/// Nesting past this depth becomes null (callers may build any tree).
const MAX_SERDE_DEPTH: usize = 256;

fn from_serde_at(v: &serde_json::Value, depth: usize) -> Value {
    if depth > MAX_SERDE_DEPTH {
        return Value::Null;
    }
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                match i32::try_from(i) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::Long(i),
                }
            } else if let Some(u) = n.as_u64() {
                Value::Big(i128::from(u))
            } else {
                Value::Double(n.as_f64().unwrap_or(0.0))
            }
        }
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => {
            Value::list(a.iter().map(|x| from_serde_at(x, depth + 1)).collect())
        }
        serde_json::Value::Object(o) => {
            let mut m = JMap::default();
            m.entries.reserve(o.len());
            for (k, v) in o {
                m.entries.push((Value::str(k), from_serde_at(v, depth + 1)));
            }
            Value::map(m)
        }
    }
}

/// Parses a body; an empty or blank body counts as `{}`, as in API Gateway.
pub(crate) fn parse_body(body: &Rc<str>) -> Result<Value, String> {
    if body.trim().is_empty() {
        return Ok(Value::map(JMap::default()));
    }
    crate::json_parse::parse_shared(body.clone())
}

/// Compact JSON text of a value.
pub(crate) fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out, 0);
    out
}

fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(crate) fn write_json(v: &Value, out: &mut String, depth: usize) {
    if depth > 256 {
        out.push_str("null");
        return;
    }
    match v {
        Value::Str(s) => write_str(s, out),
        Value::List(l) => {
            out.push('[');
            if let Ok(l) = l.try_borrow() {
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json(x, out, depth + 1);
                }
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            if let Ok(m) = m.try_borrow() {
                for (i, (k, x)) in m.entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(&k.to_java_string(), out);
                    out.push(':');
                    write_json(x, out, depth + 1);
                }
            }
            out.push('}');
        }
        Value::Json(j) => j.write_json(out, depth),
        other => out.push_str(&other.to_java_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_body(body: &str) -> Result<Value, String> {
        super::parse_body(&Rc::from(body))
    }

    #[test]
    fn round_trips_with_java_numbers() {
        let v =
            parse_body(r#"{"a":1,"b":[2.50,"x\"y"],"c":null,"d":3000000000,"e":1e10}"#).unwrap();
        assert_eq!(
            to_json(&v),
            r#"{"a":1,"b":[2.5,"x\"y"],"c":null,"d":3000000000,"e":1.0E10}"#
        );
        assert_eq!(
            v.to_java_string(),
            r#"{a=1, b=[2.5, x"y], c=null, d=3000000000, e=1.0E10}"#
        );
    }

    #[test]
    fn blank_body_is_empty_object() {
        assert_eq!(to_json(&parse_body("  ").unwrap()), "{}");
    }
}
