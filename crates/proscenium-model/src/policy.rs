//! IAM policy documents as API Gateway evaluates them for `execute-api:Invoke`: the API's
//! resource policy and the policy a Lambda authorizer returns. Parsing (AWS's JSON grammar:
//! a statement or a list, a string or a list for every multi-valued member), the
//! `execute-api:/…` shorthand expanded to full ARNs as AWS stores it, and evaluation against
//! one request's facts (Deny wins, then Allow, else neither).
//!
//! Pure: the request's facts (caller, condition keys, time) are given by the caller.
//!
//! Fail closed: a statement whose condition cannot be evaluated (an operator this module
//! does not know) counts as matching when it denies and as not matching when it allows.

use std::net::IpAddr;

use serde_json::Value;

use crate::usage_plan::{civil, days_from_civil};

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// Who a statement applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Principals {
    /// No `Principal` member (an authorizer's policy): everyone.
    Unspecified,
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included.
    Anyone,
    /// AWS principals: ARNs or account ids.
    Aws(Vec<String>),
    /// Principals of other kinds (`Service`, `Federated`): never an execute-api caller.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub effect: Effect,
    pub principals: Principals,
    /// `NotPrincipal`: the statement applies to everyone except these.
    pub not_principal: bool,
    pub actions: Vec<String>,
    pub not_action: bool,
    pub resources: Vec<String>,
    /// `resources`, each split into its six ARN parts once.
    resource_patterns: Vec<ArnPattern>,
    pub not_resource: bool,
    pub conditions: Vec<Condition>,
}

/// One `operator: {key: values}` pair of a `Condition` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator without `IfExists` (e.g. `StringLike`).
    pub operator: String,
    pub if_exists: bool,
    pub key: String,
    pub values: Vec<String>,
    /// Whether evaluation knows the operator (else the condition is evaluated fail-closed).
    known: bool,
    /// `values` as CIDRs (`IpAddress`/`NotIpAddress`), parsed once.
    pub cidrs: Vec<Option<Cidr>>,
}

/// An address range of an `IpAddress` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u32,
}

/// The outcome of evaluating a policy for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// An explicit Deny matched.
    Deny,
    /// No statement matched (an implicit deny).
    Neither,
}

/// What evaluation knows of the request.
pub struct Request<'a> {
    /// `execute-api:Invoke`.
    pub action: &'a str,
    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
    pub resource: &'a str,
    /// The IAM caller (`arn:aws:iam::{account}:…`), `None` for anonymous callers.
    pub caller_arn: Option<&'a str>,
    /// `aws:SourceIp` (compared with `IpAddress` conditions without text).
    pub source_ip: Option<IpAddr>,
    /// Values of a condition key (`aws:SourceIp`, …); `None` when the key is absent.
    pub key: &'a dyn Fn(&str) -> Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid policy document: {0}")]
pub struct PolicyError(pub String);

/// Operators evaluation knows (without `IfExists`).
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "IpAddress",
    "NotIpAddress",
    "Bool",
    "Null",
    "DateEquals",
    "DateNotEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "NumericEquals",
    "NumericNotEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
];

