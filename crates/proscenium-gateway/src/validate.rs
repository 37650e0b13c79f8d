//! Request validation (a method's request validator): required request parameters, and a
//! JSON body where a request model applies. Compiled with the deployment, checked per request.
//!
//! JSON Schema validation of the body against the model is not implemented yet: a body is
//! only required to be JSON.

use std::collections::BTreeMap;

use proscenium_model::{Method, RequestValidator};

use crate::error::{GatewayError, Kind, Origin};
use crate::params::{Inputs, Resolve, Source, parse_source};

/// What a method's validator checks.
#[derive(Debug, Default)]
pub struct Validation {
    /// Required parameters: the source and the name AWS prints.
    pub required: Vec<(Source, String)>,
    /// Content types whose body must be JSON (a model other than `Empty` applies).
    pub json_bodies: Vec<String>,
}

impl Validation {
    pub fn compile(method: &Method, validators: &BTreeMap<String, RequestValidator>) -> Validation {
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
            out.json_bodies = method
                .request_models
                .iter()
                .filter(|(_, model)| model.as_str() != "Empty")
                .map(|(ct, _)| ct.to_ascii_lowercase())
                .collect();
        }
        out
    }

    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.json_bodies.is_empty()
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
        if self.json_bodies.iter().any(|ct| ct == content_type)
            && serde_json::from_slice::<serde_json::Value>(inputs.body).is_err()
        {
            return Err(GatewayError::new(
                Kind::BadRequestBody,
                Origin::Client,
                "Invalid request body",
            ));
        }
        Ok(())
    }
}
