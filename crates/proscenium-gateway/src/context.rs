//! `RequestCtx`: one invocation's state as it moves through the pipeline, and the
//! `$context` variables it exposes to mappings and templates.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::HeaderMap;
use percent_encoding::percent_decode_str;

use crate::compile::{CompiledMethod, CompiledStage};
use crate::params::Inputs;
use crate::router::PathParam;
use crate::target::InvokeTarget;

/// The method a request was routed to, with the path parameters it bound.
#[derive(Debug, Clone)]
pub struct Matched {
    pub method: Arc<CompiledMethod>,
    pub params: Vec<PathParam>,
}

#[derive(Debug)]
pub struct RequestCtx {
    pub request_id: crate::ids::IdText<36>,
    pub apigw_id: crate::ids::IdText<16>,
    /// The trace id, settled on first use (most answers never show it): set early when a
    /// stage with `tracingEnabled` adopts a W3C `traceparent`.
    pub trace: std::cell::OnceCell<Trace>,
    pub trace_seed: crate::ids::TraceSeed,
    pub now: SystemTime,
    pub method: http::Method,
    /// The request's URI as received (SigV4 verification signs its raw path and query).
    pub uri: http::Uri,
    pub target: InvokeTarget,
    pub headers: HeaderMap,
    /// The head as received over HTTP/1.1 (header names in their original case).
    pub raw_head: Option<bytes::Bytes>,
    pub raw_query: Option<String>,
    /// Decoded query parameters, in request order.
    pub query: Vec<(String, String)>,
    pub remote: SocketAddr,
    pub protocol: &'static str,
    pub body: Bytes,
    /// The gateway's account; [`RequestCtx::account_id`] prefers the stage's.
    pub default_account: Arc<str>,
    /// Set by `resolve_stage` (and possibly swapped for the canary).
    pub stage: Option<Arc<CompiledStage>>,
    /// Set by `route`.
    pub matched: Option<Matched>,
    /// Whether a backend was called (AWS then returns `X-Amzn-Trace-Id`).
    pub called_backend: bool,
    /// Monotonic nanoseconds when the request arrived (latencies, throttling, cache expiry).
    pub start_nanos: u64,
    /// Monotonic nanoseconds when the integration was called (0 for MOCK).
    pub integration_start_nanos: u64,
    /// What happened, for metrics and logs.
    pub outcome: Outcome,
    /// Execution log lines, when the method's `loggingLevel` asks for them.
    pub exec: Option<Box<crate::exec_log::ExecTrace>>,
    /// The span id sent to backends when the stage has `tracingEnabled`.
    pub trace_parent: Option<String>,
    /// Who the access phase let in (None: the method needs no authorization).
    pub auth: Option<Box<crate::auth::AuthContext>>,
    /// The usage plan's bucket the API key phase admitted the request by (for the
    /// cluster-wide check).
    pub plan_bucket: Option<Arc<crate::throttle::Bucket>>,
    /// The certificate the client presented to a custom domain with mutual TLS.
    pub client_cert: Option<Arc<crate::domains::ClientCert>>,
    /// The request arrived over TLS (the server marks it with [`ArrivedOverTls`]).
    pub tls: bool,
}

/// A request extension the server sets on requests that arrived over TLS.
#[derive(Clone, Copy, Debug)]
pub struct ArrivedOverTls;

/// A request's trace id: the client's (or adopted from its `traceparent`), or a new one.
#[derive(Debug)]
pub enum Trace {
    Given(String),
    New(crate::ids::IdText<40>),
}

impl Trace {
    pub fn as_str(&self) -> &str {
        match self {
            Trace::Given(v) => v,
            Trace::New(v) => v,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Trace::Given(v) => v.as_bytes(),
            Trace::New(v) => v.as_bytes(),
        }
    }
}

/// The cache's part in a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CacheUse {
    #[default]
    None,
    Hit,
    /// A cacheable request the backend serves; the response is stored under `key`.
    Miss {
        key: String,
        ttl_secs: u64,
    },
}

