//! The certificates of custom domain names: inline PEM (`certificateBody`,
//! `certificatePrivateKey`, `certificateChain`) or an ACM ARN resolved from the certificate
//! directory (`{dir}/{last ARN segment}.crt` and `.key`), and mutual TLS truststores
//! (`file://…`). Checked when a domain is created or its certificate changes: PEM that does not
//! parse, a key that does not match the certificate, or a certificate that has expired are
//! refused with a BadRequest saying which.
//!
//! Must not: print or log a private key (errors name the field, never its content).

use std::path::Path;

use proscenium_model::domain_name::ServingCertificate;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{ApiError, ApiResult};

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::bad_request(m)
}

/// Every certificate of a PEM text (none is an error naming `what`).
fn certificates(pem: &str, what: &str) -> ApiResult<Vec<CertificateDer<'static>>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|_| bad(format!("The {what} is not valid PEM")))?;
    if certs.is_empty() {
        return Err(bad(format!(
            "The {what} holds no PEM-encoded X.509 certificate"
        )));
    }
    for der in &certs {
        x509_parser::parse_x509_certificate(der)
            .map_err(|_| bad(format!("The {what} is not a valid X.509 certificate")))?;
    }
    Ok(certs)
}

/// (notBefore, notAfter) of a DER certificate, seconds since the epoch.
fn validity(der: &CertificateDer<'_>) -> ApiResult<(i64, i64)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|_| bad("The certificate is not a valid X.509 certificate"))?;
    let v = cert.validity();
    Ok((v.not_before.timestamp(), v.not_after.timestamp()))
}

fn date(epoch: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(epoch)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| epoch.to_string())
}

/// Checks a certificate (leaf first, maybe with its chain), the chain given apart, and the
/// private key, at `now` (seconds since the epoch).
pub fn check(
    body: &str,
    private_key: &str,
    chain: Option<&str>,
    now: f64,
) -> ApiResult<ServingCertificate> {
    let mut certs = certificates(body, "certificate body")?;
    if let Some(chain) = chain.filter(|c| !c.trim().is_empty()) {
        certs.extend(certificates(chain, "certificate chain")?);
    }
    let key = PrivateKeyDer::from_pem_slice(private_key.as_bytes())
        .map_err(|_| bad("The certificate private key is not a valid PEM-encoded private key"))?;
    let (not_before, not_after) = validity(&certs[0])?;
    if (not_after as f64) < now {
        return Err(bad(format!(
            "The certificate expired on {}",
            date(not_after)
        )));
    }
    if (not_before as f64) > now {
        return Err(bad(format!(
            "The certificate is not valid before {}",
            date(not_before)
        )));
    }
    let provider = rustls::crypto::ring::default_provider();
    match rustls::sign::CertifiedKey::from_der(certs.clone(), key, &provider) {
        Ok(_) => {}
        Err(rustls::Error::InconsistentKeys(_)) => {
            return Err(bad(
                "The certificate private key does not match the certificate",
            ));
        }
        Err(_) => {
            return Err(bad(
                "The certificate private key is of an unsupported type (use RSA, ECDSA P-256/P-384 or Ed25519)",
            ));
        }
    }
    let chain_pem = certs
        .iter()
        .map(|der| pem_of(der.as_ref()))
        .collect::<Vec<_>>()
        .join("");
    Ok(ServingCertificate {
        chain_pem,
        private_key_pem: private_key.to_string(),
        not_after: not_after as f64,
    })
}

fn pem_of(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The certificate an ACM ARN names, from `{dir}/{id}.crt` and `{dir}/{id}.key` (`id`: the
/// ARN's last `/` segment). `None` when the directory holds no such files: the domain is then
/// served with the listener's own certificate.
pub fn from_arn(dir: Option<&Path>, arn: &str, now: f64) -> ApiResult<Option<ServingCertificate>> {
    let id = arn.rsplit('/').next().unwrap_or(arn);
    let valid_id = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !id.starts_with('.');
    if !arn.starts_with("arn:") || !valid_id {
        return Err(bad(format!("Invalid certificate ARN specified: {arn}")));
    }
    let Some(dir) = dir else { return Ok(None) };
    let (crt, key) = (dir.join(format!("{id}.crt")), dir.join(format!("{id}.key")));
    if !crt.exists() && !key.exists() {
        return Ok(None);
    }
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| {
            bad(format!(
                "Cannot read the certificate file {} of {arn}: {e}",
                p.display()
            ))
        })
    };
    let (body, private_key) = (read(&crt)?, read(&key)?);
    check(&body, &private_key, None, now).map(Some)
}

