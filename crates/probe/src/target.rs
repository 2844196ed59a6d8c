//! A real HTTP(S) target for tests (cargo feature `testing`).
//!
//! [`Target::start`] serves HTTP on `127.0.0.1` at a free port; [`Target::start_tls`] serves
//! HTTPS with a [`TestCertificate`] (a fresh CA and a leaf for `127.0.0.1` and `localhost`,
//! valid when you say — trust it with the check's `ca_pem`). [`Target::set_mode`] switches
//! it between [`Mode::Healthy`], [`Mode::Failing`] (every request gets 503),
//! [`Mode::Slow`] (every answer is delayed) and [`Mode::Down`] (the listener and every open
//! connection are closed: connection refused), and back.
//!
//! Use it from another crate's tests with
//!
//! ```toml
//! [dev-dependencies]
//! tenggat-probe = { workspace = true, features = ["testing"] }
//! ```
//!
//! Routes (all subject to the mode):
//!
//! | route | answer |
//! |---|---|
//! | `GET /`, `GET /health` | 200 `{"status":"up"}` |
//! | `POST /login` | body `{"user":…,"password":"secret"}` ([`Target::PASSWORD`]): 200 `{"token":"tok-1","user":…}` and header `x-session: tok-1`; another password: 401 |
//! | `GET /me` | with `authorization: Bearer <a token from /login>`: 200 `{"user":…,"status":"up"}`; otherwise 401 `{"error":"unauthorized"}` |
//! | `POST /echo` | 200 `{"body":<the request body>,"authorization":<the header or null>}` |
//! | `GET /status/{code}` | that status, body `{"status":<code>}` |
//! | `GET /redirect/{n}` | 302 to `/redirect/{n-1}`; `/redirect/0` answers like `/health` |
//! | `GET /big` | 200, 2 MiB of `x` and then `tail` |
//!
//! ```
//! use tenggat_probe::{Prober, check::{Check, HttpCheck}, target::{Mode, Target}};
//! use tenggat_availability::{FailureKind, Outcome};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let target = Target::start().await?;
//! let prober = Prober::new()?;
//! let check = Check::Http(HttpCheck::get(target.url("/health")));
//! assert_eq!(prober.run(&check).await.outcome, Outcome::Ok);
//!
//! target.set_mode(Mode::Failing).await?;
//! let failed = prober.run(&check).await;
//! assert_eq!(failed.failure().map(|f| (f.kind, f.detail.as_str())), Some((FailureKind::Unhealthy, "HTTP 503")));
//!
//! target.set_mode(Mode::Down).await?;
//! assert_eq!(prober.run(&check).await.failure().map(|f| f.kind), Some(FailureKind::Unreachable));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use thiserror::Error;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// What the target does with requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Answers every route as documented.
    #[default]
    Healthy,
    /// Answers every request with 503 `{"status":"down"}`.
    Failing,
    /// Answers as healthy after this delay.
    Slow(Duration),
    /// Not listening; open connections are closed: connection refused.
    Down,
}

