//! `tenggat probe-agent`: runs a provider's monitors from another place and reports back.
//!
//! The agent fetches the monitors of its location from the server (`GET
//! /api/v1/agent/monitors`, again every [`REFRESH_EVERY`]), probes each at its slots with the
//! same probe engine as the server (`epoch + offset + k × interval`, so every location probes
//! at the same instants), keeps the samples in a bounded buffer and posts them in batches
//! (`POST /api/v1/agent/samples`) every [`SEND_EVERY`], retrying with backoff while the
//! server cannot be reached. The token is never logged. A token the server refuses (401)
//! stops the agent with exit status 2; Ctrl-C or SIGTERM stops it cleanly after a last send.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use jiff::Timestamp;
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde_json::{Value, json};
use tenggat_probe::slot::Slots;
use tenggat_probe::{Check, Prober, SelfCheck};
use tenggat_server::monitoring::probes::sample_of;
use tenggat_server::{Clock, SystemClock};
use tenggat_store::ProbeSample;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

/// How often the monitors are fetched again.
const REFRESH_EVERY: Duration = Duration::from_secs(60);
/// How often samples are sent.
const SEND_EVERY: Duration = Duration::from_secs(3);
/// Samples per request at most (the server's limit).
const BATCH: usize = 1_000;
/// Samples kept while the server cannot be reached; beyond, the oldest are dropped.
const MAX_BUFFER: usize = 100_000;
/// The longest wait between two attempts while the server cannot be reached.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Probes in flight at most.
const CONCURRENCY: usize = 256;
/// Longest detail sent (the server takes up to 4,096 characters).
const MAX_DETAIL_CHARS: usize = 1_000;
/// How long a request to the server may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The arguments of `tenggat probe-agent`.
pub struct AgentArgs<'a> {
    /// The server's URL (`https://desk.example.com`).
    pub server: &'a str,
    /// The agent's token (`pat_…`).
    pub token: Option<&'a str>,
    /// The agent's location (must be the one its token was issued for).
    pub location: &'a str,
    /// Reference targets (`host:port`) of the prober's self-check.
    pub self_check: &'a [String],
}

/// A monitor as the server gives it to its agent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct AgentMonitor {
    id: i64,
    name: String,
    check: Value,
    interval_ms: i64,
    slot_offset_ms: i64,
}

#[derive(Debug, Deserialize)]
struct AgentMonitors {
    location: String,
    monitors: Vec<AgentMonitor>,
}

/// Why talking to the server failed.
enum CallError {
    /// 401: the token is unknown or revoked. Fatal.
    Refused,
    /// 422 for a sample: the server's problem body.
    Invalid(Value),
    /// Anything else (network, 5xx, 429): try again later.
    Transient(String),
}

/// The server, with the agent's credentials.
#[derive(Clone)]
struct Server {
    client: reqwest::Client,
    base: Url,
    token: Arc<str>,
}

impl Server {
    fn url(&self, path: &str) -> Result<Url, CallError> {
        self.base
            .join(path)
            .map_err(|e| CallError::Transient(format!("URL: {e}")))
    }

    async fn answer(response: reqwest::Response) -> Result<Value, CallError> {
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match status {
            s if s.is_success() => Ok(body),
            StatusCode::UNAUTHORIZED => Err(CallError::Refused),
            StatusCode::UNPROCESSABLE_ENTITY => Err(CallError::Invalid(body)),
            s => Err(CallError::Transient(format!(
                "HTTP {}{}",
                s.as_u16(),
                body.get("detail")
                    .and_then(Value::as_str)
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ))),
        }
    }

    async fn monitors(&self) -> Result<AgentMonitors, CallError> {
        let response = self
            .client
            .get(self.url("api/v1/agent/monitors")?)
            .bearer_auth(&*self.token)
            .send()
            .await
            .map_err(|e| CallError::Transient(describe(e)))?;
        let body = Server::answer(response).await?;
        serde_json::from_value(body)
            .map_err(|e| CallError::Transient(format!("unexpected answer: {e}")))
    }

    async fn send(&self, samples: &[ProbeSample]) -> Result<u64, CallError> {
        let body = json!({"samples": samples.iter().map(sample_json).collect::<Vec<_>>()});
        let response = self
            .client
            .post(self.url("api/v1/agent/samples")?)
            .bearer_auth(&*self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| CallError::Transient(describe(e)))?;
        let body = Server::answer(response).await?;
        Ok(body.get("stored").and_then(Value::as_u64).unwrap_or(0))
    }
}

