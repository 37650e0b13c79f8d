//! URI encoding rules of SigV4 (RFC 3986 unreserved set, uppercase hex).
//!
//! Owns path normalisation (dot segments, repeated slashes), the re-encoding
//! of the raw request path ("double encoding" for every service but S3) and
//! decoding/re-encoding of raw query strings. Works on bytes, never panics.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// As [`NOT_UNRESERVED`], but keeps `/` as the path separator.
const NOT_UNRESERVED_OR_SLASH: &AsciiSet = &NOT_UNRESERVED.remove(b'/');

/// Percent-encodes every byte outside the unreserved set.
pub fn encode_component(bytes: &[u8]) -> String {
    percent_encode(bytes, NOT_UNRESERVED).to_string()
}

/// Decodes `%XX` escapes; malformed escapes are kept literally and `+` is
/// not treated as a space (SigV4 clients encode spaces as `%20`).
pub fn decode_component(s: &str) -> Vec<u8> {
    percent_decode_str(s).collect()
}

/// Removes `.`/`..` segments and empty segments, keeping a leading and a
/// trailing slash, as AWS SDKs do before signing. An empty path becomes `/`.
pub fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let lead = if path.starts_with('/') { "/" } else { "" };
    let trail = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    format!("{lead}{}{trail}", out.join("/"))
}

/// The canonical URI for non-S3 services: the raw (already percent-encoded)
/// path, normalised, then encoded once more, so `%3A` becomes `%253A`.
pub fn canonical_uri(raw_path: &str) -> String {
    percent_encode(normalize_path(raw_path).as_bytes(), NOT_UNRESERVED_OR_SLASH).to_string()
}

/// Splits a raw query string into decoded `(name, value)` pairs.
/// Empty pieces (`a=1&&b=2`) are skipped; a piece without `=` has an empty value.
pub fn query_pairs(raw_query: &str) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    raw_query.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (decode_component(k), decode_component(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_normalisation_follows_sdks() {
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("//a//b/"), "/a/b/");
        assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
        assert_eq!(normalize_path("/../.."), "/");
        assert_eq!(normalize_path("/a/.."), "/");
    }

    #[test]
    fn canonical_uri_double_encodes() {
        assert_eq!(canonical_uri("/restapis"), "/restapis");
        assert_eq!(
            canonical_uri("/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc"),
            "/tags/arn%253Aaws%253Aapigateway%253Aus-east-1%253A%253A%252Frestapis%252Fabc"
        );
        assert_eq!(canonical_uri("/a b/~x:y"), "/a%20b/~x%3Ay");
        assert_eq!(canonical_uri("/é"), "/%C3%A9");
    }

    #[test]
    fn query_decoding_is_lenient() {
        let pairs: Vec<_> = query_pairs("a=1&&b&c=%zz&d=%41+").collect();
        assert_eq!(
            pairs,
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), b"".to_vec()),
                (b"c".to_vec(), b"%zz".to_vec()),
                (b"d".to_vec(), b"A+".to_vec()),
            ]
        );
        assert_eq!(encode_component(b"%zz A+"), "%25zz%20A%2B");
    }
}
