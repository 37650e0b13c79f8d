//! TLS to PostgreSQL (rustls, ring). `sslmode=require` here verifies the server's certificate
//! and name (libpq's `verify-full`): stricter than libpq's `require`, which encrypts without
//! verifying. Trusted: the system's roots, or only the PEM bundle `sslrootcert=PATH` names.
//! `prefer` (the driver's default) uses TLS, verified the same way, when the server offers it
//! and clear text when it does not; `disable` never tries. A server offering TLS with a
//! certificate the roots do not vouch for (Debian's default "snakeoil" one) is refused under
//! both: give `sslrootcert`, or `sslmode=disable` on a trusted network.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::{StoreError, StoreResult};

/// Removes `sslrootcert=…` from a URL's query (the driver does not know the parameter) and
/// returns it.
pub fn take_root_cert(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut root = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| match p.strip_prefix("sslrootcert=") {
            Some(v) => {
                root = Some(v.to_string());
                false
            }
            None => true,
        })
        .collect();
    if rest.is_empty() {
        (base.to_string(), root)
    } else {
        (format!("{base}?{}", rest.join("&")), root)
    }
}

/// The connector every connection of the store uses.
pub fn connector(root_cert: Option<&str>) -> StoreResult<MakeRustlsConnect> {
    let mut roots = RootCertStore::empty();
    match root_cert {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|i| i.collect::<Result<_, _>>())
                .map_err(|e| StoreError::Backend(format!("sslrootcert {path}: {e}")))?;
            if certs.is_empty() {
                return Err(StoreError::Backend(format!(
                    "sslrootcert {path}: no certificate"
                )));
            }
            roots.add_parsable_certificates(certs);
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Backend(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslrootcert_is_taken_out_of_the_url() {
        assert_eq!(
            take_root_cert("postgres://u@h/db?sslmode=require&sslrootcert=/ca.pem"),
            (
                "postgres://u@h/db?sslmode=require".to_string(),
                Some("/ca.pem".to_string())
            )
        );
        assert_eq!(
            take_root_cert("postgres://u@h/db?sslrootcert=/ca.pem"),
            ("postgres://u@h/db".to_string(), Some("/ca.pem".to_string()))
        );
        assert_eq!(
            take_root_cert("postgres://u@h/db"),
            ("postgres://u@h/db".to_string(), None)
        );
    }
}
