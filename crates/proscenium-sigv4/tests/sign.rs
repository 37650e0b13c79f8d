//! Outbound signing: what gets signed, what is replaced, and that our own
//! verifier accepts the result (botocore equality is in `botocore.rs`).

use std::collections::HashMap;

use proscenium_sigv4::{
    Credentials, RequestParts, SecretKey, parse::parse_authorization_header, sign, sign_s3, verify,
};

const NOW: u64 = 1_700_000_000;

fn creds(token: Option<&str>) -> Credentials<'_> {
    Credentials {
        access_key_id: "AKID",
        secret_access_key: "secret",
        session_token: token,
    }
}

#[test]
fn signs_every_header_but_hop_by_hop_ones_and_replaces_stale_auth() {
    let headers = [
        ("Host", "lambda.eu-west-1.amazonaws.com"),
        ("Content-Type", "application/json"),
        ("User-Agent", "proscenium"),
        ("Connection", "keep-alive"),
        ("X-Amz-Date", "19990101T000000Z"),
        ("Authorization", "stale"),
        ("X-Amz-Security-Token", "stale"),
    ];
    let req = RequestParts {
        method: "post",
        path: "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Af/invocations",
        query: "",
        headers: &headers,
    };
    let out = sign(&req, b"{}", &creds(Some("tok")), "eu-west-1", "lambda", NOW);
    assert_eq!(out.x_amz_date, "20231114T221320Z");
    assert_eq!(out.x_amz_security_token.as_deref(), Some("tok"));
    assert_eq!(
        out.signed_headers,
        "content-type;host;x-amz-date;x-amz-security-token"
    );
    let parsed = parse_authorization_header(&out.authorization).unwrap();
    assert_eq!(
        parsed.credential.scope(),
        "20231114/eu-west-1/lambda/aws4_request"
    );
    assert_eq!(parsed.signature, out.signature);
    assert!(
        !format!("{out:?}").contains("tok\""),
        "token must be redacted in Debug"
    );

    // The signed request, as it would go on the wire, verifies.
    let mut wire: Vec<(&str, &str)> = headers[..4].to_vec();
    wire.push(("X-Amz-Date", &out.x_amz_date));
    wire.push(("X-Amz-Security-Token", "tok"));
    wire.push(("Authorization", &out.authorization));
    let req = RequestParts {
        headers: &wire,
        ..req
    };
    let keys = HashMap::from([("AKID".to_owned(), SecretKey::new("secret"))]);
    let caller = verify(&req, b"{}", NOW, &keys).unwrap();
    assert_eq!(caller.service, "lambda");
    assert_eq!(caller.session_token.as_deref(), Some("tok"));
}

#[test]
fn signature_depends_on_every_input() {
    let headers = [("host", "h")];
    let req = RequestParts {
        method: "GET",
        path: "/a",
        query: "x=1",
        headers: &headers,
    };
    let base = sign(&req, b"", &creds(None), "us-east-1", "s3x", NOW).signature;
    let variants = [
        sign(
            &RequestParts {
                method: "PUT",
                ..req
            },
            b"",
            &creds(None),
            "us-east-1",
            "s3x",
            NOW,
        ),
        sign(
            &RequestParts { path: "/b", ..req },
            b"",
            &creds(None),
            "us-east-1",
            "s3x",
            NOW,
        ),
        sign(
            &RequestParts {
                query: "x=2",
                ..req
            },
            b"",
            &creds(None),
            "us-east-1",
            "s3x",
            NOW,
        ),
        sign(&req, b"x", &creds(None), "us-east-1", "s3x", NOW),
        sign(&req, b"", &creds(None), "us-east-2", "s3x", NOW),
        sign(&req, b"", &creds(None), "us-east-1", "s3y", NOW),
        sign(&req, b"", &creds(None), "us-east-1", "s3x", NOW + 1),
    ];
    for v in variants {
        assert_ne!(v.signature, base);
    }
    assert_eq!(
        sign(&req, b"", &creds(None), "us-east-1", "s3x", NOW).signature,
        base
    );
}

#[test]
fn s3_signing_keeps_the_raw_path_and_signs_the_content_hash_header() {
    // Expected signature computed with botocore's S3SigV4Auth for the same request.
    let hash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    let headers = [
        ("Host", "127.0.0.1:4566"),
        ("x-amz-content-sha256", hash),
        ("Content-Type", "text/plain"),
    ];
    let req = RequestParts {
        method: "PUT",
        path: "/bucket/my%20key.txt",
        query: "",
        headers: &headers,
    };
    let out = sign_s3(&req, b"hello", &creds(None), "us-east-1", NOW);
    assert_eq!(
        out.signed_headers,
        "content-type;host;x-amz-content-sha256;x-amz-date"
    );
    assert_eq!(
        out.signature,
        "549748c682e2a8879dce47a45f024a384a67b51fab1ac8fe50882d3b9bb32873"
    );
    let other = sign(&req, b"hello", &creds(None), "us-east-1", "s3", NOW);
    assert_ne!(
        other.signature, out.signature,
        "other services encode the path again"
    );
}
