//! Access logs (`accessLogSettings`): the format with its `$context` variables, compiled once
//! per stage, and the destination ARN mapped to a file under `{data_dir}/logs/`.
//!
//! Pure. A variable that does not apply to a request prints `-`, as in CloudWatch.
//! `arn:aws:logs:{region}:{account}:log-group:{name}` → `{name}.log`;
//! `arn:aws:firehose:{region}:{account}:deliverystream/{name}` → `firehose-{name}.log`.

/// A compiled format: literal text and variable names (without `$context.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(String),
}

const PREFIX: &str = "$context.";

impl Format {
    pub fn compile(text: &str) -> Format {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find(PREFIX) {
            let after = &rest[i + PREFIX.len()..];
            let len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
                .count();
            let name = after[..len].trim_end_matches(['.', '-']);
            if name.is_empty() {
                push_text(&mut parts, &rest[..i + PREFIX.len()]);
                rest = after;
                continue;
            }
            push_text(&mut parts, &rest[..i]);
            parts.push(Part::Var(name.to_string()));
            rest = &after[name.len()..];
        }
        push_text(&mut parts, rest);
        Format { parts }
    }

    /// Renders one line; `var` answers a variable's value (None prints `-`). Line breaks in
    /// the format or values are flattened so that one request stays one line.
    pub fn render(&self, var: impl Fn(&str) -> Option<String>) -> String {
        let mut out = String::with_capacity(128);
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Var(name) => match var(name) {
                    Some(v) if !v.is_empty() => out.push_str(&v),
                    _ => out.push('-'),
                },
            }
        }
        if out.contains(['\n', '\r']) {
            out = out.replace("\r\n", " ").replace(['\n', '\r'], " ");
        }
        out
    }

    /// The variables the format uses.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Text(_) => None,
        })
    }
}

fn push_text(parts: &mut Vec<Part>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Part::Text(prev)) = parts.last_mut() {
        prev.push_str(text);
    } else {
        parts.push(Part::Text(text.to_string()));
    }
}

/// The log file (relative to `{data_dir}/logs`) for a destination ARN.
pub fn destination_file(arn: &str) -> Option<String> {
    if let Some((_, name)) = arn.split_once(":log-group:") {
        let name = name.strip_suffix(":*").unwrap_or(name);
        let name = name.trim_matches('/');
        return (!name.is_empty()).then(|| format!("{name}.log"));
    }
    if arn.starts_with("arn:aws:firehose:") || arn.starts_with("arn:aws-") {
        let (_, name) = arn.split_once(":deliverystream/")?;
        let name = name.trim_matches('/');
        return (!name.is_empty() && !name.contains('/')).then(|| format!("firehose-{name}.log"));
    }
    None
}

/// The `$context` variables AWS documents for access logging that the data plane fills in
/// (others, such as authorizer or WAF fields, print `-` until those features exist).
pub const SUPPORTED: &[&str] = &[
    "accountId",
    "apiId",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "error.message",
    "error.messageString",
    "error.responseType",
    "error.validationErrorString",
    "extendedRequestId",
    "httpMethod",
    "identity.sourceIp",
    "identity.userAgent",
    "integration.error",
    "integration.integrationStatus",
    "integration.latency",
    "integration.requestId",
    "integration.status",
    "integrationLatency",
    "integrationStatus",
    "isCanaryRequest",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "responseLatency",
    "responseLength",
    "stage",
    "status",
    "xrayTraceId",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        Some(match name {
            "identity.sourceIp" => "127.0.0.1".into(),
            "requestTime" => "21/Nov/2026:06:00:43 +0000".into(),
            "httpMethod" => "GET".into(),
            "resourcePath" => "/pets".into(),
            "protocol" => "HTTP/1.1".into(),
            "status" => "200".into(),
            "responseLength" => "12".into(),
            "requestId" => "rid".into(),
            _ => return None,
        })
    }

    #[test]
    fn aws_example_formats() {
        let clf = Format::compile(
            "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] \"$context.httpMethod $context.resourcePath $context.protocol\" $context.status $context.responseLength $context.requestId",
        );
        assert_eq!(
            clf.render(vars),
            "127.0.0.1 - - [21/Nov/2026:06:00:43 +0000] \"GET /pets HTTP/1.1\" 200 12 rid"
        );
        let json = Format::compile(
            "{ \"requestId\":\"$context.requestId\", \"ip\": \"$context.identity.sourceIp\", \"status\":\"$context.status\" }",
        );
        assert_eq!(
            json.render(vars),
            "{ \"requestId\":\"rid\", \"ip\": \"127.0.0.1\", \"status\":\"200\" }"
        );
        let xml = Format::compile(
            "<request id=\"$context.requestId\"> <ip>$context.identity.sourceIp</ip> <status>$context.status</status> </request>",
        );
        assert_eq!(
            xml.render(vars),
            "<request id=\"rid\"> <ip>127.0.0.1</ip> <status>200</status> </request>"
        );
        let csv = Format::compile(
            "$context.identity.sourceIp,$context.identity.caller,$context.requestTime,$context.status,$context.requestId",
        );
        assert_eq!(
            csv.render(vars),
            "127.0.0.1,-,21/Nov/2026:06:00:43 +0000,200,rid"
        );
    }

    #[test]
    fn edge_cases() {
        let f = Format::compile("$context. $context.status.\n$$context.requestId");
        assert_eq!(f.render(vars), "$context. 200. $rid");
        assert_eq!(f.variables().collect::<Vec<_>>(), ["status", "requestId"]);
    }

    #[test]
    fn destinations() {
        assert_eq!(
            destination_file("arn:aws:logs:us-east-1:123:log-group:my-group").as_deref(),
            Some("my-group.log")
        );
        assert_eq!(
            destination_file("arn:aws:logs:us-east-1:123:log-group:/aws/apigw/x:*").as_deref(),
            Some("aws/apigw/x.log")
        );
        assert_eq!(
            destination_file("arn:aws:firehose:us-east-1:123:deliverystream/amazon-apigateway-s")
                .as_deref(),
            Some("firehose-amazon-apigateway-s.log")
        );
        assert_eq!(destination_file("arn:aws:s3:::bucket"), None);
    }
}
