//! The invocation pipeline: small named phases over `&mut RequestCtx`, in one visible
//! sequence. Any phase may fail with a `GatewayError`, which short-circuits to the gateway
//! response (`gateway_response.rs`).
//!
//! `begin → resolve_stage → choose_canary → start_tracing → check_declared_length → route →
//! throttle → read_body → start_exec_log → validate → cache_lookup → integration::invoke →
//! cache_store → finish`, then `observe::record` (metrics, access and execution logs).

use std::error::Error as StdError;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;

use crate::context::{Matched, Outcome, RequestCtx, parse_query};
use crate::error::{GatewayError, Kind, Origin};
use crate::exec_log::{self, headers_map};
use crate::gateway_response;
use crate::registry::Lookup;
use crate::responses::MethodResponse;
use crate::target::InvokeTarget;
use crate::{Shared, ids, integration, observe, phases};

const AMZN_TRACE: http::HeaderName = http::HeaderName::from_static("x-amzn-trace-id");

/// Serves one invocation; never fails.
pub async fn serve<B>(
    shared: &Shared,
    req: Request<B>,
    target: InvokeTarget,
    remote: SocketAddr,
) -> Response<Full<Bytes>>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let (mut resp, stamp) = serve_stamped(shared, req, target, remote, None).await;
    stamp.apply(resp.headers_mut());
    resp
}

/// [`serve`], with the headers AWS puts on every answer returned apart: an HTTP/1.1 writer
/// writes them straight from the [`Stamp`] instead of going through the header map.
pub async fn serve_stamped<B>(
    shared: &Shared,
    req: Request<B>,
    target: InvokeTarget,
    remote: SocketAddr,
    raw_head: Option<Bytes>,
) -> (Response<Full<Bytes>>, Stamp)
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let mut ctx = begin(shared, parts, target, remote);
    ctx.raw_head = raw_head;
    // The phases in order, up to the method response, written here rather than in an
    // `async fn` of their own: one level of future less to build and move per request (each
    // level is copied when it is created).
    let mut admitted = match admit(shared, &mut ctx) {
        Ok(()) => read_body(shared, &mut ctx, body).await,
        Err(e) => Err(e),
    };
    // The access phase, only for methods that need authorization or APIs with a resource
    // policy; an authorizer call (a cache miss) is boxed: the plain path's future does not
    // carry its state.
    if admitted.is_ok() && crate::auth::needed(&ctx) {
        admitted = match crate::auth::authorize_now(shared, &mut ctx) {
            crate::auth::Step::Done(r) => r,
            crate::auth::Step::Call(p) => {
                Box::pin(crate::auth::authorize_call(shared, &mut ctx, p)).await
            }
        };
    }
    if admitted.is_ok()
        && ctx
            .matched
            .as_ref()
            .is_some_and(|m| m.method.api_key_required)
    {
        let today = crate::today(shared.config.clock.as_ref());
        admitted = crate::usage::check(&shared.usage, &mut ctx, today);
    }
    if admitted.is_ok()
        && let Some(limits) = &shared.cluster_limits
    {
        // Leased tokens cover most requests without a round trip.
        if let Some(pending) = crate::cluster_limits::take_leased(&ctx) {
            admitted = Box::pin(crate::cluster_limits::check(limits, pending)).await;
        }
    }
    let result = match admitted.and_then(|()| prepare(&mut ctx)) {
        Err(e) => Err(e),
        Ok(Some(hit)) => Ok(hit),
        Ok(None) => {
            let is_mock = integration_start(shared, &mut ctx);
            // HTTP_PROXY is awaited here rather than through `integration::invoke`: one
            // level less on the busiest path.
            use crate::compile::CompiledIntegration::HttpProxy;
            let proxy = ctx
                .matched
                .as_ref()
                .filter(|m| matches!(m.method.integration, Ok(HttpProxy(_))))
                .map(|m| m.method.clone());
            let result = match proxy.as_deref().map(|m| &m.integration) {
                Some(Ok(HttpProxy(i))) => {
                    integration::http::invoke_proxy(shared, &mut ctx, i).await
                }
                _ => integration::invoke(shared, &mut ctx).await,
            };
            integration_end(shared, &mut ctx, is_mock, result)
        }
    };
    let (resp, raw, served) = match result {
        Ok(resp) => {
            let (resp, raw) = finish(&mut ctx, resp);
            (resp, raw, true)
        }
        Err(err) => (fail(&mut ctx, &err), None, false),
    };
    observe::record(shared, &mut ctx, &resp);
    // The trace id goes back when the stage traces, or when a backend answered.
    let with_trace = ctx.trace_parent.is_some() || (served && ctx.called_backend);
    let trace = with_trace.then(|| {
        ctx.trace();
        ctx.trace.take()
    });
    let stamp = Stamp {
        raw,
        request_id: ctx.request_id,
        apigw_id: ctx.apigw_id,
        trace: trace.flatten(),
    };
    (resp, stamp)
}