/// The target could not start, or a certificate could not be made.
#[derive(Debug, Error)]
pub enum TargetError {
    /// Binding or listening failed.
    #[error("target: {0}")]
    Io(#[from] std::io::Error),
    /// The certificate or TLS setup failed.
    #[error("target TLS: {0}")]
    Tls(String),
}

/// A CA and a server certificate signed by it, for `127.0.0.1` and `localhost`.
#[derive(Clone)]
pub struct TestCertificate {
    ca_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
    not_after: Timestamp,
}

impl std::fmt::Debug for TestCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCertificate")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

fn tls_err(e: impl std::fmt::Display) -> TargetError {
    TargetError::Tls(e.to_string())
}

fn offset_date_time(t: Timestamp) -> Result<time::OffsetDateTime, TargetError> {
    time::OffsetDateTime::from_unix_timestamp(t.as_second()).map_err(tls_err)
}

impl TestCertificate {
    /// A server certificate valid from `not_before` to `not_after` (whole seconds), signed
    /// by a new CA valid from a year before the certificate to a year after.
    pub fn valid_between(
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<TestCertificate, TargetError> {
        use rcgen::{
            BasicConstraints, CertificateParams, DistinguishedName, DnType,
            ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        };
        let year = SignedDuration::from_hours(24 * 366);
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "Tenggat test CA");
        ca.distinguished_name = dn;
        ca.not_before = offset_date_time(not_before - year)?;
        ca.not_after = offset_date_time(not_after + year)?;
        let ca_key = KeyPair::generate().map_err(tls_err)?;
        let ca_cert = ca.self_signed(&ca_key).map_err(tls_err)?;
        let issuer = Issuer::new(ca, ca_key);

        let mut leaf =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .map_err(tls_err)?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "localhost");
        leaf.distinguished_name = dn;
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.not_before = offset_date_time(not_before)?;
        leaf.not_after = offset_date_time(not_after)?;
        let leaf_key = KeyPair::generate().map_err(tls_err)?;
        let cert = leaf.signed_by(&leaf_key, &issuer).map_err(tls_err)?;
        Ok(TestCertificate {
            ca_pem: ca_cert.pem(),
            cert_der: cert.der().to_vec(),
            key_der: leaf_key.serialize_der(),
            not_after: Timestamp::from_second(not_after.as_second()).map_err(tls_err)?,
        })
    }

    /// A certificate valid since a day ago that expires `expires_in` from now (negative:
    /// already expired; it was then valid from 30 days before it expired).
    pub fn expiring_in(expires_in: SignedDuration) -> Result<TestCertificate, TargetError> {
        #[allow(clippy::disallowed_methods)] // certificates are checked against the wall clock
        let now = Timestamp::now();
        let not_after = now + expires_in;
        let not_before = if expires_in.is_negative() {
            not_after - SignedDuration::from_hours(24 * 30)
        } else {
            now - SignedDuration::from_hours(24)
        };
        TestCertificate::valid_between(not_before, not_after)
    }

    /// The CA certificate, PEM: what a check's `ca_pem` must hold to trust the target.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// When the server certificate expires.
    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }

    fn acceptor(&self) -> Result<TlsAcceptor, TargetError> {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_err)?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(self.cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone())),
            )
            .map_err(tls_err)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// A running target. Dropping it stops it.
pub struct Target {
    shared: Arc<Shared>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("addr", &self.shared.addr)
            .field("tls", &self.shared.tls.is_some())
            .field("mode", &self.mode())
            .finish_non_exhaustive()
    }
}

struct Shared {
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
    mode: Mutex<Mode>,
    requests: AtomicU64,
    connections: AtomicU64,
    /// Issued tokens and their users.
    tokens: Mutex<HashMap<String, String>>,
    next_token: AtomicU64,
}

impl Shared {
    fn mode(&self) -> Mode {
        self.mode.lock().map(|m| *m).unwrap_or_default()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Ok(mut server) = self.server.lock()
            && let Some(handle) = server.take()
        {
            handle.abort();
        }
    }
}

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // Down → up binds the same port again, while closed connections may sit in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

impl Target {
    /// The password `/login` accepts.
    pub const PASSWORD: &'static str = "secret";

    /// An HTTP target on `127.0.0.1` at a free port, healthy.
    pub async fn start() -> Result<Target, TargetError> {
        Target::start_with(None).await
    }

    /// An HTTPS target on `127.0.0.1` at a free port serving `certificate`, healthy.
    pub async fn start_tls(certificate: &TestCertificate) -> Result<Target, TargetError> {
        Target::start_with(Some(certificate.acceptor()?)).await
    }

    async fn start_with(tls: Option<TlsAcceptor>) -> Result<Target, TargetError> {
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let shared = Arc::new(Shared {
            addr: listener.local_addr()?,
            tls,
            mode: Mutex::new(Mode::Healthy),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            tokens: Mutex::new(HashMap::new()),
            next_token: AtomicU64::new(1),
        });
        let handle = tokio::spawn(serve(listener, Arc::clone(&shared)));
        Ok(Target {
            shared,
            server: Mutex::new(Some(handle)),
        })
    }

