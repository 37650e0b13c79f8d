//! `proscenium`: a self-hosted AWS API Gateway (REST APIs). This file is the command line:
//! it parses flags, sets up logging and hands a validated [`config::Config`] to [`run::serve`].

mod activity;
mod activity_log;
mod balance;
mod config;
mod console;
mod host;
mod http1;
mod metrics;
mod oplog;
mod run;
mod tester;
mod tls;
mod traffic;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// jemalloc: fewer instructions per allocation than glibc's malloc on every request path, and
/// freed memory goes back to the system (BENCHMARKS.md, "Allocator").
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A self-hosted AWS API Gateway: point the AWS CLI, boto3, the SDKs or Terraform at it
/// (`--endpoint-url http://127.0.0.1:4566`), define REST APIs, deploy them to stages, and
/// call them at http://{apiId}.execute-api.localhost:4566/{stage}/{path}.
#[derive(Parser)]
#[command(name = "proscenium", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway: the management API and every deployed stage on one listener.
    ///
    /// Settings come from defaults, then --config FILE (TOML), then PROSCENIUM_* environment
    /// variables, then these flags. Set PROSCENIUM_ACCESS_KEY_ID and PROSCENIUM_SECRET_ACCESS_KEY
    /// to require SigV4-signed management requests. Set only in the environment or the file:
    /// PROSCENIUM_DEFAULT_REGION (region of unsigned management requests, default us-east-1)
    /// and PROSCENIUM_CACHE_MAX_BYTES (caps every stage cache).
    Serve(Box<ServeArgs>),
    /// Print the version.
    Version,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:4566] (env PROSCENIUM_LISTEN).
    #[arg(long, value_name = "ADDR", value_parser = config::resolve_addr)]
    listen: Option<SocketAddr>,
    /// Serve the management API on this address instead, and only invocations on --listen
    /// (env PROSCENIUM_MANAGEMENT_LISTEN).
    #[arg(long, value_name = "ADDR", value_parser = config::resolve_addr)]
    management_listen: Option<SocketAddr>,
    /// Directory for state and logs [default: ./.proscenium] (env PROSCENIUM_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The 12-digit AWS account id to act as [default: 000000000000] (env
    /// PROSCENIUM_ACCOUNT_ID).
    #[arg(long)]
    account_id: Option<String>,
    /// Lambda Invoke API endpoint for Lambda integrations, e.g. http://127.0.0.1:9001 (env
    /// PROSCENIUM_LAMBDA_ENDPOINT).
    #[arg(long)]
    lambda_endpoint: Option<String>,
    /// Where Cognito user pools live, e.g. http://127.0.0.1:9229 (a local emulator): token
    /// issuers are {URL}/{poolId} [default: https://cognito-idp.{region}.amazonaws.com]
    /// (env PROSCENIUM_COGNITO_ENDPOINT).
    #[arg(long)]
    cognito_endpoint: Option<String>,
    /// Endpoint for AWS service integrations, e.g. http://127.0.0.1:4566 (LocalStack) or
    /// https://{service}.{region}.amazonaws.com (env PROSCENIUM_AWS_ENDPOINT).
    #[arg(long)]
    aws_endpoint: Option<String>,
    /// Access key id AWS service integrations are signed with [default: AWS_ACCESS_KEY_ID,
    /// else test] (env PROSCENIUM_AWS_ACCESS_KEY_ID).
    #[arg(long)]
    aws_access_key_id: Option<String>,
    /// Secret access key for --aws-access-key-id [default: AWS_SECRET_ACCESS_KEY, else test]
    /// (env PROSCENIUM_AWS_SECRET_ACCESS_KEY; prefer the environment to the command line).
    #[arg(long)]
    aws_secret_access_key: Option<String>,
    /// Session token for temporary AWS credentials [default: AWS_SESSION_TOKEN]
    /// (env PROSCENIUM_AWS_SESSION_TOKEN).
    #[arg(long)]
    aws_session_token: Option<String>,
    /// PEM bundle of extra CA certificates trusted for HTTPS backends (env PROSCENIUM_BACKEND_CA).
    #[arg(long)]
    backend_ca: Option<PathBuf>,
    /// Directory of the certificates custom domain names name by ACM ARN: `{id}.crt` and
    /// `{id}.key` [default: {data-dir}/certificates] (env PROSCENIUM_CERTIFICATE_DIR).
    #[arg(long)]
    certificate_dir: Option<PathBuf>,
    /// TOML configuration file (env PROSCENIUM_CONFIG).
    #[arg(long, env = "PROSCENIUM_CONFIG")]
    config: Option<PathBuf>,
    /// Allow a non-loopback management listener without credentials (env
    /// PROSCENIUM_ALLOW_UNAUTHENTICATED=true).
    #[arg(long)]
    allow_unauthenticated: bool,
    /// Log format: text or json (env PROSCENIUM_LOG_FORMAT; level from RUST_LOG).
    #[arg(long)]
    log_format: Option<String>,
    /// Threads serving requests [default: one per CPU available] (env PROSCENIUM_WORKERS).
    #[arg(long)]
    workers: Option<usize>,
    /// Write each backend request at once instead of batching the requests of one turn
    /// through io_uring (batching applies with one worker; env PROSCENIUM_IO_URING=false).
    #[arg(long)]
    no_io_uring: bool,
    /// PEM certificate chain: serve HTTPS (HTTP/2 and HTTP/1.1) (env PROSCENIUM_TLS_CERT).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert (env PROSCENIUM_TLS_KEY).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A host name (or name:port) the management API and console answer to without
    /// credentials, besides localhost, loopback addresses and the listener's own address;
    /// repeatable (env PROSCENIUM_ALLOWED_HOSTS, comma-separated).
    #[arg(long = "allowed-host", value_name = "HOST")]
    allowed_hosts: Vec<String>,
    /// Seconds a connection may stay idle, or take to send a request head [default: 30]
    /// (env PROSCENIUM_IDLE_TIMEOUT).
    #[arg(long, value_name = "SECONDS")]
    idle_timeout: Option<u64>,
    /// Seconds a client gets to send a whole request body; 408 after [default: 60]
    /// (env PROSCENIUM_BODY_TIMEOUT).
    #[arg(long, value_name = "SECONDS")]
    body_timeout: Option<u64>,
    /// Also serve /_proscenium/metrics (and health) on this address, without credentials,
    /// for scrapers (env PROSCENIUM_METRICS_LISTEN).
    #[arg(long, value_name = "ADDR", value_parser = config::resolve_addr)]
    metrics_listen: Option<SocketAddr>,
    /// Set the account's steady-state throttle (requests per second) at start [AWS's
    /// default: 10000] (env PROSCENIUM_ACCOUNT_RATE_LIMIT).
    #[arg(long, value_name = "RPS")]
    account_rate_limit: Option<f64>,
    /// Set the account's burst throttle at start [AWS's default: 5000]
    /// (env PROSCENIUM_ACCOUNT_BURST_LIMIT).
    #[arg(long, value_name = "REQUESTS")]
    account_burst_limit: Option<i64>,
    /// Where the configuration lives: `sqlite` [default] ({data-dir}/state.db, one process)
    /// or `postgres://user:pass@host:port/db` (several nodes share it) (env PROSCENIUM_STORE).
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// Serve invocations only, no management API: a gateway-only node of a cluster
    /// (env PROSCENIUM_NO_MANAGEMENT).
    #[arg(long)]
    no_management: bool,
    /// Share throttling with the other nodes through this Redis (`redis://host:port`, or
    /// `rediss://` for TLS verified against the system's roots or `SSL_CERT_FILE`)
    /// (env PROSCENIUM_REDIS). Without it each node applies limits alone.
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
}

