//! Calling the integration: dispatch over the closed set of integration kinds, and the
//! steps the non-proxy kinds share (parameter mappings, binary conversions, request template
//! selection, stage-variable and path substitution in URIs, the method response built from
//! the selected integration response).

pub mod aws;
pub mod http;
pub mod lambda;
pub mod lambda_answer;
pub mod lambda_proxy;
pub mod mock;

use std::borrow::Cow;
use std::collections::HashMap;

use ::http::HeaderMap;
use bytes::Bytes;

use crate::Shared;
use crate::binary::{self, ContentHandling};
use crate::compile::{CompiledIntegration, Passthrough, RequestSide, Variables};
use crate::context::RequestCtx;
use crate::error::GatewayError;
use crate::exec_log;
use crate::mapping::{self, TemplateInput};
use crate::params::{Inputs, Resolve, Source, Target};
use crate::responses::{self, CompiledResponse, MethodResponse};

/// Runs the routed method's integration and returns the method response.
pub async fn invoke(shared: &Shared, ctx: &mut RequestCtx) -> Result<MethodResponse, GatewayError> {
    let method = match &ctx.matched {
        Some(m) => m.method.clone(),
        None => return Err(GatewayError::missing_token()),
    };
    // The kinds that build their requests through templates and the general client are
    // boxed: a future is as large as its largest branch, and this one is part of every
    // request's state.
    match &method.integration {
        Err(reason) => Err(GatewayError::internal(reason.clone())),
        Ok(CompiledIntegration::Mock(i)) => mock::invoke(ctx, i),
        Ok(CompiledIntegration::Http(i)) => Box::pin(http::invoke_http(shared, ctx, i)).await,
        // The pipeline awaits HTTP_PROXY itself (without this level); boxed here.
        Ok(CompiledIntegration::HttpProxy(i)) => Box::pin(http::invoke_proxy(shared, ctx, i)).await,
        Ok(CompiledIntegration::LambdaProxy(i)) => {
            Box::pin(lambda::invoke_proxy(shared, ctx, i)).await
        }
        Ok(CompiledIntegration::LambdaAws(i)) => Box::pin(lambda::invoke_aws(shared, ctx, i)).await,
        Ok(CompiledIntegration::AwsService(i)) => Box::pin(aws::invoke(shared, ctx, i)).await,
    }
}

/// The integration request parameters produced by `requestParameters`.
#[derive(Debug, Default)]
pub struct Mapped {
    /// Path parameters: (value, whether it is already URI-encoded — a greedy parameter).
    pub path: HashMap<String, (String, bool)>,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(::http::HeaderName, String)>,
    /// The names of mapped headers as the mapping (or `$context.requestOverride`) wrote
    /// them, where that is not all lowercase: what an HTTP/1.1 backend receives.
    pub shown: Vec<(::http::HeaderName, std::sync::Arc<str>)>,
}

pub fn map_request(side: &RequestSide, inputs: &Inputs<'_>) -> Mapped {
    let mut out = Mapped::default();
    for (target, source) in &side.params {
        let values = source.resolve(inputs);
        match target {
            Target::Path(n) => {
                let raw = matches!(source, Source::Path(p) if inputs.path.iter().any(|q| &q.name == p && q.greedy));
                if let Some(v) = values.into_iter().last() {
                    out.path.insert(n.clone(), (v, raw));
                }
            }
            Target::Query(n) => out.query.extend(values.into_iter().map(|v| (n.clone(), v))),
            Target::Header(n, shown) => {
                if !values.is_empty() {
                    out.headers.push((n.clone(), values.join(",")));
                    if shown.as_bytes() != n.as_str().as_bytes() {
                        out.shown.push((n.clone(), shown.clone()));
                    }
                }
            }
        }
    }
    out
}

/// The request's media type (`application/json` when absent), lowercase, without parameters.
pub fn content_type(ctx: &RequestCtx) -> Cow<'_, str> {
    const DEFAULT: &str = "application/json";
    let Some(raw) = ctx.header_ref(::http::header::CONTENT_TYPE) else {
        return Cow::Borrowed(DEFAULT);
    };
    let main = |s: &str| -> (usize, usize) {
        let head = s.split(';').next().unwrap_or("");
        let start = head.len() - head.trim_start().len();
        (start, head.trim_end().len())
    };
    let (start, end) = main(&raw);
    if start >= end {
        return Cow::Borrowed(DEFAULT);
    }
    match raw {
        Cow::Borrowed(s) if !s[start..end].bytes().any(|b| b.is_ascii_uppercase()) => {
            Cow::Borrowed(&s[start..end])
        }
        other => Cow::Owned(other[start..end].to_ascii_lowercase()),
    }
}