/// The headers of an answer kept out of its header map until it is written: the raw headers
/// of a proxied backend answer, then the ones API Gateway puts on every answer:
/// `x-amzn-RequestId`, `x-amz-apigw-id` and, when a backend was called or the stage traces,
/// `X-Amzn-Trace-Id`.
#[derive(Debug)]
pub struct Stamp {
    raw: Option<crate::client::h1::RawHeaders>,
    request_id: ids::IdText<36>,
    apigw_id: ids::IdText<16>,
    trace: Option<crate::context::Trace>,
}

impl Stamp {
    /// The names the stamp sets (an answer's own headers of these names give way).
    pub fn sets(&self, name: &http::HeaderName) -> bool {
        self.sets_lowercase(name.as_str().as_bytes())
    }

    /// [`Self::sets`] for a lowercase name's bytes.
    fn sets_lowercase(&self, n: &[u8]) -> bool {
        // By length first: most names are rejected without comparing their text.
        match n.len() {
            16 => n == b"x-amzn-requestid",
            14 => n == b"x-amz-apigw-id",
            15 => self.trace.is_some() && n == b"x-amzn-trace-id",
            _ => false,
        }
    }

    /// The header lines, as HTTP/1.1 writes them.
    pub fn write_h1(&self, out: &mut Vec<u8>) {
        for (name, value) in self.raw.iter().flat_map(|r| r.iter()) {
            // The framing headers are the writer's to set.
            let framing = matches!(
                name,
                b"content-length" | b"transfer-encoding" | b"connection"
            );
            if !framing && !self.sets_lowercase(name) {
                crate::header_case::write_name(out, name, None);
                out.extend_from_slice(b": ");
                out.extend_from_slice(value);
                out.extend_from_slice(b"\r\n");
            }
        }
        // In API Gateway's case (header_case.rs).
        out.extend_from_slice(b"x-amzn-RequestId: ");
        out.extend_from_slice(self.request_id.as_bytes());
        out.extend_from_slice(b"\r\nx-amz-apigw-id: ");
        out.extend_from_slice(self.apigw_id.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(trace) = &self.trace {
            out.extend_from_slice(b"X-Amzn-Trace-Id: ");
            out.extend_from_slice(trace.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }

    /// Puts the headers in `headers` (replacing any of the same names).
    pub fn apply(self, headers: &mut http::HeaderMap) {
        if let Some(raw) = &self.raw {
            raw.append_to(headers);
        }
        headers.reserve(3);
        if let Ok(v) = HeaderValue::from_str(&self.request_id) {
            headers.insert(REQUEST_ID, v);
        }
        if let Ok(v) = HeaderValue::from_str(&self.apigw_id) {
            headers.insert(APIGW_ID, v);
        }
        if let Some(trace) = &self.trace
            && let Ok(v) = HeaderValue::from_str(trace.as_str())
        {
            headers.insert(AMZN_TRACE, v);
        }
    }
}

/// The phases before the body is read.
fn admit(shared: &Shared, ctx: &mut RequestCtx) -> Result<(), GatewayError> {
    resolve_stage(shared, ctx)?;
    choose_canary(shared, ctx);
    phases::start_tracing(shared, ctx);
    check_declared_length(shared, ctx)?;
    route(ctx)?;
    phases::throttle(ctx)
}

/// The phases after the body is read and before the integration: `Some` answers from the
/// cache.
fn prepare(ctx: &mut RequestCtx) -> Result<Option<MethodResponse>, GatewayError> {
    phases::start_exec_log(ctx);
    validate(ctx)?;
    phases::cache_lookup(ctx)
}

/// Whether the routed method is MOCK (which calls no backend: its integration latency is
/// zero, and two clock reads are saved); otherwise the integration's start is noted.
fn integration_start(shared: &Shared, ctx: &mut RequestCtx) -> bool {
    let is_mock = ctx.matched.as_ref().is_some_and(|m| {
        matches!(
            m.method.integration,
            Ok(crate::compile::CompiledIntegration::Mock(_))
        )
    });
    if !is_mock {
        ctx.integration_start_nanos = shared.config.clock.monotonic_nanos();
    }
    is_mock
}

/// The integration's latency noted, and a successful answer stored in the cache.
fn integration_end(
    shared: &Shared,
    ctx: &mut RequestCtx,
    is_mock: bool,
    result: Result<MethodResponse, GatewayError>,
) -> Result<MethodResponse, GatewayError> {
    let ended = if is_mock {
        ctx.start_nanos
    } else {
        let ended = shared.config.clock.monotonic_nanos();
        ctx.outcome.integration_nanos = Some(ended.saturating_sub(ctx.integration_start_nanos));
        ended
    };
    let resp = result?;
    phases::cache_store(ctx, &resp, ended);
    Ok(resp)
}

pub(crate) fn begin(
    shared: &Shared,
    mut parts: http::request::Parts,
    target: InvokeTarget,
    remote: SocketAddr,
) -> RequestCtx {
    // Only requests through a domain with mutual TLS carry one (no map lookup otherwise).
    let client_cert = if target.style == crate::target::UrlStyle::CustomDomain {
        parts
            .extensions
            .remove::<std::sync::Arc<crate::domains::ClientCert>>()
    } else {
        None
    };
    let tls = parts
        .extensions
        .remove::<crate::context::ArrivedOverTls>()
        .is_some();
    let rng = shared.config.random.as_ref();
    let (now, start_nanos) = shared.config.clock.wall_and_monotonic();
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let raw_query = parts.uri.query().map(str::to_string);
    RequestCtx {
        request_id: ids::request_id(rng),
        apigw_id: ids::apigw_id(rng),
        trace: std::cell::OnceCell::new(),
        trace_seed: ids::TraceSeed::draw(secs, rng),
        now,
        query: parse_query(raw_query.as_deref()),
        raw_query,
        method: parts.method,
        uri: parts.uri,
        target,
        headers: parts.headers,
        raw_head: None,
        remote,
        protocol: protocol(parts.version),
        body: Bytes::new(),
        default_account: shared.account_id.clone(),
        stage: None,
        matched: None,
        called_backend: false,
        start_nanos,
        integration_start_nanos: 0,
        outcome: Outcome::default(),
        exec: None,
        trace_parent: None,
        auth: None,
        plan_bucket: None,
        client_cert,
        tls,
    }
}

fn protocol(v: http::Version) -> &'static str {
    match v {
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2.0",
        _ => "HTTP/1.1",
    }
}

fn resolve_stage(shared: &Shared, ctx: &mut RequestCtx) -> Result<(), GatewayError> {
    match shared
        .registry
        .lookup(ctx.target.api_id(), ctx.target.stage())
    {
        // `disableExecuteApiEndpoint` closes the default invoke URLs, not custom domains.
        Lookup::Found(stage)
            if stage.deployment.execute_api_disabled
                && ctx.target.style != crate::target::UrlStyle::CustomDomain =>
        {
            Err(GatewayError::forbidden())
        }
        Lookup::Found(stage) => {
            ctx.stage = Some(stage);
            Ok(())
        }
        Lookup::UnknownApi | Lookup::UnknownStage => Err(GatewayError::forbidden()),
    }
}

/// Sends `percentTraffic` of the stage's requests to its canary deployment.
fn choose_canary(shared: &Shared, ctx: &mut RequestCtx) {
    let Some(stage) = &ctx.stage else { return };
    let Some(canary) = &stage.canary else { return };
    if canary.percent > 0.0 && shared.config.random.percent() < canary.percent {
        ctx.stage = Some(canary.stage.clone());
    }
}

fn check_declared_length(shared: &Shared, ctx: &RequestCtx) -> Result<(), GatewayError> {
    let declared = ctx
        .header_value(&http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > shared.config.max_payload_bytes as u64 => Err(GatewayError::too_large()),
        _ => Ok(()),
    }
}

fn route(ctx: &mut RequestCtx) -> Result<(), GatewayError> {
    let stage = ctx.stage.as_deref().ok_or_else(GatewayError::forbidden)?;
    let found = stage
        .deployment
        .router
        .lookup(ctx.method.as_str(), ctx.target.path())
        .ok_or_else(GatewayError::missing_token)?;
    let matched = Matched {
        method: found.value.clone(),
        params: found.params,
    };
    ctx.matched = Some(matched);
    Ok(())
}

async fn read_body<B>(shared: &Shared, ctx: &mut RequestCtx, body: B) -> Result<(), GatewayError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    if body.is_end_stream() {
        return Ok(());
    }
    let collected = Limited::new(body, shared.config.max_payload_bytes)
        .collect()
        .await;
    match collected {
        Ok(c) => {
            ctx.body = c.to_bytes();
            Ok(())
        }
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(GatewayError::too_large()),
        Err(e) => Err(GatewayError::new(
            crate::error::Kind::BadRequestBody,
            crate::error::Origin::Client,
            "Invalid request body",
        )
        .with_detail(e.to_string())),
    }
}

/// The method's request validator (required parameters, JSON body).
pub(crate) fn validate(ctx: &RequestCtx) -> Result<(), GatewayError> {
    let Some(m) = ctx
        .matched
        .as_ref()
        .filter(|m| !m.method.validation.is_empty())
    else {
        return Ok(());
    };
    let content_type = integration::content_type(ctx);
    ctx.with_inputs(None, |inputs| {
        m.method.validation.check(inputs, &content_type)
    })
}

const REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-amzn-requestid");
const APIGW_ID: http::HeaderName = http::HeaderName::from_static("x-amz-apigw-id");

/// `minimumCompressionSize`: gzip an answer of at least that size when the client accepts gzip
/// and the answer is not already encoded.
fn compress(ctx: &RequestCtx, resp: &mut MethodResponse) {
    let Some(min) = ctx
        .stage
        .as_deref()
        .and_then(|s| s.deployment.minimum_compression_size)
    else {
        return;
    };
    if resp.body.len() < min || resp.has_header(&http::header::CONTENT_ENCODING) {
        return;
    }
    let accepts_gzip = ctx
        .header_ref(http::header::ACCEPT_ENCODING)
        .is_some_and(|v| {
            v.split(',').any(|e| {
                let mut parts = e.split(';');
                let name = parts.next().unwrap_or("").trim();
                let q0 = parts.any(|p| p.trim().replace(' ', "") == "q=0");
                (name.eq_ignore_ascii_case("gzip") || name == "*") && !q0
            })
        });
    if !accepts_gzip {
        return;
    }
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(resp.body.len() / 2),
        flate2::Compression::fast(),
    );
    if enc.write_all(&resp.body).is_ok()
        && let Ok(gz) = enc.finish()
    {
        resp.body = Bytes::from(gz);
        resp.headers.insert(
            http::header::CONTENT_ENCODING,
            HeaderValue::from_static("gzip"),
        );
    }
}

