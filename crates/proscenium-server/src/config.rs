//! The gateway's configuration: defaults, then a TOML file, then `PROSCENIUM_*` environment
//! variables, then command-line flags. `validate` reports every problem at once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything `proscenium serve` can be told. Each field has a TOML key of the same name and
/// an environment variable `PROSCENIUM_<NAME>` (upper case).
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address of the listener that serves both planes (and health/metrics). Host names
    /// are resolved (`localhost:4566`).
    #[serde(deserialize_with = "de_addr")]
    pub listen: SocketAddr,
    /// When set, the management API moves to this address and `listen` serves invocations only.
    #[serde(deserialize_with = "de_opt_addr")]
    pub management_listen: Option<SocketAddr>,
    /// Where state (`state.db`) and logs live.
    pub data_dir: PathBuf,
    /// The 12-digit account every request acts as.
    pub account_id: String,
    /// Region used when a management request carries no SigV4 credential scope.
    pub default_region: String,
    /// Lambda Invoke API endpoint for AWS_PROXY/AWS Lambda integrations.
    pub lambda_endpoint: Option<String>,
    /// Endpoint AWS service integrations (type AWS, other than Lambda) are sent to;
    /// `{service}` and `{region}` in it are replaced per integration.
    pub aws_endpoint: Option<String>,
    /// Access key id AWS service integrations are signed with (default `test`). When no
    /// `aws_*` credentials are configured, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/
    /// `AWS_SESSION_TOKEN` are used if set.
    pub aws_access_key_id: Option<String>,
    /// Secret of `aws_access_key_id` (default `test`). Never printed.
    pub aws_secret_access_key: Option<String>,
    /// Session token sent with `aws_access_key_id`. Never printed.
    pub aws_session_token: Option<String>,
    /// PEM bundle of extra CA certificates trusted for HTTPS backends (besides the system's).
    pub backend_ca: Option<PathBuf>,
    /// Caps every stage cache at this many bytes (below its `cacheClusterSize`).
    pub cache_max_bytes: Option<u64>,
    /// Where the certificates of custom domain names given by ACM ARN are read from
    /// (`{dir}/{last ARN segment}.crt` and `.key`); default `{data_dir}/certificates`.
    pub certificate_dir: Option<PathBuf>,
    /// Access key id that management requests must be signed with (with `secret_access_key`).
    pub access_key_id: Option<String>,
    /// Secret of `access_key_id`. Never printed.
    pub secret_access_key: Option<String>,
    /// Allow a non-loopback listener without credentials.
    pub allow_unauthenticated: bool,
    /// `text` or `json` logs.
    pub log_format: String,
    /// Seconds a graceful shutdown waits for in-flight requests.
    pub shutdown_grace_seconds: u64,
    /// Threads serving requests; `None`: one per CPU this process may run on. With one, the
    /// runtime is single-threaded (no cross-thread hand-offs).
    pub workers: Option<usize>,
    /// With one worker, requests to plain-HTTP backends are queued during a turn of the
    /// runtime and written together through io_uring when the kernel allows it.
    pub io_uring: bool,
    /// PEM certificate chain: the listeners serve HTTPS (with `tls_key`).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Where Cognito user pools live: issuers are `{endpoint}/{poolId}` and keys are read
    /// from `{endpoint}/{poolId}/.well-known/jwks.json` (default: AWS's
    /// `https://cognito-idp.{region}.amazonaws.com`).
    pub cognito_endpoint: Option<String>,
    /// Callers AWS_IAM methods accept (`[[identities]]` in TOML), besides the management
    /// credentials.
    pub identities: Vec<IdentityConfig>,
    /// Host names (optionally `name:port`) the management API and the console answer to
    /// without credentials, besides `localhost`, loopback addresses and the listener's own
    /// address (DNS rebinding defence).
    pub allowed_hosts: Vec<String>,
    /// Seconds a connection may stay idle between requests (HTTP/1.1 and HTTP/2), which is
    /// also the time a client gets to send a request head.
    pub idle_timeout: u64,
    /// Seconds a client gets to send a whole request body (408 after).
    pub body_timeout: u64,
    /// When set, `/_proscenium/metrics` and health are also served here, without
    /// credentials (for scrapers).
    #[serde(deserialize_with = "de_opt_addr")]
    pub metrics_listen: Option<SocketAddr>,
    /// The account's steady-state throttle (requests per second), set at start.
    pub account_rate_limit: Option<f64>,
    /// The account's burst throttle, set at start.
    pub account_burst_limit: Option<i64>,
    /// Where the configuration lives: `sqlite` (`{data_dir}/state.db`, one process) or
    /// `postgres://user:pass@host:port/db` (shared by several nodes). Never printed whole.
    pub store: String,
    /// Serve invocations only: no management API on any listener (a gateway-only node).
    pub no_management: bool,
    /// `redis://…`: throttling shared by the cluster's nodes; unset, each node applies the
    /// limits alone (N nodes allow up to N × a limit). Never printed whole.
    pub redis: Option<String>,
}

