//! Availability monitoring end to end on a manual clock, on SQLite and PostgreSQL: a real HTTP
//! target switched between healthy and failing, the server's prober claiming each slot once,
//! the evaluator turning samples into the timeline, and the incident ticket an outage opens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tenggat_probe::Prober;
use tenggat_probe::target::{Mode, Target, TestCertificate};
use tenggat_server::Clock;
use tenggat_server::monitoring::{evaluator, probes};
use tenggat_server::scheduler::Jobs;
use tenggat_store::{
    Contract, Database, Language, Monitoring, NewMonitor, NewPolicy, NewUser, PolicyRef, Role,
    RunKind, Store, TicketFilter, User,
};

mod live;
use live::*;

async fn monitor(db: &Database, c: &Contract, url: &str, at: Timestamp) -> i64 {
    db.create_monitor(&NewMonitor {
        provider_id: c.provider_id,
        contract_id: c.id,
        service_id: "service".into(),
        name: "API health".into(),
        check: json!({"type": "http", "url": url, "timeout": "2s"}),
        interval_ms: 30_000,
        locations: vec!["local".into()],
        public: true,
        created_at: at,
        first_run_at: at,
    })
    .await
    .expect("monitor")
    .id
}

/// The server's prober and evaluator at one instant of the manual clock.
struct Rig {
    db: Database,
    jobs: Jobs,
    prober: Prober,
    clock: Arc<ManualClock>,
    stats: probes::ProbeStats,
}

impl Rig {
    fn new(db: Database, at: Timestamp) -> Rig {
        let clock = ManualClock::at(at);
        let for_prober = clock.clone();
        let prober = Prober::builder()
            .clock(move || for_prober.now())
            .build()
            .expect("prober");
        Rig {
            db,
            jobs: Jobs::new(false, URL),
            prober,
            clock,
            stats: probes::ProbeStats::default(),
        }
    }

    /// Moves the clock to `at`, probes what is due, and evaluates a second later (once the
    /// probes have answered and their samples are stored).
    async fn at(&self, at: Timestamp) -> (u64, evaluator::Pass) {
        self.clock.set(at);
        let probed = probes::probe_due(
            &self.db,
            &self.prober,
            self.clock.as_ref(),
            &self.stats,
            &self.jobs,
        )
        .await
        .expect("probe");
        let later = at + secs(1);
        self.clock.set(later);
        let pass = evaluator::run_due(&self.db, &self.jobs, later)
            .await
            .expect("evaluate");
        (probed, pass)
    }
}

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

/// AmpoCloud: unavailable when 2 requests in a row fail within 5 minutes. A single failure is
/// not downtime; two open it at the first failure and the first success closes it; the
/// outage opens a "standard" ticket that records the recovery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ampocloud_two_failures_open_and_a_success_closes_downtime() {
    on_both(|db| async move {
        let target = Target::start().await.expect("target");
        let c = preset_contract(&db, "ampocloud", "ampocloud", 10_000_000).await;
        let t0 = wib("2026-04-10 10:00");
        let id = monitor(&db, &c, &target.url("/health"), t0).await;
        let rig = Rig::new(db.clone(), t0);
        let step = |n: i64| t0 + secs(30 * n);

        // 10:00–10:04:30 healthy, one failure at 10:05, healthy again.
        for n in 0..10 {
            let (probed, _) = rig.at(step(n)).await;
            assert_eq!(probed, 1, "one probe per slot at step {n}");
        }
        target.set_mode(Mode::Failing).await.expect("failing");
        rig.at(step(10)).await;
        target.set_mode(Mode::Healthy).await.expect("healthy");
        for n in 11..20 {
            rig.at(step(n)).await;
        }
        let state = db
            .availability_state(c.id, "service")
            .await
            .expect("state")
            .expect("evaluated");
        assert_eq!(state.down_since, None, "a single failure is not downtime");

        // Failing from 10:10 (step 20): down since 10:10 once 10:10:30 confirms it.
        target.set_mode(Mode::Failing).await.expect("failing");
        let (_, pass) = rig.at(step(20)).await;
        assert_eq!(pass.went_down, 0, "one failure so far");
        let (_, pass) = rig.at(step(21)).await;
        assert_eq!(pass.went_down, 1);
        assert_eq!(pass.incidents, 1);
        let state = db
            .availability_state(c.id, "service")
            .await
            .expect("state")
            .expect("evaluated");
        // The probe starts at its slot on the manual clock.
        assert_eq!(state.down_since, Some(step(20)));
        let ticket_id = state.incident_ticket_id.expect("incident ticket");
        let ticket = db.get_ticket(ticket_id, None).await.expect("ticket");
        assert_eq!(ticket.priority, "standard");
        assert_eq!(
            ticket.created_at,
            step(20),
            "its clocks start with the outage"
        );
        for n in 22..30 {
            let (_, pass) = rig.at(step(n)).await;
            assert_eq!(pass.incidents, 0, "one ticket per outage");
        }
        // Back at 10:15 (step 30).
        target.set_mode(Mode::Healthy).await.expect("healthy");
        let (_, pass) = rig.at(step(30)).await;
        assert_eq!(pass.recovered, 1);
        let log = db.ticket_events(ticket_id, None, true).await.expect("log");
        let types: Vec<&str> = log.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            types,
            [
                "created",
                evaluator::OUTAGE_DETECTED,
                evaluator::OUTAGE_RECOVERED
            ]
        );
        assert_eq!(log[2].payload["minutes"], json!(5));

        // Twenty minutes on, the outage is final: one downtime run [10:10, 10:15).
        for n in 31..72 {
            rig.at(step(n)).await;
        }
        let runs = db
            .runs_between(c.id, "service", t0, step(72))
            .await
            .expect("runs");
        let down: Vec<(Timestamp, Timestamp)> = runs
            .iter()
            .filter(|r| r.kind == RunKind::Down)
            .map(|r| (r.start, r.end))
            .collect();
        assert_eq!(down, [(step(20), step(30))]);
        assert_eq!(
            runs.iter()
                .find(|r| r.kind == RunKind::Down)
                .and_then(|r| r.ticket_id),
            Some(ticket_id),
            "the downtime links its incident"
        );
        assert!(
            runs.iter().all(|r| r.kind == RunKind::Down),
            "no gaps in the data: {runs:?}"
        );
        let samples = db
            .samples_between(&[id], t0, step(72))
            .await
            .expect("samples");
        assert_eq!(samples.len(), 72, "each slot probed once");
    })
    .await;
}

