//! The prober's own connectivity: no data is never downtime.
//!
//! When a check finds its service unreachable, that may be the prober's own network that is
//! down. The [`SelfCheck`] then connects (TCP) to a few reference targets that are
//! independent of the monitored services — public DNS resolvers, the provider's other
//! sites. If none answers, the prober is cut off and the sample becomes
//! [`Outcome::Inconclusive`](tenggat_availability::Outcome::Inconclusive): the arithmetic
//! counts it as no data, never as downtime. If one answers, the failure stands.
//!
//! The verdict is cached for a few seconds ([`SelfCheck::DEFAULT_CACHE_FOR`]) and found by
//! one check at a time: when 5,000 monitors fail at once the references see one round of
//! connects, not 5,000. A failure observed within that time of a good verdict is taken as
//! real.
//!
//! With no references the self-check is off: every unreachable outcome stands, and an
//! outage of the prober's network counts as downtime of everything it probes. Configure
//! references wherever probes run.

use std::fmt;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio::task::JoinSet;

use crate::check::{CheckError, HumanDuration};

/// What the self-check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connectivity {
    /// A reference answered (or the self-check is off).
    Online,
    /// No reference answered.
    Offline {
        /// Which references failed, and how.
        reason: String,
    },
}

/// The prober's connectivity check against reference targets (`host:port`, TCP connect).
///
/// ```
/// use std::time::Duration;
/// use tenggat_probe::SelfCheck;
///
/// let sc = SelfCheck::new(["1.1.1.1:53", "[2606:4700:4700::1111]:53", "dns.google:53"])?
///     .timeout(Duration::from_secs(2))
///     .cache_for(Duration::from_secs(5));
/// assert!(sc.is_enabled());
/// assert!(!SelfCheck::new(Vec::<String>::new())?.is_enabled());
/// assert!(SelfCheck::new(["1.1.1.1"]).is_err()); // no port
/// # Ok::<(), tenggat_probe::check::CheckError>(())
/// ```
pub struct SelfCheck {
    references: Vec<String>,
    timeout: Duration,
    cache_for: Duration,
    /// The last verdict and when its check started; the lock also makes checks one at a
    /// time.
    cache: Mutex<Option<(Instant, Connectivity)>>,
    rounds: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for SelfCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelfCheck")
            .field("references", &self.references)
            .field("timeout", &self.timeout)
            .field("cache_for", &self.cache_for)
            .finish_non_exhaustive()
    }
}

impl SelfCheck {
    /// How long one reference connect may take unless set: 2 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
    /// How long a verdict is reused unless set: 5 s.
    pub const DEFAULT_CACHE_FOR: Duration = Duration::from_secs(5);

    /// A self-check against `references`, each `host:port` (a name, an IPv4 address, or an
    /// IPv6 address in brackets). An empty list turns the self-check off.
    pub fn new<I>(references: I) -> Result<SelfCheck, CheckError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let references: Vec<String> = references.into_iter().map(Into::into).collect();
        for r in &references {
            let ok = r.rsplit_once(':').is_some_and(|(host, port)| {
                !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0)
            });
            if !ok {
                return Err(CheckError::BadReference(r.clone()));
            }
        }
        Ok(SelfCheck {
            references,
            timeout: SelfCheck::DEFAULT_TIMEOUT,
            cache_for: SelfCheck::DEFAULT_CACHE_FOR,
            cache: Mutex::new(None),
            rounds: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// How long one reference connect may take.
    pub fn timeout(mut self, timeout: Duration) -> SelfCheck {
        self.timeout = timeout;
        self
    }

    /// How long a verdict is reused.
    pub fn cache_for(mut self, cache_for: Duration) -> SelfCheck {
        self.cache_for = cache_for;
        self
    }

    /// The references.
    pub fn references(&self) -> &[String] {
        &self.references
    }

    /// Whether there is anything to check (at least one reference).
    pub fn is_enabled(&self) -> bool {
        !self.references.is_empty()
    }

    /// How many times the references were actually checked (verdicts not taken from the
    /// cache).
    pub fn rounds(&self) -> u64 {
        self.rounds.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the prober is online: the cached verdict while it is fresh, else a new
    /// round of connects (one round at a time; callers arriving meanwhile wait for it and
    /// share its verdict). Online when any reference accepts a connection.
    pub async fn connectivity(&self) -> Connectivity {
        if !self.is_enabled() {
            return Connectivity::Online;
        }
        let mut cache = self.cache.lock().await;
        if let Some((at, verdict)) = cache.as_ref()
            && at.elapsed() < self.cache_for
        {
            return verdict.clone();
        }
        let started = Instant::now();
        let verdict = self.check().await;
        self.rounds
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *cache = Some((started, verdict.clone()));
        verdict
    }

    async fn check(&self) -> Connectivity {
        let mut set = JoinSet::new();
        for (i, r) in self.references.iter().enumerate() {
            let r = r.clone();
            let timeout = self.timeout;
            set.spawn(async move {
                let result = match tokio::time::timeout(timeout, TcpStream::connect(&r)).await {
                    Err(_) => Err(format!(
                        "{r}: timeout after {}",
                        HumanDuration::from(timeout)
                    )),
                    Ok(Err(e)) => Err(format!("{r}: {e}")),
                    Ok(Ok(_)) => Ok(()),
                };
                (i, result)
            });
        }
        let mut failures = vec![String::new(); self.references.len()];
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok((_, Ok(()))) => return Connectivity::Online,
                Ok((i, Err(e))) => failures[i] = e,
                Err(e) => failures.push(format!("reference check panicked: {e}")),
            }
        }
        failures.retain(|f| !f.is_empty());
        Connectivity::Offline {
            reason: format!(
                "prober offline: no reference reachable ({})",
                failures.join("; ")
            ),
        }
    }
}
