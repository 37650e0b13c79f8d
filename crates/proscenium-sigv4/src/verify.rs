//! Inbound verification: parse, check scope and clock skew against an
//! injected `now`, look the key up, recompute the signature and compare it
//! in constant time. The order of checks follows what AWS reports first.

use subtle::ConstantTimeEq;

use crate::canonical::{
    CanonicalParts, canonical_headers, canonical_query_string, canonical_request, canonical_uri,
    joined_header, string_to_sign,
};
use crate::credentials::CredentialProvider;
use crate::crypto::{sha256_hex, signature_hex, signing_key};
use crate::error::VerifyError;
use crate::parse::{
    AuthorizationV4, ParseError, is_presigned_query, parse_authorization_header,
    parse_presigned_query,
};
use crate::request::RequestParts;
use crate::time::AmzDate;

/// AWS's allowed clock skew: five minutes.
pub const DEFAULT_MAX_SKEW_SECS: u64 = 300;

/// Optional policy for [`verify_with`].
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// Required credential-scope service (e.g. `apigateway`); `None` accepts any.
    pub service: Option<&'a str>,
    /// Required credential-scope region; `None` accepts any.
    pub region: Option<&'a str>,
    /// Allowed distance between the request date and `now`, in seconds.
    pub max_skew_secs: u64,
    /// Accept `x-amz-content-sha256: UNSIGNED-PAYLOAD` (body not covered by
    /// the signature). Off by default.
    pub allow_unsigned_payload: bool,
}

impl Default for VerifyOptions<'_> {
    fn default() -> Self {
        Self {
            service: None,
            region: None,
            max_skew_secs: DEFAULT_MAX_SKEW_SECS,
            allow_unsigned_payload: false,
        }
    }
}

/// Who signed a request that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCaller {
    /// The access key id that signed.
    pub access_key_id: String,
    /// Credential-scope region.
    pub region: String,
    /// Credential-scope service.
    pub service: String,
    /// The signing date (`X-Amz-Date` or `Date`).
    pub date: AmzDate,
    /// `x-amz-security-token`, passed through unchecked.
    pub session_token: Option<String>,
    /// True when authenticated by a presigned query string.
    pub presigned: bool,
}

/// [`verify_with`] with default options (any region/service, 5-minute skew).
pub fn verify<P: CredentialProvider + ?Sized>(
    req: &RequestParts<'_>,
    body: &[u8],
    now: u64,
    credentials: &P,
) -> Result<VerifiedCaller, VerifyError> {
    verify_with(req, body, now, credentials, &VerifyOptions::default())
}

