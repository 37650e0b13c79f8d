//! Custom domain names and their base path mappings: `https://{domainName}/{basePath}/…`
//! serves a stage of a REST API, the stage name not being part of the URL.
//!
//! Owns: the entities (plain data, serde in AWS's member names), AWS's rules for domain names
//! (wildcards included) and base paths (`(none)` is the empty base path), and the routing rule
//! the data plane compiles: the longest mapped base path that prefixes the request path wins.
//!
//! Must not: do I/O, parse certificates, or know about HTTP. The certificate and private key a
//! domain serves are kept here as opaque PEM text; the control plane checks them, the server
//! presents them, and neither is ever printed on the wire.

use serde::{Deserialize, Serialize};

use crate::rest_api::EndpointConfiguration;
use crate::{StringMap, Timestamp, ValidationError};

/// The base path of the mapping that serves the root of a domain.
pub const NONE_BASE_PATH: &str = "(none)";

/// The CloudFront hosted zone every edge-optimized domain's distribution lives in.
pub const CLOUDFRONT_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// AWS's security policies (botocore's `SecurityPolicy` enum).
pub const SECURITY_POLICIES: &[&str] = &[
    "TLS_1_0",
    "TLS_1_2",
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
    "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_2021_06",
    "SecurityPolicy_TLS13_2025_EDGE",
    "SecurityPolicy_TLS12_PFS_2025_EDGE",
    "SecurityPolicy_TLS12_2018_EDGE",
];

/// The lowest TLS version a security policy accepts (rustls speaks 1.2 and 1.3 only, so
/// `TLS_1_0` cannot be honoured below 1.2: the server serves such names from TLS 1.2 on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinTls {
    Tls12,
    Tls13,
}

/// What a security policy asks of the handshake.
pub fn min_tls(policy: &str) -> MinTls {
    if policy.starts_with("SecurityPolicy_TLS13_1_3") || policy == "SecurityPolicy_TLS13_2025_EDGE"
    {
        MinTls::Tls13
    } else {
        MinTls::Tls12
    }
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainName {
    pub domain_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_upload_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_hosted_zone_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_certificate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_certificate_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_hosted_zone_id: Option<String>,
    pub endpoint_configuration: EndpointConfiguration,
    pub domain_name_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name_status_message: Option<String>,
    pub security_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutual_tls_authentication: Option<MutualTlsAuthentication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_verification_certificate_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_mode: Option<String>,
    #[serde(default)]
    pub tags: StringMap,
    /// When it was created (listing order; not a wire member).
    pub created_date: Timestamp,
    /// What the HTTPS listener presents for this name (never a wire member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving: Option<ServingCertificate>,
    /// The PEM certificates of the mutual TLS truststore (never a wire member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truststore_pem: Option<String>,
}

impl std::fmt::Debug for DomainName {
    /// Never prints the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DomainName")
            .field("domain_name", &self.domain_name)
            .field("endpoint_configuration", &self.endpoint_configuration)
            .field("security_policy", &self.security_policy)
            .field("serving", &self.serving.as_ref().map(|_| "<certificate>"))
            .finish_non_exhaustive()
    }
}

/// A certificate chain (leaf first) and its private key, both PEM.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServingCertificate {
    pub chain_pem: String,
    pub private_key_pem: String,
    /// The leaf's `notAfter`, seconds since the epoch.
    pub not_after: Timestamp,
}

