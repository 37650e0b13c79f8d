//! The Lambda proxy contract (payload format 1.0): the event API Gateway builds from a
//! request (the function's answer is read by `lambda_answer.rs`). Pure.

use base64::Engine;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::borrow::Cow;

use crate::context::{RequestCtx, epoch_millis, request_time};

/// The payload format 1.0 event as JSON, keys in AWS's order, written straight from the
/// request: no JSON tree is built (each header, parameter and context field is serialized
/// where it lies, text borrowed when it can be).
pub fn event_json(ctx: &RequestCtx) -> Result<Vec<u8>, serde_json::Error> {
    let matched = ctx.matched.as_ref();
    let stage = ctx.stage.as_deref();
    let resource_path = matched.map_or("", |m| m.method.resource_path.as_str());
    let (body, is_base64_encoded) = event_body(
        ctx,
        stage.map_or(&[][..], |s| &s.deployment.binary_media_types),
    );
    let query = (!ctx.query.is_empty()).then(|| group(&ctx.query));
    let forwarded = forwarded_headers(ctx);
    let headers = Headers {
        map: &ctx.headers,
        head: ctx.raw_head.as_deref(),
        added: &forwarded,
    };
    let auth = ctx.auth.as_deref();
    let iam = auth.and_then(|a| a.iam.as_deref());
    let api_key = auth.and_then(|a| a.api_key.as_ref());
    let authorizer = auth
        .filter(|a| a.lambda.is_some() || a.claims.is_some())
        .map(crate::auth::AuthContext::authorizer_json);
    let event = Event {
        resource: resource_path,
        path: ctx.target.event_path(),
        http_method: ctx.method.as_str(),
        headers: (!ctx.headers.is_empty()).then_some(LastValues(&headers)),
        multi_value_headers: (!ctx.headers.is_empty()).then_some(AllValues(&headers)),
        query_string_parameters: query.as_deref().map(Last),
        multi_value_query_string_parameters: query.as_deref().map(All),
        path_parameters: matched
            .map(|m| &m.params[..])
            .filter(|p| !p.is_empty())
            .map(PathParams),
        stage_variables: stage.map(|s| &*s.variables).filter(|v| !v.is_empty()),
        request_context: RequestContext {
            resource_id: matched.map(|m| m.method.resource_id.as_str()),
            resource_path,
            authorizer,
            http_method: ctx.method.as_str(),
            extended_request_id: ctx.apigw_id.as_str(),
            request_time: request_time(ctx.now),
            path: ctx.target.context_path(),
            account_id: ctx.account_id(),
            protocol: ctx.protocol,
            stage: ctx.target.stage(),
            domain_prefix: ctx.context_var("domainPrefix"),
            request_time_epoch: epoch_millis(ctx.now) as u64,
            request_id: ctx.request_id.as_str(),
            identity: Identity {
                cognito_identity_pool_id: (),
                account_id: iam.map(|c| c.account_id.as_str()),
                cognito_identity_id: (),
                caller: iam.map(|c| c.user_id.as_str()),
                source_ip: ctx.remote.ip().to_string(),
                principal_org_id: (),
                access_key: iam.map(|c| c.access_key_id.as_str()),
                cognito_authentication_type: (),
                cognito_authentication_provider: (),
                user_arn: iam.map(|c| c.arn.as_str()),
                user_agent: ctx.header_ref(http::header::USER_AGENT),
                user: iam.map(|c| c.user_id.as_str()),
                api_key: api_key.map(|k| &*k.value),
                api_key_id: api_key.map(|k| k.id.as_str()),
                client_cert: ctx.client_cert.as_deref(),
            },
            domain_name: ctx.target.domain_name(),
            deployment_id: stage.map(|s| s.deployment.deployment_id.as_str()),
            api_id: ctx.target.api_id(),
        },
        body,
        is_base64_encoded,
    };
    let mut out = Vec::with_capacity(1024 + ctx.body.len() * 4 / 3);
    serde_json::to_writer(&mut out, &event)?;
    Ok(out)
}

