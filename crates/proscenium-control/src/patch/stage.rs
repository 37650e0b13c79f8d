//! UpdateStage's patch grammar: stage fields, variables, access logs, canary settings
//! (including promotion by `copy`), and method settings under `*/*` or `{resourcePath}/{METHOD}`
//! in both the `~1`-escaped and the unescaped spelling, stored under `path/METHOD` keys.

use proscenium_model::stage::{CACHE_CLUSTER_SIZES, CACHE_CONTROL_STRATEGIES, LOGGING_LEVELS};
use proscenium_model::{AccessLogSettings, CanarySettings, MethodSetting, Stage};

use super::{Op, PatchOp, unescape};
use crate::error::{ApiError, ApiResult};

/// AWS's list of valid paths, verbatim (its missing commas included).
const VALID_PATHS: &str = "[/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]";

const ACCESS_LOG_PATHS: &str = "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]";

/// AWS's bounds on a canary's share of traffic.
pub fn check_percent_traffic(p: f64) -> ApiResult<()> {
    if (0.0..=100.0).contains(&p) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "Canary traffic percentage must be between 0.0 and 100.0",
        ))
    }
}

fn invalid_path(path: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid method setting path: {path}. Must be one of: {VALID_PATHS}"
    ))
}

fn cannot_remove(what: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Cannot remove method setting {what} because there is no method setting for this method "
    ))
}

fn no_deployment() -> ApiError {
    ApiError::bad_request("Deployment id does not exist")
}

/// Applies `ops` to `stage` in order. `deployment_exists` answers whether an id names a
/// deployment of this API.
pub fn apply(
    stage: &mut Stage,
    ops: &[PatchOp],
    deployment_exists: &dyn Fn(&str) -> bool,
) -> ApiResult<()> {
    let before = variable_counts(stage);
    for op in ops {
        apply_one(stage, op, deployment_exists)?;
    }
    let after = variable_counts(stage);
    check_variable_count(after.0, before.0)?;
    check_variable_count(after.1, before.1)
}

/// How many stage variables and canary overrides a stage has.
fn variable_counts(stage: &Stage) -> (usize, usize) {
    let overrides = stage
        .canary_settings
        .as_ref()
        .map_or(0, |c| c.stage_variable_overrides.len());
    (stage.variables.len(), overrides)
}

fn apply_one(stage: &mut Stage, op: &PatchOp, exists: &dyn Fn(&str) -> bool) -> ApiResult<()> {
    if op.op == Op::Copy {
        return copy(stage, op);
    }
    let path = op.path.as_str();
    match path {
        "/deploymentId" => {
            require(op, &[Op::Replace])?;
            let id = op.value()?;
            if !exists(id) {
                return Err(no_deployment());
            }
            stage.deployment_id = id.to_string();
        }
        "/description" => super::set_opt_string(&mut stage.description, op)?,
        "/clientCertificateId" => super::set_opt_string(&mut stage.client_certificate_id, op)?,
        "/documentationVersion" => super::set_opt_string(&mut stage.documentation_version, op)?,
        "/webAclArn" => super::set_opt_string(&mut stage.web_acl_arn, op)?,
        "/cacheClusterEnabled" => {
            require(op, &[Op::Replace])?;
            stage.cache_cluster_enabled = op.bool_value()?;
            if stage.cache_cluster_enabled && stage.cache_cluster_size.is_none() {
                stage.cache_cluster_size = Some("0.5".into());
            }
        }
        "/cacheClusterSize" => {
            require(op, &[Op::Replace])?;
            let v = op.value()?;
            if !CACHE_CLUSTER_SIZES.contains(&v) {
                return Err(ApiError::bad_request(format!(
                    "Invalid cache cluster size specified: {v}. Must be one of: [{}]",
                    CACHE_CLUSTER_SIZES.join(", ")
                )));
            }
            stage.cache_cluster_size = Some(v.to_string());
        }
        "/tracingEnabled" => {
            require(op, &[Op::Replace])?;
            stage.tracing_enabled = op.bool_value()?;
        }
        "/accessLogSettings" => match op.op {
            Op::Remove => stage.access_log_settings = None,
            _ => return Err(ApiError::bad_request(ACCESS_LOG_PATHS)),
        },
        "/canarySettings" => match op.op {
            Op::Remove => stage.canary_settings = None,
            _ => return Err(invalid_path(path)),
        },
        _ if path.starts_with("/variables/") => {
            let name = unescape(&path["/variables/".len()..]);
            variable(&mut stage.variables, &name, op, "variables")?;
        }
        _ if path.starts_with("/accessLogSettings/") => {
            access_log(stage, &path["/accessLogSettings/".len()..], op)?
        }
        _ if path.starts_with("/canarySettings/") => {
            canary(stage, &path["/canarySettings/".len()..], op, exists)?
        }
        _ => method_setting(stage, op)?,
    }
    Ok(())
}

