//! Custom domain names: which stage a request whose `Host` is a custom domain goes to, and
//! (for the HTTPS listener) which certificate, TLS versions and client verification a name
//! gets.
//!
//! The table is compiled from the store's domains and mappings on every change feed tick (with
//! the stages, in `registry.rs`) and swapped atomically: a mapping change serves the next
//! request, without a redeploy. A gateway without custom domains pays one atomic load and a
//! length check per request. With some, a request first compares the last bytes of its host
//! name (without its port, read once for this and the invoke URL forms) with those the names
//! end in (`tails`), which is all that a request to an invoke URL (`127.0.0.1`,
//! `{api}.execute-api.localhost`) pays, inlined into `Gateway::target`; a host that ends as a
//! name does then costs a call and one hash lookup (a second, of the wildcard name, only when a
//! wildcard domain exists and the exact name missed).

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use proscenium_model::domain_name::{MappingTable, MinTls, min_tls, wildcard_of};
use proscenium_store::DomainRecord;

use crate::target::{InvokeTarget, host_name_of};

type Fast = foldhash::fast::RandomState;

/// Where a base path mapping sends requests.
#[derive(Debug, Clone)]
pub struct Route {
    pub api_id: Arc<str>,
    /// `None`: the stage is the first segment after the base path.
    pub stage: Option<Arc<str>>,
}

/// What the HTTPS listener needs for one name.
#[derive(Clone)]
pub struct DomainTls {
    pub certified: Option<Arc<rustls::sign::CertifiedKey>>,
    pub min_tls: MinTls,
    /// The truststore of mutual TLS (None: no client certificate asked for).
    pub client_roots: Option<Arc<rustls::RootCertStore>>,
}

impl std::fmt::Debug for DomainTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DomainTls")
            .field("has_certificate", &self.certified.is_some())
            .field("min_tls", &self.min_tls)
            .field("mutual_tls", &self.client_roots.is_some())
            .finish()
    }
}

#[derive(Debug)]
pub struct CompiledDomain {
    pub name: String,
    pub mappings: MappingTable<Route>,
    pub tls: DomainTls,
}

/// Every custom domain, by name (lower case; wildcard names as `*.example.com`).
#[derive(Debug, Default)]
pub struct DomainTable {
    by_name: HashMap<String, Arc<CompiledDomain>, Fast>,
    has_wildcards: bool,
    /// The last `tail_len` bytes of every name (of a wildcard name, of what follows its `*`),
    /// packed by [`tail`], sorted: a host whose own last bytes are none of these is no custom
    /// domain's.
    tails: Vec<u64>,
    /// The shortest such ending's length, at most 8 (0 in an empty table).
    tail_len: usize,
}

/// The last `n` (1 to 8) bytes of `bytes`, each with its 0x20 bit set, packed into one word
/// (one load for a host of 8 bytes or more); `None` when `bytes` is shorter. Setting the bit
/// lowers an ASCII capital and leaves every byte of a name (`a-z 0-9 . - *`) as it is, so a
/// host that is a name in any case has that name's tail (other bytes may share one: the test
/// only turns hosts away).
fn tail(bytes: &[u8], n: usize) -> Option<u64> {
    debug_assert!((1..=8).contains(&n));
    let word = match bytes.len().checked_sub(8) {
        Some(start) => u64::from_be_bytes(bytes[start..].try_into().ok()?),
        None => {
            let start = bytes.len().checked_sub(n)?;
            bytes[start..].iter().fold(0, |t, b| t << 8 | u64::from(*b))
        }
    };
    Some((word | 0x2020_2020_2020_2020) & (u64::MAX >> (64 - 8 * n)))
}

