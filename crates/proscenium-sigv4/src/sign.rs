//! Outbound signing (for AWS service integrations): computes the
//! `Authorization`, `X-Amz-Date` and `X-Amz-Security-Token` headers to add to
//! a request. Pure: the caller injects `now` and sends the request itself.

use crate::canonical::{
    CanonicalParts, canonical_headers, canonical_query_string, canonical_request, canonical_uri,
    payload_hash, string_to_sign,
};
use crate::credentials::Credentials;
use crate::crypto::{signature_hex, signing_key};
use crate::parse::ALGORITHM;
use crate::request::RequestParts;
use crate::time::AmzDate;

/// Headers never signed: hop-by-hop or rewritten by proxies (same list as
/// the AWS SDKs), plus `authorization` itself.
pub const UNSIGNED_HEADERS: &[&str] = &[
    "authorization",
    "baggage",
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "traceparent",
    "tracestate",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// What to add to the request (names as AWS SDKs send them).
#[derive(Clone, PartialEq, Eq)]
pub struct SignedOutput {
    /// Value of the `Authorization` header.
    pub authorization: String,
    /// Value of the `X-Amz-Date` header.
    pub x_amz_date: String,
    /// Value of the `X-Amz-Security-Token` header, for session credentials.
    pub x_amz_security_token: Option<String>,
    /// The signed header names, `;`-joined (for logging/debugging).
    pub signed_headers: String,
    /// The hex signature.
    pub signature: String,
}

impl std::fmt::Debug for SignedOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedOutput")
            .field("authorization", &self.authorization)
            .field("x_amz_date", &self.x_amz_date)
            .field(
                "x_amz_security_token",
                &self.x_amz_security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// Signs `req` (which should carry a `host` header; any `x-amz-date`,
/// `x-amz-security-token` or `authorization` in it is replaced) for
/// `region`/`service` at `now` (seconds since the Unix epoch).
/// Headers in [`UNSIGNED_HEADERS`] are not signed.
pub fn sign(
    req: &RequestParts<'_>,
    body: &[u8],
    creds: &Credentials<'_>,
    region: &str,
    service: &str,
    now: u64,
) -> SignedOutput {
    sign_with(req, body, creds, region, service, now, false)
}

/// [`sign`] with S3's rules: the raw path is the canonical URI as it is (neither
/// normalised nor encoded again). The caller should send `x-amz-content-sha256`
/// (S3 requires it), which is then the signed payload hash.
pub fn sign_s3(
    req: &RequestParts<'_>,
    body: &[u8],
    creds: &Credentials<'_>,
    region: &str,
    now: u64,
) -> SignedOutput {
    sign_with(req, body, creds, region, "s3", now, true)
}

fn sign_with(
    req: &RequestParts<'_>,
    body: &[u8],
    creds: &Credentials<'_>,
    region: &str,
    service: &str,
    now: u64,
    s3: bool,
) -> SignedOutput {
    let date = AmzDate::from_unix(now);
    let x_amz_date = date.to_string();
    let replaced = |n: &str| {
        n.eq_ignore_ascii_case("x-amz-date") || n.eq_ignore_ascii_case("x-amz-security-token")
    };
    let mut headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.trim(), *v))
        .filter(|(n, _)| {
            !replaced(n) && !UNSIGNED_HEADERS.iter().any(|u| n.eq_ignore_ascii_case(u))
        })
        .collect();
    headers.push(("x-amz-date", &x_amz_date));
    if let Some(t) = creds.session_token {
        headers.push(("x-amz-security-token", t));
    }
    let mut names: Vec<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    // Every name comes from `headers`, so no signed header can be missing.
    let block = canonical_headers(&headers, &names).unwrap_or_default();
    let signed_headers = names.join(";");
    let uri = if !s3 {
        canonical_uri(req.path)
    } else if req.path.is_empty() {
        "/".to_owned()
    } else {
        req.path.to_owned()
    };
    let creq = canonical_request(&CanonicalParts {
        method: req.method,
        uri: &uri,
        query: &canonical_query_string(req.query, false),
        headers: &block,
        signed_headers: &signed_headers,
        payload_hash: &payload_hash(&headers, body),
    });
    let stamp = date.date_stamp();
    let scope = format!("{stamp}/{region}/{service}/aws4_request");
    let key = signing_key(creds.secret_access_key, &stamp, region, service);
    let sig = signature_hex(&key, &string_to_sign(date, &scope, &creq));
    SignedOutput {
        authorization: format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={sig}",
            creds.access_key_id
        ),
        x_amz_date,
        x_amz_security_token: creds.session_token.map(str::to_owned),
        signed_headers,
        signature: sig,
    }
}