/// The main thread's runtime: single-threaded. It runs the control plane's tasks and is the
/// first of the `--workers` (thread per core): `run::serve` starts the others, each with a
/// runtime of its own.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("proscenium {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Serve(args) => serve(*args),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let flags = config::Overrides {
        listen: args.listen,
        management_listen: args.management_listen,
        data_dir: args.data_dir,
        account_id: args.account_id,
        lambda_endpoint: args.lambda_endpoint,
        aws_endpoint: args.aws_endpoint,
        aws_access_key_id: args.aws_access_key_id,
        aws_secret_access_key: args.aws_secret_access_key,
        aws_session_token: args.aws_session_token,
        backend_ca: args.backend_ca,
        certificate_dir: args.certificate_dir,
        allow_unauthenticated: args.allow_unauthenticated,
        log_format: args.log_format,
        workers: args.workers,
        no_io_uring: args.no_io_uring,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        cognito_endpoint: args.cognito_endpoint,
        allowed_hosts: args.allowed_hosts,
        idle_timeout: args.idle_timeout,
        body_timeout: args.body_timeout,
        metrics_listen: args.metrics_listen,
        account_rate_limit: args.account_rate_limit,
        account_burst_limit: args.account_burst_limit,
        store: args.store,
        no_management: args.no_management,
        redis: args.redis,
    };
    let env = |k: &str| std::env::var(k).ok();
    let cfg = match config::Config::load(args.config.as_deref(), &env, &flags) {
        Ok(c) => c,
        Err(errors) => {
            eprintln!("proscenium: cannot start:");
            for e in errors {
                eprintln!("  - {e}");
            }
            return ExitCode::from(2);
        }
    };
    init_logging(&cfg.log_format);
    let runtime = match runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("proscenium: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run::serve(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proscenium: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal, never into files or log collectors.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