impl DomainTable {
    /// Compiles the store's records. A certificate or truststore that does not load is logged
    /// and left out (the name is then served with the listener's own certificate, or refuses
    /// clients when its truststore is unusable).
    pub fn compile(records: &[DomainRecord]) -> DomainTable {
        let mut by_name: HashMap<String, Arc<CompiledDomain>, Fast> = HashMap::default();
        for r in records {
            let d = &r.domain;
            let mappings = MappingTable::new(r.mappings.iter().map(|m| {
                (
                    m.base_path.clone(),
                    Route {
                        api_id: Arc::from(m.rest_api_id.as_str()),
                        stage: m.stage.as_deref().map(Arc::from),
                    },
                )
            }));
            let tls = DomainTls {
                certified: d.serving.as_ref().and_then(|s| {
                    certified_key(&s.chain_pem, &s.private_key_pem)
                        .map_err(|e| {
                            tracing::warn!(domain = %d.domain_name, "cannot load the domain's certificate: {e}")
                        })
                        .ok()
                }),
                min_tls: min_tls(&d.security_policy),
                client_roots: d.mutual_tls_authentication.as_ref().map(|_| {
                    Arc::new(roots(d.truststore_pem.as_deref().unwrap_or_default()))
                }),
            };
            by_name.insert(
                d.domain_name.clone(),
                Arc::new(CompiledDomain {
                    name: d.domain_name.clone(),
                    mappings,
                    tls,
                }),
            );
        }
        let has_wildcards = by_name.keys().any(|k| k.starts_with("*."));
        let endings: Vec<&str> = by_name
            .keys()
            .map(|k| k.strip_prefix('*').unwrap_or(k))
            .collect();
        let tail_len = endings.iter().map(|e| e.len()).min().unwrap_or(0).min(8);
        let mut tails: Vec<u64> = endings
            .iter()
            .filter_map(|e| tail(e.as_bytes(), tail_len))
            .collect();
        tails.sort_unstable();
        tails.dedup();
        DomainTable {
            by_name,
            has_wildcards,
            tails,
            tail_len,
        }
    }

    /// Whether a domain might serve the host name `name` (without its port, in any case,
    /// bytes not yet lowered); `false` only when [`DomainTable::find`] would miss it. Inlined
    /// into the caller: for an invoke URL's host this is all the table costs, without a call.
    /// (An IPv6 literal ends in `]`, which no name's tail has. A malformed host that only
    /// starts with `[`, say `[x.wild.example.com`, is tested like any other junk before a
    /// name's ending, such as `a b.wild.example.com`: by the ending, then by [`DomainTable::find`].)
    #[inline]
    fn might_serve(&self, name: &[u8]) -> bool {
        self.tail_len != 0
            && tail(name, self.tail_len).is_some_and(|t| self.tails.binary_search(&t).is_ok())
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// The domain serving `host` (no port): the exact name, else the wildcard covering it.
    pub fn find(&self, host: &str) -> Option<&Arc<CompiledDomain>> {
        let lower;
        let host = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = host.to_ascii_lowercase();
            lower.as_str()
        } else {
            host
        };
        if let Some(d) = self.by_name.get(host) {
            return Some(d);
        }
        if self.has_wildcards {
            return self.by_name.get(&wildcard_of(host)?);
        }
        None
    }

    /// The invocation a request through a custom domain is: the mapped stage with the rest of
    /// the path, or a target no stage answers (AWS's 403 `Forbidden`) when no base path
    /// matches. `None`: the host is no custom domain's (or the request has no readable host).
    /// `Gateway::target` calls [`DomainTable::target_at`] with the name it has read; this reads
    /// it itself (tests and benches).
    pub fn target(&self, parts: &http::request::Parts) -> Option<InvokeTarget> {
        if self.is_empty() {
            return None;
        }
        self.target_at(parts, host_name_of(parts)?)
    }

    /// [`DomainTable::target`] for a request whose host name ([`host_name_of`]) is read: the
    /// tail test here, inlined into the caller; the lookup and routing out of line.
    #[inline]
    pub(crate) fn target_at(
        &self,
        parts: &http::request::Parts,
        name: &str,
    ) -> Option<InvokeTarget> {
        if !self.might_serve(name.as_bytes()) {
            return None;
        }
        self.route(parts, name)
    }

    /// The rest of [`DomainTable::target_at`], for a host whose tail a name has.
    #[inline(never)]
    fn route(&self, parts: &http::request::Parts, name: &str) -> Option<InvokeTarget> {
        let domain = self.find(name)?;
        // Dot segments go before the base path is matched, as AWS's front end removes them.
        let path = &*crate::target::resolve_dots(parts.uri.path());
        Some(match domain.mappings.route(path) {
            Some((route, rest)) => {
                InvokeTarget::custom_domain(&route.api_id, route.stage.as_deref(), rest, path, name)
            }
            // No API has an empty id: the pipeline answers 403 as for an unknown API.
            None => InvokeTarget::custom_domain("", Some(""), path, path, name),
        })
    }
}

