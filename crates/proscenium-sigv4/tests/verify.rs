//! Verification outcomes and the exact AWS status/code/message of each error.
//! Requests are signed with our own `sign` at a fixed instant (itself checked
//! against AWS and botocore vectors elsewhere).

use std::collections::BTreeMap;

use proscenium_sigv4::{
    AmzDate, Credentials, RequestParts, SIGNATURE_MISMATCH_MESSAGE, SecretKey, VerifiedCaller,
    VerifyError, VerifyOptions, sign, verify, verify_with,
};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const HOST: &str = "apigateway.us-east-1.amazonaws.com";

fn t(s: &str) -> u64 {
    AmzDate::parse_iso8601_basic(s).unwrap().unix()
}

fn at() -> u64 {
    t("20150830T123600Z")
}

fn creds() -> BTreeMap<String, SecretKey> {
    BTreeMap::from([(AKID.to_owned(), SecretKey::new(SECRET))])
}

/// Headers of a request signed at [`at`] (plus `extra`, which is signed too).
fn signed(path: &str, query: &str, body: &[u8], token: Option<&str>) -> Vec<(String, String)> {
    let mut headers = vec![
        ("Host".to_owned(), HOST.to_owned()),
        ("Content-Type".to_owned(), "application/json".to_owned()),
    ];
    let borrowed: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (&**n, &**v)).collect();
    let req = RequestParts {
        method: "POST",
        path,
        query,
        headers: &borrowed,
    };
    let c = Credentials {
        access_key_id: AKID,
        secret_access_key: SECRET,
        session_token: token,
    };
    let out = sign(&req, body, &c, "us-east-1", "apigateway", at());
    headers.push(("X-Amz-Date".into(), out.x_amz_date));
    if let Some(tok) = out.x_amz_security_token {
        headers.push(("X-Amz-Security-Token".into(), tok));
    }
    headers.push(("Authorization".into(), out.authorization));
    headers
}

fn run(
    headers: &[(String, String)],
    query: &str,
    body: &[u8],
    now: u64,
) -> Result<VerifiedCaller, VerifyError> {
    run_with(headers, query, body, now, &VerifyOptions::default())
}

fn run_with(
    headers: &[(String, String)],
    query: &str,
    body: &[u8],
    now: u64,
    opts: &VerifyOptions<'_>,
) -> Result<VerifiedCaller, VerifyError> {
    let borrowed: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (&**n, &**v)).collect();
    let req = RequestParts {
        method: "POST",
        path: "/restapis",
        query,
        headers: &borrowed,
    };
    verify_with(&req, body, now, &creds(), opts)
}

