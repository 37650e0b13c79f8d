//! The pooled HTTP/1.1 client for backends (HTTP integrations and the Lambda Invoke API):
//! keep-alive connections reused across requests, a per-call timeout, a size cap on answers.
//! `http://` backends use the inline client of `h1.rs`; `https://` backends are verified against the system's root certificates plus an optional
//! extra CA bundle; an integration with `tlsConfig.insecureSkipVerification` uses a pool that
//! accepts any certificate; a stage with a client certificate gets pools that present it
//! (mutual TLS), built once per certificate.

pub mod h1;

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::compile::ClientIdentity;

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
    /// Plain `http://` backends.
    plain: Arc<h1::Pool>,
    verified: Pool,
    insecure: Pool,
    roots: Arc<rustls::RootCertStore>,
    /// Per client certificate: (verifying, non-verifying) pools presenting it.
    mtls: Arc<Mutex<HashMap<String, (Pool, Pool)>>>,
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

/// Clients with a keep-alive pool each; `extra_ca` is a PEM bundle trusted besides the
/// system roots (`--backend-ca`).
pub fn backend(extra_ca: Option<&Path>, clock: Arc<dyn crate::clock::Clock>) -> Backend {
    let mut roots = rustls::RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(rustls_native_roots());
    if added == 0 {
        tracing::warn!("no system root certificates found: https backends need --backend-ca");
    }
    if let Some(path) = extra_ca {
        match std::fs::read(path) {
            Ok(pem) => {
                let certs = parse_certs(&pem);
                let (n, _) = roots.add_parsable_certificates(certs);
                tracing::info!(path = %path.display(), certificates = n, "trusting extra backend CA bundle");
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), "cannot read the backend CA bundle: {e}")
            }
        }
    }
    let roots = Arc::new(roots);
    Backend {
        plain: Arc::new(h1::Pool::new(clock)),
        verified: pool(tls_config(&roots, false, None)),
        insecure: pool(tls_config(&roots, true, None)),
        roots,
        mtls: Arc::new(Mutex::new(HashMap::new())),
    }
}

fn parse_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect()
}

/// A client configuration; `identity` is presented when a backend asks for a certificate.
fn tls_config(
    roots: &Arc<rustls::RootCertStore>,
    skip_verification: bool,
    identity: Option<&ClientIdentity>,
) -> rustls::ClientConfig {
    let builder = match rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
    {
        Ok(b) => b,
        // ring's provider always supports the default versions.
        Err(_) => rustls::ClientConfig::builder(),
    };
    let builder = if skip_verification {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider())))
    } else {
        builder.with_root_certificates(roots.clone())
    };
    let with_identity = identity.and_then(|id| {
        use rustls::pki_types::pem::PemObject;
        let certs = parse_certs(id.cert_pem.as_bytes());
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(id.key_pem.as_bytes()).ok()?;
        Some((certs, key))
    });
    match with_identity {
        Some((certs, key)) => match builder.clone().with_client_auth_cert(certs, key) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("client certificate unusable: {e}");
                builder.with_no_client_auth()
            }
        },
        None => builder.with_no_client_auth(),
    }
}

impl Backend {
    /// The pool for a request: its stage's client certificate and the integration's choice
    /// about verifying the backend.
    fn pool_for(&self, identity: Option<&ClientIdentity>, skip_verification: bool) -> Pool {
        let Some(id) = identity else {
            return if skip_verification {
                self.insecure.clone()
            } else {
                self.verified.clone()
            };
        };
        let key = format!("{}:{}", id.id, id.cert_pem.len());
        let mut map = self.mtls.lock().unwrap_or_else(|p| p.into_inner());
        let (verifying, skipping) = map.entry(key).or_insert_with(|| {
            (
                pool(tls_config(&self.roots, false, Some(id))),
                pool(tls_config(&self.roots, true, Some(id))),
            )
        });
        if skip_verification {
            skipping.clone()
        } else {
            verifying.clone()
        }
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

/// Sends a request to a plain-HTTP backend as `req` describes it (headers written straight
/// from the caller's maps, the answer's names renamed while parsing) within `timeout`.
/// `now`: the injected clock's monotonic nanoseconds, read by the caller.
pub fn send_plain<'a>(
    client: &'a Backend,
    req: &'a h1::Outgoing<'a>,
    timeout: Duration,
    limit: usize,
    now: u64,
) -> impl Future<Output = Result<h1::Answer, SendError>> + 'a {
    // Not `async fn`: the pool's future itself, without a level of state around it.
    let deadline = tokio::time::Instant::now() + timeout;
    client.plain.send_at(req, limit, deadline, now)
}

/// How a request's header names are written to a plain-HTTP/1.1 backend (a request
/// extension; without it, in lowercase): values that are slices of the client's `raw_head`
/// under the name the client wrote, names in `shown` as written there.
#[derive(Clone, Debug, Default)]
pub struct HeaderNames {
    pub raw_head: Option<Bytes>,
    pub shown: Vec<(http::HeaderName, Arc<str>)>,
}

/// Sends `req` and reads the whole answer (at most `limit` bytes) within `timeout`.
pub async fn send(
    client: &Backend,
    req: http::Request<Full<Bytes>>,
    timeout: Duration,
    limit: usize,
) -> Result<(http::response::Parts, Bytes), SendError> {
    if req.uri().scheme() != Some(&http::uri::Scheme::HTTPS) {
        let (parts, body) = req.into_parts();
        let body = body
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let names = parts.extensions.get::<HeaderNames>();
        let out = h1::Outgoing {
            raw_head: names.and_then(|n| n.raw_head.as_deref()),
            shown: names.map_or(&[], |n| &n.shown[..]),
            ..h1::Outgoing::plain(&parts.method, &parts.uri, &parts.headers, &body)
        };
        let deadline = tokio::time::Instant::now() + timeout;
        return client
            .plain
            .send(&out, limit, deadline)
            .await
            .map(h1::Answer::into_parts);
    }
    let pool = client.pool_for(
        req.extensions()
            .get::<Arc<ClientIdentity>>()
            .map(|a| a.as_ref()),
        req.extensions().get::<SkipTlsVerification>().is_some(),
    );
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
    // Boxed: the TLS client's state stays out of the futures of plain-HTTP calls.
    tokio::time::timeout(timeout, Box::pin(call))
        .await
        .unwrap_or(Err(SendError::Timeout))
}
