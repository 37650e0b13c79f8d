//! The PostgreSQL store against a real server: `PROSCENIUM_TEST_POSTGRES` names one (a URL to
//! a database whose user may create databases; scripts/test starts a throwaway server). Each
//! test runs in a fresh database of its own. Without the variable the tests say NOT RUN,
//! except under CI=true, where they fail.

use super::*;

/// A URL to a fresh, empty database, or `None` (not run) outside CI.
async fn fresh_database(name: &str) -> Option<String> {
    let Ok(url) = std::env::var("PROSCENIUM_TEST_POSTGRES") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the PostgreSQL store tests: set PROSCENIUM_TEST_POSTGRES"
        );
        eprintln!("NOT RUN: {name}: set PROSCENIUM_TEST_POSTGRES=postgres://… to run it");
        return None;
    };
    let (config, tls) = parse_url(&url).expect("a valid URL");
    let admin = connect(&config, &tls)
        .await
        .expect("the test server answers");
    let db = format!("proscenium_test_{name}_{}", std::process::id());
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .await
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .await
        .unwrap();
    // Back to a URL: the store opens from one, as the binary does.
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("postgres");
    let pass = config
        .get_password()
        .map(|p| format!(":{}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    Some(format!(
        "postgres://{user}{pass}@{host}:{port}/{db}?sslmode=disable"
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance() {
    let Some(url) = fresh_database("conformance").await else {
        return;
    };
    let store = PostgresStore::open(&url).await.unwrap();
    crate::testsuite::run(&store).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_is_versioned_concurrent_starts_migrate_once_and_newer_is_refused() {
    let Some(url) = fresh_database("schema").await else {
        return;
    };
    let (a, b, c) = tokio::join!(
        PostgresStore::open(&url),
        PostgresStore::open(&url),
        PostgresStore::open(&url)
    );
    let (a, _b, _c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a.schema_version().await.unwrap(), SCHEMA_VERSION);
    a.client()
        .await
        .unwrap()
        .batch_execute("UPDATE proscenium_schema SET version = 999")
        .await
        .unwrap();
    let err = PostgresStore::open(&url).await.err().expect("refused");
    assert!(err.to_string().contains("newer Proscenium"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_node_sees_a_commit_and_a_race_loses_no_update() {
    let Some(url) = fresh_database("feed").await else {
        return;
    };
    let s = Scope::new("000000000000", "us-east-1");
    let one = PostgresStore::open(&url).await.unwrap();
    let two = PostgresStore::open(&url).await.unwrap();
    let mut rx = two.watch();
    rx.borrow_and_update();
    let def = crate::testsuite::api("p1", 1.0);
    let r = one.put_api(&s, &def, None).await.unwrap();
    // Another node's commit moves this node's feed (generous upper bound, not a timing).
    tokio::time::timeout(Duration::from_secs(10), rx.changed())
        .await
        .expect("the feed moved")
        .unwrap();
    assert_eq!(two.get_api(&s, "p1").await.unwrap().revision, r);
    // Both nodes write from the same revision: exactly one wins.
    let mut d1 = def.clone();
    d1.api.name = "one".into();
    let mut d2 = def.clone();
    d2.api.name = "two".into();
    let (x, y) = tokio::join!(one.put_api(&s, &d1, Some(r)), two.put_api(&s, &d2, Some(r)));
    assert!(
        x.is_ok() != y.is_ok(),
        "exactly one write wins: {x:?} {y:?}"
    );
    let name = one.get_api(&s, "p1").await.unwrap().value.api.name.clone();
    assert_eq!(name, if x.is_ok() { "one" } else { "two" });
}

use std::time::Duration;

/// Measures CreateDeployment's store write for 1 000 resources × 3 methods (a figure, not an
/// assertion): `cargo test -p proscenium-store -- --ignored --nocapture measure` (BENCHMARKS.md).
#[tokio::test(flavor = "multi_thread")]
#[ignore]
#[allow(clippy::disallowed_methods)] // a measurement reads the clock
async fn measure_create_deployment_1000_resources_x_3_methods() {
    let Some(url) = fresh_database("measure").await else {
        return;
    };
    let s = Scope::new("000000000000", "us-east-1");
    let mut def = crate::testsuite::api("big", 1.0);
    let root = def.api.root_resource_id.clone();
    let method = def.resources[&root].resource_methods["GET"].clone();
    for i in 0..1000 {
        let id = format!("r{i}");
        let mut methods = std::collections::BTreeMap::new();
        for verb in ["GET", "POST", "PUT"] {
            let mut m = method.clone();
            m.http_method = verb.into();
            methods.insert(verb.to_string(), m);
        }
        def.resources.insert(
            id.clone(),
            proscenium_model::Resource {
                id,
                parent_id: Some(root.clone()),
                path_part: Some(format!("p{i}")),
                path: format!("/p{i}"),
                resource_methods: methods,
            },
        );
    }
    let pg = PostgresStore::open(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lite = crate::SqliteStore::open(&dir.path().join("state.db")).unwrap();
    let stores: [(&str, &dyn Store); 2] = [("postgres", &pg), ("sqlite", &lite)];
    for (name, store) in stores {
        store.put_api(&s, &def, None).await.unwrap();
        for n in 0..5 {
            let id = format!("d{n}");
            let snap = proscenium_model::snapshot::build(&id, &def).unwrap();
            let d = Deployment {
                id: id.clone(),
                description: None,
                created_date: 1.0,
                api_summary: Default::default(),
            };
            let started = std::time::Instant::now();
            let current = store
                .get_stage(&s, "big", "dev")
                .await
                .ok()
                .map(|v| v.revision);
            let w = StageWrite {
                stage: crate::testsuite::stage("dev", &id),
                expected: current,
            };
            store
                .create_deployment(&s, "big", &d, &snap, Some(w))
                .await
                .unwrap();
            eprintln!(
                "{name}: create_deployment of 1000 resources x 3 methods ({} KiB snapshot): {:?}",
                snap.encode().len() / 1024,
                started.elapsed()
            );
        }
    }
}
