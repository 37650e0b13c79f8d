//! HTTP and HTTP_PROXY integrations.
//!
//! HTTP_PROXY forwards method, path (parameters and `{proxy}` substituted into the URI),
//! query, headers (minus hop-by-hop) and body, and returns the backend's status, headers
//! (AWS's reserved ones remapped to `x-amzn-Remapped-*`) and body. HTTP (non-proxy) builds
//! the request from `requestParameters` and request templates, then selects an integration
//! response by the backend status code.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use http_body_util::Full;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::{
    Mapped, apply_request_override, map_request, request_body_with_overrides, substitute_path,
    substitute_stage_variables,
};
use crate::Shared;
use crate::client;
use crate::compile::HttpIntegration;
use crate::context::RequestCtx;
use crate::error::GatewayError;
use crate::responses::{self, MethodResponse};

/// Characters escaped in a path segment substituted into a URI.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'^')
    .add(b'|')
    .add(b'\\');
/// Characters escaped in a query key or value.
const QUERY: &AsciiSet = &SEGMENT.add(b'&').add(b'=').add(b'+');

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const API_ID: HeaderName = HeaderName::from_static("x-amzn-apigateway-api-id");
const AMZN_TRACE: HeaderName = HeaderName::from_static("x-amzn-trace-id");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// Request headers never forwarded (hop-by-hop, or recomputed).
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

/// HTTP_PROXY. To a plain-HTTP backend without execution logging, the backend request is
/// written straight from the client's headers plus what API Gateway adds (no second header
/// map), and the answer's headers are renamed while they are parsed and kept raw.
pub async fn invoke_proxy(
    shared: &Shared,
    ctx: &mut RequestCtx,
    i: &HttpIntegration,
) -> Result<MethodResponse, GatewayError> {
    let mapped = ctx.with_inputs(None, |inputs| map_request(&i.request, inputs));
    let uri = http_backend_uri(ctx, i, &mapped, ctx.raw_query.as_deref())?;
    if uri.scheme() == Some(&http::uri::Scheme::HTTPS) || ctx.exec.is_some() {
        // Boxed: this path keeps its state out of the plain path's (and every request's).
        return Box::pin(proxy_general(shared, ctx, i, mapped, uri)).await;
    }
    let (mapped, uri) = (&mapped, &uri);
    let method = backend_method(&i.method, &ctx.method)?;
    // The values of the headers API Gateway adds, one after the other in one buffer.
    let mut text: Vec<u8> = Vec::with_capacity(160);
    let mut ends = [0usize; 4];
    if let Some(prev) = ctx.header_value(&X_FORWARDED_FOR) {
        text.extend_from_slice(prev.as_bytes());
        text.extend_from_slice(b", ");
    }
    super::push_ip(&mut text, ctx.remote.ip());
    ends[0] = text.len();
    text.extend_from_slice(ctx.target.api_id().as_bytes());
    ends[1] = text.len();
    let mut count = 3;
    match &ctx.trace_parent {
        Some(parent) => {
            let (amzn, w3c) =
                crate::trace::backend_headers(ctx.trace_id(), parent, &ctx.request_id);
            text.extend_from_slice(amzn.as_bytes());
            ends[2] = text.len();
            text.extend_from_slice(w3c.as_bytes());
            ends[3] = text.len();
            count = 4;
        }
        None => {
            text.extend_from_slice(ctx.trace().as_bytes());
            ends[2] = text.len();
        }
    }
    let value = |i: usize| {
        let start = if i == 0 { 0 } else { ends[i - 1] };
        text.get(start..ends[i]).unwrap_or_default()
    };
    let added = [
        (X_FORWARDED_FOR, value(0)),
        (API_ID, value(1)),
        (AMZN_TRACE, value(2)),
        (TRACEPARENT, value(3)),
    ];
    let added = &added[..count];
    let mut replaced = Vec::new();
    let extra = if mapped.headers.is_empty() {
        added
    } else {
        // Mapped headers (rare) replace what API Gateway adds.
        replaced.extend(added.iter().cloned());
        for (name, value) in &mapped.headers {
            if HeaderValue::from_str(value).is_ok() {
                replaced.retain(|(e, _)| e != name);
                replaced.push((name.clone(), value.as_bytes()));
            }
        }
        &replaced[..]
    };
    fn answer_name(name: &[u8]) -> client::h1::Rename {
        if name == b"transfer-encoding" {
            return client::h1::Rename::Drop;
        }
        match responses::remapped_lowercase(name) {
            Some(to) => client::h1::Rename::To(to),
            None => client::h1::Rename::Keep,
        }
    }
    let req = client::h1::Outgoing {
        raw_head: ctx.raw_head.as_deref(),
        shown: &mapped.shown,
        method: &method,
        uri,
        headers: &ctx.headers,
        extra,
        skip: is_hop_by_hop,
        rename: answer_name,
        body: &ctx.body,
        keep_raw: true,
    };
    ctx.called_backend = true;
    let answer = client::send_plain(
        &shared.client,
        &req,
        i.timeout,
        shared.config.max_payload_bytes,
        ctx.integration_start_nanos,
    )
    .await?;
    ctx.outcome.integration_status = Some(answer.status.as_u16());
    Ok(MethodResponse {
        status: answer.status,
        headers: answer.headers,
        body: answer.body,
        raw: answer.raw,
        names: None,
    })
}

