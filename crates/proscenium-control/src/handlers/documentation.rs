//! Documentation parts (Create, Get, Gets, Update, Delete, ImportDocumentationParts) and
//! documentation versions (Create, Get, Gets, Update, Delete). Both live in the API's
//! definition (one store write each); a version keeps a copy of the parts it names.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::documentation::{
    DocumentationPart, DocumentationVersion, LOCATION_TYPES, Location, already_exists,
};
use proscenium_model::id::CHILD_ID_LEN;
use proscenium_model::{ApiDefinition, Scope};
use proscenium_openapi::ImportMode;
use proscenium_store::StageWrite;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{check_enum, edit_api, finish_validation, load_api, page};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

fn part_not_found() -> ApiError {
    ApiError::not_found("Invalid Documentation part identifier specified")
}

/// AWS answers an unknown API on Get/UpdateDocumentationPart as an unknown part.
fn unknown_api_is_unknown_part(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => part_not_found(),
        e => e,
    }
}

fn version_not_found() -> ApiError {
    ApiError::not_found("Invalid Documentation version specified")
}

/// One of an API's two documentation maps (parts by id, versions by name), with AWS's
/// 404 for an entry it lacks and what a failed API load answers when one is read.
struct Entries<V> {
    map: fn(&ApiDefinition) -> &BTreeMap<String, V>,
    map_mut: fn(&mut ApiDefinition) -> &mut BTreeMap<String, V>,
    missing: fn() -> ApiError,
    on_load_error: fn(ApiError) -> ApiError,
}

const PARTS: Entries<DocumentationPart> = Entries {
    map: |d| &d.documentation_parts,
    map_mut: |d| &mut d.documentation_parts,
    missing: part_not_found,
    on_load_error: unknown_api_is_unknown_part,
};

const VERSIONS: Entries<DocumentationVersion> = Entries {
    map: |d| &d.documentation_versions,
    map_mut: |d| &mut d.documentation_versions,
    missing: version_not_found,
    on_load_error: |e| e,
};

impl<V: Clone> Entries<V> {
    /// Loads the API and returns a copy of entry `key`, or the 404 for a missing one.
    async fn get(&self, st: &ControlState, scope: &Scope, api_id: &str, key: &str) -> ApiResult<V> {
        let def = load_api(st, scope, api_id)
            .await
            .map_err(self.on_load_error)?;
        (self.map)(&def.value)
            .get(key)
            .cloned()
            .ok_or_else(self.missing)
    }

    /// Applies `f` to entry `key` (or fails with the 404 for a missing one), stores the
    /// API and returns a copy of the changed entry: all or nothing.
    async fn update(
        &self,
        st: &ControlState,
        scope: &Scope,
        api_id: &str,
        key: &str,
        f: impl FnOnce(&mut V) -> ApiResult<()>,
    ) -> ApiResult<V> {
        edit_api(st, scope, api_id, |def| {
            let entry = (self.map_mut)(def).get_mut(key).ok_or_else(self.missing)?;
            f(entry)?;
            Ok(entry.clone())
        })
        .await
    }

    /// Removes entry `key` and answers 202, or fails with the 404 for a missing one.
    async fn delete(
        &self,
        st: &ControlState,
        scope: &Scope,
        api_id: &str,
        key: &str,
    ) -> ApiResult<Response> {
        edit_api(st, scope, api_id, |def| {
            (self.map_mut)(def)
                .remove(key)
                .map(|_| ())
                .ok_or_else(self.missing)
        })
        .await?;
        accepted()
    }
}

