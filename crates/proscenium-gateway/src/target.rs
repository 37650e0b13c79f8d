//! Recognising an invocation: which API, stage and resource path a request is for.
//!
//! Pure (no I/O). Three URL forms reach a stage:
//! - host style: `Host: {apiId}.execute-api.{anything}` with path `/{stage}/{path}`;
//! - `/_aws/execute-api/{apiId}/{stage}/{path}`;
//! - `/restapis/{apiId}/{stage}/_user_request_/{path}`.
//!
//! Anything else is not an invocation (the management API answers it). A fourth form, a custom
//! domain name's `Host` with `/{basePath}/{path}`, is recognised by `domains.rs` (it needs the
//! table of domains) and built here with [`InvokeTarget::custom_domain`].

/// Which URL form carried the invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlStyle {
    Host,
    AwsPath,
    UserRequest,
    /// A custom domain name's base path mapping.
    CustomDomain,
}

/// A recognised invocation. Its texts share one allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeTarget {
    /// api id, stage, path, context path and domain name, one after the other.
    text: String,
    /// Where each of the five ends in `text`.
    ends: [usize; 5],
    pub style: UrlStyle,
}

impl InvokeTarget {
    /// Builds a target from its parts (`path` and `context_path` start with `/`).
    pub fn new(
        api_id: &str,
        stage: &str,
        path: &str,
        context_path: &str,
        domain_name: &str,
        style: UrlStyle,
    ) -> InvokeTarget {
        InvokeTarget::from_pieces(
            [
                &[api_id],
                &[stage],
                &[path],
                &[context_path],
                &[domain_name],
            ],
            style,
        )
    }

    /// Builds a target from its five parts, each given as pieces to concatenate.
    fn from_pieces(parts: [&[&str]; 5], style: UrlStyle) -> InvokeTarget {
        let len = parts.iter().flat_map(|p| p.iter()).map(|p| p.len()).sum();
        let mut text = String::with_capacity(len);
        let mut ends = [0; 5];
        for (i, pieces) in parts.iter().enumerate() {
            for p in *pieces {
                text.push_str(p);
            }
            ends[i] = text.len();
        }
        InvokeTarget { text, ends, style }
    }

    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..self.ends[i]).unwrap_or_default()
    }

    pub fn api_id(&self) -> &str {
        self.part(0)
    }

    /// The stage name (may be empty: `GET /` on an API host).
    pub fn stage(&self) -> &str {
        self.part(1)
    }

    /// The resource path as sent (still percent-encoded), always starting with `/`.
    pub fn path(&self) -> &str {
        self.part(2)
    }

    /// The path the client sent after the API part (`$context.path`): `/{stage}/{path}`.
    pub fn context_path(&self) -> &str {
        self.part(3)
    }

    /// The domain name the client addressed (`$context.domainName`).
    pub fn domain_name(&self) -> &str {
        self.part(4)
    }

    /// The Lambda proxy event's `path`: the resource path, except through a custom domain,
    /// where AWS gives the path as sent, base path included.
    pub fn event_path(&self) -> &str {
        if self.style == UrlStyle::CustomDomain {
            self.context_path()
        } else {
            self.path()
        }
    }

    /// A request through a custom domain: `path` is what follows the base path, `full_path`
    /// the path as sent, `name` the host as the client addressed it, without its port (the
    /// caller cuts it: `name` becomes `$context.domainName` as given); a mapping without a
    /// stage takes the stage from the first segment of `path`.
    pub fn custom_domain(
        api_id: &str,
        stage: Option<&str>,
        path: &str,
        full_path: &str,
        name: &str,
    ) -> InvokeTarget {
        let (stage, rest) = match stage {
            Some(s) => (s, path),
            None => split_stage(path),
        };
        InvokeTarget::new(
            api_id,
            stage,
            &normalise(rest),
            &normalise(full_path),
            name,
            UrlStyle::CustomDomain,
        )
    }
}

/// Recognises an invocation, or `None` when the request is for someone else.
pub fn invoke_target(parts: &http::request::Parts) -> Option<InvokeTarget> {
    invoke_target_at(parts, host_name_of(parts).unwrap_or_default())
}

