//! The AWS API Gateway management API (REST APIs v1, service `apigateway`, 2015-07-09,
//! rest-json) as an axum `Router`.
//!
//! Owns: the wire protocol (route table, input parsing, output shapes, AWS's status codes and
//! error messages), patch-operation grammars, request authentication (SigV4 when credentials
//! are configured) and the per-account/region scoping of every call.
//!
//! Must not: import the data plane (`proscenium-gateway`), or hold state of its own beyond
//! what it needs to serialise writes: everything lives in the [`Store`](proscenium_store::Store).
//!
//! Each operation follows one shape: extract (caller, path, body) → pure domain rule
//! (`proscenium-model`) → store → wire shape.

pub mod auth;
pub mod certs;
pub mod error;
pub mod extract;
pub mod handlers;
pub mod patch;
pub mod routes;
pub mod state;
pub mod tester;

pub use routes::router;
pub use state::{Clock, ControlState, IdSource, SystemClock};
