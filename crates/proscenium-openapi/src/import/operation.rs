//! Paths and operations: each path becomes resources (created as needed, AWS's pathPart
//! rules applied), each operation a method with its request parameters (`required` →
//! `method.request.*`), request models, method responses, authorization, validator and
//! integration.

use std::collections::BTreeMap;

use serde_json::Value;

use proscenium_model::{ApiDefinition, BoolMap, Method, MethodResponse, StringMap};

use super::Ctx;
use super::integration::{self, At};
use super::security::SchemeUse;
use crate::document::Spec;
use crate::schema::doc_ref_name;

/// Operation keys and the HTTP method each names.
const VERBS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

pub(super) fn import_paths(
    ctx: &mut Ctx,
    def: &mut ApiDefinition,
    base: &str,
    schemes: &BTreeMap<String, SchemeUse>,
    validators: &BTreeMap<String, String>,
) {
    let Some(paths) = ctx.doc.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        if !path.starts_with('/') {
            ctx.errors
                .push(format!("Invalid path '{path}': paths must start with '/'"));
            continue;
        }
        let Some(item) = ctx.resolve(item).filter(|i| i.is_object()) else {
            continue;
        };
        let full = format!("{base}{path}");
        let Some(resource_id) = ensure_resource(ctx, def, &full) else {
            continue;
        };
        let shared = item.get("parameters");
        for (key, verb) in VERBS {
            let Some(op) = item.get(*key) else {
                continue;
            };
            let resource_path = def
                .resources
                .get(&resource_id)
                .map(|r| r.path.clone())
                .unwrap_or_default();
            let at = At {
                path: &resource_path,
                verb,
                resource_id: &resource_id,
            };
            if let Some(m) = method(ctx, op, shared, &at, schemes, validators)
                && let Some(r) = def.resources.get_mut(&resource_id)
            {
                r.resource_methods.insert(verb.to_string(), m);
            }
        }
    }
}

/// The id of the resource at `path`, creating it and its ancestors as needed.
fn ensure_resource(ctx: &mut Ctx, def: &mut ApiDefinition, path: &str) -> Option<String> {
    let mut cur = def.api.root_resource_id.clone();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let existing = def
            .resources
            .values()
            .find(|r| r.parent_id.as_deref() == Some(&cur) && r.path_part.as_deref() == Some(part))
            .map(|r| r.id.clone());
        cur = match existing {
            Some(id) => id,
            None => {
                let id = ctx.new_id(|i| def.resources.contains_key(i));
                match def.create_resource(id, &cur, part) {
                    Ok(r) => r.id.clone(),
                    Err(e) => {
                        ctx.errors.push(format!(
                            "Unable to create resource at path '{path}': {}",
                            e.message
                        ));
                        return None;
                    }
                }
            }
        };
    }
    Some(cur)
}

fn method(
    ctx: &mut Ctx,
    op: &Value,
    shared: Option<&Value>,
    at: &At,
    schemes: &BTreeMap<String, SchemeUse>,
    validators: &BTreeMap<String, String>,
) -> Option<Method> {
    let op = ctx.resolve(op)?;
    let mut m = Method {
        http_method: at.verb.to_string(),
        authorization_type: "NONE".into(),
        authorizer_id: None,
        api_key_required: false,
        request_validator_id: None,
        operation_name: op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string),
        request_parameters: BoolMap::new(),
        request_models: StringMap::new(),
        method_responses: BTreeMap::new(),
        method_integration: None,
        authorization_scopes: None,
    };
    parameters(ctx, &mut m, shared, op);
    request_body(ctx, &mut m, op);
    responses(ctx, &mut m, op);
    authorization(ctx, &mut m, op, at, schemes);
    let validator = op
        .get("x-amazon-apigateway-request-validator")
        .or_else(|| ctx.doc.get("x-amazon-apigateway-request-validator"))
        .and_then(Value::as_str);
    if let Some(name) = validator {
        match validators.get(name) {
            Some(id) => m.request_validator_id = Some(id.clone()),
            None => ctx.errors.push(format!(
                "Unable to put method '{}' on resource at path '{}': Invalid Request Validator identifier specified: {name}",
                at.verb, at.path
            )),
        }
    }
    if let Some(raw) = op.get("x-amazon-apigateway-integration") {
        m.method_integration = integration::parse(ctx, raw, &m, at);
    }
    Some(m)
}

