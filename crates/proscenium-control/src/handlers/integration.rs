//! PutIntegration, GetIntegration, UpdateIntegration, DeleteIntegration and the
//! integration-response operations.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::integration::{
    CONNECTION_TYPES, CONTENT_HANDLINGS, DEFAULT_TIMEOUT_MS, PASSTHROUGH_BEHAVIORS, TlsConfig,
};
use proscenium_model::mapping;
use proscenium_model::method::is_valid_status_code;
use proscenium_model::{
    BoolMap, Integration, IntegrationResponse, IntegrationType, MethodResponse, StringMap,
};
use serde::Deserialize;
use serde_json::Value;

use super::common::{check_enum, finish_validation, mapping_error};
use super::method::{edit_method, invalid_method, invalid_status, load_resource};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, created, json_body, no_content, ok};
use crate::patch::{self, Op, PatchOp};

fn invalid_integration() -> ApiError {
    ApiError::not_found("Invalid Integration identifier specified")
}

/// The response parameters the method declares for `status` (`None`: no such response).
fn declared_response<'a>(
    responses: &'a std::collections::BTreeMap<String, MethodResponse>,
    status: &str,
) -> Option<&'a BoolMap> {
    static NONE_DECLARED: BoolMap = BoolMap::new();
    responses
        .get(status)
        .map(|r| r.response_parameters.as_ref().unwrap_or(&NONE_DECLARED))
}

/// The entries of `now` that `before` did not have (added, or given another value): a patch
/// is checked for what it changes, so a mapping left stale by a later method edit does not
/// block every other update.
fn changed(before: &StringMap, now: &StringMap) -> StringMap {
    now.iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// AWS prints an empty template as `null`.
fn templates_shape(v: &mut Value, key: &str) {
    if let Some(Value::Object(t)) = v.get_mut(key) {
        for (_, tv) in t.iter_mut() {
            if tv.as_str() == Some("") {
                *tv = Value::Null;
            }
        }
    }
}

pub fn integration_response_shape(ir: &IntegrationResponse) -> Value {
    let mut v = serde_json::to_value(ir).unwrap_or_default();
    templates_shape(&mut v, "responseTemplates");
    v
}

pub fn integration_shape(i: &Integration) -> Value {
    let mut v = serde_json::to_value(i).unwrap_or_default();
    templates_shape(&mut v, "requestTemplates");
    if let Some(Value::Object(rs)) = v.get_mut("integrationResponses") {
        for (code, r) in rs.iter_mut() {
            if let Some(ir) = i.integration_responses.get(code) {
                *r = integration_response_shape(ir);
            }
        }
    }
    v
}

/// String maps whose values must be strings: a boolean or number is Coral's serialization error.
fn string_map(raw: Option<serde_json::Map<String, Value>>) -> ApiResult<StringMap> {
    let mut out = StringMap::new();
    for (k, v) in raw.unwrap_or_default() {
        let s = match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            Value::Bool(_) => {
                return Err(ApiError::Serialization(
                    "class java.lang.Boolean can not be converted to an String".into(),
                ));
            }
            Value::Number(_) => {
                return Err(ApiError::Serialization(
                    "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String".into(),
                ));
            }
            other => {
                return Err(ApiError::Serialization(format!(
                    "{other} can not be converted to an String"
                )));
            }
        };
        out.insert(k, s);
    }
    Ok(out)
}

/// AWS's bound on one mapping template: 300 KB ("Amazon API Gateway important notes").
const MAX_TEMPLATE_BYTES: usize = 300 * 1024;