fn with_auth(headers: &[(String, String)], f: impl Fn(&str) -> String) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                if n == "Authorization" {
                    f(v)
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

fn without(headers: &[(String, String)], name: &str) -> Vec<(String, String)> {
    headers.iter().filter(|(n, _)| n != name).cloned().collect()
}

fn expect(err: VerifyError, status: u16, code: &str, message: &str) {
    assert_eq!(
        (err.status(), err.aws_error_code(), err.message().as_str()),
        (status, code, message)
    );
}

#[test]
fn a_good_request_verifies_and_reports_the_caller() {
    let h = signed("/restapis", "a=1", b"{}", Some("session"));
    let c = run(&h, "a=1", b"{}", at() + 299).unwrap();
    assert_eq!(c.access_key_id, AKID);
    assert_eq!(
        (c.region.as_str(), c.service.as_str()),
        ("us-east-1", "apigateway")
    );
    assert_eq!(c.date.unix(), at());
    assert_eq!(c.session_token.as_deref(), Some("session"));
    assert!(!c.presigned);
}

#[test]
fn missing_authentication_token() {
    for h in [
        vec![("Host".to_owned(), HOST.to_owned())],
        vec![("authorization".to_owned(), " ".to_owned())],
    ] {
        let e = run(&h, "", b"", at()).unwrap_err();
        expect(
            e,
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        );
    }
}

#[test]
fn a_foreign_scheme_without_date_gets_the_full_incomplete_message() {
    let h = vec![("Authorization".to_owned(), "eyJ0eXAiOiJKV1Qi".to_owned())];
    let e = run(&h, "", b"", at()).unwrap_err();
    expect(
        e,
        400,
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. \
         Authorization header requires 'Signature' parameter. \
         Authorization header requires 'SignedHeaders' parameter. \
         Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. \
         Authorization=eyJ0eXAiOiJKV1Qi",
    );
}

#[test]
fn a_complete_header_without_any_date() {
    let h = without(&signed("/restapis", "", b"", None), "X-Amz-Date");
    let auth = h
        .iter()
        .find(|(n, _)| n == "Authorization")
        .unwrap()
        .1
        .clone();
    let e = run(&h, "", b"", at()).unwrap_err();
    let msg = format!(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={auth}"
    );
    expect(e, 400, "IncompleteSignatureException", &msg);
}

#[test]
fn a_malformed_date() {
    let mut h = signed("/restapis", "", b"", None);
    h.iter_mut()
        .filter(|(n, _)| n == "X-Amz-Date")
        .for_each(|(_, v)| *v = "2015-08-30".into());
    let e = run(&h, "", b"", at()).unwrap_err();
    expect(
        e,
        400,
        "IncompleteSignatureException",
        "Date must be in ISO-8601 'basic format'. Got '2015-08-30'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
}

#[test]
fn unknown_access_key() {
    let h = with_auth(&signed("/restapis", "", b"", None), |a| {
        a.replace(AKID, "AKIDOTHER")
    });
    let e = run(&h, "", b"", at()).unwrap_err();
    expect(
        e,
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    );
}

#[test]
fn wrong_signature_body_query_or_secret() {
    let h = signed("/restapis", "a=1", b"{}", None);
    let mismatch = |r: Result<VerifiedCaller, VerifyError>| {
        expect(
            r.unwrap_err(),
            403,
            "InvalidSignatureException",
            SIGNATURE_MISMATCH_MESSAGE,
        );
    };
    mismatch(run(&h, "a=1", b"{ }", at()));
    mismatch(run(&h, "a=2", b"{}", at()));
    mismatch(run(&h, "a=1&b", b"{}", at()));
    mismatch(run(
        &with_auth(&h, |a| a.replace("Signature=", "Signature=0")),
        "a=1",
        b"{}",
        at(),
    ));
    mismatch(run(
        &with_auth(&h, |a| a[..a.len() - 1].to_owned()),
        "a=1",
        b"{}",
        at(),
    ));
    mismatch(run(
        // Uppercase hex is not the signature AWS computes.
        &with_auth(&h, |a| {
            let (head, sig) = a.split_at(a.len() - 64);
            format!("{head}{}", sig.to_uppercase())
        }),
        "a=1",
        b"{}",
        at(),
    ));
    let other = BTreeMap::from([(AKID.to_owned(), SecretKey::new("not-the-secret"))]);
    let borrowed: Vec<(&str, &str)> = h.iter().map(|(n, v)| (&**n, &**v)).collect();
    let req = RequestParts {
        method: "POST",
        path: "/restapis",
        query: "a=1",
        headers: &borrowed,
    };
    mismatch(verify(&req, b"{}", at(), &other));
}

#[test]
fn clock_skew_is_five_minutes_each_way() {
    let h = signed("/restapis", "", b"", None);
    assert!(run(&h, "", b"", at() + 300).is_ok());
    assert!(run(&h, "", b"", at() - 300).is_ok());
    let e = run(&h, "", b"", t("20150830T124200Z")).unwrap_err();
    expect(
        e,
        403,
        "InvalidSignatureException",
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)",
    );
    let e = run(&h, "", b"", t("20150830T123059Z")).unwrap_err();
    expect(
        e,
        403,
        "InvalidSignatureException",
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T123059Z + 5 min.)",
    );
    let strict = VerifyOptions {
        max_skew_secs: 30,
        ..VerifyOptions::default()
    };
    let e = run_with(&h, "", b"", at() + 31, &strict).unwrap_err();
    assert!(e.message().ends_with("(20150830T123631Z - 30 sec.)"), "{e}");
}

