//! PutMethod, GetMethod, UpdateMethod, DeleteMethod and the method-response operations.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::mapping::MappingError;
use proscenium_model::method::{HTTP_METHODS, is_valid_status_code};
use proscenium_model::{ApiDefinition, BoolMap, Method, MethodResponse, Resource, StringMap};
use serde::Deserialize;
use serde_json::Value;

use super::common::{edit_api, load_api, mapping_error};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, created, json_body, no_content, ok};
use crate::patch::{self, Op, PatchOp};

/// A method as AWS prints it (integration included).
pub fn method_shape(m: &Method) -> Value {
    let mut v = serde_json::to_value(m).unwrap_or_default();
    if let (Some(i), Some(o)) = (&m.method_integration, v.as_object_mut()) {
        o.insert(
            "methodIntegration".into(),
            super::integration::integration_shape(i),
        );
    }
    v
}

pub fn invalid_resource() -> ApiError {
    ApiError::not_found("Invalid Resource identifier specified")
}

pub fn invalid_method() -> ApiError {
    ApiError::not_found("Invalid Method identifier specified")
}

/// AWS answers "Invalid Resource identifier" when either the API or the resource is unknown.
pub async fn load_resource(
    st: &ControlState,
    caller: &Caller,
    api_id: &str,
    resource_id: &str,
) -> ApiResult<(std::sync::Arc<ApiDefinition>, Resource)> {
    let def = load_api(st, &caller.scope, api_id)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => invalid_resource(),
            e => e,
        })?;
    let r = def
        .value
        .resources
        .get(resource_id)
        .cloned()
        .ok_or_else(invalid_resource)?;
    Ok((def.value, r))
}

/// Edits one existing method of a resource; unknown API/resource/method give AWS's messages.
pub async fn edit_method<T>(
    st: &ControlState,
    caller: &Caller,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
    f: impl FnOnce(&ApiDefinition, &mut Method) -> ApiResult<T>,
) -> ApiResult<T> {
    edit_api(st, &caller.scope, api_id, |def| {
        // Take the method out so `f` can read the rest of the definition while editing it
        // (a failed edit discards the whole copy anyway).
        let mut method = def
            .resources
            .get_mut(resource_id)
            .ok_or_else(invalid_resource)?
            .resource_methods
            .remove(http_method)
            .ok_or_else(invalid_method)?;
        let out = f(def, &mut method)?;
        if let Some(r) = def.resources.get_mut(resource_id) {
            r.resource_methods.insert(http_method.to_string(), method);
        }
        Ok(out)
    })
    .await
    .map_err(|e| match e {
        ApiError::NotFound(m) if m.starts_with("Invalid API identifier") => invalid_resource(),
        e => e,
    })
}

fn check_http_method(m: &str) -> ApiResult<()> {
    if HTTP_METHODS.contains(&m) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY",
        ))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutMethodRequest {
    authorization_type: Option<String>,
    authorizer_id: Option<String>,
    #[serde(default)]
    api_key_required: bool,
    operation_name: Option<String>,
    #[serde(default)]
    request_parameters: serde_json::Map<String, Value>,
    #[serde(default)]
    request_models: StringMap,
    request_validator_id: Option<String>,
    authorization_scopes: Option<Vec<String>>,
}

fn request_parameters(raw: serde_json::Map<String, Value>) -> ApiResult<BoolMap> {
    let mut out = BoolMap::new();
    let mut names = std::collections::BTreeSet::new();
    for (k, v) in raw {
        let bad = |what: &str| mapping_error(MappingError::Expression(what.to_string()));
        let name = k.rsplit('.').next().unwrap_or(&k).to_string();
        if !is_request_parameter(&k) {
            return Err(bad(&k));
        }
        let b = v.as_bool().ok_or_else(|| {
            bad(&v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string()))
        })?;
        if !names.insert(name) {
            return Err(ApiError::bad_request(
                "Parameter names must be unique across querystring, header and path",
            ));
        }
        out.insert(k, b);
    }
    Ok(out)
}

