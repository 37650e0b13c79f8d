//! PutGatewayResponse, GetGatewayResponse(s), UpdateGatewayResponse, DeleteGatewayResponse.
//! Uncustomised types answer with AWS's defaults (`defaultResponse: true`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::gateway_response::{
    GATEWAY_RESPONSE_TYPES, GatewayResponseType, effective, lookup_type,
};
use proscenium_model::{GatewayResponse, StringMap};
use serde::Deserialize;

use super::common::{edit_api, load_api, page};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

/// Coral lists the enum in its own order.
const ENUM_ORDER: &str = "REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN";

fn response_type(name: &str) -> ApiResult<GatewayResponseType> {
    lookup_type(name).ok_or_else(|| {
        patch::validation_errors(&[format!(
            "Value '{name}' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [{ENUM_ORDER}]"
        )])
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutGatewayResponseRequest {
    status_code: Option<String>,
    #[serde(default)]
    response_parameters: StringMap,
    #[serde(default)]
    response_templates: StringMap,
}

pub async fn put_gateway_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, ty)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: PutGatewayResponseRequest = json_body(&body)?;
    let t = response_type(&ty)?;
    let out = edit_api(&st, &caller.scope, &api_id, |def| {
        let base = effective(t, &Default::default());
        let gr = GatewayResponse {
            response_type: t.name.to_string(),
            status_code: req.status_code.or(base.status_code),
            response_parameters: req.response_parameters,
            response_templates: if req.response_templates.is_empty() {
                base.response_templates
            } else {
                req.response_templates
            },
            default_response: false,
        };
        def.gateway_responses.insert(t.name.to_string(), gr.clone());
        Ok(gr)
    })
    .await?;
    created(&out)
}

pub async fn get_gateway_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, ty)): Path<(String, String)>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    let t = response_type(&ty)?;
    ok(&effective(t, &def.value.gateway_responses))
}

pub async fn get_gateway_responses(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(api_id): Path<String>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    let items = GATEWAY_RESPONSE_TYPES
        .iter()
        .map(|t| {
            let gr = effective(*t, &def.value.gateway_responses);
            (
                t.name.to_string(),
                serde_json::to_value(gr).unwrap_or_default(),
            )
        })
        .collect();
    ok(&page(items, &q)?)
}

pub async fn update_gateway_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, ty)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateGatewayResponseInput")?;
    let t = response_type(&ty)?;
    let out = edit_api(&st, &caller.scope, &api_id, |def| {
        let mut gr = effective(t, &def.gateway_responses);
        gr.default_response = false;
        for op in &ops {
            let raw: Vec<&str> = op.path.trim_start_matches('/').splitn(2, '/').collect();
            match (raw.as_slice(), op.op) {
                ([""], _) if op.path.is_empty() => {
                    return Err(ApiError::bad_request("Invalid patch path null"));
                }
                (["statusCode"], Op::Replace) => gr.status_code = Some(op.value()?.to_string()),
                (["responseParameters", k], _) => map_op(
                    &mut gr.response_parameters,
                    &patch::unescape(k),
                    op,
                    "responseParameters",
                )?,
                (["responseTemplates", k], _) => map_op(
                    &mut gr.response_templates,
                    &patch::unescape(k),
                    op,
                    "responseTemplates",
                )?,
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Invalid patch path {}",
                        op.path
                    )));
                }
            }
        }
        def.gateway_responses.insert(t.name.to_string(), gr.clone());
        Ok(gr)
    })
    .await?;
    ok(&out)
}

fn map_op(map: &mut StringMap, key: &str, op: &patch::PatchOp, what: &str) -> ApiResult<()> {
    match op.op {
        Op::Add | Op::Replace => {
            let v = op.value.clone().unwrap_or_default();
            if v.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "Invalid null or empty value in {what}"
                )));
            }
            if op.op == Op::Replace && !map.contains_key(key) {
                return Err(ApiError::not_found("Invalid parameter name specified"));
            }
            map.insert(key.to_string(), v);
        }
        Op::Remove => {
            map.remove(key);
        }
        _ => {
            return Err(ApiError::bad_request(format!(
                "Invalid patch path {}",
                op.path
            )));
        }
    }
    Ok(())
}

pub async fn delete_gateway_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, ty)): Path<(String, String)>,
) -> ApiResult<Response> {
    load_api(&st, &caller.scope, &api_id).await?;
    let t = response_type(&ty)?;
    edit_api(&st, &caller.scope, &api_id, |def| {
        def.gateway_responses
            .remove(t.name)
            .ok_or_else(|| ApiError::not_found("Gateway response type not defined on api"))?;
        Ok(())
    })
    .await?;
    accepted()
}
