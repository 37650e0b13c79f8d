//! CreateStage, GetStage, GetStages (`deploymentId` filter), UpdateStage (the whole patch
//! grammar), DeleteStage, FlushStageCache, FlushStageAuthorizersCache.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::{CanarySettings, Scope, Stage, StringMap};
use proscenium_store::{StageWrite, StoreError, Versioned};
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::load_api;
use super::deployment::{check_cache_size, check_stage_name, invalid_deployment};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch;

/// A stage as AWS prints it: the stored fields plus `cacheClusterStatus`.
pub fn stage_shape(s: &Stage) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for f in proscenium_model::stage::INTERNAL_STAGE_FIELDS {
            o.remove(*f);
        }
    }
    v["cacheClusterStatus"] = json!(s.cache_cluster_status());
    v
}

pub fn invalid_stage() -> ApiError {
    ApiError::not_found("Invalid stage identifier specified")
}

pub async fn load_stage(
    st: &ControlState,
    scope: &Scope,
    api_id: &str,
    name: &str,
) -> ApiResult<Versioned<Stage>> {
    load_api(st, scope, api_id).await?;
    match st.store.get_stage(scope, api_id, name).await {
        Err(StoreError::NotFound) => Err(invalid_stage()),
        other => Ok(other?),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateStageRequest {
    stage_name: Option<String>,
    deployment_id: Option<String>,
    description: Option<String>,
    #[serde(default)]
    cache_cluster_enabled: bool,
    cache_cluster_size: Option<String>,
    #[serde(default)]
    variables: StringMap,
    documentation_version: Option<String>,
    canary_settings: Option<CanarySettings>,
    #[serde(default)]
    tracing_enabled: bool,
    #[serde(default)]
    tags: StringMap,
}

pub async fn create_stage(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateStageRequest = json_body(&body)?;
    let (Some(name), Some(deployment_id)) = (req.stage_name.clone(), req.deployment_id.clone())
    else {
        let mut errs = Vec::new();
        if req.stage_name.is_none() {
            errs.push("Value null at 'createStageInput.stageName' failed to satisfy constraint: Member must not be null".to_string());
        }
        if req.deployment_id.is_none() {
            errs.push("Value null at 'createStageInput.deploymentId' failed to satisfy constraint: Member must not be null".to_string());
        }
        return Err(patch::validation_errors(&errs));
    };
    check_stage_name(&name)?;
    check_cache_size(req.cache_cluster_size.as_deref())?;
    patch::stage::check_variables(&req.variables)?;
    if let Some(c) = &req.canary_settings {
        patch::stage::check_variables(&c.stage_variable_overrides)?;
    }
    let _guard = st.write_lock.lock().await;
    load_api(&st, &caller.scope, &api_id).await?;
    let exists = |id: &str| {
        let st = st.clone();
        let (scope, api, id) = (caller.scope.clone(), api_id.clone(), id.to_string());
        async move { st.store.get_deployment(&scope, &api, &id).await.is_ok() }
    };
    if !exists(&deployment_id).await {
        return Err(invalid_deployment());
    }
    let mut canary = req.canary_settings;
    if let Some(c) = &canary {
        patch::stage::check_percent_traffic(c.percent_traffic)?;
    }
    if let Some(c) = canary.as_mut() {
        match c.deployment_id.clone() {
            Some(d) if !exists(&d).await => {
                return Err(ApiError::bad_request("Deployment id does not exist"));
            }
            Some(_) => {}
            None => c.deployment_id = Some(deployment_id.clone()),
        }
    }
    let now = st.now().floor();
    let stage = Stage {
        stage_name: name.clone(),
        deployment_id,
        client_certificate_id: None,
        description: req.description.filter(|d| !d.is_empty()),
        cache_cluster_enabled: req.cache_cluster_enabled,
        cache_cluster_size: req
            .cache_cluster_size
            .or_else(|| req.cache_cluster_enabled.then(|| "0.5".to_string())),
        method_settings: Default::default(),
        variables: req.variables,
        documentation_version: req.documentation_version,
        access_log_settings: None,
        canary_settings: canary,
        tracing_enabled: req.tracing_enabled,
        web_acl_arn: None,
        tags: req.tags,
        created_date: now,
        last_updated_date: now,
        cache_flush_generation: 0,
        authorizer_flush_generation: 0,
    };
    match st
        .store
        .put_stage(
            &caller.scope,
            &api_id,
            StageWrite {
                stage: stage.clone(),
                expected: None,
            },
        )
        .await
    {
        Err(StoreError::Conflict(_)) => Err(ApiError::conflict("Stage already exists")),
        other => {
            other?;
            created(&stage_shape(&stage))
        }
    }
}

pub async fn get_stage(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let s = load_stage(&st, &caller.scope, &api_id, &name).await?;
    ok(&stage_shape(&s.value))
}

pub async fn get_stages(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(api_id): Path<String>,
) -> ApiResult<Response> {
    load_api(&st, &caller.scope, &api_id).await?;
    let filter = q.get("deploymentId");
    let stages = st.store.list_stages(&caller.scope, &api_id).await?;
    let items: Vec<Value> = stages
        .iter()
        .filter(|s| filter.is_none_or(|d| s.value.deployment_id == d))
        .map(|s| stage_shape(&s.value))
        .collect();
    ok(&json!({ "item": items }))
}

pub async fn update_stage(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, name)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateStageInput")?;
    let _guard = st.write_lock.lock().await;
    let current = load_stage(&st, &caller.scope, &api_id, &name).await?;
    let deployments: Vec<String> = st
        .store
        .list_deployments(&caller.scope, &api_id)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let mut stage = current.value.clone();
    patch::stage::apply(&mut stage, &ops, &|id| deployments.iter().any(|d| d == id))?;
    if let Some(cert) = stage.client_certificate_id.as_deref()
        && current.value.client_certificate_id.as_deref() != Some(cert)
        && st
            .store
            .get_client_certificate(&caller.scope, cert)
            .await
            .is_err()
    {
        return Err(ApiError::bad_request(format!(
            "Invalid client certificate identifier specified: {cert}"
        )));
    }
    stage.last_updated_date = st.now().floor();
    st.store
        .put_stage(
            &caller.scope,
            &api_id,
            StageWrite {
                stage: stage.clone(),
                expected: Some(current.revision),
            },
        )
        .await?;
    ok(&stage_shape(&stage))
}

pub async fn delete_stage(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    load_stage(&st, &caller.scope, &api_id, &name).await?;
    super::base_path_mapping::refuse_mapped_stage(&st, &caller.scope, &api_id, &name).await?;
    st.store.delete_stage(&caller.scope, &api_id, &name).await?;
    super::usage_plan::forget_stages(&st, &caller.scope, &api_id, Some(&name)).await?;
    accepted()
}

/// Bumps one of the stage's flush generations; the data plane (on every node) empties the
/// matching cache when it sees the new value in the store's change feed.
async fn bump_flush(
    st: &ControlState,
    caller: &Caller,
    api_id: &str,
    name: &str,
    authorizers: bool,
) -> ApiResult<()> {
    let _guard = st.write_lock.lock().await;
    let current = load_stage(st, &caller.scope, api_id, name).await?;
    let mut stage = current.value;
    if authorizers {
        stage.authorizer_flush_generation += 1;
    } else {
        stage.cache_flush_generation += 1;
    }
    st.store
        .put_stage(
            &caller.scope,
            api_id,
            StageWrite {
                stage,
                expected: Some(current.revision),
            },
        )
        .await?;
    Ok(())
}

pub async fn flush_stage_cache(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    bump_flush(&st, &caller, &api_id, &name, false).await?;
    accepted()
}

pub async fn flush_stage_authorizers_cache(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    bump_flush(&st, &caller, &api_id, &name, true).await?;
    accepted()
}
