//! Binary payloads: the API's `binaryMediaTypes` and an integration's (or integration
//! response's) `contentHandling`, applied as API Gateway's "content type conversions" tables
//! say for non-proxy integrations.
//!
//! Request: the method request payload is binary when its `Content-Type` matches a binary
//! media type; `CONVERT_TO_TEXT` base64-encodes a binary payload, `CONVERT_TO_BINARY`
//! base64-decodes a text one, unset passes either as it is. Response: the integration's
//! payload is binary when its `Content-Type` matches; with `contentHandling` unset, the first
//! media type of the client's `Accept` decides (a binary `Accept` base64-decodes text, a text
//! `Accept` base64-encodes binary); `CONVERT_TO_TEXT`/`CONVERT_TO_BINARY` convert regardless.
//!
//! Pure: no I/O.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ContentHandling {
    /// `contentHandling` unset: pass through.
    #[default]
    Passthrough,
    ConvertToText,
    ConvertToBinary,
}

impl ContentHandling {
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("CONVERT_TO_TEXT") => ContentHandling::ConvertToText,
            Some("CONVERT_TO_BINARY") => ContentHandling::ConvertToBinary,
            _ => ContentHandling::Passthrough,
        }
    }
}

/// A payload after conversion, and whether it is binary (binary payloads are never given to
/// mapping templates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub bytes: Bytes,
    pub binary: bool,
}

/// Whether a binary media type pattern (`image/png`, `image/*`, `*/*`) covers `media_type`
/// (lowercase, without parameters).
pub fn media_type_matches(pattern: &str, media_type: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    pattern == "*/*"
        || pattern == media_type
        || pattern
            .strip_suffix("/*")
            .is_some_and(|major| media_type.split('/').next() == Some(major))
}

/// The media type of a `Content-Type` value: lowercase, parameters dropped; `None` if empty.
pub fn media_type(header: &str) -> Option<String> {
    let t = header.split(';').next()?.trim().to_ascii_lowercase();
    (!t.is_empty()).then_some(t)
}

/// Whether `media_type` is one of the API's binary media types.
pub fn is_binary(binary_media_types: &[String], media_type: &str) -> bool {
    binary_media_types
        .iter()
        .any(|t| media_type_matches(t, media_type))
}

/// Whether the first media type of an `Accept` header is a binary one (API Gateway looks at
/// the first only).
pub fn accepts_binary(binary_media_types: &[String], accept: Option<&str>) -> bool {
    accept
        .and_then(|a| a.split(',').next())
        .and_then(media_type)
        .is_some_and(|t| is_binary(binary_media_types, &t))
}

fn encode(b: &[u8]) -> Bytes {
    Bytes::from(STANDARD.encode(b))
}

fn decode(b: &[u8]) -> Result<Bytes, String> {
    let trimmed = b.trim_ascii();
    STANDARD
        .decode(trimmed)
        .map(Bytes::from)
        .map_err(|e| format!("Unable to transform the payload: it is not base64 ({e})"))
}

/// The integration request payload for a method request payload.
pub fn convert_request(
    body: &Bytes,
    binary: bool,
    handling: ContentHandling,
) -> Result<Payload, String> {
    Ok(match (handling, binary) {
        (ContentHandling::ConvertToText, true) => Payload {
            bytes: encode(body),
            binary: false,
        },
        (ContentHandling::ConvertToBinary, false) => Payload {
            bytes: decode(body)?,
            binary: true,
        },
        _ => Payload {
            bytes: body.clone(),
            binary,
        },
    })
}