impl Policy {
    /// Parses a policy document (JSON text).
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let v: Value = serde_json::from_str(text).map_err(|e| PolicyError(e.to_string()))?;
        Policy::from_value(&v)
    }

    /// Parses a policy document already read as JSON.
    pub fn from_value(v: &Value) -> Result<Policy, PolicyError> {
        let obj = v
            .as_object()
            .ok_or_else(|| PolicyError("the document is not an object".into()))?;
        let statements = match member(obj, "Statement") {
            Some(Value::Array(items)) => items.iter().map(statement).collect::<Result<_, _>>()?,
            Some(s @ Value::Object(_)) => vec![statement(s)?],
            _ => return Err(PolicyError("the document has no Statement".into())),
        };
        Ok(Policy { statements })
    }

    /// Operators used in the document that evaluation does not know (each statement using
    /// one is evaluated fail-closed).
    pub fn unsupported_operators(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .statements
            .iter()
            .flat_map(|s| &s.conditions)
            .filter(|c| !OPERATORS.contains(&c.operator.as_str()))
            .map(|c| c.operator.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Evaluates the document for `req`: an explicit Deny wins, then any Allow.
    pub fn evaluate(&self, req: &Request<'_>, now_secs: i64) -> Decision {
        let mut allowed = false;
        let parts = split_arn(req.resource);
        for s in &self.statements {
            let applies = s.applies_to(req, parts.as_ref());
            let conditions = s.conditions.iter().map(|c| c.holds(req, now_secs));
            match s.effect {
                Effect::Deny => {
                    // An unknown operator (None) makes a Deny match.
                    if applies && conditions.into_iter().all(|c| c.unwrap_or(true)) {
                        return Decision::Deny;
                    }
                }
                Effect::Allow => {
                    if !allowed && applies && conditions.into_iter().all(|c| c.unwrap_or(false)) {
                        allowed = true;
                    }
                }
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::Neither
        }
    }

    /// Whether the document mentions a principal that is not `*` (the caller's identity
    /// then matters).
    pub fn names_principals(&self) -> bool {
        self.statements
            .iter()
            .any(|s| matches!(s.principals, Principals::Aws(_)))
    }
}

impl Statement {
    fn applies_to(&self, req: &Request<'_>, arn_parts: Option<&[&str; 6]>) -> bool {
        let principal = match &self.principals {
            Principals::Unspecified | Principals::Anyone => true,
            Principals::Aws(list) => req
                .caller_arn
                .is_some_and(|caller| list.iter().any(|p| principal_matches(p, caller))),
            Principals::Other => false,
        } != self.not_principal;
        let action = self
            .actions
            .iter()
            .any(|a| glob(a.as_bytes(), req.action.as_bytes(), true))
            != self.not_action;
        if !(principal && action) {
            return false;
        }
        self.resource_patterns
            .iter()
            .any(|r| r.matches(req.resource, arn_parts))
            != self.not_resource
    }
}

impl Condition {
    /// Whether the condition holds; `None` when the operator is unknown.
    fn holds(&self, req: &Request<'_>, now_secs: i64) -> Option<bool> {
        let op = self.operator.as_str();
        if !self.known {
            return None;
        }
        if matches!(op, "IpAddress" | "NotIpAddress")
            && self.key.eq_ignore_ascii_case("aws:SourceIp")
            && let Some(ip) = req.source_ip
        {
            let inside = self.cidrs.iter().flatten().any(|c| c.contains(ip));
            return Some(inside == (op == "IpAddress"));
        }
        let present = if self.key.eq_ignore_ascii_case("aws:SourceIp") && req.source_ip.is_some() {
            req.source_ip.map(|ip| vec![ip.to_string()])
        } else if self.key.eq_ignore_ascii_case("aws:CurrentTime") {
            Some(vec![iso8601(now_secs)])
        } else if self.key.eq_ignore_ascii_case("aws:EpochTime") {
            Some(vec![now_secs.to_string()])
        } else {
            (req.key)(&self.key)
        };
        if op == "Null" {
            let want_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return Some(present.is_none() == want_absent);
        }
        let Some(actual) = present else {
            // An absent key: `…IfExists` holds; negated operators hold too, as in IAM.
            return Some(self.if_exists || is_negated(op));
        };
        let any = |f: &dyn Fn(&str, &str) -> bool| {
            actual
                .iter()
                .any(|a| self.values.iter().any(|v| f(a.as_str(), v.as_str())))
        };
        Some(match op {
            "StringEquals" | "ArnEquals" => any(&|a, v| a == v),
            "StringNotEquals" | "ArnNotEquals" => !any(&|a, v| a == v),
            "StringEqualsIgnoreCase" => any(&|a, v| a.eq_ignore_ascii_case(v)),
            "StringNotEqualsIgnoreCase" => !any(&|a, v| a.eq_ignore_ascii_case(v)),
            "StringLike" => any(&|a, v| glob_match(v, a)),
            "StringNotLike" => !any(&|a, v| glob_match(v, a)),
            "ArnLike" => any(&|a, v| arn_matches(v, a)),
            "ArnNotLike" => !any(&|a, v| arn_matches(v, a)),
            "IpAddress" => any(&|a, v| cidr_contains(v, a)),
            "NotIpAddress" => !any(&|a, v| cidr_contains(v, a)),
            "Bool" => any(&|a, v| a.eq_ignore_ascii_case(v)),
            "DateEquals" => any(&|a, v| cmp_dates(a, v) == Some(std::cmp::Ordering::Equal)),
            "DateNotEquals" => !any(&|a, v| cmp_dates(a, v) == Some(std::cmp::Ordering::Equal)),
            "DateGreaterThan" => any(&|a, v| cmp_dates(a, v) == Some(std::cmp::Ordering::Greater)),
            "DateGreaterThanEquals" => any(&|a, v| {
                matches!(
                    cmp_dates(a, v),
                    Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                )
            }),
            "DateLessThan" => any(&|a, v| cmp_dates(a, v) == Some(std::cmp::Ordering::Less)),
            "DateLessThanEquals" => any(&|a, v| {
                matches!(
                    cmp_dates(a, v),
                    Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                )
            }),
            "NumericEquals" => any(&|a, v| cmp_numbers(a, v) == Some(std::cmp::Ordering::Equal)),
            "NumericNotEquals" => {
                !any(&|a, v| cmp_numbers(a, v) == Some(std::cmp::Ordering::Equal))
            }
            "NumericGreaterThan" => {
                any(&|a, v| cmp_numbers(a, v) == Some(std::cmp::Ordering::Greater))
            }
            "NumericGreaterThanEquals" => any(&|a, v| {
                matches!(
                    cmp_numbers(a, v),
                    Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                )
            }),
            "NumericLessThan" => any(&|a, v| cmp_numbers(a, v) == Some(std::cmp::Ordering::Less)),
            "NumericLessThanEquals" => any(&|a, v| {
                matches!(
                    cmp_numbers(a, v),
                    Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                )
            }),
            _ => return None,
        })
    }
}

fn is_negated(op: &str) -> bool {
    op.contains("Not")
}

fn member<'a>(obj: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name)
}

/// A string or a list of strings (numbers and booleans are read as their text, as IAM does
/// in conditions).
fn strings(v: &Value, what: &str) -> Result<Vec<String>, PolicyError> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(PolicyError(format!(
            "{what} must be a string or a list of strings"
        ))),
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

fn statement(v: &Value) -> Result<Statement, PolicyError> {
    let obj = v
        .as_object()
        .ok_or_else(|| PolicyError("a statement is not an object".into()))?;
    let effect = match member(obj, "Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => {
            return Err(PolicyError(
                "a statement's Effect must be Allow or Deny".into(),
            ));
        }
    };
    let (principal_value, not_principal) =
        match (member(obj, "Principal"), member(obj, "NotPrincipal")) {
            (Some(p), None) => (Some(p), false),
            (None, Some(p)) => (Some(p), true),
            (None, None) => (None, false),
            (Some(_), Some(_)) => {
                return Err(PolicyError(
                    "a statement has both Principal and NotPrincipal".into(),
                ));
            }
        };
    let principals = match principal_value {
        None => Principals::Unspecified,
        Some(Value::String(s)) if s == "*" => Principals::Anyone,
        Some(Value::Object(m)) => match m.get("AWS") {
            Some(aws) => {
                let list = strings(aws, "Principal.AWS")?;
                if list.iter().any(|p| p == "*") {
                    Principals::Anyone
                } else {
                    Principals::Aws(list)
                }
            }
            None => Principals::Other,
        },
        Some(_) => return Err(PolicyError("invalid Principal".into())),
    };
    let (actions, not_action) = pick(obj, "Action", "NotAction")?;
    let (resources, not_resource) = pick(obj, "Resource", "NotResource")?;
    let mut conditions = Vec::new();
    if let Some(c) = member(obj, "Condition") {
        let blocks = c
            .as_object()
            .ok_or_else(|| PolicyError("Condition must be an object".into()))?;
        for (op, keys) in blocks {
            let keys = keys
                .as_object()
                .ok_or_else(|| PolicyError(format!("Condition {op} must be an object")))?;
            let (operator, if_exists) = match op.strip_suffix("IfExists") {
                Some(base) => (base.to_string(), true),
                None => (op.clone(), false),
            };
            for (key, values) in keys {
                let values = strings(values, "a condition value")?;
                let cidrs = if operator.ends_with("IpAddress") {
                    values.iter().map(|v| Cidr::parse(v)).collect()
                } else {
                    Vec::new()
                };
                conditions.push(Condition {
                    known: OPERATORS.contains(&operator.as_str()),
                    operator: operator.clone(),
                    if_exists,
                    key: key.clone(),
                    values,
                    cidrs,
                });
            }
        }
    }
    let resource_patterns = resources.iter().map(|r| ArnPattern::new(r)).collect();
    Ok(Statement {
        effect,
        principals,
        not_principal,
        actions,
        not_action,
        resources,
        resource_patterns,
        not_resource,
        conditions,
    })
}

