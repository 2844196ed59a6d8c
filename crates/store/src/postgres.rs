//! The PostgreSQL backend.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::Connection;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::types::Json;

use crate::create_batch::{CreateJob, CreateQueue};
use crate::error::{StoreError, db_error};
use crate::model::*;
use crate::rows::*;
use crate::sql::{NOTIFICATIONS_PER_INSERT, check_batch, impl_store, placeholders, values_list};
use crate::sql_monitoring::impl_monitoring;
use crate::store::StoreResult;
use crate::url::{redact_url, scrub};

static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// A pooled connection idle at least this long is pinged before it is used again.
const PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// A row of the batch insert: the ticket, its `created` event's id and its place in the
/// batch (from 1).
#[derive(sqlx::FromRow)]
struct BatchCreatedRow {
    #[sqlx(flatten)]
    ticket: TicketRow,
    event_id: i64,
    ord: i64,
}

/// The `created` event as written with a new ticket.
fn first_event(id: i64, ticket_id: i64, created: &NewEvent) -> StoredEvent {
    StoredEvent {
        id,
        ticket_id,
        seq: 1,
        at: created.at,
        event_type: created.event_type.clone(),
        payload: created.payload.clone(),
        actor_id: created.actor_id,
        visibility: created.visibility,
    }
}

/// A batch of new tickets column by column, for `UNNEST` (JSON as text, cast in SQL).
#[derive(Default)]
struct BatchColumns {
    contract_id: Vec<i64>,
    customer_org_id: Vec<i64>,
    kind: Vec<String>,
    priority: Vec<String>,
    attributes: Vec<String>,
    channel: Vec<Option<String>>,
    reporter_id: Vec<Option<i64>>,
    title: Vec<String>,
    description: Vec<String>,
    fields: Vec<String>,
    observed_at: Vec<Option<i64>>,
    observed_tz: Vec<Option<String>>,
    status: Vec<&'static str>,
    is_open: Vec<bool>,
    assignee_id: Vec<Option<i64>>,
    created_at: Vec<i64>,
    sla: Vec<Option<String>>,
    sla_seq: Vec<i64>,
    next_change: Vec<Option<i64>>,
    next_due: Vec<i64>,
    policy_preset: Vec<Option<String>>,
    policy_id: Vec<Option<i64>>,
    policy_add_ons: Vec<Option<String>>,
    event_at: Vec<i64>,
    event_type: Vec<String>,
    payload: Vec<String>,
    actor_id: Vec<Option<i64>>,
    visibility: Vec<&'static str>,
}

impl BatchColumns {
    fn push(&mut self, new: &NewTicket, created: &NewEvent) -> StoreResult<()> {
        let (sla, next_change, next_due) = cache_cols(new.sla.as_ref())?;
        let (preset, policy_id, add_ons) = binding_cols(new.policy.as_ref());
        self.contract_id.push(new.contract_id);
        self.customer_org_id.push(new.customer_org_id);
        self.kind.push(new.kind.clone());
        self.priority.push(new.priority.clone());
        self.attributes.push(new.attributes.to_string());
        self.channel.push(new.channel.clone());
        self.reporter_id.push(new.reporter_id);
        self.title.push(new.title.clone());
        self.description.push(new.description.clone());
        self.fields.push(new.fields.to_string());
        self.observed_at.push(ns_opt(new.observed_at)?);
        self.observed_tz.push(new.observed_tz.clone());
        self.status.push(new.status.as_str());
        self.is_open.push(new.status.is_open());
        self.assignee_id.push(new.assignee_id);
        self.created_at.push(ns(new.created_at)?);
        self.sla.push(sla.map(|json| json.0.to_string()));
        self.sla_seq.push(if new.sla.is_some() { 1 } else { 0 });
        self.next_change.push(next_change);
        self.next_due.push(next_due);
        self.policy_preset.push(preset.map(str::to_owned));
        self.policy_id.push(policy_id);
        self.policy_add_ons.push(
            add_ons
                .map(|list| serde_json::to_string(list.0))
                .transpose()
                .map_err(|e| StoreError::Invalid(format!("policy add-ons: {e}")))?,
        );
        self.event_at.push(ns(created.at)?);
        self.event_type.push(created.event_type.clone());
        self.payload.push(created.payload.to_string());
        self.actor_id.push(created.actor_id);
        self.visibility.push(created.visibility.as_str());
        Ok(())
    }
}

