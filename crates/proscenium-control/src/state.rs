//! What every handler shares: the store, the account identity, injected time and randomness,
//! and the write lock that serialises read-modify-write cycles in this process.

use std::sync::{Arc, Mutex};

use proscenium_store::Store;
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::auth::Credentials;

/// Injected wall-clock time, seconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> f64;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| (d.as_millis() as f64) / 1000.0)
            .unwrap_or(0.0)
    }
}

/// Injected randomness for identifiers.
pub trait IdSource: Send + Sync + 'static {
    fn next_u32(&self) -> u32;
}

impl IdSource for Mutex<StdRng> {
    fn next_u32(&self) -> u32 {
        self.lock().unwrap_or_else(|p| p.into_inner()).r#gen()
    }
}

#[derive(Clone)]
pub struct ControlState {
    pub store: Arc<dyn Store>,
    /// The account every request acts as (AWS would derive it from the credentials).
    pub account_id: String,
    /// Region used when a request carries no SigV4 credential scope.
    pub default_region: String,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
    /// When set, every request must be SigV4-signed by one of these credentials.
    pub credentials: Option<Arc<Credentials>>,
    /// Runs authorizers for TestInvokeAuthorizer (None: the operation answers 501).
    pub authorizer_tester: Option<Arc<dyn crate::tester::AuthorizerTester>>,
    /// Runs methods for TestInvokeMethod (None: the operation answers 501).
    pub method_tester: Option<Arc<dyn crate::tester::MethodTester>>,
    /// Serialises read-modify-write cycles so concurrent clients (Terraform runs ten at once)
    /// never see spurious conflicts; the store's revisions still guard against other processes.
    pub write_lock: Arc<tokio::sync::Mutex<()>>,
    /// Where certificates named by ACM ARNs are read from (`{dir}/{id}.crt`, `{dir}/{id}.key`).
    pub certificate_dir: Option<std::path::PathBuf>,
}

impl ControlState {
    pub fn new(store: Arc<dyn Store>, account_id: impl Into<String>) -> Self {
        ControlState {
            store,
            account_id: account_id.into(),
            default_region: "us-east-1".into(),
            clock: Arc::new(SystemClock),
            ids: Arc::new(Mutex::new(StdRng::from_entropy())),
            credentials: None,
            authorizer_tester: None,
            method_tester: None,
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
            certificate_dir: None,
        }
    }

    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// A request id in AWS's UUID form.
    pub fn new_request_id(&self) -> String {
        let w: Vec<u32> = (0..4).map(|_| self.ids.next_u32()).collect();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:04x}{:08x}",
            w[0],
            w[1] >> 16,
            (w[1] & 0x0fff) | 0x4000,
            ((w[2] >> 16) & 0x3fff) | 0x8000,
            w[2] & 0xffff,
            w[3]
        )
    }

    /// A fresh AWS-style identifier of `len` characters.
    pub fn new_id(&self, len: usize) -> String {
        proscenium_model::id::generate(len, || self.ids.next_u32())
    }

    /// [`Self::new_id`], drawn again while `taken` knows it.
    pub fn new_unused_id(&self, len: usize, taken: impl Fn(&str) -> bool) -> String {
        proscenium_model::id::generate_unused(len, || self.ids.next_u32(), taken)
    }
}
