//! The SQL of the PostgreSQL store: one small function per statement family, each usable on
//! a connection or inside a transaction.
//!
//! Every write transaction starts with [`begin_write`], which bumps the global revision: the
//! row lock it takes on `meta` serialises writers across all nodes until commit, so the checks
//! below (read a revision, compare, write) are as safe as in the embedded store.

use proscenium_model::{ApiDefinition, ApiKey, Deployment, RestApi, Scope, Stage, UsagePlan};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use super::pg;
use crate::{
    DEPLOYMENT_IN_USE, Revision, StageRecord, StageWrite, StoreError, StoreResult, UsageCount,
    Versioned,
};

/// The channel every node LISTENs on; the payload is the new revision.
pub const CHANNEL: &str = "proscenium_changes";

/// The account-level documents of the generic `docs` table. Adding an entity stored whole as
/// one JSON document per `(scope, id)` is one variant here: no migration.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Account,
    ClientCertificate,
    VpcLink,
    ApiKey,
    UsagePlan,
    DomainName,
    /// Keyed `{domain name}\n{base path}` (a domain name holds no newline).
    BasePathMapping,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::ClientCertificate => "client_certificate",
            Kind::VpcLink => "vpc_link",
            Kind::ApiKey => "api_key",
            Kind::UsagePlan => "usage_plan",
            Kind::DomainName => "domain_name",
            Kind::BasePathMapping => "base_path_mapping",
        }
    }
}

pub fn to_json<T: Serialize>(v: &T) -> String {
    // Plain data always serialises.
    serde_json::to_string(v).unwrap_or_default()
}

fn from_json<T: DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Backend(format!("corrupt record: {e}")))
}

fn rev(v: i64) -> Revision {
    v as Revision
}

/// Bumps the global revision (taking the writers' lock) and queues the notification that is
/// sent when the transaction commits.
pub async fn begin_write<C: GenericClient>(c: &C) -> StoreResult<Revision> {
    let r: i64 = c
        .query_one(
            "UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value",
            &[],
        )
        .await
        .map_err(pg)?
        .get(0);
    c.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &r.to_string()])
        .await
        .map_err(pg)?;
    Ok(rev(r))
}

pub async fn current_revision<C: GenericClient>(c: &C) -> StoreResult<Revision> {
    let r: i64 = c
        .query_one("SELECT value FROM meta WHERE key = 'revision'", &[])
        .await
        .map_err(pg)?
        .get(0);
    Ok(rev(r))
}

pub async fn list_apis<C: GenericClient>(c: &C, s: &Scope) -> StoreResult<Vec<RestApi>> {
    let rows = c
        .query(
            "SELECT header FROM apis WHERE account = $1 AND region = $2 ORDER BY created, api_id",
            &[&s.account, &s.region],
        )
        .await
        .map_err(pg)?;
    rows.iter().map(|r| from_json(r.get(0))).collect()
}

pub async fn api_revision<C: GenericClient>(c: &C, s: &Scope, api: &str) -> StoreResult<Revision> {
    c.query_opt(
        "SELECT revision FROM apis WHERE account = $1 AND region = $2 AND api_id = $3",
        &[&s.account, &s.region, &api],
    )
    .await
    .map_err(pg)?
    .map(|r| rev(r.get(0)))
    .ok_or(StoreError::NotFound)
}

pub async fn get_api<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
) -> StoreResult<(Revision, ApiDefinition)> {
    let row = c
        .query_opt(
            "SELECT revision, definition FROM apis WHERE account = $1 AND region = $2 AND api_id = $3",
            &[&s.account, &s.region, &api],
        )
        .await
        .map_err(pg)?
        .ok_or(StoreError::NotFound)?;
    Ok((rev(row.get(0)), from_json(row.get(1))?))
}