/// Applies the request template for the request's content type, or the passthrough rule.
/// Returns the body and the content type it has.
pub fn request_body(side: &RequestSide, ctx: &RequestCtx) -> Result<(Bytes, String), GatewayError> {
    request_body_with_overrides(side, ctx).map(|(b, ct, _)| (b, ct))
}

/// The API's binary media types.
fn binary_types(ctx: &RequestCtx) -> &[String] {
    ctx.stage
        .as_deref()
        .map_or(&[][..], |s| &s.deployment.binary_media_types)
}

/// Like [`request_body`], with what the template wrote to `$context.requestOverride`.
/// A binary payload (after `contentHandling`) is never templated: it passes through when the
/// passthrough behaviour lets an untemplated payload through, else 415.
pub fn request_body_with_overrides(
    side: &RequestSide,
    ctx: &RequestCtx,
) -> Result<(Bytes, String, proscenium_vtl::RequestOverride), GatewayError> {
    let ct = content_type(ctx);
    let types = binary_types(ctx);
    let converted;
    let body = if types.is_empty() && side.content_handling == ContentHandling::Passthrough {
        &ctx.body
    } else {
        let payload = binary::convert_request(
            &ctx.body,
            binary::is_binary(types, &ct),
            side.content_handling,
        )
        .map_err(GatewayError::internal)?;
        if payload.binary {
            return match side.passthrough {
                Passthrough::WhenNoMatch => {
                    Ok((payload.bytes, ct.into_owned(), Default::default()))
                }
                Passthrough::WhenNoTemplates if side.templates.is_empty() => {
                    Ok((payload.bytes, ct.into_owned(), Default::default()))
                }
                _ => Err(GatewayError::unsupported_media_type()),
            };
        }
        converted = payload.bytes;
        &converted
    };
    if let Some((key, t)) = side.templates.iter().find(|(k, _)| *k == ct) {
        let rendered = ctx.with_inputs(None, |inputs| {
            let input = TemplateInput {
                body,
                params: inputs,
                context: inputs.context,
                stage_variables: inputs.stage_variables,
            };
            mapping::render_with_overrides(t, &input)
        });
        return rendered
            .map(|r| (Bytes::from(r.output), key.clone(), r.request_override))
            .map_err(|e| GatewayError::internal(e.to_string()));
    }
    let none = proscenium_vtl::RequestOverride::default();
    match side.passthrough {
        Passthrough::WhenNoMatch => Ok((body.clone(), ct.into_owned(), none)),
        Passthrough::WhenNoTemplates if side.templates.is_empty() => {
            Ok((body.clone(), ct.into_owned(), none))
        }
        _ => Err(GatewayError::unsupported_media_type()),
    }
}

/// Whether the API has binary media types.
pub fn has_binary_types(ctx: &RequestCtx) -> bool {
    !binary_types(ctx).is_empty()
}

