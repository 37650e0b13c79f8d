//! A Lambda proxy function's answer (payload format 1.0) read and validated as API Gateway
//! does: `statusCode` (a number or a numeric string; 200 when absent), `headers` and
//! `multiValueHeaders` (scalars; repeated names joined with `, `, the multi-valued ones
//! first), `body` (a string, or any other JSON written back as text) and `isBase64Encoded`.
//! Any other key, or a value of the wrong kind, makes the answer malformed (AWS's 502).
//!
//! Read in one pass over the payload, without a JSON tree: strings are borrowed from the
//! payload when they hold no escapes, and a body without escapes is a slice of the payload's
//! buffer (no copy). Pure.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::header_case::{self, NameCase};
use crate::responses::MethodResponse;

/// Parses a proxy response as API Gateway does; `Err` is a malformed one (AWS's 502), with
/// the reason. The flag is `isBase64Encoded`.
pub fn parse_response(payload: &Bytes) -> Result<(MethodResponse, bool), String> {
    let answer: Answer<'_> = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    let status = match answer.status_code {
        None => 200,
        Some(Status(Some(n))) => n,
        Some(Status(None)) => return Err("statusCode is not an integer".into()),
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .filter(|s| s.as_u16() >= 100)
        .ok_or("statusCode out of range")?;
    let (headers, names) = headers(answer.multi_value_headers, answer.headers)?;
    let body = match answer.body {
        None => Bytes::new(),
        Some(Cow::Borrowed(s)) => within(payload, s),
        Some(Cow::Owned(s)) => Bytes::from(s),
    };
    Ok((
        MethodResponse {
            status,
            headers,
            body,
            raw: None,
            names,
        },
        answer.is_base64_encoded.unwrap_or(false),
    ))
}

/// `text` as a slice of `payload` when it lies in it (no copy), else a copy.
fn within(payload: &Bytes, text: &str) -> Bytes {
    let range = payload.as_ptr_range();
    let t = text.as_bytes().as_ptr_range();
    if range.start <= t.start && t.end <= range.end {
        payload.slice_ref(text.as_bytes())
    } else {
        Bytes::copy_from_slice(text.as_bytes())
    }
}

/// The answer's members; `None` for an absent or `null` one. A member named twice takes its
/// last value (as reading the object into a map does); any other member is refused.
#[derive(Default)]
struct Answer<'a> {
    status_code: Option<Status>,
    headers: Option<Pairs<'a, Option<Scalar<'a>>>>,
    multi_value_headers: Option<Pairs<'a, Vec<Scalar<'a>>>>,
    body: Option<Cow<'a, str>>,
    is_base64_encoded: Option<bool>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Answer<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Answer<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Answer<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answer<'de>, A::Error> {
                let mut a = Answer::default();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match &*key {
                        "statusCode" => a.status_code = map.next_value()?,
                        "headers" => a.headers = map.next_value()?,
                        "multiValueHeaders" => a.multi_value_headers = map.next_value()?,
                        "body" => a.body = map.next_value::<Body<'de>>()?.0,
                        "isBase64Encoded" => a.is_base64_encoded = map.next_value()?,
                        other => {
                            return Err(de::Error::custom(format!("unexpected key {other}")));
                        }
                    }
                }
                Ok(a)
            }
        }
        d.deserialize_map(V)
    }
}

/// `body` read by [`body`].
struct Body<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Body<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Body<'a>, D::Error> {
        body(d).map(Body)
    }
}

