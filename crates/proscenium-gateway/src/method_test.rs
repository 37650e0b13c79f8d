//! TestInvokeMethod: one method of the API's current (undeployed) definition, compiled as a
//! deployment would be (in memory, never registered or stored) and run through the
//! pipeline's own phases — request validation, the integration, the integration response —
//! with the given path, headers, body, stage variables and client certificate.
//!
//! As AWS does, the test skips authorization, API keys, throttling and the cache, and answers
//! with the execution log AWS prints for a test (every line, headers and bodies included,
//! stamped in Java's `Date` format, without the gateway-response lines).
//!
//! Must not: write to the store, touch the served stages' metrics or logs.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use proscenium_model::snapshot::SNAPSHOT_FORMAT;
use proscenium_model::{ApiDefinition, DeploymentSnapshot, Scope};

use crate::Shared;
use crate::compile::{ClientIdentity, CompiledMethod, CompiledStage, compile_deployment_in};
use crate::context::{Matched, civil_from_days};
use crate::exec_log::ExecTrace;
use crate::metrics::{Labels, Series};
use crate::router::{Entry, Router};
use crate::settings::{LogLevel, MethodSettings, StageSettings};
use crate::target::{InvokeTarget, UrlStyle};
use crate::throttle::{Bucket, Limits};
use crate::{integration, phases, pipeline};

/// The stage name a test runs in (`$context.stage`), as AWS names it.
pub const TEST_STAGE: &str = "test-invoke-stage";
/// `$context.domainName` of a test, as AWS sets it.
pub const TEST_DOMAIN: &str = "testPrefix.testDomainName";

/// A TestInvokeMethod request.
pub struct MethodTestRequest<'a> {
    pub scope: &'a Scope,
    pub api_id: &'a str,
    pub definition: &'a ApiDefinition,
    pub resource_id: &'a str,
    pub http_method: &'a str,
    /// `pathWithQueryString`; the resource's path when the caller gave none.
    pub path_with_query: Option<&'a str>,
    /// `headers` and `multiValueHeaders`, in order.
    pub headers: &'a [(String, String)],
    pub body: &'a str,
    pub stage_variables: &'a BTreeMap<String, String>,
    /// `clientCertificateId`, resolved (presented to HTTPS backends).
    pub client_identity: Option<ClientIdentity>,
}

/// What the test answered.
#[derive(Debug)]
pub struct MethodTest {
    pub status: u16,
    pub body: String,
    /// Response headers in order, names as AWS prints them.
    pub headers: Vec<(String, String)>,
    pub log: String,
    pub latency_ms: u64,
}

/// Why a test could not run at all (the control plane answers BadRequestException).
#[derive(Debug, PartialEq, Eq)]
pub enum TestError {
    /// The resource has no such method.
    UnknownMethod,
    /// The request could not be built (bad path, header name or value).
    BadRequest(String),
}

