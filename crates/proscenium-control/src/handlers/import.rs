//! ImportRestApi (`POST /restapis?mode=import`) and PutRestApi (`PUT /restapis/{id}`):
//! an OpenAPI document through the pure importer (`proscenium_openapi::import`), then
//! one store write. A refused import leaves nothing behind.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::id::API_ID_LEN;
use proscenium_model::rest_api::ENDPOINT_TYPES;
use proscenium_model::{ApiDefinition, EndpointConfiguration, RestApi};
use proscenium_openapi::{BasePathMode, ImportMode, ImportOptions};

use super::common::edit_api;
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, created, ok};

/// The `parameters` map AWS reads (flattened into the query string by the SDKs).
/// `mode=overwrite|merge` (default merge) of PutRestApi and ImportDocumentationParts.
pub fn import_mode(q: &Query) -> ApiResult<ImportMode> {
    match q.get("mode") {
        None | Some("merge") => Ok(ImportMode::Merge),
        Some("overwrite") => Ok(ImportMode::Overwrite),
        Some(m) => Err(crate::patch::validation_errors(&[format!(
            "Value '{m}' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [overwrite, merge]"
        )])),
    }
}

fn options(q: &Query, mode: ImportMode) -> ApiResult<ImportOptions> {
    let base_path = match q.get("basepath") {
        None => BasePathMode::Ignore,
        Some(b) => BasePathMode::parse(&b.to_ascii_lowercase()).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid base path mode specified: {b}. Valid options are ignore, prepend, split"
            ))
        })?,
    };
    Ok(ImportOptions {
        mode,
        base_path,
        fail_on_warnings: q
            .get("failonwarnings")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        ignore_documentation: q.get("ignore") == Some("documentation"),
    })
}

fn run_import(
    st: &ControlState,
    caller: &Caller,
    body: &[u8],
    def: &mut ApiDefinition,
    opts: &ImportOptions,
) -> ApiResult<Vec<String>> {
    let mut next = || st.ids.next_u32();
    let warnings = proscenium_openapi::import(body, def, opts, &mut next)?;
    def.api.policy = def
        .api
        .policy
        .take()
        .map(|p| super::rest_api::stored_policy(&p, &caller.scope, &def.api.id))
        .transpose()?
        .filter(|p| !p.is_empty());
    Ok(warnings)
}

fn with_warnings(api: &RestApi, warnings: Vec<String>, tags: bool) -> serde_json::Value {
    let mut api = api.clone();
    api.warnings = warnings;
    let mut v = serde_json::to_value(&api).unwrap_or_default();
    if tags && let Some(o) = v.as_object_mut() {
        o.entry("tags").or_insert_with(|| serde_json::json!({}));
    }
    v
}

pub async fn import_rest_api(
    st: &ControlState,
    caller: &Caller,
    q: &Query,
    body: &Bytes,
) -> ApiResult<Response> {
    let opts = options(q, ImportMode::Overwrite)?;
    let mut endpoint = EndpointConfiguration {
        types: vec!["EDGE".into()],
        ip_address_type: Some("ipv4".into()),
        vpc_endpoint_ids: None,
    };
    if let Some(t) = q.get("endpointConfigurationTypes") {
        let t = t.to_ascii_uppercase();
        if !ENDPOINT_TYPES.contains(&t.as_str()) {
            return Err(ApiError::bad_request(
                "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
            ));
        }
        if t == "PRIVATE" {
            endpoint.ip_address_type = Some("dualstack".into());
        }
        endpoint.types = vec![t];
    }
    // The id, the date and the root's id are drawn in this order.
    let id = st.new_id(API_ID_LEN);
    let created_date = st.now().floor();
    let api = RestApi {
        created_date,
        endpoint_configuration: endpoint,
        ..RestApi::new(id, "", st.new_id(API_ID_LEN))
    };
    let mut def = ApiDefinition::new(api);
    let warnings = run_import(st, caller, body, &mut def, &opts)?;
    st.store.put_api(&caller.scope, &def, None).await?;
    created(&with_warnings(&def.api, warnings, false))
}

pub async fn put_rest_api(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    q: Query,
    body: Bytes,
) -> ApiResult<Response> {
    let opts = options(&q, import_mode(&q)?)?;
    let (api, warnings) = edit_api(&st, &caller.scope, &api_id, |def| {
        let warnings = run_import(&st, &caller, &body, def, &opts)?;
        Ok((def.api.clone(), warnings))
    })
    .await?;
    ok(&with_warnings(&api, warnings, true))
}