fn require(op: &PatchOp, allowed: &[Op]) -> ApiResult<()> {
    if allowed.contains(&op.op) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid {} operation with path: {}",
            op.op.as_str(),
            op.path
        )))
    }
}

/// AWS's quotas on stage variables ("Quotas for configuring and running a REST API"): a
/// name of at most 64 characters, a value of at most 512, at most 100 variables a stage.
/// The names and values allowed are ASCII, so bytes and characters agree.
pub const MAX_VARIABLE_NAME: usize = 64;
pub const MAX_VARIABLE_VALUE: usize = 512;
pub const MAX_VARIABLES: usize = 100;

/// Refuses a map of stage variables (or of canary overrides) grown past 100. `before` is
/// the count the stage had: a stage stored with more by an older release stays editable
/// as long as an update does not add to it.
pub fn check_variable_count(after: usize, before: usize) -> ApiResult<()> {
    if after > MAX_VARIABLES && after > before {
        Err(ApiError::bad_request(format!(
            "A stage can have at most {MAX_VARIABLES} stage variables; this request would give it {after}."
        )))
    } else {
        Ok(())
    }
}

/// AWS's check of a stage variable's name (`[A-Za-z0-9_]+`), with its message.
pub fn check_variable_name(name: &str) -> ApiResult<()> {
    if proscenium_model::stage::is_valid_variable_name(name) {
        if name.len() > MAX_VARIABLE_NAME {
            return Err(ApiError::bad_request(format!(
                "Invalid stage variable name: {name}.  A stage variable name can be at most {MAX_VARIABLE_NAME} characters long."
            )));
        }
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid stage variable name: {name}.  Please use names with only word characters."
        )))
    }
}

/// AWS's check of a stage variable's value: not empty, and only alphanumerics and
/// `-._~:/?#&=,` (the documented set) or spaces (which AWS's message lists).
pub fn check_variable_value(value: &str) -> ApiResult<()> {
    // Counted in characters, as the message says (a value of other characters than ASCII
    // ones is refused below for them).
    let length = value.chars().count();
    if length > MAX_VARIABLE_VALUE {
        return Err(ApiError::bad_request(format!(
            "Invalid stage variable value of {length} characters.  A stage variable value can be at most {MAX_VARIABLE_VALUE} characters long."
        )));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#&=, ".contains(c);
    if !value.is_empty() && value.chars().all(allowed) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid stage variable value: {value}.  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."
        )))
    }
}

/// Checks every variable of a map (CreateStage, CreateDeployment).
pub fn check_variables(map: &proscenium_model::StringMap) -> ApiResult<()> {
    check_variable_count(map.len(), 0)?;
    for (k, v) in map {
        check_variable_name(k)?;
        check_variable_value(v)?;
    }
    Ok(())
}

fn variable(
    map: &mut proscenium_model::StringMap,
    name: &str,
    op: &PatchOp,
    what: &str,
) -> ApiResult<()> {
    check_variable_name(name)?;
    match op.op {
        Op::Add | Op::Replace => {
            let value = op.value()?;
            check_variable_value(value)?;
            map.insert(name.to_string(), value.to_string());
        }
        Op::Remove => {
            if map.remove(name).is_none() {
                return Err(cannot_remove(&format!("{what}/{name}")));
            }
        }
        _ => return Err(require(op, &[]).unwrap_err()),
    }
    Ok(())
}

