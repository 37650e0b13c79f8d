//! CreateDomainName, GetDomainName(s), UpdateDomainName, DeleteDomainName. A custom domain is
//! an account-level record: nothing is provisioned, so it is AVAILABLE at once; its names
//! (`d-{10}.execute-api.{region}.amazonaws.com`, `{id}.cloudfront.net`) are made up as AWS
//! makes them. Its certificate (inline PEM or an ACM ARN resolved from the certificate
//! directory, see [`crate::certs`]) is checked here and kept server-side for the HTTPS
//! listener; no answer ever carries the private key.
//!
//! Domain names are unique across accounts and regions (the data plane routes by `Host`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::domain_name::{
    self as dn, CLOUDFRONT_HOSTED_ZONE_ID, MutualTlsAuthentication, SECURITY_POLICIES,
};
use proscenium_model::{DomainName, EndpointConfiguration, Scope, StringMap};
use proscenium_store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{check_enum, finish_validation, page};
use crate::ControlState;
use crate::certs;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

pub fn not_found() -> ApiError {
    ApiError::not_found("Invalid domain name identifier specified")
}

/// The wire shape: AWS's members, never the certificate's private key.
pub fn shape(d: &DomainName, scope: &Scope) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        for private in ["createdDate", "serving", "truststorePem"] {
            o.remove(private);
        }
        if d.tags.is_empty() {
            o.remove("tags");
        }
        o.insert(
            "domainNameArn".into(),
            json!(dn::domain_name_arn(&scope.region, &d.domain_name)),
        );
    }
    v
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct MutualTlsInput {
    truststore_uri: Option<String>,
    truststore_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateDomainNameRequest {
    domain_name: Option<String>,
    certificate_name: Option<String>,
    certificate_body: Option<String>,
    certificate_private_key: Option<String>,
    certificate_chain: Option<String>,
    certificate_arn: Option<String>,
    regional_certificate_name: Option<String>,
    regional_certificate_arn: Option<String>,
    endpoint_configuration: Option<EndpointConfiguration>,
    #[serde(default)]
    tags: StringMap,
    security_policy: Option<String>,
    mutual_tls_authentication: Option<MutualTlsInput>,
    ownership_verification_certificate_arn: Option<String>,
    routing_mode: Option<String>,
    endpoint_access_mode: Option<String>,
    policy: Option<String>,
}

fn empty_to_none(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.is_empty())
}

/// Whether `name` is taken in any account or region.
async fn taken_anywhere(st: &ControlState, name: &str) -> ApiResult<bool> {
    Ok(st
        .store
        .all_domain_names()
        .await?
        .iter()
        .any(|r| r.domain.domain_name == name))
}

