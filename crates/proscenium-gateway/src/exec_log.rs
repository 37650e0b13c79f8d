//! Execution logs (`loggingLevel`, `dataTraceEnabled`): the lines a CloudWatch user knows from
//! `API-Gateway-Execution-Logs_{apiId}/{stage}`, collected per request and written as one
//! batch when it ends.
//!
//! INFO logs the flow ("Starting execution…", "Endpoint request URI…", "Method completed
//! with status…"), ERROR only failures; `dataTraceEnabled` adds headers and bodies (cut at
//! 1 KB per line). Canary requests are marked `[canary]`.

use std::fmt::Write as _;
use std::time::SystemTime;

use http::HeaderMap;

use crate::context::{RequestCtx, civil_from_days};
use crate::settings::LogLevel;

/// Bodies and header maps longer than this are cut in the logs (AWS truncates too).
const MAX_LOGGED: usize = 1024;

/// One request's execution log lines.
#[derive(Debug)]
pub struct ExecTrace {
    pub level: LogLevel,
    pub data: bool,
    /// A TestInvokeMethod trace: no request-id prefix, no gateway-response lines (AWS's test
    /// log leaves them out).
    pub test: bool,
    prefix: String,
    lines: Vec<String>,
}

impl ExecTrace {
    pub fn new(level: LogLevel, data: bool, request_id: &str, canary: bool) -> ExecTrace {
        let marker = if canary { " [canary]" } else { "" };
        ExecTrace {
            level,
            data,
            test: false,
            prefix: format!("({request_id}){marker} "),
            lines: Vec::new(),
        }
    }

    /// A TestInvokeMethod trace: every line, headers and bodies included, unprefixed.
    pub fn for_test() -> ExecTrace {
        ExecTrace {
            level: LogLevel::Info,
            data: true,
            test: true,
            prefix: String::new(),
            lines: Vec::new(),
        }
    }

    /// The lines so far, unstamped.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Adds a line at INFO level.
    pub fn info(&mut self, line: impl AsRef<str>) {
        if self.level >= LogLevel::Info {
            self.push(line.as_ref());
        }
    }

    /// Adds a line at ERROR level.
    pub fn error(&mut self, line: impl AsRef<str>) {
        if self.level >= LogLevel::Error {
            self.push(line.as_ref());
        }
    }

    /// Adds a data-trace line (headers, bodies).
    pub fn data(&mut self, line: impl FnOnce() -> String) {
        if self.data && self.level >= LogLevel::Info {
            let l = line();
            self.push(&l);
        }
    }

    fn push(&mut self, line: &str) {
        self.lines.push(format!("{}{}", self.prefix, flatten(line)));
    }

    /// The batch to write, each line stamped with `at`.
    pub fn render(&self, at: SystemTime) -> Option<String> {
        if self.lines.is_empty() {
            return None;
        }
        let stamp = iso8601(at);
        let mut out = String::new();
        for (i, l) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let _ = write!(out, "{stamp} {l}");
        }
        Some(out)
    }
}

/// Runs `f` on the request's execution trace, when there is one.
pub fn with(ctx: &mut RequestCtx, f: impl FnOnce(&mut ExecTrace)) {
    if let Some(t) = ctx.exec.as_deref_mut() {
        f(t);
    }
}

/// Keeps one logged value on one line and at most `MAX_LOGGED` bytes.
fn flatten(s: &str) -> String {
    let mut cut = s.len().min(MAX_LOGGED);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = s[..cut].replace(['\n', '\r'], " ");
    if cut < s.len() {
        out.push_str(" [TRUNCATED]");
    }
    out
}

/// Headers whose values are masked in the logs (all but the last four characters).
const SECRET_HEADERS: &[&str] = &["authorization", "x-api-key", "x-amz-security-token"];

/// `{a=1, b=2}` as AWS prints maps; credentials masked.
pub fn headers_map(h: &HeaderMap) -> String {
    map_named(h, |k, _| k.as_str().to_string())
}

/// [`headers_map`] of a request's headers, each named as the client wrote it when `head` (the
/// request head as received) names it.
pub fn request_headers_map(h: &HeaderMap, head: Option<&[u8]>) -> String {
    map_named(h, |k, v| {
        head.and_then(|head| {
            crate::header_case::given_name(head, k.as_str().as_bytes(), v.as_bytes())
        })
        .map_or_else(
            || k.as_str().to_string(),
            |n| String::from_utf8_lossy(n).into_owned(),
        )
    })
}

fn map_named(
    h: &HeaderMap,
    name_of: impl Fn(&http::HeaderName, &http::HeaderValue) -> String,
) -> String {
    let parts: Vec<String> = h
        .iter()
        .map(|(k, v)| {
            let value = String::from_utf8_lossy(v.as_bytes());
            let name = name_of(k, v);
            if SECRET_HEADERS.contains(&k.as_str()) {
                let tail: String = value
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!("{name}=****{tail}")
            } else {
                format!("{name}={value}")
            }
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// [`headers_map`] with the names as AWS prints them (`Content-Type`, `x-amzn-ErrorType`).
pub fn headers_map_cased(h: &HeaderMap) -> String {
    map_named(h, |k, _| crate::method_test::aws_case(k.as_str()))
}

/// `{a=1, b=2}` from pairs.
pub fn pairs_map<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let parts: Vec<String> = pairs.map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

pub fn body(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(MAX_LOGGED + 4)]).into_owned()
}

/// `2026-11-21T06:00:43.123Z`.
pub fn iso8601(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn levels_and_rendering() {
        let mut t = ExecTrace::new(LogLevel::Error, true, "rid", false);
        t.info("hidden");
        t.data(|| "hidden too".into());
        t.error("Execution failed due to a timeout error");
        let at = UNIX_EPOCH + Duration::from_millis(1_763_704_843_123);
        assert_eq!(
            t.render(at).unwrap(),
            "2025-11-21T06:00:43.123Z (rid) Execution failed due to a timeout error"
        );
        let mut t = ExecTrace::new(LogLevel::Info, false, "r", true);
        t.info("Starting execution for request: r");
        t.data(|| "Method request body before transformations: x".into());
        assert_eq!(
            t.render(UNIX_EPOCH).unwrap(),
            "1970-01-01T00:00:00.000Z (r) [canary] Starting execution for request: r"
        );
        assert!(
            ExecTrace::new(LogLevel::Off, true, "r", false)
                .render(UNIX_EPOCH)
                .is_none()
        );
    }

    #[test]
    fn credentials_are_masked() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer secret-token-1234".parse().unwrap());
        h.insert("accept", "*/*".parse().unwrap());
        assert_eq!(headers_map(&h), "{authorization=****1234, accept=*/*}");
        assert_eq!(
            headers_map_cased(&h),
            "{Authorization=****1234, Accept=*/*}"
        );
    }

    #[test]
    fn long_values_are_cut() {
        let long = "é".repeat(1000);
        let f = flatten(&long);
        assert!(f.ends_with(" [TRUNCATED]") && f.len() <= MAX_LOGGED + 12);
        assert_eq!(flatten("a\nb"), "a b");
    }
}