fn access_log(stage: &mut Stage, field: &str, op: &PatchOp) -> ApiResult<()> {
    let settings = stage
        .access_log_settings
        .get_or_insert_with(AccessLogSettings::default);
    let slot = match field {
        "destinationArn" => &mut settings.destination_arn,
        "format" => &mut settings.format,
        _ => {
            return Err(if op.op == Op::Remove {
                cannot_remove(&format!("accessLogSettings/{field}"))
            } else {
                ApiError::bad_request(ACCESS_LOG_PATHS)
            });
        }
    };
    match op.op {
        Op::Add | Op::Replace => {
            let v = op.value.as_deref().unwrap_or("");
            if v.is_empty() {
                return Err(ApiError::bad_request("Access Log value must not be empty"));
            }
            *slot = Some(v.to_string());
        }
        // AWS refuses to remove one field: only `remove /accessLogSettings` clears them.
        Op::Remove => return Err(cannot_remove(&format!("accessLogSettings/{field}"))),
        _ => return Err(require(op, &[]).unwrap_err()),
    }
    if settings.destination_arn.is_none() && settings.format.is_none() {
        stage.access_log_settings = None;
    }
    Ok(())
}

fn canary(
    stage: &mut Stage,
    field: &str,
    op: &PatchOp,
    exists: &dyn Fn(&str) -> bool,
) -> ApiResult<()> {
    let base = stage.deployment_id.clone();
    let new_canary = || CanarySettings {
        deployment_id: Some(base.clone()),
        ..Default::default()
    };
    match field {
        "percentTraffic" => {
            require(op, &[Op::Replace])?;
            let p = op.double_value()?;
            check_percent_traffic(p)?;
            stage
                .canary_settings
                .get_or_insert_with(new_canary)
                .percent_traffic = p;
        }
        "deploymentId" => {
            require(op, &[Op::Replace])?;
            let id = op.value()?;
            if !exists(id) {
                return Err(no_deployment());
            }
            stage
                .canary_settings
                .get_or_insert_with(new_canary)
                .deployment_id = Some(id.to_string());
        }
        "useStageCache" => {
            require(op, &[Op::Replace])?;
            stage
                .canary_settings
                .get_or_insert_with(new_canary)
                .use_stage_cache = op.bool_value()?;
        }
        // AWS refuses to remove the whole map; overrides are removed one by one.
        "stageVariableOverrides" if op.op == Op::Remove => {
            return Err(cannot_remove("canarySettings/stageVariableOverrides"));
        }
        _ if field.starts_with("stageVariableOverrides/") => {
            let name = unescape(&field["stageVariableOverrides/".len()..]);
            if op.op == Op::Remove && stage.canary_settings.is_none() {
                return Err(cannot_remove(&format!(
                    "canarySettings/stageVariableOverrides/{name}"
                )));
            }
            let c = stage.canary_settings.get_or_insert_with(new_canary);
            variable(
                &mut c.stage_variable_overrides,
                &name,
                op,
                "canarySettings/stageVariableOverrides",
            )?;
        }
        _ => {
            return Err(if op.op == Op::Remove {
                cannot_remove(&format!("canarySettings/{field}"))
            } else {
                invalid_path(&op.path)
            });
        }
    }
    Ok(())
}