pub async fn create_domain_name(
    State(st): State<ControlState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateDomainNameRequest = json_body(&body)?;
    let mut errors = Vec::new();
    if req.domain_name.is_none() {
        errors.push(
            "Value null at 'createDomainNameInput.domainName' failed to satisfy constraint: Member must not be null"
                .to_string(),
        );
    }
    check_enum(
        &mut errors,
        req.security_policy.as_deref(),
        "createDomainNameInput.securityPolicy",
        SECURITY_POLICIES,
    );
    check_enum(
        &mut errors,
        req.routing_mode.as_deref(),
        "createDomainNameInput.routingMode",
        &[
            "BASE_PATH_MAPPING_ONLY",
            "ROUTING_RULE_ONLY",
            "ROUTING_RULE_THEN_BASE_PATH_MAPPING",
        ],
    );
    let mut ec = req.endpoint_configuration.unwrap_or_default();
    for (i, t) in ec.types.iter().enumerate() {
        check_enum(
            &mut errors,
            Some(t),
            &format!(
                "createDomainNameInput.endpointConfiguration.types.{}.member",
                i + 1
            ),
            proscenium_model::rest_api::ENDPOINT_TYPES,
        );
    }
    finish_validation(errors)?;
    let name = dn::check_domain_name(&req.domain_name.unwrap_or_default())?;
    if ec.types.is_empty() {
        ec.types = vec!["EDGE".into()];
    }
    if ec.types.len() > 1 {
        return Err(ApiError::bad_request(
            "Cannot create a domain name with multiple endpoint types.",
        ));
    }
    let regional = match ec.types[0].as_str() {
        "REGIONAL" => true,
        "EDGE" => false,
        _ => {
            return Err(ApiError::bad_request(
                "Private custom domain names are not supported by Proscenium",
            ));
        }
    };
    match ec.ip_address_type.as_deref() {
        None => ec.ip_address_type = Some("ipv4".into()),
        Some("ipv4" | "dualstack") => {}
        Some(_) => {
            return Err(ApiError::bad_request(
                "ipAddressType must be either ipv4 or dualstack.",
            ));
        }
    }
    if req.endpoint_access_mode.is_some() || req.policy.is_some() {
        return Err(ApiError::bad_request(
            "endpointAccessMode and policy apply to private custom domain names, which Proscenium does not support",
        ));
    }
    if let Some(mode) = req.routing_mode.as_deref()
        && mode != "BASE_PATH_MAPPING_ONLY"
    {
        return Err(ApiError::bad_request(format!(
            "Routing rules are not supported by Proscenium: routingMode must be BASE_PATH_MAPPING_ONLY, not {mode}"
        )));
    }
    let now = st.now();
    let body_given = req
        .certificate_body
        .as_deref()
        .is_some_and(|b| !b.is_empty());
    let arn = if regional {
        empty_to_none(req.regional_certificate_arn.clone())
    } else {
        empty_to_none(req.certificate_arn.clone())
    };
    let serving = if body_given {
        let key = req
            .certificate_private_key
            .as_deref()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "A certificate private key must be given with the certificate body",
                )
            })?;
        Some(certs::check(
            req.certificate_body.as_deref().unwrap_or_default(),
            key,
            req.certificate_chain.as_deref(),
            now,
        )?)
    } else if let Some(arn) = &arn {
        certs::from_arn(st.certificate_dir.as_deref(), arn, now)?
    } else {
        None
    };
    let has_certificate = body_given
        || arn.is_some()
        || (if regional {
            req.regional_certificate_name.is_some()
        } else {
            req.certificate_name.is_some()
        });
    if !has_certificate {
        return Err(ApiError::bad_request(if regional {
            "A regional certificate ARN (regionalCertificateArn) or a certificate body must be given for a REGIONAL domain name"
        } else {
            "A certificate ARN (certificateArn), a certificate name or a certificate body must be given for an EDGE domain name"
        }));
    }
    let (truststore_pem, mtls) = match req.mutual_tls_authentication {
        Some(MutualTlsInput {
            truststore_uri: Some(uri),
            truststore_version,
        }) if !uri.is_empty() => {
            if !regional {
                return Err(ApiError::bad_request(
                    "Mutual TLS authentication is only supported for REGIONAL domain names",
                ));
            }
            (
                Some(certs::truststore(&uri, now)?),
                Some(MutualTlsAuthentication {
                    truststore_uri: uri,
                    truststore_version,
                    truststore_warnings: vec![],
                }),
            )
        }
        _ => (None, None),
    };
    let _guard = st.write_lock.lock().await;
    if taken_anywhere(&st, &name).await? {
        return Err(ApiError::bad_request(
            "The domain name you provided already exists.",
        ));
    }
    let domain = DomainName {
        domain_name: name,
        certificate_name: if regional {
            None
        } else {
            empty_to_none(req.certificate_name)
        },
        certificate_arn: if regional { None } else { arn.clone() },
        certificate_upload_date: Some(now.floor()),
        regional_domain_name: regional.then(|| {
            format!(
                "d-{}.execute-api.{}.amazonaws.com",
                st.new_id(10),
                caller.scope.region
            )
        }),
        regional_hosted_zone_id: regional
            .then(|| dn::regional_hosted_zone_id(&caller.scope.region).to_string()),
        regional_certificate_name: if regional {
            empty_to_none(req.regional_certificate_name)
        } else {
            None
        },
        regional_certificate_arn: if regional { arn } else { None },
        distribution_domain_name: (!regional).then(|| format!("d{}.cloudfront.net", st.new_id(13))),
        distribution_hosted_zone_id: (!regional).then(|| CLOUDFRONT_HOSTED_ZONE_ID.to_string()),
        endpoint_configuration: ec,
        domain_name_status: "AVAILABLE".into(),
        domain_name_status_message: None,
        security_policy: req.security_policy.unwrap_or_else(|| "TLS_1_2".into()),
        mutual_tls_authentication: mtls,
        ownership_verification_certificate_arn: empty_to_none(
            req.ownership_verification_certificate_arn,
        ),
        routing_mode: Some("BASE_PATH_MAPPING_ONLY".into()),
        tags: req.tags,
        created_date: now,
        serving,
        truststore_pem,
    };
    st.store.put_domain_name(&caller.scope, &domain).await?;
    created(&shape(&domain, &caller.scope))
}

