//! The pipeline phases that apply stage settings: tracing set-up, execution log start,
//! throttling, and the cache lookup/store around the integration.
//!
//! Each reads the stage side's compiled `StageSettings` (`settings.rs`); nothing here locks
//! except the cache's shard mutex.

use http::HeaderMap;

use crate::Shared;
use crate::context::{CacheUse, RequestCtx};
use crate::error::{GatewayError, Kind, Origin};
use crate::exec_log::{self, ExecTrace};
use crate::params::Resolve;
use crate::responses::MethodResponse;
use crate::settings::{CacheControlStrategy, LogLevel};
use crate::{cache, trace};

/// `tracingEnabled`: a parent span for the backends, and a client's W3C `traceparent`
/// adopted as the trace id when it sent no `X-Amzn-Trace-Id`.
pub fn start_tracing(shared: &Shared, ctx: &mut RequestCtx) {
    if !ctx.stage.as_ref().is_some_and(|s| s.settings.tracing) {
        return;
    }
    if !ctx.headers.contains_key("x-amzn-trace-id")
        && let Some(root) = ctx
            .headers
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .and_then(trace::root_from_traceparent)
    {
        ctx.trace = std::cell::OnceCell::from(crate::context::Trace::Given(root));
    }
    ctx.trace_parent = Some(trace::span_id(shared.config.random.as_ref()));
}

/// Starts the execution log when the routed method (or `*/*`) has a logging level.
pub fn start_exec_log(ctx: &mut RequestCtx) {
    if ctx
        .stage
        .as_ref()
        .is_none_or(|s| s.settings.exec_log.is_none())
    {
        return;
    }
    let Some(stage) = ctx.stage.clone() else {
        return;
    };
    let m = stage
        .settings
        .method(ctx.matched.as_ref().map(|m| &*m.method));
    if m.log_level == LogLevel::Off {
        return;
    }
    let mut t = ExecTrace::new(m.log_level, m.data_trace, &ctx.request_id, stage.is_canary);
    let (rid, api, st) = (&ctx.request_id, ctx.target.api_id(), ctx.target.stage());
    t.info(format!("Extended Request Id: {}", ctx.apigw_id));
    if let Some(found) = &ctx.matched {
        let m = &found.method;
        t.info(format!(
            "Verifying Usage Plan for request: {rid}. API Key:  API Stage: {api}/{st}"
        ));
        t.info(format!(
            "API Key  authorized because method '{} {}' does not require API Key. Request will not contribute to throttle or quota limits",
            m.http_method, m.resource_path
        ));
        t.info(format!(
            "Usage Plan check succeeded for API Key  and API Stage {api}/{st}"
        ));
        log_method_request(&mut t, ctx, found);
    }
    ctx.exec = Some(Box::new(t));
}

