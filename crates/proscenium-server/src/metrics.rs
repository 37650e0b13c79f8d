//! Process-level metrics in Prometheus text: requests per plane and status class. The data
//! plane's per-stage metrics (issue 5) are appended by the gateway when it has them.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    /// Indexed by plane (0 management, 1 invoke) and status class (1xx..5xx → 0..4).
    requests: [[AtomicU64; 5]; 2],
}

#[derive(Clone, Copy)]
pub enum Plane {
    Management = 0,
    Invoke = 1,
}

impl Metrics {
    pub fn record(&self, plane: Plane, status: u16) {
        let class = ((status / 100).clamp(1, 5) - 1) as usize;
        self.requests[plane as usize][class].fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, uptime_seconds: f64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP proscenium_up Whether the gateway is serving.\n# TYPE proscenium_up gauge\nproscenium_up 1"
        );
        let _ = writeln!(
            out,
            "# HELP proscenium_build_info Build information.\n# TYPE proscenium_build_info gauge"
        );
        let _ = writeln!(
            out,
            "proscenium_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(
            out,
            "# HELP proscenium_uptime_seconds Seconds since start.\n# TYPE proscenium_uptime_seconds gauge"
        );
        let _ = writeln!(out, "proscenium_uptime_seconds {uptime_seconds:.3}");
        let _ = writeln!(
            out,
            "# HELP proscenium_http_requests_total Requests answered, by plane and status class."
        );
        let _ = writeln!(out, "# TYPE proscenium_http_requests_total counter");
        for (p, plane) in ["management", "invoke"].iter().enumerate() {
            for (c, class) in ["1xx", "2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
                let n = self.requests[p][c].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "proscenium_http_requests_total{{plane=\"{plane}\",code=\"{class}\"}} {n}"
                );
            }
        }
        let batched = proscenium_uring::stats();
        let _ = writeln!(
            out,
            "# HELP proscenium_backend_batched_sends_total Backend requests queued for a batched write (io_uring).\n# TYPE proscenium_backend_batched_sends_total counter\nproscenium_backend_batched_sends_total {}",
            batched.sends
        );
        let _ = writeln!(
            out,
            "# HELP proscenium_backend_batch_submits_total io_uring_enter calls made to submit queued backend requests.\n# TYPE proscenium_backend_batch_submits_total counter\nproscenium_backend_batch_submits_total {}",
            batched.submits
        );
        out
    }
}
