//! Header names as the client wrote them. `http::HeaderMap` keeps names in lower case; API
//! Gateway shows them as received (HTTP/1.1) in the Lambda proxy event, in
//! `$input.params().header` and in the REQUEST authorizer event. The server hands the
//! request's head over as a [`RawHead`] extension (the bytes it parsed, shared, no copy), and
//! the names are read back from it only where they are shown. HTTP/2 names are lower case by
//! the protocol: no `RawHead`, nothing to restore.
//!
//! Pure.

use bytes::Bytes;

/// The request head as received (request line and header lines).
#[derive(Debug, Clone)]
pub struct RawHead(pub Bytes);

/// The header names of a raw head, in order, as written.
pub fn names(head: &[u8]) -> Vec<&str> {
    let mut out = Vec::new();
    // Skip the request line.
    let mut rest = match head.iter().position(|b| *b == b'\n') {
        Some(i) => &head[i + 1..],
        None => return out,
    };
    while !rest.is_empty() {
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let line = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or(&[]);
        if let Some(colon) = line.iter().position(|b| *b == b':')
            && let Ok(name) = std::str::from_utf8(&line[..colon])
        {
            let name = name.trim();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
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

/// How `lower` (a `HeaderName`'s text) was written: the first spelling in `names`, else
/// `lower` itself.
pub fn original<'a>(names: &[&'a str], lower: &'a str) -> &'a str {
    names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(lower))
        .copied()
        .unwrap_or(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_case() {
        let head = b"GET /dev/x HTTP/1.1\r\nHost: a\r\ntEsT-HEADeR: v\r\nUser-Agent: ua\r\nx-lower: 1\r\n\r\n";
        let n = names(head);
        assert_eq!(n, vec!["Host", "tEsT-HEADeR", "User-Agent", "x-lower"]);
        assert_eq!(original(&n, "test-header"), "tEsT-HEADeR");
        assert_eq!(original(&n, "x-lower"), "x-lower");
        assert_eq!(original(&n, "absent"), "absent");
        assert!(names(b"").is_empty());
    }

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
}