pub async fn load_domain(st: &ControlState, scope: &Scope, name: &str) -> ApiResult<DomainName> {
    match st
        .store
        .get_domain_name(scope, &name.to_ascii_lowercase())
        .await
    {
        Err(StoreError::NotFound) => Err(not_found()),
        other => Ok(other?),
    }
}

pub async fn get_domain_name(
    State(st): State<ControlState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    ok(&shape(
        &load_domain(&st, &caller.scope, &name).await?,
        &caller.scope,
    ))
}

pub async fn get_domain_names(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
) -> ApiResult<Response> {
    let domains = st.store.list_domain_names(&caller.scope).await?;
    let items = domains
        .iter()
        .map(|d| (d.domain_name.clone(), shape(d, &caller.scope)))
        .collect();
    ok(&page(items, &q)?)
}

/// The paths UpdateDomainName accepts.
const DOMAIN_PATHS: &[&str] = &[
    "/certificateName",
    "/certificateArn",
    "/regionalCertificateName",
    "/regionalCertificateArn",
    "/endpointConfiguration/types/{type}",
    "/endpointConfiguration/ipAddressType",
    "/securityPolicy",
    "/mutualTlsAuthentication/truststoreUri",
    "/mutualTlsAuthentication/truststoreVersion",
    "/ownershipVerificationCertificateArn",
];

