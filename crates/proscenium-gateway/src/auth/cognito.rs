//! Cognito user pool authorizers: the JWT from the identity source verified (RS256 against
//! the pool's JWKS, `exp`, `iss`, `token_use`; for access tokens the method's
//! `authorizationScopes`) and its claims exposed as `$context.authorizer.claims.*`.
//!
//! The issuer of pool `{poolId}` in `{region}` is `{endpoint}/{poolId}`, where the endpoint is
//! `https://cognito-idp.{region}.amazonaws.com` unless `GatewayConfig::cognito_endpoint`
//! names another; its keys come from `{issuer}/.well-known/jwks.json`, cached, and fetched
//! again when a token names an unknown `kid` (at most every [`REFETCH_INTERVAL_NANOS`]).
//! A JWKS that cannot be fetched refuses the request (500), never lets it through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::Full;
use proscenium_model::Authorizer;
use serde_json::Value;

use super::identity_sources;
use crate::Shared;
use crate::compile::CompiledStage;
use crate::context::RequestCtx;
use crate::error::GatewayError;
use crate::params::Source;

/// Unknown `kid`s trigger a refetch at most this often per pool.
pub const REFETCH_INTERVAL_NANOS: u64 = 5_000_000_000;
/// How long a fetched key set is used before it is fetched again.
pub const KEYS_TTL_NANOS: u64 = 3_600_000_000_000;
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct CognitoAuthorizer {
    pub id: String,
    /// `authorizerResultTtlInSeconds`: how long a verified token is remembered.
    pub ttl_secs: u64,
    /// (region, pool id) of each provider ARN.
    pub pools: Vec<(String, String)>,
    pub source: Source,
    /// `source`, compiled for the request path.
    pub compiled_source: super::IdentitySource,
}

impl CognitoAuthorizer {
    pub fn compile(a: &Authorizer) -> Result<Self, String> {
        let mut pools = Vec::new();
        for arn in a.provider_arns.iter().flatten() {
            // arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            match (
                parts.get(3),
                parts.get(5).and_then(|r| r.strip_prefix("userpool/")),
            ) {
                (Some(region), Some(pool)) if !pool.is_empty() => {
                    pools.push((region.to_string(), pool.to_string()));
                }
                _ => return Err(format!("not a user pool ARN: {arn}")),
            }
        }
        if pools.is_empty() {
            return Err("the authorizer has no providerARNs".into());
        }
        let source = identity_sources(
            a.identity_source
                .as_deref()
                .or(Some("method.request.header.Authorization")),
        )?
        .into_iter()
        .next()
        .ok_or("no identity source")?;
        let compiled_source = super::IdentitySource::compile(&source)?;
        Ok(CognitoAuthorizer {
            compiled_source,
            id: a.id.clone(),
            ttl_secs: match a.authorizer_result_ttl_in_seconds {
                None => super::lambda::DEFAULT_TTL_SECS,
                Some(n) => n.clamp(0, super::lambda::MAX_TTL_SECS as i64) as u64,
            },
            pools,
            source,
        })
    }
}

/// A verified token's claims (values as text).
#[derive(Debug)]
pub struct Claims {
    pub pairs: Vec<(String, String)>,
}

impl Claims {
    pub fn get(&self, name: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// One RSA key of a JWKS, parsed once when the JWKS is read (a verification then costs the
/// modular exponentiation alone, not the key's set-up).
#[derive(Debug, Clone)]
pub struct RsaKey {
    parsed: Arc<aws_lc_rs::signature::ParsedPublicKey>,
}

impl RsaKey {
    /// The key with modulus `n` and exponent `e` (big-endian bytes, as a JWK gives them), for
    /// RS256 with a modulus of 2048 to 8192 bits; `None` when it is not a usable key.
    pub fn from_components(n: &[u8], e: &[u8]) -> Option<Self> {
        let bits = n
            .iter()
            .position(|&b| b != 0)
            .map_or(0, |i| (n.len() - i) * 8 - n[i].leading_zeros() as usize);
        if !(2048..=8192).contains(&bits) {
            return None;
        }
        let parsed = aws_lc_rs::signature::RsaPublicKeyComponents { n, e }
            .to_parsed_public_key(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256)
            .ok()?;
        Some(RsaKey {
            parsed: Arc::new(parsed),
        })
    }
}

/// The keys of one pool, and when they were fetched.
#[derive(Debug, Default)]
pub struct Jwks {
    pub keys: HashMap<String, RsaKey>,
    pub fetched_at: u64,
}

/// Every pool's keys, shared by the requests.
#[derive(Debug, Default)]
pub struct KeyStore {
    pools: Mutex<HashMap<String, Arc<Jwks>>>,
}

impl KeyStore {
    fn get(&self, issuer: &str) -> Option<Arc<Jwks>> {
        self.pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(issuer)
            .cloned()
    }

    fn put(&self, issuer: &str, jwks: Arc<Jwks>) {
        self.pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(issuer.to_string(), jwks);
    }
}

/// Parses a JWKS document (RSA keys with `kid`, `n`, `e`; others are ignored).
pub fn parse_jwks(body: &[u8], fetched_at: u64) -> Result<Jwks, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("JWKS is not JSON: {e}"))?;
    let keys = v
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("JWKS has no keys")?;
    let mut out = HashMap::new();
    for k in keys {
        let text = |name: &str| k.get(name).and_then(Value::as_str);
        if text("kty") != Some("RSA") {
            continue;
        }
        let (Some(kid), Some(n), Some(e)) = (text("kid"), text("n"), text("e")) else {
            continue;
        };
        let (Ok(n), Ok(e)) = (b64(n), b64(e)) else {
            continue;
        };
        if let Some(key) = RsaKey::from_components(&n, &e) {
            out.insert(kid.to_string(), key);
        }
    }
    Ok(Jwks {
        keys: out,
        fetched_at,
    })
}

