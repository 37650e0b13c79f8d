//! GetSdkTypes, GetSdkType and GetSdk: client SDKs from the stage's deployment snapshot
//! (`proscenium_openapi::sdk`). `javascript` and `typescript` (beyond AWS) are generated;
//! AWS's other types answer BadRequest until they are.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use proscenium_openapi::sdk::{SDK_TYPES, SdkOptions};
use proscenium_store::StoreError;
use serde_json::{Value, json};

use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, ok};

/// AWS's SDK types (GetSdk's documentation lists them).
const AWS_TYPES: &[&str] = &[
    "java",
    "javascript",
    "android",
    "objectivec",
    "swift",
    "ruby",
];

fn sdk_type(id: &str, friendly: &str, description: &str) -> Value {
    json!({"id": id, "friendlyName": friendly, "description": description, "configurationProperties": []})
}

pub async fn get_sdk_types(_caller: Caller, q: Query) -> ApiResult<Response> {
    let items = SDK_TYPES
        .iter()
        .map(|(id, f, d)| (id.to_string(), sdk_type(id, f, d)))
        .collect();
    ok(&super::common::page(items, &q)?)
}

pub async fn get_sdk_type(_caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let (id, f, d) = SDK_TYPES
        .iter()
        .find(|(i, _, _)| *i == id)
        .ok_or_else(|| ApiError::not_found(format!("Invalid SDK type specified: {id}")))?;
    ok(&sdk_type(id, f, d))
}

pub async fn get_sdk(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, stage_name, kind)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let stage = super::stage::load_stage(&st, &caller.scope, &api_id, &stage_name).await?;
    if kind != "javascript" && kind != "typescript" {
        return Err(ApiError::bad_request(
            if AWS_TYPES.contains(&kind.as_str()) {
                format!(
                    "SDK type {kind} is not supported by Proscenium yet; supported: javascript, typescript"
                )
            } else {
                format!("Invalid SDK type specified: {kind}")
            },
        ));
    }
    let snapshot = match st
        .store
        .get_snapshot(&caller.scope, &api_id, &stage.value.deployment_id)
        .await
    {
        Err(StoreError::NotFound) => {
            return Err(ApiError::not_found(
                "Invalid Deployment identifier specified",
            ));
        }
        other => other?,
    };
    let region = caller.scope.region.clone();
    let opts = SdkOptions {
        invoke_url: format!("https://{api_id}.execute-api.{region}.amazonaws.com/{stage_name}"),
        region,
    };
    let body = if kind == "typescript" {
        proscenium_openapi::sdk::typescript(&snapshot.definition, &opts)
    } else {
        proscenium_openapi::sdk::javascript(&snapshot.definition, &opts)
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{api_id}_{stage_name}_{kind}.zip\""),
            ),
        ],
        body,
    )
        .into_response())
}
