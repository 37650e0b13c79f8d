//! CreateRestApi, GetRestApi, GetRestApis, UpdateRestApi, DeleteRestApi.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::id::{API_ID_LEN, CHILD_ID_LEN};
use proscenium_model::rest_api::{API_KEY_SOURCES, ENDPOINT_TYPES, IP_ADDRESS_TYPES};
use proscenium_model::{ApiDefinition, EndpointConfiguration, RestApi, StringMap};
use proscenium_store::StoreError;
use serde::Deserialize;

use super::common::{api_not_found, check_enum, edit_api, finish_validation, load_api, page};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op, PatchOp};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRestApiRequest {
    name: Option<String>,
    description: Option<String>,
    version: Option<String>,
    clone_from: Option<String>,
    #[serde(default)]
    binary_media_types: Vec<String>,
    minimum_compression_size: Option<serde_json::Value>,
    api_key_source: Option<String>,
    endpoint_configuration: Option<EndpointConfigurationInput>,
    policy: Option<String>,
    #[serde(default)]
    tags: StringMap,
    #[serde(default)]
    disable_execute_api_endpoint: bool,
}

/// As sent: `types` absent and `types: []` mean different things to AWS.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndpointConfigurationInput {
    types: Option<Vec<String>>,
    ip_address_type: Option<String>,
    vpc_endpoint_ids: Option<Vec<String>>,
}

const MAX_COMPRESSION: i64 = 10_485_760;

fn compression_size(v: &serde_json::Value) -> ApiResult<i64> {
    v.as_i64()
        .filter(|n| (0..=MAX_COMPRESSION).contains(n))
        .ok_or_else(|| {
            ApiError::bad_request(
                "Invalid minimum compression size, must be between 0 and 10485760",
            )
        })
}

/// AWS's endpoint-configuration rules and defaults (EDGE/ipv4; PRIVATE is dualstack only).
fn endpoint_configuration(
    input: Option<EndpointConfigurationInput>,
) -> ApiResult<EndpointConfiguration> {
    let explicit_empty = input
        .as_ref()
        .and_then(|i| i.types.as_ref())
        .is_some_and(Vec::is_empty);
    let mut ec = input
        .map(|i| EndpointConfiguration {
            types: i.types.unwrap_or_default(),
            ip_address_type: i.ip_address_type,
            vpc_endpoint_ids: i.vpc_endpoint_ids,
        })
        .unwrap_or_default();
    let mut errors = Vec::new();
    if ec
        .types
        .iter()
        .any(|t| !ENDPOINT_TYPES.contains(&t.as_str()))
    {
        errors.push(format!(
            "Value '[{}]' at 'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]",
            ec.types.join(", ")
        ));
    }
    check_enum(
        &mut errors,
        ec.ip_address_type.as_deref(),
        "createRestApiInput.endpointConfiguration.ipAddressType",
        IP_ADDRESS_TYPES,
    );
    finish_validation(errors)?;
    if explicit_empty {
        return Err(ApiError::bad_request(
            "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.",
        ));
    }
    if ec.types.is_empty() {
        ec.types = vec!["EDGE".into()];
    }
    if ec.types.len() > 1 {
        return Err(ApiError::bad_request(
            "Cannot create an api with multiple Endpoint Types.",
        ));
    }
    let private = ec.types[0] == "PRIVATE";
    match (private, ec.ip_address_type.as_deref()) {
        (true, Some("ipv4")) => {
            return Err(ApiError::bad_request(
                "Only dualstack ipAddressType is supported for Private APIs.",
            ));
        }
        (true, None) => ec.ip_address_type = Some("dualstack".into()),
        (false, None) => ec.ip_address_type = Some("ipv4".into()),
        _ => {}
    }
    Ok(ec)
}

