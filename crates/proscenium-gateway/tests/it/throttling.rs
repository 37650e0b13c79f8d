//! Throttling: stage default (`*/*`), per-method keys and the account limit, with an injected
//! clock so the bucket arithmetic is exact.

use std::sync::Arc;
use std::time::Duration;

use proscenium_gateway::{GatewayConfig, ManualClock};
use proscenium_model::{Account, MethodSetting, ThrottleSettings};
use proscenium_store::Store;

use crate::support::*;

fn throttled(rate: f64, burst: i64) -> MethodSetting {
    MethodSetting {
        throttling_rate_limit: rate,
        throttling_burst_limit: burst,
        ..Default::default()
    }
}

async fn env_with_clock() -> (Env, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(1_700_000_000));
    let config = GatewayConfig {
        clock: clock.clone(),
        ..Default::default()
    };
    (Env::start(config).await, clock)
}

async fn count_ok(env: &Env, path: &str, n: usize) -> usize {
    let mut ok = 0;
    for _ in 0..n {
        let r = env.call("GET", "thr", path, &[], "").await;
        match r.status {
            200 => ok += 1,
            429 => {
                assert_eq!(r.body, "{\"message\":\"Too Many Requests\"}");
                assert_eq!(
                    r.header("x-amzn-errortype"),
                    Some("TooManyRequestsException")
                );
                r.assert_stamped();
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    ok
}

fn def() -> proscenium_model::ApiDefinition {
    let mut def = api("thr");
    add_method(&mut def, "/pets", "GET", mock(200, "{}"));
    add_method(&mut def, "/toys", "GET", mock(200, "{}"));
    def
}

#[tokio::test]
async fn stage_and_method_limits_give_429s_at_the_configured_rates() {
    let (env, clock) = env_with_clock().await;
    let mut st = stage("dev", "d1");
    st.method_settings.insert("*/*".into(), throttled(2.0, 5));
    st.method_settings
        .insert("pets/GET".into(), throttled(1.0, 2));
    env.deploy(&def(), "d1", st).await;

    assert_eq!(count_ok(&env, "/dev/pets", 10).await, 2, "method key burst");
    assert_eq!(
        count_ok(&env, "/dev/toys", 10).await,
        5,
        "stage default burst"
    );
    clock.advance(Duration::from_secs(3));
    assert_eq!(
        count_ok(&env, "/dev/pets", 10).await,
        2,
        "1 rps × 3 s, capped at burst 2"
    );
    assert_eq!(
        count_ok(&env, "/dev/toys", 10).await,
        5,
        "2 rps × 3 s, capped at burst 5"
    );
    clock.advance(Duration::from_millis(1500));
    assert_eq!(count_ok(&env, "/dev/toys", 10).await, 3, "2 rps × 1.5 s");
}

#[tokio::test]
async fn the_account_limit_caps_every_stage_and_buckets_survive_recompiles() {
    let (env, clock) = env_with_clock().await;
    let account = Account {
        throttle_settings: ThrottleSettings {
            burst_limit: 4,
            rate_limit: 1.0,
        },
        ..Default::default()
    };
    env.store.put_account(&scope(), &account).await.unwrap();
    let mut st = stage("dev", "d1");
    st.method_settings
        .insert("*/*".into(), throttled(100.0, 100));
    env.deploy(&def(), "d1", st.clone()).await;
    assert_eq!(count_ok(&env, "/dev/pets", 3).await, 3);
    assert_eq!(
        count_ok(&env, "/dev/toys", 3).await,
        1,
        "one account budget"
    );

    // An unrelated change recompiles the stage; the buckets keep their state.
    let mut other = api("other");
    add_method(&mut other, "/x", "GET", mock(200, "{}"));
    env.deploy(&other, "o1", stage("dev", "o1")).await;
    st.variables.insert("unrelated".into(), "1".into());
    env.put_stage("thr", st).await;
    assert_eq!(count_ok(&env, "/dev/pets", 3).await, 0);
    clock.advance(Duration::from_secs(2));
    assert_eq!(count_ok(&env, "/dev/pets", 5).await, 2);
}

#[tokio::test]
async fn untouched_method_settings_do_not_lift_the_stage_default() {
    let (env, _clock) = env_with_clock().await;
    let mut st = stage("dev", "d1");
    st.method_settings.insert("*/*".into(), throttled(1.0, 3));
    st.method_settings.insert(
        "pets/GET".into(),
        MethodSetting {
            metrics_enabled: true,
            ..Default::default()
        },
    );
    env.deploy(&def(), "d1", st).await;
    assert_eq!(count_ok(&env, "/dev/pets", 6).await, 3);
}

#[tokio::test]
async fn high_limits_never_throttle_in_process_bursts() {
    let env = Env::start(GatewayConfig::default()).await;
    let account = Account {
        throttle_settings: ThrottleSettings {
            burst_limit: 1_000_000_000,
            rate_limit: 1e9,
        },
        ..Default::default()
    };
    env.store.put_account(&scope(), &account).await.unwrap();
    env.deploy(&def(), "d1", stage("dev", "d1")).await;
    let remote = "127.0.0.1:1".parse().unwrap();
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..20_000 {
        let req = http::Request::builder()
            .uri("/dev/pets")
            .header("host", "thr.execute-api.localhost")
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap();
        let (parts, body) = req.into_parts();
        let target = proscenium_gateway::invoke_target(&parts).unwrap();
        let resp = env
            .gateway
            .handle_any(http::Request::from_parts(parts, body), target, remote)
            .await;
        *statuses.entry(resp.status().as_u16()).or_insert(0) += 1;
    }
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        vec![(200, 20_000)]
    );
}
