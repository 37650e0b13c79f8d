//! The UpdateUsagePlan grammar: `/name`, `/description`, `/productCode`, `/apiStages` add and
//! remove (`apiId:stage`), per-method throttles under
//! `/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{METHOD}/rateLimit|burstLimit` (the
//! resource path `~1`-escaped or plain), `/throttle/*`, `/quota/*`, and the limits' checks
//! CreateUsagePlan shares.
//!
//! Pure: whether an added API stage exists is the handler's question; [`apply`] returns the
//! stages it added.

use proscenium_model::usage_plan::{ApiStage, PlanThrottle, QUOTA_PERIODS, Quota, UsagePlan};

use super::{Op, PatchOp, segments, set_opt_string};
use crate::error::{ApiError, ApiResult};

const VALID: &[&str] = &[
    "/name",
    "/description",
    "/productCode",
    "/apiStages",
    "/throttle/rateLimit",
    "/throttle/burstLimit",
    "/quota/limit",
    "/quota/period",
    "/quota/offset",
];

/// The paths AWS lists when it refuses a `remove`.
const VALID_REMOVE: &[&str] = &[
    "/apiStages",
    "/quota",
    "/throttle",
    "/productCode",
    "/apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>",
    "/apiStages/<apidId:stageName>/throttle",
];

/// AWS's message for an API stage that is not the plan's (or does not exist).
pub fn stage_not_found(api: &str, stage: &str, plan_id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Invalid API Stage {{api: {api}, stage: {stage}}} specified for usageplan {plan_id}"
    ))
}

/// `apiId:stage` as `/apiStages` values spell it.
pub fn parse_api_stage(v: Option<&str>) -> ApiResult<(String, String)> {
    let invalid = || ApiError::bad_request("Invalid API Stage specified");
    let v = v.filter(|v| !v.is_empty()).ok_or_else(invalid)?;
    match v.split_once(':') {
        Some((a, s)) if !a.is_empty() && !s.is_empty() && !s.contains(':') => {
            Ok((a.to_string(), s.to_string()))
        }
        _ => Err(invalid()),
    }
}

/// The key of a method throttle: `{resourcePath}/{METHOD}`, from the path segments after
/// `throttle` (one `~1`-escaped resource path segment, or the path's plain segments).
pub fn method_key(parts: &[String]) -> Option<String> {
    let (method, path) = parts.split_last()?;
    if method.is_empty() {
        return None;
    }
    let joined = path.join("/");
    let resource = if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    };
    Some(format!("{resource}/{}", method.to_ascii_uppercase()))
}