/// Verifies a SigV4-signed request (header or presigned form).
/// `now` is seconds since the Unix epoch.
pub fn verify_with<P: CredentialProvider + ?Sized>(
    req: &RequestParts<'_>,
    body: &[u8],
    now: u64,
    credentials: &P,
    opts: &VerifyOptions<'_>,
) -> Result<VerifiedCaller, VerifyError> {
    let now = AmzDate::from_unix(now);
    let (auth, date, expires, token) = match req.header("authorization") {
        Some(h) if !h.trim().is_empty() => {
            let date = request_date(req);
            let auth = match (parse_authorization_header(h), &date) {
                (Ok(auth), Some(_)) => auth,
                (Err(ParseError::MissingParameters(m)), d) => {
                    return Err(incomplete(m.sentences(), d.is_none(), h));
                }
                (Ok(_), None) => return Err(incomplete(Vec::new(), true, h)),
                (Err(e), _) => return Err(e.into()),
            };
            let date = date.unwrap_or_default();
            let token = req.header("x-amz-security-token").map(str::to_owned);
            (auth, date, None, token)
        }
        _ if is_presigned_query(req.query) => {
            let p = parse_presigned_query(req.query)?;
            (p.auth, p.date, Some(p.expires), p.security_token)
        }
        _ => return Err(VerifyError::MissingAuthenticationToken),
    };
    let signed_at = AmzDate::parse_iso8601_basic(&date)
        .or_else(|| AmzDate::parse_http_date(&date))
        .ok_or_else(|| {
            VerifyError::IncompleteSignature(format!(
                "Date must be in ISO-8601 'basic format'. Got '{date}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ))
        })?;
    check_scope(&auth, signed_at, opts)?;
    check_signed_headers(req, &auth)?;
    let secret = credentials
        .secret_key(&auth.credential.access_key_id)
        .ok_or(VerifyError::UnrecognizedClient)?;
    check_time(signed_at, now, opts.max_skew_secs, expires)?;

    let c = &auth.credential;
    let headers = canonical_headers(req.headers, &auth.signed_headers)
        .map_err(|name| missing_signed_header(&name))?;
    let creq = canonical_request(&CanonicalParts {
        method: req.method,
        uri: &canonical_uri(req.path),
        query: &canonical_query_string(req.query, expires.is_some()),
        headers: &headers,
        signed_headers: &auth.signed_headers.join(";"),
        payload_hash: &checked_payload_hash(req, body, opts.allow_unsigned_payload)?,
    });
    let sts = string_to_sign(signed_at, &c.scope(), &creq);
    let key = signing_key(secret.expose(), &c.date, &c.region, &c.service);
    let expected = signature_hex(&key, &sts);
    if !bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        return Err(VerifyError::SignatureDoesNotMatch);
    }
    Ok(VerifiedCaller {
        access_key_id: c.access_key_id.clone(),
        region: c.region.clone(),
        service: c.service.clone(),
        date: signed_at,
        session_token: token,
        presigned: expires.is_some(),
    })
}

/// The payload hash to sign. A client-supplied `x-amz-content-sha256` must
/// match the body (or be `UNSIGNED-PAYLOAD` when allowed), otherwise a
/// replayed signature could carry a different body.
fn checked_payload_hash(
    req: &RequestParts<'_>,
    body: &[u8],
    allow_unsigned: bool,
) -> Result<String, VerifyError> {
    let actual = sha256_hex(body);
    match joined_header(req.headers, "x-amz-content-sha256") {
        None => Ok(actual),
        Some(v) if v == "UNSIGNED-PAYLOAD" && allow_unsigned => Ok(v),
        Some(v) if v.eq_ignore_ascii_case(&actual) => Ok(v),
        Some(_) => Err(VerifyError::SignatureDoesNotMatch),
    }
}

/// `X-Amz-Date`, else `Date`.
fn request_date(req: &RequestParts<'_>) -> Option<String> {
    req.header("x-amz-date")
        .or_else(|| req.header("date"))
        .map(|v| v.trim().to_owned())
}

fn incomplete(mut sentences: Vec<&'static str>, no_date: bool, header: &str) -> VerifyError {
    if no_date {
        sentences.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    }
    VerifyError::IncompleteSignature(format!("{} Authorization={header}", sentences.join(" ")))
}

fn missing_signed_header(name: &str) -> VerifyError {
    VerifyError::IncompleteSignature(format!(
        "'{name}' is named as a SignedHeader, but it does not exist in the HTTP request."
    ))
}

fn check_scope(
    auth: &AuthorizationV4,
    signed_at: AmzDate,
    opts: &VerifyOptions<'_>,
) -> Result<(), VerifyError> {
    let c = &auth.credential;
    let fail = |m: String| Err(VerifyError::InvalidScope(m));
    if c.terminator != "aws4_request" {
        return fail(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
            c.terminator
        ));
    }
    let stamp = signed_at.date_stamp();
    if c.date != stamp {
        return fail(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{stamp}', from '{signed_at}'.",
            c.date
        ));
    }
    if opts.region.is_some_and(|r| r != c.region) {
        return fail(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            c.region
        ));
    }
    if let Some(s) = opts.service.filter(|s| *s != c.service) {
        return fail(format!(
            "Credential should be scoped to correct service: '{s}'. "
        ));
    }
    Ok(())
}

fn check_signed_headers(req: &RequestParts<'_>, auth: &AuthorizationV4) -> Result<(), VerifyError> {
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(VerifyError::IncompleteSignature(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    match auth.signed_headers.iter().find(|h| req.header(h).is_none()) {
        Some(h) => Err(missing_signed_header(h)),
        None => Ok(()),
    }
}

fn skew_label(secs: u64) -> String {
    if secs.is_multiple_of(60) {
        format!("{} min.", secs / 60)
    } else {
        format!("{secs} sec.")
    }
}

/// Clock-skew check; presigned requests instead expire `expires` seconds
/// after their date (and still may not be dated in the future).
fn check_time(
    signed_at: AmzDate,
    now: AmzDate,
    skew: u64,
    expires: Option<u64>,
) -> Result<(), VerifyError> {
    let latest = now.plus(skew);
    if signed_at > latest {
        return Err(VerifyError::SignatureExpired(format!(
            "Signature not yet current: {signed_at} is still later than {latest} ({now} + {})",
            skew_label(skew)
        )));
    }
    let window = expires.unwrap_or(skew);
    let earliest = now.minus(window);
    if signed_at < earliest {
        return Err(VerifyError::SignatureExpired(format!(
            "Signature expired: {signed_at} is now earlier than {earliest} ({now} - {})",
            skew_label(window)
        )));
    }
    Ok(())
}