/// One `[[identities]]` entry: an access key AWS_IAM methods accept, and who it is.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `arn:aws:iam::{account}:user/{name}` (default: the account's root).
    pub arn: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 4566)),
            management_listen: None,
            data_dir: PathBuf::from("./.proscenium"),
            account_id: "000000000000".into(),
            default_region: "us-east-1".into(),
            lambda_endpoint: None,
            aws_endpoint: None,
            aws_access_key_id: None,
            aws_secret_access_key: None,
            aws_session_token: None,
            backend_ca: None,
            cache_max_bytes: None,
            certificate_dir: None,
            access_key_id: None,
            secret_access_key: None,
            allow_unauthenticated: false,
            cognito_endpoint: None,
            identities: Vec::new(),
            log_format: "text".into(),
            shutdown_grace_seconds: 10,
            workers: None,
            io_uring: true,
            tls_cert: None,
            tls_key: None,
            allowed_hosts: Vec::new(),
            idle_timeout: 30,
            body_timeout: 60,
            metrics_listen: None,
            account_rate_limit: None,
            account_burst_limit: None,
            store: "sqlite".into(),
            no_management: false,
            redis: None,
        }
    }
}

impl std::fmt::Debug for Config {
    /// Redacts the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("management_listen", &self.management_listen)
            .field("data_dir", &self.data_dir)
            .field("account_id", &self.account_id)
            .field("default_region", &self.default_region)
            .field("lambda_endpoint", &self.lambda_endpoint)
            .field("aws_endpoint", &self.aws_endpoint)
            .field("aws_access_key_id", &self.aws_access_key_id)
            .field(
                "aws_secret_access_key",
                &self.aws_secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "aws_session_token",
                &self.aws_session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("backend_ca", &self.backend_ca)
            .field("certificate_dir", &self.certificate_dir)
            .field("cache_max_bytes", &self.cache_max_bytes)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("allow_unauthenticated", &self.allow_unauthenticated)
            .field("cognito_endpoint", &self.cognito_endpoint)
            .field(
                "identities",
                &self
                    .identities
                    .iter()
                    .map(|i| i.access_key_id.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("log_format", &self.log_format)
            .field("workers", &self.workers)
            .field("io_uring", &self.io_uring)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("idle_timeout", &self.idle_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("metrics_listen", &self.metrics_listen)
            .field("account_rate_limit", &self.account_rate_limit)
            .field("account_burst_limit", &self.account_burst_limit)
            .field("store", &redact_url(&self.store))
            .field("no_management", &self.no_management)
            .field("redis", &self.redis.as_deref().map(redact_url))
            .finish()
    }
}

/// Command-line values; `None` means "not given".
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub management_listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub account_id: Option<String>,
    pub lambda_endpoint: Option<String>,
    pub aws_endpoint: Option<String>,
    pub aws_access_key_id: Option<String>,
    pub aws_secret_access_key: Option<String>,
    pub aws_session_token: Option<String>,
    pub backend_ca: Option<PathBuf>,
    pub certificate_dir: Option<PathBuf>,
    pub allow_unauthenticated: bool,
    pub log_format: Option<String>,
    pub workers: Option<usize>,
    pub no_io_uring: bool,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub cognito_endpoint: Option<String>,
    /// `--allowed-host` (repeatable); when any is given they replace the other sources'.
    pub allowed_hosts: Vec<String>,
    pub idle_timeout: Option<u64>,
    pub body_timeout: Option<u64>,
    pub metrics_listen: Option<SocketAddr>,
    pub account_rate_limit: Option<f64>,
    pub account_burst_limit: Option<i64>,
    pub store: Option<String>,
    pub no_management: bool,
    pub redis: Option<String>,
}

/// A store URL with its password replaced (`postgres://user:<redacted>@host/db`).
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:<redacted>{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// An address to listen on: `IP:port`, or `name:port` resolved (IPv4 preferred, so that
/// `localhost:4566` is 127.0.0.1:4566 where both families resolve).
pub fn resolve_addr(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let text = text.trim();
    if let Ok(a) = text.parse() {
        return Ok(a);
    }
    if text
        .rsplit_once(':')
        .is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err())
    {
        return Err("not an address like 127.0.0.1:4566 or localhost:4566".into());
    }
    let all: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve: {e}"))?
        .collect();
    all.iter()
        .find(|a| a.is_ipv4())
        .or(all.first())
        .copied()
        .ok_or_else(|| "resolves to no address".into())
}

fn de_addr<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    resolve_addr(&text).map_err(|e| serde::de::Error::custom(format!("{text}: {e}")))
}

fn de_opt_addr<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    de_addr(d).map(Some)
}

