//! Parsing of SigV4 credentials: the `Authorization` header and the
//! presigned query-string form, into typed values.
//!
//! Only syntax is checked here (AWS answers these with
//! `IncompleteSignatureException`); scope, time and signature checks live
//! in `verify`. Never panics on hostile input.

use crate::uri::query_pairs;

/// The only algorithm SigV4 defines.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// `Credential=AKID/20150830/us-east-1/apigateway/aws4_request`, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Access key id, e.g. `AKIDEXAMPLE`.
    pub access_key_id: String,
    /// Scope date, `YYYYMMDD` (unchecked here).
    pub date: String,
    /// Region, e.g. `us-east-1`.
    pub region: String,
    /// Service, e.g. `apigateway`.
    pub service: String,
    /// Terminator; valid requests carry `aws4_request`.
    pub terminator: String,
}

impl Credential {
    /// Splits `keyid/date/region/service/term`; exactly five elements.
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let parts: Vec<&str> = value.split('/').collect();
        match parts.as_slice() {
            [key, date, region, service, term] => Ok(Self {
                access_key_id: (*key).to_owned(),
                date: (*date).to_owned(),
                region: (*region).to_owned(),
                service: (*service).to_owned(),
                terminator: (*term).to_owned(),
            }),
            _ => Err(ParseError::MalformedCredential(value.to_owned())),
        }
    }

    /// `date/region/service/terminator`, the scope line of the string to sign.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.date, self.region, self.service, self.terminator
        )
    }
}

/// A parsed SigV4 authorization, from a header or from a presigned query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationV4 {
    /// The credential scope.
    pub credential: Credential,
    /// Signed header names, lowercased, in the order given.
    pub signed_headers: Vec<String>,
    /// The signature as sent (expected: 64 lowercase hex digits).
    pub signature: String,
}

/// Extra fields that only the presigned (query-string) form carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedV4 {
    /// Credential, signed headers and signature.
    pub auth: AuthorizationV4,
    /// `X-Amz-Date`, raw.
    pub date: String,
    /// `X-Amz-Expires` in seconds.
    pub expires: u64,
    /// `X-Amz-Security-Token`, if present.
    pub security_token: Option<String>,
}

/// Which of the three `Authorization` parameters are absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MissingParameters {
    /// `Credential=` is absent.
    pub credential: bool,
    /// `Signature=` is absent.
    pub signature: bool,
    /// `SignedHeaders=` is absent.
    pub signed_headers: bool,
}

impl MissingParameters {
    const ALL: Self = Self {
        credential: true,
        signature: true,
        signed_headers: true,
    };

    /// AWS's sentences for the missing parameters, in AWS's order.
    pub fn sentences(self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.credential {
            out.push("Authorization header requires 'Credential' parameter.");
        }
        if self.signature {
            out.push("Authorization header requires 'Signature' parameter.");
        }
        if self.signed_headers {
            out.push("Authorization header requires 'SignedHeaders' parameter.");
        }
        out
    }

    fn any(self) -> bool {
        self.credential || self.signature || self.signed_headers
    }
}

/// Syntax errors; all are `IncompleteSignatureException` at AWS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// One or more of `Credential`, `Signature`, `SignedHeaders` is absent
    /// (also used when the header is not `AWS4-HMAC-SHA256` at all).
    #[error("{}", .0.sentences().join(" "))]
    MissingParameters(MissingParameters),
    /// A component of the header has no `=`.
    #[error(
        "'{token}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
    )]
    MissingEqualSign {
        /// The offending component.
        token: String,
        /// The whole header value.
        header: String,
    },
    /// The credential does not have five `/`-separated elements.
    #[error(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{0}'"
    )]
    MalformedCredential(String),
    /// Presigned form: required query parameters are absent.
    #[error("{}", missing_query_message(.0))]
    MissingQueryParameters(Vec<&'static str>),
    /// Presigned form: `X-Amz-Algorithm` is not `AWS4-HMAC-SHA256`.
    #[error("Unsupported AWS 'algorithm': '{0}'. Only 'AWS4-HMAC-SHA256' is supported.")]
    UnsupportedAlgorithm(String),
    /// Presigned form: `X-Amz-Expires` is not an integer in 1..=604800.
    #[error("X-Amz-Expires must be an integer number of seconds between 1 and 604800, got '{0}'.")]
    InvalidExpires(String),
}

