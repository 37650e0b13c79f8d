//! API keys and usage plans at invocation time: key checks (missing, unknown, disabled, in
//! another stage's plan), plan and method throttles and quotas with an injected clock, counts
//! written to the store and taken up again by a restarted gateway.

use std::sync::Arc;
use std::time::Duration;

use proscenium_gateway::{Gateway, GatewayConfig, ManualClock};
use proscenium_model::{ApiKey, ApiStage, PlanThrottle, Quota, UsagePlan};
use proscenium_store::Store;

use crate::support::*;

const DAY: u64 = 1_800_000_000 / 86_400 * 86_400 + 3_600; // 01:00 UTC on a day

fn key(id: &str, value: &str, enabled: bool) -> ApiKey {
    ApiKey {
        id: id.into(),
        value: value.into(),
        name: id.into(),
        customer_id: None,
        description: None,
        enabled,
        created_date: 0.0,
        last_updated_date: 0.0,
        stage_keys: vec![],
        tags: Default::default(),
    }
}

fn plan(id: &str, stage: &str, keys: &[&str], quota: Option<i64>) -> UsagePlan {
    UsagePlan {
        id: id.into(),
        name: id.into(),
        description: None,
        api_stages: vec![ApiStage {
            api_id: "keys".into(),
            stage: stage.into(),
            throttle: Default::default(),
        }],
        throttle: None,
        quota: quota.map(|limit| Quota {
            limit,
            offset: 0,
            period: "DAY".into(),
        }),
        product_code: None,
        tags: Default::default(),
        key_ids: keys.iter().map(|k| k.to_string()).collect(),
    }
}

