//! MOCK integrations: the request template names a status code (`{"statusCode": 200}`),
//! which selects the integration response; no backend is called.

use http::HeaderMap;

use crate::binary::ContentHandling;
use crate::compile::MockIntegration;
use crate::context::RequestCtx;
use crate::error::GatewayError;
use crate::responses::MethodResponse;

pub fn invoke(ctx: &RequestCtx, i: &MockIntegration) -> Result<MethodResponse, GatewayError> {
    // A template that reads nothing (the usual `{"statusCode": 200}`) was read at compile
    // time; with binary media types or contentHandling the payload rules apply first.
    let plain = i.request.content_handling == ContentHandling::Passthrough
        && ctx
            .stage
            .as_deref()
            .is_none_or(|s| s.deployment.binary_media_types.is_empty());
    let fixed = plain
        .then(|| {
            let ct = super::content_type(ctx);
            let at = i.request.templates.iter().position(|(k, _)| *k == ct)?;
            i.static_status.get(at).copied().flatten()
        })
        .flatten();
    let status = match fixed {
        Some(parsed) => parsed,
        None => {
            let (rendered, _) = super::request_body(&i.request, ctx)?;
            parse_status_code(&String::from_utf8_lossy(&rendered))
        }
    };
    let status = status.ok_or_else(|| {
        GatewayError::internal(
            "Unable to parse statusCode. It should be an integer that is defined in the request template.",
        )
    })?;
    let digits = [
        b'0' + (status / 100) as u8,
        b'0' + (status / 10 % 10) as u8,
        b'0' + (status % 10) as u8,
    ];
    let subject = std::str::from_utf8(&digits).unwrap_or_default();
    let selected = i
        .responses
        .select(subject)
        .ok_or_else(GatewayError::no_output_mapping)?;
    super::respond(
        ctx,
        selected,
        &HeaderMap::new(),
        &bytes::Bytes::new(),
        false,
    )
}

/// Finds `statusCode` (quoted or not) followed by `:` and an integer (quoted or not).
pub fn parse_status_code(text: &str) -> Option<u16> {
    let mut rest = text;
    while let Some(i) = rest.find("statusCode") {
        let after = rest[i + "statusCode".len()..]
            .trim_start_matches(['"', '\''])
            .trim_start();
        if let Some(value) = after.strip_prefix(':') {
            let value = value.trim_start().trim_start_matches(['"', '\'']);
            let end = value
                .bytes()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(value.len());
            return value[..end]
                .parse()
                .ok()
                .filter(|c| (100..=599).contains(c));
        }
        rest = &rest[i + "statusCode".len()..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse_status_code;

    #[test]
    fn status_code_forms() {
        assert_eq!(parse_status_code("{\"statusCode\": 200}"), Some(200));
        assert_eq!(parse_status_code("{statusCode: 404}"), Some(404));
        assert_eq!(parse_status_code("{ \"statusCode\" : \"201\" }"), Some(201));
        assert_eq!(parse_status_code("{'statusCode':500, 'x': 1}"), Some(500));
        assert_eq!(parse_status_code("{\"statusCode\": \"abc\"}"), None);
        assert_eq!(parse_status_code("{\"statusCode\": 99999999999}"), None);
        assert_eq!(parse_status_code(""), None);
    }
}