/// The PEM certificates of a mutual TLS truststore. `file://` URIs are read from this host (a
/// Proscenium extension); `s3://` is refused (not supported yet).
pub fn truststore(uri: &str, now: f64) -> ApiResult<String> {
    let Some(path) = uri.strip_prefix("file://") else {
        if uri.starts_with("s3://") {
            return Err(bad(format!(
                "Proscenium cannot fetch truststores from S3 yet ({uri}): give a file:// URI to a PEM file on the gateway's host"
            )));
        }
        return Err(bad(format!(
            "Invalid truststore URI specified: {uri}. Use file:///path/to/truststore.pem"
        )));
    };
    let pem = std::fs::read_to_string(path)
        .map_err(|e| bad(format!("Cannot read the truststore {uri}: {e}")))?;
    let certs = certificates(&pem, "truststore")?;
    if certs
        .iter()
        .filter_map(|c| validity(c).ok())
        .all(|(_, not_after)| (not_after as f64) < now)
    {
        return Err(bad(format!(
            "Every certificate of the truststore {uri} has expired"
        )));
    }
    Ok(certs
        .iter()
        .map(|der| pem_of(der.as_ref()))
        .collect::<Vec<_>>()
        .join(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(not_before: i64, not_after: i64) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["api.example.com".to_string()]).unwrap();
        params.not_before = time::OffsetDateTime::from_unix_timestamp(not_before).unwrap();
        params.not_after = time::OffsetDateTime::from_unix_timestamp(not_after).unwrap();
        let cert = params.self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    const NOW: f64 = 1_700_000_000.0;

    #[test]
    fn a_valid_pair_is_kept_with_its_expiry() {
        let (cert, key) = make(1_600_000_000, 1_800_000_000);
        let s = check(&cert, &key, None, NOW).unwrap();
        assert_eq!(s.not_after, 1_800_000_000.0);
        assert!(s.chain_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn bad_pem_mismatched_keys_and_expired_certificates_are_refused() {
        let (cert, key) = make(1_600_000_000, 1_800_000_000);
        let (_, other_key) = make(1_600_000_000, 1_800_000_000);
        let msg = |r: ApiResult<ServingCertificate>| r.unwrap_err().message().to_string();
        assert!(msg(check("junk", &key, None, NOW)).contains("no PEM-encoded X.509"));
        assert!(
            msg(check(&cert, "junk", None, NOW)).contains("not a valid PEM-encoded private key")
        );
        assert_eq!(
            msg(check(&cert, &other_key, None, NOW)),
            "The certificate private key does not match the certificate"
        );
        let (old, old_key) = make(1_500_000_000, 1_600_000_000);
        assert!(
            msg(check(&old, &old_key, None, NOW))
                .starts_with("The certificate expired on 2020-09-13")
        );
        let e = check(&cert, &other_key, None, NOW).unwrap_err();
        assert!(!e.message().contains("PRIVATE KEY"), "never echoes a key");
    }

    #[test]
    fn arns_resolve_from_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let arn = "arn:aws:acm:us-east-1:000000000000:certificate/abc-123";
        assert!(from_arn(Some(dir.path()), arn, NOW).unwrap().is_none());
        assert!(from_arn(None, arn, NOW).unwrap().is_none());
        let (cert, key) = make(1_600_000_000, 1_800_000_000);
        std::fs::write(dir.path().join("abc-123.crt"), cert).unwrap();
        std::fs::write(dir.path().join("abc-123.key"), key).unwrap();
        assert!(from_arn(Some(dir.path()), arn, NOW).unwrap().is_some());
        assert!(from_arn(Some(dir.path()), "arn:aws:acm:x:y:certificate/.hidden", NOW).is_err());
    }
}
