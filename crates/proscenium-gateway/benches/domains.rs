//! Custom domain routing, with criterion: the `Host` → mapping lookup a request through a
//! custom domain pays (`DomainTable::target`), and what every other request pays for the
//! feature.
//! - `custom_domain/1x1` and `custom_domain/1000x5`: one domain with one mapping, and 1 000
//!   domains with 5 mappings each, routing a request for the last-created domain's longest base
//!   path. The claim: 1 000 domains × 5 mappings route as fast as 1.
//! - `custom_domain/wildcard_1000x5`: the same table plus wildcard domains, a name only the
//!   wildcard covers (the second lookup).
//! - `no_domain/empty` and `no_domain/1000x5`: an invoke-URL request (`{api}.execute-api…`)
//!   with no custom domain configured (a length check) and with 1 000 (the host's last bytes
//!   compared with the names', no lookup). `DomainTable::target` reads the host name itself;
//!   a served request reads it once in `Gateway::target`, for the invoke URL forms too, so
//!   `1000x5` − `empty` is the feature's cost, not `1000x5` alone.
//!
//! `cargo bench -p proscenium-gateway --bench domains`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use proscenium_gateway::domains::DomainTable;
use proscenium_model::{BasePathMapping, Scope};
use proscenium_store::DomainRecord;

fn record(name: &str, mappings: usize) -> DomainRecord {
    let mut domain = proscenium_store::testsuite::domain(name);
    domain.serving = None;
    DomainRecord {
        scope: Scope::new("000000000000", "us-east-1"),
        domain,
        mappings: (0..mappings)
            .map(|j| BasePathMapping {
                base_path: format!("v{j}"),
                rest_api_id: format!("api{j:07}"),
                stage: Some("prod".into()),
            })
            .collect(),
    }
}

fn table(domains: usize, mappings: usize, wildcards: bool) -> DomainTable {
    let mut records: Vec<DomainRecord> = (0..domains)
        .map(|i| record(&format!("api{i}.example.com"), mappings))
        .collect();
    if wildcards {
        records.extend((0..domains).map(|i| record(&format!("*.t{i}.example.com"), mappings)));
    }
    DomainTable::compile(&records)
}

fn parts(host: &str, path: &str) -> http::request::Parts {
    http::Request::builder()
        .uri(path)
        .header("host", host)
        .header("user-agent", "bench")
        .body(())
        .expect("request")
        .into_parts()
        .0
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("custom_domain");
    g.measurement_time(Duration::from_secs(3));
    let one = table(1, 1, false);
    let req = parts("api0.example.com:4566", "/v0/pets/7");
    assert_eq!(one.target(&req).expect("routed").api_id(), "api0000000");
    g.bench_function("1x1", |b| b.iter(|| black_box(one.target(black_box(&req)))));
    let many = table(1000, 5, false);
    let req = parts("api999.example.com:4566", "/v4/pets/7");
    assert_eq!(many.target(&req).expect("routed").api_id(), "api0000004");
    g.bench_function("1000x5", |b| {
        b.iter(|| black_box(many.target(black_box(&req))))
    });
    let wild = table(1000, 5, true);
    let req = parts("shop.t999.example.com:4566", "/v4/pets/7");
    assert_eq!(wild.target(&req).expect("routed").api_id(), "api0000004");
    g.bench_function("wildcard_1000x5", |b| {
        b.iter(|| black_box(wild.target(black_box(&req))))
    });
    g.finish();

    let mut g = c.benchmark_group("no_domain");
    g.measurement_time(Duration::from_secs(3));
    let empty = DomainTable::default();
    let req = parts("abc1234567.execute-api.localhost:4566", "/prod/pets/7");
    g.bench_function("empty", |b| {
        b.iter(|| black_box(empty.target(black_box(&req))))
    });
    assert!(many.target(&req).is_none());
    g.bench_function("1000x5", |b| {
        b.iter(|| black_box(many.target(black_box(&req))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
