//! Resources: the path tree of an API, and AWS's pathPart grammar.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Method, ValidationError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// `None` for the root resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_part: Option<String>,
    /// Full path, computed from the tree; kept up to date by the definition.
    pub path: String,
    /// Methods by HTTP method (`GET`, `ANY`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_methods: BTreeMap<String, Method>,
}

/// What kind of segment a pathPart is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    Literal,
    /// `{name}`
    Variable,
    /// `{name+}`
    Greedy,
}

/// Classifies a pathPart, or explains (with AWS's message) why it is not valid.
pub fn classify_path_part(part: &str) -> Result<PartKind, ValidationError> {
    let invalid = || {
        ValidationError::bad_request(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.",
        )
    };
    if part.is_empty() {
        return Err(invalid());
    }
    if let Some(inner) = part.strip_prefix('{') {
        let inner = inner.strip_suffix('}').ok_or_else(invalid)?;
        let (name, greedy) = match inner.strip_suffix('+') {
            Some(n) => (n, true),
            None => (inner, false),
        };
        if name.is_empty() || !name.bytes().all(is_name_byte) {
            return Err(invalid());
        }
        return Ok(if greedy {
            PartKind::Greedy
        } else {
            PartKind::Variable
        });
    }
    if part.bytes().all(is_literal_byte) {
        Ok(PartKind::Literal)
    } else {
        Err(invalid())
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

fn is_literal_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'.' | b'_'
                | b'-'
                | b':'
                | b'@'
                | b'~'
                | b'$'
                | b'!'
                | b'\''
                | b'*'
                | b','
                | b';'
                | b'='
                | b'&'
                | b'+'
        )
}

/// Joins a parent's path and a child's pathPart the way AWS prints it.
pub fn child_path(parent_path: &str, part: &str) -> String {
    if parent_path == "/" {
        format!("/{part}")
    } else {
        format!("{parent_path}/{part}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts_follow_aws_grammar() {
        assert_eq!(classify_path_part("pets").unwrap(), PartKind::Literal);
        assert_eq!(classify_path_part("v1.2_x-y").unwrap(), PartKind::Literal);
        assert_eq!(classify_path_part("{id}").unwrap(), PartKind::Variable);
        assert_eq!(classify_path_part("{proxy+}").unwrap(), PartKind::Greedy);
        for bad in ["", "{}", "{+}", "{a", "a}", "a/b", "{a b}", "a b", "{a}{b}"] {
            assert!(classify_path_part(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn child_paths_join_without_double_slash() {
        assert_eq!(child_path("/", "pets"), "/pets");
        assert_eq!(child_path("/pets", "{id}"), "/pets/{id}");
    }
}
