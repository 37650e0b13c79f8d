//! Patch operations (`{"patchOperations": [{op, path, value, from}]}`): parsing, AWS's
//! validation of `op`, path escaping (`~1` is `/`, `~0` is `~`), value coercion, and the
//! per-entity grammars (one module each).
//!
//! Pure: no store, no clock. Each grammar applies operations to a domain value in place and
//! is tested with tables.

pub mod stage;
pub mod usage_plan;

use serde::Deserialize;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
    Move,
    Copy,
    Test,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "remove",
            Op::Replace => "replace",
            Op::Move => "move",
            Op::Copy => "copy",
            Op::Test => "test",
        }
    }
}

/// One operation as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchOp {
    pub op: Op,
    /// The path as sent (escaped).
    pub path: String,
    pub value: Option<String>,
    pub from: Option<String>,
}

#[derive(Deserialize)]
struct RawBody {
    #[serde(default, rename = "patchOperations")]
    patch_operations: Vec<RawOp>,
}

#[derive(Deserialize)]
struct RawOp {
    op: Option<String>,
    path: Option<String>,
    value: Option<serde_json::Value>,
    from: Option<String>,
}

/// Parses the body of an `Update*` call. `input` names the operation's input shape for AWS's
/// validation messages (e.g. `updateStageInput`).
pub fn parse(body: &axum::body::Bytes, input: &str) -> ApiResult<Vec<PatchOp>> {
    let raw: RawBody = crate::extract::json_body(body)?;
    let mut errors = Vec::new();
    let mut ops = Vec::new();
    for (i, r) in raw.patch_operations.into_iter().enumerate() {
        let op = match r.op.as_deref() {
            Some("add") => Some(Op::Add),
            Some("remove") => Some(Op::Remove),
            Some("replace") => Some(Op::Replace),
            Some("move") => Some(Op::Move),
            Some("copy") => Some(Op::Copy),
            Some("test") => Some(Op::Test),
            other => {
                errors.push(format!(
                    "Value '{}' at '{input}.patchOperations.{}.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]",
                    other.unwrap_or("null"),
                    i + 1
                ));
                None
            }
        };
        let value = match r.value {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        };
        if let Some(op) = op {
            ops.push(PatchOp {
                op,
                path: r.path.unwrap_or_default(),
                value,
                from: r.from,
            });
        }
    }
    if !errors.is_empty() {
        return Err(validation_errors(&errors));
    }
    Ok(ops)
}

/// AWS's "N validation error(s) detected: a; b" message.
pub fn validation_errors(errors: &[String]) -> ApiError {
    let n = errors.len();
    let noun = if n == 1 { "error" } else { "errors" };
    ApiError::Validation(format!(
        "{n} validation {noun} detected: {}",
        errors.join("; ")
    ))
}

/// Unescapes one JSON-pointer segment.
pub fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

/// Splits `/a/b~1c` into unescaped segments `["a", "b/c"]`.
pub fn segments(path: &str) -> Vec<String> {
    path.strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(unescape)
        .collect()
}

impl PatchOp {
    /// The value, or AWS's message for a missing one.
    pub fn value(&self) -> ApiResult<&str> {
        self.value.as_deref().ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid null or empty value in {}",
                self.path.trim_start_matches('/')
            ))
        })
    }

    pub fn bool_value(&self) -> ApiResult<bool> {
        match self.value()?.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(ApiError::bad_request(format!(
                "Invalid value specified for {}: '{other}' is not a valid boolean",
                self.path
            ))),
        }
    }

    pub fn int_value(&self) -> ApiResult<i64> {
        let v = self.value()?;
        v.trim().parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!(
                "Invalid value specified for {}: '{v}' is not a valid integer",
                self.path
            ))
        })
    }

    pub fn double_value(&self) -> ApiResult<f64> {
        let v = self.value()?;
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite())
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid value specified for {}: '{v}' is not a valid double",
                    self.path
                ))
            })
    }

    /// AWS's message for a path the entity does not support with this op, listing the valid ones.
    pub fn invalid_path(&self, valid: &[&str]) -> ApiError {
        if valid.is_empty() {
            ApiError::bad_request(format!(
                "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
                self.path,
                self.op.as_str()
            ))
        } else {
            ApiError::bad_request(format!(
                "Invalid patch path  '{}' specified for op '{}'. Must be one of: [{}]",
                self.path,
                self.op.as_str(),
                valid.join(", ")
            ))
        }
    }
}

/// Applies an `add`/`replace`/`remove` to an optional string field.
pub fn set_opt_string(field: &mut Option<String>, op: &PatchOp) -> ApiResult<()> {
    match op.op {
        Op::Add | Op::Replace => *field = op.value.clone().filter(|v| !v.is_empty()),
        Op::Remove => *field = None,
        _ => return Err(op.invalid_path(&[])),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ops_are_listed_like_aws() {
        let body = axum::body::Bytes::from(
            r#"{"patchOperations":[{"op":"wrong_op","path":"/a"},{"op":"replace","path":"/b","value":"1"},{"op":"x","path":"/c"}]}"#,
        );
        let e = parse(&body, "updateMethodResponseInput").unwrap_err();
        assert_eq!(e.code(), "ValidationException");
        assert!(e.message().starts_with("2 validation errors detected: Value 'wrong_op' at 'updateMethodResponseInput.patchOperations.1.member.op'"));
        assert!(e.message().contains("patchOperations.3.member.op"));
    }

    #[test]
    fn values_are_strings_coerced_on_use() {
        let body = axum::body::Bytes::from(
            r#"{"patchOperations":[{"op":"replace","path":"/x~1y","value":"true"},{"op":"replace","path":"/n","value":12}]}"#,
        );
        let ops = parse(&body, "in").unwrap();
        assert!(ops[0].bool_value().unwrap());
        assert_eq!(segments(&ops[0].path), ["x/y"]);
        assert_eq!(ops[1].int_value().unwrap(), 12);
        assert!(ops[1].bool_value().is_err());
    }
}