/// A request error in one line, without the URL's query or anything secret.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A sample as the server takes it.
fn sample_json(s: &ProbeSample) -> Value {
    let detail: String = s.detail.chars().take(MAX_DETAIL_CHARS).collect();
    json!({
        "monitor_id": s.monitor_id,
        "at": s.at.to_string(),
        "outcome": s.outcome.as_str(),
        "failure_kind": s.failure_kind,
        "detail": detail,
        "latency_ms": s.latency_ms,
        "cert_expires_at": s.cert_expires_at.map(|t| t.to_string()),
    })
}

/// Samples waiting to be sent, oldest first, at most [`MAX_BUFFER`].
#[derive(Default)]
struct Buffer {
    samples: VecDeque<ProbeSample>,
    dropped: u64,
}

type Shared = Arc<Mutex<Buffer>>;

fn push(buffer: &Shared, sample: ProbeSample) {
    if let Ok(mut b) = buffer.lock() {
        if b.samples.len() >= MAX_BUFFER {
            b.samples.pop_front();
            b.dropped += 1;
        }
        b.samples.push_back(sample);
    }
}

fn log(location: &str, message: &str) {
    eprintln!("tenggat probe-agent [{location}]: {message}");
}

/// Whether `location` may name an agent's location (as the server checks it).
fn location_ok(location: &str) -> bool {
    !location.is_empty()
        && location.len() <= 64
        && location != tenggat_store::LOCAL_LOCATION
        && location
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Runs `tenggat probe-agent` until Ctrl-C (or SIGTERM), or until the server refuses the
/// token.
pub fn run(args: &AgentArgs) -> Result<()> {
    let token = match args.token.map(str::trim) {
        Some(t) if !t.is_empty() => t.to_owned(),
        _ => bail!(
            "--token is required (the pat_… token shown when the agent was registered; or set \
             TENGGAT_PROBE_AGENT_TOKEN)"
        ),
    };
    if !token.starts_with("pat_") {
        bail!("--token is not a probe agent's token (those start with pat_)");
    }
    let mut base = Url::parse(args.server.trim())
        .map_err(|e| anyhow!("--server {:?} is not a URL: {e}", args.server))?;
    if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
        bail!(
            "--server {:?} must be an http:// or https:// URL with a host",
            args.server
        );
    }
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    if !location_ok(args.location) {
        bail!(
            "--location {:?} must have 1 to 64 letters, digits, - _ . and may not be local",
            args.location
        );
    }
    let mut builder = Prober::builder();
    if !args.self_check.is_empty() {
        let self_check = SelfCheck::new(args.self_check.iter().cloned())
            .map_err(|e| anyhow!("--self-check: {e}"))?;
        builder = builder.self_check(self_check);
    }
    let prober = builder
        .build()
        .map_err(|e| anyhow!("cannot build the prober: {e}"))?;
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("tenggat-probe-agent/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| anyhow!("cannot build the HTTP client: {e}"))?;
    let server = Server {
        client,
        base,
        token: token.into(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(agent(server, Arc::new(prober), args.location.to_owned()))
}

/// A monitor being probed.
struct Running {
    monitor: AgentMonitor,
    task: JoinHandle<()>,
}

async fn agent(server: Server, prober: Arc<Prober>, location: String) -> Result<()> {
    let buffer: Shared = Arc::default();
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let (fatal_tx, mut fatal_rx) = mpsc::channel::<anyhow::Error>(2);
    let sender = tokio::spawn(send_loop(
        server.clone(),
        buffer.clone(),
        location.clone(),
        fatal_tx.clone(),
    ));
    let refresher = tokio::spawn(refresh_loop(
        server.clone(),
        prober,
        buffer.clone(),
        permits,
        location.clone(),
        fatal_tx,
    ));
    let outcome = tokio::select! {
        error = fatal_rx.recv() => error.map_or(Ok(()), Err),
        signal = stop_signal() => signal.map(|()| log(&location, "stopping")),
    };
    refresher.abort();
    sender.abort();
    if outcome.is_ok() {
        // A last send of what was probed, briefly.
        let pending: Vec<ProbeSample> = buffer
            .lock()
            .map(|mut b| b.samples.drain(..).collect())
            .unwrap_or_default();
        for chunk in pending.chunks(BATCH) {
            match tokio::time::timeout(Duration::from_secs(5), server.send(chunk)).await {
                Ok(Ok(_)) => {}
                _ => {
                    log(&location, "could not send the last samples before stopping");
                    break;
                }
            }
        }
    }
    outcome
}

/// Ctrl-C, or SIGTERM (systemd's stop) on Unix.
async fn stop_signal() -> Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| anyhow!("cannot wait for SIGTERM: {e}"))?;
        tokio::select! {
            c = tokio::signal::ctrl_c() => c.map_err(|e| anyhow!("cannot wait for Ctrl-C: {e}")),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| anyhow!("cannot wait for Ctrl-C: {e}"))
    }
}

