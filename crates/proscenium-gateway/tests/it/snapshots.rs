//! The snapshot rules: a deployment is what is served; stages point at deployments; the
//! registry follows the store's change feed; canaries split traffic.

use std::sync::Arc;
use std::time::Duration;

use proscenium_gateway::{GatewayConfig, Random};
use proscenium_model::{CanarySettings, Deployment};
use proscenium_store::Store;

use crate::support::*;

fn hello(body: &str) -> proscenium_model::ApiDefinition {
    let mut def = api("snapapi");
    add_method(&mut def, "/hello", "GET", mock(200, body));
    def
}

/// Stores `def` and deploys it as `id` without touching any stage.
async fn deploy_only(env: &Env, def: &proscenium_model::ApiDefinition, id: &str) {
    env.put_api(def).await;
    let snapshot = proscenium_model::snapshot::build(id, def).unwrap();
    let d = Deployment {
        id: id.into(),
        description: None,
        created_date: 0.0,
        api_summary: Default::default(),
    };
    env.store
        .create_deployment(&scope(), "snapapi", &d, &snapshot, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_edit_without_redeploy_changes_nothing() {
    let env = Env::start(GatewayConfig::default()).await;
    env.deploy(&hello("v1"), "d1", stage("dev", "d1")).await;
    env.put_api(&hello("edited but not deployed")).await;
    env.gateway.reload().await;
    let r = env.call("GET", "snapapi", "/dev/hello", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "v1"));
}

#[tokio::test]
async fn repointing_a_stage_to_an_older_deployment_changes_the_next_response() {
    let env = Env::start(GatewayConfig::default()).await;
    env.deploy(&hello("v1"), "d1", stage("dev", "d1")).await;
    env.deploy(&hello("v2"), "d2", stage("dev", "d2")).await;
    assert_eq!(
        env.call("GET", "snapapi", "/dev/hello", &[], "").await.body,
        "v2"
    );
    env.put_stage("snapapi", stage("dev", "d1")).await;
    assert_eq!(
        env.call("GET", "snapapi", "/dev/hello", &[], "").await.body,
        "v1"
    );
}

#[tokio::test]
async fn two_stages_serve_two_deployments_side_by_side() {
    let env = Env::start(GatewayConfig::default()).await;
    env.deploy(&hello("old"), "d1", stage("prod", "d1")).await;
    env.deploy(&hello("new"), "d2", stage("beta", "d2")).await;
    assert_eq!(
        env.call("GET", "snapapi", "/prod/hello", &[], "")
            .await
            .body,
        "old"
    );
    assert_eq!(
        env.call("GET", "snapapi", "/beta/hello", &[], "")
            .await
            .body,
        "new"
    );
    assert_eq!(env.gateway.stage_count(), 2);
}

#[tokio::test]
async fn the_change_feed_is_followed_without_explicit_reloads() {
    let env = Env::start(GatewayConfig::default()).await;
    env.deploy(&hello("v1"), "d1", stage("dev", "d1")).await;
    deploy_only(&env, &hello("v2"), "d2").await;
    let expected = env
        .store
        .get_stage(&scope(), "snapapi", "dev")
        .await
        .unwrap()
        .revision;
    env.store
        .put_stage(
            &scope(),
            "snapapi",
            proscenium_store::StageWrite {
                stage: stage("dev", "d2"),
                expected: Some(expected),
            },
        )
        .await
        .unwrap();
    for _ in 0..100 {
        if env.call("GET", "snapapi", "/dev/hello", &[], "").await.body == "v2" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the stage update was never picked up");
}

struct Fixed(u64);
impl Random for Fixed {
    fn next_u64(&self) -> u64 {
        self.0
    }
}

#[tokio::test]
async fn canary_traffic_runs_the_canary_deployment_with_overridden_variables() {
    for (draw, want) in [(0, "canary:from-canary"), (u64::MAX, "main:from-stage")] {
        let config = GatewayConfig {
            random: Arc::new(Fixed(draw)),
            ..Default::default()
        };
        let env = Env::start(config).await;
        env.deploy(
            &hello("main:$stageVariables.who"),
            "d1",
            stage("prod", "d1"),
        )
        .await;
        deploy_only(&env, &hello("canary:${stageVariables.who}"), "d2").await;
        let mut st = stage("prod", "d1");
        st.variables.insert("who".into(), "from-stage".into());
        let mut overrides = proscenium_model::StringMap::new();
        overrides.insert("who".into(), "from-canary".into());
        st.canary_settings = Some(CanarySettings {
            percent_traffic: 50.0,
            deployment_id: Some("d2".into()),
            stage_variable_overrides: overrides,
            use_stage_cache: false,
        });
        env.put_stage("snapapi", st).await;
        let r = env.call("GET", "snapapi", "/prod/hello", &[], "").await;
        assert_eq!((r.status, r.body.as_str()), (200, want));
    }
}