/// Runs the test.
pub async fn run(shared: &Shared, req: MethodTestRequest<'_>) -> Result<MethodTest, TestError> {
    let snapshot = DeploymentSnapshot {
        format: SNAPSHOT_FORMAT,
        deployment_id: "test-invoke".into(),
        definition: req.definition.clone(),
    };
    let dep = Arc::new(compile_deployment_in(req.scope, req.api_id, &snapshot));
    let wanted = req.http_method.to_ascii_uppercase();
    let method: Arc<CompiledMethod> = dep
        .method_list
        .iter()
        .find(|m| m.resource_id == req.resource_id && m.http_method == wanted)
        .cloned()
        .ok_or(TestError::UnknownMethod)?;
    let path_with_query = req
        .path_with_query
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.starts_with('/') {
                p.to_string()
            } else {
                format!("/{p}")
            }
        })
        .unwrap_or_else(|| method.resource_path.clone());
    let (path, _) = path_with_query
        .split_once('?')
        .unwrap_or((&path_with_query, ""));
    let path = path.to_string();

    let request_method = if wanted == "ANY" { "GET" } else { &wanted };
    let mut builder = http::Request::builder()
        .method(request_method)
        .uri(&path_with_query);
    // The headers as a request head (`Name: value` lines) whose slices are the values: the
    // pipeline then sees the names as the caller wrote them, as for a real HTTP/1.1 request.
    let mut head = Vec::new();
    let mut spans = Vec::with_capacity(req.headers.len());
    for (name, value) in req.headers {
        let n = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| TestError::BadRequest(format!("Invalid header name: {name}")))?;
        http::HeaderValue::from_str(value)
            .map_err(|_| TestError::BadRequest(format!("Invalid value for header {name}")))?;
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        spans.push((n, head.len(), head.len() + value.len()));
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    let head = Bytes::from(head);
    for (n, start, end) in spans {
        let v = http::HeaderValue::from_maybe_shared(head.slice(start..end))
            .map_err(|_| TestError::BadRequest(format!("Invalid value for header {n}")))?;
        builder = builder.header(n, v);
    }
    let request = builder.body(()).map_err(|_| {
        TestError::BadRequest(format!("Invalid pathWithQueryString: {path_with_query}"))
    })?;
    let (parts, ()) = request.into_parts();

    let target = InvokeTarget::new(
        req.api_id,
        TEST_STAGE,
        &path,
        &format!("/{TEST_STAGE}{path}"),
        TEST_DOMAIN,
        UrlStyle::Host,
    );
    let stage = Arc::new(test_stage(
        req.scope,
        req.api_id,
        dep.clone(),
        req.stage_variables,
        req.client_identity,
    ));
    let remote = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let mut ctx = pipeline::begin(shared, parts, target, remote);
    ctx.raw_head = Some(head);
    ctx.body = Bytes::copy_from_slice(req.body.as_bytes());
    ctx.stage = Some(stage);
    let params = path_params(&method, &path);
    let matched = Matched {
        method: method.clone(),
        params,
    };
    let mut trace = ExecTrace::for_test();
    phases::log_method_request(&mut trace, &ctx, &matched);
    ctx.matched = Some(matched);
    ctx.exec = Some(Box::new(trace));

    let result = match pipeline::validate(&ctx) {
        Ok(()) => {
            ctx.integration_start_nanos = shared.config.clock.monotonic_nanos();
            integration::invoke(shared, &mut ctx).await
        }
        Err(e) => Err(e),
    };
    let (resp, raw) = match result {
        Ok(resp) => pipeline::finish(&mut ctx, resp),
        Err(err) => (pipeline::fail(&mut ctx, &err), None),
    };
    let (parts, body) = resp.into_parts();
    let mut headers = parts.headers;
    if let Some(raw) = raw {
        raw.append_to(&mut headers);
    }
    if ctx.called_backend {
        ctx.trace();
        if let Some(t) = ctx.trace.get()
            && let Ok(v) = http::HeaderValue::from_str(t.as_str())
        {
            headers.insert("x-amzn-trace-id", v);
        }
    }
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let latency_ms = shared
        .config
        .clock
        .monotonic_nanos()
        .saturating_sub(ctx.start_nanos)
        / 1_000_000;
    let lines = ctx.exec.as_deref().map(ExecTrace::lines).unwrap_or(&[]);
    Ok(MethodTest {
        status: parts.status.as_u16(),
        body: String::from_utf8_lossy(&body).into_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    aws_case(n.as_str()),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        log: render_log(&ctx.request_id, lines, ctx.now),
        latency_ms,
    })
}