fn missing_query_message(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("AWS query-string parameters must include '{n}'."))
        .collect::<Vec<_>>()
        .join(" ")
        + " Re-examine the query-string parameters."
}

fn split_signed_headers(value: &str) -> Vec<String> {
    value
        .split(';')
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Strips the `AWS4-HMAC-SHA256` algorithm word, if that is how `value` starts.
fn strip_algorithm(value: &str) -> Option<&str> {
    let rest = value.trim_start().strip_prefix(ALGORITHM)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(rest)
}

/// Parses an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
/// Signature=…` header value. Components may be separated by commas and/or
/// whitespace; unknown components are ignored; the first occurrence wins.
pub fn parse_authorization_header(value: &str) -> Result<AuthorizationV4, ParseError> {
    let Some(rest) = strip_algorithm(value) else {
        return Err(ParseError::MissingParameters(MissingParameters::ALL));
    };
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for token in rest
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let Some((key, val)) = token.split_once('=') else {
            return Err(ParseError::MissingEqualSign {
                token: token.to_owned(),
                header: value.to_owned(),
            });
        };
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => continue,
        };
        slot.get_or_insert(val);
    }
    let missing = MissingParameters {
        credential: credential.is_none(),
        signature: signature.is_none(),
        signed_headers: signed.is_none(),
    };
    match (credential, signed, signature) {
        (Some(c), Some(h), Some(s)) if !missing.any() => Ok(AuthorizationV4 {
            credential: Credential::parse(c)?,
            signed_headers: split_signed_headers(h),
            signature: s.to_owned(),
        }),
        _ => Err(ParseError::MissingParameters(missing)),
    }
}

/// True when the raw query string carries presigned-URL parameters.
pub fn is_presigned_query(raw_query: &str) -> bool {
    query_pairs(raw_query).any(|(k, _)| {
        matches!(
            k.as_slice(),
            b"X-Amz-Algorithm" | b"X-Amz-Credential" | b"X-Amz-Signature"
        )
    })
}

/// Parses the presigned form from a raw (percent-encoded) query string.
pub fn parse_presigned_query(raw_query: &str) -> Result<PresignedV4, ParseError> {
    const REQUIRED: [&str; 6] = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders",
        "X-Amz-Date",
        "X-Amz-Expires",
    ];
    let mut found: [Option<String>; 6] = Default::default();
    let mut token = None;
    for (k, v) in query_pairs(raw_query) {
        let v = String::from_utf8_lossy(&v).into_owned();
        if k == b"X-Amz-Security-Token" {
            token.get_or_insert(v);
        } else if let Some(i) = REQUIRED.iter().position(|r| r.as_bytes() == k) {
            found[i].get_or_insert(v);
        }
    }
    let missing: Vec<&'static str> = REQUIRED
        .iter()
        .zip(&found)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    let [
        Some(alg),
        Some(cred),
        Some(sig),
        Some(signed),
        Some(date),
        Some(exp),
    ] = found
    else {
        return Err(ParseError::MissingQueryParameters(missing));
    };
    if alg != ALGORITHM {
        return Err(ParseError::UnsupportedAlgorithm(alg));
    }
    let expires = match exp.parse::<u64>() {
        Ok(n @ 1..=604_800) if exp.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => return Err(ParseError::InvalidExpires(exp)),
    };
    Ok(PresignedV4 {
        auth: AuthorizationV4 {
            credential: Credential::parse(&cred)?,
            signed_headers: split_signed_headers(&signed),
            signature: sig,
        },
        date,
        expires,
        security_token: token,
    })
}

/// Cheaply extracts the region of the credential scope from an
/// `Authorization` header value, without validating anything else.
/// Returns `None` when there is no well-formed five-element credential.
pub fn region_from_authorization(value: &str) -> Option<&str> {
    let rest = strip_algorithm(value)?;
    let cred = rest
        .split(|c: char| c == ',' || c.is_whitespace())
        .find_map(|t| t.strip_prefix("Credential="))?;
    region_of(cred)
}

/// As [`region_from_authorization`], for a presigned query string.
pub fn region_from_query(raw_query: &str) -> Option<String> {
    let (_, cred) = query_pairs(raw_query).find(|(k, _)| k == b"X-Amz-Credential")?;
    region_of(&String::from_utf8_lossy(&cred)).map(str::to_owned)
}

fn region_of(credential: &str) -> Option<&str> {
    let mut parts = credential.split('/');
    let region = parts.nth(2)?;
    (parts.count() == 2 && !region.is_empty()).then_some(region)
}
