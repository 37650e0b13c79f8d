//! Integration responses: selection by `selectionPattern` and the method response they build
//! (status, `responseParameters` headers, response templates).
//!
//! Pure. AWS's rule: a pattern must match the whole subject (the backend status code for
//! HTTP and MOCK, the error message for Lambda); the response without a pattern is the default.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use proscenium_model::IntegrationResponse;
use regex::{Regex, RegexBuilder};

use crate::binary::ContentHandling;
use crate::mapping::{self, Template, TemplateInput};
use crate::params::{Inputs, Source, parse_header_target, parse_source};

#[derive(Debug)]
pub struct CompiledResponse {
    pub status: StatusCode,
    pub pattern: Option<Regex>,
    pub params: Vec<(HeaderName, Source)>,
    pub templates: Vec<(String, Template)>,
    /// `contentHandling` of the integration response.
    pub content_handling: ContentHandling,
}

#[derive(Debug, Default)]
pub struct Responses {
    pub list: Vec<CompiledResponse>,
}

/// Compiles a method's integration responses (keyed by status code).
pub fn compile(all: &BTreeMap<String, IntegrationResponse>) -> Result<Responses, String> {
    let mut list = Vec::new();
    for (code, r) in all {
        let status = Some(code.as_str())
            .filter(|c| proscenium_model::method::is_valid_status_code(c))
            .and_then(|c| c.parse::<u16>().ok())
            .and_then(|c| StatusCode::from_u16(c).ok())
            .ok_or_else(|| format!("invalid integration response status {code}"))?;
        let pattern = match r.selection_pattern.as_deref() {
            None | Some("") => None,
            Some(p) => Some(
                RegexBuilder::new(&format!("^(?:{p})$"))
                    .size_limit(1 << 20)
                    .dot_matches_new_line(false)
                    .build()
                    .map_err(|e| format!("invalid selectionPattern {p:?}: {e}"))?,
            ),
        };
        let mut params = Vec::new();
        for (target, source) in &r.response_parameters {
            let name = parse_header_target(target, "method.response.header.")
                .map_err(|e| e.to_string())?;
            params.push((name, parse_source(source).map_err(|e| e.to_string())?));
        }
        let mut templates = Vec::new();
        for (content_type, text) in &r.response_templates {
            templates.push((
                content_type.clone(),
                mapping::compile(text).map_err(|e| e.to_string())?,
            ));
        }
        list.push(CompiledResponse {
            status,
            pattern,
            params,
            templates,
            content_handling: ContentHandling::parse(r.content_handling.as_deref()),
        });
    }
    Ok(Responses { list })
}

impl Responses {
    /// The response without a selection pattern.
    pub fn default_response(&self) -> Option<&CompiledResponse> {
        self.list.iter().find(|r| r.pattern.is_none())
    }

    /// The response whose pattern matches `subject`, else the default one.
    pub fn select(&self, subject: &str) -> Option<&CompiledResponse> {
        self.list
            .iter()
            .find(|r| r.pattern.as_ref().is_some_and(|p| p.is_match(subject)))
            .or_else(|| self.default_response())
    }
}

/// A method response ready to send.
pub struct MethodResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Builds the method response from the selected integration response. `inputs.response`
/// holds the integration's headers and body; without a template, the body passes through.
pub fn method_response(
    r: &CompiledResponse,
    inputs: &Inputs<'_>,
    body: &[u8],
) -> Result<MethodResponse, mapping::MappingError> {
    method_response_with(r, inputs, body, true)
}

/// [`method_response`]; without `templates` the body passes through untransformed (a binary
/// payload is never given to a mapping template).
pub fn method_response_with(
    r: &CompiledResponse,
    inputs: &Inputs<'_>,
    body: &[u8],
    templates: bool,
) -> Result<MethodResponse, mapping::MappingError> {
    let mut headers = HeaderMap::new();
    let mut overrides = proscenium_vtl::ResponseOverride::default();
    let template = if templates {
        pick_template(&r.templates)
    } else {
        None
    };
    let body = match template {
        Some((content_type, t)) => {
            if let Ok(v) = HeaderValue::from_str(content_type) {
                headers.insert(http::header::CONTENT_TYPE, v);
            }
            let input = TemplateInput {
                body,
                params: inputs,
                context: inputs.context,
                stage_variables: inputs.stage_variables,
            };
            let rendered = mapping::render_with_overrides(t, &input)?;
            overrides = rendered.response_override;
            Bytes::from(rendered.output)
        }
        None => {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Bytes::copy_from_slice(body)
        }
    };
    for (name, source) in &r.params {
        if let Some(v) = source
            .resolve(inputs)
            .pop()
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(outgoing_name(name), v);
        }
    }
    // `$context.responseOverride` wins over the integration response's settings.
    for (name, value) in &overrides.header {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(outgoing_name(&n), v);
        }
    }
    let status = overrides
        .status_code()
        .and_then(|c| StatusCode::from_u16(c).ok())
        .unwrap_or(r.status);
    Ok(MethodResponse {
        status,
        headers,
        body,
    })
}

/// Headers AWS never lets an integration set: they are renamed `x-amzn-Remapped-{name}`.
const REMAPPED: &[&str] = &[
    "authorization",
    "connection",
    "content-length",
    "content-md5",
    "date",
    "expect",
    "host",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "trailer",
    "upgrade",
    "user-agent",
    "www-authenticate",
    "x-amzn-requestid",
    "x-amzn-errortype",
    "x-amz-apigw-id",
];

/// The name an integration-provided header is sent under.
pub fn outgoing_name(name: &HeaderName) -> HeaderName {
    if REMAPPED.contains(&name.as_str())
        && let Ok(h) = HeaderName::from_bytes(format!("x-amzn-remapped-{name}").as_bytes())
    {
        return h;
    }
    name.clone()
}

/// `application/json` first (AWS's default content type), else the first template.
fn pick_template(templates: &[(String, Template)]) -> Option<(&str, &Template)> {
    templates
        .iter()
        .find(|(ct, _)| ct.eq_ignore_ascii_case("application/json"))
        .or_else(|| templates.first())
        .map(|(ct, t)| (ct.as_str(), t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(pattern: Option<&str>) -> IntegrationResponse {
        IntegrationResponse {
            status_code: String::new(),
            selection_pattern: pattern.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn selection_is_full_match_with_default() {
        let mut all = BTreeMap::new();
        all.insert("200".to_string(), resp(None));
        all.insert("400".to_string(), resp(Some("4\\d{2}")));
        all.insert("500".to_string(), resp(Some("5.*")));
        let r = compile(&all).unwrap();
        assert_eq!(r.select("404").unwrap().status, 400);
        assert_eq!(r.select("503").unwrap().status, 500);
        assert_eq!(r.select("201").unwrap().status, 200);
        assert_eq!(r.select("4000").unwrap().status, 200);
        let mut none = BTreeMap::new();
        none.insert("400".to_string(), resp(Some("4\\d{2}")));
        assert!(compile(&none).unwrap().select("200").is_none());
    }

    #[test]
    fn bad_patterns_fail_at_compile_time() {
        let mut all = BTreeMap::new();
        all.insert("200".to_string(), resp(Some("(")));
        assert!(compile(&all).is_err());
        let mut all = BTreeMap::new();
        all.insert("999".to_string(), resp(None));
        assert!(compile(&all).is_err());
    }
}
