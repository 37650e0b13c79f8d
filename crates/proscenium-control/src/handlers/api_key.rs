//! CreateApiKey, GetApiKey(s), UpdateApiKey, DeleteApiKey and ImportApiKeys (`POST
//! /apikeys?mode=import`, CSV). Keys are account-level live state; the data plane reads them
//! from the store. A key's value appears on the wire only on creation, with `includeValue(s)`,
//! and in usage plan keys, as in AWS.
//!
//! The CSV reader and the row rules of ImportApiKeys are pure and tested here; nothing in this
//! module enforces keys at invocation time.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::id::API_ID_LEN;
use proscenium_model::usage_plan::{ApiKey, UsagePlan};
use proscenium_model::{Scope, StringMap};
use proscenium_store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{finish_validation, load_api, page};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op};

/// Characters of generated key values (AWS's are 40 mixed-case alphanumerics).
const VALUE_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const GENERATED_VALUE_LEN: usize = 40;
const MAX_NAME: usize = 1024;
const MAX_DESCRIPTION: usize = 125_000;

/// AWS's answer (409) to a second key with the same value: values are unique in a region.
const KEY_EXISTS: &str = "API Key already exists";

pub fn key_not_found() -> ApiError {
    ApiError::not_found("Invalid API Key identifier specified")
}

/// What AWS answers for a key value it refuses (`None`: acceptable).
pub fn value_problem(value: &str) -> Option<&'static str> {
    let n = value.chars().count();
    if n > 128 {
        Some("API Key value exceeds maximum size of 128 characters")
    } else if n < 20 {
        Some("API Key value should be at least 20 characters")
    } else {
        None
    }
}

fn check_name_and_description(name: Option<&str>, description: Option<&str>) -> ApiResult<()> {
    if name.is_some_and(|n| n.chars().count() > MAX_NAME) {
        return Err(ApiError::bad_request(
            "Invalid API Key name, can be at most 1024 characters.",
        ));
    }
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
        return Err(ApiError::bad_request(
            "Invalid API Key description specified.",
        ));
    }
    Ok(())
}

/// The wire shape. `value` only when asked; `tags` as AWS prints them: always on single-key
/// reads and updates, only when there are some on creation and in lists.
pub fn key_shape(k: &ApiKey, include_value: bool, always_tags: bool) -> Value {
    let mut v = json!({
        "id": k.id,
        "enabled": k.enabled,
        "createdDate": k.created_date,
        "lastUpdatedDate": k.last_updated_date,
        "stageKeys": k.stage_keys,
    });
    if include_value {
        v["value"] = json!(k.value);
    }
    if !k.name.is_empty() {
        v["name"] = json!(k.name);
    }
    if let Some(c) = &k.customer_id {
        v["customerId"] = json!(c);
    }
    if let Some(d) = &k.description {
        v["description"] = json!(d);
    }
    if always_tags || !k.tags.is_empty() {
        v["tags"] = json!(k.tags);
    }
    v
}

/// A fresh 40-character value from the injected randomness.
pub fn generate_value(st: &ControlState) -> String {
    (0..GENERATED_VALUE_LEN)
        .map(|_| VALUE_ALPHABET[(st.ids.next_u32() as usize) % VALUE_ALPHABET.len()] as char)
        .collect()
}

/// Checks that `api/stage` names an existing stage; returns the stored spelling.
async fn check_stage_key(
    st: &ControlState,
    scope: &Scope,
    api_id: &str,
    stage: &str,
) -> ApiResult<String> {
    load_api(st, scope, api_id).await?;
    match st.store.get_stage(scope, api_id, stage).await {
        Err(StoreError::NotFound) => Err(super::stage::invalid_stage()),
        other => {
            other?;
            Ok(format!("{api_id}/{stage}"))
        }
    }
}

