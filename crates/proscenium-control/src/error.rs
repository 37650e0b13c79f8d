//! The control plane's one error type and its one mapping to HTTP: status, the
//! `x-amzn-ErrorType` header botocore reads, and the `{"message": …}` body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use proscenium_model::ValidationError;
use proscenium_model::error::ErrorKind;
use proscenium_store::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    BadRequest(String),
    /// Coral's input validation (enum values, patterns): `ValidationException`, 400.
    Validation(String),
    /// The body does not deserialise into the input shape: `SerializationException`, 400.
    Serialization(String),
    NotFound(String),
    Conflict(String),
    LimitExceeded(String),
    TooManyRequests(String),
    Unauthorized(String),
    /// Failures with their own AWS code and status (SigV4, payload size).
    Raw {
        status: u16,
        code: &'static str,
        message: String,
    },
    /// An operation this version does not implement yet.
    NotImplemented(String),
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(m: impl Into<String>) -> Self {
        ApiError::BadRequest(m.into())
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        ApiError::NotFound(m.into())
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        ApiError::Conflict(m.into())
    }

    fn parts(&self) -> (u16, &'static str, &str) {
        match self {
            ApiError::BadRequest(m) => (400, "BadRequestException", m),
            ApiError::Validation(m) => (400, "ValidationException", m),
            ApiError::Serialization(m) => (400, "SerializationException", m),
            ApiError::NotFound(m) => (404, "NotFoundException", m),
            ApiError::Conflict(m) => (409, "ConflictException", m),
            ApiError::LimitExceeded(m) => (429, "LimitExceededException", m),
            ApiError::TooManyRequests(m) => (429, "TooManyRequestsException", m),
            ApiError::Unauthorized(m) => (401, "UnauthorizedException", m),
            ApiError::Raw {
                status,
                code,
                message,
            } => (*status, code, message),
            ApiError::NotImplemented(m) => (501, "NotImplementedException", m),
            ApiError::Internal(m) => (500, "InternalFailure", m),
        }
    }

    pub fn code(&self) -> &'static str {
        self.parts().1
    }

    pub fn message(&self) -> &str {
        self.parts().2
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status >= 500 {
            tracing::error!(code, message, "management request failed");
        }
        let body = serde_json::json!({ "message": message }).to_string();
        let mut resp = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body,
        )
            .into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert("x-amzn-errortype", HeaderValue::from_static(code));
        if status == 429 {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        match e.kind {
            ErrorKind::BadRequest => ApiError::BadRequest(e.message),
            ErrorKind::NotFound => ApiError::NotFound(e.message),
            ErrorKind::Conflict => ApiError::Conflict(e.message),
        }
    }
}

/// Store failures; `NotFound` needs context, so handlers map it themselves where AWS has a
/// specific message (see [`crate::handlers::common`]).
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("Invalid identifier specified".into()),
            StoreError::Conflict(_) => ApiError::Conflict(CONCURRENT_MODIFICATION.into()),
            StoreError::PreconditionFailed(m) => ApiError::BadRequest(m),
            StoreError::Backend(m) => {
                tracing::error!(error = %m, "storage failure");
                ApiError::Internal("Internal server error".into())
            }
            StoreError::Unavailable(m) => {
                tracing::warn!(error = %m, "the store is unavailable");
                ApiError::Raw {
                    status: 503,
                    code: "ServiceUnavailableException",
                    message: "The configuration store is unavailable. Please try again later."
                        .into(),
                }
            }
        }
    }
}

/// AWS's text for a write that lost a race.
pub const CONCURRENT_MODIFICATION: &str =
    "Unable to complete operation due to concurrent modification. Please try again later.";
