//! Renders the benchmark template N times (default 1000), for instruction
//! counting: `valgrind --tool=callgrind target/release/examples/profile_render 1000
//! [template | --serde]`.

use std::hint::black_box;

use proscenium_vtl::{Limits, parse};

#[path = "../benches/support/fixture.rs"]
mod fixture;
use fixture::{TEMPLATE, bench_input};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    // An optional second argument replaces the template (to profile parts);
    // `--serde` parses the body with serde_json instead, as a yardstick.
    let src = std::env::args()
        .nth(2)
        .unwrap_or_else(|| TEMPLATE.to_string());
    if src == "--serde" {
        let body = bench_input().body;
        for _ in 0..n {
            let v: serde_json::Value = serde_json::from_str(black_box(&body)).expect("json");
            black_box(v);
        }
        println!("{n} serde_json parses");
        return;
    }
    let template = parse(&src).expect("template parses");
    let input = bench_input();
    let limits = Limits::default();
    let mut total = 0;
    for _ in 0..n {
        let out = template
            .render(black_box(&input), &limits)
            .expect("renders");
        total += out.output.len();
    }
    println!("{n} renders, {total} bytes");
}
