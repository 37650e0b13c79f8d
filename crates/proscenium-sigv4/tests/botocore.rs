//! Vectors signed by real botocore (`tests/vectors/gen.py` writes
//! `tests/vectors/botocore.json`): every one must verify, and flipping one
//! byte of the body or of the signature must fail.

use std::collections::HashMap;

use proscenium_sigv4::{
    Credentials, RequestParts, SecretKey, VerifyError, parse::parse_authorization_header, sign,
    verify,
};
use serde_json::Value;

struct Vector {
    name: String,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    region: String,
    authorization: Option<String>,
}

struct Suite {
    access_key_id: String,
    secret: String,
    now: u64,
    vectors: Vec<Vector>,
}

fn s(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

fn load() -> Suite {
    let text = include_str!("vectors/botocore.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    let vectors = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Vector {
            name: s(&v["name"]),
            method: s(&v["method"]),
            path: s(&v["path"]),
            query: s(&v["query"]),
            headers: v["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (s(&p[0]), s(&p[1])))
                .collect(),
            body: s(&v["body"]).into_bytes(),
            region: s(&v["region"]),
            authorization: v["authorization"].as_str().map(str::to_owned),
        })
        .collect();
    Suite {
        access_key_id: s(&doc["access_key_id"]),
        secret: s(&doc["secret_access_key"]),
        now: doc["now"].as_u64().unwrap(),
        vectors,
    }
}

impl Suite {
    fn creds(&self) -> HashMap<String, SecretKey> {
        HashMap::from([(self.access_key_id.clone(), SecretKey::new(&*self.secret))])
    }
}

fn check(
    v: &Vector,
    headers: &[(String, String)],
    query: &str,
    body: &[u8],
    suite: &Suite,
) -> Result<(), VerifyError> {
    let borrowed: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = RequestParts {
        method: &v.method,
        path: &v.path,
        query,
        headers: &borrowed,
    };
    assert_eq!(req.credential_region().as_deref(), Some(v.region.as_str()));
    let caller = verify(&req, body, suite.now + 42, &suite.creds())?;
    assert_eq!(caller.region, v.region, "{}", v.name);
    assert_eq!(caller.service, "apigateway");
    assert_eq!(caller.access_key_id, suite.access_key_id);
    assert_eq!(caller.presigned, v.authorization.is_none());
    Ok(())
}

#[test]
fn has_every_requested_case() {
    let suite = load();
    assert!(suite.vectors.len() >= 10);
    let names: Vec<&str> = suite.vectors.iter().map(|v| v.name.as_str()).collect();
    for n in [
        "get-tags-percent-encoded-arn",
        "untag-repeated-query-keys",
        "eu-west-1",
    ] {
        assert!(names.contains(&n), "{n}");
    }
}

#[test]
fn every_botocore_vector_verifies() {
    let suite = load();
    for v in &suite.vectors {
        check(v, &v.headers, &v.query, &v.body, &suite)
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
    }
}

#[test]
fn flipping_a_body_byte_fails() {
    let suite = load();
    for v in suite.vectors.iter().filter(|v| !v.body.is_empty()) {
        for i in [0, v.body.len() / 2, v.body.len() - 1] {
            let mut body = v.body.clone();
            body[i] ^= 0x01;
            let err = check(v, &v.headers, &v.query, &body, &suite).unwrap_err();
            assert_eq!(err, VerifyError::SignatureDoesNotMatch, "{}", v.name);
        }
    }
}

fn flip_hex(sig: &str, at: usize) -> String {
    let mut bytes = sig.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn flipping_a_signature_byte_fails() {
    let suite = load();
    for v in &suite.vectors {
        for at in [0, 31, 63] {
            let (headers, query) = match &v.authorization {
                Some(auth) => {
                    let sig = &auth[auth.len() - 64..];
                    let bad = format!("{}{}", &auth[..auth.len() - 64], flip_hex(sig, at));
                    let headers = v
                        .headers
                        .iter()
                        .map(|(n, val)| {
                            let val = if n == "Authorization" {
                                bad.clone()
                            } else {
                                val.clone()
                            };
                            (n.clone(), val)
                        })
                        .collect();
                    (headers, v.query.clone())
                }
                None => {
                    let sig = v.query.rsplit_once("X-Amz-Signature=").unwrap().1;
                    let q = v.query.replace(sig, &flip_hex(sig, at));
                    (v.headers.clone(), q)
                }
            };
            let err = check(v, &headers, &query, &v.body, &suite).unwrap_err();
            assert_eq!(err, VerifyError::SignatureDoesNotMatch, "{}", v.name);
        }
    }
}

/// Our outbound signer produces botocore's exact `Authorization` header.
#[test]
fn outbound_signing_matches_botocore() {
    let suite = load();
    for v in suite.vectors.iter().filter(|v| v.authorization.is_some()) {
        let uses_date = v.headers.iter().any(|(n, _)| n == "Date");
        if uses_date {
            continue; // we always send X-Amz-Date
        }
        let token = v
            .headers
            .iter()
            .find(|(n, _)| n == "X-Amz-Security-Token")
            .map(|(_, t)| t.as_str());
        let headers: Vec<(&str, &str)> = v
            .headers
            .iter()
            .filter(|(n, _)| n != "Authorization")
            .map(|(n, val)| (n.as_str(), val.as_str()))
            .collect();
        let req = RequestParts {
            method: &v.method,
            path: &v.path,
            query: &v.query,
            headers: &headers,
        };
        let creds = Credentials {
            access_key_id: &suite.access_key_id,
            secret_access_key: &suite.secret,
            session_token: token,
        };
        let out = sign(&req, &v.body, &creds, &v.region, "apigateway", suite.now);
        let expected = v.authorization.as_deref().unwrap();
        assert_eq!(out.authorization, expected, "{}", v.name);
        assert!(parse_authorization_header(expected).is_ok());
        assert_eq!(out.x_amz_security_token.as_deref(), token);
    }
}