#[test]
fn credential_scope_checks() {
    let h = signed("/restapis", "", b"", None);
    let scoped = |f: &dyn Fn(&str) -> String, opts: VerifyOptions<'_>| {
        run_with(&with_auth(&h, f), "", b"", at(), &opts).unwrap_err()
    };
    let d = VerifyOptions::default();
    let e = scoped(&|a| a.replace("/aws4_request", "/aws5_request"), d);
    expect(
        e,
        403,
        "InvalidSignatureException",
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    );
    let e = scoped(&|a| a.replace("/20150830/", "/20150831/"), d);
    expect(
        e,
        403,
        "InvalidSignatureException",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'.",
    );
    let e = scoped(
        &str::to_owned,
        VerifyOptions {
            region: Some("eu-west-1"),
            ..d
        },
    );
    expect(
        e,
        403,
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'us-east-1'. ",
    );
    let e = scoped(
        &str::to_owned,
        VerifyOptions {
            service: Some("execute-api"),
            ..d
        },
    );
    expect(
        e,
        403,
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'execute-api'. ",
    );
    let ok = VerifyOptions {
        region: Some("us-east-1"),
        service: Some("apigateway"),
        ..d
    };
    assert!(run_with(&h, "", b"", at(), &ok).is_ok());
}

#[test]
fn signed_headers_must_include_host_and_exist() {
    let h = signed("/restapis", "", b"", None);
    let e = run(
        &with_auth(&h, |a| a.replace("content-type;host;", "content-type;")),
        "",
        b"",
        at(),
    )
    .unwrap_err();
    expect(
        e,
        400,
        "IncompleteSignatureException",
        "'Host' must be a 'SignedHeader' in the AWS Authorization.",
    );
    let e = run(&without(&h, "Content-Type"), "", b"", at()).unwrap_err();
    expect(
        e,
        400,
        "IncompleteSignatureException",
        "'content-type' is named as a SignedHeader, but it does not exist in the HTTP request.",
    );
}

#[test]
fn unsigned_extra_headers_and_header_case_do_not_matter() {
    let mut h: Vec<(String, String)> = signed("/restapis", "", b"", None)
        .into_iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect();
    h.push(("User-Agent".into(), "curl/8".into()));
    h.push(("X-Forwarded-For".into(), "10.0.0.1".into()));
    assert!(run(&h, "", b"", at()).is_ok());
}

/// Signs by hand through the public canonical pieces (GET, empty body).
fn manual_signature(
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    signed: &[&str],
    skip_sig: bool,
) -> String {
    use proscenium_sigv4::canonical::*;
    let signed: Vec<String> = signed.iter().map(|s| (*s).to_owned()).collect();
    let creq = canonical_request(&CanonicalParts {
        method: "GET",
        uri: &canonical_uri(path),
        query: &canonical_query_string(query, skip_sig),
        headers: &canonical_headers(headers, &signed).unwrap(),
        signed_headers: &signed.join(";"),
        payload_hash: proscenium_sigv4::EMPTY_SHA256,
    });
    let sts = string_to_sign(
        AmzDate::from_unix(at()),
        "20150830/us-east-1/apigateway/aws4_request",
        &creq,
    );
    let key = proscenium_sigv4::signing_key(SECRET, "20150830", "us-east-1", "apigateway");
    proscenium_sigv4::signature_hex(&key, &sts)
}