/// The answer, and the raw headers that go with it (written apart, see [`Stamp`]).
pub(crate) fn finish(
    ctx: &mut RequestCtx,
    mut resp: MethodResponse,
) -> (Response<Full<Bytes>>, Option<crate::client::h1::RawHeaders>) {
    if ctx.exec.is_some() {
        resp.materialize();
    }
    if let Some(t) = ctx.exec.as_deref_mut() {
        t.data(|| {
            format!(
                "Method response body after transformations: {}",
                exec_log::body(&resp.body)
            )
        });
        // AWS's test log prints the answer's header names in their usual case.
        let cased = t.test;
        t.data(|| {
            let map = if cased {
                exec_log::headers_map_cased(&resp.headers)
            } else {
                headers_map(&resp.headers)
            };
            format!("Method response headers: {map}")
        });
        t.info("Successfully completed execution");
        t.info(format!(
            "Method completed with status: {}",
            resp.status.as_u16()
        ));
    }
    compress(ctx, &mut resp);
    let raw = resp.raw.take();
    let names = resp.names.take();
    let mut out = Response::new(Full::new(resp.body));
    if let Some(names) = names {
        out.extensions_mut().insert(names);
    }
    *out.status_mut() = resp.status;
    *out.headers_mut() = resp.headers;
    if ctx.outcome.cache_warning {
        out.headers_mut().insert(
            http::header::WARNING,
            HeaderValue::from_static(
                "199 - \"Cache-Control: max-age=0 ignored: invalidation requires authorization\"",
            ),
        );
    }
    (out, raw)
}

