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
use crate::params::{Inputs, Resolve, Source, parse_header_target, parse_source};

#[derive(Debug)]
pub struct CompiledResponse {
    pub status: StatusCode,
    pub pattern: Option<Regex>,
    pub params: Vec<(HeaderName, Source)>,
    pub templates: Vec<(String, Template)>,
    /// The template used (`application/json` first, else the first) and its content type as
    /// a header value, chosen at compile time.
    picked: Option<(usize, Option<HeaderValue>)>,
    /// `contentHandling` of the integration response.
    pub content_handling: ContentHandling,
    /// The mapped headers' names as the method's integration response spells them.
    names: Option<crate::header_case::NameCase>,
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
        let picked =
            pick_template(&templates).map(|i| (i, HeaderValue::from_str(&templates[i].0).ok()));
        let names = crate::header_case::NameCase::of(
            r.response_parameters
                .keys()
                .filter_map(|t| t.strip_prefix("method.response.header.")),
        );
        list.push(CompiledResponse {
            status,
            pattern,
            params,
            templates,
            picked,
            content_handling: ContentHandling::parse(r.content_handling.as_deref()),
            names,
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
    /// More headers, as a plain-HTTP backend sent them (HTTP_PROXY): written out without
    /// going through `headers`, unless something needs them there ([`Self::materialize`]).
    pub raw: Option<crate::client::h1::RawHeaders>,
    /// The headers' names as the integration spelled them (a Lambda proxy's answer), for the
    /// HTTP/1.1 writer.
    pub names: Option<crate::header_case::NameCase>,
}

impl MethodResponse {
    /// Moves the raw headers into `headers`.
    pub fn materialize(&mut self) {
        if let Some(raw) = self.raw.take() {
            raw.append_to(&mut self.headers);
        }
    }

    /// Whether a header of that name is set, in `headers` or among the raw ones.
    pub fn has_header(&self, name: &http::HeaderName) -> bool {
        self.headers.contains_key(name) || self.raw.as_ref().is_some_and(|r| r.contains(name))
    }
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
    let mut headers = HeaderMap::with_capacity(4 + r.params.len());
    let mut overrides = proscenium_vtl::ResponseOverride::default();
    let picked = r
        .picked
        .as_ref()
        .filter(|_| templates)
        .map(|(i, ct)| (ct, &r.templates[*i].1));
    let body = match picked {
        Some((content_type, t)) => {
            if let Some(v) = content_type {
                headers.insert(http::header::CONTENT_TYPE, v.clone());
            }
            if let Some(fixed) = t.static_bytes() {
                fixed.clone()
            } else {
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
        raw: None,
        names: with_overridden_names(r.names.as_ref(), &overrides),
    })
}

/// The compiled names' spellings, with those of `$context.responseOverride.header` added
/// (a template's spelling wins for a name both set).
fn with_overridden_names(
    compiled: Option<&crate::header_case::NameCase>,
    overrides: &proscenium_vtl::ResponseOverride,
) -> Option<crate::header_case::NameCase> {
    if !overrides
        .header
        .iter()
        .any(|(n, _)| crate::header_case::needs(n))
    {
        return compiled.cloned();
    }
    let from_template = overrides.header.iter().map(|(n, _)| n.as_str());
    let kept = compiled.into_iter().flat_map(|c| c.0.iter()).map(|n| &**n);
    let unique: Vec<&str> = from_template.chain(kept).fold(Vec::new(), |mut all, n| {
        if !all.iter().any(|seen: &&str| seen.eq_ignore_ascii_case(n)) {
            all.push(n);
        }
        all
    });
    crate::header_case::NameCase::of(unique.into_iter())
}

/// The name an integration-provided header is sent under: headers AWS never lets an
/// integration set are renamed `x-amzn-Remapped-{name}`.
pub fn outgoing_name(name: &HeaderName) -> HeaderName {
    match remapped(name) {
        Some(r) => r,
        None => name.clone(),
    }
}

/// `name` as AWS renames it, if it does.
pub fn remapped(name: &HeaderName) -> Option<HeaderName> {
    remapped_lowercase(name.as_str().as_bytes())
}

/// `remapped_lowercase` and the table the tests read, from one list: a `match` on the name (no scan)
/// whose arms return constants (a name built at run time would be parsed again).
macro_rules! remaps {
    ($($from:literal => $to:literal,)*) => {
        /// A lowercase name (its bytes) as AWS renames it, if it does.
        pub fn remapped_lowercase(name: &[u8]) -> Option<HeaderName> {
            Some(match name {
                $($from => {
                    const TO: HeaderName = HeaderName::from_static($to);
                    TO
                })*
                _ => return None,
            })
        }

        /// The headers AWS renames, and their new names.
        #[cfg(test)]
        static REMAPPED: &[(&[u8], &str)] = &[$(($from, $to)),*];
    };
}

remaps! {
    b"authorization" => "x-amzn-remapped-authorization",
    b"connection" => "x-amzn-remapped-connection",
    b"content-length" => "x-amzn-remapped-content-length",
    b"content-md5" => "x-amzn-remapped-content-md5",
    b"date" => "x-amzn-remapped-date",
    b"expect" => "x-amzn-remapped-expect",
    b"host" => "x-amzn-remapped-host",
    b"max-forwards" => "x-amzn-remapped-max-forwards",
    b"proxy-authenticate" => "x-amzn-remapped-proxy-authenticate",
    b"server" => "x-amzn-remapped-server",
    b"trailer" => "x-amzn-remapped-trailer",
    b"upgrade" => "x-amzn-remapped-upgrade",
    b"user-agent" => "x-amzn-remapped-user-agent",
    b"www-authenticate" => "x-amzn-remapped-www-authenticate",
    b"x-amzn-requestid" => "x-amzn-remapped-x-amzn-requestid",
    b"x-amzn-errortype" => "x-amzn-remapped-x-amzn-errortype",
    b"x-amz-apigw-id" => "x-amzn-remapped-x-amz-apigw-id",
}

/// `application/json` first (AWS's default content type), else the first template.
fn pick_template(templates: &[(String, Template)]) -> Option<usize> {
    templates
        .iter()
        .position(|(ct, _)| ct.eq_ignore_ascii_case("application/json"))
        .or_else(|| (!templates.is_empty()).then_some(0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn remapped_names_match_their_table_rows() {
        for (bytes, to) in super::REMAPPED {
            // Listed lowercase (the form `remapped_lowercase` is given).
            let from = http::HeaderName::from_bytes(bytes).unwrap();
            assert_eq!(from.as_str().as_bytes(), *bytes);
            assert_eq!(super::remapped_lowercase(bytes).unwrap().as_str(), *to);
            assert_eq!(super::outgoing_name(&from).as_str(), *to);
            assert_eq!(*to, format!("x-amzn-remapped-{from}"));
            // Each has API Gateway's spelling for the answer (header_case.rs).
            let spelled = crate::header_case::aws_own(to.as_bytes()).expect("spelled");
            assert!(
                spelled.eq_ignore_ascii_case(to.as_bytes())
                    && spelled.starts_with(b"x-amzn-Remapped-")
            );
        }
        let kept = http::HeaderName::from_static("x-custom");
        assert_eq!(super::outgoing_name(&kept), kept);
    }

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