fn pick(
    obj: &serde_json::Map<String, Value>,
    name: &str,
    not_name: &str,
) -> Result<(Vec<String>, bool), PolicyError> {
    match (member(obj, name), member(obj, not_name)) {
        (Some(v), None) => Ok((strings(v, name)?, false)),
        (None, Some(v)) => Ok((strings(v, not_name)?, true)),
        _ => Err(PolicyError(format!(
            "a statement needs exactly one of {name} and {not_name}"
        ))),
    }
}

/// `*` (any run of characters) and `?` (one character), over the whole text.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    glob(pattern.as_bytes(), text.as_bytes(), false)
}

/// The length of the UTF-8 character starting with `b`.
fn char_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// [`glob_match`] over bytes without allocating (`?` takes one UTF-8 character);
/// `ci`: ASCII letters compare in any case.
fn glob(p: &[u8], t: &[u8], ci: bool) -> bool {
    let same = |a: u8, b: u8| a == b || (ci && a.eq_ignore_ascii_case(&b));
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'?' {
            pi += 1;
            ti += char_len(t[ti]);
        } else if pi < p.len() && p[pi] != b'*' && same(p[pi], t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            let next = st + char_len(t[st]);
            pi = sp + 1;
            ti = next;
            star = Some((sp, next));
        } else {
            return false;
        }
    }
    p[pi.min(p.len())..].iter().all(|c| *c == b'*')
}

