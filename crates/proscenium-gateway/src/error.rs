//! `GatewayError`: every way an invocation fails, with who failed and which gateway response
//! type answers it. Rendering lives in `gateway_response.rs` (the one error-to-HTTP mapping).

/// The gateway response types the data plane raises (AWS's names), plus `Forbidden` for an
/// unknown API or stage, which no API can customise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Forbidden,
    MissingAuthenticationToken,
    RequestTooLarge,
    UnsupportedMediaType,
    BadRequestParameters,
    BadRequestBody,
    ApiConfigurationError,
    IntegrationFailure,
    IntegrationTimeout,
    Default5xx,
    Throttled,
    AccessDenied,
    Unauthorized,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    InvalidSignature,
    ExpiredToken,
    InvalidApiKey,
    QuotaExceeded,
}

impl Kind {
    /// AWS's gateway response type name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Forbidden => "FORBIDDEN",
            Kind::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            Kind::RequestTooLarge => "REQUEST_TOO_LARGE",
            Kind::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Kind::BadRequestParameters => "BAD_REQUEST_PARAMETERS",
            Kind::BadRequestBody => "BAD_REQUEST_BODY",
            Kind::ApiConfigurationError => "API_CONFIGURATION_ERROR",
            Kind::IntegrationFailure => "INTEGRATION_FAILURE",
            Kind::IntegrationTimeout => "INTEGRATION_TIMEOUT",
            Kind::Default5xx => "DEFAULT_5XX",
            Kind::Throttled => "THROTTLED",
            Kind::AccessDenied => "ACCESS_DENIED",
            Kind::Unauthorized => "UNAUTHORIZED",
            Kind::AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            Kind::AuthorizerFailure => "AUTHORIZER_FAILURE",
            Kind::InvalidSignature => "INVALID_SIGNATURE",
            Kind::ExpiredToken => "EXPIRED_TOKEN",
            Kind::InvalidApiKey => "INVALID_API_KEY",
            Kind::QuotaExceeded => "QUOTA_EXCEEDED",
        }
    }

    /// The status AWS answers when nobody customised the response.
    pub fn default_status(self) -> u16 {
        match self {
            Kind::Forbidden
            | Kind::MissingAuthenticationToken
            | Kind::AccessDenied
            | Kind::InvalidSignature
            | Kind::ExpiredToken
            | Kind::InvalidApiKey => 403,
            Kind::QuotaExceeded => 429,
            Kind::Unauthorized => 401,
            Kind::AuthorizerConfigurationError | Kind::AuthorizerFailure => 500,
            Kind::Throttled => 429,
            Kind::RequestTooLarge => 413,
            Kind::UnsupportedMediaType => 415,
            Kind::BadRequestParameters | Kind::BadRequestBody => 400,
            Kind::ApiConfigurationError | Kind::Default5xx => 500,
            Kind::IntegrationFailure | Kind::IntegrationTimeout => 504,
        }
    }

    /// The `x-amzn-ErrorType` header AWS sends with it.
    pub fn error_type(self) -> &'static str {
        match self {
            Kind::Forbidden => "ForbiddenException",
            Kind::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Kind::RequestTooLarge => "RequestTooLargeException",
            Kind::UnsupportedMediaType => "UnsupportedMediaTypeException",
            Kind::BadRequestParameters | Kind::BadRequestBody => "BadRequestException",
            Kind::ApiConfigurationError | Kind::Default5xx | Kind::IntegrationFailure => {
                "InternalServerErrorException"
            }
            Kind::IntegrationTimeout => "InternalServerErrorException",
            Kind::Throttled => "TooManyRequestsException",
            Kind::AccessDenied => "AccessDeniedException",
            Kind::Unauthorized => "UnauthorizedException",
            Kind::AuthorizerConfigurationError => "AuthorizerConfigurationException",
            Kind::AuthorizerFailure => "AuthorizerFailureException",
            Kind::InvalidSignature => "InvalidSignatureException",
            Kind::ExpiredToken => "ExpiredTokenException",
            Kind::InvalidApiKey => "ForbiddenException",
            Kind::QuotaExceeded => "LimitExceededException",
        }
    }

    /// AWS prints integration-side failures as `{"message": "…"}` (with a space) and
    /// request-side ones as `{"message":"…"}`.
    pub fn spaced_body(self) -> bool {
        matches!(
            self,
            Kind::ApiConfigurationError
                | Kind::IntegrationFailure
                | Kind::IntegrationTimeout
                | Kind::Default5xx
        )
    }

    /// Authorizer failures print `{"message": null}`: AWS gives the client no reason.
    pub fn null_message(self) -> bool {
        matches!(
            self,
            Kind::AuthorizerConfigurationError | Kind::AuthorizerFailure
        )
    }
}