#[test]
fn date_header_can_replace_x_amz_date() {
    let date = AmzDate::from_unix(at()).http_date();
    assert_eq!(date, "Sun, 30 Aug 2015 12:36:00 GMT");
    let base = [("host", HOST), ("date", date.as_str())];
    let sig = manual_signature("/restapis", "", &base, &["date", "host"], false);
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={AKID}/20150830/us-east-1/apigateway/aws4_request, SignedHeaders=date;host, Signature={sig}"
    );
    let h = [
        ("Host", HOST),
        ("Date", date.as_str()),
        ("Authorization", auth.as_str()),
    ];
    let req = RequestParts {
        method: "GET",
        path: "/restapis",
        query: "",
        headers: &h,
    };
    let c = verify(&req, b"", at() + 1, &creds()).unwrap();
    assert_eq!(c.date.unix(), at());
    // X-Amz-Date wins over Date when both are present.
    let h2 = [h[0], h[1], h[2], ("X-Amz-Date", "20150830T123601Z")];
    let req = RequestParts {
        headers: &h2,
        ..req
    };
    assert!(verify(&req, b"", at(), &creds()).is_err());
}

fn presigned_query(expires: u64) -> String {
    let base = format!(
        "limit=5&X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential={AKID}%2F20150830%2Fus-east-1%2Fapigateway%2Faws4_request\
         &X-Amz-Date=20150830T123600Z&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host"
    );
    let sig = manual_signature("/restapis", &base, &[("host", HOST)], &["host"], true);
    format!("{base}&X-Amz-Signature={sig}")
}

#[test]
fn presigned_urls_verify_until_they_expire() {
    let q = presigned_query(600);
    let h = [("Host", HOST)];
    let req = RequestParts {
        method: "GET",
        path: "/restapis",
        query: &q,
        headers: &h,
    };
    let c = verify(&req, b"", at() + 600, &creds()).unwrap();
    assert!(c.presigned);
    let e = verify(&req, b"", at() + 601, &creds()).unwrap_err();
    expect(
        e,
        403,
        "InvalidSignatureException",
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124601Z - 10 min.)",
    );
    let e = verify(&req, b"", at() - 301, &creds()).unwrap_err();
    assert!(e.message().starts_with("Signature not yet current"));
    let tampered = q.replace("limit=5", "limit=6");
    let req = RequestParts {
        query: &tampered,
        ..req
    };
    assert_eq!(
        verify(&req, b"", at(), &creds()).unwrap_err(),
        VerifyError::SignatureDoesNotMatch
    );
}

#[test]
fn content_sha256_header_must_match_the_body() {
    let hash = proscenium_sigv4::sha256_hex(b"{}");
    let sign_with = |value: &str| {
        let headers = [("Host", HOST), ("X-Amz-Content-SHA256", value)];
        let req = RequestParts {
            method: "POST",
            path: "/restapis",
            query: "",
            headers: &headers,
        };
        let c = Credentials {
            access_key_id: AKID,
            secret_access_key: SECRET,
            session_token: None,
        };
        let out = sign(&req, b"{}", &c, "us-east-1", "apigateway", at());
        vec![
            ("Host".to_owned(), HOST.to_owned()),
            ("X-Amz-Content-SHA256".to_owned(), value.to_owned()),
            ("X-Amz-Date".to_owned(), out.x_amz_date),
            ("Authorization".to_owned(), out.authorization),
        ]
    };
    let h = sign_with(&hash);
    assert!(run(&h, "", b"{}", at()).is_ok());
    // Signed over the declared hash, but the body was swapped.
    assert_eq!(
        run(&h, "", b"[]", at()).unwrap_err(),
        VerifyError::SignatureDoesNotMatch
    );
    let unsigned = sign_with("UNSIGNED-PAYLOAD");
    assert_eq!(
        run(&unsigned, "", b"{}", at()).unwrap_err(),
        VerifyError::SignatureDoesNotMatch
    );
    let allow = VerifyOptions {
        allow_unsigned_payload: true,
        ..VerifyOptions::default()
    };
    assert!(run_with(&unsigned, "", b"anything", at(), &allow).is_ok());
}
