//! The Lambda proxy contract (payload format 1.0): the event API Gateway builds from a
//! request, and the proxy response parsed and validated as API Gateway does. Pure.

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};

use crate::context::{RequestCtx, epoch_millis, request_time};
use crate::responses::MethodResponse;

/// The payload format 1.0 event, keys in AWS's order.
pub fn build_event(ctx: &RequestCtx) -> Value {
    let mut headers = Map::new();
    let mut multi_headers: Map<String, Value> = Map::new();
    for (name, value) in &ctx.headers {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_string(), Value::String(v.clone()));
        if let Some(Value::Array(list)) = multi_headers.get_mut(name.as_str()) {
            list.push(Value::String(v));
        } else {
            multi_headers.insert(name.as_str().to_string(), json!([v]));
        }
    }
    let (query, multi_query) = if ctx.query.is_empty() {
        (Value::Null, Value::Null)
    } else {
        let mut single = Map::new();
        let mut multi: Map<String, Value> = Map::new();
        for (k, v) in &ctx.query {
            single.insert(k.clone(), Value::String(v.clone()));
            match multi.get_mut(k) {
                Some(Value::Array(list)) => list.push(Value::String(v.clone())),
                _ => {
                    multi.insert(k.clone(), json!([v]));
                }
            }
        }
        (Value::Object(single), Value::Object(multi))
    };
    let matched = ctx.matched.as_ref();
    let path_params = match matched.map(|m| &m.params) {
        Some(p) if !p.is_empty() => Value::Object(
            p.iter()
                .map(|p| (p.name.clone(), Value::String(p.value.clone())))
                .collect(),
        ),
        _ => Value::Null,
    };
    let stage = ctx.stage.as_deref();
    let stage_vars = match stage.map(|s| &*s.variables) {
        Some(v) if !v.is_empty() => Value::Object(
            v.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ),
        _ => Value::Null,
    };
    let resource_path = matched
        .map(|m| m.method.resource_path.clone())
        .unwrap_or_default();
    let (body, is_b64) = event_body(
        ctx,
        stage.map_or(&[][..], |s| &s.deployment.binary_media_types),
    );
    let user_agent = ctx.header("user-agent").map_or(Value::Null, Value::String);
    json!({
        "resource": resource_path,
        "path": ctx.target.path(),
        "httpMethod": ctx.method.as_str(),
        "headers": if headers.is_empty() { Value::Null } else { Value::Object(headers) },
        "multiValueHeaders": if multi_headers.is_empty() { Value::Null } else { Value::Object(multi_headers) },
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_params,
        "stageVariables": stage_vars,
        "requestContext": {
            "resourceId": matched.map(|m| m.method.resource_id.clone()),
            "resourcePath": resource_path,
            "httpMethod": ctx.method.as_str(),
            "extendedRequestId": ctx.apigw_id.as_str(),
            "requestTime": request_time(ctx.now),
            "path": ctx.target.context_path(),
            "accountId": ctx.account_id(),
            "protocol": ctx.protocol,
            "stage": ctx.target.stage(),
            "domainPrefix": ctx.context_var("domainPrefix"),
            "requestTimeEpoch": epoch_millis(ctx.now) as u64,
            "requestId": ctx.request_id.as_str(),
            "identity": {
                "cognitoIdentityPoolId": null,
                "accountId": null,
                "cognitoIdentityId": null,
                "caller": null,
                "sourceIp": ctx.remote.ip().to_string(),
                "principalOrgId": null,
                "accessKey": null,
                "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null,
                "userArn": null,
                "userAgent": user_agent,
                "user": null
            },
            "domainName": ctx.target.domain_name(),
            "deploymentId": stage.map(|s| s.deployment.deployment_id.clone()),
            "apiId": ctx.target.api_id()
        },
        "body": body,
        "isBase64Encoded": is_b64
    })
}

/// The body as text, or base64 when its content type is one of the API's binary media types.
fn event_body(ctx: &RequestCtx, binary_types: &[String]) -> (Value, bool) {
    if ctx.body.is_empty() {
        return (Value::Null, false);
    }
    let ct = super::content_type(ctx);
    if binary_types.iter().any(|t| media_type_matches(t, &ct)) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&ctx.body);
        return (Value::String(encoded), true);
    }
    (
        Value::String(String::from_utf8_lossy(&ctx.body).into_owned()),
        false,
    )
}

