//! CreateModel, GetModel, GetModels, UpdateModel, DeleteModel, GetModelTemplate.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::id::CHILD_ID_LEN;
use proscenium_model::{ApiDefinition, Model, Scope};
use serde::Deserialize;

use super::common::{edit_api, load_api, page_map};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Invalid model name specified: {name}"))
}

fn unknown_api_is_unknown_model(e: ApiError, name: &str) -> ApiError {
    match e {
        ApiError::NotFound(m) if m.starts_with("Invalid API identifier") => not_found(name),
        e => e,
    }
}

/// Loads the API and a copy of its model `name`; an unknown API answers as an unknown model.
async fn load_model(
    st: &ControlState,
    scope: &Scope,
    api_id: &str,
    name: &str,
) -> ApiResult<(Arc<ApiDefinition>, Model)> {
    let def = load_api(st, scope, api_id).await.map_err(|e| match e {
        ApiError::NotFound(_) => not_found(name),
        e => e,
    })?;
    let model = def
        .value
        .models
        .get(name)
        .cloned()
        .ok_or_else(|| not_found(name))?;
    Ok((def.value, model))
}

/// The models every new REST API has (AWS creates them with the API).
pub fn default_models(mut new_id: impl FnMut() -> String) -> Vec<Model> {
    let schema = |title: &str, extra: &str| {
        format!(
            "{{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"{title}\",\n  \"type\" : \"object\"{extra}\n}}"
        )
    };
    vec![
        Model {
            id: new_id(),
            name: "Empty".into(),
            description: Some("This is a default empty schema model".into()),
            schema: Some(schema("Empty Schema", "")),
            content_type: "application/json".into(),
        },
        Model {
            id: new_id(),
            name: "Error".into(),
            description: Some("This is a default error schema model".into()),
            schema: Some(schema(
                "Error Schema",
                ",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }",
            )),
            content_type: "application/json".into(),
        },
    ]
}

/// AWS refuses a schema with nothing in it.
fn check_schema(schema: Option<&str>) -> ApiResult<()> {
    let empty = match schema.map(str::trim) {
        None | Some("") => true,
        Some(s) => {
            matches!(serde_json::from_str::<serde_json::Value>(s), Ok(serde_json::Value::Object(ref o)) if o.is_empty())
        }
    };
    if empty {
        return Err(ApiError::bad_request(
            "Model schema must have at least 1 property or array items defined",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateModelRequest {
    name: Option<String>,
    description: Option<String>,
    schema: Option<String>,
    content_type: Option<String>,
}

pub async fn create_model(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateModelRequest = json_body(&body)?;
    let name = req.name.unwrap_or_default();
    if name.is_empty() {
        return Err(ApiError::bad_request("Model name must be non-empty"));
    }
    if !proscenium_model::model_schema::is_valid_model_name(&name) {
        return Err(ApiError::bad_request("Model name must be alphanumeric"));
    }
    let content_type = req
        .content_type
        .unwrap_or_else(|| "application/json".into());
    check_schema(req.schema.as_deref())?;
    let model = Model {
        id: st.new_id(CHILD_ID_LEN),
        name: name.clone(),
        description: req.description.filter(|d| !d.is_empty()),
        schema: req.schema,
        content_type,
    };
    let out = edit_api(&st, &caller.scope, &api_id, |def| {
        if def.models.contains_key(&name) {
            return Err(ApiError::conflict(
                "Model name already exists for this REST API",
            ));
        }
        def.models.insert(name.clone(), model.clone());
        Ok(model)
    })
    .await?;
    created(&out)
}

pub async fn get_model(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (_, model) = load_model(&st, &caller.scope, &api_id, &name).await?;
    ok(&model)
}

pub async fn get_models(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(api_id): Path<String>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    ok(&page_map(def.value.models.iter(), &q)?)
}

pub async fn update_model(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, name)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateModelInput")?;
    let out = edit_api(&st, &caller.scope, &api_id, |def| {
        let m = def.models.get_mut(&name).ok_or_else(|| not_found(&name))?;
        for op in &ops {
            if op.op != Op::Replace {
                return Err(op.invalid_path(&[]));
            }
            match op.path.as_str() {
                "/description" => m.description = op.value.clone().filter(|d| !d.is_empty()),
                "/schema" => {
                    check_schema(op.value.as_deref())?;
                    m.schema = op.value.clone();
                }
                _ => return Err(op.invalid_path(&["/description", "/schema"])),
            }
        }
        Ok(m.clone())
    })
    .await
    .map_err(|e| unknown_api_is_unknown_model(e, &name))?;
    ok(&out)
}

pub async fn delete_model(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    edit_api(&st, &caller.scope, &api_id, |def| {
        if !def.models.contains_key(&name) {
            return Err(not_found(&name));
        }
        if let Some(user) = def.model_users(&name) {
            return Err(ApiError::conflict(format!(
                "Cannot delete model '{name}', is referenced in method request: {user}"
            )));
        }
        def.models.remove(&name);
        Ok(())
    })
    .await
    .map_err(|e| unknown_api_is_unknown_model(e, &name))?;
    accepted()
}

/// GetModelTemplate: `{"value": template}` generated from the model's schema.
pub async fn get_model_template(
    State(st): State<ControlState>,
    caller: Caller,
    Path((api_id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (def, model) = load_model(&st, &caller.scope, &api_id, &name).await?;
    let value = proscenium_model::model_template::generate(&model, &def.models);
    ok(&serde_json::json!({ "value": value }))
}
