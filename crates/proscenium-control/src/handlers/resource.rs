//! CreateResource, GetResource, GetResources (`embed=methods`), UpdateResource, DeleteResource.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::Resource;
use proscenium_model::id::CHILD_ID_LEN;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{edit_api, load_api, page};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

/// A resource as AWS prints it: with full methods when embedded, else `{"GET": {}}` stubs are
/// omitted entirely unless asked for.
pub fn resource_shape(r: &Resource, embed_methods: bool) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(r.id));
    if let Some(p) = &r.parent_id {
        o.insert("parentId".into(), json!(p));
    }
    if let Some(p) = &r.path_part {
        o.insert("pathPart".into(), json!(p));
    }
    o.insert("path".into(), json!(r.path));
    if !r.resource_methods.is_empty() {
        let methods: Map<String, Value> = r
            .resource_methods
            .iter()
            .map(|(k, m)| {
                let v = if embed_methods {
                    super::method::method_shape(m)
                } else {
                    json!({})
                };
                (k.clone(), v)
            })
            .collect();
        o.insert("resourceMethods".into(), Value::Object(methods));
    }
    Value::Object(o)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateResourceRequest {
    path_part: Option<String>,
}

pub async fn create_resource(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, parent_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateResourceRequest = json_body(&body)?;
    let part = req.path_part.ok_or_else(|| {
        patch::validation_errors(&["Value null at 'createResourceInput.pathPart' failed to satisfy constraint: Member must not be null".into()])
    })?;
    let r = edit_api(&st, &caller.scope, &api_id, |def| {
        if !def.resources.contains_key(&parent_id) {
            return Err(ApiError::not_found("Invalid Resource identifier specified"));
        }
        // A random six-character id can meet one the API already has (large APIs do).
        let id = st.new_unused_id(CHILD_ID_LEN, |id| def.resources.contains_key(id));
        Ok(def.create_resource(id, &parent_id, &part)?.clone())
    })
    .await?;
    created(&resource_shape(&r, false))
}

pub async fn get_resource(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path((api_id, resource_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    let r = def.value.resource(&resource_id)?;
    ok(&resource_shape(r, q.all("embed").any(|e| e == "methods")))
}

pub async fn get_resources(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(api_id): Path<String>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    let embed = q.all("embed").any(|e| e == "methods");
    let mut rs: Vec<&Resource> = def.value.resources.values().collect();
    rs.sort_by(|a, b| a.path.cmp(&b.path).then(a.id.cmp(&b.id)));
    let items = rs
        .into_iter()
        .map(|r| (format!("{}\u{0}{}", r.path, r.id), resource_shape(r, embed)))
        .collect();
    ok(&page(items, &q)?)
}

pub async fn update_resource(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateResourceInput")?;
    let r = edit_api(&st, &caller.scope, &api_id, |def| {
        def.resource(&resource_id)?;
        for op in &ops {
            if op.op != Op::Replace {
                return Err(ApiError::bad_request(format!(
                    "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
                    op.path,
                    op.op.as_str()
                )));
            }
            match op.path.as_str() {
                "/pathPart" => def.move_resource(&resource_id, None, Some(op.value()?))?,
                "/parentId" => def.move_resource(&resource_id, Some(op.value()?), None)?,
                _ => return Err(op.invalid_path(&["/parentId", "/pathPart"])),
            }
        }
        Ok(def.resource(&resource_id)?.clone())
    })
    .await?;
    ok(&resource_shape(&r, false))
}

pub async fn delete_resource(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, resource_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    edit_api(&st, &caller.scope, &api_id, |def| {
        Ok(def.delete_resource(&resource_id)?)
    })
    .await?;
    accepted()
}
