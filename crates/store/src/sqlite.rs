//! The SQLite backend: one file in WAL mode.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;

use crate::error::{StoreError, db_error};
use crate::model::*;
use crate::rows::*;
use crate::sql::impl_store;
use crate::store::StoreResult;

static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a connection waits for another's write lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The store on a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The one connection that runs write transactions. SQLite allows one writer at a time
    /// anyway; with every pooled connection able to write, one that finds the lock taken
    /// sleeps in its busy handler (1, 2, 5, 10 … ms) and leaves the lock idle once it is
    /// released, and each transaction starts on a page cache that another connection's
    /// commit has invalidated. Queued for this connection instead, each writer starts the
    /// moment the previous one commits, on a warm cache. Other processes still meet
    /// `busy_timeout`.
    writer: SqlitePool,
    path: String,
}

impl SqliteStore {
    /// Opens the file (creating it only when `create` is true) with WAL, `busy_timeout`,
    /// `synchronous=NORMAL` and `foreign_keys=ON` on every connection.
    pub async fn open(path: &str, create: bool) -> Result<SqliteStore, StoreError> {
        if !create && !Path::new(path).exists() {
            return Err(StoreError::Config(format!(
                "the SQLite database {path:?} does not exist (it is created only on request, so \
                 that a mistyped URL never starts an empty database)"
            )));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let cannot = |e: sqlx::Error| {
            StoreError::Config(format!("cannot open the SQLite database {path:?}: {e}"))
        };
        // No ping before each use (sqlx's `test_before_acquire`): a file does not go away like
        // a server, and the ping cost a round trip through the connection's worker thread on
        // every query.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(cannot)?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(cannot)?;
        Ok(SqliteStore {
            pool,
            writer,
            path: path.to_string(),
        })
    }

    /// The file's path as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// A write transaction on the writer connection (waiting for it while another write
    /// transaction runs) that takes the write lock at once.
    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)
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
        drop(conn);
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(crate::applied_names(&MIGRATOR, &before))
    }
}

impl_store!(SqliteStore, "sqlite");
