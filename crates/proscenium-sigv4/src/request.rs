//! `RequestParts`: the borrowed view of an HTTP request that verification
//! and signing need, so this crate stays free of `http` and I/O.

use crate::parse::{region_from_authorization, region_from_query};

/// A request as seen on the wire. `path` and `query` must be raw
/// (still percent-encoded, exactly as received), not decoded.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// HTTP method, e.g. `GET`.
    pub method: &'a str,
    /// Raw path, e.g. `/tags/arn%3Aaws%3A...`.
    pub path: &'a str,
    /// Raw query without `?`; empty when there is none.
    pub query: &'a str,
    /// Headers in arrival order; names in any case; repeated names allowed.
    /// HTTP/2 callers must supply `host` (from `:authority`).
    pub headers: &'a [(&'a str, &'a str)],
}

impl<'a> RequestParts<'a> {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The credential-scope region of the request (header or presigned
    /// query form), without verifying anything.
    pub fn credential_region(&self) -> Option<String> {
        match self.header("authorization") {
            Some(v) => region_from_authorization(v).map(str::to_owned),
            None => region_from_query(self.query),
        }
    }
}
