//! The benchmark's template and body, shared by `benches/render.rs` and
//! `examples/profile_render.rs` (as a `#[path]` module).

/// A typical integration-response template: a 10-item `#foreach` over
/// `$input.path(...)` producing a JSON response.
pub const TEMPLATE: &str = r##"#set($inputRoot = $input.path('$'))
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

/// A ~1 KB JSON body with 10 items.
pub fn body() -> String {
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

/// The render input of the benchmark.
pub fn bench_input() -> proscenium_vtl::RenderInput {
    proscenium_vtl::RenderInput {
        body: body().into(),
        context: serde_json::json!({"requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "stage": "prod"}),
        ..proscenium_vtl::RenderInput::default()
    }
}
