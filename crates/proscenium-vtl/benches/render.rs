//! Criterion benchmark: a typical integration-response template over a ~1 KB
//! JSON body with a 10-item `#foreach` over `$input.path(...)`. Target: ≤ 10 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use proscenium_vtl::{Limits, parse};

#[path = "support/fixture.rs"]
mod fixture;
use fixture::{TEMPLATE, bench_input};

fn bench_render(c: &mut Criterion) {
    let template = parse(TEMPLATE).expect("template parses");
    let input = bench_input();
    let limits = Limits::default();
    assert!(input.body.len() > 900, "body is about 1 KB");
    c.bench_function("render_1kb_foreach10", |b| {
        b.iter(|| {
            template
                .render(black_box(&input), &limits)
                .expect("renders")
        })
    });
    c.bench_function("parse_template", |b| {
        b.iter(|| parse(black_box(TEMPLATE)).expect("parses"))
    });
    // Calibration: parsing the same body with serde_json alone. The render
    // must parse the body too, so compare the two on the machine at hand.
    c.bench_function("baseline_serde_json_parse_body", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(&input.body)).expect("json"))
    });
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
