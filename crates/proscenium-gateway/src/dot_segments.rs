//! Dot segments removed from a request path before it is routed (RFC 3986 §5.2.4), as API
//! Gateway's front end does: `/prod/a/../b` is routed as `/prod/b`, and `..` can never climb
//! above the root. A segment spelled with percent-encoded dots (`%2e`, `%2E%2e`, `.%2e`) is
//! a dot segment too (RFC 3986 §6.2.2.2: `%2E` and `.` are the same character), so the
//! resource matched, the method ARN authorised and the path a backend receives are one path.
//!
//! Pure. A path without a dot segment is returned borrowed, after one scan.

use std::borrow::Cow;

/// `path` (starting with `/`) without its dot segments.
pub fn resolve(path: &str) -> Cow<'_, str> {
    if !path.bytes().any(|b| b == b'.' || b == b'%') || !path.split('/').any(|s| dots(s).is_some())
    {
        return Cow::Borrowed(path);
    }
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    // A path ending in a dot segment keeps a trailing slash (`/a/b/..` is `/a/`).
    let mut trailing_slash = false;
    for (i, seg) in segments.iter().enumerate() {
        match dots(seg) {
            Some(1) => trailing_slash = i == last,
            Some(_) => {
                out.pop();
                trailing_slash = i == last;
            }
            _ => {
                out.push(seg);
                trailing_slash = false;
            }
        }
    }
    let mut resolved = String::with_capacity(path.len());
    for seg in &out {
        resolved.push('/');
        resolved.push_str(seg);
    }
    if trailing_slash || resolved.is_empty() {
        resolved.push('/');
    }
    Cow::Owned(resolved)
}

/// `Some(1)` for `.`, `Some(2)` for `..` (each dot possibly written `%2e`/`%2E`).
fn dots(segment: &str) -> Option<u8> {
    let b = segment.as_bytes();
    let mut i = 0;
    let mut count = 0u8;
    while i < b.len() {
        if b[i] == b'.' {
            i += 1;
        } else if b[i] == b'%'
            && b.get(i + 1) == Some(&b'2')
            && matches!(b.get(i + 2), Some(b'e' | b'E'))
        {
            i += 3;
        } else {
            return None;
        }
        count += 1;
        if count > 2 {
            return None;
        }
    }
    (count > 0).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_without_dot_segments_are_borrowed() {
        for p in [
            "/",
            "/prod/a",
            "/prod/a.b/..c/...",
            "/prod/%2e%2e%2e",
            "/prod/a%2eb",
        ] {
            assert!(matches!(resolve(p), Cow::Borrowed(_)), "{p}");
        }
    }

    #[test]
    fn dot_segments_are_removed() {
        let cases = [
            ("/prod/a/../b", "/prod/b"),
            ("/prod/a/../../etc/passwd", "/etc/passwd"),
            ("/prod/../../../x", "/x"),
            ("/prod/./a/./b", "/prod/a/b"),
            ("/prod/a/..", "/prod/"),
            ("/prod/a/.", "/prod/a/"),
            ("/..", "/"),
            ("/.", "/"),
            ("/prod/%2e%2e/dev/x", "/dev/x"),
            ("/prod/a/%2E%2e/b", "/prod/b"),
            ("/prod/a/.%2e/b", "/prod/b"),
            ("/prod/a/%2e/b", "/prod/a/b"),
            ("/prod//a/../b", "/prod//b"),
        ];
        for (given, want) in cases {
            assert_eq!(resolve(given), want, "{given}");
        }
    }
}
