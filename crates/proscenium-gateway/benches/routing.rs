//! Route lookup and deployment compilation, with criterion (issue 7's micro-benchmarks):
//! - `lookup/1` and `lookup/10000`: the router of a compiled deployment with one resource, and
//!   with 10 000 (`/r{i}/s{j}`, 100 × 100, a MOCK GET on every leaf), looking up one leaf (and a
//!   path that binds a parameter). The claim: 10 000 resources route as fast as 1.
//! - `compile/1000x3`: compiling a snapshot of 1 000 resources with GET, POST and DELETE each
//!   (route trie, templates, response selection) — the work a deployment costs the data plane.
//!
//! `cargo bench -p proscenium-gateway --bench routing`

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use proscenium_gateway::compile::compile_deployment;
use proscenium_model::{ApiDefinition, DeploymentSnapshot, Method};

fn method(verb: &str) -> Method {
    let mut m: Method = serde_json::from_value(serde_json::json!({
        "httpMethod": verb, "authorizationType": "NONE", "apiKeyRequired": false,
    }))
    .expect("method");
    m.method_integration = Some(common::mock_integration());
    m
}

/// `groups × per_group` leaves `/r{i}/s{j}` (plus `/r{i}/{id}` on the first group), each with
/// the given methods.
fn api(groups: usize, per_group: usize, verbs: &[&str]) -> ApiDefinition {
    let mut def = common::definition("bench");
    for i in 0..groups {
        let parent = format!("r{i}");
        def.create_resource(parent.clone(), "root", &parent)
            .expect("resource");
        for j in 0..per_group {
            let id = format!("r{i}s{j}");
            def.create_resource(id.clone(), &parent, &format!("s{j}"))
                .expect("leaf");
            let r = def.resource_mut(&id).expect("leaf");
            for v in verbs {
                r.resource_methods.insert((*v).into(), method(v));
            }
        }
    }
    def.create_resource("param".into(), "r0", "{id}")
        .expect("param");
    def.resource_mut("param")
        .expect("param")
        .resource_methods
        .insert("GET".into(), method("GET"));
    def
}

fn snapshot(def: ApiDefinition) -> DeploymentSnapshot {
    proscenium_model::snapshot::build("d1", &def).expect("deployable")
}

fn lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("lookup");
    for (name, groups, per_group) in [("1", 1, 1), ("10000", 100, 100)] {
        let compiled = compile_deployment("bench", &snapshot(api(groups, per_group, &["GET"])));
        let leaf = format!("/r{}/s{}", groups - 1, per_group - 1);
        assert!(compiled.router.lookup("GET", &leaf).is_some(), "{leaf}");
        assert!(compiled.router.lookup("GET", "/r0/abc%20d").is_some());
        group.bench_function(format!("{name}/leaf"), |b| {
            b.iter(|| black_box(compiled.router.lookup("GET", black_box(&leaf)).is_some()))
        });
        group.bench_function(format!("{name}/param"), |b| {
            b.iter(|| {
                black_box(
                    compiled
                        .router
                        .lookup("GET", black_box("/r0/abc%20d"))
                        .is_some(),
                )
            })
        });
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let snap = snapshot(api(10, 100, &["GET", "POST", "DELETE"]));
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.bench_function("1000x3", |b| {
        b.iter(|| {
            black_box(
                compile_deployment("bench", black_box(&snap))
                    .method_list
                    .len(),
            )
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = lookup, compile
}
criterion_main!(benches);
