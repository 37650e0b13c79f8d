//! TLS for the listeners (`--tls-cert`, `--tls-key`): rustls (ring), offering HTTP/2 and
//! HTTP/1.1 by ALPN, with a configuration chosen per connection from the client's SNI:
//! a custom domain name (exact, then the wildcard covering it) gets its own certificate, its
//! `securityPolicy`'s minimum TLS version and, with mutual TLS, a client certificate that
//! must chain to its truststore; any other name gets the listener's own certificate.
//!
//! rustls speaks TLS 1.2 and 1.3 only: `TLS_1_0` is served from TLS 1.2 on, TLS 1.3 policies
//! refuse TLS 1.2, and the cipher suites of a policy are rustls's safe defaults.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use proscenium_gateway::Gateway;
use proscenium_gateway::domains::{ClientCert, DomainTls};
use proscenium_model::domain_name::MinTls;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;

/// The listener's TLS: its own certificate and the per-domain configurations built from it.
pub struct Tls {
    default: Arc<ServerConfig>,
    own: Arc<CertifiedKey>,
    gateway: Arc<Gateway>,
    /// The configurations built for domains, by what they were built from.
    built: Mutex<HashMap<Built, Arc<ServerConfig>>>,
}

/// What a per-domain configuration depends on, by identity: the gateway compiles a domain's
/// certificate and truststore anew when the store changes, and a cached configuration holds
/// its own references to them (so an address is not reused while its entry lives).
#[derive(PartialEq, Eq, Hash)]
struct Built {
    cert: usize,
    roots: usize,
    min_tls13: bool,
}

/// Presents one certificate.
#[derive(Debug)]
struct One(Arc<CertifiedKey>);

impl ResolvesServerCert for One {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// Loads the listener's certificate and key, or says which file is wrong and why.
pub fn load(cert: &Path, key: &Path, gateway: Arc<Gateway>) -> anyhow::Result<Tls> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("cannot read TLS certificate {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("invalid PEM in TLS certificate {}", cert.display()))?;
    if certs.is_empty() {
        anyhow::bail!("no certificate in {}", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read a private key from {}", key.display()))?;
    let own = Arc::new(
        CertifiedKey::from_der(certs, key, &provider())
            .context("the TLS certificate and key do not fit together")?,
    );
    let default = config(own.clone(), MinTls::Tls12, None)?;
    Ok(Tls {
        default,
        own,
        gateway,
        built: Mutex::new(HashMap::new()),
    })
}

fn config(
    cert: Arc<CertifiedKey>,
    min: MinTls,
    client_roots: Option<Arc<rustls::RootCertStore>>,
) -> anyhow::Result<Arc<ServerConfig>> {
    let versions: &[&'static rustls::SupportedProtocolVersion] = match min {
        MinTls::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
        MinTls::Tls13 => &[&rustls::version::TLS13],
    };
    let builder =
        ServerConfig::builder_with_provider(provider()).with_protocol_versions(versions)?;
    let builder = match client_roots {
        None => builder.with_no_client_auth(),
        Some(roots) => {
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots, provider())
                    .build()
                    .context("the truststore holds no usable certificate")?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut c = builder.with_cert_resolver(Arc::new(One(cert)));
    c.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(c))
}

impl Tls {
    /// The configuration for a client that named `sni` (None: the listener's own).
    fn for_name(&self, sni: Option<&str>) -> Option<(Arc<ServerConfig>, bool)> {
        let Some(tls) = sni.and_then(|n| self.gateway.domain_tls(n)) else {
            return Some((self.default.clone(), false));
        };
        let DomainTls {
            certified,
            min_tls,
            client_roots,
        } = tls;
        let mtls = client_roots.is_some();
        let cert = certified.unwrap_or_else(|| self.own.clone());
        let key = Built {
            cert: Arc::as_ptr(&cert) as usize,
            roots: client_roots.as_ref().map_or(0, |r| Arc::as_ptr(r) as usize),
            min_tls13: min_tls == MinTls::Tls13,
        };
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = built.get(&key) {
            return Some((c.clone(), mtls));
        }
        match config(cert, min_tls, client_roots) {
            Ok(c) => {
                // Entries of certificates since replaced are dropped now and then.
                if built.len() >= 4096 {
                    built.clear();
                }
                built.insert(key, c.clone());
                Some((c, mtls))
            }
            Err(e) => {
                // Fail closed: a domain whose truststore cannot be used accepts nobody.
                tracing::warn!(server_name = ?sni, "refusing the TLS handshake: {e:#}");
                None
            }
        }
    }

    /// Completes a handshake; with mutual TLS, the client's certificate comes along.
    pub async fn accept<S>(
        &self,
        stream: S,
    ) -> std::io::Result<(TlsStream<S>, Option<Arc<ClientCert>>)>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let acceptor =
            tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), stream);
        let start = acceptor.await?;
        let sni = start.client_hello().server_name().map(str::to_string);
        let Some((config, mtls)) = self.for_name(sni.as_deref()) else {
            return Err(std::io::Error::other("no usable TLS configuration"));
        };
        let stream = start.into_stream(config).await?;
        let cert = if mtls {
            stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|leaf| ClientCert::from_der(leaf.as_ref()))
                .map(Arc::new)
        } else {
            None
        };
        Ok((stream, cert))
    }
}