/// Whether a backend's answer is binary: its `Content-Type` is one of the API's binary media
/// types.
pub fn backend_is_binary(ctx: &RequestCtx, headers: &HeaderMap) -> bool {
    let types = binary_types(ctx);
    !types.is_empty()
        && headers
            .get(::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(binary::media_type)
            .is_some_and(|t| binary::is_binary(types, &t))
}

/// The method response from the selected integration response and the integration's answer
/// (`binary`: whether that answer is a binary payload): the response `contentHandling` and the
/// client's `Accept` convert the body, then templates and parameters apply (templates only to
/// a text body).
pub fn respond(
    ctx: &RequestCtx,
    selected: &CompiledResponse,
    headers: &HeaderMap,
    body: &Bytes,
    binary: bool,
) -> Result<MethodResponse, GatewayError> {
    let types = binary_types(ctx);
    let converted;
    let (body, text) =
        if types.is_empty() && selected.content_handling == ContentHandling::Passthrough {
            (body, true)
        } else {
            let accept = binary::accepts_binary(types, ctx.header("accept").as_deref());
            let payload = binary::convert_response(body, binary, accept, selected.content_handling)
                .map_err(GatewayError::internal)?;
            converted = payload.bytes;
            (&converted, !payload.binary)
        };
    ctx.with_inputs(Some((headers, body)), |inputs| {
        responses::method_response_with(selected, inputs, body, text)
    })
    .map_err(|e| GatewayError::internal(e.to_string()))
}

/// `$context.requestOverride.{header,querystring,path}` replace what `requestParameters` mapped.
pub fn apply_request_override(mapped: &mut Mapped, o: proscenium_vtl::RequestOverride) {
    for (k, v) in o.header {
        let Ok(name) = ::http::HeaderName::from_bytes(k.as_bytes()) else {
            continue; // not a header name: nothing can be sent under it
        };
        mapped.headers.retain(|(n, _)| *n != name);
        mapped.shown.retain(|(n, _)| *n != name);
        if k.as_bytes() != name.as_str().as_bytes() {
            mapped.shown.push((name.clone(), k.as_str().into()));
        }
        mapped.headers.push((name, v));
    }
    for (k, v) in o.querystring {
        mapped.query.retain(|(n, _)| *n != k);
        mapped.query.push((k, v));
    }
    for (k, v) in o.path {
        mapped.path.insert(k, (v, false));
    }
}

/// Execution log lines for a request about to be sent to a backend.
pub fn log_endpoint_request(
    ctx: &mut RequestCtx,
    uri: &::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) {
    exec_log::with(ctx, |t| {
        t.info(format!("Endpoint request URI: {uri}"));
        t.data(|| {
            format!(
                "Endpoint request headers: {}",
                exec_log::headers_map(headers)
            )
        });
        t.data(|| {
            format!(
                "Endpoint request body after transformations: {}",
                exec_log::body(body)
            )
        });
        t.info(format!("Sending request to {uri}"));
    });
}

/// Records the backend's answer (integration status, execution log lines).
pub fn log_endpoint_response(
    ctx: &mut RequestCtx,
    parts: &::http::response::Parts,
    body: &[u8],
    took_nanos: u64,
) {
    ctx.outcome.integration_status = Some(parts.status.as_u16());
    exec_log::with(ctx, |t| {
        t.info(format!(
            "Received response. Status: {}, Integration latency: {} ms",
            parts.status.as_u16(),
            took_nanos / 1_000_000
        ));
        t.data(|| {
            format!(
                "Endpoint response headers: {}",
                exec_log::headers_map(&parts.headers)
            )
        });
        t.data(|| {
            format!(
                "Endpoint response body before transformations: {}",
                exec_log::body(body)
            )
        });
    });
}

/// Replaces `${stageVariables.X}` in an integration URI or function name.
pub fn substitute_stage_variables(text: &str, vars: &Variables) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${stageVariables.") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "${stageVariables.".len()..];
        match after.find('}') {
            Some(end) => {
                out.push_str(vars.get(&after[..end]).map_or("", String::as_str));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Replaces `{name}` placeholders with `value(name)` (empty when unknown).
pub fn substitute_path(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(end) => {
                let name = after[..end].trim_end_matches('+');
                out.push_str(&value(name).unwrap_or_default());
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Appends an address as `X-Forwarded-For` writes it, without the formatting machinery for
/// the usual IPv4 case.
pub(crate) fn push_ip(out: &mut Vec<u8>, ip: std::net::IpAddr) {
    match ip {
        std::net::IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                if octet >= 100 {
                    out.push(b'0' + octet / 100);
                }
                if octet >= 10 {
                    out.push(b'0' + octet / 10 % 10);
                }
                out.push(b'0' + octet % 10);
            }
        }
        std::net::IpAddr::V6(v6) => out.extend_from_slice(v6.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutions() {
        let mut vars = Variables::new();
        vars.insert("host".into(), "127.0.0.1:9".into());
        assert_eq!(
            substitute_stage_variables(
                "http://${stageVariables.host}/x/${stageVariables.nope}y",
                &vars
            ),
            "http://127.0.0.1:9/x/y"
        );
        assert_eq!(
            substitute_stage_variables("a${stageVariables.open", &vars),
            "a${stageVariables.open"
        );
        let v = |n: &str| (n == "id").then(|| "7".to_string());
        assert_eq!(
            substitute_path("http://h/p/{id}/{proxy+}/{x", v),
            "http://h/p/7//{x"
        );
    }
}
