//! Header names as the client wrote them. `http::HeaderMap` keeps names in lower case; API
//! Gateway shows them as received (HTTP/1.1) in the Lambda proxy event, the REQUEST
//! authorizer event, `$input.params().header` and the headers HTTP_PROXY backends receive.
//! The server hands the gateway the request head it parsed (shared, no copy), and the header
//! values in the map are slices of that head: a value's name is found by looking back from
//! the value to its line's start. HTTP/2 names are lower case by the protocol: no head,
//! nothing to restore.
//!
//! Pure.

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
}