/// ARN matching as IAM does: the six `:`-separated parts each matched with wildcards (the
/// last part, the resource, may contain `:` and `/`); `*` alone matches every ARN.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (mut p, mut a) = (pattern.splitn(6, ':'), arn.splitn(6, ':'));
    loop {
        match (p.next(), a.next()) {
            (Some(ps), Some(as_)) => {
                if !glob_match(ps, as_) {
                    return false;
                }
            }
            (None, None) => return true,
            // Not six parts on both sides: the whole text, with wildcards.
            _ => return glob_match(pattern, arn),
        }
    }
}

/// The six `:`-separated parts of an ARN (the last keeps any further `:`).
fn split_arn(arn: &str) -> Option<[&str; 6]> {
    let mut out = [""; 6];
    let mut rest = arn;
    for slot in out.iter_mut().take(5) {
        let i = rest.as_bytes().iter().position(|b| *b == b':')?;
        *slot = &rest[..i];
        rest = &rest[i + 1..];
    }
    out[5] = rest;
    Some(out)
}

/// A `Resource` entry, split once.
#[derive(Debug, Clone, PartialEq)]
struct ArnPattern {
    text: String,
    /// `*`: every ARN.
    any: bool,
    /// The six parts, as byte ranges of `text`.
    parts: Option<[(usize, usize); 6]>,
}