impl std::fmt::Debug for ServingCertificate {
    /// Never prints the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServingCertificate")
            .field("not_after", &self.not_after)
            .field("private_key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MutualTlsAuthentication {
    pub truststore_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truststore_version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub truststore_warnings: Vec<String>,
}

impl DomainName {
    /// `EDGE`, `REGIONAL` or `PRIVATE` (the first configured type).
    pub fn endpoint_type(&self) -> &str {
        self.endpoint_configuration
            .types
            .first()
            .map_or("EDGE", String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BasePathMapping {
    /// `(none)` for the empty base path.
    pub base_path: String,
    pub rest_api_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// The ARN tags are kept under: `arn:aws:apigateway:{region}::/domainnames/{name}`.
pub fn domain_name_arn(region: &str, name: &str) -> String {
    format!("arn:aws:apigateway:{region}::/domainnames/{name}")
}

/// The `regionalHostedZoneId` AWS gives regional API Gateway endpoints in `region`.
pub fn regional_hosted_zone_id(region: &str) -> &'static str {
    match region {
        "us-east-2" => "ZOJJZC49E0EPZ",
        "us-west-1" => "Z2MOQ5XTLZNRA",
        "us-west-2" => "Z2OJLYMUO9EFXC",
        "ca-central-1" => "Z19DQILCV0OWEC",
        "eu-west-1" => "ZLY8HYME6SFDD",
        "eu-west-2" => "ZJ5UAJN8Y3Z2Q",
        "eu-west-3" => "Z3KY65QIEKYHQQ",
        "eu-central-1" => "Z1U9ULNL0V5AJ3",
        "eu-north-1" => "Z3UWIKFBOOGXPP",
        "ap-northeast-1" => "Z1YSHQZHG15GKL",
        "ap-northeast-2" => "Z20JF4UZKIW1U8",
        "ap-southeast-1" => "ZL327KW0TLWR4",
        "ap-southeast-2" => "Z2RPCDW04V8134",
        "ap-south-1" => "Z3VO1THU9YC4UR",
        "sa-east-1" => "ZCMLWB8V5SYIT",
        _ => "Z1UJRXOUMOOFQ8",
    }
}

/// AWS's check of a custom domain name: a lowercase-insensitive DNS name of at least two
/// labels, each 1–63 letters, digits or hyphens (not at either end), 253 characters at most; a
/// wildcard name has `*` as its whole first label. Returns the name in lower case.
pub fn check_domain_name(name: &str) -> Result<String, ValidationError> {
    let invalid = || ValidationError::bad_request(format!("Invalid domain name specified: {name}"));
    if name.is_empty() || name.len() > 253 {
        return Err(invalid());
    }
    let lower = name.to_ascii_lowercase();
    let labels: Vec<&str> = lower.split('.').collect();
    if labels.len() < 2 {
        return Err(invalid());
    }
    for (i, label) in labels.iter().enumerate() {
        if i == 0 && *label == "*" {
            continue;
        }
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(invalid());
        }
    }
    if labels.len() == 2 && labels[0] == "*" {
        // `*.com` would cover a whole top-level domain.
        return Err(invalid());
    }
    Ok(lower)
}

/// The stored spelling of a base path as sent: empty, absent or `/` is `(none)`; a leading
/// or trailing `/` is dropped. Checks AWS's rules: each segment of letters, digits and
/// `$-_.+!*'()`; several segments only on REGIONAL domains.
pub fn normalise_base_path(
    base_path: Option<&str>,
    regional: bool,
) -> Result<String, ValidationError> {
    let raw = base_path.unwrap_or("");
    if raw == NONE_BASE_PATH {
        return Ok(NONE_BASE_PATH.into());
    }
    let trimmed = raw.trim_matches('/');
    if trimmed.is_empty() {
        return Ok(NONE_BASE_PATH.into());
    }
    if trimmed.contains('/') && !regional {
        return Err(ValidationError::bad_request(
            "API Gateway V1 doesn't support the slash character (/) in base paths. Try again using V2 instead.",
        ));
    }
    let valid_segment = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'$' | b'-' | b'_' | b'.' | b'+' | b'!' | b'*' | b'\'' | b'(' | b')'
                    )
            })
    };
    if trimmed.len() > 1024 || !trimmed.split('/').all(valid_segment) {
        return Err(ValidationError::bad_request(format!(
            "Invalid base path specified: {raw}. A base path may contain only letters, digits and the characters $-_.+!*'() in segments separated by /"
        )));
    }
    Ok(trimmed.to_string())
}

/// The mappings of one domain, ready for requests: longest base path first, so the first one
/// that prefixes a path is the one AWS picks.
#[derive(Debug, Clone, Default)]
pub struct MappingTable<T> {
    /// (base path without slashes, `""` for `(none)`; what it maps to).
    entries: Vec<(String, T)>,
}

