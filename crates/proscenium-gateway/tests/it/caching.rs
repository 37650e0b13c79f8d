//! The stage cache: one backend call per key and TTL, FlushStageCache, `Cache-Control:
//! max-age=0` and its authorization strategies, cache metrics.

use std::sync::Arc;
use std::time::Duration;

use proscenium_gateway::{GatewayConfig, ManualClock};
use proscenium_model::{IntegrationType, MethodSetting};

use crate::support::*;

fn caching(ttl: i64) -> MethodSetting {
    MethodSetting {
        caching_enabled: true,
        cache_ttl_in_seconds: ttl,
        require_authorization_for_cache_control: false,
        ..Default::default()
    }
}

async fn cached_env(settings: MethodSetting) -> (Env, Arc<ManualClock>, SeenLog) {
    let clock = Arc::new(ManualClock::new(1_700_000_000));
    let env = Env::start(GatewayConfig {
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    let (addr, seen) = backend(|s| {
        reply(
            200,
            &[("x-from", "backend")],
            &format!("{{\"n\":\"{}\"}}", s.uri),
        )
    })
    .await;
    let mut def = api("cached");
    let mut i = integration(
        IntegrationType::HttpProxy,
        Some("ANY"),
        Some(&format!("http://{addr}/items")),
    );
    i.cache_key_parameters = vec!["method.request.querystring.q".into()];
    add_method(&mut def, "/items", "GET", i);
    let post = integration(
        IntegrationType::HttpProxy,
        Some("ANY"),
        Some(&format!("http://{addr}/items")),
    );
    add_method(&mut def, "/items", "POST", post);
    let mut st = stage("dev", "d1");
    st.cache_cluster_enabled = true;
    st.cache_cluster_size = Some("0.5".into());
    st.method_settings.insert("*/*".into(), settings);
    env.deploy(&def, "d1", st).await;
    (env, clock, seen)
}

fn calls(seen: &SeenLog) -> usize {
    seen.lock().unwrap().len()
}

#[tokio::test]
async fn a_cached_get_reaches_the_backend_once_per_key_and_ttl() {
    let (env, clock, seen) = cached_env(caching(60)).await;
    for _ in 0..3 {
        let r = env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
        assert_eq!((r.status, r.header("x-from")), (200, Some("backend")));
        r.assert_stamped();
    }
    assert_eq!(calls(&seen), 1);
    env.call("GET", "cached", "/dev/items?q=2", &[], "").await;
    env.call("GET", "cached", "/dev/items?q=2&other=x", &[], "")
        .await;
    assert_eq!(
        calls(&seen),
        2,
        "other query parameters are not part of the key"
    );
    env.call("POST", "cached", "/dev/items?q=1", &[], "").await;
    env.call("POST", "cached", "/dev/items?q=1", &[], "").await;
    assert_eq!(calls(&seen), 4, "only GET is cached by default");

    clock.advance(Duration::from_secs(61));
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    assert_eq!(calls(&seen), 5, "expired after the TTL");
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    assert_eq!(calls(&seen), 5);

    env.gateway.flush_stage_cache("cached", "dev");
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    env.call("GET", "cached", "/dev/items?q=2", &[], "").await;
    assert_eq!(calls(&seen), 7, "FlushStageCache empties the cache");

    // The control plane's flush marker: a bumped generation in the store empties it too.
    use proscenium_store::Store;
    let mut st = env
        .store
        .get_stage(&scope(), "cached", "dev")
        .await
        .unwrap()
        .value;
    st.cache_flush_generation += 1;
    env.put_stage("cached", st.clone()).await;
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    assert_eq!(calls(&seen), 8, "flushed by the generation bump");
    st.description = Some("unrelated".into());
    env.put_stage("cached", st).await;
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    assert_eq!(calls(&seen), 8, "other stage changes keep the cache");

    let m = env.gateway.render_metrics();
    let labels =
        "api_id=\"cached\",api_name=\"cached\",stage=\"dev\",canary=\"false\",deployment_id=\"d1\"";
    assert!(
        m.contains(&format!("proscenium_cache_hits_total{{{labels}}} 5")),
        "{m}"
    );
    assert!(
        m.contains(&format!("proscenium_cache_misses_total{{{labels}}} 6")),
        "{m}"
    );
}

#[tokio::test]
async fn max_age_zero_invalidates_when_no_authorization_is_required() {
    let (env, _clock, seen) = cached_env(caching(300)).await;
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    env.call(
        "GET",
        "cached",
        "/dev/items?q=1",
        &[("cache-control", "max-age=0")],
        "",
    )
    .await;
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    assert_eq!(calls(&seen), 2);
}

#[tokio::test]
async fn unauthorized_invalidation_follows_the_strategy() {
    let mut s = caching(300);
    s.require_authorization_for_cache_control = true;
    s.unauthorized_cache_control_header_strategy = "FAIL_WITH_403".into();
    let (env, _clock, seen) = cached_env(s.clone()).await;
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    let r = env
        .call(
            "GET",
            "cached",
            "/dev/items?q=1",
            &[("cache-control", "max-age=0")],
            "",
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(
        r.body
            .contains("not authorized to perform: execute-api:InvalidateCache"),
        "{}",
        r.body
    );
    assert_eq!(calls(&seen), 1);

    s.unauthorized_cache_control_header_strategy = "SUCCEED_WITH_RESPONSE_HEADER".into();
    let (env, _clock, seen) = cached_env(s.clone()).await;
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    let r = env
        .call(
            "GET",
            "cached",
            "/dev/items?q=1",
            &[("cache-control", "max-age=0")],
            "",
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("warning").is_some());
    assert_eq!(calls(&seen), 1, "served from the cache, not invalidated");

    s.unauthorized_cache_control_header_strategy = "SUCCEED_WITHOUT_RESPONSE_HEADER".into();
    let (env, _clock, seen) = cached_env(s).await;
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    let r = env
        .call(
            "GET",
            "cached",
            "/dev/items?q=1",
            &[("cache-control", "max-age=0")],
            "",
        )
        .await;
    assert_eq!((r.status, r.header("warning")), (200, None));
    assert_eq!(calls(&seen), 1);
}

#[tokio::test]
async fn no_cache_without_a_cluster_or_with_ttl_zero() {
    let (env, _clock, seen) = cached_env(caching(0)).await;
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    env.call("GET", "cached", "/dev/items?q=1", &[], "").await;
    assert_eq!(calls(&seen), 2);
}
