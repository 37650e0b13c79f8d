//! What many handlers share: loading an API with AWS's not-found message, the
//! read-modify-write cycle under the write lock, and `position`/`limit` paging.

use std::sync::Arc;

use proscenium_model::{ApiDefinition, Scope};
use proscenium_store::{StoreError, Versioned};
use serde_json::{Value, json};

use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;

/// AWS's message for an unknown API: `Invalid API identifier specified {account}:{id}`.
pub fn api_not_found(scope: &Scope, api_id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Invalid API identifier specified {}:{}",
        scope.account, api_id
    ))
}

pub async fn load_api(
    st: &ControlState,
    scope: &Scope,
    api_id: &str,
) -> ApiResult<Versioned<Arc<ApiDefinition>>> {
    match st.store.get_api(scope, api_id).await {
        Err(StoreError::NotFound) => Err(api_not_found(scope, api_id)),
        other => Ok(other?),
    }
}

/// Loads the API, applies `f` to a copy, and stores it if `f` succeeds: all or nothing.
pub async fn edit_api<T>(
    st: &ControlState,
    scope: &Scope,
    api_id: &str,
    f: impl FnOnce(&mut ApiDefinition) -> ApiResult<T>,
) -> ApiResult<T> {
    let _guard = st.write_lock.lock().await;
    let current = load_api(st, scope, api_id).await?;
    let mut def = ApiDefinition::clone(&current.value);
    let out = f(&mut def)?;
    st.store
        .put_api(scope, &def, Some(current.revision))
        .await?;
    Ok(out)
}

/// Pages `items` by `limit` (1..=500, default 25) and `position`, as `{"item": [...],
/// "position"}`. Each item comes with a sort key, and `items` must be sorted by it; the
/// opaque `position` encodes the key of the next page's first item, so paging goes on
/// correctly when items are deleted or added between two pages.
pub fn page(items: Vec<(String, Value)>, q: &Query) -> ApiResult<Value> {
    let limit = match q.get("limit") {
        None => 25,
        Some(l) => match l.parse::<i64>() {
            Ok(n) if (1..=500).contains(&n) => n as usize,
            Ok(n) if n > 500 => {
                return Err(crate::patch::validation_errors(&[format!(
                    "Value '{l}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 500"
                )]));
            }
            _ => {
                return Err(crate::patch::validation_errors(&[format!(
                    "Value '{l}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
                )]));
            }
        },
    };
    let start = match q.get("position") {
        None => 0,
        Some(p) => {
            let key = hex::decode(p)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::bad_request("Invalid position parameter"))?;
            items.partition_point(|(k, _)| *k < key)
        }
    };
    let end = (start + limit).min(items.len());
    let next = items.get(end).map(|(k, _)| hex::encode(k));
    let page: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(|(_, v)| v)
        .collect();
    let mut out = json!({ "item": page });
    if let Some(n) = next {
        out["position"] = Value::String(n);
    }
    Ok(out)
}

/// Pages the entries of a map keyed in listing order (models by name, authorizers and
/// validators by id), serialised as they are.
pub fn page_map<'a, T: serde::Serialize + 'a>(
    entries: impl Iterator<Item = (&'a String, &'a T)>,
    q: &Query,
) -> ApiResult<Value> {
    let items = entries
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
        .collect();
    page(items, q)
}

/// A sort key for items listed by creation time, then id.
pub fn created_key(created: f64, id: &str) -> String {
    format!("{:020}\u{0}{id}", created.max(0.0) as u64)
}

/// Checks a value against an enum the way Coral validates input, collecting AWS's message.
pub fn check_enum(errors: &mut Vec<String>, value: Option<&str>, at: &str, allowed: &[&str]) {
    if let Some(v) = value
        && !allowed.contains(&v)
    {
        errors.push(format!(
                "Value '{v}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ));
    }
}

/// Fails with AWS's ValidationException if any check failed.
pub fn finish_validation(errors: Vec<String>) -> ApiResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::patch::validation_errors(&errors))
    }
}

/// AWS's answer to a parameter mapping it refuses (400 BadRequestException).
pub fn mapping_error(e: proscenium_model::mapping::MappingError) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [{e}]"
    ))
}