/// The response's headers: the multi-valued ones first, then the single ones, each name's
/// values joined with `, ` in that order (values that are not visible ASCII left out), the
/// names API Gateway renames renamed; and
/// the names as the function spelled them (the last spelling of each, as API Gateway
/// answers `tesT-Multi` for `multiValueHeaders` `test-multi` then `headers` `tesT-Multi`).
fn headers(
    multi: Option<Pairs<'_, Vec<Scalar<'_>>>>,
    single: Option<Pairs<'_, Option<Scalar<'_>>>>,
) -> Result<(HeaderMap, Option<NameCase>), String> {
    // Each name, its joined value, and its spelling when the writer needs it (not all lower
    // case, and not one of the names API Gateway writes in its own case).
    let mut joined: Vec<(HeaderName, String, Option<Box<str>>)> = Vec::new();
    let mut add = |name: &str, value: &str| -> Result<(), String> {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name {name:?}"))?;
        HeaderValue::from_str(value).map_err(|_| format!("invalid value for header {name}"))?;
        let spelling = header_case::needs_spelling(name, n.as_str().as_bytes())
            .then(|| Box::<str>::from(name));
        let entry = match joined.iter_mut().position(|(e, _, _)| *e == n) {
            Some(i) => {
                joined[i].2 = spelling;
                &mut joined[i].1
            }
            None => {
                joined.push((n, String::new(), spelling));
                &mut joined.last_mut().expect("just pushed").1
            }
        };
        // A value outside visible ASCII is left out of the joined one.
        if value.bytes().all(|b| b == b'\t' || (32..127).contains(&b)) {
            if !entry.is_empty() {
                entry.push_str(", ");
            }
            entry.push_str(value);
        }
        Ok(())
    };
    for (name, values) in multi.map(|p| p.0).unwrap_or_default() {
        for v in values {
            add(&name, &v.0)?;
        }
    }
    for (name, value) in single.map(|p| p.0).unwrap_or_default() {
        if let Some(v) = value {
            add(&name, &v.0)?;
        }
    }
    let mut spelled = Vec::new();
    let mut out = HeaderMap::with_capacity(joined.len() + 1);
    for (name, value, spelling) in joined {
        spelled.extend(spelling);
        if let Ok(v) = HeaderValue::from_str(&value) {
            // Under the name AWS gives it (`Date` → `x-amzn-Remapped-Date`), in this one map.
            out.insert(crate::responses::remapped(&name).unwrap_or(name), v);
        }
    }
    let names = (!spelled.is_empty()).then(|| NameCase(spelled.into()));
    if !out.contains_key(http::header::CONTENT_TYPE) {
        out.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    Ok((out, names))
}

/// `statusCode`: `Some` when it is an unsigned integer or a string of one (spaces around it
/// allowed); `None` when it is something else.
struct Status(Option<u64>);

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Status;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Status, E> {
                Ok(Status(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Status, E> {
                Ok(Status(u64::try_from(v).ok()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Status, E> {
                Ok(Status(None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Status, E> {
                Ok(Status(v.trim().parse().ok()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Status, E> {
                Ok(Status(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Status, A::Error> {
                Err(de::Error::custom("statusCode is not an integer"))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Status, A::Error> {
                Err(de::Error::custom("statusCode is not an integer"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A header value: a string, number or boolean, as text.
struct Scalar<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header value (string, number or boolean)")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
                Ok(Scalar(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
                Ok(Scalar(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'de>, E> {
                Ok(Scalar(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
                Ok(Scalar(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
                Ok(Scalar(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
                // As serde_json writes the number.
                Ok(Scalar(Cow::Owned(serde_json::Value::from(v).to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
                Ok(Scalar(Cow::Borrowed(if v { "true" } else { "false" })))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON object's members in document order; a repeated name keeps its first place and its
/// last value (as a JSON object read into a map does).
struct Pairs<'a, T>(Vec<(Cow<'a, str>, T)>);

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Pairs<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pairs<'a, T>, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Pairs<'de, T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'de, T>, A::Error> {
                let mut out: Vec<(Cow<'de, str>, T)> =
                    Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let value = map.next_value::<T>()?;
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = value,
                        None => out.push((key, value)),
                    }
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// `body`: a string as it is (borrowed when it has no escapes), any other JSON value as its
/// compact text, `null` as absent.
fn body<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a body")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(serde_json::Value::from(v).to_string())))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(if v { "true" } else { "false" })))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok(Some(Cow::Owned(v.to_string())))
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<(MethodResponse, bool), String> {
        parse_response(&Bytes::copy_from_slice(raw.as_bytes()))
    }

    fn ok(raw: &str) -> MethodResponse {
        parse(raw).unwrap().0
    }

    #[test]
    fn headers_aws_renames_come_renamed_with_their_spellings() {
        let r = ok(
            r#"{"headers": {"Date": "d", "Server": "s", "tesT-Multi": "m", "Content-Type": "text/plain"}}"#,
        );
        assert_eq!(r.headers["x-amzn-remapped-date"], "d");
        assert_eq!(r.headers["x-amzn-remapped-server"], "s");
        assert!(!r.headers.contains_key("date") && !r.headers.contains_key("server"));
        assert_eq!(r.headers["content-type"], "text/plain");
        let names = r.names.expect("spellings");
        assert_eq!(names.get(b"test-multi"), Some("tesT-Multi"));
        assert_eq!(
            names.get(b"content-type"),
            None,
            "API Gateway's own spelling is used"
        );
    }

    #[test]
    fn proxy_responses_as_aws_reads_them() {
        let r = ok(r#"{"statusCode": 200}"#);
        assert_eq!((r.status.as_u16(), r.body.len()), (200, 0));
        let r =
            ok(r#"{"statusCode": "201", "body": "hi", "headers": {"a": true, "b": 1, "c": null}}"#);
        assert_eq!(r.status, 201);
        assert_eq!(r.body, "hi");
        assert_eq!(r.headers["a"], "true");
        assert_eq!(r.headers["b"], "1");
        assert!(!r.headers.contains_key("c"));
        let r = ok(r#"{"headers": {"x": "solo"}, "multiValueHeaders": {"X": ["multi"]}}"#);
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["x"], "multi, solo");
        assert_eq!(r.headers["content-type"], "application/json");
        let r = ok(r#"{"body": "dGVzdC1kYXRh", "isBase64Encoded": true}"#);
        assert_eq!(r.body, "dGVzdC1kYXRh");
        assert!(parse(r#"{"isBase64Encoded": true}"#).unwrap().1);
        assert!(!parse(r#"{"isBase64Encoded": null}"#).unwrap().1);
        for bad in [
            r#"{"statusCode": 200, "wrongValue": 1}"#,
            r#"{"statusCode": "test"}"#,
            r#"{"statusCode": 200.5}"#,
            r#"{"statusCode": -1}"#,
            r#"{"statusCode": [200]}"#,
            r#"{"multiValueHeaders": {"x": "notalist"}}"#,
            r#"{"multiValueHeaders": {"x": [null]}}"#,
            r#"{"headers": {"x": {"a": 1}}}"#,
            r#"{"headers": {"bad name": "v"}}"#,
            r#"{"headers": {"x": "a\u0001b"}}"#,
            r#"{"headers": []}"#,
            r#"{"isBase64Encoded": "yes"}"#,
            r#""just a string""#,
            "",
            "[1]",
            r#"{"statusCode": 70000}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        // A member named twice: its last value.
        assert_eq!(ok(r#"{"statusCode": 500, "statusCode": 201}"#).status, 201);
        assert_eq!(
            parse(r#"{"wrongValue": 1}"#).err().unwrap(),
            "unexpected key wrongValue at line 1 column 13"
        );
    }

    #[test]
    fn bodies_of_every_kind() {
        assert_eq!(ok(r#"{"body": null}"#).body, "");
        assert_eq!(ok(r#"{"body": "a\"b\u00e9"}"#).body, "a\"bé");
        assert_eq!(ok(r#"{"body": 12}"#).body, "12");
        assert_eq!(ok(r#"{"body": 1.5}"#).body, "1.5");
        assert_eq!(ok(r#"{"body": false}"#).body, "false");
        assert_eq!(
            ok(r#"{"body": {"b": [1, {"c": null}], "a": "x"}}"#).body,
            r#"{"b":[1,{"c":null}],"a":"x"}"#
        );
        // A body without escapes is a slice of the payload.
        let payload = Bytes::from_static(br#"{"body": "plain text"}"#);
        let (r, _) = parse_response(&payload).unwrap();
        assert_eq!(r.body, "plain text");
        assert_eq!(r.body.as_ptr(), payload[10..].as_ptr());
    }

    #[test]
    fn repeated_names_keep_the_first_place_and_the_last_value_and_join_in_order() {
        let r = ok(
            r#"{"headers": {"b": "1", "a": "2", "b": "3"}, "multiValueHeaders": {"a": ["m1", "m2"]}}"#,
        );
        let names: Vec<&str> = r.headers.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["a", "b", "content-type"]);
        assert_eq!(r.headers["a"], "m1, m2, 2");
        assert_eq!(r.headers["b"], "3");
        // A value outside visible ASCII is left out of the joined one.
        let r = ok(r#"{"headers": {"x": "caf\u00e9"}, "multiValueHeaders": {"x": ["ok"]}}"#);
        assert_eq!(r.headers["x"], "ok");
        let r = ok(r#"{"multiValueHeaders": {"x": [1.0, true, "s"]}}"#);
        assert_eq!(r.headers["x"], "1.0, true, s");
    }
}
