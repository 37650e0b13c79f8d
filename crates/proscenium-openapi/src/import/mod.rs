//! ImportRestApi and PutRestApi: an OpenAPI document applied to an API definition.
//!
//! `overwrite` (and a new API) replaces the whole definition but the API's identity (id,
//! root resource, creation date, tags kept); `merge` adds what the document has and
//! replaces the methods, models, authorizers, validators and gateway responses it names.
//! Problems AWS reports as errors fail the import; those it reports as warnings are
//! returned (and fail it under `failonwarnings`). The caller's definition is changed only
//! when the import succeeds.

mod integration;
mod operation;
mod security;
mod settings;

use std::collections::BTreeMap;

use serde_json::Value;

use proscenium_model::id::{CHILD_ID_LEN, generate_unused};
use proscenium_model::{
    ApiDefinition, GatewayResponse, Model, RequestValidator, StringMap, ValidationError,
};

use crate::document::{self, Spec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    Overwrite,
    Merge,
}

/// `basepath=`: what becomes of the document's base path (Swagger `basePath`, OpenAPI
/// `servers[0]`'s path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BasePathMode {
    #[default]
    Ignore,
    Prepend,
    Split,
}

impl BasePathMode {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ignore" => Self::Ignore,
            "prepend" => Self::Prepend,
            "split" => Self::Split,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub mode: ImportMode,
    pub base_path: BasePathMode,
    pub fail_on_warnings: bool,
    /// `ignore=documentation`: leave `x-amazon-apigateway-documentation` unread.
    pub ignore_documentation: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            mode: ImportMode::Overwrite,
            base_path: BasePathMode::Ignore,
            fail_on_warnings: false,
            ignore_documentation: false,
        }
    }
}

/// The walk's shared state: the document, what went wrong, and the id source.
pub(crate) struct Ctx<'a> {
    pub doc: &'a Value,
    pub spec: Spec,
    pub api_id: String,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    next: &'a mut dyn FnMut() -> u32,
}

impl<'a> Ctx<'a> {
    pub fn new_id(&mut self, taken: impl Fn(&str) -> bool) -> String {
        generate_unused(CHILD_ID_LEN, &mut *self.next, taken)
    }

    /// Follows a local `$ref` (`#/a/b`), at most a few hops; `None` when it leads nowhere.
    pub fn resolve<'v>(&self, mut v: &'v Value) -> Option<&'v Value>
    where
        'a: 'v,
    {
        for _ in 0..8 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => v = self.pointer(r)?,
                None => return Some(v),
            }
        }
        None
    }

    fn pointer(&self, r: &str) -> Option<&'a Value> {
        let p = r.strip_prefix('#')?;
        self.doc.pointer(p)
    }
}

/// Applies `doc` to `def` and returns the warnings. On error `def` may be partly changed:
/// callers pass a copy and keep it only on success.
pub fn import(
    doc: &[u8],
    def: &mut ApiDefinition,
    opts: &ImportOptions,
    next: &mut dyn FnMut() -> u32,
) -> Result<Vec<String>, ValidationError> {
    let value = document::parse(doc)?;
    let spec = document::spec(&value)?;
    let mut ctx = Ctx {
        doc: &value,
        spec,
        api_id: def.api.id.clone(),
        errors: vec![],
        warnings: vec![],
        next,
    };
    if opts.mode == ImportMode::Overwrite {
        reset(def);
    }
    settings::apply(&mut ctx, def, opts.mode)?;
    import_models(&mut ctx, def);
    let validators = import_validators(&mut ctx, def);
    import_gateway_responses(&mut ctx, def);
    let schemes = security::import(&mut ctx, def);
    let base = base_path(&ctx, opts.base_path);
    operation::import_paths(&mut ctx, def, &base, &schemes, &validators);
    if !opts.ignore_documentation {
        import_documentation(&mut ctx, def);
    }
    if !ctx.errors.is_empty() {
        return Err(ValidationError::bad_request(format!(
            "Errors found during import:\n\t{}",
            ctx.errors.join("\n\t")
        )));
    }
    if opts.fail_on_warnings && !ctx.warnings.is_empty() {
        return Err(ValidationError::bad_request(format!(
            "Warnings found during import:\n\t{}",
            ctx.warnings.join("\n\t")
        )));
    }
    Ok(ctx.warnings)
}

/// What an overwrite clears: everything under the API but its root resource.
fn reset(def: &mut ApiDefinition) {
    let root = def.api.root_resource_id.clone();
    def.resources.retain(|id, _| *id == root);
    if let Some(r) = def.resources.get_mut(&root) {
        r.resource_methods.clear();
    }
    def.models.clear();
    def.authorizers.clear();
    def.request_validators.clear();
    def.gateway_responses.clear();
    def.documentation_parts.clear();
}

/// `x-amazon-apigateway-documentation`: parts added, or replaced at the same location.
fn import_documentation(ctx: &mut Ctx, def: &mut ApiDefinition) {
    match crate::documentation::read(ctx.doc) {
        Err(e) => ctx
            .errors
            .push(format!("Unable to import documentation parts: {e}")),
        Ok(parts) => {
            for (location, properties) in parts {
                let taken = def_part_ids(def);
                merge_part(def, location, properties, &mut || {
                    ctx.new_id(|i| taken.iter().any(|t| t == i))
                });
            }
        }
    }
}

fn def_part_ids(def: &ApiDefinition) -> Vec<String> {
    def.documentation_parts.keys().cloned().collect()
}

