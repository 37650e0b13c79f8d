//! GenerateClientCertificate, GetClientCertificate(s), UpdateClientCertificate,
//! DeleteClientCertificate. A generated certificate is a real key pair and a self-signed
//! X.509 certificate valid for 365 days; the data plane presents it to HTTPS backends of a
//! stage whose `clientCertificateId` names it. The private key never leaves the server.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::id::CHILD_ID_LEN;
use proscenium_model::{ClientCertificate, StringMap};
use proscenium_store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::page;
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

/// AWS's validity period for generated client certificates.
const VALIDITY_SECONDS: i64 = 365 * 24 * 3600;

fn not_found() -> ApiError {
    ApiError::not_found("Invalid Client Certificate identifier specified")
}

/// The wire shape: everything but the private key.
pub fn certificate_shape(c: &ClientCertificate) -> Value {
    let mut v = json!({
        "clientCertificateId": c.client_certificate_id,
        "pemEncodedCertificate": c.pem_encoded_certificate,
        "createdDate": c.created_date,
        "expirationDate": c.expiration_date,
    });
    if let Some(d) = &c.description {
        v["description"] = json!(d);
    }
    if !c.tags.is_empty() {
        v["tags"] = json!(c.tags);
    }
    v
}

/// A self-signed certificate and its key, valid from `now` for a year.
pub fn generate(id: &str, now: i64) -> ApiResult<(String, String)> {
    let internal =
        |e: rcgen::Error| ApiError::Internal(format!("certificate generation failed: {e}"));
    let key = rcgen::KeyPair::generate().map_err(internal)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(internal)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("proscenium-client-{id}"));
    params.not_before = time::OffsetDateTime::from_unix_timestamp(now)
        .map_err(|e| ApiError::Internal(format!("bad clock: {e}")))?;
    params.not_after = time::OffsetDateTime::from_unix_timestamp(now + VALIDITY_SECONDS)
        .map_err(|e| ApiError::Internal(format!("bad clock: {e}")))?;
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.self_signed(&key).map_err(internal)?;
    Ok((cert.pem(), key.serialize_pem()))
}

#[derive(Deserialize)]
struct GenerateRequest {
    description: Option<String>,
    #[serde(default)]
    tags: StringMap,
}

pub async fn generate_client_certificate(
    State(st): State<ControlState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    let req: GenerateRequest = json_body(&body)?;
    let id = st.new_id(CHILD_ID_LEN);
    let now = st.now().floor();
    let (pem, key) = generate(&id, now as i64)?;
    let cert = ClientCertificate {
        client_certificate_id: id,
        description: req.description.filter(|d| !d.is_empty()),
        pem_encoded_certificate: pem,
        private_key_pem: key,
        created_date: now,
        expiration_date: now + VALIDITY_SECONDS as f64,
        tags: req.tags,
    };
    st.store
        .put_client_certificate(&caller.scope, &cert)
        .await?;
    created(&certificate_shape(&cert))
}

pub(crate) async fn load(
    st: &ControlState,
    caller: &Caller,
    id: &str,
) -> ApiResult<ClientCertificate> {
    match st.store.get_client_certificate(&caller.scope, id).await {
        Err(StoreError::NotFound) => Err(not_found()),
        other => Ok(other?),
    }
}

pub async fn get_client_certificate(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    ok(&certificate_shape(&load(&st, &caller, &id).await?))
}

pub async fn get_client_certificates(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
) -> ApiResult<Response> {
    let mut certs = st.store.list_client_certificates(&caller.scope).await?;
    certs.sort_by(|a, b| {
        a.created_date
            .total_cmp(&b.created_date)
            .then(a.client_certificate_id.cmp(&b.client_certificate_id))
    });
    let items = certs
        .iter()
        .map(|c| {
            (
                super::common::created_key(c.created_date, &c.client_certificate_id),
                certificate_shape(c),
            )
        })
        .collect();
    ok(&page(items, &q)?)
}

pub async fn update_client_certificate(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateClientCertificateInput")?;
    let _guard = st.write_lock.lock().await;
    let mut cert = load(&st, &caller, &id).await?;
    for op in &ops {
        match (op.op, op.path.as_str()) {
            (Op::Replace, "/description") => {
                cert.description = op.value.clone().filter(|d| !d.is_empty())
            }
            _ => return Err(op.invalid_path(&["/description"])),
        }
    }
    st.store
        .put_client_certificate(&caller.scope, &cert)
        .await?;
    ok(&certificate_shape(&cert))
}

pub async fn delete_client_certificate(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    load(&st, &caller, &id).await?;
    st.store
        .delete_client_certificate(&caller.scope, &id)
        .await?;
    accepted()
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_certificates_are_pem_and_keep_their_key() {
        let (cert, key) = super::generate("abc123", 1_700_000_000).unwrap();
        assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
        let (cert2, _) = super::generate("abc123", 1_700_000_000).unwrap();
        assert_ne!(cert, cert2, "every certificate has its own key");
    }
}