/// The stage a test runs in: the given variables and certificate, everything logged,
/// nothing throttled, cached or counted where the served stages are.
fn test_stage(
    scope: &Scope,
    api_id: &str,
    dep: Arc<crate::compile::CompiledDeployment>,
    variables: &BTreeMap<String, String>,
    client_identity: Option<ClientIdentity>,
) -> CompiledStage {
    let series = Arc::new(Series::new(Labels {
        api_id: api_id.to_string(),
        api_name: dep.api_name.clone(),
        stage: TEST_STAGE.into(),
        canary: false,
        deployment_id: dep.deployment_id.clone(),
        method: None,
    }));
    let logged = || MethodSettings {
        throttle: None,
        series: series.clone(),
        cache: None,
        log_level: LogLevel::Info,
        data_trace: true,
    };
    let settings = StageSettings {
        account: Arc::new(Bucket::new(Limits::DEFAULT)),
        methods: dep.methods().map(|_| logged()).collect(),
        fallback: logged(),
        cache: None,
        access_log: None,
        exec_log: None,
        tracing: false,
        is_canary: false,
    };
    CompiledStage {
        scope: scope.clone(),
        api_id: api_id.to_string(),
        stage_name: TEST_STAGE.into(),
        deployment: dep,
        variables: Arc::new(variables.clone()),
        canary: None,
        is_canary: false,
        settings: Arc::new(settings),
        client_identity: client_identity.map(Arc::new),
        authorizer_generation: 0,
        auth_key_prefix: Arc::from(""),
    }
}

/// The path parameters `path` binds in the method's resource path (none when it does not
/// match: AWS runs the method anyway).
fn path_params(method: &CompiledMethod, path: &str) -> Vec<crate::router::PathParam> {
    let mut router: Router<()> = Router::new();
    let mut methods = crate::router::Map::default();
    methods.insert(method.http_method.clone(), ());
    let entry = Entry {
        resource_id: method.resource_id.clone(),
        resource_path: method.resource_path.clone(),
        methods,
    };
    if router.insert(entry).is_err() {
        return Vec::new();
    }
    router
        .lookup(&method.http_method, path)
        .map(|m| m.params)
        .unwrap_or_default()
}

/// AWS's test log: a title line, then each line stamped as Java prints a `Date`.
fn render_log(request_id: &str, lines: &[String], at: std::time::SystemTime) -> String {
    let stamp = java_date(at);
    let mut out = format!("Execution log for request {request_id}\n");
    for l in lines {
        out.push_str(&stamp);
        out.push_str(" : ");
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// `Sat Dec 05 23:50:00 UTC 2026`.
pub fn java_date(at: std::time::SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    let rem = secs % 86_400;
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {y}",
        DAYS[(days % 7) as usize],
        MONTHS[(m as usize).clamp(1, 12) - 1],
        d,
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// A header name as AWS prints it: `Content-Type`, `X-Amzn-Trace-Id`, `x-amzn-ErrorType`.
pub fn aws_case(name: &str) -> String {
    match name {
        "x-amzn-errortype" => return "x-amzn-ErrorType".into(),
        "x-amzn-requestid" => return "x-amzn-RequestId".into(),
        _ => {}
    }
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn java_dates() {
        assert_eq!(java_date(UNIX_EPOCH), "Thu Jan 01 00:00:00 UTC 1970");
        let at = UNIX_EPOCH + Duration::from_secs(1_796_514_600);
        assert_eq!(java_date(at), "Sat Dec 05 23:50:00 UTC 2026");
    }

    #[test]
    fn header_names_in_aws_case() {
        assert_eq!(aws_case("content-type"), "Content-Type");
        assert_eq!(aws_case("x-amzn-trace-id"), "X-Amzn-Trace-Id");
        assert_eq!(aws_case("x-amzn-errortype"), "x-amzn-ErrorType");
    }

    #[test]
    fn log_text_has_aws_shape() {
        let log = render_log(
            "rid",
            &["Starting execution for request: rid".into()],
            UNIX_EPOCH,
        );
        assert_eq!(
            log,
            "Execution log for request rid\nThu Jan 01 00:00:00 UTC 1970 : Starting execution for request: rid\n"
        );
    }
}
