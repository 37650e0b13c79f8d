//! CreateUsagePlan, GetUsagePlan(s), UpdateUsagePlan, DeleteUsagePlan; the plan's keys
//! (CreateUsagePlanKey, GetUsagePlanKey(s), DeleteUsagePlanKey); GetUsage and UpdateUsage over
//! the store's per-day counters; and what deleting a stage or an API does to plans.
//!
//! A plan's keys are stored with the plan (`UsagePlan::key_ids`), which is not part of AWS's
//! shape and never printed. Counting requests is the data plane's work, not this module's.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use proscenium_model::id::CHILD_ID_LEN;
use proscenium_model::usage_plan::{
    ApiKey, ApiStage, PlanThrottle, Quota, UsagePlan, format_day, parse_day, period_start,
};
use proscenium_model::{Scope, StringMap};
use proscenium_store::{StoreError, UsageCount};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api_key::{key_not_found, load_key, name_key};
use super::common::page;
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, created, json_body, ok};
use crate::patch::{self, Op, usage_plan as grammar};

const SECONDS_PER_DAY: f64 = 86_400.0;

fn plan_not_found() -> ApiError {
    ApiError::not_found("Invalid Usage Plan ID specified")
}

fn plan_key_not_found() -> ApiError {
    ApiError::not_found("Invalid Usage Plan Key identifier specified")
}

/// The wire shape (never `key_ids`). `tags` always on single-plan reads and updates, only
/// when there are some on creation and in lists, as AWS prints them.
pub fn plan_shape(p: &UsagePlan, always_tags: bool) -> Value {
    let mut v = json!({
        "id": p.id,
        "name": p.name,
        "apiStages": p.api_stages,
    });
    if let Some(d) = &p.description {
        v["description"] = json!(d);
    }
    if let Some(t) = &p.throttle {
        v["throttle"] = json!(t);
    }
    if let Some(q) = &p.quota {
        v["quota"] = json!(q);
    }
    if let Some(c) = &p.product_code {
        v["productCode"] = json!(c);
    }
    if always_tags || !p.tags.is_empty() {
        v["tags"] = json!(p.tags);
    }
    v
}

pub async fn load_plan(st: &ControlState, scope: &Scope, id: &str) -> ApiResult<UsagePlan> {
    match st.store.get_usage_plan(scope, id).await {
        Err(StoreError::NotFound) => Err(plan_not_found()),
        other => Ok(other?),
    }
}