/// Parses `PROSCENIUM_<name>` into `slot` when set; a value that does not parse is reported
/// as `what`.
fn parse_env<T: std::str::FromStr>(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    what: &str,
    errors: &mut Vec<String>,
) -> Option<T> {
    let v = env(name)?;
    match v.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(format!("{name}={v} is not {what}"));
            None
        }
    }
}

impl Config {
    /// Where certificates named by ACM ARNs are read from.
    pub fn certificate_dir(&self) -> PathBuf {
        self.certificate_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("certificates"))
    }

    /// Builds the configuration from a file (if any), `env` (name → value), and the flags.
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        flags: &Overrides,
    ) -> Result<Config, Vec<String>> {
        let mut errors = Vec::new();
        let mut c = match file {
            None => Config::default(),
            Some(p) => match std::fs::read_to_string(p) {
                Err(e) => {
                    return Err(vec![format!(
                        "cannot read config file {}: {e}",
                        p.display()
                    )]);
                }
                Ok(text) => match toml::from_str::<Config>(&text) {
                    Ok(c) => c,
                    Err(e) => return Err(vec![format!("config file {}: {e}", p.display())]),
                },
            },
        };
        let mut listen = None;
        for (name, slot) in [
            ("PROSCENIUM_LISTEN", &mut listen),
            ("PROSCENIUM_MANAGEMENT_LISTEN", &mut c.management_listen),
            ("PROSCENIUM_METRICS_LISTEN", &mut c.metrics_listen),
        ] {
            if let Some(v) = env(name) {
                match resolve_addr(&v) {
                    Ok(a) => *slot = Some(a),
                    Err(e) => errors.push(format!("{name}={v}: {e}")),
                }
            }
        }
        if let Some(a) = listen {
            c.listen = a;
        }
        if let Some(v) = env("PROSCENIUM_DATA_DIR") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("PROSCENIUM_BACKEND_CA").filter(|v| !v.is_empty()) {
            c.backend_ca = Some(PathBuf::from(v));
        }
        if let Some(v) = env("PROSCENIUM_CERTIFICATE_DIR").filter(|v| !v.is_empty()) {
            c.certificate_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = env("PROSCENIUM_CACHE_MAX_BYTES") {
            match v.parse() {
                Ok(n) => c.cache_max_bytes = Some(n),
                Err(_) => errors.push(format!(
                    "PROSCENIUM_CACHE_MAX_BYTES={v} is not a number of bytes"
                )),
            }
        }
        if let Some(v) = env("PROSCENIUM_TLS_CERT").filter(|v| !v.is_empty()) {
            c.tls_cert = Some(PathBuf::from(v));
        }
        if let Some(v) = env("PROSCENIUM_TLS_KEY").filter(|v| !v.is_empty()) {
            c.tls_key = Some(PathBuf::from(v));
        }
        if let Some(v) = env("PROSCENIUM_WORKERS") {
            match v.parse() {
                Ok(n) => c.workers = Some(n),
                Err(_) => errors.push(format!("PROSCENIUM_WORKERS={v} is not a number of threads")),
            }
        }
        let strings: [(&str, &mut String); 3] = [
            ("PROSCENIUM_ACCOUNT_ID", &mut c.account_id),
            ("PROSCENIUM_DEFAULT_REGION", &mut c.default_region),
            ("PROSCENIUM_LOG_FORMAT", &mut c.log_format),
        ];
        for (name, slot) in strings {
            if let Some(v) = env(name) {
                *slot = v;
            }
        }
        for (name, slot) in [
            ("PROSCENIUM_LAMBDA_ENDPOINT", &mut c.lambda_endpoint),
            ("PROSCENIUM_COGNITO_ENDPOINT", &mut c.cognito_endpoint),
            ("PROSCENIUM_AWS_ENDPOINT", &mut c.aws_endpoint),
            ("PROSCENIUM_AWS_ACCESS_KEY_ID", &mut c.aws_access_key_id),
            (
                "PROSCENIUM_AWS_SECRET_ACCESS_KEY",
                &mut c.aws_secret_access_key,
            ),
            ("PROSCENIUM_AWS_SESSION_TOKEN", &mut c.aws_session_token),
            ("PROSCENIUM_ACCESS_KEY_ID", &mut c.access_key_id),
            ("PROSCENIUM_SECRET_ACCESS_KEY", &mut c.secret_access_key),
        ] {
            if let Some(v) = env(name).filter(|v| !v.is_empty()) {
                *slot = Some(v);
            }
        }
        if let Some(v) = env("PROSCENIUM_IO_URING") {
            match v.as_str() {
                "1" | "true" | "yes" => c.io_uring = true,
                "0" | "false" | "no" => c.io_uring = false,
                _ => errors.push(format!("PROSCENIUM_IO_URING={v} is not true or false")),
            }
        }
        if let Some(v) = env("PROSCENIUM_ALLOWED_HOSTS") {
            c.allowed_hosts = v
                .split(',')
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect();
        }
        if let Some(n) = parse_env(
            env,
            "PROSCENIUM_IDLE_TIMEOUT",
            "a number of seconds",
            &mut errors,
        ) {
            c.idle_timeout = n;
        }
        if let Some(n) = parse_env(
            env,
            "PROSCENIUM_BODY_TIMEOUT",
            "a number of seconds",
            &mut errors,
        ) {
            c.body_timeout = n;
        }
        if let Some(n) = parse_env(
            env,
            "PROSCENIUM_ACCOUNT_RATE_LIMIT",
            "a number of requests per second",
            &mut errors,
        ) {
            c.account_rate_limit = Some(n);
        }
        if let Some(n) = parse_env(
            env,
            "PROSCENIUM_ACCOUNT_BURST_LIMIT",
            "a number of requests",
            &mut errors,
        ) {
            c.account_burst_limit = Some(n);
        }
        if let Some(v) = env("PROSCENIUM_STORE").filter(|v| !v.is_empty()) {
            c.store = v;
        }
        if let Some(v) = env("PROSCENIUM_REDIS").filter(|v| !v.is_empty()) {
            c.redis = Some(v);
        }
        if let Some(v) = env("PROSCENIUM_NO_MANAGEMENT") {
            c.no_management = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("PROSCENIUM_ALLOW_UNAUTHENTICATED") {
            c.allow_unauthenticated = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = flags.listen {
            c.listen = v;
        }
        if let Some(v) = flags.management_listen {
            c.management_listen = Some(v);
        }
        if let Some(v) = &flags.data_dir {
            c.data_dir = v.clone();
        }
        if let Some(v) = &flags.account_id {
            c.account_id = v.clone();
        }
        if let Some(v) = &flags.lambda_endpoint {
            c.lambda_endpoint = Some(v.clone());
        }
        if let Some(v) = &flags.cognito_endpoint {
            c.cognito_endpoint = Some(v.clone());
        }
        for (flag, slot) in [
            (&flags.aws_endpoint, &mut c.aws_endpoint),
            (&flags.aws_access_key_id, &mut c.aws_access_key_id),
            (&flags.aws_secret_access_key, &mut c.aws_secret_access_key),
            (&flags.aws_session_token, &mut c.aws_session_token),
        ] {
            if let Some(v) = flag {
                *slot = Some(v.clone());
            }
        }
        // The standard AWS variables only when nothing above configured AWS credentials.
        if c.aws_access_key_id.is_none()
            && c.aws_secret_access_key.is_none()
            && let (Some(k), Some(s)) = (
                env("AWS_ACCESS_KEY_ID").filter(|v| !v.is_empty()),
                env("AWS_SECRET_ACCESS_KEY").filter(|v| !v.is_empty()),
            )
        {
            c.aws_access_key_id = Some(k);
            c.aws_secret_access_key = Some(s);
            if c.aws_session_token.is_none() {
                c.aws_session_token = env("AWS_SESSION_TOKEN").filter(|v| !v.is_empty());
            }
        }
        if let Some(v) = &flags.backend_ca {
            c.backend_ca = Some(v.clone());
        }
        if let Some(v) = &flags.certificate_dir {
            c.certificate_dir = Some(v.clone());
        }
        if let Some(v) = &flags.log_format {
            c.log_format = v.clone();
        }
        if let Some(v) = flags.workers {
            c.workers = Some(v);
        }
        if let Some(v) = &flags.tls_cert {
            c.tls_cert = Some(v.clone());
        }
        if let Some(v) = &flags.tls_key {
            c.tls_key = Some(v.clone());
        }
        if !flags.allowed_hosts.is_empty() {
            c.allowed_hosts = flags.allowed_hosts.clone();
        }
        if let Some(v) = flags.idle_timeout {
            c.idle_timeout = v;
        }
        if let Some(v) = flags.body_timeout {
            c.body_timeout = v;
        }
        if let Some(v) = flags.metrics_listen {
            c.metrics_listen = Some(v);
        }
        if let Some(v) = flags.account_rate_limit {
            c.account_rate_limit = Some(v);
        }
        if let Some(v) = flags.account_burst_limit {
            c.account_burst_limit = Some(v);
        }
        if let Some(v) = &flags.store {
            c.store = v.clone();
        }
        c.no_management |= flags.no_management;
        if let Some(v) = &flags.redis {
            c.redis = Some(v.clone());
        }
        c.allow_unauthenticated |= flags.allow_unauthenticated;
        c.io_uring &= !flags.no_io_uring;
        errors.extend(c.validate());
        if errors.is_empty() {
            Ok(c)
        } else {
            Err(errors)
        }
    }

    /// The credentials AWS service integrations are signed with (`test`/`test` by default).
    /// The callers AWS_IAM methods accept: the management credentials (as the account's
    /// root) and every `[[identities]]` entry.
    pub fn iam_identities(&self) -> Vec<proscenium_gateway::auth::iam::Identity> {
        let root = format!("arn:aws:iam::{}:root", self.account_id);
        let mut out = Vec::new();
        if let (Some(k), Some(s)) = (&self.access_key_id, &self.secret_access_key) {
            out.push(proscenium_gateway::auth::iam::Identity {
                access_key_id: k.clone(),
                secret_access_key: s.clone(),
                arn: root.clone(),
            });
        }
        for i in &self.identities {
            out.push(proscenium_gateway::auth::iam::Identity {
                access_key_id: i.access_key_id.clone(),
                secret_access_key: i.secret_access_key.clone(),
                arn: i.arn.clone().unwrap_or_else(|| root.clone()),
            });
        }
        out
    }

    pub fn aws_credentials(&self) -> proscenium_gateway::AwsCredentials {
        match (&self.aws_access_key_id, &self.aws_secret_access_key) {
            (Some(k), Some(s)) => proscenium_gateway::AwsCredentials {
                access_key_id: k.clone(),
                secret_access_key: s.clone(),
                session_token: self.aws_session_token.clone(),
            },
            _ => proscenium_gateway::AwsCredentials::default(),
        }
    }

    pub fn has_credentials(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        set(&self.access_key_id) && set(&self.secret_access_key)
    }

    /// Every problem with the configuration, in plain words.
    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(format!(
                "account id {:?} must be 12 digits",
                self.account_id
            ));
        }
        let blank = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim().is_empty());
        if blank(&self.access_key_id) || blank(&self.secret_access_key) {
            errors.push("access_key_id and secret_access_key must not be empty".into());
        }
        if self.access_key_id.is_some() != self.secret_access_key.is_some() {
            errors.push("access_key_id and secret_access_key must be given together".into());
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            errors.push("tls_cert and tls_key must be given together".into());
        }
        for (what, p) in [
            ("TLS certificate", &self.tls_cert),
            ("TLS key", &self.tls_key),
        ] {
            if let Some(p) = p.as_ref().filter(|p| !p.is_file()) {
                errors.push(format!("{what} {} is not a readable file", p.display()));
            }
        }
        if self.workers.is_some_and(|n| !(1..=1024).contains(&n)) {
            errors.push("workers must be between 1 and 1024".into());
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            errors.push(format!(
                "log format {:?} must be text or json",
                self.log_format
            ));
        }
        if let Some(e) = &self.lambda_endpoint
            && !(e.starts_with("http://") || e.starts_with("https://"))
        {
            errors.push(format!(
                "lambda endpoint {e:?} must be an http:// or https:// URL"
            ));
        }
        if let Some(e) = &self.cognito_endpoint
            && !(e.starts_with("http://") || e.starts_with("https://"))
        {
            errors.push(format!(
                "cognito endpoint {e:?} must be an http:// or https:// URL"
            ));
        }
        for i in &self.identities {
            if i.access_key_id.is_empty() || i.secret_access_key.is_empty() {
                errors.push(
                    "every [[identities]] entry needs access_key_id and secret_access_key".into(),
                );
            }
            if let Some(arn) = &i.arn
                && !(arn.starts_with("arn:aws:iam::") || arn.starts_with("arn:aws:sts::"))
            {
                errors.push(format!(
                    "identity {}: arn {arn:?} is not an IAM ARN (arn:aws:iam::{{account}}:user/{{name}})",
                    i.access_key_id
                ));
            }
        }
        if let Some(e) = &self.aws_endpoint
            && !(e.starts_with("http://") || e.starts_with("https://"))
        {
            errors.push(format!(
                "AWS endpoint {e:?} must be an http:// or https:// URL"
            ));
        }
        if blank(&self.aws_access_key_id) || blank(&self.aws_secret_access_key) {
            errors.push("aws_access_key_id and aws_secret_access_key must not be empty".into());
        }
        if self.aws_access_key_id.is_some() != self.aws_secret_access_key.is_some() {
            errors
                .push("aws_access_key_id and aws_secret_access_key must be given together".into());
        }
        if self.aws_session_token.is_some() && self.aws_access_key_id.is_none() {
            errors
                .push("aws_session_token needs aws_access_key_id and aws_secret_access_key".into());
        }
        if let Some(p) = self.backend_ca.as_ref().filter(|p| !p.is_file()) {
            errors.push(format!(
                "backend CA bundle {} is not a readable file",
                p.display()
            ));
        }
        if !(1..=3600).contains(&self.idle_timeout) {
            errors.push("idle_timeout must be between 1 and 3600 seconds".into());
        }
        if !(1..=3600).contains(&self.body_timeout) {
            errors.push("body_timeout must be between 1 and 3600 seconds".into());
        }
        if self
            .account_rate_limit
            .is_some_and(|r| !r.is_finite() || r < 0.0)
        {
            errors.push(
                "account_rate_limit must be a number of requests per second, at least 0".into(),
            );
        }
        if self.account_burst_limit.is_some_and(|b| b < 0) {
            errors.push("account_burst_limit must be at least 0".into());
        }
        for h in &self.allowed_hosts {
            if h.is_empty() || h.contains(['/', '@', ' ', '*']) || h.chars().any(|c| c.is_control())
            {
                errors.push(format!(
                    "allowed host {h:?} must be a host name or name:port (no scheme, path or wildcard)"
                ));
            }
        }
        if self.store != "sqlite"
            && !self.store.starts_with("postgres://")
            && !self.store.starts_with("postgresql://")
        {
            errors.push(format!(
                "store {:?} must be `sqlite` or a `postgres://user:pass@host:port/db` URL",
                redact_url(&self.store)
            ));
        }
        if let Some(r) = &self.redis
            && !(r.starts_with("redis://")
                || r.starts_with("rediss://")
                || r.starts_with("redis+unix://"))
        {
            errors.push(format!(
                "redis {:?} must be a `redis://host:port` or `rediss://host:port` URL",
                redact_url(r)
            ));
        }
        if self.no_management && self.management_listen.is_some() {
            errors.push("no_management and management_listen contradict each other".into());
        }
        let management = self.management_listen.unwrap_or(self.listen);
        if !self.no_management
            && !management.ip().is_loopback()
            && !self.has_credentials()
            && !self.allow_unauthenticated
        {
            errors.push(format!(
                "refusing to serve the management API on the non-loopback address {management} without credentials: \
                 set PROSCENIUM_ACCESS_KEY_ID and PROSCENIUM_SECRET_ACCESS_KEY, or pass --allow-unauthenticated"
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_are_loopback_and_the_contract_paths() {
        let c = Config::load(None, &env_of(&[]), &Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:4566");
        assert_eq!(c.data_dir, PathBuf::from("./.proscenium"));
        assert_eq!(c.account_id, "000000000000");
    }

    #[test]
    fn precedence_is_file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:1000\"\naccount_id = \"111111111111\"\n",
        )
        .unwrap();
        let env = env_of(&[("PROSCENIUM_LISTEN", "127.0.0.1:2000")]);
        let c = Config::load(Some(&file), &env, &Overrides::default()).unwrap();
        assert_eq!(c.listen.port(), 2000);
        assert_eq!(c.account_id, "111111111111");
        let flags = Overrides {
            listen: Some("127.0.0.1:3000".parse().unwrap()),
            ..Default::default()
        };
        assert_eq!(
            Config::load(Some(&file), &env, &flags)
                .unwrap()
                .listen
                .port(),
            3000
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let env = env_of(&[
            ("PROSCENIUM_ACCOUNT_ID", "12"),
            ("PROSCENIUM_LISTEN", "0.0.0.0:4566"),
            ("PROSCENIUM_LOG_FORMAT", "xml"),
        ]);
        let errs = Config::load(None, &env, &Overrides::default()).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("refusing")));
    }

    #[test]
    fn listen_addresses_may_be_host_names_and_the_loopback_rule_holds() {
        assert_eq!(
            resolve_addr("localhost:4566").unwrap().to_string(),
            "127.0.0.1:4566"
        );
        assert_eq!(resolve_addr("[::1]:1").unwrap().to_string(), "[::1]:1");
        assert!(resolve_addr("localhost").is_err(), "a port is needed");
        assert!(resolve_addr("nonsense:").is_err());
        let c = Config::load(
            None,
            &env_of(&[
                ("PROSCENIUM_LISTEN", "localhost:4000"),
                ("PROSCENIUM_METRICS_LISTEN", "localhost:9090"),
            ]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:4000");
        assert_eq!(c.metrics_listen.map(|a| a.port()), Some(9090));
        let file = toml::from_str::<Config>("listen = \"localhost:4001\"").unwrap();
        assert_eq!(file.listen.to_string(), "127.0.0.1:4001");
        let errs = Config::load(
            None,
            &env_of(&[("PROSCENIUM_LISTEN", "0.0.0.0:4566")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(errs.iter().any(|e| e.contains("refusing")), "{errs:?}");
    }

    #[test]
    fn new_settings_follow_the_precedence() {
        let env = env_of(&[
            ("PROSCENIUM_ALLOWED_HOSTS", "a.example, b.example:1,"),
            ("PROSCENIUM_IDLE_TIMEOUT", "5"),
            ("PROSCENIUM_BODY_TIMEOUT", "7"),
            ("PROSCENIUM_ACCOUNT_RATE_LIMIT", "12.5"),
            ("PROSCENIUM_ACCOUNT_BURST_LIMIT", "3"),
        ]);
        let c = Config::load(None, &env, &Overrides::default()).unwrap();
        assert_eq!(c.allowed_hosts, vec!["a.example", "b.example:1"]);
        assert_eq!((c.idle_timeout, c.body_timeout), (5, 7));
        assert_eq!(
            (c.account_rate_limit, c.account_burst_limit),
            (Some(12.5), Some(3))
        );
        let flags = Overrides {
            allowed_hosts: vec!["c.example".into()],
            idle_timeout: Some(9),
            ..Default::default()
        };
        let c = Config::load(None, &env, &flags).unwrap();
        assert_eq!(c.allowed_hosts, vec!["c.example"]);
        assert_eq!(c.idle_timeout, 9);
        let d = Config::load(None, &env_of(&[]), &Overrides::default()).unwrap();
        assert_eq!((d.idle_timeout, d.body_timeout), (30, 60));
        assert_eq!((d.account_rate_limit, d.account_burst_limit), (None, None));
        let errs = Config::load(
            None,
            &env_of(&[
                ("PROSCENIUM_BODY_TIMEOUT", "0"),
                ("PROSCENIUM_IDLE_TIMEOUT", "soon"),
                ("PROSCENIUM_ACCOUNT_BURST_LIMIT", "-1"),
                ("PROSCENIUM_ALLOWED_HOSTS", "http://x.example/"),
            ]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(errs.len(), 4, "{errs:?}");
    }

    #[test]
    fn io_uring_is_on_unless_turned_off() {
        let none = Overrides::default();
        assert!(Config::load(None, &env_of(&[]), &none).unwrap().io_uring);
        let off = env_of(&[("PROSCENIUM_IO_URING", "false")]);
        assert!(!Config::load(None, &off, &none).unwrap().io_uring);
        let flag = Overrides {
            no_io_uring: true,
            ..Overrides::default()
        };
        let on = env_of(&[("PROSCENIUM_IO_URING", "1")]);
        assert!(
            !Config::load(None, &on, &flag).unwrap().io_uring,
            "the flag wins"
        );
        let bad = env_of(&[("PROSCENIUM_IO_URING", "maybe")]);
        let errs = Config::load(None, &bad, &none).unwrap_err();
        assert!(
            errs.iter().any(|e| e.contains("PROSCENIUM_IO_URING")),
            "{errs:?}"
        );
        let file = toml::from_str::<Config>("io_uring = false").unwrap();
        assert!(!file.io_uring);
    }

    #[test]
    fn workers_and_tls_are_checked() {
        let c = Config::load(
            None,
            &env_of(&[("PROSCENIUM_WORKERS", "1")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.workers, Some(1));
        let flags = Overrides {
            workers: Some(3),
            ..Overrides::default()
        };
        let c = Config::load(None, &env_of(&[("PROSCENIUM_WORKERS", "1")]), &flags).unwrap();
        assert_eq!(c.workers, Some(3), "flags win over the environment");
        let errs = Config::load(
            None,
            &env_of(&[
                ("PROSCENIUM_WORKERS", "many"),
                ("PROSCENIUM_TLS_CERT", "/nonexistent.pem"),
            ]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(
            errs.iter().any(|e| e.contains("PROSCENIUM_WORKERS=many")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.contains("given together")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.contains("not a readable file")),
            "{errs:?}"
        );
        let zero = Overrides {
            workers: Some(0),
            ..Overrides::default()
        };
        let errs = Config::load(None, &env_of(&[]), &zero).unwrap_err();
        assert!(errs.iter().any(|e| e.contains("workers")), "{errs:?}");
    }

    #[test]
    fn aws_integration_settings_follow_the_precedence_and_fall_back_to_aws_env() {
        let c = Config::load(None, &env_of(&[]), &Overrides::default()).unwrap();
        assert_eq!(
            c.aws_credentials(),
            proscenium_gateway::AwsCredentials::default()
        );
        let env = env_of(&[
            ("AWS_ACCESS_KEY_ID", "AKSTD"),
            ("AWS_SECRET_ACCESS_KEY", "stdsecret"),
            ("AWS_SESSION_TOKEN", "tok"),
            ("PROSCENIUM_AWS_ENDPOINT", "http://127.0.0.1:4566"),
        ]);
        let c = Config::load(None, &env, &Overrides::default()).unwrap();
        let creds = c.aws_credentials();
        assert_eq!(
            (creds.access_key_id.as_str(), creds.session_token.as_deref()),
            ("AKSTD", Some("tok"))
        );
        assert_eq!(c.aws_endpoint.as_deref(), Some("http://127.0.0.1:4566"));
        assert!(!format!("{c:?}").contains("stdsecret") && !format!("{c:?}").contains("tok\""));
        let flags = Overrides {
            aws_access_key_id: Some("AKFLAG".into()),
            aws_secret_access_key: Some("flagsecret".into()),
            aws_endpoint: Some("http://{service}.{region}.localhost:1".into()),
            ..Default::default()
        };
        let c = Config::load(None, &env, &flags).unwrap();
        let creds = c.aws_credentials();
        assert_eq!(
            (creds.access_key_id.as_str(), creds.session_token.as_deref()),
            ("AKFLAG", None),
            "explicit credentials win over the AWS_* variables, which are used as a whole"
        );
        let bad = Overrides {
            aws_endpoint: Some("localhost:4566".into()),
            aws_access_key_id: Some("AK".into()),
            ..Default::default()
        };
        let errs = Config::load(None, &env_of(&[]), &bad).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
    }

    #[test]
    fn credentials_or_the_flag_allow_a_public_listener_and_secrets_are_redacted() {
        let env = env_of(&[
            ("PROSCENIUM_LISTEN", "0.0.0.0:4566"),
            ("PROSCENIUM_ACCESS_KEY_ID", "AK"),
            ("PROSCENIUM_SECRET_ACCESS_KEY", "sekrit"),
        ]);
        let c = Config::load(None, &env, &Overrides::default()).unwrap();
        assert!(!format!("{c:?}").contains("sekrit"));
        let flags = Overrides {
            listen: Some("0.0.0.0:1".parse().unwrap()),
            allow_unauthenticated: true,
            ..Default::default()
        };
        assert!(Config::load(None, &env_of(&[]), &flags).is_ok());
    }

    #[test]
    fn the_store_is_sqlite_or_postgres_and_its_password_is_never_printed() {
        let c = Config::load(None, &env_of(&[]), &Overrides::default()).unwrap();
        assert_eq!(c.store, "sqlite");
        let env = env_of(&[
            ("PROSCENIUM_STORE", "postgres://app:sekrit@db:5432/gw"),
            ("PROSCENIUM_NO_MANAGEMENT", "true"),
        ]);
        let c = Config::load(None, &env, &Overrides::default()).unwrap();
        assert!(c.no_management);
        assert_eq!(c.store, "postgres://app:sekrit@db:5432/gw");
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("sekrit") && shown.contains("postgres://app:<redacted>@db:5432/gw")
        );
        let bad = Overrides {
            store: Some("mysql://x:sekrit@y/z".into()),
            management_listen: Some("127.0.0.1:1".parse().unwrap()),
            ..Default::default()
        };
        let errs = Config::load(None, &env, &bad).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(!errs.join(" ").contains("sekrit"));
        // A gateway-only node serves no management API: no credentials needed on 0.0.0.0.
        let public = env_of(&[
            ("PROSCENIUM_LISTEN", "0.0.0.0:4566"),
            ("PROSCENIUM_NO_MANAGEMENT", "1"),
        ]);
        assert!(Config::load(None, &public, &Overrides::default()).is_ok());
    }
}