/// [`invoke_target`] for a request whose host name ([`host_name_of`]) is already read.
pub(crate) fn invoke_target_at(parts: &http::request::Parts, name: &str) -> Option<InvokeTarget> {
    let path = parts.uri.path();
    if let Some(api_id) = api_id_from_name(name) {
        // Dot segments go before routing, as AWS's front end removes them: the stage too
        // can be stepped out of (`/prod/../dev/x` is `/dev/x`).
        let path = &*resolve_dots(path);
        let (stage, rest) = split_stage(path);
        return Some(InvokeTarget::new(
            api_id,
            stage,
            &normalise(rest),
            &normalise(path),
            name,
            UrlStyle::Host,
        ));
    }
    if let Some(rest) = path.strip_prefix("/_aws/execute-api/") {
        let (api_id, after) = rest.split_once('/').unwrap_or((rest, ""));
        if api_id.is_empty() {
            return None;
        }
        // What follows the API id is what the host style's path is, dot segments included;
        // they never lead out of this API (nor to the management API).
        let after = resolve_dots_after_slash(after);
        let (stage, rest) = split_stage(&after);
        return Some(target_from_path(
            api_id,
            stage,
            rest,
            name,
            UrlStyle::AwsPath,
        ));
    }
    if let Some(rest) = path.strip_prefix("/restapis/") {
        let (api_id, rest) = rest.split_at_checked(rest.bytes().position(|b| b == b'/')?)?;
        let rest = rest.get(1..)?;
        let (stage, rest) = match rest.bytes().position(|b| b == b'/') {
            Some(i) => (rest.get(..i)?, rest.get(i..)?),
            None => (rest, ""),
        };
        let after = rest.strip_prefix("/_user_request_")?;
        if api_id.is_empty() || !(after.is_empty() || after.starts_with('/')) {
            return None;
        }
        // `after` keeps the slash that ended `_user_request_` (or is empty); its dot
        // segments never lead out of the stage.
        let rest = if after.is_empty() {
            "/".into()
        } else {
            resolve_dots(after)
        };
        let rest = &*rest;
        return Some(target_from_path(
            api_id,
            stage,
            rest,
            name,
            UrlStyle::UserRequest,
        ));
    }
    None
}

fn target_from_path(
    api_id: &str,
    stage: &str,
    rest: &str,
    name: &str,
    style: UrlStyle,
) -> InvokeTarget {
    InvokeTarget::from_pieces(
        [
            &[api_id],
            &[stage],
            &[&normalise(rest)],
            &["/", stage, rest],
            &[name],
        ],
        style,
    )
}

/// `path` without its dot segments (`dot_segments`).
pub(crate) fn resolve_dots(path: &str) -> std::borrow::Cow<'_, str> {
    crate::dot_segments::resolve(path)
}

/// The same for a path given without its leading slash (`{stage}/{path}`).
fn resolve_dots_after_slash(rest: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if !rest.bytes().any(|b| b == b'.' || b == b'%') {
        return Cow::Borrowed(rest);
    }
    let with_slash = format!("/{rest}");
    match crate::dot_segments::resolve(&with_slash) {
        Cow::Borrowed(_) => Cow::Borrowed(rest),
        Cow::Owned(resolved) => Cow::Owned(resolved[1..].to_owned()),
    }
}

/// The host name a request addressed, without its port ([`host_without_port`]): read once
/// per request, for the custom domains and the invoke URL forms alike.
pub(crate) fn host_name_of(parts: &http::request::Parts) -> Option<&str> {
    host_of(parts).map(host_without_port)
}

/// The host a request addressed: its `Host` header (`None` when that is not visible ASCII),
/// else its URI's authority.
fn host_of(parts: &http::request::Parts) -> Option<&str> {
    match host_header(parts) {
        Some(h) => h.to_str().ok(),
        None => parts.uri.authority().map(|a| a.as_str()),
    }
}

fn host_header(parts: &http::request::Parts) -> Option<&http::HeaderValue> {
    // Host is usually first: a scan beats hashing the name for the few headers of most
    // requests.
    if parts.headers.len() <= 8 {
        parts
            .headers
            .iter()
            .find(|(n, _)| *n == http::header::HOST)
            .map(|(_, v)| v)
    } else {
        parts.headers.get(http::header::HOST)
    }
}

