//! Lambda integrations through the Lambda Invoke API (`POST {endpoint}/2015-03-31/functions/
//! {function}/invocations`): AWS_PROXY (event in, proxy response out) and AWS non-proxy
//! (request template in, integration response selected by the function's error message).

use base64::Engine;
use bytes::Bytes;
use http::HeaderValue;
use http_body_util::Full;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::http::{is_header_value, send_built};
use super::lambda_answer::parse_response;
use super::lambda_proxy::event_json;
use super::{request_body, substitute_stage_variables};
use crate::Shared;
use crate::client;
use crate::compile::{LambdaAwsIntegration, LambdaIntegration};
use crate::context::RequestCtx;
use crate::error::GatewayError;
use crate::responses::MethodResponse;

/// Escaped in function names and qualifiers (everything but RFC 3986 unreserved).
const NAME: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// AWS_PROXY: the event in, the proxy response out.
pub async fn invoke_proxy(
    shared: &Shared,
    ctx: &mut RequestCtx,
    i: &LambdaIntegration,
) -> Result<MethodResponse, GatewayError> {
    if i.method != "POST" {
        return Err(GatewayError::internal(format!(
            "Lambda is invoked with POST, not {}",
            i.method
        )));
    }
    let event = Bytes::from(
        event_json(ctx).map_err(|e| GatewayError::internal(format!("the Lambda event: {e}")))?,
    );
    let answer = call_function(shared, ctx, (&i.function, &i.invoke_uri), event, i.timeout).await?;
    if answer.function_error {
        return Err(GatewayError::bad_gateway(format!(
            "Lambda function error: {}",
            String::from_utf8_lossy(&answer.payload)
        )));
    }
    // The headers come renamed as AWS renames them (`lambda_answer.rs`).
    let (mut resp, is_base64) = parse_response(&answer.payload).map_err(|why| {
        GatewayError::bad_gateway(format!("Malformed Lambda proxy response: {why}"))
    })?;
    if is_base64 && wants_binary(ctx) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&resp.body)
            .map_err(|e| GatewayError::internal(format!("body is not base64: {e}")))?;
        resp.body = Bytes::from(decoded);
    }
    Ok(resp)
}

