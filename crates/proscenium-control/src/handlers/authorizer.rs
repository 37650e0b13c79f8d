//! CreateAuthorizer, GetAuthorizer(s), UpdateAuthorizer, DeleteAuthorizer.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::Authorizer;
use proscenium_model::authorizer::AUTHORIZER_TYPES;
use proscenium_model::id::CHILD_ID_LEN;
use serde::Deserialize;

use super::common::{check_enum, edit_api, finish_validation, load_api, page_map};
use crate::ControlState;
use crate::error::{ApiError, ApiResult, CONCURRENT_MODIFICATION};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

fn not_found() -> ApiError {
    ApiError::not_found("Invalid Authorizer identifier specified")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateAuthorizerRequest {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "providerARNs")]
    provider_arns: Option<Vec<String>>,
    auth_type: Option<String>,
    authorizer_uri: Option<String>,
    authorizer_credentials: Option<String>,
    identity_source: Option<String>,
    identity_validation_expression: Option<String>,
    authorizer_result_ttl_in_seconds: Option<i64>,
}

pub async fn create_authorizer(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateAuthorizerRequest = json_body(&body)?;
    let mut errors = Vec::new();
    if req.name.is_none() {
        errors.push("Value null at 'createAuthorizerInput.name' failed to satisfy constraint: Member must not be null".into());
    }
    match req.kind.as_deref() {
        None => errors.push("Value null at 'createAuthorizerInput.type' failed to satisfy constraint: Member must not be null".into()),
        k => check_enum(&mut errors, k, "createAuthorizerInput.type", AUTHORIZER_TYPES),
    }
    finish_validation(errors)?;
    let kind = req.kind.unwrap_or_default();
    let a = Authorizer {
        id: st.new_id(CHILD_ID_LEN),
        name: req.name.unwrap_or_default(),
        provider_arns: req.provider_arns,
        auth_type: req.auth_type,
        authorizer_uri: req.authorizer_uri,
        authorizer_credentials: req.authorizer_credentials,
        identity_source: req.identity_source,
        identity_validation_expression: req.identity_validation_expression,
        authorizer_result_ttl_in_seconds: Some(req.authorizer_result_ttl_in_seconds.unwrap_or(300)),
        kind,
    };
    let out = edit_api(&st, &caller.scope, &api_id, |def| {
        def.authorizers.insert(a.id.clone(), a.clone());
        Ok(a)
    })
    .await
    .map_err(|e| match e {
        // AWS's own (odd) answer for an unknown API here.
        ApiError::NotFound(_) => ApiError::conflict(CONCURRENT_MODIFICATION),
        e => e,
    })?;
    created(&out)
}

pub async fn get_authorizer(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    ok(def.value.authorizers.get(&id).ok_or_else(not_found)?)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TestInvokeAuthorizerRequest {
    headers: Option<std::collections::BTreeMap<String, String>>,
    multi_value_headers: Option<std::collections::BTreeMap<String, Vec<String>>>,
    path_with_query_string: Option<String>,
    body: Option<String>,
    stage_variables: Option<std::collections::BTreeMap<String, String>>,
    #[allow(dead_code)]
    additional_context: Option<std::collections::BTreeMap<String, String>>,
}

/// TestInvokeAuthorizer: runs the authorizer of the API's current definition (not a
/// deployment) with the given request, through the injected tester.
pub async fn test_invoke_authorizer(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: TestInvokeAuthorizerRequest = if body.is_empty() {
        TestInvokeAuthorizerRequest::default()
    } else {
        json_body(&body)?
    };
    let def = load_api(&st, &caller.scope, &api_id).await?;
    let authorizer = def
        .value
        .authorizers
        .get(&id)
        .ok_or_else(not_found)?
        .clone();
    let Some(tester) = st.authorizer_tester.clone() else {
        return Err(ApiError::NotImplemented(
            "TestInvokeAuthorizer is not available on this node".into(),
        ));
    };
    let mut headers: Vec<(String, String)> = req.headers.unwrap_or_default().into_iter().collect();
    for (name, values) in req.multi_value_headers.unwrap_or_default() {
        for v in values {
            headers.push((name.clone(), v));
        }
    }
    let out = tester
        .test_authorizer(crate::tester::AuthorizerTestInput {
            scope: caller.scope.clone(),
            api_id,
            authorizer,
            headers,
            path_with_query: req.path_with_query_string.unwrap_or_else(|| "/".into()),
            body: req.body.unwrap_or_default(),
            stage_variables: req.stage_variables.unwrap_or_default(),
        })
        .await;
    let mut v = serde_json::json!({
        "clientStatus": out.client_status,
        "log": out.log.join("\n"),
        "latency": out.latency_ms,
    });
    if let Some(m) = v.as_object_mut() {
        if let Some(p) = out.principal_id {
            m.insert("principalId".into(), p.into());
        }
        if let Some(p) = out.policy {
            m.insert("policy".into(), p.into());
        }
        if !out.authorization.is_empty() {
            m.insert("authorization".into(), serde_json::json!(out.authorization));
        }
        if let Some(c) = out.claims {
            m.insert("claims".into(), serde_json::json!(c));
        }
    }
    ok(&v)
}

pub async fn get_authorizers(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(api_id): Path<String>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    ok(&page_map(def.value.authorizers.iter(), &q)?)
}

pub async fn update_authorizer(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateAuthorizerInput")?;
    let out = edit_api(&st, &caller.scope, &api_id, |def| {
        let a = def.authorizers.get_mut(&id).ok_or_else(not_found)?;
        for op in &ops {
            if op.op != Op::Replace && !op.path.starts_with("/providerARNs") {
                return Err(op.invalid_path(&[]));
            }
            match op.path.as_str() {
                "/name" => a.name = op.value()?.to_string(),
                "/type" => a.kind = op.value()?.to_string(),
                "/authType" => a.auth_type = op.value.clone(),
                "/authorizerUri" => a.authorizer_uri = op.value.clone(),
                "/authorizerCredentials" => a.authorizer_credentials = op.value.clone(),
                "/identitySource" => a.identity_source = op.value.clone(),
                "/identityValidationExpression" => {
                    a.identity_validation_expression = op.value.clone()
                }
                "/authorizerResultTtlInSeconds" => {
                    a.authorizer_result_ttl_in_seconds = Some(op.int_value()?)
                }
                p if p.starts_with("/providerARNs") => {
                    let arns = a.provider_arns.get_or_insert_with(Vec::new);
                    match op.op {
                        Op::Add => arns.push(op.value()?.to_string()),
                        Op::Remove => arns.retain(|x| Some(x.as_str()) != op.value.as_deref()),
                        _ => *arns = vec![op.value()?.to_string()],
                    }
                }
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Invalid patch path {}",
                        op.path
                    )));
                }
            }
        }
        Ok(a.clone())
    })
    .await?;
    ok(&out)
}

pub async fn delete_authorizer(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    edit_api(&st, &caller.scope, &api_id, |def| {
        def.authorizers.remove(&id).ok_or_else(not_found)?;
        Ok(())
    })
    .await?;
    accepted()
}
