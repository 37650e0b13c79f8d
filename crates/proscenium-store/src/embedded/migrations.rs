//! Schema migrations of the embedded store, applied in order and tracked by `user_version`.
//!
//! Never edit a shipped migration: append a new one. A database newer than this binary is
//! refused rather than guessed at.

use rusqlite::Connection;

use super::backend;
use crate::{StoreError, StoreResult};

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
     INSERT INTO meta (key, value) VALUES ('revision', 0);
     CREATE TABLE apis (
        account TEXT NOT NULL, region TEXT NOT NULL, api_id TEXT NOT NULL,
        revision INTEGER NOT NULL, created REAL NOT NULL,
        header TEXT NOT NULL, definition TEXT NOT NULL,
        PRIMARY KEY (account, region, api_id));
     CREATE TABLE deployments (
        account TEXT NOT NULL, region TEXT NOT NULL, api_id TEXT NOT NULL, deployment_id TEXT NOT NULL,
        created REAL NOT NULL, meta TEXT NOT NULL, snapshot BLOB NOT NULL,
        PRIMARY KEY (account, region, api_id, deployment_id),
        FOREIGN KEY (account, region, api_id) REFERENCES apis (account, region, api_id) ON DELETE CASCADE);
     CREATE TABLE stages (
        account TEXT NOT NULL, region TEXT NOT NULL, api_id TEXT NOT NULL, stage_name TEXT NOT NULL,
        revision INTEGER NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (account, region, api_id, stage_name),
        FOREIGN KEY (account, region, api_id) REFERENCES apis (account, region, api_id) ON DELETE CASCADE);
     CREATE TABLE accounts (
        account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (account, region, id));
     CREATE TABLE client_certificates (
        account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (account, region, id));",
    // 2: API keys, usage plans (with their keys), and usage counted per plan, key and day.
    "CREATE TABLE api_keys (
        account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (account, region, id));
     CREATE TABLE usage_plans (
        account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (account, region, id));
     CREATE TABLE usage (
        account TEXT NOT NULL, region TEXT NOT NULL, plan_id TEXT NOT NULL, key_id TEXT NOT NULL,
        day INTEGER NOT NULL, used INTEGER NOT NULL,
        PRIMARY KEY (account, region, plan_id, key_id, day));",
    // 3: VPC links (account-level documents, like client certificates).
    "CREATE TABLE vpc_links (
        account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (account, region, id));",
    // 4: custom domain names and their base path mappings (one document each).
    "CREATE TABLE domain_names (
        account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (account, region, id));
     CREATE TABLE base_path_mappings (
        account TEXT NOT NULL, region TEXT NOT NULL, domain_name TEXT NOT NULL,
        base_path TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (account, region, domain_name, base_path),
        FOREIGN KEY (account, region, domain_name)
          REFERENCES domain_names (account, region, id) ON DELETE CASCADE);",
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub fn version(conn: &Connection) -> StoreResult<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)
}

pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let current = version(conn)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::Backend(format!(
            "the data directory was written by a newer Proscenium (schema {current}, this binary knows {SCHEMA_VERSION})"
        )));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_batch(step).map_err(backend)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}
