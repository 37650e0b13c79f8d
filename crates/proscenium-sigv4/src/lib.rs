//! Pure AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for Proscenium.
//!
//! # Architecture
//! - [`parse`]: `Authorization` header and presigned query into typed values.
//! - [`canonical`]: canonical request and string to sign (non-S3 rules:
//!   the raw path is URI-encoded again).
//! - [`verify()`]: inbound verification with an injected `now`, constant-time
//!   comparison, AWS-shaped [`VerifyError`]s.
//! - [`sign()`]: outbound signing for AWS integrations ([`sign_s3()`] with S3's URI rule).
//! - [`time`]: `X-Amz-Date`/`Date` parsing and formatting, no clock.
//!
//! This crate does no I/O, reads no clock and stores no secrets: callers pass
//! `now` (seconds since the Unix epoch) and implement [`CredentialProvider`].

pub mod canonical;
mod credentials;
mod crypto;
mod error;
pub mod parse;
mod request;
mod sign;
pub mod time;
mod uri;
mod verify;

pub use credentials::{CredentialProvider, Credentials, SecretKey};
pub use crypto::{EMPTY_SHA256, sha256_hex, signature_hex, signing_key};
pub use error::{SIGNATURE_MISMATCH_MESSAGE, UNRECOGNIZED_CLIENT_MESSAGE, VerifyError};
pub use parse::{
    ALGORITHM, AuthorizationV4, Credential, ParseError, PresignedV4, region_from_authorization,
    region_from_query,
};
pub use request::RequestParts;
pub use sign::{SignedOutput, UNSIGNED_HEADERS, sign, sign_s3};
pub use time::AmzDate;
pub use verify::{DEFAULT_MAX_SKEW_SECS, VerifiedCaller, VerifyOptions, verify, verify_with};
