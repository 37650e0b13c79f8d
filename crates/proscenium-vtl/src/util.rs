//! API Gateway's `$util`: escapeJavaScript, parseJson, urlEncode, urlDecode,
//! base64Encode, base64Decode. Non-string arguments mean "no such method".

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::escape::{escape_javascript_into, url_decode, url_encode};
use crate::json_parse;
use crate::value::Value;

/// `scratch` is a reusable buffer for building results.
pub(crate) fn call(
    name: &str,
    args: &[Value],
    scratch: &mut String,
) -> Result<Option<Value>, String> {
    let [Value::Str(s)] = args else {
        return Ok(None);
    };
    Ok(Some(match name {
        // Strings with nothing to escape are returned as they are (no copy).
        "escapeJavaScript" => match escape_javascript_into(s, scratch) {
            true => Value::str(scratch),
            false => Value::Str(s.clone()),
        },
        "parseJson" => json_parse::parse(s)?,
        "urlEncode" => Value::string(url_encode(s)),
        "urlDecode" => Value::string(url_decode(s)?),
        "base64Encode" => Value::string(STANDARD.encode(s.as_bytes())),
        "base64Decode" => {
            let bytes = STANDARD
                .decode(s.as_bytes())
                .map_err(|e| format!("java.lang.IllegalArgumentException: {e}"))?;
            Value::string(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, arg: &str) -> String {
        call(name, &[Value::str(arg)], &mut String::new())
            .unwrap()
            .unwrap()
            .to_java_string()
    }

    #[test]
    fn each_util_function() {
        assert_eq!(s("escapeJavaScript", "it's"), "it\\'s");
        assert_eq!(s("parseJson", r#"{"a":[1,true]}"#), "{a=[1, true]}");
        assert_eq!(s("urlEncode", "a b"), "a+b");
        assert_eq!(s("urlDecode", "a+b%21"), "a b!");
        assert_eq!(s("base64Encode", "hi é"), "aGkgw6k=");
        assert_eq!(s("base64Decode", "aGkgw6k="), "hi é");
        assert!(call("base64Decode", &[Value::str("*")], &mut String::new()).is_err());
        assert!(
            call("nope", &[Value::str("x")], &mut String::new())
                .unwrap()
                .is_none()
        );
    }
}
