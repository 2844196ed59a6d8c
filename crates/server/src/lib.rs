//! The Tenggat HTTP server (`tenggat serve`): first run, the password-setup page, API tokens
//! and the REST API under `/api/v1`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let db = tenggat_store::open("sqlite://tenggat.db", true).await?;
//! let config = tenggat_server::ServerConfig::new("127.0.0.1:0", "http://127.0.0.1:8080", "data");
//! let server = tenggat_server::start(db, config).await?;
//! if let Some(line) = &server.first_run_line {
//!     println!("{line}");
//! }
//! server.handle.await??;
//! # Ok(()) }
//! ```
//!
//! Every API error is `application/problem+json` with a stable `code` (see [`Problem`]). The
//! OpenAPI 3.1 document is served at `/api/openapi.json`, built from the handlers'
//! annotations ([`openapi_document`]).

mod account;
mod admin;
mod attachment_files;
mod attachments;
mod auth;
mod availability_api;
pub mod desk;
mod extract;
mod feedback;
mod idempotency;
pub mod monitoring;
mod monitors;
mod notifications;
pub mod notify;
mod openapi;
pub mod portal;
mod probe_agents;
mod problem;
mod rate_limit;
pub mod recompute;
mod requests;
pub mod scheduler;
mod secrets;
mod setup;
mod status_page;
mod tasks;
mod tickets;
mod views;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::get;
use jiff::{SignedDuration, Timestamp};
use tenggat_store::{Database, OrgKind, Store, StoreError};
use tokio::task::JoinHandle;
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use attachment_files::DEFAULT_MAX_ATTACHMENT_BYTES;
pub use auth::{SESSION_COOKIE, Scope};
pub use problem::{PROBLEM_JSON, Problem};
pub use rate_limit::RateLimitConfig;
pub use setup::{FIRST_ADMIN_EMAIL, SETUP_TOKEN_LIFETIME, first_run, issue_setup_link};

/// Largest JSON body accepted by most routes (larger ones get 413 problem+json).
pub const MAX_BODY_BYTES: usize = extract::MAX_JSON_BYTES;

/// Largest request body of any route: a report with its files inline.
pub const MAX_UPLOAD_BYTES: usize = extract::MAX_UPLOAD_JSON_BYTES;

/// Where the current instant comes from: the one place the server reads the clock.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the edge: the one reading of the wall clock
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// What the server needs to know besides the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Address to listen on, `HOST:PORT` (port 0 picks a free one).
    pub listen: String,
    /// The URL people reach the server at; links (the first-run setup link) start with it.
    pub public_url: String,
    /// Where attachments are kept (`<data_dir>/attachments/…`).
    pub data_dir: PathBuf,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
    /// Request budgets per credential and per client IP.
    pub rate_limits: RateLimitConfig,
    /// Whether this server runs the SLA scheduler ([`scheduler::run`]); on by default. Tests
    /// that drive the scheduler themselves ([`scheduler::run_due`]) turn it off.
    pub run_scheduler: bool,
    /// How notifications are sent.
    pub notify: notify::dispatch::NotifyConfig,
    /// Whether this server delivers the outbox ([`notify::dispatch::run`]); on by default.
    /// Tests that deliver themselves ([`notify::dispatch::deliver_due`]) turn it off.
    pub run_dispatcher: bool,
    /// Whether this server runs availability monitoring: its own prober
    /// ([`monitoring::probes::run`]) and the evaluator ([`monitoring::evaluator::run`]); on by
    /// default.
    pub run_monitoring: bool,
    /// Reference targets (`host:port`) the prober checks its own connectivity against before
    /// it reports a service unreachable; empty turns the self-check off.
    pub probe_self_check: Vec<String>,
    /// How long raw probe samples are kept (at least a day; the timeline is kept for good).
    pub sample_retention: SignedDuration,
}