/// HTTP_PROXY through the general client: HTTPS backends, or with execution logging.
async fn proxy_general(
    shared: &Shared,
    ctx: &mut RequestCtx,
    i: &HttpIntegration,
    mapped: Mapped,
    uri: http::Uri,
) -> Result<MethodResponse, GatewayError> {
    let mut headers = HeaderMap::with_capacity(ctx.headers.len() + 4);
    for (name, value) in &ctx.headers {
        if !is_hop_by_hop(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    if let Some(v) = forwarded_for(ctx) {
        headers.insert(X_FORWARDED_FOR, v);
    }
    add_gateway_headers(ctx, &mut headers);
    apply_mapped_headers(&mut headers, &mapped);
    let method = backend_method(&i.method, &ctx.method)?;
    let body = ctx.body.clone();
    // The client's headers go on under the names it wrote (their values are slices of its head).
    let names = client::HeaderNames {
        raw_head: ctx.raw_head.clone(),
        shown: mapped.shown,
    };
    let (parts, body) = call(shared, ctx, method, uri, (headers, names), body, i).await?;
    let mut out = HeaderMap::with_capacity(parts.headers.len() + 4);
    for (name, value) in parts.headers {
        let Some(name) = name else { continue };
        if name == http::header::TRANSFER_ENCODING {
            continue;
        }
        out.append(responses::outgoing_name(&name), value);
    }
    Ok(MethodResponse {
        status: parts.status,
        headers: out,
        body,
        raw: None,
        names: None,
    })
}

/// `X-Forwarded-For`: the client's, with the caller's address appended.
fn forwarded_for(ctx: &RequestCtx) -> Option<HeaderValue> {
    let mut forwarded = Vec::with_capacity(48);
    if let Some(prev) = ctx.header_value(&X_FORWARDED_FOR) {
        forwarded.extend_from_slice(prev.as_bytes());
        forwarded.extend_from_slice(b", ");
    }
    super::push_ip(&mut forwarded, ctx.remote.ip());
    HeaderValue::from_maybe_shared(Bytes::from(forwarded)).ok()
}

pub async fn invoke_http(
    shared: &Shared,
    ctx: &mut RequestCtx,
    i: &HttpIntegration,
) -> Result<MethodResponse, GatewayError> {
    let mut mapped = ctx.with_inputs(None, |inputs| map_request(&i.request, inputs));
    let (body, content_type, overrides) = request_body_with_overrides(&i.request, ctx)?;
    apply_request_override(&mut mapped, overrides);
    let uri = http_backend_uri(ctx, i, &mapped, None)?;
    let method = backend_method(&i.method, &ctx.method)?;
    if uri.scheme() == Some(&http::uri::Scheme::HTTPS) || ctx.exec.is_some() {
        // Boxed: this path keeps its state out of the plain path's.
        return Box::pin(http_general(
            shared,
            ctx,
            i,
            (method, uri),
            mapped,
            (body, content_type),
        ))
        .await;
    }
    // A plain-HTTP backend without execution logging: the request is written from the list
    // of its headers (none of the client's is forwarded), without a header map.
    ctx.called_backend = true;
    let now = ctx.integration_start_nanos;
    let mut agent = Vec::with_capacity(32);
    agent.extend_from_slice(b"AmazonAPIGateway_");
    agent.extend_from_slice(ctx.target.api_id().as_bytes());
    let traces = ctx
        .trace_parent
        .as_ref()
        .map(|parent| crate::trace::backend_headers(ctx.trace_id(), parent, &ctx.request_id));
    let mut extra: Vec<(HeaderName, &[u8])> = Vec::with_capacity(6 + mapped.headers.len());
    extra.push((http::header::ACCEPT, b"application/json"));
    // AWS sends a Content-Type only with a body.
    if !body.is_empty() && is_header_value(content_type.as_bytes()) {
        extra.push((http::header::CONTENT_TYPE, content_type.as_bytes()));
    }
    if is_header_value(&agent) {
        extra.push((http::header::USER_AGENT, &agent));
    }
    extra.push((API_ID, ctx.target.api_id().as_bytes()));
    match &traces {
        Some((amzn, w3c)) => {
            extra.push((AMZN_TRACE, amzn.as_bytes()));
            extra.push((TRACEPARENT, w3c.as_bytes()));
        }
        None => extra.push((AMZN_TRACE, ctx.trace().as_bytes())),
    }
    // Mapped headers replace what API Gateway adds, in its place.
    for (name, value) in &mapped.headers {
        if !is_header_value(value.as_bytes()) {
            continue;
        }
        match extra.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.as_bytes(),
            None => extra.push((name.clone(), value.as_bytes())),
        }
    }
    let answer = send_built(
        shared,
        (&method, &uri),
        (&extra, &mapped.shown),
        (&body, true),
        (i.timeout, now),
    )
    .await?;
    ctx.outcome.integration_status = Some(answer.status.as_u16());
    let selected = i
        .responses
        .select(answer.status.as_str())
        .ok_or_else(GatewayError::no_output_mapping)?;
    // The backend's headers are read only by response parameters and the binary check: put
    // in a map only for them.
    let mut headers = HeaderMap::new();
    if (!selected.params.is_empty() || super::has_binary_types(ctx))
        && let Some(raw) = &answer.raw
    {
        raw.append_to(&mut headers);
    }
    let binary = super::backend_is_binary(ctx, &headers);
    super::respond(ctx, selected, &headers, &answer.body, binary)
}

/// An HTTP integration through the general client: HTTPS backends, or with execution
/// logging.
async fn http_general(
    shared: &Shared,
    ctx: &mut RequestCtx,
    i: &HttpIntegration,
    (method, uri): (Method, http::Uri),
    mapped: Mapped,
    (body, content_type): (Bytes, String),
) -> Result<MethodResponse, GatewayError> {
    // Room for what is added here and a few mapped headers: no growth on the way.
    let mut headers = HeaderMap::with_capacity(8 + mapped.headers.len());
    // AWS sends its own Accept (not the client's) and a Content-Type only with a body.
    headers.insert(
        http::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    if !body.is_empty()
        && let Ok(v) = HeaderValue::from_maybe_shared(Bytes::from(content_type))
    {
        headers.insert(http::header::CONTENT_TYPE, v);
    }
    let mut agent = Vec::with_capacity(32);
    agent.extend_from_slice(b"AmazonAPIGateway_");
    agent.extend_from_slice(ctx.target.api_id().as_bytes());
    if let Ok(v) = HeaderValue::from_maybe_shared(Bytes::from(agent)) {
        headers.insert(http::header::USER_AGENT, v);
    }
    add_gateway_headers(ctx, &mut headers);
    apply_mapped_headers(&mut headers, &mapped);
    let (parts, backend_body) = call(
        shared,
        ctx,
        method,
        uri,
        (
            headers,
            client::HeaderNames {
                raw_head: None,
                shown: mapped.shown,
            },
        ),
        body,
        i,
    )
    .await?;
    let selected = i
        .responses
        .select(parts.status.as_str())
        .ok_or_else(GatewayError::no_output_mapping)?;
    let binary = super::backend_is_binary(ctx, &parts.headers);
    super::respond(ctx, selected, &parts.headers, &backend_body, binary)
}

/// Whether `bytes` may be written as a header value as they are: what `HeaderValue`
/// accepts (no control character but tab).
pub(super) fn is_header_value(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| (b >= 0x20 && b != 0x7f) || b == b'\t')
}

/// A mapped header's name as the mapping spelled it.
type Shown = (HeaderName, std::sync::Arc<str>);

/// Sends a request API Gateway writes itself (an HTTP integration's, a Lambda invocation) to
/// a plain-HTTP backend: `extra` are all its headers (valid values, see
/// [`is_header_value`]), `shown` the spellings of mapped names. No execution log: the caller
/// checked that none is kept, and notes that the backend was called and what it answered.
/// The answer's headers come in a map, or raw with `keep_raw`. `now`: the injected clock's
/// monotonic nanoseconds.
pub(super) async fn send_built(
    shared: &Shared,
    (method, uri): (&Method, &http::Uri),
    (extra, shown): (&[(HeaderName, &[u8])], &[Shown]),
    (body, keep_raw): (&Bytes, bool),
    (timeout, now): (std::time::Duration, u64),
) -> Result<client::h1::Answer, GatewayError> {
    fn forward_none(_: &HeaderName) -> bool {
        true
    }
    fn keep(_: &[u8]) -> client::h1::Rename {
        client::h1::Rename::Keep
    }
    let none = HeaderMap::new();
    let req = client::h1::Outgoing {
        raw_head: None,
        shown,
        method,
        uri,
        headers: &none,
        extra,
        skip: forward_none,
        rename: keep,
        body,
        keep_raw,
    };
    Ok(client::send_plain(
        &shared.client,
        &req,
        timeout,
        shared.config.max_payload_bytes,
        now,
    )
    .await?)
}

/// Sends a backend request through the general client; `names` says how its header names
/// are written (left out when it says nothing: lowercase).
pub(super) async fn call(
    shared: &Shared,
    ctx: &mut RequestCtx,
    method: Method,
    uri: http::Uri,
    (headers, names): (HeaderMap, client::HeaderNames),
    body: Bytes,
    i: &HttpIntegration,
) -> Result<(http::response::Parts, Bytes), GatewayError> {
    super::log_endpoint_request(ctx, &uri, &headers, &body);
    let mut req = http::Request::new(Full::new(body));
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    *req.headers_mut() = headers;
    if i.skip_tls_verification {
        req.extensions_mut().insert(client::SkipTlsVerification);
    }
    if names.raw_head.is_some() || !names.shown.is_empty() {
        req.extensions_mut().insert(names);
    }
    if let Some(identity) = ctx.stage.as_ref().and_then(|s| s.client_identity.clone()) {
        req.extensions_mut().insert(identity);
    }
    ctx.called_backend = true;
    let started = shared.config.clock.monotonic_nanos();
    let answer = client::send(
        &shared.client,
        req,
        i.timeout,
        shared.config.max_payload_bytes,
    )
    .await?;
    let took = shared
        .config
        .clock
        .monotonic_nanos()
        .saturating_sub(started);
    super::log_endpoint_response(ctx, &answer.0, &answer.1, took);
    Ok(answer)
}

/// An HTTP integration's backend URI: the one parsed at compile time when it has no
/// placeholders and nothing is added to its query, else [`backend_uri`].
fn http_backend_uri(
    ctx: &RequestCtx,
    i: &HttpIntegration,
    mapped: &Mapped,
    extra_query: Option<&str>,
) -> Result<http::Uri, GatewayError> {
    if let Some(fixed) = &i.static_uri
        && extra_query.is_none_or(str::is_empty)
        && mapped.query.is_empty()
    {
        return Ok(fixed.clone());
    }
    backend_uri(ctx, &i.uri, mapped, extra_query)
}

/// The backend URI: stage variables, then `{param}` placeholders (mapped values first, then
/// the method's own path parameters), then mapped query parameters after `extra_query`.
pub(super) fn backend_uri(
    ctx: &RequestCtx,
    uri: &str,
    mapped: &Mapped,
    extra_query: Option<&str>,
) -> Result<http::Uri, GatewayError> {
    let vars = ctx.stage.as_deref().map(|s| &*s.variables);
    let base = match vars {
        Some(v) => substitute_stage_variables(uri, v),
        None => uri.to_string(),
    };
    let (path_part, own_query) = match base.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (base, None),
    };
    let params = ctx.matched.as_ref().map_or(&[][..], |m| &m.params);
    let mut uri = substitute_path(&path_part, |name| {
        if let Some((v, raw)) = mapped.path.get(name) {
            return Some(if *raw {
                v.clone()
            } else {
                utf8_percent_encode(v, SEGMENT).to_string()
            });
        }
        params.iter().find(|p| p.name == name).map(|p| {
            if p.greedy {
                p.value.clone()
            } else {
                utf8_percent_encode(&p.value, SEGMENT).to_string()
            }
        })
    });
    let mut query: Vec<String> = own_query
        .into_iter()
        .chain(extra_query.map(str::to_string))
        .filter(|q| !q.is_empty())
        .collect();
    for (k, v) in &mapped.query {
        query.push(format!(
            "{}={}",
            utf8_percent_encode(k, QUERY),
            utf8_percent_encode(v, QUERY)
        ));
    }
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query.join("&"));
    }
    uri.parse::<http::Uri>()
        .map_err(|e| GatewayError::internal(format!("Invalid endpoint address {uri:?}: {e}")))
}