pub use crate::binary::media_type_matches;

const RESPONSE_KEYS: &[&str] = &[
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
];

/// Parses a proxy response as API Gateway does; `Err` is a malformed one (AWS's 502).
/// The flag is `isBase64Encoded`.
pub fn parse_response(raw: &[u8]) -> Result<(MethodResponse, bool), String> {
    let v: Value = serde_json::from_slice(raw).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(obj) = v else {
        return Err("not a JSON object".into());
    };
    if let Some(k) = obj.keys().find(|k| !RESPONSE_KEYS.contains(&k.as_str())) {
        return Err(format!("unexpected key {k}"));
    }
    let status = match obj.get("statusCode") {
        None | Some(Value::Null) => 200,
        Some(Value::Number(n)) => n.as_u64().ok_or("statusCode is not an integer")?,
        Some(Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map_err(|_| "statusCode is not an integer")?,
        Some(_) => return Err("statusCode is not an integer".into()),
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .filter(|s| s.as_u16() >= 100)
        .ok_or("statusCode out of range")?;
    let mut headers = HeaderMap::new();
    match obj.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let Value::Array(list) = v else {
                    return Err(format!("multiValueHeaders.{k} is not a list"));
                };
                for item in list {
                    append(&mut headers, k, &scalar(item)?)?;
                }
            }
        }
        Some(_) => return Err("multiValueHeaders is not an object".into()),
    }
    match obj.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                if v.is_null() {
                    continue;
                }
                append(&mut headers, k, &scalar(v)?)?;
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    let headers = join_repeated(headers);
    let body = match obj.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(s)) => Bytes::from(s.clone()),
        Some(other) => Bytes::from(other.to_string()),
    };
    let is_base64 = match obj.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("isBase64Encoded is not a boolean".into()),
    };
    let mut out = MethodResponse {
        status,
        headers,
        body,
        raw: None,
    };
    if !out.headers.contains_key(http::header::CONTENT_TYPE) {
        out.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    Ok((out, is_base64))
}

fn scalar(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err("header value is not a scalar".into()),
    }
}

fn append(headers: &mut HeaderMap, name: &str, value: &str) -> Result<(), String> {
    let n = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("invalid header name {name:?}"))?;
    let v = HeaderValue::from_str(value).map_err(|_| format!("invalid value for header {name}"))?;
    headers.append(n, v);
    Ok(())
}

/// AWS sends repeated headers joined with `, ` (multiValueHeaders first, then headers).
fn join_repeated(headers: HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in headers.keys() {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if let Ok(v) = HeaderValue::from_str(&values.join(", ")) {
            out.insert(name.clone(), v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> MethodResponse {
        parse_response(raw.as_bytes()).unwrap().0
    }

    #[test]
    fn proxy_responses_as_aws_reads_them() {
        let r = ok(r#"{"statusCode": 200}"#);
        assert_eq!((r.status.as_u16(), r.body.len()), (200, 0));
        let r =
            ok(r#"{"statusCode": "201", "body": "hi", "headers": {"a": true, "b": 1, "c": null}}"#);
        assert_eq!(r.status, 201);
        assert_eq!(r.body, "hi");
        assert_eq!(r.headers["a"], "true");
        assert_eq!(r.headers["b"], "1");
        let r = ok(r#"{"headers": {"x": "solo"}, "multiValueHeaders": {"X": ["multi"]}}"#);
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["x"], "multi, solo");
        let r = ok(r#"{"body": "dGVzdC1kYXRh", "isBase64Encoded": true}"#);
        assert_eq!(r.body, "dGVzdC1kYXRh");
        assert!(parse_response(br#"{"isBase64Encoded": true}"#).unwrap().1);
        assert!(media_type_matches("image/*", "image/png"));
        assert!(!media_type_matches("image/*", "text/plain"));
        for bad in [
            r#"{"statusCode": 200, "wrongValue": 1}"#,
            r#"{"statusCode": "test"}"#,
            r#"{"multiValueHeaders": {"x": "notalist"}}"#,
            r#""just a string""#,
            "",
            "[1]",
            r#"{"statusCode": 70000}"#,
        ] {
            assert!(parse_response(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
