//! The last minutes of one stage's traffic, as `GET /_proscenium/traffic` answers it: per
//! minute the totals of the base and canary sides, and a breakdown per deployment and per
//! method (the methods with detailed metrics, which have their own series).
//!
//! Pure: the series and the current minute are passed in.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::history::Counts;
use crate::metrics::Series;

/// Some minutes of traffic: a total and the same numbers per minute, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    pub total: Counts,
    pub per_minute: Vec<Counts>,
}

impl Part {
    fn zero(n: usize) -> Part {
        Part {
            total: Counts::default(),
            per_minute: vec![Counts::default(); n],
        }
    }

    fn add(&mut self, minutes: &[Counts]) {
        for (mine, c) in self.per_minute.iter_mut().zip(minutes) {
            mine.add(c);
            self.total.add(c);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentPart {
    pub deployment_id: String,
    /// Served as the stage's canary (a deployment served on both sides has two entries).
    pub canary: bool,
    /// Whether the stage serves it on this side now.
    pub serving: bool,
    #[serde(flatten)]
    pub part: Part,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodPart {
    pub resource: String,
    pub method: String,
    #[serde(flatten)]
    pub part: Part,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub api_id: String,
    pub stage: String,
    pub minutes: usize,
    /// The start of each minute in epoch milliseconds, oldest first; the last one is the
    /// current minute.
    pub minute_starts: Vec<u64>,
    pub base: Part,
    pub canary: Part,
    /// The deployments the stage serves now, and the others that served requests in the window.
    pub deployments: Vec<DeploymentPart>,
    /// Methods with detailed metrics (summed over the deployments and both sides): those of
    /// the deployments served now, and the others that served requests in the window.
    pub methods: Vec<MethodPart>,
}

/// The `minutes` minutes ending with `last` (epoch minutes) of `api_id`'s stage `stage`.
/// `current` names the deployments the stage serves now: the base's, and the canary's.
pub fn report(
    series: &[Arc<Series>],
    api_id: &str,
    stage: &str,
    current: (&str, Option<&str>),
    last: u64,
    minutes: usize,
) -> Report {
    let n = minutes.clamp(1, crate::history::MINUTES);
    let first = (last + 1).saturating_sub(n as u64);
    let mut base = Part::zero(n);
    let mut canary = Part::zero(n);
    let mut deployments: BTreeMap<(bool, &str), Part> = BTreeMap::new();
    let mut methods: BTreeMap<(&str, &str), Part> = BTreeMap::new();
    let zeros = vec![Counts::default(); n];
    for s in series {
        let l = &s.labels;
        if l.api_id != api_id || l.stage != stage {
            continue;
        }
        let window = s.history().map(|r| r.window(last, n));
        let window = window.as_deref().unwrap_or(&zeros);
        let active = window.iter().any(|c| c.requests > 0);
        let served_now = serving(current, l.canary, &l.deployment_id);
        if !active && !served_now {
            continue;
        }
        let side = if l.canary { &mut canary } else { &mut base };
        side.add(window);
        deployments
            .entry((l.canary, l.deployment_id.as_str()))
            .or_insert_with(|| Part::zero(n))
            .add(window);
        if let Some((resource, method)) = &l.method {
            methods
                .entry((resource.as_str(), method.as_str()))
                .or_insert_with(|| Part::zero(n))
                .add(window);
        }
    }
    Report {
        api_id: api_id.to_string(),
        stage: stage.to_string(),
        minutes: n,
        minute_starts: (first..=last).map(|m| m * 60_000).collect(),
        base,
        canary,
        deployments: deployments
            .into_iter()
            .map(|((canary, id), part)| DeploymentPart {
                deployment_id: id.to_string(),
                canary,
                serving: serving(current, canary, id),
                part,
            })
            .collect(),
        methods: methods
            .into_iter()
            .map(|((resource, method), part)| MethodPart {
                resource: resource.to_string(),
                method: method.to_string(),
                part,
            })
            .collect(),
    }
}

fn serving(current: (&str, Option<&str>), canary: bool, id: &str) -> bool {
    if canary {
        current.1 == Some(id)
    } else {
        current.0 == id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Labels;

    const T0: u64 = 29_400_000;

    fn series(stage: &str, canary: bool, dep: &str, method: Option<&str>) -> Arc<Series> {
        Arc::new(Series::new(Labels {
            api_id: "a1".into(),
            api_name: "api".into(),
            stage: stage.into(),
            canary,
            deployment_id: dep.into(),
            method: method.map(|m| ("/pets".into(), m.into())),
        }))
    }

    #[test]
    fn sums_sides_deployments_and_methods_per_minute() {
        let old = series("prod", false, "d1", None);
        let new = series("prod", false, "d2", None);
        let get = series("prod", false, "d2", Some("GET"));
        let can = series("prod", true, "d3", None);
        let idle_old = series("prod", false, "d0", None);
        let other = series("dev", false, "d2", None);
        old.record(200, 1_000_000, T0 - 2);
        old.record(404, 3_000_000, T0 - 2);
        new.record(200, 1_000_000, T0);
        get.record(500, 2_000_000, T0);
        can.record(200, 1_000_000, T0 - 1);
        other.record(200, 1_000_000, T0);
        let all = [old, new, get, can, idle_old, other];
        let r = report(&all, "a1", "prod", ("d2", Some("d3")), T0, 5);
        assert_eq!(r.minutes, 5);
        assert_eq!(
            r.minute_starts,
            (T0 - 4..=T0).map(|m| m * 60_000).collect::<Vec<_>>()
        );
        let reqs = |p: &Part| p.per_minute.iter().map(|c| c.requests).collect::<Vec<_>>();
        assert_eq!(reqs(&r.base), [0, 0, 2, 0, 2]);
        assert_eq!(reqs(&r.canary), [0, 0, 0, 1, 0]);
        assert_eq!(r.base.total.errors4xx, 1);
        assert_eq!(r.base.total.errors5xx, 1);
        assert_eq!(r.base.total.latency_micros, 7_000);
        let deps: Vec<(&str, bool, bool, u64)> = r
            .deployments
            .iter()
            .map(|d| {
                let id = d.deployment_id.as_str();
                (id, d.canary, d.serving, d.part.total.requests)
            })
            .collect();
        assert_eq!(
            deps,
            [
                ("d1", false, false, 2),
                ("d2", false, true, 2),
                ("d3", true, true, 1)
            ]
        );
        assert_eq!(r.methods.len(), 1);
        assert_eq!(
            (r.methods[0].resource.as_str(), r.methods[0].method.as_str()),
            ("/pets", "GET")
        );
        assert_eq!(reqs(&r.methods[0].part), [0, 0, 0, 0, 1]);
    }

    #[test]
    fn a_served_method_without_requests_is_listed_and_the_json_is_camel_case() {
        let get = series("prod", false, "d2", Some("GET"));
        let r = report(&[get], "a1", "prod", ("d2", None), T0, 60);
        assert_eq!(r.methods.len(), 1);
        assert_eq!(r.methods[0].part.total, Counts::default());
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["minuteStarts"].as_array().unwrap().len(), 60);
        assert_eq!(v["deployments"][0]["deploymentId"], "d2");
        assert_eq!(v["deployments"][0]["serving"], true);
        assert_eq!(v["methods"][0]["total"]["errors4xx"], 0);
        assert_eq!(v["base"]["perMinute"][59]["latencyMicros"], 0);
    }
}