pub(crate) fn fail(ctx: &mut RequestCtx, err: &GatewayError) -> Response<Full<Bytes>> {
    ctx.outcome.error = Some((err.kind.name(), err.message.clone()));
    ctx.outcome
        .validation_error
        .clone_from(&err.validation_error);
    if ctx.exec.is_none() {
        phases::start_exec_log(ctx);
    }
    tracing::debug!(request_id = %ctx.request_id, kind = ?err.kind, origin = ?err.origin, detail = %err.detail, "{}", err.message);
    let custom = ctx
        .stage
        .as_deref()
        .map(|s| &s.deployment.gateway_responses);
    let rendered = ctx.with_inputs(None, |inputs| gateway_response::render(err, custom, inputs));
    if let Some(t) = ctx.exec.as_deref_mut() {
        log_failure(t, err, &rendered);
    }
    let mut out = Response::new(Full::new(rendered.body));
    *out.status_mut() = rendered.status;
    *out.headers_mut() = rendered.headers;
    if let Some(names) = rendered.names {
        out.extensions_mut().insert(names);
    }
    out
}

/// The execution log lines of a failed request.
fn log_failure(t: &mut exec_log::ExecTrace, err: &GatewayError, out: &gateway_response::Rendered) {
    let detail = if err.detail.is_empty() {
        &err.message
    } else {
        &err.detail
    };
    match (err.kind, err.origin) {
        (Kind::IntegrationTimeout, _) => t.error("Execution failed due to a timeout error"),
        (_, Origin::Internal) => t.error(format!(
            "Execution failed due to configuration error: {detail}"
        )),
        (_, Origin::Integration) => t.error(format!("Execution failed: {detail}")),
        (_, Origin::Client) => t.info(format!("{}: {detail}", err.kind.name())),
    }
    let status = out.status.as_u16();
    if t.test {
        t.info(format!("Method completed with status: {status}"));
        return;
    }
    let line = format!(
        "Gateway response type: {} with status code: {status}",
        err.kind.name()
    );
    if status >= 500 {
        t.error(line);
    } else {
        t.info(line);
    }
    t.data(|| format!("Gateway response body: {}", exec_log::body(&out.body)));
    t.data(|| format!("Gateway response headers: {}", headers_map(&out.headers)));
    t.info(format!("Method completed with status: {status}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeededRandom;
    use crate::context::Trace;

    fn stamp(trace: Option<Trace>) -> Stamp {
        let rng = SeededRandom::new(7);
        Stamp {
            raw: None,
            request_id: ids::request_id(&rng),
            apigw_id: ids::apigw_id(&rng),
            trace,
        }
    }

    /// The lines HTTP/1.1 writes equal what the header map would carry, and the names the
    /// stamp sets are exactly those (the trace id only when there is one).
    #[test]
    fn stamp_lines_match_the_map() {
        for trace in [None, Some(Trace::Given("Root=1-abc".into()))] {
            let has_trace = trace.is_some();
            let s = stamp(trace);
            let mut lines = Vec::new();
            s.write_h1(&mut lines);
            for name in ["x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id"] {
                let expected = name != "x-amzn-trace-id" || has_trace;
                assert_eq!(
                    s.sets(&http::HeaderName::from_static(name)),
                    expected,
                    "{name}"
                );
            }
            for other in [
                "content-type",
                "x-amzn-remapped-x-amzn-requestid",
                "x-amz-apigw-ix",
            ] {
                assert!(!s.sets(&http::HeaderName::from_static(other)), "{other}");
            }
            let mut map = http::HeaderMap::new();
            map.insert("x-amzn-requestid", HeaderValue::from_static("replaced"));
            s.apply(&mut map);
            let mut from_map = Vec::new();
            for (n, v) in &map {
                crate::header_case::write_name(&mut from_map, n.as_str().as_bytes(), None);
                from_map.extend_from_slice(b": ");
                from_map.extend_from_slice(v.as_bytes());
                from_map.extend_from_slice(b"\r\n");
            }
            assert_eq!(
                String::from_utf8(lines).unwrap(),
                String::from_utf8(from_map).unwrap()
            );
        }
    }
}