/// The store on a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// New tickets, written in batches (see `create_batch`).
    creates: CreateQueue,
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
        // 16 connections: the scheduler folds 16 tickets at once beside the API's requests
        // (with 10, its passes waited for connections; docs/benchmarks.md, issue 5).
        let pool = PgPoolOptions::new()
            .max_connections(16)
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
        let batch_pool = pool.clone();
        let creates = CreateQueue::start(move |jobs| {
            let pool = batch_pool.clone();
            async move { PgStore::write_ticket_batch(&pool, jobs).await }
        });
        Ok(PgStore { pool, creates })
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        Self::begin_on(&self.pool).await
    }

    /// A transaction on a connection of `pool`.
    async fn begin_on(pool: &PgPool) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        pool.begin().await.map_err(db_error)
    }

    /// Inserts a batch of new tickets with their first events in one statement (one round
    /// trip, one executor start, one lock of each provider's counter), then their
    /// attachments. A ticket whose contract is not its customer's is simply not inserted and
    /// fails alone; a failure of the statement (a broken foreign key, say) fails the batch.
    async fn insert_ticket_batch(
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        jobs: &[CreateJob],
    ) -> StoreResult<Vec<StoreResult<TicketWithEvent>>> {
        let tickets: Vec<(&NewTicket, &NewEvent)> =
            jobs.iter().map(|job| (&job.new, &job.created)).collect();
        Self::insert_tickets(tx, &tickets).await
    }

    /// Inserts one new ticket with its first event and attachments (the batch statement
    /// with one row).
    async fn insert_ticket(
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        new: &NewTicket,
        created: &NewEvent,
    ) -> StoreResult<TicketWithEvent> {
        Self::insert_tickets(tx, &[(new, created)])
            .await?
            .pop()
            .ok_or_else(|| StoreError::Database("the batch insert returned nothing".into()))?
    }

    /// The batch statement (see [`PgStore::insert_ticket_batch`]).
    async fn insert_tickets(
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        tickets: &[(&NewTicket, &NewEvent)],
    ) -> StoreResult<Vec<StoreResult<TicketWithEvent>>> {
        let mut input = BatchColumns::default();
        for (new, created) in tickets {
            input.push(new, created)?;
        }
        let rows: Vec<BatchCreatedRow> = sqlx::query_as(concat!(
            "WITH input AS (\
               SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], \
               $6::text[], $7::int8[], $8::text[], $9::text[], $10::text[], $11::int8[], \
               $12::text[], $13::text[], $14::bool[], $15::int8[], $16::int8[], $17::text[], \
               $18::int8[], $19::int8[], $20::int8[], $21::text[], $22::int8[], $23::text[], \
               $24::int8[], $25::text[], $26::text[], $27::int8[], $28::text[]) WITH ORDINALITY \
               AS i(contract_id, customer_org_id, kind, priority, attributes, channel, \
               reporter_id, title, description, fields, observed_at, observed_tz, status, \
               is_open, assignee_id, created_at, sla, sla_seq, next_change, next_due, \
               policy_preset, policy_id, policy_add_ons, event_at, event_type, payload, \
               actor_id, visibility, ord)), \
             resolved AS (\
               SELECT i.*, c.provider_id, \
               row_number() OVER (PARTITION BY c.provider_id ORDER BY i.ord) AS nth, \
               count(*) OVER (PARTITION BY c.provider_id) AS of_provider \
               FROM input i JOIN contracts c \
               ON c.id = i.contract_id AND c.customer_org_id = i.customer_org_id), \
             counted AS (\
               INSERT INTO ticket_counters (provider_id, last_number) \
               SELECT provider_id, count(*) FROM resolved GROUP BY provider_id \
               ON CONFLICT (provider_id) \
               DO UPDATE SET last_number = ticket_counters.last_number + EXCLUDED.last_number \
               RETURNING provider_id, last_number), \
             planned AS (\
               SELECT r.*, n.last_number - r.of_provider + r.nth AS number \
               FROM resolved r JOIN counted n ON n.provider_id = r.provider_id), \
             ticket AS (\
               INSERT INTO tickets (provider_id, number, contract_id, customer_org_id, kind, \
               priority, attributes, channel, reporter_id, title, description, fields, \
               observed_at, observed_tz, status, is_open, assignee_id, created_at, \
               updated_at, last_seq, sla, sla_seq, next_change, next_due, policy_preset, \
               policy_id, policy_add_ons) \
               SELECT provider_id, number, contract_id, customer_org_id, kind, priority, \
               attributes::jsonb, channel, reporter_id, title, description, fields::jsonb, \
               observed_at, observed_tz, status, is_open, assignee_id, created_at, created_at, \
               1, sla::jsonb, sla_seq, next_change, next_due, policy_preset, policy_id, \
               policy_add_ons::jsonb FROM planned ORDER BY ord RETURNING ",
            ticket_cols!(),
            "), \
             event AS (\
               INSERT INTO ticket_events (ticket_id, seq, at, event_type, payload, actor_id, \
               visibility) \
               SELECT t.id, 1, p.event_at, p.event_type, p.payload::jsonb, p.actor_id, \
               p.visibility FROM ticket t \
               JOIN planned p ON p.provider_id = t.provider_id AND p.number = t.number \
               ORDER BY p.ord RETURNING id, ticket_id) \
             SELECT ticket.*, event.id AS event_id, planned.ord AS ord \
             FROM ticket JOIN event ON event.ticket_id = ticket.id \
             JOIN planned ON planned.provider_id = ticket.provider_id \
             AND planned.number = ticket.number"
        ))
        .bind(&input.contract_id)
        .bind(&input.customer_org_id)
        .bind(&input.kind)
        .bind(&input.priority)
        .bind(&input.attributes)
        .bind(&input.channel)
        .bind(&input.reporter_id)
        .bind(&input.title)
        .bind(&input.description)
        .bind(&input.fields)
        .bind(&input.observed_at)
        .bind(&input.observed_tz)
        .bind(&input.status)
        .bind(&input.is_open)
        .bind(&input.assignee_id)
        .bind(&input.created_at)
        .bind(&input.sla)
        .bind(&input.sla_seq)
        .bind(&input.next_change)
        .bind(&input.next_due)
        .bind(&input.policy_preset)
        .bind(&input.policy_id)
        .bind(&input.policy_add_ons)
        .bind(&input.event_at)
        .bind(&input.event_type)
        .bind(&input.payload)
        .bind(&input.actor_id)
        .bind(&input.visibility)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_error)?;
        let mut results: Vec<StoreResult<TicketWithEvent>> = tickets
            .iter()
            .map(|_| Err(StoreError::NotFound("contract")))
            .collect();
        for row in rows {
            let index = usize::try_from(row.ord - 1)
                .ok()
                .filter(|i| *i < tickets.len())
                .ok_or_else(|| {
                    StoreError::Database(format!("batch row {} is out of range", row.ord))
                })?;
            let (new, created) = tickets[index];
            let ticket: Ticket = row.ticket.try_into()?;
            for attachment in &new.attachments {
                let _: AttachmentRow = insert_attachment!(attachment, ticket.id)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db_error)?;
            }
            let event = first_event(row.event_id, ticket.id, created);
            results[index] = Ok(TicketWithEvent { ticket, event });
        }
        Ok(results)
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

impl_store!(
    PgStore,
    sqlx::Postgres,
    "postgres",
    contacts_json = "(SELECT COALESCE(json_agg(user_id ORDER BY user_id), '[]'::json) \
                     FROM contract_contacts WHERE contract_id = contracts.id)",
    // Replicas claim different due notifications instead of waiting on each other's rows.
    skip_locked = " FOR UPDATE SKIP LOCKED",
    // Round trips are what costs here: few statements, each with many rows.
    max_params = 28000
);

impl_monitoring!(
    PgStore,
    locations = "jsonb_array_elements_text(m.locations) AS l(value)",
    // Replicas claim different monitors' slots instead of waiting on each other's rows. NO KEY
    // UPDATE: the key-share locks that inserting a monitor's samples takes (the foreign key)
    // do not make a claimer skip the monitor.
    skip_locked = " FOR NO KEY UPDATE SKIP LOCKED",
    // Of two servers advancing a service's timeline, the second waits for the first and then
    // sees the timeline moved.
    for_update = " FOR UPDATE",
    max_params = 28000
);
