//! CreateBasePathMapping, GetBasePathMapping(s), UpdateBasePathMapping (`/basePath`,
//! `/restapiId`, `/stage`), DeleteBasePathMapping, with AWS's checks: the API and stage must
//! exist, a base path is taken once per domain, and an empty base path (`(none)`) leaves no
//! room for another mapping. Also the refusals of DeleteRestApi and DeleteStage while a
//! mapping still names the API or stage.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::domain_name::{NONE_BASE_PATH, normalise_base_path};
use proscenium_model::{BasePathMapping, Scope};
use proscenium_store::StoreError;
use serde::Deserialize;
use serde_json::json;

use super::common::page;
use super::domain_name::{load_domain, not_found as domain_not_found};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

fn mapping_not_found() -> ApiError {
    ApiError::not_found("Invalid base path mapping identifier specified")
}

/// AWS's conflicts: a base path taken, or a `(none)` mapping beside any other.
fn check_conflicts(
    existing: &[BasePathMapping],
    base_path: &str,
    ignoring: Option<&str>,
) -> ApiResult<()> {
    let others: Vec<&BasePathMapping> = existing
        .iter()
        .filter(|m| Some(m.base_path.as_str()) != ignoring)
        .collect();
    if others.iter().any(|m| m.base_path == base_path) {
        return Err(ApiError::conflict(
            "Base path already exists for this domain name",
        ));
    }
    if !others.is_empty()
        && (base_path == NONE_BASE_PATH || others.iter().any(|m| m.base_path == NONE_BASE_PATH))
    {
        return Err(ApiError::conflict(
            "Only one base path mapping is allowed if the base path is empty.",
        ));
    }
    Ok(())
}

/// The API must exist, and the stage (when named) in it.
async fn check_target(
    st: &ControlState,
    scope: &Scope,
    api_id: &str,
    stage: Option<&str>,
) -> ApiResult<()> {
    match st.store.get_api(scope, api_id).await {
        Err(StoreError::NotFound) => {
            return Err(ApiError::bad_request(
                "Invalid REST API identifier specified",
            ));
        }
        other => {
            other?;
        }
    }
    if let Some(stage) = stage {
        match st.store.get_stage(scope, api_id, stage).await {
            Err(StoreError::NotFound) => {
                return Err(ApiError::bad_request("Invalid stage identifier specified"));
            }
            other => {
                other?;
            }
        }
    }
    Ok(())
}

