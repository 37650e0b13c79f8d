//! The SQL of the embedded store: one small function per statement family.

use proscenium_model::{
    ApiDefinition, ApiKey, BasePathMapping, Deployment, DeploymentSnapshot, RestApi, Scope, Stage,
    UsagePlan,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::backend;
use crate::{
    DEPLOYMENT_IN_USE, Revision, StageRecord, StageWrite, StoreError, StoreResult, UsageCount,
    Versioned,
};

pub fn to_json<T: Serialize>(v: &T) -> String {
    // Plain data always serialises.
    serde_json::to_string(v).unwrap_or_default()
}

fn from_json<T: DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Backend(format!("corrupt record: {e}")))
}

/// Runs a query without parameters and reads the first `N` columns of every row as text.
fn text_rows<const N: usize>(c: &Connection, sql: &str) -> StoreResult<Vec<[String; N]>> {
    let mut st = c.prepare_cached(sql).map_err(backend)?;
    let rows = st
        .query_map([], |r| {
            let mut row: [String; N] = std::array::from_fn(|_| String::new());
            for (i, cell) in row.iter_mut().enumerate() {
                *cell = r.get(i)?;
            }
            Ok(row)
        })
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend)).collect()
}

fn next_revision(c: &Connection) -> StoreResult<Revision> {
    c.query_row(
        "UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|v| v as Revision)
    .map_err(backend)
}

pub fn list_apis(c: &Connection, s: &Scope) -> StoreResult<Vec<RestApi>> {
    let mut st = c
        .prepare_cached(
            "SELECT header FROM apis WHERE account = ?1 AND region = ?2 ORDER BY created, api_id",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![s.account, s.region], |r| r.get::<_, String>(0))
        .map_err(backend)?;
    rows.map(|r| from_json(&r.map_err(backend)?)).collect()
}

pub fn api_revision(c: &Connection, s: &Scope, api: &str) -> StoreResult<Revision> {
    c.query_row(
        "SELECT revision FROM apis WHERE account = ?1 AND region = ?2 AND api_id = ?3",
        params![s.account, s.region, api],
        |r| r.get::<_, i64>(0),
    )
    .optional()
    .map_err(backend)?
    .map(|v| v as Revision)
    .ok_or(StoreError::NotFound)
}

pub fn get_api(c: &Connection, s: &Scope, api: &str) -> StoreResult<ApiDefinition> {
    let doc: String = c
        .query_row(
            "SELECT definition FROM apis WHERE account = ?1 AND region = ?2 AND api_id = ?3",
            params![s.account, s.region, api],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?
        .ok_or(StoreError::NotFound)?;
    from_json(&doc)
}

pub fn put_api(
    c: &Connection,
    s: &Scope,
    def: &ApiDefinition,
    expected: Option<Revision>,
) -> StoreResult<Revision> {
    let current = match api_revision(c, s, &def.api.id) {
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
    let rev = next_revision(c)?;
    c.execute(
        "INSERT INTO apis (account, region, api_id, revision, created, header, definition)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (account, region, api_id) DO UPDATE SET
           revision = excluded.revision, header = excluded.header, definition = excluded.definition",
        params![
            s.account,
            s.region,
            def.api.id,
            rev as i64,
            def.api.created_date,
            to_json(&def.api),
            to_json(def)
        ],
    )
    .map_err(backend)?;
    Ok(rev)
}

pub fn delete_api(c: &Connection, s: &Scope, api: &str) -> StoreResult<()> {
    let n = c
        .execute(
            "DELETE FROM apis WHERE account = ?1 AND region = ?2 AND api_id = ?3",
            params![s.account, s.region, api],
        )
        .map_err(backend)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub fn insert_deployment(
    c: &Connection,
    s: &Scope,
    api: &str,
    d: &Deployment,
    snapshot: &[u8],
) -> StoreResult<()> {
    api_revision(c, s, api)?;
    c.execute(
        "INSERT INTO deployments (account, region, api_id, deployment_id, created, meta, snapshot)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            s.account,
            s.region,
            api,
            d.id,
            d.created_date,
            to_json(d),
            snapshot
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(format!("deployment {} exists", d.id))
        }
        e => backend(e),
    })?;
    Ok(())
}

pub fn get_deployment(c: &Connection, s: &Scope, api: &str, id: &str) -> StoreResult<Deployment> {
    api_revision(c, s, api)?;
    let doc: String = c
        .query_row(
            "SELECT meta FROM deployments WHERE account = ?1 AND region = ?2 AND api_id = ?3 AND deployment_id = ?4",
            params![s.account, s.region, api, id],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?
        .ok_or(StoreError::NotFound)?;
    from_json(&doc)
}

pub fn get_snapshot(
    c: &Connection,
    s: &Scope,
    api: &str,
    id: &str,
) -> StoreResult<DeploymentSnapshot> {
    let bytes: Vec<u8> = c
        .query_row(
            "SELECT snapshot FROM deployments WHERE account = ?1 AND region = ?2 AND api_id = ?3 AND deployment_id = ?4",
            params![s.account, s.region, api, id],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?
        .ok_or(StoreError::NotFound)?;
    DeploymentSnapshot::decode(&bytes).map_err(|e| StoreError::Backend(e.to_string()))
}

pub fn list_deployments(c: &Connection, s: &Scope, api: &str) -> StoreResult<Vec<Deployment>> {
    api_revision(c, s, api)?;
    let mut st = c
        .prepare_cached(
            "SELECT meta FROM deployments WHERE account = ?1 AND region = ?2 AND api_id = ?3 ORDER BY created, deployment_id",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![s.account, s.region, api], |r| r.get::<_, String>(0))
        .map_err(backend)?;
    rows.map(|r| from_json(&r.map_err(backend)?)).collect()
}

pub fn update_deployment(c: &Connection, s: &Scope, api: &str, d: &Deployment) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE deployments SET meta = ?5 WHERE account = ?1 AND region = ?2 AND api_id = ?3 AND deployment_id = ?4",
            params![s.account, s.region, api, d.id, to_json(d)],
        )
        .map_err(backend)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub fn delete_deployment(c: &Connection, s: &Scope, api: &str, id: &str) -> StoreResult<()> {
    get_deployment(c, s, api, id)?;
    if list_stages(c, s, api)?
        .iter()
        .any(|st| st.value.references_deployment(id))
    {
        return Err(StoreError::PreconditionFailed(DEPLOYMENT_IN_USE.into()));
    }
    c.execute(
        "DELETE FROM deployments WHERE account = ?1 AND region = ?2 AND api_id = ?3 AND deployment_id = ?4",
        params![s.account, s.region, api, id],
    )
    .map_err(backend)?;
    Ok(())
}

fn deployment_exists(c: &Connection, s: &Scope, api: &str, id: &str) -> StoreResult<bool> {
    c.query_row(
        "SELECT 1 FROM deployments WHERE account = ?1 AND region = ?2 AND api_id = ?3 AND deployment_id = ?4",
        params![s.account, s.region, api, id],
        |_| Ok(()),
    )
    .optional()
    .map(|o| o.is_some())
    .map_err(backend)
}

pub fn list_stages(c: &Connection, s: &Scope, api: &str) -> StoreResult<Vec<Versioned<Stage>>> {
    api_revision(c, s, api)?;
    let mut st = c
        .prepare_cached(
            "SELECT doc, revision FROM stages WHERE account = ?1 AND region = ?2 AND api_id = ?3 ORDER BY stage_name",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![s.account, s.region, api], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (doc, rev) = r.map_err(backend)?;
        Ok(Versioned {
            value: from_json(&doc)?,
            revision: rev as Revision,
        })
    })
    .collect()
}

pub fn get_stage(
    c: &Connection,
    s: &Scope,
    api: &str,
    name: &str,
) -> StoreResult<Versioned<Stage>> {
    api_revision(c, s, api)?;
    let (doc, rev): (String, i64) = c
        .query_row(
            "SELECT doc, revision FROM stages WHERE account = ?1 AND region = ?2 AND api_id = ?3 AND stage_name = ?4",
            params![s.account, s.region, api, name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?
        .ok_or(StoreError::NotFound)?;
    Ok(Versioned {
        value: from_json(&doc)?,
        revision: rev as Revision,
    })
}

pub fn put_stage(c: &Connection, s: &Scope, api: &str, w: &StageWrite) -> StoreResult<Revision> {
    let name = &w.stage.stage_name;
    let current = match get_stage(c, s, api, name) {
        Ok(v) => Some(v.revision),
        Err(StoreError::NotFound) => {
            api_revision(c, s, api)?;
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
        if !deployment_exists(c, s, api, id)? {
            return Err(StoreError::PreconditionFailed(format!(
                "deployment {id} does not exist"
            )));
        }
    }
    let rev = next_revision(c)?;
    c.execute(
        "INSERT INTO stages (account, region, api_id, stage_name, revision, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account, region, api_id, stage_name) DO UPDATE SET revision = excluded.revision, doc = excluded.doc",
        params![s.account, s.region, api, name, rev as i64, to_json(&w.stage)],
    )
    .map_err(backend)?;
    Ok(rev)
}

pub fn delete_stage(c: &Connection, s: &Scope, api: &str, name: &str) -> StoreResult<()> {
    api_revision(c, s, api)?;
    let n = c
        .execute(
            "DELETE FROM stages WHERE account = ?1 AND region = ?2 AND api_id = ?3 AND stage_name = ?4",
            params![s.account, s.region, api, name],
        )
        .map_err(backend)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub fn all_stages(c: &Connection) -> StoreResult<Vec<StageRecord>> {
    let mut st = c
        .prepare_cached("SELECT account, region, api_id, doc, revision FROM stages")
        .map_err(backend)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (account, region, api_id, doc, rev) = r.map_err(backend)?;
        Ok(StageRecord {
            scope: Scope { account, region },
            api_id,
            stage: from_json(&doc)?,
            revision: rev as Revision,
        })
    })
    .collect()
}

/// Generic per-scope documents (`accounts`, `client_certificates`, `domain_names`, …).
pub fn get_doc<T: DeserializeOwned>(
    c: &Connection,
    table: &str,
    s: &Scope,
    id: &str,
) -> StoreResult<Option<T>> {
    let doc: Option<String> = c
        .query_row(
            &format!("SELECT doc FROM {table} WHERE account = ?1 AND region = ?2 AND id = ?3"),
            params![s.account, s.region, id],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    doc.map(|d| from_json(&d)).transpose()
}

pub fn put_doc(c: &Connection, table: &str, s: &Scope, id: &str, doc: &str) -> StoreResult<()> {
    c.execute(
        &format!(
            "INSERT INTO {table} (account, region, id, doc) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account, region, id) DO UPDATE SET doc = excluded.doc"
        ),
        params![s.account, s.region, id, doc],
    )
    .map_err(backend)?;
    Ok(())
}

pub fn list_docs<T: DeserializeOwned>(
    c: &Connection,
    table: &str,
    s: &Scope,
) -> StoreResult<Vec<T>> {
    let mut st = c
        .prepare(&format!(
            "SELECT doc FROM {table} WHERE account = ?1 AND region = ?2 ORDER BY id"
        ))
        .map_err(backend)?;
    let rows = st
        .query_map(params![s.account, s.region], |r| r.get::<_, String>(0))
        .map_err(backend)?;
    rows.map(|r| from_json(&r.map_err(backend)?)).collect()
}

pub fn delete_doc(c: &Connection, table: &str, s: &Scope, id: &str) -> StoreResult<()> {
    let n = c
        .execute(
            &format!("DELETE FROM {table} WHERE account = ?1 AND region = ?2 AND id = ?3"),
            params![s.account, s.region, id],
        )
        .map_err(backend)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Every scope's API keys and usage plans.
pub fn all_keys_and_plans(c: &Connection) -> StoreResult<Vec<crate::KeysAndPlans>> {
    let mut out: std::collections::BTreeMap<Scope, (Vec<ApiKey>, Vec<UsagePlan>)> =
        Default::default();
    for table in ["api_keys", "usage_plans"] {
        let rows = text_rows(
            c,
            &format!("SELECT account, region, doc FROM {table} ORDER BY account, region, id"),
        )?;
        for [account, region, doc] in rows {
            let entry = out.entry(Scope::new(account, region)).or_default();
            if table == "api_keys" {
                entry.0.push(from_json(&doc)?);
            } else {
                entry.1.push(from_json(&doc)?);
            }
        }
    }
    Ok(out.into_iter().map(|(s, (k, p))| (s, k, p)).collect())
}

/// Adds counts in one transaction.
pub fn add_usage(c: &mut Connection, s: &Scope, counts: &[UsageCount]) -> StoreResult<()> {
    let tx = c.transaction().map_err(backend)?;
    {
        let mut st = tx
            .prepare(
                "INSERT INTO usage (account, region, plan_id, key_id, day, used)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (account, region, plan_id, key_id, day)
                 DO UPDATE SET used = used + excluded.used",
            )
            .map_err(backend)?;
        for u in counts {
            st.execute(params![
                s.account, s.region, u.plan_id, u.key_id, u.day, u.used
            ])
            .map_err(backend)?;
        }
    }
    tx.commit().map_err(backend)
}

fn usage_row(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<UsageCount> {
    Ok(UsageCount {
        plan_id: r.get(first)?,
        key_id: r.get(first + 1)?,
        day: r.get(first + 2)?,
        used: r.get(first + 3)?,
    })
}

pub fn get_usage(
    c: &Connection,
    s: &Scope,
    plan_id: &str,
    key_id: Option<&str>,
    from: i64,
    to: i64,
) -> StoreResult<Vec<UsageCount>> {
    let mut st = c
        .prepare(
            "SELECT plan_id, key_id, day, used FROM usage
             WHERE account = ?1 AND region = ?2 AND plan_id = ?3
               AND (?4 IS NULL OR key_id = ?4) AND day BETWEEN ?5 AND ?6
             ORDER BY key_id, day",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(
            params![s.account, s.region, plan_id, key_id, from, to],
            |r| usage_row(r, 0),
        )
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend)).collect()
}

pub fn all_usage(c: &Connection, from: i64, to: i64) -> StoreResult<Vec<(Scope, UsageCount)>> {
    let mut st = c
        .prepare(
            "SELECT account, region, plan_id, key_id, day, used FROM usage
             WHERE day BETWEEN ?1 AND ?2",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![from, to], |r| {
            Ok((
                Scope::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                usage_row(r, 2)?,
            ))
        })
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend)).collect()
}

fn domain_exists(c: &Connection, s: &Scope, domain: &str) -> StoreResult<bool> {
    c.query_row(
        "SELECT 1 FROM domain_names WHERE account = ?1 AND region = ?2 AND id = ?3",
        params![s.account, s.region, domain],
        |_| Ok(()),
    )
    .optional()
    .map_err(backend)
    .map(|r| r.is_some())
}

pub fn list_base_path_mappings(
    c: &Connection,
    s: &Scope,
    domain: &str,
) -> StoreResult<Vec<BasePathMapping>> {
    if !domain_exists(c, s, domain)? {
        return Err(StoreError::NotFound);
    }
    let mut st = c
        .prepare_cached(
            "SELECT doc FROM base_path_mappings
             WHERE account = ?1 AND region = ?2 AND domain_name = ?3 ORDER BY base_path",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![s.account, s.region, domain], |r| {
            r.get::<_, String>(0)
        })
        .map_err(backend)?;
    rows.map(|r| from_json(&r.map_err(backend)?)).collect()
}

/// Writes a mapping (and removes the one it replaces), in the caller's transaction.
pub fn put_base_path_mapping(
    c: &Connection,
    s: &Scope,
    domain: &str,
    mapping: &BasePathMapping,
    replacing: Option<&str>,
) -> StoreResult<()> {
    if !domain_exists(c, s, domain)? {
        return Err(StoreError::NotFound);
    }
    if let Some(old) = replacing.filter(|old| *old != mapping.base_path) {
        delete_base_path_mapping(c, s, domain, old)?;
    }
    c.execute(
        "INSERT INTO base_path_mappings (account, region, domain_name, base_path, doc)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account, region, domain_name, base_path) DO UPDATE SET doc = excluded.doc",
        params![
            s.account,
            s.region,
            domain,
            mapping.base_path,
            to_json(mapping)
        ],
    )
    .map_err(backend)?;
    Ok(())
}

pub fn delete_base_path_mapping(
    c: &Connection,
    s: &Scope,
    domain: &str,
    base_path: &str,
) -> StoreResult<()> {
    let n = c
        .execute(
            "DELETE FROM base_path_mappings
             WHERE account = ?1 AND region = ?2 AND domain_name = ?3 AND base_path = ?4",
            params![s.account, s.region, domain, base_path],
        )
        .map_err(backend)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Every domain name of every scope, with its mappings.
pub fn all_domain_names(c: &Connection) -> StoreResult<Vec<crate::DomainRecord>> {
    let mut out: Vec<crate::DomainRecord> = Vec::new();
    let mut index: std::collections::HashMap<(String, String, String), usize> = Default::default();
    let domains = text_rows(
        c,
        "SELECT account, region, id, doc FROM domain_names ORDER BY account, region, id",
    )?;
    for [account, region, id, doc] in domains {
        index.insert((account.clone(), region.clone(), id), out.len());
        out.push(crate::DomainRecord {
            scope: Scope::new(account, region),
            domain: from_json(&doc)?,
            mappings: Vec::new(),
        });
    }
    let mappings = text_rows(
        c,
        "SELECT account, region, domain_name, doc FROM base_path_mappings
         ORDER BY account, region, domain_name, base_path",
    )?;
    for [account, region, domain, doc] in mappings {
        if let Some(&i) = index.get(&(account, region, domain)) {
            out[i].mappings.push(from_json(&doc)?);
        }
    }
    Ok(out)
}
