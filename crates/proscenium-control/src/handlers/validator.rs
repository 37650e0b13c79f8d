//! CreateRequestValidator, GetRequestValidator(s), UpdateRequestValidator, DeleteRequestValidator.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::RequestValidator;
use proscenium_model::id::CHILD_ID_LEN;
use serde::Deserialize;

use super::common::{edit_api, load_api, page_map};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

fn not_found() -> ApiError {
    ApiError::not_found("Invalid Request Validator identifier specified")
}

fn unknown_api_is_unknown_validator(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(m) if m.starts_with("Invalid API identifier") => not_found(),
        e => e,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequestValidatorRequest {
    name: Option<String>,
    #[serde(default)]
    validate_request_body: bool,
    #[serde(default)]
    validate_request_parameters: bool,
}

pub async fn create_request_validator(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateRequestValidatorRequest = json_body(&body)?;
    let v = RequestValidator {
        id: st.new_id(CHILD_ID_LEN),
        name: req.name,
        validate_request_body: req.validate_request_body,
        validate_request_parameters: req.validate_request_parameters,
    };
    let out = edit_api(&st, &caller.scope, &api_id, |def| {
        def.request_validators.insert(v.id.clone(), v.clone());
        Ok(v)
    })
    .await
    .map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::bad_request("Invalid REST API identifier specified"),
        e => e,
    })?;
    created(&out)
}

pub async fn get_request_validator(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => not_found(),
            e => e,
        })?;
    ok(def
        .value
        .request_validators
        .get(&id)
        .ok_or_else(not_found)?)
}

pub async fn get_request_validators(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(api_id): Path<String>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    ok(&page_map(def.value.request_validators.iter(), &q)?)
}

pub async fn update_request_validator(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateRequestValidatorInput")?;
    let out = edit_api(&st, &caller.scope, &api_id, |def| {
        let v = def.request_validators.get_mut(&id).ok_or_else(not_found)?;
        for op in &ops {
            if op.op != Op::Replace {
                return Err(op.invalid_path(&[]));
            }
            let flag = || {
                op.value
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case("true"))
            };
            match op.path.as_str() {
                "/name" => {
                    let n = op.value.clone().unwrap_or_default();
                    if n.trim().is_empty() {
                        return Err(ApiError::bad_request(
                            "Request Validator name cannot be blank",
                        ));
                    }
                    v.name = Some(n);
                }
                "/validateRequestBody" => v.validate_request_body = flag(),
                "/validateRequestParameters" => v.validate_request_parameters = flag(),
                _ => {
                    return Err(op.invalid_path(&[
                        "/name",
                        "/validateRequestParameters",
                        "/validateRequestBody",
                    ]));
                }
            }
        }
        Ok(v.clone())
    })
    .await
    .map_err(unknown_api_is_unknown_validator)?;
    ok(&out)
}

pub async fn delete_request_validator(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    edit_api(&st, &caller.scope, &api_id, |def| {
        def.request_validators.remove(&id).ok_or_else(not_found)?;
        Ok(())
    })
    .await
    .map_err(unknown_api_is_unknown_validator)?;
    accepted()
}
