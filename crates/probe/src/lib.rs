//! The probe engine of Tenggat's availability monitors. A library: no database, no server,
//! no scheduler — those call it.
//!
//! - [`check`]: what a monitor probes, as JSON or TOML — [`Monitor`] (interval ≥ 10 s and a
//!   [`Check`]): an HTTP(S) request ([`HttpCheck`]), a TCP connect, or a synthetic
//!   [`Transaction`] of HTTP steps whose extracted values feed later steps; validation with
//!   a [`CheckError`] per mistake.
//! - [`prober`]: [`Prober::run`] runs a check once and returns a [`ProbeResult`] whose
//!   outcome is a [`tenggat_availability::Outcome`] (ok; failed as unreachable or unhealthy;
//!   inconclusive), with latency, certificate expiry and warnings.
//!   [`ProbeResult::into_sample`] makes the [`tenggat_availability::Sample`].
//! - [`selfcheck`]: [`SelfCheck`] — before an unreachable outcome is reported, the prober
//!   checks its own connectivity against reference targets; cut off, the outcome is
//!   inconclusive (no data is never downtime).
//! - [`slot`]: when each monitor probes — fixed slots `epoch + offset + k·interval`, the
//!   offset derived from the monitor's id.
//! - `target` (cargo feature `testing`): a real HTTP(S) target for tests, switched between
//!   healthy, failing, slow and down.
//!
//! ```no_run
//! use tenggat_probe::{Monitor, Prober};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let monitor = Monitor::from_json(r#"{
//!     "interval": "30s",
//!     "check": {"type": "http", "url": "https://api.example.com/health",
//!               "expect": {"json": {"pointer": "/status", "value": "up"}}}
//! }"#)?;
//! let prober = Prober::new()?;
//! let result = prober.run(&monitor.check).await;
//! println!("{:?} in {:?}, warnings {:?}", result.outcome, result.latency, result.warnings);
//! # Ok(()) }
//! ```

pub mod check;
pub mod prober;
pub mod selfcheck;
pub mod slot;
#[cfg(feature = "testing")]
pub mod target;
mod template;

pub use check::{Check, CheckError, HttpCheck, Monitor, Transaction};
pub use prober::{ProbeResult, Prober, ProberBuilder, ProberError};
pub use selfcheck::{Connectivity, SelfCheck};
pub use slot::Slots;
