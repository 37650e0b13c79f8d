//! API keys, usage plans and their keys: live account-level state (not part of any
//! deployment snapshot, as in AWS), and the quota period arithmetic the data plane and
//! GetUsage share.
//!
//! Pure: dates are days since the Unix epoch, given by the caller.

use serde::{Deserialize, Serialize};

use crate::{StringMap, Timestamp};

/// An API key. `value` is secret-ish: the wire shows it only when asked (`includeValue`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub value: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub enabled: bool,
    pub created_date: Timestamp,
    pub last_updated_date: Timestamp,
    /// `{restApiId}/{stageName}` entries.
    #[serde(default)]
    pub stage_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub tags: StringMap,
}

impl std::fmt::Debug for ApiKey {
    /// Never prints the value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// A throttle as usage plans write it (both members optional on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanThrottle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
}

/// A usage plan's quota.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
    /// DAY, WEEK or MONTH.
    pub period: String,
}

/// One API stage of a usage plan, with per-method throttles keyed `/{resourcePath}/{METHOD}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStage {
    pub api_id: String,
    pub stage: String,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub throttle: std::collections::BTreeMap<String, PlanThrottle>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub api_stages: Vec<ApiStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<PlanThrottle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub tags: StringMap,
    /// The plan's keys (UsagePlanKeys), by API key id. Stored with the plan; not a member
    /// of AWS's UsagePlan shape (the control plane leaves it out of answers).
    #[serde(default)]
    pub key_ids: Vec<String>,
}

/// Quota periods AWS accepts.
pub const QUOTA_PERIODS: &[&str] = &["DAY", "WEEK", "MONTH"];

/// The first day (days since the epoch) of the quota period that contains `day`.
///
/// DAY: the day itself. WEEK: weeks start on Monday, moved `offset` days later (0–6).
/// MONTH: months start on the 1st, moved `offset` days later (0–27). All in UTC.
pub fn period_start(period: &str, offset: i64, day: i64) -> i64 {
    match period {
        "WEEK" => {
            // 1970-01-01 was a Thursday: Monday-based weekday = (day + 3) mod 7.
            let weekday = (day + 3).rem_euclid(7);
            let monday = day - weekday;
            let start = monday + offset.clamp(0, 6);
            if start > day { start - 7 } else { start }
        }
        "MONTH" => {
            let (y, m, _) = civil(day);
            let start = days_from_civil(y, m, 1) + offset.clamp(0, 27);
            if start > day {
                let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
                days_from_civil(py, pm, 1) + offset.clamp(0, 27)
            } else {
                start
            }
        }
        _ => day,
    }
}

/// Days since the epoch → (year, month, day).
pub fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) → days since the epoch.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// `YYYY-MM-DD` → days since the epoch.
pub fn parse_day(s: &str) -> Option<i64> {
    let mut it = s.trim().split('-');
    let y = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Days since the epoch → `YYYY-MM-DD`.
pub fn format_day(day: i64) -> String {
    let (y, m, d) = civil(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let d = parse_day("2026-12-05").unwrap(); // a Saturday
        assert_eq!(format_day(d), "2026-12-05");
        assert_eq!(period_start("DAY", 0, d), d);
        assert_eq!(format_day(period_start("WEEK", 0, d)), "2026-11-30");
        assert_eq!(format_day(period_start("WEEK", 5, d)), "2026-12-05");
        assert_eq!(format_day(period_start("WEEK", 6, d)), "2026-11-29");
        assert_eq!(format_day(period_start("MONTH", 0, d)), "2026-12-01");
        assert_eq!(format_day(period_start("MONTH", 9, d)), "2026-11-10");
        assert_eq!(format_day(period_start("MONTH", 4, d)), "2026-12-05");
        let jan = parse_day("2027-01-03").unwrap();
        assert_eq!(format_day(period_start("MONTH", 5, jan)), "2026-12-06");
        assert!(parse_day("2026-13-01").is_none());
    }
}
