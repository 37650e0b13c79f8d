//! Fuzz target: parse and render any template against a fuzzed body and
//! parameters, under tight limits; rendering must never panic or hang.
//! Input layout: `template \0 body \0 query-value` (missing parts are empty).
#![no_main]

use libfuzzer_sys::fuzz_target;
use proscenium_vtl::{Limits, Params, RenderInput, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let template = parts.next().unwrap_or("");
    let body = parts.next().unwrap_or("");
    let q = parts.next().unwrap_or("");
    let Ok(t) = parse(template) else { return };
    let input = RenderInput {
        body: body.into(),
        params: Params {
            path: vec![("id".into(), q.into())],
            querystring: vec![("q".into(), q.into())],
            header: vec![("Accept".into(), "application/json".into())],
        },
        context: serde_json::json!({"identity": {"sourceIp": "127.0.0.1"}}),
        context_scalars: vec![
            ("requestId", proscenium_vtl::ContextScalar::Text("r".into())),
            ("requestTimeEpoch", proscenium_vtl::ContextScalar::Number(1_700_000_000_000)),
        ],
        stage_variables: vec![("env".into(), q.into())],
    };
    let limits = Limits {
        max_foreach_iterations: 100,
        max_depth: 16,
        max_output_bytes: 1 << 16,
        max_steps: 20_000,
    };
    let _ = t.render(&input, &limits);
});