impl ArnPattern {
    fn new(text: &str) -> Self {
        let parts = split_arn(text).map(|p| {
            let base = text.as_ptr() as usize;
            p.map(|s| {
                let start = s.as_ptr() as usize - base;
                (start, start + s.len())
            })
        });
        ArnPattern {
            text: text.to_string(),
            any: text == "*",
            parts,
        }
    }

    fn matches(&self, arn: &str, arn_parts: Option<&[&str; 6]>) -> bool {
        if self.any {
            return true;
        }
        match (&self.parts, arn_parts) {
            (Some(p), Some(a)) => p
                .iter()
                .zip(a)
                .all(|((s, e), a)| glob(&self.text.as_bytes()[*s..*e], a.as_bytes(), false)),
            _ => glob_match(&self.text, arn),
        }
    }
}

/// A principal entry against the caller's ARN: the same ARN, or the caller's account (given
/// as an id or as `arn:aws:iam::{account}:root`).
fn principal_matches(principal: &str, caller: &str) -> bool {
    // IAM takes no wildcards in principal ARNs (only a bare `*`, handled as Anyone).
    if principal == caller {
        return true;
    }
    let caller_account = caller.split(':').nth(4).unwrap_or_default();
    if caller_account.is_empty() {
        return false;
    }
    principal == caller_account
        || principal
            .strip_prefix("arn:aws:iam::")
            .and_then(|rest| rest.strip_suffix(":root"))
            == Some(caller_account)
}

/// Whether `ip` lies in `cidr` (`192.0.2.0/24`, `2001:db8::/32`, or a bare address).
pub fn cidr_contains(cidr: &str, ip: &str) -> bool {
    match (Cidr::parse(cidr), ip.trim().parse::<IpAddr>()) {
        (Some(c), Ok(ip)) => c.contains(ip),
        _ => false,
    }
}

impl Cidr {
    /// `192.0.2.0/24`, `2001:db8::/32`, or a bare address.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (net, bits) = match text.trim().split_once('/') {
            Some((n, b)) => (n, Some(b.parse::<u32>().ok()?)),
            None => (text.trim(), None),
        };
        let net: IpAddr = net.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        Some(Cidr {
            net,
            bits: bits.unwrap_or(max).min(max),
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 caller seen as an IPv4-mapped IPv6 address matches IPv4 ranges.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.bits)
                };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.bits)
                };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

fn cmp_numbers(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    let a: f64 = a.trim().parse().ok()?;
    let b: f64 = b.trim().parse().ok()?;
    a.partial_cmp(&b)
}

fn cmp_dates(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    Some(parse_date(a)?.cmp(&parse_date(b)?))
}

/// Seconds since the epoch of an ISO 8601 date (`2026-01-01`, `2026-01-01T00:00:00Z`, with
/// optional fraction and offset) or of a number of epoch seconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    // Years beyond ±1 000 000 and clock fields beyond a day are not dates: no overflow.
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || !(-1_000_000..=1_000_000).contains(&y)
    {
        return None;
    }
    let mut secs = days_from_civil(y, m, day) * 86_400;
    if let Some(t) = time {
        let (clock, offset) = split_offset(t);
        let clock = clock.split('.').next()?;
        let mut parts = clock.split(':');
        let h: i64 = parts.next()?.parse().ok()?;
        let mi: i64 = parts.next().unwrap_or("0").parse().ok()?;
        let se: i64 = parts.next().unwrap_or("0").parse().ok()?;
        if !(0..=24).contains(&h) || !(0..=60).contains(&mi) || !(0..=61).contains(&se) {
            return None;
        }
        secs += h * 3600 + mi * 60 + se - offset;
    }
    Some(secs)
}

/// `12:00:00+02:00` → (`12:00:00`, 7200); `Z` or nothing is UTC.
fn split_offset(t: &str) -> (&str, i64) {
    if let Some(c) = t.strip_suffix('Z') {
        return (c, 0);
    }
    if let Some(i) = t.rfind(['+', '-']) {
        let (clock, off) = t.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let mut hm = off[1..].split(':');
        let h: i64 = hm
            .next()
            .and_then(|h| h.parse().ok())
            .unwrap_or(0)
            .clamp(0, 24);
        let m: i64 = hm
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0)
            .clamp(0, 60);
        return (clock, sign * (h * 3600 + m * 60));
    }
    (t, 0)
}

