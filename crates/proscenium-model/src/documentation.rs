//! Documentation parts (properties attached to a location in the API: the API itself, a
//! resource, method, parameter, body, response, header, authorizer or model) and
//! documentation versions (named snapshots of the parts), with AWS's location rules.

use serde::{Deserialize, Serialize};

use crate::{Timestamp, ValidationError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentationPart {
    pub id: String,
    pub location: Location,
    /// A JSON object, kept as the caller wrote it.
    pub properties: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentationVersion {
    pub version: String,
    pub created_date: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The parts as they were when the version was created (never on the wire).
    #[serde(default)]
    pub parts: Vec<DocumentationPart>,
}

/// The location types, in the order AWS's validation message lists them.
pub const LOCATION_TYPES: &[&str] = &[
    "RESPONSE_BODY",
    "RESPONSE",
    "METHOD",
    "MODEL",
    "AUTHORIZER",
    "RESPONSE_HEADER",
    "RESOURCE",
    "PATH_PARAMETER",
    "REQUEST_BODY",
    "QUERY_PARAMETER",
    "API",
    "REQUEST_HEADER",
];

/// Which fields a location type takes: (path, method, statusCode, name required).
fn fields(kind: &str) -> (bool, bool, bool, bool) {
    match kind {
        "API" => (false, false, false, false),
        "RESOURCE" => (true, false, false, false),
        "METHOD" | "REQUEST_BODY" => (true, true, false, false),
        "PATH_PARAMETER" | "QUERY_PARAMETER" | "REQUEST_HEADER" => (true, true, false, true),
        "RESPONSE" | "RESPONSE_BODY" => (true, true, true, false),
        "RESPONSE_HEADER" => (true, true, true, true),
        // AUTHORIZER, MODEL
        _ => (false, false, false, true),
    }
}

impl Location {
    /// Applies AWS's rules: fields a type does not take are refused, `name` is required
    /// where it identifies the target, and the defaults (`/`, `*`, `*`) are filled in.
    pub fn normalise(mut self) -> Result<Location, ValidationError> {
        let (path, method, status, name) = fields(&self.kind);
        let refuse = |field: &str| {
            Err(ValidationError::bad_request(format!(
                "Invalid documentation part location: '{field}' is not a valid field for type '{}'",
                self.kind
            )))
        };
        if !path && self.path.is_some() {
            return refuse("path");
        }
        if !method && self.method.is_some() {
            return refuse("method");
        }
        if !status && self.status_code.is_some() {
            return refuse("statusCode");
        }
        if !name && self.name.is_some() {
            return refuse("name");
        }
        if name && self.name.as_deref().unwrap_or("").is_empty() {
            return Err(ValidationError::bad_request(format!(
                "Invalid documentation part location: 'name' is required for type '{}'",
                self.kind
            )));
        }
        if path {
            let p = self.path.get_or_insert_with(|| "/".into());
            if !p.starts_with('/') {
                return Err(ValidationError::bad_request(format!(
                    "Invalid documentation part location: invalid path '{p}'"
                )));
            }
        }
        if method {
            let m = self.method.get_or_insert_with(|| "*".into());
            *m = m.to_ascii_uppercase();
        }
        if status {
            self.status_code.get_or_insert_with(|| "*".into());
        }
        Ok(self)
    }

    /// AWS's description of a location in its conflict message.
    pub fn describe(&self) -> String {
        let mut out = format!("type '{}'", self.kind);
        for (k, v) in [
            ("path", &self.path),
            ("method", &self.method),
            ("statusCode", &self.status_code),
            ("name", &self.name),
        ] {
            if let Some(v) = v {
                out.push_str(&format!(", {k} '{v}'"));
            }
        }
        out
    }
}

/// AWS's conflict message for a second part at the same location.
pub fn already_exists(location: &Location) -> ValidationError {
    ValidationError::conflict(format!(
        "Documentation part already exists for the specified location: {}.",
        location.describe()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(kind: &str) -> Location {
        Location {
            kind: kind.into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_and_rules() {
        let r = loc("RESOURCE").normalise().unwrap();
        assert_eq!(r.path.as_deref(), Some("/"));
        let m = loc("RESPONSE").normalise().unwrap();
        assert_eq!(
            (m.method.as_deref(), m.status_code.as_deref()),
            (Some("*"), Some("*"))
        );
        assert!(loc("QUERY_PARAMETER").normalise().is_err());
        let mut bad = loc("API");
        bad.method = Some("GET".into());
        assert!(bad.normalise().is_err());
        assert_eq!(
            already_exists(&loc("RESOURCE").normalise().unwrap()).message,
            "Documentation part already exists for the specified location: type 'RESOURCE', path '/'."
        );
    }
}