pub(super) fn backend_method(configured: &str, client: &Method) -> Result<Method, GatewayError> {
    if configured == "ANY" || configured.is_empty() {
        return Ok(client.clone());
    }
    Method::from_bytes(configured.as_bytes())
        .map_err(|_| GatewayError::internal(format!("invalid integration method {configured}")))
}

fn add_gateway_headers(ctx: &RequestCtx, headers: &mut HeaderMap) {
    gateway_headers(ctx, |name, value| {
        headers.insert(name, value);
    });
}

/// The headers API Gateway adds to every backend request: the API id and the trace headers.
fn gateway_headers(ctx: &RequestCtx, mut sink: impl FnMut(HeaderName, HeaderValue)) {
    let mut put = |name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            sink(name, v);
        }
    };
    put(API_ID, ctx.target.api_id());
    match &ctx.trace_parent {
        Some(parent) => {
            let (amzn, w3c) =
                crate::trace::backend_headers(ctx.trace_id(), parent, &ctx.request_id);
            put(AMZN_TRACE, &amzn);
            put(TRACEPARENT, &w3c);
        }
        None => put(AMZN_TRACE, ctx.trace_id()),
    }
}

pub(super) fn apply_mapped_headers(headers: &mut HeaderMap, mapped: &Mapped) {
    for (name, value) in &mapped.headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name.clone(), v);
        }
    }
}

pub(super) fn set(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        headers.insert(n, v);
    }
}
