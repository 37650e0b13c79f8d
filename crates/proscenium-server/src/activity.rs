//! The activity log's events: each state-changing management call as a CloudTrail event
//! (`eventTime`, `eventSource`, `eventName`, `userIdentity` from the SigV4 access key,
//! `requestParameters`, `responseElements`, `errorCode`/`errorMessage`, …), with secrets
//! (API key values, private keys, passwords) replaced by CloudTrail's
//! `HIDDEN_DUE_TO_SECURITY_REASONS`; and the filters `GET /_proscenium/activity` applies.
//!
//! Pure: the caller supplies the time, ids and bodies; `activity_log.rs` writes and reads.

use serde_json::{Map, Value, json};

use crate::oplog::Call;

/// What CloudTrail prints in place of a secret.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Operations that are not recorded although their method is not a read (they change
/// nothing).
pub fn records(operation: &str) -> bool {
    !matches!(
        operation,
        "TestInvokeMethod" | "TestInvokeAuthorizer" | "Unknown"
    )
}

/// One call, as the management layer saw it.
pub struct Seen<'a> {
    pub call: &'a Call,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub account_id: &'a str,
    pub region: &'a str,
    pub source_ip: String,
    pub user_agent: Option<&'a str>,
    pub request_body: &'a [u8],
    pub request_content_type: Option<&'a str>,
    pub status: u16,
    pub response_body: &'a [u8],
    pub error_code: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub event_id: String,
    /// Seconds since the epoch.
    pub now: f64,
}

/// The CloudTrail event of a call.
pub fn event(s: &Seen<'_>) -> Value {
    let api_key_op = s.call.operation.contains("ApiKey");
    let mut params = Map::new();
    for (name, value) in path_params(s.call.template, s.path) {
        // The route table shares `{resource_id}` where AWS's model says `{parent_id}`.
        let name = if s.call.operation == "CreateResource" && name == "resourceId" {
            "parentId".to_string()
        } else {
            name
        };
        params.insert(name, json!(value));
    }
    for pair in s.query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(k.to_string(), json!(v));
    }
    if !s.request_body.is_empty() {
        let input = match serde_json::from_slice::<Value>(s.request_body) {
            Ok(v) => redact(v, api_key_op),
            // Documents (OpenAPI, CSV of keys) are not copied: their size, or hidden.
            Err(_) if s.call.operation == "ImportApiKeys" => json!(HIDDEN),
            Err(_) => json!(format!(
                "({} bytes of {})",
                s.request_body.len(),
                s.request_content_type.unwrap_or("data")
            )),
        };
        params.insert(format!("{}Input", lower_first(s.call.operation)), input);
    }
    let response = if s.status < 300 && !s.response_body.is_empty() {
        serde_json::from_slice::<Value>(s.response_body)
            .map(|v| redact(v, api_key_op))
            .unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let identity = match &s.call.access_key_id {
        Some(key) => json!({
            "type": "IAMUser",
            "principalId": key,
            "accountId": s.account_id,
            "accessKeyId": key,
        }),
        None => json!({ "type": "Anonymous", "accountId": s.account_id }),
    };
    let mut e = json!({
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": iso_seconds(s.now),
        "eventSource": "apigateway.amazonaws.com",
        "eventName": s.call.operation,
        "awsRegion": s.region,
        "sourceIPAddress": s.source_ip,
        "userAgent": s.user_agent.unwrap_or(""),
        "requestParameters": Value::Object(params),
        "responseElements": response,
        "requestID": s.request_id.unwrap_or(""),
        "eventID": s.event_id,
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": s.account_id,
        "eventCategory": "Management",
    });
    if s.status >= 300 {
        let message = serde_json::from_slice::<Value>(s.response_body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .or_else(|| v.get("Message"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        e["errorCode"] = json!(s.error_code.unwrap_or("Error").split(':').next());
        e["errorMessage"] = json!(message);
    }
    e
}

/// Replaces secrets: private keys, passwords and secret keys everywhere; an API key's
/// `value` in the API key operations.
pub fn redact(v: Value, api_key_op: bool) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let lower = k.to_ascii_lowercase();
                    let secret = lower.contains("privatekey")
                        || lower.contains("password")
                        || lower.contains("secret")
                        || (api_key_op && lower == "value");
                    if secret && !v.is_null() {
                        (k, json!(HIDDEN))
                    } else {
                        (k, redact(v, api_key_op))
                    }
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| redact(v, api_key_op)).collect()),
        other => other,
    }
}

/// `{restapi_id}` → `restApiId` and its value, for each parameter of the route.
fn path_params(template: &str, path: &str) -> Vec<(String, String)> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.iter()
        .zip(&p)
        .filter_map(|(t, v)| {
            let name = t.strip_prefix('{')?.strip_suffix('}')?;
            Some((camel(name), (*v).to_string()))
        })
        .collect()
}

