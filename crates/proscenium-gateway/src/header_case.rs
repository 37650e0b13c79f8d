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
//! integration or the configuration named them ([`NameCase`]: a Lambda proxy's `tesT-Multi`,
//! a `method.response.header.X-Who` mapping), else lower case. HTTP/2 names are lower case by
//! the protocol.
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
    has_upper(name) && aws_own(name.to_ascii_lowercase().as_bytes()).is_none()
}

/// [`needs`] when the lower-case name is at hand already (`lower`, as `HeaderName` keeps it).
pub fn needs_spelling(name: &str, lower: &[u8]) -> bool {
    has_upper(name) && aws_own(lower).is_none()
}

fn has_upper(name: &str) -> bool {
    name.bytes().any(|b| b.is_ascii_uppercase())
}

/// The names API Gateway sets on its answers, in its case (`lower` is a lower-case name):
/// its own headers, and the names it gives the integration's headers it renames
/// (`responses.rs`), spelled as AWS answers them.
pub fn aws_own(lower: &[u8]) -> Option<&'static [u8]> {
    let own: &'static [u8] = match lower {
        b"date" => b"Date",
        b"connection" => b"Connection",
        b"content-type" => b"Content-Type",
        b"content-length" => b"Content-Length",
        b"x-amz-apigw-id" => b"x-amz-apigw-id",
        b"x-amzn-trace-id" => b"X-Amzn-Trace-Id",
        b"x-amzn-requestid" => b"x-amzn-RequestId",
        b"x-amzn-errortype" => b"x-amzn-ErrorType",
        _ if lower.len() > 16 && lower.starts_with(b"x-amzn-remapped-") => remapped(lower)?,
        _ => return None,
    };
    Some(own)
}

/// `x-amzn-remapped-…` for the names `responses.rs` renames.
fn remapped(lower: &[u8]) -> Option<&'static [u8]> {
    Some(match &lower[16..] {
        b"authorization" => b"x-amzn-Remapped-Authorization",
        b"connection" => b"x-amzn-Remapped-Connection",
        b"content-length" => b"x-amzn-Remapped-Content-Length",
        b"content-md5" => b"x-amzn-Remapped-Content-MD5",
        b"date" => b"x-amzn-Remapped-Date",
        b"expect" => b"x-amzn-Remapped-Expect",
        b"host" => b"x-amzn-Remapped-Host",
        b"max-forwards" => b"x-amzn-Remapped-Max-Forwards",
        b"proxy-authenticate" => b"x-amzn-Remapped-Proxy-Authenticate",
        b"server" => b"x-amzn-Remapped-Server",
        b"trailer" => b"x-amzn-Remapped-Trailer",
        b"upgrade" => b"x-amzn-Remapped-Upgrade",
        b"user-agent" => b"x-amzn-Remapped-User-Agent",
        b"www-authenticate" => b"x-amzn-Remapped-WWW-Authenticate",
        b"x-amzn-requestid" => b"x-amzn-Remapped-x-amzn-RequestId",
        b"x-amzn-errortype" => b"x-amzn-Remapped-x-amzn-ErrorType",
        b"x-amz-apigw-id" => b"x-amzn-Remapped-x-amz-apigw-id",
        _ => return None,
    })
}

/// Writes an answer's header name (`lower`, as `HeaderMap` keeps it) in the case API
/// Gateway gives it: its own names in its case, others as `given` spells them, else as
/// they are (another `x-amzn-remapped-` name in title case).
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

/// `content-md5` → `Content-Md5` (copied whole, then the first letter of each part raised).
fn title_case(out: &mut Vec<u8>, lower: &[u8]) {
    let at = out.len();
    out.extend_from_slice(lower);
    let written = &mut out[at..];
    if let Some(first) = written.first_mut() {
        first.make_ascii_uppercase();
    }
    for i in 1..written.len() {
        if written[i - 1] == b'-' {
            written[i].make_ascii_uppercase();
        }
    }
}

/// The name of the header line whose value is `value`, as the client wrote it, when `value`
/// is a slice of `head` (the server builds header values as slices of the head it parsed)
/// and that name is `lower` but for case: found from the value back over the spaces and the
/// colon before it (a request head has no space between a name and its colon), not by a
/// scan of the line.
pub fn given_name<'h>(head: &'h [u8], lower: &[u8], value: &[u8]) -> Option<&'h [u8]> {
    let base = head.as_ptr() as usize;
    let at = value.as_ptr() as usize;
    if value.is_empty() || at < base || at + value.len() > base + head.len() {
        return None;
    }
    let before = &head[..at - base];
    let colon = before.iter().rposition(|b| !matches!(b, b' ' | b'\t'))?;
    if before[colon] != b':' {
        return None;
    }
    let start = colon.checked_sub(lower.len())?;
    let name = &before[start..colon];
    // The whole name, at its line's start.
    let at_line_start = start == 0 || before[start - 1] == b'\n';
    // `lower` is lowercase already: only the name's bytes are folded.
    let same = name
        .iter()
        .zip(lower)
        .all(|(n, l)| n.to_ascii_lowercase() == *l);
    (at_line_start && same).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_before_a_value_in_the_head() {
        let head: &[u8] = b"GET / HTTP/1.1\r\nX-Mixed-Case: v1\r\nHost:h\r\nA-B:\t w\r\n\r\n";
        let v1 = &head[30..32];
        assert_eq!(v1, b"v1");
        assert_eq!(
            given_name(head, b"x-mixed-case", v1),
            Some(&b"X-Mixed-Case"[..])
        );
        let h = &head[39..40];
        assert_eq!(h, b"h");
        assert_eq!(given_name(head, b"host", h), Some(&b"Host"[..]));
        let w = &head[48..49];
        assert_eq!(w, b"w");
        assert_eq!(given_name(head, b"a-b", w), Some(&b"A-B"[..]));
        // Another name, a name's tail, a value from elsewhere, an empty value: none.
        assert_eq!(given_name(head, b"hast", h), None);
        assert_eq!(given_name(head, b"b", w), None);
        assert_eq!(given_name(head, b"mixed-case", v1), None);
        assert_eq!(given_name(head, b"x", b"elsewhere"), None);
        assert_eq!(given_name(head, b"", &head[0..0]), None);
        // A value in the request line (not after a colon).
        assert_eq!(given_name(head, b"get", &head[4..5]), None);
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
                "x-amzn-Remapped-WWW-Authenticate",
            ),
            ("x-amzn-remapped-server", "x-amzn-Remapped-Server"),
            (
                "x-amzn-remapped-x-amzn-requestid",
                "x-amzn-Remapped-x-amzn-RequestId",
            ),
            ("x-amzn-remapped-foo-bar", "x-amzn-Remapped-Foo-Bar"),
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
            written("x-amzn-remapped-x-foo", Some(&given)),
            "x-amzn-Remapped-X-Foo"
        );
        // API Gateway's own names keep its case whatever the integration wrote.
        assert!(NameCase::of(["CONTENT-TYPE"].into_iter()).is_none());
        let lambda = NameCase(vec![Box::from("CONTENT-TYPE")].into());
        assert_eq!(written("content-type", Some(&lambda)), "Content-Type");
        assert!(NameCase::of(["a", "b-c"].into_iter()).is_none());
    }
}
