//! After the response is built: count it in the metrics series, write the access log line
//! and the execution log batch. Never fails and never blocks (the log sink drops when full).

use bytes::Bytes;
use http::Response;
use http_body_util::Full;
use hyper::body::Body;

use crate::Shared;
use crate::context::{CacheUse, RequestCtx};

/// Records a finished request.
pub fn record(shared: &Shared, ctx: &mut RequestCtx, resp: &Response<Full<Bytes>>) {
    if ctx.stage.is_none() {
        return;
    }
    let end = shared.config.clock.monotonic_nanos();
    let latency = end.saturating_sub(ctx.start_nanos);
    ctx.outcome.status = resp.status().as_u16();
    ctx.outcome.response_length = resp.body().size_hint().exact().unwrap_or(0) as usize;
    let ctx: &RequestCtx = ctx;
    let Some(stage) = ctx.stage.as_deref() else {
        return;
    };
    let settings = &stage.settings;
    let m = settings.method(ctx.matched.as_ref().map(|m| &*m.method));
    let minute = crate::history::end_minute(ctx.now, latency);
    m.series.record(ctx.outcome.status, latency, minute);
    if let Some(n) = ctx.outcome.integration_nanos {
        m.series.integration_latency.observe(n);
    }
    let Some(logs) = shared.logs.as_deref() else {
        return;
    };
    if let Some(al) = &settings.access_log {
        let line = al.format.render(|v| access_var(ctx, v, latency));
        logs.send(&al.file, line);
    }
    if let (Some(file), Some(trace)) = (&settings.exec_log, ctx.exec.as_deref())
        && let Some(batch) = trace.render(ctx.now)
    {
        logs.send(file, batch);
    }
}

fn millis(nanos: u64) -> String {
    (nanos / 1_000_000).to_string()
}

/// A `$context` variable as access logs print it (None prints `-`).
pub fn access_var(ctx: &RequestCtx, name: &str, latency_nanos: u64) -> Option<String> {
    let o = &ctx.outcome;
    match name {
        "status" => Some(o.status.to_string()),
        "responseLength" => Some(o.response_length.to_string()),
        "responseLatency" => Some(millis(latency_nanos)),
        "integrationLatency" | "integration.latency" => o.integration_nanos.map(millis),
        "integrationStatus" | "integration.integrationStatus" | "integration.status" => {
            o.integration_status.map(|s| s.to_string())
        }
        "error.message" => o.error.as_ref().map(|(_, m)| m.clone()),
        "error.messageString" => o
            .error
            .as_ref()
            .map(|(_, m)| serde_json::Value::String(m.clone()).to_string()),
        "error.responseType" => o.error.as_ref().map(|(t, _)| t.to_string()),
        "error.validationErrorString" => o.validation_error.clone(),
        "isCanaryRequest" => Some(ctx.stage.as_ref().is_some_and(|s| s.is_canary).to_string()),
        "cacheHit" => Some((o.cache == CacheUse::Hit).to_string()),
        _ => ctx.context_var(name),
    }
}
