//! Parameter mapping expressions: the syntax of `requestParameters` and `responseParameters`
//! in integrations, integration responses and gateway responses, and AWS's checks of them
//! against what the method declares.
//!
//! Pure. Both planes use it: the control plane refuses a mapping AWS refuses (with AWS's
//! message), the data plane compiles the same expressions into what it resolves per request.
//!
//! Sources: `method.request.{path|querystring|multivaluequerystring|header|
//! multivalueheader}.X`, `method.request.body[.JSONPath]`, `stageVariables.X`, `context.X`,
//! `'literal'`, `integration.response.{header|multivalueheader}.X`,
//! `integration.response.body[.JSONPath]`. Request targets:
//! `integration.request.{path|querystring|header}.X`.

use crate::{BoolMap, StringMap};

/// Where a mapped value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Literal(String),
    Path(String),
    Query(String),
    MultiQuery(String),
    Header(String),
    MultiHeader(String),
    RequestBody(Vec<String>),
    StageVariable(String),
    Context(String),
    ResponseHeader(String),
    ResponseMultiHeader(String),
    ResponseBody(Vec<String>),
}

/// Where a request mapping writes (`integration.request.{path|querystring|header}.Y`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestTarget {
    Path(String),
    Query(String),
    Header(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid mapping expression: {0}")]
pub struct ParamError(pub String);

/// Parses the right-hand side of a mapping.
pub fn parse_source(expr: &str) -> Result<Source, ParamError> {
    let bad = || ParamError(expr.to_string());
    let e = expr.trim();
    if e.len() >= 2 && e.starts_with('\'') && e.ends_with('\'') {
        return Ok(Source::Literal(e[1..e.len() - 1].to_string()));
    }
    if let Some(name) = e.strip_prefix("stageVariables.") {
        return named(name, Source::StageVariable).ok_or_else(bad);
    }
    if let Some(name) = e.strip_prefix("context.") {
        return named(name, Source::Context).ok_or_else(bad);
    }
    if let Some(rest) = e.strip_prefix("method.request.") {
        if rest == "body" {
            return Ok(Source::RequestBody(Vec::new()));
        }
        if let Some(p) = rest.strip_prefix("body.") {
            return json_path(p).map(Source::RequestBody).ok_or_else(bad);
        }
        let (kind, name) = rest.split_once('.').ok_or_else(bad)?;
        let make = match kind {
            "path" => Source::Path,
            "querystring" => Source::Query,
            "multivaluequerystring" => Source::MultiQuery,
            "header" => Source::Header,
            "multivalueheader" => Source::MultiHeader,
            _ => return Err(bad()),
        };
        return named(name, make).ok_or_else(bad);
    }
    if let Some(rest) = e.strip_prefix("integration.response.") {
        if rest == "body" {
            return Ok(Source::ResponseBody(Vec::new()));
        }
        if let Some(p) = rest.strip_prefix("body.") {
            return json_path(p).map(Source::ResponseBody).ok_or_else(bad);
        }
        if let Some(name) = rest.strip_prefix("header.") {
            return named(name, Source::ResponseHeader).ok_or_else(bad);
        }
        if let Some(name) = rest.strip_prefix("multivalueheader.") {
            return named(name, Source::ResponseMultiHeader).ok_or_else(bad);
        }
    }
    Err(bad())
}

/// Parses the left-hand side of a request mapping.
pub fn parse_request_target(key: &str) -> Result<RequestTarget, ParamError> {
    let bad = || ParamError(key.to_string());
    let rest = key.strip_prefix("integration.request.").ok_or_else(bad)?;
    let (kind, name) = rest.split_once('.').ok_or_else(bad)?;
    match kind {
        "path" => named(name, RequestTarget::Path),
        "querystring" => named(name, RequestTarget::Query),
        "header" => named(name, RequestTarget::Header),
        _ => None,
    }
    .ok_or_else(bad)
}

fn named<T>(name: &str, make: impl FnOnce(String) -> T) -> Option<T> {
    (!name.is_empty()).then(|| make(name.to_string()))
}

/// `$.a.b` / `a.b` → `["a", "b"]` (the dotted subset of JSONPath).
fn json_path(p: &str) -> Option<Vec<String>> {
    let p = p
        .strip_prefix("$.")
        .or_else(|| p.strip_prefix('$'))
        .unwrap_or(p);
    let keys: Vec<String> = p
        .split('.')
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    Some(keys)
}

/// Why AWS refuses a mapping; the text is what AWS puts between the brackets of
/// `Invalid mapping expression specified: Validation Result: warnings : [], errors : [...]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// The left-hand side names no place a mapping can write.
    #[error("Invalid mapping identifier specified")]
    Identifier,
    /// The right-hand side (or a response key) is not a mapping expression.
    #[error("Invalid mapping expression specified: {0}")]
    Expression(String),
    /// The expression names a parameter the method does not declare.
    #[error("Invalid mapping expression parameter specified: {0}")]
    Parameter(String),
    /// Response headers are mapped for a status code the method has no response for.
    #[error("No method response exists for method.")]
    NoMethodResponse,
}

