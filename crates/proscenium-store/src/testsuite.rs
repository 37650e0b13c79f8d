//! The conformance suite every [`Store`] implementation runs (garage's `test_suite(db)`).
//!
//! Call [`run`] from a backend's own tests with a fresh, empty store.

use std::collections::BTreeMap;

use proscenium_model::rest_api::EndpointConfiguration;
use proscenium_model::{
    Account, ApiDefinition, CanarySettings, ClientCertificate, Deployment, Method, RestApi, Scope,
    Stage, snapshot,
};

use crate::{DEPLOYMENT_IN_USE, StageWrite, Store, StoreError};

pub fn api(id: &str, created: f64) -> ApiDefinition {
    let mut def = ApiDefinition::new(RestApi {
        created_date: created,
        ..RestApi::new(id, format!("api {id}"), format!("{id}root"))
    });
    let root = def.api.root_resource_id.clone();
    def.resources
        .get_mut(&root)
        .unwrap()
        .resource_methods
        .insert(
            "GET".into(),
            Method {
                http_method: "GET".into(),
                authorization_type: "NONE".into(),
                authorizer_id: None,
                api_key_required: false,
                request_validator_id: None,
                operation_name: None,
                request_parameters: BTreeMap::new(),
                request_models: BTreeMap::new(),
                method_responses: BTreeMap::new(),
                method_integration: Some(
                    serde_json::from_value(
                        serde_json::json!({"type": "MOCK", "timeoutInMillis": 29000}),
                    )
                    .expect("a MOCK integration"),
                ),
                authorization_scopes: None,
            },
        );
    def
}

pub fn stage(name: &str, deployment: &str) -> Stage {
    Stage {
        stage_name: name.into(),
        deployment_id: deployment.into(),
        client_certificate_id: None,
        description: None,
        cache_cluster_enabled: false,
        cache_cluster_size: None,
        method_settings: BTreeMap::new(),
        variables: BTreeMap::new(),
        documentation_version: None,
        access_log_settings: None,
        canary_settings: None,
        tracing_enabled: false,
        web_acl_arn: None,
        tags: BTreeMap::new(),
        created_date: 1.0,
        last_updated_date: 1.0,
        cache_flush_generation: 0,
        authorizer_flush_generation: 0,
    }
}

fn deployment(id: &str, created: f64) -> Deployment {
    Deployment {
        id: id.into(),
        description: None,
        created_date: created,
        api_summary: BTreeMap::new(),
    }
}

/// Runs every check against `store`, which must start empty.
pub async fn run(store: &dyn Store) {
    apis_round_trip_and_conflict(store).await;
    deployments_and_stages_are_atomic(store).await;
    deleting_an_api_removes_everything_under_it(store).await;
    scopes_are_isolated(store).await;
    account_and_certificates(store).await;
    keys_plans_and_usage(store).await;
    vpc_links(store).await;
    domain_names_and_mappings(store).await;
}

pub fn domain(name: &str) -> proscenium_model::DomainName {
    proscenium_model::DomainName {
        domain_name: name.into(),
        certificate_name: None,
        certificate_arn: None,
        certificate_upload_date: Some(1.0),
        regional_domain_name: Some("d-abcdefghij.execute-api.us-east-1.amazonaws.com".into()),
        regional_hosted_zone_id: Some("Z1UJRXOUMOOFQ8".into()),
        regional_certificate_name: None,
        regional_certificate_arn: None,
        distribution_domain_name: None,
        distribution_hosted_zone_id: None,
        endpoint_configuration: EndpointConfiguration {
            types: vec!["REGIONAL".into()],
            ..Default::default()
        },
        domain_name_status: "AVAILABLE".into(),
        domain_name_status_message: None,
        security_policy: "TLS_1_2".into(),
        mutual_tls_authentication: None,
        ownership_verification_certificate_arn: None,
        routing_mode: None,
        tags: BTreeMap::new(),
        created_date: 1.0,
        serving: Some(proscenium_model::domain_name::ServingCertificate {
            chain_pem: "chain".into(),
            private_key_pem: "key".into(),
            not_after: 2.0,
        }),
        truststore_pem: None,
    }
}