/// Innovasia: downtime while more than 50 % of the monitored synthetic transactions fail —
/// over 4 monitors, 2 failing is up and 3 failing is down (a P1 incident).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn innovasia_more_than_half_of_four_transactions() {
    on_both(|db| async move {
        let healthy = Target::start().await.expect("healthy target");
        let failing = Target::start().await.expect("failing target");
        failing.set_mode(Mode::Failing).await.expect("failing");
        let c = preset_contract(&db, "innovasia", "innovasia", 10_000_000).await;
        let t0 = wib("2026-04-10 10:00");
        let rig = Rig::new(db.clone(), t0);
        let step = |n: i64| t0 + secs(30 * n);
        // Two failing of four.
        let mut ids = Vec::new();
        for url in [
            failing.url("/health"),
            failing.url("/health"),
            healthy.url("/health"),
            healthy.url("/health"),
        ] {
            ids.push(monitor(&db, &c, &url, t0).await);
        }
        for n in 0..6 {
            let (probed, pass) = rig.at(step(n)).await;
            assert_eq!(probed, 4);
            assert_eq!(pass.went_down, 0, "2 of 4 failing is 50 %, not more");
        }
        // A third transaction fails: 75 % — down at once (no confirmation needed).
        let third = db.get_monitor(ids[2], None).await.expect("monitor");
        let broken = json!({"type": "http", "url": failing.url("/health"), "timeout": "2s"});
        db.delete_monitor(third.id).await.expect("delete");
        let id3 = db
            .create_monitor(&NewMonitor {
                provider_id: c.provider_id,
                contract_id: c.id,
                service_id: "service".into(),
                name: "third, now failing".into(),
                check: broken,
                interval_ms: 30_000,
                locations: vec!["local".into()],
                public: true,
                created_at: step(6),
                first_run_at: step(6),
            })
            .await
            .expect("monitor")
            .id;
        assert_ne!(id3, third.id);
        let (_, pass) = rig.at(step(6)).await;
        assert_eq!(pass.went_down, 1, "3 of 4 failing is 75 %");
        let state = db
            .availability_state(c.id, "service")
            .await
            .expect("state")
            .expect("evaluated");
        assert_eq!(state.down_since, Some(step(6)));
        let ticket = db
            .get_ticket(state.incident_ticket_id.expect("incident"), None)
            .await
            .expect("ticket");
        assert_eq!(ticket.priority, "P1");
    })
    .await;
}

