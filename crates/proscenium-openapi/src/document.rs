//! Reading a document: JSON or YAML into one JSON value, and which specification it follows.

use serde_json::{Map, Value};

use proscenium_model::ValidationError;

/// The specifications the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spec {
    Swagger2,
    OpenApi3,
}

/// AWS's answer to a document it cannot read at all.
pub fn invalid_input() -> ValidationError {
    ValidationError::bad_request("Invalid OpenAPI input.")
}

/// Nesting deeper than this is refused (a schema is never this deep; a hostile document is).
const MAX_DEPTH: usize = 128;

/// Parses JSON (a document starting with `{`) or YAML into a JSON value.
pub fn parse(bytes: &[u8]) -> Result<Value, ValidationError> {
    let text = std::str::from_utf8(bytes).map_err(|_| invalid_input())?;
    let text = text.trim_start_matches('\u{feff}');
    let value = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(text).map_err(|_| invalid_input())?
    } else {
        let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|_| invalid_input())?;
        yaml_to_json(y, 0).ok_or_else(invalid_input)?
    };
    if !value.is_object() {
        return Err(invalid_input());
    }
    Ok(value)
}

/// Which specification a parsed document follows; OpenAPI 3.1 and unknown versions are
/// refused as AWS refuses them ("Invalid OpenAPI input.").
pub fn spec(doc: &Value) -> Result<Spec, ValidationError> {
    // YAML reads an unquoted `swagger: 2.0` or `openapi: 3.0` as a number.
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(v) = doc.get("swagger") {
        return match text(v).as_deref() {
            Some("2.0") => Ok(Spec::Swagger2),
            _ => Err(invalid_input()),
        };
    }
    match doc.get("openapi").and_then(text) {
        Some(v) if v == "3.0" || v.starts_with("3.0.") => Ok(Spec::OpenApi3),
        _ => Err(invalid_input()),
    }
}

/// YAML's value as JSON: keys become strings (`200:` is the key "200"), tags are dropped.
fn yaml_to_json(y: serde_yaml_ng::Value, depth: usize) -> Option<Value> {
    use serde_yaml_ng::Value as Y;
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match y {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                serde_json::Number::from_f64(n.as_f64()?).map(Value::Number)?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(|i| yaml_to_json(i, depth + 1))
                .collect::<Option<Vec<_>>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".into(),
                    _ => return None,
                };
                out.insert(key, yaml_to_json(v, depth + 1)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value, depth + 1)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_and_yaml_alike() {
        let j =
            parse(br#"{"swagger":"2.0","paths":{"/a":{"get":{"responses":{"200":{}}}}}}"#).unwrap();
        let y =
            parse(b"swagger: '2.0'\npaths:\n  /a:\n    get:\n      responses:\n        200: {}\n")
                .unwrap();
        assert_eq!(j, y);
        assert_eq!(spec(&j).unwrap(), Spec::Swagger2);
    }

    #[test]
    fn refuses_what_aws_refuses() {
        assert_eq!(
            parse(b"not: [valid").unwrap_err().message,
            "Invalid OpenAPI input."
        );
        assert_eq!(
            parse(b"[1,2]").unwrap_err().message,
            "Invalid OpenAPI input."
        );
        assert!(spec(&parse(b"openapi: 3.1.0").unwrap()).is_err());
        assert!(spec(&parse(b"openapi: 3.0.1").unwrap()).is_ok());
        assert!(spec(&parse(b"info: {}").unwrap()).is_err());
        assert_eq!(
            spec(&parse(b"swagger: 2.0").unwrap()).unwrap(),
            Spec::Swagger2
        );
        assert_eq!(
            spec(&parse(b"openapi: 3.0").unwrap()).unwrap(),
            Spec::OpenApi3
        );
        assert!(spec(&parse(b"openapi: 3.1").unwrap()).is_err());
        assert!(spec(&parse(b"openapi: 3.01").unwrap()).is_err());
    }
}