/// Promotion: `copy` `/canarySettings/deploymentId` → `/deploymentId` and
/// `/canarySettings/stageVariableOverrides` → `/variables` (overrides merged into variables).
fn copy(stage: &mut Stage, op: &PatchOp) -> ApiResult<()> {
    let from = op.from.as_deref().unwrap_or("");
    let valid = matches!(
        (op.path.as_str(), from),
        ("/deploymentId", "/canarySettings/deploymentId")
            | ("/variables", "/canarySettings/stageVariableOverrides")
    );
    if !valid {
        return Err(ApiError::bad_request(format!(
            "Invalid copy operation with path: {} and from {from}. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]",
            op.path
        )));
    }
    let Some(canary) = stage.canary_settings.as_ref() else {
        return Err(ApiError::bad_request(
            "Promotion not available. Canary does not exist.",
        ));
    };
    if op.path == "/deploymentId" {
        if let Some(d) = canary.deployment_id.clone() {
            stage.deployment_id = d;
        }
    } else {
        let overrides = canary.stage_variable_overrides.clone();
        stage.variables.extend(overrides);
    }
    Ok(())
}

/// Splits a method-setting path into (`path/METHOD` key, `group/name` setting), accepting the
/// escaped (`/~1pets~1{id}/GET/...`) and unescaped (`/pets/{id}/GET/...`) spellings.
pub fn method_setting_key(path: &str) -> Option<(String, Option<String>)> {
    let raw: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    let is_setting = |g: &str| matches!(g, "metrics" | "logging" | "throttling" | "caching");
    let (key_parts, setting) = if raw.len() >= 4 && is_setting(raw[raw.len() - 2]) {
        let n = raw.len();
        (
            &raw[..n - 2],
            Some(format!("{}/{}", raw[n - 2], raw[n - 1])),
        )
    } else {
        (&raw[..], None)
    };
    let (method, resource) = key_parts.split_last()?;
    if resource.is_empty() || method.is_empty() {
        return None;
    }
    let resource: String = resource
        .iter()
        .map(|s| unescape(s))
        .collect::<Vec<_>>()
        .join("/");
    let resource = resource.trim_start_matches('/').to_string();
    let method = if *method == "*" {
        "*".to_string()
    } else {
        method.to_ascii_uppercase()
    };
    // The root resource ("/" or "~1") is keyed "/GET": its path without the leading slash is empty.
    Some((format!("{resource}/{method}"), setting))
}

