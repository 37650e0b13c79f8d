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