fn camel(name: &str) -> String {
    const GLUED: &[(&str, &str)] = &[
        ("restapi", "restApi"),
        ("usageplan", "usagePlan"),
        ("usageplanid", "usagePlanId"),
        ("requestvalidator", "requestValidator"),
        ("vpclink", "vpcLink"),
        ("clientcertificate", "clientCertificate"),
        ("sdktype", "sdkType"),
    ];
    let mut out = String::new();
    for (i, part) in name.split('_').enumerate() {
        let lower = part.to_ascii_lowercase();
        let word = GLUED
            .iter()
            .find(|(g, _)| *g == lower)
            .map_or(part.to_string(), |(_, c)| c.to_string());
        if i == 0 {
            out.push_str(&word);
        } else {
            let mut c = word.chars();
            if let Some(f) = c.next() {
                out.push(f.to_ascii_uppercase());
                out.push_str(c.as_str());
            }
        }
    }
    out
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// `2026-12-06T00:05:09Z`.
pub fn iso_seconds(now: f64) -> String {
    let secs = now.max(0.0) as u64;
    let (y, m, d) = proscenium_gateway::context::civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// What `GET /_proscenium/activity` filters on.
#[derive(Debug, Default)]
pub struct Filter {
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub operation: Option<String>,
}

impl Filter {
    pub fn from_query(query: Option<&str>) -> Filter {
        let mut f = Filter::default();
        for pair in query.unwrap_or("").split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v);
            if v.is_empty() {
                continue;
            }
            match k {
                "apiId" => f.api_id = Some(v),
                "stage" => f.stage = Some(v),
                "operation" => f.operation = Some(v),
                _ => {}
            }
        }
        f
    }

    pub fn matches(&self, e: &Value) -> bool {
        let params = &e["requestParameters"];
        let in_input = |name: &str, want: &str| {
            params.as_object().is_some_and(|m| {
                m.iter().any(|(k, v)| {
                    k.ends_with("Input") && v.get(name).and_then(Value::as_str) == Some(want)
                })
            })
        };
        if let Some(op) = &self.operation
            && e["eventName"].as_str() != Some(op.as_str())
        {
            return false;
        }
        if let Some(api) = &self.api_id {
            let named = params["restApiId"].as_str() == Some(api.as_str());
            let created = matches!(
                e["eventName"].as_str(),
                Some("CreateRestApi" | "ImportRestApi")
            ) && e["responseElements"]["id"].as_str() == Some(api.as_str());
            if !named && !created {
                return false;
            }
        }
        if let Some(stage) = &self.stage
            && params["stageName"].as_str() != Some(stage.as_str())
            && !in_input("stageName", stage)
        {
            return false;
        }
        true
    }
}

/// Percent-decoding of a query value (`+` is a space).
fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(a), Some(b)) => {
                        out.push(a * 16 + b);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(op: &'static str, template: &'static str, key: Option<&str>) -> Call {
        Call {
            operation: op,
            template,
            api_id: None,
            stage: None,
            access_key_id: key.map(str::to_string),
        }
    }

    fn seen<'a>(
        c: &'a Call,
        path: &'a str,
        body: &'a [u8],
        resp: &'a [u8],
        status: u16,
    ) -> Seen<'a> {
        Seen {
            call: c,
            path,
            query: None,
            account_id: "000000000000",
            region: "us-east-1",
            source_ip: "127.0.0.1".into(),
            user_agent: Some("aws-cli/2"),
            request_body: body,
            request_content_type: Some("application/json"),
            status,
            response_body: resp,
            error_code: None,
            request_id: Some("rid"),
            event_id: "eid".into(),
            now: 1_796_515_509.4,
        }
    }

    #[test]
    fn an_event_has_cloudtrail_fields() {
        let c = call(
            "UpdateStage",
            "/restapis/{restapi_id}/stages/{stage_name}",
            Some("AKID"),
        );
        let e = event(&seen(
            &c,
            "/restapis/a1/stages/dev",
            br#"{"patchOperations":[]}"#,
            br#"{"stageName":"dev"}"#,
            200,
        ));
        assert_eq!(e["eventTime"], "2026-12-06T00:05:09Z");
        assert_eq!(e["eventSource"], "apigateway.amazonaws.com");
        assert_eq!(e["eventName"], "UpdateStage");
        assert_eq!(e["userIdentity"]["accessKeyId"], "AKID");
        assert_eq!(
            e["requestParameters"],
            json!({"restApiId": "a1", "stageName": "dev", "updateStageInput": {"patchOperations": []}})
        );
        assert_eq!(e["responseElements"], json!({"stageName": "dev"}));
        assert!(e.get("errorCode").is_none());
        assert!(Filter::from_query(Some("apiId=a1&stage=dev")).matches(&e));
        assert!(!Filter::from_query(Some("operation=CreateStage")).matches(&e));
    }

    #[test]
    fn failures_and_secrets() {
        let c = call("CreateApiKey", "/apikeys", None);
        let mut s = seen(
            &c,
            "/apikeys",
            br#"{"name":"k","value":"secret-value-123456789"}"#,
            br#"{"message":"bad"}"#,
            400,
        );
        s.error_code = Some("BadRequestException");
        let e = event(&s);
        assert_eq!(e["errorCode"], "BadRequestException");
        assert_eq!(e["errorMessage"], "bad");
        assert_eq!(e["requestParameters"]["createApiKeyInput"]["value"], HIDDEN);
        assert_eq!(e["userIdentity"]["type"], "Anonymous");
        let r = redact(
            json!({"a": {"privateKeyPem": "k", "certificatePrivateKey": "x"}, "value": 1}),
            false,
        );
        assert_eq!(
            r,
            json!({"a": {"privateKeyPem": HIDDEN, "certificatePrivateKey": HIDDEN}, "value": 1})
        );
        assert_eq!(camel("usageplanId"), "usagePlanId");
        assert_eq!(camel("restapi_id"), "restApiId");
        assert_eq!(decode("a%2Fb+c"), "a/b c");
    }
}