/// What a request ended with (filled as the pipeline runs).
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub status: u16,
    pub response_length: usize,
    pub integration_nanos: Option<u64>,
    pub integration_status: Option<u16>,
    /// Gateway response type and `$context.error.message` of a failure.
    pub error: Option<(&'static str, String)>,
    /// `$context.error.validationErrorString` of a failed request validation.
    pub validation_error: Option<String>,
    pub cache: CacheUse,
    /// `Cache-Control: max-age=0` was ignored (no authorization): say so in a header.
    pub cache_warning: bool,
}

impl RequestCtx {
    /// `$context.X` / `context.X` (None: unknown or not applicable).
    pub fn context_var(&self, name: &str) -> Option<String> {
        let stage = self.stage.as_deref();
        let m = self.matched.as_ref();
        Some(match name {
            "requestId" => self.request_id.as_str().to_owned(),
            "extendedRequestId" => self.apigw_id.as_str().to_owned(),
            "apiId" => self.target.api_id().to_string(),
            "stage" => self.target.stage().to_string(),
            "accountId" => self.account_id().to_string(),
            "deploymentId" => stage?.deployment.deployment_id.clone(),
            "httpMethod" => self.method.as_str().to_string(),
            "resourceId" => m?.method.resource_id.clone(),
            "resourcePath" => m?.method.resource_path.clone(),
            "path" => self.target.context_path().to_string(),
            "protocol" => self.protocol.to_string(),
            "domainName" => self.target.domain_name().to_string(),
            "domainPrefix" => self
                .target
                .domain_name()
                .split('.')
                .next()
                .unwrap_or_default()
                .to_string(),
            "requestTime" => request_time(self.now),
            "requestTimeEpoch" => epoch_millis(self.now).to_string(),
            "identity.sourceIp" => self.remote.ip().to_string(),
            "identity.userAgent" => self.header("user-agent")?,
            "xrayTraceId" => self.trace_id().to_string(),
            "isCanaryRequest" => stage?.is_canary.to_string(),
            // The whole `$context.authorizer` group as JSON (templates read it as a map).
            "authorizer" => self.auth.as_ref()?.authorizer_json().to_string(),
            other if other.starts_with("identity.clientCert.") => {
                return self
                    .client_cert
                    .as_ref()?
                    .var(&other["identity.clientCert.".len()..]);
            }
            other if other.starts_with("authorizer.") || other.starts_with("identity.") => {
                return self.auth.as_ref()?.var(other);
            }
            _ => return None,
        })
    }

    /// The trace id: the client's `X-Amzn-Trace-Id` when it carries a root, else a new one.
    pub fn trace_id(&self) -> &str {
        self.trace().as_str()
    }

    /// The trace id, decided on first use.
    pub fn trace(&self) -> &Trace {
        const AMZN_TRACE: http::HeaderName = http::HeaderName::from_static("x-amzn-trace-id");
        self.trace.get_or_init(|| {
            let incoming = self.header_value(&AMZN_TRACE).and_then(|v| v.to_str().ok());
            match crate::ids::incoming_trace_id(incoming) {
                Some(v) => Trace::Given(v.to_string()),
                None => Trace::New(crate::ids::new_trace_id(self.trace_seed)),
            }
        })
    }

    /// The account the API belongs to (the stage's, else the gateway's).
    pub fn account_id(&self) -> &str {
        match self.stage.as_deref() {
            Some(s) if !s.scope.account.is_empty() => &s.scope.account,
            _ => &self.default_account,
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.header_ref(name).map(Cow::into_owned)
    }

    /// A request header's first value: a scan of the few headers most requests carry (no
    /// hashing of the name), the map's index for more.
    pub fn header_value(&self, name: &http::HeaderName) -> Option<&http::HeaderValue> {
        if self.headers.len() <= 8 {
            self.headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v)
        } else {
            self.headers.get(name)
        }
    }

