//! Validation errors of the pure domain rules; the control plane maps them to AWS exceptions.

use thiserror::Error;

/// A rule of the domain was broken. `kind` tells the control plane which AWS exception fits;
/// `message` is AWS's own text where AWS has one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct ValidationError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    NotFound,
    Conflict,
}

impl ValidationError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ValidationError {
            kind: ErrorKind::BadRequest,
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ValidationError {
            kind: ErrorKind::NotFound,
            message: message.into(),
        }
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        ValidationError {
            kind: ErrorKind::Conflict,
            message: message.into(),
        }
    }
}