/// A template map's checks: each key a content type, each template within AWS's size.
fn check_templates(templates: &StringMap) -> ApiResult<()> {
    for (ct, template) in templates {
        if !ct.contains('/') {
            return Err(ApiError::bad_request(format!(
                "Validation Result: warnings : [], errors : [Invalid content type specified: {ct}]"
            )));
        }
        if template.len() > MAX_TEMPLATE_BYTES {
            return Err(ApiError::bad_request(format!(
                "The mapping template for {ct} is {} bytes; a mapping template can be at most 300 KB ({MAX_TEMPLATE_BYTES} bytes).",
                template.len()
            )));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutIntegrationRequest {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "httpMethod", alias = "integrationHttpMethod")]
    integration_http_method: Option<String>,
    uri: Option<String>,
    connection_type: Option<String>,
    connection_id: Option<String>,
    credentials: Option<String>,
    request_parameters: Option<serde_json::Map<String, Value>>,
    request_templates: Option<serde_json::Map<String, Value>>,
    passthrough_behavior: Option<String>,
    cache_namespace: Option<String>,
    cache_key_parameters: Option<Vec<String>>,
    content_handling: Option<String>,
    timeout_in_millis: Option<i64>,
    tls_config: Option<TlsConfig>,
    response_transfer_mode: Option<String>,
    integration_target: Option<String>,
}

/// AWS's checks on an integration's type, method, URI and bounds.
fn validate(i: &Integration) -> ApiResult<()> {
    proscenium_model::integration::check_backend(i)?;
    check_templates(&i.request_templates)
}

pub async fn put_integration(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: PutIntegrationRequest = json_body(&body)?;
    let mut errors = Vec::new();
    let kind_names = ["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"];
    match req.kind.as_deref() {
        None => errors.push("Value null at 'putIntegrationInput.type' failed to satisfy constraint: Member must not be null".into()),
        k => check_enum(&mut errors, k, "putIntegrationInput.type", &kind_names),
    }
    check_enum(
        &mut errors,
        req.connection_type.as_deref(),
        "putIntegrationInput.connectionType",
        CONNECTION_TYPES,
    );
    check_enum(
        &mut errors,
        req.content_handling.as_deref(),
        "putIntegrationInput.contentHandling",
        CONTENT_HANDLINGS,
    );
    finish_validation(errors)?;
    let kind = req
        .kind
        .as_deref()
        .and_then(IntegrationType::parse)
        .ok_or_else(|| ApiError::Internal("type checked above".into()))?;
    let (_, r) = load_resource(&st, &caller, &api_id, &resource_id).await?;
    r.resource_methods
        .get(&http_method)
        .ok_or_else(invalid_method)?;
    if let Some(p) = req.passthrough_behavior.as_deref()
        && !PASSTHROUGH_BEHAVIORS.contains(&p)
    {
        return Err(ApiError::bad_request(format!(
            "Invalid passthrough behavior specified: {p}. Valid options are WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER"
        )));
    }
    let integration = Integration {
        kind,
        http_method: req
            .integration_http_method
            .filter(|_| kind != IntegrationType::Mock),
        uri: req.uri.filter(|u| !u.is_empty()),
        connection_type: req.connection_type.or_else(|| {
            matches!(kind, IntegrationType::Http | IntegrationType::HttpProxy)
                .then(|| "INTERNET".to_string())
        }),
        connection_id: req.connection_id,
        credentials: req.credentials,
        request_parameters: string_map(req.request_parameters)?,
        request_templates: string_map(req.request_templates)?,
        passthrough_behavior: Some(
            req.passthrough_behavior
                .unwrap_or_else(|| "WHEN_NO_MATCH".into()),
        ),
        content_handling: req.content_handling,
        timeout_in_millis: req.timeout_in_millis.unwrap_or(DEFAULT_TIMEOUT_MS),
        cache_namespace: Some(req.cache_namespace.unwrap_or_else(|| resource_id.clone())),
        cache_key_parameters: req.cache_key_parameters.unwrap_or_default(),
        integration_responses: Default::default(),
        tls_config: req.tls_config,
        response_transfer_mode: req.response_transfer_mode,
        integration_target: req.integration_target,
    };
    validate(&integration)?;
    let out = edit_method(&st, &caller, &api_id, &resource_id, &http_method, |_, m| {
        mapping::check_integration_request(&integration.request_parameters, &m.request_parameters)
            .map_err(mapping_error)?;
        let mut i = integration;
        if let Some(old) = m.method_integration.take() {
            i.integration_responses = old.integration_responses;
        }
        m.method_integration = Some(i.clone());
        Ok(i)
    })
    .await?;
    created(&integration_shape(&out))
}

pub async fn get_integration(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let (_, r) = load_resource(&st, &caller, &api_id, &resource_id).await?;
    let m = r
        .resource_methods
        .get(&http_method)
        .ok_or_else(invalid_method)?;
    ok(&integration_shape(
        m.method_integration
            .as_ref()
            .ok_or_else(invalid_integration)?,
    ))
}

pub async fn update_integration(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateIntegrationInput")?;
    let out = edit_method(&st, &caller, &api_id, &resource_id, &http_method, |_, m| {
        let i = m
            .method_integration
            .as_mut()
            .ok_or_else(invalid_integration)?;
        let before = i.request_parameters.clone();
        for op in &ops {
            apply(i, op)?;
        }
        validate(i)?;
        mapping::check_integration_request(
            &changed(&before, &i.request_parameters),
            &m.request_parameters,
        )
        .map_err(mapping_error)?;
        Ok(i.clone())
    })
    .await?;
    ok(&integration_shape(&out))
}

fn apply(i: &mut Integration, op: &PatchOp) -> ApiResult<()> {
    let raw: Vec<&str> = op.path.trim_start_matches('/').split('/').collect();
    let invalid = || ApiError::bad_request(format!("Invalid patch path {}", op.path));
    match raw.as_slice() {
        ["uri"] => patch::set_opt_string(&mut i.uri, op)?,
        ["httpMethod"] => patch::set_opt_string(&mut i.http_method, op)?,
        ["type"] => {
            let v = op.value()?;
            i.kind = IntegrationType::parse(v).ok_or_else(|| {
                ApiError::bad_request(format!("Invalid integration type specified: {v}"))
            })?;
        }
        ["connectionType"] => patch::set_opt_string(&mut i.connection_type, op)?,
        ["connectionId"] => patch::set_opt_string(&mut i.connection_id, op)?,
        ["credentials"] => patch::set_opt_string(&mut i.credentials, op)?,
        ["cacheNamespace"] => patch::set_opt_string(&mut i.cache_namespace, op)?,
        ["contentHandling"] => patch::set_opt_string(&mut i.content_handling, op)?,
        ["integrationTarget"] => patch::set_opt_string(&mut i.integration_target, op)?,
        ["passthroughBehavior"] => {
            let v = op.value()?;
            if !PASSTHROUGH_BEHAVIORS.contains(&v) {
                return Err(ApiError::bad_request(format!(
                    "Invalid passthrough behavior specified: {v}. Valid options are WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER"
                )));
            }
            i.passthrough_behavior = Some(v.to_string());
        }
        ["timeoutInMillis"] => i.timeout_in_millis = op.int_value()?,
        ["tlsConfig", "insecureSkipVerification"] => {
            i.tls_config
                .get_or_insert_with(TlsConfig::default)
                .insecure_skip_verification = op.bool_value()?;
        }
        ["requestParameters", k] => map_op(&mut i.request_parameters, &patch::unescape(k), op)?,
        ["requestTemplates", k] => map_op(&mut i.request_templates, &patch::unescape(k), op)?,
        ["cacheKeyParameters", k] => {
            let k = patch::unescape(k);
            match op.op {
                Op::Add => {
                    if !i.cache_key_parameters.contains(&k) {
                        i.cache_key_parameters.push(k);
                    }
                }
                Op::Remove => i.cache_key_parameters.retain(|p| *p != k),
                _ => return Err(invalid()),
            }
        }
        _ => return Err(invalid()),
    }
    Ok(())
}

fn map_op(map: &mut StringMap, key: &str, op: &PatchOp) -> ApiResult<()> {
    match op.op {
        Op::Add | Op::Replace => {
            map.insert(key.to_string(), op.value.clone().unwrap_or_default());
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

pub async fn delete_integration(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    edit_method(&st, &caller, &api_id, &resource_id, &http_method, |_, m| {
        m.method_integration
            .take()
            .ok_or_else(invalid_integration)?;
        Ok(())
    })
    .await?;
    no_content()
}

// --- Integration responses ---

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutIntegrationResponseRequest {
    selection_pattern: Option<String>,
    response_parameters: Option<serde_json::Map<String, Value>>,
    response_templates: Option<serde_json::Map<String, Value>>,
    content_handling: Option<String>,
}

fn check_status(code: &str) -> ApiResult<()> {
    if is_valid_status_code(code) {
        Ok(())
    } else {
        Err(patch::validation_errors(&[format!(
            "Value '{code}' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d"
        )]))
    }
}

/// Edits an integration; an unknown method answers "Invalid Integration identifier" here.
async fn edit_integration<T>(
    st: &ControlState,
    caller: &Caller,
    ids: &(String, String, String),
    f: impl FnOnce(
        &mut Integration,
        &std::collections::BTreeMap<String, MethodResponse>,
    ) -> ApiResult<T>,
) -> ApiResult<T> {
    edit_method(st, caller, &ids.0, &ids.1, &ids.2, |_, m| {
        let i = m
            .method_integration
            .as_mut()
            .ok_or_else(invalid_integration)?;
        f(i, &m.method_responses)
    })
    .await
}

pub async fn put_integration_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method, status)): Path<(String, String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: PutIntegrationResponseRequest = json_body(&body)?;
    check_status(&status)?;
    let sent_empty_templates = req
        .response_templates
        .as_ref()
        .is_some_and(|t| t.is_empty());
    let templates = string_map(req.response_templates)?;
    check_templates(&templates)?;
    let ir = IntegrationResponse {
        status_code: status.clone(),
        selection_pattern: req.selection_pattern,
        response_parameters: string_map(req.response_parameters)?,
        response_templates: templates,
        content_handling: req.content_handling,
    };
    let out = ir.clone();
    edit_integration(
        &st,
        &caller,
        &(api_id, resource_id, http_method),
        |i, responses| {
            mapping::check_integration_response(
                &ir.response_parameters,
                declared_response(responses, &status),
            )
            .map_err(mapping_error)?;
            i.integration_responses.insert(status, ir);
            Ok(())
        },
    )
    .await?;
    let mut shape = integration_response_shape(&out);
    if sent_empty_templates {
        // AWS echoes an explicitly empty map (it is not kept: a later Get omits it).
        shape["responseTemplates"] = serde_json::json!({});
    }
    created(&shape)
}

pub async fn get_integration_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method, status)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    check_status(&status)?;
    let (_, r) = load_resource(&st, &caller, &api_id, &resource_id).await?;
    let m = r
        .resource_methods
        .get(&http_method)
        .ok_or_else(invalid_method)?;
    let i = m
        .method_integration
        .as_ref()
        .ok_or_else(invalid_integration)?;
    ok(&integration_response_shape(
        i.integration_responses
            .get(&status)
            .ok_or_else(invalid_status)?,
    ))
}