// The event's shape; `None` and `()` are JSON `null`, as AWS sends absent members.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    resource: &'a str,
    path: &'a str,
    http_method: &'a str,
    headers: Option<LastValues<'a>>,
    multi_value_headers: Option<AllValues<'a>>,
    query_string_parameters: Option<Last<'a>>,
    multi_value_query_string_parameters: Option<All<'a>>,
    path_parameters: Option<PathParams<'a>>,
    stage_variables: Option<&'a crate::compile::Variables>,
    request_context: RequestContext<'a>,
    body: Option<Cow<'a, str>>,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestContext<'a> {
    resource_id: Option<&'a str>,
    resource_path: &'a str,
    /// The authorizer's principal, latency and context, or a Cognito token's claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    authorizer: Option<Value>,
    http_method: &'a str,
    extended_request_id: &'a str,
    request_time: String,
    path: &'a str,
    account_id: &'a str,
    protocol: &'a str,
    stage: &'a str,
    domain_prefix: Option<String>,
    request_time_epoch: u64,
    request_id: &'a str,
    identity: Identity<'a>,
    domain_name: &'a str,
    deployment_id: Option<&'a str>,
    api_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Identity<'a> {
    cognito_identity_pool_id: (),
    account_id: Option<&'a str>,
    cognito_identity_id: (),
    caller: Option<&'a str>,
    source_ip: String,
    principal_org_id: (),
    access_key: Option<&'a str>,
    cognito_authentication_type: (),
    cognito_authentication_provider: (),
    user_arn: Option<&'a str>,
    user_agent: Option<Cow<'a, str>>,
    user: Option<&'a str>,
    /// The API key of a method that requires one (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key_id: Option<&'a str>,
    /// The client's certificate through a custom domain with mutual TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_cert: Option<&'a crate::domains::ClientCert>,
}

fn text(v: &HeaderValue) -> Cow<'_, str> {
    String::from_utf8_lossy(v.as_bytes())
}

/// The request's headers as the event shows them: names in the case the client wrote them
/// (HTTP/1.1), and the ones API Gateway adds (`X-Forwarded-*`, `X-Amzn-Trace-Id`) when the
/// client did not send them.
struct Headers<'a> {
    map: &'a HeaderMap,
    /// The head as received (HTTP/1.1): names in the client's case.
    head: Option<&'a [u8]>,
    /// What API Gateway adds, those the client sent already left out.
    added: &'a [(&'static str, String)],
}

impl<'a> Headers<'a> {
    /// The name as the client wrote it (found from its first value), else `lower`.
    fn name(&self, lower: &'a HeaderName, first: Option<&'a HeaderValue>) -> &'a str {
        self.head
            .zip(first)
            .and_then(|(h, v)| crate::header_case::name_before(h, v.as_bytes()))
            .filter(|n| n.eq_ignore_ascii_case(lower.as_str().as_bytes()))
            .and_then(|n| std::str::from_utf8(n).ok())
            .unwrap_or(lower.as_str())
    }
}

/// `headers`: each name once (where it first appears), with its last value.
struct LastValues<'a>(&'a Headers<'a>);

impl Serialize for LastValues<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        s.collect_map(
            h.map
                .keys()
                .map(|name| {
                    let mut all = h.map.get_all(name).iter();
                    let first = all.next();
                    let last = all.next_back().or(first);
                    (h.name(name, first), last.map(text))
                })
                .chain(
                    h.added
                        .iter()
                        .map(|(n, v)| (*n, Some(Cow::Borrowed(v.as_str())))),
                ),
        )
    }
}

/// `multiValueHeaders`: each name once, with all its values in order.
struct AllValues<'a>(&'a Headers<'a>);

impl Serialize for AllValues<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        s.collect_map(
            h.map
                .keys()
                .map(|name| {
                    (
                        h.name(name, h.map.get(name)),
                        Either::Map(Values(h.map, name)),
                    )
                })
                .chain(h.added.iter().map(|(n, v)| (*n, Either::One(v.as_str())))),
        )
    }
}

/// A header's values from the map, or one added value.
enum Either<'a> {
    Map(Values<'a>),
    One(&'a str),
}

impl Serialize for Either<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Either::Map(v) => v.serialize(s),
            Either::One(v) => s.collect_seq(std::iter::once(v)),
        }
    }
}

