//! TagResource, UntagResource, GetTags on REST API, stage, API key and usage plan ARNs
//! (`arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}]`, `::/apikeys/{id}`,
//! `::/usageplans/{id}`, `::/domainnames/{name}`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::StringMap;
use proscenium_store::StageWrite;
use serde::Deserialize;
use serde_json::json;

use super::common::edit_api;
use super::stage::load_stage;
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, json_body, no_content, ok};

enum Target {
    Api(String),
    Stage(String, String),
    ApiKey(String),
    UsagePlan(String),
    DomainName(String),
}

fn parse_arn(arn: &str, caller: &Caller) -> ApiResult<Target> {
    let invalid = || ApiError::bad_request(format!("Invalid resource ARN specified: {arn}"));
    let rest = arn
        .strip_prefix("arn:aws:apigateway:")
        .ok_or_else(invalid)?;
    let (region, path) = rest.split_once("::").ok_or_else(invalid)?;
    if region != caller.scope.region {
        return Err(ApiError::not_found(format!(
            "Invalid resource identifier specified: {arn}"
        )));
    }
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        ["restapis", api] => Ok(Target::Api(api.to_string())),
        ["restapis", api, "stages", stage] => Ok(Target::Stage(api.to_string(), stage.to_string())),
        ["apikeys", id] => Ok(Target::ApiKey(id.to_string())),
        ["usageplans", id] => Ok(Target::UsagePlan(id.to_string())),
        ["domainnames", name] => Ok(Target::DomainName(name.to_string())),
        _ => Err(invalid()),
    }
}

async fn edit_tags(
    st: &ControlState,
    caller: &Caller,
    arn: &str,
    f: impl FnOnce(&mut StringMap),
) -> ApiResult<StringMap> {
    match parse_arn(arn, caller)? {
        Target::Api(api) => {
            edit_api(st, &caller.scope, &api, |def| {
                f(&mut def.api.tags);
                Ok(def.api.tags.clone())
            })
            .await
        }
        Target::Stage(api, stage) => {
            let _guard = st.write_lock.lock().await;
            let cur = load_stage(st, &caller.scope, &api, &stage).await?;
            let mut s = cur.value;
            f(&mut s.tags);
            let tags = s.tags.clone();
            st.store
                .put_stage(
                    &caller.scope,
                    &api,
                    StageWrite {
                        stage: s,
                        expected: Some(cur.revision),
                    },
                )
                .await?;
            Ok(tags)
        }
        Target::ApiKey(id) => {
            let _guard = st.write_lock.lock().await;
            let mut k = super::api_key::load_key(st, &caller.scope, &id).await?;
            f(&mut k.tags);
            st.store.put_api_key(&caller.scope, &k).await?;
            Ok(k.tags)
        }
        Target::UsagePlan(id) => {
            let _guard = st.write_lock.lock().await;
            let mut p = super::usage_plan::load_plan(st, &caller.scope, &id).await?;
            f(&mut p.tags);
            st.store.put_usage_plan(&caller.scope, &p).await?;
            Ok(p.tags)
        }
        Target::DomainName(name) => {
            super::domain_name::edit_tags(st, &caller.scope, &name, f).await
        }
    }
}

#[derive(Deserialize)]
struct TagResourceRequest {
    #[serde(default)]
    tags: StringMap,
}

pub async fn tag_resource(
    State(st): State<ControlState>,
    caller: Caller,
    Path(arn): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: TagResourceRequest = json_body(&body)?;
    edit_tags(&st, &caller, &arn, |t| t.extend(req.tags)).await?;
    no_content()
}

pub async fn untag_resource(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(arn): Path<String>,
) -> ApiResult<Response> {
    let keys: Vec<String> = q.all("tagKeys").map(str::to_string).collect();
    edit_tags(&st, &caller, &arn, |t| t.retain(|k, _| !keys.contains(k))).await?;
    no_content()
}

pub async fn get_tags(
    State(st): State<ControlState>,
    caller: Caller,
    Path(arn): Path<String>,
) -> ApiResult<Response> {
    let tags = match parse_arn(&arn, &caller)? {
        Target::Api(api) => super::common::load_api(&st, &caller.scope, &api)
            .await?
            .value
            .api
            .tags
            .clone(),
        Target::Stage(api, stage) => {
            load_stage(&st, &caller.scope, &api, &stage)
                .await?
                .value
                .tags
        }
        Target::ApiKey(id) => {
            super::api_key::load_key(&st, &caller.scope, &id)
                .await?
                .tags
        }
        Target::UsagePlan(id) => {
            super::usage_plan::load_plan(&st, &caller.scope, &id)
                .await?
                .tags
        }
        Target::DomainName(name) => {
            super::domain_name::load_domain(&st, &caller.scope, &name)
                .await?
                .tags
        }
    };
    ok(&json!({ "tags": tags }))
}
