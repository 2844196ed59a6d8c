//! A webhook receiver for tests: a real HTTP server that fails its first calls on purpose.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// One call as received.
#[derive(Debug, Clone)]
pub struct Call {
    /// What the receiver answered.
    pub status: u16,
    /// `X-Tenggat-Delivery`.
    pub delivery: String,
    /// `X-Tenggat-Timestamp`.
    pub timestamp: String,
    /// `X-Tenggat-Signature`.
    pub signature: String,
    /// The body.
    pub body: Vec<u8>,
}

#[derive(Clone)]
struct Shared {
    fail_first: usize,
    seen: Arc<AtomicUsize>,
    calls: Arc<Mutex<Vec<Call>>>,
}

/// A running receiver.
pub struct Receiver {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Shared,
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn hook(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = shared.seen.fetch_add(1, Ordering::SeqCst);
    let status = if n < shared.fail_first {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    shared.calls.lock().expect("calls").push(Call {
        status: status.as_u16(),
        delivery: header(&headers, "x-tenggat-delivery"),
        timestamp: header(&headers, "x-tenggat-timestamp"),
        signature: header(&headers, "x-tenggat-signature"),
        body: body.to_vec(),
    });
    status
}

impl Receiver {
    /// Listens on a free port of 127.0.0.1; the first `fail_first` calls get 503.
    pub async fn start(fail_first: usize) -> Receiver {
        let shared = Shared {
            fail_first,
            seen: Arc::new(AtomicUsize::new(0)),
            calls: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, shared }
    }

    /// `http://127.0.0.1:PORT/hook`.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().expect("calls").clone()
    }

    /// The calls it accepted.
    pub fn accepted(&self) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.status == 200)
            .collect()
    }

    /// Waits (up to 10 s) until at least `n` calls were accepted.
    pub async fn wait_for(&self, n: usize) -> Vec<Call> {
        for _ in 0..400 {
            let ok = self.accepted();
            if ok.len() >= n {
                return ok;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.accepted()
    }
}
