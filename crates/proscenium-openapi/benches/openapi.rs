//! Import of a 1 000-operation OpenAPI document (250 paths × 4 methods, each with
//! parameters, a request model, responses and an HTTP integration) and export of the result.
//! The budget: import ≤ 300 ms, export ≤ 50 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use proscenium_model::{ApiDefinition, RestApi};
use proscenium_openapi::{ExportOptions, ExportType, ImportOptions};
use serde_json::{Value, json};

fn document(paths: usize) -> Vec<u8> {
    let mut p = serde_json::Map::new();
    for i in 0..paths {
        let mut item = serde_json::Map::new();
        for verb in ["get", "post", "put", "delete"] {
            item.insert(
                verb.into(),
                json!({
                    "operationId": format!("{verb}Item{i}"),
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {"name": "X-Trace", "in": "header", "required": true, "schema": {"type": "string"}}
                    ],
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/Item{}", i % 50)}}}},
                    "responses": {
                        "200": {"description": "ok", "headers": {"X-Id": {"schema": {"type": "string"}}},
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item0"}}}},
                        "404": {"description": "missing"}
                    },
                    "x-amazon-apigateway-integration": {
                        "type": "http", "httpMethod": verb.to_uppercase(),
                        "uri": format!("http://backend.internal/items{i}/{{id}}"),
                        "requestParameters": {
                            "integration.request.path.id": "method.request.path.id",
                            "integration.request.querystring.q": "method.request.querystring.q"
                        },
                        "requestTemplates": {"application/json": "{\"body\": $input.json('$')}"},
                        "responses": {
                            "default": {"statusCode": "200", "responseParameters": {"method.response.header.X-Id": "'1'"}},
                            "4\\d{2}": {"statusCode": "404"}
                        }
                    }
                }),
            );
        }
        p.insert(
            format!("/group{}/items{i}/{{id}}", i % 10),
            Value::Object(item),
        );
    }
    let schemas: serde_json::Map<String, Value> = (0..50)
        .map(|i| {
            (
                format!("Item{i}"),
                json!({"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer"}}}),
            )
        })
        .collect();
    serde_json::to_vec(&json!({
        "openapi": "3.0.1",
        "info": {"title": "big", "version": "1"},
        "paths": p,
        "components": {"schemas": schemas}
    }))
    .unwrap_or_default()
}

fn empty() -> ApiDefinition {
    ApiDefinition::new(RestApi::new("benchapi00", "", "benchroot0"))
}

fn import(doc: &[u8]) -> ApiDefinition {
    let mut def = empty();
    let mut n = 1u32;
    let mut next = || {
        n ^= n << 13;
        n ^= n >> 17;
        n ^= n << 5;
        n
    };
    let warnings = proscenium_openapi::import(doc, &mut def, &ImportOptions::default(), &mut next);
    assert!(warnings.is_ok_and(|w| w.is_empty()));
    def
}

fn bench(c: &mut Criterion) {
    let doc = document(250);
    let def = import(&doc);
    let ops: usize = def
        .resources
        .values()
        .map(|r| r.resource_methods.len())
        .sum();
    assert_eq!(ops, 1000);
    c.bench_function("import 1000 operations", |b| b.iter(|| import(&doc)));
    let opts = ExportOptions {
        kind: ExportType::Oas30,
        stage: "prod".into(),
        host: "benchapi00.execute-api.us-east-1.amazonaws.com".into(),
        version_fallback: "1".into(),
        integrations: true,
        authorizers: true,
        documentation: None,
    };
    c.bench_function("export 1000 operations (oas30, integrations, JSON)", |b| {
        b.iter(|| {
            proscenium_openapi::export::render(&proscenium_openapi::export(&def, &opts), false)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