/// A rustls signing key for a PEM chain and key.
fn certified_key(chain: &str, key: &str) -> Result<Arc<rustls::sign::CertifiedKey>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("invalid certificate PEM: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes())
        .map_err(|_| "invalid private key PEM".to_string())?;
    let provider = rustls::crypto::ring::default_provider();
    rustls::sign::CertifiedKey::from_der(certs, key, &provider)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The truststore's certificates as roots (those that do not parse are skipped).
fn roots(pem: &str) -> rustls::RootCertStore {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut store = rustls::RootCertStore::empty();
    for der in CertificateDer::pem_slice_iter(pem.as_bytes()).flatten() {
        if let Err(e) = store.add(der) {
            tracing::warn!("a truststore certificate is unusable: {e}");
        }
    }
    store
}

/// The certificate a client presented to a domain with mutual TLS, as
/// `$context.identity.clientCert` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientCert {
    pub client_cert_pem: String,
    #[serde(rename = "subjectDN")]
    pub subject_dn: String,
    #[serde(rename = "issuerDN")]
    pub issuer_dn: String,
    pub serial_number: String,
    pub validity: Validity,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validity {
    pub not_before: String,
    pub not_after: String,
}

impl ClientCert {
    /// Reads a DER certificate (the leaf the client presented); `None` if it does not parse.
    pub fn from_der(der: &[u8]) -> Option<ClientCert> {
        use base64::Engine;
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).ok()?);
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----");
        let v = cert.validity();
        Some(ClientCert {
            client_cert_pem: pem,
            subject_dn: dn(cert.subject()),
            issuer_dn: dn(cert.issuer()),
            serial_number: cert.raw_serial_as_string(),
            validity: Validity {
                not_before: aws_date(v.not_before.timestamp()),
                not_after: aws_date(v.not_after.timestamp()),
            },
        })
    }

    /// `$context.identity.clientCert.{name}`.
    pub fn var(&self, name: &str) -> Option<String> {
        Some(match name {
            "clientCertPem" => self.client_cert_pem.clone(),
            "subjectDN" => self.subject_dn.clone(),
            "issuerDN" => self.issuer_dn.clone(),
            "serialNumber" => self.serial_number.clone(),
            "validity.notBefore" => self.validity.not_before.clone(),
            "validity.notAfter" => self.validity.not_after.clone(),
            _ => return None,
        })
    }
}

/// A distinguished name as AWS prints it: `CN=…,OU=…,O=…,C=…` (RFC 2253 order).
fn dn(name: &x509_parser::x509::X509Name<'_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for rdn in name.iter() {
        for atv in rdn.iter() {
            let key = x509_parser::objects::oid2abbrev(
                atv.attr_type(),
                x509_parser::objects::oid_registry(),
            )
            .map(str::to_string)
            .unwrap_or_else(|_| atv.attr_type().to_id_string());
            let value = atv.as_str().map(str::to_string).unwrap_or_default();
            parts.push(format!("{key}={value}"));
        }
    }
    parts.reverse();
    parts.join(",")
}

/// `May 28 12:30:02 2019 GMT`, as AWS prints certificate dates.
fn aws_date(epoch: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{} {:2} {:02}:{:02}:{:02} {} GMT",
        MONTHS[(m - 1) as usize],
        d,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        y
    )
}

/// The live table, swapped whole on every store change.
#[derive(Default)]
pub struct Domains {
    table: ArcSwap<DomainTable>,
}

impl Domains {
    pub fn load(&self) -> arc_swap::Guard<Arc<DomainTable>> {
        self.table.load()
    }