/// Who caused the failure (for logs and metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Client,
    Integration,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?} ({origin:?}): {message}")]
pub struct GatewayError {
    pub kind: Kind,
    pub origin: Origin,
    /// `$context.error.message`.
    pub message: String,
    /// A status other than the type's default (e.g. 502 for a malformed Lambda response).
    pub status: Option<u16>,
    /// Detail for the logs only (never sent to the client).
    pub detail: String,
    /// An `x-amzn-ErrorType` other than the kind's (e.g. `UnrecognizedClientException`).
    pub error_type: Option<&'static str>,
    /// AWS writes IAM-style denials as `{"Message":"…"}` (capital M).
    pub capital_message: bool,
    /// `$context.error.validationErrorString`: what a request validator found.
    pub validation_error: Option<String>,
}

impl GatewayError {
    pub fn new(kind: Kind, origin: Origin, message: impl Into<String>) -> Self {
        GatewayError {
            kind,
            origin,
            message: message.into(),
            status: None,
            detail: String::new(),
            error_type: None,
            capital_message: false,
            validation_error: None,
        }
    }

    /// Sets `$context.error.validationErrorString`.
    pub fn with_validation_error(mut self, text: impl Into<String>) -> Self {
        self.validation_error = Some(text.into());
        self
    }

    pub fn with_error_type(mut self, error_type: &'static str) -> Self {
        self.error_type = Some(error_type);
        self
    }

    /// The default body says `{"Message":"…"}`, as AWS's policy denials do.
    pub fn with_capital_message(mut self) -> Self {
        self.capital_message = true;
        self
    }

    /// 401 `{"message":"Unauthorized"}` (UNAUTHORIZED).
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(Kind::Unauthorized, Origin::Client, "Unauthorized").with_detail(detail)
    }

    /// 500 `{"message": null}` (AUTHORIZER_CONFIGURATION_ERROR).
    pub fn authorizer_configuration(detail: impl Into<String>) -> Self {
        Self::new(
            Kind::AuthorizerConfigurationError,
            Origin::Internal,
            "Authorizer error",
        )
        .with_detail(detail)
    }

    /// 403 ACCESS_DENIED with `{"Message":"…"}`.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(Kind::AccessDenied, Origin::Client, message).with_capital_message()
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn forbidden() -> Self {
        Self::new(Kind::Forbidden, Origin::Client, "Forbidden")
    }

    pub fn missing_token() -> Self {
        Self::new(
            Kind::MissingAuthenticationToken,
            Origin::Client,
            "Missing Authentication Token",
        )
    }

    pub fn too_large() -> Self {
        Self::new(Kind::RequestTooLarge, Origin::Client, "Request Too Long")
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            Kind::UnsupportedMediaType,
            Origin::Client,
            "Unsupported Media Type",
        )
    }

    /// No integration response matches the backend's answer and none is the default.
    pub fn no_output_mapping() -> Self {
        Self::internal("No match for output mapping and no default output mapping configured")
    }

    /// AWS's 500 `Internal server error` for a configuration or backend-connection problem.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            Kind::ApiConfigurationError,
            Origin::Internal,
            "Internal server error",
        )
        .with_detail(detail)
    }

    /// AWS's 502 for an integration that answered something unusable.
    pub fn bad_gateway(detail: impl Into<String>) -> Self {
        Self::new(
            Kind::Default5xx,
            Origin::Integration,
            "Internal server error",
        )
        .with_status(502)
        .with_detail(detail)
    }

    pub fn timeout() -> Self {
        Self::new(
            Kind::IntegrationTimeout,
            Origin::Integration,
            "Endpoint request timed out",
        )
    }
}

/// A backend call that failed: a timeout is AWS's 504, anything else its 500.
impl From<crate::client::SendError> for GatewayError {
    fn from(e: crate::client::SendError) -> Self {
        match e {
            crate::client::SendError::Timeout => GatewayError::timeout(),
            other => GatewayError::internal(other.to_string()),
        }
    }
}
