//! The Lambda proxy contract (payload format 1.0): the event API Gateway builds from a
//! request (the function's answer is read by `lambda_answer.rs`). Pure.

use base64::Engine;
use http::{HeaderMap, HeaderName, HeaderValue};
use std::borrow::Cow;

use crate::context::{RequestCtx, epoch_millis, write_request_time};
use crate::json_out::{self, Obj, key};

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
    let forwarded = forwarded_headers(ctx);
    let headers = Headers {
        map: &ctx.headers,
        head: ctx.raw_head.as_deref(),
        added: &forwarded,
        remote: ctx.remote.ip(),
    };
    let mut out = Vec::with_capacity(1536 + ctx.body.len() * 4 / 3);
    let mut e = Obj::new(&mut out);
    e.str(key!("resource"), resource_path);
    e.str(key!("path"), ctx.target.event_path());
    e.str(key!("httpMethod"), ctx.method.as_str());
    if ctx.headers.is_empty() {
        e.null(key!("headers"));
        e.null(key!("multiValueHeaders"));
    } else {
        headers.write_last_values(e.key(key!("headers")));
        headers.write_all_values(e.key(key!("multiValueHeaders")));
    }
    if ctx.query.is_empty() {
        e.null(key!("queryStringParameters"));
        e.null(key!("multiValueQueryStringParameters"));
    } else {
        let query = group(&ctx.query);
        e.obj(key!("queryStringParameters"), |o| {
            for (k, v) in &query {
                json_out::string(o.key_text(k), v.last().copied().unwrap_or_default());
            }
        });
        e.obj(key!("multiValueQueryStringParameters"), |o| {
            for (k, v) in &query {
                json_out::strings(o.key_text(k), v.iter().copied());
            }
        });
    }
    match matched.map(|m| &m.params[..]).filter(|p| !p.is_empty()) {
        Some(params) => e.obj(key!("pathParameters"), |o| {
            for (name, value) in path_parameters(params) {
                json_out::string(o.key_text(name), value);
            }
        }),
        None => e.null(key!("pathParameters")),
    }
    match stage.map(|s| &*s.variables).filter(|v| !v.is_empty()) {
        Some(vars) => e.obj(key!("stageVariables"), |o| {
            for (k, v) in vars {
                json_out::string(o.key_text(k), v);
            }
        }),
        None => e.null(key!("stageVariables")),
    }
    request_context(e.key(key!("requestContext")), ctx, resource_path)?;
    e.opt(key!("body"), body.as_deref());
    e.bool(key!("isBase64Encoded"), is_base64_encoded);
    e.end();
    Ok(out)
}

/// `requestContext`, members in AWS's order; `null` for what API Gateway sends as null.
fn request_context(
    out: &mut Vec<u8>,
    ctx: &RequestCtx,
    resource_path: &str,
) -> Result<(), serde_json::Error> {
    let matched = ctx.matched.as_ref();
    let stage = ctx.stage.as_deref();
    let auth = ctx.auth.as_deref();
    let mut c = Obj::new(out);
    c.opt(
        key!("resourceId"),
        matched.map(|m| m.method.resource_id.as_str()),
    );
    c.str(key!("resourcePath"), resource_path);
    // The authorizer's principal, latency and context, or a Cognito token's claims.
    if let Some(a) = auth.filter(|a| a.lambda.is_some() || a.claims.is_some()) {
        serde_json::to_writer(c.key(key!("authorizer")), &a.authorizer_json())?;
    }
    c.str(key!("httpMethod"), ctx.method.as_str());
    c.text(key!("extendedRequestId"), ctx.apigw_id.as_bytes());
    // Needs no escape (`write_request_time`).
    let out = c.key(key!("requestTime"));
    out.push(b'"');
    write_request_time(out, ctx.now);
    out.push(b'"');
    c.str(key!("path"), ctx.target.context_path());
    c.str(key!("accountId"), ctx.account_id());
    c.str(key!("protocol"), ctx.protocol);
    c.str(key!("stage"), ctx.target.stage());
    c.opt(
        key!("domainPrefix"),
        ctx.context_var("domainPrefix").as_deref(),
    );
    c.u64(key!("requestTimeEpoch"), epoch_millis(ctx.now) as u64);
    c.text(key!("requestId"), ctx.request_id.as_bytes());
    identity(c.key(key!("identity")), ctx)?;
    c.str(key!("domainName"), ctx.target.domain_name());
    c.opt(
        key!("deploymentId"),
        stage.map(|s| s.deployment.deployment_id.as_str()),
    );
    c.str(key!("apiId"), ctx.target.api_id());
    c.end();
    Ok(())
}

