//! AWS service integration URIs, parsed once when a deployment is compiled:
//! `arn:{partition}:apigateway:{region}:{subdomain.}{service}:action/{Action}[&{k}={v}…]` or
//! `…:path/{path}`. Says where the request goes (relative to `--aws-endpoint`) and how it is
//! signed (SigV4 service name and region).
//!
//! Pure: no I/O. The region may still hold `${stageVariables.X}` (substituted per request).

/// A parsed AWS service integration URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsTarget {
    /// The ARN's region (the region requests are signed for).
    pub region: String,
    /// The ARN's service segment without the subdomain (`sqs`, `dynamodb`, `states`, `s3`).
    pub service: String,
    /// `{subdomain}` of `{subdomain}.{service}` (an S3 bucket, an AppSync API id, …).
    pub subdomain: Option<String>,
    pub call: Call,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `action/{name}`, with the raw `&k=v` parameters that may follow the name.
    Action { name: String, params: String },
    /// `path/{path}` (may hold `{param}` placeholders).
    Path(String),
}

/// AWS's message for an ARN it cannot use.
pub const INVALID_ARN: &str = "Invalid ARN specified in the request";
/// AWS's message for an ARN without `path/` or `action/`.
pub const NO_PATH_OR_ACTION: &str = "AWS ARN for integration must contain path or action";

/// Parses an AWS integration URI; the error is AWS's message for it.
pub fn parse(uri: &str) -> Result<AwsTarget, String> {
    let parts: Vec<&str> = uri.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return Err(INVALID_ARN.into());
    }
    if parts[2] != "apigateway" || parts[3].is_empty() || parts[4].is_empty() {
        return Err(INVALID_ARN.into());
    }
    let (subdomain, service) = match parts[4].rsplit_once('.') {
        Some((sub, svc)) if !sub.is_empty() && !svc.is_empty() => {
            (Some(sub.to_string()), svc.to_string())
        }
        Some(_) => return Err(INVALID_ARN.into()),
        None => (None, parts[4].to_string()),
    };
    let tail = parts[5];
    let call = if let Some(action) = tail.strip_prefix("action/") {
        let (name, params) = action.split_once('&').unwrap_or((action, ""));
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("{INVALID_ARN}: action {name:?}"));
        }
        Call::Action {
            name: name.to_string(),
            params: params.trim_matches('&').to_string(),
        }
    } else if let Some(path) = tail.strip_prefix("path/") {
        Call::Path(path.trim_start_matches('/').to_string())
    } else {
        return Err(NO_PATH_OR_ACTION.into());
    };
    Ok(AwsTarget {
        region: parts[3].to_string(),
        service,
        subdomain,
        call,
    })
}

impl AwsTarget {
    /// The SigV4 service name. Most services sign with their endpoint prefix; the exceptions
    /// API Gateway users meet are mapped here.
    pub fn signing_name(&self) -> &str {
        match self.service.as_str() {
            "email" => "ses",
            "appsync-api" => "appsync",
            "iot" if self.subdomain.is_some() => "iotdata",
            other => other,
        }
    }

    pub fn is_s3(&self) -> bool {
        self.service == "s3"
    }

    /// What `{service}` in `--aws-endpoint` becomes: `{subdomain}.{service}`, except for S3,
    /// which is addressed path-style (the bucket goes into the path).
    pub fn host_service(&self) -> String {
        match &self.subdomain {
            Some(sub) if !self.is_s3() => format!("{sub}.{}", self.service),
            _ => self.service.clone(),
        }
    }

    /// The request's path and query relative to the endpoint: `/{path}` (S3 with a bucket
    /// subdomain: `/{bucket}/{path}`), or `/?Action={name}[&params]`.
    pub fn path_and_query(&self) -> String {
        match &self.call {
            Call::Path(p) => match &self.subdomain {
                Some(bucket) if self.is_s3() => format!("/{bucket}/{p}"),
                _ => format!("/{p}"),
            },
            Call::Action { name, params } if params.is_empty() => format!("/?Action={name}"),
            Call::Action { name, params } => format!("/?Action={name}&{params}"),
        }
    }

