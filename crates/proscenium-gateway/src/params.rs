//! Parameter mappings: the `requestParameters` / `responseParameters` expressions of
//! integrations, integration responses and gateway responses, parsed once at compile time
//! (the syntax is the model's, [`proscenium_model::mapping`], shared with the control plane's
//! checks) and resolved per request here.
//!
//! Pure.

use http::HeaderMap;

use crate::router::PathParam;

pub use proscenium_model::mapping::{ParamError, RequestTarget, Source, parse_source};

/// A request mapping's target as the data plane writes it: a header target carries its
/// `HeaderName`, validated once when the deployment is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Path(String),
    Query(String),
    /// The header, and its name as the mapping wrote it (sent so on HTTP/1.1, as AWS does).
    Header(http::HeaderName, std::sync::Arc<str>),
}

/// Parses the left-hand side of a request mapping. `Ok(None)`: a header target whose name is
/// not a valid HTTP header name (such a mapping never sends anything).
pub fn compile_request_target(key: &str) -> Result<Option<Target>, ParamError> {
    Ok(
        match proscenium_model::mapping::parse_request_target(key)? {
            RequestTarget::Path(n) => Some(Target::Path(n)),
            RequestTarget::Query(n) => Some(Target::Query(n)),
            RequestTarget::Header(n) => http::HeaderName::from_bytes(n.as_bytes())
                .ok()
                .map(|h| Target::Header(h, n.as_str().into())),
        },
    )
}

/// Parses the left-hand side of a response mapping with the given prefix
/// (`method.response.header.` or `gatewayresponse.header.`) into a header name.
pub fn parse_header_target(key: &str, prefix: &str) -> Result<http::HeaderName, ParamError> {
    key.strip_prefix(prefix)
        .and_then(|n| http::HeaderName::from_bytes(n.as_bytes()).ok())
        .ok_or_else(|| ParamError(key.to_string()))
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
    /// The request head as received (header names in their original case), HTTP/1.1 only.
    pub raw_head: Option<&'a [u8]>,
}

/// Resolving a parsed [`Source`] against a request (the model owns the syntax, the data
/// plane the values).
pub trait Resolve {
    /// The values this source yields (empty when absent).
    fn resolve(&self, i: &Inputs<'_>) -> Vec<String>;
}

impl Resolve for Source {
    fn resolve(&self, i: &Inputs<'_>) -> Vec<String> {
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
    fn request_header_targets_carry_their_header_name() {
        assert_eq!(
            compile_request_target("integration.request.header.X-Y").unwrap(),
            Some(Target::Header(
                http::HeaderName::from_static("x-y"),
                "X-Y".into()
            ))
        );
        assert_eq!(
            compile_request_target("integration.request.header.a b").unwrap(),
            None
        );
        assert_eq!(
            compile_request_target("integration.request.path.id").unwrap(),
            Some(Target::Path("id".into()))
        );
        assert!(compile_request_target("integration.request.body.x").is_err());
    }

    #[test]
    fn parses_header_targets() {
        assert!(
            parse_header_target("method.response.header.X-A", "method.response.header.").is_ok()
        );
        assert!(
            parse_header_target("method.response.header.a b", "method.response.header.").is_err()
        );
        assert!(parse_header_target("method.response.X-A", "method.response.header.").is_err());
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
            raw_head: None,
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
