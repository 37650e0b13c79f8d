//! Header names in the case API Gateway writes them. `http::HeaderMap` keeps names in lower
//! case.
//!
//! Requests: API Gateway shows names as received (HTTP/1.1) in the Lambda proxy event, the
//! REQUEST authorizer event, `$input.params().header` and the headers HTTP_PROXY backends
//! receive. The server hands the gateway the request head it parsed (shared, no copy), and
//! the header values in the map are slices of that head: a value's name is found by looking
//! back from the value to its line's start.
//!
//! Answers (HTTP/1.1): the headers API Gateway sets itself in its own case (`Content-Type`,
//! `Content-Length`, `Date`, `Connection`, `x-amzn-RequestId`, `x-amz-apigw-id`,
//! `X-Amzn-Trace-Id`, `x-amzn-ErrorType`, `x-amzn-Remapped-…`), the others as the
//! integration named them ([`NameCase`], e.g. a Lambda proxy's `tesT-Multi`), else lower
//! case. HTTP/2 names are lower case by the protocol.
//!
//! Pure.

use std::sync::Arc;

/// The names an answer's headers were given, where they differ from lower case: carried
/// in the response's extensions to the HTTP/1.1 writer.
/// Shared: a compiled method response's names go on each of its answers.
#[derive(Clone, Debug, Default)]
pub struct NameCase(pub Arc<[Box<str>]>);

impl NameCase {
    /// The names among `names` the writer needs (`None`: none): those not all lower case,
    /// other than the ones API Gateway writes in its own case.
    pub fn of<'a>(names: impl Iterator<Item = &'a str>) -> Option<NameCase> {
        let cased: Vec<Box<str>> = names.filter(|n| needs(n)).map(Box::from).collect();
        (!cased.is_empty()).then(|| NameCase(cased.into()))
    }

    /// The name given for `lower` (a lower-case name), if any.
    pub fn get(&self, lower: &[u8]) -> Option<&str> {
        self.0
            .iter()
            .find(|n| n.len() == lower.len() && n.as_bytes().eq_ignore_ascii_case(lower))
            .map(|n| &**n)
    }
}

/// Whether the writer needs `name`'s spelling: it is not all lower case and not one of API
/// Gateway's own names.
pub fn needs(name: &str) -> bool {
    name.bytes().any(|b| b.is_ascii_uppercase())
        && aws_own(name.to_ascii_lowercase().as_bytes()).is_none()
}

/// The names API Gateway sets on its answers, in its case (`lower` is a lower-case name).
pub fn aws_own(lower: &[u8]) -> Option<&'static [u8]> {
    // By length first: most names are rejected without comparing their text.
    Some(match lower.len() {
        4 if lower == b"date" => b"Date",
        10 if lower == b"connection" => b"Connection",
        12 if lower == b"content-type" => b"Content-Type",
        14 if lower == b"content-length" => b"Content-Length",
        14 if lower == b"x-amz-apigw-id" => b"x-amz-apigw-id",
        15 if lower == b"x-amzn-trace-id" => b"X-Amzn-Trace-Id",
        16 if lower == b"x-amzn-requestid" => b"x-amzn-RequestId",
        16 if lower == b"x-amzn-errortype" => b"x-amzn-ErrorType",
        _ => return None,
    })
}

/// Writes an answer's header name (`lower`, as `HeaderMap` keeps it) in the case API
/// Gateway gives it: its own names in its case, a renamed one as `x-amzn-Remapped-` and the
/// name in title case (or as given), others as `given` spells them, else as they are.
pub fn write_name(out: &mut Vec<u8>, lower: &[u8], given: Option<&NameCase>) {
    if let Some(own) = aws_own(lower) {
        out.extend_from_slice(own);
    } else if let Some(n) = given.and_then(|g| g.get(lower)) {
        out.extend_from_slice(n.as_bytes());
    } else if let Some(rest) = lower.strip_prefix(b"x-amzn-remapped-") {
        out.extend_from_slice(b"x-amzn-Remapped-");
        match given.and_then(|g| g.get(rest)) {
            Some(n) => out.extend_from_slice(n.as_bytes()),
            None => title_case(out, rest),
        }
    } else {
        out.extend_from_slice(lower);
    }
}