pub async fn put_api<C: GenericClient>(
    c: &C,
    s: &Scope,
    def: &ApiDefinition,
    expected: Option<Revision>,
    new_rev: Revision,
) -> StoreResult<()> {
    let current = match api_revision(c, s, &def.api.id).await {
        Ok(r) => Some(r),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e),
    };
    if current != expected {
        return Err(match (current, expected) {
            (None, Some(_)) => StoreError::NotFound,
            _ => StoreError::Conflict(format!("api {} changed", def.api.id)),
        });
    }
    c.execute(
        "INSERT INTO apis (account, region, api_id, revision, created, header, definition)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (account, region, api_id) DO UPDATE SET
           revision = excluded.revision, header = excluded.header, definition = excluded.definition",
        &[
            &s.account,
            &s.region,
            &def.api.id,
            &(new_rev as i64),
            &def.api.created_date,
            &to_json(&def.api),
            &to_json(def),
        ],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

/// Runs a statement on one row of a scope; zero rows is `NotFound`.
async fn one<C: GenericClient>(c: &C, sql: &str, p: &[&(dyn ToSql + Sync)]) -> StoreResult<()> {
    match c.execute(sql, p).await.map_err(pg)? {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

pub async fn delete_api<C: GenericClient>(c: &C, s: &Scope, api: &str) -> StoreResult<()> {
    one(
        c,
        "DELETE FROM apis WHERE account = $1 AND region = $2 AND api_id = $3",
        &[&s.account, &s.region, &api],
    )
    .await
}

pub async fn insert_deployment<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
    d: &Deployment,
    snapshot: &[u8],
) -> StoreResult<()> {
    api_revision(c, s, api).await?;
    let n = c
        .execute(
            "INSERT INTO deployments (account, region, api_id, deployment_id, created, meta, snapshot)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            &[
                &s.account,
                &s.region,
                &api,
                &d.id,
                &d.created_date,
                &to_json(d),
                &snapshot,
            ],
        )
        .await
        .map_err(pg)?;
    if n == 0 {
        return Err(StoreError::Conflict(format!("deployment {} exists", d.id)));
    }
    Ok(())
}

pub async fn get_deployment<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
    id: &str,
) -> StoreResult<Deployment> {
    api_revision(c, s, api).await?;
    let row = c
        .query_opt(
            "SELECT meta FROM deployments WHERE account = $1 AND region = $2 AND api_id = $3 AND deployment_id = $4",
            &[&s.account, &s.region, &api, &id],
        )
        .await
        .map_err(pg)?
        .ok_or(StoreError::NotFound)?;
    from_json(row.get(0))
}

pub async fn get_snapshot<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
    id: &str,
) -> StoreResult<Vec<u8>> {
    let row = c
        .query_opt(
            "SELECT snapshot FROM deployments WHERE account = $1 AND region = $2 AND api_id = $3 AND deployment_id = $4",
            &[&s.account, &s.region, &api, &id],
        )
        .await
        .map_err(pg)?
        .ok_or(StoreError::NotFound)?;
    Ok(row.get(0))
}

pub async fn list_deployments<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
) -> StoreResult<Vec<Deployment>> {
    api_revision(c, s, api).await?;
    let rows = c
        .query(
            "SELECT meta FROM deployments WHERE account = $1 AND region = $2 AND api_id = $3
             ORDER BY created, deployment_id",
            &[&s.account, &s.region, &api],
        )
        .await
        .map_err(pg)?;
    rows.iter().map(|r| from_json(r.get(0))).collect()
}

pub async fn update_deployment<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
    d: &Deployment,
) -> StoreResult<()> {
    one(
        c,
        "UPDATE deployments SET meta = $5 WHERE account = $1 AND region = $2 AND api_id = $3 AND deployment_id = $4",
        &[&s.account, &s.region, &api, &d.id, &to_json(d)],
    )
    .await
}