impl ServerConfig {
    /// Listens on `listen`, data in `data_dir`, default limits.
    pub fn new(listen: &str, public_url: &str, data_dir: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            listen: listen.to_owned(),
            public_url: public_url.to_owned(),
            data_dir: data_dir.into(),
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            rate_limits: RateLimitConfig::default(),
            run_scheduler: true,
            notify: notify::dispatch::NotifyConfig::default(),
            run_dispatcher: true,
            run_monitoring: true,
            probe_self_check: Vec::new(),
            sample_retention: monitoring::retention::DEFAULT_RETENTION,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The listening socket could not be opened.
    #[error("cannot listen on {listen}: {source}")]
    Listen {
        /// The configured address.
        listen: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The operating system gave no random bytes.
    #[error("no random bytes from the operating system: {0}")]
    Random(getrandom::Error),
    /// The notification settings are unusable.
    #[error(transparent)]
    Notify(#[from] notify::dispatch::SendersError),
    /// The prober's HTTP client could not be built.
    #[error("prober: {0}")]
    Prober(tenggat_probe::ProberError),
    /// A reference target of the prober's self-check is not `host:port`.
    #[error("probe self-check: {0}")]
    SelfCheck(String),
}

impl ServerError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ServerError::Store(e) => e.code(),
            ServerError::Listen { .. } => "server.listen",
            ServerError::Random(_) => "server.random",
            ServerError::Notify(_) => "server.notify",
            ServerError::Prober(_) => "server.prober",
            ServerError::SelfCheck(_) => "server.probe_self_check",
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    db: Database,
    clock: Arc<dyn Clock>,
    policies: Arc<desk::PolicyCache>,
    files: Arc<attachment_files::AttachmentFiles>,
    max_attachment_bytes: usize,
    public_url: String,
    openapi_json: Arc<String>,
    /// Wakes the scheduler after a ticket write (its next instant may now be earlier).
    scheduler_wake: Arc<tokio::sync::Notify>,
    /// Who hears of ticket events.
    planner: Arc<notify::Planner>,
    /// Wakes the dispatcher after notifications were committed.
    dispatcher_wake: Arc<tokio::sync::Notify>,
    /// Wakes the prober after a monitor was added or resumed.
    prober_wake: Arc<tokio::sync::Notify>,
    /// Wakes the availability evaluator after samples were stored.
    evaluator_wake: Arc<tokio::sync::Notify>,
    /// What the prober has done.
    probe_stats: Arc<monitoring::probes::ProbeStats>,
    /// Public status pages computed lately.
    status_cache: Arc<status_page::StatusCache>,
    /// Sign-in attempts to the portal.
    login_limiter: Arc<portal::LoginLimiter>,
}

impl AppState {
    /// Tells the scheduler that a ticket changed.
    pub(crate) fn wake_scheduler(&self) {
        self.scheduler_wake.notify_one();
    }

    /// Tells the dispatcher that notifications were committed.
    pub(crate) fn wake_dispatcher(&self) {
        self.dispatcher_wake.notify_one();
    }

    /// What background work shares with the handlers: policies, the planner, the dispatcher.
    pub(crate) fn jobs(&self) -> scheduler::Jobs {
        scheduler::Jobs {
            policies: self.policies.clone(),
            planner: self.planner.clone(),
            dispatcher_wake: self.dispatcher_wake.clone(),
        }
    }
}

/// A started server.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// On first run, the line with the one-time setup link to print (and nowhere else).
    pub first_run_line: Option<String>,
    /// The serving task; it ends only on an I/O error.
    pub handle: JoinHandle<std::io::Result<()>>,
}

/// Applies migrations, performs the first run if the database needs one, binds the listener
/// and serves in a spawned task. Uses the system clock.
pub async fn start(db: Database, config: ServerConfig) -> Result<Running, ServerError> {
    start_with_clock(db, config, Arc::new(SystemClock)).await
}

/// [`start`] with another clock.
pub async fn start_with_clock(
    db: Database,
    config: ServerConfig,
    clock: Arc<dyn Clock>,
) -> Result<Running, ServerError> {
    let senders = Arc::new(notify::dispatch::Senders::new(&config.notify)?);
    db.migrate().await?;
    let first_run_line = first_run(&db, &config.public_url, clock.now()).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|source| ServerError::Listen {
            listen: config.listen.clone(),
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServerError::Listen {
            listen: config.listen.clone(),
            source,
        })?;
    let db_for_jobs = db.clone();
    let clock_for_jobs = clock.clone();
    let state = AppState::new(db, clock, &config, senders.has_email());
    tokio::spawn(recompute_on_start(
        db_for_jobs.clone(),
        state.policies.clone(),
        clock_for_jobs.now(),
    ));
    if config.run_scheduler {
        tokio::spawn(scheduler::run(
            db_for_jobs.clone(),
            state.jobs(),
            clock_for_jobs.clone(),
            state.scheduler_wake.clone(),
        ));
    }
    if config.run_dispatcher {
        tokio::spawn(notify::dispatch::run(
            db_for_jobs.clone(),
            senders,
            clock_for_jobs.clone(),
            state.dispatcher_wake.clone(),
        ));
    }
    if config.run_monitoring {
        let jobs = state.jobs();
        let for_prober = clock_for_jobs.clone();
        let mut builder = tenggat_probe::Prober::builder().clock(move || for_prober.now());
        if !config.probe_self_check.is_empty() {
            let self_check = tenggat_probe::SelfCheck::new(config.probe_self_check.iter().cloned())
                .map_err(|e| ServerError::SelfCheck(e.to_string()))?;
            builder = builder.self_check(self_check);
        }
        let prober = builder.build().map_err(ServerError::Prober)?;
        tokio::spawn(monitoring::probes::run(
            db_for_jobs.clone(),
            Arc::new(prober),
            monitoring::probes::ProbeConfig::default(),
            clock_for_jobs.clone(),
            state.prober_wake.clone(),
            state.evaluator_wake.clone(),
            state.probe_stats.clone(),
            jobs.clone(),
        ));
        tokio::spawn(monitoring::evaluator::run(
            db_for_jobs.clone(),
            jobs,
            clock_for_jobs.clone(),
            state.evaluator_wake.clone(),
        ));
    }
    tokio::spawn(housekeeping(
        db_for_jobs,
        clock_for_jobs,
        config.sample_retention,
    ));
    let (app, _) = router(
        state,
        Arc::new(rate_limit::RateLimiter::new(&config.rate_limits)),
    );
    let handle = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    Ok(Running {
        addr,
        first_run_line,
        handle,
    })
}

/// Recomputes open tickets in the background when the built-in SLA data changed since the
/// last start (see [`recompute`]).
async fn recompute_on_start(db: Database, policies: Arc<desk::PolicyCache>, now: Timestamp) {
    match recompute::on_start(&db, &policies, now).await {
        Ok(Some(n)) => eprintln!(
            "tenggat-server: built-in holiday or preset data changed: {n} open tickets recomputed"
        ),
        Ok(None) => {}
        Err(e) => eprintln!("tenggat-server: recomputing open tickets failed: {e}"),
    }
}

/// Hourly: forgets idempotency keys older than [`idempotency::KEY_LIFETIME`] and sessions
/// that expired or were revoked a day ago.
async fn housekeeping(db: Database, clock: Arc<dyn Clock>, sample_retention: SignedDuration) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        let now = clock.now();
        match monitoring::retention::prune(&db, now, sample_retention).await {
            Ok(0) => {}
            Ok(n) => eprintln!("tenggat-server: pruned {n} probe samples"),
            Err(e) => eprintln!("tenggat-server: pruning probe samples failed: {e}"),
        }
        let cutoff = now.checked_sub(idempotency::KEY_LIFETIME).unwrap_or(now);
        if let Err(e) = db.purge_idempotency(cutoff).await {
            eprintln!("tenggat-server: purging idempotency keys failed: {e}");
        }
        if let Err(e) = db.purge_sessions(cutoff).await {
            eprintln!("tenggat-server: purging sessions failed: {e}");
        }
    }
}

