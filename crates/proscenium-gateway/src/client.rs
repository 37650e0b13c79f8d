//! The pooled HTTP/1.1 client for backends (HTTP integrations and the Lambda Invoke API):
//! keep-alive connections reused across requests, a per-call timeout, a size cap on answers.
//! `https://` backends are verified against the system's root certificates; an integration
//! with `tlsConfig.insecureSkipVerification` uses a second pool that accepts any certificate.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type Pool = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The backend pools.
#[derive(Clone)]
pub struct Backend {
    verified: Pool,
    insecure: Pool,
}

/// Request extension: send this request through the pool that skips certificate checks.
#[derive(Debug, Clone, Copy)]
pub struct SkipTlsVerification;

fn pool(tls: rustls::ClientConfig) -> Pool {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(10)));
    connector.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(512)
        .build(https)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Clients with a keep-alive pool each.
pub fn backend() -> Backend {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_roots();
    let (added, _ignored) = roots.add_parsable_certificates(native);
    if added == 0 {
        tracing::warn!("no system root certificates found: https backends will fail verification");
    }
    let verified = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    let insecure = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider())))
                .with_no_client_auth()
        });
    match (verified, insecure) {
        (Ok(v), Ok(i)) => Backend {
            verified: pool(v),
            insecure: pool(i),
        },
        _ => unreachable_tls(),
    }
}

/// ring's default provider always supports the safe default versions.
#[cold]
fn unreachable_tls() -> Backend {
    let v = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map(|b| {
            b.with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        })
        .unwrap_or_else(|_| std::process::abort());
    Backend {
        verified: pool(v.clone()),
        insecure: pool(v),
    }
}

fn rustls_native_roots() -> Vec<rustls::pki_types::CertificateDer<'static>> {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!("reading system root certificates: {e}");
    }
    found.certs
}

/// `tlsConfig.insecureSkipVerification`: the backend's certificate is not checked (AWS allows
/// this for HTTP integrations); signatures are still verified so the handshake is sound.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("bad response body: {0}")]
    Body(String),
}

/// Sends `req` and reads the whole answer (at most `limit` bytes) within `timeout`.
pub async fn send(
    client: &Backend,
    req: http::Request<Full<Bytes>>,
    timeout: Duration,
    limit: usize,
) -> Result<(http::response::Parts, Bytes), SendError> {
    let pool = if req.extensions().get::<SkipTlsVerification>().is_some() {
        &client.insecure
    } else {
        &client.verified
    };
    let call = async {
        let resp = pool
            .request(req)
            .await
            .map_err(|e| SendError::Connect(format!("{e:?}")))?;
        let (parts, body) = resp.into_parts();
        let bytes = Limited::new(body, limit)
            .collect()
            .await
            .map_err(|e| SendError::Body(e.to_string()))?
            .to_bytes();
        Ok((parts, bytes))
    };
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or(Err(SendError::Timeout))
}