/// `method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.NAME`.
fn is_request_parameter(k: &str) -> bool {
    let Some(rest) = k.strip_prefix("method.request.") else {
        return false;
    };
    let Some((location, name)) = rest.split_once('.') else {
        return false;
    };
    matches!(
        location,
        "path" | "querystring" | "multivaluequerystring" | "header" | "multivalueheader"
    ) && !name.is_empty()
}

/// The four authorization types AWS knows. Another value would make a method that refuses
/// every request (the gateway fails closed on a type it cannot evaluate), so it is refused here.
/// AWS's exact words for this refusal are not recorded; the text is ours.
fn check_authorization_type(kind: &str) -> ApiResult<()> {
    if matches!(kind, "NONE" | "AWS_IAM" | "CUSTOM" | "COGNITO_USER_POOLS") {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "Invalid authorization type specified: {kind}. Must be one of: [NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS]"
    )))
}

/// The cross-references AWS checks on a method: authorizer, validator, models.
fn check_references(def: &ApiDefinition, m: &Method) -> ApiResult<()> {
    if matches!(
        m.authorization_type.as_str(),
        "CUSTOM" | "COGNITO_USER_POOLS"
    ) && !m
        .authorizer_id
        .as_ref()
        .is_some_and(|a| def.authorizers.contains_key(a))
    {
        return Err(ApiError::bad_request(
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        ));
    }
    if let Some(v) = &m.request_validator_id
        && !def.request_validators.contains_key(v)
    {
        return Err(ApiError::bad_request(
            "Invalid Request Validator identifier specified",
        ));
    }
    for model in m.request_models.values() {
        if !def.models.contains_key(model) {
            return Err(ApiError::bad_request(format!(
                "Invalid model identifier specified: {model}"
            )));
        }
    }
    Ok(())
}

pub async fn put_method(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: PutMethodRequest = json_body(&body)?;
    load_resource(&st, &caller, &api_id, &resource_id).await?;
    check_http_method(&http_method)?;
    let authorization_type = req.authorization_type.ok_or_else(|| {
        patch::validation_errors(&["Value null at 'putMethodInput.authorizationType' failed to satisfy constraint: Member must not be null".into()])
    })?;
    check_authorization_type(&authorization_type)?;
    let method = Method {
        http_method: http_method.clone(),
        authorization_type: authorization_type.clone(),
        authorizer_id: req
            .authorizer_id
            .filter(|_| matches!(authorization_type.as_str(), "CUSTOM" | "COGNITO_USER_POOLS")),
        api_key_required: req.api_key_required,
        request_validator_id: req.request_validator_id,
        operation_name: req.operation_name,
        request_parameters: request_parameters(req.request_parameters)?,
        request_models: req.request_models,
        method_responses: Default::default(),
        method_integration: None,
        authorization_scopes: req.authorization_scopes,
    };
    let m = edit_api(&st, &caller.scope, &api_id, |def| {
        check_references(def, &method)?;
        let r = def
            .resources
            .get_mut(&resource_id)
            .ok_or_else(invalid_resource)?;
        if r.resource_methods.contains_key(&http_method) {
            return Err(ApiError::conflict(
                "Method already exists for this resource",
            ));
        }
        r.resource_methods
            .insert(http_method.clone(), method.clone());
        Ok(method)
    })
    .await?;
    created(&method_shape(&m))
}

pub async fn get_method(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let (_, r) = load_resource(&st, &caller, &api_id, &resource_id).await?;
    let m = r
        .resource_methods
        .get(&http_method)
        .ok_or_else(invalid_method)?;
    ok(&method_shape(m))
}

pub async fn update_method(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateMethodInput")?;
    let m = edit_method(
        &st,
        &caller,
        &api_id,
        &resource_id,
        &http_method,
        |def, m| {
            for op in &ops {
                apply(m, op)?;
            }
            if !matches!(
                m.authorization_type.as_str(),
                "CUSTOM" | "COGNITO_USER_POOLS"
            ) {
                m.authorizer_id = None;
            }
            check_references(def, m)?;
            Ok(m.clone())
        },
    )
    .await?;
    ok(&method_shape(&m))
}