async fn domain_names_and_mappings(store: &dyn Store) {
    use proscenium_model::BasePathMapping;
    let s = Scope::new("000000000000", "sa-east-1");
    let other = Scope::new("000000000000", "me-south-1");
    let mapping = |base: &str, api: &str, stage: Option<&str>| BasePathMapping {
        base_path: base.into(),
        rest_api_id: api.into(),
        stage: stage.map(str::to_string),
    };
    assert!(matches!(
        store
            .put_base_path_mapping(&s, "api.example.com", &mapping("v1", "a", None), None)
            .await,
        Err(StoreError::NotFound)
    ));
    let mut rx = store.watch();
    let before = *rx.borrow_and_update();
    let mut d = domain("api.example.com");
    store.put_domain_name(&s, &d).await.unwrap();
    assert!(*rx.borrow_and_update() > before, "a domain moves the feed");
    store
        .put_domain_name(&s, &domain("*.example.com"))
        .await
        .unwrap();
    assert_eq!(
        store.get_domain_name(&s, "api.example.com").await.unwrap(),
        d
    );
    assert!(matches!(
        store.get_domain_name(&other, "api.example.com").await,
        Err(StoreError::NotFound)
    ));
    let names: Vec<String> = store
        .list_domain_names(&s)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.domain_name)
        .collect();
    assert_eq!(names, ["*.example.com", "api.example.com"]);

    let before = *rx.borrow_and_update();
    store
        .put_base_path_mapping(
            &s,
            "api.example.com",
            &mapping("v1", "a", Some("dev")),
            None,
        )
        .await
        .unwrap();
    assert!(*rx.borrow_and_update() > before, "a mapping moves the feed");
    store
        .put_base_path_mapping(&s, "api.example.com", &mapping("(none)", "b", None), None)
        .await
        .unwrap();
    // Moving a base path is one write.
    store
        .put_base_path_mapping(
            &s,
            "api.example.com",
            &mapping("v2", "a", Some("prod")),
            Some("v1"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .list_base_path_mappings(&s, "api.example.com")
            .await
            .unwrap(),
        vec![
            mapping("(none)", "b", None),
            mapping("v2", "a", Some("prod"))
        ]
    );
    assert!(matches!(
        store
            .list_base_path_mappings(&other, "api.example.com")
            .await,
        Err(StoreError::NotFound)
    ));
    // Replacing the domain keeps its mappings.
    d.security_policy = "TLS_1_0".into();
    store.put_domain_name(&s, &d).await.unwrap();
    let all = store.all_domain_names().await.unwrap();
    let rec = all
        .iter()
        .find(|r| r.scope == s && r.domain.domain_name == "api.example.com")
        .unwrap();
    assert_eq!(rec.domain.security_policy, "TLS_1_0");
    assert_eq!(rec.mappings.len(), 2);
    assert!(
        all.iter()
            .any(|r| r.domain.domain_name == "*.example.com" && r.mappings.is_empty())
    );

    store
        .delete_base_path_mapping(&s, "api.example.com", "(none)")
        .await
        .unwrap();
    assert!(matches!(
        store
            .delete_base_path_mapping(&s, "api.example.com", "(none)")
            .await,
        Err(StoreError::NotFound)
    ));
    // Deleting the domain takes its mappings; a new domain of that name starts bare.
    store
        .delete_domain_name(&s, "api.example.com")
        .await
        .unwrap();
    assert!(matches!(
        store.delete_domain_name(&s, "api.example.com").await,
        Err(StoreError::NotFound)
    ));
    store.put_domain_name(&s, &d).await.unwrap();
    assert!(
        store
            .list_base_path_mappings(&s, "api.example.com")
            .await
            .unwrap()
            .is_empty()
    );
    store
        .delete_domain_name(&s, "api.example.com")
        .await
        .unwrap();
    store.delete_domain_name(&s, "*.example.com").await.unwrap();
    assert!(store.list_domain_names(&s).await.unwrap().is_empty());
}

