//! AWS (non-proxy) integrations with AWS services other than Lambda: the request is built as
//! for an HTTP integration (`requestParameters`, request templates, passthrough) and sent to
//! `--aws-endpoint` at the URI's path (`path/…`) or with `?Action={name}` (`action/…`),
//! SigV4-signed for the ARN's service and region at the injected clock's time. The integration
//! response is selected by the service's HTTP status code, as for HTTP integrations.

use std::time::UNIX_EPOCH;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use proscenium_sigv4::{Credentials, RequestParts, sha256_hex};

use super::http::{apply_mapped_headers, backend_method, backend_uri, call, set};
use super::substitute_stage_variables;
use super::{apply_request_override, map_request, request_body_with_overrides};
use crate::Shared;
use crate::compile::AwsServiceIntegration;
use crate::context::RequestCtx;
use crate::error::GatewayError;
use crate::responses::MethodResponse;

pub async fn invoke(
    shared: &Shared,
    ctx: &mut RequestCtx,
    i: &AwsServiceIntegration,
) -> Result<MethodResponse, GatewayError> {
    let endpoint = shared
        .config
        .aws_endpoint
        .as_deref()
        .ok_or_else(|| GatewayError::internal("no AWS endpoint configured (--aws-endpoint)"))?;
    let region = match ctx.stage.as_deref() {
        Some(s) => substitute_stage_variables(&i.target.region, &s.variables),
        None => i.target.region.clone(),
    };
    let base = endpoint
        .trim_end_matches('/')
        .replace("{service}", &i.target.host_service())
        .replace("{region}", &region);

    let mut mapped = ctx.with_inputs(None, |inputs| map_request(&i.http.request, inputs));
    let (body, content_type, overrides) = request_body_with_overrides(&i.http.request, ctx)?;
    apply_request_override(&mut mapped, overrides);
    let uri = backend_uri(ctx, &format!("{base}{}", i.http.uri), &mapped, None)?;
    let method = backend_method(&i.http.method, &ctx.method)?;
    let body = if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Bytes::new()
    } else {
        body
    };

    let mut headers = HeaderMap::new();
    set(&mut headers, "accept", "application/json");
    let json = i.target.json_protocol();
    if !body.is_empty() {
        let ct = json.as_ref().map_or(content_type.as_str(), |(_, ct)| ct);
        set(&mut headers, "content-type", ct);
    }
    if let Some((target, _)) = &json {
        set(&mut headers, "x-amz-target", target);
    }
    set(
        &mut headers,
        "user-agent",
        &format!("AmazonAPIGateway_{}", ctx.target.api_id()),
    );
    if let Some(parent) = &ctx.trace_parent {
        let (amzn, _) = crate::trace::backend_headers(ctx.trace_id(), parent, &ctx.request_id);
        set(&mut headers, "x-amzn-trace-id", &amzn);
    }
    apply_mapped_headers(&mut headers, &mapped);
    let host = uri.authority().map(|a| a.as_str().to_string());
    set(&mut headers, "host", host.as_deref().unwrap_or_default());
    if i.target.is_s3() {
        set(&mut headers, "x-amz-content-sha256", &sha256_hex(&body));
    }
    sign(shared, &mut headers, &method, &uri, &body, i, &region)?;

    let (parts, backend_body) = call(
        shared,
        ctx,
        method,
        uri,
        (headers, crate::client::HeaderNames::default()),
        body,
        &i.http,
    )
    .await?;
    let selected = i
        .http
        .responses
        .select(parts.status.as_str())
        .ok_or_else(GatewayError::no_output_mapping)?;
    let binary = super::backend_is_binary(ctx, &parts.headers);
    super::respond(ctx, selected, &parts.headers, &backend_body, binary)
}

/// Adds `X-Amz-Date`, `Authorization` (and `X-Amz-Security-Token`) for the request as it will
/// be sent: every header in `headers` except the SDKs' unsigned ones is signed.
fn sign(
    shared: &Shared,
    headers: &mut HeaderMap,
    method: &Method,
    uri: &http::Uri,
    body: &[u8],
    i: &AwsServiceIntegration,
    region: &str,
) -> Result<(), GatewayError> {
    let creds = &shared.config.aws_credentials;
    let now = shared
        .config
        .clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
        .collect();
    let parts = RequestParts {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        headers: &pairs,
    };
    let credentials = Credentials {
        access_key_id: &creds.access_key_id,
        secret_access_key: &creds.secret_access_key,
        session_token: creds.session_token.as_deref(),
    };
    let out = if i.target.is_s3() {
        proscenium_sigv4::sign_s3(&parts, body, &credentials, region, now)
    } else {
        proscenium_sigv4::sign(
            &parts,
            body,
            &credentials,
            region,
            i.target.signing_name(),
            now,
        )
    };
    let value = |v: &str| {
        HeaderValue::from_str(v)
            .map_err(|_| GatewayError::internal("AWS credentials are not valid header text"))
    };
    headers.insert("x-amz-date", value(&out.x_amz_date)?);
    headers.insert(http::header::AUTHORIZATION, value(&out.authorization)?);
    if let Some(token) = &out.x_amz_security_token {
        headers.insert("x-amz-security-token", value(token)?);
    }
    Ok(())
}