fn replace_only(op: &PatchOp) -> ApiResult<()> {
    if op.op == Op::Replace {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "Invalid patch operation specified. Must be one of: [replace]",
        ))
    }
}

fn apply(m: &mut Method, op: &PatchOp) -> ApiResult<()> {
    let raw: Vec<&str> = op.path.trim_start_matches('/').split('/').collect();
    let key = raw.get(1).map(|k| patch::unescape(k));
    match (raw.as_slice(), key) {
        (["authorizationType"], _) => {
            replace_only(op)?;
            check_authorization_type(op.value()?)?;
            m.authorization_type = op.value()?.to_string();
            if !matches!(
                m.authorization_type.as_str(),
                "CUSTOM" | "COGNITO_USER_POOLS"
            ) {
                m.authorizer_id = None;
            }
        }
        (["authorizerId"], _) => {
            replace_only(op)?;
            m.authorizer_id = op.value.clone();
        }
        (["apiKeyRequired"], _) => {
            replace_only(op)?;
            m.api_key_required = op
                .value
                .as_deref()
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        }
        (["operationName"], _) => {
            replace_only(op)?;
            m.operation_name = op.value.clone();
        }
        (["requestValidatorId"], _) => {
            replace_only(op)?;
            m.request_validator_id = op.value.clone().filter(|v| !v.is_empty());
        }
        // AWS adds and removes scopes one at a time; `replace` sets a single one.
        (["authorizationScopes"], _) => match op.op {
            Op::Add => {
                let v = op.value()?.to_string();
                let scopes = m.authorization_scopes.get_or_insert_with(Vec::new);
                if !scopes.contains(&v) {
                    scopes.push(v);
                }
            }
            Op::Remove => {
                match (op.value.as_deref(), m.authorization_scopes.as_mut()) {
                    (Some(v), Some(scopes)) => scopes.retain(|s| s != v),
                    (None, _) => m.authorization_scopes = None,
                    (Some(_), None) => {}
                }
                if m.authorization_scopes.as_ref().is_some_and(Vec::is_empty) {
                    m.authorization_scopes = None;
                }
            }
            Op::Replace => {
                m.authorization_scopes = op.value.as_ref().map(|v| vec![v.clone()]);
            }
            _ => {
                return Err(ApiError::bad_request(
                    "Invalid patch operation specified. Must be one of: [add, remove, replace]",
                ));
            }
        },
        (["requestParameters", _], Some(k)) => match op.op {
            Op::Add | Op::Replace => {
                let required = op
                    .value
                    .as_deref()
                    .map(|v| v.eq_ignore_ascii_case("true"))
                    .unwrap_or(false);
                m.request_parameters.insert(k, required);
            }
            Op::Remove => {
                m.request_parameters.remove(&k);
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Invalid patch path {}",
                    op.path
                )));
            }
        },
        (["requestModels", _], Some(k)) => match op.op {
            Op::Add | Op::Replace => {
                m.request_models.insert(k, op.value()?.to_string());
            }
            Op::Remove => {
                m.request_models.remove(&k);
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Invalid patch path {}",
                    op.path
                )));
            }
        },
        _ => {
            return Err(ApiError::bad_request(format!(
                "Invalid patch path {}",
                op.path
            )));
        }
    }
    Ok(())
}

pub async fn delete_method(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    edit_api(&st, &caller.scope, &api_id, |def| {
        let r = def
            .resources
            .get_mut(&resource_id)
            .ok_or_else(invalid_resource)?;
        r.resource_methods
            .remove(&http_method)
            .ok_or_else(invalid_method)?;
        Ok(())
    })
    .await
    .map_err(|e| match e {
        ApiError::NotFound(m) if m.starts_with("Invalid API identifier") => invalid_resource(),
        e => e,
    })?;
    no_content()
}

// --- Method responses ---

pub fn check_status_code(code: &str) -> ApiResult<()> {
    if is_valid_status_code(code) {
        Ok(())
    } else {
        Err(patch::validation_errors(&[format!(
            "Value '{code}' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d"
        )]))
    }
}

