//! Request validation (a method's request validator): required request parameters, and the
//! body against the request model of its content type (JSON Schema draft 4, `schema.rs`).
//! Compiled with the deployment, checked per request; a method without a validator has an
//! empty `Validation` and the pipeline skips it with one branch.

use std::collections::BTreeMap;
use std::sync::Arc;

use proscenium_model::{Method, RequestValidator};

use crate::schema::{ModelSchemas, Schema};

use crate::error::{GatewayError, Kind, Origin};
use crate::params::{Inputs, Resolve, Source, parse_source};

/// What a method's validator checks.
#[derive(Debug, Default)]
pub struct Validation {
    /// Required parameters: the source and the name AWS prints.
    pub required: Vec<(Source, String)>,
    /// Request models by content type (lowercased; `$default` for any other type), other
    /// than `Empty`: the body must be JSON valid against the schema. `Err`: the model cannot
    /// be compiled, and requests are refused with AWS's 500 (fail-closed).
    pub bodies: Vec<(String, Result<Arc<Schema>, String>)>,
}

impl Validation {
    pub fn compile(
        method: &Method,
        validators: &BTreeMap<String, RequestValidator>,
        schemas: &mut ModelSchemas<'_>,
    ) -> Validation {
        let Some(v) = method
            .request_validator_id
            .as_deref()
            .and_then(|id| validators.get(id))
        else {
            return Validation::default();
        };
        let mut out = Validation::default();
        if v.validate_request_parameters {
            for (expr, required) in &method.request_parameters {
                if !required {
                    continue;
                }
                if let Ok(src) = parse_source(expr) {
                    let name = expr.rsplit('.').next().unwrap_or_default().to_string();
                    out.required.push((src, name));
                }
            }
        }
        if v.validate_request_body {
            out.bodies = method
                .request_models
                .iter()
                .filter(|(_, model)| model.as_str() != "Empty")
                .map(|(ct, model)| (ct.to_ascii_lowercase(), schemas.get(model)))
                .collect();
        }
        out
    }

    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.bodies.is_empty()
    }

    /// Why a request model of this method cannot be used (for the deployment's problems).
    pub fn problems(&self) -> impl Iterator<Item = &str> {
        self.bodies
            .iter()
            .filter_map(|(_, s)| s.as_ref().err().map(String::as_str))
    }

    /// Checks a request; `content_type` is its media type.
    pub fn check(&self, inputs: &Inputs<'_>, content_type: &str) -> Result<(), GatewayError> {
        let missing: Vec<&str> = self
            .required
            .iter()
            .filter(|(src, _)| src.resolve(inputs).is_empty())
            .map(|(_, name)| name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(GatewayError::new(
                Kind::BadRequestParameters,
                Origin::Client,
                format!(
                    "Missing required request parameters: [{}]",
                    missing.join(", ")
                ),
            ));
        }
        // The model of the request's content type, else the `$default` one.
        let model = self
            .bodies
            .iter()
            .find(|(ct, _)| ct == content_type)
            .or_else(|| self.bodies.iter().find(|(ct, _)| ct == "$default"));
        let Some((_, schema)) = model else {
            return Ok(());
        };
        let schema = schema
            .as_ref()
            .map_err(|why| GatewayError::internal(format!("request model: {why}")))?;
        let invalid =
            || GatewayError::new(Kind::BadRequestBody, Origin::Client, "Invalid request body");
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(inputs.body) else {
            return Err(invalid());
        };
        schema.validate(&body).map_err(|messages| {
            let text = format!("[{}]", messages.join(", "));
            invalid()
                .with_detail(text.clone())
                .with_validation_error(text)
        })
    }
}