fn b64(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('='))
}

/// A token split and decoded, before its signature is checked.
pub struct Token {
    pub kid: String,
    pub alg: String,
    pub claims: serde_json::Map<String, Value>,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

pub fn decode(token: &str) -> Result<Token, String> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT".into());
    };
    let header: Value =
        serde_json::from_slice(&b64(h).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let claims: Value =
        serde_json::from_slice(&b64(p).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let Value::Object(claims) = claims else {
        return Err("the claims are not an object".into());
    };
    Ok(Token {
        kid: header
            .get("kid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        alg: header
            .get("alg")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        claims,
        signing_input: format!("{h}.{p}").into_bytes(),
        signature: b64(s).map_err(|e| e.to_string())?,
    })
}

/// Checks an RS256 signature.
pub fn verify_signature(t: &Token, key: &RsaKey) -> bool {
    key.parsed
        .verify_sig(&t.signing_input, &t.signature)
        .is_ok()
}

/// The checks after the signature: expiry, issuer, token use and scopes. `Ok` gives the
/// claims as `$context.authorizer.claims` shows them.
pub fn check_claims(
    t: &Token,
    issuers: &[String],
    scopes: &[String],
    now_secs: i64,
) -> Result<Claims, String> {
    check_token_claims(&t.claims, issuers, scopes, now_secs)?;
    Ok(claim_pairs(&t.claims))
}

/// Expiry, issuer, token use and scopes of verified claims.
pub fn check_token_claims(
    claims: &serde_json::Map<String, Value>,
    issuers: &[String],
    scopes: &[String],
    now_secs: i64,
) -> Result<(), String> {
    let num = |name: &str| claims.get(name).and_then(Value::as_i64);
    match num("exp") {
        Some(exp) if exp > now_secs => {}
        Some(_) => return Err("the token has expired".into()),
        None => return Err("the token has no exp".into()),
    }
    if num("nbf").is_some_and(|nbf| nbf > now_secs) {
        return Err("the token is not valid yet".into());
    }
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    if !issuers.iter().any(|i| i == iss) {
        return Err(format!(
            "the token's issuer {iss:?} is not one of the user pools"
        ));
    }
    let token_use = claims.get("token_use").and_then(Value::as_str);
    match (token_use, scopes.is_empty()) {
        (Some("id"), true) => {}
        (Some("id"), false) => {
            return Err("the method has authorization scopes: an access token is needed".into());
        }
        (Some("access"), false) => {
            let granted = claims.get("scope").and_then(Value::as_str).unwrap_or("");
            if !granted.split(' ').any(|g| scopes.iter().any(|s| s == g)) {
                return Err("the access token has none of the method's scopes".into());
            }
        }
        (Some("access"), true) => {
            return Err("an access token needs authorization scopes on the method".into());
        }
        _ => return Err("token_use is neither id nor access".into()),
    }
    Ok(())
}

/// The claims as `$context.authorizer.claims` shows them (values as text).
pub fn claim_pairs(claims: &serde_json::Map<String, Value>) -> Claims {
    let pairs = claims
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(super::lambda::scalar_text)
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect();
    Claims { pairs }
}

/// A token whose signature was verified, kept for the authorizer's result TTL (never past
/// its `exp`); expiry and scopes are checked again on every use.
#[derive(Debug)]
pub struct Verified {
    pub claims: serde_json::Map<String, Value>,
    pub pairs: Arc<Claims>,
}

/// The issuer URL of a pool.
pub fn issuer(endpoint: Option<&str>, region: &str, pool: &str) -> String {
    match endpoint {
        Some(e) => format!("{}/{pool}", e.trim_end_matches('/')),
        None => format!("https://cognito-idp.{region}.amazonaws.com/{pool}"),
    }
}

/// Verifies a token: RS256 with a key of one of `issuers`' JWKS, then its claims. 401 for a
/// token that fails, 500 when the keys cannot be fetched.
pub(crate) async fn verify(
    shared: &Shared,
    token_text: &str,
    issuers: &[String],
    scopes: &[String],
    now_secs: i64,
) -> Result<Token, GatewayError> {
    let token = decode(token_text).map_err(GatewayError::unauthorized)?;
    if token.alg != "RS256" {
        return Err(GatewayError::unauthorized(format!(
            "token algorithm {} is not RS256",
            token.alg
        )));
    }
    // The pool the token claims to come from must be one of the authorizer's.
    let iss = token
        .claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !issuers.contains(&iss) {
        return Err(GatewayError::unauthorized(format!(
            "issuer {iss:?} is not one of the authorizer's pools"
        )));
    }
    let Some(key) = key_for(shared, &iss, &token.kid).await? else {
        return Err(GatewayError::unauthorized(format!(
            "no key {} in the pool's JWKS",
            token.kid
        )));
    };
    if !verify_signature(&token, &key) {
        return Err(GatewayError::unauthorized("bad token signature"));
    }
    check_token_claims(&token.claims, issuers, scopes, now_secs)
        .map_err(GatewayError::unauthorized)?;
    Ok(token)
}

/// A request's token, looked up in the verified-token cache.
enum Probe {
    Hit(Arc<Claims>),
    Miss {
        token: String,
        issuers: Vec<String>,
        key: Option<String>,
    },
}

fn probe(
    shared: &Shared,
    ctx: &RequestCtx,
    stage: &CompiledStage,
    a: &CognitoAuthorizer,
    scopes: &[String],
    now_secs: i64,
) -> Result<Probe, GatewayError> {
    let raw = a.compiled_source.value(ctx).unwrap_or_default();
    let raw = raw.trim();
    let token_text = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .unwrap_or(raw);
    if token_text.is_empty() {
        return Err(GatewayError::unauthorized("no token"));
    }
    let endpoint = shared.config.cognito_endpoint.as_deref();
    let issuers: Vec<String> = a
        .pools
        .iter()
        .map(|(region, pool)| issuer(endpoint, region, pool))
        .collect();
    let now = shared.config.clock.monotonic_nanos();
    let cache_key = (a.ttl_secs > 0).then(|| {
        let mut k = String::with_capacity(64 + token_text.len());
        k.push_str(&stage.auth_key_prefix);
        k.push('\u{0}');
        k.push_str(&a.id);
        k.push('\u{0}');
        k.push_str(token_text);
        k
    });
    if let Some(k) = &cache_key
        && let Some(hit) = shared.cognito_cache.get(k, now)
    {
        check_token_claims(&hit.claims, &issuers, scopes, now_secs)
            .map_err(GatewayError::unauthorized)?;
        return Ok(Probe::Hit(hit.pairs.clone()));
    }
    Ok(Probe::Miss {
        token: token_text.to_string(),
        issuers,
        key: cache_key,
    })
}

/// The claims of a token verified before (within the authorizer's TTL), checked again for
/// expiry and this method's scopes; `None` when the token must be verified.
pub fn cached(
    shared: &Shared,
    ctx: &RequestCtx,
    stage: &CompiledStage,
    a: &CognitoAuthorizer,
    scopes: &[String],
    now_secs: i64,
) -> Result<Option<Arc<Claims>>, GatewayError> {
    Ok(match probe(shared, ctx, stage, a, scopes, now_secs)? {
        Probe::Hit(claims) => Some(claims),
        Probe::Miss { .. } => None,
    })
}

/// Verifies the request's token: its claims, or 401 (500 when keys cannot be fetched).
pub async fn authorize(
    shared: &Shared,
    ctx: &mut RequestCtx,
    stage: &CompiledStage,
    a: &CognitoAuthorizer,
    scopes: &[String],
    now_secs: i64,
) -> Result<Arc<Claims>, GatewayError> {
    let (token_text, issuers, cache_key) = match probe(shared, ctx, stage, a, scopes, now_secs)? {
        Probe::Hit(claims) => return Ok(claims),
        Probe::Miss {
            token,
            issuers,
            key,
        } => (token, issuers, key),
    };
    let now = shared.config.clock.monotonic_nanos();
    let token = verify(shared, &token_text, &issuers, scopes, now_secs).await?;
    let pairs = Arc::new(claim_pairs(&token.claims));
    if let Some(k) = cache_key {
        let exp = token.claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        let left = u64::try_from(exp.saturating_sub(now_secs)).unwrap_or(0);
        let keep = a.ttl_secs.min(left);
        shared.cognito_cache.put(
            k,
            Arc::new(Verified {
                claims: token.claims,
                pairs: pairs.clone(),
            }),
            now.saturating_add(keep * 1_000_000_000),
            now,
        );
    }
    Ok(pairs)
}

/// The key `kid` of `issuer`: from the cache, else fetched (again, when the cached set lacks
/// it and was fetched long enough ago).
async fn key_for(shared: &Shared, issuer: &str, kid: &str) -> Result<Option<RsaKey>, GatewayError> {
    let now = shared.config.clock.monotonic_nanos();
    let cached = shared.jwks.get(issuer);
    // A key set is trusted for an hour: a key the pool retires stops working then.
    let fresh = |j: &Jwks| now.saturating_sub(j.fetched_at) < KEYS_TTL_NANOS;
    if let Some(j) = cached.as_ref().filter(|j| fresh(j)) {
        if let Some(k) = j.keys.get(kid) {
            return Ok(Some(k.clone()));
        }
        if now.saturating_sub(j.fetched_at) < REFETCH_INTERVAL_NANOS {
            return Ok(None);
        }
    }
    let url = format!("{issuer}/.well-known/jwks.json");
    let uri: http::Uri = url
        .parse()
        .map_err(|e| GatewayError::authorizer_configuration(format!("JWKS URL {url}: {e}")))?;
    let mut req = http::Request::new(Full::new(Bytes::new()));
    *req.uri_mut() = uri;
    let fetched = crate::client::send(&shared.client, req, FETCH_TIMEOUT, 1024 * 1024).await;
    let jwks = match fetched {
        Ok((parts, body)) if parts.status.is_success() => parse_jwks(&body, now)
            .map_err(|e| GatewayError::authorizer_configuration(format!("{url}: {e}")))?,
        Ok((parts, _)) => {
            return Err(GatewayError::authorizer_configuration(format!(
                "{url} answered {}",
                parts.status
            )));
        }
        Err(e) => {
            return Err(GatewayError::authorizer_configuration(format!(
                "cannot fetch {url}: {e}"
            )));
        }
    };
    let key = jwks.keys.get(kid).cloned();
    shared.jwks.put(issuer, Arc::new(jwks));
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: Value) -> Token {
        Token {
            kid: "k".into(),
            alg: "RS256".into(),
            claims: claims.as_object().unwrap().clone(),
            signing_input: Vec::new(),
            signature: Vec::new(),
        }
    }

    #[test]
    fn claims_are_checked_as_aws_does() {
        let iss = vec!["http://127.0.0.1:1/pool".to_string()];
        let id = |exp: i64| {
            token(
                serde_json::json!({"iss": iss[0], "exp": exp, "token_use": "id", "sub": "u", "cognito:groups": ["a","b"]}),
            )
        };
        let c = check_claims(&id(2000), &iss, &[], 1000).unwrap();
        assert_eq!(c.get("sub").as_deref(), Some("u"));
        assert_eq!(c.get("cognito:groups").as_deref(), Some("a,b"));
        assert!(check_claims(&id(999), &iss, &[], 1000).is_err(), "expired");
        assert!(check_claims(&id(2000), &["other".into()], &[], 1000).is_err());
        assert!(
            check_claims(&id(2000), &iss, &["s".into()], 1000).is_err(),
            "scopes need an access token"
        );
        let access = |scope: &str| {
            token(
                serde_json::json!({"iss": iss[0], "exp": 2000, "token_use": "access", "scope": scope}),
            )
        };
        assert!(check_claims(&access("a/read b"), &iss, &["a/read".into()], 1000).is_ok());
        assert!(check_claims(&access("b"), &iss, &["a/read".into()], 1000).is_err());
        assert!(check_claims(&access("a/read"), &iss, &[], 1000).is_err());
    }

    #[test]
    fn issuers_and_jwks() {
        assert_eq!(
            issuer(None, "eu-west-1", "eu-west-1_abc"),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"
        );
        assert_eq!(
            issuer(Some("http://127.0.0.1:9/"), "r", "p"),
            "http://127.0.0.1:9/p"
        );
        // A 2048-bit key is kept; a modulus too small to be RS256's, and non-RSA keys, are not.
        let pair = aws_lc_rs::signature::RsaKeyPair::from_der(include_bytes!(
            "../../benches/data/jwt-rsa2048.der"
        ))
        .unwrap();
        let public = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(
            aws_lc_rs::signature::KeyPair::public_key(&pair),
        );
        let enc = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let doc = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "good", "n": enc(&public.n), "e": enc(&public.e)},
            {"kty": "RSA", "kid": "small", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "kid": "k2"},
        ]});
        let j = parse_jwks(doc.to_string().as_bytes(), 7).unwrap();
        assert_eq!(j.keys.keys().collect::<Vec<_>>(), ["good"]);
        assert!(parse_jwks(b"{}", 0).is_err());
        assert!(decode("a.b").is_err());
    }
}