pub async fn load_key(st: &ControlState, scope: &Scope, id: &str) -> ApiResult<ApiKey> {
    match st.store.get_api_key(scope, id).await {
        Err(StoreError::NotFound) => Err(key_not_found()),
        other => Ok(other?),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StageKeyInput {
    rest_api_id: Option<String>,
    stage_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateApiKeyRequest {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    #[allow(dead_code)]
    generate_distinct_id: bool,
    value: Option<String>,
    #[serde(default)]
    stage_keys: Vec<StageKeyInput>,
    customer_id: Option<String>,
    #[serde(default)]
    tags: StringMap,
}

/// `POST /apikeys`: CreateApiKey, or ImportApiKeys with `?mode=import`.
pub async fn create_api_key(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    body: Bytes,
) -> ApiResult<Response> {
    if q.get("mode") == Some("import") {
        return import_api_keys(&st, &caller, &q, &body).await;
    }
    let req: CreateApiKeyRequest = json_body(&body)?;
    check_name_and_description(req.name.as_deref(), req.description.as_deref())?;
    let value = match req.value.filter(|v| !v.is_empty()) {
        Some(v) => {
            if let Some(m) = value_problem(&v) {
                return Err(ApiError::bad_request(m));
            }
            v
        }
        None => generate_value(&st),
    };
    let mut stage_keys = Vec::new();
    for sk in &req.stage_keys {
        let (Some(api), Some(stage)) = (sk.rest_api_id.as_deref(), sk.stage_name.as_deref()) else {
            return Err(ApiError::bad_request("Invalid stage key specified"));
        };
        let k = check_stage_key(&st, &caller.scope, api, stage).await?;
        if !stage_keys.contains(&k) {
            stage_keys.push(k);
        }
    }
    let _guard = st.write_lock.lock().await;
    let existing = st.store.list_api_keys(&caller.scope).await?;
    if existing.iter().any(|k| k.value == value) {
        return Err(ApiError::conflict(KEY_EXISTS));
    }
    let id = st.new_unused_id(API_ID_LEN, |c| existing.iter().any(|k| k.id == c));
    let now = st.now().floor();
    let key = ApiKey {
        id,
        value,
        name: req.name.unwrap_or_default(),
        customer_id: req.customer_id.filter(|c| !c.is_empty()),
        description: req.description.filter(|d| !d.is_empty()),
        enabled: req.enabled,
        created_date: now,
        last_updated_date: now,
        stage_keys,
        tags: req.tags,
    };
    st.store.put_api_key(&caller.scope, &key).await?;
    created(&key_shape(&key, true, false))
}

fn flag(q: &Query, name: &str) -> bool {
    q.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

pub async fn get_api_key(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let key = load_key(&st, &caller.scope, &id).await?;
    ok(&key_shape(&key, flag(&q, "includeValue"), true))
}

/// Listing order: by name, then id.
pub fn name_key(name: &str, id: &str) -> String {
    format!("{name}\u{0}{id}")
}

pub async fn get_api_keys(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
) -> ApiResult<Response> {
    let mut keys = st.store.list_api_keys(&caller.scope).await?;
    let name = q.get("name").filter(|n| !n.is_empty());
    let customer = q.get("customerId").filter(|c| !c.is_empty());
    keys.retain(|k| {
        name.is_none_or(|n| k.name.starts_with(n))
            && customer.is_none_or(|c| k.customer_id.as_deref() == Some(c))
    });
    keys.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let include = flag(&q, "includeValues");
    let items = keys
        .iter()
        .map(|k| (name_key(&k.name, &k.id), key_shape(k, include, false)))
        .collect();
    ok(&page(items, &q)?)
}

/// Splits an `api/stage` stage key; AWS's message for a malformed one.
fn parse_stage_key(v: &str) -> ApiResult<(&str, &str)> {
    match v.split_once('/') {
        Some((a, s)) if !a.is_empty() && !s.is_empty() && !s.contains('/') => Ok((a, s)),
        _ => Err(ApiError::bad_request(format!(
            "Invalid stage key specified: {v}"
        ))),
    }
}

pub async fn update_api_key(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateApiKeyInput")?;
    let _guard = st.write_lock.lock().await;
    let mut key = load_key(&st, &caller.scope, &id).await?;
    for op in &ops {
        match (op.op, op.path.as_str()) {
            (Op::Replace, "/name") => {
                let v = op.value.clone().unwrap_or_default();
                check_name_and_description(Some(&v), None)?;
                key.name = v;
            }
            (Op::Replace, "/description") => {
                check_name_and_description(None, op.value.as_deref())?;
                key.description = op.value.clone().filter(|d| !d.is_empty());
            }
            (Op::Replace, "/customerId") => {
                key.customer_id = op.value.clone().filter(|c| !c.is_empty())
            }
            // AWS reads anything but "true" as false.
            (Op::Replace, "/enabled") => {
                key.enabled = op
                    .value
                    .as_deref()
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
            }
            (Op::Add, "/stages") => {
                let (api, stage) = parse_stage_key(op.value()?)?;
                let k = check_stage_key(&st, &caller.scope, api, stage).await?;
                if !key.stage_keys.contains(&k) {
                    key.stage_keys.push(k);
                }
            }
            (Op::Remove, "/stages") => {
                let v = op.value()?;
                parse_stage_key(v)?;
                key.stage_keys.retain(|k| k != v);
            }
            (Op::Add | Op::Remove, _) => return Err(op.invalid_path(&["/stages"])),
            _ => {
                return Err(op.invalid_path(&["/description", "/enabled", "/name", "/customerId"]));
            }
        }
    }
    key.last_updated_date = st.now().floor();
    st.store.put_api_key(&caller.scope, &key).await?;
    ok(&key_shape(&key, false, true))
}

pub async fn delete_api_key(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    load_key(&st, &caller.scope, &id).await?;
    for mut plan in st.store.list_usage_plans(&caller.scope).await? {
        if plan.key_ids.contains(&id) {
            plan.key_ids.retain(|k| *k != id);
            st.store.put_usage_plan(&caller.scope, &plan).await?;
        }
    }
    st.store.delete_api_key(&caller.scope, &id).await?;
    accepted()
}

// --- ImportApiKeys -------------------------------------------------------------------------

/// Reads CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF). Blank lines are skipped.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                if !(row.len() == 1 && row[0].trim().is_empty()) {
                    rows.push(std::mem::take(&mut row));
                } else {
                    row.clear();
                }
                line += 1;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("unterminated quoted field at line {line}"));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        if !(row.len() == 1 && row[0].trim().is_empty()) {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// One row of an import file, read by the header's (case-insensitive) column names.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub line: usize,
    pub name: String,
    pub value: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub usage_plan_ids: Vec<String>,
}

const COLUMNS: &[&str] = &["name", "key", "description", "enabled", "usageplanids"];

/// Reads an import file into rows and the warnings of rows that cannot be imported. A file
/// without a header naming the `Key` column, or with unknown columns, fails as a whole.
pub fn import_rows(text: &str) -> ApiResult<(Vec<ImportRow>, Vec<String>)> {
    let bad = |m: String| ApiError::bad_request(format!("Invalid API keys file: {m}"));
    let rows = parse_csv(text).map_err(bad)?;
    let Some((header, body)) = rows.split_first() else {
        return Err(bad("the file is empty".into()));
    };
    let mut cols = Vec::new();
    for h in header {
        let h = h.trim().to_ascii_lowercase();
        if !COLUMNS.contains(&h.as_str()) {
            return Err(bad(format!(
                "unknown column '{h}' (expected Name, Key, Description, Enabled, UsagePlanIds)"
            )));
        }
        if cols.contains(&h) {
            return Err(bad(format!("column '{h}' appears twice")));
        }
        cols.push(h);
    }
    let Some(key_col) = cols.iter().position(|c| c == "key") else {
        return Err(bad("the header has no Key column".into()));
    };
    let col = |name: &str| cols.iter().position(|c| c == name);
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (i, r) in body.iter().enumerate() {
        let line = i + 2;
        if r.len() != cols.len() {
            warnings.push(format!(
                "Line {line}: expected {} fields, found {}",
                cols.len(),
                r.len()
            ));
            continue;
        }
        let get = |c: Option<usize>| c.map(|c| r[c].trim().to_string()).unwrap_or_default();
        let value = r[key_col].trim().to_string();
        if let Some(m) = value_problem(&value) {
            warnings.push(format!("Line {line}: {m}"));
            continue;
        }
        let name = get(col("name"));
        let description = Some(get(col("description"))).filter(|d| !d.is_empty());
        if name.chars().count() > MAX_NAME {
            warnings.push(format!(
                "Line {line}: Invalid API Key name, can be at most 1024 characters."
            ));
            continue;
        }
        let enabled = match get(col("enabled")).to_ascii_lowercase().as_str() {
            "" | "false" => false,
            "true" => true,
            other => {
                warnings.push(format!(
                    "Line {line}: Invalid value for Enabled: '{other}' is not a valid boolean"
                ));
                continue;
            }
        };
        let usage_plan_ids = get(col("usageplanids"))
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        out.push(ImportRow {
            line,
            name,
            value,
            description,
            enabled,
            usage_plan_ids,
        });
    }
    Ok((out, warnings))
}

async fn import_api_keys(
    st: &ControlState,
    caller: &Caller,
    q: &Query,
    body: &Bytes,
) -> ApiResult<Response> {
    let mut errors = Vec::new();
    match q.get("format") {
        Some("csv") => {}
        Some(f) => errors.push(format!(
            "Value '{f}' at 'format' failed to satisfy constraint: Member must satisfy enum value set: [csv]"
        )),
        None => errors.push(
            "Value null at 'format' failed to satisfy constraint: Member must not be null".into(),
        ),
    }
    finish_validation(errors)?;
    let fail_on_warnings = flag(q, "failonwarnings");
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("Invalid API keys file: not UTF-8 text"))?;
    let (rows, mut warnings) = import_rows(text)?;
    let _guard = st.write_lock.lock().await;
    let mut plans: Vec<UsagePlan> = st.store.list_usage_plans(&caller.scope).await?;
    let mut existing = st.store.list_api_keys(&caller.scope).await?;
    let mut new_keys = Vec::new();
    let mut touched = std::collections::BTreeSet::new();
    let now = st.now().floor();
    for row in rows {
        if existing.iter().any(|k| k.value == row.value) {
            warnings.push(format!("Line {}: {KEY_EXISTS}", row.line));
            continue;
        }
        if let Some(p) = row
            .usage_plan_ids
            .iter()
            .find(|p| !plans.iter().any(|plan| plan.id == **p))
        {
            warnings.push(format!(
                "Line {}: Invalid Usage Plan ID specified: {p}",
                row.line
            ));
            continue;
        }
        let id = st.new_unused_id(API_ID_LEN, |c| existing.iter().any(|k| k.id == c));
        let mut conflict = None;
        for p in &row.usage_plan_ids {
            if let Some(i) = plans.iter().position(|plan| plan.id == *p)
                && let Err(e) = super::usage_plan::check_key_can_join(&plans, &plans[i], &id)
            {
                conflict = Some(e.message().to_string());
            }
        }
        if let Some(m) = conflict {
            warnings.push(format!("Line {}: {m}", row.line));
            continue;
        }
        for p in &row.usage_plan_ids {
            if let Some(plan) = plans.iter_mut().find(|plan| plan.id == *p)
                && !plan.key_ids.contains(&id)
            {
                plan.key_ids.push(id.clone());
                touched.insert(p.clone());
            }
        }
        let key = ApiKey {
            id,
            value: row.value,
            name: row.name,
            customer_id: None,
            description: row.description,
            enabled: row.enabled,
            created_date: now,
            last_updated_date: now,
            stage_keys: Vec::new(),
            tags: StringMap::default(),
        };
        existing.push(key.clone());
        new_keys.push(key);
    }
    if fail_on_warnings && !warnings.is_empty() {
        return Err(ApiError::bad_request(warnings.join("; ")));
    }
    for k in &new_keys {
        st.store.put_api_key(&caller.scope, k).await?;
    }
    for p in plans.iter().filter(|p| touched.contains(&p.id)) {
        st.store.put_usage_plan(&caller.scope, p).await?;
    }
    let ids: Vec<&str> = new_keys.iter().map(|k| k.id.as_str()).collect();
    created(&json!({ "ids": ids, "warnings": warnings }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_and_line_endings() {
        let rows =
            parse_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\n\n\"multi\nline\",2,3").unwrap();
        assert_eq!(
            rows,
            vec![
                vec!["a", "b", "c"],
                vec!["x, y", "say \"hi\"", ""],
                vec!["multi\nline", "2", "3"],
            ]
        );
        assert!(parse_csv("a,\"b").is_err());
        assert_eq!(parse_csv("").unwrap(), Vec::<Vec<String>>::new());
    }

    #[test]
    fn import_columns_are_case_insensitive_in_any_order() {
        let text = "key,NAME,Enabled,usagePlanIds,Description\n\
                    abcdefghijklmnopqrstuvwxyz,first,TRUE,\"p1,p2\",d\n\
                    short,second,true,,\n\
                    abcdefghijklmnopqrstuvwxyz0,third,maybe,,\n\
                    abcdefghijklmnopqrstuvwxyz1,fourth,,,\n\
                    too,few\n";
        let (rows, warnings) = import_rows(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "first");
        assert!(rows[0].enabled);
        assert_eq!(rows[0].usage_plan_ids, ["p1", "p2"]);
        assert_eq!(rows[0].description.as_deref(), Some("d"));
        assert_eq!(rows[1].name, "fourth");
        assert!(!rows[1].enabled);
        assert_eq!(rows[1].line, 5);
        assert_eq!(warnings.len(), 3);
        assert_eq!(
            warnings[0],
            "Line 3: API Key value should be at least 20 characters"
        );
        assert!(warnings[1].starts_with("Line 4: Invalid value for Enabled"));
        assert!(warnings[2].starts_with("Line 6: expected 5 fields"));
    }

    #[test]
    fn import_files_without_a_key_column_or_with_unknown_columns_fail() {
        assert!(import_rows("name,description\na,b\n").is_err());
        assert!(import_rows("key,colour\nabcdefghijklmnopqrstuvwxyz,red\n").is_err());
        assert!(import_rows("").is_err());
    }

    #[test]
    fn value_limits() {
        assert!(value_problem(&"a".repeat(19)).is_some());
        assert!(value_problem(&"a".repeat(20)).is_none());
        assert!(value_problem(&"a".repeat(128)).is_none());
        assert!(value_problem(&"a".repeat(129)).is_some());
    }
}
