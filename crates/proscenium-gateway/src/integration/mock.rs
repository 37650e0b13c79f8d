//! MOCK integrations: the request template names a status code (`{"statusCode": 200}`),
//! which selects the integration response; no backend is called.

use http::HeaderMap;

use crate::compile::MockIntegration;
use crate::context::RequestCtx;
use crate::error::GatewayError;
use crate::responses::MethodResponse;

pub fn invoke(ctx: &RequestCtx, i: &MockIntegration) -> Result<MethodResponse, GatewayError> {
    let (rendered, _) = super::request_body(&i.request, ctx)?;
    let status = parse_status_code(&String::from_utf8_lossy(&rendered)).ok_or_else(|| {
        GatewayError::internal(
            "Unable to parse statusCode. It should be an integer that is defined in the request template.",
        )
    })?;
    let selected = i.responses.select(&status.to_string()).ok_or_else(|| {
        GatewayError::internal(
            "No match for output mapping and no default output mapping configured",
        )
    })?;
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
            let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
            return digits.parse().ok().filter(|c| (100..=599).contains(c));
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
