//! The Tenggat HTTP server (`tenggat serve`): first run, the password-setup page, API tokens
//! and the REST API under `/api/v1`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let db = tenggat_store::open("sqlite://tenggat.db", true).await?;
//! let config = tenggat_server::ServerConfig {
//!     listen: "127.0.0.1:0".into(),
//!     public_url: "http://127.0.0.1:8080".into(),
//! };
//! let server = tenggat_server::start(db, config).await?;
//! if let Some(line) = &server.first_run_line {
//!     println!("{line}");
//! }
//! server.handle.await??;
//! # Ok(()) }
//! ```
//!
//! Every API error is `application/problem+json` with a stable `code` (see [`Problem`]).

mod api;
mod problem;
mod secrets;
mod setup;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::routing::{get, post};
use jiff::Timestamp;
use tenggat_store::{Database, OrgKind, Store, StoreError};
use tokio::task::JoinHandle;
use tower_http::limit::RequestBodyLimitLayer;

pub use problem::{PROBLEM_JSON, Problem};
pub use setup::{FIRST_ADMIN_EMAIL, SETUP_TOKEN_LIFETIME, first_run, issue_setup_link};

/// Largest request body accepted (larger ones get 413 problem+json).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

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
}

impl ServerError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ServerError::Store(e) => e.code(),
            ServerError::Listen { .. } => "server.listen",
            ServerError::Random(_) => "server.random",
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    db: Database,
    clock: Arc<dyn Clock>,
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
    let app = router(AppState { db, clock });
    let handle = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(Running {
        addr,
        first_run_line,
        handle,
    })
}

/// All routes, with the body limit and the problem+json guarantee.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/setup/{token}", get(setup::form).post(setup::submit))
        .route("/api/v1/tokens", post(api::create_token))
        .route("/api/v1/me", get(api::me))
        .fallback(not_found)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(
            problem::problem_for_bare_errors,
        ))
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
