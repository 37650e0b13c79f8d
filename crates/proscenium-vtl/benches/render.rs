//! Criterion benchmark: a typical integration-response template over a ~1 KB
//! JSON body with a 10-item `#foreach` over `$input.path(...)`. Target: ≤ 10 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use proscenium_vtl::{Limits, RenderInput, parse};

const TEMPLATE: &str = r##"#set($inputRoot = $input.path('$'))
{
  "requestId": "$context.requestId",
  "count": $inputRoot.items.size(),
  "items": [
#foreach($item in $inputRoot.items)
    {
      "id": "$item.id",
      "name": "$util.escapeJavaScript($item.name)",
      "price": $item.price,
      "inStock": $item.inStock#if($item.tags.size() > 0),
      "firstTag": "$item.tags[0]"#end

    }#if($foreach.hasNext),#end

#end
  ]
}
"##;

fn body() -> String {
    let items: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"id":"item-{i:03}","name":"Widget {i} \"deluxe\"","price":{}.5,"inStock":{},"tags":["t{i}","x"]}}"#,
                i * 3,
                i % 2 == 0
            )
        })
        .collect();
    format!(r#"{{"page":1,"items":[{}]}}"#, items.join(","))
}

fn bench_render(c: &mut Criterion) {
    let template = parse(TEMPLATE).expect("template parses");
    let input = RenderInput {
        body: body(),
        context: serde_json::json!({"requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "stage": "prod"}),
        ..RenderInput::default()
    };
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
