//! Parameter mappings: the `requestParameters` / `responseParameters` expressions of
//! integrations, integration responses and gateway responses, parsed once at compile time
//! and resolved per request.
//!
//! Pure. Sources: `method.request.{path|querystring|multivaluequerystring|header|
//! multivalueheader}.X`, `method.request.body[.JSONPath]`, `stageVariables.X`, `context.X`,
//! `'literal'`, `integration.response.{header|multivalueheader}.X`,
//! `integration.response.body[.JSONPath]`.

use http::HeaderMap;

use crate::router::PathParam;

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

/// Parses the left-hand side of a response mapping with the given prefix
/// (`method.response.header.` or `gatewayresponse.header.`) into a header name.
pub fn parse_header_target(key: &str, prefix: &str) -> Result<http::HeaderName, ParamError> {
    key.strip_prefix(prefix)
        .and_then(|n| http::HeaderName::from_bytes(n.as_bytes()).ok())
        .ok_or_else(|| ParamError(key.to_string()))
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

/// Everything a mapping may read.
pub struct Inputs<'a> {
    pub path: &'a [PathParam],
    /// Decoded query parameters in request order.
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub stage_variables: &'a crate::compile::Variables,
    pub context: &'a dyn Fn(&str) -> Option<String>,
    /// The integration's response (headers, body), once there is one.
    pub response: Option<(&'a HeaderMap, &'a [u8])>,
}

impl Source {
    /// The values this source yields (empty when absent).
    pub fn resolve(&self, i: &Inputs<'_>) -> Vec<String> {
        match self {
            Source::Literal(v) => vec![v.clone()],
            Source::Path(n) => i
                .path
                .iter()
                .filter(|p| &p.name == n)
                .map(|p| p.value.clone())
                .collect(),
            Source::Query(n) => last(
                i.query
                    .iter()
                    .filter(|(k, _)| k == n)
                    .map(|(_, v)| v.clone()),
            ),
            Source::MultiQuery(n) => i
                .query
                .iter()
                .filter(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
                .collect(),
            Source::Header(n) => last(header_values(i.headers, n)),
            Source::MultiHeader(n) => header_values(i.headers, n).collect(),
            Source::RequestBody(path) => body_value(i.body, path).into_iter().collect(),
            Source::StageVariable(n) => i.stage_variables.get(n).cloned().into_iter().collect(),
            Source::Context(n) => (i.context)(n).into_iter().collect(),
            Source::ResponseHeader(n) => i
                .response
                .map_or_else(Vec::new, |(h, _)| last(header_values(h, n))),
            Source::ResponseMultiHeader(n) => i
                .response
                .map_or_else(Vec::new, |(h, _)| header_values(h, n).collect()),
            Source::ResponseBody(path) => i
                .response
                .and_then(|(_, b)| body_value(b, path))
                .into_iter()
                .collect(),
        }
    }
}

fn last(it: impl Iterator<Item = String>) -> Vec<String> {
    it.last().into_iter().collect()
}

fn header_values<'a>(h: &'a HeaderMap, name: &str) -> impl Iterator<Item = String> + 'a {
    let values = http::HeaderName::from_bytes(name.as_bytes())
        .ok()
        .map(|n| {
            h.get_all(n)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    values.into_iter()
}

/// The whole body (as text) or the value at a dotted path of a JSON body.
fn body_value(body: &[u8], path: &[String]) -> Option<String> {
    if path.is_empty() {
        return Some(String::from_utf8_lossy(body).into_owned());
    }
    let root: serde_json::Value = serde_json::from_slice(body).ok()?;
    let mut v = &root;
    for key in path {
        v = match v {
            serde_json::Value::Object(m) => m.get(key)?,
            serde_json::Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
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
        assert!(
            parse_header_target("method.response.header.X-A", "method.response.header.").is_ok()
        );
        assert!(
            parse_header_target("method.response.header.a b", "method.response.header.").is_err()
        );
    }

    #[test]
    fn resolves_values() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", "1".parse().unwrap());
        headers.append("x-a", "2".parse().unwrap());
        let query = vec![
            ("q".to_string(), "a".to_string()),
            ("q".to_string(), "b".to_string()),
        ];
        let vars = crate::compile::Variables::default();
        let ctx = |n: &str| (n == "stage").then(|| "dev".to_string());
        let i = Inputs {
            path: &[],
            query: &query,
            headers: &headers,
            body: br#"{"a":{"b":[1,"x"]}}"#,
            stage_variables: &vars,
            context: &ctx,
            response: None,
        };
        let r = |e: &str| parse_source(e).unwrap().resolve(&i);
        assert_eq!(r("method.request.querystring.q"), vec!["b"]);
        assert_eq!(r("method.request.multivaluequerystring.q"), vec!["a", "b"]);
        assert_eq!(r("method.request.header.X-A"), vec!["2"]);
        assert_eq!(r("method.request.multivalueheader.x-a"), vec!["1", "2"]);
        assert_eq!(r("method.request.body.a.b.1"), vec!["x"]);
        assert_eq!(r("method.request.body.a.b"), vec!["[1,\"x\"]"]);
        assert_eq!(r("context.stage"), vec!["dev"]);
        assert!(r("context.other").is_empty());
        assert!(r("integration.response.header.x").is_empty());
    }
}
