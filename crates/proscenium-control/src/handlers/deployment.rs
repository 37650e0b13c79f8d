//! CreateDeployment (with the stage it creates or repoints, atomically), GetDeployment
//! (`embed=apisummary`), GetDeployments, UpdateDeployment, DeleteDeployment.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::deployment::api_summary;
use proscenium_model::id::CHILD_ID_LEN;
use proscenium_model::stage::{CACHE_CLUSTER_SIZES, is_valid_stage_name};
use proscenium_model::{CanarySettings, Deployment, Stage, StringMap, snapshot};
use proscenium_store::{StageWrite, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{load_api, page};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

pub fn deployment_shape(d: &Deployment, embed_summary: bool) -> Value {
    let mut v = json!({ "id": d.id, "createdDate": d.created_date });
    if let Some(desc) = &d.description {
        v["description"] = json!(desc);
    }
    if embed_summary {
        v["apiSummary"] = serde_json::to_value(&d.api_summary).unwrap_or_default();
    }
    v
}

pub fn invalid_deployment() -> ApiError {
    ApiError::not_found("Invalid Deployment identifier specified")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateDeploymentRequest {
    stage_name: Option<String>,
    stage_description: Option<String>,
    description: Option<String>,
    cache_cluster_enabled: Option<bool>,
    cache_cluster_size: Option<String>,
    variables: Option<StringMap>,
    canary_settings: Option<DeploymentCanarySettings>,
    tracing_enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentCanarySettings {
    percent_traffic: Option<f64>,
    #[serde(default)]
    stage_variable_overrides: StringMap,
    #[serde(default)]
    use_stage_cache: bool,
}

pub fn check_cache_size(size: Option<&str>) -> ApiResult<()> {
    match size {
        Some(s) if !CACHE_CLUSTER_SIZES.contains(&s) => Err(patch::validation_errors(&[format!(
            "Value '{s}' at 'cacheClusterSize' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            CACHE_CLUSTER_SIZES.join(", ")
        )])),
        _ => Ok(()),
    }
}

pub fn check_stage_name(name: &str) -> ApiResult<()> {
    if is_valid_stage_name(name) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "Stage name only allows a-zA-Z0-9_ and must be at most 128 characters",
        ))
    }
}

pub async fn create_deployment(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateDeploymentRequest = json_body(&body)?;
    check_cache_size(req.cache_cluster_size.as_deref())?;
    if let Some(vars) = &req.variables {
        patch::stage::check_variables(vars)?;
    }
    if let Some(c) = &req.canary_settings {
        patch::stage::check_variables(&c.stage_variable_overrides)?;
    }
    if let Some(p) = req.canary_settings.as_ref().and_then(|c| c.percent_traffic) {
        crate::patch::stage::check_percent_traffic(p)?;
    }
    let _guard = st.write_lock.lock().await;
    let def = load_api(&st, &caller.scope, &api_id).await?;
    let stage_name = req.stage_name.clone();
    if req.canary_settings.is_some() {
        match stage_name.as_deref() {
            None => {
                return Err(ApiError::bad_request(
                    "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is null",
                ));
            }
            Some("") => {
                return Err(ApiError::bad_request(
                    "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is ",
                ));
            }
            _ => {}
        }
    }
    let id = st.new_id(CHILD_ID_LEN);
    let snap = snapshot::build(&id, &def.value)?;
    let now = st.now();
    let deployment = Deployment {
        id: id.clone(),
        description: req.description.clone().filter(|d| !d.is_empty()),
        created_date: now.floor(),
        api_summary: api_summary(&def.value),
    };
    let stage_write = match stage_name.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(name) => {
            check_stage_name(name)?;
            let existing = match st.store.get_stage(&caller.scope, &api_id, name).await {
                Ok(v) => Some(v),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            Some(stage_for_deployment(&req, name, &id, now, existing)?)
        }
    };
    st.store
        .create_deployment(&caller.scope, &api_id, &deployment, &snap, stage_write)
        .await?;
    created(&deployment_shape(&deployment, false))
}

