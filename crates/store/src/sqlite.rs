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

use crate::create_batch::{CreateJob, CreateQueue};
use crate::error::{StoreError, db_error};
use crate::model::*;
use crate::rows::*;
use crate::sql::{NOTIFICATIONS_PER_INSERT, check_batch, impl_store, placeholders, values_list};
use crate::sql_monitoring::impl_monitoring;
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
    /// New tickets, written in batches on the writer connection (see `create_batch`).
    creates: CreateQueue,
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
        let batch_writer = writer.clone();
        let creates = CreateQueue::start(move |jobs| {
            let writer = batch_writer.clone();
            async move { SqliteStore::write_ticket_batch(&writer, jobs).await }
        });
        Ok(SqliteStore {
            pool,
            writer,
            creates,
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
        Self::begin_on(&self.writer).await
    }

    /// A write transaction on `writer` that takes the write lock at once.
    async fn begin_on(
        writer: &SqlitePool,
    ) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        writer.begin_with("BEGIN IMMEDIATE").await.map_err(db_error)
    }

    /// Inserts a batch of new tickets in the given transaction, one after the other (SQLite
    /// statements cost no network round trip). A ticket whose contract is not its customer's
    /// fails alone (nothing of it was written); any other failure fails the batch.
    async fn insert_ticket_batch(
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        jobs: &[CreateJob],
    ) -> StoreResult<Vec<StoreResult<TicketWithEvent>>> {
        let mut results = Vec::with_capacity(jobs.len());
        for job in jobs {
            match Self::insert_ticket(tx, &job.new, &job.created).await {
                Err(StoreError::NotFound(what)) => results.push(Err(StoreError::NotFound(what))),
                Err(e) => return Err(e),
                Ok(done) => results.push(Ok(done)),
            }
        }
        Ok(results)
    }

    /// Inserts a new ticket (numbered within its provider), its first event and its
    /// attachments in the given transaction.
    async fn insert_ticket(
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        new: &NewTicket,
        created: &NewEvent,
    ) -> StoreResult<TicketWithEvent> {
        let (sla, next_change, next_due) = cache_cols(new.sla.as_ref())?;
        let binding = binding_cols(new.policy.as_ref());
        let created_at = ns(new.created_at)?;
        // The contract's provider and the next number of that provider in one statement
        // (the transaction holds the write lock, or on PostgreSQL the counter's row, from
        // here to its commit); no row when the contract is not the customer's.
        let numbered: Option<(i64, i64)> = sqlx::query_as(
            "INSERT INTO ticket_counters (provider_id, last_number) \
             SELECT provider_id, 1 FROM contracts WHERE id = $1 AND customer_org_id = $2 \
             ON CONFLICT (provider_id) \
             DO UPDATE SET last_number = ticket_counters.last_number + 1 \
             RETURNING provider_id, last_number",
        )
        .bind(new.contract_id)
        .bind(new.customer_org_id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)?;
        let Some((provider, number)) = numbered else {
            return Err(StoreError::NotFound("contract"));
        };
        let ticket: TicketRow = sqlx::query_as(concat!(
            "INSERT INTO tickets (provider_id, number, contract_id, customer_org_id, kind, \
             priority, attributes, channel, reporter_id, title, description, fields, \
             observed_at, observed_tz, status, is_open, assignee_id, created_at, \
             updated_at, last_seq, sla, sla_seq, next_change, next_due, policy_preset, \
             policy_id, policy_add_ons) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
             $16, $17, $18, $18, 1, $19, $20, $21, $22, $23, $24, $25) RETURNING ",
            ticket_cols!()
        ))
        .bind(provider)
        .bind(number)
        .bind(new.contract_id)
        .bind(new.customer_org_id)
        .bind(&new.kind)
        .bind(&new.priority)
        .bind(Json(&new.attributes))
        .bind(new.channel.as_deref())
        .bind(new.reporter_id)
        .bind(&new.title)
        .bind(&new.description)
        .bind(Json(&new.fields))
        .bind(ns_opt(new.observed_at)?)
        .bind(new.observed_tz.as_deref())
        .bind(new.status.as_str())
        .bind(new.status.is_open())
        .bind(new.assignee_id)
        .bind(created_at)
        .bind(sla)
        .bind(if new.sla.is_some() { 1_i64 } else { 0 })
        .bind(next_change)
        .bind(next_due)
        .bind(binding.0)
        .bind(binding.1)
        .bind(binding.2)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_error)?;
        let event: EventRow = sqlx::query_as(concat!(
            "INSERT INTO ticket_events (ticket_id, seq, at, event_type, payload, actor_id, \
             visibility) VALUES ($1, 1, $2, $3, $4, $5, $6) RETURNING ",
            event_cols!()
        ))
        .bind(ticket.cursor().id)
        .bind(ns(created.at)?)
        .bind(&created.event_type)
        .bind(Json(&created.payload))
        .bind(created.actor_id)
        .bind(created.visibility.as_str())
        .fetch_one(&mut **tx)
        .await
        .map_err(db_error)?;
        for attachment in &new.attachments {
            let _: AttachmentRow = insert_attachment!(attachment, ticket.cursor().id)
                .fetch_one(&mut **tx)
                .await
                .map_err(db_error)?;
        }
        Ok(TicketWithEvent {
            ticket: ticket.try_into()?,
            event: event.try_into()?,
        })
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

impl_store!(
    SqliteStore,
    sqlx::Sqlite,
    "sqlite",
    contacts_json = "(SELECT json_group_array(user_id) FROM (SELECT user_id FROM contract_contacts \
                     WHERE contract_id = contracts.id ORDER BY user_id))",
    // One writer at a time: a claim is exclusive without row locks.
    skip_locked = "",
    // SQLite looks a numbered parameter up by a linear scan of the statement's parameters,
    // so a statement's cost grows with the square of its parameters: many small statements
    // (no round trips here) beat a few large ones.
    max_params = 256
);

impl_monitoring!(
    SqliteStore,
    locations = "json_each(m.locations) AS l",
    // One writer at a time: a claim and an advance are exclusive without row locks.
    skip_locked = "",
    for_update = "",
    max_params = 256
);
