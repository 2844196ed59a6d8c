//! The `Store` trait: everything the CLI and the server read and write.
//!
//! Methods are native `async` trait methods whose futures are `Send` (written as
//! `fn … -> impl Future<Output = …> + Send`), so no `async_trait` boxing. The trait is therefore
//! not object-safe: callers use the [`crate::Database`] enum, which implements it by
//! delegation, or are generic over `S: Store`.
//!
//! **Tenant scope.** Methods that take `scope: Option<i64>` return [`StoreError::NotFound`]
//! when `scope` is `Some(org)` and the row belongs to another customer organisation; `None`
//! is for provider staff and background jobs.

use std::future::Future;

use jiff::Timestamp;

use crate::error::StoreError;
use crate::model::*;

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// The most tickets [`Store::ticket_logs`] and [`Store::append_transitions`] take at once
/// (their statements stay far below either backend's limit on bound parameters).
pub const BATCH_LIMIT: usize = 1000;

/// Storage of organisations, users, tokens, policies, contracts, tickets and their event logs.
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend_name(&self) -> &'static str;

    /// Applies pending embedded migrations; returns the names (`0001_initial`) of those applied.
    fn migrate(&self) -> impl Future<Output = StoreResult<Vec<String>>> + Send;

    // ---- organisations

    /// Creates an organisation; a taken slug is `store.conflict`.
    fn create_organisation(
        &self,
        new: &NewOrganisation,
    ) -> impl Future<Output = StoreResult<Organisation>> + Send;
    /// One organisation.
    fn get_organisation(&self, id: i64) -> impl Future<Output = StoreResult<Organisation>> + Send;
    /// The organisation with this slug.
    fn organisation_by_slug(
        &self,
        slug: &str,
    ) -> impl Future<Output = StoreResult<Option<Organisation>>> + Send;
    /// All organisations (of one kind), by id.
    fn list_organisations(
        &self,
        kind: Option<OrgKind>,
    ) -> impl Future<Output = StoreResult<Vec<Organisation>>> + Send;

    // ---- users

    /// Creates a user; the e-mail is lower-cased; a taken e-mail is `store.conflict`.
    fn create_user(&self, new: &NewUser) -> impl Future<Output = StoreResult<User>> + Send;
    /// One user.
    fn get_user(&self, id: i64) -> impl Future<Output = StoreResult<User>> + Send;
    /// The user with this e-mail (compared lower-cased).
    fn user_by_email(&self, email: &str) -> impl Future<Output = StoreResult<Option<User>>> + Send;
    /// The users of an organisation, by id.
    fn users_of_organisation(
        &self,
        organisation_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<User>>> + Send;
    /// Changes name, role, language or the disabled flag.
    fn update_user(
        &self,
        id: i64,
        update: &UserUpdate,
    ) -> impl Future<Output = StoreResult<User>> + Send;
    /// Sets the argon2 hash of the user's password.
    fn set_password_hash(
        &self,
        user_id: i64,
        password_hash: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Stores the hash of a one-time password-setup token (replacing any earlier one).
    fn set_password_setup_token(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Uses a setup token: if it exists and has not expired at `now`, sets the password and
    /// forgets the token, atomically; otherwise `store.not_found`.
    fn use_password_setup_token(
        &self,
        token_hash: &str,
        now: Timestamp,
        password_hash: &str,
    ) -> impl Future<Output = StoreResult<User>> + Send;

    // ---- API tokens

    /// Stores a token's hash; a hash already stored is `store.conflict`.
    fn create_api_token(
        &self,
        new: &NewApiToken,
    ) -> impl Future<Output = StoreResult<ApiToken>> + Send;
    /// The unrevoked token with this hash.
    fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send;
    /// The unrevoked token with this hash and its user, read in one query (what
    /// authenticating a request needs).
    fn api_token_with_user(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = StoreResult<Option<(ApiToken, User)>>> + Send;
    /// A user's tokens (revoked ones too), by id.
    fn api_tokens_of_user(
        &self,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<ApiToken>>> + Send;
    /// Revokes a token (again: no change).
    fn revoke_api_token(
        &self,
        id: i64,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    // ---- sessions

    /// Stores a new session (last seen at its creation); a hash already stored is
    /// `store.conflict`, an unknown user `store.invalid`, an expiry not after the creation
    /// `store.invalid`.
    fn create_session(&self, new: &NewSession)
    -> impl Future<Output = StoreResult<Session>> + Send;
    /// The session with this hash if it is live at `now`: not revoked and `expires_at > now`.
    fn session_by_hash(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<Session>>> + Send;
    /// Records a use of a live session: `last_seen_at` becomes `now` (never earlier than it
    /// was) and `expires_at` becomes `new_expires_at`. A session that is missing, revoked or
    /// expired at `now` is `store.not_found` and is not brought back.
    fn touch_session(
        &self,
        id: i64,
        now: Timestamp,
        new_expires_at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Revokes a session (signing out; again: no change, the first instant is kept).
    fn revoke_session(
        &self,
        id: i64,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Revokes every session of a user that is live at `at` (password change, disabling);
    /// returns how many.
    fn revoke_sessions_of_user(
        &self,
        user_id: i64,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Deletes the sessions that expired, or were revoked, before `before`; returns how many.
    fn purge_sessions(&self, before: Timestamp) -> impl Future<Output = StoreResult<u64>> + Send;

    // ---- policies

    /// Stores an uploaded policy as the next version of its name.
    fn create_policy(
        &self,
        new: &NewPolicy,
    ) -> impl Future<Output = StoreResult<StoredPolicy>> + Send;
    /// One uploaded policy.
    fn get_policy(&self, id: i64) -> impl Future<Output = StoreResult<StoredPolicy>> + Send;
    /// All uploaded policies, by name then version.
    fn list_policies(&self) -> impl Future<Output = StoreResult<Vec<StoredPolicy>>> + Send;

    // ---- contracts

    /// Creates a contract with its designated contacts, who must be users of the customer.
    fn create_contract(
        &self,
        new: &NewContract,
    ) -> impl Future<Output = StoreResult<Contract>> + Send;
    /// One contract, within the tenant scope.
    fn get_contract(
        &self,
        id: i64,
        scope: Option<i64>,
    ) -> impl Future<Output = StoreResult<Contract>> + Send;
    /// The contracts of a customer organisation, by id.
    fn contracts_of_organisation(
        &self,
        customer_org_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<Contract>>> + Send;
    /// Points a contract at another policy; recompute its open tickets afterwards.
    fn set_contract_policy(
        &self,
        id: i64,
        policy: &PolicyRef,
        add_ons: &[String],
    ) -> impl Future<Output = StoreResult<Contract>> + Send;
    /// Replaces the designated contacts.
    fn set_designated_contacts(
        &self,
        id: i64,
        only: bool,
        user_ids: &[i64],
    ) -> impl Future<Output = StoreResult<Contract>> + Send;

    // ---- tickets

    /// Creates a ticket and its first event (`created`, sequence 1) in one transaction,
    /// numbered next for the contract's provider. The contract must belong to
    /// `new.customer_org_id` (else `store.not_found`).
    fn create_ticket(
        &self,
        new: &NewTicket,
        created: &NewEvent,
    ) -> impl Future<Output = StoreResult<TicketWithEvent>> + Send;
    /// One ticket, within the tenant scope.
    fn get_ticket(
        &self,
        id: i64,
        scope: Option<i64>,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send;
    /// A ticket by its provider's number (`T-<number>`), within the tenant scope.
    fn ticket_by_number(
        &self,
        provider_id: i64,
        number: i64,
        scope: Option<i64>,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send;
    /// A page of tickets sorted by next due instant (none last), then id.
    fn list_tickets(
        &self,
        filter: &TicketFilter,
    ) -> impl Future<Output = StoreResult<TicketPage>> + Send;
    /// How many tickets match (cursor and limit ignored).
    fn count_tickets(&self, filter: &TicketFilter)
    -> impl Future<Output = StoreResult<i64>> + Send;
    /// Appends an event and applies the change it records, in one transaction: either both
    /// are written or neither. With [`TicketUpdate::expected_seq`] set, a ticket whose last
    /// event is another one is `store.conflict` and nothing is written.
    fn append_event(
        &self,
        ticket_id: i64,
        scope: Option<i64>,
        event: &NewEvent,
        update: &TicketUpdate,
    ) -> impl Future<Output = StoreResult<TicketWithEvent>> + Send;
    /// [`Store::append_event`] for several events at once, in one transaction: they get
    /// consecutive sequence numbers in the order given, and `update` (with its
    /// `expected_seq`, the log before them) applies once. An empty list is `store.invalid`.
    fn append_events(
        &self,
        ticket_id: i64,
        scope: Option<i64>,
        events: &[NewEvent],
        update: &TicketUpdate,
    ) -> impl Future<Output = StoreResult<(Ticket, Vec<StoredEvent>)>> + Send;
    /// A ticket's events by sequence number; internal ones only when asked for.
    fn ticket_events(
        &self,
        ticket_id: i64,
        scope: Option<i64>,
        include_internal: bool,
    ) -> impl Future<Output = StoreResult<Vec<StoredEvent>>> + Send;
    /// Stores the SLA cache computed from the events up to `seq`. Returns `false` (and
    /// changes nothing) when the ticket has had newer events since: the cache is never older
    /// than the log it claims to reflect.
    fn update_sla_cache(
        &self,
        ticket_id: i64,
        seq: i64,
        cache: &SlaCache,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// The rows and whole logs of the tickets `ids` (at most [`BATCH_LIMIT`]), in the order of
    /// `ids`; an id that names no ticket is left out. Two statements for all of them, so the
    /// scheduler pays a couple of round trips per batch rather than per ticket. Row and log
    /// are not read in one snapshot: check [`TicketLog::consistent`].
    fn ticket_logs(&self, ids: &[i64]) -> impl Future<Output = StoreResult<Vec<TicketLog>>> + Send;
    /// Writes the scheduler's transitions for several tickets (at most [`BATCH_LIMIT`]) in one
    /// transaction: per ticket, its events with the next sequence numbers, its SLA cache and
    /// its notifications, or, when its log no longer ends at `expected_seq`, nothing at all
    /// for that ticket. Returns the ids of the tickets written; the others were changed by
    /// another writer and must be folded again. A handful of statements however many tickets
    /// and events the batch holds.
    fn append_transitions(
        &self,
        batch: &[TransitionAppend],
    ) -> impl Future<Output = StoreResult<Vec<i64>>> + Send;
    /// Ids of a contract's open tickets (to recompute after a policy change).
    fn open_tickets_of_contract(
        &self,
        contract_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<i64>>> + Send;
    /// Ids of a provider's open tickets with at least one event of one of `types`, lowest id
    /// first, at most `limit` (the escalation board: tickets escalated or asked to be).
    fn open_tickets_with_events(
        &self,
        provider_id: i64,
        types: &[&str],
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<i64>>> + Send;
    /// Ids of tickets whose cached SLA changes at or before `now`, earliest first.
    fn tickets_changing_by(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<i64>>> + Send;
    /// The earliest `next_change` of any ticket (what a scheduler sleeps until), if any.
    fn earliest_next_change(&self) -> impl Future<Output = StoreResult<Option<Timestamp>>> + Send;

    // ---- attachments

    /// Records an attachment's metadata.
    fn add_attachment(
        &self,
        new: &NewAttachment,
    ) -> impl Future<Output = StoreResult<Attachment>> + Send;
    /// One attachment, within the tenant scope.
    fn get_attachment(
        &self,
        id: i64,
        scope: Option<i64>,
    ) -> impl Future<Output = StoreResult<Attachment>> + Send;
    /// A ticket's attachments, by id, within the tenant scope.
    fn attachments_of_ticket(
        &self,
        ticket_id: i64,
        scope: Option<i64>,
    ) -> impl Future<Output = StoreResult<Vec<Attachment>>> + Send;

    // ---- idempotency

    /// Claims `(principal, key)` for a request with this hash. A key already claimed by a
    /// request with another hash is `store.conflict`.
    fn claim_idempotency(
        &self,
        principal: &str,
        key: &str,
        request_hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<IdempotencyClaim>> + Send;
    /// Records the response to replay for a claimed key.
    fn complete_idempotency(
        &self,
        principal: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Forgets an unanswered claim (the request failed before it changed anything).
    fn release_idempotency(
        &self,
        principal: &str,
        key: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Forgets keys created before `before`; returns how many.
    fn purge_idempotency(&self, before: Timestamp)
    -> impl Future<Output = StoreResult<u64>> + Send;

    // ---- settings

    /// A named value the server keeps about itself.
    fn setting(&self, key: &str) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    /// Sets (inserts or replaces) a named value.
    fn put_setting(&self, key: &str, value: &str) -> impl Future<Output = StoreResult<()>> + Send;

    // ---- outbox (notifications are written by `append_events`, see `TicketUpdate`)

    /// Claims up to `limit` pending notifications due at `now` for one delivery attempt each:
    /// their attempt count goes up and their next attempt moves to `lease_until`, so a
    /// dispatcher that dies mid-attempt leaves them due again when the lease ends. Replicas on
    /// PostgreSQL claim disjoint sets (`FOR UPDATE SKIP LOCKED`). By id.
    fn claim_notifications(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Notification>>> + Send;
    /// Records a delivery; `false` when it was not pending any more (delivered already).
    fn notification_delivered(
        &self,
        id: i64,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Records a failed attempt: retried at `retry_at`, or given up (`failed`) without one.
    /// `false` when it was not pending any more.
    fn notification_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// The earliest next attempt of any pending notification (what a dispatcher sleeps until).
    fn earliest_notification_attempt(
        &self,
    ) -> impl Future<Output = StoreResult<Option<Timestamp>>> + Send;
    /// Writes notices caused by no ticket event, pending from `at` (in-app ones delivered at
    /// `at`), in one transaction; a notice whose dedupe key is in the outbox already is left
    /// as it is, so writing the same notices again is harmless. Returns how many were new.
    fn enqueue_notices(
        &self,
        at: Timestamp,
        notices: &[NewNotice],
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// A ticket's notifications with their delivery state, by id, within the tenant scope.
    fn notifications_of_ticket(
        &self,
        ticket_id: i64,
        scope: Option<i64>,
    ) -> impl Future<Output = StoreResult<Vec<Notification>>> + Send;
    /// A user's in-app notifications, newest first.
    fn inbox(
        &self,
        user_id: i64,
        unread_only: bool,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Notification>>> + Send;
    /// Marks an in-app notification of this user read (again: the first instant is kept);
    /// another user's is `store.not_found`.
    fn mark_read(
        &self,
        id: i64,
        user_id: i64,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// How many notifications are pending, delivered and failed.
    fn outbox_counts(&self) -> impl Future<Output = StoreResult<OutboxCounts>> + Send;

    // ---- webhooks

    /// Registers an outgoing webhook of a provider organisation (anything else is
    /// `store.invalid`).
    fn create_webhook(&self, new: &NewWebhook)
    -> impl Future<Output = StoreResult<Webhook>> + Send;
    /// One webhook.
    fn get_webhook(&self, id: i64) -> impl Future<Output = StoreResult<Webhook>> + Send;
    /// A provider's webhooks (disabled ones too), by id.
    fn webhooks_of_provider(
        &self,
        provider_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<Webhook>>> + Send;
    /// Disables a webhook (again: the first instant is kept); it receives nothing more.
    fn disable_webhook(
        &self,
        id: i64,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<Webhook>> + Send;
}