/// The stage a deployment creates or repoints: settings of an existing stage are kept.
fn stage_for_deployment(
    req: &CreateDeploymentRequest,
    name: &str,
    deployment_id: &str,
    now: f64,
    existing: Option<proscenium_store::Versioned<Stage>>,
) -> ApiResult<StageWrite> {
    let expected = existing.as_ref().map(|e| e.revision);
    let mut stage = match (existing, &req.canary_settings) {
        (None, Some(_)) => {
            return Err(ApiError::bad_request(format!(
                "Invalid deployment content specified.Stage {name} must already be created before making a canary release deployment"
            )));
        }
        (Some(e), _) => e.value,
        (None, None) => Stage {
            stage_name: name.to_string(),
            deployment_id: deployment_id.to_string(),
            client_certificate_id: None,
            description: req.stage_description.clone().filter(|d| !d.is_empty()),
            cache_cluster_enabled: false,
            cache_cluster_size: None,
            method_settings: Default::default(),
            variables: Default::default(),
            documentation_version: None,
            access_log_settings: None,
            canary_settings: None,
            tracing_enabled: false,
            web_acl_arn: None,
            tags: Default::default(),
            created_date: now.floor(),
            last_updated_date: now.floor(),
            cache_flush_generation: 0,
            authorizer_flush_generation: 0,
        },
    };
    match &req.canary_settings {
        Some(c) => {
            stage.canary_settings = Some(CanarySettings {
                percent_traffic: c.percent_traffic.unwrap_or(0.0),
                deployment_id: Some(deployment_id.to_string()),
                stage_variable_overrides: c.stage_variable_overrides.clone(),
                use_stage_cache: c.use_stage_cache,
            });
        }
        None => stage.deployment_id = deployment_id.to_string(),
    }
    if let Some(vars) = &req.variables {
        for (k, v) in vars {
            stage.variables.insert(k.clone(), v.clone());
        }
    }
    if let Some(enabled) = req.cache_cluster_enabled {
        stage.cache_cluster_enabled = enabled;
        if enabled && stage.cache_cluster_size.is_none() {
            stage.cache_cluster_size = Some(
                req.cache_cluster_size
                    .clone()
                    .unwrap_or_else(|| "0.5".into()),
            );
        }
    }
    if let Some(size) = &req.cache_cluster_size {
        stage.cache_cluster_size = Some(size.clone());
    }
    if let Some(t) = req.tracing_enabled {
        stage.tracing_enabled = t;
    }
    stage.last_updated_date = now.floor();
    Ok(StageWrite { stage, expected })
}

fn map_not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => invalid_deployment(),
        e => e.into(),
    }
}

pub async fn get_deployment(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path((api_id, deployment_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    load_api(&st, &caller.scope, &api_id).await?;
    let d = st
        .store
        .get_deployment(&caller.scope, &api_id, &deployment_id)
        .await
        .map_err(map_not_found)?;
    let mut shape = deployment_shape(&d, q.all("embed").any(|e| e == "apisummary"));
    if q.all("embed").any(|e| e == DEFINITION_EMBED) {
        let snapshot = st
            .store
            .get_snapshot(&caller.scope, &api_id, &deployment_id)
            .await
            .map_err(map_not_found)?;
        shape["prosceniumDefinition"] =
            serde_json::to_value(&snapshot.definition).unwrap_or_default();
    }
    ok(&shape)
}

/// Proscenium's extension to GetDeployment: `embed=proscenium:definition` adds the whole API
/// definition frozen in the deployment as `prosceniumDefinition` (AWS exposes only the
/// summary; AWS clients ignore the extra member). The console's deployment diff uses it.
pub const DEFINITION_EMBED: &str = "proscenium:definition";

pub async fn get_deployments(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(api_id): Path<String>,
) -> ApiResult<Response> {
    load_api(&st, &caller.scope, &api_id).await?;
    let ds = st.store.list_deployments(&caller.scope, &api_id).await?;
    let items = ds
        .iter()
        .map(|d| {
            (
                super::common::created_key(d.created_date, &d.id),
                deployment_shape(d, false),
            )
        })
        .collect();
    ok(&page(items, &q)?)
}

pub async fn update_deployment(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, deployment_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateDeploymentInput")?;
    let _guard = st.write_lock.lock().await;
    load_api(&st, &caller.scope, &api_id).await?;
    let mut d = st
        .store
        .get_deployment(&caller.scope, &api_id, &deployment_id)
        .await
        .map_err(map_not_found)?;
    for op in &ops {
        match (op.op, op.path.as_str()) {
            (Op::Replace | Op::Add | Op::Remove, "/description") => {
                patch::set_opt_string(&mut d.description, op)?
            }
            _ => return Err(op.invalid_path(&["/description"])),
        }
    }
    st.store
        .update_deployment(&caller.scope, &api_id, &d)
        .await?;
    ok(&deployment_shape(&d, false))
}

pub async fn delete_deployment(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, deployment_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    load_api(&st, &caller.scope, &api_id).await?;
    st.store
        .delete_deployment(&caller.scope, &api_id, &deployment_id)
        .await
        .map_err(map_not_found)?;
    accepted()
}