    /// The address it listens at (also while down: the port it comes back on).
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://127.0.0.1:<port><path>` (`https://…` for a TLS target).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.shared.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}{path}", self.shared.addr)
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.shared.mode()
    }

    /// Switches the mode. [`Mode::Down`] returns once the listener and every connection are
    /// closed; leaving it binds the same port again.
    pub async fn set_mode(&self, mode: Mode) -> Result<(), TargetError> {
        let running = self
            .server
            .lock()
            .map_err(|_| tls_err("target state poisoned"))?
            .take();
        if let Ok(mut m) = self.shared.mode.lock() {
            *m = mode;
        }
        match (mode, running) {
            (Mode::Down, Some(handle)) => {
                handle.abort();
                // Wait until the task (its listener and its connections) is gone.
                let _ = handle.await;
            }
            (Mode::Down, None) => {}
            (_, Some(handle)) => self.put(handle)?,
            (_, None) => {
                let listener = listen(self.shared.addr)?;
                self.put(tokio::spawn(serve(listener, Arc::clone(&self.shared))))?;
            }
        }
        Ok(())
    }

    fn put(&self, handle: JoinHandle<()>) -> Result<(), TargetError> {
        *self
            .server
            .lock()
            .map_err(|_| tls_err("target state poisoned"))? = Some(handle);
        Ok(())
    }

    /// Requests received so far (in any mode but down).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// TCP connections accepted so far (a TLS handshake need not have followed).
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }
}

/// Accepts connections until aborted; aborting drops the listener and (with the `JoinSet`)
/// every connection.
async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let app = router(Arc::clone(&shared));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                shared.connections.fetch_add(1, Ordering::Relaxed);
                connections.spawn(connection(stream, shared.tls.clone(), app.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn connection(stream: TcpStream, tls: Option<TlsAcceptor>, app: Router) {
    let service = TowerToHyperService::new(app);
    let http = hyper::server::conn::http1::Builder::new();
    match tls {
        None => {
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
        }
        Some(acceptor) => {
            if let Ok(stream) = acceptor.accept(stream).await {
                let _ = http.serve_connection(TokioIo::new(stream), service).await;
            }
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(health))
        .route("/health", get(health))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/echo", post(echo))
        .route("/status/{code}", get(status))
        .route("/redirect/{n}", get(redirect))
        .route("/big", get(big))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            apply_mode,
        ))
        .with_state(shared)
}

async fn apply_mode(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    match shared.mode() {
        Mode::Healthy => next.run(request).await,
        Mode::Slow(delay) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Mode::Failing | Mode::Down => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "down"})),
        )
            .into_response(),
    }
}

async fn health() -> Response {
    axum::Json(json!({"status": "up"})).into_response()
}

async fn login(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let credentials: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let user = credentials
        .get("user")
        .and_then(|u| u.as_str())
        .unwrap_or("")
        .to_string();
    if credentials.get("password").and_then(|p| p.as_str()) != Some(Target::PASSWORD)
        || user.is_empty()
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "bad credentials"})),
        )
            .into_response();
    }
    let token = format!("tok-{}", shared.next_token.fetch_add(1, Ordering::Relaxed));
    if let Ok(mut tokens) = shared.tokens.lock() {
        tokens.insert(token.clone(), user.clone());
    }
    (
        [("x-session", token.clone())],
        axum::Json(json!({"token": token, "user": user})),
    )
        .into_response()
}

async fn me(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let user = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| shared.tokens.lock().ok()?.get(t).cloned());
    match user {
        Some(user) => axum::Json(json!({"user": user, "status": "up"})).into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "unauthorized"})),
        )
            .into_response(),
    }
}

async fn echo(headers: HeaderMap, body: String) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    axum::Json(json!({"body": body, "authorization": authorization})).into_response()
}

async fn status(Path(code): Path<u16>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(json!({"status": code}))).into_response()
}

async fn redirect(Path(n): Path<u32>) -> Response {
    if n == 0 {
        return health().await;
    }
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("/redirect/{}", n - 1))],
    )
        .into_response()
}

async fn big() -> Response {
    let mut body = vec![b'x'; 2 << 20];
    body.extend_from_slice(b"tail");
    Response::new(Body::from(body))
}