pub async fn create_rest_api(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    body: Bytes,
) -> ApiResult<Response> {
    if q.get("mode") == Some("import") {
        return super::import::import_rest_api(&st, &caller, &q, &body).await;
    }
    let req: CreateRestApiRequest = json_body(&body)?;
    let name = req.name.filter(|n| !n.is_empty()).ok_or_else(|| {
        patch::validation_errors(&["Value null at 'createRestApiInput.name' failed to satisfy constraint: Member must not be null".into()])
    })?;
    let mut errors = Vec::new();
    check_enum(
        &mut errors,
        req.api_key_source.as_deref(),
        "createRestApiInput.apiKeySource",
        API_KEY_SOURCES,
    );
    finish_validation(errors)?;
    if req.description.as_deref() == Some("") {
        return Err(ApiError::bad_request(
            "Description cannot be an empty string",
        ));
    }
    let endpoint = endpoint_configuration(req.endpoint_configuration)?;
    let minimum_compression_size = req
        .minimum_compression_size
        .as_ref()
        .map(compression_size)
        .transpose()?;
    let id = st.new_id(API_ID_LEN);
    let policy = req
        .policy
        .map(|p| stored_policy(&p, &caller.scope, &id))
        .transpose()?
        .filter(|p| !p.is_empty());
    let api = RestApi {
        id: id.clone(),
        name,
        description: req.description,
        created_date: st.now().floor(),
        version: req.version,
        warnings: vec![],
        binary_media_types: req.binary_media_types,
        minimum_compression_size,
        api_key_source: req.api_key_source.unwrap_or_else(|| "HEADER".into()),
        endpoint_configuration: endpoint,
        policy,
        tags: req.tags,
        disable_execute_api_endpoint: req.disable_execute_api_endpoint,
        root_resource_id: st.new_id(API_ID_LEN),
    };
    let mut def = ApiDefinition::new(api);
    for m in super::model::default_models(|| st.new_id(CHILD_ID_LEN)) {
        def.models.insert(m.name.clone(), m);
    }
    if let Some(source) = req.clone_from {
        let src = load_api(&st, &caller.scope, &source).await?;
        let mut cloned = ApiDefinition::clone(&src.value);
        cloned.api = def.api.clone();
        remap_root(
            &mut cloned,
            &src.value.api.root_resource_id,
            &def.api.root_resource_id,
        );
        def = cloned;
    }
    st.store.put_api(&caller.scope, &def, None).await?;
    created(&def.api)
}

/// A clone keeps the source's resource ids but needs its own root id.
fn remap_root(def: &mut ApiDefinition, old_root: &str, new_root: &str) {
    if let Some(mut root) = def.resources.remove(old_root) {
        root.id = new_root.to_string();
        def.resources.insert(new_root.to_string(), root);
    }
    for r in def.resources.values_mut() {
        if r.parent_id.as_deref() == Some(old_root) {
            r.parent_id = Some(new_root.to_string());
        }
    }
}

pub async fn get_rest_api(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
) -> ApiResult<Response> {
    let def = load_api(&st, &caller.scope, &api_id).await?;
    let mut v = serde_json::to_value(&def.value.api).unwrap_or_default();
    // AWS prints an empty tag map on GetRestApi (not on CreateRestApi or GetRestApis).
    v.as_object_mut()
        .map(|o| o.entry("tags").or_insert_with(|| serde_json::json!({})));
    ok(&v)
}

pub async fn get_rest_apis(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
) -> ApiResult<Response> {
    let apis = st.store.list_apis(&caller.scope).await?;
    let items = apis
        .into_iter()
        .map(|a| {
            (
                super::common::created_key(a.created_date, &a.id),
                serde_json::to_value(&a).unwrap_or_default(),
            )
        })
        .collect();
    ok(&page(items, &q)?)
}

pub async fn update_rest_api(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateRestApiInput")?;
    let api = edit_api(&st, &caller.scope, &api_id, |def| {
        for op in &ops {
            apply(&mut def.api, op)?;
        }
        if ops
            .iter()
            .any(|op| op.path.trim_start_matches('/') == "policy")
        {
            def.api.policy = def
                .api
                .policy
                .take()
                .map(|p| stored_policy(&p, &caller.scope, &api_id))
                .transpose()?
                .filter(|p| !p.is_empty());
        }
        Ok(def.api.clone())
    })
    .await?;
    let mut v = serde_json::to_value(&api).unwrap_or_default();
    // AWS prints an empty tag map once an API has been updated.
    v.as_object_mut()
        .map(|o| o.entry("tags").or_insert_with(|| serde_json::json!({})));
    ok(&v)
}

/// AWS's quota on a resource policy's length, in characters.
const MAX_POLICY: usize = 8192;

/// A resource policy as AWS stores it: checked, with `execute-api:/…` resources written as
/// full ARNs of this API. An empty policy is none.
pub(crate) fn stored_policy(
    text: &str,
    scope: &proscenium_model::Scope,
    api_id: &str,
) -> ApiResult<String> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    let invalid = || {
        ApiError::bad_request(
            "Invalid policy document. Please check the policy syntax and ensure that Principals are valid.",
        )
    };
    let document: serde_json::Value = serde_json::from_str(text).map_err(|_| invalid())?;
    proscenium_model::policy::Policy::from_value(&document).map_err(|_| invalid())?;
    // AWS's quota is 8192 characters; like IAM, count the document without the
    // whitespace between its tokens.
    let length = document.to_string().chars().count();
    if length > MAX_POLICY {
        return Err(ApiError::bad_request(format!(
            "Invalid policy document. The policy is {length} characters long without whitespace; a resource policy can be at most {MAX_POLICY} characters long."
        )));
    }
    Ok(proscenium_model::policy::expand_resources(
        text,
        &scope.region,
        &scope.account,
        api_id,
    ))
}