async fn vpc_links(store: &dyn Store) {
    use proscenium_model::VpcLink;
    let s = Scope::new("000000000000", "ap-northeast-1");
    let other = Scope::new("000000000000", "eu-central-1");
    let mut rx = store.watch();
    let before = *rx.borrow_and_update();
    let mut link = VpcLink {
        id: "vl1".into(),
        name: "nlb".into(),
        description: None,
        target_arns: vec![
            "arn:aws:elasticloadbalancing:ap-northeast-1:000000000000:loadbalancer/net/n/1".into(),
        ],
        status: "AVAILABLE".into(),
        status_message: Some("ready".into()),
        tags: BTreeMap::from([("team".to_string(), "edge".to_string())]),
        created_date: 3.0,
    };
    store.put_vpc_link(&s, &link).await.unwrap();
    assert!(
        *rx.borrow_and_update() > before,
        "a write bumps the change feed"
    );
    assert_eq!(store.get_vpc_link(&s, "vl1").await.unwrap(), link);
    assert!(matches!(
        store.get_vpc_link(&other, "vl1").await,
        Err(StoreError::NotFound)
    ));
    assert!(store.list_vpc_links(&other).await.unwrap().is_empty());
    link.description = Some("replaced".into());
    store.put_vpc_link(&s, &link).await.unwrap();
    assert_eq!(store.list_vpc_links(&s).await.unwrap(), vec![link]);
    store.delete_vpc_link(&s, "vl1").await.unwrap();
    assert!(matches!(
        store.delete_vpc_link(&s, "vl1").await,
        Err(StoreError::NotFound)
    ));
    assert!(store.list_vpc_links(&s).await.unwrap().is_empty());
}

async fn apis_round_trip_and_conflict(store: &dyn Store) {
    let s = Scope::new("000000000000", "us-east-1");
    let mut rx = store.watch();
    let before = *rx.borrow_and_update();
    let def = api("a1", 2.0);
    let r1 = store.put_api(&s, &def, None).await.unwrap();
    assert!(
        *rx.borrow_and_update() > before,
        "a write bumps the change feed"
    );
    assert!(matches!(
        store.put_api(&s, &def, None).await,
        Err(StoreError::Conflict(_))
    ));
    let got = store.get_api(&s, "a1").await.unwrap();
    assert_eq!(*got.value, def);
    assert_eq!(got.revision, r1);
    let mut changed = def.clone();
    changed.api.name = "renamed".into();
    let r2 = store.put_api(&s, &changed, Some(r1)).await.unwrap();
    assert!(r2 > r1);
    assert!(
        matches!(
            store.put_api(&s, &changed, Some(r1)).await,
            Err(StoreError::Conflict(_))
        ),
        "a stale revision is refused"
    );
    assert_eq!(
        store.get_api(&s, "a1").await.unwrap().value.api.name,
        "renamed"
    );
    store.put_api(&s, &api("a0", 1.0), None).await.unwrap();
    let ids: Vec<String> = store
        .list_apis(&s)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, ["a0", "a1"], "listed by creation date");
    assert!(matches!(
        store.get_api(&s, "nope").await,
        Err(StoreError::NotFound)
    ));
}