/// Puts a part at `location`: the existing part there takes the new properties, else a new
/// part is made with an id from `new_id`. Returns the part's id.
pub fn merge_part(
    def: &mut ApiDefinition,
    location: proscenium_model::documentation::Location,
    properties: String,
    new_id: &mut dyn FnMut() -> String,
) -> String {
    if let Some(p) = def
        .documentation_parts
        .values_mut()
        .find(|p| p.location == location)
    {
        p.properties = properties;
        return p.id.clone();
    }
    let id = new_id();
    def.documentation_parts.insert(
        id.clone(),
        proscenium_model::documentation::DocumentationPart {
            id: id.clone(),
            location,
            properties,
        },
    );
    id
}

/// The base path the paths are put under, per `basepath=`.
fn base_path(ctx: &Ctx, mode: BasePathMode) -> String {
    let raw = match ctx.spec {
        Spec::Swagger2 => ctx
            .doc
            .get("basePath")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        Spec::OpenApi3 => ctx
            .doc
            .pointer("/servers/0")
            .map(server_path)
            .unwrap_or_default(),
    };
    let segs: Vec<&str> = raw.split('/').filter(|s| !s.is_empty()).collect();
    let kept = match mode {
        BasePathMode::Ignore => &[][..],
        BasePathMode::Prepend => &segs[..],
        BasePathMode::Split => segs.get(1..).unwrap_or(&[]),
    };
    kept.iter().map(|s| format!("/{s}")).collect()
}

/// The path of an OpenAPI server URL, its `{variables}` replaced by their defaults.
fn server_path(server: &Value) -> String {
    let mut url = server
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(vars) = server.get("variables").and_then(Value::as_object) {
        for (name, var) in vars {
            let default = var.get("default").and_then(Value::as_str).unwrap_or("");
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(&url);
    let path = if url.contains("://") {
        after_scheme
            .find('/')
            .map(|i| &after_scheme[i..])
            .unwrap_or("")
    } else {
        after_scheme
    };
    path.to_string()
}

fn import_models(ctx: &mut Ctx, def: &mut ApiDefinition) {
    let schemas = match ctx.spec {
        Spec::Swagger2 => ctx.doc.get("definitions"),
        Spec::OpenApi3 => ctx.doc.pointer("/components/schemas"),
    };
    let Some(schemas) = schemas.and_then(Value::as_object) else {
        return;
    };
    for (name, schema) in schemas {
        if !proscenium_model::model_schema::is_valid_model_name(name) {
            ctx.errors.push(format!(
                "Unable to create model for '{name}': Model name must be alphanumeric: {name}"
            ));
            continue;
        }
        if !schema.is_object() {
            ctx.errors.push(format!(
                "Unable to create model for '{name}': Invalid model schema specified"
            ));
            continue;
        }
        let mut schema = schema.clone();
        crate::schema::to_model_urls(&mut schema, &ctx.api_id);
        let id = match def.models.get(name) {
            Some(m) => m.id.clone(),
            None => ctx.new_id(|i| def.models.values().any(|m| m.id == i)),
        };
        let description = schema
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        def.models.insert(
            name.clone(),
            Model {
                id,
                name: name.clone(),
                description,
                schema: Some(serde_json::to_string(&schema).unwrap_or_default()),
                content_type: "application/json".into(),
            },
        );
    }
}

/// Request validators by name → id.
fn import_validators(ctx: &mut Ctx, def: &mut ApiDefinition) -> BTreeMap<String, String> {
    let mut by_name: BTreeMap<String, String> = def
        .request_validators
        .values()
        .filter_map(|v| v.name.clone().map(|n| (n, v.id.clone())))
        .collect();
    let Some(list) = ctx
        .doc
        .get("x-amazon-apigateway-request-validators")
        .and_then(Value::as_object)
    else {
        return by_name;
    };
    for (name, v) in list {
        let flag = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
        let id = match by_name.get(name) {
            Some(id) => id.clone(),
            None => ctx.new_id(|i| def.request_validators.contains_key(i)),
        };
        def.request_validators.insert(
            id.clone(),
            RequestValidator {
                id: id.clone(),
                name: Some(name.clone()),
                validate_request_body: flag("validateRequestBody"),
                validate_request_parameters: flag("validateRequestParameters"),
            },
        );
        by_name.insert(name.clone(), id);
    }
    by_name
}

fn import_gateway_responses(ctx: &mut Ctx, def: &mut ApiDefinition) {
    let Some(list) = ctx
        .doc
        .get("x-amazon-apigateway-gateway-responses")
        .and_then(Value::as_object)
    else {
        return;
    };
    for (ty, r) in list {
        if proscenium_model::gateway_response::lookup_type(ty).is_none() {
            ctx.warnings.push(format!(
                "Invalid gateway response type specified: {ty}. Ignoring gateway response."
            ));
            continue;
        }
        let status_code = match r.get("statusCode") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        if let Some(s) = &status_code
            && !proscenium_model::method::is_valid_status_code(s)
        {
            ctx.errors.push(format!(
                "Unable to put gateway response '{ty}': Invalid status code specified: {s}"
            ));
            continue;
        }
        def.gateway_responses.insert(
            ty.clone(),
            GatewayResponse {
                response_type: ty.clone(),
                status_code,
                response_parameters: string_map(ctx, r.get("responseParameters")),
                response_templates: string_map(ctx, r.get("responseTemplates")),
                default_response: false,
            },
        );
    }
}

/// A map of strings; entries that are not strings are dropped with a warning.
pub(crate) fn string_map(ctx: &mut Ctx, v: Option<&Value>) -> StringMap {
    let mut out = StringMap::new();
    if let Some(m) = v.and_then(Value::as_object) {
        for (k, x) in m {
            match x {
                Value::String(s) => {
                    out.insert(k.clone(), s.clone());
                }
                other => ctx.warnings.push(format!(
                    "Invalid format for '{k}'. Expected type string but got '{other}'"
                )),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
