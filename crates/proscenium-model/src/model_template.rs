//! GetModelTemplate: the mapping template API Gateway generates from a model's schema — a
//! Velocity template that rebuilds the model's shape from the payload (`$inputRoot`),
//! quoting strings, leaving numbers and booleans bare, looping over arrays with the
//! `##TODO` line AWS writes, and following `$ref`s to the API's other models.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Model;

/// Deeper schemas (or `$ref` cycles) stop here and print the bare value.
const MAX_DEPTH: usize = 16;

/// The template for `model`; `models` resolves `$ref`s by name.
pub fn generate(model: &Model, models: &BTreeMap<String, Model>) -> String {
    let schema = parse(model);
    let mut out = String::from("#set($inputRoot = $input.path('$'))\n");
    value(&schema, "$inputRoot", 0, models, 0, &mut out);
    out
}

fn parse(model: &Model) -> Value {
    model
        .schema
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// Follows a `$ref` (a model URL or `#/definitions/X`) to the named model's schema.
fn resolve<'a>(
    schema: &'a Value,
    models: &BTreeMap<String, Model>,
    owned: &'a mut Option<Value>,
) -> &'a Value {
    let name = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next());
    match name.and_then(|n| models.get(n)) {
        Some(m) => owned.insert(parse(m)),
        None => schema,
    }
}

fn kind(schema: &Value) -> &str {
    match schema.get("type") {
        Some(Value::String(t)) => t,
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or(""),
        _ if schema.get("properties").is_some() => "object",
        _ if schema.get("items").is_some() => "array",
        _ => "",
    }
}

fn value(
    schema: &Value,
    path: &str,
    indent: usize,
    models: &BTreeMap<String, Model>,
    depth: usize,
    out: &mut String,
) {
    let mut owned = None;
    let schema = resolve(schema, models, &mut owned);
    let pad = " ".repeat(indent);
    if depth > MAX_DEPTH {
        out.push_str(path);
        return;
    }
    match kind(schema) {
        "object" => {
            out.push_str("{\n");
            let props: Vec<(&String, &Value)> = schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.iter().collect())
                .unwrap_or_default();
            for (i, (name, prop)) in props.iter().enumerate() {
                out.push_str(&format!("{pad}  \"{name}\" : "));
                value(
                    prop,
                    &format!("{path}.{name}"),
                    indent + 2,
                    models,
                    depth + 1,
                    out,
                );
                if i + 1 < props.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&format!("{pad}}}"));
        }
        "array" => {
            out.push_str(
                "[\n##TODO: Update this foreach loop to reference array from input json\n",
            );
            out.push_str(&format!("#foreach($elem in {path})\n "));
            let items = schema.get("items").cloned().unwrap_or(Value::Null);
            value(&items, "$elem", indent, models, depth + 1, out);
            out.push_str(" \n#if($foreach.hasNext),#end\n#end\n");
            out.push_str(&format!("{pad}]"));
        }
        "string" => out.push_str(&format!("\"{path}\"")),
        _ => out.push_str(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str, schema: &str) -> Model {
        Model {
            id: "m".into(),
            name: name.into(),
            description: None,
            schema: Some(schema.into()),
            content_type: "application/json".into(),
        }
    }

    #[test]
    fn objects_arrays_and_refs() {
        let pet = model(
            "Pet",
            r#"{"type":"object","properties":{"id":{"type":"integer"},"type":{"type":"string"},"price":{"type":"number"}}}"#,
        );
        let pets = model(
            "Pets",
            r#"{"type":"array","items":{"$ref":"https://apigateway.amazonaws.com/restapis/a/models/Pet"}}"#,
        );
        let mut all = BTreeMap::new();
        all.insert("Pet".to_string(), pet.clone());
        all.insert("Pets".to_string(), pets.clone());
        assert_eq!(
            generate(&pet, &all),
            "#set($inputRoot = $input.path('$'))\n{\n  \"id\" : $inputRoot.id,\n  \"type\" : \"$inputRoot.type\",\n  \"price\" : $inputRoot.price\n}"
        );
        assert_eq!(
            generate(&pets, &all),
            "#set($inputRoot = $input.path('$'))\n[\n##TODO: Update this foreach loop to reference array from input json\n#foreach($elem in $inputRoot)\n {\n  \"id\" : $elem.id,\n  \"type\" : \"$elem.type\",\n  \"price\" : $elem.price\n} \n#if($foreach.hasNext),#end\n#end\n]"
        );
        let selfref = model(
            "Node",
            r##"{"type":"object","properties":{"next":{"$ref":"#/definitions/Node"}}}"##,
        );
        all.insert("Node".to_string(), selfref.clone());
        assert!(generate(&selfref, &all).len() < 10_000);
    }
}
