//! `VerifyError`: why a request's SigV4 authentication was rejected, and how
//! AWS API Gateway's management API reports each case (status, error code,
//! message). The control plane renders these; this crate does no HTTP.

use crate::parse::ParseError;

/// AWS's message for a signature that does not match.
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// AWS's message for an unknown access key id.
pub const UNRECOGNIZED_CLIENT_MESSAGE: &str =
    "The security token included in the request is invalid.";

/// A rejected SigV4 authentication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `Authorization` header and no presigned query parameters.
    #[error("Missing Authentication Token")]
    MissingAuthenticationToken,
    /// Malformed or incomplete authentication data (HTTP 400).
    #[error("{0}")]
    IncompleteSignature(String),
    /// The access key id is unknown.
    #[error("{UNRECOGNIZED_CLIENT_MESSAGE}")]
    UnrecognizedClient,
    /// The signature does not match.
    #[error("{SIGNATURE_MISMATCH_MESSAGE}")]
    SignatureDoesNotMatch,
    /// The request is outside the allowed clock skew, or a presigned URL
    /// has expired (`Signature expired: …` / `Signature not yet current: …`).
    #[error("{0}")]
    SignatureExpired(String),
    /// The credential scope is wrong (terminator, date, region or service).
    #[error("{0}")]
    InvalidScope(String),
}

impl VerifyError {
    /// The AWS error code, sent as `x-amzn-ErrorType` / `__type`.
    pub fn aws_error_code(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature(_) => "IncompleteSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::SignatureDoesNotMatch | Self::SignatureExpired(_) | Self::InvalidScope(_) => {
                "InvalidSignatureException"
            }
        }
    }

    /// The human-readable message AWS sends with the error.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The HTTP status code AWS answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::IncompleteSignature(_) => 400,
            _ => 403,
        }
    }
}

impl From<ParseError> for VerifyError {
    fn from(e: ParseError) -> Self {
        Self::IncompleteSignature(e.to_string())
    }
}