/// `aws:CurrentTime`'s text for `secs`.
fn iso8601(secs: i64) -> String {
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(secs.div_euclid(86_400));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// The policy text with every `execute-api:/…` resource written as the full ARN
/// `arn:aws:execute-api:{region}:{account}:{api_id}/…`, as AWS stores a resource policy.
/// Text that is not a policy object is returned unchanged.
pub fn expand_resources(text: &str, region: &str, account: &str, api_id: &str) -> String {
    let Ok(mut v) = serde_json::from_str::<Value>(text) else {
        return text.to_string();
    };
    let expand = |s: &mut Value| {
        if let Value::String(r) = s
            && let Some(rest) = r.strip_prefix("execute-api:")
        {
            *r = format!("arn:aws:execute-api:{region}:{account}:{api_id}{rest}");
        }
    };
    let statements: Vec<&mut Value> = match v.get_mut("Statement") {
        Some(Value::Array(items)) => items.iter_mut().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => return text.to_string(),
    };
    for s in statements {
        for name in ["Resource", "NotResource"] {
            match s.get_mut(name) {
                Some(Value::Array(items)) => items.iter_mut().for_each(expand),
                Some(one) => expand(one),
                None => {}
            }
        }
    }
    serde_json::to_string(&v).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/pets/7";

    fn eval(policy: &str, caller: Option<&str>, ip: &str) -> Decision {
        let key = |k: &str| (k == "aws:SourceIp").then(|| vec![ip.to_string()]);
        Policy::parse(policy).unwrap().evaluate(
            &Request {
                action: "execute-api:Invoke",
                resource: ARN,
                caller_arn: caller,
                source_ip: ip.parse().ok(),
                key: &key,
            },
            1_800_000_000,
        )
    }

    #[test]
    fn wildcards() {
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "abbc"));
        assert!(glob_match("*", ""));
        assert!(glob_match("arn:*/dev/*", "arn:x/dev/GET/a"));
        assert!(!glob_match("abc", "abcd"));
        assert!(arn_matches(
            "arn:aws:execute-api:*:*:abc123/*/GET/pets/*",
            ARN
        ));
        assert!(!arn_matches(
            "arn:aws:execute-api:us-east-1:*:abc123/*/POST/*",
            ARN
        ));
        assert!(!arn_matches(
            "arn:aws:execute-api:us-west-2:*:abc123/*",
            ARN
        ));
    }

    #[test]
    fn deny_wins_allow_needs_a_match() {
        let allow_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:000000000000:abc123/*"}]}"#;
        assert_eq!(eval(allow_all, None, "127.0.0.1"), Decision::Allow);
        let with_deny = r#"{"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"execute-api:*","Resource":"arn:aws:execute-api:*:*:abc123/dev/GET/pets/*"}]}"#;
        assert_eq!(eval(with_deny, None, "127.0.0.1"), Decision::Deny);
        let other_path = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":["arn:aws:execute-api:*:*:abc123/dev/GET/owners"]}}"#;
        assert_eq!(eval(other_path, None, "127.0.0.1"), Decision::Neither);
    }

    #[test]
    fn ip_conditions_v4_and_v6() {
        let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*",
            "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}}]}"#;
        assert_eq!(eval(p, None, "10.1.2.3"), Decision::Allow);
        assert_eq!(eval(p, None, "2001:db8::1"), Decision::Allow);
        assert_eq!(eval(p, None, "::ffff:10.0.0.1"), Decision::Allow);
        assert_eq!(eval(p, None, "11.0.0.1"), Decision::Neither);
        let deny = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*",
            "Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.1"}}}]}"#;
        assert_eq!(eval(deny, None, "127.0.0.2"), Decision::Deny);
        assert_eq!(eval(deny, None, "127.0.0.1"), Decision::Neither);
    }

    #[test]
    fn principals() {
        let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":"execute-api:Invoke","Resource":"*"}]}"#;
        assert_eq!(eval(p, None, "1.1.1.1"), Decision::Neither, "anonymous");
        assert_eq!(
            eval(p, Some("arn:aws:iam::111122223333:user/alice"), "1.1.1.1"),
            Decision::Allow
        );
        assert_eq!(
            eval(p, Some("arn:aws:iam::444455556666:user/bob"), "1.1.1.1"),
            Decision::Neither
        );
        let by_id = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"execute-api:Invoke","Resource":"*"}]}"#;
        assert_eq!(
            eval(
                by_id,
                Some("arn:aws:iam::111122223333:user/alice"),
                "1.1.1.1"
            ),
            Decision::Allow
        );
    }

    #[test]
    fn string_bool_null_date_and_if_exists() {
        let with = |cond: &str| {
            format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{cond}}}]}}"#
            )
        };
        assert_eq!(
            eval(
                &with(r#"{"StringLike":{"aws:SourceIp":"10.*"}}"#),
                None,
                "10.9.9.9"
            ),
            Decision::Allow
        );
        assert_eq!(
            eval(
                &with(r#"{"StringEquals":{"aws:Referer":"x"}}"#),
                None,
                "1.1.1.1"
            ),
            Decision::Neither,
            "absent key"
        );
        assert_eq!(
            eval(
                &with(r#"{"StringEqualsIfExists":{"aws:Referer":"x"}}"#),
                None,
                "1.1.1.1"
            ),
            Decision::Allow
        );
        assert_eq!(
            eval(&with(r#"{"Null":{"aws:Referer":"true"}}"#), None, "1.1.1.1"),
            Decision::Allow
        );
        assert_eq!(
            eval(
                &with(r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#),
                None,
                "1.1.1.1"
            ),
            Decision::Allow
        );
        assert_eq!(
            eval(
                &with(r#"{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01"}}"#),
                None,
                "1.1.1.1"
            ),
            Decision::Neither
        );
    }

    #[test]
    fn unknown_operators_fail_closed() {
        let allow = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"Frobnicate":{"aws:SourceIp":"x"}}}]}"#;
        assert_eq!(eval(allow, None, "1.1.1.1"), Decision::Neither);
        let deny = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Frobnicate":{"aws:SourceIp":"x"}}}]}"#;
        assert_eq!(eval(deny, None, "1.1.1.1"), Decision::Deny);
        assert_eq!(
            Policy::parse(deny).unwrap().unsupported_operators(),
            vec!["Frobnicate".to_string()]
        );
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(Policy::parse("nope").is_err());
        assert!(Policy::parse("{}").is_err());
        assert!(
            Policy::parse(r#"{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#)
                .is_err()
        );
        assert!(Policy::parse(r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#).is_err());
    }

    #[test]
    fn execute_api_shorthand_is_expanded() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/*","arn:aws:execute-api:x"]}]}"#;
        let out = expand_resources(text, "eu-west-1", "000000000000", "a1");
        assert!(
            out.contains("\"arn:aws:execute-api:eu-west-1:000000000000:a1/*\""),
            "{out}"
        );
        assert!(out.contains("\"arn:aws:execute-api:x\""));
        assert_eq!(expand_resources("not json", "r", "a", "i"), "not json");
    }

    #[test]
    fn principal_arns_take_no_wildcards_and_extreme_dates_are_not_dates() {
        let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"*","Resource":"*"}]}"#;
        assert_eq!(
            eval(p, Some("arn:aws:iam::111122223333:user/x"), "1.1.1.1"),
            Decision::Neither
        );
        assert_eq!(parse_date("99999999999999-01-01"), None);
        assert_eq!(parse_date("2026-01-01T99999999999999:00:00Z"), None);
        assert!(parse_date("2026-01-01T00:00:00+99999999999999:00").is_some());
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_date("1970-01-01T02:00:00+02:00"), Some(0));
        assert_eq!(iso8601(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(parse_date(&iso8601(1_800_000_000)), Some(1_800_000_000));
    }
}
