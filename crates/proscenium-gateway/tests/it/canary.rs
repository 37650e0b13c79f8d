//! Canary releases: percentTraffic with seeded randomness, variable overrides, metrics split
//! by `canary`, and the canary's own cache unless `useStageCache`.

use std::sync::Arc;

use proscenium_gateway::{GatewayConfig, SeededRandom};
use proscenium_model::{CanarySettings, MethodSetting};
use proscenium_store::Store;

use crate::support::*;

async fn canary_env(percent: f64, use_stage_cache: bool) -> Env {
    let env = Env::start(GatewayConfig {
        random: Arc::new(SeededRandom::new(42)),
        ..Default::default()
    })
    .await;
    let mut def = api("can");
    add_method(
        &mut def,
        "/v",
        "GET",
        mock(200, "{\"v\": \"$stageVariables.side\"}"),
    );
    add_method(
        &mut def,
        "/which",
        "GET",
        mock(200, "$context.isCanaryRequest"),
    );
    env.deploy(&def, "base", stage("prod", "base")).await;
    add_method(&mut def, "/new", "GET", mock(200, "{}"));
    let mut st = stage("prod", "base");
    st.variables.insert("side".into(), "base".into());
    st.canary_settings = Some(CanarySettings {
        percent_traffic: percent,
        deployment_id: Some("canary".into()),
        stage_variable_overrides: [("side".to_string(), "canary".to_string())].into(),
        use_stage_cache,
    });
    // Deploy the second version without moving the stage, then point the canary at it.
    env.put_api(&def).await;
    let snapshot = proscenium_model::snapshot::build("canary", &def).unwrap();
    let dep = proscenium_model::Deployment {
        id: "canary".into(),
        description: None,
        created_date: 0.0,
        api_summary: Default::default(),
    };
    env.store
        .create_deployment(&scope(), "can", &dep, &snapshot, None)
        .await
        .unwrap();
    env.put_stage("can", st).await;
    env
}

#[tokio::test]
async fn thirty_percent_of_a_thousand_requests_go_to_the_canary() {
    let env = canary_env(30.0, true).await;
    let mut canary = 0;
    for _ in 0..1000 {
        let r = env.call("GET", "can", "/prod/v", &[], "").await;
        assert_eq!(r.status, 200);
        match r.body.as_str() {
            "{\"v\": \"canary\"}" => canary += 1,
            "{\"v\": \"base\"}" => {}
            other => panic!("{other}"),
        }
    }
    assert!((260..=340).contains(&canary), "{canary}");
    let m = env.gateway.render_metrics();
    let base = format!(
        "proscenium_requests_total{{api_id=\"can\",api_name=\"can\",stage=\"prod\",canary=\"false\",deployment_id=\"base\"}} {}",
        1000 - canary
    );
    let can = format!(
        "proscenium_requests_total{{api_id=\"can\",api_name=\"can\",stage=\"prod\",canary=\"true\",deployment_id=\"canary\"}} {canary}"
    );
    assert!(m.contains(&base) && m.contains(&can), "{m}");
}

#[tokio::test]
async fn promotion_moves_all_traffic() {
    let env = canary_env(100.0, true).await;
    let r = env.call("GET", "can", "/prod/new", &[], "").await;
    assert_eq!(r.status, 200, "the canary deployment serves the new route");
    let mut st = stage("prod", "canary");
    st.variables.insert("side".into(), "canary".into());
    st.canary_settings = Some(CanarySettings {
        percent_traffic: 0.0,
        deployment_id: Some("canary".into()),
        ..Default::default()
    });
    env.put_stage("can", st).await;
    for _ in 0..20 {
        let r = env.call("GET", "can", "/prod/v", &[], "").await;
        assert_eq!(r.body, "{\"v\": \"canary\"}");
    }
}

#[tokio::test]
async fn the_canary_has_its_own_cache_unless_it_uses_the_stage_cache() {
    for (shared, want) in [(true, true), (false, false)] {
        let env = canary_env(50.0, shared).await;
        let mut st = env
            .store
            .get_stage(&scope(), "can", "prod")
            .await
            .map(|v| v.value)
            .unwrap();
        st.cache_cluster_enabled = true;
        st.method_settings.insert(
            "*/*".into(),
            MethodSetting {
                caching_enabled: true,
                ..Default::default()
            },
        );
        env.put_stage("can", st).await;
        let bodies: std::collections::HashSet<String> = futures_bodies(&env).await;
        // With a shared cache the first answer is served to both sides.
        assert_eq!(bodies.len() == 1, want, "{bodies:?}");
    }
}

async fn futures_bodies(env: &Env) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for _ in 0..40 {
        out.insert(env.call("GET", "can", "/prod/v", &[], "").await.body);
    }
    out
}

/// `$context.isCanaryRequest` in an integration response template: true on the canary side,
/// false on the base (it used to print itself literally).
#[tokio::test]
async fn templates_see_whether_the_request_went_to_the_canary() {
    for (percent, want) in [(100.0, "true"), (0.0, "false")] {
        let env = canary_env(percent, true).await;
        let r = env.call("GET", "can", "/prod/which", &[], "").await;
        assert_eq!((r.status, r.body.as_str()), (200, want), "{percent}%");
    }
}

/// A removed canary's requests stay in the scrapes (they used to vanish with its series): its
/// deployment's series is kept while the stage exists.
#[tokio::test]
async fn a_removed_canarys_counts_stay() {
    let env = canary_env(100.0, true).await;
    for _ in 0..3 {
        assert_eq!(env.call("GET", "can", "/prod/v", &[], "").await.status, 200);
    }
    let canary_line = "proscenium_requests_total{api_id=\"can\",api_name=\"can\",stage=\"prod\",canary=\"true\",deployment_id=\"canary\"} 3";
    let mut st = stage("prod", "base");
    st.variables.insert("side".into(), "base".into());
    env.put_stage("can", st).await;
    let first = env.gateway.render_metrics();
    assert!(first.contains(canary_line), "{first}");
    let second = env.gateway.render_metrics();
    assert!(second.contains(canary_line), "{second}");
    let t = env.gateway.traffic("can", "prod", 15).unwrap();
    assert_eq!(t.canary.total.requests, 3, "{t:?}");
    // Deleting the stage drops them, after one more scrape.
    env.store
        .delete_stage(&scope(), "can", "prod")
        .await
        .unwrap();
    env.gateway.reload().await;
    let third = env.gateway.render_metrics();
    assert!(third.contains(canary_line), "{third}");
    let fourth = env.gateway.render_metrics();
    assert!(!fourth.contains("stage=\"prod\""), "{fourth}");
}
