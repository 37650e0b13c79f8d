//! The invocation pipeline in-process (`Gateway::handle_any` with a `Full` body), with
//! criterion: a MOCK method on a plain stage, the same with stage throttling and detailed
//! metrics, and a cache hit. The budget: throttling and metrics add ≤ 3 % to the
//! MOCK path; a cache hit is served ≥ 0.9 × as fast as MOCK. On a busy machine prefer the
//! `ratios` bench (interleaved, min/median), which prints those ratios directly.
//!
//! `CARGO_TARGET_DIR=/work/target-gw cargo bench -p proscenium-gateway --bench pipeline`

#[path = "common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let remote: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    let mut group = c.benchmark_group("pipeline");
    for (name, api, st) in common::variants() {
        let gw = rt.block_on(common::gateway(api, st));
        assert_eq!(rt.block_on(common::invoke(&gw, api, remote)), 200, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| rt.block_on(common::invoke(&gw, api, remote)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(60);
    targets = bench
}
criterion_main!(benches);
