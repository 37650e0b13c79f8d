//! `GET /_proscenium/traffic?apiId=&stage=&minutes=`: a stage's last minutes of traffic as
//! JSON (the gateway's per-minute history, `proscenium_gateway::traffic`), for the console's
//! Traffic tab. Served where `/_proscenium/metrics` is, authorized the same way (`run.rs`).
//! This module only reads the query and shapes the answer.

use proscenium_gateway::Gateway;

/// The window when the query names none, and its bounds.
pub const DEFAULT_MINUTES: usize = 15;
pub const MIN_MINUTES: usize = 5;
pub const MAX_MINUTES: usize = 60;

/// A refusal: status, error type, message.
pub type Refusal = (u16, &'static str, String);

/// `(apiId, stage, minutes)` from the query string.
pub fn parse(query: Option<&str>) -> Result<(String, String, usize), Refusal> {
    let f = crate::activity::Filter::from_query(query);
    let bad = |m: String| (400, "BadRequestException", m);
    let (Some(api_id), Some(stage)) = (f.api_id, f.stage) else {
        return Err(bad(
            "Both apiId and stage are required: /_proscenium/traffic?apiId=…&stage=…&minutes=15"
                .into(),
        ));
    };
    let minutes = match query
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("minutes="))
    {
        None | Some("") => DEFAULT_MINUTES,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|m| (MIN_MINUTES..=MAX_MINUTES).contains(m))
            .ok_or_else(|| {
                bad(format!(
                    "minutes must be a whole number from {MIN_MINUTES} to {MAX_MINUTES}, not {v:?}"
                ))
            })?,
    };
    Ok((api_id, stage, minutes))
}

/// The JSON answer for `query`, or why there is none.
pub fn answer(gateway: &Gateway, query: Option<&str>) -> Result<String, Refusal> {
    let (api_id, stage, minutes) = parse(query)?;
    let report = gateway.traffic(&api_id, &stage, minutes).ok_or_else(|| {
        (
            404,
            "NotFoundException",
            format!("No stage {stage:?} of API {api_id:?} is served by this gateway"),
        )
    })?;
    serde_json::to_string(&report).map_err(|e| (500, "InternalFailure", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_query() {
        assert_eq!(
            parse(Some("apiId=a1&stage=prod")).unwrap(),
            ("a1".into(), "prod".into(), DEFAULT_MINUTES)
        );
        assert_eq!(
            parse(Some("stage=dev&minutes=60&apiId=a%31")).unwrap(),
            ("a1".into(), "dev".into(), 60)
        );
        for q in [
            "apiId=a1&stage=prod&minutes=4",
            "apiId=a1&stage=prod&minutes=61",
            "apiId=a1&stage=prod&minutes=ten",
            "apiId=a1",
            "stage=prod",
            "",
        ] {
            let e = parse(Some(q)).unwrap_err();
            assert_eq!((e.0, e.1), (400, "BadRequestException"), "{q}");
        }
        assert!(parse(None).is_err());
    }
}