impl<T> MappingTable<T> {
    pub fn new(mappings: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut entries: Vec<(String, T)> = mappings
            .into_iter()
            .map(|(p, t)| {
                let p = if p == NONE_BASE_PATH {
                    String::new()
                } else {
                    p
                };
                (p, t)
            })
            .collect();
        entries.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        MappingTable { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The mapping serving `path` (as sent, starting with `/`) and the rest of the path (the
    /// resource path, starting with `/`), or `None` (AWS answers 403).
    pub fn route<'p>(&self, path: &'p str) -> Option<(&T, &'p str)> {
        let after = path.strip_prefix('/').unwrap_or(path);
        for (base, target) in &self.entries {
            if base.is_empty() {
                return Some((target, path));
            }
            if let Some(rest) = after.strip_prefix(base.as_str()) {
                if rest.is_empty() {
                    return Some((target, "/"));
                }
                if rest.starts_with('/') {
                    return Some((target, rest));
                }
            }
        }
        None
    }
}

/// The wildcard name that covers `host` (`a.b.example.com` → `*.b.example.com`), if any.
pub fn wildcard_of(host: &str) -> Option<String> {
    let (_, parent) = host.split_once('.')?;
    parent.contains('.').then(|| format!("*.{parent}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names_follow_dns_rules_and_allow_a_leading_wildcard() {
        assert_eq!(
            check_domain_name("API.Example.com").unwrap(),
            "api.example.com"
        );
        assert_eq!(check_domain_name("*.example.com").unwrap(), "*.example.com");
        for bad in [
            "",
            "localhost",
            "*.com",
            "a.*.example.com",
            "-a.example.com",
            "a_b.example.com",
            "a..example.com",
            "a.example.com.",
        ] {
            assert!(check_domain_name(bad).is_err(), "{bad}");
        }
        assert!(check_domain_name(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn base_paths_are_normalised_and_checked() {
        for none in [None, Some(""), Some("/"), Some("(none)")] {
            assert_eq!(normalise_base_path(none, true).unwrap(), "(none)");
        }
        assert_eq!(normalise_base_path(Some("/v1/"), false).unwrap(), "v1");
        assert_eq!(
            normalise_base_path(Some("v1/orders"), true).unwrap(),
            "v1/orders"
        );
        assert!(
            normalise_base_path(Some("v1/orders"), false)
                .unwrap_err()
                .message
                .contains("slash character")
        );
        assert!(normalise_base_path(Some("v 1"), true).is_err());
        assert!(normalise_base_path(Some("a//b"), true).is_err());
        assert!(normalise_base_path(Some("a?b"), true).is_err());
    }

    #[test]
    fn the_longest_base_path_that_prefixes_the_path_wins() {
        let t = MappingTable::new([
            ("(none)".to_string(), "root"),
            ("v1".to_string(), "v1"),
            ("v1/orders".to_string(), "orders"),
        ]);
        assert_eq!(t.route("/v1/orders/7"), Some((&"orders", "/7")));
        assert_eq!(t.route("/v1/orders"), Some((&"orders", "/")));
        assert_eq!(t.route("/v1/ordersx"), Some((&"v1", "/ordersx")));
        assert_eq!(t.route("/v1"), Some((&"v1", "/")));
        assert_eq!(t.route("/v10/x"), Some((&"root", "/v10/x")));
        assert_eq!(t.route("/"), Some((&"root", "/")));
        let no_root = MappingTable::new([("v1".to_string(), 1)]);
        assert_eq!(no_root.route("/v2/x"), None);
        assert_eq!(no_root.route("/"), None);
    }

    #[test]
    fn wildcards_cover_one_label() {
        assert_eq!(
            wildcard_of("a.example.com").as_deref(),
            Some("*.example.com")
        );
        assert_eq!(wildcard_of("example.com"), None);
    }

    #[test]
    fn security_policies_map_to_a_minimum_version() {
        assert_eq!(min_tls("TLS_1_2"), MinTls::Tls12);
        assert_eq!(min_tls("TLS_1_0"), MinTls::Tls12);
        assert_eq!(min_tls("SecurityPolicy_TLS13_1_3_2025_09"), MinTls::Tls13);
        assert_eq!(min_tls("SecurityPolicy_TLS13_1_2_2021_06"), MinTls::Tls12);
    }
}