/// `requestContext.identity`: the IAM caller's, API key's and client certificate's members.
fn identity(out: &mut Vec<u8>, ctx: &RequestCtx) -> Result<(), serde_json::Error> {
    let auth = ctx.auth.as_deref();
    let iam = auth.and_then(|a| a.iam.as_deref());
    let api_key = auth.and_then(|a| a.api_key.as_ref());
    let mut i = Obj::new(out);
    i.null(key!("cognitoIdentityPoolId"));
    i.opt(key!("accountId"), iam.map(|c| c.account_id.as_str()));
    i.null(key!("cognitoIdentityId"));
    i.opt(key!("caller"), iam.map(|c| c.user_id.as_str()));
    ip(i.key(key!("sourceIp")), ctx.remote.ip());
    i.null(key!("principalOrgId"));
    i.opt(key!("accessKey"), iam.map(|c| c.access_key_id.as_str()));
    i.null(key!("cognitoAuthenticationType"));
    i.null(key!("cognitoAuthenticationProvider"));
    i.opt(key!("userArn"), iam.map(|c| c.arn.as_str()));
    i.opt(
        key!("userAgent"),
        ctx.header_ref(http::header::USER_AGENT).as_deref(),
    );
    i.opt(key!("user"), iam.map(|c| c.user_id.as_str()));
    // The API key of a method that requires one (absent otherwise).
    i.some(key!("apiKey"), api_key.map(|k| &*k.value));
    i.some(key!("apiKeyId"), api_key.map(|k| k.id.as_str()));
    // The client's certificate through a custom domain with mutual TLS.
    if let Some(cert) = ctx.client_cert.as_deref() {
        serde_json::to_writer(i.key(key!("clientCert")), cert)?;
    }
    i.end();
    Ok(())
}

/// An address as a JSON string (its text needs no escape), written where it goes.
fn ip(out: &mut Vec<u8>, addr: std::net::IpAddr) {
    out.push(b'"');
    super::push_ip(out, addr);
    out.push(b'"');
}

/// The request's headers as the event shows them: names in the case the client wrote them
/// (HTTP/1.1), and the ones API Gateway adds (`X-Forwarded-*`, `X-Amzn-Trace-Id`) when the
/// client did not send them.
struct Headers<'a> {
    map: &'a HeaderMap,
    /// The head as received (HTTP/1.1): names in the client's case.
    head: Option<&'a [u8]>,
    /// What API Gateway adds, those the client sent already left out.
    added: &'a [(&'static str, Added<'a>)],
    remote: std::net::IpAddr,
}

impl<'a> Headers<'a> {
    /// The name as the client wrote it (found from its first value), else `lower`.
    fn name(&self, lower: &'a HeaderName, first: Option<&'a HeaderValue>) -> &'a [u8] {
        let lower = lower.as_str().as_bytes();
        self.head
            .zip(first)
            .and_then(|(h, v)| crate::header_case::given_name(h, lower, v.as_bytes()))
            .unwrap_or(lower)
    }
}

impl Headers<'_> {
    /// `headers`: each name once (where it first appears), with its last value.
    fn write_last_values(&self, out: &mut Vec<u8>) {
        let mut o = Obj::new(out);
        for name in self.map.keys() {
            let mut all = self.map.get_all(name).iter();
            let first = all.next();
            let last = all.next_back().or(first).map_or(&[][..], |v| v.as_bytes());
            json_out::text(o.key_text(self.name(name, first)), last);
        }
        for (n, v) in self.added {
            v.write(o.key_text(n), self.remote);
        }
        o.end();
    }

    /// `multiValueHeaders`: each name once, with all its values in order.
    fn write_all_values(&self, out: &mut Vec<u8>) {
        let mut o = Obj::new(out);
        for name in self.map.keys() {
            let values = self.map.get_all(name);
            let out = o.key_text(self.name(name, values.iter().next()));
            out.push(b'[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_out::text(out, v.as_bytes());
            }
            out.push(b']');
        }
        for (n, v) in self.added {
            let out = o.key_text(n);
            out.push(b'[');
            v.write(out, self.remote);
            out.push(b']');
        }
        o.end();
    }
}

/// The value of a header API Gateway adds.
enum Added<'a> {
    Text(&'a str),
    /// The client's address (written without a `String` in between).
    RemoteIp,
}

impl Added<'_> {
    fn write(&self, out: &mut Vec<u8>, remote: std::net::IpAddr) {
        match self {
            Added::Text(v) => json_out::string(out, v),
            Added::RemoteIp => ip(out, remote),
        }
    }
}

/// What API Gateway adds to a proxied request's headers: the client's address, the port
/// and protocol it came in on, and the trace id.
fn forwarded_headers(ctx: &RequestCtx) -> Vec<(&'static str, Added<'_>)> {
    const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
    const X_FORWARDED_PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
    const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
    const X_AMZN_TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");
    let mut out = Vec::with_capacity(4);
    let sent = |n: &HeaderName| ctx.header_value(n).is_some();
    if !sent(&X_FORWARDED_FOR) {
        out.push(("X-Forwarded-For", Added::RemoteIp));
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
        out.push(("X-Forwarded-Port", Added::Text(port)));
    }
    if !sent(&X_FORWARDED_PROTO) {
        let proto = if ctx.tls { "https" } else { "http" };
        out.push(("X-Forwarded-Proto", Added::Text(proto)));
    }
    if !sent(&X_AMZN_TRACE_ID) {
        out.push(("X-Amzn-Trace-Id", Added::Text(ctx.trace_id())));
    }
    out
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

/// `pathParameters`: each name once, where it first appears, with its last value (a path
/// such as `/{id}/x/{id}` names one parameter twice).
fn path_parameters(params: &[crate::router::PathParam]) -> impl Iterator<Item = (&str, &str)> {
    params.iter().enumerate().filter_map(|(i, p)| {
        let first = !params[..i].iter().any(|q| q.name == p.name);
        let last = params.iter().rev().find(|q| q.name == p.name)?;
        first.then_some((p.name.as_str(), last.value.as_str()))
    })
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
            path_parameters(&params).collect::<Vec<_>>(),
            [("id", "b"), ("x", "m")]
        );
    }
}