/// Raw samples go after the retention, but never before the service's timeline has been
/// evaluated a day past them; nothing goes while a service was never evaluated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_are_pruned_only_once_evaluated() {
    use tenggat_server::monitoring::retention;
    use tenggat_store::{LiveState, ProbeSample, SampleOutcome};
    on_both(|db| async move {
        let c = preset_contract(&db, "ampocloud", "ampocloud", 10_000_000).await;
        let t0 = wib("2026-04-01 00:00");
        let id = monitor(&db, &c, "http://127.0.0.1:9/", t0).await;
        let hours = |h: i64| t0 + SignedDuration::from_hours(h);
        let samples: Vec<ProbeSample> = (0..72)
            .map(|h| ProbeSample {
                monitor_id: id,
                location: "local".into(),
                at: hours(h),
                outcome: SampleOutcome::Ok,
                failure_kind: None,
                detail: String::new(),
                latency_ms: Some(12),
                cert_expires_at: None,
            })
            .collect();
        assert_eq!(db.record_samples(&samples).await.expect("record"), 72);
        let day = SignedDuration::from_hours(24);
        assert_eq!(
            retention::prune(&db, hours(72), day).await.expect("prune"),
            0,
            "never evaluated: everything stays"
        );
        let live = LiveState {
            down_since: None,
            incident_ticket_id: None,
        };
        assert!(
            db.advance_availability(c.id, "service", None, hours(60), &[], &live, hours(60))
                .await
                .expect("advance")
        );
        // Retention allows up to 48 h; the timeline, evaluated to 60 h, allows up to 36 h.
        assert_eq!(
            retention::cutoff(&db, hours(72), day)
                .await
                .expect("cutoff"),
            hours(36)
        );
        assert_eq!(
            retention::prune(&db, hours(72), day).await.expect("prune"),
            36
        );
        let left = db
            .samples_between(&[id], t0, hours(72))
            .await
            .expect("left");
        assert_eq!(left.first().map(|s| s.at), Some(hours(36)));
        assert_eq!(left.len(), 36);
    })
    .await;
}

/// A user of `org` with `role`, speaking `language`.
async fn user(db: &Database, org: i64, email: &str, role: Role, language: Language) -> User {
    db.create_user(&NewUser {
        organisation_id: org,
        email: email.into(),
        name: email.split('@').next().unwrap_or(email).into(),
        role,
        language,
        created_at: wib("2026-01-01 00:00"),
    })
    .await
    .expect("user")
}

/// The kinds of a user's in-app notifications, oldest first, each with its ticket.
async fn inbox(db: &Database, user: &User) -> Vec<(String, Option<i64>, String)> {
    let mut items: Vec<_> = db
        .inbox(user.id, false, 100)
        .await
        .expect("inbox")
        .into_iter()
        .map(|n| {
            let kind = n.payload["type"].as_str().unwrap_or_default().to_owned();
            let subject = tenggat_server::notify::render::render(&n.payload).subject;
            (n.id, kind, n.ticket_id, subject)
        })
        .collect();
    items.sort_by_key(|i| i.0);
    items.into_iter().map(|(_, k, t, s)| (k, t, s)).collect()
}

