//! Rendering a `GatewayError` as the client sees it: the one error-to-HTTP mapping of the
//! data plane. Uses the deployed API's gateway responses (via `proscenium_model::
//! gateway_response::effective`) when there is a deployment, AWS's defaults otherwise.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use proscenium_model::GatewayResponse;
use proscenium_model::gateway_response::{GatewayResponseType, effective, lookup_type};

use crate::error::{GatewayError, Kind};
use crate::mapping;
use crate::params::{Inputs, Resolve, parse_header_target, parse_source};

/// Status, headers and body of a gateway response.
pub struct Rendered {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The mapped headers' names as the gateway response spells them.
    pub names: Option<crate::header_case::NameCase>,
}

/// Renders `err`. `custom` is the deployed API's gateway responses (None: unknown API or stage);
/// `inputs` lets customised header mappings read the request and `$context`.
pub fn render(
    err: &GatewayError,
    custom: Option<&BTreeMap<String, GatewayResponse>>,
    inputs: &Inputs<'_>,
) -> Rendered {
    let fallback_status = err.status.unwrap_or_else(|| err.kind.default_status());
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(err.error_type.unwrap_or(err.kind.error_type())) {
        headers.insert(HeaderName::from_static("x-amzn-errortype"), v);
    }
    let (Some(custom), false) = (custom, err.kind == Kind::Forbidden) else {
        return Rendered {
            status: status(fallback_status),
            headers,
            body: default_body(err),
            names: None,
        };
    };
    let ty = lookup_type(err.kind.name()).unwrap_or(GatewayResponseType {
        name: err.kind.name(),
        default_status: Some(err.kind.default_status()),
    });
    let gr = effective(ty, custom);
    // The effective status (the type's own customisation, a class default's, or AWS's), except
    // that an error carrying its own status (a 502) keeps it unless its type is customised.
    let code = gr
        .status_code
        .as_deref()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| err.status.is_none() || custom.contains_key(err.kind.name()))
        .unwrap_or(fallback_status);
    for (key, expr) in &gr.response_parameters {
        let (Ok(name), Ok(src)) = (
            parse_header_target(key, "gatewayresponse.header."),
            parse_source(expr),
        ) else {
            continue;
        };
        if let Some(v) = src
            .resolve(inputs)
            .pop()
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(name, v);
        }
    }
    let template = gr
        .response_templates
        .get("application/json")
        .or_else(|| gr.response_templates.values().next());
    let body = match template {
        Some(t)
            if gr.default_response && t == proscenium_model::gateway_response::DEFAULT_TEMPLATE =>
        {
            default_body(err)
        }
        Some(t) => render_template(t, err, inputs),
        None => default_body(err),
    };
    let names = crate::header_case::NameCase::of(
        gr.response_parameters
            .keys()
            .filter_map(|k| k.strip_prefix("gatewayresponse.header.")),
    );
    Rendered {
        status: status(code),
        headers,
        body,
        names,
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// AWS's default body for the error.
fn default_body(err: &GatewayError) -> Bytes {
    if err.kind.null_message() {
        return Bytes::from_static(b"{\"message\": null}");
    }
    let key = if err.capital_message {
        "Message"
    } else {
        "message"
    };
    let quoted = serde_json::Value::String(err.message.clone()).to_string();
    let sep = if err.kind.spaced_body() { " " } else { "" };
    Bytes::from(format!("{{\"{key}\":{sep}{quoted}}}"))
}

fn render_template(text: &str, err: &GatewayError, inputs: &Inputs<'_>) -> Bytes {
    let ctx = |name: &str| match name {
        "error.messageString" => Some(serde_json::Value::String(err.message.clone()).to_string()),
        "error.message" => Some(err.message.clone()),
        "error.responseType" => Some(err.kind.name().to_string()),
        "error.validationErrorString" => err.validation_error.clone(),
        other => (inputs.context)(other),
    };
    let input = mapping::TemplateInput {
        body: inputs.body,
        params: inputs,
        context: &ctx,
        stage_variables: inputs.stage_variables,
    };
    match mapping::compile(text).and_then(|t| mapping::render(&t, &input)) {
        Ok(s) => Bytes::from(s),
        Err(_) => default_body(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proscenium_model::StringMap;

    fn inputs_and_render(
        err: &GatewayError,
        custom: Option<&BTreeMap<String, GatewayResponse>>,
    ) -> Rendered {
        let headers = HeaderMap::new();
        let vars = crate::compile::Variables::default();
        let ctx = |n: &str| (n == "requestId").then(|| "rid".to_string());
        let inputs = Inputs {
            path: &[],
            query: &[],
            headers: &headers,
            body: b"",
            stage_variables: &vars,
            context: &ctx,
            response: None,
            raw_head: None,
        };
        render(err, custom, &inputs)
    }

    #[test]
    fn defaults() {
        let r = inputs_and_render(&GatewayError::missing_token(), Some(&BTreeMap::new()));
        assert_eq!(r.status, 403);
        assert_eq!(r.body, "{\"message\":\"Missing Authentication Token\"}");
        assert_eq!(
            r.headers["x-amzn-errortype"],
            "MissingAuthenticationTokenException"
        );
        let r = inputs_and_render(&GatewayError::timeout(), None);
        assert_eq!(r.status, 504);
        assert_eq!(r.body, "{\"message\": \"Endpoint request timed out\"}");
        let r = inputs_and_render(&GatewayError::bad_gateway("x"), None);
        assert_eq!(r.status, 502);
        let r = inputs_and_render(&GatewayError::forbidden(), None);
        assert_eq!(
            (r.status.as_u16(), &r.body[..]),
            (403, &b"{\"message\":\"Forbidden\"}"[..])
        );
    }

    #[test]
    fn customisations() {
        let mut params = StringMap::new();
        params.insert(
            "gatewayresponse.header.Access-Control-Allow-Origin".into(),
            "'*'".into(),
        );
        let mut templates = StringMap::new();
        templates.insert(
            "application/json".into(),
            "{\"error\":$context.error.messageString,\"id\":\"$context.requestId\"}".into(),
        );
        let mut custom = BTreeMap::new();
        custom.insert(
            "MISSING_AUTHENTICATION_TOKEN".to_string(),
            GatewayResponse {
                response_type: "MISSING_AUTHENTICATION_TOKEN".into(),
                status_code: Some("404".into()),
                response_parameters: params.clone(),
                response_templates: templates,
                default_response: false,
            },
        );
        custom.insert(
            "DEFAULT_5XX".to_string(),
            GatewayResponse {
                response_type: "DEFAULT_5XX".into(),
                status_code: None,
                response_parameters: params,
                response_templates: StringMap::new(),
                default_response: false,
            },
        );
        let r = inputs_and_render(&GatewayError::missing_token(), Some(&custom));
        assert_eq!(r.status, 404);
        assert_eq!(r.headers["access-control-allow-origin"], "*");
        assert_eq!(
            r.body,
            "{\"error\":\"Missing Authentication Token\",\"id\":\"rid\"}"
        );
        let r = inputs_and_render(&GatewayError::timeout(), Some(&custom));
        assert_eq!(r.status, 504);
        assert_eq!(r.headers["access-control-allow-origin"], "*");
    }
}
