//! The web console: static files under `console/` at the repository root, embedded in the
//! binary with `include_str!` and served at `/_proscenium/console`. The console talks only to
//! the public management API, `/_proscenium/metrics` and `/_proscenium/traffic` from the
//! browser, so this module is nothing but a read-only file server over a fixed table.

use axum::body::Body;
use http::{HeaderValue, Method, Response, StatusCode, header};

/// URL prefix of the console.
pub const PREFIX: &str = "/_proscenium/console";

macro_rules! assets {
    ($($name:literal => $mime:literal),* $(,)?) => {
        /// Every embedded file: (name below the prefix, content type, contents).
        const ASSETS: &[(&str, &str, &str)] = &[
            $(($name, $mime, include_str!(concat!("../../../console/", $name))),)*
        ];
    };
}

assets! {
    "index.html" => "text/html; charset=utf-8",
    "style.css" => "text/css; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
    "app.js" => "text/javascript; charset=utf-8",
    "nav.js" => "text/javascript; charset=utf-8",
    "apihead.js" => "text/javascript; charset=utf-8",
    "api.js" => "text/javascript; charset=utf-8",
    "sigv4.js" => "text/javascript; charset=utf-8",
    "ui.js" => "text/javascript; charset=utf-8",
    "auth.js" => "text/javascript; charset=utf-8",
    "apis.js" => "text/javascript; charset=utf-8",
    "openapi.js" => "text/javascript; charset=utf-8",
    "documentation.js" => "text/javascript; charset=utf-8",
    "resources.js" => "text/javascript; charset=utf-8",
    "deploy.js" => "text/javascript; charset=utf-8",
    "stages.js" => "text/javascript; charset=utf-8",
    "settings.js" => "text/javascript; charset=utf-8",
    "variables.js" => "text/javascript; charset=utf-8",
    "overrides.js" => "text/javascript; charset=utf-8",
    "history.js" => "text/javascript; charset=utf-8",
    "canary.js" => "text/javascript; charset=utf-8",
    "diff.js" => "text/javascript; charset=utf-8",
    "traffic.js" => "text/javascript; charset=utf-8",
    "metrics.js" => "text/javascript; charset=utf-8",
    "chart.js" => "text/javascript; charset=utf-8",
    "authorizers.js" => "text/javascript; charset=utf-8",
    "policy.js" => "text/javascript; charset=utf-8",
    "methodauth.js" => "text/javascript; charset=utf-8",
    "keys.js" => "text/javascript; charset=utf-8",
    "plans.js" => "text/javascript; charset=utf-8",
    "usage.js" => "text/javascript; charset=utf-8",
    "method.js" => "text/javascript; charset=utf-8",
    "activity.js" => "text/javascript; charset=utf-8",
    "models.js" => "text/javascript; charset=utf-8",
    "validators.js" => "text/javascript; charset=utf-8",
    "gwresponses.js" => "text/javascript; charset=utf-8",
    "domains.js" => "text/javascript; charset=utf-8",
}

/// The page may load only its own files and talk only to its own origin.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Looks up the file for a request path (`/_proscenium/console`, `/_proscenium/console/` and
/// `/_proscenium/console/index.html` are the index).
fn lookup(path: &str) -> Option<(&'static str, &'static str)> {
    let rest = path.strip_prefix(PREFIX)?;
    let name = match rest {
        "" | "/" => "index.html",
        _ => rest.strip_prefix('/')?,
    };
    ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, mime, body)| (*mime, *body))
}

/// Answers a request whose path starts with [`PREFIX`].
pub fn serve(method: &Method, path: &str) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let Some((mime, body)) = lookup(path) else {
        return plain(StatusCode::NOT_FOUND, "Not found\n");
    };
    let body = dev_override(path).unwrap_or(std::borrow::Cow::Borrowed(body));
    let len = body.len();
    let mut r = Response::new(if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    });
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    secure(h);
    r
}

/// Debug builds only: with `PROSCENIUM_CONSOLE_DIR` set, the same embedded names are read from
/// that directory on every request, so the console can be edited without rebuilding.
#[cfg(debug_assertions)]
fn dev_override(path: &str) -> Option<std::borrow::Cow<'static, str>> {
    let dir = std::env::var_os("PROSCENIUM_CONSOLE_DIR")?;
    let rest = path.strip_prefix(PREFIX)?;
    let name = match rest {
        "" | "/" => "index.html",
        _ => rest.strip_prefix('/')?,
    };
    // Only names from the table: never a path the request made up.
    let (known, _, _) = ASSETS.iter().find(|(n, _, _)| *n == name)?;
    std::fs::read_to_string(std::path::Path::new(&dir).join(known))
        .ok()
        .map(std::borrow::Cow::Owned)
}

#[cfg(not(debug_assertions))]
fn dev_override(_: &str) -> Option<std::borrow::Cow<'static, str>> {
    None
}

fn plain(status: StatusCode, msg: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::from(msg));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    secure(h);
    r
}

fn secure(h: &mut http::HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_under_both_spellings_and_assets_by_name() {
        for p in [
            PREFIX,
            "/_proscenium/console/",
            "/_proscenium/console/index.html",
        ] {
            assert_eq!(lookup(p).unwrap().0, "text/html; charset=utf-8", "{p}");
        }
        assert_eq!(
            lookup("/_proscenium/console/app.js").unwrap().0,
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            lookup("/_proscenium/console/style.css").unwrap().0,
            "text/css; charset=utf-8"
        );
        assert!(lookup("/_proscenium/console/nope.js").is_none());
        assert!(lookup("/_proscenium/consolex").is_none());
        assert!(lookup("/_proscenium/console/../run.rs").is_none());
    }

    #[test]
    fn every_module_import_is_embedded() {
        for (name, _, body) in ASSETS {
            for line in body.lines() {
                let Some(i) = line.find("from './") else {
                    continue;
                };
                let rest = &line[i + "from './".len()..];
                let file = &rest[..rest.find('\'').unwrap()];
                assert!(
                    ASSETS.iter().any(|(n, _, _)| *n == file),
                    "{name} imports {file}, which is not embedded"
                );
            }
        }
    }

    #[test]
    fn only_get_and_head() {
        let r = serve(&Method::POST, PREFIX);
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        let r = serve(&Method::GET, "/_proscenium/console/missing.css");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = serve(&Method::HEAD, PREFIX);
        assert_eq!(r.status(), StatusCode::OK);
    }
}