fn refused() -> anyhow::Error {
    anyhow!("token refused by the server (unknown or revoked probe agent token)")
}

/// The next wait after a failure.
fn backoff(current: Duration) -> Duration {
    (current * 2).clamp(Duration::from_secs(1), MAX_BACKOFF)
}

/// Fetches the monitors now and every [`REFRESH_EVERY`], and keeps one probing task per
/// monitor.
async fn refresh_loop(
    server: Server,
    prober: Arc<Prober>,
    buffer: Shared,
    permits: Arc<Semaphore>,
    location: String,
    fatal: mpsc::Sender<anyhow::Error>,
) {
    let mut running: HashMap<i64, Running> = HashMap::new();
    let mut wait = Duration::ZERO;
    loop {
        tokio::time::sleep(wait).await;
        match server.monitors().await {
            Ok(answer) if answer.location != location => {
                let _ = fatal
                    .send(anyhow!(
                        "the token belongs to location {:?}, not {location:?}",
                        answer.location
                    ))
                    .await;
                return;
            }
            Ok(answer) => {
                let (mut added, mut removed) = (0, 0);
                running.retain(|id, r| {
                    let keep = answer
                        .monitors
                        .iter()
                        .any(|m| m.id == *id && *m == r.monitor);
                    if !keep {
                        r.task.abort();
                        removed += 1;
                    }
                    keep
                });
                for m in answer.monitors {
                    if running.contains_key(&m.id) {
                        continue;
                    }
                    let check: Check = match serde_json::from_value(m.check.clone()) {
                        Ok(c) => c,
                        Err(e) => {
                            log(
                                &location,
                                &format!(
                                    "monitor {} ({}): check does not parse: {e}",
                                    m.id, m.name
                                ),
                            );
                            continue;
                        }
                    };
                    let slots = u64::try_from(m.interval_ms)
                        .ok()
                        .zip(u64::try_from(m.slot_offset_ms).ok())
                        .and_then(|(i, o)| {
                            Slots::new(Duration::from_millis(i), Duration::from_millis(o)).ok()
                        });
                    let Some(slots) = slots else {
                        log(
                            &location,
                            &format!("monitor {} ({}): no usable interval", m.id, m.name),
                        );
                        continue;
                    };
                    let task = tokio::spawn(probe_loop(
                        m.id,
                        check,
                        slots,
                        prober.clone(),
                        buffer.clone(),
                        permits.clone(),
                        location.clone(),
                    ));
                    added += 1;
                    running.insert(m.id, Running { monitor: m, task });
                }
                log(
                    &location,
                    &format!(
                        "{} monitors ({added} started, {removed} stopped)",
                        running.len()
                    ),
                );
                wait = REFRESH_EVERY;
            }
            Err(CallError::Refused) => {
                let _ = fatal.send(refused()).await;
                return;
            }
            Err(error) => {
                let e = match error {
                    CallError::Invalid(body) => body.to_string(),
                    CallError::Transient(e) => e,
                    CallError::Refused => String::new(),
                };
                // Keep probing the monitors known so far.
                wait = if running.is_empty() {
                    backoff(wait)
                } else {
                    REFRESH_EVERY
                };
                log(
                    &location,
                    &format!(
                        "cannot fetch the monitors: {e}; again in {}s",
                        wait.as_secs()
                    ),
                );
            }
        }
    }
}

/// Probes one monitor at each of its slots, forever.
async fn probe_loop(
    id: i64,
    check: Check,
    slots: Slots,
    prober: Arc<Prober>,
    buffer: Shared,
    permits: Arc<Semaphore>,
    location: String,
) {
    let check = Arc::new(check);
    let mut after: Timestamp = SystemClock.now();
    loop {
        let Some(slot) = slots.next_slot(after) else {
            return;
        };
        let wait = Duration::try_from(SystemClock.now().duration_until(slot)).unwrap_or_default();
        tokio::time::sleep(wait).await;
        after = slot;
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let (prober, check, buffer, location) = (
            prober.clone(),
            check.clone(),
            buffer.clone(),
            location.clone(),
        );
        tokio::spawn(async move {
            let _permit = permit;
            let result = prober.run(&check).await;
            push(&buffer, sample_of(id, &location, result));
        });
    }
}

