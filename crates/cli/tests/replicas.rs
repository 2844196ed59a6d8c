//! Three `tenggat serve` processes on one PostgreSQL database, 10,000 Innovasia P1 tickets
//! whose response clock breaches in the same minute, and one replica killed (SIGKILL) in the
//! middle of the work: every transition is written exactly once, at its instant, and every
//! notification is in the outbox once and delivered to the webhook receiver. Meanwhile the
//! replicas probe 20 monitors every 10 s: each slot is probed by one replica only.
//!
//! Needs PostgreSQL (`TENGGAT_TEST_POSTGRES_URL`; under `CI=true` a missing one fails).

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tenggat_probe::target::Target;
use tenggat_server::desk::{self, PolicyCache, Report};
use tenggat_server::{Clock, SystemClock};
use tenggat_store::testing::with_temp_postgres;
use tenggat_store::{
    Database, LOCAL_LOCATION, Language, Monitoring, NewContract, NewEvent, NewMonitor,
    NewOrganisation, NewTicket, NewUser, NewWebhook, OrgKind, PolicyBinding, PolicyRef, Role,
    Store, TicketStatus, Visibility, open,
};

#[path = "../../server/tests/live/receiver.rs"]
#[allow(dead_code)]
mod receiver;

const TICKETS: usize = 10_000;
/// Each ticket's transitions in its first hour: response 50 %, 75 %, breached.
const PER_TICKET: i64 = 3;

/// A running replica, killed when dropped.
struct Replica(Child);