fn is_regional(d: &proscenium_model::DomainName) -> bool {
    d.endpoint_type() == "REGIONAL"
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBasePathMappingRequest {
    base_path: Option<String>,
    rest_api_id: Option<String>,
    stage: Option<String>,
}

pub async fn create_base_path_mapping(
    State(st): State<ControlState>,
    caller: Caller,
    Path(domain): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateBasePathMappingRequest = json_body(&body)?;
    let _guard = st.write_lock.lock().await;
    let d = load_domain(&st, &caller.scope, &domain).await?;
    let api_id = req.rest_api_id.unwrap_or_default();
    let stage = req.stage.filter(|s| !s.is_empty());
    check_target(&st, &caller.scope, &api_id, stage.as_deref()).await?;
    let base_path = normalise_base_path(req.base_path.as_deref(), is_regional(&d))?;
    let existing = st
        .store
        .list_base_path_mappings(&caller.scope, &d.domain_name)
        .await?;
    check_conflicts(&existing, &base_path, None)?;
    let mapping = BasePathMapping {
        base_path,
        rest_api_id: api_id,
        stage,
    };
    match st
        .store
        .put_base_path_mapping(&caller.scope, &d.domain_name, &mapping, None)
        .await
    {
        Err(StoreError::NotFound) => Err(domain_not_found()),
        other => {
            other?;
            created(&mapping)
        }
    }
}

/// The stored key of a base path as given in a URI (`(none)`, empty, or the path).
fn stored_base_path(raw: &str) -> String {
    let trimmed = raw.trim_matches('/');
    if trimmed.is_empty() {
        NONE_BASE_PATH.into()
    } else {
        trimmed.to_string()
    }
}

async fn load_mapping(
    st: &ControlState,
    scope: &Scope,
    domain: &str,
    base_path: &str,
) -> ApiResult<(String, Vec<BasePathMapping>, BasePathMapping)> {
    let d = load_domain(st, scope, domain).await?;
    let all = match st
        .store
        .list_base_path_mappings(scope, &d.domain_name)
        .await
    {
        Err(StoreError::NotFound) => return Err(domain_not_found()),
        other => other?,
    };
    let key = stored_base_path(base_path);
    let found = all
        .iter()
        .find(|m| m.base_path == key)
        .cloned()
        .ok_or_else(mapping_not_found)?;
    Ok((d.domain_name, all, found))
}

pub async fn get_base_path_mapping(
    State(st): State<ControlState>,
    caller: Caller,
    Path((domain, base_path)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (_, _, m) = load_mapping(&st, &caller.scope, &domain, &base_path).await?;
    ok(&m)
}

pub async fn get_base_path_mappings(
    State(st): State<ControlState>,
    caller: Caller,
    Path(domain): Path<String>,
    q: Query,
) -> ApiResult<Response> {
    let d = load_domain(&st, &caller.scope, &domain).await?;
    let all = match st
        .store
        .list_base_path_mappings(&caller.scope, &d.domain_name)
        .await
    {
        Err(StoreError::NotFound) => return Err(domain_not_found()),
        other => other?,
    };
    let items = all
        .iter()
        .map(|m| (m.base_path.clone(), json!(m)))
        .collect();
    ok(&page(items, &q)?)
}

const MAPPING_PATHS: &[&str] = &["/basePath", "/restapiId", "/stage"];

pub async fn update_base_path_mapping(
    State(st): State<ControlState>,
    caller: Caller,
    Path((domain, base_path)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateBasePathMappingInput")?;
    let _guard = st.write_lock.lock().await;
    let d = load_domain(&st, &caller.scope, &domain).await?;
    let (name, all, current) = load_mapping(&st, &caller.scope, &domain, &base_path).await?;
    let mut m = current.clone();
    for op in &ops {
        match (op.op, op.path.as_str()) {
            (Op::Replace, "/basePath") => {
                m.base_path = normalise_base_path(op.value.as_deref(), is_regional(&d))?;
            }
            (Op::Replace, "/restapiId") => m.rest_api_id = op.value()?.to_string(),
            (Op::Replace, "/stage") => m.stage = op.value.clone().filter(|s| !s.is_empty()),
            (Op::Remove, "/stage") => m.stage = None,
            _ => return Err(op.invalid_path(MAPPING_PATHS)),
        }
    }
    check_target(&st, &caller.scope, &m.rest_api_id, m.stage.as_deref()).await?;
    check_conflicts(&all, &m.base_path, Some(&current.base_path))?;
    st.store
        .put_base_path_mapping(&caller.scope, &name, &m, Some(&current.base_path))
        .await?;
    ok(&m)
}

pub async fn delete_base_path_mapping(
    State(st): State<ControlState>,
    caller: Caller,
    Path((domain, base_path)): Path<(String, String)>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    let (name, _, m) = load_mapping(&st, &caller.scope, &domain, &base_path).await?;
    st.store
        .delete_base_path_mapping(&caller.scope, &name, &m.base_path)
        .await?;
    accepted()
}

/// The domains (by name) whose mappings name the API (and the stage, when given).
pub async fn domains_mapping(
    st: &ControlState,
    scope: &Scope,
    api_id: &str,
    stage: Option<&str>,
) -> ApiResult<Vec<String>> {
    Ok(st
        .store
        .all_domain_names()
        .await?
        .into_iter()
        .filter(|r| &r.scope == scope)
        .filter(|r| {
            r.mappings.iter().any(|m| {
                m.rest_api_id == api_id && stage.is_none_or(|s| m.stage.as_deref() == Some(s))
            })
        })
        .map(|r| r.domain.domain_name)
        .collect())
}

/// DeleteRestApi's refusal while a custom domain maps the API (AWS's text).
pub async fn refuse_mapped_api(st: &ControlState, scope: &Scope, api_id: &str) -> ApiResult<()> {
    if domains_mapping(st, scope, api_id, None).await?.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Deleting RestApi {api_id} failed. Please remove all base path mappings related to the RestApi in your domains."
        )))
    }
}

/// DeleteStage's refusal while a custom domain maps the stage (AWS's text).
pub async fn refuse_mapped_stage(
    st: &ControlState,
    scope: &Scope,
    api_id: &str,
    stage: &str,
) -> ApiResult<()> {
    if domains_mapping(st, scope, api_id, Some(stage))
        .await?
        .is_empty()
    {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Deleting stage {stage} failed. Please remove all base path mappings related to the stage in your domains."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(base: &str) -> BasePathMapping {
        BasePathMapping {
            base_path: base.into(),
            rest_api_id: "a".into(),
            stage: None,
        }
    }

    #[test]
    fn conflicts_are_aws_s() {
        let taken = check_conflicts(&[m("v1")], "v1", None).unwrap_err();
        assert_eq!(
            (taken.code(), taken.message()),
            (
                "ConflictException",
                "Base path already exists for this domain name"
            )
        );
        let empty = check_conflicts(&[m("v1")], "(none)", None).unwrap_err();
        assert_eq!(
            empty.message(),
            "Only one base path mapping is allowed if the base path is empty."
        );
        assert!(check_conflicts(&[m("(none)")], "v2", None).is_err());
        assert!(check_conflicts(&[m("v1")], "v2", None).is_ok());
        // An update may keep its own base path.
        assert!(check_conflicts(&[m("v1")], "v1", Some("v1")).is_ok());
        assert!(check_conflicts(&[m("(none)")], "v1", Some("(none)")).is_ok());
    }

    #[test]
    fn uri_base_paths_name_the_stored_key() {
        assert_eq!(stored_base_path("(none)"), "(none)");
        assert_eq!(stored_base_path(""), "(none)");
        assert_eq!(stored_base_path("v1"), "v1");
    }
}