    /// For action calls to JSON-protocol services API Gateway addresses by action alone:
    /// the `X-Amz-Target` value and the content type the service expects.
    pub fn json_protocol(&self) -> Option<(String, &'static str)> {
        let Call::Action { name, .. } = &self.call else {
            return None;
        };
        let (prefix, content_type) = match self.service.as_str() {
            "dynamodb" => ("DynamoDB_20120810", "application/x-amz-json-1.0"),
            "kinesis" => ("Kinesis_20131202", "application/x-amz-json-1.1"),
            "states" => ("AWSStepFunctions", "application/x-amz-json-1.0"),
            _ => return None,
        };
        Some((format!("{prefix}.{name}"), content_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_and_path_forms() {
        let t = parse("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem").unwrap();
        assert_eq!(
            (t.region.as_str(), t.service.as_str()),
            ("us-east-1", "dynamodb")
        );
        assert_eq!(t.path_and_query(), "/?Action=PutItem");
        assert_eq!(
            t.json_protocol(),
            Some((
                "DynamoDB_20120810.PutItem".to_string(),
                "application/x-amz-json-1.0"
            ))
        );
        let t = parse("arn:aws:apigateway:eu-west-1:sqs:path/000000000000/queue").unwrap();
        assert_eq!(t.call, Call::Path("000000000000/queue".into()));
        assert_eq!(t.path_and_query(), "/000000000000/queue");
        assert_eq!((t.signing_name(), t.region.as_str()), ("sqs", "eu-west-1"));
        assert_eq!(t.json_protocol(), None);
        let t = parse("arn:aws:apigateway:us-east-1:sqs:action/SendMessage&QueueUrl=q").unwrap();
        assert_eq!(t.path_and_query(), "/?Action=SendMessage&QueueUrl=q");
        assert_eq!(t.json_protocol(), None);
    }

    #[test]
    fn signing_names_subdomains_and_s3_path_style() {
        let t = parse("arn:aws:apigateway:us-east-1:states:action/StartExecution").unwrap();
        assert_eq!(t.signing_name(), "states");
        assert_eq!(
            t.json_protocol().unwrap().0,
            "AWSStepFunctions.StartExecution"
        );
        let t = parse("arn:aws:apigateway:us-east-1:s3:path/{bucket}/{key}").unwrap();
        assert!(t.is_s3());
        assert_eq!(t.path_and_query(), "/{bucket}/{key}");
        let t = parse("arn:aws:apigateway:us-east-1:my-bucket.s3:path/{key}").unwrap();
        assert_eq!(t.path_and_query(), "/my-bucket/{key}");
        assert_eq!(t.host_service(), "s3");
        let t = parse("arn:aws:apigateway:us-east-1:abc123.appsync-api:path/graphql").unwrap();
        assert_eq!(
            (t.signing_name(), t.host_service().as_str()),
            ("appsync", "abc123.appsync-api")
        );
        let t = parse("arn:aws:apigateway:us-east-1:email:action/SendEmail").unwrap();
        assert_eq!(t.signing_name(), "ses");
        let t = parse("arn:aws-cn:apigateway:${stageVariables.r}:sns:action/Publish").unwrap();
        assert_eq!(t.region, "${stageVariables.r}");
    }

    #[test]
    fn bad_arns_are_aws_errors() {
        for uri in [
            "https://sqs.amazonaws.com/1/q",
            "arn:aws:sqs:us-east-1:000000000000:queue",
            "arn:aws:apigateway:us-east-1:sqs",
            "arn:aws:apigateway::sqs:path/x",
            "arn:aws:apigateway:us-east-1::path/x",
            "arn:aws:apigateway:us-east-1:.sqs:path/x",
            "arn:aws:apigateway:us-east-1:sqs:action/",
            "arn:aws:apigateway:us-east-1:sqs:action/Send Message",
        ] {
            let e = parse(uri).unwrap_err();
            assert!(e.starts_with(INVALID_ARN), "{uri}: {e}");
        }
        assert_eq!(
            parse("arn:aws:apigateway:us-east-1:sqs:queue/x").unwrap_err(),
            NO_PATH_OR_ACTION
        );
    }
}
