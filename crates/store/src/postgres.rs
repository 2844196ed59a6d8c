//! The PostgreSQL backend.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::Connection;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::types::Json;

use crate::error::{StoreError, db_error};
use crate::model::*;
use crate::rows::*;
use crate::sql::impl_store;
use crate::store::StoreResult;
use crate::url::{redact_url, scrub};

static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// A pooled connection idle at least this long is pinged before it is used again.
const PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// The store on a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects. A database that does not exist is `store.config` naming it (it is never
    /// created here); the password never appears in an error.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let shown = redact_url(url);
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Config(format!(
                "invalid PostgreSQL URL {shown:?}: {}",
                scrub(&e.to_string(), url)
            ))
        })?;
        let database = options
            .get_database()
            .unwrap_or(options.get_username())
            .to_string();
        let server = format!("{}:{}", options.get_host(), options.get_port());
        // One direct connection first: it fails at once with the server's own error, where
        // the pool would retry until its acquire timeout.
        let check = PgConnection::connect_with(&options).await.map_err(|e| {
            let code = e
                .as_database_error()
                .and_then(|d| d.code().map(|c| c.into_owned()));
            match code.as_deref() {
                Some("3D000") => StoreError::Config(format!(
                    "the PostgreSQL database {database:?} does not exist on {server} \
                         (create it first: createdb {database})"
                )),
                Some("28P01" | "28000") => StoreError::Config(format!(
                    "PostgreSQL refused the credentials of {shown:?}: {}",
                    scrub(&e.to_string(), url)
                )),
                _ => StoreError::Database(format!(
                    "cannot connect to {shown:?}: {}",
                    scrub(&e.to_string(), url)
                )),
            }
        })?;
        check.close().await.map_err(db_error)?;
        // A connection is pinged before use only after it sat idle for a while (where a
        // restarted server or a dropped idle connection is likely), not before every query:
        // sqlx's default `test_before_acquire` costs a network round trip per query.
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| {
                StoreError::Database(format!(
                    "cannot connect to {shown:?}: {}",
                    scrub(&e.to_string(), url)
                ))
            })?;
        Ok(PgStore { pool })
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.pool.begin().await.map_err(db_error)
    }

    async fn run_migrations(&self) -> StoreResult<Vec<String>> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        let table = MIGRATOR.table_name.clone();
        conn.ensure_migrations_table(&table)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let before: HashSet<i64> = conn
            .list_applied_migrations(&table)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?
            .into_iter()
            .map(|m| m.version)
            .collect();
        // The migrator holds an advisory lock while it runs, so replicas starting together
        // apply each migration once.
        drop(conn);
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(crate::applied_names(&MIGRATOR, &before))
    }
}

impl_store!(PgStore, "postgres");
