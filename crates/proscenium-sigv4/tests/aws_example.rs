//! AWS's published SigV4 example (IAM `ListUsers`, 2015-08-30), checked at
//! every stage: canonical request, string to sign, signing key, signature,
//! then verification and outbound signing end to end.

use std::collections::HashMap;

use proscenium_sigv4::canonical::{
    CanonicalParts, canonical_headers, canonical_query_string, canonical_request, canonical_uri,
    string_to_sign,
};
use proscenium_sigv4::{
    AmzDate, Credentials, EMPTY_SHA256, RequestParts, SecretKey, sha256_hex, sign, signing_key,
    verify,
};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SIGNATURE: &str = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
const HEADERS: &[(&str, &str)] = &[
    ("Host", "iam.amazonaws.com"),
    (
        "Content-Type",
        "application/x-www-form-urlencoded; charset=utf-8",
    ),
    ("X-Amz-Date", "20150830T123600Z"),
];

fn signed_at() -> AmzDate {
    AmzDate::parse_iso8601_basic("20150830T123600Z").unwrap()
}

#[test]
fn canonical_request_and_string_to_sign_match_the_documentation() {
    let signed: Vec<String> = ["content-type", "host", "x-amz-date"]
        .map(String::from)
        .to_vec();
    let headers = canonical_headers(HEADERS, &signed).unwrap();
    let creq = canonical_request(&CanonicalParts {
        method: "GET",
        uri: &canonical_uri("/"),
        query: &canonical_query_string("Action=ListUsers&Version=2010-05-08", false),
        headers: &headers,
        signed_headers: "content-type;host;x-amz-date",
        payload_hash: EMPTY_SHA256,
    });
    let expected = "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
        content-type:application/x-www-form-urlencoded; charset=utf-8\n\
        host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
        content-type;host;x-amz-date\n\
        e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_eq!(creq, expected);
    assert_eq!(
        sha256_hex(creq.as_bytes()),
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    );
    let sts = string_to_sign(signed_at(), "20150830/us-east-1/iam/aws4_request", &creq);
    assert_eq!(
        sts,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n\
         f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    );
    let key = signing_key(SECRET, "20150830", "us-east-1", "iam");
    assert_eq!(
        key.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    );
}

fn request_with(authorization: &str) -> Vec<(&str, &str)> {
    let mut h = HEADERS.to_vec();
    h.push(("Authorization", authorization));
    h
}

#[test]
fn the_documented_signature_verifies() {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, Signature={SIGNATURE}"
    );
    let headers = request_with(&auth);
    let req = RequestParts {
        method: "GET",
        path: "/",
        query: "Action=ListUsers&Version=2010-05-08",
        headers: &headers,
    };
    let creds = HashMap::from([("AKIDEXAMPLE".to_owned(), SecretKey::new(SECRET))]);
    let caller = verify(&req, b"", signed_at().unix() + 10, &creds).unwrap();
    assert_eq!(caller.access_key_id, "AKIDEXAMPLE");
    assert_eq!(caller.region, "us-east-1");
    assert_eq!(caller.service, "iam");
    assert!(!caller.presigned);
}

#[test]
fn outbound_signing_reproduces_the_documented_header() {
    let headers = HEADERS[..2].to_vec();
    let req = RequestParts {
        method: "GET",
        path: "/",
        query: "Action=ListUsers&Version=2010-05-08",
        headers: &headers,
    };
    let creds = Credentials {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: SECRET,
        session_token: None,
    };
    let out = sign(&req, b"", &creds, "us-east-1", "iam", signed_at().unix());
    assert_eq!(out.x_amz_date, "20150830T123600Z");
    assert_eq!(out.signature, SIGNATURE);
    assert_eq!(
        out.authorization,
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature={SIGNATURE}"
        )
    );
    assert_eq!(out.x_amz_security_token, None);
}