pub(crate) fn host_without_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |i| &host[..=i]);
    }
    // `host:digits` (the digits may be none) → `host`.
    let digits = host.bytes().rev().take_while(u8::is_ascii_digit).count();
    match host.len().checked_sub(digits + 1) {
        Some(colon) if host.as_bytes().get(colon) == Some(&b':') => {
            host.get(..colon).unwrap_or(host)
        }
        _ => host,
    }
}

/// `{apiId}.execute-api.{anything}` (a host name without its port) → `apiId`.
fn api_id_from_name(name: &str) -> Option<&str> {
    let dot = name.bytes().position(|b| b == b'.')?;
    let (api_id, rest) = (name.get(..dot)?, name.get(dot + 1..)?);
    // `execute-api.` and at least one more character.
    let label = rest.get(.."execute-api.".len())?;
    if !label.eq_ignore_ascii_case("execute-api.") || rest.len() == label.len() || api_id.is_empty()
    {
        return None;
    }
    api_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        .then_some(api_id)
}

/// `/{stage}/{rest}` → (`stage`, `/{rest}`), ignoring extra leading slashes before the stage.
fn split_stage(path: &str) -> (&str, &str) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.find('/') {
        Some(i) => (&trimmed[..i], &trimmed[i..]),
        None => (trimmed, "/"),
    }
}