/// Applies the operations to `plan`; returns the API stages added (to be checked by the
/// caller). Limits are checked once all operations are applied.
pub fn apply(plan: &mut UsagePlan, ops: &[PatchOp]) -> ApiResult<Vec<(String, String)>> {
    let mut added = Vec::new();
    for op in ops {
        let segs = segments(&op.path);
        match (op.op, op.path.as_str()) {
            (Op::Replace, "/name") => {
                plan.name =
                    op.value.clone().filter(|n| !n.is_empty()).ok_or_else(|| {
                        ApiError::bad_request("Invalid null or empty value in name")
                    })?
            }
            (Op::Replace, "/description") => set_opt_string(&mut plan.description, op)?,
            (Op::Replace | Op::Remove, "/productCode") => {
                set_opt_string(&mut plan.product_code, op)?
            }
            (Op::Add, "/apiStages") => {
                let (api, stage) = parse_api_stage(op.value.as_deref())?;
                if !plan
                    .api_stages
                    .iter()
                    .any(|s| s.api_id == api && s.stage == stage)
                {
                    plan.api_stages.push(ApiStage {
                        api_id: api.clone(),
                        stage: stage.clone(),
                        throttle: Default::default(),
                    });
                    added.push((api, stage));
                }
            }
            (Op::Remove, "/apiStages") => {
                let (api, stage) = parse_api_stage(op.value.as_deref())?;
                let before = plan.api_stages.len();
                plan.api_stages
                    .retain(|s| !(s.api_id == api && s.stage == stage));
                if plan.api_stages.len() == before {
                    return Err(stage_not_found(&api, &stage, &plan.id));
                }
                added.retain(|(a, s)| !(*a == api && *s == stage));
            }
            (Op::Remove, p) if p.starts_with("/apiStages/") && segs.len() < 3 => {
                return Err(op.invalid_path(VALID_REMOVE));
            }
            (_, p) if p.starts_with("/apiStages/") => {
                let (api, stage) = parse_api_stage(segs.get(1).map(String::as_str))?;
                let plan_id = plan.id.clone();
                let Some(s) = plan
                    .api_stages
                    .iter_mut()
                    .find(|s| s.api_id == api && s.stage == stage)
                else {
                    return Err(stage_not_found(&api, &stage, &plan_id));
                };
                if segs.get(2).map(String::as_str) != Some("throttle") {
                    return Err(op.invalid_path(VALID));
                }
                let rest = &segs[3..];
                match (op.op, rest.last().map(String::as_str)) {
                    (Op::Remove, None) => s.throttle.clear(),
                    (Op::Add | Op::Replace, Some(field @ ("rateLimit" | "burstLimit"))) => {
                        let key = method_key(&rest[..rest.len() - 1])
                            .ok_or_else(|| op.invalid_path(VALID))?;
                        let t = s.throttle.entry(key).or_default();
                        if field == "rateLimit" {
                            t.rate_limit = Some(op.double_value()?);
                        } else {
                            t.burst_limit = Some(op.int_value()?);
                        }
                    }
                    (Op::Remove, Some(_)) => {
                        let key = method_key(rest).ok_or_else(|| op.invalid_path(VALID))?;
                        s.throttle.remove(&key);
                    }
                    _ => return Err(op.invalid_path(VALID)),
                }
            }
            (Op::Add | Op::Replace, "/throttle/rateLimit") => {
                plan.throttle
                    .get_or_insert_with(PlanThrottle::default)
                    .rate_limit = Some(op.double_value()?)
            }
            (Op::Add | Op::Replace, "/throttle/burstLimit") => {
                plan.throttle
                    .get_or_insert_with(PlanThrottle::default)
                    .burst_limit = Some(op.int_value()?)
            }
            (Op::Remove, "/throttle") => plan.throttle = None,
            (Op::Add | Op::Replace, "/quota/limit" | "/quota/offset" | "/quota/period") => {
                let q = plan.quota.get_or_insert_with(|| Quota {
                    limit: 0,
                    offset: 0,
                    period: String::new(),
                });
                match op.path.as_str() {
                    "/quota/limit" => q.limit = op.int_value()?,
                    "/quota/offset" => q.offset = op.int_value()?,
                    _ => q.period = op.value()?.to_string(),
                }
            }
            (Op::Remove, "/quota") => plan.quota = None,
            (Op::Remove, _) => return Err(op.invalid_path(VALID_REMOVE)),
            _ => return Err(op.invalid_path(VALID)),
        }
    }
    check_limits(plan)?;
    Ok(added)
}

