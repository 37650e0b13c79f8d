//! Secrets and the lookup trait. The crate never stores or loads credentials
//! itself: the caller implements [`CredentialProvider`] (e.g. over a config map).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// A secret access key. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps a secret access key.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for signing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl From<&str> for SecretKey {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for SecretKey {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// Looks up the secret for an access key id; `None` means "unknown key"
/// (answered as `UnrecognizedClientException`).
pub trait CredentialProvider {
    /// The secret access key of `access_key_id`, if it is known.
    fn secret_key(&self, access_key_id: &str) -> Option<SecretKey>;
}

impl<T: CredentialProvider + ?Sized> CredentialProvider for &T {
    fn secret_key(&self, access_key_id: &str) -> Option<SecretKey> {
        (**self).secret_key(access_key_id)
    }
}

impl<S: std::hash::BuildHasher> CredentialProvider for HashMap<String, SecretKey, S> {
    fn secret_key(&self, access_key_id: &str) -> Option<SecretKey> {
        self.get(access_key_id).cloned()
    }
}

impl CredentialProvider for BTreeMap<String, SecretKey> {
    fn secret_key(&self, access_key_id: &str) -> Option<SecretKey> {
        self.get(access_key_id).cloned()
    }
}

/// Outbound credentials for [`crate::sign`].
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// Access key id.
    pub access_key_id: &'a str,
    /// Secret access key.
    pub secret_access_key: &'a str,
    /// Session token for temporary credentials (sent as `x-amz-security-token`).
    pub session_token: Option<&'a str>,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .finish()
    }
}