/// Properties must be a JSON object, as AWS checks them.
fn check_properties(p: &str) -> ApiResult<()> {
    match serde_json::from_str::<Value>(p) {
        Ok(Value::Object(_)) => Ok(()),
        _ => Err(ApiError::bad_request(
            "Invalid documentation part properties: must be a JSON object",
        )),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LocationInput {
    #[serde(rename = "type")]
    kind: Option<String>,
    path: Option<String>,
    method: Option<String>,
    status_code: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct CreatePartRequest {
    location: Option<LocationInput>,
    properties: Option<String>,
}

pub async fn create_documentation_part(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreatePartRequest = json_body(&body)?;
    let mut errors = Vec::new();
    let loc = req.location.unwrap_or(LocationInput {
        kind: None,
        path: None,
        method: None,
        status_code: None,
        name: None,
    });
    match loc.kind.as_deref() {
        None => errors.push("Value null at 'createDocumentationPartInput.location.type' failed to satisfy constraint: Member must not be null".into()),
        k => check_enum(&mut errors, k, "createDocumentationPartInput.location.type", LOCATION_TYPES),
    }
    if req.properties.is_none() {
        errors.push("Value null at 'createDocumentationPartInput.properties' failed to satisfy constraint: Member must not be null".into());
    }
    finish_validation(errors)?;
    let properties = req.properties.unwrap_or_default();
    let location = Location {
        kind: loc.kind.unwrap_or_default(),
        path: loc.path,
        method: loc.method,
        status_code: loc.status_code,
        name: loc.name,
    };
    let part = edit_api(&st, &caller.scope, &api_id, |def| {
        let location = location.normalise()?;
        check_properties(&properties)?;
        if def
            .documentation_parts
            .values()
            .any(|p| p.location == location)
        {
            return Err(already_exists(&location).into());
        }
        let id = st.new_unused_id(CHILD_ID_LEN, |i| def.documentation_parts.contains_key(i));
        let part = DocumentationPart {
            id: id.clone(),
            location,
            properties,
        };
        def.documentation_parts.insert(id, part.clone());
        Ok(part)
    })
    .await?;
    created(&part)
}

pub async fn get_documentation_part(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, part_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    ok(&PARTS.get(&st, &caller.scope, &api_id, &part_id).await?)
}

pub async fn get_documentation_parts(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    q: Query,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    let mut errors = Vec::new();
    check_enum(&mut errors, q.get("type"), "type", LOCATION_TYPES);
    check_enum(
        &mut errors,
        q.get("locationStatus"),
        "locationStatus",
        &["DOCUMENTED", "UNDOCUMENTED"],
    );
    finish_validation(errors)?;
    // A part "has content" unless its properties are an empty object.
    let documented = |p: &DocumentationPart| !matches!(serde_json::from_str::<Value>(&p.properties), Ok(Value::Object(o)) if o.is_empty());
    let items = def
        .value
        .documentation_parts
        .iter()
        .filter(|(_, p)| q.get("type").is_none_or(|t| p.location.kind == t))
        .filter(|(_, p)| {
            q.get("path")
                .is_none_or(|t| p.location.path.as_deref() == Some(t))
        })
        .filter(|(_, p)| {
            q.get("name")
                .is_none_or(|n| p.location.name.as_deref().is_some_and(|x| x.contains(n)))
        })
        .filter(|(_, p)| match q.get("locationStatus") {
            Some("DOCUMENTED") => documented(p),
            Some("UNDOCUMENTED") => !documented(p),
            _ => true,
        })
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
        .collect();
    ok(&page(items, &q)?)
}

pub async fn update_documentation_part(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, part_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateDocumentationPartInput")?;
    // An unknown API or part is refused before the edit, with the unknown part's 404.
    PARTS.get(&st, &caller.scope, &api_id, &part_id).await?;
    let part = PARTS
        .update(&st, &caller.scope, &api_id, &part_id, |p| {
            for op in &ops {
                if op.path != "/properties" {
                    return Err(op.invalid_path(&["/properties"]));
                }
                if op.op != Op::Replace {
                    return Err(op.invalid_path(&[]));
                }
                let v = op.value()?;
                check_properties(v)?;
                p.properties = v.to_string();
            }
            Ok(())
        })
        .await?;
    ok(&part)
}

pub async fn delete_documentation_part(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, part_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    PARTS.delete(&st, &caller.scope, &api_id, &part_id).await
}

/// ImportDocumentationParts (`PUT /restapis/{id}/documentation/parts?mode=overwrite|merge`):
/// the parts of a document's `x-amazon-apigateway-documentation`.
pub async fn import_documentation_parts(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    q: Query,
    body: Bytes,
) -> ApiResult<Response> {
    let overwrite = super::import::import_mode(&q)? == ImportMode::Overwrite;
    let unreadable = || ApiError::bad_request("Unable to build importer with provided input.");
    let doc = proscenium_openapi::document::parse(&body).map_err(|_| unreadable())?;
    let parts = proscenium_openapi::documentation::read(&doc).map_err(ApiError::bad_request)?;
    let ids = edit_api(&st, &caller.scope, &api_id, |def| {
        if overwrite {
            def.documentation_parts.clear();
        }
        let mut ids = Vec::new();
        for (location, properties) in parts {
            let taken: Vec<String> = def.documentation_parts.keys().cloned().collect();
            ids.push(proscenium_openapi::import::merge_part(
                def,
                location,
                properties,
                &mut || st.new_unused_id(CHILD_ID_LEN, |i| taken.iter().any(|t| t == i)),
            ));
        }
        Ok(ids)
    })
    .await?;
    ok(&json!({ "ids": ids }))
}

fn version_shape(v: &DocumentationVersion) -> Value {
    let mut o = json!({"version": v.version, "createdDate": v.created_date});
    if let Some(d) = &v.description {
        o["description"] = json!(d);
    }
    o
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateVersionRequest {
    documentation_version: Option<String>,
    stage_name: Option<String>,
    description: Option<String>,
}

pub async fn create_documentation_version(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateVersionRequest = json_body(&body)?;
    let version = req.documentation_version.filter(|v| !v.is_empty()).ok_or_else(|| {
        patch::validation_errors(&["Value null at 'createDocumentationVersionInput.documentationVersion' failed to satisfy constraint: Member must not be null".into()])
    })?;
    let stage = match &req.stage_name {
        Some(name) => Some(super::stage::load_stage(&st, &caller.scope, &api_id, name).await?),
        None => None,
    };
    let now = st.now().floor();
    let v = edit_api(&st, &caller.scope, &api_id, |def| {
        if def.documentation_versions.contains_key(&version) {
            return Err(ApiError::Conflict(format!(
                "Documentation version already exists: {version}"
            )));
        }
        let v = DocumentationVersion {
            version: version.clone(),
            created_date: now,
            description: req.description.clone(),
            parts: def.documentation_parts.values().cloned().collect(),
        };
        def.documentation_versions
            .insert(version.clone(), v.clone());
        Ok(v)
    })
    .await?;
    // The stage is pointed at the new version once the version exists.
    if let Some(current) = stage {
        let mut s = current.value;
        s.documentation_version = Some(version);
        s.last_updated_date = now;
        st.store
            .put_stage(
                &caller.scope,
                &api_id,
                StageWrite {
                    stage: s,
                    expected: Some(current.revision),
                },
            )
            .await?;
    }
    created(&version_shape(&v))
}

pub async fn get_documentation_version(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, version)): Path<(String, String)>,
) -> ApiResult<Response> {
    let v = VERSIONS.get(&st, &caller.scope, &api_id, &version).await?;
    ok(&version_shape(&v))
}

pub async fn get_documentation_versions(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    q: Query,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    let shapes: Vec<(String, Value)> = def
        .value
        .documentation_versions
        .iter()
        .map(|(k, v)| (k.clone(), version_shape(v)))
        .collect();
    ok(&page(shapes, &q)?)
}

pub async fn update_documentation_version(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, version)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateDocumentationVersionInput")?;
    let v = VERSIONS
        .update(&st, &caller.scope, &api_id, &version, |v| {
            for op in &ops {
                if op.path != "/description" {
                    return Err(op.invalid_path(&["/description"]));
                }
                patch::set_opt_string(&mut v.description, op)?;
            }
            Ok(())
        })
        .await?;
    ok(&version_shape(&v))
}

pub async fn delete_documentation_version(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, version)): Path<(String, String)>,
) -> ApiResult<Response> {
    VERSIONS.delete(&st, &caller.scope, &api_id, &version).await
}
