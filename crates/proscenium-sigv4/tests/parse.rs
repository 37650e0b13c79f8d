//! Parsing of the `Authorization` header and of presigned query strings:
//! good forms, AWS's malformed-header messages, and region extraction.

use proscenium_sigv4::parse::{
    is_presigned_query, parse_authorization_header, parse_presigned_query,
};
use proscenium_sigv4::{
    Credential, ParseError, VerifyError, region_from_authorization, region_from_query,
};

const SIG: &str = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

fn good() -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/apigateway/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature={SIG}"
    )
}

#[test]
fn parses_the_sdk_form() {
    let a = parse_authorization_header(&good()).unwrap();
    assert_eq!(
        a.credential,
        Credential {
            access_key_id: "AKID".into(),
            date: "20150830".into(),
            region: "us-east-1".into(),
            service: "apigateway".into(),
            terminator: "aws4_request".into(),
        }
    );
    assert_eq!(
        a.credential.scope(),
        "20150830/us-east-1/apigateway/aws4_request"
    );
    assert_eq!(a.signed_headers, ["host", "x-amz-date"]);
    assert_eq!(a.signature, SIG);
}

#[test]
fn tolerates_spacing_order_case_of_names_and_unknown_parameters() {
    let h = format!(
        "  AWS4-HMAC-SHA256   Signature={SIG},SignedHeaders=Host;X-Amz-Date ,\t\
         Foo=bar,  Credential=AKID/20150830/eu-west-1/apigateway/aws4_request"
    );
    let a = parse_authorization_header(&h).unwrap();
    assert_eq!(a.credential.region, "eu-west-1");
    assert_eq!(a.signed_headers, ["host", "x-amz-date"]);
    assert_eq!(a.signature, SIG);
}

#[test]
fn missing_parameters_are_listed_in_aws_order() {
    let e = parse_authorization_header("AWS4-HMAC-SHA256 Credential=a/b/c/d/e").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Authorization header requires 'Signature' parameter. \
         Authorization header requires 'SignedHeaders' parameter."
    );
    let e = parse_authorization_header("AWS4-HMAC-SHA256").unwrap_err();
    assert!(
        matches!(e, ParseError::MissingParameters(m) if m.credential && m.signature && m.signed_headers)
    );
}

#[test]
fn other_schemes_lack_every_parameter() {
    for h in [
        "Bearer eyJhbGciOi",
        "eyJ0eXAiOiJKV1Qi",
        "AWS4-HMAC-SHA256X Credential=x",
        "",
    ] {
        let e = parse_authorization_header(h).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Authorization header requires 'Credential' parameter. \
             Authorization header requires 'Signature' parameter. \
             Authorization header requires 'SignedHeaders' parameter.",
            "{h}"
        );
    }
}

#[test]
fn a_component_without_equal_sign_is_reported_like_aws() {
    let h = format!(
        "AWS4-HMAC-SHA256 Credential= AKID/20150830/us-east-1/apigateway/aws4_request, \
         SignedHeaders=host, Signature={SIG}"
    );
    let e = parse_authorization_header(&h).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "'AKID/20150830/us-east-1/apigateway/aws4_request' not a valid key=value pair \
             (missing equal-sign) in Authorization header: '{h}'."
        )
    );
    let v: VerifyError = e.into();
    assert_eq!(v.status(), 400);
    assert_eq!(v.aws_error_code(), "IncompleteSignatureException");
}

#[test]
fn credential_needs_five_elements() {
    for cred in [
        "",
        "AKID",
        "AKID/20150830/us-east-1/apigateway",
        "a/b/c/d/e/f",
    ] {
        let h = format!("AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=host, Signature=x");
        let e = parse_authorization_header(&h).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "Credential must have exactly 5 slash-delimited elements, \
                 e.g. keyid/date/region/service/term, got '{cred}'"
            )
        );
    }
}

#[test]
fn hostile_inputs_do_not_panic() {
    let long = "=".repeat(100_000);
    for h in [
        "AWS4-HMAC-SHA256 ===,,,",
        "AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;;;, Signature=",
        "AWS4-HMAC-SHA256 \u{0}\u{ffff}=\u{1F600}",
        long.as_str(),
    ] {
        let _ = parse_authorization_header(h);
        let _ = region_from_authorization(h);
        let _ = parse_presigned_query(h);
        let _ = region_from_query(h);
    }
}

#[test]
fn region_is_extracted_cheaply() {
    assert_eq!(region_from_authorization(&good()), Some("us-east-1"));
    assert_eq!(
        region_from_authorization("AWS4-HMAC-SHA256 Credential=A/2015/ap-south-2/s/aws4_request"),
        Some("ap-south-2")
    );
    assert_eq!(
        region_from_authorization("AWS4-HMAC-SHA256 Credential=A/2015"),
        None
    );
    assert_eq!(region_from_authorization("Bearer x"), None);
    assert_eq!(
        region_from_query("X-Amz-Credential=A%2F20150830%2Feu-west-1%2Fapigateway%2Faws4_request"),
        Some("eu-west-1".to_owned())
    );
    assert_eq!(region_from_query("a=b"), None);
}

const PRESIGNED: &str = "limit=5&X-Amz-Algorithm=AWS4-HMAC-SHA256\
    &X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fapigateway%2Faws4_request\
    &X-Amz-Date=20150830T123600Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host\
    &X-Amz-Security-Token=tok%2Ben&X-Amz-Signature=abc";

#[test]
fn parses_the_presigned_form() {
    assert!(is_presigned_query(PRESIGNED));
    assert!(!is_presigned_query("limit=5&x-amz-date=1"));
    let p = parse_presigned_query(PRESIGNED).unwrap();
    assert_eq!(p.auth.credential.access_key_id, "AKID");
    assert_eq!(p.auth.signed_headers, ["host"]);
    assert_eq!(p.auth.signature, "abc");
    assert_eq!(p.date, "20150830T123600Z");
    assert_eq!(p.expires, 300);
    assert_eq!(p.security_token.as_deref(), Some("tok+en"));
}

#[test]
fn presigned_errors() {
    let e =
        parse_presigned_query("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc").unwrap_err();
    assert_eq!(
        e.to_string(),
        "AWS query-string parameters must include 'X-Amz-Credential'. \
         AWS query-string parameters must include 'X-Amz-SignedHeaders'. \
         AWS query-string parameters must include 'X-Amz-Date'. \
         AWS query-string parameters must include 'X-Amz-Expires'. \
         Re-examine the query-string parameters."
    );
    let bad_alg = PRESIGNED.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1");
    assert!(matches!(
        parse_presigned_query(&bad_alg),
        Err(ParseError::UnsupportedAlgorithm(a)) if a == "AWS4-HMAC-SHA1"
    ));
    for exp in ["0", "604801", "-1", "+5", "1e3", "99999999999999999999999"] {
        let q = PRESIGNED.replace("X-Amz-Expires=300", &format!("X-Amz-Expires={exp}"));
        assert!(
            matches!(
                parse_presigned_query(&q),
                Err(ParseError::InvalidExpires(_))
            ),
            "{exp}"
        );
    }
}