impl Drop for Replica {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn replica(url: &str, data_dir: &std::path::Path) -> Replica {
    let bin = assert_cmd::cargo::cargo_bin("tenggat");
    let child = Command::new(bin)
        .arg("serve")
        .current_dir(data_dir)
        .env("TENGGAT_DATABASE_URL", url)
        .env("TENGGAT_LISTEN", "127.0.0.1:0")
        .env("TENGGAT_DATA_DIR", data_dir)
        .env("TENGGAT_NOTIFY__RETRY_SECONDS", "1")
        .env("TENGGAT_NOTIFY__LEASE_SECONDS", "5")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tenggat serve starts");
    Replica(child)
}

/// Counts with one query.
async fn count(pool: &sqlx::PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .expect("count")
}

/// Monitors probed by the replicas, every [`PROBE_INTERVAL_MS`].
const MONITORS: usize = 20;
const PROBE_INTERVAL_MS: i64 = 10_000;

async fn seed(db: &Database, hook_url: &str, target_url: &str, created_at: Timestamp) {
    let at = created_at;
    let provider = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Provider,
            name: "Innovasia".into(),
            slug: "innovasia".into(),
            created_at: at,
        })
        .await
        .expect("provider");
    // An administrator: the replicas find the first run done.
    db.create_user(&NewUser {
        organisation_id: provider.id,
        email: "admin@innovasia.test".into(),
        name: "Admin".into(),
        role: Role::Admin,
        language: Language::En,
        created_at: at,
    })
    .await
    .expect("admin");
    db.create_webhook(&NewWebhook {
        provider_id: provider.id,
        name: "receiver".into(),
        url: hook_url.into(),
        secret: "whsec_replicas".into(),
        language: Language::En,
        events: vec![],
        created_at: at,
    })
    .await
    .expect("webhook");
    let customer = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Customer,
            name: "Mitra".into(),
            slug: "mitra".into(),
            created_at: at,
        })
        .await
        .expect("customer");
    let contract = db
        .create_contract(&NewContract {
            provider_id: provider.id,
            customer_org_id: customer.id,
            policy: PolicyRef::Preset("innovasia".into()),
            add_ons: vec![],
            monthly_fee_minor: 0,
            currency: "IDR".into(),
            term_start: "2026-01-01".parse().expect("date"),
            term_end: None,
            designated_contacts_only: false,
            designated_contacts: vec![],
            created_at: at,
        })
        .await
        .expect("contract");
    let policy = PolicyCache::default()
        .for_contract(db, &contract)
        .await
        .expect("policy");
    let report = Report {
        priority: "P1".into(),
        channel: Some("portal".into()),
        ..Report::default()
    };
    let created = desk::created_event(at, "P1", "incident", &report);
    let sla = desk::sla_of(&policy, std::slice::from_ref(&created), at).expect("fold");
    let new = NewTicket {
        contract_id: contract.id,
        customer_org_id: contract.customer_org_id,
        kind: "incident".into(),
        priority: "P1".into(),
        attributes: json!({}),
        channel: Some("portal".into()),
        reporter_id: None,
        title: "Portal down".into(),
        description: String::new(),
        fields: json!({}),
        observed_at: None,
        observed_tz: None,
        status: TicketStatus::New,
        assignee_id: None,
        created_at: at,
        sla: Some(sla.cache()),
        policy: Some(PolicyBinding {
            policy: contract.policy.clone(),
            add_ons: vec![],
        }),
        attachments: vec![],
    };
    let now = SystemClock.now();
    for i in 0..MONITORS {
        db.create_monitor(&NewMonitor {
            provider_id: provider.id,
            contract_id: contract.id,
            service_id: "service".into(),
            name: format!("health {i}"),
            check: json!({"type": "http", "url": target_url, "timeout": "2s"}),
            interval_ms: PROBE_INTERVAL_MS,
            locations: vec![LOCAL_LOCATION.into()],
            public: false,
            created_at: now,
            first_run_at: now,
        })
        .await
        .expect("monitor");
    }
    let event = NewEvent::from_sla(&created, None, Visibility::Public);
    let results: Vec<_> = stream::iter(0..TICKETS)
        .map(|_| db.create_ticket(&new, &event))
        .buffer_unordered(64)
        .collect()
        .await;
    for r in results {
        r.expect("ticket");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_fire_each_transition_once() {
    with_temp_postgres(|url| async move {
        let receiver = receiver::Receiver::start(0).await;
        let target = Target::start().await.expect("probe target");
        // Reported 59.5 minutes ago: the two response warnings are overdue (caught up at
        // start) and the breach of all 10,000 comes due in the same minute.
        let now = SystemClock.now();
        let created_at = now - SignedDuration::from_secs(59 * 60 + 30);
        let db = open(&url, false).await.expect("open");
        db.migrate().await.expect("migrate");
        seed(&db, &receiver.url(), &target.url("/health"), created_at).await;
        let pool = sqlx::PgPool::connect(&url).await.expect("pool");

        let dirs: Vec<_> = (0..3)
            .map(|i| {
                let dir = std::env::temp_dir().join(format!(
                    "tenggat-replica-{}-{i}-{}",
                    std::process::id(),
                    now.as_nanosecond()
                ));
                std::fs::create_dir_all(&dir).expect("dir");
                dir
            })
            .collect();
        let mut replicas: Vec<Replica> = dirs.iter().map(|d| replica(&url, d)).collect();

        // Kill one replica while the catch-up is under way.
        let transitions = "SELECT COUNT(*) FROM ticket_events \
                           WHERE event_type IN ('sla_warning', 'sla_breached', 'escalated')";
        for _ in 0..600 {
            if count(&pool, transitions).await > 500 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(replicas.remove(0));

        let expected = TICKETS as i64 * PER_TICKET;
        let mut done = false;
        for _ in 0..900 {
            let written = count(&pool, transitions).await;
            let pending = count(&pool, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'").await;
            if written >= expected && pending == 0 {
                done = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // Let a late duplicate show itself, if there were one, and the probes run three
        // intervals at least.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let probing_since = std::time::Instant::now();
        while count(&pool, "SELECT COUNT(*) FROM probe_samples").await < 3 * MONITORS as i64
            && probing_since.elapsed() < Duration::from_secs(60)
        {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        drop(replicas);
        for d in &dirs {
            std::fs::remove_dir_all(d).ok();
        }
        assert!(done, "the replicas did not finish in 7.5 minutes");

        assert_eq!(
            count(&pool, transitions).await,
            expected,
            "each transition once"
        );
        let distinct = count(
            &pool,
            "SELECT COUNT(DISTINCT (ticket_id, payload->>'key')) FROM ticket_events \
             WHERE event_type IN ('sla_warning', 'sla_breached', 'escalated')",
        )
        .await;
        assert_eq!(distinct, expected, "no key twice");
        let uneven = count(
            &pool,
            "SELECT COUNT(*) FROM (SELECT ticket_id FROM ticket_events \
             WHERE event_type IN ('sla_warning', 'sla_breached') GROUP BY ticket_id \
             HAVING COUNT(*) <> 3) x",
        )
        .await;
        assert_eq!(uneven, 0, "every ticket has its three transitions");
        let off_time = count(
            &pool,
            "SELECT COUNT(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
             WHERE e.event_type = 'sla_breached' AND e.at <> t.created_at + 3600000000000",
        )
        .await;
        assert_eq!(off_time, 0, "each breach at its exact instant");
        // Notifications: one webhook row per notified transition, never two; every breach
        // notified (a warning caught up together with a later step of its clock is written but
        // not told).
        let rows = count(&pool, "SELECT COUNT(*) FROM outbox").await;
        assert!(
            rows >= TICKETS as i64 && rows <= expected,
            "{rows} outbox rows"
        );
        let doubled = count(
            &pool,
            "SELECT COUNT(*) FROM (SELECT ticket_id, event_seq FROM outbox \
             GROUP BY ticket_id, event_seq HAVING COUNT(*) > 1) x",
        )
        .await;
        assert_eq!(doubled, 0, "one row per transition");
        let untold = count(
            &pool,
            "SELECT COUNT(*) FROM ticket_events e WHERE e.event_type = 'sla_breached' \
             AND NOT EXISTS (SELECT 1 FROM outbox o \
             WHERE o.ticket_id = e.ticket_id AND o.event_seq = e.seq)",
        )
        .await;
        assert_eq!(untold, 0, "every breach is told");
        assert_eq!(
            count(
                &pool,
                "SELECT COUNT(*) FROM outbox WHERE state <> 'delivered'"
            )
            .await,
            0
        );
        // Probes: every monitor probed, never twice for one slot. The first probe of each ran
        // late (its slot was due before the replicas started) and the next is on its grid, so
        // the first gap can be short; after that, two samples of a monitor closer than half
        // an interval would be one slot claimed by two replicas.
        let probed = count(
            &pool,
            "SELECT COUNT(DISTINCT monitor_id) FROM probe_samples WHERE outcome = 'ok'",
        )
        .await;
        assert_eq!(probed, MONITORS as i64, "every monitor probed, and up");
        let twice = count(
            &pool,
            "SELECT COUNT(*) FROM (SELECT at - LAG(at) OVER w AS gap, ROW_NUMBER() OVER w AS n \
             FROM probe_samples WINDOW w AS (PARTITION BY monitor_id, location ORDER BY at)) x \
             WHERE n > 2 AND gap < 5000000000",
        )
        .await;
        assert_eq!(twice, 0, "a slot probed twice");
        let accepted = receiver.accepted();
        let keys: HashSet<&str> = accepted.iter().map(|c| c.delivery.as_str()).collect();
        assert_eq!(keys.len() as i64, rows, "every notification arrived");
        // At least once: only the killed replica's posts in flight can come twice.
        let duplicates = accepted.len() - keys.len();
        assert!(duplicates <= 64, "{duplicates} duplicates");
        pool.close().await;
        db.close().await;
    })
    .await;
}