/// Collapses the slashes that lead the resource path (`//x` is `/x`, as AWS routes it).
fn normalise(rest: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = rest.trim_start_matches('/');
    if trimmed.len() + 1 == rest.len() {
        return std::borrow::Cow::Borrowed(rest);
    }
    let mut p = String::with_capacity(trimmed.len() + 1);
    p.push('/');
    p.push_str(trimmed);
    std::borrow::Cow::Owned(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request for `uri` with `host` as its `Host` header (any bytes a header may hold;
    /// empty: no `Host` header).
    fn parts(host: impl AsRef<[u8]>, uri: &str) -> http::request::Parts {
        let mut b = http::Request::builder().uri(uri);
        if !host.as_ref().is_empty() {
            b = b.header(
                "host",
                http::HeaderValue::from_bytes(host.as_ref()).unwrap(),
            );
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn host_style_variants() {
        for host in [
            "abc123.execute-api.localhost:4566",
            "abc123.execute-api.localhost.localstack.cloud:4566",
            "abc123.execute-api.us-east-1.amazonaws.com",
        ] {
            let t = invoke_target(&parts(host, "/dev/pets/1?x=1")).unwrap();
            assert_eq!(
                (t.api_id(), t.stage(), t.path()),
                ("abc123", "dev", "/pets/1")
            );
            assert_eq!(t.context_path(), "/dev/pets/1");
            assert_eq!(t.style, UrlStyle::Host);
        }
        let t = invoke_target(&parts("a.execute-api.x", "//dev//p")).unwrap();
        assert_eq!((t.stage(), t.path()), ("dev", "/p"));
        assert_eq!(t.context_path(), "/dev//p");
        let t = invoke_target(&parts("a.execute-api.x", "/")).unwrap();
        assert_eq!((t.stage(), t.path()), ("", "/"));
        assert_eq!(t.domain_name(), "a.execute-api.x");
    }

    #[test]
    fn path_styles() {
        let t = invoke_target(&parts("localhost:4566", "/_aws/execute-api/abc/dev/pets")).unwrap();
        assert_eq!((t.api_id(), t.stage(), t.path()), ("abc", "dev", "/pets"));
        assert_eq!(t.context_path(), "/dev/pets");
        assert_eq!(
            t.domain_name(),
            "localhost",
            "the port is not part of the name"
        );
        let t = invoke_target(&parts(
            "localhost:4566",
            "/restapis/abc/dev/_user_request_/pets/1/",
        ))
        .unwrap();
        assert_eq!(
            (t.api_id(), t.stage(), t.path()),
            ("abc", "dev", "/pets/1/")
        );
        assert_eq!(t.style, UrlStyle::UserRequest);
        assert_eq!(t.domain_name(), "localhost");
        let t = invoke_target(&parts("localhost", "/restapis/abc/dev/_user_request_")).unwrap();
        assert_eq!(t.path(), "/");
    }

    #[test]
    fn the_host_is_the_header_else_the_authority() {
        // No `Host` header: an absolute-form request's authority, its port cut.
        let t = invoke_target(&parts("", "http://abc.execute-api.localhost:4566/dev/x")).unwrap();
        assert_eq!(
            (t.api_id(), t.stage(), t.path(), t.domain_name()),
            ("abc", "dev", "/x", "abc.execute-api.localhost")
        );
        // A `Host` header that is not visible ASCII is no host (the authority is not used
        // instead): only the path forms are left, with no domain name.
        let p = parts(
            b"abc.execute-api.\xe9",
            "http://abc.execute-api.localhost/dev/x",
        );
        assert_eq!(invoke_target(&p), None);
        let t = invoke_target(&parts(b"h\xe9:4566", "/_aws/execute-api/abc/dev/x")).unwrap();
        assert_eq!((t.api_id(), t.domain_name()), ("abc", ""));
    }

    #[test]
    fn not_invocations() {
        for (h, u) in [
            ("localhost:4566", "/restapis/abc/resources"),
            ("localhost:4566", "/restapis/abc/stages/dev"),
            ("localhost:4566", "/restapis"),
            ("execute-api.localhost", "/dev/x"),
            ("localhost", "/_aws/execute-api/"),
            ("", "/dev/x"),
            ("abc.execute-api.", "/dev/x"),
            ("abc.execute-api", "/dev/x"),
            (".execute-api.localhost", "/dev/x"),
            ("abc.execute-apix.localhost", "/dev/x"),
            ("127.0.0.1:4566", "/dev/x"),
            ("/restapis/a/s", "/restapis/a/s"),
            ("localhost", "/restapis/a/s/_user_request_x/y"),
            ("localhost", "/restapis/a/s"),
            ("localhost", "/restapis//s/_user_request_/y"),
        ] {
            assert_eq!(invoke_target(&parts(h, u)), None, "{h} {u}");
        }
        // The label is matched without regard to case; the port is not part of the name.
        let t = invoke_target(&parts("abc.EXECUTE-API.localhost:4566", "/dev/x")).unwrap();
        assert_eq!(
            (t.api_id(), t.stage(), t.path(), t.domain_name()),
            ("abc", "dev", "/x", "abc.EXECUTE-API.localhost")
        );
        let t = invoke_target(&parts("localhost", "/restapis/a/s/_user_request_")).unwrap();
        assert_eq!((t.api_id(), t.stage(), t.path()), ("a", "s", "/"));
    }

    #[test]
    fn dot_segments_are_resolved_before_routing() {
        let t = invoke_target(&parts("a.execute-api.x", "/prod/items/../../dev/%2e%2e/x")).unwrap();
        assert_eq!((t.stage(), t.path()), ("x", "/"));
        let t = invoke_target(&parts("a.execute-api.x", "/prod/items/%2E%2e/etc/passwd")).unwrap();
        assert_eq!((t.stage(), t.path()), ("prod", "/etc/passwd"));
        let t = invoke_target(&parts("localhost", "/_aws/execute-api/a/prod/../dev/x")).unwrap();
        assert_eq!((t.api_id(), t.stage(), t.path()), ("a", "dev", "/x"));
        // Never out of the API: `..` stops at what the host style's root would be.
        let t = invoke_target(&parts(
            "localhost",
            "/_aws/execute-api/a/prod/../../../restapis",
        ))
        .unwrap();
        assert_eq!((t.api_id(), t.stage(), t.path()), ("a", "restapis", "/"));
        let t = invoke_target(&parts(
            "localhost",
            "/restapis/a/prod/_user_request_/x/../../../y",
        ))
        .unwrap();
        assert_eq!((t.api_id(), t.stage(), t.path()), ("a", "prod", "/y"));
        // No dot segment: the path as sent.
        let t = invoke_target(&parts("a.execute-api.x", "/prod/a.b/..c/%2e%2e%2e")).unwrap();
        assert_eq!(t.path(), "/a.b/..c/%2e%2e%2e");
    }
}