/// Whether the API and its stage exist.
async fn stage_exists(st: &ControlState, scope: &Scope, api: &str, stage: &str) -> ApiResult<bool> {
    match st.store.get_stage(scope, api, stage).await {
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(true),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// AWS refuses a key in two plans that share an API stage: `key_id` may join `plan` only if
/// no other plan holding it has one of `plan`'s stages.
pub fn check_key_can_join(plans: &[UsagePlan], plan: &UsagePlan, key_id: &str) -> ApiResult<()> {
    for other in plans
        .iter()
        .filter(|o| o.id != plan.id && o.key_ids.iter().any(|k| k == key_id))
    {
        if let Some(s) = plan.api_stages.iter().find(|s| {
            other
                .api_stages
                .iter()
                .any(|o| o.api_id == s.api_id && o.stage == s.stage)
        }) {
            return Err(ApiError::conflict(format!(
                "Usage Plan {} cannot be added because API Key {key_id} cannot reference multiple Usage Plans with the same API Stage: {}:{}",
                plan.id, s.api_id, s.stage
            )));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiStageInput {
    api_id: Option<String>,
    stage: Option<String>,
    #[serde(default)]
    throttle: std::collections::BTreeMap<String, PlanThrottle>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QuotaInput {
    #[serde(default)]
    limit: i64,
    #[serde(default)]
    offset: i64,
    period: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateUsagePlanRequest {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    api_stages: Vec<ApiStageInput>,
    throttle: Option<PlanThrottle>,
    quota: Option<QuotaInput>,
    #[serde(default)]
    tags: StringMap,
}

/// AWS's answer (400, its placeholders unfilled, as recorded) for an API stage CreateUsagePlan
/// cannot find.
const CREATE_STAGE_INVALID: &str =
    "Invalid API Stage {api: %s, stage: %s} specified for usageplan %s";

/// Normalises a method throttle key (`/pets/get` → `/pets/GET`); `None` if it has no method.
fn throttle_key(k: &str) -> Option<String> {
    let (path, method) = k.rsplit_once('/')?;
    if method.is_empty() {
        return None;
    }
    let path = if path.is_empty() { "/" } else { path };
    Some(format!("{path}/{}", method.to_ascii_uppercase()))
}

pub async fn create_usage_plan(
    State(st): State<ControlState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateUsagePlanRequest = json_body(&body)?;
    let name = req.name.filter(|n| !n.is_empty()).ok_or_else(|| {
        patch::validation_errors(&["Value null at 'createUsagePlanInput.name' failed to satisfy constraint: Member must not be null".into()])
    })?;
    let mut stages: Vec<ApiStage> = Vec::new();
    for s in req.api_stages {
        let (Some(api), Some(stage)) = (
            s.api_id.filter(|a| !a.is_empty()),
            s.stage.filter(|s| !s.is_empty()),
        ) else {
            return Err(ApiError::bad_request(CREATE_STAGE_INVALID));
        };
        if !stage_exists(&st, &caller.scope, &api, &stage).await? {
            return Err(ApiError::bad_request(CREATE_STAGE_INVALID));
        }
        let mut throttle = std::collections::BTreeMap::new();
        for (k, t) in s.throttle {
            let key = throttle_key(&k).ok_or_else(|| {
                ApiError::bad_request(format!("Invalid method throttle key specified: {k}"))
            })?;
            throttle.insert(key, t);
        }
        if stages.iter().any(|x| x.api_id == api && x.stage == stage) {
            return Err(ApiError::bad_request(format!(
                "Duplicate API Stage {api}:{stage} specified"
            )));
        }
        stages.push(ApiStage {
            api_id: api,
            stage,
            throttle,
        });
    }
    let quota = match req.quota {
        None => None,
        Some(q) => {
            let mut errors = Vec::new();
            super::common::check_enum(
                &mut errors,
                q.period.as_deref(),
                "createUsagePlanInput.quota.period",
                proscenium_model::usage_plan::QUOTA_PERIODS,
            );
            if q.period.is_none() {
                errors.push("Value null at 'createUsagePlanInput.quota.period' failed to satisfy constraint: Member must not be null".into());
            }
            super::common::finish_validation(errors)?;
            Some(Quota {
                limit: q.limit,
                offset: q.offset,
                period: q.period.unwrap_or_default(),
            })
        }
    };
    let _guard = st.write_lock.lock().await;
    let existing = st.store.list_usage_plans(&caller.scope).await?;
    let id = st.new_unused_id(CHILD_ID_LEN, |c| existing.iter().any(|p| p.id == c));
    let plan = UsagePlan {
        id,
        name,
        description: req.description.filter(|d| !d.is_empty()),
        api_stages: stages,
        throttle: req.throttle,
        quota,
        product_code: None,
        tags: req.tags,
        key_ids: Vec::new(),
    };
    grammar::check_limits(&plan)?;
    st.store.put_usage_plan(&caller.scope, &plan).await?;
    created(&plan_shape(&plan, false))
}

pub async fn get_usage_plan(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    ok(&plan_shape(
        &load_plan(&st, &caller.scope, &id).await?,
        true,
    ))
}

pub async fn get_usage_plans(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
) -> ApiResult<Response> {
    let mut plans = st.store.list_usage_plans(&caller.scope).await?;
    if let Some(k) = q.get("keyId").filter(|k| !k.is_empty()) {
        plans.retain(|p| p.key_ids.iter().any(|x| x == k));
    }
    plans.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let items = plans
        .iter()
        .map(|p| (name_key(&p.name, &p.id), plan_shape(p, false)))
        .collect();
    ok(&page(items, &q)?)
}

pub async fn update_usage_plan(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateUsagePlanInput")?;
    let _guard = st.write_lock.lock().await;
    let mut plan = load_plan(&st, &caller.scope, &id).await?;
    let added = grammar::apply(&mut plan, &ops)?;
    for (api, stage) in &added {
        if !stage_exists(&st, &caller.scope, api, stage).await? {
            return Err(grammar::stage_not_found(api, stage, &plan.id));
        }
    }
    if !added.is_empty() && !plan.key_ids.is_empty() {
        let plans = st.store.list_usage_plans(&caller.scope).await?;
        for k in &plan.key_ids {
            check_key_can_join(&plans, &plan, k)?;
        }
    }
    st.store.put_usage_plan(&caller.scope, &plan).await?;
    ok(&plan_shape(&plan, true))
}

pub async fn delete_usage_plan(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    let plan = load_plan(&st, &caller.scope, &id).await?;
    if let Some(s) = plan.api_stages.first() {
        return Err(ApiError::bad_request(format!(
            "Cannot delete Usage Plan {id} because there are API Stages associated with it, including {}:{}",
            s.api_id, s.stage
        )));
    }
    st.store.delete_usage_plan(&caller.scope, &id).await?;
    accepted()
}

/// Removes an API's stages (one, or all with `stage: None`) from every plan of the scope, as
/// AWS does when a stage or an API is deleted. The caller holds the write lock.
pub async fn forget_stages(
    st: &ControlState,
    scope: &Scope,
    api_id: &str,
    stage: Option<&str>,
) -> ApiResult<()> {
    for mut plan in st.store.list_usage_plans(scope).await? {
        let before = plan.api_stages.len();
        plan.api_stages
            .retain(|s| !(s.api_id == api_id && stage.is_none_or(|n| s.stage == n)));
        if plan.api_stages.len() != before {
            st.store.put_usage_plan(scope, &plan).await?;
        }
    }
    Ok(())
}

// --- Usage plan keys -----------------------------------------------------------------------

fn plan_key_shape(k: &ApiKey) -> Value {
    let mut v = json!({ "id": k.id, "type": "API_KEY", "value": k.value });
    if !k.name.is_empty() {
        v["name"] = json!(k.name);
    }
    v
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateUsagePlanKeyRequest {
    key_id: Option<String>,
    key_type: Option<String>,
}

pub async fn create_usage_plan_key(
    State(st): State<ControlState>,
    caller: Caller,
    Path(plan_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateUsagePlanKeyRequest = json_body(&body)?;
    let mut errors = Vec::new();
    if req.key_id.is_none() {
        errors.push("Value null at 'createUsagePlanKeyInput.keyId' failed to satisfy constraint: Member must not be null".to_string());
    }
    if req.key_type.is_none() {
        errors.push("Value null at 'createUsagePlanKeyInput.keyType' failed to satisfy constraint: Member must not be null".to_string());
    }
    super::common::finish_validation(errors)?;
    let key_id = req.key_id.unwrap_or_default();
    if req.key_type.as_deref() != Some("API_KEY") {
        return Err(ApiError::bad_request(
            "Invalid usage plan key type specified",
        ));
    }
    let _guard = st.write_lock.lock().await;
    let mut plan = load_plan(&st, &caller.scope, &plan_id).await?;
    let key = load_key(&st, &caller.scope, &key_id).await?;
    if plan.key_ids.contains(&key_id) {
        return Err(ApiError::conflict("Usage Plan Key already exists"));
    }
    let plans = st.store.list_usage_plans(&caller.scope).await?;
    check_key_can_join(&plans, &plan, &key_id)?;
    plan.key_ids.push(key_id);
    st.store.put_usage_plan(&caller.scope, &plan).await?;
    created(&plan_key_shape(&key))
}

/// The plan's keys that still exist, by name then id.
async fn plan_keys(st: &ControlState, scope: &Scope, plan: &UsagePlan) -> ApiResult<Vec<ApiKey>> {
    let mut keys: Vec<ApiKey> = st
        .store
        .list_api_keys(scope)
        .await?
        .into_iter()
        .filter(|k| plan.key_ids.contains(&k.id))
        .collect();
    keys.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(keys)
}

pub async fn get_usage_plan_keys(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(plan_id): Path<String>,
) -> ApiResult<Response> {
    // AWS lists no keys, rather than failing, for an unknown plan.
    let keys = match st.store.get_usage_plan(&caller.scope, &plan_id).await {
        Err(StoreError::NotFound) => Vec::new(),
        other => plan_keys(&st, &caller.scope, &other?).await?,
    };
    let name = q.get("name").filter(|n| !n.is_empty());
    let items = keys
        .iter()
        .filter(|k| name.is_none_or(|n| k.name.starts_with(n)))
        .map(|k| (name_key(&k.name, &k.id), plan_key_shape(k)))
        .collect();
    ok(&page(items, &q)?)
}

async fn load_plan_key(
    st: &ControlState,
    scope: &Scope,
    plan_id: &str,
    key_id: &str,
) -> ApiResult<(UsagePlan, ApiKey)> {
    let plan = load_plan(st, scope, plan_id).await?;
    if !plan.key_ids.iter().any(|k| k == key_id) {
        return Err(plan_key_not_found());
    }
    let key = match st.store.get_api_key(scope, key_id).await {
        Err(StoreError::NotFound) => return Err(plan_key_not_found()),
        other => other?,
    };
    Ok((plan, key))
}

pub async fn get_usage_plan_key(
    State(st): State<ControlState>,
    caller: Caller,
    Path((plan_id, key_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (_, key) = load_plan_key(&st, &caller.scope, &plan_id, &key_id).await?;
    ok(&plan_key_shape(&key))
}

pub async fn delete_usage_plan_key(
    State(st): State<ControlState>,
    caller: Caller,
    Path((plan_id, key_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    let mut plan = load_plan(&st, &caller.scope, &plan_id).await?;
    if !plan.key_ids.contains(&key_id) {
        return Err(plan_key_not_found());
    }
    plan.key_ids.retain(|k| *k != key_id);
    st.store.put_usage_plan(&caller.scope, &plan).await?;
    accepted()
}

// --- Usage ---------------------------------------------------------------------------------

/// `[used, remaining]` per day `from..=to` for one key, from its daily counts (which must
/// cover the quota period of `from`). Without a quota, remaining is 0.
pub fn usage_series(
    counts: &[(i64, i64)],
    quota: Option<&Quota>,
    from: i64,
    to: i64,
) -> Vec<[i64; 2]> {
    (from..=to)
        .map(|day| {
            let used: i64 = counts
                .iter()
                .filter(|(d, _)| *d == day)
                .map(|(_, n)| n)
                .sum();
            let remaining = match quota {
                None => 0,
                Some(q) => {
                    let start = period_start(&q.period, q.offset, day);
                    let in_period: i64 = counts
                        .iter()
                        .filter(|(d, _)| (start..=day).contains(d))
                        .map(|(_, n)| n)
                        .sum();
                    (q.limit - in_period).max(0)
                }
            };
            [used, remaining]
        })
        .collect()
}

/// The counts to add so that `limit - (sum of the period's counts) == target`, given the
/// period's daily counts so far. More use is added to `today`; less is taken from the latest
/// days first, so that no day shows a negative count unless the target exceeds the limit
/// (then `today` carries the excess).
pub fn remaining_adjustment(
    days: &[(i64, i64)],
    limit: i64,
    target: i64,
    today: i64,
) -> Vec<(i64, i64)> {
    let used: i64 = days.iter().map(|(_, n)| n).sum();
    let delta = (limit - target) - used;
    if delta >= 0 {
        return if delta == 0 {
            vec![]
        } else {
            vec![(today, delta)]
        };
    }
    let mut per_day: std::collections::BTreeMap<i64, i64> = Default::default();
    for (d, n) in days {
        *per_day.entry(*d).or_default() += n;
    }
    let mut take = -delta;
    let mut out = Vec::new();
    for (d, n) in per_day.iter().rev() {
        if take == 0 {
            break;
        }
        let t = (*n).min(take);
        if t > 0 {
            out.push((*d, -t));
            take -= t;
        }
    }
    if take > 0 {
        out.push((today, -take));
    }
    out
}

fn date_param(q: &Query, name: &str) -> ApiResult<(String, i64)> {
    let v = q.get(name).unwrap_or_default();
    if v.is_empty() {
        return Err(patch::validation_errors(&[format!(
            "Value null at '{name}' failed to satisfy constraint: Member must not be null"
        )]));
    }
    let day = parse_day(v)
        .filter(|d| format_day(*d) == v)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid {name} specified: {v}")))?;
    Ok((v.to_string(), day))
}

/// The `Usage` shape for `keys` of `plan` over `from..=to` (`values`, botocore's wire name
/// for `items`), paged by key id with `limit`/`position` when `q` is given.
async fn usage_of(
    st: &ControlState,
    scope: &Scope,
    plan: &UsagePlan,
    keys: &[String],
    from: i64,
    to: i64,
    q: Option<&Query>,
) -> ApiResult<Value> {
    let first = match &plan.quota {
        Some(q) => period_start(&q.period, q.offset, from),
        None => from,
    };
    let counts = st.store.get_usage(scope, &plan.id, None, first, to).await?;
    let mut keys = keys.to_vec();
    keys.sort();
    let items: Vec<(String, Value)> = keys
        .into_iter()
        .map(|k| {
            let mine: Vec<(i64, i64)> = counts
                .iter()
                .filter(|c: &&UsageCount| c.key_id == k)
                .map(|c| (c.day, c.used))
                .collect();
            let series = json!(usage_series(&mine, plan.quota.as_ref(), from, to));
            (k, series)
        })
        .collect();
    let (items, position) = match q {
        Some(q) => {
            let ids: Vec<(String, Value)> = items
                .iter()
                .map(|(k, _)| (k.clone(), Value::String(k.clone())))
                .collect();
            let paged = page(ids, q)?;
            let on_page: Vec<&str> = paged["item"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let kept = items
                .iter()
                .filter(|(k, _)| on_page.contains(&k.as_str()))
                .cloned()
                .collect();
            (kept, paged.get("position").cloned())
        }
        None => (items, None),
    };
    let values: serde_json::Map<String, Value> = items.into_iter().collect();
    let mut out = json!({
        "usagePlanId": plan.id,
        "startDate": format_day(from),
        "endDate": format_day(to),
        "values": values,
    });
    if let Some(p) = position {
        out["position"] = p;
    }
    Ok(out)
}

pub async fn get_usage(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
    Path(plan_id): Path<String>,
) -> ApiResult<Response> {
    let (_, from) = date_param(&q, "startDate")?;
    let (_, to) = date_param(&q, "endDate")?;
    if to < from {
        return Err(ApiError::bad_request(
            "The end date must not be before the start date",
        ));
    }
    let plan = load_plan(&st, &caller.scope, &plan_id).await?;
    let keys: Vec<String> = match q.get("keyId").filter(|k| !k.is_empty()) {
        Some(k) => plan.key_ids.iter().filter(|x| *x == k).cloned().collect(),
        None => plan.key_ids.clone(),
    };
    ok(&usage_of(&st, &caller.scope, &plan, &keys, from, to, Some(&q)).await?)
}

pub async fn update_usage(
    State(st): State<ControlState>,
    caller: Caller,
    Path((plan_id, key_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateUsageInput")?;
    let _guard = st.write_lock.lock().await;
    let plan = load_plan(&st, &caller.scope, &plan_id).await?;
    if !plan.key_ids.contains(&key_id) {
        return Err(key_not_found());
    }
    let today = (st.now() / SECONDS_PER_DAY).floor() as i64;
    for op in &ops {
        match (op.op, op.path.as_str()) {
            (Op::Replace, "/remaining") => {
                let target = op.int_value()?;
                let Some(q) = &plan.quota else {
                    return Err(ApiError::bad_request(format!(
                        "Usage plan {plan_id} has no quota"
                    )));
                };
                if target < 0 {
                    return Err(ApiError::bad_request(format!(
                        "Invalid value specified for /remaining: '{target}' must not be negative"
                    )));
                }
                let start = period_start(&q.period, q.offset, today);
                let days: Vec<(i64, i64)> = st
                    .store
                    .get_usage(&caller.scope, &plan_id, Some(&key_id), start, today)
                    .await?
                    .iter()
                    .map(|c| (c.day, c.used))
                    .collect();
                let adjust: Vec<UsageCount> = remaining_adjustment(&days, q.limit, target, today)
                    .into_iter()
                    .map(|(day, used)| UsageCount {
                        plan_id: plan_id.clone(),
                        key_id: key_id.clone(),
                        day,
                        used,
                    })
                    .collect();
                if !adjust.is_empty() {
                    st.store.add_usage(&caller.scope, &adjust).await?;
                }
            }
            _ => return Err(op.invalid_path(&["/remaining"])),
        }
    }
    ok(&usage_of(&st, &caller.scope, &plan, &[key_id], today, today, None).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_counts_remaining_within_the_quota_period() {
        let d = parse_day("2026-12-05").unwrap(); // Saturday
        let week = Quota {
            limit: 100,
            offset: 0,
            period: "WEEK".into(),
        };
        // Monday 2026-11-30 .. Saturday; the next week starts on Monday 12-07.
        let counts = [(d - 5, 10), (d - 1, 5), (d, 7), (d + 2, 3)];
        let s = usage_series(&counts, Some(&week), d - 1, d + 2);
        assert_eq!(s, vec![[5, 85], [7, 78], [0, 78], [3, 97]]);
        let none = usage_series(&counts, None, d, d);
        assert_eq!(none, vec![[7, 0]]);
    }

    #[test]
    fn remaining_is_set_by_adding_or_taking_back_counts() {
        // limit 100, 10 used on day 1 and 5 on day 2 (today = 3): 85 remaining
        let days = [(1, 10), (2, 5)];
        assert_eq!(remaining_adjustment(&days, 100, 85, 3), vec![]);
        assert_eq!(remaining_adjustment(&days, 100, 80, 3), vec![(3, 5)]);
        assert_eq!(remaining_adjustment(&days, 100, 88, 3), vec![(2, -3)]);
        assert_eq!(
            remaining_adjustment(&days, 100, 95, 3),
            vec![(2, -5), (1, -5)]
        );
        assert_eq!(
            remaining_adjustment(&days, 100, 110, 3),
            vec![(2, -5), (1, -10), (3, -10)]
        );
        assert_eq!(remaining_adjustment(&[], 50, 45, 3), vec![(3, 5)]);
    }

    #[test]
    fn method_throttle_keys_are_normalised() {
        assert_eq!(throttle_key("/pets/get").as_deref(), Some("/pets/GET"));
        assert_eq!(throttle_key("/GET").as_deref(), Some("//GET"));
        assert_eq!(throttle_key("/pets/"), None);
        assert_eq!(throttle_key("nothing"), None);
    }

    fn plan(id: &str, stages: &[(&str, &str)], keys: &[&str]) -> UsagePlan {
        UsagePlan {
            id: id.into(),
            name: id.into(),
            description: None,
            api_stages: stages
                .iter()
                .map(|(a, s)| ApiStage {
                    api_id: a.to_string(),
                    stage: s.to_string(),
                    throttle: Default::default(),
                })
                .collect(),
            throttle: None,
            quota: None,
            product_code: None,
            tags: Default::default(),
            key_ids: keys.iter().map(|k| k.to_string()).collect(),
        }
    }

    #[test]
    fn a_key_joins_no_two_plans_with_the_same_stage() {
        let plans = vec![
            plan("p1", &[("a", "dev")], &["k"]),
            plan("p2", &[("a", "dev"), ("b", "prod")], &[]),
            plan("p3", &[("b", "prod")], &[]),
        ];
        let e = check_key_can_join(&plans, &plans[1], "k").unwrap_err();
        assert_eq!(e.code(), "ConflictException");
        assert!(e.message().ends_with("with the same API Stage: a:dev"));
        assert!(check_key_can_join(&plans, &plans[2], "k").is_ok());
        assert!(check_key_can_join(&plans, &plans[1], "other").is_ok());
    }
}