/// Path-level parameters, overridden by the operation's of the same name and place.
fn parameters(ctx: &mut Ctx, m: &mut Method, shared: Option<&Value>, op: &Value) {
    let mut all: Vec<&Value> = Vec::new();
    for list in [shared, op.get("parameters")].into_iter().flatten() {
        for p in list.as_array().into_iter().flatten() {
            if let Some(p) = ctx.resolve(p) {
                all.push(p);
            }
        }
    }
    for p in all {
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        let place = p.get("in").and_then(Value::as_str).unwrap_or("");
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let key = match place {
            "path" => format!("method.request.path.{name}"),
            "query" => format!("method.request.querystring.{name}"),
            "header" => format!("method.request.header.{name}"),
            "body" => {
                // Swagger 2.0's body parameter: its schema is the request model.
                if let Some(model) = p
                    .pointer("/schema/$ref")
                    .and_then(Value::as_str)
                    .and_then(doc_ref_name)
                {
                    for ct in media_types(ctx, op, "consumes") {
                        m.request_models.insert(ct, model.to_string());
                    }
                }
                continue;
            }
            _ => continue,
        };
        if name.is_empty() {
            continue;
        }
        m.request_parameters
            .insert(key, place == "path" || required);
    }
}

/// Swagger's `consumes`/`produces` for an operation (its own, the document's, or JSON).
fn media_types(ctx: &Ctx, op: &Value, key: &str) -> Vec<String> {
    let list = |v: Option<&Value>| -> Option<Vec<String>> {
        let l: Vec<String> = v?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        (!l.is_empty()).then_some(l)
    };
    list(op.get(key))
        .or_else(|| list(ctx.doc.get(key)))
        .unwrap_or_else(|| vec!["application/json".into()])
}

/// OpenAPI 3's `requestBody`: each media type whose schema names a model.
fn request_body(ctx: &mut Ctx, m: &mut Method, op: &Value) {
    if ctx.spec != Spec::OpenApi3 {
        return;
    }
    let Some(body) = op.get("requestBody").and_then(|b| ctx.resolve(b)) else {
        return;
    };
    m.request_models.extend(content_models(body));
}

/// OpenAPI 3's `content` of a request body or response: (media type, model) for each media
/// type whose schema names a model.
fn content_models(v: &Value) -> impl Iterator<Item = (String, String)> + '_ {
    v.get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(ct, media)| {
            media
                .pointer("/schema/$ref")
                .and_then(Value::as_str)
                .and_then(doc_ref_name)
                .map(|model| (ct.clone(), model.to_string()))
        })
}

fn responses(ctx: &mut Ctx, m: &mut Method, op: &Value) {
    let produces = media_types(ctx, op, "produces");
    for (status, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if !proscenium_model::method::is_valid_status_code(status) {
            continue;
        }
        let Some(r) = ctx.resolve(r) else {
            continue;
        };
        let params: BoolMap = r
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(h, _)| (format!("method.response.header.{h}"), false))
            .collect();
        let mut models = StringMap::new();
        match ctx.spec {
            Spec::Swagger2 => {
                if let Some(model) = r
                    .pointer("/schema/$ref")
                    .and_then(Value::as_str)
                    .and_then(doc_ref_name)
                {
                    for ct in &produces {
                        models.insert(ct.clone(), model.to_string());
                    }
                }
            }
            Spec::OpenApi3 => models.extend(content_models(r)),
        }
        m.method_responses.insert(
            status.clone(),
            MethodResponse {
                status_code: status.clone(),
                response_parameters: (!params.is_empty()).then_some(params),
                response_models: (!models.is_empty()).then_some(models),
            },
        );
    }
}

/// `x-amazon-apigateway-auth` and `security` (the operation's, else the document's).
fn authorization(
    ctx: &mut Ctx,
    m: &mut Method,
    op: &Value,
    at: &At,
    schemes: &BTreeMap<String, SchemeUse>,
) {
    if let Some(t) = op
        .pointer("/x-amazon-apigateway-auth/type")
        .and_then(Value::as_str)
        && t.eq_ignore_ascii_case("aws_iam")
    {
        m.authorization_type = "AWS_IAM".into();
    }
    let security = op.get("security").or_else(|| ctx.doc.get("security"));
    for req in security.and_then(Value::as_array).into_iter().flatten() {
        for (name, scopes) in req.as_object().into_iter().flatten() {
            match schemes.get(name) {
                Some(SchemeUse::ApiKey) => m.api_key_required = true,
                Some(SchemeUse::Iam) => m.authorization_type = "AWS_IAM".into(),
                Some(SchemeUse::Authorizer { id, cognito }) => {
                    m.authorization_type = if *cognito {
                        "COGNITO_USER_POOLS"
                    } else {
                        "CUSTOM"
                    }
                    .into();
                    m.authorizer_id = Some(id.clone());
                    let scopes: Vec<String> = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect();
                    if *cognito && !scopes.is_empty() {
                        m.authorization_scopes = Some(scopes);
                    }
                }
                None => ctx.warnings.push(format!(
                    "Unknown security scheme '{name}' on method '{}' of resource '{}'. Ignoring it.",
                    at.verb, at.path
                )),
            }
        }
    }
}
