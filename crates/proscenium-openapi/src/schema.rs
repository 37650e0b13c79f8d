//! Model schemas across the boundary: a document's `$ref`s (`#/definitions/X`,
//! `#/components/schemas/X`) become API Gateway's model URLs on import
//! (`https://apigateway.amazonaws.com/restapis/{id}/models/X`) and come back on export.

use serde_json::Value;

const MODEL_URL: &str = "https://apigateway.amazonaws.com/restapis/";

/// The model a document `$ref` names, if it names one.
pub fn doc_ref_name(r: &str) -> Option<&str> {
    r.strip_prefix("#/definitions/")
        .or_else(|| r.strip_prefix("#/components/schemas/"))
        .filter(|n| !n.is_empty() && !n.contains('/'))
}

/// The model an API Gateway model URL names (any API id), if it is one.
pub fn model_url_name(r: &str) -> Option<&str> {
    let rest = r.strip_prefix(MODEL_URL)?;
    let (_, name) = rest.split_once("/models/")?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// Rewrites every `$ref` naming a document schema to the model URL of `api_id`.
pub fn to_model_urls(v: &mut Value, api_id: &str) {
    walk_refs(v, &mut |r| {
        doc_ref_name(r).map(|n| format!("{MODEL_URL}{api_id}/models/{n}"))
    });
}

/// Rewrites every model URL `$ref` to the document's spelling (`prefix` + name).
pub fn to_doc_refs(v: &mut Value, prefix: &str) {
    walk_refs(v, &mut |r| {
        model_url_name(r).map(|n| format!("{prefix}{n}"))
    });
}

/// Every model name a schema refers to (document or model URL spelling).
pub fn referenced_models(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref"
                    && let Some(r) = x.as_str()
                    && let Some(n) = doc_ref_name(r).or_else(|| model_url_name(r))
                {
                    out.push(n.to_string());
                } else {
                    referenced_models(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| referenced_models(x, out)),
        _ => {}
    }
}

fn walk_refs(v: &mut Value, f: &mut dyn FnMut(&str) -> Option<String>) {
    // An explicit stack: a deep document must not overflow the thread's stack.
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "$ref"
                        && let Value::String(r) = x
                    {
                        if let Some(new) = f(r) {
                            *r = new;
                        }
                    } else {
                        stack.push(x);
                    }
                }
            }
            Value::Array(a) => stack.extend(a.iter_mut()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_go_out_and_come_back() {
        let mut s = json!({"type":"array","items":{"$ref":"#/definitions/Pet"}});
        to_model_urls(&mut s, "abc123");
        assert_eq!(
            s["items"]["$ref"],
            "https://apigateway.amazonaws.com/restapis/abc123/models/Pet"
        );
        to_doc_refs(&mut s, "#/components/schemas/");
        assert_eq!(s["items"]["$ref"], "#/components/schemas/Pet");
        let mut names = vec![];
        referenced_models(&s, &mut names);
        assert_eq!(names, vec!["Pet".to_string()]);
    }
}