/// AWS's check of an integration's `requestParameters` against the method's declared
/// request parameters: each key is an `integration.request.*` target, each value a mapping
/// expression, and each `method.request.{path|querystring|header}.X` it reads is declared
/// (the multi-value forms count as the same parameter).
pub fn check_integration_request(
    params: &StringMap,
    declared: &BoolMap,
) -> Result<(), MappingError> {
    for (key, expr) in params {
        parse_request_target(key).map_err(|_| MappingError::Identifier)?;
        let source = parse_source(expr).map_err(|_| MappingError::Expression(expr.clone()))?;
        // Header names are compared without regard to case (HTTP's rule); others exactly.
        let names = |locations: &[&str], name: &str, any_case: bool| {
            declared.keys().any(|k| {
                locations.iter().any(|l| {
                    k.strip_prefix("method.request.")
                        .and_then(|r| r.strip_prefix(l))
                        .and_then(|r| r.strip_prefix('.'))
                        .is_some_and(|n| n == name || (any_case && n.eq_ignore_ascii_case(name)))
                })
            })
        };
        let ok = match &source {
            Source::Path(n) => names(&["path"], n, false),
            Source::Query(n) | Source::MultiQuery(n) => {
                names(&["querystring", "multivaluequerystring"], n, false)
            }
            Source::Header(n) | Source::MultiHeader(n) => {
                names(&["header", "multivalueheader"], n, true)
            }
            Source::ResponseHeader(_)
            | Source::ResponseMultiHeader(_)
            | Source::ResponseBody(_) => {
                return Err(MappingError::Expression(expr.clone()));
            }
            _ => true,
        };
        if !ok {
            return Err(MappingError::Parameter(expr.trim().to_string()));
        }
    }
    Ok(())
}