pub async fn delete_deployment<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
    id: &str,
) -> StoreResult<()> {
    get_deployment(c, s, api, id).await?;
    if list_stages(c, s, api)
        .await?
        .iter()
        .any(|st| st.value.references_deployment(id))
    {
        return Err(StoreError::PreconditionFailed(DEPLOYMENT_IN_USE.into()));
    }
    one(
        c,
        "DELETE FROM deployments WHERE account = $1 AND region = $2 AND api_id = $3 AND deployment_id = $4",
        &[&s.account, &s.region, &api, &id],
    )
    .await
}

async fn deployment_exists<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
    id: &str,
) -> StoreResult<bool> {
    Ok(c
        .query_opt(
            "SELECT 1 FROM deployments WHERE account = $1 AND region = $2 AND api_id = $3 AND deployment_id = $4",
            &[&s.account, &s.region, &api, &id],
        )
        .await
        .map_err(pg)?
        .is_some())
}

pub async fn list_stages<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
) -> StoreResult<Vec<Versioned<Stage>>> {
    api_revision(c, s, api).await?;
    let rows = c
        .query(
            "SELECT doc, revision FROM stages WHERE account = $1 AND region = $2 AND api_id = $3
             ORDER BY stage_name",
            &[&s.account, &s.region, &api],
        )
        .await
        .map_err(pg)?;
    rows.iter()
        .map(|r| {
            Ok(Versioned {
                value: from_json(r.get(0))?,
                revision: rev(r.get(1)),
            })
        })
        .collect()
}

pub async fn get_stage<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
    name: &str,
) -> StoreResult<Versioned<Stage>> {
    api_revision(c, s, api).await?;
    let row = c
        .query_opt(
            "SELECT doc, revision FROM stages WHERE account = $1 AND region = $2 AND api_id = $3 AND stage_name = $4",
            &[&s.account, &s.region, &api, &name],
        )
        .await
        .map_err(pg)?
        .ok_or(StoreError::NotFound)?;
    Ok(Versioned {
        value: from_json(row.get(0))?,
        revision: rev(row.get(1)),
    })
}