pub fn invalid_status() -> ApiError {
    ApiError::not_found("Invalid Response status code specified")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutMethodResponseRequest {
    response_parameters: Option<BoolMap>,
    response_models: Option<StringMap>,
}

pub async fn put_method_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method, status)): Path<(String, String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: PutMethodResponseRequest = json_body(&body)?;
    check_status_code(&status)?;
    let mr = MethodResponse {
        status_code: status.clone(),
        response_parameters: req.response_parameters,
        response_models: req.response_models,
    };
    let out = mr.clone();
    edit_method(&st, &caller, &api_id, &resource_id, &http_method, |_, m| {
        m.method_responses.insert(status, mr);
        Ok(())
    })
    .await?;
    created(&out)
}

pub async fn get_method_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method, status)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    let (_, r) = load_resource(&st, &caller, &api_id, &resource_id).await?;
    let m = r
        .resource_methods
        .get(&http_method)
        .ok_or_else(invalid_method)?;
    ok(m.method_responses.get(&status).ok_or_else(invalid_status)?)
}

pub async fn update_method_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method, status)): Path<(String, String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = match (
        patch::parse(&body, "updateMethodResponseInput"),
        is_valid_status_code(&status),
    ) {
        (Ok(ops), true) => ops,
        (Ok(_), false) => return Err(check_status_code(&status).unwrap_err()),
        (Err(ApiError::Validation(m)), false) => {
            // AWS lists the bad status code after the bad ops, in one message.
            let n: usize = m
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let detail = m.split_once("detected: ").map(|x| x.1).unwrap_or("");
            let mut errs: Vec<String> = detail.split("; ").map(str::to_string).collect();
            errs.truncate(n);
            errs.push(format!("Value '{status}' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d"));
            return Err(patch::validation_errors(&errs));
        }
        (Err(e), _) => return Err(e),
    };
    let mr = edit_method(&st, &caller, &api_id, &resource_id, &http_method, |_, m| {
        let mr = m
            .method_responses
            .get_mut(&status)
            .ok_or_else(invalid_status)?;
        for op in &ops {
            apply_method_response(mr, op)?;
        }
        Ok(mr.clone())
    })
    .await?;
    created(&mr)
}

fn apply_method_response(mr: &mut MethodResponse, op: &PatchOp) -> ApiResult<()> {
    let raw: Vec<&str> = op.path.trim_start_matches('/').split('/').collect();
    let invalid = || ApiError::bad_request(format!("Invalid patch path {}", op.path));
    match raw.as_slice() {
        ["responseParameters", k] => {
            let k = patch::unescape(k);
            let missing = || ApiError::not_found("Invalid parameter name specified");
            let map = mr.response_parameters.get_or_insert_with(Default::default);
            match op.op {
                Op::Replace if !map.contains_key(&k) => return Err(missing()),
                Op::Add | Op::Replace => {
                    map.insert(
                        k,
                        op.value
                            .as_deref()
                            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
                    );
                }
                Op::Remove => {
                    map.remove(&k).ok_or_else(missing)?;
                }
                _ => return Err(invalid()),
            }
            if map.is_empty() {
                mr.response_parameters = None;
            }
        }
        ["responseModels", k] => {
            let k = patch::unescape(k);
            let missing = || ApiError::not_found("Content-Type specified was not found");
            let map = mr.response_models.get_or_insert_with(Default::default);
            match op.op {
                Op::Replace if !map.contains_key(&k) => return Err(missing()),
                Op::Add | Op::Replace => {
                    map.insert(k, op.value()?.to_string());
                }
                Op::Remove => {
                    map.remove(&k).ok_or_else(missing)?;
                }
                _ => return Err(invalid()),
            }
            if map.is_empty() {
                mr.response_models = None;
            }
        }
        _ => return Err(invalid()),
    }
    Ok(())
}

pub async fn delete_method_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method, status)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    edit_method(&st, &caller, &api_id, &resource_id, &http_method, |_, m| {
        m.method_responses
            .remove(&status)
            .ok_or_else(invalid_status)?;
        Ok(())
    })
    .await?;
    no_content()
}