async fn env() -> (Env, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(DAY));
    let env = Env::start(GatewayConfig {
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    let mut def = api("keys");
    add_method(
        &mut def,
        "/pets",
        "GET",
        mock(200, "{\"key\": \"$context.identity.apiKeyId\"}"),
    );
    add_method(&mut def, "/free", "GET", mock(200, "{}"));
    for (path, required) in [("/pets", true), ("/free", false)] {
        let r = def.resources.values_mut().find(|r| r.path == path).unwrap();
        r.resource_methods.get_mut("GET").unwrap().api_key_required = required;
    }
    env.deploy(&def, "d1", stage("dev", "d1")).await;
    env.put_stage("keys", stage("prod", "d1")).await;
    (env, clock)
}

async fn status(env: &Env, stage: &str, key: Option<&str>) -> (u16, String, Option<String>) {
    let headers: Vec<(&str, &str)> = key.map(|k| vec![("x-api-key", k)]).unwrap_or_default();
    let r = env
        .call("GET", "keys", &format!("/{stage}/pets"), &headers, "")
        .await;
    let ty = r.header("x-amzn-errortype").map(str::to_string);
    (r.status, r.body, ty)
}

const VALUE: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
const OTHER: &str = "zyxwvutsrqponmlkjihgfedcba9876543210ZYXW";

#[tokio::test]
async fn keys_are_checked_against_the_stage_plans() {
    let (env, _) = env().await;
    let s = scope();
    env.store
        .put_api_key(&s, &key("k1", VALUE, true))
        .await
        .unwrap();
    env.store
        .put_api_key(&s, &key("k2", OTHER, false))
        .await
        .unwrap();
    env.store
        .put_api_key(&s, &key("k3", "prodonlyprodonlyprodonly", true))
        .await
        .unwrap();
    env.store
        .put_usage_plan(&s, &plan("p1", "dev", &["k1", "k2"], None))
        .await
        .unwrap();
    env.store
        .put_usage_plan(&s, &plan("p2", "prod", &["k3"], None))
        .await
        .unwrap();
    env.gateway.reload().await;

    let forbidden = (
        403,
        "{\"message\":\"Forbidden\"}".to_string(),
        Some("ForbiddenException".to_string()),
    );
    assert_eq!(status(&env, "dev", None).await, forbidden, "no key");
    assert_eq!(
        status(&env, "dev", Some("nope-nope-nope-nope-nope")).await,
        forbidden,
        "unknown key"
    );
    assert_eq!(
        status(&env, "dev", Some(OTHER)).await,
        forbidden,
        "disabled"
    );
    assert_eq!(
        status(&env, "dev", Some("prodonlyprodonlyprodonly")).await,
        forbidden,
        "a key of another stage's plan"
    );
    assert_eq!(
        status(&env, "dev", Some(VALUE)).await,
        (200, "{\"key\": \"k1\"}".to_string(), None)
    );
    assert_eq!(
        status(&env, "prod", Some("prodonlyprodonlyprodonly"))
            .await
            .0,
        200
    );
    // A method without apiKeyRequired ignores keys.
    assert_eq!(
        env.call("GET", "keys", "/dev/free", &[], "").await.status,
        200
    );

    // Enabling a key takes effect without a redeploy.
    env.store
        .put_api_key(&s, &key("k2", OTHER, true))
        .await
        .unwrap();
    env.gateway.reload().await;
    assert_eq!(status(&env, "dev", Some(OTHER)).await.0, 200);
}

#[tokio::test]
async fn quotas_count_per_period_and_survive_a_restart() {
    let (env, clock) = env().await;
    let s = scope();
    env.store
        .put_api_key(&s, &key("k1", VALUE, true))
        .await
        .unwrap();
    env.store
        .put_usage_plan(&s, &plan("p1", "dev", &["k1"], Some(3)))
        .await
        .unwrap();
    env.gateway.reload().await;
    for _ in 0..3 {
        assert_eq!(status(&env, "dev", Some(VALUE)).await.0, 200);
    }
    assert_eq!(
        status(&env, "dev", Some(VALUE)).await,
        (
            429,
            "{\"message\":\"Limit Exceeded\"}".to_string(),
            Some("LimitExceededException".to_string())
        )
    );
    // The counts reach the store when the gateway stops.
    env.gateway.shutdown().await;
    let today = (DAY / 86_400) as i64;
    let used: i64 = env
        .store
        .get_usage(&s, "p1", Some("k1"), today, today)
        .await
        .unwrap()
        .iter()
        .map(|u| u.used)
        .sum();
    assert_eq!(used, 3, "refused requests do not count");

    // A gateway started on the same store (a restart) takes the count up.
    let again = Gateway::start(
        env.store.clone(),
        GatewayConfig {
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let addr = serve_gateway(again.clone()).await;
    let restarted = Env {
        store: env.store.clone(),
        gateway: again,
        addr,
        client: env.client.clone(),
    };
    assert_eq!(status(&restarted, "dev", Some(VALUE)).await.0, 429);
    // The next day has its own quota.
    clock.advance(Duration::from_secs(86_400));
    assert_eq!(status(&restarted, "dev", Some(VALUE)).await.0, 200);
}

#[tokio::test]
async fn plan_and_method_throttles_apply_per_key() {
    let (env, clock) = env().await;
    let s = scope();
    env.store
        .put_api_key(&s, &key("k1", VALUE, true))
        .await
        .unwrap();
    env.store
        .put_api_key(&s, &key("k2", OTHER, true))
        .await
        .unwrap();
    let mut p = plan("p1", "dev", &["k1", "k2"], None);
    p.throttle = Some(PlanThrottle {
        burst_limit: Some(2),
        rate_limit: Some(1.0),
    });
    env.store.put_usage_plan(&s, &p).await.unwrap();
    env.gateway.reload().await;
    assert_eq!(status(&env, "dev", Some(VALUE)).await.0, 200);
    assert_eq!(status(&env, "dev", Some(VALUE)).await.0, 200);
    let throttled = status(&env, "dev", Some(VALUE)).await;
    assert_eq!(
        throttled,
        (
            429,
            "{\"message\":\"Too Many Requests\"}".to_string(),
            Some("TooManyRequestsException".to_string())
        )
    );
    assert_eq!(
        status(&env, "dev", Some(OTHER)).await.0,
        200,
        "each key has its own bucket"
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(status(&env, "dev", Some(VALUE)).await.0, 200);

    // A method throttle of the plan's stage wins over the plan's.
    p.api_stages[0].throttle.insert(
        "/pets/GET".into(),
        PlanThrottle {
            burst_limit: Some(1),
            rate_limit: Some(0.001),
        },
    );
    env.store.put_usage_plan(&s, &p).await.unwrap();
    env.gateway.reload().await;
    clock.advance(Duration::from_secs(10));
    assert_eq!(status(&env, "dev", Some(OTHER)).await.0, 200);
    assert_eq!(status(&env, "dev", Some(OTHER)).await.0, 429);
}
