//! Tracing headers (`tracingEnabled`): the X-Ray `X-Amzn-Trace-Id` sent to backends with a
//! parent span and `Sampled=1`, and the W3C `traceparent` derived from the same trace id.
//!
//! Pure: ids come from the injected `Random`.

use crate::clock::Random;

/// A new span id: 16 lowercase hex digits.
pub fn span_id(rng: &dyn Random) -> String {
    format!("{:016x}", rng.next_u64() | 1)
}

/// The 32-hex W3C trace id for an X-Ray root (`1-{8 hex}-{24 hex}`), if it has that shape.
pub fn w3c_trace_id(amzn_trace: &str) -> Option<String> {
    let root = amzn_trace
        .split(';')
        .find_map(|p| p.trim().strip_prefix("Root="))?;
    let mut parts = root.split('-');
    let (version, epoch, unique) = (parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (version == "1" && hex(epoch, 8) && hex(unique, 24) && parts.next().is_none())
        .then(|| format!("{epoch}{unique}").to_ascii_lowercase())
}

/// The root (`Root=1-…`) of a W3C `traceparent` (`00-{32 hex}-{16 hex}-{2 hex}`).
pub fn root_from_traceparent(v: &str) -> Option<String> {
    let mut parts = v.trim().split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let ok = hex(version, 2)
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && trace.bytes().any(|b| b != b'0');
    ok.then(|| {
        let t = trace.to_ascii_lowercase();
        format!("Root=1-{}-{}", &t[..8], &t[8..])
    })
}

/// The headers for a backend: (`X-Amzn-Trace-Id`, `traceparent`). `fallback` (32 hex
/// digits, e.g. the request id without dashes) is the W3C trace id when the X-Ray root has
/// another shape.
pub fn backend_headers(trace_id: &str, parent: &str, fallback: &str) -> (String, String) {
    let root = trace_id
        .split(';')
        .find(|p| p.trim().starts_with("Root="))
        .map_or(trace_id, str::trim);
    let amzn = format!("{root};Parent={parent};Sampled=1");
    let w3c = w3c_trace_id(trace_id).unwrap_or_else(|| {
        let hex: String = fallback.chars().filter(char::is_ascii_hexdigit).collect();
        format!("{hex:0>32}").chars().take(32).collect()
    });
    (amzn, format!("00-{w3c}-{parent}-01"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ThreadRandom;

    #[test]
    fn conversions() {
        let root = "Root=1-5759e988-bd862e3fe1be46a994272793";
        assert_eq!(
            w3c_trace_id(&format!("{root};Sampled=1")).as_deref(),
            Some("5759e988bd862e3fe1be46a994272793")
        );
        assert_eq!(w3c_trace_id("Root=custom"), None);
        assert_eq!(
            root_from_traceparent("00-5759e988bd862e3fe1be46a994272793-00f067aa0ba902b7-01")
                .as_deref(),
            Some(root)
        );
        assert_eq!(root_from_traceparent("00-0000-1-01"), None);
        let (amzn, w3c) = backend_headers(root, "53995c3f42cd8ad8", "x");
        assert_eq!(amzn, format!("{root};Parent=53995c3f42cd8ad8;Sampled=1"));
        assert_eq!(
            w3c,
            "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01"
        );
        assert_eq!(span_id(&ThreadRandom).len(), 16);
        let rid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let (_, w3c) = backend_headers("Root=custom", "53995c3f42cd8ad8", rid);
        assert_eq!(
            w3c,
            "00-0f8fad5bd9cb469fa16570867728950e-53995c3f42cd8ad8-01"
        );
    }
}