fn apply(api: &mut RestApi, op: &PatchOp) -> ApiResult<()> {
    let segs = patch::segments(&op.path);
    let only_replace = || -> ApiResult<()> {
        if op.op == Op::Replace {
            Ok(())
        } else {
            Err(ApiError::bad_request(
                "Invalid patch operation specified. Must be one of: [replace]",
            ))
        }
    };
    match segs
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["name"] => {
            only_replace()?;
            api.name = op.value()?.to_string();
        }
        ["description"] => patch::set_opt_string(&mut api.description, op)?,
        ["version"] => patch::set_opt_string(&mut api.version, op)?,
        ["policy"] => patch::set_opt_string(&mut api.policy, op)?,
        ["apiKeySource"] => {
            only_replace()?;
            let v = op.value()?;
            if !API_KEY_SOURCES.contains(&v) {
                return Err(ApiError::bad_request(format!(
                    "Invalid API Key Source specified: {v}"
                )));
            }
            api.api_key_source = v.to_string();
        }
        ["disableExecuteApiEndpoint"] => {
            only_replace()?;
            api.disable_execute_api_endpoint = op.bool_value()?;
        }
        ["minimumCompressionSize"] => {
            only_replace()?;
            api.minimum_compression_size = match op.value.as_deref() {
                None | Some("") => None,
                Some(v) => Some(compression_size(&serde_json::Value::from(
                    v.parse::<i64>().map_err(|_| {
                        ApiError::bad_request(
                            "Invalid minimum compression size, must be between 0 and 10485760",
                        )
                    })?,
                ))?),
            };
        }
        ["binaryMediaTypes", ty] if !ty.is_empty() => match op.op {
            Op::Add => {
                if !api.binary_media_types.iter().any(|t| t == ty) {
                    api.binary_media_types.push(ty.to_string());
                }
            }
            Op::Replace => {
                // AWS removes the old type and appends the new one.
                let new = op.value()?.to_string();
                api.binary_media_types.retain(|t| t != ty && *t != new);
                api.binary_media_types.push(new);
            }
            Op::Remove => api.binary_media_types.retain(|t| t != ty),
            _ => return Err(op.invalid_path(&[])),
        },
        ["endpointConfiguration", "types", old] => {
            if !matches!(op.op, Op::Add | Op::Remove | Op::Replace) {
                return Err(ApiError::bad_request(
                    "Invalid patch operation specified. Must be 'add'|'remove'|'replace'",
                ));
            }
            let new = if op.op == Op::Replace {
                op.value()?
            } else {
                old
            };
            if !ENDPOINT_TYPES.contains(&new) {
                return Err(ApiError::bad_request(
                    "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
                ));
            }
            api.endpoint_configuration.types = vec![new.to_string()];
            if new == "PRIVATE" {
                api.endpoint_configuration.ip_address_type = Some("dualstack".into());
            }
        }
        ["endpointConfiguration", "ipAddressType"] => {
            only_replace()?;
            let v = op.value()?;
            if !IP_ADDRESS_TYPES.contains(&v) {
                return Err(ApiError::bad_request(
                    "ipAddressType must be either ipv4 or dualstack.",
                ));
            }
            if v == "ipv4"
                && api
                    .endpoint_configuration
                    .types
                    .iter()
                    .any(|t| t == "PRIVATE")
            {
                return Err(ApiError::bad_request(
                    "Only dualstack ipAddressType is supported for Private APIs.",
                ));
            }
            api.endpoint_configuration.ip_address_type = Some(v.to_string());
        }
        _ => {
            return Err(ApiError::bad_request(format!(
                "Invalid patch path {}",
                op.path
            )));
        }
    }
    Ok(())
}

pub async fn delete_rest_api(
    State(st): State<ControlState>,
    caller: Caller,
    Path(api_id): Path<String>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    super::base_path_mapping::refuse_mapped_api(&st, &caller.scope, &api_id).await?;
    match st.store.delete_api(&caller.scope, &api_id).await {
        Err(StoreError::NotFound) => Err(api_not_found(&caller.scope, &api_id)),
        other => {
            other?;
            super::usage_plan::forget_stages(&st, &caller.scope, &api_id, None).await?;
            accepted()
        }
    }
}
