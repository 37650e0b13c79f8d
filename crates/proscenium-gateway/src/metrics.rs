//! CloudWatch's API Gateway metrics as Prometheus series: requests, 4xx and 5xx errors,
//! cache hits and misses, latency and integration latency histograms.
//!
//! Series are registered when a stage is compiled (one per stage side, plus one per method
//! whose setting has `metricsEnabled`, CloudWatch's detailed metrics) and kept across
//! recompiles by their labels, so the request path only does atomic adds. The deployment that
//! serves a side is part of the labels (`deployment_id`): a redeploy starts new series and the
//! counts stay with the deployment that served them (the registry keeps the series of a
//! stage's previous deployments, see `registry.rs`).
//!
//! Each series also keeps its last hour minute by minute (`history.rs`), in a ring allocated
//! on the series' first request, so an idle series costs one pointer.
//!
//! Must not: allocate or lock per request (the ring's one allocation aside).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::history::Ring;

/// Histogram bucket bounds, in seconds.
const BOUNDS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// The same bounds in nanoseconds (compared on the request path).
const BOUNDS_NANOS: [u64; 12] = [
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
    30_000_000_000,
];

/// What identifies a series.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Labels {
    pub api_id: String,
    pub api_name: String,
    pub stage: String,
    pub canary: bool,
    /// The deployment serving this side of the stage.
    pub deployment_id: String,
    /// `(resource path, method)` for detailed metrics.
    pub method: Option<(String, String)>,
}

/// Two atomic adds per observation: the bucket (the last one is `+Inf`) and the sum; the
/// count is the sum of the buckets.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BOUNDS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, nanos: u64) {
        let i = BOUNDS_NANOS.partition_point(|b| *b < nanos);
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (i, bound) in BOUNDS.iter().enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
        }
        let count = cumulative + self.buckets[BOUNDS.len()].load(Ordering::Relaxed);
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

/// One series' counters.
#[derive(Debug)]
pub struct Series {
    pub labels: Labels,
    rendered_labels: String,
    pub errors_4xx: AtomicU64,
    pub errors_5xx: AtomicU64,
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
    pub latency: Histogram,
    pub integration_latency: Histogram,
    /// The last hour, per minute; allocated by the first request.
    history: OnceLock<Box<Ring>>,
}

impl Series {
    pub fn new(labels: Labels) -> Series {
        let rendered_labels = render_labels(&labels);
        Series {
            labels,
            rendered_labels,
            errors_4xx: AtomicU64::new(0),
            errors_5xx: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
            latency: Histogram::default(),
            integration_latency: Histogram::default(),
            history: OnceLock::new(),
        }
    }

    /// Counts one finished request that ended in `minute` (epoch minutes,
    /// [`crate::history::end_minute`]). The request count is the latency histogram's count.
    pub fn record(&self, status: u16, latency_nanos: u64, minute: u64) {
        match status {
            400..=499 => self.errors_4xx.fetch_add(1, Ordering::Relaxed),
            500..=599 => self.errors_5xx.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
        self.latency.observe(latency_nanos);
        self.history
            .get_or_init(Box::default)
            .record(minute, status, latency_nanos);
    }

    /// The last hour per minute; None before the first request.
    pub fn history(&self) -> Option<&Ring> {
        self.history.get().map(|b| &**b)
    }
}

fn render_labels(l: &Labels) -> String {
    let mut s = format!(
        "api_id=\"{}\",api_name=\"{}\",stage=\"{}\",canary=\"{}\",deployment_id=\"{}\"",
        escape(&l.api_id),
        escape(&l.api_name),
        escape(&l.stage),
        l.canary,
        escape(&l.deployment_id)
    );
    if let Some((resource, method)) = &l.method {
        let _ = write!(
            s,
            ",resource=\"{}\",method=\"{}\"",
            escape(resource),
            escape(method)
        );
    }
    s
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

type Counter = fn(&Series) -> u64;
type HistogramOf = fn(&Series) -> &Histogram;

const COUNTERS: [(&str, &str, Counter); 5] = [
    (
        "proscenium_requests_total",
        "API calls (CloudWatch Count).",
        |s| s.latency.count(),
    ),
    (
        "proscenium_4xx_errors_total",
        "Client-side errors (CloudWatch 4XXError).",
        |s| s.errors_4xx.load(Ordering::Relaxed),
    ),
    (
        "proscenium_5xx_errors_total",
        "Server-side errors (CloudWatch 5XXError).",
        |s| s.errors_5xx.load(Ordering::Relaxed),
    ),
    (
        "proscenium_cache_hits_total",
        "Requests served from the stage cache (CacheHitCount).",
        |s| s.cache_hits.load(Ordering::Relaxed),
    ),
    (
        "proscenium_cache_misses_total",
        "Cacheable requests served by the backend (CacheMissCount).",
        |s| s.cache_misses.load(Ordering::Relaxed),
    ),
];

/// Renders `series` as Prometheus text.
pub fn render(series: &[Arc<Series>]) -> String {
    let mut out = String::new();
    for (name, help, counter) in COUNTERS {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for s in series {
            let v = counter(s);
            let _ = writeln!(out, "{name}{{{}}} {v}", s.rendered_labels);
        }
    }
    let histograms: [(&str, &str, HistogramOf); 2] = [
        (
            "proscenium_latency_seconds",
            "Time from request to response (CloudWatch Latency).",
            |s| &s.latency,
        ),
        (
            "proscenium_integration_latency_seconds",
            "Time spent in the integration (CloudWatch IntegrationLatency).",
            |s| &s.integration_latency,
        ),
    ];
    for (name, help, h) in histograms {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for s in series {
            h(s).render(&mut out, name, &s.rendered_labels);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let s = Arc::new(Series::new(Labels {
            api_id: "a1".into(),
            api_name: "my \"api\"".into(),
            stage: "dev".into(),
            canary: false,
            deployment_id: "d1".into(),
            method: Some(("/pets".into(), "GET".into())),
        }));
        s.record(200, 3_000_000, 1);
        s.record(404, 20_000_000, 1);
        s.record(502, 2_000_000_000, 2);
        s.integration_latency.observe(1_000_000);
        let text = render(&[s]);
        let labels = "api_id=\"a1\",api_name=\"my \\\"api\\\"\",stage=\"dev\",canary=\"false\",deployment_id=\"d1\",resource=\"/pets\",method=\"GET\"";
        assert!(
            text.contains(&format!("proscenium_requests_total{{{labels}}} 3")),
            "{text}"
        );
        assert!(text.contains(&format!("proscenium_4xx_errors_total{{{labels}}} 1")));
        assert!(text.contains(&format!("proscenium_5xx_errors_total{{{labels}}} 1")));
        assert!(text.contains(&format!(
            "proscenium_latency_seconds_bucket{{{labels},le=\"0.005\"}} 1"
        )));
        assert!(text.contains(&format!(
            "proscenium_latency_seconds_bucket{{{labels},le=\"0.025\"}} 2"
        )));
        assert!(text.contains(&format!("proscenium_latency_seconds_count{{{labels}}} 3")));
        assert!(text.contains(&format!(
            "proscenium_integration_latency_seconds_count{{{labels}}} 1"
        )));
        assert!(text.contains("# TYPE proscenium_latency_seconds histogram"));
    }
}