    /// A request header's value as text, borrowed when it is valid UTF-8.
    pub fn header_ref(&self, name: impl http::header::AsHeaderName) -> Option<Cow<'_, str>> {
        self.headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()))
    }

    /// Runs `f` with the mapping inputs of this request (and of the integration response).
    pub fn with_inputs<R>(
        &self,
        response: Option<(&HeaderMap, &[u8])>,
        f: impl FnOnce(&Inputs<'_>) -> R,
    ) -> R {
        let ctx = |n: &str| self.context_var(n);
        let empty = crate::compile::Variables::new();
        let vars = self.stage.as_deref().map_or(&empty, |s| &*s.variables);
        let inputs = Inputs {
            path: self.matched.as_ref().map_or(&[][..], |m| &m.params),
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
            stage_variables: vars,
            context: &ctx,
            response,
            raw_head: self.raw_head.as_deref(),
        };
        f(&inputs)
    }
}

pub fn epoch_millis(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

/// `$context.requestTime`: `21/Nov/2026:06:00:43 +0000`.
pub fn request_time(t: SystemTime) -> String {
    let mut out = Vec::with_capacity(26);
    write_request_time(&mut out, t);
    String::from_utf8(out).unwrap_or_default()
}

/// [`request_time`], appended to `out` (ASCII: digits, letters, `/`, `:`, ` `, `+`; no JSON
/// escape needed).
pub fn write_request_time(out: &mut Vec<u8>, t: SystemTime) {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let two = |n: u64| [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8];
    // Written digit by digit (this is on every Lambda proxy event and `$context.requestTime`).
    out.reserve(26);
    out.extend_from_slice(&two(u64::from(d)));
    out.push(b'/');
    out.extend_from_slice(MONTHS[(m - 1) as usize % 12]);
    out.push(b'/');
    if (0..10_000).contains(&y) {
        let y = y as u64;
        out.extend_from_slice(&two(y / 100));
        out.extend_from_slice(&two(y % 100));
    } else {
        out.extend_from_slice(y.to_string().as_bytes());
    }
    for n in [rem / 3600, (rem / 60) % 60, rem % 60] {
        out.push(b':');
        out.extend_from_slice(&two(n));
    }
    out.extend_from_slice(b" +0000");
}

/// Days since 1970-01-01 → (year, month 1-12, day 1-31), proleptic Gregorian.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Parses a query string as a form (`+` is a space), keeping order and repeats.
pub fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    let Some(raw) = raw else { return Vec::new() };
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_decode_str(&plus).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn request_time_matches_the_formatted_reference_across_four_centuries() {
        let reference = |t: SystemTime| {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
            let (y, m, d) = civil_from_days((secs / 86_400) as i64);
            let rem = secs % 86_400;
            format!(
                "{d:02}/{}/{y}:{:02}:{:02}:{:02} +0000",
                MONTHS[(m - 1) as usize],
                rem / 3600,
                (rem / 60) % 60,
                rem % 60
            )
        };
        // Every ~3.9 days and odd seconds from 1970 to beyond 2370.
        let mut secs = 0u64;
        while secs < 12_700_000_000 {
            let t = UNIX_EPOCH + std::time::Duration::from_secs(secs);
            assert_eq!(request_time(t), reference(t), "{secs}");
            secs += 337_207;
        }
    }

    #[test]
    fn request_time_format() {
        let t = UNIX_EPOCH + Duration::from_secs(1_763_704_843);
        assert_eq!(request_time(t), "21/Nov/2025:06:00:43 +0000");
        assert_eq!(request_time(UNIX_EPOCH), "01/Jan/1970:00:00:00 +0000");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(request_time(leap), "29/Feb/2000:00:00:00 +0000");
    }

    #[test]
    fn query_parsing() {
        let q = parse_query(Some("a=1&b=x+y&c=%2B%40&a=2&flag&&=v"));
        let want: Vec<(String, String)> = [
            ("a", "1"),
            ("b", "x y"),
            ("c", "+@"),
            ("a", "2"),
            ("flag", ""),
            ("", "v"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(q, want);
        assert!(parse_query(None).is_empty());
    }
}