/// AWS (non-proxy) Lambda: the request template is the payload; a function error's
/// `errorMessage` selects the integration response (the default one otherwise).
pub async fn invoke_aws(
    shared: &Shared,
    ctx: &mut RequestCtx,
    i: &LambdaAwsIntegration,
) -> Result<MethodResponse, GatewayError> {
    let (payload, _) = request_body(&i.request, ctx)?;
    let answer = call_function(
        shared,
        ctx,
        (&i.function, &i.invoke_uri),
        payload,
        i.timeout,
    )
    .await?;
    let subject = if answer.function_error {
        serde_json::from_slice::<serde_json::Value>(&answer.payload)
            .ok()
            .and_then(|v| {
                v.get("errorMessage")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    let selected = if answer.function_error {
        i.responses.select(&subject)
    } else {
        i.responses.default_response()
    }
    .ok_or_else(GatewayError::no_output_mapping)?;
    // A function's payload is JSON: text.
    super::respond(
        ctx,
        selected,
        &http::HeaderMap::new(),
        &answer.payload,
        false,
    )
}

/// What the Invoke API answered.
struct Answer {
    payload: Bytes,
    function_error: bool,
}

async fn call_function(
    shared: &Shared,
    ctx: &mut RequestCtx,
    (function, cached): (&str, &std::sync::OnceLock<http::Uri>),
    payload: Bytes,
    timeout: std::time::Duration,
) -> Result<Answer, GatewayError> {
    let endpoint = shared.config.lambda_endpoint.as_deref().ok_or_else(|| {
        GatewayError::internal("no Lambda endpoint configured (--lambda-endpoint)")
    })?;
    // A function named without stage variables has one URL (the endpoint is the process's):
    // built once, then shared.
    let uri = if !function.contains("${") {
        match cached.get() {
            Some(uri) => uri.clone(),
            None => {
                let uri = invoke_uri(endpoint, function)?;
                cached.get_or_init(|| uri).clone()
            }
        }
    } else {
        let function = match ctx.stage.as_deref() {
            Some(s) => substitute_stage_variables(function, &s.variables),
            None => function.to_string(),
        };
        invoke_uri(endpoint, &function)?
    };
    const INVOCATION_TYPE: http::HeaderName =
        http::HeaderName::from_static("x-amz-invocation-type");
    const FUNCTION_ERROR: http::HeaderName = http::HeaderName::from_static("x-amz-function-error");
    if uri.scheme() != Some(&http::uri::Scheme::HTTPS) && ctx.exec.is_none() {
        // A plain-HTTP endpoint without execution logging: no header maps, the answer's
        // headers kept raw (only the function error is read from them).
        let amzn = ctx
            .trace_parent
            .as_ref()
            .map(|parent| crate::trace::backend_headers(ctx.trace_id(), parent, &ctx.request_id).0);
        let mut extra: [(http::HeaderName, &[u8]); 3] = [
            (http::header::CONTENT_TYPE, b"application/json"),
            (INVOCATION_TYPE, b"RequestResponse"),
            (http::header::CONTENT_TYPE, b""), // the trace header's place, when there is one
        ];
        let mut count = 2;
        if let Some(v) = amzn.as_deref().filter(|v| is_header_value(v.as_bytes())) {
            extra[2] = (
                http::HeaderName::from_static("x-amzn-trace-id"),
                v.as_bytes(),
            );
            count = 3;
        }
        ctx.called_backend = true;
        let now = ctx.integration_start_nanos;
        let answer = send_built(
            shared,
            (&http::Method::POST, &uri),
            (&extra[..count], &[]),
            (&payload, true),
            (timeout, now),
        )
        .await?;
        ctx.outcome.integration_status = Some(answer.status.as_u16());
        if !answer.status.is_success() {
            return Err(GatewayError::internal(format!(
                "Lambda invoke answered {}",
                answer.status
            )));
        }
        let function_error = answer
            .raw
            .as_ref()
            .is_some_and(|raw| raw.contains(&FUNCTION_ERROR));
        return Ok(Answer {
            payload: answer.body,
            function_error,
        });
    }
    let mut h = http::HeaderMap::with_capacity(3);
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(INVOCATION_TYPE, HeaderValue::from_static("RequestResponse"));
    if let Some(parent) = &ctx.trace_parent {
        let (amzn, _) = crate::trace::backend_headers(ctx.trace_id(), parent, &ctx.request_id);
        if let Ok(v) = HeaderValue::from_str(&amzn) {
            h.insert("x-amzn-trace-id", v);
        }
    }
    // Logged from the parts before they go into the request (nothing copied when execution
    // logging is off).
    super::log_endpoint_request(ctx, &uri, &h, &payload);
    let mut req = http::Request::new(Full::new(payload));
    *req.method_mut() = http::Method::POST;
    *req.uri_mut() = uri;
    *req.headers_mut() = h;
    ctx.called_backend = true;
    let started = shared.config.clock.monotonic_nanos();
    let (parts, body) = client::send(
        &shared.client,
        req,
        timeout,
        shared.config.max_payload_bytes,
    )
    .await?;
    let took = shared
        .config
        .clock
        .monotonic_nanos()
        .saturating_sub(started);
    super::log_endpoint_response(ctx, &parts, &body, took);
    if !parts.status.is_success() {
        return Err(GatewayError::internal(format!(
            "Lambda invoke answered {}",
            parts.status
        )));
    }
    Ok(Answer {
        payload: body,
        function_error: parts.headers.contains_key(FUNCTION_ERROR),
    })
}

/// `{endpoint}/2015-03-31/functions/{name}/invocations[?Qualifier=…]` for a function ARN or
/// name (stage variables already substituted).
pub(crate) fn invoke_uri(endpoint: &str, function: &str) -> Result<http::Uri, GatewayError> {
    let (name, qualifier) = function_name(function);
    let mut url = format!(
        "{}/2015-03-31/functions/{}/invocations",
        endpoint.trim_end_matches('/'),
        utf8_percent_encode(&name, NAME)
    );
    if let Some(q) = qualifier {
        url.push_str("?Qualifier=");
        url.push_str(&utf8_percent_encode(&q, NAME).to_string());
    }
    url.parse()
        .map_err(|e| GatewayError::internal(format!("invalid Lambda endpoint {url:?}: {e}")))
}

/// Whether the first media type of the client's `Accept` is one of the API's binary media
/// types (API Gateway looks at the first only).
fn wants_binary(ctx: &RequestCtx) -> bool {
    ctx.stage.as_deref().is_some_and(|s| {
        crate::binary::accepts_binary(
            &s.deployment.binary_media_types,
            ctx.header("accept").as_deref(),
        )
    })
}

/// `arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]` → (name, qualifier);
/// anything else is taken as a name (`name` or `name:alias`).
pub fn function_name(function: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = function.split(':').collect();
    if parts.len() >= 7 && parts[0] == "arn" && parts[5] == "function" {
        return (parts[6].to_string(), parts.get(7).map(|q| q.to_string()));
    }
    match function.split_once(':') {
        Some((n, q)) => (n.to_string(), Some(q.to_string())),
        None => (function.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123:function:f"),
            ("f".into(), None)
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123:function:f:live"),
            ("f".into(), Some("live".into()))
        );
        assert_eq!(function_name("f"), ("f".into(), None));
        assert_eq!(function_name("f:3"), ("f".into(), Some("3".into())));
    }
}
