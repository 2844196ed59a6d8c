//! The probe engine against real targets (one test binary; see `tenggat_probe::target`).

#![allow(clippy::unwrap_used)] // helpers and proptest strategies outside #[test] functions

mod checks;
mod http;
mod reachability;
mod slots;
mod tls;
mod transaction;

use tenggat_availability::{FailureKind, Outcome};
use tenggat_probe::ProbeResult;

/// The failure's kind and detail, or a panic showing the outcome.
fn failed(result: &ProbeResult) -> (FailureKind, String) {
    match &result.outcome {
        Outcome::Failed(f) => (f.kind, f.detail.clone()),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// A port on 127.0.0.1 nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