/// Sends the buffered samples every [`SEND_EVERY`], oldest first, [`BATCH`] at a time.
async fn send_loop(
    server: Server,
    buffer: Shared,
    location: String,
    fatal: mpsc::Sender<anyhow::Error>,
) {
    let mut wait = SEND_EVERY;
    let mut failing = false;
    loop {
        tokio::time::sleep(wait).await;
        wait = SEND_EVERY;
        let dropped = buffer
            .lock()
            .map(|mut b| std::mem::take(&mut b.dropped))
            .unwrap_or(0);
        if dropped > 0 {
            log(
                &location,
                &format!("buffer full ({MAX_BUFFER} samples): dropped the {dropped} oldest"),
            );
        }
        loop {
            let batch: Vec<ProbeSample> = buffer
                .lock()
                .map(|b| b.samples.iter().take(BATCH).cloned().collect())
                .unwrap_or_default();
            if batch.is_empty() {
                break;
            }
            match server.send(&batch).await {
                Ok(_) => {
                    if failing {
                        log(&location, "the server takes samples again");
                        failing = false;
                    }
                    remove_front(&buffer, batch.len(), |_| true);
                }
                Err(CallError::Refused) => {
                    let _ = fatal.send(refused()).await;
                    return;
                }
                Err(CallError::Invalid(problem)) => {
                    // A monitor paused or deleted since the last refresh: drop its samples;
                    // anything else the server cannot take: drop the batch. Never block.
                    let detail = problem
                        .get("detail")
                        .and_then(Value::as_str)
                        .unwrap_or("invalid samples")
                        .to_owned();
                    match problem.get("monitor_id").and_then(Value::as_i64) {
                        Some(monitor) => {
                            log(&location, &format!("{detail}: dropping its samples"));
                            remove_front(&buffer, batch.len(), |s| s.monitor_id == monitor);
                        }
                        None => {
                            log(
                                &location,
                                &format!("{detail}: dropping {} samples", batch.len()),
                            );
                            remove_front(&buffer, batch.len(), |_| true);
                        }
                    }
                }
                Err(CallError::Transient(e)) => {
                    failing = true;
                    wait = backoff(wait);
                    let waiting = buffer.lock().map(|b| b.samples.len()).unwrap_or(0);
                    log(
                        &location,
                        &format!(
                            "cannot send samples: {e}; {waiting} waiting, again in {}s",
                            wait.as_secs()
                        ),
                    );
                    break;
                }
            }
        }
    }
}

/// Removes, among the first `n` samples, those `which` selects.
fn remove_front(buffer: &Shared, n: usize, which: impl Fn(&ProbeSample) -> bool) {
    if let Ok(mut b) = buffer.lock() {
        let n = n.min(b.samples.len());
        let rest = b.samples.split_off(n);
        b.samples.retain(|s| !which(s));
        b.samples.extend(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenggat_store::SampleOutcome;

    fn sample(monitor_id: i64, n: i64) -> ProbeSample {
        ProbeSample {
            monitor_id,
            location: "jakarta".into(),
            at: Timestamp::from_second(n).unwrap(),
            outcome: SampleOutcome::Ok,
            failure_kind: None,
            detail: String::new(),
            latency_ms: Some(3),
            cert_expires_at: None,
        }
    }

    #[test]
    fn the_buffer_drops_the_oldest_beyond_its_bound() {
        let buffer: Shared = Arc::default();
        for n in 0..(MAX_BUFFER as i64 + 5) {
            push(&buffer, sample(1, n));
        }
        let b = buffer.lock().unwrap();
        assert_eq!(b.samples.len(), MAX_BUFFER);
        assert_eq!(b.dropped, 5);
        assert_eq!(
            b.samples.front().unwrap().at,
            Timestamp::from_second(5).unwrap()
        );
    }

    #[test]
    fn removing_a_monitor_keeps_the_rest_in_order() {
        let buffer: Shared = Arc::default();
        for n in 0..6 {
            push(&buffer, sample(n % 2, n));
        }
        remove_front(&buffer, 4, |s| s.monitor_id == 1);
        let left: Vec<i64> = buffer
            .lock()
            .unwrap()
            .samples
            .iter()
            .map(|s| s.at.as_second())
            .collect();
        assert_eq!(left, [0, 2, 4, 5]);
    }

    #[test]
    fn samples_are_sent_as_the_server_takes_them() {
        let mut s = sample(7, 60);
        s.outcome = SampleOutcome::Failed;
        s.failure_kind = Some("unhealthy".into());
        s.detail = "x".repeat(5_000);
        let json = sample_json(&s);
        assert_eq!(json["monitor_id"], 7);
        assert_eq!(json["at"], "1970-01-01T00:01:00Z");
        assert_eq!(json["outcome"], "failed");
        assert_eq!(json["failure_kind"], "unhealthy");
        assert_eq!(json["detail"].as_str().unwrap().len(), MAX_DETAIL_CHARS);
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        assert_eq!(backoff(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(backoff(Duration::from_secs(3)), Duration::from_secs(6));
        assert_eq!(backoff(Duration::from_secs(50)), MAX_BACKOFF);
    }
}