/// The lines that open every execution log of a routed request (and AWS's test log).
pub fn log_method_request(t: &mut ExecTrace, ctx: &RequestCtx, found: &crate::context::Matched) {
    let rid = &ctx.request_id;
    t.info(format!("Starting execution for request: {rid}"));
    t.info(format!(
        "HTTP Method: {}, Resource Path: {}",
        ctx.method,
        ctx.target.path()
    ));
    let params = &found.params;
    t.data(|| {
        let p = exec_log::pairs_map(params.iter().map(|p| (p.name.as_str(), p.value.as_str())));
        format!("Method request path: {p}")
    });
    let query = &ctx.query;
    t.data(|| {
        let q = exec_log::pairs_map(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        format!("Method request query string: {q}")
    });
    let (headers, head) = (&ctx.headers, ctx.raw_head.as_deref());
    t.data(|| {
        format!(
            "Method request headers: {}",
            exec_log::request_headers_map(headers, head)
        )
    });
    let body = &ctx.body;
    t.data(|| {
        format!(
            "Method request body before transformations: {}",
            exec_log::body(body)
        )
    });
}

/// The method's bucket (or the stage default's), then the account's.
pub fn throttle(ctx: &RequestCtx) -> Result<(), GatewayError> {
    let Some(stage) = ctx.stage.as_deref() else {
        return Ok(());
    };
    let s = &stage.settings;
    let m = s.method(ctx.matched.as_ref().map(|m| &*m.method));
    let now = ctx.start_nanos;
    let local_ok = m.throttle.as_ref().is_none_or(|b| b.try_acquire(now));
    if local_ok && s.account.try_acquire(now) {
        Ok(())
    } else {
        Err(GatewayError::new(
            Kind::Throttled,
            Origin::Client,
            "Too Many Requests",
        ))
    }
}

/// A cached response for the request, or records that the response should be stored.
pub fn cache_lookup(ctx: &mut RequestCtx) -> Result<Option<MethodResponse>, GatewayError> {
    if ctx
        .stage
        .as_ref()
        .is_none_or(|s| s.settings.cache.is_none())
    {
        return Ok(None);
    }
    let (Some(stage), Some(method)) = (ctx.stage.clone(), ctx.matched.as_ref()) else {
        return Ok(None);
    };
    let method = method.method.clone();
    let settings = &stage.settings;
    let ms = settings.method(Some(&method));
    let (Some(store), Some(policy)) = (&settings.cache, &ms.cache) else {
        return Ok(None);
    };
    let key = cache_key(ctx);
    if wants_invalidation(&ctx.headers) {
        // No authorizers yet: every caller is unauthorized for invalidation when the method
        // requires authorization for it.
        if policy.require_authorization {
            match policy.strategy {
                CacheControlStrategy::FailWith403 => {
                    let msg = format!(
                        "User: anonymous is not authorized to perform: execute-api:InvalidateCache on resource: arn:aws:execute-api:{}:{}:{}/{}/{}{}",
                        stage.scope.region,
                        ctx.account_id(),
                        ctx.target.api_id(),
                        ctx.target.stage(),
                        method.http_method,
                        method.resource_path
                    );
                    return Err(GatewayError::new(Kind::AccessDenied, Origin::Client, msg));
                }
                CacheControlStrategy::SucceedWithResponseHeader => ctx.outcome.cache_warning = true,
                CacheControlStrategy::SucceedWithoutResponseHeader => {}
            }
        } else {
            store.invalidate(&key);
            ms.series
                .cache_misses
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            ctx.outcome.cache = CacheUse::Miss {
                key,
                ttl_secs: policy.ttl_secs,
            };
            return Ok(None);
        }
    }
    if let Some(hit) = store.get(&key, ctx.start_nanos) {
        ms.series
            .cache_hits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ctx.outcome.cache = CacheUse::Hit;
        exec_log::with(ctx, |t| t.info("Sending cached response"));
        return Ok(Some(MethodResponse {
            status: hit.status,
            headers: hit.headers,
            body: hit.body,
            raw: None,
            names: hit.names,
        }));
    }
    ms.series
        .cache_misses
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ctx.outcome.cache = CacheUse::Miss {
        key,
        ttl_secs: policy.ttl_secs,
    };
    Ok(None)
}

/// Stores a successful response the cache lookup missed.
pub fn cache_store(ctx: &RequestCtx, resp: &MethodResponse, now: u64) {
    let CacheUse::Miss { key, ttl_secs } = &ctx.outcome.cache else {
        return;
    };
    if !resp.status.is_success() || resp.body.len() > cache::MAX_ENTRY_BYTES {
        return;
    }
    if let Some(store) = ctx.stage.as_ref().and_then(|s| s.settings.cache.as_ref()) {
        let mut headers = resp.headers.clone();
        if let Some(raw) = &resp.raw {
            raw.append_to(&mut headers);
        }
        let value = cache::Cached {
            status: resp.status,
            headers,
            body: resp.body.clone(),
            names: resp.names.clone(),
        };
        store.put(key.clone(), value, *ttl_secs, now);
    }
}

/// `Cache-Control: max-age=0` (any spelling AWS accepts: case, spaces, other directives).
fn wants_invalidation(headers: &HeaderMap) -> bool {
    headers
        .get_all(http::header::CACHE_CONTROL)
        .iter()
        .any(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("max-age=0"))
        })
}

/// Method + resource path + namespace + the values of the cache key parameters.
fn cache_key(ctx: &RequestCtx) -> String {
    let Some(found) = &ctx.matched else {
        return String::new();
    };
    let m = &found.method;
    let mut key = format!(
        "{}\u{1}{}\u{1}{}",
        m.http_method, m.resource_path, m.cache_namespace
    );
    if !m.cache_key.is_empty() {
        ctx.with_inputs(None, |inputs| {
            // Values are length-prefixed so that no crafted value can imitate another key.
            for (name, source) in &m.cache_key {
                key.push('\u{1}');
                key.push_str(name);
                for v in source.resolve(inputs) {
                    key.push_str(&format!("\u{2}{}:", v.len()));
                    key.push_str(&v);
                }
            }
        });
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidation_header_forms() {
        let mut h = HeaderMap::new();
        assert!(!wants_invalidation(&h));
        h.insert("cache-control", "no-cache, MAX-AGE=0".parse().unwrap());
        assert!(wants_invalidation(&h));
        h.insert("cache-control", "max-age=10".parse().unwrap());
        assert!(!wants_invalidation(&h));
    }
}