pub async fn put_stage<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
    w: &StageWrite,
    new_rev: Revision,
) -> StoreResult<()> {
    let name = &w.stage.stage_name;
    let current = match get_stage(c, s, api, name).await {
        Ok(v) => Some(v.revision),
        Err(StoreError::NotFound) => {
            api_revision(c, s, api).await?;
            None
        }
        Err(e) => return Err(e),
    };
    if current != w.expected {
        return Err(StoreError::Conflict(format!("stage {name} changed")));
    }
    let mut ids = vec![w.stage.deployment_id.as_str()];
    if let Some(d) = w
        .stage
        .canary_settings
        .as_ref()
        .and_then(|c| c.deployment_id.as_deref())
    {
        ids.push(d);
    }
    for id in ids {
        if !deployment_exists(c, s, api, id).await? {
            return Err(StoreError::PreconditionFailed(format!(
                "deployment {id} does not exist"
            )));
        }
    }
    c.execute(
        "INSERT INTO stages (account, region, api_id, stage_name, revision, doc) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (account, region, api_id, stage_name) DO UPDATE SET revision = excluded.revision, doc = excluded.doc",
        &[&s.account, &s.region, &api, name, &(new_rev as i64), &to_json(&w.stage)],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

pub async fn delete_stage<C: GenericClient>(
    c: &C,
    s: &Scope,
    api: &str,
    name: &str,
) -> StoreResult<()> {
    api_revision(c, s, api).await?;
    one(
        c,
        "DELETE FROM stages WHERE account = $1 AND region = $2 AND api_id = $3 AND stage_name = $4",
        &[&s.account, &s.region, &api, &name],
    )
    .await
}

pub async fn all_stages<C: GenericClient>(c: &C) -> StoreResult<Vec<StageRecord>> {
    let rows = c
        .query(
            "SELECT account, region, api_id, doc, revision FROM stages",
            &[],
        )
        .await
        .map_err(pg)?;
    rows.iter()
        .map(|r| {
            Ok(StageRecord {
                scope: Scope::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                api_id: r.get(2),
                stage: from_json(r.get(3))?,
                revision: rev(r.get(4)),
            })
        })
        .collect()
}

pub async fn get_doc<C: GenericClient, T: DeserializeOwned>(
    c: &C,
    kind: Kind,
    s: &Scope,
    id: &str,
) -> StoreResult<Option<T>> {
    c.query_opt(
        "SELECT doc FROM docs WHERE kind = $1 AND account = $2 AND region = $3 AND id = $4",
        &[&kind.name(), &s.account, &s.region, &id],
    )
    .await
    .map_err(pg)?
    .map(|r| from_json(r.get(0)))
    .transpose()
}

pub async fn put_doc<C: GenericClient>(
    c: &C,
    kind: Kind,
    s: &Scope,
    id: &str,
    doc: &str,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO docs (kind, account, region, id, doc) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kind, account, region, id) DO UPDATE SET doc = excluded.doc",
        &[&kind.name(), &s.account, &s.region, &id, &doc],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

pub async fn list_docs<C: GenericClient, T: DeserializeOwned>(
    c: &C,
    kind: Kind,
    s: &Scope,
) -> StoreResult<Vec<T>> {
    let rows = c
        .query(
            "SELECT doc FROM docs WHERE kind = $1 AND account = $2 AND region = $3 ORDER BY id",
            &[&kind.name(), &s.account, &s.region],
        )
        .await
        .map_err(pg)?;
    rows.iter().map(|r| from_json(r.get(0))).collect()
}

pub async fn delete_doc<C: GenericClient>(
    c: &C,
    kind: Kind,
    s: &Scope,
    id: &str,
) -> StoreResult<()> {
    one(
        c,
        "DELETE FROM docs WHERE kind = $1 AND account = $2 AND region = $3 AND id = $4",
        &[&kind.name(), &s.account, &s.region, &id],
    )
    .await
}

/// Every scope's API keys and usage plans.
pub async fn all_keys_and_plans<C: GenericClient>(c: &C) -> StoreResult<Vec<crate::KeysAndPlans>> {
    let mut out: std::collections::BTreeMap<Scope, (Vec<ApiKey>, Vec<UsagePlan>)> =
        Default::default();
    for kind in [Kind::ApiKey, Kind::UsagePlan] {
        let rows = c
            .query(
                "SELECT account, region, doc FROM docs WHERE kind = $1 ORDER BY account, region, id",
                &[&kind.name()],
            )
            .await
            .map_err(pg)?;
        for r in rows {
            let entry = out
                .entry(Scope::new(r.get::<_, String>(0), r.get::<_, String>(1)))
                .or_default();
            match kind {
                Kind::ApiKey => entry.0.push(from_json(r.get(2))?),
                _ => entry.1.push(from_json(r.get(2))?),
            }
        }
    }
    Ok(out.into_iter().map(|(s, (k, p))| (s, k, p)).collect())
}

pub async fn add_usage<C: GenericClient>(
    c: &C,
    s: &Scope,
    counts: &[UsageCount],
) -> StoreResult<()> {
    for u in counts {
        c.execute(
            "INSERT INTO usage (account, region, plan_id, key_id, day, used)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (account, region, plan_id, key_id, day)
             DO UPDATE SET used = usage.used + excluded.used",
            &[
                &s.account, &s.region, &u.plan_id, &u.key_id, &u.day, &u.used,
            ],
        )
        .await
        .map_err(pg)?;
    }
    Ok(())
}

fn usage_row(r: &tokio_postgres::Row, first: usize) -> UsageCount {
    UsageCount {
        plan_id: r.get(first),
        key_id: r.get(first + 1),
        day: r.get(first + 2),
        used: r.get(first + 3),
    }
}

pub async fn get_usage<C: GenericClient>(
    c: &C,
    s: &Scope,
    plan_id: &str,
    key_id: Option<&str>,
    from: i64,
    to: i64,
) -> StoreResult<Vec<UsageCount>> {
    let rows = c
        .query(
            "SELECT plan_id, key_id, day, used FROM usage
             WHERE account = $1 AND region = $2 AND plan_id = $3
               AND ($4::TEXT IS NULL OR key_id = $4) AND day BETWEEN $5 AND $6
             ORDER BY key_id, day",
            &[&s.account, &s.region, &plan_id, &key_id, &from, &to],
        )
        .await
        .map_err(pg)?;
    Ok(rows.iter().map(|r| usage_row(r, 0)).collect())
}

pub async fn all_usage<C: GenericClient>(
    c: &C,
    from: i64,
    to: i64,
) -> StoreResult<Vec<(Scope, UsageCount)>> {
    let rows = c
        .query(
            "SELECT account, region, plan_id, key_id, day, used FROM usage WHERE day BETWEEN $1 AND $2",
            &[&from, &to],
        )
        .await
        .map_err(pg)?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                Scope::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                usage_row(r, 2),
            )
        })
        .collect())
}

