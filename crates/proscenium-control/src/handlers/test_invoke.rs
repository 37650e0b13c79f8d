//! TestInvokeMethod: runs a method of the API's current (undeployed) definition through the
//! injected [`crate::tester::MethodTester`] and answers status, body, headers, latency and
//! AWS's execution log. Changes nothing.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::method::{invalid_method, load_resource};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, json_body, ok};
use crate::tester::{MethodTestError, MethodTestInput, TestCertificate};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TestInvokeMethodRequest {
    path_with_query_string: Option<String>,
    body: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    multi_value_headers: Option<BTreeMap<String, Vec<String>>>,
    client_certificate_id: Option<String>,
    stage_variables: Option<BTreeMap<String, String>>,
}

pub async fn test_invoke_method(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: TestInvokeMethodRequest = if body.is_empty() {
        TestInvokeMethodRequest::default()
    } else {
        json_body(&body)?
    };
    let (def, resource) = load_resource(&st, &caller, &api_id, &resource_id).await?;
    if !resource.resource_methods.contains_key(&http_method) {
        return Err(invalid_method());
    }
    let client_certificate = match req.client_certificate_id.as_deref() {
        Some(id) if !id.is_empty() => {
            let c = super::client_certificate::load(&st, &caller, id).await?;
            Some(TestCertificate {
                id: c.client_certificate_id,
                cert_pem: c.pem_encoded_certificate,
                key_pem: c.private_key_pem,
            })
        }
        _ => None,
    };
    let Some(tester) = st.method_tester.clone() else {
        return Err(ApiError::NotImplemented(
            "TestInvokeMethod is not available on this node".into(),
        ));
    };
    let mut headers: Vec<(String, String)> = req.headers.unwrap_or_default().into_iter().collect();
    for (name, values) in req.multi_value_headers.unwrap_or_default() {
        for v in values {
            headers.push((name.clone(), v));
        }
    }
    let out = tester
        .test_method(MethodTestInput {
            scope: caller.scope.clone(),
            api_id,
            definition: def,
            resource_id,
            http_method,
            path_with_query: req.path_with_query_string,
            headers,
            body: req.body.unwrap_or_default(),
            stage_variables: req.stage_variables.unwrap_or_default(),
            client_certificate,
        })
        .await
        .map_err(|e| match e {
            MethodTestError::UnknownMethod => invalid_method(),
            MethodTestError::BadRequest(m) => ApiError::bad_request(m),
        })?;
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (name, value) in out.headers {
        single.insert(name.clone(), json!(value));
        match multi.get_mut(&name).and_then(Value::as_array_mut) {
            Some(list) => list.push(json!(value)),
            None => {
                multi.insert(name, json!([value]));
            }
        }
    }
    ok(&json!({
        "status": out.status,
        "body": out.body,
        "headers": single,
        "multiValueHeaders": multi,
        "log": out.log,
        "latency": out.latency_ms,
    }))
}