pub async fn update_integration_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method, status)): Path<(String, String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateIntegrationResponseInput")?;
    check_status(&status)?;
    let out = edit_integration(
        &st,
        &caller,
        &(api_id, resource_id, http_method),
        |i, responses| {
            let ir = i
                .integration_responses
                .get_mut(&status)
                .ok_or_else(invalid_status)?;
            let before = ir.response_parameters.clone();
            for op in &ops {
                let raw: Vec<&str> = op.path.trim_start_matches('/').split('/').collect();
                match raw.as_slice() {
                    ["selectionPattern"] => ir.selection_pattern = op.value.clone(),
                    ["contentHandling"] => patch::set_opt_string(&mut ir.content_handling, op)?,
                    ["responseParameters", k] => {
                        map_op(&mut ir.response_parameters, &patch::unescape(k), op)?
                    }
                    ["responseTemplates", k] => {
                        map_op(&mut ir.response_templates, &patch::unescape(k), op)?
                    }
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "Invalid patch path {}",
                            op.path
                        )));
                    }
                }
            }
            mapping::check_integration_response(
                &changed(&before, &ir.response_parameters),
                declared_response(responses, &status),
            )
            .map_err(mapping_error)?;
            check_templates(&ir.response_templates)?;
            Ok(ir.clone())
        },
    )
    .await?;
    ok(&integration_response_shape(&out))
}

pub async fn delete_integration_response(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method, status)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    check_status(&status)?;
    let ids = (api_id, resource_id, http_method);
    edit_method(&st, &caller, &ids.0, &ids.1, &ids.2, |_, m| {
        let i = m
            .method_integration
            .as_mut()
            .ok_or_else(invalid_integration)?;
        i.integration_responses
            .remove(&status)
            .ok_or_else(invalid_status)?;
        Ok(())
    })
    .await
    .map_err(|e| {
        if e == invalid_method() {
            invalid_integration()
        } else {
            e
        }
    })?;
    no_content()
}