impl AppState {
    /// The state of a server on `db`; `email` says whether e-mail notifications are written.
    pub fn new(
        db: Database,
        clock: Arc<dyn Clock>,
        config: &ServerConfig,
        email: bool,
    ) -> AppState {
        AppState {
            db,
            clock,
            policies: Arc::new(desk::PolicyCache::default()),
            files: Arc::new(attachment_files::AttachmentFiles::new(&config.data_dir)),
            max_attachment_bytes: config.max_attachment_bytes,
            public_url: config.public_url.clone(),
            openapi_json: Arc::new(String::new()),
            scheduler_wake: Arc::new(tokio::sync::Notify::new()),
            planner: Arc::new(notify::Planner::new(email, &config.public_url)),
            dispatcher_wake: Arc::new(tokio::sync::Notify::new()),
            prober_wake: Arc::new(tokio::sync::Notify::new()),
            evaluator_wake: Arc::new(tokio::sync::Notify::new()),
            probe_stats: Arc::new(monitoring::probes::ProbeStats::default()),
            status_cache: Arc::new(status_page::StatusCache::default()),
            login_limiter: portal::login_limiter(),
        }
    }
}

/// The REST API's routes and its OpenAPI document, built from the same handler
/// annotations.
fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(tickets::create_ticket, tickets::list_tickets))
        .routes(routes!(tickets::get_ticket))
        .routes(routes!(tickets::ticket_events))
        .routes(routes!(tickets::reply))
        .routes(routes!(tickets::note))
        .routes(routes!(tickets::acknowledge))
        .routes(routes!(tickets::workaround))
        .routes(routes!(tickets::onsite))
        .routes(routes!(tickets::resolve))
        .routes(routes!(tickets::reopen))
        .routes(routes!(tickets::close))
        .routes(routes!(tickets::set_status))
        .routes(routes!(tickets::set_priority))
        .routes(routes!(tickets::assign))
        .routes(routes!(feedback::workaround_feedback))
        .routes(routes!(feedback::answer_survey))
        .routes(routes!(notifications::inbox))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(notifications::ticket_notifications))
        .routes(routes!(
            notifications::create_webhook,
            notifications::list_webhooks
        ))
        .routes(routes!(notifications::disable_webhook))
        .routes(routes!(
            probe_agents::create_agent,
            probe_agents::list_agents
        ))
        .routes(routes!(probe_agents::revoke_agent))
        .routes(routes!(probe_agents::agent_monitors))
        .routes(routes!(probe_agents::agent_samples))
        .routes(routes!(monitors::create_monitor, monitors::list_monitors))
        .routes(routes!(monitors::get_monitor, monitors::delete_monitor))
        .routes(routes!(monitors::pause_monitor))
        .routes(routes!(monitors::resume_monitor))
        .routes(routes!(
            availability_api::create_maintenance,
            availability_api::list_maintenance
        ))
        .routes(routes!(availability_api::cancel_maintenance))
        .routes(routes!(
            availability_api::create_exclusion,
            availability_api::list_exclusions
        ))
        .routes(routes!(availability_api::dispute_exclusion))
        .routes(routes!(availability_api::resolve_exclusion))
        .routes(routes!(availability_api::monthly_report))
        .routes(routes!(
            availability_api::create_claim,
            availability_api::list_claims
        ))
        .routes(routes!(availability_api::get_claim))
        .routes(routes!(availability_api::decide_claim))
        .routes(routes!(status_page::mine))
        .routes(routes!(
            requests::request_escalation,
            requests::list_escalation_requests
        ))
        .routes(routes!(requests::decide_escalation))
        .routes(routes!(
            requests::request_severity,
            requests::list_severity_requests
        ))
        .routes(routes!(requests::decide_severity))
        .routes(routes!(tasks::list_tasks))
        .routes(routes!(tasks::complete_task))
        .routes(routes!(tasks::publish_action_plan))
        .routes(routes!(tasks::record_emergency_call))
        .routes(routes!(tasks::request_rca))
        .routes(routes!(tasks::deliver_rca))
        .routes(routes!(tasks::complete_review))
        .routes(routes!(attachments::upload, attachments::list))
        .routes(routes!(attachments::download))
        .routes(routes!(account::create_token, account::list_tokens))
        .routes(routes!(account::revoke_token))
        .routes(routes!(account::sign_in))
        .routes(routes!(account::sign_out))
        .routes(routes!(account::me))
        .routes(routes!(
            admin::list_organisations,
            admin::create_organisation
        ))
        .routes(routes!(admin::get_organisation))
        .routes(routes!(admin::list_users))
        .routes(routes!(admin::create_user))
        .routes(routes!(admin::update_user))
        .routes(routes!(admin::list_contracts, admin::create_contract))
        .routes(routes!(admin::get_contract))
        .routes(routes!(admin::explain_contract))
        .routes(routes!(admin::set_contract_policy))
        .routes(routes!(admin::set_contacts))
        .routes(routes!(admin::list_policies, admin::upload_policy))
        .routes(routes!(admin::get_policy))
        .routes(routes!(admin::list_calendars))
        .routes(routes!(admin::get_calendar))
        .split_for_parts()
}

