//! OpenAPI in and out of an API definition, as API Gateway's ImportRestApi, PutRestApi and
//! GetExport do it.
//!
//! Owns: reading OpenAPI 3.0.x and Swagger 2.0 documents (JSON or YAML) into an
//! `ApiDefinition` (paths → resources, operations → methods, schemas → models, the
//! `x-amazon-apigateway-*` extensions → integrations, authorizers, validators, gateway
//! responses and API settings), with AWS's warnings and errors; writing a deployed
//! definition back as OpenAPI 3.0.1 or Swagger 2.0.
//!
//! Must not: do I/O, read clocks, or decide identifiers itself (the caller injects the
//! randomness ids are drawn from). Every input gives a result or an error, never a panic;
//! the caller writes the result in one store write or not at all.

pub mod document;
pub mod documentation;
pub mod export;
pub mod import;
pub mod schema;
pub mod sdk;

pub use export::{ExportOptions, ExportType, export};
pub use import::{BasePathMode, ImportMode, ImportOptions, import};