/// The plan's throttle and quota as AWS accepts them.
pub fn check_limits(plan: &UsagePlan) -> ApiResult<()> {
    if let Some(q) = &plan.quota {
        if !QUOTA_PERIODS.contains(&q.period.as_str()) {
            return Err(super::validation_errors(&[format!(
                "Value '{}' at 'quota.period' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                q.period,
                QUOTA_PERIODS.join(", ")
            )]));
        }
        if q.limit < 0 {
            return Err(ApiError::bad_request(
                "Quota limit should be a non-negative integer.",
            ));
        }
        let max_offset = match q.period.as_str() {
            "DAY" => 0,
            "WEEK" => 6,
            _ => 27,
        };
        if !(0..=max_offset).contains(&q.offset) {
            return Err(ApiError::bad_request(format!(
                "Quota offset must be between 0 and {max_offset} for period {}.",
                q.period
            )));
        }
    }
    let throttles = plan
        .throttle
        .iter()
        .chain(plan.api_stages.iter().flat_map(|s| s.throttle.values()));
    for t in throttles {
        if t.burst_limit.is_some_and(|b| b < 0) || t.rate_limit.is_some_and(|r| r < 0.0) {
            return Err(ApiError::bad_request(
                "Throttle limits should be non-negative numbers.",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(json: &str) -> Vec<PatchOp> {
        super::super::parse(
            &axum::body::Bytes::from(format!("{{\"patchOperations\":{json}}}")),
            "updateUsagePlanInput",
        )
        .unwrap()
    }

    fn plan() -> UsagePlan {
        UsagePlan {
            id: "p1".into(),
            name: "plan".into(),
            description: None,
            api_stages: vec![ApiStage {
                api_id: "a1".into(),
                stage: "dev".into(),
                throttle: Default::default(),
            }],
            throttle: None,
            quota: None,
            product_code: None,
            tags: Default::default(),
            key_ids: vec![],
        }
    }

    #[test]
    fn fields_limits_and_stages() {
        let mut p = plan();
        let added = apply(
            &mut p,
            &ops(r#"[{"op":"replace","path":"/name","value":"n2"},
                {"op":"replace","path":"/description","value":"d"},
                {"op":"replace","path":"/throttle/rateLimit","value":"200"},
                {"op":"replace","path":"/throttle/burstLimit","value":"100"},
                {"op":"replace","path":"/quota/limit","value":"5000"},
                {"op":"replace","path":"/quota/period","value":"MONTH"},
                {"op":"add","path":"/apiStages","value":"a2:prod"}]"#),
        )
        .unwrap();
        assert_eq!(added, [("a2".to_string(), "prod".to_string())]);
        assert_eq!(p.name, "n2");
        assert_eq!(p.description.as_deref(), Some("d"));
        assert_eq!(p.throttle.unwrap().rate_limit, Some(200.0));
        assert_eq!(p.throttle.unwrap().burst_limit, Some(100));
        let q = p.quota.clone().unwrap();
        assert_eq!((q.limit, q.offset, q.period.as_str()), (5000, 0, "MONTH"));
        assert_eq!(p.api_stages.len(), 2);
        apply(
            &mut p,
            &ops(r#"[{"op":"remove","path":"/apiStages","value":"a1:dev"},
                {"op":"remove","path":"/throttle"},{"op":"remove","path":"/quota"}]"#),
        )
        .unwrap();
        assert_eq!(p.api_stages.len(), 1);
        assert!(p.throttle.is_none() && p.quota.is_none());
    }

    #[test]
    fn method_throttles_in_both_spellings() {
        let mut p = plan();
        apply(
            &mut p,
            &ops(r#"[{"op":"replace","path":"/apiStages/a1:dev/throttle/~1pets~1{id}/get/rateLimit","value":"5"},
                {"op":"replace","path":"/apiStages/a1:dev/throttle/pets/GET/burstLimit","value":"7"}]"#),
        )
        .unwrap();
        let t = &p.api_stages[0].throttle;
        assert_eq!(t["/pets/{id}/GET"].rate_limit, Some(5.0));
        assert_eq!(t["/pets/GET"].burst_limit, Some(7));
        apply(
            &mut p,
            &ops(r#"[{"op":"remove","path":"/apiStages/a1:dev/throttle/~1pets/GET"}]"#),
        )
        .unwrap();
        assert_eq!(p.api_stages[0].throttle.len(), 1);
    }

    #[test]
    fn refusals() {
        let bad = |json: &str| apply(&mut plan(), &ops(json)).unwrap_err();
        let e = bad(r#"[{"op":"add","path":"/apiStages"}]"#);
        assert_eq!(e.message(), "Invalid API Stage specified");
        let e = bad(r#"[{"op":"add","path":"/apiStages","value":"nocolon"}]"#);
        assert_eq!(e.message(), "Invalid API Stage specified");
        let e = bad(r#"[{"op":"remove","path":"/apiStages","value":"a1:prod"}]"#);
        assert_eq!(
            e.message(),
            "Invalid API Stage {api: a1, stage: prod} specified for usageplan p1"
        );
        let e = bad(
            r#"[{"op":"replace","path":"/apiStages/a9:dev/throttle/~1/GET/rateLimit","value":"1"}]"#,
        );
        assert_eq!(e.code(), "NotFoundException");
        let e = bad(r#"[{"op":"replace","path":"/quota/period","value":"YEAR"}]"#);
        assert_eq!(e.code(), "ValidationException");
        let e = bad(
            r#"[{"op":"replace","path":"/quota/limit","value":"10"},{"op":"replace","path":"/quota/period","value":"WEEK"},{"op":"replace","path":"/quota/offset","value":"7"}]"#,
        );
        assert_eq!(e.code(), "BadRequestException");
        let e = bad(r#"[{"op":"remove","path":"/apiStages/a1:dev"}]"#);
        assert_eq!(
            e.message(),
            "Invalid patch path  '/apiStages/a1:dev' specified for op 'remove'. Must be one of: [/apiStages, /quota, /throttle, /productCode, /apiStages/<apidId:stageName>/throttle/<resourcePath>/<httpMethod>, /apiStages/<apidId:stageName>/throttle]"
        );
        let e = bad(r#"[{"op":"remove","path":"/description"}]"#);
        assert!(
            e.message()
                .starts_with("Invalid patch path  '/description' specified for op 'remove'")
        );
        let e = bad(r#"[{"op":"replace","path":"/id","value":"x"}]"#);
        assert!(
            e.message()
                .starts_with("Invalid patch path  '/id' specified for op 'replace'")
        );
    }
}
