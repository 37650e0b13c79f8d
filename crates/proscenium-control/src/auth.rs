//! Authentication of management requests: the layer that buffers the body, reads the region
//! from the SigV4 credential scope, verifies the signature when credentials are configured,
//! and hands handlers a [`Caller`].

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use proscenium_model::Scope;

use crate::ControlState;
use crate::error::ApiError;
use crate::extract::Caller;

/// The largest management request body accepted (ImportRestApi files included).
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// Configured access keys and their secrets.
#[derive(Clone, Default)]
pub struct Credentials {
    keys: BTreeMap<String, String>,
}

impl std::fmt::Debug for Credentials {
    /// Never prints secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Credentials {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn with(mut self, access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.keys.insert(access_key_id.into(), secret.into());
        self
    }
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl proscenium_sigv4::CredentialProvider for Credentials {
    fn secret_key(&self, access_key_id: &str) -> Option<proscenium_sigv4::SecretKey> {
        self.keys
            .get(access_key_id)
            .map(|s| proscenium_sigv4::SecretKey::new(s.clone()))
    }
}

/// The middleware: every management request passes here first.
pub async fn authenticate(State(st): State<ControlState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::Raw {
                status: 413,
                code: "PayloadTooLargeException",
                message: format!("Request body exceeds the {MAX_BODY} byte limit"),
            }
            .into_response();
        }
    };
    let request_id = st.new_request_id();
    let mut resp = match verify(&st, &parts, &bytes) {
        Ok(caller) => {
            parts.extensions.insert(caller);
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) => e.into_response(),
    };
    if let Ok(v) = axum::http::HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

/// Authenticates a request as the management API does (SigV4 when credentials are configured,
/// else the cross-origin check): the server also uses it for `/_proscenium/metrics`.
pub fn verify(
    st: &ControlState,
    parts: &axum::http::request::Parts,
    body: &[u8],
) -> Result<Caller, ApiError> {
    let mut headers: Vec<(&str, &str)> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("")))
        .collect();
    let authority = parts.uri.authority().map(|a| a.as_str().to_string());
    if let (None, Some(a)) = (parts.headers.get("host"), authority.as_deref()) {
        headers.push(("host", a));
    }
    let request = proscenium_sigv4::RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &headers,
    };
    let Some(creds) = st.credentials.as_deref() else {
        check_origin(parts)?;
        let region = request
            .credential_region()
            .unwrap_or_else(|| st.default_region.clone());
        return Ok(Caller {
            scope: Scope::new(st.account_id.clone(), region),
            access_key_id: None,
        });
    };
    let now = st.now() as u64;
    let options = proscenium_sigv4::VerifyOptions {
        service: Some("apigateway"),
        ..Default::default()
    };
    match proscenium_sigv4::verify_with(&request, body, now, creds, &options) {
        // The scope is the one the caller signed for, never an unverified header.
        Ok(v) => Ok(Caller {
            scope: Scope::new(st.account_id.clone(), v.region),
            access_key_id: Some(v.access_key_id),
        }),
        Err(e) => Err(ApiError::Raw {
            status: e.status(),
            code: e.aws_error_code(),
            message: e.message(),
        }),
    }
}

/// Without credentials anyone who can reach the listener may call the API; browsers must not
/// be turned into such callers by a page from elsewhere. A request carrying `Origin` (only
/// browsers send it) must come from the same origin, on a loopback host name (which also
/// defeats DNS rebinding: the attacker's name would be the Host).
fn check_origin(parts: &axum::http::request::Parts) -> Result<(), ApiError> {
    let Some(origin) = parts.headers.get("origin") else {
        return Ok(());
    };
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, h)| h)
        .unwrap_or("");
    if origin_host.eq_ignore_ascii_case(host) && is_loopback_host(host) {
        return Ok(());
    }
    Err(ApiError::Raw {
        status: 403,
        code: "AccessDeniedException",
        message: "Cross-origin management requests are refused while no credentials are configured"
            .into(),
    })
}

/// `localhost`, `*.localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name == "::1"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> axum::http::request::Parts {
        let mut b = axum::http::Request::post("/restapis");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn browsers_may_only_call_from_the_same_loopback_origin() {
        assert!(
            check_origin(&parts(&[("host", "127.0.0.1:4566")])).is_ok(),
            "CLI and SDKs send no Origin"
        );
        assert!(
            check_origin(&parts(&[
                ("host", "localhost:4566"),
                ("origin", "http://localhost:4566")
            ]))
            .is_ok()
        );
        assert!(
            check_origin(&parts(&[
                ("host", "127.0.0.1:4566"),
                ("origin", "https://evil.example")
            ]))
            .is_err()
        );
        assert!(
            check_origin(&parts(&[
                ("host", "evil.example:4566"),
                ("origin", "http://evil.example:4566")
            ]))
            .is_err(),
            "DNS rebinding: same origin but not a loopback name"
        );
        assert!(is_loopback_host("[::1]:4566"));
        assert!(is_loopback_host("api.execute-api.localhost"));
        assert!(!is_loopback_host("10.0.0.1:4566"));
    }
}
