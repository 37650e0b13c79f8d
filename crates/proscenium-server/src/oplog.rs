//! What the log says about a state-changing management call: the operation (from the control
//! plane's route table), the API and stage it names, and the access key it was signed with.
//! Pure: the caller logs.

use proscenium_control::routes::OPERATIONS;

/// The parts of a management call worth a log line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Call {
    pub operation: &'static str,
    /// The operation's route (`/restapis/{restapi_id}/stages/{stage_name}`).
    pub template: &'static str,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub access_key_id: Option<String>,
}

/// Whether a call with this method can change state (reads are not logged at info).
pub fn changes_state(method: &http::Method) -> bool {
    !matches!(
        *method,
        http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
    )
}

/// Describes a call: the operation whose route matches (literal segments preferred over
/// parameters), `Unknown` when none does.
pub fn describe(method: &str, path: &str, authorization: Option<&str>) -> Call {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(usize, &'static str, &'static str)> = None;
    for (m, template, op) in OPERATIONS {
        if !m.eq_ignore_ascii_case(method) {
            continue;
        }
        let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut params = 0;
        let matches = parts.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                params += 1;
                !s.is_empty()
            } else {
                t == s
            }
        });
        if matches && best.is_none_or(|(p, _, _)| params < p) {
            best = Some((params, template, op));
        }
    }
    let after = |name: &str| {
        segments
            .iter()
            .position(|s| *s == name)
            .and_then(|i| segments.get(i + 1))
            .filter(|s| !s.is_empty())
            .map(|s| s.to_string())
    };
    Call {
        operation: best.map_or("Unknown", |(_, _, op)| op),
        template: best.map_or("", |(_, t, _)| t),
        api_id: after("restapis"),
        stage: after("stages"),
        access_key_id: authorization.and_then(access_key_of),
    }
}

/// The access key id of a SigV4 `Authorization` header (`Credential=AKID/date/...`).
fn access_key_of(authorization: &str) -> Option<String> {
    let rest = authorization.split("Credential=").nth(1)?;
    let key = rest.split('/').next()?.trim();
    (!key.is_empty() && key.len() <= 128 && key.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_described_by_their_route() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=abc";
        let c = describe("PATCH", "/restapis/a1b2c3/stages/dev", Some(auth));
        assert_eq!(
            c,
            Call {
                operation: "UpdateStage",
                template: "/restapis/{restapi_id}/stages/{stage_name}",
                api_id: Some("a1b2c3".into()),
                stage: Some("dev".into()),
                access_key_id: Some("AKIDEXAMPLE".into()),
            }
        );
        assert_eq!(
            describe("POST", "/restapis", None).operation,
            "CreateRestApi"
        );
        assert_eq!(
            describe("DELETE", "/restapis/a1b2c3", None).operation,
            "DeleteRestApi"
        );
        assert_eq!(
            describe("POST", "/restapis/a1b2c3/deployments", None).operation,
            "CreateDeployment"
        );
        assert_eq!(
            describe("POST", "/nowhere/at/all", None).operation,
            "Unknown"
        );
        assert_eq!(
            describe("POST", "/restapis", Some("Bearer x")).access_key_id,
            None
        );
        assert!(changes_state(&http::Method::DELETE) && !changes_state(&http::Method::GET));
    }
}