/// The method response payload for an integration response payload.
pub fn convert_response(
    body: &Bytes,
    binary: bool,
    accept_binary: bool,
    handling: ContentHandling,
) -> Result<Payload, String> {
    let to_binary = match handling {
        ContentHandling::ConvertToText => false,
        ContentHandling::ConvertToBinary => true,
        ContentHandling::Passthrough => accept_binary,
    };
    Ok(match (binary, to_binary) {
        (false, true) => Payload {
            bytes: decode(body)?,
            binary: true,
        },
        (true, false) => Payload {
            bytes: encode(body),
            binary: false,
        },
        _ => Payload {
            bytes: body.clone(),
            binary,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::ContentHandling::{ConvertToBinary as Bin, ConvertToText as Text, Passthrough};
    use super::*;

    const RAW: &[u8] = b"\x89PNG\r\n\x00\xff";
    const B64: &str = "iVBORw0KAP8=";

    fn p(bytes: &[u8], binary: bool) -> Payload {
        Payload {
            bytes: Bytes::copy_from_slice(bytes),
            binary,
        }
    }

    #[test]
    fn request_table() {
        let text = Bytes::from_static(b"{\"a\": 1}");
        let b64 = Bytes::from_static(B64.as_bytes());
        let raw = Bytes::from_static(RAW);
        // Text data: unset and CONVERT_TO_TEXT keep it; CONVERT_TO_BINARY decodes it.
        assert_eq!(
            convert_request(&text, false, Passthrough),
            Ok(p(&text, false))
        );
        assert_eq!(convert_request(&text, false, Text), Ok(p(&text, false)));
        assert_eq!(convert_request(&b64, false, Bin), Ok(p(RAW, true)));
        assert!(convert_request(&text, false, Bin).is_err());
        // Binary data: unset and CONVERT_TO_BINARY keep it; CONVERT_TO_TEXT encodes it.
        assert_eq!(convert_request(&raw, true, Passthrough), Ok(p(RAW, true)));
        assert_eq!(convert_request(&raw, true, Bin), Ok(p(RAW, true)));
        assert_eq!(
            convert_request(&raw, true, Text),
            Ok(p(B64.as_bytes(), false))
        );
    }

    #[test]
    fn response_table() {
        let text = Bytes::from_static(b"hello");
        let b64 = Bytes::from_static(B64.as_bytes());
        let raw = Bytes::from_static(RAW);
        // Text payload, text Accept (or no binary media types at all).
        assert_eq!(
            convert_response(&text, false, false, Passthrough),
            Ok(p(b"hello", false))
        );
        assert_eq!(convert_response(&b64, false, false, Bin), Ok(p(RAW, true)));
        assert_eq!(
            convert_response(&text, false, false, Text),
            Ok(p(b"hello", false))
        );
        // Text payload, binary Accept.
        assert_eq!(
            convert_response(&b64, false, true, Passthrough),
            Ok(p(RAW, true))
        );
        assert_eq!(convert_response(&b64, false, true, Bin), Ok(p(RAW, true)));
        assert_eq!(
            convert_response(&text, false, true, Text),
            Ok(p(b"hello", false))
        );
        // Binary payload, text Accept.
        assert_eq!(
            convert_response(&raw, true, false, Passthrough),
            Ok(p(B64.as_bytes(), false))
        );
        assert_eq!(convert_response(&raw, true, false, Bin), Ok(p(RAW, true)));
        assert_eq!(
            convert_response(&raw, true, false, Text),
            Ok(p(B64.as_bytes(), false))
        );
        // Binary payload, binary Accept.
        assert_eq!(
            convert_response(&raw, true, true, Passthrough),
            Ok(p(RAW, true))
        );
        assert_eq!(convert_response(&raw, true, true, Bin), Ok(p(RAW, true)));
        assert_eq!(
            convert_response(&raw, true, true, Text),
            Ok(p(B64.as_bytes(), false))
        );
        // Text that is not base64 cannot become binary.
        assert!(convert_response(&Bytes::from_static(b"{}"), false, true, Passthrough).is_err());
    }

    #[test]
    fn media_types_and_the_first_accept() {
        let types = vec!["image/png".to_string(), "application/*".to_string()];
        assert!(is_binary(&types, "image/png"));
        assert!(is_binary(&types, "application/octet-stream"));
        assert!(!is_binary(&types, "text/plain"));
        assert!(!is_binary(&[], "image/png"));
        assert!(is_binary(&["*/*".into()], "text/plain"));
        assert!(accepts_binary(&types, Some("image/png; q=1, text/html")));
        assert!(!accepts_binary(&types, Some("text/html, image/png")));
        assert!(
            !accepts_binary(&types, Some("*/*")),
            "a wildcard Accept names no binary type"
        );
        assert!(!accepts_binary(&types, None));
        assert_eq!(media_type(" Image/PNG ; x=1").as_deref(), Some("image/png"));
        assert_eq!(ContentHandling::parse(Some("CONVERT_TO_TEXT")), Text);
        assert_eq!(ContentHandling::parse(None), Passthrough);
    }
}