/// What API Gateway adds to a proxied request's headers: the client's address, the port
/// and protocol it came in on, and the trace id.
fn forwarded_headers(ctx: &RequestCtx) -> Vec<(&'static str, String)> {
    const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
    const X_FORWARDED_PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
    const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
    const X_AMZN_TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");
    let mut out = Vec::with_capacity(4);
    let sent = |n: &HeaderName| ctx.header_value(n).is_some();
    if !sent(&X_FORWARDED_FOR) {
        out.push(("X-Forwarded-For", ctx.remote.ip().to_string()));
    }
    if !sent(&X_FORWARDED_PORT) {
        // The port the client addressed: `Host` (HTTP/1.1) or `:authority` (HTTP/2).
        let host = ctx.header_value(&http::header::HOST).map_or_else(
            || {
                ctx.uri
                    .authority()
                    .map_or(&b""[..], |a| a.as_str().as_bytes())
            },
            |v| v.as_bytes(),
        );
        let port = host
            .iter()
            .rposition(|b| *b == b':')
            .map(|i| &host[i + 1..])
            .filter(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
            .and_then(|p| std::str::from_utf8(p).ok())
            .unwrap_or(if ctx.tls { "443" } else { "80" });
        out.push(("X-Forwarded-Port", port.to_string()));
    }
    if !sent(&X_FORWARDED_PROTO) {
        let proto = if ctx.tls { "https" } else { "http" };
        out.push(("X-Forwarded-Proto", proto.to_string()));
    }
    if !sent(&X_AMZN_TRACE_ID) {
        out.push(("X-Amzn-Trace-Id", ctx.trace_id().to_string()));
    }
    out
}

/// The values of one header, as a JSON array.
struct Values<'a>(&'a HeaderMap, &'a HeaderName);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.get_all(self.1).iter().map(text))
    }
}

/// Query parameters grouped by name: names in order of first appearance, values in order.
fn group(pairs: &[(String, String)]) -> Vec<(&str, Vec<&str>)> {
    // A scan finds a name among the few most requests carry; many names get an index.
    const SCAN: usize = 16;
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut index: Option<std::collections::HashMap<&str, usize>> = None;
    for (k, v) in pairs {
        let at = match &index {
            Some(ix) => ix.get(k.as_str()).copied(),
            None => out.iter().position(|(n, _)| *n == k),
        };
        match at {
            Some(i) => out[i].1.push(v),
            None => {
                out.push((k, vec![v]));
                if let Some(ix) = &mut index {
                    ix.insert(k, out.len() - 1);
                } else if out.len() > SCAN {
                    index = Some(out.iter().enumerate().map(|(i, (n, _))| (*n, i)).collect());
                }
            }
        }
    }
    out
}

/// `queryStringParameters`: each name with its last value.
struct Last<'a>(&'a [(&'a str, Vec<&'a str>)]);

impl Serialize for Last<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v.last())))
    }
}

/// `multiValueQueryStringParameters`: each name with all its values.
struct All<'a>(&'a [(&'a str, Vec<&'a str>)]);

impl Serialize for All<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

struct PathParams<'a>(&'a [crate::router::PathParam]);

impl Serialize for PathParams<'_> {
    /// Each name once, where it first appears, with its last value (a path such as
    /// `/{id}/x/{id}` names one parameter twice).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let params = self.0;
        s.collect_map(params.iter().enumerate().filter_map(|(i, p)| {
            let first = !params[..i].iter().any(|q| q.name == p.name);
            let last = params.iter().rev().find(|q| q.name == p.name)?;
            first.then_some((&p.name, &last.value))
        }))
    }
}

/// The body as text, or base64 when its content type is one of the API's binary media types.
fn event_body<'a>(ctx: &'a RequestCtx, binary_types: &[String]) -> (Option<Cow<'a, str>>, bool) {
    if ctx.body.is_empty() {
        return (None, false);
    }
    let ct = super::content_type(ctx);
    if binary_types.iter().any(|t| media_type_matches(t, &ct)) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&ctx.body);
        return (Some(Cow::Owned(encoded)), true);
    }
    (Some(String::from_utf8_lossy(&ctx.body)), false)
}

pub use crate::binary::media_type_matches;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_grouped_by_first_appearance_with_few_and_many_names() {
        for names in [3, 40] {
            // Every name twice, the second round in reverse, so repeats are far apart.
            let pairs: Vec<(String, String)> = (0..names)
                .chain((0..names).rev())
                .enumerate()
                .map(|(i, n)| (format!("k{n}"), format!("v{i}")))
                .collect();
            let got = group(&pairs);
            assert_eq!(got.len(), names);
            for (n, (name, values)) in got.iter().enumerate() {
                let want: Vec<&str> = pairs
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                assert_eq!(*name, format!("k{n}"));
                assert_eq!(*values, want, "{name} with {names} names");
            }
        }
    }

    #[test]
    fn a_path_parameter_named_twice_appears_once_with_its_last_value() {
        let p = |name: &str, value: &str| crate::router::PathParam {
            name: name.into(),
            value: value.into(),
            greedy: false,
        };
        let params = [p("id", "a"), p("x", "m"), p("id", "b")];
        assert_eq!(
            serde_json::to_string(&PathParams(&params)).unwrap(),
            r#"{"id":"b","x":"m"}"#
        );
    }
}