    pub fn store(&self, table: DomainTable) {
        self.table.store(Arc::new(table));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::host_without_port;
    use proscenium_model::{BasePathMapping, Scope};

    fn record(name: &str, mappings: &[(&str, &str, Option<&str>)]) -> DomainRecord {
        let mut d = proscenium_store::testsuite::domain(name);
        d.serving = None;
        DomainRecord {
            scope: Scope::new("000000000000", "us-east-1"),
            domain: d,
            mappings: mappings
                .iter()
                .map(|(b, a, s)| BasePathMapping {
                    base_path: b.to_string(),
                    rest_api_id: a.to_string(),
                    stage: s.map(str::to_string),
                })
                .collect(),
        }
    }

    fn parts(host: &str, uri: &str) -> http::request::Parts {
        http::Request::builder()
            .uri(uri)
            .header("host", host)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    #[test]
    fn the_first_test_of_a_host_never_turns_away_a_name() {
        let t = DomainTable::compile(&[
            record("api.example.com", &[]),
            record("a.io", &[]),
            record("*.wild.example.com", &[]),
        ]);
        assert_eq!(t.tail_len, 4);
        let hosts = [
            "api.example.com",
            "API.Example.COM:8443",
            "api.example.com:",
            "a.io",
            "A.IO:443",
            "x.wild.example.com",
            "X.WILD.example.com:1",
            "b.io",
            "example.com",
            "api.example.co",
            "127.0.0.1:4566",
            "127.0.0.1",
            "abc123.execute-api.localhost:4566",
            "[::1]:4566",
            "io",
            "",
            ":443",
            "a.b.wild.example.com",
            // Malformed hosts before a wildcard's ending: found like any name under it.
            "[x.wild.example.com",
            "a b.wild.example.com",
        ];
        let mut served = 0;
        for host in hosts {
            let name = host_without_port(host);
            let found = t.find(name).is_some();
            served += usize::from(found);
            assert!(
                !found || t.might_serve(name.as_bytes()),
                "{host} is served but the first test turned it away"
            );
        }
        assert_eq!(
            served, 9,
            "the names in every case, ports cut as requests' are"
        );
        // What the test is for: invoke URLs' hosts go no further.
        for host in [
            "127.0.0.1:4566",
            "abc123.execute-api.localhost:4566",
            "[::1]:4566",
            "io",
        ] {
            assert!(!t.might_serve(host_without_port(host).as_bytes()), "{host}");
        }
        assert!(!DomainTable::default().might_serve(b"api.example.com"));
    }

    #[test]
    fn certificate_dates_read_as_aws_prints_them() {
        assert_eq!(aws_date(1_559_046_602), "May 28 12:30:02 2019 GMT");
        assert_eq!(aws_date(0), "Jan  1 00:00:00 1970 GMT");
    }

    #[test]
    fn hosts_route_through_their_mappings() {
        let t = DomainTable::compile(&[
            record(
                "api.example.com",
                &[("v1", "a1", Some("prod")), ("orders", "a2", None)],
            ),
            record("root.example.com", &[("(none)", "a3", Some("dev"))]),
            record("*.wild.example.com", &[("(none)", "a4", Some("live"))]),
        ]);
        let x = t
            .target(&parts("API.example.com:8443", "/v1/pets/1"))
            .unwrap();
        assert_eq!(
            (x.api_id(), x.stage(), x.path(), x.context_path()),
            ("a1", "prod", "/pets/1", "/v1/pets/1")
        );
        assert_eq!(x.domain_name(), "API.example.com");
        assert_eq!(x.event_path(), "/v1/pets/1");
        // A mapping without a stage takes it from the path.
        let x = t
            .target(&parts("api.example.com", "/orders/beta/list"))
            .unwrap();
        assert_eq!((x.api_id(), x.stage(), x.path()), ("a2", "beta", "/list"));
        let x = t.target(&parts("root.example.com", "/")).unwrap();
        assert_eq!((x.api_id(), x.stage(), x.path()), ("a3", "dev", "/"));
        let x = t.target(&parts("x.wild.example.com", "/p")).unwrap();
        assert_eq!(
            (x.api_id(), x.stage(), x.domain_name()),
            ("a4", "live", "x.wild.example.com")
        );
        // No mapping: a target nothing serves (403).
        let x = t.target(&parts("api.example.com", "/v2/x")).unwrap();
        assert_eq!(x.api_id(), "");
        // Not a custom domain.
        assert!(t.target(&parts("other.example.com", "/v1")).is_none());
        assert!(t.target(&parts("a.b.wild.example.com", "/v1")).is_none());
        assert!(
            DomainTable::default()
                .target(&parts("api.example.com", "/v1"))
                .is_none()
        );
    }
}
