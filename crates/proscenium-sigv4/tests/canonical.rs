//! Canonicalisation rules, each pinned by a small table.

use proscenium_sigv4::canonical::{
    canonical_header_value, canonical_headers, canonical_query_string, canonical_uri,
    joined_header, payload_hash,
};
use proscenium_sigv4::{EMPTY_SHA256, sha256_hex};

#[test]
fn uri_is_normalised_then_encoded_again() {
    for (raw, canonical) in [
        ("", "/"),
        ("/", "/"),
        ("/restapis/abc/stages/dev", "/restapis/abc/stages/dev"),
        ("/restapis//abc/./x/../y/", "/restapis/abc/y/"),
        (
            "/tags/arn%3Aaws%3Aapigateway%3A%3A%2Frestapis%2Fabc",
            "/tags/arn%253Aaws%253Aapigateway%253A%253A%252Frestapis%252Fabc",
        ),
        ("/a%20b/c+d/~e_f.g-h", "/a%2520b/c%2Bd/~e_f.g-h"),
        ("/with space/ü", "/with%20space/%C3%BC"),
    ] {
        assert_eq!(canonical_uri(raw), canonical, "{raw}");
    }
}

#[test]
fn query_is_decoded_reencoded_and_sorted_by_key_then_value() {
    for (raw, canonical) in [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("tagKeys=b&tagKeys=a", "tagKeys=a&tagKeys=b"),
        ("a=%7e&a=~x&a=%41", "a=A&a=~&a=~x"),
        ("k=a b&k2=a+b&k3=a%20b", "k=a%20b&k2=a%2Bb&k3=a%20b"),
        ("flag&x=", "flag=&x="),
        ("a=1&&b=2&", "a=1&b=2"),
        ("Z=1&a=1&_=1", "Z=1&_=1&a=1"),
        ("%E2%9C%93=%e2%9c%93", "%E2%9C%93=%E2%9C%93"),
        ("bad=%zz%4", "bad=%25zz%254"),
    ] {
        assert_eq!(canonical_query_string(raw, false), canonical, "{raw}");
    }
    assert_eq!(
        canonical_query_string("X-Amz-Signature=abc&a=1&X-Amz-Date=1", true),
        "X-Amz-Date=1&a=1"
    );
}

#[test]
fn header_values_are_trimmed_collapsed_and_joined() {
    assert_eq!(canonical_header_value("  a   b \t c  "), "a b c");
    assert_eq!(canonical_header_value("\"a   b\""), "\"a b\"");
    let headers = [
        ("X-Multi", " 1 "),
        ("Host", "h"),
        ("x-multi", "2  3"),
        ("Other", "o"),
    ];
    assert_eq!(joined_header(&headers, "x-multi").as_deref(), Some("1,2 3"));
    assert_eq!(joined_header(&headers, "absent"), None);
    let signed = ["host".to_owned(), "x-multi".to_owned()];
    assert_eq!(
        canonical_headers(&headers, &signed).unwrap(),
        "host:h\nx-multi:1,2 3\n"
    );
    let missing = ["host".to_owned(), "nope".to_owned()];
    assert_eq!(canonical_headers(&headers, &missing).unwrap_err(), "nope");
}

#[test]
fn payload_hash_prefers_the_content_sha256_header() {
    assert_eq!(payload_hash(&[], b""), EMPTY_SHA256);
    assert_eq!(payload_hash(&[], b"{}"), sha256_hex(b"{}"));
    let h = [("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")];
    assert_eq!(payload_hash(&h, b"{}"), "UNSIGNED-PAYLOAD");
}
