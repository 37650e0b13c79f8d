//! Schema migrations of the PostgreSQL store, applied in order under an advisory lock (several
//! nodes starting at once migrate once) and tracked in `proscenium_schema`.
//!
//! Never edit a shipped migration: append a new one. A database newer than this binary is
//! refused rather than guessed at. Plain SQL only (PostgreSQL ≥ 13, no extensions).
//!
//! Most entities need no migration: account-level documents live in the generic `docs` table
//! keyed by `(kind, account, region, id)` (see `sql::Kind`).

use tokio_postgres::Client;

use super::pg;
use crate::{StoreError, StoreResult};

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema. Identifiers sort bytewise (COLLATE "C"), as in the embedded store.
    r#"CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
     INSERT INTO meta (key, value) VALUES ('revision', 0);
     CREATE TABLE apis (
        account TEXT COLLATE "C" NOT NULL, region TEXT COLLATE "C" NOT NULL,
        api_id TEXT COLLATE "C" NOT NULL,
        revision BIGINT NOT NULL, created DOUBLE PRECISION NOT NULL,
        header TEXT NOT NULL, definition TEXT NOT NULL,
        PRIMARY KEY (account, region, api_id));
     CREATE TABLE deployments (
        account TEXT COLLATE "C" NOT NULL, region TEXT COLLATE "C" NOT NULL,
        api_id TEXT COLLATE "C" NOT NULL, deployment_id TEXT COLLATE "C" NOT NULL,
        created DOUBLE PRECISION NOT NULL, meta TEXT NOT NULL, snapshot BYTEA NOT NULL,
        PRIMARY KEY (account, region, api_id, deployment_id),
        FOREIGN KEY (account, region, api_id) REFERENCES apis (account, region, api_id) ON DELETE CASCADE);
     CREATE TABLE stages (
        account TEXT COLLATE "C" NOT NULL, region TEXT COLLATE "C" NOT NULL,
        api_id TEXT COLLATE "C" NOT NULL, stage_name TEXT COLLATE "C" NOT NULL,
        revision BIGINT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (account, region, api_id, stage_name),
        FOREIGN KEY (account, region, api_id) REFERENCES apis (account, region, api_id) ON DELETE CASCADE);
     CREATE TABLE docs (
        kind TEXT COLLATE "C" NOT NULL, account TEXT COLLATE "C" NOT NULL,
        region TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (kind, account, region, id));
     CREATE TABLE usage (
        account TEXT COLLATE "C" NOT NULL, region TEXT COLLATE "C" NOT NULL,
        plan_id TEXT COLLATE "C" NOT NULL, key_id TEXT COLLATE "C" NOT NULL,
        day BIGINT NOT NULL, used BIGINT NOT NULL,
        PRIMARY KEY (account, region, plan_id, key_id, day));"#,
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Any 64-bit number the nodes agree on: the lock that serialises migrations.
const MIGRATION_LOCK: i64 = 0x7072_6f73_6365_6e69; // "prosceni"

pub async fn version(c: &Client) -> StoreResult<i32> {
    let row = c
        .query_opt("SELECT version FROM proscenium_schema", &[])
        .await
        .map_err(pg)?;
    Ok(row.map(|r| r.get(0)).unwrap_or(0))
}

/// Migrates on `c`, a connection of its own: the session-level advisory lock is released when
/// it closes, even if a step fails half-way (each step is its own transaction).
pub async fn migrate(c: &mut Client) -> StoreResult<()> {
    c.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg)?;
    c.batch_execute("CREATE TABLE IF NOT EXISTS proscenium_schema (version INTEGER NOT NULL)")
        .await
        .map_err(pg)?;
    let current = version(c).await?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::Backend(format!(
            "the database was written by a newer Proscenium (schema {current}, this binary knows {SCHEMA_VERSION})"
        )));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = c.transaction().await.map_err(pg)?;
        tx.batch_execute(step).await.map_err(pg)?;
        tx.execute("DELETE FROM proscenium_schema", &[])
            .await
            .map_err(pg)?;
        tx.execute(
            "INSERT INTO proscenium_schema (version) VALUES ($1)",
            &[&((i + 1) as i32)],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
    }
    c.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg)?;
    Ok(())
}
