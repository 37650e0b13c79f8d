//! `x-amazon-apigateway-documentation` in and out: the documentation parts a document
//! carries (`documentationParts: [{location, properties}]`), and their properties merged
//! into an exported document (info, path items, operations, parameters, responses, schemas).

use serde_json::Value;

use proscenium_model::documentation::{DocumentationPart, LOCATION_TYPES, Location};

/// The parts of a document's `x-amazon-apigateway-documentation`, locations normalised.
/// `Err` carries the reason (the caller words the error).
pub fn read(doc: &Value) -> Result<Vec<(Location, String)>, String> {
    let Some(ext) = doc.get("x-amazon-apigateway-documentation") else {
        return Ok(vec![]);
    };
    let parts = ext
        .get("documentationParts")
        .and_then(Value::as_array)
        .ok_or("documentationParts must be a list")?;
    let mut out: Vec<(Location, String)> = Vec::new();
    for p in parts {
        let loc = p
            .get("location")
            .ok_or("a documentation part has no location")?;
        let text = |k: &str| loc.get(k).and_then(Value::as_str).map(str::to_string);
        let kind = text("type").unwrap_or_default();
        if !LOCATION_TYPES.contains(&kind.as_str()) {
            return Err(format!("Invalid documentation part location type: {kind}"));
        }
        let location = Location {
            kind,
            path: text("path"),
            method: text("method"),
            status_code: text("statusCode"),
            name: text("name"),
        }
        .normalise()
        .map_err(|e| e.message)?;
        let properties = match p.get("properties") {
            Some(Value::String(s)) => s.clone(),
            Some(v @ Value::Object(_)) => v.to_string(),
            _ => return Err("documentation part properties must be an object".into()),
        };
        match out.iter_mut().find(|(l, _)| *l == location) {
            Some(existing) => existing.1 = properties,
            None => out.push((location, properties)),
        }
    }
    Ok(out)
}

/// The extension as the exporter writes it (parts sorted by location, properties as JSON).
pub fn write(parts: &[&DocumentationPart]) -> Value {
    let list: Vec<Value> = parts
        .iter()
        .map(|p| {
            let props = serde_json::from_str::<Value>(&p.properties)
                .unwrap_or_else(|_| Value::String(p.properties.clone()));
            serde_json::json!({"location": p.location, "properties": props})
        })
        .collect();
    serde_json::json!({ "documentationParts": list })
}

fn merge(target: &mut Value, props: &Value) {
    if let (Some(t), Some(p)) = (target.as_object_mut(), props.as_object()) {
        for (k, v) in p {
            t.insert(k.clone(), v.clone());
        }
    }
}

/// Merges the parts' properties into an exported document.
pub fn merge_into(doc: &mut Value, parts: &[&DocumentationPart], oas: bool) {
    for part in parts {
        let Ok(props) = serde_json::from_str::<Value>(&part.properties) else {
            continue;
        };
        let l = &part.location;
        let path = l.path.as_deref().unwrap_or("/");
        match l.kind.as_str() {
            "API" => {
                let mut p = props.clone();
                if let Some(info) = p.as_object_mut().and_then(|o| o.remove("info"))
                    && let Some(i) = doc.get_mut("info")
                {
                    merge(i, &info);
                }
                if let Some(i) = doc.get_mut("info") {
                    merge(i, &p);
                }
            }
            "MODEL" => {
                let base = if oas {
                    "/components/schemas/"
                } else {
                    "/definitions/"
                };
                if let Some(s) = doc.pointer_mut(&format!(
                    "{base}{}",
                    escape(l.name.as_deref().unwrap_or(""))
                )) {
                    merge(s, &props);
                }
            }
            "RESOURCE" => {
                if let Some(item) = doc.pointer_mut(&format!("/paths/{}", escape(path))) {
                    merge(item, &props);
                }
            }
            _ => for_each_op(doc, path, l.method.as_deref(), |op| match l.kind.as_str() {
                "METHOD" => merge(op, &props),
                "PATH_PARAMETER" | "QUERY_PARAMETER" | "REQUEST_HEADER" => {
                    let place = match l.kind.as_str() {
                        "PATH_PARAMETER" => "path",
                        "QUERY_PARAMETER" => "query",
                        _ => "header",
                    };
                    for p in op
                        .get_mut("parameters")
                        .and_then(Value::as_array_mut)
                        .into_iter()
                        .flatten()
                    {
                        if p["in"] == place && p["name"].as_str() == l.name.as_deref() {
                            merge(p, &props);
                        }
                    }
                }
                "REQUEST_BODY" => {
                    if let Some(b) = op.get_mut("requestBody") {
                        merge(b, &props);
                    }
                }
                "RESPONSE" | "RESPONSE_BODY" | "RESPONSE_HEADER" => {
                    for (code, r) in op
                        .get_mut("responses")
                        .and_then(Value::as_object_mut)
                        .into_iter()
                        .flatten()
                    {
                        if matches!(l.status_code.as_deref(), Some("*") | None)
                            || l.status_code.as_deref() == Some(code.as_str())
                        {
                            match l.kind.as_str() {
                                "RESPONSE_HEADER" => {
                                    if let Some(h) = r
                                        .get_mut("headers")
                                        .and_then(|h| h.get_mut(l.name.as_deref().unwrap_or("")))
                                    {
                                        merge(h, &props);
                                    }
                                }
                                _ => merge(r, &props),
                            }
                        }
                    }
                }
                _ => {}
            }),
        }
    }
}

fn for_each_op(doc: &mut Value, path: &str, method: Option<&str>, mut f: impl FnMut(&mut Value)) {
    let Some(item) = doc
        .pointer_mut(&format!("/paths/{}", escape(path)))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (verb, op) in item.iter_mut() {
        let matches = match method {
            None | Some("*") => verb != "parameters",
            Some(m) => {
                verb.eq_ignore_ascii_case(m)
                    || (m == "ANY" && verb == "x-amazon-apigateway-any-method")
            }
        };
        if matches && op.is_object() {
            f(op);
        }
    }
}

/// A JSON pointer token.
fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