/// AWS's check of an integration response's `responseParameters`: each key is a
/// `method.response.header.X` the method response for the same status code declares, each
/// value a mapping expression. `declared` is that method response's parameters, `None`
/// when the method has no response for the status code.
pub fn check_integration_response(
    params: &StringMap,
    declared: Option<&BoolMap>,
) -> Result<(), MappingError> {
    if params.is_empty() {
        return Ok(());
    }
    let declared = declared.ok_or(MappingError::NoMethodResponse)?;
    for (key, expr) in params {
        let name = key
            .strip_prefix("method.response.header.")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| MappingError::Expression(key.clone()))?;
        let declared_here = declared.keys().any(|k| {
            k.strip_prefix("method.response.header.")
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        });
        if !declared_here {
            return Err(MappingError::Parameter(format!(
                "method.response.header.{name}"
            )));
        }
        parse_source(expr).map_err(|_| MappingError::Expression(expr.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sources_and_targets() {
        assert_eq!(
            parse_source("'a b'").unwrap(),
            Source::Literal("a b".into())
        );
        assert_eq!(
            parse_source("method.request.path.id").unwrap(),
            Source::Path("id".into())
        );
        assert_eq!(
            parse_source("method.request.multivaluequerystring.q").unwrap(),
            Source::MultiQuery("q".into())
        );
        assert_eq!(
            parse_source("stageVariables.host").unwrap(),
            Source::StageVariable("host".into())
        );
        assert_eq!(
            parse_source("context.requestId").unwrap(),
            Source::Context("requestId".into())
        );
        assert_eq!(
            parse_source("integration.response.body.$.a.b").unwrap(),
            Source::ResponseBody(vec!["a".into(), "b".into()])
        );
        assert!(parse_source("method.request.cookie.x").is_err());
        assert!(parse_source("nonsense").is_err());
        assert_eq!(
            parse_request_target("integration.request.header.X-Y").unwrap(),
            RequestTarget::Header("X-Y".into())
        );
        assert!(parse_request_target("integration.request.body.x").is_err());
        assert!(parse_request_target("integration.request.path.").is_err());
    }

    fn strings(pairs: &[(&str, &str)]) -> StringMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn bools(keys: &[&str]) -> BoolMap {
        keys.iter().map(|k| (k.to_string(), true)).collect()
    }

    #[test]
    fn request_mappings_read_only_declared_parameters() {
        let declared = bools(&[
            "method.request.path.id",
            "method.request.querystring.q",
            "method.request.multivalueheader.x-many",
        ]);
        let check = |pairs: &[(&str, &str)]| check_integration_request(&strings(pairs), &declared);
        assert_eq!(
            check(&[
                ("integration.request.path.id", "method.request.path.id"),
                (
                    "integration.request.querystring.all",
                    "method.request.multivaluequerystring.q"
                ),
                (
                    "integration.request.header.x-one",
                    "method.request.header.x-many"
                ),
                ("integration.request.header.x-lit", "'v'"),
                ("integration.request.header.x-stage", "stageVariables.s"),
                ("integration.request.header.x-ctx", "context.requestId"),
                (
                    "integration.request.querystring.b",
                    "method.request.body.a.b"
                ),
            ]),
            Ok(())
        );
        assert_eq!(
            check(&[("integration.request.path.id", "method.request.path.other")]),
            Err(MappingError::Parameter("method.request.path.other".into()))
        );
        assert_eq!(
            check(&[(
                "integration.request.header.h",
                "method.request.querystring.id"
            )]),
            Err(MappingError::Parameter(
                "method.request.querystring.id".into()
            ))
        );
        assert_eq!(
            check(&[(
                "integration.request.header.h",
                "method.request.header.X-MANY"
            )]),
            Ok(()),
            "header names in any case"
        );
        assert_eq!(
            check(&[("integration.request.path.id", "method.request.path.ID")]),
            Err(MappingError::Parameter("method.request.path.ID".into())),
            "path names exactly"
        );
        assert_eq!(
            check(&[("integration.request.header.h", "nonsense")]),
            Err(MappingError::Expression("nonsense".into()))
        );
        assert_eq!(
            check(&[("integration.request.header.h", "integration.response.body")]),
            Err(MappingError::Expression("integration.response.body".into()))
        );
        assert_eq!(
            check(&[("integration.request.cookie.c", "'v'")]),
            Err(MappingError::Identifier)
        );
        assert_eq!(
            MappingError::Parameter("method.request.path.x".into()).to_string(),
            "Invalid mapping expression parameter specified: method.request.path.x"
        );
    }

    #[test]
    fn response_mappings_write_only_declared_headers() {
        let declared = bools(&["method.response.header.X-A"]);
        let ok = strings(&[(
            "method.response.header.X-A",
            "integration.response.header.b",
        )]);
        assert_eq!(check_integration_response(&ok, Some(&declared)), Ok(()));
        assert_eq!(
            check_integration_response(
                &strings(&[("method.response.header.x-a", "'v'")]),
                Some(&declared)
            ),
            Ok(()),
            "header names in any case"
        );
        assert_eq!(
            check_integration_response(&ok, None),
            Err(MappingError::NoMethodResponse)
        );
        assert_eq!(
            check_integration_response(&StringMap::new(), None),
            Ok(()),
            "no mapping needs no method response"
        );
        assert_eq!(
            check_integration_response(
                &strings(&[("method.response.header.X-B", "'v'")]),
                Some(&declared)
            ),
            Err(MappingError::Parameter("method.response.header.X-B".into()))
        );
        assert_eq!(
            check_integration_response(
                &strings(&[("method.response.header.X-A", "bogus")]),
                Some(&declared)
            ),
            Err(MappingError::Expression("bogus".into()))
        );
        assert_eq!(
            check_integration_response(&strings(&[("X-A", "'v'")]), Some(&declared)),
            Err(MappingError::Expression("X-A".into()))
        );
    }
}