/// `content-md5` → `Content-Md5`.
fn title_case(out: &mut Vec<u8>, lower: &[u8]) {
    let mut start = true;
    for &b in lower {
        out.push(if start { b.to_ascii_uppercase() } else { b });
        start = b == b'-';
    }
}

/// The name of the header line whose value is `value`, when `value` is a slice of `head`
/// (the server builds header values as slices of the head it parsed): found by looking back
/// from the value to its line's start, without a scan of the whole head.
pub fn name_before<'h>(head: &'h [u8], value: &[u8]) -> Option<&'h [u8]> {
    let base = head.as_ptr() as usize;
    let at = value.as_ptr() as usize;
    if value.is_empty() || at < base || at + value.len() > base + head.len() {
        return None;
    }
    let off = at - base;
    let start = head[..off]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = &head[start..off];
    let colon = line.iter().position(|b| *b == b':')?;
    Some(line[..colon].trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_before_a_value_in_the_head() {
        let head: &[u8] = b"GET / HTTP/1.1\r\nX-Mixed-Case: v1\r\nHost:h\r\n\r\n";
        let v1 = &head[30..32];
        assert_eq!(v1, b"v1");
        assert_eq!(name_before(head, v1), Some(&b"X-Mixed-Case"[..]));
        let h = &head[39..40];
        assert_eq!(h, b"h");
        assert_eq!(name_before(head, h), Some(&b"Host"[..]));
        assert_eq!(name_before(head, b"elsewhere"), None);
        assert_eq!(name_before(head, &head[0..0]), None);
    }

    fn written(lower: &str, given: Option<&NameCase>) -> String {
        let mut out = Vec::new();
        write_name(&mut out, lower.as_bytes(), given);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn answer_names_in_the_case_api_gateway_writes_them() {
        for (lower, aws) in [
            ("content-type", "Content-Type"),
            ("content-length", "Content-Length"),
            ("date", "Date"),
            ("connection", "Connection"),
            ("x-amzn-requestid", "x-amzn-RequestId"),
            ("x-amz-apigw-id", "x-amz-apigw-id"),
            ("x-amzn-trace-id", "X-Amzn-Trace-Id"),
            ("x-amzn-errortype", "x-amzn-ErrorType"),
            ("x-custom", "x-custom"),
            (
                "x-amzn-remapped-content-length",
                "x-amzn-Remapped-Content-Length",
            ),
            (
                "x-amzn-remapped-www-authenticate",
                "x-amzn-Remapped-Www-Authenticate",
            ),
        ] {
            assert_eq!(written(lower, None), aws);
        }
        let given =
            NameCase::of(["tesT-Multi", "lower", "WWW-Authenticate", "content-type"].into_iter())
                .unwrap();
        assert_eq!(
            given.0.len(),
            2,
            "lower-case names and API Gateway's own are not kept"
        );
        assert_eq!(written("test-multi", Some(&given)), "tesT-Multi");
        assert_eq!(written("lower", Some(&given)), "lower");
        assert_eq!(
            written("x-amzn-remapped-www-authenticate", Some(&given)),
            "x-amzn-Remapped-WWW-Authenticate"
        );
        // API Gateway's own names keep its case whatever the integration wrote.
        assert!(NameCase::of(["CONTENT-TYPE"].into_iter()).is_none());
        let lambda = NameCase(vec![Box::from("CONTENT-TYPE")].into());
        assert_eq!(written("content-type", Some(&lambda)), "Content-Type");
        assert!(NameCase::of(["a", "b-c"].into_iter()).is_none());
    }
}