/// Applies UpdateDomainName's operations to `d` (certificates resolved at `now`).
fn apply_domain_patch(
    st: &ControlState,
    scope: &Scope,
    d: &mut DomainName,
    ops: &[patch::PatchOp],
    now: f64,
) -> ApiResult<()> {
    for op in ops {
        let value = || op.value.clone().filter(|v| !v.is_empty());
        match (op.op, op.path.as_str()) {
            (Op::Replace, "/certificateName") => d.certificate_name = value(),
            (Op::Replace, "/regionalCertificateName") => d.regional_certificate_name = value(),
            (Op::Replace, "/certificateArn" | "/regionalCertificateArn") => {
                let arn = op.value()?.to_string();
                let serving = certs::from_arn(st.certificate_dir.as_deref(), &arn, now)?;
                if op.path == "/certificateArn" {
                    d.certificate_arn = Some(arn);
                } else {
                    d.regional_certificate_arn = Some(arn);
                }
                // A certificate the directory does not hold leaves the one the domain had.
                if serving.is_some() {
                    d.serving = serving;
                }
                d.certificate_upload_date = Some(now.floor());
            }
            (Op::Replace, "/securityPolicy") => {
                let v = op.value()?;
                if !SECURITY_POLICIES.contains(&v) {
                    return Err(ApiError::bad_request(format!(
                        "Invalid security policy specified: {v}. Must be one of: [{}]",
                        SECURITY_POLICIES.join(", ")
                    )));
                }
                d.security_policy = v.to_string();
            }
            (Op::Replace, "/endpointConfiguration/ipAddressType") => match op.value()? {
                v @ ("ipv4" | "dualstack") => {
                    d.endpoint_configuration.ip_address_type = Some(v.to_string())
                }
                _ => {
                    return Err(ApiError::bad_request(
                        "ipAddressType must be either ipv4 or dualstack.",
                    ));
                }
            },
            (Op::Replace, p) if p.starts_with("/endpointConfiguration/types/") => {
                let from = &p["/endpointConfiguration/types/".len()..];
                let to = op.value()?;
                if from != d.endpoint_type() && from != "0" {
                    return Err(ApiError::bad_request(format!(
                        "Invalid endpoint configuration type {from}: the domain name is {}",
                        d.endpoint_type()
                    )));
                }
                match to {
                    "REGIONAL" if d.endpoint_type() == "EDGE" => {
                        d.regional_domain_name = Some(format!(
                            "d-{}.execute-api.{}.amazonaws.com",
                            st.new_id(10),
                            scope.region
                        ));
                        d.regional_hosted_zone_id =
                            Some(dn::regional_hosted_zone_id(&scope.region).to_string());
                        d.regional_certificate_arn = d.certificate_arn.take();
                        d.regional_certificate_name = d.certificate_name.take();
                        d.distribution_domain_name = None;
                        d.distribution_hosted_zone_id = None;
                    }
                    "EDGE" if d.endpoint_type() == "REGIONAL" => {
                        d.distribution_domain_name =
                            Some(format!("d{}.cloudfront.net", st.new_id(13)));
                        d.distribution_hosted_zone_id = Some(CLOUDFRONT_HOSTED_ZONE_ID.into());
                        d.certificate_arn = d.regional_certificate_arn.take();
                        d.certificate_name = d.regional_certificate_name.take();
                        d.regional_domain_name = None;
                        d.regional_hosted_zone_id = None;
                        d.mutual_tls_authentication = None;
                        d.truststore_pem = None;
                    }
                    "REGIONAL" | "EDGE" => {}
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "Invalid endpoint configuration type {other}: must be EDGE or REGIONAL"
                        )));
                    }
                }
                d.endpoint_configuration.types = vec![to.to_string()];
            }
            (Op::Replace, "/mutualTlsAuthentication/truststoreUri") => {
                let uri = op.value()?.to_string();
                if d.endpoint_type() != "REGIONAL" {
                    return Err(ApiError::bad_request(
                        "Mutual TLS authentication is only supported for REGIONAL domain names",
                    ));
                }
                d.truststore_pem = Some(certs::truststore(&uri, now)?);
                let m = d
                    .mutual_tls_authentication
                    .get_or_insert_with(Default::default);
                m.truststore_uri = uri;
            }
            (Op::Replace, "/mutualTlsAuthentication/truststoreVersion") => {
                let m = d.mutual_tls_authentication.as_mut().ok_or_else(|| {
                    ApiError::bad_request("The domain name has no mutual TLS authentication")
                })?;
                m.truststore_version = value();
            }
            (Op::Remove, "/mutualTlsAuthentication") => {
                d.mutual_tls_authentication = None;
                d.truststore_pem = None;
            }
            (Op::Replace, "/ownershipVerificationCertificateArn") => {
                d.ownership_verification_certificate_arn = value()
            }
            _ => return Err(op.invalid_path(DOMAIN_PATHS)),
        }
    }
    Ok(())
}

pub async fn update_domain_name(
    State(st): State<ControlState>,
    caller: Caller,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateDomainNameInput")?;
    let _guard = st.write_lock.lock().await;
    let mut d = load_domain(&st, &caller.scope, &name).await?;
    apply_domain_patch(&st, &caller.scope, &mut d, &ops, st.now())?;
    st.store.put_domain_name(&caller.scope, &d).await?;
    ok(&shape(&d, &caller.scope))
}

pub async fn delete_domain_name(
    State(st): State<ControlState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    match st
        .store
        .delete_domain_name(&caller.scope, &name.to_ascii_lowercase())
        .await
    {
        Err(StoreError::NotFound) => Err(not_found()),
        other => {
            other?;
            accepted()
        }
    }
}

/// Edits a domain's tags (TagResource and UntagResource on its ARN).
pub async fn edit_tags(
    st: &ControlState,
    scope: &Scope,
    name: &str,
    f: impl FnOnce(&mut StringMap),
) -> ApiResult<StringMap> {
    let _guard = st.write_lock.lock().await;
    let mut d = load_domain(st, scope, name).await?;
    f(&mut d.tags);
    st.store.put_domain_name(scope, &d).await?;
    Ok(d.tags)
}
