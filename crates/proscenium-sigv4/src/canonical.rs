//! Canonical request and string to sign, as AWS and botocore build them for
//! every service except S3.
//!
//! Canonical URI: raw path normalised then URI-encoded again. Canonical query:
//! each pair decoded, re-encoded (RFC 3986), sorted by key then value.
//! Canonical headers: names lowercased, values trimmed with inner whitespace
//! runs collapsed, repeated headers joined with `,`, in signed-header order.

use crate::crypto::sha256_hex;
use crate::parse::ALGORITHM;
use crate::time::AmzDate;
use crate::uri::{encode_component, query_pairs};

pub use crate::uri::canonical_uri;

/// Canonical query string of a raw query. With `skip_signature`, the
/// `X-Amz-Signature` parameter (presigned form) is left out.
pub fn canonical_query_string(raw_query: &str, skip_signature: bool) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(raw_query)
        .filter(|(k, _)| !(skip_signature && k == b"X-Amz-Signature"))
        .map(|(k, v)| (encode_component(&k), encode_component(&v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Trims a header value and collapses runs of whitespace into one space.
pub fn canonical_header_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// All values of header `name` (case-insensitive), canonicalised and joined
/// with `,`; `None` when the request has no such header.
pub fn joined_header<'h>(
    headers: impl IntoIterator<Item = &'h (&'h str, &'h str)>,
    name: &str,
) -> Option<String> {
    let values: Vec<String> = headers
        .into_iter()
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| canonical_header_value(v))
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// Canonical header block (each line `name:value\n`) for `signed` names.
/// Fails with the first signed name that the request does not carry.
pub fn canonical_headers(headers: &[(&str, &str)], signed: &[String]) -> Result<String, String> {
    let mut out = String::new();
    for name in signed {
        let value = joined_header(headers, name).ok_or_else(|| name.clone())?;
        out.push_str(name);
        out.push(':');
        out.push_str(&value);
        out.push('\n');
    }
    Ok(out)
}

/// The pieces of a canonical request, already canonical.
#[derive(Debug, Clone, Copy)]
pub struct CanonicalParts<'a> {
    /// HTTP method, e.g. `GET` (uppercased on output).
    pub method: &'a str,
    /// Output of [`canonical_uri`].
    pub uri: &'a str,
    /// Output of [`canonical_query_string`].
    pub query: &'a str,
    /// Output of [`canonical_headers`] (ends with `\n` unless empty).
    pub headers: &'a str,
    /// Signed header names joined with `;`.
    pub signed_headers: &'a str,
    /// Hex SHA-256 of the payload, or the `x-amz-content-sha256` value.
    pub payload_hash: &'a str,
}

/// Joins the six lines of the canonical request.
pub fn canonical_request(p: &CanonicalParts<'_>) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        p.method.to_ascii_uppercase(),
        p.uri,
        p.query,
        p.headers,
        p.signed_headers,
        p.payload_hash
    )
}

/// `AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256 of canonical request>`,
/// where `scope` is `YYYYMMDD/region/service/aws4_request`.
pub fn string_to_sign(date: AmzDate, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The payload hash to sign: the `x-amz-content-sha256` header when present,
/// otherwise the hex SHA-256 of `body`.
pub fn payload_hash(headers: &[(&str, &str)], body: &[u8]) -> String {
    joined_header(headers, "x-amz-content-sha256").unwrap_or_else(|| sha256_hex(body))
}