/// The OpenAPI 3.1 document of the REST API, as served at `/api/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_router().1
}

/// All routes with their middleware: problem+json for every error, rate limits, body limits
/// and `Idempotency-Key` handling. Returns the router and the OpenAPI document. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` (the rate limit needs the peer).
pub(crate) fn router(
    mut state: AppState,
    limiter: Arc<rate_limit::RateLimiter>,
) -> (Router, utoipa::openapi::OpenApi) {
    let (api, document) = api_router();
    state.openapi_json = Arc::new(document.to_pretty_json().unwrap_or_default());
    let api = api.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        idempotency::idempotency,
    ));
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/setup/{token}",
            get(portal::setup_form).post(portal::setup_submit),
        )
        .route("/api/openapi.json", get(openapi_json))
        .route("/status/{provider}", get(status_page::page))
        .route("/status/{provider}/json", get(status_page::page_json))
        .merge(portal::routes())
        .merge(api)
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_UPLOAD_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            limiter,
            rate_limit::limit,
        ))
        .layer(axum::middleware::map_response(
            problem::problem_for_bare_errors,
        ));
    (app, document)
}

/// `GET /api/openapi.json`.
async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.as_str().to_owned(),
    )
}

/// `GET /healthz`: `ok` when the database answers a query.
async fn healthz(State(state): State<AppState>) -> Result<&'static str, Problem> {
    match state.db.list_organisations(Some(OrgKind::Provider)).await {
        Ok(_) => Ok("ok"),
        Err(e) => {
            eprintln!("tenggat-server: health check failed: {e}");
            Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "health.database",
                "the database does not answer",
            ))
        }
    }
}

async fn not_found(method: Method, uri: Uri) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "http.not_found",
        format!("no route for {method} {}", uri.path()),
    )
}