async fn deployments_and_stages_are_atomic(store: &dyn Store) {
    let s = Scope::new("000000000000", "us-east-1");
    let def = api("b1", 1.0);
    store.put_api(&s, &def, None).await.unwrap();
    let snap = snapshot::build("d1", &def).unwrap();
    store
        .create_deployment(
            &s,
            "b1",
            &deployment("d1", 1.0),
            &snap,
            Some(StageWrite {
                stage: stage("dev", "d1"),
                expected: None,
            }),
        )
        .await
        .unwrap();
    let dev = store.get_stage(&s, "b1", "dev").await.unwrap();
    assert_eq!(dev.value.deployment_id, "d1");

    // A failing stage write rolls the deployment back.
    let snap2 = snapshot::build("d2", &def).unwrap();
    let stale = StageWrite {
        stage: stage("dev", "d2"),
        expected: None,
    };
    assert!(matches!(
        store
            .create_deployment(&s, "b1", &deployment("d2", 2.0), &snap2, Some(stale))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.get_deployment(&s, "b1", "d2").await,
        Err(StoreError::NotFound)
    ));

    let good = StageWrite {
        stage: stage("dev", "d2"),
        expected: Some(dev.revision),
    };
    store
        .create_deployment(&s, "b1", &deployment("d2", 2.0), &snap2, Some(good))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_snapshot(&s, "b1", "d2")
            .await
            .unwrap()
            .deployment_id,
        "d2"
    );
    let ids: Vec<String> = store
        .list_deployments(&s, "b1")
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, ["d1", "d2"]);

    // A stage must point at deployments that exist.
    let bad = StageWrite {
        stage: stage("prod", "zzz"),
        expected: None,
    };
    assert!(matches!(
        store.put_stage(&s, "b1", bad).await,
        Err(StoreError::PreconditionFailed(_))
    ));

    // A stage (or its canary) keeps its deployment alive.
    let mut prod = stage("prod", "d2");
    prod.canary_settings = Some(CanarySettings {
        deployment_id: Some("d1".into()),
        ..Default::default()
    });
    store
        .put_stage(
            &s,
            "b1",
            StageWrite {
                stage: prod,
                expected: None,
            },
        )
        .await
        .unwrap();
    let dev = store.get_stage(&s, "b1", "dev").await.unwrap();
    store
        .put_stage(
            &s,
            "b1",
            StageWrite {
                stage: stage("dev", "d2"),
                expected: Some(dev.revision),
            },
        )
        .await
        .unwrap();
    match store.delete_deployment(&s, "b1", "d1").await {
        Err(StoreError::PreconditionFailed(m)) => assert_eq!(m, DEPLOYMENT_IN_USE),
        other => panic!("canary keeps d1 alive: {other:?}"),
    }
    store.delete_stage(&s, "b1", "prod").await.unwrap();
    store.delete_deployment(&s, "b1", "d1").await.unwrap();
    assert!(matches!(
        store.delete_deployment(&s, "b1", "d1").await,
        Err(StoreError::NotFound)
    ));

    let mut d2 = store.get_deployment(&s, "b1", "d2").await.unwrap();
    d2.description = Some("second".into());
    store.update_deployment(&s, "b1", &d2).await.unwrap();
    assert_eq!(
        store
            .get_deployment(&s, "b1", "d2")
            .await
            .unwrap()
            .description
            .as_deref(),
        Some("second")
    );
    let all = store.all_stages().await.unwrap();
    assert!(
        all.iter()
            .any(|r| r.api_id == "b1" && r.stage.stage_name == "dev")
    );
}

async fn deleting_an_api_removes_everything_under_it(store: &dyn Store) {
    let s = Scope::new("000000000000", "us-east-1");
    let def = api("c1", 1.0);
    store.put_api(&s, &def, None).await.unwrap();
    let snap = snapshot::build("e1", &def).unwrap();
    store
        .create_deployment(
            &s,
            "c1",
            &deployment("e1", 1.0),
            &snap,
            Some(StageWrite {
                stage: stage("dev", "e1"),
                expected: None,
            }),
        )
        .await
        .unwrap();
    store.delete_api(&s, "c1").await.unwrap();
    assert!(matches!(
        store.get_api(&s, "c1").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.list_stages(&s, "c1").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_snapshot(&s, "c1", "e1").await,
        Err(StoreError::NotFound)
    ));
    assert!(
        !store
            .all_stages()
            .await
            .unwrap()
            .iter()
            .any(|r| r.api_id == "c1")
    );
    // Recreating the same id starts empty.
    store.put_api(&s, &def, None).await.unwrap();
    assert!(store.list_deployments(&s, "c1").await.unwrap().is_empty());
}