/// The key of a base path mapping in the `docs` table.
pub fn mapping_id(domain: &str, base_path: &str) -> String {
    format!("{domain}\n{base_path}")
}

/// A domain's base path mappings, by base path.
pub async fn list_mappings<C: GenericClient>(
    c: &C,
    s: &Scope,
    domain: &str,
) -> StoreResult<Vec<proscenium_model::BasePathMapping>> {
    let prefix = mapping_id(domain, "");
    let rows = c
        .query(
            "SELECT doc FROM docs WHERE kind = $1 AND account = $2 AND region = $3
             AND left(id, length($4)) = $4 ORDER BY id",
            &[
                &Kind::BasePathMapping.name(),
                &s.account,
                &s.region,
                &prefix,
            ],
        )
        .await
        .map_err(pg)?;
    rows.iter().map(|r| from_json(r.get(0))).collect()
}

/// Deletes every mapping of a domain.
pub async fn delete_mappings<C: GenericClient>(c: &C, s: &Scope, domain: &str) -> StoreResult<()> {
    let prefix = mapping_id(domain, "");
    c.execute(
        "DELETE FROM docs WHERE kind = $1 AND account = $2 AND region = $3
         AND left(id, length($4)) = $4",
        &[
            &Kind::BasePathMapping.name(),
            &s.account,
            &s.region,
            &prefix,
        ],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

/// Every scope's domain names with their mappings.
pub async fn all_domain_names<C: GenericClient>(c: &C) -> StoreResult<Vec<crate::DomainRecord>> {
    let mut out: Vec<crate::DomainRecord> = Vec::new();
    let rows = c
        .query(
            "SELECT account, region, doc FROM docs WHERE kind = $1 ORDER BY account, region, id",
            &[&Kind::DomainName.name()],
        )
        .await
        .map_err(pg)?;
    for r in rows {
        out.push(crate::DomainRecord {
            scope: Scope::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            domain: from_json(r.get(2))?,
            mappings: Vec::new(),
        });
    }
    let rows = c
        .query(
            "SELECT account, region, id, doc FROM docs WHERE kind = $1 ORDER BY account, region, id",
            &[&Kind::BasePathMapping.name()],
        )
        .await
        .map_err(pg)?;
    for r in rows {
        let scope = Scope::new(r.get::<_, String>(0), r.get::<_, String>(1));
        let id: String = r.get(2);
        let domain = id.split('\n').next().unwrap_or_default();
        if let Some(rec) = out
            .iter_mut()
            .find(|d| d.scope == scope && d.domain.domain_name == domain)
        {
            rec.mappings.push(from_json(r.get(3))?);
        }
    }
    Ok(out)
}
