//! GetExport (`GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}`): the stage's
//! deployment snapshot (what callers are served, not the live definition; documentation from
//! the stage's documentation version, which belongs to the API) written by the
//! pure exporter (`proscenium_openapi::export`), as JSON or YAML per `Accept`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use proscenium_openapi::{ExportOptions, ExportType};
use proscenium_store::StoreError;

use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query};

/// `2024-05-01T12:00:00Z` from seconds since the epoch.
fn iso8601(secs: f64) -> String {
    let s = secs.max(0.0) as i64;
    let (y, m, d) = proscenium_model::usage_plan::civil(s.div_euclid(86_400));
    let t = s.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

pub async fn get_export(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, stage_name, export_type)): Path<(String, String, String)>,
    q: Query,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let stage = super::stage::load_stage(&st, &caller.scope, &api_id, &stage_name).await?;
    let kind = ExportType::parse(&export_type).ok_or_else(|| {
        ApiError::bad_request(format!("Invalid export type specified: {export_type}"))
    })?;
    let deployment_id = &stage.value.deployment_id;
    let snapshot = match st
        .store
        .get_snapshot(&caller.scope, &api_id, deployment_id)
        .await
    {
        Err(StoreError::NotFound) => {
            return Err(ApiError::not_found(
                "Invalid Deployment identifier specified",
            ));
        }
        other => other?,
    };
    let deployment = st
        .store
        .get_deployment(&caller.scope, &api_id, deployment_id)
        .await?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let yaml = accept.contains("yaml");
    let mut opts = ExportOptions {
        kind,
        stage: stage_name.clone(),
        host: format!("{api_id}.execute-api.{}.amazonaws.com", caller.scope.region),
        version_fallback: iso8601(deployment.created_date),
        integrations: false,
        authorizers: false,
        documentation: None,
    };
    // Documentation versions belong to the API, not to a deployment: the stage's version is
    // read from the live definition.
    if let Some(v) = &stage.value.documentation_version {
        let live = super::common::load_api(&st, &caller.scope, &api_id).await?;
        opts.documentation = live
            .value
            .documentation_versions
            .get(v)
            .map(|v| v.parts.clone());
    }
    if let Some(e) = q.get("extensions") {
        opts.extensions(e);
    }
    let doc = proscenium_openapi::export(&snapshot.definition, &opts);
    let version = doc
        .pointer("/info/version")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    let body = proscenium_openapi::export::render(&doc, yaml);
    let filename = format!(
        "{}_{version}.{}",
        kind.as_str(),
        if yaml { "yaml" } else { "json" }
    );
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}