fn method_setting(stage: &mut Stage, op: &PatchOp) -> ApiResult<()> {
    let Some((key, setting)) = method_setting_key(&op.path) else {
        return Err(invalid_path(&op.path));
    };
    let Some(setting) = setting else {
        if op.op == Op::Remove {
            if stage.method_settings.remove(&key).is_none() {
                return Err(cannot_remove(&key));
            }
            return Ok(());
        }
        return Err(invalid_path(&op.path));
    };
    if !matches!(op.op, Op::Replace | Op::Add) {
        return Err(invalid_path(&op.path));
    }
    let inherited = stage
        .method_settings
        .get("*/*")
        .cloned()
        .unwrap_or_default();
    let mut ms: MethodSetting = stage
        .method_settings
        .get(&key)
        .cloned()
        .unwrap_or(inherited);
    match setting.as_str() {
        "metrics/enabled" => ms.metrics_enabled = op.bool_value()?,
        "logging/dataTrace" => ms.data_trace_enabled = op.bool_value()?,
        "logging/loglevel" => {
            let v = op.value()?.to_ascii_uppercase();
            if !LOGGING_LEVELS.contains(&v.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "Invalid logging level specified: {v}. Must be one of: [OFF, ERROR, INFO]"
                )));
            }
            ms.logging_level = Some(v);
        }
        "throttling/burstLimit" => ms.throttling_burst_limit = op.int_value()?,
        "throttling/rateLimit" => ms.throttling_rate_limit = op.double_value()?,
        "caching/enabled" => ms.caching_enabled = op.bool_value()?,
        "caching/ttlInSeconds" => {
            let ttl = op.int_value()?;
            if !(0..=3600).contains(&ttl) {
                return Err(ApiError::bad_request(
                    "Invalid cache TTL specified: must be between 0 and 3600 seconds",
                ));
            }
            ms.cache_ttl_in_seconds = ttl;
        }
        "caching/dataEncrypted" => ms.cache_data_encrypted = op.bool_value()?,
        "caching/requireAuthorizationForCacheControl" => {
            ms.require_authorization_for_cache_control = op.bool_value()?
        }
        "caching/unauthorizedCacheControlHeaderStrategy" => {
            let v = op.value()?;
            if !CACHE_CONTROL_STRATEGIES.contains(&v) {
                return Err(ApiError::bad_request(format!(
                    "Invalid unauthorizedCacheControlHeaderStrategy specified: {v}. Must be one of: [{}]",
                    CACHE_CONTROL_STRATEGIES.join(", ")
                )));
            }
            ms.unauthorized_cache_control_header_strategy = v.to_string();
        }
        _ => return Err(invalid_path(&op.path)),
    }
    stage.method_settings.insert(key, ms);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage() -> Stage {
        serde_json::from_value(serde_json::json!({
            "stageName": "dev", "deploymentId": "d1", "cacheClusterEnabled": false,
            "tracingEnabled": false, "createdDate": 1.0, "lastUpdatedDate": 1.0
        }))
        .unwrap()
    }

    fn op(op: Op, path: &str, value: Option<&str>) -> PatchOp {
        PatchOp {
            op,
            path: path.into(),
            value: value.map(Into::into),
            from: None,
        }
    }

    fn exists(id: &str) -> bool {
        matches!(id, "d1" | "d2")
    }

    #[test]
    fn method_setting_keys_in_both_spellings() {
        let cases = [
            ("/*/*/metrics/enabled", "*/*", Some("metrics/enabled")),
            (
                "/~1pets~1{id}/GET/caching/enabled",
                "pets/{id}/GET",
                Some("caching/enabled"),
            ),
            (
                "/pets/{id}/get/throttling/rateLimit",
                "pets/{id}/GET",
                Some("throttling/rateLimit"),
            ),
            ("/~1pets/GET", "pets/GET", None),
            ("/*/*", "*/*", None),
            (
                "/~1/GET/throttling/burstLimit",
                "/GET",
                Some("throttling/burstLimit"),
            ),
        ];
        for (path, key, setting) in cases {
            let (k, s) = method_setting_key(path).unwrap();
            assert_eq!(k, key, "{path}");
            assert_eq!(s.as_deref(), setting, "{path}");
        }
    }

    #[test]
    fn method_settings_are_created_with_defaults_and_removed() {
        let mut s = stage();
        apply(
            &mut s,
            &[
                op(Op::Replace, "/*/*/throttling/rateLimit", Some("10")),
                op(Op::Replace, "/~1pets/GET/caching/enabled", Some("true")),
            ],
            &exists,
        )
        .unwrap();
        assert_eq!(s.method_settings["*/*"].throttling_rate_limit, 10.0);
        assert_eq!(s.method_settings["*/*"].throttling_burst_limit, 5000);
        let pets = &s.method_settings["pets/GET"];
        assert!(pets.caching_enabled);
        assert_eq!(
            pets.throttling_rate_limit, 10.0,
            "a method override starts from the stage-wide setting"
        );
        apply(&mut s, &[op(Op::Remove, "/~1pets/GET", None)], &exists).unwrap();
        assert!(!s.method_settings.contains_key("pets/GET"));
        let e = apply(&mut s, &[op(Op::Remove, "/~1pets/GET", None)], &exists).unwrap_err();
        assert_eq!(
            e.message(),
            "Cannot remove method setting pets/GET because there is no method setting for this method "
        );
        assert!(
            apply(
                &mut s,
                &[op(Op::Replace, "/*/*/metrics/enabled", Some("maybe"))],
                &exists
            )
            .is_err()
        );
    }

    #[test]
    fn canary_lifecycle_and_promotion() {
        let mut s = stage();
        let e = apply(
            &mut s,
            &[PatchOp {
                op: Op::Copy,
                path: "/deploymentId".into(),
                value: None,
                from: Some("/canarySettings/deploymentId".into()),
            }],
            &exists,
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "Promotion not available. Canary does not exist."
        );
        apply(
            &mut s,
            &[
                op(Op::Replace, "/canarySettings/deploymentId", Some("d2")),
                op(Op::Replace, "/canarySettings/percentTraffic", Some("25.5")),
                op(
                    Op::Replace,
                    "/canarySettings/stageVariableOverrides/v",
                    Some("canary"),
                ),
            ],
            &exists,
        )
        .unwrap();
        let c = s.canary_settings.clone().unwrap();
        assert_eq!(
            (c.deployment_id.as_deref(), c.percent_traffic),
            (Some("d2"), 25.5)
        );
        let e = apply(
            &mut s,
            &[op(Op::Add, "/canarySettings/deploymentId", Some("d2"))],
            &exists,
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "Invalid add operation with path: /canarySettings/deploymentId"
        );
        let e = apply(
            &mut s,
            &[op(Op::Replace, "/canarySettings/deploymentId", Some("zz"))],
            &exists,
        )
        .unwrap_err();
        assert_eq!(e.message(), "Deployment id does not exist");
        let promote = [
            PatchOp {
                op: Op::Copy,
                path: "/deploymentId".into(),
                value: None,
                from: Some("/canarySettings/deploymentId".into()),
            },
            PatchOp {
                op: Op::Copy,
                path: "/variables".into(),
                value: None,
                from: Some("/canarySettings/stageVariableOverrides".into()),
            },
            op(Op::Replace, "/canarySettings/percentTraffic", Some("0")),
        ];
        apply(&mut s, &promote, &exists).unwrap();
        assert_eq!(s.deployment_id, "d2");
        assert_eq!(s.variables["v"], "canary");
        assert_eq!(s.canary_settings.as_ref().unwrap().percent_traffic, 0.0);
        apply(&mut s, &[op(Op::Remove, "/canarySettings", None)], &exists).unwrap();
        assert!(s.canary_settings.is_none());
        let e = apply(
            &mut s,
            &[op(Op::Replace, "/canarySettings", Some("x"))],
            &exists,
        )
        .unwrap_err();
        assert!(e.message().starts_with(
            "Invalid method setting path: /canarySettings. Must be one of: [/deploymentId,"
        ));
    }

    #[test]
    fn stage_variables_keep_to_aws_quotas() {
        let long_name = "n".repeat(MAX_VARIABLE_NAME + 1);
        assert!(check_variable_name(&"n".repeat(MAX_VARIABLE_NAME)).is_ok());
        assert_eq!(
            check_variable_name(&long_name).unwrap_err().message(),
            format!(
                "Invalid stage variable name: {long_name}.  A stage variable name can be at most 64 characters long."
            )
        );
        assert!(check_variable_value(&"v".repeat(MAX_VARIABLE_VALUE)).is_ok());
        // 300 two-byte characters are 600 bytes but within the length: refused for the
        // characters, not for a length the message would contradict.
        assert!(
            check_variable_value(&"é".repeat(300))
                .unwrap_err()
                .message()
                .starts_with("Invalid stage variable value: é")
        );
        assert_eq!(
            check_variable_value(&"v".repeat(513))
                .unwrap_err()
                .message(),
            "Invalid stage variable value of 513 characters.  A stage variable value can be at most 512 characters long."
        );
        let many: proscenium_model::StringMap = (0..=MAX_VARIABLES)
            .map(|i| (format!("v{i}"), "x".to_string()))
            .collect();
        assert_eq!(
            check_variables(&many).unwrap_err().message(),
            "A stage can have at most 100 stage variables; this request would give it 101."
        );

        // UpdateStage: the 101st variable is refused, for variables and canary overrides.
        let mut s = stage();
        let add = |path: String| op(Op::Add, &path, Some("x"));
        let ops: Vec<_> = (0..MAX_VARIABLES)
            .map(|i| add(format!("/variables/v{i}")))
            .collect();
        apply(&mut s, &ops, &exists).unwrap();
        let e = apply(&mut s, &[add("/variables/one_more".into())], &exists).unwrap_err();
        assert!(
            e.message().ends_with("would give it 101."),
            "{}",
            e.message()
        );
        // Replacing one of the 100 is still allowed.
        apply(&mut s, &[add("/variables/v0".into())], &exists).unwrap();
        let ops: Vec<_> = (0..=MAX_VARIABLES)
            .map(|i| add(format!("/canarySettings/stageVariableOverrides/o{i}")))
            .collect();
        let mut c = stage();
        let e = apply(&mut c, &ops, &exists).unwrap_err();
        assert!(
            e.message().ends_with("would give it 101."),
            "{}",
            e.message()
        );
        // A stage stored with more than 100 by an older release may still shrink.
        let mut old = stage();
        old.variables = many;
        apply(&mut old, &[op(Op::Remove, "/variables/v0", None)], &exists).unwrap();
        assert_eq!(old.variables.len(), MAX_VARIABLES);
    }

    #[test]
    fn stage_variables_are_checked_as_aws_checks_them() {
        for ok in ["a", "Z_9", "__"] {
            assert!(check_variable_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a-b", "a.b", "a:b", "é"] {
            assert_eq!(
                check_variable_name(bad).unwrap_err().message(),
                format!(
                    "Invalid stage variable name: {bad}.  Please use names with only word characters."
                )
            );
        }
        for ok in [
            "x",
            "https://h:8/p?a=1&b=2,c#f~g",
            "two words",
            "-._~:/?#&=,",
        ] {
            assert!(check_variable_value(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a+b", "a;b", "$x", "a*b", "tab\t", "é", "{x}"] {
            assert!(
                check_variable_value(bad)
                    .unwrap_err()
                    .message()
                    .starts_with(&format!(
                        "Invalid stage variable value: {bad}.  Please use values"
                    )),
                "{bad}"
            );
        }
        let mut s = stage();
        let e = apply(
            &mut s,
            &[op(Op::Add, "/variables/v", Some("a b;"))],
            &exists,
        )
        .unwrap_err();
        assert!(
            e.message()
                .starts_with("Invalid stage variable value: a b;.")
        );
        let e = apply(
            &mut s,
            &[op(
                Op::Add,
                "/canarySettings/stageVariableOverrides/x-y",
                Some("v"),
            )],
            &exists,
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "Invalid stage variable name: x-y.  Please use names with only word characters."
        );
        assert!(s.variables.is_empty());
    }

    #[test]
    fn access_logs_and_variables() {
        let mut s = stage();
        let e = apply(
            &mut s,
            &[op(Op::Remove, "/accessLogSettings/destinationArn", None)],
            &exists,
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "Cannot remove method setting accessLogSettings/destinationArn because there is no method setting for this method "
        );
        let e = apply(
            &mut s,
            &[op(Op::Replace, "/accessLogSettings/format", Some(""))],
            &exists,
        )
        .unwrap_err();
        assert_eq!(e.message(), "Access Log value must not be empty");
        apply(
            &mut s,
            &[op(
                Op::Replace,
                "/accessLogSettings/format",
                Some("$context.requestId"),
            )],
            &exists,
        )
        .unwrap();
        assert_eq!(
            s.access_log_settings.as_ref().unwrap().format.as_deref(),
            Some("$context.requestId")
        );
        let e = apply(
            &mut s,
            &[op(Op::Add, "/accessLogSettings/x", Some("y"))],
            &exists,
        )
        .unwrap_err();
        assert_eq!(e.message(), ACCESS_LOG_PATHS);
        apply(
            &mut s,
            &[op(Op::Remove, "/accessLogSettings", None)],
            &exists,
        )
        .unwrap();
        assert!(s.access_log_settings.is_none());
        apply(
            &mut s,
            &[op(Op::Add, "/variables/host", Some("127.0.0.1"))],
            &exists,
        )
        .unwrap();
        assert_eq!(s.variables["host"], "127.0.0.1");
        apply(&mut s, &[op(Op::Remove, "/variables/host", None)], &exists).unwrap();
        let e = apply(&mut s, &[op(Op::Replace, "/tags/t", Some("x"))], &exists).unwrap_err();
        assert!(
            e.message()
                .starts_with("Invalid method setting path: /tags/t. Must be one of:")
        );
    }
}