/// A policy that names no incident priority opens no ticket for an outage: the outage and the
/// recovery are told as notices, once each however often the evaluator runs, to the agents,
/// escalation managers and the customer's administrators (not its other users), in each one's
/// language; e-mail rows go to the outbox too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_without_an_incident_ticket_is_told_once() {
    on_both(|db| async move {
        let target = Target::start().await.expect("target");
        let c = preset_contract(&db, "ampocloud", "quiet", 10_000_000).await;
        let source = tenggat_sla::preset_source("ampocloud").expect("preset");
        assert!(source.contains("incident_priority = \"standard\"\n"));
        let quiet = db
            .create_policy(&NewPolicy {
                name: "ampocloud-no-tickets".into(),
                source: source.replace("incident_priority = \"standard\"\n", ""),
                created_by: None,
                created_at: wib("2026-01-01 00:00"),
            })
            .await
            .expect("policy");
        db.set_contract_policy(c.id, &PolicyRef::Uploaded(quiet.id), &[])
            .await
            .expect("policy set");
        let agent = user(&db, c.provider_id, "agen@p.id", Role::Agent, Language::Id).await;
        let manager = user(
            &db,
            c.provider_id,
            "manajer@p.id",
            Role::EscalationManager,
            Language::En,
        )
        .await;
        let admin = user(
            &db,
            c.customer_org_id,
            "admin@c.id",
            Role::CustomerAdmin,
            Language::Id,
        )
        .await;
        let plain = user(
            &db,
            c.customer_org_id,
            "user@c.id",
            Role::CustomerUser,
            Language::Id,
        )
        .await;
        let t0 = wib("2026-04-10 10:00");
        monitor(&db, &c, &target.url("/health"), t0).await;
        let mut rig = Rig::new(db.clone(), t0);
        rig.jobs = Jobs::new(true, URL);
        let step = |n: i64| t0 + secs(30 * n);
        for n in 0..4 {
            rig.at(step(n)).await;
        }
        target.set_mode(Mode::Failing).await.expect("failing");
        let mut down = 0;
        for n in 4..8 {
            down += rig.at(step(n)).await.1.went_down;
        }
        assert_eq!(down, 1);
        target.set_mode(Mode::Healthy).await.expect("healthy");
        let mut up = 0;
        for n in 8..12 {
            up += rig.at(step(n)).await.1.recovered;
        }
        assert_eq!(up, 1);
        assert_eq!(
            db.count_tickets(&TicketFilter::default())
                .await
                .expect("count"),
            0,
            "no ticket"
        );
        let told = inbox(&db, &agent).await;
        assert_eq!(
            told,
            [
                (
                    "outage_detected".to_owned(),
                    None,
                    "[Layanan AmpoCloud (akses 24x7)] Gangguan terdeteksi sejak 2026-04-10 10:02 WIB".to_owned()
                ),
                (
                    "outage_recovered".to_owned(),
                    None,
                    "[Layanan AmpoCloud (akses 24x7)] Layanan pulih setelah 2 menit".to_owned()
                )
            ]
        );
        assert_eq!(inbox(&db, &admin).await, told);
        let in_english = inbox(&db, &manager).await;
        assert_eq!(
            in_english[0].2,
            "[AmpoCloud Service (24x7 access)] Outage detected since 2026-04-10 10:02 WIB"
        );
        assert_eq!(inbox(&db, &plain).await, []);
        // Evaluating again tells nothing new; every user has an e-mail row for each.
        rig.at(step(12)).await;
        rig.at(step(13)).await;
        assert_eq!(inbox(&db, &agent).await.len(), 2);
        let counts = db.outbox_counts().await.expect("counts");
        assert_eq!((counts.delivered, counts.pending), (6, 6));
    })
    .await;
}

/// A certificate within its warning period is told to the provider's agents and
/// administrators once when the warning starts and once on its last day, however many probes
/// see it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiring_certificate_is_told_at_the_warning_and_on_the_last_day() {
    on_both(|db| async move {
        let cert =
            TestCertificate::expiring_in(SignedDuration::from_hours(24 * 10)).expect("certificate");
        let target = Target::start_tls(&cert).await.expect("tls target");
        let c = preset_contract(&db, "ampocloud", "tls", 10_000_000).await;
        let agent = user(&db, c.provider_id, "agen@p.id", Role::Agent, Language::En).await;
        let admin = user(&db, c.provider_id, "admin@p.id", Role::Admin, Language::Id).await;
        let customer = user(
            &db,
            c.customer_org_id,
            "admin@c.id",
            Role::CustomerAdmin,
            Language::Id,
        )
        .await;
        // The prober's clock is ten days before expiry, as the wall clock is.
        let t0 = cert.not_after() - SignedDuration::from_hours(24 * 10);
        db.create_monitor(&NewMonitor {
            provider_id: c.provider_id,
            contract_id: c.id,
            service_id: "service".into(),
            name: "Portal TLS".into(),
            check: json!({"type": "http", "url": target.url("/health"), "timeout": "2s",
                          "ca_pem": cert.ca_pem()}),
            interval_ms: 30_000,
            locations: vec!["local".into()],
            public: false,
            created_at: t0,
            first_run_at: t0,
        })
        .await
        .expect("monitor");
        let rig = Rig::new(db.clone(), t0);
        for n in 0..3 {
            let (probed, _) = rig.at(t0 + secs(30 * n)).await;
            assert_eq!(probed, 1);
        }
        let told = inbox(&db, &agent).await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(told[0].0, "certificate_expiring");
        assert!(
            told[0]
                .2
                .starts_with("[Portal TLS] TLS certificate expires "),
            "{}",
            told[0].2
        );
        assert_eq!(inbox(&db, &admin).await.len(), 1);
        assert_eq!(inbox(&db, &customer).await, [], "the provider's matter");
        // Its last day: told once more.
        let last = cert.not_after() - SignedDuration::from_hours(12);
        for n in 0..3 {
            rig.at(last + secs(30 * n)).await;
        }
        let told = inbox(&db, &admin).await;
        assert_eq!(told.len(), 2, "{told:?}");
        assert!(
            told[1]
                .2
                .starts_with("[Portal TLS] Sertifikat TLS berakhir ")
        );
        let body = db.inbox(admin.id, false, 10).await.expect("inbox")[0]
            .payload
            .clone();
        assert_eq!(body["event"]["days"], 0);
        assert_eq!(body["event"]["host"], "127.0.0.1");
    })
    .await;
}