async fn scopes_are_isolated(store: &dyn Store) {
    let east = Scope::new("000000000000", "us-east-1");
    let west = Scope::new("000000000000", "eu-west-1");
    let other = Scope::new("111111111111", "us-east-1");
    store.put_api(&west, &api("w1", 1.0), None).await.unwrap();
    assert!(matches!(
        store.get_api(&east, "w1").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_api(&other, "w1").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.list_apis(&west).await.unwrap().len(), 1);
}

async fn account_and_certificates(store: &dyn Store) {
    let s = Scope::new("000000000000", "us-east-1");
    assert!(store.get_account(&s).await.unwrap().is_none());
    let mut a = Account::default();
    a.throttle_settings.rate_limit = 12.5;
    store.put_account(&s, &a).await.unwrap();
    assert_eq!(store.get_account(&s).await.unwrap(), Some(a));
    let cert = ClientCertificate {
        client_certificate_id: "cc1".into(),
        description: None,
        pem_encoded_certificate: "pem".into(),
        private_key_pem: "key".into(),
        created_date: 1.0,
        expiration_date: 2.0,
        tags: BTreeMap::new(),
    };
    store.put_client_certificate(&s, &cert).await.unwrap();
    assert_eq!(store.get_client_certificate(&s, "cc1").await.unwrap(), cert);
    assert_eq!(store.list_client_certificates(&s).await.unwrap().len(), 1);
    store.delete_client_certificate(&s, "cc1").await.unwrap();
    assert!(matches!(
        store.get_client_certificate(&s, "cc1").await,
        Err(StoreError::NotFound)
    ));
}

async fn keys_plans_and_usage(store: &dyn Store) {
    use proscenium_model::{ApiKey, ApiStage, Quota, UsagePlan};

    use crate::UsageCount;
    let s = Scope::new("000000000000", "eu-west-3");
    let other = Scope::new("000000000000", "eu-north-1");
    let key = ApiKey {
        id: "k1".into(),
        value: "v".repeat(40),
        name: "key".into(),
        customer_id: None,
        description: None,
        enabled: true,
        created_date: 1.0,
        last_updated_date: 1.0,
        stage_keys: vec![],
        tags: Default::default(),
    };
    let rx = store.watch();
    let before = *rx.borrow();
    store.put_api_key(&s, &key).await.unwrap();
    assert!(*rx.borrow() > before, "a key change moves the feed");
    assert_eq!(store.get_api_key(&s, "k1").await.unwrap(), key);
    assert!(matches!(
        store.get_api_key(&other, "k1").await,
        Err(StoreError::NotFound)
    ));
    let plan = UsagePlan {
        id: "p1".into(),
        name: "plan".into(),
        description: None,
        api_stages: vec![ApiStage {
            api_id: "a1".into(),
            stage: "dev".into(),
            throttle: Default::default(),
        }],
        throttle: None,
        quota: Some(Quota {
            limit: 10,
            offset: 0,
            period: "DAY".into(),
        }),
        product_code: None,
        tags: Default::default(),
        key_ids: vec!["k1".into()],
    };
    store.put_usage_plan(&s, &plan).await.unwrap();
    assert_eq!(
        store.list_usage_plans(&s).await.unwrap(),
        vec![plan.clone()]
    );
    let all = store.all_keys_and_plans().await.unwrap();
    let mine = all.iter().find(|(sc, _, _)| sc == &s).unwrap();
    assert_eq!((mine.1.len(), mine.2.len()), (1, 1));

    let count = |day, used| UsageCount {
        plan_id: "p1".into(),
        key_id: "k1".into(),
        day,
        used,
    };
    store
        .add_usage(&s, &[count(100, 3), count(101, 1)])
        .await
        .unwrap();
    store.add_usage(&s, &[count(100, 2)]).await.unwrap();
    assert_eq!(
        store
            .get_usage(&s, "p1", Some("k1"), 100, 101)
            .await
            .unwrap(),
        vec![count(100, 5), count(101, 1)]
    );
    assert_eq!(
        store.get_usage(&s, "p1", None, 101, 200).await.unwrap(),
        vec![count(101, 1)]
    );
    assert!(
        store
            .get_usage(&other, "p1", None, 0, 200)
            .await
            .unwrap()
            .is_empty()
    );
    let every = store.all_usage(100, 100).await.unwrap();
    assert!(every.contains(&(s.clone(), count(100, 5))));

    store.delete_api_key(&s, "k1").await.unwrap();
    assert!(matches!(
        store.delete_api_key(&s, "k1").await,
        Err(StoreError::NotFound)
    ));
    store.delete_usage_plan(&s, "p1").await.unwrap();
    assert!(store.list_usage_plans(&s).await.unwrap().is_empty());
}
