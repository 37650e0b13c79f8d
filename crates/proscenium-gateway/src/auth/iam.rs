//! AWS_IAM methods: the request's SigV4 signature (header or query string, service
//! `execute-api`, the API's region) verified against the identities the gateway knows
//! (`GatewayConfig::identities`). Unsigned → 403 `Missing Authentication Token`; a bad
//! signature, an unknown key or a stale date → AWS's 403 for each.

use std::collections::HashMap;

use proscenium_sigv4::{SecretKey, VerifyError, VerifyOptions, verify_with};

use crate::Shared;
use crate::context::RequestCtx;
use crate::error::{GatewayError, Kind, Origin};

/// A caller the gateway can authenticate.
#[derive(Clone)]
pub struct Identity {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `arn:aws:iam::{account}:user/{name}` or `…:root`.
    pub arn: String,
}

impl std::fmt::Debug for Identity {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("access_key_id", &self.access_key_id)
            .field("arn", &self.arn)
            .finish_non_exhaustive()
    }
}

/// The identities by access key, ready for verification.
#[derive(Debug, Default)]
pub struct Identities {
    secrets: HashMap<String, SecretKey>,
    arns: HashMap<String, String>,
}

impl Identities {
    pub fn new(list: &[Identity]) -> Self {
        let mut out = Identities::default();
        for i in list {
            out.secrets.insert(
                i.access_key_id.clone(),
                SecretKey::new(i.secret_access_key.clone()),
            );
            out.arns.insert(i.access_key_id.clone(), i.arn.clone());
        }
        out
    }
}

/// An authenticated IAM caller (`$context.identity.*`).
#[derive(Debug, Clone)]
pub struct Caller {
    pub access_key_id: String,
    pub arn: String,
    pub account_id: String,
    /// `$context.identity.caller` / `user`.
    pub user_id: String,
}

/// Verifies the request's signature; the caller, or AWS's refusal.
pub fn authenticate(
    shared: &Shared,
    ctx: &RequestCtx,
    region: &str,
    now_secs: u64,
) -> Result<Caller, GatewayError> {
    let path = ctx.uri.path();
    let query = ctx.uri.query().unwrap_or("");
    let mut headers: Vec<(&str, &str)> = ctx
        .headers
        .iter()
        .filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str(), v)))
        .collect();
    let authority = ctx.uri.authority().map(|a| a.as_str().to_string());
    if !ctx.headers.contains_key(http::header::HOST)
        && let Some(a) = authority.as_deref()
    {
        headers.push(("host", a));
    }
    let parts = proscenium_sigv4::RequestParts {
        method: ctx.method.as_str(),
        path,
        query,
        headers: &headers,
    };
    let opts = VerifyOptions {
        service: Some("execute-api"),
        region: Some(region),
        ..VerifyOptions::default()
    };
    let verified = verify_with(
        &parts,
        &ctx.body,
        now_secs,
        &shared.identities.secrets,
        &opts,
    )
    .map_err(refusal)?;
    let arn = shared
        .identities
        .arns
        .get(&verified.access_key_id)
        .cloned()
        .unwrap_or_default();
    let account_id = arn.split(':').nth(4).unwrap_or_default().to_string();
    Ok(Caller {
        user_id: verified.access_key_id.clone(),
        access_key_id: verified.access_key_id,
        arn,
        account_id,
    })
}

/// AWS's answer to a refused signature.
fn refusal(e: VerifyError) -> GatewayError {
    match e {
        VerifyError::MissingAuthenticationToken => GatewayError::missing_token(),
        other => {
            let ty = other.aws_error_code();
            GatewayError::new(Kind::InvalidSignature, Origin::Client, other.message())
                .with_error_type(ty)
        }
    }
}
